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
happen in :func:`prepare_text`, which the scoring workers call, so that the
reading process never becomes the bottleneck.

Which files a folder walk picks up, by suffix (case-insensitive, optionally
``.gz``): text ``.txt .text .md``; HTML ``.html .htm .xhtml``; JSONL ``.jsonl
.ndjson``; CSV ``.csv .tsv``; WARC ``.warc`` (and ``.warc.gz``). Other files
are not records and are ignored. A file named directly on the command line is
read whatever its suffix (unknown suffixes as text).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from spin_detect.input.decode import MAX_DOCUMENT_BYTES, InputError, decode_bytes, read_limited, scrub

__all__ = ["FORMATS", "InputOptions", "Record", "input_size", "iter_records", "prepare_text", "record_format"]

FORMATS = {
    "text": (".txt", ".text", ".md"),
    "html": (".html", ".htm", ".xhtml"),
    "jsonl": (".jsonl", ".ndjson"),
    "csv": (".csv", ".tsv"),
    "warc": (".warc",),
}


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


def record_format(path: str | os.PathLike[str]) -> str | None:
    """The format of a file by its suffix (``.gz`` stripped), or None."""
    name = str(path).lower()
    if name.endswith(".gz"):
        name = name[:-3]
    for fmt, suffixes in FORMATS.items():
        if name.endswith(suffixes):
            return fmt
    return None


def input_size(paths: list[str]) -> int | None:
    """Total bytes of the inputs (for progress and ETA); None when a folder is too big to walk quickly."""
    total = 0
    for p in paths:
        if os.path.isdir(p):
            n = 0
            for dirpath, _dirs, files in os.walk(p):
                for f in files:
                    if record_format(f):
                        with contextlib.suppress(OSError):
                            total += os.stat(os.path.join(dirpath, f)).st_size
                        n += 1
                if n > 200_000:
                    return None
        else:
            with contextlib.suppress(OSError):
                total += os.stat(p).st_size
    return total


class _Counter:
    """Record numbers, and input bytes consumed (for progress)."""

    def __init__(self, progress=None) -> None:
        self.seq = 0
        self.bytes = 0
        self.progress = progress

    def next(self) -> int:
        self.seq += 1
        return self.seq - 1

    def at(self, fh) -> None:
        """Report the position in a container file being read (every 256 records)."""
        if self.progress is not None and self.seq % 256 == 0:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                self.progress(self.bytes + getattr(fh, "fileobj", fh).tell())

    def done(self, nbytes: int) -> None:
        self.bytes += nbytes
        if self.progress is not None:
            self.progress(self.bytes)


def iter_records(paths: list[str], options: InputOptions | None = None, progress=None) -> Iterator[Record]:
    """Yield every record of ``paths`` (files and folders) in a deterministic order.

    ``progress``, if given, is called with the number of input bytes consumed so far.
    """
    opts = options or InputOptions()
    counter = _Counter(progress)
    for p in paths:
        root = Path(p)
        if p == "-":
            yield from _jsonl_stream(sys.stdin.buffer, "<stdin>", counter, opts)
        elif root.is_dir():
            yield from _walk(root, counter, opts)
        elif root.is_file():
            yield from _file(root, str(root), counter, opts, forced=True)
            counter.done(_size(root))
        else:
            name = scrub(str(p))
            try:
                os.stat(p)
                reason = "not a regular file or folder"
            except FileNotFoundError:
                reason = "no such file or folder" + (" (broken symbolic link)" if root.is_symlink() else "")
            except OSError as exc:
                reason = f"cannot read ({exc.strerror})"
            yield Record(counter.next(), name, name, error=f"{name}: {reason}", status="error")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _walk(root: Path, counter: _Counter, opts: InputOptions) -> Iterator[Record]:
    errors: list[OSError] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=errors.append):
        while errors:  # report unlistable folders where they are met
            yield _walk_error(errors.pop(0), counter)
        dirnames.sort()  # os.walk does not follow symlinked folders: no loops
        for name in sorted(filenames):
            if record_format(name) is None:
                continue
            full = Path(dirpath) / name
            yield from _file(full, scrub(full.relative_to(root).as_posix()), counter, opts, forced=False)
            counter.done(_size(full))
    while errors:
        yield _walk_error(errors.pop(0), counter)


