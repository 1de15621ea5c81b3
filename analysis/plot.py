#!/usr/bin/python3
"""Figures and summary.md of the ReSoA / NAT / TCP comparison from the campaign CSVs.

    plot.py [--in results/] [--out DIR (default: the --in dir)]

Reads <in>/<campaign>.csv for every headline campaign (campaigns.py), writes one PNG per
campaign and <out>/summary.md: mean +- 95 % confidence interval (Student t over runs) per
system and x value, and the ratios the issue asks for, all computed from the rows.
Exit status: 0 when at least one figure was written and every CSV present was readable.
"""

import argparse
import functools
import math
import sys
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.ticker  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402  (after use("Agg"))
import numpy as np  # noqa: E402

import campaigns as cp  # noqa: E402
import cell_ceiling  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
FALLBACK_COLORS = ("#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
# Columns that identify a variant, or a run, rather than the setting of a point.
NOT_SETTING = (
    "system", "tcp", "min_rto_ms", "run", "seed", "clock_granularity_ms", "del_ack_ms",
    "init_cwnd", "sack", "tcp_cc", "server_tcp",
)
# The limit at the systems' own MAC retry count (column limit_same_mbps), drawn as a line.
LIMIT_SAME = cp.Variant(
    "limit-same", "limit at the systems' MAC retries", {}, "#7f7f7f", "", ":"
)
# A plotted mean whose 95 % CI half-width exceeds this fraction of it is listed in summary.md.
CI_TARGET = 0.10


# ------------------------------------------------------------------ statistics ---------------
def t_two_sided_mass(t, df):
    """P(|T| <= t) for Student's t with integer df (closed form, Abramowitz & Stegun 26.7)."""
    theta = math.atan(t / math.sqrt(df))
    s, c2 = math.sin(theta), math.cos(theta) ** 2
    if df % 2 == 1:
        term, total = 1.0, 1.0 if df > 1 else 0.0
        for k in range(1, (df - 3) // 2 + 1):
            term *= c2 * (2 * k) / (2 * k + 1)
            total += term
        return 2 / math.pi * (theta + (s * math.cos(theta) * total if df > 1 else 0.0))
    term, total = 1.0, 1.0
    for k in range(1, (df - 2) // 2 + 1):
        term *= c2 * (2 * k - 1) / (2 * k)
        total += term
    return s * total


@functools.lru_cache(maxsize=None)
def t_quantile(df, confidence=0.95):
    """t such that P(|T| <= t) = confidence, for integer df >= 1 (bisection)."""
    if df < 1:
        raise ValueError("df must be >= 1")
    lo, hi = 0.0, 1.0
    while t_two_sided_mass(hi, df) < confidence:
        hi *= 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if t_two_sided_mass(mid, df) < confidence:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def mean_ci(values, confidence=0.95):
    """(mean, CI half-width, n) over finite values; half-width is nan for n < 2."""
    v = np.asarray([x for x in values if x == x and math.isfinite(x)], dtype=float)
    n = len(v)
    if n == 0:
        return math.nan, math.nan, 0
    if n == 1:
        return float(v[0]), math.nan, 1
    half = t_quantile(n - 1, confidence) * float(np.std(v, ddof=1)) / math.sqrt(n)
    return float(v.mean()), half, n


# ------------------------------------------------------------------ grouping -----------------
class Series:
    """One line: a variant (plus any setting that unexpectedly varies) and its rows."""

    def __init__(self, key, label, color, marker, linestyle, is_limit):
        self.key, self.label = key, label
        self.color, self.marker, self.linestyle = color, marker, linestyle
        self.is_limit = is_limit
        self.rows = []

    def by_x(self, x_col):
        out = {}
        for r in self.rows:
            out.setdefault(r[x_col] if x_col else 0.0, []).append(r)
        return dict(sorted(out.items()))

    def stats(self, x_col, metric):
        return {x: mean_ci([r[metric] for r in rs]) for x, rs in self.by_x(x_col).items()}


def x_column(campaign):
    return cp.FLAG_COLUMN[campaign.x_flag] if campaign.x_flag else None


def dedupe(rows):
    """Keep the last row of each parameter tuple (a point run twice counts once)."""
    seen = {}
    for r in rows:
        seen[tuple(r["_norm"][c] for c in cp.KEY_COLUMNS)] = r
    return list(seen.values())


def setting_values(rows, campaign):
    """{column: sorted distinct values} of the setting columns (not x, variant or run)."""
    x_col = x_column(campaign)
    out = {}
    for c in cp.KEY_COLUMNS:
        if c == x_col or c in NOT_SETTING:
            continue
        if c in cp.TRAILING_PARAM_COLUMNS and all(r["_norm"][c] == "" for r in rows):
            continue  # an older CSV without this column
        if c == "distances_m" and not any(" " in r["_norm"][c] for r in rows):
            continue  # the fixed channel's 5 m, or the one distance of distance_m
        if c == "distance_m" and all(r["_norm"][c] in ("0", "") for r in rows):
            continue  # the fixed 54 Mbit/s channel
        if c == "fade_timeline" and all(r["_norm"]["burst_bad_ms"] in ("0", "") for r in rows):
            continue  # no fades: nothing shares a timeline
        if c == "loss_frames" and all(
            r["_norm"]["burst_bad_ms"] in ("0", "") and r["_norm"]["frame_loss"] in ("0", "")
            for r in rows
        ):
            continue  # a clean channel
        out[c] = sorted({r["_norm"][c] for r in rows})
    return out


def group(rows, campaign):
    """Series in the campaign's variant order; rows of other variants come last."""
    varying = [c for c, vals in setting_values(rows, campaign).items() if len(vals) > 1]
    series = {}
    for r in rows:
        v = cp.classify(r)
        extra = tuple(f"{c}={r['_norm'][c]}" for c in varying)
        key = (v.key if v else cp.variant_key(r),) + extra
        if key not in series:
            if v is not None:
                s = Series(key, v.label, v.color, v.marker, v.linestyle, v.key == "limit")
            else:
                color = FALLBACK_COLORS[len(series) % len(FALLBACK_COLORS)]
                s = Series(key, key[0], color, "x", "-.", r["system"] == "limit")
            if extra:
                s.label += " [" + ", ".join(extra) + "]"
            series[key] = s
        series[key].rows.append(r)
        if v is not None and v.key == "limit" and r.get("limit_same_mbps", math.nan) == r.get(
            "limit_same_mbps"
        ):
            skey = ("limit-same",) + extra
            if skey not in series:
                series[skey] = Series(
                    skey, LIMIT_SAME.label, LIMIT_SAME.color, "", ":", True
                )
            same = dict(r)
            same["goodput_mbps"] = r["limit_same_mbps"]
            series[skey].rows.append(same)
    order = [v.key for v in cp.VARIANTS]
    order.insert(order.index("limit") + 1, "limit-same")
    return sorted(
        series.values(), key=lambda s: (order.index(s.key[0]) if s.key[0] in order else 99, s.key)
    )


def pretty(col, value):
    """Title text of one setting column (value is canonical text)."""
    v = str(value)
    if col == "clients":
        return f"{v} client{'s' if v != '1' else ''}"
    if col == "frame_loss":
        return f"frame loss {cp.format_value(round(float(v) * 100, 6))} %"
    if col == "direction":
        return {"up": "uplink", "down": "downlink"}.get(v, v)
    units = {
        "mac_retries": "MAC retries {}",
        "rtt_ms": "RTT {} ms",
        "link_rate": "wired {}",
        "duration_s": "{} s per run",
        "bytes": "{} B per client",
        "warmup_s": "{} s warm-up",
        "distance_m": "distance {} m",
        "fade_timeline": "fade timeline {}",
        "loss_frames": "loss on {} frames",
        "distances_m": "STAs at {} m",
    }
    return units.get(col, col + " {}").format(v)


def fixed_text(rows, campaign):
    """Human text of the settings that are the same in every row (for titles)."""
    # Canonical values decide what is fixed; the text shown is the row's own (e.g. 100Mbps).
    vals = {
        c: rows[0]["_raw"].get(c, vs[0]).strip() or vs[0]
        for c, vs in setting_values(rows, campaign).items()
        if len(vs) == 1
    }
    if campaign.disclosure:  # the disclosure says it in words
        vals.pop("fade_timeline", None)
        vals.pop("loss_frames", None)
    parts = []
    if "flows" in vals:
        parts.append(vals.pop("flows") + " " + pretty("direction", vals.pop("direction", "")))
    bad, good = vals.pop("burst_bad_ms", None), vals.pop("burst_good_ms", None)
    for col in ("clients", "frame_loss", "rtt_ms", "mac_retries"):
        if col in vals:
            parts.append(pretty(col, vals.pop(col)))
    if bad is not None and float(bad) > 0:
        parts.append(f"bursts {bad} ms bad / {good} ms good")
    elif bad is not None and x_column(campaign) != "burst_bad_ms":
        parts.append("no bursts")
    if vals.get("bytes") is not None and float(vals["bytes"]) == 0:
        vals.pop("bytes")
    parts += [pretty(c, v) for c, v in vals.items()]
    ns = sorted(
        {len(rs) for s in group(rows, campaign) for rs in s.by_x(x_column(campaign)).values()}
    )
    runs = f"{ns[0]}" if len(ns) == 1 else f"{ns[0]}-{ns[-1]}"
    parts.append(f"{runs} runs per point")
    return ", ".join(parts)


# ------------------------------------------------------------------ figures ------------------
def draw_metric(ax, series, campaign, metric, limit_as_line=True, floor=0.0):
    """Mean +- CI per series; returns legend handles in series order.

    CI bars stop at `floor` (goodput and Jain cannot be negative). When a few very wide CIs
    (e.g. 2 runs of --quick) would squash the means, the y axis stops at 1.5 x the largest
    mean and a note says that some bars are cut.
    """
    x_col = x_column(campaign)
    top_mean, top_bar = 0.0, 0.0
    xs = sorted({r[x_col] for s in series for r in s.rows})
    span = (max(xs) - min(xs)) * campaign.x_scale if len(xs) > 1 else 1.0
    plotted = [s for s in series if not (s.is_limit and limit_as_line)]
    handles = []
    for i, s in enumerate(series):
        st = s.stats(x_col, metric)
        pts = [(x, m, c) for x, (m, c, n) in st.items() if n > 0]
        if not pts:
            continue
        x = np.array([p[0] for p in pts]) * campaign.x_scale
        m = np.array([p[1] for p in pts])
        c = np.nan_to_num(np.array([p[2] for p in pts]))
        low = np.minimum(c, np.maximum(m - floor, 0))
        top_mean, top_bar = max(top_mean, float(m.max())), max(top_bar, float((m + c).max()))
        if s.is_limit and limit_as_line:
            handles += ax.plot(
                x, m, color=s.color, linestyle=s.linestyle, linewidth=1.8, label=s.label, zorder=1
            )
            ax.fill_between(x, m - low, m + c, color=s.color, alpha=0.12, linewidth=0)
            continue
        # Dodge the series a little so that error bars at the same x stay apart.
        k = plotted.index(s)
        dx = 0.012 * span * (k - (len(plotted) - 1) / 2)
        handles.append(
            ax.errorbar(
                x + dx,
                m,
                yerr=[low, c],
                color=s.color,
                marker=s.marker,
                linestyle=s.linestyle,
                markersize=5,
                capsize=3,
                linewidth=1.4,
                label=s.label,
                zorder=2 + i,
            )
        )
    ax.set_xticks(np.array(xs) * campaign.x_scale)
    ax.set_xticklabels([cp.format_value(round(x * campaign.x_scale, 6)) for x in xs])
    ax.set_xlabel(campaign.x_label)
    ax.grid(True, alpha=0.3)
    if top_mean > 0 and top_bar > 1.5 * top_mean:
        ax.set_ylim(floor, 1.5 * top_mean)
        ax.set_xlabel(campaign.x_label + "\n(some CI bars are cut at the top: too few runs)")
    return handles


def title(campaign, rows, suffix=""):
    disclosure = f"; {campaign.disclosure}" if campaign.disclosure else ""
    text = textwrap.fill(fixed_text(rows, campaign) + disclosure + suffix, 110)
    return f"{campaign.title}\n{text}"


def save(fig, path):
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


def figure_goodput(rows, campaign, path):
    series = group(rows, campaign)
    fig, ax = plt.subplots(figsize=(8.2, 4.8))
    handles = draw_metric(ax, series, campaign, "goodput_mbps")
    ax.set_ylabel("goodput, all clients (Mbit/s)")
    ax.set_ylim(bottom=0)
    ax.set_title(title(campaign, rows, "; mean ± 95 % CI"), fontsize=10)
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False
    )
    save(fig, path)


def figure_clients(rows, campaign, path):
    series = group(rows, campaign)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.6))
    handles = draw_metric(ax1, series, campaign, "goodput_mbps")
    ax1.set_ylabel("goodput, all clients (Mbit/s)")
    ax1.set_ylim(bottom=0)
    ax1.set_title("aggregate goodput", fontsize=10)
    draw_metric(ax2, series, campaign, "jain", limit_as_line=False)
    ax2.set_ylabel("Jain fairness index over clients")
    ax2.set_ylim(0, 1.05)
    ax2.set_title("fairness (1 = equal shares)", fontsize=10)
    fig.suptitle(title(campaign, rows, "; mean ± 95 % CI"), fontsize=10)
    ax2.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False
    )
    fig.tight_layout()
    save(fig, path)


