"""Trigram counts of original English, as compact fingerprints.

Bigrams cannot tell "the Central Information Company" from "the Central News
Agency": every adjacent pair of the spun phrase is common English. Trigrams
can. Storing 9 million trigram keys exactly would cost more than the rest of
the package, so each trigram of reference word ids is hashed to a 32-bit
fingerprint; the sorted fingerprints and saturating 16-bit counts take 6 bytes
per trigram. A query for an unseen trigram matches a stored one by accident
with probability (stored trigrams) / 2**32, under 0.1%: noise the classifier
absorbs, against a signal that is 0 or 1 for most tokens.

The table is tied to one reference table (word ids) by its SHA-256.
"""

from __future__ import annotations

import os
from functools import cached_property

import numpy as np

from spin_detect.tables.store import (
    FIBONACCI_MIX,
    KeyLookup,
    ReferenceTiedTable,
    StoredArrays,
    as_uint64,
    with_zero,
    write_arrays,
)

__all__ = ["Trigrams", "trigram_fingerprints", "write_trigrams", "FORMAT", "VERSION"]

FORMAT = "spin-detect/trigrams"
VERSION = 1


def trigram_fingerprints(a: np.ndarray, b: np.ndarray, c: np.ndarray, vocab_size: int) -> np.ndarray:
    """32-bit fingerprints of the id triples ``(a[i], b[i], c[i])``."""
    v = np.uint64(vocab_size)
    # (a * v + b) * v + c, then the mix, in place (same uint64 arithmetic, fewer temporaries)
    key = np.multiply(as_uint64(a), v)
    key += as_uint64(b)
    key *= v
    key += as_uint64(c)
    with np.errstate(over="ignore"):
        key *= FIBONACCI_MIX
    key >>= np.uint64(32)
    return key.astype(np.uint32)


class Trigrams(ReferenceTiedTable):
    """Read-only trigram counts; see the module docs."""

    PACKAGED, FORMAT, VERSIONS = "trigrams.bin", FORMAT, (VERSION,)

    def __init__(self, stored: StoredArrays) -> None:
        super().__init__(stored)
        self.keys = stored.arrays["keys"]
        self.counts = stored.arrays["counts"]
        self.vocab_size = int(self.meta["vocab_size"])
        self._lookup = KeyLookup(self.keys)

    def __len__(self) -> int:
        return len(self.keys)

    def count(self, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
        """Count of each trigram (0 when unseen or below the build's cut-off)."""
        rows = self._lookup.find(trigram_fingerprints(a, b, c, self.vocab_size))
        return self._counts_or_zero[rows].astype(np.int64)

    @cached_property
    def _counts_or_zero(self) -> np.ndarray:
        """``counts`` with a 0 for row -1 (trigram not stored)."""
        return with_zero(self.counts)


def write_trigrams(path: str | os.PathLike[str], fingerprints: np.ndarray, meta: dict) -> Trigrams:
    """Count raw fingerprints (one per trigram occurrence), keep those seen at
    least ``meta['min_count']`` times, write and return the table."""
    keys, counts = np.unique(fingerprints, return_counts=True)
    keep = counts >= int(meta.get("min_count", 2))
    write_arrays(path, FORMAT, VERSION,
                 {"keys": keys[keep], "counts": np.minimum(counts[keep], 65535).astype(np.uint16)},
                 {**meta, "trigrams": int(keep.sum()), "trigram_types": len(keys)})
    return Trigrams.load(path)