def _walk_error(exc: OSError, counter: _Counter) -> Record:
    name = scrub(str(exc.filename))
    return Record(counter.next(), name, name, status="error", error=f"{name}: cannot list folder ({exc.strerror})")


class _Gunzip(io.BufferedIOBase):
    """Streaming gzip decompression (multi-member) that hands out every byte before a truncation.

    :class:`gzip.GzipFile` drops the data of the read call that meets the end
    of a truncated file; a crawl file cut short should still give all its
    complete records, then an error (EOFError) saying where it broke off: the
    error is raised only once everything before it has been read.
    """

    def __init__(self, raw, block: int = 1 << 16):
        super().__init__()
        self.fileobj = raw  # the compressed file (progress reads its position)
        self.block = block
        self.z = zlib.decompressobj(31)
        self.buf = bytearray()
        self.eof = False
        self.truncated = False

    def readable(self) -> bool:
        return True

    def _fill(self) -> bool:
        """Decompress one more block; False at the end of the data."""
        while not self.eof:
            data = self.fileobj.read(self.block)
            if not data:
                self.eof = True
                self.truncated = not self.z.eof
                return False
            while data:
                self.buf += self.z.decompress(data)
                data = b""
                if self.z.eof and self.z.unused_data.lstrip(b"\0"):  # the next gzip member
                    data = self.z.unused_data
                    self.z = zlib.decompressobj(31)
            if self.buf:
                return True
        return False

    def _take(self, n: int) -> bytes:
        if not self.buf and self.eof and self.truncated:
            self.truncated = False
            raise EOFError("compressed file ended before the end of its last gzip member")
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def read(self, n: int | None = -1) -> bytes:
        if n is None or n < 0:
            while self._fill():
                pass
            return self._take(len(self.buf))
        if not self.buf:
            self._fill()
        return self._take(n)

    read1 = read

    def readline(self, limit: int | None = -1) -> bytes:
        limit = -1 if limit is None else limit
        while True:
            i = self.buf.find(b"\n")
            if i >= 0 or (0 <= limit <= len(self.buf)) or not self._fill():
                break
        end = i + 1 if i >= 0 else len(self.buf)
        if limit >= 0:
            end = min(end, limit)
        return self._take(end)

    def close(self) -> None:
        self.fileobj.close()
        super().close()


def _open_binary(path: Path):
    f = open(path, "rb")  # noqa: SIM115 - closed by the callers' with-blocks
    if path.name.lower().endswith(".gz"):
        return _Gunzip(f)
    return f


def _file(path: Path, doc_id: str, counter: _Counter, opts: InputOptions, forced: bool) -> Iterator[Record]:
    fmt = record_format(path) or ("text" if forced else None)
    src = scrub(str(path))
    if fmt in ("jsonl", "csv", "warc"):
        try:
            fh = _open_binary(path)
        except OSError as exc:
            yield Record(counter.next(), doc_id, src, status="error", error=f"{src}: cannot open ({exc.strerror})")
            return
        with fh:
            if fmt == "jsonl":
                yield from _jsonl_stream(fh, src, counter, opts)
            elif fmt == "csv":
                yield from _csv_stream(fh, src, counter, opts, delimiter="\t" if ".tsv" in src.lower() else ",")
            else:
                yield from _warc_stream(fh, src, counter, opts)
        return
    seq = counter.next()
    kind = "html" if fmt == "html" and opts.html != "no" else ("auto" if opts.html != "no" else "text")
    if opts.html == "yes":
        kind = "html"
    try:
        size = path.stat().st_size
        if size > opts.max_bytes:
            raise InputError(f"{src}: {size:,} bytes is over the {opts.max_bytes:,}-byte limit per document")
        with _open_binary(path) as f:  # in blocks, to the end (gzip) and never past the limit (devices, bombs)
            data = read_limited(f, opts.max_bytes, src if not src.lower().endswith(".gz") else f"{src} (decompressed)")
    except InputError as exc:
        yield Record(seq, doc_id, src, status="error", error=str(exc))
        return
    except (OSError, EOFError, zlib.error) as exc:
        yield Record(seq, doc_id, src, status="error", error=f"{src}: cannot read ({_reason(exc)})")
        return
    yield Record(seq, doc_id, src, payload=data, kind=kind)


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or exc.__class__.__name__
    return f"{exc.__class__.__name__}: {' '.join(text.split())[:300]}"


