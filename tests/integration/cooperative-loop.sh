#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# cooperative-loop.sh - the cooperative loop in real QEMU guests; TAP.
#
# Usage: tests/integration/cooperative-loop.sh
#
# Boots two TCG guests a and b (the debug kernel, 4 vCPUs of 1 thread
# each, 512 MB), their QEMUs confined to 2 host CPUs, each with a QMP
# socket DIR/NAME.qmp and a hint chardev DIR/NAME.hint on the virtio
# serial port org.vfold.hint.0. guest/init sees the port and starts
# vfold-agent -v (vfold.agent=verbose) before guest/loop-guest, which
# adopts that agent and runs 4 busy loops, logging the paravirt mask
# every 250 ms on the console. The host side runs in this order; checks:
#   (a) init started each guest's agent (its own line, the agent older
#       than loop-guest, the pid loop-guest adopted);
#   (b) no hintd yet: this script connects to a's hint socket itself
#       and writes bad lines (not JSON, v 2, 2000 bytes, cpus 0, cpus
#       -2, a NUL byte; 3 of them would fold a to 3 if taken):
#       each is logged with its reason, none acked, a's mask, mode and
#       hint unchanged; a target of cpus 5 (> 4 vCPUs) is acked with
#       ack_error and changes nothing; one valid target (cpus 2, ttl 3 s)
#       is applied and acked; with no target after it, the agent writes
#       mode off back after its ttl and a unfolds;
#   (c) vfold-hintd --qmp-dir DIR --json --no-cgroup starts: it finds
#       both VMs with their QEMUs' pids and 4 vCPU threads;
#   (d) 8 busy vCPUs on 2 CPUs: each guest folds to 1 or 2 kept CPUs
#       (the fair share is 1), keeping exactly the hinted count, in mode
#       hint, within FOLD_WITHIN on its clock of hintd's start;
#       both within 2 of hintd's intervals of both agents' reporting,
#       hintd's lowering their targets within 1 interval of that
#       (FOLD_INTERVALS, and FOLD_MS on the host's clock: the measured
#       value and the tolerance are below), seen in hintd's JSON;
#   (e) hintd gets each guest's report every interval (demand, no bad
#       message); its JSON shows every interval's target acked without
#       error, with the mask, kept == target, mode hint; ttl 10 s;
#   (f) guest b goes idle (loop-guest -i): within IDLE_INTERVALS of
#       the first report of b's in hintd's JSON with a demand under 2
#       (4 before), busy a gets target 2 (both host CPUs' worth) and
#       keeps 2 CPUs (hintd's JSON and a's console); b stays at 1;
#   (g) guest a's agent is SIGKILLed while hintd runs: a unfolds when
#       its hint lapses (ttl), b stays folded; a's new agent folds a
#       again, applying only the newest of the targets that waited;
#   (h) hintd is SIGKILLed: both guests stay folded until about ttl,
#       then their agents write mode off back, both unfold for good;
#   (i) vfold-hintd --once --weight a=2 with cgroups (the looping hintd
#       ran without: cgroup v1 weights skew the guests' speeds here):
#       each QEMU, every thread, in cpu cgroup /vfold/NAME with weight
#       x 1024 as cpu.shares (v1) or x 100 as cpu.weight (v2), as
#       cgroup.c maps it; left there when hintd exits (docs/hintd.md);
#   (j) both guests end cleanly (loop-guest exits 0, the agent stopped
#       on SIGTERM with 0, no kernel splat: run-vm.sh exits 0); another
#       hintd --once then removes the cgroups of the VMs, now gone.
# hintd's ttl_ms is its default at --interval-ms 1000: 10 s (TTL).
# Guest deadlines are measured on the guest's clock (the t= of its
# console lines) from a guest event, or from the last line the guest
# had printed when the host acted; hintd's on the host's, from the
# arrival of its JSON lines (each stored with the time it came, in us).
#
# Needs build/initramfs.cpio.gz from scripts/build-initramfs.sh (the
# agent-starting guest/init, /vfold/loop-guest and the agent), the debug
# kernel, qemu-system-x86_64, python3 and at least 2 host CPUs; builds
# vfold-hintd. Environment: VFOLD_KERNEL, VFOLD_INITRD override the
# kernel and initramfs; VFOLD_KEEP=1 keeps the work directory (it is
# kept anyway on a failure). Runs in about 95 s (both guests boot in
# ~15 s, then run SECONDS_RUN). On exit, interrupted or not, hintd and
# the QEMUs are killed and the (empty) cgroups removed; if this script
# itself is SIGKILLed, hintd dies with it (pdeathsig) and each guest
# powers off after SECONDS_RUN, or run-vm.sh kills it at its --timeout.
#
# Exit codes: 0 every check passed, 1 a check failed, 2 cannot run
# (missing kernel, initramfs without loop-guest or the agent-starting
# init, fewer than 2 CPUs, a cgroup /vfold/a or /vfold/b already there).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/integration/lib/tap.sh
. "$top/tests/integration/lib/tap.sh"
hintd=$top/src/vfold-hintd/vfold-hintd
kernel=${VFOLD_KERNEL:-$top/build/kernel-debug/arch/x86/boot/bzImage}
initrd=${VFOLD_INITRD:-$top/build/initramfs.cpio.gz}

TTL=10          # s, hintd's ttl_ms at --interval-ms 1000 (see above)
FOLD_WITHIN=10  # s on the guest's clock from hintd's start to a fold
# hintd intervals from its first line in which both agents have reported
# to its first in which both report their target kept: hintd's first
# decision comes before any report, and a target falls only on the 3rd
# (--lower-after 3); the folded guests' reports come in the interval
# after that. 2 when both reports are in hintd's 2nd line, 1 when one
# comes in its 3rd. hintd's own part, the first line that sends both a
# target below 4, is at most 1 line after the first with both reports
# (LOWER_WITHIN).
FOLD_INTERVALS=2
LOWER_WITHIN=1
# The same on the host's clock (the lines' arrival): 2 x 1000 ms, plus
# 500 ms for hintd's intervals running late on a loaded host. Measured
# in 7 runs, 2 of them with stress-ng --cpu 1 on the host: 1995..2000
# ms (2 intervals), once 999 ms (1).
FOLD_MS=2500
FOLD_MEASURED_MS="999..2000"
# hintd intervals from b's first idle report to a's report of 2 kept
# CPUs: 1 or 2 (a partly idle interval's report may still ask too much),
# and 1 for a late report.
IDLE_INTERVALS=3
LAPSE_SLACK=5   # s after the TTL for the kernel to notice and unfold
PORT_TTL=3      # s, the ttl of the valid target of (b) (port.py's TTL)
IDLE_AT=26      # s after loop-guest's start: b's busy loops stop
KILL_AT=32      # s: guest a's agent SIGKILLed
RESTART_AT=46   # s: a new agent in guest a (a unfolded at ~KILL_AT+TTL+1)
HINTD_KILL=4    # s after a refolded (on a's clock): hintd SIGKILLed
CGROUP_AT=3     # s after both unfolded for good: hintd --once, cgroups
# Each guest runs long enough for hintd's kill (at about RESTART_AT + 2 +
# HINTD_KILL on a's clock), the lapse, a few s of staying unfolded and
# the cgroup check, with 8 s for b's clock being ahead of a's (it may
# boot first).
SECONDS_RUN=$((RESTART_AT + 2 + HINTD_KILL + TTL + LAPSE_SLACK + CGROUP_AT + 3 + 8))
BOOT_MAX=90     # s from QEMU's start to loop-guest's first line

dir=$(mktemp -d /tmp/coop-loop.XXXXXX)
declare -A runpid=() qpid=()
hintd_pid=
pdeath=
if setpriv --pdeathsig KILL true 2>/dev/null; then
	pdeath="setpriv --pdeathsig KILL"
fi
# The cpu cgroup hierarchy hintd uses (cgroup.c): v2 where the root has
# cgroup.controllers, else v1's cpu mount; set before the boot. cg_made:
# hintd may have made them (cleanup removes them if empty).
cg_base=
cg_made=0

