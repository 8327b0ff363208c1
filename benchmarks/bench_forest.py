#!/usr/bin/env python
"""Time skboost's random forests against scikit-learn, xgboost and LightGBM.

Every (dataset, library, thread count) runs in a fresh Python process (see
bench_gbdt.py and _harness.py).  Matched settings (defaults): 100 trees,
max_depth=20 for every library, sqrt(d) candidate features, bootstrap-like
row sampling.

    skboost-hist   skboost.RandomForestClassifier(split_method="hist", max_bins=255,
                   max_depth=20, n_jobs=T)
    skboost-exact  skboost.RandomForestClassifier(split_method="exact", max_depth=20,
                   n_jobs=T)
    sklearn        sklearn.ensemble.RandomForestClassifier(max_depth=20, n_jobs=T)
    xgboost        xgboost.XGBRFClassifier(tree_method="hist", max_bin=255,
                   max_depth=20, subsample=0.632, colsample_bynode=sqrt(d)/d, n_jobs=T)
    lightgbm       lightgbm.LGBMClassifier(boosting_type="rf", max_depth=20,
                   num_leaves=4095, bagging_fraction=0.632, bagging_freq=1,
                   feature_fraction=sqrt(d)/d, n_jobs=T)

xgboost cannot grow depth-unlimited depthwise trees (max_depth=0 is only
allowed with grow_policy="lossguide"), hence max_depth=20 for all.
skboost and sklearn also get one extra fit with oob_score=True (timed apart,
at the first thread count) for ``oob_score_``.

Datasets: ``covertype`` (the shared 150,000-row sample, 7 classes, 80/20
stratified split) and ``synthetic`` (bench_gbdt's make_classification
problem: --rows training rows plus rows/4 held out, 28 features, binary).

Run ``python benchmarks/bench_forest.py --help``; see benchmarks/README.md.
"""
import argparse
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as H  # noqa: E402
from bench_gbdt import _prepare as _prepare_gbdt  # noqa: E402

SCRIPT = Path(__file__).resolve()
LIBS = {
    "skboost-hist": ("skboost", "skboost RF hist"),
    "skboost-exact": ("skboost", "skboost RF exact"),
    "sklearn": ("sklearn", "sklearn RandomForest"),
    "xgboost": ("xgboost", "xgboost XGBRF hist"),
    "lightgbm": ("lightgbm", "LightGBM rf"),
}
SKBOOST = ("skboost-hist", "skboost-exact")
OOB_LIBS = ("skboost-hist", "skboost-exact", "sklearn")
DATASETS = ("covertype", "synthetic")


def make(lib, p, threads, oob=False):
    d = p["n_features"]
    frac = math.sqrt(d) / d
    depth = p["depth"]
    if lib in SKBOOST:
        from skboost import RandomForestClassifier
        return RandomForestClassifier(
            n_estimators=p["trees"], max_depth=depth, split_method=lib.split("-")[1],
            max_bins=p["bins"], n_jobs=threads, random_state=p["seed"], oob_score=oob)
    if lib == "sklearn":
        from sklearn.ensemble import RandomForestClassifier
        return RandomForestClassifier(n_estimators=p["trees"], max_depth=depth,
                                      n_jobs=threads, random_state=p["seed"],
                                      oob_score=oob)
    if lib == "xgboost":
        import xgboost
        return xgboost.XGBRFClassifier(
            n_estimators=p["trees"], max_depth=depth, tree_method="hist",
            max_bin=p["bins"], subsample=p["bagging_fraction"], colsample_bynode=frac,
            n_jobs=threads, random_state=p["seed"])
    if lib == "lightgbm":
        import lightgbm
        # sklearn-API names: subsample = bagging_fraction, subsample_freq =
        # bagging_freq, colsample_bytree = feature_fraction (per tree)
        feat = (dict(feature_fraction_bynode=frac) if p["lgbm_bynode"]
                else dict(colsample_bytree=frac))
        return lightgbm.LGBMClassifier(
            boosting_type="rf", n_estimators=p["trees"], max_depth=depth,
            num_leaves=p["lgbm_num_leaves"], max_bin=p["bins"],
            subsample=p["bagging_fraction"], subsample_freq=1, n_jobs=threads,
            random_state=p["seed"], verbose=-1, **feat)
    raise ValueError(lib)


def after_fits(factory, X_tr, y_tr, spec, out):
    """skboost/sklearn: one more fit with oob_score=True, timed apart."""
    if not spec.get("oob"):
        return
    import time
    est = factory()
    est.set_params(oob_score=True)
    start = time.perf_counter()
    est.fit(X_tr, y_tr)
    out["fit_oob_s"] = time.perf_counter() - start
    out["oob_score"] = float(est.oob_score_)


