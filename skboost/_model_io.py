"""Versioned JSON model files for every skboost estimator.

A file is one JSON object (see ``docs/model_format.md`` and
``skboost/schema/model.schema.json``)::

    {"format": "skboost-model", "format_version": 1, "skboost_version": "...",
     "estimator": "<class name>", "params": {...}, "state": {...}}

``params`` are ``get_params(deep=False)``; ``state`` is every other instance
attribute, each encoded by the whitelist codec of :mod:`skboost._model_codec`.
Loading parses with bounded sizes, rebuilds only whitelisted types, checks
every tree and the consistency of the estimator's attributes, then runs one
prediction on a probe row: a corrupt or hostile file raises ``ValueError``
before any of its content reaches a kernel.

Compatibility: a skboost version reads every ``format_version`` up to its
own (one reader per version in ``_READERS``); a file from a newer format is
refused with a message naming both versions.
"""
import json
import os
import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from . import _model_codec as codec
from ._losses import BinaryLogLoss, ExponentialLoss, Loss, MultinomialLogLoss
from ._tree import Forest

FORMAT = "skboost-model"
FORMAT_VERSION = 1
# Largest file read (bytes): parsing costs several times the file in memory.
MAX_FILE_BYTES = 1 << 30
# Longest number literal accepted: float64 needs 24 characters at most.
MAX_NUMBER_CHARS = 64
# The probe prediction allocates a row of n_features_in_ values.
MAX_FEATURES = 1 << 24
HEADER = ("format", "format_version", "skboost_version", "estimator", "params", "state")

# Attributes that only serve fit and are never written (training buffers).
TRAINING_ONLY = frozenset({"_y_encoded", "_targets", "_learner"})


# ------------------------------------------------------------- estimators
def estimator_classes():
    """Public skboost estimators by class name: the classes a file may name."""
    from . import ensemble
    return {name: cls for name, cls in vars(ensemble).items()
            if isinstance(cls, type) and issubclass(cls, BaseEstimator)
            and cls.__module__.startswith("skboost.")}


def encode_estimator(est, path="", require_fitted=True):
    """``{"estimator", "params", "state"}`` of a skboost estimator."""
    cls = type(est)
    if estimator_classes().get(cls.__name__) is not cls:
        raise ValueError(f"{path or 'model'}: {cls.__name__} is not a skboost estimator "
                         "and cannot be saved safely.")
    if require_fitted:
        try:
            check_is_fitted(est)
        except NotFittedError:
            raise NotFittedError(f"This {cls.__name__} instance is not fitted yet: fit it "
                                 "before saving it.") from None
    params = est.get_params(deep=False)
    return {"estimator": cls.__name__,
            "params": {name: _encode_param(value, f"{path}params.{name}")
                       for name, value in params.items()},
            "state": {name: codec.encode(value, f"{path}state.{name}")
                      for name, value in vars(est).items()
                      if name not in params and name not in TRAINING_ONLY
                      and name != "kwargs"}}   # XGB's extra parameters: in params


def _encode_param(value, path):
    if isinstance(value, BaseEstimator):
        return {"type": "estimator", **encode_estimator(value, f"{path}.",
                                                        require_fitted=False)}
    try:
        return codec.encode(value, path)
    except ValueError:
        raise ValueError(
            f"{path} = {value!r} cannot be saved safely: model files hold only numbers, "
            "strings, lists, dicts, arrays, random states and skboost estimators. Use "
            "pickle (for trusted files only) for such a model.") from None


def build_estimator(payload, path="", depth=0, into=None):
    """A new estimator from ``{"estimator", "params", "state"}``, fully checked.

    Parameters
    ----------
    into : estimator, optional
        Receives the loaded parameters and state, but only once all checks
        passed (a failed load leaves it untouched).
    """
    codec.fields(payload, path or "model", ["estimator", "params", "state"])
    name = payload["estimator"]
    cls = estimator_classes().get(name) if isinstance(name, str) else None
    if cls is None:
        codec.fail(path or "estimator", f"unknown estimator class {name!r}")
    est = cls()
    ctx = codec.Context()
    ctx.depth = depth
    _set_params(est, payload["params"], ctx, f"{path}params")
    state = codec.expect(payload["state"], (dict,), f"{path}state", "state")
    if state:
        _set_state(est, state, ctx, f"{path}state")
        check_consistency(est, f"{path}state")
        _probe(est, f"{path}state")
    if into is not None:
        into.__dict__.clear()
        into.__dict__.update(est.__dict__)
        est = into
    for obj in ctx.owners:
        obj._owner = est
    return est


