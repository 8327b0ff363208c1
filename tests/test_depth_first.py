"""The depth-first grower (one kernel call per tree) against the level-wise
TreeGrower, its reference.

With every feature scanned at every node (``max_features=None``) both growers
must grow the same tree: the same splits (feature, threshold bin, side of
missing values) and the same leaf values, node for node once both trees are
walked from the root (their node numbering differs: depth-first against
level by level).  The two growers add sums in other orders (the level-wise
engine subtracts histograms) and write the gain in other algebraic forms, so
two candidates whose gains are equal in exact arithmetic may be ordered
either way by rounding: the data are drawn so that no two candidates tie
(continuous weights; integer weights make equal class counts, and equal
gains, common in small nodes).  Values compare to 1e-9.
"""
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skboost import RandomForestClassifier, RandomForestRegressor
from skboost._binning import BinMapper
from skboost._depth_first import DepthFirstGrower
from skboost._grower import GrowerParams, TreeGrower
from skboost._presort import ColumnBlocks, ExactSplitter
from skboost._kernels.criterion import ENTROPY, NEWTON, POISSON
from skboost._kernels.depth_first import seed_state
from skboost._tree import Forest


def _data(n=600, n_features=6, seed=0, nan_fraction=0.0):
    rng = np.random.RandomState(seed)
    X = rng.rand(n, n_features)
    X[:, 1] = np.round(X[:, 1] * 8)  # a feature with ties
    if nan_fraction:
        X[rng.rand(n, n_features) < nan_fraction] = np.nan
    Z = np.nan_to_num(X)
    f = 2.0 * Z[:, 0] + np.sin(Z[:, 2] * 6) + Z[:, 1] / 8
    noise = rng.normal(scale=0.3, size=n)
    labels = np.digitize(f + noise, np.quantile(f, [0.33, 0.66]))
    return X, labels, f + noise, rng


def _rows_by_node(tree, X, rows):
    """The training rows reaching each node of ``tree`` (routed by ``X``)."""
    reach = {0: rows}
    for node in range(tree.node_count):  # parents before children
        if tree.left[node] == -1:
            continue
        mine = reach[node]
        x = X[mine, tree.feature[node]]
        left = np.where(np.isnan(x), tree.missing_left[node] == 1, x <= tree.threshold[node])
        reach[tree.left[node]] = mine[left]
        reach[tree.right[node]] = mine[~left]
    return reach


def assert_same_tree(tree, reference, X, rows):
    """Both trees split the training rows the same way, node for node, with
    the same gains and leaf values.

    Two features may make the same partition of a node's rows, with either
    side on the left (a few rows): their gains are equal in exact arithmetic
    and the growers' other orders of addition may pick either, so a
    partition is compared as a pair of row sets.  Where two different
    partitions gain the same up to 1e-9 (relative), either may be picked:
    the gains must agree, the subtrees are not compared, and such nodes must
    stay rare.
    """
    mine, theirs = _rows_by_node(tree, X, rows), _rows_by_node(reference, X, rows)
    pairs = [(0, 0)]
    n_compared = 0
    n_near_ties = 0
    while pairs:
        a, b = pairs.pop()
        n_compared += 1
        assert_array_equal(mine[a], theirs[b])
        assert (tree.left[a] == -1) == (reference.left[b] == -1), "one splits, one does not"
        assert_allclose(tree.value[a], reference.value[b], rtol=1e-9, atol=1e-9)
        if tree.left[a] == -1:
            continue
        assert_allclose(tree.gain[a], reference.gain[b], rtol=1e-9)
        children = [(tree.left[a], reference.left[b]), (tree.right[a], reference.right[b])]
        mirrored = [(tree.left[a], reference.right[b]), (tree.right[a], reference.left[b])]
        for candidate in (children, mirrored):  # the same partition, either side left
            if all(np.array_equal(mine[c], theirs[d]) for c, d in candidate):
                pairs += candidate
                break
        else:
            n_near_ties += 1
    assert n_near_ties <= 0.02 * n_compared + 1
    if n_near_ties == 0:
        assert n_compared == tree.node_count == reference.node_count


