"""Sparse bin storage (``skboost._sparse_bins``) and its kernels.

Every kernel on sparse bins is checked against the dense-bin kernel or a
plain numpy reference on the same data, and every estimator fitted through
sparse bins against the same estimator fitted through the dense bin matrix.
The last test fits a 1,000,000 x 10,000 CSR matrix at 0.1% density in a
subprocess and bounds its peak memory far below the dense uint8 bin matrix
(10 GB), let alone a dense float copy (80 GB).
"""
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.metrics import log_loss

import skboost
import skboost._grower as grower_module
import skboost._sparse_bins as sparse_bins_module
from skboost._binning import BinMapper
from skboost._depth_first import DepthFirstGrower
from skboost._dtypes import INDEX_DTYPE
from skboost._kernels.categorical import BITSET_WORDS
from skboost._kernels.histogram import build_histograms
from skboost._kernels.partition import partition_nodes
from skboost._kernels.predict import predict_binned, predict_raw
from skboost._kernels.sparse import (build_histograms_sparse, build_histograms_sparse_rows,
                                     pack_node_rows,
                                     partition_nodes_sparse, predict_csr)
from skboost._sparse_bins import SparseBins
from skboost._tree import pack_trees


def _sparse_data(n=3000, d=40, density=0.03, seed=0, nan_share=0.05, decimals=2):
    """CSR with negative and positive values, explicit zeros and stored NaN."""
    rng = np.random.RandomState(seed)
    X = sparse.random(n, d, density=density, format="csr", random_state=rng,
                      data_rvs=lambda k: np.round(rng.normal(size=k), decimals))
    X.data[rng.rand(X.data.size) < nan_share] = np.nan
    X.data[rng.rand(X.data.size) < 0.05] = 0.0  # explicit zeros stay stored
    dense = X.toarray()
    score = np.nan_to_num(dense) @ rng.normal(size=d)
    return X, score


@pytest.fixture
def sparse_bins_always(monkeypatch):
    """Force sparse bins whatever the density (the estimators then run the
    sparse kernels on data small enough to compare with the dense path)."""
    monkeypatch.setattr(sparse_bins_module, "SPARSE_BINS_MAX_DENSITY", 1.0)


def _binned(X, max_bins=32):
    mapper = BinMapper(max_bins, random_state=0).fit(X)
    return mapper, mapper.transform(X), mapper.transform(X, sparse_output=True)


def test_sparse_bins_equal_the_dense_bin_matrix():
    X, _ = _sparse_data()
    mapper, dense, sb = _binned(X)
    assert isinstance(sb, SparseBins)
    assert_array_equal(sb.toarray(), dense)
    # only entries outside their feature's zero bin are kept, by row and by column
    assert sb.csc_rows.size == sb.csr_features.size == np.sum(dense != sb.zero_bin)
    rows = np.array([5, 0, 2999, 5], dtype=INDEX_DTYPE)
    assert_array_equal(sb.gather(rows), dense[rows])
    # a stored NaN is in the missing bin, an explicit zero in the zero bin
    coo = X.tocoo()
    nan = np.isnan(coo.data)
    assert np.all(dense[coo.row[nan], coo.col[nan]] == mapper.missing_bin_)
    zero = coo.data == 0.0
    assert_array_equal(dense[coo.row[zero], coo.col[zero]], sb.zero_bin[coo.col[zero]])


def test_dense_or_too_dense_input_keeps_the_dense_bin_matrix():
    X, _ = _sparse_data(density=0.3)
    mapper = BinMapper(32, random_state=0).fit(X)
    assert isinstance(mapper.transform(X, sparse_output=True), np.ndarray)
    assert isinstance(mapper.transform(X.toarray(), sparse_output=True), np.ndarray)
    assert isinstance(mapper.transform(X), np.ndarray)


def _node_ranges(n_rows, rng, n_nodes=3):
    """A permutation of the rows cut into ``n_nodes`` ranges, some rows left out."""
    sample_indices = rng.permutation(n_rows).astype(INDEX_DTYPE)
    cuts = np.sort(rng.choice(np.arange(1, n_rows - 100), n_nodes, replace=False))
    starts = np.concatenate([[0], cuts[:-1]]).astype(np.int64)
    ends = cuts.astype(np.int64)
    return sample_indices, starts, ends


