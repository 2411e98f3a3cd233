"""Likely originals of a word that looks substituted: ranked, credible candidates for its slot.

The token scores keep one best candidate per token, chosen for the features (the
candidate that fits the context best, whatever it is). A person reading the
evidence needs more care: a candidate is shown only when it is a credible word
for the slot (letters, not a number pattern or a fragment; different from the
word; fitting the context better than the word does), and up to three are
offered, best first. Candidates are the word's thesaurus synonyms (one word or
several), the synonyms of any thesaurus phrase the word is part of ("find
yourself" -> "end up"), and its distributional neighbours. They are ranked by
how much better the sentence reads with them (:data:`GAINS`, weighed by
:data:`GAIN_WEIGHTS`, which were fitted on labelled substitutions): the change in
the log-probability of the word chain from the word before the span to the word
after it (bigram model of the reference), the change in mean log-frequency
(originals are usually common words), and, for a one-word candidate, how much
better the cloze model (:mod:`spin_detect.tables.cloze`) finds it in the slot,
judged from the whole sentence.

This runs only for the few words a report shows as evidence: the requests of a
whole batch are scored together (one query of the reference for all their
chains), and each word's and phrase's credible candidates are cached. A result
depends on its sentence alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from spin_detect.tables.antonyms import Antonyms
from spin_detect.tables.names import NameWords
from spin_detect.tables.packaged import default_antonyms, default_names
from spin_detect.tables.reference import BOS, EOS, UNK

if TYPE_CHECKING:
    from spin_detect.features.extractor import FeatureExtractor

__all__ = ["GAINS", "GAIN_WEIGHTS", "NUMBER_WORDS", "RANKED_ORIGINALS", "SHOWN_ORIGINALS", "LikelyOriginal",
           "OriginalRanker", "evidence_run", "match_case", "rank_originals"]

#: Likely originals a report shows per evidence item, and how many it asks the ranker for to choose them
#: from: those of another span than the item's are left out.
SHOWN_ORIGINALS = 3
RANKED_ORIGINALS = 6

#: A credible original: lower-case words of letters (with inner hyphens or apostrophes), one space between.
_CREDIBLE = re.compile(r"[a-z]+(?:['\-][a-z]+)*(?: [a-z]+(?:['\-][a-z]+)*)*")
#: Kinds of candidate: a one-word thesaurus synonym, a distributional neighbour (not in the thesaurus), and a
#: phrase (several words, or one word for a span of several: "end up" -> "finish").
_THESAURUS, _NEIGHBOUR, _PHRASE = 0, 1, 2
#: Columns of :meth:`OriginalRanker.candidates`: how much better the sentence reads with a candidate than as
#: written. ``fit_*``: the bigram chain's log-probability from the word before the span to the word after it,
#: by kind of candidate; ``freq_*``: the mean log-frequency of its words (originals are usually common
#: words); ``cloze``: the cloze model's score of a one-word candidate in the word's own slot (0 otherwise).
#: Every column is 0 for the words as written, so a weighted sum over 0 means "reads better".
GAINS = ("fit_thesaurus", "fit_neighbour", "fit_phrase", "freq_thesaurus", "freq_neighbour", "freq_phrase", "cloze")
#: Weights of :data:`GAINS` in a candidate's ranking score: a conditional logit (each real substitution's
#: candidates and the word as written, softmax over their scores, weights at 0 or more) fitted on the dev
#: split's 77,675 real substitutions of the training styles and sources (without the held-out `moby` style
#: and `bbc` source), scaled so that the thesaurus's bigram fit counts 1, rounded. First candidate = true
#: original, with the weights before (1 for every fit, 0.5 for every frequency, 1 for the cloze model; chosen
#: by hand on dev, sessions 10-12) -> these: held-out bbc dev substitutions 47.1% -> 48.3% (three first:
#: 57.1% -> 58.1%); two halves of dev by document, each fitted on the other: 46.1% -> 47.5%, 50.9% -> 52.7%.
#: Neighbours count for less than thesaurus words, a phrase's fit for more; a phrase's frequency not at all.
#: A trigram gain as an eighth column added 0.1 point: left out (thirty-sixth session, ABLATION.md).
GAIN_WEIGHTS = np.array([1.0, 0.44, 1.8, 0.9, 0.44, 0.0, 1.3])


#: Number words (general English; ordinals, the large units and newswire's "mln" included): a report shows no
#: likely original for one, nor for a compound of them ("ninety-seven", "twenty-one"). Not "one" or "second"
#: alone, which a spinner writes for "a" or "moment".
NUMBER_WORDS = frozenset(
    "zero two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand million "
    "billion trillion dozen first third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "twentieth hundredth thousandth millionth twice thrice mln bln hundreds thousands millions billions trillions "
    "dozens tens".split())


_COMPOUND_PARTS = NUMBER_WORDS | {"one"}


def _is_number(word: str) -> bool:
    """A number word, a compound of them ("twenty-one", where "one" counts too) or a token with a digit."""
    parts = word.split("-")
    return any(ch.isdigit() for ch in word) or (NUMBER_WORDS if len(parts) == 1 else _COMPOUND_PARTS).issuperset(parts)


@dataclass(frozen=True)
class LikelyOriginal:
    """A candidate original of the tokens ``[start, start + length)`` of a sentence, and how much
    better the sentence reads with it (``gain``: its :data:`GAINS` weighed by :data:`GAIN_WEIGHTS`)."""

    text: str
    start: int
    length: int
    gain: float


class OriginalRanker:
    """Ranks likely originals for many tokens at once (:meth:`rank`), with the candidate lists of
    each word and phrase (their texts, filtered for credibility) cached, bounded, per extractor.
    ``antonyms``: the opposites never offered; ``names``: the name words no name is replaced with (None: the
    packaged tables)."""

    _MAX_CACHED = 50_000

    def __init__(self, ex: FeatureExtractor, antonyms: Antonyms | None = None, names: NameWords | None = None
                 ) -> None:
        self.ex = ex
        self.antonyms = antonyms if antonyms is not None else default_antonyms()
        self.names = names if names is not None else default_names()
        self._words: dict[str, list[tuple[str, tuple[int, ...], bool]]] = {}
        self._phrases: dict[str, list[tuple[str, tuple[int, ...], bool]]] = {}

    def _credible(self, current: str, cands: Sequence[tuple[int, ...]], n_thesaurus: int | None = None
                  ) -> list[tuple[str, tuple[int, ...], bool]]:
        """``(text, ids, neighbour)`` of the credible ``cands``; those from ``n_thesaurus`` on (None: none) are
        distributional neighbours, unless the thesaurus gave the same text first."""
        vocab = self.ex.ref.vocab
        out, seen = [], {current}
        for k, c in enumerate(cands):
            if UNK in c:
                continue
            text = " ".join(vocab[i] for i in c)
            # Opposites share their contexts, so neighbours and loose thesaurus links propose them ("inside"
            # -> "outside"): a spinner keeps the meaning, and a report must not say the opposite was written.
            if text not in seen and _CREDIBLE.fullmatch(text) and not self.antonyms.opposite(current, text):
                seen.add(text)
                out.append((text, c, n_thesaurus is not None and k >= n_thesaurus))
        return out

    def _is_name(self, words: Sequence[str], j: int) -> bool:
        """Whether token ``j`` is a name: capitalised, and a word original English writes as a name (at the
        start of a sentence too: "Asia" is a name there, "bush" inside a sentence is not)."""
        return words[j][:1].isupper() and words[j] in self.names

    def _word(self, word: str) -> list[tuple[str, tuple[int, ...], bool]]:
        """Credible one-token replacements of ``word`` (lower case): thesaurus words and phrases, neighbours.
        None for a number word: its candidates are other numbers ("fifteen" -> "ten", "trillion" -> "mln"),
        another fact, or senses of the number ("ninety-seven" -> "cardinal"), not what a swap undoes."""
        got = self._words.get(word)
        if got is None:
            ex, cands = self.ex, self.ex.candidates
            wid = ex.ref.word_id(word)
            raw: list[tuple[int, ...]] = [(int(c),) for c in (cands.single(wid) if wid != UNK
                                                              else cands.oov(word)).tolist()]
            raw += [c for c in cands.multi(word) if len(c) > 1]
            n_thesaurus = len(raw)
            if ex.neighbours is not None and wid != UNK:
                raw += [(int(c),) for c in ex.neighbours.of(wid)[: ex.max_neighbours].tolist()]
            got = [] if _is_number(word) else self._credible(word, raw, n_thesaurus)
            if len(self._words) > self._MAX_CACHED:  # bounded memory; values do not depend on the cache
                self._words.clear()
            self._words[word] = got
        return got

    def _phrase(self, phrase: str) -> list[tuple[str, tuple[int, ...], bool]]:
        got = self._phrases.get(phrase)
        if got is None:
            got = self._credible(phrase, self.ex.candidates.multi(phrase))
            if len(self._phrases) > self._MAX_CACHED:
                self._phrases.clear()
            self._phrases[phrase] = got
        return got

    def rank(self, requests: Sequence[tuple[Sequence[str], int]], k: int = 3) -> list[list[LikelyOriginal]]:
        """For each ``(words of a sentence, token index)``: up to ``k`` credible originals of that token,
        best first (see the module docs); all requests scored in one pass over the tables."""
        kept, gains = self.candidates(requests)
        out: list[list[LikelyOriginal]] = [[] for _ in requests]
        if not kept:
            return out
        best: list[dict[str, LikelyOriginal]] = [{} for _ in requests]
        for (r, text, start, length), g in zip(kept, (gains @ GAIN_WEIGHTS).tolist()):
            if g > 0 and (text not in best[r] or g > best[r][text].gain):
                best[r][text] = LikelyOriginal(text, start, length, round(g, 4))
        for r, got in enumerate(best):
            out[r] = sorted(got.values(), key=lambda o: (-o.gain, o.text))[:k]
        return out

    def candidates(self, requests: Sequence[tuple[Sequence[str], int]]
                   ) -> tuple[list[tuple[int, str, int, int]], np.ndarray]:
        """Every credible candidate of every request, as ``(request, text, start, length)``, and its gains
        over the words as written, columns :data:`GAINS` (what :meth:`rank` weighs with :data:`GAIN_WEIGHTS`)."""
        ref = self.ex.ref
        rare = len(ref) - 1  # the vocabulary is most frequent first
        max_phrase = self.ex.max_phrase
        heads = self.ex.candidates.multiword_heads
        # Every chain is one bigram chain: the word before the span, the span (as written or replaced),
        # the word after it. Chains as written are shared by the candidates of one span.
        pa: list[int] = []
        pb: list[int] = []
        pseg: list[int] = []
        ua: list[int] = []
        useg: list[int] = []
        chains: dict[tuple[int, int, int], int] = {}  # (request, start, length) -> chain as written
        kept: list[tuple[int, str, int, int]] = []  # (request, text, start, length)
        kept_chain: list[int] = []  # per kept candidate: its chain
        kept_ids: list[int] = []  # per kept candidate: its word id if it is one word, else -1
        kept_kind: list[int] = []  # per kept candidate: _THESAURUS, _NEIGHBOUR or _PHRASE
        n = 0

        def chain(left: int, span: Sequence[int], right: int) -> int:
            nonlocal n
            seq = [left, *span, right]
            pa.extend(seq[:-1])
            pb.extend(seq[1:])
            pseg.extend([n] * (len(seq) - 1))
            ua.extend(span)
            useg.extend([n] * len(span))
            n += 1
            return n - 1

        sentence: dict[int, tuple[list[str], list[int]]] = {}  # per words object: lower case, framed ids
        for r, (words, j) in enumerate(requests):
            known = sentence.get(id(words))
            if known is None:
                lower = [w.lower() for w in words]
                known = sentence[id(words)] = (lower, [BOS, *ref.ids(lower).tolist(), EOS])
            lower, ids = known
            own = self._word(lower[j])
            if own and self._is_name(words, j):
                # A spinner does not know names; names share their contexts, so neighbours propose other
                # names ("Lanka -> faso?", "Asia -> africa?"). A name is not offered for a name.
                own = [c for c in own if c[0] not in self.names]
            spans: list[tuple[int, int, list[tuple[str, tuple[int, ...], bool]]]] = [(j, 1, own)]
            for length in range(2, max_phrase + 1):  # thesaurus phrases the word is part of
                for start in range(max(0, j - length + 1), min(j, len(words) - length) + 1):
                    if heads(lower[start]):  # (no headword starts with that word: no candidates)
                        spans.append((start, length, self._phrase(" ".join(lower[start : start + length]))))
            for start, length, cands in spans:
                if not cands:
                    continue
                left, right = ids[start], ids[start + length + 1]
                key = (r, start, length)
                if key not in chains:
                    # A written word the reference does not know is read as its rarest word, not as the pooled
                    # unknown-word id, whose pairs are those of 250,000 rare types together: as that id, "and
                    # temblor made" read better than "and quake made" and no original was shown.
                    written = [rare if i == UNK else i for i in ids[start + 1 : start + 1 + length]]
                    chains[key] = chain(left, written, right)
                # one-word candidates in bulk (most of them): pairs (left, c) and (c, right), unigram c. A
                # candidate the sentence has elsewhere stays: a spinner replaces one occurrence and leaves the
                # others (dev, 72,203 real substitutions shown: true original first 62.8% -> 64.3% without the
                # old rule that dropped it).
                singles = [(t, c[0], nb) for t, c, nb in cands if len(c) == 1]
                if singles:
                    ones = [c for _, c, _ in singles]
                    m = len(ones)
                    segs = range(n, n + m)
                    pa.extend([left] * m)
                    pa.extend(ones)
                    pb.extend(ones)
                    pb.extend([right] * m)
                    pseg.extend(segs)
                    pseg.extend(segs)
                    ua.extend(ones)
                    useg.extend(segs)
                    kept.extend((r, t, start, length) for t, _, _ in singles)
                    kept_chain.extend(segs)
                    kept_ids.extend(ones)
                    kept_kind.extend(_PHRASE if length > 1 else _NEIGHBOUR if nb else _THESAURUS
                                     for _, _, nb in singles)
                    n += m
                for text, c, _ in cands:
                    if len(c) > 1:
                        kept.append((r, text, start, length))
                        kept_chain.append(chain(left, c, right))
                        kept_ids.append(-1)
                        kept_kind.append(_PHRASE)
        gains = np.zeros((len(kept), len(GAINS)))
        if not kept:
            return kept, gains
        a = np.asarray(pa, dtype=np.int64)
        b = np.asarray(pb, dtype=np.int64)
        fit = np.bincount(np.asarray(pseg, dtype=np.int64), weights=ref.cond_logprob(a, b), minlength=n)
        u, us = np.asarray(ua, dtype=np.int64), np.asarray(useg, dtype=np.int64)
        mean_u = np.bincount(us, weights=ref.logprob(u), minlength=n) / np.maximum(np.bincount(us, minlength=n), 1)
        mine = np.asarray(kept_chain)
        theirs = np.asarray([chains[(r, start, length)] for r, _, start, length in kept])
        kind = np.asarray(kept_kind)
        d_fit, d_freq = fit[mine] - fit[theirs], mean_u[mine] - mean_u[theirs]
        for col, k in ((0, _THESAURUS), (1, _NEIGHBOUR), (2, _PHRASE)):
            gains[:, col] = np.where(kind == k, d_fit, 0.0)
            gains[:, 3 + col] = np.where(kind == k, d_freq, 0.0)
        if self.ex.cloze is not None:
            gains[:, 6] = self._cloze_gains(requests, sentence, kept, kept_ids)
        return kept, gains

    def _cloze_gains(self, requests: Sequence[tuple[Sequence[str], int]],
                     sentence: dict[int, tuple[list[str], list[int]]],
                     kept: list[tuple[int, str, int, int]], kept_ids: list[int]) -> np.ndarray:
        """Per kept candidate (``kept_ids``: its word id, -1 for a phrase): the cloze model's score of a
        one-word candidate in the requested slot less the written word's (0 for phrases and words outside
        the model's vocabulary)."""
        cz = self.ex.cloze
        assert cz is not None
        out = np.zeros(len(kept))
        frames: dict[int, int] = {}  # id(words) -> offset of its framed ids in X
        parts: list[list[int]] = []
        offset = 0
        for words, _ in requests:
            if id(words) not in frames:
                frames[id(words)] = offset
                parts.append(sentence[id(words)][1])
                offset += len(parts[-1])
        X = np.asarray([i for p in parts for i in p], dtype=np.int64)
        lo = np.asarray([frames[id(w)] for w, _ in requests], dtype=np.int64)
        hi = lo + np.asarray([len(w) + 1 for w, _ in requests], dtype=np.int64)
        pos = lo + 1 + np.asarray([j for _, j in requests], dtype=np.int64)
        written = X[pos]
        ones = [(k, x[0], c) for k, (x, c) in enumerate(zip(kept, kept_ids))
                if c >= 0 and x[3] == 1 and x[2] == requests[x[0]][1]]
        ones = [(k, r, c) for k, r, c in ones if UNK < c < cz.words and UNK < written[r] < cz.words]
        if not ones:
            return out
        rows = np.unique([r for _, r, _ in ones])
        q = cz.queries(X, pos[rows], lo[rows], hi[rows])
        row_of = {int(r): i for i, r in enumerate(rows.tolist())}
        k_idx = np.asarray([k for k, _, _ in ones])
        qi = np.asarray([row_of[r] for _, r, _ in ones])
        cand = np.asarray([c for _, _, c in ones])
        s_word = cz.scores(q, written[rows])
        out[k_idx] = cz.scores(q[qi], cand) - s_word[qi]
        return out


