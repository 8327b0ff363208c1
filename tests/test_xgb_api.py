"""XGBClassifier / XGBRegressor: the scikit-learn and xgboost-style API.

Early stopping (with an eval set, as xgboost; without one, on an internal
split), iteration ranges, evaluation logs and their printed lines,
callbacks, scikit-learn's estimator checks, DataFrames, and clear errors on
bad input.
"""
import pickle
import re

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import log_loss, mean_absolute_error
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from skboost import XGBClassifier, XGBRegressor

import xgboost as xgb

EXACT = dict(tree_method="exact", n_jobs=1)


def _data(kind, n=400, d=5, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d).astype(np.float32).astype(np.float64)
    f = X[:, 0] + np.sin(2 * X[:, 1]) + 0.4 * X[:, 2] * X[:, 3] + 0.5 * rng.randn(n)
    if kind == "reg":
        return X, f.astype(np.float32).astype(np.float64)
    if kind == "binary":
        return X, (f > 0.2).astype(int)
    return X, np.digitize(f, [-0.6, 0.8])


@pytest.fixture(scope="module")
def split_data():
    out = {}
    for kind in ("reg", "binary", "multi"):
        X, y = _data(kind, n=600)
        out[kind] = (X[:400], y[:400], X[400:], y[400:])
    return out


def _classes(kind):
    return (XGBRegressor, xgb.XGBRegressor) if kind == "reg" else \
        (XGBClassifier, xgb.XGBClassifier)


# ------------------------------------------------- scikit-learn's checks


