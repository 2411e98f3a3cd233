"""Word alignment of two texts, the relation it shows, and the swaps of a spun copy.

:func:`align` lines up the words of two texts with :class:`difflib.SequenceMatcher`
(no junk heuristic: function words matter here) and keeps the opcodes. A spun copy
shows as long stretches of equal words with short replaced spans in between (one
to :data:`MAX_SWAP_WORDS` words each side: a synonym, a phrase for a word); a
verbatim copy as equal words only; a rewrite of the same story as shared runs of
words (quotes, names, figures) in text of its own. :meth:`Alignment.relation`
decides between them from :class:`~spin_detect.matching.api.MatchConfig`'s
thresholds, and :meth:`Alignment.swaps` lists the replaced spans of one side with
their exact character offsets and the other side's words.

Why difflib: it is in the standard library, exact on the near-identical sequences that
matter here (a spun copy keeps most words in place), and about 1-3 ms for two news
articles; unrelated pairs never get here (the signature filter rejects them first).
Where many pairs are aligned (``compiled=True``: an audit's matching), the same opcodes
come from :mod:`spin_detect.matching.blocks`, difflib's search compiled (about a sixth of
the time, the same answer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cached_property
from typing import Any

import numpy as np

from spin_detect.matching.config import MatchConfig
from spin_detect.matching.fit import fit_asymmetry, swap_fit
from spin_detect.matching.signature import Word, sentence_initial, words

__all__ = ["MAX_ALIGN_WORDS", "MAX_SWAP_WORDS", "Alignment", "Swap", "align"]

#: A replaced span of at most this many words on each side is a swap (a synonym or a phrase for a word);
#: a longer one is text of its own.
MAX_SWAP_WORDS = 6
#: Only the first this many words of each text are aligned: SequenceMatcher is quadratic in the worst case, and a
#: copy shows itself in its first 20,000 words (about 80 pages).
MAX_ALIGN_WORDS = 20_000


@dataclass(frozen=True)
class Swap:
    """A span of the copy that replaces words of the original: ``word`` is ``text[start:end]`` of the copy,
    ``original`` the words of the original it stands for."""

    start: int
    end: int
    word: str
    original: str
    #: where ``original`` is in the original's text (not in report rows, whose offsets are the copy's)
    original_start: int = 0
    original_end: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The swap as a report row holds it: ``{start, end, word, original}``."""
        return {"start": self.start, "end": self.end, "word": self.word, "original": self.original}


