"""XGBClassifier and XGBRegressor: xgboost's regularised booster on the shared engine.

Parameters carry xgboost's names, defaults and meanings; trees are grown by
the shared engine with the Newton gain and leaf weights of the XGBoost paper
(λ, α, γ, min_child_weight, max_delta_step).  ``tree_method="hist"`` bins
once (``max_bin``), ``"exact"`` scans presorted column blocks, ``"approx"``
re-bins before every round with hessian-weighted quantiles of the features
(the paper's weighted quantile sketch) and then uses the histogram kernels.

Beyond xgboost: any class labels, early stopping without an eval set (an
internal validation split), realignment of reordered DataFrame columns, no
restriction on feature names.
"""
import warnings
from concurrent.futures import ThreadPoolExecutor
from numbers import Integral, Real

import numba
import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, is_classifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (Interval, StrOptions,
                                            validate_parameter_constraints)
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from .._binning import BinMapper
from .._data import columns_with_nan
from .._dtypes import INDEX_DTYPE, MAX_BINS, as_float
from .._features import ColumnSampler, parse_interaction_constraints
from .._grower import GrowerParams, TreeGrower
from .._kernels.objectives import LOGISTIC, SOFTMAX, SQUARED_ERROR, xgb_gradients
from .._kernels.predict import add_leaf_values
from .._metrics import Metric
from .._objectives import (CLASSIFICATION_OBJECTIVES, REGRESSION_OBJECTIVES,
                           make_objective, xgb_quantile)
from .._tree import LEAF, Forest
from ._base import (categorical_indices, category_counts, check_monotonic_cst,
                    check_sample_weight, engine_tags, estimator_threads, make_grower,
                    release_training_data, validate_fit_data, validate_predict_data)
from ._tools import ModelToolsMixin, XGBoostExportMixin
from ._xgb_monitor import Monitor, call_callbacks, check_callbacks
from ._xgb_trees import (column_is_nan, drop_zero_weight, missing_split_thresholds,
                         truncate_levels)

# Objectives with a gradient kernel (one parallel pass)
KERNEL_OBJECTIVES = {"reg:squarederror": SQUARED_ERROR, "binary:logistic": LOGISTIC,
                     "reg:logistic": LOGISTIC, "binary:logitraw": LOGISTIC,
                     "multi:softprob": SOFTMAX, "multi:softmax": SOFTMAX}
# Gradients of at least this many rows are computed in blocks on threads.
GRADIENT_BLOCK_ROWS = 100_000
# xgboost's smallest loss reduction that counts as a split (kRtEps)
MIN_GAIN = 1e-6
# xgboost's max_delta_step for count:poisson when none is given
POISSON_MAX_DELTA_STEP = 0.7
# the objectives whose gradients scale_pos_weight scales (xgboost's RegLossObj)
LOGISTIC_OBJECTIVES = ("binary:logistic", "binary:logitraw", "reg:logistic")


# xgboost's values of the parameters whose default is None (as in xgboost,
# None means "the library's default")
XGB_DEFAULTS = dict(n_estimators=100, max_depth=6, max_leaves=0, max_bin=256,
                    grow_policy="depthwise", learning_rate=0.3, tree_method="hist",
                    gamma=0.0, min_child_weight=1.0, subsample=1.0, colsample_bytree=1.0,
                    colsample_bylevel=1.0, colsample_bynode=1.0, reg_alpha=0.0,
                    reg_lambda=1.0, scale_pos_weight=1.0, num_parallel_tree=1,
                    max_cat_to_onehot=4, importance_type="gain", verbosity=1)

# xgboost's names for the same parameters, accepted as keyword arguments
PARAMETER_ALIASES = {"learning_rate": ("eta",), "reg_lambda": ("lambda",),
                     "reg_alpha": ("alpha",), "gamma": ("min_split_loss",),
                     "random_state": ("seed",), "n_jobs": ("nthread",)}

# xgboost's feature types: "c" categorical, the others numeric
FEATURE_TYPES = {"q", "c", "int", "float", "i"}

# Values of xgboost's parameters that skboost's engine has (None: default)
UNSUPPORTED_VALUES = {"booster": ("gbtree",), "device": ("cpu",),
                      "multi_strategy": ("one_output_per_tree",),
                      "sampling_method": ("uniform",)}


