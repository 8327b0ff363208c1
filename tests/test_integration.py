"""skboost estimators inside scikit-learn's tools: pipelines, column
transformers, searches, cross-validation, cloning, pickling, pandas output,
metadata routing of sample_weight, calibration and stacking."""
import pickle

import numpy as np
import pandas as pd
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from scipy.stats import randint
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import StackingClassifier, StackingRegressor
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import get_scorer
from sklearn.model_selection import (GridSearchCV, KFold, RandomizedSearchCV,
                                     cross_val_score)
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OrdinalEncoder, StandardScaler

from skboost import (AdaBoostClassifier, AdaBoostRegressor, GradientBoostingClassifier,
                     GradientBoostingRegressor, RandomForestClassifier,
                     RandomForestRegressor)

CLASSIFIERS = [GradientBoostingClassifier(n_estimators=5, random_state=0),
               RandomForestClassifier(n_estimators=4, random_state=0),
               AdaBoostClassifier(n_estimators=4, random_state=0)]
REGRESSORS = [GradientBoostingRegressor(n_estimators=5, random_state=0),
              RandomForestRegressor(n_estimators=4, random_state=0),
              AdaBoostRegressor(n_estimators=4, random_state=0)]
ALL = CLASSIFIERS + REGRESSORS
IDS = [type(e).__name__ for e in ALL]


@pytest.fixture(scope="module")
def classification():
    return make_classification(n_samples=400, n_features=8, n_informative=4,
                               random_state=0)


@pytest.fixture(scope="module")
def regression():
    return make_regression(n_samples=400, n_features=8, noise=1.0, random_state=0)


def _data_for(est, classification, regression):
    from sklearn.base import is_classifier
    return classification if is_classifier(est) else regression


def _output(est, X):
    return est.predict_proba(X) if hasattr(est, "predict_proba") else est.predict(X)


@pytest.fixture
def routing():
    sklearn.set_config(enable_metadata_routing=True)
    yield
    sklearn.set_config(enable_metadata_routing=False)


# ----------------------------------------------------------------- basics
@pytest.mark.parametrize("est", ALL, ids=IDS)
def test_clone_pickle_and_cross_val_score(est, classification, regression):
    X, y = _data_for(est, classification, regression)
    copy = clone(est)
    assert copy.get_params() == est.get_params()
    fitted = clone(est).fit(X, y)
    restored = pickle.loads(pickle.dumps(fitted))
    assert_array_equal(_output(restored, X), _output(fitted, X))
    scores = cross_val_score(clone(est), X, y, cv=3)
    assert scores.shape == (3,) and np.all(np.isfinite(scores))


def test_pickle_of_a_model_fitted_on_a_dataframe_and_on_sparse(classification):
    X, y = classification
    frame = pd.DataFrame(X, columns=[f"f {i}" for i in range(X.shape[1])])
    est = GradientBoostingClassifier(n_estimators=5, random_state=0).fit(frame, y)
    restored = pickle.loads(pickle.dumps(est))
    assert list(restored.feature_names_in_) == list(frame.columns)
    assert_array_equal(restored.predict_proba(frame[frame.columns[::-1]]),
                       est.predict_proba(frame))
    Xs = sparse.csr_matrix(np.where(np.abs(X) < 0.8, 0.0, X))
    est = RandomForestClassifier(n_estimators=3, random_state=0).fit(Xs, y)
    assert_array_equal(pickle.loads(pickle.dumps(est)).predict_proba(Xs),
                       est.predict_proba(Xs))


# ----------------------------------------------------- pipelines, columns
def test_pipeline_and_column_transformer_with_strings():
    rng = np.random.RandomState(0)
    n = 300
    frame = pd.DataFrame({"city": rng.choice(["paris", "rome", "oslo"], n),
                          "size": rng.normal(size=n), "age": rng.randint(0, 90, n)})
    y = ((frame["city"] == "rome") | (frame["size"] > 1)).astype(int)
    encode = ColumnTransformer([("cat", OrdinalEncoder(), ["city"])],
                               remainder="passthrough")
    pipe = make_pipeline(encode, GradientBoostingClassifier(n_estimators=20, random_state=0))
    pipe.fit(frame, y)
    assert pipe.score(frame, y) > 0.9
    # the column transformer reorders for us; the estimator sees its output
    assert pipe[-1].n_features_in_ == 3


def test_set_output_pandas_before_the_estimator():
    rng = np.random.RandomState(0)
    frame = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    y = (frame["a"] > 0).astype(int)
    scale = ColumnTransformer([("num", StandardScaler(), ["a", "b", "c"])])
    scale.set_output(transform="pandas")
    pipe = Pipeline([("scale", scale),
                     ("rf", RandomForestClassifier(n_estimators=5, random_state=0))])
    pipe.fit(frame, y)
    assert list(pipe[-1].feature_names_in_) == ["num__a", "num__b", "num__c"]
    assert_array_equal(pipe.predict(frame[["c", "a", "b"]]), pipe.predict(frame))


