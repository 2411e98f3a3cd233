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

from spin_detect.features import csr_gather, default_extractor, group_first_max
from spin_detect.tables.packaged import default_neighbours, default_reference, default_thesaurus
from spin_detect.tables.reference import UNK
from spin_detect.tables.store import HashIndex, KeyLookup


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
    assert np.array_equal(HashIndex(keys).find_numpy(queries), want)  # the compiled probe and its reference
    assert HashIndex(keys).find(queries[:0]).shape == (0,)


def test_hash_index_handles_collisions():
    # Keys that share their home slot: multiples of a large power of two.
    keys = (np.arange(1, 300, dtype=np.uint64) << np.uint64(40))
    queries = np.concatenate([keys, keys + np.uint64(1)])
    assert np.array_equal(HashIndex(keys).find(queries), _rows_by_binary_search(keys, queries))
    assert np.array_equal(HashIndex(keys).find_numpy(queries), _rows_by_binary_search(keys, queries))


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
    from spin_detect.tables.packaged import default_trigrams
    from spin_detect.text.segment import norm, tokenize

    ex = default_extractor()
    sents = ["The U.N. Safety Council met on Tuesday in New York.", "He would find yourself returning in 12 months.",
             "Zxqvbn florbicates twelvemonth", "", "!!!", "He ended up at the news agency, in spite of that."]
    toks = [[t.text for t in tokenize(s)] for s in sents]
    ex.score_tokens(toks[::-1])
    warm = ex.score_tokens(toks)
    fresh_ex = FeatureExtractor(ex.ref, ex.th, ex.neighbours, trigrams=default_trigrams(), topics=ex.topics, cloze=ex.cloze)
    fresh = fresh_ex.score_tokens(toks)
    for name in warm.__dataclass_fields__:
        a, b = getattr(warm, name), getattr(fresh, name)
        assert (a == b if isinstance(a, list) else np.array_equal(a, b, equal_nan=a.dtype.kind == "f")), name
    flat = [t for s in toks for t in s]
    assert fresh.ids.tolist() == [ex.ref._index.get(norm(t), 2) for t in flat]
    first = np.zeros(len(flat), dtype=bool)
    first[np.cumsum([0] + [len(s) for s in toks[:-1]])[[len(s) > 0 for s in toks]]] = True
    assert fresh.capitalised.tolist() == [t[:1].isupper() and not f for t, f in zip(flat, first)]
    singles = [len(ex.candidates.single(i)) if i != 2 else len(ex.candidates.oov(norm(t)))
               for i, t in zip(fresh.ids.tolist(), flat)]
    assert fresh.n_candidates.tolist() == singles


@pytest.mark.parametrize("keys", [
    np.array([0, 5, np.iinfo(np.uint32).max], dtype=np.uint32),  # the dtype's largest value is a key
    np.array([1, 2, np.iinfo(np.uint64).max], dtype=np.uint64),
    np.arange(256, dtype=np.uint8),  # every value is a key: the empty-slot marker must be wider
    np.array([0, 1, 2, 3, 255], dtype=np.uint8),
])
def test_hash_index_empty_slot_marker_is_never_a_key(keys):
    index = HashIndex(keys)
    assert not (keys == index.empty).any()
    # queries equal to the marker, to every key and to values around them
    queries = np.concatenate([keys, keys + keys.dtype.type(1), keys - keys.dtype.type(1),
                              np.array([index.empty]).astype(keys.dtype)])
    assert np.array_equal(index.find(queries), _rows_by_binary_search(np.sort(keys), queries))
    assert np.array_equal(index.find_numpy(queries), index.find(queries))
    wide = np.array([int(index.empty)], dtype=np.uint64)  # a marker of uint64 asked as uint64
    assert index.find(wide).tolist() == ([-1] if int(index.empty) not in keys.tolist() else [0])


def test_hash_index_on_real_tables_matches_binary_search():
    ref = default_reference()
    rng = np.random.default_rng(5)
    keys = ref.bigram_keys
    queries = np.concatenate([keys[rng.integers(0, len(keys), 20_000)],
                              (rng.integers(0, len(ref), 20_000).astype(np.uint64) << np.uint64(32))
                              | rng.integers(0, len(ref), 20_000).astype(np.uint64)])
    assert np.array_equal(HashIndex(keys).find(queries), _rows_by_binary_search(keys, queries))


