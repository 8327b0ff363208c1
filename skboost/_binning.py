"""BinMapper: per-feature thresholds and the mapping of raw values to bins."""
import numpy as np

from ._dtypes import BIN_DTYPE, MAX_BINS, as_float
from ._kernels.binning import map_to_bins

# Thresholds are learned on at most this many rows (a deterministic
# subsample); more rows barely move 255 quantiles but cost a full sort.
BINNING_SUBSAMPLE = 200_000


def _feature_thresholds(values, weights, max_bins):
    """Thresholds of one feature from its non-missing values.

    Parameters
    ----------
    values : ndarray of shape (m,), float64
        Non-missing values of the feature.
    weights : ndarray of shape (m,), float64
        Their sample weights (non-negative).
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
    if values.size == 0:
        return np.empty(0, dtype=np.float64)
    if max_bins is None:
        return _midpoints(np.unique(values))
    order = np.argsort(values, kind="stable")
    values = values[order]
    weights = weights[order]
    distinct, first = np.unique(values, return_index=True)
    if distinct.size <= 1:
        return np.empty(0, dtype=np.float64)
    midpoints = _midpoints(distinct)
    if distinct.size <= max_bins:
        return midpoints
    distinct_weight = np.add.reduceat(weights, first)
    cumulative = np.cumsum(distinct_weight)
    total = cumulative[-1]
    if total <= 0:  # all weights zero on the subsample: fall back to counts
        cumulative = np.cumsum(np.diff(np.append(first, values.size)))
        total = cumulative[-1]
    targets = total * np.arange(1, max_bins) / max_bins
    # index of the distinct value where each quantile falls; a threshold goes
    # just above it, unless that is the largest value
    positions = np.searchsorted(cumulative, targets, side="left")
    positions = np.unique(np.minimum(positions, distinct.size - 2))
    return midpoints[positions]


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

    Attributes
    ----------
    thresholds_ : list of ndarray of float64
        ``thresholds_[f]`` are the sorted thresholds of feature ``f``; value
        ``x`` falls in bin ``b`` when ``thresholds_[f][b-1] < x <= thresholds_[f][b]``.
    n_bins_non_missing_ : ndarray of shape (n_features,), int32
        Number of bins used by non-missing values of each feature.
    missing_bin_ : int
        Bin index of missing values (``max_bins``).
    """

    def __init__(self, max_bins=MAX_BINS, subsample=BINNING_SUBSAMPLE, random_state=None):
        self.max_bins = max_bins
        self.subsample = subsample
        self.random_state = random_state

    def fit(self, X, sample_weight=None):
        """Learn the thresholds.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features), float64
        sample_weight : ndarray of shape (n_samples,) or None

        Returns
        -------
        self
        """
        exact = self.max_bins is None
        if not exact and not 2 <= self.max_bins <= MAX_BINS:
            raise ValueError(f"max_bins must be in [2, {MAX_BINS}], got {self.max_bins}.")
        X = as_float(X)
        n_samples = X.shape[0]
        if sample_weight is None:
            sample_weight = np.ones(n_samples)
        if not exact and self.subsample is not None and n_samples > self.subsample:
            rng = np.random.RandomState(_seed(self.random_state))
            rows = np.sort(rng.choice(n_samples, self.subsample, replace=False))
            X = X[rows]
            sample_weight = sample_weight[rows]
        self.thresholds_ = []
        for f in range(X.shape[1]):
            column = X[:, f]
            present = ~np.isnan(column)
            self.thresholds_.append(
                _feature_thresholds(column[present], sample_weight[present], self.max_bins)
            )
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

    def transform(self, X):
        """Map ``X`` to bins.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features), float64

        Returns
        -------
        ndarray of shape (n_samples, n_features), uint8 (int32 when
        ``max_bins`` is None), Fortran order
        """
        X = as_float(X)
        out = np.empty(X.shape, dtype=self.bin_dtype_, order="F")
        map_to_bins(X, self._flat, self._offsets, self.missing_bin_, out)
        return out

    def bin_upper_edge(self, feature, bin_index):
        """Raw threshold equivalent to ``bin <= bin_index`` for ``feature``."""
        thresholds = self.thresholds_[feature]
        if bin_index >= thresholds.size:
            return np.inf
        return float(thresholds[bin_index])


def _seed(random_state):
    """An int seed from ``random_state`` that does not consume the caller's draws."""
    if random_state is None or isinstance(random_state, (int, np.integer)):
        return random_state
    # A RandomState: derive a seed without changing its stream for callers.
    return int(random_state.get_state()[1][0])
