#!/usr/bin/env python3
"""bench-report.py - docs/results.md and its plots, from the saved data of
scripts/bench-overcommit.py and scripts/bench-overhead.py.

Usage: scripts/bench-report.py [--overcommit DIR] [--overhead DIR]
                               [--docs DIR] [--no-plots]

--overcommit DIR and --overhead DIR take a finished run's output: its
data (results, progress, meta, boots, and the hintd log of the boot the
time series shows) is copied into DOCS/results/data/overcommit/ or
.../overhead/, replacing what was there. Without them the saved data is
used as it is (what --report-only does). The report, DOCS/results.md,
and the PNG plots in DOCS/results/ are then written from the saved data
alone, with gnuplot; --no-plots skips gnuplot (the tables are the same).
The headline numbers and wall times also go into README.md (--readme),
between its "bench-report: begin" and "end" markers, if it has them.

Numbers: per run, a throughput is summed over the guests that ran the
workload, a latency is the worse guest's (asym: the busy guest of each
phase, the two phases averaged); a repetition counts only complete. A
target's verdict says "inconclusive" when the repetitions' own gains fall
on both sides of it. Over the repetitions: the median, the
min and max, and the ratio of medians to the unpatched kernel, as a
gain (> 1 is better: throughput / unpatched, unpatched / latency).

Exit codes: 0 written; 1 usage, no saved data of either benchmark, or a
data file that does not parse; 2 gnuplot failed.
"""

import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Per workload: (metric, "higher" or "lower" is better, unit), the first
# being the headline one.
METRICS = {
    "hackbench": [("msgs_per_s", "higher", "msgs/s")],
    "wake": [("rps", "higher", "req/s"), ("p99_us", "lower", "us"),
             ("p999_us", "lower", "us")],
    "cyclictest": [("p99_us", "lower", "us"), ("max_us", "lower", "us")],
    "cpu": [("bogo_ops_per_s", "higher", "ops/s")],
    "lock": [("bogo_ops_per_s", "higher", "ops/s")],
}
MODES = ["unpatched", "off", "oracle", "hintd", "steal", "step"]
MODE_TEXT = {
    "unpatched": "1 unpatched",
    "off": "2 series, off",
    "oracle": "3 oracle fold",
    "hintd": "4 vfold-hintd",
    "steal": "5 steal governor",
    "step": "6 upstream rule",
}
SCENARIOS = ["4:1", "2:1", "1:1", "asym"]
OVERCOMMIT_FILES = ["results.jsonl", "progress.jsonl", "meta.json", "boots.jsonl"]
OVERHEAD_FILES = ["overhead.jsonl", "meta.json"]


class DataError(Exception):
    pass


def read_jsonl(path):
    out = []
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                out.append(json.loads(line))
            except ValueError as e:
                raise DataError(f"{path}:{n}: {e}") from e
    return out


def read_json(path):
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        try:
            return json.load(f)
        except ValueError as e:
            raise DataError(f"{path}: {e}") from e


def save(src, dst, files):
    """Copy a run's FILES from SRC into the saved data DST. A run that
    stopped early (no wall_s in its meta.json) is saved too: the report
    says how far it got."""
    if not os.path.exists(os.path.join(src, files[0])):
        raise DataError(f"{src}: no {files[0]}: not a benchmark's output")
    shutil.rmtree(dst, ignore_errors=True)
    os.makedirs(dst)
    for f in files:
        if os.path.exists(os.path.join(src, f)):
            shutil.copy(os.path.join(src, f), dst)


def timeseries_boot(results):
    """The boot the time series shows: the first patched asym boot."""
    for r in results:
        if r["scenario"] == "asym" and r["kernel"] == "patched":
            return r["boot"]
    return None


# Filled by run_values(): per key, {repetition: value}; and the keys with
# a value known only as a lower bound (cyclictest's histogram overflowed).
BY_REP = {}
CENSORED = set()


