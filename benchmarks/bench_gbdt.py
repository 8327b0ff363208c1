#!/usr/bin/env python
"""Time skboost's gradient boosting against scikit-learn, LightGBM and xgboost.

Every measurement runs in a fresh Python subprocess that imports only the
library it measures, so that

* peak memory is that library's own (``resource.getrusage`` high-water mark of
  the child, beside the RSS it had before fitting);
* thread settings are applied before any OpenMP runtime starts
  (``OMP_NUM_THREADS``, ``n_jobs``/``nthread``, ``threadpoolctl``);
* skboost's *cold* first fit can be measured honestly: it runs in a child
  whose ``NUMBA_CACHE_DIR`` points at an empty temporary folder, so every
  kernel is compiled, while the warm runs use the normal on-disk cache and a
  tiny warm-up fit first.

Matched settings (defaults): 100 trees, learning rate 0.1, depth 6, 255 bins,
no early stopping.

    skboost           GradientBoosting*(max_depth=6, max_bins=255, n_jobs=T)
    sklearn-gb        GradientBoosting*(max_depth=6)   exact, single-threaded;
                      trained on a subsample (--exact-rows), NaN imputed
    sklearn-hgb       HistGradientBoosting*(max_depth=6, max_leaf_nodes=None,
                      max_bins=255, early_stopping=False)
    lightgbm          LGBM*(num_leaves=63, max_depth=6, max_bin=255, n_jobs=T)
    xgboost           XGB*(tree_method="hist", max_depth=6, max_bin=255, n_jobs=T)

Datasets: ``synthetic`` (make_classification, --rows training rows plus a
quarter as many held-out rows, 28 features, binary, AUC) and ``flights``
(nycflights13 arrival delay from the shared data folder, NaN present,
regression, R^2 on a 20 % held-out split).

Run ``python benchmarks/bench_gbdt.py --help``; see benchmarks/README.md.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ALL_LIBS = ("skboost", "sklearn-gb", "sklearn-hgb", "lightgbm", "xgboost")
ALL_DATASETS = ("synthetic", "flights")
RESULT_MARK = "@@BENCH_RESULT@@ "
LABELS = {
    "skboost": "skboost",
    "skboost-cold": "skboost, cold (empty numba cache)",
    "skboost-sub": "skboost on the sklearn-gb subsample",
    "sklearn-gb": "sklearn GradientBoosting (exact)",
    "sklearn-hgb": "sklearn HistGradientBoosting",
    "lightgbm": "LightGBM",
    "xgboost": "xgboost hist",
}


# =====================================================================
# child process: one library, one dataset, one thread count
# =====================================================================
def _status_kb(field):
    """A ``kB`` field of ``/proc/self/status`` (None where there is none)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _rss_now_kb():
    return _status_kb("VmRSS:")


def _maxrss_kb():
    import resource
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak   # bytes on macOS


class _PeakRss:
    """Peak RSS of this process inside a ``with`` block (``peak_kb``).

    On Linux the kernel's own high-water mark is reset on entry (writing 5
    to ``/proc/self/clear_refs``) and read on exit (``VmHWM``): exact, and
    nothing runs beside the fit.  A thread that sampled RSS every 5 ms slowed
    a skboost fit by 25 % (1M x 28 boosting at 2 threads: 6.9 s vs 5.5 s;
    each wake-up took a core from the fit's threads).  Elsewhere RSS is
    sampled every 100 ms in a thread (peaks shorter than that can be missed).
    """

    def __init__(self):
        import threading
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = None
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            self._kernel_peak = _status_kb("VmHWM:") is not None
        except OSError:
            self._kernel_peak = False
        if not self._kernel_peak:
            self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while True:
            self.peak_kb = max(self.peak_kb, _rss_now_kb() or 0)
            if self._stop.wait(0.1):
                break

    def __enter__(self):
        if self._thread is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc):
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
        if self._kernel_peak:
            self.peak_kb = _status_kb("VmHWM:") or 0
        self.peak_kb = max(self.peak_kb, _rss_now_kb() or 0)


