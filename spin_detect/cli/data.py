"""``spin-detect build-reference``, ``synonyms`` and ``info``: the data tables behind the features."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from spin_detect import __version__
from spin_detect.cli.app import fail, refuse_existing
from spin_detect.cli.console import note, plural, progress_bar, progress_wanted
from spin_detect.cli.helpformat import EXIT_FAILURE

__all__ = ["build_reference_cmd", "info", "synonyms"]


def build_reference_cmd(
    corpus: Annotated[list[Path], typer.Argument(metavar="CORPUS",
                                                 help="Folders or files of text (.txt, .text, .md, "
                                                      ".markdown, optionally .gz; all read as plain text); a "
                                                      "file met twice is taken once.")],
    out: Annotated[Path, typer.Option("--out", "-o", metavar="FILE", help="Where to write the reference table.")],
    exclude: Annotated[Path | None, typer.Option(
        metavar="FILE",
        help="File listing document ids to leave out, one per line (ids are paths relative to the folder).")] = None,
    min_count: Annotated[int, typer.Option(min=1, metavar="N", help="Words seen fewer times become <unk>.")] = 3,
    min_pair_count: Annotated[int, typer.Option(min=1, metavar="N",
                                                help="Word pairs seen fewer times are not stored.")] = 2,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the --out file if it exists.")] = False,
) -> None:
    """Build reference statistics (word and word-pair counts) from your own trusted text."""
    if out.is_dir():
        fail(f"{out}: is a folder; --out names the table file to write")
    refuse_existing(out, force)
    from spin_detect.input.corpus import TextCorpus
    from spin_detect.tables.reference import build_reference

    skip: set[str] = set()
    if exclude is not None:
        try:
            skip = {ln.strip() for ln in exclude.read_text(encoding="utf-8").splitlines() if ln.strip()}
        except OSError as exc:
            fail(f"{exclude}: cannot read exclusion list ({exc.strerror})")
    docs = TextCorpus(corpus, exclude=skip, on_skip=lambda exc: note(f"skipped: {exc}"))
    try:
        with progress_bar("build-reference", None, progress_wanted(), unit="documents") as bar:
            docs.on_read = bar.items if bar is not None else None
            ref = build_reference(docs, out, min_count=min_count, min_pair_count=min_pair_count,
                                  meta={"built_by": "spin-detect build-reference"})
    except ValueError as exc:
        fail(str(exc))
    except OSError as exc:  # the table cannot be written there
        fail(f"{out}: cannot write the table ({exc.strerror or exc})", code=EXIT_FAILURE)
    again = f", {docs.repeated:,} met again under another path (each file is taken once)" if docs.repeated else ""
    typer.echo(
        f"{out}: {plural(docs.read, 'document')} read, {docs.excluded:,} excluded, {docs.failed:,} "
        f"unreadable{again}; {plural(ref.total, 'token')}, {plural(len(ref), 'word')}, "
        f"{plural(len(ref.bigram_keys), 'word pair')}",
        err=True,
    )


def synonyms(
    phrases: Annotated[list[str], typer.Argument(
        metavar="WORD", help="Words or phrases to look up, each its own argument: said 'end up'.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON: an object with the "
                                          "synonyms of each argument.")] = False,
) -> None:
    """Look words or phrases up in the packaged thesaurus, each argument on its own.

    One synonym per line, tab-separated: the synonym; its part of speech (n noun, v verb, a adjective,
    r adverb, x not given, as for phrase rules); its form (a Penn tag such as VBD for a past tense, X for a fixed form);
    the WordNet sense of the word it came from (sense 0 is the commonest); "(similar)" when it came from
    an adjective's "similar to" link rather than the same sense. With several arguments, each list is
    headed by its argument.

    Exit code 1 when an argument is not in the thesaurus (the others are still shown).
    """
    from spin_detect.tables.packaged import default_thesaurus
    from spin_detect.text.normalize import normalize

    asked = list(dict.fromkeys(" ".join(normalize(p).text.split()) for p in phrases))  # as a scored text reads it
    if "" in asked:
        fail("an empty word: give the words or phrases to look up")
    thesaurus = default_thesaurus()
    found = {p: thesaurus.synonyms(p.lower()) for p in asked}
    missing = [p for p, syns in found.items() if not syns]
    if as_json:
        typer.echo(json.dumps({p: [s._asdict() for s in syns] for p, syns in found.items()}, indent=2))
    else:
        for p, syns in found.items():
            if syns and len(found) > 1:
                typer.echo(f"{p}:")
            for s in syns:
                typer.echo(f"{'  ' if len(found) > 1 else ''}{s.text}\t{s.pos}\t{s.tag}\tsense {s.rank}"
                           f"{'  (similar)' if s.similar else ''}")
    for p in missing:
        note(f"{p!r} is not in the thesaurus")
    if missing:
        raise typer.Exit(EXIT_FAILURE)


def info(as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False) -> None:
    """Show the version, the default model and the packaged data: sizes, checksums and where they are."""
    from spin_detect.learning.persist import default_model_dir
    from spin_detect.tables.packaged import (
        data_file,
        default_antonyms,
        default_cloze,
        default_names,
        default_neighbours,
        default_reference,
        default_thesaurus,
        default_topics,
        default_trigrams,
    )
    from spin_detect.tables.store import file_sha256

    ref, th = default_reference(), default_thesaurus()
    topics, neighbours, trigrams, cloze = default_topics(), default_neighbours(), default_trigrams(), default_cloze()

    def where(name: str) -> dict[str, Any]:
        path = data_file(name)
        return {"bytes": path.stat().st_size, "path": str(path)}

    model_dir = default_model_dir()
    manifest = json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))
    data: dict[str, Any] = {
        "version": __version__,
        "model": {"name": manifest.get("name"), "sha256": manifest.get("sha256"),
                  "trained_with": manifest.get("spin_detect_version"),
                  "thresholds": manifest.get("thresholds"), "path": str(model_dir)},
        "reference": {**ref.describe(), **where("reference.bin")},
        "thesaurus": {"headwords": len(th), "entries": th.meta["entries"], "sha256": th.sha256,
                      **where("thesaurus.bin")},
        "neighbours": {"words": len(neighbours), "sha256": neighbours.sha256, **where("neighbors.bin")},
        "trigrams": {"trigrams": len(trigrams), "sha256": trigrams.sha256, **where("trigrams.bin")},
        "topics": {"words": len(topics), "with_vector": int(topics.has_vector.sum()),
                   "dims": int(topics.vectors.shape[1]), "sha256": topics.sha256, **where("topics.bin")},
        "cloze": {"words": len(cloze), "sha256": cloze.sha256, **where("cloze.bin")},
        # antonyms and names: read only for the likely originals a report lists; phrases and moby: by the spinner
        "antonyms": {"pairs": len(default_antonyms()), "sha256": default_antonyms().sha256, **where("antonyms.bin")},
        "names": {"words": len(default_names()), "sha256": default_names().sha256, **where("names.bin")},
        "spinner": {name: {"sha256": file_sha256(data_file(name)), **where(name)}
                    for name in ("phrases.bin", "moby.bin")},
    }
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    typer.echo(f"spin-detect {__version__}")
    for section in ("model", "reference", "thesaurus", "neighbours", "trigrams", "topics", "cloze", "antonyms",
                    "names", "spinner"):
        typer.echo(f"{section}:")
        for k, v in data[section].items():
            if section == "spinner":  # a table per line
                v = f"{v['bytes']:,} bytes, sha256 {v['sha256']}, {v['path']}"
            elif isinstance(v, dict):  # the model's thresholds, by preset
                v = ", ".join(f"{name} {p:.1%}" for name, p in sorted(v.items()))
            typer.echo(f"  {k}: {v:,}" if isinstance(v, int) else f"  {k}: {v}")
