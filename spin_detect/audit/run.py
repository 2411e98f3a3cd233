"""Corpus audit: score every record of a crawl, stream the rows to a report, summarise.

:func:`run_audit` reads the inputs, scores chunks of records in order (in this
process, in ``jobs`` worker processes, or on a Dask cluster) with
:func:`~spin_detect.audit.worker.score_records`, appends the rows to
``REPORT.partial`` (flushed and synced per chunk), and at the end converts
them to the report format and renames it into place, so a crash never leaves
a half-written report (:mod:`spin_detect.audit.reportfile`). ``resume=True``
continues from the partial file: rows are written in record order, so the
number of complete rows is the number of records done. Exact duplicates of
records scored earlier reuse their rows (:mod:`spin_detect.audit.dedup`). It
returns the :class:`~spin_detect.audit.summary.Summary` of the rows.

Rows never contain timings or anything else that varies between runs: the
same inputs, model and options give byte-identical reports, whether run at
once, resumed, on N processes or on Dask.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from spin_detect import __version__
from spin_detect.audit.dedup import DuplicateRows
from spin_detect.audit.lock import lock_path, refuse_if_locked, report_lock
from spin_detect.audit.matchpass import MatchOptions
from spin_detect.audit.reportfile import (
    AuditError,
    AuditRefused,
    ReportFiles,
    check_target,
    iter_rows,
    report_format,
)
from spin_detect.audit.summary import Summary
from spin_detect.audit.worker import (
    ROW_FIELDS,
    DetectorSpec,
    freeze_once,
    init_worker,
    load_spec,
    score_chunk,
    score_records,
)
from spin_detect.input.errors import scrub
from spin_detect.input.files import file_format
from spin_detect.input.records import InputOptions, Record, chunk_records, iter_records
from spin_detect.matching.api import MATCH_FIELDS
from spin_detect.report import plural

__all__ = ["AuditOptions", "check_audit", "run_audit"]

Rows = tuple[list[dict[str, Any]], list[dict[str, Any]]]


@dataclass
class AuditOptions:
    """Everything that decides the content of an audit's report (checked on ``--resume``)."""

    inputs: list[str]
    out: str
    #: report format (``jsonl``, ``csv``, ``parquet``); None: from the suffix of ``out`` (:func:`report_format`)
    fmt: str | None = None
    sentences: str | None = None
    input: InputOptions = field(default_factory=InputOptions)
    detector: DetectorSpec = field(default_factory=DetectorSpec)
    chunk_size: int = 64
    #: source matching after the scoring (``--match-sources``, ``--sources``); None: no matching
    match: MatchOptions | None = None
    #: other files the run writes (the CLI's summary files): like the reports, never read as inputs
    summaries: tuple[str, ...] = ()

    def own_files(self) -> list[str]:
        """Every file this audit writes (reports, their partial and state files, summaries): a folder walk of
        the inputs passes over them, and an input named directly must not be one of them."""
        files = [self.out, *ReportFiles.work_files(Path(self.out)), str(lock_path(Path(self.out))), *self.summaries]
        if self.sentences:
            files += [self.sentences, *ReportFiles.work_files(Path(self.sentences))]
        return [str(f) for f in files]

    @property
    def format(self) -> str:
        """The report format: ``fmt``, or the one the suffix of ``out`` names."""
        return self.fmt or report_format(self.out)

    def identity(self) -> dict[str, Any]:
        """What the report depends on, as data: stored with a run and compared on ``--resume``."""
        out = {"inputs": [os.path.abspath(p) if p != "-" else p for p in self.inputs], "format": self.format,
               "sentences": self.sentences, "input": asdict(self.input), "detector": asdict(self.detector),
               "model_manifest": _manifest_sha256(self.detector.model), "spin_detect": __version__}
        if self.match is not None:
            out["match"] = {"within": self.match.within,
                            "sources": [os.path.abspath(p) for p in self.match.sources]}
        return out

    @property
    def fields(self) -> tuple[str, ...]:
        """The columns of the report: :data:`ROW_FIELDS`, and the match fields when matching."""
        return ROW_FIELDS + MATCH_FIELDS if self.match is not None else ROW_FIELDS


