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

from . import __version__

app = typer.Typer(
    name="spin-detect",
    help="Find spun web content: text rewritten with thesaurus synonyms by article spinners.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"spin-detect: error: {message}", err=True)
    raise typer.Exit(code)


def _read_input(source: str) -> tuple[str, str]:
    """Read a file path or ``-`` (stdin); return ``(text, name)``."""
    from .sources import InputError, decode_bytes, read_text_file

    try:
        if source == "-":
            return decode_bytes(sys.stdin.buffer.read(), "<stdin>")[0], "<stdin>"
        return read_text_file(source), source
    except InputError as exc:
        _fail(str(exc))
    raise AssertionError("unreachable")


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


@app.command()
def score(
    file: Annotated[str, typer.Argument(help="Article to score: a text file, or - for stdin.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
    top: Annotated[int, typer.Option(help="Suspicious words to show per sentence.")] = 3,
) -> None:
    """Score one article, sentence by sentence.

    Until the trained classifier ships, this prints each sentence's feature
    scores: the most suspicious words with the synonym that would fit better
    (the likely original), and the context fit of the sentence.
    """
    from .report import analyse_text

    text, name = _read_input(file)
    if not text.strip():
        _fail(f"{name}: empty document (no text to score)")
    report = analyse_text(text, top=top)
    if as_json:
        typer.echo(json.dumps({"input": name, **report}, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{name}: {len(report['sentences'])} sentences")
    for s in report["sentences"]:
        ev = ", ".join(f"{e['word']} -> {e['likely_original']}? ({e['score']:+.1f})" for e in s["evidence"])
        typer.echo(
            f"\n[{s['index']}] synonym {s['features']['syn_delta_max']:5.1f}  "
            f"fit {s['features']['lp_mean']:6.2f}  unseen pairs {s['features']['unseen_pair_share']:.0%}"
        )
        typer.echo(f"    {s['text']}")
        if ev:
            typer.echo(f"    suspicious: {ev}")


@app.command()
def spin(
    file: Annotated[str, typer.Argument(help="Text to spin: a text file, or - for stdin.")],
    style: Annotated[str, typer.Option(help="Spinner style: wordnet, wordnet-rare, commercial, mixed, moby.")
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
    from .spinner import STYLES, spin_text

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
    from .reference import build_reference
    from .sources import InputError, iter_text_files, read_text_file

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
    from .resources import default_thesaurus

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
    from .resources import data_file, default_reference, default_thesaurus

    ref, th = default_reference(), default_thesaurus()
    data = {
        "version": __version__,
        "reference": {**ref.describe(), "path": str(data_file("reference.bin"))},
        "thesaurus": {"headwords": len(th), "entries": th.meta["entries"], "sha256": th.sha256,
                      "path": str(data_file("thesaurus.bin"))},
    }
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    for section in ("reference", "thesaurus"):
        typer.echo(f"{section}:")
        for k, v in data[section].items():
            typer.echo(f"  {k}: {v:,}" if isinstance(v, int) else f"  {k}: {v}")


def main() -> None:
    """Entry point of the ``spin-detect`` console script."""
    app()
