"""difflib's word alignment, compiled: the same opcodes as ``SequenceMatcher(None, a, b, autojunk=False)``.

:func:`opcodes` gives exactly :meth:`difflib.SequenceMatcher.get_opcodes` of two sequences of hashable items
without junk and without ``autojunk``: the longest matching block of a range (first in ``a``, then first in
``b``), the ranges left and right of it in turn, the blocks sorted and adjacent ones joined. difflib finds each
longest block with dictionaries in Python (``find_longest_match``), which was most of the CPU of aligning a
candidate pair of an audit; here the items become integer ids and the same search runs compiled (numba), with
two arrays and a stamp per entry instead of difflib's dictionary per row of ``a``. The answer is the same
(``tests/test_match_blocks.py`` checks it against difflib on random and real sequences), so nothing that
reads an alignment changes.

Imported only where many pairs are aligned (:class:`~spin_detect.matching.api.Matcher`), so aligning one pair
(``spin-detect score --source``) never pays for numba's import or compilation.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numba
import numpy as np

__all__ = ["matching_blocks", "opcodes"]


@numba.njit(cache=True, nogil=True)
def _longest(a: np.ndarray, b: np.ndarray, starts: np.ndarray, where: np.ndarray, alo: int, ahi: int, blo: int,
             bhi: int, run: np.ndarray, stamp: np.ndarray, epoch: int) -> tuple[int, int, int, int]:
    """difflib's ``find_longest_match(alo, ahi, blo, bhi)`` without junk: ``(i, j, k, next epoch)``.

    ``where[starts[x]:starts[x + 1]]`` are the positions of id ``x`` in ``b``, increasing (difflib's
    ``b2j``). ``run[p, j]``/``stamp[p, j]`` hold difflib's ``j2len``: each row of ``a`` has its own epoch, writes
    in parity ``p = epoch % 2`` and reads the other one, where an entry counts only when its stamp is the
    previous row's epoch (so nothing is ever cleared).
    """  # pragma: no cover - compiled
    besti, bestj, bestsize = alo, blo, 0
    epoch += 2  # past the last row of the previous search: the first row reads none of its entries
    for i in range(alo, ahi):
        cur = epoch & 1
        prev = 1 - cur
        x = a[i]
        for q in range(starts[x], starts[x + 1]):
            j = where[q]
            if j < blo:
                continue
            if j >= bhi:
                break
            k = 1
            if j > 0 and stamp[prev, j - 1] == epoch - 1:
                k = run[prev, j - 1] + 1
            run[cur, j] = k
            stamp[cur, j] = epoch
            if k > bestsize:
                besti, bestj, bestsize = i - k + 1, j - k + 1, k
        epoch += 1
    # difflib's extensions by equal non-junk items (no-ops for a longest block, kept so the answer is difflib's)
    while besti > alo and bestj > blo and a[besti - 1] == b[bestj - 1]:
        besti, bestj, bestsize = besti - 1, bestj - 1, bestsize + 1
    while besti + bestsize < ahi and bestj + bestsize < bhi and a[besti + bestsize] == b[bestj + bestsize]:
        bestsize += 1
    return besti, bestj, bestsize, epoch


@numba.njit(cache=True, nogil=True)
def _blocks(a: np.ndarray, b: np.ndarray, n_ids: int) -> np.ndarray:
    """difflib's ``get_matching_blocks`` of id arrays ``a`` and ``b`` (ids below ``n_ids``), as rows
    ``(i, j, k)``, sorted, adjacent blocks joined, ending with ``(len(a), len(b), 0)``."""  # pragma: no cover
    la, lb = len(a), len(b)
    counts = np.zeros(n_ids + 1, dtype=np.int64)
    for j in range(lb):
        counts[b[j] + 1] += 1
    starts = np.cumsum(counts)
    where = np.empty(lb, dtype=np.int64)
    fill = starts[:-1].copy()
    for j in range(lb):
        where[fill[b[j]]] = j
        fill[b[j]] += 1
    run = np.zeros((2, max(lb, 1)), dtype=np.int64)
    stamp = np.full((2, max(lb, 1)), -10, dtype=np.int64)
    epoch = 0
    stack = np.empty((la + lb + 2, 4), dtype=np.int64)
    found = np.empty((la + 1, 3), dtype=np.int64)
    n_found = 0
    stack[0, 0], stack[0, 1], stack[0, 2], stack[0, 3] = 0, la, 0, lb
    top = 1
    while top > 0:
        top -= 1
        alo, ahi, blo, bhi = stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3]
        i, j, k, epoch = _longest(a, b, starts, where, alo, ahi, blo, bhi, run, stamp, epoch)
        if k:
            found[n_found, 0], found[n_found, 1], found[n_found, 2] = i, j, k
            n_found += 1
            if alo < i and blo < j:
                stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3] = alo, i, blo, j
                top += 1
            if i + k < ahi and j + k < bhi:
                stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3] = i + k, ahi, j + k, bhi
                top += 1
    order = np.argsort(found[:n_found, 0], kind="mergesort")
    out = np.empty((n_found + 1, 3), dtype=np.int64)
    n_out = 0
    i1, j1, k1 = 0, 0, 0
    for r in order:
        i2, j2, k2 = found[r, 0], found[r, 1], found[r, 2]
        if i1 + k1 == i2 and j1 + k1 == j2:
            k1 += k2
        else:
            if k1:
                out[n_out, 0], out[n_out, 1], out[n_out, 2] = i1, j1, k1
                n_out += 1
            i1, j1, k1 = i2, j2, k2
    if k1:
        out[n_out, 0], out[n_out, 1], out[n_out, 2] = i1, j1, k1
        n_out += 1
    out[n_out, 0], out[n_out, 1], out[n_out, 2] = la, lb, 0
    return out[: n_out + 1]


def matching_blocks(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[tuple[int, int, int]]:
    """``SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()`` as plain tuples."""
    ids: dict[Hashable, int] = {}
    get = ids.setdefault
    a_ids = np.fromiter((get(x, len(ids)) for x in a), dtype=np.int64, count=len(a))
    b_ids = np.fromiter((get(x, len(ids)) for x in b), dtype=np.int64, count=len(b))
    return [(int(i), int(j), int(k)) for i, j, k in _blocks(a_ids, b_ids, len(ids))]


def opcodes(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[tuple[str, int, int, int, int]]:
    """``SequenceMatcher(None, a, b, autojunk=False).get_opcodes()``."""
    i = j = 0
    out: list[tuple[str, int, int, int, int]] = []
    for ai, bj, size in matching_blocks(a, b):
        tag = ""
        if i < ai and j < bj:
            tag = "replace"
        elif i < ai:
            tag = "delete"
        elif j < bj:
            tag = "insert"
        if tag:
            out.append((tag, i, ai, j, bj))
        i, j = ai + size, bj + size
        if size:
            out.append(("equal", ai, i, bj, j))
    return out
