"""What every estimator family shares: input validation and thread handling."""
from numbers import Integral

import numpy as np
from sklearn.utils._available_if import available_if
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from .._absolute import AbsoluteErrorSplitter
from .._binning import BinMapper
from .._config import resolve_n_threads, threads
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
        return forest.apply(X)[:, 0]

    def _values(self, X):
        X = validate_predict_data(self._owner, X)
        return self.tree_.predict(X)

    def predict(self, X):
        return self._owner._values_to_prediction(self._values(X))

    def _has_proba(self):
        return hasattr(self._owner, "_values_to_proba")

    @available_if(_has_proba)
    def predict_proba(self, X):
        """Class proportions of the reached leaves (classifiers only)."""
        return self._owner._values_to_proba(self._values(X))


def validate_fit_data(estimator, X, y, sample_weight, y_numeric, multi_output=False):
    """Validate training data; NaN allowed in X, inf nowhere.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float64, C order
    y : ndarray of shape (n_samples,)
    sample_weight : ndarray of shape (n_samples,), float64
        Non-negative, with a positive sum.
    """
    X, y = validate_data(estimator, X, y, dtype=X_DTYPE, order="C",
                         ensure_all_finite="allow-nan", y_numeric=y_numeric,
                         multi_output=multi_output, ensure_min_samples=1)
    sample_weight = check_sample_weight(sample_weight, X)
    return X, y, sample_weight


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

    Returns
    -------
    ndarray of shape (n_samples, n_features), float64, C order
    """
    check_is_fitted(estimator)
    return validate_data(estimator, X, dtype=X_DTYPE, order="C",
                         ensure_all_finite="allow-nan", reset=False)


def estimator_threads(estimator):
    """Context manager running kernels on the estimator's ``n_jobs`` threads."""
    return threads(resolve_n_threads(getattr(estimator, "n_jobs", None)))


def allow_nan_tags(tags):
    """Declare native NaN support in scikit-learn estimator tags."""
    tags.input_tags.allow_nan = True
    return tags


def make_grower(split_method, X, sample_weight, n_channels, params, max_bins, seed,
                absolute_error=False):
    """A :class:`~skboost._grower.TreeGrower` on ``X`` with the chosen engine.

    Parameters
    ----------
    split_method : {"hist", "exact"}
    X : ndarray of shape (n_samples, n_features), float64
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
    if split_method == "exact":
        mapper = ColumnBlocks().fit(X, sample_weight)
        X_binned = mapper.X_rank_
        splitter = ExactSplitter(mapper)
    else:
        mapper = BinMapper(max_bins, random_state=seed).fit(X, sample_weight)
        X_binned = mapper.transform(X)
        splitter = None
    if absolute_error:
        splitter = AbsoluteErrorSplitter()
    return TreeGrower(X_binned, mapper, n_channels, params, splitter=splitter)


def release_training_data(mapper):
    """Drop per-fit training structures from a mapper kept on the estimator."""
    if hasattr(mapper, "drop_training_data"):
        mapper.drop_training_data()


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


def check_monotonic_cst(monotonic_cst, n_features):
    """``monotonic_cst`` as an int8 array of -1/0/1, one per feature."""
    cst = np.asarray(monotonic_cst)
    if cst.shape != (n_features,):
        raise ValueError(f"monotonic_cst has shape {cst.shape} but the input data "
                         f"has {n_features} features.")
    if not np.isin(cst, [-1, 0, 1]).all():
        raise ValueError("monotonic_cst must contain only -1, 0 or 1.")
    return cst.astype(np.int8)
