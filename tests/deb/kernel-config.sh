#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# kernel-config.sh - the packaged kernel's config is Debian's plus the
# series, for both of Debian's amd64 flavours; TAP.
#
# Usage: tests/deb/kernel-config.sh
#
# For cloud-amd64 and amd64, scripts/build-deb-kernel.sh --config-only
# makes the config as make deb-kernel would (Debian's config from
# linux-config-6.12, the series' options, olddefconfig on build/linux)
# without building. Checks, per flavour: it succeeds, which needs
# scripts/check-deb-config.py to find a reason for every symbol that
# differs from Debian's; the series is on, the governor built in, the
# steal injection and the KUnit tests off. Then the checker itself:
# a change with no reason (Debian's HZ moved; a driver whose name has
# BTF in it turned on) fails it, by name; debug info turned off is a
# reason only when the build said so (--no-debug-info); a missing file
# is a usage error. Seconds: a config, not a kernel.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/integration/lib/tap.sh
. "$top/tests/integration/lib/tap.sh"

tmp=$(mktemp -d /tmp/vfold-kconfig.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out

echo "TAP version 13"
for flavour in cloud-amd64 amd64; do
	cfg=$top/build/kernel-deb-$flavour.config/.config
	rm -f "$cfg"
	"$top/scripts/build-deb-kernel.sh" --flavour "$flavour" --config-only >"$out" 2>&1
	check $? "$flavour: build-deb-kernel.sh --config-only makes the config, and check-deb-config.py finds a reason for every change to Debian's" "$out"
	r=0
	for want in CONFIG_SCHED_PARAVIRT_CPUS=y CONFIG_SCHED_PARAVIRT_GOVERNOR=y \
		'# CONFIG_SCHED_PARAVIRT_STEAL_INJECT is not set'; do
		grep -qxF "$want" "$cfg" || { echo "missing: $want"; r=1; }
	done >"$out"
	for off in VFOLD_GOVERNOR_KUNIT_TEST VFOLD_MASK_KUNIT_TEST; do
		if grep -q "^CONFIG_$off=" "$cfg"; then
			echo "on: $off"
			r=1
		fi
	done >>"$out"
	check $r "$flavour: paravirt CPUs and the governor built in, steal injection and KUnit tests off" "$out"
done

# The checker fails on what it must: Debian's HZ changed behind its back.
xzcat /usr/src/linux-config-6.12/config.amd64_none_cloud-amd64.xz >"$tmp/debian"
sed -e 's/^CONFIG_HZ_250=y$/# CONFIG_HZ_250 is not set/' \
	-e 's/^# CONFIG_HZ_1000 is not set$/CONFIG_HZ_1000=y/' \
	-e 's/^CONFIG_HZ=250$/CONFIG_HZ=1000/' "$tmp/debian" >"$tmp/moved"
"$top/scripts/check-deb-config.py" "$tmp/debian" "$tmp/moved" >"$out" 2>&1
rc=$?
[ $rc -eq 1 ] && [ "$(grep -c '^unexplained CONFIG_HZ' "$out")" -eq 3 ] &&
	grep -q "3 change(s)" "$out"
check $? "check-deb-config.py: Debian's HZ moved from 250 to 1000 is 3 unexplained changes, exit 1 (got $rc)" "$out"
# Not debug info: a media driver that has BTF in its name.
xzcat /usr/src/linux-config-6.12/config.amd64_none_amd64.xz >"$tmp/amd64"
sed 's/^# CONFIG_VIDEO_SONY_BTF_MPX is not set$/CONFIG_VIDEO_SONY_BTF_MPX=m/' \
	"$tmp/amd64" >"$tmp/sony"
"$top/scripts/check-deb-config.py" --no-debug-info "$tmp/amd64" "$tmp/sony" >"$out" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -qx 'unexplained CONFIG_VIDEO_SONY_BTF_MPX: n -> m' "$out"
check $? "check-deb-config.py --no-debug-info: a driver turned on is unexplained, BTF in its name or not (got $rc)" "$out"
# Debug info off, but the build kept it: every change unexplained.
sed -e 's/^CONFIG_DEBUG_INFO=y$/# CONFIG_DEBUG_INFO is not set/' \
	-e 's/^CONFIG_DEBUG_INFO_BTF=y$/# CONFIG_DEBUG_INFO_BTF is not set/' \
	"$tmp/debian" >"$tmp/nodebug"
"$top/scripts/check-deb-config.py" "$tmp/debian" "$tmp/nodebug" >"$out" 2>&1
rc=$?
"$top/scripts/check-deb-config.py" --no-debug-info "$tmp/debian" "$tmp/nodebug" >>"$out" 2>&1
rc2=$?
[ $rc -eq 1 ] && [ "$(grep -c '^unexplained CONFIG_DEBUG_INFO' "$out")" -eq 2 ] && [ $rc2 -eq 0 ]
check $? "check-deb-config.py: debug info off is explained with --no-debug-info only (got $rc, $rc2)" "$out"
"$top/scripts/check-deb-config.py" "$tmp/debian" "$tmp/debian" >"$out" 2>&1 &&
	[ ! -s "$out" ]
check $? "check-deb-config.py: Debian's config against itself: nothing to explain" "$out"
"$top/scripts/check-deb-config.py" "$tmp/debian" "$tmp/none" >"$out" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q 'No such file' "$out"
check $? "check-deb-config.py: a missing config is a usage error, exit 2 (got $rc)" "$out"
tap_end
