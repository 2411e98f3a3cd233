"""A cloze model that reads the sentence in order (format version 2 of spin_detect.tables.cloze).

A small random model stands in for the packaged one; its queries are recomputed here by a plain LSTM that
reads one slot's two sides word by word in float64, and, when PyTorch is installed, by the training code's
own forward pass (scripts.seq_cloze), through the export that writes the packaged table.
"""

from __future__ import annotations

import numpy as np
import pytest

from spin_detect.features import TOKEN_FEATURES, FeatureExtractor, default_extractor
from spin_detect.tables.cloze import FORMAT, SEQUENCE_VERSION, VERSION, ClozeModel, quantize_rows, write_cloze
from spin_detect.tables.packaged import default_reference
from spin_detect.tables.reference import BOS, EOS, UNK
from spin_detect.tables.store import DataFormatError, read_arrays
from spin_detect.text.segment import tokenize

T = {name: j for j, name in enumerate(TOKEN_FEATURES)}
WORDS, D, H, HEAD, OUT = 3000, 8, 5, 12, 6


def random_arrays(seed: int = 11) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    emb_q, emb_s = quantize_rows(rng.normal(size=(WORDS, D)))
    out_q, out_s = quantize_rows(rng.normal(size=(WORDS, OUT)))
    a = {"emb": emb_q, "emb_scale": emb_s, "out": out_q, "out_scale": out_s,
         "bias": rng.normal(size=WORDS).astype(np.float32),
         "w1": (rng.normal(size=(2 * H + 2 * D, HEAD)) / 3).astype(np.float32),
         "b1": rng.normal(size=HEAD).astype(np.float32),
         "w2": (rng.normal(size=(HEAD, OUT)) / 3).astype(np.float32), "b2": rng.normal(size=OUT).astype(np.float32)}
    for d in ("fwd", "bwd"):
        a[f"{d}_wih"] = rng.normal(size=(4 * H, D)).astype(np.float32)
        a[f"{d}_whh"] = (rng.normal(size=(4 * H, H)) / 2).astype(np.float32)
        a[f"{d}_b"] = rng.normal(size=4 * H).astype(np.float32)
    return a


@pytest.fixture(scope="module")
def path(tmp_path_factory):
    p = tmp_path_factory.mktemp("seq") / "cloze.bin"
    write_cloze(p, random_arrays(), {"reference_sha256": default_reference().sha256})
    return p


@pytest.fixture(scope="module")
def model(path) -> ClozeModel:
    return ClozeModel.load(path, reference=default_reference())


def plain_lstm(a: dict[str, np.ndarray], d: str, xs: list[np.ndarray]) -> np.ndarray:
    """The state of LSTM ``d`` after reading ``xs`` (float64, one word at a time; gates i, f, g, o)."""
    wih, whh, b = (a[f"{d}_{k}"].astype(np.float64) for k in ("wih", "whh", "b"))
    h, c = np.zeros(H), np.zeros(H)
    for x in xs:
        g = wih @ x + whh @ h + b
        i, f, o = (1 / (1 + np.exp(-g[k * H: (k + 1) * H])) for k in (0, 1, 3))
        c = f * c + i * np.tanh(g[2 * H: 3 * H])
        h = o * np.tanh(c)
    return h


def slot_query(a: dict[str, np.ndarray], framed: list[int], t: int) -> np.ndarray:
    """Query of slot ``t`` of one framed sentence (BOS ... EOS), its two sides read separately."""
    emb = a["emb"].astype(np.float64) * a["emb_scale"][:, None]
    e = [emb[w if w < WORDS else UNK] for w in framed]
    left = plain_lstm(a, "fwd", e[:t])
    right = plain_lstm(a, "bwd", e[t + 1:][::-1])
    h = np.maximum(np.concatenate([left, right, e[t - 1], e[t + 1]]) @ a["w1"] + a["b1"], 0)
    return h @ a["w2"] + a["b2"]