# Stops what runs, by pid: hintd, then run-vm.sh (its own trap kills its
# QEMU), then any QEMU still there (run-vm.sh killed too hard); removes
# the cgroups hintd made for our VMs (empty once the QEMUs are dead).
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	local rc=$? name pid
	set +e
	[ -z "$hintd_pid" ] || { kill -KILL "$hintd_pid" && wait "$hintd_pid"; } 2>/dev/null
	for name in "${!runpid[@]}"; do
		kill -TERM "${runpid[$name]}" 2>/dev/null
	done
	for name in "${!runpid[@]}"; do
		wait "${runpid[$name]}" 2>/dev/null
	done
	for name in a b; do
		pid=$(cat "$dir/$name.pid" 2>/dev/null) || continue
		# Only our QEMU: its command line names our directory.
		if grep -qa "$dir/$name.qmp" "/proc/$pid/cmdline" 2>/dev/null; then
			kill -KILL "$pid" 2>/dev/null
		fi
	done
	if [ "$cg_made" = 1 ]; then
		sleep 0.2
		rmdir "$cg_base/a" "$cg_base/b" 2>/dev/null
		rmdir "$cg_base" 2>/dev/null
	fi
	if [ "$rc" -eq 0 ] && [ "${VFOLD_KEEP:-0}" != 1 ]; then
		rm -rf "$dir"
	else
		echo "# logs kept in $dir" >&2
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

bail() {
	echo "Bail out! $*"
	exit 2
}

# ok_if COMMAND...: the status of COMMAND, without set -e stopping here.
ok_if() {
	if "$@"; then echo 0; else echo 1; fi
}

# The log analysis, in Python: the guests' console logs and hintd's JSON.
cat >"$dir/coop.py" <<'PY'
import json, re, sys

def cpulist_count(s):
    n = 0
    for part in filter(None, s.split(",")):
        rng, _, stride = part.partition(":")
        a, _, b = rng.partition("-")
        n += len(range(int(a), int(b or a) + 1, int(stride or 1)))
    return n

STATUS = re.compile(r"vfold-loop: t=(\d+) mask=(\S*) mode=(\S*) hint=(\S*)")

def lines_of(path, offset=0):
    """The console's lines from byte OFFSET on."""
    with open(path, "rb") as f:
        f.seek(int(offset))
        return f.read().decode(errors="replace").splitlines()

def status(line, nr_cpus=4):
    """(t, kept, mask, mode, hint) of a loop-guest status line, or None."""
    m = STATUS.search(line)
    if not m:
        return None
    t, mask, mode, hint = m.groups()
    return (int(t), nr_cpus - cpulist_count(mask), mask, mode, hint)

def console(path, offset=0):
    """loop-guest's status lines: (t, kept, mask, mode, hint)."""
    return [s for s in map(status, lines_of(path, offset)) if s]

def fmt(s):
    return "t=%d kept=%d mask=%s mode=%s hint=%s" % (s[0], s[1], s[2] or '""',
                                                     s[3], s[4])

def hintd_lines(path):
    """hintd's JSON lines as (arrival ms on the host's clock, object)."""
    out = []
    for l in open(path):
        ts, _, js = l.partition(" ")
        try:
            out.append((int(ts) / 1000.0, json.loads(js)))
        except ValueError:
            pass            # the line being written
    return out

def vm(j, name):
    return next((v for v in j["vms"] if v["name"] == name), None)

def cmd_port(args):
    """port.py's OUT, a's console from OFFSET on, PART: (b). Agent lines
    reach the console through init's prefixing pipe, later than
    loop-guest's status lines may: only the status lines' own order and
    times and the agent lines' order among themselves are used."""
    res = json.load(open(args[0]))
    lines = lines_of(args[1], args[2])
    part = args[3]
    reps = res["reports"]
    ok = True
    print("sent:", ", ".join("%s at %d ms" % (s["name"], s["t"])
                             for s in res["sent"]))
    for r in reps:
        print("report at %d ms: %s" % (r.pop("_t"), json.dumps(r)))
    for u in res["unparsed"]:
        print("not a report:", u)
    if len(res["sent"]) < 8:
        print("FAIL: not all lines sent (no report came?)")
        return 1
    ack16 = next((i for i, r in enumerate(reps) if r.get("ack") == 16), None)
    ack17 = next((i for i, r in enumerate(reps) if r.get("ack") == 17), None)
    agent = [l.strip() for l in lines if "vfold-agent:" in l and
             "report" not in l]
    st = [s for s in map(status, lines) if s]
    # The valid target's fold: the first status line unlike the first.
    chg = next((i for i, s in enumerate(st) if st and s[1:] != st[0][1:]),
               None)
    # The kernel folds a little after the agent's writes, so the first
    # change may still show 4 kept: the fold is the first line at 2.
    fold = None if chg is None else next(
        (i for i in range(chg, len(st)) if st[i][1] == 2 and st[i][3] == "hint"),
        None)
    unfolded = lambda r: (r["mode"] == "off" and r["mask"] == "" and
                          r["kept_cpus"] == 4)
    if part == "bad":
        # The reports before the valid target's ack: the guest as at
        # the start (mode off: no bad line engaged the governor), no ack
        # but the cpus 5 target's. ack16 is sent after all bad lines
        # were read: the stream is in order.
        for r in reps[:ack17]:
            if not unfolded(r) or r.get("ack", 16) != 16:
                print("FAIL: a report before the valid target's ack:", r)
                ok = False
        if ack16 is None or len(reps[:ack16]) < 2:
            print("FAIL: no ack of the cpus 5 target, or not 2 reports "
                  "before it")
            ok = False
        want = [r"not JSON", r"version 2, not 1", r"line longer than 1024",
                r"cpus 0 not in 1\.\.", r'"cpus" out of range', r"NUL byte"]
        got = [l for l in agent
               if re.search(r"vfold-agent: bad message #\d+ ignored", l)]
        for l in got:
            print("agent:", l)
        if len(got) != len(want) or not all(
                re.search(w, g) for w, g in zip(want, got)):
            print("FAIL: want %d rejections, in order: %s" %
                  (len(want), " / ".join(want)))
            ok = False
        # The console: the status as at the start until it changes, to
        # the valid target's 2 (never to the bad lines' 3).
        if not st or chg is None:
            print("FAIL: no status line, or no change")
            return 1
        print("status at the start: %s, %d lines so; then %s" %
              (fmt(st[0]), chg, fmt(st[chg])))
        if st[0][1] != 4 or chg < 4:
            print("FAIL: not unfolded at the start, or under 4 such lines")
            ok = False
        # A status line may fall between the agent's writes (hint, then
        # mode) and the kernel's fold: hint 2 in mode off, or 4 still kept.
        if st[chg][4] != "2" or st[chg][1] not in (2, 4):
            print("FAIL: the first change is not the valid target's")
            ok = False
        if not any(s[1] == 2 and s[4] == "2" for s in st[chg:]):
            print("FAIL: the valid target's 2 CPUs never kept")
            ok = False
        # The hint file: 3 only if the agent wrote a bad line's count
        # (kept may pass 3 on the way from 2 to 4).
        three = [s for s in st if s[4] == "3"]
        if three:
            print("FAIL: a bad line's hint 3:", fmt(three[0]))
            ok = False
    elif part == "acks":
        if ack16 is None:
            print("FAIL: no report acks the cpus 5 target (seq 16)")
            return 1
        r = reps[ack16]
        if not re.fullmatch(r"cpus 5 not in 1\.\.4 online CPUs",
                            r.get("ack_error", "")) or not unfolded(r):
            print("FAIL: its ack:", r)
            ok = False
        # Nothing changed by it: the reports after its ack, before the
        # valid target's (port.py waits for one).
        between = reps[ack16 + 1:ack17]
        if not between or not all(unfolded(r) and r.get("ack") == 16
                                   for r in between):
            print("FAIL: no report between the acks, or one not as before")
            ok = False
        rej = [l for l in agent if "target 16 rejected, nothing changed" in l]
        app = [l for l in agent if re.search(
            r"target 17: keep 2 CPUs, hint lapses after %d ms" % res["ttl"], l)]
        print("agent:", rej[0] if rej else "FAIL: no \"target 16 rejected\"")
        print("agent:", app[0] if app else "FAIL: no \"target 17: keep 2\"")
        ok = ok and bool(rej and app) and agent.index(rej[0]) < agent.index(app[0])
        if ack17 is None:
            print("FAIL: no report acks the valid target (seq 17)")
            return 1
        r = reps[ack17]
        if r.get("ack_error") != "":
            print("FAIL: the valid target acked with an error:", r)
            ok = False
        if not any(r.get("ack") == 17 and r["kept_cpus"] == 2 and
                   cpulist_count(r["mask"]) == 2 and r["mode"] == "hint"
                   for r in reps[ack17:]):
            print("FAIL: no report acking it shows 2 kept CPUs in mode hint")
            ok = False
        print("console: %s" % (fmt(st[fold]) if fold is not None else
                               "FAIL: no fold to 2"))
        # The governor's first interval after the mode switch only
        # samples: allow it 1.5 s on the guest's clock to fold.
        ok = ok and fold is not None and st[fold][4] == "2" and \
            st[fold][0] - st[chg][0] <= 1500
    elif part == "release":
        rel = [l for l in agent if re.search(
            r"vfold-agent: no target for %d ms .*: governor mode off restored"
            % res["ttl"], l)]
        if not rel or fold is None:
            print("FAIL: no \"governor mode off restored\", or no fold")
            return 1
        print("agent:", rel[0])
        applied = st[chg][0]
        rest = st[fold:]
        # Folded at 2 in mode hint until the mode is off, then unfolded
        # (kept may pass 3 on the way).
        off = next((i for i, s in enumerate(rest) if s[3] != "hint"),
                   len(rest))
        unf = next((s for s in rest[off:] if s[1] == 4), None)
        if not unf or any(s[3] != "off" for s in rest[off:]):
            print("FAIL: not unfolded in mode off after it: %s" %
                  ", ".join(map(fmt, rest[off:off + 3])))
            return 1
        if any(s[1] != 2 for s in rest[:off]):
            print("FAIL: not at 2 kept CPUs all the while in mode hint")
            ok = False
        delay = unf[0] - applied
        print("folded at %s, unfolded at %s: %.1f s" %
              (fmt(st[chg]), fmt(unf), delay / 1000))
        # The fold shows a little after the agent's write, the unfold
        # up to a status line (250 ms) after the restore.
        if not (res["ttl"] - 700 <= delay <= res["ttl"] + 2000):
            print("FAIL: not within %d..%d ms" % (res["ttl"] - 700,
                                                  res["ttl"] + 2000))
            ok = False
        print("delay %d" % delay)
    return 0 if ok else 1

