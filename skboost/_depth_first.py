"""DepthFirstGrower: a whole tree per kernel call, for deep trees (forests).

The level-wise :class:`~skboost._grower.TreeGrower` calls a few kernels per
level of the tree; a forest's trees are deep (dozens of levels, tens of
thousands of nodes of a few rows), where those calls and their Python
bookkeeping cost more than the work inside them.  This grower hands the
whole tree to ``_kernels.depth_first.grow_depth_first`` instead: one serial,
GIL-free call per tree, so trees grow on parallel threads.

It serves the common case of both engines: dense bins (the histogram
engine's) or ranks (the exact engine's, where more nodes are sorted than
histogrammed: see :func:`rows_sorted_below`), numeric features,
depth-limited growth, no monotonic constraints, no xgboost-style column
sampling.  :meth:`DepthFirstGrower.supports` says
whether a grower's setting is covered; otherwise the level-wise grower is
used.
"""
import numpy as np

from ._dtypes import BIN_DTYPE, INDEX_DTYPE, STAT_DTYPE
from ._grower import GrownTree
from ._histogram import HistogramSplitter
from ._kernels.criterion import P_MIN_HESSIAN
from ._kernels.depth_first import (L_MAX_DEPTH, L_MAX_FEATURES, L_MIN_SAMPLES_SPLIT,
                                   L_SORT_ROWS, N_LIMITS, N_THRESHOLDS, SMALL_NODE_ROWS,
                                   SORT_SHIFT, T_MIN_IMPURITY_DECREASE, T_MIN_SPLIT_GAIN,
                                   grow_depth_first, seed_state)
from ._presort import ExactSplitter, split_thresholds
from ._sparse_bins import SparseBins
from ._tree import Tree


# Ranks are histogrammed (in large nodes) up to this many distinct values
# per feature: the kernel's histograms of ranks take 16 x (values + 1) x
# (K + 2) float64 per tree being grown (19 MB at this bound with 7 classes).
# Above it every node is sorted.
MAX_RANK_BINS = 16384


def rows_sorted_below(n_bins):
    """Largest node sorted rather than histogrammed when features have up to
    ``n_bins`` bins (the exact engine's ranks: a bin per distinct value).

    Sorting m rows costs about ``m log2 m`` comparisons, a histogram m
    additions plus a scan of its bins; the factor 24 is measured (covertype,
    up to 5,800 distinct values per feature: 20 exact trees took 2.19 s when
    nodes below 5,800 rows were sorted, 0.96 s below 90 and 0.87 s below 32).
    Beyond ``MAX_RANK_BINS`` every node is sorted (100,000 rows x 28
    continuous features, 10 trees: 2.77 s, the same as with histograms above
    512 rows, and 6.98 s level-wise).
    """
    if n_bins > MAX_RANK_BINS:
        return 2 ** SORT_SHIFT - 1
    m = SMALL_NODE_ROWS
    while m * np.log2(m) * 24 < n_bins and m < 2 ** (SORT_SHIFT - 1):
        m *= 2
    return m


