"""The exact split engine (presorted column blocks) through the estimators."""
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import skboost._presort as presort
from skboost import GradientBoostingClassifier, GradientBoostingRegressor
from skboost._grower import GrowerParams, TreeGrower
from skboost._presort import ColumnBlocks, ExactSplitter


def _integer_data(seed, n=1500, d=5, levels=40):
    rng = np.random.RandomState(seed)
    X = rng.randint(0, levels, (n, d)).astype(np.float64)
    X[rng.rand(n, d) < 0.05] = np.nan
    y = np.nan_to_num(X[:, 0]) * 0.1 + np.sin(np.nan_to_num(X[:, 1])) + rng.randn(n) * 0.3
    return X, y


@pytest.mark.parametrize("seed", [0, 1])
def test_exact_equals_hist_when_bins_hold_every_value(seed):
    """With at most max_bins distinct values per feature both engines see the
    same candidate thresholds, so they grow the same trees."""
    X, y = _integer_data(seed)
    params = dict(n_estimators=15, max_depth=4, random_state=0)
    exact = GradientBoostingRegressor(split_method="exact", **params).fit(X, y)
    hist = GradientBoostingRegressor(split_method="hist", **params).fit(X, y)
    assert_allclose(exact.predict(X), hist.predict(X), rtol=1e-10, atol=1e-10)
    yc = (y > np.median(y)).astype(int)
    exact = GradientBoostingClassifier(split_method="exact", **params).fit(X, yc)
    hist = GradientBoostingClassifier(split_method="hist", **params).fit(X, yc)
    assert_allclose(exact.predict_proba(X), hist.predict_proba(X), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("max_leaf_nodes", [None, 9])
def test_block_scan_equals_sorted_scan(max_leaf_nodes, monkeypatch):
    """The exact engine has two ways to scan a level: one pass over every
    presorted block, or each node's rows sorted on the spot.  They must pick
    the same splits."""
    rng = np.random.RandomState(3)
    X = rng.rand(800, 4)
    X[rng.rand(800, 4) < 0.1] = np.nan
    y = X[:, 0] + np.nan_to_num(X[:, 1]) ** 2 + 0.1 * rng.randn(800)
    blocks = ColumnBlocks().fit(X)
    g = np.ascontiguousarray(-(y - y.mean())[:, None])
    h = np.ones(800)
    rows = np.arange(800, dtype=np.int32)
    trees = []
    for use_blocks in (True, False):
        grower = TreeGrower(blocks.X_rank_, blocks, 1,
                            GrowerParams(max_depth=6, max_leaf_nodes=max_leaf_nodes,
                                         min_samples_leaf=3),
                            splitter=ExactSplitter(blocks))
        if use_blocks:
            monkeypatch.setattr(grower, "scan_sorted",
                                lambda nodes: pytest.fail("sorted scan used"))
            monkeypatch.setattr(presort.np, "log2", lambda x: np.full_like(x, 1e9))
        else:
            monkeypatch.setattr(grower.splitter, "_scan_blocks",
                                lambda nodes: pytest.fail("block scan used"))
            monkeypatch.setattr(presort.np, "log2", lambda x: np.zeros_like(x))
        trees.append(grower.grow(g, h, rows).tree)
        monkeypatch.undo()
    a, b = trees
    assert_array_equal(a.feature, b.feature)
    assert_array_equal(a.threshold, b.threshold)
    assert_array_equal(a.missing_left, b.missing_left)
    assert_allclose(a.value, b.value, rtol=1e-12, atol=1e-12)


def test_blocks_that_do_not_fit_in_memory_give_a_clear_error(monkeypatch):
    """The memory of the blocks is estimated before anything is allocated."""
    monkeypatch.setattr(presort, "available_memory", lambda: 1000)
    X = np.random.RandomState(0).rand(200, 3)
    with pytest.raises(ValueError, match="split_method='exact' needs about .* GiB"):
        GradientBoostingRegressor(split_method="exact").fit(X, X[:, 0])
    # the histogram engine needs no blocks
    GradientBoostingRegressor(split_method="hist", n_estimators=2).fit(X, X[:, 0])


def test_rows_outside_the_tree_follow_raw_thresholds():
    """Out-of-bag rows get their running predictions through ranks; they
    must go where raw values go (node-local midpoints between ranks)."""
    rng = np.random.RandomState(1)
    X = rng.rand(600, 3)
    y = X[:, 0] * 2 + rng.randn(600) * 0.1
    model = GradientBoostingRegressor(split_method="exact", subsample=0.5, n_estimators=10,
                                      max_depth=5, random_state=0).fit(X, y)
    # 300 rows in bag, 300 out of bag: the mean of both losses (computed from
    # the running, rank-based predictions) is the loss of predict() on raw X
    running = (model.train_score_[-1] + model.oob_scores_[-1]) / 2
    assert_allclose(running, np.mean((y - model.predict(X)) ** 2), rtol=1e-10)
