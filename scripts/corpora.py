"""Readers for the original-English corpora in ``../shared/corpora`` (build time only).

Each source is parsed the way its README describes and cleaned of the debris
that would otherwise look like spinning to the detector:

* Reuters-21578: SGML ``<BODY>`` per story, entities stripped, the trailing
  "Reuter" sign-off dropped, hard-wrapped lines joined;
* WikiText-2: detokenised (``@-@``, spaced punctuation), ``<unk>`` sentences dropped;
* Wikinews / Wikipedia (WikiExtractor): pages under 30 words dropped, section
  headings dropped, and sentences with *link holes* ("the of Brazil , ,") dropped;
* UNGD speeches: line-wrap hyphenation joined, lines of page furniture dropped.

Every document gets a stable id ``source/...``. :func:`pool_of` assigns each id,
by a hash, either to the reference statistics or to the *labelled pool* that the
classifier is trained and tested on; the two never share a document.

This module is used by the scripts in ``scripts/``; the package never imports it.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import re
from collections.abc import Iterator
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"

SOURCES = ("bbc", "reuters", "ungd", "wikinews", "enwiki2018", "enwiki2015", "wikitext2")

#: Share of each source's documents kept out of the reference statistics, for
#: the labelled train/dev/test data. Small sources give a larger share so that
#: each has enough test documents.
POOL_SHARE = {
    "bbc": 0.35,
    "reuters": 0.12,
    "ungd": 0.06,
    "wikinews": 0.10,
    "enwiki2018": 0.05,
    "enwiki2015": 0.04,
    "wikitext2": 0.35,
}


def unit_hash(key: str) -> float:
    """A stable number in [0, 1) for ``key`` (independent of PYTHONHASHSEED)."""
    h = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(h, "big") / 2**64


def pool_of(doc_id: str) -> str:
    """``"labelled"`` or ``"reference"``: where a document's text may be used."""
    source = doc_id.split("/", 1)[0]
    return "labelled" if unit_hash("pool:" + doc_id) < POOL_SHARE[source] else "reference"


# ---------------------------------------------------------------- cleaning
_DET = r"(?:the|a|an|this|these|those|its|their|his|her|our|of)"
_PREP = r"(?:of|in|on|at|for|with|by|from|into|to|and|or|as|is|was|the|a|an)"
_HOLE_RE = re.compile(
    rf"(?:\b{_DET}\s+{_PREP}\b)|(?:\b(?:of|in|on|at|for|with|by|from|into|to|the|a|an|and)\s+[,.;:)])"
    r"|(?:^\s*[,.;:)])|(?:\(\s*[,;]?\s*\))|(?:\s[,.;:]\s*[,.;:])|(?:\bto\s+(?:into|onto|from|with)\b)",
    re.IGNORECASE,
)
_ALPHA_RE = re.compile(r"[A-Za-z]")


def damaged(sentence: str) -> bool:
    """True for sentences with extraction holes or too little text to be prose."""
    if _HOLE_RE.search(sentence) or " ," in sentence or " ." in sentence:
        return True
    letters = len(_ALPHA_RE.findall(sentence))
    return letters < 0.5 * len(sentence)


def clean_lines(text: str) -> str:
    """Drop WikiExtractor section headings (short lines ending in '.')."""
    out = []
    for line in text.split("\n"):
        s = line.strip()
        if s.endswith(".") and len(s.split()) <= 4 and "," not in s:
            out.append("")
            continue
        out.append(line)
    return "\n".join(out)


def keep_sentences(text: str) -> str:
    """Re-join only the undamaged sentences of ``text``, paragraph breaks kept."""
    from spin_detect.text.segment import split_sentences

    return "\n\n".join(s.text.replace("\n", " ") for s in split_sentences(text) if not damaged(s.text))


# ---------------------------------------------------------------- sources
def read_bbc(root: Path) -> Iterator[tuple[str, str]]:
    for path in sorted((root / "bbc").glob("*/*.txt")):
        raw = path.read_text(encoding="utf-8", errors="replace")
        yield f"bbc/{path.parent.name}/{path.stem}", raw


_REUTERS_RE = re.compile(r'<REUTERS[^>]*NEWID="(\d+)"[^>]*>(.*?)</REUTERS>', re.S)
_BODY_RE = re.compile(r"<BODY>(.*?)</BODY>", re.S)