def figure_fct(rows, campaign, path):
    series = group(rows, campaign)
    fig, ax = plt.subplots(figsize=(8.2, 4.8))
    drawn = 0
    for s in series:
        fcts = np.sort([x for r in s.rows for x in r["fcts"]])
        if len(fcts) == 0:
            continue
        y = np.arange(1, len(fcts) + 1) / len(fcts)
        label = f"{s.label} (n={len(fcts)}, median {np.median(fcts):.2f} s)"
        ax.step(
            fcts, y, where="post", color=s.color, linestyle=s.linestyle, linewidth=1.6, label=label
        )
        drawn += 1
    if not drawn:
        plt.close(fig)
        return False
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel("flow completion time (s, log scale)")
    ax.set_ylabel("fraction of flows completed within x")
    ax.set_ylim(0, 1.02)
    ax.grid(True, which="both", alpha=0.3)
    ax.set_title(title(campaign, rows, "; CDF over all flows of all runs"), fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    save(fig, path)
    return True


def station_stats(series, column):
    """{series label: [(mean, CI, n) per station]} of a per-station list column."""
    out = {}
    for s in series:
        lists = [r[column] for r in s.rows if r.get(column)]
        if not lists:
            continue
        k = max(len(x) for x in lists)
        out[s.label] = [mean_ci([x[i] for x in lists if len(x) > i]) for i in range(k)]
    return out


def station_distances(rows):
    """Distances (m) of the stations, from the distances_m column (or their index)."""
    text = next((r.get("distances_m", "") for r in rows if r.get("distances_m")), "")
    try:
        return [float(x) for x in text.split()]
    except ValueError:
        return []


def figure_cell(rows, campaign, path):
    series = [s for s in group(rows, campaign) if s.key[0] != "limit-same"]
    dist = station_distances(rows)
    gp = station_stats(series, "per_client_mbps")
    air = station_stats(series, "airtime_share")
    if not gp:
        return False
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.6))
    n = max(len(v) for v in gp.values())
    labels = [f"{dist[i]:g} m" if i < len(dist) else f"STA {i + 1}" for i in range(n)]
    width = 0.8 / max(1, len(series))
    for k, s in enumerate(series):
        for ax, data in ((ax1, gp), (ax2, air)):
            st = data.get(s.label)
            if not st:
                continue
            x = np.arange(len(st)) + (k - (len(series) - 1) / 2) * width
            m = np.array([t[0] for t in st])
            c = np.nan_to_num(np.array([t[1] for t in st]))
            ax.bar(x, m, width, yerr=[np.minimum(c, m), c], color=s.color, label=s.label,
                   capsize=2, alpha=0.85 if not s.is_limit else 0.4)
    for ax, ylabel in ((ax1, "goodput per station (Mbit/s)"), (ax2, "share of the channel's airtime")):
        ax.set_xticks(np.arange(n))
        ax.set_xticklabels(labels)
        ax.set_xlabel("station distance from the AP")
        ax.set_ylabel(ylabel)
        ax.grid(True, axis="y", alpha=0.3)
        ax.set_ylim(bottom=0)
    ax2.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    fig.suptitle(title(campaign, rows, "; mean ± 95 % CI"), fontsize=10)
    fig.tight_layout()
    save(fig, path)
    return True