def prepare(dataset, args, d):
    import numpy as np
    if dataset == "synthetic":
        info = _prepare_gbdt("synthetic", args, d.parent)
        return dict(info, task="binary", n_classes=2)
    if dataset != "covertype":
        raise ValueError(dataset)
    from sklearn.model_selection import train_test_split
    sys.path.insert(0, str(args.data_root))
    from load import load
    X, y, task = load("covertype", as_frame=False)
    classes, y = np.unique(y, return_inverse=True)       # 1..7 -> 0..6 (xgboost)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, stratify=y,
                                              random_state=args.seed)
    source = ("shared covertype (load('covertype', as_frame=False); Wilderness_Area and "
              "Soil_Type as integer codes), labels 1..7 encoded 0..6, 80/20 stratified split")
    if args.covertype_rows and args.covertype_rows < X_tr.shape[0]:
        n_te = max(1, args.covertype_rows // 4)
        X_tr, y_tr = X_tr[:args.covertype_rows], y_tr[:args.covertype_rows]
        X_te, y_te = X_te[:n_te], y_te[:n_te]
        source += f", cut to {args.covertype_rows:,} / {n_te:,} rows (--covertype-rows)"
    H.save_split(d, X_tr, X_te, y_tr, y_te)
    return dict(task=f"multiclass ({len(classes)})", n_classes=len(classes),
                n_train=int(X_tr.shape[0]),
                n_test=int(X_te.shape[0]), n_features=int(X_tr.shape[1]), source=source)


def schedule(info, args):
    params = dict(trees=args.trees, depth=args.max_depth, bins=args.bins, seed=args.seed,
                  bagging_fraction=args.bagging_fraction,
                  lgbm_num_leaves=args.lgbm_num_leaves, lgbm_bynode=args.lgbm_bynode)
    n_classes = info.get("n_classes", 2)

    def extra_for(lib, threads, cold):
        extra = {}
        # oob_score_ does not depend on the thread count: one oob fit, at the
        # first thread count
        if lib in OOB_LIBS and not cold and not args.no_oob and threads == args.threads[0]:
            extra["oob"] = True
        if lib in ("xgboost", "lightgbm") and n_classes > 2:
            extra["notes"] = [f"{args.trees * n_classes} trees ({n_classes} classes)"]
        return extra

    return H.schedule_generic(info, args, lambda lib: params, SKBOOST,
                              extra_for=extra_for)


def report(results, infos, args):
    frac = "sqrt(d)/d"
    lines = ["## skboost random forest benchmark", "",
             f"{args.trees} trees, max_depth={args.max_depth} for every library "
             f"(xgboost does not allow unlimited depth with depthwise growth), {frac} "
             f"candidate features, {args.bins} bins for the histogram methods. "
             f"skboost/sklearn: bootstrap, max_features='sqrt', min_samples_leaf=1; "
             f"xgboost XGBRF: subsample={args.bagging_fraction} (without replacement), "
             f"colsample_bynode={frac}, other parameters at XGBRF defaults "
             f"(min_child_weight=1, reg_lambda=1e-5); LightGBM rf: "
             f"bagging_fraction={args.bagging_fraction}, bagging_freq=1, "
             + (f"feature_fraction_bynode={frac} (per split)" if args.lgbm_bynode
                else f"feature_fraction={frac} (**per tree**, not per split)")
             + f", num_leaves={args.lgbm_num_leaves}, min_child_samples=20 (default). "
             f"Multiclass: xgboost and LightGBM grow one tree per class per round. "
             f"Fit and predict (`predict`, labels): median of {args.repeats} warm runs.", ""]
    for info in infos:
        lines.append(f"- **{info['dataset']}**: {info['source']}; {info['n_train']:,} train "
                     f"/ {info['n_test']:,} test rows x {info['n_features']} features; "
                     f"task {info['task']}")
    lines.append("")
    extra = [("fit with oob_score s", lambda r: H._fmt(r.get("fit_oob_s"))),
             ("oob_score_", lambda r: H._fmt(r.get("oob_score"), 4))]
    lines += H.results_table(results, infos, args, LIBS, extra)
    lines += ["", "### Ratios skboost / peer (time ratio < 1: skboost is faster)", ""]
    lines += H.ratio_table(results, infos, args, LIBS,
                           [m for m in SKBOOST if m in args.libs],
                           [p for p in ("sklearn", "xgboost", "lightgbm") if p in args.libs])
    lines += ["", H.MEMORY_NOTE + " 'fit with oob_score' is a separate fit with "
              "oob_score=True made after the timed ones (skboost and sklearn only, at the "
              "first thread count)."]
    return "\n".join(lines)


def _parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000,
                    help="training rows of the synthetic problem (plus rows/4 held out)")
    ap.add_argument("--covertype-rows", type=int, default=None,
                    help="cap the covertype training rows (default: all 120,000; the "
                         "test part is cut to a quarter of this)")
    ap.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS))
    ap.add_argument("--libs", nargs="+", choices=list(LIBS), default=list(LIBS))
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--max-depth", type=int, default=20)
    ap.add_argument("--bins", type=int, default=255)
    ap.add_argument("--bagging-fraction", type=float, default=0.632,
                    help="xgboost subsample and LightGBM bagging_fraction")
    ap.add_argument("--lgbm-num-leaves", type=int, default=4095,
                    help="LightGBM num_leaves (its histogram pool holds one histogram "
                         "per leaf: memory grows with it)")
    ap.add_argument("--lgbm-bynode", action="store_true",
                    help="LightGBM: sample sqrt(d) features per split "
                         "(feature_fraction_bynode) instead of per tree")
    ap.add_argument("--no-oob", action="store_true",
                    help="skip the extra oob_score=True fit of skboost and sklearn "
                         "(made at the first thread count)")
    H.add_common_args(ap, default_repeats=1)
    return ap.parse_args(argv)


def main(argv=None):
    args = _parse(argv)
    if args.child:
        import json
        spec = json.loads(args.child)
        H.child(spec, make, after_fits=after_fits)
        return 0
    if args.prepare:
        H.run_prepare(args.prepare, prepare)
        return 0
    return H.main(SCRIPT, args, LIBS, schedule, report, args.datasets)


if __name__ == "__main__":
    sys.exit(main())
