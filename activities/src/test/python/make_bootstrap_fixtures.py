#!/usr/bin/python3
"""Reference values for ClusterBootstrapTest and the Holm test of StatisticsTest, computed
independently of labelcurve with NumPy, SciPy and statsmodels (Debian's python3-numpy,
python3-scipy, python3-statsmodels).

- holm: statsmodels.stats.multitest.multipletests(p, method="holm") adjusted p-values.
- clustered: a synthetic test split of sequences with per-sequence correct counts for three
  seeds; for each seed the cluster-robust standard error of the image-level accuracy from
  statsmodels (OLS on a constant, cov_type="cluster", no small-sample correction: the
  linearised variance the sequence bootstrap estimates), the binomial standard error of the
  sequence-level accuracy, and 95% percentile intervals of a NumPy sequence-clustered bootstrap
  with 40,000 replicates (single seed and the mean over seeds, same draws for all seeds).

Run: /usr/bin/python3 make_bootstrap_fixtures.py > ../resources/report/bootstrap-fixtures.json
"""
import json

import numpy as np
import scipy
import statsmodels
import statsmodels.api as sm
from statsmodels.stats.multitest import multipletests

HOLM = [
    [0.01, 0.04, 0.03, 0.005],
    [0.2, 0.2, 0.01, 0.5, 0.04, 0.001],
    [0.9, 0.6, 0.7],
    [0.049],
    [0.001, 0.012, 0.0125, 0.013, 0.3, 0.04, 0.02, 0.6, 0.011, 0.0005],
]


def holm(p):
    return {"p": p, "adjusted": multipletests(p, method="holm")[1].tolist()}


def clustered():
    rng = np.random.default_rng(20241202)
    g = 90
    frames = rng.integers(1, 13, size=g)
    difficulty = rng.beta(6, 2, size=g)  # per-sequence: frames of a sequence succeed together
    seeds = []
    for s in range(3):
        p = np.clip(difficulty + rng.normal(0, 0.05, size=g), 0, 1)
        correct = rng.binomial(frames, p)
        vote = (2 * correct > frames).astype(int)
        seeds.append({"correct": correct.tolist(), "vote_correct": vote.tolist()})

    out = {"frames": frames.tolist(), "seeds": seeds, "per_seed": []}
    for s in seeds:
        correct = np.asarray(s["correct"])
        y = np.concatenate([[1.0] * c + [0.0] * (f - c) for f, c in zip(frames, correct)])
        groups = np.repeat(np.arange(g), frames)
        fit = sm.OLS(y, np.ones(len(y))).fit(
            cov_type="cluster", cov_kwds={"groups": groups, "use_correction": False})
        vote = np.asarray(s["vote_correct"], dtype=float)
        out["per_seed"].append({
            "image_accuracy": float(fit.params[0]),
            "image_cluster_se": float(fit.bse[0]),
            "sequence_accuracy": float(vote.mean()),
            "sequence_se": float(np.sqrt(vote.mean() * (1 - vote.mean()) / g)),
        })

    b = 40000
    draws = rng.integers(0, g, size=(b, g))
    w = np.zeros((b, g), dtype=np.int64)
    for i in range(g):
        w[:, i] = (draws == i).sum(axis=1)
    per_seed_image = []
    per_seed_seq = []
    for s in seeds:
        c = np.asarray(s["correct"])
        v = np.asarray(s["vote_correct"])
        per_seed_image.append(w @ c / (w @ frames))
        per_seed_seq.append(w @ v / g)
    mean_image = np.mean(per_seed_image, axis=0)
    diff_image = per_seed_image[0] - per_seed_image[1]
    q = [2.5, 97.5]
    out["bootstrap"] = {
        "replicates": b,
        "seed0_image": np.percentile(per_seed_image[0], q).tolist(),
        "seed0_sequence": np.percentile(per_seed_seq[0], q).tolist(),
        "mean_image": np.percentile(mean_image, q).tolist(),
        "seed0_minus_seed1_image": np.percentile(diff_image, q).tolist(),
    }
    return out


print(json.dumps({
    "generator": "make_bootstrap_fixtures.py with numpy " + np.__version__ + ", scipy "
                 + scipy.__version__ + ", statsmodels " + statsmodels.__version__,
    "holm": [holm(p) for p in HOLM],
    "clustered": clustered(),
}, indent=1))
