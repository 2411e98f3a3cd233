"""The ``spin-detect`` command line (Typer).

Only this module talks to the console: results go to stdout, progress and
errors to stderr. Errors the user can fix (unreadable input, bad options) end
with a one-line message and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from spin_detect import __version__

app = typer.Typer(
    name="spin-detect",
    help="Find spun web content: text rewritten with thesaurus synonyms by article spinners.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _fail(message: str, code: int = 2) -> None:
    """One line on stderr (whatever the message holds), then exit with ``code``."""
    from spin_detect.input.decode import scrub

    typer.echo(f"spin-detect: error: {' '.join(scrub(message).split())}", err=True)
    raise typer.Exit(code)


def _read_input(source: str) -> tuple[str, str]:
    """Read a file path or ``-`` (stdin); return ``(text, name)``. At most MAX_DOCUMENT_BYTES are read."""
    from spin_detect.input.decode import (
        MAX_DOCUMENT_BYTES,
        InputError,
        decode_bytes,
        read_limited,
        read_text_file,
        scrub,
    )

    try:
        if source == "-":
            return decode_bytes(read_limited(sys.stdin.buffer, MAX_DOCUMENT_BYTES, "<stdin>"), "<stdin>")[0], \
                "<stdin>"
        return read_text_file(source), scrub(source)
    except InputError as exc:
        _fail(str(exc))
    raise AssertionError("unreachable")


def _read_article(source: str, html: str) -> tuple[str, str, str | None]:
    """Read an article to score (text or HTML, file or stdin); return ``(text, name, title)``."""
    from spin_detect.input.decode import InputError, scrub
    from spin_detect.input.records import Record, prepare_text, record_format

    fmt = record_format(source) if source != "-" else None
    if fmt in ("jsonl", "csv", "warc"):
        _fail(f"{scrub(source)}: a {fmt.upper()} file holds many records and 'score' reads one article; "
              f"use 'spin-detect audit {scrub(source)} --out report.jsonl'")
    raw, name = _read_input(source)
    kind = {"yes": "html", "no": "text"}.get(html, "auto")
    if html == "auto" and record_format(name) == "html":
        kind = "html"
    try:
        text, title = prepare_text(Record(0, name, name, payload=raw, kind=kind))
    except InputError as exc:
        _fail(str(exc))
    return text, name, title


def _version(value: bool) -> None:
    if value:
        typer.echo(f"spin-detect {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """Find spun web content: text rewritten with thesaurus synonyms by article spinners."""


def _detector(model: str | None, preset: str, threshold: float | None, trust: bool):
    from spin_detect.config import DecisionConfig
    from spin_detect.detector import ModelError, load_detector

    try:
        config = DecisionConfig(preset=preset, document_threshold=threshold)
        return load_detector(None if model in (None, "default") else model, config, trust_unverified=trust)
    except (ModelError, ValueError, FileNotFoundError) as exc:
        _fail(str(exc))
    raise AssertionError("unreachable")


ModelOpt = Annotated[str | None, typer.Option("--model", help="Model folder (default: the packaged model).")]
PresetOpt = Annotated[str, typer.Option(help="Document threshold preset: strict, balanced or sensitive.")]
ThresholdOpt = Annotated[float | None, typer.Option(
    min=0.0, max=1.0, help="Document threshold (overrides --preset): spun when the likelihood is at least this.")]
TrustOpt = Annotated[bool, typer.Option("--trust-model", help="Load a model whose manifest is missing or does "
                                        "not match. Loading a model runs code: only for models you made.")]


HtmlOpt = Annotated[str, typer.Option(
    "--html-input", help="Treat the input as HTML and extract the main text: auto (by suffix or content), yes, no.")]


@app.command()
def score(
    file: Annotated[str, typer.Argument(help="Article to score: a text or HTML file, or - for stdin.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON (schema spin-detect/report/1).")
                       ] = False,
    html_out: Annotated[Path | None, typer.Option(
        "--html", help="Also write a self-contained HTML page of the report to this file.")] = None,
    all_sentences: Annotated[bool, typer.Option("--all", help="Show every sentence, not only flagged ones.")
                             ] = False,
    html_input: HtmlOpt = "auto",
    model: ModelOpt = None,
    preset: PresetOpt = "balanced",
    threshold: ThresholdOpt = None,
    trust_model: TrustOpt = False,
) -> None:
    """Score one article: how likely it was spun, and which words give it away.

    Prints the document's spin likelihood and verdict, then the flagged
    sentences with their probability and the words that look substituted, with
    the likely original ("Safety -> security?"). HTML input is reduced to its
    main text first (scripts, navigation and boilerplate dropped). Exit code 0
    whatever the verdict; 2 when the input cannot be read.
    """
    from spin_detect.audit.run import cap_document

    if html_input not in ("auto", "yes", "no"):
        _fail(f"--html-input must be auto, yes or no, not {html_input!r}")
    try:
        text, name, _title = _read_article(file, html_input)
        if not text or text.isspace():
            _fail(f"{name}: empty document (no text to score)")
        text, cap_notes = cap_document(text)
        det = _detector(model, preset, threshold, trust_model)
        report = det.score_document(text)
    except KeyboardInterrupt:
        typer.echo("spin-detect: interrupted", err=True)
        raise typer.Exit(130) from None
    report.notes[:0] = cap_notes
    if html_out is not None:
        from spin_detect.render.html import document_page

        try:
            _atomic_write(html_out, document_page(report, text, name))
        except OSError as exc:
            _fail(f"{html_out}: cannot write ({exc.strerror or exc})", code=1)
    if as_json:
        typer.echo(json.dumps({"input": name, **report.to_dict()}, ensure_ascii=False, indent=2))
        return
    _print_report(name, report, all_sentences)
    if html_out is not None:
        typer.echo(f"\nHTML report: {html_out}")


def _atomic_write(path: Path, content: str) -> None:
    """Write a file through a temporary sibling and a rename: never half-written.

    A symbolic link is followed (the file it points to is replaced, the link stays). An existing path that is
    not a regular file (``/dev/stdout``, a named pipe) is written to directly: renaming over it would replace it.
    """
    import os
    import stat

    path = Path(os.path.realpath(path))
    try:
        direct = not stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        direct = False
    if direct:
        with open(path, "w", encoding="utf-8") as f:
            f.write(content)
        return
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _print_report(name: str, report, all_sentences: bool) -> None:
    color = {"spun": typer.colors.RED, "original": typer.colors.GREEN}.get(report.verdict, typer.colors.YELLOW)
    verdict = typer.style(report.verdict.upper().replace("_", " "), fg=color, bold=True)
    typer.echo(f"{name}: {verdict}  spin likelihood {report.likelihood:.0%} "
               f"(threshold {report.threshold:.0%}); {report.n_flagged} of {report.n_sentences} sentences flagged")
    for note in report.notes:
        typer.echo(f"  note: {note}")
    for s in report.sentences:
        if not (s.flagged or all_sentences):
            continue
        mark = typer.style(f"{s.probability:4.0%}", fg=typer.colors.RED if s.flagged else None, bold=s.flagged)
        typer.echo(f"\n[{s.index}] {mark}  {_highlight(s)}")
        if s.evidence:
            typer.echo(f"      suspicious: {', '.join(map(_evidence_label, s.evidence))}")
    if not all_sentences and report.n_flagged < report.n_sentences:
        typer.echo(f"\n({report.n_sentences - report.n_flagged} sentences not flagged; --all shows them)")
        strong = _strong_unflagged(report)
        if strong:
            typer.echo("strongest words in sentences not flagged: "
                       + ", ".join(f"[{i}] {_evidence_label(e)}" for i, e in strong))


def _evidence_label(e) -> str:
    """'word -> original? (p%)', or 'word (p%)' when no likely original is known."""
    orig = f" -> {e.likely_original}?" if e.likely_original else ""
    return f"{e.word}{orig} ({e.probability:.0%})"


#: Words at least this likely substituted are listed even when their sentence is not flagged.
STRONG_WORD = 0.5


def _strong_unflagged(report, k: int = 3) -> list:
    """The ``k`` most suspicious words (at least :data:`STRONG_WORD`) of sentences not flagged,
    with their sentence index: what a reader of a borderline verdict wants to check."""
    words = [(s.index, e) for s in report.sentences if not s.flagged for e in s.evidence
             if e.probability >= STRONG_WORD]
    return sorted(words, key=lambda x: -x[1].probability)[:k]


def _highlight(s) -> str:
    out, pos = [], 0
    for e in sorted(s.evidence, key=lambda e: e.start):
        a, b = e.start - s.start, e.end - s.start
        out += [s.text[pos:a], typer.style(s.text[a:b], fg=typer.colors.RED, underline=True)]
        pos = b
    out.append(s.text[pos:])
    return " ".join("".join(out).split())


@app.command()
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
    html_input: Annotated[str, typer.Option(
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
    import os

    from spin_detect.audit.run import (
        AuditError,
        AuditOptions,
        DetectorSpec,
        format_summary,
        report_format,
        run_audit,
        stderr_progress,
    )
    from spin_detect.input.records import InputOptions, input_size

    if html_input not in ("auto", "yes", "no"):
        _fail(f"--html-input must be auto, yes or no, not {html_input!r}")
    spec = DetectorSpec(None if model in (None, "default") else model, preset, threshold, trust_model)
    try:
        _detector(spec.model, preset, threshold, trust_model)  # a bad model or preset fails here, cleanly
    except KeyboardInterrupt:
        typer.echo("spin-detect: interrupted before the audit started", err=True)
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
            _fail("Parquet output needs pyarrow: pip install 'spin-detect[parquet]'")
    for path in (summary_json, summary_html):  # fail before the run, not after it
        if path is not None and not Path(os.path.realpath(path)).parent.is_dir():
            _fail(f"{path}: folder {path.parent} does not exist", code=1)
    show = sys.stderr.isatty() if progress is None else progress
    on_rows = on_bytes = close = None
    if show:
        on_rows, on_bytes, close = stderr_progress(input_size([p for p in inputs if p != "-"]))
    n_jobs = jobs or os.cpu_count() or 1
    try:
        summary = run_audit(opts, jobs=n_jobs, resume=resume, scheduler=dask_scheduler, progress=on_rows,
                            input_progress=on_bytes, log=lambda m: typer.echo(f"spin-detect: {m}", err=True))
    except AuditError as exc:
        if close:
            close()
        _fail(str(exc), code=1)
    except KeyboardInterrupt:
        if close:
            close()
        typer.echo(f"spin-detect: interrupted; the rows done so far are kept. Rerun the same command with "
                   f"--resume to finish {out}.", err=True)
        raise typer.Exit(130) from None
    if close:
        close()
    for path, content in ((summary_json, lambda: json.dumps(summary, indent=2, ensure_ascii=False) + "\n"),
                          (summary_html, lambda: _summary_page(summary))):
        if path is not None:
            try:
                _atomic_write(path, content())
            except OSError as exc:
                _fail(f"{path}: cannot write ({exc.strerror or exc}); the report {out} is complete", code=1)
            except KeyboardInterrupt:
                typer.echo(f"spin-detect: interrupted; the report {out} is complete, {path} was not written",
                           err=True)
                raise typer.Exit(130) from None
    typer.echo(format_summary(summary), err=True)
    typer.echo(f"report: {out}" + (f"; sentences: {sentences}" if sentences else ""), err=True)


def _summary_page(summary: dict) -> str:
    from spin_detect.render.html import summary_page

    return summary_page(summary)


@app.command()
def train(
    data: Annotated[list[Path], typer.Argument(help="Labelled sentences: CSV/JSONL with text and label "
                                                    "(see README, 'Training on your own data').")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Model folder to write.")],
    seed: Annotated[int, typer.Option(help="Random seed (same data and seed, same model).")] = 0,
    base: Annotated[str, typer.Option(help="Model whose token level is reused when the data has no "
                                           "'changes' column ('default' or a folder).")] = "default",
) -> None:
    """Train a model on labelled sentences (yours, or the generated datasets).

    Rows with split=test are left out; without a split column, documents are
    split 80/20 into training and calibration sets.
    """
    import pandas as pd

    from spin_detect.detector import save_model
    from spin_detect.learning.labelled import LabelledDataError, load_labelled
    from spin_detect.learning.train import train_model

    try:
        df = pd.concat([load_labelled(p) for p in data], ignore_index=True)
    except LabelledDataError as exc:
        _fail(str(exc))
    base_det = _detector(base, "balanced", None, False)
    with _progress(len(df), "features") as bar:
        try:
            model, _ = train_model(df, base_det.extractor, seed=seed, base=base_det.model,
                                   log=lambda m: typer.echo(f"spin-detect: {m}", err=True), progress=bar)
        except ValueError as exc:
            _fail(str(exc))
    model.info_["data"] = [str(p) for p in data]
    manifest = save_model(model, out, base_det.extractor, {"name": out.name})
    typer.echo(f"spin-detect: model written to {out} (sha256 {manifest['sha256'][:16]})", err=True)


@app.command()
def evaluate(
    model: Annotated[str, typer.Argument(help="Model folder, or 'default'.")],
    data: Annotated[list[Path], typer.Argument(help="Labelled sentences (CSV/JSONL).")],
    split: Annotated[str | None, typer.Option(help="Only rows of this split (when the data has a split "
                                                   "column), e.g. test.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print all metrics as JSON.")] = False,
    preset: PresetOpt = "balanced",
    threshold: ThresholdOpt = None,
    trust_model: TrustOpt = False,
) -> None:
    """Measure a model on labelled data: ROC-AUC, PR-AUC, F1, recall at 1%/5% FPR,
    confusion matrix and calibration, per source, style and rate, for sentences
    and documents."""
    import pandas as pd

    from spin_detect.learning.evaluate import evaluation_report, score_frame_for_evaluation
    from spin_detect.learning.labelled import LabelledDataError, load_labelled

    try:
        df = pd.concat([load_labelled(p) for p in data], ignore_index=True)
    except LabelledDataError as exc:
        _fail(str(exc))
    if split is not None:
        if "split" not in df.columns:
            _fail("--split given but the data has no split column")
        df = df[df["split"] == split]
        if df.empty:
            _fail(f"no rows with split={split}")
    det = _detector(model, preset, threshold, trust_model)
    with _progress(len(df), "scoring") as bar:
        sent, docs = score_frame_for_evaluation(det, df, progress=bar)
    report = evaluation_report(sent, docs, det.config.sentence_threshold,
                               det.config.document_cut(det.model.thresholds_))
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    _print_evaluation(report)


def _print_evaluation(report: dict) -> None:
    cols = ("n", "positives", "roc_auc", "pr_auc", "f1", "recall_at_1pct_fpr", "recall_at_5pct_fpr", "fpr", "brier")
    head = f"{'':<22}" + "".join(f"{c.replace('recall_at_', 'R@').replace('pct_fpr', '%'):>10}" for c in cols)
    for level in ("sentence", "document"):
        r = report[level]
        typer.echo(f"\n{level} level (threshold {report['thresholds'][level]:.3f})\n{head}")
        rows = [("overall", r["overall"])]
        for key in ("by_source", "by_style", "by_rate_name", "by_partial"):
            rows += [(f"{key[3:]}={k}", v) for k, v in r.get(key, {}).items()]
        for label, m in rows:
            vals = "".join(f"{m.get(c, float('nan')):>10.3f}" if isinstance(m.get(c), float)
                           else f"{m.get(c, ''):>10}" for c in cols)
            typer.echo(f"{label:<22}{vals}")
        cm = r["overall"]["confusion"]
        typer.echo(f"confusion [[tn fp] [fn tp]]: {cm}")
        if "original_flagged_by_source" in r:
            counts = r.get("original_flagged_counts_by_source", {})
            flagged = ", ".join(f"{k} {v:.1%}" + (f" ({counts[k][0]} of {counts[k][1]})" if k in counts else "")
                                for k, v in r["original_flagged_by_source"].items())
            typer.echo(f"original documents flagged, by source: {flagged}")


class _progress:
    """A progress bar on stderr (only when stderr is a terminal)."""

    def __init__(self, total: int, label: str):
        self.total, self.label = total, label

    def __enter__(self):
        self.cm = typer.progressbar(length=self.total, label=self.label, file=sys.stderr) \
            if sys.stderr.isatty() else None
        self.bar = self.cm.__enter__() if self.cm else None
        self.done = 0
        return self

    def __call__(self, done: int) -> None:
        if self.bar is not None:
            self.bar.update(done - self.done)
        self.done = done

    def __exit__(self, *exc):
        if self.cm:
            self.cm.__exit__(*exc)
        return False


@app.command()
def spin(
    file: Annotated[str, typer.Argument(help="Text to spin: a text file, or - for stdin.")],
    style: Annotated[str, typer.Option(help="Spinner style: wordnet, wordnet-rare, commercial, mixed, fluent, "
                                            "distributional, moby.")
                     ] = "commercial",
    rate: Annotated[float | None, typer.Option(min=0.0, max=1.0,
                                               help="Share of words to replace (style default: 0.3).")] = None,
    sentence_share: Annotated[float | None, typer.Option(
        min=0.0, max=1.0, help="Spin only this share of paragraphs/sentences (partial spinning).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same output.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the spun text with every change as JSON.")
                       ] = False,
) -> None:
    """Rewrite text the way article spinners do, recording every change.

    For making training data and for seeing what spinning does to a text.
    """
    from spin_detect.learning.spinner import STYLES, spin_text

    if style not in STYLES:
        _fail(f"unknown style {style!r}; choose one of: {', '.join(STYLES)}")
    text, name = _read_input(file)
    if not text.strip():
        _fail(f"{name}: empty document (nothing to spin)")
    result = spin_text(text, style, rate=rate, seed=seed, sentence_share=sentence_share)
    if as_json:
        typer.echo(json.dumps({"input": name, "style": style, "seed": seed, **result.to_dict()},
                              ensure_ascii=False, indent=2))
    else:
        typer.echo(result.text, nl=not result.text.endswith("\n"))
        words = sum(s["word_tokens"] for s in result.sentences)
        typer.echo(f"spin-detect: {len(result.changes)} replacements, {result.changed_tokens} of {words} "
                   f"words changed ({style})", err=True)


@app.command("build-reference")
def build_reference_cmd(
    corpus: Annotated[list[Path], typer.Argument(help="Folders or files of plain text (.txt, .txt.gz).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the reference table.")],
    exclude: Annotated[Path | None, typer.Option(
        help="File listing document ids to leave out, one per line (ids are paths relative to the folder)."
    )] = None,
    min_count: Annotated[int, typer.Option(help="Words seen fewer times become <unk>.")] = 3,
    min_pair_count: Annotated[int, typer.Option(help="Word pairs seen fewer times are not stored.")] = 2,
) -> None:
    """Build reference statistics (word and word-pair counts) from your own trusted text."""
    from spin_detect.input.decode import InputError, iter_text_files, read_text_file
    from spin_detect.tables.reference import build_reference

    skip: set[str] = set()
    if exclude is not None:
        try:
            skip = {ln.strip() for ln in exclude.read_text(encoding="utf-8").splitlines() if ln.strip()}
        except OSError as exc:
            _fail(f"{exclude}: cannot read exclusion list ({exc.strerror})")
    stats = {"read": 0, "failed": 0, "excluded": 0}
    t0 = time.time()

    def documents():
        for item in iter_text_files(list(corpus)):
            if isinstance(item, InputError):
                stats["failed"] += 1
                typer.echo(f"spin-detect: skipped: {item}", err=True)
                continue
            if item.doc_id in skip:
                stats["excluded"] += 1
                continue
            try:
                text = read_text_file(item.path)
            except InputError as exc:
                stats["failed"] += 1
                typer.echo(f"spin-detect: skipped: {exc}", err=True)
                continue
            stats["read"] += 1
            if stats["read"] % 1000 == 0:
                typer.echo(f"\r{stats['read']:,} documents read ({time.time() - t0:.0f}s)", err=True, nl=False)
            yield item.doc_id, text

    try:
        ref = build_reference(documents(), out, min_count=min_count, min_pair_count=min_pair_count,
                              meta={"built_by": "spin-detect build-reference"})
    except ValueError as exc:
        _fail(str(exc))
    typer.echo(
        f"\n{out}: {stats['read']:,} documents read, {stats['excluded']:,} excluded, {stats['failed']:,} "
        f"unreadable; {ref.total:,} tokens, {len(ref):,} words, {len(ref.bigram_keys):,} word pairs",
        err=True,
    )


@app.command()
def synonyms(
    phrase: Annotated[list[str], typer.Argument(help="A word or phrase, e.g. 'said' or 'end up'.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Look a word or phrase up in the packaged thesaurus."""
    from spin_detect.tables.packaged import default_thesaurus

    text = " ".join(phrase).lower()
    found = default_thesaurus().synonyms(text)
    if as_json:
        typer.echo(json.dumps([s._asdict() for s in found], indent=2))
        return
    if not found:
        _fail(f"{text!r} is not in the thesaurus", code=1)
    for s in found:
        typer.echo(f"{s.text}\t{s.pos}\t{s.tag}\tsense {s.rank}{'  (similar)' if s.similar else ''}")


