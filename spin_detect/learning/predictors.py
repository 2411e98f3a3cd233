"""Fitted models as plain arrays, and the small predictors that score with them.

scikit-learn trains the models; :func:`export_estimator` turns each fitted
estimator the detector uses into numpy arrays, and the classes here predict
from those arrays alone, with no scikit-learn import and no unpickling:

* :class:`TreeEnsemble`: a binary :class:`~sklearn.ensemble.HistGradientBoostingClassifier`
  (the trees' node arrays and the baseline); raw scores are summed tree by
  tree in scikit-learn's order, so they are the same numbers.
* :class:`IsotonicCalibrated`: a tree ensemble calibrated by isotonic
  regression (:class:`~sklearn.calibration.CalibratedClassifierCV`), with
  the calibration curve interpolated as scipy's ``interp1d`` does.
* :class:`LogisticRule`: the document rule
  (:class:`~spin_detect.learning.estimators.DocumentScorer`: standardised
  features, logistic regression, capped by one input column).
* :class:`CappedTrees`: the tree document rule
  (:class:`~spin_detect.learning.estimators.TreeDocumentScorer`: a tree
  ensemble over every input column but one, capped by that column).

Each has ``predict_proba(X)`` (two columns, the second is "spun") and
``to_arrays(prefix)``; :func:`from_arrays` rebuilds one from a dict of arrays
such as ``numpy.load(..., allow_pickle=False)`` returns. The arrays carry a
``kind`` code so that a file cannot make the loader build anything else.
"""

from __future__ import annotations

import sys
from functools import cached_property
from typing import Any, Protocol

import numpy as np

from spin_detect.learning.portable import portable

__all__ = ["CappedTrees", "IsotonicCalibrated", "LogisticRule", "Predictor", "TreeEnsemble", "export_estimator",
           "from_arrays", "portable"]


class Predictor(Protocol):
    """What the spin model asks of each of its three models."""

    def predict_proba(self, X: np.ndarray) -> np.ndarray: ...

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]: ...


#: Rows x trees from which a tree ensemble uses the compiled walk (when numba is installed): below it,
#: numba's import and first compilation cost more than they save.
COMPILED_MIN_WORK = 400_000


def _compiled_walk() -> Any:
    """:func:`spin_detect.learning.compiled.tree_raw`, or None without numba."""
    try:
        from spin_detect.learning.compiled import tree_raw
    except ImportError:
        return None
    return tree_raw


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _two_columns(p: np.ndarray) -> np.ndarray:
    return np.column_stack([1.0 - p, p])


