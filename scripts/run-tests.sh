#!/usr/bin/env bash
# run-tests.sh - what `make test` runs: install, build, boot, test, count.
#
# Usage: scripts/run-tests.sh
#
# Phases, each timed: deps (install missing Debian packages), tree
# (build/linux with the series), series (checkpatch --strict on every
# patch), kernel (debug config: lock debugging on), cross-arm64 and
# cross-ppc64le (kernel/sched/ and drivers/base/ cross-compiled with the
# arch's debug config, so a break of the series there shows without
# make test-arch's boots), initramfs, host (unit
# tests of the harness, TAP), unit (the userspace's cmocka tests, make -C
# src check), docs (every command the docs show is run by a test:
# tests/host/doc-commands.sh), fuzz (each libFuzzer harness of src/fuzz for 15 s, and
# vfold-sysfuzz's checks shown to fire, TAP), deb-config (the packaged
# kernel's config from Debian's cloud-amd64 and amd64 ones: the series on,
# nothing else moved; tests/deb/kernel-config.sh, TAP), deb-build and deb (the
# userspace's .debs built, lintian-clean, installed into and purged from
# a Debian 12 root: tests/deb/install-remove.sh, TAP), integration
# (tests/integration/*.sh: the daemons against
# real QEMUs, TAP), vm (boot a 4-CPU, 2-thread-per-core,
# 2-node guest that runs KUnit at boot and the selftests from
# guest/run-tests; KTAP and TAP parsed from the saved console), vm-nohz
# (the same with nohz_full=2-3), vm-gov8 (an 8-CPU guest, 4 SMT2 cores in
# 2 nodes, running the governor tests written for it), vm-torture
# (vfold-torture for 75 s: every stressor at once, invariants checked).
#
# The guest is built to give every test what it needs, so a skipped test
# counts as failed here. A VM that crashed, timed out or showed kernel
# badness counts as one more failure. Artifacts: build/test/.
# Ends with one line "N passed, N failed"; exits 1 if anything failed.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/test
mkdir -p "$out"

prog=run-tests
# shellcheck source=scripts/lib/phases.sh
. "$top/scripts/lib/phases.sh"

phase deps "$top/scripts/install-deps.sh" || { fail deps; finish; }
phase tree "$top/scripts/prepare-tree.sh" || { fail tree; finish; }
if phase series "$top/scripts/check-series.sh" --no-build; then
	passed=$((passed + 1))
else
	fail "series: checkpatch --strict"
fi
phase kernel "$top/scripts/build-kernel.sh" debug || { fail kernel; finish; }
for arch in arm64 ppc64le; do
	if phase "cross-$arch" "$top/scripts/build-kernel.sh" --arch "$arch" \
		--only 'kernel/sched/ drivers/base/' debug >"$out/cross-$arch.log" 2>&1; then
		passed=$((passed + 1))
	else
		fail "cross-$arch: kernel/sched/ or drivers/base/ does not build, see $out/cross-$arch.log"
	fi
done
phase initramfs "$top/scripts/build-initramfs.sh" || { fail initramfs; finish; }

phase host "$top/tests/host/run.sh" >"$out/host.tap" 2>"$out/host.err"
count_results host "$out/host.tap" --require-tap
# Building is part of the phase: a userspace build break is no TAP, a failure.
phase unit make -s -C "$top/src" check >"$out/unit.tap" 2>"$out/unit.err"
count_results unit "$out/unit.tap" --require-tap
# Every command of README.md and docs/*.md is run by a test, checked or
# exempt (scripts/check-doc-commands.py, with its own cases first).
phase docs "$top/tests/host/doc-commands.sh" >"$out/docs.tap" 2>"$out/docs.err"
count_results docs "$out/docs.tap" --require-tap
# The parsers under libFuzzer, bounded; a crash's input stays in build/fuzz/.
phase fuzz make -s -C "$top/src" fuzz FUZZ_SECONDS=15 >"$out/fuzz.tap" 2>"$out/fuzz.err"
count_results fuzz "$out/fuzz.tap" --require-tap

