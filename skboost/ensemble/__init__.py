"""Estimator families: thin shells over the shared engine."""
from ._gbdt import GradientBoostingClassifier, GradientBoostingRegressor

__all__ = ["GradientBoostingClassifier", "GradientBoostingRegressor"]
