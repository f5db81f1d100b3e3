#!/usr/bin/env python3
"""bench-governor-report.py - paravirt governor fold and give-back times
from bench-governor logs.

Usage: scripts/bench-governor-report.py [--trials] LOG...
       scripts/bench-governor-report.py --target CPUS THREADS HOST_CPUS

Reads console logs of guest/bench-governor (one configuration per
"bench-governor: begin" line; a log may hold several) and prints, per
configuration, the checks and what was seen, then one table over all
of them: trials, p50 and max of each step's fold and give-back, in
governor intervals and in ms. Percentiles are nearest-rank: the value at
rank ceil(p/100 * n) of the n trials sorted ascending, so every reported
value was measured. --trials also prints one line per step and trial.

Target: with N CPUs in cores of T threads and H host CPUs injected, the
governor should keep K = max(T, ceil(H/T) * T) CPUs, H rounded up to
whole cores and at least CPU 0's core, which it always keeps, and mark
the other N - K. --target prints that mask as a cpulist, the
highest-numbered CPUs, for one LLC whose sibling threads are numbered
together (QEMU's -smp order): what scripts/bench-governor.sh tells the
guest to wait for before it removes the injection.

Per step, t_inject and t_release being the guest's "inject" and
"release" trace markers (guest trace clock, "global"), and a governor
interval being one workqueue_execute_start of pvgov_work_fn:
  fold (intervals)       governor runs in (t_inject, t_fold], t_fold
                         being the first sched_paravirt_mask event after
                         t_inject that marks N - K CPUs
  fold (ms)              t_fold - t_inject
  give-back (intervals)  governor runs in (t_release, t_empty], t_empty
                         being the first empty sched_paravirt_mask event
                         after t_release, or t_release itself if a probe
                         upward had emptied the mask by then
  give-back (ms)         t_empty - t_release
A fold or give-back not seen ranks last, shown as "-", never dropped.
Beside each row, what the upstream governor's rule, one core folded or
unfolded per interval, needs for the same step: (N - K) / T intervals
each way, in ms at this run's interval_ms and at upstream's default of
1000 ms. That is a lower bound for it: it leaves out the intervals any
rule needs to notice the step.

Checks, each counted over all steps:
  incomplete      steps without their markers, counters or end line, or
                  that began with CPUs still marked; trials announced
                  but never printed; no "bench-governor: end" line
  no steal        a step injecting H host CPUs while the guest's settled
                  demand is not above H CPUs: the injection then adds no
                  steal and the step measures nothing
  not reached     steps whose mask never marked N - K CPUs before the
                  release
  overshoot       masks marking more than N - K CPUs while injected: the
                  governor folded below what the host gives
  split core      masks that mark part of a core, or CPU 0's core
  no give-back    steps whose mask was not empty again by the end marker
  counter         governor runs traced between two markers that differ
                  by more than one from the debugfs intervals counter
                  read next to them (an event lost, or a wrong filter)
  no intervals    a configuration with no pvgov_work_fn event at all
Shown, not checked: folds made in one step (the first mask change after
the injection already marks N - K CPUs), mask changes after reaching the
target while still injected (probes upward and the folds that follow),
mask changes during the give-back and after it, and the median traced
interval.

Host models: the debug kernel's KUnit suite, which runs at every boot,
drives the steal decision in closed loop against models of hosts (a
fixed share, a share per vCPU thread, steal no fold removes, moving and
falling shares, bursts, a saturated guest) for two simulated minutes
each and prints one line per model. The report gathers them from the
logs into a second table: CPU-seconds the guest got with the governor,
with no governor and with a rule of one core a second, the governor's
share of no governor's, its mask changes in the steady last minute and
the steal then, the CPUs kept at the end, and the longest time it took
to reach the right size after the host changed it (with the changes
reached, when some were not). Logs that hold no such
line (a kernel without the KUnit suite) leave it out; a model whose
verdict in the log is "not ok" is a failed check.
Exit codes: 0 clean, 1 any of the checks fired (the tables still print),
2 usage, an unreadable log or a log with no bench-governor run.
"""

import os
import re
import sys

# No __pycache__ in the checkout.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from tracelog import (FIELD, format_cpulist, ms, nearest_rank,  # noqa: E402
                      parse_cpulist, parse_mask, walk_runs)

