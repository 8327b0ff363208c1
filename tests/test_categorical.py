"""Native categorical features in every engine family (GradientBoosting*,
RandomForest*, AdaBoost*) and both split methods.

* Quality on the shared datasets against one-hot encoding with the same
  number of trees and against scikit-learn's HistGradientBoosting (native
  categorical splits there too), with the settings and tolerances stated
  next to the tests.
* How categories reach the model: pandas categorical / string columns,
  polars Categorical / Enum / String columns, numpy codes declared by index,
  names or a boolean mask; unseen categories and NaN at predict; reordered
  columns; the errors for what is not supported.
* A subset split that no threshold on the codes can make is found exactly.
* Saving, pickling and SHAP values of models with categorical splits.
"""
import pickle
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

import skboost
from skboost import (AdaBoostClassifier, AdaBoostRegressor, GradientBoostingClassifier,
                     GradientBoostingRegressor, RandomForestClassifier,
                     RandomForestRegressor)
from skboost._inspect import category_codes_left, fitted_trees

from .conftest import load as load_data

SPLIT_METHODS = ("hist", "exact")


# ----------------------------------------------------------------- helpers
def mixed_frame(n=300, seed=0):
    """Two categorical columns (with NaN) and two numeric ones, and targets:
    ``reg`` (regression), ``bin`` and ``multi`` (three classes)."""
    rng = np.random.RandomState(seed)
    colour = np.array(list("rgbcmyk"))[rng.randint(0, 7, n)].astype(object)
    colour[rng.rand(n) < 0.1] = np.nan
    size = np.array(["S", "M", "L", "XL"])[rng.randint(0, 4, n)]
    X = pd.DataFrame({
        "colour": pd.Categorical(colour, categories=list("rgbcmyk")),
        "x0": rng.randn(n),
        "size": pd.Categorical(size, categories=["S", "M", "L", "XL"]),
        "x1": np.where(rng.rand(n) < 0.05, np.nan, rng.randn(n)),
    })
    effect = {"r": 1.5, "g": -1.0, "b": 2.0, "c": -2.0, "m": 0.5, "y": 1.0, "k": -0.5}
    signal = (X["colour"].map(effect).astype(float).fillna(0.7).to_numpy()
              + X["x0"].to_numpy() + (X["size"] == "M").to_numpy() * 1.2)
    noisy = signal + 0.3 * rng.randn(n)
    return X, {"reg": signal + 0.1 * rng.randn(n),
               "bin": (noisy > 0.5).astype(int),
               "multi": np.digitize(noisy, [-0.5, 1.0])}


def family_factories():
    """One small model per engine family, classifiers and regressors."""
    return {
        "gb_reg": lambda sm: GradientBoostingRegressor(n_estimators=8, max_depth=3,
                                                       split_method=sm),
        "gb_clf": lambda sm: GradientBoostingClassifier(n_estimators=5, max_depth=3,
                                                        split_method=sm),
        "rf_reg": lambda sm: RandomForestRegressor(n_estimators=4, max_depth=5,
                                                   random_state=0, split_method=sm),
        "rf_clf": lambda sm: RandomForestClassifier(n_estimators=4, max_depth=5,
                                                    random_state=0, split_method=sm),
        "ada_reg": lambda sm: AdaBoostRegressor(n_estimators=4, max_depth=3,
                                                random_state=0, split_method=sm),
        "ada_clf": lambda sm: AdaBoostClassifier(n_estimators=4, max_depth=2,
                                                 random_state=0, split_method=sm),
    }


FAMILIES = tuple(family_factories())


def target_for(family):
    return "reg" if family.endswith("reg") else "multi"


def margin(est, X):
    """What ``predict_contributions`` explains (see skboost._shap.margin_parts)."""
    if isinstance(est, (GradientBoostingClassifier, AdaBoostClassifier)):
        return est.decision_function(X)
    if isinstance(est, RandomForestClassifier):
        return est.predict_proba(X)
    return est.predict(X)


def outputs(est, X):
    """Every prediction of ``est`` on ``X`` (for exact comparisons)."""
    out = [est.predict(X), margin(est, X)]
    if hasattr(est, "predict_proba"):
        out.append(est.predict_proba(X))
    return out


