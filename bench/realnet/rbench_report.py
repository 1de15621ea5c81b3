# SPDX-License-Identifier: GPL-2.0-only
"""The table and CSVs of bench-realnet.py: runs.csv (one row per run, every parameter),
latency-samples.csv, summary.csv and summary.md (the printed table)."""
import csv
import datetime
import os
import platform
import subprocess

import rbench_stats as st

RUN_COLUMNS = ["timestamp", "path", "test", "loss_pct", "rep", "ok", "error", "bytes", "seconds",
               "gbps", "count", "rps", "p50_us", "p99_us", "connect_p50_us", "serverd_cpu_s",
               "clientd_cpu_s", "daemon_cpu_s", "daemon_cpu_s_per_gbit", "load_cpu_s",
               "system_cpu_s", "system_cpu_s_per_gbit", "link_frames", "link_avg_frame_bytes",
               "link_drop_pct", "mtu", "client_offload", "bulk_seconds", "parallel",
               "request_bytes", "reply_bytes", "tcp_cc", "kernel", "cores", "commit"]
SUMMARY_COLUMNS = ["loss_pct", "metric", "unit", "n_resoa", "resoa", "resoa_ci_low",
                   "resoa_ci_high", "n_nat", "nat", "nat_ci_low", "nat_ci_high", "ratio",
                   "ratio_ci_low", "ratio_ci_high", "target", "estimator", "mtu",
                   "client_offload", "bulk_seconds", "parallel", "request_bytes", "reply_bytes",
                   "tcp_cc", "kernel", "cores", "commit"]


def machine_info(args, wall_seconds):
    commit = subprocess.run(["git", "-C", os.path.dirname(os.path.abspath(__file__)), "rev-parse",
                             "--short", "HEAD"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True).stdout.strip()
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"kernel": platform.release(), "cores": os.cpu_count(), "commit": commit or "?",
            "cpu": model, "loadavg_end": load, "wall_seconds": round(wall_seconds),
            "date": datetime.datetime.now().isoformat(timespec="seconds")}


def _ok(rows, path, test, loss):
    return [r for r in rows if r["path"] == path and r["test"] == test and r["loss_pct"] == loss
            and r["ok"]]


def _ci(values):
    return st.geo_ci(values)


def _paired_ratios(rows, test, loss, key):
    """ReSoA/NAT per repetition (runs of one rep ran back to back, under the same load)."""
    nat = {r["rep"]: r[key] for r in _ok(rows, "nat", test, loss)}
    return [r[key] / nat[r["rep"]] for r in _ok(rows, "resoa", test, loss)
            if nat.get(r["rep"])]


