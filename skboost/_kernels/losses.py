"""Per-sample gradients and hessians of every loss, and Newton leaf updates.

Losses are selected by an integer code (a function passed as an argument
would defeat numba's cache).  Gradients are with respect to the raw
prediction and unweighted; hessians are the true second derivatives (1 for
the piecewise-linear losses, as xgboost).
"""
import numpy as np

from ._jit import inline, parallel, prange, serial
from .histogram import _chunk_ranges

SQUARED_ERROR = 0
ABSOLUTE_ERROR = 1
HUBER = 2
QUANTILE = 3
BINARY_LOG_LOSS = 4
MULTINOMIAL = 5
EXPONENTIAL = 6


@serial
def _sigmoid(x):
    if x >= 0:
        return 1.0 / (1.0 + np.exp(-x))
    e = np.exp(x)
    return e / (1.0 + e)


@inline
def _softmax_shift(raw, i, K):
    """Largest raw score of row ``i`` and ``sum_k exp(raw[i, k] - largest)``."""
    top = raw[i, 0]
    for k in range(1, K):
        top = max(top, raw[i, k])
    total = 0.0
    for k in range(K):
        total += np.exp(raw[i, k] - top)
    return top, total


@parallel
def loss_gradients(code, y, raw, param, grad, hess):
    """Fill ``grad`` and ``hess`` for every row.

    Parameters
    ----------
    code : int
        One of the loss codes of this module.
    y : ndarray of shape (n_samples,), float64
        Target; class index (0..K-1) for classification.
    raw : ndarray of shape (n_samples, K), float64
        Raw predictions.
    param : float
        Huber's delta or the quantile's alpha (ignored otherwise).
    grad, hess : ndarray of shape (n_samples, K), float64, written
    """
    for i in prange(raw.shape[0]):
        # unsigned row: numba wraps negative indices around (a test and a
        # select per signed index, and prange's bounds are signed)
        _gradient_row(code, y, raw, np.uint64(i), param, grad, hess)


@inline
def _gradient_row(code, y, raw, i, param, grad, hess):
    """Gradients and hessians of row ``i`` (see :func:`loss_gradients`)."""
    K = raw.shape[1]
    if code == MULTINOMIAL:
        top, total = _softmax_shift(raw, i, K)
        for k in range(K):
            p = np.exp(raw[i, k] - top) / total
            target = 1.0 if y[i] == k else 0.0
            grad[i, k] = p - target
            hess[i, k] = p * (1.0 - p)
        return
    r = raw[i, 0]
    t = y[i]
    if code == SQUARED_ERROR:
        grad[i, 0] = r - t
        hess[i, 0] = 1.0
    elif code == ABSOLUTE_ERROR:
        # -1 at a zero residual, as scikit-learn
        grad[i, 0] = 1.0 if r > t else -1.0
        hess[i, 0] = 1.0
    elif code == HUBER:
        diff = t - r
        if abs(diff) <= param:
            grad[i, 0] = -diff
        else:
            grad[i, 0] = -param * np.sign(diff)
        hess[i, 0] = 1.0
    elif code == QUANTILE:
        grad[i, 0] = -param if t >= r else 1.0 - param
        hess[i, 0] = 1.0
    elif code == BINARY_LOG_LOSS:
        p = _sigmoid(r)
        grad[i, 0] = p - t
        hess[i, 0] = p * (1.0 - p)
    else:  # EXPONENTIAL, raw is half the log-odds, t in {0, 1}
        if t == 1.0:
            e = np.exp(-r)
            grad[i, 0] = -e
            hess[i, 0] = e
        else:
            e = np.exp(r)
            grad[i, 0] = e
            hess[i, 0] = e


# Leaves are summed in chunks of this many rows: leaves differ in size by
# orders of magnitude, so one task per leaf left a thread idle.
LEAF_CHUNK = 16384