def cmd_fold_after(args):
    """LOG OFFSET: the t of the first status line from OFFSET on (written
    after hintd started), and of the first folded line after it: T0 T
    KEPT HINT MODE."""
    st = console(args[0], args[1])
    if not st:
        return 1
    fold = next((s for s in st if s[1] < 4), None)
    if not fold:
        print(st[0][0])
        return 1
    print(st[0][0], fold[0], fold[1], fold[4], fold[3])
    return 0

def cmd_fold_timing(args):
    """JSON: (d) from the first line in which both agents have reported to
    the first in which both keep their target (< 4) in mode hint."""
    hl = hintd_lines(args[0])
    def both(j, pred):
        vs = [vm(j, n) for n in ("a", "b")]
        return all(v is not None and pred(v) for v in vs)
    l0 = next((i for i, (_, j) in enumerate(hl)
               if both(j, lambda v: v["guest_report_age"] is not None)), None)
    if l0 is None:
        print("no line with reports of both agents")
        return 1
    def kept(v):
        return (v["target"] < 4 and v["guest_kept_cpus"] == v["target"] and
                v["guest_mode"] == "hint")
    lf = next((i for i in range(l0, len(hl)) if both(hl[i][1], kept)), None)
    # hintd's own part: the line that first sends both a fold (at lf at
    # the latest).
    lt = next((i for i in range(l0, len(hl)) if both(
        hl[i][1], lambda v: v["target"] < 4)), None)
    for i in range(max(0, l0 - 1), min(len(hl), (lf or l0 + 4) + 1)):
        print("line %d, +%d ms: %s" % (i + 1, hl[i][0] - hl[l0][0], " ".join(
            "%s: target %s kept %s mask %s mode %s age %s" % (
                v["name"], v["target"], v["guest_kept_cpus"],
                v["guest_mask"], v["guest_mode"], v["guest_report_age"])
            for v in hl[i][1]["vms"])))
    if lf is None:
        print("intervals none")
        return 1
    print("intervals %d ms %d lowered %d" % (
        lf - l0, hl[lf][0] - hl[l0][0], lt - l0))
    return 0

def cmd_hintd_found(args):
    """JSON PID-A PID-B: the last line."""
    hl = hintd_lines(args[0])
    if not hl:
        return 1
    j = hl[-1][1]
    vms = {v["name"]: v for v in j["vms"]}
    pids = {"a": int(args[1]), "b": int(args[2])}
    ok = sorted(vms) == ["a", "b"] and all(
        vms[k]["pid"] == pids[k] and vms[k]["vcpus"] == 4 and
        len(set(vms[k]["tids"])) == 4 and vms[k]["threads_read"] == 4
        for k in pids)
    if not ok:
        print(json.dumps(j))
    return 0 if ok else 1

def window(hl):
    """6 lines from 2 after the first with reports from both guests."""
    first = next((i for i, (_, j) in enumerate(hl)
                  if sum(v["reports"] > 0 for v in j["vms"]) == 2), None)
    if first is None:
        return None, "no line with reports from both guests"
    return ([j for _, j in hl[first + 2:first + 8]],
            "hintd lines %d to %d of %d" % (first + 3, first + 8, len(hl)))

def cmd_hintd_reports(args):
    """JSON: (e) reports each interval, with a busy guest's demand."""
    lines, what = window(hintd_lines(args[0]))
    print(what)
    if lines is None:
        return 1
    ok = len(lines) == 6
    for name in ("a", "b"):
        vs = [vm(j, name) for j in lines if vm(j, name)]
        if len(vs) < 5:
            print("vm %s in %d lines only" % (name, len(vs)))
            ok = False
            continue
        reps = [v["reports"] for v in vs]
        new = reps[-1] - reps[0]
        print("vm %s: %d reports over %d intervals, guest demand %s, "
              "bad messages %d" % (name, new, len(vs) - 1,
                                   vs[-1]["guest_demand"],
                                   vs[-1]["bad_messages"]))
        # A report each agent interval (1 s) and one per target.
        ok = ok and new >= len(vs) - 1 and reps == sorted(reps)
        ok = ok and all(v["bad_messages"] == 0 for v in vs)
        # Busy: 4 loops, so the guest wants more than it keeps.
        ok = ok and all(v["guest_demand"] is not None and
                        v["guest_demand"] > 2 for v in vs[1:])
    return 0 if ok else 1

def cmd_hintd_acks(args):
    """JSON: (e) each interval's target acked, without error, the guest
    keeping it, with its mask, in mode hint (the report of the interval
    after the target's)."""
    lines, what = window(hintd_lines(args[0]))
    print(what)
    if lines is None:
        return 1
    ok = len(lines) == 6
    for name in ("a", "b"):
        vs = [vm(j, name) for j in lines if vm(j, name)]
        acks = [v["guest_ack"] for v in vs]
        print("vm %s: acks %s, errors %s, kept %s, targets %s, masks %s, "
              "modes %s" % (name, acks, sorted({v["guest_ack_error"]
                                                 for v in vs}, key=str),
                            [v["guest_kept_cpus"] for v in vs],
                            [v["target"] for v in vs],
                            sorted({v["guest_mask"] for v in vs}, key=str),
                            sorted({v["guest_mode"] for v in vs}, key=str)))
        ok = ok and len(vs) == 6 and all(a is not None for a in acks)
        # A new target acked every interval: acks rise (mod 2^32).
        ok = ok and all(0 < (y - x) % 2**32 < 2**31
                        for x, y in zip(acks, acks[1:]))
        ok = ok and all(v["guest_ack_error"] == "" and
                        v["guest_mode"] == "hint" and v["guest_mask"] and
                        v["guest_kept_cpus"] == 4 - cpulist_count(v["guest_mask"])
                        for v in vs)
        ok = ok and all(v["guest_kept_cpus"] == p["target"]
                        for p, v in zip(vs, vs[1:]))
    return 0 if ok else 1

