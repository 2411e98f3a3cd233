"""Likely originals of a word that looks substituted: ranked, credible candidates for its slot.

The token scores keep one best candidate per token, chosen for the features (the
candidate that fits the context best, whatever it is). A person reading the
evidence needs more care: a candidate is shown only when it is a credible word
for the slot (letters, not a number pattern or a fragment; different from the
word; fitting the context better than the word does), and up to three are
offered, best first. Candidates are the word's thesaurus synonyms (one word or
several), the synonyms of any thesaurus phrase the word is part of ("find
yourself" -> "end up"), and its distributional neighbours. They are ranked by
how much better the sentence reads with them: the change in the log-probability
of the word chain from the word before the span to the word after it (bigram
model of the reference), plus half the change in mean log-frequency (originals are
usually common words).

This runs only for the few words a report shows as evidence, one sentence at a
time, so it is plain Python and numpy on short arrays; the result depends on the
sentence alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from spin_detect.tables.reference import BOS, EOS, UNK

if TYPE_CHECKING:
    from spin_detect.features.extractor import FeatureExtractor

__all__ = ["LikelyOriginal", "rank_originals"]

#: A credible original: lower-case words of letters (with inner hyphens or apostrophes), one space between.
_CREDIBLE = re.compile(r"[a-z]+(?:['\-][a-z]+)*(?: [a-z]+(?:['\-][a-z]+)*)*")
#: Weight of the candidate's mean log-frequency against the word's (originals are usually common words;
#: chosen on the dev split: top-1 true originals 51.3% with 0, 54.0% with 0.5, 52.6% with 0.5 and trigrams).
_FREQ_WEIGHT = 0.5


@dataclass(frozen=True)
class LikelyOriginal:
    """A candidate original of the tokens ``[start, start + length)`` of a sentence, and how much
    better the sentence reads with it (``gain``, in nats)."""

    text: str
    start: int
    length: int
    gain: float


def _spans(ex: FeatureExtractor, words: Sequence[str], j: int) -> list[tuple[int, int, tuple[int, ...]]]:
    """Every replacement a spinner could have made that covers token ``j``: ``(start, length, candidate ids)``."""
    cands = ex.candidates
    ref = ex.ref
    out: list[tuple[int, int, tuple[int, ...]]] = []
    word = words[j].lower()
    wid = ref.word_id(word)
    singles = cands.single(wid) if wid != UNK else cands.oov(word)
    out.extend((j, 1, (int(c),)) for c in singles.tolist())
    out.extend((j, 1, c) for c in cands.multi(word) if len(c) > 1)
    if ex.neighbours is not None and wid != UNK:
        out.extend((j, 1, (int(c),)) for c in ex.neighbours.of(wid)[: ex.max_neighbours].tolist())
    for length in range(2, ex.max_phrase + 1):  # thesaurus phrases the word is part of
        for start in range(max(0, j - length + 1), min(j, len(words) - length) + 1):
            phrase = " ".join(w.lower() for w in words[start : start + length])
            out.extend((start, length, c) for c in cands.multi(phrase))
    return out


def _add_chain(chain: list[int], lo: int, hi: int, n: int, pairs: tuple[list, list, list],
               unigrams: tuple[list, list]) -> None:
    """Queue the bigram pairs (word before the span .. word after it) and the span's unigrams of
    candidate chain ``n`` (``chain[lo:hi]`` is the span)."""
    for p in range(max(0, lo - 1), min(hi, len(chain) - 1)):
        pairs[0].append(chain[p])
        pairs[1].append(chain[p + 1])
        pairs[2].append(n)
    for p in range(lo, hi):
        unigrams[0].append(chain[p])
        unigrams[1].append(n)


def rank_originals(ex: FeatureExtractor, words: Sequence[str], j: int, k: int = 3) -> list[LikelyOriginal]:
    """Up to ``k`` credible originals of token ``j`` of the tokenised sentence ``words``, best first.

    Empty when no candidate is a credible word that reads better in the slot than
    what is there. Phrases are offered as one unit: a candidate may replace a
    span of several tokens around ``j``.
    """
    ref = ex.ref
    vocab = ref.vocab
    ids = [BOS, *ref.ids(words).tolist(), EOS]
    here = {w.lower() for w in words}
    kept: list[tuple[str, int, int]] = []
    seen: set[tuple[str, int, int]] = set()
    # Chain 2n: candidate n's span as written; 2n + 1: with candidate n; each from the word before
    # the span to the word after it.
    pairs: tuple[list, list, list] = ([], [], [])
    unigrams: tuple[list, list] = ([], [])
    for start, length, cand in _spans(ex, words, j):
        text = " ".join(vocab[c] for c in cand)
        current = " ".join(w.lower() for w in words[start : start + length])
        if text == current or UNK in cand or (text, start, length) in seen or not _CREDIBLE.fullmatch(text):
            continue
        if length == 1 and len(cand) == 1 and text in here:
            continue  # a word the sentence already has nearby is rarely what a spinner replaced
        seen.add((text, start, length))
        lo, hi = start + 1, start + 1 + length  # the span's positions in ids (after <s>)
        a = lo - 1
        n = len(kept)
        _add_chain(ids[a : hi + 1], lo - a, hi - a, 2 * n, pairs, unigrams)
        _add_chain(ids[a:lo] + list(cand) + ids[hi : hi + 1], lo - a, lo - a + len(cand), 2 * n + 1, pairs, unigrams)
        kept.append((text, start, length))
    if not kept:
        return []
    m = 2 * len(kept)
    a_, b_, seg = (np.asarray(x, dtype=np.int64) for x in pairs)
    score: np.ndarray = np.bincount(seg, weights=ref.cond_logprob(a_, b_), minlength=m).astype(np.float64)
    u, useg = (np.asarray(x, dtype=np.int64) for x in unigrams)
    mean_u = np.bincount(useg, weights=ref.logprob(u), minlength=m) / np.maximum(np.bincount(useg, minlength=m), 1)
    score = score + _FREQ_WEIGHT * mean_u
    gain = (score[1::2] - score[0::2]).tolist()
    best: dict[str, LikelyOriginal] = {}
    for (text, start, length), g in zip(kept, gain):
        if g > 0 and (text not in best or g > best[text].gain):
            best[text] = LikelyOriginal(text, start, length, round(g, 4))
    return sorted(best.values(), key=lambda o: (-o.gain, o.text))[:k]
