"""Campaigns of the ReSoA / NAT / TCP comparison, and the CSV schema they produce.

Every number the lead may want to tune (runs, windows, swept values, which points and
variants the 30-minute headline keeps) is in the KNOBS section right below. A campaign is
the cartesian product of its x values and its system variants, times runs 1..R, with its
fixed flags added to every point. `build/examples/resoa-compare` runs one point and appends
one CSV row (docs/compare-csv.md).

Three modes share one grid, so that every headline point is also a point of the full
campaign (same flags: `./resoa run --full` after `./resoa run` resumes, it never reruns):
- "headline" (`./resoa run`): the points and variants that fit in 30 minutes on 2 cores;
- "full" (`./resoa run --full`): every campaign, x value and variant;
- "quick" (`./resoa run --quick`): a one-minute smoke run into results/quick/.
"""

import csv
import math
from dataclasses import dataclass, field

MODES = ("quick", "headline", "full")

# ---------------------------------------------------------------- KNOBS: edit here ----------
# The issue asks for >= 10 runs per point for every system, the limit included, and a 95 % CI
# half-width <= 10 % of the mean (plot.py reports where that is not reached).
RUNS = {"full": 10, "headline": 10, "quick": 2}
LIMIT_RUNS = RUNS
# Seconds measured per bulk run (`--duration`), after WARMUP_S of traffic that is not
# counted (slow start). >= 30 s, or >= 20 fades: with fades every BURST_GOOD_MS + the fade, a
# 30-s window holds ~28 fades at 50 ms and ~25 at 200 ms (the `fades` column counts them).
DURATION_S = {"full": 30, "headline": 30, "quick": 2}
WARMUP_S = {"full": 2, "headline": 2, "quick": 1}
# Per-campaign exceptions: short flows measure completion times, not a window.
DURATION_S_BY_CAMPAIGN = {"web": {"full": 30, "headline": 30, "quick": 2}}
# RTT 300 ms needs ~3 s of slow start to fill the 802.11a pipe.
WARMUP_S_BY_CAMPAIGN = {"rtt": {"full": 5, "headline": 5, "quick": 1}}
# A run taking longer than this many times its --duration (and at least RUN_TIMEOUT_MIN_S) is
# treated as hung and fails; sweep.py --timeout overrides it.
RUN_TIMEOUT_FACTOR = 60
RUN_TIMEOUT_MIN_S = 120
SEED = 1
# MAC transmission limit the systems use (802.11's default 7), in every campaign. The limit is
# reported two ways: best over LIMIT_MAC_RETRIES (goodput_mbps) and at this same count
# (limit_same_mbps).
MAC_RETRIES = 7
# Lists are comma-separated: ns-3's CommandLine reads a string value up to the first space.
LIMIT_MAC_RETRIES = "1,2,4,7"
RTT_MS = 100
# The fixed bursty channel of the RTT study (Gilbert-Elliott mean bad / good durations).
RTT_BURST_BAD_MS = 50
BURST_GOOD_MS = 1000
# The fixed i.i.d. loss of the client-count study and of the web (short flow) study.
CLIENTS_FRAME_LOSS = 0.1
WEB_FRAME_LOSS = 0.3
WEB_CLIENTS = 2
# The multi-rate cell: one station per distance (m), Nakagami fading, Minstrel.
CELL_DISTANCES = "5,15,25,35,45"
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
    footnote: str = ""


