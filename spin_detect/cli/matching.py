"""``spin-detect index``: a reusable index of trusted originals; and the terminal view of a source match.

``spin-detect index ORIGINALS... --out INDEX`` reads originals the way ``audit`` reads a corpus (folders,
JSONL, CSV, WARC), and saves their signatures and texts as a folder of data
(:class:`~spin_detect.matching.index.SourceIndex`) for ``audit --sources INDEX``. :func:`print_match` prints
the match of ``score FILE --source ORIGINAL``: the relation and why, then the swaps side by side.
"""

from __future__ import annotations

import os
from concurrent.futures import BrokenExecutor
from pathlib import Path
from typing import Annotated, Any

import typer

from spin_detect.cli.app import HtmlChoice, fail
from spin_detect.cli.console import note, plural, progress_bar, progress_wanted
from spin_detect.cli.helpformat import EXIT_FAILURE, EXIT_USAGE

__all__ = ["index", "print_match"]

_MAX_SHOWN = 40


def index(
    inputs: Annotated[list[str], typer.Argument(
        metavar="ORIGINALS", help="Trusted originals: folders, files (.txt/.md/.html/.jsonl/.csv/.tsv/.warc, "
                                  "optionally .gz), or - for JSONL on stdin, as audit reads them.")],
    out: Annotated[Path, typer.Option("--out", "-o", metavar="INDEX", help="Folder to write the index to.")],
    text_field: Annotated[str, typer.Option(metavar="NAME", help="JSONL/CSV field with the document text.")
                          ] = "text",
    id_field: Annotated[str, typer.Option(metavar="NAME", help="JSONL/CSV field with the document id.")] = "id",
    url_field: Annotated[str, typer.Option(metavar="NAME", help="JSONL/CSV field with the URL.")] = "url",
    html_input: Annotated[HtmlChoice, typer.Option(
        "--html-input", help="Extract main text from HTML: auto, yes (always), no (never).")] = "auto",
    force: Annotated[bool, typer.Option("--force", help="Replace an existing index in INDEX (never a folder of "
                                                         "other files).")] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=0, metavar="N",
                                      help="Worker processes that prepare and sign the records (0: one per "
                                           "core); the index is the same for any number.")] = 0,
    progress: Annotated[bool | None, typer.Option(
        "--progress/--no-progress", help="Progress line on stderr (default: when stderr is a terminal).")] = None,
) -> None:
    """Index trusted originals for 'audit --sources INDEX': signatures and texts, saved as data.

    Every readable record becomes a source (records that cannot be read are counted and skipped). The folder
    holds plain data (JSON, a numpy archive read without pickle, compressed texts) with a format header and
    checksums; 'audit --sources INDEX' loads it without reading the originals again. Exit code 0 when the
    index was written, 1 when it cannot be written, 2 for a missing input, inputs with no readable
    record, or an existing index without --force.
    """
    from spin_detect.input.files import input_size
    from spin_detect.input.records import InputOptions, iter_records
    from spin_detect.matching import is_index
    from spin_detect.matching.build import build_index
    from spin_detect.parallel import WORKER_STOPPED

    for p in inputs:
        if p != "-" and not Path(p).exists():
            fail(f"{p}: no such file or folder")
    if out.exists() and not out.is_dir():
        fail(f"{out}: exists and is not a folder", code=EXIT_USAGE)
    if out.is_dir() and any(out.iterdir()) and not is_index(out):  # --force replaces an index, never other files
        fail(f"{out}: a folder that is not empty and not an index; give a new or empty folder as --out")
    if out.is_dir() and any(out.iterdir()) and not force:
        fail(f"{out}: an index is there already; use --force to replace it (or --out another folder)")
    if not out.parent.is_dir():
        fail(f"{out}: folder {out.parent} does not exist", code=EXIT_FAILURE)
    opts = InputOptions(text_field=text_field, id_field=id_field, url_field=url_field, html=html_input)
    show = progress_wanted(progress)
    unread: list[str] = []
    with progress_bar("index", input_size(list(inputs)) if show else None, show, unit="records") as bar:
        try:
            idx, skipped = build_index(iter_records(list(inputs), opts, bar), jobs or os.cpu_count() or 1,
                                       added=bar.items if bar else None, unread=unread)
        except BrokenExecutor:
            fail(f"{out}: {WORKER_STOPPED}; nothing was written. "
                 "Try again, or with --jobs 1", code=EXIT_FAILURE)
    if not len(idx):  # an empty index would match nothing, silently, in every audit given it
        found = f"{plural(skipped, 'record')}, none readable" if skipped else "no record"
        stdin = " (- reads JSONL: one JSON object per line, its text in --text-field)" if "-" in inputs else ""
        fail(f"{', '.join(inputs)}: {found}{stdin}; nothing to index, nothing written")
    try:
        idx.save(out)
    except OSError as exc:
        fail(f"{out}: cannot write the index ({exc.strerror or exc})", code=EXIT_FAILURE)
    unsigned = sum(1 for k in idx if idx.hashvalues(k) is None)
    typer.echo(f"indexed {plural(len(idx), 'document')} into {out}"
               + (f"; {unsigned:,} too short to match" if unsigned else ""))
    if skipped:
        names = ", ".join(unread[:5]) + (f" and {skipped - 5:,} more" if skipped > 5 else "")
        note(f"{plural(skipped, 'record')} could not be read and {'is' if skipped == 1 else 'are'} not in the index: "
             f"{names}")


def print_match(name: str, source_name: str, match: dict[str, Any], reverse: dict[str, Any] | None = None) -> None:
    """Print the match of ``name`` with the candidate original ``source_name`` (``score --source``): relation,
    similarity, why, and the swaps side by side. ``reverse``: the source's own fields, when it is the copy."""
    rel = match.get("source_relation")
    typer.echo("")
    if not rel:
        if reverse and reverse.get("source_relation"):
            rel_text = reverse["source_relation"].replace("_", " ")
            typer.echo(f"against {source_name}: it looks like the {rel_text} of {name} "
                       f"({reverse.get('source_note')})")
        else:
            typer.echo(f"against {source_name}: no relation (the texts do not align as a copy, a spun copy or a "
                       "rewrite)")
        return
    label = typer.style(rel.upper().replace("_", " "), bold=True)
    typer.echo(f"against {source_name}: {label} ({match['source_similarity']:.0%} of the words equal, in order)")
    typer.echo(f"  why: {match.get('source_note')}")
    swaps = match.get("swaps") or []
    if not swaps:
        return
    typer.echo(f"  {plural(len(swaps), 'swap')}, this text | the original:")
    width = min(36, max(len(s["word"]) for s in swaps[:_MAX_SHOWN]))
    for s in swaps[:_MAX_SHOWN]:
        typer.echo(f"    {s['start']:>6}  {s['word']:<{width}} | {s['original']}")
    if len(swaps) > _MAX_SHOWN:
        typer.echo(f"    ... and {len(swaps) - _MAX_SHOWN:,} more (--json lists them all)")
