"""SHAP values of every skboost estimator: exact path-dependent TreeSHAP.

The numba kernel (:mod:`skboost._kernels.shap`) explains a weighted sum of
trees.  This module says, per family, which trees make up the model's
*margin* and how (:func:`margin_parts`), and turns the kernel's sums into
the public ``predict_contributions`` output.  See ``docs/explain.md``,
section "SHAP values", for the definition per family.
"""
from collections.abc import Mapping
from typing import Callable, NamedTuple, Optional

import numpy as np

from ._data import dense_row_chunks
from ._dtypes import INDEX_DTYPE, as_float
from ._kernels.shap import tabulate_paths, tree_shap, tree_summaries
from ._tree import LEAF, Tree, pack_trees
from .ensemble._adaboost import (AdaBoostClassifier, AdaBoostRegressor, BaseAdaBoost,
                                 weighted_median_index)
from .ensemble._base import estimator_threads, validate_predict_data
from .ensemble._forest import BaseForest, RandomForestClassifier
from .ensemble._gbdt import BaseGradientBoosting


class MarginParts(NamedTuple):
    """A model's margin as a weighted sum of trees plus a baseline.

    ``margin[i, c] = baseline[i, c] + sum over trees t with columns[t] <= c <
    columns[t] + V of weights[t] * trees[t](X[i])[c - columns[t]]``, summed
    over every tree, or, when ``select`` is given, over the single tree
    ``select(X)[i]`` of each row.

    Attributes
    ----------
    trees : list of skboost._tree.Tree
        All with the same number ``V`` of value columns; only leaf values,
        ``cover`` (the weight of the path-dependent expectations) and the
        split fields are read.
    weights : ndarray of shape (n_trees,), float64
        Multiplier of each tree's values.
    columns : ndarray of shape (n_trees,), int
        First output column of each tree.
    n_outputs : int
        Columns of the margin (1: ``predict_contributions`` returns 2-D).
    baseline : ndarray of shape (n_outputs,) or callable
        Constant part of the margin, or ``baseline(X) -> ndarray of shape
        (n_samples, n_outputs)`` for a per-row one (``X`` validated, float64).
    select : callable or None
        ``select(X) -> ndarray of shape (n_samples,), int``: the one tree
        that makes each row's margin (weighted-median models); None sums
        every tree.
    """

    trees: list
    weights: np.ndarray
    columns: np.ndarray
    n_outputs: int
    baseline: object
    select: Optional[Callable] = None


def predict_contributions(est, X):
    """Path-dependent SHAP values of ``est``'s margin for the rows of ``X``.

    Parameters
    ----------
    est : fitted skboost estimator
    X : array-like of shape (n_samples, n_features)
        NaN marks a missing value.

    Returns
    -------
    ndarray of shape (n_samples, n_features + 1) or
    (n_samples, n_features + 1, n_outputs), float64
        ``[:, f]`` is feature ``f``'s contribution; the last column holds
        the expected value (baseline included).  Each row sums to the
        margin (see :func:`margin_parts`).

    Raises
    ------
    TypeError
        For a model whose trees are not skboost engine trees (AdaBoost with
        a user ``estimator``) or an unknown estimator type.
    """
    X = validate_predict_data(est, X)
    parts = margin_parts(est)
    n_samples, n_features = X.shape
    out = np.zeros((n_samples, n_features + 1, parts.n_outputs))
    if parts.trees:
        trees = _KernelTrees(parts)
        with estimator_threads(est):
            if parts.select is None:
                trees.plan_tables(np.full(len(parts.trees), n_samples))
                _explain_chunks(trees, X, np.arange(len(parts.trees)), out)
                out[:, n_features, :] += trees.expected_total(parts.n_outputs)
            else:
                _explain_selected(trees, parts, X, out)
    out[:, n_features, :] += _baseline(parts.baseline, X, parts.n_outputs)
    return out[:, :, 0] if parts.n_outputs == 1 else out


def _explain_chunks(trees, X, tree_indices, out):
    """Explain ``X`` (dense, or sparse read a bounded dense block at a time,
    implicit zeros being zeros as in ``predict``) into ``out``."""
    for start, stop, block in dense_row_chunks(X):
        trees.explain(block, tree_indices, out[start:stop])


def _explain_selected(trees, parts, X, out):
    """Each row explained by its own tree (``parts.select``), one kernel call per tree."""
    chosen = np.asarray(parts.select(X), dtype=np.int64)
    n_features = X.shape[1]
    trees.plan_tables(np.bincount(chosen, minlength=len(parts.trees)))
    for t in np.unique(chosen):
        rows = np.flatnonzero(chosen == t)
        part = np.zeros((rows.size, n_features + 1, parts.n_outputs))
        _explain_chunks(trees, X[rows], np.array([t]), part)
        part[:, n_features, :] += trees.expected_of(t, parts.n_outputs)
        out[rows] = part


