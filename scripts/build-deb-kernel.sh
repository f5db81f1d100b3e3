#!/usr/bin/env bash
# build-deb-kernel.sh - Debian's 6.12 kernel with the series, as
# linux-image and linux-headers packages, from Debian's own config.
#
# Usage: scripts/build-deb-kernel.sh [--flavour cloud-amd64|amd64]
#                                    [--debug-info] [--config-only]
#   --flavour     which of Debian's configs (linux-config-6.12's
#                 config.amd64_none_FLAVOUR.xz): cloud-amd64 (default;
#                 virtual machines, 1138 modules) or amd64 (every
#                 machine, 4051 modules: about 3.5 times the build)
#   --debug-info  keep Debian's DWARF and BTF (and build the -dbg
#                 package); off by default: it makes the build about half
#                 again as long and ten times as large, and a guest needs
#                 neither to fold
#   --config-only stop after making and checking the config (seconds)
#
# The tree is build/linux with the series applied (make deb-kernel runs
# prepare-tree first). On Debian's config: CONFIG_SCHED_PARAVIRT_CPUS=y,
# CONFIG_SCHED_PARAVIRT_GOVERNOR=y (the governor is off until a mode is
# written: vfold-agent or vfoldctl does that), the debug steal injection
# and the KUnit tests off, Debian's signing certificates left out (the
# build signs its modules with a key of its own). Everything else is
# Debian's, checked after olddefconfig: the series' options must hold,
# and scripts/check-deb-config.py must find a reason for every symbol
# that differs from Debian's config.
#
# The kernel release is 6.12.N-vfold-FLAVOUR: its packages have names of
# their own, so they install beside Debian's 6.12.N+debV-FLAVOUR and
# never replace it; their version is Debian's linux-source-6.12 version
# + "+vfold.C" (C: this checkout's commit count), so that a later vfold
# build of the same release upgrades an earlier one. Output:
# build/deb/linux-image-*.deb and linux-headers-*.deb. bindeb-pkg also
# makes a linux-libc-dev, which is left in the object tree: installed,
# it would replace the system's own userspace headers. The packages get
# the dependencies bindeb-pkg leaves out (see add_depends). The object tree
# stays in build/kernel-deb-FLAVOUR, compiles go through ccache.
# Exit codes: 1 usage or missing input, 2 config, 3 build.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
flavour=cloud-amd64
debug_info=0
config_only=0
usage() {
	sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
	exit 1
}
while [ $# -gt 0 ]; do
	case "$1" in
	--flavour) flavour=${2:-}; shift 2 || usage ;;
	--debug-info) debug_info=1; shift ;;
	--config-only) config_only=1; shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) usage ;;
	esac
done
case "$flavour" in
cloud-amd64 | amd64) ;;
*) echo "build-deb-kernel: unknown flavour '$flavour' (cloud-amd64, amd64)" >&2; exit 1 ;;
esac

conf=/usr/src/linux-config-6.12/config.amd64_none_$flavour.xz
tree=$top/build/linux
out=$top/build/kernel-deb-$flavour
debs=$top/build/deb
[ -f "$conf" ] || { echo "build-deb-kernel: no $conf (apt-get install linux-config-6.12)" >&2; exit 1; }
[ -f "$tree/.git/vfold-applied" ] ||
	{ echo "build-deb-kernel: build/linux lacks the series (make prepare-tree)" >&2; exit 1; }
debver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
pkgver=$debver+vfold.$(git -C "$top" rev-list --count HEAD)

# shellcheck source=scripts/lib/kbuild.sh
. "$top/scripts/lib/kbuild.sh"
kbuild_env
mkdir -p "$out" "$debs"
kmake=(make -C "$tree" O="$out" CC="ccache gcc" -j"$(nproc)"
	LOCALVERSION="-vfold-$flavour" KDEB_PKGVERSION="$pkgver")

# Configure in a scratch copy; replace .config only when it changed, so
# that a rebuild of the same tree rebuilds nothing.
cfg=$out.config
mkdir -p "$cfg"
xzcat "$conf" >"$cfg/.config"
cfgtool=("$tree/scripts/config" --file "$cfg/.config")
"${cfgtool[@]}" --set-str LOCALVERSION "" \
	--set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS "" \
	--enable SCHED_PARAVIRT_CPUS --enable SCHED_PARAVIRT_GOVERNOR \
	--disable SCHED_PARAVIRT_STEAL_INJECT \
	--disable VFOLD_GOVERNOR_KUNIT_TEST --disable VFOLD_MASK_KUNIT_TEST
if [ $debug_info -eq 0 ]; then
	"${cfgtool[@]}" --disable DEBUG_INFO --disable DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT \
		--disable DEBUG_INFO_DWARF4 --disable DEBUG_INFO_DWARF5 \
		--enable DEBUG_INFO_NONE --disable DEBUG_INFO_BTF
