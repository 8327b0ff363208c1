"""SHAP values (``predict_contributions``, exact path-dependent TreeSHAP).

* every estimator family: rows sum to the explained margin (``predict``,
  ``decision_function`` or ``predict_proba``, see ``docs/explain.md``);
* small trees: equal to Shapley values computed here by brute force, by
  enumerating feature subsets of the cover-weighted conditional expectation
  (a naive reference sharing no code with the kernel);
* equal to the ``shap`` package's ``TreeExplainer`` given the same trees;
* missing values, ties with thresholds, unused features (exactly 0.0),
  trees that are a single leaf, thread-count independence, baselines of
  user ``init`` estimators, the ``_margin_parts`` plug-in and errors.
"""
import itertools
from math import factorial

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from skboost import (AdaBoostClassifier, AdaBoostRegressor, GradientBoostingClassifier,
                     GradientBoostingRegressor, RandomForestClassifier,
                     RandomForestRegressor)

ADDITIVE = dict(rtol=0, atol=1e-6)
EXACT = dict(rtol=1e-9, atol=1e-10)


@pytest.fixture(params=["recursion", "tables"])
def mode(request, monkeypatch):
    """Run a test with each of the kernel's two exact schemes forced: the
    recursion of Algorithm 2 everywhere, or leaf tables for every tree."""
    import skboost._shap as shap_module
    if request.param == "recursion":
        monkeypatch.setattr(shap_module, "TABLE_MAX_WIDTH", -1)
    else:
        monkeypatch.setattr(shap_module, "TABLE_COST_RATIO", 0.0)
    return request.param


