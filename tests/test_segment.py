import pytest

from spin_detect.text.segment import MAX_SENTENCE_CHARS, norm, split_sentences, tokenize


def texts(text):
    return [s.text for s in split_sentences(text)]


def words(text):
    return [t.text for t in tokenize(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        # abbreviations and titles do not end sentences
        ("Mr. Smith met Dr. Jones on Jan. 5. They talked.", ["Mr. Smith met Dr. Jones on Jan. 5.", "They talked."]),
        ("The U.S. economy grew. The U.S. Army left.", ["The U.S. economy grew.", "The U.S. Army left."]),
        ("Officials in the U.S. Said nothing.", ["Officials in the U.S. Said nothing."]),
        ("He works for Apple Inc. The company agreed.", ["He works for Apple Inc.", "The company agreed."]),
        ("She joined Acme Inc. in 2004. Sales rose.", ["She joined Acme Inc. in 2004.", "Sales rose."]),
        ("Ask J. Smith at 10 a.m. tomorrow.", ["Ask J. Smith at 10 a.m. tomorrow."]),
        # decimals and grouped numbers
        ("Output rose 3.5 pct to 1,200 tonnes. Prices fell.", ["Output rose 3.5 pct to 1,200 tonnes.", "Prices fell."]),
        # quotes and brackets after the stop
        ('"It is over," he said. "We won." Then he left.', ['"It is over," he said.', '"We won."', "Then he left."]),
        ("(This was expected.) Markets rallied.", ["(This was expected.)", "Markets rallied."]),
        # ellipses, ! and ?
        ("Wait... what? He didn't know... and left!", ["Wait... what?", "He didn't know... and left!"]),
        # headline and bullets without final punctuation
        ("Oil prices jump\n\nCrude rose on Monday.", ["Oil prices jump", "Crude rose on Monday."]),
        ("Key points:\n- Prices rose\n- Jobs fell\n", ["Key points:", "- Prices rose", "- Jobs fell"]),
    ],
)
def test_sentence_boundaries(text, expected):
    assert texts(text) == expected


def test_hard_wrapped_newswire_is_joined():
    text = (
        "Showers continued throughout the week in\n"
        "the Bahia cocoa zone, alleviating the drought since early\n"
        "January and improving prospects for the coming temporao,\n"
        "although normal humidity levels have not been restored,\n"
        "Comissaria Smith said in its weekly review.\n"
        "    The dry period means the temporao will be late this year.\n"
    )
    out = texts(text)
    assert len(out) == 2
    assert out[0].startswith("Showers") and out[0].endswith("weekly review.")
    assert out[1] == "The dry period means the temporao will be late this year."


def test_offsets_point_into_the_text():
    text = "  Prices rose 3.5%.\n\nThe U.S. said so, didn't it?"
    for s in split_sentences(text):
        assert text[s.start : s.end] == s.text
        for t in s.tokens:
            assert text[t.start : t.end] == t.text
            assert s.start <= t.start < t.end <= s.end


@pytest.mark.parametrize(
    "text, expected",
    [
        ("I don't know.", ["I", "do", "n't", "know", "."]),
        ("O'Neill's firm", ["O'Neill", "'s", "firm"]),
        ("a high-speed link", ["a", "high-speed", "link"]),
        ("the U.S. economy", ["the", "U.S.", "economy"]),
        ("$1.13bn (£600m)", ["$", "1.13bn", "(", "£", "600m", ")"]),
        ("1,200 and 3.5 and 10:30", ["1,200", "and", "3.5", "and", "10:30"]),
        ("see http://example.com/a?b=1.", ["see", "http://example.com/a?b=1", "."]),
        ("mail a@b.com now", ["mail", "a@b.com", "now"]),
        ("Reuters' story", ["Reuters", "'", "story"]),
        ("wait...", ["wait", "..."]),
    ],
)
def test_tokenize(text, expected):
    assert words(text) == expected


def test_norm():
    assert norm("Security") == "security"
    assert norm("1,987.5") == "0,000.0"
    assert norm("Don’t") == "don't"
    assert norm("1980s") == "0000s"


def test_empty_and_whitespace():
    assert split_sentences("") == []
    assert split_sentences(" \n\t \n") == []
    assert tokenize("") == []


def test_no_sentence_is_longer_than_the_cap():
    text = ("word " * 2000).strip()  # a 10,000-character run-on sentence
    sents = split_sentences(text)
    assert all(len(s.text) <= MAX_SENTENCE_CHARS for s in sents)
    assert sents[0].truncated
    assert " ".join(s.text for s in sents) == text


def test_huge_single_line_without_spaces():
    text = "x" * 50_000
    sents = split_sentences(text)
    assert "".join(s.text for s in sents) == text
    assert all(len(s.text) <= MAX_SENTENCE_CHARS for s in sents)


def test_control_characters_and_replacement_chars_do_not_crash():
    text = "Bad \ufffd\ufffd bytes here.\x0c Next one\x00 is fine."
    sents = split_sentences(text)
    assert len(sents) == 2
    assert sents[0].text == "Bad \ufffd\ufffd bytes here."


@pytest.mark.slow
def test_fifty_megabyte_single_line():
    # minified script or base64 pasted as "text": one 50 MB line without spaces
    text = "x" * 50_000_000
    sents = split_sentences(text)
    assert sum(len(s.text) for s in sents) == len(text)
    assert max(len(s.text) for s in sents) == MAX_SENTENCE_CHARS
    assert all(s.truncated for s in sents[:-1])