def _manifest_sha256(model: str | None) -> str | None:
    """SHA-256 of the manifest of ``model`` (a folder or a file in it; None: the packaged default), which names
    the checksum of every fitted number, the thresholds and the tables: a resumed audit must score with the same
    model. None when there is no readable manifest (loading the model then says what is wrong)."""
    import hashlib

    from spin_detect.learning.persist import default_model_dir

    folder = default_model_dir() if model is None else Path(model)
    if folder.is_file():
        folder = folder.parent
    try:
        return hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest()
    except OSError:
        return None


def check_audit(opts: AuditOptions, resume: bool = False, force: bool = False) -> bool:
    """Check an audit before any work; return whether it resumes. Writes nothing, loads no model.

    Raises :class:`AuditError` when a report cannot be written where asked (a folder, a device, a missing
    folder), and :class:`AuditRefused` when the audit should not run as asked: an unknown report suffix, the
    same file for both reports, an input path that does not exist (paths met inside folders are rows, with
    their errors), or existing files that ``resume``/``force`` do not cover (:meth:`ReportFiles.check`).
    """
    out = Path(opts.out)
    check_target(out, "report")
    sent_path = Path(opts.sentences) if opts.sentences else None
    if sent_path is not None:
        check_target(sent_path, "sentence report")
        if os.path.abspath(sent_path) == os.path.abspath(out):
            raise AuditRefused(f"{out}: the report and the sentence report must be different files")
        report_format(str(sent_path))
    if opts.fmt is None:
        report_format(opts.out)  # an unknown suffix is refused
    own = {os.path.realpath(f): f for f in opts.own_files()}
    for p in opts.inputs:
        if p != "-":
            _check_input(p)
            if os.path.realpath(p) in own:
                raise AuditRefused(f"{p}: this audit writes {own[os.path.realpath(p)]}; it cannot also be an input")
    for p in opts.match.sources if opts.match is not None else []:
        _check_input(p)
    refuse_if_locked(out)  # a run in progress comes before what the files on disk say
    return ReportFiles(out, sent_path).check(opts.identity(), resume, force)


def _check_input(path: str) -> None:
    """Refuse an input path that does not exist; any other problem (permissions) becomes an error row."""
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        broken = " (a broken symbolic link)" if os.path.islink(path) else ""
        raise AuditRefused(f"{path}: no such file or folder{broken}") from None
    except OSError:
        pass


def run_audit(opts: AuditOptions, jobs: int = 1, resume: bool = False, scheduler: Any = None,
              progress: Callable[[int, int], None] | None = None, input_progress: Callable[[int], None] | None = None,
              log: Callable[[str], None] = lambda m: None, force: bool = False) -> dict[str, Any]:
    """Run (or resume) an audit; return the summary dict (``Summary.to_dict``). See the module docs.

    :func:`check_audit` runs first: nothing is written when it refuses. Without ``resume`` or ``force`` an
    existing report or unfinished audit is never overwritten; ``force`` starts over.
    ``scheduler`` is a Dask scheduler address (or client) to score on;
    ``progress(records_done, rows_this_chunk)`` is called after every chunk;
    ``input_progress(bytes)`` as input files are consumed; ``log(message)``
    with news for the user (nothing is printed).
    """
    check_audit(opts, resume, force)
    with report_lock(Path(opts.out)):
        return _run_audit(opts, jobs, resume, scheduler, progress, input_progress, log, force)


