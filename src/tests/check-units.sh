#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# check-units.sh - `make install` into a scratch root, and its systemd
# units there, as TAP.
#
# Usage: tests/check-units.sh (from src/; `make check` runs it)
#
# Installs with PREFIX=/usr into a temporary DESTDIR (the programs built
# as ${VFOLD_B}P/P, as make check leaves them) and checks:
#  - the files installed: each program of $VFOLD_PROGRAMS in sbin with its
#    man page, the units, the udev rule, hintd.conf.example, and nothing
#    else; a hintd.conf already there is left as it was;
#  - the units' @SBINDIR@ and @SYSCONFDIR@ are filled in;
#  - `systemd-analyze verify --root` prints nothing (systemd's own units
#    are copied into the root, so that the units' commands and man pages
#    are looked up in it, not in /);
#  - `systemd-analyze security --offline=yes` rates each unit's exposure
#    at most $THRESHOLD/10 (systemd 252: hintd 1.1, agent 1.0).
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
# shellcheck source-path=SCRIPTDIR source=../../tests/integration/lib/tap.sh
. ../tests/integration/lib/tap.sh

THRESHOLD=15
UNITS=(vfold-hintd.service vfold-agent.service)
B=${VFOLD_B:-}
PROGRAMS=${VFOLD_PROGRAMS:-$(sed -n 's/^PROGRAMS := //p' Makefile)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
out=$tmp/out

mkdir -p "$root/usr/lib/systemd" "$root/bin" "$root/etc/vfold"
cp -a /lib/systemd/system "$root/usr/lib/systemd/"
cp /bin/kill "$root/bin/"
echo "# the admin's" >"$root/etc/vfold/hintd.conf"
find "$root" \( -type f -o -type l \) | sort >"$tmp/before"

# Not make check's MAKEFLAGS: this make is not its child.
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory \
	install DESTDIR="$root" PREFIX=/usr B="$B" >"$out" 2>&1
check $? "make install DESTDIR=... PREFIX=/usr" "$out"

# What install added, against what it should have.
find "$root" \( -type f -o -type l \) | sort |
	comm -13 "$tmp/before" - | sed "s|^$root||" >"$tmp/installed"
{
	for p in $PROGRAMS; do
		echo "/usr/sbin/$p"
		page=$(find "$p" -maxdepth 1 -name "$p.[1-8]" -printf '%f\n')
		if [ -n "$page" ]; then
			echo "/usr/share/man/man${page##*.}/$page"
		else
			echo "/usr/share/man/manN/$p.N"
		fi
	done
	printf '/usr/lib/systemd/system/%s\n' "${UNITS[@]}"
	echo /usr/lib/udev/rules.d/90-vfold-agent.rules
	echo /etc/vfold/hintd.conf.example
} | sort >"$tmp/expected"
diff -u "$tmp/expected" "$tmp/installed" >"$out"
check $? "make install installs exactly the expected files" "$out"

echo "# the admin's" | cmp -s - "$root/etc/vfold/hintd.conf"
check $? "make install keeps an existing hintd.conf"

for u in "${UNITS[@]}"; do
	f=$root/usr/lib/systemd/system/$u
	[ -f "$f" ] || echo "$u: not installed"
	[ ! -f "$f" ] || grep -Hn '@[A-Z]*@' "$f"
done >"$out"
[ ! -s "$out" ]
check $? "the installed units have every @VARIABLE@ filled in" "$out"

for u in "${UNITS[@]}"; do
	MANPATH=$root/usr/share/man systemd-analyze verify --root="$root" \
		"$u" >"$out" 2>&1
	rc=$?
	[ "$rc" -eq 0 ] && [ ! -s "$out" ]
	check $? "systemd-analyze verify $u: no warning" "$out"

	systemd-analyze security --offline=yes --root="$root" \
		--threshold="$THRESHOLD" "$u" >"$out" 2>&1
	rc=$?
	[ "$rc" -eq 0 ]
	check $? "systemd-analyze security $u: exposure at most $THRESHOLD/10" \
		"$out"
	# "-> Overall exposure level for U: 1.1 OK :-)": its level and word.
	awk '/Overall exposure/ { print "# exposure " $(NF - 2), $(NF - 1) }' \
		"$out"
done

tap_end
