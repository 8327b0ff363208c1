"""Best split per node: from histograms, from presorted column blocks, or
from a node's own rows sorted on the spot (small nodes).

All three use the criteria of ``criterion.py`` and report, per (node,
feature), the best gain, the threshold bin (rows with ``bin <= b`` go left)
and where missing values go; the exact and sorted scans also report the
next present bin above the threshold and the left child's sums.
"""
import numpy as np

from ._jit import hot, inline, parallel, prange, serial
from .criterion import (NEWTON, P_CRITERION, P_FLOAT32_TIES, P_L2, P_MIN_HESSIAN,
                        P_MIN_SAMPLES_LEAF, is_fast,
                        monotonic_ok,
                        node_objective, node_objective_once, valid_children)

# A split must beat the parent by more than this fraction of the children's
# objective: removes "gains" that are only rounding noise on pure nodes.
RELATIVE_GAIN_EPS = 1e-10
# Children means closer than this (relative) are the same mean up to rounding.
MEAN_DIFFERENCE_EPS = 1e-12


@hot
def _candidate_gain(left, right, parent_obj, K, cst, params, lower, upper):
    """Gain of splitting a node into ``left``/``right`` sums, or -inf when a
    minimum, a monotonic constraint or the rounding-noise floor rejects it."""
    if not valid_children(left, right, K, params):
        return -np.inf
    if not monotonic_ok(left, right, K, cst, params, lower, upper):
        return -np.inf
    children = (node_objective(left, K, params, lower, upper)
                + node_objective(right, K, params, lower, upper))
    gain = children - parent_obj
    scale = abs(children)
    if params[P_CRITERION] != NEWTON:
        # entropy and Poisson objectives are ~0 on pure nodes, where child
        # sums computed as parent - sibling leave rounding noise: measure the
        # floor against the node's weight and target sums instead
        scale += left[K] + right[K]
        for k in range(K):
            scale += abs(left[k]) + abs(right[k])
    if gain > RELATIVE_GAIN_EPS * scale:
        return gain
    return -np.inf


@inline
def _centred_gain(mean_left, mean_right, hl, hr):
    """Newton gain without L2 in its centred form,
    ``GL^2/HL + GR^2/HR - GP^2/HP = HL HR / HP (GL/HL - GR/HR)^2``.

    The uncentred form subtracts two large, nearly equal numbers when the
    target has a large mean (``y + 1e5``), which buries real gains in
    rounding; the centred form does not depend on a shift of the target.
    Children whose means differ by less than ``MEAN_DIFFERENCE_EPS`` relative
    are rounding noise (a pure node), not a split.
    """
    difference = mean_left - mean_right
    scale = max(abs(mean_left), abs(mean_right))
    if not abs(difference) > MEAN_DIFFERENCE_EPS * scale:
        return -np.inf
    return hl * hr / (hl + hr) * difference * difference


@inline
def _simple_gain(gl, hl, nl, pg, ph, pn, parent_obj, params):
    """:func:`_candidate_gain` for one channel, Newton criterion, no L1,
    clipping or constraint, on scalar sums (the common case, written out)."""
    gr = pg - gl
    hr = ph - hl
    nr = pn - nl
    msl = params[P_MIN_SAMPLES_LEAF]
    min_h = params[P_MIN_HESSIAN]
    if nl < msl or nr < msl or hl < min_h or hr < min_h or hl <= 0.0 or hr <= 0.0:
        return -np.inf
    l2 = params[P_L2]
    if l2 == 0.0:
        return _centred_gain(gl / hl, gr / hr, hl, hr)
    children = gl * gl / (hl + l2) + gr * gr / (hr + l2)
    gain = children - parent_obj
    if gain > RELATIVE_GAIN_EPS * children:
        return gain
    return -np.inf


