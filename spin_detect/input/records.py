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

The payload is kept raw (bytes or str): decoding and HTML-to-text extraction
happen in :func:`prepare_record`, which the scoring workers call, so that the
reading process never becomes the bottleneck.

Which files a folder walk picks up, and how files are opened, is
:mod:`spin_detect.input.files`; WARC files are read by :mod:`spin_detect.input.warc`.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from spin_detect.input.decode import MAX_DOCUMENT_BYTES, InputError, scrub
from spin_detect.input.files import (
    CONTAINER_FORMATS,
    FoundFile,
    PathError,
    exception_reason,
    iter_files,
    open_binary,
    read_file,
)
from spin_detect.input.prepare import MAX_DOCUMENT_CHARS, PreparedDocument, document_kind, prepare_document
from spin_detect.input.warc import iter_warc

__all__ = ["InputOptions", "Record", "RecordCounter", "iter_records", "prepare_record"]

_Stream = IO[bytes] | io.BufferedIOBase


@dataclass
class InputOptions:
    """How records are read: field names for JSONL/CSV and HTML handling.

    ``html`` is ``auto`` (fields and files that look like HTML are converted to
    main text), ``yes`` (always) or ``no`` (never).
    """

    text_field: str = "text"
    id_field: str = "id"
    url_field: str = "url"
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
                 progress: Callable[[int], None] | None = None) -> Iterator[Record]:
    """Yield every record of ``paths`` (files, folders, ``-`` for JSONL on stdin) in a deterministic order.

    ``progress``, if given, is called with the number of input bytes consumed so far.
    """
    opts = options or InputOptions()
    counter = RecordCounter(progress)
    for p in paths:
        if p == "-":
            yield from _jsonl_stream(sys.stdin.buffer, "<stdin>", counter, opts)
            continue
        for found in iter_files([p]):
            if isinstance(found, PathError):
                yield Record(counter.next(), found.where, found.where, status="error", error=str(found))
                continue
            yield from _file(found, counter, opts)
            counter.done(_size(found.path))


def prepare_record(rec: Record, max_chars: int | None = MAX_DOCUMENT_CHARS) -> PreparedDocument:
    """The text to score of an ``ok`` record: :func:`~spin_detect.input.prepare.prepare_document` of its payload.

    Raises :class:`~spin_detect.input.decode.InputError` for binary data or HTML without article text.
    """
    return prepare_document(rec.payload, rec.source, kind=rec.kind, charset=rec.charset, max_chars=max_chars)


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
                yield from _csv_stream(fh, src, counter, opts, delimiter="\t" if ".tsv" in src.lower() else ",")
            else:
                for doc in iter_warc(fh, src, opts.max_bytes, opts.html):
                    yield Record(counter.next(), doc.id or doc.where, doc.where, doc.url, doc.date, doc.payload,
                                 doc.kind, doc.charset, doc.error, doc.status)
                    counter.at(fh)
        return
    seq = counter.next()
    try:
        data = read_file(path, opts.max_bytes)
    except InputError as exc:
        yield Record(seq, doc_id, src, status="error", error=str(exc))
        return
    yield Record(seq, doc_id, src, payload=data, kind=document_kind(opts.html, fmt))


def _from_fields(obj: dict[str, object], seq: int, where: str, opts: InputOptions) -> Record:
    """A record from a JSON object or CSV row; errors for missing or non-string fields."""
    raw_id = obj.get(opts.id_field)
    doc_id = scrub(str(raw_id)) if raw_id not in (None, "") else where
    url = obj.get(opts.url_field)
    url = scrub(url) if isinstance(url, str) and url else None
    text = obj.get(opts.text_field)
    if opts.text_field not in obj:
        return Record(seq, doc_id, where, url, status="error", error=f"{where}: no {opts.text_field!r} field")
    if not isinstance(text, str):
        return Record(seq, doc_id, where, url, status="error",
                      error=f"{where}: field {opts.text_field!r} is {type(text).__name__}, not a string")
    if len(text) > opts.max_bytes:
        return Record(seq, doc_id, where, url, status="error",
                      error=f"{where}: text of {len(text):,} characters is over the {opts.max_bytes:,} limit")
    return Record(seq, doc_id, where, url, payload=text, kind=document_kind(opts.html))


def _jsonl_stream(fh: _Stream, src: str, counter: RecordCounter, opts: InputOptions) -> Iterator[Record]:
    line_no = 0
    try:
        while True:
            line = fh.readline(opts.max_bytes + 1)
            if not line:
                break
            line_no += 1
            where = f"{src}:{line_no}"
            if len(line) > opts.max_bytes and not line.endswith(b"\n"):
                while line and not line.endswith(b"\n"):  # skip the rest of the over-long line
                    line = fh.readline(1 << 20)
                yield Record(counter.next(), where, where, status="error",
                             error=f"{where}: line over the {opts.max_bytes:,}-byte limit")
                continue
            if not line.strip():
                continue  # blank lines are not records in JSONL
            try:
                obj = json.loads(line)
            except (ValueError, UnicodeDecodeError) as exc:
                yield Record(counter.next(), where, where, status="error", error=f"{where}: not valid JSON ({exc})")
                continue
            if not isinstance(obj, dict):
                yield Record(counter.next(), where, where, status="error",
                             error=f"{where}: a JSON {type(obj).__name__}, not an object")
                continue
            yield _from_fields(obj, counter.next(), where, opts)
            counter.at(fh)
    except (OSError, EOFError, zlib.error) as exc:
        where = f"{src}:{line_no + 1}"
        yield Record(counter.next(), where, where, status="error",
                     error=f"{where}: file breaks off here ({exception_reason(exc)}); the rest of the file was "
                           "not read")


def _csv_stream(fh: io.BufferedIOBase, src: str, counter: RecordCounter, opts: InputOptions, delimiter: str
                ) -> Iterator[Record]:
    csv.field_size_limit(max(opts.max_bytes, 1 << 20))
    text = io.TextIOWrapper(fh, encoding="utf-8-sig", errors="replace", newline="")  # type: ignore[type-var]
    reader = csv.reader(text, delimiter=delimiter)
    row_no = 0
    try:
        header = next(reader, None)
        if header is None:
            yield Record(counter.next(), src, src, status="error", error=f"{src}: empty CSV file (no header)")
            return
        if opts.text_field not in header:
            yield Record(counter.next(), src, src, status="error",
                         error=f"{src}: no {opts.text_field!r} column (columns: {', '.join(header[:20])})")
            return
        for row in reader:
            row_no += 1
            where = f"{src}:row {row_no}"
            if not any(cell.strip() for cell in row):
                continue  # blank lines are not rows
            if len(row) != len(header):
                yield Record(counter.next(), where, where, status="error",
                             error=f"{where}: {len(row)} fields, the header has {len(header)}")
                continue
            yield _from_fields(dict(zip(header, row)), counter.next(), where, opts)
            counter.at(fh)
    except csv.Error as exc:
        where = f"{src}:row {row_no + 1}"
        yield Record(counter.next(), where, where, status="error",
                     error=f"{where}: malformed CSV ({exc}); the rest of the file was not read")
    except (OSError, EOFError, zlib.error) as exc:
        where = f"{src}:row {row_no + 1}"
        yield Record(counter.next(), where, where, status="error",
                     error=f"{where}: file breaks off here ({exception_reason(exc)}); the rest of the file was "
                           "not read")
