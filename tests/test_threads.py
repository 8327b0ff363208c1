"""Threads: how many each fit and predict uses, and safety across Python threads.

* ``n_jobs=None`` honours the CPUs available (affinity, cgroup quota) and the
  limits of an outer parallel layer: ``OMP_NUM_THREADS`` (set by joblib in
  its workers), ``threadpoolctl.threadpool_limits``;
* GridSearchCV(n_jobs=2) does not run 2 x n_cores threads;
* predictions from several Python threads at once equal serial ones, on the
  thread-safe layer skboost picks and under the workqueue layer's lock;
* small predictions and fits run on fewer threads.
"""
import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
import pytest
from joblib import Parallel, delayed, parallel_config
from numpy.testing import assert_array_equal
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV
from threadpoolctl import threadpool_info, threadpool_limits

import skboost._config as config
import skboost._tree as tree_module
from skboost import (AdaBoostClassifier, GradientBoostingClassifier, RandomForestClassifier,
                     RandomForestRegressor)
from skboost._config import available_cpus, resolve_n_threads, threads

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N_CPUS = available_cpus()
multi_core = pytest.mark.skipif(N_CPUS < 2, reason="needs at least 2 CPUs")


class ThreadRecordingGB(GradientBoostingClassifier):
    """Records the numba thread count inside the fit's thread context."""

    def _fit(self, *args):
        self.fit_threads_ = numba.get_num_threads()
        return super()._fit(*args)


def fit_threads_scorer(estimator, X, y):
    return float(estimator.fit_threads_)


def _data(n=2000, d=60, seed=0):
    # 120,000 cells: enough for two threads (FIT_CELLS_PER_THREAD = 50,000)
    return make_classification(n_samples=n, n_features=d, n_informative=6,
                               random_state=seed)


# ------------------------------------------------------------ thread counts
def test_n_jobs_resolution():
    assert resolve_n_threads(1) == 1
    assert resolve_n_threads(-1) == N_CPUS
    assert resolve_n_threads(10**6) == N_CPUS
    assert resolve_n_threads(-(N_CPUS + 5)) == 1
    with pytest.raises(ValueError):
        resolve_n_threads(0)


