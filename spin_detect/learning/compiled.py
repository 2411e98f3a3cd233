"""Compiled tree walk (numba), for large batches: the same numbers as the numpy walk, about 3x faster.

Imported only by :meth:`spin_detect.learning.predictors.TreeEnsemble.raw` when a
batch is large enough to repay numba's import (about 0.25 s) and, on a
machine's first run, its compilation (cached on disk afterwards); a single
article is scored with numpy alone, so start-up stays short.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["tree_raw"]


@numba.njit(cache=True, nogil=True)
def _walk(X: np.ndarray, feature: np.ndarray, threshold: np.ndarray, missing_left: np.ndarray, left: np.ndarray,
          right: np.ndarray, is_leaf: np.ndarray, value: np.ndarray, tree_start: np.ndarray, baseline: float,
          out: np.ndarray) -> None:  # pragma: no cover - compiled
    for i in range(X.shape[0]):
        s = baseline
        for t in range(tree_start.shape[0]):
            node = tree_start[t]
            while not is_leaf[node]:
                x = X[i, feature[node]]
                if x != x:  # NaN: the side the training data's missing values went
                    node = left[node] if missing_left[node] else right[node]
                elif x <= threshold[node]:
                    node = left[node]
                else:
                    node = right[node]
            s += value[node]
        out[i] = s


def tree_raw(X: np.ndarray, feature: np.ndarray, threshold: np.ndarray, missing_left: np.ndarray,
             left: np.ndarray, right: np.ndarray, is_leaf: np.ndarray, value: np.ndarray, tree_start: np.ndarray,
             baseline: float) -> np.ndarray:
    """Raw scores of the rows of ``X``: ``baseline`` plus each tree's leaf value, added in tree order."""
    out = np.empty(X.shape[0], dtype=np.float64)
    _walk(np.ascontiguousarray(X, dtype=np.float64), feature, threshold, missing_left, left, right, is_leaf, value,
          tree_start, baseline, out)
    return out
