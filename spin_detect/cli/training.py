"""``spin-detect train``, ``evaluate`` and ``spin``: making and measuring models, and making training data."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, get_args

import typer

from spin_detect.cli.app import PresetOpt, ThresholdOpt, TrustOpt, fail, load_detector_or_fail, read_article
from spin_detect.cli.console import note, plural, print_evaluation, progress_bar, progress_wanted
from spin_detect.cli.helpformat import EXIT_FAILURE

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    import pandas as pd

    from spin_detect.cli.console import ProgressBar
    from spin_detect.detector import Detector
    from spin_detect.features import FeatureExtractor

__all__ = ["SpinStyle", "convert_model", "evaluate", "spin", "train"]

#: The spinner's styles (the keys of :data:`spin_detect.learning.spinner.STYLES`, not imported here: it needs numpy).
SpinStyle = Literal["wordnet", "wordnet-rare", "commercial", "mixed", "moby", "fluent", "distributional", "phrasal"]


def _load_labelled_or_fail(data: list[Path]) -> pd.DataFrame:
    """The labelled sentences of all ``data`` files in one frame, or a clean failure."""
    import pandas as pd

    from spin_detect.learning.labelled import (
        LabelledDataError,
        check_documents,
        drop_repeated_sentences,
        load_labelled,
    )

    seen: dict[str, Path] = {}
    for p in data:
        key = os.path.realpath(p)
        if key in seen:
            fail(f"{p}: given twice (as {seen[key]} too): its rows would count twice")
        seen[key] = p
    try:
        frames = [load_labelled(p) for p in data]
    except LabelledDataError as exc:
        fail(str(exc))
    if len(frames) > 1:  # row numbers as documents would join row 0 of every file into one document
        for p, f in zip(data, frames):
            if f.attrs.get("doc_id_from_rows"):
                f["doc_id"] = f"{p}:" + f["doc_id"]
    for p, f in zip(data, frames):
        if f.attrs.get("repeated"):
            note(f"{p}: {plural(f.attrs['repeated'], 'row')} repeated a sentence of the same document word for word "
                 "(several spin --labelled runs of one article?): counted once")
    df = pd.concat(frames, ignore_index=True)
    if len(frames) > 1:
        try:
            n = len(df)  # a sentence in several files (one spin --labelled run each): read once, as in one file
            df = drop_repeated_sentences(df, ", ".join(map(str, data)))
            if len(df) < n:
                note(f"{plural(n - len(df), 'row')} repeated a sentence of another file word for word: counted once")
            check_documents(df, ", ".join(map(str, data)))
        except LabelledDataError as exc:
            fail(str(exc))
    df.attrs["file_rows"] = [len(f) for f in frames]
    if len(frames) > 1 and "id" in df.columns:  # each file refuses its own duplicates; these are across files
        ids = df["id"].astype(str)
        dup = ids.duplicated(keep=False).to_numpy()
        if dup.any():
            file_of = [str(p) for p, f in zip(data, frames) for _ in range(len(f))]
            files = sorted({file_of[i] for i in dup.nonzero()[0]})
            shown = sorted(set(ids[dup]))
            fail(f"duplicated id across files ({', '.join(files)}): {', '.join(map(repr, shown[:5]))}"
                 f"{' ...' if len(shown) > 5 else ''}; ids must be unique over all the data")
    return df


def train(
    data: Annotated[list[Path], typer.Argument(help="Labelled sentences: CSV, TSV or JSONL (optionally .gz) with "
                                                    "text and label (see README, 'Training on your own data').")],
    out: Annotated[Path, typer.Option("--out", "-o", metavar="DIR", help="Model folder to write.")],
    seed: Annotated[int, typer.Option(metavar="N", help="Random seed (same data and seed, same model).")] = 0,
    base: Annotated[str, typer.Option(metavar="MODEL", help="Model whose token level is reused when the data has no "
                                           "'changes' column ('default' or a folder).")] = "default",
    reference: Annotated[Path | None, typer.Option(
        metavar="FILE", help="Your own reference statistics (from build-reference), mixed into the packaged ones "
                             "so that your domain's wording counts as usual; copied into the model folder.")] = None,
    reference_share: Annotated[float, typer.Option(
        metavar="SHARE", min=0.01, max=0.99,
        help="Share of the mixed counts that comes from --reference (0.01-0.99).")] = 0.5,
    force: Annotated[bool, typer.Option("--force", help="Write into a folder that is not empty (the model's files "
                                        "there are replaced; a card, figures or tables of the model it held are "
                                        "removed).")] = False,
) -> None:
    """Train a model on labelled sentences (yours, or the generated datasets).

    Rows with split=test are left out; without a split column, documents are
    split 80/20 into training and calibration sets. The model folder must be
    new or empty (or --force).
    """
    if not force and out.is_dir() and any(out.iterdir()):
        fail(f"{out}: folder is not empty; use --force to write the model into it (or --out another folder)")
    df = _load_labelled_or_fail(data)
    _check_token_labels(df, base)
    made = [d for d in (out, *out.parents) if not d.exists()]  # the folders this command makes, deepest first
    try:  # the folder is made before training, so that a path that cannot be one fails now, not after it
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"{out}: cannot make the model folder ({exc.strerror or exc})", code=EXIT_FAILURE)
    try:
        with terminate_as_exit():
            _train_into(df, data, out, seed, base, reference, reference_share)
    except BaseException:  # a failure, Ctrl-C, a kill: folders made for the model are not left behind empty
        for d in made:
            if not d.is_dir() or any(d.iterdir()):
                break
            d.rmdir()
        raise


@contextlib.contextmanager
def terminate_as_exit() -> Iterator[None]:
    """Within it, SIGTERM (``kill``, a job scheduler's stop) ends the command as Ctrl-C does, by an exception
    (``SystemExit`` with code 143, 128 + the signal), so that what cleans up on the way out runs; the handler
    before it is put back after. Only in the main thread, where Python handles signals, and only when the
    handler before it is Python's to put back (not one set from C, in an interpreter embedded elsewhere)."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) is None:
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    before = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


def _check_token_labels(df: pd.DataFrame, base: str) -> None:
    """Refuse a ``changes`` column that names no replaced word in any spun row (it would train word models that
    never find one); say what a partly filled one and an unused ``--base`` mean."""
    if "changes" not in df.columns:
        return
    spun = df["label"].to_numpy() == 1
    filled = (df["changes"].astype(str) != "[]").to_numpy()
    if spun.any() and not (spun & filled).any():
        fail("the 'changes' column names no replaced word in any spun row; fill it in ([start, end, original, "
             "replacement] per replaced word), or leave the column out to keep the base model's word level")
    if (spun & ~filled).any():
        note(f"{int((spun & ~filled).sum()):,} of {int(spun.sum()):,} spun rows list no changes: the word models "
             "learn their words as original ones")
    if base != "default":
        note(f"the data has a 'changes' column, so the word-level models are trained on it; --base {base} gives "
             "only the feature settings")


def _train_into(df: pd.DataFrame, data: list[Path], out: Path, seed: int, base: str, reference: Path | None,
                reference_share: float) -> None:
    from spin_detect.atomic import atomic_write
    from spin_detect.learning.card import CARD_FILE, STALE_FILES, retrained_card
    from spin_detect.learning.persist import DOMAIN_REFERENCE_FILE, save_model
    from spin_detect.learning.train import train_model

    base_det = load_detector_or_fail(base, "balanced", None, False)
    # features as the base model's (its token level is reused): the cloze model reads the same slots
    mixed = None if reference is None else _domain_extractor(reference, reference_share,
                                                             base_det.extractor.cloze_from)
    extractor = base_det.extractor if mixed is None else mixed
    if reference is not None and "changes" not in df.columns:
        note("the data has no 'changes' column, so the token level is taken from the base model, which was "
             "trained without your reference; the sentence and document levels are trained with it")
    full = df
    if "split" in df.columns:  # rows training leaves out are not even featurised
        df = df[df["split"] != "test"].reset_index(drop=True)
    with progress_bar("features", len(df), progress_wanted()) as bar:
        try:
            # with token labels the evidence model is trained too, as the default model has one (without
            # them, both token models come from the base model)
            with warnings.catch_warnings():  # few documents of a class: scikit-learn's fold warnings say
                # nothing the user can act on; train_model's own warnings say what to add
                warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
                model, _ = train_model(df, extractor, seed=seed, base=base_det.model, log=note,
                                       progress=_closing(bar, len(df)), evidence_context=True)
        except ValueError as exc:
            fail(str(exc))
    from spin_detect.tables.store import file_sha256

    shas = [file_sha256(p) for p in data]
    model.info_["data"] = [str(p) for p in data]
    model.info_["data_sha256"] = shas  # evaluate warns when it is given the same data
    manifest = save_model(model, out, extractor, {"name": out.name})
    files = list(zip(map(str, data), shas, full.attrs.get("file_rows") or [len(full)] * len(data)))
    atomic_write(out / CARD_FILE, retrained_card(str(out), manifest, full, files, base).encode("utf-8"))
    removed = [n for n in STALE_FILES if n != CARD_FILE and (out / n).is_file()
               and not (n == DOMAIN_REFERENCE_FILE and manifest.get("domain_reference"))]
    for n in removed:
        (out / n).unlink()
    if removed:
        note(f"removed {', '.join(removed)} from {out}: they described the model this one replaces")
    note(f"model written to {out} (sha256 {manifest['sha256'][:16]}), with its card {out / CARD_FILE}")


def _closing(bar: ProgressBar | None, total: int) -> Callable[[int], None] | None:
    """``bar``'s callback, closing it once ``total`` is done: the models are fitted after, without a bar."""
    if bar is None:
        return None

    def step(done: int) -> None:
        bar(done)
        if done >= total:
            bar.close()
    return step


def _domain_extractor(path: Path, share: float, cloze_from: int) -> FeatureExtractor:
    """The packaged tables with the reference table ``path`` mixed in, or a clean failure."""
    from spin_detect.features import extractor_with_reference
    from spin_detect.tables.adapt import adapt_reference
    from spin_detect.tables.packaged import default_reference
    from spin_detect.tables.reference import ReferenceStats
    from spin_detect.tables.store import DataFormatError

    if not path.is_file():
        fail(f"{path}: no such file (make one with spin-detect build-reference)")
    try:
        domain = ReferenceStats.load(path)
        mixed = adapt_reference(default_reference(), domain, share)
    except (DataFormatError, OSError, ValueError) as exc:
        fail(f"--reference: {exc} (make a reference table with spin-detect build-reference)")
    note(f"reference {path.name}: {domain.total:,} tokens, {len(domain):,} words; {mixed.coverage:.1%} of its "
         f"running words are in the packaged vocabulary; mixed in at a share of {share:g}")
    return extractor_with_reference(mixed, cloze_from)


def evaluate(
    model: Annotated[str, typer.Argument(help="Model folder, or 'default'.")],
    data: Annotated[list[Path], typer.Argument(help="Labelled sentences (CSV, TSV or JSONL, optionally .gz).")],
    split: Annotated[str | None, typer.Option(metavar="NAME", help="Only rows of this split (when the data has a split "
                                                   "column), e.g. test.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print all metrics as JSON.")] = False,
    preset: PresetOpt = "balanced",
    threshold: ThresholdOpt = None,
    trust_model: TrustOpt = False,
) -> None:
    """Measure a model on labelled data: ROC-AUC, PR-AUC, F1, recall at 1%/5% FPR,
    confusion matrix and calibration, per source, style and rate, for sentences
    and documents; with token labels (a 'changes' column), how far the evidence
    can be trusted (false evidence on originals, precision, true originals named)."""
    from spin_detect.audit.worker import freeze_once
    from spin_detect.learning.evaluate import evaluation_report, evidence_figures, score_frame_for_evaluation
    from spin_detect.learning.model import extract

    df = _load_labelled_or_fail(data)
    if split is not None:
        split = split.strip().lower()  # split values are read in any case
        if "split" not in df.columns:
            fail("--split given but the data has no split column")
        have = sorted(str(v) for v in df["split"].dropna().unique())
        df = df[df["split"] == split]
        if df.empty:
            fail(f"no rows with split={split}; the data has split {', '.join(have) or 'empty everywhere'}")
    det = load_detector_or_fail(model, preset, threshold, trust_model)
    _warn_seen(det, data, df, split)
    if len(df) > 1 and df["doc_id"].nunique() == len(df):
        note("every row is its own document (no doc_id column, or one sentence per document): the document "
             "figures are about single sentences")
    freeze_once()  # the model and tables live as long as this command: keep the garbage collector off them
    df = df.reset_index(drop=True)
    with progress_bar("scoring", len(df), progress_wanted()) as bar:
        fs = extract(df["text"].tolist(), det.extractor, progress=bar)
    sent, docs = score_frame_for_evaluation(det, df, features=fs)
    report = evaluation_report(sent, docs, det.config.sentence_threshold,
                               det.document_threshold)
    if "changes" in df.columns:
        report["evidence"] = evidence_figures(det, df, fs, det.config.evidence_threshold)
    if as_json:  # with what was measured, so that a saved result can be traced
        # the threshold's origin, as in score --json: a preset of the model, or null for a --threshold given
        head = {"schema": "spin-detect/evaluation/1", "model": det.model_id,
                "preset": det.config.preset if threshold is None else None,
                "threshold": det.document_threshold, "data": [str(p) for p in data], "split": split, "rows": len(df)}
        typer.echo(json.dumps({**head, **report}, indent=2))
        return
    print_evaluation(report)


def _warn_seen(det: Detector, data: list[Path], df: pd.DataFrame, split: str | None) -> None:
    """Say when the figures would be measured on rows the model was trained or calibrated on."""
    from spin_detect.tables.store import file_sha256

    trained_on = set(det.model.info_.get("data_sha256") or [])
    same = [str(p) for p in data if trained_on and file_sha256(p) in trained_on]
    if same:
        note(f"warning: {', '.join(same)}: the model was trained on this file; its figures are not a measure of "
             "new text" + ("" if split == "test" or "split" not in df.columns else " (--split test measures the rows "
                                                                                  "training left out)"))
    elif split is None and "split" in df.columns:
        seen = int(df["split"].isin(["train", "dev"]).sum())
        if seen:
            note(f"{seen:,} of {len(df):,} rows are in split train or dev: a model trained on this data fitted or "
                 "calibrated on them; --split test measures only the rows training left out")


def spin(
    file: Annotated[str, typer.Argument(help="Text to spin: a text file, or - for stdin; of an HTML or Markdown "
                                             "file, its main text (as score reads it).")],
    style: Annotated[SpinStyle, typer.Option(
        metavar="STYLE", help=f"Spinner style: {', '.join(get_args(SpinStyle))}.")] = "commercial",
    rate: Annotated[float | None, typer.Option(min=0.0, max=1.0, metavar="R",
                                               help="Share of words to replace (style default: 0.3).")] = None,
    sentence_share: Annotated[float | None, typer.Option(
        min=0.0, max=1.0, metavar="F", help="Spin only this share of paragraphs/sentences (partial spinning).")
    ] = None,
    seed: Annotated[int, typer.Option(metavar="N", help="Random seed; the same seed gives the same output.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the spun text with every change as JSON.")
                       ] = False,
    labelled: Annotated[bool, typer.Option(
        "--labelled", help="Print labelled data for train instead: JSON lines, every sentence as written "
                           "(label 0) and as spun (with its changes), doc_id the file name, and the "
                           "style, rate and partial (whether only a share of sentences was spun) of the run.")
    ] = False,
) -> None:
    """Rewrite text the way article spinners do, recording every change.

    For making training data and for seeing what spinning does to a text. Its thesaurus is English:
    text that is not English is refused (exit code 2), as score would not judge it.
    """
    from spin_detect.learning.spinner import spin_text
    from spin_detect.report import plural

    if as_json and labelled:
        fail("--json and --labelled print different things: choose one")
    doc, name = read_article(file, "auto", "spin", cap=False)  # HTML and Markdown: their prose, never their markup
    text = doc.text
    if not text.strip():
        fail(f"{name}: empty document (nothing to spin)")
    if doc.kind != "text":
        note(f"{name}: {doc.kind.upper() if doc.kind == 'html' else doc.kind}; spinning its main text, without "
             "the markup")
    report = load_detector_or_fail(None, "balanced", None, False).score_document(text)  # is it English?
    if report.verdict == "out_of_scope":
        fail(f"{name}: {report.notes[0].replace('judges', 'spins')}")
    result = spin_text(text, style, rate=rate, seed=seed, sentence_share=sentence_share)
    if labelled:
        # each run its own document variant: rows of several styles, rates and seeds appended to one file stay
        # apart (their originals repeat word for word, and are read once)
        variant = f"spun:{style}:rate={rate if rate is not None else 'default'}:seed={seed}" + (
            f":sentences={sentence_share}" if sentence_share is not None else "")
        how = {"style": style, "rate": result.config.rate if result.config else rate,
               "partial": result.config.sentence_share < 1 if result.config else False}
        for row in result.labelled_rows(text, name, variant):
            typer.echo(json.dumps({**row, **how}, ensure_ascii=False))
    elif as_json:
        typer.echo(json.dumps({"input": name, "style": style, "seed": seed, **result.to_dict()},
                              ensure_ascii=False, indent=2))
    else:
        typer.echo(result.text, nl=not result.text.endswith("\n"))
        words = sum(s["word_tokens"] for s in result.sentences)
        note(f"{plural(len(result.changes), 'replacement')}, {result.changed_tokens:,} of {plural(words, 'word')} "
             f"changed ({style})")


def convert_model(
    old: Annotated[Path, typer.Argument(help="Model folder of spin-detect 0.2 (model.joblib and manifest.json).")],
    out: Annotated[Path, typer.Option("--out", "-o", metavar="DIR", help="New model folder to write (empty or new).")],
    trust_model: Annotated[bool, typer.Option(
        "--trust-model", help="Required: you made this model yourself (converting unpickles it, which runs code).",
    )] = False,
) -> None:
    """Convert a model of spin-detect 0.2 (a pickle) into today's format (plain arrays, no code).

    Old model folders hold model.joblib, which runs code when it is loaded, so
    spin-detect no longer loads them. Convert each model you made yourself once;
    the new folder loads without unpickling anything and scores the same.
    """
    from spin_detect.learning.persist import ModelError, convert_legacy_model

    try:
        manifest = convert_legacy_model(old, out, trust=trust_model)
    except ModelError as exc:  # the old folder, or the choice of the new one: the user's to fix
        fail(str(exc))
    except OSError as exc:  # the new folder cannot be written
        fail(f"{out}: cannot write the converted model ({exc.strerror or exc})", EXIT_FAILURE)
    note(f"converted {old} -> {out} (model.npz {manifest['sha256'][:12]})")
