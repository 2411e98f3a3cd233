"""Distributional neighbours: words that fill the same slots in original English.

Built from the reference statistics by ``python -m scripts.build neighbours``: the
neighbours of "security" are the words found between the same left and right
words ("safety", "defence", ...). They propose likely originals for spinners
whose thesaurus we do not know. The table is tied to one reference table by its
SHA-256: ids mean nothing with another vocabulary.
"""

from __future__ import annotations

import os
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from spin_detect.tables.store import ReferenceTiedTable, StoredArrays, write_arrays

if TYPE_CHECKING:
    from spin_detect.tables.reference import ReferenceStats

__all__ = ["FORMAT", "VERSION", "Neighbours", "write_neighbors"]

FORMAT = "spin-detect/neighbors"
VERSION = 1


class Neighbours(ReferenceTiedTable):
    """Read-only neighbour table: for a word id, the ids of its ``k`` nearest words."""

    PACKAGED, FORMAT, VERSIONS = "neighbors.bin", FORMAT, (VERSION,)

    def __init__(self, stored: StoredArrays) -> None:
        super().__init__(stored)
        a = stored.arrays
        self.ids = a["ids"]
        self.nbr = a["nbr"]
        self.sim = a["sim"]

    def __len__(self) -> int:
        return len(self.ids)

    def of(self, word_id: int, min_sim: float = 0.0) -> np.ndarray:
        """Neighbour ids of ``word_id`` (most similar first) with similarity >= ``min_sim``."""
        word_id = int(word_id)
        r = int(self._row_of_id[word_id]) if 0 <= word_id < len(self._row_of_id) else -1
        if r < 0:
            return np.empty(0, dtype=np.int64)
        keep = self.sim[r] >= min_sim
        return self.nbr[r][keep].astype(np.int64)

    @cached_property
    def _row_of_id(self) -> np.ndarray:
        """Row of each word id in the table (-1 for words without neighbours)."""
        rows = np.full(int(self.ids.max()) + 1 if len(self.ids) else 0, -1, dtype=np.int64)
        for r, i in enumerate(self.ids.tolist()):  # in order: a repeated id keeps its last row
            rows[i] = r
        return rows

    def of_many(self, word_ids: np.ndarray, k: int, min_sim: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """``of(w)[:k]`` for every id in ``word_ids`` at once: the neighbour ids
        of all words concatenated in order, and the number that belongs to each word."""
        word_ids = np.asarray(word_ids, dtype=np.int64)
        row_of = self._row_of_id
        rows = np.full(len(word_ids), -1, dtype=np.int64)
        inside = (word_ids >= 0) & (word_ids < len(row_of))
        rows[inside] = row_of[word_ids[inside]]
        has = rows >= 0
        r = rows[has]
        keep = self.sim[r] >= min_sim
        keep &= np.cumsum(keep, axis=1) <= k
        counts = np.zeros(len(word_ids), dtype=np.int64)
        counts[has] = keep.sum(axis=1)
        return self.nbr[r][keep].astype(np.int64), counts

    def neighbours_of(self, reference: ReferenceStats, word: str) -> list[str]:
        """Neighbours of a word as strings (for people and tests)."""
        return [reference.vocab[i] for i in self.of(reference.word_id(word))]


def write_neighbors(path: str | os.PathLike[str], ids: np.ndarray, nbr: np.ndarray, sim: np.ndarray,
                    meta: dict) -> Neighbours:
    """Write a neighbour table and return it loaded."""
    write_arrays(path, FORMAT, VERSION, {"ids": ids, "nbr": nbr, "sim": sim}, meta)
    return Neighbours.load(path)
