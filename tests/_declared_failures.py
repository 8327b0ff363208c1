"""Estimator checks that scikit-learn itself declares as expected failures
for the estimator each skboost class replaces.

Copied from ``sklearn/utils/_test_common/instance_generator.py``
(``PER_ESTIMATOR_XFAIL_CHECKS``, scikit-learn 1.9) so that our test suite
allows exactly the failures scikit-learn allows for its own class, nothing
more.
"""

_WEIGHT_EQUIVALENCE = {
    "check_sample_weight_equivalence_on_dense_data":
        "sample_weight is not equivalent to removing/repeating samples "
        "(declared by scikit-learn for its own estimator).",
    "check_sample_weight_equivalence_on_sparse_data":
        "sample_weight is not equivalent to removing/repeating samples "
        "(declared by scikit-learn for its own estimator).",
}

DECLARED = {
    "AdaBoostClassifier": dict(_WEIGHT_EQUIVALENCE),
    "AdaBoostRegressor": dict(_WEIGHT_EQUIVALENCE),
    "GradientBoostingClassifier": dict(_WEIGHT_EQUIVALENCE),
    "GradientBoostingRegressor": dict(_WEIGHT_EQUIVALENCE),
    "RandomForestClassifier": {
        **_WEIGHT_EQUIVALENCE,
        "check_classifiers_one_label_sample_weights":
            "failed when fitted on one label after sample_weight trimming "
            "(declared by scikit-learn for its own estimator).",
    },
    "RandomForestRegressor": dict(_WEIGHT_EQUIVALENCE),
}


def declared_failures(estimator):
    """The checks scikit-learn expects its equivalent of ``estimator`` to fail."""
    return DECLARED.get(type(estimator).__name__, {})
