#!/usr/bin/env python3
"""bench-overcommit.py - real workloads in QEMU guests on an overcommitted
host: the unpatched kernel, the series with folding off, the ideal static
fold, vfold-hintd, the guest's steal governor and the upstream-style rule.

Usage: scripts/bench-overcommit.py [--reps N] [--seconds S] [--warmup W]
           [--out DIR] [--scenario NAME]... [--report-only] [--docs DIR]

Scenarios (the guests run the workload at once; this host's CPUs, which
every QEMU thread is confined to, are HOST_CPUS, 2 here):
  4:1    2 guests x 4 vCPUs: 8 vCPUs on 2 CPUs
  2:1    2 guests x 2 vCPUs
  1:1    1 guest x 2 vCPUs: no contention
  asym   2 guests x 4 vCPUs, hackbench in one while the other idles,
         then swapped: the busy one must get the host back
Modes (Modes below): unpatched (the same config without the series),
off, oracle (each guest's mask set by hand to its fair share, before the
run), hintd, steal (the guest's steal governor fed each vCPU thread's
host run-queue wait, relayed by the agent: what KVM would report), step
(the upstream rule: one core per 1 s interval, on that signal). All six
for 4:1 hackbench and wake; unpatched, off, oracle and hintd elsewhere.

Each repetition boots each scenario's guests twice, once per kernel, the
order alternating between repetitions (A/B/B/A...); in the patched boot
every mode runs, in an order shuffled per repetition (seeded by it, and
recorded). Each run warms up with the workload for at least WARMUP
seconds and until the paravirt mask has held for 2 s (at most 20 s: the
time is recorded as warm_ms, the fold's convergence), then measures
SECONDS; every busy guest keeps its load on until all have answered, so
that none runs its last part alone. In asym, a mode is set once for both
phases (the oracle's fold per phase), so that the swap is what the mode
sees. vfold-hintd (--json) runs for the whole of every boot, in every
mode and on both kernels: each vCPU thread's run and wait are logged,
and each VM is in its own cpu cgroup of equal weight, as the daemon puts
them (docs/hintd.md), so that the host shares its CPUs per VM, not per
vCPU thread, whatever the mode. A mode's state is checked: the mask
after each mode change, the agent alive and the governor on at the start
of each measured time in modes hintd, steal and step; a check that fails
stops the benchmark.

The guests boot build/kernel-bench (prod, plus the debugfs steal input)
and build/kernel-bench-unpatched (scripts/build-kernel.sh [--unpatched]
bench) with kunit.enable=0 vfold.agent=off; guest/bench-overcommit takes
commands on the virtio port org.vfold.bench.0.

Output in DIR (default build/bench/overcommit): results.jsonl (one
record per guest per run), hintd-*.jsonl (hintd's lines, each with the
host time it came), progress.jsonl (hackbench progress), vm-*.log
(consoles), boots.jsonl (what each guest booted: its kernel release).
Then scripts/bench-report.py writes the report (--docs,
default docs/). Exit codes: 0 done, 1 usage or missing inputs, 2 a guest
failed (no answer, bad answer, kernel splat: the run stops), 3 the
report failed.
"""

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "scripts/lib"))
import benchmeta  # noqa: E402
import vmguests  # noqa: E402
from vmguests import (HINTD, HOST_CPUS, Guest, GuestError, Hintd,  # noqa: E402
                      ModeNotInEffect, kv)

SCENARIOS = {
    "4:1": {"guests": 2, "cpus": 4},
    "2:1": {"guests": 2, "cpus": 2},
    "1:1": {"guests": 1, "cpus": 2},
    "asym": {"guests": 2, "cpus": 4},
}
WORKLOADS = ["hackbench", "wake", "cyclictest", "cpu", "lock"]
ALL_MODES = ["unpatched", "off", "oracle", "hintd", "steal", "step"]
BASE_MODES = ["unpatched", "off", "oracle", "hintd"]
GUEST_MODE = {"off": "off", "oracle": "oracle", "hintd": "hint",
              "steal": "steal", "step": "step"}


def modes_for(scenario, workload):
    if scenario == "4:1" and workload in ("hackbench", "wake"):
        return ALL_MODES
    return BASE_MODES


def workloads_for(scenario):
    return ["hackbench"] if scenario == "asym" else WORKLOADS


