"""RandomForestClassifier and RandomForestRegressor on the shared engine.

Drop-in replacements for scikit-learn's forests.  Bootstrap samples are
integer weights on the rows (X is binned or presorted once per fit, never
copied per tree); class counts are K gradient channels ``-w*onehot(y)`` with
``h = w``, so the engine's Newton gain is the Gini decrease and its leaf
values are the class proportions.

As scikit-learn 1.9, sample and class weights decide how likely each row
is to be drawn into a bootstrap sample; the trees then weigh rows by their
draw counts only.  Without bootstrap the trees weigh rows by those weights.
"""
import warnings
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, is_classifier
from sklearn.metrics import r2_score
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted

from .._depth_first import DepthFirstGrower
from .._dtypes import INDEX_DTYPE, MAX_BINS
from .._grower import GrowerParams
from .._kernels.criterion import ENTROPY, NEWTON, POISSON
from .._losses import weighted_percentile
from .._tree import LEAF, Forest
from ._tools import EnsembleSequenceMixin, ModelToolsMixin
from ._base import (EngineTree, categorical_indices, check_monotonic_cst, engine_tags,
                    estimator_threads, grow_in_parallel, make_grower,
                    release_training_data, resolve_count, resolve_max_features,
                    validate_fit_data, validate_predict_data)

MAX_INT = np.iinfo(np.int32).max

_CRITERIA = {"gini": NEWTON, "entropy": ENTROPY, "log_loss": ENTROPY,
             "squared_error": NEWTON, "friedman_mse": NEWTON, "poisson": POISSON,
             "absolute_error": NEWTON}


