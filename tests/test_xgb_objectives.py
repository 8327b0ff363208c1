"""xgboost objectives and evaluation metrics of skboost's XGB estimators.

* every objective's gradient and hessian against central finite differences
  of its loss, written out here independently of ``skboost._objectives``;
  xgboost's deliberate departures from the exact hessian are tested as
  xgboost states them (Poisson ``exp(m + 0.7)``, softmax factor 2, hessian
  floors, hinge's unit hessian);
* default ``base_score`` against xgboost's (fit with ``n_estimators=1``,
  ``learning_rate=0``: the margins are the base margin);
* every evaluation metric against scikit-learn's function (or an identity
  with one) and against xgboost's ``evals_result`` on the same predictions
  (xgboost is given our margins as ``base_margin_eval_set`` with
  ``learning_rate=0``, so its metric sees exactly our predictions).
"""
import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.special import expit, gammaln, log_softmax, softmax
from sklearn.metrics import (accuracy_score, log_loss, mean_absolute_error,
                             mean_absolute_percentage_error, mean_gamma_deviance,
                             mean_pinball_loss, mean_poisson_deviance, mean_squared_error,
                             mean_squared_log_error, mean_tweedie_deviance, roc_auc_score)

from skboost import XGBClassifier, XGBRegressor
from skboost._metrics import Metric
from skboost._objectives import (CLASSIFICATION_OBJECTIVES, REGRESSION_OBJECTIVES,
                                 make_objective, xgb_quantile)

import xgboost as xgb

RNG = np.random.RandomState(0)
N = 200


