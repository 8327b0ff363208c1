"""Model files: save/load round trips of every estimator, and refusal of
corrupt or hostile files with a clear ValueError (never a crash)."""
import copy
import json
import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse
from sklearn.exceptions import NotFittedError
from sklearn.tree import DecisionTreeClassifier

import skboost
from skboost import (AdaBoostClassifier, AdaBoostRegressor, GradientBoostingClassifier,
                     GradientBoostingRegressor, RandomForestClassifier,
                     RandomForestRegressor, XGBClassifier, XGBRegressor)
from skboost import _model_io

SCHEMA = Path(skboost.__file__).parent / "schema" / "model.schema.json"


# --------------------------------------------------------------------- data
def _data(n=160, seed=0):
    """Four features (NaN in one, ties in another) and every kind of target."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 4)
    X[rng.rand(n) < 0.15, 1] = np.nan
    X[:, 3] = np.round(X[:, 3], 1)
    signal = X[:, 0] + 0.5 * np.nan_to_num(X[:, 1]) + 0.3 * rng.randn(n)
    targets = {
        "reg": signal,
        "pos": np.exp(signal / 2),
        "bin": np.where(signal > 0.2, "yes", "no"),
        "multi": np.array(["ant", "bee", "cat"])[np.digitize(signal, [-0.5, 0.5])],
        "reg2": np.column_stack([signal, -2 * signal]),
    }
    targets["multi_out"] = np.column_stack([targets["bin"], targets["multi"]])
    return X, targets


X_TRAIN, TARGETS = _data()
X_TEST = _data(60, seed=1)[0]


def _cases():
    """(id, estimator factory, target) for every family, loss, criterion and
    split method."""
    cases = []
    for split in ("hist", "exact"):
        def add(name, factory, target, split=split):
            cases.append(pytest.param(factory, target, split, id=f"{name}-{split}"))
        for loss in ("squared_error", "absolute_error", "huber", "quantile"):
            add(f"GBR-{loss}", lambda s, loss=loss: GradientBoostingRegressor(
                loss=loss, n_estimators=3, max_depth=2, split_method=s), "reg")
        add("GBR-subsample-oob", lambda s: GradientBoostingRegressor(
            n_estimators=3, subsample=0.7, random_state=0, split_method=s), "reg")
        add("GBR-early-stop", lambda s: GradientBoostingRegressor(
            n_estimators=6, n_iter_no_change=2, random_state=0, split_method=s), "reg")
        add("GBC-binary", lambda s: GradientBoostingClassifier(
            n_estimators=3, max_leaf_nodes=4, split_method=s), "bin")
        add("GBC-multi-weighted", lambda s: GradientBoostingClassifier(
            n_estimators=3, max_depth=2, class_weight="balanced", split_method=s), "multi")
        add("GBC-exponential-zero-init", lambda s: GradientBoostingClassifier(
            loss="exponential", init="zero", n_estimators=3, split_method=s), "bin")
        for criterion in ("gini", "entropy", "log_loss"):
            add(f"RFC-{criterion}", lambda s, c=criterion: RandomForestClassifier(
                n_estimators=3, criterion=c, max_depth=4, oob_score=True, random_state=0,
                class_weight="balanced_subsample", split_method=s), "multi")
        add("RFC-monotonic", lambda s: RandomForestClassifier(
            n_estimators=3, max_depth=3, monotonic_cst=[1, 0, 0, 0], random_state=0,
            split_method=s), "bin")
        add("RFC-multi-output", lambda s: RandomForestClassifier(
            n_estimators=3, max_leaf_nodes=6, random_state=0, split_method=s), "multi_out")
        for criterion in ("squared_error", "friedman_mse", "poisson", "absolute_error"):
            add(f"RFR-{criterion}", lambda s, c=criterion: RandomForestRegressor(
                n_estimators=3, criterion=c, max_depth=4, oob_score=True, ccp_alpha=0.001,
                random_state=0, split_method=s), "pos")
        add("RFR-multi-output", lambda s: RandomForestRegressor(
            n_estimators=3, max_depth=3, random_state=0, split_method=s), "reg2")
        add("ABC", lambda s: AdaBoostClassifier(n_estimators=4, random_state=0,
                                                split_method=s), "multi")
        for loss in ("linear", "square", "exponential"):
            add(f"ABR-{loss}", lambda s, loss=loss: AdaBoostRegressor(
                n_estimators=4, loss=loss, random_state=0, split_method=s), "reg")
        add("XGBR", lambda s: XGBRegressor(n_estimators=3, max_depth=3, tree_method=s),
            "reg")
        add("XGBC-binary", lambda s: XGBClassifier(n_estimators=3, max_depth=3,
                                                   tree_method=s), "bin")
        add("XGBC-multi", lambda s: XGBClassifier(n_estimators=3, max_depth=3,
                                                  tree_method=s), "multi")
    cases.append(pytest.param(lambda s: AdaBoostRegressor(
        GradientBoostingRegressor(n_estimators=2, max_depth=2), n_estimators=2,
        random_state=0), "reg", "hist", id="ABR-nested-skboost-estimator"))
    cases.append(pytest.param(lambda s: GradientBoostingClassifier(
        n_estimators=2, warm_start=True, random_state=np.int64(3), max_bins=16),
        "multi", "hist", id="GBC-warm-start"))
    return cases


METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function", "apply",
           "decision_path", "staged_predict", "staged_predict_proba",
           "staged_decision_function")


def _outputs(est, X):
    """Every prediction method's output, generators listed."""
    out = {}
    with np.errstate(all="ignore"):
        for name in METHODS:
            if hasattr(est, name):
                result = getattr(est, name)(X)
                out[name] = list(result) if name.startswith("staged") else result
    return out


