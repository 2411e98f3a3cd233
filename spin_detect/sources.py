"""Reading documents from files: decoding, binary detection, folder walks.

Everything that turns bytes on disk into ``(doc_id, text)`` lives here, so that
``score``, ``audit`` and ``build-reference`` refuse bad input the same way, with
an :class:`InputError` that says what is wrong and where.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "TEXT_SUFFIXES",
    "InputError",
    "TextFile",
    "decode_bytes",
    "iter_text_files",
    "read_text_file",
]

#: Larger inputs are refused rather than read into memory whole.
MAX_DOCUMENT_BYTES = 200 * 1024 * 1024
TEXT_SUFFIXES = (".txt", ".text", ".md")


class InputError(ValueError):
    """An input cannot be read as text; the message names the input and the reason."""


def decode_bytes(data: bytes, where: str = "input") -> tuple[str, str]:
    """Decode document bytes; return ``(text, encoding_used)``.

    UTF-8 (with or without BOM) and BOM-marked UTF-16 are decoded strictly;
    anything else that is not binary falls back to Windows-1252 (the usual
    encoding of mislabelled web pages), with undefined bytes replaced.
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
        return data.decode("cp1252", errors="replace"), "cp1252"


def read_text_file(path: str | os.PathLike[str], max_bytes: int = MAX_DOCUMENT_BYTES) -> str:
    """Read one text file (``.gz`` is decompressed) and decode it with :func:`decode_bytes`."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"{path}: {size:,} bytes is over the {max_bytes:,}-byte limit per document")
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                data = f.read(max_bytes + 1)
            if len(data) > max_bytes:
                raise InputError(f"{path}: decompresses to over the {max_bytes:,}-byte limit per document")
        else:
            data = path.read_bytes()
    except InputError:
        raise
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"{path}: cannot read ({exc.__class__.__name__}: {exc})") from exc
    return decode_bytes(data, str(path))[0]


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
