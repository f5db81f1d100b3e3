#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# hintd-libvirt.sh - vfold-hintd's libvirt backend against a real libvirtd;
# prints TAP.
#
# Usage: tests/integration/hintd-libvirt.sh
#
# Uses the libvirtd of qemu:///system, starting virtlogd and libvirtd
# itself if none answers (then stopping them at the end). Domains are
# TCG, named vfold-it-NAME, each with a unix channel org.vfold.hint.0
# whose socket path libvirt chooses:
#   (a) two paused domains p1 and p2 (4 vCPUs; -S: the vCPU threads
#       exist, no guest runs), p2 with <shares>2048</shares>:
#       vfold-hintd --libvirt --once --json --dry-run finds both, each
#       with 4 vCPUs all measured through libvirt's statistics (no pid,
#       no thread ids: libvirt's own), the hint socket libvirt put in the
#       live XML, weight 1 and 2 from the CPU shares; a run with cgroups
#       leaves each QEMU in libvirt's cgroup;
#   (b) the loop (--interval-ms 10000): it connects to the hint sockets;
#       a domain p3 defined and started while it runs is found, and gone
#       once destroyed, each within 1 s (libvirt's lifecycle events, not
#       the next scan); SIGTERM ends it;
#   (c) two running guests g1 and g2 (the debug kernel, 4 vCPUs, every
#       vCPU thread pinned to host CPUs 0-1, guest/loop-guest with 4 busy
#       loops, the agent started by guest/init): with the loop running,
#       both agents report over libvirt's channels, both fold to 1 or 2
#       vCPUs (the fair share of 2 CPUs is 1), each keeping the target
#       hintd sent, in mode hint; hintd measures their run time; no
#       kernel splat on either console (libvirt's default TCG guest runs
#       on the jiffies clocksource, which a hint once turned into a
#       divide error in the governor).
# Every domain is destroyed (and p3 undefined) on any exit.
# Needs root, libvirt-daemon-system, libvirt-clients, qemu-system-x86,
# build/kernel-debug and build/initramfs.cpio.gz; builds vfold-hintd.
# Exit code 0 if every check passed.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/integration/lib/tap.sh
. "$top/tests/integration/lib/tap.sh"
hintd=$top/src/vfold-hintd/vfold-hintd
kernel=$top/build/kernel-debug/arch/x86/boot/bzImage
initrd=$top/build/initramfs.cpio.gz
uri=qemu:///system
dir=$(mktemp -d /tmp/hintd-libvirt.XXXXXX)
[ -n "${VFOLD_KEEP:-}" ] && echo "# scratch dir $dir (kept)"
chmod 755 "$dir"
started_daemons=()
hpid=
BOOT_MAX=120	# s for both guests to boot and their agents to report
FOLD_MAX=30	# s after that for both to fold

virsh() { command virsh -q -c "$uri" "$@"; }

cleanup() {
	local d
	[ -n "$hpid" ] && kill -9 "$hpid" 2>/dev/null
	for d in p1 p2 p3 g1 g2; do
		virsh destroy "vfold-it-$d" >/dev/null 2>&1
	done
	virsh undefine "vfold-it-p3" >/dev/null 2>&1
	for d in "${started_daemons[@]}"; do
		pkill -x "$d"
	done
	[ -n "${VFOLD_KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

bail() {
	echo "Bail out! $*"
	exit 1
}

# --- libvirtd ------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || bail "needs root (libvirt's system connection)"
if ! virsh version >/dev/null 2>&1; then
	# No systemd to start them here (see ../shared/MACHINE.md).
	for d in virtlogd libvirtd; do
		pgrep -x "$d" >/dev/null && continue
		"$d" -d || bail "$d -d failed"
		started_daemons+=("$d")
	done
	until_ok 20 virsh version >/dev/null 2>&1 ||
		bail "libvirtd does not answer on $uri"
fi

# domain NAME VCPUS EXTRA-XML: a TCG domain with the hint channel.
domain() {
	cat <<EOF
<domain type='qemu'>
  <name>vfold-it-$1</name>
  <memory unit='MiB'>$4</memory>
  <vcpu cpuset='0-1'>$2</vcpu>
  $3
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <channel type='unix'>
      <source mode='bind'/>
      <target type='virtio' name='org.vfold.hint.0'/>
    </channel>
    ${5:-}
  </devices>
</domain>
EOF
}

paused_os="<os><type arch='x86_64'>hvm</type></os>"

# json FILE EXPR: EXPR over the last JSON line's "vms" (name -> VM) and
# "j" (the line); exit status 0 if true. Only this test's domains.
json() {
	python3 - "$1" "$2" <<'PY'
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
j = json.loads(lines[-1])
vms = {v["name"][len("vfold-it-"):]: v for v in j["vms"]
       if v["name"].startswith("vfold-it-")}
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)
PY
}

make -C "$top/src" vfold-hintd >"$dir/build.log" 2>&1
check $? "vfold-hintd builds" "$dir/build.log"

# --- (a) two paused domains ---------------------------------------------
domain p1 4 "$paused_os" 128 >"$dir/p1.xml"
domain p2 4 "<cputune><shares>2048</shares></cputune>$paused_os" 128 \
	>"$dir/p2.xml"
virsh create --paused "$dir/p1.xml" >"$dir/p.log" 2>&1 &&
	virsh create --paused "$dir/p2.xml" >>"$dir/p.log" 2>&1
check $? "libvirt starts two paused domains" "$dir/p.log"
hint_p1=$(virsh dumpxml vfold-it-p1 | sed -n \
	"s|.*<source mode='bind' path='\([^']*org.vfold.hint.0\)'/>.*|\1|p")

"$hintd" --libvirt "$uri" --once --json --dry-run --interval-ms 200 \
	>"$dir/1.out" 2>"$dir/1.err"
check $? "--libvirt --once --json --dry-run exits 0" "$dir/1.err"
json "$dir/1.out" '"p1" in vms and "p2" in vms and
	all(vms[n]["backend"] == "libvirt" for n in ("p1", "p2"))'
check $? "it sees domains p1 and p2 through libvirt" "$dir/1.out"
json "$dir/1.out" 'all(vms[n]["vcpus"] == 4 and vms[n]["threads_read"] == 4 and
		      vms[n]["pid"] is None and vms[n]["tids"] is None
		      for n in ("p1", "p2"))'
