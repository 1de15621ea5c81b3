"""Tests of analysis/: statistics, CSV parsing, campaigns, sweep.py (resume, failures,
argument errors, SLURM) and an end-to-end sweep + plot run against a fake resoa-compare.

    /usr/bin/python3 -m unittest discover -s analysis -p 'test_*.py'

The fake (FAKE_SOURCE) is written into a temporary directory by the tests: it takes the real
binary's flags, rejects unknown ones, and appends rows with the documented columns.
"""

import contextlib
import csv
import io
import math
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import campaigns as cp
import cell_ceiling
import plot
import sweep

HERE = Path(__file__).resolve().parent
SWEEP = HERE / "sweep.py"
PLOT = HERE / "plot.py"

FAKE_SOURCE = """#!/usr/bin/python3
\"\"\"Stand-in for build/examples/resoa-compare: same flags, same CSV columns, made-up numbers.

FAKE_FAIL=TEXT   exit 3 when TEXT occurs in the joined arguments
FAKE_LOG=FILE    append the arguments of every call
FAKE_SLEEP=SECS  sleep before writing
\"\"\"
import math, os, random, sys, time

COLUMNS = ("system,direction,flows,clients,frame_loss,burst_bad_ms,burst_good_ms,mac_retries,"
           "rtt_ms,link_rate,tcp,min_rto_ms,bytes,duration_s,seed,run,goodput_mbps,"
           "per_client_mbps,jain,flows_done,fct_mean_s,fct_p50_s,fct_p95_s,fcts,mac_retx,"
           "lhp_retx,tcp_retx,frames_per_kb,outage_s,deassoc,sim_wall_s,warmup_s,distance_m,"
           "clock_granularity_ms,del_ack_ms,init_cwnd,sack,tcp_cc,server_tcp,fade_timeline,"
           "loss_frames,distances_m,limit_retries,limit_same_mbps,fades,airtime_share,sim_cpu_s").split(",")
FLAGS = {"system": "resoa", "direction": "up", "flows": "bulk", "clients": "1",
         "frameLoss": "0", "burstBadMs": "0", "burstGoodMs": "1000", "macRetries": "7",
         "rtt": "100", "linkRate": "100Mbps", "tcp": "NewReno", "minRto": "0",
         "bytes": "0", "duration": "20", "webFlowBytes": "50000", "seed": "1", "run": "1",
         "pcap": "false", "csv": "", "warmup": "2", "distance": "0", "distances": "",
         "fadeTimeline": "shared", "lossFrames": "data", "serverTcp": "linux",
         "limitRetries": ""}

def cp_fmt(v):
    return str(int(v)) if float(v).is_integer() else str(v)

def main(argv):
    f = dict(FLAGS)
    for a in argv:
        if not a.startswith("--") or "=" not in a or a[2:].split("=", 1)[0] not in f:
            print(f"fake resoa-compare: invalid argument {a!r}", file=sys.stderr)
            return 1
        k, v = a[2:].split("=", 1)
        f[k] = v
    joined = " ".join(argv)
    if os.environ.get("FAKE_LOG"):
        with open(os.environ["FAKE_LOG"], "a") as log:
            log.write(joined + "\\n")
    if os.environ.get("FAKE_FAIL") and os.environ["FAKE_FAIL"] in joined:
        print("ns-3 says: something broke\\nassert failed. cond=\\"fake\\"", file=sys.stderr)
        return 3
    time.sleep(float(os.environ.get("FAKE_SLEEP", "0")))
    system, clients = f["system"], int(f["clients"])
    p, bad, good = float(f["frameLoss"]), float(f["burstBadMs"]), float(f["burstGoodMs"])
    linux = f["tcp"] == "linux"
    rto = float(f["minRto"]) or (200.0 if linux else 1000.0)
    rtt, retries = float(f["rtt"]), int(f["macRetries"])
    rng = random.Random(f"{system}|{f['tcp']}|{rto}|{p}|{bad}|{rtt}|{clients}|{f['flows']}|{f['seed']}|{f['run']}")
    badfrac = bad / (bad + good) if bad > 0 else 0.0
    limit = 27.0 * (1 - p) ** 0.8 * (1 - 0.8 * badfrac)
    residual = p ** (retries + 1) + 0.6 * badfrac
    e2e = limit * 0.9 / (1 + 60 * residual * (rtt / 100) * (rto / 1000) ** 0.5) / (1 + rtt / 2000)
    if f["tcp"].lower() in ("cubic", "linux"):
        e2e *= 1.05
    base = {"limit": limit, "resoa": 0.92 * limit, "nat": 0.97 * e2e, "tcp": e2e}[system]
    if f["direction"] == "down":
        base *= 0.95
    goodput = max(0.0, base * (1 + rng.gauss(0, 0.04)))
    weights = [rng.uniform(0.9, 1.1) if system in ("limit", "resoa") else rng.uniform(0.3, 1.0)
               for _ in range(clients)]
    per_client = [goodput * w / sum(weights) for w in weights]
    jain = sum(per_client) ** 2 / (clients * sum(x * x for x in per_client)) if goodput > 0 else 0
    fcts = []
    if f["flows"] == "web":
        median = 0.25 if system == "resoa" else 0.5 * (1 + 20 * residual) * (rto / 1000) ** 0.3
        fcts = [rng.lognormvariate(math.log(median), 0.6) for _ in range(int(6 * clients * float(f["duration"]) / 2))]
    srt = sorted(fcts)
    q = lambda x: srt[min(len(srt) - 1, int(x * len(srt)))] if srt else 0
    outage = 1.5 if p >= 0.5 and system == "tcp" and rng.random() < 0.2 else 0.0
    vals = {
        "system": system, "direction": f["direction"], "flows": f["flows"], "clients": clients,
        "frame_loss": f["frameLoss"], "burst_bad_ms": f["burstBadMs"], "burst_good_ms": f["burstGoodMs"],
        "mac_retries": retries, "rtt_ms": f["rtt"], "link_rate": f["linkRate"], "tcp": f["tcp"],
        "min_rto_ms": cp_fmt(rto), "bytes": f["bytes"], "duration_s": f["duration"],
        "seed": f["seed"], "run": f["run"], "goodput_mbps": f"{goodput:.4f}",
        "per_client_mbps": " ".join(f"{x:.4f}" for x in per_client), "jain": f"{jain:.4f}",
        "flows_done": len(fcts), "fct_mean_s": f"{sum(fcts) / len(fcts):.4f}" if fcts else 0,
        "fct_p50_s": f"{q(0.5):.4f}", "fct_p95_s": f"{q(0.95):.4f}",
        "fcts": " ".join(f"{x:.4f}" for x in fcts), "mac_retx": int(1000 * p),
        "lhp_retx": int(100 * residual) if system == "resoa" else 0,
        "tcp_retx": int(200 * residual) if system in ("tcp", "nat") else 0,
        "frames_per_kb": f"{0.7 / max(0.05, 1 - p):.3f}", "outage_s": outage,
        "deassoc": 1 if outage else 0, "sim_wall_s": f"{0.3 * float(f['duration']) * clients:.3f}",
        "warmup_s": f["warmup"], "distance_m": f["distance"],
        "clock_granularity_ms": 200 if linux else 1, "del_ack_ms": 40 if linux else 200,
        "init_cwnd": 10, "sack": 1, "tcp_cc": "Cubic" if linux else f["tcp"],
        "server_tcp": f["serverTcp"], "fade_timeline": f["fadeTimeline"],
        "loss_frames": f["lossFrames"], "distances_m": f["distances"].replace(",", " ") or "5",
        "limit_retries": retries,
        "limit_same_mbps": f"{0.9 * goodput:.4f}" if system == "limit" else "",
        "fades": int(float(f["duration"]) / ((bad + good) / 1000)) if bad > 0 else 0,
        "airtime_share": " ".join(f"{0.9 / clients:.4f}" for _ in range(clients)),
        "sim_cpu_s": f"{0.25 * float(f['duration']) * clients:.3f}",
    }
    line = ",".join(str(vals[c]) for c in COLUMNS)
    if f["csv"]:
        new = not os.path.exists(f["csv"]) or os.path.getsize(f["csv"]) == 0
        with open(f["csv"], "a") as out:
            if new:
                out.write(",".join(COLUMNS) + "\\n")
            out.write(line + "\\n")
    print(line)
    return 0

sys.exit(main(sys.argv[1:]))
"""