def _f32(a):
    """Values representable in float32 (xgboost stores labels, weights and
    margins in float32)."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


# ------------------------------------------------------------------ losses
# Each loss maps (y, m) -> per-row loss on the margin m (before weights).


def _sqerr(y, m):
    return 0.5 * (m - y) ** 2


def _sqlog(y, m):
    return 0.5 * (np.log1p(m) - np.log1p(y)) ** 2


def _huber(slope):
    return lambda y, m: slope ** 2 * (np.sqrt(1 + ((m - y) / slope) ** 2) - 1)


def _logistic(y, m):
    p = expit(m)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def _hinge(y, m):
    return np.maximum(0.0, 1.0 - (2 * y - 1) * m)


def _poisson(y, m):
    return np.exp(m) - y * m


def _gamma(y, m):
    return y * np.exp(-m) + m


def _tweedie(rho):
    return lambda y, m: (-y * np.exp((1 - rho) * m) / (1 - rho)
                         + np.exp((2 - rho) * m) / (2 - rho))


def _absolute(y, m):
    return np.abs(m - y)


def _pinball(alpha):
    return lambda y, m: np.where(y >= m, alpha * (y - m), (1 - alpha) * (m - y))


def _fd(loss, y, m, eps=1e-4):
    """Central first and second differences of ``loss`` in ``m``."""
    up, mid, down = loss(y, m + eps), loss(y, m), loss(y, m - eps)
    return (up - down) / (2 * eps), (up - 2 * mid + down) / eps ** 2


def _targets(kind, n=N, seed=0):
    rng = np.random.RandomState(seed)
    if kind == "real":
        return rng.normal(2.0, 1.5, n)
    if kind == "positive":
        return rng.gamma(2.0, 1.0, n) + 0.05
    if kind == "count":
        return rng.poisson(2.0, n).astype(np.float64)
    if kind == "binary":
        return (rng.rand(n) < 0.4).astype(np.float64)
    raise ValueError(kind)


def _margins(n=N, seed=1, low=-1.5, high=1.5):
    return np.random.RandomState(seed).uniform(low, high, n)


def _grad_hess(obj, y, m, w=None):
    w = np.ones_like(y) if w is None else w
    g, h = obj.gradients(y, m[:, np.newaxis], w)
    return g[:, 0], h[:, 0]


# objective name, params, target kind, loss, margins around the target?
SMOOTH = [
    ("reg:squarederror", {}, "real", _sqerr),
    ("reg:pseudohubererror", {"huber_slope": 1.0}, "real", _huber(1.0)),
    ("reg:pseudohubererror", {"huber_slope": 2.5}, "real", _huber(2.5)),
    ("binary:logistic", {}, "binary", _logistic),
    ("reg:logistic", {}, "binary", _logistic),
    ("binary:logitraw", {}, "binary", _logistic),
    ("reg:gamma", {}, "positive", _gamma),
    ("reg:tweedie", {"tweedie_variance_power": 1.2}, "count", _tweedie(1.2)),
    ("reg:tweedie", {"tweedie_variance_power": 1.5}, "positive", _tweedie(1.5)),
    ("reg:tweedie", {"tweedie_variance_power": 1.8}, "count", _tweedie(1.8)),
]


def _objective(name, **params):
    allowed = REGRESSION_OBJECTIVES + CLASSIFICATION_OBJECTIVES
    return make_objective(name, allowed, **params)


@pytest.mark.parametrize("name, params, kind, loss", SMOOTH,
                         ids=[f"{s[0]}-{s[1]}" for s in SMOOTH])
def test_smooth_objective_gradient_and_hessian_are_derivatives_of_loss(name, params,
                                                                       kind, loss):
    y = _targets(kind)
    m = _margins() + (2.0 if name.startswith("reg:squared") or "huber" in name else 0.0)
    obj = _objective(name, **params)
    g, h = _grad_hess(obj, y, m)
    fd_g, fd_h = _fd(loss, y, m)
    assert_allclose(g, fd_g, rtol=1e-6, atol=1e-7)
    assert_allclose(h, fd_h, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name, params, kind, loss", SMOOTH[:4],
                         ids=[f"{s[0]}-{s[1]}" for s in SMOOTH[:4]])
def test_gradients_are_multiplied_by_sample_weight(name, params, kind, loss):
    y = _targets(kind)
    m = _margins()
    w = RNG.uniform(0.1, 3.0, N)
    obj = _objective(name, **params)
    g1, h1 = _grad_hess(obj, y, m)
    gw, hw = _grad_hess(obj, y, m, w)
    assert_allclose(gw, g1 * w, rtol=1e-12)
    assert_allclose(hw, h1 * w, rtol=1e-12)


def test_squaredlogerror_gradient_and_floored_hessian():
    """xgboost floors the hessian of the squared log error at 1e-6 (it turns
    negative far above the target) and clamps the prediction above -1."""
    y = _targets("positive")
    m = _margins(low=-0.5, high=4.0) + y
    obj = _objective("reg:squaredlogerror")
    g, h = _grad_hess(obj, y, m)
    fd_g, _ = _fd(_sqlog, y, m, eps=1e-6)
    _, fd_h = _fd(_sqlog, y, m, eps=1e-3)
    assert_allclose(g, fd_g, rtol=1e-5, atol=1e-8)
    convex = fd_h > 1e-5
    assert convex.any() and (~convex).any()
    assert_allclose(h[convex], fd_h[convex], rtol=1e-4, atol=1e-6)
    assert_allclose(h[~convex], np.maximum(fd_h[~convex], 1e-6), rtol=1e-3, atol=1e-6)
    g_low, _ = _grad_hess(obj, np.array([0.5]), np.array([-3.0]))
    assert np.isfinite(g_low).all()


def test_logistic_hessian_floor():
    """xgboost: ``max(p (1 - p), 1e-16)``, so a saturated margin keeps a
    positive hessian."""
    obj = _objective("binary:logistic")
    _, h = _grad_hess(obj, np.array([1.0, 0.0]), np.array([60.0, -60.0]))
    assert_allclose(h, 1e-16)


def test_poisson_hessian_is_inflated_by_exp_max_delta_step():
    """xgboost's count:poisson hessian is ``exp(m + max_delta_step)`` with its
    Poisson ``max_delta_step`` default of 0.7: the true hessian times e^0.7."""
    y = _targets("count")
    m = _margins()
    obj = _objective("count:poisson")
    g, h = _grad_hess(obj, y, m)
    fd_g, fd_h = _fd(_poisson, y, m)
    assert_allclose(g, fd_g, rtol=1e-6, atol=1e-7)
    assert_allclose(h, np.exp(0.7) * fd_h, rtol=1e-4)


def test_hinge_gradient_and_unit_hessian():
    """binary:hinge: the hinge's gradient where it is differentiable, a
    hessian of 1 inside the margin and float32's smallest normal outside."""
    y = _targets("binary")
    m = _margins(low=-3, high=3)
    s = 2 * y - 1
    m = m[np.abs(s * m - 1) > 1e-3]  # away from the kink
    y, s = y[:m.size], s[:m.size]
    obj = _objective("binary:hinge")
    g, h = _grad_hess(obj, y, m)
    fd_g, _ = _fd(_hinge, y, m, eps=1e-6)
    assert_allclose(g, fd_g, atol=1e-6)
    inside = s * m < 1
    assert inside.any() and (~inside).any()
    assert_allclose(h[inside], 1.0)
    assert_allclose(h[~inside], np.finfo(np.float32).tiny)


