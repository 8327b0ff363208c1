"""The gain formula, the split search, the grower and pruning against brute force.

Every reference here works from the raw rows (sums over row masks), never
from histograms: a candidate split is a row mask, its gain is recomputed
from the rows' statistics.
"""
import importlib
import itertools

import numba
import numpy as np
import pytest
from sklearn.metrics import mean_poisson_deviance

from skboost._binning import BinMapper, midpoint_thresholds
from skboost._config import threads
from skboost._grower import GrowerParams, TreeGrower
from skboost._kernels.criterion import (ENTROPY, NEWTON, POISSON, leaf_value, node_objective,
                                        soft_threshold, split_params)
from skboost._kernels.split import (find_splits, find_splits_sorted, select_best_exact,
                                    select_best_splits)
from skboost._presort import ColumnBlocks, ExactSplitter
from skboost._tree import LEAF, Tree, prune_ccp

SEEDS = [0, 1, 2]
INF = np.inf
# A split must beat its parent by more than this fraction of the children's
# objective (the engine's floor against rounding noise on pure nodes).
RELATIVE_GAIN_EPS = 1e-10


# --------------------------------------------------------------------------
# naive references
# --------------------------------------------------------------------------

class P:
    """Regularisation, minima and criterion of a split search."""

    def __init__(self, l2=0.0, l1=0.0, mds=0.0, msl=1, min_h=0.0, crit=NEWTON):
        self.l2, self.l1, self.mds, self.msl, self.min_h = l2, l1, mds, msl, min_h
        self.crit = crit

    def kernel(self):
        """The parameter array of the split kernels."""
        return split_params(self.l2, self.l1, self.mds, float(self.msl), self.min_h,
                            self.crit)

    def __repr__(self):
        return f"P({self.__dict__})"


def ref_T(g, l1):
    return np.sign(g) * max(abs(g) - l1, 0.0)


def ref_leaf(G, H, p, lo=-INF, hi=INF):
    """Newton leaf value of one channel: -T(G) / (H + l2), clipped."""
    D = H + p.l2
    if D <= 0:
        return 0.0
    v = -ref_T(G, p.l1) / D
    if p.mds > 0:
        v = min(max(v, -p.mds), p.mds)
    return min(max(v, lo), hi)


def ref_objective(G, H, p, lo=-INF, hi=INF):
    """sum_k T(G_k)^2 / (H + l2); with clipped leaf values v_k the objective
    -(2 T(G_k) v_k + (H + l2) v_k^2) of the clipped value (as xgboost).
    Entropy / Poisson: sum_k S_k log(S_k / H) over S_k = -G_k > 0 (log2 / ln)."""
    if p.crit != NEWTON:
        if H <= 0:
            return 0.0
        log = np.log2 if p.crit == ENTROPY else np.log
        return float(sum(-Gk * log(-Gk / H) for Gk in np.atleast_1d(G) if -Gk > 0))
    D = H + p.l2
    if D <= 0:
        return 0.0
    clipped = p.mds > 0 or lo > -INF or hi < INF
    total = 0.0
    for Gk in np.atleast_1d(G):
        t = ref_T(Gk, p.l1)
        if clipped:
            v = ref_leaf(Gk, H, p, lo, hi)
            total -= 2 * t * v + D * v * v
        else:
            total += t * t / D
    return total


def row_sums(g, h, rows):
    return g[rows].sum(axis=0), h[rows].sum(), rows.size


def goes_left(bins, b, missing_left, missing_bin):
    return np.where(bins == missing_bin, missing_left == 1, bins <= b)


def gain_from_sums(left, right, parent, p, lo=-INF, hi=INF, mono=0):
    """Gain of a split given the (G_0..G_{K-1}, H, count) sums of both children
    and of the parent; -inf when a minimum, a constraint or the noise floor
    rejects it."""
    K = left.size - 2
    Gl, Hl, nl = left[:K], left[K], left[K + 1]
    Gr, Hr, nr = right[:K], right[K], right[K + 1]
    if nl < p.msl or nr < p.msl or Hl < p.min_h or Hr < p.min_h or Hl <= 0 or Hr <= 0:
        return -INF
    if p.crit == POISSON:   # each child needs a positive target sum
        eps = np.finfo(np.float64).eps
        if np.any(-Gl <= eps * Hl) or np.any(-Gr <= eps * Hr):
            return -INF
    if mono != 0:
        vl = ref_leaf(Gl[0], Hl, p, lo, hi)
        vr = ref_leaf(Gr[0], Hr, p, lo, hi)
        if (mono > 0 and vl > vr) or (mono < 0 and vl < vr):
            return -INF
    children = ref_objective(Gl, Hl, p, lo, hi) + ref_objective(Gr, Hr, p, lo, hi)
    gain = children - ref_objective(parent[:K], parent[K], p, lo, hi)
    if not gain > RELATIVE_GAIN_EPS * abs(children):
        return -INF
    return gain


def _stats(g, h, rows):
    """Per row (g_0..g_{K-1}, h, 1)."""
    return np.column_stack([g[rows], h[rows], np.ones(rows.size)])


def split_gain(X_binned, rows, g, h, f, b, missing_left, missing_bin, p, lo=-INF, hi=INF,
               mono=0):
    """Gain of one candidate recomputed from the rows, -inf if not allowed."""
    mask = goes_left(X_binned[rows, f].astype(np.int64), b, missing_left, missing_bin)
    return gain_from_sums(_stats(g, h, rows[mask]).sum(axis=0),
                          _stats(g, h, rows[~mask]).sum(axis=0),
                          _stats(g, h, rows).sum(axis=0), p, lo, hi, mono)


def brute_force_feature(X_binned, rows, g, h, f, nb, missing_bin, p, lo=-INF, hi=INF,
                        mono=0):
    """Best gain over every threshold and both placements of missing values.

    Thresholds in a gap between the node's bins send the same rows left, so
    each distinct row partition is evaluated once: ``b`` = each bin present in
    the node, and ``b`` below all of them.  Every candidate's sums are taken
    over its own row masks (one matrix product for all candidates)."""
    col = X_binned[rows, f].astype(np.int64)
    present = np.unique(col[col != missing_bin])
    candidates = [(b, ml) for ml in (0, 1) for b in sorted(set(present) | {0}) if b < nb]
    masks = np.array([goes_left(col, b, ml, missing_bin) for b, ml in candidates])
    stats = _stats(g, h, rows)
    left = masks.astype(np.float64) @ stats
    right = (~masks).astype(np.float64) @ stats
    parent = stats.sum(axis=0)
    best = -INF
    for i in range(len(candidates)):
        best = max(best, gain_from_sums(left[i], right[i], parent, p, lo, hi, mono))
    return best


def reference_histogram(X_binned, rows, g, h, nb, missing_bin):
    """One node's histogram; cells that are never to be read are NaN."""
    K = g.shape[1]
    hist = np.full((X_binned.shape[1], missing_bin + 1, K + 2), np.nan)
    for f in range(X_binned.shape[1]):
        hist[f, :nb[f]] = 0.0
        hist[f, missing_bin] = 0.0
        for r in rows:
            b = X_binned[r, f]
            hist[f, b, :K] += g[r]
            hist[f, b, K] += h[r]
            hist[f, b, K + 1] += 1.0
    return hist


def assert_gain_close(got, expected, scale):
    if expected == -INF:
        assert got == -INF
    else:
        assert abs(got - expected) <= 1e-10 * scale + 1e-12, (got, expected)