def write_fake(directory):
    """Write the fake resoa-compare into `directory`; returns its path."""
    path = Path(directory) / "resoa-compare"
    path.write_text(FAKE_SOURCE.replace("#!/usr/bin/python3", "#!" + sys.executable, 1))
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def data_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


class TempDirTest(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="resoa-analysis-"))
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.fake = write_fake(self.tmp)
        self.out = self.tmp / "results"
        self.log = self.tmp / "calls.log"

    def sweep(self, *args, env=None, binary=True):
        e = dict(os.environ, FAKE_LOG=str(self.log))
        e.update(env or {})
        cmd = [sys.executable, str(SWEEP), *args, "--out", str(self.out)]
        if binary:
            cmd += ["--binary", str(self.fake)]
        return subprocess.run(cmd, capture_output=True, text=True, env=e, timeout=300)

    def plot(self, in_dir, out_dir=None):
        cmd = [sys.executable, str(PLOT), "--in", str(in_dir)]
        if out_dir:
            cmd += ["--out", str(out_dir)]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=300)

    def calls(self):
        return self.log.read_text().splitlines() if self.log.exists() else []


# ------------------------------------------------------------------ statistics ---------------
class CellCeilingTest(unittest.TestCase):
    def test_equal_goodput_split_follows_the_rates(self):
        # 20 and 10 Mbit/s per unit airtime, Jain 1 (equal goodput): a = 1/3, 2 x 6.67.
        total, split = cell_ceiling.ceiling([20.0, 10.0], 1.0, step=1 / 300)
        self.assertAlmostEqual(total, 40 / 3, places=2)
        self.assertAlmostEqual(split[0], 1 / 3, places=2)

    def test_no_fairness_gives_everything_to_the_fastest(self):
        total, split = cell_ceiling.ceiling([5.0, 30.0, 1.0], 0.0, step=0.05)
        self.assertAlmostEqual(total, 30.0)
        self.assertEqual(list(split), [0.0, 1.0, 0.0])

    def test_fairness_costs_total(self):
        e = [27.8, 21.9, 11.6, 2.0, 0.2]
        loose, _ = cell_ceiling.ceiling(e, 0.3)
        strict, _ = cell_ceiling.ceiling(e, 0.42)
        self.assertGreater(loose, strict)
        self.assertLess(strict, 27.8)

    def test_efficiencies_skip_stations_without_airtime(self):
        self.assertEqual(list(cell_ceiling.efficiencies([4.0, 1.0], [0.5, 0.0])), [8.0, 0.0])