# The ReSoA server's own TCP is fixed (resoa-compare --serverTcp=linux, the default and
# recorded as server_tcp): the Linux-like profile below, whatever baseline a row compares
# against. --tcp=linux for ReSoA sets the Internet host's TCP (a Linux server).
FOOTNOTE_RTO200 = (
    "NewReno with a 200 ms MinRto is an artefact of ns-3, not a Linux stand-in: ns-3's MinRto "
    "floors the whole RTO, so with cwnd at 1 a 200 ms RTO is shorter than RTT plus ns-3's "
    "200 ms delayed-ACK timer, and the sender loops in spurious timeouts. Linux computes "
    "RTO = SRTT + max(200 ms, 4 RTTVAR) and acks within 40 ms: that is the Linux-like row."
)
VARIANTS = (
    Variant("resoa", "ReSoA (server TCP Linux-like)", {"system": "resoa", "tcp": "linux"},
            "#1f77b4", "o"),
    Variant("nat", "NAT (Linux-like TCP)", {"system": "nat", "tcp": "linux"}, "#ff7f0e", "s"),
    Variant(
        "tcp-linux",
        "TCP Linux-like",
        {"system": "tcp", "tcp": "linux"},
        "#8c564b",
        "P",
    ),
    Variant(
        "tcp-cubic",
        "TCP Cubic, minRto 200 ms",
        {"system": "tcp", "tcp": "Cubic", "minRto": 200},
        "#9467bd",
        "D",
        ":",
    ),
    Variant(
        "tcp",
        "TCP NewReno, minRto 1 s (ns-3)",
        {"system": "tcp", "tcp": "NewReno", "minRto": 1000},
        "#2ca02c",
        "^",
    ),
    Variant(
        "tcp-rto200",
        "TCP NewReno, minRto 200 ms (*)",
        {"system": "tcp", "tcp": "NewReno", "minRto": 200},
        "#d62728",
        "v",
        "--",
        FOOTNOTE_RTO200,
    ),
    Variant("limit", "limit (saturated UDP, best MAC retries)", {"system": "limit"}, "#000000",
            "", "--"),
)
VARIANT_BY_KEY = {v.key: v for v in VARIANTS}
# "Best TCP" per point: the better of these two (the definition).
BEST_TCP_KEYS = ("tcp-cubic", "tcp")
TCP_VARIANT_KEYS = ("tcp-linux", "tcp-cubic", "tcp", "tcp-rto200")
NO_LIMIT = tuple(v for v in VARIANTS if v.key != "limit")
# The headline keeps what its ratios need: ReSoA, both best-TCP candidates and the limit.
# The Linux-like profile, NAT (it equals routed TCP with the same settings in every run: NAPT
# adds no delay in ns-3, its difference is function, test/sim/test-table-4-1.cc) and the
# NewReno/200 ms footnote run in --full only, so that the multi-rate cell and downloads fit
# in the headline's 30 minutes.
HEADLINE_KEYS = ("resoa", "tcp-cubic", "tcp", "limit")


def _keys(*keys):
    return tuple(VARIANT_BY_KEY[k] for k in keys)


@dataclass(frozen=True)
class Campaign:
    """A sweep over one flag (or none) for a set of variants; plotted as one figure."""

    name: str
    title: str
    x_flag: str  # swept flag, "" for a campaign with a single setting
    x: dict  # mode -> x values; a mode without the key (or with ()) skips the campaign
    fixed: dict
    variants: tuple  # full mode; headline and quick keep those in HEADLINE_KEYS
    figure: str
    kind: str  # "goodput", "clients" (goodput + Jain), "fct" or "cell"
    x_label: str = ""
    x_scale: float = 1.0  # plotted x = value * x_scale (frame loss shown in %)
    disclosure: str = ""  # what the channel is, for the figure title and summary.md
    extra: dict = field(default_factory=dict)

    def x_values(self, quick=False, mode=None):
        return tuple(self.x.get(mode_of(quick, mode), ()))

    def in_mode(self, mode):
        return bool(self.x.get(mode))

    def variants_for(self, mode):
        if mode == "full":
            return self.variants
        return tuple(v for v in self.variants if v.key in HEADLINE_KEYS)

    # Backwards-compatible views (tests, --list).
    @property
    def x_full(self):
        return self.x_values(mode="full")

    @property
    def x_quick(self):
        return self.x_values(mode="quick")


def mode_of(quick=False, mode=None):
    return mode or ("quick" if quick else "full")


SINGLE = (None,)  # x of a campaign with one setting


def _bulk(**kw):
    base = {"direction": "up", "flows": "bulk", "clients": 1, "rtt": RTT_MS,
            "macRetries": MAC_RETRIES}
    base.update(kw)
    return base


