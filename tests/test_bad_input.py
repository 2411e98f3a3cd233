"""Bad input, fed to both ``score`` (one file) and ``audit`` (a corpus): issue 6, part 1.

Every case of :data:`CASES` goes through ``spin-detect score FILE`` and ``spin-detect audit FILE``:

* ``score`` either gives a verdict (exit 0; non-English text is ``out_of_scope``) or exits 2 with ONE line
  on stderr that names the input and says what is wrong, never a traceback;
* ``audit`` exits 0, writes exactly one row per input record (in order, errors included), and every
  error row says where and what.

The caps (bytes per document, characters per document, characters per sentence, JSONL line length) are
tested with small limits here and with real sizes in the ``slow`` tests (a 100 MB single-line file, a
sentence of a million characters), which also measure the peak memory of ``score``.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from corpus_fixtures import ORIGINAL, SPUN, article_html, write_warc
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import spin_detect.audit.worker as audit_worker
from spin_detect.audit import AuditOptions, run_audit
from spin_detect.cli.app import app
from spin_detect.input.decode import read_text_file
from spin_detect.input.errors import InputError
from spin_detect.input.files import read_limited
from spin_detect.input.records import InputOptions, Record, iter_records, prepare_record
from spin_detect.text.segment import MAX_SENTENCE_CHARS, split_sentences

ROOT = os.geteuid() == 0
GERMAN = ("Der Rat der Stadt hat am Montag beschlossen, dass die Schulen in der nächsten Woche wieder öffnen. "
          "Die Eltern sind darüber sehr froh, und die Lehrer auch. Der Bürgermeister bat aber um Vorsicht in den "
          "ersten Tagen, weil noch nicht alle Fragen geklärt sind.")
RUSSIAN = ("Городской совет в понедельник решил, что школы вновь откроются на следующей неделе. Родители "
           "довольны, учителя тоже, но мэр призвал к осторожности в первые дни.")
CHINESE = "市议会星期一决定，学校将于下周重新开放。家长们很高兴，老师们也很高兴，但是市长要求在最初几天保持谨慎。当局表示将继续关注局势。"
SPANISH = ("El consejo municipal decidió el lunes que las escuelas volverán a abrir la próxima semana. Los padres "
           "están contentos y los maestros también, pero el alcalde pidió prudencia en los primeros días.")


@pytest.fixture(autouse=True, scope="module")
def _one_openmp_thread():
    """Score with one OpenMP thread: on a busy 2-core machine, waking a second thread for each of the
    classifier's trees made a 20 ms score take 5 s."""
    from threadpoolctl import threadpool_limits

    from spin_detect.audit.worker import DetectorSpec, load_spec

    load_spec(DetectorSpec())  # loads the classifier's OpenMP runtime: threadpoolctl limits loaded libraries only
    with threadpool_limits(1, user_api="openmp"):
        yield


# --------------------------------------------------------------------------- input builders

def _file(name: str, data: bytes | str) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        p = tmp / name
        p.write_bytes(data.encode() if isinstance(data, str) else data)
        return p
    return make


def _gz_cut(name: str, data: bytes, cut: int) -> Callable[[Path], Path]:
    return _file(name, gzip.compress(data, mtime=0)[:-cut])


def _warc(name: str, edit: Callable[[bytes, list[int]], bytes], n: int = 4, extra=()) -> Callable[[Path], Path]:
    """A WARC of ``n`` HTML responses (plus ``extra`` pages), then ``edit(data, record_offsets)``."""
    def make(tmp: Path) -> Path:
        full = tmp / ("full-" + name)
        pages = [(f"https://news.example.org/{i}", article_html(ORIGINAL).encode(), "text/html") for i in range(n)]
        write_warc(full, pages + list(extra), with_requests=False)
        from warcio.archiveiterator import ArchiveIterator

        offsets = []
        with open(full, "rb") as f:
            it = ArchiveIterator(f)
            for rec in it:
                rec.content_stream().read()
                offsets.append(it.get_record_offset())
        p = tmp / name
        p.write_bytes(edit(full.read_bytes(), offsets))
        full.unlink()
        return p
    return make


