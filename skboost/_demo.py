"""``python -m skboost demo``: every skboost estimator beside its peers.

The demo discovers the estimators from :data:`skboost.__all__` (so a new
family shows up without touching this file), pairs each with its peers --
scikit-learn's estimator of the same name, scikit-learn's
HistGradientBoosting*, xgboost and LightGBM when they are installed -- and
trains all of them with matched settings on

* datasets that ship inside scikit-learn (no download): breast cancer
  (binary), digits (10 classes), diabetes (regression), each on a held-out
  split;
* a synthetic ``make_classification`` problem of ``synthetic_rows`` rows and
  28 features (80 % train, 20 % test).

It prints one table: dataset, model, fit and predict seconds (warm: numba
kernels already compiled or loaded from the cache), and the held-out score.
The first-use cost of the numba kernels is measured by one tiny warm-up fit
per skboost estimator and printed on its own.

Only numpy and scikit-learn are required; xgboost and lightgbm are imported
lazily and skipped with a note when absent.
"""
import importlib
import inspect
import os
import time
import warnings

import numpy as np

# scikit-learn's exact tree learners are slow on large data: on the synthetic
# problem they are trained on this many rows (and the table says so).
EXACT_PEER_MAX_ROWS = 20_000

# Matched settings: sklearn GradientBoosting's defaults (100 trees, learning
# rate 0.1, depth 3) with 255 bins for the histogram learners.
BOOSTING_SETTINGS = dict(n_estimators=100, learning_rate=0.1, max_depth=3,
                         max_bins=255, random_state=0)
# Forests: depth capped so that the demo stays within a few minutes on 2 cores.
FOREST_SETTINGS = dict(n_estimators=100, max_depth=10, max_bins=255, random_state=0)
ADABOOST_SETTINGS = dict(n_estimators=100, random_state=0)


# --------------------------------------------------------------- discovery
def _discover():
    """(name, class, task) of every public skboost estimator."""
    import skboost
    from sklearn.base import BaseEstimator, is_classifier, is_regressor

    found, notes = [], []
    for name in skboost.__all__:
        obj = getattr(skboost, name, None)
        if not (inspect.isclass(obj) and issubclass(obj, BaseEstimator)):
            continue
        try:
            est = obj()
        except Exception as exc:  # pragma: no cover - defensive
            notes.append(f"{name}: cannot be built with default parameters ({exc})")
            continue
        if is_classifier(est):
            found.append((name, obj, "classifier"))
        elif is_regressor(est):
            found.append((name, obj, "regressor"))
        else:
            notes.append(f"{name}: neither a classifier nor a regressor, not in the demo")
    return found, notes


def _kind(name, params):
    if "AdaBoost" in name:
        return "adaboost"
    if "Forest" in name or "ExtraTrees" in name:
        return "forest"
    if "learning_rate" in params:
        return "boosting"
    return "other"


def _settings(name, cls):
    """Demo parameters of one skboost estimator (only those it accepts)."""
    params = cls().get_params()
    kind = _kind(name, params)
    wanted = {"boosting": BOOSTING_SETTINGS, "forest": FOREST_SETTINGS,
              "adaboost": ADABOOST_SETTINGS}.get(kind, BOOSTING_SETTINGS)
    settings = {k: v for k, v in wanted.items() if k in params}
    # no early stopping anywhere
    if "n_iter_no_change" in params:
        settings["n_iter_no_change"] = None
    if "early_stopping" in params:
        settings["early_stopping"] = False
    return kind, settings


# -------------------------------------------------------------------- peers
class _Peer:
    """A peer estimator: a label, a factory, and whether it is slow (exact)."""

    def __init__(self, label, factory, exact=False):
        self.label = label
        self.factory = factory
        self.exact = exact


def _optional(module):
    try:
        return importlib.import_module(module)
    except Exception:  # ImportError, or a broken native library
        return None


