"""The best total goodput a multi-rate cell allows at a given fairness.

Each station i turns a share a_i of the channel's airtime into goodput e_i * a_i, where e_i
(Mbit/s per unit of airtime) is what the station measured: its goodput over its airtime share.
Giving the fast stations all the airtime maximises the total but starves the others, so the
ceiling that matters is the best total whose Jain index is at least a given value (e.g. the
best TCP's). Shares are searched on a grid over the simplex; with 5 stations a step of 0.02
is about 300 000 splits.
"""

import itertools

import numpy as np


def jain(x):
    x = np.asarray(x, dtype=float)
    s = (x**2).sum(axis=-1)
    return np.where(s > 0, x.sum(axis=-1) ** 2 / (x.shape[-1] * np.where(s > 0, s, 1)), 0.0)


def _splits(n, steps):
    """Every split of `steps` grid units over n stations (rows sum to steps): stars and bars."""
    if n == 1:
        return np.array([[steps]])
    bars = np.array(list(itertools.combinations(range(steps + n - 1), n - 1)))
    edges = np.hstack([np.full((len(bars), 1), -1), bars, np.full((len(bars), 1), steps + n - 1)])
    return np.diff(edges, axis=1) - 1


def ceiling(efficiency, jain_min, step=0.02):
    """(best total, airtime split) over splits whose goodputs have Jain >= jain_min."""
    e = np.asarray(efficiency, dtype=float)
    steps = int(round(1 / step))
    shares = _splits(len(e), steps) / steps
    goodput = shares * e
    total = goodput.sum(axis=1)
    ok = jain(goodput) >= jain_min - 1e-9
    if not ok.any():
        return 0.0, None
    k = int(np.argmax(np.where(ok, total, -1.0)))
    return float(total[k]), shares[k]


def efficiencies(goodput, airtime):
    """Goodput per unit of airtime per station (0 where a station had no airtime)."""
    g = np.asarray(goodput, dtype=float)
    a = np.asarray(airtime, dtype=float)
    return np.where(a > 0, g / np.where(a > 0, a, 1), 0.0)