def cmd_idle(args):
    """JSON A-LOG IDLE-T: (f) from hintd's first line with b's reported
    demand under 2 (after over 3) to a's target 2 and a's report of 2 kept
    CPUs; a's console from IDLE-T (a's clock) on."""
    hl = hintd_lines(args[0])
    busy = None
    li = None
    # Folded to 1, b's vCPUs use 1 CPU, busy or not: hintd sees b idle
    # in its agent's report (4 loops: a demand of 4).
    for i, (_, j) in enumerate(hl):
        b = vm(j, "b")
        if not b or b["guest_demand"] is None:
            continue
        if b["guest_demand"] > 3:
            busy = i
        elif busy is not None and b["guest_demand"] < 2:
            li = i
            break
    if li is None:
        print("FAIL: hintd never saw b's demand fall from over 3 to under 2")
        return 1
    lt = next((i for i in range(li, len(hl)) if vm(hl[i][1], "a")["target"] == 2),
              None)
    la = next((i for i in range(li, len(hl))
               if vm(hl[i][1], "a")["guest_kept_cpus"] == 2 and
               vm(hl[i][1], "a")["guest_mode"] == "hint"), None)
    for i in range(max(0, li - 1), min(len(hl), (la or li + 6) + 2)):
        a, b = vm(hl[i][1], "a"), vm(hl[i][1], "b")
        print("line %d: b run+wait %.2f demand %s target %s kept %s | a "
              "target %s kept %s mask %s" % (
                  i + 1, b["run"] + b["wait"], b["guest_demand"], b["target"],
                  b["guest_kept_cpus"], a["target"], a["guest_kept_cpus"],
                  a["guest_mask"]))
    ok = True
    if lt is None or la is None:
        print("FAIL: a never got target 2 and kept 2 CPUs")
        print("intervals none")
        return 1
    print("b idle at line %d, a target 2 at line %d, a keeps 2 at line %d" %
          (li + 1, lt + 1, la + 1))
    # b is idle but hinted still: folded, at its target.
    b = vm(hl[la][1], "b")
    if not (b["target"] == 1 and b["guest_kept_cpus"] == 1):
        print("FAIL: b not at target 1, kept 1")
        ok = False
    # a's console: 2 kept, hint 2, mode hint after b's idle.
    st = [s for s in console(args[1]) if s[0] >= int(args[2])]
    hit = next((s for s in st if s[1] == 2 and s[4] == "2" and s[3] == "hint"),
               None)
    print("a's console after b went idle: %s" %
          (fmt(hit) if hit else "FAIL: no kept=2 hint=2 mode=hint line"))
    print("intervals %d" % (la - li))
    return 0 if ok and hit else 1

def cmd_ttl(args):
    """LOG OFFSET TTL-MS: the agent's targets from OFFSET all of ttl."""
    bad = n = 0
    for l in lines_of(args[0], args[1]):
        m = re.search(r"vfold-agent: target \d+: .* after (\d+) ms", l)
        if m:
            n += 1
            if m.group(1) != args[2]:
                bad += 1
                print("a ttl other than %s ms: %s" % (args[2], l.strip()))
    print("%d targets applied with ttl %s ms" % (n - bad, args[2]))
    return 0 if n and not bad else 1

def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "first-folded":       # LOG AFTER: t kept hint of the first
        st = console(args[0])       # line after AFTER with kept < 4
        for s in st:
            if s[0] > int(args[1]) and s[1] < 4:
                print(s[0], s[1], s[4], s[3])
                return 0
        return 1
    elif cmd == "folded-from-to":   # LOG T1 T2: every line in [T1, T2]
        st = console(args[0])       # folded, and some line at or after T2
        span = [s for s in st if int(args[1]) <= s[0] <= int(args[2])]
        bad = [s for s in span if s[1] == 4]
        for s in bad[:5]:
            print("unfolded at", fmt(s))
        if not span:
            print("no line between t=%s and t=%s" % (args[1], args[2]))
        if not any(s[0] >= int(args[2]) for s in st):
            print("the log ends before t=%s" % args[2])
            return 1
        return 0 if span and not bad else 1
    elif cmd == "lapse":            # LOG T END LIMIT HOLD [REGEX...]: the
        st = console(args[0])       # hint lapsing after an event at t=T;
        t, end, limit, hold = map(int, args[1:5])   # lines to END (0: all)
        if end:
            st = [s for s in st if s[0] < end]
        ok = True
        before = [s for s in st if s[0] <= t]
        print("at the event, t=%d: %s" % (t, fmt(before[-1]) if before
                                          else "no line yet"))
        if not before or before[-1][1] == 4:
            print("FAIL: not folded when it happened")
            ok = False
        after = [s for s in st if s[0] > t]
        unf = next((s for s in after if s[1] == 4), None)
        if not unf:
            print("FAIL: still folded at the end: %s" %
                  (fmt(after[-1]) if after else "no line after the event"))
            print("delay none")
            return 1
        delay = unf[0] - t
        print("first unfolded line: %s" % fmt(unf))
        # The hint was written at most an interval before the event, so
        # it cannot lapse before HOLD.
        early = [s for s in after if s[0] <= t + hold and s[1] == 4]
        if early:
            print("FAIL: unfolded %.1f s after it, before %.1f s: the hint "
                  "did not hold" % ((early[0][0] - t) / 1000, hold / 1000))
            ok = False
        if delay > limit:
            print("FAIL: unfolded %.1f s after it, limit %.1f s" %
                  (delay / 1000, limit / 1000))
            ok = False
        # Unfolded for good: every later line, and at least 2 s of them.
        rest = [s for s in after if s[0] >= unf[0]]
        refold = [s for s in rest if s[1] != 4]
        if refold:
            print("FAIL: folded again: %s" % fmt(refold[0]))
            ok = False
        if rest[-1][0] - unf[0] < 2000:
            print("FAIL: the log ends %.1f s after the unfold, not 2 s" %
                  ((rest[-1][0] - unf[0]) / 1000))
            ok = False
        lines = lines_of(args[0])
        # From the line of the last status line before the event on.
        idx = max(i for i, l in enumerate(lines)
                  if STATUS.search(l) and
                  int(STATUS.search(l).group(1)) <= t) if before else 0
        for rx in args[5:]:
            hit = next((l for l in lines[idx:] if re.search(rx, l)), None)
            print("after it: %s" % (hit.strip() if hit else
                                    "FAIL: no line matching " + rx))
            ok = ok and hit is not None
        print("delay %d" % delay)
        return 0 if ok else 1
    elif cmd == "handled":          # LOG MARKER SPAN: the targets the agent
        t = None                    # handled from MARKER's line to SPAN ms
        n = 0                       # after its t, and whether older ones
        skipped = 0                 # were read with the first and skipped
        with open(args[0], errors="replace") as f:
            for line in f:
                if t is None:
                    m = re.search(re.escape(args[1]) + r" t=(\d+)", line)
                    if m:
                        t = int(m.group(1))
                    continue
                m = STATUS.search(line)
                if m and int(m.group(1)) >= t + int(args[2]):
                    break
                if re.search(r"vfold-agent: target \d+[: ]", line):
                    n += 1          # applied, renewed or rejected
                m = re.search(r"vfold-agent: (\d+) older targets read with", line)
                if m:
                    skipped += int(m.group(1))
                if "vfold-agent:" in line and "report" not in line:
                    print(line.strip())
        print("handled %d skipped %d" % (n, skipped))
        return 0 if t is not None else 1
    elif cmd == "window":           # LOG T1 T2: the status lines between
        st = console(args[0])
        for s in st:
            if int(args[1]) <= s[0] <= int(args[2]):
                print(fmt(s))
    elif cmd == "status-after":     # LOG OFFSET: the first status line's t
        st = console(args[0], args[1])
        if not st:
            return 1
        print(st[0][0])
    else:
        fn = {"port": cmd_port, "fold-after": cmd_fold_after,
              "fold-timing": cmd_fold_timing, "hintd-found": cmd_hintd_found,
              "hintd-reports": cmd_hintd_reports,
              "hintd-acks": cmd_hintd_acks, "idle": cmd_idle,
              "ttl": cmd_ttl}.get(cmd)
        if not fn:
            raise SystemExit("coop.py: unknown command " + cmd)
        return fn(args)
    return 0

