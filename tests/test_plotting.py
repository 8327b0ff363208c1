"""Plots of every family render with matplotlib alone (Agg backend)."""
import sys

import numpy as np
import pytest

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import skboost  # noqa: E402
from skboost.inspection import feature_importances  # noqa: E402
from skboost.plotting import plot_importance, plot_metric, plot_tree  # noqa: E402

from skboost.plotting import category_set_text  # noqa: E402

from .test_inspect import (FAMILIES, ISLANDS, HandModel, categorical_hand_tree,  # noqa: E402
                           categorical_models, fitted_models, make_tree, two_hand_trees)


@pytest.fixture(scope="module")
def models(load):
    return fitted_models(load)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def check_png(ax, path):
    """The figure saves as a non-empty PNG with more than one colour."""
    ax.figure.savefig(path, dpi=40)
    assert path.stat().st_size > 0
    image = plt.imread(path)
    colours = np.unique(image.reshape(-1, image.shape[-1]), axis=0)
    assert len(colours) > 1


def texts(ax):
    return [t.get_text() for t in ax.texts]


# ---------------------------------------------------------------- importance
@pytest.mark.parametrize("family", FAMILIES)
def test_plot_importance_every_family(models, family, tmp_path):
    est = models[family]
    ax = plot_importance(est)
    check_png(ax, tmp_path / "importance.png")
    scores = feature_importances(est, "gain")
    used = [name for name, s in zip(est.feature_names_in_, scores) if s > 0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert sorted(labels) == sorted(used)
    widths = [bar.get_width() for bar in ax.patches]
    assert widths == sorted(widths)                 # largest at the top
    np.testing.assert_allclose(sorted(widths), sorted(scores[scores > 0]))
    assert len(ax.texts) == len(used)               # one value per bar


def test_plot_importance_options(models):
    est = models["gb_clf"]
    fig, ax = plt.subplots()
    out = plot_importance(est, ax=ax, importance_type="weight", max_num_features=2,
                          show_values=False, title="T", xlabel="X", ylabel="Y",
                          color="red", grid=False)
    assert out is ax
    assert len(ax.patches) == 2 and not ax.texts
    top = np.sort(feature_importances(est, "weight"))[-2:]
    np.testing.assert_allclose([b.get_width() for b in ax.patches], top)
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("T", "X", "Y")


def test_plot_importance_without_splits():
    stump = make_tree(left=[-1], right=[-1], feature=[0], gain=[0], cover=[5], value=[1.0])
    with pytest.raises(ValueError, match="no split"):
        plot_importance(HandModel([stump], n_features=2))


# ---------------------------------------------------------------------- tree
@pytest.mark.parametrize("family", FAMILIES)
def test_plot_tree_every_family(models, family, tmp_path):
    est = models[family]
    tree = est._forest.trees[-1]
    ax = plot_tree(est, tree_index=-1)
    check_png(ax, tmp_path / "tree.png")
    boxes = [t for t in texts(ax) if t not in ("yes", "no", "yes, missing", "no, missing")]
    assert len(boxes) == tree.node_count
    internal = tree.left != -1
    used = {est.feature_names_in_[f] for f in tree.feature[internal]}
    joined = "\n".join(texts(ax))
    for name in used:
        assert name + " <= " in joined
    assert sum(t.startswith("leaf ") for t in boxes) == tree.get_n_leaves()
    # every split marks where missing values go, exactly once
    assert sum("missing" in t for t in texts(ax)) == internal.sum()


def test_plot_tree_hand_built_labels():
    model = HandModel(two_hand_trees(), n_features=4)
    fig, ax = plt.subplots()
    plot_tree(model, tree_index=1, ax=ax, feature_names=["a", "b", "c", "d"], precision=2)
    labels = texts(ax)
    assert "a <= 0.5" in labels and "c <= 2.5" in labels
    assert {"leaf 0.5", "leaf 0.7", "leaf 0.8"} <= set(labels)
    # B's root sends missing values right (no), its right child left (yes)
    assert labels.count("no, missing") == 1 and labels.count("yes, missing") == 1


def test_plot_tree_layout_puts_parents_above_middle_of_children():
    model = HandModel(two_hand_trees(), n_features=4)
    ax = plot_tree(model, tree_index=0)
    boxes = {t.get_text(): t.get_position() for t in ax.texts if "<=" in t.get_text()
             or t.get_text().startswith("leaf")}
    root, child = boxes["f0 <= 0.5"], boxes["f1 <= 1.5"]
    assert root[1] > child[1]
    assert child[0] == pytest.approx((boxes["leaf 0.3"][0] + boxes["leaf -0.4"][0]) / 2)


def test_plot_tree_max_depth_and_stats(models):
    est = models["rf_clf"]
    tree = est._forest.trees[0]
    ax = plot_tree(est, max_depth=1, show_stats=True)
    boxes = [t.get_text() for t in ax.texts if "<=" in t.get_text() or "leaf" in t.get_text()]
    assert len(boxes) <= 3
    assert any(t.endswith("...") for t in boxes)
    assert all("cover" in t for t in boxes)
    assert tree.get_depth() > 1


def test_plot_tree_bad_index(models):
    with pytest.raises(IndexError, match="tree_index"):
        plot_tree(models["ada_reg"], tree_index=99)


# -------------------------------------------------------------------- metric
def test_plot_metric_gradient_boosting(models, tmp_path):
    est = models["gb_reg"]          # subsample < 1: training and oob curves
    ax = plot_metric(est)
    check_png(ax, tmp_path / "metric.png")
    lines = {line.get_label(): line.get_ydata() for line in ax.get_lines()}
    assert set(lines) == {"training", "oob"}
    np.testing.assert_allclose(lines["training"], est.train_score_)
    np.testing.assert_allclose(lines["oob"], est.oob_scores_)
    assert ax.get_ylabel() == "squared_error"


def test_plot_metric_classifier_and_adaboost(models):
    ax = plot_metric(models["gb_clf"])
    assert [line.get_label() for line in ax.get_lines()] == ["training"]
    assert ax.get_ylabel() == "log_loss"
    ada = models["ada_clf"]
    ax = plot_metric(ada)
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(),
                               ada.estimator_errors_[:len(ada.estimators_)])
    ax = plot_metric(ada, metric="estimator_weight")
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(),
                               ada.estimator_weights_[:len(ada.estimators_)])
    with pytest.raises(ValueError, match="available"):
        plot_metric(ada, metric="auc")