@parametrize_with_checks([XGBClassifier(n_estimators=5), XGBRegressor(n_estimators=5)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_get_set_params_clone_and_pickle(split_data):
    X, y, Xv, _ = split_data["multi"]
    model = XGBClassifier(n_estimators=7, max_depth=3, reg_alpha=0.2)
    assert model.get_params()["reg_alpha"] == 0.2
    assert clone(model).set_params(max_depth=4).get_params()["max_depth"] == 4
    model.fit(X, y)
    restored = pickle.loads(pickle.dumps(model))
    assert_allclose(restored.predict_proba(Xv), model.predict_proba(Xv))
    assert restored.n_features_in_ == 5 and restored.n_classes_ == 3


# ----------------------------------------------------------- early stopping


@pytest.mark.parametrize("kind, metric", [("reg", None), ("binary", None),
                                          ("binary", ["logloss", "auc"]), ("multi", None),
                                          ("multi", "merror")])
def test_early_stopping_with_eval_set_as_xgboost(split_data, kind, metric):
    """best_iteration, best_score, the log and the predictions (which use the
    best iteration) equal xgboost's on the same data (exact, one thread)."""
    X, y, Xv, yv = split_data[kind]
    kw = dict(n_estimators=200, early_stopping_rounds=5, learning_rate=0.5,
              eval_metric=metric, **EXACT)
    ours_cls, theirs_cls = _classes(kind)
    ours = ours_cls(**kw).fit(X, y, eval_set=[(Xv, yv)], verbose=False)
    theirs = theirs_cls(**kw).fit(X, y, eval_set=[(Xv, yv)], verbose=False)
    assert ours.best_iteration == theirs.best_iteration
    assert ours.best_score == pytest.approx(theirs.best_score, rel=1e-5)
    assert ours.n_estimators_ == theirs.get_booster().num_boosted_rounds()
    assert ours.n_estimators_ < 200
    for name, log in theirs.evals_result()["validation_0"].items():
        assert_allclose(ours.evals_result()["validation_0"][name], log, rtol=1e-5)
    assert_allclose(ours.predict(Xv, output_margin=True),
                    theirs.predict(Xv, output_margin=True), rtol=1e-5, atol=1e-5)
    best = ours.predict(Xv, output_margin=True,
                        iteration_range=(0, ours.best_iteration + 1))
    assert_allclose(ours.predict(Xv, output_margin=True), best)
    every = ours.predict(Xv, output_margin=True, iteration_range=(0, ours.n_estimators_))
    assert not np.allclose(every, best)


def test_early_stopping_maximises_auc_and_uses_the_last_set_and_metric(split_data):
    X, y, Xv, yv = split_data["binary"]
    kw = dict(n_estimators=100, early_stopping_rounds=3, eval_metric=["logloss", "auc"],
              learning_rate=0.5, **EXACT)
    ours = XGBClassifier(**kw).fit(X, y, eval_set=[(X, y), (Xv, yv)], verbose=False)
    theirs = xgb.XGBClassifier(**kw).fit(X, y, eval_set=[(X, y), (Xv, yv)], verbose=False)
    auc = ours.evals_result()["validation_1"]["auc"]
    assert ours.best_score == max(auc)
    assert ours.best_iteration == int(np.argmax(auc)) == theirs.best_iteration
    assert ours.evals_result().keys() == theirs.evals_result().keys()


@pytest.mark.parametrize("kind", ["reg", "binary", "multi"])
def test_early_stopping_without_eval_set_holds_out_a_split(kind):
    X, y = _data(kind, n=500)
    model = _classes(kind)[0](n_estimators=300, early_stopping_rounds=5,
                              learning_rate=0.5, random_state=0).fit(X, y)
    log = model.evals_result()["validation_0"]
    assert model.n_estimators_ < 300
    assert len(next(iter(log.values()))) == model.n_estimators_
    assert model.best_iteration == model.n_estimators_ - 6
    assert model.best_score == min(next(iter(log.values())))
    again = _classes(kind)[0](n_estimators=300, early_stopping_rounds=5,
                              learning_rate=0.5, random_state=0).fit(X, y)
    assert_allclose(again.predict(X), model.predict(X))


def test_internal_split_is_stratified_and_sized_by_validation_fraction(monkeypatch):
    """The held-out rows keep the class proportions; their count follows
    validation_fraction (checked on the weights of the held-out set)."""
    X, y = _data("binary", n=500)
    y = np.where(np.arange(500) < 450, 0, 1)  # 10% positives
    seen = {}
    original = XGBClassifier._internal_validation

    def spy(self, X, y, w, bm):
        out = original(self, X, y, w, bm)
        seen["y_val"] = out[4][0][2]
        return out

    monkeypatch.setattr(XGBClassifier, "_internal_validation", spy)
    XGBClassifier(n_estimators=5, early_stopping_rounds=2, validation_fraction=0.2,
                  random_state=0).fit(X, y)
    assert seen["y_val"].size == 100
    assert seen["y_val"].sum() == 10


def test_early_stopping_without_eval_set_in_search_and_cross_validation(capsys):
    X, y = _data("binary", n=300)
    scores = cross_val_score(XGBClassifier(n_estimators=100, early_stopping_rounds=3,
                                           random_state=0), X, y, cv=3)
    assert scores.min() > 0.7
    search = GridSearchCV(XGBRegressor(n_estimators=100, early_stopping_rounds=3),
                          {"max_depth": [2, 4]}, cv=3).fit(*_data("reg", n=300))
    assert search.best_estimator_.best_iteration < 99
    assert capsys.readouterr().out == ""  # the internal split does not print


def test_refit_without_early_stopping_forgets_the_best_iteration(split_data):
    X, y, Xv, yv = split_data["reg"]
    model = XGBRegressor(n_estimators=100, early_stopping_rounds=2, learning_rate=0.8).fit(
        X, y, eval_set=[(Xv, yv)], verbose=False)
    assert model.best_iteration < 99
    model.set_params(early_stopping_rounds=None, n_estimators=30).fit(X, y)
    assert not hasattr(model, "best_iteration") and not hasattr(model, "best_score")
    assert_allclose(model.predict(Xv), model.predict(Xv, iteration_range=(0, 30)))


def test_early_stopping_respects_sample_weight_of_the_split():
    X, y = _data("reg", n=400)
    w = np.random.RandomState(0).uniform(0.5, 2, 400)
    a = XGBRegressor(n_estimators=50, early_stopping_rounds=3, random_state=1).fit(
        X, y, sample_weight=w)
    b = XGBRegressor(n_estimators=50, early_stopping_rounds=3, random_state=1).fit(X, y)
    assert a.evals_result_ != b.evals_result_


# ------------------------------------------------------- iteration ranges


@pytest.mark.parametrize("kind", ["reg", "binary", "multi"])
def test_iteration_range_equals_a_shorter_model(split_data, kind):
    X, y, Xv, _ = split_data[kind]
    cls = _classes(kind)[0]
    full = cls(n_estimators=12, **EXACT).fit(X, y)
    short = cls(n_estimators=5, **EXACT).fit(X, y)
    assert_allclose(full.predict(Xv, output_margin=True, iteration_range=(0, 5)),
                    short.predict(Xv, output_margin=True), rtol=1e-12, atol=1e-12)
    assert_allclose(full.predict(Xv, iteration_range=(0, 0)), full.predict(Xv))
    # a middle range adds those rounds' trees to the base margin
    mid = full.predict(Xv, output_margin=True, iteration_range=(5, 12))
    expected = full.predict(Xv, output_margin=True) - short.predict(Xv, output_margin=True) \
        + _base_margin(full, Xv)
    assert_allclose(mid, expected, rtol=1e-10, atol=1e-10)
    theirs = _classes(kind)[1](n_estimators=12, **EXACT).fit(X, y)
    assert_allclose(mid, theirs.predict(Xv, output_margin=True, iteration_range=(5, 12)),
                    rtol=1e-5, atol=1e-5)
    if kind != "reg":
        assert_allclose(full.predict_proba(Xv, iteration_range=(0, 5)),
                        short.predict_proba(Xv))
    assert_array_equal(full.apply(Xv, iteration_range=(0, 5)), short.apply(Xv))


def _base_margin(model, X):
    """The constant base margin of a fitted model, one row per sample."""
    return np.squeeze(np.tile(model._base_margin, (X.shape[0], 1)))


def test_iteration_range_outside_the_model_raises(split_data):
    X, y, Xv, _ = split_data["reg"]
    model = XGBRegressor(n_estimators=3).fit(X, y)
    for bad in [(0, 4), (2, 1), (-1, 2)]:
        with pytest.raises(ValueError, match="iteration_range"):
            model.predict(Xv, iteration_range=bad)


# ------------------------------------------------- evaluation and printing


def test_evals_result_equals_xgboost_for_several_sets_metrics_and_weights(split_data):
    X, y, Xv, yv = split_data["binary"]
    wv = np.random.RandomState(1).uniform(0.5, 2, Xv.shape[0]).astype(np.float32)
    kw = dict(n_estimators=6, eval_metric=["logloss", "error", "auc"], **EXACT)
    fit = dict(eval_set=[(X, y), (Xv, yv)], sample_weight_eval_set=[None, wv],
               verbose=False)
    ours = XGBClassifier(**kw).fit(X, y, **fit).evals_result()
    theirs = xgb.XGBClassifier(**kw).fit(X, y, **fit).evals_result()
    assert list(ours) == list(theirs) == ["validation_0", "validation_1"]
    for name in theirs:
        assert list(ours[name]) == list(theirs[name])
        for metric in theirs[name]:
            assert_allclose(ours[name][metric], theirs[name][metric], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind, func", [("binary", log_loss), ("multi", log_loss),
                                        ("reg", mean_absolute_error)])
def test_callable_eval_metric_as_xgboost(split_data, kind, func):
    """A scikit-learn metric ``f(y_true, y_pred)``: called with labels and
    probabilities (class 1 for binary) or predictions, named after the
    function, minimised; the same values as xgboost."""
    X, y, Xv, yv = split_data[kind]
    kw = dict(n_estimators=30, eval_metric=func, early_stopping_rounds=3,
              learning_rate=0.5, **EXACT)
    ours_cls, theirs_cls = _classes(kind)
    ours = ours_cls(**kw).fit(X, y, eval_set=[(Xv, yv)], verbose=False)
    theirs = theirs_cls(**kw).fit(X, y, eval_set=[(Xv, yv)], verbose=False)
    log = ours.evals_result()["validation_0"][func.__name__]
    assert_allclose(log, theirs.evals_result()["validation_0"][func.__name__], rtol=1e-5)
    assert ours.best_iteration == theirs.best_iteration
    if kind == "binary":
        labels = np.array(["a", "b"])[yv]
        model = XGBClassifier(n_estimators=3, eval_metric=func).fit(
            X, np.array(["a", "b"])[y], eval_set=[(Xv, labels)], verbose=False)
        p = model.predict_proba(Xv, iteration_range=(0, 3))[:, 1]
        assert model.evals_result()["validation_0"]["log_loss"][-1] == \
            pytest.approx(log_loss(labels, p))


@pytest.mark.parametrize("objective", ["multi:softmax", "binary:logitraw"])
def test_callable_metric_receives_the_boosters_prediction_as_xgboost(split_data, objective):
    """multi:softmax hands class labels, binary:logitraw margins (xgboost's
    booster predictions for those objectives)."""
    from sklearn.metrics import accuracy_score

    def error(y_true, y_pred):
        if objective == "multi:softmax":
            return 1.0 - accuracy_score(y_true, y_pred)
        return float(np.mean((y_pred > 0) != y_true))

    X, y, Xv, yv = split_data["multi" if objective == "multi:softmax" else "binary"]
    kw = dict(n_estimators=5, objective=objective, eval_metric=error, **EXACT)
    ours = XGBClassifier(**kw).fit(X, y, eval_set=[(Xv, yv)], verbose=False)
    theirs = xgb.XGBClassifier(**kw).fit(X, y, eval_set=[(Xv, yv)], verbose=False)
    assert_allclose(ours.evals_result()["validation_0"]["error"],
                    theirs.evals_result()["validation_0"]["error"], atol=1e-6)


def test_verbose_lines_match_xgboost(split_data, capsys):
    X, y, Xv, yv = split_data["binary"]
    kw = dict(n_estimators=5, eval_metric=["logloss", "auc"], **EXACT)
    fit = dict(eval_set=[(X, y), (Xv, yv)])
    XGBClassifier(**kw).fit(X, y, **fit)
    ours = capsys.readouterr().out
    xgb.XGBClassifier(**kw).fit(X, y, **fit)
    theirs = capsys.readouterr()
    theirs = theirs.out + theirs.err
    assert ours.splitlines() == [line for line in theirs.splitlines() if line.startswith("[")]
    assert re.fullmatch(r"\[0\]\tvalidation_0-logloss:\d\.\d{5}\tvalidation_0-auc:\d\.\d{5}"
                        r"\tvalidation_1-logloss:\d\.\d{5}\tvalidation_1-auc:\d\.\d{5}",
                        ours.splitlines()[0])


def test_verbose_period_prints_every_nth_round_and_the_last(split_data, capsys):
    X, y, Xv, yv = split_data["reg"]
    XGBRegressor(n_estimators=12).fit(X, y, eval_set=[(Xv, yv)], verbose=5)
    rounds = [int(line[1:line.index("]")]) for line in capsys.readouterr().out.splitlines()]
    assert rounds == [0, 5, 10, 11]
    XGBRegressor(n_estimators=12).fit(X, y, eval_set=[(Xv, yv)], verbose=False)
    XGBRegressor(n_estimators=12).fit(X, y)
    assert capsys.readouterr().out == ""


# ------------------------------------------------------------- callbacks


class Recorder:
    """An xgboost-style callback; stops after ``stop_at`` rounds."""

    def __init__(self, stop_at=None):
        self.stop_at = stop_at
        self.events = []

    def before_training(self, model):
        self.events.append("before")
        return model

    def after_iteration(self, model, epoch, evals_log):
        self.events.append((epoch, {k: {m: len(v) for m, v in d.items()}
                                    for k, d in evals_log.items()}))
        return self.stop_at is not None and epoch + 1 >= self.stop_at

    def after_training(self, model):
        self.events.append("after")
        return model


def test_callback_returning_true_stops_training(split_data):
    X, y, Xv, yv = split_data["reg"]
    cb = Recorder(stop_at=4)
    model = XGBRegressor(n_estimators=20, callbacks=[cb]).fit(
        X, y, eval_set=[(Xv, yv)], verbose=False)
    assert model.n_estimators_ == 4
    assert cb.events[0] == "before" and cb.events[-1] == "after"
    assert cb.events[1:-1] == [(i, {"validation_0": {"rmse": i + 1}}) for i in range(4)]
    assert len(model._forest.trees) == 4


def test_callbacks_run_with_early_stopping_and_continue_epochs(split_data):
    X, y, Xv, yv = split_data["reg"]
    first = XGBRegressor(n_estimators=3).fit(X, y)
    cb = Recorder()
    XGBRegressor(n_estimators=2, callbacks=[cb]).fit(X, y, xgb_model=first)
    assert [e[0] for e in cb.events[1:-1]] == [3, 4]  # epochs continue the model


def test_callbacks_are_validated():
    X, y = _data("reg", n=60)
    with pytest.raises(TypeError, match="callbacks"):
        XGBRegressor(callbacks=[1]).fit(X, y)


# --------------------------------------------------------------- DataFrames


def test_dataframe_names_realignment_and_odd_characters():
    import pandas as pd
    X, y = _data("reg")
    names = ["a[0]", "b<1>", "c]", "d d", "e"]
    frame = pd.DataFrame(X, columns=names)
    model = XGBRegressor(n_estimators=5).fit(frame, y)
    assert list(model.feature_names_in_) == names
    expected = model.predict(frame)
    assert_allclose(model.predict(frame[names[::-1]]), expected)
    with pytest.raises(ValueError, match="e"):
        model.predict(frame.drop(columns=["e"]))
    assert_allclose(model.predict(X), expected)  # a plain array is taken in order


def test_feature_importances_types_and_normalisation():
    X, y = _data("multi")
    for kind in ("weight", "gain", "cover", "total_gain", "total_cover"):
        model = XGBClassifier(n_estimators=5, importance_type=kind).fit(X, y)
        imp = model.feature_importances_
        assert imp.shape == (5,) and imp.sum() == pytest.approx(1.0) and imp.min() >= 0
        assert np.argmax(imp) in (0, 1, 2, 3)


def test_unfitted_estimators_raise_not_fitted():
    X, _ = _data("reg", n=10)
    for est in (XGBRegressor(), XGBClassifier()):
        for method in ("predict", "apply", "evals_result"):
            with pytest.raises(NotFittedError):
                getattr(est, method)(*([X] if method != "evals_result" else []))
    with pytest.raises(NotFittedError):
        XGBClassifier().predict_proba(X)


# --------------------------------------------------------------- bad input


Xb, yb = _data("binary", n=60)
Xr, yr = _data("reg", n=60)
Xm, ym = _data("multi", n=60)
BAD = [
    ("nan y", XGBRegressor(), Xr, np.where(np.arange(60) == 3, np.nan, yr), {},
     ValueError, "y contains NaN"),
    ("inf y", XGBRegressor(), Xr, np.where(np.arange(60) == 3, np.inf, yr), {},
     ValueError, "y contains infinity"),
    ("nan label", XGBClassifier(), Xb, np.where(np.arange(60) == 3, np.nan, yb), {},
     ValueError, "NaN"),
    ("inf X", XGBRegressor(), np.where(Xr > 2, np.inf, Xr), yr, {}, ValueError, "infinity"),
    ("1-D X", XGBRegressor(), Xr[:, 0], yr, {}, ValueError, "2D array"),
    ("y length", XGBRegressor(), Xr, yr[:-1], {}, ValueError, "inconsistent numbers"),
    ("2-D y", XGBRegressor(), Xr, np.c_[yr, yr], {}, ValueError, "1d array"),
    ("no rows", XGBRegressor(), Xr[:0], yr[:0], {}, ValueError, "0 sample"),
    ("no columns", XGBRegressor(), Xr[:, :0], yr, {}, ValueError, "0 feature"),
    ("one class", XGBClassifier(), Xb, np.zeros(60), {}, ValueError, "only one class"),
    ("continuous labels", XGBClassifier(), Xr, yr, {}, ValueError, "Unknown label type"),
    ("negative weight", XGBRegressor(), Xr, yr, dict(sample_weight=-np.ones(60)),
     ValueError, "Negative"),
    ("zero weights", XGBRegressor(), Xr, yr, dict(sample_weight=np.zeros(60)), ValueError,
     "non-zero"),
    ("weight length", XGBRegressor(), Xr, yr, dict(sample_weight=np.ones(5)), ValueError,
     "shape"),
    ("unknown objective", XGBRegressor(objective="reg:foo"), Xr, yr, {}, ValueError,
     "Unknown objective"),
    ("classification objective", XGBRegressor(objective="multi:softprob"), Xr, yr, {},
     ValueError, "Unknown objective"),
    ("regression objective", XGBClassifier(objective="reg:squarederror"), Xb, yb, {},
     ValueError, "Unknown objective"),
    ("unknown metric", XGBRegressor(eval_metric="foo"), Xr, yr,
     dict(eval_set=[(Xr, yr)]), ValueError, "Unknown eval_metric"),
    ("unknown metric without eval set", XGBRegressor(eval_metric=["rmse", "foo"]), Xr, yr,
     {}, ValueError, "Unknown eval_metric"),
    ("bad metric parameter", XGBClassifier(eval_metric="error@x"), Xb, yb, {}, ValueError,
     "invalid parameter"),
    ("eval set features", XGBRegressor(), Xr, yr, dict(eval_set=[(Xr[:, :3], yr)]),
     ValueError, "3 features"),
    ("eval set shape", XGBRegressor(), Xr, yr, dict(eval_set=[Xr, yr]), TypeError,
     "pair"),
    ("eval set y length", XGBRegressor(), Xr, yr, dict(eval_set=[(Xr, yr[:5])]),
     ValueError, "eval_set\\[0\\]"),
    ("eval set nan target", XGBRegressor(), Xr, yr,
     dict(eval_set=[(Xr, np.full(60, np.nan))]), ValueError, "NaN"),
    ("eval set unseen class", XGBClassifier(), Xb, yb, dict(eval_set=[(Xb, yb + 5)]),
     ValueError, "not seen"),
    ("eval weights length", XGBRegressor(), Xr, yr,
     dict(eval_set=[(Xr, yr)], sample_weight_eval_set=[np.ones(3)]), ValueError, "shape"),
    ("eval weights count", XGBRegressor(), Xr, yr,
     dict(eval_set=[(Xr, yr)], sample_weight_eval_set=[None, None]), ValueError,
     "one entry per eval_set"),
    ("eval margins size", XGBRegressor(), Xr, yr,
     dict(eval_set=[(Xr, yr)], base_margin_eval_set=[np.zeros(3)]), ValueError,
     "base_margin_eval_set\\[0\\]"),
    ("base margin size", XGBRegressor(), Xr, yr, dict(base_margin=np.zeros(5)), ValueError,
     "base_margin"),
    ("base margin classes", XGBClassifier(), Xm, ym, dict(base_margin=np.zeros(60)),
     ValueError, "3 outputs"),
    ("base margin nan", XGBRegressor(), Xr, yr, dict(base_margin=np.full(60, np.nan)),
     ValueError, "NaN"),
    ("quantile alpha", XGBRegressor(objective="reg:quantileerror", quantile_alpha=1.5),
     Xr, yr, {}, ValueError, "quantile_alpha"),
    ("poisson target", XGBRegressor(objective="count:poisson"), Xr, yr, {}, ValueError,
     "non-negative"),
    ("gamma target", XGBRegressor(objective="reg:gamma"), Xr, np.abs(yr) * 0, {},
     ValueError, "positive"),
    ("logistic target", XGBRegressor(objective="reg:logistic"), Xr, yr, {}, ValueError,
     "\\[0, 1\\]"),
    ("monotone length", XGBRegressor(monotone_constraints=(1, 0)), Xr, yr, {}, ValueError,
     "monotone_constraints"),
    ("monotone values", XGBRegressor(monotone_constraints=(2, 0, 0, 0, 0)), Xr, yr, {},
     ValueError, "-1, 0 or 1"),
    ("monotone multiclass", XGBClassifier(monotone_constraints=(1, 0, 0, 0, 0)), Xm, ym, {},
     ValueError, "several outputs"),
    ("base score", XGBClassifier(base_score=2.0), Xb, yb, {}, ValueError, "base_score"),
    ("negative estimators", XGBRegressor(n_estimators=-1), Xr, yr, {}, ValueError,
     "n_estimators"),
    ("learning rate", XGBRegressor(learning_rate=-0.1), Xr, yr, {}, ValueError,
     "learning_rate"),
    ("subsample", XGBRegressor(subsample=0.0), Xr, yr, {}, ValueError, "subsample"),
    ("tree method", XGBRegressor(tree_method="gpu_hist"), Xr, yr, {}, ValueError,
     "tree_method"),
    ("tweedie power", XGBRegressor(objective="reg:tweedie", tweedie_variance_power=2.5),
     np.abs(Xr), np.abs(yr), {}, ValueError, "tweedie_variance_power"),
    ("custom objective size", XGBRegressor(objective=lambda y, p: (p[:3], p[:3])), Xr, yr,
     {}, ValueError, "wrong size"),
    ("xgb_model type", XGBRegressor(), Xr, yr, dict(xgb_model=3), TypeError, "xgb_model"),
    ("stratified split", XGBClassifier(early_stopping_rounds=2, validation_fraction=0.01),
     Xb, yb, {}, ValueError, "validation_fraction"),
    ("string features", XGBRegressor(), np.full((60, 2), "a"), yr, {}, ValueError,
     "convert|numeric|string"),
]


@pytest.mark.parametrize("name, est, X, y, kwargs, exc, match", BAD,
                         ids=[case[0] for case in BAD])
def test_bad_input_raises_clear_errors(name, est, X, y, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        clone(est).fit(X, y, **kwargs)


def test_bad_predict_input_raises(split_data):
    X, y, Xv, _ = split_data["multi"]
    model = XGBClassifier(n_estimators=3).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        model.predict(Xv[:, :3])
    with pytest.raises(ValueError, match="base_margin"):
        model.predict(Xv, base_margin=np.zeros(Xv.shape[0]))
    with pytest.raises(ValueError, match="infinity"):
        model.predict(np.where(Xv > 1, np.inf, Xv))
    margin = model.predict(Xv, output_margin=True)
    shifted = model.predict(Xv, output_margin=True, base_margin=np.ones((Xv.shape[0], 3)))
    assert_allclose(shifted - margin,
                    1 - np.tile(model._base_margin, (Xv.shape[0], 1)))


def test_xgboost_accessors():
    """get_num_boosting_rounds, get_xgb_params and get_booster as in xgboost:
    the booster built from the export predicts our margins."""
    import xgboost
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 5)).astype(np.float32).astype(np.float64)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    est = XGBClassifier(n_estimators=7, max_depth=3).fit(X, y)
    assert est.get_num_boosting_rounds() == 7
    params = est.get_xgb_params()
    assert params["max_depth"] == 3 and "n_estimators" not in params
    booster = est.get_booster()
    assert isinstance(booster, xgboost.Booster)
    np.testing.assert_allclose(booster.predict(xgboost.DMatrix(X), output_margin=True),
                               est.predict(X, output_margin=True), atol=1e-5)
    with pytest.raises(ValueError, match="cannot be exported"):
        XGBRegressor(n_estimators=2, objective="reg:absoluteerror").fit(X, X[:, 0]) \
            .get_booster()


