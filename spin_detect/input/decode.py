"""Reading documents from files: decoding, binary detection, folder walks.

Everything that turns bytes on disk into ``(doc_id, text)`` lives here, so that
``score``, ``audit`` and ``build-reference`` refuse bad input the same way, with
an :class:`InputError` that says what is wrong and where.
"""

from __future__ import annotations

import codecs
import gzip
import os
import re
import stat
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "TEXT_SUFFIXES",
    "InputError",
    "TextFile",
    "decode_bytes",
    "read_limited",
    "scrub",
    "iter_text_files",
    "read_text_file",
]

#: Larger inputs are refused rather than read into memory whole (a file, a gzip member's content, stdin, a
#: JSONL line, a CSV field or a WARC payload). Reading stops after this many bytes, whatever the input claims.
MAX_DOCUMENT_BYTES = 200 * 1024 * 1024
TEXT_SUFFIXES = (".txt", ".text", ".md")
_READ_BLOCK = 1 << 20
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
# where valid multi-byte UTF-8 may start again (a lead byte, then a continuation byte); the decoder checks it
_UTF8_LEAD_RE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")
_MAX_SWITCHES = 10_000
_WINDOW = 1 << 16


class InputError(ValueError):
    """An input cannot be read as text; the message names the input and the reason."""


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


def scrub(text: str) -> str:
    """Replace lone surrogates (from JSON ``\\ud800`` escapes or undecodable file names) by U+FFFD.

    Such strings cannot be written as UTF-8; everything that reaches a report or the console goes through here.
    """
    return _SURROGATE_RE.sub("\ufffd", text) if _SURROGATE_RE.search(text) else text


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


def read_limited(f, max_bytes: int, where: str) -> bytes:
    """Read a binary stream in blocks, refusing it once it passes ``max_bytes`` (memory stays bounded)."""
    parts: list[bytes] = []
    n = 0
    while True:
        block = f.read(min(_READ_BLOCK, max_bytes + 1 - n))
        if not block:
            break
        parts.append(block)
        n += len(block)
        if n > max_bytes:
            raise InputError(f"{where}: over the {max_bytes:,}-byte limit per document")
    return b"".join(parts)


def read_text_file(path: str | os.PathLike[str], max_bytes: int = MAX_DOCUMENT_BYTES) -> str:
    """Read one text file (``.gz`` is decompressed) and decode it with :func:`decode_bytes`.

    At most ``max_bytes`` are read (also from devices, pipes and gzip bombs); folders are refused.
    """
    path = Path(path)
    where = scrub(str(path))
    try:
        st = path.stat()
        if stat.S_ISDIR(st.st_mode):
            raise InputError(f"{where}: is a folder, not a file")
        if st.st_size > max_bytes:
            raise InputError(f"{where}: {st.st_size:,} bytes is over the {max_bytes:,}-byte limit per document")
        if path.suffix.lower() == ".gz":
            with gzip.open(path, "rb") as f:
                data = read_limited(f, max_bytes, f"{where} (decompressed)")
        else:
            with open(path, "rb") as f:
                data = read_limited(f, max_bytes, where)
    except InputError:
        raise
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or "unexpected end"
        raise InputError(f"{where}: cannot read ({exc.__class__.__name__}: {reason})") from exc
    return decode_bytes(data, where)[0]


@dataclass(frozen=True)
class TextFile:
    """A text file found by :func:`iter_text_files`: its id and its path."""

    doc_id: str
    path: Path


def iter_text_files(paths: list[str | os.PathLike[str]], suffixes: tuple[str, ...] = TEXT_SUFFIXES
                    ) -> Iterator[TextFile | InputError]:
    """Walk files and folders (recursively, in sorted order) for text files.

    Yields a :class:`TextFile` per file, with ``doc_id`` the path relative to the
    folder given (or the path as given for a file), and an :class:`InputError`
    for each path that cannot be walked, so callers can report it instead of
    losing it. Symbolic links to folders are not followed (no loops).
    """
    for p in paths:
        root = Path(p)
        if root.is_file():
            yield TextFile(str(p), root)
            continue
        if not root.is_dir():
            yield InputError(f"{root}: no such file or folder")
            continue
        errors: list[OSError] = []
        for dirpath, dirnames, filenames in os.walk(root, onerror=errors.append):
            dirnames.sort()
            for name in sorted(filenames):
                lower = name.lower()
                if lower.endswith(suffixes) or lower.endswith(tuple(s + ".gz" for s in suffixes)):
                    full = Path(dirpath) / name
                    yield TextFile(full.relative_to(root).as_posix(), full)
            while errors:
                exc = errors.pop(0)
                yield InputError(f"{exc.filename}: cannot list folder ({exc.strerror})")
