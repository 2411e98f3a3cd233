"""Compiled tree walk (numba), for large batches: the same numbers as the numpy walk, about 4-5x faster.

Imported only by :meth:`spin_detect.learning.predictors.TreeEnsemble.raw` when a
batch is large enough to repay numba's import (about 0.25 s) and, on a
machine's first run, its compilation (cached on disk afterwards); a single
article is scored with numpy alone, so start-up stays short.

The walk takes four rows down each tree side by side: one row's path is a chain
of dependent loads (node, feature, value, child), and four independent chains
keep the processor busy while each waits. A step is branch-free (leaves are
their own children, as in the numpy walk), and each row still adds its leaf
values tree by tree, in scikit-learn's order, so the sums are the same numbers.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["tree_raw"]


@numba.njit(cache=True, nogil=True)
def _walk4(X: np.ndarray, feature: np.ndarray, threshold: np.ndarray, nan_right: np.ndarray, children: np.ndarray,
           is_leaf: np.ndarray, value: np.ndarray, tree_start: np.ndarray, baseline: float,
           out: np.ndarray) -> None:  # pragma: no cover - compiled
    n = X.shape[0]
    n_trees = tree_start.shape[0]
    for i in range(n):
        out[i] = baseline
    i0 = 0
    while i0 + 4 <= n:
        for t in range(n_trees):
            a = b = c = d = tree_start[t]
            while not (is_leaf[a] and is_leaf[b] and is_leaf[c] and is_leaf[d]):
                # right when x > threshold, or x is NaN and the node sends missing values right
                x = X[i0, feature[a]]
                a = children[2 * a + ((x > threshold[a]) | (nan_right[a] & (x != x)))]
                x = X[i0 + 1, feature[b]]
                b = children[2 * b + ((x > threshold[b]) | (nan_right[b] & (x != x)))]
                x = X[i0 + 2, feature[c]]
                c = children[2 * c + ((x > threshold[c]) | (nan_right[c] & (x != x)))]
                x = X[i0 + 3, feature[d]]
                d = children[2 * d + ((x > threshold[d]) | (nan_right[d] & (x != x)))]
            out[i0] += value[a]
            out[i0 + 1] += value[b]
            out[i0 + 2] += value[c]
            out[i0 + 3] += value[d]
        i0 += 4
    for i in range(i0, n):
        for t in range(n_trees):
            a = tree_start[t]
            while not is_leaf[a]:
                x = X[i, feature[a]]
                a = children[2 * a + ((x > threshold[a]) | (nan_right[a] & (x != x)))]
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
    _walk4(np.ascontiguousarray(X, dtype=np.float64), f, thr, nan_right, children, is_leaf, value, tree_start,
           float(baseline), out)
    return out
