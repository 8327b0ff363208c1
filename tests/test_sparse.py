"""Sparse input (scipy CSR/CSC matrices and sparse arrays) in every estimator.

The contract: implicit zeros are the value 0, stored NaN values are missing,
and a model fitted on a sparse matrix is the model fitted on its dense copy
(same thresholds, same trees), so every prediction method gives identical
results on either.
"""
import tracemalloc

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from scipy import sparse
from sklearn.tree import DecisionTreeClassifier

import skboost._data as data_module
from skboost import (AdaBoostClassifier, AdaBoostRegressor, GradientBoostingClassifier,
                     GradientBoostingRegressor, RandomForestClassifier,
                     RandomForestRegressor)
from skboost._binning import BinMapper
from skboost._presort import ColumnBlocks

ESTIMATORS = [
    (GradientBoostingClassifier, dict(n_estimators=5, max_depth=3)),
    (GradientBoostingRegressor, dict(n_estimators=5, max_depth=3)),
    (RandomForestClassifier, dict(n_estimators=4, max_depth=6)),
    (RandomForestRegressor, dict(n_estimators=4, max_depth=6)),
    (AdaBoostClassifier, dict(n_estimators=4, max_depth=2)),
    (AdaBoostRegressor, dict(n_estimators=4, max_depth=2)),
]
IDS = [cls.__name__ for cls, _ in ESTIMATORS]

PREDICT_METHODS = ("predict", "predict_proba", "decision_function", "apply")
STAGED_METHODS = ("staged_predict", "staged_predict_proba", "staged_decision_function")


def _make(cls, params, split_method, **extra):
    return cls(split_method=split_method, random_state=0, **params, **extra)


def _outputs(est, X):
    """Every prediction-like output of ``est`` on ``X``, as a dict of arrays."""
    out = {}
    for name in PREDICT_METHODS:
        if hasattr(est, name):
            out[name] = getattr(est, name)(X)
    for name in STAGED_METHODS:
        if hasattr(est, name):
            out[name] = np.stack(list(getattr(est, name)(X)))
    if hasattr(est, "decision_path"):
        indicator, ptr = est.decision_path(X)
        out["decision_path"] = indicator.toarray()
        out["n_nodes_ptr"] = ptr
    return out


def _assert_same_outputs(a, b):
    assert a.keys() == b.keys()
    for name in a:
        assert_array_equal(a[name], b[name], err_msg=name)


@pytest.fixture(scope="module")
def agaricus(load):
    X, y, _ = load("agaricus")
    rows = np.random.RandomState(0).choice(X.shape[0], 3000, replace=False)
    return X[np.sort(rows)], y[np.sort(rows)]


def _target(cls, y):
    """Class labels for classifiers, a numeric target for regressors."""
    if "Regressor" in cls.__name__:
        return y * 2.0 + np.linspace(0.0, 1.0, y.size)
    return y


@pytest.mark.parametrize("split_method", ["hist", "exact"])
@pytest.mark.parametrize("cls, params", ESTIMATORS, ids=IDS)
def test_agaricus_sparse_equals_dense(agaricus, cls, params, split_method):
    X, y = agaricus
    assert sparse.issparse(X)
    y = _target(cls, y)
    dense = X.toarray()
    on_sparse = _make(cls, params, split_method).fit(X, y)
    on_dense = _make(cls, params, split_method).fit(dense, y)
    expected = _outputs(on_dense, dense)
    _assert_same_outputs(_outputs(on_sparse, X), expected)
    # the same model reads either input
    _assert_same_outputs(_outputs(on_sparse, dense), expected)
    _assert_same_outputs(_outputs(on_dense, X), expected)


def _random_sparse(n=600, d=12, density=0.15, seed=0):
    rng = np.random.RandomState(seed)
    X = sparse.random(n, d, density=density, format="csr", random_state=rng,
                      data_rvs=lambda k: rng.normal(size=k))
    y = (X @ rng.normal(size=d) > 0).astype(int)
    return X, y


@pytest.mark.parametrize("fmt", ["csr_matrix", "csc_matrix", "csr_array", "csc_array",
                                 "coo_matrix", "csr_int64_indices"])
