"""The swaps of one alignment never overlap, on either side, and come in text order
(spin_detect/matching/align.py): a reordered phrase is one swap, not two sharing a word."""

from __future__ import annotations

import pytest
from corpus_fixtures import ORIGINAL
from hypothesis import given, settings
from hypothesis import strategies as st

from spin_detect.learning.spinner import spin_text
from spin_detect.matching.align import Alignment, _is_swap, align

_VOCAB = ["the", "of", "health", "checks", "oil", "price", "rose", "staff", "ran", "on", "and", "a"]


def _check(aln: Alignment, copy: str) -> None:
    """The swaps of side ``copy``: exact spans of both texts, in order, no word in two swaps, and every word of a
    swap opcode in one of them."""
    ct, ot = (aln.b_text, aln.a_text) if copy == "b" else (aln.a_text, aln.b_text)
    cw, ow = (aln.b_words, aln.a_words) if copy == "b" else (aln.a_words, aln.b_words)
    swaps = aln.swaps(copy)
    for s in swaps:
        assert s.start < s.end and s.original_start < s.original_end
        assert ct[s.start : s.end] == s.word and ot[s.original_start : s.original_end] == s.original
    for x, y in zip(swaps, swaps[1:]):
        assert x.end <= y.start, (x, y)
        assert x.original_end <= y.original_start, (x, y)
    for k, (_tag, i1, i2, j1, j2) in enumerate(aln.opcodes):
        if not _is_swap(aln.opcodes, k):
            continue
        o1, o2, c1, c2 = (i1, i2, j1, j2) if copy == "b" else (j1, j2, i1, i2)
        for w in cw[c1:c2]:
            assert any(s.start <= w.start and w.end <= s.end for s in swaps), w
        for w in ow[o1:o2]:
            assert any(s.original_start <= w.start and w.end <= s.original_end for s in swaps), w


@pytest.mark.parametrize("compiled", [False, True])
def test_a_reordered_phrase_is_one_swap(compiled):
    copy = "Staff ran checks of health on all machines every day."
    original = "Staff ran health checks on all machines every day."
    aln = align(copy, original, compiled=compiled)
    # the audit's case: "checks -> health checks" and "checks of health -> checks" both held "checks"
    assert [(s.word, s.original) for s in aln.swaps("a")] == [("checks of health", "health checks")]
    _check(aln, "a")
    _check(aln, "b")


@pytest.mark.parametrize(("copy", "original", "want"), [
    ("They said the oil price rose again this week.", "They said the price of oil rose again this week.",
     [("oil price", "price of oil")]),
    ("The checks of health and the oil price went up fast.", "The health checks and the price of oil went up fast.",
     [("checks of health", "health checks"), ("oil price", "price of oil")]),
])
def test_several_reorders_give_one_swap_each(copy, original, want):
    aln = align(copy, original)
    assert [(s.word, s.original) for s in aln.swaps("a")] == want
    _check(aln, "a")
    _check(aln, "b")


def test_other_swaps_are_unchanged():
    original = "Officials said on Monday that the talks would resume in order to end the crisis and help."
    copy = "Officers mentioned on Monday that the negotiations would resume to end the crisis and also help."
    swaps = align(original, copy).swaps("b")
    assert [(s.word, s.original) for s in swaps] == [("Officers mentioned", "Officials said"),
                                                     ("negotiations", "talks"), ("to", "in order to"),
                                                     ("and also", "and")]


@st.composite
def _pairs(draw: st.DrawFn) -> tuple[str, str]:
    """A text of common words and a copy of it with phrases reordered ("a b" -> "b of a"), words swapped,
    replaced, added and dropped."""
    a = draw(st.lists(st.sampled_from(_VOCAB), min_size=2, max_size=30))
    b = list(a)
    for edit, at, word in draw(st.lists(st.tuples(st.sampled_from(["reorder", "of", "swap", "add", "drop"]),
                                                  st.integers(0, 40), st.sampled_from(_VOCAB)), max_size=8)):
        if len(b) < 2:
            break
        k = at % (len(b) - 1)
        if edit == "reorder":
            b[k : k + 2] = [b[k + 1], b[k]]
        elif edit == "of":
            b[k : k + 2] = [b[k + 1], "of", b[k]]
        elif edit == "swap":
            b[k] = word
        elif edit == "add":
            b.insert(k, word)
        else:
            del b[k]
    return " ".join(a), " ".join(b)


@settings(max_examples=400, deadline=None)
@given(_pairs())
def test_swaps_never_overlap_and_are_in_text_order(pair):
    aln = align(*pair)
    _check(aln, "a")
    _check(aln, "b")


@pytest.mark.parametrize("style", ["commercial", "phrasal", "moby"])
@pytest.mark.parametrize("seed", range(3))
def test_spun_copies_swaps_never_overlap(style, seed):
    spun = spin_text(ORIGINAL, style, rate=0.35, seed=seed).text
    for aln in (align(ORIGINAL, spun), align(spun, ORIGINAL)):
        _check(aln, "a")
        _check(aln, "b")
