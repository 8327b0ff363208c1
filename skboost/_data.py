"""What the user passes, turned into what the engine reads.

DataFrames (pandas, polars, pyarrow and anything else narwhals reads, as
scikit-learn does) and scipy sparse matrices/arrays are handled here, in one
place, before and after scikit-learn's ``validate_data``:

* at fit, DataFrame columns are numeric (or boolean) or categorical features
  (``skboost._categories`` encodes those first); other non-numeric columns
  are refused with a clear message (:func:`check_numeric_columns`);
* at predict, a DataFrame whose columns are the fit columns in another order
  is realigned by name (scikit-learn itself would refuse it); missing or
  unknown columns are an error naming them (:func:`align_columns`);
* sparse input is kept sparse: CSR, float64, canonical (sorted, no
  duplicates), so the binning reads only stored values and prediction
  densifies bounded row chunks (:func:`dense_row_chunks`).

Implicit zeros of a sparse matrix are the value 0; stored NaN values are
missing.
"""
import numpy as np
from scipy import sparse

try:  # a dependency of scikit-learn >= 1.8, which reads DataFrames with it
    import narwhals.stable.v2 as nw
except ImportError:  # pragma: no cover
    nw = None

# Prediction on sparse input densifies at most this many bytes of rows at a
# time (and at most CHUNK_ROWS rows), so memory stays bounded.
CHUNK_BYTES = 64 * 2**20
CHUNK_ROWS = 65536


# ------------------------------------------------------------ DataFrames
def is_dataframe(X):
    """Whether ``X`` is a DataFrame that narwhals (and scikit-learn) reads."""
    if isinstance(X, np.ndarray) or sparse.issparse(X):  # the common case, fast
        return False
    return nw is not None and nw.dependencies.is_into_dataframe(X)


def _frame(X):
    return nw.from_native(X, eager_only=True)


def _numeric_dtype(dtype):
    return dtype.is_numeric() or dtype == nw.Boolean


def _converts_to_float(column):
    """Whether an object column holds only numbers (and None/NaN)."""
    try:
        np.asarray(column.to_numpy(), dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return True


def non_numeric_columns(X):
    """Names and dtypes of the columns of DataFrame ``X`` that are not numbers.

    Returns
    -------
    list of (name, dtype)
    """
    frame = _frame(X)
    bad = []
    for name, dtype in frame.schema.items():
        if _numeric_dtype(dtype):
            continue
        if dtype in (nw.Object, nw.Unknown) and _converts_to_float(frame.get_column(name)):
            continue
        bad.append((name, dtype))
    return bad


def check_numeric_columns(X):
    """Refuse DataFrame columns that are strings, categories or other non-numbers.

    Raises
    ------
    ValueError
        Naming every such column and its dtype.
    """
    if not is_dataframe(X):
        return
    bad = non_numeric_columns(X)
    if bad:
        listed = ", ".join(f"{name!r} ({dtype})" for name, dtype in bad)
        raise ValueError(
            f"X has non-numeric columns: {listed}, but the model was fitted without "
            "categorical features there. Pass the same columns as at fit (declare "
            "categorical columns with categorical_features when fitting).")


def _column_names(X):
    return list(_frame(X).columns)


def align_columns(estimator, X):
    """Reorder the columns of DataFrame ``X`` to the fit order, by name.

    Parameters
    ----------
    estimator : fitted estimator
        With ``feature_names_in_`` when it was fitted on a DataFrame.
    X : DataFrame or array-like

    Returns
    -------
    X, with the columns of ``estimator.feature_names_in_`` in that order
    (unchanged when it already was, or is no DataFrame, or the estimator
    was fitted without names).

    Raises
    ------
    ValueError
        When columns seen at fit are missing, or unknown ones are present.
    """
    fit_names = getattr(estimator, "feature_names_in_", None)
    if fit_names is None or not is_dataframe(X):
        return X
    fit_names = list(fit_names)
    names = _column_names(X)
    if names == fit_names:
        return X
    if not all(isinstance(n, str) for n in names):
        # scikit-learn warns about names that are not all strings; leave it
        return X
    missing = [n for n in fit_names if n not in set(names)]
    unknown = [n for n in names if n not in set(fit_names)]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"columns seen at fit are missing: {missing}")
        if unknown:
            parts.append(f"columns not seen at fit: {unknown}")
        raise ValueError("The feature names should match those that were passed "
                         "during fit: " + "; ".join(parts) + ".")
    if len(set(names)) != len(names):
        duplicated = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"X has duplicated column names {duplicated}; columns cannot "
                         "be matched to the fit columns by name.")
    return _frame(X).select(fit_names).to_native()


# ---------------------------------------------------------------- sparse
def canonical_sparse(X, fmt="csr"):
    """A sparse ``X`` as CSR (or CSC), float64, sorted indices, no duplicates.

    The caller's matrix is never modified (duplicates are summed on a copy).
    Sparse arrays stay sparse arrays, sparse matrices stay matrices.
    """
    X = X.tocsc() if fmt == "csc" else X.tocsr()
    if X.dtype != np.float64:
        X = X.astype(np.float64)
    if not X.has_canonical_format:
        X = X.copy()
        X.sum_duplicates()
    return X


def chunk_rows(n_features):
    """Rows of a dense float64 chunk of ``n_features`` columns that fit in
    :data:`CHUNK_BYTES` (at least 1, at most :data:`CHUNK_ROWS`)."""
    return int(max(1, min(CHUNK_ROWS, CHUNK_BYTES // (8 * max(1, n_features)))))


def dense_row_chunks(X, n_rows=None):
    """Consecutive row blocks of ``X`` as dense float64 C-ordered arrays.

    Parameters
    ----------
    X : ndarray or sparse matrix/array of shape (n_samples, n_features)
    n_rows : int or None
        Rows per block of a sparse ``X`` (default: :func:`chunk_rows`).

    Yields
    ------
    start, stop : int
        The rows ``start:stop`` of ``X`` in the block.
    block : ndarray of shape (stop - start, n_features), float64
        A dense ``X`` comes back whole (no copy when already float64, C order).
    """
    n_samples, n_features = X.shape
    if not sparse.issparse(X):
        yield 0, n_samples, np.ascontiguousarray(X, dtype=np.float64)
        return
    X = X.tocsr()
    step = n_rows or chunk_rows(n_features)
    for start in range(0, n_samples, step):
        stop = min(n_samples, start + step)
        yield start, stop, np.ascontiguousarray(X[start:stop].toarray(), dtype=np.float64)


def columns_with_nan(X):
    """Which columns of a dense or sparse ``X`` hold at least one NaN.

    Returns
    -------
    ndarray of shape (n_features,), bool
        Only stored values of a sparse ``X`` are read (implicit zeros are
        not missing).
    """
    if not sparse.issparse(X):
        return np.isnan(np.asarray(X, dtype=np.float64)).any(axis=0)
    X = X.tocsr()
    nan_columns = np.asarray(X.indices)[np.isnan(X.data)]
    return np.bincount(nan_columns, minlength=X.shape[1]) > 0