def _folder(setup: Callable[[Path], Path]) -> Callable[[Path], tuple[Path, Path]]:
    """``setup(folder)`` fills a folder and returns the file to score; the audit reads the folder."""
    def make(tmp: Path) -> tuple[Path, Path]:
        d = tmp / "in"
        d.mkdir()
        return setup(d), d
    return make


def _symlink_loop(d: Path) -> Path:
    (d / "ok.txt").write_text(ORIGINAL)
    (d / "loop.txt").symlink_to(d / "loop.txt")
    (d / "back").symlink_to(d)  # a folder loop: not followed by the walk
    return d / "loop.txt"


def _broken_symlink(d: Path) -> Path:
    (d / "gone.txt").symlink_to(d / "missing.txt")
    return d / "gone.txt"


def _through_folder_loop(d: Path) -> Path:
    (d / "ok.txt").write_text(ORIGINAL)
    (d / "back").symlink_to(d)
    return d / "back" / "back" / "ok.txt"


def _a_folder(d: Path) -> Path:
    (d / "ok.txt").write_text(ORIGINAL)
    return d


def _unreadable_file(d: Path) -> Path:
    p = d / "secret.txt"
    p.write_text(ORIGINAL)
    p.chmod(0)
    return p


def _unreadable_folder(d: Path) -> Path:
    (d / "locked").mkdir()
    (d / "locked" / "a.txt").write_text(ORIGINAL)
    (d / "locked").chmod(0)
    return d / "locked" / "a.txt"


def _non_utf8_name(d: Path) -> Path:
    p = Path(os.fsdecode(os.fsencode(d) + b"/caf\xe9.txt"))
    p.write_text(ORIGINAL)
    return p


def _nested_html() -> str:
    return "<html><body>" + "<div>" * 20_000 + article_html(ORIGINAL) + "</div>" * 5 + "</span></p></b>"


_BROKEN_HTML = ("<html><body><p>" + ORIGINAL.replace(". ", ". <b>", 1) + "</i></span><![if x]><p>" + SPUN
                + "<table><tr><td>cell<td>" + "</div>" * 50 + "<a href='x")

_JSONL_BROKEN = b"\n".join([
    json.dumps({"id": "ok1", "text": ORIGINAL}).encode(),
    b"{not json",
    b"",
    b"   ",
    b"[1, 2, 3]",
    b'"a string"',
    json.dumps({"id": "notext"}).encode(),
    json.dumps({"id": "num", "text": 5}).encode(),
    json.dumps({"id": "null", "text": None}).encode(),
    json.dumps({"id": "list", "text": ["x"]}).encode(),
    json.dumps({"id": "obj", "text": {"a": 1}}).encode(),
    b'{"id": "badutf8", "text": "caf\xe9"}',
    json.dumps({"id": "nul", "text": "abc\0def"}).encode(),
    json.dumps({"id": "ok2", "text": SPUN}).encode(),
    b'{"id": "torn", "te',
])

_CSV_ODD = (b'id,text\r\n'
            b'q1,"Multi\nline ""quoted"" text, with comma. ' + ORIGINAL.encode() + b'"\r\n'
            b'q2,unquoted "inner" quotes in a plain sentence about the council\r\n'
            b'q3,a"b,c\r\n'
            b'q4,"closing quote then junk"junk\r\n'
            b'q5,has\x00nul\r\n'
            b'\r\n'
            b'q1,"a duplicated id, then a field whose quote never closes\n' + SPUN.encode() + b'\n')


@dataclass
class Case:
    """``score``: ``"error:SUBSTRING"`` (exit 2, one line) or ``"verdict:A|B"`` (exit 0, verdict A or B).

    ``statuses``: the status of each audit row, in order (their number is the number of input records);
    ``error``: a substring every error/skipped row must hold.
    """

    name: str
    make: Callable[[Path], Path | tuple[Path, Path]]
    score: str
    statuses: tuple[str, ...] = ("ok",)
    error: str | None = None
    verdicts: tuple[str | None, ...] | None = None
    root_ok: bool = True  # False: root reads the file anyway, skip
    check: Callable[[dict], None] | None = None


