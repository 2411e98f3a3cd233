"""Reading crawled corpora: every record found once, in a fixed order, errors kept as records."""

from __future__ import annotations

import gzip
import io
import json
import os
import random

import pytest
from corpus_fixtures import ORIGINAL, SPUN, article_html, make_corpus, write_warc

from spin_detect.input.errors import InputError
from spin_detect.input.files import file_format
from spin_detect.input.records import InputOptions, Record, iter_records, prepare_record


def prepare_text(rec):
    doc = prepare_record(rec, max_chars=None)
    return doc.text, doc.title


def _summary(records):
    return [(r.seq, r.id, r.status) for r in records]


def test_folder_walk_finds_every_record_once_in_a_fixed_order(tmp_path):
    info = make_corpus(tmp_path)
    first = list(iter_records([str(info["folder"])]))
    assert len(first) == info["records"]
    assert [r.seq for r in first] == list(range(len(first)))
    assert _summary(first) == _summary(iter_records([str(info["folder"])]))
    ids = {r.id for r in first}
    assert {"news/a.txt", "news/deep/b.txt.gz", "news/page.html", "empty.txt", "j1", "c1"} <= ids
    assert not any("ignored.bin" in r.source for r in first)


def test_errors_are_records_with_a_location(tmp_path):
    info = make_corpus(tmp_path)
    by_source = {r.source.replace(str(info["folder"]) + "/", ""): r for r in iter_records([str(info["folder"])])}
    assert by_source["feed.jsonl.gz:2"].status == "error" and "not valid JSON" in by_source["feed.jsonl.gz:2"].error
    assert "field 'text' is null, not a string" in by_source["feed.jsonl.gz:3"].error
    assert "JSON list, not an object" in by_source["feed.jsonl.gz:5"].error
    assert "4 fields, the header has 3" in by_source["table.csv:row 2"].error
    skipped = [r for r in by_source.values() if r.status == "skipped"]
    assert len(skipped) == 1 and "image/png" in skipped[0].error


@pytest.mark.parametrize("line, says", [(b'{"id": "b", "text": "The talks will res', "cut off?"),
                                        (b'{"id": "c", "text": "ok"', "cut off?"),
                                        (b'{"id": "d", "text": "ok"}}', "Extra data"),
                                        (b'{"id": "e", "text": "o\tk"}', "Invalid control character")])
def test_a_cut_off_jsonl_line_is_called_so(tmp_path, line, says):
    feed = tmp_path / "f.jsonl"
    feed.write_bytes(line + b"\n")
    (rec,) = iter_records([str(feed)])
    assert rec.status == "error" and "not valid JSON" in rec.error and says in rec.error
    assert ("cut off?" in rec.error) == (says == "cut off?")


def test_csv_keeps_embedded_newlines_and_quotes(tmp_path):
    info = make_corpus(tmp_path)
    rows = [r for r in iter_records([str(info["folder"] / "table.csv")]) if r.status == "ok"]
    assert rows[0].payload.count("\n") >= 2
    assert rows[1].payload == 'He said "no" twice, then left the room.'
    assert rows[1].url == "https://news.example.org/c3"