def test_continued_training_reads_the_old_trees_with_their_codes():
    """Continuing on data whose categories are a subset (so fresh codes would
    differ) keeps the old trees' meaning; other columns or new categories
    are refused instead of silently misread."""
    import pandas as pd
    rng = np.random.RandomState(0)
    n = 400
    letters = np.array(list("abcd"))[rng.randint(0, 4, n)]
    x = rng.rand(n)
    y = np.select([letters == "a", letters == "c"], [3.0, 1.0], 0.0) + x
    frame = pd.DataFrame({"k": letters, "x": x})
    kw = dict(n_estimators=5, max_depth=3, enable_categorical=True)
    first = XGBRegressor(**kw).fit(frame, y)
    later = frame[frame["k"] != "a"]
    cont = XGBRegressor(**kw).fit(later, y[later.index], xgb_model=first)
    assert list(cont.categories_[0]) == list("abcd")
    head = frame.iloc[:50]
    old_part = cont.predict(head, iteration_range=(0, 5))
    np.testing.assert_allclose(old_part, first.predict(head), rtol=1e-12)
    with pytest.raises(ValueError, match="feature_names mismatch"):
        XGBRegressor(**kw).fit(frame[["x", "k"]], y, xgb_model=first)
    extra = frame.copy()
    extra.loc[0, "k"] = "e"
    with pytest.raises(ValueError, match="not fitted on"):
        XGBRegressor(**kw).fit(extra, y, xgb_model=first)


