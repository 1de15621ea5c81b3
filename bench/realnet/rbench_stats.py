# SPDX-License-Identifier: GPL-2.0-only
"""Medians, quantiles and 95 % confidence intervals for bench-realnet.py (stdlib only)."""
import math
import statistics

# Student t, two-sided 95 %, by degrees of freedom (scipy is not available here).
_T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
        9: 2.262, 10: 2.228, 12: 2.179, 15: 2.131, 20: 2.086, 30: 2.042, 60: 2.000}


def t95(df):
    for d in sorted(_T95):
        if df <= d:
            return _T95[d]
    return 1.960


def mean_ci(values):
    """(mean, half width of its 95 % CI by Student t); half width None below 2 values."""
    if not values:
        return None, None
    m = statistics.fmean(values)
    if len(values) < 2:
        return m, None
    return m, t95(len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))


def geo_ci(values):
    """(low, high): 95 % CI of the geometric mean (Student t on logs), None below 2 values
    or with a value <= 0. Rates and ratios are positive and skewed: on logs the interval
    never goes below zero and a ratio's interval is the inverse of its inverse's."""
    if len(values) < 2 or min(values) <= 0:
        return None, None
    m, h = mean_ci([math.log(v) for v in values])
    return math.exp(m - h), math.exp(m + h)


def median(values):
    return statistics.median(values) if values else None


def quantile(values, q):
    """Nearest-rank quantile, q in 0..1 (the same rule as realnet-load's own output)."""
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, int(q * (len(s) - 1) + 0.5))]


def quantile_ci(values, q):
    """(low, high): distribution-free 95 % CI of the q quantile from order statistics
    (normal approximation to the binomial rank), clamped to the sample."""
    if not values:
        return None, None
    s = sorted(values)
    n = len(s)
    half = 1.96 * math.sqrt(n * q * (1 - q))
    lo = max(0, int(math.floor(n * q - half)) - 1)  # 1-based rank -> index
    hi = min(n - 1, int(math.ceil(n * q + half)) - 1)
    return s[lo], s[hi]