check $? "4 vCPUs each, all measured by libvirt (no pid, no tids)" "$dir/1.out"
[ -n "$hint_p1" ] && json "$dir/1.out" "vms['p1']['hint_path'] == '$hint_p1'"
check $? "p1's hint socket is the one in its live XML ($hint_p1)" "$dir/1.out"
# libvirt writes <shares> as they are: cpu.shares (v1, default 1024) or
# cpu.weight (v2, default 100).
default_shares=1024
[ -e /sys/fs/cgroup/cgroup.controllers ] && default_shares=100
json "$dir/1.out" "vms['p1']['weight'] == 1 and
		   abs(vms['p2']['weight'] - 2048 / $default_shares) < 1e-9"
check $? "weights from the CPU shares over the default $default_shares" \
	"$dir/1.out"
json "$dir/1.out" 'all(vms[n]["target"] == 4 and not vms[n]["hint_connected"]
		      for n in ("p1", "p2"))'
check $? "paused guests keep all vCPUs; a dry run connects nothing" \
	"$dir/1.out"

# --weight names it: the operator's weight wins over the shares.
"$hintd" --libvirt "$uri" --once --json --dry-run --interval-ms 200 \
	--weight vfold-it-p2=3 >"$dir/1w.out" 2>"$dir/1w.err"
json "$dir/1w.out" 'vms["p2"]["weight"] == 3'
check $? "--weight overrides the CPU shares" "$dir/1w.out"

"$hintd" --libvirt "$uri" --once --json --interval-ms 200 \
	>"$dir/2.out" 2>"$dir/2.err"
check $? "a run with cgroups exits 0" "$dir/2.err"
p1pid=$(cat /run/libvirt/qemu/vfold-it-p1.pid 2>/dev/null)
json "$dir/2.out" 'vms["p1"]["cgroup_state"] == "foreign" and
		   vms["p1"]["cgroup"] == "libvirt"' &&
	! grep -q ':/vfold/' "/proc/$p1pid/cgroup" &&
	grep -q "cgroup: VM vfold-it-p1 left in libvirt's cgroup" "$dir/2.err"
check $? "each QEMU is left in libvirt's cgroup" "$dir/2.err"

# --- (b) the loop: a domain comes and goes ------------------------------
# Intervals of 10 s: a VM found or dropped within 1 s of a change came
# by the event, not by the next scan (a 1 in 10 chance for each, 1 in
# 100 for both).
# doc: vfold-hintd --libvirt qemu:///system
"$hintd" --libvirt "$uri" --json --no-cgroup --interval-ms 10000 \
	>"$dir/3.out" 2>"$dir/3.err" &
hpid=$!
until_ok 10 grep -q 'vm vfold-it-p2: found' "$dir/3.err"
check $? "the loop starts and finds the domains" "$dir/3.err"
python3 - "$dir/3.out" <<'PY'
import json, sys, time
# Connected to both hint sockets in some interval within 15 s.
end = time.time() + 15
while time.time() < end:
    for l in open(sys.argv[1]):
        if not l.strip():
            continue
        vms = {v["name"]: v for v in json.loads(l)["vms"]}
        if all(vms.get(n, {}).get("hint_connected")
               for n in ("vfold-it-p1", "vfold-it-p2")):
            sys.exit(0)
    time.sleep(0.2)
sys.exit(1)
PY
check $? "it connects to both hint sockets" "$dir/3.out"

