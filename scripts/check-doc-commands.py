#!/usr/bin/env python3
"""check-doc-commands.py - every command shown in the docs is run by a test.

Usage: scripts/check-doc-commands.py [--root DIR] [DOC...]

Reads the shell blocks of DOC (default README.md and docs/*.md under
DIR, default the repository) and prints TAP, one result per command,
each named FILE:LINE. A command passes when one of these holds, in
this order:

  marked     a test that make test runs carries the marker comment
             "# doc: COMMAND" (also "// doc:" in C); the places that
             count, and what runs them, are TESTS below;
  exempt     it matches EXEMPT below, a short list with reasons
             (commands that need systemd as PID 1, or the host's /etc);
  run here   make: "make -n ARGS" succeeds in DIR (the target exists
             and its prerequisites resolve); a test script make test
             runs as given; scripts/NAME and the userspace programs:
             "PROGRAM --help" exits 0 and names every --option the
             command gives (and its subcommand); VAR=VALUE alone.

Anything else fails: a made-up command, a make target that is gone, an
option a program no longer has, a guest command no test runs. A marker
that names no command of the docs fails too, so markers do not rot.

What is a command: blocks fenced as sh, shell, bash or console, or not
fenced with a language, and indented blocks. A block is cut into
paragraphs at blank lines; a paragraph that starts with "-", "<", "{",
"[" or "NAME: " is data (options, XML, JSON, INI, a program's output),
not commands, and a line starting with "[" ends the commands of its
paragraph (a file's text after the command that edits it). "# " or
"$ " at the start of a line is a prompt; a "#" line indented under a
command continues its comment. Comments after a command are dropped,
lines ending in "\\" are joined and blanks are squeezed: markers are
compared in that form.

Exit code: 0 if every command passed, 1 otherwise, 2 usage.
"""
import argparse
import glob
import os
import re
import subprocess
import sys

# Where a marker counts: (glob under the root, the file that runs it,
# text in that file which shows it does). A marker in any other file,
# or in one whose runner no longer names it, does not count.
TESTS = [
    ("tests/integration/*.sh", "scripts/run-tests.sh", "tests/integration/*.sh"),
    ("tests/host/*.sh", "scripts/run-tests.sh", "tests/host/"),
    ("guest/vfoldctl-test", "scripts/build-initramfs.sh", "guest/vfoldctl-test"),
    ("guest/doc-commands", "tests/integration/doc-commands.sh", "guest/doc-commands"),
    ("src/tests/*.sh", "src/Makefile", "tests/check-"),
]

# Commands no test here can run, each with the reason.
EXEMPT = [
    (r"(systemctl|journalctl) .*",
     "needs systemd as PID 1, which neither this host nor the test guests "
     "run; src/tests/check-units.sh checks the units with systemd-analyze, "
     "and a unit named here must exist in src/"),
    (r"udevadm control --reload",
     "needs a running udevd; src/tests/check-units.sh installs the rule "
     "into a scratch root"),
    (r"cp /etc/vfold/hintd\.conf\.example /etc/vfold/hintd\.conf",
     "writes the host's /etc; src/tests/check-units.sh installs the "
     "example into a scratch root"),
    (r"cd build/linux",
     "the tree make prepare-tree creates (make -n prepare-tree is checked "
     "beside it)"),
]

# Our programs, run from where src/ builds them.
PROGRAMS = ["vfold-hintd", "vfold-agent", "vfoldctl", "vfold-bench",
            "vfold-torture", "vfold-sysfuzz"]

