"""Reference statistics of original English: unigram and bigram counts.

The detector asks, for every token, "how well does this word fit between its
neighbours, compared with its synonyms?". The answers come from counts of words
and adjacent word pairs in a large body of original (unspun) text, held here.

Layout (see :mod:`spin_detect.tables.store` for the container):

* ``vocab``: the word list, most frequent first; ids 0, 1, 2 are ``<s>``,
  ``</s>`` and ``<unk>`` (every word below the count cut-off).
* ``unigram``: count of each id.
* ``bigram_keys``: sorted ``(a << 32) | b`` for each kept pair of ids, with
  ``bigram_counts`` beside it. Pairs seen fewer than ``min_pair_count`` times are
  dropped to keep the table small; the smoothed probabilities still give them
  their share through the back-off.
* ``followers``/``preceders``: number of distinct words seen after/before each
  id (before pruning), for Kneser-Ney smoothing.

All queries take numpy arrays of ids and are vectorised.
"""

from __future__ import annotations

import array
import os
from collections.abc import Iterable, Sequence
from functools import cached_property
from pathlib import Path

import numpy as np

from spin_detect.input.corpus import TextCorpus
from spin_detect.tables.store import (
    DataFormatError,
    KeyLookup,
    StoredArrays,
    as_uint64,
    read_table,
    with_zero,
    write_arrays,
)
from spin_detect.text.segment import norm, split_sentences

__all__ = ["BOS", "EOS", "FORMAT", "UNK", "VERSION", "ReferenceBuilder", "ReferenceStats"]

FORMAT = "spin-detect/reference"
VERSION = 1
BOS, EOS, UNK = 0, 1, 2
_SPECIALS = ("<s>", "</s>", "<unk>")
#: Absolute discount of the Kneser-Ney bigram model.
DISCOUNT = 0.75


