"""DataFrame input: pandas, polars and pyarrow tables in fit and predict.

Columns are matched to the fit columns by name at predict time (another
order gives the same predictions), missing or unknown columns are an error
naming them, and non-numeric columns are refused with a clear message until
native categorical support lands.
"""
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from numpy.testing import assert_array_equal

from skboost import (AdaBoostClassifier, AdaBoostRegressor, GradientBoostingClassifier,
                     GradientBoostingRegressor, RandomForestClassifier,
                     RandomForestRegressor)

ODD_NAMES = ["a b", "x[0]", "f<1>", "ünïcödé", "c]", "", "  ", "a,b", "日本"]

ESTIMATORS = [
    GradientBoostingClassifier(n_estimators=5, random_state=0),
    GradientBoostingRegressor(n_estimators=5, random_state=0),
    RandomForestClassifier(n_estimators=3, random_state=0),
    RandomForestRegressor(n_estimators=3, random_state=0),
    AdaBoostClassifier(n_estimators=3, random_state=0),
    AdaBoostRegressor(n_estimators=3, random_state=0),
]
IDS = [type(e).__name__ for e in ESTIMATORS]


def _frame(n=300, names=ODD_NAMES, seed=0):
    rng = np.random.RandomState(seed)
    X = pd.DataFrame(rng.normal(size=(n, len(names))), columns=names)
    y_class = (X.iloc[:, 0] + X.iloc[:, 1] > 0).astype(int).to_numpy()
    y_reg = (X.iloc[:, 0] * 2 - X.iloc[:, 2]).to_numpy()
    return X, y_class, y_reg


def _fit(est, X, y_class, y_reg):
    from sklearn.base import clone, is_classifier
    return clone(est).fit(X, y_class if is_classifier(est) else y_reg)


def _prediction(est, X):
    if hasattr(est, "predict_proba"):
        return est.predict_proba(X)
    return est.predict(X)


def _to(kind, X):
    if kind == "pandas":
        return X
    if kind == "polars":
        return pl.from_pandas(X)
    return pa.Table.from_pandas(X, preserve_index=False)


@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
@pytest.mark.parametrize("kind", ["pandas", "polars", "pyarrow"])
@pytest.mark.parametrize("est", ESTIMATORS, ids=IDS)
def test_reordered_columns_give_the_same_predictions(est, kind):
    X, y_class, y_reg = _frame()
    fitted = _fit(est, _to(kind, X), y_class, y_reg)
    assert list(fitted.feature_names_in_) == ODD_NAMES
    expected = _prediction(fitted, X.to_numpy())
    assert_array_equal(_prediction(fitted, _to(kind, X)), expected)
    shuffled = list(np.random.RandomState(1).permutation(ODD_NAMES))
    assert shuffled != ODD_NAMES
    assert_array_equal(_prediction(fitted, _to(kind, X[shuffled])), expected)
    if hasattr(fitted, "apply"):
        assert_array_equal(fitted.apply(_to(kind, X[shuffled])), fitted.apply(X))


def test_reordered_columns_in_staged_and_decision_methods():
    X, y, _ = _frame()
    est = GradientBoostingClassifier(n_estimators=4, random_state=0).fit(X, y)
    reordered = X[ODD_NAMES[::-1]]
    assert_array_equal(est.decision_function(reordered), est.decision_function(X))
    for a, b in zip(est.staged_predict_proba(reordered), est.staged_predict_proba(X)):
        assert_array_equal(a, b)
    forest = RandomForestClassifier(n_estimators=2, random_state=0).fit(X, y)
    assert_array_equal(forest.decision_path(reordered)[0].toarray(),
                       forest.decision_path(X)[0].toarray())
    assert_array_equal(forest.estimators_[0].predict(reordered),
                       forest.estimators_[0].predict(X))
    assert est.score(reordered, y) == est.score(X, y)


@pytest.mark.parametrize("kind", ["pandas", "polars"])
def test_missing_column_is_named(kind):
    X, y, _ = _frame()
    est = GradientBoostingClassifier(n_estimators=3, random_state=0).fit(_to(kind, X), y)
    with pytest.raises(ValueError, match=r"missing: \['x\[0\]'\]"):
        est.predict(_to(kind, X.drop(columns=["x[0]"])))


