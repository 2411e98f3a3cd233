"""The files an audit writes: partial rows, resume state, and the finished report.

While an audit runs, its rows go to ``REPORT.partial`` (and the sentence rows
to ``SENTENCES.partial``), appended in record order and synced per chunk;
``REPORT.state.json`` holds what the rows depend on (inputs and options), so
that ``--resume`` continues only the same audit. The number of complete rows
in the partial file is the number of records done: a torn last line (a kill in
the middle of a write) is cut off on resume.

At the end both partial files are converted to their report format (JSONL,
CSV or Parquet, from the file name: :func:`report_format`) before either is
renamed into place: a failure leaves both partials, for ``--resume``, and no
report. The sentence report is renamed first and its partial removed, then the
report: a run killed between the two renames resumes to the same files.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any

from spin_detect.atomic import atomic_output, atomic_write
from spin_detect.audit.worker import ROW_FIELDS, SENTENCE_FIELDS

__all__ = ["REPORT_SUFFIXES", "AuditError", "AuditRefused", "PartialFile", "ReportFiles", "check_target", "iter_rows",
           "report_format"]


class AuditError(RuntimeError):
    """The audit cannot go on: a report cannot be written (the command exits 1)."""


class AuditRefused(AuditError):
    """The audit was refused before any work: options or existing files say it should not run as asked
    (an unknown report suffix, an input path that does not exist, a report or unfinished audit that would be
    overwritten, ``resume`` with other options). The command exits 2."""


#: Report formats by file suffix (the suffix of ``--out`` and ``--sentences`` decides).
REPORT_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def report_format(path: str) -> str:
    """Report format from the file name's suffix (:data:`REPORT_SUFFIXES`): ``jsonl``, ``csv`` or ``parquet``.

    Raises :class:`AuditRefused` for any other suffix, naming the formats there are.
    """
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in REPORT_SUFFIXES:
        known = ", ".join(REPORT_SUFFIXES)
        what = f"unknown report format {suffix!r}" if suffix else "no suffix to tell the report format"
        raise AuditRefused(f"{path}: {what}; name it with one of {known}")
    return REPORT_SUFFIXES[suffix]


def check_target(path: Path, what: str) -> None:
    """Refuse a report path that cannot be written by rename (a folder, a device, a pipe) or has no folder.

    Raises :class:`AuditError`; called before any work, so that a bad path fails at once.
    """
    if path.parent.exists() and not path.parent.is_dir():
        raise AuditError(f"{path}: {path.parent} is not a folder")
    if not path.parent.is_dir():
        raise AuditError(f"{path}: folder {path.parent} does not exist")
    if path.exists() and not path.is_file():
        raise AuditError(f"{path}: exists and is not a regular file; the {what} must be a file name")


def _partial_path(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


def _state_path(out: Path) -> Path:
    return out.with_name(out.name + ".state.json")


def iter_rows(path: Path, limit: int | None = None) -> Iterator[dict[str, Any]]:
    """The rows of a partial (JSONL) file, the first ``limit`` only if given."""
    with open(path, "rb") as f:
        for i, line in enumerate(f):
            if limit is not None and i >= limit:
                break
            yield json.loads(line)


class PartialFile:
    """An append-only JSONL file of rows in record order, synced per chunk.

    ``resume=True`` opens an existing one for appending after its complete rows
    (and, with ``seq_below``, only the rows of records before that one); ``rows``
    counts the rows in the file.
    """

    def __init__(self, path: Path, resume: bool = False, seq_below: int | None = None) -> None:
        self.path = path
        self.rows = 0
        if not resume:
            self.f: IO[bytes] = open(path, "wb")  # noqa: SIM115 - closed in close()
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

    def write(self, rows: list[dict[str, Any]]) -> None:
        """Append ``rows`` (buffered: :meth:`sync` puts them on disk)."""
        if rows:
            self.f.write(b"".join(json.dumps(r, ensure_ascii=False).encode("utf-8", "replace") + b"\n"
                                  for r in rows))
            self.rows += len(rows)

    def sync(self) -> None:
        """Flush and sync to disk: the rows written so far survive a crash."""
        self.f.flush()
        os.fsync(self.f.fileno())

    def close(self, quiet: bool = False) -> None:
        """Close (flushing what is buffered); ``quiet``: while failing anyway, a failed flush is not news."""
        try:
            self.f.close()
        except OSError:
            if not quiet:
                raise


class ReportFiles:
    """The files of one audit: partial rows, partial sentence rows (optional) and the resume state.

    :meth:`open` starts or resumes, :meth:`append` adds a chunk's rows,
    :meth:`close` then :meth:`finish` put the reports in place.
    """

    def __init__(self, out: Path, sentences: Path | None = None) -> None:
        self.out, self.sentences = out, sentences
        self.partial, self.state = _partial_path(out), _state_path(out)
        self.sentence_partial = _partial_path(sentences) if sentences is not None else None
        self.row_file: PartialFile
        self.sentence_file: PartialFile | None = None
        #: resumed after the sentence report was already renamed into place (all rows were done)
        self.sentences_final = False
        #: the rows amended by source matching (written after the scoring, from the partial rows)
        self.matched = self.work_files(out)[2]

    @staticmethod
    def work_files(report: Path) -> list[Path]:
        """The files an audit keeps beside ``report`` while it runs: partial rows, resume state, matched rows."""
        return [_partial_path(report), _state_path(report), report.with_name(report.name + ".matched.partial")]

    @property
    def done(self) -> int:
        """Rows in the report so far: the number of records done."""
        return self.row_file.rows

    def check(self, identity: dict[str, Any], resume: bool, force: bool = False) -> bool:
        """Whether the audit resumes; :class:`AuditRefused` when it should not run as asked. Writes nothing.

        Without ``resume`` or ``force``, an unfinished audit (``REPORT.partial``) or an existing report or
        sentence report is never overwritten. ``resume`` continues an unfinished audit with the same
        ``identity`` (the refusal names the options that differ), starts a new audit when there is nothing at
        all, and refuses a report that is already complete. ``force`` starts over whatever is there.
        """
        if resume and force:
            raise AuditRefused("--resume and --force contradict each other: --resume continues the unfinished "
                               "audit, --force starts over")
        if force:
            return False
        if resume:
            if self.partial.exists():
                if not self.state.exists():
                    raise AuditRefused(f"{self.out}: cannot resume: {self.state.name} (the options of the "
                                       "unfinished audit) is missing; use --force to start over")
                try:
                    old = json.loads(self.state.read_text()).get("identity")
                except (OSError, ValueError) as exc:
                    raise AuditRefused(f"{self.out}: cannot resume: {self.state.name} cannot be read ({exc}); "
                                       "use --force to start over") from exc
                differ = _differences(old if isinstance(old, dict) else {}, identity)
                if differ:
                    raise AuditRefused(f"{self.out}: cannot resume: the unfinished audit was run with other "
                                       f"options: {'; '.join(differ)}. Rerun it as it was, or use --force to "
                                       "start over")
                return True
            if self.out.exists():
                raise AuditRefused(f"{self.out}: the audit is already complete, nothing to resume; use --force "
                                   "to run it again")
            return False
        if self.partial.exists():
            raise AuditRefused(f"{self.out}: an unfinished audit left its rows in {self.partial.name}; use "
                               "--resume to continue it or --force to start over")
        for path, option in ((self.out, "--out"), (self.sentences, "--sentences")):
            if path is not None and path.exists():
                raise AuditRefused(f"{path}: exists; use --force to overwrite it (or {option} another file)")
        return False

    def open(self, identity: dict[str, Any], resume: bool, recount: Callable[[dict[str, Any]], None],
             log: Callable[[str], None], force: bool = False) -> None:
        """Start a new audit, or with ``resume`` continue the unfinished one with the same ``identity``.

        :meth:`check` decides (and refuses with :class:`AuditRefused`). The rows already done are passed to
        ``recount`` (for the summary). Raises :class:`AuditError` when the files cannot be written.
        """
        resuming = self.check(identity, resume, force)
        try:
            if resuming:
                self.row_file = PartialFile(self.partial, resume=True)
                for row in iter_rows(self.partial, self.row_file.rows):
                    recount(row)
                if self.sentence_partial is not None and self.sentences is not None:
                    if not self.sentence_partial.exists() and self.sentences.exists():
                        self.sentences_final = True  # killed between the two renames of the last step
                    else:
                        self.sentence_file = PartialFile(self.sentence_partial,
                                                         resume=self.sentence_partial.exists(), seq_below=self.done)
                log(f"resuming: {self.done:,} records already done")
            else:
                if resume:
                    log("nothing to resume; starting a new audit")
                atomic_write(self.state, json.dumps({"identity": identity, "started": time.time()}) + "\n")
                self.row_file = PartialFile(self.partial)
                self.sentence_file = PartialFile(self.sentence_partial) if self.sentence_partial else None
        except OSError as exc:
            raise AuditError(f"cannot write the report next to {self.out}: {exc.strerror or exc}") from exc

    def append(self, rows: list[dict[str, Any]], sentence_rows: list[dict[str, Any]]) -> None:
        """Append one chunk's rows (and sentence rows) and sync them; :class:`AuditError` when the disk fails."""
        target = self.row_file
        try:
            if self.sentence_file is not None:
                target = self.sentence_file
                self.sentence_file.write(sentence_rows)
                self.sentence_file.sync()
                target = self.row_file
            self.row_file.write(rows)
            self.row_file.sync()
        except OSError as exc:
            raise _write_error(target.path, exc) from exc

    def close(self, quiet: bool = False) -> None:
        """Close the partial files; ``quiet``: while failing anyway (closing errors are ignored)."""
        for pf in (self.row_file, self.sentence_file):
            if pf is None:
                continue
            if quiet:
                pf.close(quiet=True)
                continue
            try:
                pf.close()
            except OSError as exc:
                raise _write_error(pf.path, exc) from exc

    def write_matched(self, rows: Iterable[dict[str, Any]]) -> None:
        """Write the rows amended by source matching to :attr:`matched` (the partial rows stay as they are, so a
        run killed now resumes from them); :class:`AuditError` when the disk fails."""
        try:
            f = PartialFile(self.matched)
            try:
                batch: list[dict[str, Any]] = []
                for row in rows:
                    batch.append(row)
                    if len(batch) >= 1000:
                        f.write(batch)
                        batch = []
                f.write(batch)
                f.sync()
            finally:
                f.close(quiet=True)
        except OSError as exc:
            self.matched.unlink(missing_ok=True)
            raise _write_error(self.matched, exc) from exc

    def finish(self, fmt: str, fields: tuple[str, ...] = ROW_FIELDS, rows_from: Path | None = None) -> None:
        """Convert the closed partial files (the report to ``fmt``, with columns ``fields``, from ``rows_from``:
        by default the partial rows) and rename them into place; drop the state and the partial files.

        Raises :class:`AuditError` when a report cannot be written; the partial
        files are then kept, for ``--resume``.
        """
        steps: list[tuple[Path, Path, str, tuple[str, ...]]] = []
        if self.sentences is not None and self.sentence_partial is not None and not self.sentences_final:
            steps.append((self.sentence_partial, self.sentences, report_format(str(self.sentences)), SENTENCE_FIELDS))
        steps.append((rows_from or self.partial, self.out, fmt, fields))
        try:
            with ExitStack() as stack:
                # entered last to first, so that they exit (rename into place) first to last
                files = [stack.enter_context(_report_output(partial, report, kind))
                         for partial, report, kind, _ in reversed(steps)][::-1]
                for (partial, _report, kind, fields), f in zip(steps, files):
                    if f is not None:
                        _write_converted(partial, f, kind, fields)
            if rows_from is not None:
                self.partial.unlink(missing_ok=True)
            self.state.unlink(missing_ok=True)
        except OSError as exc:
            raise AuditError(f"cannot write {self.out}: {exc.strerror or exc}; the rows are kept in {self.partial}: "
                             "rerun with --resume") from exc