# --------------------------------------------------------------- histograms
@parallel
def find_splits(hist, slots, node_sums, lower, upper, n_bins_non_missing, missing_bin,
                feature_mask, use_mask, monotonic_cst, params, out_gain, out_bin,
                out_missing_left):
    """Best threshold of every (node, feature) pair from histograms.

    Missing values are tried on both sides (when the node has any);
    ``b = n_bins - 1`` with missing values on the right is the split
    "missing or not".

    Parameters
    ----------
    hist : ndarray of shape (n_slots, n_features, n_bins, K + 2), float64
    slots : ndarray of shape (n_nodes,), int64
    node_sums : ndarray of shape (n_nodes, K + 2), float64
    lower, upper : ndarray of shape (n_nodes,), float64
        Bounds on the node's leaf values (monotonic constraints).
    n_bins_non_missing : ndarray of shape (n_features,), int32
    missing_bin : int
    feature_mask : ndarray of shape (n_nodes, n_features), uint8
        Features drawn for each node (read only when ``use_mask``).
    use_mask : bool
    monotonic_cst : ndarray of shape (n_features,), int8
    params : ndarray of shape (N_PARAMS,), float64 (``criterion.split_params``)
    out_gain : ndarray of shape (n_nodes, n_features), float64, written
        ``-inf`` where no valid split exists.
    out_bin : ndarray of shape (n_nodes, n_features), int32, written
    out_missing_left : ndarray of shape (n_nodes, n_features), uint8, written
    """
    n_nodes = slots.shape[0]
    n_features = hist.shape[1]
    C = hist.shape[3]
    K = C - 2
    for job in prange(n_nodes * n_features):
        f = job // n_nodes
        j = job - f * n_nodes
        out_gain[j, f] = -np.inf
        out_bin[j, f] = 0
        out_missing_left[j, f] = 0
        if use_mask and feature_mask[j, f] == 0:
            continue
        hf = hist[slots[j], f]
        parent = node_sums[j]
        lo = lower[j]
        hi = upper[j]
        parent_obj = node_objective_once(parent, K, params, lo, hi)
        nb = n_bins_non_missing[f]
        has_missing = hf[missing_bin, K + 1] > 0.0
        if K == 1 and is_fast(params, monotonic_cst[f], lo, hi):
            _scan_simple(hf, parent, parent_obj, nb, missing_bin, has_missing, params,
                         out_gain, out_bin, out_missing_left, j, f)
            continue
        _scan_general(hf, parent, parent_obj, nb, missing_bin, has_missing, K,
                      monotonic_cst[f], params, lo, hi, out_gain, out_bin,
                      out_missing_left, j, f)


@serial
def _scan_general(hf, parent, parent_obj, nb, missing_bin, has_missing, K, cst, params,
                  lo, hi, out_gain, out_bin, out_missing_left, j, f):
    """The scan of :func:`find_splits` for any criterion and constraint."""
    C = K + 2
    left = np.empty(C)
    right = np.empty(C)
    best = -np.inf
    for missing_left in range(2 if has_missing else 1):
        for c in range(C):
            left[c] = hf[missing_bin, c] if missing_left == 1 else 0.0
        last = nb - 1 if missing_left == 1 or not has_missing else nb
        for b in range(last):
            for c in range(C):
                left[c] += hf[b, c]
                right[c] = parent[c] - left[c]
            gain = _candidate_gain(left, right, parent_obj, K, cst, params, lo, hi)
            if gain > best:
                best = gain
                out_gain[j, f] = gain
                out_bin[j, f] = b
                out_missing_left[j, f] = missing_left