def _make_estimator(lib, task, p, threads):
    clf = task == "binary"
    if lib == "skboost":
        from skboost import GradientBoostingClassifier, GradientBoostingRegressor
        cls = GradientBoostingClassifier if clf else GradientBoostingRegressor
        return cls(n_estimators=p["trees"], learning_rate=p["lr"], max_depth=p["depth"],
                   max_bins=p["bins"], n_jobs=threads, random_state=p["seed"])
    if lib == "sklearn-gb":
        from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor
        cls = GradientBoostingClassifier if clf else GradientBoostingRegressor
        return cls(n_estimators=p["trees"], learning_rate=p["lr"], max_depth=p["depth"],
                   random_state=p["seed"])
    if lib == "sklearn-hgb":
        from sklearn.ensemble import (HistGradientBoostingClassifier,
                                      HistGradientBoostingRegressor)
        cls = HistGradientBoostingClassifier if clf else HistGradientBoostingRegressor
        return cls(max_iter=p["trees"], learning_rate=p["lr"], max_depth=p["depth"],
                   max_leaf_nodes=None, max_bins=p["bins"], early_stopping=False,
                   random_state=p["seed"])
    if lib == "lightgbm":
        import lightgbm
        cls = lightgbm.LGBMClassifier if clf else lightgbm.LGBMRegressor
        return cls(n_estimators=p["trees"], learning_rate=p["lr"], max_depth=p["depth"],
                   num_leaves=p["lgbm_num_leaves"], max_bin=p["bins"], n_jobs=threads,
                   random_state=p["seed"], verbose=-1)
    if lib == "xgboost":
        import xgboost
        cls = xgboost.XGBClassifier if clf else xgboost.XGBRegressor
        return cls(n_estimators=p["trees"], learning_rate=p["lr"], max_depth=p["depth"],
                   tree_method="hist", max_bin=p["bins"], n_jobs=threads,
                   random_state=p["seed"])
    raise ValueError(lib)


def _lib_version(lib):
    module = {"skboost": "skboost", "sklearn-gb": "sklearn", "sklearn-hgb": "sklearn",
              "lightgbm": "lightgbm", "xgboost": "xgboost"}[lib]
    return getattr(sys.modules.get(module), "__version__", None)


