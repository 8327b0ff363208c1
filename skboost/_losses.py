"""Loss objects: baseline, gradients, line-search leaf values, loss value, link.

Each loss names a kernel code of ``_kernels/losses.py``; everything that is
not per-sample work stays in numpy here.  Loss values follow scikit-learn's
``GradientBoosting*.train_score_`` conventions (deviance for squared error
and binary log-loss, mean loss otherwise).
"""
import numpy as np
from scipy.special import expit, logsumexp, softmax

from ._dtypes import as_stat
from ._kernels import losses as K_

EPS = np.finfo(np.float64).eps


def weighted_percentile(values, weights, percentile, average=False):
    """Weighted percentile, "inverted CDF" rule (the smallest value whose
    cumulative weight reaches ``percentile`` % of the total).

    Parameters
    ----------
    values, weights : ndarray of shape (n,), float64
    percentile : float in [0, 100]
    average : bool, default=False
        When the cumulative weight reaches the target exactly, average the
        value with the next one (the usual median of an even count).

    Returns
    -------
    float
    """
    positive = weights > 0  # zero-weight values cannot be a percentile
    if positive.any() and not positive.all():
        values, weights = values[positive], weights[positive]
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    cdf = np.cumsum(weights[order])
    target = percentile / 100.0 * cdf[-1]
    index = min(int(np.searchsorted(cdf, target, side="left")), values.size - 1)
    if average and index + 1 < values.size and cdf[index] == target:
        following = index + 1 + int(np.searchsorted(cdf[index + 1:], cdf[index],
                                                    side="right"))
        following = min(following, values.size - 1)
        return float((sorted_values[index] + sorted_values[following]) / 2.0)
    return float(sorted_values[index])


