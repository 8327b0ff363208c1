"""Behaviour of skboost.GradientBoostingClassifier / GradientBoostingRegressor.

Every test here runs on small synthetic data so the whole file stays fast;
scores on real data against other libraries live in ``test_quality.py``.
"""
import pickle
import re

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import ensemble as sk_ensemble
from sklearn.datasets import make_classification, make_friedman1
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import (accuracy_score, log_loss, mean_absolute_error,
                             mean_pinball_loss, mean_squared_error, recall_score)
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsRegressor
from sklearn.utils.estimator_checks import parametrize_with_checks

from skboost import GradientBoostingClassifier, GradientBoostingRegressor

from ._declared_failures import declared_failures

# --------------------------------------------------------------------- data


def _regression(n=1500, noise=1.0, seed=0):
    return make_friedman1(n_samples=n, n_features=8, noise=noise, random_state=seed)


def _binary(n=1500, seed=0, **kw):
    return make_classification(n_samples=n, n_features=8, n_informative=4, n_redundant=0,
                               random_state=seed, **kw)


def _multiclass(n=1500, seed=0):
    return make_classification(n_samples=n, n_features=8, n_informative=5, n_redundant=0,
                               n_classes=3, n_clusters_per_class=1, random_state=seed)


@pytest.fixture(scope="module")
def reg_data():
    return _regression()


@pytest.fixture(scope="module")
def bin_data():
    return _binary()


@pytest.fixture(scope="module")
def multi_data():
    return _multiclass()


def _raw(est, X):
    """decision_function for classifiers (2-D), predict for regressors (2-D)."""
    out = est.decision_function(X) if hasattr(est, "decision_function") else est.predict(X)
    return out.reshape(X.shape[0], -1)


# ------------------------------------------------- scikit-learn API checks


@parametrize_with_checks([GradientBoostingClassifier(n_estimators=10),
                          GradientBoostingRegressor(n_estimators=10)],
                         expected_failed_checks=declared_failures)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_log_proba",
                                    "decision_function", "apply"])
def test_classifier_unfitted_raises_not_fitted(method):
    X = np.zeros((3, 2))
    with pytest.raises(NotFittedError):
        getattr(GradientBoostingClassifier(), method)(X)


@pytest.mark.parametrize("method", ["predict", "apply"])
def test_regressor_unfitted_raises_not_fitted(method):
    with pytest.raises(NotFittedError):
        getattr(GradientBoostingRegressor(), method)(np.zeros((3, 2)))


# ------------------------------------------------------------- bad input

_rng = np.random.RandomState(0)
_X = _rng.rand(40, 3)
_y_reg = _rng.rand(40)
_y_bin = (_X[:, 0] > 0.5).astype(int)


def _with(a, index, value):
    a = np.array(a, dtype=np.float64)
    a[index] = value
    return a


_BAD_FIT = [
    # id, estimator, X, y, fit kwargs, exception, message pattern
    ("nan_in_y_reg", GradientBoostingRegressor(), _X, _with(_y_reg, 3, np.nan), {},
     ValueError, r"y.*NaN"),
    ("inf_in_y_reg", GradientBoostingRegressor(), _X, _with(_y_reg, 3, np.inf), {},
     ValueError, r"y.*infinity"),
    ("nan_in_y_clf", GradientBoostingClassifier(), _X, _with(_y_bin, 3, np.nan), {},
     ValueError, r"y.*NaN"),
    ("inf_in_X", GradientBoostingRegressor(), _with(_X, (2, 1), np.inf), _y_reg, {},
     ValueError, r"X.*infinity"),
    ("neg_inf_in_X", GradientBoostingClassifier(), _with(_X, (2, 1), -np.inf), _y_bin, {},
     ValueError, r"X.*infinity"),
    ("empty_X", GradientBoostingRegressor(), np.empty((0, 3)), np.empty(0), {},
     ValueError, r"0 sample"),
    ("no_features", GradientBoostingRegressor(), np.empty((40, 0)), _y_reg, {},
     ValueError, r"0 feature"),
    ("1d_X", GradientBoostingRegressor(), _X[:, 0], _y_reg, {},
     ValueError, r"Expected 2D array"),
    ("2d_y_reg", GradientBoostingRegressor(), _X, np.c_[_y_reg, _y_reg], {},
     ValueError, r"y should be a 1d array"),
    ("length_mismatch", GradientBoostingRegressor(), _X, _y_reg[:-1], {},
     ValueError, r"inconsistent numbers of samples"),
    ("sample_weight_length", GradientBoostingRegressor(), _X, _y_reg,
     {"sample_weight": np.ones(39)}, ValueError, r"sample_weight"),
    ("negative_sample_weight", GradientBoostingRegressor(), _X, _y_reg,
     {"sample_weight": _with(np.ones(40), 0, -1.0)}, ValueError, r"[Nn]egative"),
    ("nan_sample_weight", GradientBoostingClassifier(), _X, _y_bin,
     {"sample_weight": _with(np.ones(40), 0, np.nan)}, ValueError, r"sample_weight.*NaN"),
    ("zero_sample_weights_reg", GradientBoostingRegressor(), _X, _y_reg,
     {"sample_weight": np.zeros(40)}, ValueError, r"non-zero|positive|sums to zero"),
    ("zero_sample_weights_clf", GradientBoostingClassifier(), _X, _y_bin,
     {"sample_weight": np.zeros(40)}, ValueError, r"non-zero|positive|sums to zero"),
    ("single_class", GradientBoostingClassifier(), _X, np.ones(40, dtype=int), {},
     ValueError, r"1 class"),
    ("single_class_str", GradientBoostingClassifier(), _X, np.array(["a"] * 40), {},
     ValueError, r"1 class"),
    ("single_class_after_weights", GradientBoostingClassifier(), _X, _y_bin,
     {"sample_weight": (_y_bin == 1).astype(float)}, ValueError, r"1 class"),
    ("continuous_target_clf", GradientBoostingClassifier(), _X, _y_reg, {},
     ValueError, r"Unknown label type"),
    ("string_X", GradientBoostingRegressor(), np.array([["a", "b"]] * 40), _y_reg, {},
     ValueError, r"could not convert string to float"),
    ("learning_rate_negative", GradientBoostingRegressor(learning_rate=-1), _X, _y_reg, {},
     ValueError, r"learning_rate"),
    ("loss_foo_reg", GradientBoostingRegressor(loss="foo"), _X, _y_reg, {},
     ValueError, r"'loss'.*foo"),
    ("loss_foo_clf", GradientBoostingClassifier(loss="foo"), _X, _y_bin, {},
     ValueError, r"'loss'.*foo"),
    ("loss_regression_on_clf", GradientBoostingClassifier(loss="squared_error"), _X, _y_bin,
     {}, ValueError, r"'loss'"),
    ("max_bins_300", GradientBoostingRegressor(max_bins=300), _X, _y_reg, {},
     ValueError, r"max_bins.*300"),
    ("max_bins_1", GradientBoostingClassifier(max_bins=1), _X, _y_bin, {},
     ValueError, r"max_bins"),
    ("n_estimators_0", GradientBoostingRegressor(n_estimators=0), _X, _y_reg, {},
     ValueError, r"n_estimators"),
    ("subsample_0", GradientBoostingRegressor(subsample=0.0), _X, _y_reg, {},
     ValueError, r"subsample"),
    ("subsample_above_1", GradientBoostingClassifier(subsample=1.5), _X, _y_bin, {},
     ValueError, r"subsample"),
    ("max_depth_0", GradientBoostingRegressor(max_depth=0), _X, _y_reg, {},
     ValueError, r"max_depth"),
    ("max_leaf_nodes_1", GradientBoostingRegressor(max_leaf_nodes=1), _X, _y_reg, {},
     ValueError, r"max_leaf_nodes"),
    ("l2_negative", GradientBoostingRegressor(l2_regularization=-1.0), _X, _y_reg, {},
     ValueError, r"l2_regularization"),
    ("alpha_above_1", GradientBoostingRegressor(loss="quantile", alpha=1.5), _X, _y_reg, {},
     ValueError, r"alpha"),
    ("ccp_alpha_negative", GradientBoostingRegressor(ccp_alpha=-1.0), _X, _y_reg, {},
     ValueError, r"ccp_alpha"),
    ("min_samples_leaf_0", GradientBoostingRegressor(min_samples_leaf=0), _X, _y_reg, {},
     ValueError, r"min_samples_leaf"),
    ("validation_fraction_1",
     GradientBoostingRegressor(validation_fraction=1.0, n_iter_no_change=2), _X, _y_reg, {},
     ValueError, r"validation_fraction"),
    ("max_features_too_many", GradientBoostingRegressor(max_features=5), _X, _y_reg, {},
     ValueError, r"max_features"),
    ("max_features_foo", GradientBoostingRegressor(max_features="foo"), _X, _y_reg, {},
     ValueError, r"max_features"),
    ("init_foo", GradientBoostingRegressor(init="foo"), _X, _y_reg, {},
     ValueError, r"init"),
    ("class_weight_foo", GradientBoostingClassifier(class_weight="foo"), _X, _y_bin, {},
     ValueError, r"class_weight"),
    ("n_jobs_str", GradientBoostingRegressor(n_jobs="a"), _X, _y_reg, {},
     ValueError, r"n_jobs"),
    ("n_jobs_0", GradientBoostingRegressor(n_jobs=0, n_estimators=2), _X, _y_reg, {},
     ValueError, r"n_jobs"),
    ("monotonic_cst_shape", GradientBoostingRegressor(monotonic_cst=[1, 0]), _X, _y_reg, {},
     ValueError, r"monotonic_cst"),
    ("monotonic_cst_values", GradientBoostingRegressor(monotonic_cst=[2, 0, 0]), _X, _y_reg,
     {}, ValueError, r"monotonic_cst"),
    ("monotonic_cst_multiclass", GradientBoostingClassifier(monotonic_cst=[1, 0, 0]), _X,
     np.arange(40) % 3, {}, ValueError, r"monotonic.*multiclass"),
    ("monotonic_cst_absolute_error",
     GradientBoostingRegressor(loss="absolute_error", monotonic_cst=[1, 0, 0]), _X, _y_reg,
     {}, ValueError, r"monotonic.*absolute_error"),
    ("exponential_multiclass", GradientBoostingClassifier(loss="exponential"), _X,
     np.arange(40) % 3, {}, ValueError, r"exponential"),
    ("split_method_foo", GradientBoostingRegressor(split_method="foo"), _X, _y_reg, {},
     ValueError, r"split_method"),
    ("init_without_sample_weight",
     GradientBoostingRegressor(init=KNeighborsRegressor(n_neighbors=3), n_estimators=2),
     _X, _y_reg, {"sample_weight": np.full(40, 2.0)}, ValueError, r"sample.weight"),
]


