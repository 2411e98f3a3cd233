"""A thesaurus that knows only part of its synonym pairs: training features for spinners we do not have.

Every training spinner draws its synonyms from the tables the detector reads, so in training
the true original of a swapped word is nearly always among the detector's candidates (84-100%
of one-word swaps for the WordNet-based styles). A spinner with its own dictionary breaks
that: for the held-out ``moby`` style the true original is a candidate for 8% of swaps. A
token model trained only on the first kind learns "no synonym fits better, so the word is
original", which such a spinner exploits.

:class:`PartialThesaurus` forgets a share of the synonym pairs, chosen by a stable hash of
the unordered pair, so the same pair is known or forgotten in both directions and in every
document. Training features computed through it teach the token model what a swap looks like
when its original is not a candidate, while most pairs still teach the thesaurus evidence.
Only training uses it; scoring always reads the whole thesaurus.
"""

from __future__ import annotations

import hashlib

from spin_detect.tables.thesaurus import Synonym, Thesaurus

__all__ = ["PartialThesaurus", "pair_kept"]


def pair_kept(a: str, b: str, share_forgotten: float, salt: str = "") -> bool:
    """Whether the unordered pair (``a``, ``b``) is kept when ``share_forgotten`` of all pairs are forgotten
    (case-insensitive; independent of PYTHONHASHSEED)."""
    x, y = sorted((a.lower(), b.lower()))
    h = hashlib.blake2b(f"{salt}\x1f{x}\x1f{y}".encode(), digest_size=8).digest()
    return int.from_bytes(h, "big") / 2**64 >= share_forgotten


class PartialThesaurus(Thesaurus):
    """A read-only view of ``thesaurus`` (sharing its arrays) whose :meth:`synonyms` and :meth:`synonym_ids`
    leave out ``share_forgotten`` of the synonym pairs (see the module docs); headwords and phrases are the
    thesaurus's own."""

    def __init__(self, thesaurus: Thesaurus, share_forgotten: float, salt: str = "overlap"):
        if not 0.0 <= share_forgotten < 1.0:
            raise ValueError(f"share_forgotten must be in [0, 1), got {share_forgotten}")
        self.__dict__.update(thesaurus.__dict__)  # the same arrays and metadata, nothing copied
        self.share_forgotten = share_forgotten
        self.salt = salt

    def synonyms(self, phrase: str, pos: str | None = None) -> list[Synonym]:
        """The thesaurus's synonyms of ``phrase`` that this view keeps."""
        return [s for s in super().synonyms(phrase, pos)
                if pair_kept(phrase, s.text, self.share_forgotten, self.salt)]

    def synonym_ids(self, phrase: str) -> list[int]:
        """The string ids of the synonyms this view keeps (what the feature extractor reads)."""
        strings = self.strings
        return [i for i in super().synonym_ids(phrase)
                if pair_kept(phrase, strings[i], self.share_forgotten, self.salt)]
