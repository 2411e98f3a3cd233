"""Replacement candidates of every token: thesaurus synonyms and multiword phrases, cached per token type.

The extractor asks, for each token, which words or phrases a spinner could have
replaced (the candidates whose fit it then scores). Lookups go through caches
keyed by the token's raw string (its *type*), so a repeated word costs one
dictionary lookup; the caches are bounded and never change a value.
"""

from __future__ import annotations

import numpy as np

from spin_detect.features.groups import csr_gather
from spin_detect.tables.reference import UNK, ReferenceStats
from spin_detect.tables.thesaurus import Thesaurus
from spin_detect.text.segment import norm

__all__ = ["CandidateIndex"]

_WORDLIKE = frozenset("abcdefghijklmnopqrstuvwxyz")
#: Columns of ``FeatureExtractor._tinfo`` (one row per token type).
_T_ID, _T_CAP, _T_HEAD, _T_SOFF, _T_SLEN, _T_MOFF, _T_MCNT = range(7)
_T_COLS = 7
#: The token-type cache is emptied when it holds more types than this.
_MAX_TYPES = 200_000
#: The caches of phrases (word strings and spans of token types, most of them no thesaurus headword)
#: are emptied when they hold more than this: without a bound they grew with every new text (2.3
#: million phrases, about 1 GB of a worker, after 14,000 real articles).
_MAX_PHRASES = 200_000
#: The answer of ``_heads`` for a word that starts no multiword headword (most words): one shared value.
_NO_HEADS: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())


