"""GradientBoostingClassifier and GradientBoostingRegressor.

A drop-in replacement for scikit-learn's estimators of the same names: same
parameters, defaults and fitted attributes.  Trees are grown by the shared
engine on binned data: every tree is a regression tree on the negative
gradient (split gain = weighted variance reduction, as scikit-learn's
``friedman_mse``), whose leaves are then set by the loss's line search.
"""
import time
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, is_classifier
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Hidden, Interval, StrOptions
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from .._dtypes import INDEX_DTYPE, MAX_BINS, as_stat
from .._grower import GrowerParams
from .._kernels.predict import add_leaf_values
from .._losses import EPS, REGRESSION_LOSSES, make_loss
from .._tree import Forest
from ._tools import EnsembleSequenceMixin, ModelToolsMixin, XGBoostExportMixin
from ._base import (RegressionTreeView, categorical_indices, check_monotonic_cst,
                    engine_tags, estimator_threads, make_grower,
                    release_training_data, resolve_count, resolve_max_features,
                    validate_fit_data, validate_predict_data)


class BaseGradientBoosting(EnsembleSequenceMixin, ModelToolsMixin, XGBoostExportMixin,
                           BaseEstimator):
    """Shared fit/predict machinery of the two gradient boosting estimators."""

    _parameter_constraints = {
        "learning_rate": [Interval(Real, 0.0, None, closed="left")],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "criterion": [StrOptions({"squared_error"}),
                      Hidden(StrOptions({"deprecated", "friedman_mse"}))],
        "min_samples_split": [Interval(Integral, 2, None, closed="left"),
                              Interval(Real, 0.0, 1.0, closed="right")],
        "min_samples_leaf": [Interval(Integral, 1, None, closed="left"),
                             Interval(Real, 0.0, 1.0, closed="neither")],
        "min_weight_fraction_leaf": [Interval(Real, 0.0, 0.5, closed="both")],
        "max_depth": [Interval(Integral, 1, None, closed="left"), None],
        "min_impurity_decrease": [Interval(Real, 0.0, None, closed="left")],
        "init": [StrOptions({"zero"}), None, HasMethods(["fit", "predict"])],
        "random_state": ["random_state"],
        "max_features": [Interval(Integral, 1, None, closed="left"),
                         Interval(Real, 0.0, 1.0, closed="right"),
                         StrOptions({"sqrt", "log2"}), None],
        "verbose": ["verbose"],
        "max_leaf_nodes": [Interval(Integral, 2, None, closed="left"), None],
        "warm_start": ["boolean"],
        "validation_fraction": [Interval(Real, 0.0, 1.0, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), None],
        "tol": [Interval(Real, 0.0, None, closed="left")],
        "ccp_alpha": [Interval(Real, 0.0, None, closed="left")],
        "subsample": [Interval(Real, 0.0, 1.0, closed="right")],
        "max_bins": [Interval(Integral, 2, MAX_BINS, closed="both")],
        "n_jobs": [Integral, None],
        "l2_regularization": [Interval(Real, 0.0, None, closed="left")],
        "monotonic_cst": ["array-like", None],
        "split_method": [StrOptions({"hist", "exact"})],
        "categorical_features": ["array-like", StrOptions({"from_dtype"}), None],
    }

    # ------------------------------------------------------------------ fit
    def fit(self, X, y, sample_weight=None, monitor=None):
        """Fit the gradient boosting model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; NaN marks a missing value (supported natively).
        y : array-like of shape (n_samples,)
            Class labels (any hashable values) or regression targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; rows of weight 0 are ignored by the trees.
        monitor : callable, default=None
            Called after each iteration as ``monitor(i, self, locals())``; the
            fit stops when it returns True.

        Returns
        -------
        self
        """
        self._validate_params()
        if self.criterion != "deprecated":
            warnings.warn("The parameter `criterion` is deprecated (as in scikit-learn "
                          "1.9) and has no effect. Leave it to its default value to avoid "
                          "this warning.", FutureWarning)
        # the init estimator is fitted with weights only when weights are given
        self._user_weighted = sample_weight is not None
        X, y, sample_weight = validate_fit_data(self, X, y, sample_weight,
                                                y_numeric=not is_classifier(self))
        y, sample_weight = self._encode_y(y, sample_weight)
        self._loss = make_loss(self.loss, getattr(self, "n_classes_", None), self.alpha)
        self._check_monotonic_cst(X.shape[1])
        self._set_max_features(X.shape[1])
        if not (self.warm_start and self._is_fitted()):
            self._clear_state()
        with estimator_threads(self, n_cells=X.shape[0] * X.shape[1]):
            self._fit(X, y, sample_weight, monitor)
        return self

    def _is_fitted(self):
        return hasattr(self, "_forest") and len(self._forest) > 0

    def _clear_state(self):
        for name in ("_forest", "init_", "_rng", "_bin_mapper", "train_score_",
                     "oob_improvement_", "oob_scores_", "oob_score_", "n_estimators_"):
            if hasattr(self, name):
                delattr(self, name)

    def _check_monotonic_cst(self, n_features):
        if self.monotonic_cst is None:
            self._monotonic = None
            return
        cst = check_monotonic_cst(self.monotonic_cst, n_features)
        if np.any(cst != 0):
            if self._loss.n_trees > 1:
                raise ValueError("monotonic constraints are not supported for "
                                 "multiclass classification.")
            if not self._loss.newton_leaves:
                raise ValueError(f"monotonic constraints are not supported with "
                                 f"loss='{self.loss}': its leaves are percentiles of "
                                 f"the residuals, which the constraints cannot bound.")
        self._monotonic = cst

    def _set_max_features(self, n_features):
        self.max_features_ = resolve_max_features(self.max_features, n_features)

    def _grower_params(self, n_samples, total_weight):
        return GrowerParams(
            max_depth=self.max_depth, max_leaf_nodes=self.max_leaf_nodes,
            min_samples_split=max(2, resolve_count(self.min_samples_split, n_samples)),
            min_samples_leaf=max(1, resolve_count(self.min_samples_leaf, n_samples)),
            min_hessian=self.min_weight_fraction_leaf * total_weight,
            min_impurity_decrease=self.min_impurity_decrease,
            l2=self.l2_regularization, monotonic_cst=self._monotonic,
            max_features=self.max_features_ if self.max_features_ < self.n_features_in_
            else None, categorical_features=categorical_indices(self, self._monotonic))

    def _split_validation(self, X, y, sample_weight):
        if self.n_iter_no_change is None:
            return X, y, sample_weight, None, None, None
        stratify = y if is_classifier(self) else None
        X_tr, X_val, y_tr, y_val, w_tr, w_val = train_test_split(
            X, y, sample_weight, random_state=self.random_state,
            test_size=self.validation_fraction, stratify=stratify)
        if is_classifier(self) and np.unique(y_tr).size != self.n_classes_:
            raise ValueError("The training data after the early stopping split is "
                             "missing some classes. Try using another random seed.")
        return X_tr, y_tr, w_tr, X_val, y_val, w_val

    def _initial_raw(self, X, y, sample_weight, weights_given):
        """Raw predictions of the init estimator, shape (n_samples, n_trees)."""
        n_trees = self._loss.n_trees
        if isinstance(self.init_, str) and self.init_ == "zero":
            return np.zeros((X.shape[0], n_trees))
        if self.init_ is None or self._default_init:
            self._baseline = self._loss.baseline(y, sample_weight if weights_given else None)
            self.init_ = self._fitted_dummy(X, y, sample_weight, weights_given)
            return np.tile(self._baseline, (X.shape[0], 1))
        return self._init_estimator_raw(X)

    def _fitted_dummy(self, X, y, sample_weight, weights_given):
        """scikit-learn's default ``init_`` (its predictions are the baseline,
        which skboost computes itself)."""
        from sklearn.dummy import DummyClassifier, DummyRegressor
        if is_classifier(self):
            dummy, target = DummyClassifier(strategy="prior"), self.classes_[y.astype(int)]
        elif self.loss in ("absolute_error", "huber"):
            dummy, target = DummyRegressor(strategy="quantile", quantile=0.5), y
        elif self.loss == "quantile":
            dummy, target = DummyRegressor(strategy="quantile", quantile=self.alpha), y
        else:
            dummy, target = DummyRegressor(strategy="mean"), y
        return dummy.fit(np.zeros((X.shape[0], 1)), target,
                         sample_weight if weights_given else None)

    def _fit_init_estimator(self, X, y, sample_weight, weights_given):
        if self.init_ is None or (isinstance(self.init_, str) and self.init_ == "zero"):
            return
        target = self.classes_[y.astype(np.int64)] if is_classifier(self) else y
        if not weights_given:
            self.init_.fit(X, target)
            return
        message = (f"The initial estimator {type(self.init_).__name__} does not support "
                   "sample weights.")
        try:
            self.init_.fit(X, target, sample_weight=sample_weight)
        except TypeError as e:
            if "unexpected keyword argument 'sample_weight'" in str(e):
                raise ValueError(message) from e
            raise
        except ValueError as e:  # a Pipeline without metadata routing
            if "stepname__parameter" in str(e):
                raise ValueError(message) from e
            raise

    def _init_estimator_raw(self, X):
        if is_classifier(self):
            proba = np.clip(self.init_.predict_proba(X), EPS, 1 - EPS)
            if self._loss.n_trees == 1:
                p = proba[:, 1]
                logit = np.log(p / (1 - p))
                if self.loss == "exponential":
                    logit = 0.5 * logit
                return logit.reshape(-1, 1)
            log_p = np.log(proba)
            return log_p - log_p.mean(axis=1, keepdims=True)
        return np.asarray(self.init_.predict(X), dtype=np.float64).reshape(-1, 1)

    def _fit(self, X, y, sample_weight, monitor):
        weights_given = self._weights_given
        X, y, sample_weight, X_val, y_val, w_val = self._split_validation(X, y, sample_weight)
        n_samples = X.shape[0]
        first_fit = not self._is_fitted()
        if first_fit:
            self._rng = check_random_state(self.random_state)
            self._binning_seed = self._rng.randint(np.iinfo(np.int32).max)
            self.init_ = self.init
            self._default_init = self.init is None
            self._fit_init_estimator(X, y, sample_weight, weights_given)
            raw = self._initial_raw(X, y, sample_weight, weights_given)
            self._forest = Forest(self._loss.n_trees)
            self.train_score_ = np.zeros(0)
            if self.subsample < 1.0:
                self.oob_improvement_ = np.zeros(0)
                self.oob_scores_ = np.zeros(0)
        else:
            if self.n_estimators < self.n_estimators_:
                raise ValueError(
                    f"n_estimators={self.n_estimators} must be larger or equal to "
                    f"estimators_.shape[0]={self.n_estimators_} when warm_start==True")
            raw = self._raw_predict(X)
        params = self._grower_params(n_samples, float(sample_weight.sum()))
        self._unit_weights = bool(np.all(sample_weight == 1.0))
        grower = make_grower(self.split_method, X, sample_weight, 1, params,
                             self.max_bins, self._binning_seed)
        self._bin_mapper = grower.bin_mapper
        X_binned = grower.X_binned
        raw_val = None
        if X_val is not None:
            X_val_binned = (self._bin_mapper.transform(X_val, sparse_output=True)
                            if self.split_method == "hist" else
                            self._bin_mapper.transform(X_val))
            raw_val = self._raw_predict(X_val)
        begin = self.n_estimators_ if not first_fit else 0
        self._extend_scores(self.n_estimators)
        reporter = _VerboseReporter(self) if self.verbose else None
        history = np.full(self.n_iter_no_change or 1, np.inf)
        y_f = as_stat(y)
        n_stages = begin
        gradients = None  # of the next stage, when computed with the scores
        weighted_rows = np.flatnonzero(sample_weight > 0).astype(INDEX_DTYPE)
        full_bag = self._in_bag(n_samples) if self.subsample >= 1.0 else None
        for i in range(begin, self.n_estimators):
            n_stages = i + 1
            in_bag = full_bag if full_bag is not None else self._in_bag(n_samples)
            if i == 0 and self.subsample < 1.0:
                self._initial_oob_loss = self._loss(y_f, raw, sample_weight * ~in_bag)
            # (rows with zero weight cannot change any sum: left out of the trees)
            rows = (weighted_rows if self.subsample >= 1.0 else
                    np.flatnonzero(in_bag & (sample_weight > 0)).astype(INDEX_DTYPE))
            used = self._fit_stage(grower, X_binned, y_f, raw, sample_weight, rows, gradients)
            if raw_val is not None:
                for k in range(self._loss.n_trees):
                    tree_index = len(self._forest) - self._loss.n_trees + k
                    self._forest.trees[tree_index].add_binned(
                        X_val_binned, self._bin_mapper.missing_bin_, raw_val, k)
            gradients = self._record_scores(i, y_f, raw, sample_weight, in_bag, used)
            val_loss = None
            if raw_val is not None:
                val_loss = self._loss(as_stat(y_val), raw_val, w_val)
            if reporter is not None:
                reporter.update(i, val_loss)
            if monitor is not None and monitor(i, self, locals()):
                break
            if val_loss is not None:
                if np.any(val_loss + self.tol < history):
                    history[i % history.size] = val_loss
                else:
                    break
        self._finish_fit(n_stages)
        release_training_data(self._bin_mapper, grower)
        if self.split_method == "exact":
            del self._bin_mapper  # one threshold per distinct training value

    def _in_bag(self, n_samples):
        if self.subsample >= 1.0:
            return np.ones(n_samples, dtype=bool)
        n_in_bag = max(1, int(self.subsample * n_samples))
        mask = np.zeros(n_samples, dtype=bool)
        mask[self._rng.choice(n_samples, n_in_bag, replace=False)] = True
        return mask

    def _fit_stage(self, grower, X_binned, y, raw, sample_weight, rows, gradients=None):
        """Grow the ``n_trees`` trees of one iteration on ``rows`` (int32,
        increasing) and update ``raw``; ``gradients``: (grad, hess) of ``raw``
        when already computed.  Returns the (grad, hess) used."""
        loss = self._loss
        if hasattr(loss, "update_delta"):
            loss.update_delta(y, raw, sample_weight)
        grad, hess = gradients if gradients is not None else loss.gradients(y, raw)
        newton_tree = self._monotonic is not None and np.any(self._monotonic != 0)
        unit_hessian = not newton_tree and self._unit_weights
        for k in range(loss.n_trees):
            g = np.ascontiguousarray(grad[:, k:k + 1] if self._unit_weights else
                                     (grad[:, k] * sample_weight)[:, np.newaxis])
            h = sample_weight * hess[:, k] if newton_tree else sample_weight
            grown = grower.grow(g, h, rows, self._rng, unit_hessian=unit_hessian)
            if self.ccp_alpha > 0:
                grown.prune(_node_risk(grown, grad[:, k], sample_weight), self.ccp_alpha)
            if not newton_tree:
                grown.tree.value[grown.leaves, 0] = loss.leaf_values(
                    grown, y, np.ascontiguousarray(raw[:, k]), grad[:, k], hess[:, k],
                    sample_weight, self.l2_regularization, unit_weight=self._unit_weights)
            tree = grown.tree.scaled(self.learning_rate)
            self._forest.append(tree, k)
            if rows.size == raw.shape[0]:
                # every row is in the tree: its leaves' rows are known
                add_leaf_values(grown.sample_indices, grown.leaf_starts, grown.leaf_ends,
                                np.ascontiguousarray(tree.value[grown.leaves, 0]), raw, k)
            else:
                tree.add_binned(X_binned, self._bin_mapper.missing_bin_, raw, k)
        return grad, hess

    def _extend_scores(self, n):
        def grow(a):
            out = np.zeros(n)
            out[:min(n, a.size)] = a[:n]
            return out
        self.train_score_ = grow(self.train_score_)
        if self.subsample < 1.0:
            self.oob_improvement_ = grow(getattr(self, "oob_improvement_", np.zeros(0)))
            self.oob_scores_ = grow(getattr(self, "oob_scores_", np.zeros(0)))

    def _record_scores(self, i, y, raw, sample_weight, in_bag, spent):
        """Training (in-bag) and out-of-bag losses after stage ``i``.

        Returns the (grad, hess) of ``raw`` for the next stage when the loss
        computed them in the same pass (into ``spent``, the arrays of the
        stage just grown), else None."""
        loss = self._loss
        gradients = None
        if loss.gradients_follow_scores:
            grad, hess, train, oob = loss.gradients_and_scores(y, raw, sample_weight, in_bag,
                                                               out=spent)
            gradients = (grad, hess)
        else:
            train = loss(y, raw, sample_weight * in_bag)
            oob = loss(y, raw, sample_weight * ~in_bag) if self.subsample < 1.0 else None
        self.train_score_[i] = train
        if self.subsample < 1.0:
            self.oob_scores_[i] = oob
            previous = self._initial_oob_loss if i == 0 else self.oob_scores_[i - 1]
            self.oob_improvement_[i] = previous - self.oob_scores_[i]
            self.oob_score_ = self.oob_scores_[i]
        return gradients

    def _finish_fit(self, n_stages):
        self._forest.truncate(n_stages * self._loss.n_trees)
        self.n_estimators_ = n_stages
        self.train_score_ = self.train_score_[:n_stages]
        if self.subsample < 1.0:
            self.oob_improvement_ = self.oob_improvement_[:n_stages]
            self.oob_scores_ = self.oob_scores_[:n_stages]
            self.oob_score_ = self.oob_scores_[-1]

    # ------------------------------------------------------------ predict
    def _raw_baseline(self, X):
        if isinstance(self.init_, str) and self.init_ == "zero":
            return np.zeros((X.shape[0], self._loss.n_trees))
        if self._default_init:
            return np.tile(self._baseline, (X.shape[0], 1))
        return self._init_estimator_raw(X)

    def _raw_predict(self, X):
        raw = np.ascontiguousarray(self._raw_baseline(X), dtype=np.float64)
        with estimator_threads(self):
            self._forest.add_raw(X, raw)
        return raw

    def _staged_raw_predict(self, X):
        X = validate_predict_data(self, X)
        raw = np.ascontiguousarray(self._raw_baseline(X), dtype=np.float64)
        K = self._loss.n_trees
        for i in range(self.n_estimators_):
            with estimator_threads(self):
                self._forest.add_raw(X, raw, i * K, (i + 1) * K)
            yield raw.copy()

    def _decision(self, X):
        X = validate_predict_data(self, X)
        return self._raw_predict(X)

    def apply(self, X):
        """Leaf index of every sample in every tree.

        Returns
        -------
        ndarray of shape (n_samples, n_estimators_, K) for classifiers
        (K = 1 for binary problems) or (n_samples, n_estimators_) for
        regressors, float64 as in scikit-learn.
        """
        X = validate_predict_data(self, X)
        with estimator_threads(self):
            leaves = self._forest.apply(X).astype(np.float64)
        return leaves.reshape(X.shape[0], self.n_estimators_, self._loss.n_trees)

    # ----------------------------------------------------------- attributes
    @property
    def n_trees_per_iteration_(self):
        """Trees grown per boosting iteration (n_classes for multiclass, else 1)."""
        check_is_fitted(self, "_forest")
        return self._loss.n_trees

    @property
    def estimators_(self):
        """The regression trees as an object array of shape (n_estimators_, K):
        each has ``predict(X)`` (its raw output on the ensemble's input, as
        scikit-learn's ``DecisionTreeRegressor`` stages) and its node arrays in
        ``tree_``."""
        check_is_fitted(self, "_forest")
        return self._stages(lambda tree: RegressionTreeView(tree, self))

    def _stages(self, wrap):
        K = self._loss.n_trees
        stages = np.empty((self.n_estimators_, K), dtype=object)
        for index, tree in enumerate(self._forest.trees):
            stages[index // K, index % K] = wrap(tree)
        return stages

    @property
    def feature_importances_(self):
        """Impurity-based importances (mean decrease of the split criterion),
        normalised to sum to 1, as in scikit-learn."""
        check_is_fitted(self, "_forest")
        n_features = self.n_features_in_
        total = np.zeros(n_features)
        n_used = 0
        for stage in self._stages(lambda tree: tree):
            if all(tree.node_count <= 1 for tree in stage):
                continue
            stage_sum = sum(tree.impurity_importances(n_features) / tree.cover[0]
                            for tree in stage)
            total += stage_sum / len(stage)
            n_used += 1
        if n_used == 0 or total.sum() == 0:
            return np.zeros(n_features)
        return total / total.sum()

    def __sklearn_tags__(self):
        return engine_tags(super().__sklearn_tags__())


def _node_risk(grown, grad, weight):
    """Weighted squared error of every node around its mean (its "risk")
    divided by the root's weight, for cost-complexity pruning."""
    si = grown.sample_indices
    starts, ends = grown.node_starts, grown.node_ends
    w = weight[si[:ends[0]]]
    r = grad[si[:ends[0]]]
    wr2 = np.concatenate([[0.0], np.cumsum(w * r * r)])
    wr = np.concatenate([[0.0], np.cumsum(w * r)])
    ww = np.concatenate([[0.0], np.cumsum(w)])
    s2 = wr2[ends] - wr2[starts]
    s1 = wr[ends] - wr[starts]
    s0 = ww[ends] - ww[starts]
    with np.errstate(divide="ignore", invalid="ignore"):
        sse = np.where(s0 > 0, s2 - s1 * s1 / np.where(s0 > 0, s0, 1.0), 0.0)
    return np.maximum(sse, 0.0) / s0[0]


class _VerboseReporter:
    """Per-iteration progress lines (scikit-learn's layout plus validation loss)."""

    def __init__(self, est):
        self.est = est
        self.start = time.time()
        self.begin = getattr(est, "n_estimators_", 0) or 0
        header = ["Iter", "Train Loss"]
        if est.subsample < 1:
            header.append("OOB Improve")
        if est.n_iter_no_change is not None:
            header.append("Val Loss")
        header += ["Elapsed", "Remaining Time"]
        print(("%10s " + "%16s " * (len(header) - 1)) % tuple(header))

    def update(self, i, val_loss):
        est = self.est
        done = i + 1 - self.begin
        elapsed = time.time() - self.start
        remaining = (est.n_estimators - i - 1) * elapsed / max(done, 1)
        fields = ["%10d" % (i + 1), "%16.4f" % est.train_score_[i]]
        if est.subsample < 1:
            fields.append("%16.4f" % est.oob_improvement_[i])
        if val_loss is not None:
            fields.append("%16.4f" % val_loss)
        fields += ["%16s" % _duration(elapsed), "%16s" % _duration(remaining)]
        print(" ".join(fields))


def _duration(seconds):
    return "%.2fm" % (seconds / 60) if seconds > 60 else "%.2fs" % seconds


class GradientBoostingRegressor(RegressorMixin, BaseGradientBoosting):
    """Gradient boosting for regression, on skboost's histogram engine.

    Same parameters as :class:`sklearn.ensemble.GradientBoostingRegressor`
    plus ``max_bins``, ``n_jobs``, ``l2_regularization``, ``monotonic_cst``
    and ``split_method``.  Missing values (NaN) in ``X`` are supported.

    Parameters
    ----------
    loss : {'squared_error', 'absolute_error', 'huber', 'quantile'}, default='squared_error'
    learning_rate : float, default=0.1
        Shrinks the contribution of each tree.
    n_estimators : int, default=100
        Boosting iterations.
    subsample : float, default=1.0
        Fraction of rows drawn (without replacement) for each iteration;
        below 1 the out-of-bag attributes are computed.
    criterion : {'squared_error'}, default='deprecated'
        Deprecated in scikit-learn 1.9 and without effect there and here;
        setting it warns (FutureWarning).
    min_samples_split : int or float, default=2
    min_samples_leaf : int or float, default=1
    min_weight_fraction_leaf : float, default=0.0
    max_depth : int or None, default=3
    min_impurity_decrease : float, default=0.0
    init : estimator, 'zero' or None, default=None
        Initial predictions (None: the loss's optimal constant).
    random_state : int, RandomState or None, default=None
        Seeds subsampling, feature draws, binning subsample and the
        validation split.
    max_features : {'sqrt', 'log2'}, int, float or None, default=None
        Features drawn at each split.
    alpha : float, default=0.9
        Quantile of the huber and quantile losses.
    verbose : int, default=0
    max_leaf_nodes : int or None, default=None
        Grows trees best-first with at most this many leaves.
    warm_start : bool, default=False
    validation_fraction : float, default=0.1
    n_iter_no_change : int or None, default=None
        Early stopping on a held-out ``validation_fraction`` of the data.
    tol : float, default=1e-4
    ccp_alpha : float, default=0.0
        Minimal cost-complexity pruning of each tree.
    max_bins : int, default=255
        Bins per feature (plus one for missing values).
    n_jobs : int or None, default=None
        Threads; None uses every CPU available to the process.
    l2_regularization : float, default=0.0
        L2 penalty on leaf values.
    monotonic_cst : array-like of int of shape (n_features,), default=None
        -1, 0, 1: decreasing, none, increasing constraint per feature.
    split_method : {'hist', 'exact'}, default='hist'
        'hist': splits on at most ``max_bins`` quantile bins per feature;
        'exact': every threshold between distinct values, found by scanning
        column blocks sorted once per fit (scikit-learn's trees; memory about
        16 bytes per value of X).

    Attributes
    ----------
    n_estimators_ : int
    train_score_ : ndarray of shape (n_estimators_,)
    oob_improvement_, oob_scores_ : ndarray of shape (n_estimators_,)
    oob_score_ : float
    init_ : estimator, 'zero' or None
    estimators_ : ndarray of Tree of shape (n_estimators_, 1)
    feature_importances_ : ndarray of shape (n_features,)
    max_features_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of str
    """

    _parameter_constraints = {
        **BaseGradientBoosting._parameter_constraints,
        "loss": [StrOptions(set(REGRESSION_LOSSES))],
        "alpha": [Interval(Real, 0.0, 1.0, closed="neither")],
    }

    def __init__(self, *, loss="squared_error", learning_rate=0.1, n_estimators=100,
                 subsample=1.0, criterion="deprecated", min_samples_split=2,
                 min_samples_leaf=1, min_weight_fraction_leaf=0.0, max_depth=3,
                 min_impurity_decrease=0.0, init=None, random_state=None,
                 max_features=None, alpha=0.9, verbose=0, max_leaf_nodes=None,
                 warm_start=False, validation_fraction=0.1, n_iter_no_change=None,
                 tol=1e-4, ccp_alpha=0.0, max_bins=255, n_jobs=None,
                 l2_regularization=0.0, monotonic_cst=None, split_method="hist",
                 categorical_features="from_dtype"):
        self.loss = loss
        self.learning_rate = learning_rate
        self.n_estimators = n_estimators
        self.subsample = subsample
        self.criterion = criterion
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.min_weight_fraction_leaf = min_weight_fraction_leaf
        self.max_depth = max_depth
        self.min_impurity_decrease = min_impurity_decrease
        self.init = init
        self.random_state = random_state
        self.max_features = max_features
        self.alpha = alpha
        self.verbose = verbose
        self.max_leaf_nodes = max_leaf_nodes
        self.warm_start = warm_start
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.ccp_alpha = ccp_alpha
        self.max_bins = max_bins
        self.n_jobs = n_jobs
        self.l2_regularization = l2_regularization
        self.monotonic_cst = monotonic_cst
        self.split_method = split_method
        self.categorical_features = categorical_features

    def _encode_y(self, y, sample_weight):
        self._weights_given = self._user_weighted
        return np.asarray(y, dtype=np.float64), sample_weight

    def predict(self, X):
        """Predicted targets, ndarray of shape (n_samples,)."""
        return self._decision(X)[:, 0]

    def staged_predict(self, X):
        """Predictions after each iteration (generator of (n_samples,) arrays)."""
        for raw in self._staged_raw_predict(X):
            yield raw[:, 0]

    def apply(self, X):
        return super().apply(X)[:, :, 0]


class GradientBoostingClassifier(ClassifierMixin, BaseGradientBoosting):
    """Gradient boosting for classification, on skboost's histogram engine.

    Same parameters as :class:`sklearn.ensemble.GradientBoostingClassifier`
    plus ``max_bins``, ``n_jobs``, ``l2_regularization``, ``monotonic_cst``,
    ``class_weight`` and ``split_method``.  Missing values (NaN) in ``X``
    are supported; labels may be any hashable values.

    Parameters
    ----------
    loss : {'log_loss', 'exponential'}, default='log_loss'
        Binomial or multinomial deviance; 'exponential' is AdaBoost's loss
        (binary only).
    class_weight : dict, 'balanced' or None, default=None
        Multiplies the sample weights per class.
    (others as :class:`GradientBoostingRegressor`)

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_classes_ : int
    estimators_ : ndarray of Tree of shape (n_estimators_, K)
        K = 1 for binary problems, n_classes otherwise.
    (others as :class:`GradientBoostingRegressor`)
    """

    _parameter_constraints = {
        **BaseGradientBoosting._parameter_constraints,
        "init": [StrOptions({"zero"}), None, HasMethods(["fit", "predict_proba"])],
        "loss": [StrOptions({"log_loss", "exponential"})],
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(self, *, loss="log_loss", learning_rate=0.1, n_estimators=100,
                 subsample=1.0, criterion="deprecated", min_samples_split=2,
                 min_samples_leaf=1, min_weight_fraction_leaf=0.0, max_depth=3,
                 min_impurity_decrease=0.0, init=None, random_state=None,
                 max_features=None, verbose=0, max_leaf_nodes=None, warm_start=False,
                 validation_fraction=0.1, n_iter_no_change=None, tol=1e-4, ccp_alpha=0.0,
                 max_bins=255, n_jobs=None, l2_regularization=0.0, monotonic_cst=None,
                 class_weight=None, split_method="hist", categorical_features="from_dtype"):
        self.loss = loss
        self.learning_rate = learning_rate
        self.n_estimators = n_estimators
        self.subsample = subsample
        self.criterion = criterion
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.min_weight_fraction_leaf = min_weight_fraction_leaf
        self.max_depth = max_depth
        self.min_impurity_decrease = min_impurity_decrease
        self.init = init
        self.random_state = random_state
        self.max_features = max_features
        self.verbose = verbose
        self.max_leaf_nodes = max_leaf_nodes
        self.warm_start = warm_start
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.ccp_alpha = ccp_alpha
        self.max_bins = max_bins
        self.n_jobs = n_jobs
        self.l2_regularization = l2_regularization
        self.monotonic_cst = monotonic_cst
        self.class_weight = class_weight
        self.split_method = split_method
        self.categorical_features = categorical_features

    alpha = 0.9  # unused by classification losses; keeps make_loss's signature

    def _encode_y(self, y, sample_weight):
        check_classification_targets(y)
        classes, encoded = np.unique(y, return_inverse=True)
        if self.warm_start and self._is_fitted():
            if not np.array_equal(classes, self.classes_):
                raise ValueError("warm_start fit got different classes than the "
                                 "previous fit.")
        present = np.unique(encoded[sample_weight > 0])
        if present.size < 2:
            raise ValueError(
                f"y contains {present.size} class after sample_weight trimmed classes "
                "with zero weights, while a minimum of 2 classes are required.")
        self.classes_ = classes
        self.n_classes_ = classes.size
        self._weights_given = self._user_weighted
        if self.class_weight is not None:
            sample_weight = sample_weight * compute_sample_weight(self.class_weight, y)
            self._weights_given = True
        return encoded.astype(np.float64), sample_weight

    def decision_function(self, X):
        """Raw scores: shape (n_samples,) for binary problems (log-odds of the
        second class), (n_samples, n_classes) otherwise."""
        raw = self._decision(X)
        return raw[:, 0] if raw.shape[1] == 1 else raw

    def staged_decision_function(self, X):
        for raw in self._staged_raw_predict(X):
            yield raw[:, 0] if raw.shape[1] == 1 else raw

    def predict_proba(self, X):
        """Class probabilities, ndarray of shape (n_samples, n_classes)."""
        raw = self._decision(X)  # checks that the model is fitted first
        return self._loss.predict_proba(raw)

    def predict_log_proba(self, X):
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predicted class labels, ndarray of shape (n_samples,)."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def staged_predict_proba(self, X):
        for raw in self._staged_raw_predict(X):
            yield self._loss.predict_proba(raw)

    def staged_predict(self, X):
        for raw in self._staged_raw_predict(X):
            yield self.classes_[np.argmax(self._loss.predict_proba(raw), axis=1)]