class BaseForest(EnsembleSequenceMixin, ModelToolsMixin, BaseEstimator):
    """Shared fit/predict machinery of the two forests."""

    _parameter_constraints = {
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "max_depth": [Interval(Integral, 1, None, closed="left"), None],
        "min_samples_split": [Interval(Integral, 2, None, closed="left"),
                              Interval(Real, 0.0, 1.0, closed="right")],
        "min_samples_leaf": [Interval(Integral, 1, None, closed="left"),
                             Interval(Real, 0.0, 1.0, closed="neither")],
        "min_weight_fraction_leaf": [Interval(Real, 0.0, 0.5, closed="both")],
        "max_features": [Interval(Integral, 1, None, closed="left"),
                         Interval(Real, 0.0, 1.0, closed="right"),
                         StrOptions({"sqrt", "log2"}), None],
        "max_leaf_nodes": [Interval(Integral, 2, None, closed="left"), None],
        "min_impurity_decrease": [Interval(Real, 0.0, None, closed="left")],
        "bootstrap": ["boolean"],
        "oob_score": ["boolean", callable],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "ccp_alpha": [Interval(Real, 0.0, None, closed="left")],
        "max_samples": [None, Interval(RealNotInt, 0.0, None, closed="neither"),
                        Interval(Integral, 1, None, closed="left")],
        "monotonic_cst": ["array-like", None],
        "split_method": [StrOptions({"hist", "exact"})],
        "categorical_features": ["array-like", StrOptions({"from_dtype"}), None],
        "max_bins": [Interval(Integral, 2, MAX_BINS, closed="both")],
    }

    # ------------------------------------------------------------------ fit
    def fit(self, X, y, sample_weight=None):
        """Build a forest of trees from the training set (X, y).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            NaN marks a missing value (supported natively).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        self._validate_params()
        if sparse.issparse(y):
            raise ValueError("sparse multilabel-indicator for y is not supported.")
        weighted = sample_weight is not None
        X, y, sample_weight = validate_fit_data(self, X, y, sample_weight,
                                                y_numeric=not is_classifier(self),
                                                multi_output=True)
        if y.ndim == 1:
            y = y.reshape(-1, 1)
        self.n_outputs_ = y.shape[1]
        targets, sample_weight = self._encode_targets(y, sample_weight)
        if self.oob_score and not self.bootstrap:
            raise ValueError("Out of bag estimation only available if bootstrap=True")
        if self.max_samples is not None and not self.bootstrap:
            raise ValueError("`max_sample` cannot be set if `bootstrap=False`. Either "
                             "switch to `bootstrap=True` or set `max_sample=None`.")
        n_samples = X.shape[0]
        self._set_draw_weight(sample_weight, weighted)
        n_bootstrap = self._n_bootstrap(n_samples)
        self._check_monotonic_cst(X.shape[1])
        self._max_features_count(X.shape[1])
        if not self.warm_start or not hasattr(self, "_forest"):
            self._forest = Forest(targets.shape[1])
            self._seeds = []
            self._rng = check_random_state(self.random_state)
        n_more = self.n_estimators - len(self._forest)
        if n_more < 0:
            raise ValueError(f"n_estimators={self.n_estimators} must be larger or equal to "
                             f"len(estimators_)={len(self._forest)} when warm_start==True")
        if n_more == 0:
            warnings.warn("Warm-start fitting without increasing n_estimators does not "
                          "fit new trees.", UserWarning)
        with estimator_threads(self, n_cells=X.shape[0] * X.shape[1]):
            if n_more:
                seeds = self._rng.randint(MAX_INT, size=n_more)
                self._grow_trees(X, y, targets, sample_weight, seeds, n_bootstrap)
            if self.oob_score and (n_more or not hasattr(self, "oob_score_")):
                self._compute_oob(X, y, n_bootstrap)
        return self

    def _set_draw_weight(self, sample_weight, weighted):
        """Weights of the bootstrap draws (None: uniform, as scikit-learn
        when neither sample weights nor fit-level class weights are given).
        Kept on the model: ``estimators_samples_`` redraws from them."""
        class_weight = getattr(self, "class_weight", None)
        fit_level_class_weight = class_weight not in (None, "balanced_subsample")
        self._draw_weight = (sample_weight if self.bootstrap
                             and (weighted or fit_level_class_weight) else None)

    def _n_bootstrap(self, n_samples):
        """Rows drawn per tree: ``max_samples`` rows, or that share of the
        rows (of the total draw weight when weighted)."""
        if not self.bootstrap or self.max_samples is None:
            return n_samples
        if isinstance(self.max_samples, Integral):
            return int(self.max_samples)
        draw_weight = getattr(self, "_draw_weight", None)
        total = n_samples if draw_weight is None else float(draw_weight.sum())
        n_bootstrap = max(int(self.max_samples * total), 1)
        if n_bootstrap < max(10, n_samples ** (1 / 3)):
            warnings.warn(f"Using the fractional value max_samples={self.max_samples} "
                          f"results in a low number ({n_bootstrap}) of bootstrap samples. "
                          "We recommend passing `max_samples` as an integer instead.",
                          UserWarning)
        return n_bootstrap

    def _max_features_count(self, n_features):
        self._max_features = resolve_max_features(self.max_features, n_features)

    def _check_monotonic_cst(self, n_features):
        self._monotonic = None
        if self.monotonic_cst is None:
            return
        cst = check_monotonic_cst(self.monotonic_cst, n_features)
        if self.n_outputs_ > 1:
            raise ValueError("Monotonicity constraints are not supported with "
                             "multiple outputs.")
        if is_classifier(self) and self._classes[0].size > 2:
            raise ValueError("Monotonicity constraints are not supported with "
                             "multiclass classification.")
        if self.criterion not in ("gini", "squared_error", "friedman_mse"):
            raise ValueError(f"Monotonicity constraints are not supported with "
                             f"criterion='{self.criterion}'; use 'gini' or "
                             "'squared_error'.")
        self._monotonic = cst

    def _grower_params(self, n_samples):
        return GrowerParams(
            max_depth=self.max_depth, max_leaf_nodes=self.max_leaf_nodes,
            min_samples_split=max(2, resolve_count(self.min_samples_split, n_samples)),
            min_samples_leaf=max(1, resolve_count(self.min_samples_leaf, n_samples)),
            min_impurity_decrease=self.min_impurity_decrease * self._impurity_scale,
            monotonic_cst=self._monotonic,
            max_features=self._max_features if self._max_features < self.n_features_in_
            else None,
            criterion=_CRITERIA[self.criterion],
            categorical_features=categorical_indices(self, self._monotonic))

    def _bootstrap_indices(self, seed, n_samples, n_bootstrap):
        """Rows drawn (with repeats) for the tree seeded by ``seed``: the
        draws of scikit-learn's forests for the same seed."""
        rng = np.random.RandomState(seed)
        draw_weight = getattr(self, "_draw_weight", None)
        if draw_weight is None:
            indices = rng.randint(0, n_samples, n_bootstrap)
        else:
            indices = rng.choice(n_samples, n_bootstrap, replace=True,
                                 p=draw_weight / draw_weight.sum())
        return indices.astype(np.int32)

    def _bootstrap_counts(self, seed, n_samples, n_bootstrap):
        """Times each row is drawn for the tree seeded by ``seed``."""
        if not self.bootstrap:
            return np.ones(n_samples)
        indices = self._bootstrap_indices(seed, n_samples, n_bootstrap)
        return np.bincount(indices, minlength=n_samples).astype(np.float64)

    def _grow_trees(self, X, y, targets, sample_weight, seeds, n_bootstrap):
        n_samples = X.shape[0]
        params = self._grower_params(n_samples)
        grower = make_grower(self.split_method, X, sample_weight, targets.shape[1], params,
                             self.max_bins, int(seeds[0]),
                             absolute_error=self.criterion == "absolute_error")
        self._bin_mapper = grower.bin_mapper
        channels = None
        if DepthFirstGrower.supports(grower):
            depth_first = DepthFirstGrower.from_grower(grower)
            release_training_data(None, grower)  # the row-major copy replaces its bins
            grower = depth_first
            channels = self._target_channels(targets)

        def grow(grower, seed):
            return self._grow_tree(grower, seed, y, targets, channels, sample_weight,
                                   n_samples, n_bootstrap)

        trees = grow_in_parallel(grower, grow, [int(seed) for seed in seeds])
        for tree, seed in zip(trees, seeds):
            self._forest.append(tree, 0)
            self._seeds.append(int(seed))
            if self.verbose > 1:
                print(f"building tree {len(self._forest)} of {self.n_estimators}")
        release_training_data(self._bin_mapper, grower)
        if self.split_method == "exact":
            del self._bin_mapper  # one threshold per distinct training value

    def _grow_tree(self, grower, seed, y, targets, channels, sample_weight, n_samples,
                   n_bootstrap):
        """One tree of the forest, everything drawn from ``seed``; ``channels``
        (:meth:`_target_channels`) are the targets of the depth-first grower."""
        if self.bootstrap:
            # the weights were spent on the draws: rows count as often as drawn
            counts = self._bootstrap_counts(seed, n_samples, n_bootstrap)
            weight = counts * self._tree_class_weight(y, counts)
        else:
            weight = sample_weight
        min_hessian = self.min_weight_fraction_leaf * weight.sum()
        rows = np.flatnonzero(weight > 0).astype(INDEX_DTYPE)
        if isinstance(grower, DepthFirstGrower):
            channel, target, n_first_block = channels
            grown = grower.grow(channel, -weight[:, np.newaxis] * target, weight, rows, seed,
                                n_first_block, min_hessian)
        else:
            grower.set_min_hessian(min_hessian)
            g = np.ascontiguousarray(-weight[:, np.newaxis] * targets)
            grown = grower.grow(g, weight, rows, np.random.RandomState(seed))
        if self.ccp_alpha > 0:
            grown.prune(self._node_risk(grown, y, weight), self.ccp_alpha)
        self._set_leaf_values(grown, y, weight)
        return grown.tree

    def _tree_class_weight(self, y, counts):
        return 1.0

    def _target_channels(self, targets):
        """The targets as the depth-first grower reads them: per row and
        output, a channel and its value (see :meth:`DepthFirstGrower.grow`),
        and the class channels of the first output (0: regression)."""
        n_samples, n_outputs = targets.shape
        channel = np.broadcast_to(np.arange(n_outputs, dtype=INDEX_DTYPE),
                                  (n_samples, n_outputs))
        return np.ascontiguousarray(channel), targets, 0

    def _set_leaf_values(self, grown, y, weight):
        """Leaves keep the engine's values (means / class proportions)."""

    def _node_risk(self, grown, y, weight):
        """R(t): each node's weighted impurity over the root weight."""
        tree = grown.tree
        cover = tree.cover
        if is_classifier(self):
            p = np.clip(tree.value, 0.0, None)
            if self.criterion == "gini":
                impurity = 1.0 - (p * p).sum(axis=1) / self.n_outputs_
            else:
                with np.errstate(divide="ignore", invalid="ignore"):
                    impurity = -np.nansum(np.where(p > 0, p * np.log2(p), 0.0),
                                          axis=1) / self.n_outputs_
            return impurity * cover / cover[0]
        si = grown.sample_indices
        starts, ends = grown.node_starts, grown.node_ends
        rows = si[:ends[0]]
        w = weight[rows]
        total = np.zeros(starts.size)
        for k in range(self.n_outputs_):
            r = y[rows, k]
            if self.criterion == "poisson":
                with np.errstate(divide="ignore", invalid="ignore"):
                    ylogy = np.where(r > 0, r * np.log(np.where(r > 0, r, 1.0)), 0.0)
                c1 = np.concatenate([[0.0], np.cumsum(w * ylogy)])
                c2 = np.concatenate([[0.0], np.cumsum(w * r)])
                s, s_y = c1[ends] - c1[starts], c2[ends] - c2[starts]
                mean = s_y / cover
                with np.errstate(divide="ignore", invalid="ignore"):
                    total += s - np.where(mean > 0, s_y * np.log(mean), 0.0)
            else:
                c2 = np.concatenate([[0.0], np.cumsum(w * r * r)])
                c1 = np.concatenate([[0.0], np.cumsum(w * r)])
                s2, s1 = c2[ends] - c2[starts], c1[ends] - c1[starts]
                total += s2 - s1 * s1 / cover
        return np.maximum(total, 0.0) / self.n_outputs_ / cover[0]

    # ---------------------------------------------------------------- OOB
    def _compute_oob(self, X, y, n_bootstrap):
        n_samples = X.shape[0]
        width = self._forest.trees[0].value.shape[1]
        sums = np.zeros((n_samples, width))
        n_oob = np.zeros(n_samples)
        for tree, seed in zip(self._forest.trees, self._seeds):
            oob = self._bootstrap_counts(seed, n_samples, n_bootstrap) == 0
            if not oob.any():
                continue
            sums[oob] += tree.predict(X[oob])
            n_oob[oob] += 1
        if np.any(n_oob == 0):
            import warnings
            warnings.warn("Some inputs do not have OOB scores. This probably means too "
                          "few trees were used to compute any reliable OOB estimates.",
                          UserWarning)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = sums / n_oob[:, np.newaxis]
        self._set_oob(mean, y, n_oob > 0)

    # ------------------------------------------------------------ predict
    def _mean_values(self, X):
        X = validate_predict_data(self, X)
        out = np.zeros((X.shape[0], self._forest.trees[0].value.shape[1]))
        with estimator_threads(self):
            self._forest.add_raw(X, out)
        return out / len(self._forest)

    def apply(self, X):
        """Leaf index of every row in every tree, shape (n_samples, n_estimators)."""
        X = validate_predict_data(self, X)
        with estimator_threads(self):
            return self._forest.apply(X).astype(np.int64)

    def decision_path(self, X):
        """Nodes visited by every row.

        Returns
        -------
        indicator : sparse matrix of shape (n_samples, n_nodes)
            Row ``i``, column ``n_nodes_ptr[t] + node`` is 1 when row ``i``
            passes through ``node`` of tree ``t``.
        n_nodes_ptr : ndarray of shape (n_estimators + 1,)
        """
        leaves = self.apply(X)
        counts = [tree.node_count for tree in self._forest.trees]
        ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        columns = []
        for t, tree in enumerate(self._forest.trees):
            paths = _root_paths(tree)
            columns.append([paths[leaf] + ptr[t] for leaf in leaves[:, t]])
        indices, indptr = [], [0]
        for i in range(leaves.shape[0]):
            row = np.concatenate([columns[t][i] for t in range(len(columns))])
            indices.append(row)
            indptr.append(indptr[-1] + row.size)
        indicator = sparse.csr_matrix(
            (np.ones(indptr[-1], dtype=np.int64), np.concatenate(indices), indptr),
            shape=(leaves.shape[0], ptr[-1]))
        return indicator, ptr

    # ----------------------------------------------------------- attributes
    @property
    def estimators_(self):
        check_is_fitted(self, "_forest")
        return [EngineTree(tree, self) for tree in self._forest.trees]

    @property
    def estimators_samples_(self):
        """Indices of the rows drawn for each tree (with repeats)."""
        check_is_fitted(self, "_forest")
        n = self._n_samples_fit
        if not self.bootstrap:
            return [np.arange(n, dtype=np.int32) for _ in self._seeds]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # warned at fit
            n_bootstrap = self._n_bootstrap(n)
        return [self._bootstrap_indices(s, n, n_bootstrap) for s in self._seeds]

    @property
    def feature_importances_(self):
        """Mean over trees of each tree's normalised impurity decrease."""
        check_is_fitted(self, "_forest")
        total = np.zeros(self.n_features_in_)
        for tree in self._forest.trees:
            imp = tree.impurity_importances(self.n_features_in_)
            if imp.sum() > 0:
                total += imp / imp.sum()
        if total.sum() == 0:
            return total
        return total / total.sum()

    def __sklearn_tags__(self):
        tags = engine_tags(super().__sklearn_tags__())
        tags.target_tags.multi_output = True
        return tags