@multi_core
def test_omp_num_threads_limits_the_default(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert resolve_n_threads(None) == 1
    assert resolve_n_threads(2) == 2  # an explicit n_jobs is the user's choice
    monkeypatch.setenv("OMP_NUM_THREADS", "not a number")
    assert resolve_n_threads(None) == N_CPUS


@multi_core
def test_threadpoolctl_limits_the_default():
    assert any(i["internal_api"] == "numba" for i in threadpool_info())
    with threadpool_limits(limits=1):
        assert resolve_n_threads(None) == 1
        est = ThreadRecordingGB(n_estimators=2).fit(*_data())
        assert est.fit_threads_ == 1
    with threadpool_limits(limits=1, user_api="blas"):
        assert resolve_n_threads(None) == N_CPUS
    assert resolve_n_threads(None) == N_CPUS  # the limit is lifted on exit


def test_affinity_and_cgroup_limit_the_cpus(monkeypatch):
    monkeypatch.setattr(config, "_cached_cgroup_cpu_limit", lambda: 1)
    assert available_cpus() == 1
    assert resolve_n_threads(None) == 1
    monkeypatch.setattr(config, "_cached_cgroup_cpu_limit", lambda: None)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    assert available_cpus() == 1


def test_cgroup_quota_parsing(tmp_path, monkeypatch):
    real_open = open

    def fake_open(path, *args, **kwargs):
        if path == "/sys/fs/cgroup/cpu.max":
            return real_open(tmp_path / "cpu.max", *args, **kwargs)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", fake_open)
    (tmp_path / "cpu.max").write_text("150000 100000\n")
    assert config._cgroup_cpu_limit() == 1
    (tmp_path / "cpu.max").write_text("400000 100000\n")
    assert config._cgroup_cpu_limit() == 4


@multi_core
def test_n_jobs_sets_the_fit_threads():
    X, y = _data()
    assert ThreadRecordingGB(n_estimators=2, n_jobs=1).fit(X, y).fit_threads_ == 1
    assert ThreadRecordingGB(n_estimators=2, n_jobs=2).fit(X, y).fit_threads_ == 2
    # a small fit runs on one thread whatever n_jobs says
    assert ThreadRecordingGB(n_estimators=2, n_jobs=2).fit(X[:100], y[:100]).fit_threads_ == 1


def test_grid_search_n_jobs_2_does_not_oversubscribe():
    X, y = _data()
    search = GridSearchCV(ThreadRecordingGB(n_estimators=3), {"max_depth": [1, 2]}, cv=2,
                          n_jobs=2, refit=False,
                          scoring={"accuracy": "accuracy", "threads": fit_threads_scorer})
    search.fit(X, y)
    results = search.cv_results_
    seen = [results[f"split{k}_test_threads"] for k in range(2)]
    assert np.max(seen) <= max(1, N_CPUS // 2)
    assert np.min(seen) >= 1


def _resolved_in_worker():
    return resolve_n_threads(None)


def test_joblib_inner_max_num_threads_is_honoured():
    with parallel_config(backend="loky", inner_max_num_threads=1):
        seen = Parallel(n_jobs=2)(delayed(_resolved_in_worker)() for _ in range(2))
    assert seen == [1, 1]


def test_threads_context_restores_on_error():
    before = numba.get_num_threads()
    with pytest.raises(RuntimeError):
        with threads(1):
            assert numba.get_num_threads() == 1
            raise RuntimeError("boom")
    assert numba.get_num_threads() == before


@multi_core
def test_small_predictions_run_on_one_thread(monkeypatch):
    X, y = _data()
    est = GradientBoostingClassifier(n_estimators=50, n_jobs=2, random_state=0).fit(X, y)
    seen = []
    kernel = tree_module.predict_raw

    def recording(*args):
        seen.append(numba.get_num_threads())
        return kernel(*args)

    monkeypatch.setattr(tree_module, "predict_raw", recording)
    est.predict(X[:50])      # 2,500 (row, tree) pairs
    est.predict(X)           # 100,000
    assert seen == [1, 2]


# ------------------------------------------------------- threading layer
def test_a_thread_safe_layer_is_chosen_when_available():
    GradientBoostingClassifier(n_estimators=2).fit(*_data(n=200, d=8))
    layer = numba.threading_layer()
    assert config.threading_layer() == layer
    if not os.environ.get("NUMBA_THREADING_LAYER"):
        expected = [name for name in ("tbb", "omp") if config._layer_loads(name)]
        assert layer == (expected[0] if expected else "workqueue")


def _concurrent_equals_serial(estimators, X, n_threads=4, repeats=3):
    """Every estimator's predictions from ``n_threads`` Python threads at once."""
    chunks = np.array_split(np.arange(X.shape[0]), 8)
    serial = [[est.predict_proba(X[rows]) if hasattr(est, "predict_proba")
               else est.predict(X[rows]) for rows in chunks] for est in estimators]

    def job(k):
        est = estimators[k % len(estimators)]
        rows = chunks[k % len(chunks)]
        out = est.predict_proba(X[rows]) if hasattr(est, "predict_proba") else est.predict(X[rows])
        return k, out

    with ThreadPoolExecutor(n_threads) as pool:
        results = list(pool.map(job, range(len(chunks) * len(estimators) * repeats)))
    for k, out in results:
        assert_array_equal(out, serial[k % len(estimators)][k % len(chunks)])


def test_concurrent_predict_from_four_threads_equals_serial():
    X, y = _data(n=4000, d=20)
    estimators = [
        GradientBoostingClassifier(n_estimators=30, random_state=0).fit(X, y),
        RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y),
        RandomForestRegressor(n_estimators=5, split_method="exact", random_state=0).fit(X, y),
        AdaBoostClassifier(n_estimators=10, random_state=0).fit(X, y),
    ]
    _concurrent_equals_serial(estimators, X)


def test_concurrent_fits_from_threads_equal_serial():
    X, y = _data(n=1500, d=20)
    params = [dict(max_depth=d, n_estimators=5, random_state=0) for d in (1, 2, 3, 4)]
    serial = [GradientBoostingClassifier(**p).fit(X, y).decision_function(X) for p in params]
    with ThreadPoolExecutor(4) as pool:
        fitted = list(pool.map(lambda p: GradientBoostingClassifier(**p).fit(X, y), params))
    for est, expected in zip(fitted, serial):
        assert_array_equal(est.decision_function(X), expected)


def _run(script, **env):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=REPO,
                          env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=600)