def _field_kind(opts: InputOptions) -> str:
    return {"yes": "html", "no": "text"}.get(opts.html, "auto")


def _from_fields(obj: dict, seq: int, where: str, opts: InputOptions) -> Record:
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
    return Record(seq, doc_id, where, url, payload=text, kind=_field_kind(opts))


def _jsonl_stream(fh, src: str, counter: _Counter, opts: InputOptions) -> Iterator[Record]:
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
                     error=f"{where}: file breaks off here ({_reason(exc)}); the rest of the file was not read")


def _csv_stream(fh, src: str, counter: _Counter, opts: InputOptions, delimiter: str) -> Iterator[Record]:
    csv.field_size_limit(max(opts.max_bytes, 1 << 20))
    text = io.TextIOWrapper(fh, encoding="utf-8-sig", errors="replace", newline="")
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
                     error=f"{where}: file breaks off here ({_reason(exc)}); the rest of the file was not read")


_TEXT_TYPES = ("text/html", "application/xhtml", "text/plain", "application/xml", "text/xml")


_TAIL = 1 << 16


class _Guarded:
    """A binary stream that turns a read error (truncated gzip) into end of file and remembers it.

    warcio ends iteration quietly when its stream fails or ends inside a
    record; this wrapper lets :func:`_warc_stream` report where the file broke off.
    """

    def __init__(self, raw):
        self.raw = raw
        self.error: BaseException | None = None
        self.total = 0  # bytes handed out
        self.tail = bytearray()  # the last 64 KiB of them (at least)

    def _call(self, method, n: int) -> bytes:
        if self.error is not None:
            return b""
        try:
            data = method(n)
        except (OSError, EOFError, zlib.error) as exc:
            self.error = exc
            return b""
        self.total += len(data)
        self.tail += data
        if len(self.tail) > 2 * _TAIL:  # trimmed now and then: amortised constant work per byte
            del self.tail[:-_TAIL]
        return data

    def read(self, n: int = -1) -> bytes:
        return self._call(self.raw.read, n)

    def readline(self, n: int = -1) -> bytes:
        return self._call(self.raw.readline, n)

    def leftover(self, end: int) -> bytes | None:
        """Bytes after offset ``end`` that warcio did not turn into a record (None: more than the tail)."""
        n = self.total - end
        return None if n > len(self.tail) else bytes(self.tail[len(self.tail) - n:])