@pytest.mark.parametrize("split_method", ["hist", "exact"])
def test_sparse_formats_give_the_same_model(fmt, split_method):
    X, y = _random_sparse()
    if fmt == "csr_int64_indices":
        Xf = sparse.csr_matrix(X)
        Xf.indices = Xf.indices.astype(np.int64)
        Xf.indptr = Xf.indptr.astype(np.int64)
    else:
        Xf = getattr(sparse, fmt)(X)
    reference = GradientBoostingClassifier(n_estimators=5, split_method=split_method,
                                           random_state=0).fit(X.toarray(), y)
    est = GradientBoostingClassifier(n_estimators=5, split_method=split_method,
                                     random_state=0).fit(Xf, y)
    assert_array_equal(est.decision_function(Xf), reference.decision_function(X.toarray()))
    assert_array_equal(est.apply(Xf), reference.apply(X.toarray()))


def test_sparse_array_input_and_output_types():
    X, y = _random_sparse()
    est = RandomForestClassifier(n_estimators=3, random_state=0).fit(sparse.csr_array(X), y)
    assert isinstance(est.predict_proba(sparse.csc_array(X)), np.ndarray)
    assert est.n_features_in_ == X.shape[1]


@pytest.mark.parametrize("split_method", ["hist", "exact"])
def test_explicit_nan_in_sparse_is_missing(split_method):
    X, y = _random_sparse(n=800, density=0.3, seed=1)
    X = X.tocsr(copy=True)
    rng = np.random.RandomState(2)
    X.data[rng.rand(X.nnz) < 0.2] = np.nan  # stored NaN: missing values
    dense = X.toarray()
    assert np.isnan(dense).sum() == np.isnan(X.data).sum() > 0
    a = GradientBoostingClassifier(n_estimators=8, split_method=split_method,
                                   random_state=0).fit(X, y)
    b = GradientBoostingClassifier(n_estimators=8, split_method=split_method,
                                   random_state=0).fit(dense, y)
    assert_array_equal(a.decision_function(X), b.decision_function(dense))
    # missing really is a branch of its own: NaN rows are routed by missing_left,
    # zero rows by the threshold
    from skboost._binning import BinMapper
    mapper = BinMapper(None if split_method == "exact" else 255).fit(X)
    bins = mapper.transform(X)
    assert np.all(bins[np.isnan(dense)] == mapper.missing_bin_)


def test_explicit_zeros_are_zeros():
    X, y = _random_sparse(seed=3)
    X = X.tocoo()
    # explicit zeros at some positions that are implicit zeros
    extra_rows, extra_cols = np.nonzero(X.toarray() == 0)
    pick = slice(0, extra_rows.size, 7)
    with_zeros = sparse.csr_matrix(
        (np.concatenate([X.data, np.zeros(extra_rows[pick].size)]),
         (np.concatenate([X.row, extra_rows[pick]]),
          np.concatenate([X.col, extra_cols[pick]]))), shape=X.shape)
    assert with_zeros.nnz > X.nnz
    a = RandomForestRegressor(n_estimators=3, random_state=0).fit(with_zeros, y)
    b = RandomForestRegressor(n_estimators=3, random_state=0).fit(X.toarray(), y)
    assert_array_equal(a.predict(with_zeros), b.predict(X.toarray()))


@pytest.mark.parametrize("split_method", ["hist", "exact"])
def test_duplicate_entries_are_summed_without_touching_the_input(split_method):
    rng = np.random.RandomState(0)
    n, d = 300, 4
    rows = rng.randint(0, n, 900)
    cols = rng.randint(0, d, 900)
    order = np.lexsort((cols, rows))
    rows, cols = rows[order], cols[order]
    values = np.round(rng.normal(size=900), 1)
    indptr = np.searchsorted(rows, np.arange(n + 1))
    X = sparse.csr_matrix((values, cols, indptr), shape=(n, d))  # duplicates kept
    assert not X.has_canonical_format
    stored = X.data.copy()
    dense = X.toarray()  # duplicates summed
    y = (dense[:, 0] + dense[:, 1] > 0).astype(int)
    a = GradientBoostingClassifier(n_estimators=5, split_method=split_method,
                                   random_state=0).fit(X, y)
    b = GradientBoostingClassifier(n_estimators=5, split_method=split_method,
                                   random_state=0).fit(dense, y)
    assert_array_equal(a.decision_function(X), b.decision_function(dense))
    assert_array_equal(X.data, stored)  # the caller's matrix is untouched
    bins = BinMapper(max_bins=8).fit(X).transform(X)
    assert_array_equal(bins, BinMapper(max_bins=8).fit(dense).transform(dense))


