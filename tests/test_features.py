"""The core feature extractor (spin_detect.features) on sentences whose answer is known.

Expected values were read off the packaged tables (reference counts, WordNet thesaurus,
distributional neighbours, trigrams, topic vectors); the restructuring must keep them.
Each test also has a negative case: the intact sentence, a word without candidates.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spin_detect.features import (
    FEATURE_GROUPS,
    FEATURE_NAMES,
    TOKEN_FEATURES,
    FeatureExtractor,
    csr_gather,
    default_extractor,
    group_first_max,
    group_top_k_sum,
)
from spin_detect.tables.packaged import (
    default_cloze,
    default_neighbours,
    default_reference,
    default_thesaurus,
    default_topics,
    default_trigrams,
)
from spin_detect.text.segment import tokenize

T = {name: j for j, name in enumerate(TOKEN_FEATURES)}
F = {name: j for j, name in enumerate(FEATURE_NAMES)}
#: Sentence features count a word as off-topic under this topic fit (``topic_low_count``).
TOPIC_LOW = 0.15

SPUN_ADVERB = "Prices rose acutely in the third quarter."
INTACT_ADVERB = "Prices rose sharply in the third quarter."


def toks(sentence: str) -> list[str]:
    return [t.text for t in tokenize(sentence)]


def fresh() -> FeatureExtractor:
    """An extractor with empty caches, over the packaged tables (as default_extractor builds it)."""
    return FeatureExtractor(default_reference(), default_thesaurus(), default_neighbours(),
                            trigrams=default_trigrams(), topics=default_topics(), cloze=default_cloze())


@pytest.fixture(scope="module")
def ex() -> FeatureExtractor:
    return default_extractor()


def tokens_of(ex: FeatureExtractor, sentence: str) -> tuple[list[str], object, np.ndarray]:
    words = toks(sentence)
    ts = ex.score_tokens([words])
    return words, ts, ex.token_matrix(ts)


def row(words: list[str], matrix: np.ndarray, word: str) -> np.ndarray:
    return matrix[words.index(word)]


# ----------------------------------------------------------------------------- names and shapes


def test_feature_names_are_the_groups_in_order():
    assert tuple(f for group in FEATURE_GROUPS.values() for f in group) == FEATURE_NAMES
    assert list(FEATURE_GROUPS) == ["context", "synonym", "neighbour", "collocation", "trigram", "topic"]
    assert len(FEATURE_NAMES) == len(set(FEATURE_NAMES)) == 40
    assert len(TOKEN_FEATURES) == len(set(TOKEN_FEATURES)) == 30
    assert FEATURE_NAMES[:3] == ("n_tokens_log", "oov_share", "lp_mean")
    assert TOKEN_FEATURES[:2] == ("lp_left", "lp_right") and TOKEN_FEATURES[-4:] == (
        "topic_fit", "lm_gap", "lm_nll", "lm_surprise")


def test_default_extractor_is_built_once(ex):
    assert default_extractor() is ex


def test_matrix_shapes(ex):
    sents = [toks(SPUN_ADVERB), toks("We must postpone the meeting."), []]
    ts = ex.score_tokens(sents)
    tm = ex.token_matrix(ts)
    assert tm.shape == (8 + 6, len(TOKEN_FEATURES))
    assert ts.sent.tolist() == [0] * 8 + [1] * 6
    X = ex.transform(sents)
    assert X.shape == (3, len(FEATURE_NAMES)) and X.dtype == np.float64
    assert np.array_equal(ex.features(ts, 3), X)
    assert np.isfinite(X).all()


def _plain_sentence_features(tm: np.ndarray, original: list[str]) -> dict[str, float]:
    """The sentence features of one sentence from its token rows, in plain Python."""
    c = {name: tm[:, j].tolist() for name, j in T.items()}
    n = len(tm)

    def mean(xs):
        return sum(xs) / max(n, 1)

    lp_tok = [0.5 * (a + b) for a, b in zip(c["lp_left"], c["lp_right"])]
    pmi_tok = [0.5 * (a + b) for a, b in zip(c["pmi_left"], c["pmi_right"])]
    unseen = [a + b for a, b in zip(c["unseen_left"], c["unseen_right"])]
    syn, nbr = c["syn_delta"], c["nbr_delta"]
    topics = [t for t in c["topic_fit"] if not math.isnan(t)]
    tri_unseen = [float(cen == 0 and not ul and not ur and not oov) for cen, ul, ur, oov
                  in zip(c["tri_center"], c["unseen_left"], c["unseen_right"], c["oov"])]
    top2 = sorted((max(v, 0.0) for v in syn), reverse=True)[:2]
    ntop2 = sorted((max(v, 0.0) for v in nbr), reverse=True)[:2]
    return {
        "n_tokens_log": math.log1p(n), "oov_share": mean(c["oov"]), "lp_mean": mean(lp_tok),
        "lp_min": min(min(a, b) for a, b in zip(c["lp_left"], c["lp_right"])),
        "lp_p10": sorted(lp_tok)[math.floor(0.1 * (n - 1))], "pmi_mean": mean(pmi_tok),
        "pmi_min": min(min(a, b) for a, b in zip(c["pmi_left"], c["pmi_right"])),
        "unseen_pair_share": mean(unseen) / 2, "unseen_pairs": sum(unseen) / 2,
        "isolated_share": mean([float(a and b) for a, b in zip(c["unseen_left"], c["unseen_right"])]),
        "rarity_max": max(-v for v in c["logfreq"]), "rarity_mean": mean([-v for v in c["logfreq"]]),
        "syn_delta_max": max(syn), "syn_delta_top2": sum(top2), "syn_delta_mean_pos": mean([max(v, 0) for v in syn]),
        "syn_count_over_2": sum(v > 2 for v in syn), "syn_count_over_4": sum(v > 4 for v in syn),
        "syn_share_over_2": mean([float(v > 2) for v in syn]), "syn_pmi_max": max(c["syn_pmi"]),
        "syn_pmi_count_over_2": sum(v > 2 for v in c["syn_pmi"]),
        "candidates_share": mean([float(o != "") for o in original]),
        "nbr_delta_max": max(nbr), "nbr_delta_top2": sum(ntop2), "nbr_count_over_2": sum(v > 2 for v in nbr),
        "nbr_count_over_4": sum(v > 4 for v in nbr), "nbr_pmi_max": max(c["nbr_pmi"]),
        "nbr_pmi_count_over_2": sum(v > 2 for v in c["nbr_pmi"]),
        "colloc_gain_max": max(c["syn_colloc"]),
        "colloc_break_count": sum(g > 3 and s > 0 for g, s in zip(c["syn_colloc"], syn)),
        "phrase_delta_max": max(s if p else 0.0 for s, p in zip(syn, c["phrase"])),
        "nbr_colloc_max": max(c["nbr_colloc"]),
        "tri_unseen_share": mean(tri_unseen), "tri_unseen_count": sum(tri_unseen),
        "tri_gain_max": max(c["tri_gain_syn"]), "tri_gain_count_over_2": sum(v > 2 for v in c["tri_gain_syn"]),
        "tri_nbr_gain_max": max(c["tri_gain_nbr"]),
        "tri_nbr_gain_count_over_2": sum(v > 2 for v in c["tri_gain_nbr"]),
        "topic_fit_min": min(topics, default=1.0),
        "topic_fit_mean": sum(topics) / len(topics) if topics else 1.0,
        "topic_low_count": sum(t < TOPIC_LOW for t in topics),
    }


def test_sentence_columns_are_the_named_aggregates_of_the_token_columns(ex):
    """Every column of transform() is the feature its name says, computed from the token rows."""
    sentences = [SPUN_ADVERB, INTACT_ADVERB, "The plane will land up in Paris.", "A twelvemonth ago the qwzxv "
                 "council met.", "The U.N. Safety Council met on Monday.", "We must postpone the meeting."]
    sents = [toks(s) for s in sentences]
    ts = ex.score_tokens(sents)
    tm = ex.token_matrix(ts)
    X = ex.transform(sents)
    assert sorted(_plain_sentence_features(tm[:1], ts.original[:1])) == sorted(FEATURE_NAMES)
    for i in range(len(sents)):
        mine = ts.sent == i
        want = _plain_sentence_features(tm[mine], [o for o, m in zip(ts.original, mine) if m])
        for name, value in want.items():
            assert X[i, F[name]] == pytest.approx(value, rel=1e-9, abs=1e-9), (sentences[i], name)
    # no column passes by being constant: each one takes at least two values over the examples
    assert [name for name in FEATURE_NAMES if len(set(X[:, F[name]].tolist())) < 2] == []


def test_token_columns(ex):
    words, ts, tm = tokens_of(ex, "A twelvemonth ago the qwzxv council met.")
    assert tm[:, T["first"]].tolist() == [1, 0, 0, 0, 0, 0, 0, 0]
    assert tm[:, T["oov"]].tolist() == [0, 1, 0, 0, 1, 0, 0, 0]
    assert tm[:, T["wordlike"]].tolist() == [1, 0, 1, 1, 0, 1, 1, 0]  # not <unk>, not "."
    # "the" has one: "this", which the grammar rewrites may turn into "the" (read backwards in the thesaurus);
    # "met" five single words among its most frequent synonyms, which include "come across" and "run into"
    assert tm[:, T["n_candidates"]].tolist() == [0, 2, 1, 1, 0, 0, 5, 0]
    assert np.array_equal(tm[:, T["syn_delta"]] > 0, [w in ("twelvemonth", "ago") for w in words])
    assert np.array_equal(tm[:, T["logfreq"]], default_reference().logprob(ts.ids))
    words, ts, tm = tokens_of(ex, "The U.N. Safety Council met on Monday.")
    # capitalised means: not at the start of the sentence
    assert tm[:, T["capitalised"]].tolist() == [0, 1, 1, 1, 0, 0, 1, 0]
    # the pair (U.N., Safety) was never counted: unseen on both of its sides
    assert tm[:, T["unseen_right"]].tolist() == [0, 1, 0, 0, 0, 0, 0, 0]
    assert tm[:, T["unseen_left"]].tolist() == [0, 0, 1, 0, 0, 0, 0, 0]
    assert np.array_equal(tm[1:, T["lp_left"]], tm[:-1, T["lp_right"]])  # one pair, seen from both ends
    assert np.array_equal(tm[2:, T["lp_outer_left"]], tm[:-2, T["lp_right"]])
    assert tm[0, T["lp_outer_left"]] == 0 and tm[-1, T["lp_outer_right"]] == 0


# ----------------------------------------------------------------------------- substitutions


def test_thesaurus_swap_gets_its_original_and_the_gain_in_log_probability(ex):
    words, ts, tm = tokens_of(ex, SPUN_ADVERB)
    i = words.index("acutely")
    assert ts.original[i] == "sharply" and ts.span[i] == 1
    assert tm[i, T["syn_delta"]] == pytest.approx(13.3753, abs=1e-3)
    # delta is the change in sentence log-probability when "sharply" takes the place of "acutely":
    # the two pairs it makes, read off the intact sentence
    w2, _, intact = tokens_of(ex, INTACT_ADVERB)
    j = w2.index("sharply")
    gain = (intact[j, T["lp_left"]] + intact[j, T["lp_right"]]) - (tm[i, T["lp_left"]] + tm[i, T["lp_right"]])
    assert tm[i, T["syn_delta"]] == pytest.approx(gain, abs=1e-9)
    # the other words of the spun sentence, and every word of the intact one, have no better synonym
    assert [o for k, o in enumerate(ts.original) if k != i] == [""] * 7
    assert intact[:, T["syn_delta"]].tolist() == [0.0] * 8
    assert intact[j, T["n_candidates"]] == 4  # not for lack of candidates


def test_collocation_break(ex):
    """The spun "rose acutely" breaks the collocation "rose sharply": a swap restores a strong pair."""
    spun, intact = ex.transform([toks(SPUN_ADVERB), toks(INTACT_ADVERB)])
    assert spun[F["colloc_gain_max"]] == pytest.approx(8.387, abs=1e-3)
    assert spun[F["colloc_break_count"]] == 1 and spun[F["syn_count_over_4"]] == 1
    assert spun[F["unseen_pairs"]] == 2  # (rose, acutely) and (acutely, in)
    # the intact text breaks nothing; at most a function-word alternative ("sharply at") pairs a little better
    assert intact[F["colloc_gain_max"]] < 1 and intact[F["colloc_break_count"]] == 0
    assert intact[F["syn_delta_max"]] == 0 and intact[F["unseen_pairs"]] == 0
    assert spun[F["tri_gain_max"]] > 4 > intact[F["tri_gain_max"]]


def test_safety_council_points_at_security_through_the_neighbours(ex):
    """WordNet lists no "security" for "safety": the distributional neighbours find it."""
    words, ts, tm = tokens_of(ex, "The U.N. Safety Council met on Monday.")
    i = words.index("Safety")
    assert ts.nbr_original[i] == "security"
    assert tm[i, T["nbr_delta"]] == pytest.approx(12.3509, abs=1e-3)
    assert tm[i, T["syn_delta"]] == 0 and ts.original[i] == ""
    w2, ts2, intact = tokens_of(ex, "The U.N. Security Council met on Monday.")
    j = w2.index("Security")
    assert intact[j, T["nbr_delta"]] == 0 and ts2.nbr_original[j] == ""
    assert intact[j, T["nbr_delta"]] < tm[i, T["nbr_delta"]]
    gain = (intact[j, T["lp_left"]] + intact[j, T["lp_right"]]) - (tm[i, T["lp_left"]] + tm[i, T["lp_right"]])
    assert tm[i, T["nbr_delta"]] == pytest.approx(gain, abs=1e-9)
    spun_row, intact_row = ex.transform([words, w2])
    assert spun_row[F["nbr_delta_max"]] == pytest.approx(12.3509, abs=1e-3)
    assert intact_row[F["nbr_delta_max"]] == pytest.approx(1.9318, abs=1e-3)  # U.N. -> un


def test_multiword_span_replaced_by_one_word(ex):
    """The spun "land up" (a spinner's "end up") -> "finish": one candidate for a span of two tokens."""
    words, ts, tm = tokens_of(ex, "The plane will land up in Paris.")
    land, up = words.index("land"), words.index("up")
    for i in (land, up):
        assert ts.original[i] == "finish" and ts.span[i] == 2 and tm[i, T["phrase"]] == 1
        assert tm[i, T["syn_delta"]] == pytest.approx(10.9844, abs=1e-3)
    assert tm[:, T["phrase"]].tolist() == [0, 0, 0, 1, 1, 0, 0, 0]
    # "will finish" restores a strong pair: the collocation gain of the span reaches both of its tokens
    assert (tm[land, T["syn_colloc"]], tm[up, T["syn_colloc"]]) == pytest.approx((4.079, 2.426), abs=1e-3)
    # delta: the chain will -> finish -> in against will -> land -> up -> in
    w2, _, fin = tokens_of(ex, "The plane will finish in Paris.")
    f = w2.index("finish")
    gain = (fin[f, T["lp_left"]] + fin[f, T["lp_right"]]) - (tm[land, T["lp_left"]] + tm[land, T["lp_right"]]
                                                             + tm[up, T["lp_right"]])
    assert tm[land, T["syn_delta"]] == pytest.approx(gain, abs=1e-9)
    X = ex.transform([words, toks("The plane will end up in Paris."), toks(INTACT_ADVERB)])
    assert X[0, F["phrase_delta_max"]] == pytest.approx(10.9844, abs=1e-3)
    assert X[1, F["phrase_delta_max"]] == pytest.approx(3.0771, abs=1e-3)  # the usual phrase fits better
    assert X[2, F["phrase_delta_max"]] == 0


def test_one_word_with_a_multiword_synonym(ex):
    words, ts, tm = tokens_of(ex, "We must postpone the meeting.")
    i = words.index("postpone")
    assert ts.original[i] == "put off" and ts.span[i] == 1 and tm[i, T["phrase"]] == 0
    assert tm[i, T["syn_delta"]] == pytest.approx(4.9193, abs=1e-3)
    assert ex.transform([words])[0, F["phrase_delta_max"]] == 0  # one token replaced: not a phrase span


def test_oov_words(ex):
    words, ts, tm = tokens_of(ex, "A twelvemonth ago the qwzxv council met.")
    known = default_reference()
    assert known.word_id("twelvemonth") == known.word_id("qwzxv") == ts.ids[1] == ts.ids[4]  # both <unk>
    # a rare spinner word the reference does not know still gets its (known) original
    assert ts.original[1] == "year" and tm[1, T["syn_delta"]] == pytest.approx(6.7828, abs=1e-3)
    # an unknown word that no thesaurus knows: no candidates, no suspicion
    assert ts.original[4] == "" and tm[4, T["syn_delta"]] == 0 and tm[4, T["n_candidates"]] == 0
    assert tm[4, T["nbr_delta"]] == 0
    x = ex.transform([words])[0]
    assert x[F["oov_share"]] == 2 / 8
    assert ex.transform([toks(INTACT_ADVERB)])[0, F["oov_share"]] == 0


# ----------------------------------------------------------------------------- empty input


def test_no_sentences(ex):
    assert ex.transform([]).shape == (0, len(FEATURE_NAMES))
    ts = ex.score_tokens([])
    assert len(ts.sent) == 0 and ts.original == []
    assert ex.token_matrix(ts).shape == (0, len(TOKEN_FEATURES))
    assert ex.features(ts, 0).shape == (0, len(FEATURE_NAMES))


def test_empty_sentences_get_neutral_rows(ex):
    neutral = np.zeros(len(FEATURE_NAMES))
    neutral[[F["topic_fit_min"], F["topic_fit_mean"]]] = 1.0  # no words off the topic
    X = ex.transform([[], []])
    assert np.array_equal(X, [neutral, neutral])
    assert ex.token_matrix(ex.score_tokens([[], []])).shape == (0, len(TOKEN_FEATURES))
    words = toks(SPUN_ADVERB)
    X = ex.transform([[], words, []])
    assert np.array_equal(X[0], neutral) and np.array_equal(X[2], neutral)
    assert X[1, F["n_tokens_log"]] == pytest.approx(math.log1p(8))
    assert np.allclose(X[1], ex.transform([words])[0], rtol=0, atol=1e-9)


# ----------------------------------------------------------------------------- batches

BATCH = ["The U.N. Safety Council met on Monday.", SPUN_ADVERB, "We must postpone the meeting.", "",
         "The plane will land up in Paris.", "A twelvemonth ago the qwzxv council met.",
         # sentence seams: the last word of one and the first of the next make a known pair
         "They met the Security", "Council met.",
         "Officials said on Monday that the talks would resume next week in Geneva after a pause of several months."]


def _per_sentence(extractor: FeatureExtractor, sents: list[list[str]]):
    ts = extractor.score_tokens(sents)
    tm = extractor.token_matrix(ts)
    X = extractor.features(ts, len(sents))
    return [(X[i], tm[ts.sent == i], [o for o, s in zip(ts.original, ts.sent) if s == i],
             ts.span[ts.sent == i].tolist()) for i in range(len(sents))]


def _batches():
    sents = [toks(s) for s in BATCH]
    together = _per_sentence(fresh(), sents)
    alone = [_per_sentence(fresh(), [s])[0] for s in sents]
    reversed_ = _per_sentence(fresh(), sents[::-1])[::-1]
    warm = default_extractor()
    warm.transform(sents[::-1])  # caches filled in another order
    return together, [alone, reversed_, _per_sentence(warm, sents)]


def test_rows_do_not_depend_on_the_batch():
    """A sentence gets the same features, to the last bit, alone, in a batch, in another order and with
    warm caches; nothing leaks across sentence seams. (Multiword-span scores once took differences of
    cumulative sums over the whole batch, which changed their last bits with the sentence's place.)"""
    together, others = _batches()
    for other in others:
        for i, (a, b) in enumerate(zip(together, other)):
            assert np.array_equal(a[0], b[0]), BATCH[i]
            assert np.array_equal(a[1], b[1], equal_nan=True), BATCH[i]
            assert a[2:] == b[2:], BATCH[i]  # likely originals and spans
    seam = toks("Council met.")
    row_alone = _per_sentence(fresh(), [seam])[0][1][0]
    assert row_alone[T["first"]] == 1 and row_alone[T["lp_left"]] == together[7][1][0, T["lp_left"]]
    assert together[7][1][0, T["lp_left"]] != _per_sentence(fresh(), [toks("Security Council met.")])[0][1][1, 0]


# ----------------------------------------------------------------------------- grouping helpers

_SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# small halves: many ties; -inf and -0.0 as the extractor feeds them
_VALUES = st.one_of(st.integers(-6, 6).map(lambda v: v / 2), st.sampled_from([-np.inf, -0.0]),
                    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False))


