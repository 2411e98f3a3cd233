"""Markdown files read as a reader reads them: the prose, without its markup.

A ``.md`` file read as plain text keeps ``# `` before its headings, ``**`` around
bold words and ``[text](https://...)`` around its links. Those are tokens the
reference statistics never saw between words, so they look like broken word
pairs, and a heading such as ``# Title`` can be flagged for its ``#``.
:func:`markdown_text` keeps the words of headings, paragraphs, lists, quotes,
tables and link texts (and bare links, which a reader sees), and drops what is not
prose: front matter, code blocks, images, link targets, reference definitions,
rules and HTML comments. Headings
become paragraphs of their own. It is a reader for the common syntax
(CommonMark and GitHub's tables), not a full parser: text it does not recognise
as markup stays as it is. Offsets of a report are into the text it returns, as
for HTML (into the extracted main text).
"""

from __future__ import annotations

import re

__all__ = ["is_markdown", "markdown_text"]

_SUFFIXES = (".md", ".markdown")

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_QUOTE = re.compile(r"^ {0,3}>[ \t]?")
_LIST = re.compile(r"^([ \t]*)(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?")
_REF_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]*\S+.*$")
_TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*$")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~<])")
_IMAGE = re.compile(r"!\[([^\]]*)\](?:\([^)]*\)|\[[^\]]*\])")
_LINK = re.compile(r"\[([^\]]+)\](?:\((?:[^()]|\([^)]*\))*\)|\[[^\]]*\])")
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^>\s]*)>")
_TABLE_ROW = re.compile(r"^[ \t]*\|.*\|[ \t]*$")
# Inline markup closes on its own line: an unmatched mark never eats the text up to the next one.
_CODE = re.compile(r"(`+)(.+?)\1")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EM_STAR = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])")
_EM_UNDER = re.compile(r"(?<![\w_])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w_])")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
#: Escaped characters wait in the private use area while the inline markup is removed (not markup themselves).
_HIDE = 0xF0000


def is_markdown(where: str | None) -> bool:
    """True when ``where`` (a file's path) names a Markdown file: ``.md`` or ``.markdown``, optionally ``.gz``."""
    if not where:
        return False
    name = str(where).lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return name.endswith(_SUFFIXES)


def markdown_text(text: str) -> str:
    """The prose of the Markdown ``text``: see the module docs."""
    text = _COMMENT.sub("", text)
    lines = text.split("\n")
    out: list[str] = []
    start = _front_matter_end(lines)
    fence: str | None = None
    for i in range(start, len(lines)):
        line = lines[i]
        m = _FENCE.match(line)
        if fence is not None:  # inside a code block: code, not prose
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            continue
        if m:
            fence = m.group(1)
            out.append("")
            continue
        while _QUOTE.match(line):
            line = _QUOTE.sub("", line, count=1)
        if _REF_DEF.match(line) or _TABLE_RULE.match(line):
            continue
        atx = _ATX.match(line)
        if atx:
            out += ["", atx.group(1) or "", ""]
            continue
        if _SETEXT.match(line) and out and out[-1].strip():
            out[-1:] = ["", out[-1], ""]  # the line above is a heading: its own paragraph
            continue
        if _RULE.match(line):
            out.append("")
            continue
        if _TABLE_ROW.match(line):  # a row of a table: its cells, apart
            out += ["", "; ".join(c.strip() for c in line.strip().strip("|").split("|") if c.strip()), ""]
            continue
        item = _LIST.match(line)
        if item:  # a list item: a paragraph of its own, as a reader sees it
            out += ["", line[item.end():]]
            continue
        out.append(line)
    body = _inline("\n".join(out))
    return re.sub(r"\n{3,}", "\n\n", body).strip("\n")


def _front_matter_end(lines: list[str]) -> int:
    """Index of the first line after a YAML front matter block (``---`` ... ``---`` or ``...``), 0 if none."""
    if not lines or lines[0].rstrip() != "---":
        return 0
    for i in range(1, min(len(lines), 200)):
        if lines[i].rstrip() in ("---", "..."):
            return i + 1
    return 0


def _inline(text: str) -> str:
    text = _ESCAPE.sub(lambda m: chr(_HIDE + ord(m.group(1))), text)
    text = _CODE.sub(lambda m: m.group(2).strip(), text)
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    for pattern in (_STRONG, _STRIKE):
        text = pattern.sub(r"\2" if pattern is _STRONG else r"\1", text)
    text = _EM_STAR.sub(r"\1", text)
    text = _EM_UNDER.sub(r"\1", text)
    return re.sub("[\U000f0000-\U000f00ff]", lambda m: chr(ord(m.group(0)) - _HIDE), text)
