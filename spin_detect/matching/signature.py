"""Signatures of a document from what article spinners leave alone, and their MinHash.

A spinner swaps content words for synonyms; it leaves most *immutables* alone
(DSpin, NDSS 2014): function words (a closed-class list), numbers and names
(capitalised words that do not start a sentence). :func:`immutables` keeps those
tokens in order; :func:`shingles` hashes each run of :data:`SHINGLE_SIZE`
consecutive immutables together with one coarse position bit between each two of
them: whether any other word stands between them (runs of the commonest function
words alone, :data:`COMMON_WORDS`, are left out: every document has them). A synonym swap keeps the bit
(one content word for another) and so does a phrase expansion (one word becoming
two or three), so the shingles of a spun copy are mostly those of its original;
only the shingles around a changed function word or name are lost.

:class:`Signer` turns shingles into a :class:`datasketch.MinHash` (one permutation
table shared by every signature, so computing one costs about 0.1 ms), and its
:meth:`Signer.hashvalues` are plain ``uint32`` arrays: what the index stores and
what the Dask band join hashes.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from spin_detect.text.normalize import normalize

if TYPE_CHECKING:
    from datasketch import MinHash

__all__ = ["COMMON_WORDS", "FUNCTION_WORDS", "SHINGLE_SIZE", "Signer", "Word", "immutables", "sentence_initial",
           "shingles", "words"]

#: Closed-class English words that spinners leave alone. Not every function word: commercial spinners rewrite
#: the commonest ones on purpose ("and" -> "as well as", "in" -> "within", "was" -> "used to be"), and
#: multiword synonyms bring particles in ("set up", "carry out"). This list is the closed class minus the words
#: that the packaged commercial-style phrase table, WordNet or Moby rewrite, and minus those their replacements
#: add more than a quarter as often as they occur (``as up out within down off upon though yet too towards so
#: being might near one``); measured on 150 training documents spun by every style at rate 0.35.
FUNCTION_WORDS = frozenset(
    """'d 'll 'm 're 's 've a am an any at be been both by did do does either for from had has have he her here
    hers herself him himself his how i it its me mine my myself n't neither no nor not of onto or ought our ours
    ourselves shall she than that the their theirs them there these they this those to us via we what when where
    whether which who whoever whom whose why you your yours""".split()
)
#: The commonest immutables: a shingle made of these alone ("the+ of the") is in most English documents and
#: says nothing of which one, so it is left out. Measured on 1,500 wikinews pages: the mean Jaccard similarity
#: of two random pages falls from 0.0039 to 0.0005 (99th percentile 0.024 to 0.011), which makes the LSH's
#: chance pairs about eight times fewer, while spun copies keep theirs (5th percentile at rate 0.35 from
#: 0.21-0.37 to 0.17-0.32 by style).
COMMON_WORDS = frozenset("the a an of to for by at from that it be this have has had or".split())
#: A text with fewer shingles than this besides the common ones keeps the common ones too.
MIN_DISTINCT = 8
#: Immutables per shingle. On 60 test documents spun at rate 0.35 by five styles, k=3 keeps a Jaccard similarity
#: of at least 0.17 (5th percentile 0.21) between copy and original, while pairs of unrelated documents of one
#: topic stay under 0.07 (99.9th percentile 0.06); k=4 halves both.
SHINGLE_SIZE = 3

_WORD_RE = re.compile(r"[^\W_]+(?:['’.\-][^\W_]+)*|['’](?:s|re|ve|ll|d|m)\b", re.UNICODE)
_SENTENCE_END = frozenset(".!?:;\"“”'‘’()[]\n")


class Word(NamedTuple):
    """One word of a text: its lower-cased form and ``[start, end)`` offsets in the text."""

    key: str
    start: int
    end: int


def words(text: str) -> list[Word]:
    """The words of ``text`` (letters, digits, inner apostrophes, hyphens and dots) with offsets; punctuation
    is left out, so alignment and signatures see the same units. Words are read as a reader sees them
    (:func:`~spin_detect.text.normalize.normalize`: invisible characters removed, look-alike letters of
    another script folded, mojibake repaired), with offsets into ``text`` as given: a copy that hides
    characters from a duplicate check is the copy it looks like, and its swaps point into it."""
    if not text.isascii():
        norm = normalize(text)
        if norm.changed:
            return [Word(w.key, *norm.span(w.start, w.end)) for w in _plain_words(norm.text)]
    return _plain_words(text)


def _plain_words(text: str) -> list[Word]:
    """:func:`words` of a text taken as it is."""
    low = text.lower().replace("’", "'")
    if len(low) != len(text):  # a letter whose lower case is longer (İ): word by word, offsets kept
        return [Word(m.group().lower().replace("’", "'"), m.start(), m.end()) for m in _WORD_RE.finditer(text)]
    new = tuple.__new__  # the same Word as Word(...), without a Python-level call per word
    return [new(Word, (low[s:e], s, e)) for s, e in (m.span() for m in _WORD_RE.finditer(text))]


def sentence_initial(text: str, start: int) -> bool:
    """Whether the word at ``start`` opens a sentence (or a line, or a quotation): its capital says nothing."""
    i = start - 1
    # spaces, and what normalize removes or makes a space: format characters (zero-width, soft hyphen), other spaces
    while i >= 0 and (text[i] in " \t\r" or unicodedata.category(text[i]) in ("Cf", "Zs")):
        i -= 1
    return i < 0 or text[i] in _SENTENCE_END


def immutables(text: str, toks: list[Word] | None = None) -> list[tuple[int, str]]:
    """``(word index, key)`` of the words a spinner leaves alone, in order: function words, numbers and
    capitalised words that do not open a sentence (names)."""
    toks = words(text) if toks is None else toks
    out: list[tuple[int, str]] = []
    for i, (key, start, _end) in enumerate(toks):
        if key in FUNCTION_WORDS or key[0].isdigit() or (text[start].isupper() and not sentence_initial(text, start)):
            out.append((i, key))
    return out


def shingles(text: str, k: int = SHINGLE_SIZE, toks: list[Word] | None = None) -> list[bytes]:
    """The distinct shingles of ``text``: ``k`` consecutive immutables, with between each two a bit saying
    whether other words stand between them, as UTF-8 bytes (sorted, so the result is the same everywhere).
    Shingles of :data:`COMMON_WORDS` only are left out, unless fewer than :data:`MIN_DISTINCT` would be left
    (a short text keeps them all: better a common shingle than no signature)."""
    imm = immutables(text, toks)
    if len(imm) < k:
        return []
    parts = []
    common = []
    for j, (i, key) in enumerate(imm):
        gap = "+" if j + 1 < len(imm) and imm[j + 1][0] > i + 1 else " "
        parts.append(key + gap)
        common.append(key in COMMON_WORDS)
    every = {"".join(parts[j : j + k]).encode("utf-8"): not all(common[j : j + k])
             for j in range(len(parts) - k + 1)}
    distinct = [s for s, keep in every.items() if keep]
    return sorted(distinct if len(distinct) >= MIN_DISTINCT else every)


@lru_cache(maxsize=4)
def _permutations(num_perm: int, seed: int) -> np.ndarray:
    from datasketch import MinHash

    return np.asarray(MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations)


@dataclass(frozen=True)
class Signer:
    """Makes MinHash signatures of documents: ``num_perm`` permutations from ``seed`` (datasketch's own),
    over :func:`shingles` of ``k`` immutables, hashed with CRC-32 (deterministic in every process).

    ``min_shingles``: a document with fewer shingles has no signature (too little text to match reliably).
    """

    num_perm: int = 128
    seed: int = 1
    k: int = SHINGLE_SIZE
    min_shingles: int = 5

    def minhash(self, items: list[bytes]) -> MinHash:
        """The datasketch MinHash of shingles ``items``."""
        from datasketch import MinHash

        m = MinHash(num_perm=self.num_perm, seed=self.seed, hashfunc=zlib.crc32,
                    permutations=_permutations(self.num_perm, self.seed), scheme="affine32")
        m.update_batch(items)
        return m

    def hashvalues(self, text: str, toks: list[Word] | None = None) -> np.ndarray | None:
        """The MinHash values of ``text`` (``uint32``, length ``num_perm``), or None when it has fewer than
        ``min_shingles`` shingles."""
        items = shingles(text, self.k, toks)
        if len(items) < self.min_shingles:
            return None
        return np.asarray(self.minhash(items).hashvalues, dtype=np.uint32)

    def from_hashvalues(self, values: np.ndarray) -> MinHash:
        """A MinHash with stored ``values`` (for the LSH index and Jaccard estimates)."""
        from datasketch import MinHash

        return MinHash(num_perm=self.num_perm, seed=self.seed, hashvalues=values,
                       permutations=_permutations(self.num_perm, self.seed), scheme="affine32")
