"""The cloze model: how well each word fits its slot, judged from its whole sentence.

A small network trained on the reference pool by ``python -m scripts.build cloze`` (format version 2)
or ``python -m scripts.build cloze-ff`` (version 1; see those scripts for the objective). It makes a query
vector for a slot from the slot's sentence; a word's score for the slot is the query's dot product with the
word's output embedding plus the word's bias. Scores compare words in one slot: the written word against its
synonyms ("12 months" against "year" after "the second"), or against the most frequent words of the language.

* Version 1 is feed-forward: one embedding each for the words at distances 1-3 on either side of the slot
  and the mean embedding of the words at distances 4-12 in the same sentence, then two layers.
* Version 2 reads the sentence in order (:class:`SentenceReader`): a forward LSTM's state after the words
  before the slot, a backward LSTM's state after the words behind it, and the embeddings of the slot's two
  neighbours, then the same two layers.

Runs with numpy alone. Embeddings are int8 with one float32 scale per row. Word
ids are reference ids below :attr:`ClozeModel.words`; rarer words share the
reference's UNK id. The table is tied to one reference table by its SHA-256. Every matrix product is exact
(:class:`~spin_detect.tables.exact.ExactProduct`), so a slot's scores depend on its sentence alone, never on
what else is scored with it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

import numpy as np

from spin_detect.tables.exact import ExactProduct, dot_bits, exact_dots, fixed_rows, quantize_rows
from spin_detect.tables.store import ReferenceTiedTable, StoredArrays, write_arrays

__all__ = ["FAR", "FORMAT", "NEAR", "OFFSETS", "SEQUENCE_VERSION", "VERSION", "ClozeModel", "SentenceReader",
           "quantize_rows", "write_cloze"]

FORMAT = "spin-detect/cloze"
VERSION = 1
#: The format version of a model that reads the sentence in order (:class:`SentenceReader`).
SEQUENCE_VERSION = 2
#: Context of a slot: one embedding each for distances 1..NEAR, a mean for NEAR+1..FAR (same sentence).
NEAR, FAR = 3, 12
#: Positions of a slot's context relative to it, in the order the model reads them: the 2 * NEAR near
#: words (left to right), then the far words whose embeddings are averaged.
OFFSETS = np.r_[-np.arange(NEAR, 0, -1), np.arange(1, NEAR + 1),
                -np.arange(FAR, NEAR, -1), np.arange(NEAR + 1, FAR + 1)]
#: The most frequent words whose scores normalise ``surprise`` (after BOS, EOS and UNK).
NORMALISER_WORDS = 1000

#: Slots per block of work. Small blocks keep a block's temporaries (context embeddings, hidden layer, the
#: scores of the normaliser words) a few MB or less, so they stay in the processor's caches: the cloze
#: features take about a third less time than with blocks of 8,192 slots. Results do not depend on the block
#: size (see :class:`~spin_detect.tables.exact.ExactProduct`).
_BLOCK = 1024
#: At most this many sentences, and about this many tokens, per block of :meth:`SentenceReader.blocks` (sorted
#: by length, so little padding): enough rows for the products to run fast, few enough to keep memory small.
_SENTENCE_BLOCK, _TOKEN_BLOCK = 256, 8192
_NORMALISER_BLOCK = 512
#: Queries a version-2 model remembers within :meth:`ClozeModel.remembering` (392 bytes each with 96
#: dimensions: about 26 MB, estimated): most or all of a batch of the detector (about 2,000 sentences by
#: default; 18-27 slots a sentence in generated and README text), whose likely originals are ranked after its
#: features are made.
_REMEMBERED_SLOTS = 65_536
_SCORE_BLOCK = 4096  # (word, query) pairs per block of :meth:`ClozeModel.scores`
_UNK = 2  # the reference's UNK id (spin_detect.tables.reference.UNK; not imported: tables stay independent)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function, through tanh: no overflow for large ``|x|``."""
    return np.tanh(x * np.float32(0.5)) * np.float32(0.5) + np.float32(0.5)


