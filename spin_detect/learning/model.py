"""The trained spin model: token model, sentence model, calibration, document rule.

Scores flow in three steps, each a small scikit-learn model over explainable
numbers:

1. **token model** (gradient boosting over :data:`~spin_detect.features.extractor.TOKEN_FEATURES`):
   the probability that each word was substituted (optionally read with what the rest
   of its document looks like, :mod:`spin_detect.learning.context`). Trained on the
   exact token labels the spinner records. Evidence shows it too, or, when the model has
   one, the probabilities of a second token model that always reads the document
   (the *evidence model*, trained to tell substitutions from a document's own wording).
2. **sentence model** (gradient boosting over the sentence features of
   :data:`~spin_detect.features.extractor.FEATURE_NAMES` plus the token probabilities
   aggregated per sentence; non-decreasing in those), calibrated with isotonic
   regression on data it was not trained on, so that a 0.8 means 80% of such
   sentences are spun.
3. **document rule** over the document's evidence and register
   (:func:`~spin_detect.learning.documents.document_inputs`), capped at the noisy-or of
   its sentence probabilities: gradient-boosted trees, monotone in every column of
   evidence (:class:`~spin_detect.learning.estimators.TreeDocumentScorer`), or, for
   models trained on few documents, a logistic regression
   (:class:`~spin_detect.learning.estimators.DocumentScorer`).

Thresholds are not decided here: the model only stores, for each preset, the
document probability that flagged the target share of original development
documents (see :mod:`spin_detect.config`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from spin_detect.features import FEATURE_NAMES, TOKEN_FEATURES, FeatureExtractor, group_top_k_sum
from spin_detect.learning.context import token_keys, token_matrix
from spin_detect.learning.documents import DOCUMENT_INPUTS, document_inputs
from spin_detect.learning.plain import plain_matrix
from spin_detect.tables.blas import one_blas_thread
from spin_detect.text.segment import Token, Tokens, tokenize

__all__ = ["AGG_FEATURES", "PLAIN_AGG", "SPUN_WORD_SHARE", "TRAINING_SUBSTITUTED_SHARE", "FeatureSet", "SpinModel",
           "aggregate_tokens", "concat", "extract", "subset", "token_labels"]

AGG_FEATURES = ("tok_max", "tok_top2", "tok_noisy_or", "tok_mean", "tok_count_over_50", "tok_count_over_20")
#: The same summaries of the plain token model's probabilities (:mod:`spin_detect.learning.plain`), sentence
#: inputs after :data:`AGG_FEATURES` for a model that has a plain model.
PLAIN_AGG = tuple(f"plain_{f}" for f in AGG_FEATURES)


@dataclass
class FeatureSet:
    """Features of a batch of sentences: sentence matrix, token matrix and the
    sentence index of every token; ``scores`` keeps the token scores for evidence."""

    sent: np.ndarray
    tok: np.ndarray
    tok_sent: np.ndarray
    tokens: list[Sequence[Token]]
    originals: list[str]
    nbr_originals: list[str]

    def __len__(self) -> int:
        return len(self.sent)

    @cached_property
    def keys(self) -> np.ndarray:
        """:func:`~spin_detect.learning.context.token_keys` of the tokens, computed once (the token and
        evidence models' echo columns both read them)."""
        return token_keys(self.tokens)


def extract(texts: Sequence[str], extractor: FeatureExtractor, batch_size: int = 2000,
            progress: Callable[[int], None] | None = None,
            tokens: Sequence[Sequence[Token]] | None = None) -> FeatureSet:
    """Tokenise and score ``texts`` (each one sentence) in batches.

    ``progress``, if given, is called with the number of sentences done after
    each batch (the CLI draws a progress bar with it). ``tokens``, if given,
    are the sentences' tokens already made by :func:`~spin_detect.text.segment.tokenize`
    (for instance by :func:`~spin_detect.text.segment.split_sentences`, offsets into
    the document): they are used, and kept in the result, instead of tokenising
    ``texts`` again.
    """
    sent_parts, tok_parts, idx_parts = [], [], []
    all_tokens: list[Sequence[Token]] = []
    originals: list[str] = []
    nbr_originals: list[str] = []
    for lo in range(0, len(texts), batch_size):
        toks = [tokenize(t) for t in texts[lo : lo + batch_size]] if tokens is None else \
            list(tokens[lo : lo + batch_size])
        with one_blas_thread():  # many small matrix products (the cloze model): BLAS threads only spin
            ts = extractor.score_tokens([s.texts if type(s) is Tokens else [t.text for t in s] for s in toks])
        sent_parts.append(extractor.features(ts, len(toks)))
        tok_parts.append(extractor.token_matrix(ts))
        idx_parts.append(ts.sent + lo)
        all_tokens.extend(toks)
        originals.extend(ts.original)
        nbr_originals.extend(ts.nbr_original)
        if progress is not None:
            progress(min(lo + batch_size, len(texts)))
    if not sent_parts:
        return FeatureSet(np.zeros((0, 0)), np.zeros((0, 0)), np.zeros(0, dtype=np.int64), [], [], [])
    return FeatureSet(np.vstack(sent_parts), np.vstack(tok_parts), np.concatenate(idx_parts), all_tokens,
                      originals, nbr_originals)


def token_labels(fs: FeatureSet, changes: Sequence[str]) -> np.ndarray:
    """0/1 per token: does it overlap a recorded change? ``changes`` holds, per
    sentence, the dataset's JSON list of ``[start, end, original, replacement]``."""
    import json

    out = np.zeros(len(fs.tok_sent), dtype=np.int64)
    k = 0
    for toks, ch in zip(fs.tokens, changes):
        spans = json.loads(ch) if ch else []
        for t in toks:
            if any(t.start < e and s < t.end for s, e, *_ in spans):
                out[k] = 1
            k += 1
    return out


def aggregate_tokens(tok_prob: np.ndarray, tok_sent: np.ndarray, n_sent: int) -> np.ndarray:
    """Per-sentence summaries of token probabilities, columns :data:`AGG_FEATURES`."""
    out = np.zeros((n_sent, len(AGG_FEATURES)))
    if len(tok_prob) == 0:
        return out
    mx = np.zeros(n_sent)
    np.maximum.at(mx, tok_sent, tok_prob)
    top2 = group_top_k_sum(tok_sent, tok_prob, n_sent, 2)
    n = np.maximum(np.bincount(tok_sent, minlength=n_sent), 1)
    log_keep = np.bincount(tok_sent, weights=np.log1p(-np.minimum(tok_prob, 1 - 1e-6)), minlength=n_sent)
    out[:, 0] = mx
    out[:, 1] = top2
    out[:, 2] = 1 - np.exp(log_keep)
    out[:, 3] = np.bincount(tok_sent, weights=tok_prob, minlength=n_sent) / n
    out[:, 4] = np.bincount(tok_sent, weights=(tok_prob > 0.5).astype(float), minlength=n_sent)
    out[:, 5] = np.bincount(tok_sent, weights=(tok_prob > 0.2).astype(float), minlength=n_sent)
    return out


#: Share of the words of a spun document that a spinner replaced, as :meth:`SpinModel.evidence_proba`
#: assumes it: a light spin (5-15% of words). Chosen on the dev split (see models/default/MODEL_CARD.md).
SPUN_WORD_SHARE = 0.10
#: Share of substituted tokens in the token model's training rows, for models that do not record it
#: (spin-detect 0.3.0): that of the generated datasets' training split.
TRAINING_SUBSTITUTED_SHARE = 0.12


class SpinModel:
    """The fitted models; built by :func:`spin_detect.learning.train.train_model`.

    Attributes ending in ``_`` are fitted: ``token_model_``, ``sentence_model_``
    (calibrated), ``document_model_``, ``thresholds_`` (document probability per
    preset) and ``info_`` (training data, seed, versions, metrics). ``prior_`` is
    the base model of a model retrained on a user's own data: its sentence
    probability is an input, so a few thousand sentences teach corrections to
    it rather than a model from scratch. ``evidence_model_`` (optional) is a token
    model that reads each token's document (``info_["evidence_context"]``) and
    only decides which words evidence shows (:meth:`evidence_token_proba`); no
    score reads it. ``plain_model_`` (optional) is a token model over features that
    need no thesaurus (:mod:`spin_detect.learning.plain`); the sentence model and the
    document rule also read its probabilities (:meth:`plain_token_proba`).
    """

    def __init__(self, token_model: Any, sentence_model: Any, document_model: Any, thresholds: dict, info: dict,
                 prior: Any = None, evidence_model: Any = None, plain_model: Any = None) -> None:
        self.prior_ = prior
        self.evidence_model_ = evidence_model
        self.plain_model_ = plain_model
        self.token_model_ = token_model
        self.sentence_model_ = sentence_model
        self.document_model_ = document_model
        self.thresholds_ = thresholds
        self.info_ = info

    def token_proba(self, fs: FeatureSet, sent_doc: np.ndarray | None = None) -> np.ndarray:
        """Probability that each token was substituted.

        ``sent_doc[i]`` is the document of sentence ``i`` (None: each sentence is its own
        document). A model with ``info_["token_context"]`` also reads what the rest of each
        token's document looks like (:mod:`spin_detect.learning.context`).
        """
        if len(fs.tok) == 0:
            return np.zeros(0)
        context = self.info_.get("token_context")
        keys = fs.keys if context and context.get("echo") else None
        X = token_matrix(fs.tok, fs.tok_sent, sent_doc, context, keys)
        return self.token_model_.predict_proba(X)[:, 1]

    def plain_token_proba(self, fs: FeatureSet, sent_doc: np.ndarray | None = None) -> np.ndarray | None:
        """The plain token model's probability that each token was substituted (``sent_doc`` as in
        :meth:`token_proba`: its echo column counts within each document); None without a plain model."""
        model = getattr(self, "plain_model_", None)
        if model is None:
            return None
        if len(fs.tok) == 0:
            return np.zeros(0)
        return model.predict_proba(plain_matrix(fs.tok, fs.tok_sent, sent_doc, fs.keys))[:, 1]

    def evidence_token_proba(self, fs: FeatureSet, sent_doc: np.ndarray | None, tok_prob: np.ndarray,
                             rows: np.ndarray | None = None) -> np.ndarray:
        """Per token, the probability that evidence starts from (:meth:`evidence_proba`).

        Without an evidence model: ``tok_prob`` (the token model's). With one: the
        evidence model's probability for the tokens where ``rows`` (a mask; None: all)
        is true, ``tok_prob`` for the others. Its context columns are computed over
        every token of each document (``sent_doc`` as in :meth:`token_proba`), so a
        token's value does not depend on ``rows``. Callers pass as ``rows`` the tokens
        that can be shown at all (those whose text is spun with a probability at the
        evidence threshold or above); the evidence model is walked for those only.
        """
        model = getattr(self, "evidence_model_", None)
        if model is None or len(fs.tok) == 0:
            return tok_prob
        pick = np.ones(len(fs.tok), dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
        out = np.array(tok_prob, dtype=np.float64, copy=True)
        if not pick.any():
            return out
        if sent_doc is None:
            sent_doc = np.arange(len(fs))
        tok_doc = np.asarray(sent_doc)[fs.tok_sent]
        # the tokens of the documents that hold a picked token: their context columns need all of them
        near = np.isin(tok_doc, np.unique(tok_doc[pick]))
        context = self.info_["evidence_context"]
        keys = fs.keys[near] if context.get("echo") else None
        X = token_matrix(fs.tok[near], fs.tok_sent[near], sent_doc, context, keys)
        out[pick] = model.predict_proba(X[pick[near]])[:, 1]
        return out

    def evidence_proba(self, tok_prob: np.ndarray, spun: np.ndarray) -> np.ndarray:
        """Probability that each token was substituted, given its context: what evidence shows.

        The token model answers "was this word substituted?" for a word of its
        training mix, in which about half the documents were spun and a set share of
        their words replaced; in the wild most text is original. So its odds are
        turned into a likelihood ratio (divided by the training mix's odds,
        ``info_["token_substituted_share"]``), put on the odds of a word of spun text
        (:data:`SPUN_WORD_SHARE`) and weighted by ``spun``, per token the probability
        that its text was spun at all (the detector gives the larger of its
        document's likelihood and its sentence's probability). On original text the
        evidence fades with that probability; on spun text it keeps the words that
        stand out from the text's own wording.
        """
        share = float(self.info_.get("token_substituted_share") or TRAINING_SUBSTITUTED_SHARE)
        q = np.clip(tok_prob, 1e-9, 1 - 1e-9)
        ratio = q / (1 - q) * (1 - share) / share
        odds = ratio * SPUN_WORD_SHARE / (1 - SPUN_WORD_SHARE)
        return np.asarray(spun, dtype=np.float64) * odds / (1 + odds)

    def sentence_inputs(self, fs: FeatureSet, tok_prob: np.ndarray | None = None,
                        plain_prob: np.ndarray | None = None) -> np.ndarray:
        """Sentence features plus aggregated token probabilities (and those of the plain
        model when there is one; ``plain_prob`` None: computed with each sentence its own
        document), plus, for a model retrained on a user's data, the log-odds of its base model."""
        if tok_prob is None:
            tok_prob = self.token_proba(fs)
        parts = [fs.sent, aggregate_tokens(tok_prob, fs.tok_sent, len(fs))]
        if getattr(self, "plain_model_", None) is not None:
            if plain_prob is None:
                plain_prob = self.plain_token_proba(fs)
            assert plain_prob is not None  # the model has a plain model
            parts.append(aggregate_tokens(plain_prob, fs.tok_sent, len(fs)))
        Z = np.hstack(parts)
        prior = getattr(self, "prior_", None)
        if prior is not None:
            p = np.clip(prior.sentence_proba(fs, tok_prob, plain_prob), 1e-4, 1 - 1e-4)
            Z = np.hstack([Z, np.log(p / (1 - p))[:, None]])
        return Z

    def sentence_proba(self, fs: FeatureSet, tok_prob: np.ndarray | None = None,
                       plain_prob: np.ndarray | None = None) -> np.ndarray:
        """Calibrated probability that each sentence was spun (``plain_prob`` as in :meth:`sentence_inputs`)."""
        if len(fs) == 0:
            return np.zeros(0)
        return self.sentence_model_.predict_proba(self.sentence_inputs(fs, tok_prob, plain_prob))[:, 1]

    def document_proba(self, fs: FeatureSet, tok_prob: np.ndarray, sent_prob: np.ndarray, sent_doc: np.ndarray,
                       n_docs: int, plain_prob: np.ndarray | None = None) -> np.ndarray:
        """Probability that each document was spun, from all its evidence (:func:`document_inputs`).

        ``sent_doc[i]`` is the document of sentence ``i`` of ``fs`` (-1: none). A rule
        fitted on fewer inputs (a model of spin-detect 0.2) reads the first columns.
        ``plain_prob``: the plain model's token probabilities (:meth:`plain_token_proba`; None:
        computed here when the model has a plain model).
        """
        if n_docs == 0:
            return np.zeros(0)
        if plain_prob is None and getattr(self, "plain_model_", None) is not None:
            plain_prob = self.plain_token_proba(fs, sent_doc)
        X = document_inputs(sent_prob, sent_doc, n_docs, fs.sent, tok_prob, fs.tok, fs.tok_sent, plain_prob)
        return self.document_model_.predict_proba(X[:, : document_model_inputs(self.document_model_)])[:, 1]


def subset(fs: FeatureSet, rows: np.ndarray) -> FeatureSet:
    """The features of sentences ``rows`` (in that order), as a new :class:`FeatureSet`."""
    rows = np.asarray(rows, dtype=np.int64)
    remap = np.full(len(fs), -1, dtype=np.int64)
    remap[rows] = np.arange(len(rows))
    tok_keep = remap[fs.tok_sent] >= 0
    # Tokens must stay grouped in the new sentence order.
    order = np.flatnonzero(tok_keep)
    order = order[np.argsort(remap[fs.tok_sent[order]], kind="stable")]
    starts = np.r_[0, np.cumsum([len(t) for t in fs.tokens])]
    originals = [fs.originals[j] for r in rows for j in range(starts[r], starts[r + 1])]
    nbr = [fs.nbr_originals[j] for r in rows for j in range(starts[r], starts[r + 1])]
    return FeatureSet(fs.sent[rows], fs.tok[order], remap[fs.tok_sent[order]], [fs.tokens[r] for r in rows],
                      originals, nbr)


def concat(parts: list[FeatureSet]) -> FeatureSet:
    """Feature sets of consecutive batches of sentences, joined in order."""
    offsets = np.cumsum([0] + [len(p) for p in parts[:-1]])
    return FeatureSet(np.vstack([p.sent for p in parts]), np.vstack([p.tok for p in parts]),
                      np.concatenate([p.tok_sent + o for p, o in zip(parts, offsets)]),
                      [t for p in parts for t in p.tokens], [o for p in parts for o in p.originals],
                      [o for p in parts for o in p.nbr_originals])


def document_model_inputs(model: Any) -> int:
    """How many of the :data:`~spin_detect.learning.documents.DOCUMENT_INPUTS` columns a document rule reads."""
    mean = getattr(model, "mean", None)  # an exported LogisticRule: its inputs less the cap column
    if mean is not None:
        return len(mean) + 1
    n_inputs = getattr(model, "n_inputs", None)  # exported CappedTrees
    if n_inputs is not None:
        return int(n_inputs)
    fitted = getattr(model, "model_", None)  # a fitted DocumentScorer (a pipeline) or TreeDocumentScorer
    if fitted is not None:
        return int(fitted.n_features_in_) + 1
    return len(DOCUMENT_INPUTS)


def empty_features() -> FeatureSet:
    """The features of no sentence (right shapes, no rows)."""
    return FeatureSet(np.zeros((0, len(FEATURE_NAMES))), np.zeros((0, len(TOKEN_FEATURES))),
                      np.zeros(0, dtype=np.int64), [], [], [])
