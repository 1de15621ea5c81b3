"""Headline campaigns of the ReSoA / NAT / TCP comparison, and the CSV schema they produce.

Every number the lead may want to tune (runs, durations, swept values, the MAC retry limit of
the loss study) is in the KNOBS section right below. A campaign is the cartesian product of
its x values and its system variants, times runs 1..R, with its fixed flags added to every
point. `build/examples/resoa-compare` runs one point and appends one CSV row
(docs/compare-csv.md).
"""

import csv
import math
from dataclasses import dataclass, field

# ---------------------------------------------------------------- KNOBS: edit here ----------
# Full variant: the issue asks for a 95 % CI over >= 10 runs per point.
RUNS = {"full": 10, "quick": 2}
# The saturated-UDP limit costs one simulation per MAC retry limit and varies little from run
# to run, so it gets fewer runs than the systems (its CI is still plotted).
LIMIT_RUNS = {"full": 3, "quick": 1}
# Seconds of traffic per run (`--duration`), and per-campaign exceptions for the full variant.
# The whole full headline set should take about 15 min on 2 cores, the quick set about 1 min:
# `sweep.py --list` prints the run counts and an estimate from the sim_wall_s of rows already
# in results/. Measured with the first resoa-compare: one 5 s run of every point costs 45 s
# (loss) and 110 s (clients; the limit at 8 STAs alone 24 s) of wall time.
DURATION_S = {"full": 3, "quick": 2}
FULL_DURATION_S_BY_CAMPAIGN = {"clients": 3}
# A run taking longer than this many times its --duration (and at least RUN_TIMEOUT_MIN_S) is
# treated as hung and fails; sweep.py --timeout overrides it.
RUN_TIMEOUT_FACTOR = 60
RUN_TIMEOUT_MIN_S = 120
SEED = 1
# MAC transmission limit of the loss study. 7 (the 802.11 default) hides most i.i.d. loss from
# TCP; 1 or 2 makes the residual loss the end-to-end protocols see much larger.
LOSS_MAC_RETRIES = 7
RTT_MS = 100
# The fixed bursty channel of the RTT study (Gilbert-Elliott mean bad / good durations).
RTT_BURST_BAD_MS = 50
BURST_GOOD_MS = 1000
# The fixed i.i.d. loss of the client-count study and of the web (short flow) study.
CLIENTS_FRAME_LOSS = 0.1
WEB_FRAME_LOSS = 0.3
WEB_CLIENTS = 2
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """One line in every goodput figure: a system plus the flags that make it this variant."""

    key: str
    label: str
    flags: dict
    color: str
    marker: str
    linestyle: str = "-"


# ns-3's TCP defaults are NewReno with MinRto 1 s; Linux uses 200 ms and Cubic. Every figure
# shows all three so that the TCP baseline is not a straw man.
VARIANTS = (
    Variant("resoa", "ReSoA", {"system": "resoa"}, "#1f77b4", "o"),
    Variant("nat", "NAT (ns-3 TCP defaults)", {"system": "nat"}, "#ff7f0e", "s"),
    Variant(
        "tcp",
        "TCP NewReno, minRto 1 s (ns-3)",
        {"system": "tcp", "tcp": "NewReno", "minRto": 1000},
        "#2ca02c",
        "^",
    ),
    Variant(
        "tcp-rto200",
        "TCP NewReno, minRto 200 ms",
        {"system": "tcp", "tcp": "NewReno", "minRto": 200},
        "#d62728",
        "v",
        "--",
    ),
    Variant(
        "tcp-cubic",
        "TCP Cubic, minRto 200 ms (Linux-like)",
        {"system": "tcp", "tcp": "Cubic", "minRto": 200},
        "#9467bd",
        "D",
        ":",
    ),
    Variant("limit", "limit (saturated UDP)", {"system": "limit"}, "#000000", "", "--"),
)
VARIANT_BY_KEY = {v.key: v for v in VARIANTS}
TCP_VARIANT_KEYS = ("tcp", "tcp-rto200", "tcp-cubic")
NO_LIMIT = tuple(v for v in VARIANTS if v.key != "limit")


@dataclass(frozen=True)
class Campaign:
    """A sweep over one flag (or none) for a set of variants; plotted as one figure."""

    name: str
    title: str
    x_flag: str  # swept flag, "" for a campaign with a single setting
    x_full: tuple
    x_quick: tuple
    fixed: dict
    variants: tuple
    figure: str
    kind: str  # "goodput", "clients" (goodput + Jain) or "fct"
    x_label: str = ""
    x_scale: float = 1.0  # plotted x = value * x_scale (frame loss shown in %)
    extra: dict = field(default_factory=dict)

    def x_values(self, quick):
        return self.x_quick if quick else self.x_full