def summarize(args, rows):
    """One dict per (loss, metric), with both paths, the ratio and its CI."""
    out = []

    def add(loss, metric, unit, estimator, target, resoa, nat, ratio, daemon=False):
        out.append({"loss_pct": loss, "metric": metric, "unit": unit, "estimator": estimator,
                    "target": target, "resoa": resoa, "nat": nat, "ratio": ratio,
                    "daemon": daemon})

    for loss in args.loss:
        for d in args.directions:
            test = "bulk-" + d
            per = {}
            for path in ("resoa", "nat"):
                v = [r["gbps"] for r in _ok(rows, path, test, loss)]
                per[path] = (len(v), st.median(v)) + _ci(v)
            ratios = _paired_ratios(rows, test, loss, "gbps")
            add(loss, "bulk %s" % d, "Gbit/s", "median [95% CI of geometric mean]", ">= 0.5",
                per["resoa"], per["nat"], (st.median(ratios),) + _ci(ratios))
            cpu = [r["daemon_cpu_s_per_gbit"] for r in _ok(rows, "resoa", test, loss)
                   if r.get("daemon_cpu_s_per_gbit") != ""]
            add(loss, "daemon CPU/Gbit, bulk %s (serverd+clientd)" % d, "CPU s/Gbit",
                "median [95% CI of geometric mean]", "", (len(cpu), st.median(cpu)) + _ci(cpu),
                (0, None, None, None), (None, None, None), daemon=True)
            for name in ("serverd", "clientd"):
                v = [r[name + "_cpu_s"] * 1e9 / (r["bytes"] * 8) for r in
                     _ok(rows, "resoa", test, loss) if r["bytes"]]
                add(loss, "%s CPU/Gbit, bulk %s" % (name, d), "CPU s/Gbit", "median", "",
                    (len(v), st.median(v), None, None), (0, None, None, None), (None, None, None),
                    daemon=True)
            per = {}
            for path in ("resoa", "nat"):
                v = [r["system_cpu_s_per_gbit"] for r in _ok(rows, path, test, loss)
                     if r["system_cpu_s_per_gbit"] != ""]
                per[path] = (len(v), st.median(v)) + _ci(v)
            ratios = _paired_ratios(rows, test, loss, "system_cpu_s_per_gbit")
            add(loss, "system CPU/Gbit, bulk %s (all cores)" % d, "CPU s/Gbit",
                "median [95% CI of geometric mean]", "", per["resoa"], per["nat"],
                (st.median(ratios),) + _ci(ratios))
            per = {}
            for path in ("resoa", "nat"):
                v = [r["link_drop_pct"] for r in _ok(rows, path, test, loss)
                     if r["link_drop_pct"] != ""]
                f = [r["link_avg_frame_bytes"] for r in _ok(rows, path, test, loss)
                     if r["link_avg_frame_bytes"] != ""]
                per[path] = (len(v), st.median(v), st.median(f), None)
            add(loss, "client link, bulk %s: drop %% [avg frame bytes]" % d, "% [bytes]",
                "median", "", per["resoa"], per["nat"], (None, None, None))
        lat = {p: next((r for r in rows if r["path"] == p and r["test"] == "latency" and
                        r["loss_pct"] == loss), None) for p in ("resoa", "nat")}
        for q, name in ((0.5, "p50"), (0.99, "p99")):
            per = {}
            for path, r in lat.items():
                v = r["first_byte_us"] if r else []
                per[path] = (len(v), st.quantile(v, q)) + st.quantile_ci(v, q)
            ratio = (per["resoa"][1] / per["nat"][1]) if per["resoa"][1] and per["nat"][1] else None
            add(loss, "connect+first byte %s" % name, "us", "%s [95%% CI, order statistics]" % name,
                "<= 1.5", per["resoa"], per["nat"], (ratio, None, None))
        per = {}
        for path, r in lat.items():
            v = r["connect_us"] if r else []
            per[path] = (len(v), st.quantile(v, 0.5)) + st.quantile_ci(v, 0.5)
        ratio = (per["resoa"][1] / per["nat"][1]) if per["resoa"][1] and per["nat"][1] else None
        add(loss, "  socket+connect p50", "us", "p50 [95% CI, order statistics]", "",
            per["resoa"], per["nat"], (ratio, None, None))
        per = {}
        for path in ("resoa", "nat"):
            v = [r["rps"] for r in _ok(rows, path, "rps", loss)]
            per[path] = (len(v), st.median(v)) + _ci(v)
        ratios = _paired_ratios(rows, "rps", loss, "rps")
        add(loss, "requests/s, %d parallel" % args.rps_parallel, "1/s", "median [95% CI of geometric mean]",
            "", per["resoa"], per["nat"], (st.median(ratios),) + _ci(ratios))
    return out


def _num(x):
    if x is None or x == "":
        return ""
    if abs(x) >= 100:
        return "%.0f" % x
    if abs(x) >= 10:
        return "%.1f" % x
    return "%.3g" % x


def _cell(n, value, low, high, frame_bytes=False):
    if value is None:
        return "n/a" if n == 0 else ""
    text = _num(value)
    if frame_bytes:
        return "%s [%s B]" % (text, _num(low))
    if low is not None and high is not None:
        text += " [%s, %s]" % (_num(low), _num(high))
    return text


HEADLINE = ("bulk down", "bulk up", "connect+first byte p50", "connect+first byte p99",
            "requests/s", "daemon CPU/Gbit")


