"""Files on disk: which files are documents, walking folders, and opening files (plain or gzip).

This is the one place that decides, for ``build-reference``, ``score`` and ``audit`` alike:

* **which files a folder walk picks up**, by suffix (case-insensitive, optionally ``.gz``): :data:`FORMATS`;
  other files are not documents and are ignored. A file named directly is read whatever its suffix (unknown
  suffixes as text);
* **the order**: inputs as given, folders walked recursively in sorted order, symbolic links to folders not
  followed (no loops); a path that cannot be walked is reported where it is met, as a :class:`PathError`,
  never lost;
* **how a file is opened**: :func:`open_binary` decompresses ``.gz`` with one streaming gunzip that hands out
  every byte before a truncation and then raises :class:`EOFError`, so a truncated ``.gz`` is always an
  error, never a silent partial read: for a whole-document file (``.txt.gz``, ``.html.gz``) :func:`read_file`
  refuses the file with ``FILE: cannot read (EOFError: truncated gzip file ...)``; a record file
  (``.jsonl.gz``, ``.csv.gz``, ``.warc.gz``) keeps its complete records and ends with one error record saying
  where it broke off (:mod:`spin_detect.input.records`).
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import stat
import zlib
from collections import deque
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from spin_detect.input.errors import InputError, scrub

__all__ = [
    "CONTAINER_FORMATS",
    "FORMATS",
    "MAX_DOCUMENT_BYTES",
    "ByteSource",
    "FoundFile",
    "PathError",
    "exception_reason",
    "file_format",
    "gunzipped",
    "input_size",
    "iter_files",
    "open_binary",
    "read_file",
    "read_limited",
    "skip_blank_lines",
]

#: Larger inputs are refused rather than read into memory whole (a file, a gzip member's content, stdin, a
#: JSONL line, a CSV field or a WARC payload). Reading stops after this many bytes, whatever the input claims.
MAX_DOCUMENT_BYTES = 200 * 1024 * 1024
_READ_BLOCK = 1 << 20
#: A gzip stream inflates at most this much at a time, whatever the compression ratio (bombs reach 1:1000).
_INFLATE_BLOCK = 1 << 20

#: Document formats by file suffix (a ``.gz`` after the suffix is allowed).
FORMATS: dict[str, tuple[str, ...]] = {
    "text": (".txt", ".text", ".md", ".markdown"),
    "html": (".html", ".htm", ".xhtml"),
    "jsonl": (".jsonl", ".ndjson"),
    "csv": (".csv", ".tsv"),
    "warc": (".warc",),
}
#: Formats whose files hold many records (one document each) rather than one document.
CONTAINER_FORMATS = ("jsonl", "csv", "warc")
#: :func:`input_size` gives up (returns None) after this many files: the walk would take too long.
_SIZE_WALK_LIMIT = 200_000


class ByteSource(Protocol):
    """Anything with ``read(n) -> bytes``: a file opened in binary mode, stdin's buffer, a gzip stream."""

    def read(self, n: int = -1, /) -> bytes:
        """Up to ``n`` bytes; ``b""`` at the end."""
        ...


class PathError(InputError):
    """A path given or met in a walk cannot be read: missing, not a file or folder, or a folder that cannot be
    listed. ``where`` is the path (scrubbed for printing); the message says what is wrong. ``doc_id``: for a
    file met in a folder walk, its path in the folder (the id a readable file there would have), else None."""

    def __init__(self, where: str, message: str, doc_id: str | None = None) -> None:
        super().__init__(message)
        self.where = where
        self.doc_id = doc_id


@dataclass(frozen=True)
class FoundFile:
    """A document file found by :func:`iter_files`.

    ``doc_id`` is the path relative to the folder walked (with ``/``), or the path as given for a file named
    directly; ``format`` is its :data:`FORMATS` key (``text`` for a named file with an unknown suffix).
    """

    doc_id: str
    path: Path
    format: str