@serial
def _scan_simple(hf, parent, parent_obj, nb, missing_bin, has_missing, params, out_gain,
                 out_bin, out_missing_left, j, f):
    """The scan of :func:`find_splits` for the one-channel Newton gain."""
    best = -np.inf
    pg = parent[0]
    ph = parent[1]
    pn = parent[2]
    for missing_left in range(2 if has_missing else 1):
        if missing_left == 1:
            gl = hf[missing_bin, 0]
            hl = hf[missing_bin, 1]
            nl = hf[missing_bin, 2]
            last = nb - 1
        else:
            gl = 0.0
            hl = 0.0
            nl = 0.0
            last = nb if has_missing else nb - 1
        for b in range(last):
            gl += hf[b, 0]
            hl += hf[b, 1]
            nl += hf[b, 2]
            gain = _simple_gain(gl, hl, nl, pg, ph, pn, parent_obj, params)
            if gain > best:
                best = gain
                out_gain[j, f] = gain
                out_bin[j, f] = b
                out_missing_left[j, f] = missing_left


@hot
def _best_feature(gains, j):
    """Feature of the largest gain of node ``j`` (the lowest index on ties)."""
    fbest = 0
    for f in range(1, gains.shape[1]):
        if gains[j, f] > gains[j, fbest]:
            fbest = f
    return fbest


@serial
def _pick_best(gains, bins, missing_lefts, j, best_gain, best_feature, best_bin,
               best_missing_left):
    """Store node ``j``'s best feature, gain, bin and missing side; return it."""
    fbest = _best_feature(gains, j)
    best_gain[j] = gains[j, fbest]
    best_feature[j] = fbest
    best_bin[j] = bins[j, fbest]
    best_missing_left[j] = missing_lefts[j, fbest]
    return fbest


@serial
def select_best_splits(hist, slots, node_sums, gains, bins, missing_lefts, missing_bin,
                       best_gain, best_feature, best_bin, best_missing_left, left_sums):
    """Pick each node's best feature and compute the left child's sums.

    Ties go to the lowest feature index.  When the chosen feature had no
    missing values in the node, missing values are sent to the child with
    more rows (the learned direction for unseen NaN).

    Parameters
    ----------
    hist, slots, node_sums : as in :func:`find_splits`
    gains, bins, missing_lefts : ndarray of shape (n_nodes, n_features)
        Output of :func:`find_splits`.
    missing_bin : int
    best_gain : ndarray of shape (n_nodes,), float64, written
    best_feature, best_bin : ndarray of shape (n_nodes,), int32, written
    best_missing_left : ndarray of shape (n_nodes,), uint8, written
    left_sums : ndarray of shape (n_nodes, K + 2), float64, written
    """
    n_nodes = gains.shape[0]
    C = node_sums.shape[1]
    K = C - 2
    for j in range(n_nodes):
        fbest = _pick_best(gains, bins, missing_lefts, j, best_gain, best_feature, best_bin,
                           best_missing_left)
        if best_gain[j] == -np.inf:
            continue
        hf = hist[slots[j], fbest]
        for c in range(C):
            left_sums[j, c] = hf[missing_bin, c] if missing_lefts[j, fbest] == 1 else 0.0
        for b in range(bins[j, fbest] + 1):
            for c in range(C):
                left_sums[j, c] += hf[b, c]
        if hf[missing_bin, K + 1] == 0.0:
            n_left = left_sums[j, K + 1]
            best_missing_left[j] = 1 if n_left >= node_sums[j, K + 1] - n_left else 0


# ------------------------------------------------------- sorted-row scans
# Nodes of at most this many rows are sorted by insertion (see _sort_by_bin).
SMALL_SORT_ROWS = 24

