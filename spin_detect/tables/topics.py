"""Topic vectors: does a word belong with the other words of its sentence?

Bigrams and trigrams judge a word by its immediate neighbours, so a swap that
reads fluently ("gas storage" -> "sugar transmission", "nails in the coffin"
-> "rabbits in the headstone" once the pairs are common) slips past them. Topic
vectors look further: two content words are close when they occur near each
other (within five content words) in the reference, whatever their order.
The vectors are positive PMI of those co-occurrences reduced by a truncated SVD
(``python -m scripts.build topics``); the 100 most frequent words carry no topic and
have none.

For each token the extractor computes the cosine between its vector and the sum
of the vectors of the other content words of the sentence (``topic_fit``): low
for a word off the sentence's topic. It is NaN when the word has no vector or
no other word of the sentence has one, and the token model treats that as
"unknown" rather than as a bad fit.

The table is tied to one reference table (word ids) by its SHA-256.
"""

from __future__ import annotations

import os

import numpy as np

from spin_detect.tables.store import ReferenceTiedTable, StoredArrays, write_arrays

__all__ = ["FORMAT", "VERSION", "TopicVectors", "write_topics"]

FORMAT = "spin-detect/topics"
VERSION = 1


class TopicVectors(ReferenceTiedTable):
    """Read-only unit vectors per word id (a zero row: no vector); see the module docs."""

    PACKAGED, FORMAT, VERSIONS = "topics.bin", FORMAT, (VERSION,)

    def __init__(self, stored: StoredArrays) -> None:
        super().__init__(stored)
        self.vectors = stored.arrays["vectors"]
        # rows are unit vectors or exactly zero (no vector): test the bits, not float16 arithmetic
        self.has_vector = self.vectors.view(np.uint16).any(axis=1)

    def __len__(self) -> int:
        return len(self.vectors)

    def fit(self, ids: np.ndarray, sent: np.ndarray, n_sent: int) -> np.ndarray:
        """Cosine of each token's vector with the sum of the other vectors of its
        sentence (``sent[i]``: sentence of token ``i``); NaN where undefined."""
        ids = np.asarray(ids, dtype=np.int64)
        n = len(ids)
        if n == 0:
            return np.zeros(0)
        inside = ids < len(self.vectors)
        safe = np.where(inside, ids, 0)
        has: np.ndarray = np.asarray(self.has_vector)[safe] & inside
        vec = self.vectors[safe].astype(np.float32)
        vec[~has] = 0.0
        total = np.zeros((n_sent, vec.shape[1]), dtype=np.float32)
        sent = np.asarray(sent, dtype=np.int64)
        if n > 1 and np.any(sent[1:] < sent[:-1]):
            np.add.at(total, sent, vec)
        else:  # tokens grouped by sentence (the extractor's order): one pass per group
            starts = np.flatnonzero(np.r_[True, sent[1:] != sent[:-1]])
            total[sent[starts]] = np.add.reduceat(vec, starts, axis=0)
        other = total[sent]
        other -= vec
        norm = np.sqrt(np.einsum("ij,ij->i", other, other))
        dot = np.einsum("ij,ij->i", vec, other)
        ok = has & (norm > 1e-6)
        out = np.full(n, np.nan)
        out[ok] = dot[ok] / norm[ok]
        return out


def write_topics(path: str | os.PathLike[str], vectors: np.ndarray, meta: dict) -> TopicVectors:
    """Write unit (or zero) row vectors as float16 and return the loaded table."""
    write_arrays(path, FORMAT, VERSION, {"vectors": np.asarray(vectors, dtype=np.float16)},
                 {**meta, "words": len(vectors), "dims": int(vectors.shape[1])})
    return TopicVectors.load(path)
