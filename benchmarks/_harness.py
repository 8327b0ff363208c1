"""Shared machinery of bench_forest.py, bench_adaboost.py and bench_exact.py.

Built on bench_gbdt.py's helpers (imported, not copied): the RSS sampler and
readers, the load average, ``_run_child`` (fresh process per measurement,
``OMP_NUM_THREADS`` and friends set before it starts), ``_median``/``_fmt``.
What is added here is what the three scripts have in common and
bench_gbdt.py hard-codes for its own estimators:

* :func:`child` - the measuring child: load the prepared arrays, import the
  library, one tiny warm-up fit (``mode="warm"``), ``repeats`` timed fits
  (wall and CPU time, peak RSS) each followed by a timed
  predict, then the quality number;
* :func:`main` - the parent: prepare each dataset in a subprocess (the parent
  never imports numpy, see bench_gbdt's ``_prepare_in_child``), run the
  scheduled children (cold skboost children get an empty ``NUMBA_CACHE_DIR``),
  print progress, write the markdown report and the JSON;
* :func:`results_table` / :func:`ratio_table` - the report.

A script supplies ``LIBS`` (key -> (module, label)), ``prepare(dataset, args,
root)``, ``schedule(info, args)``, ``make(lib, p, threads)`` and optionally
``predict``/``score``/``after_fits`` hooks.
"""
import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_gbdt import (REPO, RESULT_MARK, _PeakRss, _fmt, write_outputs,  # noqa: E402
                        _maxrss_kb, _median, _rss_now_kb, _run_child)

__all__ = ["REPO", "RESULT_MARK", "_fmt", "_median", "add_common_args", "child",
           "main", "ratio_table", "results_table", "save_split", "spec_base"]


# =====================================================================
# data files
# =====================================================================
def save_split(d, X_tr, X_te, y_tr, y_te):
    """Write the four arrays (float64 C-contiguous X) under folder ``d``."""
    import numpy as np
    d = Path(d)
    d.mkdir(parents=True, exist_ok=True)
    np.save(d / "X_train.npy", np.ascontiguousarray(X_tr, dtype=np.float64))
    np.save(d / "X_test.npy", np.ascontiguousarray(X_te, dtype=np.float64))
    np.save(d / "y_train.npy", np.asarray(y_tr))
    np.save(d / "y_test.npy", np.asarray(y_te))


def _load_split(d):
    import numpy as np
    d = Path(d)
    return (np.load(d / "X_train.npy"), np.load(d / "y_train.npy"),
            np.load(d / "X_test.npy"), np.load(d / "y_test.npy"))


# =====================================================================
# child process
# =====================================================================
def _cpu_s():
    t = os.times()
    return t.user + t.system


def _default_predict(est, X, spec):
    return est.predict(X)


def _default_score(y, pred, spec):
    from sklearn.metrics import accuracy_score
    return "accuracy", float(accuracy_score(y, pred))


