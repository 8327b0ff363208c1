"""Exact path-dependent TreeSHAP (Lundberg et al. 2018, Algorithm 2).

The trees are the concatenated flat node arrays of
:func:`skboost._tree.pack_trees` (global child indices, ``-1`` on leaves).
Instead of the cover ``r`` of every node, the kernels take ``fraction``:
``fraction[child] = r_child / (r_left + r_right)`` of its parent, computed
once in Python (where a parent without weight is also given a fallback), so
the inner loops never divide by a cover.

The recursion of the paper is run with an explicit stack.  The path of
unique features seen so far is kept per depth level in the rows of four
scratch matrices (``path_feature``, ``path_zero``, ``path_one``,
``path_weight``): a node at depth ``k`` copies the path of level ``k - 1``
(already unwound by its parent when the parent's feature repeats) into row
``k`` and extends it.  A level is only overwritten once the subtree that
needs it is finished, because the stack runs depth first.

Path element fields (paper's notation): ``d`` the feature, ``z`` the
fraction of "feature missing" paths that flow here (cover ratios), ``o``
whether the row itself flows here (always exactly 1 or 0 in the
path-dependent algorithm, which the leaf step exploits), ``w`` the
subset-size weights.  Element 0 is the paper's dummy root element
(feature -1).

Leaf tables (a second exact scheme, used per tree when it pays off): a
leaf's contribution depends on the row only through *which* unique
features of its path the row agrees with (``o``); ``z`` and the path are
fixed.  With ``u`` unique features there are ``2**u`` patterns, so the
shares of every pattern are computed once (:func:`tabulate_paths`) and a
row then costs O(u) per leaf instead of the recursion's O(u**2), plus a walk
that only tracks the pattern bits (the precomputation idea of Yang's
"Fast TreeSHAP" v2).  Python decides which trees get tables
(``skboost._shap``: depth, row count, memory budget).
"""
import numpy as np

from ._jit import inline, parallel, prange, serial
from .predict import goes_left

ROW_BLOCK = 64


@serial
def _coefficients(size):
    """Ratios of path lengths used by EXTEND/UNWIND, tabulated once per row
    block so the inner loops multiply instead of divide.

    Returns
    -------
    ndarray of shape (4, size + 1, size), float64
        For a path of ``n`` elements and position ``j``:
        ``[0, n, j] = n / (j + 1)``, ``[1, n, j] = (n - 1 - j) / n``,
        ``[2, n, j] = n / (n - 1 - j)`` (0 where undefined) and
        ``[3, n, j] = 1 / (n + 1)``.
    """
    coef = np.zeros((4, size + 1, size))
    for n in range(1, size + 1):
        for j in range(size):
            coef[0, n, j] = n / (j + 1.0)
            coef[1, n, j] = (n - 1.0 - j) / n
            if n - 1 - j > 0:
                coef[2, n, j] = n / (n - 1.0 - j)
            coef[3, n, j] = 1.0 / (n + 1.0)
    return coef


@inline
def _extend(path_feature, path_zero, path_one, path_weight, level, length, zero, one,
            feature, coef):
    """EXTEND: row ``level`` becomes the path of row ``level - 1`` (``length``
    elements) with (feature, zero, one) appended.  Returns the new length.

    ``path_weight[level, j]`` is the weight of the subsets of size ``j`` of
    the path's features: the parent's weights shifted (the new feature in
    the subset, factor ``one * j``) plus kept (not in it, ``zero * (n - j)``),
    over ``n + 1``.  Copy and update are one pass.
    """
    parent = level - 1
    inverse = coef[3, length, 0]
    for j in range(length):
        path_feature[level, j] = path_feature[parent, j]
        path_zero[level, j] = path_zero[parent, j]
        path_one[level, j] = path_one[parent, j]
    path_feature[level, length] = feature
    path_zero[level, length] = zero
    path_one[level, length] = one
    kept = zero * inverse
    shifted = one * inverse
    path_weight[level, 0] = kept * length * path_weight[parent, 0]
    for j in range(1, length):
        path_weight[level, j] = (kept * (length - j) * path_weight[parent, j]
                                 + shifted * j * path_weight[parent, j - 1])
    path_weight[level, length] = shifted * length * path_weight[parent, length - 1]
    return length + 1