@app.command()
def info(as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False) -> None:
    """Show the packaged data: sizes, versions and checksums."""
    from spin_detect.tables.packaged import (
        data_file,
        default_neighbours,
        default_reference,
        default_thesaurus,
        default_topics,
        default_trigrams,
    )

    ref, th = default_reference(), default_thesaurus()
    topics = default_topics()
    data = {
        "version": __version__,
        "reference": {**ref.describe(), "path": str(data_file("reference.bin"))},
        "thesaurus": {"headwords": len(th), "entries": th.meta["entries"], "sha256": th.sha256,
                      "path": str(data_file("thesaurus.bin"))},
        "neighbours": {"words": len(default_neighbours()), "path": str(data_file("neighbors.bin"))},
        "trigrams": {"trigrams": len(default_trigrams()), "path": str(data_file("trigrams.bin"))},
        "topics": {"words": len(topics), "with_vector": int(topics.has_vector.sum()),
                   "dims": int(topics.vectors.shape[1]), "sha256": topics.sha256,
                   "path": str(data_file("topics.bin"))},
    }
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    for section in ("reference", "thesaurus", "neighbours", "trigrams", "topics"):
        typer.echo(f"{section}:")
        for k, v in data[section].items():
            typer.echo(f"  {k}: {v:,}" if isinstance(v, int) else f"  {k}: {v}")


def main() -> None:
    """Entry point of the ``spin-detect`` console script."""
    app()
