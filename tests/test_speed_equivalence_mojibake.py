"""The map back from ftfy-repaired text to the original (spin_detect.text.normalize._map_back)
against difflib's own alignment (_map_back_plain): the same span for every character, on
varied mojibake, and the same opcodes as SequenceMatcher on edited random texts."""

from __future__ import annotations

import random
from difflib import SequenceMatcher
from pathlib import Path

import pytest

from spin_detect.text.normalize import _map_back, _map_back_plain, _SampledMatcher, normalize

ftfy = pytest.importorskip("ftfy")

ROOT = Path(__file__).resolve().parents[1]
_ACCENTED = ["é", "è", "ü", "’", "‘", "“", "”", "—", "–", "€", "£", "°", "½", "ñ", "ç", "…", "™", "é"]


def _base_texts() -> list[str]:
    article = (ROOT / "spin_detect" / "examples" / "spun_article.txt").read_text(encoding="utf-8")
    para = ("The café on Main Street said on Tuesday that its profits had risen by 12% in the year to March, "
            "beating the forecasts of most analysts. “We’re pleased,” said the manager — who declined to be named.")
    return [article, para, para * 6, para + "\n\n" + article + "\n\n" + para, "x", "é", "ab é cd"]


def _sprinkle(text: str, rnd: random.Random, rate: float) -> str:
    """Put accented letters and typographic punctuation in place of some characters."""
    chars = list(text)
    for k in range(len(chars)):
        if rnd.random() < rate:
            chars[k] = rnd.choice(_ACCENTED)
    return "".join(chars)


def _mojibake(text: str, rnd: random.Random) -> str:
    """``text`` with some or all of its paragraphs (or sentences) decoded as the wrong code page."""
    enc = rnd.choice(["cp1252", "latin-1"])
    parts = text.split(". ") if rnd.random() < 0.5 else text.split("\n")
    out = []
    for p in parts:
        if rnd.random() < 0.6:
            p = p.encode("utf-8").decode(enc, errors="ignore" if enc == "cp1252" else "strict")
        out.append(p)
    return (". " if len(parts) > 1 and ". " in text else "\n").join(out)


def _cases() -> list[str]:
    rnd = random.Random(14)
    cases = []
    for base in _base_texts():
        for rate in (0.0005, 0.005, 0.03, 0.2):
            cases.append(_mojibake(_sprinkle(base, rnd, rate), rnd))
    cases.append(_sprinkle("é" * 40 + " plain " * 50, rnd, 0.01).encode("utf-8").decode("cp1252", errors="ignore"))
    cases.append("Ã©" * 300)  # mojibake only
    cases.append(("Ã© " + "repeated sentence, again and again. ") * 40)  # runs that recur everywhere
    return cases


def test_map_back_equals_difflib_on_mojibake():
    checked = 0
    for moj in _cases():
        fixed = ftfy.fix_encoding(moj)
        if fixed == moj:
            continue
        assert _map_back(moj, fixed) == _map_back_plain(moj, fixed)
        checked += 1
    assert checked >= 20


def test_normalize_reports_the_same_spans_as_with_difflib(monkeypatch):
    import spin_detect.text.normalize as nz

    for moj in _cases()[::3]:
        got = normalize(moj)
        monkeypatch.setattr(nz, "_map_back", nz._map_back_plain)
        want = normalize(moj)
        monkeypatch.undo()
        assert (got.text, got.starts, got.ends, got.obfuscation) == (want.text, want.starts, want.ends,
                                                                     want.obfuscation)


@pytest.mark.parametrize("alphabet", ["ab", "abc ", "abcdefgh ", "the quick brown fox jumps "])
def test_sampled_matcher_gives_difflibs_opcodes_on_edited_texts(alphabet):
    """Random texts over small alphabets (many repeats, runs of every length around the
    sampling bounds), edited in a few places: the same opcodes as SequenceMatcher."""
    rnd = random.Random(len(alphabet))
    for _ in range(60):
        n = rnd.choice([10, 40, 100, 400, 1500])
        a = "".join(rnd.choice(alphabet) for _ in range(n))
        if rnd.random() < 0.3:
            a = a[: n // 3] * 3  # repeated blocks
        b = list(a)
        for _ in range(rnd.randint(0, 12)):
            at = rnd.randrange(len(b) + 1)
            op = rnd.random()
            if op < 0.4:
                b[at:at + rnd.randint(1, 3)] = rnd.choice(["é", "xy", "", "Ã©"])
            elif op < 0.7:
                b.insert(at, rnd.choice(alphabet + "é"))
            else:
                del b[at:at + rnd.randint(1, 40)]
        b = "".join(b)
        want = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
        assert _SampledMatcher(None, a, b, autojunk=False).get_opcodes() == want


def test_sampled_matcher_is_exercised():
    """The sampled search answers the long ranges (else the tests above compare difflib with itself)."""
    calls = []

    class Spy(_SampledMatcher):
        def _sampled(self, *args):
            got = super()._sampled(*args)
            calls.append(got)
            return got

    moj = _cases()[5]
    fixed = ftfy.fix_encoding(moj)
    Spy(None, moj, fixed, autojunk=False).get_opcodes()
    assert any(c is not None for c in calls)
