"""One traversal kernel for a whole ensemble of flat trees.

Trees are stored as concatenated node arrays: ``left[node] == -1`` marks a
leaf; children indices are global (into the concatenated arrays).  A row goes
left when ``x <= threshold`` (binned: ``bin <= threshold_bin``); NaN (the
missing bin) follows ``missing_left``.  At a categorical node (``categorical``
is 1) ``x`` is a category code and the row goes left when the code is in the
node's bitset; codes outside 0..255 follow ``missing_left`` like NaN.
"""
import numpy as np

from ._jit import inline, parallel, prange, serial
from .categorical import in_bitset
from .histogram import _chunk_ranges

ROW_BLOCK = 128


@inline
def goes_left(X, i, node, feature, threshold, missing_left, categorical, cat_bitset):
    """Whether row ``i`` of raw ``X`` goes left at ``node``: the decision rule of
    every traversal (SHAP values call it; the prediction loop writes it out,
    which measured 2.7x faster than inlining this call there)."""
    x = X[i, feature[node]]
    if np.isnan(x):
        return missing_left[node] == 1
    if categorical[node] == 1:
        return _category_left(x, cat_bitset, node, missing_left[node])
    return x <= threshold[node]


@serial
def _leaf_raw(X, i, node, feature, threshold, missing_left, categorical, cat_bitset, left,
              right):
    # the rule of goes_left, written out: a call per node costs more than it
    # does; unsigned node, row and feature indices: numba wraps negative
    # indices around (a test and a select per signed index)
    node = np.uint64(node)
    row = np.uint64(i)
    while left[node] != -1:
        x = X[row, np.uint64(feature[node])]
        if np.isnan(x):
            go_left = missing_left[node] == 1
        elif categorical[node] == 1:
            go_left = _category_left(x, cat_bitset, node, missing_left[node])
        else:
            go_left = x <= threshold[node]
        node = np.uint64(left[node] if go_left else right[node])
    return np.int64(node)


@serial
def _category_left(x, cat_bitset, node, missing_left):
    """The side of category code ``x`` at a categorical ``node``."""
    if x >= 0.0 and x < 256.0:
        code = int(x)
        return (cat_bitset[node, code >> 5] >> np.uint32(code & 31)) & np.uint32(1) == 1
    return missing_left == 1


@serial
def _leaf_binned(X_binned, i, node, feature, threshold_bin, missing_left, categorical,
                 cat_bitset, left, right, missing_bin):
    node = np.uint64(node)  # unsigned indices: see _leaf_raw
    row = np.uint64(i)
    while left[node] != -1:
        b = X_binned[row, np.uint64(feature[node])]
        if b == missing_bin:
            go_left = missing_left[node] == 1
        elif categorical[node] == 1:  # categorical bins are the category codes
            go_left = in_bitset(cat_bitset[node], b)
        else:
            go_left = b <= threshold_bin[node]
        node = np.uint64(left[node] if go_left else right[node])
    return np.int64(node)


