"""The compiled word alignment (spin_detect.matching.blocks) gives difflib's answer, to the opcode."""

from __future__ import annotations

import random
from difflib import SequenceMatcher

import pytest

from spin_detect.matching.align import align
from spin_detect.matching.blocks import matching_blocks, opcodes

ORIGINAL = (
    "North Korea on Tuesday warned of a powerful response to joint military drills by South Korea and the "
    "United States, the Korean Central News Agency said, days after the U.N. Security Council met to discuss "
    "the country's missile launches. The statement accused Washington of preparing for war and said the "
    "exercises in the second year of the standoff were a rehearsal for an invasion. Analysts said Pyongyang "
    "would probably end up returning to talks if it could secure food and economic aid, as it has done in the "
    "past. South Korea's defence ministry said it was monitoring the situation closely."
)
SPUN = (
    "North Korea on Tuesday warned of a powerful response to joint navy drills by South Korea and the "
    "United States, the Korean Central Information Company mentioned, days after the U.N. Safety Council met "
    "to discuss the country's missile launches. The statement accused Washington of preparing for battle and "
    "said the exercises in the second 12 months of the standoff were a rehearsal for an invasion. Analysts "
    "said Pyongyang would probably find yourself returning to talks if it could secure meals and financial "
    "assist, as it has done in the past. South Korea's defence ministry said it was monitoring the situation."
)


def _difflib(a, b):
    return SequenceMatcher(None, a, b, autojunk=False)


@pytest.mark.parametrize("seed", range(4))
def test_random_sequences_with_many_ties_get_difflibs_blocks_and_opcodes(seed):
    rng = random.Random(seed)
    for _ in range(1500):
        alphabet = rng.randint(1, 6)  # few symbols: many equal-length matches, so the tie rules matter
        a = [rng.randint(0, alphabet) for _ in range(rng.randint(0, 30))]
        b = [rng.randint(0, alphabet) for _ in range(rng.randint(0, 30))]
        sm = _difflib(a, b)
        assert matching_blocks(a, b) == [tuple(m) for m in sm.get_matching_blocks()], (a, b)
        assert opcodes(a, b) == sm.get_opcodes(), (a, b)


def test_word_sequences_edited_like_a_spinner_get_difflibs_opcodes():
    rng = random.Random(7)
    words = ORIGINAL.lower().split()
    for _ in range(300):
        copy = list(words)
        for _ in range(rng.randint(0, 25)):
            i = rng.randrange(len(copy))
            op = rng.random()
            if op < 0.5:
                copy[i] = rng.choice(words)  # a swap (often for a word the text already has)
            elif op < 0.75:
                copy[i:i] = rng.sample(words, rng.randint(1, 3))  # a phrase for a word
            else:
                del copy[i: i + rng.randint(1, 3)]
        assert opcodes(words, copy) == _difflib(words, copy).get_opcodes()
        assert opcodes(copy, words) == _difflib(copy, words).get_opcodes()


def test_items_of_any_hashable_type_and_empty_sequences():
    assert opcodes([], []) == []
    assert opcodes(["a"], []) == [("delete", 0, 1, 0, 0)]
    assert opcodes([], ("x", "y")) == [("insert", 0, 0, 0, 2)]
    a, b = [("t", 1), None, 3.5, "w"], [None, 3.5, ("t", 1)]
    assert opcodes(a, b) == _difflib(a, b).get_opcodes()


def test_a_compiled_alignment_is_the_same_alignment():
    plain, fast = align(ORIGINAL, SPUN), align(ORIGINAL, SPUN, compiled=True)
    assert list(fast.opcodes) == list(plain.opcodes)
    assert fast.swaps("b") == plain.swaps("b")
    swapped = {s.word: s.original for s in fast.swaps("b")}
    assert swapped["Safety"] == "Security" and swapped["meals"] == "food"