SHARED_FADES = (
    "fades: one Gilbert-Elliott timeline shared by every PHY (a fade hits both directions), "
    "hitting data frames and MAC ACKs (beacons protected), starting Good at t = 0; ACKs are "
    "spared until the traffic starts at 1 s, so the station associates on a clean channel"
)
PERPHY_FADES = (
    "interference-like: an independent fade timeline per receiving PHY, hitting every frame "
    "(beacons and management too, from the traffic's start at 1 s: de-associations are "
    "counted)"
)

CAMPAIGNS = {
    c.name: c
    for c in (
        Campaign(
            "loss",
            "Goodput vs i.i.d. frame loss",
            "frameLoss",
            {"full": (0, 0.1, 0.3, 0.5), "headline": (0, 0.3), "quick": (0, 0.3)},
            _bulk(),
            VARIANTS,
            "goodput-vs-loss.png",
            "goodput",
            "i.i.d. frame loss per PHY on data frames and MAC ACKs (%)",
            100.0,
        ),
        Campaign(
            "burst",
            "Goodput vs loss-burst (fade) duration",
            "burstBadMs",
            {"full": (0, 20, 50, 100, 200), "headline": (50, 200), "quick": (200,)},
            _bulk(burstGoodMs=BURST_GOOD_MS),
            VARIANTS,
            "goodput-vs-burst.png",
            "goodput",
            "mean fade (bad-state) duration (ms), mean 1 s between fades",
            disclosure=SHARED_FADES,
        ),
        Campaign(
            "interference",
            "Sensitivity: independent fades per PHY on every frame",
            "burstBadMs",
            {"full": (20, 50, 100), "quick": (50,)},
            _bulk(burstGoodMs=BURST_GOOD_MS, fadeTimeline="perPhy", lossFrames="all"),
            VARIANTS,
            "goodput-vs-burst-interference.png",
            "goodput",
            "mean fade duration per PHY (ms), mean 1 s between fades",
            disclosure=PERPHY_FADES,
        ),
        Campaign(
            "rtt",
            "Goodput vs round-trip time",
            "rtt",
            {"full": (20, 100, 300)},
            _bulk(burstBadMs=RTT_BURST_BAD_MS, burstGoodMs=BURST_GOOD_MS),
            VARIANTS,
            "goodput-vs-rtt.png",
            "goodput",
            "round-trip time (ms)",
            disclosure=SHARED_FADES,
        ),
        Campaign(
            "clients",
            "Goodput and fairness vs number of clients",
            "clients",
            {"full": (1, 2, 4, 8), "quick": (4,)},
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
            {"full": SINGLE, "quick": SINGLE},
            {
                "direction": "up",
                "flows": "web",
                "clients": WEB_CLIENTS,
                "frameLoss": WEB_FRAME_LOSS,
                "rtt": RTT_MS,
                "macRetries": MAC_RETRIES,
            },
            NO_LIMIT,
            "fct-cdf.png",
            "fct",
        ),
        Campaign(
            "down-loss",
            "Downloads: goodput vs i.i.d. frame loss",
            "frameLoss",
            {"full": (0, 0.3, 0.5), "headline": (0.3,)},
            _bulk(direction="down"),
            VARIANTS,
            "download-goodput-vs-loss.png",
            "goodput",
            "i.i.d. frame loss per PHY on data frames and MAC ACKs (%)",
            100.0,
        ),
        Campaign(
            "down-burst",
            "Downloads: goodput vs fade duration",
            "burstBadMs",
            {"full": (50, 200)},
            _bulk(direction="down", burstGoodMs=BURST_GOOD_MS),
            VARIANTS,
            "download-goodput-vs-burst.png",
            "goodput",
            "mean fade (bad-state) duration (ms), mean 1 s between fades",
            disclosure=SHARED_FADES,
        ),
        Campaign(
            "cell",
            "Multi-rate cell: stations at several distances",
            "",
            {"full": SINGLE, "headline": SINGLE, "quick": SINGLE},
            _bulk(clients=len(CELL_DISTANCES.split(",")), distances=CELL_DISTANCES),
            VARIANTS,
            "cell-per-station.png",
            "cell",
            disclosure=(
                f"one saturated upload per station, stations at {CELL_DISTANCES.replace(',', ', ')} m, "
                "log-distance path loss with Nakagami fading, Minstrel rate control; the limit is "
                "saturated UDP from the same stations"
            ),
        ),
    )
}
# Campaign order of `all` (and of summary.md); each mode runs those with x values in it.
ORDER = (
    "loss", "burst", "interference", "rtt", "clients", "web", "down-loss", "down-burst", "cell",
)
HEADLINE = ORDER