# --------------------------------------------------------------------- data
def _data(n=240, n_features=5, seed=0, nan_fraction=0.08):
    """Continuous features with some NaN, a regression target and 3 classes."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(-2, 2, size=(n, n_features))
    y = X[:, 0] + np.sin(2 * X[:, 1]) + 0.5 * X[:, 2] * X[:, 0] + 0.1 * rng.randn(n)
    X[rng.rand(n, n_features) < nan_fraction] = np.nan
    y3 = np.digitize(y, np.nanquantile(y, [1 / 3, 2 / 3]))
    return X, y, y3


X, Y, Y3 = _data()
Y2 = (Y > np.median(Y)).astype(int)


def _margin(est, X):
    """The quantity ``predict_contributions`` explains, per family."""
    if isinstance(est, (GradientBoostingClassifier, AdaBoostClassifier)):
        return est.decision_function(X)
    if isinstance(est, RandomForestClassifier):
        proba = est.predict_proba(X)
        return np.concatenate(proba, axis=1) if isinstance(proba, list) else proba
    return est.predict(X)


CASES = {
    "gb_regressor": (lambda: GradientBoostingRegressor(n_estimators=30, max_depth=3,
                                                       random_state=0), Y),
    "gb_regressor_subsample": (lambda: GradientBoostingRegressor(
        n_estimators=20, subsample=0.7, max_leaf_nodes=6, random_state=0), Y),
    "gb_regressor_huber": (lambda: GradientBoostingRegressor(
        loss="huber", n_estimators=15, random_state=0), Y),
    "gb_binary": (lambda: GradientBoostingClassifier(n_estimators=20, random_state=0), Y2),
    "gb_binary_exponential": (lambda: GradientBoostingClassifier(
        loss="exponential", n_estimators=10, random_state=0), Y2),
    "gb_multiclass": (lambda: GradientBoostingClassifier(n_estimators=10, random_state=0),
                      Y3),
    "rf_regressor": (lambda: RandomForestRegressor(n_estimators=10, max_depth=6,
                                                   random_state=0), Y),
    "rf_regressor_multioutput": (lambda: RandomForestRegressor(
        n_estimators=6, max_depth=5, random_state=0), np.column_stack([Y, Y3 * 2.0])),
    "rf_regressor_exact_deep": (lambda: RandomForestRegressor(
        n_estimators=4, split_method="exact", random_state=0), Y),
    "rf_classifier_binary": (lambda: RandomForestClassifier(n_estimators=8, max_depth=5,
                                                            random_state=0), Y2),
    "rf_classifier_multiclass": (lambda: RandomForestClassifier(
        n_estimators=8, max_depth=5, random_state=0), Y3),
    "rf_classifier_multioutput": (lambda: RandomForestClassifier(
        n_estimators=5, max_depth=4, random_state=0), np.column_stack([Y2, Y3])),
    "rf_classifier_monotonic": (lambda: RandomForestClassifier(
        n_estimators=5, max_depth=4, monotonic_cst=[1, 0, 0, 0, 0], random_state=0), Y2),
    "ada_classifier_binary": (lambda: AdaBoostClassifier(n_estimators=15, max_depth=2,
                                                         random_state=0), Y2),
    "ada_classifier_multiclass": (lambda: AdaBoostClassifier(
        n_estimators=15, max_depth=2, random_state=0), Y3),
    "ada_regressor": (lambda: AdaBoostRegressor(n_estimators=15, random_state=0), Y),
}


@pytest.fixture(scope="module")
def fitted():
    """Every case fitted once (a dict of estimators)."""
    return {name: make().fit(X, y) for name, (make, y) in CASES.items()}


# ------------------------------------------------------ brute-force reference
def _goes_left(tree, node, x):
    value = x[tree.feature[node]]
    if np.isnan(value):
        return tree.missing_left[node] == 1
    if tree.categorical[node]:
        if not 0 <= value < 256:
            return tree.missing_left[node] == 1
        code = int(value)
        return bool((int(tree.cat_bitset[node, code // 32]) >> (code % 32)) & 1)
    return value <= tree.threshold[node]


def _conditional(tree, node, x, known):
    """E[f(X) | X_known = x_known], weighting unknown splits by cover."""
    if tree.left[node] == -1:
        return tree.value[node]
    left, right = tree.left[node], tree.right[node]
    if tree.feature[node] in known:
        return _conditional(tree, left if _goes_left(tree, node, x) else right, x, known)
    return (tree.cover[left] * _conditional(tree, left, x, known)
            + tree.cover[right] * _conditional(tree, right, x, known)) / tree.cover[node]


def brute_force_shap(tree, x, n_features):
    """Shapley values of one tree for one row, by enumerating every subset.

    Returns
    -------
    ndarray of shape (n_features + 1, V): the last row is E[f].
    """
    value = {}
    for size in range(n_features + 1):
        for subset in itertools.combinations(range(n_features), size):
            value[subset] = _conditional(tree, 0, x, set(subset))
    phi = np.zeros((n_features + 1, tree.value.shape[1]))
    for i in range(n_features):
        others = [f for f in range(n_features) if f != i]
        for size in range(n_features):
            weight = factorial(size) * factorial(n_features - size - 1) / factorial(n_features)
            for subset in itertools.combinations(others, size):
                with_i = tuple(sorted(subset + (i,)))
                phi[i] += weight * (value[with_i] - value[subset])
    phi[n_features] = value[()]
    return phi


def brute_force_sum(trees, weights, columns, n_outputs, x, n_features):
    """Weighted brute-force SHAP values of several trees, shape (F + 1, n_outputs)."""
    total = np.zeros((n_features + 1, n_outputs))
    for tree, w, c in zip(trees, weights, columns):
        phi = brute_force_shap(tree, x, n_features)
        total[:, c:c + phi.shape[1]] += w * phi
    return total


def _as_3d(contrib):
    return contrib[:, :, np.newaxis] if contrib.ndim == 2 else contrib


def _ada_vote_trees(est):
    """AdaBoost trees whose node values are their SAMME votes (built here
    independently of skboost._shap)."""
    K = est.n_classes_
    trees = []
    for tree in est._forest.trees:
        cls = np.argmax(tree.value, axis=1)
        vote = np.where(np.arange(K)[np.newaxis, :] == cls[:, np.newaxis], 1.0,
                        -1.0 / (K - 1))
        if K == 2:
            vote = (vote[:, 1] - vote[:, 0])[:, np.newaxis]
        trees.append(_ValueTree(tree, vote))
    return trees


class _ValueTree:
    """A view of a tree with other node values."""

    def __init__(self, tree, value):
        for name in ("feature", "threshold", "missing_left", "left", "right", "cover",
                     "categorical", "cat_bitset"):
            setattr(self, name, getattr(tree, name))
        self.value = value


# ---------------------------------------------------------------- additivity
@pytest.mark.parametrize("name", list(CASES))
def test_rows_sum_to_margin(fitted, name, mode):
    est = fitted[name]
    contrib = est.predict_contributions(X)
    margin = _margin(est, X)
    assert contrib.dtype == np.float64
    assert contrib.shape[:2] == (X.shape[0], X.shape[1] + 1)
    if np.ndim(margin) == 1:
        assert contrib.ndim == 2
    else:
        assert contrib.shape[2] == margin.shape[1]
    assert_allclose(contrib.sum(axis=1), margin, **ADDITIVE)


def test_output_shapes(fitted):
    n, F = X.shape[0], X.shape[1] + 1
    expected = {"gb_regressor": (n, F), "gb_binary": (n, F), "gb_multiclass": (n, F, 3),
                "rf_regressor": (n, F), "rf_regressor_multioutput": (n, F, 2),
                "rf_classifier_binary": (n, F, 2), "rf_classifier_multiclass": (n, F, 3),
                "rf_classifier_multioutput": (n, F, 5),
                "rf_classifier_monotonic": (n, F, 2),
                "ada_classifier_binary": (n, F), "ada_classifier_multiclass": (n, F, 3),
                "ada_regressor": (n, F)}
    for name, shape in expected.items():
        assert fitted[name].predict_contributions(X[:n]).shape == shape, name


# -------------------------------------------------------------- brute force
def _small_data(seed=1):
    """Few rows, 4 features, NaN and a repeated-feature-friendly target."""
    rng = np.random.RandomState(seed)
    Xs = rng.uniform(-1, 1, size=(160, 4))
    ys = np.where(Xs[:, 0] > 0, Xs[:, 1], -Xs[:, 1]) + 0.3 * Xs[:, 2] + 0.05 * rng.randn(160)
    Xs[rng.rand(160, 4) < 0.1] = np.nan
    return Xs, ys


XS, YS = _small_data()
XS_EXPLAIN = np.vstack([XS[:6], [[np.nan, np.nan, np.nan, np.nan]],
                        [[0.1, np.nan, -0.3, 0.7]]])


def test_gradient_boosting_equals_brute_force(mode):
    est = GradientBoostingRegressor(n_estimators=4, max_depth=3, learning_rate=0.5,
                                    random_state=0).fit(XS, YS)
    trees = est._forest.trees
    assert max(t.get_depth() for t in trees) == 3
    contrib = est.predict_contributions(XS_EXPLAIN)
    for i, x in enumerate(XS_EXPLAIN):
        ref = brute_force_sum(trees, np.ones(len(trees)), np.zeros(len(trees), int), 1, x,
                              4)
        ref[-1] += est._baseline
        assert_allclose(contrib[i], ref[:, 0], **EXACT)


def test_gradient_boosting_multiclass_equals_brute_force(mode):
    y3 = np.digitize(YS, [-0.3, 0.3])
    est = GradientBoostingClassifier(n_estimators=3, max_depth=2, random_state=0).fit(XS, y3)
    contrib = est.predict_contributions(XS_EXPLAIN)
    trees, columns = est._forest.trees, est._forest.columns
    for i, x in enumerate(XS_EXPLAIN):
        ref = brute_force_sum(trees, np.ones(len(trees)), columns, 3, x, 4)
        ref[-1] += est._baseline
        assert_allclose(contrib[i], ref, **EXACT)


def test_random_forest_classifier_equals_brute_force(mode):
    y3 = np.digitize(YS, [-0.3, 0.3])
    est = RandomForestClassifier(n_estimators=4, max_depth=3, max_features=None,
                                 random_state=0).fit(XS, y3)
    contrib = est.predict_contributions(XS_EXPLAIN)
    trees = est._forest.trees
    for i, x in enumerate(XS_EXPLAIN):
        ref = brute_force_sum(trees, np.full(4, 0.25), np.zeros(4, int), 3, x, 4)
        assert_allclose(contrib[i], ref, **EXACT)


def test_random_forest_multioutput_regressor_equals_brute_force(mode):
    est = RandomForestRegressor(n_estimators=3, max_depth=3, random_state=0).fit(
        XS, np.column_stack([YS, YS ** 2]))
    contrib = est.predict_contributions(XS_EXPLAIN)
    trees = est._forest.trees
    for i, x in enumerate(XS_EXPLAIN):
        ref = brute_force_sum(trees, np.full(3, 1 / 3), np.zeros(3, int), 2, x, 4)
        assert_allclose(contrib[i], ref, **EXACT)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_adaboost_classifier_equals_brute_force(n_classes, mode):
    y = np.digitize(YS, [-0.3, 0.3]) if n_classes == 3 else (YS > 0).astype(int)
    est = AdaBoostClassifier(n_estimators=5, max_depth=3, random_state=0).fit(XS, y)
    contrib = _as_3d(est.predict_contributions(XS_EXPLAIN))
    trees = _ada_vote_trees(est)
    weights = est.estimator_weights_[:len(trees)] / est.estimator_weights_.sum()
    n_outputs = 1 if n_classes == 2 else n_classes
    for i, x in enumerate(XS_EXPLAIN):
        ref = brute_force_sum(trees, weights, np.zeros(len(trees), int), n_outputs, x, 4)
        assert_allclose(contrib[i], ref, **EXACT)


def test_adaboost_regressor_row_explained_by_its_median_tree(mode):
    est = AdaBoostRegressor(n_estimators=7, max_depth=3, random_state=0).fit(XS, YS)
    contrib = est.predict_contributions(XS_EXPLAIN)
    prediction = est.predict(XS_EXPLAIN)
    each = np.column_stack([t.predict(XS_EXPLAIN)[:, 0] for t in est._forest.trees])
    for i, x in enumerate(XS_EXPLAIN):
        candidates = np.flatnonzero(each[i] == prediction[i])
        assert candidates.size >= 1
        refs = [brute_force_shap(est._forest.trees[t], x, 4)[:, 0] for t in candidates]
        assert any(np.allclose(contrib[i], ref, rtol=1e-9, atol=1e-10) for ref in refs)


def test_single_tree_brute_force_with_ties_and_repeated_features(mode):
    """Rows exactly on thresholds go left; a feature split twice on a path."""
    est = GradientBoostingRegressor(n_estimators=1, max_depth=3, learning_rate=1.0,
                                    split_method="exact", random_state=0).fit(XS, YS)
    tree = est._forest.trees[0]
    internal = tree.left != -1
    features = tree.feature[internal]
    assert np.unique(features).size < features.size  # some feature repeats on a path
    rows = np.tile(np.nanmedian(XS, axis=0), (int(internal.sum()), 1))
    for r, node in enumerate(np.flatnonzero(internal)):
        rows[r, tree.feature[node]] = tree.threshold[node]
    contrib = est.predict_contributions(rows)
    for i, x in enumerate(rows):
        ref = brute_force_shap(tree, x, 4)[:, 0]
        ref[-1] += est._baseline[0]
        assert_allclose(contrib[i], ref, **EXACT)
    assert_allclose(contrib.sum(axis=1), est.predict(rows), **ADDITIVE)


def test_categorical_splits_equal_brute_force(mode):
    """Categorical nodes (codes in the node's bitset go left; NaN and codes
    outside 0..255 the missing way), here made by turning the splits on a
    code-valued feature into random subsets."""
    rng = np.random.RandomState(5)
    Xc = XS.copy()
    Xc[:, 3] = rng.randint(0, 10, size=Xc.shape[0]).astype(float)
    yc = YS + (Xc[:, 3] % 3 == 0)
    est = GradientBoostingRegressor(n_estimators=4, max_depth=3, learning_rate=0.5,
                                    random_state=0).fit(Xc, yc)
    n_categorical = 0
    for tree in est._forest.trees:
        tree.categorical = tree.categorical.copy()
        tree.cat_bitset = tree.cat_bitset.copy()
        for node in np.flatnonzero((tree.left != -1) & (tree.feature == 3)):
            tree.categorical[node] = 1
            for code in rng.choice(10, 4, replace=False):
                tree.cat_bitset[node, code // 32] |= np.uint32(1 << (code % 32))
            n_categorical += 1
    est._forest._packed = None
    assert n_categorical >= 2
    rows = np.vstack([Xc[:8], XS_EXPLAIN[-2:]])
    rows[:10, 3] = [0, 1, 2, 3, 4, 5, 6, np.nan, 300.0, -1.0]
    contrib = est.predict_contributions(np.vstack([rows] * 20))[:10]
    assert_allclose(contrib.sum(axis=1), est.predict(rows), **ADDITIVE)
    trees = est._forest.trees
    for i, x in enumerate(rows):
        ref = brute_force_sum(trees, np.ones(len(trees)), np.zeros(len(trees), int), 1, x,
                              4)
        ref[-1] += est._baseline
        assert_allclose(contrib[i], ref[:, 0], **EXACT)


# ------------------------------------------------------------- shap package
def _shap_dict_model(trees, weights):
    """The trees in the ``shap`` package's dict format (``x <= t`` goes left
    there too; NaN follows ``children_default``)."""
    return {"trees": [{"children_left": t.left.astype(np.int32),
                       "children_right": t.right.astype(np.int32),
                       "children_default": np.where(t.missing_left == 1, t.left,
                                                    t.right).astype(np.int32),
                       "features": np.where(t.left == -1, -2, t.feature).astype(np.int32),
                       "thresholds": t.threshold.astype(np.float64),
                       "values": t.value * w,
                       "node_sample_weight": t.cover.astype(np.float64)}
                      for t, w in zip(trees, weights)],
            "base_offset": 0.0, "tree_output": "raw_value",
            "input_dtype": np.float64, "internal_dtype": np.float64}


@pytest.mark.parametrize("name", ["gb_regressor", "rf_regressor_multioutput",
                                  "rf_classifier_multiclass", "rf_regressor_exact_deep"])
def test_equals_shap_tree_explainer(fitted, name, mode):
    import shap
    est = fitted[name]
    trees = est._forest.trees
    weights = np.ones(len(trees)) if name.startswith("gb") else np.full(len(trees),
                                                                        1 / len(trees))
    explainer = shap.TreeExplainer(_shap_dict_model(trees, weights))
    reference = np.asarray(explainer.shap_values(X, check_additivity=False))
    contrib = _as_3d(est.predict_contributions(X))
    assert_allclose(contrib[:, :-1, :], reference.reshape(contrib[:, :-1, :].shape),
                    rtol=1e-9, atol=1e-9)
    expected = np.atleast_1d(explainer.expected_value)
    baseline = est._baseline if name.startswith("gb") else 0.0
    assert_allclose(contrib[0, -1, :], expected + baseline, rtol=1e-9, atol=1e-9)


def test_gb_multiclass_equals_shap_per_class(fitted, mode):
    import shap
    est = fitted["gb_multiclass"]
    contrib = est.predict_contributions(X)
    for k in range(3):
        trees = [t for t, c in zip(est._forest.trees, est._forest.columns) if c == k]
        explainer = shap.TreeExplainer(_shap_dict_model(trees, np.ones(len(trees))))
        reference = explainer.shap_values(X, check_additivity=False)
        assert_allclose(contrib[:, :-1, k], reference, rtol=1e-9, atol=1e-9)


def _trees_from_xgboost(booster):
    """skboost Trees from an xgboost booster's ``trees_to_dataframe`` (xgboost
    sends ``x < split`` left; here ``x <= the float64 just below split``)."""
    from skboost._tree import Tree
    frame = booster.trees_to_dataframe()
    trees = []
    for _, nodes in frame.groupby("Tree", sort=True):
        nodes = nodes.sort_values("Node")
        n = len(nodes)

        def child(column):
            return np.array([-1 if pd.isna(v) else int(v.split("-")[1])
                             for v in nodes[column]], dtype=np.int32)

        left, right, missing = child("Yes"), child("No"), child("Missing")
        leaf = left == -1
        split = nodes["Split"].to_numpy(dtype=np.float64)
        trees.append(Tree(
            feature=np.array([0 if f == "Leaf" else int(f[1:]) for f in nodes["Feature"]],
                             dtype=np.int32),
            threshold=np.where(leaf, 0.0, np.nextafter(split, -np.inf)),
            threshold_bin=np.zeros(n, dtype=np.int32),
            missing_left=((missing == left) & ~leaf).astype(np.uint8),
            left=left, right=right,
            value=np.where(leaf, nodes["Gain"].to_numpy(), 0.0)[:, np.newaxis],
            gain=np.zeros(n), cover=nodes["Cover"].to_numpy(dtype=np.float64),
            n_samples=np.ones(n, dtype=np.int64)))
    return trees


def test_equals_xgboost_pred_contribs(mode):
    """Trees of a real xgboost model, explained with their hessian covers,
    give xgboost's own SHAP values (xgboost works in float32)."""
    import xgboost as xgb
    import json
    rng = np.random.RandomState(2)
    Xx = rng.uniform(-1, 1, size=(400, 5)).astype(np.float32).astype(np.float64)
    yx = (Xx[:, 0] * Xx[:, 1] + np.sin(3 * Xx[:, 2]) > 0).astype(int)
    Xx[rng.rand(400, 5) < 0.1] = np.nan
    model = xgb.XGBClassifier(n_estimators=8, max_depth=4, tree_method="exact",
                              min_child_weight=0.5, n_jobs=1).fit(Xx, yx)
    booster = model.get_booster()
    trees = _trees_from_xgboost(booster)
    config = json.loads(booster.save_config())
    base_score = float(config["learner"]["learner_model_param"]["base_score"].strip("[]"))
    base_margin = np.log(base_score / (1 - base_score))

    class FromXGBoost(GradientBoostingRegressor):
        def _margin_parts(self):
            return {"trees": trees, "weights": np.ones(len(trees)),
                    "columns": np.zeros(len(trees), int), "n_outputs": 1,
                    "baseline": np.array([base_margin])}

    est = FromXGBoost(n_estimators=1).fit(np.nan_to_num(Xx), yx)
    contrib = est.predict_contributions(Xx)
    reference = booster.predict(xgb.DMatrix(Xx, missing=np.nan), pred_contribs=True)
    margin = booster.predict(xgb.DMatrix(Xx, missing=np.nan), output_margin=True)
    assert_allclose(contrib.sum(axis=1), margin, rtol=0, atol=1e-5)
    assert_allclose(contrib, reference, rtol=0, atol=2e-5)


