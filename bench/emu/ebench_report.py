# SPDX-License-Identifier: GPL-2.0-only
"""The table and CSVs of bench-emu.py: emu-runs.csv and sim-runs.csv (one row per run, every
parameter), sim-compare.csv (resoa-compare's own rows), summary.csv and summary.md."""
import csv
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "realnet"))
import rbench_report  # noqa: E402
import rbench_stats as st  # noqa: E402

RUN_COLUMNS = [
    "timestamp", "mode", "system", "point", "loss_model", "frame_loss", "fade_bad_ms",
    "fade_good_ms", "mac_retries", "size_bytes", "seed", "run", "rep", "ok", "error", "sha_ok",
    "goodput_mbps", "seconds", "connect_s", "first_byte_s", "http_code", "lag_ok", "lag_flag",
    "lag_max_ms", "lag_max_at_s", "lag_p99_ms", "lag_p50_ms", "lag_mean_ms", "lag_samples",
    "emu_sim_s", "emu_wall_s", "emu_exit", "loss_measured", "data_corrupted", "data_seen",
    "mac_attempts_lost", "mac_given_up", "fades", "associations", "deassoc", "server_frames",
    "client_frames", "client_frames_out", "hop_lost_down", "mac_retx", "lhp_retx", "tcp_retx", "cc", "tcp_cc", "min_rto_ms",
    "sim_rtt_ms", "sim_wall_s", "sim_cpu_s", "loadavg_start", "loadavg_end", "kernel", "cores",
    "commit"]
SUMMARY_COLUMNS = [
    "point", "loss_model", "frame_loss", "fade_bad_ms", "fade_good_ms", "mac_retries",
    "size_bytes", "metric", "system", "emu_n", "emu_flagged", "emu_median", "emu_ci_low",
    "emu_ci_high", "sim_n", "sim_median", "sim_ci_low", "sim_ci_high", "emu_over_sim",
    "agreement", "emu_lag_max_ms", "emu_lag_p99_ms_median", "kernel_cc", "sim_tcp", "sim_rtt_ms", "sim_rtt_effective_ms",
    "estimator", "kernel", "cores", "commit"]
LABEL = {"resoa": "ReSoA", "tcp": "TCP", "ratio": "ReSoA÷TCP"}


def machine_info(wall_seconds):
    return rbench_report.machine_info(None, wall_seconds)


def _used(rows, mode, point, system, keep_flagged):
    return [r for r in rows if r["mode"] == mode and r["point"] == point and
            r["system"] == system and r["ok"] and (keep_flagged or r.get("lag_ok") != 0)]


def _stats(values):
    lo, hi = st.geo_ci(values)
    return {"n": len(values), "median": st.median(values), "lo": lo, "hi": hi}


def _ratios(rows, mode, point, keep_flagged):
    """ReSoA÷TCP per run pair (same run number: same RNG run, back to back)."""
    tcp = {r["rep"]: r["goodput_mbps"] for r in _used(rows, mode, point, "tcp", keep_flagged)}
    return [r["goodput_mbps"] / tcp[r["rep"]] for r in _used(rows, mode, point, "resoa",
                                                              keep_flagged)
            if tcp.get(r["rep"])]


def _overlap(a, b):
    if None in (a["lo"], a["hi"], b["lo"], b["hi"]):
        return None
    return a["lo"] <= b["hi"] and b["lo"] <= a["hi"]


def summarize(args, rows):
    out = []
    for point in args.points:
        name = point["name"]
        for system in list(args.systems) + (["ratio"] if len(args.systems) == 2 else []):
            if system == "ratio":
                emu = _stats(_ratios(rows, "emu", name, args.keep_flagged))
                sim = _stats(_ratios(rows, "sim", name, True))
                runs = []
            else:
                emu = _stats([r["goodput_mbps"] for r in _used(rows, "emu", name, system,
                                                               args.keep_flagged)])
                sim = _stats([r["goodput_mbps"] for r in _used(rows, "sim", name, system, True)])
                runs = [r for r in rows if r["mode"] == "emu" and r["point"] == name and
                        r["system"] == system and "lag_max_ms" in r]
            ratio = emu["median"] / sim["median"] if emu["median"] and sim["median"] else None
            overlap = _overlap(emu, sim)
            if ratio is None:
                agreement = ""
            elif overlap:
                agreement = "CIs overlap"
            elif overlap is None:
                agreement = "emu %+.1f %%, no CI (n < 2)" % (100 * (ratio - 1))
            else:
                agreement = "emu %+.1f %%, CIs apart" % (100 * (ratio - 1))
            out.append({
                "point": point, "system": system, "emu": emu, "sim": sim, "ratio": ratio,
                "agreement": agreement,
                "flagged": sum(1 for r in runs if r.get("lag_ok") == 0),
                "lag_max": max((r["lag_max_ms"] for r in runs), default=None),
                "lag_p99": st.median([r["lag_p99_ms"] for r in runs]) if runs else None})
    return out