def assert_same_outputs(a, b, X_a, X_b=None):
    for got, expected in zip(outputs(b, X_a if X_b is None else X_b), outputs(a, X_a)):
        np.testing.assert_array_equal(got, expected)


def categorical_splits(est):
    """``(feature, codes sent left)`` of every categorical split of ``est``."""
    found = []
    for tree in fitted_trees(est)[0]:
        for node in np.flatnonzero((tree.left != -1) & (tree.categorical == 1)):
            found.append((int(tree.feature[node]), category_codes_left(tree, node).tolist()))
    return found


# ------------------------------------------------------- quality on real data
# Same trees for every model: 100 boosting iterations, learning rate 0.1,
# best-first trees of at most 31 leaves (max_depth=None), at least 20 rows
# per leaf, 255 bins, no L2 and no early stopping.
N_TREES, LEARNING_RATE, LEAVES, MIN_LEAF = 100, 0.1, 31, 20
SKBOOST_SETTINGS = dict(n_estimators=N_TREES, learning_rate=LEARNING_RATE,
                        max_leaf_nodes=LEAVES, max_depth=None, min_samples_leaf=MIN_LEAF,
                        max_bins=255)
HGB_SETTINGS = dict(max_iter=N_TREES, learning_rate=LEARNING_RATE, max_leaf_nodes=LEAVES,
                    max_depth=None, min_samples_leaf=MIN_LEAF, max_bins=255,
                    l2_regularization=0.0, early_stopping=False,
                    categorical_features="from_dtype")


def _covertype_binary():
    """covertype's two large classes, Spruce/Fir (1) against Lodgepole Pine (2):
    127,702 rows (85% of the data), as LIBSVM's covtype.binary.

    Why not the 7 classes: scikit-learn's GradientBoostingClassifier, which
    skboost reproduces, grows each class's tree on the gradient
    (``friedman_mse``) with Newton leaves, while HistGradientBoosting uses
    Newton gains; on covertype's 7 classes the two algorithms differ by
    0.007-0.015 in accuracy even without categorical features, and
    HistGradientBoosting's own multiclass accuracy drops from 0.797 to 0.748
    between iterations 80 and 90 (40,000-row subsample, numeric features
    only): no comparison of categorical handling is possible there.
    """
    X, y, _ = load_data("covertype")
    keep = np.isin(y, [1, 2])
    return X[keep].reset_index(drop=True), (y[keep] == 2).astype(int)


def _dataset(name):
    """``(X_train, X_test, y_train, y_test, task)``; ``X_test`` is None for
    penguins, scored by 5-fold cross-validation (344 rows)."""
    if name == "adult":   # the official split: 32,561 / 16,281 rows
        X_tr, y_tr, task = load_data("adult", split="train")
        X_te, y_te, _ = load_data("adult", split="test")
        return X_tr, X_te, y_tr, y_te, task
    if name == "penguins":
        X, y, task = load_data("penguins")
        return X, None, y, None, task
    if name == "diamonds":   # 10,000 of 53,940 rows, 70/30 split
        X, y, task = load_data("diamonds")
        rows = np.random.RandomState(0).choice(len(X), 10_000, replace=False)
        X_tr, X_te, y_tr, y_te = train_test_split(X.iloc[rows], y[rows], test_size=0.3,
                                                  random_state=0)
        return X_tr, X_te, y_tr, y_te, task
    X, y = _covertype_binary()   # all 127,702 rows, 70/30 split
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, random_state=0,
                                              stratify=y)
    return X_tr, X_te, y_tr, y_te, "binary"


def _score(model, X_tr, X_te, y_tr, y_te):
    if X_te is None:
        folds = StratifiedKFold(5, shuffle=True, random_state=0)
        return float(cross_val_score(model, X_tr, y_tr, cv=folds).mean())
    return float(model.fit(X_tr, y_tr).score(X_te, y_te))