# --------------------------------------------------------- special inputs
def test_unused_feature_gets_exactly_zero(mode):
    Xc = np.column_stack([XS, np.full(XS.shape[0], 3.0)])  # constant: never split on
    for est in (GradientBoostingRegressor(n_estimators=10, random_state=0),
                RandomForestRegressor(n_estimators=5, random_state=0),
                AdaBoostRegressor(n_estimators=5, random_state=0)):
        est.fit(Xc, YS)
        contrib = est.predict_contributions(Xc)
        assert np.all(contrib[:, 4] == 0.0)
        assert np.any(contrib[:, :4] != 0.0)
    est = GradientBoostingClassifier(n_estimators=5, random_state=0).fit(
        Xc, np.digitize(YS, [-0.3, 0.3]))
    assert np.all(est.predict_contributions(Xc)[:, 4, :] == 0.0)


def test_nan_rows(fitted, mode):
    all_nan = np.full((3, X.shape[1]), np.nan)
    mixed = X[:20].copy()
    mixed[:, 0] = np.nan
    for name, est in fitted.items():
        for rows in (all_nan, mixed):
            contrib = est.predict_contributions(rows)
            assert np.all(np.isfinite(contrib)), name
            assert_allclose(contrib.sum(axis=1), _margin(est, rows), **ADDITIVE)
    # rows that differ only in a NaN feature differ in that feature's value
    est = fitted["gb_regressor"]
    a = est.predict_contributions(mixed)
    b = est.predict_contributions(X[:20])
    assert_allclose(a[:, -1], b[:, -1], rtol=0, atol=0)
    assert not np.allclose(a[:, 0], b[:, 0])