def _num(x, digits=3):
    if x is None or x == "":
        return "–"
    if abs(x) >= 100:
        return "%.0f" % x
    if abs(x) >= 10:
        return "%.1f" % x
    return "%.*g" % (digits, x)


def _cell(s):
    if not s["n"]:
        return "–"
    text = _num(s["median"])
    if s["lo"] is not None:
        text += " [%s, %s]" % (_num(s["lo"]), _num(s["hi"]))
    return text + (" (n=%d)" % s["n"])


def table(args, summary, meta):
    probe = meta.get("probe") or {}
    head = (
        "ns-3's emulated 802.11a hop (54/24 Mbit/s, MAC retries %d) between real namespaces, "
        "download of %d bytes (%.1f MiB) by curl, hash-checked; %d run(s) per point and system. "
        "Emulation: kernel TCP %s, emulated path idle RTT %s ms (TCP connect), loaded sRTT %s ms. "
        "Simulation: resoa-compare --direction=down --bytes=%d --tcp=%s --rtt=%s (wired RTT in "
        "effect %s ms). "
        "%s, %s cores (%s); commit %s; %s; wall %s s; load average at the end %s." % (
            args.mac_retries, args.size, args.size_mib, args.runs, meta.get("cc") or "–",
            _num(probe.get("idle_rtt_ms")), _num(probe.get("loaded_srtt_ms_median")),
            args.size, args.sim_tcp, _num(meta.get("sim_rtt_ms")),
            _num(meta.get("sim_rtt_effective_ms")), meta["kernel"],
            meta["cores"], meta["cpu"], meta["commit"], meta["date"], meta["wall_seconds"],
            meta["loadavg_end"]))
    lines = ["| point | system | emulation, Mbit/s | simulation, Mbit/s | emu ÷ sim | "
             "agreement | lag max (worst run) | lag p99 (median run) | runs flagged |",
             "|---|---|---|---|---|---|---|---|---|"]
    for s in summary:
        unit_ratio = s["system"] == "ratio"
        lines.append("| %s | %s%s | %s | %s | %s | %s | %s | %s | %s |" % (
            s["point"]["name"], LABEL[s["system"]], " (per run pair)" if unit_ratio else "",
            _cell(s["emu"]), _cell(s["sim"]), _num(s["ratio"]), s["agreement"],
            "" if unit_ratio else "%s ms" % _num(s["lag_max"]),
            "" if unit_ratio else "%s ms" % _num(s["lag_p99"]),
            "" if unit_ratio else str(s["flagged"])))
    notes = (
        "Cells: median [95 %% CI of the geometric mean: Student t on logs] (n = runs used). "
        "Goodput = file size / curl's time_total (connection set-up included) in the emulation, "
        "and bytes / time from the start of the transfer in the simulation (resoa-compare "
        "--bytes). ReSoA÷TCP pairs the runs with the same run number. Emulated runs whose "
        "real-time lag exceeded max %.0f ms or p99 %.0f ms are flagged and %s the statistics. "
        "'CIs overlap': the two 95 %% CIs overlap; otherwise the emulation's median relative "
        "to the simulation's." % (
            args.lag_max_ms, args.lag_p99_ms,
            "kept in" if args.keep_flagged else "left out of"))
    return head, lines, notes


def run_table(rows):
    lines = ["| point | system | run | goodput Mbit/s | time s | lag max ms | lag p99 ms | "
             "loss measured | fades | TCP retx | lost in hop (down) | flag / error |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if r["mode"] != "emu":
            continue
        lines.append("| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["point"], LABEL[r["system"]], r["run"], _num(r.get("goodput_mbps") or None),
            _num(r.get("seconds")), _num(r.get("lag_max_ms")), _num(r.get("lag_p99_ms")),
            _num(r.get("loss_measured")), r.get("fades", ""), r.get("tcp_retx", ""),
            r.get("hop_lost_down", ""),
            r.get("error") or r.get("lag_flag") or ""))
    return lines


def _med(rows, key):
    v = [float(r[key]) for r in rows if r.get(key) not in (None, "")]
    return st.median(v) if v else None