def _set_params(est, params, ctx, path):
    codec.expect(params, (dict,), path, "params")
    valid = est.get_params(deep=False)
    unknown = set(params) - set(valid)
    if getattr(est, "_accepts_extra_params", False):
        # XGB keeps extra keyword arguments (xgboost's aliases) as parameters
        for name in unknown:
            codec.check_attribute_name(type(est), name, f"{path}.{name}")
        unknown = set()
    if unknown:
        codec.fail(path, f"unknown parameter(s) {sorted(unknown)} of "
                         f"{type(est).__name__}")
    values = {name: codec.decode(value, ctx, f"{path}.{name}")
              for name, value in params.items()}
    est.set_params(**values)  # parameters missing from an older file keep defaults
    try:
        est._validate_params()
    except (TypeError, ValueError) as exc:
        codec.fail(path, str(exc))


def _set_state(est, state, ctx, path):
    params = est.get_params(deep=False)
    for name in state:
        codec.check_attribute_name(type(est), name, path)
        if name in params:
            codec.fail(path, f"{name!r} is a parameter, not a fitted attribute")
    n_features = codec.decode(state.get("n_features_in_"), ctx, f"{path}.n_features_in_")
    if type(n_features) is not int or not 1 <= n_features <= MAX_FEATURES:
        codec.fail(f"{path}.n_features_in_", f"must be an int in [1, {MAX_FEATURES}]")
    ctx.n_features = n_features
    for name, value in state.items():
        setattr(est, name, codec.decode(value, ctx, f"{path}.{name}"))


def _register_estimators():
    """Nested skboost estimators (e.g. AdaBoost's weak learners) are values too."""
    def decode(payload, ctx, path):
        payload = {k: v for k, v in payload.items() if k != "type"}
        return build_estimator(payload, f"{path}.", ctx.depth + 1)
    codec.register("estimator", tuple(estimator_classes().values()),
                   lambda est, path: encode_estimator(est, f"{path}."), decode)


_register_estimators()


# ------------------------------------------------------------ consistency
def _need(condition, path, message):
    if not condition:
        codec.fail(path, message)


def check_consistency(est, path):
    """Cross-attribute checks: features, classes and output widths agree with
    the trees, so that no prediction indexes outside an array.

    Rules key on attribute names, so they apply to every family that has
    the attributes; an attribute's own type was checked by its codec.
    """
    d = vars(est)
    _check_features(d, path)
    _check_classes(d, path)
    forest = d.get("_forest")
    if forest is None:
        return
    _need(type(forest) is Forest, f"{path}._forest", "must be a Forest")
    width, n_trees = forest.n_outputs, len(forest.trees)
    if "_loss" in d:
        _check_loss_width(d, width, n_trees, path)
    if "_objective" in d:
        _check_objective_width(d, width, n_trees, path)
    if "_n_channels" in d:
        _need(d["_n_channels"] == width, path, "_n_channels differs from the forest width")
        for name in ("estimator_weights_", "estimator_errors_"):
            w = codec.array(d.get(name), f"{path}.{name}", np.float64, 1)
            _need(w.size >= n_trees, path, f"{name} is shorter than the forest")
    if "_classes" in d:
        sizes = [c.size for c in d["_classes"]]
        one = d.get("_one_channel") is True
        _need(not one or sizes == [2], path, "_one_channel needs one output of 2 classes")
        _need(width == (1 if one else sum(sizes)), path, "forest width differs from the "
              "number of classes")
    elif "n_outputs_" in d:
        _need(width == d["n_outputs_"], path, "forest width differs from n_outputs_")
    if "_y_offset" in d:
        offset = codec.array(d["_y_offset"], f"{path}._y_offset", np.float64, 1)
        _need(offset.shape == (width,), path, "_y_offset differs from the forest width")
    if "_seeds" in d:
        _need(isinstance(d["_seeds"], list) and len(d["_seeds"]) == n_trees, path,
              "one seed per tree is needed")
    if "_n_samples_fit" in d:
        _need(type(d["_n_samples_fit"]) is int and 1 <= d["_n_samples_fit"] < 2 ** 31,
              path, "_n_samples_fit out of range")


