"""Every optimised kernel against a naive reference written in plain numpy/Python.

Binning, histograms (and subtraction), partition, prediction and losses.  The
split search, the criterion identities, the grower and pruning are in
``test_criterion.py``.

Arrays are handed to the kernels with exactly the dtypes and layouts the
engine uses (see ``skboost/_dtypes.py``), so the tests load the kernels from
numba's cache instead of compiling new specialisations.
"""
import numba
import numpy as np
import pytest
from sklearn._loss import loss as sk_loss
from sklearn.utils.stats import _weighted_percentile

from skboost import _losses
from skboost._binning import BinMapper
from skboost._config import threads
from skboost._kernels import losses as K_
from skboost._kernels.binning import map_to_bins
from skboost._kernels.histogram import (build_histograms, build_root_gradients, gather_stats,
                                        subtract_histograms)
from skboost._kernels.categorical import BITSET_WORDS
from skboost._kernels.partition import PARTITION_CHUNK, partition_nodes
from skboost._kernels.predict import apply_raw, predict_binned, predict_raw
from skboost._tree import LEAF, Forest, Tree, pack_trees

SEEDS = [0, 1, 2]


# --------------------------------------------------------------------------
# helpers: random binned data and node layouts
# --------------------------------------------------------------------------

def random_binned(rng, n_samples, n_bins_non_missing, missing_bin, missing_rate):
    """uint8 F-ordered bins: feature f in [0, nb[f]) or the missing bin."""
    n_features = len(n_bins_non_missing)
    X = np.empty((n_samples, n_features), dtype=np.uint8, order="F")
    for f, nb in enumerate(n_bins_non_missing):
        col = rng.integers(0, nb, size=n_samples)
        col[rng.random(n_samples) < missing_rate[f]] = missing_bin
        X[:, f] = col
    return X


def random_node_ranges(rng, n_samples, n_nodes):
    """Disjoint position ranges [start, end) with gaps between some of them."""
    cuts = np.sort(rng.choice(np.arange(1, n_samples), size=2 * n_nodes - 1, replace=False))
    bounds = np.concatenate([[0], cuts, [n_samples]])
    starts = bounds[0::2][:n_nodes]
    ends = bounds[1::2][:n_nodes]
    # some nodes are directly adjacent: close a few gaps
    for j in range(n_nodes - 1):
        if rng.random() < 0.5:
            ends[j] = starts[j + 1]
    return starts.astype(np.int64), ends.astype(np.int64)


def naive_histograms(X_binned, sample_indices, g, h, starts, ends, slots, n_slots,
                     n_bins_non_missing, missing_bin):
    """Histograms by np.add.at straight from the rows; unwritten cells stay NaN."""
    n_features = X_binned.shape[1]
    K = g.shape[1]
    hist = np.full((n_slots, n_features, missing_bin + 1, K + 2), np.nan)
    for j in range(len(starts)):
        rows = sample_indices[starts[j]:ends[j]]
        for f in range(n_features):
            hf = hist[slots[j], f]
            hf[:n_bins_non_missing[f]] = 0.0
            hf[missing_bin] = 0.0
            bins = X_binned[rows, f].astype(np.int64)
            for k in range(K):
                np.add.at(hf[:, k], bins, g[rows, k])
            np.add.at(hf[:, K], bins, h[rows])
            np.add.at(hf[:, K + 1], bins, 1.0)
    return hist


def kernel_histograms(X_binned, sample_indices, g, h, starts, ends, slots, hist,
                      n_bins_non_missing, missing_bin, unit_hessian=False):
    n_samples = X_binned.shape[0]
    ordered_g = np.full((n_samples, g.shape[1]), np.nan)
    ordered_h = np.full(n_samples, np.nan)
    gather_stats(sample_indices, g, h, starts, ends, True, ordered_g, ordered_h)
    build_histograms(X_binned, sample_indices, ordered_g, ordered_h, starts, ends, slots,
                     n_bins_non_missing, missing_bin, unit_hessian, False, hist)
    return hist


# --------------------------------------------------------------------------
# 1. binning
# --------------------------------------------------------------------------

def naive_bins(X, thresholds, missing_bin):
    out = np.empty(X.shape, dtype=np.int64)
    for f, t in enumerate(thresholds):
        col = X[:, f]
        out[:, f] = np.searchsorted(t, col, side="left")
        out[np.isnan(col), f] = missing_bin
    return out


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n_samples", [1, 37, 5000])
def test_map_to_bins_matches_searchsorted(seed, n_samples):
    rng = np.random.default_rng(seed)
    counts = [0, 1, 7, 254, 30]
    thresholds = [np.unique(rng.normal(size=c)) for c in counts]
    X = rng.normal(scale=1.5, size=(n_samples, len(counts)))
    # values exactly on thresholds (x == t goes to the bin whose upper edge is t)
    for f, t in enumerate(thresholds):
        if t.size:
            on = rng.random(n_samples) < 0.2
            X[on, f] = rng.choice(t, size=on.sum())
    X[rng.random(X.shape) < 0.1] = np.nan
    X[rng.random(X.shape) < 0.02] = np.inf
    X[rng.random(X.shape) < 0.02] = -np.inf
    flat = np.ascontiguousarray(np.concatenate(thresholds), dtype=np.float64)
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([t.size for t in thresholds])
    missing_bin = 255
    out = np.zeros(X.shape, dtype=np.uint8, order="F")
    map_to_bins(np.ascontiguousarray(X), flat, offsets, missing_bin, out)
    np.testing.assert_array_equal(out, naive_bins(X, thresholds, missing_bin))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("max_bins", [2, 7, 255])