def test_sparse_text_pipeline():
    words = ["good", "bad", "fine", "awful", "great", "poor", "nice", "meh"]
    rng = np.random.RandomState(0)
    docs = [" ".join(rng.choice(words, 5)) for _ in range(200)]
    y = np.array([sum(w in d.split() for w in ("good", "great", "nice")) >
                  sum(w in d.split() for w in ("bad", "awful", "poor")) for d in docs])
    pipe = make_pipeline(TfidfVectorizer(),
                         GradientBoostingClassifier(n_estimators=30, random_state=0))
    pipe.fit(docs, y)
    assert sparse.issparse(pipe[0].transform(docs))
    assert pipe.score(docs, y) > 0.85
    dense = GradientBoostingClassifier(n_estimators=30, random_state=0).fit(
        pipe[0].transform(docs).toarray(), y)
    assert_array_equal(pipe.predict_proba(docs),
                       dense.predict_proba(pipe[0].transform(docs).toarray()))


# ----------------------------------------------------------------- search
def test_grid_and_randomized_search(classification, regression):
    X, y = classification
    grid = GridSearchCV(GradientBoostingClassifier(n_estimators=5, random_state=0),
                        {"max_depth": [1, 3], "split_method": ["hist", "exact"]}, cv=3)
    grid.fit(X, y)
    assert grid.best_params_["max_depth"] in (1, 3)
    assert grid.predict(X).shape == y.shape
    X, y = regression
    search = RandomizedSearchCV(RandomForestRegressor(n_estimators=4, random_state=0),
                                {"max_depth": randint(2, 8), "min_samples_leaf": randint(1, 5)},
                                n_iter=3, cv=3, random_state=0)
    search.fit(X, y)
    assert np.isfinite(search.best_score_)


# -------------------------------------------------------- metadata routing
def _weights(y):
    return np.where(y == 1, 5.0, 0.5) if np.unique(y).size == 2 else np.linspace(0.1, 3, y.size)


@pytest.mark.parametrize("est", [CLASSIFIERS[0], CLASSIFIERS[1], REGRESSORS[0]],
                         ids=lambda e: type(e).__name__)
def test_sample_weight_routed_through_pipeline(routing, est, classification, regression):
    X, y = _data_for(est, classification, regression)
    w = _weights(y)
    pipe = Pipeline([("scale", StandardScaler().set_fit_request(sample_weight=False)),
                     ("model", clone(est).set_fit_request(sample_weight=True))])
    pipe.fit(X, y, sample_weight=w)
    Xs = StandardScaler().fit_transform(X)
    weighted = clone(est).fit(Xs, y, sample_weight=w)
    unweighted = clone(est).fit(Xs, y)
    assert_array_equal(_output(pipe, X), _output(weighted, Xs))
    assert not np.array_equal(_output(pipe, X), _output(unweighted, Xs))


def test_sample_weight_routed_through_grid_search(routing, classification):
    X, y = classification
    w = _weights(y)
    est = GradientBoostingClassifier(n_estimators=5, random_state=0)
    scorer = get_scorer("accuracy").set_score_request(sample_weight=True)
    search = GridSearchCV(clone(est).set_fit_request(sample_weight=True),
                          {"max_depth": [2, 3]}, cv=KFold(3), scoring=scorer)
    search.fit(X, y, sample_weight=w)
    best = clone(est).set_params(**search.best_params_).fit(X, y, sample_weight=w)
    assert_array_equal(search.predict_proba(X), best.predict_proba(X))


def test_unrequested_sample_weight_is_an_error(routing, classification):
    X, y = classification
    pipe = make_pipeline(GradientBoostingClassifier(n_estimators=2))
    with pytest.raises(Exception, match="sample_weight"):
        pipe.fit(X, y, sample_weight=_weights(y))


# ------------------------------------------------ calibration and stacking
@pytest.mark.parametrize("est", CLASSIFIERS, ids=lambda e: type(e).__name__)
def test_calibrated_classifier(est, classification):
    X, y = classification
    calibrated = CalibratedClassifierCV(clone(est), cv=3).fit(X, y)
    proba = calibrated.predict_proba(X)
    assert proba.shape == (X.shape[0], 2)
    assert_allclose(proba.sum(axis=1), 1.0)


def test_stacking_classifier_and_regressor(classification, regression):
    X, y = classification
    stack = StackingClassifier([("gb", clone(CLASSIFIERS[0])), ("rf", clone(CLASSIFIERS[1])),
                                ("ada", clone(CLASSIFIERS[2]))],
                               final_estimator=LogisticRegression(), cv=3)
    stack.fit(X, y)
    assert stack.score(X, y) > 0.8
    X, y = regression
    stack = StackingRegressor([("gb", clone(REGRESSORS[0])), ("ridge", Ridge())],
                              final_estimator=RandomForestRegressor(n_estimators=5,
                                                                    random_state=0),
                              cv=3)
    stack.fit(X, y)
    assert np.isfinite(stack.score(X, y))


@pytest.mark.parametrize("Est", [GradientBoostingClassifier, RandomForestClassifier,
                                 AdaBoostClassifier])
def test_ensembles_are_sequences_of_their_estimators(Est):
    """len(est), est[i] and iter(est) as scikit-learn's BaseEnsemble."""
    X, y = make_classification(n_samples=200, random_state=0)
    est = Est(n_estimators=4, random_state=0).fit(X, y)
    assert len(est) == len(est.estimators_) == 4
    assert est[1] is not None and est[-1] is not None
    assert len(list(iter(est))) == 4
    first = est[0] if not isinstance(est[0], np.ndarray) else est[0][0]
    assert first.get_depth() >= 1