@inline
def _unwind(path_feature, path_zero, path_one, path_weight, level, length, index, coef):
    """UNWIND: remove element ``index`` from the path in row ``level``
    (inverse of :func:`_extend`).  Returns the new length."""
    one = path_one[level, index]
    zero = path_zero[level, index]
    if one != 0.0:
        carry = path_weight[level, length - 1]
        for j in range(length - 2, -1, -1):
            previous = path_weight[level, j]
            path_weight[level, j] = carry * coef[0, length, j]
            carry = previous - path_weight[level, j] * zero * coef[1, length, j]
    else:
        for j in range(length - 2, -1, -1):
            path_weight[level, j] = path_weight[level, j] * coef[2, length, j] / zero
    for j in range(index, length - 1):
        path_feature[level, j] = path_feature[level, j + 1]
        path_zero[level, j] = path_zero[level, j + 1]
        path_one[level, j] = path_one[level, j + 1]
    return length - 1


@inline
def _leaf_contributions(path_feature, path_zero, path_one, path_weight, level, length,
                        values, leaf, scale, out, row, column, coef, hot_zero, carry,
                        total):
    """Add a leaf's share to the features of its path (the dummy element 0 excluded).

    A feature's share is ``(o - z) * sum(unwound weights) * value``.  For an
    element the row does not reach (``o = 0``) the unwound sum is
    ``sum_j w_j n / (n - 1 - j) / z``, so its share is the same
    ``-sum_j w_j n / (n - 1 - j)`` for all of them: computed once.  Elements
    with ``o = 1`` need one recurrence each; they run side by side (scratch
    ``hot_zero``, ``carry``, ``total``), so the loop-carried dependency of
    one does not stall the others.
    """
    cold_share = 0.0
    for j in range(length - 1):
        cold_share -= path_weight[level, j] * coef[2, length, j]
    n_hot = 0
    for index in range(1, length):
        if path_one[level, index] != 0.0:
            hot_zero[n_hot] = path_zero[level, index]
            carry[n_hot] = path_weight[level, length - 1]
            total[n_hot] = 0.0
            n_hot += 1
    for j in range(length - 2, -1, -1):
        a = coef[0, length, j]
        b = coef[1, length, j]
        w = path_weight[level, j]
        for m in range(n_hot):
            step = carry[m] * a
            total[m] += step
            carry[m] = w - step * hot_zero[m] * b
    n_values = values.shape[1]
    m = 0
    for index in range(1, length):
        if path_one[level, index] != 0.0:
            share = total[m] * (1.0 - hot_zero[m])
            m += 1
        else:
            share = cold_share
        share *= scale
        f = path_feature[level, index]
        for v in range(n_values):
            out[row, f, column + v] += share * values[leaf, v]


@inline
def _explain_tree(X, row, root, scale, column, feature, threshold, missing_left,
                  categorical, cat_bitset, left, right, values, fraction, path_feature,
                  path_zero, path_one, path_weight, path_length, stack, stack_fraction,
                  leaf_scratch, coef, out):
    """Add ``scale`` times the SHAP values of one tree for one row to ``out``.

    ``stack[:, top]`` holds (node, level, split feature) of a pending node and
    ``stack_fraction[:, top]`` its (z, o): the arguments of RECURSE.
    """
    top = 0
    stack[0, 0], stack[1, 0], stack[2, 0] = root, 0, -1
    stack_fraction[0, 0], stack_fraction[1, 0] = 1.0, 1.0
    while top >= 0:
        node, level, split_feature = stack[0, top], stack[1, top], stack[2, top]
        zero, one = stack_fraction[0, top], stack_fraction[1, top]
        top -= 1
        if level == 0:  # the dummy element that starts every path
            path_feature[0, 0] = -1
            path_zero[0, 0] = 1.0
            path_one[0, 0] = 1.0
            path_weight[0, 0] = 1.0
            length = 1
        else:
            length = _extend(path_feature, path_zero, path_one, path_weight, level,
                             path_length[level - 1], zero, one, split_feature, coef)
        if left[node] == -1:
            _leaf_contributions(path_feature, path_zero, path_one, path_weight, level,
                                length, values, node, scale, out, row, column, coef,
                                leaf_scratch[0], leaf_scratch[1], leaf_scratch[2])
            continue
        f = feature[node]
        go_left = goes_left(X, row, node, feature, threshold, missing_left, categorical,
                             cat_bitset)
        hot_child = left[node] if go_left else right[node]
        cold_child = right[node] if go_left else left[node]
        incoming_zero = 1.0
        incoming_one = 1.0
        for k in range(1, length):  # a feature met before is merged, not repeated
            if path_feature[level, k] == f:
                incoming_zero = path_zero[level, k]
                incoming_one = path_one[level, k]
                length = _unwind(path_feature, path_zero, path_one, path_weight, level,
                                 length, k, coef)
                break
        path_length[level] = length
        # A child reached neither by the row nor by the cover (z = o = 0) has
        # all path weights zero: its whole subtree adds nothing.
        cold_zero = incoming_zero * fraction[cold_child]
        if cold_zero != 0.0:
            top += 1
            stack[0, top], stack[1, top], stack[2, top] = cold_child, level + 1, f
            stack_fraction[0, top], stack_fraction[1, top] = cold_zero, 0.0
        hot_zero = incoming_zero * fraction[hot_child]
        if hot_zero != 0.0 or incoming_one != 0.0:
            top += 1
            stack[0, top], stack[1, top], stack[2, top] = hot_child, level + 1, f
            stack_fraction[0, top], stack_fraction[1, top] = hot_zero, incoming_one


