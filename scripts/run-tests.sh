#!/usr/bin/env bash
# run-tests.sh - what `make test` runs: install, build, boot, test, count.
#
# Usage: scripts/run-tests.sh
#
# Phases, each timed: deps (install missing Debian packages), tree
# (build/linux with the series), series (checkpatch --strict on every
# patch), kernel (debug config: lock debugging on), initramfs, host (unit
# tests of the harness, TAP), vm (boot a 4-CPU, 2-thread-per-core,
# 2-node guest that runs KUnit at boot and the selftests from
# guest/run-tests), results (KTAP and TAP parsed from the saved console).
#
# The guest is built to give every test what it needs, so a skipped test
# counts as failed here. A VM that crashed, timed out or showed kernel
# badness counts as one more failure. Artifacts: build/test/.
# Ends with one line "N passed, N failed"; exits 1 if anything failed.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/test
mkdir -p "$out"

passed=0
failed=0
times=()

phase() {
	local name=$1 start=$SECONDS
	shift
	echo "== $name"
	"$@"
	local rc=$?
	times+=("$name $((SECONDS - start))s")
	return $rc
}

fail() {
	echo "run-tests: FAILED: $*" >&2
	failed=$((failed + 1))
}

finish() {
	echo "== times: ${times[*]}"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

# Adds the counts of "N passed, N failed, N skipped" printed by
# parse-results.py; skips count as failures (see the header).
count_results() {
	local what=$1 log=$2 line p f s
	shift 2
	"$top/scripts/parse-results.py" "$@" "$log" >"$out/$what.results"
	cat "$out/$what.results"
	line=$(tail -n 1 "$out/$what.results")
	if [[ ! $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
		fail "$what: no result line from parse-results.py"
		return
	fi
	p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} s=${BASH_REMATCH[3]}
	echo "$what: $p passed, $f failed, $s skipped"
	passed=$((passed + p))
	failed=$((failed + f + s))
	[ "$s" -eq 0 ] || echo "run-tests: $what: $s skipped tests count as failed" >&2
}

phase deps "$top/scripts/install-deps.sh" || { fail deps; finish; }
phase tree "$top/scripts/prepare-tree.sh" || { fail tree; finish; }
if phase series "$top/scripts/check-series.sh" --no-build; then
	passed=$((passed + 1))
else
	fail "series: checkpatch --strict"
fi
phase kernel "$top/scripts/build-kernel.sh" debug || { fail kernel; finish; }
phase initramfs "$top/scripts/build-initramfs.sh" || { fail initramfs; finish; }

phase host "$top/tests/host/run.sh" >"$out/host.tap" 2>"$out/host.err"
count_results host "$out/host.tap" --require-tap

phase vm "$top/scripts/run-vm.sh" --quiet --cpus 4 --threads 2 --nodes 2 \
	--mem 2048 --timeout 1500 --log "$out/console.log" -- /vfold/run-tests
vm_rc=$?
case $vm_rc in
0 | 1) ;;
251) fail "vm: kernel badness in $out/console.log" ;;
254) fail "vm: timed out, see $out/console.log" ;;
255) fail "vm: no verdict (crash?), see $out/console.log" ;;
*) fail "vm: run-vm.sh exited $vm_rc" ;;
esac
count_results guest "$out/console.log" --require-ktap --require-tap
finish
