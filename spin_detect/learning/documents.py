"""Document features: what the document rule sees of a document.

:func:`document_features` summarises the spun probabilities of its sentences;
:func:`document_inputs` adds the weak evidence of all its tokens and what its
register looks like (the mean token and sentence features: how rare its words
are, how well they fit), so that the rule can add up evidence that no single
sentence carries and judge it against what text of that kind shows. Plain
numpy, no scikit-learn: scoring needs these, training the rule
(:class:`~spin_detect.learning.estimators.TreeDocumentScorer`, or
:class:`~spin_detect.learning.estimators.DocumentScorer` on few documents) fits on them.
"""

from __future__ import annotations

import numpy as np

from spin_detect.features import FEATURE_NAMES, TOKEN_FEATURES, group_top_k_sum

__all__ = ["CLOZE_EVIDENCE", "DOCUMENT_FEATURES", "DOCUMENT_INPUTS", "PLAIN_EVIDENCE", "PRIOR_P", "PRIOR_SENTENCES",
           "REGISTER_TOKEN_FEATURES", "SCALED_EVIDENCE", "SPIN_EVIDENCE", "document_features", "document_inputs"]


#: Columns of :func:`document_features`.
DOCUMENT_FEATURES = ("n_sentences_log", "p_mean", "p_max", "p_top3", "share_over_50", "share_over_80",
                     "logit_mean", "longest_run_share", "p_any")


def _logit(p: np.ndarray | float) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


#: Short documents carry little evidence: means and shares are smoothed as if
#: every document also had PRIOR_SENTENCES sentences of probability PRIOR_P (a
#: typical original sentence), so one odd sentence does not make a one-sentence
#: document look fully spun. Fixed a priori, not tuned; negligible for long documents.
PRIOR_SENTENCES = 2.0
PRIOR_P = 0.1


def document_features(probs: np.ndarray, doc_index: np.ndarray, n_docs: int) -> np.ndarray:
    """Document-level features from the spun probabilities of its sentences.

    ``doc_index[i]`` is the document of sentence ``i`` (sentences of a document
    in order). Shares and means make the features independent of length, so a
    long original document is not flagged for having many sentences; they are
    smoothed towards a typical original sentence (:data:`PRIOR_SENTENCES`,
    :data:`PRIOR_P`) so that a short document is not judged on one sentence
    alone. ``p_top3`` and the longest run of sentences over 0.5 catch documents
    spun only in part. ``p_any`` (noisy-or of the sentence probabilities) is
    not an input of the regression but its ceiling (see :class:`DocumentScorer`).
    """
    probs = np.asarray(probs, dtype=float)
    out = np.zeros((n_docs, len(DOCUMENT_FEATURES)))
    n = np.bincount(doc_index, minlength=n_docs).astype(float)
    a, p0 = PRIOR_SENTENCES, PRIOR_P
    safe = n + a
    out[:, 0] = np.log1p(n)
    out[:, 1] = (np.bincount(doc_index, weights=probs, minlength=n_docs) + a * p0) / safe
    mx = np.zeros(n_docs)
    np.maximum.at(mx, doc_index, probs)
    out[:, 2] = mx
    out[:, 3] = (group_top_k_sum(doc_index, probs, n_docs, 3) + (3 - np.minimum(n, 3)) * p0) / 3
    out[:, 4] = (np.bincount(doc_index, weights=(probs > 0.5).astype(float), minlength=n_docs) + a * p0) / safe
    out[:, 5] = (np.bincount(doc_index, weights=(probs > 0.8).astype(float), minlength=n_docs) + a * p0) / safe
    out[:, 6] = (np.bincount(doc_index, weights=_logit(probs), minlength=n_docs) + a * _logit(p0)) / safe
    # Longest run of consecutive sentences over 0.5, as a share of the document.
    run = np.zeros(n_docs)
    cur = 0
    prev = -1
    for di, hi in zip(doc_index.tolist(), (probs > 0.5).tolist()):
        if di != prev:
            cur = 0
            prev = di
        cur = cur + 1 if hi else 0
        if cur > run[di]:
            run[di] = cur
    out[:, 7] = run / safe
    # Probability that at least one sentence is spun if sentences were independent (noisy-or).
    log_none = np.bincount(doc_index, weights=np.log1p(-np.minimum(probs, 1 - 1e-12)), minlength=n_docs)
    out[:, 8] = 0.0 - np.expm1(log_none)  # 0.0 - x: a document of nothing is 0.0, not -0.0
    return out


#: Token evidence of a document, length-free: mean probability and log-odds of its words, the shares of
#: words over 0.2, 0.35, 0.5 and 0.7, and the mean of its 10 most suspicious words.
TOKEN_EVIDENCE = ("tok_p_mean", "tok_logit_mean", "tok_share_20", "tok_share_35", "tok_share_50", "tok_share_70",
                  "tok_top10_mean")
