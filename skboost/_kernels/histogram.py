"""Histogram kernels: per node, per feature, per bin sums of the statistics.

Histogram layout: ``hist[slot, feature, bin, c]`` float64 with channels
``c = 0..K-1`` the gradient channels, ``c = K`` the hessian and ``c = K + 1``
the row count.  Only bins ``0 .. n_bins_non_missing[f] - 1`` and the missing
bin of each feature are written or read; the rest of a slot is never touched,
which keeps zeroing cheap for features with few distinct values.
"""
import numpy as np

from ._jit import inline, parallel, prange, serial


@serial
def _chunk_ranges(starts, ends, chunk_size):
    """Cut the node ranges ``[starts[j], ends[j])`` into chunks of positions."""
    n_chunks = 0
    for j in range(starts.shape[0]):
        n_chunks += (ends[j] - starts[j] + chunk_size - 1) // chunk_size
    chunk_node = np.empty(n_chunks, dtype=np.int64)
    chunk_start = np.empty(n_chunks, dtype=np.int64)
    chunk_end = np.empty(n_chunks, dtype=np.int64)
    c = 0
    for j in range(starts.shape[0]):
        pos = starts[j]
        while pos < ends[j]:
            chunk_node[c] = j
            chunk_start[c] = pos
            chunk_end[c] = min(ends[j], pos + chunk_size)
            pos += chunk_size
            c += 1
    return chunk_node, chunk_start, chunk_end


@parallel
def gather_stats(sample_indices, g, h, starts, ends, with_hessian, ordered_g, ordered_h):
    """Copy the statistics of the rows of each node into position order.

    After the call ``ordered_g[pos] == g[sample_indices[pos]]`` for every
    position of the given nodes, so histogram passes read them sequentially.

    Parameters
    ----------
    sample_indices : ndarray of shape (n_samples,), int32
    g : ndarray of shape (n_samples, K), float64
    h : ndarray of shape (n_samples,), float64
    starts, ends : ndarray of shape (n_nodes,), int64
    with_hessian : bool
        Gather ``h`` too (histograms with unit hessians do not read it).
    ordered_g : ndarray of shape (n_samples, K), float64, written
    ordered_h : ndarray of shape (n_samples,), float64, written
    """
    K = g.shape[1]
    _, chunk_start, chunk_end = _chunk_ranges(starts, ends, 16384)
    for c in prange(chunk_start.shape[0]):
        # unsigned positions and rows: numba wraps negative indices around, a
        # test and a select per signed index that slowed these loops by half
        for pos in range(np.uint64(chunk_start[c]), np.uint64(chunk_end[c])):
            row = np.uint64(sample_indices[pos])
            for k in range(K):
                ordered_g[pos, k] = g[row, k]
            if with_hessian:
                ordered_h[pos] = h[row]


@parallel
def build_histograms(X_binned, sample_indices, ordered_g, ordered_h, starts, ends,
                     slots, n_bins_non_missing, missing_bin, unit_hessian, rows_in_order, hist):
    """Histograms of the nodes ``[starts[j], ends[j])`` into ``hist[slots[j]]``.

    Parallel over (feature, node) pairs, each pair summed by one thread in
    position order, so the result does not depend on the number of threads.

    Parameters
    ----------
    X_binned : ndarray of shape (n_samples, n_features), uint8, F order
    sample_indices : ndarray of shape (n_samples,), int32
    ordered_g : ndarray of shape (n_samples, K), float64
        Gradients in position order (see :func:`gather_stats`).
    ordered_h : ndarray of shape (n_samples,), float64
    starts, ends, slots : ndarray of shape (n_nodes,), int64
    n_bins_non_missing : ndarray of shape (n_features,), int32
    missing_bin : int
    unit_hessian : bool
        Every hessian is 1 (unweighted boosting): the hessian channel is the
        row count, copied once per bin instead of summed per row.
    rows_in_order : bool
        The position of every row is the row itself (the root of a tree on
        all rows): bins are read at the position, without the indirection
        through ``sample_indices`` (whose dependent load slows the loop).
    hist : ndarray of shape (n_slots, n_features, n_bins, K + 2), float64
    """
    n_nodes = starts.shape[0]
    n_features = X_binned.shape[1]
    C = ordered_g.shape[1] + 2
    for job in prange(n_nodes * n_features):
        f = job // n_nodes
        j = job - f * n_nodes
        hf = hist[slots[j], f]
        for b in range(n_bins_non_missing[f]):
            for c in range(C):
                hf[b, c] = 0.0
        for c in range(C):
            hf[missing_bin, c] = 0.0
        if rows_in_order:
            _sum_rows_in_order(X_binned[:, f], ordered_g, ordered_h, starts[j], ends[j],
                               unit_hessian, hf)
        else:
            _sum_rows_indexed(X_binned[:, f], sample_indices, ordered_g, ordered_h, starts[j],
                              ends[j], unit_hessian, hf)
        if unit_hessian and C == 3:
            for b in range(n_bins_non_missing[f]):
                hf[b, 2] = hf[b, 1]
            hf[missing_bin, 2] = hf[missing_bin, 1]