@inline
def _consider(acc, miss, j, f, r_prev, r_next, parent_obj, node_sums, K, cst, params,
              lower, upper, fast, left, right, out_gain, out_bin, out_next_bin,
              out_missing_left, out_left_sums):
    """Evaluate the threshold between ranks ``r_prev`` and ``r_next`` of node
    ``j`` (left sums ``acc[j]``), with missing values on either side.

    Inlined into the scans and free of further calls on the ``fast`` path
    (Newton criterion, no L1, clipping or constraint: every boosting tree,
    Gini and variance): this runs once per row of a sorted scan.
    """
    C = K + 2
    msl = params[P_MIN_SAMPLES_LEAF]
    min_h = params[P_MIN_HESSIAN]
    l2 = params[P_L2]
    for missing_left in range(2 if miss[j, K + 1] > 0 else 1):
        extra = 1.0 if missing_left == 1 else 0.0
        if fast:
            hl = acc[j, K] + extra * miss[j, K]
            nl = acc[j, K + 1] + extra * miss[j, K + 1]
            hr = node_sums[j, K] - hl
            nr = node_sums[j, K + 1] - nl
            if (nl < msl or nr < msl or hl < min_h or hr < min_h or hl <= 0.0
                    or hr <= 0.0):
                continue
            if l2 == 0.0:
                # the centred form of the gain, as in _centred_gain
                squared_difference = 0.0
                squared_scale = 0.0
                for k in range(K):
                    gl = acc[j, k] + extra * miss[j, k]
                    mean_left = gl / hl
                    mean_right = (node_sums[j, k] - gl) / hr
                    squared_difference += (mean_left - mean_right) ** 2
                    squared_scale += max(mean_left * mean_left, mean_right * mean_right)
                if not squared_difference > MEAN_DIFFERENCE_EPS ** 2 * squared_scale:
                    continue
                gain = hl * hr / (hl + hr) * squared_difference
            else:
                square_left = 0.0
                square_right = 0.0
                for k in range(K):
                    gl = acc[j, k] + extra * miss[j, k]
                    gr = node_sums[j, k] - gl
                    square_left += gl * gl
                    square_right += gr * gr
                children = square_left / (hl + l2) + square_right / (hr + l2)
                gain = children - parent_obj
                if not gain > RELATIVE_GAIN_EPS * children:
                    continue
        else:
            for c in range(C):
                left[c] = acc[j, c] + extra * miss[j, c]
                right[c] = node_sums[j, c] - left[c]
            gain = _candidate_gain(left, right, parent_obj, K, cst, params, lower, upper)
        if params[P_FLOAT32_TIES] == 1.0:
            gain = np.float64(np.float32(gain))
            better = gain >= out_gain[j, f] and gain > -np.inf
        else:
            better = gain > out_gain[j, f]
        if better:
            out_gain[j, f] = gain
            out_bin[j, f] = r_prev
            out_next_bin[j, f] = r_next
            out_missing_left[j, f] = missing_left
            for c in range(C):
                out_left_sums[j, f, c] = acc[j, c] + extra * miss[j, c]


@serial
def _consider_missing_split(acc, miss, j, f, nb, parent_obj, node_sums, K, cst, params,
                            lower, upper, left, right, out_gain, out_bin, out_next_bin,
                            out_missing_left, out_left_sums):
    """The split "missing or not": present values left, missing right."""
    C = K + 2
    for c in range(C):
        left[c] = acc[j, c]
        right[c] = node_sums[j, c] - left[c]
    gain = _candidate_gain(left, right, parent_obj, K, cst, params, lower, upper)
    if gain > out_gain[j, f]:
        out_gain[j, f] = gain
        out_bin[j, f] = nb - 1
        out_next_bin[j, f] = nb
        out_missing_left[j, f] = 0
        for c in range(C):
            out_left_sums[j, f, c] = left[c]


