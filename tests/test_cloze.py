"""The cloze model (spin_detect.tables.cloze) and the token features it gives the extractor.

A small random model tied to the packaged reference stands in for the packaged one, so the
numbers can be recomputed here by a plain loop over one slot at a time.
"""

from __future__ import annotations

import numpy as np
import pytest

from spin_detect.features import TOKEN_FEATURES, FeatureExtractor, default_extractor
from spin_detect.tables.cloze import FAR, NEAR, ClozeModel, quantize_rows, write_cloze
from spin_detect.tables.packaged import default_neighbours, default_reference
from spin_detect.tables.reference import UNK
from spin_detect.tables.store import DataFormatError
from spin_detect.text.segment import tokenize

T = {name: j for j, name in enumerate(TOKEN_FEATURES)}
WORDS, D, H, OUT = 3000, 8, 16, 6


def random_model(path, reference_sha256: str) -> ClozeModel:
    rng = np.random.default_rng(7)
    emb_q, emb_s = quantize_rows(rng.normal(size=(WORDS, D)))
    out_q, out_s = quantize_rows(rng.normal(size=(WORDS, OUT)))
    arrays = {"emb": emb_q, "emb_scale": emb_s, "out": out_q, "out_scale": out_s,
              "bias": rng.normal(size=WORDS).astype(np.float32),
              "w1": rng.normal(size=((2 * NEAR + 1) * D, H)).astype(np.float32) / 4,
              "b1": rng.normal(size=H).astype(np.float32),
              "w2": rng.normal(size=(H, OUT)).astype(np.float32) / 4, "b2": rng.normal(size=OUT).astype(np.float32)}
    return write_cloze(path, arrays, {"reference_sha256": reference_sha256})


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> ClozeModel:
    return random_model(tmp_path_factory.mktemp("cloze") / "cloze.bin", default_reference().sha256)


def slot_query(m: ClozeModel, sentence_ids: list[int], i: int) -> np.ndarray:
    """The query of slot ``i`` of one framed sentence (BOS ... EOS), one context word at a time."""
    emb = m._emb.astype(np.float32) * m._emb_scale[:, None]

    def word(j: int) -> int | None:
        if not 0 <= j < len(sentence_ids):
            return None
        return sentence_ids[j] if sentence_ids[j] < m.words else UNK

    near = []
    for d in [*range(-NEAR, 0), *range(1, NEAR + 1)]:
        w = word(i + d)
        near.append(np.zeros(D, dtype=np.float32) if w is None else emb[w])
    far = [emb[w] for d in [*range(-FAR, -NEAR), *range(NEAR + 1, FAR + 1)] if (w := word(i + d)) is not None]
    far_mean = np.sum(far, axis=0) / max(len(far), 1) if far else np.zeros(D, dtype=np.float32)
    h = np.maximum(np.concatenate([*near, far_mean]) @ m._w1 + m._b1, 0)
    return h @ m._w2 + m._b2


def test_quantized_rows_round_trip():
    m = np.random.default_rng(0).normal(size=(50, 9)).astype(np.float32)
    q, s = quantize_rows(m)
    assert q.dtype == np.int8 and np.abs(q).max() == 127
    np.testing.assert_allclose(q * s[:, None], m, atol=float(s.max()) / 2 + 1e-7)


def test_queries_match_one_slot_at_a_time(model):
    ref = default_reference()
    text = ("The second year of the war brought food shortages to the capital, "
            "and officials said aid would arrive within weeks of the talks.")
    ids = [0, *[int(ref.word_id(t.text)) for t in tokenize(text)], 1]
    X = np.array(ids * 2)  # two copies of the sentence: context never crosses into the other
    pos = np.array([1, 5, len(ids) - 2, len(ids) + 9])
    lo = np.array([0, 0, 0, len(ids)])
    hi = lo + len(ids) - 1
    got = model.queries(X, pos, lo, hi)
    for k, p in enumerate(pos):
        np.testing.assert_allclose(got[k], slot_query(model, ids, int(p - lo[k])), rtol=1e-4, atol=1e-4)


