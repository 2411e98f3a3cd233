"""Distributional neighbours: words that fill the same slots in original English.

Built from the reference statistics by ``scripts/build_neighbors.py``: the
neighbours of "security" are the words found between the same left and right
words ("safety", "defence", ...). They propose likely originals for spinners
whose thesaurus we do not know. The table is tied to one reference table by its
SHA-256: ids mean nothing with another vocabulary.
"""

from __future__ import annotations

import os

import numpy as np

from .store import read_arrays, require_reference, write_arrays

__all__ = ["FORMAT", "VERSION", "Neighbours", "write_neighbors"]

FORMAT = "spin-detect/neighbors"
VERSION = 1


class Neighbours:
    """Read-only neighbour table: for a word id, the ids of its ``k`` nearest words."""

    def __init__(self, stored):
        a = stored.arrays
        self.meta = stored.meta
        self.ids = a["ids"]
        self.nbr = a["nbr"]
        self.sim = a["sim"]
        self.reference_sha256 = self.meta["reference_sha256"]
        self._row = {int(i): r for r, i in enumerate(self.ids)}

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None, reference=None, verify: bool = True) -> Neighbours:
        """Load a table (default: the packaged one); with ``reference``, refuse a
        table built for another reference."""
        if path is None:
            from .resources import data_file

            path = data_file("neighbors.bin")
        table = cls(read_arrays(path, FORMAT, (VERSION,), verify=verify))
        require_reference(path, table.reference_sha256, reference)
        return table

    def __len__(self) -> int:
        return len(self.ids)

    def of(self, word_id: int, min_sim: float = 0.0) -> np.ndarray:
        """Neighbour ids of ``word_id`` (most similar first) with similarity >= ``min_sim``."""
        r = self._row.get(int(word_id))
        if r is None:
            return np.empty(0, dtype=np.int64)
        keep = self.sim[r] >= min_sim
        return self.nbr[r][keep].astype(np.int64)

    def neighbours_of(self, reference, word: str) -> list[str]:
        """Neighbours of a word as strings (for people and tests)."""
        return [reference.vocab[i] for i in self.of(reference.word_id(word))]


def write_neighbors(path, ids: np.ndarray, nbr: np.ndarray, sim: np.ndarray, meta: dict) -> Neighbours:
    """Write a neighbour table and return it loaded."""
    write_arrays(path, FORMAT, VERSION, {"ids": ids, "nbr": nbr, "sim": sim}, meta)
    return Neighbours.load(path)
