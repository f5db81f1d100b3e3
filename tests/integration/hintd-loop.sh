#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# hintd-loop.sh - vfold-hintd's whole loop with two fake guests; TAP.
#
# Usage: tests/integration/hintd-loop.sh
#
# fake-qemu.py stands in for a QEMU and the agent in its guest: it
# answers QMP, runs 4 "vCPU" threads of which min(busy, target) spin, and
# on the hint socket takes targets and sends honest reports. Two of them,
# both busy on 4 threads, with vfold-hintd --cpus 2: both must fold to 1
# vCPU; when one goes idle the other must get 2 at once; a fake that dies
# is dropped; SIGTERM gives both all their vCPUs back. Needs python3;
# builds vfold-hintd. Exit code 0 if every check passed.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/integration/lib/tap.sh
. "$top/tests/integration/lib/tap.sh"
hintd=$top/src/vfold-hintd/vfold-hintd
fake=$top/tests/integration/fake-qemu.py
dir=$(mktemp -d /tmp/hintd-loop.XXXXXX)
declare -A pids=()
pdeath=
setpriv --pdeathsig KILL true 2>/dev/null && pdeath="setpriv --pdeathsig KILL"

stop() {
	{ kill -9 "${pids[$1]}" && wait "${pids[$1]}"; } 2>/dev/null
	unset "pids[$1]"
}

cleanup() {
	local name
	for name in "${!pids[@]}"; do
		stop "$name"
	done
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

target_is() {
	[ "$(cat "$dir/$1.target" 2>/dev/null)" = "$2" ]
}

make -C "$top/src" vfold-hintd >"$dir/build.log" 2>&1
check $? "vfold-hintd builds" "$dir/build.log"

for name in a b; do
	$pdeath python3 "$fake" --dir "$dir" --name $name --busy 4 \
		2>"$dir/$name.log" &
	pids[$name]=$!
done
until_ok 10 test -S "$dir/a.qmp" -a -S "$dir/b.qmp"
check $? "two fake guests up" "$dir/a.log"

$pdeath "$hintd" --qmp-dir "$dir" --cpus 2 --interval-ms 300 --no-cgroup \
	--json >"$dir/hintd.out" 2>"$dir/hintd.err" &
pids[hintd]=$!

until_ok 10 eval 'target_is a 1 && target_is b 1'
check $? "both busy guests fold to 1 vCPU on 2 CPUs" "$dir/hintd.err"
grep -q 'vm a: target 4 -> 1 (capacity 2, demand host .* guest 4.0, share 1.0)' \
	"$dir/hintd.err"
check $? "the change is logged with its inputs" "$dir/hintd.err"
tail -n 1 "$dir/hintd.out" >"$dir/last.json"
python3 - "$dir/last.json" <<'PY'
import json, sys
vms = {v["name"]: v for v in json.load(open(sys.argv[1]))["vms"]}
ok = all(v["guest_demand"] == 4.0 and v["guest_used"] and v["reports"] > 0
	 and v["bad_messages"] == 0 and v["hint_connected"]
	 for v in vms.values()) and sorted(vms) == ["a", "b"]
sys.exit(0 if ok else 1)
PY
check $? "the guests' reports arrive and count" "$dir/last.json"

echo 0 >"$dir/b.busy"
until_ok 5 target_is a 2
check $? "b goes idle: a gets 2 vCPUs" "$dir/hintd.err"
sleep 1
target_is b 1
check $? "and idle b stays at 1" "$dir/hintd.err"

stop b
until_ok 5 grep -q 'vm b: gone' "$dir/hintd.err"
check $? "a guest that dies is dropped" "$dir/hintd.err"
kill -0 "${pids[hintd]}"
check $? "and the daemon runs on" "$dir/hintd.err"

kill -TERM "${pids[hintd]}"
wait "${pids[hintd]}"
check $? "SIGTERM: the daemon exits 0" "$dir/hintd.err"
unset 'pids[hintd]'
until_ok 3 target_is a 4
check $? "after telling a to use all 4 vCPUs again" "$dir/hintd.err"

tap_end
