#!/usr/bin/env python3
"""demo.py - what vfold is for, measured: two 4-vCPU guests on this
host's 2 CPUs run hackbench at once, first with vfold (vfold-hintd tells
each guest its share of the host, vfold-agent folds the rest), then with
folding off; then the two runs side by side.

Usage: scripts/demo.py [--seconds S] [--warmup W] [--kernel BZIMAGE]
           [--initrd CPIO] [--out DIR] [--plain]

  --seconds S   measured time of each run (default 30)
  --warmup W    unmeasured load before it (default 5; the run also waits
                until the guests' masks have held for 2 s)
  --kernel      the guest kernel (default build/kernel-prod's bzImage)
  --initrd      the initramfs (default build/initramfs.cpio.gz)
  --out DIR     consoles, vfold-hintd's log, result.json (default
                build/demo)
  --plain       no in-place redraw: a block of lines every 5 s (the
                default when stdout is not a terminal)

Every QEMU thread is confined to host CPUs 0-1 with taskset: 8 vCPUs on
2 CPUs, the overcommit vfold is for. vfold-hintd runs in both runs and
puts each VM in a cpu cgroup of equal weight, so that the only
difference between them is whether the guests fold. While a run goes
on, the view shows per guest: the paravirt mask (the vCPUs it folded),
the target vfold-hintd sent, the share of its vCPU threads' time spent
waiting for a host CPU, and hackbench messages per second (last 10 s).

Exit codes: 0 done, 1 a missing input or bad argument, 2 a guest failed
(no answer, a kernel splat, a mode not in effect).
"""

import argparse
import collections
import json
import os
import shutil
import signal
import sys
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "scripts/lib"))
import vmguests  # noqa: E402
from vmguests import HINTD, HOST_CPUS, Guest, GuestError, Hintd, kv  # noqa: E402

CPUS = 4
NAMES = ("a", "b")
RATE_WINDOW = 10.0
# (title, the guest's mode: bench-overcommit's "mode" command)
RUNS = (("vfold on", "hint"), ("vfold off", "off"))


def here(path):
    """PATH as the user would type it from the top of the tree."""
    rel = os.path.relpath(path, TOP)
    return path if rel.startswith("..") else rel


def say(msg):
    print(f"demo: {msg}", flush=True)


class View:
    """What each guest does now, from vfold-hintd's lines and the guests'
    progress lines; drawn in place on a terminal, else as plain blocks."""

    def __init__(self, tty):
        self.tty = tty
        self.lock = threading.Lock()
        self.vm = {}
        self.ops = {n: collections.deque() for n in NAMES}
        self.title = ""
        self.folding = False
        self.start = time.monotonic()
        self.drawn = 0
        self.last_plain = 0.0
        self.samples = collections.defaultdict(list)
        # Each guest's measured time, on the host's clock: from the
        # arrival of its first progress line to that of its result.
        self.span = {n: [None, None] for n in NAMES}

    def begin(self, title, folding):
        with self.lock:
            self.title = title
            self.folding = folding
            self.start = time.monotonic()
            for q in self.ops.values():
                q.clear()
            self.span = {n: [None, None] for n in NAMES}
            self.drawn = 0
            self.last_plain = 0.0

    def on_hintd(self, rec):
        with self.lock:
            for vm in rec.get("vms", []):
                if vm.get("name") in NAMES:
                    self.vm[vm["name"]] = vm
                    total = (vm.get("run") or 0) + (vm.get("wait") or 0)
                    wait = 100.0 * vm["wait"] / total if total > 0 else None
                    self.samples[(self.title, vm["name"])].append(
                        {"t": time.monotonic(), "wait_pct": wait,
                         "kept": vm.get("guest_kept_cpus"), "target": vm.get("target")})

    def on_progress(self, guest, line):
        words = line.split()
        if words and words[0] == "progress":
            ops = kv(words[2:]).get("ops", 0)
            with self.lock:
                now = time.monotonic()
                if self.span[guest.name][0] is None:
                    self.span[guest.name][0] = now
                self.ops[guest.name].append((now, ops))
        else:
            print(f"  {guest.name}: {line}", file=sys.stderr)

    def on_result(self, guest):
        with self.lock:
            self.span[guest.name][1] = time.monotonic()

    def rate(self, name, now):
        """Messages a second over the last RATE_WINDOW s of the measured
        time (less at its start), or a word for the state."""
        start, end = self.span[name]
        if start is None:
            return "warm-up"
        if end is not None:
            return "done"
        q = self.ops[name]
        while q and q[0][0] < now - RATE_WINDOW:
            q.popleft()
        span = min(RATE_WINDOW, now - start)
        return f"{sum(o for _, o in q) / span:.0f}" if span >= 1 else "..."

    def lines(self):
        now = time.monotonic()
        out = [f"{self.title}: {now - self.start:5.1f} s",
               f"  {'guest':<6} {'mask (folded)':<14} {'target':>6} "
               f"{'host wait':>9} {'msgs/s':>9}"]
        for n in NAMES:
            vm = self.vm.get(n, {})
            # Without the agent nothing marks CPUs (the mode's check saw
            # none), and its last report would be stale.
            mask = vm.get("guest_mask") if self.folding else ""
            mask = "none" if mask == "" else (mask or "?")
            total = (vm.get("run") or 0) + (vm.get("wait") or 0)
            wait = f"{100.0 * vm['wait'] / total:.0f} %" if total > 0 else "?"
            target = vm.get("target", "?") if self.folding else "-"
            out.append(f"  {n:<6} {mask:<14} {target!s:>6} {wait:>9} "
                       f"{self.rate(n, now):>9}")
        return out

    def draw(self):
        with self.lock:
            lines = self.lines()
            if self.tty:
                up = f"\x1b[{self.drawn}F" if self.drawn else ""
                sys.stdout.write(up + "".join(f"\x1b[2K{ln}\n" for ln in lines))
                self.drawn = len(lines)
            elif time.monotonic() - self.last_plain >= 5:
                self.last_plain = time.monotonic()
                sys.stdout.write("\n".join(lines) + "\n")
            sys.stdout.flush()

    def mean(self, title, name, key):
        """KEY's mean over guest NAME's measured time, from hintd's lines."""
        t0, t1 = self.span[name]
        if t0 is None or t1 is None:
            return None
        vals = [s[key] for s in self.samples[(title, name)]
                if t0 <= s["t"] <= t1 and s[key] is not None]
        return sum(vals) / len(vals) if vals else None


