#!/usr/bin/env python3
"""bench-drain-report.py - drain and give-back times from bench-drain logs.

Usage: scripts/bench-drain-report.py [--trials] LOG...

Reads console logs of guest/bench-drain (one configuration per
"bench-drain: begin" line; a log may hold several) and prints, per
configuration, the trial count, the checks and a table of p50, p99 and
max over trials. Percentiles are nearest-rank: the value at rank
ceil(p/100 * n) of the n trials sorted ascending, so every reported
value was measured. --trials also prints one line per trial.

Per trial, with M the marked CPUs, t_mark the sched_paravirt_mask event
that marks M and t_unmark the one that clears it (guest trace clock,
"global"):
  drain (ms)         max over c in M of c's drain, minus t_mark; c's
                     drain is the last sched_paravirt_push from c, or the
                     last sched_migrate_task of a hog off c (the load
                     balancer moves hogs too), whichever is later, before
                     t_unmark (t_mark for a CPU nothing left): no movable
                     task is left on M after it.
  drain (ticks)      max over c in M of the ticks c itself ran (its
                     tick_nohz_handler hrtimer) in (t_mark, c's drain].
  give-back (ms)     max over c in M of the first sched_switch on c to a
                     hog after t_unmark, minus t_unmark: every unmarked
                     CPU runs work again.
  give-back first (ms)  the same, min over c in M: the first unmarked CPU
                     to run work again.
  give-back (ticks)  max over c in M of c's ticks in (t_unmark, that switch].
A CPU that got no hog back before the trace stopped counts as a give-back
longer than the hold ("> N" ms, "-" ticks), ranked last, never dropped.

Checks, each counted over all trials:
  violations   hogs whose /proc/PID/stat CPU, read by the guest at the end
               of the hold (just before the unmark), is in M
  late runs    sched_switch to a hog on c in M after c's drain, before
               t_unmark (the trace's view of the same failure)
  moved onto   sched_migrate_task of a hog to a CPU in M in [t_mark,
               t_unmark)
Also shown, not checked: hogs moved off M by the load balancer rather
than pushed, and the softirqs (irq:softirq_entry to exit) that ran on a
CPU of M while it was marked, longest first: a softirq holds off the
stopper that pushes.
  incomplete   trials without both mask events, with a mask other than the
               configuration's, or missing their before/after/end lines;
               and trials the configuration announced but never printed
  no ticks     a configuration with no tick event at all: its tick counts
               would be meaningless zeros
Exit codes: 0 clean, 1 any of the checks fired (the tables still print),
2 an unreadable log or a log with no bench-drain run.
"""

import math
import os
import re
import sys

# No __pycache__ in the checkout.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from tracelog import ms, nearest_rank, parse_cpulist, parse_mask, walk_runs  # noqa: E402

MARKER = re.compile(r"^bench-drain: (.*)$")
TICK_FUNCTION = "tick_nohz_handler"


class Trial:
    def __init__(self, number):
        self.number = number
        self.events = []
        self.before = None
        self.after = None
        self.ended = False


class Run:
    def __init__(self, source, params):
        self.source = source
        self.params = params
        self.hogs = set()
        self.trials = []


def parse_placement(text):
    """"PID:CPU ..." to {pid: cpu}; a gone hog maps to None."""
    where = {}
    for item in text.split():
        pid, _, cpu = item.partition(":")
        where[int(pid)] = int(cpu) if cpu.isdigit() else None
    return where


def parse_log(path, text):
    runs = []
    trial = None

    def new_run(params):
        nonlocal trial
        trial = None
        runs.append(Run(path, params))
        return runs[-1]

    for run, words, _line, event in walk_runs(text, MARKER, new_run):
        if event:
            if trial is not None:
                trial.events.append(event)
        elif words[0] == "hogs":
            run.hogs = {int(w) for w in words[1:]}
        elif words[0] == "trial" and len(words) >= 3:
            number = int(words[1])
            if words[2] == "begin":
                trial = Trial(number)
                run.trials.append(trial)
            elif trial is None or trial.number != number:
                continue
            elif words[2] == "before":
                trial.before = parse_placement(" ".join(words[3:]))
            elif words[2] == "after":
                trial.after = parse_placement(" ".join(words[3:]))
            elif words[2] == "end":
                trial.ended = True
                trial = None
        elif words[0] == "end":
            trial = None
    return runs


