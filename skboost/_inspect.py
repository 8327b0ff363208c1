"""Tree tables, importances by type and learning curves for every family.

Everything here reads a fitted model through :func:`fitted_trees`, the one
place that knows where an estimator keeps its trees.  A family with another
storage plugs in by defining ``_fitted_trees()`` (returning ``(trees,
columns)``); every other family keeps its trees in ``est._forest``
(:class:`skboost._tree.Forest`).
"""
import numpy as np
from sklearn.exceptions import NotFittedError

from ._tree import LEAF

IMPORTANCE_TYPES = ("gain", "total_gain", "weight", "split", "cover", "total_cover")
_COLUMNS = ["Tree", "Node", "ID", "Feature", "Split", "Yes", "No", "Missing", "Gain",
            "Cover", "Category", "n_samples", "output"]


# --------------------------------------------------------------- model access
def fitted_trees(est):
    """The trees of a fitted estimator and the output column of each.

    Parameters
    ----------
    est : estimator
        A fitted skboost estimator.  ``est._fitted_trees()`` is used when
        defined, else ``est._forest``.

    Returns
    -------
    trees : list of skboost._tree.Tree
    columns : list of int
        Tree ``t`` adds its ``V`` values to raw output columns
        ``columns[t] .. columns[t] + V - 1``.

    Raises
    ------
    NotFittedError
        When the estimator holds no trees yet.
    TypeError
        When the ensemble is made of user-supplied learners, not skboost trees.
    """
    hook = getattr(est, "_fitted_trees", None)
    if callable(hook):
        trees, columns = hook()
        return list(trees), [int(c) for c in columns]
    _check_engine_learners(est)
    forest = getattr(est, "_forest", None)
    if forest is None:
        raise NotFittedError(f"This {type(est).__name__} instance is not fitted yet. "
                             "Call 'fit' with appropriate arguments first.")
    return list(forest.trees), [int(c) for c in forest.columns]


def _check_engine_learners(est):
    """Meta-estimators given a user ``estimator`` (AdaBoost) hold no skboost trees."""
    get_params = getattr(est, "get_params", None)
    user = get_params(deep=False).get("estimator") if callable(get_params) else None
    if user is not None:
        raise TypeError(f"{type(est).__name__} was fitted with a user estimator "
                        f"({type(user).__name__}): only skboost's own trees "
                        "(estimator=None) can be inspected.")


def n_features_of(est, trees=None):
    """Number of input features: ``n_features_in_``, else the highest split feature + 1."""
    n = getattr(est, "n_features_in_", None)
    if n is not None:
        return int(n)
    trees = fitted_trees(est)[0] if trees is None else trees
    used = [int(t.feature[t.left != LEAF].max()) for t in trees if (t.left != LEAF).any()]
    return max(used) + 1 if used else 0


def category_codes_left(tree, node):
    """Category codes that the categorical split of ``node`` sends left.

    Parameters
    ----------
    tree : skboost._tree.Tree
    node : int
        A node with ``tree.categorical[node] == 1``.

    Returns
    -------
    ndarray of int64
        The set bits of the node's ``cat_bitset`` row (bit ``c`` of word
        ``c // 32``), ascending.
    """
    words = np.ascontiguousarray(tree.cat_bitset[node], dtype="<u4")
    return np.flatnonzero(np.unpackbits(words.view(np.uint8), bitorder="little"))


def category_values(est, feature, codes):
    """Category values of ``codes`` of ``feature``, from ``est.categories_``.

    Falls back to the codes themselves (as ints) when the estimator records
    no categories for the feature (a hand-built model) or a code has none.

    Returns
    -------
    list
    """
    categories = getattr(est, "categories_", None)
    known = categories[feature] if categories is not None and \
        feature < len(categories) and categories[feature] is not None else []
    return [known[c] if c < len(known) else int(c) for c in codes]


def is_categorical_split(tree):
    """Boolean mask of the nodes of ``tree`` that split on a category subset."""
    return (tree.left != LEAF) & (np.asarray(tree.categorical) == 1)


def feature_names(est, trees=None):
    """Feature names: ``feature_names_in_`` when fitted on named columns, else ``f{i}``.

    Returns
    -------
    list of str
    """
    names = getattr(est, "feature_names_in_", None)
    if names is not None:
        return [str(name) for name in names]
    return [f"f{i}" for i in range(n_features_of(est, trees))]


# ---------------------------------------------------------------- importances
def split_statistics(trees, n_features):
    """Per-feature split count, total gain and total cover over ``trees``.

    Returns
    -------
    count, total_gain, total_cover : ndarray of shape (n_features,), float64
    """
    count = np.zeros(n_features)
    gain = np.zeros(n_features)
    cover = np.zeros(n_features)
    for tree in trees:
        internal = tree.left != LEAF
        used = np.asarray(tree.feature[internal], dtype=np.int64)
        count += np.bincount(used, minlength=n_features)
        gain += np.bincount(used, weights=tree.gain[internal], minlength=n_features)
        cover += np.bincount(used, weights=tree.cover[internal], minlength=n_features)
    return count, gain, cover