def _check_mixed(report: dict) -> None:
    text = " ".join(s["text"] for s in report["sentences"])
    assert "café" in text and "“quoted”" in text and "naïve" in text


def _check_replacement_name(report: dict) -> None:
    assert "\ufffd" in report["input"]


CASES = [
    Case("empty file", _file("empty.txt", b""), "error:empty document", verdicts=("empty",)),
    Case("whitespace only", _file("ws.txt", " \n\t\r\n\u00a0\u3000 \n"), "error:empty document",
         verdicts=("empty",)),
    Case("a megabyte of newlines", _file("nl.txt", b"\n" * 1_000_000), "error:empty document", verdicts=("empty",)),
    Case("binary with NUL bytes", _file("bin.txt", bytes(range(256)) * 40), "error:binary data",
         ("error",), "binary"),
    Case("binary control bytes", _file("ctl.txt", bytes(range(1, 9)) * 500), "error:binary data", ("error",),
         "binary"),
    Case("invalid UTF-8 (Windows-1252)", _file("cp.txt", ORIGINAL.encode("cp1252") + b" caf\xe9 \x93no\x94."),
         "verdict:original"),
    Case("mixed encodings", _file("mixed.txt", "The café was naïve. ".encode() + b"He said \x93quoted\x94 twice. "
                                  + ORIGINAL.encode()), "verdict:original", check=_check_mixed),
    Case("UTF-16 with BOM", _file("u16.txt", ORIGINAL.encode("utf-16")), "verdict:original"),
    Case("UTF-16 without BOM", _file("u16le.txt", ORIGINAL.encode("utf-16-le")),
         "error:looks like UTF-16 (little-endian) text without a byte-order mark", ("error",), "without a byte-order"),
    Case("UTF-16 big-endian without BOM", _file("u16be.txt", ORIGINAL.encode("utf-16-be")),
         "error:looks like UTF-16 (big-endian)", ("error",), "UTF-16 (big-endian)"),
    Case("invalid UTF-16", _file("bad16.txt", b"\xff\xfeH\x00i\x00\x00\xd8!\x00"), "error:invalid UTF-16",
         ("error",), "UTF-16"),
    Case("NUL after the first 8 KiB", _file("latenul.txt", (ORIGINAL + " ") * 40 + "\0" + ORIGINAL),
         "verdict:original"),
    Case("deeply nested HTML", _file("nested.html", _nested_html()), "verdict:original"),
    Case("broken HTML", _file("broken.html", _BROKEN_HTML), "verdict:spun"),  # its second half is SPUN
    Case("HTML that is all script", _file("script.html", "<html><head><script>" + "var x = 1;\n" * 2000
                                          + "</script></head><body><script>run()</script></body></html>"),
         "error:no article text", ("error",), "no article text"),
    Case("HTML of menus only", _file("nav.html", "<html><body><nav>" + "<a href='/x'>Home</a> " * 50
                                     + "</nav><ul>" + "<li><a href=y>Link</a></li>" * 30 + "</ul></body></html>"),
         "error:no article text", ("error",), "no article text"),
    Case("HTML with an unclosed comment", _file("comment.html", "<html><body><!-- " + ORIGINAL),
         "error:no article text", ("error",), "no article text"),
    Case("German", _file("de.txt", GERMAN), "verdict:out_of_scope", verdicts=("out_of_scope",)),
    Case("Spanish", _file("es.txt", SPANISH), "verdict:out_of_scope", verdicts=("out_of_scope",)),
    Case("Russian", _file("ru.txt", RUSSIAN), "verdict:out_of_scope", verdicts=("out_of_scope",)),
    Case("Chinese", _file("zh.txt", CHINESE), "verdict:out_of_scope", verdicts=("out_of_scope",)),
    Case("punctuation only", _file("punct.txt", "!!! ??? ... --- *** !!!"), "verdict:too_short",
         verdicts=("too_short",)),
    Case("truncated gzip", _gz_cut("cut.txt.gz", (ORIGINAL + "\n").encode() * 50, 30), "error:cannot read", ("error",),
         "cannot read"),
    Case("not gzip at all", _file("fake.txt.gz", ORIGINAL), "error:cannot read", ("error",), "cannot read"),
    Case("truncated JSONL.gz", _gz_cut("cut.jsonl.gz", b"".join(
        json.dumps({"id": f"d{i}", "text": ORIGINAL}).encode() + b"\n" for i in range(40)), 20),
        "error:holds many records", ("ok",) * 37 + ("error",)),  # line 38 is cut in the middle: one row there
    Case("truncated WARC", _warc("cut.warc", lambda d, o: d[: o[2] + 100]), "error:holds many records",
         ("ok", "ok", "error"), "truncated WARC"),
    Case("truncated WARC.gz", _warc("cut.warc.gz", lambda d, o: d[: o[2] + 50]), "error:holds many records",
         ("ok", "ok", "error"), "truncated WARC"),
    Case("WARC with garbage between records", _warc("junk.warc", lambda d, o: d[: o[1]] + b"GARBAGE\r\n\r\n"
                                                    + d[o[1]:]), "error:holds many records", ("ok", "error"),
         "malformed"),
    Case("WARC record without Content-Length", _warc("nolen.warc", lambda d, o: d[: o[1]] + re.sub(
        rb"Content-Length: \d+\r\n", b"", d[o[1]: o[2]], count=1) + d[o[2]:]), "error:holds many records",
        ("ok", "error"), "Content-Length"),
    Case("WARC record declaring too many bytes", _warc("long.warc", lambda d, o: d[: o[3]] + d[o[3]:].replace(
        b"Content-Length: ", b"Content-Length: 9", 1)), "error:holds many records", ("ok", "ok", "ok", "error"),
        "breaks off"),
    Case("WARC with a bad version line", _warc("ver.warc", lambda d, o: d[: o[1]] + d[o[1]:].replace(
        b"WARC/1.0", b"WARC/9.9", 1)), "error:holds many records", ("ok", "error"), "malformed"),
    Case("WARC with an image", _warc("img.warc", lambda d, o: d, n=1, extra=[
        ("https://news.example.org/logo.png", b"\x89PNG\r\n\x1a\n\0\0", "image/png")]),
        "error:holds many records", ("ok", "skipped"), "is not a document"),
    Case("garbage named .warc", _file("garbage.warc", b"this is not a warc file\n" * 20),
         "error:holds many records", ("error",), "WARC"),
    Case("JSONL with broken lines and bad text fields", _file("broken.jsonl", _JSONL_BROKEN),
         "error:holds many records",
         ("ok", "error", "error", "error", "error", "error", "error", "error", "error", "ok", "error", "ok",
          "error")),  # badutf8: Windows-1252 bytes read as such, as in every other input
    Case("JSONL with lone surrogates", _file("sur.jsonl", '{"id": "x\\ud800", "url": "https://a.example/\\udfff", '
                                         '"text": "' + ORIGINAL + ' \\udc00 end."}\n'),
         "error:holds many records"),
    Case("JSONL with duplicated ids", _file("dup.jsonl", "".join(json.dumps({"id": "same", "text": t}) + "\n"
                                                                  for t in (ORIGINAL, SPUN, ORIGINAL))),
         "error:holds many records", ("ok", "ok", "ok")),
    Case("empty JSONL", _file("empty.jsonl", b"\n\n"), "error:holds many records", ()),
    Case("CSV with embedded newlines and odd quoting", _file("odd.csv", _CSV_ODD), "error:holds many records",
         ("ok", "ok", "error", "error", "error", "ok")),  # q4: text after a closing quote is malformed
    Case("CSV without a text column", _file("notext.csv", "id,body\n1,hello\n"), "error:holds many records",
         ("error",), "no 'text' column"),
    Case("empty CSV", _file("empty.csv", b""), "error:holds many records", ("error",), "empty CSV"),
    Case("TSV with BOM, CRLF and invalid UTF-8", _file("t.tsv", b"\xef\xbb\xbfid\ttext\r\nt1\tcaf\xe9 "
                                                      + ORIGINAL.encode() + b"\r\n"), "error:holds many records"),
    Case("symlink loop", _folder(_symlink_loop), "error:symbolic links", ("error", "ok"), "symbolic links"),
    Case("path through a folder loop", _folder(_through_folder_loop), "verdict:original"),
    Case("broken symlink", _folder(_broken_symlink), "error:broken symbolic link", ("error",), "broken symbolic link"),
    Case("a folder given to score", _folder(_a_folder), "error:is a folder"),
    Case("missing file", lambda tmp: tmp / "nope.txt", "error:No such file", ("error",), "no such file"),
    Case("file name that is not UTF-8", _folder(_non_utf8_name), "verdict:original",
         check=_check_replacement_name),
    Case("unreadable file", _folder(_unreadable_file), "error:Permission denied", ("error",), "Permission denied",
         root_ok=False),
    Case("unreadable folder", _folder(_unreadable_folder), "error:Permission denied", ("error",),
         "Permission denied", root_ok=False),
]