def test_bin_mapper_transform_matches_searchsorted(seed, max_bins):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(400, 4))
    X[:, 1] = rng.integers(0, 5, size=400)          # few distinct values
    X[:, 3] = np.round(X[:, 3], 1)
    X[rng.random(X.shape) < 0.1] = np.nan
    bm = BinMapper(max_bins=max_bins).fit(X)
    assert bm.missing_bin_ == max_bins
    np.testing.assert_array_equal(bm.n_bins_non_missing_,
                                  [t.size + 1 for t in bm.thresholds_])
    assert all(t.size <= max_bins - 1 for t in bm.thresholds_)
    for t in bm.thresholds_:
        assert np.all(np.diff(t) > 0)
    # new data, including values beyond the fitted range and on thresholds
    X_new = rng.normal(scale=3.0, size=(300, 4))
    for f, t in enumerate(bm.thresholds_):
        if t.size:
            X_new[:50, f] = rng.choice(t, size=50)
    X_new[rng.random(X_new.shape) < 0.1] = np.nan
    for data in (X, X_new):
        out = bm.transform(data)
        assert out.dtype == np.uint8 and out.flags.f_contiguous
        expected = naive_bins(data, bm.thresholds_, bm.missing_bin_)
        np.testing.assert_array_equal(out, expected)
        # non-missing bins stay below n_bins_non_missing
        present = ~np.isnan(data)
        assert np.all(out[present] < np.broadcast_to(bm.n_bins_non_missing_, out.shape)[present])


@pytest.mark.parametrize("max_bins", [3, 16, 255])
@pytest.mark.parametrize("n_distinct", [1, 2, 5, "max"])
def test_bin_mapper_each_distinct_value_own_bin(max_bins, n_distinct):
    rng = np.random.default_rng(7)
    d = max_bins if n_distinct == "max" else min(n_distinct, max_bins)
    values = np.sort(rng.choice(np.arange(1000) * 0.37 - 50.0, size=d, replace=False))
    X = rng.choice(values, size=(3 * d + 20, 1))
    X[: d, 0] = values                                 # every value present
    X = np.column_stack([X, np.where(rng.random(X.shape[0]) < 0.3, np.nan, X[:, 0])])
    w = rng.uniform(0.1, 3.0, size=X.shape[0])
    for sample_weight in (None, w):
        bm = BinMapper(max_bins=max_bins).fit(X, sample_weight)
        for f in range(2):
            present = np.unique(X[~np.isnan(X[:, f]), f])
            _check_midpoints(bm.thresholds_[f], present)
            assert bm.n_bins_non_missing_[f] == present.size
            bins = bm.transform(np.column_stack([present, present]))[:, f]
            np.testing.assert_array_equal(bins, np.arange(present.size))


def _check_midpoints(thresholds, distinct):
    """One threshold between each pair of consecutive distinct values, at the
    midpoint up to rounding (and strictly below the upper value)."""
    lower, upper = distinct[:-1], distinct[1:]
    assert thresholds.shape == lower.shape
    assert np.all(lower <= thresholds) and np.all(thresholds < upper)
    if thresholds.size == 0:
        return
    np.testing.assert_allclose(thresholds, (lower + upper) / 2, rtol=0,
                               atol=4 * np.spacing(np.maximum(abs(lower), abs(upper))).max())


@pytest.mark.parametrize("seed", SEEDS)
def test_bin_mapper_exact_ranks(seed):
    """max_bins=None: every distinct value is its own bin (its rank), int32."""
    rng = np.random.default_rng(seed)
    X = np.round(rng.normal(size=(700, 3)), 2)
    X[:, 2] = rng.integers(0, 3, size=700)
    X[rng.random(X.shape) < 0.1] = np.nan
    bm = BinMapper(max_bins=None).fit(X)
    for f in range(3):
        distinct = np.unique(X[~np.isnan(X[:, f]), f])
        _check_midpoints(bm.thresholds_[f], distinct)
        assert bm.n_bins_non_missing_[f] == distinct.size
    assert bm.missing_bin_ == bm.n_bins_non_missing_.max()
    X_new = np.vstack([X, rng.normal(scale=2, size=(50, 3))])
    out = bm.transform(X_new)
    assert out.dtype == np.int32 and out.flags.f_contiguous
    np.testing.assert_array_equal(out, naive_bins(X_new, bm.thresholds_, bm.missing_bin_))
    for f in range(3):   # training values: the rank among the distinct values
        present = ~np.isnan(X[:, f])
        np.testing.assert_array_equal(
            out[:700][present, f], np.searchsorted(np.unique(X[present, f]), X[present, f]))


def test_bin_mapper_all_missing_and_constant_features():
    X = np.column_stack([np.full(20, np.nan), np.full(20, 3.0), np.arange(20.0)])
    bm = BinMapper(max_bins=4).fit(X)
    assert bm.thresholds_[0].size == 0 and bm.thresholds_[1].size == 0
    np.testing.assert_array_equal(bm.n_bins_non_missing_, [1, 1, 4])
    out = bm.transform(X)
    np.testing.assert_array_equal(out[:, 0], 4)
    np.testing.assert_array_equal(out[:, 1], 0)


def _bin_masses(bm, x, w):
    bins = bm.transform(x[:, None])[:, 0]
    return np.bincount(bins, weights=w, minlength=bm.n_bins_non_missing_[0])


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("max_bins", [4, 16, 255])
def test_bin_mapper_quantiles_unweighted(seed, max_bins):
    rng = np.random.default_rng(seed)
    n = 3000
    x = rng.standard_normal(n) ** 3                   # skewed, all distinct
    bm = BinMapper(max_bins=max_bins).fit(x[:, None])
    assert bm.n_bins_non_missing_[0] == max_bins
    counts = _bin_masses(bm, x, np.ones(n))
    # quantile bins: every bin holds n / max_bins rows up to one row
    assert np.all(np.abs(counts - n / max_bins) < 1.0 + 1e-9), counts


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("max_bins", [6, 16, 64])
def test_bin_mapper_quantiles_weighted(seed, max_bins):
    rng = np.random.default_rng(seed)
    n = 4000
    x = rng.standard_normal(n)
    w = np.where(x < 0, 1.0, 5.0) * rng.uniform(0.5, 1.5, size=n)
    bm = BinMapper(max_bins=max_bins).fit(x[:, None], sample_weight=w)
    assert bm.n_bins_non_missing_[0] == max_bins
    masses = _bin_masses(bm, x, w)
    # every bin holds total / max_bins of the weight, up to one value's weight
    assert np.all(np.abs(masses - w.sum() / max_bins) < w.max() + 1e-9), masses
    # the weights moved the quantiles: mass below 0 is ~ 1/6 of the total,
    # so ~ 1/6 of the bins lie below 0 (unweighted: 1/2)
    below = np.count_nonzero(bm.thresholds_[0] < 0)
    assert abs(below - max_bins * w[x < 0].sum() / w.sum()) <= 1.5
    unweighted = BinMapper(max_bins=max_bins).fit(x[:, None])
    assert abs(np.count_nonzero(unweighted.thresholds_[0] < 0) - max_bins / 2) <= 1.5