# ------------------------------------------- xgboost's parameter conventions
def test_defaults_are_xgboosts_none_and_resolve_to_its_values():
    import xgboost
    ours, theirs = XGBRegressor().get_params(), xgboost.XGBRegressor().get_params()
    shared = (set(ours) & set(theirs)) - {"objective", "missing", "n_jobs"}
    assert {k: ours[k] for k in shared} == {k: theirs[k] for k in shared}
    X, y = _data("reg")
    # every xgboost parameter we share, passed explicitly as xgboost holds it
    explicit = XGBRegressor(**{k: theirs[k] for k in shared}, n_jobs=1).fit(X, y)
    default = XGBRegressor(n_jobs=1).fit(X, y)
    assert_array_equal(explicit.predict(X), default.predict(X))
    spelled = XGBRegressor(n_estimators=100, learning_rate=0.3, max_depth=6, reg_lambda=1.0,
                           min_child_weight=1.0, max_bin=256, tree_method="hist",
                           n_jobs=1).fit(X, y)
    assert_array_equal(spelled.predict(X), default.predict(X))


def test_aliases_and_extra_keyword_arguments_as_xgboost(tmp_path):
    X, y = _data("reg")
    by_alias = XGBRegressor(eta=0.05, reg_lambda=None, **{"lambda": 3.0}, seed=7,
                            nthread=1, n_estimators=10)
    by_name = XGBRegressor(learning_rate=0.05, reg_lambda=3.0, random_state=7, n_jobs=1,
                           n_estimators=10)
    assert by_alias.get_params()["eta"] == 0.05
    assert_array_equal(by_alias.fit(X, y).predict(X), by_name.fit(X, y).predict(X))
    copy = clone(by_alias)
    assert copy.get_params()["eta"] == 0.05 and copy.kwargs is not by_alias.kwargs
    search = GridSearchCV(XGBRegressor(n_estimators=5), {"eta": [0.1, 0.3]}, cv=2).fit(X, y)
    assert search.best_params_["eta"] in (0.1, 0.3)
    path = tmp_path / "m.json"
    by_alias.save_model(path)
    loaded = XGBRegressor().load_model(path)
    assert loaded.get_params()["eta"] == 0.05
    assert_array_equal(loaded.predict(X), by_alias.predict(X))
    with pytest.warns(UserWarning, match='Parameters: { "foo" } are not used'):
        XGBRegressor(n_estimators=2, foo="bar").fit(X, y)
    with pytest.raises(ValueError, match="learning_rate"):
        XGBRegressor(n_estimators=2, eta=-1.0).fit(X, y)
    assert XGBRegressor().get_params().get("kwargs") is None
    assert not hasattr(XGBRegressor(), "kwargs")