@pytest.mark.parametrize("kind", ["pandas", "polars"])
def test_renamed_and_extra_columns_are_named(kind):
    X, y, _ = _frame()
    est = RandomForestClassifier(n_estimators=2, random_state=0).fit(_to(kind, X), y)
    renamed = X.rename(columns={"f<1>": "f<2>"})
    with pytest.raises(ValueError, match=r"missing: \['f<1>'\].*not seen at fit: \['f<2>'\]"):
        est.predict_proba(_to(kind, renamed))
    with pytest.raises(ValueError, match=r"not seen at fit: \['extra'\]"):
        est.predict(_to(kind, X.assign(extra=1.0)))


def test_duplicated_columns_cannot_be_matched():
    X, y, _ = _frame(names=["a", "b", "c"])
    est = GradientBoostingClassifier(n_estimators=2, random_state=0).fit(X, y)
    dup = pd.concat([X[["b", "a"]], X[["a"]]], axis=1)
    with pytest.raises(ValueError):
        est.predict(dup)


def test_fit_without_names_predict_with_frame_keeps_positions():
    X, y, _ = _frame(names=["a", "b", "c"])
    est = GradientBoostingClassifier(n_estimators=3, random_state=0).fit(X.to_numpy(), y)
    assert not hasattr(est, "feature_names_in_")
    with pytest.warns(UserWarning, match="feature names"):
        assert_array_equal(est.predict_proba(X), est.predict_proba(X.to_numpy()))


@pytest.mark.parametrize("kind", ["pandas", "polars"])
def test_string_and_categorical_columns_refused_unless_categorical(kind):
    """Without categorical features, string/category columns are refused with a
    hint naming them; the default ``categorical_features="from_dtype"`` takes them
    as categorical features."""
    X, y, _ = _frame(names=["a", "b", "c"])
    X = X.assign(city=["paris", "rome", "oslo"] * 100)
    if kind == "pandas":
        X = X.assign(colour=pd.Categorical(["red", "blue", "red"] * 100))
    frame = _to(kind, X)
    with pytest.raises(ValueError, match="non-numeric columns") as info:
        GradientBoostingClassifier(n_estimators=2, categorical_features=None).fit(frame, y)
    message = str(info.value)
    assert "'city'" in message and "categorical_features" in message
    if kind == "pandas":
        assert "'colour'" in message
    est = GradientBoostingClassifier(n_estimators=2).fit(frame, y)
    expected = [False, False, False, True] + ([True] if kind == "pandas" else [])
    assert est.is_categorical_.tolist() == expected


def test_non_numeric_column_at_predict_is_refused():
    X, y, _ = _frame(names=["a", "b", "c"])
    est = RandomForestClassifier(n_estimators=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="non-numeric columns: 'b'"):
        est.predict(X.assign(b="text"))


def test_numeric_extension_and_object_columns_are_accepted():
    X, y, _ = _frame(n=200, names=["a", "b", "c", "d", "e"])
    mixed = pd.DataFrame({
        "a": X["a"],
        "b": pd.array(np.where(X["b"] > 1, None, np.round(X["b"] * 10)), dtype="Int64"),
        "c": X["c"] > 0,
        "d": X["d"].astype(object),
        "e": X["e"].astype(np.float32),
    })
    est = GradientBoostingClassifier(n_estimators=3, random_state=0).fit(mixed, y)
    dense = np.column_stack([mixed["a"], mixed["b"].astype(float).fillna(np.nan),
                             mixed["c"], mixed["d"].astype(float), mixed["e"]])
    ref = GradientBoostingClassifier(n_estimators=3, random_state=0).fit(dense, y)
    assert_array_equal(est.predict_proba(mixed), ref.predict_proba(dense))


def test_polars_fit_equals_numpy_fit():
    X, y, _ = _frame()
    a = GradientBoostingClassifier(n_estimators=5, random_state=0).fit(pl.from_pandas(X), y)
    b = GradientBoostingClassifier(n_estimators=5, random_state=0).fit(X.to_numpy(), y)
    assert_array_equal(a.predict_proba(pl.from_pandas(X)), b.predict_proba(X.to_numpy()))


def test_array_like_with___array__():
    class Wrapped:
        def __init__(self, a):
            self.a = a

        def __array__(self, dtype=None, copy=None):
            return np.asarray(self.a, dtype=dtype)

        def __len__(self):
            return len(self.a)

        @property
        def shape(self):
            return self.a.shape

    X, y, _ = _frame(names=["a", "b", "c"])
    est = RandomForestClassifier(n_estimators=2, random_state=0).fit(Wrapped(X.to_numpy()), y)
    assert_array_equal(est.predict(Wrapped(X.to_numpy())), est.predict(X.to_numpy()))
