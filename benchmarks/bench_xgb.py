#!/usr/bin/env python
"""Time skboost's XGBClassifier/XGBRegressor against xgboost and LightGBM.

Every (dataset, library, thread count) runs in a fresh Python process (see
bench_gbdt.py and _harness.py).  Matched settings (defaults): 100 rounds,
depth 6, learning rate 0.3, reg_lambda 1, min_child_weight 1, 255 bins
(xgboost's defaults apart from max_bin, which skboost caps at 255).

    skboost-hist   skboost.XGB*(tree_method="hist", max_bin=255, n_jobs=T)
    skboost-exact  skboost.XGB*(tree_method="exact", n_jobs=T)
    xgboost-hist   xgboost.XGB*(tree_method="hist", max_bin=255, n_jobs=T)
    xgboost-exact  xgboost.XGB*(tree_method="exact", n_jobs=T)
    lightgbm       lightgbm.LGBM*(num_leaves=63, max_depth=6, reg_lambda=1,
                   min_child_weight=1, max_bin=255, n_jobs=T); its other
                   defaults (min_child_samples=20) kept

Datasets: ``synthetic`` (bench_gbdt's make_classification problem, --rows
training rows, 28 features, binary, AUC), ``covertype`` (the shared covertype
files, 7 classes coded 0..6 for every library, accuracy on a 20 % split;
--covertype-rows caps the training rows) and ``flights`` (bench_gbdt's
nycflights13 regression, R^2).

Run ``python benchmarks/bench_xgb.py --help``; see benchmarks/README.md.
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as H  # noqa: E402
from bench_gbdt import _prepare as _prepare_gbdt  # noqa: E402

SCRIPT = Path(__file__).resolve()
LIBS = {
    "skboost-hist": ("skboost", "skboost XGB hist"),
    "skboost-exact": ("skboost", "skboost XGB exact"),
    "xgboost-hist": ("xgboost", "xgboost hist"),
    "xgboost-exact": ("xgboost", "xgboost exact"),
    "lightgbm": ("lightgbm", "LightGBM"),
}
DEFAULT_LIBS = ("skboost-hist", "xgboost-hist", "lightgbm")
SKBOOST = ("skboost-hist", "skboost-exact")
DATASETS = ("synthetic", "covertype", "flights")


def make(lib, p, threads):
    regression = p["task"] == "regression"
    common = dict(n_estimators=p["trees"], learning_rate=p["lr"], max_depth=p["depth"],
                  n_jobs=threads, random_state=p["seed"])
    if lib in SKBOOST or lib.startswith("xgboost"):
        if lib in SKBOOST:
            import skboost as module
        else:
            import xgboost as module
        method = lib.split("-")[1]
        cls = module.XGBRegressor if regression else module.XGBClassifier
        extra = dict(max_bin=p["bins"]) if method == "hist" else {}
        return cls(tree_method=method, **extra, **common)
    if lib == "lightgbm":
        import lightgbm
        cls = lightgbm.LGBMRegressor if regression else lightgbm.LGBMClassifier
        return cls(num_leaves=2 ** p["depth"] - 1, reg_lambda=1.0, min_child_weight=1.0,
                   max_bin=p["bins"], verbose=-1, **common)
    raise ValueError(lib)


def predict(est, X, spec):
    if spec["params"]["task"] == "binary":
        return est.predict_proba(X)[:, 1]
    return est.predict(X)


def score(y, pred, spec):
    from sklearn.metrics import accuracy_score, r2_score, roc_auc_score
    task = spec["params"]["task"]
    if task == "binary":
        return "AUC", float(roc_auc_score(y, pred))
    if task == "multiclass":
        return "accuracy", float(accuracy_score(y, pred))
    return "R2", float(r2_score(y, pred))


def _prepare_covertype(args, root):
    import numpy as np
    from sklearn.model_selection import train_test_split
    sys.path.insert(0, str(args.data_root))
    from load import load
    start = time.perf_counter()
    X, y, task = load("covertype", as_frame=False)
    y = np.unique(y, return_inverse=True)[1]  # codes 0..6: xgboost needs them
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, random_state=args.seed,
                                              stratify=y)
    source = "shared covertype (load('covertype', as_frame=False)), stratified 80/20 split"
    if args.covertype_rows and args.covertype_rows < X_tr.shape[0]:
        n_te = max(1, args.covertype_rows // 4)
        X_tr, y_tr, X_te, y_te = (X_tr[:args.covertype_rows], y_tr[:args.covertype_rows],
                                  X_te[:n_te], y_te[:n_te])
        source += f", cut to {args.covertype_rows:,} / {n_te:,} rows (--covertype-rows)"
    d = root / "covertype"
    d.mkdir(parents=True, exist_ok=True)
    for name, a in (("X_train", X_tr), ("X_test", X_te), ("y_train", y_tr),
                    ("y_test", y_te)):
        np.save(d / f"{name}.npy", np.ascontiguousarray(a))
    return dict(dataset="covertype", task=task, n_train=int(X_tr.shape[0]),
                n_test=int(X_te.shape[0]), n_features=int(X_tr.shape[1]),
                nan=bool(np.isnan(X_tr).any()), nan_fraction=float(np.isnan(X_tr).mean()),
                source=source, prepare_s=time.perf_counter() - start, dir=str(d))


def prepare(dataset, args, d):
    if dataset == "covertype":
        return _prepare_covertype(args, d.parent)
    return _prepare_gbdt(dataset, args, d.parent)


def schedule(info, args):
    def params_for(lib):
        return dict(trees=args.trees, lr=args.learning_rate, depth=args.depth,
                    bins=args.bins, seed=args.seed, task=info["task"])
    return H.schedule_generic(info, args, params_for, SKBOOST)


def report(results, infos, args):
    lines = ["## skboost XGB benchmark", "",
             f"{args.trees} rounds, depth {args.depth}, learning rate {args.learning_rate}, "
             f"{args.bins} bins (hist), reg_lambda=1, min_child_weight=1, no subsampling, "
             f"no early stopping. LightGBM: num_leaves={2 ** args.depth - 1}, its other "
             f"defaults. Predict = `predict_proba` (binary) or `predict`. Fit and predict: "
             f"median of {args.repeats} warm runs.", ""]
    for info in infos:
        lines.append(f"- **{info['dataset']}**: {info['source']}; {info['n_train']:,} train "
                     f"/ {info['n_test']:,} test rows x {info['n_features']} features")
    lines.append("")
    lines += H.results_table(results, infos, args, LIBS)
    lines += ["", "### Ratios skboost / peer (time ratio < 1: skboost is faster)", ""]
    lines += H.ratio_table(results, infos, args, LIBS,
                           [m for m in SKBOOST if m in args.libs],
                           [p for p in LIBS if p not in SKBOOST and p in args.libs])
    lines += ["", H.MEMORY_NOTE]
    return "\n".join(lines)


def _parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000,
                    help="training rows of the synthetic problem (plus rows/4 held out)")
    ap.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS))
    ap.add_argument("--libs", nargs="+", choices=list(LIBS), default=list(DEFAULT_LIBS))
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--depth", type=int, default=6)
    ap.add_argument("--learning-rate", type=float, default=0.3)
    ap.add_argument("--bins", type=int, default=255)
    ap.add_argument("--covertype-rows", type=int, default=None,
                    help="cap the covertype training rows (default: all of the 80 %%)")
    ap.add_argument("--flights-rows", type=int, default=None,
                    help="cap the flights training rows")
    ap.add_argument("--flights-nan", type=float, default=0.0,
                    help="fraction of flights values blanked to NaN")
    H.add_common_args(ap, default_repeats=3)
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
    return H.main(SCRIPT, args, LIBS, schedule, report, args.datasets)


if __name__ == "__main__":
    sys.exit(main())
