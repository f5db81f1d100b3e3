#!/usr/bin/env bash
# build-kernel.sh - configure and build the guest kernel from build/linux.
#
# Usage: scripts/build-kernel.sh [--unpatched] FLAVOR
#   FLAVOR  debug (lock debugging, what the tests boot),
#           prod (no lock debugging, what bench-drain boots) or
#           bench (prod with the debugfs steal input, which
#           bench-overcommit relays the host's measured wait into)
#   --unpatched  build the same FLAVOR from the series' base (vfold-base,
#           checked out in the worktree build/linux-unpatched), into
#           build/kernel-FLAVOR-unpatched: the kernel to compare with
#
# Output: build/kernel-FLAVOR/arch/x86/boot/bzImage.
# The .config is x86_64 tinyconfig with kernel/configs/vfold.config and
# kernel/configs/FLAVOR.config merged on top (bench: prod.config, then
# bench.config); every option the fragments
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
if [ "${1:-}" = --unpatched ]; then
	unpatched=1
	shift
fi
flavor=${1:-}
case "$flavor" in
debug | prod) flavors=("$flavor") ;;
bench) flavors=(prod bench) ;;
*) echo "usage: $0 [--unpatched] debug|prod|bench" >&2; exit 1 ;;
esac

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
out=${VFOLD_KERNEL_OUT:-$top/build/kernel-$flavor$suffix}
frags=("$top/kernel/configs/vfold.config")
for f in "${flavors[@]}"; do
	frags+=("$top/kernel/configs/$f.config")
done

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

echo "build-kernel: building $flavor in $out"
if ! "${kmake[@]}" bzImage >"$out/build.log" 2>&1; then
	grep -E 'error|Error' "$out/build.log" | head -30 >&2
	tail -5 "$out/build.log" >&2
	exit 4
fi
grep -E 'warning:' "$out/build.log" >&2 || true
ccache -s 2>/dev/null | grep -Ei 'hits|misses' || true
echo "build-kernel: $out/arch/x86/boot/bzImage"
