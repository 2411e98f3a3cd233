"""Synonym candidates for English words and multiword expressions.

The table is derived from WordNet 3.0 at build time (``python -m scripts.build thesaurus``)
and shipped pre-inflected: the entry for "said" lists "stated", "told",
"mentioned" ... in the past tense, "years" lists plural nouns, and "forces" has
both its noun synonyms ("troops") and its verb synonyms ("coerces"). Lookups
therefore need neither NLTK nor WordNet at run time.

Each entry records the part of speech (``n v a r``, or ``x`` when unknown), the
inflection tag (``NN NNS VB VBZ VBD VBN VBG JJ RB``, or ``X`` for a fixed form),
the rank of the headword's sense it came from (0 = the most common sense; spinners ignore this, the detector need not)
and whether it came from an adjective "similar to" link rather than the synset.
"""

from __future__ import annotations

import os
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import NamedTuple

import numpy as np

from spin_detect.tables.store import StoredArrays, read_table, write_arrays

__all__ = ["FORMAT", "POS", "TAGS", "VERSION", "Synonym", "Thesaurus", "write_thesaurus"]

FORMAT = "spin-detect/thesaurus"
VERSION = 1
POS = ("n", "v", "a", "r", "x")
TAGS = ("NN", "NNS", "VB", "VBZ", "VBD", "VBN", "VBG", "JJ", "RB", "X")
FLAG_SIMILAR = 1


class Synonym(NamedTuple):
    """One synonym candidate of a headword."""

    text: str
    pos: str
    tag: str
    rank: int
    similar: bool


class Thesaurus:
    """Read-only synonym table; see the module docs for what an entry holds."""

    def __init__(self, stored: StoredArrays):
        a = stored.arrays
        self.meta = stored.meta
        self.sha256 = stored.sha256
        self._blob = a["strings"]
        self.head_string = a["head_string"]
        self.head_offsets = a["head_offsets"]
        self.syn = a["syn"]
        self.pos = a["pos"]
        self.tag = a["tag"]
        self.rank = a["rank"]
        self.flags = a["flags"]
        self.max_words = int(self.meta["max_words"])

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None, verify: bool = True) -> Thesaurus:
        """Load a thesaurus table from ``path`` (default: the packaged one)."""
        return cls(read_table(path, "thesaurus.bin", FORMAT, (VERSION,), verify)[1])

    @cached_property
    def strings(self) -> list[str]:
        """Every headword and synonym, sorted; entries refer to them by index."""
        return bytes(self._blob).decode("utf-8").split("\n")

    def __len__(self) -> int:
        """Number of headwords (inflected forms count separately)."""
        return len(self.head_string)

    def _head(self, phrase: str) -> int | None:
        # Binary searches in the sorted strings and head list: no index to build at load time.
        phrase = phrase.lower()
        strings = self.strings
        sid = bisect_left(strings, phrase)
        if sid == len(strings) or strings[sid] != phrase:
            return None
        heads = self._head_list
        h = bisect_left(heads, sid)
        return h if h < len(heads) and heads[h] == sid else None

    @cached_property
    def _head_list(self) -> list[int]:
        """``head_string`` as a list (sorted string ids of the headwords), for fast scalar searches."""
        return self.head_string.tolist()

    def phrases_from(self, word: str) -> list[str]:
        """Headwords of two or more words whose first word is ``word``."""
        prefix = word.lower() + " "
        # Strings that start with "word " sort between "word " and "word!" (the character after the space).
        lo = bisect_left(self.strings, prefix)
        hi = bisect_left(self.strings, prefix[:-1] + "!")
        heads = self._head_list
        strings = self.strings
        return [strings[i] for i in heads[bisect_left(heads, lo) : bisect_left(heads, hi)]]

    def __contains__(self, phrase: object) -> bool:
        return isinstance(phrase, str) and self._head(phrase) is not None

    def synonyms(self, phrase: str, pos: str | None = None) -> list[Synonym]:
        """Synonym candidates of ``phrase`` (any case; words separated by single
        spaces), most common sense first; only part of speech ``pos`` if given.
        An unknown phrase gives an empty list."""
        h = self._head(phrase)
        if h is None:
            return []
        lo, hi = int(self.head_offsets[h]), int(self.head_offsets[h + 1])
        strings = self.strings
        out = [
            Synonym(strings[self.syn[i]], POS[self.pos[i]], TAGS[self.tag[i]], int(self.rank[i]),
                    bool(self.flags[i] & FLAG_SIMILAR))
            for i in range(lo, hi)
        ]
        if pos is not None:
            out = [s for s in out if s.pos == pos]
        return out

    def synonym_ids(self, phrase: str) -> list[int]:
        """String ids (indexes of :attr:`strings`) of the synonyms :meth:`synonyms` lists for ``phrase``, in
        its order, without making a :class:`Synonym` of each."""
        h = self._head(phrase)
        if h is None:
            return []
        return self.syn[int(self.head_offsets[h]) : int(self.head_offsets[h + 1])].tolist()

    def headwords(self) -> list[str]:
        """All headwords (surface forms, lower case)."""
        strings = self.strings
        return [strings[i] for i in self.head_string]

    def match_at(self, words: Sequence[str], i: int) -> list[str]:
        """Headwords that start at ``words[i]`` (lower-case tokens), longest first.

        Used to find multiword expressions such as "end up" or "news agency"
        in tokenised text.
        """
        found = []
        for n in range(min(self.max_words, len(words) - i), 0, -1):
            phrase = " ".join(words[i : i + n])
            if self._head(phrase) is not None:
                found.append(phrase)
        return found


