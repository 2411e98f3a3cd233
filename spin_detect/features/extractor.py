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

Sentence features aggregate these (max, mean, counts over thresholds, shares).
Every number is a plain function of counts, so each one can be explained.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from spin_detect.tables.neighbours import Neighbours
from spin_detect.tables.reference import BOS, EOS, UNK, ReferenceStats
from spin_detect.tables.thesaurus import Thesaurus
from spin_detect.tables.topics import TopicVectors
from spin_detect.tables.trigrams import Trigrams
from spin_detect.text.segment import norm

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
    # wider context: words off the topic of the rest of the sentence (spin_detect.tables.topics)
    "topic": ("topic_fit_min", "topic_fit_mean", "topic_low_count"),
}
FEATURE_NAMES: tuple[str, ...] = tuple(f for g in FEATURE_GROUPS.values() for f in g)

#: Per-token features, for the token-level model that points at substituted words.
TOKEN_FEATURES: tuple[str, ...] = (
    "lp_left", "lp_right", "pmi_left", "pmi_right", "unseen_left", "unseen_right", "lp_outer_left",
    "lp_outer_right", "logfreq", "oov", "capitalised", "first", "wordlike", "syn_delta", "syn_pmi",
    "syn_colloc", "phrase", "n_candidates", "nbr_delta", "nbr_pmi", "nbr_colloc",
    "tri_left", "tri_center", "tri_right", "tri_gain_syn", "tri_gain_nbr", "topic_fit",
)
#: A word whose topic fit is under this is counted as off-topic (``topic_low_count``);
#: cosines of content words with their sentence average about 0.45 in original text.
TOPIC_LOW = 0.15

