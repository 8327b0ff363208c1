"""Kernels on sparse bin storage (``skboost._sparse_bins.SparseBins``).

A sparse matrix is binned into two compressed copies of the entries whose
bin differs from the bin of the value 0 of their feature (``zero_bin[f]``):
by column (CSC: histograms, one feature per task) and by row (CSR: the bin of
one row at one feature, by binary search over the row's few entries).  Every
other cell has its feature's zero bin.  Histograms sum the stored entries of
the rows of a node and give the zero bin what is left of the node's sums, so
a pass costs the number of stored entries, not rows x features.
"""
import numpy as np

from ._jit import inline, parallel, prange, serial
from .binning import _search_bin
from .categorical import in_bitset
from .histogram import _chunk_ranges
from .partition import PARTITION_CHUNK, place_chunks
from .predict import _category_left


@parallel
def count_nonzero_bins(indptr, data, thresholds, offsets, missing_bin, zero_bin, counts):
    """Per column of a CSC matrix, its zero bin and how many stored values
    fall into another bin.

    Parameters
    ----------
    indptr : ndarray of shape (n_features + 1,), int64
    data : ndarray of shape (nnz,), float64
    thresholds : ndarray of shape (total_thresholds,), float64
    offsets : ndarray of shape (n_features + 1,), int64
        As :func:`skboost._kernels.binning.map_to_bins`.
    missing_bin : int
    zero_bin : ndarray of shape (n_features,), uint8 or int32, written
    counts : ndarray of shape (n_features,), int64, written
    """
    for f in prange(zero_bin.shape[0]):
        start = offsets[f]
        stop = offsets[f + 1]
        zb = _search_bin(thresholds, start, stop, 0.0)
        zero_bin[f] = zb
        n = 0
        for k in range(indptr[f], indptr[f + 1]):
            x = data[k]
            b = missing_bin if np.isnan(x) else _search_bin(thresholds, start, stop, x)
            n += b != zb
        counts[f] = n


@parallel
def write_nonzero_bins(indptr, indices, data, thresholds, offsets, missing_bin, zero_bin,
                       out_indptr, out_rows, out_bins):
    """The CSC bins of the stored values outside their column's zero bin.

    Parameters
    ----------
    indptr, indices, data :
        The CSC matrix (indices int64).
    thresholds, offsets, missing_bin, zero_bin :
        As :func:`count_nonzero_bins`.
    out_indptr : ndarray of shape (n_features + 1,), int64
        Cumulative counts of :func:`count_nonzero_bins`.
    out_rows : ndarray of shape (n_stored,), int32, written
    out_bins : ndarray of shape (n_stored,), uint8, written
    """
    for f in prange(zero_bin.shape[0]):
        start = offsets[f]
        stop = offsets[f + 1]
        zb = zero_bin[f]
        at = out_indptr[f]
        for k in range(indptr[f], indptr[f + 1]):
            x = data[k]
            b = missing_bin if np.isnan(x) else _search_bin(thresholds, start, stop, x)
            if b != zb:
                out_rows[at] = indices[k]
                out_bins[at] = b
                at += 1


@serial
def transpose_bins(n_rows, indptr, indices, bins):
    """CSR copy of CSC bins (or the reverse): a counting sort by row.

    Entries of each output row come out in increasing column order.

    Returns
    -------
    out_indptr : ndarray of shape (n_rows + 1,), int64
    out_indices : ndarray of shape (n_stored,), int32
    out_bins : ndarray of shape (n_stored,), uint8
    """
    out_indptr = np.zeros(n_rows + 1, dtype=np.int64)
    for k in range(indices.shape[0]):
        out_indptr[indices[k] + 1] += 1
    for i in range(n_rows):
        out_indptr[i + 1] += out_indptr[i]
    fill = out_indptr[:-1].copy()
    out_indices = np.empty(indices.shape[0], dtype=np.int32)
    out_bins = np.empty(indices.shape[0], dtype=bins.dtype)
    for col in range(indptr.shape[0] - 1):
        for k in range(indptr[col], indptr[col + 1]):
            i = indices[k]
            out_indices[fill[i]] = col
            out_bins[fill[i]] = bins[k]
            fill[i] += 1
    return out_indptr, out_indices, out_bins


