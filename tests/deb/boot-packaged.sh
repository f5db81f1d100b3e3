#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# boot-packaged.sh - the packaged kernel and vfold-guest, booted: a
# Debian 12 guest as an operator would install it; TAP.
#
# Usage: tests/deb/boot-packaged.sh [DEB_DIR]   (as root)
#
# DEB_DIR (default build/deb) holds the linux-image-*-vfold-* and
# linux-headers-*-vfold-* packages (scripts/build-deb-kernel.sh) and
# vfold-guest (scripts/build-deb.sh). Into a bookworm root
# (tests/deb/lib/root.sh; cached in $VFOLD_DEB_CACHE, default
# ~/.cache/vfold/deb) apt installs what an operator's guest has before:
# Debian's own kernel of the same source and flavour
# (linux-image-6.12.N+deb12-FLAVOUR), systemd-sysv, udev, linux-base,
# initramfs-tools, gcc, make and vfold-guest; then an earlier vfold build
# of the kernel (this package, its version lowered to ...+vfold.0), and
# this one over it with its headers, which build a small module out of
# tree. The root becomes an ext4 disk, booted under TCG from its own
# /boot (4 vCPUs, 1 GB) with the virtio port org.vfold.hint.0 on a
# socket where vfold-hintd (this checkout's, --qmp-dir) finds the guest
# by its QMP socket. A oneshot unit in the guest waits until the agent
# has the governor in hint mode (at most 120 s), loads the module,
# reports on the console and powers off.
# Checks: the packages install; the vfold kernel upgrades its earlier
# build, beside Debian's kernel, which stays; Debian's linux-version and
# GRUB's order (dpkg --compare-versions, as grub-mkconfig compares) put
# it above Debian's, so it boots by default; its kernel and initrd are
# in /boot; the headers build a module for it; the guest powers off by
# itself (no timeout); it ran the packaged kernel, which has the series;
# udev and systemd started vfold-agent; the governor is in hint mode
# with a hint vfold-hintd sent; vfoldctl status works; the module loads;
# the console shows no kernel badness; and purging the kernel and
# headers packages (with what they pulled in) leaves the root exactly as
# it was before the vfold kernel (tests/deb/lib/root.sh's snapshot),
# Debian's kernel included.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/integration/lib/tap.sh
. "$top/tests/integration/lib/tap.sh"
# shellcheck source=tests/deb/lib/root.sh
. "$top/tests/deb/lib/root.sh"

debs=$(realpath "${1:-$top/build/deb}")
hintd=$top/src/vfold-hintd/vfold-hintd
BOOT_TIMEOUT=${BOOT_TIMEOUT:-900}

if [ "$(id -u)" -ne 0 ]; then
	echo "boot-packaged: needs root (mmdebstrap, chroot)" >&2
	exit 1
fi
kernel_deb=$(compgen -G "$debs/linux-image-*-vfold-*.deb" | grep -v -- '-dbg_' | head -n 1)
guest_deb=$(compgen -G "$debs/vfold-guest_*.deb" | head -n 1)
headers_deb=$(compgen -G "$debs/linux-headers-*-vfold-*.deb" | head -n 1)
for f in "$kernel_deb" "$headers_deb" "$guest_deb" "$hintd"; do
	if [ -z "$f" ] || [ ! -e "$f" ]; then
		echo "boot-packaged: missing the kernel, its headers or vfold-guest in $debs," \
			"or $hintd (make deb userspace)" >&2
		exit 1
	fi
