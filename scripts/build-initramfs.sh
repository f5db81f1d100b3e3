#!/usr/bin/env bash
# build-initramfs.sh - build the busybox initramfs the test guests boot.
#
# Usage: scripts/build-initramfs.sh [--arch ARCH] [OUT]
#   (default build/initramfs.cpio.gz; with --arch arm64 or ppc64le,
#   build/initramfs-ARCH.cpio.gz)
#
# Contents:
#   /init, /bin/busybox             guest/init and the static busybox
#                                   (init starts /vfold/bin/vfold-agent
#                                   in a VM with the hint port)
#   /vfold/run-tests, /vfold/tour   guest/run-tests, guest/tour
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
#                                   vfold-bench, vfoldctl, vfold-sysfuzz and
#                                   vfold-torture (built here from src/)
#   /vfold/selftests/               every program tools/testing/selftests/sched
#                                   builds or lists, guest/vfoldctl-test,
#                                   vfold-sysfuzz (30 s with a new seed),
#                                   and kselftest-list.txt, their run list
#                                   (the Makefile's emit_tests,
#                                   vfold:vfoldctl-test, vfold:vfold-sysfuzz)
#   /lib*, /usr/lib*                every shared library and the ELF
#                                   interpreter those programs need, at the
#                                   host's paths, so no ld.so.conf is needed
#
# --arch arm64 or ppc64le builds the initramfs of make test-arch instead:
# /init, /vfold/run-tests, the sched selftests cross-built statically
# (build/selftests-ARCH/) and their run list, and Debian's busybox-static
# for that arch, downloaded with a private apt state in build/apt-ARCH
# (no foreign architecture is added to the host's dpkg) and unpacked
# into build/busybox-ARCH. No userspace from src/, no host tools.
#
# The selftests are built out of tree in build/selftests/sched against uapi
# headers exported to build/selftests/headers, so build/linux stays clean.
# Programs come from the Makefile's variables, not a list here, so a new
# test added to the Makefile is picked up without editing this script.
# Exit codes: 1 usage or missing input, 2 selftest build failed,
# 3 archive failed, 4 a program of src/ (vfold-agent...) failed to build,
# 5 busybox for ARCH could not be fetched.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
usage() {
	sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
	exit 1
}
arch=x86_64
if [ "${1:-}" = --arch ]; then
	[ $# -ge 2 ] || usage
	arch=$2
	shift 2
fi
# Kbuild's ARCH, the cross compiler prefix, Debian's name of the arch.
case "$arch" in
x86_64) karch=x86_64 cross='' debarch=amd64 ;;
arm64) karch=arm64 cross=aarch64-linux-gnu- debarch=arm64 ;;
ppc64le) karch=powerpc cross=powerpc64le-linux-gnu- debarch=ppc64el ;;
*) usage ;;
esac
if [ "$arch" = x86_64 ]; then
	out=${1:-$top/build/initramfs.cpio.gz}
else
	out=${1:-$top/build/initramfs-$arch.cpio.gz}
fi
case "$out" in
-*) usage ;;
esac
# Absolute, because the archive is written from inside the staging tree.
out=$(realpath -m "$out")

tree=$top/build/linux
sched=$tree/tools/testing/selftests/sched
if [ "$arch" = x86_64 ]; then
	hdr=$top/build/selftests/headers
	obj=$top/build/selftests/sched
	stage=$top/build/initramfs.d
	busybox=/bin/busybox
	tools=("$busybox" /usr/bin/hackbench /usr/bin/cyclictest /usr/bin/stress-ng)
else
	hdr=$top/build/selftests-$arch/headers
	obj=$top/build/selftests-$arch/sched
	stage=$top/build/initramfs-$arch.d
	busybox=$top/build/busybox-$arch/bin/busybox
	tools=()
	command -v "${cross}gcc" >/dev/null ||
		{ echo "build-initramfs: no ${cross}gcc; run scripts/install-deps.sh" >&2; exit 1; }
fi

# fetch_busybox: Debian's busybox-static for $debarch into
# build/busybox-$arch, through an apt state of its own: adding the arch
# to the host's dpkg would make every apt-get update there fetch (and
# fail on) that arch's indexes too.
fetch_busybox() {
	local apt=$top/build/apt-$arch deb
	local o=(-o "Dir::State=$apt/state" -o "Dir::State::status=$apt/state/status"
		-o "Dir::Cache=$apt/cache" -o "APT::Architecture=$debarch"
		-o "APT::Architectures::=$debarch" -o Debug::NoLocking=1 -qq)
	mkdir -p "$apt/state/lists/partial" "$apt/cache/archives/partial" "$apt/deb"
	touch "$apt/state/status"
	# A failed index of some other suite (a mirror mid-sync) does not
	# matter as long as the package is found.
	apt-get "${o[@]}" update >"$apt/update.log" 2>&1 || true
	rm -f "$apt"/deb/*.deb
	(cd "$apt/deb" && apt-get "${o[@]}" download "busybox-static:$debarch") \
		>"$apt/download.log" 2>&1 || { cat "$apt/update.log" "$apt/download.log" >&2; return 1; }
	deb=$(echo "$apt"/deb/busybox-static_*.deb)
	rm -rf "$top/build/busybox-$arch"
	dpkg-deb -x "$deb" "$top/build/busybox-$arch"
	echo "build-initramfs: busybox from ${deb##*/}"
}
if [ "$arch" != x86_64 ] && [ ! -x "$busybox" ]; then
	fetch_busybox || { echo "build-initramfs: cannot fetch busybox-static:$debarch" >&2; exit 5; }
