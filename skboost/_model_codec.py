"""A typed JSON codec of estimator state, driven by a whitelist of types.

Every value written to a model file is either a JSON scalar (``null``,
``true``/``false``, an integer, a finite number, a string) or an object
``{"type": NAME, ...}`` whose ``NAME`` is a key of the registry below.
Decoding accepts nothing else, so a file can only ever build the types
listed here, each checked by its own ``decode`` before any kernel sees it.

Adding a type is one :func:`register` (or :func:`register_object`) call.
"""
import math
import re

import numpy as np

from ._binning import BinMapper
from ._presort import ColumnBlocks
from ._kernels.categorical import BITSET_WORDS
from ._tree import LEAF, Forest, Tree

# Bounds on what a file may ask for: nesting depth of encoded values, array
# dimensions, width of fixed-length strings.
MAX_DEPTH = 64
MAX_NDIM = 8
MAX_STR_WIDTH = 1 << 16
MAX_NODES = np.iinfo(np.int32).max  # node indices of a packed forest are int32

NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
NUMERIC_DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                  "uint64", "float32", "float64")
_ATTR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

_BY_NAME = {}
_BY_TYPE = {}


class Codec:
    """One registry entry.

    Parameters
    ----------
    name : str
        The ``"type"`` written in files.
    types : tuple of type
        Python types encoded by this entry (matched exactly, not by subclass,
        so that a subclass is never saved as its parent).
    encode : callable ``(obj, path) -> dict``
        The payload (without ``"type"``).
    decode : callable ``(payload, ctx, path) -> object``
        Builds and validates the value; raises ``ValueError``.
    """

    def __init__(self, name, types, encode, decode):
        self.name, self.types, self.encode, self.decode = name, tuple(types), encode, decode


def register(name, types, encode, decode):
    """Add a type to the whitelist (see :class:`Codec`)."""
    if name in _BY_NAME:
        raise ValueError(f"codec {name!r} is already registered")
    entry = Codec(name, types, encode, decode)
    _BY_NAME[name] = entry
    for t in entry.types:
        _BY_TYPE[t] = entry
    return entry


class Context:
    """What decoding needs to know beyond one value.

    Attributes
    ----------
    n_features : int or None
        ``n_features_in_`` of the estimator being loaded: split features of
        every tree must lie below it.
    depth : int
        Current nesting depth.
    owners : list
        Objects that point back at the estimator (``EngineTree``); their
        owner is set once the estimator exists.
    """

    def __init__(self, n_features=None):
        self.n_features = n_features
        self.depth = 0
        self.owners = []


def fail(path, message):
    """Raise the ``ValueError`` every decoding problem becomes."""
    raise ValueError(f"invalid model file: {path}: {message}")


# ---------------------------------------------------------------- dispatch
def encode(obj, path="state"):
    """The JSON form of ``obj``; ``ValueError`` for a type not whitelisted."""
    t = type(obj)
    if obj is None or t in (bool, int, str):
        return obj
    if t is float:
        return obj if math.isfinite(obj) else {"type": "float", "value": _nonfinite(obj)}
    entry = _BY_TYPE.get(t)
    if entry is None and isinstance(obj, type):
        entry = _BY_TYPE.get(("scalar-type", obj))
    if entry is None and isinstance(obj, np.dtype):
        entry = _BY_NAME["npdtype"]
    if entry is None:
        raise ValueError(f"{path}: a value of type {t.__module__}.{t.__qualname__} cannot be "
                         "saved safely (no codec is registered for it in "
                         "skboost._model_codec).")
    return {"type": entry.name, **entry.encode(obj, path)}


def decode(value, ctx, path="state"):
    """The Python value of an encoded ``value``; ``ValueError`` when invalid."""
    t = type(value)
    if value is None or t in (bool, int, str, float):
        return value  # the parser has rejected non-finite numbers
    if t is not dict:
        fail(path, f"expected a scalar or a typed object, got a JSON {_kind(value)}")
    name = value.get("type")
    entry = _BY_NAME.get(name) if isinstance(name, str) else None
    if entry is None:
        fail(path, f"unknown type {name!r}")
    if ctx.depth >= MAX_DEPTH:
        fail(path, f"values nested deeper than {MAX_DEPTH} levels")
    ctx.depth += 1
    try:
        return entry.decode(value, ctx, path)
    finally:
        ctx.depth -= 1