class BaseXGB(ModelToolsMixin, XGBoostExportMixin, BaseEstimator):
    """Shared fit/predict machinery of XGBClassifier and XGBRegressor.

    ``objective=None`` means xgboost's default: ``"reg:squarederror"`` for the
    regressor, ``"binary:logistic"`` / ``"multi:softprob"`` for the classifier.
    """

    _parameter_constraints = {
        "n_estimators": [Interval(Integral, 0, None, closed="left"), None],
        "max_depth": [Interval(Integral, 0, None, closed="left"), None],
        "max_leaves": [Interval(Integral, 0, None, closed="left"), None],
        "max_bin": [Interval(Integral, 2, None, closed="left"), None],
        "grow_policy": [StrOptions({"depthwise", "lossguide"}), None],
        "learning_rate": [Interval(Real, 0.0, None, closed="left"), None],
        "objective": [str, callable, None],
        "tree_method": [StrOptions({"auto", "exact", "approx", "hist"}), None],
        "n_jobs": [Integral, None],
        "gamma": [Interval(Real, 0.0, None, closed="left"), None],
        "min_child_weight": [Interval(Real, 0.0, None, closed="left"), None],
        "max_delta_step": [Interval(Real, 0.0, None, closed="left"), None],
        "subsample": [Interval(Real, 0.0, 1.0, closed="right"), None],
        "colsample_bytree": [Interval(Real, 0.0, 1.0, closed="right"), None],
        "colsample_bylevel": [Interval(Real, 0.0, 1.0, closed="right"), None],
        "colsample_bynode": [Interval(Real, 0.0, 1.0, closed="right"), None],
        "reg_alpha": [Interval(Real, 0.0, None, closed="left"), None],
        "reg_lambda": [Interval(Real, 0.0, None, closed="left"), None],
        "scale_pos_weight": [Interval(Real, 0.0, None, closed="neither"), None],
        "base_score": [Real, "array-like", None],
        "random_state": ["random_state"],
        "missing": [Real, None],
        "num_parallel_tree": [Interval(Integral, 1, None, closed="left"), None],
        "monotone_constraints": [str, dict, "array-like", None],
        "interaction_constraints": [str, list, tuple, None],
        "importance_type": [StrOptions({"gain", "weight", "cover", "total_gain",
                                        "total_cover", "split"}), None],
        "early_stopping_rounds": [Interval(Integral, 1, None, closed="left"), None],
        "eval_metric": [str, callable, list, tuple, None],
        "callbacks": [list, tuple, None],
        "enable_categorical": ["boolean"],
        "max_cat_to_onehot": [Interval(Integral, 1, None, closed="left"), None],
        "verbosity": [Interval(Integral, 0, 3, closed="both"), None],
        "huber_slope": [Interval(Real, 0.0, None, closed="neither")],
        "quantile_alpha": [Real, "array-like"],
        "tweedie_variance_power": [Interval(Real, 1.0, 2.0, closed="left")],
        "validation_fraction": [Interval(Real, 0.0, 1.0, closed="neither")],
        "booster": [StrOptions({"gbtree", "dart", "gblinear"}), None],
        "device": [str, None],
        "feature_types": ["array-like", None],
        "multi_strategy": [StrOptions({"one_output_per_tree", "multi_output_tree"}), None],
        "sampling_method": [StrOptions({"uniform", "gradient_based"}), None],
        "validate_parameters": ["boolean", None],
    }

    def __init__(self, *, n_estimators=None, max_depth=None, max_leaves=None, max_bin=None,
                 grow_policy=None, learning_rate=None, objective=None, booster=None,
                 tree_method=None, n_jobs=None, gamma=None, min_child_weight=None,
                 max_delta_step=None, subsample=None, sampling_method=None,
                 colsample_bytree=None, colsample_bylevel=None, colsample_bynode=None,
                 reg_alpha=None, reg_lambda=None, scale_pos_weight=None, base_score=None,
                 random_state=None, missing=np.nan, num_parallel_tree=None,
                 monotone_constraints=None, interaction_constraints=None,
                 importance_type=None, device=None, validate_parameters=None,
                 enable_categorical=False, feature_types=None, max_cat_to_onehot=None,
                 multi_strategy=None, eval_metric=None, early_stopping_rounds=None,
                 callbacks=None, verbosity=None, huber_slope=1.0, quantile_alpha=0.5,
                 tweedie_variance_power=1.5, validation_fraction=0.1, **kwargs):
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.max_leaves = max_leaves
        self.max_bin = max_bin
        self.grow_policy = grow_policy
        self.learning_rate = learning_rate
        self.objective = objective
        self.tree_method = tree_method
        self.n_jobs = n_jobs
        self.gamma = gamma
        self.min_child_weight = min_child_weight
        self.max_delta_step = max_delta_step
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.colsample_bylevel = colsample_bylevel
        self.colsample_bynode = colsample_bynode
        self.reg_alpha = reg_alpha
        self.reg_lambda = reg_lambda
        self.scale_pos_weight = scale_pos_weight
        self.base_score = base_score
        self.random_state = random_state
        self.missing = missing
        self.num_parallel_tree = num_parallel_tree
        self.monotone_constraints = monotone_constraints
        self.interaction_constraints = interaction_constraints
        self.importance_type = importance_type
        self.early_stopping_rounds = early_stopping_rounds
        self.eval_metric = eval_metric
        self.callbacks = callbacks
        self.enable_categorical = enable_categorical
        self.max_cat_to_onehot = max_cat_to_onehot
        self.verbosity = verbosity
        self.huber_slope = huber_slope
        self.quantile_alpha = quantile_alpha
        self.tweedie_variance_power = tweedie_variance_power
        self.validation_fraction = validation_fraction
        self.booster = booster
        self.device = device
        self.feature_types = feature_types
        self.multi_strategy = multi_strategy
        self.sampling_method = sampling_method
        self.validate_parameters = validate_parameters
        if kwargs:  # as xgboost: aliases (eta, seed, ...) and booster parameters
            self.kwargs = kwargs

    # ------------------------------------------------------------ parameters
    _accepts_extra_params = True  # model files: see skboost._model_io

    def get_params(self, deep=True):
        """The parameters, with the extra keyword arguments (as xgboost)."""
        params = super().get_params(deep=deep)
        params.update(getattr(self, "kwargs", {}))
        return params

    def set_params(self, **params):
        """Set parameters; names that are not ``__init__`` arguments are kept
        as extra keyword arguments (aliases such as ``eta``), as xgboost."""
        names = set(self._get_param_names())
        extra = {k: v for k, v in params.items() if k not in names}
        if extra:
            self.kwargs = {**getattr(self, "kwargs", {}), **extra}
        return super().set_params(**{k: v for k, v in params.items() if k in names})

    def _param(self, name):
        """The value a fit uses: the parameter, else its alias among the
        extra keyword arguments, else xgboost's default when None."""
        value = getattr(self, name)
        if value is None:
            for alias in PARAMETER_ALIASES.get(name, ()):
                if getattr(self, "kwargs", {}).get(alias) is not None:
                    value = self.kwargs[alias]
        return XGB_DEFAULTS.get(name) if value is None else value

    def _check_extra_params(self):
        """Aliases checked as the parameters they stand for; the booster
        options skboost does not have raise; unknown names warn (xgboost:
        'Parameters: { ... } are not used')."""
        extra = getattr(self, "kwargs", {})
        aliases = {alias: name for name, names in PARAMETER_ALIASES.items()
                   for alias in names}
        resolved = {aliases[k]: v for k, v in extra.items() if k in aliases}
        validate_parameter_constraints(
            {k: self._parameter_constraints[k] for k in resolved}, resolved,
            caller_name=type(self).__name__)
        unknown = sorted(k for k in extra if k not in aliases)
        if unknown:
            warnings.warn("Parameters: { " + ", ".join(f'"{k}"' for k in unknown)
                          + " } are not used.", UserWarning)
        for name, allowed in UNSUPPORTED_VALUES.items():
            value = getattr(self, name)
            if value is not None and value not in allowed:
                raise ValueError(f"{name}={value!r} is not supported by skboost (only "
                                 f"{', '.join(repr(a) for a in allowed)}).")

    # ------------------------------------------------------------ data
    def _with_missing(self, X):
        """Values equal to ``missing`` become NaN (a copy; X is float64, or
        sparse: then only stored values are read, implicit zeros stay 0)."""
        if self.missing is None or np.isnan(self.missing):
            return X
        if sparse.issparse(X):
            if self.missing == 0:
                raise ValueError("missing=0 is ambiguous with sparse X, whose implicit "
                                 "entries are zeros; pass a dense X or another value.")
            X = X.copy()
            X.data[X.data == self.missing] = np.nan
            return X
        X = X.copy()
        X[X == self.missing] = np.nan
        return X

    def _categorical_spec(self):
        """xgboost's rule: DataFrame categorical (and string) columns are
        categorical features with ``enable_categorical=True`` and refused
        otherwise."""
        if self.feature_types is not None:
            types = [str(t) for t in self.feature_types]
            bad = sorted(set(types) - FEATURE_TYPES)
            if bad:
                raise ValueError(f"feature_types has unknown types {bad}; xgboost's are "
                                 f"{sorted(FEATURE_TYPES)}.")
            mask = np.array([t == "c" for t in types])
            if mask.any() and not self.enable_categorical:
                raise ValueError("feature_types marks categorical features ('c'): pass "
                                 "enable_categorical=True (as in xgboost).")
            return mask
        return "from_dtype" if self.enable_categorical else None

    _categorical_hint = "pass enable_categorical=True (as in xgboost)"

    def _validate_eval_sets(self, eval_set, sample_weight_eval_set, base_margin_eval_set):
        """Eval sets as tuples ``(name, X, y, weights, base_margin, weighted)``."""
        if eval_set is None:
            eval_set = []
        if not isinstance(eval_set, (list, tuple)):
            raise TypeError("eval_set must be a list of (X, y) pairs.")
        weights = _per_eval_set(sample_weight_eval_set, "sample_weight_eval_set", eval_set)
        margins = _per_eval_set(base_margin_eval_set, "base_margin_eval_set", eval_set)
        sets = []
        for i, pair in enumerate(eval_set):
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                raise TypeError(f"eval_set[{i}] must be an (X, y) pair.")
            X_e = self._with_missing(validate_predict_data(self,
                                                           _series_as_frame(pair[0])))
            y_e = self._encode_eval_target(pair[1], X_e.shape[0], i)
            w_e = np.ones(X_e.shape[0]) if weights[i] is None else \
                check_sample_weight(weights[i], X_e)
            bm = self._check_base_margin(margins[i], X_e.shape[0],
                                         f"base_margin_eval_set[{i}]")
            sets.append((f"validation_{i}", X_e, y_e, w_e, bm, weights[i] is not None))
        return sets

    def _encode_eval_target(self, y, n_rows, index):
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != n_rows:
            raise ValueError(f"eval_set[{index}] has {n_rows} rows in X but y of shape "
                             f"{y.shape}.")
        y = self._encode_known_target(y)
        if not np.all(np.isfinite(y)):
            raise ValueError(f"eval_set[{index}] has NaN or infinite targets.")
        return y

    def _internal_validation(self, X, y, w, base_margin):
        """Hold out ``validation_fraction`` of the rows for early stopping."""
        stratify = y if is_classifier(self) else None
        idx = np.arange(X.shape[0])
        seed = check_random_state(self._param("random_state")).randint(
            np.iinfo(np.int32).max)
        try:
            train, val = train_test_split(idx, test_size=self.validation_fraction,
                                          random_state=seed, stratify=stratify)
        except ValueError as exc:
            raise ValueError(f"early_stopping_rounds without eval_set holds out "
                             f"validation_fraction={self.validation_fraction} of the "
                             f"rows, which cannot be split here ({exc}); pass eval_set or "
                             "a larger validation_fraction.") from exc
        train, val = np.sort(train), np.sort(val)
        if is_classifier(self) and np.unique(y[train]).size != np.unique(y).size:
            raise ValueError("The training rows left after the early-stopping split lack "
                             "a class; pass eval_set or change random_state.")
        bm_val = None if base_margin is None else base_margin[val]
        bm_train = None if base_margin is None else base_margin[train]
        evals = [("validation_0", X[val], y[val], w[val], bm_val, self._weighted)]
        return X[train], y[train], w[train], bm_train, evals

    # ------------------------------------------------------------ parameters
    def _grower_params(self, n_features):
        exact = self._split_method == "exact"
        max_depth = self._param("max_depth")
        if max_depth == 0 and exact:
            raise ValueError("tree_method='exact' needs max_depth > 0 (as xgboost).")
        max_depth = max_depth or None
        policy, max_leaves = self._param("grow_policy"), self._param("max_leaves")
        best_first = policy == "lossguide" and max_leaves > 0
        if policy == "depthwise" and max_leaves > 0:
            # grown level by level, then cut to max_leaves (_truncate_levels)
            cap = max_leaves - 1
            max_depth = cap if max_depth is None else min(max_depth, cap)
        sampler = ColumnSampler(
            n_features, self._param("colsample_bytree"), self._param("colsample_bylevel"),
            self._param("colsample_bynode"), self._interaction_sets)
        return GrowerParams(
            max_depth=max_depth, max_leaf_nodes=max_leaves if best_first else None,
            min_samples_split=2, min_samples_leaf=1, min_hessian=self._param("min_child_weight"),
            # exact: grow every positive split, prune by gamma afterwards (as xgboost)
            min_split_gain=MIN_GAIN if exact else max(MIN_GAIN, self._param("gamma")),
            l2=self._param("reg_lambda"), l1=self._param("reg_alpha"),
            max_delta_step=self._max_delta_step(),
            monotonic_cst=self._monotonic, column_sampler=sampler, float32_ties=exact,
            categorical_features=categorical_indices(self, self._monotonic),
            max_onehot=self._param("max_cat_to_onehot"))

    def _max_delta_step(self):
        """xgboost's default: 0 (no clipping), 0.7 for count:poisson, where the
        same value also inflates the hessian (``exp(m + max_delta_step)``)."""
        if self.max_delta_step is not None:
            return float(self.max_delta_step)
        poisson = isinstance(self.objective, str) and self.objective == "count:poisson"
        return POISSON_MAX_DELTA_STEP if poisson else 0.0

    def _resolve_monotone(self, n_features):
        cst = self.monotone_constraints
        if cst is None:
            return None
        if isinstance(cst, str):
            text = cst.strip().strip("()[]")
            try:
                cst = [int(v) for v in text.split(",") if v.strip()]
            except ValueError as exc:
                raise ValueError(f"monotone_constraints {self.monotone_constraints!r} is "
                                 "not a tuple of -1/0/1.") from exc
        if isinstance(cst, dict):
            names = getattr(self, "feature_names_in_", None)
            if names is None:
                raise ValueError("monotone_constraints as a dict needs feature names "
                                 "(fit on a DataFrame).")
            unknown = set(cst) - set(names)
            if unknown:
                raise ValueError(f"monotone_constraints names unknown features "
                                 f"{sorted(unknown)}.")
            cst = [cst.get(name, 0) for name in names]
        try:
            cst = check_monotonic_cst(cst, n_features)
        except ValueError as exc:
            raise ValueError(f"monotone_constraints {self.monotone_constraints!r}: "
                             f"{exc}".replace("monotonic_cst", "it")) from exc
        if np.any(cst != 0) and self._objective.n_outputs > 1:
            raise ValueError("monotone_constraints are not supported with several "
                             "outputs (multi-class or several quantiles).")
        return cst

    def _make_metrics(self):
        spec = self.eval_metric
        if spec is None:
            spec = [self._objective.default_metric]
        elif isinstance(spec, str) or callable(spec):
            spec = [spec]
        return [Metric(m, self._objective) for m in spec]

    # ------------------------------------------------------------ fit
    def fit(self, X, y, *, sample_weight=None, base_margin=None, eval_set=None,
            verbose=None, xgb_model=None, sample_weight_eval_set=None,
            base_margin_eval_set=None):
        """Fit the booster.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            NaN (and values equal to ``missing``) are missing values.
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
        base_margin : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Margin added to every row before the trees (instead of ``base_score``).
        eval_set : list of (X, y) pairs, default=None
            Evaluated after each round (``evals_result()``); the last metric
            of the last set drives ``early_stopping_rounds``.
        verbose : bool or int, default=None
            Print the evaluation every round (``True``) or every ``verbose``
            rounds and the last one, in xgboost's format
            (``[12]\tvalidation_0-logloss:0.31210``).  ``None`` prints when
            ``eval_set`` is given (xgboost's default) but not for the internal
            early-stopping split, so that searches and cross-validation stay quiet.
        xgb_model : XGBClassifier, XGBRegressor or path, default=None
            A fitted model (or model file) to continue training from.
        sample_weight_eval_set, base_margin_eval_set : list, default=None

        Returns
        -------
        self
        """
        self._validate_params()
        self._check_extra_params()
        self._weighted = sample_weight is not None
        X, y, sample_weight, base_margin = self._validate_training(X, y, sample_weight,
                                                                   base_margin)
        if xgb_model is not None:
            xgb_model = _fitted_model(xgb_model)
            X = self._continue_encoding(xgb_model, X)
        evals = self._validate_eval_sets(eval_set, sample_weight_eval_set,
                                         base_margin_eval_set)
        if verbose is None:
            verbose = bool(evals)
        if self.early_stopping_rounds is not None and not evals:
            X, y, sample_weight, base_margin, evals = self._internal_validation(
                X, y, sample_weight, base_margin)
        X, y, sample_weight, base_margin = drop_zero_weight(X, y, sample_weight,
                                                             base_margin)
        sample_weight = self._scaled_weights(y, sample_weight)
        with estimator_threads(self):
            self._boost(X, y, sample_weight, base_margin, evals, verbose, xgb_model)
        return self

    def _validate_training(self, X, y, sample_weight, base_margin):
        """Checked training data; sets the objective and the constraints."""
        X, y, sample_weight = validate_fit_data(self, _series_as_frame(X), y,
                                                sample_weight,
                                                y_numeric=not is_classifier(self))
        X = self._with_missing(X)
        y = self._encode_target(y)
        self._set_objective(y)
        self._objective.check_target(y)
        self._interaction_sets = (None if self.interaction_constraints is None else
                                  parse_interaction_constraints(
                                      self.interaction_constraints, X.shape[1],
                                      getattr(self, "feature_names_in_", None)))
        self._monotonic = self._resolve_monotone(X.shape[1])
        return X, y, sample_weight, self._check_base_margin(base_margin, X.shape[0])

    def _scaled_weights(self, y, sample_weight):
        """xgboost's scale_pos_weight: the weight of rows labelled 1 times
        scale_pos_weight, for the logistic objectives only (evaluation
        weights are not scaled)."""
        scale = self._param("scale_pos_weight")
        if scale != 1.0 and self._objective.name in LOGISTIC_OBJECTIVES:
            sample_weight = np.where(y == 1, sample_weight * scale, sample_weight)
        return sample_weight

    def _check_base_margin(self, base_margin, n_rows, name="base_margin"):
        if base_margin is None:
            return None
        K = self._objective.n_outputs
        bm = np.asarray(base_margin, dtype=np.float64)
        if bm.size != n_rows * K or bm.ndim > 2 or (bm.ndim == 2 and bm.shape[0] != n_rows):
            raise ValueError(f"{name} has shape {bm.shape}; expected ({n_rows},)"
                             + (f" or ({n_rows}, {K})" if K > 1 else "")
                             + f": {n_rows} rows x {K} outputs.")
        bm = bm.reshape(n_rows, K)
        if not np.all(np.isfinite(bm)):
            raise ValueError(f"{name} contains NaN or infinity.")
        return bm

    def _start_margin(self, n_rows, base_margin):
        if base_margin is not None:
            return np.array(base_margin, dtype=np.float64)
        return np.tile(self._base_margin, (n_rows, 1))

    def _initial_state(self, X, y, w, xgb_model):
        """Fresh forest and base margin, or those of ``xgb_model`` to continue."""
        K = self._objective.n_outputs
        if xgb_model is None:
            if self.base_score is not None:
                base = np.broadcast_to(np.asarray(self.base_score, dtype=np.float64), (K,))
            else:
                base = self._objective.base_score(y, w)
            self._base_margin = np.ascontiguousarray(self._objective.to_margin(base))
            self._forest = Forest(K)
            return
        # (its columns were checked by _continue_encoding)
        if xgb_model._objective.n_outputs != K:
            raise ValueError("xgb_model was fitted on a different number of outputs.")
        self._base_margin = xgb_model._base_margin.copy()
        self._forest = Forest(K)
        for tree, column in zip(xgb_model._forest.trees, xgb_model._forest.columns):
            self._forest.append(tree, column)

    def _continue_encoding(self, xgb_model, X):
        """Training data coded as ``xgb_model``'s trees read it.

        The old trees split on the old model's columns and category codes:
        the columns must be the same ones, in the same order (as xgboost
        requires), and categorical columns are recoded to the old model's
        categories, which the continued model keeps.  A category the old
        model never saw cannot be coded for its trees: ValueError.
        """
        if xgb_model.n_features_in_ != X.shape[1]:
            raise ValueError(f"xgb_model was fitted on a different number of features "
                             f"({xgb_model.n_features_in_}) than X has ({X.shape[1]}).")
        old_names = getattr(xgb_model, "feature_names_in_", None)
        new_names = getattr(self, "feature_names_in_", None)
        if (old_names is None) != (new_names is None) or (
                old_names is not None and list(old_names) != list(new_names)):
            raise ValueError(f"feature_names mismatch with xgb_model: it was fitted on "
                             f"{None if old_names is None else list(old_names)}, X has "
                             f"{None if new_names is None else list(new_names)}.")
        old_cats = getattr(xgb_model, "categories_", None) or [None] * X.shape[1]
        new_cats = getattr(self, "categories_", None) or [None] * X.shape[1]
        if [c is None for c in old_cats] != [c is None for c in new_cats]:
            raise ValueError("The categorical features of X differ from those xgb_model "
                             "was fitted on.")
        recode = [j for j, (old, new) in enumerate(zip(old_cats, new_cats))
                  if old is not None and list(old) != list(new)]
        if recode:
            X = X.copy()  # categorical features: X is dense
        for j in recode:
            codes = {value: float(i) for i, value in enumerate(old_cats[j])}
            unseen = [value for value in new_cats[j] if value not in codes]
            if unseen:
                raise ValueError(f"Feature {j} has categories {unseen[:5]} that xgb_model "
                                 "was not fitted on: its trees cannot read them.")
            remap = np.array([codes[value] for value in new_cats[j]])
            present = ~np.isnan(X[:, j])
            X[present, j] = remap[X[present, j].astype(np.int64)]
        self.categories_ = xgb_model.categories_
        self.is_categorical_ = xgb_model.is_categorical_
        return X

    def _engine(self, X, w, seed):
        self._split_method = "exact" if self._param("tree_method") == "exact" else "hist"
        params = self._grower_params(X.shape[1])
        max_bin = min(self._param("max_bin"), MAX_BINS)
        grower = make_grower(self._split_method, X, w, 1, params, max_bin, seed)
        return grower, params

    def _boost(self, X, y, w, base_margin, evals, verbose, xgb_model):
        rng = check_random_state(self._param("random_state"))
        seed = rng.randint(np.iinfo(np.int32).max)
        self._initial_state(X, y, w, xgb_model)
        grower, params = self._engine(X, w, seed)
        self._bin_mapper = grower.bin_mapper
        # rows with a missing value, per feature that has any
        self._nan_masks = {int(f): column_is_nan(X, f) for f in
                           np.flatnonzero(columns_with_nan(X))}
        margin = self._start_margin(X.shape[0], base_margin)
        self._forest.add_raw(X, margin)
        monitor = Monitor(self, evals, verbose)
        callbacks = check_callbacks(self.callbacks)
        call_callbacks(callbacks, "before_training", self)
        first_round = len(self._forest) // self._trees_per_round()
        n_rounds = 0
        for i in range(self._param("n_estimators")):
            g, h = self._gradients(y, margin, w)
            if self._param("tree_method") == "approx":
                grower = self._approx_grower(X, h, params, seed + i)
            self._boost_round(grower, rng, X, y, w, margin, g, h)
            n_rounds = i + 1
            stop = monitor.after_round(first_round + i)
            if any(call_callbacks(callbacks, "after_iteration", self, first_round + i,
                         self.evals_result_)):
                stop = True
            if stop:
                break
        monitor.after_training()
        self._finish(first_round, n_rounds, monitor.stopper)
        release_training_data(self._bin_mapper, grower)
        if self._split_method == "exact":
            del self._bin_mapper  # one threshold per distinct training value
        del self._nan_masks  # training data: not part of the model
        call_callbacks(callbacks, "after_training", self)

    def _boost_round(self, grower, rng, X, y, w, margin, g, h):
        """Grow one round's trees (``num_parallel_tree`` per output) on the
        gradients ``g`` and hessians ``h`` and add them to ``margin``."""
        rows = self._round_rows(rng, w)
        # leaf refits (quantile objectives) see the margins before the round
        before = margin.copy() if self._objective.adaptive_alphas is not None else margin
        for _ in range(self._param("num_parallel_tree")):
            for k in range(self._objective.n_outputs):
                self._grow_tree(grower, g[:, k], h[:, k], rows, rng, X, y, margin, w, k,
                                before)

    def _gradients(self, y, margin, w):
        """Gradients and hessians as xgboost computes them: from float32 margins,
        rounded to float32 (the same rounding keeps near-tied splits choosing as
        xgboost's do).  The weights multiply the rounded values in float64, so
        a weight of 3 gives exactly the sums of 3 repeated rows.

        Built-in objectives are per-row: large inputs are computed in row
        blocks on the estimator's threads (numpy releases the GIL), the same
        values as in one piece.  A user's callable gets all rows at once."""
        kernel = KERNEL_OBJECTIVES.get(self._objective.name)
        if kernel is not None and not getattr(self._objective, "weights_inside", False):
            g = np.empty_like(margin)
            h = np.empty_like(margin)
            xgb_gradients(kernel, as_float(y), np.ascontiguousarray(margin),
                          as_float(w), g, h)
            return g, h
        n_threads = numba.get_num_threads()
        n = y.shape[0]
        if n < GRADIENT_BLOCK_ROWS or n_threads < 2 or self._objective.name == "custom":
            return self._block_gradients(y, margin, w)
        g = np.empty_like(margin)
        h = np.empty_like(margin)
        bounds = np.linspace(0, n, n_threads + 1).astype(np.int64)

        def block(i):
            part = slice(bounds[i], bounds[i + 1])
            g[part], h[part] = self._block_gradients(y[part], margin[part], w[part])

        with ThreadPoolExecutor(n_threads) as pool:
            list(pool.map(block, range(n_threads)))
        return g, h

    def _block_gradients(self, y, margin, w):
        m32 = margin.astype(np.float32).astype(np.float64)
        if getattr(self._objective, "weights_inside", False):
            g, h = self._objective.gradients(y, m32, w)  # a function applying weights
            return g.astype(np.float32).astype(np.float64), \
                h.astype(np.float32).astype(np.float64)
        g, h = self._objective.gradients(y, m32, np.ones_like(w))
        w = w[:, np.newaxis]
        return (g.astype(np.float32).astype(np.float64) * w,
                h.astype(np.float32).astype(np.float64) * w)

    def _round_rows(self, rng, w):
        """Rows of this round: positive weight, and a Bernoulli draw when subsampling."""
        keep = w > 0
        if self._param("subsample") < 1.0:
            keep &= rng.random_sample(w.shape[0]) < self._param("subsample")
        return np.flatnonzero(keep).astype(INDEX_DTYPE)

    def _approx_grower(self, X, h, params, seed):
        """Bins from hessian-weighted quantiles of this round's statistics."""
        weights = h.sum(axis=1)
        if not np.any(weights > 0):
            weights = np.ones_like(weights)
        mapper = BinMapper(min(self._param("max_bin"), MAX_BINS), random_state=seed,
                           n_categories=category_counts(self)).fit(
            X, np.maximum(weights, 0.0))
        return TreeGrower(mapper.transform(X, sparse_output=True), mapper, 1, params)

    def _grow_tree(self, grower, g, h, rows, rng, X, y, margin, w, k, before):
        grown = grower.grow(np.ascontiguousarray(g[:, np.newaxis]),
                            np.ascontiguousarray(h), rows, rng)
        if self._split_method == "exact" and self._param("gamma") > 0:
            grown.prune_min_gain(self._param("gamma"))
        if self._param("grow_policy") == "depthwise" and self._param("max_leaves") > 0:
            truncate_levels(grown, self._param("max_leaves"))
        self._default_directions(grown, X)
        if self._split_method == "exact":
            missing_split_thresholds(grown, X)
        alphas = self._objective.adaptive_alphas
        # xgboost refits leaves to quantiles only where its updater tracks row
        # positions (hist, approx); its exact updater keeps the Newton leaves
        if alphas is not None and self._split_method != "exact":
            self._refit_leaves(grown, y, before[:, k], w if self._weighted else None,
                               alphas[k])
        tree = grown.tree.scaled(self._param("learning_rate")
                                 / self._param("num_parallel_tree"))
        self._forest.append(tree, k)
        if rows.size == margin.shape[0] and self._param("tree_method") != "approx":
            add_leaf_values(grown.sample_indices, grown.leaf_starts, grown.leaf_ends,
                            np.ascontiguousarray(tree.value[grown.leaves, 0]), margin, k)
        else:
            self._forest.add_raw(X, margin, len(self._forest) - 1, len(self._forest))

    def _default_directions(self, grown, X):
        """Where missing values go at nodes that saw none in training, as xgboost:
        right with histograms (its forward scan, tried first, wins the tie);
        left with ``exact`` on a feature without any missing value in the
        training data (only the backward scan runs), right otherwise.

        Changing the direction of a node without missing training rows does
        not change training, only later predictions on missing values.
        """
        tree = grown.tree
        for node in np.flatnonzero(tree.left != LEAF):
            feature = int(tree.feature[node])
            nan_rows = self._nan_masks.get(feature)
            if nan_rows is not None:
                rows = grown.sample_indices[grown.node_starts[node]:grown.node_ends[node]]
                if nan_rows[rows].any():
                    continue  # the split chose a side for this node's missing rows
            exact_dense = self._split_method == "exact" and nan_rows is None
            tree.missing_left[node] = 1 if exact_dense else 0

    @staticmethod
    def _refit_leaves(grown, y, margin, w, alpha):
        """Leaf values = the ``alpha`` quantile of the leaf's residuals, by
        xgboost's rules (interpolated without sample weights, weighted
        otherwise; see :func:`~skboost._objectives.xgb_quantile`)."""
        tree = grown.tree
        for leaf, start, end in zip(grown.leaves, grown.leaf_starts, grown.leaf_ends):
            idx = grown.sample_indices[start:end]
            if idx.size and (w is None or w[idx].sum() > 0):
                tree.value[leaf, 0] = xgb_quantile(y[idx] - margin[idx],
                                                   None if w is None else w[idx], alpha)

    def _evaluate(self, evals, eval_margins, metrics):
        """Add the last round's trees to the eval margins and log each metric."""
        n = len(self._forest)
        for (name, X_e, y_e, w_e, _, weighted), m_e in zip(evals, eval_margins):
            self._forest.add_raw(X_e, m_e, n - self._trees_per_round(), n)
            pred = self._objective.transform(m_e)
            for metric in metrics:
                value = metric(y_e, pred, w_e, *self._user_eval_view(metric, y_e, m_e),
                               weighted=weighted)
                self.evals_result_[name][metric.name].append(value)

    def _user_eval_view(self, metric, y_e, m_e):
        """What a callable metric receives: (predictions, targets) as users see them."""
        if not metric.callable:
            return None, None
        return self._user_predictions(m_e), self._decode_target(y_e)

    def _finish(self, first_round, n_rounds, stopper):
        self.n_estimators_ = first_round + n_rounds
        for name in ("best_iteration", "best_score"):  # of an earlier fit
            self.__dict__.pop(name, None)
        if stopper is not None and stopper.best_iteration is not None and \
                self.early_stopping_rounds is not None:
            self.best_iteration = stopper.best_iteration
            self.best_score = stopper.best_score

    # ------------------------------------------------------------ predict
    def _trees_per_round(self):
        return self._objective.n_outputs * self._param("num_parallel_tree")

    def _round_range(self, iteration_range):
        """Rounds [begin, end) to predict with (default: up to the best iteration)."""
        if iteration_range is None or tuple(iteration_range) == (0, 0):
            end = getattr(self, "best_iteration", None)
            return 0, self.n_estimators_ if end is None else end + 1
        begin, end = (int(v) for v in iteration_range)
        if not 0 <= begin <= end <= self.n_estimators_:
            raise ValueError(f"iteration_range {tuple(iteration_range)} is outside the "
                             f"{self.n_estimators_} boosted rounds.")
        return begin, end

    def _margin(self, X, base_margin=None, iteration_range=None):
        """Margins of shape (n_samples, n_outputs)."""
        check_is_fitted(self, "_forest")
        X = self._with_missing(validate_predict_data(self, _series_as_frame(X)))
        margin = self._start_margin(X.shape[0], self._check_base_margin(base_margin,
                                                                        X.shape[0]))
        begin, end = self._round_range(iteration_range)
        T = self._trees_per_round()
        with estimator_threads(self):
            self._forest.add_raw(X, margin, begin * T, end * T)
        return margin

    def apply(self, X, iteration_range=None):
        """Leaf index of every row in every tree.

        Returns
        -------
        ndarray of shape (n_samples, n_trees), int32
        """
        check_is_fitted(self, "_forest")
        X = self._with_missing(validate_predict_data(self, _series_as_frame(X)))
        begin, end = self._round_range(iteration_range)
        T = self._trees_per_round()
        with estimator_threads(self):
            return self._forest.apply(X)[:, begin * T:end * T]

    def _contributions(self, X, base_margin):
        if base_margin is not None:
            raise ValueError("pred_contribs with base_margin is not supported.")
        return self.predict_contributions(X)

    def evals_result(self):
        """Per-round metric values: ``{"validation_0": {"logloss": [...]}, ...}``."""
        check_is_fitted(self, "_forest")
        return self.evals_result_

    def get_num_boosting_rounds(self):
        """Boosting rounds of the fitted model (xgboost's method)."""
        check_is_fitted(self, "_forest")
        return self.n_estimators_

    def get_xgb_params(self):
        """The parameters as xgboost's ``get_xgb_params`` lists them: every
        parameter except those only the scikit-learn wrapper reads."""
        wrapper_only = {"n_estimators", "early_stopping_rounds", "callbacks",
                        "importance_type", "enable_categorical", "missing",
                        "validation_fraction"}
        params = {k: v for k, v in self.get_params().items() if k not in wrapper_only}
        state = params.get("random_state")
        if isinstance(state, np.random.RandomState):  # as xgboost: an int seed
            params["random_state"] = int(state.randint(np.iinfo(np.int32).max))
        elif isinstance(state, np.random.Generator):
            params["random_state"] = int(state.integers(np.iinfo(np.int32).max))
        return params

    def get_booster(self):
        """The model as an ``xgboost.Booster`` (needs xgboost installed; squared
        error, logistic and softmax objectives), built from
        :meth:`export_xgboost_json`: serve or inspect it with xgboost's tools."""
        import os
        import tempfile
        try:
            import xgboost
        except ImportError as exc:
            raise ImportError("get_booster() builds an xgboost.Booster: pip install "
                              "xgboost (or xgboost-cpu).") from exc
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "model.json")
            self.export_xgboost_json(path)
            return xgboost.Booster(model_file=path)

    def _xgboost_parts(self):
        """What ``export_xgboost_json`` needs (squared error, logistic, softmax)."""
        from .._xgboost_export import XGBoostParts
        check_is_fitted(self, "_forest")
        name = self._objective.name
        if name not in ("reg:squarederror", "binary:logistic", "multi:softprob",
                        "multi:softmax"):
            raise ValueError(f"objective {name!r} cannot be exported to xgboost's format "
                             "by skboost: only reg:squarederror, binary:logistic and "
                             "multi:softprob/softmax can.")
        if self._param("num_parallel_tree") != 1:
            raise ValueError("Models with num_parallel_tree > 1 cannot be exported.")
        end = self._round_range(None)[1] * self._trees_per_round()
        trees = self._forest.trees[:end]
        return XGBoostParts(
            trees=list(trees), columns=list(self._forest.columns[:end]),
            leaf_values=[tree.value[:, 0] for tree in trees],
            base_margin=np.asarray(self._base_margin, dtype=np.float64),
            objective="multi:softprob" if name.startswith("multi:") else name,
            n_features=self.n_features_in_,
            feature_names=getattr(self, "feature_names_in_", None),
            trees_per_round=self._trees_per_round())

    def _margin_parts(self):
        """Trees, their output columns and the constant base margin (for SHAP values,
        tree tables and export)."""
        return self._forest, np.ones(len(self._forest)), self._base_margin

    @property
    def intercept_(self):
        """xgboost's intercept: the base score, in the response space for one
        output, as centred margins (log-priors) for several.

        Returns
        -------
        ndarray of shape (n_outputs,), float32
        """
        check_is_fitted(self, "_base_margin")
        margin = np.asarray(self._base_margin, dtype=np.float64)
        if margin.size > 1:
            return (margin - margin.mean()).astype(np.float32)
        return np.asarray(self._objective.transform(margin.reshape(1, -1))[0],
                          dtype=np.float32).reshape(1)

    @property
    def feature_importances_(self):
        """Importances of ``importance_type`` (xgboost's default: gain), normalised."""
        check_is_fitted(self, "_forest")
        from .._inspect import feature_importances
        return feature_importances(self, self._param("importance_type") or "gain")

    @property
    def n_trees_per_iteration_(self):
        check_is_fitted(self, "_forest")
        return self._trees_per_round()

    def __sklearn_tags__(self):
        return engine_tags(super().__sklearn_tags__())


