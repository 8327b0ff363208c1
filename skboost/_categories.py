"""Categorical features: which columns they are, and their category codes.

The engine reads one float64 matrix; a categorical column in it holds dense
codes ``0 .. n_categories - 1`` (NaN: missing).  This module chooses the
categorical columns (the estimator's ``categorical_features``: ``"from_dtype"``
takes DataFrame columns of categorical, enum or string dtype; also a boolean
mask, indices or names, or None), learns each one's categories at fit (the
present values, sorted; a pandas/polars categorical keeps its category order)
and encodes at fit and predict.  A value not seen at fit becomes NaN, so it
follows the learned missing-value direction of every split.

The categories are stored on the estimator as ``categories_`` (a list with
one entry per feature: None for numeric features, else the list of category
values in code order) and ``is_categorical_`` (boolean mask).
"""
import numpy as np
from scipy import sparse

from ._data import _frame, is_dataframe, non_numeric_columns, nw

# Codes are bins of a uint8 bin matrix whose last bin holds missing values.
MAX_CATEGORIES = 255


def categorical_mask(spec, X, n_features, hint=None):
    """Boolean mask of the categorical features.

    Parameters
    ----------
    spec : "from_dtype", None, array-like of bool, int or str
    X : the user's X (DataFrame or array-like)
    n_features : int
    hint : str or None
        How to declare categorical columns, for the error message (default:
        the ``categorical_features`` parameter).

    Returns
    -------
    ndarray of shape (n_features,), bool
    """
    names = list(_frame(X).columns) if is_dataframe(X) else None
    non_numeric = {name for name, _ in non_numeric_columns(X)} if names else set()
    if spec is None:
        mask = np.zeros(n_features, dtype=bool)
    elif isinstance(spec, str) and spec == "from_dtype":
        mask = np.array([n in non_numeric for n in names] if names else
                        [False] * n_features, dtype=bool)
    else:
        mask = _explicit_mask(spec, n_features, names)
    refused = [n for n, m in zip(names or [], mask) if n in non_numeric and not m]
    if refused:
        hint = hint or ("list them in categorical_features (or use "
                        "categorical_features='from_dtype')")
        raise ValueError(f"X has non-numeric columns {refused} that are not categorical "
                         f"features: {hint}, or encode them as numbers.")
    return mask


def _explicit_mask(spec, n_features, names):
    values = np.asarray(spec)
    if values.dtype == bool:
        if values.shape != (n_features,):
            raise ValueError(f"categorical_features as a boolean mask needs {n_features} "
                             f"values, got shape {values.shape}.")
        return values.copy()
    mask = np.zeros(n_features, dtype=bool)
    for item in values.ravel():
        if isinstance(item, (str, np.str_)):
            if names is None or item not in names:
                raise ValueError(f"categorical_features names {item!r}, which is not a "
                                 "column of X (names need a DataFrame).")
            mask[names.index(item)] = True
        elif isinstance(item, (int, np.integer)) and -n_features <= item < n_features:
            mask[item] = True
        else:
            raise ValueError(f"categorical_features holds {item!r}: expected feature "
                             f"indices in [0, {n_features}), names or a boolean mask.")
    return mask


def _column_values(X, j):
    """Column ``j`` of the user's X as a numpy array (object for strings)."""
    if is_dataframe(X):
        frame = _frame(X)
        return frame.get_column(frame.columns[j]).to_numpy()
    if sparse.issparse(X):
        raise ValueError("Categorical features are not supported with sparse X; pass "
                         "a dense array or a DataFrame.")
    return np.asarray(X[:, j] if hasattr(X, "shape") else np.asarray(X)[:, j])


def _missing(values):
    if values.dtype.kind == "f":
        return np.isnan(values)
    if values.dtype.kind == "O":
        return np.array([_is_missing_value(v) for v in values], dtype=bool)
    return np.zeros(values.shape, dtype=bool)


