"""What a reader cannot see must not change the verdict (issue 18): normalisation, its map back to
the text as given, the obfuscation counts, and the detector's invariance under such rewrites."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spin_detect
from spin_detect.config import DecisionConfig
from spin_detect.learning.spinner import spin_text
from spin_detect.text.normalize import _latin_lookalike, normalize

ORIGINALS = [
    "The U.N. Security Council met on Tuesday to discuss the country's missile launches, diplomats said.",
    "Analysts said the government would probably end up returning to talks if it could secure food and aid.",
    "Shares of the company rose sharply in early trading after it reported higher quarterly profits.",
    "The committee will publish its final report next month, according to a statement from the ministry.",
]
SPUN = [spin_text(t, style="commercial", rate=0.5, seed=i).text for i, t in enumerate(ORIGINALS)]
CYRILLIC = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441", "x": "\u0445"}


def _at(positions: list[int], text: str, insert: str, where=str.isalpha) -> str:
    chosen = set(positions)
    return "".join(c + (insert if i in chosen and where(c) else "") for i, c in enumerate(text))


REWRITES = {
    "homoglyphs": lambda t, pos: "".join(CYRILLIC.get(c, c) if i in set(pos) else c for i, c in enumerate(t)),
    "soft hyphens": lambda t, pos: _at(pos, t, "\u00ad"),
    "zero-width spaces": lambda t, pos: _at(pos, t, "\u200b"),
    "zero-width joiners": lambda t, pos: _at(pos, t, "\u200d"),
    "word joiners": lambda t, pos: _at(pos, t, "\u2060"),
    "fullwidth": lambda t, pos: "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" and i in set(pos) else c
                                        for i, c in enumerate(t)),
    "no-break spaces": lambda t, pos: "".join("\u00a0" if c == " " and i in set(pos) else c for i, c in enumerate(t)),
    "bidi marks": lambda t, pos: _at(pos, t, "\u200e", where=lambda c: True),
    "byte-order marks": lambda t, pos: _at(pos, t, "\ufeff", where=lambda c: c == " "),
}


@st.composite
def rewritten(draw):
    text = draw(st.sampled_from(ORIGINALS + SPUN), label="text")
    names = draw(st.lists(st.sampled_from(sorted(REWRITES)), min_size=1, max_size=3, unique=True), label="rewrites")
    out = text
    for name in names:
        # positions in the current text; a rewrite may touch every character
        pos = draw(st.lists(st.integers(0, len(out) - 1), max_size=len(out)), label=name)
        out = REWRITES[name](out, pos)
    return text, out


@settings(max_examples=200, deadline=None)
@given(rewritten())
def test_rewrites_a_reader_cannot_see_normalise_to_the_same_text(pair):
    text, out = pair
    assert normalize(out).text == normalize(text).text


@settings(max_examples=200, deadline=None)
@given(rewritten(), st.data())
def test_every_span_maps_back_into_the_text_as_given(pair, data):
    _, out = pair
    n = normalize(out)
    start = data.draw(st.integers(0, len(n.text)), label="start")
    end = data.draw(st.integers(start, len(n.text)), label="end")
    a, b = n.span(start, end)
    assert 0 <= a <= b <= len(out)
    # up to look-alike letters: whether one is folded depends on the text around it (see the next test), and a
    # span may cut its word or its text short
    assert _latin(normalize(out[a:b]).text) == _latin(n.text[start:end])


def _latin(text: str) -> str:
    return "".join(_latin_lookalike(c) or c if not c.isascii() and c.isalpha() else c for c in text)


def test_a_look_alike_letter_is_folded_by_its_text_not_alone():
    """A Cyrillic "с" in a mainly Latin text is read as "c"; the same letter cut out on its own is not (a word of
    look-alikes only is folded only where the text is mainly Latin), so a span's own normal form can differ
    from the whole text's in such letters, and only in them."""
    text = "Shares of the \u0441ompany rose."
    n = normalize(text)
    assert n.text == "Shares of the company rose."
    a, b = n.span(13, 15)
    assert text[a:b] == " \u0441" and normalize(text[a:b]).text == " \u0441"
    assert normalize(text[a:b] + "ompany rose").text == " company rose"


@pytest.fixture(scope="module")
def detector():
    return spin_detect.load_detector()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pair=rewritten())
def test_the_verdict_and_likelihood_do_not_change(detector, pair):
    text, out = pair
    a, b = detector.score_document(text), detector.score_document(out)
    assert (b.verdict, b.likelihood, b.n_flagged) == (a.verdict, a.likelihood, a.n_flagged)
    for sa, sb in zip(a.sentences, b.sentences):
        assert out[sb.start : sb.end] == sb.text  # offsets point into the text as given
        assert [e.likely_original for e in sb.evidence] == [e.likely_original for e in sa.evidence]
        for e in sb.evidence:
            assert out[e.start : e.end] == e.word


def test_hidden_characters_are_counted_and_noted(detector):
    text = ORIGINALS[0]
    r = detector.score_document("".join(CYRILLIC.get(c, c) for c in text))
    assert r.obfuscated and r.obfuscation["mixed_script_words"] >= 5
    assert any(n.startswith("obfuscated:") for n in r.notes)
    r = detector.score_document(_at(list(range(len(text))), text, "\u200b"))
    assert r.obfuscated and r.obfuscation["invisible_in_words"] > 50


@pytest.mark.parametrize("text", [
    "Zürich, São Paulo and Kraków sent delegates; the café served crème brûlée, naïvely.",
    "President Vladimir Putin (Владимир Путин) met officials in Москва on Monday.",
    "“Quoted,” she said — “twice” — at 5 p.m. on 3\u00a0May.",
    "The enzyme’s α-helix and β-sheet were measured by the team in 2019.",
    "A long word such as extra\u00adordinary may carry a soft hyphen or two in web text.",
])
def test_ordinary_text_does_not_look_obfuscated(text):
    n = normalize(text)
    assert DecisionConfig().obfuscation_note(n.obfuscation) is None
    assert "Москва" in n.text and "Путин" in n.text if "Москва" in text else True


def test_ascii_text_is_left_alone():
    n = normalize(ORIGINALS[1])
    assert n.text is ORIGINALS[1] and not n.changed and n.span(3, 9) == (3, 9)


def test_mojibake_is_repaired_and_mapped_back():
    text = "The caf\u00c3\u00a9 was closed \u00e2\u20ac\u201d sadly, the owner said on Tuesday."
    n = normalize(text)
    assert n.text.startswith("The caf\u00e9 was closed \u2014 sadly") and n.obfuscation["mojibake"] == 1
    i = n.text.index("caf")
    a, b = n.span(i, i + 4)
    assert text[a:b] == "caf\u00c3\u00a9"
    assert DecisionConfig().obfuscation_note(n.obfuscation) is None  # an encoding fault is not hiding
    clean = "Z\u00fcrich caf\u00e9, \u201cquoted\u201d \u2014 na\u00efve"
    assert normalize(clean).text == clean  # clean text is never touched
