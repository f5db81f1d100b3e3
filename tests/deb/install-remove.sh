#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# install-remove.sh - the userspace's .debs installed into a Debian 12
# root with apt, then purged, as TAP.
#
# Usage: tests/deb/install-remove.sh [--bust] [DEB_DIR]   (as root)
#
# DEB_DIR (default build/deb) holds vfold-host, vfold-guest and
# vfold-bench as scripts/build-deb.sh leaves them. The root is bookworm
# (mmdebstrap --variant=apt, with systemd and procps as on a real host
# or guest) from this machine's own apt sources, made by
# tests/deb/lib/root.sh: kept in $VFOLD_DEB_CACHE (default
# ~/.cache/vfold/deb) for a week with apt's lists, with the packages apt
# fetched, so that a rerun needs no network.
#
# Checks: apt installs what the packages depend on, then the packages
# themselves; each is installed at the built version; its files are in
# place; each program runs --help in the root; /etc/vfold/hintd.conf is a
# conffile that vfold-hintd accepts; the agent's unit is enabled and the
# daemon's is not; `systemd-analyze verify` of both units prints nothing;
# apt purges the packages; and the root then holds exactly the files it
# held before they were installed (apt's and dpkg's own state and logs
# aside).
#
# --bust breaks the installed packages (vfoldctl and the conffile deleted,
# an unknown key in the daemon's unit, the daemon enabled by hand, a
# stray file in /etc/vfold) so that the checks of the files, vfoldctl
# --help, the conffile (both), the daemon enabled, systemd-analyze verify
# (both: the enabled daemon's unit is loaded with the agent's) and the
# root after the purge must fail, and only those: it shows that they can.

# shellcheck disable=SC2016  # dpkg-query's ${Field}s, not the shell's
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../integration/lib/tap.sh
. "$top/tests/integration/lib/tap.sh"
# shellcheck source=tests/deb/lib/root.sh
. "$top/tests/deb/lib/root.sh"

bust=0
if [ "${1:-}" = --bust ]; then
	bust=1
	shift
fi
debs=$(realpath "${1:-$top/build/deb}")
PACKAGES=(vfold-host vfold-guest vfold-bench)
PROGRAMS=(vfold-hintd vfold-agent vfoldctl vfold-bench)
UNITS=(vfold-hintd.service vfold-agent.service)

if [ "$(id -u)" -ne 0 ]; then
	echo "install-remove: needs root (mmdebstrap, chroot)" >&2
	exit 1
fi
files=()
for p in "${PACKAGES[@]}"; do
	f=$(compgen -G "$debs/${p}_*.deb" | head -n 1)
	if [ -z "$f" ]; then
		echo "install-remove: no $p .deb in $debs (scripts/build-deb.sh)" >&2
		exit 1
	fi
	files+=("$f")
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
out=$tmp/out

echo "TAP version 13"

# 1. The base root: cached, or made from the host's apt sources.
deb_root "$out" || exit 1
mkdir -p "$root/tmp/debs"
cp "${files[@]}" "$root/tmp/debs/"
in_root_files=()
for f in "${files[@]}"; do
	in_root_files+=("/tmp/debs/${f##*/}")
done

# 2. Their dependencies, first: the root is compared before and after
# ours only, not with what they pulled in.
deps=()
for f in "${files[@]}"; do
	for field in Pre-Depends Depends; do
		d=$(dpkg-deb -f "$f" "$field")
		[ -z "$d" ] || deps+=("$d")
	done
done
in_root apt-get satisfy -y --no-install-recommends "${deps[@]}" >"$out" 2>&1
check $? "apt-get satisfy the packages' dependencies" "$out"
deb_root_keep
root_snapshot >"$tmp/before"

# 3. The packages, with apt, which must need nothing else.
in_root apt-get install -y --no-install-recommends \
	"${in_root_files[@]}" >"$out" 2>&1
rc=$?
grep '^Setting up ' "$out" | grep -v '^Setting up vfold-' >"$out.extra"
[ "$rc" -eq 0 ] && [ ! -s "$out.extra" ]
check $? "apt-get install the packages, and nothing else" "$out"

if [ "$bust" -eq 1 ]; then
	rm -f "$root/usr/sbin/vfoldctl" "$root/etc/vfold/hintd.conf"
	sed -i 's/^\[Service\]$/&\nBogus=yes/' \
		"$root/usr/lib/systemd/system/vfold-hintd.service"
	systemctl --root="$root" enable vfold-hintd.service >/dev/null 2>&1
	echo stray >"$root/etc/vfold/local.conf"