def is_tick(event):
    return (event.name == "hrtimer_expire_entry"
            and event.fields.get("function") == TICK_FUNCTION)


def hog(event, hogs):
    return int(event.fields.get("pid", -1)) in hogs


def next_hog(event, hogs):
    return int(event.fields.get("next_pid", -1)) in hogs


def ticks_between(events, cpu, start, end):
    """Ticks that @cpu ran in (start, end]."""
    return sum(1 for e in events
               if e.cpu == cpu and start < e.ts <= end and is_tick(e))


def analyze_trial(trial, marked, hogs):
    """One trial's numbers, or a string saying why it has none."""
    if not trial.ended or trial.before is None or trial.after is None:
        return "cut short (no before/after/end line)"
    events = sorted(trial.events, key=lambda e: e.ts)
    masks = [e for e in events if e.name == "sched_paravirt_mask"]
    if len(masks) != 2:
        return f"{len(masks)} sched_paravirt_mask events, want 2"
    got = [parse_mask(e.fields.get("mask", "0")) for e in masks]
    if got[0] != marked or got[1]:
        return f"masks {sorted(got[0])} then {sorted(got[1])}, want {sorted(marked)} then empty"
    t_mark, t_unmark = masks[0].ts, masks[1].ts

    res = {"pushes": {}, "late": 0, "gb_missing": 0, "balanced": 0, "onto": 0}
    held = [e for e in events if t_mark <= e.ts < t_unmark]
    # A push is traced just before its set_task_cpu() traces the
    # migration, on the same CPU with its runqueue locked, so a hog's
    # migration right after its own push, on that CPU, is the push.
    last_on_cpu = {}
    for e in held:
        if e.name == "sched_migrate_task" and hog(e, hogs):
            orig = int(e.fields.get("orig_cpu", -1))
            prev = last_on_cpu.get(e.cpu)
            pushed = (prev is not None and prev.name == "sched_paravirt_push"
                      and prev.fields.get("pid") == e.fields.get("pid"))
            if orig in marked and not pushed:
                res["balanced"] += 1
            if int(e.fields.get("dest_cpu", -1)) in marked:
                res["onto"] += 1
        last_on_cpu[e.cpu] = e
    drain = drain_ticks = 0
    gb = gb_ticks = 0
    gb_first = None
    for cpu in sorted(marked):
        pushes = [e for e in held if e.name == "sched_paravirt_push"
                  and int(e.fields.get("src_cpu", -1)) == cpu]
        moves = [e for e in held if e.name == "sched_migrate_task" and hog(e, hogs)
                 and int(e.fields.get("orig_cpu", -1)) == cpu]
        for e in pushes:
            reason = e.fields.get("reason", "?")
            res["pushes"][reason] = res["pushes"].get(reason, 0) + 1
        done = max([t_mark] + [e.ts for e in pushes + moves])
        drain = max(drain, done - t_mark)
        drain_ticks = max(drain_ticks, ticks_between(events, cpu, t_mark, done))
        res["late"] += sum(1 for e in held
                           if e.name == "sched_switch" and e.cpu == cpu
                           and e.ts > done and next_hog(e, hogs))
        back = next((e for e in events
                     if e.name == "sched_switch" and e.cpu == cpu
                     and e.ts > t_unmark and next_hog(e, hogs)), None)
        if back is None:
            res["gb_missing"] += 1
        else:
            gb = max(gb, back.ts - t_unmark)
            gb_first = min(gb_first or math.inf, back.ts - t_unmark)
            gb_ticks = max(gb_ticks, ticks_between(events, cpu, t_unmark, back.ts))
    res["softirqs"] = softirq_stints(events, marked, t_mark, t_unmark)
    res["softirqs_after"] = softirq_stints(events, marked, t_unmark, math.inf)
    res["drain_ns"] = drain
    res["drain_ticks"] = drain_ticks
    res["gb_ns"] = None if res["gb_missing"] else gb
    res["gb_ticks"] = None if res["gb_missing"] else gb_ticks
    res["gb_first_ns"] = gb_first
    res["violations"] = sorted(pid for pid, cpu in trial.after.items()
                               if cpu in marked)
    res["loaded_before"] = sum(1 for cpu in trial.before.values() if cpu in marked)
    return res


