"""Export of gradient boosting models to xgboost's JSON format: xgboost
loads the file and predicts what skboost predicts."""
import json

import numpy as np
import pytest
from sklearn.dummy import DummyRegressor
from sklearn.exceptions import NotFittedError

from skboost import (GradientBoostingClassifier, GradientBoostingRegressor,
                     RandomForestRegressor)
from skboost import _xgboost_export as xe

import xgboost as xgb

RTOL = ATOL = 1e-5
FLOAT32_MAX = np.finfo(np.float32).max


def _up(x, direction):
    """The float32 next to ``x`` towards ``direction``."""
    with np.errstate(over="ignore"):
        return np.nextafter(x, direction)


def _data(n=300, seed=0):
    """float32-representable features (xgboost reads float32) with NaN and ties."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 5)
    X[:, 2] = np.round(X[:, 2], 1)
    X[:, 4] = rng.randint(0, 4, n)
    X = X.astype(np.float32).astype(np.float64)
    X[rng.rand(n) < 0.15, 1] = np.nan
    X[rng.rand(n) < 0.05, 3] = np.nan
    signal = X[:, 0] + np.nan_to_num(X[:, 1], nan=1.0) - 0.5 * X[:, 4]
    noisy = signal + 0.3 * rng.randn(n)
    return X, {"reg": 10 * signal + rng.randn(n),
               "bin": np.where(noisy > 0.3, "pos", "neg"),
               "rare": (noisy > 2.5).astype(int),
               "multi": np.digitize(noisy, [-1.0, 0.0, 1.0])}


X_TRAIN, Y = _data()
X_TEST = _data(200, seed=1)[0]


def _boundary_rows(est, X):
    """Rows whose split feature sits just at, below and above each threshold
    (float32 neighbours): the cases the float32 conversion must get right."""
    rows = []
    for tree in est._forest.trees[:10]:
        for node in np.flatnonzero(tree.left != -1):
            t = tree.threshold[node]
            if not np.isfinite(t):
                continue
            t32 = np.float32(t)
            for value in (np.nextafter(t32, np.float32(-np.inf)), t32,
                          np.nextafter(t32, np.float32(np.inf))):
                row = X[len(rows) % X.shape[0]].copy()
                row[tree.feature[node]] = value
                rows.append(row)
    return np.array(rows)


def _booster(est, tmp_path):
    path = tmp_path / "model.json"
    est.export_xgboost_json(path)
    return xgb.Booster(model_file=str(path))


def _check(est, booster, X):
    margin = booster.predict(xgb.DMatrix(X), output_margin=True)
    if hasattr(est, "decision_function"):
        np.testing.assert_allclose(margin, est.decision_function(X), rtol=RTOL, atol=ATOL)
        proba = booster.predict(xgb.DMatrix(X))
        if proba.ndim == 1:
            proba = np.column_stack([1 - proba, proba])
        np.testing.assert_allclose(proba, est.predict_proba(X), rtol=RTOL, atol=ATOL)
    else:
        scale = np.abs(est.predict(X)).max()
        np.testing.assert_allclose(margin, est.predict(X), rtol=RTOL, atol=ATOL * scale)


CASES = [
    pytest.param(lambda: GradientBoostingRegressor(n_estimators=30), "reg", id="reg-hist"),
    pytest.param(lambda: GradientBoostingRegressor(
        n_estimators=20, split_method="exact", subsample=0.7, random_state=0,
        max_leaf_nodes=6, learning_rate=0.3), "reg", id="reg-exact-subsample"),
    pytest.param(lambda: GradientBoostingClassifier(n_estimators=30), "bin", id="binary"),
    pytest.param(lambda: GradientBoostingClassifier(
        n_estimators=20, split_method="exact", max_depth=4), "bin", id="binary-exact"),
    pytest.param(lambda: GradientBoostingClassifier(n_estimators=10), "rare",
                 id="binary-rare-class"),
    pytest.param(lambda: GradientBoostingClassifier(n_estimators=10, init="zero"), "bin",
                 id="binary-zero-init"),
    pytest.param(lambda: GradientBoostingClassifier(n_estimators=20), "multi", id="multi"),
    pytest.param(lambda: GradientBoostingClassifier(
        n_estimators=15, split_method="exact", class_weight="balanced"), "multi",
        id="multi-exact-weighted"),
]


@pytest.mark.parametrize("factory, target", CASES)
def test_xgboost_predicts_the_same(factory, target, tmp_path):
    est = factory().fit(X_TRAIN, Y[target])
    booster = _booster(est, tmp_path)
    for X in (X_TRAIN, X_TEST, _boundary_rows(est, X_TEST)):
        _check(est, booster, X)
    assert booster.num_boosted_rounds() == est.n_estimators_
    assert booster.num_features() == X_TRAIN.shape[1]


def test_feature_names_are_exported(tmp_path):
    import pandas as pd
    frame = pd.DataFrame(X_TRAIN, columns=["a", "b c", "d", "e", "f"])
    est = GradientBoostingRegressor(n_estimators=5).fit(frame, Y["reg"])
    booster = _booster(est, tmp_path)
    assert booster.feature_names == ["a", "b c", "d", "e", "f"]
    margin = booster.predict(xgb.DMatrix(frame), output_margin=True)
    np.testing.assert_allclose(margin, est.predict(frame), rtol=RTOL, atol=1e-4)


@pytest.mark.parametrize("make, target, match", [
    (lambda: GradientBoostingRegressor(loss="absolute_error"), "reg", "absolute_error"),
    (lambda: GradientBoostingRegressor(loss="huber"), "reg", "huber"),
    (lambda: GradientBoostingRegressor(loss="quantile"), "reg", "quantile"),
    (lambda: GradientBoostingClassifier(loss="exponential"), "bin", "exponential"),
    (lambda: GradientBoostingRegressor(init=DummyRegressor(strategy="median")), "reg",
     "init estimator"),
], ids=["absolute_error", "huber", "quantile", "exponential", "init-estimator"])
def test_models_without_an_xgboost_equivalent_are_refused(make, target, match, tmp_path):
    est = make().set_params(n_estimators=2).fit(X_TRAIN, Y[target])
    with pytest.raises(ValueError, match=match):
        est.export_xgboost_json(tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


def test_other_families_and_unfitted_models_are_refused(tmp_path):
    forest = RandomForestRegressor(n_estimators=2).fit(X_TRAIN, Y["reg"])
    with pytest.raises(ValueError, match="cannot be exported to xgboost"):
        xe.export_xgboost_json(forest, tmp_path / "m.json")
    with pytest.raises(NotFittedError):
        GradientBoostingRegressor().export_xgboost_json(tmp_path / "m.json")


def test_a_family_plugs_in_through_xgboost_parts(tmp_path):
    """Any estimator providing ``_xgboost_parts()`` is exported by the same code."""
    est = GradientBoostingClassifier(n_estimators=5).fit(X_TRAIN, Y["multi"])

    class Family:
        def _xgboost_parts(self):
            return xe.gradient_boosting_parts(est)

    xe.export_xgboost_json(Family(), tmp_path / "plugged.json")
    est.export_xgboost_json(tmp_path / "direct.json")
    assert (tmp_path / "plugged.json").read_bytes() == (tmp_path / "direct.json").read_bytes()
    _check(est, xgb.Booster(model_file=str(tmp_path / "plugged.json")), X_TEST)


def test_file_layout_is_xgboost_s(tmp_path):
    est = GradientBoostingClassifier(n_estimators=3).fit(X_TRAIN, Y["multi"])
    est.export_xgboost_json(tmp_path / "m.json")
    doc = json.loads((tmp_path / "m.json").read_text())
    model = doc["learner"]["gradient_booster"]["model"]
    assert doc["learner"]["objective"]["name"] == "multi:softprob"
    K = est.n_classes_
    assert model["tree_info"] == list(range(K)) * 3
    assert model["iteration_indptr"] == [0, K, 2 * K, 3 * K]
    tree = model["trees"][0]
    n = int(tree["tree_param"]["num_nodes"])
    for key in ("split_indices", "split_conditions", "default_left", "left_children",
                "right_children", "parents", "base_weights", "loss_changes", "sum_hessian"):
        assert len(tree[key]) == n, key
    assert tree["parents"][0] == 2147483647


def test_split_conditions_agree_with_float64_thresholds():
    """``x < condition`` in float32 equals ``x <= threshold`` in float64 for
    every float32 x near each threshold."""
    rng = np.random.RandomState(0)
    f32 = rng.randn(200).astype(np.float32)
    thresholds = np.concatenate([
        f32.astype(np.float64),                                     # exactly float32
        (f32[:-1].astype(np.float64) + f32[1:].astype(np.float64)) / 2,  # midpoints
        np.nextafter(f32.astype(np.float64), np.inf),               # just above
        np.nextafter(f32.astype(np.float64), -np.inf),              # just below
        [0.0, -0.0, 1e-45, -1e-45, 1e-300, 3.4028235e38, 1e39, -1e39, np.inf]])
    conditions = xe.split_conditions(thresholds).astype(np.float32)
    for t, c in zip(thresholds, conditions):
        t32 = np.float32(np.clip(t, -FLOAT32_MAX, FLOAT32_MAX))
        xs = [t32, _up(t32, np.float32(np.inf)), _up(t32, np.float32(-np.inf)),
              np.float32(0), np.float32(1)]
        for x in filter(np.isfinite, xs):  # infinite data is refused by both
            if x == FLOAT32_MAX and t >= FLOAT32_MAX:
                continue  # the documented caveat: x = FLT_MAX, threshold beyond it
            assert (x < c) == (np.float64(x) <= t), (t, c, x)


# ------------------------------------------------------ categorical splits
def _categorical_data(n=600, seed=0):
    """Two categorical features (10 and 3 categories, with NaN) among numeric
    ones, as a DataFrame and as the category codes xgboost reads."""
    import pandas as pd
    rng = np.random.RandomState(seed)
    letters = list("abcdefghij")
    frame = pd.DataFrame({
        "c": pd.Categorical(rng.choice(letters, n), categories=letters),
        "x": rng.randn(n).astype(np.float32).astype(np.float64),
        "d": pd.Categorical(rng.choice(["u", "v", "w"], n), categories=["u", "v", "w"]),
    })
    frame.loc[rng.rand(n) < 0.1, "c"] = np.nan
    effect = dict(zip(letters, np.random.RandomState(1).randn(10)))
    signal = (frame["c"].map(effect).astype(float).fillna(1.0).to_numpy()
              + frame["x"].to_numpy() + (frame["d"] == "v").to_numpy())
    noisy = signal + 0.3 * rng.randn(n)
    return frame, {"reg": signal + 0.1 * rng.randn(n), "bin": (noisy > 0.3).astype(int),
                   "multi": np.digitize(noisy, [-0.5, 0.8])}


def _codes(est, frame):
    """The codes of ``est.categories_`` (NaN: missing), as xgboost needs them."""
    columns = []
    for j, name in enumerate(frame.columns):
        if est.categories_[j] is None:
            columns.append(frame[name].to_numpy(dtype=np.float64))
        else:
            lookup = {c: i for i, c in enumerate(est.categories_[j])}
            columns.append(np.array([lookup.get(v, np.nan) for v in frame[name]], dtype=float))
    return np.column_stack(columns)


CAT_FRAME, CAT_Y = _categorical_data()


def _check_frame(est, booster, frame):
    """xgboost on the codes (and on unseen codes: 10, 11, 200, -1, 255) predicts
    what skboost predicts on the values."""
    codes = _codes(est, frame)
    matrix = xgb.DMatrix(codes, feature_names=list(frame.columns),
                         feature_types=["c", "float", "c"], enable_categorical=True)
    margin = booster.predict(matrix, output_margin=True)
    expected = (est.decision_function(frame) if hasattr(est, "decision_function")
                else est.predict(frame))
    np.testing.assert_allclose(margin, expected, rtol=RTOL, atol=ATOL * max(
        1.0, np.abs(expected).max()))


@pytest.mark.parametrize("split_method", ["hist", "exact"])
@pytest.mark.parametrize("make, target", [
    (lambda sm: GradientBoostingRegressor(n_estimators=20, max_depth=3, split_method=sm),
     "reg"),
    (lambda sm: GradientBoostingClassifier(n_estimators=10, max_leaf_nodes=6,
                                           max_depth=None, split_method=sm), "bin"),
    (lambda sm: GradientBoostingClassifier(n_estimators=8, max_depth=2, split_method=sm),
     "multi"),
], ids=["reg", "binary", "multi"])
def test_categorical_splits_predict_the_same_in_xgboost(make, target, split_method, tmp_path):
    est = make(split_method).fit(CAT_FRAME, CAT_Y[target])
    n_categorical = sum(int(t.categorical.sum()) for t in est._forest.trees)
    assert n_categorical > 5, "too few categorical splits: the test checks little"
    booster = _booster(est, tmp_path)
    _check_frame(est, booster, CAT_FRAME)
    test_frame, _ = _categorical_data(300, seed=2)
    _check_frame(est, booster, test_frame)
    # unseen categories: skboost sends them (as NaN) to the missing side; the
    # export makes every code outside 0..n-1 go there in xgboost too
    unseen = test_frame.iloc[:5].assign(c=["zz"] * 5)
    codes = _codes(est, test_frame.iloc[:5])
    codes[:, 0] = [10, 11, 200, -1, 255]
    expected = (est.decision_function(unseen) if hasattr(est, "decision_function")
                else est.predict(unseen))
    margin = booster.predict(xgb.DMatrix(codes, feature_names=list(CAT_FRAME.columns),
                                         feature_types=["c", "float", "c"],
                                         enable_categorical=True), output_margin=True)
    np.testing.assert_allclose(margin, expected, rtol=RTOL, atol=ATOL * max(
        1.0, np.abs(expected).max()))


def test_categorical_pandas_frame_in_xgboost(tmp_path):
    """A pandas frame whose categorical dtypes list the categories in the order
    of ``est.categories_`` has those codes: xgboost reads it directly."""
    est = GradientBoostingRegressor(n_estimators=10).fit(CAT_FRAME, CAT_Y["reg"])
    assert est.categories_[0] == list(CAT_FRAME["c"].cat.categories)
    booster = _booster(est, tmp_path)
    margin = booster.predict(xgb.DMatrix(CAT_FRAME, enable_categorical=True),
                             output_margin=True)
    np.testing.assert_allclose(margin, est.predict(CAT_FRAME), rtol=RTOL, atol=1e-4)


def test_categorical_file_layout(tmp_path):
    est = GradientBoostingRegressor(n_estimators=5, max_depth=3).fit(CAT_FRAME, CAT_Y["reg"])
    est.export_xgboost_json(tmp_path / "m.json")
    learner = json.loads((tmp_path / "m.json").read_text())["learner"]
    assert learner["feature_types"] == ["c", "float", "c"]
    for tree, doc in zip(est._forest.trees, learner["gradient_booster"]["model"]["trees"]):
        categorical = (tree.left != -1) & (tree.categorical == 1)
        assert doc["split_type"] == categorical.astype(int).tolist()
        assert doc["categories_nodes"] == np.flatnonzero(categorical).tolist()
        assert len(doc["categories_segments"]) == len(doc["categories_sizes"]) == \
            categorical.sum()
        assert sum(doc["categories_sizes"]) == len(doc["categories"])
        for node, start, size in zip(doc["categories_nodes"], doc["categories_segments"],
                                     doc["categories_sizes"]):
            listed = doc["categories"][start:start + size]
            assert listed == sorted(listed) and doc["default_left"][node] == 1
            n_categories = len(est.categories_[tree.feature[node]])
            assert set(listed) <= set(range(n_categories))
            # xgboost's right child gets the listed codes: skboost's child
            # for those codes, and its left child is skboost's missing side
            missing_side = tree.left[node] if tree.missing_left[node] else tree.right[node]
            assert doc["left_children"][node] == missing_side
        numeric = (tree.left != -1) & (tree.categorical == 0)
        assert not any(np.array(doc["default_left"])[numeric] != tree.missing_left[numeric])


def test_numeric_model_keeps_float_feature_types(tmp_path):
    est = GradientBoostingRegressor(n_estimators=3).fit(X_TRAIN, Y["reg"])
    est.export_xgboost_json(tmp_path / "m.json")
    learner = json.loads((tmp_path / "m.json").read_text())["learner"]
    assert learner["feature_types"] == []
    assert all(t["split_type"] == [0] * len(t["split_type"]) and t["categories"] == []
               for t in learner["gradient_booster"]["model"]["trees"])


def test_categorical_model_fitted_on_numpy_codes(tmp_path):
    """Without feature names the file still types the features ("c"/"float")
    and xgboost predicts on a plain matrix of the codes."""
    reference = GradientBoostingClassifier(n_estimators=6).fit(CAT_FRAME, CAT_Y["bin"])
    codes = _codes(reference, CAT_FRAME)
    est = GradientBoostingClassifier(n_estimators=6, categorical_features=[0, 2]).fit(
        codes, CAT_Y["bin"])
    est.export_xgboost_json(tmp_path / "m.json")
    learner = json.loads((tmp_path / "m.json").read_text())["learner"]
    assert learner["feature_names"] == [] and learner["feature_types"] == ["c", "float", "c"]
    booster = xgb.Booster(model_file=str(tmp_path / "m.json"))
    margin = booster.predict(xgb.DMatrix(codes), output_margin=True)
    np.testing.assert_allclose(margin, est.decision_function(codes), rtol=RTOL, atol=ATOL)
