"""Sparse bin storage: the binned form of a sparse matrix, kept sparse.

A uint8 bin matrix costs one byte per cell: 10 GB for a 1,000,000 x 10,000
CSR matrix with 0.1% stored values.  :class:`SparseBins` keeps only the cells
whose bin differs from the bin of 0 of their feature, twice (by column for
histograms, by row for partitions and prediction): 10 bytes per stored value.
The grower, the histogram engine and the binned prediction read it through
the kernels of ``_kernels/sparse.py``.
"""
import numpy as np
from scipy import sparse

from ._data import canonical_sparse
from ._dtypes import INDEX_DTYPE
from ._kernels.sparse import (count_nonzero_bins, gather_rows, transpose_bins,
                              write_nonzero_bins)

# Sparse input whose share of stored values is at most this is binned into
# SparseBins; denser input into a dense uint8 matrix (SparseBins takes 10
# bytes per stored value against 1 byte per cell; a histogram pass reads
# every stored value of the data against the rows of the node times the
# features, so above about 10% the dense form is also the faster one).
SPARSE_BINS_MAX_DENSITY = 0.1

# A gathered dense block of rows (small-node scans) holds at most this many cells.
GATHER_CELLS = 32 * 2**20


class SparseBins:
    """Bins of a sparse matrix: the entries outside each feature's zero bin.

    Attributes
    ----------
    shape : tuple of int
        (n_samples, n_features).
    zero_bin : ndarray of shape (n_features,), uint8
        Bin of the value 0 of each feature: the bin of every cell not stored.
    csc_indptr : ndarray of shape (n_features + 1,), int64
    csc_rows : ndarray of shape (n_stored,), int32
        Row of each stored entry, increasing within a feature.
    csc_bins : ndarray of shape (n_stored,), uint8
    csr_indptr : ndarray of shape (n_samples + 1,), int64
    csr_features : ndarray of shape (n_stored,), int32
        Feature of each stored entry, increasing within a row.
    csr_bins : ndarray of shape (n_stored,), uint8
    """

    def __init__(self, shape, zero_bin, csc, csr):
        self.shape = tuple(shape)
        self.zero_bin = zero_bin
        self.csc_indptr, self.csc_rows, self.csc_bins = csc
        self.csr_indptr, self.csr_features, self.csr_bins = csr

    @property
    def dtype(self):
        return self.csc_bins.dtype

    @property
    def csr(self):
        """The CSR arrays (indptr, features, bins) read by the row kernels."""
        return self.csr_indptr, self.csr_features, self.csr_bins

    def gather(self, rows):
        """Dense bins of ``rows``.

        Parameters
        ----------
        rows : ndarray of shape (m,), int32

        Returns
        -------
        ndarray of shape (m, n_features), uint8, F order
        """
        out = np.empty((rows.size, self.shape[1]), dtype=self.dtype, order="F")
        gather_rows(*self.csr, self.zero_bin, np.ascontiguousarray(rows, dtype=INDEX_DTYPE),
                    out)
        return out

    def toarray(self):
        """The dense bin matrix (tests and small data only)."""
        return self.gather(np.arange(self.shape[0], dtype=INDEX_DTYPE))


def wants_sparse_bins(X):
    """Whether sparse ``X`` is sparse enough to keep its bins sparse."""
    if not sparse.issparse(X):
        return False
    n_cells = X.shape[0] * X.shape[1]
    return n_cells > 0 and X.nnz <= SPARSE_BINS_MAX_DENSITY * n_cells


def bin_sparse(X, thresholds, offsets, missing_bin, bin_dtype):
    """:class:`SparseBins` of a sparse ``X``.

    Parameters
    ----------
    X : sparse matrix or array of shape (n_samples, n_features), float64
    thresholds : ndarray of shape (total_thresholds,), float64
    offsets : ndarray of shape (n_features + 1,), int64
        The bin mapper's concatenated thresholds.
    missing_bin : int
    bin_dtype : numpy dtype
        uint8.

    Returns
    -------
    SparseBins
    """
    X = canonical_sparse(X, "csc")
    n_samples, n_features = X.shape
    indptr = np.asarray(X.indptr, dtype=np.int64)
    data = np.asarray(X.data, dtype=np.float64)
    zero_bin = np.empty(n_features, dtype=bin_dtype)
    counts = np.empty(n_features, dtype=np.int64)
    count_nonzero_bins(indptr, data, thresholds, offsets, missing_bin, zero_bin, counts)
    csc_indptr = np.zeros(n_features + 1, dtype=np.int64)
    np.cumsum(counts, out=csc_indptr[1:])
    rows = np.empty(csc_indptr[-1], dtype=INDEX_DTYPE)
    bins = np.empty(csc_indptr[-1], dtype=bin_dtype)
    write_nonzero_bins(indptr, np.asarray(X.indices, dtype=INDEX_DTYPE), data, thresholds,
                       offsets, missing_bin, zero_bin, csc_indptr, rows, bins)
    csr = transpose_bins(n_samples, csc_indptr, rows, bins)
    return SparseBins((n_samples, n_features), zero_bin, (csc_indptr, rows, bins), csr)
