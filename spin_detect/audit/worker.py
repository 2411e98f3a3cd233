"""What an audit worker runs: records in, report rows out.

:func:`score_records` turns a list of :class:`~spin_detect.input.records.Record`
into report rows (one per record, in order, errors included) with a detector;
:func:`score_chunk` is the same for a worker process or a Dask worker, which
loads the detector of a :class:`DetectorSpec` once (:func:`load_spec`). The
columns of the rows are :data:`ROW_FIELDS` (and :data:`SENTENCE_FIELDS` for the
optional per-sentence rows); they never hold timings or anything else that
varies between runs.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from spin_detect.input.errors import InputError, scrub
from spin_detect.input.prepare import MAX_DOCUMENT_CHARS
from spin_detect.input.records import Record, prepare_record

if TYPE_CHECKING:
    from spin_detect.detector import Detector, DocumentReport, Evidence

__all__ = ["BATCH_CHARS", "FRAME_DTYPES", "MAX_DOCUMENT_CHARS", "ROW_FIELDS", "ROW_SCHEMA", "SENTENCE_FIELDS",
           "DetectorSpec", "init_worker", "load_spec", "score_chunk", "score_records"]

ROW_SCHEMA = "spin-detect/audit-row/2"
#: pandas dtypes of the report's columns (``score_frame``, ``frame_meta``): real types, so that a Dask frame
#: writes Parquet with one schema whatever its partitions hold. Text is the nullable ``string``, counts the
#: nullable ``Int64`` (missing for errors and for verdicts that judge nothing), the likelihood ``float64`` (NaN).
FRAME_DTYPES = {"seq": "int64", "id": "string", "source": "string", "url": "string", "date": "string",
                "status": "string", "error": "string", "likelihood": "float64", "verdict": "string",
                "n_sentences": "Int64", "n_flagged": "Int64", "top_evidence": "string", "title": "string",
                "chars": "Int64", "notes": "string", "obfuscated": "boolean", "invisible_in_words": "Int64",
                "mixed_script_words": "Int64", "compatibility": "Int64"}
#: Columns of the report, one row per input record.
ROW_FIELDS = tuple(FRAME_DTYPES)
#: Columns of the optional per-sentence report.
SENTENCE_FIELDS = ("seq", "id", "index", "start", "end", "probability", "flagged", "evidence", "text")
#: A worker hands the detector documents in groups of at most this many characters (a single document may reach
#: MAX_DOCUMENT_CHARS), so a chunk of long documents never makes one huge batch: memory per worker stays bounded.
BATCH_CHARS = MAX_DOCUMENT_CHARS
_TOP_EVIDENCE = 5


@dataclass(frozen=True)
class DetectorSpec:
    """What a worker needs to load the detector: picklable, hashable."""

    model: str | None = None
    preset: str = "balanced"
    threshold: float | None = None
    trust_model: bool = False


@lru_cache(maxsize=4)
def load_spec(spec: DetectorSpec) -> Detector:
    """The detector of ``spec``, loaded once per process: call it wherever a worker needs the detector."""
    from spin_detect.config import DecisionConfig
    from spin_detect.detector import load_detector

    config = DecisionConfig(preset=spec.preset, document_threshold=spec.threshold)
    return load_detector(spec.model, config, trust_unverified=spec.trust_model)


_FROZEN = False


def freeze_once() -> None:
    """Move the loaded model and tables out of the garbage collector's reach (audit processes, and
    commands that score many texts in their own process, such as ``evaluate``).

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


def _evidence_text(evidence: Iterable[Evidence]) -> str:
    return "; ".join(e.label(probability=False) for e in evidence)