def run(guests, view, tag, warmup, seconds):
    """hackbench in both guests at once until both answered; the view is
    redrawn every second meanwhile. Returns each guest's result words."""
    deadline = time.monotonic() + 4 * (warmup + seconds + 20) + 120
    results, errors = {}, []

    def collect(g):
        try:
            results[g.name] = g.expect("result", deadline, view.on_progress)
            view.on_result(g)
        except GuestError as e:
            errors.append(e)

    for g in guests:
        g.send(f"run {tag} hackbench {warmup} {seconds}")
    threads = [threading.Thread(target=collect, args=(g,), daemon=True) for g in guests]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        view.draw()
        time.sleep(1)
    view.draw()
    if errors:
        raise errors[0]
    stop_by = time.monotonic() + 60
    for g in guests:
        g.send("stop")
    for g in guests:
        g.expect("stopped", stop_by)
    out = {}
    for g in guests:
        words = results[g.name].split()
        if len(words) > 2 and words[2] == "error":
            raise GuestError(f"{g.name}: {results[g.name]}")
        out[g.name] = kv(words[2:])
    return out


def cpulist(text):
    """The CPUs of a cpulist ("none": no CPU)."""
    cpus = set()
    if text in (None, "", "none"):
        return cpus
    for part in str(text).split(","):
        lo, _, hi = part.partition("-")
        cpus.update(range(int(lo), int(hi or lo) + 1))
    return cpus


def check_mode(mode, got):
    """The mode was in effect at the start of each guest's measured time:
    the agent running and the governor in hint mode, or nothing marked
    and no agent; and hackbench's throughput is there."""
    for name, m in got.items():
        if "msgs_per_s" not in m:
            raise GuestError(f"{name}: no msgs_per_s in its result: {m}")
        if mode == "hint" and (m.get("agent") != 1 or m.get("gov") != "hint"):
            raise GuestError(f"{name}: vfold not in effect (agent {m.get('agent')}, "
                             f"governor {m.get('gov')}); is vfold-hintd sending targets?")
        if mode == "off" and (m.get("agent") != 0 or str(m.get("mask")) != "none"):
            raise GuestError(f"{name}: not off (agent {m.get('agent')}, mask {m.get('mask')})")


def fmt(v, unit=""):
    return "?" if v is None else f"{v:.0f}{unit}"


