#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""./resoa bench realnet: real ReSoA daemons against real nftables NAT, one run.

Builds throwaway namespaces and veth pairs (rbench_topology.py), starts resoa-serverd,
resoa-clientd and realnet-load's server, and runs the same realnet-load client on both paths:
under resoa-run (LD_PRELOAD shim) in a client namespace with no IP address, and natively in a
client namespace behind the server's masquerade. For each client-link loss point it measures
bulk throughput (both directions), connect + first byte latency, requests per second with
parallel short connections, and CPU per Gbit; then prints the table and writes CSVs
(rbench_report.py). Figures only: it never fails on them. Needs root.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rbench_report  # noqa: E402
import rbench_topology  # noqa: E402
from rbench_topology import Topology  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PORT = 5201
PATHS = ("resoa", "nat")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="./resoa bench realnet",
        description="ReSoA (resoa-clientd/serverd + LD_PRELOAD shim) vs nftables NAT on veth "
                    "pairs: bulk, connect+first byte, requests/s, CPU/Gbit, at client-link "
                    "frame loss 0/1/5/10 %. Needs root. Default run: about 7 minutes.")
    p.add_argument("--quick", action="store_true",
                   help="smoke run (< 1 min): loss 0 and 5 %%, 1 repeat of 1 s, fewer connections")
    p.add_argument("--out", help="output directory (default results/bench-realnet/, "
                                 "--quick: results/bench-realnet/quick/)")
    p.add_argument("--build-dir", default=os.environ.get("RESOA_BUILD_DIR",
                                                         os.path.join(ROOT, "build")),
                   help="build tree with the daemons and realnet-load (env RESOA_BUILD_DIR)")
    p.add_argument("--loss", help="client-link frame loss points in %%, e.g. 0,1,5,10")
    p.add_argument("--repeats", type=int, help="bulk runs per path, direction and loss point "
                                               "[5]")
    p.add_argument("--bulk-seconds", type=float, help="length of one bulk run [2.5]")
    p.add_argument("--directions", help="bulk directions: down (internet -> client), up [down,up]")
    p.add_argument("--latency-count", type=int, help="sequential connections per path and "
                                                     "point [300]")
    p.add_argument("--latency-max-seconds", type=float,
                   help="stop a latency run after this long (NAT at 10 %% loss waits for 1 s "
                        "SYN timeouts) [25]")
    p.add_argument("--rps-parallel", type=int, default=50, help="parallel connections [50]")
    p.add_argument("--rps-seconds", type=float, help="measured window of one rps run [2]")
    p.add_argument("--rps-repeats", type=int, help="rps runs per path and point [3]")
    p.add_argument("--request", type=int, default=64, help="request size, bytes [64]")
    p.add_argument("--reply", type=int, default=64, help="reply size, bytes [64]")
    p.add_argument("--mtu", type=int, default=1500, help="client-link MTU [1500]")
    p.add_argument("--client-offload", action="store_true",
                   help="keep GSO on the client links (default: MTU-sized frames, as on a "
                        "wireless hop; see README)")
    p.add_argument("--cc", default="cubic,reno",
                   help="TCP congestion control of every namespace: the first of this list "
                        "the host allows in namespaces; 'host' keeps the host's default "
                        "[cubic,reno]")
    p.add_argument("--paths", default="resoa,nat", help="which paths to run [resoa,nat]")
    a = p.parse_args(argv)
    quick = a.quick
    defaults = {"loss": "0,5" if quick else "0,1,5,10", "repeats": 1 if quick else 5,
                "bulk_seconds": 1.0 if quick else 2.5, "directions": "down,up",
                "latency_count": 50 if quick else 300, "latency_max_seconds": 5 if quick else 25,
                "rps_seconds": 1.0 if quick else 2.0, "rps_repeats": 1 if quick else 3}
    for key, value in defaults.items():
        if getattr(a, key) is None:
            setattr(a, key, value)
    a.loss = [int(x) for x in str(a.loss).split(",") if x != ""]
    a.directions = [d for d in a.directions.split(",") if d]
    a.paths = [x for x in a.paths.split(",") if x]
    if any(not 0 <= x < 100 for x in a.loss) or not a.loss:
        p.error("--loss: integers 0..99")
    if any(d not in ("down", "up") for d in a.directions):
        p.error("--directions: down and/or up")
    if any(x not in PATHS for x in a.paths) or not a.paths:
        p.error("--paths: resoa and/or nat")
    if a.repeats < 1 or a.rps_repeats < 1 or a.latency_count < 1 or a.rps_parallel < 1:
        p.error("counts must be >= 1")
    if a.out is None:
        a.out = os.path.join(ROOT, "results", "bench-realnet", "quick" if quick else "")
    return a


