"""What a reader sees: text normalised before scoring, with a map back to the text as given.

Spam pages hide from duplicate checks with characters a reader does not see or
cannot tell apart, and scraped text often arrives as mojibake. Before anything
is scored, :func:`normalize`

* repairs mojibake (``cafÃ©`` for ``café``) with ``ftfy``, when ftfy's own
  detector says the text has it;
* removes format characters (Unicode category Cf: soft hyphens, zero-width
  spaces and joiners, bidirectional controls, byte-order marks);
* maps compatibility forms a reader takes for plain letters, digits and spaces
  to them, as NFKC does, but only where that is safe for English text:
  fullwidth and halfwidth forms, ligatures (``ﬁ``), mathematical
  alphanumerics (``𝐀``), and space separators such as the no-break space;
* folds letters of another script that pose as Latin letters (Cyrillic ``а``,
  Greek ``ο``) to the Latin letter they look like, using Unicode's confusables
  data (``confusable_homoglyphs``), in words that mix scripts, and in words made
  only of such look-alikes inside a mainly Latin text. Words of another script
  (``Москва``) are left alone.

:class:`Normalized` keeps, for every character of the normalised text, the span
of the original it came from, so every offset the detector reports (sentences,
evidence, HTML highlights) points into the text the user gave; and it counts
what was hidden (:attr:`Normalized.obfuscation`), which is evidence in itself.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import Match, SequenceMatcher
from functools import lru_cache

__all__ = ["Normalized", "normalize"]

_LETTERS_RE = re.compile(r"[^\W\d_]+")
#: Ranges mapped with NFKC: what a reader takes for the plain character.
_COMPAT_RANGES = ((0xFB00, 0xFB06), (0xFF01, 0xFF5E), (0xFF61, 0xFFEE), (0x1D400, 0x1D7FF))


@lru_cache(maxsize=4096)
def _mapped(ch: str) -> str | None:
    """The replacement of one character (``""`` to remove it), or None to keep it."""
    cat = unicodedata.category(ch)
    if cat == "Cf":
        return ""
    if cat == "Zs" and ch != " ":
        return " "
    code = ord(ch)
    if any(lo <= code <= hi for lo, hi in _COMPAT_RANGES):
        out = unicodedata.normalize("NFKC", ch)
        return out if out != ch else None
    return None


@lru_cache(maxsize=4096)
def _script(ch: str) -> str:
    from confusable_homoglyphs import categories

    return str(categories.alias(ch))


@lru_cache(maxsize=4096)
def _latin_lookalike(ch: str) -> str | None:
    """The ASCII letter that ``ch`` (a letter of another script) is confusable with, if any."""
    from confusable_homoglyphs import confusables

    found = confusables.is_confusable(ch, greedy=True, preferred_aliases=["latin"])
    for entry in found or ():
        for glyph in entry["homoglyphs"]:
            c = glyph["c"]
            if len(c) == 1 and c.isascii() and c.isalpha():
                return str(c)
    return None


@dataclass
class Normalized:
    """A normalised text, the map back to the original, and the counts of what was changed.

    ``starts[i]`` and ``ends[i]`` give the span of the original that normalised
    character ``i`` came from (None when nothing changed: the identity map).
    ``obfuscation`` counts ``mojibake`` (1 when ftfy repaired mojibake: a fault of
    the page's encoding, not a sign of hiding), ``invisible`` (format characters removed),
    ``invisible_in_words`` (of those, the ones between two letters),
    ``compatibility`` (letters and digits in fullwidth, ligature or
    mathematical forms), ``spaces`` (other space characters), ``confusables``
    (look-alike letters folded to Latin) and ``mixed_script_words`` (words
    that mixed Latin letters with look-alikes).
    """

    original: str
    text: str
    starts: list[int] | None = None
    ends: list[int] | None = None
    obfuscation: dict[str, int] = field(default_factory=dict)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that normalised ``text[start:end]`` came from."""
        if self.starts is None or self.ends is None:
            return start, end
        if end <= start:
            at = self.starts[start] if start < len(self.starts) else len(self.original)
            return at, at
        return self.starts[start], self.ends[end - 1]

    @property
    def changed(self) -> bool:
        """Whether the normalised text differs from the original."""
        return self.text != self.original


_EMPTY_COUNTS = {"mojibake": 0, "invisible": 0, "invisible_in_words": 0, "compatibility": 0, "spaces": 0,
                 "confusables": 0, "mixed_script_words": 0}


def normalize(text: str) -> Normalized:
    """``text`` as a reader sees it, with the map back and the counts (see the module docs)."""
    if text.isascii():
        return Normalized(text, text, obfuscation=dict(_EMPTY_COUNTS))
    repaired, fix_starts, fix_ends = _repair_mojibake(text)
    n = _normalize(repaired)
    if fix_starts is None or fix_ends is None:
        return n
    n.obfuscation["mojibake"] = 1
    # compose: normalised char -> span of the repaired text -> span of the original
    if n.starts is None or n.ends is None:
        starts, ends = fix_starts, fix_ends
    else:
        starts = [fix_starts[s] for s in n.starts]
        ends = [fix_ends[e - 1] for e in n.ends]
    return Normalized(text, n.text, starts, ends, n.obfuscation)


#: Longest text whose mojibake is repaired (the map back costs a sequence alignment).
MAX_MOJIBAKE_CHARS = 200_000


def _repair_mojibake(text: str) -> tuple[str, list[int] | None, list[int] | None]:
    """``text`` with mojibake repaired by ftfy and, when it changed, the span of ``text`` each character
    of the repaired text came from (aligned with :class:`difflib.SequenceMatcher`)."""
    if len(text) > MAX_MOJIBAKE_CHARS:
        return text, None, None
    from ftfy import badness, fix_encoding

    if not badness.is_bad(text):
        return text, None, None
    fixed = fix_encoding(text)
    if fixed == text:
        return text, None, None
    starts, ends = _map_back(text, fixed)
    return fixed, starts, ends


def _map_back(text: str, fixed: str) -> tuple[list[int], list[int]]:
    """Per character of ``fixed``, the span of ``text`` it came from: the alignment of
    :class:`difflib.SequenceMatcher` (``autojunk=False``), its longest matches found by
    :class:`_SampledMatcher` (the same blocks, so the same spans as :func:`_map_back_plain`)."""
    return _spans(_SampledMatcher(None, text, fixed, autojunk=False).get_opcodes())


def _map_back_plain(text: str, fixed: str) -> tuple[list[int], list[int]]:
    """:func:`_map_back` with difflib's own matcher: the reference (it costs about 30 ms per article)."""
    return _spans(SequenceMatcher(None, text, fixed, autojunk=False).get_opcodes())


def _spans(opcodes: Iterable[tuple[str, int, int, int, int]]) -> tuple[list[int], list[int]]:
    starts: list[int] = []
    ends: list[int] = []
    for op, a0, a1, b0, b1 in opcodes:
        if op == "equal":
            starts.extend(range(a0, a1))
            ends.extend(range(a0 + 1, a1 + 1))
        elif op in ("replace", "insert"):  # every repaired character stands for the whole original run
            starts.extend([a0] * (b1 - b0))
            ends.extend([max(a1, a0)] * (b1 - b0))
    return starts, ends


class _SampledMatcher(SequenceMatcher[str]):
    """A :class:`~difflib.SequenceMatcher` (no junk, ``autojunk=False``) whose longest match is
    found from sampled ``Q``-grams when it is at least ``LONG`` characters, as it is between two
    repaired spots of an article: the same match, without difflib's scan of every pair of equal
    characters (quadratic in the text's length).

    Any common run of ``LONG`` = ``STEP + Q - 1`` or more characters holds a ``Q``-gram of ``a``
    starting at a multiple of ``STEP`` (from ``alo``); extending every occurrence of those
    ``Q``-grams in ``b`` to its whole run finds all runs that long, and the longest, first in
    ``a``, then first in ``b`` is difflib's answer (which is that, without junk). When no run
    is that long (or the grams are too common), difflib's own search runs on the two slices,
    which gives the same match as on the whole texts (no junk, no popular elements).
    """

    Q = 8
    STEP = 25
    LONG = STEP + Q - 1
    BUDGET = 20_000  # candidate pairs tried before handing a range to difflib

    a: str
    b: str
    _grams: dict[str, list[int]] | None = None

    def set_seq2(self, b: str) -> None:  # type: ignore[override]
        self._grams = None  # the Q-gram index of the old b
        super().set_seq2(b)

    def find_longest_match(self, alo: int = 0, ahi: int | None = None, blo: int = 0,
                           bhi: int | None = None) -> Match:
        a, b = self.a, self.b
        ahi = len(a) if ahi is None else ahi
        bhi = len(b) if bhi is None else bhi
        if ahi - alo >= self.LONG and bhi - blo >= self.LONG:
            found = self._sampled(a, b, alo, ahi, blo, bhi)
            if found is not None:
                return Match(*found)
        i, j, k = SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False).find_longest_match()
        return Match(i + alo, j + blo, k)

    def _sampled(self, a: str, b: str, alo: int, ahi: int, blo: int, bhi: int) -> tuple[int, int, int] | None:
        q = self.Q
        grams = self._grams
        if grams is None:
            grams = self._grams = {}
            for j in range(len(b) - q + 1):
                grams.setdefault(b[j : j + q], []).append(j)
        run_end: dict[int, int] = {}  # diagonal j - i -> end in a of the run found on it last
        best_k, best_i, best_j = 0, 0, 0
        budget = self.BUDGET
        for i0 in range(alo, ahi - q + 1, self.STEP):
            for j0 in grams.get(a[i0 : i0 + q], ()):
                if j0 < blo:
                    continue
                if j0 > bhi - q:
                    break
                budget -= 1
                if budget < 0:
                    return None
                d = j0 - i0
                if run_end.get(d, -1) > i0:
                    continue  # inside a run already found
                i, j = i0, j0
                while i > alo and j > blo and a[i - 1] == b[j - 1]:
                    i -= 1
                    j -= 1
                e = i0 + q
                while e < ahi and e + d < bhi and a[e] == b[e + d]:
                    e += 1
                run_end[d] = e
                k = e - i
                if k > best_k or (k == best_k and (i < best_i or (i == best_i and j < best_j))):
                    best_k, best_i, best_j = k, i, j
        return (best_i, best_j, best_k) if best_k >= self.LONG else None