def _peers(name, task, kind, est, n_threads, notes):
    """Peers of the skboost estimator ``est`` (already configured)."""
    p = est.get_params()
    peers = []

    # scikit-learn's estimator of the same name, same parameters where it has them
    import sklearn.ensemble as ske
    sk_cls = getattr(ske, name, None)
    if sk_cls is not None:
        sk_params = sk_cls().get_params()
        # only the parameters that differ from its defaults (no deprecation noise)
        kwargs = {k: v for k, v in p.items()
                  if k in sk_params and not _same(sk_params[k], v)}
        if "n_jobs" in sk_params:
            kwargs["n_jobs"] = n_threads
        peers.append(_Peer(f"sklearn {name}", _bind(sk_cls, kwargs), exact=True))
    else:
        notes.add(f"scikit-learn has no {name}; no same-name peer.")

    if kind not in ("boosting", "other") or "learning_rate" not in p:
        return peers

    n_trees = p.get("n_estimators", 100)
    lr = p.get("learning_rate", 0.1)
    depth = p.get("max_depth", None)
    leaves = p.get("max_leaf_nodes", None)
    bins = min(int(p.get("max_bins", 255)), 255)
    seed = p.get("random_state", 0)
    seed = seed if isinstance(seed, int) else 0
    suffix = "Classifier" if task == "classifier" else "Regressor"

    hgb = getattr(ske, "HistGradientBoosting" + suffix)
    peers.append(_Peer(f"sklearn HistGradientBoosting{suffix}", _bind(hgb, dict(
        max_iter=n_trees, learning_rate=lr, max_depth=depth, max_leaf_nodes=leaves,
        max_bins=bins, early_stopping=False, random_state=seed))))

    xgb = _optional("xgboost")
    if xgb is None:
        notes.add("xgboost is not installed: its peers are skipped "
                  "(pip install xgboost).")
    else:
        kwargs = dict(n_estimators=n_trees, learning_rate=lr, tree_method="hist",
                      max_bin=bins, n_jobs=n_threads, random_state=seed,
                      max_depth=0 if depth is None else depth)
        if leaves is not None:
            kwargs.update(grow_policy="lossguide", max_leaves=leaves)
        peers.append(_Peer(f"xgboost XGB{suffix}", _bind(getattr(xgb, "XGB" + suffix),
                                                         kwargs)))

    lgb = _optional("lightgbm")
    if lgb is None:
        notes.add("lightgbm is not installed: its peers are skipped "
                  "(pip install lightgbm).")
    else:
        if leaves is not None:
            num_leaves = leaves
        elif depth is not None:
            num_leaves = 2 ** depth      # a full tree of that depth
        else:
            num_leaves = 31
        kwargs = dict(n_estimators=n_trees, learning_rate=lr, num_leaves=num_leaves,
                      max_depth=-1 if depth is None else depth, max_bin=bins,
                      n_jobs=n_threads, random_state=seed, verbose=-1)
        peers.append(_Peer(f"lightgbm LGBM{suffix}", _bind(getattr(lgb, "LGBM" + suffix),
                                                           kwargs)))
    return peers


def _same(a, b):
    try:
        return bool(a is b or a == b)
    except Exception:  # arrays and other objects without a plain ==
        return False


def _bind(cls, kwargs):
    return lambda: cls(**kwargs)


# ----------------------------------------------------------------- datasets
def _datasets(synthetic_rows):
    """Yield (name, task, X_train, X_test, y_train, y_test, note)."""
    from sklearn.datasets import (load_breast_cancer, load_diabetes, load_digits,
                                  make_classification)
    from sklearn.model_selection import train_test_split

    def split(X, y, stratify):
        return train_test_split(X, y, test_size=0.25, random_state=0,
                                stratify=y if stratify else None)

    X, y = load_breast_cancer(return_X_y=True)
    yield ("breast_cancer", "binary", *split(X, y, True))
    X, y = load_digits(return_X_y=True)
    yield ("digits", "multiclass", *split(X, y, True))
    X, y = load_diabetes(return_X_y=True)
    yield ("diabetes", "regression", *split(X, y, False))
    if synthetic_rows and synthetic_rows > 0:
        X, y = make_classification(n_samples=int(synthetic_rows), n_features=28,
                                   n_informative=14, n_redundant=6,
                                   n_clusters_per_class=3, flip_y=0.05,
                                   random_state=0)
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, random_state=0)
        yield (f"synthetic {int(synthetic_rows):,}", "binary", X_tr, X_te, y_tr, y_te)