def child(spec, make, predict=_default_predict, score=_default_score, after_fits=None):
    """Measure one (library, dataset, thread count); print one JSON line.

    ``make(lib, p, threads)`` returns an unfitted estimator (``p``: the spec's
    params plus ``n_features``); ``predict(est, X, spec)`` is what is timed
    after each fit; ``score(y_test, pred, spec)`` returns (metric, value);
    ``after_fits(est_factory, X_tr, y_tr, spec, out)`` may add to the result
    after the timed fits (outside their timings and RSS sampling).
    """
    from threadpoolctl import threadpool_limits

    lib, threads = spec["lib"], spec["threads"]
    X_tr, y_tr, X_te, y_te = _load_split(spec["data_dir"])
    p = dict(spec["params"], n_features=int(X_tr.shape[1]))
    make(lib, p, threads)   # import the library before the baseline RSS

    out = dict(spec, n_train=int(X_tr.shape[0]), n_test=int(X_te.shape[0]),
               n_features=int(X_tr.shape[1]), fit_s=[], fit_cpu_s=[], predict_s=[])
    out.pop("params")
    with threadpool_limits(limits=threads):
        out["rss_loaded_mb"] = (_rss_now_kb() or _maxrss_kb()) / 1024
        if spec["mode"] == "warm":
            # first use in this process (numba kernels loaded from the cache,
            # thread pools started): timed, kept apart from the timed fits
            n = min(5000, X_tr.shape[0])
            small = dict(p, trees=min(5, p["trees"]))
            start = time.perf_counter()
            est = make(lib, small, threads).fit(X_tr[:n], y_tr[:n])
            predict(est, X_te[:n], spec)
            out["warmup_s"] = time.perf_counter() - start
            del est
        out["rss_before_fit_mb"] = (_rss_now_kb() or _maxrss_kb()) / 1024
        fit_peak_kb = 0
        for _ in range(spec["repeats"]):
            est = None      # drop the previous model before the next fit
            est = make(lib, p, threads)
            with _PeakRss() as sampler:
                cpu0, start = _cpu_s(), time.perf_counter()
                est.fit(X_tr, y_tr)
                out["fit_s"].append(time.perf_counter() - start)
                out["fit_cpu_s"].append(_cpu_s() - cpu0)
            fit_peak_kb = max(fit_peak_kb, sampler.peak_kb)
            start = time.perf_counter()
            pred = predict(est, X_te, spec)
            out["predict_s"].append(time.perf_counter() - start)
        out["peak_rss_mb"] = _maxrss_kb() / 1024
        out["fit_peak_rss_mb"] = fit_peak_kb / 1024
        out["metric"], out["score"] = score(y_te, pred, spec)
        if after_fits is not None:
            est = None
            after_fits(lambda: make(lib, p, threads), X_tr, y_tr, spec, out)
            out["peak_rss_after_extra_mb"] = _maxrss_kb() / 1024

    out["versions"] = {m: getattr(sys.modules[m], "__version__", None)
                       for m in ("skboost", "sklearn", "xgboost", "lightgbm", "numba")
                       if m in sys.modules}
    if "skboost" in sys.modules:
        import numba
        from skboost._config import resolve_n_threads
        out["threads_used"] = resolve_n_threads(threads)
        out["numba_threading_layer"] = numba.threading_layer()
    print(RESULT_MARK + json.dumps(out), flush=True)


# =====================================================================
# parent
# =====================================================================
def add_common_args(ap, default_threads=(1, 2), default_repeats=3):
    ap.add_argument("--threads", type=int, nargs="+", default=list(default_threads),
                    help="thread counts to measure")
    ap.add_argument("--repeats", type=int, default=default_repeats,
                    help="timed warm fits per library (median reported)")
    ap.add_argument("--no-cold", action="store_true",
                    help="skip skboost's cold fit (empty numba cache, every kernel "
                         "compiled; one per skboost variant, on the first dataset at the "
                         "first thread count)")
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
                         "beside it (.md). Default: benchmarks/out/<script>-<time>.json")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--prepare", help=argparse.SUPPRESS)


def _jsonable_args(args):
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()
            if k not in ("child", "prepare")}


def _prepare_in_child(script, dataset, args, root):
    spec = dict(dataset=dataset, root=str(root), args=_jsonable_args(args))
    cmd = [sys.executable, str(script), "--prepare", json.dumps(spec)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK):])
    raise RuntimeError(f"preparing {dataset} failed (exit code {proc.returncode}):\n"
                       + (proc.stderr or proc.stdout)[-3000:])


def run_prepare(spec_json, prepare):
    """Child side of the data preparation: call ``prepare`` and print its info."""
    spec = json.loads(spec_json)
    ns = types.SimpleNamespace(**spec["args"])
    ns.data_root = Path(ns.data_root)
    start = time.perf_counter()
    info = prepare(spec["dataset"], ns, Path(spec["root"]) / spec["dataset"])
    info.setdefault("dataset", spec["dataset"])
    info["dir"] = str(Path(spec["root"]) / spec["dataset"])
    info["prepare_s"] = time.perf_counter() - start
    print(RESULT_MARK + json.dumps(info), flush=True)


def spec_base(info, params):
    return dict(dataset=info["dataset"], data_dir=info["dir"], params=params)


def _available(module):
    import importlib.util
    return importlib.util.find_spec(module) is not None