@pytest.mark.parametrize("K", [1, 3])
def test_sparse_histograms_equal_brute_force_and_the_dense_kernel(K):
    """Both sparse kernels (a pass over all entries by column; the nodes'
    rows' entries only) against numpy and the dense-bin kernel."""
    X, _ = _sparse_data(seed=1)
    mapper, dense, sb = _binned(X)
    rng = np.random.RandomState(0)
    n, d = dense.shape
    g = rng.normal(size=(n, K))
    h = rng.uniform(0.5, 2.0, size=n)
    sample_indices, starts, ends = _node_ranges(n, rng)
    C, n_bins = K + 2, mapper.missing_bin_ + 1
    sums = np.array([np.concatenate([g[sample_indices[s:e]].sum(axis=0),
                                     [h[sample_indices[s:e]].sum(), e - s]])
                     for s, e in zip(starts, ends)])
    slots = np.array([2, 0, 1], dtype=np.int64)
    packed = np.empty((n, C))
    pack_node_rows(sample_indices, starts, ends, g, h, packed)
    got = np.full((3, d, n_bins, C), np.nan)
    build_histograms_sparse(sb.csc_indptr, sb.csc_rows, sb.csc_bins, sb.zero_bin, packed,
                            sums, slots, mapper.n_bins_non_missing_, mapper.missing_bin_, got)
    by_rows = np.full((3, d, n_bins, C), np.nan)
    build_histograms_sparse_rows(*sb.csr, sb.zero_bin, sample_indices, starts, ends, g, h,
                                 sums, slots, mapper.n_bins_non_missing_,
                                 mapper.missing_bin_, by_rows)
    dense_hist = np.full((3, d, n_bins, C), np.nan)
    ordered_g = g[sample_indices]
    ordered_h = h[sample_indices]
    build_histograms(dense, sample_indices, ordered_g, ordered_h, starts, ends, slots,
                     mapper.n_bins_non_missing_, mapper.missing_bin_, False, False,
                     dense_hist)
    for j, (s, e) in enumerate(zip(starts, ends)):
        rows = sample_indices[s:e]
        for f in range(d):
            used = np.r_[0:mapper.n_bins_non_missing_[f], mapper.missing_bin_]
            expected = np.zeros((n_bins, C))
            np.add.at(expected[:, :K], dense[rows, f], g[rows])
            np.add.at(expected[:, K], dense[rows, f], h[rows])
            np.add.at(expected[:, K + 1], dense[rows, f], 1.0)
            h_sparse = got[slots[j], f, used]
            assert_allclose(h_sparse, expected[used], rtol=1e-10, atol=1e-9)
            assert_allclose(h_sparse, dense_hist[slots[j], f, used], rtol=1e-10, atol=1e-9)
            assert_allclose(by_rows[slots[j], f, used], expected[used], rtol=1e-10,
                            atol=1e-9)
            assert_array_equal(by_rows[slots[j], f, used, K + 1], expected[used, K + 1])
            # counts are exact, and an empty zero bin is exactly zero
            assert_array_equal(h_sparse[:, K + 1], expected[used, K + 1])
            empty = expected[used, K + 1] == 0
            assert np.all(h_sparse[empty] == 0.0)


def test_sparse_partition_equals_the_dense_partition():
    X, _ = _sparse_data(seed=2)
    mapper, dense, sb = _binned(X)
    rng = np.random.RandomState(1)
    n = dense.shape[0]
    sample_indices, starts, ends = _node_ranges(n, rng, n_nodes=4)
    features = np.array([0, 7, 7, 39], dtype=INDEX_DTYPE)
    threshold_bins = np.array([sb.zero_bin[0], 0, 20, max(0, int(sb.zero_bin[39]) - 1)],
                              dtype=INDEX_DTYPE)
    missing_lefts = np.array([1, 0, 1, 0], dtype=np.uint8)
    categorical = np.array([0, 0, 0, 1], dtype=np.uint8)
    bitsets = np.zeros((4, BITSET_WORDS), dtype=np.uint32)
    bitsets[3, 0] = 0b1011_0110
    results = []
    for kernel, data in ((partition_nodes, (dense,)),
                         (partition_nodes_sparse, sb.csr + (sb.zero_bin,))):
        si = sample_indices.copy()
        n_left = np.empty(4, dtype=np.int64)
        kernel(*data, si, np.empty(n, dtype=INDEX_DTYPE), starts, ends, features, threshold_bins, missing_lefts, mapper.missing_bin_,
               categorical, bitsets, n_left)
        results.append((si, n_left))
    assert_array_equal(results[0][0], results[1][0])
    assert_array_equal(results[0][1], results[1][1])
    assert np.all(results[0][1] > 0)