def fields(payload, path, required, optional=()):
    """Check the keys of a typed object; return it."""
    keys = set(payload) - {"type"}
    missing = set(required) - keys
    extra = keys - set(required) - set(optional)
    if missing:
        fail(path, f"missing key(s) {sorted(missing)}")
    if extra:
        fail(path, f"unexpected key(s) {sorted(extra)}")
    return payload


def expect(value, kinds, path, what):
    """``value`` if it is an instance of ``kinds`` (bool is never an int here)."""
    if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
        fail(path, f"{what} must be {' or '.join(k.__name__ for k in kinds)}, "
                   f"got {_kind(value)}")
    return value


def _kind(value):
    names = {dict: "object", list: "array", str: "string", bool: "boolean",
             type(None): "null", int: "integer", float: "number"}
    return names.get(type(value), type(value).__name__)


def _nonfinite(x):
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


# ------------------------------------------------------- plain containers
def _decode_float(payload, ctx, path):
    value = fields(payload, path, ["value"])["value"]
    if type(value) is not str or value not in NONFINITE:
        fail(path, f"a float's value must be one of {sorted(NONFINITE)}, got {value!r}")
    return NONFINITE[value]


def _decode_items(payload, ctx, path):
    items = expect(fields(payload, path, ["items"])["items"], (list,), path, "items")
    return [decode(v, ctx, f"{path}[{i}]") for i, v in enumerate(items)]


def _encode_dict(obj, path):
    return {"items": [[encode(k, f"{path} key"), encode(v, f"{path}[{k!r}]")]
                      for k, v in obj.items()]}


def _decode_dict(payload, ctx, path):
    out = {}
    for pair in expect(fields(payload, path, ["items"])["items"], (list,), path, "items"):
        if type(pair) is not list or len(pair) != 2:
            fail(path, "dict items must be [key, value] pairs")
        key = decode(pair[0], ctx, f"{path} key")
        if key is not None and type(key) not in (str, int, float, bool):
            fail(path, f"dict keys must be scalars, got {type(key).__name__}")
        if key in out:
            fail(path, f"duplicate dict key {key!r}")
        out[key] = decode(pair[1], ctx, f"{path}[{key!r}]")
    return out


register("float", (), None, _decode_float)
register("list", (list,), lambda o, p: {"items": [encode(v, f"{p}[{i}]")
                                                  for i, v in enumerate(o)]}, _decode_items)
register("tuple", (tuple,), lambda o, p: {"items": [encode(v, f"{p}[{i}]")
                                                    for i, v in enumerate(o)]},
         lambda d, c, p: tuple(_decode_items(d, c, p)))
register("dict", (dict,), _encode_dict, _decode_dict)


# ------------------------------------------------------------------ numpy
def _dtype_name(dtype, path):
    """The file's name of a whitelisted dtype."""
    if dtype.name in NUMERIC_DTYPES or dtype == object:
        return dtype.name
    if dtype.kind == "U":
        return f"U{dtype.itemsize // 4}"
    raise ValueError(f"{path}: arrays of dtype {dtype} cannot be saved safely.")


def _parse_dtype(name, path):
    if not isinstance(name, str):
        fail(path, "dtype must be a string")
    if name in NUMERIC_DTYPES or name == "object":
        return np.dtype(name)
    match = re.fullmatch(r"U([0-9]{1,6})", name)
    if match and int(match.group(1)) <= MAX_STR_WIDTH:
        return np.dtype(f"<U{match.group(1)}")
    fail(path, f"dtype {name!r} is not allowed")


def _encode_elements(flat, dtype, path):
    """A flat list of JSON values for the elements of an array."""
    if dtype == object:
        out = [encode(v, path) for v in flat]
        if any(type(v) is dict and v["type"] not in ("float", "npscalar") for v in out):
            raise ValueError(f"{path}: object arrays may only hold scalars.")
        return out
    values = flat.tolist()
    if dtype.kind == "f" and not np.isfinite(flat).all():
        values = [v if math.isfinite(v) else _nonfinite(v) for v in values]
    return values


