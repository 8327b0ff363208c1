"""BinMapper: per-feature thresholds and the mapping of raw values to bins."""
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numba
import numpy as np
from scipy import sparse

from ._data import canonical_sparse
from ._dtypes import BIN_DTYPE, MAX_BINS, as_float
from ._sparse_bins import bin_sparse, wants_sparse_bins
from ._kernels.binning import lookup_tables, map_sparse_to_bins, map_to_bins_indexed

# Thresholds are learned on at most this many rows (a deterministic
# subsample); more rows barely move 255 quantiles but cost a full sort.
BINNING_SUBSAMPLE = 200_000


def _feature_thresholds(values, weights, n_zero, zero_weight, max_bins):
    """Thresholds of one feature from its non-missing values.

    Zeros are counted apart from the other values, so a sparse column (whose
    zeros are mostly implicit) and its dense copy give the same thresholds.

    Parameters
    ----------
    values : ndarray of shape (m,), float64
        Non-missing, non-zero values of the feature.
    weights : ndarray of shape (m,), float64
        Their sample weights (non-negative).
    n_zero : int
        Number of zeros.
    zero_weight : float
        Their total weight.
    max_bins : int or None
        At most ``max_bins`` bins, i.e. ``max_bins - 1`` thresholds; None
        keeps every midpoint (exact splits).

    Returns
    -------
    ndarray of shape (n_thresholds,), float64
        Sorted midpoints between consecutive distinct values.  With at most
        ``max_bins`` distinct values every value gets its own bin; otherwise
        the thresholds sit at weighted quantiles.
    """
    if max_bins is None:
        return _midpoints(distinct_values(values, n_zero))
    uniform = values.size == 0 or bool(np.all(weights == weights[0]))
    if uniform:  # a plain sort is about twice as fast as an argsort
        values = np.sort(values)
    else:
        order = np.argsort(values, kind="stable")
        values = values[order]
        weights = weights[order]
    # first occurrence of each distinct value of the sorted values
    first = np.flatnonzero(np.concatenate([[values.size > 0], values[1:] != values[:-1]]))
    distinct = values[first]
    counts = np.diff(np.append(first, values.size))
    if uniform:
        distinct_weight = counts * (weights[0] if values.size else 0.0)
    else:
        distinct_weight = (np.add.reduceat(weights, first) if values.size
                           else np.empty(0, dtype=np.float64))
    if n_zero:
        at = np.searchsorted(distinct, 0.0)
        distinct = np.insert(distinct, at, 0.0)
        counts = np.insert(counts, at, n_zero)
        distinct_weight = np.insert(distinct_weight, at, zero_weight)
    if distinct.size <= 1:
        return np.empty(0, dtype=np.float64)
    midpoints = _midpoints(distinct)
    if distinct.size <= max_bins:
        return midpoints
    cumulative = np.cumsum(distinct_weight)
    total = cumulative[-1]
    if total <= 0:  # all weights zero on the subsample: fall back to counts
        cumulative = np.cumsum(counts)
        total = cumulative[-1]
    targets = total * np.arange(1, max_bins) / max_bins
    # index of the distinct value where each quantile falls; a threshold goes
    # just above it, unless that is the largest value
    positions = np.searchsorted(cumulative, targets, side="left")
    positions = np.unique(np.minimum(positions, distinct.size - 2))
    return midpoints[positions]


def distinct_values(values, n_zero):
    """Sorted distinct values of a feature from its non-zero values and its
    number of zeros."""
    distinct = np.unique(values)
    if n_zero:
        distinct = np.insert(distinct, np.searchsorted(distinct, 0.0), 0.0)
    return distinct


def _column_parts(values, rows, sample_weight, total_weight, n_rows):
    """Non-missing non-zero values, their weights, and the zeros' count and
    weight of one column given by its stored ``values`` at ``rows``.

    A dense column has every row stored; a sparse one only some, the others
    being zeros.  The zeros' weight is the total minus the weight of the
    other rows, summed in row order: the same float in both cases.
    """
    other = values != 0  # non-zero or NaN
    present = other & ~np.isnan(values)
    n_zero = n_rows - int(np.count_nonzero(other))
    zero_weight = 0.0
    if n_zero:
        zero_weight = max(0.0, total_weight - float(sample_weight[rows[other]].sum()))
    return values[present], sample_weight[rows[present]], n_zero, zero_weight


