"""TreeGrower: grows one tree on binned data from per-sample statistics.

The grower owns every buffer that is reused from tree to tree (row indices,
position-ordered statistics, a pool of histograms), so a fit allocates them
once.  Growth is depthwise (all nodes of a level expanded with one call of
each kernel) or best-first (``max_leaf_nodes``: the open leaf with the
largest gain is expanded next).
"""
import heapq

import numpy as np

from ._dtypes import INDEX_DTYPE, SUM_DTYPE
from ._kernels.histogram import build_histograms, gather_stats, subtract_histograms
from ._kernels.partition import partition_nodes
from ._kernels.split import find_splits, select_best_splits
from ._tree import LEAF, Tree, compact_tree, prune_ccp

# Histograms kept alive at once are bounded by this many bytes; beyond it,
# children histograms are built directly in batches instead of by subtraction.
HISTOGRAM_MEMORY_BUDGET = 512 * 2**20


class GrowerParams:
    """Stopping rules and regularisation of one tree.

    Parameters
    ----------
    max_depth : int or None
    max_leaf_nodes : int or None
        When set, growth is best-first.
    min_samples_split, min_samples_leaf : int
        Row counts.
    min_hessian : float
        Minimum hessian sum of a child (sample weight for impurity criteria).
    min_split_gain : float
        A split needs ``gain > min_split_gain`` (xgboost's gamma).
    min_impurity_decrease : float
        A split needs ``gain >= min_impurity_decrease * cover(root)`` (as
        scikit-learn: the decrease is weighted by the node's weight fraction).
    l2, l1, max_delta_step : float
        Regularisation of leaf values (see ``_kernels/criterion.py``).
    monotonic_cst : ndarray of shape (n_features,), int8, or None
    max_features : int or None
        Features drawn anew at every node.
    """

    def __init__(self, max_depth=None, max_leaf_nodes=None, min_samples_split=2,
                 min_samples_leaf=1, min_hessian=0.0, min_split_gain=0.0,
                 min_impurity_decrease=0.0, l2=0.0, l1=0.0, max_delta_step=0.0,
                 monotonic_cst=None, max_features=None):
        self.max_depth = np.iinfo(np.int32).max if max_depth is None else int(max_depth)
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_split = int(min_samples_split)
        self.min_samples_leaf = int(min_samples_leaf)
        self.min_hessian = float(min_hessian)
        self.min_split_gain = float(min_split_gain)
        self.min_impurity_decrease = float(min_impurity_decrease)
        self.l2 = float(l2)
        self.l1 = float(l1)
        self.max_delta_step = float(max_delta_step)
        self.monotonic_cst = monotonic_cst
        self.max_features = max_features


class GrownTree:
    """A grown tree and where its training rows ended up.

    Attributes
    ----------
    tree : Tree
    node_starts, node_ends : ndarray of shape (n_nodes,), int64
        Node ``i`` (and its whole subtree) holds the rows
        ``sample_indices[node_starts[i]:node_ends[i]]``.
    sample_indices : ndarray of shape (n_rows,), int32
        The grower's buffer: valid until the next call of ``grow``.
    """

    def __init__(self, tree, node_starts, node_ends, sample_indices):
        self.tree = tree
        self.node_starts = node_starts
        self.node_ends = node_ends
        self.sample_indices = sample_indices

    @property
    def leaves(self):
        return np.nonzero(self.tree.left == LEAF)[0]

    @property
    def leaf_starts(self):
        return self.node_starts[self.leaves]

    @property
    def leaf_ends(self):
        return self.node_ends[self.leaves]

    def prune(self, node_risk, ccp_alpha):
        """Minimal cost-complexity pruning (see :func:`~skboost._tree.prune_ccp`)."""
        keep = prune_ccp(self.tree, node_risk, ccp_alpha)
        if keep.all():
            return
        self.tree, self.node_starts, self.node_ends = compact_tree(
            self.tree, keep, self.node_starts, self.node_ends)