def file_format(path: str | os.PathLike[str]) -> str | None:
    """The :data:`FORMATS` key of a file by its suffix (``.gz`` stripped), or None when it is not a document.

    Callers use it to decide how to read a file (one document, or many records) before opening it.
    """
    name = str(path).lower()
    if name.endswith(".gz"):
        name = name[:-3]
    for fmt, suffixes in FORMATS.items():
        if name.endswith(suffixes):
            return fmt
    return None


def exception_reason(exc: BaseException) -> str:
    """The reason part of an error message, on one line (at most 300 characters): the system's words for an
    operating-system error ("No such file or directory"), ``"ClassName: message"`` for any other."""
    strerror = getattr(exc, "strerror", None)
    if isinstance(exc, OSError) and strerror:
        return " ".join(str(strerror).split())[:300]
    text = str(exc) or exc.__class__.__name__
    return f"{exc.__class__.__name__}: {' '.join(text.split())[:300]}"


def iter_files(paths: Iterable[str | os.PathLike[str]], formats: Collection[str] | None = None,
               skip: Collection[str | os.PathLike[str]] = ()) -> Iterator[FoundFile | PathError]:
    """Every document file of ``paths`` (files and folders), in a deterministic order; errors in place.

    Folders are walked recursively in sorted order for files whose :func:`file_format` is in ``formats``
    (default: any format); a file named directly is yielded whatever its suffix. A path that does not exist,
    is neither a file nor a folder, or a folder that cannot be listed gives a :class:`PathError` where it is
    met, so callers report it instead of losing it. Symbolic links to folders are not followed (no loops).
    A walk passes over the files of ``skip`` (by real path): what the caller itself writes, such as an audit's
    report saved inside the folder it audits, is not its input.
    """
    own = {os.path.realpath(p) for p in skip}
    for p in paths:
        root = Path(p)
        if root.is_dir():
            yield from _walk(root, formats, own)
        elif root.is_file():
            yield FoundFile(scrub(str(root)), root, file_format(root) or "text")
        else:
            name = scrub(str(p))
            try:
                os.stat(p)
                reason = "not a regular file or folder"
            except FileNotFoundError:
                reason = "no such file or folder" + (" (broken symbolic link)" if root.is_symlink() else "")
            except OSError as exc:
                reason = f"cannot read ({exc.strerror})"
            yield PathError(name, f"{name}: {reason}")


def _walk(root: Path, formats: Collection[str] | None, skip: Collection[str] = ()) -> Iterator[FoundFile | PathError]:
    errors: list[OSError] = []
    skip_names = {os.path.basename(p) for p in skip}  # a name first: real paths only for the few that match
    for dirpath, dirnames, filenames in os.walk(root, onerror=errors.append):
        while errors:  # report unlistable folders where they are met
            yield _walk_error(errors.pop(0))
        dirnames.sort()  # os.walk does not follow symlinked folders: no loops
        for name in sorted(filenames):
            fmt = file_format(name)
            if fmt is None or (formats is not None and fmt not in formats):
                continue
            full = Path(dirpath) / name
            if name in skip_names and os.path.realpath(full) in skip:
                continue
            try:
                special = not stat.S_ISREG(os.stat(full).st_mode)
            except OSError:
                special = False  # reading it says what is wrong (a broken link, a loop, permissions)
            if special:  # a FIFO would block the walk forever, a device never end
                where = scrub(str(full))
                yield PathError(where, f"{where}: not a regular file (a FIFO, socket or device)",
                                scrub(full.relative_to(root).as_posix()))
                continue
            yield FoundFile(scrub(full.relative_to(root).as_posix()), full, fmt)
    while errors:
        yield _walk_error(errors.pop(0))


def _walk_error(exc: OSError) -> PathError:
    name = scrub(str(exc.filename))
    return PathError(name, f"{name}: cannot list folder ({exc.strerror})")


def input_size(paths: list[str]) -> int | None:
    """Total bytes of the document files of ``paths``, for a progress line's percentage and ETA.

    None when the inputs hold more than 200,000 files (walking them only to measure would take too long).
    """
    total = n = 0
    for item in iter_files(paths):
        if isinstance(item, FoundFile):
            with contextlib.suppress(OSError):
                total += item.path.stat().st_size
            n += 1
            if n > _SIZE_WALK_LIMIT:
                return None
    return total


