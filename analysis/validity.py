#!/usr/bin/python3
"""Validity checks of the plain-TCP baseline (resoa issue 4, item 8).

1. Plain TCP under i.i.d. residual loss against the Mathis and Padhye models. With i.i.d.
   post-reception loss p on data frames and MAC ACKs and a MAC limit of N transmissions, a
   frame is lost above the MAC with probability p**N (docs/channel-loss.md), so TCP sees a
   segment loss rate of p**N.
2. Lossless single-STA TCP against the 802.11a TCP payload limit (about 27 Mbit/s).

Runs build/examples/resoa-compare directly and writes results/validity.csv and
results/validity.md. Usage: validity.py [--quick] [--binary PATH] [--out DIR]
"""
import argparse
import csv
import io
import math
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MSS = 1448 * 8  # bits
TCP_80211A_LIMIT = 27.0  # Mbit/s, DESIGN.md §6 anchor


def mathis(rtt, p):
    """Mathis et al. 1997: MSS/RTT * sqrt(3/2) / sqrt(p), in Mbit/s."""
    return MSS / rtt * math.sqrt(1.5) / math.sqrt(p) / 1e6


def padhye(rtt, p, t0, b=2):
    """Padhye et al. 1998 (full model without the receiver-window cap), in Mbit/s."""
    denom = rtt * math.sqrt(2 * b * p / 3) + t0 * min(1, 3 * math.sqrt(3 * b * p / 8)) * p * (
        1 + 32 * p * p)
    return MSS / denom / 1e6


def run(binary, args):
    out = subprocess.run([binary] + args, check=True, capture_output=True, text=True).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    return rows[-1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer points, shorter runs")
    ap.add_argument("--binary", default=os.path.join(ROOT, "build/examples/resoa-compare"))
    ap.add_argument("--out", default=os.path.join(ROOT, "results"))
    a = ap.parse_args()
    if not os.access(a.binary, os.X_OK):
        sys.exit(f"validity.py: {a.binary} not found; run ./resoa build first")
    os.makedirs(a.out, exist_ok=True)
    runs = 2 if a.quick else 4
    duration = "10" if a.quick else "30"
    rtt_ms = 100
    points = [(0.3, 3), (0.5, 4)] if a.quick else [(0.3, 2), (0.3, 3), (0.5, 3), (0.5, 4)]
    lines = ["| frame loss p | MAC tx N | residual p^N | MinRto | measured Mbit/s | Mathis | "
             "Padhye | measured/Padhye |", "|---|---|---|---|---|---|---|---|"]
    table = []
    for p, n in points:
        for min_rto in (200, 1000):
            goodputs = []
            for r in range(1, runs + 1):
                row = run(a.binary, ["--system=tcp", f"--frameLoss={p}", f"--macRetries={n}",
                                     f"--rtt={rtt_ms}", f"--minRto={min_rto}",
                                     f"--duration={duration}", f"--run={r}"])
                goodputs.append(float(row["goodput_mbps"]))
            g = statistics.mean(goodputs)
            pr = p ** n
            rtt = rtt_ms / 1000 + 0.002  # wired RTT plus the wireless hop
            t0 = max(min_rto / 1000, rtt + 0.2)
            m, pd = mathis(rtt, pr), padhye(rtt, pr, t0)
            table.append(dict(p=p, n=n, residual=pr, min_rto_ms=min_rto, measured=g,
                              mathis=m, padhye=pd))
            lines.append(f"| {p} | {n} | {pr:.4f} | {min_rto} ms | {g:.2f} | {m:.2f} | "
                         f"{pd:.2f} | {g / pd:.2f} |")
            print(lines[-1], flush=True)
    clean = [float(run(a.binary, ["--system=tcp", "--minRto=200", f"--duration={duration}",
                                  f"--run={r}"])["goodput_mbps"]) for r in range(1, runs + 1)]
    c = statistics.mean(clean)
    with open(os.path.join(a.out, "validity.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(table[0].keys()))
        w.writeheader()
        w.writerows(table)
    with open(os.path.join(a.out, "validity.md"), "w") as f:
        f.write("# Validity of the plain-TCP baseline\n\n")
        f.write(f"NewReno, RTT {rtt_ms} ms, MSS 1448, {runs} runs of {duration} s per point; "
                "model T0 = max(MinRto, RTT + 200 ms).\n\n")
        f.write("\n".join(lines) + "\n\n")
        f.write(f"Lossless single-STA TCP: {c:.2f} Mbit/s against the 802.11a TCP payload "
                f"limit of about {TCP_80211A_LIMIT} Mbit/s: {c / TCP_80211A_LIMIT:.2f} of it "
                f"(delta {c - TCP_80211A_LIMIT:+.2f} Mbit/s).\n")
    print(f"lossless TCP {c:.2f} Mbit/s ({c / TCP_80211A_LIMIT:.2f} of {TCP_80211A_LIMIT})")


if __name__ == "__main__":
    main()