@dataclass
class Alignment:
    """The word alignment of texts ``a`` and ``b`` (see :func:`align`).

    ``opcodes`` are SequenceMatcher's over the word lists; ``equal`` counts aligned equal words,
    ``long_equal`` those in runs of at least 5 words, ``swapped_a``/``swapped_b`` the words of each side in
    swaps (:func:`_is_swap`), ``indel`` the words of swaps with nothing on the other side.
    """

    a_text: str
    b_text: str
    a_words: list[Word]
    b_words: list[Word]
    opcodes: Sequence[tuple[str, int, int, int, int]]
    equal: int
    long_equal: int
    swapped_a: int
    swapped_b: int
    #: words only added or only dropped (no word in their place), between equal runs, both sides together
    indel: int = 0
    #: short differing spans (at most MAX_SWAP_WORDS words a side) with no name or number on either side, and
    #: those with one: a spinner swaps common words; pages made from one template differ in names and numbers
    plain_spans: int = 0
    factual_spans: int = 0

    def share(self, side: str) -> float:
        """Share of the words of ``side`` (``"a"`` or ``"b"``) aligned to equal words of the other: 1.0 for a
        verbatim copy (also a partial one), about 0.6 for a heavy spin; the reports' ``source_similarity``."""
        n = len(self.a_words if side == "a" else self.b_words)
        return self.equal / n if n else 0.0

    def covered(self, side: str) -> float:
        """Share of the words of ``side`` that are equal or in a short swapped span: the aligned structure."""
        n = len(self.a_words if side == "a" else self.b_words)
        swapped = self.swapped_a if side == "a" else self.swapped_b
        return (self.equal + swapped) / n if n else 0.0

    def swap_fit(self) -> np.ndarray:
        """Per swap with an equal word on each side, how much better a's words fit than b's, in nats
        (:func:`~spin_detect.matching.fit.swap_fit`)."""
        ops = self.opcodes
        return swap_fit(self.a_words, self.b_words, ops, [_is_swap(ops, k) for k in range(len(ops))])

    @cached_property
    def fit_asymmetry(self) -> float:
        """How consistently one side's words fit native English better at the swaps
        (:func:`~spin_detect.matching.fit.fit_asymmetry` of :meth:`swap_fit`): high for a spun copy and its
        original, about 0-1 for two native texts (pages of one template, revisions of one story). Computed
        when first asked."""
        return fit_asymmetry(self.swap_fit())

    def relation(self, copy: str, config: MatchConfig | None = None) -> str | None:
        """How side ``copy`` relates to the other, by the thresholds of ``config``
        (:class:`~spin_detect.matching.config.MatchConfig`, whose docs give the measured figures): ``copy``
        (near-verbatim: at least ``copy_share`` of its words equal, or half of them in shared runs of 5 or more
        words with under 1% swapped: a copy with text of its own added); ``spun_copy`` (at least
        ``spun_share`` equal and ``spun_cover`` equal or swapped, at most ``spun_indel`` words only added or
        dropped, since spinners replace words, and at least ``spun_plain`` of its words in swaps of common
        words, unless ``fit_factual`` of the short differing spans hold a name or number and the fit test
        finds no side fitting native English better at the swaps (:attr:`fit_asymmetry` under ``fit_min``:
        pages of one template, revisions of one story)); None when ``template_share`` of the short differing
        spans hold a name or number (pages of one template, other facts); else ``rewrite`` when
        ``rewrite_long`` of its words are in shared runs of 5 or more words; else None. Texts of fewer than
        ``min_words`` words are never related.
        """
        c = config or MatchConfig()
        n = len(self.a_words if copy == "a" else self.b_words)
        if n < c.min_words or min(len(self.a_words), len(self.b_words)) < c.min_words:
            return None
        share = self.share(copy)
        swapped = self.swapped_a if copy == "a" else self.swapped_b
        if share >= c.copy_share or (self.long_equal >= 0.5 * n and swapped < 0.01 * n):
            return "copy"
        spans = self.plain_spans + self.factual_spans
        template = spans > 0 and self.factual_spans >= c.template_share * spans
        if (share >= c.spun_share and self.covered(copy) >= c.spun_cover and (self.swapped_a or self.swapped_b)
                and self.indel <= c.spun_indel * n and self.plain_spans >= c.spun_plain * n and not template
                and not (spans > 0 and self.factual_spans >= c.fit_factual * spans
                         and self.fit_asymmetry < c.fit_min)):
            return "spun_copy"
        if template:
            return None
        if self.long_equal / n >= c.rewrite_long:
            return "rewrite"
        return None

    def swaps(self, copy: str = "b") -> list[Swap]:
        """The swaps of side ``copy`` against the other side, in text order.

        A replaced span gives one swap; words only added on the copy's side ("and" -> "and also") are
        joined to the equal word before them, and words only dropped ("in order to" -> "to") to the equal word
        after them, so that each swap names a real span of both texts. Words dropped and words added on either
        side of one equal word (a reordered phrase: "health checks" -> "checks of health") would both take that
        word: they are one swap, of both spans and the word, so that no word of either text is in two swaps.
        Spans longer than :data:`MAX_SWAP_WORDS`, and words added or cut at either end, are not swaps and are
        left out.
        """
        cw, ow = (self.b_words, self.a_words) if copy == "b" else (self.a_words, self.b_words)
        ct, ot = (self.b_text, self.a_text) if copy == "b" else (self.a_text, self.b_text)
        spans: list[tuple[int, int, int, int]] = []
        ops = self.opcodes
        for k, (_tag, i1, i2, j1, j2) in enumerate(ops):
            if not _is_swap(ops, k):
                continue
            o1, o2, c1, c2 = (i1, i2, j1, j2) if copy == "b" else (j1, j2, i1, i2)
            if c1 == c2:  # only dropped words: they join the equal word after them
                c2, o2 = c2 + 1, o2 + 1
            elif o1 == o2:  # only added words: they join the equal word before them
                c1, o1 = c1 - 1, o1 - 1
            if spans and (c1 < spans[-1][1] or o1 < spans[-1][3]):
                p1, p2, q1, q2 = spans[-1]
                spans[-1] = (min(p1, c1), max(p2, c2), min(q1, o1), max(q2, o2))
            else:
                spans.append((c1, c2, o1, o2))
        out: list[Swap] = []
        for c1, c2, o1, o2 in spans:
            start, end = cw[c1].start, cw[c2 - 1].end
            o_start, o_end = ow[o1].start, ow[o2 - 1].end
            out.append(Swap(start, end, ct[start:end], ot[o_start:o_end], o_start, o_end))
        return out