sys.exit(main())
PY

# The bad host of (b), in Python: connects to a's hint socket itself.
cat >"$dir/port.py" <<'PY'
# port.py SOCKET OUT: plays a bad host on a guest's hint socket (no hintd
# connected): waits for the agent's first report, writes malformed lines,
# a target with cpus above the guest's vCPUs and one valid target, reads
# the reports back; writes what it sent and got to OUT as JSON.
import json, socket, sys, time

VCPUS = 4
TTL = 3000
path, out = sys.argv[1], sys.argv[2]
t0 = time.monotonic()
sent, reports, raw = [], [], []
buf = b""

def ms():
    return int((time.monotonic() - t0) * 1000)

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
s.settimeout(0.05)

def pump(seconds, want=None):
    """Reads reports for SECONDS; returns the first new one WANT likes."""
    global buf
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            data = s.recv(65536)
        except socket.timeout:
            continue
        if not data:
            raw.append("EOF at %d ms" % ms())
            return None
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            try:
                r = json.loads(line)
            except ValueError:
                raw.append(line.decode(errors="replace"))
                continue
            r["_t"] = ms()
            reports.append(r)
            if want and want(r):
                return r
    return None

def send(name, data):
    s.sendall(data)
    sent.append({"name": name, "t": ms(), "len": len(data)})

def target(seq, cpus, **extra):
    m = {"v": 1, "seq": seq, "type": "target", "cpus": cpus, "ttl_ms": TTL}
    m.update(extra)
    return m

def line(m):
    return json.dumps(m, separators=(",", ":")).encode() + b"\n"

first = pump(8, lambda r: True)
# Each bad line that names a count would fold the guest to 3 CPUs if the
# agent took it (the valid target: 2, told apart on the console).
long = target(12, 3, pad="")
long["pad"] = "x" * (2000 - len(line(long)))
bad = [
    ("not JSON", b"hello agent, fold please\n"),
    ("wrong v", line(dict(target(11, 3), v=2))),
    ("over-long (%d bytes)" % len(line(long)), line(long)),
    ("cpus 0", line(target(13, 0))),
    ("negative cpus", line(target(14, -2))),
    ("a NUL byte", line(target(15, 3))[:-2] + b"\0}\n"),
]
if first:
    for name, data in bad:
        send(name, data)
        pump(0.4)
    pump(0.6)
    send("cpus %d" % (VCPUS + 1), line(target(16, VCPUS + 1)))
    # And a report after its ack, before the valid target.
    if pump(6, lambda r: r.get("ack") == 16):
        pump(3, lambda r: True)
    send("valid", line(target(17, 2)))
    if pump(6, lambda r: r.get("ack") == 17):
        pump(4, lambda r: r.get("ack") == 17 and r.get("kept_cpus") == 2)
s.close()
json.dump({"sent": sent, "reports": reports, "unparsed": raw, "ttl": TTL,
           "vcpus": VCPUS}, open(out, "w"), indent=1)
PY
py() {
	python3 "$dir/coop.py" "$@"
}

# --- Can it run at all? ----------------------------------------------
echo "TAP version 13"
echo "1..23"
[ -r "$kernel" ] || bail "no kernel $kernel (scripts/build-kernel.sh debug)"
[ -r "$initrd" ] || bail "no initramfs $initrd (scripts/build-initramfs.sh)"
# A newc member's name ends with a NUL. Not cpio -t: it stops at the
# first archive, and an initramfs may be several, concatenated. The
# init must be one that starts the agent.
if ! python3 -c 'import gzip, sys
data = gzip.open(sys.argv[1]).read()
sys.exit(0 if b"vfold/loop-guest\0" in data and b"vfold/bin/vfold-agent\0" in data
         and b"agent started t=" in data and b"agent_from=" in data else 1)' "$initrd" 2>/dev/null; then
	bail "$initrd has no /vfold/loop-guest, vfold-agent or agent-starting init: rebuild it (scripts/build-initramfs.sh)"