def test_extractor_features_are_the_model_scores(model):
    ref = default_reference()
    packaged = default_extractor()
    ex = FeatureExtractor(ref, packaged.th, packaged.neighbours, trigrams=packaged.trigrams, topics=packaged.topics,
                          cloze=model, cloze_from=0)  # every slot: "the" is recomputed below
    sentences = [[t.text for t in tokenize(s)] for s in
                 ("Prices rose acutely in the third quarter.", "Zyxwvutsq blorfed the council.")]
    ts = ex.score_tokens(sentences)
    X = ex.token_matrix(ts)
    ids = ts.ids
    # words outside the model's vocabulary (unknown words too) or without candidates get no opinion
    outside = (ids >= WORDS) | (ids <= UNK)
    assert outside.any() and (~outside).any()
    assert np.isnan(X[outside][:, [T["lm_gap"], T["lm_nll"], T["lm_surprise"]]]).all()
    with_cands = np.isfinite(X[:, T["lm_gap"]])
    assert with_cands.any() and not with_cands[outside].any()
    assert np.array_equal(np.isfinite(X[:, T["lm_surprise"]]), with_cands)
    assert np.array_equal(np.isfinite(X[:, T["lm_nll"]]), with_cands)
    # recompute one word: "the" in the first sentence, against its candidates in the model's vocabulary
    k = sentences[0].index("the")
    sent_ids = [0, *ids[: len(sentences[0])].tolist(), 1]
    q = slot_query(model, sent_ids, k + 1)
    word = int(ids[k])
    s_word = float(model.scores(q[None], np.array([word]))[0])
    cands = ex.candidates.single(word).tolist() + default_neighbours().of(word)[: ex.max_neighbours].tolist()
    cands = [c for c in cands if UNK < c < WORDS and c != word]
    assert cands
    s_c = model.scores(np.repeat(q[None], len(cands), 0), np.array(cands))
    assert X[k, T["lm_gap"]] == pytest.approx(float(s_c.max()) - s_word, abs=1e-3)
    lse = np.logaddexp.reduce(np.r_[s_c, s_word])
    assert X[k, T["lm_nll"]] == pytest.approx(float(lse) - s_word, abs=1e-3)
    norm_ids = np.arange(3, 3 + min(1000, WORDS - 3))
    s_norm = model.scores(np.repeat(q[None], len(norm_ids), 0), norm_ids)
    assert X[k, T["lm_surprise"]] == pytest.approx(float(np.logaddexp.reduce(np.r_[s_norm, s_word])) - s_word,
                                                   abs=1e-3)


def test_the_most_frequent_words_get_no_cloze_features(model):
    """``cloze_from=K``: the cloze columns of the K most frequent words (reference ids UNK+1..UNK+K) are
    NaN; every other number is the one ``cloze_from=0`` gives, to the last bit."""
    packaged = default_extractor()
    sentences = [[t.text for t in tokenize(s)] for s in (
        "The second year of the war brought food shortages to the capital, and officials said aid would come.",
        "He said that the council had met on Tuesday to discuss the plan for the new school.")]

    def matrix(k: int) -> np.ndarray:
        ex = FeatureExtractor(default_reference(), packaged.th, packaged.neighbours, trigrams=packaged.trigrams,
                              topics=packaged.topics, cloze=model, cloze_from=k)
        return ex.token_matrix(ex.score_tokens(sentences))

    every, rarer = matrix(0), matrix(40)
    ids = default_reference().ids([w for s in sentences for w in s])
    frequent = (ids > UNK) & (ids <= UNK + 40)
    lm = [T["lm_gap"], T["lm_nll"], T["lm_surprise"]]
    assert frequent.any() and np.isfinite(every[frequent][:, lm]).any()
    assert np.isfinite(every[~frequent][:, lm]).any()
    assert np.isnan(rarer[frequent][:, lm]).all()
    np.testing.assert_array_equal(rarer[~frequent], every[~frequent])
    other = [j for j in range(len(TOKEN_FEATURES)) if j not in lm]
    np.testing.assert_array_equal(rarer[:, other], every[:, other])


def test_without_a_model_the_columns_are_nan():
    ex = FeatureExtractor(default_reference(), default_extractor().th, default_neighbours())
    X = ex.token_matrix(ex.score_tokens([[t.text for t in tokenize("Prices rose in the third quarter.")]]))
    assert np.isnan(X[:, [T["lm_gap"], T["lm_nll"], T["lm_surprise"]]]).all()