def _encode_ndarray(arr, path):
    dtype = _dtype_name(arr.dtype, path)
    flat = np.ravel(arr, order="C")
    return {"dtype": dtype, "shape": list(arr.shape),
            "data": _encode_elements(flat, arr.dtype, path)}


def _decode_elements(data, dtype, ctx, path):
    """Build a flat array of ``dtype`` from checked JSON values."""
    if dtype == object:
        out = np.empty(len(data), dtype=object)
        for i, v in enumerate(data):
            out[i] = decode(v, ctx, f"{path}[{i}]")
            if out[i] is not None and type(out[i]) not in (str, int, float, bool) \
                    and not isinstance(out[i], np.generic):
                fail(path, "object arrays may only hold scalars")
        return out
    if dtype.kind == "U":
        width = dtype.itemsize // 4
        if not all(type(v) is str and len(v) <= width for v in data):
            fail(path, f"elements must be strings of at most {width} characters")
        return np.array(data, dtype=dtype).reshape(len(data))
    if dtype.kind == "b":
        if not all(type(v) is bool for v in data):
            fail(path, "elements of a bool array must be true or false")
        return np.array(data, dtype=dtype).reshape(len(data))
    if dtype.kind in "iu":
        if not all(type(v) is int for v in data):
            fail(path, f"elements of a {dtype.name} array must be integers")
        info = np.iinfo(dtype)
        if data and (min(data) < info.min or max(data) > info.max):
            fail(path, f"an element is out of the range of {dtype.name}")
        return np.array(data, dtype=dtype).reshape(len(data))
    if not all(type(v) in (int, float) for v in data):  # rare: non-finite values
        if not all(type(v) in (int, float) or (type(v) is str and v in NONFINITE)
                   for v in data):
            fail(path, "elements of a float array must be numbers or "
                       f"one of {sorted(NONFINITE)}")
        data = [NONFINITE[v] if type(v) is str else v for v in data]
    with np.errstate(over="ignore"):
        return np.array(data, dtype=dtype).reshape(len(data))


def _decode_ndarray(payload, ctx, path):
    fields(payload, path, ["dtype", "shape", "data"])
    dtype = _parse_dtype(payload["dtype"], path)
    shape = expect(payload["shape"], (list,), path, "shape")
    if len(shape) > MAX_NDIM or not all(type(s) is int and s >= 0 for s in shape):
        fail(path, f"shape must be a list of at most {MAX_NDIM} non-negative integers")
    data = expect(payload["data"], (list,), path, "data")
    if math.prod(shape) != len(data):  # Python ints: no overflow
        fail(path, f"shape {shape} does not match {len(data)} values")
    return _decode_elements(data, dtype, ctx, path).reshape(shape)


def _encode_npscalar(obj, path):
    dtype = _dtype_name(obj.dtype, path)
    return {"dtype": dtype, "value": _encode_elements(np.array([obj]), obj.dtype, path)[0]}


def _decode_npscalar(payload, ctx, path):
    fields(payload, path, ["dtype", "value"])
    dtype = _parse_dtype(payload["dtype"], path)
    if dtype == object:
        fail(path, "numpy scalars cannot be objects")
    return _decode_elements([payload["value"]], dtype, ctx, path)[0]


def _decode_scalar_type(payload, ctx, path):
    dtype = _parse_dtype(fields(payload, path, ["name"])["name"], path)
    if dtype == object or dtype.kind == "U":
        fail(path, "only numeric scalar types are allowed")
    return dtype.type


def _decode_npdtype(payload, ctx, path):
    return np.dtype(_parse_dtype(fields(payload, path, ["name"])["name"], path))


register("ndarray", (np.ndarray,), _encode_ndarray, _decode_ndarray)
register("npscalar", tuple(np.dtype(n).type for n in NUMERIC_DTYPES) + (np.str_,),
         _encode_npscalar, _decode_npscalar)
