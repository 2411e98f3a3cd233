"""The documents of a WARC file (``.warc`` or ``.warc.gz``), for :func:`~spin_detect.input.records.iter_records`.

Response, resource and conversion records are documents; request and
metadata records are not. Payloads of a type that is not text (images, PDF)
become ``skipped`` records. A file that is malformed or breaks off (truncated
gzip, a record shorter than its declared length, bytes that are not a record)
keeps the records before the break and ends with one error record saying
where (``FILE@OFFSET``, the offset in the uncompressed WARC).
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from spin_detect.input.files import exception_reason

__all__ = ["WarcDocument", "iter_warc"]

_TEXT_TYPES = ("text/html", "application/xhtml", "text/plain", "application/xml", "text/xml")
_TAIL = 1 << 16


@dataclass(frozen=True)
class WarcDocument:
    """One document of a WARC file, or why there is none: what a record of the audit is made from.

    ``where`` is ``FILE@OFFSET`` (the file's name alone when warcio is missing); ``id`` the WARC-Record-ID;
    ``status`` is ``ok`` (``payload`` set, ``kind`` ``text`` or ``html``), ``skipped`` (not text) or ``error``,
    with ``error`` saying what and where.
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


class _Guarded:
    """A binary stream that turns a read error (truncated gzip) into end of file and remembers it.

    warcio ends iteration quietly when its stream fails or ends inside a
    record; this wrapper lets :func:`iter_warc` report where the file broke off.
    """

    def __init__(self, raw: io.BufferedIOBase) -> None:
        self.raw = raw
        self.error: BaseException | None = None
        self.total = 0  # bytes handed out
        self.tail = bytearray()  # the last 64 KiB of them (at least)

    def _call(self, method: Callable[[int], bytes], n: int) -> bytes:
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


def iter_warc(fh: io.BufferedIOBase, src: str, max_bytes: int, html: str = "auto") -> Iterator[WarcDocument]:
    """The documents of the open WARC stream ``fh`` (named ``src``), then one error if the file breaks off.

    ``.warc.gz`` must be opened with :func:`~spin_detect.input.files.open_binary` (decompressed before warcio
    sees it), so a truncated file is noticed. Payloads over ``max_bytes`` are errors; ``html`` is the
    ``--html-input`` mode (``no``: every payload is text; otherwise all but ``text/plain`` are HTML).
    """
    try:
        from warcio.archiveiterator import ArchiveIterator
        from warcio.exceptions import ArchiveLoadFailed
    except ImportError:  # pragma: no cover - warcio is a dependency
        yield WarcDocument(src, status="error", error=f"{src}: reading WARC needs warcio")
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
            data = rec.content_stream().read(max_bytes + 1)
            too_big = len(data) > max_bytes
            if too_big:
                while rec.content_stream().read(1 << 20):
                    pass
            offset = it.get_record_offset()
            end = offset + it.get_record_length()
            where = f"{src}@{offset}"
            if getattr(rec.raw_stream, "limit", 0) > 0:
                problem = f"record {rid} breaks off before its declared length"
                break
            if mime and not mime.startswith(_TEXT_TYPES):
                yield WarcDocument(where, rid, url, date, status="skipped",
                                   error=f"{where}: content type {mime} is not text")
            elif too_big:
                yield WarcDocument(where, rid, url, date, status="error",
                                   error=f"{where}: payload over the {max_bytes:,}-byte limit")
            else:
                charset = None
                if "charset=" in ctype:
                    charset = ctype.split("charset=", 1)[1].split(";")[0].strip().strip("\"'") or None
                kind = "text" if mime == "text/plain" or html == "no" else "html"
                yield WarcDocument(where, rid, url, date, payload=data, kind=kind, charset=charset)
    except (ArchiveLoadFailed, OSError, EOFError, zlib.error, ValueError) as exc:
        problem, offset = exception_reason(exc), end
    except Exception as exc:  # warcio meets malformed headers with AttributeError, KeyError...: still the file's fault
        problem, offset = f"unreadable record ({exception_reason(exc)})", end
    if problem is None and guard.error is not None:
        problem = f"file breaks off ({exception_reason(guard.error)})"
    if problem is None:
        rest = guard.leftover(end)
        if rest is None or rest.strip():
            problem = "the bytes after the last complete record are not a WARC record"
            offset = end
    if problem is not None:
        where = f"{src}@{offset}"
        yield WarcDocument(where, status="error", error=f"{where}: malformed or truncated WARC after this offset "
                                                        f"({problem}); the rest of the file was not read")