def _per_split(total, count):
    """``total / count`` where a feature is used, 0 elsewhere."""
    out = np.zeros_like(total)
    np.divide(total, count, out=out, where=count > 0)
    return out


def feature_importances(est, importance_type="gain"):
    """Feature importances of a fitted model by type, normalised to sum to 1.

    The types are xgboost's (``Booster.get_score``), computed over every
    split of every tree:

    * ``"weight"`` (alias ``"split"``): number of splits on the feature;
    * ``"total_gain"``: sum of the split gains of the feature;
    * ``"gain"``: ``total_gain / weight``, the mean gain of its splits;
    * ``"total_cover"``: sum of the covers (hessian sums; sample weights
      for impurity criteria) of the nodes split on the feature;
    * ``"cover"``: ``total_cover / weight``.

    The scores are then divided by their sum, as xgboost's
    ``feature_importances_`` does.  The scikit-learn families'
    ``feature_importances_`` stay scikit-learn's impurity importances; this
    function is the typed alternative for every family.

    Parameters
    ----------
    est : estimator
        A fitted skboost estimator.
    importance_type : {"gain", "total_gain", "weight", "split", "cover", "total_cover"}, \
default="gain"

    Returns
    -------
    ndarray of shape (n_features_in_,), float64
        Non-negative, summing to 1; all zeros when the model has no split.

    Examples
    --------
    >>> from skboost import GradientBoostingRegressor
    >>> from skboost.inspection import feature_importances
    >>> import numpy as np
    >>> X = np.arange(40.0).reshape(20, 2); y = X[:, 0] ** 2
    >>> est = GradientBoostingRegressor(n_estimators=3, max_depth=2).fit(X, y)
    >>> float(feature_importances(est, "weight").sum())
    1.0
    """
    if importance_type not in IMPORTANCE_TYPES:
        raise ValueError(f"importance_type must be one of {IMPORTANCE_TYPES}, "
                         f"got {importance_type!r}.")
    trees, _ = fitted_trees(est)
    count, gain, cover = split_statistics(trees, n_features_of(est, trees))
    scores = {"weight": count, "split": count, "total_gain": gain, "total_cover": cover,
              "gain": _per_split(gain, count), "cover": _per_split(cover, count)}
    score = scores[importance_type]
    total = score.sum()
    return score / total if total > 0 else np.zeros_like(score)


# ----------------------------------------------------------------- tree table
def _import_pandas():
    try:
        import pandas
    except ImportError as exc:
        raise ImportError("trees_to_dataframe needs pandas: pip install pandas") from exc
    return pandas


def _node_ids(t, nodes):
    """xgboost's node IDs ``"tree-node"`` (NaN where ``nodes`` is -1)."""
    return np.array([f"{t}-{n}" if n != LEAF else np.nan for n in nodes], dtype=object)


def _categories_column(est, tree):
    """The ``Category`` column: the category values sent left on categorical
    splits, NaN elsewhere."""
    column = np.full(tree.node_count, np.nan, dtype=object)
    for node in np.flatnonzero(is_categorical_split(tree)):
        column[node] = category_values(est, int(tree.feature[node]),
                                       category_codes_left(tree, node))
    return column


def _tree_table(est, tree, t, column, names, n_values):
    """Columns of :func:`trees_to_dataframe` for tree number ``t``."""
    n = tree.node_count
    leaf = tree.left == LEAF
    categorical = is_categorical_split(tree)
    split_feature = np.where(leaf, 0, tree.feature)
    missing = np.where(tree.missing_left.astype(bool), tree.left, tree.right)
    leaf_gain = tree.value[:, 0] if tree.value.shape[1] == 1 else np.full(n, np.nan)
    table = {
        "Tree": np.full(n, t, dtype=np.int64),
        "Node": np.arange(n, dtype=np.int64),
        "ID": _node_ids(t, np.arange(n)),
        "Feature": np.array([("Leaf" if is_leaf else names[f])
                             for is_leaf, f in zip(leaf, split_feature)], dtype=object),
        "Split": np.where(leaf | categorical, np.nan, tree.threshold),
        "Yes": _node_ids(t, tree.left),
        "No": _node_ids(t, np.where(leaf, LEAF, tree.right)),
        "Missing": _node_ids(t, np.where(leaf, LEAF, missing)),
        "Gain": np.where(leaf, leaf_gain, tree.gain),
        "Cover": np.asarray(tree.cover, dtype=np.float64),
        "Category": (_categories_column(est, tree) if categorical.any()
                     else np.full(n, np.nan)),
        "n_samples": np.asarray(tree.n_samples, dtype=np.int64),
        "output": np.full(n, column, dtype=np.int64),
    }
    for k in range(n_values):
        values = tree.value[:, k] if k < tree.value.shape[1] else np.full(n, np.nan)
        table[f"value_{k}"] = np.asarray(values, dtype=np.float64)
    return table