def test_workqueue_layer_serialises_concurrent_calls():
    """numba's workqueue layer aborts the process on concurrent parallel
    kernels; skboost's lock makes them take turns."""
    script = """
        import numpy as np, numba
        from concurrent.futures import ThreadPoolExecutor
        from sklearn.datasets import make_classification
        from skboost import GradientBoostingClassifier, RandomForestClassifier
        X, y = make_classification(n_samples=3000, n_features=10, random_state=0)
        ests = [GradientBoostingClassifier(n_estimators=20, random_state=0).fit(X, y),
                RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)]
        serial = [e.predict_proba(X) for e in ests]
        with ThreadPoolExecutor(4) as pool:
            out = list(pool.map(lambda k: ests[k % 2].predict_proba(X), range(16)))
        assert all(np.array_equal(o, serial[k % 2]) for k, o in enumerate(out))
        print("layer", numba.threading_layer())
    """
    done = _run(script, NUMBA_THREADING_LAYER="workqueue")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "layer workqueue" in done.stdout


def test_forest_trees_grow_on_threads_under_the_workqueue_layer():
    """The depth-first grower calls serial kernels only: its trees may grow on
    several threads whatever the layer, with the same forest as one thread."""
    script = """
        import threading
        import numpy as np, numba
        from sklearn.datasets import make_classification
        import skboost._depth_first as depth_first
        from skboost import RandomForestClassifier
        # (fits use one thread per 50,000 cells: two here)
        X, y = make_classification(n_samples=12000, n_features=10, random_state=0)
        seen = set()
        grow = depth_first.DepthFirstGrower.grow
        def recording(self, *args, **kwargs):
            seen.add(threading.get_ident())
            return grow(self, *args, **kwargs)
        depth_first.DepthFirstGrower.grow = recording
        one = RandomForestClassifier(n_estimators=8, n_jobs=1, random_state=0).fit(X, y)
        seen.clear()
        two = RandomForestClassifier(n_estimators=8, n_jobs=2, random_state=0).fit(X, y)
        assert np.array_equal(one.predict_proba(X), two.predict_proba(X))
        print("layer", numba.threading_layer(), "threads", len(seen))
    """
    done = _run(script, NUMBA_THREADING_LAYER="workqueue", NUMBA_NUM_THREADS="2")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "layer workqueue threads 2" in done.stdout


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork")
def test_fork_after_gnu_openmp_gives_a_clear_error():
    script = """
        import os, sys
        from sklearn.datasets import make_classification
        from skboost import GradientBoostingClassifier
        from skboost._config import threading_layer, _Layer
        X, y = make_classification(n_samples=300, n_features=5, random_state=0)
        est = GradientBoostingClassifier(n_estimators=2).fit(X, y)
        threading_layer()
        print("gnu", _Layer.gnu_openmp, flush=True)
        pid = os.fork()
        if pid == 0:
            try:
                est.predict(X)
                print("child predicted", flush=True)
            except RuntimeError as e:
                print("child error:", e, flush=True)
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        print("status", status, flush=True)
    """
    done = _run(script)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "status 0" in done.stdout
    if "gnu True" in done.stdout:
        assert "child error:" in done.stdout and "spawn" in done.stdout
    else:
        assert "child predicted" in done.stdout
