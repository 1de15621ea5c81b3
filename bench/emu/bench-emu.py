#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""./resoa bench emu: real ReSoA and real kernel TCP over ns-3's emulated 802.11a hop, next
to the pure simulation of the same settings.

Emulation (examples/resoa-emu-wifi-hop, real time): for each loss point and run, a fresh
example instance with its own RNG run number carries either
- ReSoA: a real resoa-clientd (client namespace, no IP address) and resoa-serverd (server
  namespace), and an unmodified curl under resoa-run fetching a file from a python
  http.server in the internet namespace behind the server; or
- TCP: curl over kernel TCP between the two taps' addresses (no ReSoA), from an http.server
  in the server namespace.
Each download is hash-checked; its goodput is size / curl's time_total. The example's
real-time lag report (max, p99) is kept per run and runs above the lag bounds are flagged
and left out of the statistics.

Simulation: build/examples/resoa-compare --direction=down --bytes=SIZE at the same PHY, loss
model, MAC retries and (measured) round-trip time, ReSoA and TCP with the Linux-like profile.

Writes emu-runs.csv, sim-runs.csv, summary.csv, summary.md (and the logs) into --out.
Needs root. Figures only: it never fails on them.
"""
import argparse
import csv
import hashlib
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree (bench/emu, bench/realnet)
sys.path.insert(0, HERE)
import ebench_report  # noqa: E402
import ebench_topology as et  # noqa: E402
from ebench_topology import EmuTopology  # noqa: E402
import rbench_topology  # noqa: E402  (on the path since ebench_topology)

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
SYSTEMS = ("resoa", "tcp")
HTTP_PORT = 8080
FILE_NAME = "blob.bin"
# The headline's fade channel (analysis/campaigns.py: burstGoodMs = BURST_GOOD_MS = 1000,
# burst campaign x = burstBadMs, frameLoss 0 in the Good state, shared timeline, data frames
# and MAC ACKs) and MAC retry limit (MAC_RETRIES = 7).
FADE_GOOD_MS = 1000
MAC_RETRIES = 7
# Idle round trip of one simulated 802.11a hop for a SYN and its SYN-ACK (each: AIFS 34 us
# plus a 96-byte frame at 54 Mbit/s, 36 us; the MAC ACK comes after delivery). The simulation's
# wired link gets the rest of the emulated path's measured idle RTT (--sim-rtt auto).
SIM_HOP_IDLE_RTT_MS = 0.14


def effective_sim_rtt(rtt_ms):
    """The RTT resoa-compare really simulates for --rtt=rtt_ms: it sets the wired one-way
    delay with ns-3 3.37's MilliSeconds(rtt / 2), which takes whole milliseconds (a double
    argument is truncated), so --rtt=0.8 runs with no wired delay at all."""
    return 2 * int(rtt_ms / 2)


def parse_points(text):
    """'iid0,iid10,iid30,fade50' -> [{name, model, loss, fade_bad_ms}]."""
    points = []
    for name in [x.strip() for x in text.split(",") if x.strip()]:
        m = re.fullmatch(r"iid(\d+(?:\.\d+)?)", name)
        f = re.fullmatch(r"fade(\d+)", name)
        if m and 0 <= float(m.group(1)) < 100:
            points.append({"name": name, "model": "iid", "loss": float(m.group(1)) / 100,
                           "fade_bad_ms": 0})
        elif f and int(f.group(1)) > 0:
            points.append({"name": name, "model": "gilbert", "loss": 0.0,
                           "fade_bad_ms": int(f.group(1))})
        else:
            raise ValueError("bad point '%s' (iidPCT or fadeMS, e.g. iid30, fade50)" % name)
    if not points:
        raise ValueError("no points")
    return points


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="./resoa bench emu",
        description="Real ReSoA (resoa-clientd/serverd + curl under the LD_PRELOAD shim) and "
                    "real kernel TCP over ns-3's emulated lossy 802.11a hop "
                    "(examples/resoa-emu-wifi-hop), next to resoa-compare's pure simulation of "
                    "the same settings: download goodput, ReSoA/TCP ratio per run pair, "
                    "real-time lag. Needs root. Default run: about 8 minutes on 2 cores.")
    p.add_argument("--quick", action="store_true",
                   help="smoke run (< 2 min): points iid0,iid30,fade50, 1 run, 4 MiB")
    p.add_argument("--out", help="output directory (default results/bench-emu/, --quick: "
                                 "results/bench-emu/quick/)")
    p.add_argument("--build-dir", default=os.environ.get("RESOA_BUILD_DIR",
                                                         os.path.join(ROOT, "build")),
                   help="build tree with the example, resoa-compare and the daemons "
                        "(env RESOA_BUILD_DIR)")
    p.add_argument("--points", help="loss points: iidPCT (i.i.d. frame loss) and fadeMS "
                                    "(Gilbert-Elliott fades of that mean length, 1 s apart) "
                                    "[iid0,iid10,iid30,fade50]")
    p.add_argument("--runs", type=int, help="runs per point and system, emulation and "
                                            "simulation alike [5]")
    p.add_argument("--size-mib", type=float, help="download size in MiB [16]")
    p.add_argument("--systems", default="resoa,tcp", help="resoa and/or tcp [resoa,tcp]")
    p.add_argument("--no-sim", action="store_true", help="emulation only")
    p.add_argument("--no-emu", action="store_true",
                   help="simulation only (no root needed; give --sim-rtt)")
    p.add_argument("--sim-rtt", default="auto",
                   help="resoa-compare --rtt in ms: 'auto' = the emulated path's measured idle "
                        "RTT minus one simulated hop's (%.2f ms), rounded to the nearest even "
                        "number of ms (resoa-compare's wired delay has whole-ms steps); a "
                        "number is used as is and its effective value recorded [auto]"
                        % SIM_HOP_IDLE_RTT_MS)
    p.add_argument("--sim-tcp", default="linux",
                   help="resoa-compare --tcp for both systems (linux = Cubic, Linux's RTO "
                        "form, 40 ms delayed ACK) [linux]")
    p.add_argument("--sim-jobs", type=int, default=os.cpu_count() or 1,
                   help="simulations run in parallel, after the emulation [nproc]")
    p.add_argument("--mac-retries", type=int, default=MAC_RETRIES, help="[7]")
    p.add_argument("--fade-good-ms", type=int, default=FADE_GOOD_MS,
                   help="mean time between fades [1000]")
    p.add_argument("--seed", type=int, default=1, help="RNG seed; run i uses --run=i [1]")
    p.add_argument("--cc", default="cubic",
                   help="congestion control of the kernel TCP senders (the http servers, set "
                        "per socket, so any available one works); every namespace's default is "
                        "this one if the host allows it there, else reno [cubic]")
    p.add_argument("--lag-max-ms", type=float, default=100.0,
                   help="flag a run whose largest real-time lag exceeds this (half of Linux's "
                        "200 ms minimum RTO) [100]")
    p.add_argument("--lag-p99-ms", type=float, default=20.0,
                   help="flag a run whose p99 lag exceeds this (about 40 %% of the loaded TCP "
                        "RTT of the path) [20]")
    p.add_argument("--keep-flagged", action="store_true",
                   help="keep lag-flagged runs in the statistics (they are always in the CSV)")
    p.add_argument("--curl-timeout", type=int, default=180, help="seconds per download [180]")
    p.add_argument("--report-only", metavar="DIR",
                   help="rewrite the summary of an earlier run in DIR from its CSVs and "
                        "meta.json (give the same --points/--systems/--size-mib/--runs)")
    a = p.parse_args(argv)
    defaults = {"points": "iid0,iid30,fade50" if a.quick else "iid0,iid10,iid30,fade50",
                "runs": 1 if a.quick else 5, "size_mib": 4 if a.quick else 16}
    for key, value in defaults.items():
        if getattr(a, key) is None:
            setattr(a, key, value)
    try:
        a.points = parse_points(a.points)
    except ValueError as e:
        p.error("--points: %s" % e)
    a.systems = [x for x in a.systems.split(",") if x]
    if not a.systems or any(x not in SYSTEMS for x in a.systems):
        p.error("--systems: resoa and/or tcp")
    if a.runs < 1 or a.size_mib <= 0 or a.sim_jobs < 1:
        p.error("--runs, --size-mib and --sim-jobs must be positive")
    if a.no_emu and a.no_sim:
        p.error("--no-emu and --no-sim leave nothing to do")
    if a.no_emu and a.sim_rtt == "auto":
        p.error("--no-emu needs --sim-rtt MS (auto measures the emulated path)")
    if a.sim_rtt != "auto":
        try:
            a.sim_rtt = float(a.sim_rtt)
        except ValueError:
            p.error("--sim-rtt: 'auto' or milliseconds")
    a.size = int(a.size_mib * 1024 * 1024)
    if a.out is None:
        a.out = os.path.join(ROOT, "results", "bench-emu", "quick" if a.quick else "")
    return a


# --- the example's report -----------------------------------------------------------------

def parse_emu_report(log):
    """The numbers resoa-emu-wifi-hop prints at the end (as test/emu/ parses them)."""
    r = {}
    m = re.search(r"realtime lag: samples (\d+) period \S+ ms max ([0-9.]+) ms \(at ([0-9.]+) s\) "
                  r"p99 ([0-9.]+) ms p50 ([0-9.]+) ms mean ([0-9.]+) ms", log)
    if m:
        r.update(lag_samples=int(m.group(1)), lag_max_ms=float(m.group(2)),
                 lag_max_at_s=float(m.group(3)), lag_p99_ms=float(m.group(4)),
                 lag_p50_ms=float(m.group(5)), lag_mean_ms=float(m.group(6)))
    m = re.search(r"emu: ran ([0-9.]+) s simulated in ([0-9.]+) s wall time", log)
    if m:
        r.update(emu_sim_s=float(m.group(1)), emu_wall_s=float(m.group(2)))
    m = re.search(r"server side [^:]*: A->B (\d+) frames", log)
    if m:
        r["server_frames"] = int(m.group(1))
    m = re.search(r"client side [^:]*: A->B (\d+) frames \(\d+ bytes\), B->A (\d+) frames", log)
    if m:
        r["client_frames"] = int(m.group(1))
        r["client_frames_out"] = int(m.group(2))
    m = re.search(r"MAC data attempts lost (\d+), frames given up after \d+ retries (\d+), "
                  r"associations (\d+), de-associations (\d+)(?:, fades (\d+))?", log)
    if m:
        r.update(mac_attempts_lost=int(m.group(1)), mac_given_up=int(m.group(2)),
                 associations=int(m.group(3)), deassoc=int(m.group(4)),
                 fades=int(m.group(5)) if m.group(5) else 0)
    corrupted = seen = 0
    for c, s in re.findall(r"corrupted data (\d+)/(\d+)", log):
        corrupted += int(c)
        seen += int(s)
    r["data_corrupted"], r["data_seen"] = corrupted, seen
    r["loss_measured"] = round(corrupted / seen, 4) if seen else 0.0
    return r


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def tcp_retrans(ns):
    """RetransSegs of a namespace's TCP (/proc/net/snmp read from inside it)."""
    out = subprocess.run(["ip", "netns", "exec", ns, "cat", "/proc/net/snmp"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    tcp = [line.split() for line in out.splitlines() if line.startswith("Tcp:")]
    if len(tcp) < 2:
        return None
    return int(tcp[1][tcp[0].index("RetransSegs")])


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


class Bench:
    """The topology's long-lived parts (http servers), and one emulated run at a time."""

    def __init__(self, args, topo, workdir):
        self.args = args
        self.topo = topo
        self.workdir = workdir
        b = args.build_dir
        self.example = os.path.join(b, "examples", "resoa-emu-wifi-hop")
        self.compare = os.path.join(b, "examples", "resoa-compare")
        self.serverd, self.clientd, self.preload, self.resoa_run = (
            rbench_topology.daemon_binaries(b))
        self.www = os.path.join(workdir, "www")
        self.socket = os.path.join(workdir, "clientd.sock")
        self.logs = os.path.join(workdir, "logs")
        self.want = None
        self.rows = []
        self.probe = {}

    def missing(self):
        need = [self.compare] if not self.args.no_sim else []
        if not self.args.no_emu:
            need += [self.example, self.serverd, self.clientd, self.resoa_run]
        out = [f for f in need if not os.access(f, os.X_OK)]
        if not self.args.no_emu and not os.access(self.preload, os.R_OK):
            out.append(self.preload)
        return out

    def log(self, name, tail=2500):
        try:
            with open(os.path.join(self.logs, name)) as f:
                return "\n--- %s:\n%s" % (name, f.read()[-tail:])
        except OSError:
            return ""

    # --- set-up ----------------------------------------------------------------------------

    def setup(self):
        os.makedirs(self.www, exist_ok=True)
        os.makedirs(self.logs, exist_ok=True)
        path = os.path.join(self.www, FILE_NAME)
        # Incompressible and reproducible: SHA-256 in counter mode.
        with open(path, "wb") as f:
            left, i = self.args.size, 0
            while left > 0:
                block = b"".join(hashlib.sha256(b"rbemu %d %d" % (i, j)).digest()
                                 for j in range(2048))  # 64 KiB
                f.write(block[:left])
                left -= len(block)
                i += 1
        self.want = sha256_of(path)
        t = self.topo
        # ReSoA runs fetch from the internet namespace; kernel TCP runs from the server's own
        # http server (0.0.0.0: its tap address exists only while a TCP run's example runs).
        for role, bind in (("internet", et.INTERNET_ADDRESS), ("server", "0.0.0.0")):
            p = t.start(role, ["/usr/bin/python3", "-u", os.path.join(HERE, "http_server.py"),
                               bind, str(HTTP_PORT), self.www, self.args.cc],
                        os.path.join("logs", "http-%s.log" % role))
            if not t.wait_for(p, t.processes[-1][1], "Serving HTTP"):
                raise RuntimeError("http.server in %s did not start%s" % (
                    role, self.log("http-%s.log" % role)))

    # --- one emulated run ------------------------------------------------------------------

    def start_emu(self, point, system, run_no, log_name):
        a = self.args
        t = self.topo
        argv = [self.example, "--client-ns=" + t.ns["client"], "--server-ns=" + t.ns["server"],
                "--client-mac=" + et.CLIENT_MAC, "--server-mac=" + et.SERVER_MAC,
                "--mac-retries=%d" % a.mac_retries, "--seed=%d" % a.seed, "--run=%d" % run_no]
        if point["model"] == "gilbert":
            argv += ["--loss-model=gilbert", "--loss=%g" % point["loss"],
                     "--fade-bad-ms=%d" % point["fade_bad_ms"],
                     "--fade-good-ms=%d" % a.fade_good_ms]
        else:
            argv += ["--loss-model=iid", "--loss=%g" % point["loss"]]
        if system == "tcp":
            argv += ["--client-ip=%s/24" % et.CLIENT_TCP, "--server-ip=%s/24" % et.SERVER_TCP]
        if not t.wait_tap_gone():
            raise RuntimeError("the previous run's taps are still there")
        p = t.start("sim", argv, os.path.join("logs", log_name))
        log = t.processes[-1][1]
        if not t.wait_for(p, log, "running in real time", 20):
            raise RuntimeError("resoa-emu-wifi-hop did not start" + self.log(log_name))
        t.wait_tap("client")
        t.wait_tap("server")
        if not t.wait_for(p, log, "station associated", 10):
            raise RuntimeError("the simulated station did not associate" + self.log(log_name))
        return p

    def start_resoa(self, tag):
        t = self.topo
        serverd = t.start("server", [self.serverd, "--interface", et.TAP, "--public-address",
                                     et.PUBLIC_ADDRESS],
                          os.path.join("logs", "serverd-%s.log" % tag))
        if not t.wait_for(serverd, t.processes[-1][1], "up on " + et.TAP):
            raise RuntimeError("resoa-serverd did not start" + self.log("serverd-%s.log" % tag))
        if os.path.exists(self.socket):
            os.unlink(self.socket)
        clientd = t.start("client", [self.clientd, "--interface", et.TAP, "--server-mac",
                                     et.SERVER_MAC, "--unix-socket", self.socket],
                          os.path.join("logs", "clientd-%s.log" % tag))
        if not t.wait_for(clientd, t.processes[-1][1],
                          "registered: errno 0, public address " + et.PUBLIC_ADDRESS, 20):
            raise RuntimeError("resoa-clientd did not register" +
                               self.log("clientd-%s.log" % tag) + self.log("serverd-%s.log" % tag))
        return serverd, clientd

    def curl(self, system, path, timeout=None, out=None, write_out=None):
        """curl in the client namespace (ReSoA: under resoa-run). Returns (exit, stdout,
        stderr)."""
        ns = self.topo.ns["client"]
        if system == "resoa":
            prefix = ["ip", "netns", "exec", ns, "env", "RESOA_CLIENTD_SOCKET=" + self.socket,
                      "RESOA_PRELOAD=" + self.preload, self.resoa_run]
            host = et.INTERNET_ADDRESS
        else:
            prefix = ["ip", "netns", "exec", ns]
            host = et.SERVER_TCP
        fmt = write_out or ("%{time_connect} %{time_starttransfer} %{time_total} "
                            "%{size_download} %{http_code}\\n")
        argv = prefix + ["curl", "-sS", "--max-time", str(timeout or self.args.curl_timeout),
                         "-o", out or "/dev/null", "-w", fmt,
                         "http://%s:%d/%s" % (host, HTTP_PORT, path)]
        try:
            p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               timeout=(timeout or self.args.curl_timeout) + 30)
        except subprocess.TimeoutExpired:
            return -1, "", "timed out"
        return p.returncode, p.stdout, p.stderr

    def emu_run(self, point, system, rep):
        """One download over the emulated hop; returns its CSV row."""
        a = self.args
        t = self.topo
        run_no = rep + 1
        tag = "%s-%s-%d" % (point["name"], system, run_no)
        row = self.base_row("emu", point, system, rep)
        row.update(cc=a.cc, loadavg_start=loadavg())
        out = os.path.join(self.workdir, "got.bin")
        if os.path.exists(out):
            os.unlink(out)
        emu = serverd = clientd = None
        error = ""
        # The TCP sender: the http server in the server (TCP) or internet (ReSoA) namespace.
        sender = t.ns["server" if system == "tcp" else "internet"]
        retx0 = tcp_retrans(sender)
        try:
            emu = self.start_emu(point, system, run_no, "emu-%s.log" % tag)
            if system == "resoa":
                serverd, clientd = self.start_resoa(tag)
            code, stdout, stderr = self.curl(system, FILE_NAME, out=out)
            fields = stdout.split()
            if code != 0 or len(fields) < 5:
                error = "curl exit %d: %s" % (code, (stderr.strip() or stdout.strip())[-200:])
            else:
                connect, first, total, size, http = fields[:5]
                row.update(connect_s=float(connect), first_byte_s=float(first),
                           seconds=float(total), bytes=int(size), http_code=http)
                if http != "200" or int(size) != a.size:
                    error = "HTTP %s, %s of %d bytes" % (http, size, a.size)
                elif sha256_of(out) != self.want:
                    error = "SHA-256 mismatch"
                else:
                    row["sha_ok"] = 1
                    row["goodput_mbps"] = round(a.size * 8 / float(total) / 1e6, 3)
        except RuntimeError as e:
            error = str(e)[-600:]
        finally:
            # Daemons before the example, as the tests do; the report comes at its exit.
            for p in (clientd, serverd):
                if p is not None:
                    t.stop(p)
            if emu is not None:
                t.stop(emu)
                row["emu_exit"] = emu.returncode
        if os.path.exists(out):
            os.unlink(out)
        if emu is not None:
            with open(os.path.join(self.logs, "emu-%s.log" % tag)) as f:
                rep_ = parse_emu_report(f.read())
            row.update(rep_)
            if "lag_max_ms" not in rep_:
                error = error or "no lag report (exit %s)" % emu.returncode
            elif emu.returncode != 0:
                error = error or "resoa-emu-wifi-hop exit %s" % emu.returncode
            if rep_.get("deassoc"):
                error = error or "station de-associated %d times" % rep_["deassoc"]
        retx1 = tcp_retrans(sender)
        if retx0 is not None and retx1 is not None:
            row["tcp_retx"] = retx1 - retx0
        if "server_frames" in row and "client_frames_out" in row:
            # Downlink frames handed to the AP that never left the station's side: queue
            # drops in the emulator (the 802.11 MAC queue) and frames the MAC gave up on.
            row["hop_lost_down"] = row["server_frames"] - row["client_frames_out"]
        row["loadavg_end"] = loadavg()
        row["ok"] = int(not error and row.get("sha_ok") == 1)
        row["error"] = error
        flags = []
        if row.get("lag_max_ms", 0) > a.lag_max_ms:
            flags.append("lag max %.0f ms > %.0f" % (row["lag_max_ms"], a.lag_max_ms))
        if row.get("lag_p99_ms", 0) > a.lag_p99_ms:
            flags.append("lag p99 %.1f ms > %.0f" % (row["lag_p99_ms"], a.lag_p99_ms))
        row["lag_ok"] = int(not flags)
        row["lag_flag"] = "; ".join(flags)
        self.rows.append(row)
        return row

    def base_row(self, mode, point, system, rep):
        a = self.args
        return {"mode": mode, "system": system, "point": point["name"],
                "loss_model": point["model"], "frame_loss": point["loss"],
                "fade_bad_ms": point["fade_bad_ms"],
                "fade_good_ms": a.fade_good_ms if point["model"] == "gilbert" else "",
                "mac_retries": a.mac_retries, "rep": rep, "seed": a.seed, "run": rep + 1,
                "size_bytes": a.size, "ok": 0, "sha_ok": 0, "goodput_mbps": "",
                "lag_ok": "", "lag_flag": ""}

    # --- the path's round trip (for the simulation's --rtt) --------------------------------

    def probe_path(self, progress):
        """Idle RTT of the emulated hop (curl's TCP connect time, 7 connections after ARP),
        and the loaded RTT/cwnd the kernel TCP sender sees during one download (ss)."""
        t = self.topo
        point = {"name": "probe", "model": "iid", "loss": 0.0, "fade_bad_ms": 0}
        emu = t_proc = None
        try:
            emu = self.start_emu(point, "tcp", 1, "emu-probe.log")
            self.curl("tcp", "missing", timeout=10)  # ARP
            idle = []
            for _ in range(7):
                code, out, _ = self.curl("tcp", "missing", timeout=10,
                                         write_out="%{time_connect}\\n")
                if code == 0 and out.strip():
                    idle.append(float(out.split()[0]) * 1000)
            t_proc = subprocess.Popen(
                ["ip", "netns", "exec", t.ns["client"], "curl", "-sS", "-o", "/dev/null",
                 "-w", "%{time_total}", "http://%s:%d/%s" % (et.SERVER_TCP, HTTP_PORT, FILE_NAME)],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            rtts, cwnds, seen_cc = [], [], set()
            time.sleep(0.5)
            while t_proc.poll() is None:
                ss = subprocess.run(["ip", "netns", "exec", t.ns["server"], "ss", "-tinH",
                                     "sport", "= :%d" % HTTP_PORT], stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, text=True).stdout
                m = re.search(r"\brtt:([0-9.]+)/", ss)
                c = re.search(r"\bcwnd:(\d+)", ss)
                k = re.search(r"\b([a-z][a-z0-9_]*) wscale:", ss)
                if k:
                    seen_cc.add(k.group(1))
                if m:
                    rtts.append(float(m.group(1)))
                if c:
                    cwnds.append(int(c.group(1)))
                time.sleep(0.25)
            total = float(t_proc.communicate()[0] or 0)
        finally:
            if t_proc is not None and t_proc.poll() is None:
                t_proc.kill()
                t_proc.wait()
            if emu is not None:
                t.stop(emu)
        with open(os.path.join(self.logs, "emu-probe.log")) as f:
            rep_ = parse_emu_report(f.read())
        self.probe = {
            "idle_rtt_ms": round(statistics.median(idle), 3) if idle else None,
            "idle_rtt_samples": len(idle),
            "loaded_srtt_ms_median": round(statistics.median(rtts), 2) if rtts else None,
            "loaded_srtt_ms_max": round(max(rtts), 2) if rtts else None,
            "loaded_cwnd_median": statistics.median(cwnds) if cwnds else None,
            "probe_goodput_mbps": round(self.args.size * 8 / total / 1e6, 2) if total else None,
            "probe_lag_max_ms": rep_.get("lag_max_ms"), "probe_lag_p99_ms": rep_.get("lag_p99_ms"),
            "sender_cc_seen": ",".join(sorted(seen_cc)), "namespace_default_cc": t.cc}
        progress("path probe (kernel TCP, 0 %% loss): idle RTT %s ms (TCP connect, median of "
                 "%d), loaded sRTT median %s ms (max %s), cwnd %s, %s Mbit/s" % (
                     self.probe["idle_rtt_ms"], len(idle), self.probe["loaded_srtt_ms_median"],
                     self.probe["loaded_srtt_ms_max"], self.probe["loaded_cwnd_median"],
                     self.probe["probe_goodput_mbps"]))

    # --- the plan ----------------------------------------------------------------------------

    def run_emu(self, progress):
        a = self.args
        for point in a.points:
            for rep in range(a.runs):
                # Alternate which system goes first, so drifting machine load hits both alike.
                order = list(a.systems) if rep % 2 == 0 else list(a.systems)[::-1]
                for system in order:
                    row = self.emu_run(point, system, rep)
                    progress("emu %-6s %-5s run %d: %s%s%s" % (
                        point["name"], system, rep + 1,
                        "%.2f Mbit/s in %.2f s" % (row["goodput_mbps"], row["seconds"])
                        if row["ok"] else "FAILED: " + row["error"],
                        "  lag max %.1f p99 %.1f ms" % (row["lag_max_ms"], row["lag_p99_ms"])
                        if "lag_max_ms" in row else "",
                        "  FLAGGED (%s)" % row["lag_flag"] if row["lag_flag"] else ""))


# --- the simulation ---------------------------------------------------------------------------

def sim_plan(a, rtt_ms, workdir):
    jobs = []
    for point in a.points:
        for rep in range(a.runs):
            for system in a.systems:
                csv_path = os.path.join(workdir, "sim-%s-%s-%d.csv" % (point["name"], system,
                                                                       rep + 1))
                # --duration caps a transfer that never ends (recorded as incomplete).
                argv = [os.path.join(a.build_dir, "examples", "resoa-compare"),
                        "--system=" + system, "--direction=down", "--flows=bulk", "--clients=1",
                        "--bytes=%d" % a.size, "--duration=%d" % max(60, a.curl_timeout),
                        "--frameLoss=%g" % point["loss"], "--macRetries=%d" % a.mac_retries,
                        "--rtt=%g" % rtt_ms, "--tcp=" + a.sim_tcp,
                        "--seed=%d" % a.seed, "--run=%d" % (rep + 1), "--csv=" + csv_path]
                if point["model"] == "gilbert":
                    argv += ["--burstBadMs=%d" % point["fade_bad_ms"],
                             "--burstGoodMs=%d" % a.fade_good_ms]
                jobs.append((point, system, rep, argv, csv_path))
    return jobs


def run_sims(a, bench, rtt_ms, workdir, running, progress):
    """resoa-compare for every (point, system, run), --sim-jobs at a time."""
    pending = sim_plan(a, rtt_ms, workdir)
    active = []
    while pending or active:
        while pending and len(active) < a.sim_jobs:
            job = pending.pop(0)
            log = open(os.path.join(bench.logs, "compare-%s-%s-%d.log" % (
                job[0]["name"], job[1], job[2] + 1)), "w")
            p = subprocess.Popen(job[3], stdout=log, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL)
            log.close()
            running.append(p)
            active.append((p, job, time.monotonic()))
        time.sleep(0.05)
        for entry in list(active):
            p, (point, system, rep, argv, csv_path), started = entry
            if p.poll() is None:
                continue
            active.remove(entry)
            running.remove(p)
            row = bench.base_row("sim", point, system, rep)
            row.update(cc=a.sim_tcp, sim_rtt_ms=effective_sim_rtt(rtt_ms),
                       sim_wall_s=round(time.monotonic() - started, 1))
            error = "" if p.returncode == 0 else "resoa-compare exit %d" % p.returncode
            sim = {}
            if not error:
                with open(csv_path) as f:
                    rows = list(csv.DictReader(f))
                sim = rows[-1] if rows else {}
                if not sim:
                    error = "no CSV row"
            if sim:
                g = float(sim["goodput_mbps"])
                secs = a.size * 8 / (g * 1e6) if g > 0 else None
                row.update(goodput_mbps=round(g, 3), seconds=round(secs, 3) if secs else "",
                           mac_retx=sim.get("mac_retx"), lhp_retx=sim.get("lhp_retx"),
                           tcp_retx=sim.get("tcp_retx"), fades=sim.get("fades"),
                           deassoc=sim.get("deassoc"), tcp_cc=sim.get("tcp_cc"),
                           min_rto_ms=sim.get("min_rto_ms"), sim_cpu_s=sim.get("sim_cpu_s"))
                # A transfer still running at --duration reports what it got so far.
                if secs is None or secs >= float(sim["duration_s"]) - 0.01:
                    error = "did not finish within %s s simulated" % sim["duration_s"]
                if sim.get("deassoc") not in (None, "", "0"):
                    error = error or "de-associated"
                bench.sim_raw.append(sim)
            row["ok"] = int(not error)
            row["error"] = error
            bench.rows.append(row)
            progress("sim %-6s %-5s run %d: %s" % (
                point["name"], system, rep + 1,
                "%.2f Mbit/s" % row["goodput_mbps"] if row["ok"] else "FAILED: " + error))


def estimate_seconds(a):
    """Rough wall time of the plan, printed before it starts (measured on 2 loaded cores)."""
    mbps = {"resoa": {0: 27, 0.1: 18, 0.3: 8.5}, "tcp": {0: 23, 0.1: 15, 0.3: 8}}
    emu = sim = 0.0
    for point in a.points:
        for system in a.systems:
            rate = 20 if point["model"] == "gilbert" else min(
                mbps[system].items(), key=lambda kv: abs(kv[0] - point["loss"]))[1]
            secs = a.size * 8 / rate / 1e6
            emu += a.runs * (secs + 2.5)
            sim += a.runs * (secs * 0.25 + 0.3)
    return (0 if a.no_emu else emu + 20) + (0 if a.no_sim else sim / a.sim_jobs)


def raise_on_signal(signum, _frame):
    raise KeyboardInterrupt("signal %d" % signum)


def main(argv):
    a = parse_args(argv)
    if a.report_only:
        rows, sim_raw, meta = ebench_report.load(a.report_only)
        a.out = a.report_only
        ebench_report.write(a, rows, sim_raw, meta)
        return 0
    if not a.no_emu and os.geteuid() != 0:
        sys.exit("bench emu: needs root (network namespaces, taps, raw sockets for the daemons). "
                 "Run: sudo ./resoa bench emu")
    for tool in ("ip", "curl", "ss"):
        if not a.no_emu and shutil.which(tool) is None:
            sys.exit("bench emu: '%s' not found (./resoa setup installs it)" % tool)
    signal.signal(signal.SIGINT, raise_on_signal)
    signal.signal(signal.SIGTERM, raise_on_signal)
    signal.signal(signal.SIGHUP, raise_on_signal)
    workdir = tempfile.mkdtemp(prefix="rbemu-%d-" % os.getpid())
    topo = EmuTopology(workdir)
    bench = Bench(a, topo, workdir)
    bench.sim_raw = []
    missing = bench.missing()
    if missing:
        shutil.rmtree(workdir, ignore_errors=True)
        sys.exit("bench emu: not built: %s (./resoa bench emu builds them)" % ", ".join(missing))
    started = time.monotonic()
    print("bench emu: points %s, %d run(s) per point and system (%s), %.1f MiB downloads, MAC "
          "retries %d; emulation%s; about %.0f s" % (
              ",".join(p["name"] for p in a.points), a.runs, ",".join(a.systems), a.size_mib,
              a.mac_retries, "" if not a.no_sim else " only" if not a.no_emu else " skipped",
              estimate_seconds(a)), flush=True)

    def progress(text):
        print("[%5.0f s] %s" % (time.monotonic() - started, text), flush=True)

    rc = 0
    running = []  # simulations in flight, killed on the way out
    rtt_ms = a.sim_rtt if a.sim_rtt != "auto" else None
    try:
        if not a.no_emu:
            et.remove_stale()
            topo.build()
            cc = topo.set_cc([a.cc, "reno", "host"])
            bench.setup()
            progress("topology up: %s; TCP senders %s (per socket), namespace default %s" % (
                ", ".join(topo.namespaces), a.cc, cc))
            bench.probe_path(progress)
            if rtt_ms is None:
                idle = bench.probe.get("idle_rtt_ms")
                target = max(0.0, (idle or 1.0) - SIM_HOP_IDLE_RTT_MS)
                rtt_ms = 2 * round(target / 2)
                progress("simulation RTT: the emulated path's idle RTT %.2f ms minus the "
                         "simulated hop's %.2f ms = %.2f ms of wired RTT; resoa-compare "
                         "--rtt=%d (its wired delay has whole-ms steps)" % (
                             idle or 1.0, SIM_HOP_IDLE_RTT_MS, target, rtt_ms))
            bench.run_emu(progress)
            topo.close()  # before the simulations: nothing real-time runs while they do
        else:
            os.makedirs(bench.logs, exist_ok=True)
        if not a.no_sim:
            progress("simulation: resoa-compare --rtt=%g (in effect: %d ms) --tcp=%s, %d at a "
                     "time" % (rtt_ms, effective_sim_rtt(rtt_ms), a.sim_tcp, a.sim_jobs))
            run_sims(a, bench, rtt_ms, workdir, running, progress)
    except KeyboardInterrupt as e:
        print("\nbench emu: interrupted (%s); cleaning up" % (e or "Ctrl-C"), file=sys.stderr)
        rc = 130
    except Exception as e:  # noqa: BLE001 (report, clean up, keep the logs)
        print("bench emu: error: %s" % e, file=sys.stderr)
        rc = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for p in running:
            if p.poll() is None:
                p.kill()
                p.wait()
        topo.close()
        if rc != 0:
            a.out = os.path.join(a.out, "partial")
        os.makedirs(a.out, exist_ok=True)
        if os.path.isdir(bench.logs):
            shutil.rmtree(os.path.join(a.out, "logs"), ignore_errors=True)
            shutil.copytree(bench.logs, os.path.join(a.out, "logs"))
        shutil.rmtree(workdir, ignore_errors=True)
    if bench.rows:
        if rc != 0:
            print("bench emu: partial results only", file=sys.stderr)
        meta = ebench_report.machine_info(time.monotonic() - started)
        meta.update(probe=bench.probe, sim_rtt_ms=rtt_ms,
                    sim_rtt_effective_ms=effective_sim_rtt(rtt_ms) if rtt_ms is not None else None,
                    cc=a.cc)
        ebench_report.write(a, bench.rows, bench.sim_raw, meta)
    print("bench emu: %.0f s; CSVs, summary.md and logs in %s" % (time.monotonic() - started,
                                                                  a.out))
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