@lru_cache(maxsize=None)
def quality_scores(name):
    """Accuracy (classification) or R² (regression) of native categorical
    handling, one-hot encoding and HistGradientBoosting on ``name``."""
    X_tr, X_te, y_tr, y_te, task = _dataset(name)
    regression = task == "regression"
    Est = GradientBoostingRegressor if regression else GradientBoostingClassifier
    HGB = HistGradientBoostingRegressor if regression else HistGradientBoostingClassifier
    categorical = [c for c in X_tr.columns if isinstance(X_tr[c].dtype, pd.CategoricalDtype)]
    one_hot = make_pipeline(
        ColumnTransformer([("onehot", OneHotEncoder(handle_unknown="ignore",
                                                    sparse_output=False), categorical)],
                          remainder="passthrough"),
        Est(categorical_features=None, **SKBOOST_SETTINGS))
    return {"native": _score(Est(**SKBOOST_SETTINGS), X_tr, X_te, y_tr, y_te),
            "onehot": _score(one_hot, X_tr, X_te, y_tr, y_te),
            "hgb": _score(HGB(**HGB_SETTINGS), X_tr, X_te, y_tr, y_te)}


QUALITY = [pytest.param("penguins", id="penguins"),
           pytest.param("diamonds", id="diamonds"),
           pytest.param("adult", id="adult", marks=pytest.mark.slow),
           pytest.param("covertype", id="covertype-binary", marks=pytest.mark.slow)]

# Native categorical splits may trail one-hot encoding by at most this much.
# Measured (settings above, native / one-hot / HistGradientBoosting):
# penguins 0.9855 / 0.9855 / 0.9855 (5-fold accuracy), diamonds R² 0.9797 /
# 0.9784 / 0.9794, covertype-binary 0.8574 / 0.8545 / 0.8528, adult 0.8711 /
# 0.8743 / 0.8716.
# Adult is the one where one-hot wins (by 0.0032 here, 0.0022 with 50 trees
# of 15 leaves).  scikit-learn's native splits trail one-hot there by about
# as much (0.0027), so the gap belongs to subset splits on adult (e.g.
# native-country: 41 categories, most with a few dozen rows), not to
# skboost's implementation of them.  0.005 leaves room for that gap and
# for no real loss.
ONE_HOT_TOLERANCE = 0.005
# The same settings in HistGradientBoosting: within 0.005 of accuracy or R²
# (the bound).
HGB_TOLERANCE = 0.005


@pytest.mark.parametrize("name", QUALITY)
def test_native_scores_at_least_as_well_as_one_hot(name):
    scores = quality_scores(name)
    assert scores["native"] >= scores["onehot"] - ONE_HOT_TOLERANCE, scores


@pytest.mark.parametrize("name", QUALITY)
def test_native_matches_hist_gradient_boosting(name):
    """Two-sided on penguins, diamonds and adult.  On covertype-binary skboost
    is measured 0.0046 (seed 0) and 0.0048 (seed 1) *above*
    HistGradientBoosting (0.8574 / 0.8528): GradientBoostingClassifier's
    trees split on the gradient, HistGradientBoosting's on the Newton gain,
    and with the categorical features left out skboost is already 0.0015 to
    0.003 above (60,000-row subsamples).  Being better than scikit-learn is
    not a mismatch of the categorical handling, so there the bound is one
    sided: never more than 0.005 below."""
    scores = quality_scores(name)
    assert scores["native"] >= scores["hgb"] - HGB_TOLERANCE, scores
    if name != "covertype":
        assert scores["native"] <= scores["hgb"] + HGB_TOLERANCE, scores