def _same(a, b):
    """Bitwise equality of nested prediction outputs (dtype included)."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if sparse.issparse(a):
        return sparse.issparse(b) and _same(a.toarray(), b.toarray())
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    return np.array_equal(a, b) if a.dtype == object else a.tobytes() == b.tobytes()


def _same_params(a, b):
    pa, pb = a.get_params(deep=False), b.get_params(deep=False)
    if pa.keys() != pb.keys():
        return False
    for key, value in pa.items():
        other = pb[key]
        if hasattr(value, "get_params"):
            if type(value) is not type(other) or not _same_params(value, other):
                return False
        elif type(value) is not type(other) or not (
                np.array_equal(value, other) if isinstance(value, np.ndarray)
                else value == other or (value != value and other != other)):
            return False
    return True


def _fit(factory, target, split):
    est = factory(split)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # too few trees for OOB estimates
        est.fit(X_TRAIN, TARGETS[target])
        if est.get_params().get("warm_start"):
            est.set_params(n_estimators=4).fit(X_TRAIN, TARGETS[target])
    return est


# --------------------------------------------------------------- round trip
@pytest.mark.parametrize("factory, target, split", _cases())
def test_round_trip_is_bitwise_identical(factory, target, split, tmp_path):
    est = _fit(factory, target, split)
    path = tmp_path / "model.json"
    est.save_model(path)
    loaded = skboost.load_model(path)
    assert type(loaded) is type(est)
    assert _same_params(loaded, est)
    for X in (X_TRAIN, X_TEST):
        expected, got = _outputs(est, X), _outputs(loaded, X)
        assert expected.keys() == got.keys()
        for name in expected:
            assert _same(expected[name], got[name]), name
    into = type(est)()
    assert into.load_model(str(path)) is into
    assert _same(_outputs(into, X_TEST), _outputs(est, X_TEST))


def test_loaded_model_saves_the_same_file(tmp_path):
    est = _fit(lambda s: GradientBoostingClassifier(n_estimators=3), "multi", "hist")
    est.save_model(tmp_path / "a.json")
    skboost.load_model(tmp_path / "a.json").save_model(tmp_path / "b.json")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def test_loaded_model_keeps_fitting_with_warm_start(tmp_path):
    est = GradientBoostingRegressor(n_estimators=2, warm_start=True, random_state=0)
    est.fit(X_TRAIN, TARGETS["reg"])
    est.save_model(tmp_path / "m.json")
    loaded = skboost.load_model(tmp_path / "m.json")
    for model in (est, loaded):
        model.set_params(n_estimators=4).fit(X_TRAIN, TARGETS["reg"])
    assert _same(loaded.predict(X_TEST), est.predict(X_TEST))


def test_feature_names_round_trip(tmp_path):
    import pandas as pd
    frame = pd.DataFrame(X_TRAIN, columns=["a", "b", "c", "d"])
    est = RandomForestRegressor(n_estimators=2, random_state=0).fit(frame, TARGETS["reg"])
    est.save_model(tmp_path / "m.json")
    loaded = skboost.load_model(tmp_path / "m.json")
    assert list(loaded.feature_names_in_) == ["a", "b", "c", "d"]
    assert _same(loaded.predict(frame), est.predict(frame))


def test_load_model_into_another_class_is_refused(tmp_path):
    est = RandomForestRegressor(n_estimators=2).fit(X_TRAIN, TARGETS["reg"])
    est.save_model(tmp_path / "m.json")
    target = GradientBoostingRegressor()
    with pytest.raises(ValueError, match="holds a 'RandomForestRegressor', not a "
                                         "GradientBoostingRegressor"):
        target.load_model(tmp_path / "m.json")
    assert not hasattr(target, "_forest")  # a failed load leaves it untouched


def test_load_model_replaces_a_fitted_estimator(tmp_path):
    first = GradientBoostingRegressor(n_estimators=2).fit(X_TRAIN, TARGETS["reg"])
    second = GradientBoostingRegressor(n_estimators=5, max_depth=2).fit(
        X_TRAIN, -TARGETS["reg"])
    second.save_model(tmp_path / "m.json")
    first.load_model(tmp_path / "m.json")
    assert first.get_params() == second.get_params()
    assert _same(first.predict(X_TEST), second.predict(X_TEST))


def test_unfitted_estimator_cannot_be_saved(tmp_path):
    with pytest.raises(NotFittedError, match="not fitted yet: fit it before saving"):
        RandomForestClassifier().save_model(tmp_path / "m.json")
    assert issubclass(NotFittedError, ValueError)
    assert not (tmp_path / "m.json").exists()


@pytest.mark.parametrize("make", [
    lambda: AdaBoostClassifier(DecisionTreeClassifier(max_depth=1), n_estimators=2),
    lambda: RandomForestClassifier(n_estimators=2, oob_score=lambda y, p: 0.5),
], ids=["sklearn-estimator", "callable"])
def test_unsafe_parameters_are_refused(make, tmp_path):
    est = _fit(lambda s: make(), "bin", "hist")
    with pytest.raises(ValueError, match="cannot be saved safely"):
        est.save_model(tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


# ----------------------------------------------------------- corrupt files
@pytest.fixture(scope="module")
def document(tmp_path_factory):
    """A saved multiclass gradient boosting model, parsed."""
    est = GradientBoostingClassifier(n_estimators=2, max_depth=2, random_state=0)
    est.fit(X_TRAIN, TARGETS["multi"])
    path = tmp_path_factory.mktemp("model") / "m.json"
    est.save_model(path)
    return json.loads(path.read_text())


def _tree(doc, index=0):
    return doc["state"]["_forest"]["attrs"]["trees"]["items"][index]["attrs"]


def _internal_node(doc, after=0):
    left = _tree(doc)["left"]["data"]
    return next(i for i in range(after + 1, len(left)) if left[i] != -1)


def _set(field, index, value):
    def mutate(doc):
        _tree(doc)[field]["data"][index] = value
    return mutate


def _set_state(name, value):
    def mutate(doc):
        doc["state"][name] = value
    return mutate


def _cycle(doc):
    node = _internal_node(doc)
    _tree(doc)["left"]["data"][node] = 0


def _one_child(doc):
    _tree(doc)["right"]["data"][0] = -1


def _shared_child(doc):
    tree = _tree(doc)
    node = _internal_node(doc)
    tree["right"]["data"][0] = tree["left"]["data"][node]


def _short_array(doc):
    gain = _tree(doc)["gain"]
    gain["data"].pop()
    gain["shape"] = [len(gain["data"])]


def _column(doc):
    doc["state"]["_forest"]["attrs"]["columns"]["items"][0] = 3


def _unsorted_thresholds(doc):
    thresholds = doc["state"]["_bin_mapper"]["attrs"]["thresholds_"]["items"][0]["data"]
    thresholds.reverse()


def _huge_shape(doc):
    _tree(doc)["gain"]["shape"] = [10 ** 12]


def _dtype(name):
    def mutate(doc):
        _tree(doc)["feature"]["dtype"] = name
    return mutate


def _drop_tree_field(doc):
    del _tree(doc)["cover"]


def _loss_trees(doc):
    doc["state"]["_loss"]["attrs"]["n_trees"] = 2


def _rng_key(doc):
    state = doc["state"]["_rng"]["state"]["items"]
    key = dict(state)["state"]["items"][0][1]
    key["data"] = key["data"][:10]
    key["shape"] = [10]


def _deep_values(doc):
    value = 1
    for _ in range(200):  # parses, but exceeds the codec's nesting bound
        value = {"type": "list", "items": [value]}
    doc["state"]["extra_"] = value


CORRUPTIONS = [
    ("child-out-of-range", _set("left", 0, 10 ** 6), "child .* is not in"),
    ("negative-feature", _set("feature", 0, -1), r"split features must lie in \[0, 4\)"),
    ("feature-too-large", _set("feature", 0, 4), r"split features must lie in \[0, 4\)"),
    ("nan-threshold", _set("threshold", 0, "nan"), "thresholds must not be NaN"),
    ("cycle", _cycle, "child 0 is not in"),
    ("self-loop", _set("right", 0, 0), "child 0 is not in"),
    ("one-child", _one_child, "both children or none"),
    ("shared-child", _shared_child, "exactly one parent"),
    ("unequal-lengths", _short_array, "node arrays differ in length"),
    ("missing-left-value", _set("missing_left", 0, 7), "missing_left must be 0 or 1"),
    ("infinite-value", _set("value", 0, "inf"), "value must be finite"),
    ("negative-n-samples", _set("n_samples", 0, -3), "n_samples must be non-negative"),
    ("forest-column", _column, "exceeds n_outputs"),
    ("unsorted-thresholds", _unsorted_thresholds, "finite and sorted"),
    ("int32-overflow", _set("left", 0, 2 ** 40), "out of the range of int32"),
    ("bool-in-int-array", _set("left", 0, True), "must be integers"),
    ("string-in-float-array", _set("gain", 0, "1.5"), "must be numbers"),
    ("huge-shape", _huge_shape, "does not match"),
    ("wrong-dtype", _dtype("int64"), "array of int32"),
    ("dtype-not-allowed", _dtype(">f8"), "not allowed"),
    ("object-dtype-in-tree", _dtype("object"), "array of int32"),
    ("missing-tree-field", _drop_tree_field, "tree fields differ"),
    ("loss-width", _loss_trees, "forest width differs from the loss"),
    ("bad-random-state", _rng_key, "624 uint32"),
    ("n-classes", _set_state("n_classes_", 5), "n_classes_ differs"),
    ("n-estimators", _set_state("n_estimators_", 50), "n_estimators_ times"),
    ("n-features", _set_state("n_features_in_", 10 ** 9), "n_features_in_: must be"),
    ("feature-names", _set_state("feature_names_in_", {
        "type": "ndarray", "dtype": "object", "shape": [2], "data": ["a", "b"]}),
     "n_features_in_ strings"),
    ("shadow-method", _set_state("predict", 1), "would shadow"),
    ("param-in-state", _set_state("max_depth", 1), "is a parameter"),
    ("bad-attribute-name", _set_state("__class__", 1), "bad attribute name"),
    ("unknown-type", _set_state("_forest", {"type": "os.system", "attrs": {}}),
     "unknown type 'os.system'"),
    ("bare-list", _set_state("_seeds", [1, 2]), "expected a scalar or a typed object"),
    ("extra-key", _set_state("_forest", {"type": "list", "items": [], "x": 1}),
     r"unexpected key\(s\) \['x'\]"),
    ("nested-too-deep", _deep_values, "nested deeper than"),
    ("unknown-estimator", lambda d: d.update(estimator="Popen"),
     "unknown estimator class 'Popen'"),
    ("unknown-param", lambda d: d["params"].update(bogus=1), "unknown parameter"),
    ("invalid-param", lambda d: d["params"].update(n_estimators=-1), "n_estimators"),
    ("future-format", lambda d: d.update(format_version=2),
     "format_version 2, written by a newer skboost .* reads format versions 1 to 1"),
    ("bad-format-version", lambda d: d.update(format_version="1"), "bad format_version"),
    ("not-a-model", lambda d: d.update(format="other"), "not a skboost model file"),
    ("extra-header", lambda d: d.update(comment="hi"), "unexpected key"),
    ("missing-state", lambda d: d.pop("state"), "missing key"),
]


@pytest.mark.parametrize("mutate, match", [pytest.param(m, r, id=i)
                                           for i, m, r in CORRUPTIONS])
def test_corrupt_file_gives_a_clear_error(document, mutate, match, tmp_path):
    doc = copy.deepcopy(document)
    mutate(doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match=match):
        skboost.load_model(path)
    est = GradientBoostingClassifier()
    with pytest.raises(ValueError):
        est.load_model(path)
    assert "_forest" not in vars(est)


def _text(document):
    return json.dumps(document)


@pytest.mark.parametrize("make_text, match", [
    pytest.param(lambda t: t[:len(t) // 2], "invalid model file", id="truncated"),
    pytest.param(lambda t: "", "invalid model file", id="empty"),
    pytest.param(lambda t: "[1, 2]", "not a skboost model file", id="json-list"),
    pytest.param(lambda t: "[" * 100_000 + "]" * 100_000, "nested too deeply",
                 id="deeply-nested-json"),
    pytest.param(lambda t: t.replace('"n_estimators_": 2', '"n_estimators_": NaN'),
                 "NaN is not JSON", id="nan-literal"),
    pytest.param(lambda t: t.replace('"n_estimators_": 2',
                                     '"n_estimators_": 1e999'), "overflows",
                 id="float-overflow"),
    pytest.param(lambda t: t.replace('"n_estimators_": 2',
                                     '"n_estimators_": 2, "n_estimators_": 2'),
                 "duplicate key", id="duplicate-key"),
    pytest.param(lambda t: t.replace('"n_estimators_": 2',
                                     '"n_estimators_": 0.' + "1" * 1_000_000),
                 "number literal of 1000002 characters", id="long-float"),
], )
def test_malformed_json_gives_a_clear_error(document, make_text, match, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(make_text(_text(document)))
    with pytest.raises(ValueError, match=match):
        skboost.load_model(path)


def test_twenty_megabyte_number_is_refused_quickly(document, tmp_path):
    """A number literal of 20 million digits (parsing it as an int would take
    minutes and its value gigabytes) is refused by length."""
    text = _text(document).replace('"n_estimators_": 2',
                                   '"n_estimators_": ' + "7" * 20_000_000)
    path = tmp_path / "big.json"
    path.write_text(text)
    with pytest.raises(ValueError, match="number literal of 20000000 characters"):
        skboost.load_model(path)


def test_file_size_limit(document, tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    path.write_text(_text(document))
    size = path.stat().st_size
    with pytest.raises(ValueError, match=f"larger than {size - 1} bytes"):
        skboost.load_model(path, max_bytes=size - 1)
    assert isinstance(skboost.load_model(path, max_bytes=size), GradientBoostingClassifier)
    monkeypatch.setattr(_model_io, "MAX_FILE_BYTES", 1000)
    with pytest.raises(ValueError, match="larger than 1000 bytes"):
        GradientBoostingClassifier().load_model(path)


def test_invalid_utf8_is_refused(document, tmp_path):
    path = tmp_path / "m.json"
    path.write_bytes(_text(document).encode()[:200] + b"\xff\xfe" + b"}")
    with pytest.raises(ValueError, match="invalid model file"):
        skboost.load_model(path)


def _leaf_paths(value, path=()):
    """Paths to every scalar in a parsed JSON document."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaf_paths(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaf_paths(item, path + (index,))
    else:
        yield path