@pytest.mark.parametrize("seed", SEEDS)
def test_bin_mapper_integer_weights_equal_repeated_rows(seed):
    rng = np.random.default_rng(seed)
    X = np.round(rng.normal(size=(500, 3)), 2)
    X[rng.random(X.shape) < 0.05] = np.nan
    w = rng.integers(1, 5, size=500)
    weighted = BinMapper(max_bins=20).fit(X, sample_weight=w.astype(np.float64))
    repeated = BinMapper(max_bins=20).fit(np.repeat(X, w, axis=0))
    for a, b in zip(weighted.thresholds_, repeated.thresholds_):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("seed", SEEDS)
def test_bin_mapper_ignores_missing_values_when_fitting(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(600, 2))
    X[rng.random(X.shape) < 0.3] = np.nan
    w = rng.uniform(0.1, 2.0, size=600)
    bm = BinMapper(max_bins=10).fit(X, sample_weight=w)
    for f in range(2):
        keep = ~np.isnan(X[:, f])
        alone = BinMapper(max_bins=10).fit(X[keep, f:f + 1], sample_weight=w[keep])
        np.testing.assert_array_equal(bm.thresholds_[f], alone.thresholds_[0])


# --------------------------------------------------------------------------
# 2. histograms
# --------------------------------------------------------------------------

HIST_CASES = [(0, 1, 60, 3), (1, 3, 60, 3), (2, 1, 3000, 5), (3, 3, 3000, 5),
              (4, 1, 40000, 2), (5, 2, 500, 1)]


def _hist_setup(seed, K, n_samples, n_nodes):
    rng = np.random.default_rng(seed)
    missing_bin = int(rng.choice([7, 255]))
    nb = np.array([1, 2, min(5, missing_bin), missing_bin], dtype=np.int32)
    X_binned = random_binned(rng, n_samples, nb, missing_bin, [0.0, 0.1, 0.3, 0.05])
    sample_indices = rng.permutation(n_samples).astype(np.int32)
    g = rng.normal(size=(n_samples, K))
    h = rng.uniform(0.1, 2.0, size=n_samples)
    starts, ends = random_node_ranges(rng, n_samples, n_nodes)
    n_slots = n_nodes + 2
    slots = rng.permutation(n_slots)[:n_nodes].astype(np.int64)
    return rng, X_binned, sample_indices, g, h, starts, ends, slots, n_slots, nb, missing_bin


@pytest.mark.parametrize("with_hessian", [True, False])
@pytest.mark.parametrize("seed,K,n_samples,n_nodes", HIST_CASES)
def test_gather_stats_matches_naive(seed, K, n_samples, n_nodes, with_hessian):
    _, _, si, g, h, starts, ends, *_ = _hist_setup(seed, K, n_samples, n_nodes)
    ordered_g = np.full((n_samples, K), np.nan)
    ordered_h = np.full(n_samples, np.nan)
    gather_stats(si, g, h, starts, ends, with_hessian, ordered_g, ordered_h)
    expected_g = np.full((n_samples, K), np.nan)
    expected_h = np.full(n_samples, np.nan)
    for s, e in zip(starts, ends):
        expected_g[s:e] = g[si[s:e]]
        if with_hessian:  # else left as it was
            expected_h[s:e] = h[si[s:e]]
    np.testing.assert_array_equal(ordered_g, expected_g)   # NaN == NaN outside nodes
    np.testing.assert_array_equal(ordered_h, expected_h)


@pytest.mark.parametrize("seed,K,n_samples,n_nodes", HIST_CASES)
def test_build_histograms_matches_brute_force(seed, K, n_samples, n_nodes):
    (_, X_binned, si, g, h, starts, ends, slots, n_slots, nb,
     missing_bin) = _hist_setup(seed, K, n_samples, n_nodes)
    # NaN everywhere: cells the kernel must zero are then checked too, and
    # cells it must not touch (other slots, bins >= nb) stay NaN.
    hist = np.full((n_slots, X_binned.shape[1], missing_bin + 1, K + 2), np.nan)
    kernel_histograms(X_binned, si, g, h, starts, ends, slots, hist, nb, missing_bin)
    expected = naive_histograms(X_binned, si, g, h, starts, ends, slots, n_slots, nb,
                                missing_bin)
    np.testing.assert_allclose(hist, expected, rtol=1e-12, atol=1e-12)
    # counts are exact, and each node's counts add up to its size
    np.testing.assert_array_equal(hist[..., K + 1], expected[..., K + 1])
    for j in range(len(starts)):
        for f in range(X_binned.shape[1]):
            total = np.nansum(hist[slots[j], f, :, K + 1])
            assert total == ends[j] - starts[j]


def test_histograms_and_partition_do_not_depend_on_thread_count():
    """Fixed-order sums and chunking: 1 thread and all threads agree bit for bit."""
    (_, X_binned, si, g, h, starts, ends, slots, n_slots, nb,
     missing_bin) = _hist_setup(3, 3, 40000, 5)
    results = []
    for n_threads in sorted({1, numba.config.NUMBA_NUM_THREADS}):
        with threads(n_threads):
            hist = np.full((n_slots, X_binned.shape[1], missing_bin + 1, 5), np.nan)
            kernel_histograms(X_binned, si, g, h, starts, ends, slots, hist, nb, missing_bin)
            got = si.copy()
            n_left = np.empty(len(starts), dtype=np.int64)
            partition_nodes(X_binned, got, np.empty_like(si), starts, ends,
                            np.full(len(starts), 3, dtype=np.int32),
                            np.full(len(starts), 100, dtype=np.int32),
                            np.ones(len(starts), dtype=np.uint8), missing_bin,
                            *numeric_splits(len(starts)), n_left)
            results.append((hist, got, n_left))
    for a, b in zip(results[0], results[-1]):
        np.testing.assert_array_equal(a, b)