class DepthFirstGrower:
    """Grow trees depth-first on one binned dataset, one kernel call each.

    Parameters
    ----------
    X_binned : ndarray of shape (n_samples, n_features), uint8 or int32
        Bins, or the exact engine's ranks (any memory order: a row-major
        copy is kept).
    bin_mapper : BinMapper
        Fitted on the same data.
    n_channels : int
        Gradient channels K.
    params : GrowerParams
    blocks : ColumnBlocks or None
        The exact engine's blocks (their distinct values give the
        thresholds); None for bins.

    Notes
    -----
    The grower keeps no state between trees (every call allocates its own
    scratch), so one instance serves every thread.
    """

    # every kernel it calls is serial: threads may grow trees at once under
    # any numba threading layer (see ensemble._base.grow_in_parallel)
    serial_kernels_only = True

    def __init__(self, X_binned, bin_mapper, n_channels, params, blocks=None):
        self.X_rows = np.ascontiguousarray(X_binned, dtype=BIN_DTYPE if blocks is None
                                           else INDEX_DTYPE)
        self.blocks = blocks
        self.bin_mapper = bin_mapper
        self.K = int(n_channels)
        self.params = params
        self.n_features = self.X_rows.shape[1]
        self.n_bins_non_missing = np.ascontiguousarray(bin_mapper.n_bins_non_missing_,
                                                       dtype=INDEX_DTYPE)
        self.missing_bin = int(bin_mapper.missing_bin_)
        # nodes of at most this many rows are sorted, larger ones histogrammed
        self.sort_rows = (SMALL_NODE_ROWS if blocks is None
                          else rows_sorted_below(self.missing_bin))

    @staticmethod
    def supports(grower):
        """Whether the level-wise ``grower``'s data and settings can be grown
        depth-first (histogram engine on dense bins or exact engine, numeric
        features, no leaf budget, constraint or column sampler)."""
        p = grower.params
        exact = (isinstance(grower.splitter, ExactSplitter)
                 and grower.X_binned.shape[0] < 2 ** SORT_SHIFT)
        bins = (isinstance(grower.splitter, HistogramSplitter)
                and not isinstance(grower.X_binned, SparseBins)
                and grower.X_binned.dtype == BIN_DTYPE)
        return ((exact or bins)
                and p.max_leaf_nodes is None and p.column_sampler is None
                and p.categorical_features.size == 0 and not p.float32_ties
                and (p.monotonic_cst is None or not np.any(p.monotonic_cst)))

    @classmethod
    def from_grower(cls, grower):
        """The depth-first grower of the same data and settings."""
        blocks = (grower.splitter.blocks if isinstance(grower.splitter, ExactSplitter)
                  else None)
        return cls(grower.X_binned, grower.bin_mapper, grower.K, grower.params, blocks)

    def spawn(self):
        """The grower for another thread: this one (no state between trees)."""
        return self

    def grow(self, channel, value, weight, rows, seed, n_first_block=0,
             min_hessian=0.0):
        """Grow one tree.

        Parameters
        ----------
        channel : ndarray of shape (n_samples, n_outputs), int32
            The gradient channel each output of a row adds to.
        value : ndarray of shape (n_samples, n_outputs), float64
            What it adds (``-w * y``; ``-w`` for the class channel).
        weight : ndarray of shape (n_samples,), float64
            Hessians (sample weights).
        rows : ndarray of shape (n_rows,), int32
            The tree's rows (weight > 0).
        seed : int
            Seeds the features drawn per node.
        n_first_block : int, default=0
            Class channels of the first output (0 for regression).
        min_hessian : float, default=0.0
            Minimum weight of a child.

        Returns
        -------
        GrownTree
            With ``sample_indices`` the tree's rows grouped by node.
        """
        p = self.params
        params = p.kernel_params()
        params[P_MIN_HESSIAN] = float(min_hessian)
        limits = np.zeros(N_LIMITS, dtype=np.int64)
        limits[L_MAX_DEPTH] = p.max_depth
        limits[L_MIN_SAMPLES_SPLIT] = p.min_samples_split
        limits[L_MAX_FEATURES] = (self.n_features if p.max_features is None
                                  else p.max_features)
        limits[L_SORT_ROWS] = self.sort_rows
        thresholds = np.zeros(N_THRESHOLDS)
        thresholds[T_MIN_SPLIT_GAIN] = p.min_split_gain
        thresholds[T_MIN_IMPURITY_DECREASE] = p.min_impurity_decrease
        rows = np.ascontiguousarray(rows, dtype=INDEX_DTYPE).copy()
        (n, feature, threshold_bin, next_bin, missing_left, left, right, gain, start, end,
         sums, values) = grow_depth_first(
            self.X_rows, rows, np.ascontiguousarray(channel, dtype=INDEX_DTYPE),
            np.ascontiguousarray(value, dtype=STAT_DTYPE),
            np.ascontiguousarray(weight, dtype=STAT_DTYPE), self.n_bins_non_missing,
            self.missing_bin, self.K, int(n_first_block), params, limits, thresholds,
            seed_state(int(seed)))
        tree = self._tree(feature[:n], threshold_bin[:n], next_bin[:n], missing_left[:n],
                          left[:n], right[:n], gain[:n], sums[:n], values)
        return GrownTree(tree, start[:n].copy(), end[:n].copy(), rows)

    def _tree(self, feature, threshold_bin, next_bin, missing_left, left, right, gain, sums,
              values):
        """A :class:`Tree` from the kernel's node arrays."""
        n = feature.size
        split = np.flatnonzero(left >= 0)
        threshold = np.full(n, np.inf)
        if self.blocks is None:
            threshold[split] = self.bin_mapper.bin_upper_edges(feature[split],
                                                               threshold_bin[split])
        else:  # midway between the values around the split within the node
            moved = threshold_bin[split].copy()
            threshold[split] = split_thresholds(self.blocks, feature[split], moved,
                                                next_bin[split])
            threshold_bin = threshold_bin.copy()
            threshold_bin[split] = moved
        return Tree(feature=feature.copy(), threshold=threshold,
                    threshold_bin=threshold_bin.copy(), missing_left=missing_left.copy(),
                    left=left.copy(), right=right.copy(),
                    value=values,
                    gain=gain.copy(), cover=sums[:, self.K].copy(),
                    n_samples=sums[:, self.K + 1].astype(np.int64))
