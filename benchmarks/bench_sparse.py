#!/usr/bin/env python
"""Wide sparse data: fit time and peak memory against xgboost and LightGBM.

A CSR matrix of --rows x --features with --per-row stored standard normal
values per row (0.1% density at the defaults 1,000,000 x 10,000 x 10) whose
columns are drawn with Zipf-like frequencies (feature f with probability
proportional to 1 / (f + 10), as words in text: the first feature is stored
in 14% of the rows, the last in 0.01%); the binary target is the sign of the
sum of the first 50 features plus noise.
Each library runs in its own Python process, so its peak resident memory
(``ru_maxrss``: the data, about 120 MB, included) is its own.  Per library:
one small warm-up fit (numba kernels loaded from the cache), then the timed
fits on the whole matrix, then ROC AUC on held-out rows (--rows / 10).

    skboost-gb    skboost.GradientBoostingClassifier(max_depth=3)
    skboost-xgb   skboost.XGBClassifier(max_depth=6, tree_method="hist")
    xgboost       xgboost.XGBClassifier(max_depth=6, tree_method="hist")
    lightgbm      lightgbm.LGBMClassifier(num_leaves=63)

All with --trees trees, learning rate 0.1, 255 bins, --threads threads.

    python benchmarks/bench_sparse.py [--rows 1000000] [--threads 2]
"""
import argparse
import json
import resource
import subprocess
import sys
import time

LIBS = ("skboost-gb", "skboost-xgb", "xgboost", "lightgbm")


def make_data(n_rows, n_features, per_row, seed=0):
    import numpy as np
    from scipy import sparse
    rng = np.random.default_rng(seed)
    frequency = 1.0 / (np.arange(n_features) + 10.0)
    cols = np.sort(rng.choice(n_features, size=(n_rows, per_row),
                              p=frequency / frequency.sum()), axis=1)
    indptr = np.arange(0, n_rows * per_row + 1, per_row, dtype=np.int64)
    X = sparse.csr_matrix((rng.standard_normal(n_rows * per_row),
                           cols.ravel().astype(np.int32), indptr),
                          shape=(n_rows, n_features))
    X.sum_duplicates()
    signal = np.asarray(X[:, :50].sum(axis=1)).ravel()
    y = (signal + 0.3 * rng.standard_normal(n_rows) > 0).astype(np.int64)
    return X, y


def make(lib, trees, threads):
    common = dict(n_estimators=trees, learning_rate=0.1)
    if lib == "skboost-gb":
        from skboost import GradientBoostingClassifier
        return GradientBoostingClassifier(max_depth=3, n_jobs=threads, random_state=0,
                                          **common)
    if lib == "skboost-xgb":
        from skboost import XGBClassifier
        return XGBClassifier(max_depth=6, tree_method="hist", n_jobs=threads, **common)
    if lib == "xgboost":
        from xgboost import XGBClassifier
        return XGBClassifier(max_depth=6, tree_method="hist", n_jobs=threads, **common)
    if lib == "lightgbm":
        from lightgbm import LGBMClassifier
        return LGBMClassifier(num_leaves=63, n_jobs=threads, verbose=-1, **common)
    raise ValueError(lib)


def child(args):
    from sklearn.metrics import roc_auc_score
    n_test = max(1, args.rows // 10)
    X, y = make_data(args.rows + n_test, args.features, args.per_row)
    X_tr, y_tr, X_te, y_te = X[:args.rows], y[:args.rows], X[args.rows:], y[args.rows:]
    start = time.perf_counter()
    make(args.lib, 2, args.threads).fit(X_tr[:5000], y_tr[:5000])
    warmup = time.perf_counter() - start
    fits = []
    for _ in range(args.repeats):
        est = make(args.lib, args.trees, args.threads)
        start = time.perf_counter()
        est.fit(X_tr, y_tr)
        fits.append(time.perf_counter() - start)
    start = time.perf_counter()
    proba = est.predict_proba(X_te)[:, 1]
    predict = time.perf_counter() - start
    print(json.dumps(dict(lib=args.lib, warmup_s=warmup, fit_s=min(fits), predict_s=predict,
                          auc=float(roc_auc_score(y_te, proba)), nnz=int(X_tr.nnz),
                          peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                          / 1024)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--features", type=int, default=10_000)
    ap.add_argument("--per-row", type=int, default=10)
    ap.add_argument("--trees", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--libs", nargs="+", choices=LIBS, default=list(LIBS))
    ap.add_argument("--lib", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.lib:
        child(args)
        return 0
    density = args.per_row / args.features
    print(f"{args.rows:,} x {args.features:,} CSR, {args.per_row} stored values per row "
          f"({density:.2%} density), {args.trees} trees, {args.threads} threads\n")
    print("| library | fit (s) | predict (s) | peak RSS (MB) | test AUC | warm-up (s) |")
    print("|---|---|---|---|---|---|")
    times = {}
    for lib in args.libs:
        cmd = [sys.executable, __file__, "--lib", lib] + [
            a for name in ("rows", "features", "per_row", "trees", "threads", "repeats")
            for a in (f"--{name.replace('_', '-')}", str(getattr(args, name)))]
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode != 0:
            print(f"| {lib} | failed: {run.stderr.strip().splitlines()[-1]} | | | | |")
            continue
        r = json.loads(run.stdout.strip().splitlines()[-1])
        times[lib] = r["fit_s"]
        print(f"| {lib} | {r['fit_s']:.2f} | {r['predict_s']:.2f} | {r['peak_rss_mb']:.0f} "
              f"| {r['auc']:.4f} | {r['warmup_s']:.2f} |", flush=True)
    for mine in ("skboost-gb", "skboost-xgb"):
        for peer in ("xgboost", "lightgbm"):
            if mine in times and peer in times:
                print(f"\n{mine} / {peer} fit time: {times[mine] / times[peer]:.2f}x", end="")
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