def _bulk(**kw):
    base = {"direction": "up", "flows": "bulk", "clients": 1, "rtt": RTT_MS}
    base.update(kw)
    return base


CAMPAIGNS = {
    c.name: c
    for c in (
        Campaign(
            "loss",
            "Goodput vs i.i.d. frame loss",
            "frameLoss",
            (0, 0.1, 0.3, 0.5),
            (0, 0.3, 0.5),
            _bulk(macRetries=LOSS_MAC_RETRIES),
            VARIANTS,
            "goodput-vs-loss.png",
            "goodput",
            "i.i.d. frame loss per PHY (%)",
            100.0,
        ),
        Campaign(
            "burst",
            "Goodput vs loss-burst duration",
            "burstBadMs",
            (0, 20, 50, 200),
            (0, 50, 200),
            _bulk(burstGoodMs=BURST_GOOD_MS),
            VARIANTS,
            "goodput-vs-burst.png",
            "goodput",
            "mean bad-state (burst) duration (ms)",
        ),
        Campaign(
            "rtt",
            "Goodput vs round-trip time",
            "rtt",
            (20, 100, 300),
            (20, 300),
            _bulk(burstBadMs=RTT_BURST_BAD_MS, burstGoodMs=BURST_GOOD_MS),
            VARIANTS,
            "goodput-vs-rtt.png",
            "goodput",
            "round-trip time (ms)",
        ),
        Campaign(
            "clients",
            "Goodput and fairness vs number of clients",
            "clients",
            (1, 2, 4, 8),
            (1, 4),
            _bulk(frameLoss=CLIENTS_FRAME_LOSS),
            VARIANTS,
            "goodput-vs-clients.png",
            "clients",
            "number of clients (STAs)",
        ),
        Campaign(
            "web",
            "Web flow completion times",
            "",
            (),
            (),
            {
                "direction": "up",
                "flows": "web",
                "clients": WEB_CLIENTS,
                "frameLoss": WEB_FRAME_LOSS,
                "rtt": RTT_MS,
            },
            NO_LIMIT,
            "fct-cdf.png",
            "fct",
        ),
    )
}
HEADLINE = ("loss", "burst", "rtt", "clients", "web")


def points(campaign, quick=False, runs=None):
    """Every point of `campaign` as an ordered flag dict (without --csv), runs 1..R.

    Ordered by run first so that an interrupted sweep leaves every point with some runs.
    """
    mode = "quick" if quick else "full"
    # An explicit run count (--runs) applies to the limit too.
    limit_runs = min(RUNS[mode], LIMIT_RUNS[mode]) if runs is None else runs
    runs = RUNS[mode] if runs is None else runs
    xs = campaign.x_values(quick) if campaign.x_flag else (None,)
    out = []
    for run in range(1, runs + 1):
        for x in xs:
            for v in campaign.variants:
                if v.key == "limit" and run > limit_runs:
                    continue
                flags = dict(v.flags)
                if campaign.x_flag:
                    flags[campaign.x_flag] = x
                for k, val in campaign.fixed.items():
                    if k != campaign.x_flag:  # the swept value wins over a fixed default
                        flags[k] = val
                flags["duration"] = duration_s(campaign, quick)
                flags["seed"] = SEED
                flags["run"] = run
                out.append(flags)
    return out


def duration_s(campaign, quick=False):
    """Seconds of traffic per run of `campaign`."""
    if quick:
        return DURATION_S["quick"]
    return FULL_DURATION_S_BY_CAMPAIGN.get(campaign.name, DURATION_S["full"])


def run_timeout_s(flags):
    """Wall seconds after which a run with these flags counts as hung."""
    return max(RUN_TIMEOUT_MIN_S, RUN_TIMEOUT_FACTOR * float(flags.get("duration", 20)))


def describe(campaign, flags):
    """Short text for a progress line: the flags that vary inside the campaign."""
    keys = ["system", "tcp", "minRto"]
    if campaign.x_flag:
        keys.append(campaign.x_flag)
    keys.append("run")
    return " ".join(f"{k}={flags[k]}" for k in keys if k in flags)


def flag_args(flags):
    """ns-3 CommandLine arguments for a flag dict."""
    return [f"--{k}={format_value(v)}" for k, v in flags.items()]


def format_value(v):
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