def _plain_top_k_sum(group: list[int], x: list[float], n: int, k: int) -> list[float]:
    out = []
    for g in range(n):
        total = 0.0
        for v in sorted((v for gg, v in zip(group, x) if gg == g), reverse=True)[:k]:
            total += v
        out.append(total)
    return out


@_SETTINGS
@given(data=st.data(), n=st.integers(1, 8), k=st.integers(1, 5), sort=st.booleans())
def test_group_top_k_sum_equals_plain_python(data, n, k, sort):
    pairs = data.draw(st.lists(st.tuples(st.integers(0, n - 1), _VALUES), max_size=40))
    if sort:  # sorted groups take the fast path for k <= 3
        pairs.sort(key=lambda p: p[0])
    group = np.array([g for g, _ in pairs], dtype=np.int64)
    x = np.array([v for _, v in pairs], dtype=float)
    got = group_top_k_sum(group, x, n, k)
    want = _plain_top_k_sum(group.tolist(), x.tolist(), n, k)
    assert got.shape == (n,)
    assert got.tolist() == want
    assert np.signbit(got).tolist() == np.signbit(want).tolist()


def test_group_top_k_sum_examples():
    group = np.array([0, 0, 0, 2, 2])
    x = np.array([1.0, 5.0, 3.0, -1.0, -2.0])
    assert group_top_k_sum(group, x, 4, 2).tolist() == [8.0, 0.0, -3.0, 0.0]  # groups 1 and 3 are empty
    assert group_top_k_sum(group, x, 4, 1).tolist() == [5.0, 0.0, -1.0, 0.0]
    assert group_top_k_sum(group[::-1].copy(), x[::-1].copy(), 3, 3).tolist() == [9.0, 0.0, -3.0]
    assert group_top_k_sum(group[:0], x[:0], 2, 2).tolist() == [0.0, 0.0]