def iter_columns(X, sample_weight):
    """Per feature, a function returning ``(values, weights, n_zero,
    zero_weight)`` of :func:`_column_parts`, from a dense array or a sparse
    matrix (called on a worker thread: the column is read there).

    A sparse ``X`` is read through one CSC copy (memory proportional to its
    stored values); a dense one column by column.
    """
    n_rows, n_features = X.shape
    total_weight = float(sample_weight.sum())  # once: features can be many
    if sparse.issparse(X):
        X = canonical_sparse(X, "csc")
        for f in range(n_features):
            part = slice(X.indptr[f], X.indptr[f + 1])
            yield partial(_column_parts, X.data[part], X.indices[part], sample_weight,
                          total_weight, n_rows)
        return
    rows = np.arange(n_rows)
    for f in range(n_features):
        yield partial(_column_parts, X[:, f], rows, sample_weight, total_weight, n_rows)


def midpoint_thresholds(lower, upper):
    """Thresholds between values ``lower < upper`` (scikit-learn's rule:
    ``lower / 2 + upper / 2``, or ``lower`` where rounding reaches ``upper``)."""
    mid = lower / 2.0 + upper / 2.0
    return np.where((mid == upper) | ~np.isfinite(mid), lower, mid)


def _midpoints(distinct):
    """Thresholds between consecutive distinct values, scikit-learn's rule:
    ``a / 2 + b / 2``, or ``a`` where rounding would reach ``b``."""
    if distinct.size <= 1:
        return np.empty(0, dtype=np.float64)
    return midpoint_thresholds(distinct[:-1], distinct[1:])


