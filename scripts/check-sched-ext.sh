#!/usr/bin/env bash
# check-sched-ext.sh - boot the series with a real BPF scheduler (sched_ext's
# scx_simple) and check that it and the paravirt CPUs exclude each other.
#
# Usage: scripts/check-sched-ext.sh [--no-boot]
#   --no-boot  build everything, do not boot the guest
#
# Steps, all outside build/linux and the build/kernel-* directories, which
# it only reads:
#   1. a git worktree of build/linux's vfold branch, detached, at
#      $PREFIX-tree; an existing one is moved to vfold's current commit
#   2. a kernel in $PREFIX-kernel: build/kernel-debug/.config (lock
#      debugging kept) plus BPF_SYSCALL, BPF_JIT, DEBUG_INFO (toolchain
#      DWARF), DEBUG_INFO_BTF and SCHED_CLASS_EXT, via scripts/config and
#      olddefconfig; built with CC="ccache gcc", incrementally. BTF needs
#      pahole (Debian 12's 1.24 works for this kernel)
#   3. tools/sched_ext's scx_simple in $PREFIX-sched, BPF side compiled by
#      clang-16 (its README asks for clang >= 16; Debian 12's default is
#      14) against that kernel's vmlinux BTF; libbpf and bpftool come
#      from the tree. scx_simple is linked -static, so the busybox
#      initramfs needs no libraries
#   4. an initramfs $PREFIX-initramfs.cpio.gz made from scratch: static
#      busybox, guest/init, guest/sched-ext-test and scx_simple
#   5. scripts/run-vm.sh boots it (TCG, 4 CPUs, 2 GB) running
#      /vfold/sched-ext-test; console log at $PREFIX-vm.log
# PREFIX is $VFOLD_SCX_PREFIX (default build/scx). As root, missing Debian
# packages (clang-16, llvm-16, lld-16, dwarves, libelf-dev, zlib1g-dev,
# busybox-static, ...) are installed with apt-get; otherwise it says which.
# The build logs are $PREFIX-kernel/build.log and $PREFIX-sched/build.log.
# Exit codes:
#   0    the guest test passed and the console is clean
#   1    setup: usage, missing packages, no build/linux or kernel-debug
#   2    the kernel config lacks SCHED_CLASS_EXT or DEBUG_INFO_BTF
#   3    the kernel does not build (BTF generation included)
#   4    scx_simple does not build
#   5    the initramfs cannot be made
#   6    the guest test failed (the guest's exit code is printed)
#   7    the console shows kernel badness (run-vm.sh's 251), or the guest
#        did not finish (timeout, crash)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
boot=1
case "${1:-}" in
"") ;;
--no-boot) boot=0 ;;
*) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 1 ;;
esac

prefix=${VFOLD_SCX_PREFIX:-$top/build/scx}
tree=$top/build/linux
wt=$prefix-tree
kout=$prefix-kernel
sout=$prefix-sched
initrd=$prefix-initramfs.cpio.gz
log=$prefix-vm.log
base_config=$top/build/kernel-debug/.config

say() { echo "check-sched-ext: $*"; }
die() { code=$1; shift; echo "check-sched-ext: $*" >&2; exit "$code"; }

# --- packages ---------------------------------------------------------
packages=(
	build-essential bc bison flex libelf-dev zlib1g-dev libssl-dev
	dwarves clang-16 llvm-16 lld-16 busybox-static cpio qemu-system-x86
	ccache git file
)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	apt_cmd=(apt-get install -y --no-install-recommends "${missing[@]}")
	if [ "$(id -u)" -ne 0 ]; then
		die 1 "missing packages; run as root: apt-get update && ${apt_cmd[*]}"
	fi
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || die 1 "apt-get update failed"
	"${apt_cmd[@]}" || die 1 "apt-get install failed"
fi
say "pahole $(pahole --version), $(clang-16 --version | head -n 1)"

# --- 1. worktree --------------------------------------------------------
[ -d "$tree/.git" ] || die 1 "no $tree; run scripts/prepare-tree.sh"
[ -f "$base_config" ] || die 1 "no $base_config; run scripts/build-kernel.sh debug"
rev=$(git -C "$tree" rev-parse --verify "vfold^{commit}")
if [ ! -e "$wt/.git" ]; then
	# -f: a worktree registered here earlier whose directory was removed.
	git -C "$tree" worktree add -f --detach "$wt" "$rev" >/dev/null 2>&1 ||
		die 1 "git worktree add $wt failed"
elif [ "$(git -C "$wt" rev-parse HEAD)" != "$rev" ]; then
	git -C "$wt" checkout -q -f --detach "$rev"
fi
say "tree $wt at $(git -C "$wt" log -1 --format='%h %s')"

# --- 2. kernel -----------------------------------------------------------
# shellcheck source=scripts/lib/kbuild.sh
. "$top/scripts/lib/kbuild.sh"
kbuild_env
mkdir -p "$kout"
# Configure in a scratch copy and replace .config only when it changed, so
# an unchanged config rebuilds nothing.
cfgdir=$kout.config
mkdir -p "$cfgdir"
cfg=$cfgdir/.config
cp "$base_config" "$cfg"
"$wt/scripts/config" --file "$cfg" \
	-e BPF -e BPF_SYSCALL -e BPF_JIT -e BPF_JIT_ALWAYS_ON \
	-d DEBUG_INFO_NONE -e DEBUG_INFO -e DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT \
	-d DEBUG_INFO_REDUCED -d DEBUG_INFO_SPLIT -e DEBUG_INFO_BTF \
	-e PAHOLE_HAS_SPLIT_BTF -e SCHED_CLASS_EXT
