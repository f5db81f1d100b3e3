#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# run.sh - run each libFuzzer harness for a bounded time; TAP.
#
# Usage: OUT=DIR HARNESSES='a b' FUZZ_SECONDS=N ./run.sh   (make run sets
#        them; the harnesses are built as DIR/fuzz_NAME)
#
# Each harness runs FUZZ_SECONDS over corpus/NAME (read only) and
# DIR/NAME/corpus (where new inputs go, kept between runs). One result
# per harness: "not ok" on a crash, a sanitizer report, a failed
# property, a leak or an input slower than 10 s; the input that did it
# is kept as DIR/NAME/crash-* (leak-*, timeout-*) and named in the
# output, with the command that replays it. The comment after each
# result gives execs/s and libFuzzer's cov (edges) and ft (features).
#
# Last, vfold-sysfuzz against plain files standing in for a kernel that
# takes every write as it comes: it must fail, or its checks could not
# fail on a real kernel either.
set -uo pipefail

cd "$(dirname "$0")" || exit 1
out=${OUT:?}
secs=${FUZZ_SECONDS:-15}
read -r -a harnesses <<<"${HARNESSES:?}"

echo "TAP version 13"
echo "1..$((${#harnesses[@]} + 1))"
n=0
rc=0
for h in "${harnesses[@]}"; do
	n=$((n + 1))
	dir=$out/$h
	mkdir -p "$dir/corpus"
	rm -f "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-*
	"$out/fuzz_$h" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$dir/" \
		"$dir/corpus" "corpus/$h" >"$dir/run.log" 2>&1
	frc=$?
	stats=$(awk '
		/ cov: / { for (i = 1; i < NF; i++) {
			if ($i == "cov:") cov = $(i + 1)
			if ($i == "ft:") ft = $(i + 1) } }
		/^stat::number_of_executed_units:/ { runs = $2 }
		/^stat::average_exec_per_sec:/ { eps = $2 }
		END { printf "%s runs, %s execs/s, cov %s, ft %s", runs, eps, cov, ft }
	' "$dir/run.log")
	art=$(find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' \
		-o -name 'timeout-*' -o -name 'oom-*' \) | head -1)
	if [ "$frc" -eq 0 ] && [ -z "$art" ]; then
		echo "ok $n - fuzz_$h ${secs}s # $stats"
		continue
	fi
	rc=1
	echo "not ok $n - fuzz_$h ${secs}s # exit $frc, $stats"
	grep -m 12 -E 'ERROR|SUMMARY|Assertion|runtime error|==[0-9]+==' "$dir/run.log" |
		sed 's/^/#   /'
	if [ -n "$art" ]; then
		echo "#   input kept: $art"
		echo "#   replay: $out/fuzz_$h $art"
	fi
done

# The guest fuzzer's own checks must fire: a plain directory takes any
# bytes and reads them back raw, which no kernel file may do.
n=$((n + 1))
fake=$(mktemp -d)
trap 'rm -rf "$fake"' EXIT
cpu=$fake/devices/system/cpu
gov=$cpu/paravirt_governor
mkdir -p "$gov"
echo 0-3 >"$cpu/possible"
echo 0-3 >"$cpu/online"
echo >"$cpu/paravirt"
echo off >"$gov/mode"
echo "off steal hint smt" >"$gov/available_modes"
for kv in interval_ms=100 steal_high_permille=50 steal_low_permille=20 \
	smt_low_permille=500 smt_high_permille=800 min_cpus=1 \
	entitled_cpus=0 hint=4 hint_ttl_ms=10000 intervals=0 folds=0 \
	probes=0 reverts=0 mask_changes=0; do
	echo "${kv#*=}" >"$gov/${kv%%=*}"
done
sysfuzz=../vfold-sysfuzz/vfold-sysfuzz
if ! make -s -C .. vfold-sysfuzz >"$out/sysfuzz-build.log" 2>&1; then
	echo "not ok $n - vfold-sysfuzz fails against plain files # build failed"
	sed 's/^/#   /' "$out/sysfuzz-build.log"
	exit 1
fi
"$sysfuzz" --sysfs-root "$fake" --seed 1 --ops 200 --duration 2 \
	>"$out/sysfuzz-broken.tap" 2>&1
src=$?
classes=0
for what in 'took what the model refuses' 'reads back other than written' \
	'a read-only file took a write' 'not below'; do
	grep -q "$what" "$out/sysfuzz-broken.tap" && classes=$((classes + 1))
done
if [ "$src" -eq 1 ] && [ "$classes" -eq 4 ]; then
	echo "ok $n - vfold-sysfuzz fails against plain files # $(grep -c '^not ok' "$out/sysfuzz-broken.tap") of its results failed"
else
	rc=1
	echo "not ok $n - vfold-sysfuzz fails against plain files # exit $src, $classes of 4 kinds of failure seen"
fi
exit "$rc"
