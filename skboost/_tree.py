"""Flat node arrays for one tree and for a whole ensemble.

Every family stores its trees in the same format, so prediction, apply,
importances (and later saving, SHAP values and plots) are written once.
"""
import contextlib

import numba
import numpy as np

from ._config import threads, threads_for_work
from ._data import canonical_sparse, dense_row_chunks
from ._dtypes import INDEX_DTYPE
from ._kernels.categorical import BITSET_WORDS
from ._kernels.predict import ROW_BLOCK, apply_raw, predict_binned, predict_raw
from ._kernels.sparse import predict_csr
from ._sparse_bins import SparseBins, wants_sparse_bins

LEAF = -1

# Below this many (row, tree) pairs per thread, waking another thread costs
# more than it saves: one pair costs about 10 ns (shallow trees) to 150 ns
# (deep ones), a thread's wake-up and join 10-50 us (measured on 2 cores:
# 100 depth-3 trees gain from 2 threads from about 256 rows on).
PREDICT_WORK_PER_THREAD = 16384
# Trees of more nodes than this are predicted in larger row blocks (_row_block).
SMALL_TREE_NODES = 1024
LARGE_ROW_BLOCK = 16384


@contextlib.contextmanager
def _predict_threads(n_rows, n_trees):
    """The caller's thread count, fewer for small predictions."""
    n = threads_for_work(numba.get_num_threads(), n_rows * max(1, n_trees),
                         PREDICT_WORK_PER_THREAD)
    with threads(n):
        yield


class Tree:
    """One tree as flat node arrays (node 0 is the root).

    Attributes
    ----------
    feature : ndarray of shape (n_nodes,), int32
        Split feature (undefined on leaves).
    threshold : ndarray of shape (n_nodes,), float64
        Rows with ``x <= threshold`` go left.
    threshold_bin : ndarray of shape (n_nodes,), int32
        The same test on binned data: ``bin <= threshold_bin``.
    missing_left : ndarray of shape (n_nodes,), uint8
        Where NaN goes.
    left, right : ndarray of shape (n_nodes,), int32
        Children; ``-1`` on leaves.
    value : ndarray of shape (n_nodes, V), float64
        Node outputs (leaves are used for prediction; internal nodes keep
        their own value for staged inspection and explanations).
    gain : ndarray of shape (n_nodes,), float64
        Objective gain of the split (0 on leaves).
    cover : ndarray of shape (n_nodes,), float64
        Hessian sum (the sample weight for impurity criteria).
    n_samples : ndarray of shape (n_nodes,), int64
        Training rows in the node.
    categorical : ndarray of shape (n_nodes,), uint8
        1 where the split is a category subset (``threshold`` is NaN there).
    cat_bitset : ndarray of shape (n_nodes, BITSET_WORDS), uint32
        Category codes sent left by a categorical split (bit ``c`` of word
        ``c // 32``); zero elsewhere.
    """

    FIELDS = ("feature", "threshold", "threshold_bin", "missing_left", "left", "right",
              "value", "gain", "cover", "n_samples", "categorical", "cat_bitset")

    def __init__(self, **arrays):
        n = arrays["left"].shape[0]
        # trees without categorical splits may leave out the two categorical arrays
        arrays.setdefault("categorical", np.zeros(n, dtype=np.uint8))
        arrays.setdefault("cat_bitset", np.zeros((n, BITSET_WORDS), dtype=np.uint32))
        for name in self.FIELDS:
            setattr(self, name, arrays[name])

    def __setstate__(self, state):
        # trees pickled before categorical splits existed have none
        n = state["left"].shape[0]
        state.setdefault("categorical", np.zeros(n, dtype=np.uint8))
        state.setdefault("cat_bitset", np.zeros((n, BITSET_WORDS), dtype=np.uint32))
        self.__dict__.update(state)

    @property
    def node_count(self):
        return self.left.shape[0]

    def is_leaf(self):
        """Boolean mask of the leaves."""
        return self.left == LEAF

    def get_n_leaves(self):
        return int(np.count_nonzero(self.is_leaf()))

    def get_depth(self):
        depth = np.zeros(self.node_count, dtype=np.int64)
        for node in range(self.node_count):  # parents come before children
            if self.left[node] != LEAF:
                depth[self.left[node]] = depth[node] + 1
                depth[self.right[node]] = depth[node] + 1
        return int(depth.max())

    # scikit-learn's ``tree_`` names for the same arrays, for code written
    # against sklearn.tree._tree.Tree (leaves are -1 there too)
    @property
    def children_left(self):
        return self.left

    @property
    def children_right(self):
        return self.right

    @property
    def n_node_samples(self):
        return self.n_samples

    @property
    def weighted_n_node_samples(self):
        return self.cover

    @property
    def max_depth(self):
        """Depth of the deepest leaf (root: 0)."""
        return self.get_depth()

    def scaled(self, factor):
        """Copy of the tree with every node value multiplied by ``factor``."""
        arrays = {name: getattr(self, name) for name in self.FIELDS}
        arrays["value"] = self.value * factor
        return Tree(**arrays)

    def predict(self, X):
        """Node values reached by the rows of raw ``X``.

        Returns
        -------
        ndarray of shape (n_samples, V), float64
        """
        out = np.zeros((X.shape[0], self.value.shape[1]))
        _add_raw(pack_trees([self], [0]), X, out, 0, 1)
        return out

    def add_binned(self, X_binned, missing_bin, out, column=0):
        """Add this tree's values on binned rows to ``out[:, column:]``."""
        _add_binned(pack_trees([self], [column]), X_binned, missing_bin, out, 0, 1)
        return out

    def impurity_importances(self, n_features):
        """Sum of split gains per feature (unnormalised)."""
        internal = ~self.is_leaf()
        return np.bincount(self.feature[internal], weights=self.gain[internal],
                           minlength=n_features).astype(np.float64)


