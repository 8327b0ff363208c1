"""Where a gradient boosting fit spends its time, kernel by kernel.

Wraps the engine's kernels (as the grower and the estimator call them) with
wall-clock timers, fits ``GradientBoostingClassifier`` on the synthetic
problem of ``bench_gbdt.py`` and prints the time per tree of each kernel;
"other" is the rest of the fit (binning, Python bookkeeping).  Kernels that
call each other are not nested here, so the rows add up to the fit.

    python benchmarks/profile_gbdt.py --rows 1000000 --threads 2 --trees 30
"""
import argparse
import collections
import time

import numba
import numpy as np
from sklearn.datasets import make_classification

import skboost
from skboost import _grower, _histogram, _losses
from skboost.ensemble import _gbdt

TIMED = [(_histogram, "gather_stats"), (_histogram, "build_histograms"),
         (_histogram, "build_root_gradients"), (_histogram, "subtract_histograms"),
         (_histogram, "find_splits"), (_histogram, "select_best_splits"),
         (_grower, "partition_nodes"), (_grower, "find_splits_sorted"),
         (_gbdt, "add_leaf_values")]
TIMED_METHODS = ["gradients_and_scores", "gradients", "leaf_values"]


def _timed(function, name, totals):
    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            totals[name] += time.perf_counter() - start
    return timed


def install_timers(totals):
    """Replace the timed kernels and loss methods by timing wrappers."""
    for module, name in TIMED:
        setattr(module, name, _timed(getattr(module, name), name, totals))
    for cls in vars(_losses).values():
        if isinstance(cls, type):
            for name in TIMED_METHODS:
                if name in vars(cls):
                    setattr(cls, name, _timed(vars(cls)[name], name, totals))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--trees", type=int, default=30)
    parser.add_argument("--depth", type=int, default=6)
    args = parser.parse_args()
    X, y = make_classification(n_samples=args.rows, n_features=28, n_informative=14,
                               n_redundant=6, n_clusters_per_class=3, flip_y=0.05,
                               class_sep=1.0, random_state=0)
    numba.set_num_threads(args.threads)
    # load the cached kernels before timing
    skboost.GradientBoostingClassifier(n_estimators=2, max_depth=args.depth,
                                       n_jobs=args.threads).fit(X[:5000], y[:5000])
    totals = collections.defaultdict(float)
    install_timers(totals)
    model = skboost.GradientBoostingClassifier(n_estimators=args.trees, max_depth=args.depth,
                                               n_jobs=args.threads, random_state=0)
    start = time.perf_counter()
    model.fit(X, y)
    total = time.perf_counter() - start
    per_tree = 1000.0 / args.trees
    print(f"{args.rows:,} x 28, {args.threads} threads, {args.trees} trees of depth "
          f"{args.depth}: fit {total:.2f} s, {total * per_tree:.1f} ms per tree")
    for name, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        print(f"  {name:24s} {seconds * per_tree:7.2f} ms per tree")
    print(f"  {'other':24s} {(total - sum(totals.values())) * per_tree:7.2f} ms per tree"
          " (binning once, Python)")
    print(f"AUC on the training rows: {_train_auc(model, X, y):.4f}")


def _train_auc(model, X, y):
    from sklearn.metrics import roc_auc_score
    return float(roc_auc_score(y, model.predict_proba(X)[:, 1]))


if __name__ == "__main__":
    main()
