"""Likely originals (spin_detect.features.originals), on the packaged tables."""

import pytest

from spin_detect.features import default_extractor
from spin_detect.features.originals import rank_originals
from spin_detect.tables.reference import UNK


@pytest.fixture(scope="module")
def ex():
    return default_extractor()


def _ranked(ex, sentence: str, word: str) -> list[str]:
    words = sentence.split()
    return [o.text for o in rank_originals(ex, words, words.index(word))]


def test_a_word_the_reference_does_not_know_gets_its_thesaurus_originals(ex):
    # "mayhap" is outside the reference's vocabulary; read as the pooled unknown-word id, its chain
    # "He said <unk> the" read better than any synonym's and no original was shown.
    assert ex.ref.word_id("mayhap") == UNK
    assert "perhaps" in _ranked(ex, "He said mayhap the talks would resume next week .", "mayhap")


def test_an_original_already_elsewhere_in_the_sentence_is_still_offered(ex):
    # A spinner replaces one occurrence and leaves the others; the word nearby is no reason to hide it.
    sentence = "Official reports said the semiofficial news agency had denied it ."
    assert _ranked(ex, sentence, "semiofficial")[:1] == ["official"]


def test_originals_are_credible_words_that_read_better(ex):
    got = rank_originals(ex, "The U.N. Safety Council met on Tuesday .".split(), 2)
    assert got and got[0].text == "security"
    assert all(o.gain > 0 and o.text.replace(" ", "").isalpha() for o in got)
    assert len(got) <= 3
