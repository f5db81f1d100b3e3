#!/usr/bin/env bash
# bench-governor.sh - time how fast the paravirt CPU governor (steal mode)
# folds vCPUs away when the host's share drops, and gives them back when
# it returns, in 4-, 8- and 16-vCPU guests; beside each, what a rule of
# one core per interval (the upstream governor's) would need.
#
# Usage: scripts/bench-governor.sh [--trials N] [--out DIR] [--report-only]
#                                  [CONFIG...]
#   CONFIG         one or more of (default: all, in this order)
#                    4vcpu    4 vCPUs (2 cores x 2 threads), 1 GB; steps of
#                             2 and 1 host CPUs; 10 trials
#                    8vcpu    8 vCPUs (4 x 2), 1 GB; steps of 4 and 2 host
#                             CPUs; 10 trials
#                    16vcpu   16 vCPUs (8 x 2), 2 GB; steps of 8 and 4 host
#                             CPUs; 5 trials (16 vCPU threads on a 2-CPU
#                             host are slow to boot and to run)
#   --trials N     trials per step in every configuration (default: as
#                  listed above)
#   --out DIR      logs and report (default build/bench)
#   --report-only  analyze the logs already in DIR, boot nothing
#
# Kernel: build/kernel-debug, the lock-debugging build, because only its
# config has CONFIG_SCHED_PARAVIRT_STEAL_INJECT, the debugfs knob that
# makes the governor see steal (a TCG guest has none of its own); the
# report says so. Lock debugging slows the governor's work, not its
# decisions, which run once per interval.
#
# Every guest runs under multi-threaded TCG with nohz_full=1-(N-1). With
# the default tick-based CPU time accounting, a vCPU that waits for a host
# CPU (2 host CPUs here) misses ticks without seeing steal, so 4 hogs on
# 4 vCPUs read as 1.4 CPUs busy and injecting 2 host CPUs adds no steal
# at all. nohz_full CPUs account time at every kernel entry and exit
# instead, so a hog reads as a busy CPU (3.96 of 4). CPU 0 stays the
# housekeeping CPU: the governor's work runs there, and it keeps CPU 0's
# core either way.
#
# In each guest, guest/bench-governor runs one busy-loop hog per vCPU,
# sets mode steal with interval_ms 100, and in every trial runs each step:
# inject H host CPUs, hold 1 s and until the mask is the target (from
# scripts/bench-governor-report.py --target), remove the injection, wait
# for an empty mask.
#
# Phases: run (scripts/run-vm.sh boots build/kernel-debug with
# build/initramfs.cpio.gz, console to DIR/governor-CONFIG.log), then
# report (scripts/bench-governor-report.py over those logs, also written
# to DIR/governor-report.txt). The report works on saved logs, so
# --report-only redoes it without booting. The last line is a summary
# with the time of each phase. The kernel's build number (#N, from
# build/kernel-debug/.version) is read before the first boot and must be
# the one each guest reports: a kernel rebuilt during the run fails it.
#
# Exit codes: 0 every run completed and every check passed; 1 usage,
# missing kernel or initramfs, or a kernel without steal injection; 2 a
# guest run failed or ran another kernel build (run-vm.sh's code is
# printed; the report still covers what the logs hold); 3 the report's checks fired or it could not read
# a log.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
usage() {
	sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
	exit 1
}

all_configs=(4vcpu 8vcpu 16vcpu)
trials=
out=$top/build/bench
report_only=0
configs=()
while [ $# -gt 0 ]; do
	case "$1" in
	--trials) [ $# -ge 2 ] || usage; trials=$2; shift 2 ;;
	--out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
	--report-only) report_only=1; shift ;;
	-h | --help) usage ;;
	-*) echo "bench-governor: unknown option '$1'" >&2; usage ;;
	*) configs+=("$1"); shift ;;
	esac
