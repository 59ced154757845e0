#!/usr/bin/python3
"""memhp guest oracle: runs a kernel script on Debian 12's Linux 6.1 or 6.12 under QEMU.

    guest.py prepare [VERSION]  build (or find) the cached kernel + initramfs of
                                VERSION (v6.1, the default, or v6.12); print its dir
    guest.py run SCRIPT    boot, run SCRIPT (a file or -), print one JSON line per step

Exit status: 0 done, 2 the guest could not run (reason on stderr). See README.md.
Standard library only.
"""
import gzip
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
VERBOSE = os.environ.get("MEMHP_GUEST_VERBOSE") == "1"
T0 = time.monotonic()

# PID 1. The agent's own output goes to the kernel console (ttyS0); when it
# exits, power off so QEMU (run with -no-reboot) exits too.
INIT = """#!/bin/sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec >/dev/console 2>&1
/agent
echo "memhp agent exited with status $?"
/bin/busybox poweroff -f
"""

# Built in and needed: hot-add through ACPI, hot-remove, memmap_on_memory,
# ACPI NUMA (SRAT and _PXM put boot RAM and DIMMs on their nodes).
REQUIRED_CONFIG = ["CONFIG_MEMORY_HOTPLUG=y", "CONFIG_MEMORY_HOTREMOVE=y",
                   "CONFIG_MHP_MEMMAP_ON_MEMORY=y", "CONFIG_ACPI_HOTPLUG_MEMORY=y", "CONFIG_DEVTMPFS=y",
                   "CONFIG_NUMA=y", "CONFIG_ACPI_NUMA=y"]
# The profile versions the oracle boots: the package names a pin may use, and
# the config lines the kernel scripts rely on besides REQUIRED_CONFIG. A script
# leaves memhp_default_state off the command line when the trace wants the
# config's default (oracle/kernel.cpp), so that default is checked here: 6.1
# boots with hot-added memory offline, Debian's 6.12 auto-onlines it ("online").
VERSIONS = {
    "v6.1": (re.compile(r"^linux-image-6\.1\.0-\d+-amd64-unsigned$"),
             ["# CONFIG_MEMORY_HOTPLUG_DEFAULT_ONLINE is not set"]),
    "v6.12": (re.compile(r"^linux-image-6\.12\.\d+\+deb12-amd64-unsigned$"),
              ["CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_AUTO=y"]),
}
DEFAULT_VERSION = "v6.1"
BOOT_TIMEOUT = 120      # s until the agent answers (TCG boot is ~5 s)
WRITE_TIMEOUT = 120     # s for one sysfs write (offlining migrates pages)
STATE_TIMEOUT = 20
WAIT_BLOCKS_TIMEOUT = 15
WAIT_DELETED_TIMEOUT = 30
QMP_TIMEOUT = 30
STABLE_TIMEOUT = 3
OST_IN_PROGRESS = 0x84  # _OST "ejection in progress"; 0 is success, others are failures


class Fail(Exception):
    """The guest could not run: exit 2 with this reason."""


class Stopped(Exception):
    """A signal: shut QEMU down and exit 2."""


def log(msg):
    if VERBOSE:
        print(f"[{time.monotonic() - T0:7.2f}s] {msg}", file=sys.stderr, flush=True)


def sh(cmd, what, **kw):
    """Runs cmd; a Fail naming `what` and the last line of its stderr if it fails."""
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    except OSError as e:
        raise Fail(f"{what}: {e}")
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or ["status %d" % r.returncode])[-1]
        raise Fail(f"{what} failed: {last}")
    return r.stdout


# ------------------------------------------------------------------ prepare --

def cache_root():
    if os.environ.get("MEMHP_CACHE"):
        return os.environ["MEMHP_CACHE"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "memhp")