def test_single_leaf_trees(mode):
    # min_samples_split above the row count: every tree is a lone leaf
    Xs, ys = XS[:12], YS[:12]
    for est in (RandomForestRegressor(n_estimators=3, min_samples_split=50, random_state=0),
                GradientBoostingRegressor(n_estimators=3, min_samples_split=50,
                                          random_state=0)):
        est.fit(Xs, ys)
        assert all(t.node_count == 1 for t in est._forest.trees)
        contrib = est.predict_contributions(XS)
        assert np.all(contrib[:, :-1] == 0.0)
        assert_allclose(contrib[:, -1], est.predict(XS), **ADDITIVE)


def test_threads_do_not_change_results(fitted, mode):
    Xbig = np.vstack([X] * 3)
    for name in ("gb_multiclass", "rf_regressor", "ada_regressor"):
        est = fitted[name]
        est.set_params(n_jobs=1)
        one = est.predict_contributions(Xbig)
        est.set_params(n_jobs=2)
        two = est.predict_contributions(Xbig)
        est.set_params(n_jobs=None)
        assert_array_equal(one, two)


def test_dataframe_input():
    frame = pd.DataFrame(X, columns=list("abcde"))
    est = GradientBoostingRegressor(n_estimators=5, random_state=0).fit(frame, Y)
    contrib = est.predict_contributions(frame.iloc[:10])
    assert_allclose(contrib.sum(axis=1), est.predict(frame.iloc[:10]), **ADDITIVE)