def cell_tables(rows, series):
    """summary.md tables of the multi-rate cell: per-station goodput and airtime share."""
    series = [s for s in series if s.key[0] != "limit-same"]
    dist = station_distances(rows)
    out = []
    for column, what in (
        ("per_client_mbps", "Goodput per station (Mbit/s)"),
        ("airtime_share", "Share of the channel's airtime per station (Tx time of its frames "
         "and of the AP's frames to it ÷ all Tx time)"),
    ):
        st = station_stats(series, column)
        if not st:
            continue
        n = max(len(v) for v in st.values())
        head = ["station"] + list(st)
        lines = []
        for i in range(n):
            name = f"{i + 1} ({dist[i]:g} m)" if i < len(dist) else str(i + 1)
            lines.append([name] + [fmt_ci(*v[i]) if i < len(v) else "–" for v in st.values()])
        out += ["", f"{what}, mean ± 95 % CI over runs:", ""] + table(head, lines)
    return out + cell_ceiling_lines(series)


def cell_ceiling_lines(series):
    """What ReSoA's own per-airtime goodput allows at the best TCP's fairness (summary.md)."""
    gp = {s.key[0]: s for s in series}
    means = {k: [m for m, _, _ in v] for k, v in
             ((s.key[0], station_stats([s], "per_client_mbps").get(s.label)) for s in series) if v}
    air = station_stats([gp["resoa"]], "airtime_share").get(gp["resoa"].label) if "resoa" in gp else None
    tcps = [k for k in means if k.startswith("tcp")]
    if "resoa" not in means or not air or not tcps:
        return []
    best = max(tcps, key=lambda k: sum(means[k]))
    fairness = float(cell_ceiling.jain(means[best]))
    eff = cell_ceiling.efficiencies(means["resoa"], [m for m, _, _ in air])
    total, split = cell_ceiling.ceiling(eff, fairness)
    if split is None:
        return []
    tcp_total = sum(means[best])
    return ["", f"Ceiling: with ReSoA's measured goodput per unit of airtime "
            f"({', '.join(f'{e:.1f}' for e in eff)} Mbit/s), the best airtime split whose Jain "
            f"index is at least {gp[best].label}'s ({fairness:.2f}) gives {total:.2f} Mbit/s in "
            f"total, {total / tcp_total:.2f} × {gp[best].label}'s {tcp_total:.2f} (airtime "
            f"{' / '.join(f'{a:.2f}' for a in split)}); analysis/cell_ceiling.py."]