make -s -C "$wt" O="$cfgdir" ARCH=x86_64 olddefconfig >"$kout/config.log" 2>&1 ||
	{ cat "$kout/config.log" >&2; die 2 "olddefconfig failed"; }
for want in CONFIG_SCHED_CLASS_EXT=y CONFIG_DEBUG_INFO_BTF=y \
	CONFIG_BPF_SYSCALL=y CONFIG_BPF_JIT=y CONFIG_SCHED_PARAVIRT_CPUS=y; do
	grep -qxF "$want" "$cfgdir/.config" ||
		die 2 "no $want after olddefconfig (pahole $(pahole --version))"
done
if ! cmp -s "$cfgdir/.config" "$kout/.config"; then
	say "new kernel .config"
	cp "$cfgdir/.config" "$kout/.config"
fi
say "building the kernel in $kout (log $kout/build.log)"
start=$SECONDS
if ! make -C "$wt" O="$kout" ARCH=x86_64 CC="ccache gcc" -j"$(nproc)" \
	bzImage >"$kout/build.log" 2>&1; then
	grep -E 'error|Error|BTF|pahole' "$kout/build.log" | head -30 >&2
	tail -5 "$kout/build.log" >&2
	die 3 "kernel build failed"
fi
grep -E 'warning:' "$kout/build.log" >&2 || true
[ -s "$kout/vmlinux" ] || die 3 "no $kout/vmlinux"
# The BTF that scx_simple is compiled against, and sched_ext needs.
# (Not "objdump | grep -q": with pipefail, grep quitting early fails it.)
sections=$(objdump -h "$kout/vmlinux")
[[ $sections == *' .BTF '* ]] || die 3 "vmlinux has no .BTF section"
say "kernel built in $((SECONDS - start)) s: $kout/arch/x86/boot/bzImage"

# --- 3. scx_simple ---------------------------------------------------
# O= puts everything under $sout/build; VMLINUX_BTF names the kernel above,
# so vmlinux.h is regenerated when it changes. libbpf.a and bpftool are
# made first, without LDFLAGS: a command-line LDFLAGS reaches their
# sub-makes too, and libbpf.so cannot link -static.
mkdir -p "$sout"
smake=(make -C "$wt/tools/sched_ext" O="$sout" VMLINUX_BTF="$kout/vmlinux"
	CLANG=clang-16 LLVM_STRIP=llvm-strip-16 -j"$(nproc)")
bin=$sout/build/bin/scx_simple
say "building scx_simple in $sout (log $sout/build.log)"
start=$SECONDS
{
	"${smake[@]}" "$sout/build/obj/libbpf/libbpf.a" "$sout/build/sbin/bpftool" &&
	"${smake[@]}" LDFLAGS='-static -lelf -lz -lpthread' scx_simple &&
	# The rule does not depend on LDFLAGS: relink a dynamic leftover.
	if [[ $(file "$bin") != *'statically linked'* ]]; then
		rm -f "$bin"
		"${smake[@]}" LDFLAGS='-static -lelf -lz -lpthread' scx_simple
	fi
} >"$sout/build.log" 2>&1 || {
	grep -E 'error|Error' "$sout/build.log" | head -30 >&2
	tail -5 "$sout/build.log" >&2
	die 4 "scx_simple build failed"
}
[[ $(file "$bin") == *'statically linked'* ]] || die 4 "$bin is not static"
say "scx_simple built in $((SECONDS - start)) s: $bin"

# --- 4. initramfs -------------------------------------------------------
stage=$prefix-initramfs.d
rm -rf "$stage"
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,root,vfold/bin}
ln -s bin "$stage/sbin"
mkdir -p "$stage/usr"
ln -s ../bin "$stage/usr/bin"
ln -s ../bin "$stage/usr/sbin"
mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null ||
	say "not root, no /dev/console in the archive"
{
	install -m 755 /bin/busybox "$stage/bin/busybox" &&
	install -m 755 "$top/guest/init" "$stage/init" &&
	install -m 755 "$top/guest/sched-ext-test" "$stage/vfold/sched-ext-test" &&
	install -m 755 "$bin" "$stage/vfold/bin/scx_simple"
} || die 5 "cannot stage the initramfs in $stage"
[[ $(file /bin/busybox) == *'statically linked'* ]] ||
	die 5 "/bin/busybox is not static"
if ! (cd "$stage" && find . -print0 | LC_ALL=C sort -z |
	cpio --null --create --format=newc --reproducible --owner=0:0 --quiet |
	gzip -9n >"$initrd.tmp"); then
	rm -f "$initrd.tmp"
	die 5 "cpio failed"
fi
mv "$initrd.tmp" "$initrd"
say "initramfs $(du -h "$initrd" | cut -f1) $initrd"

[ $boot -eq 1 ] || exit 0

# --- 5. boot ---------------------------------------------------------
say "booting (console log $log)"
rc=0
"$top/scripts/run-vm.sh" --kernel "$kout/arch/x86/boot/bzImage" \
	--initrd "$initrd" --cpus 4 --mem 2048 --log "$log" --timeout 900 \
	-- /vfold/sched-ext-test || rc=$?
case $rc in
0) say "PASS: guest verdict 0, console clean" ;;
251) die 7 "FAIL: kernel badness in the console ($log)" ;;
252) die 1 "run-vm.sh usage error" ;;
254 | 255) die 7 "FAIL: the guest did not finish (run-vm.sh $rc, $log)" ;;
*) die 6 "FAIL: guest test exited $rc ($log)" ;;
esac