class XGBRegressor(RegressorMixin, BaseXGB):
    """xgboost's regressor on the shared engine (scikit-learn API).

    Parameters are those of :class:`xgboost.XGBRegressor`, with the same
    names, defaults and meanings (``objective=None`` is
    ``"reg:squarederror"``; ``max_bin`` is capped at 255), plus
    ``validation_fraction`` (the internal split used for early stopping
    when ``early_stopping_rounds`` is set and ``fit`` gets no ``eval_set``).
    See the module docstring and ``docs/xgb.md`` for the algorithm.

    Attributes
    ----------
    n_estimators_ : int
        Boosting rounds grown.
    best_iteration, best_score : int, float
        Set when early stopping was used.
    evals_result_ : dict
    feature_importances_ : ndarray of shape (n_features,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features,)
    """

    def _set_objective(self, y):
        objective = self.objective or "reg:squarederror"
        self._objective = make_objective(
            objective, REGRESSION_OBJECTIVES, huber_slope=self.huber_slope,
            quantile_alpha=self.quantile_alpha,
            tweedie_variance_power=self.tweedie_variance_power, weighted=self._weighted,
            poisson_max_delta_step=self._max_delta_step(),
            scale_pos_weight=self._param("scale_pos_weight"))

    def _encode_target(self, y):
        return np.asarray(y, dtype=np.float64)

    _encode_known_target = _encode_target

    def _decode_target(self, y):
        return y

    def _user_predictions(self, margin):
        pred = self._objective.transform(margin)
        return pred[:, 0] if pred.shape[1] == 1 else pred

    def predict(self, X, output_margin=False, validate_features=True, base_margin=None,
                iteration_range=None, pred_contribs=False):
        """Predicted targets (or margins), ndarray of shape (n_samples,) or
        (n_samples, n_quantiles) for several quantiles."""
        if pred_contribs:
            return self._contributions(X, base_margin)
        margin = self._margin(X, base_margin, iteration_range)
        pred = margin if output_margin else self._objective.transform(margin)
        return pred[:, 0] if pred.shape[1] == 1 else pred


