"""One walker, one suffix table, one gzip reader (spin_detect.input.files), for build-reference and audit alike."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest
from corpus_fixtures import ORIGINAL

from spin_detect.input.corpus import TextCorpus
from spin_detect.input.decode import read_text_file
from spin_detect.input.errors import InputError
from spin_detect.input.files import (
    FoundFile,
    PathError,
    file_format,
    input_size,
    iter_files,
    open_binary,
    read_file,
)
from spin_detect.input.records import iter_records

TRUNCATED = "truncated gzip file"


def _cut_gz(path: Path, data: bytes, cut: int = 30) -> Path:
    path.write_bytes(gzip.compress(data, mtime=0)[:-cut])
    return path


def test_truncated_text_gz_is_one_error_with_the_same_message_for_build_reference_and_audit(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(ORIGINAL)
    cut = _cut_gz(corpus / "cut.txt.gz", (ORIGINAL + "\n").encode() * 50)
    # build-reference's path: the file is skipped, with the reason; nothing of it is counted
    skipped: list[InputError] = []
    docs = TextCorpus([corpus], on_skip=skipped.append)
    assert [doc_id for doc_id, _ in docs] == ["a.txt"]
    assert (docs.read, docs.failed) == (1, 1)
    (build_error,) = map(str, skipped)
    assert build_error.startswith(f"{cut}: cannot read (EOFError: {TRUNCATED}")
    # audit's path: one error record, the same message, never a partial payload
    recs = list(iter_records([str(corpus)]))
    assert [(r.id, r.status) for r in recs] == [("a.txt", "ok"), ("cut.txt.gz", "error")]
    assert recs[1].error == build_error and recs[1].payload is None
    # score's path
    with pytest.raises(InputError) as exc:
        read_text_file(cut)
    assert str(exc.value) == build_error


def test_truncated_record_file_keeps_complete_records_then_one_error(tmp_path):
    lines = b"".join(json.dumps({"id": f"d{i}", "text": ORIGINAL}).encode() + b"\n" for i in range(40))
    cut = _cut_gz(tmp_path / "cut.jsonl.gz", lines, 20)
    recs = list(iter_records([str(cut)]))
    assert [r.status for r in recs[:-2]] == ["ok"] * (len(recs) - 2) and len(recs) >= 30  # then the cut line
    assert recs[-1].status == "error" and f"file breaks off here (EOFError: {TRUNCATED}" in recs[-1].error


def test_gzip_reader_gives_every_byte_before_the_break(tmp_path):
    data = bytes(range(256)) * 4000
    cut = _cut_gz(tmp_path / "x.bin.gz", data, 100)
    got = bytearray()
    with open_binary(cut) as f, pytest.raises(EOFError, match=TRUNCATED):
        while block := f.read(1000):
            got += block
    assert len(got) > 0.9 * len(data) and data.startswith(bytes(got))


@pytest.mark.parametrize("content, error", [
    (b"", "empty file: no gzip data"),
    (b"not gzip at all", "BadGzipFile: not valid gzip data"),
    (gzip.compress(b"one. ") + b"junk", "BadGzipFile"),
])
def test_bad_gzip_is_an_error(tmp_path, content, error):
    p = tmp_path / "x.txt.gz"
    p.write_bytes(content)
    with pytest.raises(InputError, match=error):
        read_file(p)
    (rec,) = iter_records([str(p)])
    assert rec.status == "error" and error in rec.error


def test_multi_member_gzip_with_padding_is_read_whole(tmp_path):
    p = tmp_path / "two.txt.gz"
    p.write_bytes(gzip.compress(b"first member. ") + gzip.compress(b"second member.") + b"\0" * 8)
    assert read_text_file(p) == "first member. second member."
    with open_binary(p) as f:
        assert f.readline() == b"first member. second member."


def test_one_suffix_table_for_both_walks(tmp_path):
    for name in ("a.txt", "b.MD", "c.text.gz", "d.html", "e.jsonl", "f.tsv", "g.warc.gz", "h.pdf", "i.gz"):
        (tmp_path / name).write_bytes(gzip.compress(b"") if name.endswith(".gz") else b"")
    found = [f for f in iter_files([tmp_path]) if isinstance(f, FoundFile)]
    assert [(f.doc_id, f.format) for f in found] == [
        ("a.txt", "text"), ("b.MD", "text"), ("c.text.gz", "text"), ("d.html", "html"), ("e.jsonl", "jsonl"),
        ("f.tsv", "csv"), ("g.warc.gz", "warc")]
    texts = [f.doc_id for f in iter_files([tmp_path], ("text",)) if isinstance(f, FoundFile)]
    assert texts == ["a.txt", "b.MD", "c.text.gz"] == [doc_id for doc_id, _ in TextCorpus([tmp_path])]
    assert file_format("x.pdf") is None
    # a file named directly is read whatever its suffix
    (named,) = iter_files([tmp_path / "h.pdf"])
    assert isinstance(named, FoundFile) and named.format == "text"


def test_walk_is_sorted_and_reports_missing_paths_in_place(tmp_path):
    root = tmp_path / "root"
    (root / "b").mkdir(parents=True)
    (root / "b" / "2.txt").write_text("two")
    (root / "a").mkdir()
    (root / "a" / "1.txt").write_text("one")
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing.txt")
    items = list(iter_files([tmp_path / "nope", root, tmp_path / "gone.txt", "/dev/null"]))
    assert isinstance(items[0], PathError) and "no such file or folder" in str(items[0])
    assert [i.doc_id for i in items[1:3]] == ["a/1.txt", "b/2.txt"]
    assert "broken symbolic link" in str(items[3]) and "not a regular file or folder" in str(items[4])


def test_read_file_refuses_folders_and_oversized_files(tmp_path):
    with pytest.raises(InputError, match="is a folder"):
        read_file(tmp_path)
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * 2000)
    with pytest.raises(InputError, match="over the 1,000-byte limit"):
        read_file(big, max_bytes=1000)
    bomb = tmp_path / "bomb.txt.gz"
    bomb.write_bytes(gzip.compress(b"a" * 5000))
    with pytest.raises(InputError, match=r"bomb.txt.gz \(decompressed\): over the 1,000-byte limit"):
        read_file(bomb, max_bytes=1000)


def test_input_size_counts_document_files(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"x" * 10)
    (tmp_path / "b.jsonl").write_bytes(b"y" * 5)
    (tmp_path / "skip.pdf").write_bytes(b"z" * 100)
    assert input_size([str(tmp_path), str(tmp_path / "missing")]) == 15


def test_stdin_reader_is_bounded(monkeypatch):
    from spin_detect.input.decode import read_input_text

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"caf\xe9 ok")))
    assert read_input_text("-") == ("café ok", "<stdin>")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"x" * 101)))
    with pytest.raises(InputError, match="<stdin>: over the 100-byte limit"):
        read_input_text("-", max_bytes=100)
