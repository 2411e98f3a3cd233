"""Compiled probe of a :class:`~spin_detect.tables.store.HashIndex` (numba): the same rows as its numpy probe.

The numpy probe makes several passes over the whole batch (home slots, gathers,
then rounds for the queries that collided); this loop finishes each query in
one go, touching one or two cache lines. Imported only once a table's index is
built (after :attr:`~spin_detect.tables.store.KeyLookup.build_after` queries),
so scoring one article never pays for numba's import.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["probe"]

_FIBONACCI = np.uint64(0x9E3779B97F4A7C15)


@numba.njit(cache=True, nogil=True)
def _probe(slot_keys: np.ndarray, slot_rows: np.ndarray, shift: np.uint64, mask: np.int64, empty: np.uint64,
           queries: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover - compiled
    for i in range(queries.shape[0]):
        q = np.uint64(queries[i])
        slot = np.int64((q * _FIBONACCI) >> shift)
        while True:
            k = np.uint64(slot_keys[slot])
            if k == q:
                out[i] = slot_rows[slot]
                break
            if k == empty:
                break
            slot = (slot + 1) & mask


def probe(slot_keys: np.ndarray, slot_rows: np.ndarray, shift: np.uint64, mask: int, empty: np.generic,
          queries: np.ndarray) -> np.ndarray:
    """Row of each of ``queries`` (1-d, the keys' dtype) in the index's slots, -1 when absent."""
    out = np.full(len(queries), -1, dtype=np.intp)
    _probe(slot_keys, slot_rows, np.uint64(shift), np.int64(mask), np.uint64(empty), queries, out)
    return out