def run_values(results):
    """{(scenario, workload, mode, metric): [one value per repetition]}.

    A repetition counts only with every guest's answer of every phase.
    """
    runs = {}
    for r in results:
        runs.setdefault((r["scenario"], r["workload"], r["mode"], r["rep"]),
                        {}).setdefault(r["phase"], []).append(r["metrics"])
    vals = {}
    BY_REP.clear()
    CENSORED.clear()
    for (sc, wl, mode, rep), phases in sorted(runs.items()):
        for metric, better, _unit in METRICS.get(wl, []):
            per_phase = []
            for guests in phases.values():
                xs = [g[metric] for g in guests if metric in g]
                if len(xs) != len(guests) or not xs:
                    break
                flag = metric[:-3] + "_censored" if metric.endswith("_us") else None
                if flag and any(g.get(flag) for g in guests):
                    CENSORED.add((sc, wl, mode, metric))
                # Throughput adds up; a latency percentile is the worse guest's.
                per_phase.append(sum(xs) if better == "higher" else max(xs))
            else:
                v = statistics.mean(per_phase)
                vals.setdefault((sc, wl, mode, metric), []).append(v)
                BY_REP.setdefault((sc, wl, mode, metric), {})[rep] = v
    return vals


def rep_gains(sc, wl, mode, metric, better):
    """The gain of each repetition over the unpatched run of the same one."""
    base = BY_REP.get((sc, wl, "unpatched", metric), {})
    cur = BY_REP.get((sc, wl, mode, metric), {})
    out = []
    for rep in sorted(set(base) & set(cur)):
        b, c = base[rep], cur[rep]
        if b > 0 and c > 0:
            out.append(c / b if better == "higher" else b / c)
    return out


def gain(vals, sc, wl, mode, metric, better):
    base = vals.get((sc, wl, "unpatched", metric))
    cur = vals.get((sc, wl, mode, metric))
    if not base or not cur:
        return None
    b, c = statistics.median(base), statistics.median(cur)
    if b <= 0 or c <= 0:
        return None
    return c / b if better == "higher" else b / c


def fmt(x):
    if x is None:
        return "-"
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def overcommit_tables(vals):
    lines = []
    for sc in SCENARIOS:
        wls = [wl for wl in METRICS if any(k[0] == sc and k[1] == wl for k in vals)]
        if not wls:
            continue
        lines += [f"### Scenario {sc}", ""]
        for wl in wls:
            for metric, better, unit in METRICS[wl]:
                rows = [m for m in MODES if (sc, wl, m, metric) in vals]
                if not rows:
                    continue
                lines += [f"**{wl}**, {metric} ({unit}, {better} is better)", "",
                          "| mode | median | min | max | n | gain vs 1 |",
                          "|---|---:|---:|---:|---:|---:|"]
                for m in rows:
                    v = vals[(sc, wl, m, metric)]
                    g = gain(vals, sc, wl, m, metric, better)
                    # A censored latency is at least what is shown.
                    ge = ">=" if (sc, wl, m, metric) in CENSORED else ""
                    gtext = fmt(g) + "x" if g else "-"
                    if g and (ge or (sc, wl, "unpatched", metric) in CENSORED):
                        gtext += " (censored)"
                    lines.append(f"| {MODE_TEXT[m]} | {ge}{fmt(statistics.median(v))} | "
                                 f"{fmt(min(v))} | {fmt(max(v))} | {len(v)} | {gtext} |")
                lines.append("")
    return lines


def check(name, value, ok, want, why_missed, spread=None):
    """A target's row. SPREAD: (lowest, highest) of the per-repetition
    values and whether each meets the target; a verdict that not every
    repetition agrees with says so."""
    if value is None:
        return f"| {name} | {want} | not measured | - |"
    verdict = "met" if ok else f"**missed**: {why_missed}"
    if spread and spread[2] != spread[3]:
        verdict += f" (repetitions from {spread[0]} to {spread[1]}: inconclusive)"
    return f"| {name} | {want} | {value} | {verdict} |"


def spread_of(gains, text, meets):
    """(lowest text, highest text, lowest meets, highest meets), or None."""
    if len(gains) < 2:
        return None
    lo, hi = min(gains), max(gains)
    return (text(lo), text(hi), meets(lo), meets(hi))