@pytest.mark.parametrize("name, value", [("booster", "dart"), ("booster", "gblinear"),
                                         ("device", "cuda"),
                                         ("multi_strategy", "multi_output_tree"),
                                         ("sampling_method", "gradient_based")])
def test_unsupported_booster_options_raise(name, value):
    X, y = _data("reg")
    with pytest.raises(ValueError, match=name):
        XGBRegressor(n_estimators=2, **{name: value}).fit(X, y)
    XGBRegressor(n_estimators=2, booster="gbtree", device="cpu").fit(X, y)


def test_feature_types_mark_categorical_columns():
    rng = np.random.RandomState(0)
    codes = rng.randint(0, 5, 300).astype(float)
    X = np.column_stack([codes, rng.rand(300)])
    y = np.isin(codes, [1, 3]).astype(float) + X[:, 1]
    est = XGBRegressor(n_estimators=5, feature_types=["c", "q"], enable_categorical=True)
    est.fit(X, y)
    assert est.is_categorical_.tolist() == [True, False]
    assert any(t.categorical.any() for t in est._forest.trees)
    with pytest.raises(ValueError, match="enable_categorical"):
        XGBRegressor(feature_types=["c", "q"]).fit(X, y)
    with pytest.raises(ValueError, match="unknown types"):
        XGBRegressor(feature_types=["x", "q"], enable_categorical=True).fit(X, y)


