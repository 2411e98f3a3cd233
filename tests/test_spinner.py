import random

import pytest

from spin_detect.learning.spinner import STYLES, SpinConfig, Spinner, spin_text
from spin_detect.tables.reference import build_reference
from spin_detect.tables.thesaurus import write_thesaurus
from spin_detect.text.segment import split_sentences

ARTICLE = (
    "The company said on Monday that its profits rose sharply in the third quarter. "
    "Analysts had expected a smaller increase, according to a survey of economists.\n\n"
    "The Security Council will meet next week to discuss the crisis. "
    "Officials said they would end up paying more than planned.\n\n"
    "Shares in the firm fell two percent in early trading in London. "
    "The chief executive declined to comment on the report.\n\n"
    "Prices of oil and gas have risen over the past year, hurting many households. "
    "The government announced new measures to help families."
)


def check_changes(source_text, result):
    for c in result.changes:
        assert result.text[c.start : c.end] == c.replacement
        assert source_text[c.orig_start : c.orig_end] == c.original
        assert c.original != c.replacement


@pytest.mark.parametrize("style", sorted(STYLES))
def test_changes_match_the_text_exactly(style):
    r = spin_text(ARTICLE, style, rate=0.4, seed=7)
    assert r.changes, style
    check_changes(ARTICLE, r)
    # rebuilding the output from the input and the changes gives the output
    out, pos = [], 0
    for c in r.changes:
        out += [ARTICLE[pos : c.orig_start], c.replacement]
        pos = c.orig_end
    assert "".join(out) + ARTICLE[pos:] == r.text


def test_same_seed_same_output_other_seed_other_output():
    a = spin_text(ARTICLE, "commercial", seed=1)
    assert spin_text(ARTICLE, "commercial", seed=1).text == a.text
    assert spin_text(ARTICLE, "commercial", seed=2).text != a.text


@pytest.mark.parametrize("rate", [0.1, 0.3, 0.5])
def test_rate_is_honoured(rate):
    changed = words = 0
    for seed in range(20):
        r = spin_text(ARTICLE, "commercial", rate=rate, seed=seed)
        changed += r.changed_tokens
        words += sum(s["word_tokens"] for s in r.sentences)
    assert abs(changed / words - rate) < 0.05


def test_rate_zero_changes_nothing():
    r = spin_text(ARTICLE, "mixed", rate=0.0)
    assert r.text == ARTICLE and r.changes == []


def test_empty_text():
    r = spin_text("", "commercial")
    assert r.text == "" and r.changes == []


def test_partial_spinning_touches_only_chosen_paragraphs():
    r = spin_text(ARTICLE, "commercial", rate=0.5, seed=3, sentence_share=0.5)
    selected = [s["selected"] for s in r.sentences]
    assert sum(selected) == 4
    # whole paragraphs (pairs of sentences) are chosen
    assert selected[0::2] == selected[1::2]
    for k, s in enumerate(r.sentences):
        if not s["selected"]:
            assert s["changed_tokens"] == 0
            assert r.text[s["start"] : s["end"]] == ARTICLE[s["orig_start"] : s["orig_end"]]
        assert not any(c.sentence == k for c in r.changes) or s["selected"]


@pytest.fixture
def small_spinner(tmp_path):
    table = write_thesaurus(tmp_path / "t.bin", [
        ("said", "stated", "v", "VBD", 0, 0),
        ("security", "safety", "n", "NN", 0, 0),
        ("end up", "find yourself", "v", "VB", 0, 0),
        ("rose", "increased", "v", "VBD", 0, 0),
    ])
    ref = build_reference([("d", "safety stated increased find yourself")], tmp_path / "r.bin", min_count=1)
    return Spinner(SpinConfig(rate=1.0, sources=("phrases",), policy="uniform", source_weights=()),
                   tables={"phrases": table}, reference=ref)


def test_names_are_not_protected_and_case_is_kept(small_spinner):
    text = "The Security Council SAID it would end up voting. Said the man: profits rose."
    r = small_spinner.spin(text)
    assert r.text == "The Safety Council STATED it would find yourself voting. Stated the man: profits increased."
    phrase = next(c for c in r.changes if c.original == "end up")
    assert phrase.n_tokens == 2 and phrase.replacement == "find yourself"
    check_changes(text, r)


def test_spin_sentence_never_overlaps():
    spinner = Spinner(STYLES["mixed"])
    text = "He will end up in the United States after the end of the war."
    sent = split_sentences(text)[0]
    for seed in range(30):
        reps = spinner.spin_sentence(text, sent, random.Random(seed))
        for (_, e1, _, _), (s2, _, _, _) in zip(reps, reps[1:]):
            assert e1 <= s2


def test_bad_config_is_refused():
    with pytest.raises(ValueError, match="rate"):
        SpinConfig(rate=1.5)
    with pytest.raises(ValueError, match="policy"):
        SpinConfig(policy="clever")
    with pytest.raises(ValueError, match="sources"):
        SpinConfig(sources=("roget",))


def test_distributional_style_swaps_words_for_their_neighbours():
    from spin_detect.learning.spinner import NeighbourThesaurus

    table = NeighbourThesaurus()
    text = ("The government said on Monday that the economy grew faster than expected in the third quarter, "
            "helped by strong spending by consumers and companies.")
    result = spin_text(text, "distributional", rate=0.4, seed=3)
    assert result.changes
    for c in result.changes:
        assert " " not in c.original  # single words only
        assert c.replacement.lower() in {e.text for e in table.synonyms(c.original.lower())}
    assert table.synonyms("end up") == [] and table.synonyms("<unk>") == []