def _norm_reference(token):
    import re

    from spin_detect.text.segment import _QUOTE_TABLE

    t = token.lower().translate(_QUOTE_TABLE)
    if any(c.isdigit() for c in t):
        t = re.sub(r"\d", "0", t)
    return t


def test_norm_equals_the_plain_version_on_every_character():
    import sys

    from spin_detect.text.segment import norm

    chars = [chr(i) for i in range(sys.maxunicode + 1) if not 0xD800 <= i <= 0xDFFF]
    for i in range(0, len(chars), 50):
        chunk = "".join(chars[i : i + 50])
        for token in (chunk, "A" + chunk + "1", chunk[::-1]):
            assert norm(token) == _norm_reference(token)


def test_tokenize_builds_the_same_tokens_as_the_plain_loop():
    import random

    from spin_detect.text.segment import _TOKEN_RE, Token, tokenize

    rnd = random.Random(6)
    alphabet = "ab Zé n't'’s@.+-_1,:/\u00a0\n…—()\"“"
    texts = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 120))) for _ in range(500)]
    texts += ["Dr. O'Neill can't see https://example.com/x, mail a.b@c.org; 1,200.5bn U.S."]
    for text in texts:
        for start, end in ((0, None), (len(text) // 3, 2 * len(text) // 3)):
            want = [Token(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text, start,
                                                                                    len(text) if end is None else end)]
            got = tokenize(text, start, end)
            assert got == want
            assert all(type(t) is Token for t in got)


def _phrase_replacements_reference(ex, types, info, lengths, sent):
    """The uncached multiword loop (span candidates looked up word by word)."""
    from spin_detect.features.candidates import _T_HEAD

    n = len(types)
    room = np.minimum(info[:, _T_HEAD], lengths[sent] - (np.arange(n) - (np.cumsum(lengths) - lengths)[sent]))
    tw = ex.candidates.type_word
    type_list = types.tolist()
    a_tok, a_len, a_clen, a_ids = [], [], [], []
    for t in np.flatnonzero(room >= 2).tolist():
        words = [tw[x] for x in type_list[t : t + int(room[t])]]
        for k in range(len(words), 1, -1):
            for c in ex.candidates.candidate_phrases(" ".join(words[:k])):
                a_tok.append(t)
                a_len.append(k)
                a_clen.append(len(c))
                a_ids.extend(c)
    return ex.candidates.with_multiword_synonyms(info, a_tok, a_len, a_clen, a_ids)  # the part not under test


def test_cached_multiword_spans_equal_the_plain_loop():
    from spin_detect.text.segment import tokenize

    ex = default_extractor()
    heads = [h for h in ex.th.headwords() if " " in h][:400]
    rng = np.random.default_rng(7)
    sents = ["He ended up at the end of the day in spite of the fact that they set up a deal.",
             "As a matter of fact , on the other hand", "end up", "end", "", "in order to make up for it"]
    sents += [" ".join(rng.choice(heads, rng.integers(1, 5))) + " in the news" for _ in range(200)]
    batches = [[[t.text for t in tokenize(s)] for s in sents]] * 2 + [[[t.text for t in tokenize(s)]
                                                                         for s in sents[::-1]]]
    for i, toks in enumerate(batches):
        if i == 2:
            ex.candidates.reset_types()  # type numbers change: the span cache must not survive
        lengths = np.array([len(s) for s in toks], dtype=np.int64)
        types = ex.candidates.token_types([t for s in toks for t in s])
        info = ex.candidates.tinfo[types]
        sent = np.repeat(np.arange(len(toks)), lengths)
        got = ex.candidates.phrase_replacements(types, info, lengths, sent)
        want = _phrase_replacements_reference(ex, types, info, lengths, sent)
        assert len(got[0]) > 100
        for g, w in zip(got, want):
            assert np.array_equal(g, w)


def _candidate_phrases_reference(cands, phrase):
    """CandidateIndex.candidate_phrases written plainly, from the thesaurus's Synonym records."""
    ref = cands.ref
    seen, out = set(), []
    for syn in cands.th.synonyms(phrase):
        ids = tuple(ref.word_id(w) for w in syn.text.split(" "))
        if UNK in ids or ids in seen or len(ids) > cands.max_phrase + 1:
            continue
        seen.add(ids)
        out.append(ids)
    out.sort(key=lambda c: -min(int(ref.unigram[i]) for i in c))
    return out[: cands.max_candidates]


def test_multi_answers_as_the_thesaurus_search():
    """``multi`` skips the thesaurus search for phrases that are no headword, ``single``/``oov`` share its
    cache, and ``candidate_phrases`` reads string ids with cached word ids: every answer must still be the
    plain search's."""
    ex = default_extractor()
    cands = ex.candidates
    heads = ex.th.headwords()
    rng = np.random.default_rng(3)
    multi = [h for h in heads if " " in h]
    phrases = [str(p) for p in rng.choice(multi, 300)] + [str(p) for p in rng.choice(heads, 300)]
    phrases += [p.upper() for p in phrases[:50]] + [p.title() for p in phrases[50:100]]
    phrases += [p + " news" for p in phrases[:100]] + ["the " + p for p in phrases[100:200]]
    phrases += ["end up", "End Up", "end  up", "news agency of", "", " ", "x y", "ΟΔΟΣ ΣΟΦΙΑΣ", "İstanbul airport"]
    assert sum(bool(cands.candidate_phrases(p)) for p in phrases) > 300
    for p in phrases:
        want = _candidate_phrases_reference(cands, p)
        assert cands.candidate_phrases(p) == want, p
        assert cands.multi(p) == want, p
    for w in ["said", "year", "war", "food", "twelvemonth", "xqzzy", "assist"]:
        i = ex.ref.word_id(w)
        want = [c[0] for c in _candidate_phrases_reference(cands, w) if len(c) == 1]
        got = cands.single(i) if i != UNK else cands.oov(w)
        assert got.tolist() == want, w


@pytest.mark.parametrize("max_evidence,evidence_threshold", [(3, 0.5), (1, 0.0), (0, 0.3), (50, 1.0), (-1, 0.2),
                                                             (50, 0.05)])
def test_batched_report_counts_and_evidence_equal_per_sentence_loop(max_evidence, evidence_threshold):
    """Reports built with per-document counts and only the sentences that can have
    evidence equal a plain per-sentence recomputation."""
    import re
    from pathlib import Path

    import spin_detect
    from spin_detect.config import DecisionConfig, _foreign_share
    from spin_detect.detector import _LOGFREQ_COL, _OOV_COL
    from spin_detect.features.originals import rank_originals
    from spin_detect.learning.spinner import spin_text
    from spin_detect.text.segment import split_sentences

    base = spin_detect.load_detector()
    cfg = DecisionConfig(max_evidence=max_evidence, evidence_threshold=evidence_threshold)
    det = spin_detect.load_detector(config=cfg)
    example = (Path(spin_detect.__file__).parent / "examples" / "spun_article.txt").read_text(encoding="utf-8")
    docs = [example, spin_text(example, seed=1).text, "", "Short one.", "_ _ _", "Москва является столицей России.",
            "Zxqv blorf qwpt znarg vlimp frobnic.\n\nThe cat sat on the mat. The dog ate it."]
    reports = list(det.score_documents(docs, batch_sentences=5))
    assert [r.to_dict() for r in reports] == [r.to_dict() for r in base.score_documents(docs)] or \
        (max_evidence, evidence_threshold) != (3, 0.5)
    for doc, rep in zip(docs, reports):
        sents = split_sentences(doc)
        assert rep.n_sentences == len(sents)
        if not sents:
            assert rep.verdict == "empty"
            continue
        fs = det.features([s.text for s in sents])
        one_doc = np.zeros(len(sents), dtype=np.int64)  # read as one document
        tok_prob = det.model.token_proba(fs, one_doc)
        plain_prob = det.model.plain_token_proba(fs, one_doc)
        sent_prob = det.model.sentence_proba(fs, tok_prob, plain_prob)
        doc_prob = det.model.document_proba(fs, tok_prob, sent_prob, one_doc, 1, plain_prob)[0]
        # every token's evidence-model probability, read with its whole document
        ev_tok = det.model.evidence_token_proba(fs, one_doc, tok_prob)
        words = known = common = 0
        lo = 0
        for k, (s, srep) in enumerate(zip(sents, rep.sentences)):
            hi = lo + len(s.tokens)
            tp = det.model.evidence_proba(ev_tok[lo:hi], np.full(hi - lo, max(doc_prob, sent_prob[k])))
            want, covered = [], set()
            for j in np.argsort(-tp, kind="stable"):
                if len(want) >= max_evidence or tp[j] < evidence_threshold:
                    break
                if j in covered:
                    continue
                toks = [t.text for t in s.tokens]
                ranked = rank_originals(det.extractor, toks, j, k=6)
                a = b = j
                if ranked and ranked[0].length > 1 and not covered & set(range(ranked[0].start, ranked[0].start
                                                                               + ranked[0].length)):
                    a, b = ranked[0].start, ranked[0].start + ranked[0].length - 1
                same = [r.text for r in ranked if r.start == a and r.length == b - a + 1][:3]  # the span's own
                if not same:  # a run of adjacent evidence words without an original is one item
                    for step in (-1, 1):
                        i = j + step
                        while (0 <= i < len(toks) and i not in covered and tp[i] >= evidence_threshold
                               and toks[i][:1].isalpha() and not rank_originals(det.extractor, toks, i)):
                            a, b, i = min(a, i), max(b, i), i + step
                covered.update(range(a, b + 1))
                start, end = s.tokens[a].start, s.tokens[b].end
                want.append((doc[start:end], start, end, round(float(tp[j]), 4), same))
            assert [(e.word, e.start, e.end, e.probability, [o.lower() for o in e.likely_originals])
                    for e in srep.evidence] == want
            wl = np.array([re.search(r"[^\W\d_]", t.text) is not None for t in s.tokens], dtype=bool)  # letters
            words += int(wl.sum())
            known += int((wl & (fs.tok[lo:hi, _OOV_COL] == 0)).sum())
            common += int((wl & (fs.tok[lo:hi, _LOGFREQ_COL] >= det._common_cut)).sum())
            lo = hi
        if _foreign_share(doc) > cfg.max_foreign_share:  # another script: not English, however short
            assert rep.verdict == "out_of_scope"
        elif words >= cfg.min_words:
            english = known >= cfg.min_known_share * words and common >= cfg.min_common_share * words
            assert (rep.verdict == "out_of_scope") == (not english)
        else:  # these have fewer than min_words runs of letters in any script, so they are not out_of_scope
            assert rep.verdict == "too_short"


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_group_top_k_sum_on_sorted_groups_equals_the_sorting_version(k):
    from spin_detect.features import group_top_k_sum

    def plain(group, x, n, k):  # the general path: sort by (group, -x), add the first k of each group in order
        out = np.zeros(n)
        for g in range(n):
            for v in sorted(x[group == g].tolist(), reverse=True)[:k]:
                out[g] += v
        return out

    rng = np.random.default_rng(8)
    for trial in range(60):
        n = int(rng.integers(1, 12))
        group = np.sort(rng.integers(0, n, int(rng.integers(0, 40))))
        x = rng.integers(-3, 4, len(group)).astype(float) / 2  # many ties
        if trial % 3 == 0 and len(x):
            x[rng.integers(0, len(x), 3)] = -np.inf
        if trial % 5 == 0:
            x = np.where(np.isfinite(x), -0.0, x)  # negative zeros
        got = group_top_k_sum(group, x, n, k)
        want = plain(group, x, n, k)
        assert np.array_equal(got, want) and np.array_equal(np.signbit(got), np.signbit(want))
        shuffled = rng.permutation(len(group))  # unsorted groups take the general path
        assert np.array_equal(group_top_k_sum(group[shuffled], x[shuffled], n, k), want)


def test_in_place_key_arithmetic_equals_the_plain_formulas():
    from spin_detect.tables.packaged import default_trigrams
    from spin_detect.tables.trigrams import trigram_fingerprints

    mix = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: the packaged trigram table was built with it

    ref, tri = default_reference(), default_trigrams()
    rng = np.random.default_rng(9)
    a, b, c = (rng.integers(0, len(ref), 5000) for _ in range(3))
    v = np.uint64(tri.vocab_size)
    for x, y, z in ((a, b, c), (a.astype(np.int32), b.tolist(), c.astype(np.uint64))):
        key = (np.asarray(x, dtype=np.uint64) * v + np.asarray(y, dtype=np.uint64)) * v + np.asarray(z, np.uint64)
        with np.errstate(over="ignore"):
            want = ((key * mix) >> np.uint64(32)).astype(np.uint32)
        assert np.array_equal(trigram_fingerprints(x, y, z, tri.vocab_size), want)
        rows = _rows_by_binary_search(tri.keys, want)
        assert np.array_equal(tri.count(x, y, z), np.where(rows >= 0, tri.counts[rows], 0).astype(np.int64))
    keys = (a.astype(np.uint64) << np.uint64(32)) | b.astype(np.uint64)
    keys[::2] = ref.bigram_keys[rng.integers(0, len(ref.bigram_keys), 2500)]  # half of them stored pairs
    pa, pb = (keys >> np.uint64(32)).astype(np.int64), (keys & np.uint64(0xFFFFFFFF)).astype(np.int64)
    rows = _rows_by_binary_search(ref.bigram_keys, keys)
    want = np.where(rows >= 0, ref.bigram_counts[rows], 0).astype(np.int64)
    assert (want > 0).sum() >= 2500
    assert np.array_equal(ref.pair_count(pa, pb), want)
    assert np.array_equal(ref.pair_count(pa.tolist(), pb.astype(np.uint32)), want)


def test_bounded_caches_empty_themselves_without_changing_scores(monkeypatch):
    """The per-type and per-phrase caches of the candidate index are emptied when full (bounded memory
    on a long audit); scores stay those of an extractor whose caches never fill. Regression: emptying
    the type cache in the middle of a batch raised KeyError (the batch was looked up in the old cache)."""
    import spin_detect.features.candidates as cmod
    from spin_detect.features.extractor import FeatureExtractor
    from spin_detect.text.segment import tokenize

    ex = default_extractor()
    rng = np.random.default_rng(11)
    heads = [h for h in ex.th.headwords() if " " in h][:300]
    words = ex.ref.vocab[3:3000]
    texts = [" ".join(rng.choice(words, rng.integers(3, 25))) + " " + " ".join(rng.choice(heads, 2)) + " ."
             for _ in range(600)]
    texts += [f"Item{i} and Name{i % 37} ended up in spite of it ." for i in range(300)]  # new types every time
    batches = [[[t.text for t in tokenize(s)] for s in texts[i : i + 100]] for i in range(0, len(texts), 100)]
    fresh = FeatureExtractor(ex.ref, ex.th, ex.neighbours, trigrams=ex.trigrams, topics=ex.topics, cloze=ex.cloze)
    want = [fresh.token_matrix(fresh.score_tokens(b)) for b in batches]
    monkeypatch.setattr(cmod, "_MAX_TYPES", 150)
    monkeypatch.setattr(cmod, "_MAX_PHRASES", 40)
    small = FeatureExtractor(ex.ref, ex.th, ex.neighbours, trigrams=ex.trigrams, topics=ex.topics, cloze=ex.cloze)
    resets = 0
    for b, w in zip(batches, want):
        before = len(small.candidates.types)
        got = small.token_matrix(small.score_tokens(b))
        resets += len(small.candidates.types) < before
        assert np.array_equal(got, w, equal_nan=True)
        assert len(small.candidates.types) <= 150 + sum(map(len, b))
        assert len(small.candidates._multi) <= 41 and len(small.candidates.spans) <= 41
    assert resets >= 2