def _run_audit(opts: AuditOptions, jobs: int, resume: bool, scheduler: Any, progress: Callable[[int, int], None] | None,
               input_progress: Callable[[int], None] | None, log: Callable[[str], None], force: bool
               ) -> dict[str, Any]:
    """:func:`run_audit` once it holds the report's lock."""
    out = Path(opts.out)
    sent_path = Path(opts.sentences) if opts.sentences else None
    identity = opts.identity()
    det = load_spec(opts.detector)  # fail early (bad model) before any work
    # trusted sources of a local run: loaded (or refused) before any work, matched while the workers score
    sources = _load_sources(opts) if opts.match is not None and scheduler is None else None
    summary = Summary(threshold=det.document_threshold)
    files = ReportFiles(out, sent_path)
    files.open(identity, resume, summary.add, log, force=force)

    started = time.time()
    records = iter_records(opts.inputs, opts.input, input_progress, skip=opts.own_files())
    _say_own_files_skipped(opts, log)
    spool = None
    if opts.match is not None:
        from spin_detect.audit.matchpass import TextSpool

        # matching runs in this process while the workers score (on Dask, on the cluster after the scoring)
        spool = TextSpool(opts.match if scheduler is None else None, sources=sources)
        records = spool.tap(records)  # every record, also those a resumed run does not score again
    todo: Iterator[Record] = _not_done(records, files, out)
    if files.sentences_final:
        todo = _nothing_left(todo, out)
    chunks = chunk_records(todo, opts.chunk_size)
    want_sentences = files.sentence_file is not None
    duplicates = DuplicateRows()  # exact duplicates of records scored earlier reuse their rows (same report)
    try:
        for rows, srows in duplicates.wrap(
                chunks, lambda planned: _map_chunks(planned, opts.detector, want_sentences, jobs, scheduler)):
            files.append(rows, srows)
            for row in rows:
                summary.add(row)
            if progress:
                progress(files.done, len(rows))
    except BaseException:
        files.close(quiet=True)
        if spool is not None:
            spool.close()
        raise
    files.close()
    if duplicates.reused:
        if duplicates.reused == 1:
            log("1 record was an exact copy of a record scored before it: its row reuses that score")
        else:
            log(f"{duplicates.reused:,} records were exact copies of records scored before them: their rows reuse "
                "those scores")
    if spool is not None and opts.match is not None:
        try:
            summary = _match_pass(opts, files, spool, det, scheduler, log)
        finally:
            spool.close()
        files.finish(opts.format, opts.fields, rows_from=files.matched)
    else:
        files.finish(opts.format)
    return summary.to_dict(inputs=list(opts.inputs), report=str(out), model=det.model_id,
                           started=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
                           elapsed_s=round(time.time() - started, 2))


def _say_own_files_skipped(opts: AuditOptions, log: Callable[[str], None]) -> None:
    """Tell the user when a document file the audit writes sits inside a folder it reads (it is passed over)."""
    folders = [os.path.realpath(p) for p in opts.inputs if p != "-" and os.path.isdir(p)]
    for f in opts.own_files():
        real = os.path.realpath(f)
        if file_format(f) and os.path.isfile(f) and any(real.startswith(d + os.sep) for d in folders):
            log(f"{f} is inside a folder of the inputs: a file this audit writes, not read as an input")


def _not_done(records: Iterator[Record], files: ReportFiles, out: Path) -> Iterator[Record]:
    """The records a resumed audit has still to score, after checking that the records it did are those the inputs
    hold now, one by one (``id`` and ``source``): a file added, removed or renamed before the point reached would
    pair rows with the wrong records, dropping one record and doubling another. :class:`AuditRefused` then (before
    anything new is written)."""
    done = files.done
    if not done:
        yield from records
        return
    rows = iter_rows(files.partial, done)
    seen = 0
    for rec in records:
        if rec.seq >= done:
            yield rec
            continue
        seen += 1
        row = next(rows)
        now, was = (scrub(rec.id), scrub(rec.source)), (row.get("id"), row.get("source"))
        if now != was:
            hint = ("rerun as it was, from the folder it was started in, with the inputs named as then"
                    if now[0] == was[0] and _same_tail(now[1], str(was[1])) else "rerun as it was")
            raise AuditRefused(f"{out}: cannot resume: the inputs changed since the unfinished audit: record "
                               f"{rec.seq} is now {now[0]} ({now[1]}), it was {was[0]} ({was[1]}); {hint}, "
                               "or use --force to start over")
    if seen < done:
        raise AuditRefused(f"{out}: cannot resume: the unfinished audit had done {plural(done, 'record')}, the inputs "
                           f"now hold {seen:,}; rerun as it was, or use --force to start over")


def _nothing_left(todo: Iterator[Record], out: Path) -> Iterator[Record]:
    """After the sentence report was finished, every record must be done: one left is an error."""
    for rec in todo:
        raise AuditError(f"{out}: the sentence report was finished but record {rec.seq} was not; rerun with "
                         "--force to start over")
        yield rec  # pragma: no cover


