"""Kernels that map raw feature values to bin indices."""
import numpy as np

from ._jit import parallel, prange, serial


@serial
def _search_bin(thresholds, start, stop, x):
    """Number of thresholds in ``thresholds[start:stop]`` strictly below ``x``."""
    lo = start
    hi = stop
    while lo < hi:
        mid = (lo + hi) >> 1
        if thresholds[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo - start


@parallel
def map_to_bins(X, thresholds, offsets, missing_bin, out):
    """Bin every value of ``X``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), float64, C order
    thresholds : ndarray of shape (total_thresholds,), float64
        The sorted thresholds of all features, concatenated.
    offsets : ndarray of shape (n_features + 1,), int64
        Feature ``f`` owns ``thresholds[offsets[f]:offsets[f + 1]]``.
    missing_bin : int
        Bin given to NaN.
    out : ndarray of shape (n_samples, n_features), uint8, F order
        Written in place: value ``x`` goes to the number of thresholds < x,
        so ``x <= thresholds[b]`` exactly when its bin is ``<= b``.
    """
    n_samples, n_features = X.shape
    chunk = 4096
    n_chunks = (n_samples + chunk - 1) // chunk
    for c in prange(n_chunks):
        stop_row = min(n_samples, (c + 1) * chunk)
        for f in range(n_features):
            start = offsets[f]
            stop = offsets[f + 1]
            for i in range(c * chunk, stop_row):
                x = X[i, f]
                if np.isnan(x):
                    out[i, f] = missing_bin
                else:
                    out[i, f] = _search_bin(thresholds, start, stop, x)


@parallel
def map_sparse_to_bins(indptr, indices, data, thresholds, offsets, missing_bin, out):
    """Bin every value of a CSC matrix: implicit zeros get the bin of 0.

    Parameters
    ----------
    indptr : ndarray of shape (n_features + 1,), int64
    indices : ndarray of shape (nnz,), int64
        Row of each stored value.
    data : ndarray of shape (nnz,), float64
        Stored values (explicit zeros are zeros, NaN is missing).
    thresholds, offsets, missing_bin :
        As :func:`map_to_bins`.
    out : ndarray of shape (n_samples, n_features), uint8 or int32, F order
        Written in place, one column per parallel task.
    """
    n_samples, n_features = out.shape
    for f in prange(n_features):
        start = offsets[f]
        stop = offsets[f + 1]
        zero_bin = _search_bin(thresholds, start, stop, 0.0)
        for i in range(n_samples):
            out[i, f] = zero_bin
        for k in range(indptr[f], indptr[f + 1]):
            x = data[k]
            if np.isnan(x):
                out[indices[k], f] = missing_bin
            else:
                out[indices[k], f] = _search_bin(thresholds, start, stop, x)