FUZZ_VALUES = [-1, 0, 1, 2, 7, 2 ** 31, -2 ** 63, 1e308, -0.5, "nan", "inf", "-inf",
               None, True, "", "x", [], {}, {"type": "list", "items": []}]


def test_random_corruptions_load_or_raise_value_error(document, tmp_path):
    """Any single value of the file replaced by an odd one: the load succeeds
    or raises ValueError; never another exception, a hang or a crash."""
    rng = np.random.RandomState(0)
    paths = list(_leaf_paths(document))
    path = tmp_path / "fuzz.json"
    outcomes = {"loaded": 0, "refused": 0}
    for _ in range(250):
        doc = copy.deepcopy(document)
        where = paths[rng.randint(len(paths))]
        parent = doc
        for key in where[:-1]:
            parent = parent[key]
        parent[where[-1]] = FUZZ_VALUES[rng.randint(len(FUZZ_VALUES))]
        path.write_text(json.dumps(doc))
        try:
            est = skboost.load_model(path)
        except ValueError:
            outcomes["refused"] += 1
            continue
        est.predict(X_TEST)
        outcomes["loaded"] += 1
    assert outcomes["refused"] > 50


def test_random_byte_damage_loads_or_raises_value_error(document, tmp_path):
    rng = np.random.RandomState(1)
    data = _text(document).encode()
    path = tmp_path / "fuzz.json"
    for _ in range(150):
        damaged = bytearray(data)
        for position in rng.randint(len(data), size=3):
            damaged[position] = rng.randint(256)
        path.write_bytes(bytes(damaged))
        try:
            skboost.load_model(path).predict(X_TEST)
        except ValueError:
            pass


