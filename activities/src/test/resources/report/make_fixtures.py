#!/usr/bin/python3
"""Reference values for StatisticsTest, computed with SciPy and NumPy (Debian's python3-scipy).

Run: /usr/bin/python3 make_fixtures.py > statistics-fixtures.json
"""
import json
import math

import numpy as np
import scipy
from scipy import stats

MEANS = [
    [0.81, 0.84, 0.79],
    [0.5, 0.62],
    [0.912, 0.905, 0.931, 0.899, 0.920, 0.915, 0.908, 0.925, 0.911, 0.903],
    [0.333, 0.417, 0.25, 0.5, 0.383],
    [0.7] * 4 + [0.71],
]
PAIRS = [
    ([0.81, 0.84, 0.79], [0.70, 0.76, 0.72]),
    ([0.52, 0.61, 0.58, 0.49, 0.55], [0.50, 0.63, 0.54, 0.47, 0.56]),
    ([0.90, 0.92, 0.88, 0.95, 0.91, 0.89, 0.93, 0.94], [0.91, 0.90, 0.89, 0.92, 0.93, 0.88, 0.90, 0.91]),
    ([0.6, 0.7], [0.5, 0.65]),
]
CURVES = [
    # x, y, target
    ([32, 128, 512, 2048], [0.41, 0.63, 0.78, 0.86], 0.70),
    ([32, 128, 512, 2048], [0.41, 0.63, 0.78, 0.86], 0.85),
    ([32, 128, 512, 2048], [0.41, 0.63, 0.78, 0.86], 0.90),
    ([1, 2, 4, 8], [0.3, 0.55, 0.54, 0.7], 0.6),
    ([1, 2, 4], [0.8, 0.9, 0.95], 0.75),
]
CROSSINGS = [
    ([32, 128, 512, 2048], [0.60, 0.70, 0.78, 0.82], [0.45, 0.66, 0.80, 0.90]),
    ([1, 2, 4, 8], [0.5, 0.4, 0.6, 0.5], [0.45, 0.5, 0.55, 0.55]),
    ([1, 2, 4], [0.5, 0.6, 0.7], [0.4, 0.5, 0.6]),
]


def mean_ci(xs):
    a = np.asarray(xs, dtype=float)
    n = len(a)
    sem = stats.sem(a)  # sd with ddof=1 over sqrt(n)
    lo, hi = stats.t.interval(0.95, n - 1, loc=a.mean(), scale=sem)
    return {"values": xs, "n": n, "mean": a.mean(), "sd": a.std(ddof=1),
            "low": lo, "high": hi, "t975": stats.t.ppf(0.975, n - 1)}


def paired(a, b):
    r = stats.ttest_rel(a, b)
    d = np.asarray(a) - np.asarray(b)
    lo, hi = stats.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=stats.sem(d))
    return {"a": a, "b": b, "t": float(r.statistic), "p": float(r.pvalue), "df": len(d) - 1,
            "mean_diff": d.mean(), "low": lo, "high": hi, "cohen_dz": d.mean() / d.std(ddof=1)}


def reach(x, y, target):
    # first index at or above the target; interpolate log2(x) linearly in y on that segment
    lx = np.log2(np.asarray(x, dtype=float))
    for i, v in enumerate(y):
        if v >= target:
            if i == 0:
                return {"x": x, "y": y, "target": target, "reached": float(x[0])}
            l = np.interp(target, [y[i - 1], y[i]], [lx[i - 1], lx[i]])
            return {"x": x, "y": y, "target": target, "reached": float(2 ** l)}
    return {"x": x, "y": y, "target": target, "reached": None}


def crossings(x, a, b):
    lx = np.log2(np.asarray(x, dtype=float))
    d = np.asarray(a) - np.asarray(b)
    out = []
    for i in range(1, len(x)):
        if np.sign(d[i - 1]) != np.sign(d[i]) and d[i] != 0 and d[i - 1] != 0:
            # root of the line through (lx[i-1], d[i-1]) and (lx[i], d[i])
            root = scipy.optimize.brentq(
                lambda t: np.interp(t, [lx[i - 1], lx[i]], [d[i - 1], d[i]]), lx[i - 1], lx[i])
            out.append({"x": float(2 ** root), "a_overtakes": bool(d[i] > 0)})
    return {"x": x, "a": a, "b": b, "crossings": out}


print(json.dumps({
    "generator": "make_fixtures.py with scipy " + scipy.__version__ + ", numpy " + np.__version__,
    "means": [mean_ci(m) for m in MEANS],
    "paired": [paired(a, b) for a, b in PAIRS],
    "reach": [reach(*c) for c in CURVES],
    "crossings": [crossings(*c) for c in CROSSINGS],
}, indent=1, default=float))