def naive_partition(X_binned, sample_indices, starts, ends, features, threshold_bins,
                    missing_lefts, missing_bin):
    out = sample_indices.copy()
    n_left = np.zeros(len(starts), dtype=np.int64)
    for j in range(len(starts)):
        rows = sample_indices[starts[j]:ends[j]]
        bins = X_binned[rows, features[j]].astype(np.int64)
        go_left = np.where(bins == missing_bin, missing_lefts[j] == 1,
                           bins <= threshold_bins[j])
        out[starts[j]:ends[j]] = np.concatenate([rows[go_left], rows[~go_left]])
        n_left[j] = np.count_nonzero(go_left)
    return out, n_left


@pytest.mark.parametrize("seed,K,n_samples,n_nodes", HIST_CASES)
@pytest.mark.parametrize("in_place", [True, False])
def test_subtraction_histogram_equals_brute_force(seed, K, n_samples, n_nodes, in_place):
    """Parent minus smaller child equals the larger child's brute-force histogram."""
    (rng, X_binned, si, g, h, starts, ends, slots, n_slots, nb,
     missing_bin) = _hist_setup(seed, K, n_samples, n_nodes)
    n_features = X_binned.shape[1]
    shape = (n_slots + 2 * n_nodes, n_features, missing_bin + 1, K + 2)
    pool = np.full(shape, np.nan)
    kernel_histograms(X_binned, si, g, h, starts, ends, slots, pool, nb, missing_bin)
    features = rng.integers(0, n_features, size=n_nodes).astype(np.int32)
    features[0] = n_features - 1
    thresholds = np.array([rng.integers(0, nb[f]) for f in features], dtype=np.int32)
    missing_lefts = rng.integers(0, 2, size=n_nodes).astype(np.uint8)
    si_children, n_left = naive_partition(X_binned, si, starts, ends, features, thresholds,
                                          missing_lefts, missing_bin)
    left_starts, left_ends = starts, starts + n_left
    right_starts, right_ends = starts + n_left, ends
    left_smaller = n_left <= (ends - starts - n_left)
    small_starts = np.where(left_smaller, left_starts, right_starts)
    small_ends = np.where(left_smaller, left_ends, right_ends)
    large_starts = np.where(left_smaller, right_starts, left_starts)
    large_ends = np.where(left_smaller, right_ends, left_ends)
    free = np.setdiff1d(np.arange(shape[0]), slots)
    small_slots = free[:n_nodes].astype(np.int64)
    if in_place:      # as the grower: the large child takes over its parent's slot
        large_slots = slots.copy()
    else:
        large_slots = free[n_nodes:2 * n_nodes].astype(np.int64)
    parent_copy = pool[slots].copy()
    kernel_histograms(X_binned, si_children, g, h, small_starts, small_ends, small_slots,
                      pool, nb, missing_bin)
    subtract_histograms(pool, slots, pool, small_slots, large_slots, nb, missing_bin)
    expected = naive_histograms(X_binned, si_children, g, h, large_starts, large_ends,
                                np.arange(n_nodes), n_nodes, nb, missing_bin)
    scale = np.nanmax(np.abs(parent_copy))
    np.testing.assert_allclose(pool[large_slots], expected, rtol=1e-12, atol=1e-12 * scale)
    np.testing.assert_array_equal(pool[large_slots][..., K + 1], expected[..., K + 1])
    if not in_place:   # the parent histograms are left as they were
        np.testing.assert_array_equal(pool[slots], parent_copy)


def test_subtract_histograms_separate_arrays():
    """Parent histograms in a different array than the children."""
    rng = np.random.default_rng(11)
    nb = np.array([3, 7], dtype=np.int32)
    missing_bin = 7
    parent = np.full((3, 2, 8, 3), np.nan)
    child = np.full((4, 2, 8, 3), np.nan)
    for f in range(2):
        for arr in (parent, child):
            arr[:, f, :nb[f]] = rng.normal(size=(arr.shape[0], nb[f], 3))
            arr[:, f, missing_bin] = rng.normal(size=(arr.shape[0], 3))
    before = child.copy()
    parent_slots = np.array([2, 0], dtype=np.int64)
    small_slots = np.array([1, 3], dtype=np.int64)
    large_slots = np.array([0, 2], dtype=np.int64)
    subtract_histograms(parent, parent_slots, child, small_slots, large_slots, nb,
                        missing_bin)
    expected = before.copy()
    for p, s, l in zip(parent_slots, small_slots, large_slots):
        for f in range(2):
            used = list(range(nb[f])) + [missing_bin]
            expected[l, f, used] = parent[p, f, used] - before[s, f, used]
    np.testing.assert_array_equal(child, expected)


# --------------------------------------------------------------------------
# 5. partition
# --------------------------------------------------------------------------

PARTITION_CASES = [(0, 100, 1), (1, 100, 4), (2, 1000, 6), (3, 70000, 3), (4, 70000, 1),
                   (5, 2 * PARTITION_CHUNK + 1, 2)]


@pytest.mark.parametrize("seed,n_samples,n_nodes", PARTITION_CASES)
def test_partition_nodes_is_naive_stable_partition(seed, n_samples, n_nodes):
    rng = np.random.default_rng(seed)
    missing_bin = 9
    nb = np.array([1, 4, 9], dtype=np.int32)
    X_binned = random_binned(rng, n_samples, nb, missing_bin, [0.2, 0.0, 0.1])
    si = rng.permutation(n_samples).astype(np.int32)
    if n_nodes == 1:
        starts = np.array([0], dtype=np.int64)
        ends = np.array([n_samples], dtype=np.int64)
    else:
        starts, ends = random_node_ranges(rng, n_samples, n_nodes)
    features = rng.integers(0, 3, size=n_nodes).astype(np.int32)
    threshold_bins = np.array([rng.integers(0, nb[f]) for f in features], dtype=np.int32)
    missing_lefts = rng.integers(0, 2, size=n_nodes).astype(np.uint8)
    expected, expected_n_left = naive_partition(X_binned, si, starts, ends, features,
                                                threshold_bins, missing_lefts, missing_bin)
    buffer = np.full(n_samples, -7, dtype=np.int32)
    n_left = np.full(n_nodes, -1, dtype=np.int64)
    got = si.copy()
    partition_nodes(X_binned, got, buffer, starts, ends, features, threshold_bins,
                    missing_lefts, missing_bin, *numeric_splits(n_nodes), n_left)
    np.testing.assert_array_equal(n_left, expected_n_left)
    np.testing.assert_array_equal(got, expected)        # includes rows outside nodes


