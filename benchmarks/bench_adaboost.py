#!/usr/bin/env python
"""Time skboost's AdaBoostClassifier (stumps) against scikit-learn's.

Every (dataset, library, thread count) runs in a fresh Python process (see
bench_gbdt.py and _harness.py).  Discrete AdaBoost (SAMME), learning rate 1,
depth-1 trees:

    skboost-hist   skboost.AdaBoostClassifier(max_depth=1, split_method="hist",
                   max_bins=255, n_jobs=T)
    skboost-exact  skboost.AdaBoostClassifier(max_depth=1, split_method="exact", n_jobs=T)
    sklearn        sklearn.ensemble.AdaBoostClassifier(
                       DecisionTreeClassifier(max_depth=1))   single-threaded

Datasets:

* ``hastie``: ``make_hastie_10_2(n_samples=12_000, random_state=1)`` split as
  in scikit-learn's "Discrete versus Real AdaBoost" example: the first 2,000
  rows train, the other 10,000 test; 400 stumps.
* ``large``: ``make_hastie_10_2`` with --rows training rows (default
  1,000,000) plus rows/4 held out; 200 stumps.

Run ``python benchmarks/bench_adaboost.py --help``; see benchmarks/README.md.
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as H  # noqa: E402

SCRIPT = Path(__file__).resolve()
LIBS = {
    "skboost-hist": ("skboost", "skboost AdaBoost hist"),
    "skboost-exact": ("skboost", "skboost AdaBoost exact"),
    "sklearn": ("sklearn", "sklearn AdaBoost"),
}
SKBOOST = ("skboost-hist", "skboost-exact")
DATASETS = ("hastie", "large")


def make(lib, p, threads):
    if lib in SKBOOST:
        from skboost import AdaBoostClassifier
        return AdaBoostClassifier(n_estimators=p["trees"], learning_rate=p["lr"],
                                  max_depth=1, split_method=lib.split("-")[1],
                                  max_bins=p["bins"], n_jobs=threads,
                                  random_state=p["seed"])
    if lib == "sklearn":
        from sklearn.ensemble import AdaBoostClassifier
        from sklearn.tree import DecisionTreeClassifier
        return AdaBoostClassifier(DecisionTreeClassifier(max_depth=1),
                                  n_estimators=p["trees"], learning_rate=p["lr"],
                                  random_state=p["seed"])
    raise ValueError(lib)


def prepare(dataset, args, d):
    from sklearn.datasets import make_hastie_10_2
    if dataset == "hastie":
        X, y = make_hastie_10_2(n_samples=12_000, random_state=1)
        n = args.hastie_train_rows
        source = (f"make_hastie_10_2(n_samples=12000, random_state=1): first {n:,} rows "
                  f"train, the other {12_000 - n:,} test (scikit-learn's AdaBoost example)")
        H.save_split(d, X[:n], X[n:], y[:n], y[n:])
        return dict(task="binary", n_train=n, n_test=12_000 - n, n_features=10,
                    source=source)
    if dataset == "large":
        n_test = max(1, args.rows // 4)
        X, y = make_hastie_10_2(n_samples=args.rows + n_test, random_state=args.seed)
        H.save_split(d, X[:args.rows], X[args.rows:], y[:args.rows], y[args.rows:])
        return dict(task="binary", n_train=args.rows, n_test=n_test, n_features=10,
                    source=f"make_hastie_10_2(n_samples={args.rows + n_test:,}, "
                           f"random_state={args.seed}): first {args.rows:,} rows train")
    raise ValueError(dataset)


def _trees(dataset, args):
    return args.hastie_estimators if dataset == "hastie" else args.large_estimators


def schedule(info, args):
    params = dict(trees=_trees(info["dataset"], args), lr=args.learning_rate,
                  bins=args.bins, seed=args.seed)
    return H.schedule_generic(info, args, lambda lib: params, SKBOOST,
                              serial_libs=("sklearn",),
                              serial_repeats=args.sklearn_repeats)


def report(results, infos, args):
    lines = ["## skboost AdaBoost (stumps) benchmark", "",
             f"Discrete AdaBoost (SAMME), learning rate {args.learning_rate}, depth-1 "
             f"trees ({args.bins} bins for skboost hist); scikit-learn's AdaBoost is "
             f"single-threaded (measured once, at 1 thread, and compared with skboost at "
             f"every thread count). Fit and predict (`predict`, labels): median of "
             f"{args.repeats} warm runs (scikit-learn: {args.sklearn_repeats}).", ""]
    for info in infos:
        lines.append(f"- **{info['dataset']}**: {info['source']}; {info['n_train']:,} train "
                     f"/ {info['n_test']:,} test rows x {info['n_features']} features; "
                     f"{_trees(info['dataset'], args)} stumps")
    lines.append("")
    lines += H.results_table(results, infos, args, LIBS)
    lines += ["", "### Ratios skboost / peer (time ratio < 1: skboost is faster)", ""]
    lines += H.ratio_table(results, infos, args, LIBS,
                           [m for m in SKBOOST if m in args.libs],
                           [p for p in ("sklearn",) if p in args.libs])
    lines += ["", H.MEMORY_NOTE]
    return "\n".join(lines)


def _parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000,
                    help="training rows of the 'large' problem (plus rows/4 held out)")
    ap.add_argument("--hastie-train-rows", type=int, default=2000,
                    help="training rows of the 12,000-row 'hastie' set (the rest is test)")
    ap.add_argument("--hastie-estimators", type=int, default=400)
    ap.add_argument("--large-estimators", type=int, default=200)
    ap.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS))
    ap.add_argument("--libs", nargs="+", choices=list(LIBS), default=list(LIBS))
    ap.add_argument("--learning-rate", type=float, default=1.0)
    ap.add_argument("--bins", type=int, default=255)
    H.add_common_args(ap, default_repeats=3)
    ap.add_argument("--sklearn-repeats", type=int, default=1,
                    help="timed fits of the single-threaded scikit-learn estimator")
    args = ap.parse_args(argv)
    if not 0 < args.hastie_train_rows < 12_000:
        ap.error("--hastie-train-rows must be between 1 and 11,999")
    return args


def main(argv=None):
    args = _parse(argv)
    if args.child:
        import json
        H.child(json.loads(args.child), make)
        return 0
    if args.prepare:
        H.run_prepare(args.prepare, prepare)
        return 0
    return H.main(SCRIPT, args, LIBS, schedule, report, args.datasets)


if __name__ == "__main__":
    sys.exit(main())