def test_sparse_input_equals_dense(mode):
    from scipy import sparse
    Xz = np.where(np.abs(XS) < 0.5, 0.0, XS)  # many zeros, NaN kept as stored values
    for est in (GradientBoostingRegressor(n_estimators=10, random_state=0),
                AdaBoostRegressor(n_estimators=5, random_state=0)):
        est.fit(Xz, YS)
        dense = est.predict_contributions(Xz)
        for fmt in (sparse.csr_matrix, sparse.csc_matrix):
            assert_allclose(est.predict_contributions(fmt(Xz)), dense, rtol=0, atol=0)


def test_float32_and_fortran_input(fitted):
    est = fitted["gb_regressor"]
    reference = est.predict_contributions(X)
    assert_allclose(est.predict_contributions(np.asfortranarray(X)), reference, rtol=0,
                    atol=0)
    X32 = X.astype(np.float32)
    assert_allclose(est.predict_contributions(X32).sum(axis=1), est.predict(X32),
                    **ADDITIVE)


# ------------------------------------------------------- the two schemes
def _kernel_trees(est, n_rows):
    from skboost._shap import _KernelTrees, margin_parts
    trees = _KernelTrees(margin_parts(est))
    trees.plan_tables(np.full(len(trees.depth), n_rows))
    return trees


