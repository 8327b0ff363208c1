"""The only place where numba decorators are built.

Every kernel of skboost is compiled through :func:`serial` or :func:`parallel`
so that the compilation options stay the same everywhere:

* ``cache=True``: compiled machine code is written next to the sources and
  reused by the next Python process (cold compile of a parallel kernel costs
  0.5-2 s, loading it from the cache about 0.02 s).
* ``nogil=True``: kernels release the GIL, so Python threads may run them
  concurrently.
* ``error_model="numpy"``: division by zero gives inf/nan instead of raising,
  which removes a branch from every division in the inner loops.
* a ``fastmath`` flag set *without* ``nnan``/``ninf``/``reassoc``: ``np.isnan``
  must keep working (missing values) and sums keep their written order, so
  results do not depend on how LLVM vectorised a loop.
"""
import numba

# Safe subset of fast-math: no "nnan"/"ninf" (NaN marks missing values) and
# no "reassoc" (a sum must not be reordered: determinism and tests against
# naive references rely on the written order).
FASTMATH_FLAGS = {"nsz", "arcp"}

_OPTIONS = dict(cache=True, nogil=True, error_model="numpy", fastmath=FASTMATH_FLAGS)

prange = numba.prange


def serial(func):
    """Compile ``func`` as a serial, cached, GIL-free kernel."""
    return numba.njit(**_OPTIONS)(func)


def hot(func):
    """A helper called per candidate split: plain call, compiled without the
    reference-counting runtime (it allocates nothing), so passing arrays to
    it costs no atomic increments."""
    return numba.njit(_nrt=False, **_OPTIONS)(func)


def inline(func):
    """Compile ``func`` as a helper inlined into its callers at numba IR level.

    Calls between compiled functions pass arrays with a reference count
    increment and decrement each (atomic operations): a helper that takes
    arrays and runs once per row or per candidate split costs more in that
    bookkeeping than in its arithmetic.  Inlining removes the call.
    """
    return numba.njit(inline="always", **_OPTIONS)(func)


def parallel(func):
    """Compile ``func`` as a parallel kernel (``prange`` loops run on threads)."""
    return numba.njit(parallel=True, **_OPTIONS)(func)
