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
def sort_columns(X_rank, n_bins_non_missing, missing_bin, order, order_offsets, nan_rows,
                 nan_offsets):
    """Counting sort of every feature's rows by rank (stable, parallel over features).

    Parameters
    ----------
    X_rank : ndarray of shape (n_samples, n_features), int32, F order
    n_bins_non_missing : ndarray of shape (n_features,), int32
    missing_bin : int
    order : ndarray of shape (total_present,), int32, written
        Feature ``f``'s present rows in increasing rank (row index breaks
        ties) at ``order[order_offsets[f]:order_offsets[f + 1]]``.
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
                start[r] += 1


@parallel
def assign_nodes(sample_indices, starts, ends, node_of_row, value_offset):
    """``node_of_row[row] = value_offset + j`` for the rows of node ``j``;
    a negative ``value_offset`` writes -1 instead (rows leave the scan).

    Parameters
    ----------
    sample_indices : ndarray of shape (n_samples,), int32
    starts, ends : ndarray of shape (n_nodes,), int64
    node_of_row : ndarray of shape (n_samples,), int32, updated
    value_offset : int
    """
    for j in prange(starts.shape[0]):
        value = -1 if value_offset < 0 else value_offset + j
        for pos in range(starts[j], ends[j]):
            node_of_row[sample_indices[pos]] = value