@pytest.mark.parametrize("alpha", [0.1, 0.5, 0.9])
def test_quantile_gradient_and_tie_rule(alpha):
    """Pinball loss: gradient ``1 - alpha`` above the target, ``-alpha`` below,
    unit hessian; on a tie xgboost takes ``1 - alpha`` (``d = m - y >= 0``)."""
    y = _targets("real")
    m = y + np.where(RNG.rand(N) < 0.5, -1, 1) * RNG.uniform(0.01, 2, N)
    obj = _objective("reg:quantileerror", quantile_alpha=alpha)
    g, h = _grad_hess(obj, y, m)
    fd_g, _ = _fd(_pinball(alpha), y, m, eps=1e-5)
    assert_allclose(g, fd_g, atol=1e-8)
    assert_allclose(h, 1.0)
    g_tie, _ = _grad_hess(obj, np.array([1.0]), np.array([1.0]))
    assert_allclose(g_tie, 1 - alpha)


def test_several_quantiles_give_one_column_each():
    alphas = [0.2, 0.5, 0.7]
    obj = _objective("reg:quantileerror", quantile_alpha=alphas)
    y = _targets("real")
    m = np.column_stack([_margins(seed=s) + 2 for s in range(3)])
    g, h = obj.gradients(y, m, np.ones(N))
    assert g.shape == h.shape == (N, 3)
    for k, a in enumerate(alphas):
        single = _objective("reg:quantileerror", quantile_alpha=a)
        gk, hk = _grad_hess(single, y, m[:, k])
        assert_allclose(g[:, k], gk)
        assert_allclose(h[:, k], hk)


def test_absolute_error_gradient_is_sign():
    """xgboost: ``sign(m - y)`` (0 on a tie) with a unit hessian."""
    y = _targets("real")
    m = y + RNG.uniform(-2, 2, N)
    m[:5] = y[:5]
    obj = _objective("reg:absoluteerror")
    g, h = _grad_hess(obj, y, m)
    fd_g, _ = _fd(_absolute, y[5:], m[5:], eps=1e-6)
    assert_allclose(g[5:], fd_g, atol=1e-6)
    assert_allclose(g[:5], 0.0)
    assert_allclose(h, 1.0)


def test_softmax_gradient_and_hessian_factor_two():
    """multi:softprob: gradient ``p - onehot`` (the derivative of the
    cross-entropy); hessian ``2 p (1 - p)``: xgboost doubles the diagonal of
    the true hessian, floored at 1e-16."""
    K = 4
    y = RNG.randint(0, K, N).astype(np.float64)
    m = RNG.uniform(-2, 2, (N, K))
    obj = _objective("multi:softprob", num_class=K)
    g, h = obj.gradients(y, m, np.ones(N))
    eps = 1e-4
    for k in range(K):
        def loss(mk, k=k):
            mm = m.copy()
            mm[:, k] = mk
            return -log_softmax(mm, axis=1)[np.arange(N), y.astype(int)]
        up, mid, down = loss(m[:, k] + eps), loss(m[:, k]), loss(m[:, k] - eps)
        assert_allclose(g[:, k], (up - down) / (2 * eps), rtol=1e-6, atol=1e-8)
        assert_allclose(h[:, k], 2 * (up - 2 * mid + down) / eps ** 2, rtol=1e-4, atol=1e-7)
    huge = np.array([[80.0, -80.0, 0.0, 0.0]])
    _, h_sat = obj.gradients(np.array([0.0]), huge, np.ones(1))
    assert h_sat.min() == pytest.approx(1e-16, rel=1e-6) or h_sat.min() > 0