def _root_paths(tree):
    """For every node, the nodes on the path from the root to it."""
    paths = {0: np.array([0], dtype=np.int64)}
    for node in range(tree.node_count):
        if tree.left[node] != LEAF:
            for child in (tree.left[node], tree.right[node]):
                paths[child] = np.append(paths[node], child)
    return paths


class RandomForestClassifier(ClassifierMixin, BaseForest):
    """A random forest classifier on skboost's shared engine.

    Same parameters as :class:`sklearn.ensemble.RandomForestClassifier`
    plus ``split_method`` ('hist' default, 'exact') and ``max_bins``.
    Missing values (NaN) in X are supported; labels may be any hashable
    values; y may have several outputs.

    Parameters
    ----------
    n_estimators : int, default=100
    criterion : {'gini', 'entropy', 'log_loss'}, default='gini'
    max_depth : int or None, default=None
    min_samples_split : int or float, default=2
    min_samples_leaf : int or float, default=1
    min_weight_fraction_leaf : float, default=0.0
    max_features : {'sqrt', 'log2'}, int, float or None, default='sqrt'
        Features drawn anew at every node.
    max_leaf_nodes : int or None, default=None
    min_impurity_decrease : float, default=0.0
    bootstrap : bool, default=True
    oob_score : bool or callable, default=False
    n_jobs : int or None, default=None
        Threads of the engine's kernels (None: every CPU available).
    random_state : int, RandomState or None, default=None
    verbose : int, default=0
    warm_start : bool, default=False
    class_weight : {'balanced', 'balanced_subsample'}, dict, list of dict or None
    ccp_alpha : float, default=0.0
    max_samples : int, float or None, default=None
        Rows drawn per tree (with replacement): all (None), this many (int,
        may exceed n_samples), or this share of n_samples, of the total
        sample weight when weighted (float > 0).  Sample and class weights
        set how likely each row is to be drawn.
    monotonic_cst : array-like of int of shape (n_features,), default=None
        Binary single-output problems with criterion 'gini' only.
    split_method : {'hist', 'exact'}, default='hist'
    max_bins : int, default=255

    Attributes
    ----------
    estimators_ : list of EngineTree
    estimators_samples_ : list of ndarray
    classes_ : ndarray of shape (n_classes,) or list of such arrays
    n_classes_ : int or list of int
    n_outputs_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of str
    feature_importances_ : ndarray of shape (n_features,)
    oob_score_ : float
    oob_decision_function_ : ndarray of shape (n_samples, n_classes)
    """

    _parameter_constraints = {
        **BaseForest._parameter_constraints,
        "criterion": [StrOptions({"gini", "entropy", "log_loss"})],
        "class_weight": [StrOptions({"balanced", "balanced_subsample"}), dict, list, None],
    }

    def __init__(self, n_estimators=100, *, criterion="gini", max_depth=None,
                 min_samples_split=2, min_samples_leaf=1, min_weight_fraction_leaf=0.0,
                 max_features="sqrt", max_leaf_nodes=None, min_impurity_decrease=0.0,
                 bootstrap=True, oob_score=False, n_jobs=None, random_state=None,
                 verbose=0, warm_start=False, class_weight=None, ccp_alpha=0.0,
                 max_samples=None, monotonic_cst=None, split_method="hist", max_bins=255,
                 categorical_features="from_dtype"):
        self.n_estimators = n_estimators
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.min_weight_fraction_leaf = min_weight_fraction_leaf
        self.max_features = max_features
        self.max_leaf_nodes = max_leaf_nodes
        self.min_impurity_decrease = min_impurity_decrease
        self.bootstrap = bootstrap
        self.oob_score = oob_score
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.class_weight = class_weight
        self.ccp_alpha = ccp_alpha
        self.max_samples = max_samples
        self.monotonic_cst = monotonic_cst
        self.split_method = split_method
        self.categorical_features = categorical_features
        self.max_bins = max_bins

    def _encode_targets(self, y, sample_weight):
        check_classification_targets(y)
        classes, encoded = [], np.empty(y.shape, dtype=np.int64)
        for k in range(y.shape[1]):
            c, encoded[:, k] = np.unique(y[:, k], return_inverse=True)
            classes.append(c)
        if hasattr(self, "_forest") and self.warm_start and len(self._forest):
            if len(classes) != len(self._classes) or any(
                    not np.array_equal(a, b) for a, b in zip(classes, self._classes)):
                raise ValueError("warm_start fit got different classes than the "
                                 "previous fit.")
        self._classes = classes
        self._n_samples_fit = y.shape[0]
        sample_weight = sample_weight * self._fit_class_weight(y, classes, sample_weight)
        # a single output with two classes and a monotonic constraint uses one
        # channel (the proportion of the second class): Gini gains are then
        # exactly half those of two channels, and the bounds apply to it
        self._one_channel = (self.monotonic_cst is not None and y.shape[1] == 1
                             and classes[0].size == 2)
        self._impurity_scale = 2.0 if self._one_channel else float(y.shape[1])
        if self.oob_score and type_of_target(encoded) == "multiclass-multioutput":
            raise ValueError("The type of target cannot be used to compute OOB "
                             "estimates. Got multiclass-multioutput while only the "
                             "following are supported: continuous, continuous-multioutput, "
                             "binary, multiclass, multilabel-indicator.")
        if self._one_channel:
            targets = (encoded[:, 0] == 1).astype(np.float64)[:, None]
        else:
            targets = np.hstack([np.eye(c.size)[encoded[:, k]]
                                 for k, c in enumerate(classes)])
        return np.ascontiguousarray(targets), sample_weight

    @property
    def classes_(self):
        check_is_fitted(self, "_classes")
        return self._classes[0] if self.n_outputs_ == 1 else self._classes

    @property
    def n_classes_(self):
        check_is_fitted(self, "_classes")
        sizes = [c.size for c in self._classes]
        return sizes[0] if self.n_outputs_ == 1 else sizes

    def _fit_class_weight(self, y, classes, sample_weight):
        """Class weights of the whole fit, per row: a dict (list) as given,
        'balanced' from the sample-weighted class totals (scikit-learn's
        rule), 'balanced_subsample' alike without bootstrap; with bootstrap
        that one is computed per tree (:meth:`_tree_class_weight`)."""
        class_weight = self.class_weight
        if class_weight is None or (class_weight == "balanced_subsample" and self.bootstrap):
            return 1.0
        if isinstance(class_weight, str):
            if self.warm_start:
                warnings.warn('class_weight presets "balanced" or "balanced_subsample" are '
                              "not recommended for warm_start if the fitted data differs "
                              "from the full dataset.", UserWarning)
            class_weight = [dict(zip(c, compute_class_weight(
                "balanced", classes=c, y=y[:, k], sample_weight=sample_weight)))
                for k, c in enumerate(classes)]
            if len(class_weight) == 1:
                class_weight = class_weight[0]
        return compute_sample_weight(class_weight, y)

    def _tree_class_weight(self, y, counts):
        if self.class_weight != "balanced_subsample" or not self.bootstrap:
            return 1.0
        indices = np.repeat(np.arange(counts.size), counts.astype(np.int64))
        return compute_sample_weight("balanced", y, indices=indices)

    def _target_channels(self, targets):
        """One channel per output: the row's class (whose one-hot target is 1)."""
        if self._one_channel:
            return super()._target_channels(targets)
        sizes = [c.size for c in self._classes]
        offsets = np.cumsum([0] + sizes[:-1])
        channel = np.stack([offsets[k] + np.argmax(targets[:, offsets[k]:offsets[k] + size],
                                                   axis=1)
                            for k, size in enumerate(sizes)], axis=1).astype(INDEX_DTYPE)
        return channel, np.ones(channel.shape), sizes[0]

    def _split_outputs(self, values):
        """Per-output class proportions from the concatenated channels."""
        if self._one_channel:
            p = np.clip(values[:, 0], 0.0, 1.0)
            return [np.column_stack([1.0 - p, p])]
        out, start = [], 0
        for c in self._classes:
            part = values[:, start:start + c.size]
            total = part.sum(axis=1, keepdims=True)
            with np.errstate(invalid="ignore", divide="ignore"):
                out.append(np.where(total > 0, part / np.where(total > 0, total, 1), 0.0))
            start += c.size
        return out

    def _values_to_proba(self, values):
        # leaf proportions are sums of -g / h: rounding can leave -1e-17
        probas = [np.maximum(p, 0.0) for p in self._split_outputs(values)]
        return probas[0] if self.n_outputs_ == 1 else probas

    def _values_to_prediction(self, values):
        probas = self._split_outputs(values)
        labels = [c[np.argmax(p, axis=1)] for c, p in zip(self._classes, probas)]
        return labels[0] if self.n_outputs_ == 1 else np.column_stack(labels)

    def predict_proba(self, X):
        """Mean of the trees' class proportions.

        Returns
        -------
        ndarray of shape (n_samples, n_classes), or a list of such arrays
        (one per output).
        """
        return self._values_to_proba(self._mean_values(X))

    def predict_log_proba(self, X):
        proba = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            if self.n_outputs_ == 1:
                return np.log(proba)
            return [np.log(p) for p in proba]

    def predict(self, X):
        """Class with the highest mean probability, shape (n_samples,) or
        (n_samples, n_outputs)."""
        return self._values_to_prediction(self._mean_values(X))

    def _set_oob(self, mean, y, has_oob):
        probas = self._split_outputs(np.nan_to_num(mean))
        decision = [np.where(has_oob[:, None], p, np.nan) for p in probas]
        self.oob_decision_function_ = (decision[0] if self.n_outputs_ == 1
                                       else np.stack(decision, axis=2))
        pred = np.column_stack([c[np.argmax(p, axis=1)]
                                for c, p in zip(self._classes, probas)])
        if callable(self.oob_score):
            self.oob_score_ = self.oob_score(y if self.n_outputs_ > 1 else y[:, 0],
                                             pred if self.n_outputs_ > 1 else pred[:, 0])
        else:  # accuracy; subset accuracy for several outputs, as score()
            codes = np.column_stack([np.searchsorted(c, y[:, k])
                                     for k, c in enumerate(self._classes)])
            predicted = np.column_stack([np.argmax(p, axis=1) for p in probas])
            self.oob_score_ = float(np.mean(np.all(codes == predicted, axis=1)))


