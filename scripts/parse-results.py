#!/usr/bin/env python3
"""parse-results.py - count the test results in a saved guest console log.

Usage: scripts/parse-results.py [--require-ktap] [--require-tap]
                                [--summary-only] [--expect-skip REGEX] LOG

Reads KUnit's KTAP (documents starting "KTAP version 1") and the TAP of
guest/run-tests (documents starting "TAP version 13") out of LOG, after
stripping a printk time prefix such as "[    1.234567] ". Subtests nest
by four spaces of indentation, as KUnit prints them and as run-tests
indents each program's output, so one walker reads both.

Only leaf results count: a result line with nested results under it is
that block's summary (a KUnit suite, a parameterised test, a selftest
program), and its nested results are the tests. Each parameter case of a
parameterised test is one test. "# SKIP" marks a skip.

Pessimistic rules, because a missing result usually means a crash:
  - a block whose plan "1..N" announced more results than arrived counts
    each missing one as failed, named after the block;
  - a block still open when the log ends (or a new document starts) has
    not finished: it counts as at least one failure;
  - a summary "not ok" with no failing result under it is one failure
    (a selftest program that crashed after passing TAP, a suite_init
    error);
  - "1..0" without "# SKIP" is one failure (an empty run);
  - no KTAP and no TAP at all is one failure, and so is a missing kind
    with --require-ktap or --require-tap.

Prints each failure with its reason, a failed test followed by the last
lines the log showed between its previous result and its own (its
diagnostics, indented), then one line exactly
"N passed, N failed, N skipped" (--summary-only prints just that line).
Exit codes: 0 if nothing failed and something passed or skipped, 1
otherwise, 2 usage or unreadable LOG.
"""

import argparse
import re
import sys

PRINTK_PREFIX = re.compile(r"^\[\s*\d+\.\d+\](?:\[\s*[CT]\d+\])? ?")
VERSION = re.compile(r"^(K?TAP) version \d+\s*$")
PLAN = re.compile(r"^1\.\.(\d+)\s*(?:#\s*(.*))?$")
SUBTEST = re.compile(r"^# Subtest: (.*?)\s*$")
RESULT = re.compile(r"^(not ok|ok)\s+(\d+)\b\s*(?:-\s*)?(.*)$")
SELFTEST = re.compile(r"^# vfold-selftest: (\S+)")
INDENT = 4
# Diagnostic lines kept for a failed test: the end of what it printed.
NOTES = 12


class Block:
    """One (K)TAP block at one indentation level: a plan and its results."""

    def __init__(self, name=None):
        self.name = name
        self.plan = None
        self.plan_skip = False
        self.results = 0
        self.failures = 0

    def empty(self):
        return self.plan is None and self.results == 0


class Counts:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.reasons = []
        self.kinds = set()
        self.expect_skip = None

    def fail(self, name, reason, n=1, notes=()):
        self.failed += n
        self.reasons.append(f"FAIL: {name}: {reason}")
        self.reasons.extend(f"    {note}" for note in notes)


def split_directive(text):
    """Split 'name # SKIP why' into ('name', 'SKIP why')."""
    name, _, directive = text.partition(" #")
    if text.startswith("#"):
        name, directive = "", text[1:]
    return name.strip(), directive.strip()


def is_skip(directive):
    return directive.upper().startswith("SKIP")


