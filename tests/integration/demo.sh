#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# demo.sh - make demo's script, short, on the debug kernel; TAP.
#
# Usage: tests/integration/demo.sh
#
# Runs scripts/demo.py --seconds 6 --warmup 2 --plain (two 4-vCPU
# guests on 2 host CPUs, hackbench with vfold and without) and checks:
# it exits 0; it prints the live view of both runs and the table of the
# two side by side, with a gain for each guest and for both; result.json
# has every throughput above 0; with vfold on each guest used at most 2
# vCPUs (the fair share of 2 host CPUs is 1: the agent applied the
# targets) and waited for the host less than with it off; with it off
# all 4. The gain's size is the benchmark's business (make
# bench-overcommit), not a test's: 6 s on a debug kernel is noisy.
#
# Needs build/kernel-debug and build/initramfs.cpio.gz (make test builds
# both before its integration phase) and vfold-hintd.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/integration/lib/tap.sh
. "$top/tests/integration/lib/tap.sh"

kernel=$top/build/kernel-debug/arch/x86/boot/bzImage
out=$(mktemp -d /tmp/vfold-demo-test.XXXXXX)
trap 'rm -rf "$out"' EXIT

# doc: make demo
"$top/scripts/demo.py" --seconds 6 --warmup 2 --plain --kernel "$kernel" \
	--out "$out" >"$out/stdout" 2>"$out/stderr"
check $? "scripts/demo.py exits 0" "$out/stderr"

grep -q '^vfold on: ' "$out/stdout" && grep -q '^vfold off: ' "$out/stdout"
check $? "the live view shows both runs" "$out/stdout"
for row in 'guest a' 'guest b' 'guests a\+b'; do
	grep -Eq "^hackbench msgs/s, $row +[0-9]+ +[0-9]+ +[0-9.]+x$" "$out/stdout"
	check $? "the table has ${row/\\/}'s throughput both ways and the gain" "$out/stdout"
done

python3 - "$out/result.json" >"$out/judge" 2>&1 <<'EOF'
import json
import sys

runs = json.load(open(sys.argv[1]))["runs"]
on, off = runs["vfold on"], runs["vfold off"]
bad = []
for name in ("a", "b"):
    for title, r in runs.items():
        if not r["msgs_per_s"][name] or r["msgs_per_s"][name] <= 0:
            bad.append(f"{name}: no throughput with {title}")
    if on["kept"][name] is None or on["kept"][name] > 2:
        bad.append(f"{name}: used {on['kept'][name]} vCPUs with vfold on (want <= 2)")
    if off["kept"][name] != 4:
        bad.append(f"{name}: used {off['kept'][name]} vCPUs with vfold off (want 4)")
    w_on, w_off = on["wait_pct"][name], off["wait_pct"][name]
    if w_on is None or w_off is None or w_on >= w_off:
        bad.append(f"{name}: host wait {w_on} % with vfold on, {w_off} % off")
print("\n".join(bad) or "all as expected")
sys.exit(1 if bad else 0)
EOF
check $? "result.json: vfold on folds to <= 2 vCPUs and waits less; off uses 4" "$out/judge"

tap_end