def softirq_stints(events, cpus, start, end):
    """(duration, action, cpu) of each softirq on @cpus entered in [start, end)."""
    started = {}
    stints = []
    for e in events:
        if e.cpu not in cpus:
            continue
        if e.name == "softirq_entry" and start <= e.ts < end:
            started[e.cpu] = e
        elif e.name == "softirq_exit" and e.cpu in started:
            entry = started.pop(e.cpu)
            action = entry.fields.get("action", "").strip("[]") or entry.fields.get("vec", "?")
            stints.append((e.ts - entry.ts, action, e.cpu))
    return stints


def tick_period_ns(trials):
    """The most common gap between consecutive ticks of one CPU, to the
    nearest 0.5 ms (idle CPUs skip ticks and busy vCPUs take them late, so
    neither the median nor the minimum is the period), or None."""
    counts = {}
    for trial in trials:
        last = {}
        for e in sorted(trial.events, key=lambda e: e.ts):
            if is_tick(e):
                if e.cpu in last:
                    gap = round((e.ts - last[e.cpu]) / 500_000) * 500_000
                    if gap:
                        counts[gap] = counts.get(gap, 0) + 1
                last[e.cpu] = e.ts
    if not counts:
        return None
    return max(counts, key=lambda gap: (counts[gap], -gap))


def column(values, fmt, unseen):
    """p50, p99, max of @values; None (not seen) ranks last, shown as @unseen."""
    ordered = sorted(values, key=lambda v: (v is None, v or 0))
    out = []
    for p in (50, 99, 100):
        v = nearest_rank(ordered, p)
        out.append(unseen if v is None else fmt(v))
    return out