def _grow_both(X, targets, channel, target_values, weight, params, n_first_block,
               engine="hist"):
    if engine.startswith("exact"):  # ranks of the distinct values
        mapper = ColumnBlocks().fit(X)
        X_binned = mapper.X_rank_
        level_wise = TreeGrower(X_binned, mapper, targets.shape[1], params,
                                splitter=ExactSplitter(mapper))
    else:
        mapper = BinMapper(255, random_state=0).fit(X)
        X_binned = mapper.transform(X)
        level_wise = TreeGrower(X_binned, mapper, targets.shape[1], params)
    depth_first = DepthFirstGrower.from_grower(level_wise)
    if engine == "exact, sorted":
        # every node sorted (a heap sort above 32 rows), no histogram of ranks
        depth_first.sort_rows = X.shape[0]
    rows = np.flatnonzero(weight > 0).astype(np.int32)
    reference = level_wise.grow(np.ascontiguousarray(-weight[:, None] * targets), weight,
                                rows, np.random.RandomState(0)).tree
    grown = depth_first.grow(channel, -weight[:, None] * target_values, weight, rows, 0,
                             n_first_block, params.min_hessian)
    return reference, grown, X_binned


def _one_hot(labels, n_classes):
    return np.eye(n_classes)[labels]


CASES = {
    "gini": dict(criterion=NEWTON),
    "entropy": dict(criterion=ENTROPY),
    "gini, min_samples_leaf=5, depth 6": dict(criterion=NEWTON, min_samples_leaf=5,
                                              max_depth=6),
    "gini, min_samples_split=20": dict(criterion=NEWTON, min_samples_split=20),
    "gini, min_impurity_decrease": dict(criterion=NEWTON, min_impurity_decrease=0.002),
    "gini, min_hessian": dict(criterion=NEWTON, min_hessian=3.0),
}


@pytest.mark.parametrize("engine", ["hist", "exact", "exact, sorted"])
@pytest.mark.parametrize("n_features", [4, 6])  # one histogram pass written out, or a loop
@pytest.mark.parametrize("nan_fraction", [0.0, 0.1])
@pytest.mark.parametrize("case", list(CASES))
def test_classification_trees_equal_the_level_wise_trees(case, nan_fraction, n_features,
                                                         engine):
    X, labels, _, rng = _data(n_features=n_features, nan_fraction=nan_fraction)
    weight = rng.rand(X.shape[0]) * (rng.rand(X.shape[0]) > 0.3)
    params = GrowerParams(**CASES[case])
    reference, grown, _ = _grow_both(
        X, _one_hot(labels, 3), labels.astype(np.int32)[:, None], np.ones((X.shape[0], 1)),
        weight, params, 3, engine)
    assert reference.node_count > 20
    assert_same_tree(grown.tree, reference, X, np.flatnonzero(weight > 0))
    # the kernel's row bookkeeping: every leaf holds the rows that reach it
    leaves = Forest(3)
    leaves.append(grown.tree)
    leaves = leaves.apply(X)[:, 0]
    for node in np.flatnonzero(grown.tree.left == -1):
        rows = grown.sample_indices[grown.node_starts[node]:grown.node_ends[node]]
        assert np.all(leaves[rows] == node)


@pytest.mark.parametrize("engine", ["hist", "exact", "exact, sorted"])
@pytest.mark.parametrize("criterion", [NEWTON, POISSON])
@pytest.mark.parametrize("nan_fraction", [0.0, 0.1])
def test_regression_trees_equal_the_level_wise_trees(criterion, nan_fraction, engine):
    X, _, y, rng = _data(nan_fraction=nan_fraction)
    if criterion == POISSON:
        y = np.exp(y / 2)
    else:
        y = y - y.mean()  # as the forest centres its targets
    weight = rng.rand(X.shape[0]) * (rng.rand(X.shape[0]) > 0.3)
    params = GrowerParams(criterion=criterion, min_samples_leaf=2)
    reference, grown, _ = _grow_both(X, y[:, None], np.zeros((X.shape[0], 1), np.int32),
                                     y[:, None], weight, params, 0, engine)
    assert reference.node_count > 50
    assert_same_tree(grown.tree, reference, X, np.flatnonzero(weight > 0))


