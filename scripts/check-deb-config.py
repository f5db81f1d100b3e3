#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""check-deb-config.py - is a vfold kernel's config Debian's, but for
what build-deb-kernel.sh changes on purpose?

Usage: scripts/check-deb-config.py [--no-debug-info] DEBIAN_CONFIG VFOLD_CONFIG

DEBIAN_CONFIG is linux-config-6.12's config (plain or .xz), VFOLD_CONFIG
the .config after olddefconfig with the series. Every symbol whose value
differs must be explained by one of the reasons below; an option "is not
set" and one the config leaves out are the same. --no-debug-info: the
build turned debug info off (build-deb-kernel.sh without --debug-info),
which explains the debug info options and those that need them. Prints each change with
its reason, or the unexplained ones; exit 0 when all are explained, 1
when not, 2 on a usage error or an unreadable file.

A change nobody asked for means that the series' Kconfig (a select, a
default, a dependency) moved one of Debian's choices: an operator gets a
different kernel than Debian's plus vfold.
"""
import lzma
import re
import sys

NO_DEBUG_INFO = (
    r"DEBUG_INFO.*|PAHOLE_HAS_.*|MODULE_ALLOW_BTF_MISMATCH|PROBE_EVENTS_BTF_ARGS",
    "no debug info, and what needs it")
REASONS = [
    (r"SCHED_PARAVIRT_.*|VFOLD_.*", "the series"),
    (r"SYSTEM_TRUSTED_KEYS|SYSTEM_REVOCATION_KEYS|MODULE_SIG_ALL|MODULE_SIG_KEY",
     "Debian's signing certificates left out, modules signed by a key of the build's"),
    (r"LOCALVERSION|BUILD_SALT", "the release's name"),
    (r"CC_VERSION_TEXT|RUSTC_.*|GCC_VERSION|LD_VERSION|AS_VERSION",
     "the build machine's toolchain"),
]

LINE = re.compile(r"^(?:CONFIG_(\w+)=(.*)|# CONFIG_(\w+) is not set)$")


def read(path):
    opener = lzma.open if path.endswith(".xz") else open
    syms = {}
    with opener(path, "rt") as f:
        for line in f:
            m = LINE.match(line.rstrip("\n"))
            if m:
                if m.group(1):
                    syms[m.group(1)] = m.group(2)
                else:
                    syms[m.group(3)] = "n"
    return syms


def reason(sym, reasons):
    for pattern, why in reasons:
        if re.fullmatch(pattern, sym):
            return why
    return None


def main(argv):
    reasons = list(REASONS)
    argv = list(argv)
    if argv[1:2] == ["--no-debug-info"]:
        reasons.append(NO_DEBUG_INFO)
        del argv[1]
    if len(argv) != 3 or argv[1].startswith("-"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        debian, vfold = read(argv[1]), read(argv[2])
    except (OSError, lzma.LZMAError) as e:
        print("check-deb-config: %s" % e, file=sys.stderr)
        return 2
    if not debian or not vfold:
        print("check-deb-config: no CONFIG_ lines in %s" %
              (argv[1] if not debian else argv[2]), file=sys.stderr)
        return 2
    bad = 0
    for sym in sorted(set(debian) | set(vfold)):
        old, new = debian.get(sym, "n"), vfold.get(sym, "n")
        if old == new:
            continue
        why = reason(sym, reasons)
        if why is None:
            bad += 1
        print("%s CONFIG_%s: %s -> %s%s" % (
            "unexplained" if why is None else "ok", sym, old, new,
            "" if why is None else " (%s)" % why))
    if bad:
        print("check-deb-config: %d change(s) to Debian's config nobody asked for"
              % bad, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
