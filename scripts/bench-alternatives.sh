#!/usr/bin/env bash
# bench-alternatives.sh - fold a guest's CPUs by marking them, by CPU
# hotplug and by an isolated cpuset partition; time each, and show what
# each does to a pinned task's affinity.
#
# Usage: scripts/bench-alternatives.sh [--kernel PATH] [--trials N] [--log PATH]
#   --kernel PATH   default build/kernel-prod's bzImage (no lock debugging,
#                   which would slow hotplug most)
#   --trials N      folds and unfolds per method (default 20)
#   --log PATH      console log (default build/bench/alternatives.log)
#
# Boots a 4-CPU guest (2 SMT2 cores, multi-threaded TCG) with
# guest/bench-alternatives appended to build/initramfs.cpio.gz, 8 busy
# hogs and one pinned to CPU 3, and folds CPUs 2-3 TRIALS times each way.
# Prints p50 / p90 / max in ms of each fold and unfold (the time the
# writer waits; for marking also the drain, until the last task was
# pushed off), and each method's effect on the pinned task's affinity;
# the same goes to build/bench/alternatives-report.txt. Works on a saved
# log with --report-only LOG. Exit codes: 0 done, 1 the guest failed or
# printed no results, 2 usage.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kernel=$top/build/kernel-prod/arch/x86/boot/bzImage
trials=20
log=$top/build/bench/alternatives.log
report_only=

usage() {
	sed -n '2,/^set /{/^set /d;s/^# \{0,1\}//;p}' "$0"
	exit "${1:-2}"
}

while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=${2:?}; shift 2 ;;
	--trials) trials=${2:?}; shift 2 ;;
	--log) log=${2:?}; shift 2 ;;
	--report-only) report_only=${2:?}; shift 2 ;;
	--help | -h) usage 0 ;;
	*) echo "bench-alternatives: unknown argument $1" >&2; usage ;;
	esac
done
[[ $trials =~ ^[1-9][0-9]*$ ]] || { echo "bench-alternatives: bad --trials" >&2; exit 2; }

report() {
	tr -d '\r' <"$1" | sed -n 's/^alternatives: //p' | awk '
		function pct(a, n, p,   i, j, x, k) {
			for (i = 2; i <= n; i++) {
				x = a[i]
				for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]
				a[j + 1] = x
			}
			k = int(n * p / 100 + 0.999999)
			return a[k < 1 ? 1 : k]
		}
		$1 == "begin" { print "guest: " $0 }
		$1 == "time" {
			key = $2 " " $3
			if (!(key in n)) order[++keys] = key
			v[key, ++n[key]] = $5 / 1000
			if ($6 ~ /^drain=/) { sub(/drain=/, "", $6); d[++nd] = $6 / 1000 }
		}
		$1 == "affinity" { aff[++na] = $0 }
		$1 == "end" { done = 1 }
		END {
			if (!keys) { print "no results"; exit 1 }
			printf "%-16s %6s %9s %9s %9s\n", "operation (ms)", "trials", "p50", "p90", "max"
			for (k = 1; k <= keys; k++) {
				key = order[k]
				for (i = 1; i <= n[key]; i++) a[i] = v[key, i]
				m = n[key]
				printf "%-16s %6d %9.3f %9.3f %9.3f\n", key, m, pct(a, m, 50), pct(a, m, 90), pct(a, m, 100)
			}
			if (nd) {
				for (i = 1; i <= nd; i++) a[i] = d[i]
				printf "%-16s %6d %9.3f %9.3f %9.3f\n", "mark drain", nd, pct(a, nd, 50), pct(a, nd, 90), pct(a, nd, 100)
			}
			print "pinned task (taskset -c 3), affinity mask before / folded / unfolded:"
			for (i = 1; i <= na; i++) print "  " aff[i]
			if (!done) { print "the guest did not finish"; exit 1 }
		}'
}

if [ -n "$report_only" ]; then
	report "$report_only"
	exit
fi

mkdir -p "$(dirname "$log")"
dir=$(mktemp -d /tmp/bench-alternatives.XXXXXX)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/add/vfold"
install -m 755 "$top/guest/bench-alternatives" "$dir/add/vfold/bench-alternatives"
(cd "$dir/add" && find . | cpio --create --format=newc --owner=0:0 --quiet) |
	gzip >"$dir/add.cpio.gz"
cat "$top/build/initramfs.cpio.gz" "$dir/add.cpio.gz" >"$dir/initrd.gz"

rc=0
"$top/scripts/run-vm.sh" --quiet --kernel "$kernel" --initrd "$dir/initrd.gz" \
	--cpus 4 --threads 2 --mem 1024 --timeout 900 --log "$log" \
	-- /vfold/bench-alternatives -n "$trials" || rc=$?
[ "$rc" -eq 0 ] || echo "bench-alternatives: the guest exited $rc, see $log" >&2
report "$log" | tee "$top/build/bench/alternatives-report.txt"
exit "$rc"