def test_covertype_codes_by_index_equal_the_dataframe():
    """covertype's numpy form holds the category codes of Wilderness_Area and
    Soil_Type as numbers: declared by index, they give the model the
    DataFrame's categorical dtypes give (7 classes, 6,000-row subsample)."""
    X, y, _ = load_data("covertype")
    codes, _, _ = load_data("covertype", as_frame=False)
    rows = np.random.RandomState(0).choice(len(X), 6000, replace=False)
    frame, array, y = X.iloc[rows[:4000]], codes[rows[:4000]], y[rows[:4000]]
    test_frame, test_array = X.iloc[rows[4000:]], codes[rows[4000:]]
    index = [list(X.columns).index("Wilderness_Area"), list(X.columns).index("Soil_Type")]
    present = [sorted(np.unique(array[:, j])) for j in index]
    settings = dict(n_estimators=5, max_leaf_nodes=15, max_depth=None, random_state=0)
    by_dtype = GradientBoostingClassifier(**settings).fit(frame, y)
    by_index = GradientBoostingClassifier(categorical_features=index, **settings).fit(array, y)
    assert by_index.categories_[index[0]] == present[0]
    assert by_index.categories_[index[1]] == present[1]
    assert [len(c) for c in by_dtype.categories_ if c is not None] == \
        [len(p) for p in present]
    assert categorical_splits(by_dtype) == categorical_splits(by_index)
    assert categorical_splits(by_dtype), "no categorical split: the test checks nothing"
    np.testing.assert_array_equal(by_dtype.predict_proba(test_frame),
                                  by_index.predict_proba(test_array))


