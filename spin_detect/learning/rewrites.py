"""Phrase-level rewrites for the training spinner: general English alternations, written as rules.

Commercial spinners do not only swap content words. Much of what they change is locally
fluent function-word and phrase material: a negation contracted or spelled out, an auxiliary
or tense form swapped, a connective or preposition replaced by a wordy phrase, a determiner
swapped, a compound noun turned into an "X of Y" phrase. Each looks fine on its own; together
they move a text away from how its register is written. This module gives the spinner
(source ``grammar`` of :mod:`spin_detect.learning.spinner`) such rewrites so that the detector
learns from them. They are grammar alternations of English, written here from general
knowledge of the language (both directions of each contraction, the periphrastic forms of the
modals, the wordy equivalents of connectives and prepositions that style guides warn against),
not copied from any spinner's dictionary; the "X of Y" rewrite is generated for any two
adjacent nouns (WordNet parts of speech of the packaged thesaurus), not listed.

A rule maps a lower-case span text to replacements; :class:`Rewrites` answers
``synonyms(span)`` like a thesaurus, so the spinner chooses among them with its usual policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

__all__ = ["REWRITES", "Rewrites", "rule_table"]

_NEGATION = {
    "do not": "don't", "does not": "doesn't", "did not": "didn't", "is not": "isn't", "are not": "aren't",
    "was not": "wasn't", "were not": "weren't", "has not": "hasn't", "have not": "haven't", "had not": "hadn't",
    "will not": "won't", "would not": "wouldn't", "could not": "couldn't", "should not": "shouldn't",
    "must not": "mustn't", "cannot": "can't",
}

#: Rewrites by kind; each key's replacements (``|``-separated). Contractions get both directions below.
REWRITES: dict[str, dict[str, str]] = {
    "negation": {
        "cannot": "can not|is unable to", "never": "not ever|at no time", "no longer": "not any longer|not anymore",
        "nothing": "not anything", "nobody": "no one|not anyone", "none of": "not one of|not any of",
        "did not": "failed to|never", "not only": "not just|not merely", "not": "not really",
    },
    "auxiliary": {
        "will": "shall|is going to|would", "would": "will|could", "can": "could|is able to|may",
        "could": "can|might|would", "may": "might|could|can", "might": "may|could", "must": "has to|needs to|should",
        "should": "ought to|must|need to", "has been": "was|had been", "have been": "were|had been",
        "had been": "was|has been", "has": "had", "had": "has", "is": "remains", "was": "had been",
        "were": "had been", "said": "says|has said|had said", "says": "said|is saying", "told": "has told|tells",
        "has said": "said|says", "is expected to": "will|is likely to|is set to", "are expected to": "will|are set to",
        "began": "started|has begun", "went": "has gone|had gone", "became": "has become|had become",
    },
    "connective": {
        "and": "as well as|and also|along with", "but": "however|yet|though|but rather",
        "so": "therefore|thus|as a result",
        "because": "as|since|due to the fact that|owing to the fact that", "if": "when|in the event that|provided that",
        "while": "whereas|whilst|even though", "when": "whenever|once|as soon as",
        "then": "after that|next|subsequently",
        "also": "additionally|furthermore|too|in addition", "although": "though|even though|despite the fact that",
        "however": "nevertheless|nonetheless|but", "still": "nonetheless|even so", "thus": "therefore|hence|so",
        "or": "or else|or maybe", "as": "while|since|because", "until": "till|up until|up to",
    },
    "preposition": {
        "in": "within|inside|in the course of", "on": "upon|on top of", "at": "in|located at",
        "with": "along with|together with",
        "by": "through|via|by means of", "for": "for the purpose of|meant for", "from": "coming from|out of",
        "about": "regarding|concerning|approximately|around", "over": "more than|above|across",
        "under": "beneath|below|less than", "after": "following|right after|subsequent to",
        "before": "prior to|ahead of|just before", "during": "throughout|in the course of|over",
        "against": "in opposition to|versus", "around": "roughly|about|approximately", "into": "in to|inside",
        "near": "close to|nearby", "without": "with no|lacking", "to": "towards|in order to", "of": "from|regarding",
        "among": "amongst|between", "within": "inside|in", "across": "throughout|over",
    },
    "determiner": {
        "this": "that|the", "that": "this|which", "these": "those|such", "those": "these|such",
        "some": "a few|certain|several", "many": "numerous|a lot of|lots of|plenty of",
        "most": "the majority of|a lot of|many", "several": "a number of|various|some", "all": "all of the|every",
        "each": "every|each and every", "every": "each|each and every", "any": "any sort of|whatever",
        "few": "a small number of|not many", "much": "a great deal of|a lot of",
        "more": "additional|extra|further", "other": "additional|further|different",
    },
}


@dataclass(frozen=True)
class _Entry:
    text: str


def _rules() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}

    def add(key: str, values: list[str]) -> None:
        got = out.setdefault(key, [])
        for v in values:
            if v != key and v not in got:
                got.append(v)

    for kind in REWRITES.values():
        for key, values in kind.items():
            add(key, values.split("|"))
    for full, short in _NEGATION.items():
        add(full, [short])
        add(short, [full])
    return out


@cache
def rule_table() -> dict[str, list[str]]:
    """Every rewrite rule: lower-case span -> its replacements (the kinds of :data:`REWRITES` merged, and
    both directions of each negative contraction)."""
    return _rules()


_STOP = frozenset("""a an the this that these those of in on at to for from by with and or but not no
    is are was were be been has have had do does did will would can could may might must should""".split())


class Rewrites:
    """Phrase-level rewrites of a lower-case span, looked up like a thesaurus (``synonyms``):
    the rules of :data:`REWRITES` (and both directions of each negative contraction), and
    "Y of X" / "Y of the X" for a span of two nouns "X Y" ("oil prices" -> "prices of oil")."""

    def __init__(self, nouns: object | None = None) -> None:
        self._nouns = nouns  # a Thesaurus whose parts of speech say which words are nouns

    def _pos(self, word: str) -> set[str]:
        if self._nouns is None:
            from spin_detect.tables.packaged import default_thesaurus

            self._nouns = default_thesaurus()
        return {s.pos for s in self._nouns.synonyms(word)}  # type: ignore[attr-defined]

    def synonyms(self, key: str) -> list[_Entry]:
        got = rule_table().get(key)
        if got is not None:
            return [_Entry(t) for t in got]
        words = key.split(" ")
        if len(words) == 2 and all(w.isalpha() and w not in _STOP and len(w) > 2 for w in words):
            first, second = self._pos(words[0]), self._pos(words[1])
            if "n" in first and "a" not in first and "n" in second:
                return [_Entry(f"{words[1]} of {words[0]}"), _Entry(f"{words[1]} of the {words[0]}")]
        return []
