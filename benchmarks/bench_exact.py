#!/usr/bin/env python
"""Time skboost's exact-split gradient boosting against xgboost's and scikit-learn's.

Every (dataset, library, thread count) runs in a fresh Python process (see
bench_gbdt.py and _harness.py).  Matched settings (defaults): 100 trees,
depth 6, learning rate 0.1, no subsampling, no early stopping; every split
threshold considered (no binning).

    skboost-exact  skboost.GradientBoostingClassifier(split_method="exact",
                   max_depth=6, n_jobs=T)
    xgboost-exact  xgboost.XGBClassifier(tree_method="exact", max_depth=6, n_jobs=T)
    sklearn-gb     sklearn.ensemble.GradientBoostingClassifier(max_depth=6)
                   single-threaded: measured once
    skboost-hist   (not run unless listed in --libs) skboost's default histogram
                   engine, max_bins=255, for reference

Dataset: bench_gbdt's ``synthetic`` make_classification problem with --rows
training rows (default 200,000) plus rows/4 held out, 28 features, binary;
quality = ROC AUC on the held-out rows.

Run ``python benchmarks/bench_exact.py --help``; see benchmarks/README.md.
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as H  # noqa: E402
from bench_gbdt import _prepare as _prepare_gbdt  # noqa: E402

SCRIPT = Path(__file__).resolve()
LIBS = {
    "skboost-exact": ("skboost", "skboost GB exact"),
    "xgboost-exact": ("xgboost", "xgboost exact"),
    "sklearn-gb": ("sklearn", "sklearn GradientBoosting"),
    "skboost-hist": ("skboost", "skboost GB hist (255 bins)"),
}
DEFAULT_LIBS = ("skboost-exact", "xgboost-exact", "sklearn-gb")
SKBOOST = ("skboost-exact", "skboost-hist")


def make(lib, p, threads):
    if lib in SKBOOST:
        from skboost import GradientBoostingClassifier
        return GradientBoostingClassifier(
            n_estimators=p["trees"], learning_rate=p["lr"], max_depth=p["depth"],
            split_method=lib.split("-")[1], max_bins=p["bins"], n_jobs=threads,
            random_state=p["seed"])
    if lib == "xgboost-exact":
        import xgboost
        return xgboost.XGBClassifier(n_estimators=p["trees"], learning_rate=p["lr"],
                                     max_depth=p["depth"], tree_method="exact",
                                     n_jobs=threads, random_state=p["seed"])
    if lib == "sklearn-gb":
        from sklearn.ensemble import GradientBoostingClassifier
        return GradientBoostingClassifier(n_estimators=p["trees"], learning_rate=p["lr"],
                                          max_depth=p["depth"], random_state=p["seed"])
    raise ValueError(lib)


def predict(est, X, spec):
    return est.predict_proba(X)[:, 1]


def score(y, pred, spec):
    from sklearn.metrics import roc_auc_score
    return "AUC", float(roc_auc_score(y, pred))


def prepare(dataset, args, d):
    info = _prepare_gbdt("synthetic", args, d.parent)
    return info


def schedule(info, args):
    params = dict(trees=args.trees, lr=args.learning_rate, depth=args.depth,
                  bins=args.bins, seed=args.seed)
    return H.schedule_generic(info, args, lambda lib: params, SKBOOST,
                              serial_libs=("sklearn-gb",),
                              serial_repeats=args.sklearn_repeats)


def report(results, infos, args):
    lines = ["## skboost exact-split gradient boosting benchmark", "",
             f"{args.trees} trees, depth {args.depth}, learning rate {args.learning_rate}, "
             f"no subsampling, no early stopping; other parameters at each library's "
             f"defaults (xgboost: reg_lambda=1, min_child_weight=1; skboost/sklearn: "
             f"min_samples_leaf=1, no L2). scikit-learn's GradientBoosting is "
             f"single-threaded (measured once, at 1 thread, and compared with skboost at "
             f"every thread count); xgboost exact is run at every thread count and its "
             f"'fit CPU/wall' column shows how many cores it actually kept busy. "
             f"Predict = `predict_proba`. Fit and predict: median of {args.repeats} "
             f"warm runs (scikit-learn: {args.sklearn_repeats}).", ""]
    for info in infos:
        lines.append(f"- **{info['dataset']}**: {info['source']}; {info['n_train']:,} train "
                     f"/ {info['n_test']:,} test rows x {info['n_features']} features")
    lines.append("")
    lines += H.results_table(results, infos, args, LIBS)
    lines += ["", "### Ratios skboost / peer (time ratio < 1: skboost is faster)", ""]
    lines += H.ratio_table(results, infos, args, LIBS,
                           [m for m in SKBOOST if m in args.libs],
                           [p for p in ("xgboost-exact", "sklearn-gb") if p in args.libs])
    lines += ["", H.MEMORY_NOTE]
    return "\n".join(lines)


def _parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--rows", type=int, default=200_000,
                    help="training rows of the synthetic problem (plus rows/4 held out)")
    ap.add_argument("--libs", nargs="+", choices=list(LIBS), default=list(DEFAULT_LIBS))
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--depth", type=int, default=6)
    ap.add_argument("--learning-rate", type=float, default=0.1)
    ap.add_argument("--bins", type=int, default=255, help="skboost-hist only")
    H.add_common_args(ap, default_repeats=3)
    ap.add_argument("--sklearn-repeats", type=int, default=1,
                    help="timed fits of the single-threaded scikit-learn estimator")
    return ap.parse_args(argv)


def main(argv=None):
    args = _parse(argv)
    if args.child:
        import json
        H.child(json.loads(args.child), make, predict=predict, score=score)
        return 0
    if args.prepare:
        H.run_prepare(args.prepare, prepare)
        return 0
    return H.main(SCRIPT, args, LIBS, schedule, report, ["synthetic"])


if __name__ == "__main__":
    sys.exit(main())
