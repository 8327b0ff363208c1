"""xgboost's evaluation metrics, on predictions in the response space.

Each metric takes ``(y, pred, w)``: targets (class codes for classifiers),
the objective's transformed predictions of shape (n_samples, n_outputs) and
sample weights, and returns a float.  Names with a parameter use xgboost's
``name@value`` form (``error@0.7``, ``tweedie-nloglik@1.5``).
"""
import numpy as np
from scipy.special import gammaln

PROB_EPS = 1e-16


def _mean(values, w):
    return float(np.sum(values * w) / np.sum(w))


def rmse(y, pred, w):
    return np.sqrt(_mean((y - pred[:, 0]) ** 2, w))


def rmsle(y, pred, w):
    return np.sqrt(_mean((np.log1p(pred[:, 0]) - np.log1p(y)) ** 2, w))


def mae(y, pred, w):
    return _mean(np.abs(y - pred[:, 0]), w)


def mape(y, pred, w):
    return _mean(np.abs((y - pred[:, 0]) / y), w)


def mphe(y, pred, w, slope=1.0):
    z = (pred[:, 0] - y) / slope
    return _mean(slope ** 2 * (np.sqrt(1 + z ** 2) - 1), w)


def logloss(y, pred, w):
    p = np.clip(pred[:, -1], PROB_EPS, 1 - PROB_EPS)
    return _mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)), w)


def error(y, pred, w, threshold=0.5):
    return _mean((pred[:, -1] > threshold) != (y > 0.5), w)


def auc(y, pred, w):
    from sklearn.metrics import roc_auc_score
    if pred.shape[1] == 1:
        return float(roc_auc_score(y, pred[:, 0], sample_weight=w))
    return float(roc_auc_score(y, pred, sample_weight=w, multi_class="ovr",
                               average="weighted", labels=np.arange(pred.shape[1])))


def mlogloss(y, pred, w):
    p = np.clip(pred[np.arange(y.size), y.astype(np.int64)], PROB_EPS, 1.0)
    return _mean(-np.log(p), w)


def merror(y, pred, w):
    return _mean(np.argmax(pred, axis=1) != y, w)


def poisson_nloglik(y, pred, w):
    p = np.maximum(pred[:, 0], PROB_EPS)
    return _mean(p - y * np.log(p) + gammaln(y + 1), w)


def gamma_nloglik(y, pred, w):
    p = np.maximum(pred[:, 0], 1e-6)  # xgboost's floor
    return _mean(y / p + np.log(p), w)


def gamma_deviance(y, pred, w):
    # xgboost shifts both by kRtEps (1e-6) so that zeros stay finite
    p, t = pred[:, 0] + 1e-6, y + 1e-6
    return 2.0 * _mean(np.log(p / t) + t / p - 1.0, w)


def tweedie_nloglik(y, pred, w, rho=1.5):
    p = np.maximum(pred[:, 0], PROB_EPS)
    a = y * np.exp((1 - rho) * np.log(p)) / (1 - rho)
    b = np.exp((2 - rho) * np.log(p)) / (2 - rho)
    return _mean(-a + b, w)


def quantile(y, pred, w, alphas=(0.5,)):
    alphas = np.asarray(alphas, dtype=np.float64)
    d = y[:, np.newaxis] - pred
    loss = np.where(d >= 0, alphas * d, (alphas - 1) * d)
    return _mean(loss.mean(axis=1), w)


METRICS = {"rmse": rmse, "rmsle": rmsle, "mae": mae, "mape": mape, "mphe": mphe,
           "logloss": logloss, "error": error, "auc": auc, "mlogloss": mlogloss,
           "merror": merror, "poisson-nloglik": poisson_nloglik,
           "gamma-nloglik": gamma_nloglik, "gamma-deviance": gamma_deviance,
           "tweedie-nloglik": tweedie_nloglik,
           "quantile": quantile}
MAXIMISED = {"auc"}


class Metric:
    """A named metric bound to its parameter.

    Parameters
    ----------
    spec : str or callable
        A name from :data:`METRICS` (optionally ``name@param``) or a callable
        ``f(y_true, y_pred[, sample_weight=...]) -> float`` that is minimised,
        called with labels/targets and ``predict_proba``/``predict`` values.
    objective : skboost._objectives.Objective
    """

    def __init__(self, spec, objective):
        self.func = None
        self.callable = callable(spec)
        if self.callable:
            self.func = spec
            self.name = getattr(spec, "__name__", "custom")
            self.maximise = False
            return
        if not isinstance(spec, str):
            raise TypeError(f"eval_metric entries must be names or callables, got {spec!r}.")
        name, _, param = spec.partition("@")
        if name not in METRICS:
            raise ValueError(f"Unknown eval_metric {spec!r}; choose from {sorted(METRICS)} "
                             "or pass a callable.")
        self.name = spec
        self.maximise = name in MAXIMISED
        kwargs = {}
        try:
            if name == "error" and param:
                kwargs["threshold"] = float(param)
            elif name == "tweedie-nloglik":
                kwargs["rho"] = float(param) if param else getattr(objective, "rho", 1.5)
            elif param:
                raise ValueError
        except ValueError as exc:
            raise ValueError(f"eval_metric {spec!r} has an invalid parameter.") from exc
        if name == "quantile":
            kwargs["alphas"] = getattr(objective, "adaptive_alphas", None)
            if kwargs["alphas"] is None:
                kwargs["alphas"] = (0.5,)
        if name == "mphe":
            kwargs["slope"] = objective.params.get("huber_slope", 1.0)
        self.base = METRICS[name]
        self.kwargs = kwargs

    def __call__(self, y, pred, w, user_pred=None, user_y=None, weighted=False):
        """Value of the metric.

        ``user_pred`` / ``user_y`` are what a callable metric receives (class
        labels and ``predict_proba`` output for classifiers).
        """
        if self.callable:
            if weighted:
                return float(self.func(user_y, user_pred, sample_weight=w))
            return float(self.func(user_y, user_pred))
        return float(self.base(y, pred, w, **self.kwargs))
