"""xgboost's learning objectives: gradients, hessians, base score and link.

Every objective works on the margin ``m`` (the sum of the trees plus the
base margin) of shape (n_samples, n_outputs) and returns sample-weighted
gradients and hessians of the same shape, with xgboost's formulas
(including its safeguards: a floor on logistic and softmax hessians,
``exp(m + max_delta_step)`` as the Poisson hessian, the factor 2 of the
softmax hessian).  ``base_score`` is in the response space, as in xgboost;
``to_margin`` maps it through the link.
"""
import inspect

import numpy as np
from scipy.special import expit, softmax

HESSIAN_FLOOR = 1e-16
# xgboost's kRtEps: the floor of the hessian sum of its intercept estimate
# and the clamp of a logistic base score
RT_EPS = 1e-6


def _wmean(y, w):
    return float(np.average(y, weights=w))


def xgb_quantile(values, weights, alpha):
    """A quantile by xgboost's rules (``common::Quantile`` / ``WeightedQuantile``).

    Parameters
    ----------
    values : ndarray of shape (n,)
    weights : ndarray of shape (n,) or None
        None (no sample weights given): the interpolated quantile with
        positions ``alpha * (n + 1)`` (numpy's ``"weibull"`` method, clamped
        to the extreme values).  Otherwise the smallest value whose
        cumulative weight reaches ``alpha`` times the total.
    alpha : float in [0, 1]

    Returns
    -------
    float (NaN when ``values`` is empty)
    """
    n = values.size
    if n == 0:
        return np.nan
    order = np.argsort(values, kind="stable")
    v = values[order]
    if weights is None:
        if alpha <= 1.0 / (n + 1):
            return float(v[0])
        if alpha >= n / (n + 1):
            return float(v[-1])
        x = alpha * (n + 1)
        k = int(np.floor(x)) - 1
        return float(v[k] + (x - 1 - k) * (v[k + 1] - v[k]))
    cdf = np.cumsum(weights[order])
    index = min(int(np.searchsorted(cdf, alpha * cdf[-1], side="left")), n - 1)
    return float(v[index])


class Objective:
    """Base class.

    Attributes
    ----------
    name : str
    n_outputs : int
        Trees per boosting round.
    default_metric : str
    adaptive_alphas : ndarray or None
        Quantiles to which leaf values are refitted after each tree (absolute
        and quantile errors, as xgboost).
    """

    name = None
    default_metric = "rmse"
    adaptive_alphas = None
    n_outputs = 1

    def __init__(self, **params):
        self.params = params

    def check_target(self, y):
        """Raise a ValueError when ``y`` is outside the objective's domain."""

    def base_score(self, y, w):
        """Default base score (response space), ndarray of shape (n_outputs,)."""
        return np.array([_wmean(y, w)])

    def newton_base_score(self, y, w):
        """xgboost's ``FitIntercept``: one unregularised Newton step from a zero
        margin, mapped to the response space."""
        g, h = self.gradients(y, np.zeros((y.shape[0], self.n_outputs)), w)
        step = -g.sum(axis=0) / np.maximum(h.sum(axis=0), RT_EPS)
        return self.transform(step[np.newaxis, :])[0]

    def to_margin(self, base_score):
        return np.asarray(base_score, dtype=np.float64)

    def transform(self, margin):
        """Predictions (response space) from margins of shape (n, n_outputs)."""
        return margin

    def gradients(self, y, margin, w):
        """Weighted gradients and hessians, each of shape (n_samples, n_outputs)."""
        m = margin[:, 0]
        g, h = self._pointwise(y, m)
        return (g * w)[:, np.newaxis], (h * w)[:, np.newaxis]


class SquaredError(Objective):
    name = "reg:squarederror"

    def _pointwise(self, y, m):
        return m - y, np.ones_like(m)