@parallel
def newton_leaf_values(sample_indices, leaf_starts, leaf_ends, grad, hess, weight, l2,
                       out, unit_weight=False):
    """``out[j] = -sum(w * grad) / (sum(w * hess) + l2)`` over each leaf's rows.

    Each leaf is summed in fixed chunks of rows whose sums are added in
    order: the result does not depend on the number of threads.

    Parameters
    ----------
    sample_indices : ndarray of shape (n_samples,), int32
    leaf_starts, leaf_ends : ndarray of shape (n_leaves,), int64
    grad, hess, weight : ndarray of shape (n_samples,), float64
    l2 : float
    out : ndarray of shape (n_leaves,), float64, written (0 when the
        denominator is 0)
    unit_weight : bool, default=False
        Every weight is 1: ``weight`` is not read (one random read per row
        fewer; the same floats, as ``1 * x == x``).
    """
    chunk_leaf, chunk_start, chunk_end = _chunk_ranges(leaf_starts, leaf_ends, LEAF_CHUNK)
    partial = np.zeros((chunk_leaf.shape[0], 2))
    for c in prange(chunk_leaf.shape[0]):
        numerator = 0.0
        denominator = 0.0
        for pos in range(np.uint64(chunk_start[c]), np.uint64(chunk_end[c])):
            row = np.uint64(sample_indices[pos])  # unsigned: see loss_gradients
            if unit_weight:
                numerator -= grad[row]
                denominator += hess[row]
            else:
                numerator -= weight[row] * grad[row]
                denominator += weight[row] * hess[row]
        partial[c, 0] = numerator
        partial[c, 1] = denominator
    sums = np.zeros((leaf_starts.shape[0], 2))
    for c in range(chunk_leaf.shape[0]):
        sums[chunk_leaf[c], 0] += partial[c, 0]
        sums[chunk_leaf[c], 1] += partial[c, 1]
    for j in range(leaf_starts.shape[0]):
        denominator = sums[j, 1] + l2
        out[j] = sums[j, 0] / denominator if denominator != 0.0 else 0.0


@inline
def _pointwise(code, t, raw, i, param):
    """Loss of row ``i`` (half squared error, multinomial deviance, ...); the
    binary log loss is summed by :func:`_add_log_loss` instead."""
    if code == MULTINOMIAL:
        top, total = _softmax_shift(raw, i, raw.shape[1])
        return top + np.log(total) - raw[i, np.int64(t)]
    r = raw[i, 0]
    if code == SQUARED_ERROR:
        return 0.5 * (t - r) * (t - r)
    if code == ABSOLUTE_ERROR:
        return abs(t - r)
    if code == HUBER:
        d = abs(t - r)
        return 0.5 * d * d if d <= param else param * (d - 0.5 * param)
    if code == QUANTILE:
        d = t - r
        return param * d if d >= 0 else (param - 1.0) * d
    return t * np.exp(-r) + (1.0 - t) * np.exp(r)  # EXPONENTIAL


# Rows of unit weight whose binary log-loss terms log(1 + e) are summed as
# the log of their product (each factor is in (1, 2], so the product stays
# below 2**256): a log per row cost as much as the gradient pass itself.
LOG_PRODUCT_ROWS = 256.0


@inline
def _add_log_loss(acc, r, t, e, w):
    """Add one row's weighted binary log loss to ``acc`` = (loss, weight,
    open product, its factors); ``r`` the raw score, ``t`` the target, ``e``
    = exp(-|r|).  The loss is ``max(r, 0) - t r + log1p(e)``."""
    linear = (r if r > 0 else 0.0) - t * r
    if w == 1.0:
        acc[0] += linear
        acc[2] *= 1.0 + e
        acc[3] += 1.0
        if acc[3] == LOG_PRODUCT_ROWS:
            _close_log_product(acc)
    else:
        acc[0] += w * (linear + np.log1p(e))
    acc[1] += w


@inline
def _close_log_product(acc):
    """Add the log of ``acc``'s open product to its loss and start a new one."""
    acc[0] += np.log(acc[2])
    acc[2] = 1.0
    acc[3] = 0.0


