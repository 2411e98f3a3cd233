"""Main text of an HTML page (web article, crawled page), for scoring.

Spun articles are usually found on the web, wrapped in menus, banners and
comment threads that are not the article and must not be scored. This module
turns a page into plain text with one paragraph per block, paragraphs separated
by blank lines (headings stay separate paragraphs: the sentence splitter reads a
line without final punctuation as a headline). It uses only :mod:`html.parser`,
keeps its own element stack (no recursion) and does work linear in the size of
the page. Memory and time are bounded whatever the page: only its first
:data:`MAX_HTML_CHARS` characters and :data:`MAX_HTML_TAGS` tags are read, and
elements nested deeper than :data:`MAX_NESTING` are read as siblings (as
browsers do past their own depth limit); :attr:`HtmlDocument.cut` says when.

The rules, in order:

1. **Dropped elements.** Nothing inside ``script``, ``style``, ``noscript``,
   ``template``, ``svg``, ``math``, ``iframe``, ``nav``, ``header``,
   ``footer``, ``aside``, ``form``, ``button``, ``select``, ``textarea`` or
   ``head`` is text (the ``<title>`` is kept as :attr:`HtmlDocument.title`),
   nor inside elements that are ``hidden``/``aria-hidden``, have a boilerplate
   ``role`` (navigation, banner, contentinfo, complementary, search, dialog) or
   a class/id naming boilerplate (nav, menu, header, footer, sidebar, cookie,
   share, social, comment, related, advert, ad-/ads, breadcrumb, subscribe,
   newsletter, banner, promo, popup). Exception: a ``<header>`` inside
   ``<article>``/``<main>`` is the article's own header; its headings are kept.
2. **Paragraphs.** Block elements (``p``, ``div``, ``h1``-``h6``, ``li``,
   ``article``, ``section``, ``blockquote``, ``pre``, ``tr``, ``td``, ...) end
   a paragraph. ``<br>`` is a line break and ``<br><br>`` a paragraph break;
   ``<pre>`` keeps its lines. Other whitespace collapses to single spaces and
   entities are decoded.
3. **Main content.** If the page has ``<article>``, ``<main>`` or
   ``role="main"`` holding substantial text (at least 30 words and a third of
   the page's prose), only paragraphs inside them are kept, less those that are
   mostly link text. A list page of several ``<article>`` teasers keeps all the
   teasers, in order, and says so in :attr:`HtmlDocument.notes`.
4. **Text density** (no usable main element). A paragraph of at least 10 words
   with link density (characters inside ``<a>`` / all characters) under 0.35 is
   *good*; one of more than half link text is *bad* (menus, tag lists); others
   are *short*. Good paragraphs are kept; a short one is kept when the nearest
   non-short paragraphs before and after it are both good, and a short heading
   when the next non-short paragraph is good. Short link-only lines go.

A page with no text left raises :class:`~spin_detect.input.decode.InputError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from spin_detect.input.errors import InputError

__all__ = ["MAX_HTML_CHARS", "MAX_HTML_TAGS", "MAX_NESTING", "HtmlDocument", "extract_html", "looks_like_html"]

#: Only the first this many characters of a page are parsed (20 times the text that is scored, at most).
MAX_HTML_CHARS = 20_000_000
#: Parsing stops after this many tags (start and end): about 10 s of work, whatever the page.
MAX_HTML_TAGS = 1_000_000
#: Elements nested deeper than this are read as siblings of the deepest one: the open elements stay few.
MAX_NESTING = 10_000

_DROP = frozenset("script style noscript template svg math iframe object embed canvas video audio nav header footer "
                  "aside form button select textarea head dialog".split())
_BLOCK = frozenset("p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd article section main blockquote pre tr td th table "
                   "caption figure figcaption address hr center details summary body html fieldset legend".split())
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr keygen".split())
_ROLE_DROP = frozenset("navigation banner contentinfo complementary search dialog menu menubar".split())
_BOILER_RE = re.compile(r"(?:^|[^a-z])(?:nav|menu|header|footer|sidebar|cookie|share|sharing|social|comment|related"
                        r"|advert|ads?(?=[^a-z]|$)|breadcrumb|subscribe|newsletter|banner|promo|popup)")
_HTML_HEAD_RE = re.compile(r"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<p[\s>]|<article[\s>]|<div[\s>]", re.I)
_MARKED_RE = re.compile(r"<!\[(?!(?:cdata|if|else|endif|temp|ignore|include|rcdata)(?![-_.a-z0-9]))", re.I)
_TAG_OPEN_RE = re.compile(r"<[a-zA-Z/!?]")
_WS_RE = re.compile(r"\s+")
_BR = "\0"  # stands for <br> in collected text (NULs in the page's text become U+FFFD, as in browsers)
MIN_WORDS, MAX_LINK_DENSITY, MIN_MAIN_WORDS = 10, 0.35, 30


@dataclass(frozen=True)
class HtmlDocument:
    """Extracted page: main text (paragraphs separated by blank lines), ``<title>``, notes on the extraction.

    ``cut`` says what of the page was not read as it is (a limit of the module docs was reached).
    """

    text: str
    title: str | None
    notes: list[str] = field(default_factory=list)
    cut: list[str] = field(default_factory=list)


class _TooManyTags(Exception):
    """:data:`MAX_HTML_TAGS` tags were read."""


def looks_like_html(text_or_bytes_head: str | bytes) -> bool:
    """True when the start of a document looks like HTML (doctype, ``<html``, ``<body``, ``<p>``...).

    Text must begin with ``<`` (after whitespace/BOM) with such a tag in its first 1,024 characters, or
    have ``<!doctype html``/``<html`` in its first 256 characters (a page after a stray server warning).
    """
    head = text_or_bytes_head
    if isinstance(head, bytes | bytearray):
        head = bytes(head[:2048]).decode("latin-1")
    head = head[:2048].lstrip("\ufeff \t\r\n")
    if head.startswith("<") and _HTML_HEAD_RE.search(head, 0, 1024):
        return True
    return re.search(r"<!doctype\s+html|<html[\s>]", head[:256], re.I) is not None


class _Para:
    __slots__ = ("heading", "link_chars", "main", "pre", "text", "words")

    def __init__(self, text: str, link_chars: int, main: bool, heading: bool, pre: bool):
        self.text, self.link_chars, self.main, self.heading, self.pre = text, link_chars, main, heading, pre
        self.words = len(text.split())

    @property
    def density(self) -> float:
        return self.link_chars / max(1, len(self.text) - self.text.count(" "))


class _Extractor(HTMLParser):
    """One pass over the page; collects candidate paragraphs and the title (see module docs)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, list[str]]] = []  # (tag, flags) of open elements
        self.open_count: dict[str, int] = {}  # tag -> how many are open: stray end tags cost O(1)
        self.count = {"drop": 0, "main": 0, "a": 0, "pre": 0, "head_zone": 0, "heading": 0, "title": 0, "svg": 0}
        self.pieces: list[str] = []
        self.link_chars = 0
        self.para_main = self.para_heading = self.br_pending = self.started = self.title_done = False
        self.paras: list[_Para] = []
        self.title_parts: list[str] = []
        self.n_articles = 0
        self.tags = 0  # start and end tags read
        self.flattened = False  # an element was nested deeper than MAX_NESTING

    def _count_tag(self) -> None:
        self.tags += 1
        if self.tags > MAX_HTML_TAGS:
            raise _TooManyTags

    def _flags_for(self, tag: str, attrs: list[tuple[str, str | None]]) -> list[str]:
        a = {k: (v or "") for k, v in attrs}
        role = a.get("role", "").strip().lower()
        names = (a.get("class", "")[:500] + " " + a.get("id", "")[:200]).lower()
        c, flags = self.count, []
        hidden = "hidden" in a or a.get("aria-hidden", "").lower() == "true" or role in _ROLE_DROP or re.search(
            r"display\s*:\s*none", a.get("style", "")[:500], re.I)
        boiler = _BOILER_RE.search(names)
        if c["main"] and not hidden and (tag == "header" or (boiler and tag not in _DROP
                                         and not _BOILER_RE.search(names.replace("header", " ")))):
            flags.append("head_zone")  # the article's own header: only its headings are text
        elif hidden or boiler or tag in _DROP:
            flags.append("drop")
        if tag in ("article", "main") or role == "main":
            flags.append("main")
        if tag == "article" and not self.open_count.get("article") and not c["drop"]:
            self.n_articles += 1
        if tag in ("a", "pre", "title", "svg"):
            flags.append(tag)
        if tag in _HEADINGS:
            flags.append("heading")
        return flags

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._count_tag()
        if tag == "br":
            if self.br_pending:
                self._flush()
            else:
                self.pieces.append(_BR)
                self.br_pending = True
            return
        if tag in _BLOCK:
            self._flush()
        if tag in _VOID:
            return
        if len(self.stack) >= MAX_NESTING:  # the deepest element ends here: the new one is its sibling
            self.flattened = True
            self._pop()
        flags = self._flags_for(tag, attrs)
        for f in flags:
            self.count[f] += 1
        self.stack.append((tag, flags))
        self.open_count[tag] = self.open_count.get(tag, 0) + 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "br":  # browsers read </br> as <br>
            self.handle_starttag(tag, [])
            return
        self._count_tag()
        if not self.open_count.get(tag):
            return  # stray end tag
        if tag in _BLOCK:
            self._flush()
        while self.stack:  # close unclosed children too; each element is popped once: linear overall
            if self._pop() == tag:
                break

    def _pop(self) -> str:
        """Close the innermost open element; its tag."""
        name, flags = self.stack.pop()
        self.open_count[name] -= 1
        if name in _BLOCK or "heading" in flags:
            self._flush()
        for f in flags:
            self.count[f] -= 1
        self.title_done = self.title_done or name == "title"
        return name

    def handle_data(self, data: str) -> None:
        c = self.count
        if c["title"] and not c["svg"] and not self.title_done:
            self.title_parts.append(data)
        if c["drop"] or (c["head_zone"] and not c["heading"]):
            return
        self.pieces.append(data.replace(_BR, "\ufffd"))
        if data.strip():
            if not self.started:  # the paragraph's context is that of its first visible text
                self.started, self.para_main, self.para_heading = True, c["main"] > 0, c["heading"] > 0
            self.br_pending = False
            if c["a"]:
                self.link_chars += len(data) - sum(map(str.isspace, data))

    def _flush(self) -> None:
        self.br_pending = False
        if not self.pieces:
            return
        raw = "".join(self.pieces)
        pre = self.count["pre"] > 0
        if pre:  # keep the lines as they are
            text = "\n".join(ln.rstrip() for ln in raw.replace(_BR, "\n").split("\n")).strip("\n")
        else:  # collapse whitespace; <br> is a line break
            text = "\n".join(ln for ln in (_WS_RE.sub(" ", part).strip() for part in raw.split(_BR)) if ln)
        if text.strip():
            self.paras.append(_Para(text, self.link_chars, self.para_main, self.para_heading, pre))
        self.pieces, self.link_chars, self.started = [], 0, False