# The packaged kernel's config: Debian's two amd64 configs plus the
# series, every other change explained (TAP; the build is make deb-kernel).
phase deb-config "$top/tests/deb/kernel-config.sh" >"$out/deb-config.tap" 2>"$out/deb-config.err"
count_results deb-config "$out/deb-config.tap" --require-tap
# The userspace's Debian packages: built and lintian-clean (one result),
# then installed into and purged from a Debian 12 root (TAP).
if phase deb-build "$top/scripts/build-deb.sh" >"$out/deb-build.log" 2>&1; then
	passed=$((passed + 1))
	phase deb "$top/tests/deb/install-remove.sh" >"$out/deb.tap" 2>"$out/deb.err"
	count_results deb "$out/deb.tap" --require-tap
else
	fail "deb-build: dpkg-buildpackage or lintian failed, see $out/deb-build.log"
fi

# The daemons against real QEMUs: one TAP document, each script's own TAP
# indented under a result of its own, which also fails when the script
# exits non-zero (died before its TAP was done).
# shellcheck disable=SC2317  # called through phase
integration() {
	local t n=0 rc=0 scripts=("$top"/tests/integration/*.sh)
	echo "TAP version 13"
	echo "1..${#scripts[@]}"
	for t in "${scripts[@]}"; do
		n=$((n + 1)) r=ok
		bash "$t" >"$out/integration.script" 2>>"$out/integration.err" ||
			{ r="not ok"; rc=1; }
		sed -e '/^TAP version/d' -e 's/^/    /' "$out/integration.script"
		echo "$r $n - ${t##*/}"
	done
	return "$rc"
}
phase integration integration >"$out/integration.tap" ||
	fail "integration: a script failed, see $out/integration.tap"
count_results integration "$out/integration.tap" --require-tap

# run_guest NAME CPUS COMMAND EXPECTED_SKIPS KERNEL_ARGS: boot a guest of
# CPUS CPUs (SMT2, 2 nodes) with extra kernel arguments, run COMMAND and
# count what it ran. EXPECTED_SKIPS is a regex of the tests that need
# another boot (they run there).
run_guest() {
	local name=$1 cpus=$2 cmd=$3 expect_skip=$4 rc
	shift 4
	phase "$name" "$top/scripts/run-vm.sh" --quiet --cpus "$cpus" --threads 2 \
		--nodes 2 --mem 2048 --timeout 1500 --log "$out/$name.log" \
		--append "schedstats=enable $*" -- "$cmd"
	rc=$?
	case $rc in
	0 | 1) ;;
	251) fail "$name: kernel badness in $out/$name.log" ;;
	254) fail "$name: timed out, see $out/$name.log" ;;
	255) fail "$name: no verdict (crash?), see $out/$name.log" ;;
	*) fail "$name: run-vm.sh exited $rc" ;;
	esac
	count_results "$name" "$out/$name.log" --require-ktap --require-tap \
		${expect_skip:+--expect-skip "$expect_skip"}
}

run_guest vm 4 /vfold/run-tests '\.nohz_full_|\.gov8\.'
# Again with the marked CPUs in nohz_full, where the tick must stay on.
run_guest vm-nohz 4 /vfold/run-tests '\.gov8\.' nohz_full=2-3
# The governor in a guest where more than two sizes are reachable.
run_guest vm-gov8 8 '/vfold/selftests/paravirt_governor_test -f gov8' ''
# Everything at once for 75 s, invariants checked (vfold-torture, a new
# seed each time; make torture runs it longer). A failure's seed is in the
# log's first TAP lines: scripts/torture.sh --seed SEED replays it.
run_guest vm-torture 4 "/vfold/bin/vfold-torture -d 75 --seed $(od -An -N4 -tu4 /dev/urandom | tr -d ' ')" '' preempt=full cgroup_debug
finish
