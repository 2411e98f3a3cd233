"""The compiled scoring of pairs and trigrams, one-for-one replacements and phrase replacements
(spin_detect.features.compiled) against the numpy references (ReferenceStats.pair_count/cond_logprob,
FeatureExtractor._tri_score, _score_singles_numpy, _score_phrases_numpy): every token score of varied
batches must be the same number, to the last bit."""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

import numpy as np
import pytest

from spin_detect.features import FeatureExtractor, default_extractor
from spin_detect.text.segment import split_sentences

pytest.importorskip("numba")

ROOT = Path(__file__).resolve().parents[1]


def _indexed_extractor() -> FeatureExtractor:
    """The default extractor with its tables' hash indexes built (the compiled loops need them)."""
    ex = default_extractor()
    for lookup in (ex.ref._pairs, ex.trigrams._lookup):
        if lookup.index is None:
            lookup.find(np.zeros(lookup.build_after, dtype=lookup.keys.dtype))
        assert lookup.index is not None
    return ex


def _sentences(seed: int) -> list[list[str]]:
    """Real sentences (original and spun), the example article, their spun versions, word salad
    from the vocabulary (unseen pairs and trigrams), unknown words, and empty and one-token sentences."""
    from spin_detect.learning.spinner import spin_text

    rnd = random.Random(seed)
    with open(ROOT / "datasets" / "sample_sentences.csv", encoding="utf-8", newline="") as f:
        texts = [row["text"] for row in csv.DictReader(f)]
    texts.append((ROOT / "spin_detect" / "examples" / "spun_article.txt").read_text(encoding="utf-8"))
    texts += [spin_text(t, rate=0.5, seed=seed).text for t in texts[:40]]
    sents = [[t.text for t in s.tokens] for text in texts for s in split_sentences(text)]
    vocab = default_extractor().ref.vocab
    for _ in range(150):
        sents.append([rnd.choice(vocab) for _ in range(rnd.randint(1, 30))])
    sents += [[], ["the"], ["Zxqvbn", "florbicates"], ["in", "spite", "of"], ["12", "months", "."]]
    rnd.shuffle(sents)
    return sents


def _same(a, b) -> None:
    for name in a.__dataclass_fields__:
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and x.tobytes() == y.tobytes(), name
        else:
            assert x == y, name


@pytest.mark.parametrize("seed", [0, 1])
def test_compiled_singles_and_phrases_give_the_numpy_scores(seed, monkeypatch):
    ex = _indexed_extractor()
    sents = _sentences(seed)
    import spin_detect.features.compiled as compiled

    calls = []
    real, real_phrases, real_base = compiled.score_singles, compiled.score_phrases, compiled.base_scores
    monkeypatch.setattr(compiled, "score_singles", lambda *a: calls.append("singles") or real(*a))
    monkeypatch.setattr(compiled, "score_phrases", lambda *a: calls.append("phrases") or real_phrases(*a))
    monkeypatch.setattr(compiled, "base_scores", lambda *a: calls.append("base") or real_base(*a))
    for batch in (sents, sents[:7], sents[7:8]):
        ex.compiled = False
        want = ex.score_tokens(batch)
        assert not calls
        ex.compiled = True
        got = ex.score_tokens(batch)
        assert "singles" in calls and "base" in calls, "the compiled loops were not used"
        if batch is sents:
            assert "phrases" in calls
            assert (got.span > 1).any() and (got.syn_delta > 0).any()
        calls.clear()
        _same(want, got)