def report(res):
    """The two runs side by side; the gain is vfold on over vfold off."""
    on, off = res[RUNS[0][0]], res[RUNS[1][0]]
    rows = []
    for n in NAMES + ("both",):
        a = on["msgs_per_s"][n]
        b = off["msgs_per_s"][n]
        gain = f"{a / b:.2f}x" if a and b else "?"
        rows.append((f"hackbench msgs/s, {'guests a+b' if n == 'both' else 'guest ' + n}",
                     fmt(a), fmt(b), gain))
    for n in NAMES:
        rows.append((f"host wait, guest {n}", fmt(on["wait_pct"][n], " %"),
                     fmt(off["wait_pct"][n], " %"), ""))
        rows.append((f"vCPUs used, guest {n}", fmt(on["kept"][n]), fmt(off["kept"][n]), ""))
    w = max(len(r[0]) for r in rows)
    lines = [f"{'':<{w}}  {RUNS[0][0]:>9}  {RUNS[1][0]:>9}  {'gain':>6}"]
    lines += [f"{r[0]:<{w}}  {r[1]:>9}  {r[2]:>9}  {r[3]:>6}" for r in rows]
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 usage=__doc__.split("\n\n")[1].replace("Usage: ", ""))
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--kernel", default=os.path.join(
        TOP, "build/kernel-prod/arch/x86/boot/bzImage"))
    ap.add_argument("--initrd", default=os.path.join(TOP, "build/initramfs.cpio.gz"))
    ap.add_argument("--out", default=os.path.join(TOP, "build/demo"))
    ap.add_argument("--plain", action="store_true")
    args = ap.parse_args()
    if not 1 <= args.seconds <= 3600 or not 0 <= args.warmup <= 600:
        ap.error("--seconds must be 1-3600 and --warmup 0-600")
    for f in (args.kernel, args.initrd, HINTD):
        if not os.path.exists(f):
            print(f"demo: {f} missing (make demo builds it)", file=sys.stderr)
            return 1
    if (os.cpu_count() or 1) < HOST_CPUS:
        print(f"demo: needs {HOST_CPUS} host CPUs", file=sys.stderr)
        return 1
    os.makedirs(args.out, exist_ok=True)
    workdir = os.path.join(args.out, "run")
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    result = os.path.join(args.out, "result.json")
    if os.path.exists(result):
        os.unlink(result)

    def stop(signum, _frame):
        raise GuestError(f"signal {signum}")
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    view = View(sys.stdout.isatty() and not args.plain)
    say(f"booting guests a and b, {CPUS} vCPUs each; every QEMU thread on host "
        f"CPUs 0-{HOST_CPUS - 1}: {len(NAMES) * CPUS} vCPUs on {HOST_CPUS} CPUs")
    say(f"kernel {here(args.kernel)}, consoles in "
        f"{here(args.out)}/vm-*.log")
    # run-vm.sh's own limit: the boot, then both runs at their longest
    # (a warm-up waits at most 20 s more for the masks to hold).
    vm_timeout = 300 + 2 * len(RUNS) * (args.warmup + 20 + args.seconds + 30)
    guests = [Guest(n, workdir, args.kernel, args.initrd, CPUS,
                    os.path.join(args.out, f"vm-{n}.log"), vm_timeout) for n in NAMES]
    hintd = Hintd(workdir, os.path.join(args.out, "hintd.jsonl"), view.on_hintd)
    res = {}
    failure = None
    try:
        vmguests.greet(guests, 1, CPUS)
        say("both guests up; vfold-hintd measures each vCPU thread's run and "
            "wait every second")
        for i, (title, mode) in enumerate(RUNS):
            vmguests.set_mode(guests, mode, CPUS)
            say(f"run {i + 1} of {len(RUNS)}, {title}: hackbench in both guests, "
                f"{args.warmup} s warm-up, then {args.seconds} s measured")
            view.begin(title, mode != "off")
            got = run(guests, view, f"demo-{i}", args.warmup, args.seconds)
            check_mode(mode, got)
            mine = {"msgs_per_s": {n: got[n]["msgs_per_s"] for n in NAMES},
                    "mask": {n: got[n].get("mask") for n in NAMES},
                    "agent": {n: got[n].get("agent") for n in NAMES}}
            mine["msgs_per_s"]["both"] = sum(mine["msgs_per_s"][n] for n in NAMES)
            mine["wait_pct"] = {n: view.mean(title, n, "wait_pct") for n in NAMES}
            # Folding, the guests report what they keep; off, nothing is
            # marked (check_mode saw mask none), so all of them.
            mine["kept"] = {n: view.mean(title, n, "kept") if mode != "off"
                            else CPUS - len(cpulist(got[n].get("mask"))) for n in NAMES}
            res[title] = mine
    except GuestError as e:
        failure = e
    finally:
        # Once: a second Ctrl-C must not stop the stopping half-way.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        interrupted = failure is not None and str(failure).startswith("signal")
        if interrupted:
            say("stopping the guests")
        hintd.stop()
        rcs = {}
        for g in guests:
            try:
                # After a signal, no waiting for a run to end: QEMU goes.
                rcs[g.name] = g.stop(1 if interrupted else 60)
            except Exception as e:  # noqa: BLE001 - every guest is stopped
                print(f"demo: {g.name}: {e}", file=sys.stderr)
        vmguests.remove_cgroups(NAMES)
    if failure:
        print(f"demo: {failure}", file=sys.stderr)
        return 2
    bad = {n: rc for n, rc in rcs.items() if rc not in (0, None)}
    if bad:
        print(f"demo: run-vm.sh exited {bad} (251: kernel splat; see the consoles)",
              file=sys.stderr)
        return 2
    with open(result, "w") as f:
        json.dump({"seconds": args.seconds, "warmup": args.warmup,
                   "kernel": args.kernel, "runs": res}, f, indent=1)
    print()
    say(f"measured, {args.seconds} s each ({here(args.out)}/result.json):")
    print("\n".join(report(res)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