# ---------------------------------------------------------------- CSV schema ----------------
PARAM_COLUMNS = (
    "system,direction,flows,clients,frame_loss,burst_bad_ms,burst_good_ms,mac_retries,rtt_ms,"
    "link_rate,tcp,min_rto_ms,bytes,duration_s,seed,run"
).split(",")
RESULT_COLUMNS = (
    "goodput_mbps,per_client_mbps,jain,flows_done,fct_mean_s,fct_p50_s,fct_p95_s,fcts,"
    "mac_retx,lhp_retx,tcp_retx,frames_per_kb,outage_s,deassoc,sim_wall_s"
).split(",")
# Parameters recorded after the results (added later; campaigns keep their defaults).
TRAILING_PARAM_COLUMNS = ("warmup_s", "distance_m")
COLUMNS = PARAM_COLUMNS + RESULT_COLUMNS + list(TRAILING_PARAM_COLUMNS)
LIST_COLUMNS = ("per_client_mbps", "fcts")
TEXT_COLUMNS = ("system", "direction", "flows", "link_rate", "tcp")
# resoa-compare flag -> the CSV column that records it (flags without one are not keyed).
FLAG_COLUMN = {
    "system": "system",
    "direction": "direction",
    "flows": "flows",
    "clients": "clients",
    "frameLoss": "frame_loss",
    "burstBadMs": "burst_bad_ms",
    "burstGoodMs": "burst_good_ms",
    "macRetries": "mac_retries",
    "rtt": "rtt_ms",
    "linkRate": "link_rate",
    "tcp": "tcp",
    "minRto": "min_rto_ms",
    "bytes": "bytes",
    "duration": "duration_s",
    "seed": "seed",
    "run": "run",
}
KNOWN_FLAGS = tuple(FLAG_COLUMN) + ("webFlowBytes", "pcap")


class SchemaError(Exception):
    """A results CSV that does not have the documented columns."""


def norm_value(v):
    """Canonical text of a parameter value: numbers compare numerically, names case-free."""
    s = str(v).strip()
    try:
        f = float(s)
    except ValueError:
        s = s.lower()
        return s[len("ns3::tcp") :] if s.startswith("ns3::tcp") else s
    return "nan" if math.isnan(f) else format(f, ".9g")


def point_key(flags):
    """{column: canonical value} that a row must have to count as this point done."""
    return {FLAG_COLUMN[k]: norm_value(v) for k, v in flags.items() if k in FLAG_COLUMN}


def row_norm(raw_row):
    """{column: canonical value} of the parameter columns of a raw (text) row."""
    return {c: norm_value(raw_row.get(c, "")) for c in PARAM_COLUMNS}


def matches(key, normed_row):
    return all(normed_row.get(c) == v for c, v in key.items())


def mismatched_columns(key, normed_row):
    return [c for c, v in key.items() if normed_row.get(c) != v]


def parse_number(text):
    text = (text or "").strip()
    if not text:
        return math.nan
    try:
        return float(text)
    except ValueError:
        return math.nan


def parse_list(text):
    """Space-separated numbers ("1.5 2.25"); empty text is an empty list."""
    return [float(t) for t in (text or "").split()]


def parse_row(raw):
    """Typed row: text columns stay text, list columns become lists, the rest floats."""
    row = {}
    for col, text in raw.items():
        if col is None:
            continue
        if col in TEXT_COLUMNS:
            row[col] = (text or "").strip()
        elif col in LIST_COLUMNS:
            try:
                row[col] = parse_list(text)
            except ValueError as e:
                raise SchemaError(
                    f"column {col}: not a space-separated number list: {text!r}"
                ) from e
        else:
            row[col] = parse_number(text)
    row["_norm"] = row_norm(raw)
    row["_raw"] = dict(raw)
    return row


def read_raw(path):
    """(header, raw rows as dicts) of a CSV file; rows with the wrong field count are dropped."""
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            return None, []
        rows = [dict(zip(header, r)) for r in reader if len(r) == len(header)]
    return header, rows


def check_header(header, path):
    # Trailing parameter columns came later: files written before them stay readable.
    missing = [c for c in COLUMNS if c not in (header or []) and c not in TRAILING_PARAM_COLUMNS]
    if missing:
        raise SchemaError(
            f"{path}: missing column(s) {', '.join(missing)} (see docs/compare-csv.md)"
        )


def read_rows(path):
    """Typed rows of a results CSV; raises SchemaError if documented columns are missing."""
    header, raws = read_raw(path)
    if header is None:
        return []
    check_header(header, path)
    return [parse_row(r) for r in raws]


def classify(row, variants=VARIANTS):
    """The Variant a row belongs to (by its system/tcp/min_rto columns), or None."""
    normed = row["_norm"]
    for v in variants:
        if matches(point_key(v.flags), normed):
            return v
    return None


def variant_key(row, variants=VARIANTS):
    v = classify(row, variants)
    if v is not None:
        return v.key
    return f"{row['system']}/{row.get('tcp', '')}/{format_value(row.get('min_rto_ms', ''))}"
