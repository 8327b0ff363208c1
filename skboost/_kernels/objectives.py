"""Gradients and hessians of xgboost's most used objectives in one parallel pass.

Each follows xgboost: the margin is read as float32, the gradient and
hessian are computed in float64 from it, rounded to float32, and then
multiplied by the sample weight in float64 (see ``XGBRegressor._gradients``).
Other objectives take the numpy path of ``skboost._objectives``; both give
the same values.
"""
import numpy as np

from ._jit import inline, parallel, prange

SQUARED_ERROR = 0
LOGISTIC = 1
SOFTMAX = 2

HESSIAN_FLOOR = 1e-16
ROW_BLOCK = 4096


@parallel
def xgb_gradients(code, y, margin, w, g, h):
    """Weighted gradients ``g`` and hessians ``h`` of every row.

    Parameters
    ----------
    code : int
        ``SQUARED_ERROR``, ``LOGISTIC`` (binary and regression) or ``SOFTMAX``.
    y : ndarray of shape (n_samples,), float64
        Targets (class codes for ``SOFTMAX``).
    margin : ndarray of shape (n_samples, n_outputs), float64
    w : ndarray of shape (n_samples,), float64
    g, h : ndarray of shape (n_samples, n_outputs), float64, written
    """
    n, K = margin.shape
    n_blocks = (n + ROW_BLOCK - 1) // ROW_BLOCK
    for blk in prange(n_blocks):
        exps = np.empty(K)  # scratch of the softmax, once per block of rows
        for i in range(blk * ROW_BLOCK, min(n, (blk + 1) * ROW_BLOCK)):
            if code == SOFTMAX:
                _softmax_row(i, y, margin, w, g, h, K, exps)
            elif code == LOGISTIC:
                m = np.float64(np.float32(margin[i, 0]))
                p = 1.0 / (1.0 + np.exp(-m))
                g[i, 0] = np.float64(np.float32(p - y[i])) * w[i]
                h[i, 0] = np.float64(np.float32(max(p * (1.0 - p), HESSIAN_FLOOR))) * w[i]
            else:
                m = np.float64(np.float32(margin[i, 0]))
                g[i, 0] = np.float64(np.float32(m - y[i])) * w[i]
                h[i, 0] = w[i]


@inline
def _softmax_row(i, y, margin, w, g, h, K, exps):
    """One row of the softmax gradients (scipy's softmax: shifted by the row's
    largest margin)."""
    largest = -np.inf
    for k in range(K):
        largest = max(largest, np.float64(np.float32(margin[i, k])))
    total = 0.0
    for k in range(K):
        exps[k] = np.exp(np.float64(np.float32(margin[i, k])) - largest)
        total += exps[k]
    label = int(y[i])
    for k in range(K):
        p = exps[k] / total
        target = 1.0 if k == label else 0.0
        g[i, k] = np.float64(np.float32(p - target)) * w[i]
        h[i, k] = np.float64(np.float32(max(2.0 * p * (1.0 - p), HESSIAN_FLOOR))) * w[i]
