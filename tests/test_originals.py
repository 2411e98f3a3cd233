"""Likely originals (spin_detect.features.originals), on the packaged tables."""

import numpy as np
import pytest

from spin_detect.features import default_extractor
from spin_detect.features.originals import NUMBER_WORDS, rank_originals
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


def test_an_evidence_item_lists_only_originals_of_the_span_it_shows():
    # The best original replaces "keep on", but "keep" is already another item's: the item for "on" is the
    # word alone, and an original of "keep on" listed under "on" would read as the original of "on".
    from spin_detect.detector import _EvidenceState, load_detector
    from spin_detect.features.originals import LikelyOriginal
    from spin_detect.text.normalize import normalize
    from spin_detect.text.segment import split_sentences

    det = load_detector()
    text = "They keep on hold the rates ."
    s = split_sentences(text)[0]
    j = [t.text for t in s.tokens].index("on")
    st = _EvidenceState(s, np.array([0.0, 0.9, 0.8, 0.0, 0.0, 0.0, 0.0]))
    st.covered.add(j - 1)
    ranked = {j: [LikelyOriginal("continue", j - 1, 2, 5.0), LikelyOriginal("in", j, 1, 2.0),
                  LikelyOriginal("keep", j - 1, 2, 1.5), LikelyOriginal("at", j, 1, 1.0)]}
    det._take(st, j, normalize(text), ranked)
    item = st.out[0]
    assert item.word == "on" and item.likely_originals == ["in", "at"] and item.likely_original == "in"
    # With the phrase free, the item is the phrase, with the phrase's originals only.
    st = _EvidenceState(s, np.array([0.0, 0.9, 0.8, 0.0, 0.0, 0.0, 0.0]))
    det._take(st, j, normalize(text), ranked)
    assert st.out[0].word == "keep on" and st.out[0].likely_originals == ["continue", "keep"]


def test_a_number_word_gets_no_original(ex):
    # Its candidates are other numbers ("trillion" -> "mln", "fifteen" -> "ten": another fact) or senses of the
    # number ("Ninety-seven" -> "cardinal"); sentences of a reader's review of the evidence.
    for sentence, word in (("During 2004 , Japan 's trade surplus grew 17.9 % towards 12.011 trillion yen .", "trillion"),
                           ('" Ninety-seven of the grounded planes have since undergone visual inspections , " he said .',
                            "Ninety-seven"),
                           ("He died at age 85 , having tired the last fifteen years of his life .", "fifteen")):
        assert _ranked(ex, sentence, word) == []
    assert {"one", "second"}.isdisjoint(NUMBER_WORDS)  # "a" -> "one" and "moment" -> "second" are swaps


def test_adjacent_evidence_words_without_an_original_are_one_item():
    from spin_detect.features.originals import evidence_run

    class Ranker:  # originals only for "assist"
        def rank(self, requests, k=3):
            return [["aid"] if words[j] == "assist" else [] for words, j in requests]

    words = "Zhao used to be a critic who sought financial assist .".split()
    prob = np.array([0.1, 0.95, 0.97, 0.9, 0.2, 0.1, 0.1, 0.1, 0.9, 0.95, 0.0])
    assert evidence_run(words, 2, prob, set(), 0.5, Ranker()) == (1, 3)  # "used to be", not "to" alone
    assert evidence_run(words, 2, prob, {1}, 0.5, Ranker()) == (2, 3)  # "used" is another item's
    assert evidence_run(words, 8, prob, set(), 0.5, Ranker()) == (8, 8)  # "assist" has its own original
    assert evidence_run(["used", "to", "."], 0, np.array([0.9, 0.9, 0.9]), set(), 0.5, Ranker()) == (0, 1)  # "." no


