#!/usr/bin/python3
"""Prove sweep.py's SLURM array script on a real SLURM: a one-node cluster on localhost.

    slurm_local.py [--binary PATH] [--campaigns NAME ...] [--mode quick|headline|full]
                   [--runs R] [--max-array N] [--jobs J] [--timeout S] [--out DIR] [--keep]

`./resoa bench slurm` runs it (as root). In a throwaway directory it
  1. starts munged on its own socket and key (a system munge is not touched) and slurmctld +
     slurmd with a minimal slurm.conf on free localhost ports (one node with this machine's
     CPUs and memory, one partition, proctrack/pgid, task/none, select/cons_tres), and waits
     until `sinfo` shows the node idle;
  2. writes a small campaign as an array job with `sweep.py --slurm` (default: `loss burst
     web --quick --runs 2`: 19 points x 2 runs = 38 runs of 1 s warm-up + 2 s, capped at 16
     array tasks so that each task runs two or three points in turn),
     submits it with sbatch, polls squeue until it is gone (with a timeout) and checks every
     task's state and exit code in the job-completion log;
  3. merges the part files with `sweep.py ... --slurm` (merge only: nothing runs locally);
  4. runs the same points locally with `sweep.py` (no SLURM), and
  5. compares the two CSVs row by row: the same parameters and the same results in every column
     except the wall-clock and CPU-time columns (sim_wall_s, sim_cpu_s). PASS or FAIL.

Every daemon it started (and anything they left behind: this process is their child
subreaper) is stopped on exit, also on an error, Ctrl-C or SIGTERM, and the directory removed
(--keep leaves it). The CSVs and summary.txt are copied to --out (results/bench-slurm/).

Exit status: 0 PASS, 1 FAIL or an error, 2 bad arguments, 130 interrupted.
"""

import argparse
import csv
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import campaigns as cp

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SWEEP = HERE / "sweep.py"
PYTHON = "/usr/bin/python3"
# Columns that depend on the machine and its load, not on the simulation.
IGNORED_COLUMNS = ("sim_wall_s", "sim_cpu_s")
NODE = "localhost"
PARTITION = "bench"
TOOLS = ("munged", "munge", "unmunge", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo",
         "scancel")


class BenchError(Exception):
    pass


def log(text):
    print(f"[slurm-local {time.strftime('%H:%M:%S')}] {text}", flush=True)


# ------------------------------------------------------------------ processes ----------------
PR_SET_CHILD_SUBREAPER = 36


def become_subreaper():
    """Orphans of our daemons (slurmstepd, job steps) reparent to us, so we can end them."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def own_children(zombies=False):
    """Pids whose parent is this process (daemons and reparented orphans), live or zombie."""
    me, kids = os.getpid(), []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 1 and int(fields[1]) == me and (fields[0] == "Z") == zombies:
            kids.append(int(entry))
    return kids


def reap_orphans(keep=()):
    """Reap exited orphans (not the daemons in `keep`, which their Popen waits for).

    As subreaper we inherit the job's processes when their parent dies first (e.g. bash
    killed by scancel); unreaped, such a zombie keeps its process group alive and
    proctrack/pgid leaves the job COMPLETING for good.
    """
    for pid in own_children(zombies=True):
        if pid not in keep:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass


def proc_name(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return "?"


def reap_zombies():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def tail(path, lines=15):
    try:
        text = Path(path).read_text(errors="replace").rstrip().splitlines()[-lines:]
    except OSError:
        return "    | (no log)"
    return "\n".join("    | " + ln for ln in text) or "    | (empty)"


class Cluster:
    """munged + slurmctld + slurmd on localhost, all files under one directory."""

    def __init__(self, root):
        self.root = root
        self.conf = root / "slurm.conf"
        self.sock = root / "munge-run" / "munge.socket"
        self.logs = root / "log"
        self.daemons = []  # (name, Popen, log path), in start order
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
        self.env["SLURM_CONF"] = str(self.conf)
        self.job_ids = []

    # -- munge ---------------------------------------------------------------------------
    def start_munge(self):
        # munged wants the socket directory reachable by all and the key private.
        run, etc, lib = (self.root / d for d in ("munge-run", "munge-etc", "munge-lib"))
        for d, mode in ((run, 0o755), (etc, 0o700), (lib, 0o700), (self.logs, 0o755)):
            d.mkdir()
            d.chmod(mode)
        key = etc / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o400)
        self.spawn(
            "munged",
            ["munged", "--foreground", f"--socket={self.sock}", f"--key-file={key}",
             f"--log-file={self.logs / 'munged.log'}", f"--pid-file={run / 'munged.pid'}",
             f"--seed-file={lib / 'munged.seed'}"],
        )
        self.wait_for("munged", lambda: self.sock.exists(), 20, self.logs / "munged.log")
        cred = subprocess.run(["munge", "-n", "-S", str(self.sock)], capture_output=True, text=True)
        check = subprocess.run(["unmunge", "-S", str(self.sock)], input=cred.stdout,
                               capture_output=True, text=True)
        if check.returncode != 0:
            raise BenchError(f"munge credential round trip failed: {check.stderr.strip()}")

    # -- slurm ---------------------------------------------------------------------------
    def write_conf(self):
        hw = node_hardware()
        ctld_port, slurmd_port = free_ports(2)
        r = self.root
        for d in ("state", "spool", "run"):
            (r / d).mkdir()
        text = f"""# Written by analysis/slurm_local.py: a throwaway one-node cluster on localhost.
