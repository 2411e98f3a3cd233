"""The partial thesaurus that training features read (spin_detect.learning.overlap)."""

from __future__ import annotations

import pytest

from spin_detect.features import default_extractor
from spin_detect.features.extractor import FeatureExtractor
from spin_detect.learning.overlap import PartialThesaurus, pair_kept
from spin_detect.tables.thesaurus import Thesaurus

WORDS = ("year", "war", "said", "security", "news", "food", "end up", "military", "help", "big", "quickly",
         "company", "agency", "council", "economic", "start", "because", "many", "house", "car")


@pytest.fixture(scope="module")
def thesaurus() -> Thesaurus:
    return Thesaurus.load()


def test_pairs_are_forgotten_in_both_directions_and_stably():
    for a, b in (("war", "battle"), ("Year", "twelvemonth"), ("end up", "finish")):
        assert pair_kept(a, b, 0.5) == pair_kept(b, a, 0.5) == pair_kept(a.upper(), b, 0.5)
        assert pair_kept(a, b, 0.0)
    # the salt picks another set of pairs
    pairs = [(f"w{i}", f"v{i}") for i in range(400)]
    assert [pair_kept(a, b, 0.5) for a, b in pairs] != [pair_kept(a, b, 0.5, salt="other") for a, b in pairs]


def test_share_forgotten_is_about_what_was_asked(thesaurus):
    full = sum(len(thesaurus.synonyms(w)) for w in WORDS)
    for share in (0.25, 0.5, 0.75):
        view = PartialThesaurus(thesaurus, share)
        kept = sum(len(view.synonyms(w)) for w in WORDS)
        assert full > 300
        assert abs(kept / full - (1 - share)) < 0.08, (share, kept, full)
        for w in WORDS:  # a subset of the thesaurus's own entries, in its order
            syn = thesaurus.synonyms(w)
            got = view.synonyms(w)
            it = iter(syn)
            assert all(any(s == t for t in it) for s in got)


def test_every_synonym_lookup_of_the_view_forgets_the_same_pairs(thesaurus):
    """The extractor reads ``synonym_ids``, the spinner and reports ``synonyms``: both must agree."""
    for share in (0.0, 0.5):
        view = PartialThesaurus(thesaurus, share)
        for w in WORDS:
            assert [view.strings[i] for i in view.synonym_ids(w)] == [s.text for s in view.synonyms(w)]
    assert thesaurus.synonym_ids("year") == PartialThesaurus(thesaurus, 0.0).synonym_ids("year")


def test_view_keeps_headwords_and_everything_else(thesaurus):
    view = PartialThesaurus(thesaurus, 0.5)
    assert len(view) == len(thesaurus)
    assert view.max_words == thesaurus.max_words
    assert view.phrases_from("end") == thesaurus.phrases_from("end")
    assert ("security" in view) and ("security" in thesaurus)
    assert PartialThesaurus(thesaurus, 0.0).synonyms("year") == thesaurus.synonyms("year")
    assert thesaurus.synonyms("year")  # the view changed nothing in the thesaurus it reads
    for bad in (-0.1, 1.0, 2.0):
        with pytest.raises(ValueError, match="share_forgotten"):
            PartialThesaurus(thesaurus, bad)


def test_extractor_on_the_view_knows_fewer_candidates(thesaurus):
    ex = default_extractor()
    part = FeatureExtractor(ex.ref, PartialThesaurus(ex.th, 0.5), ex.neighbours, trigrams=ex.trigrams,
                            topics=ex.topics)
    sents = [["The", "U.N.", "Safety", "Council", "met", "in", "the", "second", "year", "of", "the", "war", "."],
             ["He", "mentioned", "that", "food", "and", "economic", "aid", "would", "help", "."]]
    a, b = ex.score_tokens(sents), part.score_tokens(sents)
    # fewer in all (a word can gain one-word candidates where forgotten phrases left room under the cap)
    assert b.n_candidates.sum() < a.n_candidates.sum()
    # context features that need no thesaurus are the same
    assert (a.lp_left == b.lp_left).all() and (a.tri_center == b.tri_center).all()