@inline
def _explain_tree_tabulated(X, row, root, scale, column, feature, threshold,
                            missing_left, categorical, cat_bitset, left, right, values,
                            node_code, leaf_info, leaf_features, table, stack, out):
    """:func:`_explain_tree` for a tree with leaf tables (see :func:`tabulate_paths`).

    The walk only tracks, per path, which unique features the row agrees
    with (bit ``i``: the row follows every split on the ``i``-th feature of
    the path); each leaf then adds its tabulated shares for that pattern.
    ``stack[:, top]`` holds (node, pattern) of a pending node.
    """
    top = 0
    stack[0, 0], stack[1, 0] = root, 0
    n_values = values.shape[1]
    while top >= 0:
        node, pattern = stack[0, top], stack[1, top]
        top -= 1
        if left[node] == -1:
            width = node_code[node]
            base = leaf_info[node, 0] + pattern * width
            first = leaf_info[node, 1]
            for i in range(width):
                share = table[base + i] * scale
                f = leaf_features[first + i]
                for v in range(n_values):
                    out[row, f, column + v] += share * values[node, v]
            continue
        go_left = goes_left(X, row, node, feature, threshold, missing_left, categorical,
                             cat_bitset)
        code = node_code[node]
        bit = np.int64(1) << (code >> 1)
        if code & 1:  # a feature new on the path starts as agreed
            pattern |= bit
        disagree = pattern & ~bit
        top += 1
        stack[0, top], stack[1, top] = right[node], disagree if go_left else pattern
        top += 1
        stack[0, top], stack[1, top] = left[node], pattern if go_left else disagree


@inline
def _tabulate_leaf(path_zero, level, width, coef, weight, table, start):
    """Shares of a leaf's ``width`` unique path features for every pattern.

    ``table[start + pattern * width + i]`` is what Algorithm 2 adds (before
    the leaf value) to the ``i``-th feature when the row agrees exactly with
    the features whose bits are set in ``pattern`` (o = 1) and ``z`` are the
    features' cover shares ``path_zero[level, :width]``.  The path weights do
    not depend on the order of the elements, so one EXTEND per feature gives
    the same polynomial as the recursion's extend-and-unwind.
    """
    n = width + 1  # with the dummy element
    for pattern in range(1 << width):
        base = start + pattern * width
        weight[0] = 1.0
        dead = False
        for i in range(width):
            zero = path_zero[level, i]
            one = float((pattern >> i) & 1)
            dead = dead or (one == 0.0 and zero == 0.0)
            inverse = coef[3, i + 1, 0]
            weight[i + 1] = 0.0
            for j in range(i, -1, -1):
                w = weight[j] * inverse
                weight[j + 1] += one * w * (j + 1)
                weight[j] = zero * w * (i + 1 - j)
        if dead:  # neither the row nor the cover reaches the leaf
            for i in range(width):
                table[base + i] = 0.0
            continue
        cold_share = 0.0
        for j in range(n - 1):
            cold_share -= weight[j] * coef[2, n, j]
        for i in range(width):
            if (pattern >> i) & 1 == 0:
                table[base + i] = cold_share
                continue
            zero = path_zero[level, i]
            carry = weight[n - 1]
            total = 0.0
            for j in range(n - 2, -1, -1):
                step = carry * coef[0, n, j]
                total += step
                carry = weight[j] - step * zero * coef[1, n, j]
            table[base + i] = total * (1.0 - zero)