@parallel
def predict_raw(X, feature, threshold, missing_left, categorical, cat_bitset, left, right,
                values, tree_roots, tree_columns, first_tree, stop_tree, row_block, out):
    """Add the leaf values of trees ``first_tree .. stop_tree - 1`` to ``out``.

    Rows are taken ``row_block`` at a time, each block through every tree
    in turn: a block should be large enough that a tree's nodes, loaded
    into cache, serve many rows (deep trees), and small enough to keep the
    threads busy.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), float64, C order
    feature : ndarray of shape (n_nodes,), int32
    threshold : ndarray of shape (n_nodes,), float64
    missing_left : ndarray of shape (n_nodes,), uint8
    categorical : ndarray of shape (n_nodes,), uint8
    cat_bitset : ndarray of shape (n_nodes, BITSET_WORDS), uint32
        Read at categorical nodes only (one row will do without any).
    left, right : ndarray of shape (n_nodes,), int32
    values : ndarray of shape (n_nodes, V), float64
    tree_roots : ndarray of shape (n_trees,), int32
    tree_columns : ndarray of shape (n_trees,), int32
        Tree ``t`` adds ``values[leaf, v]`` to ``out[:, tree_columns[t] + v]``.
    first_tree, stop_tree : int
    row_block : int
    out : ndarray of shape (n_samples, n_outputs), float64, updated in place
    """
    n_samples = X.shape[0]
    V = values.shape[1]
    n_blocks = (n_samples + row_block - 1) // row_block
    for blk in prange(n_blocks):
        stop_row = min(n_samples, (blk + 1) * row_block)
        for t in range(first_tree, stop_tree):
            column = tree_columns[t]
            root = tree_roots[t]
            for i in range(np.uint64(blk * row_block), np.uint64(stop_row)):
                leaf = np.uint64(_leaf_raw(X, i, root, feature, threshold, missing_left,
                                           categorical, cat_bitset, left, right))
                for v in range(V):
                    out[i, column + v] += values[leaf, v]


@parallel
def predict_binned(X_binned, feature, threshold_bin, missing_left, categorical, cat_bitset,
                   left, right, values, tree_roots, tree_columns, first_tree, stop_tree,
                   missing_bin, out):
    """:func:`predict_raw` for binned data (training rows, validation sets)."""
    n_samples = X_binned.shape[0]
    V = values.shape[1]
    n_blocks = (n_samples + ROW_BLOCK - 1) // ROW_BLOCK
    for blk in prange(n_blocks):
        stop_row = min(n_samples, (blk + 1) * ROW_BLOCK)
        for t in range(first_tree, stop_tree):
            column = tree_columns[t]
            for i in range(np.uint64(blk * ROW_BLOCK), np.uint64(stop_row)):
                leaf = np.uint64(_leaf_binned(X_binned, i, tree_roots[t], feature,
                                              threshold_bin, missing_left, categorical,
                                              cat_bitset, left, right, missing_bin))
                for v in range(V):
                    out[i, column + v] += values[leaf, v]


@parallel
def apply_raw(X, feature, threshold, missing_left, categorical, cat_bitset, left, right,
              tree_roots, out):
    """Leaf reached by every row in every tree (global node indices).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), float64, C order
    feature .. right : as in :func:`predict_raw`
    tree_roots : ndarray of shape (n_trees,), int32
    out : ndarray of shape (n_samples, n_trees), int32, written
    """
    n_samples = X.shape[0]
    n_trees = tree_roots.shape[0]
    for i in prange(n_samples):
        for t in range(n_trees):
            out[i, t] = _leaf_raw(X, i, tree_roots[t], feature, threshold, missing_left,
                                  categorical, cat_bitset, left, right)


@parallel
def add_leaf_values(sample_indices, leaf_starts, leaf_ends, leaf_values, out, column):
    """``out[row, column] += leaf_values[j]`` for the training rows of leaf ``j``.

    The rows of a grown tree's leaves are known from the partition: updating
    the training predictions this way skips the traversal of every row.

    Parameters
    ----------
    sample_indices : ndarray of shape (n_samples,), int32
    leaf_starts, leaf_ends : ndarray of shape (n_leaves,), int64
    leaf_values : ndarray of shape (n_leaves,), float64
    out : ndarray of shape (n_samples, n_outputs), float64, updated
    column : int
    """
    # fixed chunks of rows: leaves differ in size by orders of magnitude
    chunk_leaf, chunk_start, chunk_end = _chunk_ranges(leaf_starts, leaf_ends, 16384)
    for c in prange(chunk_leaf.shape[0]):
        value = leaf_values[chunk_leaf[c]]
        # unsigned positions and rows: numba wraps negative indices around
        for pos in range(np.uint64(chunk_start[c]), np.uint64(chunk_end[c])):
            out[np.uint64(sample_indices[pos]), column] += value
