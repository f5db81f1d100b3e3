"""vmguests.py - QEMU guests that run guest/bench-overcommit, driven over
their virtio port org.vfold.bench.0, beside one vfold-hintd: what
scripts/bench-overcommit.py and scripts/demo.py share.

Every guest's QEMU threads are confined to the host's first HOST_CPUS
CPUs, and each guest has a QMP socket and a hint port in WORKDIR, where
vfold-hintd (--qmp-dir) finds it.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HINTD = os.path.join(TOP, "src/vfold-hintd/vfold-hintd")
HOST_CPUS = 2


class GuestError(Exception):
    pass


class ModeNotInEffect(GuestError):
    pass


class Guest:
    """One QEMU guest, booted by run-vm.sh, driven over its bench port."""

    def __init__(self, name, workdir, kernel, initrd, cpus, log, timeout):
        self.name = name
        self.qmp = os.path.join(workdir, f"{name}.qmp")
        hint = os.path.join(workdir, f"{name}.hint")
        self.bench = os.path.join(workdir, f"{name}.bench")
        for p in (self.qmp, hint, self.bench):
            if os.path.exists(p):
                os.unlink(p)
        cmd = ["taskset", "-c", f"0-{HOST_CPUS - 1}",
               os.path.join(TOP, "scripts/run-vm.sh"), "--quiet",
               "--kernel", kernel, "--initrd", initrd,
               "--cpus", str(cpus), "--threads", "1", "--mem", "512",
               "--timeout", str(timeout), "--log", log,
               "--append", "kunit.enable=0 vfold.agent=off",
               "--qemu-arg", "-name", "--qemu-arg", name,
               "--qemu-arg", "-qmp",
               "--qemu-arg", f"unix:{self.qmp},server=on,wait=off",
               "--qemu-arg", "-chardev",
               "--qemu-arg", f"socket,id=hint,path={hint},server=on,wait=off",
               "--qemu-arg", "-device",
               "--qemu-arg", "virtserialport,chardev=hint,name=org.vfold.hint.0",
               "--qemu-arg", "-chardev",
               "--qemu-arg", f"socket,id=bench,path={self.bench},server=on,wait=off",
               "--qemu-arg", "-device",
               "--qemu-arg", "virtserialport,chardev=bench,name=org.vfold.bench.0",
               "--", "/vfold/bench-overcommit"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True,
                                     start_new_session=True)
        self.sock = None
        self.buf = b""

    def connect(self, deadline):
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise GuestError(f"{self.name}: run-vm.sh exited {self.proc.returncode}"
                                 f" before the bench port: {self.proc.stderr.read()}")
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(self.bench)
                self.sock = s
                return
            except OSError:
                s.close()
                time.sleep(0.1)
        raise GuestError(f"{self.name}: no bench socket {self.bench}")

    def send(self, line):
        try:
            self.sock.sendall((line + "\n").encode())
        except OSError as e:
            raise GuestError(f"{self.name}: bench port: {e}") from e

    def readline(self, deadline):
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise GuestError(f"{self.name}: no answer in time")
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError as e:
                raise GuestError(f"{self.name}: bench port: {e}") from e
            if not data:
                raise GuestError(f"{self.name}: bench port closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode(errors="replace").strip()

    def expect(self, prefix, deadline, on_other=None):
        """Read lines until one starts with PREFIX; others go to ON_OTHER."""
        while True:
            line = self.readline(deadline)
            if line.startswith(prefix):
                return line
            if on_other:
                on_other(self, line)

    def stop(self, timeout=60):
        if self.sock:
            try:
                self.send("quit")
            except GuestError:
                pass
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGTERM)
            rc = self.proc.wait()
        if self.sock:
            self.sock.close()
        return rc


def kv(words):
    """KEY=VALUE words to a dict, numbers as numbers."""
    out = {}
    for w in words:
        k, sep, v = w.partition("=")
        if not sep:
            continue
        try:
            out[k] = int(v)
        except ValueError:
            try:
                out[k] = float(v)
            except ValueError:
                out[k] = v
    return out


class Hintd:
    """vfold-hintd for one boot; each JSON line stored with its host time."""

    def __init__(self, workdir, path, on_record=None):
        self.out = open(path, "w")
        self.on_record = on_record
        self.proc = subprocess.Popen(
            [HINTD, "--qmp-dir", workdir, "--json"],
            stdout=subprocess.PIPE, stderr=open(path + ".err", "w"), text=True)
        self.thread = threading.Thread(target=self.pump, daemon=True)
        self.thread.start()

    def pump(self):
        for line in self.proc.stdout:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            self.out.write(json.dumps({"t": time.time(), "hintd": rec}) + "\n")
            self.out.flush()
            if self.on_record:
                try:
                    self.on_record(rec)
                except Exception as e:  # noqa: BLE001 - the pump must go on
                    print(f"vfold-hintd record: {e}", file=sys.stderr)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.thread.join(5)
        self.out.close()


def greet(guests, paravirt, cpus):
    """Waits for every guest's bench port and its "ready": each must have
    booted with CPUS CPUs, the series or not (PARAVIRT 1 or 0). Returns
    each guest's ready fields by name."""
    deadline = time.monotonic() + 60
    for g in guests:
        g.connect(deadline)
    deadline = time.monotonic() + 180
    for g in guests:
        g.send("hello")
    ready = {}
    for g in guests:
        r = kv(g.expect("ready", deadline).split()[1:])
        if r.get("paravirt") != paravirt or r.get("cpus") != cpus:
            raise GuestError(f"{g.name}: booted {r}, wanted paravirt={paravirt} cpus={cpus}")
        ready[g.name] = r
    return ready


def set_mode(guests, guest_mode, cpus, oracle=None):
    """Sends "mode GUEST_MODE" (with each guest's K of ORACLE for oracle)
    and checks every answer: ok, and the mask the mode must leave."""
    deadline = time.monotonic() + 60
    for g in guests:
        arg = f" {oracle[g.name]}" if guest_mode == "oracle" else ""
        g.send(f"mode {guest_mode}{arg}")
    for g in guests:
        line = g.expect("mode", deadline)
        got = kv(line.split()[3:]).get("mask")
        want = "none"
        if guest_mode == "oracle" and oracle[g.name] < cpus:
            want = f"{oracle[g.name]}-{cpus - 1}" if oracle[g.name] < cpus - 1 \
                else str(cpus - 1)
        if " ok " not in line or str(got) != want:
            raise GuestError(f"{g.name}: {line} (wanted ok, mask {want})")


def remove_cgroups(names=("a", "b"), wait=10):
    """The VMs' cgroups that vfold-hintd made (it leaves them). A QEMU
    just killed may still be leaving its cgroup (rmdir says EBUSY): up to
    WAIT seconds for that, so that no stale cgroup makes the next run (or
    tests/integration/cooperative-loop.sh) think another hintd owns it."""
    deadline = time.monotonic() + wait
    for base in ("/sys/fs/cgroup/vfold", "/sys/fs/cgroup/cpu/vfold"):
        for name in names:
            path = os.path.join(base, name)
            while os.path.isdir(path):
                try:
                    os.rmdir(path)
                except OSError:
                    if time.monotonic() > deadline:
                        print(f"cannot remove cgroup {path}", file=sys.stderr)
                        break
                    time.sleep(0.2)
