"""Read WordNet 3.0's database files and inflect English words (build time only).

WordNet's ``data.*``/``index.*`` files are a simple line format, so we read them
directly instead of pulling in NLTK (whose reader now refuses paths outside its
own data folders). Inflection covers what a spinner needs to keep a sentence
grammatical: noun plurals, verb -s/-ed/-ing forms and WordNet's irregular forms
(``*.exc``); regular forms whose spelling is ambiguous (doubling, -e drop) are
checked against a vocabulary when one is given.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

WORDNET = Path("/usr/share/wordnet")
POS_FILES = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}


@dataclass
class Synset:
    offset: int
    pos: str  # n v a r (satellites "s" folded into "a")
    words: list[str]
    similar: list[int]  # adjective "similar to" synsets
    proper: set[str]  # words that WordNet spells with a capital (names: "Carry Nation")


def _clean_word(w: str) -> str:
    w = re.sub(r"\([a-z]+\)$", "", w)  # adjective markers: (a) (p) (ip)
    return w.replace("_", " ").lower()


def _data_records(root: Path) -> Iterator[tuple[str, int, list[str], list[tuple[str, int, str, str]]]]:
    """Every synset line of WordNet's ``data.*`` files: ``(pos, offset, raw words, pointers)``, a pointer being
    ``(symbol, offset, pos, source/target)`` as the file writes it."""
    for pos, name in POS_FILES.items():
        with open(root / f"data.{name}", encoding="utf-8") as f:
            for line in f:
                if line.startswith("  "):
                    continue  # licence header
                fields = line.split(" | ", 1)[0].split()
                w_cnt = int(fields[3], 16)
                raw = [fields[4 + 2 * i] for i in range(w_cnt)]
                i = 4 + 2 * w_cnt
                pointers = [(fields[i + 1 + 4 * j], int(fields[i + 2 + 4 * j]), fields[i + 3 + 4 * j],
                             fields[i + 4 + 4 * j]) for j in range(int(fields[i]))]
                yield pos, int(fields[0]), raw, pointers


def read_synsets(root: Path = WORDNET) -> dict[tuple[str, int], Synset]:
    """All synsets, keyed by (pos, offset)."""
    out: dict[tuple[str, int], Synset] = {}
    for pos, offset, raw, pointers in _data_records(root):
        words = [_clean_word(w) for w in raw]
        proper = {_clean_word(w) for w in raw if any(c.isupper() for c in w)}
        similar = [off for sym, off, _pos, _st in pointers if sym == "&"]
        out[(pos, offset)] = Synset(offset, pos, list(dict.fromkeys(words)), similar, proper)
    return out


def read_antonyms(root: Path = WORDNET) -> set[tuple[str, str, str]]:
    """Direct antonyms: ``(lemma, antonym, pos)`` for every WordNet antonym pointer (``!``), both ways.

    The pointers are lexical (one word of a synset against one of another: "inside" / "outside"); a
    pointer between whole synsets pairs all their words. Names (capitalised lemmas) are left out.
    """
    words: dict[tuple[str, int], list[str]] = {}
    pointers: list[tuple[str, int, int, str, int, int]] = []
    for pos, offset, raw, ptrs in _data_records(root):
        words[(pos, offset)] = [_clean_word(w) if not any(c.isupper() for c in w) else "" for w in raw]
        pointers += [(pos, offset, int(st[:2], 16), "a" if pos2 == "s" else pos2, off, int(st[2:], 16))
                     for sym, off, pos2, st in ptrs if sym == "!"]
    out: set[tuple[str, str, str]] = set()
    for pos, off, source, pos2, off2, target in pointers:
        a, b = words[(pos, off)], words[(pos2, off2)]
        for x in (a if source == 0 else [a[source - 1]]):
            for y in (b if target == 0 else [b[target - 1]]):
                if x and y and x != y and pos == pos2:
                    out.add((x, y, pos))
                    out.add((y, x, pos))
    return out


def read_index(root: Path = WORDNET) -> dict[tuple[str, str], list[int]]:
    """``(lemma, pos) -> synset offsets``, most frequent sense first."""
    out: dict[tuple[str, str], list[int]] = {}
    for pos, name in POS_FILES.items():
        with open(root / f"index.{name}", encoding="utf-8") as f:
            for line in f:
                if line.startswith("  "):
                    continue
                fields = line.split()
                lemma = fields[0].replace("_", " ").lower()
                p_cnt = int(fields[3])
                synset_cnt = int(fields[2])
                offsets = [int(x) for x in fields[4 + p_cnt + 2 : 4 + p_cnt + 2 + synset_cnt]]
                out[(lemma, pos)] = offsets
    return out


def read_exceptions(root: Path = WORDNET) -> dict[str, dict[str, list[str]]]:
    """``pos -> base -> irregular inflected forms`` from WordNet's ``*.exc`` files."""
    out: dict[str, dict[str, list[str]]] = {}
    for pos, name in POS_FILES.items():
        table: dict[str, list[str]] = defaultdict(list)
        with open(root / f"{name}.exc", encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2:
                    form = parts[0].replace("_", " ")
                    for base in parts[1:]:
                        table[base.replace("_", " ")].append(form)
        out[pos] = dict(table)
    return out


# ---------------------------------------------------------------- inflection
_VOWELS = set("aeiou")


def _sibilant(w: str) -> bool:
    return w.endswith(("s", "x", "z", "ch", "sh"))


def plural(w: str) -> str:
    if _sibilant(w):
        return w + "es"
    if len(w) > 1 and w.endswith("y") and w[-2] not in _VOWELS:
        return w[:-1] + "ies"
    return w + "s"


def third_person(w: str) -> str:
    if w.endswith("o") and len(w) > 1 and w[-2] not in _VOWELS:
        return w + "es"
    return plural(w)


def _cvc(w: str) -> bool:
    return (
        len(w) >= 3
        and w[-1] not in _VOWELS | {"w", "x", "y"}
        and w[-2] in _VOWELS
        and w[-3] not in _VOWELS
    )


def _suffix_forms(w: str, suffix: str) -> list[str]:
    """Spelling candidates for ``w + suffix`` ("ed" or "ing"), most likely first."""
    if suffix == "ed":
        if w.endswith("e"):
            return [w + "d"]
        if len(w) > 1 and w.endswith("y") and w[-2] not in _VOWELS:
            return [w[:-1] + "ied"]
    else:
        if w.endswith("ie"):
            return [w[:-2] + "ying"]
        if w.endswith("e") and not w.endswith(("ee", "ye", "oe")) and len(w) > 2:
            return [w[:-1] + "ing"]
    plain = w + suffix
    if _cvc(w):
        doubled = w + w[-1] + suffix
        # One-syllable words double (stop -> stopped), longer ones mostly don't.
        syllables = len(re.findall(r"[aeiouy]+", w))
        return [doubled, plain] if syllables <= 1 else [plain, doubled]
    return [plain]


def _pick(cands: list[str], known: Callable[[str], bool] | None) -> str:
    if known is not None:
        for c in cands:
            if known(c):
                return c
    return cands[0]


def _past_forms(head: str, irregular: list[str], regular_past: str, known: Callable[[str], bool] | None
                ) -> tuple[str | None, str | None]:
    """The past tense and past participle of the verb ``head`` (None: the verb has none to give), from its
    irregular forms (took/taken), else the regular past when it is attested.

    WordNet's exception list gives a verb only the forms that are not regular, so a lone form may
    be the past alone, the participle alone, or both: "ran"/"came" are the past (the participle is
    the base: "has run", "has come"); "shown"/"swollen" are the participle, and the past is the regular
    one ("showed"), or the base when the participle is the base and "en" ("beaten", "outbidden": "beat",
    "outbid"); when the reference knows neither, there is no past ("gnawn": not "gnaw"). Other lone
    forms ("taught", "spun") are both. A regular verb whose past the reference does not know has neither
    ("readed": read/read is not in verb.exc).
    """
    attested = known is None or known(regular_past)
    if not irregular:
        return (regular_past, regular_past) if attested else (None, None)
    if len(irregular) == 1:
        form = irregular[0]
        if form.endswith(("an", "ame")):
            return form, head
        if form.endswith(("en", "wn")):
            if form in (head + "en", head + head[-1:] + "en"):
                return head, form
            return (regular_past if attested else None), form
        return form, form
    part = [f for f in irregular if f.endswith("n") or f.endswith("ne")]
    past = [f for f in irregular if f not in part]
    if part and past:
        return past[0], part[0]
    return irregular[0], irregular[-1]


def inflections(
    lemma: str,
    pos: str,
    exceptions: dict[str, dict[str, list[str]]],
    known: Callable[[str], bool] | None = None,
) -> dict[str, str]:
    """Inflected forms of ``lemma`` by tag: NN/NNS, VB/VBZ/VBD/VBN/VBG, JJ, RB.

    Multiword lemmas inflect their head: the last word of a noun phrase
    ("news agency" -> "news agencies"), the first word of a verb phrase
    ("end up" -> "ended up").
    """
    if pos == "a":
        return {"JJ": lemma}
    if pos == "r":
        return {"RB": lemma}
    words = lemma.split(" ")
    if pos == "n":
        if lemma in exceptions["n"]:
            return {"NN": lemma, "NNS": exceptions["n"][lemma][0]}
        head = words[-1]
        if head in exceptions["n"]:
            pl = exceptions["n"][head][0]
        else:
            pl = plural(head)
            if known is not None and not known(pl):
                return {"NN": lemma}  # mass noun or unattested plural ("newses")
        return {"NN": lemma, "NNS": " ".join(words[:-1] + [pl])}
    head, rest = words[0], words[1:]

    def join(w: str) -> str:
        return " ".join([w] + rest)

    if head == "be":  # the one verb whose forms no rule or exception list gives
        return {"VB": lemma, "VBZ": join("is"), "VBD": join("was"), "VBN": join("been"), "VBG": join("being")}
    irr = exceptions["v"].get(head, [])

    ing_irr = [f for f in irr if f.endswith("ing")]
    s_irr = [f for f in irr if f.endswith("s") and not f.endswith("ss")]
    forms = {
        "VB": lemma,
        "VBZ": join(s_irr[0] if s_irr else third_person(head)),
        "VBG": join(ing_irr[0] if ing_irr else _pick(_suffix_forms(head, "ing"), known)),
    }
    regular_past = _pick(_suffix_forms(head, "ed"), known)
    past, part = _past_forms(head, [f for f in irr if not f.endswith(("ing", "s"))], regular_past, known)
    if past is not None:
        forms["VBD"] = join(past)
    if part is not None:
        forms["VBN"] = join(part)
    return forms


def words_of(lemmas: Iterable[str]) -> set[str]:
    return {w for lemma in lemmas for w in lemma.split(" ")}