@_SETTINGS
@given(data=st.data(), store=st.lists(st.integers(-100, 100), max_size=30))
def test_csr_gather_equals_plain_python(data, store):
    spans = data.draw(st.lists(st.integers(0, len(store)).flatmap(
        lambda o: st.tuples(st.just(o), st.integers(0, len(store) - o))), max_size=12))
    offsets = np.array([o for o, _ in spans], dtype=np.int64)
    counts = np.array([c for _, c in spans], dtype=np.int64)
    got, owner = csr_gather(np.array(store, dtype=np.int64), offsets, counts)
    assert got.tolist() == [v for o, c in spans for v in store[o : o + c]]
    assert owner.tolist() == [i for i, (_, c) in enumerate(spans) for _ in range(c)]


def test_csr_gather_example():
    got, owner = csr_gather(np.array([10, 11, 12, 13, 14]), np.array([3, 0, 4]), np.array([2, 0, 1]))
    assert got.tolist() == [13, 14, 14] and owner.tolist() == [0, 0, 2]


@_SETTINGS
@given(runs=st.lists(st.tuples(st.integers(0, 3), st.lists(_VALUES, min_size=1, max_size=6)), min_size=1, max_size=10))
def test_group_first_max_equals_plain_python(runs):
    group, x, starts, want = [], [], [], []
    g = 0
    for step, values in runs:
        g += step + (1 if group else 0)  # increasing group numbers, with gaps
        starts.append(len(x))
        want.append(len(x) + values.index(max(values)))
        group += [g] * len(values)
        x += values
    got = group_first_max(np.array(group, dtype=np.int64), np.array(x, dtype=float), np.array(starts))
    assert got.tolist() == want


def test_group_first_max_example():
    group = np.array([0, 0, 0, 4, 4, 7])
    x = np.array([2.0, 3.0, 3.0, -1.0, -1.0, 0.0])
    assert group_first_max(group, x, np.array([0, 3, 5])).tolist() == [1, 3, 5]