def _is_missing_value(value):
    """None, NaN and pandas' ``NA`` / ``NaT`` (objects that are not equal to
    themselves or whose comparison is undefined)."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except TypeError:  # pandas.NA: its comparisons are NA, which has no truth value
        return True


def _dtype_categories(X, j):
    """The declared category order of a categorical DataFrame column, or None."""
    if not is_dataframe(X):
        return None
    frame = _frame(X)
    column = frame.get_column(frame.columns[j])
    if column.dtype not in (nw.Categorical, nw.Enum):
        return None  # strings: sorted, not in order of appearance
    try:
        return list(column.cat.get_categories().to_numpy())
    except Exception:  # a backend without declared categories
        return None


def learn_categories(X, j, feature_name):
    """Categories of column ``j`` (present values, in code order)."""
    values = _column_values(X, j)
    present = values[~_missing(values)]
    declared = _dtype_categories(X, j)
    seen = set(present.tolist())
    if declared is not None:
        categories = [c for c in declared if c in seen]
    else:
        try:
            categories = sorted(seen)
        except TypeError:  # mixed types: order by their text
            categories = sorted(seen, key=lambda v: (type(v).__name__, str(v)))
    if len(categories) > MAX_CATEGORIES:
        raise ValueError(f"Categorical feature {feature_name!r} has {len(categories)} "
                         f"categories; at most {MAX_CATEGORIES} are supported. Group the "
                         "rare ones (e.g. into 'other') or encode it as numbers.")
    return [_plain(c) for c in categories]


def _plain(value):
    """A category as a plain Python value (JSON-able in model files)."""
    return value.item() if isinstance(value, np.generic) else value


def encode(X, j, categories):
    """Codes of column ``j``: float64, NaN for missing and unseen values."""
    values = _column_values(X, j)
    lookup = {c: float(i) for i, c in enumerate(categories)}
    nan = float("nan")
    # NaN and None are no category: the lookup misses them, like unseen values
    return np.array([lookup.get(v, nan) for v in values.tolist()], dtype=np.float64)


def encode_fit(estimator, X, spec):
    """Learn the categories of ``X`` and return it with codes in their columns.

    Sets ``estimator.is_categorical_`` and ``estimator.categories_``.

    Returns
    -------
    X unchanged when it has no categorical feature; else a float64 ndarray
    and the list of column names (or None).
    """
    if not is_dataframe(X) and _ndim(X) != 2:
        # not a matrix: scikit-learn's validation reports it
        estimator.is_categorical_ = None
        estimator.categories_ = None
        return X, None
    n_features = _n_features(X)
    mask = categorical_mask(spec, X, n_features,
                            getattr(estimator, "_categorical_hint", None))
    estimator.is_categorical_ = mask
    names = list(_frame(X).columns) if is_dataframe(X) else None
    estimator.categories_ = [
        learn_categories(X, j, names[j] if names else j) if mask[j] else None
        for j in range(n_features)]
    if not mask.any():
        return X, None
    return _numeric_matrix(X, estimator.categories_), names


def encode_predict(estimator, X):
    """``X`` with the fit categories' codes (unseen values become NaN)."""
    categories = getattr(estimator, "categories_", None)
    if categories is None or not any(c is not None for c in categories):
        return X
    if (not is_dataframe(X) and _ndim(X) != 2) or _n_features(X) != len(categories):
        return X  # scikit-learn's validation reports the feature count
    return _numeric_matrix(X, categories)


def _numeric_matrix(X, categories):
    columns = []
    for j, cats in enumerate(categories):
        if cats is not None:
            columns.append(encode(X, j, cats))
        else:
            values = _column_values(X, j)
            try:
                columns.append(np.asarray(values, dtype=np.float64))
            except (TypeError, ValueError) as exc:
                raise ValueError(f"Feature {j} holds values that are not numbers; was it "
                                 "categorical at fit?") from exc
    return np.ascontiguousarray(np.column_stack(columns), dtype=np.float64)


def _ndim(X):
    shape = getattr(X, "shape", None)
    return len(shape) if shape is not None else np.asarray(X).ndim


def _n_features(X):
    if is_dataframe(X):
        return len(_frame(X).columns)
    return X.shape[1] if hasattr(X, "shape") and len(X.shape) == 2 else \
        np.asarray(X).shape[1]
