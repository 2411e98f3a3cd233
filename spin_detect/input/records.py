"""Records of a crawled corpus: folders of text/HTML, JSONL, CSV and WARC files.

:func:`iter_records` turns the inputs of an audit into a stream of
:class:`Record` objects, one per input record, in a fixed order (inputs as
given; folders walked in sorted order; records in file order), so two runs over
the same inputs number the records identically (``seq``), which is what makes
``--resume`` and the Dask run line up with a local run.

Nothing is dropped: a file, line, row or WARC record that cannot be read
becomes a record with ``error`` set, and a file that breaks off in the middle
(truncated gzip, malformed WARC) ends with one error record saying where.
Reading is streaming: one record's text in memory at a time, each capped at
:data:`~spin_detect.input.decode.MAX_DOCUMENT_BYTES`.

A hostile record is an error record too, never an exception, and the next
record is read: a JSONL line nested deeper than :data:`MAX_JSON_DEPTH` or of
more than :data:`MAX_JSON_VALUES` values (both found before parsing, so the
same line gives the same row in any process), a number Python does not
convert, an id or URL over :data:`MAX_FIELD_CHARS`; a CSV record that is too
big (:mod:`spin_detect.input.csvrows`); a WARC record over the limits
(:mod:`spin_detect.input.warc`).

The payload is kept raw (bytes or str): decoding and HTML-to-text extraction
happen in :func:`prepare_record`, which the scoring workers call, so that the
reading process never becomes the bottleneck.

Which files a folder walk picks up, and how files are opened, is
:mod:`spin_detect.input.files`; WARC files are read by :mod:`spin_detect.input.warc`.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import IO

from spin_detect.input.csvrows import iter_csv_records
from spin_detect.input.errors import InputError, scrub
from spin_detect.input.files import (
    CONTAINER_FORMATS,
    MAX_DOCUMENT_BYTES,
    FoundFile,
    PathError,
    exception_reason,
    iter_files,
    open_binary,
    read_file,
    skip_blank_lines,
)
from spin_detect.input.jsonline import MAX_JSON_DEPTH, MAX_JSON_VALUES, json_type, parse_json_line
from spin_detect.input.markdown import is_markdown
from spin_detect.input.prepare import MAX_DOCUMENT_CHARS, PreparedDocument, document_kind, prepare_document
from spin_detect.input.warc import iter_warc

__all__ = ["MAX_FIELD_CHARS", "MAX_JSON_DEPTH", "MAX_JSON_VALUES", "InputOptions", "Record", "RecordCounter",
           "chunk_records", "iso_date", "iter_records", "prepare_record"]

_Stream = IO[bytes] | io.BufferedIOBase

#: An id or URL longer than this (characters) makes its record an error: it would be copied into every report.
MAX_FIELD_CHARS = 65_536


@dataclass
class InputOptions:
    """How records are read: field names for JSONL/CSV and HTML handling.

    ``html`` is ``auto`` (fields and files that look like HTML are converted to
    main text), ``yes`` (always) or ``no`` (never). ``date_field``: the JSONL/CSV
    field with the record's date (ISO 8601: ``2024-05-01``, ``2024-05-01T10:00:00Z``);
    a value that is not one is left out (the record is read, without a date).
    """

    text_field: str = "text"
    id_field: str = "id"
    url_field: str = "url"
    date_field: str = "date"
    html: str = "auto"
    max_bytes: int = MAX_DOCUMENT_BYTES


@dataclass
class Record:
    """One input record: where it came from and its raw payload, or why it could not be read."""

    seq: int
    id: str
    source: str
    url: str | None = None
    date: str | None = None
    payload: bytes | str | None = None
    kind: str = "text"  # text | html | auto
    charset: str | None = None
    error: str | None = None
    status: str = "ok"  # ok | error | skipped
    note: str | None = None  # what the reader should know of a record read (a WARC body that breaks off)


class RecordCounter:
    """Numbers the records of one :func:`iter_records` run (``seq``), and counts input bytes for progress."""

    def __init__(self, progress: Callable[[int], None] | None = None) -> None:
        self.seq = 0
        self.bytes = 0
        self.progress = progress

    def next(self) -> int:
        """The ``seq`` of the next record."""
        self.seq += 1
        return self.seq - 1

    def at(self, fh: _Stream) -> None:
        """Report the position in a container file being read (every 256 records)."""
        if self.progress is not None and self.seq % 256 == 0:
            raw: _Stream = getattr(fh, "fileobj", fh)  # a gzip stream: the position in the compressed file
            with contextlib.suppress(OSError, ValueError, AttributeError):
                self.progress(self.bytes + raw.tell())

    def done(self, nbytes: int) -> None:
        """A file of ``nbytes`` bytes was read to its end."""
        self.bytes += nbytes
        if self.progress is not None:
            self.progress(self.bytes)


def iter_records(paths: list[str], options: InputOptions | None = None,
                 progress: Callable[[int], None] | None = None, skip: Collection[str] = ()) -> Iterator[Record]:
    """Yield every record of ``paths`` (files, folders, ``-`` for JSONL on stdin) in a deterministic order.

    A file found in a folder has its path in the folder for id (``news/page.html``), prefixed with the folder as
    given when ``paths`` hold more than one folder (``siteA/story.txt``, ``siteB/story.txt``), so that files of
    the same name in two folders are told apart (a source matched by id names one of them).

    ``progress``, if given, is called with the number of input bytes consumed so far. Folder walks pass over
    the files of ``skip`` (:func:`~spin_detect.input.files.iter_files`).
    """
    opts = options or InputOptions()
    counter = RecordCounter(progress)
    # a file found in a folder is known by its path in that folder; with several folders, by the folder too
    several = sum(p != "-" and os.path.isdir(p) for p in paths) > 1
    for p in paths:
        if p == "-":
            yield from _jsonl_stream(sys.stdin.buffer, "<stdin>", counter, opts)
            continue
        folder = scrub(Path(os.path.normpath(p)).as_posix()) if several and os.path.isdir(p) else None
        for found in iter_files([p], skip=skip):
            if isinstance(found, PathError):
                rid = found.doc_id if found.doc_id is None or folder is None else f"{folder}/{found.doc_id}"
                yield Record(counter.next(), rid or found.where, found.where, status="error", error=str(found))
                continue
            if folder is not None:
                found = replace(found, doc_id=f"{folder}/{found.doc_id}")
            yield from _file(found, counter, opts)
            counter.done(_size(found.path))


def chunk_records(records: Iterable[Record], size: int, max_bytes: int = 32 << 20) -> Iterator[list[Record]]:
    """Records in lists of at most ``size`` records or about ``max_bytes`` of payload: the tasks sent to worker
    processes (the audit's scoring, the index's signatures)."""
    chunk: list[Record] = []
    nbytes = 0
    for rec in records:
        chunk.append(rec)
        nbytes += len(rec.payload) if rec.payload is not None else 0
        if len(chunk) >= size or nbytes >= max_bytes:
            yield chunk
            chunk, nbytes = [], 0
    if chunk:
        yield chunk


def prepare_record(rec: Record, max_chars: int | None = MAX_DOCUMENT_CHARS) -> PreparedDocument:
    """The text to score of an ``ok`` record: :func:`~spin_detect.input.prepare.prepare_document` of its payload.

    Raises :class:`~spin_detect.input.decode.InputError` for binary data or HTML without article text.
    """
    doc = prepare_document(rec.payload, rec.source, kind=rec.kind, charset=rec.charset, max_chars=max_chars)
    if rec.note:
        doc.notes.insert(0, rec.note)
    return doc


#: The first bytes of the generator tag of every HTML page spin-detect writes (:mod:`spin_detect.render.page`):
#: such a page is a report, not a document to audit.
REPORT_GENERATOR = '<meta name="generator" content="spin-detect'
_GENERATOR = REPORT_GENERATOR.encode()
#: Fields that make a JSONL record or a CSV header a row of a spin-detect report, not a document: every field of
#: an audit row's judgement, or exactly the fields of a sentence row (``spin_detect.audit.worker``; a test keeps
#: them in step). A report of an earlier run saved among the inputs is one skipped record, not rows of errors.
REPORT_ROW_FIELDS = frozenset({"seq", "id", "source", "status", "error", "likelihood", "verdict", "n_sentences",
                               "n_flagged", "top_evidence"})
SENTENCE_ROW_FIELDS = frozenset({"seq", "id", "index", "start", "end", "probability", "flagged", "evidence", "text"})


def _report_fields(fields: Collection[str]) -> bool:
    keys = set(fields)
    return keys >= REPORT_ROW_FIELDS or keys == SENTENCE_ROW_FIELDS


def _report_skipped(seq: int, src: str) -> Record:
    return Record(seq, src, src, status="skipped", error=f"{src}: rows of a spin-detect report (an earlier "
                                                             "audit's --out or --sentences), not documents; not read")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _file(found: FoundFile, counter: RecordCounter, opts: InputOptions) -> Iterator[Record]:
    path, doc_id, fmt = found.path, found.doc_id, found.format
    src = scrub(str(path))
    if fmt in CONTAINER_FORMATS:
        try:
            fh = open_binary(path)
        except OSError as exc:
            yield Record(counter.next(), doc_id, src, status="error", error=f"{src}: cannot open ({exc.strerror})")
            return
        with fh:
            if fmt == "jsonl":
                yield from _jsonl_stream(fh, src, counter, opts)
            elif fmt == "csv":
                tsv = src.lower().removesuffix(".gz").endswith(".tsv")
                yield from _csv_stream(fh, src, counter, opts, delimiter="\t" if tsv else ",")
            else:
                for doc in iter_warc(fh, src, opts.max_bytes, opts.html):
                    yield Record(counter.next(), doc.id or doc.where, doc.where, doc.url, doc.date, doc.payload,
                                 doc.kind, doc.charset, doc.error, doc.status, doc.note)
                    counter.at(fh)
        return
    seq = counter.next()
    try:
        data = read_file(path, opts.max_bytes)
    except InputError as exc:
        yield Record(seq, doc_id, src, status="error", error=str(exc))
        return
    if fmt == "html" and _GENERATOR in data[:4096]:  # a report of an earlier run, saved among the inputs
        yield Record(seq, doc_id, src, status="skipped", error=f"{src}: a report page spin-detect wrote, not a "
                                                                "document")
        return
    yield Record(seq, doc_id, src, payload=data, kind=document_kind(opts.html, fmt, is_markdown(src)))


def _from_fields(obj: dict[str, object], seq: int, where: str, opts: InputOptions) -> Record:
    """A record from a JSON object or CSV row; errors for missing or non-string fields."""
    raw_id = obj.get(opts.id_field)
    doc_id = scrub(str(raw_id)) if raw_id not in (None, "") else where
    url = obj.get(opts.url_field)
    url = scrub(url) if isinstance(url, str) and url else None
    date = iso_date(obj.get(opts.date_field))
    for name, value in ((opts.id_field, doc_id), (opts.url_field, url)):
        if value is not None and len(value) > MAX_FIELD_CHARS:
            return Record(seq, where, where, status="error",
                          error=f"{where}: field {name!r} of {len(value):,} characters is over the "
                                f"{MAX_FIELD_CHARS:,} limit")
    text = obj.get(opts.text_field)
    if opts.text_field not in obj:
        return Record(seq, doc_id, where, url, status="error", error=f"{where}: no {opts.text_field!r} field")
    if not isinstance(text, str):
        return Record(seq, doc_id, where, url, status="error",
                      error=f"{where}: field {opts.text_field!r} is {json_type(text)}, not a string")
    if len(text) > opts.max_bytes:
        return Record(seq, doc_id, where, url, status="error",
                      error=f"{where}: text of {len(text):,} characters is over the {opts.max_bytes:,} limit")
    return Record(seq, doc_id, where, url, date, payload=text, kind=document_kind(opts.html))


#: Longest date string read from a JSONL/CSV field (an ISO 8601 date and time with fractions and offset is 32).
_MAX_DATE_CHARS = 64


def iso_date(value: object) -> str | None:
    """``value`` stripped when it is an ISO 8601 date or date and time (``2024-05-01``, ``2024-05-01T10:00Z``:
    what :meth:`datetime.datetime.fromisoformat` reads, with ``Z`` for UTC), else None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > _MAX_DATE_CHARS:
        return None
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return text