def test_tables_equal_recursion_on_deeper_trees(monkeypatch):
    """Leaf tables and the recursion agree on depth-6 trees over 8 features
    with repeated features, NaN and several outputs."""
    import skboost._shap as shap_module
    rng = np.random.RandomState(3)
    Xd = rng.uniform(-1, 1, size=(600, 8))
    yd = np.sin(3 * Xd[:, 0]) * Xd[:, 1] + np.abs(Xd[:, 2]) + 0.1 * rng.randn(600)
    Xd[rng.rand(600, 8) < 0.05] = np.nan
    y3 = np.digitize(yd, np.nanquantile(yd, [0.3, 0.7]))
    for est in (GradientBoostingRegressor(n_estimators=15, max_depth=6, random_state=0),
                RandomForestClassifier(n_estimators=5, max_depth=7, random_state=0)):
        est.fit(Xd, y3 if is_classifier_est(est) else yd)
        monkeypatch.setattr(shap_module, "TABLE_COST_RATIO", 0.0)
        assert _kernel_trees(est, Xd.shape[0]).tabulated.all()
        tables = est.predict_contributions(Xd)
        monkeypatch.setattr(shap_module, "TABLE_MAX_WIDTH", -1)
        assert not _kernel_trees(est, Xd.shape[0]).tabulated.any()
        recursion = est.predict_contributions(Xd)
        monkeypatch.undo()
        assert_allclose(tables, recursion, rtol=1e-11, atol=1e-12)


