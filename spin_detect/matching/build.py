"""Building a :class:`~spin_detect.matching.index.SourceIndex` from input records, on several cores.

Most of the time of ``spin-detect index`` goes into each record's text and signature (HTML extraction, the
words, the shingles, the MinHash: about 1 ms a news page); the LSH inserts are a small part. :func:`build_index`
has worker processes prepare and sign chunks of records, and adds the results to the index in input order
here, so the index is the same, file for file, with any number of workers.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TypeAlias

import numpy as np

from spin_detect.input.errors import InputError
from spin_detect.input.records import Record, chunk_records, prepare_record
from spin_detect.matching.config import MatchConfig
from spin_detect.matching.index import SourceIndex, signer_of

__all__ = ["build_index", "sign_chunk"]

#: Records per task sent to a worker.
CHUNK = 256

#: A record's prepared text and MinHash values (None: too short to sign), or None: it could not be read.
Signed: TypeAlias = "tuple[str, np.ndarray | None] | None"


def sign_chunk(records: list[Record], config: MatchConfig) -> list[Signed]:
    """Each record's prepared text and MinHash values (None: too short to sign), or None when the record cannot
    be read or prepared."""
    signer = signer_of(config)
    out: list[Signed] = []
    for rec in records:
        try:
            if rec.status != "ok":
                raise InputError(rec.error or rec.status)
            text = prepare_record(rec).text
        except InputError:
            out.append(None)
            continue
        out.append((text, signer.hashvalues(text)))
    return out


def _signed_chunks(chunks: Iterator[list[Record]], config: MatchConfig, jobs: int) -> Iterator[list[Signed]]:
    """:func:`sign_chunk` of each chunk, in order: here, or in ``jobs`` worker processes (at most two chunks
    each in flight)."""
    if jobs <= 1:
        for chunk in chunks:
            yield sign_chunk(chunk, config)
        return
    from spin_detect.parallel import ordered_map

    yield from ordered_map(sign_chunk, chunks, jobs, config)


def build_index(records: Iterable[Record], jobs: int = 1, config: MatchConfig | None = None,
                added: Callable[[int], None] | None = None, unread: list[str] | None = None
                ) -> tuple[SourceIndex, int]:
    """An index of ``records`` (each readable record a document, in order) and the number of records that could
    not be read or prepared (left out; their ids are appended to ``unread`` when it is given). ``jobs`` worker
    processes prepare and sign the records; the index is the same for any number. ``added(n)`` is called with
    the number of documents so far."""
    config = config or MatchConfig()
    index = SourceIndex(config)
    skipped = 0
    pending: deque[tuple[str, str | None, str | None, str]] = deque()

    def kept(records: Iterable[Record]) -> Iterator[Record]:  # what the index keeps of each, until it is signed
        for rec in records:
            pending.append((rec.id, rec.url, rec.date, rec.source))
            yield rec

    for results in _signed_chunks(chunk_records(kept(records), CHUNK), config, jobs):
        for result in results:
            rec_id, url, date, source = pending.popleft()
            if result is None:
                skipped += 1
                if unread is not None and len(unread) < 100:  # the first ones name the problem; not millions
                    unread.append(rec_id)
                continue
            text, hashvalues = result
            index.add(text, rec_id, url, date, source, hashvalues=hashvalues, signed=True)
        if added is not None:
            added(len(index))
    return index, skipped