@parallel
def find_splits_exact(order, order_rank, order_offsets, nan_rows, nan_offsets, row_stats,
                      node_sums, lower, upper, n_bins_non_missing, feature_mask, use_mask,
                      monotonic_cst, params, out_gain, out_bin, out_missing_left,
                      out_left_sums, out_missing_count, out_next_bin):
    """Best exact threshold of every (node, feature): one pass over each
    feature's presorted rows serves every node being split.

    Rows are visited in increasing value; between two distinct values of a
    node a candidate threshold is evaluated with missing values on either
    side; the split "missing or not" is tried last.

    Parameters
    ----------
    order, order_rank, order_offsets, nan_rows, nan_offsets : column blocks
        (``presort.sort_columns``); ``order_rank`` is the rank of each row.
    row_stats : ndarray of shape (n_samples, K + 2), float64
        Per row: its node (0..n_nodes-1, or -1 when not being split), its K
        gradient channels and its hessian, side by side so that visiting a
        row costs one cache line.
    node_sums : ndarray of shape (n_nodes, K + 2), float64
    lower, upper : ndarray of shape (n_nodes,), float64
    n_bins_non_missing : ndarray of shape (n_features,), int32
    feature_mask, use_mask, monotonic_cst, params : as in :func:`find_splits`
    out_gain, out_bin, out_missing_left : as in :func:`find_splits`
    out_left_sums : ndarray of shape (n_nodes, n_features, K + 2), float64, written
        Sums of the left child of each (node, feature) best split.
    out_missing_count : ndarray of shape (n_nodes, n_features), float64, written
        Rows of the node with NaN in the feature.
    out_next_bin : ndarray of shape (n_nodes, n_features), int32, written
        Rank of the first value of the node above the threshold (the raw
        threshold lies between the two); ``n_bins`` for "missing or not".
    """
    n_features = order_offsets.shape[0] - 1
    for f in prange(n_features):
        _scan_block_feature(f, order, order_rank, order_offsets, nan_rows, nan_offsets,
                            row_stats, node_sums, lower, upper, n_bins_non_missing,
                            feature_mask, use_mask, monotonic_cst, params, out_gain,
                            out_bin, out_missing_left, out_left_sums, out_missing_count,
                            out_next_bin)


@serial
def _scan_block_feature(f, order, order_rank, order_offsets, nan_rows, nan_offsets,
                        row_stats, node_sums, lower, upper, n_bins_non_missing,
                        feature_mask, use_mask, monotonic_cst, params, out_gain, out_bin,
                        out_missing_left, out_left_sums, out_missing_count, out_next_bin):
    """One feature of :func:`find_splits_exact` (kept out of the parallel
    loop: numba's compile time grows with the size of a parallel body)."""
    n_nodes, C = node_sums.shape
    K = C - 2
    acc = np.zeros((n_nodes, C))
    miss = np.zeros((n_nodes, C))
    last_rank = np.full(n_nodes, -1, dtype=np.int64)
    parent_obj = np.empty(n_nodes)
    simple = np.empty(n_nodes, dtype=np.bool_)
    left = np.empty(C)
    right = np.empty(C)
    cst = monotonic_cst[f]
    for j in range(n_nodes):
        out_gain[j, f] = -np.inf
        out_bin[j, f] = 0
        out_missing_left[j, f] = 0
        simple[j] = is_fast(params, cst, lower[j], upper[j])
        parent_obj[j] = node_objective_once(node_sums[j], K, params, lower[j],
                                            upper[j])
    # unsigned positions and rows: numba wraps negative indices around (a
    # test and a select per signed index)
    for i in range(np.uint64(nan_offsets[f]), np.uint64(nan_offsets[f + 1])):
        row = np.uint64(nan_rows[i])
        j = np.int64(row_stats[row, 0])
        if j >= 0:
            for c in range(K + 1):
                miss[j, c] += row_stats[row, c + 1]
            miss[j, K + 1] += 1.0
    # no array views inside this loop: each would cost a reference count
    for i in range(np.uint64(order_offsets[f]), np.uint64(order_offsets[f + 1])):
        row = np.uint64(order[i])
        j = np.int64(row_stats[row, 0])
        if j < 0:
            continue
        r = order_rank[i]
        if last_rank[j] >= 0 and r != last_rank[j] and (not use_mask
                                                        or feature_mask[j, f] == 1):
            _consider(acc, miss, j, f, last_rank[j], r, parent_obj[j], node_sums, K,
                      cst, params, lower[j], upper[j], simple[j], left, right,
                      out_gain, out_bin, out_next_bin, out_missing_left, out_left_sums)
        for c in range(K + 1):
            acc[j, c] += row_stats[row, c + 1]
        acc[j, K + 1] += 1.0
        last_rank[j] = r
    for j in range(n_nodes):
        out_missing_count[j, f] = miss[j, K + 1]
        if miss[j, K + 1] == 0 or last_rank[j] < 0:
            continue
        if use_mask and feature_mask[j, f] == 0:
            continue
        _consider_missing_split(acc, miss, j, f, n_bins_non_missing[f], parent_obj[j],
                                node_sums, K, cst, params, lower[j], upper[j], left,
                                right, out_gain, out_bin, out_next_bin,
                                out_missing_left, out_left_sums)


