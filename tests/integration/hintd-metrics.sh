#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# hintd-metrics.sh - vfold-hintd's --config, SIGHUP and --metrics-file
# with two fake guests; TAP.
#
# Usage: tests/integration/hintd-metrics.sh
#
# vfold-hintd runs from a config file against two fake-qemu.py guests.
# Its metrics file is read by an independent parser, the Prometheus
# Python client's (python3-prometheus-client), and each value is checked
# against the --json line of the same interval. Then SIGHUP: a new weight
# in the file shows in --json and in the log; a broken file is logged
# with its line, and the daemon runs on with the old weight. A reload to
# another metrics file removes the old one, and SIGTERM the last. Needs
# python3 and python3-prometheus-client; builds vfold-hintd. Exit code 0
# if every check passed.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/integration/lib/tap.sh
. "$top/tests/integration/lib/tap.sh"
hintd=$top/src/vfold-hintd/vfold-hintd
fake=$top/tests/integration/fake-qemu.py
dir=$(mktemp -d /tmp/hintd-metrics.XXXXXX)
conf=$dir/hintd.conf
prom=$dir/vfold.prom
pdeath=
setpriv --pdeathsig KILL true 2>/dev/null && pdeath="setpriv --pdeathsig KILL"

# Every background job is ours: the fakes, and the daemon if it runs on
# (stopped, perhaps: SIGCONT first).
cleanup() {
	local left
	left=$(jobs -p)
	if [ -n "$left" ]; then
		# shellcheck disable=SC2086  # one pid a word
		{ kill -CONT $left; kill -9 $left; wait; } 2>/dev/null
	fi
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# The config file, with VM a's weight $1 and any further lines.
config() {
	cat >"$conf" <<EOF
# vfold-hintd test config
[hintd]
qmp-dir = $dir
cpus = 2
interval-ms = 300
cgroup = no
metrics-file = $prom

[vm a]
weight = $1
EOF
	printf '%s\n' "${@:2}" >>"$conf"
}

# VM $1's "$2" in the last --json line is $3.
json_is() {
	tail -n 1 "$dir/hintd.out" | python3 -c '
import json, sys
vms = {v["name"]: v for v in json.load(sys.stdin)["vms"]}
sys.exit(0 if str(vms[sys.argv[1]][sys.argv[2]]) == sys.argv[3] else 1)
' "$@" 2>/dev/null
}

# Debian's package is for Debian's python3, which may not be the first.
py=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import prometheus_client.parser' 2>/dev/null; then
		py=$p
		break
	fi
done
if [ -z "$py" ]; then
	skip "the metrics file parses" "no python3-prometheus-client"
	tap_end
	exit
fi

make -C "$top/src" vfold-hintd >"$dir/build.log" 2>&1
check $? "vfold-hintd builds" "$dir/build.log"

$pdeath python3 "$fake" --dir "$dir" --name a --busy 2 2>"$dir/a.log" &
$pdeath python3 "$fake" --dir "$dir" --name b --busy 2 2>"$dir/b.log" &
until_ok 10 test -S "$dir/a.qmp" -a -S "$dir/b.qmp"
check $? "two fake guests up" "$dir/a.log"

config 3
$pdeath "$hintd" --config "$conf" --json >"$dir/hintd.out" \
	2>"$dir/hintd.err" &
hintd_pid=$!

# Weights 3:1 on 2 CPUs, both asking 2: shares 1.5 and 0.5.
until_ok 25 eval 'json_is a target 2 && json_is b target 1 &&
	json_is a guest_used True && json_is b guest_used True'
check $? "the config file's weight counts: targets 2 and 1" "$dir/hintd.err"

# Stopped, the file and the output hold still: the file is of the
# interval its intervals_total counts, the --json line of that number.
kill -STOP "$hintd_pid"
"$py" - "$prom" "$dir/hintd.out" >"$dir/compare.log" 2>&1 <<'PY'
import json, sys
from prometheus_client.parser import text_string_to_metric_families

text = open(sys.argv[1]).read()
fams = list(text_string_to_metric_families(text))
host, vm = {}, {}
for f in fams:
    assert f.name.startswith("vfold_hintd_"), f.name
    assert f.documentation, f"{f.name}: no HELP"
    assert f.type in ("gauge", "counter"), f"{f.name}: type {f.type}"
    for s in f.samples:
        if f.type == "counter":
            assert s.name == f.name + "_total", s.name
        if "vm" in s.labels:
            vm.setdefault(s.labels["vm"], {})[s.name] = s.value
        else:
            assert not s.labels, s
            host[s.name] = s.value
assert "# EOF" not in text
n = int(host["vfold_hintd_intervals_total"])
lines = open(sys.argv[2]).read().splitlines()
assert len(lines) >= n >= 1, (len(lines), n)
out = json.loads(lines[n - 1])
assert host["vfold_hintd_capacity_cpus"] == out["capacity"]
assert host["vfold_hintd_vms"] == len(out["vms"])
assert host["vfold_hintd_scan_errors_total"] == 0
assert host["vfold_hintd_decisions_total"] >= 1
keys = {"vcpus": "vcpus", "target_cpus": "target", "run_cpus": "run",
        "wait_cpus": "wait", "demand_cpus": "demand", "share_cpus": "share",
        "weight": "weight", "guest_demand_cpus": "guest_demand"}
assert sorted(vm) == sorted(v["name"] for v in out["vms"]) == ["a", "b"]
for v in out["vms"]:
    m = vm[v["name"]]
    for k, j in keys.items():
        got, want = m["vfold_hintd_vm_" + k], v[j]
        assert abs(got - want) < 1e-6, (v["name"], k, got, want)
    assert m["vfold_hintd_vm_agent_alive"] == 1, v["name"]
    assert m["vfold_hintd_vm_floor_cpus"] == 0, v["name"]
print(f"interval {n}: {len(fams)} families agree with --json")
PY
check $? "the metrics file parses and agrees with --json" "$dir/compare.log"
kill -CONT "$hintd_pid"
ls "$dir"/vfold.prom.* >/dev/null 2>&1
check $((!$?)) "no temporary file left beside it" "$dir/hintd.err"

config 5
kill -HUP "$hintd_pid"
until_ok 5 grep -q 'config reloaded: weight a 3 -> 5$' "$dir/hintd.err"
check $? "SIGHUP: the reload is logged with what changed" "$dir/hintd.err"
until_ok 5 json_is a weight 5.0
check $? "and the new weight is in force" "$dir/hintd.out"
until_ok 5 grep -q '^vfold_hintd_vm_weight{vm="a"} 5$' "$prom"
check $? "and in the metrics" "$prom"

config 7 "[vm b]" "floor = 9" "[hintd]" "interval-ms = 5"
kill -HUP "$hintd_pid"
until_ok 5 grep -q "not reloaded: the old one stays in force" \
	"$dir/hintd.err"
check $? "SIGHUP with a broken file: not reloaded" "$dir/hintd.err"
grep -q "$conf:14: key 'interval-ms': expected an integer in 10..600000" \
	"$dir/hintd.err"
check $? "the error is logged with its line" "$dir/hintd.err"
sleep 1
json_is a weight 5.0
check $? "the old weight stays" "$dir/hintd.out"
kill -0 "$hintd_pid"
check $? "and the daemon runs on" "$dir/hintd.err"

# A reload to another file removes the old one: the collector would
# serve both, the old one's values frozen.
prom2=$dir/vfold2.prom
config 5
sed -i "s|^metrics-file = .*|metrics-file = $prom2|" "$conf"
kill -HUP "$hintd_pid"
until_ok 5 test -s "$prom2"
check $? "SIGHUP to another metrics-file: it is written" "$dir/hintd.err"
! test -e "$prom"
check $? "and the old file is removed" "$dir/hintd.err"

kill -TERM "$hintd_pid"
wait "$hintd_pid"
check $? "SIGTERM: the daemon exits 0" "$dir/hintd.err"
! test -e "$prom2"
check $? "and removes its metrics file (no values of a daemon gone)" \
	"$dir/hintd.err"
ls "$dir"/vfold*.prom.* >/dev/null 2>&1
check $((!$?)) "no temporary file left beside it" "$dir/hintd.err"

tap_end