def numeric_splits(n_nodes):
    """The ``categorical`` flags and bitsets of ``n_nodes`` numeric splits."""
    return (np.zeros(n_nodes, dtype=np.uint8),
            np.zeros((n_nodes, BITSET_WORDS), dtype=np.uint32))


def test_partition_missing_routing():
    """Missing values follow ``missing_left``; bins follow ``bin <= threshold``."""
    X_binned = np.asfortranarray(np.array([[5], [0], [2], [5], [1]], dtype=np.uint8))
    for missing_left, expected, count in [(1, [0, 1, 3, 2, 4], 3), (0, [1, 0, 2, 3, 4], 1)]:
        got = np.arange(5, dtype=np.int32)
        n_left = np.zeros(1, dtype=np.int64)
        partition_nodes(X_binned, got, np.empty(5, dtype=np.int32),
                        np.array([0], dtype=np.int64), np.array([5], dtype=np.int64),
                        np.array([0], dtype=np.int32), np.array([0], dtype=np.int32),
                        np.array([missing_left], dtype=np.uint8), 5, *numeric_splits(1),
                        n_left)
        np.testing.assert_array_equal(got, expected)
        assert n_left[0] == count


# --------------------------------------------------------------------------
# 6. prediction
# --------------------------------------------------------------------------

def random_tree(rng, bm, max_depth, n_values, split_prob=0.75):
    """A random tree whose raw thresholds are the bin edges of ``bm``."""
    feature, threshold, threshold_bin, missing_left, left, right = [], [], [], [], [], []
    depth = []

    def new_node(d):
        for lst, v in ((feature, 0), (threshold, np.inf), (threshold_bin, 0),
                       (missing_left, 0), (left, LEAF), (right, LEAF)):
            lst.append(v)
        depth.append(d)
        return len(feature) - 1

    new_node(0)
    node = 0
    while node < len(feature):
        if depth[node] < max_depth and (node == 0 or rng.random() < split_prob):
            f = int(rng.integers(0, len(bm.thresholds_)))
            b = int(rng.integers(0, bm.n_bins_non_missing_[f]))
            feature[node], threshold_bin[node] = f, b
            threshold[node] = bm.bin_upper_edge(f, b)
            missing_left[node] = int(rng.integers(0, 2))
            left[node] = new_node(depth[node] + 1)
            right[node] = new_node(depth[node] + 1)
        node += 1
    n = len(feature)
    return Tree(feature=np.array(feature, dtype=np.int32),
                threshold=np.array(threshold, dtype=np.float64),
                threshold_bin=np.array(threshold_bin, dtype=np.int32),
                missing_left=np.array(missing_left, dtype=np.uint8),
                left=np.array(left, dtype=np.int32), right=np.array(right, dtype=np.int32),
                value=rng.normal(size=(n, n_values)), gain=np.zeros(n), cover=np.ones(n),
                n_samples=np.ones(n, dtype=np.int64))


def naive_leaf_raw(tree, x):
    node = 0
    while tree.left[node] != LEAF:
        v = x[tree.feature[node]]
        go_left = tree.missing_left[node] == 1 if np.isnan(v) else v <= tree.threshold[node]
        node = tree.left[node] if go_left else tree.right[node]
    return node


def naive_leaf_binned(tree, b, missing_bin):
    node = 0
    while tree.left[node] != LEAF:
        v = b[tree.feature[node]]
        go_left = (tree.missing_left[node] == 1 if v == missing_bin
                   else v <= tree.threshold_bin[node])
        node = tree.left[node] if go_left else tree.right[node]
    return node


def _predict_setup(seed, n_samples):
    rng = np.random.default_rng(seed)
    X_fit = rng.normal(size=(300, 4))
    X_fit[:, 2] = rng.integers(0, 3, size=300)
    X_fit[rng.random(X_fit.shape) < 0.1] = np.nan
    bm = BinMapper(max_bins=12).fit(X_fit)
    X = rng.normal(scale=1.5, size=(n_samples, 4))
    X[:, 2] = rng.integers(-1, 4, size=n_samples)
    for f, t in enumerate(bm.thresholds_):       # rows exactly on thresholds
        if t.size:
            on = rng.random(n_samples) < 0.15
            X[on, f] = rng.choice(t, size=on.sum())
    X[rng.random(X.shape) < 0.15] = np.nan
    return rng, bm, X


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n_samples", [1, 300])
def test_forest_predict_and_apply_match_naive_traversal(seed, n_samples):
    rng, bm, X = _predict_setup(seed, n_samples)
    n_outputs = 3
    trees = [random_tree(rng, bm, max_depth=d, n_values=1) for d in (0, 1, 3, 5, 4, 2)]
    columns = [0, 1, 2, 0, 2, 1]
    forest = Forest(n_outputs)
    for t, c in zip(trees, columns):
        forest.append(t, c)
    X_binned = bm.transform(X)
    leaves_raw = np.array([[naive_leaf_raw(t, x) for t in trees] for x in X])
    leaves_bin = np.array([[naive_leaf_binned(t, b, bm.missing_bin_) for t in trees]
                           for b in X_binned])
    # raw thresholds are bin edges: both traversals agree
    np.testing.assert_array_equal(leaves_raw, leaves_bin)
    np.testing.assert_array_equal(forest.apply(X), leaves_raw)
    base = rng.normal(size=(n_samples, n_outputs))
    for first, stop in [(0, None), (1, 4), (3, 6), (2, 2)]:
        stop_ = len(trees) if stop is None else stop
        expected = base.copy()
        for t in range(first, stop_):
            expected[:, columns[t]] += trees[t].value[leaves_raw[:, t], 0]
        got = forest.add_raw(X, base.copy(), first, stop)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)
        got = forest.add_binned(X_binned, bm.missing_bin_, base.copy(), first, stop)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize("seed", SEEDS)