done
[ -z "$trials" ] || [[ $trials =~ ^[1-9][0-9]*$ ]] || usage
[ ${#configs[@]} -gt 0 ] || configs=("${all_configs[@]}")

threads=2
# set_config NAME: configuration NAME's vCPUs, memory, host-CPU steps and
# default trials, in cpus, mem, steps and n.
set_config() {
	case "$1" in
	4vcpu) cpus=4 mem=1024 n=10 ;;
	8vcpu) cpus=8 mem=1024 n=10 ;;
	16vcpu) cpus=16 mem=2048 n=5 ;;
	*) return 1 ;;
	esac
	steps=($((cpus / 2)) $((cpus / 4)))
	n=${trials:-$n}
}
for c in "${configs[@]}"; do
	set_config "$c" || { echo "bench-governor: unknown configuration '$c'" >&2; usage; }
done

report_py=$top/scripts/bench-governor-report.py
kernel=$top/build/kernel-debug/arch/x86/boot/bzImage
config=$top/build/kernel-debug/.config
initrd=$top/build/initramfs.cpio.gz
mkdir -p "$out"
logs=()
for c in "${configs[@]}"; do
	logs+=("$out/governor-$c.log")
done

# The build each guest must report, and the header, read once: the
# kernel may be rebuilt while the guests run.
build="#$(cat "$top/build/kernel-debug/.version" 2>/dev/null || echo '?')"
kernel_line=
if [ -r "$kernel" ]; then
	kernel_line="kernel: $kernel, build $build, sha256 $(sha256sum "$kernel" | cut -c1-16), $(grep -E '^CONFIG_HZ=' "$config" 2>/dev/null || echo 'HZ unknown'), debug flavour (lock debugging): the only build with CONFIG_SCHED_PARAVIRT_STEAL_INJECT"
fi

run_failed=0
t0=$(date +%s)
if [ "$report_only" -eq 0 ]; then
	for f in "$kernel" "$initrd"; do
		[ -r "$f" ] || { echo "bench-governor: no $f (make kernel initramfs)" >&2; exit 1; }
	done
	grep -qx 'CONFIG_SCHED_PARAVIRT_STEAL_INJECT=y' "$config" || {
		echo "bench-governor: $config lacks CONFIG_SCHED_PARAVIRT_STEAL_INJECT=y (make kernel)" >&2
		exit 1
	}
	for c in "${configs[@]}"; do
		set_config "$c"
		guest=(/vfold/bench-governor -n "$n" -l "$c" -i 100 -p 1000)
		for h in "${steps[@]}"; do
			guest+=(-s "$h:$("$report_py" --target "$cpus" "$threads" "$h")")
		done
		echo "bench-governor: $c: $n trials of steps ${steps[*]}, log $out/governor-$c.log" >&2
		rc=0
		"$top/scripts/run-vm.sh" --accel tcg --cpus "$cpus" --threads "$threads" \
			--mem "$mem" --append "nohz_full=1-$((cpus - 1))" --kernel "$kernel" \
			--initrd "$initrd" --timeout 600 --quiet --log "$out/governor-$c.log" \
			-- "${guest[@]}" || rc=$?
		ran=$(sed -n 's/^bench-governor: begin .* build=\(#[0-9]*\) .*/\1/p' \
			"$out/governor-$c.log" | head -1)
		if [ "$rc" -ne 0 ]; then
			echo "bench-governor: $c: run-vm.sh exit $rc" >&2
			run_failed=$((run_failed + 1))
		elif [ "$ran" != "$build" ]; then
			echo "bench-governor: $c: the guest ran kernel build ${ran:-?}, not $build (rebuilt during the run?)" >&2
			run_failed=$((run_failed + 1))
		fi
	done
fi
t1=$(date +%s)

report=$out/governor-report.txt
report_rc=0
{
	[ -z "$kernel_line" ] || echo "$kernel_line"
	echo "host: $(nproc) CPUs, $(qemu-system-x86_64 --version | head -1);" \
		"multi-threaded TCG, guests booted with nohz_full=1-(N-1) so that busy time reads right"
	"$report_py" "${logs[@]}"
} >"$report" 2>&1 || report_rc=$?
cat "$report"
t2=$(date +%s)

ran=${#configs[@]}
[ "$report_only" -eq 1 ] && ran=0
echo "bench-governor: $ran configs run, $run_failed failed; run $((t1 - t0))s, report $((t2 - t1))s; $report"
[ "$run_failed" -eq 0 ] || exit 2
[ "$report_rc" -eq 0 ] || exit 3