def test_sparse_predictions_equal_the_dense_kernels():
    X, score = _sparse_data(seed=3)
    est = skboost.GradientBoostingRegressor(n_estimators=15, max_depth=4,
                                            random_state=0).fit(X.toarray(), score)
    trees = est._forest.trees
    p = pack_trees(trees, [0] * len(trees))
    args = (p["feature"], p["threshold_bin"], p["missing_left"], p["categorical"],
            p["cat_bitset"], p["left"], p["right"], p["value"], p["roots"], p["columns"],
            0, len(trees), est._bin_mapper.missing_bin_)
    sb = est._bin_mapper.transform(X, sparse_output=True)
    dense = est._bin_mapper.transform(X)
    expected, got = np.zeros((X.shape[0], 1)), np.zeros((X.shape[0], 1))
    predict_binned(dense, *args, expected)
    nodes = (p["feature"], p["threshold_bin"].astype(np.float64), p["missing_left"],
             p["categorical"], p["cat_bitset"], p["left"], p["right"], p["value"],
             p["roots"], p["columns"], 0, len(trees))
    predict_csr(*sb.csr, sb.zero_bin, float(est._bin_mapper.missing_bin_), *nodes, got)
    assert_array_equal(got, expected)
    raw_args = (p["feature"], p["threshold"], p["missing_left"], p["categorical"],
                p["cat_bitset"], p["left"], p["right"], p["value"], p["roots"], p["columns"],
                0, len(trees))
    expected, got = np.zeros((X.shape[0], 1)), np.zeros((X.shape[0], 1))
    predict_raw(X.toarray(), *raw_args, 128, expected)
    predict_csr(X.indptr.astype(np.int64), X.indices.astype(INDEX_DTYPE), X.data,
                np.zeros(X.shape[1]), np.nan, *raw_args, got)
    assert_array_equal(got, expected)
    # the estimator reads low-density CSR in place and gives the same answer
    assert_array_equal(est.predict(X), est.predict(X.toarray()))


# Random sample weights: with equal weights, cutting off any one row of a
# class gains the same, and which of such exactly tied splits wins is decided
# by the last bits of the sums, which the two storages round differently.
ESTIMATORS = [
    (skboost.GradientBoostingClassifier, dict(n_estimators=8, max_depth=3, subsample=0.8,
                                              min_samples_leaf=5)),
    (skboost.GradientBoostingRegressor, dict(n_estimators=8, max_depth=3, min_samples_leaf=5,
                                             n_iter_no_change=20, validation_fraction=0.2)),
    (skboost.RandomForestClassifier, dict(n_estimators=4, max_features=0.5,
                                          min_samples_leaf=5)),
    (skboost.RandomForestRegressor, dict(n_estimators=4, max_leaf_nodes=40,
                                         min_samples_leaf=5)),
    (skboost.AdaBoostClassifier, dict(n_estimators=5, max_depth=2)),
    (skboost.AdaBoostRegressor, dict(n_estimators=5, max_depth=2)),
    (skboost.XGBClassifier, dict(n_estimators=8, max_depth=4, colsample_bynode=0.7,
                                 min_child_weight=2)),
    (skboost.XGBRegressor, dict(n_estimators=8, grow_policy="lossguide", max_leaves=16,
                                min_child_weight=5)),
    (skboost.XGBRegressor, dict(n_estimators=6, tree_method="approx", max_depth=4,
                                interaction_constraints=[[0, 1, 2, 3], [4, 5, 6, 7, 8]],
                                monotone_constraints=(1,) + (0,) * 29)),
    (skboost.GradientBoostingRegressor, dict(n_estimators=6, max_depth=3, subsample=0.7,
                                             monotonic_cst=[1] + [0] * 29)),
    (skboost.GradientBoostingRegressor, dict(n_estimators=6, max_depth=3, loss="huber",
                                             min_samples_leaf=5)),
    (skboost.RandomForestClassifier, dict(n_estimators=3, criterion="entropy",
                                          min_samples_leaf=5, class_weight="balanced")),
    (skboost.RandomForestRegressor, dict(n_estimators=3, criterion="poisson",
                                         min_samples_leaf=5)),
]


def _outputs(est, X):
    if not hasattr(est, "predict_proba"):
        return {"predict": est.predict(X)}
    proba = est.predict_proba(X)
    # a class vote tied up to rounding may go either way
    clear = np.abs(proba[:, 1] - proba[:, 0]) > 1e-9
    return {"predict_proba": proba, "predict": est.predict(X)[clear],
            "rows with a clear vote": clear}


@pytest.mark.parametrize("cls, params", ESTIMATORS,
                         ids=[f"{c.__name__}-{i}" for i, (c, _) in enumerate(ESTIMATORS)])