def _baseline(baseline, X, n_outputs):
    """The baseline as an array broadcastable to (n_samples, n_outputs)."""
    if callable(baseline):
        values = np.asarray(baseline(X), dtype=np.float64)
        return values.reshape(X.shape[0], n_outputs)
    return np.asarray(baseline, dtype=np.float64).reshape(1, n_outputs)


# Leaf tables (see _kernels/shap.py: tabulate_paths): a leaf whose path has u
# unique features gets 2**u * u precomputed shares, after which a row costs
# O(u) at that leaf instead of the recursion's O(u**2) plus O(depth) per node.
TABLE_MAX_WIDTH = 12        # trees deeper than this keep the recursion
TABLE_BUDGET = 1 << 23      # float64 cells (64 MiB) for all tables of one call
TABLE_COST_RATIO = 4.0      # tabulate when it costs < 1/4 of the row work it saves


class _KernelTrees:
    """The trees of a :class:`MarginParts` in the kernel's canonical arrays."""

    def __init__(self, parts):
        trees = parts.trees
        self.columns = np.asarray(parts.columns, dtype=INDEX_DTYPE)
        self.weights = np.ascontiguousarray(parts.weights, dtype=np.float64)
        self.packed = pack_trees(trees, self.columns)
        cover = np.concatenate([np.asarray(t.cover, dtype=np.float64) for t in trees])
        counts = np.concatenate([np.asarray(t.n_samples, dtype=np.float64) for t in trees])
        self.fraction = child_fractions(self.packed["left"], self.packed["right"], cover,
                                        counts)
        self.n_values = self.packed["value"].shape[1]
        self.expected = np.zeros((len(trees), self.n_values))
        self.depth = np.zeros(len(trees), dtype=np.int64)
        tree_summaries(self.packed["left"], self.packed["right"], self.packed["value"],
                       self.fraction, self.packed["roots"],
                       max(t.node_count for t in trees), self.expected, self.depth)
        self.max_depth = int(self.depth.max())
        self.plan_tables(np.zeros(len(trees), dtype=np.int64))

    def plan_tables(self, rows_per_tree):
        """Choose the trees explained through leaf tables and build their tables.

        A tree is tabulated when its depth is at most ``TABLE_MAX_WIDTH``,
        building its tables costs less than ``1 / TABLE_COST_RATIO`` of the
        leaf work they save on its ``rows_per_tree[t]`` rows, and the tables
        so far fit in ``TABLE_BUDGET`` (trees taken in order).

        Parameters
        ----------
        rows_per_tree : ndarray of shape (n_trees,), int
            Rows each tree will explain.
        """
        n_nodes = self.packed["left"].shape[0]
        self.tabulated = np.zeros(len(self.depth), dtype=np.uint8)
        self.node_code = np.zeros(0, dtype=np.uint8)
        self.leaf_info = np.zeros((0, 2), dtype=np.int64)
        self.leaf_features = np.zeros(0, dtype=INDEX_DTYPE)
        self.table = np.zeros(0)
        candidates = (self.depth <= TABLE_MAX_WIDTH) & (np.asarray(rows_per_tree) > 1)
        if not candidates.any():
            return
        p = self.packed
        node_code = np.zeros(n_nodes, dtype=np.uint8)
        roots = np.ascontiguousarray(p["roots"][candidates])
        depth = int(self.depth[candidates].max())
        tabulate_paths(p["left"], p["right"], p["feature"], self.fraction, roots, depth,
                       False, node_code, self.leaf_info, self.leaf_features, self.table)
        use, leaf = self._choose_tables(node_code, candidates, rows_per_tree)
        if not use.any():
            return
        width = np.where(leaf, node_code, 0).astype(np.int64)
        cells = (1 << width) * width
        leaf_info = np.zeros((n_nodes, 2), dtype=np.int64)
        leaf_info[:, 0] = np.cumsum(cells) - cells
        leaf_info[:, 1] = np.cumsum(width) - width
        self.leaf_features = np.zeros(int(width.sum()), dtype=INDEX_DTYPE)
        self.table = np.zeros(int(cells.sum()))
        tabulate_paths(p["left"], p["right"], p["feature"], self.fraction,
                       np.ascontiguousarray(p["roots"][use]), int(self.depth[use].max()),
                       True, node_code, leaf_info, self.leaf_features, self.table)
        self.tabulated = use.astype(np.uint8)
        self.node_code, self.leaf_info = node_code, leaf_info

    def _choose_tables(self, width, candidates, rows_per_tree):
        """Trees to tabulate, and the mask of the leaves of those trees."""
        p = self.packed
        n_trees = len(self.depth)
        tree_of = np.repeat(np.arange(n_trees), np.diff(np.append(p["roots"],
                                                                  p["left"].shape[0])))
        leaf = (p["left"] == LEAF) & candidates[tree_of]
        width = np.where(leaf, width, 0).astype(np.float64)
        patterns = 2.0 ** width
        cells = np.bincount(tree_of, weights=patterns * width, minlength=n_trees)
        build = np.bincount(tree_of, weights=patterns * width * width, minlength=n_trees)
        saved = np.bincount(tree_of, weights=width * width, minlength=n_trees)
        use = candidates & (build * TABLE_COST_RATIO <= saved * np.asarray(rows_per_tree))
        use &= np.cumsum(np.where(use, cells, 0.0)) <= TABLE_BUDGET
        return use, leaf & use[tree_of]

    def explain(self, X, tree_indices, out):
        """Add the weighted SHAP values of trees ``tree_indices`` to ``out``."""
        p = self.packed
        tree_shap(as_float(X), p["feature"], p["threshold"], p["missing_left"],
                  p["categorical"], p["cat_bitset"], p["left"], p["right"], p["value"],
                  self.fraction,
                  np.ascontiguousarray(p["roots"][tree_indices]),
                  np.ascontiguousarray(self.weights[tree_indices]),
                  np.ascontiguousarray(self.columns[tree_indices]), self.max_depth,
                  np.ascontiguousarray(self.tabulated[tree_indices]), self.node_code,
                  self.leaf_info, self.leaf_features, self.table, out)

    def expected_of(self, t, n_outputs):
        """Weighted expected value of tree ``t`` in the output columns."""
        total = np.zeros(n_outputs)
        start = self.columns[t]
        total[start:start + self.n_values] += self.weights[t] * self.expected[t]
        return total

    def expected_total(self, n_outputs):
        """Sum of :meth:`expected_of` over every tree."""
        total = np.zeros(n_outputs)
        weighted = self.weights[:, np.newaxis] * self.expected
        for v in range(self.n_values):
            np.add.at(total, self.columns + v, weighted[:, v])
        return total


