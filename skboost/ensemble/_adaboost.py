"""AdaBoostClassifier (SAMME) and AdaBoostRegressor (AdaBoost.R2).

Drop-in replacements for scikit-learn's estimators.  With the built-in weak
learner (``estimator=None``: a depth-``max_depth`` tree of the shared engine)
the data is binned or presorted once, every round only changes the sample
weights, and prediction evaluates all rounds in one kernel call.  Any
scikit-learn estimator can still be given as the weak learner (a generic
loop that calls its ``fit(X, y, sample_weight=...)``).
"""
import warnings
from numbers import Integral, Real

import numpy as np
from scipy.special import softmax
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone, is_classifier
from sklearn.utils import check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, has_fit_parameter, validate_data

from .._dtypes import INDEX_DTYPE, MAX_BINS
from .._grower import GrowerParams
from .._tree import Forest
from ._tools import EnsembleSequenceMixin, ModelToolsMixin
from ._base import (EngineTree, categorical_indices, check_sample_weight, engine_tags,
                    estimator_threads,
                    make_grower, release_training_data, validate_fit_data,
                    validate_predict_data)

MAX_INT = np.iinfo(np.int32).max


def _seeded_clone(estimator, rng):
    """Clone ``estimator`` and seed every ``random_state`` parameter in it,
    nested ones included, with one draw each from ``rng`` in sorted order
    (scikit-learn's rule, so the random streams of both libraries agree)."""
    est = clone(estimator)
    seeds = {}
    for key in sorted(est.get_params(deep=True)):
        if key == "random_state" or key.endswith("__random_state"):
            seeds[key] = rng.randint(MAX_INT)
    if seeds:
        est.set_params(**seeds)
    return est


# How X reaches a user's weak learner: as given (any dtype, nd, CSR or CSC),
# the learner validates it, as scikit-learn's AdaBoost does
_AS_GIVEN = dict(accept_sparse=["csr", "csc"], ensure_2d=True, allow_nd=True, dtype=None)


