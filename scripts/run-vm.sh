#!/usr/bin/env bash
# run-vm.sh - boot a kernel in QEMU, run one command in it, return its verdict.
#
# Usage: scripts/run-vm.sh [OPTIONS] -- COMMAND [ARGS...]
#   --arch ARCH       x86_64 (default: qemu-system-x86_64 -M q35),
#                     arm64 (qemu-system-aarch64 -M virt, GICv3, console
#                     ttyAMA0) or ppc64le (qemu-system-ppc64 -M pseries,
#                     SLOF, console hvc0); TCG only for the last two
#   --kernel PATH     kernel (default build/kernel-debug/arch/x86/boot/bzImage,
#                     build/kernel-arm64-debug/arch/arm64/boot/Image,
#                     build/kernel-ppc64le-debug/vmlinux)
#   --initrd PATH     initramfs (default build/initramfs.cpio.gz,
#                     build/initramfs-ARCH.cpio.gz for the others)
#   --cpus N          logical CPUs (default 4)
#   --threads N       SMT threads per core (default 2; pseries under TCG
#                     has SMT only from QEMU 8.1 on, so older ones refuse)
#   --nodes N         NUMA nodes, one socket each; CPUs and memory are split
#                     evenly, so N must divide both (default 1)
#   --mem MB          guest memory (default 1024)
#   --append ARGS     extra kernel arguments; may repeat
#   --timeout SEC     kill the guest after SEC seconds (default 600)
#   --log PATH        console log (default build/vm/console.log)
#   --accel MODE      auto|kvm|tcg|tcg-single (default tcg; auto: KVM if
#                     the kernel prints its banner under KVM within 20 s,
#                     else TCG).
#                     TCG runs one host thread per vCPU; tcg-single runs
#                     all vCPUs in one thread, which -icount requires
#   --cpu-model M     QEMU -cpu model (default max; arm64 cortex-a72,
#                     ppc64le power9: what TCG runs fastest)
#   --qemu-arg ARG    pass ARG to QEMU as one argument; may repeat
#   --quiet           do not echo the console, only write the log
#
# COMMAND and ARGS are joined with spaces and run by the guest's /init
# with sh -c, as ssh does, so "-- 'exit 7'" works. The joined command
# travels on the kernel command line as vfold.cmd="...", so it must not
# contain double quotes or control characters. The kernel command line is
#   console=ttyS0 panic=-1 loglevel=7 printk.time=0 rdinit=/init
# (console=ttyAMA0 on arm64, console=hvc0 on ppc64le)
#   vfold.cmd="COMMAND" [--append ARGS, later ones win]
# loglevel=7 because KUnit prints its KTAP at KERN_INFO; guest/init lowers
# the console to loglevel 5 before it runs COMMAND.
#
# QEMU runs -M q35 (or the arch's machine) -nographic -no-reboot with
# stdin from /dev/null; the
# console goes to stdout and LOG. The exact QEMU command is printed first,
# a summary line last. The guest's exit code comes back out of band, on a
# virtio serial port (vfold.verdict) backed by a file. Ctrl-C stops QEMU
# (exit 130). A KVM that passes the start-up probe but cannot run the
# guest shows up as a timeout; use --accel tcg there.
#
# Exit codes:
#   0-249  the guest command's exit code: the verdict arrived on the
#          vfold.verdict virtio port and the console is clean
#   250    the guest command exited with 250-255 (shown in the summary)
#   251    the verdict arrived but scripts/console-badness.sh found kernel
#          badness (WARNING, BUG, lockdep, stall...); wins over the guest's 0
#   252    usage error, missing kernel or initrd, KVM requested but unusable
#   254    timeout; QEMU was killed
#   255    no verdict: the kernel crashed or panicked, or QEMU died
# In the 254 and 255 cases badness is printed too but does not change the
# code: the run did not complete, and the code says so.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
	exit 252
}