class ConfidenceIntervalTest(unittest.TestCase):
    def test_t_quantiles_match_tables(self):
        known = {1: 12.706205, 2: 4.302653, 4: 2.776445, 9: 2.262157, 29: 2.045230, 1000: 1.962339}
        for df, t in known.items():
            self.assertAlmostEqual(plot.t_quantile(df), t, places=5, msg=f"df={df}")

    def test_t_mass_is_a_distribution(self):
        self.assertEqual(plot.t_two_sided_mass(0.0, 5), 0.0)
        self.assertAlmostEqual(plot.t_two_sided_mass(1e9, 7), 1.0, places=6)
        self.assertAlmostEqual(plot.t_two_sided_mass(1.0, 1), 0.5, places=12)  # Cauchy
        self.assertAlmostEqual(plot.t_quantile(9, 0.99), 3.249836, places=5)

    def test_mean_ci_known_values(self):
        mean, half, n = plot.mean_ci([1, 2, 3, 4, 5])
        self.assertEqual((mean, n), (3.0, 5))
        # s = sqrt(2.5), t(0.975, 4) = 2.776445
        self.assertAlmostEqual(half, 2.776445 * math.sqrt(2.5) / math.sqrt(5), places=5)
        mean, half, n = plot.mean_ci([10.0, 12.0])
        self.assertAlmostEqual(half, 12.706205 * math.sqrt(2.0) / math.sqrt(2), places=5)

    def test_mean_ci_edge_cases(self):
        self.assertEqual(plot.mean_ci([4.0, 4.0, 4.0])[:2], (4.0, 0.0))
        mean, half, n = plot.mean_ci([7.5])
        self.assertEqual((mean, n), (7.5, 1))
        self.assertTrue(math.isnan(half))
        self.assertEqual(plot.mean_ci([])[2], 0)
        self.assertEqual(
            plot.mean_ci([1.0, math.nan, 3.0])[:1] + (plot.mean_ci([1.0, math.nan, 3.0])[2],),
            (2.0, 2),
        )


# ------------------------------------------------------------------ CSV parsing --------------
class CsvParsingTest(unittest.TestCase):
    def write(self, text):
        fd, name = tempfile.mkstemp(suffix=".csv")
        os.close(fd)
        self.addCleanup(os.unlink, name)
        Path(name).write_text(text)
        return name

    def test_list_columns_and_types(self):
        # A file written before the trailing parameter columns existed stays readable.
        header = ",".join(cp.PARAM_COLUMNS + cp.RESULT_COLUMNS)
        bulk = (
            "tcp,up,bulk,2,0.3,0,1000,7,100,100Mbps,Cubic,200,0,5,1,3,"
            '12.5,"7.25 5.25",0.97,0,0,0,0,,10,0,4,1.2,0,0,1.5'
        )
        web = (
            "resoa,up,web,1,0.30,0,1000,7,100,100Mbps,linux,200,0,5,1,1,"
            "3.5,3.5,1,3,0.2167,0.2,0.35,0.1 0.2 0.35,1,2,0,1.1,0.5,1,2.0"
        )
        broken = "resoa,up,bulk,1"
        rows = cp.read_rows(self.write("\n".join([header, bulk, web, broken]) + "\n"))
        self.assertEqual(len(rows), 2)  # the truncated row is dropped
        b, w = rows
        self.assertEqual(b["per_client_mbps"], [7.25, 5.25])
        self.assertEqual(b["fcts"], [])
        self.assertEqual(b["goodput_mbps"], 12.5)
        self.assertEqual(b["system"], "tcp")
        self.assertEqual(b["run"], 3.0)
        self.assertEqual(w["fcts"], [0.1, 0.2, 0.35])
        self.assertEqual(w["per_client_mbps"], [3.5])
        self.assertEqual(w["flows_done"], 3.0)
        self.assertEqual(cp.classify(b).key, "tcp-cubic")
        self.assertEqual(cp.classify(w).key, "resoa")
        # "0.30" in the file is the same point as --frameLoss=0.3
        self.assertTrue(cp.matches(cp.point_key({"frameLoss": 0.3, "system": "resoa"}), w["_norm"]))

    def test_missing_columns_is_an_error(self):
        path = self.write("system,goodput_mbps\nresoa,3\n")
        with self.assertRaises(cp.SchemaError) as ctx:
            cp.read_rows(path)
        self.assertIn("frame_loss", str(ctx.exception))

    def test_bad_list_is_an_error(self):
        header = ",".join(cp.PARAM_COLUMNS + cp.RESULT_COLUMNS)
        row = (
            "tcp,up,bulk,2,0,0,1000,7,100,100Mbps,Cubic,200,0,5,1,3,1,1 x,1,0,0,0,0,,0,0,0,1,0,0,1"
        )
        with self.assertRaises(cp.SchemaError):
            cp.read_rows(self.write(header + "\n" + row + "\n"))

    def test_norm_value(self):
        self.assertEqual(cp.norm_value("0.30"), cp.norm_value(0.3))
        self.assertEqual(cp.norm_value("7"), cp.norm_value(7.0))
        self.assertEqual(cp.norm_value("ns3::TcpCubic"), cp.norm_value("Cubic"))
        self.assertNotEqual(cp.norm_value("0.1"), cp.norm_value("0.01"))


