"""``spin-detect audit``: score a crawled corpus into a report, with a summary.

The command checks its options, then hands the work to
:func:`spin_detect.audit.run.run_audit`, shows its progress on stderr, and
writes the summary (stderr, and optionally JSON and an HTML page).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from spin_detect.cli.app import (
    HtmlChoice,
    ModelOpt,
    PresetOpt,
    ThresholdOpt,
    TrustOpt,
    fail,
    load_detector_or_fail,
)
from spin_detect.cli.console import note, progress_bar, progress_wanted

__all__ = ["audit"]


def audit(
    inputs: Annotated[list[str], typer.Argument(
        help="Folders (walked recursively for .txt/.md/.html/.jsonl/.csv/.tsv/.warc, optionally .gz), files, "
             "or - for JSONL on stdin.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Report to write, one row per input record: "
                                      ".jsonl (default), .csv or .parquet.")],
    sentences: Annotated[Path | None, typer.Option(help="Also write one row per sentence to this file "
                                                        "(.jsonl, .csv or .parquet).")] = None,
    text_field: Annotated[str, typer.Option(help="JSONL/CSV field with the document text.")] = "text",
    id_field: Annotated[str, typer.Option(help="JSONL/CSV field with the document id.")] = "id",
    url_field: Annotated[str, typer.Option(help="JSONL/CSV field with the URL (for the per-host summary).")
                         ] = "url",
    html_input: Annotated[HtmlChoice, typer.Option(
        "--html-input", help="Extract main text from HTML: auto (HTML files, WARC pages, and fields that look "
                             "like HTML), yes (always), no (never).")] = "auto",
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=0, help="Worker processes (0: one per core).")] = 0,
    resume: Annotated[bool, typer.Option(help="Continue an interrupted audit of the same inputs into the same "
                                              "report, without duplicating or losing rows.")] = False,
    summary_html: Annotated[Path | None, typer.Option(help="Write the summary as an HTML page with charts.")
                            ] = None,
    summary_json: Annotated[Path | None, typer.Option(help="Write the summary as JSON.")] = None,
    dask_scheduler: Annotated[str | None, typer.Option(
        help="Run the scoring on this Dask cluster (e.g. tcp://10.0.0.1:8786); needs spin-detect[dask].")] = None,
    chunk_size: Annotated[int, typer.Option(min=1, help="Records per task sent to a worker.")] = 64,
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
    --resume continues where it stopped. Exit code 0 when the audit completed
    (even if some records had errors), 1 when the report cannot be written,
    2 for bad options, 130 when interrupted.
    """
    from spin_detect.atomic import atomic_write
    from spin_detect.audit.reportfile import AuditError, report_format
    from spin_detect.audit.run import AuditOptions, run_audit
    from spin_detect.audit.summary import format_summary
    from spin_detect.audit.worker import DetectorSpec
    from spin_detect.input.files import input_size
    from spin_detect.input.records import InputOptions

    spec = DetectorSpec(None if model in (None, "default") else model, preset, threshold, trust_model)
    try:
        load_detector_or_fail(spec.model, preset, threshold, trust_model)  # a bad model fails here, cleanly
    except KeyboardInterrupt:
        note("interrupted before the audit started")
        raise typer.Exit(130) from None
    opts = AuditOptions(inputs=list(inputs), out=str(out), fmt=report_format(str(out)),
                        sentences=str(sentences) if sentences else None,
                        input=InputOptions(text_field=text_field, id_field=id_field, url_field=url_field,
                                           html=html_input),
                        detector=spec, chunk_size=chunk_size)
    if opts.fmt == "parquet" or (sentences and report_format(str(sentences)) == "parquet"):
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            fail("Parquet output needs pyarrow: pip install 'spin-detect[parquet]'")
    for path in (summary_json, summary_html):  # fail before the run, not after it
        if path is not None and not Path(os.path.realpath(path)).parent.is_dir():
            fail(f"{path}: folder {path.parent} does not exist", code=1)
    show = progress_wanted(progress)
    total = input_size([p for p in inputs if p != "-"]) if show else None
    n_jobs = jobs or os.cpu_count() or 1
    try:
        with progress_bar("audit", total, show, unit="records") as bar:
            summary = run_audit(opts, jobs=n_jobs, resume=resume, scheduler=dask_scheduler,
                                progress=bar.items if bar else None, input_progress=bar, log=note)
    except AuditError as exc:
        fail(str(exc), code=1)
    except KeyboardInterrupt:
        note(f"interrupted; the rows done so far are kept. Rerun the same command with --resume to finish {out}.")
        raise typer.Exit(130) from None
    for path, content in ((summary_json, lambda: json.dumps(summary, indent=2, ensure_ascii=False) + "\n"),
                          (summary_html, lambda: _summary_page(summary))):
        if path is not None:
            try:
                atomic_write(path, content())
            except OSError as exc:
                fail(f"{path}: cannot write ({exc.strerror or exc}); the report {out} is complete", code=1)
            except KeyboardInterrupt:
                note(f"interrupted; the report {out} is complete, {path} was not written")
                raise typer.Exit(130) from None
    typer.echo(format_summary(summary), err=True)
    typer.echo(f"report: {out}" + (f"; sentences: {sentences}" if sentences else ""), err=True)


def _summary_page(summary: dict[str, object]) -> str:
    from spin_detect.render.html import summary_page

    return summary_page(summary)