class XGBClassifier(ClassifierMixin, BaseXGB):
    """xgboost's classifier on the shared engine (scikit-learn API).

    Parameters are those of :class:`xgboost.XGBClassifier`, with the same
    names, defaults and meanings (``objective=None`` is ``"binary:logistic"``
    for two classes and ``"multi:softprob"`` otherwise; a binary objective
    given for more classes switches to ``"multi:softprob"``), plus
    ``validation_fraction``.  Class labels can be any values (strings,
    non-contiguous integers); early stopping without ``eval_set`` holds out
    a stratified split.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_classes_ : int
    n_estimators_, best_iteration, best_score, evals_result_,
    feature_importances_, n_features_in_, feature_names_in_
        As :class:`XGBRegressor`.
    """

    def _encode_target(self, y):
        check_classification_targets(y)
        self._label_encoder = LabelEncoder().fit(y)
        self.classes_ = self._label_encoder.classes_
        self.n_classes_ = self.classes_.size
        if self.n_classes_ < 2:
            raise ValueError(f"The classifier needs samples of at least 2 classes in the "
                             f"data, but the data contains only one class: "
                             f"{np.asarray(self.classes_[0]).tolist()!r}.")
        return self._label_encoder.transform(y).astype(np.float64)

    def _encode_known_target(self, y):
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if unknown.size:
            raise ValueError(f"eval_set holds labels not seen in y: {unknown.tolist()}.")
        return self._label_encoder.transform(y).astype(np.float64)

    def _decode_target(self, y):
        return self.classes_[y.astype(np.int64)]

    def _set_objective(self, y):
        objective = self.objective
        if objective is None or (self.n_classes_ > 2 and isinstance(objective, str)
                                 and objective.startswith("binary:")):
            objective = "binary:logistic" if self.n_classes_ == 2 else "multi:softprob"
        num_class = self.n_classes_ if (callable(objective) and self.n_classes_ > 2) or (
            isinstance(objective, str) and objective.startswith("multi:")) else None
        task = "multiclass" if self.n_classes_ > 2 else "binary"
        self._objective = make_objective(objective, CLASSIFICATION_OBJECTIVES,
                                         num_class=num_class, weighted=self._weighted,
                                         scale_pos_weight=self._param("scale_pos_weight"),
                                         task=task)

    def _proba_from_margin(self, margin):
        obj = self._objective
        if margin.shape[1] > 1:
            return obj.transform(margin)
        if obj.name == "binary:hinge":
            p = (margin[:, 0] > 0).astype(np.float64)
        else:
            p = 1.0 / (1.0 + np.exp(-margin[:, 0]))
        return np.column_stack([1.0 - p, p])

    def _user_predictions(self, margin):
        """What xgboost hands a callable metric: its booster's prediction
        (class labels for multi:softmax, margins for binary:logitraw,
        probabilities otherwise)."""
        name = self._objective.name
        if name == "multi:softmax":
            return self._decode_target(np.argmax(margin, axis=1))
        if name == "binary:logitraw":
            return margin[:, 0]
        proba = self._proba_from_margin(margin)
        return proba[:, 1] if proba.shape[1] == 2 else proba

    def predict_proba(self, X, validate_features=True, base_margin=None,
                      iteration_range=None):
        """Class probabilities, ndarray of shape (n_samples, n_classes), float64."""
        return self._proba_from_margin(self._margin(X, base_margin, iteration_range))

    def predict(self, X, output_margin=False, validate_features=True, base_margin=None,
                iteration_range=None, pred_contribs=False):
        """Predicted class labels (or margins with ``output_margin=True``)."""
        if pred_contribs:
            return self._contributions(X, base_margin)
        margin = self._margin(X, base_margin, iteration_range)
        if output_margin:
            return margin[:, 0] if margin.shape[1] == 1 else margin
        if margin.shape[1] == 1:
            return self.classes_[(margin[:, 0] > 0).astype(np.int64)]
        return self.classes_[np.argmax(margin, axis=1)]




def _series_as_frame(X):
    """A pandas Series as a one-column DataFrame, as xgboost reads it (a 1-D
    numpy array stays an error)."""
    to_frame = getattr(X, "to_frame", None)
    if to_frame is not None and type(X).__name__ == "Series":
        return to_frame()
    return X


def _fitted_model(xgb_model):
    """``xgb_model`` as a fitted skboost XGB estimator (loaded if a path)."""
    if isinstance(xgb_model, str) or hasattr(xgb_model, "__fspath__"):
        from .._model_io import load_model
        xgb_model = load_model(xgb_model)
    if not isinstance(xgb_model, BaseXGB) or not hasattr(xgb_model, "_forest"):
        raise TypeError("xgb_model must be a fitted XGBClassifier/XGBRegressor or the "
                        "path of one saved with save_model.")
    return xgb_model


def _per_eval_set(values, name, eval_set):
    """One entry per eval set (None where not given)."""
    if values is None:
        return [None] * len(eval_set)
    if not isinstance(values, (list, tuple)) or len(values) != len(eval_set):
        raise ValueError(f"{name} must be a list with one entry per eval_set pair "
                         f"({len(eval_set)}).")
    return list(values)
