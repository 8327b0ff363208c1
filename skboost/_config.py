"""Threads: how many, on which numba threading layer, and the context manager
that applies them.

numba's thread count is a per-thread setting (``numba.set_num_threads``
affects only the calling Python thread), so it is set around each fit or
predict and restored afterwards, even when the call raises.

Thread count for ``n_jobs=None``: the CPUs this process may use (affinity
mask, cgroup quota, ``NUMBA_NUM_THREADS``), capped by the limits an outer
parallel layer sets: ``OMP_NUM_THREADS`` (joblib's loky workers get
``cpu_count() // n_jobs`` in it and in ``NUMBA_NUM_THREADS``) and
``threadpoolctl.threadpool_limits`` (skboost registers a controller for its
numba threads under the ``openmp`` API).

Threading layer: numba's ``workqueue`` layer aborts the process when two
Python threads launch parallel kernels at once.  Before the first parallel
kernel runs, skboost asks numba for a thread-safe layer (``tbb``, else
``omp``) when one can be loaded, unless ``NUMBA_THREADING_LAYER`` is set.
When the layer in use is ``workqueue`` anyway, every kernel call runs under
one process-wide lock (concurrent calls from Python threads take turns).
"""
import contextlib
import functools
import importlib
import os
import threading

# Idle OpenMP threads spin briefly, then sleep.  libgomp's default spin
# (300,000 iterations, or forever with OMP_WAIT_POLICY=ACTIVE) turns every
# parallel region of a loaded machine into milliseconds of waiting (a 50-round
# XGB fit: 0.75 s -> 18 s on a busy 2-core machine); never spinning
# (PASSIVE) pays a wake-up per region, which a fit has thousands of (the same
# fit: 0.50 s quiet, where 30,000 spins take 0.28 s, and 0.97 s vs 0.63 s
# busy).  Read by libgomp when it loads, i.e. at numba's first parallel
# kernel; any value set by the user wins.
if "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ:
    os.environ["GOMP_SPINCOUNT"] = "30000"

import numba  # noqa: E402  (after the environment variable above)
from numba.np.ufunc import parallel as _numba_parallel  # noqa: E402

# Environment variables through which an outer layer (joblib's loky workers,
# a job scheduler, the user) caps the threads of compiled libraries.
_LIMIT_VARIABLES = ("OMP_NUM_THREADS",)


# ------------------------------------------------------------ CPU count
def _cgroup_cpu_limit():
    """CPUs allowed by a cgroup v2/v1 quota, or None when unlimited."""
    try:
        with open("/sys/fs/cgroup/cpu.max") as f:
            quota, period = f.read().split()[:2]
        if quota != "max":
            return max(1, int(int(quota) / int(period)))
    except (OSError, ValueError):
        pass
    try:
        with open("/sys/fs/cgroup/cpu/cpu.cfs_quota_us") as f:
            quota = int(f.read())
        with open("/sys/fs/cgroup/cpu/cpu.cfs_period_us") as f:
            period = int(f.read())
        if quota > 0 and period > 0:
            return max(1, quota // period)
    except (OSError, ValueError):
        pass
    return None


@functools.lru_cache(maxsize=1)
def _cached_cgroup_cpu_limit():
    """The cgroup quota, read once per process (two file reads cost about
    40 us, as much as the rest of a small prediction's bookkeeping)."""
    return _cgroup_cpu_limit()


def available_cpus():
    """Number of CPUs this process may use (affinity mask, cgroup quota and
    numba's thread pool size)."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        n = os.cpu_count() or 1
    limit = _cached_cgroup_cpu_limit()
    if limit is not None:
        n = min(n, limit)
    return max(1, min(n, numba.config.NUMBA_NUM_THREADS))


# ------------------------------------------------------ outer limits
class _ThreadpoolLimit:
    """The limit that ``threadpoolctl.threadpool_limits`` set on skboost's
    numba threads (process-wide, like a BLAS limit); None when unset."""

    value = None


def _env_limit():
    """Smallest positive integer among the limit variables, or None."""
    limits = []
    for name in _LIMIT_VARIABLES:
        try:
            limits.append(max(1, int(os.environ.get(name, ""))))
        except ValueError:
            continue
    return min(limits) if limits else None


def _outer_limit():
    """Thread limit set around this process by joblib, threadpoolctl or the
    environment, or None when there is none."""
    limits = [v for v in (_env_limit(), _ThreadpoolLimit.value) if v is not None]
    return min(limits) if limits else None


def _register_threadpoolctl():
    """Make ``threadpool_limits``/``threadpool_info`` see skboost's threads.

    threadpoolctl finds libraries by the file names of loaded shared objects;
    numba's runtime helper library is loaded with numba itself, whereas the
    threading layer's library only loads at the first parallel kernel (and
    loading it early would start GNU OpenMP before a fork).
    """
    try:
        import threadpoolctl
    except ImportError:  # pragma: no cover - a dependency of scikit-learn
        return
    if not hasattr(threadpoolctl, "register"):  # pragma: no cover - threadpoolctl < 3.5
        return

    class NumbaController(threadpoolctl.LibController):
        """skboost's numba kernels, limited like an OpenMP runtime."""

        user_api = "openmp"
        internal_api = "numba"
        filename_prefixes = ("_helperlib",)

        def get_num_threads(self):
            return _ThreadpoolLimit.value or available_cpus()

        def set_num_threads(self, num_threads):
            # restoring the default clears the limit
            n = max(1, int(num_threads))
            _ThreadpoolLimit.value = None if n >= available_cpus() else n

        def get_version(self):
            return numba.__version__

    threadpoolctl.register(NumbaController)