# ------------------------------------------------------------------- codec
CODEC_VALUES = [
    None, True, 3, -2 ** 70, 1.5, float("nan"), float("-inf"), "text", [1, [2.5, "a"]],
    (1, "a"), {1: "a", "b": None, 2.5: (1,), None: [], False: 0},
    np.arange(6, dtype=np.int16).reshape(2, 3), np.array([1.0, np.nan, -np.inf, -0.0]),
    np.array([0.1, np.nan], dtype=np.float32), np.array([2 ** 64 - 1], dtype=np.uint64),
    np.array(["ab", "c"]), np.array(["x", 1, None, 2.5], dtype=object),
    np.zeros((0, 3)), np.array(3.0), np.array([True, False]), np.float32(1.5),
    np.int64(-3), np.bool_(True), np.str_("label"), np.float64(np.nan), np.uint8, np.int32,
    np.dtype("float32"), np.random.RandomState(3), np.random.default_rng(4),
]


def _codec_equal(a, b):
    if isinstance(a, np.random.RandomState):
        return type(b) is np.random.RandomState and a.randint(1 << 30) == b.randint(1 << 30)
    if isinstance(a, np.random.Generator):
        return type(b) is np.random.Generator and a.integers(1 << 30) == b.integers(1 << 30)
    if isinstance(a, (np.ndarray, np.generic)):
        return type(a) is type(b) and _same(a, b)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_codec_equal, a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_codec_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and (a == b or (a != a and b != b))


