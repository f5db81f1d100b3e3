#!/usr/bin/env python3
"""bench-overhead.py - what the series costs when nothing is marked.

Usage: scripts/bench-overhead.py [--boots N] [--rounds R] [--out DIR]
                                 [--report-only] [--docs DIR]

Boots build/kernel-prod (the series) and build/kernel-prod-unpatched (the
same config without it: scripts/build-kernel.sh [--unpatched] prod) in
turn, N times each (default 12), interleaved U P P U U P ..., every boot
a 2-vCPU guest under -icount shift=3,sleep=off in one host thread: guest
time counts guest instructions, so host load does not show in it. Each
boot runs guest/bench-overhead ROUNDS (default 3): hackbench -g 4 -l 40
(its own Time:), vfold-bench pipe -l 20000 (seconds) and the same with
both ends on CPU 0 (pipe-cpu0: no cross-CPU wakeup, whose cost under
-icount also depends on when TCG switches to the idle vCPU), in the variants
the kernel has: unpatched; off (nothing marked, governor off: the static
key off) and key-on (governor in hint mode keeping every CPU: the key
on, nothing marked), alternating. Every run is one record of
DIR/overhead.jsonl (default DIR build/bench/overhead); consoles are
DIR/vm-*.log. Then scripts/bench-report.py --overhead DIR writes the
report. Exit codes: 0 done; 1 usage or missing inputs; 2 a boot failed
(kernel splat, no verdict, missing lines); 3 the report failed.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "scripts/lib"))
import benchmeta  # noqa: E402
LINE = re.compile(r"^overhead variant=(\S+) workload=(\S+) seconds=([0-9.]+)\s*$")
WORKLOADS = 3  # hackbench, pipe, pipe-cpu0 per variant and round
KERNELS = {
    "unpatched": "build/kernel-prod-unpatched/arch/x86/boot/bzImage",
    "patched": "build/kernel-prod/arch/x86/boot/bzImage",
}


def parse(log):
    out = []
    with open(log, errors="replace") as f:
        for line in f:
            m = LINE.match(line.strip())
            if m:
                out.append((m.group(1), m.group(2), float(m.group(3))))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--boots", type=int, default=12)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(TOP, "build/bench/overhead"))
    ap.add_argument("--docs", default=os.path.join(TOP, "docs"))
    ap.add_argument("--report-only", action="store_true")
    args = ap.parse_args()
    if args.boots < 1 or args.rounds < 1:
        ap.error("--boots and --rounds must be at least 1")
    report = [os.path.join(TOP, "scripts/bench-report.py"), "--overhead", args.out,
              "--docs", args.docs]
    if args.report_only:
        return 0 if subprocess.run(report).returncode == 0 else 3

    initrd = os.path.join(TOP, "build/initramfs.cpio.gz")
    for f in list(KERNELS.values()) + [initrd]:
        if not os.path.exists(os.path.join(TOP, f)):
            print(f"bench-overhead: {f} missing (make bench-overhead builds it)",
                  file=sys.stderr)
            return 1
    os.makedirs(args.out, exist_ok=True)
    for f in os.listdir(args.out):
        if f.endswith((".jsonl", ".log")):
            os.unlink(os.path.join(args.out, f))
    qemu = benchmeta.qemu_version()
    source = benchmeta.kernel_source()
    start = time.time()
    records = open(os.path.join(args.out, "overhead.jsonl"), "w")
    releases = {}
    want_variants = {"unpatched": {"unpatched"}, "patched": {"off", "key-on"}}
    for i in range(args.boots):
        # U P, then P U: neither kernel always boots first.
        order = ["unpatched", "patched"] if i % 2 == 0 else ["patched", "unpatched"]
        for kernel in order:
            log = os.path.join(args.out, f"vm-{i + 1}-{kernel}.log")
            cmd = [os.path.join(TOP, "scripts/run-vm.sh"), "--quiet",
                   "--kernel", os.path.join(TOP, KERNELS[kernel]), "--initrd", initrd,
                   "--accel", "tcg-single", "--cpus", "2", "--threads", "1",
                   "--mem", "512", "--timeout", "900", "--log", log,
                   "--append", "kunit.enable=0 vfold.agent=off",
                   "--qemu-arg", "-icount", "--qemu-arg", "shift=3,sleep=off",
                   "--", f"/vfold/bench-overhead {args.rounds}"]
            print(f"bench-overhead: boot {i + 1}/{args.boots} {kernel}", file=sys.stderr)
            rc = subprocess.run(cmd, stdout=subprocess.DEVNULL).returncode
            runs = parse(log)
            variants = {v for v, _, _ in runs}
            if rc != 0 or variants != want_variants[kernel] or \
                    len(runs) != WORKLOADS * args.rounds * len(variants):
                print(f"bench-overhead: {kernel} boot {i + 1}: run-vm.sh exit {rc}, "
                      f"{len(runs)} runs of {sorted(variants)}; see {log}", file=sys.stderr)
                return 2
            with open(log, errors="replace") as f:
                m = re.search(r"Linux version (\S+)", f.read())
            releases[kernel] = m.group(1) if m else "?"
            for n, (variant, workload, secs) in enumerate(runs):
                records.write(json.dumps({"boot": i + 1, "kernel": kernel, "variant": variant,
                                          "workload": workload, "value": secs,
                                          "order": n}) + "\n")
            records.flush()
    records.close()
    with open(os.path.join(args.out, "meta.json"), "w") as f:
        json.dump({"command": " ".join(["scripts/bench-overhead.py"] + sys.argv[1:]),
                   "boots": args.boots, "rounds": args.rounds,
                   "accel": f"{qemu}, TCG in one thread, -icount shift=3,sleep=off, 2 vCPUs",
                   "kernels": ", ".join(f"{k} {v}" for k, v in sorted(releases.items())),
                   "source": source,
                   "wall_s": round(time.time() - start)}, f)
    return 0 if subprocess.run(report).returncode == 0 else 3


if __name__ == "__main__":
    sys.exit(main())