class SquaredLogError(Objective):
    name = "reg:squaredlogerror"
    default_metric = "rmsle"

    def check_target(self, y):
        if np.any(y <= -1):
            raise ValueError("reg:squaredlogerror needs targets greater than -1.")

    def base_score(self, y, w):
        return self.newton_base_score(y, w)

    def _pointwise(self, y, m):
        m = np.maximum(m, -1 + 1e-6)
        grad = (np.log1p(m) - np.log1p(y)) / (m + 1)
        hess = np.maximum((-np.log1p(m) + np.log1p(y) + 1) / (m + 1) ** 2, 1e-6)
        return grad, hess


class PseudoHuberError(Objective):
    name = "reg:pseudohubererror"
    default_metric = "mphe"

    def base_score(self, y, w):
        return self.newton_base_score(y, w)

    def _pointwise(self, y, m):
        slope = self.params.get("huber_slope", 1.0)
        z = m - y
        scale = 1.0 + (z / slope) ** 2
        root = np.sqrt(scale)
        return z / root, 1.0 / (scale * root)


class QuantileError(Objective):
    """Pinball loss for one or several quantiles (one tree per quantile and round)."""

    name = "reg:quantileerror"
    default_metric = "quantile"

    def __init__(self, **params):
        super().__init__(**params)
        alphas = np.atleast_1d(np.asarray(params.get("quantile_alpha", 0.5), dtype=np.float64))
        if alphas.ndim != 1 or alphas.size == 0 or np.any((alphas <= 0) | (alphas >= 1)):
            raise ValueError(f"quantile_alpha must be in (0, 1), got {alphas.tolist()}.")
        self.adaptive_alphas = alphas
        self.n_outputs = alphas.size

    def base_score(self, y, w):
        weights = w if self.params.get("weighted", True) else None
        return np.array([xgb_quantile(y, weights, a) for a in self.adaptive_alphas])

    def gradients(self, y, margin, w):
        above = margin >= y[:, np.newaxis]  # xgboost: d = m - y >= 0 -> 1 - alpha
        g = np.where(above, 1.0 - self.adaptive_alphas, -self.adaptive_alphas)
        return g * w[:, np.newaxis], np.repeat(w[:, np.newaxis], self.n_outputs, axis=1)


class AbsoluteError(QuantileError):
    name = "reg:absoluteerror"
    default_metric = "mae"

    def __init__(self, **params):
        params = dict(params, quantile_alpha=0.5)
        super().__init__(**params)

    def gradients(self, y, margin, w):
        # xgboost: sign(m - y) (0 on a tie), hessian w
        g = np.sign(margin - y[:, np.newaxis])
        return g * w[:, np.newaxis], w[:, np.newaxis].copy()


class Logistic(Objective):
    """``reg:logistic`` and ``binary:logistic``: log loss on the logit margin."""

    name = "binary:logistic"
    default_metric = "logloss"

    def check_target(self, y):
        if np.any((y < 0) | (y > 1)):
            raise ValueError(f"{self.name} needs targets in [0, 1].")

    def base_score(self, y, w):
        if self.params.get("scale_pos_weight", 1.0) != 1.0:
            # xgboost: a Newton step when scale_pos_weight is set (w holds it)
            return self.newton_base_score(y, w)
        return np.array([_wmean(y, w)])

    def to_margin(self, base_score):
        p = np.asarray(base_score, dtype=np.float64)
        if np.any((p < 0) | (p > 1)):
            raise ValueError(f"base_score must be in [0, 1] for {self.name}, got {p}.")
        p = np.clip(p, RT_EPS, 1 - RT_EPS)
        return np.log(p / (1 - p))

    def transform(self, margin):
        return expit(margin)

    def _pointwise(self, y, m):
        p = expit(m)
        return p - y, np.maximum(p * (1 - p), HESSIAN_FLOOR)


class RegLogistic(Logistic):
    name = "reg:logistic"
    default_metric = "rmse"


class LogitRaw(Logistic):
    """Log loss, predictions stay margins (the base score is a margin too)."""

    name = "binary:logitraw"

    def to_margin(self, base_score):
        return np.asarray(base_score, dtype=np.float64)

    def transform(self, margin):
        return margin