@contextmanager
def _report_output(partial: Path, report: Path, fmt: str) -> Iterator[IO[Any] | None]:
    """The file to convert ``partial`` into (None for JSONL: the partial file is the report).

    On a normal exit the report is put in place (renamed, synced before) and
    ``partial`` removed; on an exception nothing is renamed or removed but the
    temporary file of the conversion.
    """
    if fmt == "jsonl":
        yield None
        os.replace(partial, report)
    elif fmt in ("csv", "parquet"):
        text: dict[str, Any] = {"newline": "", "encoding": "utf-8"} if fmt == "csv" else {}
        with atomic_output(report, "w" if text else "wb", **text) as f:
            yield f
    else:
        raise AuditError(f"unknown report format {fmt!r}")
    partial.unlink(missing_ok=True)


def _write_converted(partial: Path, f: IO[Any], fmt: str, fields: tuple[str, ...]) -> None:
    """Write the rows of ``partial`` to ``f`` as ``fmt`` (``csv``: ``f`` is text, ``parquet``: binary)."""
    if fmt == "csv":
        import csv

        w = csv.DictWriter(f, fieldnames=list(fields), extrasaction="ignore")
        w.writeheader()
        for row in iter_rows(partial):
            if row.get("swaps") is not None:  # a list: one JSON text in its cell
                row["swaps"] = json.dumps(row["swaps"], ensure_ascii=False)
            w.writerow(row)
    elif fmt == "parquet":
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError as exc:
            raise AuditError("Parquet output needs pyarrow: pip install 'spin-detect[parquet]'") from exc
        types = _arrow_types(pa)
        schema = pa.schema([(k, types.get(k, pa.string())) for k in fields])
        with pq.ParquetWriter(f, schema) as pw:
            batch: list[dict[str, Any]] = []
            for row in iter_rows(partial):
                batch.append(row)
                if len(batch) >= 50_000:
                    pw.write_table(pa.Table.from_pylist(batch, schema=schema))
                    batch = []
            pw.write_table(pa.Table.from_pylist(batch, schema=schema))
    else:
        raise AuditError(f"unknown report format {fmt!r}")


