"""What every estimator family shares: input validation and thread handling."""
import contextlib
import warnings
from concurrent.futures import ThreadPoolExecutor
from numbers import Integral

import numba
import numpy as np
from scipy import sparse
from sklearn.utils import get_tags
from sklearn.utils._available_if import available_if
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from .._absolute import AbsoluteErrorSplitter
from .._binning import BinMapper
from .._categories import encode_fit, encode_predict
from .._config import resolve_n_threads, threading_layer, threads, threads_for_work
from .._data import align_columns, canonical_sparse, check_numeric_columns
from .._dtypes import X_DTYPE
from .._grower import TreeGrower
from .._presort import ColumnBlocks, ExactSplitter
from .._tree import Forest


class EngineTree:
    """One tree of a fitted ensemble, with scikit-learn's per-tree methods.

    Predictions are turned into labels or targets by the owning estimator
    (``_values_to_prediction`` / ``_values_to_proba``).

    Attributes
    ----------
    tree_ : skboost._tree.Tree
        Flat node arrays (``feature``, ``threshold``, ``left``, ``right``,
        ``value``, ``cover``, ``n_samples``, ...).
    """

    def __init__(self, tree, forest_estimator):
        self.tree_ = tree
        self._owner = forest_estimator

    def get_depth(self):
        return self.tree_.get_depth()

    def get_n_leaves(self):
        return self.tree_.get_n_leaves()

    def apply(self, X):
        """Leaf index of every row, ndarray of shape (n_samples,)."""
        X = validate_predict_data(self._owner, X)
        forest = Forest(self.tree_.value.shape[1])
        forest.append(self.tree_)
        with estimator_threads(self._owner):
            return forest.apply(X)[:, 0]

    def _values(self, X):
        X = validate_predict_data(self._owner, X)
        with estimator_threads(self._owner):
            return self.tree_.predict(X)

    def predict(self, X):
        return self._owner._values_to_prediction(self._values(X))

    def _has_proba(self):
        return hasattr(self._owner, "_values_to_proba")

    @available_if(_has_proba)
    def predict_proba(self, X):
        """Class proportions of the reached leaves (classifiers only)."""
        return self._owner._values_to_proba(self._values(X))


class RegressionTreeView(EngineTree):
    """A boosting stage's regression tree: ``predict`` gives its raw output
    (in the ensemble's ``n_outputs`` columns), as the ``DecisionTreeRegressor``
    stages of scikit-learn's gradient boosting do."""

    def predict(self, X):
        values = self._values(X)
        return values[:, 0] if values.shape[1] == 1 else values


def _accepts_sparse(estimator):
    return get_tags(estimator).input_tags.sparse


def validate_fit_data(estimator, X, y, sample_weight, y_numeric, multi_output=False):
    """Validate training data; NaN allowed in X, inf nowhere.

    Categorical features (the estimator's ``categorical_features``, or
    ``enable_categorical`` for XGB) become category codes first
    (:mod:`skboost._categories`); a DataFrame's column names become
    ``feature_names_in_``; sparse input stays sparse when the estimator's
    tags accept it (see :mod:`skboost._data`).

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float64, C order, or
        sparse CSR matrix/array of float64 (canonical format)
    y : ndarray of shape (n_samples,)
    sample_weight : ndarray of shape (n_samples,), float64
        Non-negative, with a positive sum.
    """
    X, names = encode_fit(estimator, X, categorical_spec(estimator))
    X, y = validate_data(estimator, X, y, accept_sparse=_sparse_formats(estimator),
                         dtype=X_DTYPE, order="C", ensure_all_finite="allow-nan",
                         y_numeric=y_numeric, multi_output=multi_output,
                         ensure_min_samples=1)
    if names is not None and all(isinstance(n, str) for n in names):
        # the codes went through validate_data as an array: keep the names
        estimator.feature_names_in_ = np.asarray(names, dtype=object)
    X = _canonical(X)
    sample_weight = check_sample_weight(sample_weight, X)
    return X, y, sample_weight


def _sparse_formats(estimator):
    return ("csr", "csc") if _accepts_sparse(estimator) else False


def _canonical(X):
    return canonical_sparse(X) if sparse.issparse(X) else X


def check_sample_weight(sample_weight, X):
    """Non-negative, finite weights with a positive sum (float64)."""
    sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64,
                                         ensure_non_negative=True)
    if not np.all(np.isfinite(sample_weight)):
        raise ValueError("sample_weight contains NaN or infinity.")
    if sample_weight.sum() <= 0:
        raise ValueError("sample_weight sums to zero: at least one sample needs a "
                         "positive weight.")
    return sample_weight