@serial
def _walk_paths(root, left, right, feature, fraction, max_depth, fill, node_code,
                leaf_info, leaf_features, table):
    """Depth-first walk of one tree keeping each path's unique features and
    their cover shares.

    ``fill=False``: writes ``node_code`` (see :func:`tabulate_paths`).
    ``fill=True``: writes the leaves' feature lists and tables at the
    offsets ``leaf_info[:, 1]`` / ``[:, 0]``.
    """
    size = max_depth + 2
    path_feature = np.empty((size, size), dtype=np.int64)
    path_zero = np.empty((size, size))
    path_length = np.zeros(size, dtype=np.int64)
    stack = np.empty((3, size), dtype=np.int64)  # node, level, parent's feature
    stack_fraction = np.empty(size)
    weight = np.empty(size + 1)
    coef = _coefficients(size)
    top = 0
    stack[0, 0], stack[1, 0], stack[2, 0] = root, 0, -1
    while top >= 0:
        node, level, parent_feature = stack[0, top], stack[1, top], stack[2, top]
        share = stack_fraction[top]
        top -= 1
        length = 0
        if level > 0:
            length = path_length[level - 1]
            position = length
            for j in range(length):
                path_feature[level, j] = path_feature[level - 1, j]
                path_zero[level, j] = path_zero[level - 1, j]
                if path_feature[level, j] == parent_feature:
                    position = j
            if position == length:
                path_feature[level, length] = parent_feature
                path_zero[level, length] = share
                length += 1
            else:
                path_zero[level, position] *= share
        path_length[level] = length
        if left[node] == -1:
            if fill:
                first = leaf_info[node, 1]
                for i in range(length):
                    leaf_features[first + i] = path_feature[level, i]
                _tabulate_leaf(path_zero, level, length, coef, weight, table,
                               leaf_info[node, 0])
            else:
                node_code[node] = length
            continue
        f = feature[node]
        if not fill:
            position = length
            for j in range(length):
                if path_feature[level, j] == f:
                    position = j
            node_code[node] = 2 * position + (1 if position == length else 0)
        for child in (right[node], left[node]):
            top += 1
            stack[0, top], stack[1, top], stack[2, top] = child, level + 1, f
            stack_fraction[top] = fraction[child]


@parallel
def tabulate_paths(left, right, feature, fraction, tree_roots, max_depth, fill, node_code,
                   leaf_info, leaf_features, table):
    """Prepare the leaf tables of the trees rooted at ``tree_roots`` (parallel
    over trees), in two passes: ``fill=False`` sizes them, ``fill=True``
    (once offsets are set in Python) computes them.

    Parameters
    ----------
    left, right, feature : ndarray of shape (n_nodes,), int32
    fraction : ndarray of shape (n_nodes,), float64
    tree_roots : ndarray of shape (n_tabulated,), int32
    max_depth : int
        Largest depth among these trees.
    fill : bool
    node_code : ndarray of shape (n_nodes,), uint8
        Internal node: ``2 * i + new``, ``i`` the position of its feature
        among the unique features of the path above it (bit ``i`` of the
        pattern), ``new`` 1 when the feature is not on that path yet.
        Leaf: the number ``width`` of unique features on its path.
    leaf_info : ndarray of shape (n_nodes, 2), int64
        Per leaf: start of its table and of its feature list.
    leaf_features : ndarray of shape (n_cells_features,), int32
    table : ndarray of shape (n_cells,), float64
        Leaf ``l``'s block holds ``2**width * width`` shares.
    """
    for t in prange(tree_roots.shape[0]):
        _walk_paths(tree_roots[t], left, right, feature, fraction, max_depth, fill,
                    node_code, leaf_info, leaf_features, table)


@serial
def _explain_rows(X, start, stop, feature, threshold, missing_left, categorical, cat_bitset,
                  left, right, values,
                  fraction, tree_roots, tree_scales, tree_columns, max_depth,
                  tree_tabulated, node_code, leaf_info, leaf_features, table, out):
    """Every tree for rows ``start .. stop - 1``, with scratch allocated once."""
    size = max_depth + 2  # a leaf at depth d has a path of at most d + 1 elements
    path_feature = np.empty((size, size), dtype=np.int64)
    path_zero = np.empty((size, size))
    path_one = np.empty((size, size))
    path_weight = np.empty((size, size))
    path_length = np.empty(size, dtype=np.int64)
    stack = np.empty((3, size), dtype=np.int64)
    stack_fraction = np.empty((2, size))
    leaf_scratch = np.empty((3, size))
    coef = _coefficients(size)
    for t in range(tree_roots.shape[0]):  # a tree's nodes stay in cache over the block
        for row in range(start, stop):
            if tree_tabulated[t]:
                _explain_tree_tabulated(X, row, tree_roots[t], tree_scales[t],
                                        tree_columns[t], feature, threshold, missing_left,
                                        categorical, cat_bitset, left, right, values,
                                        node_code, leaf_info, leaf_features, table, stack,
                                        out)
            else:
                _explain_tree(X, row, tree_roots[t], tree_scales[t], tree_columns[t],
                              feature, threshold, missing_left, categorical, cat_bitset,
                              left, right, values, fraction, path_feature, path_zero,
                              path_one, path_weight, path_length, stack, stack_fraction,
                              leaf_scratch, coef, out)