def test_custom_objective_gradients_are_weighted_and_checked():
    def squared(y, m):
        return m - y, np.ones_like(m)

    obj = make_objective(squared, REGRESSION_OBJECTIVES)
    y, m = _targets("real"), _margins()
    w = RNG.uniform(0.5, 2, N)
    g, h = _grad_hess(obj, y, m, w)
    assert_allclose(g, (m - y) * w)
    assert_allclose(h, w)

    def short(y, m):
        return m[:-1] - y[:-1], np.ones(m.size - 1)

    with pytest.raises(ValueError, match="wrong size"):
        make_objective(short, REGRESSION_OBJECTIVES).gradients(y, m[:, None], w)

    def nan(y, m):
        return np.full_like(m, np.nan), np.ones_like(m)

    with pytest.raises(ValueError, match="NaN"):
        make_objective(nan, REGRESSION_OBJECTIVES).gradients(y, m[:, None], w)


def test_xgb_quantile_rules():
    """Unweighted: xgboost's interpolation at ``alpha (n + 1)`` (numpy's
    "weibull" method, clamped); weighted: the inverted weighted CDF."""
    v = RNG.normal(size=37)
    for a in [0.01, 0.1, 0.25, 0.5, 0.77, 0.99]:
        expected = np.percentile(v, 100 * a, method="weibull")
        assert xgb_quantile(v, None, a) == pytest.approx(expected)
    w = RNG.randint(1, 4, size=37).astype(np.float64)
    for a in [0.1, 0.5, 0.9]:
        repeated = np.repeat(v, w.astype(int))
        expected = np.percentile(repeated, 100 * a, method="inverted_cdf")
        assert xgb_quantile(v, w, a) == pytest.approx(expected)
    assert np.isnan(xgb_quantile(np.array([]), None, 0.5))


# --------------------------------------------------------------- base score


def _base_data(kind, n=301, seed=0):
    rng = np.random.RandomState(seed)
    X = _f32(rng.randn(n, 3))
    if kind == "binary":
        y = (rng.rand(n) < 0.3).astype(int)
    elif kind == "multi":
        y = rng.randint(0, 3, n)
    elif kind == "count":
        y = rng.poisson(2.0, n).astype(np.float64)
    else:
        y = _f32(rng.gamma(2.0, 1.5, n))
    w = _f32(rng.uniform(0.5, 2.0, n))
    return X, y, w


BASE_CASES = [
    ("reg:squarederror", {}, "positive"),
    ("reg:squaredlogerror", {}, "positive"),
    ("reg:pseudohubererror", {"huber_slope": 2.0}, "positive"),
    ("reg:absoluteerror", {}, "positive"),
    ("reg:quantileerror", {"quantile_alpha": [0.1, 0.5, 0.9]}, "positive"),
    ("count:poisson", {}, "count"),
    ("reg:gamma", {}, "positive"),
    ("reg:tweedie", {"tweedie_variance_power": 1.3}, "positive"),
    ("reg:logistic", {}, "binary"),
    ("binary:logistic", {}, "binary"),
    ("binary:logistic", {"scale_pos_weight": 3.0}, "binary"),
    ("binary:logitraw", {}, "binary"),
    ("binary:hinge", {}, "binary"),
    ("multi:softprob", {}, "multi"),
    ("multi:softmax", {}, "multi"),
]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("objective, params, kind", BASE_CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in BASE_CASES])
def test_default_base_score_equals_xgboost(objective, params, kind, weighted):
    """Margins of a model with one round at learning_rate 0 are the base
    margin: equal to xgboost's (float32 precision)."""
    X, y, w = _base_data(kind)
    classifier = objective.startswith(("binary:", "multi:"))
    ours_cls, theirs_cls = ((XGBClassifier, xgb.XGBClassifier) if classifier
                            else (XGBRegressor, xgb.XGBRegressor))
    if objective == "reg:logistic":
        y = y.astype(np.float64)
    sw = w if weighted else None
    kw = dict(objective=objective, n_estimators=1, learning_rate=0.0, **params)
    ours = ours_cls(**kw).fit(X, y, sample_weight=sw).predict(X[:3], output_margin=True)
    theirs = theirs_cls(**kw).fit(X, y, sample_weight=sw).predict(X[:3], output_margin=True)
    assert_allclose(ours, theirs, rtol=2e-6, atol=2e-6)


