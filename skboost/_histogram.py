"""The histogram split engine: per-node histograms, subtraction, split scan.

Histograms live in a pool of slots (``node table .slot``).  A parent's slot
is handed to its larger child, whose histogram is the parent's minus the
smaller child's; only the smaller child is built from rows.
"""
import numpy as np

from ._dtypes import INDEX_DTYPE, SUM_DTYPE
from ._kernels.histogram import (build_histograms, build_root_gradients, gather_stats,
                                 subtract_histograms)
from ._kernels.sparse import (build_histograms_sparse, build_histograms_sparse_rows,
                              pack_node_rows)
from ._kernels.split import find_splits, select_best_splits

# Histograms kept alive at once are bounded by this many bytes; beyond it,
# children histograms are built directly in batches instead of by subtraction.
HISTOGRAM_MEMORY_BUDGET = 512 * 2**20


class HistogramSplitter:
    """Finds splits from histograms of binned data for a :class:`TreeGrower`."""

    def attach(self, grower):
        """Allocate the buffers for ``grower``'s data (once per fit)."""
        self.grower = grower
        n_samples = grower.X_binned.shape[0]
        if grower.sparse_bins:
            # statistics and node of each row, one cache line apart
            self._packed = np.empty((n_samples, grower.C), dtype=SUM_DTYPE)
        else:
            self._ordered_g = np.empty((n_samples, grower.K), dtype=SUM_DTYPE)
            self._ordered_h = np.empty(n_samples, dtype=SUM_DTYPE)
        n_bins = grower.missing_bin + 1
        slot_bytes = grower.n_features * n_bins * grower.C * 8
        self._max_slots = max(4, HISTOGRAM_MEMORY_BUDGET // slot_bytes)
        self._pool = np.empty((0, grower.n_features, n_bins, grower.C))
        self._free = []
        # bin counts of a root on every row (the same for every tree of a fit)
        self._root_counts = None
        # Below this many rows, sorting a node's rows (m log m per feature)
        # is cheaper than zeroing and scanning its histogram (bins x channels).
        mean_bins = float(np.mean(grower.n_bins_non_missing)) + 1
        self.small_rows = max(32, int(mean_bins * grower.C / 4))

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

    def release(self, nodes):
        """Give the histogram slots of ``nodes`` back to the pool."""
        slot = self.grower.nodes.slot
        for node in nodes:
            if slot[node] >= 0:
                self._free.append(int(slot[node]))
                slot[node] = -1

    # --------------------------------------------------------------- stages
    def start_tree(self, root):
        """Build the root histogram; return the root's sums (C,)."""
        gr = self.grower
        self._free = list(range(self._pool.shape[0] - 1, -1, -1))
        if gr.nodes.end[root[0]] < self.small_rows:
            self.evaluate = self.evaluate_sorted  # the whole tree is small
            return gr.row_sums(root[0])
        self.evaluate = self.evaluate_histograms
        gr.nodes.slot[root] = self._take_slots(1)
        if gr.sparse_bins:
            # sparse histograms take the zero bins from the node's sums
            sums = gr.row_sums(root[0])
            gr.nodes.sums[root[0]] = sums
            self._build(root)
            return sums
        self._build(root)
        hist = self._pool[gr.nodes.slot[root[0]], 0]
        return hist[:gr.n_bins_non_missing[0]].sum(axis=0) + hist[gr.missing_bin]

    def _build(self, nodes):
        """Histograms of ``nodes`` (whose slots are set) from their rows."""
        gr = self.grower
        t = gr.nodes
        starts = t.start[nodes]
        ends = t.end[nodes]
        if gr.sparse_bins:
            self._build_sparse(nodes, starts, ends)
            return
        rows_in_order = (gr.all_rows_in_order and nodes.size == 1 and nodes[0] == 0
                         and gr.g.flags.c_contiguous and gr.h.flags.c_contiguous)
        # a root whose bin counts are the same for every tree of the fit
        fixed_counts = rows_in_order and gr.unit_hessian and gr.K == 1
        if fixed_counts and self._root_counts is not None:
            build_root_gradients(gr.X_binned, gr.g, self._root_counts, gr.n_bins_non_missing,
                                 gr.missing_bin, t.slot[nodes[0]], self._pool)
            return
        if rows_in_order:
            # the root of a tree on every row, in order: position = row
            ordered_g, ordered_h = gr.g, gr.h
        else:
            ordered_g, ordered_h = self._ordered_g, self._ordered_h
            gather_stats(gr.sample_indices, gr.g, gr.h, starts, ends, not gr.unit_hessian,
                         ordered_g, ordered_h)
        build_histograms(gr.X_binned, gr.sample_indices, ordered_g, ordered_h, starts, ends,
                         t.slot[nodes], gr.n_bins_non_missing, gr.missing_bin,
                         gr.unit_hessian, rows_in_order, self._pool)
        if fixed_counts:
            self._root_counts = np.ascontiguousarray(self._pool[t.slot[nodes[0]], :, :, 2])

    def _build_sparse(self, nodes, starts, ends):
        """Histograms of ``nodes`` from sparse bins, zero bins from the nodes'
        sums: one pass over all stored entries (by column), or, when the
        nodes hold under half of the rows, over their rows' entries only."""
        gr = self.grower
        t = gr.nodes
        Xb = gr.X_binned
        sums = np.ascontiguousarray(t.sums[nodes])
        if 2 * int((ends - starts).sum()) < gr.sample_indices.size:
            build_histograms_sparse_rows(*Xb.csr, Xb.zero_bin, gr.sample_indices, starts,
                                         ends, gr.g, gr.h, sums, t.slot[nodes],
                                         gr.n_bins_non_missing, gr.missing_bin, self._pool)
            return
        pack_node_rows(gr.sample_indices, starts, ends, gr.g, gr.h, self._packed)
        build_histograms_sparse(Xb.csc_indptr, Xb.csc_rows, Xb.csc_bins, Xb.zero_bin,
                                self._packed, sums, t.slot[nodes], gr.n_bins_non_missing,
                                gr.missing_bin, self._pool)

    def evaluate_histograms(self, nodes):
        """Find the best split of ``nodes`` (histograms in their slots)."""
        self.grower.evaluate_with_redraw(self._evaluate_histograms, nodes)

    def _evaluate_histograms(self, nodes):
        if nodes.size == 0:
            return
        gr = self.grower
        t = gr.nodes
        m, d = nodes.size, gr.n_features
        gains = np.empty((m, d))
        bins = np.empty((m, d), dtype=INDEX_DTYPE)
        missing = np.empty((m, d), dtype=np.uint8)
        mask, use_mask = gr.feature_mask(m)
        slots = t.slot[nodes]
        sums = np.ascontiguousarray(t.sums[nodes])
        find_splits(self._pool, slots, sums, t.lower[nodes], t.upper[nodes],
                    gr.n_bins_non_missing, gr.missing_bin, mask, use_mask,
                    gr.monotonic_cst, gr.split_params, gains, bins, missing)
        gain = np.empty(m)
        feature = np.empty(m, dtype=INDEX_DTYPE)
        best_bin = np.empty(m, dtype=INDEX_DTYPE)
        best_missing = np.empty(m, dtype=np.uint8)
        left_sums = np.zeros((m, gr.C))
        select_best_splits(self._pool, slots, sums, gains, bins, missing, gr.missing_bin,
                           gain, feature, best_bin, best_missing, left_sums)
        gr.record_splits(nodes, gain, feature, best_bin, best_missing, left_sums,
                         histograms=(self._pool, slots))

    def evaluate_sorted(self, nodes):
        """Best splits of small ``nodes`` without histograms."""
        self.grower.evaluate_with_redraw(self._evaluate_sorted, nodes)

    def _evaluate_sorted(self, nodes):
        if nodes.size == 0:
            return
        gain, feature, best_bin, missing, left_sums, _ = self.grower.scan_sorted(nodes)
        self.grower.record_splits(nodes, gain, feature, best_bin, missing, left_sums)

    def split_children(self, parents, lefts, rights, can_left, can_right):
        """Histograms and best splits of the children that may be split.

        Parents whose children are both small hand them to the sorted scan
        (no histogram); the others use histograms, by subtraction where the
        parent's histogram is still in the pool.
        """
        t = self.grower.nodes
        count_left = t.end[lefts] - t.start[lefts]
        count_right = t.end[rights] - t.start[rights]
        small = np.maximum(count_left, count_right) < self.small_rows
        if small.any():
            self.release(parents[small])
            self.evaluate_sorted(np.sort(np.concatenate([lefts[small & can_left],
                                                         rights[small & can_right]])))
            big = ~small
            parents, lefts, rights = parents[big], lefts[big], rights[big]
            can_left, can_right = can_left[big], can_right[big]
            count_left, count_right = count_left[big], count_right[big]
            if parents.size == 0:
                return
        need = can_left | can_right
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
            self.release(parents)
            self._build_in_batches(np.sort(np.concatenate([lefts[can_left],
                                                           rights[can_right]])))
            return
        pa, sm, lg = parents[by_subtraction], small[by_subtraction], large[by_subtraction]
        k = sm.size
        t.slot[sm] = slots[:k]
        t.slot[direct] = slots[k:]
        t.slot[lg] = t.slot[pa]          # the larger child takes over its parent's slot
        t.slot[pa] = -1
        built = np.concatenate([sm, direct])
        if built.size:
            self._build(built)
        if k:
            gr = self.grower
            subtract_histograms(self._pool, t.slot[lg], self._pool, t.slot[sm], t.slot[lg],
                                gr.n_bins_non_missing, gr.missing_bin)
        self.release(parents[~need])
        children = np.concatenate([lefts, rights])
        can = np.concatenate([can_left, can_right])
        self.release(children[~can])
        self.grower.evaluate_with_redraw(self._evaluate_histograms, np.sort(children[can]))

    def _build_in_batches(self, nodes):
        """Build, evaluate and drop histograms of ``nodes`` a batch at a time."""
        batch = max(1, self._max_slots - (self._pool.shape[0] - len(self._free)))
        for first in range(0, nodes.size, batch):
            part = nodes[first:first + batch]
            self.grower.nodes.slot[part] = self._take_slots(part.size)
            self._build(part)
            self.grower.evaluate_with_redraw(self._evaluate_histograms, part)
            self.release(part)