@parallel
def weighted_loss_sums(code, y, raw, param, weight, out):
    """Per-chunk sums of ``weight * loss`` and of ``weight`` (fixed chunks,
    so the total does not depend on the number of threads).

    Parameters
    ----------
    code : int
    y : ndarray of shape (n_samples,), float64
    raw : ndarray of shape (n_samples, K), float64
    param : float
    weight : ndarray of shape (n_samples,), float64
    out : ndarray of shape (n_chunks, 2), float64, written
        ``n_chunks = ceil(n_samples / 65536)``.
    """
    n = y.shape[0]
    chunk = 65536
    for c in prange(out.shape[0]):
        total = 0.0
        total_weight = 0.0
        acc = np.array([0.0, 0.0, 1.0, 0.0])  # binary log loss (see _add_log_loss)
        for i in range(np.uint64(c * chunk), np.uint64(min(n, (c + 1) * chunk))):
            if weight[i] == 0.0:
                continue
            if code == BINARY_LOG_LOSS:
                r = raw[i, 0]
                _add_log_loss(acc, r, y[i], np.exp(-abs(r)), weight[i])
            else:
                total += weight[i] * _pointwise(code, y[i], raw, i, param)
                total_weight += weight[i]
        if code == BINARY_LOG_LOSS:
            _close_log_product(acc)
            total = acc[0]
            total_weight = acc[1]
        out[c, 0] = total
        out[c, 1] = total_weight


@parallel
def loss_gradients_and_sums(code, y, raw, param, loss_param, weight, in_bag, grad, hess,
                            out):
    """:func:`loss_gradients` and :func:`weighted_loss_sums` in one pass.

    Boosting needs the loss of the model after each stage (``train_score_``)
    and the gradients of the same predictions for the next stage: reading
    the predictions once saves a pass over the data per stage.

    Parameters
    ----------
    code, y, raw, param, grad, hess :
        As :func:`loss_gradients`.
    loss_param : float
        ``param`` of :func:`weighted_loss_sums`.
    weight : ndarray of shape (n_samples,), float64
    in_bag : ndarray of shape (n_samples,), uint8
        1 for the rows of this stage's subsample.
    out : ndarray of shape (n_chunks, 4), float64, written
        Per chunk of 65536 rows: weighted loss and weight of the in-bag rows,
        then of the other rows, summed as :func:`weighted_loss_sums` does
        (same chunks, same order: the same floats).
    """
    n = y.shape[0]
    chunk = 65536
    for c in prange(out.shape[0]):
        bag_loss = 0.0
        bag_weight = 0.0
        oob_loss = 0.0
        oob_weight = 0.0
        # binary log loss of the in-bag and the other rows (see _add_log_loss)
        bag = np.array([0.0, 0.0, 1.0, 0.0])
        oob = np.array([0.0, 0.0, 1.0, 0.0])
        for i in range(np.uint64(c * chunk), np.uint64(min(n, (c + 1) * chunk))):
            w = weight[i]
            if code == BINARY_LOG_LOSS:
                # one exp for both (the same floats as _sigmoid and weighted_loss_sums)
                r = raw[i, 0]
                e = np.exp(-abs(r))
                p = 1.0 / (1.0 + e) if r >= 0 else e / (1.0 + e)
                grad[i, 0] = p - y[i]
                hess[i, 0] = p * (1.0 - p)
                if w != 0.0:
                    _add_log_loss(bag if in_bag[i] == 1 else oob, r, y[i], e, w)
                continue
            _gradient_row(code, y, raw, i, param, grad, hess)
            if w == 0.0:
                continue
            term = w * _pointwise(code, y[i], raw, i, loss_param)
            if in_bag[i] == 1:
                bag_loss += term
                bag_weight += w
            else:
                oob_loss += term
                oob_weight += w
        if code == BINARY_LOG_LOSS:
            _close_log_product(bag)
            _close_log_product(oob)
            bag_loss, bag_weight, oob_loss, oob_weight = bag[0], bag[1], oob[0], oob[1]
        out[c, 0] = bag_loss
        out[c, 1] = bag_weight
        out[c, 2] = oob_loss
        out[c, 3] = oob_weight
