"""What the commands print: document reports and evaluations (stdout), notes and progress (stderr).

:func:`print_report` shows a scored document with its flagged sentences and the
words that give it away; :func:`print_evaluation` the metrics table of
``evaluate``; :func:`note` a line of news on stderr; :func:`progress_bar` the
one progress display of every long command (a ``rich`` bar on stderr).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer

from spin_detect.config import DecisionConfig
from spin_detect.report import NO_SINGLE_WORD, pct_apart, plural

if TYPE_CHECKING:
    from spin_detect.detector import DocumentReport, Evidence, SentenceReport

__all__ = ["STRONG_WORD", "UNJUDGED", "ProgressBar", "note", "plural", "print_evaluation", "print_report",
           "progress_bar", "progress_wanted"]

#: Words at least this likely substituted are listed even when their sentence is not flagged.
STRONG_WORD = 0.5


def note(message: str) -> None:
    """``spin-detect: message`` on stderr: news for the user that is not the command's result (above the
    progress bar when one is drawn, so the bar is not left broken on the screen)."""
    if _LIVE:
        _LIVE[-1].print(f"spin-detect: {message}")
    else:
        typer.echo(f"spin-detect: {message}", err=True)


#: The progress bars being drawn on a terminal (the newest last): :func:`note` prints through them.
_LIVE: list[ProgressBar] = []


#: The reason shown for a verdict that judges nothing (``DocumentReport.judged`` false) when the report has
#: no note that says it; no likelihood or flagged sentences are shown for them.
UNJUDGED = {"out_of_scope": "spin-detect judges English text only",
            "too_short": "too few words for a verdict",
            "empty": "no text to judge"}


def print_report(name: str, report: DocumentReport, all_sentences: bool) -> None:
    """Print a scored document for people: verdict and likelihood, notes, flagged (or ``all_sentences``) sentences.

    A document with a verdict in :data:`UNJUDGED` (``out_of_scope``, ``too_short``, ``empty``) shows its
    verdict and why (the notes) only: a likelihood or flagged sentences would be a guess.
    """
    color = {"spun": typer.colors.RED, "original": typer.colors.GREEN}.get(report.verdict, typer.colors.YELLOW)
    verdict = typer.style(report.verdict.upper().replace("_", " "), fg=color, bold=True)
    if not report.judged:
        typer.echo(f"{name}: {verdict}  not judged (no spin likelihood)")
        for n in report.notes or [UNJUDGED[report.verdict]]:
            typer.echo(f"  note: {n}")
        return
    likelihood, threshold = pct_apart(report.likelihood, report.threshold)
    typer.echo(f"{name}: {verdict}  spin likelihood {likelihood} (threshold {threshold}); {report.n_flagged:,} of "
               f"{plural(report.n_sentences, 'sentence')} flagged")
    for n in report.notes:
        typer.echo(f"  note: {n}")
    for s in report.sentences:
        if not (s.flagged or all_sentences):
            continue
        mark = typer.style(f"{s.probability:4.0%}", fg=typer.colors.RED if s.flagged else None, bold=s.flagged)
        typer.echo(f"\n[{s.index}] {mark}  {_highlight(s)}")
        if s.evidence:
            typer.echo(f"      suspicious: {', '.join(e.label() for e in s.evidence)}")
        elif s.flagged:
            typer.echo(f"      ({NO_SINGLE_WORD})")
    if not all_sentences and report.n_flagged < report.n_sentences:
        rest = report.n_sentences - report.n_flagged
        typer.echo(f"\n({plural(rest, 'sentence')} not flagged; --all shows {'it' if rest == 1 else 'them'})")
        cut = DecisionConfig.sentence_threshold
        alone = sum(not s.flagged and s.probability >= cut for s in report.sentences)
        if alone and report.likelihood < DecisionConfig.flag_document_floor:  # no sentence flagged in such a text
            typer.echo(f"({plural(alone, 'sentence')} at {cut:.0%} or more on {'its' if alone == 1 else 'their'} own, "
                       "not flagged: the text as a whole reads as original)")
        strong = _strong_unflagged(report)
        if strong:
            typer.echo("strongest words in sentences not flagged: "
                       + ", ".join(f"[{i}] {e.label()}" for i, e in strong))


def _strong_unflagged(report: DocumentReport, k: int = 3) -> list[tuple[int, Evidence]]:
    """The ``k`` most suspicious words (at least :data:`STRONG_WORD`) of sentences not flagged,
    with their sentence index: what a reader of a borderline verdict wants to check."""
    words = [(s.index, e) for s in report.sentences if not s.flagged for e in s.evidence
             if e.probability >= STRONG_WORD]
    return sorted(words, key=lambda x: -x[1].probability)[:k]


def _highlight(s: SentenceReport) -> str:
    out, pos = [], 0
    for e in sorted(s.evidence, key=lambda e: e.start):
        a, b = e.start - s.start, e.end - s.start
        out += [s.text[pos:a], typer.style(s.text[a:b], fg=typer.colors.RED, underline=True)]
        pos = b
    out.append(s.text[pos:])
    return " ".join("".join(out).split())


def print_evaluation(report: dict[str, Any]) -> None:
    """Print the metrics of ``evaluate`` as tables: overall and per group, for sentences and documents."""
    cols = ("n", "positives", "roc_auc", "pr_auc", "f1", "recall", "recall_at_1pct_fpr", "recall_at_5pct_fpr", "fpr",
            "brier")
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
        if any(r.get(k) for k in ("by_style", "by_rate_name", "by_partial")):
            typer.echo("(rows by style, rate and partial: that group's spun items against all original ones)")
        cm = r["overall"]["confusion"]
        typer.echo(f"confusion [[tn fp] [fn tp]]: {cm}")
        n, spun = r["overall"]["n"], r["overall"]["positives"]
        if n and spun in (0, n):
            typer.echo(f"(only {'original' if spun == 0 else 'spun'} {level}s: the blank measures need both "
                       "original and spun ones)")
        if r.get("original_flagged_by_source"):
            counts = r.get("original_flagged_counts_by_source", {})
            flagged = ", ".join(f"{k} {v:.1%}" + (f" ({counts[k][0]} of {counts[k][1]})" if k in counts else "")
                                for k, v in r["original_flagged_by_source"].items())
            typer.echo(f"original documents flagged, by source: {flagged}")
    ev = report.get("evidence")
    if ev:
        rates = ", ".join(f"{k} {v['precision']:.1%}" for k, v in ev.get("by_rate", {}).items()
                          if v.get("precision") is not None)
        typer.echo(f"\nevidence (words at {ev['threshold']:.0%} or more): {ev['false_per_100_original_sentences']:.1f} "
                   f"per 100 sentences of original documents; in spun documents {ev['precision'] or 0:.1%} are real "
                   f"substitutions" + (f" ({rates})" if rates else "") + f", {ev['recall'] or 0:.1%} of substitutions "
                   f"are evidence; true original named first for {ev['true_original_top1']:.1%}, among three for "
                   f"{ev['true_original_top3']:.1%} ({ev['ranked']:,} ranked)")


# --------------------------------------------------------------------------- progress

def progress_wanted(choice: bool | None = None) -> bool:
    """Whether to show progress: ``choice`` (``--progress/--no-progress``), by default when stderr is a terminal."""
    return sys.stderr.isatty() if choice is None else choice


class ProgressBar:
    """Progress of one long step on stderr, drawn by ``rich``.

    Call it with the amount done so far (of ``total``, when known); when the
    amount is not what is counted (an audit reads input bytes and counts
    records), :meth:`items` gives the count of ``unit`` done, shown with its
    rate. On a terminal the bar is redrawn in place; elsewhere (``--progress``
    into a log) a line is written every 30 seconds and at the end.
    """

    _LOG_EVERY = 30.0

    def __init__(self, label: str, total: int | None = None, unit: str | None = None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            ProgressColumn,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._live = sys.stderr.isatty()
        columns: list[ProgressColumn] = [TextColumn("{task.description}")]
        if total:
            columns += [BarColumn(), TaskProgressColumn()]
            if unit is None:
                columns.append(MofNCompleteColumn())
        columns.append(TimeElapsedColumn())
        if total:
            columns.append(TimeRemainingColumn())
        self._progress = Progress(*columns, console=Console(stderr=True, force_terminal=self._live),
                                  disable=not self._live, refresh_per_second=2)
        self._task = self._progress.add_task(label, total=total or None)
        self._label, self._unit = label, unit
        self._t0 = self._logged = time.monotonic()
        self._new = 0  # items done by this run (a resumed audit starts with the items done before)
        self._resumed = False
        self._closed = False

    def __call__(self, done: int) -> None:
        """Record the amount done so far."""
        self._progress.update(self._task, completed=done)
        self._log()

    def items(self, done: int, new: int | None = None) -> None:
        """Record the number of items done so far and, of them, ``new`` more since the last call (signature of
        ``run_audit``'s ``progress``; None: all of them are this run's). The rate counts this run's items only:
        after ``--resume`` the items done before are passed over in seconds, and the estimate of the time left,
        made from the input read, starts again after them."""
        if new is None:
            new = done - self._new
        if not self._new and done > new and not self._resumed:  # the first items of a resumed run
            self._resumed = True
            self._t0 = time.monotonic()
            completed = self._progress.tasks[0].completed
            self._progress.reset(self._task, completed=int(completed))
        self._new += new
        rate = self._new / max(time.monotonic() - self._t0, 1e-9)
        self._progress.update(self._task, description=f"{self._label}: {done:,} {self._unit}, {rate:,.1f}/s")
        self._log()

    def print(self, message: str) -> None:
        """Print a line above the bar."""
        self._progress.console.print(message, markup=False, highlight=False, soft_wrap=True)

    def _log(self, final: bool = False) -> None:
        now = time.monotonic()
        if not self._live and (final or now - self._logged >= self._LOG_EVERY):
            self._logged = now
            self._progress.console.print(self._progress.get_renderable())

    def start(self) -> None:
        """Start drawing (on a terminal)."""
        self._progress.start()
        if self._live:
            _LIVE.append(self)

    def close(self) -> None:
        """Stop drawing, leaving the last state on screen (or in the log); again: nothing."""
        if self._closed:
            return
        self._closed = True
        if self in _LIVE:
            _LIVE.remove(self)
        self._progress.stop()
        self._log(final=True)


@contextmanager
def progress_bar(label: str, total: int | None, show: bool, unit: str | None = None
                 ) -> Iterator[ProgressBar | None]:
    """A :class:`ProgressBar` for the block, closed (its last state shown) when the block ends, however it ends.

    Yields None when ``show`` is false: pass it on as "no progress callback".
    """
    if not show:
        yield None
        return
    bar = ProgressBar(label, total, unit)
    bar.start()
    try:
        yield bar
    finally:
        bar.close()