class CandidateIndex:
    """Synonym candidates (one word and multiword) of token types, and the
    replacements of multiword spans, for :class:`~spin_detect.features.FeatureExtractor`.

    ``max_candidates`` caps the synonyms kept per word (the most frequent in the
    reference: originals are usually common words), ``max_phrase`` the words of
    a multiword span; ``use_thesaurus=False`` knows no synonym at all.
    """

    def __init__(self, reference: ReferenceStats, thesaurus: Thesaurus, max_candidates: int, max_phrase: int,
                 use_thesaurus: bool = True):
        self.ref = reference
        self.th = thesaurus
        self.max_candidates = max_candidates
        self.max_phrase = max_phrase
        self.use_thesaurus = use_thesaurus
        self._single: dict[int, np.ndarray] = {}
        self._oov: dict[str, np.ndarray] = {}
        self._multi: dict[str, list[tuple[int, ...]]] = {}
        self._string_words: dict[int, tuple[tuple[int, ...], int | None]] = {}
        self._heads_from: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        self.reset_types()

    def phrase_length(self, word: str) -> int:
        """Words in the longest multiword headword (of at most ``max_phrase`` words)
        that starts with ``word``; 0 if none (from the headwords :meth:`multiword_heads` caches)."""
        lengths = (h.count(" ") + 1 for h in self.multiword_heads(word))
        return max((n for n in lengths if n <= self.max_phrase), default=0)

    def candidate_phrases(self, phrase: str) -> list[tuple[int, ...]]:
        """Synonyms of ``phrase`` as id tuples, all words known, most frequent first."""
        if not self.use_thesaurus:
            return []
        seen = set()
        cands = []
        keys = []
        string_words = self._string_words
        for sid in self.th.synonym_ids(phrase):
            got = string_words.get(sid)
            if got is None:
                got = self._words_of_string(sid)
            ids, key = got
            if key is None or ids in seen:
                continue
            seen.add(ids)
            cands.append(ids)
            keys.append(key)
        order = sorted(range(len(cands)), key=keys.__getitem__)  # stable, as sorting the candidates by key
        return [cands[i] for i in order[: self.max_candidates]]

    def _words_of_string(self, sid: int) -> tuple[tuple[int, ...], int | None]:
        """Word ids of the thesaurus string ``sid`` and its sort key (minus its rarest word's count), or
        ``None`` as the key when it is no candidate (an unknown word, or too many words); cached."""
        ref = self.ref
        ids = tuple(ref.word_id(w) for w in self.th.strings[sid].split(" "))
        key = None if UNK in ids or len(ids) > self.max_phrase + 1 else -min(int(ref.unigram[i]) for i in ids)
        if len(self._string_words) > _MAX_TYPES:  # bounded memory; the value does not depend on the cache
            self._string_words.clear()
        got = self._string_words[sid] = (ids, key)
        return got

    def single(self, word_id: int) -> np.ndarray:
        got = self._single.get(word_id)
        if got is None:
            word = self.ref.vocab[word_id]
            if word_id < 3 or not (set(word) & _WORDLIKE):
                got = np.empty(0, dtype=np.int64)
            else:
                got = np.array([c[0] for c in self.multi(word) if len(c) == 1], dtype=np.int64)
            self._single[word_id] = got
        return got

    def oov(self, word: str) -> np.ndarray:
        """Synonyms of a word the reference does not know (rare spinner choices
        such as "twelvemonth" are often unknown; their originals are not)."""
        got = self._oov.get(word)
        if got is None:
            if not (set(word) & _WORDLIKE):
                return np.empty(0, dtype=np.int64)
            if len(self._oov) > 100_000:  # bounded memory; the value does not depend on the cache
                self._oov.clear()
            got = np.array([c[0] for c in self.multi(word) if len(c) == 1], dtype=np.int64)
            self._oov[word] = got
        return got

    def multiword_heads(self, first: str) -> frozenset[str]:
        """Headwords of two or more words whose first word is ``first`` (in any case), cached per word."""
        return self._heads(first)[0]

    def multiword_starts(self, first: str) -> frozenset[str]:
        """The first two words (``"word word"``) of the headwords of :meth:`multiword_heads`."""
        return self._heads(first)[1]

    def _heads(self, first: str) -> tuple[frozenset[str], frozenset[str]]:
        got = self._heads_from.get(first)
        if got is None:
            heads = self.th.phrases_from(first) if self.use_thesaurus else []
            got = (frozenset(heads), frozenset(" ".join(h.split(" ")[:2]) for h in heads)) if heads else _NO_HEADS
            if len(self._heads_from) > _MAX_TYPES:  # bounded memory; values do not depend on the cache
                self._heads_from.clear()
            self._heads_from[first] = got
        return got

    def multi(self, phrase: str) -> list[tuple[int, ...]]:
        """:meth:`candidate_phrases`, cached per phrase.

        Most phrases asked for (word spans of the text) are no headword: those of several words are
        answered from the headwords that start with their first word, without a search of the
        thesaurus or a cache entry (the answer is the same: no synonym)."""
        got = self._multi.get(phrase)
        if got is None:
            lower = phrase.lower()
            first, space, _ = lower.partition(" ")
            if space and lower not in self.multiword_heads(first):
                return []
            if len(self._multi) > _MAX_PHRASES:  # bounded memory; the value does not depend on the cache
                self._multi.clear()
            got = self._multi[phrase] = self.candidate_phrases(phrase)
        return got

    # ------------------------------------------------------------ token types
    def reset_types(self) -> None:
        """Empty the cache of token types (distinct raw token strings).

        Each type gets a row of :attr:`tinfo` (columns ``_T_*``): its word id,
        whether it is capitalised, the longest multiword headword it starts, and
        where its one-word synonym candidates (in ``s_store``) and its multiword
        synonym candidates (rows of ``m_len``/``m_off``, ids in ``m_ids``) are.
        """
        self.types: dict[str, int] = {}
        #: multiword replacements per tuple of token types (see ``span_candidates``)
        self.spans: dict[tuple[int, ...], tuple] = {}
        #: whether some multiword headword starts with the words of a pair of token types (key: first << 32 | second)
        self.span_starts: dict[int, bool] = {}
        self.type_word: list[str] = []
        self.tinfo = np.zeros((0, _T_COLS), dtype=np.int64)
        self.s_store = np.zeros(0, dtype=np.int64)
        self.m_len = np.zeros(0, dtype=np.int64)
        self.m_off = np.zeros(0, dtype=np.int64)
        self.m_ids = np.zeros(0, dtype=np.int64)

    def token_types(self, tokens: list[str]) -> np.ndarray:
        """Type number of every raw token, adding unseen types to the cache."""
        types = self.types
        try:
            return np.fromiter(map(types.__getitem__, tokens), dtype=np.int64, count=len(tokens))
        except KeyError:
            pass
        if len(types) > _MAX_TYPES:
            self.reset_types()
            types = self.types  # the new, empty cache (type numbers start again)
        self._add_types([t for t in dict.fromkeys(tokens) if t not in types])
        return np.fromiter(map(types.__getitem__, tokens), dtype=np.int64, count=len(tokens))

    def _add_types(self, new: list[str]) -> None:
        index = self.ref._index
        rows = []
        singles: list[np.ndarray] = []
        m_len: list[int] = []
        m_ids: list[int] = []
        s_total = len(self.s_store)
        m_total = len(self.m_len)
        for t in new:
            w = norm(t)
            i = index.get(w, UNK)
            single = self.single(i) if i != UNK else self.oov(w)
            multi = [c for c in self.multi(w) if len(c) > 1] \
                if w and w[0] in _WORDLIKE and len(w) > 1 else []
            rows.append((i, t[:1].isupper(), self.phrase_length(w), s_total, len(single), m_total + len(m_len),
                         len(multi)))
            singles.append(single)
            s_total += len(single)
            for c in multi:
                m_len.append(len(c))
                m_ids.extend(c)
            self.types[t] = len(self.type_word)
            self.type_word.append(w)
        self.tinfo = np.vstack([self.tinfo, np.array(rows, dtype=np.int64).reshape(-1, _T_COLS)])
        self.s_store = np.concatenate([self.s_store, *singles])
        m_len_arr = np.array(m_len, dtype=np.int64)
        self.m_off = np.concatenate([self.m_off, len(self.m_ids) + np.cumsum(m_len_arr) - m_len_arr])
        self.m_len = np.concatenate([self.m_len, m_len_arr])
        self.m_ids = np.concatenate([self.m_ids, np.array(m_ids, dtype=np.int64)])


    def phrase_replacements(self, types: np.ndarray, info: np.ndarray, lengths: np.ndarray, sent: np.ndarray
                            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
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
        spans = self.spans
        a_tok, a_len, a_clen, a_ids = [], [], [], []
        starts = self.span_starts
        for t in np.flatnonzero(room >= 2).tolist():
            pair = type_list[t] << 32 | type_list[t + 1]
            start = starts.get(pair)
            if start is None:
                start = self.starts_headword(pair)
            if not start:  # no span from here is a headword: span_candidates would find nothing
                continue
            key = tuple(type_list[t : t + room_list[t]])
            got = spans.get(key)
            if got is None:
                got = self.span_candidates(key)
            if got:
                lens, clens, ids = got
                a_tok.extend([t] * len(lens))
                a_len.extend(lens)
                a_clen.extend(clens)
                a_ids.extend(ids)
        return self.with_multiword_synonyms(info, a_tok, a_len, a_clen, a_ids)

    def with_multiword_synonyms(self, info: np.ndarray, a_tok: list[int], a_len: list[int], a_clen: list[int],
                                a_ids: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Add the replacements of single words by several words to the span replacements
        ``a_*`` and order them all by first token (see :meth:`phrase_replacements`)."""
        # One word -> several words ("year" -> "12 months"): cached per type, gathered in one go.
        b_cand, b_tok = csr_gather(np.arange(len(self.m_len)), info[:, _T_MOFF], info[:, _T_MCNT])
        b_clen = self.m_len[b_cand]
        b_ids, _ = csr_gather(self.m_ids, self.m_off[b_cand], b_clen)
        r_tok = np.concatenate([np.array(a_tok, dtype=np.int64), b_tok])
        r_len = np.concatenate([np.array(a_len, dtype=np.int64), np.ones(len(b_tok), dtype=np.int64)])
        c_len = np.concatenate([np.array(a_clen, dtype=np.int64), b_clen])
        ids = np.concatenate([np.array(a_ids, dtype=np.int64), b_ids])
        order = np.argsort(r_tok, kind="stable")
        cand_flat, _ = csr_gather(ids, (np.cumsum(c_len) - c_len)[order], c_len[order])
        return r_tok[order], r_len[order], c_len[order], cand_flat

    def starts_headword(self, pair: int) -> bool:
        """Whether a multiword headword starts with the words of the token types ``pair >> 32`` and
        ``pair & 0xFFFFFFFF`` (cached per pair, emptied with the type cache). A span's first two words, in
        lower case, are the first two of its lower case (see :meth:`span_candidates`), so a span can be a
        headword only when this is true."""
        tw = self.type_word
        two = f"{tw[pair >> 32]} {tw[pair & 0xFFFFFFFF]}".lower()
        got = two in self.multiword_starts(two.partition(" ")[0])
        if len(self.span_starts) > _MAX_PHRASES:  # bounded memory; the value does not depend on the cache
            self.span_starts.clear()
        self.span_starts[pair] = got
        return got

    def span_candidates(self, key: tuple[int, ...]) -> tuple:
        """Multiword replacements of the spans that start with the token types ``key``
        (longest span first, candidates in list order) as ``(span lengths, candidate
        lengths, candidate ids concatenated)``, or ``()`` if there are none;
        cached per tuple of types (emptied with the type cache)."""
        tw = self.type_word
        words = [tw[x] for x in key]
        lens: list[int] = []
        clens: list[int] = []
        ids: list[int] = []
        for k in range(len(words), 1, -1):
            for c in self.multi(" ".join(words[:k])):
                lens.append(k)
                clens.append(len(c))
                ids.extend(c)
        got = (tuple(lens), tuple(clens), tuple(ids)) if lens else ()
        if len(self.spans) > _MAX_PHRASES:  # bounded memory; the value does not depend on the cache
            self.spans.clear()
        self.spans[key] = got
        return got