# --------------------------------------------------------------------------- the table, through both commands

def _one_line(stderr: str) -> str:
    err = stderr.strip()
    assert err and "\n" not in err and "Traceback" not in err, stderr
    return err


def _make(case: Case, tmp: Path) -> tuple[Path, Path]:
    if not case.root_ok and ROOT:
        pytest.skip("root reads files and folders whatever their permissions")
    made = case.make(tmp)
    return made if isinstance(made, tuple) else (made, made)


def _restore(tmp: Path) -> None:
    for dirpath, dirnames, filenames in os.walk(tmp):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            if not os.path.islink(p):
                os.chmod(p, 0o755)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_score(case, tmp_path):
    path, _ = _make(case, tmp_path)
    try:
        res = CliRunner().invoke(app, ["score", os.fsdecode(path), "--json"])
    finally:
        _restore(tmp_path)
    assert not isinstance(res.exception, Exception) or isinstance(res.exception, SystemExit), res.exception
    kind, want = case.score.split(":", 1)
    if kind == "error":
        assert res.exit_code == 2, res.output
        err = _one_line(res.stderr)
        assert want in err
        assert path.name.encode("utf-8", "replace").decode() in err or os.fsdecode(path) in err
        assert res.stdout == ""
    else:
        assert res.exit_code == 0, res.output
        report = json.loads(res.stdout)
        assert report["verdict"] in want.split("|")
        if report["verdict"] == "out_of_scope":
            assert "English" in report["notes"][-1]
        if case.check:
            case.check(report)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_audit(case, tmp_path):
    _, path = _make(case, tmp_path)
    out = tmp_path / "report.jsonl"
    try:
        res = CliRunner().invoke(app, ["audit", os.fsdecode(path), "--out", str(out), "--jobs", "1",
                                       "--chunk-size", "2", "--no-progress"])
    finally:
        _restore(tmp_path)
    if case.name == "missing file":  # a named path that does not exist is refused before any work (issue 17)
        assert res.exit_code == 2 and "no such file or folder" in _one_line(res.stderr)
        assert not out.exists() and not list(tmp_path.glob("*.partial")) and not list(tmp_path.glob("*.state.json"))
        return
    assert res.exit_code == 0, res.output
    assert "Traceback" not in res.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").split("\n")[:-1]]
    assert [r["seq"] for r in rows] == list(range(len(case.statuses)))  # every record once, in order
    assert tuple(r["status"] for r in rows) == case.statuses
    for r in rows:
        if r["status"] != "ok":
            assert r["error"] and "\n" not in r["error"]
            assert os.path.basename(r["source"].split("@")[0].split(":")[0]) in r["error"]
            if case.error:
                assert case.error in r["error"]
        elif r["verdict"] not in (None, "empty"):
            assert r["n_sentences"] >= 1
    if case.verdicts is not None:
        assert tuple(r["verdict"] for r in rows) == case.verdicts
    summary = f"{len(rows):,} record{'' if len(rows) == 1 else 's'}" + (":" if rows else "\n")
    assert summary in res.stderr  # the summary, on stderr
    assert not list(tmp_path.glob("*.partial")) and not list(tmp_path.glob("*.state.json"))