def test_a_model_for_another_reference_is_refused(tmp_path):
    random_model(tmp_path / "other.bin", "0" * 64)
    with pytest.raises(DataFormatError, match="another reference"):
        ClozeModel.load(tmp_path / "other.bin", reference=default_reference())


def test_block_sizes_do_not_change_the_scores(model, monkeypatch):
    """The cloze features of 120 sentences are the same, to the last bit, when the work is cut into blocks of
    any size (queries, normaliser, candidate scores gathered a block at a time) as in the default blocks."""
    import spin_detect.tables.cloze as cloze

    rng = np.random.default_rng(3)
    lengths = rng.integers(3, 30, size=120)
    X = np.concatenate([np.r_[0, rng.integers(3, WORDS + 500, size=n), 1] for n in lengths])
    starts = np.cumsum(np.r_[0, lengths[:-1] + 2])
    pos = np.concatenate([s + 1 + np.arange(n) for s, n in zip(starts, lengths)])
    lo = np.repeat(starts, lengths)
    hi = lo + np.repeat(lengths, lengths) + 1
    tok_ids = X[pos]
    cand_tok = np.repeat(np.arange(len(pos)), rng.integers(0, 5, size=len(pos)))
    cand = rng.integers(3, WORDS + 200, size=len(cand_tok))

    want = model.token_scores(X, pos, lo, hi, tok_ids, cand, cand_tok)
    assert np.isfinite(want[2]).sum() > 1000
    for sizes in ((64, 64, 64), (37, 53, 101), (1, 3, 7)):
        for name, size in zip(("_BLOCK", "_NORMALISER_BLOCK", "_SCORE_BLOCK"), sizes):
            monkeypatch.setattr(cloze, name, size)
        for g, w in zip(model.token_scores(X, pos, lo, hi, tok_ids, cand, cand_tok), want):
            assert np.array_equal(g, w, equal_nan=True), sizes


@pytest.mark.parametrize("k", [1, 5, 96, 336, 1000])
def test_a_rows_product_does_not_depend_on_the_rows_beside_it(k):
    """``ExactProduct`` gives each row the same bits alone, in any batch and at any place in it, and is as
    close to the float64 product as a float32 product is (the BLAS float32 product is not: OpenBLAS 0.3.31
    sums a row in an order that depends on its place)."""
    from spin_detect.tables.exact import ExactProduct, dot_bits, exact_dots, fixed_rows, quantize_rows

    rng = np.random.default_rng(k)
    w = (rng.normal(size=(k, 40)) * rng.lognormal(size=40)).astype(np.float32)
    x = (rng.normal(size=(150, k)) * rng.lognormal(size=(150, 1))).astype(np.float32)
    x[7] = 0.0
    x[9, : k // 2] *= 1e-6  # one row's numbers of very different sizes
    product = ExactProduct(w)
    together = product(x)
    alone = np.stack([product(x[i: i + 1])[0] for i in range(len(x))])
    np.testing.assert_array_equal(together, alone)
    np.testing.assert_array_equal(product(x[::-1])[::-1], together)
    np.testing.assert_array_equal(product(np.concatenate([x[40:], x[:40]]))[-40:], together[:40])
    assert not together[7].any()
    exact = x.astype(np.float64) @ w.astype(np.float64)
    float32_err = np.abs((x @ w) - exact).max()
    assert np.abs(together - exact).max() <= 4 * float32_err + 1e-30
    # int8 columns and a scale per column (the output embeddings), and the row-by-row dots agree with them
    wq, ws = quantize_rows(w.T)
    by_column = ExactProduct(np.ascontiguousarray(wq.T), ws)
    np.testing.assert_allclose(by_column(x), x.astype(np.float64) @ (wq.T * ws), rtol=1e-5,
                               atol=1e-5 * float(np.abs(exact).max()))
    j = rng.integers(0, 40, size=len(x))
    np.testing.assert_array_equal(exact_dots(*fixed_rows(x, dot_bits(k)), wq[j], ws[j]),
                                  by_column(x)[np.arange(len(x)), j])
