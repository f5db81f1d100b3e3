#!/usr/bin/env bash
# check-series.sh - check every patch of the series: checkpatch --strict
# clean, and the kernel (and the series' selftests) build at every patch.
#
# Usage: scripts/check-series.sh [--no-build]
#
# The build check checks out each commit of build/linux in turn and
# builds it incrementally with the debug config in build/kernel-check
# (only what a commit touches recompiles), then returns to the tip. Exit codes: 1 setup,
# 2 checkpatch, 3 a commit does not build.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tree=$top/build/linux
build=1
[ "${1:-}" = --no-build ] && build=0

die() { echo "check-series: $*" >&2; exit 1; }

"$top/scripts/prepare-tree.sh"
mapfile -t patches < <(find "$top/patches" -maxdepth 1 -name '0*.patch' \
	! -name '0000-cover-letter.patch' | sort)
[ ${#patches[@]} -gt 0 ] || die "patches/ holds no patch"

# checkpatch runs scripts/spdxcheck.py with "python3" from PATH; it needs
# Debian's python3 (with python3-ply), not another one found first.
export PATH=/usr/bin:$PATH
failed=0
for p in "${patches[@]}"; do
	if ! (cd "$tree" && ./scripts/checkpatch.pl --strict --quiet \
		--no-summary "$p"); then
		echo "check-series: checkpatch: $(basename "$p")" >&2
		failed=1
	fi
done
[ $failed -eq 0 ] || exit 2
echo "check-series: checkpatch --strict clean: ${#patches[@]} patches"
[ $build -eq 1 ] || exit 0

restore() { git -C "$tree" checkout -q -f vfold; }
trap restore EXIT

selftests=$top/build/check-selftests
for c in $(git -C "$tree" rev-list --reverse vfold-base..HEAD); do
	subject=$(git -C "$tree" log -1 --format=%s "$c")
	git -C "$tree" checkout -q -f --detach "$c"
	if ! VFOLD_CONFIG_CHECK=0 VFOLD_KERNEL_OUT="$top/build/kernel-check" \
		"$top/scripts/build-kernel.sh" debug >/dev/null; then
		echo "check-series: kernel does not build at: $subject" >&2
		exit 3
	fi
	rm -rf "$selftests"
	mkdir -p "$selftests"
	if ! make -s -C "$tree/tools/testing/selftests/sched" \
		OUTPUT="$selftests" >"$selftests.log" 2>&1; then
		cat "$selftests.log" >&2
		echo "check-series: selftests do not build at: $subject" >&2
		exit 3
	fi
	echo "check-series: builds: $subject"
done