class Hinge(Objective):
    name = "binary:hinge"
    default_metric = "error"

    def base_score(self, y, w):
        # xgboost: a Newton step from 0, then the 0/1 transform
        return self.newton_base_score(y, w)

    def transform(self, margin):
        return (margin > 0).astype(np.float64)

    def _pointwise(self, y, m):
        sign = 2.0 * y - 1.0
        inside = sign * m < 1.0
        return np.where(inside, -sign, 0.0), np.where(inside, 1.0, np.finfo(np.float32).tiny)


class _LogLink(Objective):
    def check_target(self, y):
        if np.any(y < 0):
            raise ValueError(f"{self.name} needs non-negative targets.")

    def base_score(self, y, w):
        return np.array([max(_wmean(y, w), 1e-7)])

    def to_margin(self, base_score):
        b = np.asarray(base_score, dtype=np.float64)
        if np.any(b <= 0):
            raise ValueError(f"base_score must be positive for {self.name}, got {b}.")
        return np.log(b)

    def transform(self, margin):
        return np.exp(margin)


class Poisson(_LogLink):
    name = "count:poisson"
    default_metric = "poisson-nloglik"

    def _pointwise(self, y, m):
        # xgboost inflates the hessian by exp(max_delta_step) (0.7) for stability
        return np.exp(m) - y, np.exp(m + self.params.get("poisson_max_delta_step", 0.7))


class Gamma(_LogLink):
    name = "reg:gamma"
    default_metric = "gamma-deviance"

    def check_target(self, y):
        if np.any(y <= 0):
            raise ValueError("reg:gamma needs positive targets.")

    def _pointwise(self, y, m):
        r = y * np.exp(-m)
        return 1.0 - r, r


class Tweedie(_LogLink):
    name = "reg:tweedie"

    def __init__(self, **params):
        super().__init__(**params)
        self.rho = float(params.get("tweedie_variance_power", 1.5))
        if not 1.0 <= self.rho < 2.0:
            raise ValueError(f"tweedie_variance_power must be in [1, 2), got {self.rho}.")
        self.default_metric = f"tweedie-nloglik@{self.rho:g}"

    def _pointwise(self, y, m):
        a = np.exp((1 - self.rho) * m)
        b = np.exp((2 - self.rho) * m)
        return -y * a + b, -y * (1 - self.rho) * a + (2 - self.rho) * b


class Softmax(Objective):
    """``multi:softprob`` / ``multi:softmax``: one tree per class and round."""

    name = "multi:softprob"
    default_metric = "mlogloss"

    def __init__(self, **params):
        super().__init__(**params)
        self.n_outputs = int(params["num_class"])

    def base_score(self, y, w):
        prior = np.bincount(y.astype(np.int64), weights=w, minlength=self.n_outputs)
        prior = np.maximum(prior / prior.sum(), 1e-7)
        return prior

    def to_margin(self, base_score):
        b = np.broadcast_to(np.asarray(base_score, dtype=np.float64), (self.n_outputs,))
        if np.any(b <= 0):
            raise ValueError("base_score must be positive class priors for multi-class "
                             f"objectives, got {b}.")
        log_prior = np.log(b)
        return log_prior - log_prior.mean()

    def transform(self, margin):
        return softmax(margin, axis=1)

    def gradients(self, y, margin, w):
        p = softmax(margin, axis=1)
        g = p.copy()
        g[np.arange(y.size), y.astype(np.int64)] -= 1.0
        h = np.maximum(2.0 * p * (1.0 - p) * w[:, np.newaxis], HESSIAN_FLOOR)
        return g * w[:, np.newaxis], h