def _add_raw(p, X, out, first_tree, stop_tree):
    """:func:`~skboost._kernels.predict.predict_raw` of packed trees ``p`` on
    dense or sparse ``X``, one bounded dense chunk of rows at a time."""
    with _predict_threads(X.shape[0], stop_tree - first_tree):
        if wants_sparse_bins(X):  # read in place: densifying would cost n x d
            X = canonical_sparse(X, "csr")
            predict_csr(np.asarray(X.indptr, dtype=np.int64),
                        np.asarray(X.indices, dtype=INDEX_DTYPE), X.data,
                        np.zeros(X.shape[1]), np.nan, *_csr_trees(p, "threshold"),
                        first_tree, stop_tree, out)
            return
        row_block = _row_block(p, X.shape[0])
        for start, stop, block in dense_row_chunks(X):
            predict_raw(block, p["feature"], p["threshold"], p["missing_left"],
                        p["categorical"], p["cat_bitset"], p["left"], p["right"], p["value"],
                        p["roots"], p["columns"], first_tree, stop_tree, row_block,
                        out[start:stop])


def _row_block(p, n_rows):
    """Rows per block of :func:`~skboost._kernels.predict.predict_raw`: small
    trees fit in cache whatever the block (small blocks balance the threads);
    a deep tree's nodes are worth loading for many rows (measured on 30,000
    rows and 50 trees of 18,000 nodes: 0.30 s with blocks of 128 rows, 0.19 s
    with 4,096, 0.13 s with one block per thread), as long as every thread
    gets a block."""
    n_trees = max(1, p["roots"].size)
    if p["feature"].size / n_trees < SMALL_TREE_NODES:
        return ROW_BLOCK
    return _large_tree_row_block(n_rows)