def targets(vals, overhead):
    g = lambda sc, wl, m, metric, better: gain(vals, sc, wl, m, metric, better)  # noqa: E731
    times = lambda x: fmt(x) + "x"  # noqa: E731
    pct = lambda x: f"{(x - 1) * 100:+.1f} %"  # noqa: E731
    rows = ["| target | wanted | measured | verdict |", "|---|---|---|---|"]

    def row(name, sc, wl, m, metric, better, want, meets, text):
        x = g(sc, wl, m, metric, better)
        spread = spread_of(rep_gains(sc, wl, m, metric, better), text, meets)
        rows.append(check(name, text(x) if x else None, x is not None and meets(x), want,
                          "see the discussion below", spread))

    row("4:1 hackbench, hintd vs unpatched", "4:1", "hackbench", "hintd", "msgs_per_s",
        "higher", ">= 1.6x", lambda x: x >= 1.6, times)
    hb = g("4:1", "hackbench", "hintd", "msgs_per_s", "higher")
    orc = g("4:1", "hackbench", "oracle", "msgs_per_s", "higher")
    share = None
    if hb and orc and orc > 1:
        share = (hb - 1) / (orc - 1)
    rows.append(check("4:1 hackbench, share of the oracle's gain",
                      f"{share * 100:.0f} %" if share is not None else None,
                      share is not None and share >= 0.9, ">= 90 %",
                      "see the discussion below"))
    row("4:1 wakeup p99, hintd vs unpatched", "4:1", "wake", "hintd", "p99_us", "lower",
        ">= 3x better", lambda x: x >= 3, lambda x: fmt(x) + "x better")
    row("4:1 CPU-bound, hintd vs unpatched", "4:1", "cpu", "hintd", "bogo_ops_per_s",
        "higher", ">= 0 %", lambda x: x >= 1.0, pct)
    for wl in METRICS:
        for metric, better, _ in METRICS[wl]:
            for m in ("off", "hintd"):
                if (("1:1", wl, m, metric) in CENSORED or
                        ("1:1", wl, "unpatched", metric) in CENSORED):
                    continue
                row(f"1:1 {wl} {metric}, {MODE_TEXT[m]} vs unpatched", "1:1", wl, m, metric,
                    better, "within +-1 %", lambda x: abs(x - 1) <= 0.01, pct)
    row("asym: the busy guest, hintd vs unpatched (idle neighbour)", "asym", "hackbench",
        "hintd", "msgs_per_s", "higher", "within 5 %", lambda x: x >= 0.95, pct)
    for wl, r in sorted(overhead.items()):
        if "off" in r:
            x = r["off"]["ratio"]
            rows.append(check(f"overhead, {wl}, nothing marked (key off)",
                              f"{(x - 1) * 100:+.2f} %", x - 1 <= 0.005, "<= 0.5 %",
                              "see the discussion below"))
    return rows


def settle_table(results):
    """How long each mode's warm-up took: the fold's convergence."""
    by = {}
    for r in results:
        w = r["metrics"].get("warm_ms")
        if w is not None:
            by.setdefault((r["scenario"], r["mode"]), []).append(
                (w, r["metrics"].get("converged", 1)))
    if not by:
        return []
    lines = ["### Time for the mask to settle", "",
             "Each run's warm-up lasts at least the warm-up time and until the "
             "paravirt mask has held for 2 s (at most 20 s): median, max and the "
             "runs that did not settle, per scenario and mode.", "",
             "| scenario | mode | median s | max s | runs | not settled |",
             "|---|---|---:|---:|---:|---:|"]
    for sc in SCENARIOS:
        for m in MODES:
            xs = by.get((sc, m))
            if xs:
                ws = [w / 1000 for w, _ in xs]
                lines.append(f"| {sc} | {MODE_TEXT[m]} | {statistics.median(ws):.1f} | "
                             f"{max(ws):.1f} | {len(xs)} | "
                             f"{sum(1 for _, c in xs if not c)} |")
    return lines + [""]


README_BEGIN = "<!-- bench-report: begin (generated; edit scripts/bench-report.py) -->"
README_END = "<!-- bench-report: end -->"