def _check_features(d, path):
    names = d.get("feature_names_in_")
    if names is not None:
        _need(isinstance(names, np.ndarray) and names.ndim == 1
              and names.size == d["n_features_in_"]
              and all(isinstance(n, str) for n in names), f"{path}.feature_names_in_",
              "must hold n_features_in_ strings")


def _check_classes(d, path):
    if "classes_" in d:
        classes = d["classes_"]
        _need(isinstance(classes, np.ndarray) and classes.ndim == 1 and classes.size >= 2,
              f"{path}.classes_", "must be a 1-D array of at least 2 classes")
        _need(d.get("n_classes_") == classes.size, path,
              "n_classes_ differs from the number of classes")
    if "_classes" in d:
        classes = d["_classes"]
        _need(isinstance(classes, list) and classes and all(
            isinstance(c, np.ndarray) and c.ndim == 1 and c.size >= 1 for c in classes),
            f"{path}._classes", "must be a list of 1-D arrays")
        _need(d.get("n_outputs_") == len(classes), path,
              "n_outputs_ differs from the number of class arrays")


def _check_loss_width(d, width, n_trees, path):
    loss = d["_loss"]
    _need(isinstance(loss, Loss), f"{path}._loss", "must be a loss")
    _need(width == loss.n_trees, path, "forest width differs from the loss's trees")
    if "classes_" in d:
        if isinstance(loss, MultinomialLogLoss):
            _need(loss.n_trees == d["n_classes_"], path, "one tree per class is needed")
        else:
            _need(d["n_classes_"] == 2 and isinstance(loss, (BinaryLogLoss, ExponentialLoss)),
                  path, "the loss does not fit the number of classes")
    stages = d.get("n_estimators_")
    _need(type(stages) is int and stages * loss.n_trees == n_trees, path,
          "n_estimators_ times the trees per iteration must equal the number of trees")
    if "_baseline" in d:
        baseline = codec.array(d["_baseline"], f"{path}._baseline", np.float64, 1)
        _need(baseline.shape == (width,), path, "_baseline differs from the forest width")


def _check_objective_width(d, width, n_trees, path):
    n_outputs = getattr(d["_objective"], "n_outputs", 1)
    _need(width == n_outputs, path, "forest width differs from the objective's outputs")
    per_round = None
    if "num_parallel_tree" in d:  # None: xgboost's default, 1
        per_round = n_outputs * (d["num_parallel_tree"] or 1)
    stages = d.get("n_estimators_")
    _need(type(stages) is int and stages >= 0, path, "n_estimators_ must be an int")
    if per_round is not None:
        _need(stages * per_round == n_trees, path, "n_estimators_ does not match the trees")
    _need(stages * n_outputs <= n_trees, path, "n_estimators_ exceeds the trees")
    if "_base_margin" in d:
        margin = codec.array(d["_base_margin"], f"{path}._base_margin", np.float64, 1)
        _need(margin.shape == (width,), path, "_base_margin differs from the forest width")
    best = d.get("best_iteration")
    _need(best is None or (type(best) is int and 0 <= best < stages), path,
          "best_iteration out of range")


def _probe(est, path):
    """One prediction on a row of zeros and NaN: whatever the rules above do
    not know about a family surfaces here as a ValueError, not later."""
    X = np.zeros((1, est.n_features_in_))
    X[0, 1::2] = np.nan
    for method in ("predict", "decision_function", "predict_proba"):
        if not hasattr(est, method):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                getattr(est, method)(X)
        except Exception as exc:  # any failure means an inconsistent file
            codec.fail(path, f"the model is inconsistent: {method} fails with "
                             f"{type(exc).__name__}: {exc}")


# ------------------------------------------------------------------ files
def save_model(est, path):
    """Write fitted ``est`` to ``path`` as a versioned JSON model file.

    Raises
    ------
    NotFittedError
        When ``est`` is not fitted.
    ValueError
        When a parameter or attribute holds a value that cannot be saved
        safely (e.g. a callable or a scikit-learn estimator).
    """
    from . import __version__
    document = {"format": FORMAT, "format_version": FORMAT_VERSION,
                "skboost_version": __version__, **encode_estimator(est)}
    text = json.dumps(document, allow_nan=False, separators=(",", ":"))
    with open(os.fspath(path), "w", encoding="utf-8") as f:  # encoded in full first
        f.write(text)