@inline
def find_in_row(indptr, indices, row, f):
    """Position of feature ``f`` among the stored entries of ``row`` of a
    compressed-row structure (indices sorted within a row), or -1."""
    stop = indptr[row + 1]
    at = indptr[row] + _search_bin(indices, indptr[row], stop, f)
    if at < stop and indices[at] == f:
        return at
    return -1


@inline
def bin_at(indptr, features, bins, zero_bin, row, f):
    """Bin of ``row`` at feature ``f``: binary search among the row's stored
    entries (sorted by feature), the zero bin when absent."""
    at = find_in_row(indptr, features, row, f)
    return bins[at] if at >= 0 else zero_bin[f]


@parallel
def pack_node_rows(sample_indices, starts, ends, g, h, packed):
    """Per row, its statistics and which of the nodes being built holds it.

    After the call ``packed[row] = (g[row, 0..K-1], h[row], j)`` for the rows
    of node ``j`` (the range ``[starts[j], ends[j])`` of ``sample_indices``)
    and ``packed[row, K + 1] = -1`` for every other row: a histogram pass then
    reads one cache line per stored entry instead of three arrays.

    Parameters
    ----------
    sample_indices : ndarray of shape (n_samples,), int32
    starts, ends : ndarray of shape (n_nodes,), int64
    g : ndarray of shape (n_samples, K), float64
    h : ndarray of shape (n_samples,), float64
    packed : ndarray of shape (n_samples, K + 2), float64, written
    """
    n_samples = packed.shape[0]
    K = g.shape[1]
    block = 16384
    for c in prange((n_samples + block - 1) // block):
        for r in range(c * block, min(n_samples, (c + 1) * block)):
            packed[r, K + 1] = -1.0
    chunk_node, chunk_start, chunk_end = _chunk_ranges(starts, ends, block)
    for c in prange(chunk_node.shape[0]):
        j = float(chunk_node[c])
        # unsigned positions and rows: numba wraps negative indices around
        # (a test and a select per signed index)
        for pos in range(np.uint64(chunk_start[c]), np.uint64(chunk_end[c])):
            r = np.uint64(sample_indices[pos])
            for k in range(K):
                packed[r, k] = g[r, k]
            packed[r, K] = h[r]
            packed[r, K + 1] = j


@parallel
def build_histograms_sparse(indptr, rows, bins, zero_bin, packed, node_sums, slots,
                            n_bins_non_missing, missing_bin, hist):
    """Histograms of several nodes from CSC bins in one pass over the entries.

    Parallel over features; entries are summed in row order by one thread,
    so the result does not depend on the number of threads.  The zero bin of
    a feature gets the node's sums minus its other bins (exactly zero when no
    row of the node is left for it).

    Parameters
    ----------
    indptr : ndarray of shape (n_features + 1,), int64
    rows : ndarray of shape (n_stored,), int32
    bins : ndarray of shape (n_stored,), uint8
    zero_bin : ndarray of shape (n_features,), uint8
    packed : ndarray of shape (n_samples, K + 2), float64
        Statistics and node of each row (see :func:`pack_node_rows`).
    node_sums : ndarray of shape (n_jobs, K + 2), float64
        Sums of each node being built.
    slots : ndarray of shape (n_jobs,), int64
    n_bins_non_missing : ndarray of shape (n_features,), int32
    missing_bin : int
    hist : ndarray of shape (n_slots, n_features, n_bins, K + 2), float64
    """
    n_jobs = slots.shape[0]
    C = packed.shape[1]
    K = C - 2
    for f in prange(zero_bin.shape[0]):
        nb = n_bins_non_missing[f]
        for j in range(n_jobs):
            hf = hist[slots[j], f]
            for b in range(nb):
                for c in range(C):
                    hf[b, c] = 0.0
            for c in range(C):
                hf[missing_bin, c] = 0.0
        # scalar indexing only: a view per entry would cost reference
        # counting; unsigned indices (see pack_node_rows)
        column = np.uint64(f)
        for k in range(np.uint64(indptr[f]), np.uint64(indptr[f + 1])):
            r = np.uint64(rows[k])
            job = packed[r, K + 1]
            if job < 0.0:
                continue
            s = np.uint64(slots[np.uint64(job)])
            b = bins[k]
            for c in range(K + 1):
                hist[s, column, b, c] += packed[r, c]
            hist[s, column, b, K + 1] += 1.0
        for j in range(n_jobs):
            _fill_zero_bin(hist, slots[j], f, zero_bin[f], nb, missing_bin, node_sums, j, C)


@parallel
def build_histograms_sparse_rows(indptr, features_of_entries, bins, zero_bin, sample_indices,
                                 starts, ends, g, h, node_sums, slots, n_bins_non_missing,
                                 missing_bin, hist):
    """Histograms of nodes from CSR bins, reading only the rows of each node.

    :func:`build_histograms_sparse` reads every stored value whichever rows
    the nodes hold; when they hold a small share of the rows (the smaller
    children of a level, or one batch of nodes), walking their rows' entries
    costs that share only.  Parallel over nodes, each summed in position
    order by one thread; zero bins as :func:`build_histograms_sparse`.

    Parameters
    ----------
    indptr : ndarray of shape (n_samples + 1,), int64
    features_of_entries : ndarray of shape (n_stored,), int32
    bins : ndarray of shape (n_stored,), uint8
    zero_bin : ndarray of shape (n_features,), uint8
    sample_indices : ndarray of shape (n_samples,), int32
    starts, ends : ndarray of shape (n_jobs,), int64
        Each node's range of ``sample_indices``.
    g : ndarray of shape (n_samples, K), float64
    h : ndarray of shape (n_samples,), float64
    node_sums, slots, n_bins_non_missing, missing_bin, hist :
        As :func:`build_histograms_sparse`.
    """
    K = g.shape[1]
    C = K + 2
    n_features = zero_bin.shape[0]
    for j in prange(slots.shape[0]):
        s = slots[j]
        for f in range(n_features):
            for b in range(n_bins_non_missing[f]):
                for c in range(C):
                    hist[s, f, b, c] = 0.0
            for c in range(C):
                hist[s, f, missing_bin, c] = 0.0
        # unsigned indices (see pack_node_rows)
        for pos in range(np.uint64(starts[j]), np.uint64(ends[j])):
            r = np.uint64(sample_indices[pos])
            hr = h[r]
            for e in range(np.uint64(indptr[r]), np.uint64(indptr[r + 1])):
                f = np.uint64(features_of_entries[e])
                b = bins[e]
                for c in range(K):
                    hist[s, f, b, c] += g[r, c]
                hist[s, f, b, K] += hr
                hist[s, f, b, K + 1] += 1.0
        for f in range(n_features):
            _fill_zero_bin(hist, s, f, zero_bin[f], n_bins_non_missing[f], missing_bin,
                           node_sums, j, C)


@inline
def _fill_zero_bin(hist, s, f, zb, nb, missing_bin, node_sums, j, C):
    """The zero bin of feature ``f`` in slot ``s``: node ``j``'s sums minus
    the feature's other bins (exactly 0 when no row is left for it)."""
    for c in range(C):
        rest = hist[s, f, missing_bin, c]
        for b in range(nb):
            if b != zb:
                rest += hist[s, f, b, c]
        hist[s, f, zb, c] = node_sums[j, c] - rest
    if hist[s, f, zb, C - 1] < 0.5:
        for c in range(C):
            hist[s, f, zb, c] = 0.0


@parallel
def partition_nodes_sparse(indptr, features_of_entries, bins, zero_bin, sample_indices,
                           buffer, starts, ends, features, threshold_bins,
                           missing_lefts, missing_bin, categorical, bitsets, n_left):
    """:func:`skboost._kernels.partition.partition_nodes` on CSR bins.

    Parameters
    ----------
    indptr : ndarray of shape (n_samples + 1,), int64
    features_of_entries : ndarray of shape (n_stored,), int32
    bins : ndarray of shape (n_stored,), uint8
    zero_bin : ndarray of shape (n_features,), uint8
    Others :
        As :func:`~skboost._kernels.partition.partition_nodes`.
    """
    chunk_node, chunk_start, chunk_end = _chunk_ranges(starts, ends, PARTITION_CHUNK)
    n_chunks = chunk_node.shape[0]
    chunk_left = np.zeros(n_chunks, dtype=np.int64)
    for c in prange(n_chunks):
        j = chunk_node[c]
        f = features[j]
        front = chunk_start[c]
        back = chunk_end[c] - 1
        for pos in range(chunk_start[c], chunk_end[c]):
            row = sample_indices[pos]
            b = bin_at(indptr, features_of_entries, bins, zero_bin, row, f)
            if b == missing_bin:
                left = missing_lefts[j] == 1
            elif categorical[j] == 1:
                left = in_bitset(bitsets[j], b)
            else:
                left = b <= threshold_bins[j]
            if left:
                buffer[front] = row
                front += 1
            else:
                buffer[back] = row
                back -= 1
        chunk_left[c] = front - chunk_start[c]
    place_chunks(chunk_node, chunk_start, chunk_end, chunk_left, starts, sample_indices,
                 buffer, n_left)


@parallel
def gather_rows(indptr, features_of_entries, bins, zero_bin, rows, out):
    """Dense bins of some rows: ``out[i, f]`` is the bin of ``rows[i]`` at ``f``.

    Parameters
    ----------
    indptr : ndarray of shape (n_samples + 1,), int64
    features_of_entries : ndarray of shape (n_stored,), int32
    bins : ndarray of shape (n_stored,), uint8
    zero_bin : ndarray of shape (n_features,), uint8
    rows : ndarray of shape (m,), int32
    out : ndarray of shape (m, n_features), uint8, F order, written
    """
    m, d = out.shape
    for f in prange(d):
        zb = zero_bin[f]
        for i in range(m):
            out[i, f] = zb
    for i in prange(m):
        r = rows[i]
        for k in range(indptr[r], indptr[r + 1]):
            out[i, features_of_entries[k]] = bins[k]


ROW_BLOCK = 128


@serial
def _leaf_csr(indptr, indices, data, absent, missing_code, i, node, feature, threshold,
              missing_left, categorical, cat_bitset, left, right):
    # predict._leaf_raw with another value fetch; the rule is written out as
    # there (sharing it through an inlined helper made _leaf_raw 2.8x slower)
    while left[node] != -1:
        f = feature[node]
        at = find_in_row(indptr, indices, i, f)
        stored = data[at] if at >= 0 else absent[f]
        x = np.nan if stored == missing_code else float(stored)
        if np.isnan(x):
            go_left = missing_left[node] == 1
        elif categorical[node] == 1:
            go_left = _category_left(x, cat_bitset, node, missing_left[node])
        else:
            go_left = x <= threshold[node]
        node = left[node] if go_left else right[node]
    return node


@parallel
def predict_csr(indptr, indices, data, absent, missing_code, feature, threshold,
                missing_left, categorical, cat_bitset, left, right, values, tree_roots,
                tree_columns, first_tree, stop_tree, out):
    """:func:`skboost._kernels.predict.predict_raw` on compressed rows (sorted
    column indices): each split reads its row's value by binary search, so
    no row is densified.

    Raw CSR values: ``absent`` is 0 for every feature and ``missing_code``
    NaN (stored NaN are missing).  Sparse bins: ``data`` are bins, ``absent``
    the zero bins, ``missing_code`` the missing bin and ``threshold`` the
    threshold bins (as float64): ``bin <= threshold_bin`` is the binned rule,
    and category bins are the category codes.

    Parameters
    ----------
    indptr : ndarray of shape (n_samples + 1,), int64
    indices : ndarray of shape (n_stored,), int32
    data : ndarray of shape (n_stored,), float64 or uint8
    absent : ndarray of shape (n_features,), dtype of ``data``
        The value of the cells not stored.
    missing_code : float
    threshold : ndarray of shape (n_nodes,), float64
    Others :
        As :func:`~skboost._kernels.predict.predict_raw`.
    """
    n_samples = indptr.shape[0] - 1
    V = values.shape[1]
    n_blocks = (n_samples + ROW_BLOCK - 1) // ROW_BLOCK
    for blk in prange(n_blocks):
        stop_row = min(n_samples, (blk + 1) * ROW_BLOCK)
        for t in range(first_tree, stop_tree):
            column = tree_columns[t]
            for i in range(blk * ROW_BLOCK, stop_row):
                leaf = _leaf_csr(indptr, indices, data, absent, missing_code, i,
                                 tree_roots[t], feature, threshold, missing_left,
                                 categorical, cat_bitset, left, right)
                for v in range(V):
                    out[i, column + v] += values[leaf, v]