class _Gunzip(io.BufferedIOBase):
    """Streaming gzip decompression (multi-member) that hands out every byte before a truncation.

    :class:`gzip.GzipFile` drops the data of the read call that meets the end
    of a truncated file; a crawl file cut short should still give all its
    complete records, then an error (EOFError) saying where it broke off: the
    error is raised only once everything before it has been read. Data that is
    not gzip raises :class:`gzip.BadGzipFile`. A gzip bomb costs no memory:
    at most :data:`_INFLATE_BLOCK` bytes are inflated at a time, and a line is
    searched for its end once (reading a huge line is linear).
    """

    def __init__(self, raw: io.BufferedIOBase, block: int = 1 << 16) -> None:
        super().__init__()
        self.fileobj = raw  # the compressed file (progress reads its position)
        self.block = block
        self.z = zlib.decompressobj(31)
        self.pending = b""  # compressed bytes read but not yet decompressed
        self.buf = bytearray()
        self.eof = False
        self.truncated = False
        self.compressed = 0  # bytes of the compressed file read so far
        self.produced = 0  # bytes decompressed so far
        #: latest gzip members' starts, (decompressed, compressed offset): warcio and CDX name WARC records so
        self.members: deque[tuple[int, int]] = deque([(0, 0)], maxlen=256)

    def readable(self) -> bool:
        return True

    def _decompress(self, data: bytes) -> bytes:
        """At most :data:`_INFLATE_BLOCK` bytes out (a gzip bomb never inflates much at once); input not used yet
        stays in ``pending``. After the end of a member, zero padding is skipped and other bytes start the next."""
        if self.z.eof:  # between gzip members
            data = data.lstrip(b"\0")
            if not data:
                self.pending = b""
                return b""
            self.z = zlib.decompressobj(31)
            # data is the tail of what was read from the file, which ends at self.compressed
            self.members.append((self.produced, self.compressed - len(data)))
        try:
            out = self.z.decompress(data, _INFLATE_BLOCK)
        except zlib.error as exc:
            raise gzip.BadGzipFile(f"not valid gzip data ({exc})") from exc
        self.pending = self.z.unused_data if self.z.eof else self.z.unconsumed_tail
        self.produced += len(out)
        return out

    def member_start(self, offset: int) -> int | None:
        """The offset in the compressed file of the gzip member that starts at ``offset`` of the decompressed data
        (one of the latest 256 members), or None when no member starts there."""
        for produced, compressed in reversed(self.members):
            if produced == offset:
                return compressed
            if produced < offset:
                return None
        return None

    def _fill(self) -> bool:
        """Decompress a little more (at most one block of output); False at the end of the data."""
        while True:
            if self.pending:
                out = self._decompress(self.pending)
            elif self.eof:
                return False
            else:
                data = self.fileobj.read(self.block)
                if not data:
                    out = b"" if self.z.eof else self._decompress(b"")  # output zlib may still hold
                    if not out:
                        self.eof = True
                        self.truncated = not self.z.eof
                        return False
                else:
                    self.compressed += len(data)
                    out = self._decompress(data)
            if out:
                self.buf += out
                return True

    def _take(self, n: int) -> bytes:
        if not self.buf and self.eof and self.truncated:
            self.truncated = False
            if not self.compressed:
                raise EOFError("empty file: no gzip data")
            raise EOFError("truncated gzip file: the data ends before the end of its last gzip member")
        with memoryview(self.buf) as view:
            out = bytes(view[:n])  # one copy, not two
        del self.buf[:n]
        return out

    def read(self, n: int | None = -1, /) -> bytes:
        if n is None or n < 0:
            while self._fill():
                pass
            return self._take(len(self.buf))
        while len(self.buf) < n and self._fill():  # n bytes, or to the end (bounded by n plus one block)
            pass
        return self._take(n)

    def read1(self, n: int = -1, /) -> bytes:
        if n is None or n < 0:
            return self.read(n)
        if not self.buf:
            self._fill()
        return self._take(n)

    def readline(self, limit: int | None = -1, /) -> bytes:
        limit = -1 if limit is None else limit
        start = 0  # no newline before here: each byte is searched once (a huge line costs linear time)
        while True:
            i = self.buf.find(b"\n", start)
            if i >= 0 or (0 <= limit <= len(self.buf)):
                break
            start = len(self.buf)
            if not self._fill():
                break
        end = i + 1 if i >= 0 else len(self.buf)
        if limit >= 0:
            end = min(end, limit)
        return self._take(end)

    def peek(self, n: int = 1, /) -> bytes:
        """Some of the next bytes (at least one unless at the end), without reading them."""
        if not self.buf:
            self._fill()
        return bytes(self.buf[:max(n, 1 << 16)])

    def close(self) -> None:
        self.fileobj.close()
        super().close()


