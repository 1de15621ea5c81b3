#!/usr/bin/python3
"""Run every point of one or more campaigns with build/examples/resoa-compare.

    sweep.py CAMPAIGN [CAMPAIGN ...] [--quick | --full] [--jobs N] [--runs R] [--out DIR]
             [--binary PATH] [--timeout S] [--slurm FILE [--slurm-max-array N]]
    sweep.py --list [--quick | --full]

Modes (campaigns.py): the default is the headline (`./resoa run`, <= 30 min on 2 cores),
--full the complete campaign, --quick a one-minute smoke run.

Each job runs the binary with `--csv=<out>/<campaign>.csv.part.<tag>`; this process is the
only writer of `<out>/<campaign>.csv` and appends each job's row to it, so parallel jobs never
share a file. Points whose parameters already have a row there are skipped (resume). Part
files left by a killed sweep or by a SLURM array are merged at start.

Exit status: 0 all points done, 1 a job failed or the binary is missing, 2 bad arguments,
130 interrupted.
"""

import argparse
import concurrent.futures
import csv
import fcntl
import glob
import math
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import campaigns as cp

REPO = Path(__file__).resolve().parent.parent
DEFAULT_BINARY = REPO / "build" / "examples" / "resoa-compare"
# Headline and full share results/: every headline point is a full point, so --full resumes.
DEFAULT_OUT = {
    "full": REPO / "results",
    "headline": REPO / "results",
    "quick": REPO / "results" / "quick",
}
STDERR_TAIL_LINES = 12


@dataclass
class Job:
    index: int
    campaign: cp.Campaign
    flags: dict

    def command(self, binary, part):
        return [str(binary)] + cp.flag_args(self.flags) + [f"--csv={part}"]


@dataclass
class Outcome:
    job: Job
    command: list
    ok: bool
    header: list = None
    row: list = None
    part: Path = None
    error: str = ""


class Fatal(Exception):
    """Stop the sweep (e.g. the binary's CSV header differs from the existing file's)."""


# ------------------------------------------------------------------ arguments ----------------
def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def non_negative_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def parse_args(argv):
    names = sorted(cp.CAMPAIGNS)
    p = argparse.ArgumentParser(
        prog="sweep.py",
        description="Run the ReSoA comparison campaigns with resoa-compare.",
        epilog=f"campaigns: {', '.join(names)}, or 'all' (every campaign the mode has: "
        f"headline {' '.join(cp.campaigns_for('headline'))}; full {' '.join(cp.ORDER)})",
    )
    p.add_argument("campaigns", nargs="*", metavar="CAMPAIGN")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="few runs, short durations")
    mode.add_argument("--full", action="store_true", help="the complete campaign")
    p.add_argument("--jobs", type=positive_int, default=os.cpu_count() or 1, help="parallel runs")
    p.add_argument("--runs", type=positive_int, help="runs per point (default: the campaign's)")
    p.add_argument(
        "--out", type=Path, help="results dir (default results/, --quick: results/quick/)"
    )
    p.add_argument("--binary", type=Path, default=DEFAULT_BINARY, help="resoa-compare binary")
    p.add_argument(
        "--timeout",
        type=non_negative_float,
        help="wall seconds per run before it counts as hung; 0 = no limit (default: "
        f"{cp.RUN_TIMEOUT_FACTOR} x --duration, at least {cp.RUN_TIMEOUT_MIN_S} s)",
    )
    p.add_argument("--slurm", type=Path, metavar="FILE", help="write a SLURM array script instead")
    p.add_argument(
        "--slurm-max-array",
        type=positive_int,
        default=SLURM_MAX_ARRAY,
        metavar="N",
        help="at most N array tasks; with more points each task runs every N-th point "
        f"(default {SLURM_MAX_ARRAY}: SLURM's default MaxArraySize of 1001 allows indices "
        "0-1000)",
    )
    p.add_argument("--list", action="store_true", help="list campaigns, run counts and estimates")
    args = p.parse_args(argv)
    if args.list:
        args.campaigns = args.campaigns or ["all"]
    if not args.campaigns:
        p.error("give at least one CAMPAIGN (or 'all')")
    args.mode = "quick" if args.quick else "full" if args.full else "headline"
    chosen = []
    for name in args.campaigns:
        if name == "all":
            chosen.extend(cp.campaigns_for(args.mode))
        elif name in cp.CAMPAIGNS:
            chosen.append(name)
        else:
            p.error(f"unknown campaign {name!r} (choose from {', '.join(names)}, all)")
    args.campaigns = list(dict.fromkeys(chosen))
    empty = [n for n in args.campaigns if not cp.points(cp.CAMPAIGNS[n], mode=args.mode, runs=1)]
    if empty:
        p.error(f"campaign(s) {', '.join(empty)} have no points in the {args.mode} mode "
                "(try --full)")
    if args.out is None:
        args.out = DEFAULT_OUT[args.mode]
    if args.out.exists() and not args.out.is_dir():
        p.error(f"--out {args.out} is not a directory")
    return args


