"""Importances by type and tree tables (skboost.inspection).

The importance definitions are checked three ways: on hand-built trees whose
answer is computed by hand, against a brute-force walk over the nodes of
every family's fitted trees, and against xgboost's own ``get_score`` on
xgboost's trees copied node by node into skboost's format.
"""
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.tree import DecisionTreeClassifier

import skboost
from skboost._inspect import category_codes_left, fitted_trees
from skboost._kernels.categorical import BITSET_WORDS
from skboost._tree import LEAF, Forest, Tree
from skboost.inspection import feature_importances, trees_to_dataframe

TYPES = ("gain", "total_gain", "weight", "split", "cover", "total_cover")


# ------------------------------------------------------------------ helpers
def make_tree(left, right, feature, gain, cover, value, threshold=None, missing_left=None,
              categories_left=None):
    """A Tree from per-node lists (leaves: left = right = -1).

    ``categories_left`` maps a node to the category codes its categorical
    split sends left (the node's threshold is then NaN).
    """
    n = len(left)
    value = np.asarray(value, dtype=np.float64).reshape(n, -1)
    categorical = np.zeros(n, dtype=np.uint8)
    cat_bitset = np.zeros((n, BITSET_WORDS), dtype=np.uint32)
    threshold = np.asarray(threshold if threshold is not None else np.arange(n) + 0.5,
                           dtype=np.float64).copy()
    for node, codes in (categories_left or {}).items():
        categorical[node] = 1
        threshold[node] = np.nan
        for code in codes:
            cat_bitset[node, code // 32] |= np.uint32(1 << (code % 32))
    return Tree(feature=np.asarray(feature, dtype=np.int32),
                threshold=threshold, threshold_bin=np.zeros(n, dtype=np.int32),
                missing_left=np.asarray(missing_left if missing_left is not None
                                        else np.ones(n), dtype=np.uint8),
                left=np.asarray(left, dtype=np.int32), right=np.asarray(right, dtype=np.int32),
                value=value, gain=np.asarray(gain, dtype=np.float64),
                cover=np.asarray(cover, dtype=np.float64),
                n_samples=np.asarray(cover, dtype=np.int64), categorical=categorical,
                cat_bitset=cat_bitset)


class HandModel:
    """The smallest thing the inspection code reads: ``_forest`` and
    ``n_features_in_`` (and ``categories_`` when given)."""

    def __init__(self, trees, n_features, columns=None, categories=None):
        self._forest = Forest(1)
        for tree, column in zip(trees, columns or [0] * len(trees)):
            self._forest.append(tree, column)
        self.n_features_in_ = n_features
        if categories is not None:
            self.categories_ = categories


def categorical_hand_tree():
    """Root: island (f0) in {Biscoe, Torgersen} (codes 0, 2) goes left,
    missing values right; left child: f1 <= 0.5."""
    return make_tree(left=[1, 3, -1, -1, -1], right=[2, 4, -1, -1, -1],
                     feature=[0, 1, 0, 0, 0], gain=[5, 2, 0, 0, 0],
                     cover=[50, 30, 20, 10, 20], value=[0, 0, 1.0, 2.0, 3.0],
                     threshold=[0, 0.5, 0, 0, 0], missing_left=[0, 1, 1, 1, 1],
                     categories_left={0: [0, 2]})


ISLANDS = ["Biscoe", "Dream", "Torgersen"]


def two_hand_trees():
    """Tree A: f0 (gain 10, cover 100), left child f1 (4, 60);
    tree B: f0 (2, 100), right child f2 (6, 30)."""
    a = make_tree(left=[1, 3, -1, -1, -1], right=[2, 4, -1, -1, -1], feature=[0, 1, 0, 0, 0],
                  gain=[10, 4, 0, 0, 0], cover=[100, 60, 40, 20, 40],
                  value=[0, 0.1, -0.2, 0.3, -0.4])
    b = make_tree(left=[1, -1, 3, -1, -1], right=[2, -1, 4, -1, -1], feature=[0, 3, 2, 3, 3],
                  gain=[2, 0, 6, 0, 0], cover=[100, 70, 30, 10, 20],
                  value=[0, 0.5, 0.6, 0.7, 0.8], missing_left=[0, 1, 1, 1, 1])
    return [a, b]


def brute_force_importances(trees, n_features, importance_type):
    """xgboost's definitions by walking every node in Python."""
    count = [0.0] * n_features
    gain = [0.0] * n_features
    cover = [0.0] * n_features
    for tree in trees:
        for node in range(tree.node_count):
            if tree.left[node] == LEAF:
                continue
            f = int(tree.feature[node])
            count[f] += 1
            gain[f] += tree.gain[node]
            cover[f] += tree.cover[node]
    if importance_type in ("weight", "split"):
        score = count
    elif importance_type.startswith("total_"):
        score = gain if importance_type == "total_gain" else cover
    else:
        total = gain if importance_type == "gain" else cover
        score = [t / c if c else 0.0 for t, c in zip(total, count)]
    s = sum(score)
    return np.array([v / s if s > 0 else 0.0 for v in score])


_FITTED = {}


def fitted_models(load):
    """One small fitted model per family on penguins (cached for the session)."""
    if _FITTED:
        return _FITTED
    X, y, _ = load("penguins", as_frame=False)
    names = list(load("penguins")[0].columns)
    Xf = pd.DataFrame(X, columns=names)
    mass = names.index("body_mass_g")
    Xr, yr = Xf.drop(columns="body_mass_g"), np.nan_to_num(X[:, mass], nan=4000.0)
    models = {
        "gb_reg": (skboost.GradientBoostingRegressor(n_estimators=4, max_depth=3,
                                                     subsample=0.8, random_state=0), Xr, yr),
        "gb_clf": (skboost.GradientBoostingClassifier(n_estimators=3, max_depth=3), Xf, y),
        "rf_clf": (skboost.RandomForestClassifier(n_estimators=3, max_depth=5,
                                                  random_state=0), Xf, y),
        "rf_reg": (skboost.RandomForestRegressor(n_estimators=3, max_depth=4,
                                                 random_state=0), Xr, yr),
        "ada_clf": (skboost.AdaBoostClassifier(n_estimators=4, random_state=0), Xf, y),
        "ada_reg": (skboost.AdaBoostRegressor(n_estimators=3, random_state=0), Xr, yr),
    }
    for name, (est, X_, y_) in models.items():
        _FITTED[name] = est.fit(X_, y_)
    return _FITTED


FAMILIES = ("gb_reg", "gb_clf", "rf_clf", "rf_reg", "ada_clf", "ada_reg")


@pytest.fixture(scope="module")
def models(load):
    return fitted_models(load)


# ------------------------------------------------------- importances by hand
HAND_EXPECTED = {
    # f0: 2 splits (gain 10 + 2, cover 100 + 100); f1: 1 (4, 60); f2: 1 (6, 30); f3: none
    "weight": [2 / 4, 1 / 4, 1 / 4, 0],
    "split": [2 / 4, 1 / 4, 1 / 4, 0],
    "total_gain": [12 / 22, 4 / 22, 6 / 22, 0],
    "gain": [6 / 16, 4 / 16, 6 / 16, 0],
    "total_cover": [200 / 290, 60 / 290, 30 / 290, 0],
    "cover": [100 / 190, 60 / 190, 30 / 190, 0],
}


@pytest.mark.parametrize("importance_type", TYPES)
def test_importances_on_hand_built_trees(importance_type):
    model = HandModel(two_hand_trees(), n_features=4)
    got = feature_importances(model, importance_type)
    assert got.dtype == np.float64 and got.shape == (4,)
    np.testing.assert_allclose(got, HAND_EXPECTED[importance_type], rtol=1e-12)


def test_importances_without_any_split_are_zeros():
    stump = make_tree(left=[-1], right=[-1], feature=[0], gain=[0], cover=[5], value=[1.0])
    got = feature_importances(HandModel([stump, stump], n_features=3), "gain")
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, np.zeros(3))