def write_thesaurus(
    path: str | os.PathLike[str],
    entries: Iterable[tuple[str, str, str, str, int, int]],
    meta: dict | None = None,
) -> Thesaurus:
    """Write ``(head, synonym, pos, tag, rank, flags)`` entries as a table.

    Entries are sorted, so the file is the same whatever order they come in.
    A (head, synonym, pos) triple is kept once, with its lowest rank.
    """
    best: dict[tuple[str, str, str], tuple[int, str, int]] = {}
    for head, syn, pos, tag, rank, flags in entries:
        head, syn = head.lower(), syn.lower()
        if head == syn or not head or not syn or "\n" in head + syn:
            continue
        key = (head, syn, pos)
        cur = best.get(key)
        if cur is None or (rank, flags) < (cur[0], cur[2]):
            best[key] = (rank, tag, flags)
    strings = sorted({k[0] for k in best} | {k[1] for k in best})
    sid = {s: i for i, s in enumerate(strings)}
    # Entries grouped by head, ordered by sense rank, then POS, then synonym.
    rows = sorted(
        ((sid[h], r, POS.index(p), sid[s], TAGS.index(t), f) for (h, s, p), (r, t, f) in best.items()),
    )
    heads = np.array([r[0] for r in rows], dtype=np.uint32)
    head_string, starts = np.unique(heads, return_index=True)
    offsets = np.append(starts, len(rows)).astype(np.uint32)
    arrays: dict[str, np.ndarray] = {
        "strings": np.frombuffer("\n".join(strings).encode("utf-8"), dtype=np.uint8),
        "head_string": head_string.astype(np.uint32),
        "head_offsets": offsets,
        "syn": np.array([r[3] for r in rows], dtype=np.uint32),
        "rank": np.array([min(r[1], 255) for r in rows], dtype=np.uint8),
        "pos": np.array([r[2] for r in rows], dtype=np.uint8),
        "tag": np.array([r[4] for r in rows], dtype=np.uint8),
        "flags": np.array([r[5] for r in rows], dtype=np.uint8),
    }
    info = {"max_words": max((len(k[0].split(" ")) for k in best), default=1), "entries": len(rows)}
    info.update(meta or {})
    write_arrays(path, FORMAT, VERSION, arrays, info)
    return Thesaurus.load(path)