# --------------------------------------------------------------------------
# criterion kernels
# --------------------------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS)
def test_criterion_kernels_match_reference(seed):
    rng = np.random.default_rng(seed)
    for _ in range(200):
        K = int(rng.choice([1, 3]))
        p = P(l2=float(rng.choice([0.0, 0.5, 3.0])), l1=float(rng.choice([0.0, 0.2, 2.0])),
              mds=float(rng.choice([0.0, 0.3])))
        lo, hi = [(-INF, INF), (-0.1, 0.4), (0.05, INF), (-INF, -0.2)][rng.integers(4)]
        sums = np.empty(K + 2)
        sums[:K] = rng.normal(scale=3, size=K)
        sums[K] = rng.choice([0.0, rng.uniform(0.1, 10)])
        sums[K + 1] = 10.0
        G0 = sums[0]
        assert soft_threshold(G0, p.l1) == ref_T(G0, p.l1)
        np.testing.assert_allclose(leaf_value(G0, sums[K], p.l2, p.l1, p.mds, lo, hi),
                                   ref_leaf(G0, sums[K], p, lo, hi), rtol=1e-14, atol=0)
        np.testing.assert_allclose(node_objective(sums, K, p.kernel(), lo, hi),
                                   ref_objective(sums[:K], sums[K], p, lo, hi),
                                   rtol=1e-12, atol=1e-300)
        for crit in (ENTROPY, POISSON):
            pc = P(crit=crit)
            np.testing.assert_allclose(node_objective(sums, K, pc.kernel(), lo, hi),
                                       ref_objective(sums[:K], sums[K], pc, lo, hi),
                                       rtol=1e-12, atol=1e-300)
        # unclipped: the textbook sum_k T(G_k)^2 / (H + l2)
        if sums[K] + p.l2 > 0:
            expected = sum(ref_T(G, p.l1) ** 2 for G in sums[:K]) / (sums[K] + p.l2)
            unclipped = P(l2=p.l2, l1=p.l1).kernel()
            np.testing.assert_allclose(node_objective(sums, K, unclipped, -INF, INF),
                                       expected, rtol=1e-12, atol=1e-300)


# --------------------------------------------------------------------------
# 4. criterion identities (DESIGN.md table) against brute-force impurities
# --------------------------------------------------------------------------

def weighted_sse(y, w):
    if w.sum() == 0:
        return 0.0
    mean = np.sum(w * y) / np.sum(w)
    return float(np.sum(w * (y - mean) ** 2))


def weighted_gini(y, w, n_classes):
    W = w.sum()
    p = np.array([w[y == k].sum() for k in range(n_classes)]) / W
    return 1.0 - np.sum(p ** 2)


def _obj(sums, K, criterion=NEWTON):
    return node_objective(np.ascontiguousarray(sums), K, P(crit=criterion).kernel(), -INF,
                          INF)