FIGURES = {
    "goodput": figure_goodput,
    "clients": figure_clients,
    "fct": figure_fct,
    "cell": figure_cell,
}


# ------------------------------------------------------------------ summary.md ---------------
def fmt_ci(mean, ci, n):
    if n == 0:
        return "–"
    if n < 2:
        return f"{mean:.2f} (n=1)"
    return f"{mean:.2f} ± {ci:.2f}"


def ratio_text(a, b):
    if not (a == a and b == b):
        return "n/a"
    if b == 0:
        return "∞ (baseline delivered nothing)" if a > 0 else "n/a (both zero)"
    return f"{a / b:.2f}"


def table(header, lines):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(cells) + " |" for cells in lines]
    return out


POINT_LABEL = {
    "frameLoss": "loss {} %",
    "burstBadMs": "fade {} ms",
    "rtt": "RTT {} ms",
    "clients": "{} STAs",
}


def point_label(campaign, x):
    """Short name of a point for the ratio tables (e.g. "fade 50 ms")."""
    if not campaign.x_flag:
        return "–"
    return POINT_LABEL.get(campaign.x_flag, campaign.x_flag + " {}").format(x_text(campaign, x))


def x_text(campaign, x):
    return cp.format_value(round(x * campaign.x_scale, 6)) if campaign.x_flag else "–"


