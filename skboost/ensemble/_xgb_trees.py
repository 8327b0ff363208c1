"""Tree post-processing of the XGB family: what xgboost does after growing a
tree (level truncation to ``max_leaves``, where exact splits place "present
vs missing" thresholds) and its handling of zero-weight rows."""
import numpy as np
from scipy import sparse

from .._tree import LEAF, _alive, compact_tree

def truncate_levels(grown, max_leaves):
    """xgboost's depthwise growth with ``max_leaves``: nodes are split level by
    level in node order until the tree has ``max_leaves`` leaves.

    A node's split does not depend on its neighbours, so the full depthwise
    tree cut in that order is the tree xgboost grows.
    """
    tree = grown.tree
    is_leaf = np.ones(tree.node_count, dtype=bool)
    level, n_leaves = [0], 1
    while level and n_leaves < max_leaves:
        children = []
        for node in level:
            if tree.left[node] == LEAF or n_leaves >= max_leaves:
                continue
            is_leaf[node] = False
            n_leaves += 1
            children += [tree.left[node], tree.right[node]]
        level = children
    if np.array_equal(is_leaf, tree.left == LEAF):
        return
    grown.tree, grown.node_starts, grown.node_ends = compact_tree(
        tree, _alive(tree, is_leaf), grown.node_starts, grown.node_ends)


def missing_split_thresholds(grown, X):
    """Thresholds of "present vs missing" exact splits placed as xgboost places
    them: just above the node's largest present value ``v``, at
    ``v + (|v| + 1e-6)`` in float32, instead of at infinity, so that new
    larger values follow the missing side as in xgboost."""
    tree = grown.tree
    nodes = np.flatnonzero((tree.left != LEAF) & np.isinf(tree.threshold))
    for node in nodes:
        rows = grown.sample_indices[grown.node_starts[node]:grown.node_ends[node]]
        present = column_values(X, tree.feature[node], rows)
        present = present[~np.isnan(present)]
        if present.size == 0:
            continue
        v = np.float32(present.max())
        split = v + (np.abs(v) + np.float32(1e-6))
        # xgboost sends x < split left; skboost sends x <= threshold left
        tree.threshold[node] = np.nextafter(np.float64(split), -np.inf)


def drop_zero_weight(X, y, w, base_margin):
    """Rows of zero weight cannot change a sum or a quantile; dropping them
    before binning keeps their values out of the bin thresholds, so that
    weights stay equivalent to repeating or removing rows."""
    keep = w > 0
    if keep.all():
        return X, y, w, base_margin
    return (X[keep], y[keep], w[keep],
            None if base_margin is None else base_margin[keep])


def column_values(X, f, rows=None):
    """Values of feature ``f`` (at ``rows``) of a dense or sparse ``X``."""
    if sparse.issparse(X):
        column = X[:, [f]] if rows is None else X[rows][:, [f]]
        return np.asarray(column.toarray()).ravel()
    return X[:, f] if rows is None else X[rows, f]


def column_is_nan(X, f):
    return np.isnan(column_values(X, f))
