"""The absolute-error criterion: exact weighted-median splits.

A node's impurity is ``sum_i w_i |y_i - median_w(y)|``; it is not a function
of gradient sums, so candidates are scanned over each node's rows sorted by
bin (or rank), with Fenwick trees over the node's target ranks giving the
weighted median and both partial sums of every prefix in O(log m).
"""
import numpy as np

from ._jit import parallel, prange, serial


@serial
def _fenwick_add(tree, index, value):
    i = index + 1
    while i < tree.shape[0]:
        tree[i] += value
        i += i & (-i)


@serial
def _fenwick_sum(tree, index):
    """Sum of entries ``0..index``."""
    total = 0.0
    i = index + 1
    while i > 0:
        total += tree[i]
        i -= i & (-i)
    return total


@serial
def _fenwick_lower_bound(tree, target, log_size):
    """Smallest index whose prefix sum reaches ``target``."""
    pos = 0
    remaining = target
    step = 1 << log_size
    while step > 0:
        nxt = pos + step
        if nxt < tree.shape[0] and tree[nxt] < remaining:
            pos = nxt
            remaining -= tree[nxt]
        step >>= 1
    return pos  # 0-based index of the element reaching the target


@serial
def prefix_absolute_errors(values_by_rank, rank_of, weight_of, out):
    """``out[i]`` = weighted absolute error around the weighted median of the
    first ``i + 1`` items.

    Parameters
    ----------
    values_by_rank : ndarray of shape (m,), float64
        The items' targets sorted increasingly.
    rank_of, weight_of : ndarray of shape (m,)
        Rank (into ``values_by_rank``) and weight of the items, in insertion order.
    out : ndarray of shape (m,), float64, written
    """
    m = rank_of.shape[0]
    tree_w = np.zeros(m + 1)
    tree_s = np.zeros(m + 1)
    log_size = 0
    while (1 << (log_size + 1)) <= m:
        log_size += 1
    total_w = 0.0
    total_s = 0.0
    for i in range(m):
        r = rank_of[i]
        w = weight_of[i]
        _fenwick_add(tree_w, r, w)
        _fenwick_add(tree_s, r, w * values_by_rank[r])
        total_w += w
        total_s += w * values_by_rank[r]
        k = _fenwick_lower_bound(tree_w, 0.5 * total_w, log_size)
        if k >= m:
            k = m - 1
        median = values_by_rank[k]
        w_le = _fenwick_sum(tree_w, k)
        s_le = _fenwick_sum(tree_s, k)
        out[i] = median * w_le - s_le + (total_s - s_le) - median * (total_w - w_le)


