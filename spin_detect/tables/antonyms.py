"""Pairs of opposite words, so that a report never offers a word's opposite as its likely original.

A spinner swaps a word for one that means the same; a report that proposes "outside" as the
original of "inside" tells its reader the opposite of what happened. Distributional neighbours
and loose thesaurus links propose such words: opposites share their contexts. The table holds
WordNet 3.0's direct antonyms (its ``!`` pointers: "inside" / "outside", "increase" /
"decrease"), inflected alike ("increases" / "decreases"), built at build time
(``python -m scripts.build antonyms``) and shipped, so nothing reads WordNet at run time.

It is read (:func:`~spin_detect.tables.packaged.default_antonyms`) only by the likely-original
ranker (:mod:`spin_detect.features.originals`): no feature, probability or model depends on it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import cached_property

import numpy as np

from spin_detect.tables.store import StoredArrays, read_table, write_arrays

__all__ = ["FORMAT", "VERSION", "Antonyms", "write_antonyms"]

FORMAT = "spin-detect/antonyms"
VERSION = 1

class Antonyms:
    """Read-only set of unordered pairs of opposite words or phrases (lower case)."""

    def __init__(self, stored: StoredArrays) -> None:
        self.meta = stored.meta
        self.sha256 = stored.sha256
        self._blob = stored.arrays["pairs"]

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None, verify: bool = True) -> Antonyms:
        """Load a table from ``path`` (default: the packaged ``antonyms.bin``)."""
        return cls(read_table(path, "antonyms.bin", FORMAT, (VERSION,), verify)[1])

    @cached_property
    def _pairs(self) -> frozenset[tuple[str, str]]:
        lines = bytes(self._blob).decode("utf-8").split("\n") if len(self._blob) else []
        return frozenset(tuple(line.split("\t", 1)) for line in lines)  # type: ignore[misc]

    def __len__(self) -> int:
        """Number of unordered pairs."""
        return len(self._pairs)

    def opposite(self, a: str, b: str) -> bool:
        """Whether ``a`` and ``b`` (any case) are opposites, in either order."""
        a, b = a.lower(), b.lower()
        return (min(a, b), max(a, b)) in self._pairs


def write_antonyms(path: str | os.PathLike[str], pairs: Iterable[tuple[str, str]],
                   meta: dict | None = None) -> Antonyms:
    """Write the pairs (each in either order; lower-cased, tabs and newlines refused) and return the table."""
    keep = set()
    for a, b in pairs:
        a, b = a.lower(), b.lower()
        if any(c in w for w in (a, b) for c in "\t\n") or not a or not b:
            raise ValueError(f"cannot store the pair {a!r} / {b!r}")
        if a != b:
            keep.add((min(a, b), max(a, b)))
    blob = "\n".join(f"{a}\t{b}" for a, b in sorted(keep)).encode("utf-8")
    write_arrays(path, FORMAT, VERSION, {"pairs": np.frombuffer(blob, dtype=np.uint8)},
                 {**(meta or {}), "pairs": len(keep)})
    return Antonyms.load(path)