class Walker:
    """Feeds log lines through a stack of open blocks.

    stack[i] is the open block at indentation level i of the current
    document; the stack is empty outside a document. A block's results
    count its own result lines; its failures include those under it.
    """

    def __init__(self, counts):
        self.counts = counts
        self.stack = []
        self.doc_name = None
        self.notes = []

    def path(self, level, leaf=None):
        names = [b.name for b in self.stack[1 : level + 1] if b.name]
        if leaf:
            names.append(leaf)
        return ".".join(names) or self.doc_name

    def block_at(self, level):
        while len(self.stack) <= level:
            self.stack.append(Block())
        return self.stack[level]

    def close_deeper(self, level):
        """Close the blocks deeper than level, which got no summary line.

        An unnamed block with nothing in it is dropped (its parent's plan
        still notices the missing result); any other one never finished.
        """
        while len(self.stack) > level + 1:
            name = self.path(len(self.stack) - 1)
            child = self.stack.pop()
            if child.empty() and child.name is None:
                continue
            self.finish(child, name, summary=None, unfinished=True)
            self.stack[-1].results += 1
            self.stack[-1].failures += child.failures

    def finish(self, block, name, summary, unfinished):
        """Count what a closed block left: missing results, empty plans.

        summary is (ok, directive) of the result line that closed the
        block, or None for a top-level or unfinished block.
        """
        c = self.counts
        before = c.failed
        skip = summary is not None and is_skip(summary[1])
        missing = (block.plan or 0) - block.results
        if block.plan == 0 and block.results == 0:
            if block.plan_skip or skip:
                c.skipped += 1
            else:
                c.fail(name, "empty test plan 1..0")
        elif missing > 0:
            if skip:
                c.skipped += missing
            else:
                c.fail(name, f"{missing} of {block.plan} planned results missing"
                       + (", never finished" if unfinished else ""), missing)
        if unfinished and c.failed == before:
            c.fail(name, "started but never finished")
        if (summary is not None and not summary[0] and not skip
                and block.failures + c.failed - before == 0):
            c.fail(name, "reported not ok"
                   + (f" ({summary[1]})" if summary[1] else "")
                   + " with no failing subtest")
        block.failures += c.failed - before

    def end_document(self):
        if not self.stack:
            return
        self.close_deeper(0)
        top = self.stack.pop()
        if top.empty():
            self.counts.fail(self.doc_name, "no plan and no results")
        else:
            self.finish(top, self.doc_name, summary=None, unfinished=False)
        self.doc_name = None

    def line(self, raw):
        text = PRINTK_PREFIX.sub("", raw.rstrip("\r\n"), count=1)
        body = text.lstrip(" ")
        level = (len(text) - len(body)) // INDENT

        m = VERSION.match(body)
        if m:
            if level == 0:
                self.end_document()
                self.counts.kinds.add(m.group(1))
                self.doc_name = "kunit" if m.group(1) == "KTAP" else "selftests"
                self.stack = [Block()]
            elif self.stack:
                # A header opens a block; reuse one only a name opened.
                if len(self.stack) > level and not self.stack[level].empty():
                    self.close_deeper(level - 1)
                self.close_deeper(level)
                self.block_at(level)
            return
        if not self.stack:
            return
        if not (RESULT.match(body) or PLAN.match(body) or SUBTEST.match(body)):
            self.notes = (self.notes + [body])[-NOTES:]

        m = SELFTEST.match(body) if level == 0 else None
        if m:
            self.close_deeper(0)
            self.block_at(1).name = m.group(1)
            return

        m = SUBTEST.match(body)
        if m:
            self.close_deeper(level)
            self.block_at(level).name = m.group(1)
            return

        m = PLAN.match(body)
        if m:
            self.close_deeper(level)
            block = self.block_at(level)
            block.plan = int(m.group(1))
            block.plan_skip = is_skip(m.group(2) or "")
            return

        m = RESULT.match(body)
        if m:
            name, directive = split_directive(m.group(3))
            self.result(level, m.group(1) == "ok", name, directive)
            self.notes = []
            top = self.stack[0]
            if level == 0 and top.plan is not None and top.results >= top.plan:
                self.end_document()

    def result(self, level, ok, name, directive):
        self.close_deeper(level + 1)
        block = self.block_at(level)
        full = self.path(level, name)
        child = self.stack.pop() if len(self.stack) > level + 1 else None
        block.results += 1
        if child is not None and not child.empty():
            self.finish(child, full, (ok, directive), unfinished=False)
            block.failures += child.failures
            return
        c = self.counts
        if is_skip(directive) and c.expect_skip and c.expect_skip.search(full):
            c.reasons.append(f"EXPECTED SKIP: {full}: {directive}")
        elif is_skip(directive):
            c.skipped += 1
        elif ok:
            c.passed += 1
        else:
            c.fail(full, "not ok" + (f" ({directive})" if directive else ""),
                   notes=self.notes)
            block.failures += 1


def main():
    ap = argparse.ArgumentParser(
        description="Count KUnit KTAP and selftest TAP results in a console log.")
    ap.add_argument("log")
    ap.add_argument("--require-ktap", action="store_true",
                    help="no KUnit KTAP output counts as a failure")
    ap.add_argument("--require-tap", action="store_true",
                    help="no selftest TAP output counts as a failure")
    ap.add_argument("--summary-only", action="store_true",
                    help="print only the final counts line")
    ap.add_argument("--expect-skip", metavar="REGEX", type=re.compile,
                    help="skips of tests whose name matches are expected in "
                         "this configuration (they run in another): listed, "
                         "not counted")
    args = ap.parse_args()

    try:
        with open(args.log, encoding="utf-8", errors="replace") as f:
            lines = f.readlines()
    except OSError as e:
        print(f"parse-results: {e}", file=sys.stderr)
        return 2

    counts = Counts()
    counts.expect_skip = args.expect_skip
    walker = Walker(counts)
    for raw in lines:
        walker.line(raw)
    walker.end_document()

    if not counts.kinds:
        counts.fail(args.log, "no KTAP or TAP output at all")
    if args.require_ktap and "KTAP" not in counts.kinds:
        counts.fail(args.log, "no KUnit KTAP output (--require-ktap)")
    if args.require_tap and "TAP" not in counts.kinds:
        counts.fail(args.log, "no selftest TAP output (--require-tap)")

    if not args.summary_only:
        for r in counts.reasons:
            print(r)
    print(f"{counts.passed} passed, {counts.failed} failed, {counts.skipped} skipped")
    ok = counts.failed == 0 and counts.passed + counts.skipped > 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