class TreeEnsemble:
    """Gradient-boosted trees over float features: ``raw(X) = baseline + sum of leaf values``.

    Node arrays are concatenated over the trees (``tree_start`` gives each tree's
    root); children are global node numbers. A sample goes left when its value is
    ``<= threshold``, or when it is NaN and ``missing_left`` is set.
    """

    KIND = "trees"

    def __init__(self, feature: np.ndarray, threshold: np.ndarray, missing_left: np.ndarray, left: np.ndarray,
                 right: np.ndarray, is_leaf: np.ndarray, value: np.ndarray, tree_start: np.ndarray,
                 baseline: float, n_features: int) -> None:
        self.feature = np.asarray(feature, dtype=np.int64)
        self.threshold = np.asarray(threshold, dtype=np.float64)
        self.walk_threshold = portable(self.threshold)  # compared with features rounded alike (:func:`portable`)
        self.missing_left = np.asarray(missing_left, dtype=bool)
        self.left = np.asarray(left, dtype=np.int64)
        self.right = np.asarray(right, dtype=np.int64)
        self.is_leaf = np.asarray(is_leaf, dtype=bool)
        self.value = np.asarray(value, dtype=np.float64)
        self.tree_start = np.asarray(tree_start, dtype=np.int64)
        self.baseline = float(baseline)
        self.n_features = int(n_features)
        self._nodes: np.ndarray | None = None  # the compiled walk's node records, made on its first use
        _check_trees(self)

    @classmethod
    def from_sklearn(cls, model: Any) -> TreeEnsemble:
        """The arrays of a fitted binary ``HistGradientBoostingClassifier`` (numeric features only)."""
        if getattr(model, "n_trees_per_iteration_", None) != 1:
            raise ValueError("only binary HistGradientBoostingClassifier models can be exported")
        parts, starts, offset = [], [], 0
        for (predictor,) in model._predictors:
            nodes = predictor.nodes
            if nodes["is_categorical"].any():
                raise ValueError("trees with categorical splits cannot be exported")
            parts.append((nodes, offset))
            starts.append(offset)
            offset += len(nodes)
        cat = np.concatenate
        return cls(
            feature=cat([n["feature_idx"].astype(np.int64) for n, _ in parts]),
            threshold=cat([n["num_threshold"].astype(np.float64) for n, _ in parts]),
            missing_left=cat([n["missing_go_to_left"].astype(bool) for n, _ in parts]),
            left=cat([np.where(n["is_leaf"], -1, n["left"].astype(np.int64) + o) for n, o in parts]),
            right=cat([np.where(n["is_leaf"], -1, n["right"].astype(np.int64) + o) for n, o in parts]),
            is_leaf=cat([n["is_leaf"].astype(bool) for n, _ in parts]),
            value=cat([n["value"].astype(np.float64) for n, _ in parts]),
            tree_start=np.array(starts, dtype=np.int64),
            baseline=float(np.asarray(model._baseline_prediction).ravel()[0]),
            n_features=int(model.n_features_in_),
        )

    def raw(self, X: np.ndarray) -> np.ndarray:
        """Raw scores (log-odds), the sum of the baseline and one leaf value per tree.

        Large batches use the compiled walk of :mod:`spin_detect.learning.compiled`
        when numba is installed; both walks add the leaf values tree by tree, in
        scikit-learn's order, so they give the same numbers.

        Features and thresholds are compared rounded to 32 significant bits (:func:`portable`), so that a score
        is the same on every processor: numpy's math functions differ in the last bits between instruction sets.
        """
        X = portable(X)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(f"expected {self.n_features} feature columns, got shape {X.shape}")
        if len(X) * len(self.tree_start) >= COMPILED_MIN_WORK or "spin_detect.learning.compiled" in sys.modules:
            walk = _compiled_walk()  # once loaded (an audit worker, a large batch), used for every batch
            if walk is not None:
                if self._nodes is None:
                    from spin_detect.learning.compiled import pack_nodes

                    feature, _, nan_right, children, _ = self._walk_arrays
                    self._nodes = pack_nodes(feature, nan_right, children)
                return walk(X, self.feature, self.walk_threshold, self.missing_left, self.left, self.right,
                            self.is_leaf, self.value, self.tree_start, self.baseline, walk=self._walk_arrays[:4],
                            nodes=self._nodes)
        return self._raw_numpy(X)

    def raw_numpy(self, X: np.ndarray) -> np.ndarray:
        """:meth:`raw` in numpy alone: the reference walk, and the one small batches use.

        Tree by tree, every sample one step down per round; a sample that reached a
        leaf stays there (leaves are their own children), and finished samples are
        dropped once they are a quarter of those still walking. Features rounded as in :meth:`raw`.
        """
        return self._raw_numpy(portable(X))

    def _raw_numpy(self, X: np.ndarray) -> np.ndarray:
        """:meth:`raw_numpy` of features already rounded (:func:`portable`): :meth:`raw` rounds them once."""
        n = len(X)
        out = np.full(n, self.baseline)
        if n == 0:
            return out
        flat = X.ravel()
        has_nan = bool(np.isnan(flat).any())
        feature, threshold, nan_right, children, is_leaf = self._walk_arrays
        row_start = np.arange(n, dtype=np.int64) * self.n_features
        for root in self.tree_start.tolist():
            leaf_of = np.empty(n, dtype=np.int64)
            cur = np.full(n, root, dtype=np.int64)
            rows, where = row_start, np.arange(n)
            while len(cur):
                x = flat[rows + feature[cur]]
                right = x > threshold[cur]  # NaN > t is False: NaN goes left unless told otherwise
                if has_nan:
                    right |= nan_right[cur] & np.isnan(x)
                cur = children[2 * cur + right]
                done = is_leaf[cur]
                n_done = np.count_nonzero(done)
                if n_done == len(cur):
                    leaf_of[where] = cur
                    break
                if n_done * 4 > len(cur):
                    leaf_of[where[done]] = cur[done]
                    keep = ~done
                    cur, rows, where = cur[keep], rows[keep], where[keep]
            out += self.value[leaf_of]
        return out

    @cached_property
    def _walk_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per node, for :meth:`raw_numpy`: feature, threshold, whether NaN goes right, the children
        interleaved (left, right; a leaf's are itself), and whether it is a leaf."""
        inner = ~self.is_leaf
        nodes = np.arange(len(self.left))
        children = np.empty(2 * len(nodes), dtype=np.int64)
        children[0::2] = np.where(inner, self.left, nodes)
        children[1::2] = np.where(inner, self.right, nodes)
        return np.where(inner, self.feature, 0), self.walk_threshold, ~self.missing_left, children, self.is_leaf

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Probabilities of the two classes; column 1 is the positive one."""
        return _two_columns(_expit(self.raw(X)))

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The arrays that :func:`from_arrays` reads back, under ``prefix``."""
        return {f"{prefix}kind": np.array(self.KIND), f"{prefix}feature": self.feature,
                f"{prefix}threshold": self.threshold, f"{prefix}missing_left": self.missing_left,
                f"{prefix}left": self.left, f"{prefix}right": self.right, f"{prefix}is_leaf": self.is_leaf,
                f"{prefix}value": self.value, f"{prefix}tree_start": self.tree_start,
                f"{prefix}baseline": np.array(self.baseline), f"{prefix}n_features": np.array(self.n_features)}

    @classmethod
    def _from(cls, a: dict[str, np.ndarray], prefix: str) -> TreeEnsemble:
        return cls(a[prefix + "feature"], a[prefix + "threshold"], a[prefix + "missing_left"], a[prefix + "left"],
                   a[prefix + "right"], a[prefix + "is_leaf"], a[prefix + "value"], a[prefix + "tree_start"],
                   float(a[prefix + "baseline"]), int(a[prefix + "n_features"]))


def _check_trees(t: TreeEnsemble) -> None:
    """Refuse arrays that would index out of range or loop: every child comes after its parent."""
    n = len(t.feature)
    if not (len(t.threshold) == len(t.missing_left) == len(t.left) == len(t.right) == len(t.is_leaf)
            == len(t.value) == n):
        raise ValueError("tree arrays of different lengths")
    inner = ~t.is_leaf
    idx = np.flatnonzero(inner)
    if len(t.tree_start) and ((t.tree_start < 0).any() or (t.tree_start >= n).any()):
        raise ValueError("a tree starts outside the node arrays")
    if ((t.left[idx] <= idx) | (t.right[idx] <= idx) | (t.left[idx] >= n) | (t.right[idx] >= n)).any():
        raise ValueError("a tree node points outside the node arrays or backwards")
    if ((t.feature[idx] < 0) | (t.feature[idx] >= t.n_features)).any():
        raise ValueError("a tree node splits on a feature the model does not have")


class IsotonicCalibrated:
    """Tree-ensemble raw scores mapped through an isotonic calibration curve."""

    KIND = "isotonic"

    def __init__(self, trees: TreeEnsemble, x: np.ndarray, y: np.ndarray) -> None:
        self.trees = trees
        self.x = np.asarray(x, dtype=np.float64)
        self.y = np.asarray(y, dtype=np.float64)
        if len(self.x) != len(self.y) or not len(self.x) or (np.diff(self.x) <= 0).any():
            raise ValueError("an isotonic curve needs increasing, distinct x values, one y each")

    @classmethod
    def from_sklearn(cls, model: Any) -> IsotonicCalibrated:
        """A fitted ``CalibratedClassifierCV(FrozenEstimator(hgb), method="isotonic")`` with one calibrator."""
        if getattr(model, "method", None) != "isotonic" or len(model.calibrated_classifiers_) != 1:
            raise ValueError("only isotonic calibration with one calibrated classifier can be exported")
        cc = model.calibrated_classifiers_[0]
        est = getattr(cc.estimator, "estimator", cc.estimator)  # FrozenEstimator wraps the fitted model
        (iso,) = cc.calibrators
        if iso.out_of_bounds != "clip" or not iso.increasing_:
            raise ValueError("only increasing, clipped isotonic calibration can be exported")
        return cls(TreeEnsemble.from_sklearn(est), iso.X_thresholds_, iso.y_thresholds_)

    def calibrate(self, raw: np.ndarray) -> np.ndarray:
        """The curve at ``raw``, clipped to its ends; linear in between, as scipy's ``interp1d``."""
        x, y = self.x, self.y
        t = np.clip(np.asarray(raw, dtype=np.float64), x[0], x[-1])
        if len(x) == 1:
            return np.full(t.shape, y[0])
        hi = np.clip(np.searchsorted(x, t), 1, len(x) - 1)
        lo = hi - 1
        slope = (y[hi] - y[lo]) / (x[hi] - x[lo])
        return slope * (t - x[lo]) + y[lo]

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Calibrated probabilities of the two classes; column 1 is the positive one."""
        return _two_columns(self.calibrate(self.trees.raw(X)))

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The arrays that :func:`from_arrays` reads back, under ``prefix``."""
        return {**self.trees.to_arrays(prefix + "trees/"), f"{prefix}kind": np.array(self.KIND),
                f"{prefix}curve_x": self.x, f"{prefix}curve_y": self.y}

    @classmethod
    def _from(cls, a: dict[str, np.ndarray], prefix: str) -> IsotonicCalibrated:
        return cls(_build(a, prefix + "trees/", TreeEnsemble), a[prefix + "curve_x"], a[prefix + "curve_y"])


class LogisticRule:
    """``min(expit(((X' - mean) / scale) @ coef + intercept), X[:, cap])``, where ``X'`` is ``X``
    without column ``cap``: the document rule of :class:`~spin_detect.learning.estimators.DocumentScorer`."""

    KIND = "logistic"

    def __init__(self, mean: np.ndarray, scale: np.ndarray, coef: np.ndarray, intercept: float, cap: int) -> None:
        self.mean = np.asarray(mean, dtype=np.float64)
        self.scale = np.asarray(scale, dtype=np.float64)
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = float(intercept)
        self.cap = int(cap)
        if not (self.mean.shape == self.scale.shape == self.coef.shape and self.mean.ndim == 1):
            raise ValueError("logistic rule arrays of different shapes")
        if not 0 <= self.cap <= len(self.mean):
            raise ValueError("the cap column is outside the document features")

    @classmethod
    def from_sklearn(cls, model: Any) -> LogisticRule:
        """A fitted :class:`~spin_detect.learning.estimators.DocumentScorer`."""
        scaler, logistic = model.model_[0], model.model_[-1]
        if len(model.model_) != 2 or logistic.coef_.shape[0] != 1:
            raise ValueError("only a binary scaler + logistic regression document rule can be exported")
        return cls(scaler.mean_, scaler.scale_, logistic.coef_[0], float(logistic.intercept_[0]), model._CAP)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Probabilities of the two classes; column 1 is "spun"."""
        X = np.asarray(X, dtype=np.float64)
        Z = (np.delete(X, self.cap, axis=1) - self.mean) / self.scale
        # a sum along each row, not ``Z @ coef``: BLAS's gemv sums a row in an order that can depend on where
        # the row sits in Z (OpenBLAS 0.3.31 does), so a document's likelihood would change with its batch
        p = _expit((Z * self.coef).sum(axis=1) + self.intercept)
        return _two_columns(np.minimum(p, X[:, self.cap]))

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The arrays that :func:`from_arrays` reads back, under ``prefix``."""
        return {f"{prefix}kind": np.array(self.KIND), f"{prefix}mean": self.mean, f"{prefix}scale": self.scale,
                f"{prefix}coef": self.coef, f"{prefix}intercept": np.array(self.intercept),
                f"{prefix}cap": np.array(self.cap)}

    @classmethod
    def _from(cls, a: dict[str, np.ndarray], prefix: str) -> LogisticRule:
        return cls(a[prefix + "mean"], a[prefix + "scale"], a[prefix + "coef"], float(a[prefix + "intercept"]),
                   int(a[prefix + "cap"]))


class CappedTrees:
    """``min(trees(X'), X[:, cap])``, where ``X'`` is ``X`` without column ``cap``: the document rule of
    :class:`~spin_detect.learning.estimators.TreeDocumentScorer`."""

    KIND = "capped-trees"

    def __init__(self, trees: TreeEnsemble, cap: int) -> None:
        self.trees = trees
        self.cap = int(cap)
        if not 0 <= self.cap <= trees.n_features:
            raise ValueError("the cap column is outside the document features")

    @property
    def n_inputs(self) -> int:
        """Columns read: the trees' features and the cap column."""
        return self.trees.n_features + 1

    @classmethod
    def from_sklearn(cls, model: Any) -> CappedTrees:
        """A fitted :class:`~spin_detect.learning.estimators.TreeDocumentScorer`."""
        return cls(TreeEnsemble.from_sklearn(model.model_), model._CAP)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Probabilities of the two classes; column 1 is "spun"."""
        X = np.asarray(X, dtype=np.float64)
        p = self.trees.predict_proba(np.delete(X, self.cap, axis=1))[:, 1]
        return _two_columns(np.minimum(p, X[:, self.cap]))

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The arrays that :func:`from_arrays` reads back, under ``prefix``."""
        return {f"{prefix}kind": np.array(self.KIND), f"{prefix}cap": np.array(self.cap),
                **self.trees.to_arrays(f"{prefix}trees/")}

    @classmethod
    def _from(cls, a: dict[str, np.ndarray], prefix: str) -> CappedTrees:
        return cls(_build(a, prefix + "trees/", TreeEnsemble), int(a[prefix + "cap"]))


_KINDS: dict[str, Any] = {c.KIND: c for c in (TreeEnsemble, IsotonicCalibrated, LogisticRule, CappedTrees)}


def _build(a: dict[str, np.ndarray], prefix: str, want: Any = None) -> Any:
    stored = a[prefix + "kind"]
    kind = str(stored[()]) if stored.shape == () else repr(stored.tolist())
    cls = _KINDS.get(kind)
    if cls is None or (want is not None and cls is not want):
        raise ValueError(f"unknown model part {kind!r} at {prefix or 'top level'}")
    return cls._from(a, prefix)


def from_arrays(arrays: dict[str, np.ndarray], prefix: str) -> Predictor:
    """The predictor stored under ``prefix`` (its ``kind`` array says which class).

    Raises ``KeyError`` for a missing array and ``ValueError`` for inconsistent ones.
    """
    return _build(arrays, prefix)


def export_estimator(model: Any) -> Predictor:
    """The array predictor of a fitted estimator of the kinds the detector uses (or the predictor itself)."""
    if isinstance(model, (TreeEnsemble, IsotonicCalibrated, LogisticRule, CappedTrees)):
        return model
    name = type(model).__name__
    if name == "HistGradientBoostingClassifier":
        return TreeEnsemble.from_sklearn(model)
    if name == "CalibratedClassifierCV":
        return IsotonicCalibrated.from_sklearn(model)
    if name == "DocumentScorer":
        return LogisticRule.from_sklearn(model)
    if name == "TreeDocumentScorer":
        return CappedTrees.from_sklearn(model)
    raise ValueError(f"cannot export a {name} as arrays")
