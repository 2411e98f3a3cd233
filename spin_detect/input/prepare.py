"""One document, ready to score: decoded, reduced to its main text when it is HTML, cut to a scorable length.

:func:`prepare_document` is what ``score`` (one article) and ``audit`` (every
record of a corpus, in the scoring workers) both run between reading the input
and handing it to the detector, so the same input gives the same text either way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spin_detect.input.decode import decode_bytes
from spin_detect.input.errors import InputError, scrub
from spin_detect.input.files import file_format
from spin_detect.input.html import extract_html, looks_like_html
from spin_detect.input.markdown import is_markdown, markdown_text

__all__ = ["MAX_DOCUMENT_CHARS", "PreparedDocument", "document_kind", "prepare_document"]

#: Documents longer than this are scored on their first MAX_DOCUMENT_CHARS characters (and a note says so).
MAX_DOCUMENT_CHARS = 1_000_000


@dataclass(frozen=True)
class PreparedDocument:
    """A document ready to score, and what was done to it.

    ``text`` is what the detector gets (at most the cap); ``title`` the HTML ``<title>`` (None for text);
    ``kind`` how the input was read (``text``, ``html`` or ``markdown``: its markup removed,
    :mod:`spin_detect.input.markdown`); ``encoding`` the encoding bytes were decoded with
    (None when text was given); ``blank`` is True when there was no text at all (empty or whitespace, before
    the cap); ``notes`` say what the reader should know, e.g. that the document was cut.
    """

    text: str
    title: str | None = None
    kind: str = "text"
    encoding: str | None = None
    blank: bool = False
    notes: list[str] = field(default_factory=list)


def document_kind(html: str, fmt: str | None = None, markdown: bool = False) -> str:
    """How to read a document under ``--html-input`` mode ``html`` (``auto``, ``yes`` or ``no``): ``html``,
    ``markdown``, ``text`` or ``auto``.

    ``fmt`` is the file's :func:`~spin_detect.input.files.file_format` (None when not from a file): with
    ``auto``, an HTML file is read as HTML and anything else is ``auto`` (HTML if its start looks like HTML).
    ``markdown``: the file is Markdown (:func:`~spin_detect.input.markdown.is_markdown`), read as such unless
    ``html`` is ``yes``.
    """
    if html == "yes":
        return "html"
    if markdown:
        return "markdown"
    if html == "no":
        return "text"
    return "html" if fmt == "html" else "auto"


def prepare_document(data: bytes | str | None, where: str, html: str = "auto", *, kind: str | None = None,
                     charset: str | None = None, max_chars: int | None = MAX_DOCUMENT_CHARS) -> PreparedDocument:
    """Decode ``data``, extract the main text if it is HTML, and cut it to ``max_chars``; ``where`` names it.

    Bytes are decoded with the declared ``charset`` when it works, else with
    :func:`~spin_detect.input.decode.decode_bytes` (which refuses binary data); text is checked for NUL
    characters. ``kind`` (``text``, ``html`` or ``auto``), when the caller has decided it (a record's
    :attr:`~spin_detect.input.records.Record.kind`), wins over ``html`` mode and the suffix of ``where``
    (:func:`document_kind`). ``max_chars=None``: no cap.

    Raises :class:`~spin_detect.input.decode.InputError` for binary data and for HTML without article text.
    """
    encoding: str | None = None
    if isinstance(data, bytes):
        text: str | None = None
        if charset:
            try:
                text, encoding = scrub(data.decode(charset)), charset
            except (LookupError, ValueError):  # unknown (or not a text) encoding, or bytes it does not decode
                text = None
        if text is None:
            text, encoding = decode_bytes(data, where)
    else:
        text = scrub(data or "")
    if "\0" in text[:8192]:
        raise InputError(f"{where}: binary data (NUL characters), not text")
    kind = kind or document_kind(html, file_format(where), is_markdown(where))
    if kind == "auto":
        kind = "html" if looks_like_html(text[:2048]) else "text"
    title = None
    notes: list[str] = []
    if kind == "html":
        page = extract_html(text, where)
        text, title = page.text, page.title
        notes += page.cut
    elif kind == "markdown":
        text = markdown_text(text)
    blank = not text or text.isspace()
    if max_chars is not None and len(text) > max_chars:
        notes.append(f"document of {len(text):,} characters scored on its first {max_chars:,}")
        text = text[:max_chars]
    return PreparedDocument(text, title, kind, encoding, blank, notes)