# ------------------------------------------------------------------ results files ------------
def csv_path(out, name):
    return out / f"{name}.csv"


class ResultsFile:
    """One campaign's CSV: the rows already there and appends of new rows."""

    def __init__(self, path):
        self.path = path
        self.header, raws = cp.read_raw(path) if path.exists() else (None, [])
        if self.header is not None and self.header != cp.COLUMNS:
            # Rows of an older schema were measured another way (e.g. before issue 10's
            # 30-s windows and TCP profiles): keep them aside, never mix or resume them.
            stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(path.stat().st_mtime))
            old = path.with_name(f"{path.stem}.old-{stamp}{path.suffix}.txt")
            path.rename(old)
            print(f"{path.name}: its header is not the current schema (docs/compare-csv.md); "
                  f"moved to {old.name}, starting afresh")
            self.header, raws = None, []
        self.normed = [cp.row_norm(r) for r in raws]

    def has(self, key):
        return any(cp.matches(key, n) for n in self.normed)

    def append(self, header, row):
        if self.header is None:
            self.header = list(header)
            fresh = True
        elif list(header) != self.header:
            raise Fatal(
                f"the binary's CSV header differs from {self.path}'s (schema changed?); "
                f"move {self.path} away and rerun"
            )
        else:
            fresh = False
        with open(self.path, "a+", newline="") as f:
            if f.tell() > 0:  # a row cut short by a crash must not swallow this one
                f.seek(f.tell() - 1)
                if f.read(1) != "\n":
                    f.write("\n")
            w = csv.writer(f, lineterminator="\n")
            if fresh:
                w.writerow(header)
            w.writerow(row)
        self.normed.append(cp.row_norm(dict(zip(header, row))))


def read_part(part):
    """(header, complete rows) of a part file; (None, []) when it has no complete row."""
    try:
        header, raws = cp.read_raw(part)
    except (OSError, UnicodeDecodeError, csv.Error):
        return None, []
    if header is None:
        return None, []
    return header, [[r[c] for c in header] for r in raws]


def pid_alive(pid):
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def local_pid(tag):
    """The sweep pid in a part tag "local<pid>-<index>" (0 if unreadable)."""
    try:
        return int(tag[len("local") :].split("-")[0])
    except ValueError:
        return 0


def recover_parts(out, name, results):
    """Merge rows of part files left by a killed sweep or a SLURM array; returns rows merged."""
    merged = 0
    waiting = 0
    for part in sorted(glob.glob(str(out / f"{glob.escape(name)}.csv.part.*"))):
        part = Path(part)
        header, rows = read_part(part)
        if not rows:
            tag = part.name.rsplit(".part.", 1)[1]
            if tag.startswith("local") and not pid_alive(local_pid(tag)):
                part.unlink(missing_ok=True)  # killed local job: it will be rerun
            else:
                waiting += 1
            continue
        for row in rows:
            if not results.has(cp.row_norm(dict(zip(header, row)))):
                results.append(header, row)
                merged += 1
        part.unlink(missing_ok=True)
    if merged:
        print(f"{name}: merged {merged} row(s) from part files")
    if waiting:
        print(f"{name}: {waiting} part file(s) without a row left alone (jobs still running?)")
    return merged


