"""Thread-count resolution and the context manager that applies it.

numba's thread count is a per-thread setting (``numba.set_num_threads``
affects only the calling Python thread), so it is set around each fit or
predict and restored afterwards, even when the call raises.
"""
import contextlib
import os

# Idle OpenMP threads sleep instead of spinning.  With spinning (libgomp's
# default) a loaded machine or nested parallelism (GridSearchCV(n_jobs=2)
# around a threaded fit) turns every parallel region into milliseconds of
# waiting: a 50-tree forest went from 1 s to 30 s on a busy 2-core machine.
# Read by libgomp when it loads, i.e. at numba's first parallel kernel; a
# value set by the user wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numba  # noqa: E402  (after the environment variable above)


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


def available_cpus():
    """Number of CPUs this process may use (affinity mask and cgroup quota)."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        n = os.cpu_count() or 1
    limit = _cgroup_cpu_limit()
    if limit is not None:
        n = min(n, limit)
    return max(1, min(n, numba.config.NUMBA_NUM_THREADS))


def _outer_limit():
    """Thread limit set by threadpoolctl/joblib (e.g. inside GridSearchCV)."""
    # joblib's workers run with OMP_NUM_THREADS set so that nested libraries
    # do not oversubscribe; honour the same signal.
    value = os.environ.get("OMP_NUM_THREADS")
    if value:
        try:
            return max(1, int(value))
        except ValueError:
            return None
    return None


def resolve_n_threads(n_jobs):
    """Translate a scikit-learn style ``n_jobs`` into a thread count.

    Parameters
    ----------
    n_jobs : int or None
        ``None``: every CPU this process may use, capped by an outer limit
        (``OMP_NUM_THREADS`` as set by joblib workers).  A positive value is
        taken as is (capped by the CPUs available); negative values count
        from the number of CPUs, as in joblib (``-1`` = all).

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


@contextlib.contextmanager
def threads(n_threads):
    """Run the enclosed kernels on ``n_threads`` numba threads, then restore."""
    previous = numba.get_num_threads()
    numba.set_num_threads(int(n_threads))
    try:
        yield
    finally:
        numba.set_num_threads(previous)