def readme_block(vals, ostats, ometa, hmeta):
    """The README's headline numbers, each linked to the report."""
    g = lambda sc, wl, m, metric, better: gain(vals, sc, wl, m, metric, better)  # noqa: E731
    lines = [README_BEGIN, "", "| headline ([docs/results.md](docs/results.md)) | measured |",
             "|---|---|"]
    for m in ("hintd", "oracle", "steal", "step"):
        x = g("4:1", "hackbench", m, "msgs_per_s", "higher")
        if x:
            lines.append(f"| 4:1 hackbench throughput, {MODE_TEXT[m]} vs unpatched | {x:.2f}x |")
    for m in ("hintd", "oracle"):
        x = g("4:1", "wake", m, "p99_us", "lower")
        if x:
            lines.append(f"| 4:1 wakeup latency p99, {MODE_TEXT[m]} vs unpatched | "
                         f"{x:.2f}x better |")
    x = g("4:1", "cpu", "hintd", "bogo_ops_per_s", "higher")
    if x:
        lines.append(f"| 4:1 CPU-bound, vfold-hintd vs unpatched | {(x - 1) * 100:+.1f} % |")
    worst = None
    for wl in METRICS:
        metric, better, _ = METRICS[wl][0]
        for m in ("off", "hintd"):
            y = g("1:1", wl, m, metric, better)
            if y and (worst is None or abs(y - 1) > abs(worst[0] - 1)):
                worst = (y, wl, m)
    if worst:
        lines.append(f"| 1:1 (no contention), the largest difference to unpatched | "
                     f"{(worst[0] - 1) * 100:+.1f} % ({worst[1]}, {MODE_TEXT[worst[2]]}) |")
    x = g("asym", "hackbench", "hintd", "msgs_per_s", "higher")
    if x:
        lines.append(f"| asym: the busy guest, vfold-hintd vs unpatched | {(x - 1) * 100:+.1f} % |")
    for wl, r in sorted(ostats.items()):
        for v in ("off", "key-on"):
            if v in r:
                lines.append(f"| cost when unused, {wl}, {v} | {(r[v]['ratio'] - 1) * 100:+.2f} % |")
    walls = []
    if ometa.get("wall_s"):
        walls.append(f"`make bench-overcommit` {ometa['wall_s'] / 60:.0f} min "
                     f"({ometa.get('reps')} repetitions"
                     + (", stopped early" if ometa.get("stopped") else "") + ")")
    if hmeta.get("wall_s"):
        walls.append(f"`make bench-overhead` {hmeta['wall_s'] / 60:.0f} min "
                     f"({hmeta.get('boots')} boots per kernel)")
    lines += ["", "Wall time here: " + ", ".join(walls) + "." if walls else "", README_END]
    return "\n".join(lines)


def update_readme(path, block):
    """Replace the marked block of PATH; no markers, no change."""
    if not os.path.exists(path):
        return False
    with open(path) as f:
        text = f.read()
    a, b = text.find(README_BEGIN), text.find(README_END)
    if a < 0 or b < a:
        return False
    with open(path, "w") as f:
        f.write(text[:a] + block + text[b + len(README_END):])
    return True


def overhead_stats(runs):
    """{workload: {variant: {median, min, max, n, ratio}}}, time: lower better."""
    by = {}
    for r in runs:
        by.setdefault(r["workload"], {}).setdefault(r["variant"], []).append(r["value"])
    out = {}
    for wl, variants in by.items():
        base = variants.get("unpatched")
        if not base:
            continue
        b = statistics.median(base)
        out[wl] = {}
        for v, xs in variants.items():
            med = statistics.median(xs)
            # Ratio of each run to the unpatched median, for the spread.
            rs = sorted(x / b for x in xs)
            q = statistics.quantiles(rs, n=4) if len(rs) >= 4 else [rs[0], med / b, rs[-1]]
            out[wl][v] = {"median": med, "min": min(xs), "max": max(xs), "n": len(xs),
                          "ratio": med / b, "q1": q[0], "q3": q[2]}
    return out


def gnuplot(script, cwd):
    r = subprocess.run(["gnuplot"], input=script, text=True, cwd=cwd,
                       capture_output=True)
    if r.returncode:
        raise RuntimeError(f"gnuplot: {r.stderr.strip()}")


