"""The vectorised fast paths against simple reference implementations.

Every speed-up of the feature extractor must give the numbers the simple code
gives (the shipped model was trained on them): these tests compare each
vectorised helper with a direct, obviously correct version on small generated
inputs, and the whole extractor with a per-token recomputation of some of its
features.
"""

from __future__ import annotations

import numpy as np
import pytest

from spin_detect.features import csr_gather, group_first_max
from spin_detect.resources import default_extractor, default_neighbours, default_reference, default_thesaurus
from spin_detect.store import HashIndex, KeyLookup


def _rows_by_binary_search(keys, queries):
    idx = np.minimum(np.searchsorted(keys, queries), len(keys) - 1)
    return np.where(keys[idx] == queries, idx, -1)


@pytest.mark.parametrize("dtype", [np.uint32, np.uint64])
@pytest.mark.parametrize("n", [0, 1, 7, 1000])
def test_hash_index_matches_binary_search(dtype, n):
    rng = np.random.default_rng(n)
    high = np.iinfo(dtype).max if n else 10
    keys = np.unique(rng.integers(0, high, n, dtype=dtype, endpoint=True))
    # Queries: every key, its neighbours (mostly absent), and random values.
    queries = np.concatenate([keys, keys + dtype(1), keys - dtype(1), rng.integers(0, 50, 200).astype(dtype),
                              np.array([0, np.iinfo(dtype).max], dtype=dtype)])
    want = _rows_by_binary_search(keys, queries) if n else np.full(len(queries), -1)
    assert np.array_equal(HashIndex(keys).find(queries), want)
    assert HashIndex(keys).find(queries[:0]).shape == (0,)


def test_hash_index_handles_collisions():
    # Keys that share their home slot: multiples of a large power of two.
    keys = (np.arange(1, 300, dtype=np.uint64) << np.uint64(40))
    queries = np.concatenate([keys, keys + np.uint64(1)])
    assert np.array_equal(HashIndex(keys).find(queries), _rows_by_binary_search(keys, queries))


def test_key_lookup_switches_to_the_index_without_changing_rows():
    keys = np.unique(np.random.default_rng(0).integers(0, 2**40, 5000).astype(np.uint64))
    look = KeyLookup(keys, build_after=6000)
    queries = np.concatenate([keys[:2000], keys[:2000] + np.uint64(1)])
    first = look.find(queries)
    assert look.index is None
    second = look.find(queries)
    assert look.index is not None
    assert np.array_equal(first, second)
    assert np.array_equal(first, _rows_by_binary_search(keys, queries))


def test_csr_gather():
    rng = np.random.default_rng(1)
    store = rng.integers(0, 100, 50)
    counts = rng.integers(0, 4, 20)
    offsets = rng.integers(0, 46, 20)
    got, owner = csr_gather(store, offsets, counts)
    want = [store[o : o + c] for o, c in zip(offsets, counts)]
    assert got.tolist() == np.concatenate(want).tolist()
    assert owner.tolist() == [i for i, c in enumerate(counts) for _ in range(c)]


def test_group_first_max_equals_stable_sort():
    rng = np.random.default_rng(2)
    counts = rng.integers(0, 5, 40)
    group = np.repeat(np.arange(40), counts)
    x = rng.integers(-3, 3, len(group)).astype(float)  # many ties
    present = np.flatnonzero(counts)
    starts = (np.cumsum(counts) - counts)[present]
    order = np.lexsort((-x, group))
    first = np.r_[True, group[order][1:] != group[order][:-1]]
    assert group_first_max(group, x, starts).tolist() == order[first].tolist()


def test_reference_tables_match_direct_formulas():
    ref = default_reference()
    rng = np.random.default_rng(3)
    a = rng.integers(0, len(ref), 2000)
    b = np.where(rng.random(2000) < 0.5, rng.integers(0, 50, 2000), rng.integers(0, len(ref), 2000))
    c = ref.unigram[b].astype(np.float64)
    c = np.where(b == 2, c / ref.unk_types, c)
    assert np.array_equal(ref.logprob(b), np.log((c + 0.5) / (ref.total + 0.5 * len(ref.unigram))))
    ca = np.maximum(ref.unigram[a].astype(np.float64), 1.0)
    cab = ref.pair_count(a, b).astype(np.float64)
    cont = (ref.preceders[b].astype(np.float64) + 0.5) / (ref.bigram_types + 0.5 * len(ref.unigram))
    cont = np.where(b == 2, cont / ref.unk_types, cont)
    backoff = 0.75 * np.maximum(ref.followers[a].astype(np.float64), 1.0) / ca
    want = np.log(np.minimum(np.maximum(cab - 0.75, 0.0) / ca + backoff * cont, 1.0))
    assert np.array_equal(ref.cond_logprob(a, b), want)
    assert np.array_equal(ref.cond_logprob(a, b, ref.pair_count(a, b)), want)


def test_neighbours_of_many_equals_of():
    nb = default_neighbours()
    ids = np.r_[0, 2, np.random.default_rng(4).integers(0, len(default_reference()), 300), 10**7]
    got, counts = nb.of_many(ids, 4)
    want = [nb.of(i)[:4] if i < 10**7 else np.zeros(0, dtype=np.int64) for i in ids]
    assert counts.tolist() == [len(w) for w in want]
    assert got.tolist() == np.concatenate(want).tolist()


def test_thesaurus_phrases_from_equals_scan():
    th = default_thesaurus()
    by_first: dict[str, set[str]] = {}
    for h in th.headwords():
        if " " in h:
            by_first.setdefault(h.split(" ")[0], set()).add(h)
    for word in ["end", "in", "news", "the", "security", "zzzz", "a"]:
        assert set(th.phrases_from(word)) == by_first.get(word, set())


def test_token_types_cache_gives_the_same_scores_as_a_fresh_extractor():
    """Scores of a batch do not depend on what the caches saw before, and the
    per-type columns equal a direct per-token computation."""
    from spin_detect.features import FeatureExtractor
    from spin_detect.resources import default_trigrams
    from spin_detect.segment import norm, tokenize

    ex = default_extractor()
    sents = ["The U.N. Safety Council met on Tuesday in New York.", "He would find yourself returning in 12 months.",
             "Zxqvbn florbicates twelvemonth", "", "!!!", "He ended up at the news agency, in spite of that."]
    toks = [[t.text for t in tokenize(s)] for s in sents]
    ex.score_tokens(toks[::-1])
    warm = ex.score_tokens(toks)
    fresh_ex = FeatureExtractor(ex.ref, ex.th, ex.neighbours, trigrams=default_trigrams())
    fresh = fresh_ex.score_tokens(toks)
    for name in warm.__dataclass_fields__:
        a, b = getattr(warm, name), getattr(fresh, name)
        assert (a == b if isinstance(a, list) else np.array_equal(a, b)), name
    flat = [t for s in toks for t in s]
    assert fresh.ids.tolist() == [ex.ref._index.get(norm(t), 2) for t in flat]
    first = np.zeros(len(flat), dtype=bool)
    first[np.cumsum([0] + [len(s) for s in toks[:-1]])[[len(s) > 0 for s in toks]]] = True
    assert fresh.capitalised.tolist() == [t[:1].isupper() and not f for t, f in zip(flat, first)]
    singles = [len(ex._single_candidates(i)) if i != 2 else len(ex._oov_candidates(norm(t)))
               for i, t in zip(fresh.ids.tolist(), flat)]
    assert fresh.n_candidates.tolist() == singles