# --------------------------------------------------------------------------- stdin, devices, caps

@pytest.mark.parametrize("data, message", [(b"", "empty document"), (b"\0\1\2binary", "binary data"),
                                           (b"\xff\xfe\x00\xd8", "invalid UTF-16")])
def test_score_stdin_bad_input(data, message):
    res = CliRunner().invoke(app, ["score", "-"], input=data)
    assert res.exit_code == 2
    err = _one_line(res.stderr)
    assert message in err and "<stdin>" in err


def test_reading_is_bounded_whatever_the_file_claims(tmp_path):
    # a device reports size 0 and never ends: the read stops at the limit
    with pytest.raises(InputError, match="over the 1,000-byte limit"):
        read_text_file("/dev/zero", max_bytes=1000)
    with pytest.raises(InputError, match="over the 100-byte limit"):
        read_limited(io.BytesIO(b"x" * 101), 100, "<stdin>")
    assert read_limited(io.BytesIO(b"x" * 100), 100, "<stdin>") == b"x" * 100
    bomb = tmp_path / "bomb.txt.gz"
    bomb.write_bytes(gzip.compress(b"a " * 50_000))
    with pytest.raises(InputError, match=r"bomb.txt.gz \(decompressed\): over the 10,000-byte limit"):
        read_text_file(bomb, max_bytes=10_000)