def plot_gains(vals, outdir):
    """One PNG per scenario: gain vs unpatched, per workload and mode."""
    made = []
    for sc in SCENARIOS:
        cells = [(wl, metric, better) for wl in METRICS
                 for metric, better, _ in METRICS[wl]
                 if (sc, wl, "unpatched", metric) in vals]
        modes = [m for m in MODES[1:] if any((sc, wl, m, metric) in vals
                                             for wl, metric, _ in cells)]
        if not cells or not modes:
            continue
        name = f"gain-{sc.replace(':', 'to')}"
        with open(os.path.join(outdir, name + ".dat"), "w") as f:
            for wl, metric, better in cells:
                row = [gain(vals, sc, wl, m, metric, better) for m in modes]
                f.write(f"{wl}:{metric} " + " ".join(f"{x:.4f}" if x else "NaN"
                                                     for x in row) + "\n")
        cols = " , ".join(f"'{name}.dat' using {i + 2}:xtic(1) title '{MODE_TEXT[m]}'"
                          for i, m in enumerate(modes))
        gnuplot(f"""set terminal pngcairo size 900,420 noenhanced
set output '{name}.png'
set title 'Scenario {sc}: gain over the unpatched kernel (> 1 is better; median of the repetitions)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key outside right top vertical
set yrange [0:*]
set grid ytics
set xtics rotate by -20
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2
plot {cols}
""", outdir)
        os.unlink(os.path.join(outdir, name + ".dat"))
        made.append((sc, name + ".png"))
    return made


def plot_timeseries(data, results, progress, outdir):
    boot = timeseries_boot(results)
    hpath = os.path.join(data, "timeseries-hintd.jsonl")
    if not boot or not os.path.exists(hpath):
        return None
    hintd = read_jsonl(hpath)
    if not hintd:
        return None
    t0 = hintd[0]["t"]
    guests = sorted({vm["name"] for h in hintd for vm in h["hintd"].get("vms", [])})
    runs = [r for r in results if r["boot"] == boot]

    def kept_at(t, vm):
        """The agent's fresh report; else what the mode of the moment keeps."""
        age = vm.get("guest_report_age")
        if vm.get("guest_kept_cpus") is not None and age is not None and age <= 1:
            return vm["guest_kept_cpus"]
        for r in runs:
            if r["t0"] <= t <= r["t1"] and r["mode"] == "oracle":
                return r.get("oracle", {}).get(vm["name"], vm.get("vcpus"))
        return vm.get("vcpus", "NaN")

    with open(os.path.join(outdir, "ts-hintd.dat"), "w") as f:
        for h in hintd:
            row = [f"{h['t'] - t0:.1f}"]
            vms = {vm["name"]: vm for vm in h["hintd"].get("vms", [])}
            for g in guests:
                vm = vms.get(g, {"name": g})
                run, wait = vm.get("run") or 0, vm.get("wait") or 0
                row.append(str(kept_at(h["t"], vm)))
                row.append(f"{100 * wait / (run + wait):.1f}" if run + wait > 0 else "NaN")
            f.write(" ".join(row) + "\n")
    # Each hackbench run's rate, on the guest's clock, since the guest's
    # previous run of the same workload run.
    with open(os.path.join(outdir, "ts-ops.dat"), "w") as f:
        prev = {}
        for p in sorted((p for p in progress if p.get("boot") == boot),
                        key=lambda p: p["t"]):
            key = (p["guest"], p["run"])
            if key in prev and p["guest_t"] > prev[key]:
                rate = p["ops"] * 1000 / (p["guest_t"] - prev[key])
                f.write(f"{p['t'] - t0:.1f} " + " ".join(
                    f"{rate:.0f}" if g == p["guest"] else "NaN" for g in guests) + "\n")
            prev[key] = p["guest_t"]
    labels = []
    for r in results:
        if r["boot"] == boot and r["guest"] == r["phase"]:
            labels.append(f"set label '{r['mode']}: {r['phase']}' at {r['t0'] - t0:.0f}, "
                          "graph 0.95 font ',8'")
            labels.append(f"set arrow from {r['t0'] - t0:.0f}, graph 0 to "
                          f"{r['t0'] - t0:.0f}, graph 1 nohead dt 3 lc rgb 'gray'")
    lab = "\n".join(labels)
    kept = ", ".join(f"'ts-hintd.dat' using 1:{2 + 2 * i} with steps lw 2 title 'guest {g}'"
                     for i, g in enumerate(guests))
    wait = ", ".join(f"'ts-hintd.dat' using 1:{3 + 2 * i} with lines lw 2 title 'guest {g}'"
                     for i, g in enumerate(guests))
    ops = ", ".join(f"'ts-ops.dat' using 1:{2 + i} with points pt 7 title 'guest {g}'"
                    for i, g in enumerate(guests))
    name = "timeseries-asym.png"
    gnuplot(f"""set terminal pngcairo size 1000,800 noenhanced
set output '{name}'
set multiplot layout 3,1 title 'asym, one patched boot: each mode with a busy, then b (labels: mode: busy guest)'
set key outside right
set grid
set xrange [0:{hintd[-1]['t'] - t0:.0f}]
{lab}
set ylabel 'vCPUs kept'
set yrange [0:5]
plot {kept}
set ylabel 'host wait % (of run+wait)'
set yrange [0:100]
plot {wait}
set ylabel 'hackbench msgs / s (each run)'
set xlabel 'seconds since the boot'
set yrange [0:*]
plot {ops}
unset multiplot
""", outdir)
    for f in ("ts-hintd.dat", "ts-ops.dat"):
        os.unlink(os.path.join(outdir, f))
    return name