@pytest.mark.parametrize("seed", SEEDS)
def test_gain_equals_weighted_sse_reduction(seed):
    """g = -w*y, h = w, l2 = 0: gain == SSE(parent) - SSE(left) - SSE(right),
    leaf value == weighted mean."""
    rng = np.random.default_rng(seed)
    n = 80
    y = rng.normal(loc=2.0, scale=3.0, size=n)
    w = rng.uniform(0.2, 3.0, size=n)

    def sums(mask):
        return np.array([np.sum(-w[mask] * y[mask]), w[mask].sum(), mask.sum()])

    everything = np.ones(n, dtype=bool)
    for _ in range(50):
        left = rng.random(n) < rng.uniform(0.05, 0.95)
        if left.all() or not left.any():
            continue
        gain = _obj(sums(left), 1) + _obj(sums(~left), 1) - _obj(sums(everything), 1)
        expected = (weighted_sse(y, w) - weighted_sse(y[left], w[left])
                    - weighted_sse(y[~left], w[~left]))
        np.testing.assert_allclose(gain, expected, rtol=1e-9, atol=1e-9 * weighted_sse(y, w))
        s = sums(left)
        np.testing.assert_allclose(leaf_value(s[0], s[1], 0.0, 0.0, 0.0, -INF, INF),
                                   np.average(y[left], weights=w[left]), rtol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_gain_equals_weighted_gini_decrease(seed, n_classes):
    """g_k = -w*[y == k], h = w, l2 = 0: gain == W gini(P) - W_L gini(L) - W_R gini(R),
    leaf values == class proportions."""
    rng = np.random.default_rng(seed)
    n = 90
    y = rng.integers(0, n_classes, size=n)
    w = rng.uniform(0.2, 3.0, size=n)
    onehot = (y[:, None] == np.arange(n_classes)).astype(np.float64)

    def sums(mask):
        return np.concatenate([-(w[mask, None] * onehot[mask]).sum(axis=0),
                               [w[mask].sum(), mask.sum()]])

    everything = np.ones(n, dtype=bool)
    for _ in range(50):
        left = rng.random(n) < rng.uniform(0.05, 0.95)
        if left.all() or not left.any():
            continue
        gain = (_obj(sums(left), n_classes) + _obj(sums(~left), n_classes)
                - _obj(sums(everything), n_classes))
        expected = (w.sum() * weighted_gini(y, w, n_classes)
                    - w[left].sum() * weighted_gini(y[left], w[left], n_classes)
                    - w[~left].sum() * weighted_gini(y[~left], w[~left], n_classes))
        np.testing.assert_allclose(gain, expected, rtol=1e-9, atol=1e-12 * w.sum())
        s = sums(left)
        for k in range(n_classes):
            np.testing.assert_allclose(
                leaf_value(s[k], s[n_classes], 0.0, 0.0, 0.0, -INF, INF),
                w[left & (y == k)].sum() / w[left].sum(), rtol=1e-12, atol=1e-15)


def weighted_entropy(y, w, n_classes):
    p = np.array([w[y == k].sum() for k in range(n_classes)]) / w.sum()
    p = p[p > 0]
    return float(-np.sum(p * np.log2(p)))


def half_poisson_deviance(y, w):
    """sum_i w_i (y_i log(y_i / mu) - y_i + mu) at the weighted mean mu (per output)."""
    y = y.reshape(len(y), -1)
    return sum(0.5 * w.sum() * mean_poisson_deviance(
        y[:, k], np.full(len(y), np.average(y[:, k], weights=w)), sample_weight=w)
        for k in range(y.shape[1]))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n_classes", [2, 4])
def test_entropy_gain_equals_weighted_entropy_decrease(seed, n_classes):
    """ENTROPY, g_k = -w*[y == k], h = w: gain == W H(P) - W_L H(L) - W_R H(R) (bits)."""
    rng = np.random.default_rng(seed)
    n = 90
    y = rng.integers(0, n_classes, size=n)
    y[:3] = 0                                     # a pure child is possible
    w = rng.uniform(0.2, 3.0, size=n)
    onehot = (y[:, None] == np.arange(n_classes)).astype(np.float64)

    def sums(mask):
        return np.concatenate([-(w[mask, None] * onehot[mask]).sum(axis=0),
                               [w[mask].sum(), mask.sum()]])

    everything = np.ones(n, dtype=bool)
    masks = [rng.random(n) < rng.uniform(0.05, 0.95) for _ in range(50)]
    masks.append(np.arange(n) < 3)
    for left in masks:
        if left.all() or not left.any():
            continue
        gain = (_obj(sums(left), n_classes, ENTROPY) + _obj(sums(~left), n_classes, ENTROPY)
                - _obj(sums(everything), n_classes, ENTROPY))
        expected = (w.sum() * weighted_entropy(y, w, n_classes)
                    - w[left].sum() * weighted_entropy(y[left], w[left], n_classes)
                    - w[~left].sum() * weighted_entropy(y[~left], w[~left], n_classes))
        np.testing.assert_allclose(gain, expected, rtol=1e-9, atol=1e-12 * w.sum())


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n_outputs", [1, 2])
def test_poisson_gain_equals_half_deviance_decrease(seed, n_outputs):
    """POISSON, g_k = -w*y_k, h = w: gain == half Poisson deviance decrease."""
    rng = np.random.default_rng(seed)
    n = 70
    y = rng.poisson(2.0, size=(n, n_outputs)).astype(np.float64)
    w = rng.uniform(0.2, 3.0, size=n)

    def sums(mask):
        return np.concatenate([-(w[mask, None] * y[mask]).sum(axis=0),
                               [w[mask].sum(), mask.sum()]])

    everything = np.ones(n, dtype=bool)
    for _ in range(50):
        left = rng.random(n) < rng.uniform(0.1, 0.9)
        if left.all() or not left.any():
            continue
        gain = (_obj(sums(left), n_outputs, POISSON) + _obj(sums(~left), n_outputs, POISSON)
                - _obj(sums(everything), n_outputs, POISSON))
        expected = (half_poisson_deviance(y, w) - half_poisson_deviance(y[left], w[left])
                    - half_poisson_deviance(y[~left], w[~left]))
        np.testing.assert_allclose(gain, expected, rtol=1e-9,
                                   atol=1e-10 * half_poisson_deviance(y, w))


def _run_find_splits(X_binned, node_rows, g, h, nb, missing_bin, p, lower=None, upper=None,
                     mono=None, mask=None, rng=None):
    """Reference histograms -> find_splits -> select_best_splits."""
    n_nodes = len(node_rows)
    n_features = X_binned.shape[1]
    K = g.shape[1]
    rng = rng or np.random.default_rng(0)
    n_slots = n_nodes + 3
    slots = rng.permutation(n_slots)[:n_nodes].astype(np.int64)
    hist = np.full((n_slots, n_features, missing_bin + 1, K + 2), np.nan)
    node_sums = np.empty((n_nodes, K + 2))
    for j, rows in enumerate(node_rows):
        hist[slots[j]] = reference_histogram(X_binned, rows, g, h, nb, missing_bin)
        node_sums[j, :K] = g[rows].sum(axis=0)
        node_sums[j, K] = h[rows].sum()
        node_sums[j, K + 1] = rows.size
    lower = np.full(n_nodes, -INF) if lower is None else np.asarray(lower, dtype=np.float64)
    upper = np.full(n_nodes, INF) if upper is None else np.asarray(upper, dtype=np.float64)
    mono = np.zeros(n_features, dtype=np.int8) if mono is None else np.asarray(mono, np.int8)
    use_mask = mask is not None
    mask_arr = np.zeros((1, 1), dtype=np.uint8) if mask is None else mask.astype(np.uint8)
    gains = np.full((n_nodes, n_features), np.nan)
    bins = np.full((n_nodes, n_features), -9, dtype=np.int32)
    missing = np.full((n_nodes, n_features), 9, dtype=np.uint8)
    find_splits(hist, slots, node_sums, lower, upper, nb, missing_bin, mask_arr, use_mask,
                mono, p.kernel(), gains, bins, missing)
    best = dict(gain=np.empty(n_nodes), feature=np.empty(n_nodes, dtype=np.int32),
                bin=np.empty(n_nodes, dtype=np.int32),
                missing_left=np.empty(n_nodes, dtype=np.uint8),
                left_sums=np.zeros((n_nodes, K + 2)))
    select_best_splits(hist, slots, node_sums, gains, bins, missing, missing_bin,
                       best["gain"], best["feature"], best["bin"], best["missing_left"],
                       best["left_sums"])
    return gains, bins, missing, best, lower, upper, mono


def _check_against_brute_force(X_binned, node_rows, g, h, nb, missing_bin, p, result,
                               mask=None):
    gains, bins, missing, best, lower, upper, mono = result[:7]
    K = g.shape[1]
    n_features = X_binned.shape[1]
    for j, rows in enumerate(node_rows):
        scale = max(1.0, abs(ref_objective(g[rows].sum(axis=0), h[rows].sum(), p,
                                           lower[j], upper[j])))
        for f in range(n_features):
            if mask is not None and not mask[j, f]:
                assert gains[j, f] == -INF
                continue
            expected = brute_force_feature(X_binned, rows, g, h, f, nb[f], missing_bin, p,
                                           lower[j], upper[j], mono[f])
            assert_gain_close(gains[j, f], expected, scale)
            if expected == -INF:
                continue
            # the kernel's own choice is a valid split with the best gain
            chosen = split_gain(X_binned, rows, g, h, f, bins[j, f], missing[j, f],
                                missing_bin, p, lower[j], upper[j], mono[f])
            assert_gain_close(chosen, expected, scale)
            if missing[j, f] == 1:   # only tried when the node has missing values
                assert np.any(X_binned[rows, f] == missing_bin)
        # select_best_splits: first feature of the largest gain
        fbest = int(np.argmax(gains[j]))
        assert best["feature"][j] == fbest
        assert best["gain"][j] == gains[j, fbest]
        assert best["bin"][j] == bins[j, fbest]
        if best["gain"][j] == -INF:
            continue
        col = X_binned[rows, fbest].astype(np.int64)
        go_left = goes_left(col, bins[j, fbest], missing[j, fbest], missing_bin)
        left_rows = rows[go_left]
        expected_left = np.concatenate([g[left_rows].sum(axis=0),
                                        [h[left_rows].sum(), left_rows.size]])
        atol = 1e-12 * (np.abs(g[rows]).sum() + h[rows].sum())
        np.testing.assert_allclose(best["left_sums"][j], expected_left, rtol=1e-12, atol=atol)
        if np.any(col == missing_bin):
            assert best["missing_left"][j] == missing[j, fbest]
        else:   # unseen NaN goes to the child with more rows
            n_left = left_rows.size
            assert best["missing_left"][j] == (1 if n_left >= rows.size - n_left else 0)


SPLIT_PARAMS = [P(l2=1.0), P(l2=0.5, l1=0.3, msl=5, min_h=2.5), P(l2=2.0, l1=1.0, mds=0.4, msl=3),
                P(l2=0.0, msl=1), P(l2=1e-3, l1=0.05, msl=10, min_h=6.3)]


def _split_data(seed, K, n=300):
    rng = np.random.default_rng(seed)
    missing_bin = 16
    nb = np.array([1, 2, 6, 13, 16], dtype=np.int32)
    X_binned = np.empty((n, nb.size), dtype=np.uint8, order="F")
    for f, (b, rate) in enumerate(zip(nb, [0.0, 0.1, 0.0, 0.15, 0.05])):
        col = rng.integers(0, b, size=n)
        col[rng.random(n) < rate] = missing_bin
        X_binned[:, f] = col
    g = rng.normal(size=(n, K))
    # signal on feature 3 so that splits are informative
    g[:, 0] += np.where(X_binned[:, 3] < 6, 1.0, -0.5)
    h = rng.uniform(0.5, 1.5, size=n)
    sizes = [n, 120, 40, 9, 3]
    node_rows = [np.sort(rng.choice(n, size=s, replace=False)).astype(np.int64)
                 for s in sizes]
    return rng, X_binned, g, h, nb, missing_bin, node_rows


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("K", [1, 3])
@pytest.mark.parametrize("pi", range(len(SPLIT_PARAMS)))
@pytest.mark.parametrize("use_mask", [False, True])
@pytest.mark.parametrize("engine", ["hist", "sorted"])
def test_find_splits_matches_brute_force(seed, K, pi, use_mask, engine):
    p = SPLIT_PARAMS[pi]
    rng, X_binned, g, h, nb, missing_bin, node_rows = _split_data(seed, K)
    mask = None
    if use_mask:
        mask = rng.random((len(node_rows), nb.size)) < 0.5
        mask[np.arange(len(node_rows)), rng.integers(0, nb.size, len(node_rows))] = True
    run = _run_find_splits if engine == "hist" else _run_find_splits_sorted
    result = run(X_binned, node_rows, g, h, nb, missing_bin, p, mask=mask, rng=rng)
    _check_against_brute_force(X_binned, node_rows, g, h, nb, missing_bin, p, result, mask)
    if engine == "sorted":
        _check_sorted_extras(X_binned, node_rows, g, h, nb, missing_bin, result, mask)
    gains = result[0]
    assert np.all(gains[:, 0] == -INF)            # a constant feature never splits
    assert np.isfinite(gains[0]).any()            # the root has splits
    assert np.all(gains[4] == -INF) or p.msl == 1  # 3 rows cannot give 2 leaves of >= 3


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("pi", [0, 1, 2])
@pytest.mark.parametrize("engine", ["hist", "sorted"])
def test_find_splits_monotonic_constraints(seed, pi, engine):
    p = SPLIT_PARAMS[pi]
    rng, X_binned, g, h, nb, missing_bin, node_rows = _split_data(seed, 1)
    mono = np.array([1, -1, 1, 1, -1], dtype=np.int8)
    lower = [-INF, -0.2, 0.0, -INF, -INF]
    upper = [INF, 0.3, INF, -0.1, INF]
    run = _run_find_splits if engine == "hist" else _run_find_splits_sorted
    result = run(X_binned, node_rows, g, h, nb, missing_bin, p, lower=lower, upper=upper,
                 mono=mono, rng=rng)
    _check_against_brute_force(X_binned, node_rows, g, h, nb, missing_bin, p, result)
    gains, bins, missing = result[:3]
    changed = 0
    for j, rows in enumerate(node_rows):
        for f in range(nb.size):
            free = brute_force_feature(X_binned, rows, g, h, f, nb[f], missing_bin, p,
                                       lower[j], upper[j], 0)
            changed += free != gains[j, f]
            if gains[j, f] == -INF:
                continue
            mask = goes_left(X_binned[rows, f].astype(np.int64), bins[j, f], missing[j, f],
                             missing_bin)
            vl = ref_leaf(g[rows[mask], 0].sum(), h[rows[mask]].sum(), p, lower[j], upper[j])
            vr = ref_leaf(g[rows[~mask], 0].sum(), h[rows[~mask]].sum(), p, lower[j],
                          upper[j])
            assert (vl <= vr) if mono[f] > 0 else (vl >= vr)
    assert changed > 0   # the constraint did exclude some better splits


IMPURITY_CRITERIA = ["sse", "gini", "entropy", "poisson"]


def _impurity_case(criterion, rng, X_binned):
    """Statistics of a criterion and its brute-force node impurity (weighted)."""
    n = X_binned.shape[0]
    w = rng.uniform(0.2, 3.0, size=n)
    if criterion == "sse":
        y = X_binned[:, 0] * 0.3 + rng.normal(size=n)
        g = (-w * y)[:, None]
        return g, w, NEWTON, lambda m: weighted_sse(y[m], w[m])
    if criterion == "poisson":
        y = rng.poisson(0.5 + X_binned[:, :1] * 0.3).astype(np.float64)
        g = -w[:, None] * y
        return g, w, POISSON, lambda m: half_poisson_deviance(y[m], w[m])
    y = (X_binned[:, 1] + rng.integers(0, 2, size=n)) % 3
    g = -(w[:, None] * (y[:, None] == np.arange(3)))
    if criterion == "gini":
        return g, w, NEWTON, lambda m: w[m].sum() * weighted_gini(y[m], w[m], 3)
    return g, w, ENTROPY, lambda m: w[m].sum() * weighted_entropy(y[m], w[m], 3)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("criterion", IMPURITY_CRITERIA)
def test_find_splits_best_impurity_decrease(seed, criterion):
    """Through the split engines (histogram scan and sorted-row scan): the best
    split's gain is the largest brute-force impurity decrease over all
    thresholds (no missing values, l2 = 0)."""
    rng = np.random.default_rng(seed)
    n = 120
    missing_bin = 10
    nb = np.array([10, 4, 7], dtype=np.int32)
    X_binned = np.asfortranarray(
        np.column_stack([rng.integers(0, b, size=n) for b in nb]).astype(np.uint8))
    g, w, crit, impurity = _impurity_case(criterion, rng, X_binned)
    g = np.ascontiguousarray(g)
    rows = np.arange(n)
    p = P(l2=0.0, crit=crit)
    for run in (_run_find_splits, _run_find_splits_sorted):
        gains = run(X_binned, [rows], g, w, nb, missing_bin, p, rng=rng)[0]
        everything = np.ones(n, dtype=bool)
        for f in range(nb.size):
            decreases = []
            for b in range(nb[f] - 1):
                left = X_binned[:, f] <= b
                if crit == POISSON and (g[left, 0].sum() >= 0 or g[~left, 0].sum() >= 0):
                    continue     # a child without counts is not a valid Poisson split
                decreases.append(impurity(everything) - impurity(left) - impurity(~left))
            np.testing.assert_allclose(gains[0, f], max(decreases), rtol=1e-9)


def _run_find_splits_sorted(X_binned, node_rows, g, h, nb, missing_bin, p, lower=None,
                            upper=None, mono=None, mask=None, rng=None):
    """find_splits_sorted -> select_best_exact, node rows laid out end to end."""
    n_nodes = len(node_rows)
    n_features = X_binned.shape[1]
    K = g.shape[1]
    rng = rng or np.random.default_rng(0)
    positions = [rng.permutation(rows) for rows in node_rows]   # order must not matter
    sample_indices = np.concatenate(positions).astype(np.int32)
    ends = np.cumsum([r.size for r in node_rows]).astype(np.int64)
    starts = (ends - [r.size for r in node_rows]).astype(np.int64)
    node_sums = np.array([np.concatenate([g[r].sum(axis=0), [h[r].sum(), r.size]])
                          for r in node_rows])
    lower = np.full(n_nodes, -INF) if lower is None else np.asarray(lower, dtype=np.float64)
    upper = np.full(n_nodes, INF) if upper is None else np.asarray(upper, dtype=np.float64)
    mono = np.zeros(n_features, dtype=np.int8) if mono is None else np.asarray(mono, np.int8)
    use_mask = mask is not None
    mask_arr = np.zeros((1, 1), dtype=np.uint8) if mask is None else mask.astype(np.uint8)
    gains = np.full((n_nodes, n_features), np.nan)
    bins = np.full((n_nodes, n_features), -9, dtype=np.int32)
    missing = np.full((n_nodes, n_features), 9, dtype=np.uint8)
    left_by_feature = np.zeros((n_nodes, n_features, K + 2))
    missing_count = np.full((n_nodes, n_features), -1.0)
    next_bins = np.full((n_nodes, n_features), -9, dtype=np.int32)
    find_splits_sorted(X_binned, sample_indices, starts, ends, g, h, node_sums, lower, upper,
                       nb, missing_bin, mask_arr, use_mask, mono, p.kernel(), gains, bins,
                       missing, left_by_feature, missing_count, next_bins)
    best = dict(gain=np.empty(n_nodes), feature=np.empty(n_nodes, dtype=np.int32),
                bin=np.empty(n_nodes, dtype=np.int32),
                missing_left=np.empty(n_nodes, dtype=np.uint8),
                left_sums=np.zeros((n_nodes, K + 2)))
    select_best_exact(node_sums, gains, bins, missing, left_by_feature, missing_count,
                      best["gain"], best["feature"], best["bin"], best["missing_left"],
                      best["left_sums"])
    extra = dict(left_by_feature=left_by_feature, missing_count=missing_count,
                 next_bins=next_bins)
    return gains, bins, missing, best, lower, upper, mono, extra


def _check_sorted_extras(X_binned, node_rows, g, h, nb, missing_bin, result, mask=None):
    """Per-feature left sums, missing counts and next present bins of the sorted scan."""
    gains, bins, missing = result[:3]
    extra = result[7]
    for j, rows in enumerate(node_rows):
        for f in range(X_binned.shape[1]):
            if mask is not None and not mask[j, f]:
                continue
            col = X_binned[rows, f].astype(np.int64)
            assert extra["missing_count"][j, f] == np.count_nonzero(col == missing_bin)
            if gains[j, f] == -INF:
                continue
            b, ml = bins[j, f], missing[j, f]
            left_rows = rows[goes_left(col, b, ml, missing_bin)]
            expected = np.concatenate([g[left_rows].sum(axis=0),
                                       [h[left_rows].sum(), left_rows.size]])
            atol = 1e-12 * (np.abs(g[rows]).sum() + h[rows].sum())
            np.testing.assert_allclose(extra["left_by_feature"][j, f], expected, rtol=1e-12,
                                       atol=atol)
            present = col[col != missing_bin]
            above = present[present > b]
            if b == nb[f] - 1:            # "missing or not"
                assert ml == 0 and extra["next_bins"][j, f] == nb[f]
            else:                         # b and the next bin are both present
                assert b in present
                assert extra["next_bins"][j, f] == above.min()


# --------------------------------------------------------------------------
# 8. the grower end to end
# --------------------------------------------------------------------------

def _grower_data(seed, n=150, K=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    X[:, 1] = rng.integers(0, 4, size=n)
    X[rng.random(X.shape) < 0.08] = np.nan
    X[:, 2] = np.where(rng.random(n) < 0.2, np.nan, X[:, 2])
    bm = BinMapper(max_bins=8).fit(X)
    X_binned = bm.transform(X)
    signal = np.nan_to_num(X[:, 0]) + (X[:, 1] == 2) - np.isnan(X[:, 2])
    g = np.ascontiguousarray(rng.normal(size=(n, K)) - signal[:, None]
                             * (np.arange(K) + 1 == 1))
    h = rng.uniform(0.3, 1.7, size=n)
    return rng, X, bm, X_binned, g, h


def _node_best(grower_p, X_binned, rows, g, h, bm):
    p = P(l2=grower_p.l2, l1=grower_p.l1, mds=grower_p.max_delta_step,
          msl=grower_p.min_samples_leaf, min_h=grower_p.min_hessian,
          crit=grower_p.criterion)
    gains = [brute_force_feature(X_binned, rows, g, h, f, bm.n_bins_non_missing_[f],
                                 bm.missing_bin_, p) for f in range(X_binned.shape[1])]
    return p, np.array(gains)


def _check_grown_tree(grown, gp, X, X_binned, g, h, bm, rows_all, exact=False):
    tree = grown.tree
    si = grown.sample_indices
    K = g.shape[1]
    n_nodes = tree.node_count
    assert grown.node_starts[0] == 0 and grown.node_ends[0] == rows_all.size
    np.testing.assert_array_equal(np.sort(si[:rows_all.size]), rows_all)
    depth = np.zeros(n_nodes, dtype=np.int64)
    root_cover = h[rows_all].sum()
    for node in range(n_nodes):
        rows = si[grown.node_starts[node]:grown.node_ends[node]].astype(np.int64)
        G, H, count = row_sums(g, h, rows)
        p = P(l2=gp.l2, l1=gp.l1, mds=gp.max_delta_step)
        assert tree.n_samples[node] == count
        np.testing.assert_allclose(tree.cover[node], H, rtol=1e-12)
        expected_value = [ref_leaf(Gk, H, p) for Gk in G]
        np.testing.assert_allclose(tree.value[node], expected_value, rtol=1e-10, atol=1e-12)
        if gp.l1 == 0 and gp.max_delta_step == 0:
            np.testing.assert_allclose(tree.value[node], -G / (H + gp.l2), rtol=1e-10,
                                       atol=1e-12)
        splittable = (depth[node] < gp.max_depth and count >= gp.min_samples_split
                      and count >= 2 * gp.min_samples_leaf and H >= 2 * gp.min_hessian)
        if tree.left[node] == LEAF:
            # no valid split was missed
            if splittable:
                _, gains = _node_best(gp, X_binned, rows, g, h, bm)
                best = gains.max()
                assert not (best > gp.min_split_gain * (1 + 1e-9) + 1e-9
                            and best >= gp.min_impurity_decrease * root_cover * (1 + 1e-9)
                            + 1e-9) or gp.max_leaf_nodes is not None, (node, best)
            continue
        assert splittable
        left, right = tree.left[node], tree.right[node]
        depth[left] = depth[right] = depth[node] + 1
        f, b, ml = tree.feature[node], tree.threshold_bin[node], tree.missing_left[node]
        _, gains = _node_best(gp, X_binned, rows, g, h, bm)
        scale = max(1.0, abs(ref_objective(G, H, P(l2=gp.l2, l1=gp.l1, crit=gp.criterion))))
        # the node's split is the brute-force best split of its rows
        assert_gain_close(tree.gain[node], gains.max(), scale)
        assert tree.gain[node] > gp.min_split_gain
        # children hold exactly the rows sent left / right, in row order
        mask = goes_left(X_binned[rows, f].astype(np.int64), b, ml, bm.missing_bin_)
        left_rows = si[grown.node_starts[left]:grown.node_ends[left]]
        right_rows = si[grown.node_starts[right]:grown.node_ends[right]]
        np.testing.assert_array_equal(np.sort(left_rows), np.sort(rows[mask]))
        np.testing.assert_array_equal(np.sort(right_rows), np.sort(rows[~mask]))
        # the raw threshold separates the node's present values as the bins do
        x = X[rows, f]
        present = ~np.isnan(x)
        np.testing.assert_array_equal(x[present] <= tree.threshold[node], mask[present])
        if not exact:       # histogram engine: the bin's upper edge
            assert tree.threshold[node] == bm.bin_upper_edge(f, b)
        elif b < bm.n_bins_non_missing_[f] - 1:   # exact: midway within the node
            lo_v, hi_v = x[present & mask].max(), x[present & ~mask].min()
            assert tree.threshold[node] == midpoint_thresholds(lo_v, hi_v)
    # the raw-threshold tree sends every training row to its leaf
    leaf_of = np.empty(X.shape[0], dtype=np.int64)
    for leaf in grown.leaves:
        leaf_of[si[grown.node_starts[leaf]:grown.node_ends[leaf]]] = leaf
    np.testing.assert_array_equal(tree.predict(X[rows_all]), tree.value[leaf_of[rows_all]])


GROWER_PARAMS = [
    dict(max_depth=3, min_samples_leaf=3, l2=1.0),
    dict(max_depth=4, min_samples_leaf=1, l2=0.0, min_samples_split=10),
    dict(max_depth=5, min_samples_leaf=5, l2=0.5, l1=0.4, min_hessian=4.0),
    dict(max_depth=4, min_samples_leaf=2, l2=1.0, min_split_gain=0.5, max_delta_step=0.6),
    dict(max_depth=6, min_samples_leaf=4, l2=1.0, min_impurity_decrease=0.01),
]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("K", [1, 3])
@pytest.mark.parametrize("pi", range(len(GROWER_PARAMS)))
def test_grower_depthwise_nodes_are_brute_force_best(seed, K, pi):
    _, X, bm, X_binned, g, h = _grower_data(seed, K=K)
    gp = GrowerParams(**GROWER_PARAMS[pi])
    grower = TreeGrower(X_binned, bm, K, gp)
    rows = np.arange(X.shape[0], dtype=np.int32)
    grown = grower.grow(g, h, rows)
    assert grown.tree.node_count > 1
    _check_grown_tree(grown, gp, X, X_binned, g, h, bm, rows.astype(np.int64))


def _criterion_data(seed, criterion, n=160):
    """Data for the impurity criteria: one-hot classes or Poisson counts."""
    rng = np.random.default_rng(seed)
    X = np.round(rng.normal(size=(n, 3)), 1)
    X[rng.random(X.shape) < 0.08] = np.nan
    w = rng.uniform(0.3, 2.0, size=n)
    score = np.nan_to_num(X[:, 0]) + np.isnan(X[:, 1])
    if criterion == POISSON:
        y = rng.poisson(np.exp(0.5 * score)).astype(np.float64)
        return rng, X, np.ascontiguousarray(-(w * y)[:, None]), w, 1
    y = np.clip(np.round(score + rng.normal(scale=0.5, size=n)), -1, 1).astype(int) + 1
    g = -(w[:, None] * (y[:, None] == np.arange(3)))
    return rng, X, np.ascontiguousarray(g), w, 3


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("criterion", [NEWTON, ENTROPY, POISSON])
@pytest.mark.parametrize("engine", ["hist", "exact"])
def test_grower_criteria_and_engines(seed, criterion, engine):
    """Gini (Newton, one-hot), entropy and Poisson trees from the histogram and
    the exact engine: every node is the brute-force best split of its rows."""
    _, X, g, h, K = _criterion_data(seed, criterion)
    gp = GrowerParams(max_depth=4, min_samples_leaf=3, l2=0.0, criterion=criterion)
    if engine == "hist":
        bm = BinMapper(max_bins=16).fit(X)
        X_binned = bm.transform(X)
        grower = TreeGrower(X_binned, bm, K, gp)
    else:
        bm = ColumnBlocks().fit(X)
        X_binned = bm.X_rank_
        grower = TreeGrower(X_binned, bm, K, gp, splitter=ExactSplitter(bm))
    rows = np.arange(X.shape[0], dtype=np.int32)
    grown = grower.grow(g, h, rows)
    assert grown.tree.node_count > 3
    _check_grown_tree(grown, gp, X, X_binned, g, h, bm, rows.astype(np.int64),
                      exact=engine == "exact")


PURE_WEIGHTS = np.array([0.67, 0.34, 0.14, 0.11, 0.83, 0.92, 0.65, 0.76, 0.59, 0.94, 0.83,
                         0.1])


@pytest.mark.parametrize("criterion", [NEWTON, ENTROPY, POISSON])
@pytest.mark.parametrize("engine", ["hist", "exact"])
def test_grower_does_not_split_pure_nodes(criterion, engine):
    """A node of zero impurity (one class; a constant Poisson target) has no
    split with a positive impurity decrease: it must stay a leaf, whatever
    rounding noise its sums carry (they come from parent - sibling)."""
    X = np.arange(12.0)[:, None]
    w = PURE_WEIGHTS
    if criterion == POISSON:
        y = np.array([0, 3, 0, 2, 5, 1, 1, 1, 1, 1, 1, 1.0])
        g = np.ascontiguousarray(-(w * y)[:, None])
        K = 1
    else:
        y = np.array([0, 1, 0, 1, 0, 1, 2, 2, 2, 2, 2, 2])
        g = np.ascontiguousarray(-(w[:, None] * (y[:, None] == np.arange(3))))
        K = 3
    gp = GrowerParams(min_samples_leaf=1, criterion=criterion)
    if engine == "hist":
        bm = BinMapper().fit(X)
        grower = TreeGrower(bm.transform(X), bm, K, gp)
    else:
        bm = ColumnBlocks().fit(X)
        grower = TreeGrower(bm.X_rank_, bm, K, gp, splitter=ExactSplitter(bm))
    grown = grower.grow(g, w, np.arange(12, dtype=np.int32))
    tree = grown.tree
    for node in np.flatnonzero(tree.left != LEAF):
        rows = grown.sample_indices[grown.node_starts[node]:grown.node_ends[node]]
        assert np.unique(y[rows]).size > 1, (node, tree.gain[node])
    if criterion != POISSON:   # as scikit-learn: 6 leaves on the left half, 1 on the right
        assert tree.get_n_leaves() == 7


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("K", [1, 3])
@pytest.mark.parametrize("pi", [0, 2, 3])
def test_grower_exact_engine(seed, K, pi):
    """The exact engine (presorted blocks, thresholds between distinct values)."""
    rng = np.random.default_rng(seed)
    n = 140
    X = np.round(rng.normal(size=(n, 3)), 1)
    X[:, 1] = rng.integers(0, 4, size=n)
    X[rng.random(X.shape) < 0.08] = np.nan
    signal = np.nan_to_num(X[:, 0]) + (X[:, 1] == 2)
    g = np.ascontiguousarray(rng.normal(size=(n, K)) - signal[:, None] * (np.arange(K) == 0))
    h = rng.uniform(0.3, 1.7, size=n)
    blocks = ColumnBlocks().fit(X)
    gp = GrowerParams(**GROWER_PARAMS[pi])
    grower = TreeGrower(blocks.X_rank_, blocks, K, gp, splitter=ExactSplitter(blocks))
    rows = np.flatnonzero(rng.random(n) < 0.9).astype(np.int32)
    grown = grower.grow(g, h, rows)
    assert grown.tree.node_count > 1
    _check_grown_tree(grown, gp, X, blocks.X_rank_, g, h, blocks, rows.astype(np.int64),
                      exact=True)


@pytest.mark.parametrize("seed", SEEDS)
def test_grower_on_row_subset(seed):
    rng, X, bm, X_binned, g, h = _grower_data(seed, n=200)
    gp = GrowerParams(max_depth=4, min_samples_leaf=2, l2=1.0)
    grower = TreeGrower(X_binned, bm, 1, gp)
    rows = np.flatnonzero(rng.random(X.shape[0]) < 0.6).astype(np.int32)
    grown = grower.grow(g, h, rows)
    _check_grown_tree(grown, gp, X, X_binned, g, h, bm, rows.astype(np.int64))
    # the buffers are reused: a second tree on all rows is correct too
    all_rows = np.arange(X.shape[0], dtype=np.int32)
    grown = grower.grow(g, h, all_rows)
    _check_grown_tree(grown, gp, X, X_binned, g, h, bm, all_rows.astype(np.int64))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("max_leaf_nodes", [2, 5, 9])
def test_grower_best_first(seed, max_leaf_nodes):
    _, X, bm, X_binned, g, h = _grower_data(seed)
    gp = GrowerParams(max_leaf_nodes=max_leaf_nodes, min_samples_leaf=3, l2=1.0)
    grower = TreeGrower(X_binned, bm, 1, gp)
    rows = np.arange(X.shape[0], dtype=np.int32)
    grown = grower.grow(g, h, rows)
    tree = grown.tree
    _check_grown_tree(grown, gp, X, X_binned, g, h, bm, rows.astype(np.int64))
    assert tree.get_n_leaves() == max_leaf_nodes   # enough signal to reach the limit
    # best first: each expansion took the open leaf of largest gain. Children
    # ids are given at expansion, so expansion order = order of left child ids.
    si = grown.sample_indices

    def gain_of(node):
        if tree.left[node] != LEAF:
            return tree.gain[node]
        r = si[grown.node_starts[node]:grown.node_ends[node]].astype(np.int64)
        if r.size < gp.min_samples_split or r.size < 2 * gp.min_samples_leaf:
            return -INF
        return _node_best(gp, X_binned, r, g, h, bm)[1].max()

    internal = np.flatnonzero(tree.left != LEAF)
    order = internal[np.argsort(tree.left[internal])]
    open_nodes = {0}
    for node in order:
        assert node in open_nodes
        others = [gain_of(o) for o in open_nodes]
        assert gain_of(node) >= max(others) * (1 - 1e-9) - 1e-9
        open_nodes.remove(node)
        open_nodes.update([tree.left[node], tree.right[node]])


@pytest.mark.parametrize("engine", ["hist", "exact"])
def test_grower_does_not_depend_on_thread_count(engine):
    """Deterministic sums: the same tree, bit for bit, on 1 thread and on all."""
    _, X, bm, X_binned, g, h = _grower_data(5, n=3000, K=2)
    gp = GrowerParams(max_depth=6, min_samples_leaf=5, l2=1.0)
    if engine == "exact":
        bm = ColumnBlocks().fit(X)
        X_binned = bm.X_rank_
    trees = []
    for n_threads in sorted({1, numba.config.NUMBA_NUM_THREADS}):
        with threads(n_threads):
            splitter = ExactSplitter(bm) if engine == "exact" else None
            grower = TreeGrower(X_binned, bm, 2, gp, splitter=splitter)
            trees.append(grower.grow(g, h, np.arange(X.shape[0], dtype=np.int32)).tree)
    for name in trees[0].FIELDS:
        np.testing.assert_array_equal(getattr(trees[0], name), getattr(trees[-1], name),
                                      err_msg=name)


def _budget_module():
    """The module holding the histogram memory budget (it moved once already)."""
    for name in ("skboost._histogram", "skboost._grower"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "HISTOGRAM_MEMORY_BUDGET"):
            return module
    raise AssertionError("HISTOGRAM_MEMORY_BUDGET not found")


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("K", [1, 2])
def test_grower_histogram_memory_budget_path(seed, K, monkeypatch):
    """With room for only 4 histograms, children are built directly in batches
    instead of by subtraction: the tree must not change."""
    _, X, bm, X_binned, g, h = _grower_data(seed, n=300, K=K)
    gp = GrowerParams(max_depth=6, min_samples_leaf=2, l2=1.0)
    rows = np.arange(X.shape[0], dtype=np.int32)
    reference = TreeGrower(X_binned, bm, K, gp).grow(g, h, rows)
    monkeypatch.setattr(_budget_module(), "HISTOGRAM_MEMORY_BUDGET", 1)
    small = TreeGrower(X_binned, bm, K, gp)
    holder = getattr(small, "splitter", small)   # the histogram pool's owner
    assert holder._max_slots == 4
    grown = small.grow(g, h, rows)
    assert holder._pool.shape[0] <= 4
    # Same tree up to the tie "missing | present" == "present | missing"
    # (children swapped), which rounding may break either way: compare the
    # row partitions, gains and values of the nodes, keyed by their rows.
    a, b = _partition_signature(grown), _partition_signature(reference)
    assert a.keys() == b.keys()
    for rows_key, (children, gain, value) in a.items():
        children_ref, gain_ref, value_ref = b[rows_key]
        assert children == children_ref
        np.testing.assert_allclose(gain, gain_ref, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(value, value_ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grown.tree.predict(X), reference.tree.predict(X), rtol=1e-10,
                               atol=1e-12)
    _check_grown_tree(grown, gp, X, X_binned, g, h, bm, rows.astype(np.int64))


def _partition_signature(grown):
    """{rows of node: ({rows of left, rows of right} or None, gain, value)}."""
    si = grown.sample_indices
    tree = grown.tree

    def rows_of(node):
        return frozenset(si[grown.node_starts[node]:grown.node_ends[node]].tolist())

    out = {}
    for node in range(tree.node_count):
        children = None
        if tree.left[node] != LEAF:
            children = frozenset([rows_of(tree.left[node]), rows_of(tree.right[node])])
        out[rows_of(node)] = (children, tree.gain[node], tree.value[node])
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_grower_max_features_uses_drawn_features(seed):
    """Each node's split is the best over *some* subset of max_features features:
    its gain is the brute-force best of its own feature, and never above the
    best over all features."""
    rng, X, bm, X_binned, g, h = _grower_data(seed)
    gp = GrowerParams(max_depth=4, min_samples_leaf=2, l2=1.0, max_features=1)
    grown = TreeGrower(X_binned, bm, 1, gp).grow(g, h, np.arange(X.shape[0], dtype=np.int32),
                                                 np.random.RandomState(seed))
    tree = grown.tree
    si = grown.sample_indices
    for node in np.flatnonzero(tree.left != LEAF):
        rows = si[grown.node_starts[node]:grown.node_ends[node]].astype(np.int64)
        _, gains = _node_best(gp, X_binned, rows, g, h, bm)
        scale = max(1.0, abs(gains.max()))
        assert_gain_close(tree.gain[node], gains[tree.feature[node]], scale)


def _subtree_leaves(tree, node):
    stack, leaves = [node], []
    while stack:
        n = stack.pop()
        if tree.left[n] == LEAF:
            leaves.append(n)
        else:
            stack += [tree.left[n], tree.right[n]]
    return leaves


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("cst", [1, -1])
def test_grower_monotonic_constraints(seed, cst):
    """Below every split on a constrained feature, every leaf of the left subtree
    is <= (cst = 1) / >= (cst = -1) every leaf of the right subtree, so the
    predictions are monotonic along that feature."""
    rng = np.random.default_rng(seed)
    n = 300
    X = rng.uniform(-2, 2, size=(n, 2))
    # a monotonic trend with strong wiggles that the constraint must flatten
    y = cst * X[:, 0] + 3 * np.sin(6 * X[:, 0]) + X[:, 1] + rng.normal(scale=0.3, size=n)
    bm = BinMapper(max_bins=32).fit(X)
    X_binned = bm.transform(X)
    gp = GrowerParams(max_depth=6, min_samples_leaf=2, l2=1.0,
                      monotonic_cst=np.array([cst, 0], dtype=np.int8))
    g = np.ascontiguousarray(-y[:, None])
    grown = TreeGrower(X_binned, bm, 1, gp).grow(g, np.ones(n), np.arange(n, dtype=np.int32))
    tree = grown.tree
    constrained = np.flatnonzero((tree.left != LEAF) & (tree.feature == 0))
    assert constrained.size >= 3
    for node in constrained:
        vl = tree.value[_subtree_leaves(tree, tree.left[node]), 0]
        vr = tree.value[_subtree_leaves(tree, tree.right[node]), 0]
        if cst > 0:
            assert vl.max() <= vr.min(), (node, vl, vr)
        else:
            assert vl.min() >= vr.max(), (node, vl, vr)
    grid = np.linspace(-2.5, 2.5, 101)
    for x1 in np.linspace(-2, 2, 9):
        pred = tree.predict(np.column_stack([grid, np.full_like(grid, x1)]))[:, 0]
        assert np.all(np.diff(pred) * cst >= 0), (x1, pred)


@pytest.mark.parametrize("engine", ["hist", "sorted"])
@pytest.mark.parametrize("K", [1, 2])
def test_gain_noise_floor(engine, K):
    """A small real gain (relative 2.5e-7) is kept; rounding noise on a node of
    identical gradients (Newton criterion) is not a split."""
    rng = np.random.default_rng(0)
    n = 40
    X_binned = np.asfortranarray(np.repeat(np.arange(4, dtype=np.uint8), n // 4)[:, None])
    nb = np.array([4], dtype=np.int32)
    a, d = 0.1, 1e-4
    g_real = np.where(X_binned[:, 0] < 2, a, a + d)    # gain n d^2 / 4 per channel
    g_pure = np.full(n, a)
    h = np.ones(n)
    run = _run_find_splits if engine == "hist" else _run_find_splits_sorted
    rows = rng.permutation(n)
    for column, expected in ((g_real, n * d * d / 4 * K), (g_pure, -INF)):
        gk = np.ascontiguousarray(np.column_stack([column] * K))
        gains = run(X_binned, [rows], gk, h, nb, 4, P(l2=0.0))[0]
        if expected == -INF:
            assert gains[0, 0] == -INF, gains
        else:
            np.testing.assert_allclose(gains[0, 0], expected, rtol=1e-4)


@pytest.mark.parametrize("engine", ["hist", "sorted"])
def test_unseen_missing_values_follow_the_larger_child(engine):
    """No NaN in the node's chosen feature: missing_left = (n_left >= n_right),
    ties included."""
    missing_bin = 4
    nb = np.array([4, 4], dtype=np.int32)
    X_binned = np.asfortranarray(np.array(
        [[0, 4], [0, 4], [1, 4], [2, 4], [3, 4], [3, 4],       # node 0: split 3 | 3
         [0, 0], [1, 0], [3, 0], [3, 0], [3, 0],               # node 1: split 2 | 3
         [0, 1], [0, 1], [0, 1], [2, 1]], dtype=np.uint8))     # node 2: split 3 | 1
    g = np.array([-5, -5, -5, 5, 5, 5, -5, -5, 5, 5, 5, -5, -5, -5, 5],
                 dtype=np.float64)[:, None]
    h = np.ones(15)
    node_rows = [np.arange(6), np.arange(6, 11), np.arange(11, 15)]
    run = _run_find_splits if engine == "hist" else _run_find_splits_sorted
    gains, bins, missing, best = run(X_binned, node_rows, g, h, nb, missing_bin, P(l2=1.0))[:4]
    np.testing.assert_array_equal(best["feature"], [0, 0, 0])
    np.testing.assert_array_equal(best["left_sums"][:, 2], [3, 2, 3])
    np.testing.assert_array_equal(best["missing_left"], [1, 0, 1])


# --------------------------------------------------------------------------
# cost-complexity pruning
# --------------------------------------------------------------------------

def brute_force_ccp(tree, risk, alpha):
    """Smallest pruned subtree minimising R(T) + alpha |leaves(T)| (enumeration)."""

    def subtrees(node):
        options = [(risk[node], 1, frozenset([node]))]
        if tree.left[node] != LEAF:
            for (rl, nl, sl), (rr, nr, sr) in itertools.product(subtrees(tree.left[node]),
                                                                subtrees(tree.right[node])):
                options.append((rl + rr, nl + nr, sl | sr | {node}))
        return options

    options = subtrees(0)
    costs = np.array([r + alpha * n for r, n, _ in options])
    best = costs.min()
    tied = [o for o, c in zip(options, costs) if c <= best + 1e-12 * max(1.0, abs(best))]
    smallest = min(tied, key=lambda o: len(o[2]))
    keep = np.zeros(tree.node_count, dtype=bool)
    keep[list(smallest[2])] = True
    return keep


def _sse_risk(grown, g, h):
    """Weighted SSE of y = -g / h around each node's mean, over the root weight."""
    si = grown.sample_indices
    y = -g[:, 0] / h
    risk = np.empty(grown.tree.node_count)
    for node in range(risk.size):
        rows = si[grown.node_starts[node]:grown.node_ends[node]]
        risk[node] = weighted_sse(y[rows], h[rows])
    return risk / h[si[:grown.node_ends[0]]].sum()


@pytest.mark.parametrize("seed", SEEDS)
def test_prune_ccp_matches_brute_force(seed):
    _, X, bm, X_binned, g, h = _grower_data(seed, n=120)
    gp = GrowerParams(max_depth=4, min_samples_leaf=2, l2=0.0)
    grown = TreeGrower(X_binned, bm, 1, gp).grow(g, h, np.arange(X.shape[0], dtype=np.int32))
    tree = grown.tree
    assert tree.get_n_leaves() >= 6
    risk = _sse_risk(grown, g, h)
    np.testing.assert_array_equal(prune_ccp(tree, risk, 0.0), np.ones(tree.node_count, bool))
    total = risk[0] - risk[tree.left == LEAF].sum()
    kept_sizes = set()
    for alpha in np.geomspace(1e-4, 2.0, 25) * total:
        keep = prune_ccp(tree, risk, alpha)
        np.testing.assert_array_equal(keep, brute_force_ccp(tree, risk, alpha), err_msg=alpha)
        kept_sizes.add(int(keep.sum()))
    assert len(kept_sizes) >= 3       # the alphas did walk through the pruning sequence
    assert 1 in kept_sizes


def _random_risk_tree(rng, depth):
    """A random full-ish tree with risks: leaves random, parent = children + gap."""
    left, right = [LEAF], [LEAF]
    frontier = [(0, 0)]
    while frontier:
        node, d = frontier.pop(0)
        if d < depth and (node == 0 or rng.random() < 0.8):
            left[node] = len(left)
            right[node] = len(left) + 1
            left += [LEAF, LEAF]
            right += [LEAF, LEAF]
            frontier += [(left[node], d + 1), (right[node], d + 1)]
    n = len(left)
    left = np.array(left, dtype=np.int32)
    right = np.array(right, dtype=np.int32)
    risk = np.zeros(n)
    for node in range(n - 1, -1, -1):
        if left[node] == LEAF:
            risk[node] = rng.uniform(0, 1)
        else:
            risk[node] = risk[left[node]] + risk[right[node]] + rng.exponential(0.3)
    tree = Tree(feature=np.zeros(n, np.int32), threshold=np.zeros(n),
                threshold_bin=np.zeros(n, np.int32), missing_left=np.zeros(n, np.uint8),
                left=left, right=right, value=np.zeros((n, 1)), gain=np.zeros(n),
                cover=np.ones(n), n_samples=np.ones(n, np.int64))
    return tree, risk


@pytest.mark.parametrize("seed", range(6))
def test_prune_ccp_random_trees(seed):
    rng = np.random.default_rng(seed)
    tree, risk = _random_risk_tree(rng, depth=4)
    for alpha in rng.uniform(0, 1.5, size=15):
        np.testing.assert_array_equal(prune_ccp(tree, risk, alpha),
                                      brute_force_ccp(tree, risk, alpha), err_msg=alpha)


@pytest.mark.parametrize("seed", SEEDS)
def test_grown_tree_prune_keeps_rows_and_values(seed):
    """GrownTree.prune: kept nodes keep their rows and values; a row lands in
    the deepest kept node on its original path."""
    _, X, bm, X_binned, g, h = _grower_data(seed, n=120)
    gp = GrowerParams(max_depth=4, min_samples_leaf=2, l2=0.0)
    grown = TreeGrower(X_binned, bm, 1, gp).grow(g, h, np.arange(X.shape[0], dtype=np.int32))
    original = grown.tree
    starts, ends = grown.node_starts.copy(), grown.node_ends.copy()
    risk = _sse_risk(grown, g, h)
    alpha = 0.3 * (risk[0] - risk[original.left == LEAF].sum()) / original.get_n_leaves()
    keep = prune_ccp(original, risk, alpha)
    assert 1 < keep.sum() < original.node_count
    grown.prune(risk, alpha)
    pruned = grown.tree
    kept = np.flatnonzero(keep)
    assert pruned.node_count == kept.size
    np.testing.assert_array_equal(grown.node_starts, starts[kept])
    np.testing.assert_array_equal(grown.node_ends, ends[kept])
    np.testing.assert_array_equal(pruned.value, original.value[kept])
    expected = np.empty(X.shape[0])
    for i, x in enumerate(X):
        node = 0
        while original.left[node] != LEAF and keep[original.left[node]]:
            v = x[original.feature[node]]
            go_left = (original.missing_left[node] == 1 if np.isnan(v)
                       else v <= original.threshold[node])
            node = original.left[node] if go_left else original.right[node]
        expected[i] = original.value[node, 0]
    np.testing.assert_array_equal(pruned.predict(X)[:, 0], expected)
    assert np.all(pruned.gain[pruned.left == LEAF] == 0.0)
    assert np.all(pruned.right[pruned.left == LEAF] == LEAF)
