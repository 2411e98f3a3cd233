"""Compiled (numba) token scoring for large batches: the numbers of
:class:`~spin_detect.features.extractor.FeatureExtractor`'s numpy code for the pairs and trigrams of the
text itself (:func:`base_scores`; ``ReferenceStats.pair_count``/``cond_logprob``, ``_tri_score``),
one-for-one replacements (:func:`score_singles`; ``_score_singles_numpy``) and phrase replacements
(:func:`score_phrases`; ``_score_phrases_numpy``), in a few passes instead of some fifty numpy passes.

The numpy versions build a dozen arrays as long as all candidates of a batch
(pair keys, hash slots, counts, probabilities, trigram fingerprints, ...). Here
one pass builds every key, one tight loop probes the tables' hash indexes
(:class:`~spin_detect.tables.store.HashIndex`, as :mod:`spin_detect.tables.probe`
does: independent lookups, so their cache misses overlap) and one computes the
Kneser-Ney probabilities and trigram scores; numpy takes the logarithms (so they
are numpy's, to the last bit; log1p of trigram counts comes from a table numpy
computed); a last loop keeps each token's sums, maxima and first best candidate.
Every other operation is the same IEEE arithmetic on the same operands in the
same order as the numpy code, so the results are the same numbers
(``tests/test_speed_equivalence_singles.py``).

Imported only for large batches once the tables' hash indexes exist (see
:meth:`FeatureExtractor._use_compiled`), so scoring one article never
pays for numba's import.
"""

from __future__ import annotations

import numba
import numpy as np

from spin_detect.tables.reference import DISCOUNT

__all__ = ["base_scores", "log1p_of_counts", "score_phrases", "score_singles"]

_FIBONACCI = np.uint64(0x9E3779B97F4A7C15)


@numba.njit(cache=True, nogil=True, inline="always")
def _find(slot_keys: np.ndarray, slot_rows: np.ndarray, shift: np.uint64, mask: np.int64, empty: np.uint64,
          q: np.uint64) -> np.int64:  # pragma: no cover - compiled
    """Row of key ``q`` in a HashIndex's slots, -1 when absent (as :func:`spin_detect.tables.probe.probe`)."""
    slot = np.int64((q * _FIBONACCI) >> shift)
    while True:
        k = np.uint64(slot_keys[slot])
        if k == q:
            return np.int64(slot_rows[slot])
        if k == empty:
            return np.int64(-1)
        slot = (slot + 1) & mask


@numba.njit(cache=True, nogil=True, inline="always")
def _kn(count: float, a: int | np.integer, b: int | np.integer, ca: np.ndarray, backoff: np.ndarray,
        cont: np.ndarray) -> float:  # pragma: no cover - compiled
    """min(P(b | a), 1) of the reference's interpolated Kneser-Ney bigram, given the pair's count, before
    the log (as ReferenceStats.cond_logprob; the same operations in the same order)."""
    return min(max(count - DISCOUNT, 0.0) / ca[a] + backoff[a] * cont[b], 1.0)