_scalar_types = register("scalar_type", (), lambda o, p: {"name": np.dtype(o).name},
                         _decode_scalar_type)
for _name in NUMERIC_DTYPES:
    _BY_TYPE[("scalar-type", np.dtype(_name).type)] = _scalar_types
register("npdtype", (), lambda o, p: {"name": _dtype_name(o, p)}, _decode_npdtype)


# ------------------------------------------------------- random generators
def _encode_random_state(rs, path):
    return {"state": encode(rs.get_state(legacy=False), path)}


def _decode_random_state(payload, ctx, path):
    state = decode(fields(payload, path, ["state"])["state"], ctx, path)
    if not isinstance(state, dict) or state.get("bit_generator") != "MT19937":
        fail(path, "a RandomState's state must be an MT19937 state dict")
    inner = state.get("state")
    key = inner.get("key") if isinstance(inner, dict) else None
    if not (isinstance(key, np.ndarray) and key.dtype == np.uint32 and key.shape == (624,)):
        fail(path, "an MT19937 key must be 624 uint32 values")
    rs = np.random.RandomState()
    try:
        rs.set_state(state)
    except (TypeError, ValueError, KeyError) as exc:
        fail(path, f"bad RandomState state: {exc}")
    return rs


_BIT_GENERATORS = {cls.__name__: cls for cls in (np.random.PCG64, np.random.PCG64DXSM,
                                                   np.random.MT19937, np.random.Philox,
                                                   np.random.SFC64)}


def _decode_generator(payload, ctx, path):
    state = decode(fields(payload, path, ["state"])["state"], ctx, path)
    name = state.get("bit_generator") if isinstance(state, dict) else None
    if not isinstance(name, str) or name not in _BIT_GENERATORS:
        fail(path, f"bit generator must be one of {sorted(_BIT_GENERATORS)}")
    bit_generator = _BIT_GENERATORS[name]()
    try:
        bit_generator.state = state
    except (TypeError, ValueError, KeyError, OverflowError) as exc:
        fail(path, f"bad {name} state: {exc}")
    return np.random.Generator(bit_generator)


register("RandomState", (np.random.RandomState,), _encode_random_state, _decode_random_state)
register("Generator", (np.random.Generator,),
         lambda g, p: {"state": encode(g.bit_generator.state, p)}, _decode_generator)


# ------------------------------------------------------ whitelisted objects
def check_attribute_name(cls, name, path):
    """Reject names that could shadow a method or property of ``cls``."""
    if not isinstance(name, str) or not _ATTR_NAME.match(name) or name.startswith("__"):
        fail(path, f"bad attribute name {name!r}")
    attr = getattr(cls, name, None)
    if callable(attr) or isinstance(attr, (property, classmethod, staticmethod)):
        fail(path, f"attribute {name!r} would shadow {cls.__name__}.{name}")


def encode_attributes(obj, path, exclude=()):
    """The instance attributes of ``obj`` (less ``exclude``) as a JSON object."""
    return {k: encode(v, f"{path}.{k}") for k, v in vars(obj).items() if k not in exclude}


def decode_attributes(cls, attrs, ctx, path):
    """Checked attribute dict of a ``cls`` instance."""
    expect(attrs, (dict,), path, "attrs")
    out = {}
    for name, value in attrs.items():
        check_attribute_name(cls, name, path)
        out[name] = decode(value, ctx, f"{path}.{name}")
    return out


def register_object(name, cls, exclude=(), build=None, check=None):
    """Whitelist a class saved as its instance attributes.

    Parameters
    ----------
    name : str
    cls : type
    exclude : tuple of str
        Attributes not written (caches, training-only buffers).
    build : callable ``(cls, attrs, path) -> object``, optional
        Makes the instance; default: ``cls.__new__`` plus the attributes.
    check : callable ``(obj, ctx, path)``, optional
        Validates the built instance (raises through :func:`fail`).
    """
    def _encode(obj, path):
        return {"attrs": encode_attributes(obj, path, exclude)}

    def _decode(payload, ctx, path):
        attrs = decode_attributes(cls, fields(payload, path, ["attrs"])["attrs"], ctx, path)
        if build is not None:
            obj = build(cls, attrs, path)
        else:
            obj = cls.__new__(cls)
            obj.__dict__.update(attrs)
        if check is not None:
            check(obj, ctx, path)
        return obj

    return register(name, (cls,), _encode, _decode)