@serial
def _sort_by_bin(bins, m, order, counts, missing_bin):
    """Order of ``bins[:m]`` by bin (stable): an insertion sort for a few rows,
    a counting sort when bins are few (histogram engine), else a sort (ranks
    of the exact engine)."""
    if m <= SMALL_SORT_ROWS:
        # deep trees have many tiny nodes: zeroing a count per bin would
        # cost more than sorting their few rows
        for i in range(m):
            order[i] = i
        for i in range(1, m):
            current = order[i]
            b = bins[current]
            k = i - 1
            while k >= 0 and bins[order[k]] > b:
                order[k + 1] = order[k]
                k -= 1
            order[k + 1] = current
        return
    if missing_bin < 4096:
        for b in range(missing_bin + 1):
            counts[b] = 0
        for i in range(m):
            counts[bins[i]] += 1
        total = 0
        for b in range(missing_bin + 1):
            c = counts[b]
            counts[b] = total
            total += c
        for i in range(m):
            b = bins[i]
            order[counts[b]] = i
            counts[b] += 1
    else:
        sorted_order = np.argsort(bins[:m])
        for i in range(m):
            order[i] = sorted_order[i]


@parallel
def find_splits_sorted(X_binned, sample_indices, starts, ends, g, h, node_sums, lower,
                       upper, n_bins_non_missing, missing_bin, feature_mask, use_mask,
                       monotonic_cst, params, out_gain, out_bin, out_missing_left,
                       out_left_sums, out_missing_count, out_next_bin):
    """Best split of small nodes by sorting each node's rows on the spot.

    For a node of m rows this costs O(m) (counting sort over bins) or
    O(m log m) (ranks) per feature instead of zeroing and scanning a whole
    histogram, which dominates deep trees (random forests).  The candidates
    are the histogram scan's (thresholds between present bins), so results
    are identical.  Parallel over nodes; scratch is allocated once per node.

    Parameters
    ----------
    X_binned : ndarray of shape (n_samples, n_features), uint8 or int32, F order
    sample_indices : ndarray of shape (n_samples,), int32
    starts, ends : ndarray of shape (n_nodes,), int64
    g : ndarray of shape (n_samples, K), float64
    h : ndarray of shape (n_samples,), float64
    other parameters and outputs : as in :func:`find_splits_exact`
    """
    n_nodes = node_sums.shape[0]
    for j in prange(n_nodes):
        _scan_sorted_node(j, X_binned, sample_indices, starts, ends, g, h, node_sums,
                          lower, upper, n_bins_non_missing, missing_bin, feature_mask,
                          use_mask, monotonic_cst, params, out_gain, out_bin,
                          out_missing_left, out_left_sums, out_missing_count, out_next_bin)