def main(script, args, libs, schedule, report, datasets):
    """Prepare ``datasets``, run ``schedule(info, args)``'s children, report."""
    name = Path(script).stem
    missing = [lib for lib in args.libs if not _available(libs[lib][0])]
    for lib in missing:
        print(f"note: {lib} ({libs[lib][0]}) is not installed; skipped", file=sys.stderr)
    args.libs = [lib for lib in args.libs if lib not in missing]
    if args.out is None:
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        args.out = REPO / "benchmarks" / "out" / f"{name}-{stamp}.json"
    args.out.parent.mkdir(parents=True, exist_ok=True)

    own_workdir = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix=f"{name}-")) if own_workdir else args.workdir
    results, infos = [], []
    started = time.perf_counter()
    try:
        for dataset in datasets:
            info = _prepare_in_child(script, dataset, args, workdir)
            infos.append(info)
            print(f"[{dataset}] {info['n_train']:,} train / {info['n_test']:,} test rows "
                  f"x {info['n_features']} prepared in {info['prepare_s']:.1f} s",
                  flush=True)
            for spec in schedule(info, args):
                extra_env, cache_dir = None, None
                if spec["mode"] == "cold":
                    cache_dir = tempfile.mkdtemp(prefix="numba-cold-")
                    extra_env = {"NUMBA_CACHE_DIR": cache_dir}
                try:
                    r = _run_child(spec, args, extra_env, script=script)
                finally:
                    if cache_dir:
                        shutil.rmtree(cache_dir, ignore_errors=True)
                results.append(r)
                label = _label(libs, r)
                if "error" in r:
                    print(f"  threads={spec['threads']} {label}: FAILED {r['error'][:800]}",
                          flush=True)
                else:
                    print(f"  threads={spec['threads']} {label}: fit "
                          f"{', '.join(f'{t:.2f}' for t in r['fit_s'])} s (CPU/wall "
                          f"{sum(r['fit_cpu_s']) / sum(r['fit_s']):.2f}), predict "
                          f"{_median(r['predict_s']):.3f} s, {r['metric']} "
                          f"{r['score']:.4f}, RSS {r['rss_before_fit_mb']:.0f} -> "
                          f"{r['fit_peak_rss_mb']:.0f} MB in fit "
                          f"(load {r['loadavg_before']:.1f}, child "
                          f"{r['child_wall_s']:.0f} s)", flush=True)
    finally:
        if own_workdir:
            shutil.rmtree(workdir, ignore_errors=True)

    write_outputs(args, report(results, infos, args), infos, results, started)
    return 0


# =====================================================================
# report
# =====================================================================
def _label(libs, r):
    label = libs[r["lib"]][1]
    if r.get("mode") == "cold":
        label += ", cold (empty numba cache)"
    return label


def _row_threads(r):
    return r.get("listed_threads", r["threads"])


def _cpu_ratio(r):
    return sum(r["fit_cpu_s"]) / sum(r["fit_s"]) if sum(r["fit_s"]) > 0 else None


def results_table(results, infos, args, libs, extra_cols=()):
    """One markdown row per child.  ``extra_cols``: (header, fn(result) -> str)."""
    lines = []
    add = lines.append
    head = ["dataset", "threads", "library", "train rows", "fit s", "fit min s",
            "fit CPU/wall", "predict s", "quality"] + [h for h, _ in extra_cols] + [
            "RSS before fit MB", "peak RSS in fit MB", "fit added MB",
            "process peak RSS MB", "note"]
    add("| " + " | ".join(head) + " |")
    add("|" + "---|" * len(head))
    busy = (os.cpu_count() or 1) - 0.5
    for info in infos:
        for threads in args.threads:
            rows = [r for r in results if r["dataset"] == info["dataset"]
                    and _row_threads(r) == threads]
            for r in rows:
                label = _label(libs, r)
                if "error" in r:
                    add(f"| {info['dataset']} | {threads} | {label} |"
                        + " |" * (len(head) - 4) + f" FAILED: {r['error'][:300]} |")
                    continue
                notes = list(r.get("notes", []))
                if r.get("mode") == "cold":
                    warm = [w for w in results if w["dataset"] == r["dataset"]
                            and w["lib"] == r["lib"] and w.get("mode") == "warm"
                            and w["threads"] == r["threads"] and "error" not in w]
                    if warm:
                        notes.append(f"compile ≈ {r['fit_s'][0] - _median(warm[0]['fit_s']):.1f}"
                                     " s (cold − warm median)")
                    notes.append("first fit and predict in a fresh process")
                elif r["lib"].startswith("skboost") and "warmup_s" in r:
                    notes.append(f"first use (cache load) {r['warmup_s']:.2f} s")
                if r.get("serial"):
                    notes.append("single-threaded, measured once")
                if r["lib"].startswith("skboost") and \
                        r.get("threads_used") not in (None, r["threads"]):
                    notes.append(f"ran on {r['threads_used']} threads")
                load = r.get("loadavg_before")
                if load is not None and load > busy:
                    notes.append(f"machine busy (load {load:.1f})")
                cells = [info["dataset"], str(threads), label, f"{r['n_train']:,}",
                         _fmt(_median(r["fit_s"])), _fmt(min(r["fit_s"])),
                         _fmt(_cpu_ratio(r)), _fmt(_median(r["predict_s"]), 3),
                         f"{r['metric']} {r['score']:.4f}"]
                cells += [fn(r) for _, fn in extra_cols]
                cells += [f"{r['rss_before_fit_mb']:.0f}", f"{r['fit_peak_rss_mb']:.0f}",
                          f"{r['fit_peak_rss_mb'] - r['rss_before_fit_mb']:.0f}",
                          f"{r['peak_rss_mb']:.0f}", "; ".join(notes)]
                add("| " + " | ".join(cells) + " |")
    return lines