def _attrs(obj, path, spec):
    """Check the types of some attributes of ``obj``: ``spec`` maps names to
    allowed types."""
    for name, kinds in spec.items():
        if name not in vars(obj):
            fail(path, f"missing attribute {name!r}")
        expect(vars(obj)[name], kinds, f"{path}.{name}", name)


def array(value, path, dtype, ndim):
    """``value`` if it is an ndarray of exactly ``dtype`` and ``ndim``."""
    if not isinstance(value, np.ndarray) or value.dtype != np.dtype(dtype) \
            or value.ndim != ndim:
        fail(path, f"must be a {ndim}-D array of {np.dtype(dtype).name}")
    return value


# Tree --------------------------------------------------------------------
TREE_DTYPES = {"feature": np.int32, "threshold": np.float64, "threshold_bin": np.int32,
               "missing_left": np.uint8, "left": np.int32, "right": np.int32,
               "value": np.float64, "gain": np.float64, "cover": np.float64,
               "n_samples": np.int64, "categorical": np.uint8, "cat_bitset": np.uint32}


def _build_tree(cls, attrs, path):
    missing = set(Tree.FIELDS) - set(attrs)
    extra = set(attrs) - set(Tree.FIELDS)
    if missing or extra:
        fail(path, f"tree fields differ from {list(Tree.FIELDS)}")
    if not isinstance(attrs["value"], np.ndarray) or attrs["value"].ndim != 2:
        fail(f"{path}.value", "must be a 2-D array")
    n = attrs["value"].shape[0]
    for name in Tree.FIELDS:  # fields added later: any array with one row per node
        dtype = TREE_DTYPES.get(name)
        a = attrs[name]
        if dtype is not None:
            array(a, f"{path}.{name}", dtype, 2 if name in ("value", "cat_bitset") else 1)
        elif not isinstance(a, np.ndarray) or a.ndim < 1 or a.dtype == object:
            fail(f"{path}.{name}", "must be a numeric array")
        if a.shape[0] != n:
            fail(path, f"node arrays differ in length ({name}: {a.shape[0]}, value: {n})")
    return cls(**attrs)


def check_tree(tree, ctx, path):
    """Structural checks that make every traversal of ``tree`` safe: it
    terminates (children after parents, each node reached once) and reads
    only existing nodes and features."""
    n = tree.node_count
    if n < 1 or n > MAX_NODES:
        fail(path, f"a tree needs between 1 and {MAX_NODES} nodes, got {n}")
    if tree.value.shape[1] < 1:
        fail(path, "node values need at least one column")
    left, right = tree.left.astype(np.int64), tree.right.astype(np.int64)
    leaf = left == LEAF
    if not np.array_equal(leaf, right == LEAF):
        fail(path, "a node must have both children or none")
    node = np.arange(n)
    internal = ~leaf
    for side, child in (("left", left), ("right", right)):
        bad = internal & ((child <= node) | (child >= n))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            fail(path, f"node {i}: {side} child {child[i]} is not in ({i}, {n})")
    # every node but the root is the child of exactly one node: a tree, no DAG
    refs = np.bincount(np.concatenate([left[internal], right[internal]]), minlength=n)
    if refs[0] != 0 or np.any(refs[1:] != 1):
        fail(path, "every node but the root must have exactly one parent")
    feature = tree.feature[internal]
    limit = ctx.n_features
    if feature.size and (feature.min() < 0 or (limit is not None and feature.max() >= limit)):
        fail(path, f"split features must lie in [0, {limit})")
    if tree.cat_bitset.shape != (n, BITSET_WORDS):
        fail(path, f"cat_bitset must have shape (n_nodes, {BITSET_WORDS})")
    categorical = tree.categorical == 1
    if np.any(tree.categorical > 1) or np.any(categorical & leaf):
        fail(path, "categorical must be 0 or 1, and 0 on leaves")
    numeric = internal & ~categorical
    if np.isnan(tree.threshold[numeric]).any() or np.isneginf(tree.threshold[numeric]).any():
        fail(path, "thresholds must not be NaN or -inf (+inf splits off missing values)")
    if np.any(tree.missing_left > 1):
        fail(path, "missing_left must be 0 or 1")
    for name in ("value", "gain", "cover"):
        if not np.isfinite(getattr(tree, name)).all():
            fail(path, f"{name} must be finite")
    if np.any(tree.n_samples < 0):
        fail(path, "n_samples must be non-negative")


