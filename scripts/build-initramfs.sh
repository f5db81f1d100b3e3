#!/usr/bin/env bash
# build-initramfs.sh - build the busybox initramfs the test guests boot.
#
# Usage: scripts/build-initramfs.sh [OUT]    (default build/initramfs.cpio.gz)
#
# Contents:
#   /init, /bin/busybox             guest/init and the static busybox
#                                   (init starts /vfold/bin/vfold-agent
#                                   in a VM with the hint port)
#   /vfold/run-tests, /vfold/demo   guest/run-tests, guest/demo
#   /vfold/bench-drain              guest/bench-drain
#   /vfold/bench-governor           guest/bench-governor
#   /vfold/bench-overcommit,        guest/bench-overcommit and
#   /vfold/bench-overhead           guest/bench-overhead (the guest halves
#                                   of scripts/bench-overcommit.py and
#                                   scripts/bench-overhead.py)
#   /vfold/loop-guest               guest/loop-guest (for
#                                   tests/integration/cooperative-loop.sh)
#   /vfold/bin/                     hackbench, cyclictest, stress-ng (host's
#                                   Debian binaries), vfold-agent,
#                                   vfold-bench and vfoldctl (built here
#                                   from src/)
#   /vfold/selftests/               every program tools/testing/selftests/sched
#                                   builds or lists, guest/vfoldctl-test,
#                                   and kselftest-list.txt, their run list
#                                   (the Makefile's emit_tests and
#                                   vfold:vfoldctl-test)
#   /lib*, /usr/lib*                every shared library and the ELF
#                                   interpreter those programs need, at the
#                                   host's paths, so no ld.so.conf is needed
#
# The selftests are built out of tree in build/selftests/sched against uapi
# headers exported to build/selftests/headers, so build/linux stays clean.
# Programs come from the Makefile's variables, not a list here, so a new
# test added to the Makefile is picked up without editing this script.
# Exit codes: 1 usage or missing input, 2 selftest build failed,
# 3 archive failed, 4 vfold-agent, vfold-bench or vfoldctl build failed.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/initramfs.cpio.gz}
case "$out" in
-*) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 1 ;;
esac
# Absolute, because the archive is written from inside the staging tree.
out=$(realpath -m "$out")

tree=$top/build/linux
sched=$tree/tools/testing/selftests/sched
hdr=$top/build/selftests/headers
obj=$top/build/selftests/sched
stage=$top/build/initramfs.d
tools=(/bin/busybox /usr/bin/hackbench /usr/bin/cyclictest /usr/bin/stress-ng)

for f in "${tools[@]}"; do
	[ -x "$f" ] || { echo "build-initramfs: $f missing; run scripts/install-deps.sh" >&2; exit 1; }
done
[ -f "$sched/Makefile" ] || { echo "build-initramfs: $sched missing; run scripts/prepare-tree.sh" >&2; exit 1; }

# The selftest Makefiles default to headers inside the source tree
# (usr/include); an O= headers export keeps them out of build/linux.
echo "build-initramfs: uapi headers in $hdr"
mkdir -p "$hdr" "$obj"
if ! make -s -C "$tree" O="$hdr" ARCH=x86_64 headers >"$hdr/build.log" 2>&1; then
	tail -20 "$hdr/build.log" >&2
	exit 2
fi

kself=(make -s -C "$sched" OUTPUT="$obj" COLLECTION=sched
	KHDR_INCLUDES="-isystem $hdr/usr/include")
echo "build-initramfs: selftests in $obj"
if ! "${kself[@]}" all >"$obj/build.log" 2>&1; then
	cat "$obj/build.log" >&2
	exit 2
fi