class _NodeTable:
    """Growable arrays describing the nodes of the tree being grown."""

    SCALARS = {"start": np.int64, "end": np.int64, "depth": np.int64, "lower": np.float64,
               "upper": np.float64, "left": INDEX_DTYPE, "right": INDEX_DTYPE,
               "slot": np.int64, "gain": np.float64, "feature": INDEX_DTYPE,
               "bin": INDEX_DTYPE, "missing_left": np.uint8}

    def __init__(self, n_channels, capacity=64):
        self.C = n_channels + 2
        self.size = 0
        self._alloc(capacity)

    def _alloc(self, capacity):
        old = self.__dict__.copy() if self.size else None
        for name, dtype in self.SCALARS.items():
            arr = np.empty(capacity, dtype=dtype)
            if old is not None:
                arr[:self.size] = old[name][:self.size]
            setattr(self, name, arr)
        for name in ("sums", "left_sums"):
            arr = np.empty((capacity, self.C), dtype=SUM_DTYPE)
            if old is not None:
                arr[:self.size] = old[name][:self.size]
            setattr(self, name, arr)
        self.capacity = capacity

    def add(self, count):
        """Reserve ``count`` new node ids and return them."""
        if self.size + count > self.capacity:
            self._alloc(max(2 * self.capacity, self.size + count))
        ids = np.arange(self.size, self.size + count, dtype=np.int64)
        self.size += count
        self.left[ids] = LEAF
        self.right[ids] = LEAF
        self.slot[ids] = -1
        self.gain[ids] = -np.inf
        self.feature[ids] = 0
        self.bin[ids] = 0
        self.missing_left[ids] = 0
        return ids