# ----------------------------------------------------------------- running
def _warm_up(cls, task, settings):
    """One tiny fit + predict: numba compile (or cache load) time, seconds."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 5))
    small = dict(settings)
    for key, value in (("n_estimators", 3), ("max_depth", 2)):
        if key in small:
            small[key] = value
    start = time.perf_counter()
    if task == "classifier":
        for n_classes in (2, 3):       # binary and multiclass losses
            y = rng.randint(0, n_classes, size=X.shape[0])
            est = cls(**small).fit(X, y)
            est.predict_proba(X)
            est.predict(X)
    else:
        y = X[:, 0] + rng.normal(size=X.shape[0])
        est = cls(**small).fit(X, y)
        est.predict(X)
    return time.perf_counter() - start


def _run_one(make, X_tr, y_tr, X_te, y_te, data_task):
    from sklearn.metrics import accuracy_score, r2_score, roc_auc_score

    est = make()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X_tr, y_tr)
    fit_s = time.perf_counter() - start
    if data_task == "regression":
        start = time.perf_counter()
        pred = est.predict(X_te)
        predict_s = time.perf_counter() - start
        return fit_s, predict_s, f"R^2 {r2_score(y_te, pred):.4f}", ""
    start = time.perf_counter()
    proba = np.asarray(est.predict_proba(X_te))
    predict_s = time.perf_counter() - start
    labels = np.asarray(est.classes_)[np.argmax(proba, axis=1)]
    acc = accuracy_score(y_te, labels)
    if data_task == "binary":
        auc = roc_auc_score(y_te, proba[:, 1])
    else:
        auc = roc_auc_score(y_te, proba, multi_class="ovr", labels=est.classes_)
    return fit_s, predict_s, f"acc {acc:.4f}", f"{auc:.4f}"


class _Table:
    COLUMNS = (("dataset", 20, "<"), ("model", 44, "<"), ("train rows", 10, ">"),
               ("fit s", 8, ">"), ("predict s", 9, ">"), ("score", 12, "<"),
               ("AUC", 6, "<"), ("note", 0, "<"))

    def __init__(self):
        self.header()

    def _line(self, values):
        cells = []
        for (_, width, align), value in zip(self.COLUMNS, values):
            cells.append(f"{value:{align}{width}}" if width else str(value))
        return "  ".join(cells).rstrip()

    def header(self):
        print(self._line([c[0] for c in self.COLUMNS]))
        print(self._line(["-" * max(c[1], 4) for c in self.COLUMNS]))

    def row(self, *values):
        print(self._line(values), flush=True)


def _available_cpus():
    try:
        from ._config import available_cpus
        return available_cpus()
    except Exception:  # pragma: no cover - defensive
        return os.cpu_count() or 1


def _load_average():
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):  # pragma: no cover - not POSIX
        return None


def run_demo(synthetic_rows=200_000):
    """Train every skboost estimator and its peers; print one table.

    Parameters
    ----------
    synthetic_rows : int, default=200_000
        Rows of the synthetic ``make_classification`` problem (28 features);
        0 skips it.
    """
    import sklearn

    import skboost

    total_start = time.perf_counter()
    n_threads = _available_cpus()
    estimators, notes_list = _discover()
    notes = set(notes_list)
    print(f"skboost {skboost.__version__} demo  (scikit-learn {sklearn.__version__}, "
          f"{n_threads} CPU thread(s) for every library that takes n_jobs)")
    for module in ("xgboost", "lightgbm"):
        mod = _optional(module)
        print(f"  {module}: {mod.__version__ if mod else 'not installed, skipped'}")
    print("Matched settings: boosting 100 trees, learning rate 0.1, max depth 3 "
          "(scikit-learn GradientBoosting's defaults), 255 bins, no early stopping; "
          "forests 100 trees, max depth 10; peers get the same values.")
    load = _load_average()
    if load is not None and load > n_threads - 0.5:
        print(f"Note: the machine is busy (load average {load:.1f} on {n_threads} "
              "CPU(s)); multi-threaded timings will be noisy and can be much slower.")
    print("")

    configured = []
    for name, cls, task in estimators:
        kind, settings = _settings(name, cls)
        configured.append((name, cls, task, kind, settings))

    print("numba first use: one tiny fit + predict per skboost estimator "
          "(compiles the kernels, or loads them from the on-disk cache)")
    for name, cls, task, kind, settings in configured:
        seconds = _warm_up(cls, task, settings)
        shown = ", ".join(f"{k}={v}" for k, v in settings.items() if k != "random_state")
        print(f"  {name:<30s} {seconds:7.2f} s   (demo settings: {shown})")
    print("All times below are warm (kernels already compiled).")
    print("")

    table = _Table()
    for dataset, data_task, X_tr, X_te, y_tr, y_te in _datasets(synthetic_rows):
        wanted = "regressor" if data_task == "regression" else "classifier"
        seen = set()
        for name, cls, task, kind, settings in configured:
            if task != wanted:
                continue
            runs = [(f"skboost {name}", _bind(cls, settings), False)]
            for peer in _peers(name, task, kind, cls(**settings), n_threads, notes):
                if peer.label not in seen:
                    runs.append((peer.label, peer.factory, peer.exact))
            for label, make, exact in runs:
                seen.add(label)
                Xf, yf, note = X_tr, y_tr, ""
                if exact and X_tr.shape[0] > EXACT_PEER_MAX_ROWS:
                    # exact (non-histogram) learners take minutes on large data
                    rng = np.random.RandomState(0)
                    keep = np.sort(rng.choice(X_tr.shape[0], EXACT_PEER_MAX_ROWS,
                                              replace=False))
                    Xf, yf = X_tr[keep], y_tr[keep]
                    note = (f"exact learner: trained on a {EXACT_PEER_MAX_ROWS:,}-row "
                            "subsample (full size takes minutes)")
                try:
                    fit_s, predict_s, score, auc = _run_one(make, Xf, yf, X_te, y_te,
                                                            data_task)
                except Exception as exc:
                    table.row(dataset, label, f"{Xf.shape[0]:,}", "-", "-", "failed", "",
                              f"{type(exc).__name__}: {exc}")
                    continue
                table.row(dataset, label, f"{Xf.shape[0]:,}", f"{fit_s:.3f}",
                          f"{predict_s:.3f}", score, auc, note)
        print("")

    print("Scores on held-out rows: accuracy and ROC AUC (one-vs-rest for digits) "
          "for classifiers, R^2 for regressors.")
    print("'predict s' times predict_proba for classifiers, predict for regressors.")
    for note in sorted(notes):
        print("Note: " + note)
    print(f"Demo finished in {time.perf_counter() - total_start:.1f} s.")