# Ask lib.mk itself which files make up the tests: it has already
# prefixed the generated ones with OUTPUT; TEST_PROGS and TEST_FILES stay
# relative to the source directory.
# shellcheck disable=SC2016  # make, not the shell, expands these
query='vfold-files: ; @printf "%s\n" $(TEST_GEN_PROGS) $(TEST_GEN_PROGS_EXTENDED) $(TEST_GEN_FILES) $(TEST_CUSTOM_PROGS) $(TEST_PROGS) $(TEST_PROGS_EXTENDED) $(TEST_FILES)'
mapfile -t files < <("${kself[@]}" --eval="$query" vfold-files | sort -u)
mapfile -t runlist < <("${kself[@]}" emit_tests | sort -u)
if [ ${#runlist[@]} -eq 0 ]; then
	echo "build-initramfs: $sched/Makefile lists no tests" >&2
	exit 2
fi

# The guest agent and benchmark, built for this host: the guest runs the
# host's libraries (json-c), copied below like the other programs'.
agent=$top/src/vfold-agent/vfold-agent
bench=$top/src/vfold-bench/vfold-bench
vfoldctl=$top/src/vfoldctl/vfoldctl
echo "build-initramfs: vfold-agent, vfold-bench, vfoldctl in $top/src"
if ! make -s -C "$top/src" vfold-agent vfold-bench vfoldctl >"$top/build/guest-programs.log" 2>&1; then
	cat "$top/build/guest-programs.log" >&2
	exit 4
fi

rm -rf "$stage"
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,root,vfold/bin,vfold/selftests}
ln -s bin "$stage/sbin"
mkdir -p "$stage/usr"
ln -s ../bin "$stage/usr/bin"
ln -s ../bin "$stage/usr/sbin"
# The kernel opens /dev/console for init before init mounts devtmpfs.
# mknod needs root; without it init's output starts after that mount.
mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null ||
	echo "build-initramfs: not root, no /dev/console in the archive" >&2

install -m 755 /bin/busybox "$stage/bin/busybox"
install -m 755 "$top/guest/init" "$stage/init"
install -m 755 "$top/guest/run-tests" "$stage/vfold/run-tests"
install -m 755 "$top/guest/demo" "$stage/vfold/demo"
install -m 755 "$top/guest/bench-drain" "$stage/vfold/bench-drain"
install -m 755 "$top/guest/bench-governor" "$stage/vfold/bench-governor"
install -m 755 "$top/guest/loop-guest" "$stage/vfold/loop-guest"
install -m 755 "$top/guest/bench-overcommit" "$stage/vfold/bench-overcommit"
install -m 755 "$top/guest/bench-overhead" "$stage/vfold/bench-overhead"

elves=()
for f in /usr/bin/hackbench /usr/bin/cyclictest /usr/bin/stress-ng "$agent" "$bench" "$vfoldctl"; do
	install -m 755 "$f" "$stage/vfold/bin/"
	elves+=("$f")
done
for f in "${files[@]}"; do
	[ -n "$f" ] || continue
	# A generated program may also be listed, unprefixed, in TEST_PROGS.
	case "$f" in
	/*) src=$f ;;
	*) if [ -e "$obj/$f" ]; then src=$obj/$f; else src=$sched/$f; fi ;;
	esac
	[ -e "$src" ] || { echo "build-initramfs: $src not built" >&2; exit 2; }
	[ -e "$stage/vfold/selftests/$(basename "$src")" ] && continue
	cp -a "$src" "$stage/vfold/selftests/"
	if [ -x "$src" ] && [ -f "$src" ]; then
		elves+=("$src")
	fi
done
# vfoldctl against the real kernel, run by /vfold/run-tests with the rest.
install -m 755 "$top/guest/vfoldctl-test" "$stage/vfold/selftests/vfoldctl-test"
runlist+=(vfold:vfoldctl-test)
printf '%s\n' "${runlist[@]}" >"$stage/vfold/selftests/kselftest-list.txt"

# ldd prints "name => /path (addr)" for libraries and "/path (addr)" for
# the interpreter; vdso has no path. Scripts and static programs make ldd
# fail, which only means there is nothing to copy.
for elf in "${elves[@]}"; do
	{ ldd "$elf" 2>/dev/null || true; } |
		awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
done | sort -u | while IFS= read -r lib; do
	mkdir -p "$stage$(dirname "$lib")"
	cp -L "$lib" "$stage$lib"
done

mkdir -p "$(dirname "$out")"
echo "build-initramfs: $(printf '%s ' "${runlist[@]}")-> $out"
if ! (cd "$stage" && find . -print0 | LC_ALL=C sort -z |
	cpio --null --create --format=newc --reproducible --owner=0:0 --quiet |
	gzip -9n >"$out.tmp"); then
	rm -f "$out.tmp"
	exit 3
fi
mv "$out.tmp" "$out"
echo "build-initramfs: $(du -h "$out" | cut -f1) $out"