class CampaignLock:
    """Only one sweep per campaign and results dir at a time."""

    def __init__(self, out, name):
        self.path = out / f".{name}.lock"
        self.file = None

    def __enter__(self):
        self.file = open(self.path, "w")
        try:
            fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Fatal(
                f"another sweep of this campaign is running in {self.path.parent}"
            ) from None
        return self

    def __exit__(self, *exc):
        self.file.close()


# ------------------------------------------------------------------ progress -----------------
def fmt_duration(seconds):
    seconds = int(round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


class Progress:
    """`[ 37/120] 31% eta 4m12s  system=resoa frameLoss=0.3 run=4` on one line."""

    def __init__(self, total, stream=sys.stderr):
        self.total = total
        self.done = 0
        self.start = time.monotonic()
        self.stream = stream
        self.tty = stream.isatty()
        self.last_print = 0.0
        self.width = len(str(total))

    def line(self, text):
        pct = 100 * self.done // self.total if self.total else 100
        if self.done:
            rate = (time.monotonic() - self.start) / self.done
            eta = fmt_duration(rate * (self.total - self.done))
        else:
            eta = "?"
        return f"[{self.done:>{self.width}}/{self.total}] {pct:3d}% eta {eta}  {text}"

    def step(self, text):
        self.done += 1
        now = time.monotonic()
        if self.tty:
            self.stream.write("\r\x1b[K" + self.line(text))
            self.stream.flush()
        elif now - self.last_print >= 10 or self.done == self.total:
            self.stream.write(self.line(text) + "\n")
            self.stream.flush()
            self.last_print = now

    def message(self, text):
        if self.tty:
            self.stream.write("\r\x1b[K")
        self.stream.write(text + "\n")
        self.stream.flush()

    def finish(self):
        if self.tty and self.done:
            self.stream.write("\n")
            self.stream.flush()


# ------------------------------------------------------------------ running ------------------
class Runner:
    """Runs jobs in a thread pool; each thread waits on one resoa-compare process."""

    def __init__(self, binary, out, timeout):
        self.binary = binary
        self.out = out
        self.timeout = timeout  # None: per run from its duration; 0: no limit
        self.procs = set()
        self.lock = threading.Lock()
        self.stopping = False

    def part_path(self, job):
        return self.out / f"{job.campaign.name}.csv.part.local{os.getpid()}-{job.index}"

    def run(self, job):
        part = self.part_path(job)
        cmd = job.command(self.binary, part)
        part.unlink(missing_ok=True)
        if self.stopping:
            return Outcome(job, cmd, False, error="not started (interrupted)")
        try:
            proc = subprocess.Popen(
                cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=self.out
            )
        except OSError as e:
            return Outcome(job, cmd, False, error=f"cannot start: {e}")
        with self.lock:
            self.procs.add(proc)
        limit = cp.run_timeout_s(job.flags) if self.timeout is None else self.timeout or None
        try:
            out, err = proc.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            part.unlink(missing_ok=True)
            return Outcome(
                job, cmd, False, error=f"timed out after {limit:g} s (hung?)\n{tail(err)}"
            )
        finally:
            with self.lock:
                self.procs.discard(proc)
        if proc.returncode != 0:
            part.unlink(missing_ok=True)
            return Outcome(
                job, cmd, False, error=f"exit status {proc.returncode}\n{tail(err or out)}"
            )
        header, rows = read_part(part)
        if not rows:
            part.unlink(missing_ok=True)
            return Outcome(job, cmd, False, error=f"exit 0 but no CSV row in {part}\n{tail(err)}")
        return Outcome(job, cmd, True, header, rows[-1], part)

    def kill_all(self):
        self.stopping = True
        with self.lock:
            for proc in self.procs:
                if proc.poll() is None:
                    proc.terminate()


def tail(text, lines=STDERR_TAIL_LINES):
    kept = (text or "").rstrip().splitlines()[-lines:]
    return "\n".join("    | " + ln for ln in kept) if kept else "    | (no output)"


def pending_jobs(args, results):
    """Jobs of every chosen campaign whose point has no row yet; (jobs, skipped count)."""
    jobs, skipped, index = [], 0, 0
    per_run = []
    for name in args.campaigns:
        camp = cp.CAMPAIGNS[name]
        for flags in cp.points(camp, runs=args.runs, mode=args.mode):
            if results[name].has(cp.point_key(flags)):
                skipped += 1
                continue
            per_run.append(Job(index, camp, flags))
            index += 1
    # Run 1 of every campaign first, then run 2, ...: an interrupted sweep has every point.
    jobs = sorted(per_run, key=lambda j: (j.flags["run"], j.index))
    return jobs, skipped


def run_sweep(args, results):
    jobs, skipped = pending_jobs(args, results)
    names = ", ".join(args.campaigns)
    if skipped:
        print(f"{names}: {skipped} point(s) already in {args.out}, {len(jobs)} to run")
    if not jobs:
        print(f"{names}: nothing to do")
        return 0
    print(f"{names}: {len(jobs)} run(s) on {args.jobs} job(s) -> {args.out}")
    est, source = estimate_jobs(args.out, jobs)
    print(f"estimated wall time: ~{fmt_duration(est / args.jobs)} on {args.jobs} job(s) ({source})")
    runner = Runner(args.binary, args.out, args.timeout)
    progress = Progress(len(jobs))
    failures, warned = [], set()
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs)
    futures = [pool.submit(runner.run, j) for j in jobs]
    try:
        for fut in concurrent.futures.as_completed(futures):
            res = fut.result()
            if res.ok:
                results[res.job.campaign.name].append(res.header, res.row)
                res.part.unlink(missing_ok=True)
                check_echo(res, progress, warned)
            else:
                failures.append(res)
                progress.message(f"FAILED: {shlex.join(res.command)}\n  {res.error}")
            progress.step(cp.describe(res.job.campaign, res.job.flags))
    except (KeyboardInterrupt, Fatal) as e:
        runner.kill_all()
        pool.shutdown(wait=True, cancel_futures=True)
        for part in glob.glob(str(args.out / f"*.csv.part.local{os.getpid()}-*")):
            os.unlink(part)
        progress.finish()
        if isinstance(e, Fatal):
            print(f"sweep: {e}", file=sys.stderr)
            return 1
        print(
            f"sweep: interrupted after {progress.done} of {len(jobs)} run(s); "
            "the same command resumes",
            file=sys.stderr,
        )
        return 130
    pool.shutdown(wait=True)
    progress.finish()
    took = fmt_duration(time.monotonic() - progress.start)
    if failures:
        print(f"sweep: {len(failures)} of {len(jobs)} run(s) FAILED ({took}):", file=sys.stderr)
        for res in failures[:20]:
            print(f"  {shlex.join(res.command)}", file=sys.stderr)
        if len(failures) > 20:
            print(f"  ... and {len(failures) - 20} more", file=sys.stderr)
        print("the same command reruns only the missing points", file=sys.stderr)
        return 1
    print(f"{names}: {len(jobs)} run(s) done in {took}")
    return 0