@pytest.mark.parametrize("est, X, y, kwargs, exc, match",
                         [case[1:] for case in _BAD_FIT], ids=[case[0] for case in _BAD_FIT])
def test_bad_fit_input_raises(est, X, y, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        est.fit(X, y, **kwargs)


@pytest.mark.parametrize("Est, y", [(GradientBoostingRegressor, _y_reg),
                                    (GradientBoostingClassifier, _y_bin)])
def test_bad_predict_input_raises(Est, y):
    est = Est(n_estimators=3).fit(_X, y)
    with pytest.raises(ValueError, match=r"X has 2 features, but .* expecting 3"):
        est.predict(_X[:, :2])
    with pytest.raises(ValueError, match=r"X has 4 features, but .* expecting 3"):
        est.predict(np.c_[_X, _X[:, 0]])
    with pytest.raises(ValueError, match=r"X.*infinity"):
        est.predict(_with(_X, (0, 0), np.inf))
    with pytest.raises(ValueError, match=r"Expected 2D array"):
        est.predict(_X[0])
    with pytest.raises(ValueError, match=r"X has 2 features"):
        est.apply(_X[:, :2])
    with pytest.raises(ValueError, match=r"X has 2 features"):
        next(est.staged_predict(_X[:, :2]))
    if hasattr(est, "predict_proba"):
        with pytest.raises(ValueError, match=r"X has 2 features"):
            est.predict_proba(_X[:, :2])


def test_warm_start_with_fewer_estimators_raises():
    est = GradientBoostingRegressor(n_estimators=5, warm_start=True).fit(_X, _y_reg)
    est.set_params(n_estimators=3)
    with pytest.raises(ValueError, match=r"n_estimators=3"):
        est.fit(_X, _y_reg)


def test_warm_start_with_other_classes_raises():
    est = GradientBoostingClassifier(n_estimators=3, warm_start=True).fit(_X, _y_bin)
    est.set_params(n_estimators=5)
    with pytest.raises(ValueError, match=r"classes"):
        est.fit(_X, _y_bin + 5)


# ------------------------------------------------------------ determinism


@pytest.mark.parametrize("Est, data", [(GradientBoostingRegressor, "reg_data"),
                                       (GradientBoostingClassifier, "multi_data"),
                                       (GradientBoostingClassifier, "bin_data")])
@pytest.mark.parametrize("extra", [{}, {"subsample": 0.7, "max_features": 0.5},
                                   {"subsample": 0.7, "max_features": 0.5,
                                    "max_leaf_nodes": 12, "max_depth": None}])
def test_same_random_state_same_model_for_any_n_jobs(Est, data, extra, request):
    X, y = request.getfixturevalue(data)
    params = dict(n_estimators=25, random_state=7, **extra)
    one = Est(n_jobs=1, **params).fit(X, y)
    two = Est(n_jobs=2, **params).fit(X, y)
    again = Est(n_jobs=1, **params).fit(X, y)
    assert_array_equal(_raw(one, X), _raw(two, X))
    assert_array_equal(_raw(one, X), _raw(again, X))
    assert_array_equal(one.train_score_, two.train_score_)
    assert_array_equal(one.apply(X), two.apply(X))
    # a model fitted on 2 threads predicts the same on 1
    assert_array_equal(_raw(two.set_params(n_jobs=1), X), _raw(one, X))


def test_different_random_state_changes_subsampled_model(reg_data):
    X, y = reg_data
    params = dict(n_estimators=10, subsample=0.7, max_features=0.5)
    a = GradientBoostingRegressor(random_state=0, **params).fit(X, y)
    b = GradientBoostingRegressor(random_state=1, **params).fit(X, y)
    assert not np.array_equal(a.predict(X), b.predict(X))


# ------------------------------------------------------- missing values


def _nan_task(seed=0, n=2000):
    """Binary task in which the missingness itself carries signal."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, size=(n, 4))
    missing = rng.rand(n) < 0.25
    y = ((X[:, 0] > 0.3) | missing).astype(int)
    y ^= (rng.rand(n) < 0.03)  # a little label noise
    X[missing, 0] = np.nan
    X[rng.rand(n) < 0.1, 1] = np.nan  # uninformative missing values
    return X, y


def test_nan_in_fit_and_predict_classifier():
    X, y = _nan_task()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    est = GradientBoostingClassifier(n_estimators=30, random_state=0).fit(X_tr, y_tr)
    proba = est.predict_proba(X_te)
    assert np.all(np.isfinite(proba))
    assert accuracy_score(y_te, est.predict(X_te)) > 0.93
    # rows with x0 missing are (almost all) positive: the NaN branch must learn it
    nan_rows = np.isnan(X_te[:, 0])
    assert est.predict_proba(X_te[nan_rows])[:, 1].mean() > 0.85
    # a column entirely NaN at predict time is handled
    X_all_nan = X_te.copy()
    X_all_nan[:, 1] = np.nan
    assert np.all(np.isfinite(est.predict_proba(X_all_nan)))


def test_nan_in_fit_and_predict_regressor():
    X, y = _regression(n=2000)
    rng = np.random.RandomState(0)
    X = X.copy()
    X[rng.rand(*X.shape) < 0.1] = np.nan
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    est = GradientBoostingRegressor(n_estimators=100, random_state=0).fit(X_tr, y_tr)
    pred = est.predict(X_te)
    assert np.all(np.isfinite(pred))
    baseline = mean_squared_error(y_te, np.full_like(y_te, y_tr.mean()))
    assert mean_squared_error(y_te, pred) < 0.5 * baseline


def test_nan_only_at_predict_time(reg_data):
    X, y = reg_data
    est = GradientBoostingRegressor(n_estimators=10).fit(X, y)
    X_nan = X[:20].copy()
    X_nan[:, 0] = np.nan
    assert np.all(np.isfinite(est.predict(X_nan)))


# ------------------------------------------------------------- labels


@pytest.mark.parametrize("labels", [np.array(["cat", "dog", "emu"]), np.array([-7, 3, 40]),
                                    np.array([-1.0, 0.0, 2.0])])
def test_arbitrary_labels_same_model_as_codes(multi_data, labels):
    X, y = multi_data
    ref = GradientBoostingClassifier(n_estimators=10, random_state=0).fit(X, y)
    est = GradientBoostingClassifier(n_estimators=10, random_state=0).fit(X, labels[y])
    assert_array_equal(est.classes_, np.sort(labels))
    assert est.n_classes_ == 3
    pred = est.predict(X)
    assert pred.dtype == labels.dtype
    assert_array_equal(pred, labels[ref.predict(X)])
    assert_allclose(est.predict_proba(X), ref.predict_proba(X))
    for stage, ref_stage in zip(est.staged_predict(X[:50]), ref.staged_predict(X[:50])):
        assert_array_equal(stage, labels[ref_stage])


def test_binary_string_labels(bin_data):
    X, y = bin_data
    labels = np.array(["no", "yes"])
    est = GradientBoostingClassifier(n_estimators=20, random_state=0).fit(X, labels[y])
    assert_array_equal(est.classes_, labels)
    assert est.decision_function(X).shape == (X.shape[0],)
    assert est.score(X, labels[y]) > 0.85
    # decision_function is the log-odds of classes_[1]
    proba = est.predict_proba(X)
    assert_allclose(proba[:, 1], 1 / (1 + np.exp(-est.decision_function(X))), rtol=1e-10)


@pytest.mark.parametrize("data, loss", [("bin_data", "log_loss"), ("bin_data", "exponential"),
                                        ("multi_data", "log_loss")])
def test_predict_proba_rows_sum_to_one(data, loss, request):
    X, y = request.getfixturevalue(data)
    est = GradientBoostingClassifier(loss=loss, n_estimators=20, random_state=0).fit(X, y)
    proba = est.predict_proba(X)
    assert proba.shape == (X.shape[0], np.unique(y).size)
    assert np.all((proba >= 0) & (proba <= 1))
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert_allclose(np.exp(est.predict_log_proba(X)), proba, rtol=1e-10)
    assert_array_equal(est.predict(X), est.classes_[proba.argmax(axis=1)])
    for stage in est.staged_predict_proba(X[:100]):
        assert_allclose(stage.sum(axis=1), 1.0, rtol=1e-12)


# ------------------------------------------------------------- staging


@pytest.mark.parametrize("data", ["bin_data", "multi_data"])
def test_staged_classifier_last_stage_equals_predict(data, request):
    X, y = request.getfixturevalue(data)
    est = GradientBoostingClassifier(n_estimators=15, random_state=0).fit(X, y)
    preds = list(est.staged_predict(X))
    probas = list(est.staged_predict_proba(X))
    decisions = list(est.staged_decision_function(X))
    assert len(preds) == len(probas) == len(decisions) == est.n_estimators_ == 15
    assert_array_equal(preds[-1], est.predict(X))
    assert_allclose(probas[-1], est.predict_proba(X), rtol=1e-12)
    assert_allclose(decisions[-1], est.decision_function(X), rtol=1e-12)
    assert decisions[0].shape == est.decision_function(X).shape
    # stages differ from each other (each stage adds a tree)
    assert not np.allclose(decisions[0], decisions[-1])


def test_staged_regressor_last_stage_equals_predict(reg_data):
    X, y = reg_data
    est = GradientBoostingRegressor(n_estimators=15, random_state=0).fit(X, y)
    stages = list(est.staged_predict(X))
    assert len(stages) == 15
    assert_allclose(stages[-1], est.predict(X), rtol=1e-12)
    errors = [mean_squared_error(y, s) for s in stages]
    assert np.all(np.diff(errors) < 0)  # training error falls stage after stage


# ---------------------------------------------------------------- apply


@pytest.mark.parametrize("kind", ["regression", "binary", "multiclass"])
def test_apply_shapes_as_sklearn_and_leaves_are_leaves(kind, reg_data, bin_data, multi_data):
    X, y = {"regression": reg_data, "binary": bin_data, "multiclass": multi_data}[kind]
    Ours, Theirs = ((GradientBoostingRegressor, sk_ensemble.GradientBoostingRegressor)
                    if kind == "regression" else
                    (GradientBoostingClassifier, sk_ensemble.GradientBoostingClassifier))
    params = dict(n_estimators=7, max_depth=3, random_state=0, init="zero")
    ours = Ours(**params).fit(X, y)
    theirs = Theirs(**params).fit(X, y)
    leaves = ours.apply(X[:300])
    ref = theirs.apply(X[:300])
    assert leaves.shape == ref.shape
    assert leaves.dtype == ref.dtype
    assert ours.estimators_.shape == theirs.estimators_.shape
    # every index is a leaf of its tree, and with init='zero' the raw score is the
    # sum of the learned leaf values
    leaves3 = leaves.reshape(300, 7, -1).astype(np.int64)
    total = np.zeros((300, leaves3.shape[2]))
    for i in range(7):
        for k in range(leaves3.shape[2]):
            tree = ours.estimators_[i, k].tree_
            assert np.all(tree.is_leaf()[leaves3[:, i, k]])
            total[:, k] += tree.value[leaves3[:, i, k], 0]
    assert_allclose(total, _raw(ours, X[:300]), rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------- warm start


@pytest.mark.parametrize("Est, data", [(GradientBoostingRegressor, "reg_data"),
                                       (GradientBoostingClassifier, "multi_data")])
def test_warm_start_adds_trees_and_keeps_old_ones(Est, data, request):
    X, y = request.getfixturevalue(data)
    est = Est(n_estimators=10, random_state=0, warm_start=True).fit(X, y)
    old_raw = _raw(est, X)
    old_trees = [t.tree_.value.copy() for t in est.estimators_.ravel()]
    old_scores = est.train_score_.copy()
    est.set_params(n_estimators=25).fit(X, y)
    assert est.n_estimators_ == 25
    assert est.estimators_.shape[0] == 25
    assert est.train_score_.shape == (25,)
    assert_array_equal(est.train_score_[:10], old_scores)
    for old, new in zip(old_trees, est.estimators_[:10].ravel()):
        assert_array_equal(old, new.tree_.value)
    # the first 10 stages still predict what the 10-tree model predicted
    stages = list(est.staged_decision_function(X) if hasattr(est, "decision_function")
                  else est.staged_predict(X))
    assert_allclose(np.reshape(stages[9], old_raw.shape), old_raw, rtol=1e-12)
    assert not np.allclose(_raw(est, X), old_raw)
    # no subsampling: warm-starting is the same as fitting 25 trees at once
    direct = Est(n_estimators=25, random_state=0).fit(X, y)
    assert_allclose(_raw(est, X), _raw(direct, X), rtol=1e-10)


@pytest.mark.parametrize("Est, data", [(GradientBoostingRegressor, "reg_data"),
                                       (GradientBoostingClassifier, "bin_data")])
def test_warm_start_refit_with_same_n_estimators_is_noop(Est, data, request):
    # as scikit-learn: nothing to add, nothing changes.  (The n_estimators_
    # assertion comes first on purpose: a model whose n_estimators_ exceeds its
    # number of trees makes the predict kernels read past the node arrays.)
    X, y = request.getfixturevalue(data)
    est = Est(n_estimators=6, warm_start=True, random_state=0).fit(X, y)
    before = _raw(est, X)
    est.fit(X, y)
    assert est.n_estimators_ == 6
    assert est.estimators_.shape[0] == 6
    assert all(tree is not None for tree in est.estimators_.ravel())
    assert est.train_score_.shape == (6,)
    assert_array_equal(_raw(est, X), before)


def test_warm_start_off_refits_from_scratch(reg_data):
    X, y = reg_data
    est = GradientBoostingRegressor(n_estimators=5, random_state=0).fit(X, y)
    first = est.predict(X)
    est.set_params(n_estimators=8).fit(X, y)
    assert est.n_estimators_ == 8
    est.set_params(n_estimators=5).fit(X, y)
    assert_allclose(est.predict(X), first)


# -------------------------------------------------------- early stopping


@pytest.mark.parametrize("Est, data", [(GradientBoostingRegressor, "reg_data"),
                                       (GradientBoostingClassifier, "bin_data")])
def test_early_stopping_stops_on_easy_data(Est, data, request):
    X, y = request.getfixturevalue(data)
    est = Est(n_estimators=1000, n_iter_no_change=5, validation_fraction=0.2,
              learning_rate=0.3, random_state=0).fit(X, y)
    assert 5 < est.n_estimators_ < 1000
    assert est.estimators_.shape[0] == est.n_estimators_
    assert est.train_score_.shape == (est.n_estimators_,)
    assert len(list(est.staged_predict(X[:5]))) == est.n_estimators_
    # without n_iter_no_change every tree is built
    full = Est(n_estimators=40, random_state=0).fit(X, y)
    assert full.n_estimators_ == 40


def test_early_stopping_with_subsample_attributes(bin_data):
    X, y = bin_data
    est = GradientBoostingClassifier(n_estimators=500, n_iter_no_change=3, subsample=0.5,
                                     learning_rate=0.5, random_state=0).fit(X, y)
    n = est.n_estimators_
    assert n < 500
    assert est.oob_improvement_.shape == (n,)
    assert est.oob_scores_.shape == (n,)
    assert est.oob_score_ == est.oob_scores_[-1]


# ------------------------------------------------------------------ OOB


@pytest.mark.parametrize("Est, data", [(GradientBoostingRegressor, "reg_data"),
                                       (GradientBoostingClassifier, "multi_data")])
def test_subsample_gives_oob_attributes(Est, data, request):
    X, y = request.getfixturevalue(data)
    est = Est(n_estimators=20, subsample=0.6, random_state=0).fit(X, y)
    assert est.oob_improvement_.shape == (20,)
    assert est.oob_scores_.shape == (20,)
    assert np.isscalar(est.oob_score_) or np.ndim(est.oob_score_) == 0
    assert est.oob_score_ == est.oob_scores_[-1]
    assert np.all(np.isfinite(est.oob_scores_))
    # as scikit-learn: improvement i is the drop of the OOB loss at stage i
    assert_allclose(est.oob_improvement_[1:], -np.diff(est.oob_scores_), rtol=1e-10)
    # boosting helps out of bag overall
    assert est.oob_scores_[-1] < est.oob_scores_[0]
    full = Est(n_estimators=5, random_state=0).fit(X, y)
    for name in ("oob_improvement_", "oob_scores_", "oob_score_"):
        assert not hasattr(full, name)


# ------------------------------------------------------------ monotonic


def _monotone_data(n=2000, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(0, 1, size=(n, 3))
    # increasing in x0 and decreasing in x1 on average, with wiggles and noise
    y = (5 * X[:, 0] + np.sin(12 * X[:, 0]) - 5 * X[:, 1] + np.cos(12 * X[:, 1])
         + X[:, 2] + rng.normal(scale=0.8, size=n))
    return X, y


def _grid_predictions(est, X, feature, n_rows=30, n_grid=101):
    grid = np.linspace(-0.1, 1.1, n_grid)
    rows = np.repeat(X[:n_rows], n_grid, axis=0)
    rows[:, feature] = np.tile(grid, n_rows)
    out = _raw(est, rows)[:, 0]
    return out.reshape(n_rows, n_grid)


@pytest.mark.parametrize("params", [dict(), dict(max_depth=None, max_leaf_nodes=15),
                                    dict(l2_regularization=1.0),
                                    dict(subsample=0.7, max_features=2)])
def test_monotonic_cst_regressor(params):
    X, y = _monotone_data()
    est = GradientBoostingRegressor(n_estimators=60, monotonic_cst=[1, -1, 0],
                                    random_state=0, **params).fit(X, y)
    assert np.all(np.diff(_grid_predictions(est, X, 0), axis=1) >= -1e-10)
    assert np.all(np.diff(_grid_predictions(est, X, 1), axis=1) <= 1e-10)
    # the constraint is not vacuous: without it the data's wiggles are learned
    free = GradientBoostingRegressor(n_estimators=60, random_state=0, **params).fit(X, y)
    assert np.any(np.diff(_grid_predictions(free, X, 0), axis=1) < -1e-3)
    # and the constrained model is still a good model
    assert est.score(X, y) > 0.6


def test_monotonic_cst_binary_classifier():
    X, y_cont = _monotone_data()
    y = (y_cont > np.median(y_cont)).astype(int)
    est = GradientBoostingClassifier(n_estimators=60, monotonic_cst=[1, -1, 0],
                                     random_state=0).fit(X, y)
    assert np.all(np.diff(_grid_predictions(est, X, 0), axis=1) >= -1e-10)
    assert np.all(np.diff(_grid_predictions(est, X, 1), axis=1) <= 1e-10)
    assert est.score(X, y) > 0.75


# --------------------------------------------------------------- pruning


@pytest.mark.parametrize("Est, data", [(GradientBoostingRegressor, "reg_data"),
                                       (GradientBoostingClassifier, "bin_data")])
def test_ccp_alpha_reduces_leaves(Est, data, request):
    X, y = request.getfixturevalue(data)

    def n_leaves(est):
        return sum(tree.get_n_leaves() for tree in est.estimators_.ravel())

    counts = [n_leaves(Est(n_estimators=10, max_depth=6, ccp_alpha=a, random_state=0)
                       .fit(X, y)) for a in (0.0, 1e-3, 1e-2)]
    assert counts[0] > counts[1] > counts[2] >= 10


# ----------------------------------------------------------- importances


@pytest.mark.parametrize("Est, kind", [(GradientBoostingRegressor, "regression"),
                                       (GradientBoostingClassifier, "binary"),
                                       (GradientBoostingClassifier, "multiclass")])
def test_feature_importances(Est, kind):
    rng = np.random.RandomState(0)
    n = 2000
    X = rng.normal(size=(n, 4))  # x0 informative, x1 weakly, x2 and x3 noise
    signal = 3 * X[:, 0] + 0.5 * X[:, 1]
    if kind == "regression":
        y = signal + rng.normal(size=n)
    elif kind == "binary":
        y = (signal + rng.normal(size=n) > 0).astype(int)
    else:
        y = np.digitize(signal + rng.normal(size=n), [-1.5, 1.5])
    est = Est(n_estimators=30, random_state=0).fit(X, y)
    imp = est.feature_importances_
    assert imp.shape == (4,)
    assert np.all(imp >= 0)
    assert_allclose(imp.sum(), 1.0, rtol=1e-10)
    assert imp[0] > imp[1] > max(imp[2], imp[3])
    assert imp[0] > 0.5


# --------------------------------------------------------------- verbose


@pytest.mark.parametrize("extra, columns", [({}, ["Iter", "Train Loss"]),
                                            ({"subsample": 0.5},
                                             ["Iter", "Train Loss", "OOB Improve"])])
def test_verbose_prints_header_and_one_line_per_iteration(capsys, extra, columns):
    X, y = _regression(n=300)
    GradientBoostingRegressor(n_estimators=6, verbose=1, random_state=0, **extra).fit(X, y)
    out = capsys.readouterr().out.strip().splitlines()
    header, lines = out[0], out[1:]
    for column in columns:
        assert column in header
    assert len(lines) == 6
    for i, line in enumerate(lines, start=1):
        fields = line.split()
        assert int(fields[0]) == i
        float(fields[1])  # the training loss is a number


def test_verbose_0_is_silent(capsys, reg_data):
    X, y = reg_data
    GradientBoostingRegressor(n_estimators=3).fit(X, y)
    assert capsys.readouterr().out == ""


# ---------------------------------------------------------- class weights


def test_class_weight_balanced_changes_predictions():
    X, y = make_classification(n_samples=3000, n_features=6, n_informative=3,
                               weights=[0.95, 0.05], flip_y=0.02, random_state=0)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0, stratify=y)
    plain = GradientBoostingClassifier(n_estimators=30, random_state=0).fit(X_tr, y_tr)
    balanced = GradientBoostingClassifier(n_estimators=30, random_state=0,
                                          class_weight="balanced").fit(X_tr, y_tr)
    assert not np.array_equal(plain.predict(X_te), balanced.predict(X_te))
    # more of the rare class is found, at the price of more positives overall
    assert recall_score(y_te, balanced.predict(X_te)) > recall_score(y_te, plain.predict(X_te))
    assert balanced.predict(X_te).sum() > plain.predict(X_te).sum()
    assert balanced.predict_proba(X_te)[:, 1].mean() > plain.predict_proba(X_te)[:, 1].mean()


def test_class_weight_dict_equals_sample_weight(multi_data):
    X, y = multi_data
    weights = {0: 1.0, 1: 3.0, 2: 0.5}
    a = GradientBoostingClassifier(n_estimators=10, class_weight=weights,
                                   random_state=0).fit(X, y)
    b = GradientBoostingClassifier(n_estimators=10, random_state=0).fit(
        X, y, sample_weight=np.vectorize(weights.get)(y))
    assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-10)


# ---------------------------------------------------------- sample weight


@pytest.mark.parametrize("Est, data", [(GradientBoostingRegressor, "reg_data"),
                                       (GradientBoostingClassifier, "bin_data")])
def test_sample_weight_scale_invariance_and_effect(Est, data, request):
    X, y = request.getfixturevalue(data)
    w = np.random.RandomState(0).uniform(0.5, 2.0, size=y.shape[0])
    a = Est(n_estimators=10, random_state=0).fit(X, y, sample_weight=w)
    b = Est(n_estimators=10, random_state=0).fit(X, y, sample_weight=7.0 * w)
    assert_allclose(_raw(a, X), _raw(b, X), rtol=1e-7, atol=1e-9)
    unweighted = Est(n_estimators=10, random_state=0).fit(X, y)
    ones = Est(n_estimators=10, random_state=0).fit(X, y, sample_weight=np.ones(y.shape[0]))
    assert_allclose(_raw(unweighted, X), _raw(ones, X), rtol=1e-12)
    assert not np.allclose(_raw(a, X), _raw(unweighted, X))


def test_zero_weight_rows_are_ignored(reg_data):
    X, y = reg_data
    w = np.ones(y.shape[0])
    w[::3] = 0.0
    y_garbage = y.copy()
    y_garbage[::3] = 1e6  # a zero-weight row must not move any leaf
    a = GradientBoostingRegressor(n_estimators=10, random_state=0).fit(X, y, sample_weight=w)
    b = GradientBoostingRegressor(n_estimators=10, random_state=0).fit(
        X, y_garbage, sample_weight=w)
    assert_allclose(a.predict(X), b.predict(X), rtol=1e-10)
    assert np.abs(a.predict(X)).max() < 100


# ------------------------------------------------------------------ init


def test_init_zero_and_estimators_regressor(reg_data):
    X, y = reg_data
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    baseline = mean_squared_error(y_te, np.full_like(y_te, y_tr.mean()))
    default = GradientBoostingRegressor(n_estimators=20, random_state=0).fit(X_tr, y_tr)
    zero = GradientBoostingRegressor(n_estimators=20, init="zero", random_state=0).fit(X_tr,
                                                                                       y_tr)
    assert zero.init_ == "zero"
    # the first zero-init stage starts from 0, not from the mean
    first = next(zero.staged_predict(X_te))
    assert abs(first.mean()) < abs(y_tr.mean())
    dummy = GradientBoostingRegressor(n_estimators=20, init=DummyRegressor(),
                                      random_state=0).fit(X_tr, y_tr)
    assert_allclose(dummy.predict(X_te), default.predict(X_te), rtol=1e-10)
    linear = GradientBoostingRegressor(n_estimators=20, init=LinearRegression(),
                                       random_state=0).fit(X_tr, y_tr)
    assert isinstance(linear.init_, LinearRegression)
    assert hasattr(linear.init_, "coef_")  # the init estimator was fitted
    for est in (zero, dummy, linear):
        assert mean_squared_error(y_te, est.predict(X_te)) < 0.6 * baseline
    # the linear start helps on Friedman #1 (which has a large linear part)
    assert (mean_squared_error(y_te, linear.predict(X_te))
            < mean_squared_error(y_te, default.predict(X_te)))


@pytest.mark.parametrize("data", ["bin_data", "multi_data"])
def test_init_zero_and_estimators_classifier(data, request):
    X, y = request.getfixturevalue(data)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    default = GradientBoostingClassifier(n_estimators=20, random_state=0).fit(X_tr, y_tr)
    prior = GradientBoostingClassifier(n_estimators=20, init=DummyClassifier(strategy="prior"),
                                       random_state=0).fit(X_tr, y_tr)
    assert_allclose(prior.predict_proba(X_te), default.predict_proba(X_te), rtol=1e-8)
    zero = GradientBoostingClassifier(n_estimators=20, init="zero",
                                      random_state=0).fit(X_tr, y_tr)
    logistic = GradientBoostingClassifier(n_estimators=20, init=LogisticRegression(),
                                          random_state=0).fit(X_tr, y_tr)
    majority = np.bincount(y_te).max() / y_te.size
    for est in (zero, prior, logistic):
        assert accuracy_score(y_te, est.predict(X_te)) > majority + 0.2
        assert_allclose(est.predict_proba(X_te).sum(axis=1), 1.0)


# ---------------------------------------------------------------- losses


def _pinball(y, pred, alpha):
    return mean_pinball_loss(y, pred, alpha=alpha)


@pytest.mark.parametrize("loss", ["squared_error", "absolute_error", "huber", "quantile"])
def test_every_regression_loss_beats_constant(loss):
    X, y = _regression(n=2000)
    rng = np.random.RandomState(1)
    y = y + rng.standard_t(df=2, size=y.size)  # heavy tails: where robust losses matter
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    est = GradientBoostingRegressor(loss=loss, alpha=0.8, n_estimators=100,
                                    random_state=0).fit(X_tr, y_tr)
    pred = est.predict(X_te)
    if loss == "quantile":
        const = np.quantile(y_tr, 0.8)
        assert _pinball(y_te, pred, 0.8) < 0.7 * _pinball(y_te, np.full_like(y_te, const), 0.8)
        coverage = np.mean(y_te <= pred)
        assert 0.7 < coverage < 0.9
    elif loss == "absolute_error":
        const = np.median(y_tr)
        assert (mean_absolute_error(y_te, pred)
                < 0.7 * mean_absolute_error(y_te, np.full_like(y_te, const)))
    else:
        const = y_tr.mean()
        assert (mean_squared_error(y_te, pred)
                < 0.6 * mean_squared_error(y_te, np.full_like(y_te, const)))
    assert est.train_score_[-1] < est.train_score_[0]


@pytest.mark.parametrize("data, loss", [("bin_data", "log_loss"), ("bin_data", "exponential"),
                                        ("multi_data", "log_loss")])
def test_every_classification_loss_beats_constant(data, loss, request):
    X, y = request.getfixturevalue(data)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    est = GradientBoostingClassifier(loss=loss, n_estimators=50,
                                     random_state=0).fit(X_tr, y_tr)
    prior = np.bincount(y_tr) / y_tr.size
    assert accuracy_score(y_te, est.predict(X_te)) > prior.max() + 0.2
    assert (log_loss(y_te, est.predict_proba(X_te))
            < 0.7 * log_loss(y_te, np.tile(prior, (y_te.size, 1))))
    assert est.train_score_[-1] < est.train_score_[0]


def test_huber_and_quantile_alpha_changes_model(reg_data):
    X, y = reg_data
    lo = GradientBoostingRegressor(loss="quantile", alpha=0.1, n_estimators=30).fit(X, y)
    hi = GradientBoostingRegressor(loss="quantile", alpha=0.9, n_estimators=30).fit(X, y)
    assert np.mean(lo.predict(X) < hi.predict(X)) > 0.95
    assert np.mean(y <= lo.predict(X)) < 0.25
    assert np.mean(y <= hi.predict(X)) > 0.75


# ------------------------------------------------------- tree structure


@pytest.mark.parametrize("Est, data", [(GradientBoostingRegressor, "reg_data"),
                                       (GradientBoostingClassifier, "multi_data")])
@pytest.mark.parametrize("max_leaf_nodes", [2, 5, 17])
def test_max_leaf_nodes_bounds_leaves(Est, data, max_leaf_nodes, request):
    X, y = request.getfixturevalue(data)
    est = Est(n_estimators=8, max_depth=None, max_leaf_nodes=max_leaf_nodes,
              random_state=0).fit(X, y)
    leaves = [tree.get_n_leaves() for tree in est.estimators_.ravel()]
    assert max(leaves) <= max_leaf_nodes
    assert max(leaves) == max_leaf_nodes  # plenty of rows: the budget is used
    # best-first, not depth-limited: with 17 leaves some tree goes deeper than 4
    if max_leaf_nodes == 17:
        assert max(tree.get_depth() for tree in est.estimators_.ravel()) > 4


@pytest.mark.parametrize("max_depth", [1, 2, 4])
def test_max_depth_bounds_depth(reg_data, max_depth):
    X, y = reg_data
    est = GradientBoostingRegressor(n_estimators=5, max_depth=max_depth).fit(X, y)
    depths = [tree.get_depth() for tree in est.estimators_.ravel()]
    assert max(depths) == max_depth
    assert all(tree.get_n_leaves() <= 2 ** max_depth for tree in est.estimators_.ravel())


def test_min_samples_leaf_respected(reg_data):
    X, y = reg_data
    est = GradientBoostingRegressor(n_estimators=5, max_depth=None, max_leaf_nodes=64,
                                    min_samples_leaf=40).fit(X, y)
    for stage in est.estimators_.ravel():
        tree = stage.tree_
        assert tree.n_samples[tree.is_leaf()].min() >= 40


@pytest.mark.parametrize("max_bins", [2, 3, 16])
def test_max_bins_bounds_thresholds_per_feature(reg_data, max_bins):
    X, y = reg_data
    est = GradientBoostingRegressor(n_estimators=30, max_bins=max_bins,
                                    random_state=0).fit(X, y)
    thresholds = {}
    for tree in (stage.tree_ for stage in est.estimators_.ravel()):
        for node in np.flatnonzero(~tree.is_leaf()):
            thresholds.setdefault(tree.feature[node], set()).add(tree.threshold[node])
    assert max(len(t) for t in thresholds.values()) <= max_bins - 1
    # more bins, better fit on training data
    finer = GradientBoostingRegressor(n_estimators=30, max_bins=255, random_state=0).fit(X, y)
    assert finer.score(X, y) > est.score(X, y)


def test_l2_regularization_shrinks_leaves(reg_data):
    X, y = reg_data
    spreads = [np.std(GradientBoostingRegressor(n_estimators=10, l2_regularization=l2,
                                                random_state=0).fit(X, y).predict(X))
               for l2 in (0.0, 10.0, 1000.0)]
    assert spreads[0] > spreads[1] > spreads[2]


def test_min_impurity_decrease_can_forbid_every_split(reg_data):
    X, y = reg_data
    est = GradientBoostingRegressor(n_estimators=3, min_impurity_decrease=1e12).fit(X, y)
    assert all(stage.tree_.node_count == 1 for stage in est.estimators_.ravel())
    assert_allclose(est.feature_importances_, 0.0)


# ------------------------------------------------- agreement with sklearn


_TRAIN_SCORE_CASES = [
    ("regression", "squared_error"), ("regression", "absolute_error"),
    ("regression", "huber"), ("regression", "quantile"),
    ("binary", "log_loss"), ("binary", "exponential"), ("multiclass", "log_loss"),
]


@pytest.mark.parametrize("kind, loss", _TRAIN_SCORE_CASES)
def test_train_score_close_to_sklearn(kind, loss):
    if kind == "regression":
        X, y = make_friedman1(n_samples=2000, noise=1.0, random_state=0)
        Ours, Theirs = GradientBoostingRegressor, sk_ensemble.GradientBoostingRegressor
    else:
        X, y = make_classification(n_samples=2000, n_features=10, n_informative=6,
                                   n_classes=2 if kind == "binary" else 3, random_state=0)
        Ours, Theirs = GradientBoostingClassifier, sk_ensemble.GradientBoostingClassifier
    params = dict(loss=loss, n_estimators=40, max_depth=3, min_samples_leaf=5,
                  random_state=0)
    ours = Ours(**params).fit(X, y)
    theirs = Theirs(**params).fit(X, y)
    assert ours.train_score_.shape == theirs.train_score_.shape
    # same units and same first tree (up to binning): tight at stage 1
    assert_allclose(ours.train_score_[0], theirs.train_score_[0], rtol=0.01)
    # binned vs exact thresholds drift a little over the stages
    assert_allclose(ours.train_score_, theirs.train_score_, rtol=0.08)


def test_predictions_close_to_sklearn_on_coarse_data():
    """On data with < max_bins distinct values per feature, binning is exact, so
    the trees should match scikit-learn's wherever no two splits tie."""
    rng = np.random.RandomState(0)
    X = rng.randint(0, 50, size=(2000, 4)).astype(float) + rng.rand(1, 4)
    y = np.sin(X[:, 0] / 8) + X[:, 1] / 25 + 0.1 * rng.normal(size=2000)
    params = dict(n_estimators=20, max_depth=3, min_samples_leaf=5, random_state=0)
    ours = GradientBoostingRegressor(**params).fit(X, y)
    theirs = sk_ensemble.GradientBoostingRegressor(**params).fit(X, y)
    assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-6, atol=1e-8)
    assert_allclose(ours.train_score_, theirs.train_score_, rtol=1e-6)