def plot_overhead(stats, outdir):
    if not stats:
        return None
    name = "overhead.png"
    with open(os.path.join(outdir, "overhead.dat"), "w") as f:
        for i, (wl, vs) in enumerate(sorted(stats.items())):
            for j, v in enumerate(sorted(vs)):
                s = vs[v]
                f.write(f"{i * 4 + j} {s['ratio']:.5f} {s['q1']:.5f} {s['q3']:.5f} "
                        f"{wl}:{v}\n")
    gnuplot(f"""set terminal pngcairo size 800,380 noenhanced
set output '{name}'
set title 'Time per run relative to the unpatched kernel (median, IQR), -icount'
set style fill solid 0.7
set boxwidth 0.8
set grid ytics
set xtics rotate by -20
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2
plot 'overhead.dat' using 1:2:xtic(5) with boxes notitle, \\
     '' using 1:2:3:4 with yerrorbars lc rgb 'black' notitle
""", outdir)
    os.unlink(os.path.join(outdir, "overhead.dat"))
    return name


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--overcommit", metavar="DIR")
    ap.add_argument("--overhead", metavar="DIR")
    ap.add_argument("--docs", default=os.path.join(TOP, "docs"))
    ap.add_argument("--no-plots", action="store_true")
    ap.add_argument("--readme", help="README whose marked block gets the headline "
                    "numbers (default: README.md beside DOCS)")
    args = ap.parse_args()

    resdir = os.path.join(args.docs, "results")
    odata = os.path.join(resdir, "data", "overcommit")
    hdata = os.path.join(resdir, "data", "overhead")
    try:
        if args.overcommit:
            save(args.overcommit, odata, OVERCOMMIT_FILES)
            boot = timeseries_boot(read_jsonl(os.path.join(odata, "results.jsonl")))
            if boot:
                shutil.copy(os.path.join(args.overcommit, f"hintd-{boot}.jsonl"),
                            os.path.join(odata, "timeseries-hintd.jsonl"))
        if args.overhead:
            save(args.overhead, hdata, OVERHEAD_FILES)
        results = read_jsonl(os.path.join(odata, "results.jsonl"))
        progress = read_jsonl(os.path.join(odata, "progress.jsonl"))
        ometa = read_json(os.path.join(odata, "meta.json"))
        boots = read_jsonl(os.path.join(odata, "boots.jsonl"))
        overhead = read_jsonl(os.path.join(hdata, "overhead.jsonl"))
        hmeta = read_json(os.path.join(hdata, "meta.json"))
    except (DataError, OSError) as e:
        print(f"bench-report: {e}", file=sys.stderr)
        return 1
    if not results and not overhead:
        print(f"bench-report: no saved data in {resdir}/data", file=sys.stderr)
        return 1

    vals = run_values(results)
    ostats = overhead_stats(overhead)
    plots, ts, oplot = [], None, None
    if not args.no_plots:
        try:
            plots = plot_gains(vals, resdir)
            ts = plot_timeseries(odata, results, progress, resdir)
            oplot = plot_overhead(ostats, resdir)
        except (RuntimeError, OSError) as e:
            print(f"bench-report: {e}", file=sys.stderr)
            return 2

    rel = {}
    for b in boots:
        rel.setdefault(b["kernel"], set()).add(str(b.get("release", "?")))
    md = ["# Results", "",
          "Generated by `scripts/bench-report.py` from the data saved in "
          "`docs/results/data/`; do not edit by hand. "
          "`make bench-overcommit` and `make bench-overhead` rerun the benchmarks; "
          "`scripts/bench-report.py` alone (or either benchmark with `--report-only`) "
          "regenerates this page.", ""]
    md += ["## Targets", ""] + targets(vals, ostats) + [""]
    if results and "wall_s" not in ometa:
        # Stopped early (a guest failed): say how far the data goes.
        last = max(r["t1"] for r in results)
        ometa["wall_s"] = round(last - ometa.get("started", last))
        done = max(r["rep"] for r in results)
        why = ometa.get("stopped_by", "a guest failed; see the discussion")
        ometa["stopped"] = (f"**The run stopped before its end**, in repetition {done} of "
                            f"{ometa.get('reps', '?')} ({why}): each table's n is the "
                            "repetitions it has.")
    if results:
        md += ["## Workloads on an overcommitted host (`make bench-overcommit`)", ""]
        if ometa.get("stopped"):
            md += [ometa["stopped"], ""]
        md += [f"- Command: `{ometa.get('command', '?')}`; "
               f"{ometa.get('reps', '?')} repetitions, {ometa.get('warmup', '?')} s warm-up "
               f"and {ometa.get('seconds', '?')} s measured per run; wall time "
               f"{ometa.get('wall_s', '?')} s.",
               f"- Host: {ometa.get('host_cpus', '?')} CPUs, every QEMU thread confined "
               f"to them; {ometa.get('qemu', 'QEMU ?')}, TCG, one host thread per vCPU.",
               "- Guest kernels: " + "; ".join(
                   f"{k}: {', '.join(sorted(v))}" for k, v in sorted(rel.items())) +
               f" (prod config plus the debugfs steal input; {ometa.get('source', '?')}).",
               ""]
        for sc, png in plots:
            md += [f"![gains, scenario {sc}](results/{png})", ""]
        if ts:
            md += ["One boot of the asym scenario over time (from vfold-hintd's log and "
                   "hackbench's progress): each guest's kept vCPUs as its agent reports "
                   "them (all of them when no agent runs), the share of its vCPU "
                   "threads' time spent waiting for a host CPU, and its throughput.", "",
                   f"![time series](results/{ts})", ""]
        md += overcommit_tables(vals)
        md += settle_table(results)
    if ostats:
        md += ["## Cost when unused (`make bench-overhead`)", "",
               f"- Command: `{hmeta.get('command', '?')}`; {hmeta.get('accel', '')}; "
               f"kernels: {hmeta.get('kernels', '?')}, prod config "
               f"({hmeta.get('source', '?')}); wall time {hmeta.get('wall_s', '?')} s.",
               "- Variants: `unpatched`; `off` (the series, nothing marked, the governor off: "
               "the static key off); `key-on` (the series with the governor running in hint "
               "mode at all CPUs: the key on, still nothing marked). Under -icount "
               "guest time counts instructions: what the series adds to the paths "
               "shows, cache and branch effects do not.", "",
               "| workload | variant | median | min | max | n | ratio to unpatched | IQR of ratio |",
               "|---|---|---:|---:|---:|---:|---:|---|"]
        for wl, vs in sorted(ostats.items()):
            for v, s in sorted(vs.items()):
                md.append(f"| {wl} | {v} | {s['median']:.4f} | {s['min']:.4f} | "
                          f"{s['max']:.4f} | {s['n']} | {s['ratio']:.4f} | "
                          f"{s['q1']:.4f}-{s['q3']:.4f} |")
        md.append("")
        if oplot:
            md += [f"![overhead](results/{oplot})", ""]
    notes = os.path.join(resdir, "notes.md")
    if os.path.exists(notes):
        with open(notes) as f:
            md += ["## Discussion", "", f.read().strip(), ""]
    os.makedirs(args.docs, exist_ok=True)
    with open(os.path.join(args.docs, "results.md"), "w") as f:
        f.write("\n".join(md))
    readme = args.readme or os.path.join(os.path.dirname(os.path.abspath(args.docs)),
                                         "README.md")
    if update_readme(readme, readme_block(vals, ostats, ometa, hmeta)):
        print(f"bench-report: updated the headline numbers in {readme}")
    print(f"bench-report: wrote {os.path.join(args.docs, 'results.md')}"
          f" ({len(results)} workload records, {len(overhead)} overhead runs,"
          f" {len(plots) + bool(ts) + bool(oplot)} plots)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