def _warc_stream(fh, src: str, counter: _Counter, opts: InputOptions) -> Iterator[Record]:
    """Response, resource and conversion records of a WARC file; others (request, metadata) are not documents.

    ``.warc.gz`` is decompressed by :mod:`gzip` before warcio sees it, so a
    truncated file is noticed; locations are ``FILE@OFFSET`` with the offset of
    the record in the uncompressed WARC.
    """
    try:
        from warcio.archiveiterator import ArchiveIterator
        from warcio.exceptions import ArchiveLoadFailed
    except ImportError:  # pragma: no cover - warcio is a dependency
        yield Record(counter.next(), src, src, status="error", error=f"{src}: reading WARC needs warcio")
        return
    guard = _Guarded(fh)
    offset = end = 0
    problem: str | None = None
    try:
        it = ArchiveIterator(guard)
        for rec in it:
            if rec.rec_type is None or rec.format != "warc":
                problem = "a record without a WARC header"
                break
            if rec.rec_headers.get_header("Content-Length") is None:  # warcio would read it to the end of file
                problem, offset = "a record without Content-Length", end
                break
            if rec.rec_type not in ("response", "resource", "conversion"):
                while rec.content_stream().read(1 << 20):
                    pass
                offset = it.get_record_offset()
                end = offset + it.get_record_length()
                if getattr(rec.raw_stream, "limit", 0) > 0:
                    problem = f"{rec.rec_type} record breaks off before its declared length"
                    break
                continue
            rid = rec.rec_headers.get_header("WARC-Record-ID")
            url = rec.rec_headers.get_header("WARC-Target-URI")
            date = rec.rec_headers.get_header("WARC-Date")
            headers = rec.http_headers if rec.http_headers is not None else rec.rec_headers
            ctype = (headers.get_header("Content-Type") or "").lower()
            mime = ctype.split(";")[0].strip()
            data = rec.content_stream().read(opts.max_bytes + 1)
            too_big = len(data) > opts.max_bytes
            if too_big:
                while rec.content_stream().read(1 << 20):
                    pass
            offset = it.get_record_offset()
            end = offset + it.get_record_length()
            where = f"{src}@{offset}"
            if getattr(rec.raw_stream, "limit", 0) > 0:
                problem = f"record {rid} breaks off before its declared length"
                break
            seq = counter.next()
            rid = rid or where
            if mime and not mime.startswith(_TEXT_TYPES):
                yield Record(seq, rid, where, url, date, status="skipped", error=f"{where}: content type {mime} is "
                             "not text")
            elif too_big:
                yield Record(seq, rid, where, url, date, status="error",
                             error=f"{where}: payload over the {opts.max_bytes:,}-byte limit")
            else:
                charset = None
                if "charset=" in ctype:
                    charset = ctype.split("charset=", 1)[1].split(";")[0].strip().strip("\"'") or None
                kind = "text" if mime == "text/plain" or opts.html == "no" else "html"
                yield Record(seq, rid, where, url, date, payload=data, kind=kind, charset=charset)
            counter.at(fh)
    except (ArchiveLoadFailed, OSError, EOFError, zlib.error, ValueError) as exc:
        problem, offset = _reason(exc), end
    except Exception as exc:  # warcio meets malformed headers with AttributeError, KeyError...: still the file's fault
        problem, offset = f"unreadable record ({_reason(exc)})", end
    if problem is None and guard.error is not None:
        problem = f"file breaks off ({_reason(guard.error)})"
    if problem is None:
        rest = guard.leftover(end)
        if rest is None or rest.strip():
            problem = "the bytes after the last complete record are not a WARC record"
            offset = end
    if problem is not None:
        where = f"{src}@{offset}"
        yield Record(counter.next(), where, where, status="error",
                     error=f"{where}: malformed or truncated WARC after this offset ({problem}); the rest of the "
                           "file was not read")


def prepare_text(rec: Record) -> tuple[str, str | None]:
    """Decode and (for HTML) extract the main text of a record: ``(text, title)``.

    Raises :class:`~spin_detect.input.decode.InputError` for binary data or HTML without article text.
    """
    payload = rec.payload
    if isinstance(payload, bytes):
        text = None
        if rec.charset:
            try:
                text = payload.decode(rec.charset)
            except (LookupError, UnicodeDecodeError):
                text = None
        if text is None:
            text = decode_bytes(payload, rec.source)[0]
    else:
        text = scrub(payload or "")
        if "\0" in text[:8192]:
            raise InputError(f"{rec.source}: binary data (NUL characters), not text")
    kind = rec.kind
    if kind == "auto":
        from spin_detect.input.html import looks_like_html

        kind = "html" if looks_like_html(text[:2048]) else "text"
    if kind == "html":
        from spin_detect.input.html import extract_html

        doc = extract_html(text, rec.source)
        return doc.text, doc.title
    return text, None
