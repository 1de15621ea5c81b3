"""Tests of analysis/slurm_local.py's pieces that need no root and no SLURM: the row
comparison, the job-completion log parser and the sweep.py command lines.

    /usr/bin/python3 -m unittest discover -s analysis -p 'test_*.py'

The bench itself (daemons, sbatch) runs only under `./resoa bench slurm` (root).
"""

import csv
import os
import shutil
import tempfile
import unittest
from pathlib import Path

import campaigns as cp
import slurm_local as sl


def row(**kw):
    r = {c: "" for c in cp.COLUMNS}
    r.update(system="resoa", direction="up", flows="bulk", clients="1", frame_loss="0",
             burst_bad_ms="200", burst_good_ms="1000", mac_retries="7", rtt_ms="100",
             link_rate="100Mbps", tcp="linux", min_rto_ms="200", bytes="0", duration_s="2",
             seed="1", run="1", goodput_mbps="21.5", sim_wall_s="3.1", sim_cpu_s="2.9")
    r.update({k: str(v) for k, v in kw.items()})
    return r


def write(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cp.COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


class CompareTest(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="resoa-slurm-test-"))
        self.a, self.b = self.tmp / "slurm", self.tmp / "local"
        self.a.mkdir()
        self.b.mkdir()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_identical_but_for_wall_and_cpu_time_in_another_order(self):
        write(self.a / "burst.csv", [row(run=1), row(run=2, goodput_mbps="20.1")])
        write(self.b / "burst.csv", [row(run=2, goodput_mbps="20.1", sim_wall_s="9"),
                                     row(run=1, sim_cpu_s="7.5")])
        [(name, s, l, same, problems)] = sl.compare(self.a, self.b, ["burst"])
        self.assertEqual((name, s, l, same, problems), ("burst", 2, 2, 2, []))

    def test_a_different_result_or_a_missing_point_is_reported(self):
        write(self.a / "burst.csv", [row(run=1), row(run=2), row(run=3)])
        write(self.b / "burst.csv", [row(run=1, goodput_mbps="21.6"), row(run=2)])
        [(_, s, l, same, problems)] = sl.compare(self.a, self.b, ["burst"])
        self.assertEqual((s, l, same), (3, 2, 1))
        self.assertEqual(len(problems), 2)
        self.assertIn("only in the SLURM CSV", problems[0])
        self.assertIn("goodput_mbps '21.5' != '21.6'", problems[1])

    def test_missing_file_counts_as_no_rows(self):
        write(self.a / "web.csv", [row(flows="web")])
        [(_, s, l, same, problems)] = sl.compare(self.a, self.b, ["web"])
        self.assertEqual((s, l, same), (1, 0, 0))
        self.assertTrue(any("headers differ" in p for p in problems))


class JobRecordsTest(unittest.TestCase):
    def test_array_tasks_from_jobcomp_filetxt(self):
        line = ("JobId={id} UserId=root(0) GroupId=root(0) Name=resoa-burst-web "
                "JobState={state} Partition=bench TimeLimit=2 NodeList=localhost "
                "ArrayJobId={job} ArrayTaskId={task} DerivedExitCode=0:0 ExitCode={code} ")
        with tempfile.NamedTemporaryFile("w", delete=False) as f:
            f.write(line.format(id=2, state="COMPLETED", job=1, task=0, code="0:0") + "\n")
            f.write(line.format(id=3, state="FAILED", job=1, task=1, code="3:0") + "\n")
            f.write(line.format(id=9, state="COMPLETED", job=8, task=0, code="0:0") + "\n")
        try:
            recs = sl.job_records(Path(f.name), "1")
        finally:
            os.unlink(f.name)
        self.assertEqual(recs, {"0": ("COMPLETED", "0:0"), "1": ("FAILED", "3:0")})
        self.assertEqual(sl.job_records(Path(f.name), "1"), {})  # gone: no records


class SweepCommandTest(unittest.TestCase):
    def test_mode_flags(self):
        args = sl.parse_args(["--campaigns", "loss", "--mode", "quick", "--runs", "3",
                              "--binary", "/x/resoa-compare"])
        cmd = sl.sweep_cmd(args, Path("/o"), "--jobs", "2")
        self.assertEqual(cmd[1:], [str(sl.SWEEP), "loss", "--runs", "3", "--out", "/o",
                                   "--binary", "/x/resoa-compare", "--quick", "--jobs", "2"])
        args = sl.parse_args(["--mode", "headline"])
        self.assertNotIn("--headline", sl.sweep_cmd(args, Path("/o")))


if __name__ == "__main__":
    unittest.main()
