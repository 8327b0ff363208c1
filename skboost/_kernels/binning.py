"""Kernels that map raw feature values to bin indices."""
import numpy as np

from ._jit import inline, parallel, prange


@inline
def _search_bin(thresholds, start, stop, x):
    """Number of thresholds in ``thresholds[start:stop]`` strictly below ``x``."""
    # unsigned: numba wraps negative indices around (a test and a select
    # per signed index)
    one = np.uint64(1)
    lo = np.uint64(start)
    hi = np.uint64(stop)
    while lo < hi:
        mid = (lo + hi) >> one
        if thresholds[mid] < x:
            lo = mid + one
        else:
            hi = mid
    return np.int64(lo - np.uint64(start))


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
        for feature in range(n_features):
            f = np.uint64(feature)  # unsigned indices: see _search_bin
            start = offsets[f]
            stop = offsets[feature + 1]
            for i in range(np.uint64(c * chunk), np.uint64(stop_row)):
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


# Cells of the lookup table that narrows each value's binary search.
LOOKUP_CELLS = 1024


def lookup_tables(thresholds, offsets):
    """Per feature, where each of :data:`LOOKUP_CELLS` equal cells between its
    first and last threshold starts in its thresholds (for :func:`map_to_bins_indexed`).

    Returns
    -------
    cells : ndarray of shape (n_features, LOOKUP_CELLS + 1), int64
        Thresholds below each cell's lower edge.
    low, scale : ndarray of shape (n_features,), float64
        A value ``x`` falls in cell ``(x - low) * scale``.
    """
    n_features = offsets.shape[0] - 1
    cells = np.zeros((n_features, LOOKUP_CELLS + 1), dtype=np.int64)
    low = np.zeros(n_features)
    scale = np.zeros(n_features)
    for f in range(n_features):
        t = thresholds[offsets[f]:offsets[f + 1]]
        with np.errstate(over="ignore", divide="ignore"):
            cell_scale = LOOKUP_CELLS / (t[-1] - t[0]) if t.size >= 2 else 0.0
        if not (np.isfinite(cell_scale) and cell_scale > 0):
            continue  # scale 0: the plain binary search
        low[f] = t[0]
        scale[f] = cell_scale
        edges = t[0] + np.arange(LOOKUP_CELLS + 1) / scale[f]
        cells[f] = np.searchsorted(t, edges, side="left")
    return cells, low, scale


@parallel
def map_to_bins_indexed(X, thresholds, offsets, cells, low, scale, missing_bin, out):
    """:func:`map_to_bins` with each binary search narrowed by a lookup table
    (:func:`lookup_tables`) to the thresholds of the value's cell and its two
    neighbours (the neighbours absorb rounding in the cell index): a search
    over a few thresholds instead of up to 255, which costs most of binning.

    Parameters
    ----------
    X, thresholds, offsets, missing_bin, out :
        As :func:`map_to_bins`.
    cells, low, scale :
        From :func:`lookup_tables`.
    """
    n_samples, n_features = X.shape
    n_cells = cells.shape[1] - 1
    chunk = 4096
    n_chunks = (n_samples + chunk - 1) // chunk
    for c in prange(n_chunks):
        stop_row = min(n_samples, (c + 1) * chunk)
        for feature in range(n_features):
            f = np.uint64(feature)  # unsigned indices: see _search_bin
            start = offsets[f]
            stop = offsets[feature + 1]
            for i in range(np.uint64(c * chunk), np.uint64(stop_row)):
                x = X[i, f]
                if np.isnan(x):
                    out[i, f] = missing_bin
                    continue
                if scale[f] == 0.0:
                    out[i, f] = _search_bin(thresholds, start, stop, x)
                    continue
                position = (x - low[f]) * scale[f]
                # clamped before the int conversion: infinite values stay in range
                if not position > 0.0:
                    position = 0.0
                elif position > n_cells:
                    position = n_cells
                cell = int(position)
                first = cells[f, cell - 1] if cell >= 1 else 0
                last = cells[f, cell + 2] if cell + 2 <= n_cells - 1 else stop - start
                out[i, f] = first + _search_bin(thresholds, start + first, start + last, x)