domain p3 2 "$paused_os" 128 >"$dir/p3.xml"
virsh define "$dir/p3.xml" >"$dir/p3.log" 2>&1
virsh start --paused vfold-it-p3 >>"$dir/p3.log" 2>&1
t0=$(date +%s%N)
until_ok 10 grep -q 'vm vfold-it-p3: found' "$dir/3.err"
found=$?
t1=$(date +%s%N)
check $found "a domain defined and started while it runs is found" "$dir/3.err"
virsh destroy vfold-it-p3 >>"$dir/p3.log" 2>&1
t2=$(date +%s%N)
until_ok 10 grep -q 'vm vfold-it-p3: gone' "$dir/3.err"
gone=$?
t3=$(date +%s%N)
check $gone "and gone once destroyed" "$dir/3.err"
virsh undefine vfold-it-p3 >>"$dir/p3.log" 2>&1
# Both virsh commands return once QEMU is up, or dead: the event is
# sent then.
echo "# found $(((t1 - t0) / 1000000)) ms after 'virsh start' returned," \
	"gone $(((t3 - t2) / 1000000)) ms after 'virsh destroy' returned"
[ "$found" -eq 0 ] && [ "$gone" -eq 0 ] &&
	[ $(((t1 - t0) / 1000000)) -lt 1000 ] &&
	[ $(((t3 - t2) / 1000000)) -lt 1000 ]
check $? "found and gone within 1 s (libvirt's events, not a rescan)" \
	"$dir/3.err"

kill -TERM "$hpid"
until_ok 10 sh -c "! kill -0 $hpid 2>/dev/null"
wait "$hpid"
check $? "the loop exits 0 on SIGTERM" "$dir/3.err"
hpid=
virsh destroy vfold-it-p1 >/dev/null 2>&1
virsh destroy vfold-it-p2 >/dev/null 2>&1

# --- (c) two running guests fold ----------------------------------------
if [ ! -r "$kernel" ] || [ ! -r "$initrd" ]; then
	bail "no $kernel or $initrd (scripts/build-kernel.sh debug, scripts/build-initramfs.sh)"
fi
for g in g1 g2; do
	os="<os><type arch='x86_64'>hvm</type><kernel>$kernel</kernel>
	    <initrd>$initrd</initrd>
	    <cmdline>console=ttyS0 panic=-1 rdinit=/init vfold.agent=verbose vfold.cmd=&quot;/vfold/loop-guest 4 600&quot;</cmdline></os>
	    <on_reboot>destroy</on_reboot>"
	domain "$g" 4 "$os" 512 \
		"<serial type='file'><source path='$dir/$g.console'/></serial>" \
		>"$dir/$g.xml"
	virsh create "$dir/$g.xml" >>"$dir/g.log" 2>&1
done
check $? "libvirt boots two guests on the debug kernel" "$dir/g.log"

"$hintd" --libvirt "$uri" --json --no-cgroup \
	>"$dir/4.out" 2>"$dir/4.err" &
hpid=$!
both_report() {
	grep -q 'vm vfold-it-g1: agent reports' "$dir/4.err" &&
		grep -q 'vm vfold-it-g2: agent reports' "$dir/4.err"
}
until_ok "$BOOT_MAX" both_report
check $? "both agents report over libvirt's channels" "$dir/4.err"

# folded: the last interval's targets and both guests' reports agree.
folded() {
	json "$dir/4.out" 'all(vms[n]["target"] in (1, 2) and
		vms[n]["guest_kept_cpus"] == vms[n]["target"] and
		vms[n]["guest_mode"] == "hint" for n in ("g1", "g2"))'
}
until_ok "$FOLD_MAX" folded
check $? "both fold to their target of 1 or 2 vCPUs, in mode hint" "$dir/4.out"
# Run time over the last 5 intervals, the median (one interval may be
# timed off by a slow libvirtd under this load): both busy, together
# within the 2 host CPUs.
python3 - "$dir/4.out" <<'PY'
import json, statistics, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()][-5:]
def run(j, n):
    return next(v["run"] for v in j["vms"] if v["name"] == "vfold-it-" + n)
g1 = statistics.median(run(j, "g1") for j in lines)
g2 = statistics.median(run(j, "g2") for j in lines)
print("# median run g1 %.2f g2 %.2f CPUs" % (g1, g2))
sys.exit(0 if len(lines) == 5 and g1 > 0.2 and g2 > 0.2 and g1 + g2 < 2.2
         else 1)
PY
check $? "hintd measures their run time (each > 0.2, both < 2.2 CPUs)" \
	"$dir/4.out"
kill -TERM "$hpid"
until_ok 10 sh -c "! kill -0 $hpid 2>/dev/null"
wait "$hpid"
check $? "the loop with the guests exits 0 on SIGTERM" "$dir/4.err"
hpid=
for g in g1 g2; do
	virsh destroy "vfold-it-$g" >/dev/null 2>&1
	"$top/scripts/console-badness.sh" "$dir/$g.console" >"$dir/$g.bad" 2>&1
	check $? "no kernel splat on $g's console" "$dir/$g.bad"
done

tap_end