die() {
	echo "run-vm: $*" >&2
	exit 252
}

arch=x86_64
kernel=
initrd=
cpus=4
threads=2
nodes=1
mem=1024
timeout=600
log=$top/build/vm/console.log
accel=tcg
cpu_model=
quiet=0
appends=()
qemu_extra=()

need_arg() {
	[ "$2" -ge 2 ] || die "$1 needs an argument"
}

while [ $# -gt 0 ]; do
	case "$1" in
	--arch) need_arg "$1" $#; arch=$2; shift 2 ;;
	--kernel) need_arg "$1" $#; kernel=$2; shift 2 ;;
	--initrd) need_arg "$1" $#; initrd=$2; shift 2 ;;
	--cpus) need_arg "$1" $#; cpus=$2; shift 2 ;;
	--threads) need_arg "$1" $#; threads=$2; shift 2 ;;
	--nodes) need_arg "$1" $#; nodes=$2; shift 2 ;;
	--mem) need_arg "$1" $#; mem=$2; shift 2 ;;
	--append) need_arg "$1" $#; appends+=("$2"); shift 2 ;;
	--timeout) need_arg "$1" $#; timeout=$2; shift 2 ;;
	--log) need_arg "$1" $#; log=$2; shift 2 ;;
	--accel) need_arg "$1" $#; accel=$2; shift 2 ;;
	--cpu-model) need_arg "$1" $#; cpu_model=$2; shift 2 ;;
	--qemu-arg) need_arg "$1" $#; qemu_extra+=("$2"); shift 2 ;;
	--quiet) quiet=1; shift ;;
	-h | --help) usage ;;
	--) shift; break ;;
	*) die "unknown option '$1' (the guest command goes after --)" ;;
	esac
done
[ $# -gt 0 ] || die "no guest command; usage: $0 [OPTIONS] -- COMMAND"
cmd="$*"

for v in cpus threads nodes mem timeout; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "--$v must be a positive integer, not '${!v}'"
done
case "$accel" in auto | kvm | tcg | tcg-single) ;; *) die "--accel must be auto, kvm, tcg or tcg-single" ;; esac
[ $((cpus % (threads * nodes))) -eq 0 ] ||
	die "--cpus $cpus is not a multiple of --threads $threads x --nodes $nodes"
[ $((mem % nodes)) -eq 0 ] || die "--mem $mem does not split evenly over $nodes nodes"
[[ $cmd != *'"'* ]] || die "the guest command must not contain double quotes: $cmd"
[[ $cmd != *[[:cntrl:]]* ]] || die "the guest command must not contain control characters"
# The machine per arch: QEMU binary, -M, default -cpu, console device,
# default kernel and initramfs.
case "$arch" in
x86_64)
	qemu_bin=qemu-system-x86_64 mach=q35 def_cpu=max console=ttyS0
	def_kernel=$top/build/kernel-debug/arch/x86/boot/bzImage
	def_initrd=$top/build/initramfs.cpio.gz
	;;
arm64)
	# GICv3: GICv2 stops at 8 CPUs. The cortex-a72 has neither SVE nor
	# pointer authentication, which TCG emulates slowly.
	qemu_bin=qemu-system-aarch64 mach=virt,gic-version=3 def_cpu=cortex-a72
	console=ttyAMA0
	def_kernel=$top/build/kernel-arm64-debug/arch/arm64/boot/Image
	def_initrd=$top/build/initramfs-arm64.cpio.gz
	;;
ppc64le)
	# SLOF, not QEMU's faster x-vof=on: only SLOF formats the NVRAM, and
	# the kernel warns ("WARNING: nvram corruption") about a blank one.
	qemu_bin=qemu-system-ppc64 mach=pseries def_cpu=power9
	console=hvc0
	def_kernel=$top/build/kernel-ppc64le-debug/vmlinux
	def_initrd=$top/build/initramfs-ppc64le.cpio.gz
	;;