def _by_sentence(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Slots grouped by their sentence's key (``keys[i]``, one value per sentence): the first slot of each
    sentence, in the order of the keys; the slots sentence by sentence (each in its given order); and where
    each sentence's slots start and end in that list."""
    _, first, which = np.unique(keys, return_index=True, return_inverse=True)
    by_sentence = np.argsort(which, kind="stable")
    return first, by_sentence, np.searchsorted(which[by_sentence], np.arange(len(first) + 1))


_MEMORY = threading.local()


def _memories() -> dict[int, _Remembered]:
    """This thread's ``id(model)`` -> :class:`_Remembered` of the models within :meth:`ClozeModel.remembering`
    (kept beside the models, not in them: a model stays picklable)."""
    got: dict[int, _Remembered] | None = getattr(_MEMORY, "models", None)
    if got is None:
        got = _MEMORY.models = {}
    return got


class _Remembered:
    """The queries a model made within :meth:`ClozeModel.remembering`: per sentence (its ids as int64 bytes),
    the slots asked for (offsets from the sentence's first id, sorted) and their queries."""

    def __init__(self) -> None:
        self.sentences: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}
        self.slots = 0

    def add(self, keys: list[bytes], todo: list[np.ndarray], starts: list[int], pos: np.ndarray, out: np.ndarray
            ) -> None:
        """Remember the queries ``out[todo[s]]`` of slots ``pos[todo[s]]`` (none remembered yet) of sentence
        ``keys[s]`` (its first id at ``starts[s]``): all, after forgetting the others if there would be more than
        :data:`_REMEMBERED_SLOTS`, or, when they alone are more, those of the first sentences, up to that many."""
        if self.slots + sum(len(t) for t in todo) > _REMEMBERED_SLOTS:
            self.sentences.clear()
            self.slots = 0
        for key, slots, start in zip(keys, todo, starts):
            if not len(slots):
                continue
            if self.slots + len(slots) > _REMEMBERED_SLOTS:
                return  # (the rest are read again when asked, to the same bits)
            at, q = pos[slots] - start, out[slots]  # (copies made for what is kept only)
            known = self.sentences.get(key)
            before = 0 if known is None else len(known[0])
            if known is not None:
                at, q = np.r_[known[0], at], np.r_[known[1], q]
            at, keep = np.unique(at, return_index=True)  # (a slot asked for twice in one call: once)
            self.sentences[key] = (at, q[keep])
            self.slots += len(at) - before


