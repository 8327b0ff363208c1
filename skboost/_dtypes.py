"""The one place that fixes dtypes shared by Python code and kernels.

Kernels are compiled once per argument type; a stray ``float32`` or a
non-contiguous array would trigger a fresh compilation (seconds) and a second
cache entry.  Every array handed to a kernel is converted with the helpers
below first.
"""
import numpy as np

X_DTYPE = np.float64        # raw feature values given to binning / prediction
BIN_DTYPE = np.uint8        # binned feature values (at most 256 bins)
STAT_DTYPE = np.float64     # per-sample gradients, hessians and weights
SUM_DTYPE = np.float64      # histogram sums
INDEX_DTYPE = np.int32      # row indices and node indices
COUNT_DTYPE = np.int64

MAX_BINS = 255              # bins for non-missing values; one more holds NaN


def as_float(a):
    """Return ``a`` as a C-contiguous float64 array (no copy when possible)."""
    return np.ascontiguousarray(a, dtype=X_DTYPE)


def as_index(a):
    """Return ``a`` as a C-contiguous int32 array."""
    return np.ascontiguousarray(a, dtype=INDEX_DTYPE)


def as_stat(a):
    """Return ``a`` as a C-contiguous float64 statistics array."""
    return np.ascontiguousarray(a, dtype=STAT_DTYPE)