def validate_predict_data(estimator, X):
    """Validate data at predict time against what ``fit`` saw.

    A DataFrame whose columns are the fit columns in another order is
    realigned by name first; missing or unknown columns raise ``ValueError``.

    Returns
    -------
    ndarray of shape (n_samples, n_features), float64, C order, or sparse
    CSR matrix/array of float64 (when the estimator accepts sparse input;
    :func:`skboost._data.dense_row_chunks` reads it a bounded block at a time)
    """
    check_is_fitted(estimator)
    X = align_columns(estimator, X)
    encoded = encode_predict(estimator, X)
    if encoded is X:
        check_numeric_columns(X)
        X = validate_data(estimator, X, accept_sparse=_sparse_formats(estimator),
                          dtype=X_DTYPE, order="C", ensure_all_finite="allow-nan",
                          reset=False)
        return _canonical(X)
    with warnings.catch_warnings():
        # the columns were matched by name before being encoded
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        return validate_data(estimator, encoded, dtype=X_DTYPE, order="C",
                             ensure_all_finite="allow-nan", reset=False)


def categorical_spec(estimator):
    """The estimator's choice of categorical features (see :mod:`skboost._categories`)."""
    if hasattr(estimator, "_categorical_spec"):
        return estimator._categorical_spec()
    return getattr(estimator, "categorical_features", None)


def category_counts(estimator):
    """Categories of every feature (0 for numeric ones), ndarray of int64."""
    categories = getattr(estimator, "categories_", None) or []
    return np.array([0 if c is None else len(c) for c in categories], dtype=np.int64)


# A fit on fewer cells (rows x features) per thread than this runs on fewer
# threads: on 2 cores, a second thread added about 0.25 ms per depth-3 tree
# of fixed cost (waking threads in every kernel of every level), while the
# work it can share is about 7 ns per cell and tree: a second thread pays
# from about 70,000 cells.
FIT_CELLS_PER_THREAD = 50_000


def estimator_threads(estimator, n_cells=None):
    """Context manager running kernels on the estimator's ``n_jobs`` threads.

    Parameters
    ----------
    estimator : estimator with an ``n_jobs`` parameter (None: see
        :func:`skboost._config.resolve_n_threads`)
    n_cells : int or None
        Size of the training data (rows x features): small fits run on
        fewer threads (:data:`FIT_CELLS_PER_THREAD`).
    """
    n_jobs = (estimator._param("n_jobs") if hasattr(estimator, "_param")  # XGB aliases
              else getattr(estimator, "n_jobs", None))
    n_threads = resolve_n_threads(n_jobs)
    if n_cells is not None:
        n_threads = threads_for_work(n_threads, n_cells, FIT_CELLS_PER_THREAD)
    return threads(n_threads)


def allow_nan_tags(tags):
    """Declare native NaN support in scikit-learn estimator tags."""
    tags.input_tags.allow_nan = True
    return tags


def engine_tags(tags):
    """Tags of an estimator on the shared engine: NaN and sparse input
    (scipy CSR/CSC matrices and arrays) are supported natively."""
    tags = allow_nan_tags(tags)
    tags.input_tags.sparse = True
    return tags


def make_grower(split_method, X, sample_weight, n_channels, params, max_bins, seed,
                absolute_error=False):
    """A :class:`~skboost._grower.TreeGrower` on ``X`` with the chosen engine.

    Parameters
    ----------
    split_method : {"hist", "exact"}
    X : ndarray or sparse matrix of shape (n_samples, n_features), float64
        A sparse ``X`` is binned (or ranked) from its stored values; no
        dense float copy is made.
    sample_weight : ndarray of shape (n_samples,), float64
    n_channels : int
    params : GrowerParams
    max_bins : int
        Bins of the histogram engine.
    seed : int
        Seeds the binning subsample.
    absolute_error : bool
        Split on the absolute error (``_absolute.AbsoluteErrorSplitter``).
    """
    n_categories = _category_counts_in(X, params.categorical_features)
    if split_method == "exact":
        mapper = ColumnBlocks(n_categories).fit(X, sample_weight)
        X_binned = mapper.X_rank_
        splitter = ExactSplitter(mapper)
    else:
        mapper = BinMapper(max_bins, random_state=seed,
                           n_categories=n_categories).fit(X, sample_weight)
        # the absolute-error splitter reads bins by row: dense bins only
        X_binned = mapper.transform(X, sparse_output=not absolute_error)
        splitter = None
    if absolute_error:
        splitter = AbsoluteErrorSplitter()
    return TreeGrower(X_binned, mapper, n_channels, params, splitter=splitter)


def _category_counts_in(X, categorical_features):
    """Codes of each categorical feature of ``X`` (dense codes 0..n-1: the
    largest code plus one); 0 for numeric features; None without any."""
    if categorical_features is None or len(categorical_features) == 0:
        return None
    counts = np.zeros(X.shape[1], dtype=np.int64)
    for f in categorical_features:
        column = X[:, f]
        present = column[~np.isnan(column)]
        counts[f] = int(present.max()) + 1 if present.size else 1
    return counts


