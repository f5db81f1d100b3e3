#!/usr/bin/env bash
# check-series.sh - check every patch of the series: checkpatch --strict
# clean, and the kernel (and the series' selftests) build at every patch.
#
# Usage: scripts/check-series.sh [--no-build]
#
# The build check checks out each commit of build/linux in turn and
# builds it incrementally with the debug config in build/kernel-check
# (only what a commit touches recompiles), then returns to the tip. At the
# tip it also compiles the objects the series touches in two other
# configs: CONFIG_SCHED_PARAVIRT_CPUS=n (the Kconfig default) and
# CONFIG_SCHED_CLASS_EXT=y (sched_ext, which needs BTF, hence pahole).
# Exit codes: 1 setup, 2 checkpatch, 3 a commit or config does not build.
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

# variant NAME WANT SCRIPTS-CONFIG-ARGS...: the debug config changed by
# scripts/config; once olddefconfig has its line WANT, the series'
# objects compiled in build/kernel-NAME.
variant() {
	local name=$1 want=$2 out=$top/build/kernel-$1
	shift 2
	mkdir -p "$out"
	cp "$top/build/kernel-check/.config" "$out/.config"
	"$tree/scripts/config" --file "$out/.config" "$@"
	make -s -C "$tree" O="$out" ARCH=x86_64 olddefconfig
	grep -qx "$want" "$out/.config" || die "$name: no '$want' after olddefconfig"
	if ! make -s -C "$tree" O="$out" ARCH=x86_64 CC="ccache gcc" \
		-j"$(nproc)" kernel/sched/ drivers/base/cpu.o >"$out.log" 2>&1; then
		cat "$out.log" >&2
		echo "check-series: does not build with $name" >&2
		exit 3
	fi
	echo "check-series: builds with $name"
}
# shellcheck source=scripts/lib/kbuild.sh
. "$top/scripts/lib/kbuild.sh"
kbuild_env
variant paravirt-off '# CONFIG_SCHED_PARAVIRT_CPUS is not set' \
	-d SCHED_PARAVIRT_CPUS
# sched_ext needs BTF, and BTF needs pahole (Debian's dwarves).
variant sched-ext CONFIG_SCHED_CLASS_EXT=y -e BPF_SYSCALL -e BPF_JIT \
	-e DEBUG_INFO -e DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT -e DEBUG_INFO_BTF \
	-e SCHED_CLASS_EXT
