"""One document made ready to score (spin_detect.input.prepare): the same text for score and for audit."""

from __future__ import annotations

import pytest
from corpus_fixtures import ORIGINAL, SPUN, article_html

from spin_detect.input.decode import read_input_text
from spin_detect.input.errors import InputError
from spin_detect.input.prepare import MAX_DOCUMENT_CHARS, PreparedDocument, document_kind, prepare_document
from spin_detect.input.records import InputOptions, Record, iter_records, prepare_record


@pytest.mark.parametrize("html, fmt, kind", [
    ("auto", "html", "html"), ("auto", "text", "auto"), ("auto", None, "auto"),
    ("yes", "text", "html"), ("yes", None, "html"), ("no", "html", "text"), ("no", None, "text"),
])
def test_document_kind(html, fmt, kind):
    assert document_kind(html, fmt) == kind


@pytest.mark.parametrize("name, content", [
    ("page.html", article_html(ORIGINAL)),
    ("page.txt", article_html(SPUN)),  # looks like HTML: read as HTML under auto
    ("plain.txt", ORIGINAL),
    ("notes.md", "# Notes\n\n" + SPUN),
    ("long.txt", (ORIGINAL + " ") * 20),
])
@pytest.mark.parametrize("html", ["auto", "yes", "no"])
def test_score_and_audit_prepare_a_file_alike(tmp_path, name, content, html):
    p = tmp_path / name
    p.write_text(content)
    text, where = read_input_text(str(p))  # what score reads
    try:
        scored = prepare_document(text, where, html, max_chars=500)
    except InputError as exc:
        scored = str(exc)
    (rec,) = iter_records([str(p)], InputOptions(html=html))  # what audit reads
    try:
        audited = prepare_record(rec, max_chars=500)
    except InputError as exc:
        audited = str(exc)
    if isinstance(scored, str) or isinstance(audited, str):
        assert scored == audited
        return
    assert (scored.text, scored.title, scored.kind, scored.notes, scored.blank) == (
        audited.text, audited.title, audited.kind, audited.notes, audited.blank)


def test_html_main_text_title_and_kind():
    doc = prepare_document(article_html(ORIGINAL).encode(), "page.html")
    assert doc.kind == "html" and doc.title == "Talks to resume" and doc.encoding == "utf-8"
    assert "Geneva" in doc.text and "tracking" not in doc.text and doc.notes == []
    assert prepare_document(article_html(ORIGINAL), "x", "no").kind == "text"


def test_cap_note_and_blank():
    doc = prepare_document("word " * 300, "x.txt", max_chars=1000)
    assert len(doc.text) == 1000 and doc.notes == ["document of 1,500 characters scored on its first 1,000"]
    assert prepare_document("word " * 300, "x.txt", max_chars=None).notes == []
    assert MAX_DOCUMENT_CHARS == 1_000_000
    assert prepare_document(" \n\n ", "x.txt").blank and prepare_document(b"", "x.txt").blank
    assert not prepare_document(ORIGINAL, "x.txt").blank


def test_bytes_use_the_declared_charset_then_the_decoder():
    cp = "café “quoted”".encode("cp1252")
    assert prepare_document(cp, "x", charset="windows-1252") == PreparedDocument(
        "café “quoted”", None, "text", "windows-1252")
    assert prepare_document(cp, "x", charset="no-such-charset").encoding == "cp1252"
    assert prepare_document(cp, "x", charset="utf-8").encoding == "cp1252"  # the charset is wrong: decode_bytes


def test_binary_and_empty_html_are_input_errors():
    with pytest.raises(InputError, match="x: binary data"):
        prepare_document(b"\0\0\0abc", "x")
    with pytest.raises(InputError, match="NUL characters"):
        prepare_document("\0abc", "x")
    with pytest.raises(InputError, match="no article text"):
        prepare_document("<html><script>x()</script></html>", "x.html")


def test_a_record_kind_wins_over_the_html_mode():
    rec = Record(0, "r", "feed.jsonl:1", payload=article_html(ORIGINAL), kind="text")
    assert prepare_record(rec).kind == "text"
    assert prepare_document(rec.payload, rec.source, "yes", kind="text").kind == "text"
