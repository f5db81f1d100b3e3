#!/usr/bin/env bash
# bench-drain.sh - time how fast paravirt CPUs drain when marked and take
# work back when unmarked, in several guest configurations.
#
# Usage: scripts/bench-drain.sh [--trials N] [--out DIR] [--report-only]
#                               [CONFIG...]
#   CONFIG         one or more of (default: all, in this order)
#                    8vcpu-mttcg   8 vCPUs (4 cores x 2 threads), 16 hogs,
#                                  mark 4-7; one host thread per vCPU, so
#                                  on a 2-core host the vCPUs preempt
#                                  each other: noisy, like an overcommitted
#                                  host
#                    2vcpu-mttcg   2 vCPUs, 4 hogs, mark 1; not
#                                  overcommitted on a 2-core host
#                    2vcpu-icount  as 2vcpu-mttcg, but both vCPUs in one
#                                  host thread (--accel tcg-single) with
#                                  -icount shift=3,sleep=off: guest time
#                                  counts guest instructions (8 ns each),
#                                  so host load does not show; the vCPUs
#                                  take turns, like 2 vCPUs on 1 pCPU
#                    8vcpu-icount  as 8vcpu-mttcg under -icount: 8 vCPUs
#                                  taking turns on one thread, each at
#                                  1/8 of 125 M instructions per guest
#                                  second: heavy but repeatable overcommit
#   --trials N     mark/unmark trials per configuration (default 100)
#   --out DIR      logs and report (default build/bench)
#   --report-only  analyze the logs already in DIR, boot nothing
#
# Phases: run (scripts/run-vm.sh boots build/kernel-prod with
# build/initramfs.cpio.gz and runs /vfold/bench-drain, console to
# DIR/drain-CONFIG.log), then report (scripts/bench-drain-report.py over
# those logs, also written to DIR/drain-report.txt). The report works on
# saved logs, so --report-only redoes it without booting. The last line
# is a summary with the time of each phase.
#
# Exit codes: 0 every run completed and every check passed; 1 usage or
# missing kernel/initramfs; 2 a guest run failed (run-vm.sh's code is
# printed; the report still covers what the logs hold); 3 the report's
# checks fired (violations, incomplete trials, no tick events) or it
# could not read a log.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
usage() {
	sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
	exit 1
}

all_configs=(8vcpu-mttcg 2vcpu-mttcg 2vcpu-icount 8vcpu-icount)
trials=100
out=$top/build/bench
report_only=0
configs=()
while [ $# -gt 0 ]; do
	case "$1" in
	--trials) [ $# -ge 2 ] || usage; trials=$2; shift 2 ;;
	--out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
	--report-only) report_only=1; shift ;;
	-h | --help) usage ;;
	-*) echo "bench-drain: unknown option '$1'" >&2; usage ;;
	*) configs+=("$1"); shift ;;
	esac
done
[[ $trials =~ ^[1-9][0-9]*$ ]] || usage
[ ${#configs[@]} -gt 0 ] || configs=("${all_configs[@]}")

# set_config NAME: the run-vm.sh options and guest/bench-drain options of
# configuration NAME, in the arrays vm and guest.
set_config() {
	case "$1" in
	8vcpu-mttcg)
		vm=(--accel tcg --cpus 8 --threads 2)
		guest=(-H 16 -m 4-7)
		;;
	2vcpu-mttcg)
		vm=(--accel tcg --cpus 2 --threads 1)
		guest=(-H 4 -m 1)
		;;
	2vcpu-icount)
		# shellcheck disable=SC2054  # the comma is QEMU's, not an array's
		vm=(--accel tcg-single --cpus 2 --threads 1
			--qemu-arg -icount --qemu-arg shift=3,sleep=off)
		guest=(-H 4 -m 1)
		;;
	8vcpu-icount)
		# shellcheck disable=SC2054  # as above
		vm=(--accel tcg-single --cpus 8 --threads 2
			--qemu-arg -icount --qemu-arg shift=3,sleep=off)
		guest=(-H 16 -m 4-7)
		;;
	*) return 1 ;;
	esac
}
for c in "${configs[@]}"; do
	set_config "$c" || { echo "bench-drain: unknown configuration '$c'" >&2; usage; }
done

kernel=$top/build/kernel-prod/arch/x86/boot/bzImage
initrd=$top/build/initramfs.cpio.gz
mkdir -p "$out"
logs=()
for c in "${configs[@]}"; do
	logs+=("$out/drain-$c.log")
done

run_failed=0
t0=$(date +%s)
if [ "$report_only" -eq 0 ]; then
	for f in "$kernel" "$initrd"; do
		[ -r "$f" ] || { echo "bench-drain: no $f (make kernel-prod initramfs)" >&2; exit 1; }
	done
	for c in "${configs[@]}"; do
		set_config "$c"
		echo "bench-drain: $c: $trials trials, log $out/drain-$c.log" >&2
		rc=0
		"$top/scripts/run-vm.sh" "${vm[@]}" --kernel "$kernel" --initrd "$initrd" \
			--timeout 900 --quiet --log "$out/drain-$c.log" \
			-- /vfold/bench-drain -n "$trials" -l "$c" "${guest[@]}" || rc=$?
		if [ "$rc" -ne 0 ]; then
			echo "bench-drain: $c: run-vm.sh exit $rc" >&2
			run_failed=$((run_failed + 1))
		fi
	done
fi
t1=$(date +%s)

report=$out/drain-report.txt
report_rc=0
{
	if [ -r "$kernel" ]; then
		echo "kernel: $kernel, sha256 $(sha256sum "$kernel" | cut -c1-16)," \
			"$(grep -E '^CONFIG_HZ=' "$top/build/kernel-prod/.config" 2>/dev/null || echo 'HZ unknown')," \
			"prod flavour (no lock debugging)"
	fi
	echo "host: $(nproc) CPUs, $(qemu-system-x86_64 --version | head -1)"
	"$top/scripts/bench-drain-report.py" "${logs[@]}"
} >"$report" 2>&1 || report_rc=$?
cat "$report"
t2=$(date +%s)

ran=${#configs[@]}
[ "$report_only" -eq 1 ] && ran=0
echo "bench-drain: $ran configs run, $run_failed failed; run $((t1 - t0))s, report $((t2 - t1))s; $report"
[ "$run_failed" -eq 0 ] || exit 2
[ "$report_rc" -eq 0 ] || exit 3
