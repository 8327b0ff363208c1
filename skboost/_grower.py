"""TreeGrower: grows one tree on binned data from per-sample statistics.

The grower owns the growth policy and the buffers reused from tree to tree
(row indices, node table), so a fit allocates them once.  Growth is
depthwise (all nodes of a level expanded with one call of each kernel) or
best-first (``max_leaf_nodes``: the open leaf with the largest gain is
expanded next).  Finding splits is delegated to a splitter: the histogram
engine (``_histogram.HistogramSplitter``) or the exact engine on presorted
column blocks (``_presort.ExactSplitter``); partitioning, constraints, leaf
values and the resulting node arrays are shared.
"""
import copy
import heapq
import inspect
from functools import partial

import numpy as np

from ._dtypes import INDEX_DTYPE, SUM_DTYPE
from ._kernels.criterion import NEWTON, NOISE_GAIN, split_params
from ._kernels.categorical import (BITSET_WORDS, categorical_left_sums,
                                   categorical_left_sums_rows, find_categorical_splits,
                                   find_categorical_splits_rows)
from ._kernels.partition import partition_nodes
from ._kernels.sparse import partition_nodes_sparse
from ._sparse_bins import GATHER_CELLS, SparseBins
from ._kernels.split import find_splits_sorted, select_best_exact
from ._tree import LEAF, Tree, _alive, compact_tree, prune_ccp


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
    criterion : int
        ``NEWTON``, ``ENTROPY`` or ``POISSON`` (``_kernels/criterion.py``).
    column_sampler : skboost._features.ColumnSampler or None
        xgboost-style column sampling and interaction constraints (instead of
        ``max_features``).
    float32_ties : bool
        Break near-ties between exact split candidates as xgboost does (see
        ``_kernels.criterion.split_params``).
    categorical_features : ndarray of int or None
        Features whose bins are category codes: their splits send a subset
        of categories left (``_kernels/categorical.py``).
    max_onehot : int
        With fewer categories in a node, categorical splits are one-vs-rest;
        otherwise prefixes of the categories sorted by value (0: always).
    """

    def __init__(self, max_depth=None, max_leaf_nodes=None, min_samples_split=2,
                 min_samples_leaf=1, min_hessian=0.0, min_split_gain=0.0,
                 min_impurity_decrease=0.0, l2=0.0, l1=0.0, max_delta_step=0.0,
                 monotonic_cst=None, max_features=None, criterion=NEWTON,
                 column_sampler=None, float32_ties=False, categorical_features=None,
                 max_onehot=0):
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
        self.criterion = criterion
        self.float32_ties = bool(float32_ties)
        self.categorical_features = (np.zeros(0, dtype=INDEX_DTYPE)
                                     if categorical_features is None else
                                     np.asarray(categorical_features, dtype=INDEX_DTYPE))
        self.max_onehot = int(max_onehot)
        self.column_sampler = (column_sampler if column_sampler is not None
                               and column_sampler.active else None)

    def kernel_params(self):
        """The float64 parameter array read by the split kernels."""
        return split_params(self.l2, self.l1, self.max_delta_step,
                            float(self.min_samples_leaf), self.min_hessian, self.criterion,
                            self.float32_ties)


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

    def prune_min_gain(self, min_gain):
        """xgboost's post-pruning: bottom-up, a split whose children are both
        leaves and whose gain is below ``min_gain`` becomes a leaf."""
        tree = self.tree
        is_leaf = tree.left == LEAF
        for node in range(tree.node_count - 1, -1, -1):  # children after parents
            if (not is_leaf[node] and is_leaf[tree.left[node]] and is_leaf[tree.right[node]]
                    and tree.gain[node] < min_gain):
                is_leaf[node] = True
        if np.array_equal(is_leaf, tree.left == LEAF):
            return
        self.tree, self.node_starts, self.node_ends = compact_tree(
            tree, _alive(tree, is_leaf), self.node_starts, self.node_ends)

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
               "bin": INDEX_DTYPE, "missing_left": np.uint8, "threshold": np.float64,
               "categorical": np.uint8}

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
        for name, width, dtype in (("sums", self.C, SUM_DTYPE),
                                   ("left_sums", self.C, SUM_DTYPE),
                                   ("bitset", BITSET_WORDS, np.uint32)):
            arr = np.empty((capacity, width), dtype=dtype)
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
        self.categorical[ids] = 0
        self.bitset[ids] = 0
        return ids


class TreeGrower:
    """Grow trees on one binned (or ranked) dataset.

    Parameters
    ----------
    X_binned : ndarray of shape (n_samples, n_features), uint8 or int32, F order
        Bins (histogram engine) or ranks among distinct values (exact engine);
        or :class:`~skboost._sparse_bins.SparseBins` (histogram engine).
    bin_mapper : BinMapper
        Fitted on the same data: bins per feature and thresholds.
    n_channels : int
        Gradient channels K of the statistics.
    params : GrowerParams
    splitter : HistogramSplitter or ExactSplitter, default=None
        Split engine (the histogram engine when None).
    """

    def __init__(self, X_binned, bin_mapper, n_channels, params, splitter=None):
        self.X_binned = X_binned
        self.sparse_bins = isinstance(X_binned, SparseBins)
        self.bin_mapper = bin_mapper
        self.n_bins_non_missing = bin_mapper.n_bins_non_missing_
        self.missing_bin = bin_mapper.missing_bin_
        self.K = int(n_channels)
        self.C = self.K + 2
        self.params = params
        n_samples, self.n_features = X_binned.shape
        self.sample_indices = np.empty(n_samples, dtype=INDEX_DTYPE)
        self._buffer = np.empty(n_samples, dtype=INDEX_DTYPE)
        mono = params.monotonic_cst
        self.monotonic_cst = (np.zeros(self.n_features, dtype=np.int8) if mono is None
                              else np.ascontiguousarray(mono, dtype=np.int8))
        self.split_params = params.kernel_params()
        self.cat_features = params.categorical_features
        if splitter is None:
            from ._histogram import HistogramSplitter
            splitter = HistogramSplitter()
        self.splitter = splitter
        splitter.attach(self)

    def spawn(self):
        """A grower on the same binned data with its own buffers, parameters and
        splitter: it can grow another tree at the same time on another thread."""
        splitter = copy.copy(self.splitter)  # attach() gives it its own buffers
        for name, value in list(vars(splitter).items()):
            if inspect.ismethod(value):  # bound to the original splitter
                delattr(splitter, name)
        return TreeGrower(self.X_binned, self.bin_mapper, self.K, copy.copy(self.params),
                          splitter=splitter)

    def set_min_hessian(self, min_hessian):
        """Change the minimum child hessian (e.g. per bootstrap sample)."""
        self.params.min_hessian = float(min_hessian)
        self.split_params = self.params.kernel_params()

    # ------------------------------------------------------ split bookkeeping
    def can_split(self, nodes):
        """Whether ``nodes`` are allowed to split (depth, counts, hessian)."""
        t, p = self.nodes, self.params
        count = t.sums[nodes, self.K + 1]
        return ((t.depth[nodes] < p.max_depth)
                & (count >= p.min_samples_split)
                & (count >= 2 * p.min_samples_leaf)
                & (t.sums[nodes, self.K] >= 2 * p.min_hessian))

    def feature_mask(self, m):
        """Features the numeric split scans may use for ``m`` nodes:
        (mask, use_mask) for the kernels.  Categorical features are left out
        here; :meth:`record_splits` evaluates them with the same draw."""
        mask, use_mask = self._drawn_mask(m)
        self._record_mask = (mask, use_mask)
        if self.cat_features.size == 0:
            return mask, use_mask
        numeric = mask.copy() if use_mask else np.ones((m, self.n_features), dtype=np.uint8)
        numeric[:, self.cat_features] = 0
        return numeric, True

    def _drawn_mask(self, m):
        """Features drawn for ``m`` nodes (max_features or column sampling)."""
        p = self.params
        if p.column_sampler is not None:
            nodes = self._mask_nodes
            return p.column_sampler.masks(nodes, self.nodes.depth[nodes]), True
        if p.max_features is None or p.max_features >= self.n_features:
            return np.zeros((1, 1), dtype=np.uint8), False
        if self._forced_mask is not None:
            return self._forced_mask, True
        draws = self._rng.random_sample((m, self.n_features)).argsort(axis=1)
        mask = np.zeros((m, self.n_features), dtype=np.uint8)
        np.put_along_axis(mask, draws[:, :p.max_features], 1, axis=1)
        self._last_mask = mask
        return mask, True

    def evaluate_with_redraw(self, evaluate, nodes):
        """Run ``evaluate(nodes)``; nodes left without a split by their drawn
        features are evaluated once more on the features not drawn.

        scikit-learn keeps drawing features while the drawn ones are constant
        in the node; without this a node whose few drawn features cannot
        split it would become a leaf (sparse or constant columns).
        """
        self._mask_nodes = nodes
        evaluate(nodes)
        p = self.params
        if (p.max_features is None or p.max_features >= self.n_features or nodes.size == 0
                or p.column_sampler is not None):
            return
        stuck = ~np.isfinite(self.nodes.gain[nodes])
        if not stuck.any():
            return
        self._forced_mask = np.ascontiguousarray(1 - self._last_mask[stuck])
        self._mask_nodes = nodes[stuck]
        try:
            evaluate(nodes[stuck])
        finally:
            self._forced_mask = None

    def record_splits(self, nodes, gain, feature, best_bin, missing_left, left_sums,
                      thresholds=None, histograms=None):
        """Store the best split found for each of ``nodes``; ``-inf`` gain
        marks nodes whose best split fails the gain thresholds.  Raw
        ``thresholds`` default to the upper edge of ``best_bin``.

        With categorical features, their best subset splits are found here
        (from ``histograms`` = (pool, slots of ``nodes``) when the splitter
        has them, else from the rows) and replace the numeric split of a node
        where they gain more.
        """
        t, p = self.nodes, self.params
        if thresholds is None:
            thresholds = np.full(nodes.size, np.nan)
        if self.cat_features.size:
            gain, feature, best_bin, missing_left, left_sums, thresholds = \
                self._categorical_splits(nodes, gain, feature, best_bin, missing_left,
                                         left_sums, thresholds, histograms)
        valid = (np.isfinite(gain) & (gain > p.min_split_gain)
                 & (gain >= p.min_impurity_decrease * self._root_cover))
        if p.criterion == NEWTON:
            valid &= ~self._rounding_noise(gain, t.sums[nodes], left_sums)
        t.gain[nodes] = np.where(valid, gain, -np.inf)
        t.feature[nodes] = feature
        t.bin[nodes] = best_bin
        t.missing_left[nodes] = missing_left
        t.left_sums[nodes] = left_sums
        t.threshold[nodes] = thresholds

    def _rounding_noise(self, gain, sums, left_sums):
        """Gains that are rounding residue: where a split does not change
        the objective (a node whose rows all have the same gradient), the
        children's scores (each about ``G^2 / H``) minus the parent's leave
        about 1e-16 of the children's scores, positive or not.  Such splits
        are not made, whichever way the last bits fell.
        """
        K, l2 = self.K, self.params.l2
        right_sums = sums - left_sums
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = ((left_sums[:, :K] ** 2).sum(axis=1) / (left_sums[:, K] + l2)
                     + (right_sums[:, :K] ** 2).sum(axis=1) / (right_sums[:, K] + l2))
        return np.isfinite(scale) & (gain <= NOISE_GAIN * scale)

    def _categorical_splits(self, nodes, gain, feature, best_bin, missing_left, left_sums,
                            thresholds, histograms):
        """Best categorical splits of ``nodes``; each replaces the numeric one
        where its gain is larger (equal gains: the lower feature index)."""
        t = self.nodes
        m, d, cat = nodes.size, self.n_features, self.cat_features
        mask, use_mask = self._record_mask
        sums = np.ascontiguousarray(t.sums[nodes])
        gains = np.full((m, d), -np.inf)
        missing = np.zeros((m, d), dtype=np.uint8)
        bits = np.zeros((m, cat.size, BITSET_WORDS), dtype=np.uint32)
        common = (sums, t.lower[nodes], t.upper[nodes], cat, self.n_bins_non_missing,
                  self.missing_bin, mask, use_mask, self.split_params,
                  self.params.max_onehot, gains, missing, bits)
        if histograms is not None:
            pool, slots = histograms
            find_categorical_splits(pool, slots, *common)
        else:  # (sparse X has no categorical features: dense bins here)
            find_categorical_splits_rows(self.X_binned, self.sample_indices, t.start[nodes],
                                         t.end[nodes], self.g, self.h, *common)
        rows = np.arange(m)
        best = np.argmax(gains[:, cat], axis=1)
        cat_gain = gains[rows, cat[best]]
        cat_feature = cat[best]
        wins = np.isfinite(cat_gain) & ((cat_gain > gain) | ((cat_gain == gain)
                                                              & (cat_feature < feature)))
        t.categorical[nodes] = wins
        if not wins.any():
            return gain, feature, best_bin, missing_left, left_sums, thresholds
        gain, feature, best_bin, missing_left, left_sums, thresholds = (
            a.copy() for a in (gain, feature, best_bin, missing_left, left_sums, thresholds))
        w = np.flatnonzero(wins)
        gain[w] = cat_gain[w]
        feature[w] = cat_feature[w]
        best_bin[w] = 0
        missing_left[w] = missing[w, cat_feature[w]]
        thresholds[w] = np.nan
        chosen_bits = np.ascontiguousarray(bits[w, best[w]])
        t.bitset[nodes[w]] = chosen_bits
        out = np.zeros((w.size, self.C))
        if histograms is not None:
            categorical_left_sums(histograms[0], histograms[1][w], feature[w], chosen_bits,
                                  missing_left[w], self.n_bins_non_missing, self.missing_bin,
                                  out)
        else:
            categorical_left_sums_rows(self.X_binned, self.sample_indices, t.start[nodes[w]],
                                       t.end[nodes[w]], self.g, self.h, feature[w],
                                       chosen_bits, missing_left[w], self.missing_bin, out)
        left_sums[w] = out
        return gain, feature, best_bin, missing_left, left_sums, thresholds

    def scan_sorted(self, nodes):
        """Best splits of ``nodes`` by sorting each node's rows (small nodes).

        Returns
        -------
        gain, feature, best_bin, missing_left, left_sums, next_bins
            Per node; ``next_bins`` of shape (n_nodes, n_features) is the
            next present bin above each feature's threshold.
        """
        t = self.nodes
        m = nodes.size
        gains, bins, missing, left_by_feature, missing_count, next_bins = \
            scan_outputs(m, self.n_features, self.C)
        mask, use_mask = self.feature_mask(m)
        sums = np.ascontiguousarray(t.sums[nodes])
        for sel, X, idx, starts, ends, g, h in self.row_batches(nodes):
            find_splits_sorted(X, idx, starts, ends, g, h, sums[sel], t.lower[nodes[sel]],
                               t.upper[nodes[sel]], self.n_bins_non_missing,
                               self.missing_bin, mask[sel] if use_mask else mask, use_mask,
                               self.monotonic_cst, self.split_params, gains[sel], bins[sel],
                               missing[sel], left_by_feature[sel], missing_count[sel],
                               next_bins[sel])
        return select_sorted(sums, gains, bins, missing, left_by_feature, missing_count,
                             next_bins)

    def row_batches(self, nodes):
        """What the row kernels read for ``nodes``, in batches.

        Yields
        ------
        selection : slice
            The nodes of this batch (into ``nodes``).
        X : ndarray of shape (n_rows, n_features), uint8 or int32, F order
        sample_indices : ndarray of shape (n_rows,), int32
        starts, ends : ndarray of shape (n_batch_nodes,), int64
            Each node's range of ``sample_indices``.
        g, h : ndarray
            Statistics indexed by the values of ``sample_indices``.

        Dense bins are read in place (one batch); sparse bins are gathered
        into dense blocks of the nodes' rows, a bounded number of cells at a
        time (these kernels serve small nodes).
        """
        t = self.nodes
        starts, ends = t.start[nodes], t.end[nodes]
        if not self.sparse_bins:
            yield slice(None), self.X_binned, self.sample_indices, starts, ends, self.g, self.h
            return
        counts = ends - starts
        batch_rows = max(1, GATHER_CELLS // max(1, self.n_features))
        first = 0
        while first < nodes.size:
            stop = first + 1
            rows = counts[first]
            while stop < nodes.size and rows + counts[stop] <= batch_rows:
                rows += counts[stop]
                stop += 1
            sel = slice(first, stop)
            local_ends = np.cumsum(counts[sel])
            local_starts = local_ends - counts[sel]
            positions = (np.repeat(starts[sel] - local_starts, counts[sel])
                         + np.arange(rows, dtype=np.int64))
            row_ids = self.sample_indices[positions]
            yield (sel, self.X_binned.gather(row_ids), np.arange(rows, dtype=INDEX_DTYPE),
                   local_starts, local_ends, np.ascontiguousarray(self.g[row_ids]),
                   np.ascontiguousarray(self.h[row_ids]))
            first = stop

    def row_sums(self, node):
        """Sums (C,) of a node computed from its rows."""
        t = self.nodes
        rows = self.sample_indices[t.start[node]:t.end[node]]
        sums = np.zeros(self.C)
        sums[:self.K] = self.g[rows].sum(axis=0)
        sums[self.K] = self.h[rows].sum()
        sums[self.K + 1] = rows.size
        return sums

    # ------------------------------------------------------------ expansion
    def _expand(self, parents):
        """Split ``parents`` (with valid splits); return the new splittable nodes."""
        t = self.nodes
        m = parents.size
        starts = t.start[parents]
        n_left = np.empty(m, dtype=np.int64)
        if self.sparse_bins:
            partition = partial(partition_nodes_sparse, *self.X_binned.csr,
                                self.X_binned.zero_bin)
        else:
            partition = partial(partition_nodes, self.X_binned)
        partition(self.sample_indices, self._buffer, starts, t.end[parents],
                  t.feature[parents], t.bin[parents], t.missing_left[parents],
                  self.missing_bin, t.categorical[parents],
                  np.ascontiguousarray(t.bitset[parents]), n_left)
        children = t.add(2 * m)
        lefts, rights = children[0::2], children[1::2]
        t.left[parents] = lefts
        t.right[parents] = rights
        t.start[lefts] = starts
        t.end[lefts] = starts + n_left
        t.start[rights] = starts + n_left
        t.end[rights] = t.end[parents]
        t.depth[children] = np.repeat(t.depth[parents] + 1, 2)
        if self.params.column_sampler is not None:
            self.params.column_sampler.split(parents, t.feature[parents], lefts, rights)
        t.sums[lefts] = t.left_sums[parents]
        t.sums[rights] = t.sums[parents] - t.left_sums[parents]
        self._child_bounds(parents, lefts, rights)
        can_left = self.can_split(lefts)
        can_right = self.can_split(rights)
        self.splitter.split_children(parents, lefts, rights, can_left, can_right)
        return np.sort(np.concatenate([lefts[can_left], rights[can_right]]))

    def _child_bounds(self, parents, lefts, rights):
        """Children inherit bounds; monotonic splits cut them at the mid value."""
        t, p = self.nodes, self.params
        t.lower[lefts] = t.lower[rights] = t.lower[parents]
        t.upper[lefts] = t.upper[rights] = t.upper[parents]
        cst = self.monotonic_cst[t.feature[parents]]
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

    # ---------------------------------------------------------------- grow
    def grow(self, g, h, rows, rng=None, unit_hessian=False):
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
        unit_hessian : bool, default=False
            Promise that ``h`` is 1 on every row of ``rows`` (lets the
            histogram engine count instead of summing hessians).

        Returns
        -------
        GrownTree
        """
        self.g, self.h, self._rng = g, h, rng
        self.unit_hessian = bool(unit_hessian)
        self._forced_mask = None
        if self.params.column_sampler is not None:
            self.params.column_sampler.start_tree(rng)
        self.nodes = t = _NodeTable(self.K)
        n_rows = rows.size
        self.sample_indices[:n_rows] = rows
        # rows are increasing: all of them means rows[i] == i
        self.all_rows_in_order = n_rows == self.sample_indices.size
        root = t.add(1)
        t.start[root], t.end[root], t.depth[root] = 0, n_rows, 0
        t.lower[root], t.upper[root] = -np.inf, np.inf
        t.sums[root] = self.splitter.start_tree(root)
        self._root_cover = t.sums[0, self.K]
        if self.can_split(root)[0]:
            self.splitter.evaluate(root)
        if self.params.max_leaf_nodes is None:
            self._grow_depthwise(root)
        else:
            self._grow_best_first()
        self.splitter.release(np.arange(t.size))
        return self._finish()

    def _grow_depthwise(self, level):
        t = self.nodes
        while level.size:
            valid = np.isfinite(t.gain[level])
            self.splitter.release(level[~valid])
            if not valid.any():
                break
            level = self._expand(level[valid])

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
                    self.splitter.release([child])

    def _finish(self):
        """Turn the node table into a :class:`Tree`."""
        t, p = self.nodes, self.params
        n = t.size
        is_leaf = t.left[:n] == LEAF
        feature = np.where(is_leaf, 0, t.feature[:n]).astype(INDEX_DTYPE)
        threshold_bin = np.where(is_leaf, 0, t.bin[:n]).astype(INDEX_DTYPE)
        threshold = np.full(n, np.inf)
        categorical = np.where(is_leaf, 0, t.categorical[:n]).astype(np.uint8)
        numeric = np.flatnonzero(~is_leaf & (categorical == 0))
        recorded = t.threshold[numeric]
        threshold[numeric] = np.where(
            np.isnan(recorded),
            self.bin_mapper.bin_upper_edges(feature[numeric], threshold_bin[numeric]),
            recorded)
        threshold[categorical == 1] = np.nan
        sums = t.sums[:n]
        tree = Tree(
            categorical=categorical, cat_bitset=self._code_bitsets(feature, categorical),
            feature=feature, threshold=threshold, threshold_bin=threshold_bin,
            missing_left=np.where(is_leaf, 0, t.missing_left[:n]).astype(np.uint8),
            left=t.left[:n].copy(), right=t.right[:n].copy(),
            value=_leaf_values(sums, self.K, p, t.lower[:n], t.upper[:n]),
            gain=np.where(is_leaf, 0.0, t.gain[:n]), cover=sums[:, self.K].copy(),
            n_samples=sums[:, self.K + 1].astype(np.int64))
        return GrownTree(tree, t.start[:n].copy(), t.end[:n].copy(), self.sample_indices)


    def _code_bitsets(self, feature, categorical):
        """Bitsets of category codes (the node table's are over bins, which are
        ranks among present values in the exact engine)."""
        n = feature.size
        out = np.zeros((n, BITSET_WORDS), dtype=np.uint32)
        values = getattr(self.bin_mapper, "values_", None)
        for node in np.flatnonzero(categorical):
            bits = self.nodes.bitset[node]
            if values is None:  # histogram bins are the codes
                out[node] = bits
                continue
            bins = np.flatnonzero(np.unpackbits(bits.view(np.uint8), bitorder="little"))
            codes = values[feature[node]][bins].astype(np.int64)
            for code in codes:
                out[node, code >> 5] |= np.uint32(1) << np.uint32(code & 31)
        return out


