"""Kernels of the column blocks: per-feature row order, built once per fit."""
import numpy as np

from ._jit import parallel, prange


@parallel
def count_missing(X_rank, missing_bin, out):
    """``out[f]`` = rows whose rank in feature ``f`` is the missing bin."""
    n_samples, n_features = X_rank.shape
    for f in prange(n_features):
        count = 0
        for i in range(n_samples):
            if X_rank[i, f] == missing_bin:
                count += 1
        out[f] = count


@parallel
def sort_columns(X_rank, n_bins_non_missing, missing_bin, order, order_rank, order_offsets,
                 nan_rows, nan_offsets):
    """Counting sort of every feature's rows by rank (stable, parallel over features).

    Parameters
    ----------
    X_rank : ndarray of shape (n_samples, n_features), int32, F order
    n_bins_non_missing : ndarray of shape (n_features,), int32
    missing_bin : int
    order : ndarray of shape (total_present,), int32, written
        Feature ``f``'s present rows in increasing rank (row index breaks
        ties) at ``order[order_offsets[f]:order_offsets[f + 1]]``.
    order_rank : ndarray of shape (total_present,), int32, written
        The rank of each row of ``order``.
    order_offsets : ndarray of shape (n_features + 1,), int64
    nan_rows : ndarray of shape (total_missing,), int32, written
        Feature ``f``'s rows with NaN at ``nan_rows[nan_offsets[f]:nan_offsets[f + 1]]``.
    nan_offsets : ndarray of shape (n_features + 1,), int64
    """
    n_samples, n_features = X_rank.shape
    for f in prange(n_features):
        nb = n_bins_non_missing[f]
        start = np.zeros(nb + 1, dtype=np.int64)
        for i in range(n_samples):
            r = X_rank[i, f]
            if r != missing_bin:
                start[r + 1] += 1
        for b in range(nb):
            start[b + 1] += start[b]
        base = order_offsets[f]
        nan_pos = nan_offsets[f]
        for i in range(n_samples):
            r = X_rank[i, f]
            if r == missing_bin:
                nan_rows[nan_pos] = i
                nan_pos += 1
            else:
                order[base + start[r]] = i
                order_rank[base + start[r]] = r
                start[r] += 1


@parallel
def fill_row_stats(sample_indices, starts, ends, g, h, row_stats):
    """Write node index, gradients and hessian of the rows of each node.

    ``row_stats[row] = (j, g[row, 0..K-1], h[row])`` for the rows of node
    ``j``; see :func:`clear_row_stats`.
    """
    K = g.shape[1]
    for j in prange(starts.shape[0]):
        # unsigned positions and rows: numba wraps negative indices around
        for pos in range(np.uint64(starts[j]), np.uint64(ends[j])):
            row = np.uint64(sample_indices[pos])
            row_stats[row, 0] = j
            for k in range(K):
                row_stats[row, k + 1] = g[row, k]
            row_stats[row, K + 1] = h[row]


@parallel
def clear_row_stats(sample_indices, starts, ends, row_stats):
    """Mark the rows of the given nodes as out of the scan (node -1)."""
    for j in prange(starts.shape[0]):
        for pos in range(np.uint64(starts[j]), np.uint64(ends[j])):  # unsigned: see above
            row_stats[np.uint64(sample_indices[pos]), 0] = -1.0