def test_caps_are_reported_in_the_audit_rows(tmp_path, monkeypatch):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a-big.txt").write_bytes(b"word " * 1000)
    (d / "b-bomb.txt.gz").write_bytes(gzip.compress(b"word " * 1000))
    (d / "c-lines.jsonl").write_text(json.dumps({"id": "long", "text": "word " * 1000}) + "\n"
                                     + json.dumps({"id": "fine", "text": ORIGINAL}) + "\n")
    (d / "d-long.txt").write_text((ORIGINAL + " ") * 3)
    (d / "e-runon.txt").write_text(("the council met and " * 150).strip() + ".")
    monkeypatch.setattr(audit_worker, "MAX_DOCUMENT_CHARS", 500)
    out = tmp_path / "r.jsonl"
    run_audit(AuditOptions(inputs=[str(d)], out=str(out), input=InputOptions(max_bytes=4000)))
    rows = {r["id"]: r for r in map(json.loads, out.read_text().split("\n")[:-1])}
    assert len(rows) == 6
    assert "5,000 bytes is over the 4,000-byte limit" in rows["a-big.txt"]["error"]
    assert "decompressed): over the 4,000-byte limit" in rows["b-bomb.txt.gz"]["error"]
    assert "line over the 4,000-byte limit" in rows[f"{d}/c-lines.jsonl:1"]["error"]
    assert rows["fine"]["status"] == "ok"  # the line after the over-long one is read
    assert rows["d-long.txt"]["chars"] == 500 and "scored on its first 500" in rows["d-long.txt"]["notes"]
    assert rows["e-runon.txt"]["status"] == "ok"
    monkeypatch.undo()
    long_sentence = ("the council met and " * 150).strip() + "."
    assert len(long_sentence) > MAX_SENTENCE_CHARS
    res = CliRunner().invoke(app, ["score", "-", "--json"], input=long_sentence)
    assert res.exit_code == 0
    report = json.loads(res.stdout)
    assert report["n_sentences"] == 2 and any("cut into pieces of at most 2,000" in n for n in report["notes"])


def test_gzipped_text_is_read_to_its_end(tmp_path):
    """A .txt.gz bigger than one decompression block was cut at the block (bug found by this suite)."""
    import random

    rng = random.Random(0)
    words = (ORIGINAL + " " + SPUN).split()
    text = " ".join(rng.choice(words) for _ in range(120_000))
    p = tmp_path / "big.txt.gz"
    p.write_bytes(gzip.compress(text.encode()))
    assert p.stat().st_size > 1 << 17
    (rec,) = iter_records([str(p)])
    assert rec.payload == text.encode()


def test_runs_of_full_stops_split_in_linear_time():
    """"....x" made the sentence-end pattern backtrack quadratically (hours for a megabyte; found here)."""
    t0 = time.perf_counter()
    for text in ("." * 200_000 + "x", "!?" * 100_000 + "x", "…" * 100_000 + "x"):
        assert split_sentences(text)
    assert time.perf_counter() - t0 < 10