def test_unknown_importance_type():
    with pytest.raises(ValueError, match="importance_type"):
        feature_importances(HandModel(two_hand_trees(), 4), "frequency")


def test_fitted_trees_hook_comes_first():
    class Hooked(HandModel):
        def _fitted_trees(self):
            return two_hand_trees()[1:], [2]

    model = Hooked(two_hand_trees(), n_features=4)
    trees, columns = fitted_trees(model)
    assert len(trees) == 1 and columns == [2]
    # only tree B counts: f0 and f2 once each
    np.testing.assert_allclose(feature_importances(model, "weight"), [0.5, 0, 0.5, 0])
    assert trees_to_dataframe(model)["output"].tolist() == [2] * 5


def test_unfitted_and_user_learners():
    with pytest.raises(NotFittedError):
        feature_importances(skboost.GradientBoostingRegressor())
    X = np.arange(40.0).reshape(20, 2)
    y = (X[:, 0] > 15).astype(int)
    ada = skboost.AdaBoostClassifier(DecisionTreeClassifier(max_depth=1), n_estimators=2)
    with pytest.raises(TypeError, match="user estimator"):
        trees_to_dataframe(ada.fit(X, y))


# ----------------------------------------------- importances on every family
@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("importance_type", TYPES)
def test_importances_brute_force(models, family, importance_type):
    est = models[family]
    trees = est._forest.trees
    expected = brute_force_importances(trees, est.n_features_in_, importance_type)
    got = feature_importances(est, importance_type)
    assert got.shape == (est.n_features_in_,) and got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    assert got.sum() == pytest.approx(1.0)