*) die "--arch must be x86_64, arm64 or ppc64le" ;;
esac
kernel=${kernel:-$def_kernel}
initrd=${initrd:-$def_initrd}
cpu_model=${cpu_model:-$def_cpu}
if [ "$arch" != x86_64 ]; then
	case "$accel" in tcg | tcg-single) ;; *) die "--arch $arch runs under TCG only (--accel tcg or tcg-single)" ;; esac
fi
if [ "$arch" = ppc64le ] && [ "$threads" -gt 1 ]; then
	# QEMU before 8.1 refuses threads > 1 on pseries under TCG.
	qv=$("$qemu_bin" --version | sed -n 's/^QEMU emulator version \([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
	read -r qmaj qmin <<<"${qv:-0 0}"
	[ "$qmaj" -gt 8 ] || { [ "$qmaj" -eq 8 ] && [ "$qmin" -ge 1 ]; } ||
		die "pseries under TCG has no SMT before QEMU 8.1 (this is ${qmaj}.${qmin}): use --threads 1"
fi
[ -r "$kernel" ] || die "no kernel at $kernel (scripts/build-kernel.sh --arch $arch debug)"
[ -r "$initrd" ] || die "no initrd at $initrd (scripts/build-initramfs.sh)"
cores=$((cpus / threads / nodes))

cmdline="console=$console panic=-1 loglevel=7 printk.time=0 rdinit=/init"
cmdline+=" vfold.cmd=\"$cmd\""
for a in "${appends[@]}"; do
	cmdline+=" $a"
done
# COMMAND_LINE_SIZE on x86, arm64 and powerpc; the kernel would
# silently truncate.
[ ${#cmdline} -lt 2048 ] || die "kernel command line longer than 2047 bytes"

mkdir -p "$(dirname "$log")"
vmdir=$(dirname "$log")
verdict=$(mktemp "$vmdir/verdict.XXXXXX")
probe_log=$(mktemp "$vmdir/kvm-probe.XXXXXX")
qpid=
timer=
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	[ -z "$qpid" ] || kill "$qpid" 2>/dev/null || true
	[ -z "$timer" ] || kill "$timer" 2>/dev/null || true
	rm -f "$verdict" "$probe_log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

machine=(-M "$mach" -cpu "$cpu_model" -m "$mem")

# /dev/kvm can exist yet fail: no permission, a nested hypervisor that
# rejects this CPU model's MSRs (QEMU aborts at vCPU reset), or one that
# runs the firmware but never the kernel (seen on the 2-core build hosts).
# So the probe boots the kernel itself, with no root to find, and waits
# for its banner.
kvm_works() {
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		echo "no read-write /dev/kvm" >"$probe_log"
		return 1
	fi
	# The subshell reports an aborted QEMU into the probe log, not here.
	(timeout 20 qemu-system-x86_64 "${machine[@]}" -accel kvm -nographic \
		-no-reboot -kernel "$kernel" -append "console=ttyS0 panic=-1" \
		</dev/null) >"$probe_log" 2>&1
	grep -q 'Linux version' "$probe_log" && return 0
	grep -q '^qemu-system' "$probe_log" ||
		echo "the kernel printed nothing within 20 s under KVM" >>"$probe_log"
	return 1
}

probe_error() {
	grep -m1 -e '^qemu-system' -e '^no read-write' "$probe_log" ||
		tail -1 "$probe_log"
}

case "$accel" in
kvm)
	kvm_works || die "KVM unusable: $(probe_error)"
	accel_arg=kvm
	;;
tcg) accel_arg=tcg,thread=multi ;;
tcg-single) accel_arg=tcg,thread=single ;;
auto)
	if kvm_works; then
		accel=kvm
		accel_arg=kvm
	else
		echo "run-vm: KVM unusable, using TCG: $(probe_error)" >&2
		accel=tcg
		accel_arg=tcg,thread=multi
	fi
	;;
esac