register_object("Tree", Tree, build=_build_tree, check=check_tree)


# Forest ------------------------------------------------------------------
def check_forest(forest, ctx, path):
    """Trees, columns and widths of a forest: every tree writes inside
    ``n_outputs`` columns, and the packed node indices fit in int32."""
    _attrs(forest, path, {"n_outputs": (int,), "trees": (list,), "columns": (list,)})
    if set(vars(forest)) != {"n_outputs", "trees", "columns"}:
        fail(path, "a forest has exactly the attributes n_outputs, trees, columns")
    forest._packed = None
    if forest.n_outputs < 1:
        fail(path, "n_outputs must be at least 1")
    if len(forest.trees) != len(forest.columns):
        fail(path, "one column per tree is needed")
    widths = set()
    total = 0
    for t, (tree, column) in enumerate(zip(forest.trees, forest.columns)):
        if type(tree) is not Tree or type(column) is not int:
            fail(f"{path}.trees[{t}]", "trees must be Tree objects with int columns")
        width = tree.value.shape[1]
        widths.add(width)
        if column < 0 or column + width > forest.n_outputs:
            fail(f"{path}.trees[{t}]", f"column {column} + {width} values exceeds "
                                       f"n_outputs {forest.n_outputs}")
        total += tree.node_count
    if len(widths) > 1:
        fail(path, "all trees of a forest must have the same value width")
    if total > MAX_NODES:
        fail(path, "too many nodes in one forest")


register_object("Forest", Forest, exclude=("_packed",), check=check_forest)


# Binning -----------------------------------------------------------------
def _check_bin_mapper(mapper, ctx, path):
    """Thresholds sorted and finite, bin counts and the missing bin consistent;
    the kernels' flat arrays are rebuilt here, never read from the file."""
    _attrs(mapper, path, {"thresholds_": (list,), "n_bins_non_missing_": (np.ndarray,),
                          "missing_bin_": (int,), "max_bins": (int, type(None))})
    exact = mapper.max_bins is None
    if not exact and not 2 <= mapper.max_bins <= 255:
        fail(path, "max_bins must be in [2, 255] or None")
    thresholds = mapper.thresholds_
    if ctx.n_features is not None and len(thresholds) != ctx.n_features:
        fail(path, f"{len(thresholds)} threshold arrays for {ctx.n_features} features")
    for f, t in enumerate(thresholds):
        array(t, f"{path}.thresholds_[{f}]", np.float64, 1)
        if not np.isfinite(t).all() or np.any(np.diff(t) < 0):
            fail(f"{path}.thresholds_[{f}]", "thresholds must be finite and sorted")
        if not exact and t.size > mapper.max_bins - 1:
            fail(f"{path}.thresholds_[{f}]", "more thresholds than max_bins allows")
    sizes = np.array([t.size + 1 for t in thresholds], dtype=np.int32)
    array(mapper.n_bins_non_missing_, f"{path}.n_bins_non_missing_", np.int32, 1)
    if not np.array_equal(mapper.n_bins_non_missing_, sizes):
        fail(path, "n_bins_non_missing_ does not match the thresholds")
    expected_missing = int(sizes.max(initial=1)) if exact else mapper.max_bins
    if mapper.missing_bin_ != expected_missing:
        fail(path, f"missing_bin_ must be {expected_missing}")
    dtype = np.int32 if exact else np.uint8
    if vars(mapper).get("bin_dtype_") is not dtype:
        fail(path, f"bin_dtype_ must be {np.dtype(dtype).name}")
    mapper._flat = np.concatenate(thresholds + [np.empty(0)]).astype(np.float64)
    mapper._offsets = np.zeros(len(thresholds) + 1, dtype=np.int64)
    mapper._offsets[1:] = np.cumsum(sizes - 1)