def ratio_table(results, infos, args, libs, mine, peers):
    """skboost variant / peer at the same thread count (serial peers: their one run)."""
    lines = ["| dataset | threads | skboost | peer | fit ratio | predict ratio | "
             "quality skboost | quality peer | fit peak RSS ratio | "
             "fit added MB skboost / peer |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for info in infos:
        ok = [r for r in results if r["dataset"] == info["dataset"] and "error" not in r
              and r.get("mode") == "warm"]
        for threads in args.threads:
            here = {r["lib"]: r for r in ok if r["threads"] == threads}
            serial = {r["lib"]: r for r in ok if r.get("serial")}
            for m in mine:
                a = here.get(m)
                if a is None:
                    continue
                for peer in peers:
                    b = serial.get(peer) or here.get(peer)
                    if b is None:
                        continue
                    label = libs[peer][1] + (" (serial)" if b.get("serial") else "")
                    lines.append(
                        f"| {info['dataset']} | {threads} | {libs[m][1]} | {label} | "
                        f"{_median(a['fit_s']) / _median(b['fit_s']):.2f} | "
                        f"{_median(a['predict_s']) / _median(b['predict_s']):.2f} | "
                        f"{a['metric']} {a['score']:.4f} | {b['score']:.4f} | "
                        f"{a['fit_peak_rss_mb'] / b['fit_peak_rss_mb']:.2f} | "
                        f"{a['fit_peak_rss_mb'] - a['rss_before_fit_mb']:.0f} / "
                        f"{b['fit_peak_rss_mb'] - b['rss_before_fit_mb']:.0f} |")
    return lines


MEMORY_NOTE = (
    "Every library runs in its own process. 'fit CPU/wall' = process CPU time "
    "(user + system) over wall time of the timed fits: about the number of cores "
    "actually busy (a single-threaded library stays at ~1.0 whatever it was asked). "
    "Memory: 'RSS before fit' = resident size after imports, data loading and the "
    "warm-up fit (train + test arrays included); 'peak RSS in fit' = highest RSS "
    "(the kernel's high-water mark, VmHWM) during the timed fits; 'fit added' = "
    "their difference; "
    "'process peak' = getrusage ru_maxrss over the whole child (numba compilation "
    "in the cold run, and any extra fit made after the timed ones). The ratio table "
    "compares 'peak RSS in fit', which includes each library's import footprint "
    "(numba/LLVM for skboost, about 100 MB).")


def schedule_generic(info, args, params_for, skboost_libs, serial_libs=(),
                     extra_for=None, serial_repeats=None):
    """Cold children (first dataset, first thread count), then every lib at every
    thread count;
    libraries in ``serial_libs`` run once, at 1 thread, listed under the first
    thread count, with ``serial_repeats`` timed fits (default ``args.repeats``).
    ``params_for(lib)`` gives the params; ``extra_for(lib, threads, cold)`` extra
    spec keys."""
    specs = []
    # compilation does not depend on the data: cold children for the first
    # dataset only
    first = getattr(args, "datasets", None) or [info["dataset"]]
    if not args.no_cold and info["dataset"] == first[0]:
        for lib in args.libs:
            if lib in skboost_libs:
                specs.append(dict(spec_base(info, params_for(lib)), lib=lib, mode="cold",
                                  threads=args.threads[0], repeats=1,
                                  **(extra_for(lib, args.threads[0], cold=True)
                                     if extra_for else {})))
    for threads in args.threads:
        for lib in args.libs:
            extra = extra_for(lib, threads, cold=False) if extra_for else {}
            if lib in serial_libs:
                if threads != args.threads[0]:
                    continue
                specs.append(dict(spec_base(info, params_for(lib)), lib=lib, mode="warm",
                                  threads=1, listed_threads=threads, serial=True,
                                  repeats=serial_repeats or args.repeats, **extra))
                continue
            specs.append(dict(spec_base(info, params_for(lib)), lib=lib, mode="warm",
                              threads=threads, repeats=args.repeats, **extra))
    return specs
