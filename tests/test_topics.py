"""Topic vectors: the fit computation, the stored table, and the packaged one."""

import numpy as np
import pytest

from spin_detect.tables.store import DataFormatError
from spin_detect.tables.topics import TopicVectors, write_topics


def _table(tmp_path, vectors, sha="f" * 64):
    return write_topics(tmp_path / "topics.bin", np.asarray(vectors, dtype=float), {"reference_sha256": sha})


def _direct_fit(vec, ids, sent):
    """Plain per-token cosine with the sum of the other vectors of the sentence."""
    out = []
    for i, (w, s) in enumerate(zip(ids, sent)):
        v = vec[w] if w < len(vec) else np.zeros(vec.shape[1])
        if np.linalg.norm(v) < 0.5:
            out.append(np.nan)
            continue
        other = sum((vec[x] for j, (x, t) in enumerate(zip(ids, sent)) if t == s and j != i and x < len(vec)),
                    np.zeros(vec.shape[1]))
        n = np.linalg.norm(other)
        out.append(np.nan if n <= 1e-6 else float(v @ other / n))
    return np.array(out)


def test_fit_matches_a_direct_computation_and_is_nan_where_undefined(tmp_path):
    rng = np.random.default_rng(0)
    vec = rng.normal(size=(12, 8))
    vec /= np.linalg.norm(vec, axis=1, keepdims=True)
    vec[3] = 0  # a word without a vector
    table = _table(tmp_path, vec)
    stored = table.vectors.astype(float)
    ids = np.array([1, 2, 3, 4, 5, 3, 7, 40, 8, 9, 10])  # 40: beyond the table (no vector)
    sent = np.array([0, 0, 0, 1, 2, 2, 3, 3, 4, 4, 4])  # sentence 1: one word; 3: one word with a vector
    got = table.fit(ids, sent, 5)
    want = _direct_fit(stored, ids, sent)
    assert np.allclose(got, want, equal_nan=True, atol=1e-5)
    assert np.isnan(got[[2, 3, 5, 6, 7]]).all()  # no vector, alone, or no other word with a vector
    assert np.isfinite(got[[0, 1, 8, 9, 10]]).all()
    # tokens not grouped by sentence give the same values
    perm = rng.permutation(len(ids))
    assert np.allclose(table.fit(ids[perm], sent[perm], 5), got[perm], equal_nan=True, atol=1e-6)
    assert table.fit(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), 0).shape == (0,)


def test_a_word_off_the_topic_fits_worse(tmp_path):
    # words 0-2 share one topic direction, word 3 another
    vec = np.array([[1, 0.1, 0], [0.9, 0.2, 0], [1, 0, 0.1], [0, 0, 1.0]])
    vec /= np.linalg.norm(vec, axis=1, keepdims=True)
    fit = _table(tmp_path, vec).fit(np.array([0, 1, 3]), np.array([0, 0, 0]), 1)
    assert fit[2] < 0.3 < fit[0]


def test_table_for_another_reference_is_refused(tmp_path):
    class Ref:
        sha256 = "a" * 64

    _table(tmp_path, np.eye(3))
    with pytest.raises(DataFormatError, match="another reference"):
        TopicVectors.load(tmp_path / "topics.bin", reference=Ref())


def test_packaged_vectors_group_words_by_topic():
    from spin_detect.tables.packaged import default_reference, default_topics

    ref, topics = default_reference(), default_topics()
    assert topics.reference_sha256 == ref.sha256
    v = {w: topics.vectors[ref.word_id(w)].astype(float) for w in ("oil", "gas", "football", "league", "the")}
    assert v["gas"] @ v["oil"] > v["gas"] @ v["football"] + 0.3
    assert v["football"] @ v["league"] > v["football"] @ v["oil"] + 0.3
    assert not v["the"].any()  # the most frequent words carry no topic


def test_topic_fit_flags_an_off_topic_swap():
    from spin_detect.features import default_extractor
    from spin_detect.text.segment import tokenize

    ex = default_extractor()
    # "sugar" would not do: it is a commodity like gas and oil (Reuters' topics), so it fits
    a = "The company said natural gas storage and oil production rose sharply last year."
    b = "The company said natural poetry storage and oil production rose sharply last year."
    ts = ex.score_tokens([[t.text for t in tokenize(s)] for s in (a, b)])
    words = [t.text for t in tokenize(a)]
    k = words.index("gas")
    n = len(words)
    assert ts.topic_fit[n + k] < ts.topic_fit[k] - 0.3
    assert np.isnan(ts.topic_fit[words.index("The")])  # the most frequent words have no topic
