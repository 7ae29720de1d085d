#!/usr/bin/python3
"""Times scikit-learn's LinearSVC on the data SvmBenchmark wrote, for docs/BENCHMARKS.md.

    /usr/bin/python3 activities/src/test/python/bench_sklearn_svm.py DIR [--dual auto|true|false]

DIR holds xtrain.npy, ytrain.npy, xtest.npy, ytest.npy and java_pred.npy (SvmBenchmark.run with
saveDataTo=DIR). scikit-learn >= 1.5 defaults to dual="auto", which picks dual=True only when
n_samples < n_features; scikit-learn 1.2 (Debian's) still defaults to dual=True, so with
--dual auto (the default here) this script applies the >= 1.5 rule itself and passes dual=True or
dual=False explicitly. Everything else is LinearSVC's default (C=1, tol=1e-4, max_iter=1000).
Prints one JSON line: wall and CPU seconds of fit alone, accuracy, agreement with the Java predictions.
"""
import argparse
import json
import os
import time
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.svm import LinearSVC


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--dual", default="auto", choices=["auto", "true", "false"])
    args = ap.parse_args()
    load = lambda name: np.load(os.path.join(args.dir, name))
    xtr, ytr, xte, yte = load("xtrain.npy"), load("ytrain.npy"), load("xtest.npy"), load("ytest.npy")
    if args.dual == "auto":
        dual = xtr.shape[0] < xtr.shape[1]  # scikit-learn >= 1.5 dual="auto" for this loss/penalty
    else:
        dual = args.dual == "true"
    clf = LinearSVC(dual=dual)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        t0 = time.perf_counter()
        c0 = time.process_time()
        clf.fit(xtr, ytr)
        seconds = time.perf_counter() - t0
        cpu_seconds = time.process_time() - c0
    pred = clf.predict(xte)
    out = {
        "sklearn": sklearn.__version__, "n": int(xtr.shape[0]), "d": int(xtr.shape[1]),
        "dual": dual, "fit_seconds": round(seconds, 3),
        "fit_cpu_seconds": round(cpu_seconds, 3), "n_iter": int(clf.n_iter_),
        "converged": not any(issubclass(w.category, ConvergenceWarning) for w in caught),
        "accuracy": float((pred == yte).mean()),
    }
    java = os.path.join(args.dir, "java_pred.npy")
    if os.path.exists(java):
        jp = np.load(java)
        out["java_accuracy"] = float((jp == yte).mean())
        out["agreement"] = float((jp == pred).mean())
    print(json.dumps(out))


if __name__ == "__main__":
    main()