def test_mixed_encodings_decode_in_linear_time():
    """Every switch between UTF-8 and Windows-1252 used to cost a Python call per byte; now a stretch each."""
    from spin_detect.input.decode import decode_bytes

    t0 = time.perf_counter()
    alternating = ("é".encode() + b"\xe9 ") * 2_000_000  # 10 MB switching encoding every 4 bytes
    assert decode_bytes(alternating)[1] == "cp1252"  # too many switches: read as Windows-1252
    cp1252 = ("caf\xe9 \x93quoted\x94 " * 500_000).encode("latin-1") + "naïve".encode()
    text, enc = decode_bytes(cp1252)
    assert enc == "utf-8+cp1252" and text.startswith("café “quoted”") and text.endswith("naïve")
    assert time.perf_counter() - t0 < 5


def test_audit_out_path_that_is_a_folder_or_device_is_refused(tmp_path):
    (tmp_path / "in.txt").write_text(ORIGINAL)
    for out in (tmp_path, "/dev/null"):
        res = CliRunner().invoke(app, ["audit", str(tmp_path / "in.txt"), "--out", str(out), "-j", "1"])
        assert res.exit_code == 1
        assert "not a regular file" in _one_line(res.stderr)
    assert os.path.exists("/dev/null") and not os.path.isfile("/dev/null")


# --------------------------------------------------------------------------- properties

_SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(st.one_of(st.binary(max_size=600),
                 st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
                 st.lists(st.sampled_from([b"the ", b"council ", b"said ", b". ", b"\n", b"\xe9", b"\x93", b"\0",
                                           b"<p>", b"<script>", b"\xff\xfe", b"\x1b"]), max_size=60).map(b"".join)))
def test_any_bytes_as_a_file_never_traceback(data):
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "in.txt"
        p.write_bytes(data)
        res = CliRunner().invoke(app, ["score", str(p), "--json"])
    assert res.exit_code in (0, 2), (res.exception, res.output)
    if res.exit_code == 2:
        assert str(p) in _one_line(res.stderr)
    else:
        rep = json.loads(res.stdout)
        assert len(rep["sentences"]) == rep["n_sentences"] and (rep["verdict"] == "empty") == (rep["n_sentences"] == 0)
        if rep["verdict"] in ("too_short", "out_of_scope"):
            assert rep["notes"]  # the reason, for the reader
        elif rep["verdict"] != "empty" and rep["likelihood"] != rep["threshold"]:  # both rounded to 4 places
            assert rep["verdict"] == ("spun" if rep["likelihood"] > rep["threshold"] else "original")


_LINE = st.one_of(
    st.text(alphabet=st.characters(blacklist_characters="\n", blacklist_categories=("Cs",)), max_size=80),
    st.builds(lambda i, t: json.dumps({"id": i, "text": t}), st.one_of(st.integers(), st.text(max_size=5),
                                                                         st.none()),
              st.one_of(st.text(max_size=200), st.sampled_from([ORIGINAL, SPUN]), st.integers(), st.none())),
    st.sampled_from(["", "   ", "{", "[]", "null", '{"text": "<p>' + ORIGINAL + '</p>"}', '{"text": "\\ud800"}']),
)


@_SETTINGS
@given(st.lists(_LINE, max_size=12))
@example(['{"id": "\\u0085", "text": "line\\u2028separators\\u0085in a JSON string"}'])  # not line ends in JSONL
def test_any_jsonl_lines_give_one_row_per_non_blank_line(lines):
    data = "\n".join(lines).encode("utf-8")
    expected = sum(1 for line in data.split(b"\n") if line.strip())
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "in.jsonl"
        p.write_bytes(data)
        out = Path(tmp) / "r.jsonl"
        summary = run_audit(AuditOptions(inputs=[str(p)], out=str(out), chunk_size=3))
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").split("\n")[:-1]]
    assert len(rows) == expected == summary["records"]
    assert [r["seq"] for r in rows] == list(range(expected))
    assert all(r["status"] == "ok" or r["error"] for r in rows)