SHELL_LANGS = {"", "sh", "shell", "bash", "console"}
DATA_START = re.compile(r"[-<{\[]|[A-Za-z0-9_.-]+: ")
FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([^\s`]*)")
INDENTED = re.compile(r"^( {4,})\S")
MARKER = re.compile(r"^\s*(?:#|//|/?\*)\s*doc:\s*(.*?)\s*$")


def strip_comment(line):
    """The line without a trailing shell comment (quotes respected)."""
    quote = None
    for i, c in enumerate(line):
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i]
    return line


def squeeze(text):
    return " ".join(text.split())


def paragraph_commands(lines):
    """(line number, command) of one paragraph of a shell block."""
    out = []
    first = lines[0][1].lstrip()
    if DATA_START.match(first) and not first.startswith(("# ", "$ ")):
        return out
    pending = None
    for no, text in lines:
        if pending is None and text.startswith("["):
            break
        body = text
        if pending is None:
            if text[:1].isspace() and text.lstrip().startswith("#"):
                continue
            if text.startswith(("# ", "$ ")):
                body = text[2:]
        body = strip_comment(body).rstrip()
        joined = body.endswith("\\")
        body = body[:-1] if joined else body
        if pending is None:
            pending = (no, body)
        else:
            pending = (pending[0], pending[1] + " " + body)
        if not joined:
            cmd = squeeze(pending[1])
            if cmd:
                out.append((pending[0], cmd))
            pending = None
    if pending and squeeze(pending[1]):
        out.append((pending[0], squeeze(pending[1])))
    return out


def block_commands(block):
    """Split a block's (line number, text) lines into paragraphs."""
    out, para = [], []
    for no, text in block + [(0, "")]:
        if text.strip():
            para.append((no, text))
        elif para:
            out += paragraph_commands(para)
            para = []
    return out


def doc_commands(path):
    """(line number, command) of every command in the doc at path."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    out = []
    i, prev_blank = 0, True
    while i < len(lines):
        m = FENCE.match(lines[i])
        if m:
            indent, fence, lang = m.groups()
            block = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(fence):
                block.append((i + 1, lines[i][len(indent):]))
                i += 1
            i += 1
            if lang.lower() in SHELL_LANGS:
                out += block_commands(block)
            prev_blank = False
            continue
        m = INDENTED.match(lines[i])
        if prev_blank and m:
            width = len(m.group(1))
            block = []
            # CommonMark: an indented block runs on across blank lines.
            while i < len(lines):
                if lines[i].strip() == "":
                    j = i
                    while j < len(lines) and lines[j].strip() == "":
                        j += 1
                    if j == len(lines) or not INDENTED.match(lines[j]):
                        break
                    block += [(k + 1, "") for k in range(i, j)]
                    i = j
                    continue
                if not INDENTED.match(lines[i]):
                    break
                block.append((i + 1, lines[i][width:]))
                i += 1
            out += block_commands(block)
            prev_blank = False
            continue
        prev_blank = lines[i].strip() == ""
        i += 1
    return out


def find_markers(root):
    """{command: [(file, line)]} of the markers in the places that count,
    and the errors of places whose runner no longer runs them."""
    markers, errors = {}, []
    for pattern, runner, needle in TESTS:
        files = sorted(glob.glob(os.path.join(root, pattern)))
        found = False
        for path in files:
            rel = os.path.relpath(path, root)
            with open(path, encoding="utf-8", errors="replace") as f:
                lines = f.read().split("\n")
            pending = None
            for no, text in enumerate(lines, 1):
                m = MARKER.match(text)
                if pending is not None:
                    part = re.sub(r"^\s*(#|//|\*)\s*", "", text).rstrip()
                    pending = (pending[0], pending[1] + " " + part)
                elif m:
                    pending = (no, m.group(1))
                else:
                    continue
                if pending[1].endswith("\\"):
                    pending = (pending[0], pending[1][:-1])
                    continue
                markers.setdefault(squeeze(pending[1]), []).append((rel, pending[0]))
                found = True
                pending = None
        if found:
            try:
                with open(os.path.join(root, runner), encoding="utf-8") as f:
                    runs = needle in f.read()
            except OSError:
                runs = False
            if not runs:
                errors.append("%s: markers there do not count: %s does not "
                              "run it (no '%s' in it)" % (pattern, runner, needle))
    return markers, errors


def run(argv, cwd, timeout=60):
    try:
        p = subprocess.run(argv, cwd=cwd, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        return 127, "", str(e)
    return p.returncode, p.stdout, p.stderr


def last_line(text):
    lines = [l for l in text.strip().split("\n") if l.strip()]
    return lines[-1].strip() if lines else ""


def program_path(root, name):
    """The path of one of our programs or scripts, built if need be."""
    if name in PROGRAMS:
        path = os.path.join(root, "src", name, name)
        if not os.access(path, os.X_OK):
            run(["make", "-s", "-C", os.path.join(root, "src"), name], root, 600)
        return path
    if name.startswith("scripts/") and "/" not in name[len("scripts/"):]:
        return os.path.join(root, name)
    return None


def check_help(root, words):
    """Is every --option (and subcommand) of the command in its --help?"""
    prog = program_path(root, words[0])
    if not prog or not os.access(prog, os.X_OK):
        return "%s: no such program or script" % words[0]
    rc, out, err = run([prog, "--help"], root, 30)
    # Some harness scripts print their usage and exit 2 for --help too.
    if rc != 0 and not (rc == 2 and "Usage:" in out + err):
        return "%s --help exits %d: %s" % (words[0], rc, last_line(err + out))
    text = out + err
    missing = []
    sub_seen = False
    for w in words[1:]:
        if w in ("--", "|", ";", "&&"):
            break
        if w.startswith("--"):
            opt = w.split("=", 1)[0]
            if not re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(opt), text):
                missing.append(opt)
        elif not sub_seen and words[0] in PROGRAMS and re.fullmatch(r"[a-z]+", w):
            sub_seen = True
            if not re.search(r"\b%s\b" % w, text):
                missing.append(w)
        else:
            sub_seen = True
    if missing:
        return "%s --help does not name %s" % (words[0], ", ".join(missing))
    return None


def check_units(root, cmd):
    """A vfold unit that a systemctl or journalctl line names must exist."""
    for unit in re.findall(r"\bvfold-[a-z]+\b", cmd):
        if not glob.glob(os.path.join(root, "src", "*", unit + ".service.in")):
            return "no unit %s.service in src/" % unit
    return None


def judge(root, cmd, markers):
    """(ok, how): whether the command is covered, and how or why not."""
    words = cmd.split()
    # Whatever vouches for it, a make target or an option that is gone
    # fails: a test may run the script a target wraps, not the target.
    if words and words[0] == "make":
        rc, out, err = run(["make", "-n", "--no-print-directory"] + words[1:], root)
        if rc != 0:
            return False, "make -n fails: " + last_line(err + out)
    elif words and (words[0] in PROGRAMS or words[0].startswith("scripts/")):
        bad = check_help(root, words)
        if bad:
            return False, bad
    if cmd in markers:
        return True, "marked in " + ", ".join("%s:%d" % m for m in markers[cmd])
    for pattern, reason in EXEMPT:
        if re.fullmatch(pattern, cmd):
            bad = check_units(root, cmd)
            if bad:
                return False, "exempt, but " + bad
            return True, "exempt: " + reason
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=\S*", cmd):
        return True, "a shell assignment"
    if words[0] == "make":
        return True, "make -n " + " ".join(words[1:])
    for pattern, _, _ in TESTS:
        if len(words) == 1 and glob.fnmatch.fnmatch(words[0], pattern) and \
                pattern.startswith("tests/") and os.path.isfile(os.path.join(root, words[0])):
            return True, "a test make test runs"
    if words[0] in PROGRAMS or words[0].startswith("scripts/"):
        return True, "options checked against %s --help" % words[0]
    return False, ("no test runs it: add '# doc: %s' to a test that does "
                   "(see scripts/check-doc-commands.py)" % cmd)


def main():
    ap = argparse.ArgumentParser(
        description="Check that every command shown in the docs is run by a test.")
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), help="the repository (default: this one)")
    ap.add_argument("docs", nargs="*", help="docs to read (default README.md docs/*.md)")
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    docs = args.docs or [os.path.join(root, "README.md")] + \
        sorted(glob.glob(os.path.join(root, "docs", "*.md")))

    markers, errors = find_markers(root)
    results = []
    used = set()
    for doc in docs:
        name = os.path.relpath(os.path.abspath(doc), root)
        try:
            cmds = doc_commands(doc)
        except OSError as e:
            errors.append("%s: %s" % (name, e.strerror))
            continue
        for no, cmd in cmds:
            ok, how = judge(root, cmd, markers)
            if cmd in markers:
                used.add(cmd)
            results.append((ok, "%s:%d: %s" % (name, no, cmd), how))
    for cmd, where in sorted(markers.items()):
        if cmd not in used:
            for f, no in where:
                errors.append("%s:%d: marker names no command of the docs: %s"
                              % (f, no, cmd))

    print("TAP version 13")
    print("1..%d" % (len(results) + 1))
    failed = 0
    for n, (ok, what, how) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", n, what))
        print("# " + how)
        failed += not ok
    n = len(results) + 1
    print("%s %d - markers and the places they count" % ("not ok" if errors else "ok", n))
    for e in errors:
        print("# " + e)
    failed += bool(errors)
    print("# doc commands: %d, %d failed" % (len(results), failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