# ---------------------------------------------------- split_method='exact'

_EXACT_CASES = [
    # kind, loss, sample weights, extra parameters
    ("regression", "squared_error", False, {}),
    ("regression", "absolute_error", False, {}),
    ("regression", "huber", False, {}),
    ("regression", "squared_error", False, {"max_depth": None, "max_leaf_nodes": 8}),
    ("regression", "squared_error", True, {}),
    ("regression", "huber", True, {}),
    ("binary", "log_loss", True, {}),
    ("binary", "exponential", True, {}),
    ("multiclass", "log_loss", True, {}),
]


def _exact_pair(kind, loss, weighted, extra, n_samples=1200):
    """skboost (split_method='exact') and scikit-learn fitted on the same data."""
    if kind == "regression":
        X, y = make_friedman1(n_samples=n_samples, noise=1.0, random_state=0)
        Ours, Theirs = GradientBoostingRegressor, sk_ensemble.GradientBoostingRegressor
    else:
        X, y = make_classification(n_samples=n_samples, n_features=8, n_informative=5,
                                   n_classes=2 if kind == "binary" else 3, random_state=0)
        Ours, Theirs = GradientBoostingClassifier, sk_ensemble.GradientBoostingClassifier
    X_tr, X_te, y_tr, _ = train_test_split(X, y, random_state=0)
    params = {**dict(loss=loss, n_estimators=15, max_depth=3, min_samples_leaf=20,
                     random_state=0), **extra}
    fit_kw = {}
    if weighted:
        fit_kw["sample_weight"] = np.random.RandomState(1).uniform(0.2, 3.0, y_tr.size)
    ours = Ours(split_method="exact", **params).fit(X_tr, y_tr, **fit_kw)
    theirs = Theirs(**params).fit(X_tr, y_tr, **fit_kw)
    return ours, theirs, X_te


