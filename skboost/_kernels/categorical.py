"""Splits of categorical features: a subset of categories goes left.

A categorical feature's bins are its category codes (``0 .. n_bins - 1``).
For one node and one feature the per-category sums are searched in one of
two ways (both as LightGBM and scikit-learn's HistGradientBoosting do):

* one-vs-rest, when the node holds fewer than ``max_onehot`` categories
  (xgboost's ``max_cat_to_onehot``) or the statistics have more than two
  channels: each category alone against the others;
* otherwise the categories are sorted by ``G_0 / (H + l2)`` (the leaf value
  they would get alone, up to sign; with two channels -- two classes -- the
  share of the first class) and every prefix of that order is a candidate.
  This finds the best subset for one-channel Newton gains without L2 and
  for two-class Gini and entropy (Fisher 1958, Breiman et al. 1984) without
  trying all ``2^n`` subsets.

Missing values are tried on both sides, as for numeric features.  The
chosen subset is a bitset of ``BITSET_WORDS`` uint32 words (256 codes).
"""
import numpy as np

from ._jit import parallel, prange, serial
from .criterion import P_L2, node_objective_once
from .split import _candidate_gain

BITSET_WORDS = 8


@serial
def in_bitset(bitset, code):
    """Whether category ``code`` (0..255) is in the bitset (a row of uint32 words)."""
    return (bitset[code >> 5] >> np.uint32(code & 31)) & np.uint32(1) == np.uint32(1)


@serial
def _present_order(stats, nb, K, sort_by_value, params):
    """Codes with rows in the node; sorted by ``G / (H + l2)`` when asked."""
    present = np.empty(nb, dtype=np.int64)
    n = 0
    for b in range(nb):
        if stats[b, K + 1] > 0.0:
            present[n] = b
            n += 1
    present = present[:n]
    if sort_by_value and n > 1:
        key = np.empty(n)
        for i in range(n):
            b = present[i]
            key[i] = stats[b, 0] / (stats[b, K] + params[P_L2] + 1e-300)
        present = present[np.argsort(key, kind="mergesort")]
    return present


@serial
def best_category_subset(stats, nb, missing_row, parent, K, params, lower, upper,
                         max_onehot, bitset):
    """Best subset split of one node on one categorical feature.

    Parameters
    ----------
    stats : ndarray of shape (n_rows_of_stats, K + 2), float64
        Sums per category code ``0 .. nb - 1``; missing values in row
        ``missing_row``.
    nb : int
        Category codes of the feature.
    parent : ndarray of shape (K + 2,), float64
    K : int
    params : ndarray, the split parameters
    lower, upper : float
    max_onehot : int
    bitset : ndarray of shape (BITSET_WORDS,), uint32, written
        Categories sent left.

    Returns
    -------
    gain : float
        ``-inf`` when no valid split exists.
    missing_left : int
        Where missing values (and unseen categories) go; when the node has
        none, the side with more rows.
    """
    C = K + 2
    for w in range(BITSET_WORDS):
        bitset[w] = 0
    has_missing = stats[missing_row, K + 1] > 0.0
    sorted_mode = False
    present = _present_order(stats, nb, K, False, params)
    if K <= 2 and present.shape[0] >= max_onehot:
        sorted_mode = True
        present = _present_order(stats, nb, K, True, params)
    n = present.shape[0]
    parent_obj = node_objective_once(parent, K, params, lower, upper)
    left = np.empty(C)
    right = np.empty(C)
    best = -np.inf
    best_i = -1
    best_missing = 0
    for missing_left in range(2 if has_missing else 1):
        for c in range(C):
            left[c] = stats[missing_row, c] if missing_left == 1 else 0.0
        for i in range(n):
            if sorted_mode:
                if i == n - 1 and (missing_left == 1 or not has_missing):
                    break  # every row on the left
                for c in range(C):
                    left[c] += stats[present[i], c]
                    right[c] = parent[c] - left[c]
            else:
                for c in range(C):
                    one = stats[present[i], c]
                    left[c] = one + (stats[missing_row, c] if missing_left == 1 else 0.0)
                    right[c] = parent[c] - left[c]
            gain = _candidate_gain(left, right, parent_obj, K, 0, params, lower, upper)
            if gain > best:
                best = gain
                best_i = i
                best_missing = missing_left
    if best_i < 0:
        return -np.inf, 0
    first = 0 if sorted_mode else best_i
    n_left_rows = stats[missing_row, K + 1] if best_missing == 1 else 0.0
    for i in range(first, best_i + 1):
        code = present[i]
        bitset[code >> 5] |= np.uint32(1) << np.uint32(code & 31)
        n_left_rows += stats[code, K + 1]
    if not has_missing:
        best_missing = 1 if n_left_rows >= parent[K + 1] - n_left_rows else 0
    return best, best_missing


@serial
def _no_split(out_gain, out_missing_left, out_bitset, j, i, f):
    """Outputs of a (node, feature) pair that is not searched (not drawn)."""
    out_gain[j, f] = -np.inf
    out_missing_left[j, f] = 0
    for w in range(BITSET_WORDS):
        out_bitset[j, i, w] = 0


