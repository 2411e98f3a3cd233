"""The source-matching pass of an audit: after every record is scored, find the originals and amend the rows.

While the audit reads its inputs, :class:`TextSpool` keeps the prepared text of every readable record
(zlib-compressed, in an anonymous temporary file: memory holds only offsets). When the scoring is done,
:func:`match_rows` matches the records with each other (``--match-sources``) and with trusted originals
(``--sources``: input files of any format the audit reads, or index folders made by ``spin-detect index``),
and :func:`amend` adds the match fields to each row: a spun copy becomes ``spun`` with a likelihood of at
least :attr:`~spin_detect.matching.config.MatchConfig.spun_likelihood`, and its ``notes`` say of what and why.

Nothing here is written into the partial file of the scoring pass: a run killed while matching resumes with
every row scored and matches again, to the same rows (matching is deterministic).
"""

from __future__ import annotations

import tempfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from spin_detect.input.errors import InputError
from spin_detect.input.records import InputOptions, Record, iter_records, prepare_record
from spin_detect.matching.api import MATCH_FIELDS, Matcher, Native, empty_fields
from spin_detect.matching.config import MatchConfig
from spin_detect.matching.index import SourceIndex, SourceIndexError, is_index

if TYPE_CHECKING:
    from spin_detect.detector import Detector

__all__ = ["MatchOptions", "TextSpool", "amend", "load_sources", "match_rows"]


@dataclass
class MatchOptions:
    """What the matching pass does: match the records with each other (``within``) and/or with ``sources``
    (paths of inputs or index folders)."""

    within: bool = False
    sources: list[str] = field(default_factory=list)


class TextSpool:
    """Prepared texts of the records by ``seq``, compressed in an anonymous temporary file.

    With ``match`` (the audit's matching, run in this process), every text kept is also given to a
    :class:`~spin_detect.matching.api.Matcher` (:attr:`matcher`) as it is read: signatures, candidate pairs
    (with each other, and with the trusted ``sources``) and their alignments are done while the workers score,
    and the matching pass after the scoring has only the directions and the report left.
    """

    def __init__(self, match: MatchOptions | None = None, config: MatchConfig | None = None,
                 sources: SourceIndex | None = None) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self._where: dict[int, tuple[int, int]] = {}
        self._end = 0
        self.matcher: Matcher | None = None
        if match is not None:
            self.matcher = Matcher(config, within=match.within, texts=self.text, sources=sources)

    def add(self, seq: int, text: str) -> None:
        """Keep the text of record ``seq``."""
        blob = zlib.compress(text.encode("utf-8", "replace"), 1)
        self._file.seek(self._end)
        self._file.write(blob)
        self._where[seq] = (self._end, len(blob))
        self._end += len(blob)

    def __contains__(self, seq: object) -> bool:
        return seq in self._where

    def text(self, seq: int) -> str:
        """The text of record ``seq``."""
        start, size = self._where[seq]
        self._file.seek(start)
        return zlib.decompress(self._file.read(size)).decode("utf-8")

    def tap(self, records: Iterable[Record]) -> Iterator[Record]:
        """Pass ``records`` on, keeping the prepared text of each readable one (errors are the scorer's)."""
        for rec in records:
            if rec.status == "ok":
                try:
                    text = prepare_record(rec).text
                except InputError:
                    pass
                else:
                    self.add(rec.seq, text)
                    if self.matcher is not None:
                        self.matcher.add(rec.seq, text)
            yield rec

    def close(self) -> None:
        """Drop the file."""
        self._file.close()


