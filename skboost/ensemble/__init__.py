"""Estimator families: thin shells over the shared engine."""
from ._forest import RandomForestClassifier, RandomForestRegressor
from ._gbdt import GradientBoostingClassifier, GradientBoostingRegressor

__all__ = ["GradientBoostingClassifier", "GradientBoostingRegressor",
           "RandomForestClassifier", "RandomForestRegressor"]