def score_records(records: list[Record], detector: Detector, sentences: bool = False
                  ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Score records with ``detector``: the rows (one per record, in order) and, if ``sentences``, per-sentence rows.

    Records that cannot be read or prepared get a row with status ``error``:
    one bad record never stops the others.
    """
    rows: list[dict[str, Any]] = []
    texts: list[str] = []
    slots: list[int] = []
    for rec in records:
        row: dict[str, Any] = {
            "seq": rec.seq, "id": _clean(rec.id), "source": _clean(rec.source), "url": _clean(rec.url),
            "date": _clean(rec.date), "status": rec.status, "error": _clean(rec.error), "likelihood": None,
            "verdict": None, "n_sentences": None, "n_flagged": None, "top_evidence": None, "title": None,
            "chars": None, "notes": None, "obfuscated": None, "invisible_in_words": None, "mixed_script_words": None,
            "compatibility": None}
        rows.append(row)
        if rec.status != "ok":
            continue
        try:
            doc = prepare_record(rec, max_chars=MAX_DOCUMENT_CHARS)  # looked up here: tests patch it
        except InputError as exc:
            row.update(status="error", error=str(exc))
            continue
        row.update(title=_clean(doc.title), chars=len(doc.text), notes="; ".join(doc.notes) or None)
        texts.append(doc.text)
        slots.append(len(rows) - 1)
    sentence_rows: list[dict[str, Any]] = []
    # a row shows the document's strongest evidence only: likely originals are ranked for those (same rows)
    top = None if sentences else _TOP_EVIDENCE
    for slot, report in zip(slots, _score_in_groups(detector, texts, top)):
        row = rows[slot]
        ev = sorted((e for s in report.sentences for e in s.evidence), key=lambda e: -e.probability)
        notes = [n for n in [row["notes"], *report.notes] if n]
        row.update(likelihood=report.likelihood, verdict=report.verdict, n_sentences=report.n_sentences,
                   n_flagged=report.n_flagged, top_evidence=_evidence_text(ev[:_TOP_EVIDENCE]),
                   notes="; ".join(notes) or None, obfuscated=report.obfuscated,
                   **{k: report.obfuscation.get(k, 0) for k in ("invisible_in_words", "mixed_script_words",
                                                                 "compatibility")})
        if sentences:
            for s in report.sentences:
                sentence_rows.append({"seq": row["seq"], "id": row["id"], "index": s.index, "start": s.start,
                                      "end": s.end, "probability": s.probability, "flagged": s.flagged,
                                      "evidence": _evidence_text(s.evidence), "text": s.text})
        if not report.judged:
            _hide_judgement(row, sentence_rows)
    return rows, sentence_rows


# --------------------------------------------------------------------------- verdicts that judge nothing

def _hide_judgement(row: dict[str, Any], sentence_rows: list[dict[str, Any]]) -> None:
    """Blank what would be a guess in the row of an unjudged document (and in its sentence rows at the end of
    ``sentence_rows``): likelihood, flags and evidence become null; the verdict, counts and notes stay."""
    row.update(likelihood=None, n_flagged=None, top_evidence=None)
    for srow in reversed(sentence_rows):
        if srow["seq"] != row["seq"]:
            break
        srow.update(probability=None, flagged=None, evidence=None)


def _clean(value: Any) -> Any:
    return scrub(value) if isinstance(value, str) else value


def _score_in_groups(detector: Detector, texts: list[str], top: int | None = None) -> Iterator[DocumentReport]:
    """``detector.score_documents`` over groups of at most :data:`BATCH_CHARS` characters (same reports;
    ``top``: its ``top_evidence``)."""
    group: list[str] = []
    size = 0
    for text in texts:
        if group and size + len(text) > BATCH_CHARS:
            yield from detector.score_documents(group, top_evidence=top)
            group, size = [], 0
        group.append(text)
        size += len(text)
    if group:
        yield from detector.score_documents(group, top_evidence=top)


def score_chunk(records: list[Record], spec: DetectorSpec, sentences: bool
                ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Worker entry point (process pool and Dask): :func:`score_records` with one thread per worker, for
    OpenMP (the classifiers) and BLAS (the cloze model's matrix products) alike.

    Several workers each running one thread per core oversubscribe the machine, and
    the spinning threads of OpenMP and OpenBLAS then make everything several times
    slower (two workers on two cores, 1,000 documents: 46 s of CPU with a BLAS thread per
    core in each worker, 15 s with one).
    """
    from threadpoolctl import threadpool_limits

    det = load_spec(spec)
    freeze_once()
    with threadpool_limits(limits=1):
        return score_records(records, det, sentences)


def init_worker() -> None:
    """Initializer of the audit's worker processes: Ctrl-C left to the main process, one OpenMP thread."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is handled by the main process
    # the workers are the parallelism: one OpenMP thread each (read when the classifier's runtime loads), or
    # N workers x N threads fight over N cores and every tree of the classifier waits for a descheduled thread
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ["OMP_NUM_THREADS"] = "1"  # before the worker imports scikit-learn