def metric_table(series, campaign, metric):
    x_col = x_column(campaign)
    stats = [s.stats(x_col, metric) for s in series]
    xs = sorted({x for st in stats for x in st})
    head = [campaign.x_label or "setting"] + [s.label for s in series]
    lines = [
        [x_text(campaign, x)] + [fmt_ci(*st[x]) if x in st else "–" for st in stats] for x in xs
    ]
    return table(head, lines)


def variant_means(series, campaign, metric="goodput_mbps"):
    """{variant key: {x: mean}} for series without extra varying settings."""
    return {
        k: {x: m for x, (m, c, n) in st.items()}
        for k, st in variant_stats(series, campaign, metric).items()
    }


def variant_stats(series, campaign, metric="goodput_mbps"):
    """{variant key: {x: (mean, CI half-width, n)}} for series without extra settings."""
    out = {}
    for s in series:
        if len(s.key) == 1:
            out[s.key[0]] = s.stats(x_column(campaign), metric)
    return out


def best_tcp(stats, x):
    """The "best TCP" variant key at x: the better of cp.BEST_TCP_KEYS (None if absent)."""
    have = {k: stats[k][x][0] for k in cp.BEST_TCP_KEYS if x in stats.get(k, {})}
    return max(have, key=have.get) if have else None


def ratio_ci(a, b):
    """(a/b, approximate 95 % half-width) of two (mean, half-width, n) triples.

    First-order (delta method) propagation, treating the two means as independent:
    h = a/b * sqrt((ha/a)^2 + (hb/b)^2).
    """
    (ma, ha, _), (mb, hb, _) = a, b
    if not (ma == ma and mb == mb) or mb == 0:
        return math.nan, math.nan
    r = ma / mb
    if not (ha == ha and hb == hb) or ma == 0:
        return r, math.nan
    return r, abs(r) * math.sqrt((ha / ma) ** 2 + (hb / mb) ** 2)


def fmt_ratio(a, b):
    r, h = ratio_ci(a, b)
    if r != r:
        return ratio_text(a[0], b[0])
    return f"{r:.2f}" if h != h else f"{r:.2f} ± {h:.2f}"


def baseline_ratio_lines(means, x):
    """ReSoA / baseline rows at x, for NAT and each TCP variant present."""
    lines = []
    resoa = means.get("resoa", {}).get(x, math.nan)
    have = {k: means[k][x] for k in cp.BEST_TCP_KEYS if x in means.get(k, {})}
    best = max(have, key=have.get) if have else None
    for k in ("nat",) + cp.TCP_VARIANT_KEYS:
        if x not in means.get(k, {}):
            continue
        name = cp.VARIANT_BY_KEY[k].label + (" — best TCP baseline" if k == best else "")
        b = means[k][x]
        lines.append([name, f"{resoa:.2f}", f"{b:.2f}", ratio_text(resoa, b)])
    return lines


def point_ratio_lines(name, d):
    """Per point: ReSoA ÷ best TCP, ÷ Linux-like TCP, ÷ limit (both ways), with CIs."""
    stats, camp = d["stats"], d["campaign"]
    lines = []
    for x in sorted(stats.get("resoa", {})):
        r = stats["resoa"][x]
        bk = best_tcp(stats, x)
        best = stats[bk][x] if bk else (math.nan, math.nan, 0)
        lin = stats.get("tcp-linux", {}).get(x, (math.nan, math.nan, 0))
        lim = stats.get("limit", {}).get(x, (math.nan, math.nan, 0))
        same = stats.get("limit-same", {}).get(x, (math.nan, math.nan, 0))
        label = point_label(camp, x)
        lines.append(
            [
                name,
                label,
                fmt_ci(*r),
                f"{fmt_ci(*best)} ({cp.VARIANT_BY_KEY[bk].label})" if bk else "–",
                fmt_ratio(r, best),
                fmt_ratio(r, lin),
                fmt_ci(*lim),
                fmt_ci(*same),
                fmt_ratio(r, lim),
                fmt_ratio(r, same),
            ]
        )
    return lines