def test_an_opposite_is_never_offered_as_the_original(ex, tmp_path):
    # Opposites share their contexts, so the neighbours propose "outside" for "inside"; a spinner keeps
    # the meaning, and the report must not say the opposite was written.
    from spin_detect.features.originals import OriginalRanker
    from spin_detect.tables.antonyms import write_antonyms

    words = "Protesters gathered inside the embassy on Friday .".split()
    request = [(words, words.index("inside"))]
    none = write_antonyms(tmp_path / "none.bin", [])
    assert "outside" in [o.text for o in OriginalRanker(ex, none).rank(request, 6)[0]]
    got = [o.text for o in OriginalRanker(ex).rank(request, 6)[0]]
    assert got and got[0] == "in" and "outside" not in got


def test_the_packaged_opposites_are_inflected_alike():
    from spin_detect.tables.packaged import default_antonyms

    table = default_antonyms()
    assert table.opposite("inside", "outside") and table.opposite("Outside", "inside")
    assert table.opposite("increased", "decreased") and table.opposite("higher", "lower")
    assert table.opposite("better", "worse")
    assert not table.opposite("said", "told") and not table.opposite("increased", "decreases")


def test_a_name_is_not_offered_for_a_name(ex, tmp_path):
    # A spinner does not know names, but names share their contexts: the neighbours propose "africa" for
    # "Asia". A report must not suggest the article named another continent.
    from spin_detect.features.originals import OriginalRanker
    from spin_detect.tables.names import write_names

    words = "Leaders from Asia met in Geneva on Sunday .".split()
    request = [(words, words.index("Asia"))]
    none = write_names(tmp_path / "none.bin", [])
    assert {"africa", "europe"} & {o.text for o in OriginalRanker(ex, names=none).rank(request, 6)[0]}
    assert OriginalRanker(ex).rank(request, 6)[0] == []
    # A common word written with a capital keeps its originals, names or not: "Safety" -> "security".
    assert _ranked(ex, "The U.N. Safety Council met on Tuesday .", "Safety")[:1] == ["security"]


def test_the_packaged_names_are_words_written_as_names():
    from spin_detect.tables.packaged import default_names

    names = default_names()
    assert all(w in names for w in ("africa", "sunday", "john", "Geneva"))
    assert not any(w in names for w in ("security", "safety", "president", "may", "said"))


def test_the_ranking_is_the_weighted_sum_of_gains_over_the_words_as_written(ex):
    from spin_detect.features.originals import GAIN_WEIGHTS, GAINS, OriginalRanker

    talks = "Officers mentioned on Monday that the negotiations would resume following week in Geneva .".split()
    end = "He would end up returning to talks .".split()
    requests = [(talks, talks.index("negotiations")), (end, end.index("end"))]
    ranker = OriginalRanker(ex)
    kept, gains = ranker.candidates(requests)
    assert gains.shape == (len(kept), len(GAINS)) and len(GAIN_WEIGHTS) == len(GAINS)
    row = {(r, text, length): g for (r, text, _, length), g in zip(kept, gains)}
    nonzero = {key: [GAINS[i] for i in np.flatnonzero(g[:6])] for key, g in row.items()}
    # each candidate's gains are those of its kind: a thesaurus synonym, a distributional neighbour, a phrase
    assert nonzero[(0, "dialogues", 1)] == ["fit_thesaurus", "freq_thesaurus"]
    assert nonzero[(0, "talks", 1)] == ["fit_neighbour", "freq_neighbour"]
    assert nonzero[(1, "finish", 2)] == ["fit_phrase", "freq_phrase"]  # "end up" -> "finish", one unit
    assert row[(1, "finish", 2)][GAINS.index("cloze")] == 0 != row[(1, "finish", 1)][GAINS.index("cloze")]
    score = gains @ GAIN_WEIGHTS
    for r, got in enumerate(ranker.rank(requests, 3)):
        best: dict[str, float] = {}
        for (q, text, _, _), sc in zip(kept, score):
            if q == r and sc > 0:
                best[text] = max(best.get(text, sc), sc)
        assert [o.text for o in got] == sorted(best, key=lambda t: (-best[t], t))[:3]
    # the weights matter: the hand-set ones before them (1 for fits, 0.5 for frequencies, 1 for the cloze
    # model) put "agreement" before "talks" here
    assert [o.text for o in ranker.rank(requests[:1], 2)[0]] == ["talks", "agreement"]
