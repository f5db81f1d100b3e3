#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# cooperative-loop.sh - the cooperative loop in real QEMU guests; TAP.
#
# Usage: tests/integration/cooperative-loop.sh
#
# Boots two TCG guests a and b (the debug kernel, 4 vCPUs of 1 thread
# each, 512 MB), their QEMUs confined to 2 host CPUs, each with a QMP
# socket DIR/NAME.qmp and a hint chardev DIR/NAME.hint on the virtio
# serial port org.vfold.hint.0, and runs guest/loop-guest in both: the
# agent plus 4 busy loops, logging the paravirt mask every 250 ms on the
# console. vfold-hintd --qmp-dir DIR --json runs on the host. Checks:
#   (a) hintd finds both VMs with their QEMUs' pids and 4 vCPU threads;
#   (b) 8 busy vCPUs on 2 CPUs: each guest folds to 1 or 2 kept CPUs
#       (the fair share is 1) within 20 s of its agent's start, keeping
#       exactly the hinted count;
#   (c) hintd gets the guests' reports (demand, no bad message, no
#       refused target); the agents' reports carry the mask and ack
#       every target without error;
#   (e) guest a's agent is SIGKILLed while hintd runs: a unfolds when
#       its hint lapses (ttl), b stays folded; a's restarted agent folds
#       a again, applying only the newest of the targets that waited;
#   (d) hintd is SIGKILLed: both guests stay folded until about ttl,
#       then unfold by themselves, and stay unfolded;
#   (f) both guests end cleanly, no kernel splat (run-vm.sh exits 0).
# hintd sends ttl_ms = max(5 intervals, 10 s) and has no option to
# change it: with --interval-ms 1000 that is 10 s, the TTL below.
# Guest and host times are not compared: every deadline is measured on
# the guest's clock (the t= of its console lines), from a guest event
# (agent start, agent killed) or, for hintd's kill, from the last line
# the guest had printed when the host killed it.
#
# Needs build/initramfs.cpio.gz from scripts/build-initramfs.sh (with
# /vfold/loop-guest and the agent), the debug kernel, qemu-system-x86_64,
# python3 and at least 2 host CPUs; builds vfold-hintd. Environment:
# VFOLD_KERNEL, VFOLD_INITRD override the kernel and initramfs;
# VFOLD_KEEP=1 keeps the work directory (it is kept anyway on a failure).
# Runs in about 85 s (both guests boot in ~15 s, then run 67 s). On
# exit, interrupted or not, hintd and the QEMUs are killed; if this script
# itself is SIGKILLed, hintd dies with it (pdeathsig) and each guest
# powers off after its 67 s, or run-vm.sh kills it at its --timeout.
#
# Exit codes: 0 every check passed, 1 a check failed, 2 cannot run
# (missing kernel, initramfs without loop-guest, fewer than 2 CPUs).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
hintd=$top/src/vfold-hintd/vfold-hintd
kernel=${VFOLD_KERNEL:-$top/build/kernel-debug/arch/x86/boot/bzImage}
initrd=${VFOLD_INITRD:-$top/build/initramfs.cpio.gz}

TTL=10          # s, hintd's ttl_ms at --interval-ms 1000 (see above)
FOLD_WITHIN=20  # s from the agent's start to a folded guest
LAPSE_SLACK=5   # s after the TTL for the kernel to notice and unfold
KILL_AT=20      # s after loop-guest's start: guest a's agent SIGKILLed
RESTART_AT=35   # s: a new agent in guest a (a unfolded at ~KILL_AT+TTL+1)
HINTD_KILL=4    # s after a refolded (on a's clock): hintd SIGKILLed
# Each guest runs long enough for hintd's kill (at about RESTART_AT + 2 +
# HINTD_KILL on a's clock), the lapse and a few s of staying unfolded,
# with 8 s for b's clock being ahead of a's (it may boot first).
SECONDS_RUN=$((RESTART_AT + 2 + HINTD_KILL + TTL + LAPSE_SLACK + 3 + 8))
BOOT_MAX=90     # s from QEMU's start to loop-guest's first line

n=0
failed=0
dir=$(mktemp -d /tmp/coop-loop.XXXXXX)
declare -A runpid=() qpid=()
hintd_pid=
pdeath=
if setpriv --pdeathsig KILL true 2>/dev/null; then
	pdeath="setpriv --pdeathsig KILL"
fi

# Stops what runs, by pid: hintd, then run-vm.sh (its own trap kills its
# QEMU), then any QEMU still there (run-vm.sh killed too hard).
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