@serial
def _node_feature(j, f, X_binned, sample_indices, starts, ends, y, w, missing_bin,
                  min_samples_leaf, min_weight, out_gain, out_bin, out_next_bin,
                  out_missing_left, out_missing_count):
    start = starts[j]
    m = ends[j] - start
    n_outputs = y.shape[1]
    rows = sample_indices[start:ends[j]]
    column = X_binned[:, f]
    bins = np.empty(m, dtype=np.int64)
    for i in range(m):
        bins[i] = column[rows[i]]
    order = np.argsort(bins, kind="mergesort")
    n_present = m
    while n_present > 0 and bins[order[n_present - 1]] == missing_bin:
        n_present -= 1
    n_missing = m - n_present
    out_missing_count[j, f] = n_missing
    # two orderings: missing rows last (go right) and first (go left)
    sequences = np.empty((2, m), dtype=np.int64)
    for i in range(m):
        sequences[0, i] = order[i]
        sequences[1, i] = order[(i + n_present) % m] if n_missing > 0 else order[i]
    weights = np.empty(m)
    total = 0.0
    for i in range(m):
        weights[i] = w[rows[i]]
        total += weights[i]
    n_orders = 2 if n_missing > 0 else 1
    errors = np.zeros((n_orders, 2, m))   # [ordering, prefix/suffix, position]
    ranks = np.empty(m, dtype=np.int64)
    inserted_rank = np.empty(m, dtype=np.int64)
    inserted_weight = np.empty(m)
    part = np.empty(m)
    for k in range(n_outputs):
        target = np.empty(m)
        for i in range(m):
            target[i] = y[rows[i], k]
        by_value = np.argsort(target, kind="mergesort")
        values_by_rank = target[by_value]
        for r in range(m):
            ranks[by_value[r]] = r
        for o in range(n_orders):
            for direction in range(2):
                for i in range(m):
                    item = sequences[o, i] if direction == 0 else sequences[o, m - 1 - i]
                    inserted_rank[i] = ranks[item]
                    inserted_weight[i] = weights[item]
                prefix_absolute_errors(values_by_rank, inserted_rank, inserted_weight, part)
                for i in range(m):
                    errors[o, direction, i] += part[i]
    parent = errors[0, 0, m - 1]
    best = -np.inf
    for o in range(n_orders):
        # ordering 0: present rows (sorted) then missing; a threshold after the
        # i-th present row leaves the missing rows on the right; ordering 1
        # puts the missing rows first, on the left
        offset = 0 if o == 0 else n_missing
        cumulative_w = 0.0
        for i in range(offset):
            cumulative_w += weights[sequences[o, i]]
        for i in range(n_present):
            item = sequences[o, offset + i]
            cumulative_w += weights[item]
            position = offset + i
            n_left = position + 1
            if n_left >= m:
                break
            b = bins[item]
            nxt = bins[sequences[o, position + 1]] if i + 1 < n_present else missing_bin
            if i + 1 < n_present and nxt == b:
                continue
            if n_left < min_samples_leaf or m - n_left < min_samples_leaf:
                continue
            if cumulative_w < min_weight or total - cumulative_w < min_weight:
                continue
            if cumulative_w <= 0.0 or total - cumulative_w <= 0.0:
                continue
            gain = parent - errors[o, 0, position] - errors[o, 1, m - 2 - position]
            if gain > best and gain > 1e-10 * abs(parent):
                best = gain
                out_gain[j, f] = gain
                out_bin[j, f] = b
                out_next_bin[j, f] = nxt
                out_missing_left[j, f] = o


@parallel
def find_splits_absolute(X_binned, sample_indices, starts, ends, y, w, n_bins_non_missing,
                         missing_bin, feature_mask, use_mask, min_samples_leaf, min_weight,
                         out_gain, out_bin, out_next_bin, out_missing_left,
                         out_missing_count):
    """Best absolute-error split of every (node, feature).

    Parameters
    ----------
    X_binned : ndarray of shape (n_samples, n_features), uint8 or int32, F order
    sample_indices : ndarray of shape (n_samples,), int32
    starts, ends : ndarray of shape (n_nodes,), int64
    y : ndarray of shape (n_samples, n_outputs), float64
    w : ndarray of shape (n_samples,), float64
    n_bins_non_missing : ndarray of shape (n_features,), int32
    missing_bin : int
    feature_mask, use_mask : features drawn per node
    min_samples_leaf, min_weight : float
    out_gain, out_bin, out_next_bin, out_missing_left, out_missing_count :
        ndarray of shape (n_nodes, n_features), written; the split "missing
        or not" has ``out_bin = n_bins - 1`` and ``out_next_bin = n_bins``.
    """
    n_nodes = starts.shape[0]
    n_features = X_binned.shape[1]
    for job in prange(n_nodes * n_features):
        f = job // n_nodes
        j = job - f * n_nodes
        out_gain[j, f] = -np.inf
        out_bin[j, f] = 0
        out_next_bin[j, f] = 0
        out_missing_left[j, f] = 0
        out_missing_count[j, f] = 0.0
        if use_mask and feature_mask[j, f] == 0:
            continue
        _node_feature(j, f, X_binned, sample_indices, starts, ends, y, w, missing_bin,
                      min_samples_leaf, min_weight, out_gain, out_bin, out_next_bin,
                      out_missing_left, out_missing_count)
        if out_next_bin[j, f] == missing_bin and out_gain[j, f] > -np.inf:
            out_bin[j, f] = n_bins_non_missing[f] - 1
            out_next_bin[j, f] = n_bins_non_missing[f]