def _child(spec):
    """Run one measurement; print the result as one JSON line."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    lib, task, threads = spec["lib"], spec["task"], spec["threads"]
    p = spec["params"]
    d = Path(spec["data_dir"])
    suffix = "_imputed" if spec.get("imputed") else ""
    X_tr = np.load(d / f"X_train{suffix}.npy")
    y_tr = np.load(d / "y_train.npy")
    X_te = np.load(d / f"X_test{suffix}.npy")
    y_te = np.load(d / "y_test.npy")
    if spec.get("subsample"):
        rng = np.random.RandomState(p["seed"])
        keep = np.sort(rng.choice(X_tr.shape[0], spec["subsample"], replace=False))
        X_tr, y_tr = np.ascontiguousarray(X_tr[keep]), y_tr[keep]
    # import the library before the baseline, so the baseline includes it
    _make_estimator(lib, task, p, threads)

    out = dict(spec, n_train=int(X_tr.shape[0]), n_test=int(X_te.shape[0]),
               n_features=int(X_tr.shape[1]), fit_s=[], predict_s=[])
    out.pop("params")
    with threadpool_limits(limits=threads):
        out["rss_loaded_mb"] = (_rss_now_kb() or _maxrss_kb()) / 1024
        if spec["mode"] == "warm":
            # first use in this process: numba kernels loaded from the cache,
            # OpenMP pools started, ...; timed but kept apart
            n = min(5000, X_tr.shape[0])
            small = dict(p, trees=min(5, p["trees"]))
            start = time.perf_counter()
            est = _make_estimator(lib, task, small, threads).fit(X_tr[:n], y_tr[:n])
            (est.predict_proba if task == "binary" else est.predict)(X_te[:n])
            out["warmup_s"] = time.perf_counter() - start
            del est
        out["rss_before_fit_mb"] = (_rss_now_kb() or _maxrss_kb()) / 1024
        fit_peak_kb = 0
        for _ in range(spec["repeats"]):
            est = None      # drop the previous model before the next fit
            est = _make_estimator(lib, task, p, threads)
            with _PeakRss() as sampler:
                start = time.perf_counter()
                est.fit(X_tr, y_tr)
                out["fit_s"].append(time.perf_counter() - start)
            fit_peak_kb = max(fit_peak_kb, sampler.peak_kb)
            start = time.perf_counter()
            if task == "binary":
                pred = est.predict_proba(X_te)[:, 1]
            else:
                pred = est.predict(X_te)
            out["predict_s"].append(time.perf_counter() - start)
        out["peak_rss_mb"] = _maxrss_kb() / 1024
        out["fit_peak_rss_mb"] = fit_peak_kb / 1024

    from sklearn.metrics import r2_score, roc_auc_score
    if task == "binary":
        out["metric"], out["score"] = "AUC", float(roc_auc_score(y_te, pred))
    else:
        out["metric"], out["score"] = "R2", float(r2_score(y_te, pred))
    out["version"] = _lib_version(lib)
    if lib == "skboost":
        import numba
        from skboost._config import resolve_n_threads
        out["threads_used"] = resolve_n_threads(threads)
        out["numba_threading_layer"] = numba.threading_layer()
        out["numba_version"] = numba.__version__
    print(RESULT_MARK + json.dumps(out), flush=True)


# =====================================================================
# parent: data preparation, scheduling, report
# =====================================================================
def _prepare(dataset, args, root):
    """Write the train/test arrays of ``dataset`` under ``root``; return info."""
    import numpy as np
    from sklearn.model_selection import train_test_split

    d = root / dataset
    d.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    if dataset == "synthetic":
        from sklearn.datasets import make_classification
        n_test = max(1, args.rows // 4)
        X, y = make_classification(
            n_samples=args.rows + n_test, n_features=28, n_informative=14,
            n_redundant=6, n_clusters_per_class=3, flip_y=0.05, class_sep=1.0,
            random_state=args.seed)
        X_tr, X_te, y_tr, y_te = X[:args.rows], X[args.rows:], y[:args.rows], y[args.rows:]
        task, source = "binary", (f"make_classification({args.rows + n_test}, 28 features, "
                                  f"14 informative, flip_y=0.05, random_state={args.seed})")
    elif dataset == "flights":
        sys.path.insert(0, str(args.data_root))
        from load import load
        X, y, task = load("flights", as_frame=False)
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2,
                                                  random_state=args.seed)
        source = "shared flights (load('flights', as_frame=False)), 80/20 split"
        if args.flights_rows and args.flights_rows < X_tr.shape[0]:
            # smaller runs (smoke tests): the first rows of the shuffled split
            n_te = max(1, args.flights_rows // 4)
            X_tr, y_tr = X_tr[:args.flights_rows], y_tr[:args.flights_rows]
            X_te, y_te = X_te[:n_te], y_te[:n_te]
            source += f", cut to {args.flights_rows:,} / {n_te:,} rows (--flights-rows)"
        if args.flights_nan > 0:
            # load() drops the rows without arr_delay, which leaves no NaN in X:
            # optionally blank values at random to exercise missing-value paths
            rng = np.random.RandomState(args.seed + 1)
            X_tr = np.array(X_tr, dtype=np.float64)
            X_te = np.array(X_te, dtype=np.float64)
            X_tr[rng.random_sample(X_tr.shape) < args.flights_nan] = np.nan
            X_te[rng.random_sample(X_te.shape) < args.flights_nan] = np.nan
            source += f", {args.flights_nan:.1%} of values set to NaN at random (--flights-nan)"
    else:
        raise ValueError(dataset)
    X_tr = np.ascontiguousarray(X_tr, dtype=np.float64)
    X_te = np.ascontiguousarray(X_te, dtype=np.float64)
    np.save(d / "X_train.npy", X_tr)
    np.save(d / "X_test.npy", X_te)
    np.save(d / "y_train.npy", np.asarray(y_tr))
    np.save(d / "y_test.npy", np.asarray(y_te))
    has_nan = bool(np.isnan(X_tr).any() or np.isnan(X_te).any())
    if has_nan:
        # scikit-learn's exact GradientBoosting cannot take NaN: median-impute
        # (fitted on the training rows) for it alone, outside its timings.
        from sklearn.impute import SimpleImputer
        imp = SimpleImputer(strategy="median").fit(X_tr)
        np.save(d / "X_train_imputed.npy", np.ascontiguousarray(imp.transform(X_tr)))
        np.save(d / "X_test_imputed.npy", np.ascontiguousarray(imp.transform(X_te)))
    info = dict(dataset=dataset, task=task, n_train=int(X_tr.shape[0]),
                n_test=int(X_te.shape[0]), n_features=int(X_tr.shape[1]),
                nan=has_nan, nan_fraction=float(np.isnan(X_tr).mean()), source=source,
                prepare_s=time.perf_counter() - start, dir=str(d))
    return info


def _prepare_in_child(dataset, args, root):
    """Run :func:`_prepare` in a subprocess, so this parent stays small.

    On Linux a child's ``ru_maxrss`` starts from its parent's high-water mark
    (it survives fork/vfork + exec), so a parent that once held the data would
    inflate every child's peak.  The parent imports neither numpy nor pandas.
    """
    spec = dict(dataset=dataset, root=str(root), rows=args.rows, seed=args.seed,
                flights_rows=args.flights_rows, flights_nan=args.flights_nan,
                data_root=str(args.data_root))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--prepare", json.dumps(spec)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK):])
    raise RuntimeError(f"preparing {dataset} failed (exit code {proc.returncode}):\n"
                       + (proc.stderr or proc.stdout)[-3000:])


def _loadavg():
    try:
        return os.getloadavg()[0]
    except OSError:  # pragma: no cover
        return None


def _run_child(spec, args, extra_env=None, script=None):
    """Run ``script --child spec`` (default: this file) in a fresh process.

    ``args.timeout`` bounds it; the thread count ``spec["threads"]`` goes into
    ``OMP_NUM_THREADS`` & co. before the child starts.  Returns the child's
    result dict, or ``spec`` plus an ``error``.  bench_forest.py,
    bench_adaboost.py and bench_exact.py pass their own ``script``.
    """
    env = dict(os.environ)
    t = str(spec["threads"])
    env.update(OMP_NUM_THREADS=t, OPENBLAS_NUM_THREADS=t, MKL_NUM_THREADS=t,
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO),
                                                        env.get("PYTHONPATH")])))
    env.update(extra_env or {})
    cmd = [sys.executable, str(Path(script or __file__).resolve()), "--child",
           json.dumps(spec)]
    load_before = _loadavg()
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True,
                              timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return dict(spec, error=f"timed out after {args.timeout} s")
    wall = time.perf_counter() - start
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            result = json.loads(line[len(RESULT_MARK):])
            result.update(child_wall_s=wall, loadavg_before=load_before,
                          loadavg_after=_loadavg())
            return result
    tail = (proc.stderr or proc.stdout or "").strip().splitlines()[-15:]
    return dict(spec, error=f"exit code {proc.returncode}: " + " | ".join(tail))


def _schedule(info, args):
    """The child specs for one dataset, in run order."""
    params = dict(trees=args.trees, lr=args.learning_rate, depth=args.depth,
                  bins=args.bins, lgbm_num_leaves=args.lgbm_num_leaves, seed=args.seed)
    base = dict(task=info["task"], data_dir=info["dir"], dataset=info["dataset"],
                params=params)
    exact_rows = None
    if args.exact_rows != "all" and int(args.exact_rows) < info["n_train"]:
        exact_rows = int(args.exact_rows)
    specs = []
    for threads in args.threads:
        if "skboost" in args.libs and not args.no_cold:
            specs.append(dict(base, lib="skboost", variant="skboost-cold", mode="cold",
                              threads=threads, repeats=1))
        for lib in args.libs:
            if lib == "sklearn-gb":
                # serial: measured once, at the first thread count only
                if threads != args.threads[0]:
                    continue
                specs.append(dict(base, lib=lib, variant=lib, mode="warm", threads=1,
                                  repeats=args.exact_repeats, subsample=exact_rows,
                                  imputed=info["nan"], listed_threads=threads))
                if exact_rows and "skboost" in args.libs:
                    specs.append(dict(base, lib="skboost", variant="skboost-sub",
                                      mode="warm", threads=threads,
                                      repeats=args.repeats, subsample=exact_rows))
                continue
            specs.append(dict(base, lib=lib, variant=lib, mode="warm", threads=threads,
                              repeats=args.repeats))
        if exact_rows and "sklearn-gb" in args.libs and "skboost" in args.libs \
                and threads != args.threads[0]:
            specs.append(dict(base, lib="skboost", variant="skboost-sub", mode="warm",
                              threads=threads, repeats=args.repeats, subsample=exact_rows))
    return specs


def _available(lib):
    module = {"skboost": "skboost", "sklearn-gb": "sklearn", "sklearn-hgb": "sklearn",
              "lightgbm": "lightgbm", "xgboost": "xgboost"}[lib]
    import importlib.util
    return importlib.util.find_spec(module) is not None


def _median(values):
    return statistics.median(values) if values else None


def _fmt(x, digits=2):
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def _row_threads(r):
    return r.get("listed_threads", r["threads"])


def _report(results, infos, args):
    lines = []
    add = lines.append
    add("## skboost gradient boosting benchmark")
    add("")
    add(f"{args.trees} trees, learning rate {args.learning_rate}, depth {args.depth} "
        f"(LightGBM num_leaves={args.lgbm_num_leaves}), {args.bins} bins, no early "
        f"stopping. Fit and predict: median of {args.repeats} warm runs "
        f"(sklearn-gb: {args.exact_repeats}); every library in its own process.")
    add("")
    for info in infos:
        add(f"- **{info['dataset']}**: {info['source']}; {info['n_train']:,} train / "
            f"{info['n_test']:,} test rows x {info['n_features']} features; "
            f"task {info['task']}; NaN fraction {info['nan_fraction']:.4f}")
    add("")
    add("| dataset | threads | library | train rows | fit s | fit min s | predict s "
        "| quality | RSS before fit MB | peak RSS in fit MB | fit added MB "
        "| process peak RSS MB | note |")
    add("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for info in infos:
        for threads in args.threads:
            rows = [r for r in results if r["dataset"] == info["dataset"]
                    and _row_threads(r) == threads]
            warm = {r["variant"]: r for r in rows}
            for r in rows:
                label = LABELS.get(r["variant"], r["variant"])
                if "error" in r:
                    add(f"| {info['dataset']} | {threads} | {label} | | | | | | | | | | "
                        f"FAILED: {r['error'][:300]} |")
                    continue
                notes = []
                if r["variant"] == "skboost-cold":
                    w = warm.get("skboost")
                    if w and "error" not in w and w["fit_s"]:
                        notes.append(f"compile ≈ {r['fit_s'][0] - _median(w['fit_s']):.1f} s"
                                     " (cold − warm median)")
                    notes.append("first fit and predict in a fresh process")
                if r["variant"] == "skboost" and "warmup_s" in r:
                    notes.append(f"first use (cache load) {r['warmup_s']:.2f} s")
                if r["variant"] == "sklearn-gb":
                    notes.append("single-threaded")
                    if r.get("subsample"):
                        notes.append(f"**subsample of {r['subsample']:,} rows**")
                    if r.get("imputed"):
                        notes.append("NaN median-imputed")
                if r["variant"] == "skboost-sub":
                    notes.append(f"same {r['subsample']:,} rows as sklearn-gb")
                if r["lib"] == "skboost" and r.get("threads_used") not in (None, r["threads"]):
                    notes.append(f"ran on {r['threads_used']} threads")
                load = r.get("loadavg_before")
                if load is not None and load > (os.cpu_count() or 1) - 0.5:
                    notes.append(f"machine busy (load {load:.1f})")
                add(f"| {info['dataset']} | {threads} | {label} | {r['n_train']:,} | "
                    f"{_fmt(_median(r['fit_s']))} | {_fmt(min(r['fit_s']))} | "
                    f"{_fmt(_median(r['predict_s']), 3)} | {r['metric']} "
                    f"{r['score']:.4f} | {r['rss_before_fit_mb']:.0f} | "
                    f"{r['fit_peak_rss_mb']:.0f} | "
                    f"{r['fit_peak_rss_mb'] - r['rss_before_fit_mb']:.0f} | "
                    f"{r['peak_rss_mb']:.0f} | {'; '.join(notes)} |")
    add("")
    add("### Ratios skboost / peer (time ratio < 1: skboost is faster)")
    add("")
    add("| dataset | threads | peer | fit ratio | predict ratio | quality skboost | "
        "quality peer | fit peak RSS ratio | fit added MB skboost / peer |")
    add("|---|---|---|---|---|---|---|---|---|")
    for info in infos:
        for threads in args.threads:
            rows = {r["variant"]: r for r in results if r["dataset"] == info["dataset"]
                    and _row_threads(r) == threads and "error" not in r}
            gb = [r for r in results if r["dataset"] == info["dataset"]
                  and r["variant"] == "sklearn-gb" and "error" not in r]
            for peer_name in ("sklearn-gb", "sklearn-hgb", "lightgbm", "xgboost"):
                peer = rows.get(peer_name) or (gb[0] if peer_name == "sklearn-gb" and gb
                                               else None)
                if peer is None:
                    continue
                mine = rows.get("skboost")
                label = LABELS[peer_name]
                if peer_name == "sklearn-gb":
                    if peer.get("subsample"):
                        mine = rows.get("skboost-sub")
                        label += f" ({peer['subsample']:,}-row subsample)"
                    label += " (serial)"
                if mine is None:
                    continue
                add(f"| {info['dataset']} | {threads} | {label} | "
                    f"{_median(mine['fit_s']) / _median(peer['fit_s']):.2f} | "
                    f"{_median(mine['predict_s']) / _median(peer['predict_s']):.2f} | "
                    f"{mine['metric']} {mine['score']:.4f} | {peer['score']:.4f} | "
                    f"{mine['fit_peak_rss_mb'] / peer['fit_peak_rss_mb']:.2f} | "
                    f"{mine['fit_peak_rss_mb'] - mine['rss_before_fit_mb']:.0f} / "
                    f"{peer['fit_peak_rss_mb'] - peer['rss_before_fit_mb']:.0f} |")
    add("")
    add("Memory of each child process: 'RSS before fit' = resident size after "
        "imports, data loading and the warm-up fit (train + test arrays included); "
        "'peak RSS in fit' = the kernel's high-water mark (VmHWM) during the timed fits; "
        "'fit added' = their difference; 'process peak' = getrusage ru_maxrss over "
        "the whole child (includes numba compilation in the cold run). The ratio "
        "table compares 'peak RSS in fit', which includes each library's import "
        "footprint (numba/LLVM for skboost).")
    return "\n".join(lines)


def _parse(argv=None):
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000,
                    help="training rows of the synthetic problem (plus rows/4 held out)")
    ap.add_argument("--flights-rows", type=int, default=None,
                    help="cap the flights training rows (default: all 261,876; "
                         "the test part is cut to a quarter of this)")
    ap.add_argument("--flights-nan", type=float, default=0.0,
                    help="fraction of flights feature values set to NaN at random "
                         "(load() leaves none; > 0 exercises native NaN handling)")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2],
                    help="thread counts to measure")
    ap.add_argument("--repeats", type=int, default=3,
                    help="timed warm fits per library (median reported)")
    ap.add_argument("--datasets", nargs="+", choices=ALL_DATASETS,
                    default=list(ALL_DATASETS))
    ap.add_argument("--libs", nargs="+", choices=ALL_LIBS, default=list(ALL_LIBS))
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--depth", type=int, default=6)
    ap.add_argument("--learning-rate", type=float, default=0.1)
    ap.add_argument("--bins", type=int, default=255)
    ap.add_argument("--lgbm-num-leaves", type=int, default=63,
                    help="LightGBM num_leaves (2**depth would be exact depth parity)")
    ap.add_argument("--exact-rows", default="20000",
                    help="training rows for sklearn's exact GradientBoosting "
                         "(a random subsample; 'all' = the full training set, "
                         "very slow at 1M rows)")
    ap.add_argument("--exact-repeats", type=int, default=1,
                    help="timed fits of sklearn's exact GradientBoosting")
    ap.add_argument("--no-cold", action="store_true",
                    help="skip skboost's cold (empty numba cache) fit")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=7200,
                    help="seconds allowed for one child process")
    ap.add_argument("--data-root", type=Path, default=REPO.parent / "shared" / "data",
                    help="folder of the shared datasets (with load.py)")
    ap.add_argument("--workdir", type=Path, default=None,
                    help="where the prepared arrays go (default: a temporary folder, "
                         "deleted at the end)")
    ap.add_argument("--out", type=Path, default=None,
                    help="JSON file of all results; the markdown report is written "
                         "beside it (.md). Default: benchmarks/out/bench_gbdt-<time>.json")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--prepare", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.exact_rows != "all":
        try:
            if int(args.exact_rows) < 1:
                raise ValueError
        except ValueError:
            ap.error("--exact-rows takes a positive integer or 'all'")
    return args


def main(argv=None):
    args = _parse(argv)
    if args.child:
        _child(json.loads(args.child))
        return 0
    if args.prepare:
        import types
        spec = json.loads(args.prepare)
        ns = types.SimpleNamespace(**spec)
        ns.data_root = Path(spec["data_root"])
        info = _prepare(spec["dataset"], ns, Path(spec["root"]))
        print(RESULT_MARK + json.dumps(info), flush=True)
        return 0

    missing = [lib for lib in args.libs if not _available(lib)]
    for lib in missing:
        print(f"note: {lib} is not installed; skipped", file=sys.stderr)
    args.libs = [lib for lib in args.libs if lib not in missing]
    if args.out is None:
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        args.out = REPO / "benchmarks" / "out" / f"bench_gbdt-{stamp}.json"
    args.out.parent.mkdir(parents=True, exist_ok=True)

    own_workdir = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="bench_gbdt-")) if own_workdir else args.workdir
    results, infos = [], []
    started = time.perf_counter()
    try:
        for dataset in args.datasets:
            info = _prepare_in_child(dataset, args, workdir)
            infos.append(info)
            print(f"[{dataset}] {info['n_train']:,} train / {info['n_test']:,} test rows "
                  f"prepared in {info['prepare_s']:.1f} s", flush=True)
            for spec in _schedule(info, args):
                extra_env, cache_dir = None, None
                if spec["mode"] == "cold":
                    cache_dir = tempfile.mkdtemp(prefix="numba-cold-")
                    extra_env = {"NUMBA_CACHE_DIR": cache_dir}
                try:
                    r = _run_child(spec, args, extra_env)
                finally:
                    if cache_dir:
                        shutil.rmtree(cache_dir, ignore_errors=True)
                results.append(r)
                label = LABELS.get(spec["variant"], spec["variant"])
                if "error" in r:
                    print(f"  threads={spec['threads']} {label}: FAILED {r['error'][:500]}",
                          flush=True)
                else:
                    print(f"  threads={spec['threads']} {label}: fit "
                          f"{', '.join(f'{t:.2f}' for t in r['fit_s'])} s, predict "
                          f"{_median(r['predict_s']):.3f} s, {r['metric']} "
                          f"{r['score']:.4f}, RSS {r['rss_before_fit_mb']:.0f} -> "
                          f"{r['fit_peak_rss_mb']:.0f} MB in fit "
                          f"(load {r['loadavg_before']:.1f})", flush=True)
    finally:
        if own_workdir:
            shutil.rmtree(workdir, ignore_errors=True)

    report = _report(results, infos, args)
    write_outputs(args, report, infos, results, started)
    return 0


def write_outputs(args, report, infos, results, started):
    """Print the markdown report and write it plus the JSON of every number."""
    print("")
    print(report)
    meta = dict(
        date=datetime.datetime.now().isoformat(timespec="seconds"),
        argv=sys.argv[1:], python=platform.python_version(), platform=platform.platform(),
        cpu_count=os.cpu_count(),
        affinity=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        env={k: os.environ.get(k) for k in ("OMP_WAIT_POLICY", "NUMBA_THREADING_LAYER",
                                            "NUMBA_NUM_THREADS", "NUMBA_CACHE_DIR")},
        total_s=time.perf_counter() - started,
        args={k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()
              if k != "child"})
    args.out.write_text(json.dumps(dict(meta=meta, datasets=infos, results=results),
                                   indent=1))
    args.out.with_suffix(".md").write_text(report + "\n")
    print(f"\nwrote {args.out} and {args.out.with_suffix('.md')}  "
          f"(total {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    sys.exit(main())
