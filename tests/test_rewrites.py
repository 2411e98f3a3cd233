"""Phrase-level rewrites of the training spinner (issue 15, item 2)."""

from collections import Counter

from spin_detect.learning.rewrites import REWRITES, Rewrites
from spin_detect.learning.spinner import STYLES, SpinConfig, Spinner, spin_text

ARTICLE = (
    "The government said on Monday that oil prices did not rise because the central bank will cut interest "
    "rates. Officials have been talking about the plan for several weeks, but many people are not convinced.\n\n"
    "The police chief could not say when the talks would end. He has been in the job for many years and "
    "does not expect a quick deal, although some members of the board cannot agree."
)


def test_negative_contractions_go_both_ways():
    rw = Rewrites()
    assert "don't" in [e.text for e in rw.synonyms("do not")]
    assert "do not" in [e.text for e in rw.synonyms("don't")]
    assert "cannot" in [e.text for e in rw.synonyms("can't")]


def test_two_nouns_become_an_of_phrase_but_adjectives_and_function_words_do_not():
    rw = Rewrites()
    assert [e.text for e in rw.synonyms("oil prices")] == ["prices of oil", "prices of the oil"]
    assert rw.synonyms("economic growth") == []  # "economic" is an adjective
    assert rw.synonyms("of prices") == []
    assert rw.synonyms("xqzv prices") == []  # unknown words have no part of speech


def test_no_rule_maps_a_span_to_itself_and_articles_are_left_alone():
    rw = Rewrites()
    for kind in REWRITES.values():
        for key in kind:
            texts = [e.text for e in rw.synonyms(key)]
            assert texts and key not in texts and len(set(texts)) == len(texts), key
    assert rw.synonyms("the") == [] and rw.synonyms("a") == []


def test_phrasal_style_rewrites_function_words_and_phrases_with_exact_offsets():
    sources = Counter()
    multi = 0
    for seed in range(10):
        r = spin_text(ARTICLE, "phrasal", rate=0.3, seed=seed)
        for c in r.changes:
            assert r.text[c.start : c.end] == c.replacement and ARTICLE[c.orig_start : c.orig_end] == c.original
            sources[c.source] += 1
            multi += " " in c.replacement
    assert sources["grammar"] > 0 and sources["wordnet"] > 0
    assert multi > 0


def test_multiword_weight_prefers_replacements_of_several_words():
    def share_multi(weight):
        cfg = SpinConfig(sources=("grammar",), policy="uniform", source_weights=(), multiword_weight=weight, rate=0.5)
        n = m = 0
        for seed in range(15):
            for c in Spinner(cfg).spin(ARTICLE, seed).changes:
                n += 1
                m += " " in c.replacement
        return m / n

    assert share_multi(10.0) > share_multi(0.1) + 0.2


def test_commercial_style_uses_the_grammar_rewrites():
    assert "grammar" in STYLES["commercial"].sources and "grammar" in STYLES["phrasal"].sources
    assert "grammar" not in STYLES["moby"].sources  # the held-out style stays a thesaurus alone


def test_the_packaged_thesaurus_reads_the_rewrites_backwards_for_the_detector():
    from spin_detect.tables.packaged import default_thesaurus

    th = default_thesaurus()
    assert ("because", "x") in [(s.text, s.pos) for s in th.synonyms("due to the fact that")]
    assert ("do not", "x") in [(s.text, s.pos) for s in th.synonyms("do n't")]  # tokenised as the detector splits
    # the spinner's wordnet source leaves them to the grammar source
    wordnet_only = Spinner(SpinConfig(sources=("wordnet",), policy="uniform", source_weights=()))
    assert all(src == "wordnet" and t != "because" for t, src, _ in wordnet_only._candidates("due to the fact that"))


def test_the_detector_compares_a_wordy_phrase_with_its_short_form_as_one_unit():
    from spin_detect.features import TOKEN_FEATURES, default_extractor
    from spin_detect.text.segment import tokenize

    ex = default_extractor()
    words = [t.text for t in tokenize("The talks failed due to the fact that the minister was ill.")]
    ts = ex.score_tokens([words])
    m = ex.token_matrix(ts)
    i = words.index("due")
    assert ts.original[i] == "because" and ts.span[i] == 5
    assert m[i, TOKEN_FEATURES.index("syn_delta")] > 0  # "because" fits the slot better than the wordy phrase
    assert ts.original[words.index("minister")] != "because"
