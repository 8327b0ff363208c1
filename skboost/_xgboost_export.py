"""Export of boosted models to xgboost's JSON model format.

The file has the layout ``xgboost.Booster.save_model("model.json")`` writes
(xgboost 3.0's: a scalar base score, which xgboost 3.x reads), and
``xgboost.Booster(model_file=path)`` predicts the same margins as the
skboost model, up to float32 rounding.

How the two tree formats meet:

* skboost sends ``x <= threshold`` (float64) left; xgboost sends
  ``x < split_condition`` (float32, after converting ``x`` to float32) left.
  The condition written is the smallest float32 above the largest float32
  that is ``<= threshold``: for every float32 ``x`` both tests agree.  Data
  that is not float32-representable may fall on the other side of a split
  when rounding to float32 crosses the threshold.
* A threshold of ``+inf`` (a split of missing from present values) or any
  threshold at or above the largest float32 becomes that largest float32:
  only the value ``3.4028235e38`` itself then goes the other way.
* Leaf values are float32 in xgboost, and xgboost sums trees in float32.
* The base score is stored as xgboost does (a float32 in the objective's
  response space); what float32 rounding changes in its margin is added to
  the leaves of the first tree of each output, so margins stay exact to
  float32 precision.
* Categorical splits become xgboost's (``split_type`` 1, with
  ``categories``, ``categories_nodes``, ``categories_segments`` and
  ``categories_sizes``) and the feature's type is ``"c"``.  xgboost sends
  the categories listed in a node right and every other value (also
  negative or too large ones) left, NaN to the default side; skboost sends
  its node's subset left and NaN, unseen categories and codes outside
  ``0 .. n_categories - 1`` to the learned missing side.  So the exported
  node puts skboost's missing-side child on xgboost's left (default_left
  is 1) and lists the categories of the other child.  xgboost reads
  category *codes*: give it ``code = est.categories_[j].index(value)``
  (NaN or any code outside ``0 .. n_categories - 1`` for a missing or
  unseen value), for example the codes of a pandas column recast with
  ``cat.set_categories(est.categories_[j])``.  The file holds no category
  values (xgboost 3.1's recoding table ``cats`` is not written).

A family plugs in by defining ``est._xgboost_parts()`` returning
:class:`XGBoostParts` (a few lines: its trees, their output columns, the
leaf values with the learning rate applied, the base margin and the
objective's name); gradient boosting's are built here.
"""
import json
import os
from collections import namedtuple

import numpy as np

from ._inspect import category_codes_left, is_categorical_split
from ._tree import LEAF

ROOT_PARENT = 2147483647  # what xgboost writes as the root's parent
XGBOOST_FORMAT_VERSION = [3, 0, 0]
FLOAT32_MAX = float(np.finfo(np.float32).max)

XGBoostParts = namedtuple(
    "XGBoostParts",
    ["trees", "columns", "leaf_values", "base_margin", "objective", "n_features",
     "feature_names", "trees_per_round", "n_categories"], defaults=(None,))
XGBoostParts.__doc__ = """Everything an xgboost model file needs from a boosted model.

Fields
------
trees : list of skboost._tree.Tree
columns : list of int
    Output (class) of each tree.
leaf_values : list of ndarray of shape (n_nodes,), float64
    Node values with the learning rate applied (only leaves are used).
base_margin : ndarray of shape (n_outputs,), float64
    The margin before any tree.
objective : {"reg:squarederror", "binary:logistic", "multi:softprob"}
n_features : int
feature_names : sequence of str or None
trees_per_round : int
    Trees of one boosting round (``iteration_indptr`` of the file).
n_categories : sequence of int or None, default=None
    Categories of each feature (0 for numeric ones), read from the
    estimator's ``categories_`` when None.  Needed by categorical splits
    only: the codes ``0 .. n_categories - 1`` not sent left are listed for
    xgboost's right child.  Without it, a categorical split lists codes up
    to 255 (skboost's predict kernels accept codes 0..255).
"""

OBJECTIVES = {
    "reg:squarederror": {"name": "reg:squarederror",
                         "reg_loss_param": {"scale_pos_weight": "1"}},
    "binary:logistic": {"name": "binary:logistic",
                        "reg_loss_param": {"scale_pos_weight": "1"}},
}


def export_xgboost_json(est, path):
    """Write boosted model ``est`` as an xgboost JSON model file at ``path``.

    Raises
    ------
    ValueError
        When the model's loss or initial estimator has no xgboost equivalent.
    """
    document = xgboost_document(xgboost_parts(est))
    text = json.dumps(document, allow_nan=False, separators=(",", ":"))
    with open(os.fspath(path), "w", encoding="utf-8") as f:
        f.write(text)


def xgboost_parts(est):
    """:class:`XGBoostParts` of a fitted estimator (``n_categories`` filled from
    the estimator's ``categories_`` when the family leaves it None)."""
    if hasattr(est, "_xgboost_parts"):
        parts = est._xgboost_parts()
        if parts.n_categories is None:
            parts = parts._replace(n_categories=category_counts(est))
        return parts
    from .ensemble._gbdt import BaseGradientBoosting
    if isinstance(est, BaseGradientBoosting):
        return gradient_boosting_parts(est)
    raise ValueError(f"{type(est).__name__} cannot be exported to xgboost: only boosted "
                     "models with squared-error, logistic or softmax objectives can.")