def read_reuters(root: Path) -> Iterator[tuple[str, str]]:
    for path in sorted((root / "reuters21578").glob("reut2-*.sgm")):
        raw = path.read_bytes().decode("latin-1")
        for m in _REUTERS_RE.finditer(raw):
            body = _BODY_RE.search(m.group(2))
            if not body:
                continue
            text = re.sub(r"&#\d+;", " ", body.group(1))
            text = html.unescape(text)
            text = re.sub(r"\s*Reuter\s*$", "", text.strip())
            # Stories are hard-wrapped with paragraph indents: keep indents as breaks.
            text = re.sub(r"\n {2,}", "\n\n", text)
            text = re.sub(r"(?<!\n)\n(?!\n)", " ", text)
            yield f"reuters/{m.group(1)}", text


_FURNITURE_RE = re.compile(r"\s*[\d/A-Z.\s-]{0,20}\s*")


def read_ungd(root: Path) -> Iterator[tuple[str, str]]:
    for path in sorted((root / "ungd").glob("session-*/*.txt")):
        raw = path.read_text(encoding="utf-8", errors="replace")
        raw = re.sub(r"(\w)-\n(\w)", r"\1\2", raw)
        # Page furniture: lines that are only a page number or a document symbol.
        lines = [ln for ln in raw.split("\n") if not ln.strip() or not _FURNITURE_RE.fullmatch(ln)]
        yield f"ungd/{path.stem}", "\n".join(lines)


_WT_SUBS = [
    (re.compile(r" @([-.,])@ "), r"\1"),
    (re.compile(r" ([.,;:!?)\]%])"), r"\1"),
    (re.compile(r"([(\[$]) "), r"\1"),
    (re.compile(r" ('s|'re|'ve|'ll|'d|'m|n't)\b"), r"\1"),
    (re.compile(r'" (.*?) "'), r'"\1"'),
]


def detokenize_wikitext(line: str) -> str:
    for pat, rep in _WT_SUBS:
        line = pat.sub(rep, line)
    return line.strip()


def read_wikitext(root: Path) -> Iterator[tuple[str, str]]:
    path = root / "wikitext-2" / "valid.txt"
    title, paras = None, []
    for line in path.read_text(encoding="utf-8").split("\n"):
        m = re.fullmatch(r" = ([^=].*[^=]) = ", line)
        if m:
            if title and paras:
                yield f"wikitext2/{title}", "\n\n".join(paras)
            title, paras = detokenize_wikitext(m.group(1)), []
            continue
        if not line.strip() or line.strip().startswith("="):
            continue
        sents = [s for s in re.split(r"(?<= \.) ", line.strip()) if "<unk>" not in s]
        if sents:
            paras.append(detokenize_wikitext(" ".join(sents)))
    if title and paras:
        yield f"wikitext2/{title}", "\n\n".join(paras)


def read_wikinews(root: Path) -> Iterator[tuple[str, str]]:
    for path in sorted((root / "wikinews").glob("*.jsonl")):
        with open(path, encoding="utf-8") as f:
            for line in f:
                try:
                    page = json.loads(line)
                except ValueError:
                    continue
                text = html.unescape(page.get("text") or "")
                if len(text.split()) < 30:
                    continue
                yield f"wikinews/{page['id']}", keep_sentences(clean_lines(text))


_DOC_RE = re.compile(r'<doc id="(\d+)"[^>]*>\n(.*?)</doc>', re.S)


def _read_wikiextractor(folder: Path, source: str) -> Iterator[tuple[str, str]]:
    for path in sorted(folder.glob("*/wiki_*")):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8", errors="replace") as f:
            raw = f.read()
        for m in _DOC_RE.finditer(raw):
            body = m.group(2).split("\n", 1)[1] if "\n" in m.group(2) else ""
            if len(body.split()) < 30:
                continue
            yield f"{source}/{m.group(1)}", keep_sentences(clean_lines(html.unescape(body)))


def read_source(source: str, root: Path = SHARED) -> Iterator[tuple[str, str]]:
    """Yield ``(doc_id, cleaned_text)`` for one source, in a fixed order."""
    if source == "bbc":
        return read_bbc(root)
    if source == "reuters":
        return read_reuters(root)
    if source == "ungd":
        return read_ungd(root)
    if source == "wikinews":
        return read_wikinews(root)
    if source == "enwiki2018":
        return _read_wikiextractor(root / "enwiki-2018", source)
    if source == "enwiki2015":
        return _read_wikiextractor(root / "enwiki-2015", source)
    if source == "wikitext2":
        return read_wikitext(root)
    raise ValueError(f"unknown source {source!r}")


def read_all(root: Path = SHARED) -> Iterator[tuple[str, str]]:
    """Every document of every source, ``(doc_id, text)``, in a fixed order."""
    for source in SOURCES:
        yield from read_source(source, root)
