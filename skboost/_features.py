"""Which features a node may split on.

Two families of rules share one mask format (``(n_nodes, n_features)``
uint8, 1 = allowed), read by every split kernel:

* scikit-learn's ``max_features``: a fresh draw at every node (see
  ``TreeGrower.feature_mask``);
* xgboost's column sampling and interaction constraints (this module):
  ``colsample_bytree`` draws a subset once per tree, ``colsample_bylevel``
  a subset of that once per depth, ``colsample_bynode`` a subset of the
  level's at every node (each draw keeps ``max(1, int(rate * size))``
  features); an interaction constraint lets a node use only features that
  share a constraint set with every feature on its path from the root.
"""
import numpy as np


def parse_interaction_constraints(constraints, n_features, feature_names=None):
    """Interaction sets as sorted int arrays.

    Parameters
    ----------
    constraints : sequence of sequences of int or str, or str
        Feature indices (or names, when ``feature_names`` is given); xgboost's
        string form ``"[[0, 1], [2, 3]]"`` is accepted too.
    n_features : int
    feature_names : ndarray of str or None

    Returns
    -------
    list of ndarray of int64
    """
    if isinstance(constraints, str):
        import json
        try:
            constraints = json.loads(constraints)
        except ValueError as exc:
            raise ValueError(f"interaction_constraints {constraints!r} is not a list "
                             "of lists of features.") from exc
    names = {} if feature_names is None else {str(n): i for i, n in enumerate(feature_names)}
    sets = []
    for group in constraints:
        if isinstance(group, (str, bytes)) or not hasattr(group, "__iter__"):
            raise ValueError("interaction_constraints must be a list of lists of features, "
                             f"got an element {group!r}.")
        indices = []
        for feature in group:
            if isinstance(feature, str):
                if feature not in names:
                    raise ValueError(f"interaction_constraints names an unknown feature "
                                     f"{feature!r}.")
                indices.append(names[feature])
            elif isinstance(feature, (int, np.integer)) and 0 <= feature < n_features:
                indices.append(int(feature))
            else:
                raise ValueError(f"interaction_constraints holds {feature!r}, which is not "
                                 f"a feature index in [0, {n_features}).")
        sets.append(np.unique(np.asarray(indices, dtype=np.int64)))
    return sets


class ColumnSampler:
    """Per-tree, per-level and per-node feature subsets and interaction
    constraints for one tree at a time.

    Parameters
    ----------
    n_features : int
    bytree, bylevel, bynode : float in (0, 1]
    interaction_sets : list of ndarray of int or None
    """

    def __init__(self, n_features, bytree=1.0, bylevel=1.0, bynode=1.0,
                 interaction_sets=None):
        self.n_features = n_features
        self.bytree, self.bylevel, self.bynode = bytree, bylevel, bynode
        self.sets = interaction_sets or []
        self.membership = np.zeros((len(self.sets), n_features), dtype=bool)
        for i, group in enumerate(self.sets):
            self.membership[i, group] = True

    @property
    def active(self):
        return (self.bytree < 1.0 or self.bylevel < 1.0 or self.bynode < 1.0
                or bool(self.sets))

    def _draw(self, features, rate, rng):
        if rate >= 1.0:
            return features
        # xgboost: max(1, int(rate * size)) in float32 (0.7 * 10 -> 7, 0.35 * 20 -> 7)
        n = max(1, int(np.float32(rate) * np.float32(features.size)))
        return np.sort(rng.choice(features, n, replace=False))

    def start_tree(self, rng):
        """Draw the tree's features; forget the levels and paths of the last tree."""
        self._rng = rng
        self._tree = self._draw(np.arange(self.n_features), self.bytree, rng)
        self._levels = {}
        self._paths = {0: np.zeros(self.n_features, dtype=bool)}

    def split(self, parents, features, lefts, rights):
        """Record the feature each parent split on, for its children's paths."""
        if not self.sets:
            return
        for parent, feature, left, right in zip(parents, features, lefts, rights):
            path = self._paths[int(parent)].copy()
            path[feature] = True
            self._paths[int(left)] = self._paths[int(right)] = path

    def _allowed_by_constraints(self, node):
        path = self._paths[int(node)]
        if not path.any():
            return np.ones(self.n_features, dtype=bool)
        covering = self.membership[:, path].all(axis=1)
        return path | self.membership[covering].any(axis=0)

    def masks(self, nodes, depths):
        """Allowed features of ``nodes`` (at ``depths``).

        Returns
        -------
        ndarray of shape (n_nodes, n_features), uint8
        """
        mask = np.zeros((nodes.size, self.n_features), dtype=np.uint8)
        for i, (node, depth) in enumerate(zip(nodes, depths)):
            depth = int(depth)
            if depth not in self._levels:
                self._levels[depth] = self._draw(self._tree, self.bylevel, self._rng)
            chosen = self._draw(self._levels[depth], self.bynode, self._rng)
            mask[i, chosen] = 1
            if self.sets:
                mask[i] &= self._allowed_by_constraints(node)
        return mask