_register_threadpoolctl()


def resolve_n_threads(n_jobs):
    """Translate a scikit-learn style ``n_jobs`` into a thread count.

    Parameters
    ----------
    n_jobs : int or None
        ``None``: every CPU this process may use, capped by an outer limit
        (``OMP_NUM_THREADS``, as set in joblib's workers, and
        ``threadpoolctl.threadpool_limits``).  A positive value is taken as
        is (capped by the CPUs available); negative values count from the
        number of CPUs, as in joblib (``-1`` = all).

    Returns
    -------
    int
        At least 1.
    """
    n_cpus = available_cpus()
    if n_jobs is None:
        limit = _outer_limit()
        return n_cpus if limit is None else max(1, min(n_cpus, limit))
    if n_jobs == 0:
        raise ValueError("n_jobs == 0 has no meaning; use None, -1 or a positive int.")
    if n_jobs < 0:
        return max(1, n_cpus + 1 + n_jobs)
    return max(1, min(int(n_jobs), n_cpus))


def threads_for_work(n_threads, work, work_per_thread):
    """Fewer threads for small problems: at most one per ``work_per_thread``
    units of ``work``, at least 1 and at most ``n_threads``.

    Waking a thread costs about 10-50 us on Linux; a thread is worth it once
    its share of the work takes well over that.
    """
    return int(max(1, min(n_threads, work // work_per_thread)))


# ------------------------------------------------------ threading layer
def _layer_loads(name):
    """Whether numba's ``name`` threading layer can be loaded here.

    Only imports the layer's module (no thread starts): GNU OpenMP started
    before a ``fork()`` makes the child unusable.
    """
    try:
        if name == "tbb":
            _numba_parallel._check_tbb_version_compatible()
        importlib.import_module(f"numba.np.ufunc.{name}pool")
        return True
    except Exception:  # any failure to load means "not available"
        return False


def _choose_threading_layer():
    """Ask numba for a thread-safe layer before its first parallel kernel.

    The user's ``NUMBA_THREADING_LAYER`` wins, as does a layer another
    library already started.
    """
    if os.environ.get("NUMBA_THREADING_LAYER") or _numba_parallel._is_initialized:
        return
    for name in ("tbb", "omp"):
        if _layer_loads(name):
            numba.config.THREADING_LAYER = name
            return
    numba.config.THREADING_LAYER = "workqueue"


_choose_threading_layer()


class _Layer:
    """What is known about the threading layer in use (filled lazily)."""

    name = None           # numba.threading_layer() once started
    gnu_openmp = False    # GNU OpenMP: not fork-safe
    forked = False        # this process was forked after the layer started


_KERNEL_LOCK = threading.RLock()


def threading_layer():
    """Name of the threading layer in use, or the configured one before the
    first parallel kernel ("tbb", "omp" or "workqueue")."""
    if _Layer.name is None and _numba_parallel._is_initialized:
        _Layer.name = numba.threading_layer()
        if _Layer.name == "omp":
            from numba.np.ufunc import omppool
            _Layer.gnu_openmp = getattr(omppool, "openmp_vendor", "") == "GNU"
    if _Layer.name is not None:
        return _Layer.name
    configured = str(numba.config.THREADING_LAYER).lower()
    return configured if configured in ("tbb", "omp", "workqueue") else "default"


def _after_fork_in_child():
    threading_layer()
    _Layer.forked = _Layer.gnu_openmp


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _check_not_forked():
    if _Layer.forked:
        raise RuntimeError(
            "skboost's kernels ran in this process's parent on GNU OpenMP threads "
            "before it was forked, and GNU OpenMP cannot run in a forked child (numba "
            "would terminate the process).  Start worker processes with 'spawn' or "
            "'forkserver' (joblib's default 'loky' backend is fine), or set "
            "NUMBA_THREADING_LAYER=workqueue before importing skboost.")


@contextlib.contextmanager
def threads(n_threads):
    """Run the enclosed kernels on ``n_threads`` numba threads, then restore.

    Under numba's ``workqueue`` layer (not thread-safe) the block also holds
    a process-wide lock, so kernels from several Python threads take turns.
    """
    _check_not_forked()
    # before the layer starts, anything but tbb/omp may turn out to be workqueue
    serialise = threading_layer() not in ("tbb", "omp")
    if serialise:
        _KERNEL_LOCK.acquire()
    previous = numba.get_num_threads()
    try:
        numba.set_num_threads(int(n_threads))
        yield
    finally:
        numba.set_num_threads(previous)
        if serialise:
            _KERNEL_LOCK.release()