@pytest.mark.parametrize("value", CODEC_VALUES, ids=lambda v: type(v).__name__)
def test_codec_round_trips_values_exactly(value):
    from skboost import _model_codec as codec
    text = json.dumps(codec.encode(value), allow_nan=False).encode()
    decoded = codec.decode(_model_io.parse_json(text), codec.Context())
    assert _codec_equal(value, decoded)


def test_unregistered_types_are_named_in_the_error(tmp_path):
    est = GradientBoostingRegressor(n_estimators=2).fit(X_TRAIN, TARGETS["reg"])
    est.extra_ = {1, 2}  # sets have no codec
    with pytest.raises(ValueError, match=r"state\.extra_: a value of type builtins.set"):
        est.save_model(tmp_path / "m.json")


# ------------------------------------------------------------------ schema
def test_schema_names_every_registered_type():
    import re
    from skboost import _model_codec as codec
    names = json.loads(SCHEMA.read_text())["$defs"]["typed"]["properties"]["type"]["anyOf"]
    listed, pattern = names[0]["enum"], names[1]["pattern"]
    for name in codec._BY_NAME:
        assert name in listed or re.match(pattern, name), name


def test_schema_is_json_and_describes_saved_files(tmp_path):
    schema = json.loads(SCHEMA.read_text())
    assert schema["properties"]["format"]["const"] == _model_io.FORMAT
    import jsonschema
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for factory, target in [
            (lambda: GradientBoostingClassifier(n_estimators=2), "multi"),
            (lambda: RandomForestClassifier(n_estimators=2, split_method="exact"), "bin"),
            (lambda: AdaBoostRegressor(GradientBoostingRegressor(n_estimators=2),
                                       n_estimators=2), "reg"),
            (lambda: XGBClassifier(n_estimators=2), "multi")]:
        est = factory().fit(X_TRAIN, TARGETS[target])
        est.save_model(tmp_path / "m.json")
        doc = json.loads((tmp_path / "m.json").read_text())
        validator.validate(doc)
    doc["state"]["_forest"] = {"type": "os.system"}
    assert not validator.is_valid(doc)