def headline_text():
    """What `./resoa run` runs, from campaigns.py (so this text cannot go stale)."""
    parts = []
    for name in cp.campaigns_for("headline"):
        camp = cp.CAMPAIGNS[name]
        xs = camp.x_values(mode="headline")
        if camp.x_flag:
            unit = {"frameLoss": " %", "burstBadMs": " ms fades", "rtt": " ms RTT"}.get(
                camp.x_flag, "")
            parts.append(f"`{name}` at " + ", ".join(f"{x * camp.x_scale:g}" for x in xs) + unit)
        else:
            parts.append(f"`{name}`")
    labels = ", ".join(v.label for v in cp.VARIANTS if v.key in cp.HEADLINE_KEYS)
    return (
        "`./resoa run` (the headline) runs " + "; ".join(parts) + f" ({cp.RUNS['headline']} runs "
        f"of {cp.DURATION_S['headline']} s per point of {labels}); `./resoa run --full` every "
        "campaign, x value and variant (analysis/README.md)."
    )


def ratios_section(loaded):
    out = ["## Ratios (computed from the campaign tables below)", ""]
    out += [
        "\"Best TCP\" is chosen per point: the better of TCP Cubic with a 200 ms MinRto and "
        "NewReno with ns-3's 1 s MinRto. The limit is saturated UDP on the same channel, "
        "reported two ways: best over MAC retry limits "
        f"{cp.LIMIT_MAC_RETRIES.replace(',', ', ')} (and the systems' count), and at the "
        f"systems' own MAC retry count ({cp.MAC_RETRIES}). Values are mean ± 95 % CI "
        "half-width; a ratio's ± is first-order error propagation of both CIs.",
        "",
    ]
    head = ["baseline", "ReSoA (Mbit/s)", "baseline (Mbit/s)", "ReSoA ÷ baseline"]
    lines = []
    for name, d in loaded.items():
        if d["campaign"].kind in ("fct",):
            continue
        lines += point_ratio_lines(name, d)
    out += ["### ReSoA ÷ best TCP and ÷ limit, per point", ""]
    if lines:
        out += table(
            [
                "campaign",
                "point",
                "ReSoA (Mbit/s)",
                "best TCP (Mbit/s)",
                "ReSoA ÷ best TCP",
                "ReSoA ÷ Linux-like TCP",
                "limit, best retries (Mbit/s)",
                f"limit at {cp.MAC_RETRIES} retries (Mbit/s)",
                "ReSoA ÷ limit (best)",
                f"ReSoA ÷ limit ({cp.MAC_RETRIES})",
            ],
            lines,
        )
    else:
        out.append("no campaign with ReSoA rows")
    out.append("")
    loss = loaded.get("loss")
    # ReSoA / each baseline at the heaviest loss point that has both.
    xs = []
    if loss:
        means = loss["means"]
        xs = [
            x
            for x in means.get("resoa", {})
            if any(x in means.get(k, {}) for k in cp.TCP_VARIANT_KEYS)
        ]
    if xs:
        x = max(xs)
        where = f"loss campaign, frame loss {x_text(loss['campaign'], x)} %"
        out += [f"### ReSoA ÷ TCP at the heaviest loss point ({where})", ""]
        out += table(head, baseline_ratio_lines(loss["means"], x)) + [""]
    else:
        out += [
            "### ReSoA ÷ TCP at the heaviest loss point",
            "",
            "no loss campaign data with ReSoA and TCP rows",
            "",
        ]
    # ReSoA / each baseline on a clean link (x = 0 of the loss campaign, else of burst).
    clean = None
    for name in ("loss", "burst"):
        d = loaded.get(name)
        if d and 0.0 in d["means"].get("resoa", {}) and d["clean_channel"]:
            clean = (name, d)
            break
    if clean:
        out += [
            f"### ReSoA ÷ TCP on a clean link ({clean[0]} campaign, no frame loss, no bursts)",
            "",
        ]
        out += table(head, baseline_ratio_lines(clean[1]["means"], 0.0)) + [""]
    else:
        out += [
            "### ReSoA ÷ TCP on a clean link",
            "",
            "no clean-link point (x = 0) in the loss or burst data",
            "",
        ]
    if any("tcp-rto200" in d["means"] for d in loaded.values()):
        out += [f"(*) {cp.FOOTNOTE_RTO200}", ""]
    return out


