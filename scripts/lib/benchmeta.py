"""benchmeta.py - what a benchmark ran on, for its meta.json: the QEMU
version and the kernel source (Debian's pinned package, the commits of
the series' tip and of its base in build/linux)."""

import os
import subprocess

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def qemu_version():
    r = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True)
    return (r.stdout.splitlines() or ["qemu-system-x86_64: no version"])[0]


def kernel_source():
    pin = {}
    with open(os.path.join(TOP, "kernel/pin.env")) as f:
        for line in f:
            k, sep, v = line.strip().partition("=")
            if sep and not k.startswith("#"):
                pin[k] = v

    def rev(ref):
        r = subprocess.run(["git", "-C", os.path.join(TOP, "build/linux"), "rev-parse",
                            "--short=12", ref], capture_output=True, text=True)
        return r.stdout.strip() or "?"
    return (f"{pin.get('LINUX_SOURCE_PACKAGE', '?')} {pin.get('LINUX_SOURCE_VERSION', '?')}; "
            f"unpatched = vfold-base {rev('vfold-base')}, "
            f"patched = the series at {rev('refs/heads/vfold')}")