# ------------------------------------------------------------------ pickle
def _large_arrays(obj, limit, path="est", seen=None):
    """Paths of arrays (and lists) with at least ``limit`` elements."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    found = []
    if isinstance(obj, np.ndarray):
        found += [path] if obj.size >= limit else []
        items = enumerate(obj.ravel()) if obj.dtype == object else ()
    elif isinstance(obj, (list, tuple)):
        found += [path] if len(obj) >= limit else []
        items = enumerate(obj)
    elif isinstance(obj, dict):
        items = obj.items()
    elif hasattr(obj, "__dict__") and not isinstance(obj, type):
        items = vars(obj).items()
    else:
        items = ()
    for key, value in items:
        found += _large_arrays(value, limit, f"{path}.{key}", seen)
    return found




def _pickle_cases():
    cases = []
    for split in ("hist", "exact"):
        for cls, target, marks in [
                (GradientBoostingClassifier, "bin", []),
                (GradientBoostingRegressor, "reg", []),
                (RandomForestClassifier, "bin", []),
                (RandomForestRegressor, "reg", []),
                (AdaBoostClassifier, "bin", []),
                (AdaBoostRegressor, "reg", []),
                (XGBClassifier, "bin", []), (XGBRegressor, "reg", [])]:
            cases.append(pytest.param(cls, target, split, marks=marks,
                                      id=f"{cls.__name__}-{split}"))
    return cases


@pytest.mark.parametrize("cls, target, split", _pickle_cases())
def test_pickle_holds_no_training_buffers(cls, target, split):
    """A fitted model's pickle grows with its nodes, not with its rows: no
    array as long as the training set survives the fit."""
    n_samples = 3001
    X, targets = _data(n_samples, seed=2)
    key = "split_method" if "split_method" in cls().get_params() else "tree_method"
    est = cls(n_estimators=3, max_depth=3, **{key: split, "max_bins" if key ==
              "split_method" else "max_bin": 32}, random_state=0)
    est.fit(X, targets[target])
    data = pickle.dumps(est)
    assert _large_arrays(pickle.loads(data), n_samples - 10) == []
    n_nodes = sum(tree.node_count for tree in est._forest.trees)
    assert len(data) < 12_000 + 250 * n_nodes


_BOUNDSCHECK_SCRIPT = r"""
import json, sys
import numpy as np
import skboost
rng = np.random.RandomState(0)
X = rng.normal(size=(300, 4)); X[::7, 1] = np.nan
y = (X[:, 0] > 0).astype(int)
path = sys.argv[1]
est = skboost.GradientBoostingClassifier(n_estimators=5, max_depth=3).fit(X, y)
est.save_model(path)
assert np.array_equal(skboost.load_model(path).predict_proba(X), est.predict_proba(X))
doc = json.load(open(path))

