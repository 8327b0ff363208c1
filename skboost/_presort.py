"""The exact split engine: column blocks sorted once per fit.

``ColumnBlocks`` ranks every value among the distinct values of its feature
(a ``BinMapper`` with one bin per distinct value) and keeps, per feature, the
rows in increasing order of value.  Every tree of the ensemble reuses the
blocks: bootstrap and subsampling only change which rows take part (rows
out of the tree have no node), never the order.

Memory: 4 bytes per cell for the ranks (``int32``, used by the shared
partition and prediction kernels), 8 bytes per cell for the sorted blocks
(row index and its rank, read sequentially by the scan), plus the distinct
values and thresholds (at most 16 bytes per cell, far less with repeated
values): at most 28 bytes per value of X.
"""
import numpy as np

from ._binning import BinMapper, midpoint_thresholds
from ._dtypes import INDEX_DTYPE
from ._kernels.presort import clear_row_stats, count_missing, fill_row_stats, sort_columns
from ._grower import scan_outputs, select_sorted
from ._kernels.split import find_splits_exact

# Bytes per cell of the blocks, worst case: ranks, sorted rows and their
# ranks, distinct values and thresholds.
BYTES_PER_CELL = 4 + 8 + 16


def available_memory():
    """Bytes of memory available to new allocations (Linux), or None."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def check_blocks_fit_memory(n_samples, n_features):
    """Raise ``MemoryError``-like ``ValueError`` before allocating blocks that
    cannot fit in the memory available."""
    needed = n_samples * n_features * BYTES_PER_CELL
    available = available_memory()
    if available is not None and needed > 0.8 * available:
        raise ValueError(
            f"split_method='exact' needs about {needed / 2**30:.1f} GiB for the "
            f"presorted column blocks of {n_samples} x {n_features} values, but only "
            f"{available / 2**30:.1f} GiB of memory is available; use "
            "split_method='hist' or fewer rows.")


class ColumnBlocks(BinMapper):
    """Ranks of every value and per-feature presorted row order.

    A :class:`~skboost._binning.BinMapper` with one bin per distinct value
    (``max_bins=None``): thresholds are the midpoints between consecutive
    distinct values, so partitioning and prediction are those of the
    histogram engine, on ``int32`` ranks.

    Attributes
    ----------
    values_ : list of ndarray of float64
        Sorted distinct values of each feature (rank ``r`` is ``values_[f][r]``).
    X_rank_ : ndarray of shape (n_samples, n_features), int32, F order
    order_, order_rank_, order_offsets_ : sorted present rows of each feature
        and their ranks
    nan_rows_, nan_offsets_ : rows with NaN of each feature
    """

    def __init__(self, n_categories=None):
        super().__init__(max_bins=None, subsample=None, n_categories=n_categories)

    def fit(self, X, sample_weight=None):
        """Rank ``X`` and sort every column (the training data).

        Parameters
        ----------
        X : ndarray or sparse matrix of shape (n_samples, n_features), float64
            A sparse matrix is ranked from its stored values (implicit zeros
            are one value, 0; stored NaN values are missing), exactly as its
            dense copy would be.
        sample_weight : ndarray of shape (n_samples,) or None
        """
        check_blocks_fit_memory(*X.shape)
        super().fit(X, sample_weight)  # also sets values_, the distinct values
        self.X_rank_ = self.transform(X)
        n_samples, n_features = X.shape
        n_missing = np.empty(n_features, dtype=np.int64)
        count_missing(self.X_rank_, self.missing_bin_, n_missing)
        self.nan_offsets_ = np.concatenate([[0], np.cumsum(n_missing)]).astype(np.int64)
        self.order_offsets_ = np.concatenate(
            [[0], np.cumsum(n_samples - n_missing)]).astype(np.int64)
        self.order_ = np.empty(self.order_offsets_[-1], dtype=INDEX_DTYPE)
        self.order_rank_ = np.empty(self.order_offsets_[-1], dtype=INDEX_DTYPE)
        self.nan_rows_ = np.empty(self.nan_offsets_[-1], dtype=INDEX_DTYPE)
        sort_columns(self.X_rank_, self.n_bins_non_missing_, self.missing_bin_,
                     self.order_, self.order_rank_, self.order_offsets_, self.nan_rows_,
                     self.nan_offsets_)
        return self

    def drop_training_data(self):
        """Free the blocks after the fit; thresholds stay for prediction."""
        for name in ("X_rank_", "order_", "order_rank_", "nan_rows_", "values_"):
            if hasattr(self, name):
                delattr(self, name)


def node_thresholds(blocks, feature, best_bin, next_bins, gain):
    """Raw thresholds between the values of ranks ``best_bin`` and the next
    rank present in the node; ``best_bin`` is updated in place (see
    :meth:`ExactSplitter._thresholds`).

    Parameters
    ----------
    next_bins : ndarray of shape (n_nodes, n_features), int32
        Next present rank of each (node, feature).

    Returns
    -------
    ndarray of shape (n_nodes,), float64
    """
    thresholds = np.full(feature.size, np.inf)
    split = np.flatnonzero(np.isfinite(gain))
    moved = best_bin[split].copy()
    thresholds[split] = split_thresholds(blocks, feature[split], moved,
                                         next_bins[split, feature[split]])
    best_bin[split] = moved
    return thresholds


def split_thresholds(blocks, feature, best_bin, next_bin):
    """Raw thresholds midway between the values of ranks ``best_bin`` and
    ``next_bin`` of each split's feature (scikit-learn's rule); ``best_bin``
    is moved up in place to the largest rank whose value lies below its
    threshold.  A ``next_bin`` past the feature's values ("missing or not")
    gives an infinite threshold and leaves ``best_bin`` as it is.

    Parameters
    ----------
    feature, best_bin, next_bin : ndarray of shape (n_splits,), int

    Returns
    -------
    ndarray of shape (n_splits,), float64
    """
    thresholds = np.full(feature.size, np.inf)
    for f in np.unique(feature):
        values = blocks.values_[f]
        at = np.flatnonzero((feature == f) & (next_bin < values.size))
        if at.size == 0:
            continue
        thresholds[at] = midpoint_thresholds(values[best_bin[at]], values[next_bin[at]])
        best_bin[at] = np.searchsorted(values, thresholds[at], side="right") - 1
    return thresholds


class ExactSplitter:
    """Finds exact splits by scanning the column blocks, level by level.

    Parameters
    ----------
    blocks : ColumnBlocks
        Fitted on the grower's data (``grower.X_binned`` is ``blocks.X_rank_``).
    """

    def __init__(self, blocks):
        self.blocks = blocks

    def attach(self, grower):
        self.grower = grower
        self._row_stats = np.zeros((grower.X_binned.shape[0], grower.C))
        self._row_stats[:, 0] = -1.0

    def start_tree(self, root):
        return self.grower.row_sums(root[0])

    def release(self, nodes):
        """Nothing is held per node."""

    def split_children(self, parents, lefts, rights, can_left, can_right):
        self.evaluate(np.sort(np.concatenate([lefts[can_left], rights[can_right]])))

    def evaluate(self, nodes):
        """Best exact split of every node in ``nodes``.

        Few small nodes are scanned by sorting their own rows; otherwise one
        pass over each feature's presorted block serves them all.
        """
        self.grower.evaluate_with_redraw(self._evaluate, nodes)

    def _evaluate(self, nodes):
        if nodes.size == 0:
            return
        gr = self.grower
        counts = (gr.nodes.end[nodes] - gr.nodes.start[nodes]).astype(np.float64)
        if 4.0 * np.sum(counts * np.log2(counts + 2)) < self.blocks.order_offsets_[1]:
            result = gr.scan_sorted(nodes)
        else:
            result = self._scan_blocks(nodes)
        gain, feature, best_bin, missing, left_sums, next_bins = result
        thresholds = self._thresholds(feature, best_bin, next_bins, gain)
        gr.record_splits(nodes, gain, feature, best_bin, missing, left_sums, thresholds)

    def _scan_blocks(self, nodes):
        gr, b = self.grower, self.blocks
        t = gr.nodes
        m = nodes.size
        starts, ends = t.start[nodes], t.end[nodes]
        gains, bins, missing, left_by_feature, missing_count, next_bins = \
            scan_outputs(m, gr.n_features, gr.C)
        mask, use_mask = gr.feature_mask(m)
        sums = np.ascontiguousarray(t.sums[nodes])
        fill_row_stats(gr.sample_indices, starts, ends, gr.g, gr.h, self._row_stats)
        try:
            find_splits_exact(b.order_, b.order_rank_, b.order_offsets_, b.nan_rows_,
                              b.nan_offsets_, self._row_stats, sums, t.lower[nodes],
                              t.upper[nodes], gr.n_bins_non_missing, mask, use_mask,
                              gr.monotonic_cst, gr.split_params, gains, bins, missing,
                              left_by_feature, missing_count, next_bins)
        finally:
            clear_row_stats(gr.sample_indices, starts, ends, self._row_stats)
        return select_sorted(sums, gains, bins, missing, left_by_feature, missing_count,
                             next_bins)

    def _thresholds(self, feature, best_bin, next_bins, gain):
        """Raw thresholds midway between the two values around each split
        *within the node* (not the global neighbours), as scikit-learn.

        ``best_bin`` is moved up to the largest rank whose value is still
        below the threshold, so that rows outside the tree (out-of-bag, zero
        weight) take the same side on ranks as on raw values; the node's own
        rows have no rank in between and are partitioned as before.
        """
        return node_thresholds(self.blocks, feature, best_bin, next_bins, gain)
