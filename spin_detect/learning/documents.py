"""Document features: what the document rule sees of a document's sentence probabilities.

Plain numpy, no scikit-learn: scoring a document needs these, training the rule
(:class:`~spin_detect.learning.estimators.DocumentScorer`) fits on them.
"""

from __future__ import annotations

import numpy as np

from spin_detect.features import group_top_k_sum

__all__ = ["DOCUMENT_FEATURES", "PRIOR_P", "PRIOR_SENTENCES", "document_features"]


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