def campaigns_for(mode):
    """Names of the campaigns `all` runs in `mode`, in ORDER."""
    return tuple(n for n in ORDER if CAMPAIGNS[n].in_mode(mode))


def points(campaign, quick=False, runs=None, mode=None):
    """Every point of `campaign` as an ordered flag dict (without --csv), runs 1..R.

    Ordered by run first so that an interrupted sweep leaves every point with some runs.
    """
    mode = mode_of(quick, mode)
    limit_runs = LIMIT_RUNS[mode] if runs is None else runs
    runs = RUNS[mode] if runs is None else runs
    xs = campaign.x_values(mode=mode) if campaign.x_flag else campaign.x.get(mode, ())
    out = []
    for run in range(1, runs + 1):
        for x in xs:
            for v in campaign.variants_for(mode):
                if v.key == "limit" and run > limit_runs:
                    continue
                flags = dict(v.flags)
                if campaign.x_flag:
                    flags[campaign.x_flag] = x
                for k, val in campaign.fixed.items():
                    if k != campaign.x_flag:  # the swept value wins over a fixed default
                        flags[k] = val
                if v.key == "limit":
                    flags["limitRetries"] = LIMIT_MAC_RETRIES
                if campaign.fixed.get("flows", "bulk") == "bulk":
                    flags["warmup"] = warmup_s(campaign, mode=mode)
                flags["duration"] = duration_s(campaign, mode=mode)
                flags["seed"] = SEED
                flags["run"] = run
                out.append(flags)
    return out


def duration_s(campaign, quick=False, mode=None):
    """Seconds of traffic measured per run of `campaign`."""
    mode = mode_of(quick, mode)
    return DURATION_S_BY_CAMPAIGN.get(campaign.name, DURATION_S)[mode]


def warmup_s(campaign, quick=False, mode=None):
    """Seconds of bulk traffic before the measured window."""
    mode = mode_of(quick, mode)
    return WARMUP_S_BY_CAMPAIGN.get(campaign.name, WARMUP_S)[mode]


# Measured CPU seconds per simulated second of one simulation on this machine, on the clean
# link (the most expensive point: most frames per second), 2026-12-01, `sim_cpu_s` of runs of
# 2 s warm-up + 30 s, mean of two measurements on a machine loaded by other builds: ReSoA
# 15.3 / 18.0 s, TCP 8.9–13.4 s (Linux-like, Cubic/200 ms, NewReno/1 s), the limit 26.0 /
# 30.7 s for its 4 simulations. With N jobs on N idle cores the wall time is CPU / N. Lossy
# points cost less (fewer frames): `sweep.py --list` prefers the `sim_cpu_s` of rows already
# in the results directory. NAT is taken as TCP.
WALL_PER_SIM_S = {"resoa": 0.50, "tcp": 0.36, "nat": 0.36, "limit": 0.215}
START_S = 1.0  # resoa-compare starts traffic at 1 s (association, ReSoA registration)


def _sims(system, mac_retries, limit_retries):
    if system != "limit":
        return 1
    text = str(limit_retries or LIMIT_MAC_RETRIES).replace(",", " ")
    tried = {int(float(x)) for x in text.split()}
    return len(tried | {int(float(mac_retries))})


def simulated_s_of_flags(flags):
    """Simulated seconds a run with these flags costs (all simulations of a limit run)."""
    bulk = flags.get("flows", "bulk") == "bulk"
    one = START_S + float(flags.get("duration", 20)) + (
        float(flags.get("warmup", 2)) if bulk else 0.0
    )
    return one * _sims(flags.get("system"), flags.get("macRetries", 7), flags.get("limitRetries"))


def simulated_s(row):
    """Simulated seconds behind one CSV row."""
    warm = row.get("warmup_s", 2.0)
    warm = 2.0 if warm != warm else warm
    one = START_S + row["duration_s"] + (warm if row["flows"] == "bulk" else 0.0)
    return one * _sims(row["system"], row["mac_retries"], None)