def _normalize(text: str) -> Normalized:
    """Everything :func:`normalize` does but the mojibake repair."""
    counts = dict(_EMPTY_COUNTS)
    if text.isascii():
        return Normalized(text, text, obfuscation=counts)
    if all(_mapped(ch) is None for ch in set(text) if not ch.isascii()):
        # Nothing to map or remove (a pound sign, an accented letter): the loop below would copy
        # every character with its own span; only look-alike letters may still be folded.
        chars = list(text)
        _fold_confusables(chars, counts)
        folded = "".join(chars)
        if folded == text:
            return Normalized(text, text, obfuscation=counts)
        return Normalized(text, folded, list(range(len(text))), list(range(1, len(text) + 1)), counts)
    return _normalize_loop(text, counts)


def _normalize_loop(text: str, counts: dict[str, int]) -> Normalized:
    """:func:`_normalize` character by character: the general case, and the reference of its shortcut."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    removed_at: list[int] = []  # output positions where an invisible character was removed
    for i, ch in enumerate(text):
        rep = _mapped(ch) if not ch.isascii() else None
        if rep is None:
            out.append(ch)
            starts.append(i)
            ends.append(i + 1)
            continue
        if rep == "":
            counts["invisible"] += 1
            removed_at.append(len(out))
            continue
        if rep == " ":
            counts["spaces"] += 1
        elif any(c.isalnum() for c in rep):
            counts["compatibility"] += 1
        for c in rep:
            out.append(c)
            starts.append(i)
            ends.append(i + 1)
    counts["invisible_in_words"] = sum(1 for k in removed_at if 0 < k < len(out) and out[k - 1].isalpha()
                                       and out[k].isalpha())
    _fold_confusables(out, counts)
    normalized = "".join(out)
    if normalized == text:
        return Normalized(text, text, obfuscation=counts)
    return Normalized(text, normalized, starts, ends, counts)


def _fold_confusables(chars: list[str], counts: dict[str, int]) -> None:
    """Fold look-alike letters of other scripts to Latin in place (one character for one)."""
    text = "".join(chars)
    words = [m for m in _LETTERS_RE.finditer(text) if not m.group().isascii()]
    if not words:
        return
    letters = sum(len(m.group()) for m in _LETTERS_RE.finditer(text))
    latin = letters - sum(1 for m in words for c in m.group() if not c.isascii() and _script(c) != "LATIN")
    mainly_latin = latin >= 0.5 * letters
    for m in words:
        word = m.group()
        foreign = [(k, c) for k, c in enumerate(word) if _script(c) not in ("LATIN", "COMMON")]
        if not foreign:
            continue
        has_latin = any(_script(c) == "LATIN" for c in word)
        looks = [(k, _latin_lookalike(c)) for k, c in foreign]
        if has_latin or (mainly_latin and all(c is not None for _, c in looks)):
            fold = [(k, c) for k, c in looks if c is not None]
        else:
            continue
        if fold:
            # A word of look-alikes only ("а" for "a") is folded for scoring but not counted as mixed:
            # Greek letters in formulas and glossary words of other languages are like that too.
            counts["mixed_script_words"] += has_latin
            counts["confusables"] += len(fold)
            for k, c in fold:
                chars[m.start() + k] = c