@serial
def _scan_sorted_node(j, X_binned, sample_indices, starts, ends, g, h, node_sums, lower,
                      upper, n_bins_non_missing, missing_bin, feature_mask, use_mask,
                      monotonic_cst, params, out_gain, out_bin, out_missing_left,
                      out_left_sums, out_missing_count, out_next_bin):
    """One node of :func:`find_splits_sorted` (a plain function keeps the
    parallel loop small, which is what numba's compile time depends on)."""
    C = node_sums.shape[1]
    K = C - 2
    n_features = X_binned.shape[1]
    counts_size = missing_bin + 1 if missing_bin < 4096 else 1
    start = starts[j]
    m = ends[j] - start
    bins = np.empty(m, dtype=np.int64)
    order = np.empty(m, dtype=np.int64)
    counts = np.empty(counts_size, dtype=np.int64)
    acc = np.zeros((1, C))
    miss = np.zeros((1, C))
    left = np.empty(C)
    right = np.empty(C)
    # the node's own rows of the inputs and outputs, at index 0, so the
    # helpers of the block scan can be shared
    sums = node_sums[j:j + 1]
    gain_row = out_gain[j:j + 1]
    bin_row = out_bin[j:j + 1]
    next_row = out_next_bin[j:j + 1]
    missing_row = out_missing_left[j:j + 1]
    left_row = out_left_sums[j:j + 1]
    lo = lower[j]
    hi = upper[j]
    parent_obj = node_objective_once(node_sums[j], K, params, lo, hi)
    for f in range(n_features):
        out_gain[j, f] = -np.inf
        out_bin[j, f] = 0
        out_missing_left[j, f] = 0
        out_missing_count[j, f] = 0.0
        if use_mask and feature_mask[j, f] == 0:
            continue
        column = X_binned[:, f]
        first = np.uint64(start)  # unsigned indices: see _scan_block_feature
        for i in range(np.uint64(m)):
            bins[i] = column[np.uint64(sample_indices[first + i])]
        _sort_by_bin(bins, m, order, counts, missing_bin)
        for c in range(C):
            acc[0, c] = 0.0
            miss[0, c] = 0.0
        n_present = m
        while n_present > 0 and bins[order[n_present - 1]] == missing_bin:
            n_present -= 1
        for i in range(n_present, m):
            row = np.uint64(sample_indices[first + np.uint64(order[i])])
            for k in range(K):
                miss[0, k] += g[row, k]
            miss[0, K] += h[row]
            miss[0, K + 1] += 1.0
        out_missing_count[j, f] = miss[0, K + 1]
        cst = monotonic_cst[f]
        simple = is_fast(params, cst, lo, hi)
        previous = -1
        for i in range(n_present):
            position = np.uint64(order[i])
            row = np.uint64(sample_indices[first + position])
            b = bins[position]
            if previous >= 0 and b != previous:
                _consider(acc, miss, 0, f, previous, b, parent_obj, sums, K, cst,
                          params, lo, hi, simple, left, right, gain_row, bin_row,
                          next_row, missing_row, left_row)
            for k in range(K):
                acc[0, k] += g[row, k]
            acc[0, K] += h[row]
            acc[0, K + 1] += 1.0
            previous = b
        if miss[0, K + 1] > 0 and previous >= 0:
            _consider_missing_split(acc, miss, 0, f, n_bins_non_missing[f], parent_obj,
                                    sums, K, cst, params, lo, hi, left, right,
                                    gain_row, bin_row, next_row, missing_row, left_row)


@serial
def select_best_exact(node_sums, gains, bins, missing_lefts, left_sums_by_feature,
                      missing_counts, best_gain, best_feature, best_bin,
                      best_missing_left, left_sums):
    """:func:`select_best_splits` for the sorted scans (left sums come from
    the scan).  ``missing_counts[j, f]`` is 0 when node ``j`` had no NaN in
    feature ``f``: unseen NaN then follow the child with more rows."""
    n_nodes = gains.shape[0]
    C = node_sums.shape[1]
    K = C - 2
    for j in range(n_nodes):
        fbest = _pick_best(gains, bins, missing_lefts, j, best_gain, best_feature, best_bin,
                           best_missing_left)
        if best_gain[j] == -np.inf:
            continue
        for c in range(C):
            left_sums[j, c] = left_sums_by_feature[j, fbest, c]
        if missing_counts[j, fbest] == 0:
            n_left = left_sums[j, K + 1]
            best_missing_left[j] = 1 if n_left >= node_sums[j, K + 1] - n_left else 0
