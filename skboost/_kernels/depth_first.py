"""A whole tree grown depth-first by one serial kernel call (deep trees).

Forests grow deep trees: tens of thousands of nodes, most of a few rows,
each looking at a few features drawn for it.  Per-level kernels called from
Python pay a fixed cost per level and per call that such trees never
amortise; here one call grows the whole tree, so trees run on parallel
threads without touching the GIL.

Per node, only the drawn features are looked at:

* nodes of more than ``SMALL_NODE_ROWS`` rows build the histograms of a
  batch of drawn features in one pass over their rows (the bins are read
  by row, so a row's bins of all drawn features share a cache line), then
  scan each histogram's non-empty bins;
* smaller nodes sort their rows by bin (insertion sort) feature by feature
  and scan the sorted rows: no histogram to zero or scan.  The caller sets
  the size below which nodes are sorted: on the exact engine's ranks (one
  bin per distinct value) histograms are dearer, so larger nodes are
  sorted (a heap sort above ``INSERTION_SORT_ROWS`` rows).

Features are drawn without replacement until ``max_features`` of them are
not constant in the node (as scikit-learn's splitter); a feature found
constant is remembered for the node's subtree.  The draws come from a
xorshift generator seeded per tree, so a tree depends only on its seed.

Split candidates, gains and tie rules are those of the sorted scan of
``split.py``: thresholds between present bins, missing values tried on both
sides and alone, ties to the lower feature index, then the lower bin.

A node's rows are a range of ``rows``, split by a stable partition that
moves only the row ids; statistics are read by row id (moving them along
measured slower).
"""
import numpy as np

from ._jit import hot, inline, serial
from .criterion import (NEWTON, P_CRITERION, P_L1, P_L2, P_MAX_DELTA_STEP, P_MIN_HESSIAN,
                        NOISE_GAIN, P_MIN_SAMPLES_LEAF, leaf_value,
                        node_objective_once)
from .split import MEAN_DIFFERENCE_EPS, RELATIVE_GAIN_EPS, _candidate_gain

# Nodes of at most this many rows sort their rows instead of building
# histograms (zeroing and scanning a histogram costs about its bins).
SMALL_NODE_ROWS = 32
# Sorted rows are keys ``bin << SORT_SHIFT | local index``: nodes sorted
# must hold fewer than 2**SORT_SHIFT rows.
SORT_SHIFT = 24
SORT_MASK = (1 << SORT_SHIFT) - 1
# Up to this many rows an insertion sort; above, a heap sort.
INSERTION_SORT_ROWS = 32
# Histograms built in one pass over a node's rows.
FEATURE_BATCH = 16

# how candidates are scored (see _candidate_gain_of)
MODE_CLASS = 0     # Newton gain of one-hot class channels, O(1) per candidate
MODE_NEWTON = 1    # Newton gain, centred form, O(K) per candidate
MODE_GENERAL = 2   # any criterion (entropy, Poisson)

# running sums of a class scan: sum_k acc_k^2, sum_k node_k acc_k,
# sum_k miss_k acc_k, sum_k miss_k^2, sum_k node_k miss_k, sum_k node_k^2
I_SL = 0
I_X = 1
I_Y = 2
I_SM = 3
I_XM = 4
I_SP = 5
N_RUNNING = 6

# indices of the integer limits array
L_MAX_DEPTH = 0
L_MIN_SAMPLES_SPLIT = 1
L_MAX_FEATURES = 2
L_SORT_ROWS = 3        # nodes of at most this many rows are sorted
N_LIMITS = 4

# indices of the float thresholds array
T_MIN_SPLIT_GAIN = 0
T_MIN_IMPURITY_DECREASE = 1   # times the root's weight
N_THRESHOLDS = 2

_MULTIPLIER = np.uint64(0x2545F4914F6CDD1D)