def ci_section(loaded):
    """Every plotted mean whose 95 % CI half-width exceeds CI_TARGET of it, or with < 10 runs."""
    wide, few, total = [], [], 0
    for name, d in loaded.items():
        camp = d["campaign"]
        for s in d["series"]:
            for metric in ("goodput_mbps",) + (("jain",) if camp.kind in ("clients", "cell") else ()):
                if camp.kind == "fct":
                    continue
                for x, (m, h, n) in s.stats(x_column(camp), metric).items():
                    total += 1
                    where = point_label(camp, x)
                    if n < cp.RUNS["full"]:
                        few.append(f"{name} {s.label} {where} (n={n})")
                    if m > 0 and h == h and h > CI_TARGET * m:
                        wide.append(
                            [name, s.label, where, metric, str(n), fmt_ci(m, h, n),
                             f"{100 * h / m:.0f} %"]
                        )
                    elif m > 0 and h != h:
                        wide.append([name, s.label, where, metric, str(n), fmt_ci(m, h, n), "n/a"])
    target = f"{100 * CI_TARGET:.0f} %"
    out = [f"## Confidence intervals: where the half-width exceeds {target} of the mean", ""]
    if few:
        out += [
            f"**{len(few)} of {total} plotted means have fewer than {cp.RUNS['full']} runs** "
            "(a --quick run, or an interrupted sweep): " + "; ".join(few[:12])
            + (f"; and {len(few) - 12} more" if len(few) > 12 else "") + ".",
            "",
        ]
    if not wide:
        return out + [
            f"Every plotted mean has a 95 % CI half-width of at most {target} of the mean.",
            "",
        ]
    out += [f"{len(wide)} of {total} plotted means miss the {target} target:", ""]
    out += table(
        ["campaign", "series", "point", "metric", "runs", "mean ± CI", "half-width ÷ mean"], wide
    )
    return out + [""]


def fct_table(series):
    head = ["system", "flows done", "FCT mean ± CI over flows (s)", "FCT median (s)", "FCT p95 (s)"]
    lines = []
    for s in series:
        fcts = [x for r in s.rows for x in r["fcts"]]
        m, c, n = mean_ci(fcts)
        p50, p95 = (
            (np.percentile(fcts, 50), np.percentile(fcts, 95)) if fcts else (math.nan, math.nan)
        )
        lines.append([s.label, str(len(fcts)), fmt_ci(m, c, n), f"{p50:.3f}", f"{p95:.3f}"])
    return table(head, lines)


def flags_lines(series, campaign):
    """Runs whose loss study turned into an outage study (de-association)."""
    x_col = x_column(campaign)
    hits = []
    for s in series:
        for x, rs in s.by_x(x_col).items():
            k = sum(1 for r in rs if r["outage_s"] > 0 or r["deassoc"] > 0)
            if k:
                where = f" at {campaign.x_label} = {x_text(campaign, x)}" if x_col else ""
                total = sum(r["deassoc"] for r in rs if r["deassoc"] == r["deassoc"])
                hits.append(f"{s.label}{where}: {k} of {len(rs)} runs, {total:.0f} de-associations")
    if not hits:
        return ["No run had a de-association (outage_s = 0, deassoc = 0 everywhere)."]
    return ["**Runs with de-associations (outage, not just loss):** " + "; ".join(hits) + "."]


def plan_line(name, campaign, rows, series):
    """One row of the "What was run" table."""
    x_col = x_column(campaign)
    xs = sorted({r[x_col] for r in rows}) if x_col else []
    points = ", ".join(point_label(campaign, x) for x in xs) if xs else "one setting"
    ns = sorted({len(rs) for s in series for rs in s.by_x(x_col).values()})
    runs = f"{ns[0]}" if len(ns) == 1 else f"{ns[0]}–{ns[-1]}"
    durs = sorted({r["duration_s"] for r in rows})
    warms = sorted({r.get("warmup_s", math.nan) for r in rows if r["flows"] == "bulk"})
    warms = [w for w in warms if w == w]
    cpu = [r.get("sim_cpu_s", math.nan) for r in rows]
    cpu = sum(c for c in cpu if c == c)
    return [
        name,
        points,
        str(len([s for s in series if s.key[0] != "limit-same"])),
        runs,
        ", ".join(f"{cp.format_value(d)} s" for d in durs),
        ", ".join(f"{cp.format_value(w)} s" for w in warms) or "–",
        f"{cpu / 60:.1f} min" if cpu else "–",
    ]


def cost_line(rows, series):
    walls = [r["sim_wall_s"] for r in rows if r["sim_wall_s"] == r["sim_wall_s"]]
    if not walls:
        return "Wall time: not recorded."
    per = ", ".join(f"{s.label} {np.mean([r['sim_wall_s'] for r in s.rows]):.1f} s" for s in series)
    return (
        f"Wall time: {len(walls)} runs, {sum(walls):.0f} s of wall-clock time in total "
        f"(about {sum(walls) / 120:.1f} min on 2 parallel jobs); mean per run: {per}."
    )


def is_clean_channel(rows, campaign):
    """True if no fixed setting adds loss: frame_loss and burst_bad_ms are 0 (unless x)."""
    sv = setting_values(rows, campaign)
    return all(
        sv.get(c) == ["0"] for c in ("frame_loss", "burst_bad_ms") if c != x_column(campaign)
    )