@parallel
def find_categorical_splits(hist, slots, node_sums, lower, upper, cat_features,
                            n_bins_non_missing, missing_bin, feature_mask, use_mask, params,
                            max_onehot, out_gain, out_missing_left, out_bitset):
    """Best subset split of every (node, categorical feature) pair from histograms.

    Parameters
    ----------
    hist, slots, node_sums, lower, upper, n_bins_non_missing, missing_bin,
    feature_mask, use_mask, params :
        As :func:`skboost._kernels.split.find_splits`.
    cat_features : ndarray of shape (n_cat,), int32
        The categorical features.
    max_onehot : int
    out_gain : ndarray of shape (n_nodes, n_features), float64
        Columns ``cat_features`` written (``-inf``: no split).
    out_missing_left : ndarray of shape (n_nodes, n_features), uint8
        Columns ``cat_features`` written.
    out_bitset : ndarray of shape (n_nodes, n_cat, BITSET_WORDS), uint32, written
    """
    n_nodes = slots.shape[0]
    n_cat = cat_features.shape[0]
    K = hist.shape[3] - 2
    for job in prange(n_nodes * n_cat):
        j = job // n_cat
        i = job - j * n_cat
        f = cat_features[i]
        if use_mask and feature_mask[j, f] == 0:
            _no_split(out_gain, out_missing_left, out_bitset, j, i, f)
            continue
        gain, missing_left = best_category_subset(
            hist[slots[j], f], n_bins_non_missing[f], missing_bin, node_sums[j], K, params,
            lower[j], upper[j], max_onehot, out_bitset[j, i])
        out_gain[j, f] = gain
        out_missing_left[j, f] = missing_left


@parallel
def find_categorical_splits_rows(X_binned, sample_indices, starts, ends, g, h, node_sums,
                                 lower, upper, cat_features, n_bins_non_missing,
                                 missing_bin, feature_mask, use_mask, params, max_onehot,
                                 out_gain, out_missing_left, out_bitset):
    """:func:`find_categorical_splits` summing each node's rows directly (small
    nodes, and the exact engine, whose codes are ranks among present values).

    Parameters
    ----------
    X_binned : ndarray of shape (n_samples, n_features), uint8 or int32, F order
    sample_indices : ndarray of shape (n_samples,), int32
    starts, ends : ndarray of shape (n_nodes,), int64
    g : ndarray of shape (n_samples, K), float64
    h : ndarray of shape (n_samples,), float64
    other parameters :
        As :func:`find_categorical_splits`.
    """
    n_nodes = starts.shape[0]
    n_cat = cat_features.shape[0]
    K = g.shape[1]
    C = K + 2
    for job in prange(n_nodes * n_cat):
        j = job // n_cat
        i = job - j * n_cat
        f = cat_features[i]
        if use_mask and feature_mask[j, f] == 0:
            _no_split(out_gain, out_missing_left, out_bitset, j, i, f)
            continue
        nb = n_bins_non_missing[f]
        stats = np.zeros((nb + 1, C))  # row nb: missing values
        column = X_binned[:, f]
        for pos in range(starts[j], ends[j]):
            row = sample_indices[pos]
            b = column[row]
            r = nb if b == missing_bin else b
            for k in range(K):
                stats[r, k] += g[row, k]
            stats[r, K] += h[row]
            stats[r, K + 1] += 1.0
        gain, missing_left = best_category_subset(
            stats, nb, nb, node_sums[j], K, params, lower[j], upper[j], max_onehot,
            out_bitset[j, i])
        out_gain[j, f] = gain
        out_missing_left[j, f] = missing_left


@parallel
def categorical_left_sums(hist, slots, features, bitsets, missing_lefts, n_bins_non_missing,
                          missing_bin, out):
    """Sums of the left children of categorical splits, from histograms.

    Parameters
    ----------
    hist, slots : as :func:`find_categorical_splits`
    features : ndarray of shape (n_nodes,), int32
    bitsets : ndarray of shape (n_nodes, BITSET_WORDS), uint32
    missing_lefts : ndarray of shape (n_nodes,), uint8
    n_bins_non_missing : ndarray of shape (n_features,), int32
    missing_bin : int
    out : ndarray of shape (n_nodes, K + 2), float64, written
    """
    C = hist.shape[3]
    for j in prange(slots.shape[0]):
        hf = hist[slots[j], features[j]]
        for c in range(C):
            out[j, c] = hf[missing_bin, c] if missing_lefts[j] == 1 else 0.0
        for b in range(n_bins_non_missing[features[j]]):
            if in_bitset(bitsets[j], b):
                for c in range(C):
                    out[j, c] += hf[b, c]


@parallel
def categorical_left_sums_rows(X_binned, sample_indices, starts, ends, g, h, features,
                               bitsets, missing_lefts, missing_bin, out):
    """:func:`categorical_left_sums` from each node's rows."""
    K = g.shape[1]
    C = K + 2
    for j in prange(starts.shape[0]):
        for c in range(C):
            out[j, c] = 0.0
        column = X_binned[:, features[j]]
        for pos in range(starts[j], ends[j]):
            row = sample_indices[pos]
            b = column[row]
            if b == missing_bin:
                left = missing_lefts[j] == 1
            else:
                left = in_bitset(bitsets[j], b)
            if left:
                for k in range(K):
                    out[j, k] += g[row, k]
                out[j, K] += h[row]
                out[j, K + 1] += 1.0
