"""The absolute-error split engine (random forests with
``criterion="absolute_error"``).

Its impurity is not a function of gradient sums, so every node is scanned on
its own rows (``_kernels/absolute.py``); partitioning, growth policy and node
arrays are the shared ones.  Works on bins (histogram engine) and on ranks
(exact engine, whose thresholds are then the node-local midpoints).
"""
import numpy as np

from ._dtypes import INDEX_DTYPE
from ._kernels.absolute import find_splits_absolute
from ._presort import node_thresholds


class AbsoluteErrorSplitter:
    """Finds the splits that most reduce ``sum w |y - weighted median|``.

    The statistics handed to the grower are ``g = -w * y`` and ``h = w`` (as
    for the squared error), from which the targets are read back.
    """

    def attach(self, grower):
        self.grower = grower

    def start_tree(self, root):
        gr = self.grower
        with np.errstate(divide="ignore", invalid="ignore"):
            self._y = np.ascontiguousarray(
                np.where(gr.h[:, None] > 0, -gr.g / gr.h[:, None], 0.0))
        return gr.row_sums(root[0])

    def release(self, nodes):
        """Nothing is held per node."""

    def split_children(self, parents, lefts, rights, can_left, can_right):
        self.evaluate(np.sort(np.concatenate([lefts[can_left], rights[can_right]])))

    def evaluate(self, nodes):
        self.grower.evaluate_with_redraw(self._evaluate, nodes)

    def _evaluate(self, nodes):
        if nodes.size == 0:
            return
        gr = self.grower
        t, p = gr.nodes, gr.params
        m, d = nodes.size, gr.n_features
        gains = np.empty((m, d))
        bins = np.empty((m, d), dtype=INDEX_DTYPE)
        next_bins = np.empty((m, d), dtype=INDEX_DTYPE)
        missing = np.empty((m, d), dtype=np.uint8)
        missing_count = np.empty((m, d))
        mask, use_mask = gr.feature_mask(m)
        starts, ends = t.start[nodes], t.end[nodes]
        find_splits_absolute(gr.X_binned, gr.sample_indices, starts, ends, self._y, gr.h,
                             gr.n_bins_non_missing, gr.missing_bin, mask, use_mask,
                             float(p.min_samples_leaf), p.min_hessian, gains, bins,
                             next_bins, missing, missing_count)
        feature = np.argmax(gains, axis=1).astype(INDEX_DTYPE)
        index = np.arange(m)
        gain = gains[index, feature]
        best_bin = bins[index, feature]
        best_missing = missing[index, feature]
        left_sums = np.zeros((m, gr.C))
        for j in np.nonzero(np.isfinite(gain))[0]:
            rows = gr.sample_indices[starts[j]:ends[j]]
            column = gr.X_binned[rows, feature[j]]
            is_missing = column == gr.missing_bin
            if missing_count[j, feature[j]] == 0:
                n_left = np.count_nonzero(column <= best_bin[j])
                best_missing[j] = 1 if 2 * n_left >= rows.size else 0
            go_left = np.where(is_missing, best_missing[j] == 1, column <= best_bin[j])
            left_rows = rows[go_left]
            left_sums[j, :gr.K] = gr.g[left_rows].sum(axis=0)
            left_sums[j, gr.K] = gr.h[left_rows].sum()
            left_sums[j, gr.K + 1] = left_rows.size
        thresholds = None
        if hasattr(gr.bin_mapper, "values_"):
            thresholds = node_thresholds(gr.bin_mapper, feature, best_bin, next_bins, gain)
        gr.record_splits(nodes, gain, feature, best_bin, best_missing, left_sums, thresholds)