def _large_tree_row_block(n_rows):
    per_thread = -(-n_rows // max(1, numba.get_num_threads()))
    return int(min(LARGE_ROW_BLOCK, max(ROW_BLOCK, per_thread)))


_NO_BITSETS = np.zeros((1, BITSET_WORDS), dtype=np.uint32)
_FIRST_ROOT = np.zeros(1, dtype=INDEX_DTYPE)


def _add_raw_tree_by_tree(trees, columns, X, out):
    """:func:`_add_raw` of large trees, one kernel call per tree on the
    tree's own node arrays: packing a deep forest copies all its nodes (1.8M
    nodes and 140 MB for 100 covertype trees), and the page faults of the
    fresh copy cost more than the prediction.  Per row the trees are added
    in the same order as by the packed kernel: the same floats."""
    with _predict_threads(X.shape[0], len(trees)):
        for start, stop, block in dense_row_chunks(X):
            row_block = _large_tree_row_block(block.shape[0])
            for tree, column in zip(trees, columns):
                bitsets = tree.cat_bitset if tree.categorical.any() else _NO_BITSETS
                predict_raw(block, np.asarray(tree.feature, dtype=INDEX_DTYPE),
                            np.asarray(tree.threshold, dtype=np.float64),
                            np.asarray(tree.missing_left, dtype=np.uint8),
                            np.asarray(tree.categorical, dtype=np.uint8),
                            np.asarray(bitsets, dtype=np.uint32),
                            np.asarray(tree.left, dtype=INDEX_DTYPE),
                            np.asarray(tree.right, dtype=INDEX_DTYPE),
                            np.asarray(tree.value, dtype=np.float64), _FIRST_ROOT,
                            np.array([column], dtype=INDEX_DTYPE), 0, 1, row_block,
                            out[start:stop])


def _add_binned(p, X_binned, missing_bin, out, first_tree, stop_tree):
    """:func:`~skboost._kernels.predict.predict_binned` of packed trees ``p``
    on dense bins or :class:`~skboost._sparse_bins.SparseBins`."""
    if isinstance(X_binned, SparseBins):
        predict_csr(*X_binned.csr, X_binned.zero_bin, float(missing_bin),
                    *_csr_trees(p, "threshold_bin"), first_tree, stop_tree, out)
        return
    predict_binned(X_binned, p["feature"], p["threshold_bin"], p["missing_left"],
                   p["categorical"], p["cat_bitset"], p["left"], p["right"], p["value"],
                   p["roots"], p["columns"], first_tree, stop_tree, missing_bin, out)


def _csr_trees(p, threshold):
    """The node arrays :func:`~skboost._kernels.sparse.predict_csr` reads,
    with ``p[threshold]`` as float64 thresholds."""
    return (p["feature"], np.asarray(p[threshold], dtype=np.float64), p["missing_left"],
            p["categorical"], p["cat_bitset"], p["left"], p["right"], p["value"], p["roots"],
            p["columns"])


def pack_trees(trees, columns):
    """Concatenate the node arrays of ``trees`` with global child indices.

    Returns
    -------
    dict of str to ndarray
        The canonical arrays of :func:`~skboost._kernels.predict.predict_raw`,
        plus ``roots`` (first node of each tree) and ``columns``.
    """
    counts = np.array([t.node_count for t in trees], dtype=np.int64)
    roots = np.zeros(len(trees), dtype=INDEX_DTYPE)
    if len(trees):
        roots[1:] = np.cumsum(counts)[:-1]
    n_values = trees[0].value.shape[1] if trees else 1

    def cat(name, dtype):
        parts = [getattr(t, name) for t in trees]
        if not parts:
            width = {"value": (n_values,), "cat_bitset": (BITSET_WORDS,)}.get(name, ())
            return np.zeros((0,) + width, dtype=dtype)
        # into an np.empty buffer: measured 10-15x faster than letting
        # concatenate allocate (97 MB of a deep forest's values: 0.015 s
        # against 0.19-0.27 s)
        out = np.empty((int(counts.sum()),) + parts[0].shape[1:], dtype=dtype)
        return np.concatenate(parts, out=out, casting="same_kind")

    packed = {"feature": cat("feature", INDEX_DTYPE),
              "threshold": cat("threshold", np.float64),
              "threshold_bin": cat("threshold_bin", INDEX_DTYPE),
              "missing_left": cat("missing_left", np.uint8),
              "categorical": cat("categorical", np.uint8),
              "value": cat("value", np.float64)}
    # bitsets are read at categorical nodes only: without any, one dummy row
    # (a deep forest's bitsets would be 32 bytes of zeros per node)
    packed["cat_bitset"] = (cat("cat_bitset", np.uint32) if packed["categorical"].any()
                            else np.zeros((1, BITSET_WORDS), dtype=np.uint32))
    for name in ("left", "right"):
        parts = [np.where(getattr(t, name) == LEAF, LEAF, getattr(t, name) + root)
                 for t, root in zip(trees, roots)]
        packed[name] = np.ascontiguousarray(
            np.concatenate(parts) if parts else np.zeros(0), dtype=INDEX_DTYPE)
    packed["roots"] = roots
    packed["columns"] = np.asarray(columns, dtype=INDEX_DTYPE)
    return packed


class Forest:
    """An ordered list of trees predicted in one kernel call.

    Parameters
    ----------
    n_outputs : int
        Columns of the raw output; tree ``t`` adds its ``V`` values to columns
        ``columns[t] .. columns[t] + V - 1``.
    """

    def __init__(self, n_outputs):
        self.n_outputs = n_outputs
        self.trees = []
        self.columns = []
        self._packed = None

    def __len__(self):
        return len(self.trees)

    def append(self, tree, column=0):
        self.trees.append(tree)
        self.columns.append(int(column))
        self._packed = None

    def truncate(self, n_trees):
        del self.trees[n_trees:]
        del self.columns[n_trees:]
        self._packed = None

    def _pack(self):
        """The concatenated node arrays of all trees (cached until changed)."""
        if self._packed is None:
            self._packed = pack_trees(self.trees, self.columns)
        return self._packed

    def _check_range(self, first_tree, stop_tree, out, n_rows):
        """``stop_tree`` (default: all trees) after checking the tree range and
        the output's shape, so a kernel never reads or writes out of bounds."""
        stop_tree = len(self.trees) if stop_tree is None else int(stop_tree)
        if not 0 <= first_tree <= max(first_tree, stop_tree) <= len(self.trees):
            raise ValueError(f"trees [{first_tree}, {stop_tree}) are outside the "
                             f"{len(self.trees)} trees of the forest.")
        if out.ndim != 2 or out.shape[0] != n_rows or out.shape[1] < self.n_outputs:
            raise ValueError(f"out has shape {out.shape}; expected ({n_rows}, "
                             f">= {self.n_outputs}).")
        return stop_tree

    def add_raw(self, X, out, first_tree=0, stop_tree=None):
        """Add trees ``first_tree .. stop_tree - 1`` evaluated on raw ``X`` to ``out``.

        Parameters
        ----------
        X : ndarray or sparse matrix of shape (n_samples, n_features), float64
            Sparse rows are densified a bounded chunk at a time.
        out : ndarray of shape (n_samples, n_outputs), float64, C order, updated
        """
        stop_tree = self._check_range(first_tree, stop_tree, out, X.shape[0])
        if stop_tree <= first_tree:
            return out
        trees = self.trees[first_tree:stop_tree]
        if (self._packed is None and not wants_sparse_bins(X)
                and sum(t.node_count for t in trees) >= SMALL_TREE_NODES * len(trees)):
            _add_raw_tree_by_tree(trees, self.columns[first_tree:stop_tree], X, out)
            return out
        _add_raw(self._pack(), X, out, first_tree, stop_tree)
        return out

    def add_binned(self, X_binned, missing_bin, out, first_tree=0, stop_tree=None):
        """:meth:`add_raw` on binned data (uint8, F order)."""
        stop_tree = self._check_range(first_tree, stop_tree, out, X_binned.shape[0])
        if stop_tree <= first_tree:
            return out
        _add_binned(self._pack(), X_binned, missing_bin, out, first_tree, stop_tree)
        return out

    def apply(self, X):
        """Leaf index (local to its tree) of every row in every tree.

        Returns
        -------
        ndarray of shape (n_samples, n_trees), int32
        """
        p = self._pack()
        out = np.empty((X.shape[0], len(self.trees)), dtype=INDEX_DTYPE)
        if len(self.trees):
            with _predict_threads(X.shape[0], len(self.trees)):
                for start, stop, block in dense_row_chunks(X):
                    apply_raw(block, p["feature"], p["threshold"], p["missing_left"],
                              p["categorical"], p["cat_bitset"], p["left"], p["right"],
                              p["roots"], out[start:stop])
            out -= p["roots"][np.newaxis, :]
        return out

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_packed"] = None  # rebuilt on demand; keeps pickles small
        return state


def prune_ccp(tree, node_risk, ccp_alpha):
    """Minimal cost-complexity pruning (Breiman et al., as scikit-learn).

    The weakest link, the internal node ``t`` with the smallest
    ``(R(t) - R(T_t)) / (|leaves(T_t)| - 1)``, is collapsed into a leaf while
    that value is at most ``ccp_alpha``.

    Parameters
    ----------
    tree : Tree
    node_risk : ndarray of shape (n_nodes,), float64
        ``R(t)``: the node's weighted impurity times its weight fraction.
    ccp_alpha : float

    Returns
    -------
    ndarray of shape (n_nodes,), bool
        Nodes kept (descendants of collapsed nodes are dropped).
    """
    n = tree.node_count
    is_leaf = tree.left == LEAF
    if ccp_alpha <= 0.0 or is_leaf.all():
        return np.ones(n, dtype=bool)
    while True:
        subtree_risk = np.where(is_leaf, node_risk, 0.0)
        n_leaves = is_leaf.astype(np.int64)
        alive = _alive(tree, is_leaf)
        for node in range(n - 1, -1, -1):  # children come after parents
            if alive[node] and not is_leaf[node]:
                subtree_risk[node] = subtree_risk[tree.left[node]] + subtree_risk[tree.right[node]]
                n_leaves[node] = n_leaves[tree.left[node]] + n_leaves[tree.right[node]]
        internal = alive & ~is_leaf
        if not internal.any():
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            alpha = np.where(internal, (node_risk - subtree_risk) / (n_leaves - 1), np.inf)
        weakest = int(np.argmin(alpha))
        if alpha[weakest] > ccp_alpha:
            break
        is_leaf[weakest] = True
    return _alive(tree, is_leaf)


def _alive(tree, is_leaf):
    """Nodes reachable from the root when ``is_leaf`` nodes are not expanded."""
    alive = np.zeros(tree.node_count, dtype=bool)
    alive[0] = True
    for node in range(tree.node_count):
        if alive[node] and not is_leaf[node]:
            alive[tree.left[node]] = True
            alive[tree.right[node]] = True
    return alive


def compact_tree(tree, keep, *node_arrays):
    """Drop the nodes not in ``keep`` and renumber the rest.

    A kept node whose children are dropped becomes a leaf.  Extra per-node
    arrays in ``node_arrays`` are compacted the same way.

    Returns
    -------
    (Tree, *compacted node_arrays)
    """
    new_index = np.full(tree.node_count, LEAF, dtype=np.int64)
    new_index[keep] = np.arange(int(keep.sum()))
    arrays = {name: getattr(tree, name)[keep].copy() for name in Tree.FIELDS}
    for side in ("left", "right"):
        child = getattr(tree, side)[keep]
        mapped = np.where(child == LEAF, LEAF, new_index[np.maximum(child, 0)])
        arrays[side] = mapped.astype(tree.left.dtype)
    leaf = arrays["left"] == LEAF
    arrays["right"][leaf] = LEAF
    arrays["gain"][leaf] = 0.0
    return (Tree(**arrays),) + tuple(a[keep] for a in node_arrays)
