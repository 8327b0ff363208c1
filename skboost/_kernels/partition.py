"""Stable, parallel partition of node row ranges into left and right children."""
import numpy as np

from ._jit import parallel, prange, serial
from .categorical import in_bitset
from .histogram import _chunk_ranges

PARTITION_CHUNK = 32768


@serial
def goes_left(bin_value, threshold_bin, missing_left, missing_bin, categorical, bitset):
    """Whether a row with this bin goes to the left child (a categorical split
    sends the codes in ``bitset`` left)."""
    if bin_value == missing_bin:
        return missing_left == 1
    if categorical == 1:
        return in_bitset(bitset, bin_value)
    return bin_value <= threshold_bin


@serial
def _split_chunk(column, sample_indices, start, stop, threshold_bin, missing_left,
                 missing_bin, categorical, bitset, buffer):
    """Write the rows at positions ``start..stop-1`` into ``buffer[start:stop]``:
    the rows that go left from the front, the others from the back (so in
    reverse order); returns the number of left rows.

    The node's split is read once, outside the row loop (a per-row call with
    array arguments would cost reference counting on every row)."""
    # unsigned positions and rows: numba wraps negative indices around (a
    # test and a select per signed index)
    one = np.uint64(1)
    front = np.uint64(start)
    back = np.uint64(stop) - one
    if categorical == 1:
        for pos in range(np.uint64(start), np.uint64(stop)):
            row = sample_indices[pos]
            left = np.uint64(goes_left(column[np.uint64(row)], threshold_bin, missing_left,
                                       missing_bin, categorical, bitset))
            buffer[front if left else back] = row
            front += left
            back -= one - left
        return np.int64(front - np.uint64(start))
    missing_goes_left = missing_left == 1
    for pos in range(np.uint64(start), np.uint64(stop)):
        row = sample_indices[pos]
        b = column[np.uint64(row)]
        # branch-free: the side of a row is not predictable
        left = np.uint64(missing_goes_left if b == missing_bin else b <= threshold_bin)
        buffer[front if left else back] = row
        front += left
        back -= one - left
    return np.int64(front - np.uint64(start))


@parallel
def partition_nodes(X_binned, sample_indices, buffer, starts, ends, features,
                    threshold_bins, missing_lefts, missing_bin, categorical, bitsets, n_left):
    """Split each node's range of ``sample_indices`` into [left | right].

    Rows keep their relative order on each side (stable), so children read
    ``X_binned`` in increasing row order.  Every node's range is cut into
    fixed-size chunks: each chunk sorts its rows into left and right within
    its own range of ``buffer`` (one pass over the bins), then prefix sums
    place every chunk and its rows are copied to their final positions; all
    parallel over chunks and independent of the number of threads.

    Parameters
    ----------
    X_binned : ndarray of shape (n_samples, n_features), uint8, F order
    sample_indices : ndarray of shape (n_samples,), int32, modified in place
    buffer : ndarray of shape (n_samples,), int32, scratch
    starts, ends : ndarray of shape (n_nodes,), int64
    features, threshold_bins : ndarray of shape (n_nodes,), int32
    missing_lefts : ndarray of shape (n_nodes,), uint8
    missing_bin : int
    categorical : ndarray of shape (n_nodes,), uint8
        1 where the split is a category subset.
    bitsets : ndarray of shape (n_nodes, BITSET_WORDS), uint32
        Categories sent left (read where ``categorical``).
    n_left : ndarray of shape (n_nodes,), int64, written
        Rows sent left; the left child is ``[start, start + n_left)``.
    """
    chunk_node, chunk_start, chunk_end = _chunk_ranges(starts, ends, PARTITION_CHUNK)
    n_chunks = chunk_node.shape[0]
    chunk_left = np.zeros(n_chunks, dtype=np.int64)
    for c in prange(n_chunks):
        j = chunk_node[c]
        chunk_left[c] = _split_chunk(X_binned[:, features[j]], sample_indices, chunk_start[c],
                                     chunk_end[c], threshold_bins[j], missing_lefts[j],
                                     missing_bin, categorical[j], bitsets[j], buffer)
    place_chunks(chunk_node, chunk_start, chunk_end, chunk_left, starts, sample_indices,
                 buffer, n_left)


@parallel
def place_chunks(chunk_node, chunk_start, chunk_end, chunk_left, starts, sample_indices,
                 buffer, n_left):
    """Second half of a partition: copy each chunk's rows to their places.

    Parameters
    ----------
    chunk_node, chunk_start, chunk_end : ndarray of shape (n_chunks,), int64
        Node (index into ``starts``) and position range of each chunk.
    chunk_left : ndarray of shape (n_chunks,), int64
        Rows of each chunk that go left.
    starts : ndarray of shape (n_nodes,), int64
    sample_indices : ndarray of shape (n_samples,), int32, written
    buffer : ndarray of shape (n_samples,), int32
        Each chunk's range holds its left rows in order, then its right rows
        in reverse order.
    n_left : ndarray of shape (n_nodes,), int64, written
    """
    n_chunks = chunk_node.shape[0]
    # offsets of each chunk's left rows and right rows inside its node
    left_offset = np.empty(n_chunks, dtype=np.int64)
    right_offset = np.empty(n_chunks, dtype=np.int64)
    for j in range(starts.shape[0]):
        n_left[j] = 0
    for c in range(n_chunks):
        n_left[chunk_node[c]] += chunk_left[c]
    running_left = starts.copy()
    running_right = starts + n_left
    for c in range(n_chunks):
        j = chunk_node[c]
        left_offset[c] = running_left[j]
        right_offset[c] = running_right[j]
        running_left[j] += chunk_left[c]
        running_right[j] += chunk_end[c] - chunk_start[c] - chunk_left[c]
    for c in prange(n_chunks):
        first = np.uint64(chunk_start[c])  # unsigned indices: see _split_chunk
        last = np.uint64(chunk_end[c] - 1)
        to = np.uint64(left_offset[c])
        for i in range(np.uint64(chunk_left[c])):
            sample_indices[to + i] = buffer[first + i]
        to = np.uint64(right_offset[c])
        for i in range(np.uint64(chunk_end[c] - chunk_start[c] - chunk_left[c])):
            sample_indices[to + i] = buffer[last - i]