def test_given_base_score_is_in_response_space():
    X, y, _ = _base_data("binary")
    ours = XGBClassifier(n_estimators=1, learning_rate=0.0, base_score=0.2).fit(X, y)
    assert_allclose(ours.predict(X[:2], output_margin=True), np.log(0.2 / 0.8))
    X, y, _ = _base_data("count")
    ours = XGBRegressor(objective="count:poisson", n_estimators=1, learning_rate=0.0,
                        base_score=3.0).fit(X, y)
    assert_allclose(ours.predict(X[:2], output_margin=True), np.log(3.0))
    with pytest.raises(ValueError, match="base_score"):
        XGBClassifier(base_score=1.5).fit(*_base_data("binary")[:2])


# ------------------------------------------------------------------ metrics


def _metric(name, objective_name="reg:squarederror", **params):
    allowed = REGRESSION_OBJECTIVES + CLASSIFICATION_OBJECTIVES
    return Metric(name, make_objective(objective_name, allowed, **params))


def _col(a):
    return np.asarray(a, dtype=np.float64).reshape(len(a), -1)


@pytest.fixture(scope="module")
def reg_pred():
    rng = np.random.RandomState(3)
    y = _f32(rng.gamma(2.0, 1.0, 400) + 0.1)
    p = _f32(y * rng.uniform(0.5, 1.5, 400) + 0.05)
    w = _f32(rng.uniform(0.2, 2.0, 400))
    return y, p, w


@pytest.mark.parametrize("weighted", [False, True])
def test_regression_metrics_against_sklearn(reg_pred, weighted):
    y, p, w = reg_pred
    sw = w if weighted else None
    ww = w if weighted else np.ones_like(y)
    P = _col(p)
    assert _metric("rmse")(y, P, ww) == pytest.approx(
        np.sqrt(mean_squared_error(y, p, sample_weight=sw)), rel=1e-10)
    assert _metric("rmsle")(y, P, ww) == pytest.approx(
        np.sqrt(mean_squared_log_error(y, p, sample_weight=sw)), rel=1e-10)
    assert _metric("mae")(y, P, ww) == pytest.approx(
        mean_absolute_error(y, p, sample_weight=sw), rel=1e-10)
    assert _metric("mape")(y, P, ww) == pytest.approx(
        mean_absolute_percentage_error(y, p, sample_weight=sw), rel=1e-10)
    for alphas in ([0.5], [0.1, 0.9]):
        expected = np.mean([mean_pinball_loss(y, p, alpha=a, sample_weight=sw)
                            for a in alphas])
        m = _metric("quantile", "reg:quantileerror", quantile_alpha=alphas)
        assert m(y, np.repeat(P, len(alphas), axis=1), ww) == pytest.approx(expected,
                                                                             rel=1e-10)
    # Poisson: nloglik = deviance / 2 + mean(lgamma(y + 1) - y log y + y)
    yc = np.round(y * 2)
    extra = np.average(gammaln(yc + 1) - np.where(yc > 0, yc * np.log(np.maximum(yc, 1e-300)),
                                                  0) + yc, weights=ww)
    assert _metric("poisson-nloglik", "count:poisson")(yc, P, ww) == pytest.approx(
        mean_poisson_deviance(yc, p, sample_weight=sw) / 2 + extra, rel=1e-10)
    # gamma: nloglik = deviance / 2 + mean(log y + 1); deviance with xgboost's 1e-6 shifts
    assert _metric("gamma-nloglik", "reg:gamma")(y, P, ww) == pytest.approx(
        mean_gamma_deviance(y, p, sample_weight=sw) / 2 + np.average(np.log(y) + 1,
                                                                     weights=ww), rel=1e-10)
    assert _metric("gamma-deviance", "reg:gamma")(y, P, ww) == pytest.approx(
        mean_gamma_deviance(y + 1e-6, p + 1e-6, sample_weight=sw), rel=1e-10)
    # Tweedie: nloglik = deviance / 2 - mean(y^(2-rho) / ((1-rho)(2-rho)))
    for rho in (1.2, 1.5, 1.8):
        m = _metric(f"tweedie-nloglik@{rho}", "reg:tweedie", tweedie_variance_power=rho)
        shift = np.average(y ** (2 - rho) / ((1 - rho) * (2 - rho)), weights=ww)
        assert m(y, P, ww) == pytest.approx(
            mean_tweedie_deviance(y, p, power=rho, sample_weight=sw) / 2 - shift, rel=1e-9)


