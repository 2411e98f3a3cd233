"""Header blocks (WARC and HTTP) and HTTP message bodies, for :mod:`spin_detect.input.warc`.

Everything here works on bytes already in memory and bounded by the caller, and
gives out at most ``limit`` bytes, whatever the input claims: a chunk length of
a terabyte or a gzip-encoded body that inflates a thousandfold cost no more
than the bytes that are there. Bodies are decoded as browsers and warcio do,
leniently: a body that says it is chunked or gzipped but is not is taken as
it is; one that breaks off is kept up to the break.
"""

from __future__ import annotations

import re
import zlib

__all__ = ["decode_body", "parse_headers", "split_http"]

_CHUNK_RE = re.compile(rb"[ \t]*([0-9a-fA-F]{1,16})[ \t]*(?:;[^\r\n]*)?\r?\n")
_HEAD_END_RE = re.compile(rb"\r?\n[ \t]*\r?\n")


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def parse_headers(lines: list[bytes]) -> dict[str, str]:
    """``Name: value`` lines (continuation lines folded in; lines without a colon ignored) as a dict keyed by
    lower-case name; the first of repeated names wins. Bytes are read as UTF-8, else Latin-1."""
    headers: dict[str, str] = {}
    last: str | None = None
    for raw in lines:
        line = _text(raw).rstrip("\r\n")
        if line[:1] in (" ", "\t") and last is not None:
            headers[last] += " " + line.strip()
            continue
        name, colon, value = line.partition(":")
        last = None
        if colon and name.strip():
            last = name.strip().lower()
            if last in headers:
                last = None  # a repeated name: its continuation lines go nowhere
            else:
                headers[last] = value.strip()
    return headers


def split_http(block: bytes, max_head: int, complete: bool) -> tuple[dict[str, str], bytes] | None:
    """The headers and body of the HTTP message at the start of ``block`` (the status line is not checked).

    ``complete`` says ``block`` is the whole message: then a message without an empty line is all headers.
    None when the headers do not end within ``max_head`` bytes.
    """
    end = _HEAD_END_RE.search(block, 0, max_head + 4)
    if end is None:
        if not complete or len(block) > max_head:
            return None
        head, body = block, b""
    else:
        head, body = block[:end.start()], block[end.end():]
    lines = head.split(b"\n")[1:]  # after the status line
    return parse_headers(lines), body


def _dechunk(body: bytes) -> bytes:
    """The data of a chunked body (never longer than the body); the body as it is when it does not start as
    chunked; the chunks before a break when it breaks off."""
    out: list[bytes] = []
    pos = 0
    while True:
        m = _CHUNK_RE.match(body, pos)
        if m is None:
            if pos == 0:
                return body  # not chunked after all
            break
        n = int(m.group(1), 16)
        if n == 0:
            break
        out.append(body[m.end(): m.end() + n])
        pos = m.end() + n
        pos += 2 if body.startswith(b"\r\n", pos) else 1 if body.startswith(b"\n", pos) else 0
    return b"".join(out)


def _inflate(body: bytes, wbits: int, limit: int) -> tuple[bytes, bool] | None:
    """``body`` decompressed, at most ``limit`` bytes (what came before a break when it breaks off), and whether
    the compressed data ended as it should (or the limit was reached); None when it does not start as such data."""
    z = zlib.decompressobj(wbits)
    out: list[bytes] = []
    size = 0
    for i in range(0, len(body), 1 << 16):
        try:
            data = z.decompress(body[i: i + (1 << 16)], limit - size)  # max_length: a bomb stops at the limit
        except zlib.error:
            return (b"".join(out), False) if out else None
        out.append(data)
        size += len(data)
        if size >= limit or z.eof or z.unconsumed_tail:  # the limit is reached, or the data ends
            break
    return b"".join(out), z.eof or size >= limit


def decode_body(body: bytes, headers: dict[str, str], limit: int) -> tuple[bytes, bool]:
    """The payload of an HTTP body: de-chunked and decompressed (gzip, deflate), at most ``limit`` bytes, and
    False when compressed data breaks off (a truncated record: the payload is what came before the break).

    Works in memory bounded by ``limit`` and the body: a decompression bomb stops at the limit.
    """
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = _dechunk(body)
    encoding = headers.get("content-encoding", "").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        for wbits in ((47,) if encoding != "deflate" else (15, -15)):  # 47: gzip or zlib header
            out = _inflate(body, wbits, limit)
            if out is not None:
                return out
    return body[:limit], True