class BaseAdaBoost(EnsembleSequenceMixin, ModelToolsMixin, BaseEstimator):
    """The boosting loop shared by both AdaBoost estimators."""

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
        "max_depth": [Interval(Integral, 1, None, closed="left")],
        "split_method": [StrOptions({"hist", "exact"})],
        "categorical_features": ["array-like", StrOptions({"from_dtype"}), None],
        "max_bins": [Interval(Integral, 2, MAX_BINS, closed="both")],
        "n_jobs": [Integral, None],
    }

    def fit(self, X, y, sample_weight=None):
        """Build a boosted ensemble from the training set (X, y).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            NaN marks a missing value (supported by the built-in tree).
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Initial weights (normalised to sum to 1).

        Returns
        -------
        self
        """
        self._validate_params()
        if self.estimator is None:
            X, y, sample_weight = validate_fit_data(self, X, y, sample_weight,
                                                    y_numeric=not is_classifier(self))
        else:  # a user's weak learner receives X as given (as scikit-learn)
            X, y = validate_data(self, X, y, **self._as_given(),
                                 y_numeric=not is_classifier(self))
            sample_weight = check_sample_weight(sample_weight, X)
        y = self._encode_y(y)
        if self.estimator is not None:
            self._check_user_estimator()
        sample_weight = sample_weight / sample_weight.sum()
        self.estimator_weights_ = np.zeros(self.n_estimators)
        self.estimator_errors_ = np.ones(self.n_estimators)
        self._rng = check_random_state(self.random_state)
        self._user_estimators = []
        n_cells = X.shape[0] * X.shape[1] if self.estimator is None else None
        with estimator_threads(self, n_cells=n_cells):
            self._learner = (self._engine_learner(X, y, sample_weight)
                             if self.estimator is None else None)
            self._boost_all(X, y, sample_weight)
            if self._learner is not None:
                release_training_data(self._learner["grower"].bin_mapper,
                                      self._learner["grower"])
                del self._learner
        del self._targets  # per-sample targets: only the fit needs them
        return self

    def _as_given(self):
        """Validation of X for a user's weak learner: as given, with NaN
        when the learner takes NaN (scikit-learn's AdaBoost refuses NaN)."""
        allow_nan = get_tags(self.estimator).input_tags.allow_nan
        return dict(_AS_GIVEN, ensure_all_finite="allow-nan" if allow_nan else True)

    def _check_user_estimator(self):
        if not has_fit_parameter(self.estimator, "sample_weight"):
            raise ValueError(f"{type(self.estimator).__name__} doesn't support "
                             "sample_weight: AdaBoost needs a weak learner whose fit "
                             "accepts sample_weight.")

    def _engine_learner(self, X, y, sample_weight):
        params = GrowerParams(max_depth=self.max_depth,
                              categorical_features=categorical_indices(self))
        # a fixed binning seed: drawing it from random_state would shift the
        # stream that the weighted bootstrap draws of scikit-learn follow
        grower = make_grower(self.split_method, X, sample_weight, self._n_channels, params,
                             self.max_bins, 0)
        self._forest = Forest(self._n_channels)
        return {"grower": grower}

    def _boost_all(self, X, y, sample_weight):
        epsilon = np.finfo(np.float64).eps
        zero_weight = sample_weight == 0.0
        for iboost in range(self.n_estimators):
            sample_weight = np.clip(sample_weight, epsilon, None)
            sample_weight[zero_weight] = 0.0
            sample_weight, weight, error = self._boost(iboost, X, y, sample_weight)
            if sample_weight is None:
                break
            self.estimator_weights_[iboost] = weight
            self.estimator_errors_[iboost] = error
            if error == 0:
                break
            total = np.sum(sample_weight)
            if not np.isfinite(total):
                warnings.warn(f"Sample weights have reached infinite values, at iteration "
                              f"{iboost}, causing overflow. Iterations stopped. Try "
                              "lowering the learning rate.", UserWarning)
                break
            if total <= 0:
                break
            if iboost < self.n_estimators - 1:
                sample_weight /= total

    def _fit_learner(self, X, y, weight):
        """Fit one weak learner on ``weight``; return its training predictions."""
        if self.estimator is None:
            self._rng.randint(MAX_INT)  # the draw seeding scikit-learn's tree
            return self._fit_engine_tree(y, weight)
        est = _seeded_clone(self.estimator, self._rng)
        est.fit(X, self._decode(y), sample_weight=weight)
        self._user_estimators.append(est)
        return self._encode_prediction(est.predict(X))

    def _fit_engine_tree(self, y, weight):
        grower = self._learner["grower"]
        g = np.ascontiguousarray(-weight[:, np.newaxis] * self._targets)
        rows = np.flatnonzero(weight > 0).astype(INDEX_DTYPE)
        tree = grower.grow(g, weight, rows).tree
        self._forest.append(tree, 0)
        values = np.zeros((y.shape[0], self._n_channels))
        tree.add_binned(grower.X_binned, grower.missing_bin, values)
        return self._values_to_encoded(values)

    def _pop_learner(self):
        if self.estimator is None:
            self._forest.truncate(len(self._forest) - 1)
        else:
            self._user_estimators.pop()

    @property
    def _n_fitted(self):
        return len(self._forest) if self.estimator is None else len(self._user_estimators)

    # ----------------------------------------------------------- predictions
    def _each_prediction(self, X):
        """Encoded prediction of every fitted learner, shape (n_samples, n_learners)."""
        if self.estimator is not None:
            check_is_fitted(self)
            X = validate_data(self, X, **self._as_given(), reset=False)
        else:
            X = validate_predict_data(self, X)
        return self._each_prediction_validated(X)

    def _each_prediction_validated(self, X):
        """:meth:`_each_prediction` of X already validated (and encoded)."""
        if self.estimator is not None:
            return np.column_stack([self._encode_prediction(est.predict(X))
                                    for est in self._user_estimators])
        with estimator_threads(self):
            leaves = self._forest.apply(X)
        # each node's encoded prediction, all trees concatenated: one gather
        table = np.concatenate([self._values_to_encoded(tree.value)
                                for tree in self._forest.trees])
        offsets = np.cumsum([0] + [tree.node_count for tree in self._forest.trees[:-1]])
        return table[leaves + offsets[np.newaxis, :]]

    @property
    def estimators_(self):
        check_is_fitted(self, "estimator_weights_")
        if self.estimator is not None:
            return list(self._user_estimators)
        return [EngineTree(tree, self) for tree in self._forest.trees]

    @property
    def feature_importances_(self):
        """Weighted mean of the learners' normalised impurity importances."""
        check_is_fitted(self, "estimator_weights_")
        weights = self.estimator_weights_[:self._n_fitted]
        if self.estimator is not None:
            importances = [est.feature_importances_ for est in self._user_estimators]
        else:
            importances = []
            for tree in self._forest.trees:
                imp = tree.impurity_importances(self.n_features_in_)
                importances.append(imp / imp.sum() if imp.sum() > 0 else imp)
        norm = weights.sum()
        if norm == 0:
            return np.zeros(self.n_features_in_)
        return sum(w * imp for w, imp in zip(weights, importances)) / norm

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if self.estimator is None:
            return engine_tags(tags)
        # a user's weak learner receives X as given: its own tags decide
        tags.input_tags.sparse = get_tags(self.estimator).input_tags.sparse
        return tags