@inline
def _sum_rows_indexed(column, sample_indices, ordered_g, ordered_h, start, end, unit_hessian,
                      hf):
    """Add positions ``start..end-1`` to the histogram ``hf`` (n_bins, K + 2)
    of one feature; the bin of the row at ``pos`` is ``column[sample_indices[pos]]``.
    With one channel and unit hessians only the gradient and the count are
    summed (the caller copies the count into the hessian channel)."""
    K = ordered_g.shape[1]
    first, stop = np.uint64(start), np.uint64(end)  # unsigned: see gather_stats
    if K == 1 and unit_hessian:
        for pos in range(first, stop):
            b = column[np.uint64(sample_indices[pos])]
            hf[b, 0] += ordered_g[pos, 0]
            hf[b, 1] += 1.0
    elif K == 1:
        for pos in range(first, stop):
            b = column[np.uint64(sample_indices[pos])]
            hf[b, 0] += ordered_g[pos, 0]
            hf[b, 1] += ordered_h[pos]
            hf[b, 2] += 1.0
    else:
        for pos in range(first, stop):
            b = column[np.uint64(sample_indices[pos])]
            for k in range(K):
                hf[b, k] += ordered_g[pos, k]
            hf[b, K] += ordered_h[pos]
            hf[b, K + 1] += 1.0


@inline
def _sum_rows_in_order(column, ordered_g, ordered_h, start, end, unit_hessian, hf):
    """:func:`_sum_rows_indexed` where the row at ``pos`` is ``pos`` (written
    out twice on purpose: one helper testing ``rows_in_order`` per row made
    the root histogram 30 % slower; LLVM did not take the test out of the
    loop)."""
    K = ordered_g.shape[1]
    first, stop = np.uint64(start), np.uint64(end)  # unsigned: see gather_stats
    if K == 1 and unit_hessian:
        for pos in range(first, stop):
            b = column[pos]
            hf[b, 0] += ordered_g[pos, 0]
            hf[b, 1] += 1.0
    elif K == 1:
        for pos in range(first, stop):
            b = column[pos]
            hf[b, 0] += ordered_g[pos, 0]
            hf[b, 1] += ordered_h[pos]
            hf[b, 2] += 1.0
    else:
        for pos in range(first, stop):
            b = column[pos]
            for k in range(K):
                hf[b, k] += ordered_g[pos, k]
            hf[b, K] += ordered_h[pos]
            hf[b, K + 1] += 1.0


@parallel
def build_root_gradients(X_binned, g, counts, n_bins_non_missing, missing_bin, slot, hist):
    """Root histogram of a tree on every row in order, one gradient channel
    and unit hessians, when the bin counts are known: only the gradients are
    summed (the counts are the same for every tree of a fit; summing them
    too cost 40 % of the pass).

    Parameters
    ----------
    X_binned : ndarray of shape (n_samples, n_features), uint8, F order
    g : ndarray of shape (n_samples, 1), float64
    counts : ndarray of shape (n_features, n_bins), float64
        Rows in each bin (a root histogram's count channel).
    n_bins_non_missing : ndarray of shape (n_features,), int32
    missing_bin : int
    slot : int
    hist : ndarray of shape (n_slots, n_features, n_bins, 3), float64
        ``hist[slot]`` is written: the same floats as :func:`build_histograms`.
    """
    n_rows = np.uint64(X_binned.shape[0])  # unsigned: see gather_stats
    for f in prange(X_binned.shape[1]):
        hf = hist[slot, f]
        for b in range(n_bins_non_missing[f]):
            hf[b, 0] = 0.0
        hf[missing_bin, 0] = 0.0
        column = X_binned[:, f]
        for pos in range(n_rows):
            hf[column[pos], 0] += g[pos, 0]
        for b in range(n_bins_non_missing[f]):
            hf[b, 1] = hf[b, 2] = counts[f, b]
        hf[missing_bin, 1] = hf[missing_bin, 2] = counts[f, missing_bin]


@parallel
def subtract_histograms(parent_hist, parent_slots, child_hist, small_slots, large_slots,
                        n_bins_non_missing, missing_bin):
    """``child_hist[large] = parent_hist[parent] - child_hist[small]`` per node.

    Parameters
    ----------
    parent_hist : ndarray of shape (n_parent_slots, n_features, n_bins, C), float64
    parent_slots, small_slots, large_slots : ndarray of shape (n_pairs,), int64
    child_hist : ndarray of shape (n_child_slots, n_features, n_bins, C), float64
    n_bins_non_missing : ndarray of shape (n_features,), int32
    missing_bin : int
    """
    n_pairs = parent_slots.shape[0]
    n_features = child_hist.shape[1]
    C = child_hist.shape[3]
    for job in prange(n_pairs * n_features):
        f = job // n_pairs
        j = job - f * n_pairs
        p = parent_hist[parent_slots[j], f]
        s = child_hist[small_slots[j], f]
        out = child_hist[large_slots[j], f]
        for b in range(n_bins_non_missing[f]):
            for c in range(C):
                out[b, c] = p[b, c] - s[b, c]
        for c in range(C):
            out[missing_bin, c] = p[missing_bin, c] - s[missing_bin, c]