# ------------------------------------------------------------------ campaigns ----------------
class CampaignTest(unittest.TestCase):
    def test_points_cover_the_grid(self):
        for name, camp in cp.CAMPAIGNS.items():
            for mode in cp.MODES:
                pts = cp.points(camp, mode=mode)
                xs = camp.x_values(mode=mode)
                runs = cp.RUNS[mode]
                variants = camp.variants_for(mode)
                has_limit = any(v.key == "limit" for v in variants)
                expected = len(xs) * (len(variants) - has_limit) * runs
                expected += len(xs) * has_limit * min(runs, cp.LIMIT_RUNS[mode])
                self.assertEqual(len(pts), expected, (name, mode))
                if camp.x_flag:  # the swept value must reach the command line
                    self.assertEqual(sorted({p[camp.x_flag] for p in pts}), sorted(xs), name)
                keys = {tuple(sorted(cp.point_key(p).items())) for p in pts}
                self.assertEqual(len(keys), len(pts), f"{name}: two points share a CSV key")
                for p in pts:
                    self.assertTrue(set(p) <= set(cp.KNOWN_FLAGS), p)

    def test_headline_requirements(self):
        # >= 10 runs per point for every system, the limit included; >= 30 s windows.
        for mode in ("headline", "full"):
            self.assertGreaterEqual(cp.RUNS[mode], 10)
            self.assertGreaterEqual(cp.LIMIT_RUNS[mode], 10)
            self.assertGreaterEqual(cp.DURATION_S[mode], 30)
        all_keys = ["resoa", "nat", "tcp-linux", "tcp-cubic", "tcp", "tcp-rto200", "limit"]
        for name in ("loss", "burst", "interference", "rtt", "clients", "down-loss"):
            camp = cp.CAMPAIGNS[name]
            self.assertEqual([v.key for v in camp.variants], all_keys)
            for mode in ("headline", "quick"):
                keys = [v.key for v in camp.variants_for(mode)]
                self.assertEqual(keys, ["resoa", "tcp-cubic", "tcp", "limit"])
        # Best TCP is chosen between these two; NewReno/200 ms is only a footnote.
        self.assertEqual(cp.BEST_TCP_KEYS, ("tcp-cubic", "tcp"))
        self.assertTrue(cp.VARIANT_BY_KEY["tcp-rto200"].footnote)
        self.assertEqual(cp.VARIANT_BY_KEY["tcp-linux"].flags, {"system": "tcp", "tcp": "linux"})
        self.assertEqual(cp.CAMPAIGNS["web"].fixed["flows"], "web")
        self.assertEqual(cp.CAMPAIGNS["clients"].x_full, (1, 2, 4, 8))
        # The headline's fades are shared; the interference channel is per PHY on all frames.
        self.assertNotIn("fadeTimeline", cp.CAMPAIGNS["burst"].fixed)
        inter = cp.CAMPAIGNS["interference"].fixed
        self.assertEqual((inter["fadeTimeline"], inter["lossFrames"]), ("perPhy", "all"))
        self.assertEqual(cp.CAMPAIGNS["down-burst"].fixed["direction"], "down")
        for camp in cp.CAMPAIGNS.values():
            for mode in cp.MODES:
                d = cp.duration_s(camp, mode=mode)
                pts = cp.points(camp, mode=mode)
                self.assertTrue({p["duration"] for p in pts} <= {d})
                self.assertGreaterEqual(cp.run_timeout_s({"duration": d}), 10 * d)
                for p in pts:
                    if p["system"] == "limit":
                        self.assertEqual(p["limitRetries"], cp.LIMIT_MAC_RETRIES)

    def test_headline_points_are_full_points(self):
        # ./resoa run --full after ./resoa run resumes: every headline point is a full point.
        for name, camp in cp.CAMPAIGNS.items():
            full = {tuple(sorted(cp.point_key(p).items())) for p in cp.points(camp, mode="full")}
            for p in cp.points(camp, mode="headline"):
                self.assertIn(tuple(sorted(cp.point_key(p).items())), full, name)

    def test_headline_fits_in_30_minutes(self):
        jobs = [
            sweep.Job(i, cp.CAMPAIGNS[n], f)
            for n in cp.campaigns_for("headline")
            for i, f in enumerate(cp.points(cp.CAMPAIGNS[n], mode="headline"))
        ]
        est, source = sweep.estimate_jobs(Path("/nonexistent"), jobs)
        self.assertIn("cost model", source)
        self.assertLessEqual(est / 2, 30 * 60, f"headline estimate {est / 2 / 60:.1f} min")

    def test_flag_args(self):
        self.assertEqual(
            cp.flag_args({"system": "tcp", "minRto": 200, "frameLoss": 0.3, "duration": 5.0}),
            ["--system=tcp", "--minRto=200", "--frameLoss=0.3", "--duration=5"],
        )


