"""Plain-text documents of files and folders, less excluded ids: what ``build-reference`` counts.

:class:`TextCorpus` is iterated once for ``(doc_id, text)`` pairs and counts,
as it goes, what it read, left out and could not read, so that whoever builds a
table from it can record those numbers (:func:`spin_detect.tables.reference.build_reference`
writes ``excluded_documents``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator

from spin_detect.input.decode import read_text_file
from spin_detect.input.errors import InputError
from spin_detect.input.files import MAX_DOCUMENT_BYTES, PathError, iter_files

__all__ = ["TextCorpus"]


class TextCorpus:
    """The text files (``.txt .text .md``, optionally ``.gz``) of ``paths``, as ``(doc_id, text)`` pairs.

    Iterate it to get the documents in a fixed order (see :func:`~spin_detect.input.files.iter_files`; a
    ``doc_id`` is the path relative to the folder given, or the path of a file given). Documents whose id is in
    ``exclude`` are skipped without being read; a file or folder that cannot be read is skipped and passed
    to ``on_skip`` (an :class:`~spin_detect.input.decode.InputError` naming it and why). ``on_read(n)`` is
    called after each of the ``n`` documents read. A file met twice (named twice, in overlapping folders, or
    through a link) is taken once: the count ``repeated`` says how many were passed over; a file excluded
    under one of its names is excluded under all of them. The counts ``read``, ``excluded``,
    ``failed`` and ``repeated`` are those of the last iteration.
    """

    def __init__(self, paths: Iterable[str | os.PathLike[str]], exclude: Iterable[str] = (),
                 max_bytes: int = MAX_DOCUMENT_BYTES, on_skip: Callable[[InputError], None] | None = None,
                 on_read: Callable[[int], None] | None = None) -> None:
        self.paths = list(paths)
        self.exclude = frozenset(exclude)
        self.max_bytes = max_bytes
        self.on_skip = on_skip
        self.on_read = on_read
        self.read = self.excluded = self.failed = self.repeated = 0

    def __iter__(self) -> Iterator[tuple[str, str]]:
        self.read = self.excluded = self.failed = self.repeated = 0
        # a file excluded under one of its names is excluded under all of them, whatever the order of the paths
        excluded = {_identity(f.path) for f in iter_files(self.paths, ("text",))
                    if not isinstance(f, PathError) and f.doc_id in self.exclude} if self.exclude else set()
        seen: set[object] = set()
        for found in iter_files(self.paths, ("text",)):
            if isinstance(found, PathError):
                self._skip(found)
                continue
            same = _identity(found.path)
            if same in seen:
                self.repeated += 1
                continue
            seen.add(same)
            if same in excluded:  # its own id, or another name of the same file, is excluded
                self.excluded += 1
                continue
            try:
                text = read_text_file(found.path, self.max_bytes)
            except InputError as exc:
                self._skip(exc)
                continue
            self.read += 1
            if self.on_read is not None:
                self.on_read(self.read)
            yield found.doc_id, text

    def _skip(self, exc: InputError) -> None:
        self.failed += 1
        if self.on_skip is not None:
            self.on_skip(exc)


def _identity(path: str | os.PathLike[str]) -> object:
    """What makes two paths one file: its device and inode (hard and symbolic links alike), or its real path
    when it cannot be looked at (then reading it fails, and says why)."""
    try:
        st = os.stat(path)
    except OSError:
        return os.path.realpath(path)
    return (st.st_dev, st.st_ino)
