"""Categorical split kernels against brute force over category subsets."""
import itertools

import numpy as np
import pytest

from skboost._kernels.categorical import (BITSET_WORDS, best_category_subset,
                                          categorical_left_sums_rows,
                                          find_categorical_splits_rows, in_bitset)
from skboost._kernels.criterion import split_params


def newton_objective(sums, l2):
    denominator = sums[1] + l2
    return sums[0] ** 2 / denominator if denominator > 0 else 0.0


def brute_force(stats, nb, missing_row, parent, l2, min_hessian=0.0):
    """Best gain over every subset of the present categories, missing either side."""
    present = [b for b in range(nb) if stats[b, 2] > 0]
    has_missing = stats[missing_row, 2] > 0
    best = -np.inf
    parent_obj = newton_objective(parent, l2)
    for r in range(0, len(present) + 1):
        for subset in itertools.combinations(present, r):
            for missing_left in ([0, 1] if has_missing else [0]):
                left = stats[list(subset)].sum(axis=0) if subset else np.zeros(3)
                if missing_left:
                    left = left + stats[missing_row]
                right = parent - left
                if left[2] < 1 or right[2] < 1 or left[1] < min_hessian or right[1] < min_hessian:
                    continue
                gain = newton_objective(left, l2) + newton_objective(right, l2) - parent_obj
                best = max(best, gain)
    return best


def random_stats(rng, nb, with_missing, empty_fraction=0.2):
    stats = np.zeros((nb + 1, 3))
    counts = rng.integers(1, 20, size=nb + 1).astype(float)
    counts[rng.random(nb + 1) < empty_fraction] = 0
    if not with_missing:
        counts[nb] = 0
    stats[:, 2] = counts
    stats[:, 1] = counts * rng.uniform(0.2, 1.0, size=nb + 1)
    stats[:, 0] = counts * rng.normal(size=nb + 1)
    return stats


@pytest.mark.parametrize("seed", range(30))
@pytest.mark.parametrize("with_missing", [False, True])
def test_sorted_prefix_finds_the_best_subset_without_l2(seed, with_missing):
    """Sorting categories by G/H and scanning prefixes is optimal for the Newton
    gain without L2 (Fisher 1958): it equals the brute-force best subset."""
    rng = np.random.default_rng(seed)
    nb = int(rng.integers(2, 9))
    stats = random_stats(rng, nb, with_missing)
    parent = stats.sum(axis=0)
    bitset = np.zeros(BITSET_WORDS, dtype=np.uint32)
    gain, missing_left = best_category_subset(stats, nb, nb, parent, 1, split_params(),
                                              -np.inf, np.inf, 0, bitset)
    expected = brute_force(stats, nb, nb, parent, 0.0)
    if not np.isfinite(expected):
        assert gain == -np.inf
        return
    np.testing.assert_allclose(gain, expected, rtol=1e-9)
    # the bitset and missing side reproduce the reported gain
    left = sum((stats[b] for b in range(nb) if in_bitset(bitset, b)), np.zeros(3))
    if missing_left and stats[nb, 2] > 0:
        left = left + stats[nb]
    recomputed = (newton_objective(left, 0) + newton_objective(parent - left, 0)
                  - newton_objective(parent, 0))
    np.testing.assert_allclose(recomputed, gain, rtol=1e-9)


@pytest.mark.parametrize("seed", range(20))
def test_one_vs_rest_is_the_best_single_category(seed):
    rng = np.random.default_rng(seed)
    nb = int(rng.integers(2, 6))
    stats = random_stats(rng, nb, with_missing=False, empty_fraction=0.0)
    parent = stats.sum(axis=0)
    bitset = np.zeros(BITSET_WORDS, dtype=np.uint32)
    l2 = 1.0
    gain, _ = best_category_subset(stats, nb, nb, parent, 1, split_params(l2=l2), -np.inf,
                                   np.inf, 255, bitset)
    expected = -np.inf
    for b in range(nb):
        left = stats[b]
        g = (newton_objective(left, l2) + newton_objective(parent - left, l2)
             - newton_objective(parent, l2))
        if left[2] >= 1 and parent[2] - left[2] >= 1:
            expected = max(expected, g)
    np.testing.assert_allclose(gain, expected, rtol=1e-9)
    assert sum(in_bitset(bitset, b) for b in range(256)) == 1