def _map_chunks(chunks: Iterator[list[Record]], spec: DetectorSpec, sentences: bool, jobs: int,
                scheduler: Any) -> Iterator[Rows]:
    """Score chunks in order: here, in a process pool, or on a Dask cluster; at most 2 chunks per worker in flight."""
    if scheduler:
        yield from _map_dask(chunks, spec, sentences, scheduler)
        return
    if jobs <= 1:
        det = load_spec(spec)
        freeze_once()
        for chunk in chunks:
            yield score_records(chunk, det, sentences)
        return
    from spin_detect.parallel import ordered_map

    yield from ordered_map(score_chunk, chunks, jobs, spec, sentences, initializer=init_worker)


def _map_dask(chunks: Iterator[list[Record]], spec: DetectorSpec, sentences: bool, scheduler: Any
              ) -> Iterator[Rows]:
    """Score chunks in order on a Dask cluster (``scheduler``: its address, or a client)."""
    try:
        from distributed import Client
    except ImportError as exc:
        raise AuditError("--dask-scheduler needs dask.distributed: pip install 'spin-detect[dask]'") from exc
    client = Client(scheduler) if isinstance(scheduler, str) else scheduler
    try:
        n = max(1, sum(w.get("nthreads", 1) for w in client.scheduler_info().get("workers", {}).values()))
        window: deque[Any] = deque()
        for chunk in chunks:
            window.append(client.submit(score_chunk, chunk, spec, sentences, pure=False))
            if len(window) >= 2 * n:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()
    finally:
        if isinstance(scheduler, str):
            client.close()


def _load_sources(opts: AuditOptions) -> Any:
    """The trusted sources of ``--sources`` as one index (None without); :class:`AuditRefused` when they cannot
    be used (:func:`~spin_detect.audit.matchpass.load_sources`)."""
    from spin_detect.audit.matchpass import load_sources
    from spin_detect.input.errors import InputError
    from spin_detect.matching.config import MatchConfig
    from spin_detect.matching.index import SourceIndexError

    assert opts.match is not None
    try:
        return load_sources(opts.match.sources, opts.input, MatchConfig())
    except (SourceIndexError, InputError) as exc:
        raise AuditRefused(str(exc)) from exc


def _match_pass(opts: AuditOptions, files: ReportFiles, spool: Any, det: Any, scheduler: Any,
                log: Callable[[str], None]) -> Summary:
    """Match the scored records (:mod:`spin_detect.audit.matchpass`), write the amended rows beside the partial
    report (``files.matched``), and return the summary of those rows."""
    from spin_detect.audit.matchpass import amend, match_rows
    from spin_detect.matching.config import MatchConfig

    assert opts.match is not None
    config = MatchConfig()
    sources = spool.matcher.sources if spool.matcher is not None else _load_sources(opts)
    keep = ("seq", "status", "id", "url", "date", "likelihood", "verdict")
    rows = [{k: row[k] for k in keep} for row in iter_rows(files.partial)]  # the fields matching reads, not more
    log(f"matching {len(rows):,} records" + (f" against {len(sources):,} sources" if sources is not None else ""))
    client = None
    if scheduler is not None:
        from distributed import Client

        client = Client(scheduler) if isinstance(scheduler, str) else scheduler
    try:
        found = match_rows(rows, spool, opts.match, sources, config, det, client)
    finally:
        if client is not None and isinstance(scheduler, str):
            client.close()
    summary = Summary(threshold=det.document_threshold)

    def amended() -> Iterator[dict[str, Any]]:
        for row in iter_rows(files.partial):
            row = amend(row, found.get(row["seq"]), config)
            summary.add(row)
            yield row

    files.write_matched(amended())
    return summary


def _same_tail(a: str, b: str) -> bool:
    """Whether two sources name one record by paths that differ only in the folders before them
    (``rs/in.jsonl:1`` and ``in.jsonl:1``): the same inputs, named from another working folder."""
    a, b = a.replace("\\", "/"), b.replace("\\", "/")
    short, long = sorted((a, b), key=len)
    return long.endswith("/" + short) or long == short
