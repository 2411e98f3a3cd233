"""The ``spin-detect`` Typer app, its entry point, and what the commands share.

The commands live in :mod:`.score`, :mod:`.audit`, :mod:`.training` and
:mod:`.data`; the :mod:`spin_detect.cli` package registers them on
:data:`app` (importing this module imports the package first). This module holds the options several commands take
(model, preset, threshold, HTML input), reading one document, loading the
detector, and :func:`fail`: errors the user can fix (unreadable input, bad
options) end with a one-line message on stderr and a non-zero exit code, never
a traceback. Heavy imports (scikit-learn, pandas, the detector) happen inside
the commands, so ``spin-detect --help`` stays fast.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated, Literal, NoReturn

import typer

from spin_detect import __version__
from spin_detect.cli.helpformat import EXIT_USAGE, PlainGroup

if TYPE_CHECKING:
    from spin_detect.detector import Detector
    from spin_detect.input.prepare import PreparedDocument

__all__ = ["HtmlChoice", "HtmlOpt", "ModelOpt", "Preset", "PresetOpt", "ThresholdOpt", "TrustOpt", "app", "fail",
           "load_detector_or_fail", "main", "parse_threshold", "read_article", "read_input", "refuse_existing"]

app = typer.Typer(
    name="spin-detect",
    help="Find spun web content: text rewritten with thesaurus synonyms by article spinners.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=PlainGroup,
    rich_markup_mode=None,  # plain help (helpformat.py): no markup to eat "spin-detect[dask]"
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 80},
)

#: Document threshold presets (:data:`spin_detect.config.PRESETS`).
Preset = Literal["strict", "balanced", "sensitive"]
#: Whether an input is HTML: by suffix or content, always, never.
HtmlChoice = Literal["auto", "yes", "no"]

ModelOpt = Annotated[str | None, typer.Option("--model", metavar="DIR",
                                              help="Model folder (default: the packaged model).")]
PresetOpt = Annotated[Preset, typer.Option(help="Document threshold preset: strict flags fewest original "
                                                "documents, sensitive catches more light spinning.")]


def parse_threshold(value: str | float) -> float:
    """A probability given as ``0.8`` or ``80%`` (``--threshold``); a bad value is a usage error (exit 2)."""
    text = str(value).strip()
    try:
        p = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a probability; give it as 0.8 or 80%") from None
    if not 0.0 <= p <= 1.0:
        raise typer.BadParameter(f"{value!r} is not between 0 and 1 (0% and 100%)")
    return p


ThresholdOpt = Annotated[float | None, typer.Option(
    parser=parse_threshold, metavar="P",
    help="Document threshold, as 0.8 or 80% (overrides --preset): spun when the likelihood is at least this.")]
TrustOpt = Annotated[bool, typer.Option("--trust-model", help="Load a model whose checksum or feature list does "
                                        "not match its manifest (a file you altered on purpose). Loading never "
                                        "runs code, with or without it (README, 'Security').")]
HtmlOpt = Annotated[HtmlChoice, typer.Option(
    "--html-input", help="Treat the input as HTML and extract the main text: auto (by suffix or content), yes, no.")]


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """One line on stderr (whatever the message holds), then exit with ``code``: how a command reports an error.

    ``code`` is one of :data:`~spin_detect.cli.helpformat.EXIT_CODES`: 2 (usage or bad input) unless the
    failure is outside the command line (1: an output cannot be written, a package is missing).
    """
    from spin_detect.input.errors import scrub

    typer.echo(f"spin-detect: error: {' '.join(scrub(message).split())}", err=True)
    raise typer.Exit(code)


def refuse_existing(path: str | os.PathLike[str] | None, force: bool) -> None:
    """Exit 2, before any work, when ``path`` names a file that exists (or a link to one) and ``force`` is off:
    no command overwrites a file it was not told to. A device or pipe (``/dev/stdout``) is written as asked."""
    from spin_detect.atomic import is_stream_path

    if path is not None and not force and os.path.isfile(path) and not is_stream_path(path):
        fail(f"{path}: exists; use --force to overwrite it")


def read_input(source: str) -> tuple[str, str]:
    """Read a file path or ``-`` (stdin); return ``(text, name)``. At most MAX_DOCUMENT_BYTES are read."""
    from spin_detect.input.decode import read_input_text
    from spin_detect.input.errors import InputError

    try:
        return read_input_text(source)
    except InputError as exc:
        fail(str(exc))


def read_article(source: str, html: HtmlChoice, command: str = "score", cap: bool = True
                 ) -> tuple[PreparedDocument, str]:
    """Read an article to score (text or HTML, file or stdin), decoded, reduced to its main text and capped
    (``cap``): ``(document, name)``; ``command`` names the command in the refusal of a file of many records."""
    from spin_detect.input.errors import InputError, scrub
    from spin_detect.input.files import CONTAINER_FORMATS, file_format
    from spin_detect.input.prepare import prepare_document

    fmt = file_format(source) if source != "-" else None
    if fmt in CONTAINER_FORMATS:
        fail(f"{scrub(source)}: a {fmt.upper()} file holds many records and '{command}' reads one article"
             + (f"; use 'spin-detect audit {scrub(source)} --out report.jsonl'" if command == "score" else ""))
    text, name = read_input(source)
    try:
        return (prepare_document(text, name, html) if cap else prepare_document(text, name, html, max_chars=None)), name
    except InputError as exc:
        fail(str(exc))


def load_detector_or_fail(model: str | None, preset: str, threshold: float | None, trust: bool) -> Detector:
    """The detector of the command's options (``model`` None or 'default': the packaged one), or a clean failure."""
    from spin_detect.config import DecisionConfig
    from spin_detect.detector import ModelError, load_detector

    try:
        config = DecisionConfig(preset=preset, document_threshold=threshold)
        return load_detector(None if model in (None, "default") else model, config, trust_unverified=trust)
    except (ModelError, ValueError, FileNotFoundError) as exc:
        fail(str(exc))


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


def main() -> None:
    """Entry point of the ``spin-detect`` console script (and ``python -m spin_detect``): run the app."""
    app()