def test_types_differ_on_a_real_model(models):
    est = models["gb_clf"]
    by_type = {t: feature_importances(est, t) for t in TYPES}
    np.testing.assert_array_equal(by_type["split"], by_type["weight"])
    assert not np.allclose(by_type["gain"], by_type["total_gain"])
    assert not np.allclose(by_type["cover"], by_type["weight"])


# ------------------------------------------------------ against xgboost
def _node_numbers(ids):
    """Node numbers of xgboost IDs ``"t-n"`` (-1 for NaN)."""
    return np.array([int(i.split("-")[1]) if isinstance(i, str) else LEAF for i in ids])


def xgboost_trees(frame):
    """xgboost's trees_to_dataframe rows as skboost Trees (node numbers kept)."""
    trees = []
    for _, rows in frame.groupby("Tree", sort=True):
        rows = rows.set_index("Node").sort_index()
        leaf = (rows["Feature"] == "Leaf").to_numpy()
        left, right = _node_numbers(rows["Yes"]), _node_numbers(rows["No"])
        feature = np.array([0 if f == "Leaf" else int(f[1:]) for f in rows["Feature"]])
        gain = rows["Gain"].to_numpy()
        trees.append(make_tree(left=left, right=right, feature=feature,
                               gain=np.where(leaf, 0.0, gain), cover=rows["Cover"].to_numpy(),
                               value=np.where(leaf, gain, 0.0),
                               threshold=rows["Split"].fillna(0).to_numpy(),
                               missing_left=(_node_numbers(rows["Missing"]) == left).astype(int)))
    return trees


@pytest.fixture(scope="module")
def xgb_model():
    import xgboost
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 5))
    y = X[:, 0] + 0.5 * X[:, 1] ** 2 + 0.1 * rng.normal(size=200)
    booster = xgboost.XGBRegressor(n_estimators=4, max_depth=3, tree_method="exact",
                                   n_jobs=1).fit(X, y).get_booster()
    frame = booster.trees_to_dataframe()
    return booster, frame, HandModel(xgboost_trees(frame), n_features=5)


@pytest.mark.parametrize("importance_type", ["gain", "total_gain", "weight", "cover",
                                             "total_cover"])
def test_importances_match_xgboost_get_score(xgb_model, importance_type):
    booster, _, model = xgb_model
    score = booster.get_score(importance_type=importance_type)
    expected = np.array([score.get(f"f{i}", 0.0) for i in range(5)])
    np.testing.assert_allclose(feature_importances(model, importance_type),
                               expected / expected.sum(), rtol=1e-5)


def test_dataframe_reproduces_xgboost_layout(xgb_model):
    _, frame, model = xgb_model
    ours = trees_to_dataframe(model)
    assert list(ours.columns[:len(frame.columns)]) == list(frame.columns)
    for column in ("Tree", "Node", "ID", "Feature", "Yes", "No", "Missing"):
        assert ours[column].fillna("nan").tolist() == frame[column].fillna("nan").tolist()
    for column in ("Gain", "Cover"):
        np.testing.assert_allclose(ours[column], frame[column], rtol=1e-6)


# ------------------------------------------------------------- tree tables
def test_dataframe_of_hand_built_trees():
    table = trees_to_dataframe(HandModel(two_hand_trees(), n_features=4, columns=[0, 1]))
    assert len(table) == 10
    root_b = table.iloc[5]
    assert (root_b["ID"], root_b["Feature"], root_b["Yes"], root_b["No"]) == \
        ("1-0", "f0", "1-1", "1-2")
    assert root_b["Missing"] == "1-2"          # missing_left = 0 on B's root
    assert table.iloc[0]["Missing"] == "0-1"   # missing_left = 1 on A's root
    assert root_b["Split"] == 0.5 and root_b["Gain"] == 2.0 and root_b["Cover"] == 100.0
    leaf = table.iloc[6]
    assert leaf["Feature"] == "Leaf" and np.isnan(leaf["Split"])
    assert leaf["Gain"] == 0.5 and leaf["value_0"] == 0.5   # leaf value, as xgboost
    assert table["output"].tolist() == [0] * 5 + [1] * 5
    assert table["Category"].isna().all()