@_SETTINGS
@given(st.one_of(st.binary(max_size=400), st.text(max_size=400)), st.sampled_from(["html", "auto", "text"]),
       st.sampled_from([None, "utf-8", "no-such-charset", "utf-16"]))
def test_prepare_text_raises_only_input_error(payload, kind, charset):
    """Every record (any bytes or text, any declared kind and charset) gives text or an InputError."""
    try:
        text = prepare_record(Record(0, "x", "x", payload=payload, kind=kind, charset=charset), max_chars=None).text
    except InputError as exc:
        assert str(exc).startswith("x: ")
    else:
        assert isinstance(text, str)
        text.encode("utf-8")  # no lone surrogates


# --------------------------------------------------------------------------- large inputs (slow)

_PEAK = """
import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
sys.stderr.buffer.write(r.stderr)
sys.stdout.buffer.write(r.stdout)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)
"""
#: Peak resident memory allowed for ``score`` of a 100 MB single-line file (measured: about 0.6 GB).
SCORE_PEAK_LIMIT_KB = 1_500_000


def _peak(*args: str) -> tuple[int, int, str]:
    """Run ``python -m spin_detect ARGS`` in its own process; return (peak RSS in KiB, exit code, stdout)."""
    r = subprocess.run([sys.executable, "-c", _PEAK, sys.executable, "-m", "spin_detect", *args],
                       capture_output=True, timeout=300, text=True)
    *out, last = r.stdout.rstrip("\n").split("\n")
    rss, code = map(int, last.split())
    return rss, code, "\n".join(out)


@pytest.mark.slow
def test_100mb_single_line_file(tmp_path):
    p = tmp_path / "one-line.txt"
    unit = (ORIGINAL.replace(". ", ", and ") + " ").encode()
    with open(p, "wb") as f:
        block = unit * ((1 << 20) // len(unit) + 1)
        while f.tell() < 100 << 20:
            f.write(block)
    size = p.stat().st_size
    assert size >= 100 << 20 and b"\n" not in p.read_bytes()[:1 << 16]
    rss, code, out = _peak("score", str(p), "--json")
    assert code == 0
    report = json.loads(out)
    assert report["verdict"] == "original"  # ORIGINAL, over and over
    assert f"document of {size:,} characters scored on its first 1,000,000" in report["notes"][0]
    print(f"\npeak RSS of score on a {size / 2**20:.0f} MiB single-line file: {rss / 1024:.0f} MiB")
    assert rss < SCORE_PEAK_LIMIT_KB
    out_path = tmp_path / "r.jsonl"
    rss_audit, code, _ = _peak("audit", str(p), "--out", str(out_path), "--jobs", "1", "--no-progress")
    assert code == 0
    (row,) = [json.loads(line) for line in out_path.read_text().split("\n")[:-1]]
    assert row["status"] == "ok" and row["chars"] == 1_000_000 and "scored on its first" in row["notes"]
    print(f"peak RSS of audit on it: {rss_audit / 1024:.0f} MiB")
    assert rss_audit < SCORE_PEAK_LIMIT_KB


@pytest.mark.slow
def test_sentence_of_a_million_characters(tmp_path):
    clause = ORIGINAL.replace(".", ",") + " "
    text = (clause * (1_000_000 // len(clause) + 1))[:999_999].rstrip(", ") + "."
    text = text + "." * (1_000_000 - len(text))
    assert len(text) == 1_000_000 and text.count(". ") == 0
    p = tmp_path / "sentence.txt"
    p.write_text(text)
    res = CliRunner().invoke(app, ["score", str(p), "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["verdict"] == "original"  # ORIGINAL, over and over
    assert report["n_sentences"] >= 1_000_000 // MAX_SENTENCE_CHARS
    assert all(s["end"] - s["start"] <= MAX_SENTENCE_CHARS for s in report["sentences"])
    assert any("run-on sentence was cut" in n for n in report["notes"])
    out = tmp_path / "r.jsonl"
    run_audit(AuditOptions(inputs=[str(p)], out=str(out)))
    (row,) = [json.loads(line) for line in out.read_text().split("\n")[:-1]]
    assert row["status"] == "ok" and row["n_sentences"] == report["n_sentences"]
    assert row["likelihood"] == report["likelihood"]