fi
# The two host CPUs: the first two this script may use.
host_cpus=$(python3 -c 'import os
c = sorted(os.sched_getaffinity(0))
print(",".join(map(str, c[:2])) if len(c) >= 2 else "")')
[ -n "$host_cpus" ] || bail "needs 2 host CPUs"
make -s -C "$top/src" vfold-hintd >"$dir/build.log" 2>&1 ||
	bail "vfold-hintd does not build: $(tail -3 "$dir/build.log")"
# hintd's cgroup hierarchy, as cgroup.c finds it. cgroups named after
# our VMs must not hold tasks: they would be someone else's.
if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
	cg_base=/sys/fs/cgroup/vfold cg_file=cpu.weight cg_unit=100
else
	cg_base=/sys/fs/cgroup/cpu/vfold cg_file=cpu.shares cg_unit=1024
fi
# An empty one is a leftover (a killed demo or benchmark): removed.
rmdir "$cg_base/a" "$cg_base/b" 2>/dev/null || true
if [ -e "$cg_base/a" ] || [ -e "$cg_base/b" ]; then
	bail "$cg_base/a or /b holds tasks: another vfold-hintd's VMs a and b?"
fi

# --- Boot --------------------------------------------------------------
# boot NAME GUEST-ARGS...: run-vm.sh in the background, every QEMU
# thread on the two host CPUs (taskset is inherited). init starts the
# agent, verbose.
boot() {
	local name=$1
	shift
	taskset -c "$host_cpus" "$top/scripts/run-vm.sh" --quiet \
		--kernel "$kernel" --initrd "$initrd" \
		--cpus 4 --threads 1 --mem 512 \
		--timeout $((BOOT_MAX + SECONDS_RUN + 60)) \
		--log "$dir/$name.log" --append vfold.agent=verbose \
		--qemu-arg -pidfile --qemu-arg "$dir/$name.pid" \
		--qemu-arg -qmp --qemu-arg "unix:$dir/$name.qmp,server=on,wait=off" \
		--qemu-arg -chardev \
		--qemu-arg "socket,id=hint,path=$dir/$name.hint,server=on,wait=off" \
		--qemu-arg -device \
		--qemu-arg "virtserialport,chardev=hint,name=org.vfold.hint.0" \
		-- /vfold/loop-guest "$@" >"$dir/$name.run" 2>&1 &
	runpid[$name]=$!
}

# stamp: each line of stdin with the time it came (us since the epoch).
stamp() {
	local l
	while IFS= read -r l; do
		echo "${EPOCHREALTIME//[.,]/} $l"
	done
}

start_hintd() {
	$pdeath "$hintd" --qmp-dir "$dir" --json --no-cgroup \
		--interval-ms 1000 2>"$dir/$1.err" > >(stamp >"$dir/$1.json") &
	hintd_pid=$!
}

boot a -k "$KILL_AT" -r "$RESTART_AT" 4 "$SECONDS_RUN"
boot b -i "$IDLE_AT" 4 "$SECONDS_RUN"
t0=$SECONDS

# sec MS: MS as seconds with one decimal.
sec() {
	local ms=$1 sign=
	[ "$ms" -ge 0 ] || { sign=-; ms=$((-ms)); }
	echo "$sign$((ms / 1000)).$((ms % 1000 / 100))"
}

# The polling below is grep and awk, not python: with 8 vCPUs busy on 2
# CPUs, a python run takes about a second, and the host would act late.

# last_t NAME: the t of guest NAME's last console line (0 if none).
last_t() {
	local l
	l=$(tail -c 4096 "$dir/$1.log" 2>/dev/null |
		grep -ao 'vfold-loop: t=[0-9]*' | tail -n 1) || true
	l=${l#vfold-loop: t=}
	echo "${l:-0}"
}

# scan NAME AFTER folded|unfolded: prints the t of guest NAME's first
# status line after t=AFTER with a mask (folded) or without (unfolded).
scan() {
	awk -v after="$2" -v want="$3" '
	/vfold-loop: t=[0-9]+ mask=/ {
		split(substr($0, index($0, "vfold-loop: t=") + 14), f, " ")
		t = f[1] + 0
		if (t > after + 0 && (want == "folded") == (f[2] != "mask=")) {
			print t
			found = 1
			exit
		}
	}
	END { exit !found }' "$dir/$1.log"
}

# marker NAME WHAT: the t of loop-guest's line "vfold-loop: WHAT t=T".
marker() {
	local l
	l=$(grep -ao "vfold-loop: $2 t=[0-9]*" "$dir/$1.log" 2>/dev/null | head -n 1) || return 1
	[ -n "$l" ] || return 1
	echo "${l##*t=}"
}

# guest_at NAME T: guest NAME's console has a line at or after its t=T.
# until_guest NAME T SECONDS: waits for that, at most SECONDS.
guest_at() {
	[ "$(last_t "$1")" -ge "$2" ]
}
until_guest() {
	until_ok "$3" guest_at "$1" "$2"
}

# --- (a) init starts the agent -------------------------------------------
declare -A start=()
for g in a b; do
	until_ok $((BOOT_MAX - (SECONDS - t0))) marker "$g" start >/dev/null || true
	start[$g]=$(marker "$g" start) || start[$g]=
done
for g in a b; do
	# init's line, before it runs loop-guest; loop-guest's, naming the
	# agent it adopted and when that started.
	r=1
	{
		grep -a -m1 'vfold-init: agent started' "$dir/$g.log" || echo "no line \"vfold-init: agent started\""
		grep -a -m1 'vfold-init: uptime .* running:' "$dir/$g.log" || true
		grep -a -m1 'vfold-loop: start' "$dir/$g.log" || echo "no loop-guest start line ${BOOT_MAX}s after boot"
	} >"$dir/a.$g"
	if [ -n "${start[$g]}" ] && python3 - "$dir/$g.log" >>"$dir/a.$g" <<'PY'
import re, sys
text = open(sys.argv[1], errors="replace").read()
init = re.search(r"vfold-init: agent started t=(\d+) pid=(\d+)", text)
run = re.search(r"vfold-init: uptime \S+, running:", text)
lg = re.search(r"vfold-loop: start t=(\d+) .* agent=(\d+) agent_from=(\S+) "
               r"agent_started=(\d+)", text)
ok = bool(init and run and lg) and init.start() < run.start() and \
    lg.group(2) == init.group(2) and lg.group(3) == "init" and \
    int(lg.group(4)) <= int(init.group(1)) + 100 and \
    int(init.group(1)) < int(lg.group(1))
if lg:
    print("agent %s from %s, started at t=%s, %d ms before loop-guest" % (
        lg.group(2), lg.group(3), lg.group(4),
        int(lg.group(1)) - int(lg.group(4))))
sys.exit(0 if ok else 1)
PY
	then
		r=0
	fi
	check $r "(a) guest $g: init started the agent before loop-guest, which adopted it" "$dir/a.$g"
done
if [ -z "${start[a]}" ] || [ -z "${start[b]}" ]; then
	bail "a guest did not start loop-guest"
fi

# --- (b) a bad host on a's hint port -------------------------------------
# No hintd yet: QEMU's chardev server takes this script as its client.
# port.py waits for the agent's first report (an interval after it
# notices the host), writes the bad lines 0.4 s apart, the cpus 5 target,
# and once that is acked the valid one; it hangs up once a report shows
# 2 kept CPUs. The agent then writes mode off back PORT_TTL s after it.
port_off=$(stat -c %s "$dir/a.log")
if ! timeout 40 python3 "$dir/port.py" "$dir/a.hint" "$dir/port.json" \
	>"$dir/port.out" 2>&1; then
	echo '{"sent": [], "reports": [], "unparsed": [], "ttl": 3000}' >"$dir/port.json"
fi
restored() {
	tail -c +"$port_off" "$dir/a.log" | grep -aq 'no target for [0-9]* ms .*governor mode off restored'
}
until_ok $((PORT_TTL + 10)) restored || true
# The unfolded line after it.
sleep 0.5
for part in bad acks release; do
	r=0
	{
		cat "$dir/port.out"
		py port "$dir/port.json" "$dir/a.log" "$port_off" "$part"
	} >"$dir/b.$part" 2>&1 || r=1
	case $part in
	bad) desc="(b) 6 bad lines on a's port: each rejected with its reason, none acked, a's mask, mode and hint unchanged" ;;
	acks) desc="(b) a target of cpus 5 > 4 vCPUs: acked with ack_error, a's mask, mode and hint unchanged; the valid one: applied (2 kept, mode hint) and acked" ;;
	release)
		delay=$(sed -n 's/^delay \([0-9]*\)$/\1/p' "$dir/b.release")
		desc="(b) no target after it for its ttl (${PORT_TTL}s): the agent writes mode off back, a unfolds $(sec "${delay:-0}")s after it"
		;;
	esac
	check $r "$desc" "$dir/b.$part"
done

# --- (c) hintd finds the VMs -------------------------------------------------
# Where each console was when hintd started: its lines from then on.
declare -A off=()
for g in a b; do
	off[$g]=$(stat -c %s "$dir/$g.log")
done
start_hintd hintd
qemu_pids() {
	qpid[a]=$(cat "$dir/a.pid" 2>/dev/null) && qpid[b]=$(cat "$dir/b.pid" 2>/dev/null)
}
until_ok 30 qemu_pids || true
found() {
	# grep first: cheap, while python takes a second on the busy host.
	tail -n 1 "$dir/hintd.json" | grep -q '"name":"a".*"name":"b"\|"name":"b".*"name":"a"' &&
		py hintd-found "$dir/hintd.json" "${qpid[a]:-0}" "${qpid[b]:-0}" >"$dir/c.detail"
}
check "$(ok_if until_ok 30 found)" \
	"(c) hintd finds VMs a and b with their QEMUs' pids and 4 vCPU threads each" \
	"$dir/c.detail"

# --- (d) fold ------------------------------------------------------------
declare -A fold=()
for g in a b; do
	folded() {
		tail -c +"${off[$1]}" "$dir/$1.log" | grep -aq 'vfold-loop: t=[0-9]* mask=[0-9]'
	}
	until_ok $((FOLD_WITHIN + 20)) folded "$g" || true
	# T0 (hintd started) T KEPT HINT MODE
	fa=$(py fold-after "$dir/$g.log" "${off[$g]}") || true
	read -r tc ft fk fh fm <<<"${fa:-0}"
	{
		echo "hintd started by t=${tc:-none}; first folded line: ${ft:-none} kept ${fk:-} hint ${fh:-} mode ${fm:-}"
		py window "$dir/$g.log" "${tc:-0}" $((${tc:-0} + 3000))
		tail -c +"${off[$g]}" "$dir/$g.log" | grep -a 'vfold-agent:' | grep -v ': report \|renewed' | head -5
		grep "vm $g: target" "$dir/hintd.err" | head -3
	} >"$dir/d.$g"
	r=1
	if [ -n "${fk:-}" ] && [ "$ft" -le $((tc + FOLD_WITHIN * 1000)) ] &&
		[ "$fk" -ge 1 ] && [ "$fk" -le 2 ] && [ "$fk" = "$fh" ] && [ "$fm" = hint ]; then
		r=0
	fi
	if [ -n "${fk:-}" ]; then
		fold[$g]=$ft
		desc="(d) guest $g folds to $fk kept CPUs (the hint: $fh, mode $fm) $(sec $((ft - tc)))s after hintd started (limit ${FOLD_WITHIN}s)"
	else
		fold[$g]=
		desc="(d) guest $g folds within ${FOLD_WITHIN}s of hintd's start"
	fi
	check $r "$desc" "$dir/d.$g"