class Bench:
    """One run: the topology, the daemons, and every measurement as a CSV row."""

    def __init__(self, args, topo, workdir):
        self.args = args
        self.topo = topo
        self.workdir = workdir
        b = args.build_dir
        self.load = os.path.join(b, "bench", "realnet-load")
        self.serverd, self.clientd, self.preload, self.resoa_run = (
            rbench_topology.daemon_binaries(b))
        self.socket = os.path.join(workdir, "clientd.sock")
        self.target = "%s:%d" % (rbench_topology.INTERNET_ADDRESS, PORT)
        self.daemons = {}
        self.rows = []
        self.samples = []  # (path, loss, i, connect_us, first_byte_us)

    def missing(self):
        return [f for f in (self.load, self.serverd, self.clientd, self.preload, self.resoa_run)
                if not os.access(f, os.X_OK if not f.endswith(".so") else os.R_OK)]

    # --- processes ---------------------------------------------------------------------------

    def start(self):
        t = self.topo
        p = t.start("internet", [self.load, "serve", "--listen", self.target], "load-server.log")
        if not t.wait_for(p, t.processes[-1][1], "listening on"):
            raise RuntimeError("realnet-load serve did not start: " + self.log("load-server.log"))
        if "resoa" not in self.args.paths:
            return
        # Enough sockets per client for 50 parallel connections plus those still closing.
        p = t.start("server", [self.serverd, "--interface", "s0", "--public-address",
                               rbench_topology.SERVER_ADDRESS, "--sockets-per-client", "1024"],
                    "serverd.log")
        if not t.wait_for(p, t.processes[-1][1], "up on s0"):
            raise RuntimeError("resoa-serverd did not start: " + self.log("serverd.log"))
        self.daemons["serverd"] = p
        p = t.start("rclient", [self.clientd, "--interface", "c0", "--server-mac",
                                rbench_topology.SERVER_MAC, "--unix-socket", self.socket],
                    "clientd.log")
        if not t.wait_for(p, t.processes[-1][1], "registered: errno 0"):
            raise RuntimeError("resoa-clientd did not register: " + self.log("clientd.log") +
                               self.log("serverd.log"))
        self.daemons["clientd"] = p

    def log(self, name, tail=3000):
        try:
            with open(os.path.join(self.workdir, name)) as f:
                return "\n--- %s:\n%s" % (name, f.read()[-tail:])
        except OSError:
            return ""

    def check_daemons(self):
        for name, p in self.daemons.items():
            if p.poll() is not None:
                raise RuntimeError("resoa-%s exited (%s)%s" % (name, p.returncode,
                                                               self.log(name + ".log")))

    def run_load(self, path, argv, timeout):
        """realnet-load ARGV on `path`; returns its JSON line as a dict (exit code added)."""
        if path == "resoa":
            prefix = ["ip", "netns", "exec", self.topo.ns["rclient"], "env",
                      "RESOA_CLIENTD_SOCKET=" + self.socket, "RESOA_PRELOAD=" + self.preload,
                      self.resoa_run]
        else:
            prefix = ["ip", "netns", "exec", self.topo.ns["nclient"]]
        try:
            p = subprocess.run(prefix + [self.load] + argv, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            self.check_daemons()
            return {"ok": False, "error": "timed out after %d s" % timeout, "exit": -1}
        lines = [x for x in p.stdout.splitlines() if x.startswith("{")]
        if not lines:
            self.check_daemons()
            return {"ok": False, "exit": p.returncode,
                    "error": "no result: " + (p.stderr.strip()[-300:] or p.stdout[-300:])}
        result = json.loads(lines[-1])
        result["exit"] = p.returncode
        if p.stderr.strip():
            result["stderr"] = p.stderr.strip()[-300:]
        self.check_daemons()
        return result

    # --- counters ----------------------------------------------------------------------------

    def daemon_cpu(self):
        """{name: utime+stime seconds} from /proc/PID/stat of each daemon."""
        out = {}
        for name, p in self.daemons.items():
            with open("/proc/%d/stat" % p.pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            out[name] = (int(fields[11]) + int(fields[12])) / CLK_TCK  # fields 14, 15
        return out

    @staticmethod
    def system_cpu():
        """Busy CPU seconds of the whole machine (all cores) from /proc/stat."""
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / CLK_TCK  # all but idle, iowait

    # --- measurements ------------------------------------------------------------------------

    def order(self, rep):
        """Alternates which path goes first, so drifting machine load hits both alike."""
        paths = [x for x in PATHS if x in self.args.paths]
        return paths if rep % 2 == 0 else paths[::-1]

    def base_row(self, path, test, loss, rep):
        a = self.args
        return {"path": path, "test": test, "loss_pct": loss, "rep": rep, "mtu": a.mtu,
                "client_offload": int(a.client_offload), "bulk_seconds": a.bulk_seconds,
                "parallel": a.rps_parallel, "request_bytes": a.request, "reply_bytes": a.reply,
                "tcp_cc": self.topo.cc}

    def bulk(self, path, direction, loss, rep):
        cpu0, sys0 = self.daemon_cpu(), self.system_cpu()
        link0 = self.topo.link_counters(path)
        r = self.run_load(path, ["bulk", "--to", self.target, "--direction", direction,
                                 "--seconds", str(self.args.bulk_seconds)],
                          timeout=self.args.bulk_seconds + 90)
        cpu1, sys1 = self.daemon_cpu(), self.system_cpu()
        link1 = self.topo.link_counters(path)
        row = self.base_row(path, "bulk-" + direction, loss, rep)
        gbit = r.get("bytes", 0) * 8 / 1e9
        row.update(ok=int(bool(r.get("ok"))), error=r.get("error", ""), bytes=r.get("bytes", 0),
                   seconds=r.get("seconds", ""), gbps=r.get("gbps", ""),
                   load_cpu_s=r.get("cpu_seconds", ""), system_cpu_s=round(sys1 - sys0, 3))
        frames, size, drops = (b - a for a, b in zip(link0, link1))
        row.update(link_frames=frames, link_avg_frame_bytes=round(size / frames, 1) if frames else "",
                   link_drop_pct=round(100 * drops / frames, 2) if frames else "")
        if path == "resoa":
            for name in ("serverd", "clientd"):
                row[name + "_cpu_s"] = round(cpu1[name] - cpu0[name], 3)
            row["daemon_cpu_s"] = round(row["serverd_cpu_s"] + row["clientd_cpu_s"], 3)
            row["daemon_cpu_s_per_gbit"] = round(row["daemon_cpu_s"] / gbit, 4) if gbit else ""
        row["system_cpu_s_per_gbit"] = round(row["system_cpu_s"] / gbit, 4) if gbit else ""
        self.rows.append(row)
        return row

    def latency(self, path, loss):
        a = self.args
        r = self.run_load(path, ["latency", "--to", self.target, "--count", str(a.latency_count),
                                 "--request", str(a.request), "--reply", str(a.reply),
                                 "--max-seconds", str(a.latency_max_seconds)],
                          timeout=a.latency_max_seconds + 120)
        row = self.base_row(path, "latency", loss, 0)
        first = r.get("first_byte_us", [])
        connect = r.get("connect_us", [])
        for i, (c, f) in enumerate(zip(connect, first)):
            self.samples.append((path, loss, i, c, f))
        row.update(ok=int(bool(first)), error=r.get("error", "") or _errors(r), count=len(first),
                   seconds=r.get("seconds", ""), first_byte_us=first, connect_us=connect)
        self.rows.append(row)
        return row

    def rps(self, path, loss, rep):
        a = self.args
        r = self.run_load(path, ["rps", "--to", self.target, "--parallel", str(a.rps_parallel),
                                 "--seconds", str(a.rps_seconds), "--warmup", "0.5",
                                 "--request", str(a.request), "--reply", str(a.reply)],
                          timeout=a.rps_seconds + 60)
        row = self.base_row(path, "rps", loss, rep)
        row.update(ok=int(r.get("completed", 0) > 0), error=r.get("error", "") or _errors(r),
                   count=r.get("completed", 0), seconds=r.get("seconds", ""),
                   rps=r.get("rps", ""), p50_us=r.get("latency_p50_us", ""),
                   p99_us=r.get("latency_p99_us", ""))
        self.rows.append(row)
        return row

    def run(self, progress):
        a = self.args
        for loss in a.loss:
            self.topo.set_loss(loss)
            for rep in range(a.repeats):
                for direction in a.directions:
                    for path in self.order(rep):
                        row = self.bulk(path, direction, loss, rep)
                        progress("loss %2d%%  bulk %-4s %-5s rep %d: %s Gbit/s%s" % (
                            loss, direction, path, rep + 1, _fmt(row["gbps"]),
                            "" if row["ok"] else "  FAILED: " + row["error"]))
            for i, path in enumerate(self.order(loss)):
                row = self.latency(path, loss)
                fb = sorted(row["first_byte_us"])
                progress("loss %2d%%  latency  %-5s: %d connections, median %s us%s" % (
                    loss, path, row["count"], _fmt(fb[len(fb) // 2] if fb else ""),
                    "  errors: " + row["error"] if row["error"] else ""))
            for rep in range(a.rps_repeats):
                for path in self.order(rep):
                    row = self.rps(path, loss, rep)
                    progress("loss %2d%%  rps      %-5s rep %d: %s req/s%s" % (
                        loss, path, rep + 1, _fmt(row["rps"]),
                        "  errors: " + row["error"] if row["error"] else ""))
        self.topo.set_loss(0)


def _errors(result):
    errors = result.get("errors") or {}
    return "; ".join("%s x%d" % (k, v) for k, v in sorted(errors.items()))


def _fmt(x):
    return "%.4g" % x if isinstance(x, (int, float)) else str(x)


def estimate_seconds(a):
    """Rough wall time of the plan, printed before it starts."""
    per_loss = (len(a.paths) * len(a.directions) * a.repeats * (a.bulk_seconds + 0.6) +
                len(a.paths) * a.rps_repeats * (a.rps_seconds + 1.0) +
                len(a.paths) * min(a.latency_max_seconds, a.latency_count * 0.002 + 0.5))
    # Lossy NAT latency runs wait for SYN retransmissions (1 s each), up to the cap.
    lossy = sum(1 for x in a.loss if x > 0) * min(a.latency_max_seconds, 0.2 * a.latency_count)
    return 10 + len(a.loss) * per_loss + lossy


def raise_on_signal(signum, _frame):
    raise KeyboardInterrupt("signal %d" % signum)


def main(argv):
    a = parse_args(argv)
    if os.geteuid() != 0:
        sys.exit("bench realnet: needs root (network namespaces, veth pairs, nftables, raw "
                 "sockets for the daemons). Run: sudo ./resoa bench realnet")
    for tool in ("ip", "nft"):
        if subprocess.run(["sh", "-c", "command -v " + tool], stdout=subprocess.DEVNULL).returncode:
            sys.exit("bench realnet: '%s' not found (./resoa setup installs it)" % tool)
    # Explicitly, also SIGINT: a shell starts background jobs with SIGINT ignored.
    signal.signal(signal.SIGINT, raise_on_signal)
    signal.signal(signal.SIGTERM, raise_on_signal)
    signal.signal(signal.SIGHUP, raise_on_signal)
    os.makedirs(a.out, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="rbench-%d-" % os.getpid())
    topo = Topology(workdir, mtu=a.mtu, client_offload=a.client_offload)
    bench = Bench(a, topo, workdir)
    missing = bench.missing()
    if missing:
        shutil.rmtree(workdir, ignore_errors=True)
        sys.exit("bench realnet: not built: %s (./resoa bench realnet builds them)" %
                 ", ".join(missing))
    started = time.monotonic()
    print("bench realnet: loss %s %%, %d x %.1f s bulk per path/direction/point, %d connections "
          "latency, %d x %.1f s rps with %d parallel; about %.0f s" % (
              ",".join(map(str, a.loss)), a.repeats, a.bulk_seconds, a.latency_count,
              a.rps_repeats, a.rps_seconds, a.rps_parallel, estimate_seconds(a)), flush=True)

    def progress(text):
        print("[%5.0f s] %s" % (time.monotonic() - started, text), flush=True)

    rc = 0
    try:
        rbench_topology.remove_stale()
        topo.build()
        wanted = a.cc.split(",")
        cc = topo.set_cc(wanted)
        if wanted[0] not in (cc, "host"):
            progress("TCP congestion control: %s (%s not allowed in namespaces here)" %
                     (cc, wanted[0]))
        bench.start()
        progress("topology up: %s; TCP %s" % (", ".join(topo.namespaces), cc))
        bench.run(progress)
    except KeyboardInterrupt as e:
        print("\nbench realnet: interrupted (%s); cleaning up" % (e or "Ctrl-C"), file=sys.stderr)
        rc = 130
    except Exception as e:  # noqa: BLE001 (report, clean up, keep the logs)
        print("bench realnet: error: %s" % e, file=sys.stderr)
        rc = 1
    finally:
        # A second Ctrl-C must not cut the teardown short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        topo.close()
        # Never overwrite a complete run's results with a partial one.
        if rc != 0:
            a.out = os.path.join(a.out, "partial")
        logs = a.out
        os.makedirs(logs, exist_ok=True)
        for name in ("serverd.log", "clientd.log", "load-server.log"):
            src = os.path.join(workdir, name)
            if os.path.exists(src):
                shutil.copy(src, os.path.join(logs, name))
        shutil.rmtree(workdir, ignore_errors=True)
    if bench.rows:
        if rc != 0:
            print("bench realnet: partial results only", file=sys.stderr)
        meta = rbench_report.machine_info(a, time.monotonic() - started)
        meta["tcp_cc"] = topo.cc or "?"
        rbench_report.write(a, bench.rows, bench.samples, meta)
    print("bench realnet: %.0f s; CSVs, summary and daemon logs in %s" % (
        time.monotonic() - started, a.out))
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