def test_plot_metric_evals_result():
    class Evals:
        def evals_result(self):
            return {"validation_0": {"logloss": [0.6, 0.5, 0.45], "error": [0.3, 0.2, 0.2]},
                    "validation_1": {"logloss": [0.65, 0.6, 0.58]}}

    ax = plot_metric(Evals())
    assert [line.get_label() for line in ax.get_lines()] == ["validation_0", "validation_1"]
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), [0.65, 0.6, 0.58])
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [1, 2, 3])
    ax = plot_metric(Evals(), metric="error")
    assert [line.get_label() for line in ax.get_lines()] == ["validation_0"]


def test_plot_metric_forest_has_no_curve(models):
    with pytest.raises(ValueError, match="no learning curve"):
        plot_metric(models["rf_reg"])


# --------------------------------------------------------- no matplotlib
@pytest.mark.parametrize("plot", [plot_importance, plot_tree, plot_metric])
def test_missing_matplotlib(monkeypatch, plot):
    model = HandModel(two_hand_trees(), n_features=4)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        plot(model)


def test_unfitted_estimator():
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        plot_tree(skboost.RandomForestRegressor())


# ------------------------------------------------------ categorical splits
def test_plot_tree_labels_a_categorical_split():
    model = HandModel([categorical_hand_tree()], n_features=2, categories=[ISLANDS, None])
    fig, ax = plt.subplots()
    plot_tree(model, ax=ax, feature_names=["island", "bill"])
    labels = texts(ax)
    assert "island in {Biscoe, Torgersen}" in labels
    assert "bill <= 0.5" in labels
    # the root sends missing values (and unseen categories) right
    assert labels.count("no, missing") == 1


def test_category_lists_are_truncated():
    values = [f"c{i}" for i in range(10)]
    assert category_set_text(values[:4]) == "{c0, c1, c2, c3}"
    assert category_set_text(values[:6]) == "{c0, c1, c2, c3, ... (+2)}"
    assert category_set_text(values, max_categories=2) == "{c0, c1, ... (+8)}"
    assert category_set_text(values, max_categories=None) == "{" + ", ".join(values) + "}"
    assert category_set_text([1.5, 2]) == "{1.5, 2}"
    tree = make_tree(left=[1, -1, -1], right=[2, -1, -1], feature=[0, 0, 0], gain=[1, 0, 0],
                     cover=[3, 1, 2], value=[0, 1, 2], categories_left={0: [0, 2, 4, 6, 8, 9]})
    model = HandModel([tree], n_features=1, categories=[values])
    assert "f0 in {c0, c2, c4, c6, ... (+2)}" in texts(plot_tree(model))
    assert "f0 in {c0, c2, ... (+4)}" in texts(plot_tree(model, max_categories=2))
    assert "f0 in {c0, c2, c4, c6, c8, c9}" in texts(plot_tree(model, max_categories=None))


@pytest.mark.parametrize("family", FAMILIES)
def test_plot_tree_categorical_models(load, family, tmp_path):
    est, _ = categorical_models(load)[family]
    trees = est._forest.trees
    index = next(i for i, t in enumerate(trees) if (t.categorical[t.left != -1] == 1).any())
    tree = trees[index]
    ax = plot_tree(est, tree_index=index, max_categories=None)
    check_png(ax, tmp_path / "tree.png")
    labels = texts(ax)
    for node in np.flatnonzero((tree.left != -1) & (tree.categorical == 1)):
        f = tree.feature[node]
        codes = np.flatnonzero(np.unpackbits(tree.cat_bitset[node].view(np.uint8),
                                             bitorder="little"))
        values = ", ".join(str(est.categories_[f][c]) for c in codes)
        assert f"{est.feature_names_in_[f]} in {{{values}}}" in labels
    assert not any("nan" in label for label in labels)
