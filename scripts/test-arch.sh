#!/usr/bin/env bash
# test-arch.sh - what `make test-arch` runs: the series on arm64 and ppc64le.
#
# Usage: scripts/test-arch.sh [ARCH...]    (default: arm64 ppc64le)
#
# For each ARCH, timed phases: kernel-ARCH (scripts/build-kernel.sh
# --arch ARCH debug: cross-built, lock debugging on), initramfs-ARCH
# (scripts/build-initramfs.sh --arch ARCH: static cross-built selftests,
# Debian's busybox for ARCH), vm-ARCH (one TCG boot of 4 CPUs in 2 NUMA
# nodes, with nohz_full=2-3 so that the nohz_full tests run in the same
# boot: KUnit's vfold_* suites at boot, then the sched selftests through
# guest/run-tests; KTAP and TAP parsed from the saved console by
# scripts/parse-results.py).
#
# Topology: arm64 -M virt boots SMT2 cores (--threads 2), as make test's
# x86 guests do. pseries under TCG has no SMT before QEMU 8.1, so with an
# older QEMU ppc64le boots one thread per core, and the governor tests
# written for SMT2 cores (paravirt_governor_test's gov fixture) skip there:
# those skips are expected and listed, not counted, and so is the skip of
# sched.pushed_hog_goes_to_idle_cpu_of_its_llc (each core's L2 is its own,
# so no CPU shares its last-level cache); cs_prctl_test is not run there
# (core scheduling needs SMT siblings, and the test fails rather than skip
# without them). gov8 (8 CPUs) runs only in make test. Every other skip counts as a failure, as in make test.
# A build that fails, or a VM that crashed, timed out or showed kernel
# badness, counts as one more failure. Artifacts: build/test-arch/.
# Ends with one line "N passed, N failed"; exits 1 if anything failed.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/test-arch
mkdir -p "$out"
[ $# -gt 0 ] || set -- arm64 ppc64le

prog=test-arch
# shellcheck source=scripts/lib/phases.sh
. "$top/scripts/lib/phases.sh"

# qemu_has_tcg_pseries_smt: QEMU 8.1 and later run SMT pseries under TCG.
qemu_has_tcg_pseries_smt() {
	local v maj min
	v=$(qemu-system-ppc64 --version | sed -n 's/^QEMU emulator version \([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
	read -r maj min <<<"${v:-0 0}"
	[ "$maj" -gt 8 ] || { [ "$maj" -eq 8 ] && [ "$min" -ge 1 ]; }
}

for arch in "$@"; do
	case "$arch" in
	arm64) threads=2 expect_skip='\.gov8\.' cmd=/vfold/run-tests ;;
	ppc64le)
		if qemu_has_tcg_pseries_smt; then
			threads=2 expect_skip='\.gov8\.' cmd=/vfold/run-tests
		else
			threads=1
			expect_skip='\.gov8\.|paravirt_governor_test\.gov\.|\.sched\.pushed_hog_goes_to_idle_cpu_of_its_llc$'
			cmd='sed -i /cs_prctl_test/d /vfold/selftests/kselftest-list.txt && /vfold/run-tests'
		fi
		;;
	*) echo "test-arch: unknown arch '$arch' (arm64, ppc64le)" >&2; exit 2 ;;
	esac
	if ! phase "kernel-$arch" "$top/scripts/build-kernel.sh" --arch "$arch" debug; then
		fail "kernel-$arch: build failed"
		continue
	fi
	if ! phase "initramfs-$arch" "$top/scripts/build-initramfs.sh" --arch "$arch"; then
		fail "initramfs-$arch: build failed"
		continue
	fi
	phase "vm-$arch" "$top/scripts/run-vm.sh" --arch "$arch" --quiet --cpus 4 \
		--threads "$threads" --nodes 2 --mem 2048 --timeout 2400 \
		--log "$out/vm-$arch.log" --append "schedstats=enable nohz_full=2-3" \
		-- "$cmd"
	rc=$?
	case $rc in
	0 | 1) ;;
	251) fail "vm-$arch: kernel badness in $out/vm-$arch.log" ;;
	254) fail "vm-$arch: timed out, see $out/vm-$arch.log" ;;
	255) fail "vm-$arch: no verdict (crash?), see $out/vm-$arch.log" ;;
	*) fail "vm-$arch: run-vm.sh exited $rc" ;;
	esac
	count_results "vm-$arch" "$out/vm-$arch.log" --require-ktap --require-tap \
		--expect-skip "$expect_skip"
done

finish