class CustomObjective(Objective):
    """A Python callable ``(y_true, y_pred) -> (grad, hess)`` on margins.

    As in xgboost's scikit-learn API: the function gets the targets (class
    codes for classifiers) and the margins; if it has a ``sample_weight``
    parameter it is given the sample weights (when the fit has some) and
    applies them itself, otherwise skboost multiplies its gradients and
    hessians by the weights (xgboost refuses weights then).  The base margin
    and the link are xgboost's: the identity and a base score of 0.5 for a
    regressor and per class of a multi-class classifier, the logit of the base
    score (0 for 0.5) with a sigmoid link for a binary classifier, softmax
    probabilities for a multi-class one.

    Parameters
    ----------
    func : callable
    n_outputs : int
    task : {"regression", "binary", "multiclass"}
    weighted : bool
        Whether the fit has sample weights.
    """

    name = "custom"
    DEFAULT_METRICS = {"regression": "rmse", "binary": "logloss", "multiclass": "mlogloss"}

    def __init__(self, func, n_outputs=1, task="regression", **params):
        super().__init__(**params)
        self.func = func
        self.n_outputs = n_outputs
        self.task = task
        self.default_metric = self.DEFAULT_METRICS[task]
        try:
            takes_weight = "sample_weight" in inspect.signature(func).parameters
        except (TypeError, ValueError):
            takes_weight = False
        self.weights_inside = takes_weight and params.get("weighted", False)

    def base_score(self, y, w):
        return np.full(self.n_outputs, 0.5)

    def to_margin(self, base_score):
        b = np.broadcast_to(np.asarray(base_score, dtype=np.float64), (self.n_outputs,))
        if self.task != "binary":
            return b.copy()
        p = np.clip(b, RT_EPS, 1 - RT_EPS)
        return np.log(p / (1 - p))

    def transform(self, margin):
        if self.task == "binary":
            return expit(margin)
        if self.task == "multiclass":
            return softmax(margin, axis=1)
        return margin

    def gradients(self, y, margin, w):
        """The function's gradients and hessians, weighted (by the function
        when ``weights_inside``, else here)."""
        pred = (margin[:, 0] if self.n_outputs == 1 else margin).copy()
        if self.weights_inside:
            grad, hess = self.func(y, pred, sample_weight=w)
        else:
            grad, hess = self.func(y, pred)
        grad, hess = self._check(grad, hess, y.shape[0])
        if self.weights_inside:
            return grad, hess
        return grad * w[:, np.newaxis], hess * w[:, np.newaxis]

    def _check(self, grad, hess, n_rows):
        shape = (n_rows, self.n_outputs)
        try:
            grad = np.asarray(grad, dtype=np.float64).reshape(shape)
            hess = np.asarray(hess, dtype=np.float64).reshape(shape)
        except ValueError as exc:
            raise ValueError(f"The custom objective returned gradients/hessians of the "
                             f"wrong size; expected {shape[0] * shape[1]} values.") from exc
        if not (np.all(np.isfinite(grad)) and np.all(np.isfinite(hess))):
            raise ValueError("The custom objective returned NaN or infinite values.")
        return grad, hess


OBJECTIVES = {cls.name: cls for cls in (
    SquaredError, SquaredLogError, PseudoHuberError, QuantileError, AbsoluteError, Logistic,
    RegLogistic, LogitRaw, Hinge, Poisson, Gamma, Tweedie, Softmax)}
OBJECTIVES["multi:softmax"] = Softmax
REGRESSION_OBJECTIVES = ("reg:squarederror", "reg:squaredlogerror", "reg:logistic",
                         "reg:pseudohubererror", "reg:absoluteerror", "reg:quantileerror",
                         "count:poisson", "reg:gamma", "reg:tweedie")
CLASSIFICATION_OBJECTIVES = ("binary:logistic", "binary:logitraw", "binary:hinge",
                             "multi:softprob", "multi:softmax")


def make_objective(objective, allowed, **params):
    """The objective object for a name (or a callable).

    Parameters
    ----------
    objective : str or callable
    allowed : tuple of str
        Names valid for the estimator.
    **params
        ``num_class``, ``huber_slope``, ``quantile_alpha``,
        ``tweedie_variance_power``, ``poisson_max_delta_step``,
        ``scale_pos_weight``, ``weighted`` (whether the fit has sample
        weights) and, for callables, ``task``.
    """
    if callable(objective):
        n_outputs = params.pop("num_class", None) or 1
        return CustomObjective(objective, n_outputs=n_outputs, **params)
    if objective not in allowed:
        raise ValueError(f"Unknown objective {objective!r} for this estimator; "
                         f"choose one of {sorted(allowed)} or pass a callable.")
    obj = OBJECTIVES[objective](**params)
    obj.name = objective
    return obj
