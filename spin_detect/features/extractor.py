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
3. *Does the word belong to the topic of its sentence?* The cosine of its
   topic vector with those of the other content words (:mod:`spin_detect.tables.topics`):
   a wider window than any n-gram, for swaps that read fluently to a bigram.
4. *What does a model of the whole sentence expect in the slot?* The cloze model
   (:mod:`spin_detect.tables.cloze`, a bidirectional LSTM) scores the word and its
   candidates from the whole sentence: how much better the best candidate fits
   (``lm_gap``), the word's share among the candidates (``lm_nll``) and how
   unexpected the word is among the most frequent words (``lm_surprise``).

Sentence features aggregate these (max, mean, counts over thresholds, shares).
Every number is a plain function of counts, so each one can be explained.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from functools import cached_property

import numpy as np

from spin_detect.features.candidates import _T_CAP, _T_ID, _T_SLEN, _T_SOFF, CandidateIndex
from spin_detect.features.groups import csr_gather, group_first_max
from spin_detect.features.sentence import FEATURE_GROUPS, FEATURE_NAMES, sentence_features
from spin_detect.features.tokens import TOKEN_FEATURES, TokenScores
from spin_detect.tables.cloze import ClozeModel
from spin_detect.tables.neighbours import Neighbours
from spin_detect.tables.reference import BOS, EOS, UNK, ReferenceStats
from spin_detect.tables.store import KeyLookup
from spin_detect.tables.thesaurus import Thesaurus
from spin_detect.tables.topics import TopicVectors
from spin_detect.tables.trigrams import Trigrams

__all__ = ["FEATURE_GROUPS", "FEATURE_NAMES", "TOKEN_FEATURES", "FeatureExtractor", "TokenScores"]

_WORDLIKE = frozenset("abcdefghijklmnopqrstuvwxyz")

#: Candidates in one call from which one-for-one replacements are scored by the compiled loops
#: (once loaded, they score every batch): below it numba's import costs more than it saves.
COMPILED_MIN_CANDIDATES = 20_000

#: The cloze model skips the slots of this many most frequent words: 100 for the feed-forward model (little
#: evidence; benchmarks/README.md, session 21), none for the LSTM, whose columns on them help (ABLATION.md,
#: thirty-eighth session). Manifests record it (absent: 0, every word).
CLOZE_FROM = 0