def diagnostics(args, rows):
    """Per point and system: what the channel and TCP did, emulation next to simulation.
    MAC attempts lost is the same trace in both (MacTxDataFailed: collisions and loss)."""
    lines = ["| point | system | MAC attempts lost per run, emu / sim | TCP retransmissions "
             "per run, emu / sim | fades per run, emu / sim | frames lost in the hop (emu) |",
             "|---|---|---|---|---|---|"]
    out = {}
    for point in args.points:
        for system in args.systems:
            emu = _used(rows, "emu", point["name"], system, args.keep_flagged)
            sim = _used(rows, "sim", point["name"], system, True)
            d = {"mac_emu": _med(emu, "mac_attempts_lost"), "mac_sim": _med(sim, "mac_retx"),
                 "retx_emu": _med(emu, "tcp_retx"), "retx_sim": _med(sim, "tcp_retx"),
                 "fades_emu": _med(emu, "fades"), "fades_sim": _med(sim, "fades"),
                 "lost_emu": _med(emu, "hop_lost_down")}
            out[(point["name"], system)] = d
            lines.append("| %s | %s | %s / %s | %s / %s | %s / %s | %s |" % (
                point["name"], LABEL[system], _num(d["mac_emu"]), _num(d["mac_sim"]),
                _num(d["retx_emu"]), _num(d["retx_sim"]), _num(d["fades_emu"]),
                _num(d["fades_sim"]), _num(d["lost_emu"])))
    return lines, out


REASONS = """Known structural differences (bench/emu/README.md discusses the measured ones):
- The 802.11a hop is the same ns-3 model in both (LossyWifiHelper, 54/24 Mbit/s, the same
  loss models and MAC retry limit), and ReSoA's LHP is the same sans-I/O core, so the
  bottleneck is the same. The emulated hosts answer in real time: the real kernels and
  daemons take tens to hundreds of microseconds per frame, and their frames enter the
  simulation at the wall-clock instant the tap was read, not at the simulated instant a
  model host would send them. At 0 % loss this shows up as more lost MAC attempts
  (collisions between the AP and the station) in the emulation than in the simulation.
- TCP: the emulation runs real Linux TCP (the congestion control in the header, Linux's own
  RTO, delayed ACKs, SACK, TSQ, and its receive-window autotuning); the simulation runs
  ns-3's TCP with the Linux-like profile (Cubic, RTO = SRTT + max(200 ms, 4 RTTVAR), 40 ms
  delayed ACKs, SACK, IW 10, 2 MiB buffers). ReSoA's wired TCP (http server to
  resoa-serverd) is real Linux TCP over a veth in the emulation, ns-3 TCP over a 100 Mbit/s
  point-to-point link in the simulation.
- Round trip: the emulated path has no wired part; its idle RTT (the header) is the
  simulated hop plus the real hosts' and the taps' processing. The simulation's wired link
  gets the difference (--rtt), in the whole-millisecond steps resoa-compare can run (the
  header's "in effect"); its rate (100 Mbit/s) is not a bottleneck.
- Goodput counts from curl's start (socket, connect, HTTP request) in the emulation and from
  the application's start (connect or EP socket) in the simulation.
- Real-time lag: late simulator events delay frames by the lag; runs above the bounds are
  flagged. Fades follow the simulator's clock, so a lagging run sees them stretched in wall
  time.
- Few fades per run: a transfer of a few seconds sees 2-7 fades (the `fades` columns), so
  fade points vary more from run to run than the headline's 30-s runs."""


def disagreements(summary, diag):
    lines = []
    for s in summary:
        if not s["agreement"] or s["agreement"] == "CIs overlap":
            continue
        name, system = s["point"]["name"], s["system"]
        text = "- %s, %s: emulation %s vs simulation %s (%s)" % (
            name, LABEL[system], _num(s["emu"]["median"]), _num(s["sim"]["median"]),
            s["agreement"])
        d = diag.get((name, system))
        if d and d["mac_emu"] and d["mac_sim"]:
            text += "; MAC attempts lost %s vs %s per run (x%.2f)" % (
                _num(d["mac_emu"]), _num(d["mac_sim"]), d["mac_emu"] / d["mac_sim"])
        if d and d["retx_emu"] is not None and d["retx_sim"] is not None:
            text += ", TCP retransmissions %s vs %s" % (_num(d["retx_emu"]), _num(d["retx_sim"]))
        lines.append(text + ".")
    if lines:
        return lines
    if not any(s["ratio"] is not None for s in summary):
        return ["- nothing to compare (no point has both emulated and simulated runs)."]
    return ["- none: at every point, for both systems and their ratio, the two 95 % CIs "
            "overlap."]