def skip_blank_lines(f: io.BufferedIOBase | IO[bytes]) -> int:
    """Skip whitespace (blank lines) at the position of ``f``; return how many line ends were skipped.

    A run of blank lines (millions of them in a gzip bomb) costs one Python step per block, not per line. Needs
    ``f.peek`` (buffered files, stdin, :func:`open_binary` streams); without it nothing is skipped.
    """
    peek = getattr(f, "peek", None)
    lines = 0
    while peek is not None:
        head = peek(1 << 16)
        n = len(head) - len(head.lstrip(b" \t\r\n"))
        if not n:
            break
        lines += head.count(b"\n", 0, n)
        f.read(n)
    return lines


def gunzipped(raw: io.BufferedIOBase) -> io.BufferedIOBase:
    """The decompressed bytes of the gzip stream ``raw``, read as :func:`open_binary` reads a ``.gz`` file."""
    return _Gunzip(raw)


def open_binary(path: Path) -> io.BufferedIOBase:
    """Open a file for reading bytes, decompressing it if its name ends in ``.gz``; the caller closes it.

    Use this (never :func:`gzip.open`) so that every reader treats a truncated ``.gz`` the same way: every
    complete byte is read, then :class:`EOFError`. Raises :class:`OSError` when the file cannot be opened.
    """
    f = open(path, "rb")  # noqa: SIM115 - closed by the callers' with-blocks
    if path.name.lower().endswith(".gz"):
        return gunzipped(f)
    return f


def read_limited(f: ByteSource, max_bytes: int, where: str) -> bytes:
    """All bytes of a binary stream, read in blocks; :class:`InputError` once it passes ``max_bytes``.

    The one way to read a document of unknown size (stdin, a device, a gzip bomb): memory stays bounded.
    """
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


def read_file(path: str | os.PathLike[str], max_bytes: int = MAX_DOCUMENT_BYTES) -> bytes:
    """The bytes of one document file (``.gz`` decompressed), for decoding; at most ``max_bytes`` are read.

    Raises :class:`InputError` naming the file for a folder, a file (or decompressed content) over
    ``max_bytes`` (also devices, pipes and gzip bombs: reading stops at the limit), and for any read error,
    a truncated or invalid ``.gz`` included (``FILE: cannot read (REASON)``).
    """
    path = Path(path)
    where = scrub(str(path))
    try:
        st = path.stat()
        if stat.S_ISDIR(st.st_mode):
            raise InputError(f"{where}: is a folder, not a file")
        if st.st_size > max_bytes:
            raise InputError(f"{where}: {st.st_size:,} bytes is over the {max_bytes:,}-byte limit per document")
        gz = path.name.lower().endswith(".gz")
        with open_binary(path) as f:  # in blocks, to the end (gzip) and never past the limit (devices, bombs)
            return read_limited(f, max_bytes, f"{where} (decompressed)" if gz else where)
    except InputError:
        raise
    except FileNotFoundError as exc:
        broken = path.is_symlink()  # met in a folder walk: named as the walk's own check names it
        raise InputError(f"{where}: " + ("no such file or folder (broken symbolic link)" if broken else
                                         f"cannot read ({exception_reason(exc)})")) from exc
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"{where}: cannot read ({exception_reason(exc)})") from exc
