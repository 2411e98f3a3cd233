"""Exact duplicates in an audit: a record whose payload was scored earlier in the run reuses that row.

Crawls hold many byte-identical pages (mirrors, syndicated copies, print views). A row's judgement is a pure
function of the record's payload (with its ``kind`` and ``charset``) and the model, so the row of an exact
duplicate is the earlier record's row with the duplicate's own ``seq``, ``id``, ``source``, ``url`` and
``date``: the same report as scoring it again, without the work.

:class:`DuplicateRows` sits between the chunks of records and the scorers. :meth:`~DuplicateRows.plan` takes a
chunk, keeps back each record whose payload has a row in the cache, and hands on the rest to be scored;
:meth:`~DuplicateRows.merge` gets the scored rows of that chunk back (chunks come back in order), puts the
kept-back records' rows in their places and caches the new rows. Only records the cache holds when their chunk
is planned are kept back: a duplicate of a record still being scored is scored again (same row). The cache is
bounded (least recently used out); rows of records that could not be read are never reused, since their errors
name the record. A resumed audit starts with an empty cache: same rows again.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from typing import Any

from spin_detect.audit.worker import _clean  # the worker's own cleaning of these fields: the same rows
from spin_detect.input.records import Record

__all__ = ["CACHE_CHARS", "DuplicateRows"]

#: About this many characters of cached rows (sentence rows included) at most: tens of MB of memory.
CACHE_CHARS = 16 << 20
#: The fields of a row that name the record, not its payload: the duplicate's own.
_OWN = ("seq", "id", "source", "url", "date")
_Rows = tuple[list[dict[str, Any]], list[dict[str, Any]]]
#: A cached row: the row, its sentence rows, and its size in characters.
_Entry = tuple[dict[str, Any], list[dict[str, Any]], int]


def payload_key(rec: Record) -> bytes | None:
    """What decides a readable record's row besides the model: a digest of its payload, kind and charset. None
    for a record that is not ``ok`` (its row is an error naming it)."""
    if rec.status != "ok" or rec.payload is None:
        return None
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{rec.kind}\0{rec.charset or ''}\0{rec.note or ''}\0{'b' if isinstance(rec.payload, bytes) else 's'}\0"
             .encode())
    h.update(rec.payload if isinstance(rec.payload, bytes) else rec.payload.encode("utf-8", "surrogatepass"))
    return h.digest()


class DuplicateRows:
    """Rows of exact duplicates taken from the earlier record's (module docs). ``max_chars``: the cache's bound."""

    def __init__(self, max_chars: int = CACHE_CHARS) -> None:
        self.max_chars = max_chars
        self._cache: OrderedDict[bytes, _Entry] = OrderedDict()
        self._chars = 0
        #: per planned chunk: each record, its key, and the cached row it takes (held here, so that rows cached
        #: while the chunk is in flight cannot push it out of the cache first)
        self._plans: deque[list[tuple[Record, bytes | None, _Entry | None]]] = deque()
        #: records whose row was reused so far
        self.reused = 0

    def plan(self, chunk: list[Record]) -> list[Record]:
        """The records of ``chunk`` to score: all but those whose payload has a cached row. Call
        :meth:`merge` with the rows of each planned chunk, in the order planned."""
        plan: list[tuple[Record, bytes | None, _Entry | None]] = []
        for rec in chunk:
            key = payload_key(rec)
            entry = self._cache.get(key) if key is not None else None
            if entry is not None:
                self._cache.move_to_end(key)  # type: ignore[arg-type]
            plan.append((rec, key, entry))
        self._plans.append(plan)
        return [rec for rec, _key, entry in plan if entry is None]

    def merge(self, rows: _Rows) -> _Rows:
        """The rows of the next planned chunk, in its record order: ``rows`` (those of the records scored) with
        the kept-back records' rows put in their places."""
        scored, scored_sentences = rows
        plan = self._plans.popleft()
        by_seq: dict[int, list[dict[str, Any]]] = {}
        for srow in scored_sentences:
            by_seq.setdefault(srow["seq"], []).append(srow)
        out: list[dict[str, Any]] = []
        out_sentences: list[dict[str, Any]] = []
        it = iter(scored)
        for rec, key, entry in plan:
            if entry is not None:
                row, srows = _reuse(entry, rec)
                self.reused += 1
            else:
                row = next(it)
                srows = by_seq.get(row["seq"], [])
                if key is not None and row["status"] == "ok" and key not in self._cache:
                    self._keep(key, row, srows)
            out.append(row)
            out_sentences.extend(srows)
        return out, out_sentences

    def wrap(self, chunks: Iterator[list[Record]], score: Callable[[Iterator[list[Record]]], Iterator[_Rows]]
             ) -> Iterator[_Rows]:
        """``score(planned chunks)`` (an iterator of rows per chunk, in order) with the duplicates' rows merged."""
        for rows in score(self.plan(chunk) for chunk in chunks):
            yield self.merge(rows)

    def _keep(self, key: bytes, row: dict[str, Any], srows: list[dict[str, Any]]) -> None:
        size = 256 + sum(len(str(v)) for v in row.values()) + sum(128 + len(s.get("text") or "")
                                                                   + len(s.get("evidence") or "") for s in srows)
        if size > self.max_chars:
            return
        self._cache[key] = (dict(row), [dict(s) for s in srows], size)
        self._chars += size
        while self._chars > self.max_chars:
            _key, (_row, _srows, old) = self._cache.popitem(last=False)
            self._chars -= old


def _reuse(entry: _Entry, rec: Record) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The cached row and sentence rows of ``entry`` as the rows of ``rec``: its own identity fields."""
    row, srows, _size = entry
    own = {k: _clean(getattr(rec, k)) for k in _OWN}
    return {**row, **own}, [{**s, "seq": own["seq"], "id": own["id"]} for s in srows]