def load_sources(paths: list[str], input_options: InputOptions, config: MatchConfig) -> SourceIndex | None:
    """One index of every trusted original: index folders are loaded, other paths read as audit inputs (each
    readable record a source). Raises :class:`~spin_detect.matching.index.SourceIndexError` for a bad index, and
    when no source can be read."""
    if not paths:
        return None
    folders = [p for p in paths if is_index(p)]
    others = [p for p in paths if p not in folders]
    index = SourceIndex.load(folders[0], config) if len(folders) == 1 and not others else SourceIndex(config)
    if len(index) == 0:
        for folder in folders:
            part = SourceIndex.load(folder, config)
            for key in part:
                r = part.records[key]
                index.add(part.text(key), r["id"], r["url"], r["date"], r["source"], part.hashvalues(key), signed=True)
        unread = 0
        for rec in iter_records(others, input_options):
            if rec.status != "ok":
                unread += 1
                continue
            try:
                text = prepare_record(rec).text
            except InputError:
                unread += 1
                continue
            index.add(text, rec.id, rec.url, rec.date, rec.source)
        if len(index) == 0:  # matching against nothing would find nothing, silently (as ``index`` refuses)
            found = f"{unread:,} record{'s' if unread != 1 else ''}, none readable" if unread else "no record"
            raise SourceIndexError(f"--sources {', '.join(paths)}: {found}; nothing to match against")
    return index


def match_rows(rows: list[dict[str, Any]], spool: TextSpool, opts: MatchOptions, sources: SourceIndex | None,
               config: MatchConfig, detector: Detector | None, scheduler: Any = None) -> dict[int, dict[str, Any]]:
    """The match fields of each row (by ``seq``) whose record has a text; on a Dask cluster with ``scheduler``
    (its client), the same fields."""
    from spin_detect.matching.pairs import Doc

    docs: list[Doc] = []
    seqs: list[int] = []
    for row in rows:
        if row["status"] != "ok" or row["seq"] not in spool:
            continue
        lik = row["likelihood"] if row["verdict"] in ("spun", "original") else None
        docs.append(Doc(len(docs), row["id"], "", row["url"], row["date"], lik))
        seqs.append(row["seq"])
    native: Native | None = None
    if detector is not None:
        det = detector

        def native(sentences: Sequence[str]) -> Sequence[float]:
            return [float(p) for p in det.score_sentences(sentences)]

    def text(key: int) -> str:
        return spool.text(seqs[key])

    if scheduler is None and spool.matcher is not None:
        if spool.matcher.config != config or spool.matcher.within != opts.within:
            raise ValueError("the spool's matcher was made with other settings than this matching pass")
        fields = spool.matcher.fields(docs, seqs, sources, native)
    elif scheduler is not None:
        from spin_detect.matching.distributed import match_documents_dask

        fields = match_documents_dask(docs, scheduler, sources, within=opts.within, config=config, native=native,
                                      texts=text)
    else:
        from spin_detect.matching.api import match_documents

        fields = match_documents(docs, sources, within=opts.within, config=config, native=native, texts=text)
    return dict(zip(seqs, fields))


def amend(row: dict[str, Any], found: dict[str, Any] | None, config: MatchConfig) -> dict[str, Any]:
    """``row`` with the match fields, and the verdict of a spun copy raised (see the module docs)."""
    f = found or empty_fields()
    row.update({k: f[k] for k in MATCH_FIELDS})
    if f.get("match_error"):
        row["notes"] = "; ".join(n for n in (row["notes"], f"source matching: {f['match_error']}") if n)
    if not f["source_relation"]:
        return row
    note = f"{f['source_relation'].replace('_', ' ')} of {f['source_id']}: {f['source_note']}"
    if f["source_relation"] == "spun_copy" and row["verdict"] in ("spun", "original"):
        was = row["likelihood"]
        row["likelihood"] = max(was, config.spun_likelihood)
        row["verdict"] = "spun"
        note += f"; {len(f['swaps'])} swaps found against it"
        if row["likelihood"] != was:
            note += f": spin likelihood raised to {row['likelihood']:.0%} (the model alone: {was:.0%})"
    row["notes"] = "; ".join(n for n in (row["notes"], note) if n)
    return row
