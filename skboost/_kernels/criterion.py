"""The regularised Newton objective shared by every family.

For a node with gradient sums ``G_k`` (K channels), hessian sum ``H`` and
L2/L1 penalties ``l2``/``l1`` the leaf value is
``v_k = -T(G_k) / (H + l2)`` (``T`` = L1 soft-threshold), clipped to
``[-max_delta_step, max_delta_step]`` and to the node's monotonic bounds,
and the node's objective (twice the loss reduction of the leaf) is
``-(2 T(G_k) v_k + (H + l2) v_k^2)``, which equals ``T(G_k)^2 / (H + l2)``
when nothing is clipped.  A split's gain is the children's objectives minus
the parent's (XGBoost paper, eq. 7, without the factor 1/2).

With ``g = -w*y``, ``h = w`` the gain is the weighted variance reduction
(sum of squared errors), and with one-hot channels ``g_k = -w*[y == k]`` it
is the weighted Gini decrease times the node weight.
"""
import numpy as np

from ._jit import serial


@serial
def soft_threshold(g, l1):
    """L1 soft-threshold of a gradient sum."""
    if g > l1:
        return g - l1
    if g < -l1:
        return g + l1
    return 0.0


@serial
def leaf_value(g, h, l2, l1, max_delta_step, lower, upper):
    """Newton leaf value of one channel, clipped by max_delta_step and bounds."""
    denominator = h + l2
    if denominator <= 0.0:
        return 0.0
    v = -soft_threshold(g, l1) / denominator
    if max_delta_step > 0.0:
        if v > max_delta_step:
            v = max_delta_step
        elif v < -max_delta_step:
            v = -max_delta_step
    if v < lower:
        v = lower
    elif v > upper:
        v = upper
    return v


@serial
def node_objective(sums, K, l2, l1, max_delta_step, lower, upper):
    """Objective of a node from its sums ``(G_0..G_{K-1}, H, count)``."""
    h = sums[K]
    denominator = h + l2
    if denominator <= 0.0:
        return 0.0
    clipped = max_delta_step > 0.0 or lower > -np.inf or upper < np.inf
    total = 0.0
    for k in range(K):
        tg = soft_threshold(sums[k], l1)
        if clipped:
            v = leaf_value(sums[k], h, l2, l1, max_delta_step, lower, upper)
            total -= 2.0 * tg * v + denominator * v * v
        else:
            total += tg * tg / denominator
    return total