class AdaBoostClassifier(ClassifierMixin, BaseAdaBoost):
    """AdaBoost classifier (SAMME), a drop-in for scikit-learn's.

    Parameters
    ----------
    estimator : object, default=None
        Weak learner; None uses skboost's own depth-``max_depth`` tree on the
        shared engine (NaN in X supported).  A given estimator must accept
        ``sample_weight`` in ``fit``.
    n_estimators : int, default=50
    learning_rate : float, default=1.0
    random_state : int, RandomState or None, default=None
    max_depth : int, default=1
        Depth of the built-in tree (stumps by default).
    split_method : {'hist', 'exact'}, default='hist'
    max_bins : int, default=255
    n_jobs : int or None, default=None

    Attributes
    ----------
    estimators_ : list of weak learners
    estimator_weights_ : ndarray of shape (n_estimators,)
    estimator_errors_ : ndarray of shape (n_estimators,)
    classes_ : ndarray of shape (n_classes,)
    n_classes_ : int
    feature_importances_ : ndarray of shape (n_features,)
    n_features_in_ : int
    feature_names_in_ : ndarray of str
    """

    def __init__(self, estimator=None, *, n_estimators=50, learning_rate=1.0,
                 random_state=None, max_depth=1, split_method="hist", max_bins=255,
                 n_jobs=None, categorical_features="from_dtype"):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.random_state = random_state
        self.max_depth = max_depth
        self.split_method = split_method
        self.categorical_features = categorical_features
        self.max_bins = max_bins
        self.n_jobs = n_jobs

    def _encode_y(self, y):
        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        self.n_classes_ = self.classes_.size
        if self.n_classes_ < 2:
            raise ValueError("AdaBoostClassifier needs samples of at least 2 classes in "
                             f"the data, but the data contains only one class: "
                             f"{self.classes_[0]!r}.")
        self._n_channels = self.n_classes_
        self._targets = np.eye(self.n_classes_)[encoded]
        return encoded

    def _decode(self, y):
        return self.classes_[y]

    def _encode_prediction(self, labels):
        return np.searchsorted(self.classes_, labels)

    def _values_to_encoded(self, values):
        return np.argmax(values, axis=1)

    def _values_to_prediction(self, values):
        return self.classes_[np.argmax(values, axis=1)]

    def _values_to_proba(self, values):
        total = values.sum(axis=1, keepdims=True)
        return values / np.where(total > 0, total, 1.0)

    def _boost(self, iboost, X, y, sample_weight):
        predicted = self._fit_learner(X, y, sample_weight)
        incorrect = predicted != y
        error = np.average(incorrect, weights=sample_weight)
        if error <= 0:
            return sample_weight, 1.0, 0.0
        K = self.n_classes_
        if error >= 1.0 - 1.0 / K:
            self._pop_learner()
            if self._n_fitted == 0:
                raise ValueError("BaseClassifier in AdaBoostClassifier ensemble is worse "
                                 "than random, ensemble can not be fit.")
            return None, None, None
        weight = self.learning_rate * (np.log((1.0 - error) / error) + np.log(K - 1.0))
        if iboost != self.n_estimators - 1:
            with np.errstate(divide="ignore"):
                sample_weight = np.exp(np.log(sample_weight)
                                       + weight * incorrect * (sample_weight > 0))
        return sample_weight, weight, error

    def _votes(self, X):
        """Per-learner SAMME votes: (each prediction, weights) of the fitted rounds."""
        each = self._each_prediction(X)
        return each, self.estimator_weights_[:each.shape[1]]

    def _decision_from(self, each, weights, norm):
        K = self.n_classes_
        hits = np.zeros((each.shape[0], K))
        for start in range(0, each.shape[0], 8192):  # bounded temporaries
            part = each[start:start + 8192]
            for k in range(K):
                hits[start:start + 8192, k] = (part == k) @ weights
        # weight w for the predicted class, -w / (K - 1) for the others
        pred = hits * (1.0 + 1.0 / (K - 1)) - weights.sum() / (K - 1)
        pred /= norm
        if K == 2:
            pred[:, 0] *= -1
            return pred.sum(axis=1)
        return pred

    def decision_function(self, X):
        """SAMME scores: shape (n_samples,) for two classes (positive means the
        second class), (n_samples, n_classes) otherwise."""
        check_is_fitted(self, "estimator_weights_")
        each, weights = self._votes(X)
        return self._decision_from(each, weights, self.estimator_weights_.sum())

    def staged_decision_function(self, X):
        """Decision function after each round, by cumulative sums of one
        evaluation of every learner."""
        check_is_fitted(self, "estimator_weights_")
        each, weights = self._votes(X)
        for m in range(1, each.shape[1] + 1):
            yield self._decision_from(each[:, :m], weights[:m], weights[:m].sum())

    def _proba_from_decision(self, decision):
        K = self.n_classes_
        if K == 2:
            decision = np.vstack([-decision, decision]).T / 2
        else:
            decision = decision / (K - 1)
        return softmax(decision, axis=1)

    def _label_from_decision(self, decision):
        if self.n_classes_ == 2:
            return self.classes_.take((decision > 0).astype(int))
        return self.classes_.take(np.argmax(decision, axis=1))

    def predict(self, X):
        """Predicted classes, shape (n_samples,)."""
        return self._label_from_decision(self.decision_function(X))

    def staged_predict(self, X):
        for decision in self.staged_decision_function(X):
            yield self._label_from_decision(decision)

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes)."""
        return self._proba_from_decision(self.decision_function(X))

    def staged_predict_proba(self, X):
        for decision in self.staged_decision_function(X):
            yield self._proba_from_decision(decision)

    def predict_log_proba(self, X):
        return np.log(self.predict_proba(X))

    def staged_score(self, X, y, sample_weight=None):
        from sklearn.metrics import accuracy_score
        for pred in self.staged_predict(X):
            yield accuracy_score(y, pred, sample_weight=sample_weight)


class AdaBoostRegressor(RegressorMixin, BaseAdaBoost):
    """AdaBoost.R2 regressor, a drop-in for scikit-learn's.

    Every round fits the weak learner on a bootstrap sample drawn with the
    current weights (as the algorithm and scikit-learn do; with the built-in
    tree the sample is integer weights on the binned data); predictions are
    the weighted median of the learners.

    Parameters
    ----------
    estimator : object, default=None
        None: skboost's depth-``max_depth`` tree on the shared engine.
    n_estimators : int, default=50
    learning_rate : float, default=1.0
    loss : {'linear', 'square', 'exponential'}, default='linear'
    random_state : int, RandomState or None, default=None
    max_depth : int, default=3
    split_method : {'hist', 'exact'}, default='hist'
    max_bins : int, default=255
    n_jobs : int or None, default=None

    Attributes
    ----------
    estimators_, estimator_weights_, estimator_errors_, feature_importances_,
    n_features_in_, feature_names_in_ : as :class:`AdaBoostClassifier`
    """

    _parameter_constraints = {
        **BaseAdaBoost._parameter_constraints,
        "loss": [StrOptions({"linear", "square", "exponential"})],
    }

    def __init__(self, estimator=None, *, n_estimators=50, learning_rate=1.0,
                 loss="linear", random_state=None, max_depth=3, split_method="hist",
                 max_bins=255, n_jobs=None, categorical_features="from_dtype"):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.loss = loss
        self.random_state = random_state
        self.max_depth = max_depth
        self.split_method = split_method
        self.categorical_features = categorical_features
        self.max_bins = max_bins
        self.n_jobs = n_jobs

    def _encode_y(self, y):
        y = np.asarray(y, dtype=np.float64)
        self._n_channels = 1
        self._targets = y[:, np.newaxis]
        return y

    def _decode(self, y):
        return y

    def _encode_prediction(self, values):
        return np.asarray(values, dtype=np.float64)

    def _values_to_encoded(self, values):
        return values[:, 0]

    def _values_to_prediction(self, values):
        return values[:, 0]

    def _as_given(self):
        """Validation of X for a user's weak learner: as given, with NaN
        when the learner takes NaN (scikit-learn's AdaBoost refuses NaN)."""
        allow_nan = get_tags(self.estimator).input_tags.allow_nan
        return dict(_AS_GIVEN, ensure_all_finite="allow-nan" if allow_nan else True)

    def _check_user_estimator(self):
        """A regressor's weak learner is fit on bootstrap samples: no weights needed."""

    def _fit_learner(self, X, y, weight):
        n = y.shape[0]
        if self.estimator is None:
            self._rng.randint(MAX_INT)  # the draw seeding scikit-learn's tree
            drawn = self._rng.choice(np.arange(n), size=n, replace=True, p=weight)
            counts = np.bincount(drawn, minlength=n).astype(np.float64)
            return self._fit_engine_tree(y, counts)
        est = _seeded_clone(self.estimator, self._rng)
        drawn = self._rng.choice(np.arange(n), size=n, replace=True, p=weight)
        est.fit(X[drawn], y[drawn])
        self._user_estimators.append(est)
        return np.asarray(est.predict(X), dtype=np.float64)

    def _boost(self, iboost, X, y, sample_weight):
        predicted = self._fit_learner(X, y, sample_weight)
        error = np.abs(predicted - y)
        mask = sample_weight > 0
        masked_weight = sample_weight[mask]
        masked_error = error[mask]
        error_max = masked_error.max()
        if error_max != 0:
            masked_error = masked_error / error_max
        if self.loss == "square":
            masked_error = masked_error ** 2
        elif self.loss == "exponential":
            masked_error = 1.0 - np.exp(-masked_error)
        estimator_error = (masked_weight * masked_error).sum()
        if estimator_error <= 0:
            return sample_weight, 1.0, 0.0
        if estimator_error >= 0.5:
            if self._n_fitted > 1:
                self._pop_learner()
            return None, None, None
        beta = estimator_error / (1.0 - estimator_error)
        weight = self.learning_rate * np.log(1.0 / beta)
        if iboost != self.n_estimators - 1:
            sample_weight = sample_weight.copy()
            sample_weight[mask] *= np.power(beta, (1.0 - masked_error) * self.learning_rate)
        return sample_weight, weight, estimator_error

    @staticmethod
    def _weighted_median(predictions, weights):
        chosen = weighted_median_index(predictions, weights)
        return predictions[np.arange(predictions.shape[0]), chosen]

    def predict(self, X):
        """Weighted median of the learners' predictions, shape (n_samples,)."""
        check_is_fitted(self, "estimator_weights_")
        each = self._each_prediction(X)
        return self._weighted_median(each, self.estimator_weights_[:each.shape[1]])

    def staged_predict(self, X):
        check_is_fitted(self, "estimator_weights_")
        each = self._each_prediction(X)
        for m in range(1, each.shape[1] + 1):
            yield self._weighted_median(each[:, :m], self.estimator_weights_[:m])

    def staged_score(self, X, y, sample_weight=None):
        from sklearn.metrics import r2_score
        for pred in self.staged_predict(X):
            yield r2_score(y, pred, sample_weight=sample_weight)


def weighted_median_index(predictions, weights):
    """Index of the estimator whose prediction is the weighted median, per row
    (scikit-learn's rule: the smallest prediction whose cumulative weight
    reaches half the total).

    Parameters
    ----------
    predictions : ndarray of shape (n_samples, n_estimators), float64
    weights : ndarray of shape (n_estimators,), float64

    Returns
    -------
    ndarray of shape (n_samples,), int64
    """
    order = np.argsort(predictions, axis=1)
    cdf = np.cumsum(weights[order], axis=1)
    median_or_above = cdf >= 0.5 * cdf[:, -1][:, np.newaxis]
    index = median_or_above.argmax(axis=1)
    return order[np.arange(predictions.shape[0]), index]
