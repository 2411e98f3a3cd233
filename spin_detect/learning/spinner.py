"""An article spinner, to make labelled training data the way spam sites make spun text.

Real spinners differ in their thesaurus, how they choose among synonyms and how
much they change. This one covers that range, so that a detector trained on its
output learns what spinning does to language rather than one tool's quirks:

* **synonym sources** (packaged tables, combined freely): ``wordnet`` (WordNet 3.0
  synsets), ``moby`` (the much broader, sense-free Moby Thesaurus), ``phrases``
  (our table in the style of commercial spinners: reporting verbs, wordy
  function phrases, numbers spelled differently, "end up" -> "wind up")
  ``neighbours`` (the five nearest distributional neighbours of a word in
  the reference statistics: no thesaurus at all, like spinners that swap words
  by embedding similarity; related words of every kind, "said" -> "told",
  "North" -> "South") and ``grammar`` (phrase-level rewrites written as rules,
  :mod:`spin_detect.learning.rewrites`: negation and contractions, auxiliary and
  tense forms, wordy connectives and prepositions, determiners, "oil prices" ->
  "prices of oil");
* **choice policy**: ``uniform`` over all senses (cheap spinners), ``rare``
  (prefers unusual words), ``frequent`` (prefers common words) or ``fluent``
  (prefers the synonym that fits between the neighbouring words best, as
  context-aware commercial spinners do: the hardest spins to detect);
* **rate**: the share of word tokens replaced, from light (0.1) to heavy (0.5);
  the spinner replaces whole spans, longest expressions included, until the
  share is reached or nothing replaceable is left;
* **partial spinning**: only a share of the paragraphs (or sentences) is spun.

Like real spinners it ignores names and senses ("Security Council" ->
"Safety Council"), and it keeps capitalisation and inflection (the tables are
pre-inflected). Every change is recorded with its offsets in the input and the
output, so labels are exact.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from spin_detect.tables.reference import ReferenceStats
from spin_detect.tables.thesaurus import Thesaurus
from spin_detect.text.segment import Sentence, split_sentences

if TYPE_CHECKING:
    from spin_detect.learning.rewrites import Rewrites

__all__ = ["POLICIES", "SOURCES", "STYLES", "Change", "SpinConfig", "SpinResult", "Spinner", "spin_text"]

SOURCES = {"wordnet": "thesaurus.bin", "moby": "moby.bin", "phrases": "phrases.bin", "neighbours": "neighbors.bin",
           "grammar": ""}
#: Sources whose entries cover function words on purpose; thesauri do not, and
#: their entries for them are noise no spinner produces ("at" -> "astatine").
_FUNCTION_WORD_SOURCES = frozenset({"phrases", "grammar"})
_FUNCTION_WORDS = frozenset(
    """a an the this that these those some any each every no all both either neither
    i me my mine we us our you your he him his she her it its they them their one
    of in on at to for from by with about into onto over under after before through
    during without within between among against around up down out off near upon
    and or but nor so yet if as than because while although though until since
    be is am are was were been being have has had do does did will would shall should
    can could may might must not n't 's there here who whom whose which what when where
    why how also just only very too""".split()
)
POLICIES = ("uniform", "rare", "frequent", "fluent")


@dataclass(frozen=True)
class SpinConfig:
    """How to spin. Defaults give a medium-rate, commercial-style spinner.

    ``source_weights`` multiplies the choice weight of candidates from a source
    (a commercial spinner trusts its own phrase list more than a thesaurus);
    ``multiword_weight`` multiplies that of replacements of several words (spinners
    that prefer "a great deal of" to "much").
    ``sentence_share`` < 1 spins only that share of paragraphs (of sentences,
    when the text is one paragraph).
    """

    rate: float = 0.3
    sources: tuple[str, ...] = ("phrases", "wordnet")
    policy: str = "frequent"
    source_weights: tuple[tuple[str, float], ...] = (("phrases", 4.0),)
    sentence_share: float = 1.0
    max_words: int = 4
    multiword_weight: float = 1.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"rate must be between 0 and 1, got {self.rate}")
        if not 0.0 <= self.sentence_share <= 1.0:
            raise ValueError(f"sentence_share must be between 0 and 1, got {self.sentence_share}")
        if self.policy not in POLICIES:
            raise ValueError(f"policy must be one of {', '.join(POLICIES)}, got {self.policy!r}")
        unknown = set(self.sources) - set(SOURCES)
        if unknown or not self.sources:
            raise ValueError(f"sources must be among {', '.join(SOURCES)}, got {', '.join(self.sources)}")


#: Named spinner styles. ``moby`` uses a thesaurus no other style uses; the
#: dataset build holds it out of classifier training to measure generalisation
#: to unknown thesauri.
STYLES: dict[str, SpinConfig] = {
    "wordnet": SpinConfig(sources=("wordnet",), policy="uniform", source_weights=()),
    "wordnet-rare": SpinConfig(sources=("wordnet",), policy="rare", source_weights=()),
    "commercial": SpinConfig(sources=("phrases", "grammar", "wordnet"), policy="frequent"),
    "mixed": SpinConfig(sources=("phrases", "wordnet"), policy="uniform", source_weights=()),
    "moby": SpinConfig(sources=("moby",), policy="uniform", source_weights=()),
    "fluent": SpinConfig(sources=("phrases", "wordnet"), policy="fluent"),
    "distributional": SpinConfig(sources=("neighbours",), policy="uniform", source_weights=()),
    "phrasal": SpinConfig(sources=("grammar", "phrases", "wordnet"), policy="frequent",
                          source_weights=(("grammar", 3.0), ("phrases", 2.0)), multiword_weight=3.0),
}


@dataclass(frozen=True)
class Change:
    """One replacement: ``original`` at ``[orig_start, orig_end)`` of the input
    became ``replacement`` at ``[start, end)`` of the output."""

    sentence: int
    orig_start: int
    orig_end: int
    start: int
    end: int
    original: str
    replacement: str
    source: str
    n_tokens: int


@dataclass
class SpinResult:
    """Spun text, every change, and per input sentence: its span in the output,
    whether it was chosen for spinning and how many word tokens changed."""

    text: str
    changes: list[Change]
    sentences: list[dict] = field(default_factory=list)
    config: SpinConfig | None = None

    @property
    def changed_tokens(self) -> int:
        """Number of input word tokens replaced."""
        return sum(c.n_tokens for c in self.changes)

    def to_dict(self) -> dict:
        """JSON-ready form (``spin-detect spin --json``)."""
        return {"text": self.text, "changes": [asdict(c) for c in self.changes],
                "sentences": self.sentences, "config": asdict(self.config) if self.config else None}

    def labelled_rows(self, original: str, doc_id: str, spun: str = "spun") -> list[dict]:
        """Rows of labelled data (``spin-detect train``'s format, :mod:`spin_detect.learning.labelled`) for the
        text ``original`` this result was spun from: every sentence as written (label 0) and as spun (label 1
        when a word of it changed; ``changes`` as offsets into the sentence). Both versions share ``doc_id``,
        told apart by ``variant`` (``original``, and ``spun`` for the spun one), so that training keeps them in
        one split."""
        rows: list[dict] = []
        for variant in ("original", spun):
            for k, s in enumerate(self.sentences):
                if variant == "original":
                    text, spans = original[s["orig_start"] : s["orig_end"]], []
                else:
                    text = self.text[s["start"] : s["end"]]
                    spans = [[c.start - s["start"], c.end - s["start"], c.original, c.replacement]
                             for c in self.changes if c.sentence == k]
                rows.append({"doc_id": doc_id, "variant": variant, "sent_id": k, "text": text,
                             "label": int(bool(spans)), "changes": spans})
        return rows


@cache
def _table(source: str) -> Thesaurus | NeighbourThesaurus | Rewrites:
    from spin_detect.tables.datafiles import data_file

    if source == "neighbours":
        return NeighbourThesaurus()
    if source == "grammar":
        from spin_detect.learning.rewrites import Rewrites

        return Rewrites()
    return Thesaurus.load(data_file(SOURCES[source]))


class NeighbourThesaurus:
    """The distributional neighbours of the reference statistics, looked up like a thesaurus.

    ``synonyms(word)`` gives the (at most) five most similar single words;
    multiword keys and the reference's special tokens have none.
    """

    K = 5

    def __init__(self) -> None:
        from spin_detect.tables.packaged import default_neighbours, default_reference

        self.neighbours = default_neighbours()
        self.ref = default_reference()

    def synonyms(self, key: str) -> list[_Entry]:
        if " " in key:
            return []
        i = self.ref.word_id(key)
        if i < 3:  # <s>, </s>, <unk>
            return []
        vocab = self.ref.vocab
        return [_Entry(vocab[int(j)]) for j in self.neighbours.of(i)[: self.K]]


@dataclass(frozen=True)
class _Entry:
    text: str


def _is_word(tok: str) -> bool:
    return any(c.isalnum() for c in tok)


def _match_case(original: str, replacement: str) -> str:
    if len(original) > 1 and original.isupper() and original.isalpha():
        return replacement.upper()
    if original[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


class Spinner:
    """Rewrites text according to a :class:`SpinConfig`; see the module docs."""

    def __init__(self, config: SpinConfig | None = None,
                 tables: dict[str, Thesaurus | NeighbourThesaurus | Rewrites] | None = None,
                 reference: ReferenceStats | None = None) -> None:
        self.config = config or SpinConfig()
        self.tables = tables or {s: _table(s) for s in self.config.sources}
        if reference is None:
            from spin_detect.tables.packaged import default_reference

            reference = default_reference()
        self.ref = reference
        self._weights = dict(self.config.source_weights)
        self._cache: dict[str, list[tuple[str, str, float]]] = {}

    def _candidates(self, key: str) -> list[tuple[str, str, float]]:
        """``(replacement, source, weight)`` for a lower-case span text."""
        got = self._cache.get(key)
        if got is not None:
            return got
        alpha = {"uniform": 0.0, "rare": -0.6, "frequent": 0.6, "fluent": 0.0}[self.config.policy]
        merged: dict[str, tuple[str, float]] = {}
        thesaurus_ok = key not in _FUNCTION_WORDS and not any(c.isdigit() for c in key)
        for source in self.config.sources:
            if not thesaurus_ok and source not in _FUNCTION_WORD_SOURCES:
                continue
            for syn in self.tables[source].synonyms(key):
                if syn.text == key or syn.text in merged:
                    continue
                if source == "wordnet" and getattr(syn, "pos", "") == "x":
                    continue  # the function-word alternations the detector knows belong to the grammar source
                count = min(float(self.ref.count(self.ref.ids([w]))[0]) for w in syn.text.split(" "))
                w = (count + 1.0) ** alpha * self._weights.get(source, 1.0)
                if " " in syn.text:
                    w *= self.config.multiword_weight
                merged[syn.text] = (source, w)
        got = [(t, s, w) for t, (s, w) in merged.items()]
        self._cache[key] = got
        return got

    def _fluency(self, sent: Sentence, i: int, n: int, cands: list[tuple[str, str, float]], weights: list[float]
                 ) -> list[float]:
        """Reweight candidates by how well they fit between the span's neighbours
        (bigram log-probability of left -> candidate -> right), sharply."""
        ref = self.ref
        toks = sent.tokens
        left = ref.word_id(toks[i - 1].text) if i > 0 else 0
        right = ref.word_id(toks[i + n].text) if i + n < len(toks) else 1
        first = np.array([ref.word_id(t.split(" ")[0]) for t, _, _ in cands])
        last = np.array([ref.word_id(t.split(" ")[-1]) for t, _, _ in cands])
        fit = ref.cond_logprob(np.full(len(cands), left), first) + ref.cond_logprob(last, np.full(len(cands), right))
        fit = 2.0 * (fit - fit.max())
        return [w * float(np.exp(f)) for w, f in zip(weights, fit)]

    def _spans(self, text: str, sent: Sentence) -> list[tuple[int, int, list]]:
        """Replaceable spans ``(first token, n tokens, candidates)`` of a sentence."""
        toks = sent.tokens
        spans = []
        for i in range(len(toks)):
            if not _is_word(toks[i].text):
                continue
            for n in range(min(self.config.max_words, len(toks) - i), 0, -1):
                if not _is_word(toks[i + n - 1].text):
                    continue
                key = " ".join(text[toks[i].start : toks[i + n - 1].end].lower().split())
                cands = self._candidates(key)
                if cands:
                    spans.append((i, n, cands))
        return spans

    def spin_sentence(self, text: str, sent: Sentence, rng: random.Random) -> list[tuple[int, int, str, str]]:
        """Choose replacements in one sentence: ``(start, end, replacement, source)`` in ``text``."""
        words = sum(1 for t in sent.tokens if _is_word(t.text))
        # Stochastic rounding keeps the expected rate right on short sentences too.
        target = int(self.config.rate * words + rng.random())
        if target == 0:
            return []
        spans = self._spans(text, sent)
        rng.shuffle(spans)
        taken = [False] * len(sent.tokens)
        chosen = []
        changed = 0
        for i, n, cands in spans:
            if changed >= target:
                break
            if any(taken[i : i + n]):
                continue
            weights = [w for _, _, w in cands]
            if self.config.policy == "fluent":
                weights = self._fluency(sent, i, n, cands, weights)
            repl, source, _ = rng.choices(cands, weights=weights)[0]
            start, end = sent.tokens[i].start, sent.tokens[i + n - 1].end
            chosen.append((start, end, _match_case(text[start:end], repl), source))
            for j in range(i, i + n):
                taken[j] = True
            changed += sum(1 for t in sent.tokens[i : i + n] if _is_word(t.text))
        return sorted(chosen)

    def spin(self, text: str, seed: int = 0) -> SpinResult:
        """Spin ``text``; the same text, config and seed always give the same result."""
        rng = random.Random(seed)
        sents = split_sentences(text)
        chosen = self._choose_sentences(text, sents, rng)
        out: list[str] = []
        changes: list[Change] = []
        info: list[dict] = []
        pos = 0  # read position in the input
        shift = 0  # output offset minus input offset
        for k, sent in enumerate(sents):
            reps = self.spin_sentence(text, sent, rng) if chosen[k] else []
            sent_start_out = sent.start + shift
            n_tok = 0
            for start, end, repl, source in reps:
                out.append(text[pos:start])
                new_start = start + shift
                out.append(repl)
                shift += len(repl) - (end - start)
                n = sum(1 for t in sent.tokens if start <= t.start < end and _is_word(t.text))
                n_tok += n
                changes.append(Change(k, start, end, new_start, new_start + len(repl), text[start:end], repl,
                                      source, n))
                pos = end
            info.append({"orig_start": sent.start, "orig_end": sent.end, "start": sent_start_out,
                         "end": sent.end + shift, "selected": bool(chosen[k]), "changed_tokens": n_tok,
                         "word_tokens": sum(1 for t in sent.tokens if _is_word(t.text))})
        out.append(text[pos:])
        return SpinResult("".join(out), changes, info, self.config)

    def _choose_sentences(self, text: str, sents: list[Sentence], rng: random.Random) -> np.ndarray:
        share = self.config.sentence_share
        n = len(sents)
        if share >= 1.0 or n == 0:
            return np.ones(n, dtype=bool)
        # Paragraph of each sentence: a blank line between two sentences starts a new one.
        para = np.zeros(n, dtype=np.int64)
        for k in range(1, n):
            gap = text[sents[k - 1].end : sents[k].start]
            para[k] = para[k - 1] + (1 if gap.count("\n") >= 2 else 0)
        units = para if para[-1] > 0 else np.arange(n)
        ids = list(range(int(units.max()) + 1))
        rng.shuffle(ids)
        picked: set[int] = set()
        covered = 0
        for u in ids:
            if covered >= share * n:
                break
            picked.add(u)
            covered += int((units == u).sum())
        return np.isin(units, list(picked))


def spin_text(text: str, style: str | SpinConfig = "commercial", rate: float | None = None,
              seed: int = 0, sentence_share: float | None = None) -> SpinResult:
    """Spin ``text`` with a named style (see :data:`STYLES`) or a config,
    optionally overriding its rate and sentence share."""
    config = STYLES[style] if isinstance(style, str) else style
    if rate is not None:
        config = replace(config, rate=rate)
    if sentence_share is not None:
        config = replace(config, sentence_share=sentence_share)
    return Spinner(config).spin(text, seed)