done
r=1
# The consoles show the fold before hintd's next line has the reports of
# it: wait for that line (computing too early once failed in CI).
deadline=$((SECONDS + 10))
until py fold-timing "$dir/hintd.json" >"$dir/d.timing" 2>&1 || [ $SECONDS -ge $deadline ]; do
	sleep 0.5
done
read -r _ fi_n _ fi_ms _ fi_lowered <<<"$(grep '^intervals' "$dir/d.timing" ||
	echo "intervals none ms 0 lowered 0")"
if [ "$fi_n" != none ] && [ "$fi_n" -le "$FOLD_INTERVALS" ] && [ "$fi_ms" -le "$FOLD_MS" ] &&
	[ "$fi_lowered" -le "$LOWER_WITHIN" ]; then
	r=0
fi
echo "# fold: ${fi_n} intervals, ${fi_ms} ms on the host's clock from both agents' reporting to both folded (measured before: ${FOLD_MEASURED_MS} ms); targets lowered ${fi_lowered} intervals after"
check $r "(d) both fold to their target $fi_n hintd intervals, ${fi_ms} ms, after both agents report; hintd lowered their targets $fi_lowered intervals after (limits: $FOLD_INTERVALS intervals, ${FOLD_MS} ms, $LOWER_WITHIN)" "$dir/d.timing"

# --- (e) reports and acks ---------------------------------------------
# 5 intervals of hintd's from 2 after the first line with reports from
# both guests: b goes idle, a's agent dies well after. Both guests 8 s
# after hintd connected: those lines are written.
until_guest a $((${fold[a]:-${start[a]}} + 8000)) 40 || true
until_guest b $((${fold[b]:-${start[b]}} + 8000)) 40 || true
{
	r=0
	py hintd-reports "$dir/hintd.json" || r=1
	if grep -E 'refused|bad message' "$dir/hintd.err"; then
		r=1
	fi
} >"$dir/e.hintd" 2>&1
check $r "(e) hintd gets each guest's report every interval, with its demand; no bad message, no refused target" "$dir/e.hintd"
r=0
{
	py hintd-acks "$dir/hintd.json" || r=1
	for g in a b; do
		echo "guest $g:"
		py ttl "$dir/$g.log" "${off[$g]}" $((TTL * 1000)) || r=1
	done
} >"$dir/e.acks" 2>&1
check $r "(e) hintd's JSON: every interval's target acked without error, the guest keeping it (mask, mode hint); the agents applied ttl ${TTL}s" "$dir/e.acks"

# --- (f) b idle ----------------------------------------------------------
until_ok $((IDLE_AT + 10)) marker b idle >/dev/null || true
idle_t=$(marker b idle) || idle_t=
a_kept2() {
	tail -n 1 "$dir/hintd.json" | grep -q '"name":"a"[^}]*"guest_kept_cpus":2,'
}
# b's clock may run ahead of a's: a's time of b's idle is about now.
idle_a=$(last_t a)
[ -z "$idle_t" ] || until_ok $((IDLE_INTERVALS + 6)) a_kept2 || true
# A line more, for the detail.
sleep 1
r=1
if [ -n "$idle_t" ] && py idle "$dir/hintd.json" "$dir/a.log" "$idle_a" >"$dir/f.idle" 2>&1; then
	ni=$(sed -n 's/^intervals //p' "$dir/f.idle")
	[ "$ni" -gt "$IDLE_INTERVALS" ] || r=0
else
	[ -n "$idle_t" ] || echo "no \"vfold-loop: idle\" line in b's console" >>"$dir/f.idle"
	ni=$(sed -n 's/^intervals //p' "$dir/f.idle")
fi
check $r "(f) b idle, a busy: a gets target 2 and keeps 2 CPUs (hintd's JSON, a's console) ${ni:-no} intervals after b's first idle report (limit $IDLE_INTERVALS); b stays at 1" "$dir/f.idle"

# --- (g) a's agent SIGKILLed, hintd running -------------------------------
# loop-guest kills it KILL_AT s after its start and starts another at
# RESTART_AT: the hint must lapse TTL s after the last target it wrote.
until_guest a $((start[a] + (RESTART_AT + 1) * 1000)) $((RESTART_AT + 30)) || true
killed=$(marker a "agent killed") || killed=
restarted=$(marker a "agent restarted") || restarted=0
r=1
delay=
if [ -n "$killed" ]; then
	# Folded when killed; folded until the hint can have lapsed (the
	# agent wrote it at most an interval before), unfolded within
	# TTL + LAPSE_SLACK, and so until the new agent.
	py lapse "$dir/a.log" "$killed" "$restarted" $(((TTL + LAPSE_SLACK) * 1000)) \
		$(((TTL - 3) * 1000)) >"$dir/g.a" && r=0
	delay=$(sed -n 's/^delay \([0-9]*\)$/\1/p' "$dir/g.a")
else
	echo "no \"agent killed\" line in a's console" >"$dir/g.a"
fi
if [ -n "$delay" ]; then
	desc="(g) guest a, folded, its agent SIGKILLed: the hint holds, then lapses; a unfolds $(sec "$delay")s later (ttl ${TTL}s, limit $((TTL + LAPSE_SLACK))s)"
else
	desc="(g) guest a, folded, its agent SIGKILLed, unfolds within $((TTL + LAPSE_SLACK))s"
fi
check $r "$desc" "$dir/g.a"

refold=
if [ "$restarted" -gt 0 ]; then
	until_ok 15 scan a "$restarted" folded >/dev/null || true
	refold=$(scan a "$restarted" folded) || refold=
fi
{
	echo "agent restarted at t=$restarted; first folded line after: t=${refold:-none}"
	py window "$dir/a.log" "$restarted" $((restarted + 3000))
} >"$dir/g.refold"
r=1
desc="(g) guest a's new agent folds it again within 5s"
if [ -n "$refold" ]; then
	[ $((refold - restarted)) -gt 5000 ] || r=0
	desc+=" (took $(sec $((refold - restarted)))s)"
fi
check $r "$desc" "$dir/g.refold"

# hintd sends targets until a's last report is 3 intervals old: those
# waited in QEMU for the new agent, which reads them at once and must
# apply only the newest, not walk the guest through them: in its first
# 1.5 s that one and the next one or two hintd sends each interval, and
# the older ones it read with the first are skipped (some must have
# waited, or this proves nothing).
r=1
handled=
skipped=
if py handled "$dir/a.log" "vfold-loop: agent restarted" 1500 >"$dir/g.stale"; then
	read -r _ handled _ skipped <<<"$(grep '^handled' "$dir/g.stale")"
	[ "$handled" -gt 3 ] || [ "$skipped" -lt 1 ] || r=0
fi
check $r "(g) the new agent applies only the newest of the targets that waited for it (${skipped:-no} older skipped, ${handled:-no} targets handled in 1.5s)" "$dir/g.stale"

# --- (h) hintd SIGKILLed -----------------------------------------------------
# Once a has been folded again for HINTD_KILL s. The guests' clocks at
# the kill: at least the t of the last line they had printed, and less
# than a sample (250 ms) plus the console's delay more.
until_guest a $((${refold:-$((start[a] + RESTART_AT * 1000))} + HINTD_KILL * 1000)) 20 || true
# Read before the kill: a line read after it may already be later.
declare -A at_kill=()
for g in a b; do
	at_kill[$g]=$(last_t "$g")
done
# Reaped in braces: no "Killed" from bash on the TAP stream's stderr.
{ kill -KILL "$hintd_pid" && wait "$hintd_pid"; } 2>/dev/null || true
hintd_pid=
# How late the host acted shows the margins left on a busy host.
echo "# hintd SIGKILLed at a's t=${at_kill[a]}: $(sec $((at_kill[a] - ${refold:-0})))s after a refolded (aimed at ${HINTD_KILL}s), $(sec $((at_kill[a] - start[a])))s into loop-guest's ${SECONDS_RUN}s"