#: Token features whose document means describe its register.
REGISTER_TOKEN_FEATURES = ("logfreq", "lp_left", "pmi_left", "unseen_left", "oov", "capitalised", "n_candidates",
                           "syn_delta", "nbr_delta", "tri_center", "syn_colloc", "topic_fit")
#: Evidence whose weight grows with length: a share of suspicious words means more in 600 words than
#: in 60 (under the null of original text, a share's noise shrinks as 1/sqrt(n)). Each of these
#: shares and means, times sqrt(number of words), with sqrt(number of words) itself, lets the linear
#: rule form z-scores against what original text of that length shows, offset and scale learned.
SCALED_EVIDENCE = ("tok_logit_mean", "tok_share_20", "tok_share_35", "tok_share_50", "tok_share_70", "p_mean",
                   "share_over_50")
#: How unexpected a document's words are to the cloze model (:mod:`spin_detect.tables.cloze`), over the
#: words it has an opinion of: the mean ``lm_surprise`` and the share over :data:`LM_SURPRISE_HIGH`, each
#: also times sqrt(number of such words). No thesaurus is involved, so this evidence holds for spinners
#: whose dictionaries the detector does not know (added last: an older rule reads the columns before them).
CLOZE_EVIDENCE = ("mean_lm_surprise", "lm_surprise_high", "mean_lm_surprise_x_sqrt_words",
                  "lm_surprise_high_x_sqrt_words")
#: The plain token model's evidence (:mod:`spin_detect.learning.plain`: substitution evidence that needs no
#: thesaurus): as :data:`TOKEN_EVIDENCE` over its probabilities, and the mean log-odds and the shares over
#: 0.35 and 0.5 times sqrt(number of words). Zero for a model without a plain model (its rule ignores them).
PLAIN_EVIDENCE = ("plain_p_mean", "plain_logit_mean", "plain_share_20", "plain_share_35", "plain_share_50",
                  "plain_share_70", "plain_top10_mean", "plain_logit_mean_x_sqrt_words",
                  "plain_share_35_x_sqrt_words", "plain_share_50_x_sqrt_words")
#: Columns of :func:`document_inputs`: :data:`DOCUMENT_FEATURES` first (a rule fitted on those alone
#: reads the first columns), then token evidence, register means and sentence-feature means, then
#: the length-scaled evidence (spin-detect 0.4; a rule of 0.3 reads the columns before it), then
#: :data:`CLOZE_EVIDENCE`, then :data:`PLAIN_EVIDENCE` (a rule fitted before it reads the columns before it).
DOCUMENT_INPUTS = (DOCUMENT_FEATURES + TOKEN_EVIDENCE + tuple(f"mean_{f}" for f in REGISTER_TOKEN_FEATURES)
                   + tuple(f"mean_{f}" for f in FEATURE_NAMES) + ("sqrt_words",)
                   + tuple(f"{f}_x_sqrt_words" for f in SCALED_EVIDENCE) + CLOZE_EVIDENCE + PLAIN_EVIDENCE)
#: The columns of :data:`DOCUMENT_INPUTS` that measure evidence of spinning: more of any of them never
#: makes a document less likely spun (the tree rule is constrained so; see
#: :class:`~spin_detect.learning.estimators.TreeDocumentScorer`). Length, register and sentence-feature
#: means are not: they say what kind of text it is, against which the evidence is weighed.
SPIN_EVIDENCE = tuple(c for c in DOCUMENT_INPUTS if c not in ("n_sentences_log", "p_any", "sqrt_words") and (
    c in DOCUMENT_FEATURES or c in TOKEN_EVIDENCE or c in CLOZE_EVIDENCE or c in PLAIN_EVIDENCE
    or c.endswith("_x_sqrt_words")))
#: ``lm_surprise`` over which a word counts as unexpected (``lm_surprise_high``): set at the 95th percentile
#: over the words of 3,000 original sentences of the training split with the first (feed-forward) cloze
#: table (median 2.65, mean 3.16). With today's LSTM table, 4.0% of such words are over it (median 2.14,
#: mean 2.78, 95th percentile 7.11; 3,000 original training sentences, thirty-ninth session). Kept as it is:
#: the document rule is trained on the column as it is, and a change of either number is a retrain.
LM_SURPRISE_HIGH = 7.5
#: The mean of a document without a word the cloze model has an opinion of (or without a cloze model): the
#: first table's mean (today's: 2.78, above).
_TYPICAL_LM_SURPRISE = 3.16
#: topic_fit of a word without a vector (NaN) counts as a typical fit in the document mean.
_TYPICAL_TOPIC_FIT = 0.45


