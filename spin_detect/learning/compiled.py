"""Compiled tree walk (numba), for large batches: the same numbers as the numpy walk, several times faster.

Imported only by :meth:`spin_detect.learning.predictors.TreeEnsemble.raw` when a
batch is large enough to repay numba's import (about 0.25 s) and, on a
machine's first run, its compilation (cached on disk afterwards); a single
article is scored with numpy alone, so start-up stays short.

The walk takes eight rows down each tree side by side: one row's path is a chain
of dependent loads (node, feature, value, child), and eight independent chains
keep the processor busy while each waits. A step is branch-free (leaves are
their own children, as in the numpy walk) and reads one 16-byte node record and
the node's threshold. Rows go in blocks of :data:`BLOCK_ROWS`, every tree over
one block before the next block, and each row still adds its leaf values tree
by tree, in scikit-learn's order, so the sums are the same numbers.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["pack_nodes", "tree_raw", "walk_arrays"]


#: Rows walked down one tree before the next tree: a block's rows (about 14 kB of features) stay in the
#: first-level cache while every tree passes over them, and each tree's nodes while it walks the block.
BLOCK_ROWS = 64


@numba.njit(cache=True, nogil=True, inline="always")
def _step(X: np.ndarray, row: int, a: int, nodes: np.ndarray, threshold: np.ndarray
          ) -> int:  # pragma: no cover - compiled
    """One step down from node ``a``: right when x > threshold, or x is NaN and the node sends
    missing values right (a leaf is its own child). ``nodes[a]``: feature, left, right, NaN right."""
    x = X[row, nodes[a, 0]]
    return nodes[a, 1 + ((x > threshold[a]) | ((nodes[a, 3] != 0) & (x != x)))]


@numba.njit(cache=True, nogil=True)
def _walk8(X: np.ndarray, nodes: np.ndarray, threshold: np.ndarray, is_leaf: np.ndarray, value: np.ndarray,
           tree_start: np.ndarray, baseline: float, block: int, out: np.ndarray) -> None:  # pragma: no cover
    n = X.shape[0]
    n_trees = tree_start.shape[0]
    for i in range(n):
        out[i] = baseline
    for b0 in range(0, n, block):
        b1 = min(n, b0 + block)
        for t in range(n_trees):  # each row still adds its leaf values tree by tree, in order
            root = tree_start[t]
            i0 = b0
            while i0 + 8 <= b1:
                a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = root
                while not (is_leaf[a0] and is_leaf[a1] and is_leaf[a2] and is_leaf[a3] and is_leaf[a4]
                           and is_leaf[a5] and is_leaf[a6] and is_leaf[a7]):
                    a0 = _step(X, i0, a0, nodes, threshold)
                    a1 = _step(X, i0 + 1, a1, nodes, threshold)
                    a2 = _step(X, i0 + 2, a2, nodes, threshold)
                    a3 = _step(X, i0 + 3, a3, nodes, threshold)
                    a4 = _step(X, i0 + 4, a4, nodes, threshold)
                    a5 = _step(X, i0 + 5, a5, nodes, threshold)
                    a6 = _step(X, i0 + 6, a6, nodes, threshold)
                    a7 = _step(X, i0 + 7, a7, nodes, threshold)
                out[i0] += value[a0]
                out[i0 + 1] += value[a1]
                out[i0 + 2] += value[a2]
                out[i0 + 3] += value[a3]
                out[i0 + 4] += value[a4]
                out[i0 + 5] += value[a5]
                out[i0 + 6] += value[a6]
                out[i0 + 7] += value[a7]
                i0 += 8
            for i in range(i0, b1):
                a = root
                while not is_leaf[a]:
                    a = _step(X, i, a, nodes, threshold)
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


def pack_nodes(feature: np.ndarray, nan_right: np.ndarray, children: np.ndarray) -> np.ndarray:
    """Per node, in one row of four int32 (16 bytes, so one cache line holds a step's reads): feature,
    left child, right child, whether NaN goes right; from :func:`walk_arrays`' feature, NaN side and
    children."""
    nodes = np.empty((len(feature), 4), dtype=np.int32)
    nodes[:, 0] = feature
    nodes[:, 1] = children[0::2]
    nodes[:, 2] = children[1::2]
    nodes[:, 3] = nan_right
    return nodes


def tree_raw(X: np.ndarray, feature: np.ndarray, threshold: np.ndarray, missing_left: np.ndarray,
             left: np.ndarray, right: np.ndarray, is_leaf: np.ndarray, value: np.ndarray, tree_start: np.ndarray,
             baseline: float, walk: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None,
             nodes: np.ndarray | None = None) -> np.ndarray:
    """Raw scores of the rows of ``X``: ``baseline`` plus each tree's leaf value, added in tree order.

    ``walk``: :func:`walk_arrays` of the node arrays, and ``nodes``: :func:`pack_nodes` of those, when
    the caller keeps them (else made here).
    """
    f, thr, nan_right, children = walk if walk is not None else walk_arrays(feature, threshold, missing_left, left,
                                                                             right, is_leaf)
    if nodes is None:
        nodes = pack_nodes(f, nan_right, children)
    out = np.empty(X.shape[0], dtype=np.float64)
    _walk8(np.ascontiguousarray(X, dtype=np.float64), nodes, thr, is_leaf, value, tree_start, float(baseline),
           BLOCK_ROWS, out)
    return out