def _is_swap(ops: Sequence[tuple[str, int, int, int, int]], k: int) -> bool:
    """Whether opcode ``k`` is a swap: a short replaced span, or words only added or dropped between two equal
    runs (at either end of the text they are text added or cut, not swapped)."""
    tag, i1, i2, j1, j2 = ops[k]
    if tag == "equal" or max(i2 - i1, j2 - j1) > MAX_SWAP_WORDS:
        return False
    return tag == "replace" or 0 < k < len(ops) - 1


def align(a_text: str, b_text: str, a_words: list[Word] | None = None, b_words: list[Word] | None = None,
          compiled: bool = False) -> Alignment:
    """Align the words of ``a_text`` and ``b_text`` (case-insensitive; punctuation is not a word).

    Only the first :data:`MAX_ALIGN_WORDS` words of each are aligned. ``a_words``/``b_words``: the texts'
    :func:`~spin_detect.matching.signature.words` when they are at hand. ``compiled``: the opcodes from
    :func:`spin_detect.matching.blocks.opcodes` (the same as difflib's, faster; numba compiles it once).
    """
    aw = (words(a_text) if a_words is None else a_words)[:MAX_ALIGN_WORDS]
    bw = (words(b_text) if b_words is None else b_words)[:MAX_ALIGN_WORDS]
    a_keys, b_keys = [w.key for w in aw], [w.key for w in bw]
    if compiled:
        from spin_detect.matching.blocks import opcodes

        ops: Sequence[tuple[str, int, int, int, int]] = opcodes(a_keys, b_keys)
    else:
        ops = SequenceMatcher(None, a_keys, b_keys, autojunk=False).get_opcodes()
    equal = long_equal = swapped_a = swapped_b = indel = plain = factual = 0
    for k, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal":
            equal += i2 - i1
            if i2 - i1 >= 5:
                long_equal += i2 - i1
            continue
        if _is_swap(ops, k):
            swapped_a += i2 - i1
            swapped_b += j2 - j1
            if tag != "replace":
                indel += (i2 - i1) + (j2 - j1)
        if max(i2 - i1, j2 - j1) <= MAX_SWAP_WORDS:
            if _factual(a_text, aw[i1:i2]) or _factual(b_text, bw[j1:j2]):
                factual += 1
            else:
                plain += 1
    return Alignment(a_text, b_text, aw, bw, ops, equal, long_equal, swapped_a, swapped_b, indel, plain, factual)


def _factual(text: str, span: list[Word]) -> bool:
    """Whether a span holds a number or a name (a capitalised word that does not open a sentence)."""
    return any(w.key[0].isdigit() or (text[w.start].isupper() and not sentence_initial(text, w.start))
               for w in span)
