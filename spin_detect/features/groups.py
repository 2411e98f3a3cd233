"""Per-group reductions over flat numpy arrays (groups: sentences, documents).

Features, the token aggregation and the document rule all work on flat arrays
of tokens or sentences with a group index each; these helpers reduce them
without Python loops.
"""

from __future__ import annotations

import numpy as np

__all__ = ["csr_gather", "group_first_max", "group_quantile", "group_top2", "group_top_k_sum"]


def group_top_k_sum(group: np.ndarray, x: np.ndarray, n: int, k: int) -> np.ndarray:
    """Sum of the ``k`` largest values of ``x`` in each of ``n`` groups (0 for empty groups).

    Shared by sentence features (top-2 suspicion), token aggregation and the
    document features (top-3 sentence probabilities).
    """
    out = np.zeros(n)
    if len(x) == 0:
        return out
    if k <= 3 and len(x) > 1 and np.all(group[1:] >= group[:-1]) and not np.isnan(x).any():
        return _sorted_group_top_k_sum(group, np.asarray(x, dtype=float), out, k)
    order = np.lexsort((-x, group))
    g = group[order]
    first = np.r_[True, g[1:] != g[:-1]]
    rank = np.arange(len(g)) - np.maximum.accumulate(np.where(first, np.arange(len(g)), 0))
    keep = rank < k
    np.add.at(out, g[keep], x[order][keep])
    return out


def _sorted_group_top_k_sum(group: np.ndarray, x: np.ndarray, out: np.ndarray, k: int) -> np.ndarray:
    """:func:`group_top_k_sum` for ``group`` sorted and ``x`` without NaN, with no sort:
    the largest value of each group, then the largest of the rest, and so on,
    added to ``out`` in that (descending) order, as the sorted version adds them."""
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    size = np.diff(np.r_[starts, len(x)])
    g = group[starts]
    rest = x.copy()
    for r in range(k):
        ok = size > r
        if not ok.any():
            break
        top = group_first_max(group, rest, starts)
        out[g[ok]] += rest[top][ok]
        if r + 1 < k:
            rest[top] = -np.inf
    return out


def group_top2(group: np.ndarray, x: np.ndarray, n: int) -> np.ndarray:
    """Sum of the two largest non-negative parts per group (0 for missing)."""
    return group_top_k_sum(group, np.maximum(x, 0), n, 2)


def group_quantile(group: np.ndarray, x: np.ndarray, n: int, q: float) -> np.ndarray:
    """Lower ``q`` quantile per group (nearest rank; 0 for empty groups)."""
    out = np.zeros(n)
    if len(x) == 0:
        return out
    order = np.lexsort((x, group))
    g = group[order]
    starts = np.searchsorted(g, np.arange(n))
    ends = np.searchsorted(g, np.arange(n), side="right")
    sizes = ends - starts
    idx = starts + np.floor(q * np.maximum(sizes - 1, 0)).astype(np.int64)
    nonempty = sizes > 0
    out[nonempty] = x[order][idx[nonempty]]
    return out


def csr_gather(store: np.ndarray, offsets: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate ``store[offsets[i] : offsets[i] + counts[i]]`` for all ``i``, in order;
    also return the ``i`` each element came from."""
    counts = np.asarray(counts, dtype=np.int64)
    owner = np.repeat(np.arange(len(counts)), counts)
    shift = np.asarray(offsets, dtype=np.int64) - (np.cumsum(counts) - counts)
    return store[np.arange(len(owner)) + shift[owner]], owner


def group_first_max(group: np.ndarray, x: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Index of the first largest ``x`` in each run of equal ``group`` values.

    ``group`` is sorted and ``starts`` says where each run begins. Same result
    as taking the first element of each run after a stable sort by
    ``(group, -x)``; ``x`` must not hold NaN.
    """
    top = np.maximum.reduceat(x, starts)
    at_top = np.flatnonzero(x == np.repeat(top, np.diff(np.r_[starts, len(x)])))
    return at_top[np.r_[True, group[at_top][1:] != group[at_top][:-1]]]