def trees_to_dataframe(est):
    """Every node of every tree as one row of a pandas DataFrame.

    The layout follows xgboost's ``Booster.trees_to_dataframe``, plus
    skboost's own columns:

    ========== =============================================================
    Tree       tree number, in the order the model adds them
    Node       node number inside its tree (0 is the root)
    ID         ``"<Tree>-<Node>"``
    Feature    split feature's name (``feature_names_in_`` or ``f<i>``);
               ``"Leaf"`` on leaves
    Split      threshold: rows with ``x <= Split`` go to ``Yes`` (xgboost
               sends ``x < Split`` there); NaN on leaves and on categorical
               splits
    Yes, No    IDs of the left (``x <= Split``, or a category listed in
               ``Category``) and right children; NaN on leaves
    Missing    ID of the child that rows with a missing value go to (on a
               categorical split, also categories not seen at fit)
    Gain       split gain on internal nodes; on leaves, as in xgboost, the
               leaf value when a tree has one value per node (every boosting
               family, single-output regression), NaN otherwise (use the
               ``value_k`` columns)
    Cover      hessian sum of the node (the sample weight for impurity
               criteria)
    Category   on a categorical split, the list of categories sent to
               ``Yes`` (the values of ``est.categories_[feature]``, as
               xgboost lists a split's categories; the other categories go
               to ``No``); NaN on leaves and numeric splits
    n_samples  training rows in the node
    output     first raw output column the tree adds to (the class of a
               multiclass boosting tree; 0 for the others)
    value_k    node value for output ``k`` (class proportions of a forest
               classifier, leaf values scaled by the learning rate in
               boosting); internal nodes keep their own value
    ========== =============================================================

    Parameters
    ----------
    est : estimator
        A fitted skboost estimator.

    Returns
    -------
    pandas.DataFrame
        One row per node, ``sum(tree.node_count)`` rows.

    Raises
    ------
    ImportError
        When pandas is not installed.
    """
    pd = _import_pandas()
    trees, columns = fitted_trees(est)
    names = feature_names(est, trees)
    n_values = max((tree.value.shape[1] for tree in trees), default=1)
    tables = [_tree_table(est, tree, t, column, names, n_values)
              for t, (tree, column) in enumerate(zip(trees, columns))]
    if not tables:
        return pd.DataFrame({name: [] for name in _COLUMNS + ["value_0"]})
    merged = {name: np.concatenate([table[name] for table in tables]) for name in tables[0]}
    return pd.DataFrame(merged)



# ------------------------------------------------------------ learning curves
def learning_curves(est):
    """Per-iteration metrics recorded during fit, in xgboost's ``evals_result()`` layout.

    ``{"<data set>": {"<metric>": [value per iteration]}}`` taken from, in order:

    * ``est.evals_result()`` when the estimator has it (xgboost-like family);
    * gradient boosting: ``train_score_`` as ``"training"`` (the in-bag loss
      when ``subsample < 1``), ``oob_scores_`` as ``"oob"``, and
      ``validation_score_`` / ``validation_scores_`` as ``"validation"``,
      all under the loss's name (``est.loss``);
    * AdaBoost: ``estimator_errors_`` (the weighted error, or average loss
      for regression, of each round's learner on that round's weights) as
      ``"estimator_error"`` and ``estimator_weights_`` as
      ``"estimator_weight"``, under ``"training"``.

    Returns
    -------
    dict of str to dict of str to ndarray
        Empty when the model records no curve (random forests).
    """
    evals = getattr(est, "evals_result", None)
    if callable(evals):
        result = evals()
        if result:
            return {data: {m: np.asarray(v, dtype=np.float64) for m, v in metrics.items()}
                    for data, metrics in result.items()}
    curves = {}
    loss = est.loss if isinstance(getattr(est, "loss", None), str) else "loss"
    for attribute, data in (("train_score_", "training"), ("oob_scores_", "oob"),
                            ("validation_score_", "validation"),
                            ("validation_scores_", "validation")):
        values = getattr(est, attribute, None)
        if values is not None and np.ndim(values) == 1 and np.size(values) > 0:
            curves.setdefault(data, {})[loss] = np.asarray(values, dtype=np.float64)
    if hasattr(est, "estimator_errors_") and not curves:
        n = len(est.estimators_)
        curves["training"] = {
            "estimator_error": np.asarray(est.estimator_errors_[:n], dtype=np.float64),
            "estimator_weight": np.asarray(est.estimator_weights_[:n], dtype=np.float64)}
    return curves