def check_table(table, trees, names):
    assert len(table) == sum(t.node_count for t in trees)
    ids = set(table["ID"])
    assert len(ids) == len(table)
    leaf = (table["Feature"] == "Leaf").to_numpy()
    assert leaf.sum() == sum(t.get_n_leaves() for t in trees)
    internal = table[~leaf]
    for column in ("Yes", "No", "Missing"):
        assert internal[column].isin(ids).all()
        assert table.loc[leaf, column].isna().all()
        same_tree = internal[column].str.split("-").str[0].astype(int) == internal["Tree"]
        assert same_tree.all()
    missing = internal["Missing"]
    assert ((missing == internal["Yes"]) | (missing == internal["No"])).all()
    assert table.loc[leaf, "Split"].isna().all()
    assert internal["Split"].notna().all()
    assert set(internal["Feature"]) <= set(names)
    # the children are the Tree's own children
    flat = np.concatenate([t.left for t in trees])
    yes_nodes = internal["Yes"].str.split("-").str[1].astype(int).to_numpy()
    np.testing.assert_array_equal(yes_nodes, flat[~leaf])


@pytest.mark.parametrize("family", FAMILIES)
def test_dataframe_every_family(models, family):
    est = models[family]
    trees = est._forest.trees
    table = est.trees_to_dataframe()
    check_table(table, trees, list(est.feature_names_in_))
    n_values = trees[0].value.shape[1]
    assert [c for c in table.columns if c.startswith("value_")] == \
        [f"value_{k}" for k in range(n_values)]
    np.testing.assert_allclose(table["Cover"], np.concatenate([t.cover for t in trees]))
    np.testing.assert_array_equal(table["n_samples"],
                                  np.concatenate([t.n_samples for t in trees]))
    used = table.loc[table["Feature"] != "Leaf", "Feature"]
    assert used.nunique() >= 2   # names really come from feature_names_in_


def test_dataframe_multiclass_columns_and_leaf_gain(models):
    table = trees_to_dataframe(models["gb_clf"])
    assert set(table["output"]) == {0, 1, 2}
    np.testing.assert_array_equal(table["output"], table["Tree"] % 3)
    leaf = table["Feature"] == "Leaf"
    np.testing.assert_array_equal(table.loc[leaf, "Gain"], table.loc[leaf, "value_0"])
    forest = trees_to_dataframe(models["rf_clf"])   # three class proportions per leaf
    assert forest.loc[forest["Feature"] == "Leaf", "Gain"].isna().all()
    leaves = forest.loc[forest["Feature"] == "Leaf", ["value_0", "value_1", "value_2"]]
    np.testing.assert_allclose(leaves.sum(axis=1), 1.0)


def test_dataframe_default_feature_names():
    X = np.random.RandomState(0).normal(size=(60, 3))
    est = skboost.GradientBoostingRegressor(n_estimators=2, max_depth=2).fit(X, X[:, 2])
    table = trees_to_dataframe(est)
    assert set(table.loc[table["Feature"] != "Leaf", "Feature"]) <= {"f0", "f1", "f2"}
    assert "f2" in set(table["Feature"])


