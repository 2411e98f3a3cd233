"""``spin-detect audit``: score a crawled corpus into a report, with a summary.

The command checks its options, then hands the work to
:func:`spin_detect.audit.run.run_audit`, shows its progress on stderr, and
writes the summary (stderr, and optionally JSON and an HTML page).
"""

from __future__ import annotations

import json
import os
from concurrent.futures import BrokenExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from spin_detect.cli.app import (
    HtmlChoice,
    ModelOpt,
    PresetOpt,
    ThresholdOpt,
    TrustOpt,
    fail,
    load_detector_or_fail,
    refuse_existing,
)
from spin_detect.cli.console import note, progress_bar, progress_wanted
from spin_detect.cli.helpformat import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE

if TYPE_CHECKING:
    from spin_detect.audit.run import AuditOptions

__all__ = ["audit"]


def audit(
    inputs: Annotated[list[str], typer.Argument(
        metavar="INPUT", help="Folders (walked recursively for .txt/.md/.html/.jsonl/.csv/.tsv/.warc, optionally "
                              ".gz), files, or - for JSONL on stdin. A path that does not exist is an error "
                              "(exit 2) before any work.")],
    out: Annotated[Path, typer.Option("--out", "-o", metavar="FILE", help=(
        "Report to write, one row per input record; its suffix sets the format: .jsonl (or .ndjson), .csv, or "
        ".parquet (or .pq)."))],
    sentences: Annotated[Path | None, typer.Option(metavar="FILE", help="Also write one row per sentence to this "
                                                   "file (.jsonl, .csv or .parquet).")] = None,
    text_field: Annotated[str, typer.Option(metavar="NAME", help="JSONL/CSV field with the document text.")
                          ] = "text",
    id_field: Annotated[str, typer.Option(metavar="NAME", help="JSONL/CSV field with the document id.")] = "id",
    url_field: Annotated[str, typer.Option(metavar="NAME", help="JSONL/CSV field with the URL (for the "
                                                                "per-host summary).")] = "url",
    html_input: Annotated[HtmlChoice, typer.Option(
        "--html-input", help="Extract main text from HTML: auto (HTML files, WARC pages, and fields that look "
                             "like HTML), yes (always), no (never).")] = "auto",
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=0, metavar="N",
                                      help="Worker processes (0: one per core).")] = 0,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the unfinished audit into this report "
                                         "(same inputs and options), without duplicating or losing rows.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Start over: overwrite an existing report (and summary "
                                        "files) and discard the rows of an unfinished audit.")] = False,
    summary_html: Annotated[Path | None, typer.Option(metavar="FILE", help="Write the summary as an HTML page "
                                                      "with charts (an existing file only with --force).")] = None,
    summary_json: Annotated[Path | None, typer.Option(metavar="FILE", help="Write the summary as JSON (an existing "
                                                      "file only with --force).")] = None,
    dask_scheduler: Annotated[str | None, typer.Option(
        metavar="ADDRESS", help="Run the scoring on this Dask cluster (e.g. tcp://10.0.0.1:8786); needs "
                                "spin-detect[dask]. The scheduler is reached before any file is written.")] = None,
    chunk_size: Annotated[int, typer.Option(min=1, metavar="N", help="Records per task sent to a worker.")] = 64,
    match_sources: Annotated[bool, typer.Option(
        "--match-sources", help="After scoring, match the records with each other: a copy, spun copy or "
                                "rewrite of another record gets source_id, source_relation, source_similarity "
                                "and swaps (the swapped words with the original's).")] = False,
    sources: Annotated[list[str] | None, typer.Option(
        "--sources", metavar="PATH", help="Trusted originals to match the records against: inputs of any format "
                                          "audit reads, or an index folder made by 'spin-detect index'. Repeat "
                                          "for more.")] = None,
    progress: Annotated[bool | None, typer.Option(
        "--progress/--no-progress", help="Progress line on stderr (default: when stderr is a terminal).")] = None,
    model: ModelOpt = None,
    preset: PresetOpt = "balanced",
    threshold: ThresholdOpt = None,
    trust_model: TrustOpt = False,
) -> None:
    """Audit a crawled corpus: score every record, write one report row each, summarise.

    Every input record gets exactly one row (id, source, URL, date, status,
    error, spin likelihood, verdict, sentences, flagged, top evidence); records
    that cannot be read get status=error and the run goes on. Rows are written
    in input order and synced as they go; the report appears under its name
    only when complete. After a crash or Ctrl-C, the same command with
    --resume continues where it stopped. An existing report, summary file or
    unfinished audit is never overwritten without --force. Exit code 0 when
    the audit completed (even if some records had errors), 1 when a report cannot be
    written or the Dask scheduler cannot be reached, 2 for bad options or
    inputs, 130 when interrupted. With --match-sources or --sources, the
    originals are found after the scoring (see 'spin-detect index').
    """
    from spin_detect.audit.matchpass import MatchOptions
    from spin_detect.audit.reportfile import AuditError, AuditRefused, report_format
    from spin_detect.audit.run import AuditOptions, check_audit
    from spin_detect.audit.worker import DetectorSpec
    from spin_detect.input.records import InputOptions

    spec = DetectorSpec(None if model in (None, "default") else model, preset, threshold, trust_model)
    match = MatchOptions(within=match_sources, sources=list(sources or [])) if match_sources or sources else None
    opts = AuditOptions(inputs=list(inputs), out=str(out), sentences=str(sentences) if sentences else None,
                        input=InputOptions(text_field=text_field, id_field=id_field, url_field=url_field,
                                           html=html_input),
                        detector=spec, chunk_size=chunk_size, match=match,
                        summaries=tuple(str(p) for p in (summary_json, summary_html) if p is not None))
    try:  # everything that can be checked before any work, cheapest first
        check_audit(opts, resume, force)
        fmts = [opts.format] + ([report_format(str(sentences))] if sentences else [])
    except AuditRefused as exc:
        fail(str(exc), code=EXIT_USAGE)
    except AuditError as exc:
        fail(str(exc), code=EXIT_FAILURE)
    if "parquet" in fmts:
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            fail("Parquet output needs pyarrow: pip install 'spin-detect[parquet]'", code=EXIT_FAILURE)
    if match is not None:
        _check_sources(match.sources)
    for path in (summary_json, summary_html):  # fail before the run, not after it
        if path is not None and not Path(os.path.realpath(path)).parent.is_dir():
            fail(f"{path}: folder {path.parent} does not exist", code=EXIT_FAILURE)
        refuse_existing(path, force)
    try:
        load_detector_or_fail(spec.model, preset, threshold, trust_model)  # a bad model fails here, cleanly
        client = _connect_dask(dask_scheduler) if dask_scheduler else None
    except KeyboardInterrupt:
        note("interrupted before the audit started")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    try:
        summary = _run(opts, out, jobs, resume, force, client, progress)
    finally:
        if client is not None:
            client.close()
    _write_summaries(summary, out, summary_json, summary_html)
    typer.echo(f"report: {out}" + (f"; sentences: {sentences}" if sentences else ""), err=True)


