"""Compiled tree walk (numba), for large batches: the same numbers as the numpy walk, several times faster.

Imported only by :meth:`spin_detect.learning.predictors.TreeEnsemble.raw` when a
batch is large enough to repay numba's import (about 0.25 s) and, on a
machine's first run, its compilation (cached on disk afterwards); a single
article is scored with numpy alone, so start-up stays short.

The walk takes eight rows down each tree side by side: one row's path is a chain
of dependent loads (node, feature, value, child), and eight independent chains
keep the processor busy while each waits. A step is branch-free (leaves are
their own children, as in the numpy walk), and each row still adds its leaf
values tree by tree, in scikit-learn's order, so the sums are the same numbers.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["tree_raw"]


@numba.njit(cache=True, nogil=True, inline="always")
def _step(X: np.ndarray, row: int, a: int, feature: np.ndarray, threshold: np.ndarray, nan_right: np.ndarray,
          children: np.ndarray) -> int:  # pragma: no cover - compiled
    """One step down from node ``a``: right when x > threshold, or x is NaN and the node sends
    missing values right (a leaf is its own child)."""
    x = X[row, feature[a]]
    return children[2 * a + ((x > threshold[a]) | (nan_right[a] & (x != x)))]


@numba.njit(cache=True, nogil=True)
def _walk8(X: np.ndarray, feature: np.ndarray, threshold: np.ndarray, nan_right: np.ndarray, children: np.ndarray,
           is_leaf: np.ndarray, value: np.ndarray, tree_start: np.ndarray, baseline: float,
           out: np.ndarray) -> None:  # pragma: no cover - compiled
    n = X.shape[0]
    n_trees = tree_start.shape[0]
    for i in range(n):
        out[i] = baseline
    i0 = 0
    while i0 + 8 <= n:
        for t in range(n_trees):
            a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = tree_start[t]
            while not (is_leaf[a0] and is_leaf[a1] and is_leaf[a2] and is_leaf[a3] and is_leaf[a4] and is_leaf[a5]
                       and is_leaf[a6] and is_leaf[a7]):
                a0 = _step(X, i0, a0, feature, threshold, nan_right, children)
                a1 = _step(X, i0 + 1, a1, feature, threshold, nan_right, children)
                a2 = _step(X, i0 + 2, a2, feature, threshold, nan_right, children)
                a3 = _step(X, i0 + 3, a3, feature, threshold, nan_right, children)
                a4 = _step(X, i0 + 4, a4, feature, threshold, nan_right, children)
                a5 = _step(X, i0 + 5, a5, feature, threshold, nan_right, children)
                a6 = _step(X, i0 + 6, a6, feature, threshold, nan_right, children)
                a7 = _step(X, i0 + 7, a7, feature, threshold, nan_right, children)
            out[i0] += value[a0]
            out[i0 + 1] += value[a1]
            out[i0 + 2] += value[a2]
            out[i0 + 3] += value[a3]
            out[i0 + 4] += value[a4]
            out[i0 + 5] += value[a5]
            out[i0 + 6] += value[a6]
            out[i0 + 7] += value[a7]
        i0 += 8
    for i in range(i0, n):
        for t in range(n_trees):
            a = tree_start[t]
            while not is_leaf[a]:
                a = _step(X, i, a, feature, threshold, nan_right, children)
            out[i] += value[a]


def walk_arrays(feature: np.ndarray, threshold: np.ndarray, missing_left: np.ndarray, left: np.ndarray,
                right: np.ndarray, is_leaf: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per node: feature (0 at a leaf), threshold, whether NaN goes right, and the children
    interleaved (left, right; a leaf's are itself), as the walk reads them."""
    inner = ~is_leaf
    nodes = np.arange(len(left))
    children = np.empty(2 * len(nodes), dtype=np.int64)
    children[0::2] = np.where(inner, left, nodes)
    children[1::2] = np.where(inner, right, nodes)
    return np.where(inner, feature, 0), np.asarray(threshold, dtype=np.float64), ~missing_left, children


def tree_raw(X: np.ndarray, feature: np.ndarray, threshold: np.ndarray, missing_left: np.ndarray,
             left: np.ndarray, right: np.ndarray, is_leaf: np.ndarray, value: np.ndarray, tree_start: np.ndarray,
             baseline: float, walk: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
             ) -> np.ndarray:
    """Raw scores of the rows of ``X``: ``baseline`` plus each tree's leaf value, added in tree order.

    ``walk``: :func:`walk_arrays` of the node arrays, when the caller keeps them (else made here).
    """
    f, thr, nan_right, children = walk if walk is not None else walk_arrays(feature, threshold, missing_left, left,
                                                                             right, is_leaf)
    out = np.empty(X.shape[0], dtype=np.float64)
    _walk8(np.ascontiguousarray(X, dtype=np.float64), f, thr, nan_right, children, is_leaf, value, tree_start,
           float(baseline), out)
    return out
