"""Segmentation shortcuts against the regexes they stand for: the word before a full stop
(_word_before vs _WORD_BEFORE_RE) and tokens of text without URLs or e-mail addresses
(_PLAIN_TOKEN_RE vs _TOKEN_RE)."""

from __future__ import annotations

import random

import pytest

from spin_detect.text.segment import (
    _PLAIN_TOKEN_RE,
    _TOKEN_RE,
    _WORD_BEFORE_RE,
    Token,
    _word_before,
    split_sentences,
    tokenize,
)


@pytest.mark.parametrize("seed", range(4))
def test_word_before_equals_the_regex(seed):
    rnd = random.Random(seed)
    alphabet = "ab .\n\t\r([\"'“‘”)\u00a0\u2009\x1c\x85\u3000é_1"
    for _ in range(20_000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 14)))
        lo = rnd.randint(0, len(text))
        end = rnd.randint(lo, len(text))
        m = _WORD_BEFORE_RE.search(text, lo, end)
        assert _word_before(text, lo, end) == (m.group(1) if m else ""), (text, lo, end)


def test_plain_token_pattern_drops_only_urls_and_email():
    assert "@" not in _PLAIN_TOKEN_RE.pattern and "://" not in _PLAIN_TOKEN_RE.pattern
    assert _PLAIN_TOKEN_RE.pattern.count("\n  | ") == _TOKEN_RE.pattern.count("\n  | ") - 2
    assert not _PLAIN_TOKEN_RE.match("")  # no empty alternative left at the front


@pytest.mark.parametrize("seed", range(3))
def test_tokenize_equals_the_full_pattern(seed):
    rnd = random.Random(seed)
    alphabet = list("ab Zé n't'’s.+-_1,:/\u00a0\n\t\u2028\x1c…—()\"“²") + ["__", "www.", "http://x.org/a", "@",
                                                                          "a@b.com", "://"]
    for _ in range(3000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40)))
        for start, end in ((0, len(text)), (len(text) // 3, 2 * len(text) // 3)):
            want = [Token(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text, start, end)]
            assert tokenize(text, start, end) == want, (text, start, end)


def test_a_url_or_address_outside_the_range_does_not_matter():
    text = "Mail a@b.com now. Then see www.example.org/page today."
    for s in split_sentences(text):
        assert list(s.tokens) == [Token(m.group(), m.start(), m.end())
                                  for m in _TOKEN_RE.finditer(text, s.start, s.end)]
    assert [t.text for t in tokenize(text)][:3] == ["Mail", "a@b.com", "now"]