def test_predict_kernels_multi_value_trees(seed):
    """Trees with V = 2 values write columns [c, c + 1]; kernels called directly."""
    rng, bm, X = _predict_setup(seed, 200)
    trees = [random_tree(rng, bm, max_depth=d, n_values=2) for d in (2, 4, 3)]
    columns = [0, 2, 1]
    p = pack_trees(trees, columns)
    X_binned = bm.transform(X)
    leaves = np.array([[naive_leaf_raw(t, x) for t in trees] for x in X])
    expected = np.zeros((X.shape[0], 4))
    for t, tree in enumerate(trees):
        expected[:, columns[t]:columns[t] + 2] += tree.value[leaves[:, t]]
    for row_block in (1, 7, 128, 4096):  # blocks of rows through all trees
        out = np.zeros((X.shape[0], 4))
        predict_raw(np.ascontiguousarray(X), p["feature"], p["threshold"], p["missing_left"],
                    p["categorical"], p["cat_bitset"], p["left"], p["right"], p["value"],
                    p["roots"], p["columns"], 0, 3, row_block, out)
        np.testing.assert_allclose(out, expected, rtol=1e-12, atol=0)
    out = np.zeros((X.shape[0], 4))
    predict_binned(X_binned, p["feature"], p["threshold_bin"], p["missing_left"],
                   p["categorical"], p["cat_bitset"], p["left"], p["right"], p["value"],
                   p["roots"], p["columns"], 0, 3, bm.missing_bin_, out)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=0)
    applied = np.full((X.shape[0], 3), -5, dtype=np.int32)
    apply_raw(np.ascontiguousarray(X), p["feature"], p["threshold"], p["missing_left"],
              p["categorical"], p["cat_bitset"], p["left"], p["right"], p["roots"], applied)
    np.testing.assert_array_equal(applied - p["roots"], leaves)
    # Tree.predict / Tree.add_binned on one tree
    np.testing.assert_allclose(trees[1].predict(X), trees[1].value[leaves[:, 1]],
                               rtol=1e-12, atol=0)
    out = np.zeros((X.shape[0], 4))
    trees[1].add_binned(X_binned, bm.missing_bin_, out, column=1)
    np.testing.assert_allclose(out[:, 1:3], trees[1].value[leaves[:, 1]], rtol=1e-12, atol=0)
    assert not out[:, [0, 3]].any()


def test_predict_hand_built_tree_nan_routing():
    # x0 <= 0.5 ? (NaN right) : ( x1 <= -1 ? (NaN left) )
    tree = Tree(feature=np.array([0, 0, 1, 0, 0], dtype=np.int32),
                threshold=np.array([0.5, np.inf, -1.0, np.inf, np.inf]),
                threshold_bin=np.zeros(5, dtype=np.int32),
                missing_left=np.array([0, 0, 1, 0, 0], dtype=np.uint8),
                left=np.array([1, -1, 3, -1, -1], dtype=np.int32),
                right=np.array([2, -1, 4, -1, -1], dtype=np.int32),
                value=np.array([[0.0], [1.0], [0.0], [3.0], [4.0]]), gain=np.zeros(5),
                cover=np.ones(5), n_samples=np.ones(5, dtype=np.int64))
    X = np.array([[0.5, 0.0], [0.6, -1.0], [np.nan, -1.5], [np.nan, np.nan],
                  [1.0, np.nan], [-np.inf, np.nan], [np.inf, 7.0]])
    np.testing.assert_array_equal(tree.predict(X)[:, 0], [1, 3, 3, 3, 3, 1, 4])
    forest = Forest(1)
    forest.append(tree)
    np.testing.assert_array_equal(forest.apply(X)[:, 0], [1, 3, 3, 3, 3, 1, 4])


# --------------------------------------------------------------------------
# 7. losses
# --------------------------------------------------------------------------

def _loss_case(name, rng, n=400):
    if name in ("squared_error", "absolute_error", "huber", "quantile"):
        y = rng.normal(size=n) * 3
        # keep |y - raw| away from the kinks at 0 and at Huber's delta (0.7)
        mag = np.where(rng.random(n) < 0.5, rng.uniform(0.05, 0.6, n), rng.uniform(0.8, 3, n))
        raw = (y + rng.choice([-1.0, 1.0], size=n) * mag)[:, None]
        loss = {"squared_error": _losses.SquaredError(),
                "absolute_error": _losses.AbsoluteError(),
                "huber": _losses.HuberLoss(param=0.9),
                "quantile": _losses.QuantileLoss(param=0.3)}[name]
        if name == "huber":
            loss.delta = loss.loss_param = 0.7
        return loss, y, np.ascontiguousarray(raw)
    if name in ("log_loss", "exponential"):
        y = rng.integers(0, 2, size=n).astype(np.float64)
        raw = rng.normal(scale=3, size=(n, 1))
        raw[:5, 0] = [-30.0, 30.0, -700.0, 0.0, 25.0]
        loss = _losses.BinaryLogLoss() if name == "log_loss" else _losses.ExponentialLoss()
        if name == "exponential":
            raw[:5, 0] = [-20.0, 20.0, -3.0, 0.0, 5.0]
        return loss, y, raw
    y = rng.integers(0, 4, size=n).astype(np.float64)
    raw = rng.normal(scale=2, size=(n, 4))
    raw[0] = [500.0, -500.0, 0.0, 1.0]
    return _losses.MultinomialLogLoss(n_classes=4), y, raw


LOSS_NAMES = ["squared_error", "absolute_error", "huber", "quantile", "log_loss",
              "exponential", "multinomial"]