def child_fractions(left, right, cover, n_samples):
    """Share of each node in its parent's cover, the path-dependent weights.

    Shares are normalised over the two children, so they sum to one at every
    split and the expected value is an exact average.  A parent whose
    children have no cover at all (possible only with zero hessians) falls
    back to row counts, then to halves.

    Parameters
    ----------
    left, right : ndarray of shape (n_nodes,), int32
        Global child indices, ``-1`` on leaves.
    cover, n_samples : ndarray of shape (n_nodes,), float64

    Returns
    -------
    ndarray of shape (n_nodes,), float64
        1.0 on roots.
    """
    fraction = np.ones(left.shape[0])
    internal = np.flatnonzero(left != LEAF)
    lo, hi = left[internal], right[internal]
    for weight in (cover, n_samples, np.ones_like(cover)):
        w_lo, w_hi = weight[lo], weight[hi]
        total = w_lo + w_hi
        ok = total > 0
        fraction[lo[ok]] = w_lo[ok] / total[ok]
        fraction[hi[ok]] = w_hi[ok] / total[ok]
        lo, hi = lo[~ok], hi[~ok]
    return fraction


# ------------------------------------------------------------------ families
def margin_parts(est):
    """The trees, weights, output columns and baseline that make ``est``'s margin.

    The margin explained per family:

    * gradient boosting: the raw score (``decision_function`` /
      ``predict``); the init estimator's prediction is the baseline (per row
      for a user ``init`` estimator);
    * random forest regressor: ``predict`` (one output per target);
    * random forest classifier: ``predict_proba``, one output per class
      (also for two classes; several targets: their classes concatenated);
    * AdaBoost classifier: ``decision_function`` (SAMME votes: each tree's
      leaves hold the vote of the class they predict);
    * AdaBoost regressor: ``predict``, the weighted median of the trees; each
      row is explained by the tree whose prediction the median selects.

    A family plugs in by defining ``est._margin_parts()``, which is used
    first when present.  It returns a :class:`MarginParts`, a mapping with
    its field names (``select`` optional), or the short form
    ``(forest, weights, baseline)`` with a :class:`skboost._tree.Forest`
    (trees, ``columns``, ``n_outputs`` taken from it).  The ``trees`` are
    :class:`skboost._tree.Tree` objects: the split test is ``x <= threshold``
    with NaN going where ``missing_left`` says, and ``cover`` weighs the
    expectations (the hessian sum, as xgboost's SHAP cover).

    Parameters
    ----------
    est : fitted skboost estimator

    Returns
    -------
    MarginParts
    """
    if hasattr(est, "_margin_parts"):
        return _as_parts(est._margin_parts())
    if isinstance(est, BaseGradientBoosting):
        return _gradient_boosting_parts(est)
    if isinstance(est, BaseForest):
        return _forest_parts(est)
    if isinstance(est, BaseAdaBoost):
        return _adaboost_parts(est)
    raise TypeError(f"predict_contributions does not know how to explain "
                    f"{type(est).__name__}: it needs a skboost tree ensemble.")


