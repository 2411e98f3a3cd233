"""One candidate pair, judged: the alignment's verdict in both directions, and which text is the original.

:func:`assess_pair` is a pure function of two documents (it runs in this process or on a Dask worker):
estimated Jaccard similarity of their signatures, word alignment, the relation of each as a copy of the
other, its swaps, and the sentences around the swaps (for the native-fit test). :func:`orient` decides, for a
related pair, which one is the original (dates, containment of a verbatim copy or a rewrite, wording,
containment of a spun copy, input order: see its docs); and says why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from spin_detect.matching.align import Swap, align
from spin_detect.matching.config import MatchConfig
from spin_detect.matching.signature import Word

__all__ = ["Doc", "PairVerdict", "add_sentences", "assess_pair", "estimated_jaccard", "native_means", "orient",
           "verdict_fields", "wants_native"]

#: Sentences per side scored for the native-fit test (those with the most swaps).
_NATIVE_SENTENCES = 4
#: Document likelihoods this far apart decide the direction on their own; closer ones go to the sentences.
_LIKELIHOOD_MARGIN = 0.1


@dataclass
class Doc:
    """A document to match: ``key`` (its position among the records, or among the sources), ``id``, ``text``,
    and optionally its URL, date and the detector's document likelihood. ``words``: the text's
    :func:`~spin_detect.matching.signature.words` when they were made already (spares the alignment making them
    again)."""

    key: int
    id: str
    text: str
    url: str | None = None
    date: str | None = None
    likelihood: float | None = None
    words: list[Word] | None = field(default=None, repr=False, compare=False)


@dataclass
class PairVerdict:
    """What the alignment says of documents ``a`` and ``b`` (``b_source``: b is a trusted source).

    ``relation_a`` is a's relation as a copy of b (``copy``, ``spun_copy``, ``rewrite`` or None), ``share_a``
    the share of a's words equal to b's in the alignment, ``swaps_a`` a's swaps (for a spun copy); the same
    for b. ``sentences_a``/``sentences_b``: the sentences around the swaps, for :func:`orient`.
    """

    a: int
    b: int
    b_source: bool
    jaccard: float
    relation_a: str | None = None
    relation_b: str | None = None
    share_a: float = 0.0
    share_b: float = 0.0
    swaps_a: list[Swap] = field(default_factory=list)
    swaps_b: list[Swap] = field(default_factory=list)
    sentences_a: list[str] = field(default_factory=list)
    sentences_b: list[str] = field(default_factory=list)
    #: a spun copy whose sentences were left for later (:func:`add_sentences`, when they are wanted)
    sentences_pending: bool = False

    @property
    def related(self) -> bool:
        """Whether either text is a copy, spun copy or rewrite of the other."""
        return self.relation_a is not None or self.relation_b is not None


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """The Jaccard similarity of two shingle sets estimated from their MinHash values (share of equal values)."""
    return float(np.count_nonzero(a == b)) / len(a)


def assess_pair(a: Doc, b: Doc, hv_a: np.ndarray, hv_b: np.ndarray, config: MatchConfig,
                b_source: bool = False, sentences: bool = True, compiled: bool = False) -> PairVerdict | None:
    """Judge a candidate pair; None when its estimated Jaccard similarity is under ``config.min_jaccard``
    (not aligned at all). With ``b_source``, only a's relation as a copy of b is asked. Without ``sentences``,
    the sentences around the swaps of a spun copy are left for :func:`add_sentences` (few pairs need
    them: those :func:`wants_native`). ``compiled``: as in :func:`~spin_detect.matching.align.align` (the same
    verdict)."""
    jac = estimated_jaccard(hv_a, hv_b)
    if jac < config.min_jaccard:
        return None
    aln = align(a.text, b.text, a.words, b.words, compiled=compiled)
    v = PairVerdict(a.key, b.key, b_source, round(jac, 4), relation_a=aln.relation("a", config),
                    relation_b=None if b_source else aln.relation("b", config),
                    share_a=round(aln.share("a"), 4), share_b=round(aln.share("b"), 4))
    # A side that is not a spun copy itself may still be the copy (:func:`orient`: a spun copy with text of its
    # own added, whose original is the side that aligns as a spun copy of it): it has its swaps too.
    spun = "spun_copy" in (v.relation_a, v.relation_b) and not b_source
    if v.relation_a == "spun_copy" or (spun and v.relation_a in (None, "rewrite")):
        v.swaps_a = aln.swaps("a")
    if v.relation_b == "spun_copy" or (spun and v.relation_b in (None, "rewrite")):
        v.swaps_b = aln.swaps("b")
    if v.swaps_a and v.swaps_b:
        if sentences:
            add_sentences(v, a.text, b.text)
        else:
            v.sentences_pending = True
    return v


def add_sentences(v: PairVerdict, text_a: str, text_b: str) -> None:
    """Fill in the sentences around the swaps of each side of ``v`` (the texts of its documents a and b)."""
    v.sentences_a = _swap_sentences(text_a, v.swaps_a)
    v.sentences_b = _swap_sentences(text_b, v.swaps_b)
    v.sentences_pending = False


def _swap_sentences(text: str, swaps: list[Swap]) -> list[str]:
    """The sentences of ``text`` with the most swaps (at most :data:`_NATIVE_SENTENCES`), in text order."""
    from spin_detect.text.segment import split_sentences

    sents = split_sentences(text)
    counts = [0] * len(sents)
    k = 0
    for s in swaps:
        while k < len(sents) and sents[k].end <= s.start:
            k += 1
        if k < len(sents):
            counts[k] += 1
    best = sorted((i for i, c in enumerate(counts) if c), key=lambda i: (-counts[i], i))[:_NATIVE_SENTENCES]
    return [sents[i].text for i in sorted(best)]


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        d = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return d if d.tzinfo is not None else d.replace(tzinfo=datetime.now().astimezone().tzinfo)


def wants_native(v: PairVerdict, a: Doc, b: Doc, texts: Callable[[int], str] | None = None) -> bool:
    """Whether :func:`orient` needs the native-fit test for this pair (its sentences scored): a spun copy one
    way or both, which neither dates nor document likelihoods tell apart. Sentences left for later are added first
    when the rest says yes (``texts(key)``: the text of a document)."""
    if v.b_source or "spun_copy" not in (v.relation_a, v.relation_b) or "copy" in (v.relation_a, v.relation_b):
        return False
    if not _undecided(a, b):
        return False
    if v.sentences_pending:
        if texts is None:
            raise ValueError("a pair whose sentences were left for later needs texts(key)")
        add_sentences(v, texts(v.a), texts(v.b))
    return bool(v.sentences_a and v.sentences_b)


def _undecided(a: Doc, b: Doc) -> bool:
    """Whether neither dates nor document likelihoods tell the original of a and b."""
    da, db = _date(a.date), _date(b.date)
    if da is not None and db is not None and da != db:
        return False
    la, lb = a.likelihood, b.likelihood
    return la is None or lb is None or abs(la - lb) < _LIKELIHOOD_MARGIN


def native_means(pairs: list[PairVerdict], native: Callable[[Sequence[str]], Sequence[float]],
                 batch: int = 4096) -> list[tuple[float, float]]:
    """For each pair, the mean spun probability of the sentences around its swaps on side a and on side b;
    the sentences of all pairs scored in batches of about ``batch`` (one call per batch: the detector is
    fastest on large batches)."""
    out: list[tuple[float, float]] = []
    start = 0
    while start < len(pairs):
        group: list[PairVerdict] = []
        n = 0
        while start + len(group) < len(pairs) and (not group or n < batch):
            v = pairs[start + len(group)]
            group.append(v)
            n += len(v.sentences_a) + len(v.sentences_b)
        probs = [float(p) for p in native([s for v in group for s in (*v.sentences_a, *v.sentences_b)])]
        pos = 0
        for v in group:
            na, nb = len(v.sentences_a), len(v.sentences_b)
            out.append((float(np.mean(probs[pos : pos + na])), float(np.mean(probs[pos + na : pos + na + nb]))))
            pos += na + nb
        start += len(group)
    return out


def orient(v: PairVerdict, a: Doc, b: Doc, means: tuple[float, float] | None = None) -> tuple[str, str] | None:
    """Which of a related pair is the copy: ``("a" or "b", why)``; None when neither is.

    A trusted source is always the original. Otherwise, in this order: the later date when both have one;
    the side that is a verbatim ``copy`` when the other is not, or the one related side of a rewrite (an
    excerpt is contained in its original, and the wording cannot tell them apart, their words being the
    same); for two verbatim copies of each other, the later record in input order; the text whose wording
    fits native English worse: document likelihoods at least 0.1 apart, or else the detector's mean sentence
    probability over the sentences around the swaps (``means``, from :func:`native_means` when
    :func:`wants_native`; lower is more native); the side that aligns as a spun copy when the other does not
    (a partial spun copy is contained in its original, but so is an original in a spun copy with text of its
    own added, hence only after the wording); input order.
    """
    if v.b_source:
        return ("a", "a trusted source") if v.relation_a else None
    if not v.related:
        return None
    da, db = _date(a.date), _date(b.date)
    if da is not None and db is not None and da != db:
        return ("a", f"{b.id} is dated earlier ({b.date})") if da > db else ("b", f"{a.id} is dated earlier ({a.date})")
    rewrite_only = "spun_copy" not in (v.relation_a, v.relation_b) and None in (v.relation_a, v.relation_b)
    if (v.relation_a == "copy") != (v.relation_b == "copy") or rewrite_only:
        if (v.relation_a == "copy") != (v.relation_b == "copy"):
            copy = "a" if v.relation_a == "copy" else "b"
        else:  # only one side related (a rewrite): that one
            copy = "a" if v.relation_a is not None else "b"
        orig = b if copy == "a" else a
        return copy, f"its text is contained in {orig.id}'s, not the reverse"
    later = "a" if a.key > b.key else "b"
    if v.relation_a == "copy" and v.relation_b == "copy":
        first = b if later == "a" else a
        return later, f"same words; {first.id} comes first in the input"
    la, lb = a.likelihood, b.likelihood
    if la is not None and lb is not None and abs(la - lb) >= _LIKELIHOOD_MARGIN:
        copy = "a" if la > lb else "b"
        orig, cp = (b, a) if copy == "a" else (a, b)
        return copy, (f"{orig.id}'s wording fits native English better (spin likelihood {orig.likelihood:.0%} "
                      f"against {cp.likelihood:.0%})")
    if means is not None:
        pa, pb = means
        if pa != pb:
            copy = "a" if pa > pb else "b"
            orig = b if copy == "a" else a
            lo, hi = sorted((pa, pb))
            return copy, (f"{orig.id}'s wording fits native English better (mean spun probability of the "
                          f"changed sentences {lo:.0%} against {hi:.0%})")
    if (v.relation_a == "spun_copy") != (v.relation_b == "spun_copy") or v.relation_a is None or v.relation_b is None:
        copy = "a" if v.relation_a == "spun_copy" or v.relation_b is None else "b"
        orig = b if copy == "a" else a
        return copy, f"its text is contained in {orig.id}'s, not the reverse"
    first = b if later == "a" else a
    return later, f"no date or wording tells them apart; {first.id} comes first in the input"


def verdict_fields(v: PairVerdict, copy: str, other_id: str, why: str) -> dict[str, Any]:
    """The match fields of the copy side of ``v``: ``source_id``, ``source_relation``, ``source_similarity``,
    ``swaps`` and ``source_note`` (why the other one is the original). A copy side whose original aligns as a
    spun copy of it, while it is only a rewrite of the original or not related (dates or wording said it is the
    copy), is a spun copy with text of its own added; a copy side not related takes the other side's relation."""
    own, other = (v.relation_a, v.relation_b) if copy == "a" else (v.relation_b, v.relation_a)
    rel = "spun_copy" if other == "spun_copy" and own in (None, "rewrite") else own or other
    swaps = v.swaps_a if copy == "a" else v.swaps_b
    share = v.share_a if copy == "a" else v.share_b
    return {"source_id": other_id, "source_relation": rel, "source_similarity": share,
            "swaps": [s.to_dict() for s in swaps], "source_note": why}