def test_no_split_with_one_category():
    stats = np.zeros((4, 3))
    stats[1] = [2.0, 3.0, 3.0]
    bitset = np.zeros(BITSET_WORDS, dtype=np.uint32)
    gain, _ = best_category_subset(stats, 3, 3, stats.sum(axis=0), 1, split_params(),
                                   -np.inf, np.inf, 4, bitset)
    assert gain == -np.inf


def test_unseen_direction_is_the_larger_side_without_missing_values():
    stats = np.zeros((4, 3))
    stats[0] = [-10.0, 2.0, 2.0]   # small, very negative gradient
    stats[1] = [5.0, 10.0, 10.0]
    stats[2] = [6.0, 10.0, 10.0]
    bitset = np.zeros(BITSET_WORDS, dtype=np.uint32)
    gain, missing_left = best_category_subset(stats, 3, 3, stats.sum(axis=0), 1,
                                              split_params(), -np.inf, np.inf, 4, bitset)
    assert np.isfinite(gain)
    left_rows = sum(stats[b, 2] for b in range(3) if in_bitset(bitset, b))
    assert missing_left == (1 if left_rows >= 22 - left_rows else 0)


@pytest.mark.parametrize("seed", range(5))
def test_rows_kernel_equals_stats_of_the_rows(seed):
    """The row-summing kernel finds the same split as the search on the node's
    per-category sums, and its left sums match the bitset."""
    rng = np.random.default_rng(seed)
    n, nb, missing_bin = 300, 7, 255
    codes = rng.integers(0, nb, size=n).astype(np.uint8)
    codes[rng.random(n) < 0.1] = missing_bin
    X_binned = np.asfortranarray(np.column_stack([codes, rng.integers(0, 5, n)])
                                 .astype(np.uint8))
    g = rng.normal(size=(n, 1)) + (codes % 3 == 0)[:, None]
    h = rng.uniform(0.5, 1.0, size=n)
    si = np.arange(n, dtype=np.int32)
    starts, ends = np.array([0, 120]), np.array([120, n])
    sums = np.array([[g[s:e, 0].sum(), h[s:e].sum(), e - s] for s, e in zip(starts, ends)])
    nbnm = np.array([nb, 5], dtype=np.int32)
    gains = np.full((2, 2), -np.inf)
    missing = np.zeros((2, 2), dtype=np.uint8)
    bits = np.zeros((2, 1, BITSET_WORDS), dtype=np.uint32)
    params = split_params(l2=1.0)
    find_categorical_splits_rows(X_binned, si, starts, ends, g, h, sums,
                                 np.full(2, -np.inf), np.full(2, np.inf),
                                 np.array([0], dtype=np.int32), nbnm, missing_bin,
                                 np.zeros((1, 1), dtype=np.uint8), False, params, 4,
                                 gains, missing, bits)
    for j, (s, e) in enumerate(zip(starts, ends)):
        stats = np.zeros((nb + 1, 3))
        for row in range(s, e):
            r = nb if codes[row] == missing_bin else codes[row]
            stats[r] += [g[row, 0], h[row], 1.0]
        expected_bits = np.zeros(BITSET_WORDS, dtype=np.uint32)
        expected, expected_missing = best_category_subset(
            stats, nb, nb, sums[j], 1, params, -np.inf, np.inf, 4, expected_bits)
        assert gains[j, 0] == expected
        assert missing[j, 0] == expected_missing
        np.testing.assert_array_equal(bits[j, 0], expected_bits)
    out = np.zeros((2, 3))
    categorical_left_sums_rows(X_binned, si, starts, ends, g, h,
                               np.zeros(2, dtype=np.int32), np.ascontiguousarray(bits[:, 0]),
                               missing[:, 0], missing_bin, out)
    for j, (s, e) in enumerate(zip(starts, ends)):
        left = [(codes[r] == missing_bin and missing[j, 0] == 1) or
                (codes[r] != missing_bin and in_bitset(bits[j, 0], codes[r]))
                for r in range(s, e)]
        left = np.array(left)
        np.testing.assert_allclose(out[j], [g[s:e, 0][left].sum(), h[s:e][left].sum(),
                                            left.sum()])