def gradient_boosting_parts(est):
    """:class:`XGBoostParts` of a fitted GradientBoostingRegressor/Classifier."""
    from sklearn.utils.validation import check_is_fitted
    check_is_fitted(est, "_forest")
    name = type(est).__name__
    n_outputs = est._loss.n_trees
    if hasattr(est, "classes_"):
        if est.loss != "log_loss":
            raise ValueError(f"{name}(loss={est.loss!r}) cannot be exported to xgboost: "
                             "only loss='log_loss' has an xgboost objective.")
        objective = "binary:logistic" if n_outputs == 1 else "multi:softprob"
    else:
        if est.loss != "squared_error":
            raise ValueError(f"{name}(loss={est.loss!r}) cannot be exported to xgboost: "
                             "only loss='squared_error' has an xgboost objective "
                             "with the same predictions.")
        objective = "reg:squarederror"
    if isinstance(est.init_, str) and est.init_ == "zero":
        base_margin = np.zeros(n_outputs)
    elif est._default_init:
        base_margin = np.asarray(est._baseline, dtype=np.float64)
    else:
        raise ValueError(f"{name} with an init estimator cannot be exported to xgboost: "
                         "its initial predictions are not a constant.")
    forest = est._forest
    return XGBoostParts(
        trees=list(forest.trees), columns=list(forest.columns),
        leaf_values=[tree.value[:, 0] for tree in forest.trees], base_margin=base_margin,
        objective=objective, n_features=est.n_features_in_,
        feature_names=getattr(est, "feature_names_in_", None), trees_per_round=n_outputs,
        n_categories=category_counts(est))


def category_counts(est):
    """Categories of each feature of ``est`` (0: numeric), or None when the
    estimator records no ``categories_``."""
    categories = getattr(est, "categories_", None)
    if categories is None:
        return None
    return [0 if c is None else len(c) for c in categories]


# ---------------------------------------------------------------- document
def xgboost_document(parts):
    """The JSON document (a dict) of an xgboost model from :class:`XGBoostParts`."""
    objective = parts.objective
    base_margin = np.asarray(parts.base_margin, dtype=np.float64)
    n_outputs = base_margin.size
    if objective not in OBJECTIVES and objective != "multi:softprob":
        raise ValueError(f"objective {objective!r} cannot be exported to xgboost.")
    if (objective == "multi:softprob") != (n_outputs > 1):
        raise ValueError("multi:softprob needs one base margin per class, other "
                         "objectives exactly one.")
    base_score, shift = _base_score(objective, base_margin)
    trees = []
    for index, (tree, column, values) in enumerate(zip(parts.trees, parts.columns,
                                                       parts.leaf_values)):
        values = np.asarray(values, dtype=np.float64) + shift[column]
        shift[column] = 0.0  # only the first tree of each output carries it
        trees.append(tree_document(tree, values, index, parts.n_features,
                                   parts.n_categories))
    if np.any(shift != 0.0):
        raise ValueError("every output needs at least one tree to be exported.")
    return {"learner": _learner(parts, objective, n_outputs, base_score, trees),
            "version": XGBOOST_FORMAT_VERSION}


def _base_score(objective, base_margin):
    """xgboost's base score (a float32 in the response space) and, per output,
    the margin it misses because of float32 rounding."""
    if base_margin.size > 1:  # softprob's base score is a margin shared by all
        return 0.0, base_margin.copy()
    margin = float(base_margin[0])
    if objective == "binary:logistic":
        score = np.float32(1.0 / (1.0 + np.exp(-margin)))
        score = min(max(score, np.float32(1e-7)), np.float32(1 - 1e-7))  # finite logit
        score = float(score)
        stored = np.log(score / (1.0 - score))
    else:
        score = float(np.float32(margin))
        stored = score
    return score, np.array([margin - stored])


