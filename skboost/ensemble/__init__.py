"""Estimator families: thin shells over the shared engine."""
from ._adaboost import AdaBoostClassifier, AdaBoostRegressor
from ._forest import RandomForestClassifier, RandomForestRegressor
from ._gbdt import GradientBoostingClassifier, GradientBoostingRegressor
from ._xgb import XGBClassifier, XGBRegressor

__all__ = ["AdaBoostClassifier", "AdaBoostRegressor", "GradientBoostingClassifier",
           "GradientBoostingRegressor", "RandomForestClassifier", "RandomForestRegressor",
           "XGBClassifier", "XGBRegressor"]