def _as_parts(parts):
    """A ``_margin_parts()`` result as :class:`MarginParts`: itself, a mapping
    of its fields, or the short form ``(forest, weights, baseline)`` with a
    :class:`skboost._tree.Forest` (its trees, columns and ``n_outputs``)."""
    if isinstance(parts, MarginParts):
        return parts
    if isinstance(parts, Mapping):
        return MarginParts(**parts)
    forest, weights, baseline = parts
    return MarginParts(trees=list(forest.trees), weights=np.asarray(weights, dtype=float),
                       columns=np.asarray(forest.columns), n_outputs=forest.n_outputs,
                       baseline=baseline)


def _gradient_boosting_parts(est):
    forest = est._forest
    return MarginParts(trees=list(forest.trees), weights=np.ones(len(forest)),
                       columns=np.asarray(forest.columns), n_outputs=est._loss.n_trees,
                       baseline=est._raw_baseline)


def _forest_parts(est):
    """Forests average their trees: weights ``1 / n_trees``, no baseline."""
    forest = est._forest
    trees = list(forest.trees)
    if isinstance(est, RandomForestClassifier) and est._one_channel:
        # one channel holds the second class's proportion; predict_proba is
        # (1 - p, p): both columns are linear in the leaves
        trees = [_with_values(t, np.column_stack([1.0 - t.value[:, 0], t.value[:, 0]]))
                 for t in trees]
    n_outputs = trees[0].value.shape[1]
    return MarginParts(trees=trees, weights=np.full(len(trees), 1.0 / len(trees)),
                       columns=np.asarray(forest.columns), n_outputs=n_outputs,
                       baseline=np.zeros(n_outputs))


def _adaboost_parts(est):
    if est.estimator is not None:
        raise TypeError(f"predict_contributions needs skboost's own trees, but this "
                        f"{type(est).__name__} was fitted with estimator="
                        f"{type(est.estimator).__name__}; refit with estimator=None "
                        f"(and max_depth) to explain it.")
    if isinstance(est, AdaBoostClassifier):
        return _adaboost_classifier_parts(est)
    if isinstance(est, AdaBoostRegressor):
        return _adaboost_regressor_parts(est)
    raise TypeError(f"predict_contributions does not know {type(est).__name__}.")


def _adaboost_classifier_parts(est):
    """SAMME: a tree predicting class ``c`` adds ``w * (K/(K-1) [k == c] -
    1/(K-1)) / sum(w)`` to class ``k``; two classes: the second minus the
    first.  Each leaf gets that vote vector."""
    trees = est._forest.trees
    K = est.n_classes_
    voted = []
    for tree in trees:
        predicted = est._values_to_encoded(tree.value)
        vote = np.full((tree.node_count, K), -1.0 / (K - 1))
        vote[np.arange(tree.node_count), predicted] += K / (K - 1.0)
        if K == 2:
            vote = vote[:, 1:] - vote[:, :1]
        voted.append(_with_values(tree, vote))
    weights = est.estimator_weights_[:len(trees)] / est.estimator_weights_.sum()
    n_outputs = 1 if K == 2 else K
    return MarginParts(trees=voted, weights=weights, columns=np.zeros(len(trees), int),
                       n_outputs=n_outputs, baseline=np.zeros(n_outputs))


def _adaboost_regressor_parts(est):
    trees = list(est._forest.trees)

    def select(X):
        return weighted_median_index(est._each_prediction_validated(X),
                                    est.estimator_weights_[:len(trees)])

    return MarginParts(trees=trees, weights=np.ones(len(trees)),
                       columns=np.zeros(len(trees), int), n_outputs=1,
                       baseline=np.zeros(1), select=select)


def _with_values(tree, values):
    """Copy of ``tree`` (arrays shared) with new node values."""
    arrays = {name: getattr(tree, name) for name in Tree.FIELDS}
    arrays["value"] = np.ascontiguousarray(values, dtype=np.float64)
    return Tree(**arrays)