# ------------------------------------------------- categories at predict time
def _unseen_case(nan_target, n_a=20, n_bc=40, with_nan=True):
    """Categories a, b, c (and NaN): a and NaN rows have target 0 or 10 as
    asked, b and c rows the other value, so a depth-1 tree splits {a} from
    {b, c} and must learn which side NaN takes."""
    c = ["a"] * n_a + ["b"] * (n_bc // 2) + ["c"] * (n_bc - n_bc // 2)
    y = [0.0] * n_a + [10.0] * n_bc
    if with_nan:
        c += [np.nan] * 15
        y += [nan_target] * 15
    return pd.DataFrame({"c": pd.Categorical(c, categories=["a", "b", "c"])}), np.array(y)


def _stump(kind, split_method):
    if kind == "gb":
        return GradientBoostingRegressor(n_estimators=1, max_depth=1, learning_rate=1.0,
                                         split_method=split_method)
    if kind == "rf":
        return RandomForestRegressor(n_estimators=1, max_depth=1, bootstrap=False,
                                     max_features=None, split_method=split_method)
    return AdaBoostRegressor(n_estimators=1, max_depth=1, split_method=split_method)


@pytest.mark.parametrize("split_method", SPLIT_METHODS)
@pytest.mark.parametrize("kind", ["gb", "rf", "ada"])
def test_unseen_categories_follow_the_missing_side(kind, split_method):
    """A category unseen at fit goes where NaN goes: with NaN rows like the
    a rows it is predicted as a, with NaN rows like b and c as b/c; the
    prediction changes with the learned side, so the direction is used."""
    unseen = pd.DataFrame({"c": ["zzz", np.nan, "a", "b"]})
    for nan_target, expected in ((0.0, [0.0, 0.0, 0.0, 10.0]), (10.0, [10.0, 10.0, 0.0, 10.0])):
        X, y = _unseen_case(nan_target)
        est = _stump(kind, split_method).fit(X, y)
        tree = fitted_trees(est)[0][0]
        assert tree.categorical[0] == 1
        left_is_a = category_codes_left(tree, 0).tolist() == [0]
        assert left_is_a or category_codes_left(tree, 0).tolist() == [1, 2]
        assert bool(tree.missing_left[0]) == (left_is_a == (nan_target == 0.0))
        np.testing.assert_allclose(est.predict(unseen), expected, atol=1e-9)


@pytest.mark.parametrize("split_method", SPLIT_METHODS)
def test_unseen_categories_without_missing_values_at_fit(split_method):
    """Without NaN at fit, unseen categories (and NaN) go to the child with
    more training rows."""
    for n_a, n_bc, expected in ((20, 40, 10.0), (50, 20, 0.0)):
        X, y = _unseen_case(None, n_a=n_a, n_bc=n_bc, with_nan=False)
        est = _stump("gb", split_method).fit(X, y)
        np.testing.assert_allclose(est.predict(pd.DataFrame({"c": ["new", np.nan]})),
                                   [expected, expected], atol=1e-9)


def test_unseen_category_in_a_pandas_dtype_and_in_strings():
    """New categories in the predict frame's dtype, a dtype with its categories
    in another order, and a plain string column all predict by value."""
    X, y = mixed_frame()
    est = GradientBoostingRegressor(n_estimators=10, max_depth=3).fit(X, y["reg"])
    base = est.predict(X)
    reordered = X.assign(colour=X["colour"].cat.reorder_categories(list("kymcbgr")),
                         size=X["size"].cat.set_categories(["XXL", "XL", "L", "M", "S"]))
    np.testing.assert_array_equal(est.predict(reordered), base)
    as_strings = X.assign(colour=X["colour"].astype(object), size=X["size"].astype(str))
    np.testing.assert_array_equal(est.predict(as_strings), base)
    new = X.assign(colour=pd.Categorical(["purple"] * len(X)))
    nan = X.assign(colour=pd.Categorical([np.nan] * len(X), categories=["r"]))
    np.testing.assert_array_equal(est.predict(new), est.predict(nan))


def test_nan_in_categorical_columns():
    """NaN (pandas categorical NaN, None in object and str columns, NaN codes
    in numpy) is a missing value, never a category."""
    X, y = mixed_frame()
    est = GradientBoostingRegressor(n_estimators=10, max_depth=3).fit(X, y["reg"])
    assert est.categories_[0] == list("rgbcmyk")   # NaN is no category
    objects = X.assign(colour=X["colour"].astype(object).where(X["colour"].notna(), None))
    same = GradientBoostingRegressor(n_estimators=10, max_depth=3).fit(objects, y["reg"])
    assert same.categories_[0] == sorted("rgbcmyk")   # strings: sorted values
    np.testing.assert_allclose(same.predict(objects), est.predict(X), rtol=0, atol=1e-12)
    codes = X["colour"].cat.codes.to_numpy().astype(float)
    codes[codes < 0] = np.nan
    array = np.column_stack([codes, X["x0"], X["size"].cat.codes, X["x1"]])
    by_index = GradientBoostingRegressor(n_estimators=10, max_depth=3,
                                         categorical_features=[0, 2]).fit(array, y["reg"])
    np.testing.assert_array_equal(by_index.predict(array), est.predict(X))


def test_pandas_nullable_string_na_is_missing():
    column = pd.array(["a", "b", None, "a"] * 10, dtype="string")
    est = GradientBoostingRegressor(n_estimators=2).fit(pd.DataFrame({"c": column}),
                                                        np.arange(40.0))
    assert est.categories_ == [["a", "b"]]


def test_reordered_dataframe_columns():
    X, y = mixed_frame()
    for est in (GradientBoostingClassifier(n_estimators=5, max_depth=3),
                RandomForestClassifier(n_estimators=3, random_state=0)):
        est.fit(X, y["multi"])
        shuffled = X[["x1", "size", "x0", "colour"]]
        np.testing.assert_array_equal(est.predict_proba(shuffled), est.predict_proba(X))
        assert est.feature_names_in_.tolist() == list(X.columns)


def test_polars_categorical_enum_and_string_columns():
    import polars as pl
    X, y = mixed_frame()
    settings = dict(n_estimators=10, max_depth=3)
    reference = GradientBoostingRegressor(**settings).fit(X, y["reg"])
    strings = pl.DataFrame({"colour": [None if pd.isna(v) else v for v in X["colour"]],
                            "x0": X["x0"].tolist(),
                            "size": X["size"].astype(str).tolist(),
                            "x1": X["x1"].tolist()})
    frames = {
        "string": strings,
        "categorical": strings.with_columns(pl.col("colour").cast(pl.Categorical),
                                            pl.col("size").cast(pl.Categorical)),
        "enum": strings.with_columns(pl.col("colour").cast(pl.Enum(list("rgbcmyk"))),
                                     pl.col("size").cast(pl.Enum(["S", "M", "L", "XL"]))),
    }
    for kind, frame in frames.items():
        est = GradientBoostingRegressor(**settings).fit(frame, y["reg"])
        assert est.is_categorical_.tolist() == [True, False, True, False], kind
        assert sorted(est.categories_[0]) == sorted("rgbcmyk"), kind
        np.testing.assert_allclose(est.predict(frame), reference.predict(X), atol=1e-12,
                                   err_msg=kind)
        # categories are matched by value: pandas rows work on a polars model
        np.testing.assert_allclose(est.predict(X), reference.predict(X), atol=1e-12,
                                   err_msg=kind)
    enum = GradientBoostingRegressor(**settings).fit(frames["enum"], y["reg"])
    assert enum.categories_[2] == ["S", "M", "L", "XL"]   # the declared order


@pytest.mark.parametrize("split_method", SPLIT_METHODS)
def test_numpy_float_codes_are_labels(split_method):
    """Codes 3.0, 7.0 and -1.0 declared by index are labels, not numbers:
    the target is "x == 3", the middle value, which no threshold isolates
    in one split."""
    rng = np.random.RandomState(0)
    codes = rng.choice([3.0, 7.0, -1.0], 300)
    X = np.column_stack([codes, rng.randn(300)])
    y = (codes == 3.0).astype(int)
    settings = dict(n_estimators=1, max_depth=1, learning_rate=1.0, split_method=split_method)
    est = GradientBoostingClassifier(categorical_features=[0], **settings).fit(X, y)
    assert est.categories_ == [[-1.0, 3.0, 7.0], None]
    assert est.is_categorical_.tolist() == [True, False]
    np.testing.assert_array_equal(est.predict(X), y)
    numeric = GradientBoostingClassifier(categorical_features=None, **settings).fit(X, y)
    assert (numeric.predict(X) != y).any()   # the check above can fail
    # an unseen code and NaN take the missing side: here the larger child (not 3)
    np.testing.assert_array_equal(est.predict(np.array([[5.0, 0.0], [np.nan, 0.0]])), [0, 0])


def test_names_mask_and_indices_are_the_same_choice():
    X, y = mixed_frame()
    coded = X.assign(colour=X["colour"].cat.codes.replace(-1, np.nan).astype(float),
                     size=X["size"].cat.codes.astype(float))
    settings = dict(n_estimators=5, max_depth=3)
    fits = {spec_id: GradientBoostingRegressor(categorical_features=spec, **settings)
            .fit(coded, y["reg"])
            for spec_id, spec in (("names", ["colour", "size"]), ("indices", [0, 2]),
                                  ("negative", [-4, -2]),
                                  ("mask", [True, False, True, False]),
                                  ("mask-array", np.array([True, False, True, False])))}
    for spec_id, est in fits.items():
        assert est.is_categorical_.tolist() == [True, False, True, False], spec_id
        assert est.categories_ == fits["names"].categories_, spec_id
        np.testing.assert_array_equal(est.predict(coded), fits["names"].predict(coded))
    assert categorical_splits(fits["names"])
    numeric = GradientBoostingRegressor(categorical_features=None, **settings).fit(coded,
                                                                                   y["reg"])
    assert not categorical_splits(numeric)


@pytest.mark.parametrize("spec, match", [
    (["colour", "nope"], "nope"),
    ([0, 4], "4"),
    ([True, False], "boolean mask"),
    ([1.5], "1.5"),
])
def test_bad_categorical_features(spec, match):
    X, y = mixed_frame()
    coded = X.assign(colour=X["colour"].cat.codes.astype(float),
                     size=X["size"].cat.codes.astype(float))
    with pytest.raises(ValueError, match=match):
        GradientBoostingRegressor(categorical_features=spec, n_estimators=2).fit(coded,
                                                                                 y["reg"])


def test_names_need_a_dataframe():
    X = np.random.RandomState(0).randint(0, 3, (30, 2)).astype(float)
    with pytest.raises(ValueError, match="DataFrame"):
        GradientBoostingRegressor(categorical_features=["a"]).fit(X, X[:, 0])


@pytest.mark.parametrize("make", [
    lambda: GradientBoostingRegressor(categorical_features=None, n_estimators=2),
    lambda: RandomForestRegressor(categorical_features=None, n_estimators=2),
    lambda: AdaBoostRegressor(categorical_features=None, n_estimators=2),
], ids=["gb", "rf", "ada"])
def test_none_refuses_string_and_categorical_columns(make):
    X, y = mixed_frame()
    for frame in (X, X.assign(colour=X["colour"].astype(str), size=X["size"].astype(str))):
        with pytest.raises(ValueError, match=r"non-numeric columns \['colour', 'size'\]"):
            make().fit(frame, y["reg"])
    numeric = X.drop(columns=["colour", "size"])
    make().fit(numeric, y["reg"])   # numeric columns are fine


@pytest.mark.parametrize("split_method", SPLIT_METHODS)
def test_more_than_255_categories(split_method):
    rng = np.random.RandomState(0)
    values = [f"v{i:03d}" for i in range(256)]
    X = pd.DataFrame({"c": rng.permutation(values * 2), "x": rng.randn(512)})
    y = rng.randn(512)
    with pytest.raises(ValueError, match="'c' has 256 categories; at most 255"):
        GradientBoostingRegressor(n_estimators=2, split_method=split_method).fit(X, y)
    ok = X[X["c"] != "v255"]   # 255 categories fit
    est = GradientBoostingRegressor(n_estimators=2, split_method=split_method).fit(
        ok, y[ok.index])
    assert len(est.categories_[0]) == 255


def test_max_bins_below_the_number_of_categories():
    X, y = mixed_frame()   # colour has 7 categories
    with pytest.raises(ValueError, match="7 categories, more than max_bins=6"):
        GradientBoostingRegressor(max_bins=6, n_estimators=2).fit(X, y["reg"])
    with pytest.raises(ValueError, match="more than max_bins"):
        RandomForestRegressor(max_bins=6, n_estimators=2).fit(X, y["reg"])
    with pytest.raises(ValueError, match="more than max_bins"):
        AdaBoostRegressor(max_bins=6, n_estimators=2).fit(X, y["reg"])
    GradientBoostingRegressor(max_bins=7, n_estimators=2).fit(X, y["reg"])


@pytest.mark.parametrize("split_method", SPLIT_METHODS)
@pytest.mark.parametrize("Est", [GradientBoostingRegressor, RandomForestRegressor])
def test_monotonic_constraint_on_a_categorical_feature(Est, split_method):
    X, y = mixed_frame()
    with pytest.raises(ValueError, match="Monotonic constraints cannot be set on "
                                         "categorical features"):
        Est(monotonic_cst=[1, 0, 0, 0], n_estimators=2,
            split_method=split_method).fit(X, y["reg"])
    Est(monotonic_cst=[0, 1, 0, 0], n_estimators=2,
        split_method=split_method).fit(X, y["reg"])   # numeric ones are fine


@pytest.mark.parametrize("family", FAMILIES)
def test_sparse_x_with_categorical_features(family):
    rng = np.random.RandomState(0)
    X = sparse.csr_matrix(np.column_stack([rng.randint(0, 3, 60), rng.randn(60)]))
    y = rng.randint(0, 2, 60) if family.endswith("clf") else rng.randn(60)
    est = family_factories()[family]("hist").set_params(categorical_features=[0])
    with pytest.raises(ValueError, match="not supported with sparse X"):
        est.fit(X, y)


# --------------------------------------------------- subsets no threshold makes
def _subset_data(categories, left, repeat=25):
    """Each category ``repeat`` times; the target is 1 on ``left``, else 0.
    The category order puts ``left`` at alternate positions, so no threshold
    on the codes separates it."""
    c = np.repeat(categories, repeat)
    X = pd.DataFrame({"c": pd.Categorical(c, categories=categories)})
    return X, np.isin(c, left).astype(int)


def _depth1(family, split_method):
    return {
        "gb_reg": GradientBoostingRegressor(n_estimators=1, max_depth=1, learning_rate=1.0,
                                            split_method=split_method),
        "gb_clf": GradientBoostingClassifier(n_estimators=1, max_depth=1, learning_rate=1.0,
                                             split_method=split_method),
        "rf_reg": RandomForestRegressor(n_estimators=1, max_depth=1, bootstrap=False,
                                        max_features=None, split_method=split_method),
        "rf_clf": RandomForestClassifier(n_estimators=1, max_depth=1, bootstrap=False,
                                         max_features=None, split_method=split_method),
        "ada_reg": AdaBoostRegressor(n_estimators=1, max_depth=1, split_method=split_method),
        "ada_clf": AdaBoostClassifier(n_estimators=1, max_depth=1, split_method=split_method),
    }[family]


def _check_subset_found(family, split_method, categories, left):
    X, y = _subset_data(categories, left)
    est = _depth1(family, split_method).fit(X, y)
    trees = fitted_trees(est)[0]
    assert len(trees) == 1
    tree = trees[0]
    assert tree.node_count == 3 and tree.categorical[0] == 1
    codes = [categories.index(c) for c in left]
    other = [i for i in range(len(categories)) if i not in codes]
    assert category_codes_left(tree, 0).tolist() in (codes, other)
    pred = est.predict(X)
    np.testing.assert_array_equal(np.round(pred) if family.endswith("reg") else pred, y)


def _family_params():
    """Every family with both split methods."""
    return [pytest.param(family, split_method, id=f"{family}-{split_method}")
            for family in FAMILIES for split_method in SPLIT_METHODS]


@pytest.mark.parametrize("family, split_method", _family_params())
def test_depth1_tree_finds_a_category_subset(family, split_method):
    """Signal on {a, c} against {b, d}: one split finds it exactly."""
    _check_subset_found(family, split_method, ["a", "b", "c", "d"], ["a", "c"])


@pytest.mark.parametrize("family, split_method", _family_params())
def test_depth1_tree_finds_a_subset_of_five_categories(family, split_method):
    """{a, c, e} against {b, d}: five categories, searched by sorted prefixes."""
    _check_subset_found(family, split_method, ["a", "b", "c", "d", "e"], ["a", "c", "e"])


# ------------------------------------------------ saving, pickling, SHAP values
@lru_cache(maxsize=None)
def fitted(family, split_method):
    X, y = mixed_frame()
    est = family_factories()[family](split_method).fit(X, y[target_for(family)])
    assert categorical_splits(est), "no categorical split: the test checks nothing"
    return est


def _test_rows():
    X, _ = mixed_frame(120, seed=1)
    X.loc[:4, "colour"] = np.nan
    unseen = X.iloc[5:10].assign(colour=["new"] * 5, size=["XXL", "S", "new", "M", "L"])
    return pd.concat([X.iloc[:5], unseen.astype({"colour": object, "size": object}),
                      X.iloc[10:]]).reset_index(drop=True)


@pytest.mark.parametrize("family, split_method", _family_params())
def test_save_load_and_pickle_keep_predictions(family, split_method, tmp_path):
    est = fitted(family, split_method)
    X = _test_rows()
    path = tmp_path / "model.json"
    est.save_model(path)
    loaded = skboost.load_model(path)
    into = type(est)().load_model(path)
    unpickled = pickle.loads(pickle.dumps(est))
    for other in (loaded, into, unpickled):
        assert other.categories_ == est.categories_
        np.testing.assert_array_equal(other.is_categorical_, est.is_categorical_)
        assert_same_outputs(est, other, X)
    assert categorical_splits(loaded) == categorical_splits(est)


@pytest.mark.parametrize("family, split_method", _family_params())
def test_contributions_sum_to_the_margin(family, split_method):
    est = fitted(family, split_method)
    X = _test_rows()
    contributions = est.predict_contributions(X)
    np.testing.assert_allclose(contributions.sum(axis=1), margin(est, X),
                               rtol=1e-9, atol=1e-9)
    # a feature the trees never split on gets nothing
    used = {int(f) for t in fitted_trees(est)[0] for f in t.feature[t.left != -1]}
    for j in set(range(X.shape[1])) - used:
        np.testing.assert_array_equal(contributions[:, j], 0.0)


@pytest.mark.parametrize("family, split_method", [
    pytest.param(family, "hist", id=family) for family in FAMILIES])
def test_each_tree_predicts_from_the_categorical_frame(family, split_method):
    """scikit-learn's per-tree estimators take the ensemble's input: so do
    skboost's, categories included."""
    est = fitted(family, split_method)
    X = _test_rows()
    first = np.ravel(est.estimators_)[0] if family.startswith("gb") else est.estimators_[0]
    assert np.shape(first.predict(X))[0] == len(X)