done
kernel_pkg=$(dpkg-deb -f "$kernel_deb" Package)
kernel_ver=$(dpkg-deb -f "$kernel_deb" Version)
release=${kernel_pkg#linux-image-}
flavour=${release##*-vfold-}
# Debian's kernel of the same source (not the newest 6.12, which a later
# point release would make sort above this one).
debian_release=${release%%-vfold-*}+deb12-$flavour

tmp=$(mktemp -d /tmp/vfold-boot-deb.XXXXXX)
root=$tmp/root
out=$tmp/out
pids=()
cleanup() {
	[ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "TAP version 13"

# 1. The root as an operator's guest was before: Debian's kernel, and
# what a guest boots with.
deb_root "$out" || exit 1
mkdir -p "$root/tmp/debs"
cp "$kernel_deb" "$headers_deb" "$guest_deb" "$root/tmp/debs/"
# The cached root's lists may be days old: a point release moves files.
in_root apt-get update >"$out" 2>&1
in_root apt-get install -y --no-install-recommends systemd-sysv udev linux-base \
	initramfs-tools kmod "linux-image-$debian_release" gcc make libc6-dev \
	"/tmp/debs/${guest_deb##*/}" >>"$out" 2>&1
rc=$?
in_root linux-version list >>"$out" 2>&1
[ $rc -eq 0 ] && grep -qxF "$debian_release" "$out"
check $? "apt-get installs Debian's linux-image-$debian_release, vfold-guest, systemd-sysv, udev, linux-base, initramfs-tools, gcc, make" "$out"
deb_root_keep

# 2. The guest's side of the test, before the snapshot: report once the
# agent is at work.
echo vfold-deb-test >"$root/etc/hostname"
echo '/dev/vda / ext4 defaults 0 1' >"$root/etc/fstab"
cat >"$root/usr/local/sbin/vfold-boot-check" <<'EOF'
#!/bin/sh
# The packaged guest's report to the host's test, then power off.
exec >/dev/ttyS0 2>&1
gov=/sys/devices/system/cpu/paravirt_governor
i=0
while [ $i -lt 120 ]; do
	[ "$(systemctl is-active vfold-agent)" = active ] &&
		[ "$(cat $gov/mode 2>/dev/null)" = hint ] && break
	sleep 1
	i=$((i + 1))
done
echo "VFOLD-CHECK release=$(uname -r)"
echo "VFOLD-CHECK paravirt=$(test -e /sys/devices/system/cpu/paravirt && echo 1 || echo 0)"
echo "VFOLD-CHECK agent=$(systemctl is-active vfold-agent)"
echo "VFOLD-CHECK mode=$(cat $gov/mode 2>/dev/null)"
echo "VFOLD-CHECK hint=$(cat $gov/hint 2>/dev/null)"
vfoldctl status >/tmp/status 2>&1
echo "VFOLD-CHECK vfoldctl=$?"
insmod /var/tmp/vfold_hello.ko
echo "VFOLD-CHECK insmod=$? $(grep -c '^vfold_hello ' /proc/modules)"
sed 's/^/VFOLD-STATUS /' /tmp/status
systemctl poweroff
EOF
chmod 755 "$root/usr/local/sbin/vfold-boot-check"
cat >"$root/etc/systemd/system/vfold-boot-check.service" <<'EOF'
[Unit]
Description=vfold package test: report to the host, then power off
After=multi-user.target

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/vfold-boot-check

[Install]
WantedBy=multi-user.target
EOF
systemctl --root="$root" enable vfold-boot-check.service >/dev/null 2>&1
# No login on the console: agetty's vhangup() of ttyS0 would cut the
# report off mid-way (seen once).
systemctl --root="$root" mask serial-getty@ttyS0.service >/dev/null 2>&1
snapshot=$(root_snapshot)

# 3. An earlier vfold build of the kernel (this package, its version
# lowered; gzip -1: fast), then this one over it.
{
	dpkg-deb -R "$kernel_deb" "$tmp/earlier" &&
		sed -i "s/^Version: .*/Version: ${kernel_ver%+vfold.*}+vfold.0/" \
			"$tmp/earlier/DEBIAN/control" &&
		dpkg-deb -Zgzip -z1 -b "$tmp/earlier" "$root/tmp/debs/earlier.deb"
} >"$out" 2>&1 &&
	in_root apt-get install -y --no-install-recommends /tmp/debs/earlier.deb >>"$out" 2>&1
check $? "apt-get installs an earlier vfold build of the kernel, ${kernel_ver%+vfold.*}+vfold.0" "$out"
in_root apt-get install -y --no-install-recommends "/tmp/debs/${kernel_deb##*/}" \
	"/tmp/debs/${headers_deb##*/}" >"$out" 2>&1
rc=$?
{
	# shellcheck disable=SC2016  # dpkg-query's fields, not the shell's
	in_root dpkg-query -W -f '${Package} ${Version} ${Status}\n' "$kernel_pkg" \
		"linux-image-$debian_release"
	echo "Debian's release: $debian_release"
} >>"$out" 2>&1
[ $rc -eq 0 ] && grep -qxF "$kernel_pkg $kernel_ver install ok installed" "$out" &&
	grep -q "^Unpacking $kernel_pkg ($kernel_ver) over (.*+vfold.0)" "$out" &&
	grep -q "^linux-image-$debian_release .* install ok installed" "$out"
check $? "$kernel_ver upgrades the earlier vfold build, beside Debian's $debian_release" "$out"
in_root sh -c 'linux-version list | linux-version sort' >"$out" 2>&1
[ "$(tail -n 1 "$out")" = "$release" ] &&
	in_root dpkg --compare-versions "$release" gt "$debian_release"
check $? "linux-version and GRUB's order (dpkg --compare-versions) put $release above Debian's $debian_release: it boots by default" "$out"
[ -f "$root/boot/vmlinuz-$release" ] && [ -f "$root/boot/initrd.img-$release" ]
check $? "/boot has vmlinuz-$release and its initrd"

# The headers, as DKMS uses them: a module built out of tree, loaded in
# the boot below.
mkdir -p "$root/tmp/hello"
cat >"$root/tmp/hello/vfold_hello.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/cpumask.h>

static int __init vfold_hello_init(void)
{
	pr_info("vfold_hello: %u CPUs online\n", num_online_cpus());
	return 0;
}

static void __exit vfold_hello_exit(void)
{
}

module_init(vfold_hello_init);
module_exit(vfold_hello_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vfold package test: a module built with linux-headers");
EOF
echo 'obj-m := vfold_hello.o' >"$root/tmp/hello/Kbuild"
in_root make -C "/lib/modules/$release/build" M=/tmp/hello modules >"$out" 2>&1 &&
	in_root modinfo -F vermagic /tmp/hello/vfold_hello.ko >>"$out" 2>&1 &&
	grep -q "^$release SMP" "$out"
check $? "linux-headers-$release builds an out-of-tree module for $release" "$out"

# The disk: without the host's resolv.conf, which comes back for the
# purge's snapshot, and with the module where the boot keeps it.
mv "$root/etc/resolv.conf" "$tmp/resolv.conf"
cp "$root/tmp/hello/vfold_hello.ko" "$root/var/tmp/" 2>/dev/null
truncate -s 3G "$tmp/disk.img"
mkfs.ext4 -q -F -d "$root" "$tmp/disk.img" >"$out" 2>&1 ||
	{ check 1 "the root as an ext4 disk" "$out"; tap_end; exit 1; }
mv "$tmp/resolv.conf" "$root/etc/resolv.conf"
rm -f "$root/var/tmp/vfold_hello.ko"

# 4. Boot it beside vfold-hintd.
"$hintd" --qmp-dir "$tmp" --json --no-cgroup --interval-ms 1000 \
	>"$tmp/hintd.json" 2>"$tmp/hintd.err" &
pids+=($!)
# --foreground: Ctrl-C reaches QEMU (timeout's own process group would
# keep it from the terminal).
boot_start=$SECONDS
timeout --foreground "$BOOT_TIMEOUT" qemu-system-x86_64 -M q35 -cpu max \
	-accel tcg,thread=multi -smp 4 -m 1024 -nographic -no-reboot \
	-name deb -kernel "$root/boot/vmlinuz-$release" \
	-initrd "$root/boot/initrd.img-$release" \
	-append "root=/dev/vda rw console=ttyS0 panic=-1" \
	-drive "file=$tmp/disk.img,format=raw,if=virtio" \
	-qmp "unix:$tmp/deb.qmp,server=on,wait=off" \
	-device virtio-serial \
	-chardev "socket,id=hint,path=$tmp/deb.hint,server=on,wait=off" \
	-device virtserialport,chardev=hint,name=org.vfold.hint.0 \
	</dev/null >"$tmp/console.log" 2>&1
rc=$?
kill "${pids[@]}" 2>/dev/null
wait 2>/dev/null
pids=()
tr -d '\r' <"$tmp/console.log" >"$tmp/console"
echo "qemu exit status $rc" >"$out"
tail -30 "$tmp/console" >>"$out"
[ "$rc" -eq 0 ] && grep -q '^VFOLD-CHECK vfoldctl=' "$tmp/console"
check $? "the guest boots, reports and powers off by itself" "$out"

got() { sed -n "s/^VFOLD-CHECK $1=//p" "$tmp/console" | tail -n 1; }
grep '^VFOLD-' "$tmp/console" >"$out"
# What the guest saw, for the log.
echo "# booted and powered off in $((SECONDS - boot_start)) s; the guest's report:"
sed 's/^/#   /' "$out"
[ "$(got release)" = "$release" ]
check $? "it ran the packaged kernel, $release" "$out"
[ "$(got paravirt)" = 1 ]
check $? "the kernel has /sys/devices/system/cpu/paravirt" "$out"
[ "$(got agent)" = active ]
check $? "udev and systemd started vfold-agent" "$out"
hint=$(got hint)
targets=$(python3 -c '
import json, sys
seen = set()
for line in open(sys.argv[1]):
    try:
        rec = json.loads(line)
    except ValueError:
        continue
    for vm in rec.get("vms", []):
        if vm.get("name") == "deb" and vm.get("target"):
            seen.add(vm["target"])
print(" ".join(str(t) for t in sorted(seen)))' "$tmp/hintd.json")
echo "targets sent: $targets" >>"$out"
echo "# vfold-hintd sent the guest the targets: $targets"
[ "$(got mode)" = hint ] && [ -n "$hint" ] && [[ " $targets " == *" $hint "* ]]
check $? "the governor is in hint mode, at a target vfold-hintd sent" "$out"
[ "$(got vfoldctl)" = 0 ]
check $? "vfoldctl status works" "$out"
[ "$(got insmod)" = "0 1" ]
check $? "the module built with the packaged headers loads" "$out"
"$top/scripts/console-badness.sh" "$tmp/console" >"$out" 2>&1
check $? "no kernel badness on the console" "$out"

# 5. The kernel package purged: the root is as it was before it, Debian's
# kernel included.
# --autoremove: what the headers pulled in (libelf1) goes with them.
in_root apt-get purge -y --autoremove "linux-image-$release" "linux-headers-$release" >"$out" 2>&1
rc=$?
diff -u <(echo "$snapshot") <(root_snapshot) >>"$out"
check $((rc || $?)) "purging linux-image-$release and its headers leaves the root as it was before the vfold kernel, Debian's kernel included" "$out"

tap_end