fi
make -C "$tree" O="$cfg" olddefconfig >"$out/config.log" 2>&1 ||
	{ tail -20 "$out/config.log" >&2; exit 2; }
for want in CONFIG_SCHED_PARAVIRT_CPUS=y CONFIG_SCHED_PARAVIRT_GOVERNOR=y \
	'# CONFIG_SCHED_PARAVIRT_STEAL_INJECT is not set' CONFIG_SMP=y CONFIG_SYSFS=y; do
	if ! grep -qxF "$want" "$cfg/.config"; then
		echo "build-deb-kernel: '$want' does not hold on Debian's $flavour config" >&2
		exit 2
	fi
done
checkargs=()
[ $debug_info -eq 1 ] || checkargs=(--no-debug-info)
if ! "$top/scripts/check-deb-config.py" "${checkargs[@]}" "$conf" "$cfg/.config" \
	>"$cfg/changes" 2>&1; then
	grep -v '^ok ' "$cfg/changes" >&2
	exit 2
fi
if [ $config_only -eq 1 ]; then
	echo "build-deb-kernel: Debian's $flavour config with the series, in $cfg/.config:"
	sed 's/^ok /  /' "$cfg/changes"
	exit 0
fi
cmp -s "$cfg/.config" "$out/.config" || cp "$cfg/.config" "$out/.config"
# kernelrelease reads include/config/auto.conf, which this writes.
"${kmake[@]}" olddefconfig >>"$out/config.log" 2>&1 ||
	{ tail -20 "$out/config.log" >&2; exit 2; }

release=$("${kmake[@]}" -s kernelrelease)
echo "build-deb-kernel: $release, package version $pkgver, in $out" \
	"(cold: about an hour for cloud-amd64 on 2 CPUs)"
# bindeb-pkg leaves the packages in the object tree's parent directory.
rm -f "$top"/build/*.deb "$top"/build/*.buildinfo "$top"/build/*.changes
if ! "${kmake[@]}" bindeb-pkg >"$out/build.log" 2>&1; then
	grep -E 'error|Error' "$out/build.log" | head -30 >&2
	tail -5 "$out/build.log" >&2
	exit 3
fi
rm -f "$debs"/linux-*.deb
mv "$top"/build/linux-*"$release"*.deb "$debs/"
mv "$top"/build/linux-libc-dev*.deb "$out/"
rm -f "$top"/build/*.buildinfo "$top"/build/*.changes

# bindeb-pkg's packages declare no dependencies; Debian's do. The image
# needs what its postinst hooks run (an initramfs generator; kmod and
# linux-base as Debian's image has them); the headers need the libraries
# of the host programs they carry (objtool needs libelf1, sign-file
# libssl3: dpkg-shlibdeps finds them) and the compiler that built the
# kernel, for the modules built with them (DKMS).
shlibs() { # DIR: the libraries of the programs in DIR/debian/x, as Depends
	local elfs
	# A source tree's debian/PACKAGE with its DEBIAN/: where dpkg-shlibdeps
	# expects a package's programs.
	printf 'Source: x\n\nPackage: x\nArchitecture: any\n' >"$1/debian/control"
	mapfile -t elfs < <(cd "$1" && find debian/x -type f -perm /111 -exec sh -c \
		'head -c 4 "$1" | grep -q ELF && echo "$1"' _ {} \;)
	(cd "$1" && dpkg-shlibdeps -O "${elfs[@]}") | sed -n 's/^shlibs:Depends=//p'
}
add_depends() { # DEB DEPENDS [--shlibs]: with --shlibs, its programs' too
	local dir depends=$2 libs
	dir=$(mktemp -d "$out/repack.XXXXXX")
	mkdir "$dir/debian"
	dpkg-deb -R "$1" "$dir/debian/x"
	if grep -q '^Depends:' "$dir/debian/x/DEBIAN/control"; then
		echo "build-deb-kernel: $1 has a Depends already: merge by hand" >&2
		exit 3
	fi
	if [ "${3:-}" = --shlibs ]; then
		libs=$(shlibs "$dir")
		if [ -z "$libs" ]; then
			echo "build-deb-kernel: dpkg-shlibdeps found no libraries in $1" >&2
			exit 3
		fi
		depends="$libs, $depends"
	fi
	sed -i "/^Architecture:/a Depends: $depends" "$dir/debian/x/DEBIAN/control"
	dpkg-deb -b "$dir/debian/x" "$1" >/dev/null
	rm -rf "$dir"
}
add_depends "$debs/linux-image-${release}_${pkgver}_amd64.deb" \
	"kmod, linux-base, initramfs-tools | linux-initramfs-tool"
add_depends "$debs/linux-headers-${release}_${pkgver}_amd64.deb" \
	"gcc-$(gcc -dumpversion | cut -d. -f1), make" --shlibs
ccache -s 2>/dev/null | grep -Ei 'hits|misses' || true
ls -1 "$debs"/linux-*"$release"*.deb
