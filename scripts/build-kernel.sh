#!/usr/bin/env bash
# build-kernel.sh - configure and build the guest kernel from build/linux.
#
# Usage: scripts/build-kernel.sh [--unpatched] [--arch ARCH] [--only TARGETS]
#                                FLAVOR
#   FLAVOR  debug (lock debugging, what the tests boot),
#           prod (no lock debugging, what bench-drain boots) or
#           bench (prod with the debugfs steal input, which
#           bench-overcommit relays the host's measured wait into),
#           torture (debug with kernel/configs/torture.config: what
#           make torture boots) or torture-kasan (torture with generic
#           KASAN, torture-kasan.config)
#   --unpatched  build the same FLAVOR from the series' base (vfold-base,
#           checked out in the worktree build/linux-unpatched), into
#           build/kernel-FLAVOR-unpatched: the kernel to compare with
#   --arch ARCH  x86_64 (default), arm64 or ppc64le; the last two are
#           cross-built with Debian's aarch64-linux-gnu- and
#           powerpc64le-linux-gnu- compilers into
#           build/kernel-ARCH-FLAVOR (see docs/architectures.md)
#   --only TARGETS  build only these Kbuild targets (one argument,
#           space-separated, e.g. 'kernel/sched/ drivers/base/') instead
#           of the boot image: the cheap cross-build check of make test
#
# Output: build/kernel-FLAVOR/arch/x86/boot/bzImage,
# build/kernel-arm64-FLAVOR/arch/arm64/boot/Image,
# build/kernel-ppc64le-FLAVOR/vmlinux.
# The .config is the arch's tinyconfig with a base fragment and
# kernel/configs/FLAVOR.config merged on top (bench: prod.config, then
# bench.config; torture: debug.config, then torture.config; torture-kasan:
# those, then torture-kasan.config). The base fragment is kernel/configs/vfold.config on
# x86_64 and kernel/configs/ARCH.config elsewhere, whose series options
# (CONFIG_SCHED_PARAVIRT_*, CONFIG_VFOLD_*) must be vfold.config's
# (exit 3 otherwise). Every option the fragments
# set must hold in the result, or the build fails (exit 3; set
# VFOLD_CONFIG_CHECK=0 to only warn, for older commits). An unpatched
# build checks only the options its tree has: the series' own are not
# there. Compiles go
# through ccache, cached outside the checkout in $VFOLD_CCACHE_DIR
# (default ~/.cache/vfold/ccache). Exit codes: 1 usage, 2 config, 3 config
# check, 4 build.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
unpatched=0
arch=x86_64
only=
usage() {
	echo "usage: $0 [--unpatched] [--arch x86_64|arm64|ppc64le] [--only TARGETS] debug|prod|bench|torture|torture-kasan" >&2
	exit 1
}
while [ $# -gt 1 ]; do
	case "$1" in
	--unpatched) unpatched=1; shift ;;
	--arch) arch=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	*) usage ;;
	esac
done
flavor=${1:-}
case "$flavor" in
debug | prod) flavors=("$flavor") ;;
bench) flavors=(prod bench) ;;
torture) flavors=(debug torture) ;;
torture-kasan) flavors=(debug torture torture-kasan) ;;
*) usage ;;
esac
# Kbuild's ARCH, the compiler prefix, the boot image and the base fragment.
case "$arch" in
x86_64) karch=x86_64 cross='' image=arch/x86/boot/bzImage base_frag=vfold ;;
arm64) karch=arm64 cross=aarch64-linux-gnu- image=arch/arm64/boot/Image base_frag=arm64 ;;
ppc64le) karch=powerpc cross=powerpc64le-linux-gnu- image=vmlinux base_frag=ppc64le ;;
*) usage ;;
esac
if [ -n "$cross" ] && ! command -v "${cross}gcc" >/dev/null; then
	echo "build-kernel: no ${cross}gcc; run scripts/install-deps.sh" >&2
	exit 1
fi

tree=$top/build/linux
suffix=
[ -d "$tree/.git" ] || { echo "build-kernel: run scripts/prepare-tree.sh first" >&2; exit 1; }
if [ $unpatched -eq 1 ]; then
	# A worktree of the same repository: the base is the commit the
	# series applies to, whatever build/linux has checked out.
	suffix=-unpatched
	base=$tree-unpatched
	if [ ! -e "$base/.git" ]; then
		git -C "$tree" worktree prune
		git -C "$tree" worktree add -q --detach "$base" vfold-base
	fi
	git -C "$base" checkout -q --detach vfold-base
	tree=$base