@pytest.mark.parametrize("kind, loss, weighted, extra", _EXACT_CASES)
def test_split_method_exact_matches_sklearn(kind, loss, weighted, extra):
    """split_method='exact' grows scikit-learn's trees: on continuous data the
    predictions agree on held-out rows.

    Where two splits tie exactly, scikit-learn's random feature order (or its
    rounding) decides, so the cases avoid ties: min_samples_leaf=20, and the
    classifiers get continuous sample weights (unweighted, the first tree fits
    a two-valued residual and its gains tie between features).  'quantile' is
    left out for the same reason (its gradient takes two values)."""
    ours, theirs, X_te = _exact_pair(kind, loss, weighted, extra)
    assert_allclose(_raw(ours, X_te), _raw(theirs, X_te), rtol=1e-7, atol=1e-9)
    if kind != "regression":
        assert_allclose(ours.predict_proba(X_te), theirs.predict_proba(X_te),
                        rtol=1e-7, atol=1e-9)
    assert_allclose(ours.train_score_, theirs.train_score_, rtol=1e-7)
    assert_allclose(ours.feature_importances_, theirs.feature_importances_,
                    rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("n_samples, weighted", [(1202, False), (1200, True)],
                         ids=["odd_n", "weighted"])
def test_absolute_error_zero_residual_as_sklearn(n_samples, weighted):
    """With an odd number of rows (or with weights) the initial median *is* a
    training target, so one residual is exactly 0.  scikit-learn's gradient
    there is -1 (the row counts as above the prediction), not sign(0) = 0, and
    the trees fit that target."""
    ours, theirs, X_te = _exact_pair("regression", "absolute_error", weighted, {},
                                     n_samples=n_samples)
    assert_allclose(ours.feature_importances_, theirs.feature_importances_,
                    rtol=1e-6, atol=1e-9)
    assert_allclose(ours.predict(X_te), theirs.predict(X_te), rtol=1e-7, atol=1e-9)


def test_split_method_exact_with_nan_and_subsampling():
    X, y = _nan_task()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    params = dict(n_estimators=20, subsample=0.7, max_features=3, random_state=0,
                  split_method="exact")
    one = GradientBoostingClassifier(n_jobs=1, **params).fit(X_tr, y_tr)
    two = GradientBoostingClassifier(n_jobs=2, **params).fit(X_tr, y_tr)
    assert_array_equal(one.decision_function(X_te), two.decision_function(X_te))
    assert accuracy_score(y_te, one.predict(X_te)) > 0.93
    clone = pickle.loads(pickle.dumps(one))
    assert_array_equal(clone.predict_proba(X_te), one.predict_proba(X_te))


# ---------------------------------------------------------------- pickle


@pytest.mark.parametrize("Est, data", [(GradientBoostingRegressor, "reg_data"),
                                       (GradientBoostingClassifier, "bin_data"),
                                       (GradientBoostingClassifier, "multi_data")])
def test_pickle_round_trip(Est, data, request):
    X, y = request.getfixturevalue(data)
    est = Est(n_estimators=15, subsample=0.8, random_state=0).fit(X, y)
    clone = pickle.loads(pickle.dumps(est))
    assert_array_equal(clone.predict(X), est.predict(X))
    assert_array_equal(_raw(clone, X), _raw(est, X))
    assert_array_equal(clone.apply(X), est.apply(X))
    assert_array_equal(clone.feature_importances_, est.feature_importances_)
    if hasattr(est, "predict_proba"):
        assert_array_equal(clone.predict_proba(X), est.predict_proba(X))
    # a pickled warm-start model keeps growing the same way
    est.set_params(warm_start=True, n_estimators=20)
    clone.set_params(warm_start=True, n_estimators=20)
    assert_array_equal(_raw(est.fit(X, y), X), _raw(clone.fit(X, y), X))


# --------------------------------------------------------------- monitor


@pytest.mark.parametrize("Est, data", [(GradientBoostingRegressor, "reg_data"),
                                       (GradientBoostingClassifier, "bin_data")])
def test_monitor_stops_fitting(Est, data, request):
    X, y = request.getfixturevalue(data)
    calls = []

    def monitor(i, est, local_vars):
        calls.append(i)
        assert isinstance(local_vars, dict)
        return i == 4

    est = Est(n_estimators=50, subsample=0.8, random_state=0).fit(X, y, monitor=monitor)
    assert calls == [0, 1, 2, 3, 4]
    assert est.n_estimators_ == 5
    assert est.estimators_.shape[0] == 5
    assert est.train_score_.shape == (5,)
    assert est.oob_improvement_.shape == (5,)
    assert len(list(est.staged_predict(X[:3]))) == 5
    # a monitor that never stops changes nothing
    never = Est(n_estimators=8, random_state=0).fit(X, y, monitor=lambda *a: False)
    assert never.n_estimators_ == 8


# ---------------------------------------------------------- data frames


def test_dataframe_feature_names():
    import pandas as pd

    X, y = _regression(n=300)
    df = pd.DataFrame(X, columns=[f"col{i}" for i in range(X.shape[1])])
    est = GradientBoostingRegressor(n_estimators=5).fit(df, y)
    assert_array_equal(est.feature_names_in_, df.columns)
    with pytest.warns(UserWarning, match="feature names"):
        assert_allclose(est.predict(df), est.predict(X))
    # reordered columns are realigned by name; a renamed one is an error
    assert_allclose(est.predict(df[df.columns[::-1]]), est.predict(df))
    with pytest.raises(ValueError, match=re.escape("feature names")):
        est.predict(df.rename(columns={"col0": "other"}))


# ------------------------------------------------ drop-in: fitted attributes


def _public_fitted_attributes(est):
    names = []
    for name in dir(est):
        if name.endswith("_") and not name.startswith("_") and not name.endswith("__"):
            try:
                getattr(est, name)
            except AttributeError:
                continue
            names.append(name)
    return set(names)


@pytest.mark.parametrize("kind", ["regression", "binary", "multiclass"])
def test_fitted_attributes_as_sklearn(kind, reg_data, bin_data, multi_data):
    X, y = {"regression": reg_data, "binary": bin_data, "multiclass": multi_data}[kind]
    Ours, Theirs = ((GradientBoostingRegressor, sk_ensemble.GradientBoostingRegressor)
                    if kind == "regression" else
                    (GradientBoostingClassifier, sk_ensemble.GradientBoostingClassifier))
    params = dict(n_estimators=3, subsample=0.8, random_state=0)
    ours = Ours(**params).fit(X, y)
    theirs = Theirs(**params).fit(X, y)
    missing = _public_fitted_attributes(theirs) - _public_fitted_attributes(ours)
    assert not missing, f"fitted attributes of scikit-learn missing: {sorted(missing)}"
    for name in ("n_estimators_", "max_features_", "n_features_in_"):
        assert getattr(ours, name) == getattr(theirs, name)
    for name in ("train_score_", "oob_improvement_", "oob_scores_"):
        assert getattr(ours, name).shape == getattr(theirs, name).shape
    assert ours.estimators_.shape == theirs.estimators_.shape
    assert ours.feature_importances_.shape == theirs.feature_importances_.shape


@pytest.mark.parametrize("Est, data", [(GradientBoostingRegressor, "reg_data"),
                                       (GradientBoostingClassifier, "multi_data")])
def test_init_none_sets_a_fitted_init_estimator(Est, data, request):
    """scikit-learn: with init=None, ``init_`` is the fitted constant estimator
    (DummyRegressor / DummyClassifier) whose predictions start the boosting."""
    X, y = request.getfixturevalue(data)
    ours = Est(n_estimators=3, random_state=0).fit(X, y)
    assert ours.init_ is not None
    if Est is GradientBoostingRegressor:
        assert_allclose(ours.init_.predict(X[:5]), np.full(5, y.mean()))
    else:
        assert_allclose(ours.init_.predict_proba(X[:5]),
                        np.tile(np.bincount(y) / y.size, (5, 1)))


@pytest.mark.parametrize("max_features", ["sqrt", "log2", None, 3, 0.35, 1.0])
def test_max_features_as_sklearn(reg_data, max_features):
    X, y = reg_data
    ours = GradientBoostingRegressor(n_estimators=1, max_features=max_features).fit(X, y)
    theirs = sk_ensemble.GradientBoostingRegressor(n_estimators=1,
                                                   max_features=max_features).fit(X, y)
    assert ours.max_features_ == theirs.max_features_


def test_float32_input_same_as_float64(reg_data):
    X, y = reg_data
    X32 = X.astype(np.float32)
    a = GradientBoostingRegressor(n_estimators=10, random_state=0).fit(X32, y)
    b = GradientBoostingRegressor(n_estimators=10, random_state=0).fit(
        X32.astype(np.float64), y)
    assert_array_equal(a.predict(X32), b.predict(X32.astype(np.float64)))


def test_warm_start_with_subsample_extends_oob_arrays(reg_data):
    X, y = reg_data
    est = GradientBoostingRegressor(n_estimators=10, subsample=0.5, warm_start=True,
                                    random_state=0).fit(X, y)
    est.set_params(n_estimators=20).fit(X, y)
    assert est.oob_improvement_.shape == (20,)
    assert est.oob_scores_.shape == (20,)
    assert np.all(est.oob_scores_ > 0)  # no zero left from the resize
    assert est.oob_score_ == est.oob_scores_[-1]


def test_warm_start_continues_after_early_stopping(reg_data):
    X, y = reg_data
    est = GradientBoostingRegressor(n_estimators=10, n_iter_no_change=3, warm_start=True,
                                    learning_rate=0.3, random_state=0).fit(X, y)
    assert est.n_estimators_ == 10
    est.set_params(n_estimators=1000).fit(X, y)
    assert 10 < est.n_estimators_ < 1000
    assert est.train_score_.shape == (est.n_estimators_,)


def test_class_with_zero_total_weight_gets_zero_probability(multi_data):
    X, y = multi_data
    w = np.where(y == 2, 0.0, 1.0)
    est = GradientBoostingClassifier(n_estimators=10, random_state=0).fit(X, y,
                                                                          sample_weight=w)
    assert est.n_classes_ == 3
    proba = est.predict_proba(X)
    assert np.all(np.isfinite(proba))
    assert proba[:, 2].max() < 1e-6
    assert_allclose(proba.sum(axis=1), 1.0)
    assert np.isfinite(est.train_score_).all()


@pytest.mark.parametrize("Est, target", [
    (GradientBoostingRegressor, lambda y: 3.0 * y + 0.1),
    (GradientBoostingClassifier, lambda y: y),
])
def test_nodes_whose_rows_share_one_gradient_are_not_split(Est, target):
    """After the first split every child's rows have one gradient value, so
    no further split changes the loss; the sums of those equal gradients
    differ in their last bits from child to child, which must not be taken
    for gain (scikit-learn makes such nodes leaves: zero impurity)."""
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(3000, 6))
    X[:, 0] = rng.randint(0, 10, size=3000)  # every value has its own bin
    y = target((X[:, 0] > 3).astype(float))
    est = Est(n_estimators=4, max_depth=4, learning_rate=0.3, random_state=0).fit(X, y)
    for tree in est._forest.trees:
        assert tree.node_count == 3, tree.gain
        assert tree.feature[0] == 0


