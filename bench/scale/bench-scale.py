#!/usr/bin/python3
"""./resoa bench scale: what simulating 10, 50 and 100 stations costs, ReSoA against TCP.

Runs build/bench/resoa-bench-scale once per (traffic, stations, system), each in its own
process so the peak RSS is that scenario's, ReSoA and plain TCP alternating. Prints a table
with the ReSoA / TCP ratios of wall time, and the memory each added station costs (the slope
of peak RSS over the station count), ReSoA's beside TCP's. Figures only; never fails on them.
Writes results/bench-scale/scale.csv (one row per run, every parameter) and summary.md.
"""

import argparse
import csv
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GOAL_KIB_PER_CLIENT = 64  # issue 12.6: ReSoA's model memory per client beyond ns-3's own


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--stations", default="10,50,100", help="station counts, comma-separated")
    p.add_argument("--flows", default="bulk,web", help="bulk and/or web, comma-separated")
    p.add_argument("--duration", type=int, default=29,
                   help="simulated seconds of traffic after the 1-s start (default 29: 30 s)")
    p.add_argument("--quick", action="store_true", help="10 and 50 stations, 5 s, bulk only")
    p.add_argument("--out", default=str(REPO / "results" / "bench-scale"))
    p.add_argument("--binary", default=None)
    a = p.parse_args(argv)
    if a.quick:
        a.stations, a.flows, a.duration = "10,50", "bulk", 5
    try:
        a.stations = [int(x) for x in a.stations.split(",")]
    except ValueError:
        p.error(f"--stations must be integers, got {a.stations!r}")
    if not a.stations or any(n < 1 or n > 1000 for n in a.stations):
        p.error("--stations must be in 1..1000")
    a.flows = a.flows.split(",")
    if any(f not in ("bulk", "web") for f in a.flows):
        p.error("--flows takes bulk and/or web")
    if a.duration < 1:
        p.error("--duration must be >= 1")
    build = Path(os.environ.get("RESOA_BUILD_DIR", REPO / "build"))
    a.binary = Path(a.binary or build / "bench" / "resoa-bench-scale")
    if not a.binary.exists():
        p.error(f"{a.binary} not built (./resoa bench scale builds it)")
    return a


def run_one(binary, system, flows, stations, duration):
    out = subprocess.run(
        [str(binary), f"--system={system}", f"--flows={flows}", f"--stations={stations}",
         f"--duration={duration}"],
        check=True, capture_output=True, text=True,
    ).stdout
    line = [l for l in out.splitlines() if l.startswith("system=")][-1]
    row = dict(kv.split("=", 1) for kv in line.split())
    return row


def slope_kib(rows, system, flows):
    pts = sorted((int(r["stations"]), int(r["peak_rss_kib"])) for r in rows
                 if r["system"] == system and r["flows"] == flows)
    if len(pts) < 2 or pts[-1][0] == pts[0][0]:
        return float("nan")
    return (pts[-1][1] - pts[0][1]) / (pts[-1][0] - pts[0][0])


def main(argv):
    a = parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    total = len(a.flows) * len(a.stations) * 2
    for flows in a.flows:
        for n in a.stations:
            for system in ("resoa", "tcp"):
                print(f"[{len(rows) + 1}/{total}] {system} {flows} {n} stations, "
                      f"{a.duration + 1} s simulated", flush=True)
                rows.append(run_one(a.binary, system, flows, n, a.duration))
    with open(out / "scale.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)

    lines = [
        f"# bench scale: {a.duration + 1} s simulated per run, one run per point",
        "",
        "| traffic | stations | wall s ReSoA / TCP | ratio | events/s ReSoA / TCP | "
        "peak RSS MiB ReSoA / TCP | goodput Mbit/s ReSoA / TCP | stations delivering |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for flows in a.flows:
        for n in a.stations:
            r = next(x for x in rows if x["system"] == "resoa" and x["flows"] == flows
                     and int(x["stations"]) == n)
            t = next(x for x in rows if x["system"] == "tcp" and x["flows"] == flows
                     and int(x["stations"]) == n)
            rw, tw = float(r["wall_s"]), float(t["wall_s"])
            lines.append(
                f"| {flows} | {n} | {rw:.1f} / {tw:.1f} | {rw / tw:.2f} | "
                f"{float(r['events_per_s']):.0f} / {float(t['events_per_s']):.0f} | "
                f"{int(r['peak_rss_kib']) / 1024:.1f} / {int(t['peak_rss_kib']) / 1024:.1f} | "
                f"{float(r['goodput_mbps']):.2f} / {float(t['goodput_mbps']):.2f} | "
                f"{r['stations_delivering']} / {t['stations_delivering']} |")
    lines.append("")
    for flows in a.flows:
        rs, ts = slope_kib(rows, "resoa", flows), slope_kib(rows, "tcp", flows)
        lines.append(
            f"- {flows}: memory per added station {rs:.1f} KiB with ReSoA, {ts:.1f} KiB with "
            f"TCP: ReSoA's model costs {rs - ts:+.1f} KiB per client beyond the simulation of "
            f"the same stations with their own TCP/IP (goal: at most {GOAL_KIB_PER_CLIENT} KiB "
            f"of model memory per client).")
    lines.append("- Goal: ReSoA's wall time at most TCP's in the same run (ratio <= 1).")
    text = "\n".join(lines) + "\n"
    (out / "summary.md").write_text(text)
    print(text)
    print(f"bench scale: {out / 'scale.csv'} and {out / 'summary.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