def _density_select(paras: list[_Para]) -> list[_Para]:
    """Rule 4 of the module docs: good / bad / short paragraphs, with context for the short ones."""
    kind = ["good" if p.words >= MIN_WORDS and p.density < MAX_LINK_DENSITY else
            "bad" if p.density > 0.5 else "short" for p in paras]
    n = len(paras)
    prev_ns: list[str | None] = [None] * n
    next_ns: list[str | None] = [None] * n
    last: str | None = None
    for i in range(n):
        prev_ns[i] = last
        last = kind[i] if kind[i] != "short" else last
    last = None
    for i in range(n - 1, -1, -1):
        next_ns[i] = last
        last = kind[i] if kind[i] != "short" else last
    return [p for i, p in enumerate(paras) if kind[i] == "good" or (kind[i] == "short" and next_ns[i] == "good"
            and (p.heading or prev_ns[i] == "good"))]


def _defuse(html: str) -> str:
    """Work around two weaknesses of :mod:`html.parser`; browsers read the page the same way after this.

    ``<![`` other than CDATA and conditional sections becomes a bogus comment (html.parser would raise).
    After the page's last ``>``, a tag that opens (``<a``, ``</``, ``<!``, ``<?``) never closes, so the page
    ends there; other ``<`` are text. html.parser would rescan to the end of the page for each of them
    (quadratic time on ``<a<a<a...``).
    """
    html = _MARKED_RE.sub("<!x[", html)
    last = html.rfind(">") + 1
    if "<" not in html[last:]:
        return html
    m = _TAG_OPEN_RE.search(html, last)
    tail = html[last: m.start() if m else len(html)]
    return html[:last] + tail.replace("&", "&amp;").replace("<", "&lt;")