_WORDLIKE = frozenset("abcdefghijklmnopqrstuvwxyz")
#: Columns of ``FeatureExtractor._tinfo`` (one row per token type).
_T_ID, _T_CAP, _T_HEAD, _T_SOFF, _T_SLEN, _T_MOFF, _T_MCNT = range(7)
_T_COLS = 7
#: The token-type cache is emptied when it holds more types than this.
_MAX_TYPES = 500_000


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
    topic_fit: np.ndarray


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
                 trigrams: Trigrams | None = None, use_thesaurus: bool = True,
                 topics: TopicVectors | None = None):
        self.ref = reference
        self.topics = topics
        self.th = thesaurus
        self.use_thesaurus = use_thesaurus
        self.neighbours = neighbours
        self.trigrams = trigrams
        self.max_candidates = max_candidates
        self.max_neighbours = max_neighbours
        self.max_phrase = max(1, min(max_phrase, thesaurus.max_words))
        self._single: dict[int, np.ndarray] = {}
        self._oov: dict[str, np.ndarray] = {}
        self._multi: dict[str, list[tuple[int, ...]]] = {}
        self._phrase_lengths: dict[str, int] = {}
        self._wordlike_id = np.full(len(reference), -1, dtype=np.int8)
        self._reset_types()

    # ------------------------------------------------------------ candidates
    def _phrase_length(self, word: str) -> int:
        """Words in the longest multiword headword (of at most ``max_phrase`` words)
        that starts with ``word``; 0 if none."""
        got = self._phrase_lengths.get(word)
        if got is None:
            got = 0
            if self.use_thesaurus:
                lengths = [n for n in (len(h.split(" ")) for h in self.th.phrases_from(word)) if n <= self.max_phrase]
                got = max(lengths, default=0)
            if len(self._phrase_lengths) > _MAX_TYPES:  # bounded memory; values do not depend on the cache
                self._phrase_lengths.clear()
            self._phrase_lengths[word] = got
        return got

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
            if not (set(word) & _WORDLIKE):
                return np.empty(0, dtype=np.int64)
            if len(self._oov) > 100_000:  # bounded memory; the value does not depend on the cache
                self._oov.clear()
            got = np.array([c[0] for c in self._candidate_phrases(word) if len(c) == 1], dtype=np.int64)
            self._oov[word] = got
        return got

    def _multi_candidates(self, phrase: str) -> list[tuple[int, ...]]:
        got = self._multi.get(phrase)
        if got is None:
            got = self._multi[phrase] = self._candidate_phrases(phrase)
        return got

    # ------------------------------------------------------------ token types
    def _reset_types(self) -> None:
        """Empty the cache of token types (distinct raw token strings).

        Each type gets a row of :attr:`_tinfo` (columns ``_T_*``): its word id,
        whether it is capitalised, the longest multiword headword it starts, and
        where its one-word synonym candidates (in ``_s_store``) and its multiword
        synonym candidates (rows of ``_m_len``/``_m_off``, ids in ``_m_ids``) are.
        """
        self._types: dict[str, int] = {}
        #: multiword replacements per tuple of token types (see ``_span_candidates``)
        self._spans: dict[tuple[int, ...], tuple] = {}
        self._type_word: list[str] = []
        self._tinfo = np.zeros((0, _T_COLS), dtype=np.int64)
        self._s_store = np.zeros(0, dtype=np.int64)
        self._m_len = np.zeros(0, dtype=np.int64)
        self._m_off = np.zeros(0, dtype=np.int64)
        self._m_ids = np.zeros(0, dtype=np.int64)

    def _token_types(self, tokens: list[str]) -> np.ndarray:
        """Type number of every raw token, adding unseen types to the cache."""
        types = self._types
        try:
            return np.fromiter(map(types.__getitem__, tokens), dtype=np.int64, count=len(tokens))
        except KeyError:
            pass
        if len(types) > _MAX_TYPES:
            self._reset_types()
        self._add_types([t for t in dict.fromkeys(tokens) if t not in types])
        return np.fromiter(map(types.__getitem__, tokens), dtype=np.int64, count=len(tokens))

    def _add_types(self, new: list[str]) -> None:
        index = self.ref._index
        rows = []
        singles: list[np.ndarray] = []
        m_len: list[int] = []
        m_ids: list[int] = []
        s_total = len(self._s_store)
        m_total = len(self._m_len)
        for t in new:
            w = norm(t)
            i = index.get(w, UNK)
            single = self._single_candidates(i) if i != UNK else self._oov_candidates(w)
            multi = [c for c in self._multi_candidates(w) if len(c) > 1] \
                if w and w[0] in _WORDLIKE and len(w) > 1 else []
            rows.append((i, t[:1].isupper(), self._phrase_length(w), s_total, len(single), m_total + len(m_len),
                         len(multi)))
            singles.append(single)
            s_total += len(single)
            for c in multi:
                m_len.append(len(c))
                m_ids.extend(c)
            self._types[t] = len(self._type_word)
            self._type_word.append(w)
        self._tinfo = np.vstack([self._tinfo, np.array(rows, dtype=np.int64).reshape(-1, _T_COLS)])
        self._s_store = np.concatenate([self._s_store, *singles])
        m_len_arr = np.array(m_len, dtype=np.int64)
        self._m_off = np.concatenate([self._m_off, len(self._m_ids) + np.cumsum(m_len_arr) - m_len_arr])
        self._m_len = np.concatenate([self._m_len, m_len_arr])
        self._m_ids = np.concatenate([self._m_ids, np.array(m_ids, dtype=np.int64)])

    @cached_property
    def _vocab_or_empty(self) -> np.ndarray:
        """The vocabulary as an object array with "" appended, so id -1 gives ""."""
        return np.array(self.ref.vocab + [""], dtype=object)

    # ------------------------------------------------------------ scoring
    def score_tokens(self, sentences: Sequence[Sequence[str]]) -> TokenScores:
        """Token-level context and synonym scores for tokenised sentences."""
        ref = self.ref
        lengths = np.fromiter(map(len, sentences), dtype=np.int64, count=len(sentences))
        types = self._token_types([t for s in sentences for t in s])
        info = self._tinfo[types]
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
        cnt = ref.pair_count(a, b)
        lp = ref.cond_logprob(a, b, cnt)
        pmi = lp - ref.logprob(b)
        unseen = (cnt == 0) & (a != UNK) & (b != UNK)
        first = np.zeros(n, dtype=bool)
        first[np.cumsum(np.r_[0, lengths[:-1]])[lengths > 0]] = True
        last = np.zeros(n, dtype=bool)
        last[(np.cumsum(lengths) - 1)[lengths > 0]] = True
        if self.trigrams is not None and n:
            tri_l, tri_c, tri_r = self._tri_score(X, pos, tok_ids, ~first, ~last)
            tri_base = tri_l + tri_c + tri_r
        else:
            tri_l = tri_c = tri_r = np.zeros(n)
            tri_base = None
        tri_args = (~first, ~last, tri_base)
        # --- one word for one word, vectorised over all candidates of all tokens.
        n_cand = info[:, _T_SLEN]
        cand, _ = csr_gather(self._s_store, info[:, _T_SOFF], n_cand)
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
        # --- multiword spans and multiword synonyms.
        self._score_phrases(types, info, lengths, sent, X, lp, pos, suspicion, susp_pmi, colloc, span, original)
        tok_left = pos - 1
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
            capitalised=(info[:, _T_CAP] > 0) & ~first, first=first,
            n_candidates=n_cand,
            tri_left=tri_l, tri_center=tri_c, tri_right=tri_r, tri_gain_syn=tri_gain_syn,
            tri_gain_nbr=tri_gain_nbr,
            topic_fit=self.topics.fit(tok_ids, sent, len(sentences)) if self.topics is not None else np.full(n, np.nan),
        )

    def _tri_score(self, X, g, word, left_ok, right_ok):
        """log1p counts of the three trigrams that contain ``word`` placed at ``g``."""
        tri = self.trigrams
        left = np.where(left_ok, np.log1p(tri.count(X[g - 2], X[g - 1], word)), 0.0)
        center = np.log1p(tri.count(X[g - 1], word, X[g + 1]))
        right = np.where(right_ok, np.log1p(tri.count(word, X[g + 1], X[np.minimum(g + 2, len(X) - 1)])), 0.0)
        return left, center, right

    def _score_singles(self, cand, counts, X, lp, pmi, pos, left_ok=None, right_ok=None, tri_base=None):
        """Score one-for-one replacements: ``cand`` holds the candidates of all
        tokens in order, ``counts[i]`` of them for token ``i``. Per token return
        the best ``delta`` (0 if none is positive), the highest ``delta_pmi``,
        collocation gain and trigram gain (0 floor) and the id of the best
        candidate (-1 if none improves the fit; the first of equal bests)."""
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

    def _phrase_replacements(self, types, info, lengths, sent):
        """All replacements that change the number of tokens, ordered by first
        token and, for one token, longest span first, then single words with
        multiword synonyms; candidates in their list order.

        Returns ``(first token, tokens replaced, candidate lengths, candidate
        ids concatenated)``.
        """
        n = len(types)
        # Spans of 2+ tokens that are thesaurus headwords (few tokens start one): per span.
        room = np.minimum(info[:, _T_HEAD], lengths[sent] - (np.arange(n) - (np.cumsum(lengths) - lengths)[sent]))
        type_list = types.tolist()
        room_list = room.tolist()
        spans = self._spans
        a_tok, a_len, a_clen, a_ids = [], [], [], []
        for t in np.flatnonzero(room >= 2).tolist():
            key = tuple(type_list[t : t + room_list[t]])
            got = spans.get(key)
            if got is None:
                got = self._span_candidates(key)
            if got:
                lens, clens, ids = got
                a_tok.extend([t] * len(lens))
                a_len.extend(lens)
                a_clen.extend(clens)
                a_ids.extend(ids)
        return self._with_multiword_synonyms(info, a_tok, a_len, a_clen, a_ids)

    def _with_multiword_synonyms(self, info, a_tok, a_len, a_clen, a_ids):
        """Add the replacements of single words by several words to the span replacements
        ``a_*`` and order them all by first token (see :meth:`_phrase_replacements`)."""
        # One word -> several words ("year" -> "12 months"): cached per type, gathered in one go.
        b_cand, b_tok = csr_gather(np.arange(len(self._m_len)), info[:, _T_MOFF], info[:, _T_MCNT])
        b_clen = self._m_len[b_cand]
        b_ids, _ = csr_gather(self._m_ids, self._m_off[b_cand], b_clen)
        r_tok = np.concatenate([np.array(a_tok, dtype=np.int64), b_tok])
        r_len = np.concatenate([np.array(a_len, dtype=np.int64), np.ones(len(b_tok), dtype=np.int64)])
        c_len = np.concatenate([np.array(a_clen, dtype=np.int64), b_clen])
        ids = np.concatenate([np.array(a_ids, dtype=np.int64), b_ids])
        order = np.argsort(r_tok, kind="stable")
        cand_flat, _ = csr_gather(ids, (np.cumsum(c_len) - c_len)[order], c_len[order])
        return r_tok[order], r_len[order], c_len[order], cand_flat

    def _span_candidates(self, key: tuple[int, ...]) -> tuple:
        """Multiword replacements of the spans that start with the token types ``key``
        (longest span first, candidates in list order) as ``(span lengths, candidate
        lengths, candidate ids concatenated)``, or ``()`` if there are none;
        cached per tuple of types (emptied with the type cache)."""
        tw = self._type_word
        words = [tw[x] for x in key]
        lens, clens, ids = [], [], []
        for k in range(len(words), 1, -1):
            for c in self._multi_candidates(" ".join(words[:k])):
                lens.append(k)
                clens.append(len(c))
                ids.extend(c)
        got = (tuple(lens), tuple(clens), tuple(ids)) if lens else ()
        if len(self._spans) > _MAX_TYPES:  # bounded memory; the value does not depend on the cache
            self._spans.clear()
        self._spans[key] = got
        return got

    def _score_phrases(self, types, info, lengths, sent, X, lp, pos, suspicion, susp_pmi, colloc, span,
                       original) -> None:
        """Replacements that change the number of tokens: multiword spans ("end up")
        and single words with multiword synonyms ("year" -> "twelvemonth", "12 months")."""
        ref = self.ref
        r_tok, r_len, c_len, cand_flat = self._phrase_replacements(types, info, lengths, sent)
        n_reps = len(r_tok)
        if not n_reps:
            return
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
        # Old chain: pairs g-1 .. g+k-1 of the sentence (k+1 pairs), via cumulative sums.
        cs = np.r_[0.0, np.cumsum(lp)]
        old_lp = cs[g + r_len] - cs[g - 1]
        uni = ref.logprob(X)
        cu = np.r_[0.0, np.cumsum(uni)]
        cand_uni = np.bincount(np.repeat(np.arange(n_reps), c_len), weights=ref.logprob(cand_flat),
                               minlength=n_reps)
        prior = cand_uni - (cu[g + r_len] - cu[g])
        pair_pmi = lp - uni[1:]
        old_pmi = np.full(n_reps, -np.inf)
        for j in range(int(r_len.max()) + 1):
            ok = j <= r_len
            old_pmi[ok] = np.maximum(old_pmi[ok], pair_pmi[(g - 1 + j)[ok]])
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
        vocab = ref.vocab
        c_start = np.cumsum(c_len) - c_len
        for t, r in zip(toks[better].tolist(), reps_best[better].tolist()):
            suspicion[t] = delta[r]
            span[t] = r_len[r]
            original[t] = " ".join(vocab[i] for i in cand_flat[c_start[r] : c_start[r] + c_len[r]].tolist())

    def token_matrix(self, ts: TokenScores) -> np.ndarray:
        """Per-token feature matrix, columns :data:`TOKEN_FEATURES`."""
        wordlike = self._wordlike(ts.ids).astype(float)
        cols = {
            "lp_left": ts.lp_left, "lp_right": ts.lp_right, "pmi_left": ts.pmi_left,
            "pmi_right": ts.pmi_right, "unseen_left": ts.unseen_left, "unseen_right": ts.unseen_right,
            "lp_outer_left": ts.lp_outer_left, "lp_outer_right": ts.lp_outer_right, "logfreq": ts.logfreq,
            "oov": ts.ids == UNK, "capitalised": ts.capitalised, "first": ts.first, "wordlike": wordlike,
            "syn_delta": ts.suspicion, "syn_pmi": ts.suspicion_pmi, "syn_colloc": ts.colloc,
            "phrase": ts.span > 1, "n_candidates": ts.n_candidates, "nbr_delta": ts.nbr_suspicion,
            "nbr_pmi": ts.nbr_pmi, "nbr_colloc": ts.nbr_colloc,
            "tri_left": ts.tri_left, "tri_center": ts.tri_center, "tri_right": ts.tri_right,
            "tri_gain_syn": ts.tri_gain_syn, "tri_gain_nbr": ts.tri_gain_nbr, "topic_fit": ts.topic_fit,
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
        has_cand = np.array(ts.original, dtype=object) != "" if len(ts.original) else np.zeros(0, dtype=bool)
        # A centre trigram never seen although both of its pairs were.
        tri_unseen = ((ts.tri_center == 0) & ~ts.unseen_left & ~ts.unseen_right
                      & (ts.ids != UNK)).astype(float) if self.trigrams is not None else np.zeros(len(ts.ids))
        susp = ts.suspicion
        topic = ts.topic_fit
        has_topic = ~np.isnan(topic)
        topic0 = np.where(has_topic, topic, 0.0)
        n_topic = np.bincount(sent, weights=has_topic.astype(float), minlength=n_sent)
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
            # sentences with fewer than two content words with vectors get neutral values
            "topic_fit_min": smin(np.where(has_topic, topic, np.inf), 1.0),
            "topic_fit_mean": np.where(n_topic > 0, np.bincount(sent, weights=topic0, minlength=n_sent)
                                       / np.maximum(n_topic, 1), 1.0),
            "topic_low_count": count(has_topic & (topic0 < TOPIC_LOW)),
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
    if k <= 3 and len(x) > 1 and np.all(group[1:] >= group[:-1]) and not np.isnan(x).any():
        return _sorted_group_top_k_sum(group, np.asarray(x, dtype=float), out, k)
    order = np.lexsort((-x, group))
    g = group[order]
    first = np.r_[True, g[1:] != g[:-1]]
    rank = np.arange(len(g)) - np.maximum.accumulate(np.where(first, np.arange(len(g)), 0))
    keep = rank < k
    np.add.at(out, g[keep], x[order][keep])
    return out


def _sorted_group_top_k_sum(group: np.ndarray, x: np.ndarray, out: np.ndarray, k: int) -> np.ndarray:
    """:func:`group_top_k_sum` for ``group`` sorted and ``x`` without NaN, with no sort:
    the largest value of each group, then the largest of the rest, and so on,
    added to ``out`` in that (descending) order, as the sorted version adds them."""
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    size = np.diff(np.r_[starts, len(x)])
    g = group[starts]
    rest = x.copy()
    for r in range(k):
        ok = size > r
        if not ok.any():
            break
        top = group_first_max(group, rest, starts)
        out[g[ok]] += rest[top][ok]
        if r + 1 < k:
            rest[top] = -np.inf
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


def csr_gather(store: np.ndarray, offsets: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate ``store[offsets[i] : offsets[i] + counts[i]]`` for all ``i``, in order;
    also return the ``i`` each element came from."""
    counts = np.asarray(counts, dtype=np.int64)
    owner = np.repeat(np.arange(len(counts)), counts)
    shift = np.asarray(offsets, dtype=np.int64) - (np.cumsum(counts) - counts)
    return store[np.arange(len(owner)) + shift[owner]], owner


def group_first_max(group: np.ndarray, x: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Index of the first largest ``x`` in each run of equal ``group`` values.

    ``group`` is sorted and ``starts`` says where each run begins. Same result
    as taking the first element of each run after a stable sort by
    ``(group, -x)``; ``x`` must not hold NaN.
    """
    top = np.maximum.reduceat(x, starts)
    at_top = np.flatnonzero(x == np.repeat(top, np.diff(np.r_[starts, len(x)])))
    return at_top[np.r_[True, group[at_top][1:] != group[at_top][:-1]]]