@parallel
def tree_shap(X, feature, threshold, missing_left, categorical, cat_bitset, left, right,
              values, fraction,
              tree_roots, tree_scales, tree_columns, max_depth, tree_tabulated, node_code,
              leaf_info, leaf_features, table, out):
    """Add the path-dependent SHAP values of the trees to ``out`` (parallel over rows).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), float64, C order
        NaN follows ``missing_left``.
    feature : ndarray of shape (n_nodes,), int32
    threshold : ndarray of shape (n_nodes,), float64
        ``x <= threshold`` goes left.
    missing_left : ndarray of shape (n_nodes,), uint8
    categorical : ndarray of shape (n_nodes,), uint8
        1 at categorical splits (see :func:`skboost._kernels.predict.goes_left`).
    cat_bitset : ndarray of shape (n_nodes, BITSET_WORDS), uint32
        Category codes sent left by a categorical split.
    left, right : ndarray of shape (n_nodes,), int32
        Global child indices; ``-1`` on leaves.
    values : ndarray of shape (n_nodes, V), float64, C order
        Leaf outputs (internal rows are not read).
    fraction : ndarray of shape (n_nodes,), float64
        Cover share of each node within its parent (root: unused).
    tree_roots : ndarray of shape (n_trees,), int32
        Root node of each tree to explain.
    tree_scales : ndarray of shape (n_trees,), float64
        Multiplier of each tree's values.
    tree_columns : ndarray of shape (n_trees,), int32
        Tree ``t`` adds its ``V`` values to outputs
        ``tree_columns[t] .. tree_columns[t] + V - 1``.
    max_depth : int
        Largest depth among the trees (sizes the scratch).
    tree_tabulated : ndarray of shape (n_trees,), uint8
        1 where the tree has leaf tables (:func:`tabulate_paths`): its rows
        are explained by lookups instead of the recursion.
    node_code, leaf_info, leaf_features, table : ndarray
        The leaf tables (see :func:`tabulate_paths`; may be empty when no
        tree is tabulated).
    out : ndarray of shape (n_samples, n_features + 1, n_outputs), float64, updated
        ``out[i, f, c]`` accumulates feature ``f``'s SHAP value for output
        ``c``; the last feature slot (expected value) is not touched.
    """
    n_samples = X.shape[0]
    n_blocks = (n_samples + ROW_BLOCK - 1) // ROW_BLOCK
    for blk in prange(n_blocks):
        _explain_rows(X, blk * ROW_BLOCK, min(n_samples, (blk + 1) * ROW_BLOCK), feature,
                      threshold, missing_left, categorical, cat_bitset, left, right, values,
                      fraction, tree_roots, tree_scales, tree_columns, max_depth,
                      tree_tabulated, node_code, leaf_info, leaf_features, table, out)


@serial
def tree_summaries(left, right, values, fraction, tree_roots, max_nodes, expected, depth):
    """Cover-weighted expected output and depth of every tree.

    Parameters
    ----------
    left, right : ndarray of shape (n_nodes,), int32
    values : ndarray of shape (n_nodes, V), float64
    fraction : ndarray of shape (n_nodes,), float64
    tree_roots : ndarray of shape (n_trees,), int32
    max_nodes : int
        Node count of the largest tree (bounds the stack).
    expected : ndarray of shape (n_trees, V), float64, written
        ``sum over leaves of P(leaf) * value[leaf]``, ``P`` the product of
        the fractions on the leaf's path.
    depth : ndarray of shape (n_trees,), int64, written
    """
    stack_node = np.empty(max_nodes + 1, dtype=np.int32)
    stack_level = np.empty(max_nodes + 1, dtype=np.int64)
    stack_prob = np.empty(max_nodes + 1)
    n_values = values.shape[1]
    for t in range(tree_roots.shape[0]):
        for v in range(n_values):
            expected[t, v] = 0.0
        depth[t] = 0
        top = 0
        stack_node[0] = tree_roots[t]
        stack_level[0] = 0
        stack_prob[0] = 1.0
        while top >= 0:
            node = stack_node[top]
            level = stack_level[top]
            prob = stack_prob[top]
            top -= 1
            depth[t] = max(depth[t], level)
            if left[node] == -1:
                for v in range(n_values):
                    expected[t, v] += prob * values[node, v]
                continue
            for child in (right[node], left[node]):
                top += 1
                stack_node[top] = child
                stack_level[top] = level + 1
                stack_prob[top] = prob * fraction[child]