def check_echo(res, progress, warned):
    """Warn once per column if rows do not echo the flags (resume would not see them)."""
    key = cp.point_key(res.job.flags)
    bad = cp.mismatched_columns(key, cp.row_norm(dict(zip(res.header, res.row))))
    for col in bad:
        if col not in warned:
            warned.add(col)
            got = dict(zip(res.header, res.row)).get(col)
            progress.message(
                f"warning: column {col}={got!r} does not echo the flag value {key[col]!r}; "
                "resume will rerun such points"
            )


# ------------------------------------------------------------------ SLURM --------------------
# SLURM's default MaxArraySize is 1001 (indices 0-1000); the full campaign has more points.
SLURM_MAX_ARRAY = 1000

SLURM_TEMPLATE = """#!/bin/bash
#SBATCH --job-name={job_name}
#SBATCH --array=0-{last}
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
#SBATCH --output={logs}/%x-%A_%a.out
{time_line}# Written by analysis/sweep.py: {tasks} array tasks for {count} points, listed in
# {points} as "CAMPAIGN<TAB>flags"; task T runs points T, T+{tasks}, T+2*{tasks}, ... in turn
# ({per_task} at most). Point I appends its row to {out}/CAMPAIGN.csv.part.JOB-I;
# afterwards `sweep.py {campaigns} --out {out}{mode_flag} --slurm {script}`
# merges the parts into CAMPAIGN.csv and writes a script for what is still missing
# (without --slurm it would run that here).
# --time is {per_task} x the per-run timeout (sweep.py --timeout; with 0 none is written); add a
# partition, account or memory as your cluster needs.
set -euo pipefail
POINTS={points_q}
BINARY={binary_q}
OUT={out_q}
COUNT={count}
STRIDE={tasks}
cd "$OUT"
status=0
for ((i = SLURM_ARRAY_TASK_ID; i < COUNT; i += STRIDE)); do
  LINE=$(sed -n "$((i + 1))p" "$POINTS")
  CAMPAIGN=${{LINE%%$'\\t'*}}
  eval "set -- ${{LINE#*$'\\t'}}"
  "$BINARY" "$@" "--csv=$OUT/$CAMPAIGN.csv.part.${{SLURM_ARRAY_JOB_ID:-0}}-$i" || status=$?
done
exit "$status"
"""