# ------------------------------------------------------------------ sweep.py -----------------
class SweepArgumentTest(TempDirTest):
    def test_unknown_campaign(self):
        r = self.sweep("nosuch")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown campaign 'nosuch'", r.stderr)

    def test_bad_values(self):
        for args, text in (
            (["loss", "--jobs", "0"], "--jobs"),
            (["loss", "--runs", "abc"], "--runs"),
            (["loss", "--timeout", "-1"], "--timeout"),
            ([], "CAMPAIGN"),
        ):
            r = self.sweep(*args)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn(text, r.stderr, args)
        self.assertEqual(self.calls(), [])

    def test_missing_binary(self):
        r = self.sweep("web", "--quick", "--binary", str(self.tmp / "no-such-binary"), binary=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("not found", r.stderr)
        self.assertIn("no-such-binary", r.stderr)


class SweepRunTest(TempDirTest):
    def test_runs_every_point_once_and_resumes(self):
        r = self.sweep("web", "--full", "--runs", "2", "--jobs", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = data_rows(self.out / "web.csv")
        self.assertEqual(len(rows), 12)  # 6 variants (no limit for web) x 2 runs
        self.assertEqual(len(self.calls()), 12)
        self.assertEqual(
            sorted(
                {
                    (x["system"], x["tcp"], x["min_rto_ms"], x["run"])
                    for x in rows
                    if x["system"] == "tcp"
                }
            ),
            [
                ("tcp", "Cubic", "200", "1"),
                ("tcp", "Cubic", "200", "2"),
                ("tcp", "NewReno", "1000", "1"),
                ("tcp", "NewReno", "1000", "2"),
                ("tcp", "NewReno", "200", "1"),
                ("tcp", "NewReno", "200", "2"),
                ("tcp", "linux", "200", "1"),
                ("tcp", "linux", "200", "2"),
            ],
        )
        self.assertRegex(r.stderr, r"\[\s*\d+/12\]\s+\d+% eta \S+  system=")
        self.assertEqual(list(self.out.glob("*.part.*")), [])
        # A second run does nothing.
        r = self.sweep("web", "--full", "--runs", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("nothing to do", r.stdout)
        self.assertEqual(len(self.calls()), 12)
        self.assertEqual(len(data_rows(self.out / "web.csv")), 12)
        # Lose three rows: exactly those three points run again.
        lines = (self.out / "web.csv").read_text().splitlines()
        (self.out / "web.csv").write_text("\n".join(lines[:-3]) + "\n")
        r = self.sweep("web", "--full", "--runs", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(self.calls()), 15)
        rows = data_rows(self.out / "web.csv")
        keys = {(x["system"], x["tcp"], x["min_rto_ms"], x["run"]) for x in rows}
        self.assertEqual((len(rows), len(keys)), (12, 12))

    def test_failures_are_reported_and_others_kept(self):
        r = self.sweep("web", "--full", "--runs", "2", env={"FAKE_FAIL": "--system=nat"})
        self.assertEqual(r.returncode, 1)
        self.assertIn("2 of 12 run(s) FAILED", r.stderr)
        self.assertIn("exit status 3", r.stderr)
        self.assertIn("ns-3 says: something broke", r.stderr)  # stderr tail of the job
        self.assertRegex(r.stderr, r"FAILED: \S*resoa-compare --system=nat .*--run=[12] --csv=")
        rows = data_rows(self.out / "web.csv")
        self.assertEqual(len(rows), 10)
        self.assertNotIn("nat", {x["system"] for x in rows})
        r = self.sweep("web", "--full", "--runs", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(data_rows(self.out / "web.csv")), 12)
        self.assertEqual(len(self.calls()), 14)

    def test_merges_part_files_and_drops_stale_ones(self):
        self.out.mkdir()
        done = self.out / "web.csv.part.4242-0"  # e.g. a finished SLURM task
        subprocess.run(
            [
                str(self.fake),
                "--system=resoa",
                "--tcp=linux",
                "--direction=up",
                "--flows=web",
                "--clients=2",
                "--frameLoss=0.3",
                "--rtt=100",
                "--macRetries=7",
                "--duration=30",
                "--seed=1",
                "--run=1",
                f"--csv={done}",
            ],
            check=True,
            capture_output=True,
        )
        stale = self.out / "web.csv.part.local999999999-3"  # killed local job, header only
        stale.write_text(",".join(cp.COLUMNS) + "\n")
        self.log.unlink(missing_ok=True)
        r = self.sweep("web", "--full", "--runs", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("merged 1 row(s)", r.stdout)
        self.assertEqual(len(self.calls()), 5)  # 6 points, one recovered
        self.assertFalse(done.exists() or stale.exists())
        self.assertEqual(len(data_rows(self.out / "web.csv")), 6)

    def test_hung_run_times_out(self):
        r = self.sweep(
            "web", "--full", "--runs", "1", "--timeout", "0.5", env={"FAKE_SLEEP": "30"}
        )
        self.assertEqual(r.returncode, 1)
        self.assertIn("timed out after 0.5 s", r.stderr)
        self.assertIn("6 of 6 run(s) FAILED", r.stderr)
        self.assertFalse((self.out / "web.csv").exists())
        self.assertEqual(list(self.out.glob("*.part.*")), [])

    def test_old_schema_is_moved_aside(self):
        self.out.mkdir()
        (self.out / "web.csv").write_text("system,old_column\nresoa,1\n")
        r = self.sweep("web", "--full", "--runs", "1", "--jobs", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("not the current schema", r.stdout)
        old = list(self.out.glob("web.old-*.csv.txt"))
        self.assertEqual(len(old), 1)
        self.assertEqual(old[0].read_text(), "system,old_column\nresoa,1\n")
        self.assertEqual(len(data_rows(self.out / "web.csv")), 6)
        with contextlib.redirect_stdout(io.StringIO()):
            self.assertEqual(plot.main(["--in", str(self.out)]), 0)  # the old file is not read

    def test_binary_with_another_schema_stops_the_sweep(self):
        # A binary whose header differs from the file's stops the sweep (no mixed rows).
        self.out.mkdir()
        (self.out / "web.csv").write_text(",".join(cp.COLUMNS) + "\n")
        other = self.tmp / "other"
        other.mkdir()
        fake = write_fake(other)
        fake.write_text(fake.read_text().replace(',sim_cpu_s").split', '").split'))
        r = self.sweep("web", "--full", "--runs", "1", "--jobs", "1", "--binary", str(fake),
                       binary=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("header differs", r.stderr)

    def test_slurm_script(self):
        camp = cp.CAMPAIGNS["loss"]
        expected = len(cp.points(camp, quick=True, runs=3))
        script = self.tmp / "loss.sbatch"
        r = self.sweep("loss", "--quick", "--runs", "3", "--slurm", str(script))
        self.assertEqual(r.returncode, 0, r.stderr)
        text = script.read_text()
        self.assertIn(f"#SBATCH --array=0-{expected - 1}\n", text)
        points = (self.tmp / "loss.points").read_text().splitlines()
        self.assertEqual(len(points), expected)
        self.assertEqual(self.calls(), [])  # nothing ran
        # Run array task 5 the way SLURM would, then let sweep merge it.
        env = dict(
            os.environ, SLURM_ARRAY_TASK_ID="5", SLURM_ARRAY_JOB_ID="77", FAKE_LOG=str(self.log)
        )
        subprocess.run(["bash", str(script)], check=True, env=env, capture_output=True)
        self.assertEqual(
            self.calls(),
            [points[5].split("\t", 1)[1] + f" --csv={self.out.resolve()}/loss.csv.part.77-5"],
        )
        r = self.sweep("loss", "--quick", "--runs", "3", "--slurm", str(script))
        self.assertIn("merged 1 row(s)", r.stdout)
        self.assertIn(f"#SBATCH --array=0-{expected - 2}\n", script.read_text())
        self.assertNotIn(points[5], (self.tmp / "loss.points").read_text())

    def test_slurm_script_time_limit(self):
        script = self.tmp / "loss.sbatch"
        r = self.sweep("loss", "--quick", "--runs", "1", "--slurm", str(script))
        self.assertEqual(r.returncode, 0, r.stderr)
        # One point per task: the per-run timeout of a 2-s quick run (120 s) -> 2 minutes.
        self.assertIn("#SBATCH --time=0-00:02:00\n", script.read_text())
        r = self.sweep("loss", "--quick", "--runs", "1", "--timeout", "0", "--slurm", str(script))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("#SBATCH --time", script.read_text())
        self.assertEqual(sweep.slurm_time(1), "0-00:01:00")
        self.assertEqual(sweep.slurm_time(2 * 1800), "0-01:00:00")
        self.assertEqual(sweep.slurm_time(26 * 3600 + 61), "1-02:02:00")

    def test_slurm_array_is_capped_and_tasks_run_several_points(self):
        # SLURM's default MaxArraySize (1001) rejects `--array=0-1809` (the full campaign):
        # with more points than --slurm-max-array, task T runs points T, T+N, T+2N, ...
        expected = len(cp.points(cp.CAMPAIGNS["loss"], quick=True, runs=3))  # 24
        script = self.tmp / "loss.sbatch"
        r = self.sweep(
            "loss", "--quick", "--runs", "3", "--slurm", str(script), "--slurm-max-array", "8"
        )
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"8 array tasks for {expected} points", r.stdout)
        text = script.read_text()
        self.assertIn("#SBATCH --array=0-7\n", text)
        per_task = -(-expected // 8)
        self.assertEqual(per_task, 3)
        self.assertIn("#SBATCH --time=0-00:06:00\n", text)  # 3 points x 120 s
        points = (self.tmp / "loss.points").read_text().splitlines()
        self.assertEqual(len(points), expected)
        out = self.out.resolve()
        # Task 5 runs points 5, 13 and 21; one failing run does not stop the others, but
        # the task's exit status reports it.
        env = dict(
            os.environ, SLURM_ARRAY_TASK_ID="5", SLURM_ARRAY_JOB_ID="77", FAKE_LOG=str(self.log),
            FAKE_FAIL=points[13].split("\t", 1)[1],
        )
        r = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True)
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertEqual(
            self.calls(),
            [points[i].split("\t", 1)[1] + f" --csv={out}/loss.csv.part.77-{i}"
             for i in (5, 13, 21)],
        )
        # Every other task, as SLURM would run them, then a merge that writes no script.
        env.pop("FAKE_FAIL")
        for task in range(8):
            env["SLURM_ARRAY_TASK_ID"] = str(task)
            subprocess.run(["bash", str(script)], check=True, env=env, capture_output=True)
        self.assertEqual(len(self.calls()), 3 + expected)
        r = self.sweep("loss", "--quick", "--runs", "3", "--slurm", str(script))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"merged {expected} row(s)", r.stdout)
        self.assertIn("no script written", r.stdout)
        self.assertEqual(len(data_rows(self.out / "loss.csv")), expected)
        self.assertEqual(list(self.out.glob("*.part.*")), [])


# ------------------------------------------------------------------ end to end ---------------
class EndToEndTest(TempDirTest):
    def test_sweep_then_plot(self):
        r = self.sweep("all", "--quick", "--runs", "3", "--jobs", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("estimated wall time", r.stdout)
        names = cp.campaigns_for("quick")
        self.assertIn("interference", names)
        for name in names:
            self.assertTrue((self.out / f"{name}.csv").exists(), name)
        r = self.plot(self.out)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        for name in names:
            png = cp.CAMPAIGNS[name].figure
            data = (self.out / png).read_bytes()
            self.assertEqual(data[:8], b"\x89PNG\r\n\x1a\n", png)
            self.assertGreater(len(data), 20000, png)
        summary = (self.out / "summary.md").read_text()

        rows = data_rows(self.out / "loss.csv")

        def values(system, loss, tcp=None, rto=None, col="goodput_mbps"):
            vals = [
                float(x[col])
                for x in rows
                if x["system"] == system
                and float(x["frame_loss"]) == loss
                and (tcp is None or x["tcp"] == tcp)
                and (rto is None or x["min_rto_ms"] == rto)
            ]
            self.assertEqual(len(vals), 3)
            return vals

        def mean(*a, **k):
            v = values(*a, **k)
            return sum(v) / len(v)

        heavy = max(float(x["frame_loss"]) for x in rows)
        resoa, tcp = mean("resoa", heavy), mean("tcp", heavy, "NewReno", "1000")
        section = summary.split("### ReSoA ÷ TCP at the heaviest loss point")[1].split("###")[0]
        self.assertIn("frame loss 30 %", section)
        self.assertIn(
            f"| TCP NewReno, minRto 1 s (ns-3) | {resoa:.2f} | {tcp:.2f} | {resoa / tcp:.2f} |",
            section,
        )
        cubic = mean("tcp", heavy, "Cubic", "200")
        self.assertIn(f"| {resoa:.2f} | {cubic:.2f} | {resoa / cubic:.2f} |", section)
        # Best TCP is the better of Cubic/200 ms and NewReno/1 s, never the Linux-like row.
        best_label = "TCP Cubic, minRto 200 ms" if cubic >= tcp else "TCP NewReno, minRto 1 s (ns-3)"
        self.assertIn(f"| {best_label} — best TCP baseline |", section)

        resoa0, tcp0 = mean("resoa", 0.0), mean("tcp", 0.0, "NewReno", "1000")
        section = summary.split("### ReSoA ÷ TCP on a clean link")[1].split("###")[0]
        self.assertIn(
            f"| TCP NewReno, minRto 1 s (ns-3) | {resoa0:.2f} | {tcp0:.2f} | {resoa0 / tcp0:.2f} |",
            section,
        )

        # Per point: ReSoA ÷ best TCP and ÷ the limit both ways, with CIs from the same rows.
        section = summary.split("### ReSoA ÷ best TCP and ÷ limit, per point")[1].split("###")[0]
        for loss in (0.0, 0.3):
            res = plot.mean_ci(values("resoa", loss))
            lim = plot.mean_ci(values("limit", loss))
            same = plot.mean_ci(values("limit", loss, col="limit_same_mbps"))
            cands = [plot.mean_ci(values("tcp", loss, "Cubic", "200")),
                     plot.mean_ci(values("tcp", loss, "NewReno", "1000"))]
            best = max(cands, key=lambda t: t[0])
            line = next(
                ln for ln in section.splitlines()
                if ln.startswith(f"| loss | {plot.point_label(cp.CAMPAIGNS['loss'], loss)} |")
            )
            cells = [c.strip() for c in line.strip("|").split("|")]
            self.assertEqual(cells[2], plot.fmt_ci(*res))
            self.assertTrue(cells[3].startswith(plot.fmt_ci(*best)), cells[3])
            self.assertEqual(cells[4], plot.fmt_ratio(res, best))
            self.assertEqual(cells[6], plot.fmt_ci(*lim))
            self.assertEqual(cells[7], plot.fmt_ci(*same))
            self.assertEqual(cells[8], plot.fmt_ratio(res, lim))
            self.assertEqual(cells[9], plot.fmt_ratio(res, same))
            r_, h_ = plot.ratio_ci(res, lim)
            self.assertAlmostEqual(r_, res[0] / lim[0])
        # The goodput table cell is mean ± CI of the same rows.
        m, h, _ = plot.mean_ci(values("resoa", heavy))
        self.assertIn(f"| 30 | {m:.2f} ± {h:.2f} |", summary)
        self.assertIn("Jain fairness index", summary)
        self.assertIn("| ReSoA (server TCP Linux-like) | ", summary.split("## web")[1])
        # 3 runs are fewer than 10: every point is listed in the CI section.
        ci = summary.split("## Confidence intervals")[1].split("\n## ")[0]
        self.assertIn("fewer than 10 runs", ci)
        # The channel disclosures and the server's TCP profile are in the summary.
        self.assertIn(cp.SHARED_FADES, summary)
        self.assertIn(cp.PERPHY_FADES, summary)
        self.assertIn("ReSoA's server TCP: linux profile", summary)

    def test_ci_section_lists_wide_intervals(self):
        camp = cp.CAMPAIGNS["loss"]
        header = ",".join(cp.COLUMNS)

        def row(system, tcp, rto, run, goodput):
            vals = dict.fromkeys(cp.COLUMNS, "0")
            vals.update(system=system, direction="up", flows="bulk", clients="1",
                        burst_good_ms="1000", mac_retries="7", rtt_ms="100",
                        link_rate="100Mbps", tcp=tcp, min_rto_ms=rto, duration_s="30",
                        seed="1", run=str(run), goodput_mbps=str(goodput), per_client_mbps="",
                        fcts="", airtime_share="", warmup_s="2", limit_same_mbps="")
            return ",".join(vals[c] for c in cp.COLUMNS)

        lines = [header]
        for run in range(1, 11):
            lines.append(row("resoa", "linux", "200", run, 20 + (run % 2) * 0.2))  # narrow
            lines.append(row("tcp", "linux", "200", run, 5 + (run % 2) * 6))  # wide
        path = self.tmp / "loss.csv"
        path.write_text("\n".join(lines) + "\n")
        rows = plot.dedupe(cp.read_rows(path))
        series = plot.group(rows, camp)
        text = "\n".join(plot.ci_section({"loss": {"campaign": camp, "series": series}}))
        self.assertIn("TCP Linux-like", text)
        self.assertNotIn("ReSoA", text)
        self.assertIn("1 of 2 plotted means miss the 10 % target", text)
        m, h, n = plot.mean_ci([5 + (r % 2) * 6 for r in range(1, 11)])
        self.assertIn(f"{100 * h / m:.0f} %", text)

    def test_ratios_follow_the_data(self):
        self.sweep("loss", "--quick", "--runs", "2")
        src = self.out / "loss.csv"
        doubled = self.tmp / "doubled"
        doubled.mkdir()
        with open(src, newline="") as f, open(doubled / "loss.csv", "w", newline="") as g:
            reader = csv.DictReader(f)
            w = csv.DictWriter(g, reader.fieldnames, lineterminator="\n")
            w.writeheader()
            for row in reader:
                if row["system"] == "resoa":
                    row["goodput_mbps"] = str(2 * float(row["goodput_mbps"]))
                w.writerow(row)
        ratios = []
        for d in (self.out, doubled):
            r = self.plot(d)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("skip goodput-vs-burst.png", r.stdout)  # no burst.csv here
            text = (d / "summary.md").read_text()
            section = text.split("### ReSoA ÷ TCP at the heaviest loss point")[1].split("###")[0]
            line = next(
                ln for ln in section.splitlines() if ln.startswith("| TCP NewReno, minRto 1 s")
            )
            ratios.append(float(line.rstrip(" |").rsplit("|", 1)[1]))
        self.assertAlmostEqual(ratios[1], 2 * ratios[0], delta=0.02)
        self.assertTrue((doubled / "goodput-vs-loss.png").exists())
        self.assertFalse((doubled / "fct-cdf.png").exists())

    def test_plot_without_results(self):
        empty = self.tmp / "empty"
        empty.mkdir()
        r = self.plot(empty)
        self.assertEqual(r.returncode, 1)
        self.assertIn("not found", r.stdout)
        self.assertIn("nothing written", r.stderr)
        self.assertFalse((empty / "summary.md").exists())
        r = self.plot(self.tmp / "missing-dir")
        self.assertEqual(r.returncode, 2)


if __name__ == "__main__":
    unittest.main()