SMOOTH = {"squared_error", "log_loss", "exponential", "multinomial"}


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_loss_gradients_match_finite_differences(name):
    rng = np.random.default_rng(3)
    loss, y, raw = _loss_case(name, rng)
    grad, hess = loss.gradients(y, raw)
    assert grad.shape == raw.shape and hess.shape == raw.shape
    eps = 1e-5
    safe = np.all(np.abs(raw) < 100, axis=1)       # FD of exp(700) is meaningless
    for k in range(raw.shape[1]):
        up, down = raw.copy(), raw.copy()
        up[:, k] += eps
        down[:, k] -= eps
        fd = (loss.pointwise(y, up) - loss.pointwise(y, down)) / (2 * eps)
        np.testing.assert_allclose(grad[safe, k], fd[safe], rtol=1e-6, atol=1e-7)
        if name in SMOOTH:
            e2 = 1e-4
            up[:, k] = raw[:, k] + e2
            down[:, k] = raw[:, k] - e2
            fd2 = (loss.pointwise(y, up) - 2 * loss.pointwise(y, raw)
                   + loss.pointwise(y, down)) / e2 ** 2
            np.testing.assert_allclose(hess[safe, k], fd2[safe], rtol=1e-4, atol=1e-5)
        else:
            np.testing.assert_array_equal(hess[:, k], 1.0)
    assert np.all(np.isfinite(grad)) and np.all(np.isfinite(hess))


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_loss_gradients_match_sklearn(name):
    rng = np.random.default_rng(4)
    loss, y, raw = _loss_case(name, rng)
    grad = np.empty_like(raw)
    hess = np.empty_like(raw)
    param = loss.delta if name == "huber" else loss.param
    K_.loss_gradients(loss.code, y, raw, param, grad, hess)
    ref = {"squared_error": sk_loss.HalfSquaredError(),
           "absolute_error": sk_loss.AbsoluteError(),
           "huber": sk_loss.HuberLoss(quantile=0.9, delta=0.7),
           "quantile": sk_loss.PinballLoss(quantile=0.3),
           "log_loss": sk_loss.HalfBinomialLoss(),
           "exponential": sk_loss.ExponentialLoss(),
           "multinomial": sk_loss.HalfMultinomialLoss(n_classes=4)}[name]
    r = raw if name == "multinomial" else raw[:, 0]
    g_ref, h_ref = ref.gradient_hessian(y, np.ascontiguousarray(r))
    g_ref = g_ref.reshape(raw.shape)
    h_ref = h_ref.reshape(raw.shape)
    np.testing.assert_allclose(grad, g_ref, rtol=1e-12, atol=1e-15)
    if name in SMOOTH:
        np.testing.assert_allclose(hess, h_ref, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("weights", ["unit", "mixed"])
@pytest.mark.parametrize("name", LOSS_NAMES)
def test_weighted_loss_equals_naive_pointwise_loss(name, weights):
    """The loss kernels' weighted mean equals the per-row losses summed by
    numpy (the binary log loss sums its log terms as logs of products over
    blocks of rows: more rows than a block and than a chunk here, extreme
    scores included)."""
    rng = np.random.default_rng(11)
    loss, y, raw = _loss_case(name, rng, n=70_000)
    weight = np.ones(y.size)
    if weights == "mixed":
        weight = rng.uniform(0.0, 2.0, size=y.size)
        weight[rng.random(y.size) < 0.3] = 1.0
        weight[rng.random(y.size) < 0.1] = 0.0
    per_row = loss.pointwise(y, raw)
    expected = loss.train_score_factor * np.sum(weight * per_row) / weight.sum()
    np.testing.assert_allclose(loss(y, raw, weight), expected, rtol=1e-12)


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_fused_gradients_and_scores_equal_the_separate_kernels(name):
    """One pass for boosting's next gradients and this stage's losses gives
    the same floats as the two kernels it replaces (rows of weight 0, a
    subsample, and more than one chunk of rows)."""
    rng = np.random.default_rng(5)
    loss, y, raw = _loss_case(name, rng, n=150_000)
    weight = rng.uniform(0.0, 2.0, size=y.size)
    weight[rng.random(y.size) < 0.1] = 0.0
    in_bag = rng.random(y.size) < 0.7
    grad, hess, train, oob = loss.gradients_and_scores(y, raw, weight, in_bag)
    grad_ref, hess_ref = loss.gradients(y, raw)
    np.testing.assert_array_equal(grad, grad_ref)
    np.testing.assert_array_equal(hess, hess_ref)
    assert train == loss(y, raw, weight * in_bag)
    assert oob == loss(y, raw, weight * ~in_bag)
    assert np.isfinite(train) and np.isfinite(oob)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("l2", [0.0, 1.5])
def test_newton_leaf_values_match_numpy(seed, l2):
    rng = np.random.default_rng(seed)
    n = 500
    si = rng.permutation(n).astype(np.int32)
    starts, ends = random_node_ranges(rng, n, 6)
    grad = rng.normal(size=n)
    hess = rng.uniform(0.0, 1.0, size=n)
    weight = rng.uniform(0.0, 2.0, size=n)
    weight[rng.random(n) < 0.1] = 0.0
    weight[si[starts[2]:ends[2]]] = 0.0               # a leaf with no weight at all
    out = np.full(6, np.nan)
    K_.newton_leaf_values(si, starts, ends, grad, hess, weight, l2, out)
    unit = np.full(6, np.nan)
    K_.newton_leaf_values(si, starts, ends, grad, hess, np.ones(n), l2, unit, True)
    ones = np.full(6, np.nan)
    K_.newton_leaf_values(si, starts, ends, grad, hess, np.ones(n), l2, ones)
    np.testing.assert_array_equal(unit, ones)   # skipping unit weights: the same floats
    for j in range(6):
        rows = si[starts[j]:ends[j]]
        num = -np.sum(weight[rows] * grad[rows])
        den = np.sum(weight[rows] * hess[rows]) + l2
        expected = num / den if den != 0 else 0.0
        np.testing.assert_allclose(out[j], expected, rtol=1e-12, atol=1e-300)
    if l2 == 0.0:
        assert out[2] == 0.0


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("ties", [False, True])
def test_weighted_percentile_matches_sklearn(seed, ties):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 200))
    values = rng.normal(size=n)
    if ties:
        values = np.round(values * 2)
        weights = rng.integers(0, 4, size=n).astype(np.float64)   # exact cumsums
    else:
        weights = rng.uniform(0, 3, size=n)
        weights[rng.random(n) < 0.2] = 0.0
    weights[rng.integers(n)] = 1.0                     # some positive weight
    for q in [0.5, 10, 25, 50, 73.2, 90, 99.9, 100]:
        got = _losses.weighted_percentile(values, weights, q)
        expected = _weighted_percentile(values, weights, q)
        assert got == expected, (q, got, expected)
    # unit weights, rank 0: the minimum
    assert _losses.weighted_percentile(values, np.ones(n), 0.0) == values.min()