class Loss:
    """Base of all losses.

    Attributes
    ----------
    code : int
        Kernel code.
    n_trees : int
        Trees per boosting iteration (K classes for multinomial, else 1).
    newton_leaves : bool
        Leaves are Newton steps ``-sum(w g) / (sum(w h) + l2)``; otherwise
        a weighted percentile of the residuals (line search).
    """

    code = None
    newton_leaves = True
    train_score_factor = 1.0

    def __init__(self, param=0.0, n_classes=2):
        self.param = float(param)
        self.n_trees = 1

    def gradients(self, y, raw):
        """Unweighted gradients and hessians, each of shape (n_samples, n_trees)."""
        grad = np.empty_like(raw)
        hess = np.empty_like(raw)
        K_.loss_gradients(self.code, y, raw, self.gradient_param, grad, hess)
        return grad, hess

    @property
    def gradient_param(self):
        """The ``param`` of the gradient kernels."""
        return self.param

    def leaf_values(self, grown, y, raw, grad, hess, weight, l2, unit_weight=False):
        """Line-search value of every leaf of ``grown`` (column ``raw`` of one tree).

        Parameters
        ----------
        grown : GrownTree
        y, raw, grad, hess, weight : ndarray of shape (n_samples,), float64
        unit_weight : bool, default=False
            Every weight is 1 (lets the Newton step skip reading them).

        Returns
        -------
        ndarray of shape (n_leaves,), float64
        """
        out = np.empty(grown.leaves.size)
        K_.newton_leaf_values(grown.sample_indices, grown.leaf_starts, grown.leaf_ends,
                              as_stat(grad), as_stat(hess), weight, l2, out,
                              bool(unit_weight))
        return out * self.leaf_factor

    leaf_factor = 1.0

    loss_param = 0.0  # huber's delta / the quantile's alpha for the loss kernel

    def __call__(self, y, raw, weight):
        """Weighted mean loss, in scikit-learn's ``train_score_`` units.

        Parameters
        ----------
        y : ndarray of shape (n_samples,), float64
        raw : ndarray of shape (n_samples, n_trees), float64
        weight : ndarray of shape (n_samples,), float64
            Rows of weight 0 are left out (pass ``weight * mask`` for a subset).
        """
        out = np.empty(((y.shape[0] + 65535) // 65536, 2))
        K_.weighted_loss_sums(self.code, as_stat(y), np.ascontiguousarray(raw, np.float64),
                              float(self.loss_param), as_stat(weight), out)
        return self._score(*out.sum(axis=0))

    def _score(self, total, total_weight):
        if total_weight <= 0:
            return float("nan")
        return self.train_score_factor * total / total_weight

    # Whether the gradients depend on the predictions only (not on a
    # parameter re-estimated before each stage, as Huber's delta).
    gradients_follow_scores = True

    def gradients_and_scores(self, y, raw, weight, in_bag, out=None):
        """:meth:`gradients` and the losses of :meth:`__call__` in one pass.

        Parameters
        ----------
        y : ndarray of shape (n_samples,), float64
        raw : ndarray of shape (n_samples, n_trees), float64
        weight : ndarray of shape (n_samples,), float64
        in_bag : ndarray of shape (n_samples,), bool
        out : (grad, hess) or None
            Arrays to overwrite with the gradients (a fit reuses the previous
            stage's: fresh 8 MB arrays cost page faults on every stage).

        Returns
        -------
        grad, hess : ndarray of shape (n_samples, n_trees), float64
        in_bag_loss, out_of_bag_loss : float
            ``self(y, raw, weight * in_bag)`` and ``self(y, raw, weight *
            ~in_bag)``, equal to the last bit.
        """
        raw = np.ascontiguousarray(raw, np.float64)
        if out is None or any(a.shape != raw.shape or not a.flags.c_contiguous
                              or a.dtype != np.float64 for a in out):
            out = (np.empty_like(raw), np.empty_like(raw))
        grad, hess = out
        chunk_sums = np.empty(((y.shape[0] + 65535) // 65536, 4))
        K_.loss_gradients_and_sums(self.code, as_stat(y), raw, self.gradient_param,
                                   float(self.loss_param), as_stat(weight),
                                   np.ascontiguousarray(in_bag).view(np.uint8), grad, hess,
                                   chunk_sums)
        sums = chunk_sums.sum(axis=0)
        return grad, hess, self._score(sums[0], sums[1]), self._score(sums[2], sums[3])


class SquaredError(Loss):
    code = K_.SQUARED_ERROR
    train_score_factor = 2.0

    def baseline(self, y, weight):
        return np.array([np.average(y, weights=weight)])

    def pointwise(self, y, raw):
        return 0.5 * (y - raw[:, 0]) ** 2


class _PercentileLoss(Loss):
    """Losses whose leaves are weighted percentiles of the residuals."""

    newton_leaves = False
    percentile = 50.0

    def baseline(self, y, weight):
        if weight is None:
            return np.array([np.percentile(y, self.percentile)])
        return np.array([weighted_percentile(y, weight, self.percentile)])

    def leaf_values(self, grown, y, raw, grad, hess, weight, l2, unit_weight=False):
        out = np.empty(grown.leaves.size)
        for j, (start, end) in enumerate(zip(grown.leaf_starts, grown.leaf_ends)):
            rows = grown.sample_indices[start:end]
            out[j] = self._leaf(y[rows] - raw[rows], weight[rows])
        return out

    def _leaf(self, residual, weight):
        return weighted_percentile(residual, weight, self.percentile)


class AbsoluteError(_PercentileLoss):
    code = K_.ABSOLUTE_ERROR

    def pointwise(self, y, raw):
        return np.abs(y - raw[:, 0])


class QuantileLoss(_PercentileLoss):
    code = K_.QUANTILE

    def __init__(self, param=0.9, n_classes=2):
        super().__init__(param)
        self.percentile = 100.0 * self.param
        self.loss_param = self.param

    def pointwise(self, y, raw):
        diff = y - raw[:, 0]
        return np.where(diff >= 0, self.param * diff, (self.param - 1.0) * diff)


class HuberLoss(_PercentileLoss):
    """Huber loss; ``delta`` is re-estimated every iteration as the ``alpha``
    weighted percentile of the absolute residuals (scikit-learn's rule)."""

    code = K_.HUBER

    def __init__(self, param=0.9, n_classes=2):
        super().__init__(param)
        self.alpha = float(param)
        self.delta = 1.0
        self.loss_param = self.delta

    gradients_follow_scores = False  # delta is re-estimated before each stage

    def update_delta(self, y, raw, weight):
        self.delta = weighted_percentile(np.abs(y - raw[:, 0]), weight, 100.0 * self.alpha)
        self.loss_param = self.delta

    @property
    def gradient_param(self):
        return self.delta

    def _leaf(self, residual, weight):
        median = weighted_percentile(residual, weight, 50.0)
        diff = residual - median
        term = np.sign(diff) * np.minimum(self.delta, np.abs(diff))
        return median + np.average(term, weights=weight)

    def pointwise(self, y, raw):
        diff = np.abs(y - raw[:, 0])
        return np.where(diff <= self.delta, 0.5 * diff ** 2,
                        self.delta * (diff - 0.5 * self.delta))


class BinaryLogLoss(Loss):
    code = K_.BINARY_LOG_LOSS
    train_score_factor = 2.0

    def baseline(self, y, weight):
        p = np.clip(np.average(y, weights=weight), EPS, 1 - EPS)
        return np.array([np.log(p / (1 - p))])

    def pointwise(self, y, raw):
        r = raw[:, 0]
        return np.logaddexp(0.0, r) - y * r

    def predict_proba(self, raw):
        p = expit(raw[:, 0])
        return np.column_stack([1 - p, p])


class ExponentialLoss(Loss):
    """AdaBoost's exponential loss; raw predictions are half log-odds."""

    code = K_.EXPONENTIAL

    def baseline(self, y, weight):
        p = np.clip(np.average(y, weights=weight), EPS, 1 - EPS)
        return np.array([0.5 * np.log(p / (1 - p))])

    def pointwise(self, y, raw):
        r = raw[:, 0]
        return y * np.exp(-r) + (1 - y) * np.exp(r)

    def predict_proba(self, raw):
        p = expit(2.0 * raw[:, 0])
        return np.column_stack([1 - p, p])


class MultinomialLogLoss(Loss):
    """Softmax cross-entropy; one tree per class and iteration."""

    code = K_.MULTINOMIAL

    def __init__(self, param=0.0, n_classes=3):
        super().__init__(param)
        self.n_trees = int(n_classes)
        # Friedman's (K - 1) / K factor on the leaf step, kept by scikit-learn
        self.leaf_factor = (n_classes - 1) / n_classes

    def baseline(self, y, weight):
        prior = np.array([np.average(y == k, weights=weight) for k in range(self.n_trees)])
        log_prior = np.log(np.clip(prior, EPS, 1.0))
        return log_prior - log_prior.mean()

    def pointwise(self, y, raw):
        return logsumexp(raw, axis=1) - raw[np.arange(raw.shape[0]), y.astype(np.int64)]

    def predict_proba(self, raw):
        return softmax(raw, axis=1)


REGRESSION_LOSSES = {"squared_error": SquaredError, "absolute_error": AbsoluteError,
                     "huber": HuberLoss, "quantile": QuantileLoss}
CLASSIFICATION_LOSSES = {"log_loss": None, "exponential": ExponentialLoss}


def make_loss(name, n_classes=None, alpha=0.9):
    """Instantiate the loss called ``name``.

    Parameters
    ----------
    name : str
    n_classes : int or None
        Classes of a classification problem (multinomial for more than 2).
    alpha : float
        Huber's or the quantile loss's alpha.
    """
    if name == "log_loss":
        return BinaryLogLoss() if n_classes == 2 else MultinomialLogLoss(n_classes=n_classes)
    if name == "exponential":
        if n_classes != 2:
            raise ValueError("loss='exponential' is only suitable for a binary "
                             f"classification problem, got {n_classes} classes; "
                             "use loss='log_loss' instead.")
        return ExponentialLoss()
    return REGRESSION_LOSSES[name](param=alpha)