def _jsonl_stream(fh: _Stream, src: str, counter: RecordCounter, opts: InputOptions) -> Iterator[Record]:
    line_no, line = 0, b""
    first = True  # no record read yet
    try:
        while True:
            line = fh.readline(opts.max_bytes + 1)
            if not line:
                break
            line_no += 1
            where = f"{src}:{line_no}"
            if not line.endswith(b"\n") and len(line) <= opts.max_bytes:
                fh.read(1)  # the last line: a stream cut off inside it (truncated gzip) says so here, on its line
            if len(line) > opts.max_bytes and not line.endswith(b"\n"):
                while line and not line.endswith(b"\n"):  # skip the rest of the over-long line
                    line = fh.readline(1 << 20)
                yield Record(counter.next(), where, where, status="error",
                             error=f"{where}: line over the {opts.max_bytes:,}-byte limit")
                continue
            if not line.strip():  # blank lines are not records in JSONL; a run of them is skipped at once
                line_no += skip_blank_lines(fh)
                continue
            obj, problem = parse_json_line(line)
            if problem is not None:
                yield Record(counter.next(), where, where, status="error", error=f"{where}: {problem}")
                continue
            if not isinstance(obj, dict):
                yield Record(counter.next(), where, where, status="error",
                             error=f"{where}: a JSON {type(obj).__name__}, not an object")
                continue
            if first and _report_fields(obj):
                yield _report_skipped(counter.next(), src)
                return
            first = False
            yield _from_fields(obj, counter.next(), where, opts)
            counter.at(fh)
    except (OSError, EOFError, zlib.error) as exc:
        at = line_no if line and not line.endswith(b"\n") else line_no + 1  # in the line cut, or after the last
        where = f"{src}:{at}"
        yield Record(counter.next(), where, where, status="error",
                     error=f"{where}: file breaks off here ({exception_reason(exc)}); the rest of the file was "
                           "not read")