@pytest.mark.parametrize("seed", [0, 1])
def test_unit_hessian_histograms_equal_summed_ones(seed):
    """With every hessian 1, counting (unit_hessian=True) gives the same
    histogram as summing the hessians."""
    rng = np.random.RandomState(seed)
    n, d = 3000, 4
    X_binned = np.asfortranarray(rng.randint(0, 20, (n, d)).astype(np.uint8))
    X_binned[rng.rand(n, d) < 0.1] = 255
    n_bins = np.full(d, 20, dtype=np.int32)
    sample_indices = rng.permutation(n).astype(np.int32)
    g = rng.randn(n, 1)
    h = np.ones(n)
    starts = np.array([0, 1000], dtype=np.int64)
    ends = np.array([1000, 2500], dtype=np.int64)
    slots = np.array([0, 1], dtype=np.int64)
    summed = kernel_histograms(X_binned, sample_indices, g, h, starts, ends, slots,
                               np.full((2, d, 256, 3), np.nan), n_bins, 255)
    counted = kernel_histograms(X_binned, sample_indices, g, h, starts, ends, slots,
                                np.full((2, d, 256, 3), np.nan), n_bins, 255,
                                unit_hessian=True)
    np.testing.assert_array_equal(counted, summed)


@pytest.mark.parametrize("K", [1, 3])
@pytest.mark.parametrize("unit_hessian", [False, True])
def test_histogram_of_rows_in_order_equals_naive(K, unit_hessian):
    """The root of a tree on every row reads bins at the position itself
    (``rows_in_order``): same histogram as the naive sums."""
    rng = np.random.RandomState(K)
    n, d = 2500, 5
    X_binned = np.asfortranarray(rng.randint(0, 30, (n, d)).astype(np.uint8))
    X_binned[rng.rand(n, d) < 0.1] = 255
    n_bins = np.full(d, 30, dtype=np.int32)
    n_bins[2] = 7
    X_binned[:, 2] = np.where(X_binned[:, 2] == 255, 255, X_binned[:, 2] % 7)
    sample_indices = np.arange(n, dtype=np.int32)
    g = rng.randn(n, K)
    h = np.ones(n) if unit_hessian else rng.rand(n)
    starts, ends = np.array([0], dtype=np.int64), np.array([n], dtype=np.int64)
    slots = np.array([1], dtype=np.int64)
    got = np.full((2, d, 256, K + 2), np.nan)
    build_histograms(X_binned, sample_indices, g, h, starts, ends, slots, n_bins, 255,
                     unit_hessian and K == 1, True, got)
    expected = naive_histograms(X_binned, sample_indices, g, h, starts, ends, slots, 2,
                                n_bins, 255)
    for f in range(d):
        used = np.r_[0:n_bins[f], 255]
        np.testing.assert_allclose(got[1, f, used], expected[1, f, used], rtol=1e-12,
                                   atol=1e-12)


def test_root_gradients_with_known_counts_equal_the_full_histogram():
    """A root histogram built from known bin counts (gradients summed only)
    equals the full build, float for float."""
    rng = np.random.RandomState(3)
    n, d = 3000, 4
    X_binned = np.asfortranarray(rng.randint(0, 40, (n, d)).astype(np.uint8))
    X_binned[rng.rand(n, d) < 0.1] = 255
    n_bins = np.array([40, 40, 12, 40], dtype=np.int32)
    X_binned[:, 2] = np.where(X_binned[:, 2] == 255, 255, X_binned[:, 2] % 12)
    g = rng.randn(n, 1)
    h = np.ones(n)
    rows = np.arange(n, dtype=np.int32)
    starts, ends = np.array([0], dtype=np.int64), np.array([n], dtype=np.int64)
    full = np.full((1, d, 256, 3), np.nan)
    build_histograms(X_binned, rows, g, h, starts, ends, np.array([0]), n_bins, 255, True,
                     True, full)
    counts = np.ascontiguousarray(full[0, :, :, 2])
    got = np.full((2, d, 256, 3), np.nan)
    build_root_gradients(X_binned, g, counts, n_bins, 255, 1, got)
    for f in range(d):
        used = np.r_[0:n_bins[f], 255]
        np.testing.assert_array_equal(got[1, f, used], full[0, f, used])
    assert np.isnan(got[0]).all()


@pytest.mark.parametrize("seed", range(4))
def test_indexed_binning_equals_plain_binary_search(seed):
    """The lookup-table binning gives the bins of the plain binary search on
    skewed, discrete, constant, infinite and missing values."""
    from skboost._binning import BinMapper
    from skboost._kernels.binning import lookup_tables, map_to_bins_indexed
    rng = np.random.default_rng(seed)
    n = 20_000
    X = np.column_stack([rng.normal(size=n), rng.exponential(size=n) ** 4,
                         rng.integers(0, 5, n).astype(float), np.full(n, 3.0),
                         np.round(rng.normal(size=n), 1), rng.normal(size=n) * 1e-300])
    X[rng.random(X.shape) < 0.05] = np.nan
    mapper = BinMapper(255).fit(X)
    X[:3, 0] = [np.inf, -np.inf, 1e308]
    plain = np.empty(X.shape, dtype=np.uint8, order="F")
    indexed = np.empty_like(plain)
    map_to_bins(np.ascontiguousarray(X), mapper._flat, mapper._offsets, 255, plain)
    map_to_bins_indexed(np.ascontiguousarray(X), mapper._flat, mapper._offsets,
                        *lookup_tables(mapper._flat, mapper._offsets), 255, indexed)
    np.testing.assert_array_equal(indexed, plain)