def grow_in_parallel(grower, grow, seeds):
    """``[grow(g, seed) for seed in seeds]``, the trees spread over threads.

    Independent trees (forests) are grown at once, one per thread of the
    estimator's thread count, each thread with its own grower (from
    :meth:`TreeGrower.spawn`) and single-threaded kernels: deep trees are
    made of many small kernel calls, which parallelise better across trees
    than inside a call.  A tree depends only on its seed, so the result does
    not depend on the number of threads.  Under numba's ``workqueue`` layer
    (not thread-safe for parallel kernels) the trees are grown one after the
    other, unless the grower calls serial kernels only
    (``grower.serial_kernels_only``, the depth-first grower).

    Parameters
    ----------
    grower : TreeGrower
    grow : callable ``(grower, seed) -> Tree``
    seeds : list of int

    Returns
    -------
    list of Tree, in the order of ``seeds``
    """
    n_workers = min(numba.get_num_threads(), len(seeds))
    thread_safe = (getattr(grower, "serial_kernels_only", False)
                   or threading_layer() in ("tbb", "omp"))
    if n_workers <= 1 or not thread_safe:
        return [grow(grower, seed) for seed in seeds]
    growers = [grower] + [grower.spawn() for _ in range(n_workers - 1)]
    trees = [None] * len(seeds)

    def work(worker):
        # serial kernels ignore numba's thread count, and under the workqueue
        # layer threads() would wait for the lock this fit's caller holds
        serial = getattr(grower, "serial_kernels_only", False)
        with contextlib.nullcontext() if serial else threads(1):
            for index in range(worker, len(seeds), n_workers):
                trees[index] = grow(growers[worker], seeds[index])

    with ThreadPoolExecutor(n_workers) as pool:
        for done in pool.map(work, range(n_workers)):
            pass  # re-raises a worker's exception here
    for spawned in growers[1:]:
        release_training_data(None, spawned)
    return trees


def release_training_data(mapper, grower=None):
    """Drop per-fit training structures from a mapper kept on the estimator.

    Parameters
    ----------
    mapper : BinMapper or ColumnBlocks
    grower : TreeGrower or None
        The fit's grower, done with: it and its splitter refer to each other
        (and the splitter to its own bound methods), so the bin matrix
        (n x d bytes) and the histogram pool would otherwise live on after
        ``fit`` returns, until the next garbage collection.  Their attributes
        are cleared, which frees the arrays at once.
    """
    if hasattr(mapper, "drop_training_data"):
        mapper.drop_training_data()
    if grower is not None:
        splitter = getattr(grower, "splitter", None)
        vars(grower).clear()
        if splitter is not None:
            vars(splitter).clear()


def resolve_max_features(max_features, n_features):
    """Features drawn per node, from scikit-learn's ``max_features`` forms.

    Parameters
    ----------
    max_features : {"sqrt", "log2"}, int, float or None
    n_features : int

    Returns
    -------
    int
    """
    if max_features == "sqrt":
        return max(1, int(np.sqrt(n_features)))
    if max_features == "log2":
        return max(1, int(np.log2(n_features)))
    if max_features is None:
        return n_features
    if isinstance(max_features, Integral):
        if max_features > n_features:
            raise ValueError(f"max_features={max_features} is larger than the number of "
                             f"features ({n_features}).")
        return int(max_features)
    return max(1, int(max_features * n_features))


def resolve_count(value, n_samples):
    """An int count, or a fraction of ``n_samples`` rounded up (scikit-learn's
    ``min_samples_split`` / ``min_samples_leaf`` forms)."""
    if isinstance(value, Integral):
        return int(value)
    return int(np.ceil(value * n_samples))


def categorical_indices(estimator, monotonic_cst=None):
    """Indices of the categorical features found at fit (None without any).

    Raises
    ------
    ValueError
        When a monotonic constraint is set on a categorical feature.
    """
    mask = getattr(estimator, "is_categorical_", None)
    if mask is None or not np.any(mask):
        return None
    if monotonic_cst is not None and np.any(np.asarray(monotonic_cst)[mask] != 0):
        raise ValueError("Monotonic constraints cannot be set on categorical features "
                         f"(features {np.flatnonzero(mask).tolist()} are categorical).")
    return np.flatnonzero(mask).astype(np.int32)


def check_monotonic_cst(monotonic_cst, n_features):
    """``monotonic_cst`` as an int8 array of -1/0/1, one per feature."""
    cst = np.asarray(monotonic_cst)
    if cst.shape != (n_features,):
        raise ValueError(f"monotonic_cst has shape {cst.shape} but the input data "
                         f"has {n_features} features.")
    if not np.isin(cst, [-1, 0, 1]).all():
        raise ValueError("monotonic_cst must contain only -1, 0 or 1.")
    return cst.astype(np.int8)
