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

__all__ = ["atomic_output", "atomic_write", "temporary_sibling"]


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
    (``/dev/stdout``, a named pipe) is written to directly: renaming over it
    would replace it.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_output writes whole files: mode 'w' or 'wb', not {mode!r}")
    target = Path(os.path.realpath(path))
    try:
        direct = not stat.S_ISREG(os.stat(target).st_mode)
    except FileNotFoundError:
        direct = False
    if direct:
        with open(target, mode, **open_kwargs) as f:
            yield f
        return
    tmp = temporary_sibling(target)
    try:
        with open(tmp, mode, **open_kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write(path: str | os.PathLike[str], content: str | bytes) -> None:
    """Write ``content`` (text as UTF-8, or bytes) to ``path`` through :func:`atomic_output`."""
    if isinstance(content, bytes):
        with atomic_output(path, "wb") as f:
            f.write(content)
    else:
        with atomic_output(path, "w", encoding="utf-8") as f:
            f.write(content)