def _learner(parts, objective, n_outputs, base_score, trees):
    names = parts.feature_names
    per_round = parts.trees_per_round
    if per_round < 1 or len(trees) % per_round:
        raise ValueError("trees_per_round must divide the number of trees.")
    if objective == "multi:softprob":
        objective_doc = {"name": objective,
                         "softmax_multiclass_param": {"num_class": str(n_outputs)}}
    else:
        objective_doc = OBJECTIVES[objective]
    model = {"gbtree_model_param": {"num_parallel_tree": str(per_round // n_outputs),
                                    "num_trees": str(len(trees))},
             "iteration_indptr": list(range(0, len(trees) + 1, per_round)),
             "tree_info": [int(c) for c in parts.columns],
             "trees": trees}
    return {"attributes": {},
            "feature_names": [] if names is None else [str(n) for n in names],
            "feature_types": _feature_types(parts),
            "gradient_booster": {"model": model, "name": "gbtree"},
            "learner_model_param": {"base_score": format(base_score, ".9g"),
                                    "boost_from_average": "1",
                                    "num_class": str(n_outputs if n_outputs > 1 else 0),
                                    "num_feature": str(parts.n_features),
                                    "num_target": "1"},
            "objective": objective_doc}


def _categorical_features(parts):
    """Features with a categorical split in any tree, as a set of ints."""
    used = set()
    for tree in parts.trees:
        used.update(int(f) for f in tree.feature[is_categorical_split(tree)])
    return used


def _feature_types(parts):
    """``"c"`` for categorical features, ``"float"`` for the others; an empty
    list (xgboost's "not given") for a model without names or categories."""
    counts = parts.n_categories
    categorical = _categorical_features(parts)
    if counts is not None:
        categorical.update(j for j, n in enumerate(counts) if n > 0)
    if parts.feature_names is None and not categorical:
        return []
    return ["c" if j in categorical else "float" for j in range(parts.n_features)]


def split_conditions(threshold):
    """float32 conditions ``c`` with ``x < c`` exactly when ``x <= threshold``
    for every float32 ``x`` (see the module docstring for ``+inf``)."""
    threshold = np.asarray(threshold, dtype=np.float64)
    with np.errstate(over="ignore"):
        below = threshold.astype(np.float32)
        rounded_up = below.astype(np.float64) > threshold
        below[rounded_up] = np.nextafter(below[rounded_up], np.float32(-np.inf))
        condition = np.nextafter(below, np.float32(np.inf)).astype(np.float64)
    return np.where(np.isposinf(condition), FLOAT32_MAX, condition)


def _categorical_nodes(tree, n_categories):
    """xgboost's view of the categorical splits of ``tree``.

    Returns
    -------
    swap : ndarray of shape (n_nodes,), bool
        Nodes whose children trade places (skboost's right child, the
        missing side, becomes xgboost's left).
    lists : dict
        ``categories``, ``categories_nodes``, ``categories_segments`` and
        ``categories_sizes`` of the file: per node, the codes going to
        xgboost's right child.
    """
    swap = np.zeros(tree.node_count, dtype=bool)
    lists = {"categories": [], "categories_nodes": [], "categories_segments": [],
             "categories_sizes": []}
    for node in np.flatnonzero(is_categorical_split(tree)):
        f = int(tree.feature[node])
        n_codes = int(n_categories[f]) if n_categories is not None and \
            n_categories[f] > 0 else 32 * tree.cat_bitset.shape[1]
        left = category_codes_left(tree, node)
        if tree.missing_left[node]:  # xgboost's left: skboost's left
            right_codes = np.setdiff1d(np.arange(n_codes), left)
        else:                        # xgboost's left: skboost's right
            right_codes = left
            swap[node] = True
        lists["categories_nodes"].append(int(node))
        lists["categories_segments"].append(len(lists["categories"]))
        lists["categories_sizes"].append(int(right_codes.size))
        lists["categories"].extend(int(c) for c in right_codes)
    return swap, lists


def tree_document(tree, values, tree_id, n_features, n_categories=None):
    """One tree in xgboost's JSON layout (node ids are skboost's: parents
    come before children, as xgboost writes them too).

    Parameters
    ----------
    tree : skboost._tree.Tree
    values : ndarray of shape (n_nodes,)
        Node values (only leaves are used).
    tree_id : int
    n_features : int
    n_categories : sequence of int or None
        Categories per feature, for categorical splits (see
        :class:`XGBoostParts`).
    """
    n = tree.node_count
    leaf = tree.left == LEAF
    internal = ~leaf
    swap, categories = _categorical_nodes(tree, n_categories)
    left = np.where(swap, tree.right, tree.left)
    right = np.where(swap, tree.left, tree.right)
    parents = np.full(n, ROOT_PARENT, dtype=np.int64)
    parents[left[internal]] = np.flatnonzero(internal)
    parents[right[internal]] = np.flatnonzero(internal)
    leaf_value = _float32_list(values)
    categorical = is_categorical_split(tree)
    numeric = internal & ~categorical
    conditions = split_conditions(np.where(numeric, tree.threshold, 0.0))
    return {
        "base_weights": leaf_value,
        **categories,
        "default_left": np.where(categorical, 1, np.where(internal, tree.missing_left, 0))
        .astype(int).tolist(),
        "id": int(tree_id),
        "left_children": left.astype(int).tolist(),
        "loss_changes": _float32_list(np.where(internal, tree.gain, 0.0)),
        "parents": parents.tolist(),
        "right_children": right.astype(int).tolist(),
        "split_conditions": [v if is_leaf else c for v, c, is_leaf in
                             zip(leaf_value, conditions.tolist(), leaf.tolist())],
        "split_indices": np.where(internal, tree.feature, 0).astype(int).tolist(),
        "split_type": categorical.astype(int).tolist(),
        "sum_hessian": _float32_list(tree.cover),
        "tree_param": {"num_deleted": "0", "num_feature": str(n_features),
                       "num_nodes": str(n), "size_leaf_vector": "1"},
    }


def _float32_list(values):
    """Values rounded to float32 (exactly what xgboost will hold), as floats."""
    return np.asarray(values, dtype=np.float64).astype(np.float32).astype(np.float64).tolist()
