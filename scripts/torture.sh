#!/usr/bin/env bash
# torture.sh - boot a guest that runs vfold-torture, keep what replays it.
#
# Usage: scripts/torture.sh [--seconds N | --minutes N] [--seed N]
#                           [--kernel PATH] [--initrd PATH] [--cpus N]
#                           [--out DIR]
#                           [-- VFOLD-TORTURE-ARGS...]
#   --seconds, --minutes  how long the torture runs (default: TORTURE_MIN
#                         minutes from the environment, else 10)
#   --seed N              replay a run (default: a new random seed, chosen
#                         here so that a guest that dies early still has one)
#   --kernel PATH         the kernel (default build/kernel-torture's bzImage,
#                         make kernel-torture: the debug kernel's lockdep,
#                         PROVE_RCU, DEBUG_ATOMIC_SLEEP, soft-lockup, plus
#                         the hung-task detector, seccomp and SysRq; else
#                         build/kernel-debug's)
#   --initrd PATH         the initramfs (default build/initramfs.cpio.gz)
#   --cpus N              vCPUs, SMT2 in 2 NUMA nodes (default 4)
#   --out DIR             where logs go (default build/torture)
#
# The guest boots with preempt=full (so that migrate-disabled sections
# can be preempted where they run) and schedstats, and runs
#   /vfold/bin/vfold-torture -d SECONDS --seed SEED VFOLD-TORTURE-ARGS
# Its console is DIR/torture-SEED.log; scripts/parse-results.py counts
# the TAP, scripts/run-vm.sh's badness filter judges the console. On
# failure the log is kept and the command that replays it is printed; a
# clean run's log is kept too, as DIR/last.log (replaced each time).
# Needs build/initramfs.cpio.gz and the kernel (make torture builds both).
# Exit codes: 0 every invariant held and the console is clean; 1 an
# invariant failed, the log shows kernel badness, the guest timed out or
# crashed; 2 usage.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
usage() {
	sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
	exit 2
}

seconds=$((${TORTURE_MIN:-10} * 60))
seed=
kernel=$top/build/kernel-torture/arch/x86/boot/bzImage
[ -e "$kernel" ] || kernel=$top/build/kernel-debug/arch/x86/boot/bzImage
initrd=$top/build/initramfs.cpio.gz
cpus=4
out=$top/build/torture
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) seconds=${2:-}; shift 2 ;;
	--minutes) seconds=$((${2:-0} * 60)); shift 2 ;;
	--seed) seed=${2:-}; shift 2 ;;
	--kernel) kernel=${2:-}; shift 2 ;;
	--initrd) initrd=${2:-}; shift 2 ;;
	--cpus) cpus=${2:-}; shift 2 ;;
	--out) out=${2:-}; shift 2 ;;
	--) shift; break ;;
	*) usage ;;
	esac
done
[[ $seconds =~ ^[1-9][0-9]*$ ]] || usage
[[ $cpus =~ ^[1-9][0-9]*$ ]] || usage
if [ -z "$seed" ]; then
	seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
fi
[[ $seed =~ ^[0-9]+$ ]] || usage
for a in "$@"; do
	case $a in
	*'"'*) echo "torture: arguments cannot contain double quotes" >&2; exit 2 ;;
	esac
done

mkdir -p "$out"
log=$out/torture-$seed.log
# Boot (~10 s with KUnit), the run, the clean-up; TCG can be slow.
timeout=$((seconds + seconds / 2 + 180))
cmd="/vfold/bin/vfold-torture -d $seconds --seed $seed $*"
echo "torture: seed $seed, $seconds s, $cpus vCPUs, log $log"
"$top/scripts/run-vm.sh" --quiet --kernel "$kernel" --initrd "$initrd" --cpus "$cpus" \
	--threads 2 --nodes 2 --mem 2048 --timeout "$timeout" --log "$log" \
	--append "schedstats=enable preempt=full cgroup_debug" -- "$cmd"
rc=$?
"$top/scripts/parse-results.py" --require-tap "$log" >"$log.results"
prc=$?
grep -a '^# \(ops\|stays\|migrate_disable\|[a-z_]*: checks\|FAIL\)' "$log" |
	sed 's/^/torture: /'
cat "$log.results"
case $rc in
0 | 1) ;;
251) echo "torture: kernel badness on the console (scripts/console-badness.sh)" ;;
254) echo "torture: the guest timed out" ;;
255) echo "torture: no verdict: the guest crashed" ;;
*) echo "torture: run-vm.sh exited $rc" ;;
esac
if [ "$rc" -eq 0 ] && [ "$prc" -eq 0 ]; then
	mv -f "$log" "$out/last.log"
	mv -f "$log.results" "$out/last.log.results"
	echo "torture: passed (seed $seed; log $out/last.log)"
	exit 0
fi
echo "torture: FAILED; log kept: $log"
echo "torture: replay: scripts/torture.sh --seconds $seconds --seed $seed --kernel $kernel${*:+ -- $*}"
exit 1
