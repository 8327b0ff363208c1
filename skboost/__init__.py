"""skboost: tree ensembles with the scikit-learn API on one numba engine."""
from . import _config  # noqa: F401  (sets the OpenMP wait policy first)
from .ensemble import (AdaBoostClassifier, AdaBoostRegressor, GradientBoostingClassifier,
                       GradientBoostingRegressor, RandomForestClassifier,
                       RandomForestRegressor, XGBClassifier, XGBRegressor)
from ._model_io import load_model

__version__ = "0.1.0"

__all__ = ["AdaBoostClassifier", "AdaBoostRegressor", "GradientBoostingClassifier",
           "GradientBoostingRegressor", "RandomForestClassifier", "RandomForestRegressor",
           "XGBClassifier", "XGBRegressor", "load_model",
           "__version__"]