def test_two_outputs_equal_the_level_wise_trees():
    X, labels, y, rng = _data()
    other = (X[:, 3] > 0.5).astype(int)
    targets = np.hstack([_one_hot(labels, 3), _one_hot(other, 2)])
    channel = np.stack([labels, 3 + other], axis=1).astype(np.int32)
    weight = rng.rand(X.shape[0]) + 0.5
    reference, grown, _ = _grow_both(X, targets, channel, np.ones((X.shape[0], 2)), weight,
                                     GrowerParams(min_samples_leaf=3), 3)
    assert_same_tree(grown.tree, reference, X, np.flatnonzero(weight > 0))


def _grow(X, labels, seed, max_features):
    mapper = BinMapper(255, random_state=0).fit(X)
    grower = DepthFirstGrower(mapper.transform(X), mapper, 3,
                              GrowerParams(max_features=max_features))
    w = np.ones(X.shape[0])
    return grower.grow(labels.astype(np.int32)[:, None], -w[:, None], w,
                       np.arange(X.shape[0], dtype=np.int32), seed, 3).tree


def test_drawn_features_depend_only_on_the_seed():
    X, labels, _, _ = _data()
    first = _grow(X, labels, 7, 2)
    again = _grow(X, labels, 7, 2)
    other = _grow(X, labels, 8, 2)
    for name in ("feature", "threshold", "left", "value"):
        assert_array_equal(getattr(again, name), getattr(first, name))
    assert (other.node_count != first.node_count
            or not np.array_equal(other.feature, first.feature))
    assert not np.array_equal(seed_state(7), seed_state(8))
    assert seed_state(-0)[0] != 0  # the generator never starts at its fixed point


def test_constant_features_are_not_counted_among_max_features():
    # 30 constant columns and one that separates the classes: a node draws
    # until it has scanned max_features=1 non-constant feature (as
    # scikit-learn), so every tree finds the informative one at every node
    rng = np.random.RandomState(0)
    X = np.zeros((200, 31))  # fewer distinct values than bins: thresholds are exact
    X[:, 17] = rng.rand(200)
    labels = (X[:, 17] > 0.4).astype(int) + (X[:, 17] > 0.8).astype(int)
    for seed in range(5):
        tree = _grow(X, labels, seed, 1)
        assert tree.node_count == 5
        assert set(tree.feature[tree.left != -1]) == {17}