def rank_originals(ex: FeatureExtractor, words: Sequence[str], j: int, k: int = 3) -> list[LikelyOriginal]:
    """Up to ``k`` credible originals of token ``j`` of the tokenised sentence ``words``, best first.

    Empty when no candidate is a credible word that reads better in the slot than
    what is there. Phrases are offered as one unit: a candidate may replace a
    span of several tokens around ``j``. One request of :meth:`OriginalRanker.rank`;
    for many, keep one :class:`OriginalRanker` (its caches) and batch them.
    """
    return OriginalRanker(ex).rank([(words, j)], k)[0]


def evidence_run(words: Sequence[str], j: int, prob: np.ndarray, covered: set[int], threshold: float,
                 ranker: OriginalRanker) -> tuple[int, int]:
    """The first and last token of the evidence item of token ``j`` of ``words`` when ``j`` has no likely
    original: ``j`` and the adjacent word tokens that are evidence too (``prob`` at ``threshold`` or more, not
    ``covered`` by another item) and have no likely original either, so that a rewritten phrase is one item
    ("used to", not "to" and "used" apart, each without an original, taking two of a sentence's items). A
    neighbour with an original of its own stays its own item ("financial" beside "assist -> aid")."""
    def joins(k: int) -> bool:
        return (0 <= k < len(words) and k not in covered and prob[k] >= threshold and words[k][:1].isalpha()
                and not ranker.rank([(words, k)], 1)[0])

    a = b = j
    while joins(a - 1):
        a -= 1
    while joins(b + 1):
        b += 1
    return a, b


def match_case(word: str, original: str) -> str:
    """``original`` capitalised like ``word`` (``Said`` -> ``Told``; ``NEWS`` -> ``REPORT``), else as it is."""
    if len(word) > 1 and word.isupper():
        return original.upper()
    if word[:1].isupper():
        return original[:1].upper() + original[1:]
    return original