def test_dataframe_needs_pandas(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pip install pandas"):
        trees_to_dataframe(HandModel(two_hand_trees(), 4))


# ------------------------------------------------------ categorical splits
def test_category_codes_left_reads_every_word_of_the_bitset():
    codes = [0, 2, 31, 32, 40, 200, 255]
    tree = make_tree(left=[1, -1, -1], right=[2, -1, -1], feature=[0, 0, 0], gain=[1, 0, 0],
                     cover=[3, 1, 2], value=[0, 1, 2], categories_left={0: codes})
    assert category_codes_left(tree, 0).tolist() == codes
    assert category_codes_left(tree, 1).tolist() == []


def test_dataframe_of_a_hand_built_categorical_split():
    model = HandModel([categorical_hand_tree()], n_features=2, categories=[ISLANDS, None])
    table = trees_to_dataframe(model)
    root, child = table.iloc[0], table.iloc[1]
    assert root["Feature"] == "f0" and np.isnan(root["Split"])
    assert root["Category"] == ["Biscoe", "Torgersen"]          # sent to Yes
    assert (root["Yes"], root["No"], root["Missing"]) == ("0-1", "0-2", "0-2")
    assert child["Split"] == 0.5 and np.isnan(child["Category"])
    assert table.loc[table["Feature"] == "Leaf", "Category"].isna().all()
    # without categories_ (and for codes it does not know) the codes are listed
    codes_only = trees_to_dataframe(HandModel([categorical_hand_tree()], n_features=2))
    assert codes_only.iloc[0]["Category"] == [0, 2]
    short = trees_to_dataframe(HandModel([categorical_hand_tree()], n_features=2,
                                         categories=[["Biscoe"], None]))
    assert short.iloc[0]["Category"] == ["Biscoe", 2]


_CATEGORICAL = {}


def categorical_models(load):
    """One model per family on penguins as a DataFrame (island and sex are
    pandas categoricals; cached for the session)."""
    if _CATEGORICAL:
        return _CATEGORICAL
    X, y, _ = load("penguins")
    Xr = X.drop(columns="body_mass_g")
    yr = X["body_mass_g"].fillna(4000.0).to_numpy()
    models = {
        "gb_reg": (skboost.GradientBoostingRegressor(n_estimators=4, max_depth=3), Xr, yr),
        "gb_clf": (skboost.GradientBoostingClassifier(n_estimators=3, max_depth=3), X, y),
        "rf_clf": (skboost.RandomForestClassifier(n_estimators=3, max_depth=5,
                                                  max_features=None, random_state=0), X, y),
        "rf_reg": (skboost.RandomForestRegressor(n_estimators=3, max_depth=4,
                                                 max_features=None, random_state=0), Xr, yr),
        "ada_clf": (skboost.AdaBoostClassifier(n_estimators=4, random_state=0), X, y),
        "ada_reg": (skboost.AdaBoostRegressor(n_estimators=3, random_state=0), Xr, yr),
    }
    for name, (est, X_, y_) in models.items():
        _CATEGORICAL[name] = (est.fit(X_, y_), X_)
    return _CATEGORICAL


@pytest.fixture(scope="module")
def cat_models(load):
    return categorical_models(load)


def walk_table(table, tree_number, row):
    """Leaf node reached by ``row`` (a pandas Series of raw values) when
    following the table's Split / Category / Yes / No / Missing columns."""
    rows = table[table["Tree"] == tree_number].set_index("ID")
    node = f"{tree_number}-0"
    while rows.loc[node, "Feature"] != "Leaf":
        entry = rows.loc[node]
        value = row[entry["Feature"]]
        if pd.isna(value):
            node = entry["Missing"]
        elif isinstance(entry["Category"], list):
            node = entry["Yes"] if value in entry["Category"] else entry["No"]
        else:
            node = entry["Yes"] if value <= entry["Split"] else entry["No"]
    return int(node.split("-")[1])


@pytest.mark.parametrize("family", FAMILIES)
def test_dataframe_categorical_splits_every_family(cat_models, family):
    """Category lists the category values sent to Yes; walking the table with
    the raw rows (strings, NaN) reaches the leaves the model's trees reach."""
    from skboost.ensemble._base import validate_predict_data
    est, X = cat_models[family]
    trees = fitted_trees(est)[0]
    table = est.trees_to_dataframe()
    categorical = table["Category"].map(lambda c: isinstance(c, list))
    assert categorical.any(), "no categorical split: the test checks nothing"
    assert table.loc[categorical, "Split"].isna().all()
    assert table.loc[~categorical & (table["Feature"] != "Leaf"), "Split"].notna().all()
    offsets = np.cumsum([0] + [t.node_count for t in trees])
    for index in np.flatnonzero(categorical.to_numpy()):
        t = int(table["Tree"].iloc[index])
        node = int(table["Node"].iloc[index])
        f = int(trees[t].feature[node])
        assert table["Feature"].iloc[index] == est.feature_names_in_[f]
        expected = [est.categories_[f][c] for c in category_codes_left(trees[t], node)]
        assert table["Category"].iloc[index] == expected
        assert 0 < len(expected) < len(est.categories_[f])
        assert index == offsets[t] + node
    encoded = validate_predict_data(est, X)
    rows = X.iloc[::7]
    for t in range(min(len(trees), 3)):
        forest = Forest(trees[t].value.shape[1])
        forest.append(trees[t])
        leaves = forest.apply(encoded[::7])[:, 0]
        walked = [walk_table(table, t, row) for _, row in rows.iterrows()]
        np.testing.assert_array_equal(walked, leaves)
