"""The split criteria shared by every family and both split engines.

A node is summarised by its sums ``(G_0..G_{K-1}, H, count)``; a split's
gain is ``objective(left) + objective(right) - objective(parent)``.

* NEWTON (boosting, Gini, variance): with L2/L1 penalties ``l2``/``l1`` the
  leaf value is ``v_k = -T(G_k) / (H + l2)`` (``T`` = L1 soft-threshold),
  clipped to ``[-max_delta_step, max_delta_step]`` and to the node's
  monotonic bounds, and the objective is ``-(2 T(G_k) v_k + (H + l2) v_k^2)``,
  i.e. ``T(G_k)^2 / (H + l2)`` when nothing is clipped (XGBoost paper, eq. 7,
  without the factor 1/2).  With ``g = -w*y``, ``h = w`` the gain is the
  weighted sum-of-squares reduction; with one-hot channels
  ``g_k = -w*[y == k]`` it is the weighted Gini decrease.
* ENTROPY: channels as for Gini; objective ``sum_k w_k log2(w_k / W)``
  (``w_k = -G_k``, ``W = H``), whose gain is the weighted entropy decrease.
* POISSON: ``g_k = -w*y_k``, ``h = w``; objective ``sum_k S_k log(S_k / W)``
  (``S_k = -G_k``), whose gain is the half Poisson deviance decrease; a
  child whose target sum is not positive is not a valid split.

Split parameters travel as one float64 array (see the ``P_*`` indices) so
kernel signatures stay short and canonical.
"""
import numpy as np

from ._jit import hot, serial

NEWTON = 0
ENTROPY = 1
POISSON = 2

# indices into the split-parameter array
P_L2 = 0
P_L1 = 1
P_MAX_DELTA_STEP = 2
P_MIN_SAMPLES_LEAF = 3
P_MIN_HESSIAN = 4
P_CRITERION = 5
P_FLOAT32_TIES = 6  # 1: gains compared in float32, a tie goes to the later threshold
N_PARAMS = 7

POISSON_EPS = np.finfo(np.float64).eps

# A Newton split must gain more than this share of its children's scores
# (G^2 / H each) to be more than rounding residue: in a node whose rows share
# one gradient the residue is a few float64 epsilons (2.2e-16) of them
# (measured: under 1e-21 on the tests' cases); real gains of nodes whose
# targets differ by 1e-7 of their size are about 1e-14 and still computed.
NOISE_GAIN = 1e-14


def split_params(l2=0.0, l1=0.0, max_delta_step=0.0, min_samples_leaf=1.0,
                 min_hessian=0.0, criterion=NEWTON, float32_ties=False):
    """The split-parameter array read by the kernels.

    ``float32_ties`` reproduces xgboost's exact enumeration: gains rounded to
    float32 and, on a tie within a feature, the larger threshold (xgboost scans
    dense columns from the largest value down and keeps the first best).
    """
    params = np.zeros(N_PARAMS)
    params[P_L2] = l2
    params[P_L1] = l1
    params[P_MAX_DELTA_STEP] = max_delta_step
    params[P_MIN_SAMPLES_LEAF] = min_samples_leaf
    params[P_MIN_HESSIAN] = min_hessian
    params[P_CRITERION] = criterion
    params[P_FLOAT32_TIES] = 1.0 if float32_ties else 0.0
    return params


@hot
def soft_threshold(g, l1):
    """L1 soft-threshold of a gradient sum."""
    if g > l1:
        return g - l1
    if g < -l1:
        return g + l1
    return 0.0


@hot
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


@hot
def node_objective(sums, K, params, lower, upper):
    """Objective of a node from its sums ``(G_0..G_{K-1}, H, count)``."""
    h = sums[K]
    criterion = params[P_CRITERION]
    if criterion == ENTROPY or criterion == POISSON:
        if h <= 0.0:
            return 0.0
        total = 0.0
        for k in range(K):
            s = -sums[k]
            if s > 0.0:
                total += s * (np.log2(s / h) if criterion == ENTROPY else np.log(s / h))
        return total
    l2 = params[P_L2]
    l1 = params[P_L1]
    max_delta_step = params[P_MAX_DELTA_STEP]
    denominator = h + l2
    if denominator <= 0.0:
        return 0.0
    clipped = max_delta_step > 0.0 or lower > -np.inf or upper < np.inf
    total = 0.0
    if not clipped:
        # one division per node, not per channel (K can be many classes)
        for k in range(K):
            tg = soft_threshold(sums[k], l1)
            total += tg * tg
        return total / denominator
    for k in range(K):
        tg = soft_threshold(sums[k], l1)
        v = leaf_value(sums[k], h, l2, l1, max_delta_step, lower, upper)
        total -= 2.0 * tg * v + denominator * v * v
    return total


# The same objective as a plain call, for the places that run once per node
# (inlining every use would multiply compile time for no speed).
# (getattr: with NUMBA_DISABLE_JIT=1 the decorators return plain functions)
node_objective_once = serial(getattr(node_objective, "py_func", node_objective))


@hot
def valid_children(left, right, K, params):
    """Whether both children satisfy the minima (rows, hessian, and for the
    Poisson criterion a positive target sum)."""
    msl = params[P_MIN_SAMPLES_LEAF]
    min_h = params[P_MIN_HESSIAN]
    if not (left[K + 1] >= msl and right[K + 1] >= msl and left[K] >= min_h
            and right[K] >= min_h and left[K] > 0.0 and right[K] > 0.0):
        return False
    if params[P_CRITERION] == POISSON:
        for k in range(K):
            if -left[k] <= POISSON_EPS * left[K] or -right[k] <= POISSON_EPS * right[K]:
                return False
    return True


@hot
def monotonic_ok(left, right, K, cst, params, lower, upper):
    """Whether the children's values respect a monotonic constraint."""
    if cst == 0:
        return True
    l2 = params[P_L2]
    l1 = params[P_L1]
    mds = params[P_MAX_DELTA_STEP]
    vl = leaf_value(left[0], left[K], l2, l1, mds, lower, upper)
    vr = leaf_value(right[0], right[K], l2, l1, mds, lower, upper)
    if cst > 0:
        return vl <= vr
    return vl >= vr


@hot
def is_fast(params, cst, lower, upper):
    """Whether the written-out Newton gain applies: Newton criterion without
    L1, clipping or constraint (any number of channels)."""
    return (params[P_CRITERION] == NEWTON and params[P_L1] == 0.0
            and params[P_MAX_DELTA_STEP] <= 0.0 and cst == 0 and lower == -np.inf
            and upper == np.inf)