class ReferenceStats:
    """Read-only word and word-pair statistics, queried in vectorised batches.

    Build one with :class:`ReferenceBuilder` or load one with :meth:`load`
    (the package's default reference when no path is given).
    """

    def __init__(self, stored: StoredArrays):
        a = stored.arrays
        self.meta = stored.meta
        self.sha256 = stored.sha256
        self.path = stored.path
        self.unigram = a["unigram"]
        self.bigram_keys = a["bigram_keys"]
        self.bigram_counts = a["bigram_counts"]
        self.followers = a["followers"]
        self.preceders = a["preceders"]
        self._vocab_blob = a["vocab"]
        self.total = int(self.meta["total_tokens"])
        self.bigram_types = int(self.meta["bigram_types"])
        self.unk_types = max(1, int(self.meta["unk_types"]))
        self._pairs = KeyLookup(self.bigram_keys)

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None, verify: bool = True) -> ReferenceStats:
        """Load reference statistics from ``path`` (default: the packaged table)."""
        return cls(read_table(path, "reference.bin", FORMAT, (VERSION,), verify)[1])

    @cached_property
    def vocab(self) -> list[str]:
        """The words, indexed by id."""
        return bytes(self._vocab_blob).decode("utf-8").split("\n")

    @cached_property
    def _index(self) -> dict[str, int]:
        return {w: i for i, w in enumerate(self.vocab)}

    def __len__(self) -> int:
        return len(self.unigram)

    def word_id(self, token: str) -> int:
        """Id of one token (normalised with :func:`~spin_detect.text.segment.norm`); ``UNK`` if unknown."""
        return self._index.get(norm(token), UNK)

    def ids(self, tokens: Iterable[str], normalised: bool = False) -> np.ndarray:
        """Ids of ``tokens`` as an int64 array (unknown words get ``UNK``)."""
        get = self._index.get
        if normalised:
            return np.fromiter((get(t, UNK) for t in tokens), dtype=np.int64)
        return np.fromiter((get(norm(t), UNK) for t in tokens), dtype=np.int64)

    def count(self, ids: np.ndarray) -> np.ndarray:
        """Corpus count of each id (``UNK`` gets the count of one average rare word)."""
        ids = np.asarray(ids, dtype=np.int64)
        c = self.unigram[ids].astype(np.float64)
        return np.where(ids == UNK, c / self.unk_types, c)

    def pair_count(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Count of each adjacent pair ``(a[i], b[i])``; 0 when unseen or pruned."""
        key = np.left_shift(as_uint64(a), np.uint64(32))
        key |= as_uint64(b)
        return self._counts_or_zero[self._pairs.find(key)].astype(np.int64)

    @cached_property
    def _counts_or_zero(self) -> np.ndarray:
        """``bigram_counts`` with a 0 for row -1 (pair not stored)."""
        return with_zero(self.bigram_counts)

    @cached_property
    def _per_id(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per-id terms of :meth:`logprob` and :meth:`cond_logprob`, computed once
        for the whole vocabulary with the same operations as a direct computation."""
        ids = np.arange(len(self.unigram))
        c = self.count(ids)
        logprob = np.log((c + 0.5) / (self.total + 0.5 * len(self.unigram)))
        ca = np.maximum(self.unigram.astype(np.float64), 1.0)
        cont = (self.preceders.astype(np.float64) + 0.5) / (self.bigram_types + 0.5 * len(self.unigram))
        cont = np.where(ids == UNK, cont / self.unk_types, cont)
        backoff = DISCOUNT * np.maximum(self.followers.astype(np.float64), 1.0) / ca
        return logprob, ca, cont, backoff

    def logprob(self, ids: np.ndarray) -> np.ndarray:
        """Natural-log unigram probability of each id (add-half smoothed)."""
        return self._per_id[0][np.asarray(ids, dtype=np.int64)]

    def cond_logprob(self, a: np.ndarray, b: np.ndarray, pair_counts: np.ndarray | None = None) -> np.ndarray:
        """Natural-log ``P(b | a)`` under an interpolated Kneser-Ney bigram model.

        ``pair_counts``, if given, must be :meth:`pair_count` of the same pairs
        (saves looking them up twice).
        """
        a = np.asarray(a, dtype=np.int64)
        b = np.asarray(b, dtype=np.int64)
        _, ca, cont, backoff = self._per_id
        cab = (self.pair_count(a, b) if pair_counts is None else pair_counts).astype(np.float64)
        p = np.maximum(cab - DISCOUNT, 0.0) / ca[a] + backoff[a] * cont[b]
        return np.log(np.minimum(p, 1.0))

    def pmi(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Smoothed pointwise mutual information of adjacent pairs, in nats:
        ``log P(b|a) - log P(b)``. High for collocations ("security council"),
        near 0 for independent words, negative for pairs that avoid each other."""
        return self.cond_logprob(a, b) - self.logprob(b)

    def describe(self) -> dict[str, int | str]:
        """Sizes and provenance, for ``spin-detect info`` and the data card."""
        return {
            "vocabulary": len(self.unigram),
            "bigrams": len(self.bigram_keys),
            "tokens": self.total,
            "sha256": self.sha256,
            **{k: v for k, v in self.meta.items() if isinstance(v, (int, str))},
        }


class ReferenceBuilder:
    """Count words and adjacent pairs over a stream of documents, then write a table.

    Parameters are stored as given; nothing is counted until :meth:`add_text`
    or :meth:`add_tokens` is called. Memory use is about 12 bytes per token of
    input during the build.
    """

    def __init__(self, min_count: int = 3, min_pair_count: int = 2, max_vocab: int | None = None) -> None:
        self.min_count = min_count
        self.min_pair_count = min_pair_count
        self.max_vocab = max_vocab
        self._ids: dict[str, int] = {w: i for i, w in enumerate(_SPECIALS)}
        self._stream = array.array("i")
        self.documents = 0
        self.sentences = 0

    def add_tokens(self, tokens: Sequence[str]) -> None:
        """Add one sentence given as raw tokens (normalised here)."""
        ids = self._ids
        stream = self._stream
        stream.append(BOS)
        for t in tokens:
            t = norm(t)
            i = ids.get(t)
            if i is None:
                i = ids[t] = len(ids)
            stream.append(i)
        stream.append(EOS)
        self.sentences += 1

    def add_text(self, text: str) -> None:
        """Add one document: split into sentences and count every sentence."""
        for s in split_sentences(text):
            self.add_tokens([t.text for t in s.tokens])
        self.documents += 1

    def build(self, path: str | os.PathLike[str], meta: dict[str, int | str] | None = None) -> ReferenceStats:
        """Prune, write the table to ``path`` (with ``meta`` added to its metadata) and return it loaded."""
        stream = np.frombuffer(self._stream, dtype=np.int32).astype(np.int64)
        words = list(self._ids)
        counts = np.bincount(stream, minlength=len(words))
        # Final vocabulary: specials, then words by falling count, ties by spelling,
        # so the same input always gives the same table.
        order = sorted(
            (i for i in range(3, len(words)) if counts[i] >= self.min_count),
            key=lambda i: (-counts[i], words[i]),
        )
        if self.max_vocab is not None:
            order = order[: max(0, self.max_vocab - 3)]
        remap = np.full(len(words), UNK, dtype=np.int64)
        remap[:3] = np.arange(3)
        remap[np.asarray(order, dtype=np.int64)] = np.arange(3, 3 + len(order))
        ids = remap[stream]
        vocab = list(_SPECIALS) + [words[i] for i in order]
        unk_types = len(words) - 3 - len(order)
        del stream
        arrays, bigram_types = count_arrays(vocab, ids, self.min_pair_count)
        del ids
        unigram = arrays["unigram"]
        info: dict[str, int | str] = {
            "total_tokens": int(unigram.sum()),
            "bigram_types": bigram_types,
            "unk_types": int(unk_types),
            "documents": self.documents,
            "sentences": self.sentences,
            "min_count": self.min_count,
            "min_pair_count": self.min_pair_count,
        }
        info.update(meta or {})
        write_arrays(path, FORMAT, VERSION, arrays, info)
        return ReferenceStats.load(path)


def count_arrays(vocab: Sequence[str], ids: np.ndarray, min_pair_count: int) -> tuple[dict[str, np.ndarray], int]:
    """The arrays of a reference table counting ``ids`` (a stream of word ids of ``vocab``, each sentence
    framed by ``<s>``/``</s>``), keeping word pairs seen ``min_pair_count`` times or more; also the number
    of distinct pairs before pruning (``bigram_types``)."""
    unigram = np.bincount(ids, minlength=len(vocab))
    # Adjacent pairs within sentences (the </s> <s> seam is not a pair).
    a, b = ids[:-1], ids[1:]
    keep = a != EOS
    keys = (a[keep].astype(np.uint64) << np.uint64(32)) | b[keep].astype(np.uint64)
    del a, b, keep
    ukeys, ucounts = np.unique(keys, return_counts=True)
    del keys
    first = (ukeys >> np.uint64(32)).astype(np.int64)
    second = (ukeys & np.uint64(0xFFFFFFFF)).astype(np.int64)
    kept = ucounts >= min_pair_count
    arrays: dict[str, np.ndarray] = {
        "vocab": np.frombuffer("\n".join(vocab).encode("utf-8"), dtype=np.uint8),
        "unigram": unigram.astype(np.uint32),
        "bigram_keys": ukeys[kept],
        "bigram_counts": np.minimum(ucounts[kept], 2**32 - 1).astype(np.uint32),
        "followers": np.bincount(first, minlength=len(vocab)).astype(np.uint32),
        "preceders": np.bincount(second, minlength=len(vocab)).astype(np.uint32),
    }
    return arrays, len(ukeys)


def build_reference(
    documents: Iterable[tuple[str, str]],
    out: str | os.PathLike[str],
    exclude: Iterable[str] = (),
    min_count: int = 3,
    min_pair_count: int = 2,
    meta: dict[str, int | str] | None = None,
) -> ReferenceStats:
    """Build a reference table from ``(doc_id, text)`` pairs, leaving out ``exclude`` ids; return it loaded.

    This is what ``spin-detect build-reference`` runs, with ``documents`` a
    :class:`~spin_detect.input.corpus.TextCorpus` (which leaves its own
    excluded ids unread). The table's ``excluded_documents`` counts every
    document left out: those of ``exclude`` and those the corpus excluded.
    Raises ``ValueError`` when no document is left to count.
    """
    skip = set(exclude)
    builder = ReferenceBuilder(min_count=min_count, min_pair_count=min_pair_count)
    excluded = 0
    for doc_id, text in documents:
        if doc_id in skip:
            excluded += 1
            continue
        builder.add_text(text)
    if isinstance(documents, TextCorpus):
        excluded += documents.excluded
    if builder.sentences == 0:
        raise ValueError("no text to count: every document was empty or excluded")
    info: dict[str, int | str] = {"excluded_documents": excluded}
    info.update(meta or {})
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    return builder.build(out, info)


__all__ += ["DataFormatError", "build_reference", "count_arrays"]