fi

for f in "${tools[@]}"; do
	[ -x "$f" ] || { echo "build-initramfs: $f missing; run scripts/install-deps.sh" >&2; exit 1; }
done
[ -f "$sched/Makefile" ] || { echo "build-initramfs: $sched missing; run scripts/prepare-tree.sh" >&2; exit 1; }

# The selftest Makefiles default to headers inside the source tree
# (usr/include); an O= headers export keeps them out of build/linux.
echo "build-initramfs: uapi headers in $hdr"
mkdir -p "$hdr" "$obj"
if ! make -s -C "$tree" O="$hdr" ARCH="$karch" CROSS_COMPILE="$cross" headers \
	>"$hdr/build.log" 2>&1; then
	tail -20 "$hdr/build.log" >&2
	exit 2
fi

kself=(make -s -C "$sched" OUTPUT="$obj" COLLECTION=sched
	KHDR_INCLUDES="-isystem $hdr/usr/include")
# Static: the foreign guest has no C library of its own.
[ "$arch" = x86_64 ] ||
	kself+=(ARCH="$karch" CROSS_COMPILE="$cross" USERLDFLAGS=-static)
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

# stage_base: a fresh $stage with busybox, /init and the test runner.
stage_base() {
	rm -rf "$stage"
	mkdir -p "$stage"/{bin,dev,proc,sys,tmp,root,usr,vfold/bin,vfold/selftests}
	ln -s bin "$stage/sbin"
	ln -s ../bin "$stage/usr/bin"
	ln -s ../bin "$stage/usr/sbin"
	# The kernel opens /dev/console for init before init mounts devtmpfs.
	# mknod needs root; without it init's output starts after that mount.
	mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null ||
		echo "build-initramfs: not root, no /dev/console in the archive" >&2
	install -m 755 "$busybox" "$stage/bin/busybox"
	install -m 755 "$top/guest/init" "$stage/init"
	install -m 755 "$top/guest/run-tests" "$stage/vfold/run-tests"
}

if [ "$arch" != x86_64 ]; then
	stage_base
	for f in "${files[@]}"; do
		[ -n "$f" ] || continue
		case "$f" in
		/*) src=$f ;;
		*) if [ -e "$obj/$f" ]; then src=$obj/$f; else src=$sched/$f; fi ;;
		esac
		[ -e "$src" ] || { echo "build-initramfs: $src not built" >&2; exit 2; }
		# A dynamic program would die in the guest with a bare ENOENT.
		if [ -x "$src" ] && readelf -l "$src" 2>/dev/null | grep -q INTERP; then
			echo "build-initramfs: $src is not static" >&2
			exit 2
		fi
		[ -e "$stage/vfold/selftests/$(basename "$src")" ] ||
			cp -a "$src" "$stage/vfold/selftests/"
	done
	printf '%s\n' "${runlist[@]}" >"$stage/vfold/selftests/kselftest-list.txt"
fi

if [ "$arch" = x86_64 ]; then
	# The guest agent and benchmark, built for this host: the guest runs the
	# host's libraries (json-c), copied below like the other programs'.
	agent=$top/src/vfold-agent/vfold-agent
	bench=$top/src/vfold-bench/vfold-bench
	vfoldctl=$top/src/vfoldctl/vfoldctl
	sysfuzz=$top/src/vfold-sysfuzz/vfold-sysfuzz
	torture=$top/src/vfold-torture/vfold-torture
	echo "build-initramfs: vfold-agent, vfold-bench, vfoldctl, vfold-sysfuzz, vfold-torture in $top/src"
	if ! make -s -C "$top/src" vfold-agent vfold-bench vfoldctl vfold-sysfuzz vfold-torture >"$top/build/guest-programs.log" 2>&1; then
		cat "$top/build/guest-programs.log" >&2
		exit 4
	fi

	stage_base
	install -m 755 "$top/guest/tour" "$stage/vfold/tour"
	install -m 755 "$top/guest/bench-drain" "$stage/vfold/bench-drain"
	install -m 755 "$top/guest/bench-governor" "$stage/vfold/bench-governor"
	install -m 755 "$top/guest/loop-guest" "$stage/vfold/loop-guest"
	install -m 755 "$top/guest/bench-overcommit" "$stage/vfold/bench-overcommit"
	install -m 755 "$top/guest/bench-overhead" "$stage/vfold/bench-overhead"

	elves=()
	for f in /usr/bin/hackbench /usr/bin/cyclictest /usr/bin/stress-ng "$agent" "$bench" "$vfoldctl" "$sysfuzz" "$torture"; do
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
	# The series' files fuzzed (docs/fuzzing.md): its defaults, 30 s.
	install -m 755 "$sysfuzz" "$stage/vfold/selftests/vfold-sysfuzz"
	runlist+=(vfold:vfold-sysfuzz)
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
fi

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