def scan_outputs(m, d, C):
    """Output arrays of the sorted and block scans for ``m`` nodes, ``d``
    features and ``C`` sums: gains, bins, missing sides, left sums per
    feature, missing counts and next bins."""
    return (np.empty((m, d)), np.empty((m, d), dtype=INDEX_DTYPE),
            np.empty((m, d), dtype=np.uint8), np.zeros((m, d, C)), np.empty((m, d)),
            np.empty((m, d), dtype=INDEX_DTYPE))


def select_sorted(sums, gains, bins, missing, left_by_feature, missing_count, next_bins):
    """Each node's best feature from the per-feature results of a sorted scan.

    Returns
    -------
    gain, feature, best_bin, missing_left, left_sums, next_bins
    """
    m, C = sums.shape
    gain = np.empty(m)
    feature = np.empty(m, dtype=INDEX_DTYPE)
    best_bin = np.empty(m, dtype=INDEX_DTYPE)
    best_missing = np.empty(m, dtype=np.uint8)
    left_sums = np.zeros((m, C))
    select_best_exact(sums, gains, bins, missing, left_by_feature, missing_count,
                      gain, feature, best_bin, best_missing, left_sums)
    return gain, feature, best_bin, best_missing, left_sums, next_bins


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
    # (the steps that would change nothing are skipped: forests' trees have
    # tens of thousands of nodes and no L1, clipping or bounds)
    tg = g if params.l1 == 0 else np.sign(g) * np.maximum(np.abs(g) - params.l1, 0.0)
    positive = h > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        v = -tg / h
    if not positive.all():
        v = np.where(positive, v, 0.0)
    if params.max_delta_step > 0:
        v = np.clip(v, -params.max_delta_step, params.max_delta_step)
    if np.isneginf(lower).all() and np.isposinf(upper).all():
        return v
    return np.clip(v, lower[:, np.newaxis], upper[:, np.newaxis])