def _check_sources(paths: list[str]) -> None:
    """Refuse, before any work, a --sources folder that looks like an index but cannot be loaded (exit 2)."""
    from spin_detect.matching.index import SourceIndexError, check_index

    for p in paths:
        if (Path(p) / "index.json").is_file():
            try:
                check_index(p)
            except SourceIndexError as exc:
                fail(str(exc), code=EXIT_USAGE)


def _run(opts: AuditOptions, out: Path, jobs: int, resume: bool, force: bool, client: Any,
         progress: bool | None) -> dict[str, Any]:
    """Run the audit with a progress bar; its failures as one line and an exit code."""
    from spin_detect.audit.reportfile import AuditError, AuditRefused
    from spin_detect.audit.run import run_audit
    from spin_detect.input.files import input_size
    from spin_detect.parallel import WORKER_STOPPED

    show = progress_wanted(progress)
    total = input_size([p for p in opts.inputs if p != "-"]) if show else None
    try:
        with progress_bar("audit", total, show, unit="records") as bar:
            return run_audit(opts, jobs=jobs or os.cpu_count() or 1, resume=resume, force=force, scheduler=client,
                             progress=bar.items if bar else None, input_progress=bar, log=note)
    except AuditRefused as exc:
        fail(str(exc), code=EXIT_USAGE)
    except AuditError as exc:
        fail(str(exc), code=EXIT_FAILURE)
    except BrokenExecutor:
        fail(f"{WORKER_STOPPED}; the rows done so far are kept. Rerun the same command with --resume to finish "
             f"{out}, with fewer --jobs if memory is short.", code=EXIT_FAILURE)
    except KeyboardInterrupt:
        note(f"interrupted; the rows done so far are kept. Rerun the same command with --resume to finish {out}.")
        raise typer.Exit(EXIT_INTERRUPTED) from None


def _connect_dask(address: str) -> Any:
    """A Dask client of the scheduler at ``address``, or one line and exit 1 (2 for an address that is not one).

    The connection is tried first on its own (waiting as long as Dask's ``distributed.comm.timeouts.connect``),
    so that a scheduler that cannot be reached leaves no client behind to complain at exit.
    """
    try:
        import asyncio

        from distributed import Client
        from distributed.comm import connect
    except ImportError:
        fail("--dask-scheduler needs dask.distributed: pip install 'spin-detect[dask]'", code=EXIT_FAILURE)

    async def reach() -> None:
        comm = await connect(address)
        await comm.close()

    try:
        asyncio.run(reach())
    except ValueError as exc:
        fail(f"--dask-scheduler {address}: {exc}", code=EXIT_USAGE)
    except (OSError, TimeoutError) as exc:
        fail(f"cannot reach the Dask scheduler at {address}: {exc}", code=EXIT_FAILURE)
    try:
        return Client(address)
    except (OSError, TimeoutError) as exc:
        fail(f"cannot reach the Dask scheduler at {address}: {exc}", code=EXIT_FAILURE)


def _write_summaries(summary: dict[str, Any], out: Path, summary_json: Path | None, summary_html: Path | None
                     ) -> None:
    """The summary on stderr, and into the files asked for (a failure: one line, exit 1; the report stays)."""
    from spin_detect.atomic import atomic_write
    from spin_detect.audit.summary import format_summary

    for path, content in ((summary_json, lambda: json.dumps(summary, indent=2, ensure_ascii=False) + "\n"),
                          (summary_html, lambda: _summary_page(summary))):
        if path is not None:
            try:
                atomic_write(path, content())
            except OSError as exc:
                fail(f"{path}: cannot write ({exc.strerror or exc}); the report {out} is complete",
                     code=EXIT_FAILURE)
            except KeyboardInterrupt:
                note(f"interrupted; the report {out} is complete, {path} was not written")
                raise typer.Exit(EXIT_INTERRUPTED) from None
    typer.echo(format_summary(summary), err=True)
    if not summary["records"]:
        note("no records in the inputs: folders are walked for .txt .md .html .jsonl .csv .tsv .warc files, "
             "optionally .gz (other files are not records), and an empty JSONL or CSV file holds none")


def _summary_page(summary: dict[str, object]) -> str:
    from spin_detect.render.html import summary_page

    return summary_page(summary)