class SentenceReader:
    """The part of a version-2 cloze model that reads the sentence: two LSTMs (PyTorch's gate order i, f, g,
    o), one left to right, one right to left, over the sentence's word embeddings (BOS and EOS included).
    :meth:`blocks` gives, per slot, the forward state after the words before it, the backward state after
    the words behind it and the embeddings of its two neighbours: the input of the model's two layers."""

    def __init__(self, arrays: dict[str, np.ndarray], words: int) -> None:
        self.words = words
        self._arrays = arrays
        self.hidden = int(arrays["fwd_whh"].shape[1])

    @cached_property
    def _emb(self) -> np.ndarray:
        """The input embeddings as float32 (made when first read, not when the model loads)."""
        return self._arrays["emb"].astype(np.float32) * self._arrays["emb_scale"][:, None]

    @cached_property
    def _dirs(self) -> tuple[tuple[ExactProduct, ExactProduct, np.ndarray], ...]:
        """Per direction: the input and recurrent weights on their fixed-point grids, and the summed biases."""
        a = self._arrays
        return tuple((ExactProduct(np.ascontiguousarray(a[f"{d}_wih"].T)),
                      ExactProduct(np.ascontiguousarray(a[f"{d}_whh"].T)),
                      np.asarray(a[f"{d}_b"], dtype=np.float32)) for d in ("fwd", "bwd"))

    def _run(self, direction: int, ids: np.ndarray) -> np.ndarray:
        """States ``(B, L, hidden)`` of one LSTM after reading ``ids[:, :t + 1]`` (rows padded at the end)."""
        wih, whh, b = self._dirs[direction]
        n, length = ids.shape
        H = self.hidden
        # A word's input product is a function of the word alone (exact, see ExactProduct): one per distinct word.
        words, where = np.unique(ids, return_inverse=True)
        x = wih(self._emb[words])
        x += b
        x = x[where.reshape(-1)].reshape(n, length, 4 * H)
        h = np.zeros((n, H), dtype=np.float32)
        c = np.zeros((n, H), dtype=np.float32)
        states = np.empty((n, length, H), dtype=np.float32)
        for t in range(length):
            g = x[:, t] + whh(h)
            i, f, o = _sigmoid(g[:, :H]), _sigmoid(g[:, H: 2 * H]), _sigmoid(g[:, 3 * H:])
            c = f * c + i * np.tanh(g[:, 2 * H: 3 * H])
            h = o * np.tanh(c)
            states[:, t] = h
        return states

    def blocks(self, X: np.ndarray, pos: np.ndarray, lo: np.ndarray, hi: np.ndarray
               ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """``(slots, features)`` blocks: the input of the model's layers for slots ``X[pos[slots]]`` of
        sentences ``X[lo..hi]`` (inclusive: their BOS and EOS). Each sentence is read once, whatever number of
        its slots are asked for; a block holds sentences of similar length, at most :data:`_SENTENCE_BLOCK` of
        them and about :data:`_TOKEN_BLOCK` tokens, so memory stays small whatever the batch."""
        if not len(pos):
            return
        first, by_sentence, bounds = _by_sentence(lo)
        starts = lo[first]
        lengths = hi[first] - starts + 1
        order = np.argsort(lengths, kind="stable")
        b = 0
        while b < len(order):
            # sorted by length, so k sentences from b take k * (the k-th's length) tokens padded: the most that fit
            ahead = lengths[order[b: b + _SENTENCE_BLOCK]]
            size = max(1, int((np.arange(1, len(ahead) + 1) * ahead <= _TOKEN_BLOCK).sum()))
            sents = order[b: b + size]
            b += size
            n = lengths[sents]
            ids = np.full((len(sents), int(n.max())), _UNK, dtype=np.int64)
            back = np.full_like(ids, _UNK)
            for r, s in enumerate(sents):
                row = X[starts[s]: starts[s] + n[r]]
                ids[r, : n[r]] = np.where(row < self.words, row, _UNK)
                back[r, : n[r]] = ids[r, n[r] - 1:: -1]
            fwd, bwd = self._run(0, ids), self._run(1, back)
            slots = np.concatenate([by_sentence[bounds[s]: bounds[s + 1]] for s in sents])
            rows = np.repeat(np.arange(len(sents)), bounds[sents + 1] - bounds[sents])
            t = pos[slots] - starts[sents][rows]
            yield slots, np.concatenate([fwd[rows, t - 1], bwd[rows, n[rows] - 2 - t], self._emb[ids[rows, t - 1]],
                                         self._emb[ids[rows, t + 1]]], axis=1)


class ClozeModel(ReferenceTiedTable):
    """Read-only cloze model; see the module docs."""

    PACKAGED, FORMAT, VERSIONS = "cloze.bin", FORMAT, (VERSION, SEQUENCE_VERSION)

    def __init__(self, stored: StoredArrays) -> None:
        super().__init__(stored)
        a = stored.arrays
        self._emb, self._emb_scale = a["emb"], a["emb_scale"]
        self._out, self._out_scale = a["out"], a["out_scale"]
        self._bias = a["bias"]
        self._w1, self._b1, self._w2, self._b2 = a["w1"], a["b1"], a["w2"], a["b2"]
        #: Word ids below this have their own embedding; the PAD id of the context is this number.
        self.words = len(self._out)
        #: The LSTMs of a version-2 model (None: feed-forward, version 1).
        self.reader = SentenceReader(a, self.words) if "fwd_whh" in a else None

    def __len__(self) -> int:
        return self.words

    @cached_property
    def _emb_table(self) -> np.ndarray:
        """The input embeddings as float32, with a zero PAD row at index ``words``."""
        e = self._emb.astype(np.float32) * self._emb_scale[:, None]
        return np.vstack([e, np.zeros((1, e.shape[1]), dtype=np.float32)])

    @cached_property
    def _layers(self) -> tuple[ExactProduct, ExactProduct]:
        """The two layers' weights, on their fixed-point grids."""
        return ExactProduct(self._w1), ExactProduct(self._w2)

    @cached_property
    def _normaliser(self) -> tuple[ExactProduct, np.ndarray]:
        """Output embeddings (one column a word, as stored: int8 and a scale) and biases of the
        :data:`NORMALISER_WORDS` most frequent words."""
        ids = np.arange(3, min(3 + NORMALISER_WORDS, self.words))
        return ExactProduct(np.ascontiguousarray(self._out[ids].T), self._out_scale[ids]), self._bias[ids]

    def queries(self, X: np.ndarray, pos: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Query vector of each slot ``X[pos[i]]``, its sentence being ``X[lo[i]..hi[i]]``
        (inclusive: the sentence's BOS and EOS ids). ``X`` holds reference ids."""
        pos, lo, hi = (np.asarray(a, dtype=np.int64) for a in (pos, lo, hi))
        if self.reader is not None:
            return self._read(self.reader, X, pos, lo, hi)
        if len(pos) <= _BLOCK:
            return self._queries(X, pos, lo, hi)
        out = np.empty((len(pos), self._w2.shape[1]), dtype=np.float32)
        for i in range(0, len(pos), _BLOCK):
            out[i: i + _BLOCK] = self._queries(X, pos[i: i + _BLOCK], lo[i: i + _BLOCK], hi[i: i + _BLOCK])
        return out

    def _read(self, reader: SentenceReader, X: np.ndarray, pos: np.ndarray, lo: np.ndarray, hi: np.ndarray
              ) -> np.ndarray:
        """:meth:`queries` of a version-2 model; within :meth:`remembering`, the queries it remembers are taken
        from there and the others read (and remembered)."""
        out = np.empty((len(pos), self._w2.shape[1]), dtype=np.float32)
        memory = _memories().get(id(self))
        missing = np.arange(len(pos))
        if memory is not None and len(pos):
            # a sentence is its framing (lo, hi) and is remembered by its ids
            first, by_sentence, bounds = _by_sentence(lo * (len(X) + 1) + hi)
            starts = lo[first].tolist()
            keys, todo = [], []
            for s, (a, b) in enumerate(zip(starts, (hi[first] + 1).tolist())):
                slots = by_sentence[bounds[s]: bounds[s + 1]]
                keys.append(X[a:b].astype(np.int64, copy=False).tobytes())
                known = memory.sentences.get(keys[-1])
                if known is not None:
                    at = np.minimum(np.searchsorted(known[0], pos[slots] - a), len(known[0]) - 1)
                    hit = known[0][at] == pos[slots] - a
                    out[slots[hit]] = known[1][at[hit]]
                    slots = slots[~hit]
                todo.append(slots)
            missing = np.concatenate(todo)
            if not len(missing):
                return out
        for slots, features in reader.blocks(X, pos[missing], lo[missing], hi[missing]):
            out[missing[slots]] = self._head(features)
        if memory is not None and len(pos):
            memory.add(keys, todo, starts, pos, out)
        return out

    @contextmanager
    def remembering(self) -> Iterator[None]:
        """Within the block (in this thread), :meth:`queries` remembers the queries it made, at most
        :data:`_REMEMBERED_SLOTS` of them, and takes them from there when asked again: the detector scores a
        batch within one, so the ranking of likely originals does not read the batch's sentences again. A
        remembered query is the very bits a new reading gives (exact products): this saves time only. Nested
        blocks share the outermost one's memory."""
        scopes = _memories()
        if id(self) in scopes:
            yield
            return
        scopes[id(self)] = _Remembered()
        try:
            yield
        finally:
            del scopes[id(self)]

    def _queries(self, X: np.ndarray, pos: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        n = len(pos)
        g = pos[:, None] + OFFSETS
        inside = (g >= lo[:, None]) & (g <= hi[:, None])
        ctx = X[np.clip(g, 0, len(X) - 1)]
        ctx = np.where(ctx >= self.words, _UNK, ctx)
        ctx = np.where(inside, ctx, self.words)
        e = self._emb_table[ctx]  # n, 2*FAR, D
        near = e[:, : 2 * NEAR].reshape(n, -1)
        n_far = np.maximum(inside[:, 2 * NEAR:].sum(1, keepdims=True), 1).astype(np.float32)
        far = e[:, 2 * NEAR:].sum(1) / n_far
        return self._head(np.concatenate([near, far], axis=1))

    def _head(self, x: np.ndarray) -> np.ndarray:
        """The two layers, from the context's features to the query, a block of rows at a time."""
        layer1, layer2 = self._layers
        out = np.empty((len(x), self._w2.shape[1]), dtype=np.float32)
        for i in range(0, len(x), _BLOCK):
            h = layer1(x[i: i + _BLOCK]) + self._b1
            np.maximum(h, 0.0, out=h)
            out[i: i + _BLOCK] = layer2(h) + self._b2
        return out

    def scores(self, q: np.ndarray, ids: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Score of word ``ids[i]`` (below ``words``) for the slot of query ``q[i]`` (``q[rows[i]]`` when
        ``rows`` is given: the queries are gathered a block at a time, never all at once)."""
        ids = np.asarray(ids, dtype=np.int64)
        out = np.empty(len(ids), dtype=np.float32)
        bits = dot_bits(q.shape[1])
        if rows is not None:
            qi, step = fixed_rows(q, bits)  # once a query, not once a (word, query) pair
        for i in range(0, len(ids), _SCORE_BLOCK):
            part = ids[i: i + _SCORE_BLOCK]
            if rows is None:
                qi_part, step_part = fixed_rows(q[i: i + _SCORE_BLOCK], bits)
            else:
                qi_part, step_part = qi[rows[i: i + _SCORE_BLOCK]], step[rows[i: i + _SCORE_BLOCK]]
            out[i: i + _SCORE_BLOCK] = exact_dots(qi_part, step_part, self._out[part], self._out_scale[part])
            out[i: i + _SCORE_BLOCK] += self._bias[part]
        return out

    def log_normaliser(self, q: np.ndarray) -> np.ndarray:
        """log-sum-exp of the scores of the most frequent words for each query (one per row)."""
        out, bias = self._normaliser
        res = np.empty(len(q), dtype=np.float32)
        for i in range(0, len(q), _NORMALISER_BLOCK):
            s = out(q[i: i + _NORMALISER_BLOCK])
            s += bias
            top = s.max(axis=1)
            s -= top[:, None]
            np.exp(s, out=s)
            res[i: i + _NORMALISER_BLOCK] = top + np.log(s.sum(axis=1))
        return res

    def token_scores(self, X: np.ndarray, pos: np.ndarray, lo: np.ndarray, hi: np.ndarray, tok_ids: np.ndarray,
                     cand: np.ndarray, cand_tok: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The detector's cloze features of tokens ``X[pos[i]]`` (reference ids ``tok_ids``; sentence
        ``X[lo[i]..hi[i]]`` as in :meth:`queries`), ``cand[j]`` being a candidate replacement of token
        ``cand_tok[j]``: ``lm_gap`` (best candidate's score less the word's), ``lm_nll`` (-log of the
        word's share among itself and its candidates) and ``lm_surprise`` (-log of its share among
        itself and the :data:`NORMALISER_WORDS` most frequent words). NaN where the model has no
        opinion: a word outside its vocabulary or without a candidate in it (punctuation, most numbers
        and names: the model was trained to fill the slots of words that have candidates only)."""
        n = len(tok_ids)
        gap, nll, surprise = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
        cand, cand_tok = np.asarray(cand, dtype=np.int64), np.asarray(cand_tok, dtype=np.int64)
        in_vocab = (tok_ids > _UNK) & (tok_ids < self.words)
        keep = in_vocab[cand_tok] & (cand > _UNK) & (cand < self.words) & (cand != tok_ids[cand_tok])
        cand, cand_tok = cand[keep], cand_tok[keep]
        if len(cand_tok) and np.all(cand_tok[1:] >= cand_tok[:-1]):  # the extractor's order: no sort needed
            idx = cand_tok[np.r_[True, cand_tok[1:] != cand_tok[:-1]]]
        else:
            idx = np.unique(cand_tok)
        if not len(idx):
            return gap, nll, surprise
        q = self.queries(X, pos[idx], lo[idx], hi[idx])
        s_word = self.scores(q, tok_ids[idx])
        rows = np.searchsorted(idx, cand_tok)
        s_cand = self.scores(q, cand, rows)
        best = np.full(len(idx), -np.inf, dtype=s_cand.dtype)
        np.maximum.at(best, rows, s_cand)
        top = np.maximum(best, s_word)
        total = np.exp(s_word - top)
        np.add.at(total, rows, np.exp(s_cand - top[rows]))
        gap[idx] = best - s_word
        nll[idx] = top + np.log(total) - s_word
        surprise[idx] = np.logaddexp(self.log_normaliser(q), s_word) - s_word
        return gap, nll, surprise


def write_cloze(path: str | os.PathLike[str], arrays: dict[str, np.ndarray], meta: dict) -> ClozeModel:
    """Write a cloze model (version 2 when ``arrays`` hold LSTM weights) and return it loaded."""
    write_arrays(path, FORMAT, SEQUENCE_VERSION if "fwd_whh" in arrays else VERSION, arrays, meta)
    return ClozeModel.load(path)
