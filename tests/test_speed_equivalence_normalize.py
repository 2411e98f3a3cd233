"""normalize's shortcut for texts with nothing to map (accented letters, a pound sign, look-alike
letters only) against the character-by-character loop: the same text, spans and counts."""

from __future__ import annotations

import random

import pytest

from spin_detect.text.normalize import _EMPTY_COUNTS, _normalize, _normalize_loop

_PIECES = ["The café said", " £12m ", "naïve", "Москва", "раураl", "Pаris", "ο", "αβγ", "x²", "½", "€",
           "\u00a0", "\u200b", "\u00ad", "ｆｕｌｌ", "ﬁne", "𝐀", "\u2009", "“quoted”", "—", " ", "plain words. ",
           "Ελλάδα", "Tоkyo", "е", "\n\n", "日本"]


def _texts() -> list[str]:
    rnd = random.Random(3)
    texts = ["", "ascii only", "£", "é", "Pаris and Москва", "Σ = 3", "ｆｕｌｌ", "a\u200bb"]
    for _ in range(400):
        texts.append("".join(rnd.choice(_PIECES) for _ in range(rnd.randint(1, 12))))
    return texts


@pytest.mark.parametrize("text", _texts())
def test_shortcut_equals_the_loop(text):
    got = _normalize(text)
    want = _normalize_loop(text, dict(_EMPTY_COUNTS)) if not text.isascii() else got
    assert (got.text, got.starts, got.ends, got.obfuscation) == (want.text, want.starts, want.ends,
                                                                 want.obfuscation)


def test_the_shortcut_is_taken_and_folds_look_alikes():
    """Texts without mappable characters: still folded (a test that fails if the shortcut skips folding)."""
    n = _normalize("Pаris is in France, Tоkyo is not")  # Cyrillic а and о
    assert n.text == "Paris is in France, Tokyo is not" and n.obfuscation["confusables"] == 2
    assert n.starts == list(range(len(n.text)))