fi

# 4. Installed, at the built version.
for i in "${!PACKAGES[@]}"; do
	want="install ok installed $(dpkg-deb -f "${files[$i]}" Version)"
	got=$(in_root dpkg-query -W -f='${Status} ${Version}' \
		"${PACKAGES[$i]}" 2>&1)
	echo "want: $want; got: $got" >"$out"
	[ "$got" = "$want" ]
	check $? "${PACKAGES[$i]} is installed at the built version" "$out"
done

# 5. Their files, in place.
expected=(
	/usr/sbin/vfold-hintd /usr/share/man/man8/vfold-hintd.8.gz
	/usr/lib/systemd/system/vfold-hintd.service /etc/vfold/hintd.conf
	/usr/sbin/vfold-agent /usr/sbin/vfoldctl
	/usr/share/man/man8/vfold-agent.8.gz /usr/share/man/man8/vfoldctl.8.gz
	/usr/lib/systemd/system/vfold-agent.service
	/usr/lib/udev/rules.d/90-vfold-agent.rules
	/usr/bin/vfold-bench /usr/share/man/man1/vfold-bench.1.gz
)
for p in "${PACKAGES[@]}"; do
	expected+=("/usr/share/doc/$p/copyright" "/usr/share/doc/$p/changelog.gz")
done
for f in "${expected[@]}"; do
	[ -f "$root$f" ] || echo "missing: $f"
done >"$out"
[ ! -s "$out" ]
check $? "every expected file is installed (${#expected[@]})" "$out"

# 6. Each program runs in the root: linked against what apt installed.
for p in "${PROGRAMS[@]}"; do
	in_root "$p" --help >"$out" 2>&1 &&
		grep -q '^Usage:' "$out"
	check $? "$p --help runs in the root" "$out"
done

# 7. The daemon's configuration: a conffile, which the daemon accepts
# (exit status 2 is a bad configuration; there is no VM to find here).
conffiles=$(in_root dpkg-query -W -f='${Conffiles}' vfold-host)
{
	echo "conffiles: $conffiles"
	[ -f "$root/etc/vfold/hintd.conf" ] || echo "/etc/vfold/hintd.conf missing"
} >"$out"
[[ $conffiles == *" /etc/vfold/hintd.conf "* ]] &&
	[ -f "$root/etc/vfold/hintd.conf" ]
check $? "/etc/vfold/hintd.conf is a conffile" "$out"
timeout 20 unshare --mount --pid --fork --kill-child \
	--mount-proc="$root/proc" chroot "$root" /usr/sbin/vfold-hintd \
	--config /etc/vfold/hintd.conf --once --dry-run --no-cgroup \
	>"$out" 2>&1
rc=$?
echo "exit status $rc" >>"$out"
# 0: done; 1: no VM source to read here (no libvirtd in the root). A
# crash, a timeout or 2 (a bad configuration) fail.
{ [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]; } && [ -f "$root/etc/vfold/hintd.conf" ]
check $? "vfold-hintd accepts the shipped hintd.conf" "$out"

# 8. The agent is enabled (udev also starts it), the daemon is not.
for u in "${UNITS[@]}"; do
	want=enabled
	[ "$u" = vfold-hintd.service ] && want=disabled
	got=$(systemctl --root="$root" is-enabled "$u" 2>&1)
	echo "want $want, got $got" >"$out"
	[ "$got" = "$want" ]
	check $? "$u is $want" "$out"
done

# 9. The units, as systemd reads them in the root (its commands and man
# pages looked up there).
for u in "${UNITS[@]}"; do
	MANPATH=$root/usr/share/man systemd-analyze verify --root="$root" \
		"$u" >"$out" 2>&1
	rc=$?
	[ "$rc" -eq 0 ] && [ ! -s "$out" ]
	check $? "systemd-analyze verify $u: no warning" "$out"
done

# 10. Purged, and gone.
in_root apt-get purge -y "${PACKAGES[@]}" >"$out" 2>&1
check $? "apt-get purge the packages" "$out"
for p in "${PACKAGES[@]}"; do
	in_root dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null |
		grep -q '^[ip]' && echo "$p: still known to dpkg"
done >"$out"
[ ! -s "$out" ]
check $? "dpkg knows none of the packages after the purge" "$out"

rm -rf "$root/tmp/debs"
root_snapshot >"$tmp/after"
diff -u "$tmp/before" "$tmp/after" >"$out"
check $? "the purge leaves the root as it was before the install" "$out"

tap_end