@inline
def _next_random(state):
    """Advance the xorshift64* generator ``state`` (uint64[1]); a 31-bit int."""
    x = state[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    state[0] = x
    return np.int64((x * _MULTIPLIER) >> np.uint64(33))


@inline
def _random_below(state, n):
    return _next_random(state) % n


@serial
def seed_state(seed):
    """A non-zero generator state from any int seed (splitmix64 finaliser)."""
    z = np.uint64(seed) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    if z == np.uint64(0):
        z = np.uint64(1)
    state = np.empty(1, dtype=np.uint64)
    state[0] = z
    return state


@inline
def _child_weights(acc, miss, extra, node, K, msl, min_h):
    """Hessian sums of the left (``acc + extra * miss``) and right children,
    and whether both meet the minimum rows ``msl`` and hessian ``min_h``."""
    hl = acc[K] + extra * miss[K]
    nl = acc[K + 1] + extra * miss[K + 1]
    hr = node[K] - hl
    nr = node[K + 1] - nl
    allowed = not (nl < msl or nr < msl or hl < min_h or hr < min_h or hl <= 0.0
                   or hr <= 0.0)
    return hl, hr, allowed


@inline
def _newton_gain(acc, miss, extra, node, K, msl, min_h):
    """Newton gain (no L2) of the left sums ``acc + extra * miss`` in its
    centred form (see ``split._centred_gain``); -inf when a minimum or the
    rounding-noise floor rejects it."""
    hl, hr, allowed = _child_weights(acc, miss, extra, node, K, msl, min_h)
    if not allowed:
        return -np.inf
    inv_left = 1.0 / hl
    inv_right = 1.0 / hr
    squared_difference = 0.0
    squared_scale = 0.0
    for k in range(K):
        gl = acc[k] + extra * miss[k]
        mean_left = gl * inv_left
        mean_right = (node[k] - gl) * inv_right
        squared_difference += (mean_left - mean_right) ** 2
        squared_scale += max(mean_left * mean_left, mean_right * mean_right)
    if not squared_difference > MEAN_DIFFERENCE_EPS ** 2 * squared_scale:
        return -np.inf
    return hl * hr / (hl + hr) * squared_difference


@inline
def _class_gain(acc, miss, extra, node, K, msl, min_h, parent_obj, inc):
    """Newton gain (no L2) of one-hot class channels from the running sums
    of squares in ``inc`` (kept by the scans): O(1) per candidate
    instead of O(K).  Class sums are weight sums, exact for integer weights
    (bootstrap counts); gains under ``RELATIVE_GAIN_EPS`` of the children's
    scores are rounding noise, as in ``split._candidate_gain``."""
    hl, hr, allowed = _child_weights(acc, miss, extra, node, K, msl, min_h)
    if not allowed:
        return -np.inf
    square_left = inc[I_SL] + extra * (2.0 * inc[I_Y] + inc[I_SM])
    cross = inc[I_X] + extra * inc[I_XM]
    square_right = inc[I_SP] - 2.0 * cross + square_left
    children = square_left / hl + square_right / hr
    gain = children - parent_obj
    if gain > RELATIVE_GAIN_EPS * children:
        return gain
    return -np.inf


@hot
def _general_gain(acc, miss, extra, node, K, params, parent_obj, left, right):
    """Gain of any criterion (entropy, Poisson) via ``split._candidate_gain``."""
    for c in range(K + 2):
        left[c] = acc[c] + extra * miss[c]
        right[c] = node[c] - left[c]
    return _candidate_gain(left, right, parent_obj, K, 0, params, -np.inf, np.inf)


@inline
def _candidate_gain_of(acc, miss, extra, node, K, mode, params, parent_obj, inc, left,
                       right):
    """Gain of the left sums ``acc + extra * miss`` by the scan's ``mode``."""
    if mode == MODE_CLASS:
        return _class_gain(acc, miss, extra, node, K, params[P_MIN_SAMPLES_LEAF],
                           params[P_MIN_HESSIAN], parent_obj, inc)
    if mode == MODE_NEWTON:
        return _newton_gain(acc, miss, extra, node, K, params[P_MIN_SAMPLES_LEAF],
                            params[P_MIN_HESSIAN])
    return _general_gain(acc, miss, extra, node, K, params, parent_obj, left, right)


@inline
def _keep_if_better(gain, f, b, next_b, missing_left, acc, miss, extra, K, best,
                    best_left):
    """Keep a candidate in ``best`` = (gain, feature, bin, missing_left,
    missing rows of the feature, next present bin) when it beats it (ties:
    lower feature); ``best_left`` gets its left sums."""
    if gain > best[0] or (gain == best[0] and gain > -np.inf and f < best[1]):
        best[0] = gain
        best[1] = f
        best[2] = b
        best[3] = missing_left
        best[4] = miss[K + 1]
        best[5] = next_b
        for c in range(K + 2):
            best_left[c] = acc[c] + extra * miss[c]


@inline
def _consider(acc, miss, node, K, f, b, next_b, mode, params, parent_obj, inc, left, right,
              best, best_left):
    """Evaluate the threshold "bin <= b" of feature ``f`` (left sums ``acc``;
    ``next_b`` the node's next present bin) with missing values right, then
    left."""
    if miss[K + 1] == 0:  # (the common case, without the loop)
        gain = _candidate_gain_of(acc, miss, 0.0, node, K, mode, params, parent_obj, inc,
                                  left, right)
        _keep_if_better(gain, f, b, next_b, 0, acc, miss, 0.0, K, best, best_left)
        return
    for missing_left in range(2):
        extra = 1.0 if missing_left == 1 else 0.0
        gain = _candidate_gain_of(acc, miss, extra, node, K, mode, params, parent_obj, inc,
                                  left, right)
        _keep_if_better(gain, f, b, next_b, missing_left, acc, miss, extra, K, best,
                        best_left)


@inline
def _consider_missing_alone(acc, miss, node, K, f, nb, mode, params, parent_obj, inc, left,
                            right, best, best_left):
    """The split "missing or not": every present row left, missing right
    (nothing when the node has no missing or no present rows)."""
    if miss[K + 1] == 0 or acc[K + 1] == 0:
        return
    zero = miss[K + 1] * 0.0  # a float 0 typed like the sums
    gain = _candidate_gain_of(acc, miss, zero, node, K, mode, params, parent_obj, inc, left,
                              right)
    _keep_if_better(gain, f, nb - 1, nb, 0, acc, miss, zero, K, best, best_left)


@inline
def _start_scan(acc, miss, node, K, inc):
    """Reset the left sums and the running squares for a new feature
    (``miss`` holds the feature's missing rows)."""
    square_missing = 0.0
    cross_missing = 0.0
    for k in range(K):
        acc[k] = 0.0
        square_missing += miss[k] * miss[k]
        cross_missing += node[k] * miss[k]
    acc[K] = 0.0
    acc[K + 1] = 0.0
    inc[I_SM] = square_missing
    inc[I_XM] = cross_missing


@inline
def _add_to_left(acc, c, d, node, miss):
    """``acc[c] += d``; returns what it adds to the running sums of
    :func:`_class_gain` (``sum_k acc_k^2``, ``sum_k node_k acc_k``,
    ``sum_k miss_k acc_k``), which the scans keep in locals: kept in an
    array they would chain every update through memory."""
    a = acc[c]
    acc[c] = a + d
    return d * (2.0 * a + d), node[c] * d, miss[c] * d


@inline
def _store_running(inc, square_left, cross, cross_missing):
    """Hand a scan's running sums to :func:`_class_gain` (in ``inc``)."""
    inc[I_SL] = square_left
    inc[I_X] = cross
    inc[I_Y] = cross_missing


@inline
def _add_row(acc, row, channel, value, weight):
    """Add the statistics of ``row`` to ``acc``."""
    n_outputs = channel.shape[1]
    K = acc.shape[0] - 2
    for o in range(n_outputs):
        acc[channel[row, o]] += value[row, o]
    acc[K] += weight[row]
    acc[K + 1] += 1.0


@hot
def _sort_small(X_rows, local_rows, m, f, packed):
    """``packed[:m]``: keys ``bin << SORT_SHIFT | local index`` of the node's
    rows for feature ``f``, sorted (keys are distinct, so any sort is
    stable): an insertion sort for a few rows, a heap sort above."""
    column = np.uint64(f)  # unsigned indices: see _build_batch
    if m > INSERTION_SORT_ROWS:
        for i in range(m):
            packed[i] = (np.int64(X_rows[np.uint64(local_rows[i]), column]) << SORT_SHIFT) | i
        _heap_sort(packed, m)
        return
    for i in range(m):
        key = (np.int64(X_rows[np.uint64(local_rows[i]), column]) << SORT_SHIFT) | i
        k = i - 1
        while k >= 0 and packed[k] > key:
            packed[k + 1] = packed[k]
            k -= 1
        packed[k + 1] = key


@hot
def _heap_sort(keys, m):
    """Sort ``keys[:m]`` in place (no allocation, O(m log m))."""
    for first in range(m // 2 - 1, -1, -1):
        _sift_down(keys, first, m)
    for last in range(m - 1, 0, -1):
        keys[0], keys[last] = keys[last], keys[0]
        _sift_down(keys, 0, last)


@inline
def _sift_down(keys, root, stop):
    """Restore the max-heap below ``root`` within ``keys[:stop]``."""
    key = keys[root]
    child = 2 * root + 1
    while child < stop:
        if child + 1 < stop and keys[child + 1] > keys[child]:
            child += 1
        if keys[child] <= key:
            break
        keys[root] = keys[child]
        root = child
        child = 2 * root + 1
    keys[root] = key


@hot
def _scan_sorted(X_rows, local_rows, local_channel, local_value, local_weight, m, f, nb,
                 missing_bin, node, K, mode, params, parent_obj, packed, acc, miss, inc,
                 left, right, best, best_left):
    """Best threshold of feature ``f`` in a small node by sorting its rows by
    bin; returns True when the feature is constant in the node.  The node's
    rows and statistics were gathered into the ``local_*`` arrays."""
    _sort_small(X_rows, local_rows, m, f, packed)
    if packed[0] >> SORT_SHIFT == packed[m - 1] >> SORT_SHIFT:
        return True
    for c in range(K + 2):
        miss[c] = 0.0
    n_present = m
    while n_present > 0 and packed[n_present - 1] >> SORT_SHIFT == missing_bin:
        n_present -= 1
        _add_row(miss, packed[n_present] & SORT_MASK, local_channel, local_value,
                 local_weight)
    _start_scan(acc, miss, node, K, inc)
    n_outputs = local_channel.shape[1]
    has_missing = n_present < m
    square_left = 0.0  # running sums of MODE_CLASS (see _add_to_left)
    cross = 0.0
    cross_missing = 0.0
    previous = -1
    for i in range(n_present):
        b = packed[i] >> SORT_SHIFT
        if previous >= 0 and b != previous:
            _store_running(inc, square_left, cross, cross_missing)
            _consider(acc, miss, node, K, f, previous, b, mode, params, parent_obj, inc, left,
                      right, best, best_left)
        j = np.uint64(packed[i] & SORT_MASK)
        for o in range(n_outputs):
            ds, dx, dy = _add_to_left(acc, local_channel[j, o], local_value[j, o], node, miss)
            square_left += ds
            cross += dx
            if has_missing:
                cross_missing += dy
        acc[K] += local_weight[j]
        acc[K + 1] += 1.0
        previous = b
    _store_running(inc, square_left, cross, cross_missing)
    _consider_missing_alone(acc, miss, node, K, f, nb, mode, params, parent_obj, inc, left,
                            right, best, best_left)
    return False


@hot
def _gather_small(rows, start, m, channel, value, weight, local_rows, local_channel,
                  local_value, local_weight):
    """Copy a small node's rows and their statistics side by side: every
    drawn feature's sorted scan reads them again."""
    n_outputs = channel.shape[1]
    first = np.uint64(start)  # unsigned indices: see _build_batch
    for i in range(np.uint64(m)):
        row = rows[first + i]
        local_rows[i] = row
        row = np.uint64(row)
        for o in range(n_outputs):
            local_channel[i, o] = channel[row, o]
            local_value[i, o] = value[row, o]
        local_weight[i] = weight[row]


@inline
def _add_class_row(hist, q, b, c, v, K):
    """One row of a single-output classification in histogram ``q``: its
    value in class channel ``c`` of bin ``b``, and one more row there."""
    hist[q, b, c] += v
    hist[q, b, K + 1] += 1.0


@hot
def _build_batch(X_rows, rows, channel, value, weight, start, end, batch, n_batch, hist,
                 weight_from_channels):
    """Histograms of the features ``batch[:n_batch]`` over the node's rows
    (``hist`` must be zero on entry).  With ``weight_from_channels`` (one
    class output) the weight bins are left at 0: the scan sums them from the
    class channels, one scatter-add per row and feature less."""
    n_outputs = channel.shape[1]
    K = hist.shape[2] - 2
    if weight_from_channels and n_batch <= 4:
        # written out per feature (the usual few drawn features): 15-20 %
        # faster than the loop over them below (measured, 3 and 4 features)
        # unsigned indices throughout: numba wraps negative indices around
        # (a test and a select per signed index)
        f0 = np.uint64(batch[0])
        f1 = np.uint64(batch[1]) if n_batch > 1 else f0
        f2 = np.uint64(batch[2]) if n_batch > 2 else f0
        f3 = np.uint64(batch[3]) if n_batch > 3 else f0
        for i in range(np.uint64(start), np.uint64(end)):
            row = np.uint64(rows[i])
            c = np.uint64(channel[row, 0])
            v = value[row, 0]
            _add_class_row(hist, 0, X_rows[row, f0], c, v, K)
            if n_batch > 1:
                _add_class_row(hist, 1, X_rows[row, f1], c, v, K)
            if n_batch > 2:
                _add_class_row(hist, 2, X_rows[row, f2], c, v, K)
            if n_batch > 3:
                _add_class_row(hist, 3, X_rows[row, f3], c, v, K)
        return
    if weight_from_channels:
        for i in range(np.uint64(start), np.uint64(end)):
            row = np.uint64(rows[i])
            c = np.uint64(channel[row, 0])
            v = value[row, 0]
            for q in range(n_batch):
                _add_class_row(hist, q, X_rows[row, np.uint64(batch[q])], c, v, K)
        return
    for i in range(np.uint64(start), np.uint64(end)):
        row = np.uint64(rows[i])
        w = weight[row]
        for q in range(n_batch):
            b = X_rows[row, np.uint64(batch[q])]
            for o in range(n_outputs):
                hist[q, b, np.uint64(channel[row, o])] += value[row, o]
            hist[q, b, K] += w
            hist[q, b, K + 1] += 1.0


@hot
def _scan_histogram(hq, f, nb, missing_bin, node, K, mode, params, parent_obj,
                    weight_from_channels, acc, miss, inc, left, right, best, best_left):
    """Best threshold of feature ``f`` from its histogram ``hq`` (zeroed on
    return); returns True when the feature is constant in the node.  With
    ``weight_from_channels`` the weights are minus the class channels' sums."""
    C = K + 2
    for c in range(C):
        miss[c] = hq[missing_bin, c]
        hq[missing_bin, c] = 0.0
    if weight_from_channels:
        miss[K] = 0.0
        for k in range(K):
            miss[K] -= miss[k]
    _start_scan(acc, miss, node, K, inc)
    square_left = 0.0  # locals, see _scan_sorted
    cross = 0.0
    cross_missing = 0.0
    n_present_bins = 0
    has_missing = miss[K + 1] > 0
    previous = -1
    for b in range(nb):
        if hq[b, K + 1] == 0.0:
            continue
        n_present_bins += 1
        if previous >= 0:
            _store_running(inc, square_left, cross, cross_missing)
            _consider(acc, miss, node, K, f, previous, b, mode, params, parent_obj, inc, left,
                      right, best, best_left)
        bin_weight = 0.0
        for k in range(K):
            d = hq[b, k]
            if d != 0.0:
                ds, dx, dy = _add_to_left(acc, k, d, node, miss)
                square_left += ds
                cross += dx
                if has_missing:
                    cross_missing += dy
                bin_weight -= d
                hq[b, k] = 0.0
        acc[K] += bin_weight if weight_from_channels else hq[b, K]
        acc[K + 1] += hq[b, K + 1]
        hq[b, K] = 0.0
        hq[b, K + 1] = 0.0
        previous = b
    _store_running(inc, square_left, cross, cross_missing)
    if n_present_bins + (1 if miss[K + 1] > 0 else 0) <= 1:
        return True
    _consider_missing_alone(acc, miss, node, K, f, nb, mode, params, parent_obj, inc, left,
                            right, best, best_left)
    return False


@hot
def _partition(X_rows, rows, start, end, f, threshold_bin, missing_left, missing_bin,
               tmp_rows):
    """Stable partition of ``rows[start:end]`` by the split; returns the
    number of rows sent left.  Branch-free: every row is written to both
    sides and only the side it belongs to advances."""
    # unsigned indices: numba wraps negative indices around
    one = np.uint64(1)
    first = np.uint64(start)
    column = np.uint64(f)
    n_left = np.uint64(0)
    n_right = np.uint64(0)
    missing_goes_left = missing_left == 1
    for i in range(first, np.uint64(end)):
        row = rows[i]
        b = X_rows[np.uint64(row), column]
        goes_left = np.uint64(missing_goes_left if b == missing_bin else b <= threshold_bin)
        rows[first + n_left] = row
        tmp_rows[n_right] = row
        n_left += goes_left
        n_right += one - goes_left
    for i in range(n_right):
        rows[first + n_left + i] = tmp_rows[i]
    return np.int64(n_left)


@hot
def _is_pure(sums, K, n_first_block):
    """Whether one class holds all the weight of a classification node, up
    to 1e-12 of it (sums of float weights); ``n_first_block`` channels of the
    first output (0 for regression: never).  With several outputs the node
    is searched anyway."""
    if n_first_block == 0:
        return False
    h = sums[K]
    for k in range(n_first_block):
        if -sums[k] >= h * (1.0 - 1e-12):
            return n_first_block == K  # single output: one pure block is all
    return False


@hot
def _noise(best_gain, sums, left_sums, K):
    """Whether a Newton gain is rounding residue (see ``NOISE_GAIN``)."""
    hl = left_sums[K]
    hr = sums[K] - hl
    scale = 0.0
    for k in range(K):
        gl = left_sums[k]
        gr = sums[k] - gl
        scale += gl * gl / hl + gr * gr / hr
    return np.isfinite(scale) and best_gain <= NOISE_GAIN * scale


@hot
def _find_split(X_rows, rows, channel, value, weight, s, m, node_sums, K, mode, params,
                parent_obj, n_bins_non_missing, missing_bin, max_features, sort_rows,
                weight_from_channels, features, known, state, hist, batch, scratch, packed,
                local_rows, local_channel, local_value, local_weight, inc, best, best_left):
    """Best split of the node of rows ``rows[s:s + m]`` into ``best`` and
    ``best_left``: features are drawn until ``max_features`` of them are not
    constant in the node; those found constant are moved after the
    ``known`` ones at the front of ``features``.  Returns how many were.
    Nodes of at most ``sort_rows`` rows are sorted, larger ones histogrammed."""
    acc = scratch[0]
    miss = scratch[1]
    left = scratch[2]
    right = scratch[3]
    n_features = features.shape[0]
    best[0] = -np.inf
    best[1] = n_features
    best[2] = 0
    best[3] = 0
    best[4] = 0.0
    best[5] = 0
    small = m <= sort_rows
    if small:
        _gather_small(rows, s, m, channel, value, weight, local_rows, local_channel,
                      local_value, local_weight)
    found = 0
    position = known
    scanned = 0
    while scanned < max_features and position < n_features:
        n_batch = min(max_features - scanned, n_features - position, FEATURE_BATCH)
        for q in range(n_batch):
            p = position + q
            j = p + _random_below(state, n_features - p)
            features[p], features[j] = features[j], features[p]
            batch[q] = features[p]
        if not small:
            _build_batch(X_rows, rows, channel, value, weight, s, s + m, batch, n_batch, hist,
                         weight_from_channels)
        for q in range(n_batch):
            f = batch[q]
            nb = n_bins_non_missing[f]
            if small:
                constant = _scan_sorted(X_rows, local_rows, local_channel, local_value,
                                        local_weight, m, f, nb, missing_bin, node_sums, K,
                                        mode, params, parent_obj, packed, acc, miss, inc,
                                        left, right, best, best_left)
            else:
                constant = _scan_histogram(hist[q], f, nb, missing_bin, node_sums, K, mode,
                                           params, parent_obj, weight_from_channels, acc,
                                           miss, inc, left, right, best, best_left)
            if constant:  # remembered for the subtree, not counted
                p = known + found
                features[p], features[position + q] = features[position + q], features[p]
                found += 1
            else:
                scanned += 1
        position += n_batch
    return found


@inline
def _make_leaf(node, feature, threshold_bin, missing_left, left_child, right_child, gain):
    feature[node] = 0
    threshold_bin[node] = 0
    missing_left[node] = 0
    left_child[node] = -1
    right_child[node] = -1
    gain[node] = 0.0


@serial
def grow_depth_first(X_rows, rows, channel, value, weight, n_bins_non_missing, missing_bin,
                     n_channels, n_first_block, params, limits, thresholds, state):
    """Grow one tree depth-first.

    Parameters
    ----------
    X_rows : ndarray of shape (n_samples, n_features), uint8 or int32, C order
        Bins (or the exact engine's ranks), read by row.
    rows : ndarray of shape (n_rows,), int32, modified
        The tree's rows (weight > 0); reordered so that each node's rows are
        ``rows[start:end]``.
    channel : ndarray of shape (n_samples, n_outputs), int32
        Per row: the gradient channel each output adds to (a classification
        row adds to its class's channel only).
    value : ndarray of shape (n_samples, n_outputs), float64
        Per row: what it adds (``-w * y``, or ``-w`` for a class).
    weight : ndarray of shape (n_samples,), float64
        Per row: the hessian (sample weight).
    n_bins_non_missing : ndarray of shape (n_features,), int32
    missing_bin : int
    n_channels : int
        K: gradient channels (sums are ``(G_0..G_{K-1}, H, count)``).
    n_first_block : int
        Class channels of the first output (0 for regression): a node where
        one class holds all the weight is not split further.
    params : ndarray of shape (N_PARAMS,), float64 (``criterion.split_params``)
    limits : ndarray of shape (N_LIMITS,), int64
        Maximum depth, minimum rows to split, features drawn per node, and
        the most rows of a node sorted instead of histogrammed (below
        ``2**SORT_SHIFT``).
    thresholds : ndarray of shape (N_THRESHOLDS,), float64
        Minimum split gain (``gain >`` it) and minimum impurity decrease as a
        fraction of the root's weight (``gain >=`` it times that weight).
    state : ndarray of shape (1,), uint64, modified
        Random generator state (:func:`seed_state`).

    Returns
    -------
    n_nodes : int
    feature, threshold_bin : ndarray of shape (capacity,), int32
    next_bin : ndarray of shape (capacity,), int32
        Of a split node: the lowest bin above ``threshold_bin`` present in
        the node (``n_bins_non_missing`` of the feature for "missing or
        not"), for thresholds midway between values (exact engine).
    missing_left : ndarray of shape (capacity,), uint8
    left, right : ndarray of shape (capacity,), int32
        Children (-1 on leaves).
    gain : ndarray of shape (capacity,), float64
    start, end : ndarray of shape (capacity,), int64
        Each node's positions in ``rows``.
    sums : ndarray of shape (capacity, K + 2), float64
    values : ndarray of shape (n_nodes, K), float64
        Node values (``criterion.leaf_value`` of the sums).
    """
    n_rows = rows.shape[0]
    n_features = X_rows.shape[1]
    n_outputs = channel.shape[1]
    K = n_channels
    C = K + 2
    msl = max(np.int64(params[P_MIN_SAMPLES_LEAF]), 1)
    min_h = params[P_MIN_HESSIAN]
    max_depth = limits[L_MAX_DEPTH]
    min_split = max(limits[L_MIN_SAMPLES_SPLIT], 2 * msl)
    max_features = min(limits[L_MAX_FEATURES], n_features)
    sort_rows = limits[L_SORT_ROWS]
    n_local = max(1, min(n_rows, sort_rows))
    hist_bins = missing_bin + 1 if sort_rows < n_rows else 1
    fast = (params[P_CRITERION] == NEWTON and params[P_L2] == 0.0 and params[P_L1] == 0.0
            and params[P_MAX_DELTA_STEP] <= 0.0)
    mode = MODE_GENERAL
    if fast:
        mode = MODE_CLASS if n_first_block > 0 else MODE_NEWTON
    weight_from_channels = n_first_block == K and n_outputs == 1
    capacity = max(1, 2 * (n_rows // msl) + 1)
    # (np.empty: only the pages of the nodes made are ever touched; each
    # node's fields are set when it is made, as a leaf)
    feature = np.empty(capacity, dtype=np.int32)
    threshold_bin = np.empty(capacity, dtype=np.int32)
    next_bin = np.empty(capacity, dtype=np.int32)
    missing_left = np.empty(capacity, dtype=np.uint8)
    left_child = np.empty(capacity, dtype=np.int32)
    right_child = np.empty(capacity, dtype=np.int32)
    gain = np.empty(capacity)
    start = np.empty(capacity, dtype=np.int64)
    end = np.empty(capacity, dtype=np.int64)
    depth = np.empty(capacity, dtype=np.int64)
    n_constant = np.empty(capacity, dtype=np.int64)
    sums = np.empty((capacity, C))
    # scratch
    tmp_rows = np.empty(n_rows, dtype=rows.dtype)
    hist = np.zeros((FEATURE_BATCH, hist_bins, C))
    batch = np.empty(FEATURE_BATCH, dtype=np.int64)
    packed = np.empty(n_local, dtype=np.int64)
    local_rows = np.empty(n_local, dtype=rows.dtype)
    local_channel = np.empty((n_local, n_outputs), dtype=channel.dtype)
    local_value = np.empty((n_local, n_outputs))
    local_weight = np.empty(n_local)
    scratch = np.empty((4, C))  # left sums, missing sums, left and right children
    best = np.empty(6)
    best_left = np.empty(C)
    inc = np.zeros(N_RUNNING)
    features = np.arange(n_features)
    stack = np.empty(capacity, dtype=np.int64)

    for c in range(C):
        sums[0, c] = 0.0
    for i in range(n_rows):
        _add_row(sums[0], rows[i], channel, value, weight)
    _make_leaf(0, feature, threshold_bin, missing_left, left_child, right_child, gain)
    start[0] = 0
    end[0] = n_rows
    depth[0] = 0
    n_constant[0] = 0
    min_gain = thresholds[T_MIN_IMPURITY_DECREASE] * sums[0, K]
    n_nodes = 1
    stack[0] = 0
    top = 1
    while top > 0:
        top -= 1
        node = stack[top]
        s = start[node]
        m = end[node] - s
        node_sums = sums[node]
        if (depth[node] >= max_depth or m < min_split or node_sums[K] < 2.0 * min_h
                or _is_pure(node_sums, K, n_first_block)):
            continue
        parent_obj = node_objective_once(node_sums, K, params, -np.inf, np.inf)
        square_parent = 0.0
        for k in range(K):
            square_parent += node_sums[k] * node_sums[k]
        inc[I_SP] = square_parent
        found = _find_split(X_rows, rows, channel, value, weight, s, m, node_sums, K, mode,
                            params, parent_obj, n_bins_non_missing, missing_bin,
                            max_features, sort_rows, weight_from_channels, features,
                            n_constant[node],
                            state, hist, batch, scratch, packed, local_rows, local_channel,
                            local_value, local_weight, inc, best, best_left)
        known = n_constant[node]
        split_gain = best[0]
        if not (split_gain > thresholds[T_MIN_SPLIT_GAIN] and split_gain >= min_gain):
            continue
        if fast and _noise(split_gain, node_sums, best_left, K):
            continue
        f = np.int64(best[1])
        b = np.int64(best[2])
        ml = np.int64(best[3])
        if best[4] == 0.0:  # no NaN in the node: unseen ones follow the larger child
            n_left = best_left[K + 1]
            ml = 1 if n_left >= m - n_left else 0
        n_left_rows = _partition(X_rows, rows, s, s + m, f, b, ml, missing_bin, tmp_rows)
        lc = n_nodes
        rc = n_nodes + 1
        n_nodes += 2
        feature[node] = f
        threshold_bin[node] = b
        next_bin[node] = np.int64(best[5])
        missing_left[node] = ml
        left_child[node] = lc
        right_child[node] = rc
        gain[node] = split_gain
        for c in range(C):
            sums[lc, c] = best_left[c]
            sums[rc, c] = node_sums[c] - best_left[c]
        start[lc] = s
        end[lc] = s + n_left_rows
        start[rc] = s + n_left_rows
        end[rc] = s + m
        for child in (lc, rc):
            depth[child] = depth[node] + 1
            n_constant[child] = known + found
            _make_leaf(child, feature, threshold_bin, missing_left, left_child, right_child,
                       gain)
        stack[top] = rc
        stack[top + 1] = lc
        top += 2
    values = np.empty((n_nodes, K))
    for node in range(n_nodes):
        for k in range(K):
            values[node, k] = leaf_value(sums[node, k], sums[node, K], params[P_L2],
                                         params[P_L1], params[P_MAX_DELTA_STEP], -np.inf,
                                         np.inf)
    return (n_nodes, feature, threshold_bin, next_bin, missing_left, left_child, right_child,
            gain, start, end, sums, values)