def oracle_cpus(cpus, busy_guests):
    """The fair share of the host's CPUs of each busy guest, whole CPUs."""
    return max(1, min(cpus, HOST_CPUS // max(1, busy_guests)))


class Bench:
    def __init__(self, args):
        self.args = args
        self.out = args.out
        self.results = open(os.path.join(self.out, "results.jsonl"), "a")
        self.progress = open(os.path.join(self.out, "progress.jsonl"), "a")
        self.boots_log = open(os.path.join(self.out, "boots.jsonl"), "a")
        self.lock = threading.Lock()
        self.boots = 0

    def record(self, **rec):
        self.results.write(json.dumps(rec) + "\n")
        self.results.flush()

    def on_progress(self, guest, line, ctx):
        words = line.split()
        with self.lock:
            self.log_line(guest, words, line, ctx)

    def log_line(self, guest, words, line, ctx):
        if words and words[0] == "progress":
            rec = dict(ctx, guest=guest.name, **kv(words[2:]))
            # t: the host's time of arrival; the guest's own is guest_t.
            rec["guest_t"] = rec.pop("t", None)
            rec["t"] = time.time()
            self.progress.write(json.dumps(rec) + "\n")
            self.progress.flush()
        else:
            print(f"  {guest.name}: {line}", file=sys.stderr)

    def boot(self, scenario, kernel_name):
        sc = SCENARIOS[scenario]
        self.boots += 1
        tag = f"{scenario.replace(':', 'to')}-{kernel_name}-{self.boots}"
        workdir = os.path.join(self.out, "run")
        shutil.rmtree(workdir, ignore_errors=True)
        os.makedirs(workdir)
        kernel = self.args.kernel if kernel_name == "patched" else self.args.unpatched
        names = ["a", "b"][:sc["guests"]]
        guests = [Guest(n, workdir, kernel, self.args.initrd, sc["cpus"],
                        os.path.join(self.out, f"vm-{tag}-{n}.log"),
                        self.args.vm_timeout) for n in names]
        hintd = Hintd(workdir, os.path.join(self.out, f"hintd-{tag}.jsonl"))
        try:
            readies = vmguests.greet(guests, 1 if kernel_name == "patched" else 0,
                                     sc["cpus"])
            for g in guests:
                ready = readies[g.name]
                if kernel_name == "patched" and ready.get("inject") != 1:
                    raise GuestError(f"{g.name}: no steal input: not the bench kernel?")
                self.boots_log.write(json.dumps({"boot": tag, "scenario": scenario,
                                                 "kernel": kernel_name, "guest": g.name,
                                                 "t": time.time(), **ready}) + "\n")
                self.boots_log.flush()
        except GuestError:
            hintd.stop()
            for g in guests:
                g.stop(5)
            raise
        return guests, hintd, tag

    def set_mode(self, guests, mode, oracle, cpus):
        vmguests.set_mode(guests, GUEST_MODE[mode], cpus, oracle)

    def run(self, busy, idle, ctx, workload, warmup):
        """WORKLOAD in every guest of BUSY at once; IDLE ones do nothing.

        Each guest's answers are read by a thread of its own, so that
        progress lines get their time of arrival; records are written
        once every guest has answered, and only then does the load stop.
        """
        secs = self.args.seconds
        deadline = time.monotonic() + 4 * (secs + 20) + 120
        t0 = time.time()
        lines, errors = {}, []

        def collect(g):
            try:
                lines[g.name] = g.expect("result", deadline,
                                         lambda gg, ln: self.on_progress(gg, ln, ctx))
            except GuestError as e:
                errors.append(e)

        for g in busy:
            g.send(f"run {ctx['run']} {workload} {warmup} {secs}")
        threads = [threading.Thread(target=collect, args=(g,)) for g in busy]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        t1 = time.time()
        recs = []
        for g in busy:
            words = lines[g.name].split()
            if len(words) > 2 and words[2] == "error":
                raise GuestError(f"{g.name}: {lines[g.name]}")
            m = kv(words[2:])
            if ctx["mode"] in ("hintd", "steal", "step") and \
                    (m.get("agent") != 1 or m.get("gov") in ("off", "none", None)):
                raise ModeNotInEffect(f"{g.name}: mode {ctx['mode']} not in effect at "
                                      f"the measured time: {lines[g.name]}")
            recs.append(dict(ctx, guest=g.name, workload=workload, t0=t0, t1=t1,
                             idle=[i.name for i in idle], metrics=m))
        deadline = time.monotonic() + 60
        for g in busy:
            g.send("stop")
        for g in busy:
            g.expect("stopped", deadline)
        for r in recs:
            self.record(**r)

    def boot_and_run(self, scenario, kernel_name, rep):
        guests, hintd, tag = self.boot(scenario, kernel_name)
        failure = None
        try:
            sc = SCENARIOS[scenario]
            for workload in workloads_for(scenario):
                modes = [m for m in modes_for(scenario, workload)
                         if (m == "unpatched") == (kernel_name == "unpatched")]
                # Each repetition its own order: no mode always follows another.
                random.Random(f"{scenario} {workload} {rep}").shuffle(modes)
                for order, mode in enumerate(modes):
                    phases = ([("a", "b"), ("b", "a")] if scenario == "asym"
                              else [(None, None)])
                    for n, (busy_name, idle_name) in enumerate(phases):
                        busy = [g for g in guests if busy_name in (None, g.name)]
                        idle = [g for g in guests if g not in busy]
                        oracle = {g.name: oracle_cpus(sc["cpus"], len(busy)) if g in busy
                                  else 1 for g in guests}
                        if mode != "unpatched" and (n == 0 or mode == "oracle"):
                            self.set_mode(guests, mode, oracle, sc["cpus"])
                        ctx = {"scenario": scenario, "rep": rep, "kernel": kernel_name,
                               "mode": mode, "order": order, "boot": tag,
                               "phase": busy_name or "all", "oracle": oracle,
                               "run": f"{tag}-{workload}-{mode}-{busy_name or 'all'}"}
                        print(f"bench-overcommit: {scenario} rep {rep} {mode} "
                              f"{workload} {ctx['phase']}", file=sys.stderr)
                        try:
                            self.run(busy, idle, ctx, workload, self.args.warmup)
                        except ModeNotInEffect as e:
                            # Once: a mode whose agent got no target in
                            # the warm-up's 20 s is a failure, not luck.
                            print(f"bench-overcommit: {e}; again", file=sys.stderr)
                            self.run(busy, idle, ctx, workload, self.args.warmup)
        except GuestError as e:
            failure = e
        finally:
            hintd.stop()
            rcs = {g.name: g.stop() for g in guests}
        if failure:
            raise failure
        bad = {n: rc for n, rc in rcs.items() if rc not in (0, None)}
        if bad:
            raise GuestError(f"{tag}: run-vm.sh exited {bad} (251: kernel splat; "
                             "see the console logs)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(TOP, "build/bench/overcommit"))
    ap.add_argument("--docs", default=os.path.join(TOP, "docs"))
    ap.add_argument("--scenario", action="append", choices=list(SCENARIOS))
    ap.add_argument("--report-only", action="store_true")
    ap.add_argument("--kernel", default=os.path.join(TOP, "build/kernel-bench/arch/x86/boot/bzImage"))
    ap.add_argument("--unpatched", default=os.path.join(
        TOP, "build/kernel-bench-unpatched/arch/x86/boot/bzImage"))
    ap.add_argument("--initrd", default=os.path.join(TOP, "build/initramfs.cpio.gz"))
    ap.add_argument("--vm-timeout", type=int, default=3600)
    args = ap.parse_args()
    if args.reps < 1 or args.seconds < 1 or args.warmup < 1:
        ap.error("--reps, --seconds and --warmup must be at least 1")
    report = [os.path.join(TOP, "scripts/bench-report.py"), "--overcommit", args.out,
              "--docs", args.docs]
    if not args.report_only:
        for f in (args.kernel, args.unpatched, args.initrd, HINTD):
            if not os.path.exists(f):
                print(f"bench-overcommit: {f} missing (make bench-overcommit builds it)",
                      file=sys.stderr)
                return 1
        if (os.cpu_count() or 1) < HOST_CPUS:
            print(f"bench-overcommit: needs {HOST_CPUS} host CPUs", file=sys.stderr)
            return 1
        os.makedirs(args.out, exist_ok=True)
        for f in os.listdir(args.out):
            if f.endswith((".jsonl", ".log", ".err")):
                os.unlink(os.path.join(args.out, f))
        with open(os.path.join(args.out, "meta.json"), "w") as f:
            json.dump({"reps": args.reps, "seconds": args.seconds, "warmup": args.warmup,
                       "host_cpus": HOST_CPUS, "started": time.time(),
                       "command": " ".join(["scripts/bench-overcommit.py"] + sys.argv[1:]),
                       "qemu": benchmeta.qemu_version(),
                       "source": benchmeta.kernel_source()}, f)
        bench = Bench(args)
        start = time.time()

        def stop(signum, _frame):
            raise GuestError(f"signal {signum}")
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            for rep in range(1, args.reps + 1):
                for scenario in args.scenario or list(SCENARIOS):
                    kernels = ["unpatched", "patched"]
                    if rep % 2 == 0:
                        kernels.reverse()
                    for k in kernels:
                        bench.boot_and_run(scenario, k, rep)
        except GuestError as e:
            print(f"bench-overcommit: {e}", file=sys.stderr)
            # The report shows how far the data goes, and why it ends.
            with open(os.path.join(args.out, "meta.json")) as f:
                meta = json.load(f)
            meta["stopped_by"] = str(e)
            with open(os.path.join(args.out, "meta.json"), "w") as f:
                json.dump(meta, f)
            subprocess.run(report)
            return 2
        finally:
            vmguests.remove_cgroups()
        with open(os.path.join(args.out, "meta.json")) as f:
            meta = json.load(f)
        meta["wall_s"] = round(time.time() - start)
        with open(os.path.join(args.out, "meta.json"), "w") as f:
            json.dump(meta, f)
        print(f"bench-overcommit: runs done in {meta['wall_s']} s", file=sys.stderr)
    return 0 if subprocess.run(report).returncode == 0 else 3


if __name__ == "__main__":
    sys.exit(main())
