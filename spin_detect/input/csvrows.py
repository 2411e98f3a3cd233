"""The records of a CSV/TSV file, one at a time, whatever the file holds.

:func:`iter_csv_records` finds where each record ends itself (a record is a
line, or several when a quoted field holds line breaks), following the state
machine of :mod:`csv` (default dialect, not strict) over blocks of text, and
hands each record to :func:`csv.reader`. Knowing where a record ends before
parsing it is what lets a bad record be one error while reading goes on:

* a record over ``max_chars`` characters (a huge field, a line that never
  ends, a gzip bomb, a quote never closed that swallows the file) is read to
  its end without being kept, and gives one error;
* so does a record of more than :data:`MAX_CSV_FIELDS` fields (``,,,,`` would
  be millions of Python strings);
* a quote that is never closed makes the rest of the file one field, as in
  :mod:`csv` and spreadsheets (an error only when that is over the limit);
* text right after a field's closing quote (``"abc"def``), which :mod:`csv`
  would silently join to the field, makes the record an error: it is what a
  quote left open shows when a later quoted field "closes" it (the records in
  between would be read as one, and what follows as rows of nonsense).

Memory holds one record (at most ``max_chars`` characters) and one block of
text; time is linear (C code finds the quotes, delimiters and line ends; a
Python step costs one quoted field or one block, never one character or line).
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

__all__ = ["MAX_CSV_FIELDS", "CsvRecord", "iter_csv_records"]

#: A record (header included) of more fields than this is an error: each field is a Python string.
MAX_CSV_FIELDS = 100_000
_BLOCK = 1 << 20  # bytes read at a time

# where a record is: at the start of a field, in an unquoted field, in a quoted field, just after a quote in a
# quoted field (its end, or the first of a doubled quote)
_START, _FIELD, _QUOTED, _CLOSED = 0, 1, 2, 3
_IN_QUOTES_RE = re.compile(r'[^"]*+(?:""[^"]*+)*+')  # up to a quote that is not doubled (possessive: linear)
_BLANK_RE = re.compile(r"[\r\n]+")


class _Binary(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class CsvRecord:
    """A record of the file: its ``fields``, or ``error`` saying why there are none.

    ``number`` is the number of the record's last line as :mod:`csv` counts rows: the header is 1, and every
    blank line counts (a run of blank lines is one record with no fields, numbered by its last line).
    """

    number: int
    fields: list[str] | None = None
    error: str | None = None


class _Text:
    """Blocks of the text of a binary stream (UTF-8, invalid bytes replaced, line ends kept), with a read position
    and the next place of each string looked for in the block.

    Decoding here rather than in :class:`io.TextIOWrapper` keeps every block handed out before a read error
    (``TextIOWrapper.read`` drops what it decoded in the call that fails: a truncated ``.gz`` lost its last rows).
    """

    def __init__(self, raw: _Binary) -> None:
        self.raw, self.buf, self.pos = raw, "", 0
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        self.next: dict[str, int] = {}

    def more(self) -> bool:
        """Read the next block (the current one must be used up); False at the end of the file."""
        data, text = b"x", ""
        while data and not text:
            data = self.raw.read(_BLOCK)
            text = self.decoder.decode(data, final=not data)
        self.buf, self.pos, self.next = text, 0, {}
        return bool(text)

    def at_end(self) -> bool:
        return self.pos >= len(self.buf) and not self.more()

    def find(self, s: str, pos: int) -> int:
        """Where ``s`` is next in the block from ``pos`` (the block's length if nowhere): each part of the block is
        searched once per string, however many records it holds."""
        at = self.next.get(s, -1)
        if at < pos:
            at = self.buf.find(s, pos)
            at = self.next[s] = len(self.buf) if at < 0 else at
        return at


class _Record:
    """The text of the record being read, while it is within the limits; else why not."""

    def __init__(self, max_chars: int) -> None:
        self.parts: list[str] = []
        self.chars, self.fields, self.max_chars = 0, 1, max_chars
        self.error: str | None = None

    def add(self, buf: str, start: int, end: int, delimiters: int, stray: bool = False) -> None:
        if self.error is not None:
            return
        self.chars += end - start
        self.fields += delimiters
        if stray:
            self.error = ("malformed CSV: text right after the closing quote of a field (a quote opened in an "
                          "earlier field or row was never closed?)")
            self.parts = []
        elif self.chars > self.max_chars:
            self.error = f"record over the {self.max_chars:,}-character limit"
        elif self.fields > MAX_CSV_FIELDS:
            self.error = f"record of more than {MAX_CSV_FIELDS:,} fields"
        if self.error is None:
            self.parts.append(buf[start:end])
        else:
            self.parts = []


def _scan(src: _Text, state: int, delim: str) -> tuple[int, int, int, bool, bool]:
    """Follow :mod:`csv` through the block of ``src`` from its position in ``state``, to the end of the record or
    of the block. Returns ``(end, state, delimiters, done, stray)``: ``done`` when the record ends (at a line
    end), ``stray`` when a closing quote was followed by text (which :mod:`csv` joins to the field)."""
    buf, pos = src.buf, src.pos
    n, count, stray = len(buf), 0, False
    while pos < n:
        if state == _QUOTED:
            found = _IN_QUOTES_RE.match(buf, pos)
            pos = found.end() if found else pos
            if pos < n:
                state, pos = _CLOSED, pos + 1
        elif state == _CLOSED:  # not strict: anything after the closing quote belongs to the field
            c = buf[pos]
            if c in "\r\n":
                return pos + 1, _START, count, True, stray
            stray = stray or c not in (delim, '"')
            state = _QUOTED if c == '"' else _START if c == delim else _FIELD
            count += c == delim
            pos += 1
        elif state == _START and buf[pos] == '"':
            state, pos = _QUOTED, pos + 1
        else:  # unquoted: up to the line end, or the next field that opens with a quote
            eol = min(src.find("\n", pos), src.find("\r", pos))
            opens = src.find(delim + '"', pos)
            if opens < eol:
                count += buf.count(delim, pos, opens + 1)
                state, pos = _QUOTED, opens + 2
            elif eol < n:
                return eol + 1, _START, count + buf.count(delim, pos, eol), True, stray
            else:
                return n, (_START if buf[-1] == delim else _FIELD), count + buf.count(delim, pos), False, stray
    return n, state, count, False, stray


def _skip_blank(src: _Text) -> int:
    """Skip blank lines at the read position; how many (``\\r\\n`` is one line end, as for :mod:`csv`)."""
    lines, cr = 0, False
    while not src.at_end():
        m = _BLANK_RE.match(src.buf, src.pos)
        if m is None:
            break
        run = m.group()
        lines += run.count("\n") + run.count("\r") - run.count("\r\n") - (cr and run[0] == "\n")
        cr, src.pos = run[-1] == "\r", m.end()
    return lines


def iter_csv_records(raw: _Binary, max_chars: int, delimiter: str = ",") -> Iterator[CsvRecord]:
    """The records of the CSV in the binary stream ``raw`` (UTF-8, a BOM skipped), each parsed by :mod:`csv`.

    A record over ``max_chars`` characters or :data:`MAX_CSV_FIELDS` fields is a :class:`CsvRecord` with
    ``error`` set, and reading goes on after it. Read errors (a truncated gzip) propagate to the caller.
    """
    csv.field_size_limit(max(max_chars + 2, csv.field_size_limit()))
    src = _Text(raw)
    number = 0
    while True:
        blank = _skip_blank(src)
        if blank:
            number += blank
            yield CsvRecord(number, fields=[])
        if src.at_end():
            return
        rec = _Record(max_chars)
        state, done = _START, False
        while not done and not src.at_end():
            end, state, seen, done, stray = _scan(src, state, delimiter)
            rec.add(src.buf, src.pos, end, seen, stray)
            src.pos = end
            if done and src.buf[end - 1] == "\r" and not src.at_end() and src.buf[src.pos] == "\n":  # \r\n
                rec.add(src.buf, src.pos, src.pos + 1, 0)
                src.pos += 1
        number += 1
        if rec.error is not None:
            yield CsvRecord(number, error=rec.error)
            continue
        try:
            rows = list(csv.reader(["".join(rec.parts)], delimiter=delimiter))
        except csv.Error as exc:  # not expected: the records were measured before
            yield CsvRecord(number, error=f"malformed CSV ({exc})")
            continue
        for i, row in enumerate(rows):
            yield CsvRecord(number + i, fields=row)
        number += max(len(rows), 1) - 1
