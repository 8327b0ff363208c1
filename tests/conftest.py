"""Shared test configuration: where the real datasets live, and a ``load`` fixture.

The datasets are stored next to the repository, in ``<repo>/../shared/data``
(read-only, with their own ``load.py``).  Set ``SKBOOST_DATA_DIR`` to use a
copy elsewhere.
"""
import importlib
import os
import sys
from pathlib import Path

import pytest

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"


def data_dir():
    """Folder holding the shared datasets and their ``load.py``."""
    env = os.environ.get("SKBOOST_DATA_DIR")
    return Path(env).expanduser().resolve() if env else DEFAULT_DATA_DIR


DATA_DIR = data_dir()
if DATA_DIR.is_dir() and str(DATA_DIR) not in sys.path:
    sys.path.insert(0, str(DATA_DIR))


def _load_module():
    if not (DATA_DIR / "load.py").is_file():
        raise FileNotFoundError(
            f"shared datasets not found: {DATA_DIR / 'load.py'} does not exist. "
            "Set SKBOOST_DATA_DIR to the folder holding load.py and the data files.")
    return importlib.import_module("load")


def load(name, split="all", as_frame=True):
    """``load.load`` of the shared datasets: returns ``(X, y, task)``."""
    return _load_module().load(name, split=split, as_frame=as_frame)


@pytest.fixture(name="load", scope="session")
def load_fixture():
    """The shared datasets' ``load(name, split="all", as_frame=True)`` function."""
    return load
