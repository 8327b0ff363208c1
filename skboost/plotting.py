"""Plots of fitted skboost models: importances, one tree, learning curves.

matplotlib is optional (``pip install matplotlib`` or ``skboost[docs]``): it
is imported when a function is called.  Every function draws on ``ax`` (a new
figure when ``None``) and returns the Axes.
"""
import numpy as np

from . import _inspect
from ._tree import LEAF

_COLORS = {"split": "#cfe2f3", "leaf": "#d9ead3", "cut": "#e6e6e6"}


def _pyplot():
    """matplotlib.pyplot, or an ImportError saying how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError("skboost.plotting needs matplotlib: pip install matplotlib "
                          "(or pip install skboost[docs])") from exc
    return plt


def _new_axes(plt, ax, figsize):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


# ---------------------------------------------------------------- importances
def plot_importance(est, ax=None, importance_type="gain", max_num_features=None,
                    title="Feature importance", xlabel=None, ylabel="Features", height=0.2,
                    grid=True, show_values=True, values_format="{:.3g}", xlim=None,
                    figsize=None, **kwargs):
    """Horizontal bar chart of the features' importances, largest at the top.

    Parameters
    ----------
    est : estimator
        A fitted skboost estimator.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    importance_type : str, default="gain"
        A type of :func:`skboost.inspection.feature_importances`; the bars
        are its normalised scores.  Features never split on are left out.
    max_num_features : int, default=None
        Show only this many of the most important features.
    title, xlabel, ylabel : str
        Labels; ``xlabel=None`` names the importance type.
    height : float, default=0.2
        Bar height.
    grid : bool, default=True
    show_values : bool, default=True
        Write each score at the end of its bar, with ``values_format``.
    values_format : str, default="{:.3g}"
    xlim : tuple of float, default=None
    figsize : tuple of float, default=None
        Size of the new figure (when ``ax`` is None).
    **kwargs
        Passed to ``ax.barh``.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        When the model has no split (nothing to rank).
    """
    plt = _pyplot()
    scores = _inspect.feature_importances(est, importance_type)
    names = np.asarray(_inspect.feature_names(est), dtype=object)
    order = [i for i in np.argsort(scores, kind="stable") if scores[i] > 0]
    if max_num_features is not None:
        order = order[len(order) - max_num_features:] if max_num_features > 0 else []
    if not order:
        raise ValueError("The model has no split with a positive importance: "
                         "nothing to plot.")
    created = ax is None
    ax = _new_axes(plt, ax, figsize)
    positions = np.arange(len(order))
    ax.barh(positions, scores[order], height=height, align="center", **kwargs)
    if show_values:
        for y, score in zip(positions, scores[order]):
            ax.text(score, y, " " + values_format.format(score), va="center")
    ax.set_yticks(positions)
    ax.set_yticklabels(names[order])
    ax.set_xlim(xlim if xlim is not None else (0, 1.15 * scores[order].max()))
    ax.set_ylim(-0.5 - height, len(order) - 0.5 + height)
    ax.set_title(title)
    ax.set_xlabel(xlabel if xlabel is not None
                  else f"Importance ({importance_type}, normalised)")
    ax.set_ylabel(ylabel)
    ax.grid(grid)
    if created:
        ax.figure.tight_layout()
    return ax


# ----------------------------------------------------------------------- tree
def _layout(tree, max_depth):
    """Where each drawn node goes: x (leaves take slots left to right, a split
    sits above the middle of its children) and depth.

    Returns
    -------
    x : dict of int to float
    depth : dict of int to int
    cut : set of int
        Internal nodes at ``max_depth`` whose subtrees are not drawn.
    n_slots : int
    """
    x, depth, cut = {}, {0: 0}, set()
    n_slots = 0
    stack = [(0, False)]
    while stack:
        node, children_placed = stack.pop()
        left, right = int(tree.left[node]), int(tree.right[node])
        if children_placed:
            x[node] = (x[left] + x[right]) / 2
        elif left == LEAF or (max_depth is not None and depth[node] >= max_depth):
            if left != LEAF:
                cut.add(node)
            x[node] = float(n_slots)
            n_slots += 1
        else:
            depth[left] = depth[right] = depth[node] + 1
            stack += [(node, True), (right, False), (left, False)]
    return x, depth, cut, n_slots


def _fmt(value, precision):
    """``precision`` decimals (trailing zeros dropped), significant digits below that."""
    value = float(value) + 0.0  # no "-0"
    if value != 0.0 and abs(value) < 10.0 ** -precision:
        return f"{value:.{precision}g}"
    text = f"{value:.{precision}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text == "-0" else text


def category_set_text(values, max_categories=4):
    """``"{a, b, c}"``, cut to ``max_categories`` values plus ``"... (+n)"``.

    Parameters
    ----------
    values : list
        Category values (any type; shown with ``str``).
    max_categories : int or None
        Most values written; all when None.

    Returns
    -------
    str
    """
    shown = [str(v) for v in values]
    if max_categories is not None and len(shown) > max_categories:
        rest = len(shown) - max_categories
        shown = shown[:max_categories] + [f"... (+{rest})"]
    return "{" + ", ".join(shown) + "}"


def _split_text(est, tree, node, names, precision, max_categories):
    """``"<feature> <= <threshold>"`` or ``"<feature> in {<categories>}"``."""
    name = names[tree.feature[node]]
    if tree.categorical[node]:
        codes = _inspect.category_codes_left(tree, node)
        values = _inspect.category_values(est, int(tree.feature[node]), codes)
        return f"{name} in {category_set_text(values, max_categories)}"
    return f"{name} <= {_fmt(tree.threshold[node], precision)}"


def _node_label(est, tree, node, names, precision, show_stats, cut, max_categories=4):
    """Text of one node box."""
    if tree.left[node] == LEAF:
        values = [_fmt(v, precision) for v in tree.value[node]]
        text = "leaf " + (values[0] if len(values) == 1 else "[" + ", ".join(values) + "]")
        return text + (f"\ncover {_fmt(tree.cover[node], precision)}" if show_stats else "")
    text = _split_text(est, tree, node, names, precision, max_categories)
    if show_stats:
        text += (f"\ngain {_fmt(tree.gain[node], precision)}, "
                 f"cover {_fmt(tree.cover[node], precision)}")
    return text + ("\n..." if node in cut else "")


def _draw_edges(ax, tree, node, x, depth, fontsize):
    """Lines to both children, labelled yes / no and where missing values go."""
    missing_left = bool(tree.missing_left[node])
    for child, answer, gets_missing in ((tree.left[node], "yes", missing_left),
                                        (tree.right[node], "no", not missing_left)):
        x0, y0, x1, y1 = x[node], -depth[node], x[child], -depth[child]
        ax.plot([x0, x1], [y0, y1], color="0.45", linewidth=1, zorder=1)
        label = answer + (", missing" if gets_missing else "")
        ax.text((x0 + x1) / 2, (y0 + y1) / 2, label, ha="center", va="center",
                fontsize=0.85 * fontsize, color="0.25", zorder=2,
                bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none"})


def _slot_inches(labels, fontsize=9.0):
    """Width one leaf slot needs so the longest line of ``labels`` fits."""
    longest = max(len(line) for label in labels for line in label.split("\n"))
    return (0.62 * longest + 3.0) * fontsize / 72.0


def _auto_fontsize(ax, n_slots, labels):
    width = ax.figure.get_figwidth() * ax.get_position().width / max(n_slots, 1)
    return float(np.clip(9.0 * width / _slot_inches(labels), 4.0, 10.0))


def plot_tree(est, tree_index=0, ax=None, feature_names=None, precision=3, max_depth=None,
              fontsize=None, show_stats=False, figsize=None, max_categories=4):
    """Draw one tree with matplotlib: split boxes above their children.

    Split boxes read ``"<feature> <= <threshold>"``, or for a categorical
    split ``"<feature> in {<categories>}"`` (the categories sent left, as
    values of ``est.categories_``, e.g. ``"island in {Biscoe, Dream}"``);
    the edge to the left child is labelled ``yes``, the right one ``no``,
    and the side that rows with a missing value (and, on a categorical
    split, a category not seen at fit) take adds ``missing``.  Leaves show
    their value(s).

    Parameters
    ----------
    est : estimator
        A fitted skboost estimator.
    tree_index : int, default=0
        Position of the tree in the model (see the ``Tree`` column of
        :func:`skboost.inspection.trees_to_dataframe`; a multiclass boosting
        model has one tree per class and iteration).
    ax : matplotlib Axes, default=None
        Where to draw; a new figure sized to the tree when None.
    feature_names : list of str, default=None
        Names to show; ``feature_names_in_`` or ``f<i>`` when None.
    precision : int, default=3
        Decimals of thresholds and values (significant digits for values
        smaller than ``10 ** -precision``).
    max_depth : int, default=None
        Draw nodes down to this depth; deeper subtrees are marked ``...``.
    fontsize : float, default=None
        Text size; chosen from the axes width and the number of leaves when None.
    show_stats : bool, default=False
        Add gain and cover to the boxes.
    figsize : tuple of float, default=None
        Size of the new figure (when ``ax`` is None).
    max_categories : int or None, default=4
        Categories written in a categorical split's box; longer lists end
        with ``"... (+n)"`` (n more categories).  None writes them all.

    Returns
    -------
    matplotlib.axes.Axes
    """
    plt = _pyplot()
    trees, _ = _inspect.fitted_trees(est)
    if not -len(trees) <= tree_index < len(trees):
        raise IndexError(f"tree_index={tree_index} is out of range: the model has "
                         f"{len(trees)} trees.")
    tree = trees[tree_index]
    names = (list(feature_names) if feature_names is not None
             else _inspect.feature_names(est, trees))
    x, depth, cut, n_slots = _layout(tree, max_depth)
    labels = {node: _node_label(est, tree, node, names, precision, show_stats, cut,
                                max_categories) for node in x}
    levels = max(depth[node] for node in x)
    if ax is None:
        width = min(max(6.0, n_slots * _slot_inches(labels.values())), 80.0)
        figsize = figsize or (width, max(3.0, 1.3 * (levels + 1)))
        _, ax = plt.subplots(figsize=figsize)
        ax.set_position([0.01, 0.01, 0.98, 0.98])  # no ticks to make room for
    fontsize = fontsize or _auto_fontsize(ax, n_slots, labels.values())
    for node, label in labels.items():
        kind = "leaf" if tree.left[node] == LEAF else ("cut" if node in cut else "split")
        if kind == "split":
            _draw_edges(ax, tree, node, x, depth, fontsize)
        ax.text(x[node], -depth[node], label, ha="center", va="center", fontsize=fontsize,
                zorder=3, bbox={"boxstyle": "round,pad=0.3", "facecolor": _COLORS[kind],
                                "edgecolor": "0.3"})
    ax.set_xlim(-0.6, n_slots - 0.4)
    ax.set_ylim(-levels - 0.5, 0.5)
    ax.axis("off")
    return ax


# ------------------------------------------------------------ learning curves
def _pick_metric(curves, metric):
    available = list(dict.fromkeys(m for metrics in curves.values() for m in metrics))
    if metric is None:
        return available[0]
    if metric not in available:
        raise ValueError(f"metric {metric!r} was not recorded; available: {available}.")
    return metric


def plot_metric(est, metric=None, ax=None, title="Metric during training",
                xlabel="Iterations", ylabel=None, grid=True, figsize=None, **kwargs):
    """Learning curves: one line per data set for one recorded metric.

    The curves come from ``est.evals_result()`` when the estimator has it
    (xgboost's ``{"validation_0": {"logloss": [...]}}`` layout); otherwise
    gradient boosting shows ``train_score_`` (``"training"``),
    ``oob_scores_`` (``"oob"``, with ``subsample < 1``) and a validation
    score where recorded, under the loss's name; AdaBoost shows
    ``estimator_errors_`` (metric ``"estimator_error"``: each round's
    weighted training error, or average loss for regression) and
    ``estimator_weights_`` (``"estimator_weight"``).  Random forests record
    no curve.

    Parameters
    ----------
    est : estimator
        A fitted estimator.
    metric : str, default=None
        Metric to draw; the first recorded one when None.
    ax : matplotlib Axes, default=None
    title, xlabel : str
    ylabel : str, default=None
        The metric's name when None.
    grid : bool, default=True
    figsize : tuple of float, default=None
        Size of the new figure (when ``ax`` is None).
    **kwargs
        Passed to ``ax.plot``.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        When the model records no learning curve, or not ``metric``.
    """
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator
    curves = _inspect.learning_curves(est)
    if not curves:
        raise ValueError(f"{type(est).__name__} records no learning curve (it has no "
                         "evals_result(), train_score_, oob_scores_, validation scores "
                         "or estimator_errors_).")
    metric = _pick_metric(curves, metric)
    ax = _new_axes(plt, ax, figsize)
    for data, metrics in curves.items():
        if metric in metrics:
            values = metrics[metric]
            ax.plot(np.arange(1, values.size + 1), values, label=data, **kwargs)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="best")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel if ylabel is not None else metric)
    ax.grid(grid)
    return ax