def slurm_time(seconds):
    """SLURM's D-HH:MM:SS for a time limit, rounded up to whole minutes."""
    minutes = max(1, math.ceil(seconds / 60))
    return f"{minutes // 1440}-{minutes // 60 % 24:02d}:{minutes % 60:02d}:00"


def points_file_for(script):
    return script.with_suffix(".points") if script.suffix else Path(str(script) + ".points")


def write_slurm(args, results):
    jobs, skipped = pending_jobs(args, results)
    jobs.sort(key=lambda j: j.index)
    if not jobs:
        print(f"{', '.join(args.campaigns)}: every point already has a row; no script written")
        return 0
    if not args.binary.exists():
        print(
            f"warning: {args.binary} does not exist here; the cluster must have it", file=sys.stderr
        )
    script = args.slurm.resolve()
    points = points_file_for(script)
    out = args.out.resolve()
    logs = out / "slurm-logs"
    logs.mkdir(parents=True, exist_ok=True)
    script.parent.mkdir(parents=True, exist_ok=True)
    with open(points, "w") as f:
        for j in jobs:
            f.write(f"{j.campaign.name}\t{shlex.join(cp.flag_args(j.flags))}\n")
    tasks = min(len(jobs), args.slurm_max_array)
    per_task = math.ceil(len(jobs) / tasks)
    if args.timeout == 0:
        time_line = ""  # --timeout 0: no limit here either (the partition's applies)
    else:
        limit = args.timeout or max(cp.run_timeout_s(j.flags) for j in jobs)
        time_line = f"#SBATCH --time={slurm_time(per_task * limit)}\n"
    text = SLURM_TEMPLATE.format(
        job_name="resoa-" + "-".join(args.campaigns),
        last=tasks - 1,
        tasks=tasks,
        per_task=per_task,
        time_line=time_line,
        count=len(jobs),
        logs=logs,
        points=points,
        out=out,
        campaigns=" ".join(args.campaigns),
        mode_flag={"quick": " --quick", "full": " --full", "headline": ""}[args.mode],
        script=script,
        points_q=shlex.quote(str(points)),
        binary_q=shlex.quote(str(args.binary.resolve())),
        out_q=shlex.quote(str(out)),
    )
    script.write_text(text)
    script.chmod(0o755)
    skipped_text = f"; {skipped} point(s) already done" if skipped else ""
    print(f"wrote {script} ({tasks} array tasks for {len(jobs)} points{skipped_text}) "
          f"and {points}")
    print(f"submit with: sbatch {shlex.quote(str(script))}")
    return 0