MARKER = re.compile(r"^bench-governor: (.*)$")
WORK_FUNCTION = "pvgov_work_fn"
UPSTREAM_INTERVAL_MS = 1000


def target_keep(cpus, threads, host_cpus):
    """CPUs the governor should keep when the host gives @host_cpus."""
    cores = -(-host_cpus // threads)
    return min(cpus, max(1, cores) * threads)


class Step:
    def __init__(self, trial, host, begin_mask):
        self.trial = trial
        self.host = host
        self.begin_mask = begin_mask
        self.events = []
        self.counters = None
        self.end_mask = None
        self.ended = False


class Run:
    def __init__(self, source, params):
        self.source = source
        self.params = params
        self.topology = {}
        self.hogs = 0
        self.settled = {}
        self.steps = []


def parse_log(path, text):
    runs = []
    step = None

    def new_run(params):
        nonlocal step
        step = None
        runs.append(Run(path, params))
        return runs[-1]

    for run, words, line, event in walk_runs(text, MARKER, new_run):
        if event:
            if step is not None:
                step.events.append(event)
        elif words[0] == "topology":
            for item in words[1:]:
                cpu, _, siblings = item.partition(":")
                run.topology[int(cpu)] = frozenset(parse_cpulist(siblings))
        elif words[0] == "hogs":
            run.hogs = len(words) - 1
        elif words[0] == "settled":
            run.settled = dict(FIELD.findall(" ".join(words[1:])))
        elif words[0] == "trial" and len(words) >= 5 and words[2] == "step":
            trial, host, what = int(words[1]), int(words[3]), words[4]
            fields = dict(FIELD.findall(" ".join(words[5:])))
            if what == "begin":
                step = Step(trial, host, line.partition(" begin mask=")[2].strip())
                run.steps.append(step)
            elif step is None or (step.trial, step.host) != (trial, host):
                continue
            elif what == "counters":
                step.counters = {k: int(v) for k, v in fields.items()}
            elif what == "end":
                step.end_mask = fields.get("mask", "")
                step.ended = True
                step = None
        elif words[0] == "end":
            step = None
    return runs


def is_work(event):
    return (event.name == "workqueue_execute_start"
            and event.body.split()[-1:] == [WORK_FUNCTION])


def runs_between(works, start, end):
    """Governor runs that started in (start, end]."""
    return sum(1 for w in works if start < w.ts <= end)


def split_core(mask, topology, first_core):
    """Whether @mask marks part of a core, or any CPU of @first_core."""
    return bool(mask & first_core) or any(
        not topology.get(cpu, {cpu}) <= mask for cpu in mask)


def analyze_step(step, ncpus, threads, topology):
    """One step's numbers, or a string saying why it has none."""
    if not step.ended or step.counters is None:
        return "cut short (no counters/end line)"
    if step.begin_mask:
        return f"began with CPUs {step.begin_mask} marked"
    events = sorted(step.events, key=lambda e: e.ts)
    marks = {}
    for e in events:
        if e.name == "tracing_mark_write" and e.body.split()[:1]:
            marks.setdefault(e.body.split()[0], e.ts)
    missing = [k for k in ("inject", "release", "end") if k not in marks]
    if missing:
        return f"no {'/'.join(missing)} trace marker"
    t_inj, t_rel, t_end = marks["inject"], marks["release"], marks["end"]
    works = [e for e in events if is_work(e)]
    masks = [(e.ts, parse_mask(e.fields.get("mask", "0")))
             for e in events if e.name == "sched_paravirt_mask"]
    keep = target_keep(ncpus, threads, step.host)
    want = ncpus - keep
    first_core = topology.get(0, frozenset({0}))

    res = {"keep": keep, "marked": want}
    held = [(ts, m) for ts, m in masks if t_inj < ts <= t_rel]
    after = [(ts, m) for ts, m in masks if t_rel < ts <= t_end]
    reach = next((ts for ts, m in held if len(m) == want), None)
    res["fold_ns"] = None if reach is None else reach - t_inj
    res["fold_iv"] = None if reach is None else runs_between(works, t_inj, reach)
    res["one_step"] = bool(held) and len(held[0][1]) == want
    res["after_target"] = None if reach is None else sum(1 for ts, _ in held if ts > reach)
    res["overshoot"] = sum(1 for _, m in held if len(m) > want)
    res["split"] = sum(1 for _, m in masks if split_core(m, topology, first_core))
    res["release_marked"] = len(held[-1][1]) if held else 0
    empty = next((ts for ts, m in after if not m), None)
    if held and not held[-1][1]:
        # Already empty at the release (a probe upward had unfolded all).
        empty = t_rel
    res["gb_ns"] = None if empty is None else empty - t_rel
    res["gb_iv"] = None if empty is None else runs_between(works, t_rel, empty)
    res["gb_changes"] = None if empty is None else sum(1 for ts, _ in after if ts <= empty)
    res["refolds"] = 0 if empty is None else sum(1 for ts, _ in after if ts > empty)
    c = step.counters
    res["counter"] = []
    for name, start, end, lo, hi in (("inject..release", t_inj, t_rel, "inject", "release"),
                                     ("release..end", t_rel, t_end, "release", "end")):
        if lo in c and hi in c:
            traced = runs_between(works, start, end)
            if abs(traced - (c[hi] - c[lo])) > 1:
                res["counter"].append(f"{name}: {traced} traced, counter +{c[hi] - c[lo]}")
        else:
            res["counter"].append(f"{name}: no counter")
    res["gaps"] = [b.ts - a.ts for a, b in zip(works, works[1:])]
    return res


def column(values, fmt):
    """p50 and max of @values; None (not seen) ranks last, shown as "-"."""
    ordered = sorted(values, key=lambda v: (v is None, v or 0))
    return ["-" if v is None else fmt(v) for v in
            (nearest_rank(ordered, 50), nearest_rank(ordered, 100))]


def spread(values):
    """"p50 P, max M" of integers, or "-" with none."""
    values = sorted(v for v in values if v is not None)
    if not values:
        return "-"
    return f"p50 {nearest_rank(values, 50)}, max {values[-1]}"


def report_run(run, show_trials, rows):
    """Print one configuration, append its table rows; return the failed checks."""
    p = run.params
    label = p.get("label", "?")
    problems = []
    try:
        ncpus = int(p.get("cpus", "0"))
        interval = int(p.get("interval_ms", "0"))
        announced = int(p.get("trials", "0"))
        steps = [int(s.partition(":")[0]) for s in p.get("steps", "").split("/") if s]
    except ValueError:
        ncpus = interval = announced = 0
        steps = []
    threads = len(run.topology.get(0, ())) or 1
    cores = len(set(run.topology.values()))
    print(f"config {label}: kernel {p.get('kernel', '?')} build {p.get('build', '?')}, {ncpus} vCPUs "
          f"({cores} cores x {threads} threads), {run.hogs} hogs, interval_ms {interval}, "
          f"hold {p.get('hold_ms', '?')} ms + up to {p.get('target_limit_ms', '?')} ms for the target, "
          f"give-back limit {p.get('giveback_limit_ms', '?')} ms")
    print(f"  log {run.source}")
    if not ncpus or not interval or not steps or not run.topology:
        print("  incomplete: cpus, interval_ms, trials or steps unreadable in the begin line, "
              "or no topology line")
        print()
        return [f"{label}: incomplete header"]
    s = run.settled
    try:
        demand = int(s.get("demand", ""))
    except ValueError:
        demand = None
    print(f"  settled, no injection: demand {'?' if demand is None else f'{demand / 1000:.3f}'} CPUs, "
          f"steal {s.get('steal', '?')} permille, kept {s.get('kept', '?')}, mask '{s.get('mask', '')}'")
    starved = [h for h in steps if demand is None or demand <= h * 1000]
    if starved:
        problems.append(f"{label}: no steal for step(s) {','.join(map(str, starved))}")
        print(f"  no steal: the guest wants {'?' if demand is None else demand / 1000} CPUs, "
              f"not more than the {','.join(map(str, starved))} injected: those steps add no steal")

    incomplete = []
    printed = {}
    results = {h: [] for h in steps}
    works = 0
    gaps = []
    for st in run.steps:
        printed[st.host] = printed.get(st.host, 0) + 1
        works += sum(1 for e in st.events if is_work(e))
        r = analyze_step(st, ncpus, threads, run.topology)
        if isinstance(r, str):
            incomplete.append(f"trial {st.trial} step {st.host}: {r}")
        else:
            results.setdefault(st.host, []).append((st.trial, r))
            gaps += r["gaps"]
    for h in steps:
        if printed.get(h, 0) < announced:
            incomplete.append(f"step {h}: {announced - printed.get(h, 0)} of {announced} "
                              "announced trials never printed")
    if "ended" not in p:
        incomplete.append("no 'bench-governor: end' line (guest died or was cut short?)")
    for why in incomplete:
        print(f"  incomplete: {why}")
    if incomplete:
        problems.append(f"{label}: {len(incomplete)} incomplete")
    if not works:
        problems.append(f"{label}: no {WORK_FUNCTION} events")
        print(f"  intervals: no {WORK_FUNCTION} event, interval counts are meaningless")
    elif gaps:
        print(f"  intervals: median {ms(sorted(gaps)[(len(gaps) - 1) // 2])} ms between "
              f"governor runs, {ms(max(gaps))} ms longest (interval_ms {interval})")

    for h in steps:
        res = results.get(h, [])
        keep = target_keep(ncpus, threads, h)
        fold_cores = (ncpus - keep) // threads
        print(f"  step {h}/{ncpus}: host gives {h} CPUs; target keep {keep} "
              f"({keep // threads} of {cores} cores), marks {ncpus - keep}; "
              f"{len(res)} of {announced} trials analyzed")
        if not res:
            problems.append(f"{label}: step {h}: no trial to analyze")
            continue
        n = len(res)
        want = ncpus - keep
        checks = (
            ("not reached", sum(1 for _, r in res if r["fold_ns"] is None),
             "steps never marking the target count before the release"),
            ("overshoot", sum(r["overshoot"] for _, r in res),
             "masks marking more than the target while injected"),
            ("split core", sum(r["split"] for _, r in res),
             "masks splitting a core or marking CPU 0's"),
            ("no give-back", sum(1 for _, r in res if r["gb_ns"] is None),
             "steps not empty again by the end marker"),
            ("counter", sum(len(r["counter"]) for _, r in res),
             "traced runs off the debugfs counter"),
        )
        print("    checks: " + ", ".join(f"{name} {count}" for name, count, _ in checks))
        for name, count, what in checks:
            if count:
                problems.append(f"{label}: step {h}: {count} {name} ({what})")
        for t, r in res:
            for why in r["counter"]:
                print(f"    counter: trial {t}: {why}")
        print(f"    one-step folds {sum(1 for _, r in res if r['one_step'])} of {n}; "
              f"mask changes after the target while injected: "
              f"{spread(r['after_target'] for _, r in res)}; "
              f"released at the target in {sum(1 for _, r in res if r['release_marked'] == want)} of {n}")
        print(f"    mask changes during the give-back: {spread(r['gb_changes'] for _, r in res)}; "
              f"after it, before the end marker: {sum(r['refolds'] for _, r in res)}")
        if show_trials:
            print("    trial  fold_iv  fold_ms  gb_iv  gb_ms  after_target  gb_changes")
            for t, r in res:
                def show(v, fmt=str):
                    return "-" if v is None else fmt(v)
                print(f"    {t:5d}  {show(r['fold_iv']):>7}  {show(r['fold_ns'], ms):>7}  "
                      f"{show(r['gb_iv']):>5}  {show(r['gb_ns'], ms):>5}  "
                      f"{show(r['after_target']):>12}  {show(r['gb_changes']):>10}")
        for phase, iv, ns in (("fold", "fold_iv", "fold_ns"), ("give-back", "gb_iv", "gb_ns")):
            rows.append((label, f"{h}/{ncpus}", keep, phase, n,
                         column([r[iv] for _, r in res], str),
                         column([r[ns] for _, r in res], ms),
                         fold_cores, interval))
    print()
    return problems


def print_table(rows):
    if not rows:
        return
    intervals = sorted({r[8] for r in rows})
    here = f"ms@{intervals[0]}" if len(intervals) == 1 else "ms@ival"
    print(f"{'':47}{'intervals':^17}  {'ms':^21}  | one core per interval")
    print(f"  {'config':8} {'host/vCPUs':>10} {'keep':>4}  {'phase':9}  {'trials':>6}  "
          f"{'p50':>8} {'max':>8}  {'p50':>10} {'max':>10}  | {'intervals':>9} "
          f"{here:>8} {f'ms@{UPSTREAM_INTERVAL_MS}':>8}")
    for label, step, keep, phase, n, iv, ns, cores, interval in rows:
        print(f"  {label:8} {step:>10} {keep:4d}  {phase:9}  {n:6d}  "
              f"{iv[0]:>8} {iv[1]:>8}  {ns[0]:>10} {ns[1]:>10}  | {cores:9d} "
              f"{cores * interval:8d} {cores * UPSTREAM_INTERVAL_MS:8d}")


MODEL_LINE = re.compile(
    r"vfold_governor_closed_loop: (?P<name>.+?): CPU-s got: governor (?P<gov>\d+), "
    r"none (?P<none>\d+), 1-core/s rule (?P<rule>\d+); steady minute: (?P<changes>\d+) "
    r"changes, (?P<steal>\d+) permille steal; (?P<end>\d+) kept at the end"
    r"(?:; right size: (?P<reached>\d+) of (?P<changes_host>\d+) changes, "
    r"in (?P<right_ms>\d+) ms at most)?")
MODEL_VERDICT = re.compile(r"^\s*(?P<verdict>not ok|ok) \d+ (?P<name>.+?)\s*$")


def host_models(texts):
    """The KUnit closed-loop lines of the logs, once per model: (fields, verdict)."""
    models = {}
    for text in texts:
        names = []
        for line in text.splitlines():
            m = MODEL_LINE.search(line)
            if m:
                names.append(m["name"])
                models.setdefault(m["name"], [m.groupdict(), None])
                continue
            v = MODEL_VERDICT.match(line)
            if v and v["name"] in names and models[v["name"]][1] is None:
                models[v["name"]][1] = v["verdict"]
    return models


def print_models(models):
    """Print the host-model table; return the failed models."""
    if not models:
        return []
    print("host models (KUnit vfold_governor_closed_loop, 8 vCPUs, 2 simulated minutes, "
          "CPU-seconds got):")
    print(f"  {'model':52} {'governor':>8} {'none':>6} {'rule':>6} {'share':>6}  "
          f"{'changes/min':>11} {'steal':>6} {'end':>4}  {'to right size':>15}  verdict")
    failed = []
    for name, (f, verdict) in models.items():
        gov, none = int(f["gov"]), int(f["none"])
        share = f"{100 * gov / none:.0f}%" if none else "-"
        right = "-"
        if f["right_ms"] is not None:
            right = f"{int(f['right_ms']) / 1000:.1f} s"
            if f["reached"] != f["changes_host"]:
                right += f" ({f['reached']}/{f['changes_host']})"
        print(f"  {name[:52]:52} {gov:8d} {none:6d} {int(f['rule']):6d} {share:>6}  "
              f"{int(f['changes']):11d} {int(f['steal']):5d}‰ {int(f['end']):4d}  "
              f"{right:>15}  {verdict or '?'}")
        if verdict != "ok":
            failed.append(f"host model '{name}': {verdict or 'no verdict'}")
    print()
    return failed


def usage():
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


def main(argv):
    args = argv[1:]
    if args[:1] == ["--target"]:
        try:
            ncpus, threads, host = (int(a) for a in args[1:])
        except ValueError:
            return usage()
        if ncpus < 1 or threads < 1 or ncpus % threads or not 0 < host <= ncpus:
            return usage()
        print(format_cpulist(range(target_keep(ncpus, threads, host), ncpus)))
        return 0
    show_trials = False
    if args[:1] == ["--trials"]:
        show_trials = True
        args = args[1:]
    if not args or any(a.startswith("-") for a in args):
        return usage()
    runs = []
    texts = []
    for path in args:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError as e:
            print(f"bench-governor-report: {e}", file=sys.stderr)
            return 2
        texts.append(text)
        found = parse_log(path, text)
        if not found:
            print(f"bench-governor-report: {path}: no 'bench-governor: begin' line", file=sys.stderr)
            return 2
        runs.extend(found)

    print("bench-governor: paravirt CPU governor, steal mode, steal steps injected through "
          "debugfs; guest trace clock; percentiles nearest-rank over trials")
    print()
    problems = []
    rows = []
    for run in runs:
        problems += report_run(run, show_trials, rows)
    print_table(rows)
    print()
    problems += print_models(host_models(texts))
    steps = sum(len(r.steps) for r in runs)
    verdict = "; ".join(problems) if problems else "all checks passed"
    print(f"bench-governor-report: {len(runs)} configs, {steps} steps: {verdict}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
