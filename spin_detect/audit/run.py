"""Corpus audit: score every record of a crawl, stream the rows to a report, summarise.

The moving parts, each usable on its own:

* :func:`score_records` turns a list of :class:`~spin_detect.input.records.Record`
  into report rows (one per record, errors included) with a detector; it is
  what every worker runs, locally or on Dask.
* :func:`score_frame` / :func:`score_partitions`: pandas in, pandas out, for
  Dask ``map_partitions`` and Spark ``mapInPandas``; the model is loaded once
  per worker process.
* :func:`run_audit`: reads the inputs, scores chunks in order (in this
  process, in ``jobs`` worker processes, or on a Dask cluster), appends the
  rows to ``REPORT.partial`` (flushed and synced per chunk), and at the end
  converts them to the report format and renames it into place, so a crash
  never leaves a half-written report. ``resume=True`` continues from the
  partial file: rows are written in record order, so the number of complete
  rows is the number of records done.
* :class:`Summary`: counts per status and verdict, a histogram of
  likelihoods, the hosts with the highest share of spun pages, sample errors.

Rows never contain timings or anything else that varies between runs: the
same inputs, model and options give byte-identical reports, whether run at
once, resumed, on N processes or on Dask.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from spin_detect.input.decode import InputError, scrub
from spin_detect.input.records import InputOptions, Record, iter_records, prepare_text

__all__ = [
    "MAX_DOCUMENT_CHARS",
    "ROW_FIELDS",
    "ROW_SCHEMA",
    "SENTENCE_FIELDS",
    "SUMMARY_SCHEMA",
    "AuditError",
    "AuditOptions",
    "DetectorSpec",
    "Summary",
    "run_audit",
    "score_frame",
    "score_partitions",
    "score_records",
]

ROW_SCHEMA = "spin-detect/audit-row/1"
SUMMARY_SCHEMA = "spin-detect/audit-summary/1"
#: pandas dtypes of the report's columns (``score_frame``; counts are float because they are missing for errors).
_FRAME_DTYPES = {"seq": "int64", "id": "object", "source": "object", "url": "object", "date": "object",
                 "status": "object", "error": "object", "likelihood": "float64", "verdict": "object",
                 "n_sentences": "float64", "n_flagged": "float64", "top_evidence": "object", "title": "object",
                 "chars": "float64", "notes": "object"}
#: Columns of the report, one row per input record.
ROW_FIELDS = tuple(_FRAME_DTYPES)
#: Columns of the optional per-sentence report.
SENTENCE_FIELDS = ("seq", "id", "index", "start", "end", "probability", "flagged", "evidence", "text")
#: Documents longer than this are scored on their first MAX_DOCUMENT_CHARS characters (noted in the row).
MAX_DOCUMENT_CHARS = 1_000_000
#: A worker hands the detector documents in groups of at most this many characters (a single document may reach
#: MAX_DOCUMENT_CHARS), so a chunk of long documents never makes one huge batch: memory per worker stays bounded.
BATCH_CHARS = MAX_DOCUMENT_CHARS
_TOP_EVIDENCE = 5


class AuditError(RuntimeError):
    """The audit cannot go on (unwritable report, options that do not match a resumed run)."""


@dataclass(frozen=True)
class DetectorSpec:
    """What a worker needs to load the detector: picklable, hashable."""

    model: str | None = None
    preset: str = "balanced"
    threshold: float | None = None
    trust_model: bool = False


@lru_cache(maxsize=4)
def load_spec(spec: DetectorSpec):
    """The detector of ``spec``, loaded once per process."""
    from spin_detect.config import DecisionConfig
    from spin_detect.detector import load_detector

    config = DecisionConfig(preset=spec.preset, document_threshold=spec.threshold)
    return load_detector(spec.model, config, trust_unverified=spec.trust_model)


_FROZEN = False


def _freeze_once() -> None:
    """Move the loaded model and tables out of the garbage collector's reach (audit processes only).

    They live as long as the process; without this every full collection walks
    them again (about 10% of scoring time). Not done for library users, whose
    own objects would be frozen too.
    """
    global _FROZEN
    if not _FROZEN:
        import gc

        gc.collect()
        gc.freeze()
        _FROZEN = True


def cap_document(text: str) -> tuple[str, list[str]]:
    """Cut a document to :data:`MAX_DOCUMENT_CHARS`; return the text and a note when cut."""
    if len(text) <= MAX_DOCUMENT_CHARS:
        return text, []
    return text[:MAX_DOCUMENT_CHARS], [f"document of {len(text):,} characters scored on its first "
                                       f"{MAX_DOCUMENT_CHARS:,}"]


def _evidence_text(evidence) -> str:
    return "; ".join(f"{e.word} -> {e.likely_original}?" if e.likely_original else e.word for e in evidence)


def score_records(records: list[Record], detector, sentences: bool = False) -> tuple[list[dict], list[dict]]:
    """Rows (one per record, in order) and, if ``sentences``, per-sentence rows."""
    rows: list[dict] = []
    texts: list[str] = []
    slots: list[int] = []
    for rec in records:
        row = {"seq": rec.seq, "id": _clean(rec.id), "source": _clean(rec.source), "url": _clean(rec.url),
               "date": _clean(rec.date), "status": rec.status, "error": _clean(rec.error), "likelihood": None,
               "verdict": None, "n_sentences": None, "n_flagged": None, "top_evidence": None, "title": None,
               "chars": None, "notes": None}
        rows.append(row)
        if rec.status != "ok":
            continue
        try:
            text, title = prepare_text(rec)
        except InputError as exc:
            row.update(status="error", error=str(exc))
            continue
        text, notes = cap_document(text)
        row.update(title=_clean(title), chars=len(text), notes="; ".join(notes) or None)
        texts.append(text)
        slots.append(len(rows) - 1)
    sentence_rows: list[dict] = []
    for slot, report in zip(slots, _score_in_groups(detector, texts)):
        row = rows[slot]
        ev = sorted((e for s in report.sentences for e in s.evidence), key=lambda e: -e.probability)
        notes = [n for n in [row["notes"], *report.notes] if n]
        row.update(likelihood=report.likelihood, verdict=report.verdict, n_sentences=report.n_sentences,
                   n_flagged=report.n_flagged, top_evidence=_evidence_text(ev[:_TOP_EVIDENCE]) or None,
                   notes="; ".join(notes) or None)
        if sentences:
            for s in report.sentences:
                sentence_rows.append({"seq": row["seq"], "id": row["id"], "index": s.index, "start": s.start,
                                      "end": s.end, "probability": s.probability, "flagged": s.flagged,
                                      "evidence": _evidence_text(s.evidence) or None, "text": s.text})
    return rows, sentence_rows


def _clean(value):
    return scrub(value) if isinstance(value, str) else value


def _score_in_groups(detector, texts: list[str]) -> Iterator:
    """``detector.score_documents`` over groups of at most :data:`BATCH_CHARS` characters (same reports)."""
    group: list[str] = []
    size = 0
    for text in texts:
        if group and size + len(text) > BATCH_CHARS:
            yield from detector.score_documents(group)
            group, size = [], 0
        group.append(text)
        size += len(text)
    if group:
        yield from detector.score_documents(group)


def _score_chunk(records: list[Record], spec: DetectorSpec, sentences: bool) -> tuple[list[dict], list[dict]]:
    """Worker entry point (process pool and Dask): one OpenMP thread per worker.

    Several workers each running the classifiers with one OpenMP thread per
    core oversubscribe the machine, and OpenMP's spinning threads then make
    everything several times slower.
    """
    from threadpoolctl import threadpool_limits

    det = load_spec(spec)
    _freeze_once()
    with threadpool_limits(limits=1, user_api="openmp"):
        return score_records(records, det, sentences)


def _init_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is handled by the main process
    # the workers are the parallelism: one OpenMP thread each (read when the classifier's runtime loads), or
    # N workers x N threads fight over N cores and every tree of the classifier waits for a descheduled thread
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ["OMP_NUM_THREADS"] = "1"  # before the worker imports scikit-learn


# --------------------------------------------------------------------------- pandas / Dask / Spark

def score_frame(df, text_column: str = "text", id_column: str | None = "id", url_column: str | None = "url",
                model: str | None = None, preset: str = "balanced", threshold: float | None = None,
                html: str = "auto", trust_model: bool = False):
    """Score a pandas DataFrame of documents; return one report row per input row, same order and index.

    The columns are :data:`ROW_FIELDS` (``seq`` is the row's position in this
    frame). Suitable for Dask ``ddf.map_partitions(score_frame, meta=...)``
    and, through :func:`score_partitions`, Spark ``mapInPandas``; the detector
    is loaded once per process and cached.
    """
    import pandas as pd

    spec = DetectorSpec(model, preset, threshold, trust_model)
    kind = {"yes": "html", "no": "text"}.get(html, "auto")
    records = []
    ids = df[id_column] if id_column and id_column in df.columns else None
    urls = df[url_column] if url_column and url_column in df.columns else None
    for i, text in enumerate(df[text_column].tolist()):
        rid = str(ids.iloc[i]) if ids is not None and not pd.isna(ids.iloc[i]) else str(df.index[i])
        url = urls.iloc[i] if urls is not None and isinstance(urls.iloc[i], str) else None
        where = f"row {df.index[i]}"
        if not isinstance(text, str):
            records.append(Record(i, rid, where, url, status="error",
                                  error=f"{where}: {text_column!r} is {type(text).__name__}, not a string"))
        else:
            records.append(Record(i, rid, where, url, payload=text, kind=kind))
    rows, _ = score_records(records, load_spec(spec)) if records else ([], [])
    return pd.DataFrame(rows, columns=list(ROW_FIELDS), index=df.index).astype(_FRAME_DTYPES)


def frame_meta():
    """An empty frame with the dtypes of :func:`score_frame` (Dask's ``meta``)."""
    import pandas as pd

    return pd.DataFrame({k: pd.Series(dtype=v) for k, v in _FRAME_DTYPES.items()})


def score_partitions(batches: Iterable, **kwargs) -> Iterator:
    """Spark ``mapInPandas`` adapter: score each pandas batch with :func:`score_frame`."""
    for pdf in batches:
        yield score_frame(pdf, **kwargs)


# --------------------------------------------------------------------------- summary

@dataclass
class Summary:
    """Counts gathered row by row; ``to_dict`` gives the schema ``spin-detect/audit-summary/1``."""

    threshold: float | None = None
    records: int = 0
    by_status: dict = field(default_factory=dict)
    by_verdict: dict = field(default_factory=dict)
    counts: list = field(default_factory=lambda: [0] * 20)
    hosts: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    max_errors: int = 20

    def add(self, row: dict) -> None:
        self.records += 1
        self.by_status[row["status"]] = self.by_status.get(row["status"], 0) + 1
        if row["status"] != "ok":
            if len(self.errors) < self.max_errors:
                self.errors.append({"id": row["id"], "source": row["source"], "error": row["error"]})
            return
        v = row["verdict"]
        self.by_verdict[v] = self.by_verdict.get(v, 0) + 1
        if v in ("spun", "original"):
            self.counts[min(int(row["likelihood"] * 20), 19)] += 1
        if row.get("url"):
            host = (urlsplit(row["url"]).hostname or "").lower()
            if host:
                n = self.hosts.setdefault(host, [0, 0])
                n[0] += 1
                n[1] += v == "spun"

    def top_hosts(self, k: int = 20, min_documents: int = 2) -> list[dict]:
        rows = [{"host": h, "documents": n, "spun": s, "share": round(s / n, 4)}
                for h, (n, s) in self.hosts.items() if n >= min_documents or len(self.hosts) <= k]
        rows.sort(key=lambda r: (-r["share"], -r["documents"], r["host"]))
        return rows[:k]

    def to_dict(self, **extra) -> dict:
        return {"schema": SUMMARY_SCHEMA, "records": self.records, "by_status": self.by_status,
                "by_verdict": self.by_verdict,
                "histogram": {"edges": [round(i / 20, 2) for i in range(21)], "counts": self.counts},
                "hosts": self.top_hosts(), "threshold": self.threshold, "errors": self.errors, **extra}


def format_summary(s: dict) -> str:
    """The summary for people: counts, a text histogram, top hosts."""
    lines = [f"{s['records']:,} records: " + ", ".join(f"{v:,} {k}" for k, v in sorted(s["by_status"].items()))]
    if s["by_verdict"]:
        lines.append("verdicts: " + ", ".join(f"{v:,} {k}" for k, v in sorted(s["by_verdict"].items(),
                                                                             key=lambda kv: -kv[1])))
    counts = s["histogram"]["counts"]
    if any(counts):
        pairs = [counts[i] + counts[i + 1] for i in range(0, 20, 2)]
        top = max(pairs)
        lines.append("spin likelihood of judged documents:")
        for i, c in enumerate(pairs):
            bar = "#" * round(40 * c / top) or ("." if c else "")
            lines.append(f"  {i * 10:3d}-{i * 10 + 10:3d}%  {c:>8,}  {bar}")
    if s["hosts"]:
        lines.append("hosts with the highest share of spun pages:")
        lines += [f"  {h['share']:6.1%}  {h['spun']:,}/{h['documents']:,}  {h['host']}" for h in s["hosts"][:10]]
    if s["errors"]:
        lines.append("first errors:")
        lines += [f"  {e['error']}" for e in s["errors"][:5]]
    return "\n".join(lines)


# --------------------------------------------------------------------------- the run

@dataclass
class AuditOptions:
    """Everything that decides the content of an audit's report (checked on ``--resume``)."""

    inputs: list[str]
    out: str
    fmt: str = "jsonl"
    sentences: str | None = None
    input: InputOptions = field(default_factory=InputOptions)
    detector: DetectorSpec = field(default_factory=DetectorSpec)
    chunk_size: int = 64

    def identity(self) -> dict:
        return {"inputs": [os.path.abspath(p) if p != "-" else p for p in self.inputs], "format": self.fmt,
                "sentences": self.sentences, "input": asdict(self.input), "detector": asdict(self.detector)}


def _chunks(records: Iterator[Record], size: int, max_bytes: int = 32 << 20) -> Iterator[list[Record]]:
    chunk: list[Record] = []
    nbytes = 0
    for rec in records:
        chunk.append(rec)
        nbytes += len(rec.payload) if rec.payload is not None else 0
        if len(chunk) >= size or nbytes >= max_bytes:
            yield chunk
            chunk, nbytes = [], 0
    if chunk:
        yield chunk


class _PartialFile:
    """An append-only JSONL file of rows in record order, synced per chunk."""

    def __init__(self, path: Path, resume: bool = False, seq_below: int | None = None):
        self.path = path
        self.rows = 0
        if not resume:
            self.f = open(path, "wb")  # noqa: SIM115 - closed in close()
            return
        good = 0
        with open(path, "rb") as f:
            for line in f:
                if not line.endswith(b"\n"):
                    break  # torn last line of a killed run
                try:
                    row = json.loads(line)
                except ValueError:
                    break
                if seq_below is not None and row["seq"] >= seq_below:
                    break
                good += len(line)
                self.rows += 1
        self.f = open(path, "r+b")  # noqa: SIM115
        self.f.truncate(good)
        self.f.seek(good)

    def write(self, rows: list[dict]) -> None:
        if rows:
            self.f.write(b"".join(json.dumps(r, ensure_ascii=False).encode("utf-8", "replace") + b"\n"
                                  for r in rows))
            self.rows += len(rows)

    def sync(self) -> None:
        self.f.flush()
        os.fsync(self.f.fileno())

    def close(self, quiet: bool = False) -> None:
        """Close (flushing what is buffered); ``quiet``: while failing anyway, a failed flush is not news."""
        try:
            self.f.close()
        except OSError:
            if not quiet:
                raise


def _state_path(out: Path) -> Path:
    return out.with_name(out.name + ".state.json")


def _partial_path(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


def _iter_partial(path: Path) -> Iterator[dict]:
    with open(path, "rb") as f:
        for line in f:
            yield json.loads(line)


def _convert(partial: Path, out: Path, fmt: str, fields: tuple[str, ...]) -> Path:
    """Convert the partial JSONL to the report format in a synced temporary file; return the file to rename.

    A failure (full disk, Ctrl-C) removes the temporary file: no half-written file is left, the partial is kept.
    """
    if fmt == "jsonl":
        return partial
    tmp = out.with_name(out.name + ".tmp")
    try:
        _write_converted(partial, tmp, fmt, fields)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _write_converted(partial: Path, tmp: Path, fmt: str, fields: tuple[str, ...]) -> None:
    if fmt == "csv":
        import csv

        with open(tmp, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(fields), extrasaction="ignore")
            w.writeheader()
            for row in _iter_partial(partial):
                w.writerow(row)
    elif fmt == "parquet":
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError as exc:
            raise AuditError("Parquet output needs pyarrow: pip install 'spin-detect[parquet]'") from exc
        types = _arrow_types(pa)
        schema = pa.schema([(k, types.get(k, pa.string())) for k in fields])
        with pq.ParquetWriter(tmp, schema) as w:
            batch: list[dict] = []
            for row in _iter_partial(partial):
                batch.append(row)
                if len(batch) >= 50_000:
                    w.write_table(pa.Table.from_pylist(batch, schema=schema))
                    batch = []
            w.write_table(pa.Table.from_pylist(batch, schema=schema))
    else:
        raise AuditError(f"unknown report format {fmt!r}")


def _check_target(path: Path, what: str) -> None:
    """Refuse a report path that cannot be written by rename (a folder, a device, a pipe) or has no folder."""
    if path.parent.exists() and not path.parent.is_dir():
        raise AuditError(f"{path}: {path.parent} is not a folder")
    if not path.parent.is_dir():
        raise AuditError(f"{path}: folder {path.parent} does not exist")
    if path.exists() and not path.is_file():
        raise AuditError(f"{path}: exists and is not a regular file; the {what} must be a file name")


def _arrow_types(pa) -> dict:
    """Parquet column types other than string."""
    return {"seq": pa.int64(), "likelihood": pa.float64(), "n_sentences": pa.int64(), "n_flagged": pa.int64(),
            "chars": pa.int64(), "index": pa.int64(), "start": pa.int64(), "end": pa.int64(),
            "probability": pa.float64(), "flagged": pa.bool_()}



def report_format(path: str) -> str:
    """Report format from the file name: .jsonl (default), .csv, .parquet."""
    name = path.lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    return "jsonl"


def run_audit(opts: AuditOptions, jobs: int = 1, resume: bool = False, scheduler: str | None = None,
              progress: Callable[[int, int], None] | None = None, input_progress: Callable[[int], None] | None = None,
              log: Callable[[str], None] = lambda m: None) -> dict:
    """Run (or resume) an audit; return the summary dict. See the module docs.

    ``progress(records_done, rows_this_chunk)`` is called after every chunk;
    ``input_progress(bytes)`` as input files are consumed.
    """
    out = Path(opts.out)
    _check_target(out, "report")
    partial, state_path = _partial_path(out), _state_path(out)
    sent_path = Path(opts.sentences) if opts.sentences else None
    sent_partial = _partial_path(sent_path) if sent_path else None
    if sent_path is not None:
        _check_target(sent_path, "sentence report")
        if os.path.abspath(sent_path) == os.path.abspath(out):
            raise AuditError(f"{out}: the report and the sentence report must be different files")
    sentences_final = False  # resumed after the sentence report was already renamed into place
    identity = opts.identity()
    det = load_spec(opts.detector)  # fail early (bad model) before any work
    summary = Summary(threshold=det.config.document_cut(det.model.thresholds_))
    done = 0
    try:
        if resume and partial.exists() and state_path.exists():
            state = json.loads(state_path.read_text())
            if state.get("identity") != identity:
                raise AuditError(f"{out}: the interrupted audit was run with other inputs or options; rerun "
                                 "without --resume to start over")
            rows_file = _PartialFile(partial, resume=True)
            for row in _iter_partial_prefix(partial, rows_file.rows):
                summary.add(row)
            done = rows_file.rows
            sent_file = None
            if sent_partial is not None and sent_path is not None:
                if not sent_partial.exists() and sent_path.exists():
                    sentences_final = True  # killed between the two renames of the last step: all rows are done
                else:
                    sent_file = _PartialFile(sent_partial, resume=sent_partial.exists(), seq_below=done)
            log(f"resuming: {done:,} records already done")
        else:
            if resume:
                log("nothing to resume; starting a new audit")
            state_path.write_text(json.dumps({"identity": identity, "started": time.time()}) + "\n")
            rows_file = _PartialFile(partial)
            sent_file = _PartialFile(sent_partial) if sent_partial else None
    except OSError as exc:
        raise AuditError(f"cannot write the report next to {out}: {exc.strerror or exc}") from exc

    started = time.time()
    records = iter_records(opts.inputs, opts.input, input_progress)
    todo = (r for r in records if r.seq >= done)
    if sentences_final:
        todo = _nothing_left(todo, out)
    chunks = _chunks(todo, opts.chunk_size)
    want_sentences = sent_file is not None
    try:
        for rows, srows in _map_chunks(chunks, opts.detector, want_sentences, jobs, scheduler):
            target = rows_file
            try:
                if sent_file is not None:
                    target = sent_file
                    sent_file.write(srows)
                    sent_file.sync()
                    target = rows_file
                rows_file.write(rows)
                rows_file.sync()
            except OSError as exc:
                raise _write_error(target.path, exc) from exc
            for row in rows:
                summary.add(row)
            if progress:
                progress(rows_file.rows, len(rows))
    except BaseException:
        rows_file.close(quiet=True)
        if sent_file is not None:
            sent_file.close(quiet=True)
        raise
    for pf in (rows_file, sent_file):
        if pf is not None:
            try:
                pf.close()
            except OSError as exc:
                raise _write_error(pf.path, exc) from exc
    try:
        # both files are converted before either is renamed: a failure leaves both partials, for --resume
        renames = []
        if sent_path is not None and sent_partial is not None and not sentences_final:
            renames.append((_convert(sent_partial, sent_path, report_format(str(sent_path)), SENTENCE_FIELDS),
                            sent_path, sent_partial))
        try:
            renames.append((_convert(partial, out, opts.fmt, ROW_FIELDS), out, partial))
        except BaseException:
            for src, _dst, part in renames:
                if src != part:
                    src.unlink(missing_ok=True)
            raise
        for src, dst, part in renames:
            os.replace(src, dst)
            part.unlink(missing_ok=True)
        state_path.unlink(missing_ok=True)
    except OSError as exc:
        raise AuditError(f"cannot write {out}: {exc.strerror or exc}; the rows are kept in {partial}: rerun "
                         "with --resume") from exc
    return summary.to_dict(inputs=list(opts.inputs), report=str(out), model=det.model_id,
                           started=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
                           elapsed_s=round(time.time() - started, 2))


def _write_error(path: Path, exc: OSError) -> AuditError:
    return AuditError(f"cannot write {path}: {exc.strerror or exc}; the rows written so far are kept: free space "
                      "or fix the folder, then rerun with --resume")


def _nothing_left(todo: Iterator[Record], out: Path) -> Iterator[Record]:
    for rec in todo:
        raise AuditError(f"{out}: the sentence report was finished but record {rec.seq} was not; rerun without "
                         "--resume")
        yield rec  # pragma: no cover


def _iter_partial_prefix(path: Path, n: int) -> Iterator[dict]:
    for i, row in enumerate(_iter_partial(path)):
        if i >= n:
            break
        yield row


def _map_chunks(chunks: Iterator[list[Record]], spec: DetectorSpec, sentences: bool, jobs: int,
                scheduler: str | None) -> Iterator[tuple[list[dict], list[dict]]]:
    """Score chunks in order: here, in a process pool, or on a Dask cluster; at most 2 chunks per worker in flight."""
    if scheduler:
        yield from _map_dask(chunks, spec, sentences, scheduler)
        return
    if jobs <= 1:
        det = load_spec(spec)
        _freeze_once()
        for chunk in chunks:
            yield score_records(chunk, det, sentences)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    # not fork: a forked child of a process that ran OpenMP (the classifier) can deadlock
    ctx = mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker)
    window: deque = deque()
    try:
        for chunk in chunks:
            window.append(pool.submit(_score_chunk, chunk, spec, sentences))
            if len(window) >= 2 * jobs:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()
    finally:
        for f in window:
            f.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def _map_dask(chunks: Iterator[list[Record]], spec: DetectorSpec, sentences: bool, scheduler: str
              ) -> Iterator[tuple[list[dict], list[dict]]]:
    try:
        from distributed import Client
    except ImportError as exc:
        raise AuditError("--dask-scheduler needs dask.distributed: pip install 'spin-detect[dask]'") from exc
    client = Client(scheduler) if isinstance(scheduler, str) else scheduler
    try:
        n = max(1, sum(w.get("nthreads", 1) for w in client.scheduler_info().get("workers", {}).values()))
        window: deque = deque()
        for chunk in chunks:
            window.append(client.submit(_score_chunk, chunk, spec, sentences, pure=False))
            if len(window) >= 2 * n:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()
    finally:
        if isinstance(scheduler, str):
            client.close()


def stderr_progress(total_bytes: int | None) -> tuple[Callable[[int, int], None], Callable[[int], None],
                                                      Callable[[], None]]:
    """A progress line on stderr: records, records/s, and % and ETA when the input size is known."""
    state = {"t0": time.time(), "last": 0.0, "bytes": 0, "records": 0}
    tty = sys.stderr.isatty()

    def show(final: bool = False) -> None:
        now = time.time()
        if not final and now - state["last"] < (0.5 if tty else 30):
            return
        state["last"] = now
        el = max(now - state["t0"], 1e-9)
        msg = f"{state['records']:,} records, {state['records'] / el:,.1f}/s, {el:,.0f}s"
        if total_bytes and state["bytes"]:
            frac = min(state["bytes"] / total_bytes, 1.0)
            eta = el * (1 - frac) / max(frac, 1e-9)
            msg += f", input {frac:.0%}, ETA {eta:,.0f}s"
        sys.stderr.write(("\r" + msg + " " * 8) if tty else (msg + "\n"))
        sys.stderr.flush()

    def on_rows(done: int, _n: int) -> None:
        state["records"] = done
        show()

    def on_bytes(b: int) -> None:
        state["bytes"] = b

    def close() -> None:
        show(final=True)
        if tty:
            sys.stderr.write("\n")

    return on_rows, on_bytes, close