def test_compiled_singles_equal_numpy_on_generated_candidates():
    """Direct calls with candidates the thesaurus would never give (any word next to any word,
    tokens without candidates in between), with and without trigrams: a test that can fail."""
    from spin_detect.features.compiled import score_singles

    ex = _indexed_extractor()
    rng = np.random.default_rng(5)
    # X: running text, so that a token's own word as a candidate finds stored pairs and trigrams
    X = ex.ref.ids([w for s in _sentences(9) for w in s])
    n = 3000
    pos = np.sort(rng.choice(np.arange(2, len(X) - 2), n, replace=False))
    counts = rng.integers(0, 6, n) * (rng.random(n) < 0.7)
    cand = rng.integers(0, len(ex.ref), int(counts.sum()))
    own = rng.random(len(cand)) < 0.3
    cand[own] = X[np.repeat(pos, counts)][own]
    lp = ex.ref.cond_logprob(X[:-1], X[1:])
    pmi = lp - ex.ref.logprob(X[1:])
    left_ok, right_ok = rng.random(n) < 0.9, rng.random(n) < 0.9
    tri_base = rng.normal(size=n)
    args = (cand, counts, X, lp, pmi, pos, left_ok, right_ok)
    for base in (tri_base, None):
        want = ex._score_singles_numpy(*args, base)
        got = score_singles(ex, ex._tri_log1p, *args, base)
        for w, g in zip(want, got):
            assert w.dtype == g.dtype and w.tobytes() == g.tobytes()
    # moved candidates score differently: the comparison above is not vacuous
    moved = score_singles(ex, ex._tri_log1p, cand[::-1].copy(), counts, X, lp, pmi, pos, left_ok, right_ok, tri_base)
    assert not np.array_equal(moved[0], want[0])


def test_single_article_does_not_import_numba_for_singles():
    """Small batches stay in numpy unless the compiled module is already loaded."""
    from spin_detect.features.extractor import COMPILED_MIN_CANDIDATES

    ex = _indexed_extractor()
    if "spin_detect.features.compiled" in sys.modules:
        assert ex._use_compiled(10)
    else:
        assert not ex._use_compiled(COMPILED_MIN_CANDIDATES - 1)
    assert ex._use_compiled(COMPILED_MIN_CANDIDATES)


def test_compiled_phrases_equal_numpy_with_tied_replacements():
    """Direct calls on the phrase replacements of real and spun sentences, each replacement given
    twice (exact ties: the first must win, as in the numpy version's stable sort)."""
    from spin_detect.features.compiled import score_phrases
    from spin_detect.tables.reference import BOS, EOS

    ex = _indexed_extractor()
    sents = [s for s in _sentences(4) if s][:300]
    lengths = np.array([len(s) for s in sents], dtype=np.int64)
    types = ex.candidates.token_types([t for s in sents for t in s])
    info = ex.candidates.tinfo[types]
    sent = np.repeat(np.arange(len(sents)), lengths)
    n = len(types)
    pos = np.arange(n) + 2 * sent + 1
    X = np.empty(n + 2 * len(sents), dtype=np.int64)
    X[pos] = info[:, 0]
    X[np.cumsum(lengths + 2) - lengths - 2] = BOS
    X[np.cumsum(lengths + 2) - 1] = EOS
    lp = ex.ref.cond_logprob(X[:-1], X[1:])
    r_tok, r_len, c_len, cand_flat = ex.candidates.phrase_replacements(types, info, lengths, sent)
    assert len(r_tok) > 50
    starts = np.cumsum(c_len) - c_len
    twice = np.repeat(np.arange(len(r_tok)), 2)
    cand2 = np.concatenate([cand_flat[starts[r] : starts[r] + c_len[r]] for r in twice])
    args = (r_tok[twice], r_len[twice], c_len[twice], cand2, X, lp, pos)
    rng = np.random.default_rng(0)
    suspicion = np.where(rng.random(n) < 0.5, 0.0, rng.normal(size=n))
    base_pmi, base_colloc = rng.normal(size=n), rng.normal(size=n)
    want_pmi, want_colloc = base_pmi.copy(), base_colloc.copy()
    want = ex._score_phrases_numpy(*args, suspicion, want_pmi, want_colloc)
    got_pmi, got_colloc = base_pmi.copy(), base_colloc.copy()
    got = score_phrases(ex, *args, suspicion, got_pmi, got_colloc)
    for w, g in zip((*want, want_pmi, want_colloc), (*got, got_pmi, got_colloc)):
        assert w.dtype == g.dtype and w.tobytes() == g.tobytes()
    assert len(want[0]) > 10 and (want[1] % 2 == 0).all()  # the first of each tied pair wins