@numba.njit(cache=True, nogil=True)
def _probabilities(cand: np.ndarray, counts: np.ndarray, pos: np.ndarray, X: np.ndarray,
                   pk: np.ndarray, pr: np.ndarray, pshift: np.uint64, pmask: np.int64, pempty: np.uint64,
                   pair_counts: np.ndarray, ca: np.ndarray, cont: np.ndarray, backoff: np.ndarray,
                   has_tri: bool, tk: np.ndarray, tr: np.ndarray, tshift: np.uint64, tmask: np.int64,
                   tempty: np.uint64, tri_counts: np.ndarray, tri_log1p: np.ndarray, vocab_size: np.uint64,
                   left_ok: np.ndarray, right_ok: np.ndarray, tri_base: np.ndarray, p_l: np.ndarray, p_r: np.ndarray,
                   tri_raw: np.ndarray) -> None:  # pragma: no cover - compiled
    """Per candidate: min(P, 1) of (left, cand) and (cand, right) before the log (as
    ReferenceStats.cond_logprob), and l3 + c3 + r3 - tri_base (as _tri_score).

    In three passes: every key, then every probe (independent lookups in one tight
    loop, so the processor overlaps their cache misses), then the arithmetic."""
    m = cand.shape[0]
    last = X.shape[0] - 1
    n_tri = 3 * m if has_tri else 0
    pq = np.empty(2 * m, dtype=np.uint64)
    tq = np.empty(n_tri, dtype=np.uint64)
    k = 0
    for i in range(counts.shape[0]):
        g = pos[i]
        left = np.uint64(X[g - 1])
        right = np.uint64(X[g + 1])
        left2 = np.uint64(X[g - 2])
        right2 = np.uint64(X[min(g + 2, last)])
        for _ in range(counts[i]):
            c = np.uint64(cand[k])
            pq[2 * k] = (left << np.uint64(32)) | c
            pq[2 * k + 1] = (c << np.uint64(32)) | right
            if has_tri:
                tq[3 * k] = _fingerprint(vocab_size, left2, left, c)
                tq[3 * k + 1] = _fingerprint(vocab_size, left, c, right)
                tq[3 * k + 2] = _fingerprint(vocab_size, c, right, right2)
            k += 1
    prow = np.empty(2 * m, dtype=np.int64)
    for j in range(2 * m):
        prow[j] = _find(pk, pr, pshift, pmask, pempty, pq[j])
    trow = np.empty(n_tri, dtype=np.int64)
    for j in range(n_tri):
        trow[j] = _find(tk, tr, tshift, tmask, tempty, tq[j])
    k = 0
    for i in range(counts.shape[0]):
        g = pos[i]
        left = X[g - 1]
        right = X[g + 1]
        for _ in range(counts[i]):
            c = cand[k]
            p_l[k] = _kn(np.float64(pair_counts[prow[2 * k]]), left, c, ca, backoff, cont)
            p_r[k] = _kn(np.float64(pair_counts[prow[2 * k + 1]]), c, right, ca, backoff, cont)
            if has_tri:
                l3 = tri_log1p[tri_counts[trow[3 * k]]] if left_ok[i] else 0.0
                c3 = tri_log1p[tri_counts[trow[3 * k + 1]]]
                r3 = tri_log1p[tri_counts[trow[3 * k + 2]]] if right_ok[i] else 0.0
                tri_raw[k] = l3 + c3 + r3 - tri_base[i]
            k += 1


@numba.njit(cache=True, nogil=True, inline="always")
def _fingerprint(v: np.uint64, a: np.uint64, b: np.uint64, c: np.uint64) -> np.uint64:  # pragma: no cover
    """32-bit fingerprint of trigram (a, b, c), as :func:`spin_detect.tables.trigrams.trigram_fingerprints`."""
    key = a * v
    key += b
    key *= v
    key += c
    key *= _FIBONACCI
    key >>= np.uint64(32)
    return key


@numba.njit(cache=True, nogil=True)
def _best(cand: np.ndarray, counts: np.ndarray, pos: np.ndarray, X: np.ndarray, lp: np.ndarray, pmi: np.ndarray,
          uni: np.ndarray, lp_l: np.ndarray, lp_r: np.ndarray, has_tri: bool, tri_raw: np.ndarray,
          best_delta: np.ndarray, best_pmi: np.ndarray, best_gain: np.ndarray, best_id: np.ndarray,
          tri_gain: np.ndarray) -> None:  # pragma: no cover - compiled
    """Per token: the best delta and its (first) candidate, the highest delta_pmi, gain and trigram gain."""
    k = 0
    for i in range(counts.shape[0]):
        c_n = counts[i]
        if c_n == 0:
            continue
        g = pos[i]
        right = X[g + 1]
        lp_old_l = lp[g - 1]
        lp_old_r = lp[g]
        uni_x = uni[X[g]]
        uni_right = uni[right]
        pmi_old = max(pmi[g - 1], pmi[g])
        top_delta = 0.0
        top_pmi = 0.0
        top_gain = 0.0
        top_tri = 0.0
        top_id = -1
        first = True
        for _ in range(c_n):
            c = cand[k]
            delta = lp_l[k] + lp_r[k] - lp_old_l - lp_old_r
            uni_c = uni[c]
            delta_pmi = delta - (uni_c - uni_x)
            gain = max(lp_l[k] - uni_c, lp_r[k] - uni_right) - pmi_old
            if first:
                top_delta, top_pmi, top_gain, top_id = delta, delta_pmi, gain, c
                if has_tri:
                    top_tri = tri_raw[k]
                first = False
            else:
                if delta > top_delta:
                    top_delta, top_id = delta, c
                top_pmi = max(top_pmi, delta_pmi)
                top_gain = max(top_gain, gain)
                if has_tri:
                    top_tri = max(top_tri, tri_raw[k])
            k += 1
        best_pmi[i] = max(0.0, top_pmi)
        best_gain[i] = max(0.0, top_gain)
        if has_tri:
            tri_gain[i] = max(0.0, top_tri)
        if top_delta > 0:
            best_delta[i] = top_delta
            best_id[i] = top_id


