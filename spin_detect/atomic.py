"""The one way spin-detect writes a file: whole or not at all.

Every file the package writes (tables, models and their manifests, reports,
HTML pages) goes through :func:`atomic_output`: the content is written to a
temporary sibling, flushed and synced to disk, then renamed over the target,
so a crash, a full disk or Ctrl-C never leaves a half-written file and a
reader never sees one. This module sits below every layer and imports nothing
of the package.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_output", "atomic_write", "is_stream_path", "stream_fd", "temporary_sibling"]


def temporary_sibling(path: str | os.PathLike[str]) -> Path:
    """The temporary file :func:`atomic_output` writes before renaming it to ``path``."""
    path = Path(path)
    return path.with_name(f".{path.name}.tmp")


@contextmanager
def atomic_output(path: str | os.PathLike[str], mode: str = "wb", **open_kwargs: Any) -> Iterator[IO[Any]]:
    """Open ``path`` for writing so that it appears only complete.

    Yields a file opened with ``mode`` (``"w"`` or ``"wb"``) and ``open_kwargs``
    on a temporary sibling; on a normal exit the file is synced and renamed over
    ``path``; on an exception the temporary file is removed and ``path`` is left
    as it was. A symbolic link is followed (the file it points to is replaced,
    the link stays). An existing path that is not a regular file
    (``/dev/stdout``, a named pipe), or one of the process's own streams
    (:func:`is_stream_path`), is written to directly: renaming over it would replace it.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_output writes whole files: mode 'w' or 'wb', not {mode!r}")
    try:  # the path as given: /dev/stdout on a pipe resolves to "pipe:[N]", which no path names
        direct = not stat.S_ISREG(os.stat(path).st_mode) or is_stream_path(path)
    except FileNotFoundError:
        direct = False
    if direct:
        fd = stream_fd(path)  # the process's own stream: written through its descriptor, at its position
        with open(path if fd is None else fd, mode, closefd=fd is None, **open_kwargs) as f:
            yield f
        return
    target = Path(os.path.realpath(path))
    tmp = temporary_sibling(target)
    try:
        with open(tmp, mode, **open_kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def stream_fd(path: str | os.PathLike[str]) -> int | None:
    """The descriptor of this process's open stream that ``path`` names (``/dev/stdout`` 1, ``/dev/stderr`` 2,
    ``/dev/fd/N`` and ``/proc/self/fd/N`` N), or None."""
    p = os.fspath(path)
    fixed = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}
    if p in fixed:
        return fixed[p]
    for prefix in ("/dev/fd/", "/proc/self/fd/"):
        if p.startswith(prefix) and p[len(prefix):].isdigit():
            return int(p[len(prefix):])
    return None


def is_stream_path(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names one of this process's open streams (:func:`stream_fd`): written to as it is, even
    when the shell pointed it at a regular file, whose other output a rename would replace."""
    return stream_fd(path) is not None


def atomic_write(path: str | os.PathLike[str], content: str | bytes) -> None:
    """Write ``content`` (text as UTF-8, or bytes) to ``path`` through :func:`atomic_output`."""
    if isinstance(content, bytes):
        with atomic_output(path, "wb") as f:
            f.write(content)
    else:
        with atomic_output(path, "w", encoding="utf-8") as f:
            f.write(content)