# ------------------------------------------------------------------ --list -------------------
def list_campaigns(args):
    mode = args.mode
    runs = args.runs or cp.RUNS[mode]
    print(f"{mode} mode: {runs} runs per point, the limit included (knobs in campaigns.py)")
    print("  cost model (measured CPU s per simulated s of one run; wall = CPU / jobs): " + ", ".join(
        f"{k} {v:g}" for k, v in cp.WALL_PER_SIM_S.items()))
    total_runs, total_est = 0, 0.0
    for name in args.campaigns:
        camp = cp.CAMPAIGNS[name]
        pts = cp.points(camp, runs=args.runs, mode=mode)
        jobs = [Job(i, camp, f) for i, f in enumerate(pts)]
        est, source = estimate_jobs(args.out, jobs)
        total_runs += len(pts)
        total_est += est
        xs = camp.x_values(mode=mode)
        axis = (
            f"{camp.x_flag}={','.join(map(cp.format_value, xs))}" if camp.x_flag else "one setting"
        )
        dur = f"{cp.format_value(cp.duration_s(camp, mode=mode))} s"
        nvar = len(camp.variants_for(mode))
        print(
            f"  {name:12s} {len(pts):5d} runs ({nvar} variants) x {dur:5s} {axis:30s} "
            f"~{fmt_duration(est / args.jobs)} on {args.jobs} job(s) ({source})"
        )
    print(f"  total        {total_runs:5d} runs, ~{fmt_duration(total_est / args.jobs)} on "
          f"{args.jobs} job(s)")
    return 0


def measured_ratios(out):
    """{(variant, flows, clients) and (variant, flows): [wall s per simulated s]} from rows."""
    per = {}
    for path in glob.glob(str(out / "*.csv")):
        try:
            rows = cp.read_rows(path)
        except (cp.SchemaError, OSError, csv.Error):
            continue
        for r in rows:
            # CPU seconds where recorded (the wall time of a run on a loaded machine says
            # more about the other load than about the run).
            cost = r.get("sim_cpu_s", math.nan)
            cost = cost if cost == cost else r["sim_wall_s"]
            if r["duration_s"] > 0 and cost == cost:
                ratio = cost / cp.simulated_s(r)
                per.setdefault((cp.variant_key(r), r["flows"], r["clients"]), []).append(ratio)
                per.setdefault((cp.variant_key(r), r["flows"]), []).append(ratio)
    return per


def estimate_jobs(out, jobs):
    """(estimated wall seconds on one job, source text) of `jobs`.

    Per run: wall s per simulated s of rows already in `out` of the same variant, flow type
    and client count (else any client count), else the measured model cp.WALL_PER_SIM_S.
    """
    per = measured_ratios(out)
    total, measured = 0.0, 0
    for j in jobs:
        flags = j.flags
        v = next(
            (v for v in j.campaign.variants if all(flags.get(k) == x for k, x in v.flags.items())),
            None,
        )
        key = v.key if v else flags.get("system", "tcp")
        flows = flags.get("flows", "bulk")
        ratios = per.get((key, flows, float(flags.get("clients", 1)))) or per.get((key, flows))
        sim_s = cp.simulated_s_of_flags(flags)
        if ratios:
            measured += 1
            total += sum(ratios) / len(ratios) * sim_s
        else:
            total += cp.model_wall_s(flags)
    if measured == len(jobs):
        source = "from rows in " + str(out)
    elif measured:
        source = f"{measured} of {len(jobs)} from rows, the rest from the cost model"
    else:
        source = "cost model in campaigns.py"
    return total, source


# ------------------------------------------------------------------ main ---------------------
def on_sigterm(signum, frame):
    raise KeyboardInterrupt  # same clean-up as Ctrl-C


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.list:
        return list_campaigns(args)
    if not args.slurm and not (args.binary.is_file() and os.access(args.binary, os.X_OK)):
        print(
            f"sweep: resoa-compare binary not found or not executable: {args.binary}\n"
            "       build it (./resoa build) or pass --binary PATH",
            file=sys.stderr,
        )
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    args.out = args.out.resolve()
    args.binary = args.binary.resolve()
    signal.signal(signal.SIGTERM, on_sigterm)
    locks = [CampaignLock(args.out, n) for n in args.campaigns]
    try:
        for lk in locks:
            lk.__enter__()
        results = {}
        for name in args.campaigns:
            results[name] = ResultsFile(csv_path(args.out, name))
            recover_parts(args.out, name, results[name])
        if args.slurm:
            return write_slurm(args, results)
        return run_sweep(args, results)
    except Fatal as e:
        print(f"sweep: {e}", file=sys.stderr)
        return 1
    finally:
        for lk in locks:
            if lk.file:
                lk.__exit__()


if __name__ == "__main__":
    sys.exit(main())