fi
# VFOLD_KERNEL_OUT: another build directory (check-series builds there, so
# that checking old commits does not disturb the kernel the tests boot).
archdir=
[ "$arch" = x86_64 ] || archdir=$arch-
out=${VFOLD_KERNEL_OUT:-$top/build/kernel-$archdir$flavor$suffix}
frags=("$top/kernel/configs/$base_frag.config")
for f in "${flavors[@]}"; do
	frags+=("$top/kernel/configs/$f.config")
done

# shellcheck source=scripts/lib/kbuild.sh
. "$top/scripts/lib/kbuild.sh"
kbuild_env
mkdir -p "$out"

kmake=(make -C "$tree" O="$out" ARCH="$karch" CROSS_COMPILE="$cross"
	CC="ccache ${cross}gcc" -j"$(nproc)")

# The other arches' fragments replace vfold.config, which carries x86's
# platform options; the series' own options must not drift apart.
if [ "$arch" != x86_64 ]; then
	missing=$(grep -E '^CONFIG_(SCHED_PARAVIRT|VFOLD)_' "$top/kernel/configs/vfold.config" |
		grep -vxFf "${frags[0]}" || true)
	if [ -n "$missing" ]; then
		echo "build-kernel: ${frags[0]} lacks vfold.config's series options:" >&2
		echo "$missing" >&2
		exit 3
	fi
fi

# Configure in a scratch directory every time (a few seconds), and replace
# .config only when it changed, so an unchanged config rebuilds nothing
# while a Kconfig change in the tree (another commit) is picked up.
cfg=$out.config
mkdir -p "$cfg"
{
	make -C "$tree" O="$cfg" ARCH="$karch" CROSS_COMPILE="$cross" tinyconfig &&
	ARCH=$karch CROSS_COMPILE=$cross "$tree/scripts/kconfig/merge_config.sh" \
		-m -O "$cfg" "$cfg/.config" "${frags[@]}" &&
	make -C "$tree" O="$cfg" ARCH="$karch" CROSS_COMPILE="$cross" olddefconfig
} >"$out/config.log" 2>&1 || {
	tail -20 "$out/config.log" >&2
	exit 2
}
if ! cmp -s "$cfg/.config" "$out/.config"; then
	echo "build-kernel: new $flavor .config"
	cp "$cfg/.config" "$out/.config"
fi

# Like kunit.py's validate_config: a fragment line that kconfig dropped
# (unmet dependency, renamed option) is an error, not a silent change.
# Later fragments win, so a line a later one overrides is not checked.
# An unpatched tree lacks the series' options: those are skipped.
bad=0
known=
if [ $unpatched -eq 1 ]; then
	known=$(grep -rhoE '^(menu)?config [A-Z0-9_]+' --include='Kconfig*' "$tree" |
		awk '{ print "CONFIG_" $2 }' | sort -u)
fi
while IFS= read -r line; do
	opt=${line%%=*}
	if [ -n "$known" ] && ! grep -qxF "$opt" <<<"$known"; then
		continue
	fi
	case "$line" in
	CONFIG_*=n)
		if grep -q "^$opt=" "$out/.config"; then
			echo "build-kernel: $opt should be unset" >&2
			bad=1
		fi
		;;
	CONFIG_*=*)
		if ! grep -qxF "$line" "$out/.config"; then
			echo "build-kernel: $line missing from .config" >&2
			bad=1
		fi
		;;
	esac
done < <(cat "${frags[@]}" | grep '^CONFIG_' | tac | awk -F= '!seen[$1]++' | tac)
# check-series builds earlier commits, which lack later options.
[ $bad -eq 0 ] || [ "${VFOLD_CONFIG_CHECK:-1}" = 0 ] || exit 3

if [ -n "$only" ]; then
	read -ra targets <<<"$only"
else
	targets=("${image##*/}")
fi
echo "build-kernel: building $arch $flavor (${targets[*]}) in $out"
if ! "${kmake[@]}" "${targets[@]}" >"$out/build.log" 2>&1; then
	grep -E 'error|Error' "$out/build.log" | head -30 >&2
	tail -5 "$out/build.log" >&2
	exit 4
fi
grep -E 'warning:' "$out/build.log" >&2 || true
ccache -s 2>/dev/null | grep -Ei 'hits|misses' || true
[ -n "$only" ] || echo "build-kernel: $out/$image"