ClusterName=resoabench
SlurmctldHost={NODE}(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={self.sock}
StateSaveLocation={r / 'state'}
SlurmdSpoolDir={r / 'spool'}
SlurmctldPidFile={r / 'run' / 'slurmctld.pid'}
SlurmdPidFile={r / 'run' / 'slurmd.pid'}
SlurmctldLogFile={self.logs / 'slurmctld.log'}
SlurmdLogFile={self.logs / 'slurmd.log'}
MailProg=/bin/true
ProctrackType=proctrack/pgid
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
MpiDefault=none
SwitchType=switch/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc={self.logs / 'jobcomp.txt'}
MinJobAge=600
NodeName={NODE} NodeAddr=127.0.0.1 {hw} State=UNKNOWN
PartitionName={PARTITION} Nodes={NODE} Default=YES MaxTime=INFINITE State=UP
"""
        self.conf.write_text(text)
        return hw

    def start_slurm(self):
        self.spawn("slurmctld", ["slurmctld", "-D", "-f", str(self.conf)])
        self.spawn("slurmd", ["slurmd", "-D", "-N", NODE, "-f", str(self.conf)])

        def idle():
            r = self.run(["sinfo", "-h", "-n", NODE, "-o", "%T"], check=False)
            state = r.stdout.strip()
            if state.startswith(("drain", "down", "fail")):
                reason = self.run(["sinfo", "-h", "-R"], check=False).stdout.strip()
                raise BenchError(f"node {NODE} is {state}: {reason}")
            return r.returncode == 0 and state == "idle"

        self.wait_for("node idle in sinfo", idle, 60, self.logs / "slurmctld.log")

    # -- helpers -------------------------------------------------------------------------
    def spawn(self, name, cmd):
        out = self.logs / f"{name}.stdout"
        with open(out, "w") as f:
            # Own session: a Ctrl-C on the terminal reaches only us, and we stop the cluster
            # in order (scancel first, then the daemons).
            proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=self.env,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        self.daemons.append((name, proc, out))
        log(f"started {name} (pid {proc.pid})")

    def daemon_pids(self):
        return {p.pid for _, p, _ in self.daemons}

    def check_daemons(self):
        reap_orphans(self.daemon_pids())
        for name, proc, out in self.daemons:
            if proc.poll() is not None:
                raise BenchError(f"{name} exited with status {proc.returncode}:\n{tail(out)}")

    def wait_for(self, what, ready, timeout, logfile):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_daemons()
            if ready():
                return
            time.sleep(0.5)
        raise BenchError(f"timed out after {timeout} s waiting for {what}:\n{tail(logfile)}")

    def run(self, cmd, check=True, **kw):
        r = subprocess.run(cmd, env=self.env, capture_output=True, text=True, **kw)
        if check and r.returncode != 0:
            raise BenchError(f"{' '.join(map(str, cmd))} failed ({r.returncode}): "
                             f"{(r.stderr or r.stdout).strip()}")
        return r

    def stop(self):
        """scancel our jobs, SIGTERM the daemons (newest first), then whatever they left."""
        if self.job_ids and any(p.poll() is None for n, p, _ in self.daemons if n == "slurmctld"):
            try:
                for job in self.job_ids:
                    self.run(["scancel", job], check=False, timeout=30)
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline:
                    reap_orphans(self.daemon_pids())
                    r = self.run(["squeue", "-h", "-o", "%i"], check=False, timeout=30)
                    if r.returncode != 0 or not r.stdout.strip():
                        break
                    time.sleep(0.5)
            except (OSError, subprocess.SubprocessError) as e:
                log(f"scancel/squeue while stopping: {e}")
        for name, proc, _ in reversed(self.daemons):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                log(f"stopped {name} (pid {proc.pid})")
            else:
                log(f"{name} (pid {proc.pid}) had exited with status {proc.returncode}")
        # slurmstepd and job steps daemonize: as their subreaper we see them as children.
        left = own_children()
        if left:
            log("ending what the daemons left: " + ", ".join(f"{p} {proc_name(p)}" for p in left))
        for pid in left:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        while left and time.monotonic() < deadline:
            reap_zombies()
            left = own_children()
            time.sleep(0.2)
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.2)
        reap_zombies()


def node_hardware():
    """CPUs, sockets, cores, threads and RealMemory of this machine as `slurmd -C` sees it."""
    r = subprocess.run(["slurmd", "-C"], capture_output=True, text=True)
    keep = ("CPUs", "Boards", "SocketsPerBoard", "CoresPerSocket", "ThreadsPerCore",
            "RealMemory")
    fields = dict(t.split("=", 1) for t in r.stdout.split() if "=" in t)
    if r.returncode != 0 or not all(k in fields for k in keep):
        raise BenchError(f"slurmd -C failed: {(r.stderr or r.stdout).strip()}")
    return " ".join(f"{k}={fields[k]}" for k in keep)


def free_ports(n):
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


# ------------------------------------------------------------------ the campaign -------------
def sweep_cmd(args, out, *extra):
    cmd = [PYTHON, str(SWEEP), *args.campaigns, "--runs", str(args.runs), "--out", str(out),
           "--binary", str(args.binary)]
    if args.mode != "headline":
        cmd.append(f"--{args.mode}")
    return cmd + list(extra)


def run_sweep(cmd, what, env=None):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    for line in (r.stdout + r.stderr).splitlines():
        if not line.startswith("["):  # progress lines
            print(f"    {line}", flush=True)
    if r.returncode != 0:
        raise BenchError(f"{what}: sweep.py exited with status {r.returncode}")
    return r


def job_records(path, job_id):
    """{array task id: (state, exit code)} of a job array, from the jobcomp/filetxt log."""
    recs = {}
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return recs
    for line in lines:
        f = dict(t.split("=", 1) for t in line.split() if "=" in t)
        if f.get("ArrayJobId") == job_id or (f.get("JobId") == job_id and "ArrayTaskId" in f):
            recs[f.get("ArrayTaskId")] = (f.get("JobState"), f.get("ExitCode"))
    return recs


def run_on_slurm(args, cluster, work):
    out = work / "out-slurm"
    script = work / "job" / "campaign.sbatch"
    run_sweep(sweep_cmd(args, out, "--slurm", str(script), "--slurm-max-array",
                        str(args.max_array)), "writing the array script")
    points = len((work / "job" / "campaign.points").read_text().splitlines())
    array = next(ln for ln in script.read_text().splitlines() if ln.startswith("#SBATCH --array"))
    tasks = int(array.rsplit("-", 1)[1]) + 1
    start = time.monotonic()
    job = cluster.run(["sbatch", "--parsable", str(script)], cwd=work).stdout.strip()
    job = job.split(";")[0]
    cluster.job_ids.append(job)
    log(f"submitted array job {job}: {tasks} task(s) for {points} point(s)")
    deadline = start + args.timeout
    last = None
    while True:
        cluster.check_daemons()
        r = cluster.run(["squeue", "-h", "-j", job, "-o", "%T"], check=False)
        states = r.stdout.split()
        if r.returncode == 0 and not states:
            break
        summary = ", ".join(f"{states.count(s)} {s.lower()}" for s in sorted(set(states)))
        if summary != last:
            log(f"squeue: {summary or '(not listed)'}")
            last = summary
        if time.monotonic() > deadline:
            raise BenchError(f"array job {job} not done after {args.timeout:g} s")
        time.sleep(2)
    wall = time.monotonic() - start
    # Every task's final state and exit code (jobcomp/filetxt; no slurmdbd for sacct here).
    recs = {}
    for _ in range(20):
        recs = job_records(cluster.logs / "jobcomp.txt", job)
        if len(recs) >= tasks:
            break
        time.sleep(0.5)
    bad = {t: s for t, s in recs.items() if s != ("COMPLETED", "0:0")}
    log(f"array job {job} done in {wall:.1f} s: {len(recs)} task record(s), "
        f"{len(recs) - len(bad)} COMPLETED with exit 0")
    if len(recs) != tasks or bad:
        logs = sorted((out / "slurm-logs").glob("*.out"))
        detail = "\n".join(f"    task {t}: {s[0]} exit {s[1]}" for t, s in sorted(bad.items()))
        raise BenchError(f"array job {job}: expected {tasks} COMPLETED tasks, got "
                         f"{len(recs) - len(bad)}\n{detail}\n"
                         + (f"  first log {logs[0]}:\n{tail(logs[0])}" if logs else ""))
    # Merge the part files (merge only: with --slurm nothing runs here).
    r = run_sweep(sweep_cmd(args, out, "--slurm", str(script)), "merging the part files")
    if "no script written" not in r.stdout:
        raise BenchError("points still missing after the array job (see above)")
    return out, points, tasks, wall, job


def run_locally(args, work):
    out = work / "out-local"
    start = time.monotonic()
    run_sweep(sweep_cmd(args, out, "--jobs", str(args.jobs)), "the local sweep")
    return out, time.monotonic() - start


# ------------------------------------------------------------------ comparison ---------------
def keyed_rows(path):
    header, raws = cp.read_raw(path) if path.exists() else (None, [])
    rows = {}
    dupes = 0
    for raw in raws:
        key = tuple(sorted(cp.row_norm(raw).items()))
        dupes += key in rows
        rows[key] = raw
    return header, rows, dupes


def compare(slurm_out, local_out, campaigns):
    """[(campaign, slurm rows, local rows, identical rows, [problems])]."""
    report = []
    for name in campaigns:
        hs, rs, ds = keyed_rows(slurm_out / f"{name}.csv")
        hl, rl, dl = keyed_rows(local_out / f"{name}.csv")
        problems = []
        if hs != hl:
            problems.append(f"headers differ: {hs} vs {hl}")
        if ds or dl:
            problems.append(f"duplicate points: {ds} in the SLURM CSV, {dl} in the local one")
        for key in sorted(set(rs) ^ set(rl)):
            where = "SLURM" if key in rs else "local"
            problems.append(f"point only in the {where} CSV: {dict(key)}")
        same = 0
        for key in sorted(set(rs) & set(rl)):
            diff = [c for c in (hs or []) if c not in IGNORED_COLUMNS
                    and rs[key].get(c) != rl[key].get(c)]
            if diff:
                d = dict(key)
                problems.append(
                    f"{d['system']} tcp={d['tcp']} run={d['run']}: "
                    + ", ".join(f"{c} {rs[key].get(c)!r} != {rl[key].get(c)!r}" for c in diff[:5])
                )
            else:
                same += 1
        report.append((name, len(rs), len(rl), same, problems))
    return report


# ------------------------------------------------------------------ main ---------------------
def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="slurm_local.py",
        description="Run a small campaign as a SLURM array on a one-node cluster on localhost "
        "and check its rows equal a local sweep's (root; `./resoa bench slurm`).",
    )
    p.add_argument("--binary", type=Path, default=REPO / "build" / "examples" / "resoa-compare")
    p.add_argument("--campaigns", nargs="+", default=["loss", "burst", "web"], metavar="NAME",
                   help="campaigns of analysis/campaigns.py (default: loss burst web)")
    p.add_argument("--mode", choices=cp.MODES, default="quick",
                   help="campaign mode (default quick: 1 s warm-up + 2 s per run)")
    p.add_argument("--runs", type=int, default=2, help="runs per point (default 2)")
    p.add_argument("--max-array", type=int, default=16,
                   help="sweep.py --slurm-max-array: with fewer tasks than points a task runs "
                   "several (default 16)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="local sweep jobs")
    p.add_argument("--timeout", type=float, default=1200,
                   help="seconds to wait for the array job (default 1200)")
    p.add_argument("--out", type=Path, default=REPO / "results" / "bench-slurm",
                   help="where the CSVs and summary.txt are copied (default results/bench-slurm)")
    p.add_argument("--keep", action="store_true", help="keep the throwaway directory")
    args = p.parse_args(argv)
    for name in args.campaigns:
        if name not in cp.CAMPAIGNS:
            p.error(f"unknown campaign {name!r} ({', '.join(sorted(cp.CAMPAIGNS))})")
    if args.runs < 1 or args.max_array < 1 or args.jobs < 1:
        p.error("--runs, --max-array and --jobs must be >= 1")
    return args


def on_signal(signum, frame):
    raise KeyboardInterrupt


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if os.geteuid() != 0:
        print("slurm_local.py: needs root (munged, slurmctld and slurmd run as root here)",
              file=sys.stderr)
        return 1
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        print(f"slurm_local.py: missing {' '.join(missing)}: install slurmctld slurmd "
              "slurm-client munge (./resoa setup)", file=sys.stderr)
        return 1
    args.binary = args.binary.resolve()
    if not os.access(args.binary, os.X_OK):
        print(f"slurm_local.py: no binary {args.binary} (./resoa build)", file=sys.stderr)
        return 1
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    subreaper = become_subreaper()
    work = Path(tempfile.mkdtemp(prefix="resoa-slurm-"))
    work.chmod(0o755)  # munged checks that its socket's directories are reachable by all
    cluster = Cluster(work)
    bench_start = time.monotonic()
    status = 1
    try:
        log(f"throwaway cluster in {work}" + ("" if subreaper else " (no subreaper)"))
        cluster.start_munge()
        hw = cluster.write_conf()
        cluster.start_slurm()
        log(f"node {NODE} idle ({hw}), partition {PARTITION}")
        slurm_out, points, tasks, slurm_wall, job = run_on_slurm(args, cluster, work)
        log(f"local sweep of the same points, {args.jobs} job(s)")
        local_out, local_wall = run_locally(args, work)
        report = compare(slurm_out, local_out, args.campaigns)
        ok = all(not probs and s == l == same for _, s, l, same, probs in report)
        total_s = sum(r[1] for r in report)
        total_l = sum(r[2] for r in report)
        total_same = sum(r[3] for r in report)
        ok = ok and total_s == total_l == points
        lines = [
            f"SLURM bench ({time.strftime('%Y-%m-%d %H:%M')}, "
            f"{cluster.run(['sinfo', '-V'], check=False).stdout.strip()}, node {hw}):",
            f"  campaign: {' '.join(args.campaigns)} --{args.mode} --runs {args.runs}: "
            f"{points} runs as array job {job} of {tasks} task(s)",
            f"  SLURM array wall time {slurm_wall:.1f} s (submit to last task done); "
            f"local sweep ({args.jobs} job(s)) {local_wall:.1f} s",
        ]
        for name, s, l, same, probs in report:
            lines.append(f"  {name:10s} rows SLURM {s:3d}  local {l:3d}  identical {same:3d}"
                         + ("" if not probs else f"  ({len(probs)} problem(s))"))
            lines.extend(f"      {p}" for p in probs[:10])
        lines.append(
            f"  compared every column but {', '.join(IGNORED_COLUMNS)}: "
            f"{total_same} of {points} rows identical"
        )
        lines.append(f"{'PASS' if ok else 'FAIL'}: SLURM rows {total_s}, local rows {total_l}, "
                     f"identical {total_same}; bench took {time.monotonic() - bench_start:.0f} s")
        print("\n".join(lines), flush=True)
        args.out.mkdir(parents=True, exist_ok=True)
        for name in args.campaigns:
            for tag, d in (("slurm", slurm_out), ("local", local_out)):
                if (d / f"{name}.csv").exists():
                    shutil.copy(d / f"{name}.csv", args.out / f"{name}.{tag}.csv")
        shutil.copy(work / "job" / "campaign.sbatch", args.out / "campaign.sbatch")
        (args.out / "summary.txt").write_text("\n".join(lines) + "\n")
        log(f"CSVs, the array script and summary.txt in {args.out}")
        status = 0 if ok else 1
    except BenchError as e:
        print(f"slurm_local.py: {e}", file=sys.stderr)
        print("FAIL: the SLURM bench did not complete", flush=True)
        status = 1
    except KeyboardInterrupt:
        print("slurm_local.py: interrupted; stopping the cluster", file=sys.stderr)
        status = 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # finish the clean-up
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            cluster.stop()
        finally:
            if args.keep:
                log(f"kept {work}")
            else:
                shutil.rmtree(work, ignore_errors=True)
                log(f"removed {work}")
    return status


if __name__ == "__main__":
    sys.exit(main())
