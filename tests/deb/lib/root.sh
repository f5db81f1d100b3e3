# shellcheck shell=bash
# shellcheck disable=SC2154  # $root: the caller sets it
# SPDX-License-Identifier: GPL-2.0
# root.sh - the Debian 12 root the package tests install into. Source it
# after tests/integration/lib/tap.sh, with $root (where the root goes)
# set. The base root and apt's packages are kept in $VFOLD_DEB_CACHE
# (default ~/.cache/vfold/deb, outside the checkout like ccache, so that
# a fresh clone's run is warm too).
#
#   deb_root OUT     the root in $root: bookworm from mmdebstrap
#                    (--variant=apt, systemd and procps, from this
#                    machine's own apt sources), kept as
#                    $cache/bookworm.tar for a week with apt's lists, and
#                    apt's packages from $cache/archives; one TAP check
#   deb_root_keep    apt's downloaded packages back into $cache/archives,
#                    so that a rerun needs no network
#   in_root CMD...   CMD in the root, in its own mount and PID
#                    namespaces (its /proc goes away with it)
#   root_snapshot    every path of the root with its type and mode, and
#                    a regular file's size, sorted; what apt and dpkg
#                    keep for themselves, and /tmp, left out: two
#                    compare equal when a purge left nothing behind

deb_root() {
	local out=$1 base=$cache/bookworm.tar s sources=()

	mkdir -p "$cache/archives"
	if [ -z "$(find "$base" -mtime -7 2>/dev/null)" ]; then
		for s in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
			/etc/apt/sources.list.d/*.sources; do
			[ -s "$s" ] && sources+=("$s")
		done
		rm -f "$cache"/archives/*.deb
		mmdebstrap --variant=apt --include=systemd,procps \
			--skip=cleanup/apt/lists --format=tar bookworm "$base.new" \
			"${sources[@]}" >"$out" 2>&1 && mv "$base.new" "$base"
		check $? "a bookworm root made by mmdebstrap" "$out"
	else
		check 0 "a bookworm root, cached ($(date -r "$base" +%F))"
	fi
	mkdir -p "$root"
	tar -x -C "$root" -f "$base" || return 1
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	cp "$cache"/archives/*.deb "$root/var/cache/apt/archives/" 2>/dev/null
	return 0
}

deb_root_keep() {
	cp "$root"/var/cache/apt/archives/*.deb "$cache/archives/" 2>/dev/null
	return 0
}

in_root() {
	unshare --mount --pid --fork --kill-child --mount-proc="$root/proc" \
		chroot "$root" /usr/bin/env -i \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
		DEBIAN_FRONTEND=noninteractive "$@"
}

root_snapshot() {
	(cd "$root" && find . -xdev \( -path ./proc -o -path ./tmp \
		-o -path ./var/lib/dpkg -o -path ./var/lib/apt \
		-o -path ./var/cache/apt -o -path ./var/log/apt \
		-o -path ./var/log/dpkg.log -o -path ./var/log/alternatives.log \
		\) -prune -o -printf '%p\t%y\t%m\t%s\t%l\n') |
		awk -F '\t' -v OFS='\t' '$2 != "f" { $4 = "-" } { print }' |
		LC_ALL=C sort
}

cache=${VFOLD_DEB_CACHE:-$HOME/.cache/vfold/deb}
