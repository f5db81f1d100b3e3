#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# hintd-qmp.sh - vfold-hintd against two real QEMUs; prints TAP.
#
# Usage: tests/integration/hintd-qmp.sh
#
# Starts two paused TCG QEMUs (-S: no guest runs, but the vCPU threads
# exist; no kernel needed), each with a QMP socket DIR/NAME.qmp and a hint
# chardev DIR/NAME.hint on a virtserialport org.vfold.hint.0, and checks
# that vfold-hintd --qmp-dir DIR finds both with their pids and 4 vCPU
# threads each, drops one that is killed, connects to the hint sockets,
# puts a VM in its cpu cgroup (skipped where cgroups cannot be written),
# and exits cleanly on SIGTERM. The QEMUs are killed on any exit.
# Needs qemu-system-x86_64 and python3; builds vfold-hintd. Exit code 0
# if every check passed.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/integration/lib/tap.sh
. "$top/tests/integration/lib/tap.sh"
hintd=$top/src/vfold-hintd/vfold-hintd
dir=$(mktemp -d /tmp/hintd-qmp.XXXXXX)
declare -A qpid=()
pdeath=
setpriv --pdeathsig KILL true 2>/dev/null && pdeath="setpriv --pdeathsig KILL"

# Kills QEMU $1 and reaps it (quietly: no "Killed" from bash).
kill_qemu() {
	{ kill -9 "${qpid[$1]}" && wait "${qpid[$1]}"; } 2>/dev/null
	unset "qpid[$1]"
}

cleanup() {
	local name cg
	for name in "${!qpid[@]}"; do
		kill_qemu "$name"
	done
	rm -rf "$dir"
	# The cgroups a failed run may leave (empty once the QEMUs are dead).
	for cg in /sys/fs/cgroup/cpu/vfold /sys/fs/cgroup/vfold; do
		rmdir "$cg/a" "$cg" 2>/dev/null
	done
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# setpriv --pdeathsig: QEMU dies with this script even if no trap runs
# (SIGKILL).
# The sketch of docs/hintd.md, with this test's ids and paths:
# doc: qemu-system-x86_64 ... -name web \
#   -qmp unix:$DIR/web.qmp,server=on,wait=off \
#   -chardev socket,id=vfold0,path=$DIR/web.hint,server=on,wait=off \
#   -device virtio-serial \
#   -device virtserialport,chardev=vfold0,name=org.vfold.hint.0
start_qemu() {
	local name=$1
	$pdeath qemu-system-x86_64 -accel tcg,thread=multi -smp 4 -m 128 \
		-nodefaults -display none -S \
		-qmp "unix:$dir/$name.qmp,server=on,wait=off" \
		-chardev "socket,id=h,path=$dir/$name.hint,server=on,wait=off" \
		-device virtio-serial \
		-device virtserialport,chardev=h,name=org.vfold.hint.0 \
		</dev/null >"$dir/$name.qemu.log" 2>&1 &
	qpid[$name]=$!
}

wait_sockets() {
	local _ name
	for _ in $(seq 100); do
		for name in "$@"; do
			if ! [ -S "$dir/$name.qmp" ] || ! [ -S "$dir/$name.hint" ]
			then
				sleep 0.1
				continue 2
			fi
		done
		return 0
	done
	return 1
}

# json FILE PYTHON-EXPR: evaluates EXPR with "vms" (name -> VM) and "j"
# (the last JSON line); exit status 0 if true.
json() {
	python3 - "$1" "$2" <<'PY'
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
j = json.loads(lines[-1])
vms = {v["name"]: v for v in j["vms"]}
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
}

# Threads of process $1 are exactly the tids listed for VM $2 in $3.
threads_of() {
	local pid=$1 vm=$2 out=$3 tid tids
	tids=$(python3 -c 'import json,sys
j = json.loads(open(sys.argv[1]).read().splitlines()[-1])
print(" ".join(str(t) for v in j["vms"] if v["name"] == sys.argv[2]
	       for t in v["tids"]))' "$out" "$vm")
	[ "$(wc -w <<<"$tids")" -eq 4 ] || return 1
	for tid in $tids; do
		[ -d "/proc/$pid/task/$tid" ] || return 1
	done
}

make -C "$top/src" vfold-hintd >"$dir/build.log" 2>&1
check $? "vfold-hintd builds" "$dir/build.log"

start_qemu a
start_qemu b
wait_sockets a b
check $? "two QEMUs up with QMP and hint sockets" "$dir/a.qemu.log"

"$hintd" --qmp-dir "$dir" --once --json --dry-run --interval-ms 200 \
	>"$dir/1.out" 2>"$dir/1.err"
check $? "--once --json --dry-run exits 0" "$dir/1.err"
json "$dir/1.out" 'sorted(vms) == ["a", "b"]'
check $? "it sees VMs a and b" "$dir/1.out"
json "$dir/1.out" "vms['a']['pid'] == ${qpid[a]} and vms['b']['pid'] == ${qpid[b]}"
check $? "with the QEMUs' pids (${qpid[a]}, ${qpid[b]})" "$dir/1.out"
json "$dir/1.out" 'len(vms) == 2 and all(v["vcpus"] == 4 and len(set(v["tids"])) == 4 and
		      v["threads_read"] == 4 for v in j["vms"])'
check $? "and 4 vCPU threads each, all measured" "$dir/1.out"
threads_of "${qpid[a]}" a "$dir/1.out" && threads_of "${qpid[b]}" b "$dir/1.out"
check $? "the thread ids are threads of those QEMUs" "$dir/1.out"
json "$dir/1.out" 'len(vms) == 2 and all(v["target"] == 4 and not v["hint_connected"] and
		      v["cgroup"] is None for v in j["vms"])'