def test_get_xgb_params_gives_an_int_seed():
    params = XGBRegressor(random_state=np.random.RandomState(0)).get_xgb_params()
    assert isinstance(params["random_state"], int)


@pytest.mark.parametrize("kind, objective", [("binary", None), ("multi", None),
                                             ("reg", None), ("reg", "count:poisson")])
def test_intercept_as_xgboost(kind, objective):
    X, y = _data(kind)
    if objective == "count:poisson":
        y = np.abs(y)
    kw = dict(n_estimators=2) if objective is None else dict(n_estimators=2,
                                                               objective=objective)
    ours_cls, theirs_cls = _classes(kind)
    ours, theirs = ours_cls(**kw).fit(X, y), theirs_cls(**kw).fit(X, y)
    assert ours.intercept_.dtype == np.float32
    assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-5, atol=1e-6)


def test_pandas_series_is_one_named_column_as_xgboost():
    import pandas as pd
    X, y = _data("reg")
    column = pd.Series(X[:, 0], name="k1")
    est = XGBRegressor(n_estimators=3).fit(column, y)
    assert est.n_features_in_ == 1 and list(est.feature_names_in_) == ["k1"]
    assert_array_equal(est.predict(column), est.predict(column.to_frame()))
    with pytest.raises(ValueError, match="2D"):
        XGBRegressor(n_estimators=3).fit(X[:, 0], y)