class TreeGrower:
    """Grow trees on one binned dataset.

    Parameters
    ----------
    X_binned : ndarray of shape (n_samples, n_features), uint8, F order
    bin_mapper : BinMapper
        Fitted on the same data (gives bins per feature and thresholds).
    n_channels : int
        Gradient channels K of the statistics.
    params : GrowerParams
    """

    def __init__(self, X_binned, bin_mapper, n_channels, params):
        self.X_binned = X_binned
        self.bin_mapper = bin_mapper
        self.n_bins_non_missing = bin_mapper.n_bins_non_missing_
        self.missing_bin = bin_mapper.missing_bin_
        self.K = int(n_channels)
        self.C = self.K + 2
        self.params = params
        n_samples, self.n_features = X_binned.shape
        self.sample_indices = np.empty(n_samples, dtype=INDEX_DTYPE)
        self._buffer = np.empty(n_samples, dtype=INDEX_DTYPE)
        self._ordered_g = np.empty((n_samples, self.K), dtype=SUM_DTYPE)
        self._ordered_h = np.empty(n_samples, dtype=SUM_DTYPE)
        mono = params.monotonic_cst
        self._mono = (np.zeros(self.n_features, dtype=np.int8) if mono is None
                      else np.ascontiguousarray(mono, dtype=np.int8))
        slot_bytes = self.n_features * (self.missing_bin + 1) * self.C * 8
        self._max_slots = max(4, HISTOGRAM_MEMORY_BUDGET // slot_bytes)
        self._pool = np.empty((0, self.n_features, self.missing_bin + 1, self.C))
        self._free = []

    # ---------------------------------------------------------------- slots
    def _take_slots(self, count):
        """``count`` free histogram slots, or None if over the memory budget."""
        if len(self._free) < count:
            in_use = self._pool.shape[0] - len(self._free)
            if in_use + count > self._max_slots:
                return None
            old = self._pool.shape[0]
            new = min(self._max_slots, max(2 * old, in_use + count, 4))
            pool = np.empty((new,) + self._pool.shape[1:])
            pool[:old] = self._pool
            self._pool = pool
            self._free.extend(range(new - 1, old - 1, -1))
        return np.array([self._free.pop() for _ in range(count)], dtype=np.int64)

    def _release(self, nodes):
        for node in nodes:
            slot = self.nodes.slot[node]
            if slot >= 0:
                self._free.append(int(slot))
                self.nodes.slot[node] = -1

    # ------------------------------------------------------------- kernels
    def _build(self, nodes):
        """Histograms of ``nodes`` (whose slots are set) from their rows."""
        t = self.nodes
        starts = t.start[nodes]
        ends = t.end[nodes]
        gather_stats(self.sample_indices, self._g, self._h, starts, ends,
                     self._ordered_g, self._ordered_h)
        build_histograms(self.X_binned, self.sample_indices, self._ordered_g,
                         self._ordered_h, starts, ends, t.slot[nodes],
                         self.n_bins_non_missing, self.missing_bin, self._pool)

    def _can_split(self, nodes):
        t, p = self.nodes, self.params
        count = t.sums[nodes, self.K + 1]
        return ((t.depth[nodes] < p.max_depth)
                & (count >= p.min_samples_split)
                & (count >= 2 * p.min_samples_leaf)
                & (t.sums[nodes, self.K] >= 2 * p.min_hessian))

    def _evaluate(self, nodes):
        """Find the best split of ``nodes`` (histograms in their slots)."""
        if nodes.size == 0:
            return
        t, p = self.nodes, self.params
        m = nodes.size
        gains = np.empty((m, self.n_features))
        bins = np.empty((m, self.n_features), dtype=INDEX_DTYPE)
        missing = np.empty((m, self.n_features), dtype=np.uint8)
        use_mask = p.max_features is not None and p.max_features < self.n_features
        if use_mask:
            draws = self._rng.random_sample((m, self.n_features)).argsort(axis=1)
            mask = np.zeros((m, self.n_features), dtype=np.uint8)
            np.put_along_axis(mask, draws[:, :p.max_features], 1, axis=1)
        else:
            mask = np.zeros((1, 1), dtype=np.uint8)
        slots = t.slot[nodes]
        sums = np.ascontiguousarray(t.sums[nodes])
        find_splits(self._pool, slots, sums, t.lower[nodes], t.upper[nodes],
                    self.n_bins_non_missing, self.missing_bin, mask, use_mask, self._mono,
                    p.l2, p.l1, p.max_delta_step, float(p.min_samples_leaf),
                    p.min_hessian, gains, bins, missing)
        gain = np.empty(m)
        feature = np.empty(m, dtype=INDEX_DTYPE)
        best_bin = np.empty(m, dtype=INDEX_DTYPE)
        best_missing = np.empty(m, dtype=np.uint8)
        left_sums = np.zeros((m, self.C))
        select_best_splits(self._pool, slots, sums, gains, bins, missing, self.missing_bin,
                           gain, feature, best_bin, best_missing, left_sums)
        valid = (np.isfinite(gain) & (gain > p.min_split_gain)
                 & (gain >= p.min_impurity_decrease * self._root_cover))
        t.gain[nodes] = np.where(valid, gain, -np.inf)
        t.feature[nodes] = feature
        t.bin[nodes] = best_bin
        t.missing_left[nodes] = best_missing
        t.left_sums[nodes] = left_sums

    # ------------------------------------------------------------ expansion
    def _expand(self, parents):
        """Split ``parents`` (with valid splits); return the new splittable nodes."""
        t = self.nodes
        m = parents.size
        starts = t.start[parents]
        n_left = np.empty(m, dtype=np.int64)
        partition_nodes(self.X_binned, self.sample_indices, self._buffer, starts,
                        t.end[parents], t.feature[parents], t.bin[parents],
                        t.missing_left[parents], self.missing_bin, n_left)
        children = t.add(2 * m)
        lefts, rights = children[0::2], children[1::2]
        t.left[parents] = lefts
        t.right[parents] = rights
        t.start[lefts] = starts
        t.end[lefts] = starts + n_left
        t.start[rights] = starts + n_left
        t.end[rights] = t.end[parents]
        t.depth[children] = np.repeat(t.depth[parents] + 1, 2)
        t.sums[lefts] = t.left_sums[parents]
        t.sums[rights] = t.sums[parents] - t.left_sums[parents]
        self._child_bounds(parents, lefts, rights)
        can_left = self._can_split(lefts)
        can_right = self._can_split(rights)
        self._children_histograms(parents, lefts, rights, can_left, can_right)
        return np.sort(np.concatenate([lefts[can_left], rights[can_right]]))

    def _child_bounds(self, parents, lefts, rights):
        """Children inherit bounds; monotonic splits cut them at the mid value."""
        t, p = self.nodes, self.params
        t.lower[lefts] = t.lower[rights] = t.lower[parents]
        t.upper[lefts] = t.upper[rights] = t.upper[parents]
        cst = self._mono[t.feature[parents]]
        constrained = np.nonzero(cst != 0)[0]
        if constrained.size == 0 or self.K != 1:
            return
        pa = parents[constrained]
        lo, hi = t.lower[pa], t.upper[pa]
        vl = _leaf_values(t.sums[lefts[constrained]], 1, p, lo, hi)[:, 0]
        vr = _leaf_values(t.sums[rights[constrained]], 1, p, lo, hi)[:, 0]
        mid = (vl + vr) / 2.0
        up = cst[constrained] > 0
        t.upper[lefts[constrained]] = np.where(up, mid, hi)
        t.lower[rights[constrained]] = np.where(up, mid, lo)
        t.lower[lefts[constrained]] = np.where(up, lo, mid)
        t.upper[rights[constrained]] = np.where(up, hi, mid)

    def _children_histograms(self, parents, lefts, rights, can_left, can_right):
        """Histograms (and splits) of the children that may be split."""
        t = self.nodes
        need = can_left | can_right
        count_left = t.end[lefts] - t.start[lefts]
        count_right = t.end[rights] - t.start[rights]
        left_smaller = count_left <= count_right
        small = np.where(left_smaller, lefts, rights)
        large = np.where(left_smaller, rights, lefts)
        by_subtraction = need & (t.slot[parents] >= 0)
        direct = np.concatenate([lefts[can_left & ~by_subtraction],
                                 rights[can_right & ~by_subtraction]])
        slots = self._take_slots(int(by_subtraction.sum()) + direct.size)
        if slots is None:
            # over the memory budget: parents' histograms are dropped and the
            # children are built directly, in batches that fit.
            self._release(parents)
            splittable = np.sort(np.concatenate([lefts[can_left], rights[can_right]]))
            self._build_in_batches(splittable)
            return
        pa = parents[by_subtraction]
        sm = small[by_subtraction]
        lg = large[by_subtraction]
        k = sm.size
        t.slot[sm] = slots[:k]
        t.slot[direct] = slots[k:]
        t.slot[lg] = t.slot[pa]          # the larger child takes over its parent's slot
        t.slot[pa] = -1
        built = np.concatenate([sm, direct])
        if built.size:
            self._build(built)
        if k:
            subtract_histograms(self._pool, t.slot[lg], self._pool, t.slot[sm], t.slot[lg],
                                self.n_bins_non_missing, self.missing_bin)
        self._release(parents[~need])
        children = np.concatenate([lefts, rights])
        can = np.concatenate([can_left, can_right])
        self._release(children[~can])
        self._evaluate(np.sort(children[can]))

    def _build_in_batches(self, nodes):
        """Build, evaluate and drop histograms of ``nodes`` a batch at a time."""
        batch = max(1, self._max_slots - (self._pool.shape[0] - len(self._free)))
        for first in range(0, nodes.size, batch):
            part = nodes[first:first + batch]
            self.nodes.slot[part] = self._take_slots(part.size)
            self._build(part)
            self._evaluate(part)
            self._release(part)

    # ---------------------------------------------------------------- grow
    def grow(self, g, h, rows, rng=None):
        """Grow one tree.

        Parameters
        ----------
        g : ndarray of shape (n_samples, K), float64, C order
            Gradient channels (already multiplied by sample weights).
        h : ndarray of shape (n_samples,), float64
            Hessians (already multiplied by sample weights).
        rows : ndarray of shape (n_rows,), int32
            Rows of this tree, in increasing order (rows with zero weight are
            best left out: they cannot change any sum).
        rng : numpy.random.RandomState or None
            Draws the features of each node when ``max_features`` is set.

        Returns
        -------
        GrownTree
        """
        self._g, self._h, self._rng = g, h, rng
        p = self.params
        self.nodes = t = _NodeTable(self.K)
        self._free = list(range(self._pool.shape[0] - 1, -1, -1))
        n_rows = rows.size
        self.sample_indices[:n_rows] = rows
        root = t.add(1)
        t.start[root], t.end[root], t.depth[root] = 0, n_rows, 0
        t.lower[root], t.upper[root] = -np.inf, np.inf
        t.slot[root] = self._take_slots(1)
        self._build(root)
        root_hist = self._pool[t.slot[0], 0]
        t.sums[root] = (root_hist[:self.n_bins_non_missing[0]].sum(axis=0)
                        + root_hist[self.missing_bin])
        self._root_cover = t.sums[0, self.K]
        if self._can_split(root)[0]:
            self._evaluate(root)
        if p.max_leaf_nodes is None:
            self._grow_depthwise(root)
        else:
            self._grow_best_first()
        return self._finish()

    def _grow_depthwise(self, level):
        t = self.nodes
        while level.size:
            valid = np.isfinite(t.gain[level])
            self._release(level[~valid])
            if not valid.any():
                break
            level = self._expand(level[valid])
        self._release(np.arange(t.size))

    def _grow_best_first(self):
        t = self.nodes
        heap = []
        n_leaves = 1
        if np.isfinite(t.gain[0]):
            heap.append((-t.gain[0], 0))
        while heap and n_leaves < self.params.max_leaf_nodes:
            _, node = heapq.heappop(heap)
            children = self._expand(np.array([node], dtype=np.int64))
            n_leaves += 1
            for child in children:
                if np.isfinite(t.gain[child]):
                    heapq.heappush(heap, (-t.gain[child], int(child)))
                else:
                    self._release([child])
        self._release(np.arange(t.size))

    def _finish(self):
        """Turn the node table into a :class:`Tree`."""
        t, p = self.nodes, self.params
        n = t.size
        is_leaf = t.left[:n] == LEAF
        feature = np.where(is_leaf, 0, t.feature[:n]).astype(INDEX_DTYPE)
        threshold_bin = np.where(is_leaf, 0, t.bin[:n]).astype(INDEX_DTYPE)
        threshold = np.full(n, np.inf)
        for node in np.nonzero(~is_leaf)[0]:
            threshold[node] = self.bin_mapper.bin_upper_edge(feature[node],
                                                             threshold_bin[node])
        sums = t.sums[:n]
        tree = Tree(
            feature=feature, threshold=threshold, threshold_bin=threshold_bin,
            missing_left=np.where(is_leaf, 0, t.missing_left[:n]).astype(np.uint8),
            left=t.left[:n].copy(), right=t.right[:n].copy(),
            value=_leaf_values(sums, self.K, p, t.lower[:n], t.upper[:n]),
            gain=np.where(is_leaf, 0.0, t.gain[:n]), cover=sums[:, self.K].copy(),
            n_samples=sums[:, self.K + 1].astype(np.int64))
        return GrownTree(tree, t.start[:n].copy(), t.end[:n].copy(), self.sample_indices)


def _leaf_values(sums, K, params, lower, upper):
    """Vectorised leaf values (see ``_kernels/criterion.leaf_value``).

    Parameters
    ----------
    sums : ndarray of shape (n_nodes, K + 2), float64
    lower, upper : ndarray of shape (n_nodes,), float64

    Returns
    -------
    ndarray of shape (n_nodes, K), float64
    """
    g = sums[:, :K]
    h = sums[:, K:K + 1] + params.l2
    tg = np.sign(g) * np.maximum(np.abs(g) - params.l1, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(h > 0, -tg / np.where(h > 0, h, 1.0), 0.0)
    if params.max_delta_step > 0:
        v = np.clip(v, -params.max_delta_step, params.max_delta_step)
    return np.clip(v, lower[:, np.newaxis], upper[:, np.newaxis])