def _arrow_types(pa: Any) -> dict[str, Any]:
    """Parquet column types other than string."""
    return {"seq": pa.int64(), "likelihood": pa.float64(), "n_sentences": pa.int64(), "n_flagged": pa.int64(),
            "chars": pa.int64(), "index": pa.int64(), "start": pa.int64(), "end": pa.int64(),
            "probability": pa.float64(), "flagged": pa.bool_(), "obfuscated": pa.bool_(),
            "invisible_in_words": pa.int64(), "mixed_script_words": pa.int64(), "compatibility": pa.int64(),
            "source_similarity": pa.float64(),
            "swaps": pa.list_(pa.struct([("start", pa.int64()), ("end", pa.int64()), ("word", pa.string()),
                                         ("original", pa.string())]))}


#: Command-line names of what an audit's report depends on (``AuditOptions.identity``), for a refused resume.
_OPTION_NAMES = {"inputs": "the inputs", "format": "the report format", "sentences": "--sentences",
                 "input.text_field": "--text-field", "input.id_field": "--id-field", "input.url_field": "--url-field",
                 "input.html": "--html-input", "input.max_bytes": "the size limit per document",
                 "detector.model": "--model", "detector.preset": "--preset", "detector.threshold": "--threshold",
                 "detector.trust_model": "--trust-model", "model_manifest": "the model (SHA-256 of its manifest)",
                 "spin_detect": "the spin-detect version", "match": "--match-sources/--sources",
                 "match.within": "--match-sources", "match.sources": "--sources"}


def _flat(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What differs between two identities, for people: ``--preset: balanced then, strict now``."""
    a, b = _flat(old), _flat(new)
    return [f"{_OPTION_NAMES.get(k, k)}: {_shown(a.get(k))} then, {_shown(b.get(k))} now"
            for k in sorted(set(a) | set(b), key=lambda k: list(_OPTION_NAMES).index(k) if k in _OPTION_NAMES
                            else len(_OPTION_NAMES)) if a.get(k) != b.get(k)]


def _shown(value: Any) -> str:
    if value is None:
        return "not given"
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


def _write_error(path: Path, exc: OSError) -> AuditError:
    return AuditError(f"cannot write {path}: {exc.strerror or exc}; the rows written so far are kept: free space "
                      "or fix the folder, then rerun with --resume")