# Training data never goes into a file (ColumnBlocks.drop_training_data's
# list, plus the kernels' flat copies rebuilt on load).
_TRAINING_ONLY = ("X_rank_", "order_", "order_rank_", "nan_rows_", "values_")
register_object("BinMapper", BinMapper, exclude=("_flat", "_offsets"),
                check=_check_bin_mapper)
register_object("ColumnBlocks", ColumnBlocks, exclude=("_flat", "_offsets") + _TRAINING_ONLY,
                check=_check_bin_mapper)


# Losses and objectives -----------------------------------------------------
def _check_loss(loss, ctx, path):
    """Same attributes, of the same types, as a default instance of the class;
    finite numbers; one tree per iteration except for multi-tree losses."""
    template = vars(type(loss)())
    if set(vars(loss)) != set(template):
        fail(path, f"a {type(loss).__name__} has the attributes {sorted(template)}")
    for name, default in template.items():
        value = vars(loss)[name]
        if type(value) is not type(default):
            fail(f"{path}.{name}", f"must be {type(default).__name__}")
        if type(value) is float and not math.isfinite(value):
            fail(f"{path}.{name}", "must be finite")
    n_trees = loss.n_trees
    if n_trees < 1 or (template["n_trees"] == 1 and n_trees != 1):
        fail(f"{path}.n_trees", f"{n_trees} trees per iteration is not possible "
                                f"for a {type(loss).__name__}")


def _check_objective(objective, ctx, path):
    n_outputs = getattr(objective, "n_outputs", 1)
    if type(n_outputs) is not int or n_outputs < 1:
        fail(f"{path}.n_outputs", "must be a positive int")


def _public_subclasses(base, module):
    """Concrete subclasses of ``base`` defined in ``module`` (not ``_Private``)."""
    found, stack = [], [base]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__ == module and not cls.__name__.startswith("_"):
            found.append(cls)
    return sorted(found, key=lambda c: c.__name__)


def _register_losses():
    from . import _losses
    for cls in _public_subclasses(_losses.Loss, _losses.__name__):
        if cls is not _losses.Loss:
            register_object(f"losses.{cls.__name__}", cls, check=_check_loss)


def _register_objectives():
    try:  # the xgboost-like family's objectives, where that family exists
        from . import _objectives
    except ImportError:  # pragma: no cover
        return
    for cls in _public_subclasses(_objectives.Objective, _objectives.__name__):
        if cls is not _objectives.Objective:
            register_object(f"objectives.{cls.__name__}", cls, check=_check_objective)


_register_losses()
_register_objectives()


# scikit-learn helpers kept by the families: GradientBoosting's init_
# (DummyClassifier / DummyRegressor), the XGB classifier's LabelEncoder
def _register_sklearn_helpers():
    from sklearn.dummy import DummyClassifier, DummyRegressor
    from sklearn.preprocessing import LabelEncoder
    for cls in (DummyClassifier, DummyRegressor, LabelEncoder):
        register_object(f"sklearn.{cls.__name__}", cls)


_register_sklearn_helpers()


# EngineTree: scikit-learn's per-tree view; its owner is the loaded estimator
def _decode_engine_tree(payload, ctx, path):
    from .ensemble._base import EngineTree
    tree = decode(fields(payload, path, ["tree"])["tree"], ctx, f"{path}.tree")
    if type(tree) is not Tree:
        fail(path, "an EngineTree holds a Tree")
    engine_tree = EngineTree(tree, None)
    ctx.owners.append(engine_tree)
    return engine_tree


def _register_engine_tree():
    from .ensemble._base import EngineTree
    register("EngineTree", (EngineTree,),
             lambda o, p: {"tree": encode(o.tree_, f"{p}.tree_")}, _decode_engine_tree)


_register_engine_tree()