# b was folded from its fold through its idle time and a's agent-less
# time to now.
echo "b folded at t=${fold[b]:-none}, hintd killed at b's t=${at_kill[b]}" >"$dir/g.b"
r=1
if [ -n "${fold[b]}" ] &&
	py folded-from-to "$dir/b.log" "${fold[b]}" "${at_kill[b]}" >>"$dir/g.b"; then
	r=0
fi
check $r "(g) guest b stays folded all the while, idle too (hintd still tells it to)" "$dir/g.b"

# Both guests now run unhinted: each unfolds TTL s after its last target.
for g in a b; do
	until_ok $((TTL + LAPSE_SLACK + 10)) scan "$g" "${at_kill[$g]}" unfolded >/dev/null || true
done
# Folded at the kill; the hint holds until it can have lapsed (the last
# target came at most an interval before), unfolded within TTL +
# LAPSE_SLACK, and for good (lines to the cgroup check: 2 s and more);
# the agent saw the host go and wrote mode off back.
for g in a b; do
	until_guest "$g" $(($(scan "$g" "${at_kill[$g]}" unfolded || echo 0) + (CGROUP_AT * 1000))) \
		$((CGROUP_AT + 5)) || true
done
declare -A cg_t=()
for g in a b; do
	cg_t[$g]=$(last_t "$g")
	r=1
	py lapse "$dir/$g.log" "${at_kill[$g]}" "${cg_t[$g]}" $(((TTL + LAPSE_SLACK) * 1000)) \
		$(((TTL - 3) * 1000)) 'vfold-agent: host not connected' \
		"vfold-agent: no target for $((TTL * 1000)) ms .*: governor mode off restored" \
		>"$dir/h.$g" && r=0
	delay=$(sed -n 's/^delay \([0-9]*\)$/\1/p' "$dir/h.$g")
	if [ -n "$delay" ]; then
		desc="(h) hintd SIGKILLed: guest $g, folded, notices, holds the hint, then its agent writes mode off back: unfolded $(sec "$delay")s later (ttl ${TTL}s, limit $((TTL + LAPSE_SLACK))s) and stays so"
	else
		desc="(h) hintd SIGKILLed: guest $g, folded, unfolds within $((TTL + LAPSE_SLACK))s"
	fi
	check $r "$desc" "$dir/h.$g"
done

# --- (i) cgroups -------------------------------------------------------------
# One interval of hintd with cgroups, a weighing 2: the running QEMUs go
# into cpu cgroups /vfold/a and /vfold/b (the guests unhinted now, so
# the cgroups' effect on their speed does not matter). The weight as
# cgroup.c's weight_text() writes it: v1 cpu.shares 1024 x W, v2
# cpu.weight 100 x W.
# cg_check NAME WEIGHT: NAME's QEMU, every thread, in $cg_base/NAME with
# that weight.
cg_check() {
	local name=$1 want=$(($2 * cg_unit)) pid=${qpid[$1]} got t n=0 missing=0
	got=$(cat "$cg_base/$name/$cg_file" 2>/dev/null) || got=none
	echo "$name: $cg_base/$name/$cg_file $got (want $want)"
	for t in /proc/"$pid"/task/*; do
		n=$((n + 1))
		if [ "$cg_file" = cpu.shares ]; then
			grep -Eq "^[0-9]+:([^:]*,)?cpu(,[^:]*)?:/vfold/$name\$" "$t/cgroup"
		else
			grep -qx "0::/vfold/$name" "$t/cgroup"
		fi || {
			echo "$name: thread ${t##*/} not in /vfold/$name: $(tr '\n' ' ' <"$t/cgroup")"
			missing=1
		}
	done
	echo "$name: QEMU $pid, $n threads"
	[ "$got" = "$want" ] && [ "$missing" = 0 ] && [ "$n" -gt 4 ]
}
cg_made=1
r=1
if "$hintd" --qmp-dir "$dir" --once --json --weight a=2 --interval-ms 500 \
	>"$dir/i.json" 2>"$dir/i.err"; then
	{
		cat "$dir/i.err"
		python3 -c 'import json, sys
j = json.loads(open(sys.argv[1]).read().splitlines()[-1])
for v in j["vms"]:
    print(v["name"], "cgroup", v["cgroup"], v["cgroup_state"], "weight", v["weight"])
ok = sorted((v["name"], v["cgroup"], v["cgroup_state"], v["weight"]) for v in j["vms"]) == \
    [("a", "/vfold/a", "placed", 2), ("b", "/vfold/b", "placed", 1)]
sys.exit(0 if ok else 1)' "$dir/i.json" &&
			cg_check a 2 && cg_check b 1
	} >"$dir/i.placed" 2>&1 && r=0
else
	echo "hintd --once exited $?" >"$dir/i.placed"
	cat "$dir/i.err" >>"$dir/i.placed"
fi
if [ $r -ne 0 ] && grep -q 'cgroup: no cpu controller\|Read-only\|Permission denied' "$dir/i.err"; then
	skip "(i) hintd --once --weight a=2: each QEMU in its cpu cgroup with its weight" "no writable cpu cgroup here"
	cg_ok=0
else
	check $r "(i) hintd --once --weight a=2: each QEMU, every thread, in cpu cgroup /vfold/NAME; ${cg_file} $((2 * cg_unit)) for a, ${cg_unit} for b" "$dir/i.placed"
	cg_ok=1
fi
# Cgroups of running VMs stay as they are when hintd exits.
r=1
if [ "$cg_ok" = 1 ]; then
	sleep 0.5
	{ cg_check a 2 && cg_check b 1; } >"$dir/i.left" 2>&1 && r=0
	check $r "(i) hintd exited: the VMs, still running, stay in their cgroups as documented" "$dir/i.left"
else
	skip "(i) hintd exited: the VMs stay in their cgroups" "not placed"
fi

# --- (j) the guests end ------------------------------------------------------
declare -A vm_rc=()
for g in a b; do
	vm_rc[$g]=0
	wait "${runpid[$g]}" || vm_rc[$g]=$?
	unset "runpid[$g]"
done
for g in a b; do
	tail -1 "$dir/$g.run" >"$dir/j.$g"
	grep -a -m5 -e 'vfold-loop: agent died' -e 'exited .* on SIGTERM' \
		-e 'vfold-init: agent [0-9]* exited' -e 'vfold-loop: done' "$dir/$g.log" >>"$dir/j.$g" || true
	check "${vm_rc[$g]}" "(j) guest $g ends cleanly: loop-guest exits 0, the agent stopped on SIGTERM with 0, no kernel splat (run-vm.sh exit ${vm_rc[$g]})" "$dir/j.$g"
done
# The VMs are gone: hintd removes their cgroups at its next scan.
if [ "$cg_ok" = 1 ]; then
	r=1
	"$hintd" --qmp-dir "$dir" --once --interval-ms 200 >"$dir/j.out" 2>"$dir/j.cg" || true
	if grep -q 'cgroup: removed /vfold/a' "$dir/j.cg" &&
		grep -q 'cgroup: removed /vfold/b' "$dir/j.cg" &&
		[ ! -e "$cg_base/a" ] && [ ! -e "$cg_base/b" ]; then
		r=0
	fi
	ls "$cg_base" >>"$dir/j.cg" 2>&1
	# Another hintd with cgroups on this host prunes them too.
	if pgrep -a -x vfold-hintd >"$dir/j.others"; then
		echo "other vfold-hintd processes (they remove cgroups of VMs they do not know):" >>"$dir/j.cg"
		cat "$dir/j.others" >>"$dir/j.cg"
	fi
	check $r "(j) the VMs gone, the next hintd removes their cgroups" "$dir/j.cg"
else
	skip "(j) the VMs gone, the next hintd removes their cgroups" "not placed"
fi

echo "# $((SECONDS - t0))s from boot to the end"
[ "$tap_failed" -eq 0 ] || exit 1