def write(args, rows, sim_raw, meta):
    os.makedirs(args.out, exist_ok=True)
    common = {"timestamp": meta["date"], "kernel": meta["kernel"], "cores": meta["cores"],
              "commit": meta["commit"]}
    for mode in ("emu", "sim"):
        with open(os.path.join(args.out, "%s-runs.csv" % mode), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=RUN_COLUMNS, extrasaction="ignore")
            w.writeheader()
            for r in rows:
                if r["mode"] == mode:
                    w.writerow(dict(r, **common))
    if sim_raw:
        with open(os.path.join(args.out, "sim-compare.csv"), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(sim_raw[0].keys()), extrasaction="ignore")
            w.writeheader()
            w.writerows(sim_raw)
    with open(os.path.join(args.out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    summary = summarize(args, rows)
    with open(os.path.join(args.out, "summary.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=SUMMARY_COLUMNS)
        w.writeheader()
        for s in summary:
            p = s["point"]
            w.writerow({
                "point": p["name"], "loss_model": p["model"], "frame_loss": p["loss"],
                "fade_bad_ms": p["fade_bad_ms"],
                "fade_good_ms": args.fade_good_ms if p["model"] == "gilbert" else "",
                "mac_retries": args.mac_retries, "size_bytes": args.size,
                "metric": "goodput_ratio" if s["system"] == "ratio" else "goodput_mbps",
                "system": s["system"], "emu_n": s["emu"]["n"], "emu_flagged": s["flagged"],
                "emu_median": s["emu"]["median"], "emu_ci_low": s["emu"]["lo"],
                "emu_ci_high": s["emu"]["hi"], "sim_n": s["sim"]["n"],
                "sim_median": s["sim"]["median"], "sim_ci_low": s["sim"]["lo"],
                "sim_ci_high": s["sim"]["hi"], "emu_over_sim": s["ratio"],
                "agreement": s["agreement"], "emu_lag_max_ms": s["lag_max"],
                "emu_lag_p99_ms_median": s["lag_p99"], "kernel_cc": meta.get("cc"),
                "sim_tcp": args.sim_tcp, "sim_rtt_ms": meta.get("sim_rtt_ms"),
                "sim_rtt_effective_ms": meta.get("sim_rtt_effective_ms"),
                "estimator": "median [95% CI of geometric mean]", "kernel": meta["kernel"],
                "cores": meta["cores"], "commit": meta["commit"]})
    head, lines, notes = table(args, summary, meta)
    text = "\n".join([head, ""] + lines + ["", notes])
    print("\n" + text)
    probe = meta.get("probe") or {}
    probe_lines = ["| quantity | value |", "|---|---|"] + [
        "| %s | %s |" % (k, v) for k, v in probe.items()]
    diag_lines, diag = diagnostics(args, rows)
    where = disagreements(summary, diag)
    print("\nWhere the emulation and the simulation differ (CIs apart, or no CI):\n" +
          "\n".join(where))
    with open(os.path.join(args.out, "summary.md"), "w") as f:
        f.write("# bench emu: real ReSoA and real TCP over the emulated hop, and the "
                "simulation\n\n" + text + "\n\n## Where they differ\n\n" +
                "\n".join(where) + "\n\n" + "\n".join(diag_lines) + "\n\n" + REASONS +
                "\n\n## The emulated path (probe, kernel TCP, 0 % loss)\n\n" +
                "\n".join(probe_lines) + "\n\n## Every emulated run\n\n" +
                "\n".join(run_table(rows)) + "\n")


INT_COLUMNS = ("ok", "sha_ok", "lag_ok", "rep", "run")


def _typed(row):
    out = {}
    for k, v in row.items():
        if v in (None, ""):
            out[k] = v
        elif k in INT_COLUMNS:
            out[k] = int(v)
        else:
            try:
                out[k] = float(v)
            except ValueError:
                out[k] = v
    return out


def load(directory):
    """(rows, sim_raw, meta) of an earlier run's CSVs, to redo its summary (--report-only)."""
    rows = []
    for mode in ("emu", "sim"):
        path = os.path.join(directory, "%s-runs.csv" % mode)
        if os.path.exists(path):
            with open(path) as f:
                rows += [_typed(r) for r in csv.DictReader(f)]
    for r in rows:
        for k in [k for k, v in r.items() if v == ""]:
            if k.startswith(("lag_max", "lag_p", "lag_mean", "lag_samples")):
                del r[k]  # absent, as in a live run without a lag report
    sim_raw = []
    path = os.path.join(directory, "sim-compare.csv")
    if os.path.exists(path):
        with open(path) as f:
            sim_raw = list(csv.DictReader(f))
    with open(os.path.join(directory, "meta.json")) as f:
        meta = json.load(f)
    return rows, sim_raw, meta