def pinned_kernel(kver):
    """(name, version) of kernel version kver (v6.1, v6.12) from oracle/kernel.pin,
    or MEMHP_KERNEL_PKG=NAME[=VERSION]."""
    if kver not in VERSIONS:
        raise Fail(f"unknown kernel version {kver} (the oracle boots {', '.join(VERSIONS)})")
    override = os.environ.get("MEMHP_KERNEL_PKG")
    if override:
        name, _, version = override.partition("=")
        return name, version or None
    pins = {}
    with open(os.path.join(HERE, "kernel.pin")) as f:
        for line in f:
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            if len(words) != 3 or words[0] not in VERSIONS or not VERSIONS[words[0]][0].match(words[1]):
                raise Fail(f"oracle/kernel.pin: want 'v6.1|v6.12 linux-image-...-amd64-unsigned VERSION' "
                           f"(a package of that kernel), got {line.strip()!r}")
            if words[0] in pins:
                raise Fail(f"oracle/kernel.pin: two pins for {words[0]}")
            pins[words[0]] = (words[1], words[2])
    if kver not in pins:
        raise Fail(f"oracle/kernel.pin names no {kver} kernel")
    return pins[kver]


def kernel_package(kver):
    """(name, version) of the kernel package to boot for kver: exactly the pinned one."""
    name, version = pinned_kernel(kver)
    def available():
        r = subprocess.run(["apt-cache", "madison", name],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        return [v.strip() for _, v, *_ in (l.split("|") for l in r.stdout.splitlines() if l.count("|") >= 2)]

    found = available()
    if not found and os.geteuid() == 0:  # a fresh machine has no package lists yet
        log(f"apt-cache knows no {name}: apt-get update")
        sh(["apt-get", "update", "-qq"], "apt-get update")
        found = available()
    if not found:
        raise Fail(f"apt-cache knows no {name} (run apt-get update, or move oracle/kernel.pin)")
    if version is None:  # MEMHP_KERNEL_PKG=NAME without a version: the newest of that name
        return name, found[0]
    if version not in found:
        raise Fail(f"the pinned {name}={version} is not in apt's lists (it has {', '.join(found)}); "
                   "move oracle/kernel.pin, re-run ctest -L kernel and update tests/kernel/README.md")
    return name, version


def is_static(path):
    """True if the ELF file has no PT_INTERP (needs no dynamic loader)."""
    with open(path, "rb") as f:
        h = f.read(64)
        if h[:4] != b"\x7fELF" or h[4] != 2:
            return False
        phoff, = struct.unpack_from("<Q", h, 32)
        phentsize, phnum = struct.unpack_from("<HH", h, 54)
        f.seek(phoff)
        ph = f.read(phentsize * phnum)
    return all(struct.unpack_from("<I", ph, i * phentsize)[0] != 3 for i in range(phnum))


def build_initramfs(work, agent_src, out_path):
    root = os.path.join(work, "root")
    for d in ("bin", "dev", "proc", "sys", "tmp"):
        os.makedirs(os.path.join(root, d))
    busybox = shutil.which("busybox") or "/bin/busybox"
    if not os.path.exists(busybox) or not is_static(busybox):
        raise Fail("no static busybox (apt-get install busybox-static)")
    shutil.copy(busybox, os.path.join(root, "bin/busybox"))
    os.symlink("busybox", os.path.join(root, "bin/sh"))
    sh(["gcc", "-static", "-O2", "-o", os.path.join(root, "agent"), agent_src], "gcc -static agent.c")
    with open(os.path.join(root, "init"), "w") as f:
        f.write(INIT)
    os.chmod(os.path.join(root, "init"), 0o755)
    names = []
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for n in dirs + sorted(files):
            names.append(os.path.relpath(os.path.join(d, n), root))
    if not shutil.which("cpio"):
        raise Fail("no cpio (apt-get install cpio)")
    r = subprocess.run(["cpio", "-o", "-H", "newc", "-R", "0:0", "--quiet"], cwd=root,
                       input=("\n".join(names) + "\n").encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise Fail(f"cpio failed: {r.stderr.decode().strip()}")
    with gzip.GzipFile(out_path, "wb", mtime=0) as f:
        f.write(r.stdout)


def extract_kernel(deb, dest):
    """dest/vmlinuz and dest/config from the .deb's boot/vmlinuz-* and boot/config-*.
    Like dpkg -x, but only boot/ is written: the modules (most of the package)
    are not needed, everything the oracle uses is built in."""
    p = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    got = {}
    with tarfile.open(fileobj=p.stdout, mode="r|") as tar:
        for m in tar:
            kind = os.path.basename(m.name).split("-")[0]
            if m.isfile() and m.name.startswith("./boot/") and kind in ("vmlinuz", "config"):
                with open(os.path.join(dest, kind), "wb") as f:
                    shutil.copyfileobj(tar.extractfile(m), f)
                got[kind] = os.path.basename(m.name)
    if p.wait() != 0:
        raise Fail(f"dpkg-deb --fsys-tarfile {deb} failed: {p.stderr.read().decode().strip()}")
    if len(got) != 2:
        raise Fail(f"{deb} has no boot/vmlinuz-* and boot/config-*")
    return got["vmlinuz"]


def check_config(config, image, kver):
    lines = set(config.splitlines())
    missing = [c for c in REQUIRED_CONFIG + VERSIONS[kver][1] if c not in lines]
    if missing:
        raise Fail(f"{image}'s config lacks {', '.join(repr(c) for c in missing)}")


def prepare(kver):
    """The cache dir of kernel version kver holding vmlinuz, initrd.gz, config;
    built if missing."""
    for tool in ("qemu-system-x86_64", "gcc", "apt-get", "dpkg-deb"):
        if not shutil.which(tool):
            raise Fail(f"no {tool} on PATH")
    agent_src = os.path.join(HERE, "agent.c")
    with open(agent_src, "rb") as f:
        digest = hashlib.sha256(f.read() + INIT.encode()).hexdigest()[:12]
    pkg, version = kernel_package(kver)
    root = cache_root()
    # The package version names the kernel (6.1.192-3, 6.12.118-1~deb12u1), so
    # both kernels' caches live side by side.
    dest = os.path.join(root, f"guest-{version}-{digest}")
    if os.path.exists(os.path.join(dest, "ready")):
        # Checked on every run: the cache may predate a requirement.
        with open(os.path.join(dest, "config")) as f:
            check_config(f.read(), dest, kver)
        return dest
    log(f"preparing {dest} from {pkg} {version}")
    # The .deb is kept apart so that a change of agent.c does not download it
    # again. Everything is built in a temp dir and renamed into place, so that
    # concurrent runs never see half a cache.
    debs = os.path.join(root, "debs")
    os.makedirs(debs, exist_ok=True)
    deb_name = f"{pkg}_{version.replace(':', '%3a')}_amd64.deb"
    deb = os.path.join(debs, deb_name)
    work = tempfile.mkdtemp(prefix="tmp-", dir=root)
    try:
        if not os.path.exists(deb):
            log(f"apt-get download {pkg}={version}")
            sh(["apt-get", "download", "-q", f"{pkg}={version}"], f"apt-get download {pkg}", cwd=work)
            if not os.path.exists(os.path.join(work, deb_name)):
                raise Fail(f"apt-get download {pkg} left no {deb_name}")
            os.replace(os.path.join(work, deb_name), deb)
        out = os.path.join(work, "out")
        os.makedirs(out)
        image = extract_kernel(deb, out)
        with open(os.path.join(out, "config")) as f:
            config = f.read()
        check_config(config, image, kver)
        build_initramfs(work, agent_src, os.path.join(out, "initrd.gz"))
        with open(os.path.join(out, "ready"), "w") as f:
            f.write(f"{pkg} {version} {image}\n")
        try:
            os.rename(out, dest)
        except OSError:  # another run got there first
            if not os.path.exists(os.path.join(dest, "ready")):
                raise Fail(f"cannot create {dest}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log("prepared")
    return dest


# ------------------------------------------------------------------- script --

class Script:
    def __init__(self, text):
        self.machine = None   # dict of machine options
        self.kernel = DEFAULT_VERSION
        self.numa = []        # boot RAM per NUMA node
        self.cmdline = []
        self.steps = []       # (line, op, [(lineno, verb, arg)])
        for n, raw in enumerate(text.splitlines(), 1):
            where = f"script line {n}"
            verb, _, arg = raw.strip().partition(" ")
            arg = arg.strip()
            if verb == "qmp":  # JSON may hold a '#': a comment can only follow the object
                try:
                    arg, end = json.JSONDecoder().raw_decode(arg)
                except ValueError as e:
                    raise Fail(f"{where}: bad QMP JSON: {e}")
                if raw.strip()[4:].strip()[end:].strip()[:1] not in ("", "#"):
                    raise Fail(f"{where}: text after the QMP object")
            else:
                verb, _, arg = raw.split("#", 1)[0].strip().partition(" ")
                arg = arg.strip()
            if not verb:
                continue
            if self.machine is None and verb != "machine":
                raise Fail(f"{where}: the script must start with `machine`")
            if verb == "machine":
                if self.machine is not None:
                    raise Fail(f"{where}: a second `machine`")
                self.machine = dict(kv.partition("=")[::2] for kv in arg.split())
                unknown = set(self.machine) - {"mem", "slots", "maxmem", "numa", "cpus", "kernel"}
                if unknown:
                    raise Fail(f"{where}: unknown machine option {sorted(unknown)[0]}")
                if "mem" not in self.machine:
                    raise Fail(f"{where}: `machine` needs mem=")
                self.kernel = self.machine.get("kernel", DEFAULT_VERSION)
                if self.kernel not in VERSIONS:
                    raise Fail(f"{where}: kernel={self.kernel}: the oracle boots {', '.join(VERSIONS)}")
                self.numa = self.parse_numa(where)
            elif verb == "cmdline":
                if self.steps:
                    raise Fail(f"{where}: `cmdline` after the first step")
                self.cmdline.append(arg)
            elif verb == "step":
                num, _, op = arg.partition(" ")
                if not re.fullmatch(r"-?\d+", num):
                    raise Fail(f"{where}: `step` needs a line number")
                self.steps.append((int(num), op.strip(), []))
            elif verb in ("qmp", "wait-blocks", "wait-deleted", "guest"):
                if not self.steps:
                    raise Fail(f"{where}: `{verb}` before the first step")
                if verb == "qmp":
                    if not isinstance(arg, dict) or "execute" not in arg:
                        raise Fail(f"{where}: a QMP command is an object with \"execute\"")
                elif verb == "wait-blocks":
                    if not re.fullmatch(r"\d+ \d+", arg):
                        raise Fail(f"{where}: usage: wait-blocks FIRST LAST")
                    arg = tuple(int(x) for x in arg.split())
                elif verb == "wait-deleted":
                    if not arg or " " in arg:
                        raise Fail(f"{where}: usage: wait-deleted ID")
                elif verb == "guest":
                    if not re.fullmatch(r"write \S+ .*", arg):
                        raise Fail(f"{where}: usage: guest write PATH VALUE")
                self.steps[-1][2].append((n, verb, arg))
            else:
                raise Fail(f"{where}: unknown command `{verb}`")
        if self.machine is None:
            raise Fail("the script has no `machine` line")

    def parse_numa(self, where):
        """numa=SIZE,SIZE,...: one NUMA node per entry with that much boot RAM
        (0: a node without memory), summing to mem; [] for no -numa at all."""
        if "numa" not in self.machine:
            return []
        sizes = self.machine["numa"].split(",")
        if not all(re.fullmatch(r"0|\d+[MG]", x) for x in sizes) or sizes[0] == "0":
            raise Fail(f"{where}: numa= wants sizes like 512M,512M or 1G,0 (node 0 has boot RAM)")
        mib = lambda x: 0 if x == "0" else int(x[:-1]) * (1024 if x[-1] == "G" else 1)
        if not re.fullmatch(r"\d+[MG]", self.machine["mem"]) or sum(map(mib, sizes)) != mib(self.machine["mem"]):
            raise Fail(f"{where}: the numa= sizes must add up to mem=")
        return sizes


# -------------------------------------------------------------------- guest --

class Channel:
    """Newline-delimited text over a QEMU chardev's Unix socket."""

    def __init__(self, path, what, qemu):
        self.what, self.buf = what, b""
        deadline = time.monotonic() + 10
        while True:  # QEMU creates the socket shortly after it starts
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                return
            except OSError:
                self.sock.close()
                if qemu.poll() is not None or time.monotonic() > deadline:
                    raise Fail(f"cannot connect to QEMU's {what} socket")
                time.sleep(0.05)

    def send(self, line):
        try:
            self.sock.sendall(line.encode() + b"\n")
        except OSError as e:
            raise Fail(f"lost QEMU's {self.what} channel: {e}")

    def readline(self, timeout):
        """The next line, or None after timeout seconds."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                return None
            except OSError as e:
                raise Fail(f"lost QEMU's {self.what} channel: {e}")
            if not data:
                raise Fail(f"QEMU closed the {self.what} channel")
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\n")
        return line.decode(errors="replace").strip()


class Qmp:
    def __init__(self, chan):
        self.chan, self.events, self.next_id = chan, [], 0
        self._read(QMP_TIMEOUT)  # greeting
        self.execute({"execute": "qmp_capabilities"})

    def _read(self, timeout):
        line = self.chan.readline(timeout)
        if line is None:
            return None
        try:
            return json.loads(line)
        except ValueError:
            raise Fail(f"QMP sent non-JSON: {line[:200]}")

    def execute(self, cmd):
        """QEMU's answer: {"return": ...} or {"error": ...}. Events met on the way are kept."""
        self.next_id += 1
        cmd = dict(cmd, id=self.next_id)
        self.chan.send(json.dumps(cmd))
        deadline = time.monotonic() + QMP_TIMEOUT
        while True:
            msg = self._read(deadline - time.monotonic())
            if msg is None:
                raise Fail(f"QMP {cmd['execute']} got no answer")
            if "event" in msg:
                self.events.append(msg)
            elif msg.get("id") == self.next_id:
                return msg

    def wait_event(self, match, timeout):
        """The first event (buffered or new) for which match(event) holds; None on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            for e in self.events:
                if match(e):
                    self.events.remove(e)
                    return e
            msg = self._read(max(0.0, deadline - time.monotonic()))
            if msg is None:
                return None
            if "event" in msg:
                log(f"QMP event {json.dumps(msg)}")
                self.events.append(msg)


class Agent:
    def __init__(self, chan):
        self.chan = chan

    def call(self, cmd, timeout):
        self.chan.send(cmd)
        line = self.chan.readline(timeout)
        if line is None:
            raise Fail(f"the guest agent did not answer `{cmd[:60]}` within {timeout} s")
        try:
            msg = json.loads(line)
        except ValueError:
            raise Fail(f"the guest agent sent non-JSON: {line[:200]}")
        if "error" in msg:
            raise Fail(f"the guest agent refused `{cmd[:60]}`: {msg['error']}")
        return msg

    def sync(self, qemu, console):
        """Waits for the agent, then discards whatever earlier pings left in the pipe."""
        deadline, n = time.monotonic() + BOOT_TIMEOUT, 0
        while True:
            try:
                if time.monotonic() > deadline:
                    raise Fail(f"the guest agent did not answer within {BOOT_TIMEOUT} s")
                n += 1
                self.chan.send(f"ping {n}")
                line = self.chan.readline(1.0)
                if line and line.startswith('{"pong"'):
                    break
            except Fail as e:
                try:  # a dying QEMU closes the channel first: its exit is the better reason
                    qemu.wait(2)
                    raise Fail(f"QEMU exited with status {qemu.returncode} before the agent answered"
                               + last_line(console))
                except subprocess.TimeoutExpired:
                    raise Fail(str(e) + last_line(console))
            if qemu.poll() is not None:
                raise Fail(f"QEMU exited with status {qemu.returncode} before the agent answered"
                           + last_line(console))
        self.chan.send("")  # ends any partial line left by the tty's early input
        self.chan.send("ping sync")
        while True:
            line = self.chan.readline(10)
            if line is None:
                raise Fail("the guest agent stopped answering after boot")
            if line == '{"pong":"sync"}':
                return

    def state(self):
        return self.call("state", STATE_TIMEOUT)

    def stable_state(self):
        """Two identical states ~100 ms apart (the kernel may still be onlining or
        removing after the command returned); (state, stable)."""
        prev = self.state()
        deadline = time.monotonic() + STABLE_TIMEOUT
        while True:
            time.sleep(0.1)
            cur = self.state()
            if cur == prev:
                return cur, True
            if time.monotonic() > deadline:
                return cur, False
            prev = cur


def last_line(path):
    try:
        with open(path, errors="replace") as f:
            lines = [l.strip() for l in f if l.strip()]
        # A panic is followed by its backtrace: its own line says more than the last.
        panics = [l for l in lines if "Kernel panic" in l]
        return f" (console: {(panics or lines)[-1][:200]})" if lines else " (the console is empty)"
    except OSError:
        return ""


def emit(obj):
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def run_step(agent, qmp, actions, out):
    """Runs one step's actions; fills out's errno and notes."""
    errnos = []
    for n, verb, arg in actions:
        if verb == "qmp":
            r = qmp.execute(arg)
            if "error" in r:
                # The step failed in QEMU: its waits could only time out.
                out["qmp_error"] = r["error"].get("desc", json.dumps(r["error"]))
                out["errno"] = None
                return
        elif verb == "guest":
            _, path, value = arg.split(" ", 2)
            errnos.append(agent.call(f"write {path} {value}", WRITE_TIMEOUT)["errno"])
        elif verb == "wait-blocks":
            first, last = arg
            deadline = time.monotonic() + WAIT_BLOCKS_TIMEOUT
            while not all(str(b) in agent.state()["blocks"] for b in range(first, last + 1)):
                if time.monotonic() > deadline:
                    out["timeout"] = "wait-blocks"
                    break
                time.sleep(0.1)
        elif verb == "wait-deleted":
            def match(e):
                d = e.get("data", {})
                if e["event"] == "DEVICE_DELETED":
                    return d.get("device") == arg
                info = d.get("info", {})
                return (e["event"] == "ACPI_DEVICE_OST" and info.get("device") == arg
                        and info.get("status") not in (0, OST_IN_PROGRESS))
            e = qmp.wait_event(match, WAIT_DELETED_TIMEOUT)
            if e is None:
                out["timeout"] = "wait-deleted"
            elif e["event"] == "DEVICE_DELETED":
                errnos.append(0)
            else:  # the guest refused the eject (_OST failure, 0x82 = device busy)
                errnos.append(-16)
                out["ost_status"] = e["data"]["info"]["status"]
    # One errno per step: the first failure, else 0 if anything reported one.
    out["errno"] = next((e for e in errnos if e), 0 if errnos else None)


def qemu_command(cache, script, tmp):
    m = script.machine
    mem = m["mem"] + "".join(f",{k}={m[k]}" for k in ("slots", "maxmem") if k in m)
    append = " ".join(["console=ttyS0", "quiet", "rdinit=/init", "panic=-1", "nokaslr"] + script.cmdline)
    return [
        "qemu-system-x86_64", "-accel", "tcg", "-machine", "pc", "-smp", m.get("cpus", "1"),
        "-m", mem, "-nodefaults", "-display", "none", "-no-reboot",
        "-kernel", os.path.join(cache, "vmlinuz"), "-initrd", os.path.join(cache, "initrd.gz"),
        "-append", append,
        # ttyS0: the kernel console, to a file; ttyS1: the agent's channel.
        "-chardev", f"file,id=con,path={tmp}/console.log", "-device", "isa-serial,index=0,chardev=con",
        "-chardev", f"socket,id=cmd,path={tmp}/cmd.sock,server=on,wait=off",
        "-device", "isa-serial,index=1,chardev=cmd",
        "-qmp", f"unix:{tmp}/qmp.sock,server=on,wait=off",
    ] + numa_options(script.numa)


def numa_options(sizes):
    """One -numa node per entry, backed by its own RAM backend when it has boot
    RAM. QEMU's SRAT gives node 0 [0, 640K) and [1M, sizes[0]), the next node
    the following sizes[1] bytes, and so on; the DIMM area is a hotpluggable
    range of the last node, each DIMM's _PXM its `node`."""
    out = []
    for nid, size in enumerate(sizes):
        if size == "0":
            out += ["-numa", f"node,nodeid={nid}"]
        else:
            out += ["-object", f"memory-backend-ram,id=node{nid}-ram,size={size}",
                    "-numa", f"node,nodeid={nid},memdev=node{nid}-ram"]
    return out


def die_with_parent():
    # QEMU must not outlive a killed driver.
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def run(script_text):
    script = Script(script_text)
    cache = prepare(script.kernel)
    with open(os.path.join(cache, "ready")) as f:
        # Always said, verbose or not: which kernel produced the numbers.
        print(f"memhp guest: booting {f.read().strip()}", file=sys.stderr, flush=True)
    tmp = tempfile.mkdtemp(prefix="memhp-guest-")
    qemu, qlog = None, None
    try:
        cmd = qemu_command(cache, script, tmp)
        log("boot: " + " ".join(cmd))
        qlog = open(os.path.join(tmp, "qemu.log"), "w")
        try:
            qemu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=qlog, stderr=qlog,
                                    preexec_fn=die_with_parent)
        except OSError as e:
            raise Fail(f"cannot start QEMU: {e}")
        try:
            # Both channels stay open for the guest's whole life: a serial
            # chardev with no client drops the guest's input.
            agent = Agent(Channel(os.path.join(tmp, "cmd.sock"), "agent", qemu))
            qmp = Qmp(Channel(os.path.join(tmp, "qmp.sock"), "QMP", qemu))
        except Fail as e:
            qlog.flush()
            raise Fail(f"{e}{last_line(os.path.join(tmp, 'qemu.log'))}")
        agent.sync(qemu, os.path.join(tmp, "console.log"))
        log("agent answers")
        steps = [(0, "boot", [])] + script.steps
        for line, op, actions in steps:
            t = time.monotonic()
            out = {"line": line, "op": op, "errno": None}
            run_step(agent, qmp, actions, out)
            state, stable = agent.stable_state()
            if not stable:
                out["unstable"] = True
            out.update(state)
            emit(out)
            log(f"step {line} {op}: {time.monotonic() - t:.2f} s")
        return 0
    finally:
        if qemu is not None:
            shutdown(qemu)
        if qlog:
            qlog.close()
        if VERBOSE:
            for name in ("qemu.log", "console.log"):
                try:
                    with open(os.path.join(tmp, name), errors="replace") as f:
                        text = f.read()
                    if text.strip():
                        sys.stderr.write(f"----- {name}\n{text}")
                except OSError:
                    pass
        shutil.rmtree(tmp, ignore_errors=True)


def shutdown(qemu):
    if qemu.poll() is None:
        try:  # SIGTERM makes QEMU exit cleanly, and needs no working channel
            qemu.terminate()
            qemu.wait(5)
        except subprocess.TimeoutExpired:
            qemu.kill()
            qemu.wait()
    log(f"QEMU stopped (status {qemu.returncode})")


def main(argv):
    def on_signal(signum, frame):
        for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(s, signal.SIG_IGN)  # let the cleanup finish
        raise Stopped(f"stopped by signal {signum}")
    for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(s, on_signal)
    try:
        if len(argv) in (2, 3) and argv[1] == "prepare":
            print(prepare(argv[2] if len(argv) == 3 else DEFAULT_VERSION))
            return 0
        if len(argv) == 3 and argv[1] == "run":
            if argv[2] == "-":
                text = sys.stdin.read()
            else:
                try:
                    with open(argv[2]) as f:
                        text = f.read()
                except OSError as e:
                    raise Fail(f"cannot read the script: {e}")
            return run(text)
        print("usage: guest.py prepare [v6.1|v6.12] | guest.py run SCRIPT|-", file=sys.stderr)
        return 2
    except (Fail, Stopped) as e:
        print(f"memhp guest: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # a bug here must not look like a result either
        if VERBOSE:
            traceback.print_exc()
        print(f"memhp guest: internal error: {type(e).__name__}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
