"""Bytes to text: decoding with binary and encoding checks, and reading one text document.

:func:`decode_bytes` is the one decoder of document bytes, so that ``score``,
``audit`` and ``build-reference`` refuse bad input the same way, with an
:class:`InputError` that says what is wrong and where. Finding, opening and
reading files (gzip included) is :mod:`spin_detect.input.files`;
:class:`InputError`, :func:`scrub`, :func:`read_limited` and
:data:`MAX_DOCUMENT_BYTES` are importable from here too.
"""

from __future__ import annotations

import codecs
import os
import re
import sys

from spin_detect.input.errors import InputError, scrub
from spin_detect.input.files import (
    MAX_DOCUMENT_BYTES,
    read_file,
    read_limited,
)

__all__ = ["decode_bytes", "read_input_text", "read_text_file"]

# where valid multi-byte UTF-8 may start again (a lead byte, then a continuation byte); the decoder checks it
_UTF8_LEAD_RE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")
_MAX_SWITCHES = 10_000
_WINDOW = 1 << 16


def _decode_mixed(data: bytes) -> tuple[str, bool] | None:
    """UTF-8 where the bytes are valid UTF-8, Windows-1252 in between: ``(text, any non-ASCII UTF-8 seen)``.

    Each stretch is decoded by the codecs in C, in windows of 64 KiB (ASCII reads the same in both), so the
    cost is linear in the size plus a little per switch of encoding; None after :data:`_MAX_SWITCHES`
    switches (the caller then reads the whole as Windows-1252).
    """
    mv = memoryview(data)
    parts: list[str] = []
    pos, n = (3 if data.startswith(codecs.BOM_UTF8) else 0), len(data)
    switches, utf8 = 0, False
    while pos < n:
        window = mv[pos:pos + _WINDOW]
        try:
            text, used = codecs.utf_8_decode(window, "strict", pos + _WINDOW >= n)
        except UnicodeDecodeError as exc:
            switches += 1
            if switches > _MAX_SWITCHES:
                return None
            bad = pos + exc.start
            text = str(mv[pos:bad], "utf-8")
            m = _UTF8_LEAD_RE.search(data, bad + 1)
            nxt = m.start() if m else n
            parts += [text, str(mv[bad:nxt], "cp1252", "replace")]
            utf8 = utf8 or not text.isascii()
            pos = nxt
            continue
        parts.append(text)
        utf8 = utf8 or not text.isascii()
        pos += used
    return "".join(parts), utf8


def _utf16_without_bom(head: bytes) -> str | None:
    """``"little-endian"`` or ``"big-endian"`` when ``head`` reads as UTF-16 text of mostly Latin letters without a
    byte-order mark (every other byte NUL, the others printable), else None: named in the error, not guessed."""
    even, odd = head[0::2], head[1::2]
    for zeros, chars, order in ((odd, even, "little-endian"), (even, odd, "big-endian")):
        if len(zeros) >= 8 and zeros.count(0) >= 0.9 * len(zeros) and \
                sum(32 <= b < 127 or b in (9, 10, 13) for b in chars) >= 0.9 * len(chars):
            return order
    return None


def decode_bytes(data: bytes, where: str = "input") -> tuple[str, str]:
    """Decode document bytes; return ``(text, encoding_used)``.

    UTF-8 (with or without BOM) and BOM-marked UTF-16 are decoded strictly.
    Anything else that is not binary is read as UTF-8 where it is valid UTF-8
    and as Windows-1252 (the usual encoding of mislabelled web pages) where it
    is not, so a file of mixed encodings keeps both kinds of text; the encoding
    reported is then ``cp1252`` (no valid multi-byte UTF-8 at all) or
    ``utf-8+cp1252``. Undefined bytes become U+FFFD.
    Raises :class:`InputError` for binary data (NUL bytes or many control
    characters in the first 8 KiB).
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise InputError(f"{where}: invalid UTF-16 ({exc.reason} at byte {exc.start})") from exc
    head = data[:8192]
    if b"\0" in head:
        order = _utf16_without_bom(head)
        if order:
            raise InputError(f"{where}: looks like UTF-16 ({order}) text without a byte-order mark; save it as "
                             "UTF-8, or as UTF-16 with a byte-order mark")
        raise InputError(f"{where}: binary data (NUL bytes), not text")
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    if head and controls > 0.05 * len(head):
        raise InputError(f"{where}: binary data ({controls} control bytes in the first {len(head)}), not text")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        mixed = _decode_mixed(data)
        if mixed is not None and mixed[1]:
            return mixed[0], "utf-8+cp1252"
        return data.decode("cp1252", errors="replace"), "cp1252"


def read_text_file(path: str | os.PathLike[str], max_bytes: int = MAX_DOCUMENT_BYTES) -> str:
    """The text of one document file: :func:`~spin_detect.input.files.read_file` decoded with :func:`decode_bytes`.

    Raises :class:`InputError` naming the file when it cannot be read (a truncated ``.gz`` included), is over
    ``max_bytes``, or is binary.
    """
    return decode_bytes(read_file(path, max_bytes), scrub(str(path)))[0]


def read_input_text(source: str, max_bytes: int = MAX_DOCUMENT_BYTES) -> tuple[str, str]:
    """Read one document from a file path or ``-`` (stdin): ``(text, name)``, ``name`` for messages.

    This is how ``score`` and ``spin`` read their input. Raises :class:`InputError` as :func:`read_text_file`.
    """
    if source == "-":
        return decode_bytes(read_limited(sys.stdin.buffer, max_bytes, "<stdin>"), "<stdin>")[0], "<stdin>"
    return read_text_file(source, max_bytes), scrub(source)
