"""The cloze model: how well each word fits its slot, judged from its whole sentence.

A small feed-forward network trained on the reference pool by
``python -m scripts.build cloze`` (see that script for the objective). From the
words at distances 1-3 on either side of a slot (one embedding each) and the
mean embedding of the words at distances 4-12 in the same sentence it makes a
query vector; a word's score for the slot is the query's dot product with the
word's output embedding plus the word's bias. Scores compare words in one slot:
the written word against its synonyms ("12 months" against "year" after
"the second"), or against the most frequent words of the language.

Runs with numpy alone. Embeddings are int8 with one float32 scale per row. Word
ids are reference ids below :attr:`ClozeModel.words`; rarer words share the
reference's UNK id. The table is tied to one reference table by its SHA-256.
"""

from __future__ import annotations

import os
from functools import cached_property

import numpy as np

from spin_detect.tables.store import ReferenceTiedTable, StoredArrays, write_arrays

__all__ = ["FAR", "FORMAT", "NEAR", "OFFSETS", "VERSION", "ClozeModel", "quantize_rows", "write_cloze"]

FORMAT = "spin-detect/cloze"
VERSION = 1
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
#: features take about a third less time than with blocks of 8,192 slots, and come out the same (every
#: block size is a multiple of :data:`_ROWS`, so the matrix products see the same stacks of rows).
_BLOCK = 1024
_NORMALISER_BLOCK = 512
_SCORE_BLOCK = 4096  # (word, query) pairs per block of :meth:`ClozeModel.scores`
_UNK = 2  # the reference's UNK id (spin_detect.tables.reference.UNK; not imported: tables stay independent)


#: Rows per matrix product: every product is made in stacks of this many rows (the last padded), so a
#: row's result does not depend on how many rows its batch has (BLAS picks other kernels for other shapes,
#: and their sums can differ in the last bit): a score is a function of the text alone.
_ROWS = 64


def _matmul_rows(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``x @ w``, computed in stacks of :data:`_ROWS` rows (see there)."""
    n = len(x)
    pad = -n % _ROWS
    if pad:
        x = np.concatenate([x, np.zeros((pad, x.shape[1]), dtype=x.dtype)])
    out = np.matmul(x.reshape(-1, _ROWS, x.shape[1]), w)
    return out.reshape(-1, w.shape[1])[:n]


def quantize_rows(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 rows and one float32 scale per row (max |x| / 127) so that ``q * scale ~ m``."""
    m = np.asarray(m, dtype=np.float32)
    scale = np.maximum(np.abs(m).max(axis=1), 1e-12) / 127.0
    q = np.clip(np.rint(m / scale[:, None]), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


class ClozeModel(ReferenceTiedTable):
    """Read-only cloze model; see the module docs."""

    PACKAGED, FORMAT, VERSIONS = "cloze.bin", FORMAT, (VERSION,)

    def __init__(self, stored: StoredArrays) -> None:
        super().__init__(stored)
        a = stored.arrays
        self._emb, self._emb_scale = a["emb"], a["emb_scale"]
        self._out, self._out_scale = a["out"], a["out_scale"]
        self._bias = a["bias"]
        self._w1, self._b1, self._w2, self._b2 = a["w1"], a["b1"], a["w2"], a["b2"]
        #: Word ids below this have their own embedding; the PAD id of the context is this number.
        self.words = len(self._out)

    def __len__(self) -> int:
        return self.words

    @cached_property
    def _emb_table(self) -> np.ndarray:
        """The input embeddings as float32, with a zero PAD row at index ``words``."""
        e = self._emb.astype(np.float32) * self._emb_scale[:, None]
        return np.vstack([e, np.zeros((1, e.shape[1]), dtype=np.float32)])

    @cached_property
    def _normaliser(self) -> tuple[np.ndarray, np.ndarray]:
        """Output embeddings (transposed: one column a word) and biases of the :data:`NORMALISER_WORDS`
        most frequent words."""
        ids = np.arange(3, min(3 + NORMALISER_WORDS, self.words))
        return np.ascontiguousarray(self.output_rows(ids).T), self._bias[ids]

    @cached_property
    def _out_table(self) -> np.ndarray:
        """The output embeddings as float32 (dequantised once: 4 bytes a number, 23 MB for 60,000 x 96)."""
        return self._out.astype(np.float32) * self._out_scale[:, None]

    def output_rows(self, ids: np.ndarray) -> np.ndarray:
        """float32 output embeddings of word ids (each below ``words``)."""
        return self._out_table[ids]

    def queries(self, X: np.ndarray, pos: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Query vector of each slot ``X[pos[i]]``, its sentence being ``X[lo[i]..hi[i]]``
        (inclusive: the sentence's BOS and EOS ids). ``X`` holds reference ids."""
        pos, lo, hi = (np.asarray(a, dtype=np.int64) for a in (pos, lo, hi))
        if len(pos) <= _BLOCK:
            return self._queries(X, pos, lo, hi)
        out = np.empty((len(pos), self._w2.shape[1]), dtype=np.float32)
        for i in range(0, len(pos), _BLOCK):
            out[i: i + _BLOCK] = self._queries(X, pos[i: i + _BLOCK], lo[i: i + _BLOCK], hi[i: i + _BLOCK])
        return out

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
        h = _matmul_rows(np.concatenate([near, far], axis=1), self._w1) + self._b1
        np.maximum(h, 0.0, out=h)
        return _matmul_rows(h, self._w2) + self._b2

    def scores(self, q: np.ndarray, ids: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Score of word ``ids[i]`` (below ``words``) for the slot of query ``q[i]`` (``q[rows[i]]`` when
        ``rows`` is given: the queries are gathered a block at a time, never all at once)."""
        ids = np.asarray(ids, dtype=np.int64)
        out = np.empty(len(ids), dtype=np.float32)
        for i in range(0, len(ids), _SCORE_BLOCK):
            part = ids[i: i + _SCORE_BLOCK]
            qq = q[i: i + _SCORE_BLOCK] if rows is None else q[rows[i: i + _SCORE_BLOCK]]
            out[i: i + _SCORE_BLOCK] = np.einsum("ij,ij->i", self.output_rows(part), qq) + self._bias[part]
        return out

    def log_normaliser(self, q: np.ndarray) -> np.ndarray:
        """log-sum-exp of the scores of the most frequent words for each query (one per row)."""
        out, bias = self._normaliser
        res = np.empty(len(q), dtype=np.float32)
        for i in range(0, len(q), _NORMALISER_BLOCK):
            s = _matmul_rows(q[i: i + _NORMALISER_BLOCK], out)
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
    """Write a cloze model and return it loaded."""
    write_arrays(path, FORMAT, VERSION, arrays, meta)
    return ClozeModel.load(path)
