"""Sentences' tokens as columns (:class:`Tokens`) and the ASCII-word shortcut of the token pattern,
against the plain reference: one ``Token`` per match of the full pattern ``_TOKEN_RE`` over the
sentence's span, on varied text (unicode, HTML-derived, very long, empty)."""

from __future__ import annotations

import pickle
import random

import pytest

from spin_detect.text.segment import (
    _DIGIT_RE,
    _QUOTE_TABLE,
    _TOKEN_RE,
    MAX_SENTENCE_CHARS,
    Sentence,
    Token,
    Tokens,
    norm,
    split_sentences,
    tokenize,
)


def reference_tokens(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """The plain tokeniser: every match of the full pattern, made into a ``Token``."""
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text, start, len(text) if end is None
                                                                             else end)]


def check_document(text: str) -> list[Sentence]:
    sents = split_sentences(text)
    for s in sents:
        assert s.text == text[s.start : s.end]
        want = reference_tokens(text, s.start, s.end)
        assert list(s.tokens) == want, (text, s.start, s.end)
        assert s.tokens == tuple(want) and tuple(want) == s.tokens
        assert len(s.tokens) == len(want)
        assert [s.tokens[i] for i in range(-len(want), len(want))] == want + want
        assert list(s.tokens.texts) == [t.text for t in want]
        assert list(s.tokens.starts) == [t.start for t in want] and list(s.tokens.ends) == [t.end for t in want]
        assert all(type(t) is Token for t in s.tokens)
    assert tokenize(text) == reference_tokens(text)
    return sents


# Pieces that stress the token pattern's alternatives and the ASCII-word shortcut: ASCII words next to every
# character that can continue a word ("-", ".", "&", apostrophes, digits, "_", non-ASCII letters, combining
# marks) or end one.
PIECES = [
    "word", "Word", "WORDS", "a", "I", "n", "don't", "can’t", "won't", "Reuters'", "O'Neill", "it's", "we’re",
    "high-speed", "AT&T", "U.S.", "e.g.", "a.m.", "3.5", "1,200", "10:30", "1980s", "1.13bn", "x2", "_", "__init__",
    "café", "cafe\u0301", "naïve", "Zürich", "Ελλάδα", "Москва", "東京", "日本語の文", "עברית", "العربية", "ǅemal",
    "😀", "👍🏽", "\u200b", "\u00ad", "ﬁne", "²", "½", "Ⅻ", "٣", "\u00a0", "\u2009", "\u3000", "\u2028", "\x85",
    "...", "…", "--", "—", "–", "-", "(", ")", "[", "]", "\"", "“", "”", "‘", "’", "'", "&", "&amp;", "&nbsp;",
    "<b>", "</p>", "<br/>", "a@b.com", "www.example.org/x", "http://x.org/a_b?c=1", "://", "@", "#tag", "$5",
    "%", ",", ";", ":", "!", "?", ".", " ", " ", " ", "  ", "\n", "\n\n", "\t", "\r\n",
]


@pytest.mark.parametrize("seed", range(6))
def test_random_pieces_tokenise_as_the_reference(seed):
    rnd = random.Random(seed)
    for _ in range(1500):
        text = "".join(rnd.choice(PIECES) for _ in range(rnd.randint(0, 60)))
        check_document(text)
        # ranges that cut words and sentences anywhere
        a = rnd.randint(0, len(text))
        b = rnd.randint(a, len(text))
        assert tokenize(text, a, b) == reference_tokens(text, a, b), (text, a, b)


@pytest.mark.parametrize("seed", range(3))
def test_ascii_words_against_every_neighbour(seed):
    """An ASCII word followed by each character class the shortcut must leave to the full pattern."""
    rnd = random.Random(seed)
    after = list("-.&'’_0é\u0301 ,;:)\"!?\n") + ["n't", "n’t", "'s", "’re", "'d", ".S.", "&T", "-x", ""]
    for _ in range(5000):
        w = "".join(rnd.choice("abnNtTsS") for _ in range(rnd.randint(1, 6)))
        text = rnd.choice(["", " ", "(", "x.", "1"]) + w + rnd.choice(after) + rnd.choice(after)
        check_document(text)