@pytest.mark.parametrize("weighted", [False, True])
def test_classification_metrics_against_sklearn(weighted):
    rng = np.random.RandomState(4)
    y = (rng.rand(500) < 0.4).astype(np.float64)
    p = np.clip(0.3 * y + 0.7 * rng.rand(500), 0.01, 0.99)
    w = rng.uniform(0.2, 2.0, 500)
    sw = w if weighted else None
    ww = w if weighted else np.ones_like(y)
    P = _col(p)
    obj = "binary:logistic"
    assert _metric("logloss", obj)(y, P, ww) == pytest.approx(
        log_loss(y, p, sample_weight=sw), rel=1e-10)
    assert _metric("auc", obj)(y, P, ww) == pytest.approx(
        roc_auc_score(y, p, sample_weight=sw), rel=1e-10)
    assert _metric("error", obj)(y, P, ww) == pytest.approx(
        1 - accuracy_score(y, p > 0.5, sample_weight=sw), abs=1e-12)
    assert _metric("error@0.7", obj)(y, P, ww) == pytest.approx(
        1 - accuracy_score(y, p > 0.7, sample_weight=sw), abs=1e-12)
    K = 4
    yk = rng.randint(0, K, 500).astype(np.float64)
    pk = softmax(rng.normal(size=(500, K)) + 2 * np.eye(K)[yk.astype(int)], axis=1)
    objk = dict(objective_name="multi:softprob", num_class=K)
    assert _metric("mlogloss", **objk)(yk, pk, ww) == pytest.approx(
        log_loss(yk, pk, sample_weight=sw), rel=1e-10)
    assert _metric("merror", **objk)(yk, pk, ww) == pytest.approx(
        1 - accuracy_score(yk, pk.argmax(axis=1), sample_weight=sw), abs=1e-12)


def test_unknown_or_malformed_metric_names_raise():
    with pytest.raises(ValueError, match="Unknown eval_metric"):
        _metric("accuracy")
    with pytest.raises(ValueError, match="invalid parameter"):
        _metric("error@high", "binary:logistic")
    with pytest.raises(ValueError, match="invalid parameter"):
        _metric("rmse@3")
    with pytest.raises(TypeError):
        _metric(3)


# metric, xgboost objective and its params, target kind
XGB_METRICS = [
    ("rmse", "reg:squarederror", {}, "positive"),
    ("rmsle", "reg:squarederror", {}, "positive"),
    ("mae", "reg:squarederror", {}, "positive"),
    ("mape", "reg:squarederror", {}, "positive"),
    ("mphe", "reg:pseudohubererror", {"huber_slope": 1.5}, "positive"),
    ("quantile", "reg:quantileerror", {"quantile_alpha": [0.2, 0.8]}, "positive"),
    ("poisson-nloglik", "count:poisson", {}, "count"),
    ("gamma-nloglik", "reg:gamma", {}, "positive"),
    ("gamma-deviance", "reg:gamma", {}, "positive"),
    ("tweedie-nloglik@1.4", "reg:tweedie", {"tweedie_variance_power": 1.4}, "positive"),
    ("logloss", "binary:logistic", {}, "binary"),
    ("error", "binary:logistic", {}, "binary"),
    ("error@0.3", "binary:logistic", {}, "binary"),
    ("auc", "binary:logistic", {}, "binary"),
    ("mlogloss", "multi:softprob", {}, "multi"),
    ("merror", "multi:softprob", {}, "multi"),
    ("auc", "multi:softprob", {}, "multi"),
]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("metric, objective, params, kind", XGB_METRICS,
                         ids=[f"{c[0]}-{c[1]}" for c in XGB_METRICS])
