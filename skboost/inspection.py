"""Inspecting fitted skboost models: importances by type and tree tables.

Functions
---------
feature_importances
    xgboost's importance types (``"gain"``, ``"total_gain"``, ``"weight"`` /
    ``"split"``, ``"cover"``, ``"total_cover"``), normalised to sum to 1, for
    every estimator family.
trees_to_dataframe
    Every node of every tree as a row of a pandas DataFrame, in the layout of
    xgboost's ``Booster.trees_to_dataframe`` (pandas is required).

Both work on any fitted skboost estimator (gradient boosting, random forests,
AdaBoost with its built-in trees).  The plots built on them live in
:mod:`skboost.plotting`.

Examples
--------
>>> import numpy as np
>>> from skboost import RandomForestRegressor
>>> from skboost.inspection import feature_importances, trees_to_dataframe
>>> rng = np.random.RandomState(0)
>>> X = rng.uniform(size=(50, 3)); y = 3 * X[:, 0] + X[:, 1]
>>> est = RandomForestRegressor(n_estimators=2, max_depth=2, random_state=0).fit(X, y)
>>> feature_importances(est, "total_gain").shape
(3,)
>>> table = trees_to_dataframe(est)  # doctest: +SKIP
"""
from ._inspect import feature_importances, trees_to_dataframe

__all__ = ["feature_importances", "trees_to_dataframe"]