def _rows(summary, headline):
    lines = ["| loss | metric | n | ReSoA | NAT | ReSoA/NAT | target |",
             "|---:|---|---|---|---|---|---|"]
    for s in summary:
        if s["metric"].startswith(HEADLINE) != headline:
            continue
        nr, vr, lr, hr = s["resoa"]
        nn, vn, ln, hn = s["nat"]
        frame = s["metric"].startswith("client link")
        nat = _cell(nn, vn, ln, hn, frame)
        if s["daemon"]:
            nat = "no daemon (kernel NAT)"
        ratio = _cell(1, *s["ratio"]) if s["ratio"][0] is not None else ""
        lines.append("| %d %% | %s (%s) | %s | %s | %s | %s | %s |" % (
            s["loss_pct"], s["metric"].strip(), s["unit"],
            "%s/%s" % (nr, nn) if nn else str(nr), _cell(nr, vr, lr, hr, frame), nat, ratio,
            s["target"]))
    return lines


def table(args, summary, meta):
    head = ("ReSoA vs nftables NAT on veth pairs; %s, %s cores (%s); commit %s; %s; "
            "TCP %s; MTU %d, client-link offloads %s; bulk %d x %.1f s, latency %d connections, "
            "rps %d x %.1f s; wall %d s; load average at the end %s" % (
                meta["kernel"], meta["cores"], meta["cpu"], meta["commit"], meta["date"],
                meta["tcp_cc"], args.mtu, "on" if args.client_offload else "off (MTU-sized frames)",
                args.repeats, args.bulk_seconds, args.latency_count, args.rps_repeats,
                args.rps_seconds, meta["wall_seconds"], meta["loadavg_end"]))
    lines = (["## Headline", ""] + _rows(summary, True) + ["", "## Details", ""] +
             _rows(summary, False))
    notes = ("Cells: median [95 % CI of the geometric mean: Student t on logs] for repeated "
             "runs; latency: the quantile [95 % CI from order statistics] over all connections "
             "of the point. Ratios of bulk and requests/s pair the runs of one repetition (run "
             "back to back). Targets are reported against, not checked. NAT has no daemon: its "
             "forwarding runs in the kernel, inside 'system CPU', which is the whole machine's "
             "busy time (other processes included) divided by the bits moved.")
    return head, lines, notes


def write(args, rows, samples, meta):
    os.makedirs(args.out, exist_ok=True)
    stamp = meta["date"]
    with open(os.path.join(args.out, "runs.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=RUN_COLUMNS, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            r = dict(r, timestamp=stamp, kernel=meta["kernel"], cores=meta["cores"],
                     commit=meta["commit"])
            if r["test"] == "latency":
                fb, c = r.get("first_byte_us", []), r.get("connect_us", [])
                r.update(p50_us=st.quantile(fb, 0.5), p99_us=st.quantile(fb, 0.99),
                         connect_p50_us=st.quantile(c, 0.5))
            w.writerow(r)
    with open(os.path.join(args.out, "latency-samples.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path", "loss_pct", "i", "connect_us", "first_byte_us"])
        w.writerows(samples)
    summary = summarize(args, rows)
    with open(os.path.join(args.out, "summary.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=SUMMARY_COLUMNS)
        w.writeheader()
        for s in summary:
            nr, vr, lr, hr = s["resoa"]
            nn, vn, ln, hn = s["nat"]
            w.writerow({"loss_pct": s["loss_pct"], "metric": s["metric"].strip(),
                        "unit": s["unit"], "n_resoa": nr, "resoa": vr, "resoa_ci_low": lr,
                        "resoa_ci_high": hr, "n_nat": nn, "nat": vn, "nat_ci_low": ln,
                        "nat_ci_high": hn, "ratio": s["ratio"][0], "ratio_ci_low": s["ratio"][1],
                        "ratio_ci_high": s["ratio"][2], "target": s["target"],
                        "estimator": s["estimator"], "mtu": args.mtu,
                        "client_offload": int(args.client_offload),
                        "bulk_seconds": args.bulk_seconds, "parallel": args.rps_parallel,
                        "request_bytes": args.request, "reply_bytes": args.reply,
                        "tcp_cc": meta["tcp_cc"], "kernel": meta["kernel"], "cores": meta["cores"],
                        "commit": meta["commit"]})
    head, lines, notes = table(args, summary, meta)
    text = "\n".join([head, ""] + lines + ["", notes])
    print("\n" + text)
    with open(os.path.join(args.out, "summary.md"), "w") as f:
        f.write("# bench realnet\n\n" + text + "\n")