def document_inputs(sent_prob: np.ndarray, sent_doc: np.ndarray, n_docs: int, sent_feats: np.ndarray,
                    tok_prob: np.ndarray, tok_feats: np.ndarray, tok_sent: np.ndarray,
                    plain_prob: np.ndarray | None = None) -> np.ndarray:
    """The document rule's inputs (columns :data:`DOCUMENT_INPUTS`), one row per document.

    ``sent_doc[i]`` is the document of sentence ``i`` (-1: not part of any);
    ``sent_feats`` are the sentence features (:data:`~spin_detect.features.FEATURE_NAMES`),
    ``tok_feats`` and ``tok_prob`` the token features and probabilities, ``tok_sent``
    each token's sentence, ``plain_prob`` the plain token model's probabilities (None: the
    :data:`PLAIN_EVIDENCE` columns are 0). Sentences of a document count in their order.
    """
    sent_doc = np.asarray(sent_doc, dtype=np.int64)
    used = np.flatnonzero(sent_doc >= 0)
    used = used[np.argsort(sent_doc[used], kind="stable")]
    out = np.zeros((n_docs, len(DOCUMENT_INPUTS)))
    k = len(DOCUMENT_FEATURES)
    out[:, :k] = document_features(np.asarray(sent_prob)[used], sent_doc[used], n_docs)
    # token evidence and register over word-like tokens
    tok_doc = sent_doc[tok_sent] if len(tok_sent) else np.zeros(0, dtype=np.int64)
    words = (tok_doc >= 0) & (tok_feats[:, TOKEN_FEATURES.index("wordlike")] > 0) if len(tok_doc) else \
        np.zeros(0, dtype=bool)
    d, p = tok_doc[words], np.asarray(tok_prob, dtype=float)[words]
    n = np.maximum(np.bincount(d, minlength=n_docs), 1).astype(float)

    def mean(x: np.ndarray) -> np.ndarray:
        return np.bincount(d, weights=x, minlength=n_docs) / n

    def evidence_of(p: np.ndarray) -> list[np.ndarray]:
        top10 = group_top_k_sum(d, p, n_docs, 10) / np.minimum(n, 10) if len(d) else np.zeros(n_docs)
        return [mean(p), mean(_logit(p))] + [mean((p > c).astype(float)) for c in (0.2, 0.35, 0.5, 0.7)] + [top10]

    evidence = evidence_of(p)
    register = []
    for f in REGISTER_TOKEN_FEATURES:
        x = tok_feats[words, TOKEN_FEATURES.index(f)].astype(float)
        register.append(mean(np.where(np.isnan(x), _TYPICAL_TOPIC_FIT, x)))
    n_sent = np.maximum(np.bincount(sent_doc[used], minlength=n_docs), 1).astype(float)
    sent_means = [np.bincount(sent_doc[used], weights=sent_feats[used, j], minlength=n_docs) / n_sent
                  for j in range(sent_feats.shape[1])]
    base = np.column_stack(evidence + register + sent_means)
    k2 = k + base.shape[1]
    out[:, k:k2] = base
    root = np.sqrt(np.bincount(d, minlength=n_docs).astype(float))
    out[:, k2] = root
    for j, f in enumerate(SCALED_EVIDENCE):
        out[:, k2 + 1 + j] = out[:, DOCUMENT_INPUTS.index(f)] * root
    surprise = tok_feats[words, TOKEN_FEATURES.index("lm_surprise")].astype(float) if len(d) else np.zeros(0)
    has = ~np.isnan(surprise)
    n_has = np.bincount(d[has], minlength=n_docs).astype(float)
    seen = n_has > 0
    mean_s = np.full(n_docs, _TYPICAL_LM_SURPRISE)
    high = np.zeros(n_docs)
    mean_s[seen] = (np.bincount(d[has], weights=surprise[has], minlength=n_docs)[seen] / n_has[seen])
    high[seen] = (np.bincount(d[has], weights=(surprise[has] > LM_SURPRISE_HIGH).astype(float),
                              minlength=n_docs)[seen] / n_has[seen])
    c = DOCUMENT_INPUTS.index(CLOZE_EVIDENCE[0])
    out[:, c: c + 4] = np.column_stack([mean_s, high, mean_s * np.sqrt(n_has), high * np.sqrt(n_has)])
    if plain_prob is not None:
        plain = evidence_of(np.asarray(plain_prob, dtype=float)[words])
        c = DOCUMENT_INPUTS.index(PLAIN_EVIDENCE[0])
        out[:, c: c + 7] = np.column_stack(plain)
        out[:, c + 7: c + 10] = np.column_stack([plain[1], plain[3], plain[4]]) * root[:, None]
    return out