def score_singles(ex: object, tri_log1p: np.ndarray | None, cand: np.ndarray, counts: np.ndarray, X: np.ndarray,
                  lp: np.ndarray, pmi: np.ndarray, pos: np.ndarray, left_ok: np.ndarray, right_ok: np.ndarray,
                  tri_base: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What ``ex._score_singles`` returns for the same arguments (``ex``: a FeatureExtractor whose
    reference pair index, and trigram index if it has trigrams, are built; ``tri_log1p``:
    :func:`log1p_of_counts` of its trigram counts)."""
    ref = ex.ref  # type: ignore[attr-defined]
    tri = ex.trigrams  # type: ignore[attr-defined]
    n = len(pos)
    best_delta, best_pmi, best_gain, tri_gain = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    best_id = np.full(n, -1, dtype=np.int64)
    m = len(cand)
    if not m:
        return best_delta, best_pmi, best_gain, best_id, tri_gain
    uni, ca, cont, backoff = ref._per_id
    pidx = ref._pairs.index
    has_tri = tri is not None and tri_base is not None
    if has_tri:
        tidx = tri._lookup.index
        tk, tr, tshift, tmask, tempty = tidx.slot_keys, tidx.slot_rows, tidx.shift, tidx.mask, tidx.empty
        tri_counts, v = tri._counts_or_zero, tri.vocab_size
        assert tri_log1p is not None
    else:
        tk, tr, tshift, tmask, tempty = pidx.slot_keys, pidx.slot_rows, pidx.shift, pidx.mask, pidx.empty
        tri_counts, tri_log1p, v = np.zeros(1, dtype=np.int64), np.zeros(1), 1
    base = tri_base if tri_base is not None else np.zeros(n)
    counts = np.ascontiguousarray(counts, dtype=np.int64)
    cand = np.ascontiguousarray(cand, dtype=np.int64)
    p_l, p_r, tri_raw = np.empty(m), np.empty(m), np.empty(m if has_tri else 0)
    _probabilities(cand, counts, pos, X, pidx.slot_keys, pidx.slot_rows, np.uint64(pidx.shift), np.int64(pidx.mask),
                   np.uint64(pidx.empty), ref._counts_or_zero, ca, cont, backoff, has_tri, tk, tr,
                   np.uint64(tshift), np.int64(tmask), np.uint64(tempty), tri_counts, tri_log1p, np.uint64(v),
                   np.ascontiguousarray(left_ok), np.ascontiguousarray(right_ok), base, p_l, p_r, tri_raw)
    np.log(p_l, out=p_l)
    np.log(p_r, out=p_r)
    _best(cand, counts, pos, X, lp, pmi, uni, p_l, p_r, has_tri, tri_raw, best_delta, best_pmi, best_gain,
          best_id, tri_gain)
    return best_delta, best_pmi, best_gain, best_id, tri_gain


def log1p_of_counts(counts: np.ndarray) -> np.ndarray:
    """``np.log1p`` of every count value 0 .. max(counts), so that ``table[counts]`` are the numbers
    ``np.log1p(counts.astype(np.int64))`` gives (the same ufunc on the same values)."""
    return np.log1p(np.arange(int(counts.max(initial=0)) + 1, dtype=np.int64))


@numba.njit(cache=True, nogil=True)
def _phrase_probabilities(r_tok: np.ndarray, r_len: np.ndarray, c_len: np.ndarray, cand_flat: np.ndarray,
                          pos: np.ndarray, X: np.ndarray, pk: np.ndarray, pr: np.ndarray, pshift: np.uint64,
                          pmask: np.int64, pempty: np.uint64, pair_counts: np.ndarray, ca: np.ndarray,
                          cont: np.ndarray, backoff: np.ndarray, p: np.ndarray,
                          second: np.ndarray) -> None:  # pragma: no cover - compiled
    """min(P, 1) of every pair of every chain (word before, candidate words, word after), chain by
    chain (as ReferenceStats.cond_logprob before the log), and the second word of each pair."""
    n_pairs = p.shape[0]
    keys = np.empty(n_pairs, dtype=np.uint64)
    k = 0
    c0 = 0
    for r in range(r_tok.shape[0]):
        g = pos[r_tok[r]]
        prev = X[g - 1]
        for i in range(c_len[r] + 1):
            nxt = cand_flat[c0 + i] if i < c_len[r] else X[g + r_len[r]]
            keys[k] = (np.uint64(prev) << np.uint64(32)) | np.uint64(nxt)
            second[k] = nxt
            prev = nxt
            k += 1
        c0 += c_len[r]
    rows = np.empty(n_pairs, dtype=np.int64)
    for j in range(n_pairs):
        rows[j] = _find(pk, pr, pshift, pmask, pempty, keys[j])
    for j in range(n_pairs):
        p[j] = _kn(np.float64(pair_counts[rows[j]]), np.int64(keys[j] >> np.uint64(32)), second[j], ca, backoff, cont)


@numba.njit(cache=True, nogil=True)
def _phrase_best(r_tok: np.ndarray, r_len: np.ndarray, c_len: np.ndarray, cand_flat: np.ndarray, pos: np.ndarray,
                 X: np.ndarray, lp: np.ndarray, uni: np.ndarray, lps: np.ndarray, second: np.ndarray,
                 suspicion: np.ndarray, susp_pmi: np.ndarray, colloc: np.ndarray, best_rep: np.ndarray,
                 top: np.ndarray) -> None:  # pragma: no cover - compiled
    """Per replacement, the sums and maxima of _score_phrases_numpy in its order of operations;
    per covered token, the maxima of delta_pmi and collocation gain, and the first replacement
    with the largest delta (``best_rep``, -1 when it does not beat ``suspicion``) and that delta (``top``)."""
    n_tok = suspicion.shape[0]
    k = 0
    c0 = 0
    for r in range(r_tok.shape[0]):
        g = pos[r_tok[r]]
        n_new = c_len[r] + 1
        new_lp = 0.0
        new_pmi = -np.inf
        for i in range(n_new):
            new_lp += lps[k + i]
            new_pmi = max(new_pmi, lps[k + i] - uni[second[k + i]])
        k += n_new
        old_lp = 0.0
        old_pmi = -np.inf
        old_uni = 0.0
        for j in range(r_len[r] + 1):
            at = g - 1 + j
            old_lp += lp[at]
            old_pmi = max(old_pmi, lp[at] - uni[X[at + 1]])
            if j < r_len[r]:
                old_uni += uni[X[g + j]]
        cand_uni = 0.0
        for i in range(c_len[r]):
            cand_uni += uni[cand_flat[c0 + i]]
        c0 += c_len[r]
        delta = new_lp - old_lp
        d_pmi = delta - (cand_uni - old_uni)
        gain = new_pmi - old_pmi
        for i in range(r_len[r]):
            t = r_tok[r] + i
            susp_pmi[t] = max(susp_pmi[t], d_pmi)
            colloc[t] = max(colloc[t], gain)
            if best_rep[t] < 0 or delta > top[t]:
                best_rep[t] = r
                top[t] = delta
    for t in range(n_tok):
        if best_rep[t] >= 0 and not top[t] > suspicion[t]:
            best_rep[t] = -1


def score_phrases(ex: object, r_tok: np.ndarray, r_len: np.ndarray, c_len: np.ndarray, cand_flat: np.ndarray,
                  X: np.ndarray, lp: np.ndarray, pos: np.ndarray, suspicion: np.ndarray, susp_pmi: np.ndarray,
                  colloc: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The numbers of ``ex._score_phrases_numpy`` for the replacements of ``phrase_replacements``:
    updates ``susp_pmi`` and ``colloc`` in place and returns the tokens whose best replacement beats
    their ``suspicion``, ascending, with that replacement and its delta."""
    ref = ex.ref  # type: ignore[attr-defined]
    uni, ca, cont, backoff = ref._per_id
    pidx = ref._pairs.index
    n_pairs = int(c_len.sum()) + len(c_len)
    p, second = np.empty(n_pairs), np.empty(n_pairs, dtype=np.int64)
    _phrase_probabilities(r_tok, r_len, c_len, cand_flat, pos, X, pidx.slot_keys, pidx.slot_rows,
                          np.uint64(pidx.shift), np.int64(pidx.mask), np.uint64(pidx.empty), ref._counts_or_zero,
                          ca, cont, backoff, p, second)
    np.log(p, out=p)
    best_rep = np.full(len(suspicion), -1, dtype=np.int64)
    top = np.full(len(suspicion), -np.inf)
    _phrase_best(r_tok, r_len, c_len, cand_flat, pos, X, lp, uni, p, second, suspicion, susp_pmi, colloc, best_rep,
                 top)
    toks = np.flatnonzero(best_rep >= 0)
    return toks, best_rep[toks], top[toks]


@numba.njit(cache=True, nogil=True)
def _base_pairs(X: np.ndarray, pk: np.ndarray, pr: np.ndarray, pshift: np.uint64, pmask: np.int64,
                pempty: np.uint64, pair_counts: np.ndarray, ca: np.ndarray, cont: np.ndarray, backoff: np.ndarray,
                cnt: np.ndarray, p: np.ndarray) -> None:  # pragma: no cover - compiled
    """Count of each pair (X[j], X[j+1]) (as ReferenceStats.pair_count) and min(P, 1) of it
    before the log (as cond_logprob)."""
    n = X.shape[0] - 1
    rows = np.empty(n, dtype=np.int64)
    for j in range(n):
        rows[j] = _find(pk, pr, pshift, pmask, pempty, (np.uint64(X[j]) << np.uint64(32)) | np.uint64(X[j + 1]))
    for j in range(n):
        c = np.int64(pair_counts[rows[j]])
        cnt[j] = c
        p[j] = _kn(np.float64(c), X[j], X[j + 1], ca, backoff, cont)


@numba.njit(cache=True, nogil=True)
def _base_trigrams(X: np.ndarray, pos: np.ndarray, left_ok: np.ndarray, right_ok: np.ndarray, tk: np.ndarray,
                   tr: np.ndarray, tshift: np.uint64, tmask: np.int64, tempty: np.uint64, tri_counts: np.ndarray,
                   tri_log1p: np.ndarray, vocab_size: np.uint64, left: np.ndarray, center: np.ndarray,
                   right: np.ndarray) -> None:  # pragma: no cover - compiled
    """log1p counts of the three trigrams around each token (as FeatureExtractor._tri_score; 0 for a
    trigram across the sentence's edge)."""
    n = pos.shape[0]
    last = X.shape[0] - 1
    rows = np.empty(3 * n, dtype=np.int64)
    for i in range(n):
        g = pos[i]
        w = np.uint64(X[g])
        l1 = np.uint64(X[g - 1])
        r1 = np.uint64(X[g + 1])
        rows[3 * i] = _find(tk, tr, tshift, tmask, tempty, _fingerprint(vocab_size, np.uint64(X[g - 2]), l1, w)) \
            if left_ok[i] else -1
        rows[3 * i + 1] = _find(tk, tr, tshift, tmask, tempty, _fingerprint(vocab_size, l1, w, r1))
        rows[3 * i + 2] = _find(tk, tr, tshift, tmask, tempty,
                                _fingerprint(vocab_size, w, r1, np.uint64(X[min(g + 2, last)]))) if right_ok[i] else -1
    for i in range(n):
        left[i] = tri_log1p[tri_counts[rows[3 * i]]] if left_ok[i] else 0.0
        center[i] = tri_log1p[tri_counts[rows[3 * i + 1]]]
        right[i] = tri_log1p[tri_counts[rows[3 * i + 2]]] if right_ok[i] else 0.0


def base_scores(ex: object, tri_log1p: np.ndarray | None, X: np.ndarray, pos: np.ndarray, left_ok: np.ndarray,
                right_ok: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """For the framed batch ``X``: the pair counts and ``cond_logprob`` of every adjacent pair, and (with
    trigrams) the left, centre and right trigram scores of the tokens at ``pos`` (as ``_tri_score``)."""
    ref = ex.ref  # type: ignore[attr-defined]
    tri = ex.trigrams  # type: ignore[attr-defined]
    _, ca, cont, backoff = ref._per_id
    pidx = ref._pairs.index
    X = np.ascontiguousarray(X, dtype=np.int64)
    cnt, p = np.empty(len(X) - 1, dtype=np.int64), np.empty(len(X) - 1)
    _base_pairs(X, pidx.slot_keys, pidx.slot_rows, np.uint64(pidx.shift), np.int64(pidx.mask), np.uint64(pidx.empty),
                ref._counts_or_zero, ca, cont, backoff, cnt, p)
    np.log(p, out=p)
    if tri is None:
        return cnt, p, None
    assert tri_log1p is not None
    tidx = tri._lookup.index
    n = len(pos)
    left, center, right = np.empty(n), np.empty(n), np.empty(n)
    _base_trigrams(X, pos, np.ascontiguousarray(left_ok), np.ascontiguousarray(right_ok), tidx.slot_keys,
                   tidx.slot_rows, np.uint64(tidx.shift), np.int64(tidx.mask), np.uint64(tidx.empty),
                   tri._counts_or_zero, tri_log1p, np.uint64(tri.vocab_size), left, center, right)
    return cnt, p, np.stack([left, center, right])