check $? "paused guests keep all vCPUs; a dry run connects and places nothing" \
	"$dir/1.out"
! grep -v ': found (pid' "$dir/1.err" >"$dir/1.other"
check $? "no log line but the VMs found" "$dir/1.other"

"$hintd" --qmp-dir "$dir" --once --json --no-cgroup --interval-ms 200 \
	>"$dir/2.out" 2>"$dir/2.err"
check $? "a run that sends targets exits 0" "$dir/2.err"
json "$dir/2.out" 'not vms["a"]["hint_connected"] and not vms["b"]["hint_connected"]'
check $? "--once connects no hint socket: it could hear no agent" "$dir/2.out"
! grep -i 'hint socket' "$dir/2.err" >"$dir/2.other"
check $? "without a hint socket error" "$dir/2.other"

kill_qemu b
"$hintd" --qmp-dir "$dir" --once --json --dry-run --interval-ms 200 \
	>"$dir/3.out" 2>"$dir/3.err"
check $? "after b is killed, the next run exits 0" "$dir/3.err"
json "$dir/3.out" 'sorted(vms) == ["a"]'
check $? "and sees only a" "$dir/3.out"
grep -q 'b.qmp: connect: Connection refused; VM skipped' "$dir/3.err"
check $? "with a log line for b" "$dir/3.err"

# The loop: b dies while it runs; SIGTERM ends it with a final unfold.
# doc: vfold-hintd --qmp-dir $DIR
start_qemu b
wait_sockets b
$pdeath "$hintd" --qmp-dir "$dir" --json --no-cgroup --interval-ms 200 \
	>"$dir/4.out" 2>"$dir/4.err" &
hpid=$!
sleep 1
kill_qemu b
sleep 1
kill -TERM "$hpid"
for _ in $(seq 50); do
	kill -0 "$hpid" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$hpid" 2>/dev/null && kill -9 "$hpid"
wait "$hpid"
check $? "the loop survives a VM dying and exits 0 on SIGTERM" "$dir/4.err"
grep -q 'vm b: gone' "$dir/4.err" && grep -q 'exiting' "$dir/4.err"
check $? "logging b gone and the final unfold" "$dir/4.err"
json "$dir/4.out" 'sorted(vms) == ["a"]'
check $? "its last interval has only a" "$dir/4.out"
python3 -c 'import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
sys.exit(not any(len(j["vms"]) == 2 and all(v["hint_connected"] for v in j["vms"])
		 for j in lines))' "$dir/4.out"
check $? "while both ran, it was connected to both hint sockets" "$dir/4.out"

# cgroups: only where this machine lets us write them.
"$hintd" --qmp-dir "$dir" --once --json --interval-ms 200 \
	>"$dir/5.out" 2>"$dir/5.err"
status=$?
state=$(python3 -c 'import json,sys
print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["vms"][0]["cgroup_state"])' \
	"$dir/5.out" 2>/dev/null)
if [ $status -ne 0 ]; then
	check 1 "a run with cgroups exits 0" "$dir/5.err"
elif [ "$state" = placed ]; then
	grep -q ':/vfold/a$' "/proc/${qpid[a]}/cgroup"
	check $? "VM a moved into cpu cgroup /vfold/a" "/proc/${qpid[a]}/cgroup"
	kill_qemu a
	"$hintd" --qmp-dir "$dir" --once --interval-ms 200 >/dev/null \
		2>"$dir/6.err"
	grep -q 'cgroup: removed /vfold/a' "$dir/6.err"
	check $? "its cgroup removed once it is gone" "$dir/6.err"
else
	skip "VM a in a cpu cgroup" "cgroup state '$state' here"
	skip "its cgroup removed once it is gone" "not placed"
fi

tap_end
