#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A stand-in for a QEMU and the vfold-agent in its guest, for vfold-hintd.

Serves DIR/NAME.qmp (greeting, qmp_capabilities, query-name,
query-cpus-fast) and DIR/NAME.hint (the guest's end of the hint port),
and runs VCPUS threads. Of them, min(busy, target) spin, as a guest
folded to its target would run its busy tasks on its kept vCPUs. It
reports its demand (busy) like an honest agent, acks each target, and
writes the last target it got to DIR/NAME.target. DIR/NAME.busy, if it
exists, holds a new busy count, read every 100 ms.
"""
import argparse
import hashlib
import json
import os
import socket
import threading
import time

state = {"target": None, "busy": 0, "seq": 0, "ack": None}
lock = threading.Lock()
data = b"x" * (4 << 20)	# hashing it releases the GIL: real CPU use


def vcpu(index, tids):
    tids[index] = threading.get_native_id()
    while True:
        with lock:
            target = state["target"] or args.vcpus
            run = index < min(state["busy"], target)
        if run:
            hashlib.sha256(data).digest()
        else:
            time.sleep(0.05)


def serve_qmp(sock, tids):
    while True:
        conn, _ = sock.accept()
        f = conn.makefile("rw")
        f.write('{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, '
                '"major": 7}, "package": "fake"}, "capabilities": []}}\r\n')
        f.flush()
        for line in f:
            cmd = json.loads(line)["execute"]
            if cmd == "query-name":
                ret = {"name": args.name}
            elif cmd == "query-cpus-fast":
                ret = [{"cpu-index": i, "thread-id": t, "target": "x86_64"}
                       for i, t in enumerate(tids)]
            else:
                ret = {}
            f.write(json.dumps({"return": ret}) + "\r\n")
            f.flush()
        conn.close()


def report(conn):
    with lock:
        kept = state["target"] or args.vcpus
        msg = {"v": 1, "seq": state["seq"], "type": "report",
               "nr_cpus": args.vcpus, "kept_cpus": kept,
               "mask": "" if kept == args.vcpus else
               "%d-%d" % (kept, args.vcpus - 1),
               "mode": "hint", "demand_milli": state["busy"] * 1000}
        if state["ack"] is not None:
            msg.update(ack=state["ack"], ack_error="")
        state["seq"] += 1
    conn.sendall((json.dumps(msg) + "\n").encode())


def serve_hint(sock):
    while True:
        conn, _ = sock.accept()
        conn.settimeout(0.5)
        buf = b""
        while True:
            try:
                chunk = conn.recv(4096)
            except socket.timeout:
                report(conn)
                continue
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                m = json.loads(line)
                with lock:
                    state["target"] = m["cpus"]
                    state["ack"] = m["seq"]
                with open(path("target.tmp"), "w") as f:
                    f.write("%d\n" % m["cpus"])
                os.rename(path("target.tmp"), path("target"))
                report(conn)
        conn.close()


def path(ext):
    return os.path.join(args.dir, "%s.%s" % (args.name, ext))


def listen(p):
    s = socket.socket(socket.AF_UNIX)
    s.bind(p)
    s.listen(1)
    return s


p = argparse.ArgumentParser()
p.add_argument("--dir", required=True)
p.add_argument("--name", required=True)
p.add_argument("--vcpus", type=int, default=4)
p.add_argument("--busy", type=int, default=0)
args = p.parse_args()
state["busy"] = args.busy

tids = [0] * args.vcpus
for i in range(args.vcpus):
    threading.Thread(target=vcpu, args=(i, tids), daemon=True).start()
while not all(tids):
    time.sleep(0.01)
hint = listen(path("hint.tmp"))
qmp = listen(path("qmp.tmp"))
threading.Thread(target=serve_hint, args=(hint,), daemon=True).start()
threading.Thread(target=serve_qmp, args=(qmp, tids), daemon=True).start()
# Appear whole: the hint socket first, then QMP.
os.rename(path("hint.tmp"), path("hint"))
os.rename(path("qmp.tmp"), path("qmp"))
while True:
    try:
        with open(path("busy")) as f:
            busy = int(f.read())
        with lock:
            state["busy"] = busy
    except (OSError, ValueError):
        pass
    time.sleep(0.1)