def _csv_stream(fh: io.BufferedIOBase, src: str, counter: RecordCounter, opts: InputOptions, delimiter: str
                ) -> Iterator[Record]:
    header: list[str] | None = None
    number = 1
    try:
        for rec in iter_csv_records(fh, opts.max_bytes, delimiter):
            number = rec.number
            if header is None:
                if rec.fields is None:
                    yield Record(counter.next(), src, src, status="error",
                                 error=f"{src}: the header is a {rec.error}; the file was not read")
                    return
                header = rec.fields
                if _report_fields(header):
                    yield _report_skipped(counter.next(), src)
                    return
                if opts.text_field not in header:
                    yield Record(counter.next(), src, src, status="error",
                                 error=f"{src}: no {opts.text_field!r} column (columns: "
                                       f"{', '.join(' '.join(h[:100].split()) for h in header[:20])})")
                    return
                continue
            where = f"{src}:row {rec.number - 1}"
            if rec.fields is None:
                yield Record(counter.next(), where, where, status="error",
                             error=f"{where}: {rec.error}; skipped to the next record")
            elif not rec.fields or (len(rec.fields) == 1 and not rec.fields[0].strip()):
                continue  # blank lines are not rows; a row of empty cells (",,") is, with no text
            elif len(rec.fields) != len(header):
                yield Record(counter.next(), where, where, status="error",
                             error=f"{where}: {len(rec.fields)} fields, the header has {len(header)}")
            else:
                yield _from_fields(dict(zip(header, rec.fields)), counter.next(), where, opts)
            counter.at(fh)
        if header is None:
            yield Record(counter.next(), src, src, status="error", error=f"{src}: empty CSV file (no header)")
    except (OSError, EOFError, zlib.error) as exc:
        where = f"{src}:row {number}" if header is not None else src
        yield Record(counter.next(), where, where, status="error",
                     error=f"{where}: file breaks off here ({exception_reason(exc)}); the rest of the file was "
                           "not read")