def read_document(path, max_bytes=None):
    """The parsed, header-checked JSON document of a model file."""
    max_bytes = MAX_FILE_BYTES if max_bytes is None else int(max_bytes)
    with open(os.fspath(path), "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size > max_bytes:
            raise ValueError(_too_large(path, max_bytes))
        data = f.read(max_bytes + 1)  # bounded even where st_size is 0 (pipes)
    if len(data) > max_bytes:
        raise ValueError(_too_large(path, max_bytes))
    document = parse_json(data, path)
    _check_header(document, path)
    return document


def _too_large(path, max_bytes):
    return (f"model file {os.fspath(path)!r} is larger than {max_bytes} bytes; pass "
            "max_bytes to skboost.load_model to read it")


def parse_json(data, path="model file"):
    """Strict JSON: UTF-8, bounded number literals, no NaN/Infinity constants,
    no duplicate keys; every problem is a ValueError."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"invalid model file {os.fspath(path)!r}: not a text (JSON) file; "
                         "skboost reads the JSON files of its save_model (a binary file "
                         "such as xgboost's UBJSON format is not one)") from None
    try:
        return json.loads(text, parse_int=_parse_int, parse_float=_parse_float,
                          parse_constant=_reject_constant, object_pairs_hook=_object)
    except RecursionError:
        raise ValueError(f"invalid model file {os.fspath(path)!r}: JSON nested too "
                         "deeply") from None
    except (ValueError, TypeError) as exc:
        raise ValueError(f"invalid model file {os.fspath(path)!r}: {exc}") from None


def _parse_int(text):
    if len(text) > MAX_NUMBER_CHARS:
        raise ValueError(f"number literal of {len(text)} characters")
    return int(text)


def _parse_float(text):
    if len(text) > MAX_NUMBER_CHARS:
        raise ValueError(f"number literal of {len(text)} characters")
    value = float(text)
    if not np.isfinite(value):
        raise ValueError(f"number {text[:30]} overflows float64")
    return value


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON (non-finite numbers are encoded as objects)")


def _object(pairs):
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("duplicate key in a JSON object")
    return out


def _check_header(document, path):
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{os.fspath(path)!r} is not a skboost model file (no "
                         f"\"format\": \"{FORMAT}\").")
    version = document.get("format_version")
    if type(version) is not int or version < 1:
        raise ValueError(f"invalid model file: bad format_version {version!r}")
    if version not in _READERS:
        raise ValueError(
            f"model file {os.fspath(path)!r} has format_version {version}, written by a "
            f"newer skboost ({document.get('skboost_version')!r}); this skboost reads "
            f"format versions 1 to {FORMAT_VERSION}. Upgrade skboost to load it.")
    codec.fields(document, "model", HEADER)
    codec.expect(document["skboost_version"], (str,), "model", "skboost_version")


# One reader per format version; a new version adds a reader (or converts the
# older documents into the newer form) and keeps the older ones.
_READERS = {1: build_estimator}


def _build(document, into=None):
    payload = {k: document[k] for k in ("estimator", "params", "state")}
    try:
        return _READERS[document["format_version"]](payload, into=into)
    except (TypeError, KeyError, IndexError, AttributeError, OverflowError,
            RecursionError) as exc:
        # every check above raises ValueError; this net keeps that promise
        # for a malformation no check anticipated
        raise ValueError(f"invalid model file: {type(exc).__name__}: {exc}") from exc


def load_into(est, path):
    """Load a model file into ``est`` (same class); return ``est``.

    The file's parameters and fitted state replace those of ``est``.
    """
    document = read_document(path)
    name = type(est).__name__
    if document["estimator"] != name:
        raise ValueError(f"model file {os.fspath(path)!r} holds a "
                         f"{document['estimator']!r}, not a {name}; use "
                         "skboost.load_model(path) to load any estimator.")
    return _build(document, into=est)


def load_model(path, *, max_bytes=None):
    """Load a model file written by ``save_model``.

    Parameters
    ----------
    path : str or path-like
    max_bytes : int, optional
        Largest file accepted (default ``MAX_FILE_BYTES``, 1 GiB).

    Returns
    -------
    estimator
        A new estimator of the class recorded in the file.

    Raises
    ------
    ValueError
        When the file is not a valid model file (any corruption is reported
        this way, before any of its content reaches a kernel).
    """
    return _build(read_document(path, max_bytes))