def framed_sentences(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``n`` random framed sentences of 1-40 words (ids up to past the model's vocabulary) laid end to end:
    ``X`` and every slot's ``pos``, ``lo``, ``hi``."""
    lengths = rng.integers(1, 41, size=n)
    X = np.concatenate([np.r_[BOS, rng.integers(3, WORDS + 300, size=k), EOS] for k in lengths])
    starts = np.cumsum(np.r_[0, lengths[:-1] + 2])
    pos = np.concatenate([s + 1 + np.arange(k) for s, k in zip(starts, lengths)])
    lo = np.repeat(starts, lengths)
    return X, pos, lo, lo + np.repeat(lengths, lengths) + 1


def test_a_sequence_model_is_format_version_2(path, model):
    assert model.reader is not None and model.reader.hidden == H
    assert read_arrays(path, FORMAT, (SEQUENCE_VERSION,)).arrays["fwd_whh"].shape == (4 * H, H)
    with pytest.raises(DataFormatError):
        read_arrays(path, FORMAT, (VERSION,))  # a reader of feed-forward models only refuses it


def test_queries_are_a_plain_lstms(model):
    a = random_arrays()
    X, pos, lo, hi = framed_sentences(np.random.default_rng(1), 6)
    got = model.queries(X, pos, lo, hi)
    for k in range(len(pos)):
        framed = X[lo[k]: hi[k] + 1].tolist()
        np.testing.assert_allclose(got[k], slot_query(a, framed, int(pos[k] - lo[k])), rtol=1e-4, atol=1e-4)


def test_a_slots_query_does_not_depend_on_what_is_scored_with_it(model, monkeypatch):
    """Alone, shuffled, in blocks of any number of sentences: the same bits (a score is a function of the text)."""
    import spin_detect.tables.cloze as cloze

    X, pos, lo, hi = framed_sentences(np.random.default_rng(2), 90)
    want = model.queries(X, pos, lo, hi)
    alone = np.concatenate([model.queries(X, pos[k: k + 1], lo[k: k + 1], hi[k: k + 1]) for k in range(0, len(pos), 7)])
    np.testing.assert_array_equal(alone, want[::7])
    perm = np.random.default_rng(0).permutation(len(pos))
    np.testing.assert_array_equal(model.queries(X, pos[perm], lo[perm], hi[perm]), want[perm])
    for size in (1, 5, 33):
        monkeypatch.setattr(cloze, "_SENTENCE_BLOCK", size)
        monkeypatch.setattr(cloze, "_TOKEN_BLOCK", 4 * size)
        np.testing.assert_array_equal(model.queries(X, pos, lo, hi), want)
    assert model.queries(X, pos[:0], lo[:0], hi[:0]).shape == (0, OUT)


def test_remembered_queries_are_the_bits_a_new_reading_gives(model, monkeypatch):
    """Within ``remembering``, queries asked again (alone, with new slots of the same sentences, the
    sentences elsewhere in X) come from memory, and are the same bits as read anew; outside it nothing is
    remembered; past the bound, the memory starts again, and a call with more slots than it remembers none."""
    import threading

    import spin_detect.tables.cloze as cloze

    X, pos, lo, hi = framed_sentences(np.random.default_rng(3), 40)
    want = model.queries(X, pos, lo, hi)
    reads = []
    blocks = model.reader.blocks

    def counted(X_, pos_, lo_, hi_):
        reads.append(len(pos_))
        return blocks(X_, pos_, lo_, hi_)

    monkeypatch.setattr(model.reader, "blocks", counted)
    half = np.arange(len(pos)) % 2 == 0
    with model.remembering():
        np.testing.assert_array_equal(model.queries(X, pos[half], lo[half], hi[half]), want[half])
        assert reads == [int(half.sum())]
        with model.remembering():  # nested: the same memory
            np.testing.assert_array_equal(model.queries(X, pos[half][::-1], lo[half][::-1], hi[half][::-1]),
                                          want[half][::-1])
        assert len(reads) == 1  # every slot remembered: nothing read
        shift = 7  # the same sentences behind other ids, as int32: remembered by their words, not where they sit
        X2 = np.r_[np.full(shift, BOS), X].astype(np.int32)
        np.testing.assert_array_equal(model.queries(X2, pos + shift, lo + shift, hi + shift), want)
        assert reads[1:] == [int((~half).sum())]  # only the slots not asked for before
        np.testing.assert_array_equal(model.queries(X, pos, lo, hi), want)
        assert len(reads) == 2
        other = []  # another thread has its own memory (none of this one's)
        worker = threading.Thread(target=lambda: other.append(model.queries(X, pos, lo, hi)))
        worker.start()
        worker.join()
        np.testing.assert_array_equal(other[0], want)
        assert reads[2:] == [len(pos)]
    model.queries(X, pos, lo, hi)
    assert len(reads) == 4  # outside the block: read again
    limit = int(half.sum())
    monkeypatch.setattr(cloze, "_REMEMBERED_SLOTS", limit)
    with model.remembering():  # more slots than it may remember: those of the first sentences that fit
        model.queries(X, pos, lo, hi)
        per_sentence = np.cumsum(np.unique(lo, return_counts=True)[1])
        fit = int(per_sentence[per_sentence <= limit][-1])
        np.testing.assert_array_equal(model.queries(X, pos, lo, hi), want)
        assert reads[4:] == [len(pos), len(pos) - fit]
    with model.remembering():  # a full memory starts again
        model.queries(X, pos[half], lo[half], hi[half])
        np.testing.assert_array_equal(model.queries(X, pos[half], lo[half], hi[half]), want[half])
        np.testing.assert_array_equal(model.queries(X, pos[~half], lo[~half], hi[~half]), want[~half])
        np.testing.assert_array_equal(model.queries(X, pos[half], lo[half], hi[half]), want[half])
        assert reads[6:] == [limit, len(pos) - limit, limit]
        assert model.queries(X, pos[:0], lo[:0], hi[:0]).shape == (0, OUT)


def test_models_do_not_share_what_they_remember(path, model):
    """Two models within their blocks at once: each reads for itself (the memory is per model)."""
    other = ClozeModel.load(path, reference=default_reference())
    X, pos, lo, hi = framed_sentences(np.random.default_rng(5), 4)
    reads = []
    blocks = other.reader.blocks
    other.reader.blocks = lambda *a: (reads.append(1), blocks(*a))[1]
    with model.remembering(), other.remembering():
        want = model.queries(X, pos, lo, hi)
        np.testing.assert_array_equal(other.queries(X, pos, lo, hi), want)
        assert reads == [1]


def test_a_model_in_use_can_be_pickled(path):
    """A model that has read within ``remembering`` still pickles, and its copy gives the same queries."""
    import pickle

    fresh = ClozeModel.load(path, reference=default_reference())
    X, pos, lo, hi = framed_sentences(np.random.default_rng(4), 3)
    with fresh.remembering():
        want = fresh.queries(X, pos, lo, hi)
        np.testing.assert_array_equal(pickle.loads(pickle.dumps(fresh)).queries(X, pos, lo, hi), want)


def test_the_detector_ranks_likely_originals_from_the_queries_of_its_features(monkeypatch):
    """A spun text's report asks the cloze model to read each sentence once (for the features), not again for
    the ranking of its words' likely originals; without the memory, the same report."""
    from contextlib import nullcontext

    from spin_detect import load_detector
    from spin_detect.tables.cloze import ClozeModel

    det = load_detector()
    text = ("The statement, carried through state media, accused Washington of preparing meant for battle and said "
            "the exercises in the second 12 months of the standoff were being a dry run meant for an invasion. "
            "Analysts said Pyongyang would probably feel yourself returning to talks if it could secure meals and "
            "financial assist, because it has done within the recent.")  # README's re-spun example, in part
    reader = det.extractor.cloze.reader
    blocks, reads = reader.blocks, []

    def counted(X_, pos_, lo_, hi_):
        reads.append(len(np.unique(lo_)))
        return blocks(X_, pos_, lo_, hi_)

    monkeypatch.setattr(reader, "blocks", counted)
    got = det.score_document(text)
    assert any(s.evidence for s in got.sentences) and sum(reads) == 2  # two sentences, read once each
    monkeypatch.setattr(ClozeModel, "remembering", lambda self: nullcontext())
    reads.clear()
    assert det.score_document(text) == got
    assert sum(reads) > 2


def test_the_extractor_scores_words_with_a_sequence_model(model):
    packaged = default_extractor()
    ex = FeatureExtractor(default_reference(), packaged.th, packaged.neighbours, trigrams=packaged.trigrams,
                          topics=packaged.topics, cloze=model, cloze_from=0)
    words = [t.text for t in tokenize("Prices rose acutely in the third quarter of the year.")]
    ts = ex.score_tokens([words])
    X = ex.token_matrix(ts)
    finite = np.isfinite(X[:, T["lm_gap"]])
    assert finite.any()
    k = int(np.flatnonzero(finite)[0])
    framed = [BOS, *ts.ids.tolist(), EOS]
    q = model.queries(np.asarray(framed), np.array([k + 1]), np.array([0]), np.array([len(framed) - 1]))
    s_word = float(model.scores(q, np.array([ts.ids[k]]))[0])
    norm_ids = np.arange(3, 1003)
    s_norm = model.scores(np.repeat(q, len(norm_ids), 0), norm_ids)
    assert X[k, T["lm_surprise"]] == pytest.approx(float(np.logaddexp.reduce(np.r_[s_norm, s_word])) - s_word,
                                                   abs=1e-3)


def test_the_packaged_table_is_the_training_codes_model(tmp_path):
    """The export (scripts.seq_cloze.table_arrays) and numpy's forward pass give PyTorch's queries."""
    torch = pytest.importorskip("torch")
    from scripts.seq_cloze import N_WORDS, PARTS, _model, _queries, table_arrays

    torch.manual_seed(0)
    mods = _model(7, np.arange(N_WORDS, 0, -1).astype(np.float64))
    a = table_arrays({name: m.state_dict() for name, m in zip(PARTS, mods)})
    m = write_cloze(tmp_path / "seq.bin", a, {"reference_sha256": "0" * 64})
    with torch.no_grad():  # PyTorch reads the same (int8-rounded) embeddings
        mods[0].weight[:N_WORDS] = torch.from_numpy(a["emb"].astype(np.float32) * a["emb_scale"][:, None])
    rng = np.random.default_rng(4)
    rows = [np.r_[BOS, rng.integers(3, N_WORDS, size=k), EOS] for k in (9, 3, 17)]
    padded = np.full((len(rows), 19), N_WORDS, dtype=np.int64)
    for i, r in enumerate(rows):
        padded[i, : len(r)] = r
    with torch.no_grad():
        want = _queries(mods, torch.from_numpy(padded), 7).numpy()
    X = np.concatenate(rows)
    starts = np.cumsum([0] + [len(r) for r in rows[:-1]])
    for i, (r, s) in enumerate(zip(rows, starts)):
        t = np.arange(1, len(r) - 1)
        got = m.queries(X, s + t, np.full(len(t), s), np.full(len(t), s + len(r) - 1))
        np.testing.assert_allclose(got, want[i, t - 1], rtol=1e-4, atol=1e-5)
    # the output embeddings and biases: a word's score for a slot (int8 embeddings: to their rounding)
    q = want[0, :5]
    ids = rng.integers(3, N_WORDS, size=(5, 40))
    with torch.no_grad():
        t_ids = torch.from_numpy(ids)
        s_torch = ((mods[5](t_ids) * torch.from_numpy(q)[:, None, :]).sum(-1) + mods[6](t_ids)[..., 0]).numpy()
    s_table = m.scores(np.repeat(q, 40, axis=0), ids.ravel()).reshape(5, 40)
    assert np.abs(s_table - s_torch).max() < 0.01 * np.abs(s_torch).max()
    assert np.corrcoef(s_table.ravel(), s_torch.ravel())[0, 1] > 0.999
