"""The documents of a WARC file (``.warc`` or ``.warc.gz``), for :func:`~spin_detect.input.records.iter_records`.

Response, resource and conversion records are documents; request, metadata,
revisit and warcinfo records are not. Payloads of a type that is not text
(images, PDF) and HTTP responses whose status is not 2xx (redirects, missing
pages, server errors) become ``skipped`` records. The file is read record by record
(a version line, header lines, an empty line, ``Content-Length`` bytes, an
empty line), with every size bounded whatever the file claims: a header line
or block over :data:`MAX_HEADER_BYTES` is refused, a payload is read up to the
per-document limit and the rest of it skipped without being kept, and
a gzip- or chunk-encoded HTTP body is decoded up to the limit only.

A record whose HTTP message cannot be read (headers that never end) is an
error record and reading goes on. A file that is malformed or breaks off keeps
the records before the break and ends with one error record saying where
(``FILE@OFFSET``: in a ``.warc.gz`` whose records each start a gzip member, as the standard has it, the
offset of the record's member in the file, which warcio and CDX indexes use; otherwise the offset in the
uncompressed WARC; the error after a break names the uncompressed offset): a record cut short
(truncated file, or a ``Content-Length`` larger than what is there), a record
whose data does not end where its ``Content-Length`` says (a length smaller
than the data, or one that swallows the next records), a record without a
valid ``Content-Length``, or bytes that are not a WARC record. Where the next
record starts is then unknown, so the rest of the file is not read.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from spin_detect.input.files import exception_reason, gunzipped
from spin_detect.input.httpmsg import decode_body, parse_headers, split_http

__all__ = ["MAX_HEADER_BYTES", "WarcDocument", "iter_warc"]

#: The header block of a WARC record, or of the HTTP message in it, is refused past this size.
MAX_HEADER_BYTES = 1 << 20
_VERSIONS = ("WARC/1.0", "WARC/1.1", "WARC/0.17", "WARC/0.18")
_TEXT_TYPES = ("text/html", "application/xhtml", "text/plain", "application/xml", "text/xml")
_DOCUMENTS = ("response", "resource", "conversion")
_LENGTH_RE = re.compile(r"[0-9]{1,18}")
_SKIP_BLOCK = 1 << 20


#: The status code of an HTTP response's status line; only a 2xx response is a document.
_STATUS_RE = re.compile(rb"HTTP/\d(?:\.\d)?[ \t]+(\d{3})\b")
_STATUS_WORDS = {"1": " (informational)", "3": " (a redirect)", "4": " (a client error: the page was not served)",
                 "5": " (a server error)"}
#: HTTP Content-Encodings whose payload can be read (:func:`~spin_detect.input.httpmsg.decode_body`).
_READABLE_ENCODINGS = frozenset({"", "identity", "gzip", "x-gzip", "deflate"})


@dataclass(frozen=True)
class WarcDocument:
    """One document of a WARC file, or why there is none: what a record of the audit is made from.

    ``where`` is ``FILE@OFFSET``; ``id`` the WARC-Record-ID; ``status`` is ``ok`` (``payload`` set, ``kind``
    ``text`` or ``html``), ``skipped`` (not text) or ``error``, with ``error`` saying what and where.
    """

    where: str
    id: str | None = None
    url: str | None = None
    date: str | None = None
    payload: bytes | None = None
    kind: str = "text"
    charset: str | None = None
    status: str = "ok"
    error: str | None = None
    note: str | None = None  # what the reader should know of a document read (a body that breaks off)


class _Malformed(Exception):
    """The file cannot be read past this point; the message says why."""


class _Stream:
    """The uncompressed WARC, read in bounded pieces, with the offset of what was read.

    A read error (a truncated gzip) is raised as :class:`_Malformed` once the bytes before it are used up.
    """

    def __init__(self, fh: io.BufferedIOBase) -> None:
        self.fh, self.offset = fh, 0
        self.start = 0  # the offset of the record being read

    def _call(self, method: str, n: int) -> bytes:
        try:
            data: bytes = getattr(self.fh, method)(n)
        except (OSError, EOFError, zlib.error) as exc:
            raise _Malformed(f"file breaks off ({exception_reason(exc)})") from exc
        self.offset += len(data)
        return data

    def readline(self, limit: int) -> bytes:
        return self._call("readline", limit)

    def peek(self, n: int) -> bytes:
        data = self._call("peek", n)
        self.offset -= len(data)  # not read
        return data

    def skip_blank(self) -> None:
        """Skip blank lines a block at a time (a gzip bomb of empty lines costs a Python step per block)."""
        while hasattr(self.fh, "peek"):
            head = self.peek(1 << 16)
            n = len(head) - len(head.lstrip(b" \t\r\n"))
            if not n:
                return
            self._call("read", n)

    def read(self, n: int) -> bytes:
        """``n`` bytes; fewer only at the end of the file."""
        parts, got = [], 0
        while got < n:
            data = self._call("read", min(n - got, _SKIP_BLOCK))
            if not data:
                break
            parts.append(data)
            got += len(data)
        return b"".join(parts)

    def skip(self, n: int) -> int:
        """Read and drop ``n`` bytes (one block in memory at a time); how many there were."""
        done = 0
        while done < n:
            data = self._call("read", min(n - done, _SKIP_BLOCK))
            if not data:
                break
            done += len(data)
        return done


def _header(stream: _Stream, first: bytes) -> dict[str, str]:
    """The WARC header whose version line is ``first``; :class:`_Malformed` when it is not one."""
    version = first.decode("latin-1").strip()
    if version not in _VERSIONS:
        shown = first[:60].decode("latin-1").strip()
        raise _Malformed(f"bytes that are not a WARC record: {shown!r}")
    lines: list[bytes] = []
    size = len(first)
    while True:
        line = stream.readline(MAX_HEADER_BYTES + 1 - size)
        size += len(line)
        if not line.endswith(b"\n"):
            if size > MAX_HEADER_BYTES:
                raise _Malformed(f"a record header over {MAX_HEADER_BYTES:,} bytes")
            raise _Malformed("file breaks off in a record header")
        if not line.strip():
            return parse_headers(lines)
        lines.append(line)


def _next_record(stream: _Stream) -> tuple[int, dict[str, str]] | None:
    """The offset and header of the next record (after blank lines), or None at the end of the file."""
    stream.skip_blank()
    offset = stream.offset
    line = stream.readline(MAX_HEADER_BYTES)
    if not line:
        return None
    stream.start = offset
    return offset, _header(stream, line)


def iter_warc(fh: io.BufferedIOBase, src: str, max_bytes: int, html: str = "auto") -> Iterator[WarcDocument]:
    """The documents of the open WARC stream ``fh`` (named ``src``), then one error if the file breaks off.

    ``.warc.gz`` must be opened with :func:`~spin_detect.input.files.open_binary` (decompressed as it is read,
    so a truncated file is noticed); a ``.warc`` that holds gzip data is decompressed too. Payloads over
    ``max_bytes`` are errors; ``html`` is the ``--html-input`` mode (``no``: every payload is text; otherwise
    all but ``text/plain`` are HTML).
    """
    stream = _Stream(fh)
    try:
        if hasattr(fh, "peek") and stream.peek(2)[:2] == b"\x1f\x8b":
            stream.fh = gunzipped(fh)
        while True:
            found = _next_record(stream)
            if found is None:
                return
            offset, header = found
            member = getattr(stream.fh, "member_start", None)
            at = member(offset) if member is not None else None  # a .warc.gz: the record's gzip member
            doc = _record(stream, header, f"{src}@{offset if at is None else at}", max_bytes, html)
            if doc is not None:
                yield doc
    except _Malformed as exc:
        where = f"{src}@{stream.start}"
        yield WarcDocument(where, status="error", error=f"{where}: malformed or truncated WARC after this offset "
                                                        f"({exc}); the rest of the file was not read")


def _record(stream: _Stream, header: dict[str, str], where: str, max_bytes: int, html: str) -> WarcDocument | None:
    """Read the block of the record whose ``header`` was read; its document, None when it is not one."""
    raw_length = header.get("content-length")
    if raw_length is None:
        raise _Malformed("a record without Content-Length")
    if not _LENGTH_RE.fullmatch(raw_length):
        raise _Malformed(f"a record with an invalid Content-Length ({raw_length[:40]!r})")
    length = int(raw_length)
    rtype = header.get("warc-type", "").lower()
    rid = header.get("warc-record-id")
    name = f"record {rid}" if rid else f"{rtype or 'untyped'} record"
    is_doc = rtype in _DOCUMENTS
    cap = min(length, max_bytes + MAX_HEADER_BYTES + 1) if is_doc else 0
    block = stream.read(cap)
    got = len(block) + stream.skip(length - cap)
    if got < length:
        raise _Malformed(f"{name} breaks off before its declared length ({got:,} of {length:,} bytes)")
    after = stream.readline(4)
    if after not in (b"", b"\r", b"\r\n", b"\n"):  # the empty lines after a block (or the end of the file)
        raise _Malformed(f"the data of {name} does not end where its Content-Length ({length:,}) says")
    if not is_doc:
        return None
    url = header.get("warc-target-uri")
    if url and url.startswith("<") and url.endswith(">"):  # wget 1.19 wrote <URL>
        url = url[1:-1]
    url = url.replace(" ", "%20") if url else url
    date = header.get("warc-date")
    headers, body, is_http = header, block, False
    if rtype == "response" and url and url.lower().startswith(("http:", "https:")):
        http = split_http(block, MAX_HEADER_BYTES, complete=len(block) == length)
        if http is None:
            return WarcDocument(where, rid, url, date, status="error",
                                error=f"{where}: HTTP headers over {MAX_HEADER_BYTES:,} bytes or without an end")
        (headers, body), is_http = http, True
        status = _STATUS_RE.match(block)
        if status and not status.group(1).startswith(b"2"):  # a redirect, a missing page, a server error
            code = status.group(1).decode()
            return WarcDocument(where, rid, url, date, status="skipped",
                                error=f"{where}: HTTP status {code}{_STATUS_WORDS.get(code[0], '')}, not a document")
    ctype = headers.get("content-type", "").lower()
    mime = ctype.split(";")[0].strip()
    if mime and not mime.startswith(_TEXT_TYPES):
        return WarcDocument(where, rid, url, date, status="skipped",
                            error=f"{where}: content type {mime} is not a document")
    encoding = headers.get("content-encoding", "").strip().lower() if is_http else ""
    if encoding not in _READABLE_ENCODINGS:  # compressed in a way this reader does not undo: bytes, not text
        return WarcDocument(where, rid, url, date, status="error",
                            error=f"{where}: Content-Encoding {encoding} is not supported (gzip and deflate are); "
                                  "the payload was not read")
    payload, complete = decode_body(body, headers, max_bytes + 1) if is_http else (body, True)
    if len(payload) > max_bytes or len(block) < length:
        return WarcDocument(where, rid, url, date, status="error",
                            error=f"{where}: payload over the {max_bytes:,}-byte limit")
    charset = None
    if "charset=" in ctype:
        charset = ctype.split("charset=", 1)[1].split(";")[0].strip().strip("\"'") or None
    kind = "text" if mime == "text/plain" or html == "no" else "html"
    note = None if complete else (f"the {encoding}-compressed HTTP body breaks off: scored on the "
                                  f"{len(payload):,} bytes before the break")
    return WarcDocument(where, rid, url, date, payload=payload, kind=kind, charset=charset, note=note)
