"""``spin-detect score``: one article, its verdict and the words that give it away."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from spin_detect.atomic import stream_fd
from spin_detect.cli.app import (
    HtmlOpt,
    ModelOpt,
    PresetOpt,
    ThresholdOpt,
    TrustOpt,
    fail,
    load_detector_or_fail,
    read_article,
    refuse_existing,
)
from spin_detect.cli.console import note, print_report
from spin_detect.cli.helpformat import EXIT_FAILURE, EXIT_INTERRUPTED

if TYPE_CHECKING:
    from spin_detect.detector import Detector, DocumentReport
    from spin_detect.input.prepare import PreparedDocument

__all__ = ["score"]

#: The fields ``--source`` adds to ``--json`` (as in an audit row, with the note saying why).
MATCH_FIELDS = ("source_id", "source_relation", "source_similarity", "swaps")


def _match(det: Detector, report: DocumentReport, name: str, text: str,
           src: tuple[PreparedDocument, str] | None) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The article's match with its candidate original (None without ``--source``) and the original's own
    (when it is the copy). A spun copy's verdict is raised as in an audit
    (:func:`spin_detect.audit.matchpass.amend`)."""
    if src is None:
        return None, None
    from spin_detect.audit.matchpass import amend
    from spin_detect.matching import MatchConfig, match_pair

    config = MatchConfig()
    src_doc, src_name = src
    src_report = det.score_document(src_doc.text)
    lik = [r.likelihood if r.judged else None for r in (report, src_report)]
    # the pair named is aligned as it is (no signature filter), the candidate original first: when nothing
    # else tells them apart, the file given as the original is the original
    theirs, mine = match_pair({"id": src_name, "text": src_doc.text, "likelihood": lik[1]},
                              {"id": name, "text": text, "likelihood": lik[0]}, config,
                              lambda sents: list(det.score_sentences(sents)))
    row: dict[str, Any] = {"verdict": report.verdict, "likelihood": report.likelihood, "notes": None}
    amend(row, mine, config)
    if report.judged and (row["verdict"], row["likelihood"]) != (report.verdict, report.likelihood):
        report.notes.append(f"spun copy of {src_name}: spin likelihood raised to {row['likelihood']:.0%} by the "
                            f"match (the model alone: {report.likelihood:.0%}, {report.verdict})")
        report.verdict, report.likelihood = row["verdict"], row["likelihood"]
    if mine.get("source_id") is not None and src_report.judged and src_report.verdict == "spun":
        report.notes.append(f"{src_name}, taken as the original, reads as spun itself (spin likelihood "
                            f"{src_report.likelihood:.0%}): both may be spun copies of a third text")
    return mine, theirs


