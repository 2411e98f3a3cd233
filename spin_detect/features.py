"""Per-token context scores and per-sentence features, computed in batches.

For every token the extractor asks two questions of the reference statistics:

1. *How well does the word fit its neighbours?* Kneser-Ney bigram
   log-probabilities and PMI of the pairs (left, word) and (word, right), and
   whether those pairs were ever seen. These signals need no thesaurus, so they
   carry over to spinners whose synonym lists we do not know.
2. *Would a synonym fit better?* For each thesaurus synonym ``s`` of the word
   (or of a multiword span such as "end up"), the change in sentence
   log-probability when ``s`` is put in its place (``delta``), the same change
   discounted by the frequency difference (``delta_pmi``), and the strongest
   collocation ``s`` would form with a neighbour (``colloc``). A spun word
   has an original that fits much better: "Safety Council" -> "Security
   Council". The best candidate is kept as evidence: "safety -> security?".

Sentence features aggregate these (max, mean, counts over thresholds, shares).
Every number is a plain function of counts, so each one can be explained.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .neighbors import Neighbours
from .reference import BOS, EOS, UNK, ReferenceStats
from .segment import norm
from .thesaurus import Thesaurus
from .trigrams import Trigrams

__all__ = ["FEATURE_NAMES", "FeatureExtractor", "TokenScores"]

#: Feature groups, for ablation and for explaining a score. Each feature is a plain
#: aggregate of token scores; see :meth:`FeatureExtractor.features`.
FEATURE_GROUPS: dict[str, tuple[str, ...]] = {
    # thesaurus-free: how well each word fits its neighbours
    "context": (
        "n_tokens_log", "oov_share", "lp_mean", "lp_min", "lp_p10", "pmi_mean", "pmi_min",
        "unseen_pair_share", "unseen_pairs", "isolated_share", "rarity_max", "rarity_mean",
    ),
    # unusual synonyms: a thesaurus synonym fits the context better than the word
    "synonym": (
        "syn_delta_max", "syn_delta_top2", "syn_delta_mean_pos", "syn_count_over_2", "syn_count_over_4",
        "syn_share_over_2", "syn_pmi_max", "syn_pmi_count_over_2", "candidates_share",
    ),
    # the same with distributional neighbours (words used in the same slots), no thesaurus
    "neighbour": (
        "nbr_delta_max", "nbr_delta_top2", "nbr_count_over_2", "nbr_count_over_4", "nbr_pmi_max",
        "nbr_pmi_count_over_2",
    ),
    # collocation breaks: a replacement would restore a strong word pair or a multiword phrase
    "collocation": ("colloc_gain_max", "colloc_break_count", "phrase_delta_max", "nbr_colloc_max"),
    # trigrams: three-word sequences around each word never seen, and replacements that restore one
    "trigram": ("tri_unseen_share", "tri_unseen_count", "tri_gain_max", "tri_gain_count_over_2",
                "tri_nbr_gain_max", "tri_nbr_gain_count_over_2"),
}
FEATURE_NAMES: tuple[str, ...] = tuple(f for g in FEATURE_GROUPS.values() for f in g)

#: Per-token features, for the token-level model that points at substituted words.
TOKEN_FEATURES: tuple[str, ...] = (
    "lp_left", "lp_right", "pmi_left", "pmi_right", "unseen_left", "unseen_right", "lp_outer_left",
    "lp_outer_right", "logfreq", "oov", "capitalised", "first", "wordlike", "syn_delta", "syn_pmi",
    "syn_colloc", "phrase", "n_candidates", "nbr_delta", "nbr_pmi", "nbr_colloc",
    "tri_left", "tri_center", "tri_right", "tri_gain_syn", "tri_gain_nbr",
)

_WORDLIKE = frozenset("abcdefghijklmnopqrstuvwxyz")


@dataclass
class TokenScores:
    """Token-level results for one batch of sentences (flat arrays over all tokens).

    ``sent`` gives each token's sentence index. ``suspicion`` is the best
    ``delta`` of any synonym replacing the token (0 when none fits better) and
    ``original`` the text of that synonym ("" when none); ``nbr_*`` are the
    same for distributional neighbours. ``logfreq`` is the unigram log-probability;
    ``lp_outer_*`` are the log-probabilities of the pairs one step further out
    (they tell a break at this token from a break at its neighbour). ``lp_left`` and
    ``lp_right`` are the log-probabilities of the pairs the token makes with
    its neighbours, ``unseen_left``/``unseen_right`` whether those pairs were
    never counted.
    """

    sent: np.ndarray
    ids: np.ndarray
    lp_left: np.ndarray
    lp_right: np.ndarray
    pmi_left: np.ndarray
    pmi_right: np.ndarray
    unseen_left: np.ndarray
    unseen_right: np.ndarray
    suspicion: np.ndarray
    suspicion_pmi: np.ndarray
    colloc: np.ndarray
    span: np.ndarray
    original: list[str]
    nbr_suspicion: np.ndarray
    nbr_pmi: np.ndarray
    nbr_colloc: np.ndarray
    nbr_original: list[str]
    logfreq: np.ndarray
    lp_outer_left: np.ndarray
    lp_outer_right: np.ndarray
    capitalised: np.ndarray
    first: np.ndarray
    n_candidates: np.ndarray
    tri_left: np.ndarray
    tri_center: np.ndarray
    tri_right: np.ndarray
    tri_gain_syn: np.ndarray
    tri_gain_nbr: np.ndarray


class FeatureExtractor:
    """Computes :data:`FEATURE_NAMES` for batches of tokenised sentences.

    ``max_candidates`` caps the synonyms tried per word (the most frequent in
    the reference are kept: originals are usually common words);
    ``max_neighbours`` caps distributional neighbours tried (when a neighbour
    table is given); ``use_thesaurus=False`` scores as if the thesaurus knew
    no word (training augmentation for spinners with unknown thesauri);
    ``max_phrase`` caps multiword spans. Candidate lists are cached per word
    type, so repeated words cost one dictionary lookup.
    """

    def __init__(self, reference: ReferenceStats, thesaurus: Thesaurus, neighbours: Neighbours | None = None,
                 max_candidates: int = 12, max_neighbours: int = 10, max_phrase: int = 3,
                 trigrams: Trigrams | None = None, use_thesaurus: bool = True):
        self.ref = reference
        self.th = thesaurus
        self.use_thesaurus = use_thesaurus
        self.neighbours = neighbours
        self.trigrams = trigrams
        self.max_candidates = max_candidates
        self.max_neighbours = max_neighbours
        self.max_phrase = max(1, min(max_phrase, thesaurus.max_words))
        self._single: dict[int, np.ndarray] = {}
        self._nbr: dict[int, np.ndarray] = {}
        self._oov: dict[str, np.ndarray] = {}
        self._multi: dict[str, list[tuple[int, ...]]] = {}
        self._multi_heads = self._phrase_heads()

    # ------------------------------------------------------------ candidates
    def _phrase_heads(self) -> dict[str, int]:
        """First words of multiword headwords -> longest such headword (in words)."""
        out: dict[str, int] = {}
        if not self.use_thesaurus:
            return out
        for h in self.th.headwords():
            if " " in h:
                words = h.split(" ")
                if len(words) <= self.max_phrase:
                    out[words[0]] = max(out.get(words[0], 0), len(words))
        return out

    def _candidate_phrases(self, phrase: str) -> list[tuple[int, ...]]:
        """Synonyms of ``phrase`` as id tuples, all words known, most frequent first."""
        if not self.use_thesaurus:
            return []
        ref = self.ref
        seen = set()
        cands = []
        for syn in self.th.synonyms(phrase):
            ids = tuple(ref.word_id(w) for w in syn.text.split(" "))
            if UNK in ids or ids in seen or len(ids) > self.max_phrase + 1:
                continue
            seen.add(ids)
            cands.append(ids)
        cands.sort(key=lambda c: -min(int(ref.unigram[i]) for i in c))
        return cands[: self.max_candidates]

    def _single_candidates(self, word_id: int) -> np.ndarray:
        got = self._single.get(word_id)
        if got is None:
            word = self.ref.vocab[word_id]
            if word_id < 3 or not (set(word) & _WORDLIKE):
                got = np.empty(0, dtype=np.int64)
            else:
                got = np.array([c[0] for c in self._candidate_phrases(word) if len(c) == 1],
                               dtype=np.int64)
            self._single[word_id] = got
        return got

    def _oov_candidates(self, word: str) -> np.ndarray:
        """Synonyms of a word the reference does not know (rare spinner choices
        such as "twelvemonth" are often unknown; their originals are not)."""
        got = self._oov.get(word)
        if got is None:
            if not (set(word) & _WORDLIKE) or len(self._oov) > 100_000:
                return np.empty(0, dtype=np.int64)
            got = np.array([c[0] for c in self._candidate_phrases(word) if len(c) == 1], dtype=np.int64)
            self._oov[word] = got
        return got

    def _neighbour_candidates(self, word_id: int) -> np.ndarray:
        got = self._nbr.get(word_id)
        if got is None:
            got = self._nbr[word_id] = self.neighbours.of(word_id)[: self.max_neighbours]
        return got

    def _multi_candidates(self, phrase: str) -> list[tuple[int, ...]]:
        got = self._multi.get(phrase)
        if got is None:
            got = self._multi[phrase] = self._candidate_phrases(phrase)
        return got

    # ------------------------------------------------------------ scoring
    def score_tokens(self, sentences: Sequence[Sequence[str]]) -> TokenScores:
        """Token-level context and synonym scores for tokenised sentences."""
        ref = self.ref
        words = [[norm(t) for t in s] for s in sentences]
        lengths = np.fromiter((len(s) for s in words), dtype=np.int64, count=len(words))
        index = ref._index
        flat = [index.get(w, UNK) for s in words for w in (("<s>",) + tuple(s) + ("</s>",))]
        X = np.array(flat, dtype=np.int64)
        X[np.cumsum(np.r_[0, lengths[:-1] + 2])] = BOS
        X[np.cumsum(lengths + 2) - 1] = EOS
        # Pairs (X[p], X[p+1]); the seam between sentences is never used.
        a, b = X[:-1], X[1:]
        lp = ref.cond_logprob(a, b)
        pmi = lp - ref.logprob(b)
        cnt = ref.pair_count(a, b)
        known_pair = (a != UNK) & (b != UNK)
        unseen = (cnt == 0) & known_pair
        # Global positions of real tokens.
        is_tok = (X != BOS) & (X != EOS)
        pos = np.flatnonzero(is_tok)
        sent = np.repeat(np.arange(len(words)), lengths)
        n = len(pos)
        # --- one word for one word, vectorised over all candidates.
        tok_ids = X[pos]
        flat_words = [w for s in words for w in s]
        cand_lists = [self._single_candidates(int(w)) if w != UNK else self._oov_candidates(flat_words[i])
                      for i, w in enumerate(tok_ids.tolist())]
        first = np.zeros(n, dtype=bool)
        first[np.cumsum(np.r_[0, lengths[:-1]])[lengths > 0]] = True
        last = np.zeros(n, dtype=bool)
        last[(np.cumsum(lengths) - 1)[lengths > 0]] = True
        if self.trigrams is not None and n:
            tri_l, tri_c, tri_r = self._tri_score(X, pos, tok_ids, ~first, ~last)
            tri_base = tri_l + tri_c + tri_r
        else:
            tri_l = tri_c = tri_r = tri_base = np.zeros(n)
        tri_args = (~first, ~last, tri_base if self.trigrams is not None else None)
        suspicion, susp_pmi, colloc, best = self._score_singles(cand_lists, X, lp, pmi, pos, *tri_args)
        tri_gain_syn = self._last_tri_gain
        vocab = ref.vocab
        original = [vocab[c] if c >= 0 else "" for c in best.tolist()]
        span = np.ones(n, dtype=np.int64)
        if self.neighbours is not None:
            nbr_lists = [self._neighbour_candidates(int(w)) for w in tok_ids]
            nbr_susp, nbr_pmi, nbr_colloc, nbr_best = self._score_singles(nbr_lists, X, lp, pmi, pos, *tri_args)
            nbr_original = [vocab[c] if c >= 0 else "" for c in nbr_best.tolist()]
            tri_gain_nbr = self._last_tri_gain
        else:
            tri_gain_nbr = np.zeros(n)
            nbr_susp, nbr_pmi, nbr_colloc = np.zeros(n), np.zeros(n), np.zeros(n)
            nbr_original = [""] * n
        # --- multiword spans and multiword synonyms (rarer; handled per span).
        self._score_phrases(words, lengths, X, lp, pos, suspicion, susp_pmi, colloc, span, original)
        tok_left = pos - 1
        cap = np.fromiter((t[:1].isupper() for s in sentences for t in s), dtype=bool, count=n) & ~first
        return TokenScores(
            sent=sent, ids=tok_ids,
            lp_left=lp[tok_left], lp_right=lp[pos],
            pmi_left=pmi[tok_left], pmi_right=pmi[pos],
            unseen_left=unseen[tok_left], unseen_right=unseen[pos],
            suspicion=suspicion, suspicion_pmi=susp_pmi, colloc=colloc, span=span,
            original=original, nbr_suspicion=nbr_susp, nbr_pmi=nbr_pmi, nbr_colloc=nbr_colloc,
            nbr_original=nbr_original, logfreq=ref.logprob(tok_ids),
            lp_outer_left=np.where(first, 0.0, lp[np.maximum(pos - 2, 0)]),
            lp_outer_right=np.where(last, 0.0, lp[np.minimum(pos + 1, len(lp) - 1)]),
            capitalised=cap, first=first,
            n_candidates=np.fromiter((len(c) for c in cand_lists), dtype=np.int64, count=n),
            tri_left=tri_l, tri_center=tri_c, tri_right=tri_r, tri_gain_syn=tri_gain_syn,
            tri_gain_nbr=tri_gain_nbr,
        )

    def _tri_score(self, X, g, word, left_ok, right_ok):
        """log1p counts of the three trigrams that contain ``word`` placed at ``g``."""
        tri = self.trigrams
        left = np.where(left_ok, np.log1p(tri.count(X[g - 2], X[g - 1], word)), 0.0)
        center = np.log1p(tri.count(X[g - 1], word, X[g + 1]))
        right = np.where(right_ok, np.log1p(tri.count(word, X[g + 1], X[np.minimum(g + 2, len(X) - 1)])), 0.0)
        return left, center, right

    def _score_singles(self, cand_lists, X, lp, pmi, pos, left_ok=None, right_ok=None, tri_base=None):
        """Score one-for-one replacements; per token return the best ``delta``
        (0 if none is positive), the highest ``delta_pmi`` and collocation gain
        (0 floor) and the id of the best candidate (-1 if none improves the fit)."""
        ref = self.ref
        n = len(pos)
        best_delta, best_pmi, best_gain = np.zeros(n), np.zeros(n), np.zeros(n)
        best_id = np.full(n, -1, dtype=np.int64)
        counts = np.fromiter((len(c) for c in cand_lists), dtype=np.int64, count=n)
        self._last_tri_gain = np.zeros(n)
        if not counts.sum():
            return best_delta, best_pmi, best_gain, best_id
        rep_tok = np.repeat(np.arange(n), counts)
        cand = np.concatenate(cand_lists)
        g = pos[rep_tok]
        left, right = X[g - 1], X[g + 1]
        lp_l = ref.cond_logprob(left, cand)
        lp_r = ref.cond_logprob(cand, right)
        delta = lp_l + lp_r - lp[g - 1] - lp[g]
        uni_c = ref.logprob(cand)
        delta_pmi = delta - (uni_c - ref.logprob(X[g]))
        gain = np.maximum(lp_l - uni_c, lp_r - ref.logprob(right)) - np.maximum(pmi[g - 1], pmi[g])
        np.maximum.at(best_pmi, rep_tok, delta_pmi)
        np.maximum.at(best_gain, rep_tok, gain)
        if self.trigrams is not None and tri_base is not None:
            l3, c3, r3 = self._tri_score(X, g, cand, left_ok[rep_tok], right_ok[rep_tok])
            tri_gain = np.zeros(n)
            np.maximum.at(tri_gain, rep_tok, l3 + c3 + r3 - tri_base[rep_tok])
            self._last_tri_gain = tri_gain
        else:
            self._last_tri_gain = np.zeros(n)
        order = np.lexsort((-delta, rep_tok))
        first = np.r_[True, rep_tok[order][1:] != rep_tok[order][:-1]]
        top = order[first]
        better = delta[top] > 0
        toks = rep_tok[top][better]
        best_delta[toks] = delta[top][better]
        best_id[toks] = cand[top][better]
        return best_delta, best_pmi, best_gain, best_id

    def _score_phrases(self, words, lengths, X, lp, pos, suspicion, susp_pmi, colloc, span,
                       original) -> None:
        """Replacements that change the number of tokens: multiword spans ("end up")
        and single words with multiword synonyms ("year" -> "twelvemonth", "12 months")."""
        ref = self.ref
        heads = self._multi_heads
        reps = []  # (first token index, n tokens replaced, candidate ids)
        tok = 0
        for s in words:
            for i, w in enumerate(s):
                longest = heads.get(w, 0)
                for k in range(min(longest, len(s) - i), 1, -1):
                    phrase = " ".join(s[i : i + k])
                    for c in self._multi_candidates(phrase):
                        reps.append((tok + i, k, c))
                if w and w[0] in _WORDLIKE and len(w) > 1:
                    for c in self._multi_candidates(w):
                        if len(c) > 1:
                            reps.append((tok + i, 1, c))
            tok += len(s)
        if not reps:
            return
        r_tok = np.fromiter((r[0] for r in reps), dtype=np.int64, count=len(reps))
        r_len = np.fromiter((r[1] for r in reps), dtype=np.int64, count=len(reps))
        c_len = np.fromiter((len(r[2]) for r in reps), dtype=np.int64, count=len(reps))
        cand_flat = np.fromiter((i for r in reps for i in r[2]), dtype=np.int64, count=int(c_len.sum()))
        g = pos[r_tok]  # global position of each span's first token
        # Chains left + candidate + right, flattened: chain r has c_len[r] + 2 items.
        ch_len = c_len + 2
        ch_start = np.r_[0, np.cumsum(ch_len)[:-1]]
        chain = np.empty(int(ch_len.sum()), dtype=np.int64)
        chain[ch_start] = X[g - 1]
        chain[ch_start + ch_len - 1] = X[g + r_len]
        inner = np.ones(len(chain), dtype=bool)
        inner[ch_start] = False
        inner[ch_start + ch_len - 1] = False
        chain[inner] = cand_flat
        seg = np.repeat(np.arange(len(reps)), ch_len)
        not_last = np.ones(len(chain), dtype=bool)
        not_last[ch_start + ch_len - 1] = False
        pa, pb, pseg = chain[:-1][not_last[:-1]], chain[1:][not_last[:-1]], seg[:-1][not_last[:-1]]
        lps = ref.cond_logprob(pa, pb)
        pmis = lps - ref.logprob(pb)
        new_lp = np.bincount(pseg, weights=lps, minlength=len(reps))
        new_pmi = np.full(len(reps), -np.inf)
        np.maximum.at(new_pmi, pseg, pmis)
        # Old chain: pairs g-1 .. g+k-1 of the sentence (k+1 pairs), via cumulative sums.
        cs = np.r_[0.0, np.cumsum(lp)]
        old_lp = cs[g + r_len] - cs[g - 1]
        uni = ref.logprob(X)
        cu = np.r_[0.0, np.cumsum(uni)]
        cand_uni = np.bincount(np.repeat(np.arange(len(reps)), c_len), weights=ref.logprob(cand_flat),
                               minlength=len(reps))
        prior = cand_uni - (cu[g + r_len] - cu[g])
        pair_pmi = lp - uni[1:]
        old_pmi = np.full(len(reps), -np.inf)
        for j in range(int(r_len.max()) + 1):
            ok = j <= r_len
            old_pmi[ok] = np.maximum(old_pmi[ok], pair_pmi[(g - 1 + j)[ok]])
        delta = new_lp - old_lp
        # Spread each replacement over the tokens it covers.
        cover_rep = np.repeat(np.arange(len(reps)), r_len)
        cover_tok = r_tok[cover_rep] + (np.arange(len(cover_rep)) - np.repeat(np.r_[0, np.cumsum(r_len)[:-1]], r_len))
        np.maximum.at(susp_pmi, cover_tok, (delta - prior)[cover_rep])
        np.maximum.at(colloc, cover_tok, (new_pmi - old_pmi)[cover_rep])
        order = np.lexsort((-delta[cover_rep], cover_tok))
        first = np.r_[True, cover_tok[order][1:] != cover_tok[order][:-1]]
        best = order[first]
        toks, reps_best = cover_tok[best], cover_rep[best]
        better = delta[reps_best] > suspicion[toks]
        vocab = ref.vocab
        for t, r in zip(toks[better].tolist(), reps_best[better].tolist()):
            suspicion[t] = delta[r]
            span[t] = r_len[r]
            original[t] = " ".join(vocab[i] for i in reps[r][2])

    def token_matrix(self, ts: TokenScores) -> np.ndarray:
        """Per-token feature matrix, columns :data:`TOKEN_FEATURES`."""
        vocab = self.ref.vocab
        wordlike = np.fromiter((bool(set(vocab[i]) & _WORDLIKE) if i > 2 else False for i in ts.ids.tolist()),
                               dtype=float, count=len(ts.ids))
        cols = {
            "lp_left": ts.lp_left, "lp_right": ts.lp_right, "pmi_left": ts.pmi_left,
            "pmi_right": ts.pmi_right, "unseen_left": ts.unseen_left, "unseen_right": ts.unseen_right,
            "lp_outer_left": ts.lp_outer_left, "lp_outer_right": ts.lp_outer_right, "logfreq": ts.logfreq,
            "oov": ts.ids == UNK, "capitalised": ts.capitalised, "first": ts.first, "wordlike": wordlike,
            "syn_delta": ts.suspicion, "syn_pmi": ts.suspicion_pmi, "syn_colloc": ts.colloc,
            "phrase": ts.span > 1, "n_candidates": ts.n_candidates, "nbr_delta": ts.nbr_suspicion,
            "nbr_pmi": ts.nbr_pmi, "nbr_colloc": ts.nbr_colloc,
            "tri_left": ts.tri_left, "tri_center": ts.tri_center, "tri_right": ts.tri_right,
            "tri_gain_syn": ts.tri_gain_syn, "tri_gain_nbr": ts.tri_gain_nbr,
        }
        return np.column_stack([np.asarray(cols[f], dtype=float) for f in TOKEN_FEATURES]) if len(ts.ids) else \
            np.zeros((0, len(TOKEN_FEATURES)))

    def transform(self, sentences: Sequence[Sequence[str]]) -> np.ndarray:
        """Feature matrix (one row per sentence, columns :data:`FEATURE_NAMES`)."""
        return self.features(self.score_tokens(sentences), len(sentences))

    def features(self, ts: TokenScores, n_sent: int) -> np.ndarray:
        """Aggregate token scores into the sentence feature matrix."""
        out = np.zeros((n_sent, len(FEATURE_NAMES)))
        if n_sent == 0:
            return out
        sent = ts.sent
        n_tok = np.bincount(sent, minlength=n_sent).astype(float)
        safe = np.maximum(n_tok, 1)

        def mean(x):
            return np.bincount(sent, weights=x, minlength=n_sent) / safe

        def smax(x, empty=0.0):
            m = np.full(n_sent, -np.inf)
            np.maximum.at(m, sent, x)
            return np.where(np.isfinite(m), m, empty)

        def count(mask):
            return np.bincount(sent, weights=mask.astype(float), minlength=n_sent)

        def smin(x, empty=0.0):
            return -smax(-x, -empty)

        lp_tok = 0.5 * (ts.lp_left + ts.lp_right)
        pmi_tok = 0.5 * (ts.pmi_left + ts.pmi_right)
        unseen = ts.unseen_left.astype(float) + ts.unseen_right
        oov = (ts.ids == UNK).astype(float)
        has_cand = np.array([o != "" for o in ts.original], dtype=bool)
        # A centre trigram never seen although both of its pairs were.
        tri_unseen = ((ts.tri_center == 0) & ~ts.unseen_left & ~ts.unseen_right
                      & (ts.ids != UNK)).astype(float) if self.trigrams is not None else np.zeros(len(ts.ids))
        susp = ts.suspicion
        f = {
            "n_tokens_log": np.log1p(n_tok),
            "oov_share": mean(oov),
            "lp_mean": mean(lp_tok),
            "lp_min": smin(np.minimum(ts.lp_left, ts.lp_right)),
            "lp_p10": _group_quantile(sent, lp_tok, n_sent, 0.1),
            "pmi_mean": mean(pmi_tok),
            "pmi_min": smin(np.minimum(ts.pmi_left, ts.pmi_right)),
            "unseen_pair_share": mean(unseen) / 2,
            "unseen_pairs": np.bincount(sent, weights=unseen, minlength=n_sent) / 2,
            "isolated_share": mean((ts.unseen_left & ts.unseen_right).astype(float)),
            "rarity_max": smax(-ts.logfreq),
            "rarity_mean": mean(-ts.logfreq),
            "syn_delta_max": smax(susp),
            "syn_delta_top2": _group_top2(sent, susp, n_sent),
            "syn_delta_mean_pos": mean(np.maximum(susp, 0)),
            "syn_count_over_2": np.bincount(sent, weights=(susp > 2).astype(float), minlength=n_sent),
            "syn_count_over_4": np.bincount(sent, weights=(susp > 4).astype(float), minlength=n_sent),
            "syn_share_over_2": mean((susp > 2).astype(float)),
            "syn_pmi_max": smax(ts.suspicion_pmi),
            "syn_pmi_count_over_2": np.bincount(sent, weights=(ts.suspicion_pmi > 2).astype(float),
                                                minlength=n_sent),
            "candidates_share": mean(has_cand.astype(float)),
            "colloc_gain_max": smax(ts.colloc),
            "colloc_break_count": np.bincount(sent, weights=((ts.colloc > 3) & (susp > 0)).astype(float),
                                              minlength=n_sent),
            "phrase_delta_max": smax(np.where(ts.span > 1, susp, 0.0)),
            "nbr_delta_max": smax(ts.nbr_suspicion),
            "nbr_delta_top2": _group_top2(sent, ts.nbr_suspicion, n_sent),
            "nbr_count_over_2": count(ts.nbr_suspicion > 2),
            "nbr_count_over_4": count(ts.nbr_suspicion > 4),
            "nbr_pmi_max": smax(ts.nbr_pmi),
            "nbr_pmi_count_over_2": count(ts.nbr_pmi > 2),
            "nbr_colloc_max": smax(ts.nbr_colloc),
            "tri_unseen_share": mean(tri_unseen),
            "tri_unseen_count": count(tri_unseen > 0),
            "tri_gain_max": smax(ts.tri_gain_syn),
            "tri_gain_count_over_2": count(ts.tri_gain_syn > 2),
            "tri_nbr_gain_max": smax(ts.tri_gain_nbr),
            "tri_nbr_gain_count_over_2": count(ts.tri_gain_nbr > 2),
        }
        for j, name in enumerate(FEATURE_NAMES):
            out[:, j] = f[name]
        return out


def group_top_k_sum(group: np.ndarray, x: np.ndarray, n: int, k: int) -> np.ndarray:
    """Sum of the ``k`` largest values of ``x`` in each of ``n`` groups (0 for empty groups).

    Shared by sentence features (top-2 suspicion), token aggregation and the
    document features (top-3 sentence probabilities).
    """
    out = np.zeros(n)
    if len(x) == 0:
        return out
    order = np.lexsort((-x, group))
    g = group[order]
    first = np.r_[True, g[1:] != g[:-1]]
    rank = np.arange(len(g)) - np.maximum.accumulate(np.where(first, np.arange(len(g)), 0))
    keep = rank < k
    np.add.at(out, g[keep], x[order][keep])
    return out


def _group_top2(group: np.ndarray, x: np.ndarray, n: int) -> np.ndarray:
    """Sum of the two largest non-negative parts per group (0 for missing)."""
    return group_top_k_sum(group, np.maximum(x, 0), n, 2)


def _group_quantile(group: np.ndarray, x: np.ndarray, n: int, q: float) -> np.ndarray:
    """Lower ``q`` quantile per group (nearest rank; 0 for empty groups)."""
    out = np.zeros(n)
    if len(x) == 0:
        return out
    order = np.lexsort((x, group))
    g = group[order]
    starts = np.searchsorted(g, np.arange(n))
    ends = np.searchsorted(g, np.arange(n), side="right")
    sizes = ends - starts
    idx = starts + np.floor(q * np.maximum(sizes - 1, 0)).astype(np.int64)
    nonempty = sizes > 0
    out[nonempty] = x[order][idx[nonempty]]
    return out