@pytest.mark.parametrize("max_bins", [4, 255])
def test_binning_sparse_equals_dense_with_weights(max_bins):
    """Quantiles from stored values plus the implicit zeros' count and weight."""
    rng = np.random.RandomState(0)
    X = sparse.random(3000, 6, density=0.4, format="csr", random_state=rng)
    X.data = np.round(X.data * 50)  # ties and many distinct values
    X.data[::17] = np.nan
    w = rng.uniform(0.1, 3.0, size=X.shape[0])
    a = BinMapper(max_bins=max_bins, subsample=1000, random_state=0).fit(X, w)
    b = BinMapper(max_bins=max_bins, subsample=1000, random_state=0).fit(X.toarray(), w)
    for ta, tb in zip(a.thresholds_, b.thresholds_):
        assert_array_equal(ta, tb)
    assert_array_equal(a.transform(X), b.transform(X.toarray()))
    # zeros hold most of the weight: 0 has a bin of its own, below 1
    assert all(t[0] == 0.5 for t in a.thresholds_)


def _reference_thresholds(column, weights, max_bins):
    """Weighted quantile thresholds of one dense column, written plainly:
    every distinct value with its total weight, a threshold above the value
    where each quantile ``k / max_bins`` of the cumulative weight falls."""
    present = ~np.isnan(column)
    distinct, inverse = np.unique(column[present], return_inverse=True)
    if distinct.size <= 1:
        return np.empty(0)
    mids = distinct[:-1] / 2 + distinct[1:] / 2
    if distinct.size <= max_bins:
        return mids
    cumulative = np.cumsum(np.bincount(inverse, weights=weights[present]))
    targets = cumulative[-1] * np.arange(1, max_bins) / max_bins
    positions = np.minimum(np.searchsorted(cumulative, targets), distinct.size - 2)
    return mids[np.unique(positions)]


def test_sparse_thresholds_match_a_plain_weighted_quantile_reference():
    rng = np.random.RandomState(3)
    X = sparse.random(2000, 5, density=0.3, format="csc", random_state=rng)
    X.data = np.round(X.data * 40) - 10  # negative, zero and positive values
    w = rng.uniform(0.1, 3.0, size=X.shape[0])
    mapper = BinMapper(max_bins=8).fit(X, w)
    dense = X.toarray()
    for f in range(X.shape[1]):
        assert_array_equal(mapper.thresholds_[f], _reference_thresholds(dense[:, f], w, 8))


def test_column_blocks_sparse_equals_dense():
    X, _ = _random_sparse(n=400, d=5, density=0.3, seed=4)
    X = X.tocsr(copy=True)
    X.data[::11] = np.nan
    a = ColumnBlocks().fit(X)
    b = ColumnBlocks().fit(X.toarray())
    for name in ("X_rank_", "order_", "order_rank_", "order_offsets_", "nan_rows_",
                 "nan_offsets_"):
        assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for va, vb in zip(a.values_, b.values_):
        assert_array_equal(va, vb)
    assert all(0.0 in v for v in a.values_)  # implicit zeros are one value


def test_prediction_in_small_chunks(monkeypatch):
    """Chunk boundaries do not change predictions (chunks of 7 rows)."""
    X, y = _random_sparse(n=500, seed=5)
    est = GradientBoostingClassifier(n_estimators=10, random_state=0).fit(X, y)
    expected = est.predict_proba(X.toarray())
    leaves = est.apply(X.toarray())
    monkeypatch.setattr(data_module, "CHUNK_ROWS", 7)
    assert data_module.chunk_rows(X.shape[1]) == 7
    assert_array_equal(est.predict_proba(X), expected)
    assert_array_equal(est.apply(X), leaves)


def test_chunk_rows_bounded_by_memory():
    assert data_module.chunk_rows(10) == data_module.CHUNK_ROWS
    rows = data_module.chunk_rows(10_000)
    assert rows * 10_000 * 8 <= data_module.CHUNK_BYTES
    assert data_module.chunk_rows(10**9) == 1


def test_early_stopping_and_oob_on_sparse():
    X, y = _random_sparse(n=800, seed=6)
    kw = dict(n_estimators=30, n_iter_no_change=3, validation_fraction=0.2, random_state=0)
    a = GradientBoostingClassifier(**kw).fit(X, y)
    b = GradientBoostingClassifier(**kw).fit(X.toarray(), y)
    assert a.n_estimators_ == b.n_estimators_
    assert_array_equal(a.predict_proba(X), b.predict_proba(X.toarray()))
    kw = dict(n_estimators=5, oob_score=True, random_state=0)
    fa = RandomForestClassifier(**kw).fit(X, y)
    fb = RandomForestClassifier(**kw).fit(X.toarray(), y)
    assert fa.oob_score_ == fb.oob_score_
    assert_array_equal(fa.oob_decision_function_, fb.oob_decision_function_)