def _same_file(a: str, b: str) -> bool:
    """Whether two command-line paths name one file (both ``-``: stdin twice)."""
    if "-" in (a, b):
        return a == b
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def score(
    file: Annotated[str, typer.Argument(metavar="FILE", help="Article to score: a text or HTML file, or - for stdin.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON (schema "
                                                          "'spin-detect/report/1').")] = False,
    html_out: Annotated[Path | None, typer.Option(
        "--html", metavar="FILE", help="Also write a self-contained HTML page of the report to this file (an "
                                       "existing file only with --force).")] = None,
    all_sentences: Annotated[bool, typer.Option("--all", help="Show every sentence, not only flagged ones.")
                             ] = False,
    source: Annotated[str | None, typer.Option(
        "--source", metavar="ORIGINAL_FILE", help="A candidate original of the article: align the two and show "
                                                  "the swapped words side by side with the original's.")] = None,
    html_input: HtmlOpt = "auto",
    model: ModelOpt = None,
    preset: PresetOpt = "balanced",
    threshold: ThresholdOpt = None,
    trust_model: TrustOpt = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the --html file if it exists.")] = False,
) -> None:
    """Score one article: how likely it was spun, and which words give it away.

    With --source ORIGINAL_FILE, the article is aligned with a candidate
    original: the relation (copy, spun copy, rewrite), why that one is the
    original, and the swapped words side by side with the original's; a spun
    copy is called spun. Prints the document's spin likelihood and verdict, then the flagged
    sentences with their probability and the words that look substituted, with
    the likely original ("Safety -> security?"). HTML input is reduced to its
    main text first (scripts, navigation and boilerplate dropped), a Markdown
    file (.md) to its prose without the markup. Text that
    cannot be judged (not English, too short) shows its verdict and why, and
    no likelihood. Exit code 0 whatever the verdict; 2 when the input cannot
    be read, or the --html file exists (without --force).
    """
    for given, what in ((file, "the article"), (source, "the --source file")):
        if html_out is not None and given is not None and _same_file(str(html_out), given):
            fail(f"{html_out}: --html would overwrite {what}; write the page to another file")
    refuse_existing(html_out, force)
    if source is not None and _same_file(file, source):
        fail(f"{source}: --source names the article itself; give the candidate original")
    try:
        doc, name = read_article(file, html_input)
        if doc.blank:
            fail(f"{name}: empty document (no text to score)")
        text = doc.text
        src = read_article(source, html_input) if source is not None else None
        if src is not None and src[0].blank:
            fail(f"{src[1]}: empty document (no text to compare with)")
        det = load_detector_or_fail(model, preset, threshold, trust_model)
        report = det.score_document(text)
        match, reverse = _match(det, report, name, text, src)
    except KeyboardInterrupt:
        note("interrupted")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    report.notes[:0] = doc.notes
    if html_out is not None and stream_fd(html_out) == 1:  # the page is the output: the report goes to stderr
        with contextlib.redirect_stdout(sys.stderr):
            _write_html_and_print(html_out, report, text, name, match, reverse, src, det, as_json, all_sentences,
                                  doc.kind)
        return
    _write_html_and_print(html_out, report, text, name, match, reverse, src, det, as_json, all_sentences, doc.kind)


def _write_html_and_print(html_out: Path | None, report: DocumentReport, text: str, name: str, match: dict | None,
                          reverse: dict | None, src: tuple | None, det: Detector, as_json: bool,
                          all_sentences: bool, kind: str) -> None:
    if html_out is not None:
        from spin_detect.atomic import atomic_write
        from spin_detect.render.html import document_page

        try:
            atomic_write(html_out, document_page(report, text, name, match, src[1] if src else "",
                                                 src[0].text if src else None, reverse,
                                                 det.config.sentence_threshold, det.config.flag_document_floor))
        except OSError as exc:
            fail(f"{html_out}: cannot write ({exc.strerror or exc})", code=EXIT_FAILURE)
    if as_json:
        fields = {"source": src[1], **{k: match[k] for k in (*MATCH_FIELDS, "source_note")}} if src and match else {}
        if src and match and not match["source_relation"] and reverse and reverse.get("source_relation"):
            fields["source_note"] = (f"the other way round: {src[1]} looks like the "
                                     f"{str(reverse['source_relation']).replace('_', ' ')} of {name} "
                                     f"({reverse.get('source_note')})")
        # offsets index the text scored: the file's text, or for HTML and Markdown the prose taken from it
        scored = {"input_kind": kind, **({"scored_text": text} if kind != "text" else {}),
                  # the threshold's origin: a preset of the model, or null for a --threshold given
                  "preset": det.config.preset if det.config.document_threshold is None else None}
        typer.echo(json.dumps({"input": name, **scored, **report.to_dict(), **fields}, ensure_ascii=False,
                              indent=2))
        return
    print_report(name, report, all_sentences)
    if src is not None and match is not None:
        from spin_detect.cli.matching import print_match

        print_match(name, src[1], match, reverse)
    if html_out is not None:
        typer.echo(f"\nHTML report: {html_out}")