numa=()
if [ "$nodes" -gt 1 ]; then
	for ((i = 0; i < nodes; i++)); do
		numa+=(-object "memory-backend-ram,id=mem$i,size=$((mem / nodes))M"
			-numa "node,nodeid=$i,memdev=mem$i")
	done
	# Socket i is node i, so SMT siblings and cores share a node.
	# pseries places CPUs by core only (its core-id is the core's first
	# thread): each node gets a run of whole cores.
	if [ "$arch" = ppc64le ]; then
		for ((c = 0; c < cores * nodes; c++)); do
			numa+=(-numa "cpu,node-id=$((c / cores)),core-id=$((c * threads))")
		done
	else
		for ((i = 0; i < nodes; i++)); do
			numa+=(-numa "cpu,node-id=$i,socket-id=$i")
		done
	fi
fi

qemu=("$qemu_bin" "${machine[@]}" -accel "$accel_arg"
	-smp "$cpus,sockets=$nodes,cores=$cores,threads=$threads"
	"${numa[@]}"
	-nographic -no-reboot
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline"
	-chardev "file,id=verdict,path=${verdict//,/,,}"
	-device virtio-serial-pci
	-device "virtserialport,chardev=verdict,name=vfold.verdict"
	"${qemu_extra[@]}")

echo "run-vm: $arch, $accel, $cpus CPUs ($nodes nodes x $cores cores x $threads threads), ${mem}M, timeout ${timeout}s, log $log" >&2
printf '%q ' "${qemu[@]}" | sed 's/ $//' >&2
echo >&2

start=$(date +%s%N)
# QEMU's stdin is /dev/null: the run is unattended, and a background job
# reading the terminal would be stopped by SIGTTIN.
if [ "$quiet" -eq 1 ]; then
	exec {console}>"$log"
	teepid=
else
	exec {console}> >(tee "$log")
	teepid=$!
fi
"${qemu[@]}" </dev/null >&"$console" 2>&1 &
qpid=$!
sleep "$timeout" {console}>&- &
timer=$!

finished=
wait -n -p finished "$qpid" "$timer" || true
timed_out=0
if [ "$finished" = "$timer" ]; then
	timed_out=1
	timer=
	kill "$qpid" 2>/dev/null || true
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		kill -0 "$qpid" 2>/dev/null || break
		sleep 0.5
	done
	kill -KILL "$qpid" 2>/dev/null || true
fi
wait "$qpid" 2>/dev/null || true
qpid=
if [ -n "$timer" ]; then
	kill "$timer" 2>/dev/null || true
	wait "$timer" 2>/dev/null || true
	timer=
fi
exec {console}>&-
[ -z "$teepid" ] || wait "$teepid" 2>/dev/null || true
elapsed=$((($(date +%s%N) - start) / 1000000))
secs=$((elapsed / 1000)).$(printf '%03d' $((elapsed % 1000)))

badness=0
"$top/scripts/console-badness.sh" "$log" >&2 || badness=$?

rc=$(tr -d '[:space:]' <"$verdict")
boot=$(sed -n 's/^vfold-init: uptime \([0-9.]*\)s.*/\1/p' "$log" | head -1)
if [ "$timed_out" -eq 1 ]; then
	code=254
	why="timeout after ${timeout}s, QEMU killed"
elif ! [[ $rc =~ ^[0-9]+$ ]] || [ "$rc" -gt 255 ]; then
	code=255
	why="no verdict from the guest (crash, panic or QEMU died)"
elif [ "$badness" -ne 0 ]; then
	code=251
	why="kernel badness on the console (guest command exited $rc)"
elif [ "$rc" -ge 250 ]; then
	code=250
	why="guest command exited $rc"
else
	code=$rc
	why="guest command exited $rc, console clean"
fi
echo "run-vm: exit $code: $why; ${secs}s total, init after ${boot:-?}s guest uptime, $accel, log $log" >&2
exit "$code"