def test_metric_equals_xgboost_on_same_predictions(metric, objective, params, kind,
                                                   weighted):
    """xgboost evaluates our margins (given as ``base_margin_eval_set``, with
    ``learning_rate=0``): its value must equal ours."""
    X, y, w = _base_data(kind, n=400, seed=5)
    rng = np.random.RandomState(6)
    classifier = objective.startswith(("binary:", "multi:"))
    n_out = 3 if kind == "multi" else len(params.get("quantile_alpha", [0]))
    if kind in ("positive", "count") and objective != "reg:squarederror" and \
            objective not in ("reg:pseudohubererror", "reg:quantileerror"):
        margin = np.log(np.maximum(y, 0.5))[:, None] + rng.normal(0, 0.3, (400, n_out))
    elif kind in ("binary", "multi"):
        margin = rng.normal(0, 1.5, (400, n_out))
        if kind == "binary":
            margin[:, 0] += 2 * (y - 0.5)
    else:
        margin = y[:, None] * rng.uniform(0.6, 1.4, (400, n_out))
    margin = _f32(margin)
    sw = w if weighted else None
    cls = xgb.XGBClassifier if classifier else xgb.XGBRegressor
    model = cls(objective=objective, n_estimators=1, learning_rate=0.0, eval_metric=metric,
                **params)
    model.fit(X, y, eval_set=[(X, y)], base_margin_eval_set=[margin],
              sample_weight_eval_set=[sw] if weighted else None, verbose=False)
    theirs = model.evals_result()["validation_0"][metric][0]
    allowed = REGRESSION_OBJECTIVES + CLASSIFICATION_OBJECTIVES
    obj = make_objective(objective, allowed, num_class=3 if kind == "multi" else None,
                         **params)
    pred = obj.transform(margin.astype(np.float64))
    ours = Metric(metric, obj)(y.astype(np.float64), pred,
                              w if weighted else np.ones(400))
    assert ours == pytest.approx(theirs, rel=2e-5, abs=1e-6)


@pytest.mark.parametrize("objective, kind, expected", [
    ("reg:squarederror", "positive", "rmse"), ("reg:squaredlogerror", "positive", "rmsle"),
    ("reg:pseudohubererror", "positive", "mphe"), ("reg:absoluteerror", "positive", "mae"),
    ("reg:quantileerror", "positive", "quantile"), ("count:poisson", "count",
                                                    "poisson-nloglik"),
    ("reg:gamma", "positive", "gamma-deviance"),
    ("reg:tweedie", "positive", "tweedie-nloglik@1.5"), ("reg:logistic", "binary", "rmse"),
    ("binary:logistic", "binary", "logloss"), ("binary:hinge", "binary", "error"),
    ("multi:softprob", "multi", "mlogloss"), ("multi:softmax", "multi", "mlogloss"),
])
def test_default_metric_name_as_xgboost(objective, kind, expected):
    X, y, _ = _base_data(kind, n=80)
    classifier = objective.startswith(("binary:", "multi:"))
    ours_cls, theirs_cls = ((XGBClassifier, xgb.XGBClassifier) if classifier
                            else (XGBRegressor, xgb.XGBRegressor))
    if objective == "reg:logistic":
        y = y.astype(np.float64)
    kw = dict(objective=objective, n_estimators=2)
    if objective == "reg:quantileerror":
        kw["quantile_alpha"] = 0.5  # xgboost has no default
    ours = ours_cls(**kw).fit(X, y, eval_set=[(X, y)], verbose=False).evals_result()
    theirs = theirs_cls(**kw).fit(X, y, eval_set=[(X, y)], verbose=False).evals_result()
    assert list(ours["validation_0"]) == list(theirs["validation_0"]) == [expected]
