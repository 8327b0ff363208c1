"""Model tools every estimator family shares: saving, explaining, inspecting.

Each method delegates to the module that implements it, so the families
stay thin shells and the tools are written once over the common tree format
(:class:`skboost._tree.Tree` / :class:`skboost._tree.Forest`).
"""


class ModelToolsMixin:
    """Saving, loading, SHAP values and tree tables for a skboost estimator."""

    def save_model(self, path):
        """Write the fitted model to ``path`` as versioned JSON (see ``docs/model_format.md``)."""
        from .._model_io import save_model
        save_model(self, path)

    def load_model(self, path):
        """Load a model file written by :meth:`save_model` into this estimator.

        Returns
        -------
        self
        """
        from .._model_io import load_into
        return load_into(self, path)

    def predict_contributions(self, X):
        """SHAP values (exact path-dependent TreeSHAP) of every feature.

        Returns
        -------
        ndarray of shape (n_samples, n_features + 1) or
        (n_samples, n_features + 1, n_outputs), float64
            The last column is the expected value; a row sums to the margin.
        """
        from .._shap import predict_contributions
        return predict_contributions(self, X)

    def trees_to_dataframe(self):
        """One row per node of every tree, as a pandas DataFrame."""
        from .._inspect import trees_to_dataframe
        return trees_to_dataframe(self)


class XGBoostExportMixin:
    """Export of boosted models with squared-error, logistic or softmax objectives
    to xgboost's JSON model format."""

    def export_xgboost_json(self, path):
        """Write the model as an xgboost JSON model file.

        ``xgboost.Booster(model_file=path)`` loads it and predicts the same
        values as this estimator.
        """
        from .._xgboost_export import export_xgboost_json
        export_xgboost_json(self, path)


class EnsembleSequenceMixin:
    """``len(est)``, ``est[i]`` and ``iter(est)`` over ``estimators_``, as
    scikit-learn's ensembles (``BaseEnsemble``)."""

    def __len__(self):
        return len(self.estimators_)

    def __getitem__(self, index):
        return self.estimators_[index]

    def __iter__(self):
        return iter(self.estimators_)