def test_estimators_on_sparse_bins_equal_dense_bins(cls, params, monkeypatch):
    X, score = _sparse_data(n=2000, d=30, density=0.1, seed=4, decimals=12)
    y = score > 0 if "Classifier" in cls.__name__ else score
    if params.get("criterion") == "poisson":
        y = np.exp(score / 4)
    weight = np.random.RandomState(5).uniform(0.5, 2.0, y.size)
    kw = dict(params, random_state=0)
    # forests grow trees on dense bins depth-first (DepthFirstGrower), which
    # draws features its own way; the level-wise grower is the one compared
    monkeypatch.setattr(DepthFirstGrower, "supports", staticmethod(lambda grower: False))
    monkeypatch.setattr(sparse_bins_module, "SPARSE_BINS_MAX_DENSITY", 0.0)
    on_dense_bins = cls(**kw).fit(X, y, sample_weight=weight)
    monkeypatch.setattr(sparse_bins_module, "SPARSE_BINS_MAX_DENSITY", 1.0)
    # small nodes' rows are gathered a few (6) rows at a time
    monkeypatch.setattr(grower_module, "GATHER_CELLS", 6 * X.shape[1])
    on_sparse_bins = cls(**kw).fit(X, y, sample_weight=weight)
    expected = _outputs(on_dense_bins, X.toarray())
    for name, got in _outputs(on_sparse_bins, X).items():
        # zero bins come from node sums minus the other bins: equal up to rounding
        assert_allclose(got, expected[name], rtol=1e-9, atol=1e-12, err_msg=name)


def test_sparse_bins_model_does_not_depend_on_threads(sparse_bins_always):
    X, score = _sparse_data(n=3000, d=50, density=0.05, seed=6, decimals=12)
    models = [skboost.XGBClassifier(n_estimators=5, max_depth=5, n_jobs=n_jobs).fit(
        X, score > 0) for n_jobs in (1, 2)]
    assert_array_equal(models[0].predict_proba(X), models[1].predict_proba(X))


def test_agaricus_through_sparse_bins_scores_as_dense(load, sparse_bins_always):
    """Agaricus (one-hot columns) through sparse bins.

    Different one-hot columns often cut a node's rows with exactly the same
    gain; which one wins depends on the last bits of the zero bins' sums, so
    the two storages grow different (equally good) trees: they must score
    alike.
    """
    X, y, _ = load("agaricus")
    kw = dict(n_estimators=20, max_depth=4, random_state=0)
    est = skboost.GradientBoostingClassifier(**kw).fit(X, y)
    ref = skboost.GradientBoostingClassifier(**kw).fit(X.toarray(), y)
    assert_array_equal(est.predict(X), ref.predict(X.toarray()))
    assert abs(log_loss(y, est.predict_proba(X))
               - log_loss(y, ref.predict_proba(X.toarray()))) < 1e-3


BIG_FIT = textwrap.dedent("""
    import json, resource, sys
    import numpy as np
    from scipy import sparse
    import skboost

    n, d, per_row = 1_000_000, 10_000, 10          # 0.1% density
    rng = np.random.default_rng(0)
    cols = np.sort(rng.integers(0, d, size=(n, per_row)), axis=1).astype(np.int32)
    indptr = np.arange(0, n * per_row + 1, per_row, dtype=np.int64)
    X = sparse.csr_matrix((rng.standard_normal(n * per_row), cols.ravel(), indptr),
                          shape=(n, d))
    X.sum_duplicates()
    y = (X[:, :50].sum(axis=1).A.ravel() > 0).astype(int)   # 5% of rows are 1
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    est = skboost.GradientBoostingClassifier(n_estimators=3, max_depth=3,
                                             random_state=0).fit(X, y)
    proba = est.predict_proba(X)[:, 1]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(dict(before_kib=before, peak_kib=peak, nnz=int(X.nnz),
                          mean_proba_pos=float(proba[y == 1].mean()),
                          mean_proba_neg=float(proba[y == 0].mean()),
                          roots=[int(t.feature[0]) for t in est._forest.trees])))
""")


def test_million_by_ten_thousand_csr_fits_without_dense_matrices():
    """1,000,000 x 10,000 CSR at 0.1% density: a dense float64 copy would be
    80 GB and the dense uint8 bin matrix 10 GB.  The fit runs in a fresh
    process, whose peak resident memory (everything, numba's allocations
    included) must stay under 3 GB: the data (120 MB), one CSC copy, the
    sparse bins (10 bytes per stored value) and histograms.  Measured
    here: about 0.9 GB."""
    run = subprocess.run([sys.executable, "-c", BIG_FIT], capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["nnz"] > 0.99e7
    peak_bytes = report["peak_kib"] * 1024
    assert peak_bytes < 3 * 2**30, peak_bytes / 2**30
    # the target depends on the first 50 features only: each tree splits on
    # one of them first, and the model separates the classes
    assert all(f < 50 for f in report["roots"]), report["roots"]
    assert report["mean_proba_pos"] > report["mean_proba_neg"] + 0.02, report