def campaign_section(name, campaign, rows, series, path):
    """summary.md lines of one campaign: fixed settings, tables, flagged runs, wall time."""
    sec = [
        f"## {name}: {campaign.title}",
        "",
        f"Fixed: {fixed_text(rows, campaign)}. Source: `{path.name}`.",
        "",
    ]
    if campaign.disclosure:
        sec += [f"Channel: {campaign.disclosure}.", ""]
    server = sorted({r.get("server_tcp", "") for r in rows if r["system"] == "resoa"} - {""})
    if server:
        sec += [
            f"ReSoA's server TCP: {', '.join(server)} profile (Cubic, MinRto 200 ms, "
            "ClockGranularity 200 ms, delayed ACK 40 ms), fixed in every ReSoA run.",
            "",
        ]
    if campaign.kind == "fct":
        sec += fct_table(series)
    else:
        sec += ["Goodput, all clients (Mbit/s), mean ± 95 % CI over runs:", ""]
        sec += metric_table(series, campaign, "goodput_mbps")
        if campaign.kind in ("clients", "cell"):
            sec += ["", "Jain fairness index, mean ± 95 % CI over runs:", ""]
            sec += metric_table(series, campaign, "jain")
        if campaign.kind == "cell":
            sec += cell_tables(rows, series)
    return sec + [
        "",
        *fades_lines(series, campaign),
        *flags_lines(series, campaign),
        "",
        cost_line(rows, series),
        "",
    ]


def fades_lines(series, campaign):
    """Fades per run in the measured window (the issue asks for >= 20, or >= 30 s)."""
    fades = [r.get("fades", math.nan) for s in series for r in s.rows]
    fades = [f for f in fades if f == f]
    if not fades or max(fades) == 0:
        return []
    x_col = x_column(campaign)
    per_x = {}
    for s in series:
        for x, rs in s.by_x(x_col).items():
            per_x.setdefault(x, []).extend(r["fades"] for r in rs if r.get("fades") == r.get("fades"))
    parts = [
        f"{x_text(campaign, x) if x_col else '–'}: {min(v):.0f}–{max(v):.0f}"
        for x, v in sorted(per_x.items())
        if v
    ]
    return [f"Fades per run in the measured window (min–max, by {campaign.x_label or 'point'}): "
            + "; ".join(parts) + ".", ""]


# ------------------------------------------------------------------ main ---------------------
def parse_args(argv):
    p = argparse.ArgumentParser(prog="plot.py", description="Plot the ReSoA comparison results.")
    p.add_argument("--in", dest="in_dir", type=Path, default=REPO / "results", help="CSV directory")
    p.add_argument("--out", type=Path, help="output directory (default: the --in directory)")
    args = p.parse_args(argv)
    if not args.in_dir.is_dir():
        p.error(f"--in {args.in_dir} is not a directory")
    args.out = args.out or args.in_dir
    if args.out.exists() and not args.out.is_dir():
        p.error(f"--out {args.out} is not a directory")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    args.out.mkdir(parents=True, exist_ok=True)
    loaded, written, errors, plan = {}, [], 0, []
    sections = []
    for name in cp.ORDER:
        camp = cp.CAMPAIGNS[name]
        path = args.in_dir / f"{name}.csv"
        if not path.exists():
            print(f"skip {camp.figure}: {path} not found (run: sweep.py {name})")
            continue
        try:
            rows = dedupe(cp.read_rows(path))
        except (cp.SchemaError, ValueError) as e:
            print(f"skip {camp.figure}: {e}", file=sys.stderr)
            errors += 1
            continue
        if not rows:
            print(f"skip {camp.figure}: {path} has no rows")
            continue
        series = group(rows, camp)
        varying = [c for c, v in setting_values(rows, camp).items() if len(v) > 1]
        if varying:
            print(
                f"note: {path}: {', '.join(varying)} differ between rows; plotted as separate lines"
            )
        if FIGURES[camp.kind](rows, camp, args.out / camp.figure) is not False:
            written.append(camp.figure)
            print(f"wrote {args.out / camp.figure}")
        else:
            print(f"skip {camp.figure}: no flow completion times in {path}")
        loaded[name] = {
            "campaign": camp,
            "means": variant_means(series, camp),
            "stats": variant_stats(series, camp),
            "series": series,
            "clean_channel": is_clean_channel(rows, camp),
        }
        sections.append(campaign_section(name, camp, rows, series, path))
        plan.append(plan_line(name, camp, rows, series))
    if not loaded:
        print(f"plot: no readable campaign CSV in {args.in_dir}; nothing written", file=sys.stderr)
        return 1
    md = [
        "# ReSoA vs NAT vs TCP — summary",
        "",
        f"Generated by `analysis/plot.py` from `{args.in_dir}`. Every number is computed from the",
        "CSV rows: mean ± half-width of the 95 % Student-t confidence interval over runs.",
        f"Figures: {', '.join(written) or 'none'}.",
        "",
    ]
    md += ["## What was run", ""]
    md += table(
        ["campaign", "points", "series", "runs per point", "window after warm-up", "warm-up",
         "CPU time"],
        plan,
    )
    md += [
        "",
        headline_text(),
        "",
    ]
    md += ratios_section(loaded)
    md += ci_section(loaded)
    for sec in sections:
        md += sec
    (args.out / "summary.md").write_text("\n".join(md))
    print(f"wrote {args.out / 'summary.md'}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