def test_adaboost_user_estimator_receives_sparse():
    X, y = _random_sparse(seed=7)
    est = AdaBoostClassifier(DecisionTreeClassifier(max_depth=2), n_estimators=3,
                             random_state=0).fit(X, y)
    dense = AdaBoostClassifier(DecisionTreeClassifier(max_depth=2), n_estimators=3,
                               random_state=0).fit(X.toarray(), y)
    assert_array_equal(est.predict_proba(X), dense.predict_proba(X.toarray()))


def test_engine_tree_methods_on_sparse():
    X, y = _random_sparse(seed=8)
    est = RandomForestClassifier(n_estimators=2, random_state=0).fit(X, y)
    tree = est.estimators_[0]
    assert_array_equal(tree.predict_proba(X), tree.predict_proba(X.toarray()))
    assert_array_equal(tree.apply(X), tree.apply(X.toarray()))


def test_fit_memory_stays_far_below_a_dense_copy():
    """200,000 x 2,000 at 0.1% density: a dense float64 copy would be 3.2 GB.

    Fit holds one CSC copy of the stored values and the uint8 bin matrix
    (n x d bytes = 400 MB), and frees them when it returns; prediction
    densifies 64 MiB of rows at a time.
    """
    n, d = 200_000, 2_000
    rng = np.random.RandomState(0)
    nnz = n * d // 1000
    # (scipy.sparse.random draws a permutation of all n * d cells: 3.2 GB)
    X = sparse.csr_matrix((rng.normal(size=nnz), (rng.randint(0, n, nnz),
                                                  rng.randint(0, d, nnz))), shape=(n, d))
    y = np.asarray(X[:, :10].sum(axis=1)).ravel() > 0
    dense_bytes = n * d * 8
    bins_bytes = n * d
    est = GradientBoostingClassifier(n_estimators=2, max_depth=2, random_state=0)
    tracemalloc.start()
    try:
        est.fit(X, y)
        after_fit, fit_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        proba = est.predict_proba(X)
        _, predict_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert proba.shape == (n, 2)
    assert after_fit < 0.1 * bins_bytes, after_fit / 2**20  # training data freed
    # the bin matrix plus about 10% of a dense copy (measured: 465 MiB
    # = 381 MiB of bins + 84 MiB)
    assert fit_peak < bins_bytes + 0.1 * dense_bytes, fit_peak / 2**20
    # two dense row chunks at most (the next is made while the last is in
    # use) plus the outputs (measured: 150 MiB)
    assert predict_peak < 3 * data_module.CHUNK_BYTES, predict_peak / 2**20
    assert 3 * data_module.CHUNK_BYTES < 0.1 * dense_bytes


def test_columns_with_nan_reads_stored_values():
    X, _ = _random_sparse(n=50, d=6, seed=9)
    X = X.tocsr(copy=True)
    X.data[X.indices == 4] = np.nan
    expected = np.isnan(X.toarray()).any(axis=0)
    assert expected[4] and expected.sum() == 1
    assert_array_equal(data_module.columns_with_nan(X), expected)
    assert_array_equal(data_module.columns_with_nan(sparse.csc_array(X)), expected)
    assert_array_equal(data_module.columns_with_nan(X.toarray()), expected)


def test_dense_input_is_one_chunk_without_copy():
    X = np.random.RandomState(0).normal(size=(10, 3))
    chunks = list(data_module.dense_row_chunks(X))
    assert len(chunks) == 1 and chunks[0][2] is X


@pytest.mark.parametrize("split_method", ["hist", "exact"])
def test_weighted_and_warm_started_fits_on_sparse(split_method):
    X, y = _random_sparse(n=700, seed=10)
    w = np.random.RandomState(0).uniform(0.2, 4.0, size=y.size)
    kw = dict(n_estimators=4, split_method=split_method, random_state=0, warm_start=True)
    a = GradientBoostingClassifier(**kw).fit(X, y, sample_weight=w)
    b = GradientBoostingClassifier(**kw).fit(X.toarray(), y, sample_weight=w)
    a.set_params(n_estimators=8).fit(X, y, sample_weight=w)
    b.set_params(n_estimators=8).fit(X.toarray(), y, sample_weight=w)
    assert_array_equal(a.decision_function(X), b.decision_function(X.toarray()))
    f = RandomForestRegressor(n_estimators=3, split_method=split_method,
                              random_state=0).fit(X, y, sample_weight=w)
    g = RandomForestRegressor(n_estimators=3, split_method=split_method,
                              random_state=0).fit(X.toarray(), y, sample_weight=w)
    assert_array_equal(f.predict(X), g.predict(X.toarray()))