def is_classifier_est(est):
    return isinstance(est, (RandomForestClassifier, GradientBoostingClassifier))


def test_scheme_choice(fitted):
    """Tables for many rows of shallow trees, the recursion for a single row
    and for trees deeper than TABLE_MAX_WIDTH; results agree either way."""
    from skboost._shap import TABLE_MAX_WIDTH
    est = fitted["gb_regressor"]
    assert _kernel_trees(est, 10_000).tabulated.all()
    assert not _kernel_trees(est, 1).tabulated.any()
    deep = fitted["rf_regressor_exact_deep"]
    trees = _kernel_trees(deep, 10_000)
    assert_array_equal(trees.tabulated.astype(bool), trees.depth <= TABLE_MAX_WIDTH)
    assert (trees.depth > TABLE_MAX_WIDTH).any()
    many = est.predict_contributions(np.vstack([X] * 20))[:5]
    for i in range(5):
        assert_allclose(est.predict_contributions(X[i:i + 1])[0], many[i], rtol=1e-12,
                        atol=1e-12)


def test_table_budget_limits_tabulated_trees(fitted, monkeypatch):
    import skboost._shap as shap_module
    est = fitted["gb_regressor"]
    full = _kernel_trees(est, X.shape[0])
    assert full.tabulated.all()
    reference = est.predict_contributions(X)
    monkeypatch.setattr(shap_module, "TABLE_BUDGET", full.table.size // 2)
    half = _kernel_trees(est, X.shape[0])
    assert 0 < half.tabulated.sum() < len(half.tabulated)
    assert half.table.size <= full.table.size // 2
    assert_allclose(est.predict_contributions(X), reference, rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------ baselines
def test_gradient_boosting_user_init_is_a_per_row_baseline():
    est = GradientBoostingRegressor(n_estimators=10, init=LinearRegression(),
                                    random_state=0).fit(np.nan_to_num(X), Y)
    Xf = np.nan_to_num(X)
    contrib = est.predict_contributions(Xf)
    assert_allclose(contrib.sum(axis=1), est.predict(Xf), **ADDITIVE)
    tree_part = contrib[:, -1] - est.init_.predict(Xf)
    assert_allclose(tree_part, tree_part[0], rtol=0, atol=1e-10)  # the trees' E[f]
    assert np.ptp(contrib[:, -1]) > 0.1


def test_gradient_boosting_user_init_classifier():
    est = GradientBoostingClassifier(n_estimators=5, init=LogisticRegression(),
                                     random_state=0).fit(np.nan_to_num(X), Y3)
    Xf = np.nan_to_num(X)
    contrib = est.predict_contributions(Xf)
    assert_allclose(contrib.sum(axis=1), est.decision_function(Xf), **ADDITIVE)


def test_gradient_boosting_zero_init():
    est = GradientBoostingRegressor(n_estimators=5, init="zero", random_state=0).fit(X, Y)
    contrib = est.predict_contributions(X)
    assert_allclose(contrib.sum(axis=1), est.predict(X), **ADDITIVE)


def test_expected_value_is_cover_weighted_mean(fitted):
    """The last column of a GB regressor is baseline + sum of each tree's
    cover-weighted mean leaf value."""
    est = fitted["gb_regressor"]
    expected = est._baseline[0]
    for tree in est._forest.trees:
        leaf = tree.left == -1
        expected += np.sum(tree.cover[leaf] * tree.value[leaf, 0]) / tree.cover[0]
    assert_allclose(est.predict_contributions(X[:3])[:, -1], expected, rtol=1e-12)


# ----------------------------------------------------------- real dataset
def test_california_housing_additivity(load):
    Xc, yc, task = load("california_housing", as_frame=False)
    assert task == "regression"
    rng = np.random.RandomState(0)
    rows = rng.choice(Xc.shape[0], 3000, replace=False)
    X_train, y_train = Xc[rows[:2500]], yc[rows[:2500]]
    X_test = Xc[rows[2500:]]
    gb = GradientBoostingRegressor(n_estimators=40, max_depth=5, random_state=0).fit(
        X_train, y_train)
    contrib = gb.predict_contributions(X_test)
    assert_allclose(contrib.sum(axis=1), gb.predict(X_test), rtol=1e-9, atol=1e-6)
    # median income is the strongest feature of this dataset
    importance = np.abs(contrib[:, :-1]).mean(axis=0)
    assert np.argmax(importance) == 7 or importance[7] > np.median(importance)
    rf = RandomForestRegressor(n_estimators=10, max_depth=8, random_state=0).fit(
        X_train, y_train)
    assert_allclose(rf.predict_contributions(X_test).sum(axis=1), rf.predict(X_test),
                    rtol=1e-9, atol=1e-6)


# ----------------------------------------------------------- plug-in, errors
def test_margin_parts_plugin_is_used():
    from skboost._shap import MarginParts

    class Doubled(GradientBoostingRegressor):
        def _margin_parts(self):
            trees = self._forest.trees
            return {"trees": trees, "weights": np.full(len(trees), 2.0),
                    "columns": np.zeros(len(trees), int), "n_outputs": 1,
                    "baseline": np.array([1.5])}

    est = Doubled(n_estimators=5, random_state=0).fit(X, Y)
    plain = GradientBoostingRegressor(n_estimators=5, random_state=0).fit(X, Y)
    doubled = est.predict_contributions(X[:10])
    reference = plain.predict_contributions(X[:10])
    assert_allclose(doubled[:, :-1], 2 * reference[:, :-1], rtol=1e-12, atol=1e-12)
    assert_allclose(doubled[:, -1], 1.5 + 2 * (reference[:, -1] - plain._baseline[0]),
                    rtol=1e-12)
    assert isinstance(MarginParts(**est._margin_parts()), MarginParts)


def test_adaboost_user_estimator_raises_type_error():
    est = AdaBoostClassifier(DecisionTreeClassifier(max_depth=1), n_estimators=3,
                             random_state=0).fit(np.nan_to_num(X), Y2)
    with pytest.raises(TypeError, match="estimator=DecisionTreeClassifier"):
        est.predict_contributions(np.nan_to_num(X))


def test_unfitted_and_wrong_width():
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        GradientBoostingRegressor().predict_contributions(X)
    est = GradientBoostingRegressor(n_estimators=2).fit(X, Y)
    with pytest.raises(ValueError):
        est.predict_contributions(X[:, :3])