def load_factor(flags):
    """CPU of a run on this channel relative to the clean link (fewer frames cost less).

    Measured 2026-12-02 as the summed sim_cpu_s of ReSoA, Cubic/200 ms, NewReno/1 s and the
    limit, 10 runs each: i.i.d. loss 30 % = 0.50 of the clean link (uploads and downloads),
    50 % = 0.31; 50 ms fades = 0.58. A linear fit in the loss rate, and 0.6 for any fades.
    """
    factor = max(0.3, 1.0 - float(flags.get("frameLoss", 0)) * 5.0 / 3.0)
    if float(flags.get("burstBadMs", 0)) > 0:
        factor = min(factor, 0.6)
    return factor


def model_wall_s(flags):
    """Wall seconds of one run on one job by the cost model (more clients cost more)."""
    per = WALL_PER_SIM_S.get(flags.get("system"), max(WALL_PER_SIM_S.values()))
    clients = float(flags.get("clients", 1))
    return per * simulated_s_of_flags(flags) * (1 + 0.15 * (clients - 1)) * load_factor(flags)


def run_timeout_s(flags):
    """Wall seconds after which a run with these flags counts as hung."""
    return max(RUN_TIMEOUT_MIN_S, RUN_TIMEOUT_FACTOR * float(flags.get("duration", 20)))


def describe(campaign, flags):
    """Short text for a progress line: the flags that vary inside the campaign."""
    keys = ["system", "tcp", "minRto", "direction"]
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
# Parameters recorded after the results (added later). The TCP profile columns
# (clock_granularity_ms .. tcp_cc) follow from --tcp and --minRto.
TRAILING_PARAM_COLUMNS = (
    "warmup_s,distance_m,clock_granularity_ms,del_ack_ms,init_cwnd,sack,tcp_cc,server_tcp,"
    "fade_timeline,loss_frames,distances_m"
).split(",")
TRAILING_RESULT_COLUMNS = ("limit_retries,limit_same_mbps,fades,airtime_share,sim_cpu_s").split(
    ","
)
COLUMNS = PARAM_COLUMNS + RESULT_COLUMNS + TRAILING_PARAM_COLUMNS + TRAILING_RESULT_COLUMNS
KEY_COLUMNS = PARAM_COLUMNS + TRAILING_PARAM_COLUMNS  # what identifies a point
LIST_COLUMNS = ("per_client_mbps", "fcts", "airtime_share")
TEXT_COLUMNS = (
    "system,direction,flows,link_rate,tcp,tcp_cc,server_tcp,fade_timeline,loss_frames,distances_m"
).split(",")
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
    "warmup": "warmup_s",
    "distance": "distance_m",
    "serverTcp": "server_tcp",
    "fadeTimeline": "fade_timeline",
    "lossFrames": "loss_frames",
    "distances": "distances_m",
}
KNOWN_FLAGS = tuple(FLAG_COLUMN) + ("webFlowBytes", "pcap", "limitRetries")


class SchemaError(Exception):
    """A results CSV that does not have the documented columns."""


def norm_value(v):
    """Canonical text of a parameter value: numbers compare numerically, names case-free."""
    s = str(v).strip()
    try:
        f = float(s)
    except ValueError:
        s = " ".join(s.lower().replace(",", " ").split())  # lists: "5,15" is "5 15"
        return s[len("ns3::tcp") :] if s.startswith("ns3::tcp") else s
    return "nan" if math.isnan(f) else format(f, ".9g")


def point_key(flags):
    """{column: canonical value} that a row must have to count as this point done."""
    return {FLAG_COLUMN[k]: norm_value(v) for k, v in flags.items() if k in FLAG_COLUMN}


def row_norm(raw_row):
    """{column: canonical value} of the parameter columns of a raw (text) row."""
    return {c: norm_value(raw_row.get(c, "")) for c in KEY_COLUMNS}


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
    # Trailing columns came later: files written before them stay readable.
    trailing = TRAILING_PARAM_COLUMNS + TRAILING_RESULT_COLUMNS
    missing = [c for c in COLUMNS if c not in (header or []) and c not in trailing]
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