def report_run(run, show_trials):
    """Print one configuration; return the list of failed checks."""
    p = run.params
    label = p.get("label", "?")
    marked = parse_cpulist(p.get("mark", ""))
    problems = []
    results = []
    incomplete = []
    for trial in run.trials:
        r = analyze_trial(trial, marked, run.hogs)
        if isinstance(r, str):
            incomplete.append(f"trial {trial.number}: {r}")
        else:
            results.append((trial.number, r))
    try:
        announced = int(p.get("trials", "0"))
    except ValueError:
        announced = 0
    if len(run.trials) < announced:
        incomplete.append(f"{announced - len(run.trials)} of {announced} announced trials never printed")
    if "ended" not in p:
        incomplete.append("no 'bench-drain: end' line (guest died or was cut short?)")

    period = tick_period_ns(run.trials)
    hold = p.get("hold_ms", "?")
    print(f"config {label}: kernel {p.get('kernel', '?')}, {p.get('cpus', '?')} vCPUs, "
          f"{p.get('hogs', '?')} hogs, mark CPUs {p.get('mark', '?')}, "
          f"hold {hold} ms, settle {p.get('settle_ms', '?')} ms")
    print(f"  log {run.source}")
    print(f"  trials: {len(results)} analyzed of {announced} announced, {len(incomplete)} incomplete")
    for why in incomplete:
        print(f"    incomplete: {why}")
    if incomplete:
        problems.append(f"{label}: {len(incomplete)} incomplete")
    if not results:
        problems.append(f"{label}: no trial to analyze")
        print()
        return problems

    violations = sum(len(r["violations"]) for _, r in results)
    late = sum(r["late"] for _, r in results)
    print(f"  violations: {violations} (hog on a marked CPU in /proc/PID/stat at the end of the hold), "
          f"late runs: {late} (hog switched in on a marked CPU after its drain)")
    if violations:
        problems.append(f"{label}: {violations} violations")
        bad = [f"{n}:{','.join(map(str, r['violations']))}" for n, r in results if r["violations"]]
        print(f"    trial:pids {' '.join(bad[:10])}{' ...' if len(bad) > 10 else ''}")
    if late:
        problems.append(f"{label}: {late} late runs")
    onto = sum(r["onto"] for _, r in results)
    if onto:
        problems.append(f"{label}: {onto} hogs moved onto a marked CPU")
        print(f"  moved onto: {onto} hog migrations to a marked CPU while it was marked")
    ticks = sum(1 for t in run.trials for e in t.events if is_tick(e))
    if not ticks:
        problems.append(f"{label}: no tick events ({TICK_FUNCTION} hrtimer)")
        print(f"  tick: no {TICK_FUNCTION} event seen, tick counts are meaningless")
    elif period is None:
        print(f"  tick: {ticks} tick events, too few to tell the period")
    else:
        print(f"  tick: {ticks} tick events; most common gap between ticks of one CPU "
              f"{period / 1e6:.1f} ms (more than 1/HZ when the vCPU is descheduled)")
    pushes = {}
    for _, r in results:
        for reason, count in r["pushes"].items():
            pushes[reason] = pushes.get(reason, 0) + count
    loaded = sum(r["loaded_before"] for _, r in results) / len(results)
    n = len(results)
    over2 = sum(1 for _, r in results if r["drain_ticks"] > 2)
    missing = sum(r["gb_missing"] for _, r in results)
    balanced = sum(r["balanced"] for _, r in results)
    print(f"  pushes: {', '.join(f'{k} {v}' for k, v in sorted(pushes.items())) or 'none'}; "
          f"hogs moved off by the load balancer instead: {balanced}; "
          f"hogs on marked CPUs before the mark: {loaded:.1f} per trial")
    print(f"  drains needing > 2 ticks: {over2} of {n}; "
          f"CPUs given no hog back within the hold: {missing}")
    for key, when in (("softirqs", "while marked"), ("softirqs_after", "after the unmark")):
        stints = sorted(((d, a, c, n) for n, r in results for d, a, c in r[key]),
                        reverse=True)
        if not stints:
            print(f"  softirqs on the marked CPUs {when}: none traced")
            continue
        longest = ", ".join(f"{ms(d)} ms {a} on CPU {c} in trial {n}" for d, a, c, n in stints[:3])
        print(f"  softirqs on the marked CPUs {when}: {len(stints)}, "
              f"{sum(1 for s in stints if s[0] > 1_000_000)} over 1 ms; longest {longest}")
    if show_trials:
        print("  trial  drain_ms  drain_ticks  giveback_ms  giveback_ticks  pushes  violations")
        for number, r in results:
            print(f"  {number:5d}  {ms(r['drain_ns']):>8}  {r['drain_ticks']:11d}  "
                  f"{'-' if r['gb_ns'] is None else ms(r['gb_ns']):>11}  "
                  f"{'-' if r['gb_ticks'] is None else r['gb_ticks']:>14}  "
                  f"{sum(r['pushes'].values()):6d}  {len(r['violations']):10d}")
    rows = [
        ("drain (ms)", [r["drain_ns"] for _, r in results], ms, "-"),
        ("drain (ticks)", [r["drain_ticks"] for _, r in results], str, "-"),
        ("give-back (ms)", [r["gb_ns"] for _, r in results], ms, f"> {hold}"),
        ("give-back (ticks)", [r["gb_ticks"] for _, r in results], str, "-"),
        ("give-back first (ms)", [r["gb_first_ns"] for _, r in results], ms, f"> {hold}"),
    ]
    if missing:
        print(f"  (a give-back not seen within the hold ranks last: '> {hold}' ms, '-' ticks)")
    print(f"  {'':20} {'trials':>6} {'p50':>9} {'p99':>9} {'max':>9}")
    for name, values, fmt, unseen in rows:
        p50, p99, top = column(values, fmt, unseen)
        print(f"  {name:20} {n:6d} {p50:>9} {p99:>9} {top:>9}")
    print()
    return problems


def main(argv):
    args = argv[1:]
    show_trials = False
    if args and args[0] == "--trials":
        show_trials = True
        args = args[1:]
    if not args or any(a.startswith("-") for a in args):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    runs = []
    for path in args:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError as e:
            print(f"bench-drain-report: {e}", file=sys.stderr)
            return 2
        found = parse_log(path, text)
        if not found:
            print(f"bench-drain-report: {path}: no 'bench-drain: begin' line", file=sys.stderr)
            return 2
        runs.extend(found)

    print("bench-drain: paravirt CPU drain and give-back; guest trace clock; "
          "percentiles nearest-rank over trials")
    print()
    problems = []
    for run in runs:
        problems += report_run(run, show_trials)
    trials = sum(len(r.trials) for r in runs)
    verdict = "; ".join(problems) if problems else "all checks passed"
    print(f"bench-drain-report: {len(runs)} configs, {trials} trials: {verdict}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
