"""tracelog.py - what the benchmark reports share: ftrace lines as printed
from /sys/kernel/tracing/trace into a console log, cpumasks and cpulists,
and nearest-rank percentiles.

Imported by scripts/bench-drain-report.py and
scripts/bench-governor-report.py, which put this directory on sys.path.
"""

import math
import re

TRACE = re.compile(
    r"^\s*(?P<comm>.*)-(?P<pid>\d+)\s+\[(?P<cpu>\d+)\]\s+(?:\S+\s+)?"
    r"(?P<sec>\d+)\.(?P<frac>\d+):\s+(?P<event>\w+):\s?(?P<body>.*)$"
)
FIELD = re.compile(r"(\w+)=(\S*)")


class Event:
    """One trace line: timestamp (ns), CPU, event name, key=value fields
    and the text after the event name."""

    __slots__ = ("ts", "cpu", "name", "fields", "body")

    def __init__(self, ts, cpu, name, fields, body=""):
        self.ts = ts
        self.cpu = cpu
        self.name = name
        self.fields = fields
        self.body = body


def parse_ts(sec, frac):
    """Trace timestamp to integer nanoseconds."""
    return int(sec) * 1_000_000_000 + int(frac.ljust(9, "0")[:9])


def parse_event(line):
    """A trace line to an Event, or None if @line is not one."""
    m = TRACE.match(line)
    if not m:
        return None
    body = m.group("body")
    return Event(parse_ts(m.group("sec"), m.group("frac")), int(m.group("cpu")),
                 m.group("event"), dict(FIELD.findall(body)), body)


def parse_cpulist(text):
    """A cpulist such as "0-3,8" to a set of CPUs; ValueError if malformed."""
    cpus = set()
    for part in text.split(","):
        if not part:
            continue
        lo, _, hi = part.partition("-")
        cpus.update(range(int(lo), int(hi or lo) + 1))
    return cpus


def format_cpulist(cpus):
    """A set of CPUs to the kernel's cpulist form ("" when empty)."""
    out = []
    for cpu in sorted(cpus):
        if out and out[-1][1] == cpu - 1:
            out[-1][1] = cpu
        else:
            out.append([cpu, cpu])
    return ",".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in out)


def parse_mask(text):
    """A %*pb cpumask such as "00000000,000000f0" to a set of CPUs."""
    value = int(text.replace(",", ""), 16)
    return {cpu for cpu in range(value.bit_length()) if value >> cpu & 1}


def nearest_rank(ordered, p):
    """The p-th percentile of an ascending list, nearest-rank method."""
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(ns):
    return f"{ns / 1e6:.3f}"


def walk_runs(text, marker, new_run):
    """Walk a benchmark's console log run by run.

    @marker matches the benchmark's own lines, group 1 being the text after
    its prefix. "begin FIELDS" starts a run (new_run(fields), which the
    caller keeps), "end" ends it; outside a run nothing is yielded. Inside
    one, yields (run, words, line, None) for the other marker lines and
    (run, None, line, event) for trace lines, CR stripped.
    """
    run = None
    for line in text.splitlines():
        line = line.rstrip("\r")
        m = marker.match(line)
        if m:
            words = m.group(1).split()
            if not words:
                continue
            if words[0] == "begin":
                run = new_run(dict(FIELD.findall(m.group(1))))
            elif run is not None and words[0] == "end":
                run.params["ended"] = "1"
                yield run, words, line, None
                run = None
            elif run is not None:
                yield run, words, line, None
            continue
        if run is None:
            continue
        event = parse_event(line)
        if event:
            yield run, None, line, event