class RandomForestRegressor(RegressorMixin, BaseForest):
    """A random forest regressor on skboost's shared engine.

    Same parameters as :class:`sklearn.ensemble.RandomForestRegressor`
    plus ``split_method`` ('hist' default, 'exact') and ``max_bins``.
    Missing values (NaN) in X are supported; y may have several outputs.

    Parameters
    ----------
    criterion : {'squared_error', 'friedman_mse', 'poisson', 'absolute_error'}
        'absolute_error' splits on the weighted absolute deviation from the
        weighted median (exact, O(m log m) per node and feature: much slower
        than the others, as in scikit-learn) and predicts leaf medians.
    max_features : {'sqrt', 'log2'}, int, float or None, default=1.0
    (others as :class:`RandomForestClassifier`, without class_weight)

    Attributes
    ----------
    oob_prediction_ : ndarray of shape (n_samples,) or (n_samples, n_outputs)
    (others as :class:`RandomForestClassifier`, without classes)
    """

    _parameter_constraints = {
        **BaseForest._parameter_constraints,
        "criterion": [StrOptions({"squared_error", "friedman_mse", "poisson",
                                  "absolute_error"})],
    }

    def __init__(self, n_estimators=100, *, criterion="squared_error", max_depth=None,
                 min_samples_split=2, min_samples_leaf=1, min_weight_fraction_leaf=0.0,
                 max_features=1.0, max_leaf_nodes=None, min_impurity_decrease=0.0,
                 bootstrap=True, oob_score=False, n_jobs=None, random_state=None,
                 verbose=0, warm_start=False, ccp_alpha=0.0, max_samples=None,
                 monotonic_cst=None, split_method="hist", max_bins=255,
                 categorical_features="from_dtype"):
        self.n_estimators = n_estimators
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.min_weight_fraction_leaf = min_weight_fraction_leaf
        self.max_features = max_features
        self.max_leaf_nodes = max_leaf_nodes
        self.min_impurity_decrease = min_impurity_decrease
        self.bootstrap = bootstrap
        self.oob_score = oob_score
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.ccp_alpha = ccp_alpha
        self.max_samples = max_samples
        self.monotonic_cst = monotonic_cst
        self.split_method = split_method
        self.categorical_features = categorical_features
        self.max_bins = max_bins

    def _encode_targets(self, y, sample_weight):
        y = np.asarray(y, dtype=np.float64)
        if self.criterion == "friedman_mse":
            warnings.warn('Value `"friedman_mse"` for `criterion` is deprecated (as in '
                          'scikit-learn 1.9): it is the same as `"squared_error"`. Use '
                          '`criterion="squared_error"` to remove this warning.',
                          FutureWarning)
        if self.criterion == "poisson":
            if np.any(y < 0):
                raise ValueError("Some value(s) of y are negative which is not allowed "
                                 "for Poisson regression.")
            if np.any(np.sum(y, axis=0) <= 0):
                raise ValueError("Sum of y is not strictly positive which is necessary "
                                 "for Poisson regression.")
        self._n_samples_fit = y.shape[0]
        self._impurity_scale = float(y.shape[1])
        # The squared-error trees are grown on centred targets and the mean is
        # added back to the node values: sums of y + 1e4 would otherwise carry
        # rounding that flips near-tied thresholds (shift invariance).
        self._y_offset = np.zeros(y.shape[1])
        if self.criterion in ("squared_error", "friedman_mse"):
            self._y_offset = np.average(y, axis=0, weights=sample_weight)
        return np.ascontiguousarray(y - self._y_offset), sample_weight

    def _set_leaf_values(self, grown, y, weight):
        tree = grown.tree
        if self.criterion != "absolute_error":
            tree.value += self._y_offset
            return
        for node, (start, end) in enumerate(zip(grown.node_starts, grown.node_ends)):
            rows = grown.sample_indices[start:end]
            for k in range(self.n_outputs_):
                tree.value[node, k] = weighted_percentile(y[rows, k], weight[rows], 50.0,
                                                          average=True)

    def _values_to_prediction(self, values):
        return values[:, 0] if self.n_outputs_ == 1 else values

    def predict(self, X):
        """Mean of the trees' predictions, shape (n_samples,) or (n_samples, n_outputs)."""
        return self._values_to_prediction(self._mean_values(X))

    def _set_oob(self, mean, y, has_oob):
        pred = np.where(has_oob[:, None], mean, np.nan)
        self.oob_prediction_ = pred[:, 0] if self.n_outputs_ == 1 else pred
        usable = has_oob
        if callable(self.oob_score):
            self.oob_score_ = self.oob_score(y[usable].squeeze(), pred[usable].squeeze())
        else:
            self.oob_score_ = float(r2_score(y[usable], pred[usable]))
