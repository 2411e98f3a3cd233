"""``spin-detect score``: one article, its verdict and the words that give it away."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from spin_detect.cli.app import (
    HtmlOpt,
    ModelOpt,
    PresetOpt,
    ThresholdOpt,
    TrustOpt,
    fail,
    load_detector_or_fail,
    read_article,
)
from spin_detect.cli.console import note, print_report, report_dict
from spin_detect.cli.helpformat import EXIT_FAILURE, EXIT_INTERRUPTED

__all__ = ["score"]


def score(
    file: Annotated[str, typer.Argument(metavar="FILE", help="Article to score: a text or HTML file, or - for stdin.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON (schema "
                                                          "'spin-detect/report/1').")] = False,
    html_out: Annotated[Path | None, typer.Option(
        "--html", metavar="FILE", help="Also write a self-contained HTML page of the report to this file.")] = None,
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
    main text first (scripts, navigation and boilerplate dropped). Text that
    cannot be judged (not English, too short) shows its verdict and why, and
    no likelihood. Exit code 0 whatever the verdict; 2 when the input cannot
    be read.
    """
    try:
        doc, name = read_article(file, html_input)
        if doc.blank:
            fail(f"{name}: empty document (no text to score)")
        text = doc.text
        det = load_detector_or_fail(model, preset, threshold, trust_model)
        report = det.score_document(text)
    except KeyboardInterrupt:
        note("interrupted")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    report.notes[:0] = doc.notes
    if html_out is not None:
        from spin_detect.atomic import atomic_write
        from spin_detect.render.html import document_page

        try:
            atomic_write(html_out, document_page(report, text, name))
        except OSError as exc:
            fail(f"{html_out}: cannot write ({exc.strerror or exc})", code=EXIT_FAILURE)
    if as_json:
        typer.echo(json.dumps({"input": name, **report_dict(report)}, ensure_ascii=False, indent=2))
        return
    print_report(name, report, all_sentences)
    if html_out is not None:
        typer.echo(f"\nHTML report: {html_out}")