class FeatureExtractor:
    """Computes :data:`FEATURE_NAMES` for batches of tokenised sentences.

    ``max_candidates`` caps the synonyms tried per word (the most frequent in
    the reference are kept: originals are usually common words);
    ``max_neighbours`` caps distributional neighbours tried (when a neighbour
    table is given); ``use_thesaurus=False`` scores as if the thesaurus knew
    no word (training augmentation for spinners with unknown thesauri);
    ``max_phrase`` caps multiword spans; ``cloze_from``: see :data:`CLOZE_FROM`.
    Candidate lists are cached per word type, so repeated words cost one dictionary lookup.
    """

    def __init__(self, reference: ReferenceStats, thesaurus: Thesaurus, neighbours: Neighbours | None = None,
                 max_candidates: int = 12, max_neighbours: int = 10, max_phrase: int = 5,
                 trigrams: Trigrams | None = None, use_thesaurus: bool = True,
                 topics: TopicVectors | None = None, cloze: ClozeModel | None = None,
                 cloze_from: int = CLOZE_FROM):
        self.ref = reference
        self.topics = topics
        self.cloze = cloze
        self.cloze_from = max(0, int(cloze_from))
        self.th = thesaurus
        self.use_thesaurus = use_thesaurus
        self.neighbours = neighbours
        self.trigrams = trigrams
        self.max_candidates = max_candidates
        self.max_neighbours = max_neighbours
        self.max_phrase = max(1, min(max_phrase, thesaurus.max_words))
        self.candidates = CandidateIndex(reference, thesaurus, max_candidates, self.max_phrase, use_thesaurus)
        self._wordlike_id = np.full(len(reference), -1, dtype=np.int8)
        #: False: never use the compiled loops (set when numba is missing, or by tests for the reference path)
        self.compiled = True

    def table_mismatch(self, trained_with: dict[str, str | None]) -> str | None:
        """Why a model trained with the tables of SHA-256 ``trained_with`` cannot use this extractor, or None.

        Keys: ``reference``, ``thesaurus``, ``cloze`` ("" for none); None is not checked (saved before the format
        recorded that table). Features computed with other tables are other numbers: the model would score wrong.
        """
        have = {"reference": self.ref.sha256, "thesaurus": self.th.sha256,
                "cloze": self.cloze.sha256 if self.cloze is not None else ""}
        for key, want in trained_with.items():
            if want is not None and want != have[key]:
                name = "cloze model" if key == "cloze" else key
                return (f"this model was trained with the {name} {want[:12] or 'none'}, but the installed one is "
                        f"{have[key][:12] or 'none'} (a package update changed it); retrain the model on its "
                        "labelled data (spin-detect train), or score with the spin-detect it was trained with")
        return None

    @cached_property
    def _vocab_or_empty(self) -> np.ndarray:
        """The vocabulary as an object array with "" appended, so id -1 gives ""."""
        return np.array(self.ref.vocab + [""], dtype=object)

    # ------------------------------------------------------------ scoring
    def score_tokens(self, sentences: Sequence[Sequence[str]]) -> TokenScores:
        """Token-level context and synonym scores for tokenised sentences."""
        ref = self.ref
        lengths = np.fromiter(map(len, sentences), dtype=np.int64, count=len(sentences))
        types = self.candidates.token_types([t for s in sentences for t in s])
        info = self.candidates.tinfo[types]
        tok_ids = info[:, _T_ID]
        n = len(tok_ids)
        # Sentences framed by <s> and </s>, all in one array; pos: global position of each token.
        sent = np.repeat(np.arange(len(sentences)), lengths)
        pos = np.arange(n) + 2 * sent + 1
        X = np.empty(n + 2 * len(sentences), dtype=np.int64)
        X[pos] = tok_ids
        X[np.cumsum(lengths + 2) - lengths - 2] = BOS
        X[np.cumsum(lengths + 2) - 1] = EOS
        # Pairs (X[p], X[p+1]); the seam between sentences is never used.
        a, b = X[:-1], X[1:]
        first = np.zeros(n, dtype=bool)
        first[np.cumsum(np.r_[0, lengths[:-1]])[lengths > 0]] = True
        last = np.zeros(n, dtype=bool)
        last[(np.cumsum(lengths) - 1)[lengths > 0]] = True
        tri_lcr = None
        if n and self._use_compiled(len(X)):
            from spin_detect.features.compiled import base_scores

            cnt, lp, tri_lcr = base_scores(self, self._tri_log1p, X, pos, ~first, ~last)
        else:
            cnt = ref.pair_count(a, b)
            lp = ref.cond_logprob(a, b, cnt)
        pmi = lp - ref.logprob(b)
        unseen = (cnt == 0) & (a != UNK) & (b != UNK)
        if self.trigrams is not None and n:
            tri_l, tri_c, tri_r = self._tri_score(X, pos, tok_ids, ~first, ~last) if tri_lcr is None else tri_lcr
            tri_base = tri_l + tri_c + tri_r
        else:
            tri_l = tri_c = tri_r = np.zeros(n)
            tri_base = None
        tri_args = (~first, ~last, tri_base)
        # --- one word for one word, vectorised over all candidates of all tokens.
        n_cand = info[:, _T_SLEN]
        cand, _ = csr_gather(self.candidates.s_store, info[:, _T_SOFF], n_cand)
        suspicion, susp_pmi, colloc, best, tri_gain_syn = self._score_singles(cand, n_cand, X, lp, pmi, pos,
                                                                              *tri_args)
        vocab_or_empty = self._vocab_or_empty
        original = vocab_or_empty[best].tolist()
        span = np.ones(n, dtype=np.int64)
        if self.neighbours is not None:
            nbr, n_nbr = self.neighbours.of_many(tok_ids, self.max_neighbours)
            nbr_susp, nbr_pmi, nbr_colloc, nbr_best, tri_gain_nbr = self._score_singles(nbr, n_nbr, X, lp, pmi, pos,
                                                                                        *tri_args)
            nbr_original = vocab_or_empty[nbr_best].tolist()
        else:
            tri_gain_nbr = np.zeros(n)
            nbr_susp, nbr_pmi, nbr_colloc = np.zeros(n), np.zeros(n), np.zeros(n)
            nbr_original = [""] * n
            nbr, n_nbr = np.zeros(0, dtype=np.int64), np.zeros(n, dtype=np.int64)
        lm_gap, lm_nll, lm_surprise = self._cloze_scores(X, pos, lengths, sent, tok_ids,
                                                         np.r_[cand, nbr], np.r_[np.repeat(np.arange(n), n_cand),
                                                                                 np.repeat(np.arange(n), n_nbr)])
        # --- multiword spans and multiword synonyms.
        self._score_phrases(types, info, lengths, sent, X, lp, pos, suspicion, susp_pmi, colloc, span, original)
        tok_left = pos - 1
        return TokenScores(
            sent=sent, ids=tok_ids,
            lp_left=lp[tok_left], lp_right=lp[pos],
            pmi_left=pmi[tok_left], pmi_right=pmi[pos],
            unseen_left=unseen[tok_left], unseen_right=unseen[pos],
            syn_delta=suspicion, syn_pmi=susp_pmi, syn_colloc=colloc, span=span,
            original=original, nbr_delta=nbr_susp, nbr_pmi=nbr_pmi, nbr_colloc=nbr_colloc,
            nbr_original=nbr_original, logfreq=ref.logprob(tok_ids),
            lp_outer_left=np.where(first, 0.0, lp[np.maximum(pos - 2, 0)]),
            lp_outer_right=np.where(last, 0.0, lp[np.minimum(pos + 1, len(lp) - 1)]),
            capitalised=(info[:, _T_CAP] > 0) & ~first, first=first,
            n_candidates=n_cand,
            tri_left=tri_l, tri_center=tri_c, tri_right=tri_r, tri_gain_syn=tri_gain_syn,
            tri_gain_nbr=tri_gain_nbr,
            topic_fit=self.topics.fit(tok_ids, sent, len(sentences)) if self.topics is not None else np.full(n, np.nan),
            lm_gap=lm_gap, lm_nll=lm_nll, lm_surprise=lm_surprise,
        )

    def _cloze_scores(self, X: np.ndarray, pos: np.ndarray, lengths: np.ndarray, sent: np.ndarray,
                      tok_ids: np.ndarray, cand: np.ndarray, cand_tok: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``lm_gap``, ``lm_nll`` and ``lm_surprise`` of every token (:meth:`ClozeModel.token_scores`;
        ``cand[j]`` replaces token ``cand_tok[j]``); NaN without a cloze table and for the ``cloze_from``
        most frequent words (reference ids are frequency ranks from ``UNK + 1``)."""
        if self.cloze is None:
            return tuple(np.full(len(tok_ids), np.nan) for _ in range(3))  # type: ignore[return-value]
        keep = tok_ids[cand_tok] > UNK + self.cloze_from  # (UNK and below have no score anyway)
        cand, cand_tok = cand[keep], cand_tok[keep]
        bos = np.cumsum(lengths + 2) - lengths - 2
        return self.cloze.token_scores(X, pos, bos[sent], (bos + lengths + 1)[sent], tok_ids, cand, cand_tok)

    def _tri_score(self, X: np.ndarray, g: np.ndarray, word: np.ndarray, left_ok: np.ndarray, right_ok: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """log1p counts of the three trigrams that contain ``word`` placed at ``g``."""
        tri = self.trigrams
        assert tri is not None  # called only with a trigram table
        left = np.where(left_ok, np.log1p(tri.count(X[g - 2], X[g - 1], word)), 0.0)
        center = np.log1p(tri.count(X[g - 1], word, X[g + 1]))
        right = np.where(right_ok, np.log1p(tri.count(word, X[g + 1], X[np.minimum(g + 2, len(X) - 1)])), 0.0)
        return left, center, right

    def _score_singles(self, cand: np.ndarray, counts: np.ndarray, X: np.ndarray, lp: np.ndarray, pmi: np.ndarray,
                       pos: np.ndarray, left_ok: np.ndarray, right_ok: np.ndarray, tri_base: np.ndarray | None
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Score one-for-one replacements: ``cand`` holds the candidates of all
        tokens in order, ``counts[i]`` of them for token ``i``. Per token return
        the best ``delta`` (0 if none is positive), the highest ``delta_pmi``,
        collocation gain and trigram gain (0 floor) and the id of the best
        candidate (-1 if none improves the fit; the first of equal bests).

        Large batches use the compiled loops of :mod:`spin_detect.features.compiled`
        (see :meth:`_use_compiled`); the numpy code below is the reference, and
        the one a single article is scored with."""
        if self._use_compiled(len(cand)):
            from spin_detect.features.compiled import score_singles

            return score_singles(self, self._tri_log1p, cand, counts, X, lp, pmi, pos, left_ok, right_ok, tri_base)
        return self._score_singles_numpy(cand, counts, X, lp, pmi, pos, left_ok, right_ok, tri_base)

    def _use_compiled(self, n_cand: int) -> bool:
        """Whether to score ``n_cand`` candidates (or candidate words of phrases) with the compiled
        loops: numba is installed, the tables are the plain packaged kinds (whose formulas the loops
        repeat) with their hash indexes built (a long run builds them in its first batches), and the
        batch is large (:data:`COMPILED_MIN_CANDIDATES`) or the compiled module is already loaded."""
        if self.compiled is False:
            return False
        if n_cand < COMPILED_MIN_CANDIDATES and "spin_detect.features.compiled" not in sys.modules:
            return False
        ref, tri = self.ref, self.trigrams
        if not (type(ref).cond_logprob is ReferenceStats.cond_logprob and type(ref).pair_count is
                ReferenceStats.pair_count and type(ref).logprob is ReferenceStats.logprob
                and isinstance(ref._pairs, KeyLookup) and ref._pairs.index is not None):
            return False
        if tri is not None and not (type(tri).count is Trigrams.count and isinstance(tri._lookup, KeyLookup)
                                    and tri._lookup.index is not None):
            return False
        try:
            import spin_detect.features.compiled  # noqa: F401
        except ImportError:  # no numba
            self.compiled = False
            return False
        return True

    @cached_property
    def _tri_log1p(self) -> np.ndarray | None:
        """log1p of every trigram count value, for the compiled loops (None without trigrams)."""
        if self.trigrams is None:
            return None
        from spin_detect.features.compiled import log1p_of_counts

        return log1p_of_counts(self.trigrams._counts_or_zero)

    def _score_singles_numpy(self, cand: np.ndarray, counts: np.ndarray, X: np.ndarray, lp: np.ndarray,
                             pmi: np.ndarray, pos: np.ndarray, left_ok: np.ndarray, right_ok: np.ndarray,
                             tri_base: np.ndarray | None
                             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`_score_singles` in numpy alone."""
        ref = self.ref
        n = len(pos)
        best_delta, best_pmi, best_gain, tri_gain = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
        best_id = np.full(n, -1, dtype=np.int64)
        if not len(cand):
            return best_delta, best_pmi, best_gain, best_id, tri_gain
        rep_tok = np.repeat(np.arange(n), counts)
        g = pos[rep_tok]
        left, right = X[g - 1], X[g + 1]
        lp_l = ref.cond_logprob(left, cand)
        lp_r = ref.cond_logprob(cand, right)
        delta = lp_l + lp_r - lp[g - 1] - lp[g]
        uni_c = ref.logprob(cand)
        delta_pmi = delta - (uni_c - ref.logprob(X[g]))
        gain = np.maximum(lp_l - uni_c, lp_r - ref.logprob(right)) - np.maximum(pmi[g - 1], pmi[g])
        toks = np.flatnonzero(counts)
        starts = (np.cumsum(counts) - counts)[toks]
        best_pmi[toks] = np.maximum(best_pmi[toks], np.maximum.reduceat(delta_pmi, starts))
        best_gain[toks] = np.maximum(best_gain[toks], np.maximum.reduceat(gain, starts))
        if self.trigrams is not None and tri_base is not None:
            l3, c3, r3 = self._tri_score(X, g, cand, left_ok[rep_tok], right_ok[rep_tok])
            tri_gain[toks] = np.maximum(tri_gain[toks], np.maximum.reduceat(l3 + c3 + r3 - tri_base[rep_tok], starts))
        top = group_first_max(rep_tok, delta, starts)
        better = delta[top] > 0
        best_delta[toks[better]] = delta[top][better]
        best_id[toks[better]] = cand[top][better]
        return best_delta, best_pmi, best_gain, best_id, tri_gain

    def _score_phrases(self, types: np.ndarray, info: np.ndarray, lengths: np.ndarray, sent: np.ndarray,
                       X: np.ndarray, lp: np.ndarray, pos: np.ndarray, suspicion: np.ndarray, susp_pmi: np.ndarray,
                       colloc: np.ndarray, span: np.ndarray, original: list[str]) -> None:
        """Replacements that change the number of tokens: multiword spans ("end up")
        and single words with multiword synonyms ("year" -> "twelvemonth", "12 months")."""
        r_tok, r_len, c_len, cand_flat = self.candidates.phrase_replacements(types, info, lengths, sent)
        if not len(r_tok):
            return
        if self._use_compiled(len(cand_flat)):
            from spin_detect.features.compiled import score_phrases

            toks, reps, deltas = score_phrases(self, r_tok, r_len, c_len, cand_flat, X, lp, pos, suspicion, susp_pmi,
                                               colloc)
        else:
            toks, reps, deltas = self._score_phrases_numpy(r_tok, r_len, c_len, cand_flat, X, lp, pos, suspicion,
                                                           susp_pmi, colloc)
        vocab = self.ref.vocab
        c_start = np.cumsum(c_len) - c_len
        for t, r, d in zip(toks.tolist(), reps.tolist(), deltas.tolist()):
            suspicion[t] = d
            span[t] = r_len[r]
            original[t] = " ".join(vocab[i] for i in cand_flat[c_start[r] : c_start[r] + c_len[r]].tolist())

    def _score_phrases_numpy(self, r_tok: np.ndarray, r_len: np.ndarray, c_len: np.ndarray, cand_flat: np.ndarray,
                             X: np.ndarray, lp: np.ndarray, pos: np.ndarray, suspicion: np.ndarray,
                             susp_pmi: np.ndarray, colloc: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`_score_phrases` in numpy alone (the reference): updates ``susp_pmi`` and ``colloc``
        and returns the tokens whose best replacement beats their ``suspicion``, that replacement
        and its delta."""
        ref = self.ref
        n_reps = len(r_tok)
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
        seg = np.repeat(np.arange(n_reps), ch_len)
        not_last = np.ones(len(chain), dtype=bool)
        not_last[ch_start + ch_len - 1] = False
        pa, pb, pseg = chain[:-1][not_last[:-1]], chain[1:][not_last[:-1]], seg[:-1][not_last[:-1]]
        lps = ref.cond_logprob(pa, pb)
        pmis = lps - ref.logprob(pb)
        new_lp = np.bincount(pseg, weights=lps, minlength=n_reps)
        new_pmi = np.full(n_reps, -np.inf)
        np.maximum.at(new_pmi, pseg, pmis)
        # Old chain: pairs g-1 .. g+k-1 of the sentence (k+1 pairs), and the unigrams of the k tokens
        # replaced, summed over each span alone, left to right. (Differences of one cumulative sum
        # over the whole batch gave the same numbers but for the last bits, which then depended on
        # where the sentence stood in the batch: a score must be a function of the text alone.)
        uni = ref.logprob(X)
        pair_pmi = lp - uni[1:]
        old_lp = np.zeros(n_reps)
        old_uni = np.zeros(n_reps)
        old_pmi = np.full(n_reps, -np.inf)
        for j in range(int(r_len.max()) + 1):
            ok = j <= r_len
            at = (g - 1 + j)[ok]
            old_lp[ok] += lp[at]
            old_pmi[ok] = np.maximum(old_pmi[ok], pair_pmi[at])
            inner = j < r_len
            old_uni[inner] += uni[(g + j)[inner]]
        cand_uni = np.bincount(np.repeat(np.arange(n_reps), c_len), weights=ref.logprob(cand_flat),
                               minlength=n_reps)
        prior = cand_uni - old_uni
        delta = new_lp - old_lp
        # Spread each replacement over the tokens it covers.
        cover_rep = np.repeat(np.arange(n_reps), r_len)
        cover_tok = r_tok[cover_rep] + (np.arange(len(cover_rep)) - np.repeat(np.r_[0, np.cumsum(r_len)[:-1]], r_len))
        np.maximum.at(susp_pmi, cover_tok, (delta - prior)[cover_rep])
        np.maximum.at(colloc, cover_tok, (new_pmi - old_pmi)[cover_rep])
        order = np.lexsort((-delta[cover_rep], cover_tok))
        first = np.r_[True, cover_tok[order][1:] != cover_tok[order][:-1]]
        best = order[first]
        toks, reps_best = cover_tok[best], cover_rep[best]
        better = delta[reps_best] > suspicion[toks]
        return toks[better], reps_best[better], delta[reps_best[better]]

    def token_matrix(self, ts: TokenScores) -> np.ndarray:
        """Per-token feature matrix, columns :data:`TOKEN_FEATURES`."""
        wordlike = self._wordlike(ts.ids).astype(float)
        cols = {
            "lp_left": ts.lp_left, "lp_right": ts.lp_right, "pmi_left": ts.pmi_left,
            "pmi_right": ts.pmi_right, "unseen_left": ts.unseen_left, "unseen_right": ts.unseen_right,
            "lp_outer_left": ts.lp_outer_left, "lp_outer_right": ts.lp_outer_right, "logfreq": ts.logfreq,
            "oov": ts.ids == UNK, "capitalised": ts.capitalised, "first": ts.first, "wordlike": wordlike,
            "syn_delta": ts.syn_delta, "syn_pmi": ts.syn_pmi, "syn_colloc": ts.syn_colloc,
            "phrase": ts.span > 1, "n_candidates": ts.n_candidates, "nbr_delta": ts.nbr_delta,
            "nbr_pmi": ts.nbr_pmi, "nbr_colloc": ts.nbr_colloc,
            "tri_left": ts.tri_left, "tri_center": ts.tri_center, "tri_right": ts.tri_right,
            "tri_gain_syn": ts.tri_gain_syn, "tri_gain_nbr": ts.tri_gain_nbr, "topic_fit": ts.topic_fit,
            "lm_gap": ts.lm_gap, "lm_nll": ts.lm_nll, "lm_surprise": ts.lm_surprise,
        }
        return np.column_stack([np.asarray(cols[f], dtype=float) for f in TOKEN_FEATURES]) if len(ts.ids) else \
            np.zeros((0, len(TOKEN_FEATURES)))

    def _wordlike(self, ids: np.ndarray) -> np.ndarray:
        """Whether each word id has a letter a-z (never for ``<s>``, ``</s>``, ``<unk>``); cached per id."""
        known = self._wordlike_id
        vocab = self.ref.vocab
        for i in np.unique(ids[known[ids] < 0]).tolist():
            known[i] = i > 2 and bool(set(vocab[i]) & _WORDLIKE)
        return known[ids] > 0

    def transform(self, sentences: Sequence[Sequence[str]]) -> np.ndarray:
        """Feature matrix (one row per sentence, columns :data:`FEATURE_NAMES`)."""
        return self.features(self.score_tokens(sentences), len(sentences))

    def features(self, ts: TokenScores, n_sent: int) -> np.ndarray:
        """Aggregate token scores into the sentence feature matrix (see :mod:`~spin_detect.features.sentence`)."""
        return sentence_features(ts, n_sent, self.trigrams is not None)