def test_criterion_is_deprecated_as_in_sklearn(reg_data):
    X, y = reg_data
    assert GradientBoostingRegressor().criterion == "deprecated"
    assert (GradientBoostingRegressor().get_params()["criterion"]
            == sk_ensemble.GradientBoostingRegressor().get_params()["criterion"])
    with pytest.warns(FutureWarning, match="criterion"):
        GradientBoostingRegressor(n_estimators=2, criterion="squared_error").fit(X, y)


def test_classifier_init_needs_predict_proba(bin_data):
    from sklearn.utils._param_validation import InvalidParameterError
    X, y = bin_data
    with pytest.raises(InvalidParameterError, match="predict_proba"):
        GradientBoostingClassifier(n_estimators=2, init=LinearRegression()).fit(X, y)


def test_init_without_sample_weight_support_is_named(reg_data):
    from sklearn.pipeline import make_pipeline
    X, y = reg_data
    est = GradientBoostingRegressor(n_estimators=2, init=make_pipeline(LinearRegression()))
    est.fit(X, y)                       # no weights given: the pipeline fits
    with pytest.raises(ValueError, match="does not support sample weights"):
        est.fit(X, y, sample_weight=np.ones(len(y)))


@pytest.mark.parametrize("Est", [GradientBoostingClassifier, GradientBoostingRegressor])
def test_root_bin_counts_reused_across_trees(Est, monkeypatch):
    """From the second tree on, the root histogram of an unweighted fit on
    every row reuses the bin counts of the first: the model equals the one
    fitted with every weight 2 (which sums weights instead; doubling is exact
    in floating point, so every gain and leaf value is the same)."""
    from skboost import _histogram
    X, y = make_classification(n_samples=3000, n_features=6, random_state=4)
    X[::17, 2] = np.nan
    reused = []
    original = _histogram.build_root_gradients
    monkeypatch.setattr(_histogram, "build_root_gradients",
                        lambda *args: reused.append(1) or original(*args))
    params = dict(n_estimators=6, max_depth=3, random_state=0)
    plain = Est(**params).fit(X, y)
    assert len(reused) == 5
    weighted = Est(**params).fit(X, y, sample_weight=np.full(y.size, 2.0))
    assert len(reused) == 5
    assert_array_equal(plain.predict(X), weighted.predict(X))
    if Est is GradientBoostingClassifier:
        assert_array_equal(plain.predict_proba(X), weighted.predict_proba(X))
