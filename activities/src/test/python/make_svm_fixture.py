#!/usr/bin/python3
"""Fixtures for LinearSvcTrainerTest: scikit-learn LinearSVC fits on embedding-like data.

Run with Debian's system Python (scikit-learn + numpy), from the repository root:

    /usr/bin/python3 activities/src/test/python/make_svm_fixture.py

Writes activities/src/test/resources/svm/{dual,primal}_{xtrain,ytrain,xtest,ytest,sklearn_pred}.npy
and fixture.json. "dual" has fewer samples than features (LinearSVC(dual=True)), "primal" more
samples than features (LinearSVC(dual=False)) -- the two solvers scikit-learn >= 1.5's dual="auto"
picks between. All other LinearSVC parameters are the defaults (C=1, tol=1e-4, max_iter=1000,
squared hinge, L2, intercept_scaling=1, one-vs-rest).
"""
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.svm import LinearSVC

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "svm")


def embeddings(rng, d, classes, rank, sep, noise):
    """Overlapping Gaussian clusters in a random rank-`rank` subspace of R^d plus isotropic noise.

    Class means are N(0, sep^2 I) in the subspace, each sample adds N(0, I) there, the subspace
    is mapped into R^d by a random Gaussian basis scaled by 1/sqrt(rank), and N(0, noise^2 I_d)
    is added on top. Labels are balanced-ish uniform draws.
    """
    basis = rng.standard_normal((rank, d)) / np.sqrt(rank)
    means = rng.standard_normal((classes, rank)) * sep

    def draw(m):
        y = rng.integers(0, classes, size=m)
        z = means[y] + rng.standard_normal((m, rank))
        x = z @ basis + noise * rng.standard_normal((m, d))
        return x.astype(np.float32), y.astype(np.int32)

    return draw


def fit(name, draw, n_train, n_test, dual):
    xtr, ytr = draw(n_train)
    xte, yte = draw(n_test)
    # C=1, tol=1e-4, max_iter=1000, intercept_scaling=1; random_state only fixes the dual
    # solver's coordinate order so that re-running the script gives the same fixture.
    clf = LinearSVC(dual=dual, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        # sklearn converts float32 to float64 for liblinear; Java sees the same float32 values.
        clf.fit(xtr, ytr)
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    pred = clf.predict(xte).astype(np.int32)
    acc = float((pred == yte).mean())
    for suffix, arr in [("xtrain", xtr), ("ytrain", ytr), ("xtest", xte), ("ytest", yte),
                        ("sklearn_pred", pred)]:
        np.save(os.path.join(OUT, f"{name}_{suffix}.npy"), arr)
    print(f"{name}: train {xtr.shape}, test {xte.shape}, dual={dual}, n_iter={clf.n_iter_}, "
          f"converged={converged}, test accuracy={acc:.4f}, train accuracy={clf.score(xtr, ytr):.4f}")
    return {"dual": dual, "n_train": n_train, "n_test": n_test, "d": xtr.shape[1],
            "accuracy": acc, "n_iter": int(clf.n_iter_), "converged": converged}


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20240601)
    info = {"sklearn_version": sklearn.__version__, "numpy_version": np.__version__,
            "params": "LinearSVC(random_state=0, C=1, tol=1e-4, max_iter=1000, loss='squared_hinge', "
                      "penalty='l2', intercept_scaling=1)"}
    info["dual"] = fit("dual", embeddings(rng, 512, 10, 24, 0.9, 0.5), 300, 500, True)
    info["primal"] = fit("primal", embeddings(rng, 64, 10, 16, 0.8, 0.5), 3000, 1000, False)
    with open(os.path.join(OUT, "fixture.json"), "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