def test_html_derived_text():
    html = ("<p>The <b>U.S.</b> Senate&nbsp;voted 52&ndash;48 on Tuesday.</p>\n<ul><li>Item one</li>"
            "<li>Item&amp;two &lt;script&gt;</li></ul>\n\n  Posted by j.smith@example.com | "
            "<a href='http://example.com/a?b=1&c=2'>link</a> &copy; 2024 \u00a0\u00a0 All rights reserved.")
    sents = check_document(html)
    assert any("Tuesday" in s.tokens.texts for s in sents)
    # the same text as an HTML extractor leaves it: tags gone, entities decoded, odd whitespace
    import html as html_lib
    import re

    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", html))
    check_document(text)
    check_document(text.replace(" ", "\u00a0"))


def test_very_long_sentences_are_cut_and_tokenised_the_same():
    rnd = random.Random(7)
    words = ["alpha", "beta-gamma", "don't", "3.5", "U.S.", "café", "x" * 300, ",", "—"]
    run_on = " ".join(rnd.choice(words) for _ in range(3000))  # one sentence of about 20,000 characters
    sents = check_document(run_on)
    assert len(sents) > 5 and all(s.truncated for s in sents[:-1])
    assert all(len(s.text) <= MAX_SENTENCE_CHARS for s in sents)
    no_space = "a" * (3 * MAX_SENTENCE_CHARS + 17)  # cut inside a word
    sents = check_document(no_space)
    assert [len(s.text) for s in sents] == [MAX_SENTENCE_CHARS] * 3 + [17]


@pytest.mark.parametrize("text", ["", " ", "\n\n\n", "\t \u00a0\u3000", "_", "___ __", ".", "a", "'", "’s"])
def test_empty_and_tiny(text):
    check_document(text)


def test_empty_input_gives_nothing():
    assert split_sentences("") == [] and tokenize("") == [] and tokenize("abc", 2, 2) == []


def test_tokens_read_like_a_tuple_of_token():
    s = split_sentences("Mr. Smith didn't pay $3.5bn to AT&T.")[0]
    as_tuple = tuple(reference_tokens(s.text))
    assert s.tokens == as_tuple and as_tuple == s.tokens
    assert s.tokens != as_tuple[:-1] and s.tokens != list(as_tuple)
    assert hash(s.tokens) == hash(as_tuple)
    assert s.tokens[1:3] == as_tuple[1:3] and type(s.tokens[1:3]) is tuple
    assert s.tokens[::-1] == as_tuple[::-1] and s.tokens[-1] == as_tuple[-1]
    assert list(reversed(s.tokens)) == list(reversed(as_tuple))
    assert as_tuple[2] in s.tokens and s.tokens.index(as_tuple[2]) == 2 and s.tokens.count(as_tuple[0]) == 1
    assert Tokens.of(as_tuple) == s.tokens and Tokens.of([]) == ()
    assert pickle.loads(pickle.dumps(s)) == s
    assert repr(s.tokens) == f"Tokens({as_tuple!r})"
    with pytest.raises(IndexError):
        s.tokens[len(as_tuple)]
    text, start, end, tokens, truncated = s  # a Sentence still unpacks as before
    assert (text, start, end, truncated) == (s.text, 0, len(s.text), False) and tokens is s.tokens


def reference_norm(token: str) -> str:
    return _DIGIT_RE.sub("0", token.lower().translate(_QUOTE_TABLE))


def test_norm_of_every_character_and_of_words():
    import sys

    for cp in range(sys.maxunicode + 1):
        c = chr(cp)
        assert norm(c) == reference_norm(c) and norm(c + "A" + c) == reference_norm(c + "A" + c), hex(cp)
    rnd = random.Random(11)
    for _ in range(20000):
        w = "".join(rnd.choice(PIECES + ["ΟΔΟΣ", "İ", "ß", "Σ", "ς"]) for _ in range(rnd.randint(0, 4)))
        assert norm(w) == reference_norm(w), w
    assert norm("Don’t") == "don't" and norm("1,987") == "0,000" and norm("ΟΔΟΣ") == "οδος"
