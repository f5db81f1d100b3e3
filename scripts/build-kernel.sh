#!/usr/bin/env bash
# build-kernel.sh - configure and build the guest kernel from build/linux.
#
# Usage: scripts/build-kernel.sh FLAVOR
#   FLAVOR  debug (lock debugging, what the tests boot) or
#           prod (no lock debugging, what the benchmarks boot)
#
# Output: build/kernel-FLAVOR/arch/x86/boot/bzImage.
# The .config is x86_64 tinyconfig with kernel/configs/vfold.config and
# kernel/configs/FLAVOR.config merged on top; every option the fragments
# set must hold in the result, or the build fails (exit 3; set
# VFOLD_CONFIG_CHECK=0 to only warn, for older commits). Compiles go
# through ccache, cached outside the checkout in $VFOLD_CCACHE_DIR
# (default ~/.cache/vfold/ccache). Exit codes: 1 usage, 2 config, 3 config
# check, 4 build.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
flavor=${1:-}
case "$flavor" in
debug | prod) ;;
*) echo "usage: $0 debug|prod" >&2; exit 1 ;;
esac

tree=$top/build/linux
# VFOLD_KERNEL_OUT: another build directory (check-series builds there, so
# that checking old commits does not disturb the kernel the tests boot).
out=${VFOLD_KERNEL_OUT:-$top/build/kernel-$flavor}
frags=("$top/kernel/configs/vfold.config" "$top/kernel/configs/$flavor.config")
[ -d "$tree/.git" ] || { echo "build-kernel: run scripts/prepare-tree.sh first" >&2; exit 1; }

export CCACHE_DIR=${VFOLD_CCACHE_DIR:-$HOME/.cache/vfold/ccache}
# Relative paths in the cache key, so another clone hits the same entries.
export CCACHE_BASEDIR=$top
export CCACHE_NOHASHDIR=1
export CCACHE_SLOPPINESS=time_macros,include_file_mtime,include_file_ctime
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
export KBUILD_BUILD_USER=vfold KBUILD_BUILD_HOST=vfold
export KBUILD_BUILD_TIMESTAMP='2000-01-01'
mkdir -p "$CCACHE_DIR" "$out"

kmake=(make -C "$tree" O="$out" ARCH=x86_64 CC="ccache gcc" -j"$(nproc)")

# Configure in a scratch directory every time (a few seconds), and replace
# .config only when it changed, so an unchanged config rebuilds nothing
# while a Kconfig change in the tree (another commit) is picked up.
cfg=$out.config
mkdir -p "$cfg"
{
	make -C "$tree" O="$cfg" ARCH=x86_64 tinyconfig &&
	"$tree/scripts/kconfig/merge_config.sh" -m -O "$cfg" \
		"$cfg/.config" "${frags[@]}" &&
	make -C "$tree" O="$cfg" ARCH=x86_64 olddefconfig
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
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=n)
		opt=${line%%=*}
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
done < <(cat "${frags[@]}")
# check-series builds earlier commits, which lack later options.
[ $bad -eq 0 ] || [ "${VFOLD_CONFIG_CHECK:-1}" = 0 ] || exit 3

echo "build-kernel: building $flavor in $out"
if ! "${kmake[@]}" bzImage >"$out/build.log" 2>&1; then
	grep -E 'error|Error' "$out/build.log" | head -30 >&2
	tail -5 "$out/build.log" >&2
	exit 4
fi
grep -E 'warning:' "$out/build.log" >&2 || true
ccache -s 2>/dev/null | grep -Ei 'hits|misses' || true
echo "build-kernel: $out/arch/x86/boot/bzImage"