class BinMapper:
    """Learn bin thresholds per feature and map data to ``uint8`` bins.

    Parameters
    ----------
    max_bins : int or None, default=255
        Bins for non-missing values (2 to 255).  One extra bin, index
        ``max_bins``, holds missing values (NaN), so bins fit in ``uint8``.
        None gives every distinct value its own bin (its rank; the exact
        engine): bins are then ``int32`` and the missing bin is the largest
        number of distinct values of any feature.
    subsample : int or None, default=200_000
        Thresholds are learned on a deterministic random subsample of this
        many rows when there are more.
    random_state : int, RandomState or None
        Seeds the subsample.
    n_categories : ndarray of shape (n_features,), int, or None
        Categories of each categorical feature (0: numeric).  A categorical
        feature holds codes ``0 .. n - 1`` and gets one bin per code (bin ==
        code), whatever the subsample saw.

    Attributes
    ----------
    thresholds_ : list of ndarray of float64
        ``thresholds_[f]`` are the sorted thresholds of feature ``f``; value
        ``x`` falls in bin ``b`` when ``thresholds_[f][b-1] < x <= thresholds_[f][b]``.
    n_bins_non_missing_ : ndarray of shape (n_features,), int32
        Number of bins used by non-missing values of each feature.
    missing_bin_ : int
        Bin index of missing values (``max_bins``).
    values_ : list of ndarray of float64
        With ``max_bins=None`` only: the sorted distinct values of each
        feature (rank ``r`` is ``values_[f][r]``).
    """

    def __init__(self, max_bins=MAX_BINS, subsample=BINNING_SUBSAMPLE, random_state=None,
                 n_categories=None):
        self.max_bins = max_bins
        self.subsample = subsample
        self.random_state = random_state
        self.n_categories = n_categories

    def fit(self, X, sample_weight=None):
        """Learn the thresholds.

        Parameters
        ----------
        X : ndarray or sparse matrix of shape (n_samples, n_features), float64
            Implicit zeros of a sparse matrix are the value 0, stored NaN
            values are missing; only stored values are read.
        sample_weight : ndarray of shape (n_samples,) or None

        Returns
        -------
        self
        """
        exact = self.max_bins is None
        if not exact and not 2 <= self.max_bins <= MAX_BINS:
            raise ValueError(f"max_bins must be in [2, {MAX_BINS}], got {self.max_bins}.")
        X = _as_input(X)
        n_samples = X.shape[0]
        if sample_weight is None:
            sample_weight = np.ones(n_samples)
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
        if not exact and self.subsample is not None and n_samples > self.subsample:
            rng = np.random.RandomState(_seed(self.random_state))
            rows = np.sort(rng.choice(n_samples, self.subsample, replace=False))
            X = X[rows]
            sample_weight = sample_weight[rows]
        n_categories = (np.zeros(X.shape[1], dtype=np.int64) if self.n_categories is None
                        else np.asarray(self.n_categories))
        self._check_categories(n_categories)
        def learn(f, column_parts):
            nonzero, weights, n_zero, zero_weight = column_parts()
            if n_categories[f] > 0:
                codes = np.arange(n_categories[f], dtype=np.float64)
                return codes, _midpoints(codes)
            if exact:
                distinct = distinct_values(nonzero, n_zero)
                return distinct, _midpoints(distinct)
            return None, _feature_thresholds(nonzero, weights, n_zero, zero_weight,
                                             self.max_bins)

        # numpy's sorts release the GIL: features are binned on the kernels' threads
        with ThreadPoolExecutor(max(1, numba.get_num_threads())) as pool:
            learned = list(pool.map(lambda item: learn(*item),
                                    enumerate(iter_columns(X, sample_weight))))
        values = [v for v, _ in learned]
        self.thresholds_ = [t for _, t in learned]
        if exact:
            self.values_ = values
        self.n_bins_non_missing_ = np.array(
            [t.size + 1 for t in self.thresholds_], dtype=np.int32
        )
        if exact:
            self.missing_bin_ = int(self.n_bins_non_missing_.max(initial=1))
            self.bin_dtype_ = np.int32
        else:
            self.missing_bin_ = int(self.max_bins)
            self.bin_dtype_ = BIN_DTYPE
        self._flat = np.concatenate(self.thresholds_ + [np.empty(0)]).astype(np.float64)
        self._offsets = np.zeros(len(self.thresholds_) + 1, dtype=np.int64)
        self._offsets[1:] = np.cumsum([t.size for t in self.thresholds_])
        return self

    def _check_categories(self, n_categories):
        limit = MAX_BINS if self.max_bins is None else self.max_bins
        too_many = np.flatnonzero(n_categories > limit)
        if too_many.size:
            f = too_many[0]
            raise ValueError(f"Categorical feature {f} has {n_categories[f]} categories, "
                             f"more than max_bins={limit}; raise max_bins (at most "
                             f"{MAX_BINS}) or group rare categories.")

    def transform(self, X, sparse_output=False):
        """Map ``X`` to bins.

        Parameters
        ----------
        X : ndarray or sparse matrix of shape (n_samples, n_features), float64
            A sparse ``X`` is read through one CSC copy of its stored values.
        sparse_output : bool, default=False
            Keep the bins of a sparse enough ``X`` sparse (see
            :mod:`skboost._sparse_bins`): for callers that read bins only
            through the grower and :meth:`Tree.add_binned`.

        Returns
        -------
        ndarray of shape (n_samples, n_features), uint8 (int32 when
        ``max_bins`` is None), Fortran order, or SparseBins
        """
        X = _as_input(X)
        if sparse_output and self.bin_dtype_ == BIN_DTYPE and wants_sparse_bins(X):
            return bin_sparse(X, self._flat, self._offsets, self.missing_bin_,
                              self.bin_dtype_)
        out = np.empty(X.shape, dtype=self.bin_dtype_, order="F")
        if sparse.issparse(X):
            X = canonical_sparse(X, "csc")
            map_sparse_to_bins(np.asarray(X.indptr, dtype=np.int64),
                               np.asarray(X.indices, dtype=np.int64),
                               np.asarray(X.data, dtype=np.float64), self._flat,
                               self._offsets, self.missing_bin_, out)
        else:
            # the tables take a millisecond: rebuilt per call, never stored
            map_to_bins_indexed(X, self._flat, self._offsets,
                                *lookup_tables(self._flat, self._offsets),
                                self.missing_bin_, out)
        return out

    def bin_upper_edge(self, feature, bin_index):
        """Raw threshold equivalent to ``bin <= bin_index`` for ``feature``."""
        return float(self.bin_upper_edges(np.array([feature]), np.array([bin_index]))[0])

    def bin_upper_edges(self, features, bin_indices):
        """:meth:`bin_upper_edge` of many (feature, bin) pairs at once.

        Returns
        -------
        ndarray of shape (n_pairs,), float64
            ``inf`` where the bin is the feature's last (no threshold above it).
        """
        features = np.asarray(features, dtype=np.int64)
        bin_indices = np.asarray(bin_indices, dtype=np.int64)
        start = self._offsets[features]
        inside = bin_indices < self._offsets[features + 1] - start
        at = np.where(inside, start + bin_indices, 0)
        flat = self._flat if self._flat.size else np.zeros(1)
        return np.where(inside, flat[np.minimum(at, flat.size - 1)], np.inf)


def _as_input(X):
    """Dense input as float64 C order; sparse input as it is (float64)."""
    if sparse.issparse(X):
        return X if X.dtype == np.float64 else X.astype(np.float64)
    return as_float(X)


def _seed(random_state):
    """An int seed from ``random_state`` that does not consume the caller's draws."""
    if random_state is None or isinstance(random_state, (int, np.integer)):
        return random_state
    # A RandomState: derive a seed without changing its stream for callers.
    return int(random_state.get_state()[1][0])