def test_features_constant_in_a_node_are_remembered_for_its_subtree():
    # feature 0 splits the root; below, feature 1 is constant on the left and
    # feature 2 on the right: the subtrees still split on what varies there
    rng = np.random.RandomState(1)
    n = 400
    X = np.zeros((n, 3))
    X[:, 0] = np.repeat([0.0, 1.0], n // 2)
    X[: n // 2, 2] = rng.rand(n // 2)
    X[n // 2:, 1] = rng.rand(n // 2)
    labels = np.where(X[:, 0] == 0, X[:, 2] > 0.5, 2 * (X[:, 1] > 0.5)).astype(int)
    for seed in range(5):
        tree = _grow(X, labels, seed, 1)
        assert_array_equal(tree.predict(X).argmax(axis=1), labels)


@pytest.mark.parametrize("Est", [RandomForestClassifier, RandomForestRegressor])
def test_forest_uses_the_depth_first_grower_where_it_applies(Est, monkeypatch):
    X, labels, y, _ = _data(n=200)
    target = labels if Est is RandomForestClassifier else y
    calls = []
    grow = DepthFirstGrower.grow
    monkeypatch.setattr(DepthFirstGrower, "grow",
                        lambda self, *a, **k: calls.append(1) or grow(self, *a, **k))
    Est(n_estimators=3, random_state=0).fit(X, target)
    assert len(calls) == 3
    calls.clear()
    Est(n_estimators=3, split_method="exact", random_state=0).fit(X, target)
    assert len(calls) == 3
    calls.clear()
    # a leaf budget (best-first growth) and monotonic constraints: level-wise
    Est(n_estimators=3, max_leaf_nodes=8, random_state=0).fit(X, target)
    if Est is RandomForestRegressor:
        Est(n_estimators=3, monotonic_cst=[1, 0, 0, 0, 0, 0], random_state=0).fit(X, target)
    assert calls == []


@pytest.mark.parametrize("n", [20, 400])  # a small node's sorted scan, a histogram
def test_missing_or_not_is_a_split(n):
    # the only information is whether feature 1 is missing: its one present
    # value and NaN make a feature that is not constant
    rng = np.random.RandomState(0)
    missing = rng.rand(n) < 0.4
    X = np.zeros((n, 3))
    X[:, 1] = np.where(missing, np.nan, 1.0)
    for seed in range(3):
        tree = _grow(X, missing.astype(int), seed, 1)
        assert tree.node_count == 3
        assert_array_equal(tree.predict(X).argmax(axis=1), missing.astype(int))


def test_heap_sort_sorts():
    """The sorted scans' heap sort (nodes above the insertion sort's size)."""
    from skboost._kernels.depth_first import _heap_sort
    rng = np.random.RandomState(0)
    for m in (0, 1, 2, 33, 1000):
        keys = rng.randint(0, 50, size=m + 5).astype(np.int64) * 4096 + np.arange(m + 5)
        tail = keys[m:].copy()
        expected = np.sort(keys[:m])
        _heap_sort(keys, m)
        assert_array_equal(keys[:m], expected)
        assert_array_equal(keys[m:], tail)              # nothing past m touched


def test_rows_sorted_below_grows_with_the_bins():
    from skboost._depth_first import rows_sorted_below
    from skboost._kernels.depth_first import SMALL_NODE_ROWS
    sizes = [rows_sorted_below(n) for n in (2, 255, 5800, 100_000, 10**9)]
    assert sizes[0] == sizes[1] == SMALL_NODE_ROWS
    assert sizes == sorted(sizes) and sizes[3] > sizes[2] > SMALL_NODE_ROWS


def test_exact_forest_of_many_distinct_values_sorts_every_node(monkeypatch):
    """Beyond MAX_RANK_BINS distinct values rank histograms would be too
    large: every node is sorted instead, and the deterministic trees (no
    bootstrap, every feature) are those of the level-wise exact grower."""
    from skboost import _depth_first
    X, labels, _, _ = _data(n=300)
    params = dict(n_estimators=2, split_method="exact", bootstrap=False, max_features=None,
                  random_state=0)
    monkeypatch.setattr(_depth_first, "MAX_RANK_BINS", 100)
    assert _depth_first.rows_sorted_below(101) >= X.shape[0]
    sort_sizes = []
    grow = DepthFirstGrower.grow
    monkeypatch.setattr(DepthFirstGrower, "grow", lambda self, *a, **k:
                        sort_sizes.append(self.sort_rows) or grow(self, *a, **k))
    sorted_everywhere = RandomForestClassifier(**params).fit(X, labels)
    assert len(sort_sizes) == 2 and min(sort_sizes) >= X.shape[0]
    monkeypatch.setattr(DepthFirstGrower, "supports", staticmethod(lambda grower: False))
    level_wise = RandomForestClassifier(**params).fit(X, labels)
    assert len(sort_sizes) == 2
    assert_allclose(level_wise.predict_proba(X), sorted_everywhere.predict_proba(X),
                    atol=1e-12)