def tree(d):
    return d["state"]["_forest"]["attrs"]["trees"]["items"][0]["attrs"]

def internal(d):
    return tree(d)["left"]["data"].index(next(v for v in tree(d)["left"]["data"] if v > 0))

def child_out_of_range(d):
    tree(d)["left"]["data"][internal(d)] = 10 ** 6

def negative_feature(d):
    tree(d)["feature"]["data"][internal(d)] = -3

def nan_threshold(d):
    tree(d)["threshold"]["data"][internal(d)] = {"float": "nan"}

for corrupt in (child_out_of_range, negative_feature, nan_threshold):
    bad = json.loads(json.dumps(doc))
    corrupt(bad)
    with open(path, "w") as f:
        json.dump(bad, f)
    try:
        skboost.load_model(path).predict(X)
    except ValueError:
        continue
    raise SystemExit(f"{corrupt.__name__}: no ValueError")
with open(path, "w") as f:
    f.write(json.dumps(doc)[:500])
try:
    skboost.load_model(path)
except ValueError:
    print("ok")
else:
    raise SystemExit("truncated file: no ValueError")
"""


@pytest.mark.slow
def test_corrupt_files_rejected_with_bounds_checked_kernels(tmp_path):
    """The load-time checks run before any kernel: with every kernel compiled
    with bounds checks (a fresh cache, since cached kernels keep the checks
    they were compiled with), valid files predict and corrupt ones raise
    ValueError, never an out-of-bounds access."""
    import os
    import subprocess
    import sys
    env = dict(os.environ, NUMBA_BOUNDSCHECK="1", NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    result = subprocess.run([sys.executable, "-c", _BOUNDSCHECK_SCRIPT,
                             str(tmp_path / "model.json")], env=env, capture_output=True,
                            text=True, timeout=1200)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("ok")


def test_binary_file_is_named_as_not_a_model_file(tmp_path):
    """xgboost's UBJSON (or any binary file) is refused with a message that
    says what skboost reads, not a codec error."""
    import xgboost
    X, targets = _data(200, seed=3)
    path = tmp_path / "model.ubj"
    xgboost.XGBRegressor(n_estimators=2).fit(X, targets["reg"]).save_model(path)
    with pytest.raises(ValueError, match="not a text \\(JSON\\) file"):
        XGBRegressor().load_model(path)