def test_csv_without_text_column_is_one_error(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("id,body\n1,hello\n")
    (rec,) = iter_records([str(p)])
    assert rec.status == "error" and "no 'text' column" in rec.error
    recs = list(iter_records([str(p)], InputOptions(text_field="body")))
    assert recs[0].payload == "hello"


def test_jsonl_field_names_are_configurable(tmp_path):
    p = tmp_path / "t.jsonl"
    p.write_text(json.dumps({"doc": "d1", "content": ORIGINAL, "link": "https://x.example/a"}) + "\n")
    (rec,) = iter_records([str(p)], InputOptions(text_field="content", id_field="doc", url_field="link"))
    assert (rec.id, rec.url, rec.payload) == ("d1", "https://x.example/a", ORIGINAL)


def test_truncated_gzip_keeps_complete_records_then_reports_the_break(tmp_path):
    lines = [json.dumps({"id": f"d{i}", "text": ORIGINAL}) for i in range(200)]
    data = gzip.compress(("\n".join(lines) + "\n").encode())
    p = tmp_path / "cut.jsonl.gz"
    p.write_bytes(data[: len(data) - 40])
    recs = list(iter_records([str(p)]))
    assert recs[-1].status == "error" and "breaks off" in recs[-1].error
    assert sum(r.status == "ok" for r in recs) >= 150
    assert [r.seq for r in recs] == list(range(len(recs)))


def test_warc_response_records_with_url_date_and_charset(tmp_path):
    info = make_corpus(tmp_path)
    recs = list(iter_records([str(info["folder"] / "crawl.warc.gz")]))
    assert [r.status for r in recs] == ["ok", "skipped", "ok"]
    assert recs[0].url == "https://news.example.org/talks" and recs[0].date.startswith("20")
    assert recs[0].id.startswith("<urn:uuid:")
    text, title = prepare_text(recs[2])  # windows-1252 bytes, charset from the HTTP header
    assert title == "Talks to resume" and "Officers mentioned" in text and "tracking" not in text


@pytest.mark.parametrize("gz", [True, False])
def test_truncated_warc_keeps_earlier_records_and_reports_where(tmp_path, gz):
    suffix = ".warc.gz" if gz else ".warc"
    full = tmp_path / f"full{suffix}"
    pages = [(f"https://news.example.org/{i}", article_html(ORIGINAL).encode(), "text/html") for i in range(6)]
    write_warc(full, pages)
    data = full.read_bytes()
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(data[: int(len(data) * 0.7)])
    recs = list(iter_records([str(cut)]))
    assert recs[-1].status == "error" and "truncated WARC" in recs[-1].error
    assert 2 <= sum(r.status == "ok" for r in recs) <= 5


def test_garbage_warc_is_one_error(tmp_path):
    p = tmp_path / "bad.warc"
    p.write_bytes(b"this is not a warc file\n" * 20)
    (rec,) = iter_records([str(p)])
    assert rec.status == "error" and "WARC" in rec.error


def test_missing_input_and_broken_symlinks_are_errors(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "loop.txt").symlink_to(d / "loop.txt")
    (d / "sub").symlink_to(d)  # a folder loop: not followed
    (d / "ok.txt").write_text(ORIGINAL)
    recs = list(iter_records([str(d), str(tmp_path / "missing")]))
    assert [r.status for r in recs] == ["error", "ok", "error"]
    assert "cannot read" in recs[0].error and "no such file" in recs[2].error


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_file_and_folder_are_errors(tmp_path):
    d = tmp_path / "d"
    (d / "locked").mkdir(parents=True)
    (d / "secret.txt").write_text(ORIGINAL)
    (d / "secret.txt").chmod(0)
    (d / "locked").chmod(0)
    try:
        recs = list(iter_records([str(d)]))
    finally:
        (d / "locked").chmod(0o755)
        (d / "secret.txt").chmod(0o644)
    assert sorted(r.status for r in recs) == ["error", "error"]


def test_prepare_text_refuses_binary_and_scriptonly_html():
    with pytest.raises(InputError, match="binary"):
        prepare_text(Record(0, "x", "x", payload=b"\0\0\0abc"))
    with pytest.raises(InputError, match="no article text"):
        prepare_text(Record(0, "x", "x", payload="<html><script>x()</script></html>", kind="html"))
    assert prepare_text(Record(0, "x", "x", payload=SPUN, kind="auto")) == (SPUN, None)


def test_file_format():
    assert file_format("a/b.JSONL.gz") == "jsonl"
    assert file_format("x.warc.gz") == "warc"
    assert file_format("x.tsv") == "csv"
    assert file_format("x.pdf") is None


def test_a_csv_row_of_empty_cells_is_a_record_and_tsv_is_told_by_the_suffix(tmp_path):
    table = tmp_path / "exports.tsv.d" / "pages.csv"
    table.parent.mkdir()
    table.write_text("id,url,text\na,,The talks resume.\n,,\n\n  \nb,,Next.\n")
    recs = list(iter_records([str(table.parent)]))
    assert [(r.source.rsplit(":", 1)[-1], r.status) for r in recs] == [("row 1", "ok"), ("row 2", "ok"),
                                                                        ("row 5", "ok")]
    assert prepare_record(recs[1]).blank  # the empty row: a record with no text (verdict 'empty'), not dropped
    tsv = tmp_path / "t.tsv.gz"
    tsv.write_bytes(gzip.compress(b"id\ttext\nx\tThe talks resume.\n"))
    (rec,) = iter_records([str(tsv)])
    assert rec.status == "ok" and rec.id == "x"


def test_jsonl_cut_off_and_windows_1252(tmp_path):
    whole = b"".join(json.dumps({"id": f"r{i}", "text": "The talks resume next week."}).encode() + b"\n"
                     for i in range(3))
    rng = random.Random(0)
    noise = "".join(rng.choice("abcdefghij ") for _ in range(5000)).encode()
    cut = gzip.compress(whole + b'{"id": "r3", "text": "' + noise + b'"}\n')[:-1000]
    (tmp_path / "cut.jsonl.gz").write_bytes(cut)
    recs = list(iter_records([str(tmp_path / "cut.jsonl.gz")]))
    assert [r.status for r in recs] == ["ok", "ok", "ok", "error"]  # one row where it breaks off, not two
    assert recs[-1].source.endswith("cut.jsonl.gz:4") and "file breaks off here" in recs[-1].error
    (tmp_path / "last.jsonl").write_bytes(whole + b'{"id": "r3", "text": "The talks res')
    assert "cut off?" in list(iter_records([str(tmp_path / "last.jsonl")]))[-1].error
    (tmp_path / "cp.jsonl").write_bytes(b'{"id": "p", "text": "A \xa3100 fee for the caf\xe9."}\n')
    (rec,) = iter_records([str(tmp_path / "cp.jsonl")])
    assert rec.status == "ok" and rec.payload == "A \u00a3100 fee for the caf\u00e9."


def test_a_warc_payload_compressed_in_an_unsupported_way_is_an_error_that_says_so(tmp_path):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = tmp_path / "br.warc"
    with open(path, "wb") as f:
        w = WARCWriter(f, gzip=False)
        for enc, body in (("br", b"\x8b\x07\x80<html>compressed</html>\x03"), ("gzip", gzip.compress(b"<p>Hi.</p>"))):
            hh = StatusAndHeaders("200 OK", [("Content-Type", "text/html"), ("Content-Encoding", enc)],
                                  protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(f"https://a.example/{enc}", "response", payload=io.BytesIO(body),
                                                http_headers=hh))
    br, gz = iter_records([str(path)])
    assert br.status == "error" and "Content-Encoding br is not supported" in br.error
    assert gz.status == "ok" and b"Hi." in gz.payload


def test_a_warc_gz_record_is_named_by_its_gzip_member_offset_as_warcio_names_it(tmp_path):
    from warcio.archiveiterator import ArchiveIterator

    path = tmp_path / "c.warc.gz"
    write_warc(path, [(f"https://a.example/{i}", article_html(ORIGINAL).encode(), "text/html") for i in range(3)])
    with open(path, "rb") as f:
        it = ArchiveIterator(f)
        want = [f"{path}@{it.get_record_offset()}" for r in it if r.rec_type == "response"]
    assert [r.source for r in iter_records([str(path)])] == want
    plain = tmp_path / "c.warc"
    plain.write_bytes(gzip.decompress(path.read_bytes()))
    offsets = [int(r.source.rsplit("@", 1)[1]) for r in iter_records([str(plain)])]
    assert [plain.read_bytes()[o:o + 8] for o in offsets] == [b"WARC/1.0"] * 3  # uncompressed: the offset there


def test_a_warc_body_whose_compression_breaks_off_is_scored_with_a_note(tmp_path):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    rng = random.Random(1)
    words = " ".join(rng.choice(["talks", "resume", "week", "Geneva", "officials", "said"]) for _ in range(3000))
    body = gzip.compress(f"<html><body><p>{words}.</p></body></html>".encode())
    path = tmp_path / "cut.warc"
    with open(path, "wb") as f:
        w = WARCWriter(f, gzip=False)
        for name, payload in (("cut", body[: len(body) // 2]), ("whole", body)):
            hh = StatusAndHeaders("200 OK", [("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
                                  protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(f"https://a.example/{name}", "response", payload=io.BytesIO(payload),
                                                http_headers=hh))
    cut, whole = iter_records([str(path)])
    assert cut.status == whole.status == "ok" and whole.note is None
    assert cut.note.startswith("the gzip-compressed HTTP body breaks off: scored on the ")
    assert prepare_record(cut).notes[0] == cut.note and prepare_record(whole).notes == []


def test_warc_responses_that_are_not_2xx_are_skipped_with_their_status(tmp_path):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = tmp_path / "s.warc.gz"
    with open(path, "wb") as f:
        w = WARCWriter(f, gzip=True)
        for status in ("200 OK", "404 Not Found", "301 Moved Permanently", "503 Service Unavailable"):
            hh = StatusAndHeaders(status, [("Content-Type", "text/html")], protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(f"https://a.example/{status[:3]}", "response",
                                                payload=io.BytesIO(article_html(ORIGINAL).encode()), http_headers=hh))
    recs = list(iter_records([str(path)]))
    assert [r.status for r in recs] == ["ok", "skipped", "skipped", "skipped"]
    assert "HTTP status 404 (a client error: the page was not served), not a document" in recs[1].error
    assert "301 (a redirect)" in recs[2].error and "503 (a server error)" in recs[3].error
