"""Text -> sentences -> tokens, with character offsets into the original text.

This is the first step of the data flow. It is rule based (no model to load) and
tuned for news and encyclopaedic English: abbreviations (``U.S.``, ``Dr.``,
``Jan.``), decimals and grouped numbers (``3.5``, ``1,200``), quotes and brackets
after the final stop, ellipses, headlines and bullet lines without final
punctuation, and hard-wrapped text (newswire, OCR'd speeches) whose single line
breaks are not sentence breaks.

Every :class:`Token` and :class:`Sentence` carries ``start``/``end`` offsets so
that evidence can be pointed at in the original text. :func:`norm` gives the
normal form under which tokens are counted in the reference statistics.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterator, Sequence
from typing import NamedTuple, overload

__all__ = [
    "MAX_SENTENCE_CHARS",
    "Sentence",
    "Token",
    "Tokens",
    "norm",
    "split_sentences",
    "tokenize",
]

#: Sentences longer than this are cut at whitespace so that a run-on text (a
#: 50 MB single line, a table dumped as prose) cannot make one "sentence" that
#: swamps memory or the feature extractor. Cuts are reported via
#: :attr:`Sentence.truncated`.
MAX_SENTENCE_CHARS = 2000


class Token(NamedTuple):
    """One token: its text and ``[start, end)`` character offsets in the document."""

    text: str
    start: int
    end: int


_new_tuple = tuple.__new__
_make_token = functools.partial(_new_tuple, Token)  # Token(*args) without a Python-level call per token


class Tokens(Sequence[Token]):
    """A sentence's tokens: a read-only sequence of :class:`Token` kept as three columns.

    It reads like the tuple of tokens it stands for (``len``, indexing, slicing
    (a ``tuple``), iteration, ``==`` with that tuple), but holds only a tuple of
    token texts and two of offsets, and makes each ``Token`` when it is read.
    Why: a document of 500 tokens would otherwise keep 500 ``Token`` named tuples
    alive, which Python's cyclic garbage collector tracks and walks again and
    again (plain tuples of strings and integers it stops tracking); that cost
    more than making the tokens did. ``texts`` alone gives the words without
    making any ``Token``.
    """

    __slots__ = ("ends", "starts", "texts")

    def __init__(self, texts: tuple[str, ...], starts: tuple[int, ...], ends: tuple[int, ...]) -> None:
        self.texts = texts
        self.starts = starts
        self.ends = ends

    @classmethod
    def of(cls, tokens: Sequence[Token]) -> Tokens:
        """The tokens of any sequence of ``Token``."""
        return cls(tuple(t[0] for t in tokens), tuple(t[1] for t in tokens), tuple(t[2] for t in tokens))

    def __len__(self) -> int:
        return len(self.texts)

    def __iter__(self) -> Iterator[Token]:
        return map(_make_token, zip(self.texts, self.starts, self.ends))

    @overload
    def __getitem__(self, i: int) -> Token: ...

    @overload
    def __getitem__(self, i: slice) -> tuple[Token, ...]: ...

    def __getitem__(self, i: int | slice) -> Token | tuple[Token, ...]:
        if isinstance(i, slice):
            return tuple(map(_make_token, zip(self.texts[i], self.starts[i], self.ends[i])))
        return _new_tuple(Token, (self.texts[i], self.starts[i], self.ends[i]))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Tokens):
            return self.texts == other.texts and self.starts == other.starts and self.ends == other.ends
        if isinstance(other, tuple):
            return tuple(self) == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"Tokens({tuple(self)!r})"

    def __reduce__(self) -> tuple[type[Tokens], tuple[tuple[str, ...], tuple[int, ...], tuple[int, ...]]]:
        return Tokens, (self.texts, self.starts, self.ends)


class Sentence(NamedTuple):
    """One sentence: its text, offsets in the document and its tokens.

    ``tokens`` reads like a tuple of :class:`Token` (see :class:`Tokens`).
    ``truncated`` is True when the sentence was cut at :data:`MAX_SENTENCE_CHARS`
    (the rest of the run-on text continues in the next ``Sentence``).
    """

    text: str
    start: int
    end: int
    tokens: Tokens
    truncated: bool = False


# Words that end in a period but rarely end a sentence (titles, months, etc.).
# Lower-cased, without the period.
_NEVER_FINAL = frozenset(
    """mr mrs ms dr prof sen rep gov gen lt col maj capt cmdr sgt adm rev hon st
    messrs mme mlle jr sr vs etc al approx dept fig figs no nos vol vols pp
    jan feb mar apr jun jul aug sep sept oct nov dec
    mt ft ave blvd bros e.g i.e cf viz""".split()
)
# Abbreviations that often do end a sentence; we break after them only when the
# next word is a typical sentence opener.
_MAYBE_FINAL = frozenset("inc corp co ltd plc llc pty bhd u.s u.k u.n a.m p.m n.v s.a".split())
_OPENERS = frozenset(
    """the a an he she it they we i you this that these those there his her its
    their our but and however in on at for if when while after before as so yet
    mr mrs ms dr some many most all no one two three shares officials analysts""".split()
)

_TOKEN_RE = re.compile(
    r"""
    (?:https?://|www\.)[^\s<>"]+[^\s<>".,;:!?)\]}'"]    # URLs
  | [\w.+-]+@[\w-]+(?:\.[\w-]+)+                        # e-mail addresses
  | (?:[^\W\d_]\.){2,}                                  # U.S. U.N. a.m. e.g.
  | \d+(?:[.,:/]\d+)*(?:[^\W\d_]+)?                     # 3.5 1,200 10:30 1980s 1.13bn
  | [^\W\d_]+(?=n['’]t\b)                               # do|n't
  | n['’]t\b                                            # n't
  | ['’](?:s|re|ve|ll|d|m)\b(?![^\W\d_])                # 's 're ...
  | [^\W_]+(?:(?:[-.&]|['’](?!(?:s|re|ve|ll|d|m)\b))[^\W_]+)*  # high-speed, O'Neill
  | \.\.\.+|…|--+|[-–—]                                 # ellipsis, dashes
  | [^\w\s]                                             # any other symbol
    """,
    re.VERBOSE,
)

# The same without the URL and e-mail alternatives, for text with no "@", "://" or "www." (neither can
# match there, so the tokens are the same); the e-mail pattern's backtracking over every word is saved.
_PLAIN_TOKEN_RE = re.compile(
    "\n".join(line for line in _TOKEN_RE.pattern.split("\n")
              if not line.lstrip().startswith(("(?:https", "| [\\w.+-]+@"))).replace("|", " ", 1),
    re.VERBOSE,
)

# A candidate sentence end: terminal punctuation, optional closing quotes/brackets. A run of marks is tried from
# its first mark only and never backtracked into (possessive ++ / *+): "....x" costs linear time, not quadratic.
_END_RE = re.compile(r"""(?:(?<![.!?])[.!?]++|…|\.\.\.)['"”’)\]]*+(?=\s|$)""")
_BLOCK_SPLIT_RE = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_BULLET_RE = re.compile(r"""\s*(?:[-*•·▪–—]|\d{1,3}[.)])\s+""")
_WORD_BEFORE_RE = re.compile(r"([^\s(\[\"'“‘]+)$")
_DIGIT_RE = re.compile(r"\d")
_QUOTE_TABLE = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})

# A word of ASCII letters followed by a character that can neither continue it (a letter, digit, "_", "-", ".",
# "&", an apostrophe) nor be the end of the range: every alternative of _PLAIN_TOKEN_RE before the word one fails
# on it (none matches letters then such a character) and the word one matches just the letters, so putting this
# first gives the same tokens, without the tries of the earlier alternatives (the one for "do|n't" backtracks
# through the whole word). Most words of English text take this path.
_ASCII_WORD = r"[A-Za-z]++(?=[^\w\-.&'’])"

# _PLAIN_TOKEN_RE with the run of whitespace and underscores before each token as a group: findall then
# gives every character of the text in order (no token starts with either), so offsets are sums of lengths.
_GAP_TOKEN_RE = re.compile(r"([\s_]*)(" + _ASCII_WORD + "\n  | " + _PLAIN_TOKEN_RE.pattern.lstrip() + "\n)",
                           re.VERBOSE)


def _columns(text: str, start: int, end: int) -> tuple[tuple[str, ...], tuple[int, ...], tuple[int, ...]]:
    """The tokens of ``text[start:end]`` as (texts, start offsets, end offsets): :func:`tokenize`'s
    tokens, without making a ``Token`` for each."""
    find = text.find
    if find("@", start, end) < 0 and find("://", start, end) < 0 and find("www.", start, end) < 0:
        # Without URLs and addresses: tokens and the gaps before them from findall, offsets summed in C.
        pieces = tuple(itertools.chain.from_iterable(_GAP_TOKEN_RE.findall(text, start, end)))
        at = tuple(itertools.accumulate(map(len, pieces), initial=start))
        if "".join(pieces) == text[start : at[-1]]:  # no character skipped: the sums are the offsets
            return pieces[1::2], at[1::2], at[2::2]
        matches = list(_PLAIN_TOKEN_RE.finditer(text, start, end))
    else:
        matches = list(_TOKEN_RE.finditer(text, start, end))
    return tuple(m.group() for m in matches), tuple(m.start() for m in matches), tuple(m.end() for m in matches)


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Split ``text[start:end]`` into tokens with offsets into ``text``.

    Contractions are split the Penn Treebank way (``don't`` -> ``do`` ``n't``,
    ``Reuters'`` stays whole), hyphenated compounds and abbreviations with inner
    periods (``U.S.``) stay one token, numbers keep their decimal and grouping
    marks. Whitespace is never part of a token.
    """
    return list(map(_make_token, zip(*_columns(text, start, len(text) if end is None else end))))


def norm(token: str) -> str:
    """The form a token is counted under: lower case, curly quotes and dashes
    straightened, every digit replaced by ``0`` (so "1987" and "1990" share
    statistics as a four-digit number)."""
    if token.isalpha():
        # Most tokens are words: the lower case of a letter is letters and combining marks, never a digit or a
        # quote or dash of _QUOTE_TABLE, so the translation and the digit pass would change nothing.
        return token.lower()
    # One regex pass: it changes nothing in a token without decimal digits.
    return _DIGIT_RE.sub("0", token.lower().translate(_QUOTE_TABLE))


def _is_boundary(text: str, dot_start: int, after: int) -> bool:
    """Decide whether terminal punctuation ending at ``after`` ends a sentence."""
    nxt = _next_word(text, after)
    if not nxt:
        return True
    first = nxt[0]
    mark = text[dot_start:after]
    if mark[0] in "!?" or mark.startswith("..") or mark[0] == "…":
        # "!"/"?"/ellipsis: a break unless the text continues in lower case.
        return not first.islower()
    if first.islower():
        return False
    word = _word_before(text, max(0, dot_start - 40), dot_start).lower().rstrip(".")
    if word in _NEVER_FINAL:
        return False
    if len(word) == 1 and word.isalpha() and text[dot_start - 1].isupper():
        return False  # an initial: "J. Smith"
    if word in _MAYBE_FINAL or ("." in word and word.replace(".", "").isalpha()):
        return nxt.lower().strip("\"'“‘(") in _OPENERS
    return True


def _word_before(text: str, lo: int, end: int) -> str:
    """``_WORD_BEFORE_RE.search(text, lo, end).group(1)``, or "" when it finds nothing, without the
    regex's tries at every start: the run of characters other than whitespace and opening quotes
    and brackets that ends at ``end`` (or, as ``$`` also matches before a final newline, at
    ``end - 1`` when that is a newline), reaching back no further than ``lo``."""
    if end > lo and text[end - 1] == "\n":
        end -= 1
    start = end
    while start > lo:
        ch = text[start - 1]
        if ch.isspace() or ch in "([\"'“‘":  # str.isspace is re's \s, character for character
            break
        start -= 1
    return text[start:end]


def _next_word(text: str, pos: int) -> str:
    n = len(text)
    while pos < n and text[pos].isspace():
        pos += 1
    stop = pos
    while stop < n and not text[stop].isspace() and stop - pos < 30:
        stop += 1
    return text[pos:stop].lstrip("\"'“‘([")


def _line_breaks(text: str, start: int, end: int) -> list[int]:
    """Offsets of single line breaks inside a block that end a sentence.

    A block whose lines are of similar length is taken to be hard-wrapped prose:
    its line breaks are spaces, except after a markedly short line followed by
    a capital (the end of a paragraph or a title). In any other block every line
    is its own unit (headlines, bullet lists, one paragraph per line).
    """
    lines: list[tuple[int, int]] = []
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        if nl < 0:
            lines.append((pos, end))
            break
        lines.append((pos, nl))
        pos = nl + 1
    if len(lines) < 2:
        return []
    lengths = sorted(e - s for s, e in lines)
    typical = lengths[len(lengths) * 3 // 4]
    wrapped = len(lines) >= 3 and typical >= 30 and lengths[len(lengths) // 4] >= typical * 0.6
    breaks = []
    for (s, e), (ns, ne) in itertools.pairwise(lines):
        nxt = text[ns:ne].lstrip()
        if not nxt:
            continue
        cur = text[s:e].rstrip()
        if _BULLET_RE.match(text, ns, ne):
            breaks.append(e)
        elif not wrapped:
            if not (cur.endswith((",", ";", "-", "(")) or nxt[0].islower()):
                breaks.append(e)
        elif len(cur) < typical * 0.6 and not nxt[0].islower() and cur[-1:] not in ",;:-(":
            breaks.append(e)
    return breaks


def split_sentences(text: str, max_chars: int = MAX_SENTENCE_CHARS) -> list[Sentence]:
    """Split a document into sentences with tokens and offsets.

    Blank lines always separate sentences; single line breaks do when the block
    is not hard-wrapped prose (see module docs). Sentences longer than
    ``max_chars`` are cut at whitespace and marked ``truncated``. Empty or
    whitespace-only input gives an empty list.
    """
    sentences: list[Sentence] = []
    block_start = 0
    n = len(text)
    for m in _BLOCK_SPLIT_RE.finditer(text):
        _split_block(text, block_start, m.start(), max_chars, sentences)
        block_start = m.end()
    if block_start < n:
        _split_block(text, block_start, n, max_chars, sentences)
    return sentences


def _split_block(text: str, start: int, end: int, max_chars: int, out: list[Sentence]) -> None:
    cuts = set(_line_breaks(text, start, end)) if "\n" in text[start:end] else set()
    for m in _END_RE.finditer(text, start, end):
        if _is_boundary(text, m.start(), m.end()):
            cuts.add(m.end())
    cuts.add(end)
    pos = start
    for cut in sorted(cuts):
        _emit(text, pos, cut, max_chars, out)
        pos = cut


def _emit(text: str, start: int, end: int, max_chars: int, out: list[Sentence]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    while end - start > max_chars:
        cut = text.rfind(" ", start + max_chars // 2, start + max_chars)
        if cut <= start:
            cut = start + max_chars
        out.append(Sentence(text[start:cut], start, cut, Tokens(*_columns(text, start, cut)), True))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        out.append(Sentence(text[start:end], start, end, Tokens(*_columns(text, start, end))))
