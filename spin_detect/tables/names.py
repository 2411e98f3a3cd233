"""Words the reference writes as names, so that a report does not offer one name for another.

A spinner does not know names: it leaves "Sri Lanka", "Africa" and "Sunday" as they are. But
names share their contexts with other names, so the distributional neighbours propose "Lanka ->
faso?", "Asia -> africa?" or "David -> john?" when a name is shown as evidence. The table lists the
words that original English writes with a capital inside a sentence at least 90% of the time (seen
there at least 10 times; counted over the reference's documents, ``python -m scripts.build names``);
the likely-original ranker (:mod:`spin_detect.features.originals`) does not offer such a word for a
capitalised word that is such a word too. No feature, probability or model reads it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import cached_property

import numpy as np

from spin_detect.tables.store import StoredArrays, read_table, write_arrays

__all__ = ["FORMAT", "VERSION", "NameWords", "write_names"]

FORMAT = "spin-detect/names"
VERSION = 1


class NameWords:
    """Read-only set of lower-case words that are names in original English (see the module docs)."""

    def __init__(self, stored: StoredArrays) -> None:
        self.meta = stored.meta
        self.sha256 = stored.sha256
        self._blob = stored.arrays["words"]

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None, verify: bool = True) -> NameWords:
        """Load a table from ``path`` (default: the packaged ``names.bin``)."""
        return cls(read_table(path, "names.bin", FORMAT, (VERSION,), verify)[1])

    @cached_property
    def _words(self) -> frozenset[str]:
        return frozenset(bytes(self._blob).decode("utf-8").split("\n")) - {""}

    def __len__(self) -> int:
        return len(self._words)

    def __contains__(self, word: object) -> bool:
        """Whether ``word`` (any case) is a name."""
        return isinstance(word, str) and word.lower() in self._words


def write_names(path: str | os.PathLike[str], words: Iterable[str], meta: dict | None = None) -> NameWords:
    """Write the words (lower-cased; one word each, no whitespace) and return the table."""
    keep = set()
    for w in words:
        w = w.lower()
        if not w or any(c.isspace() for c in w):
            raise ValueError(f"cannot store {w!r} as a name")
        keep.add(w)
    blob = "\n".join(sorted(keep)).encode("utf-8")
    write_arrays(path, FORMAT, VERSION, {"words": np.frombuffer(blob, dtype=np.uint8)}, {**(meta or {}),
                                                                                         "words": len(keep)})
    return NameWords.load(path)
