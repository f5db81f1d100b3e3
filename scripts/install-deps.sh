#!/usr/bin/env bash
# install-deps.sh - install the Debian packages vfold needs, if missing.
#
# Usage: scripts/install-deps.sh
#
# The kernel source is installed at the version pinned in kernel/pin.env.
# If the archive no longer offers that version, the newest linux-source
# of the same series is installed instead, with a warning naming both
# versions; scripts/prepare-tree.sh then refuses a tarball whose sha256
# differs from the pin unless VFOLD_ALLOW_REPIN=1 is set.
# Exit codes: 0 all present, 1 missing and cannot install (not root),
# 2 apt-get failed.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../kernel/pin.env
. "$top/kernel/pin.env"

packages=(
	build-essential bc bison flex libelf-dev libssl-dev cpio xz-utils
	kmod python3 python3-ply python3-git git ccache perl
	qemu-system-x86 busybox-static rt-tests stress-ng gnuplot-nox
	dwarves libjson-c-dev libcmocka-dev pkg-config groff-base man-db systemd
	libvirt-dev libxml2-dev libvirt-daemon-system libvirt-clients
	libinih-dev python3-prometheus-client tmux clang-14 libclang-rt-14-dev
	gcc-aarch64-linux-gnu gcc-powerpc64le-linux-gnu libc6-dev-arm64-cross
	libc6-dev-ppc64el-cross qemu-system-arm qemu-system-ppc
	debhelper lintian mmdebstrap pkgconf procps linux-config-6.12 rsync
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed' || missing+=("$p")
done

src_have=$(dpkg-query -W -f='${Status} ${Version}' "$LINUX_SOURCE_PACKAGE" \
	2>/dev/null || true)
src_want="$LINUX_SOURCE_PACKAGE=$LINUX_SOURCE_VERSION"
if [ "$src_have" != "install ok installed $LINUX_SOURCE_VERSION" ]; then
	missing+=("$src_want")
fi

[ ${#missing[@]} -eq 0 ] && exit 0

apt_cmd=(apt-get install -y --no-install-recommends "${missing[@]}")
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages; run as root:" >&2
	echo "  apt-get update && ${apt_cmd[*]}" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${missing[*]}"
apt-get update -qq || exit 2

pinned_available() {
	apt-cache madison "$LINUX_SOURCE_PACKAGE" |
		awk -F'|' '{gsub(/ /, "", $2); print $2}' |
		grep -qxF "$LINUX_SOURCE_VERSION"
}

if [[ " ${missing[*]} " == *" $src_want "* ]] && ! pinned_available; then
	newest=$(apt-cache policy "$LINUX_SOURCE_PACKAGE" |
		awk '/Candidate:/ {print $2}')
	cat >&2 <<EOF
install-deps: ********************************************************
install-deps: WARNING: pinned $LINUX_SOURCE_PACKAGE $LINUX_SOURCE_VERSION
install-deps: is no longer offered; installing ${newest:-nothing} instead.
install-deps: prepare-tree will refuse it unless VFOLD_ALLOW_REPIN=1;
install-deps: to re-pin, follow the steps in kernel/pin.env.
install-deps: ********************************************************
EOF
	for i in "${!apt_cmd[@]}"; do
		[ "${apt_cmd[$i]}" = "$src_want" ] &&
			apt_cmd[i]=$LINUX_SOURCE_PACKAGE
	done
fi

"${apt_cmd[@]}" || exit 2