# check STATUS DESCRIPTION [DETAIL-FILE]: one TAP line; a failure shows
# the detail file as TAP comments.
check() {
	local status=$1 desc=$2 detail=${3:-}
	n=$((n + 1))
	if [ "$status" -eq 0 ]; then
		echo "ok $n - $desc"
		return
	fi
	echo "not ok $n - $desc"
	failed=$((failed + 1))
	if [ -n "$detail" ] && [ -s "$detail" ]; then
		sed 's/^/# /' "$detail"
	fi
}

# ok_if COMMAND...: the status of COMMAND, without set -e stopping here.
ok_if() {
	if "$@"; then echo 0; else echo 1; fi
}

# until_ok SECONDS COMMAND...: retries COMMAND every 0.25 s.
until_ok() {
	local end=$((SECONDS + $1))
	shift
	while :; do
		"$@" && return 0
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.25
	done
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

def console(path, nr_cpus=4):
    """loop-guest's status lines: (t, kept, mask, mode, hint)."""
    st = []
    with open(path, errors="replace") as f:
        for line in f:
            m = STATUS.search(line)
            if m:
                t, mask, mode, hint = m.groups()
                st.append((int(t), nr_cpus - cpulist_count(mask), mask,
                           mode, hint))
    return st

def fmt(s):
    return "t=%d kept=%d mask=%s mode=%s hint=%s" % (s[0], s[1], s[2] or '""',
                                                     s[3], s[4])

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
    elif cmd == "lapse":            # LOG T END LIMIT HOLD [REGEX]: the
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
        if len(args) > 5:
            with open(args[0], errors="replace") as f:
                lines = f.read().splitlines()
            # From the line of the last status line before the event on.
            idx = max(i for i, l in enumerate(lines)
                      if STATUS.search(l) and
                      int(STATUS.search(l).group(1)) <= t) if before else 0
            hit = next((l for l in lines[idx:] if re.search(args[5], l)), None)
            print("after it: %s" % (hit.strip() if hit else
                                    "FAIL: no line matching " + args[5]))
            ok = ok and hit is not None
        print("delay %d" % delay)
        return 0 if ok else 1
    elif cmd == "handled":          # LOG MARKER SPAN: the targets the agent
        t = None                    # handled from MARKER's line to SPAN ms
        n = 0                       # after its t
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
                if "vfold-agent:" in line and "report" not in line:
                    print(line.strip())
        print("handled %d" % n)
        return 0 if t is not None else 1
    elif cmd == "window":           # LOG T1 T2: the status lines between
        st = console(args[0])
        for s in st:
            if int(args[1]) <= s[0] <= int(args[2]):
                print(fmt(s))
    elif cmd == "acks":             # LOG TTL-MS: the agent's reports: acks,
        good = bad = masked = 0     # masks; the ttl of its targets
        with open(args[0], errors="replace") as f:
            for line in f:
                m = re.search(r"vfold-agent: target \d+: .* after (\d+) ms", line)
                if m and m.group(1) != args[1]:
                    bad += 1
                    print("a ttl other than %s ms: %s" % (args[1], line.strip()))
                m = re.search(r"vfold-agent: report \d+: (\{.*\})", line)
                if m:
                    try:
                        r = json.loads(m.group(1))
                    except ValueError:
                        continue    # cut by kernel output: not ours to judge
                    if "ack" in r:
                        if r.get("ack_error") == "":
                            good += 1
                        else:
                            bad += 1
                            print("report with an error:", m.group(1))
                    if r.get("mask"):
                        masked += 1
                elif re.search(r"vfold-agent: (target \d+ rejected|bad message)",
                               line):
                    bad += 1
                    print(line.strip())
        print("acked without error: %d, with: %d, reports with a mask: %d"
              % (good, bad, masked))
        return 0 if good >= 5 and masked >= 5 and not bad else 1
    elif cmd == "hintd-found":      # JSON PID-A PID-B: the last line
        lines = [l for l in open(args[0]) if l.strip()]
        if not lines:
            return 1
        vms = {v["name"]: v for v in json.loads(lines[-1])["vms"]}
        pids = {"a": int(args[1]), "b": int(args[2])}
        ok = sorted(vms) == ["a", "b"] and all(
            vms[k]["pid"] == pids[k] and vms[k]["vcpus"] == 4 and
            len(set(vms[k]["tids"])) == 4 and vms[k]["threads_read"] == 4
            for k in pids)
        if not ok:
            print(lines[-1].strip())
        return 0 if ok else 1
    elif cmd == "hintd-reports":    # JSON: 6 lines from 2 after both report
        lines = [json.loads(l) for l in open(args[0]) if l.strip()]
        first = next((i for i, j in enumerate(lines)
                      if sum(v["reports"] > 0 for v in j["vms"]) == 2), None)
        if first is None:
            print("no line with reports from both guests")
            return 1
        total = len(lines)
        lines = lines[first + 2:first + 8]
        print("hintd lines %d to %d of %d" % (first + 3, first + 8, total))
        ok = len(lines) == 6
        for name in ("a", "b"):
            vs = [v for j in lines for v in j["vms"] if v["name"] == name]
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
    else:
        raise SystemExit("coop.py: unknown command " + cmd)
    return 0

sys.exit(main())
PY
py() {
	python3 "$dir/coop.py" "$@"
}

# --- Can it run at all? ----------------------------------------------
echo "TAP version 13"
echo "1..13"
[ -r "$kernel" ] || bail "no kernel $kernel (scripts/build-kernel.sh debug)"
[ -r "$initrd" ] || bail "no initramfs $initrd (scripts/build-initramfs.sh)"
# A newc member's name ends with a NUL. Not cpio -t: it stops at the
# first archive, and an initramfs may be several, concatenated.
if ! python3 -c 'import gzip, sys
data = gzip.open(sys.argv[1]).read()
sys.exit(0 if b"vfold/loop-guest\0" in data and b"vfold/bin/vfold-agent\0" in data else 1)' "$initrd" 2>/dev/null; then
	bail "$initrd has no /vfold/loop-guest or vfold-agent: rebuild it (scripts/build-initramfs.sh)"
fi
# The two host CPUs: the first two this script may use.
host_cpus=$(python3 -c 'import os
c = sorted(os.sched_getaffinity(0))
print(",".join(map(str, c[:2])) if len(c) >= 2 else "")')
[ -n "$host_cpus" ] || bail "needs 2 host CPUs"
make -s -C "$top/src" vfold-hintd >"$dir/build.log" 2>&1 ||
	bail "vfold-hintd does not build: $(tail -3 "$dir/build.log")"

# --- Boot --------------------------------------------------------------
# boot NAME GUEST-ARGS...: run-vm.sh in the background, every QEMU
# thread on the two host CPUs (taskset is inherited).
boot() {
	local name=$1
	shift
	taskset -c "$host_cpus" "$top/scripts/run-vm.sh" --quiet \
		--kernel "$kernel" --initrd "$initrd" \
		--cpus 4 --threads 1 --mem 512 \
		--timeout $((BOOT_MAX + SECONDS_RUN + 60)) \
		--log "$dir/$name.log" \
		--qemu-arg -pidfile --qemu-arg "$dir/$name.pid" \
		--qemu-arg -qmp --qemu-arg "unix:$dir/$name.qmp,server=on,wait=off" \
		--qemu-arg -chardev \
		--qemu-arg "socket,id=hint,path=$dir/$name.hint,server=on,wait=off" \
		--qemu-arg -device \
		--qemu-arg "virtserialport,chardev=hint,name=org.vfold.hint.0" \
		-- /vfold/loop-guest "$@" >"$dir/$name.run" 2>&1 &
	runpid[$name]=$!
}

start_hintd() {
	$pdeath "$hintd" --qmp-dir "$dir" --json --no-cgroup \
		--interval-ms 1000 >"$dir/$1.json" 2>"$dir/$1.err" &
	hintd_pid=$!
}

boot a 4 "$SECONDS_RUN" "$KILL_AT" "$RESTART_AT"
boot b 4 "$SECONDS_RUN"
# hintd from the start: it finds the VMs as their sockets appear. Its
# cgroups are hintd-qmp.sh's business; here they would only make the
# guests' speed depend on the host's other load (cgroup v1: the vfold
# group weighs as much as any single task of the root group).
start_hintd hintd
t0=$SECONDS

# --- (a) discovery -------------------------------------------------------
qemu_pids() {
	qpid[a]=$(cat "$dir/a.pid" 2>/dev/null) && qpid[b]=$(cat "$dir/b.pid" 2>/dev/null)
}
until_ok 30 qemu_pids || true
found() {
	# grep first: cheap, while python takes a second on the busy host.
	tail -n 1 "$dir/hintd.json" | grep -q '"name":"a".*"name":"b"\|"name":"b".*"name":"a"' &&
		py hintd-found "$dir/hintd.json" "${qpid[a]:-0}" "${qpid[b]:-0}" >"$dir/a.detail"
}
check "$(ok_if until_ok 30 found)" \
	"(a) hintd finds VMs a and b with their QEMUs' pids and 4 vCPU threads each" \
	"$dir/a.detail"

# --- (b) fold ------------------------------------------------------------
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
	l=$(grep -ao "vfold-loop: $2 t=[0-9]*" "$dir/$1.log" | head -n 1) || return 1
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

declare -A start=() fold=()
for g in a b; do
	until_ok $((BOOT_MAX - (SECONDS - t0))) marker "$g" start >/dev/null || true
	start[$g]=$(marker "$g" start) || start[$g]=
done
for g in a b; do
	if [ -z "${start[$g]}" ]; then
		echo "guest $g: no loop-guest start line ${BOOT_MAX}s after boot; console:" >"$dir/b.$g"
		tail -20 "$dir/$g.log" >>"$dir/b.$g" 2>/dev/null || true
		check 1 "(b) guest $g folds to 1 or 2 kept CPUs within ${FOLD_WITHIN}s of its agent's start" "$dir/b.$g"
		continue
	fi
	# Folded, or the guest's clock past the deadline: whichever first.
	folded_or_late() {
		scan "$1" "${start[$1]}" folded >/dev/null ||
			[ "$(last_t "$1")" -gt $((start[$1] + FOLD_WITHIN * 1000)) ]
	}
	until_ok $((FOLD_WITHIN + 30)) folded_or_late "$g" || true
	fold[$g]=$(py first-folded "$dir/$g.log" "${start[$g]}") || fold[$g]=
	read -r ft fk fh fm <<<"${fold[$g]:-0 4 0 none}"   # t kept hint mode
	{
		echo "agent started at t=${start[$g]}; first folded line: ${fold[$g]:-none}"
		py window "$dir/$g.log" "${start[$g]}" $((start[$g] + 3000))
		grep -a 'vfold-agent:' "$dir/$g.log" | grep -v ': report \|renewed' | head -5
		grep "vm $g: target" "$dir/hintd.err" | head -3
	} >"$dir/b.$g"
	r=1
	if [ -n "${fold[$g]}" ] && [ "$ft" -le $((start[$g] + FOLD_WITHIN * 1000)) ] &&
		[ "$fk" -ge 1 ] && [ "$fk" -le 2 ] && [ "$fk" = "$fh" ] && [ "$fm" = hint ]; then
		r=0
	fi
	if [ -n "${fold[$g]}" ]; then
		desc="(b) guest $g folds to $fk kept CPUs (the hint: $fh) $(sec $((ft - start[$g])))s after its agent's start (limit ${FOLD_WITHIN}s)"
	else
		desc="(b) guest $g folds within ${FOLD_WITHIN}s of its agent's start"
		fold[$g]=
	fi
	check $r "$desc" "$dir/b.$g"
done
if [ -z "${start[a]}" ] || [ -z "${start[b]}" ]; then
	bail "a guest did not start loop-guest"
fi

# --- (c) reports and acks ---------------------------------------------
# 5 intervals of hintd's from 2 after the first line with reports from
# both guests: a's agent lives until KILL_AT, well after. Both guests 10 s
# into loop-guest: those lines are written.
until_guest a $((start[a] + 10000)) 40 || true
until_guest b $((start[b] + 10000)) 40 || true
{
	r=0
	py hintd-reports "$dir/hintd.json" || r=1
	if grep -E 'refused|bad message' "$dir/hintd.err"; then
		r=1
	fi
} >"$dir/c.hintd" 2>&1
check $r "(c) hintd gets each guest's report every interval, with its demand; no bad message, no refused target" "$dir/c.hintd"
r=0
: >"$dir/c.agent"
for g in a b; do
	echo "guest $g:" >>"$dir/c.agent"
	py acks "$dir/$g.log" $((TTL * 1000)) >>"$dir/c.agent" 2>&1 || r=1
done
check $r "(c) the agents' reports carry the mask and ack every target (ttl ${TTL}s) without error" "$dir/c.agent"

# --- (e) a's agent SIGKILLed, hintd running -------------------------------
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
		$(((TTL - 3) * 1000)) >"$dir/e.a" && r=0
	delay=$(sed -n 's/^delay \([0-9]*\)$/\1/p' "$dir/e.a")
else
	echo "no \"agent killed\" line in a's console" >"$dir/e.a"
fi
if [ -n "$delay" ]; then
	desc="(e) guest a, folded, its agent SIGKILLed: the hint holds, then lapses; a unfolds $(sec "$delay")s later (ttl ${TTL}s, limit $((TTL + LAPSE_SLACK))s)"
else
	desc="(e) guest a, folded, its agent SIGKILLed, unfolds within $((TTL + LAPSE_SLACK))s"
fi
check $r "$desc" "$dir/e.a"

refold=
if [ "$restarted" -gt 0 ]; then
	until_ok 15 scan a "$restarted" folded >/dev/null || true
	refold=$(scan a "$restarted" folded) || refold=
fi
{
	echo "agent restarted at t=$restarted; first folded line after: t=${refold:-none}"
	py window "$dir/a.log" "$restarted" $((restarted + 3000))
} >"$dir/e.refold"
r=1
desc="(e) guest a's new agent folds it again within 5s"
if [ -n "$refold" ]; then
	[ $((refold - restarted)) -gt 5000 ] || r=0
	desc+=" (took $(sec $((refold - restarted)))s)"
fi
check $r "$desc" "$dir/e.refold"

# The targets hintd sent while a had no agent waited in QEMU; the new
# agent reads them at once and must apply only the newest, not walk the
# guest through them: in its first 1.5 s that one and the next one or two
# hintd sends each interval; not the 15 of a's 15 s without an agent.
r=1
handled=
if py handled "$dir/a.log" "vfold-loop: agent restarted" 1500 >"$dir/e.stale"; then
	handled=$(sed -n 's/^handled //p' "$dir/e.stale")
	[ "$handled" -gt 3 ] || r=0
fi
check $r "(e) the new agent applies only the newest of the targets that waited for it (${handled:-no} targets handled in 1.5s)" "$dir/e.stale"

# --- (d) hintd SIGKILLed -----------------------------------------------------
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

# b was folded from its fold through a's whole agent-less time to now.
{
	echo "b folded at t=${fold[b]%% *}, hintd killed at b's t=${at_kill[b]}"
} >"$dir/e.b"
r=1
if [ -n "${fold[b]}" ] &&
	py folded-from-to "$dir/b.log" "${fold[b]%% *}" "${at_kill[b]}" >>"$dir/e.b"; then
	r=0
fi
check $r "(e) guest b stays folded all the while (hintd still tells it to)" "$dir/e.b"

# Both guests now run unhinted: each unfolds TTL s after its last target.
for g in a b; do
	until_ok $((TTL + LAPSE_SLACK + 10)) scan "$g" "${at_kill[$g]}" unfolded >/dev/null || true
done

# --- (f) the guests end ------------------------------------------------------
declare -A vm_rc=()
for g in a b; do
	vm_rc[$g]=0
	wait "${runpid[$g]}" || vm_rc[$g]=$?
	unset "runpid[$g]"
done

# Folded at the kill; the hint holds until it can have lapsed (the last
# target came at most an interval before), unfolded within TTL +
# LAPSE_SLACK, and for good; the agent saw the host go.
for g in a b; do
	r=1
	py lapse "$dir/$g.log" "${at_kill[$g]}" 0 $(((TTL + LAPSE_SLACK) * 1000)) \
		$(((TTL - 3) * 1000)) 'vfold-agent: host not connected' >"$dir/d.$g" && r=0
	delay=$(sed -n 's/^delay \([0-9]*\)$/\1/p' "$dir/d.$g")
	if [ -n "$delay" ]; then
		desc="(d) hintd SIGKILLed: guest $g, folded, notices, holds the hint, then unfolds $(sec "$delay")s later (ttl ${TTL}s, limit $((TTL + LAPSE_SLACK))s) and stays so"
	else
		desc="(d) hintd SIGKILLed: guest $g, folded, unfolds within $((TTL + LAPSE_SLACK))s"
	fi
	check $r "$desc" "$dir/d.$g"
done

for g in a b; do
	tail -1 "$dir/$g.run" >"$dir/f.$g"
	grep -a -m5 -e 'vfold-loop: agent died' -e 'exited .* on SIGTERM' "$dir/$g.log" >>"$dir/f.$g" || true
	check "${vm_rc[$g]}" "(f) guest $g ends cleanly: loop-guest exits 0, no kernel splat (run-vm.sh exit ${vm_rc[$g]})" "$dir/f.$g"
done

echo "# $((SECONDS - t0))s from boot to the end"
[ "$failed" -eq 0 ] || exit 1