def extract_html(html: str, where: str = "input") -> HtmlDocument:
    """Main text and title of an HTML page (rules in the module docs); ``where`` names it in errors.

    Raises :class:`~spin_detect.input.decode.InputError` when no article text is left.
    """
    cut: list[str] = []
    if len(html) > MAX_HTML_CHARS:
        cut.append(f"HTML page of {len(html):,} characters: text taken from its first {MAX_HTML_CHARS:,} characters")
        html = html[:MAX_HTML_CHARS]
    parser = _Extractor()
    try:
        parser.feed(_defuse(html))
        parser.close()
    except _TooManyTags:
        cut.append(f"HTML page of more than {MAX_HTML_TAGS:,} tags: text taken from its first {MAX_HTML_TAGS:,} tags")
    except AssertionError as exc:  # html.parser's own checks; not expected after _defuse
        raise InputError(f"{where}: cannot parse the HTML ({exc})") from exc
    parser._flush()
    if parser.flattened:
        cut.append(f"HTML elements nested more than {MAX_NESTING:,} deep were read as siblings")
    paras = parser.paras
    title = _WS_RE.sub(" ", "".join(parser.title_parts)).strip() or None
    notes: list[str] = []
    prose = sum(p.words for p in paras if p.density < 0.5)
    main = [p for p in paras if p.main and (p.density <= 0.5 or p.heading)]
    main_words = sum(p.words for p in main)
    if main_words >= MIN_MAIN_WORDS and main_words * 3 >= prose:
        kept = main
        notes.append("main text taken from the page's <article>/<main> element")
        if parser.n_articles > 1:
            notes.append(f"the page has {parser.n_articles} <article> elements: it may be a list of teasers, "
                         "all of which were kept")
    else:
        kept = _density_select(paras)
        notes.append(f"no usable <article>/<main>: kept {len(kept)} of {len(paras)} text blocks by length and "
                     "link density")
    if not kept:
        reason = ("only short or link-heavy lines such as menus" if paras
                  else "no visible text outside scripts, styles and navigation")
        raise InputError(f"{where}: no article text found in the HTML ({reason})" + "".join(f"; {c}" for c in cut))
    return HtmlDocument("\n\n".join(p.text for p in kept), title, notes, cut)
