"""Token-level scores: what the extractor computes for every token, and the token feature columns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["TOKEN_FEATURES", "TokenScores"]

#: Per-token features, for the token-level model that points at substituted words.
TOKEN_FEATURES: tuple[str, ...] = (
    "lp_left", "lp_right", "pmi_left", "pmi_right", "unseen_left", "unseen_right", "lp_outer_left",
    "lp_outer_right", "logfreq", "oov", "capitalised", "first", "wordlike", "syn_delta", "syn_pmi",
    "syn_colloc", "phrase", "n_candidates", "nbr_delta", "nbr_pmi", "nbr_colloc",
    "tri_left", "tri_center", "tri_right", "tri_gain_syn", "tri_gain_nbr", "topic_fit",
    "lm_gap", "lm_nll", "lm_surprise",
)


@dataclass
class TokenScores:
    """Token-level results for one batch of sentences (flat arrays over all tokens).

    Fields are named as the token features (:data:`TOKEN_FEATURES`) they become.
    ``sent`` gives each token's sentence index. ``syn_delta`` is the best
    ``delta`` of any synonym replacing the token (0 when none fits better),
    ``syn_pmi`` the same discounted by the frequency difference, ``syn_colloc``
    the strongest collocation gain, ``span`` the tokens the best replacement
    covers, and ``original`` the text of that synonym ("" when none); ``nbr_*``
    are the same for distributional neighbours. ``logfreq`` is the unigram log-probability;
    ``lp_outer_*`` are the log-probabilities of the pairs one step further out
    (they tell a break at this token from a break at its neighbour). ``lp_left`` and
    ``lp_right`` are the log-probabilities of the pairs the token makes with
    its neighbours, ``unseen_left``/``unseen_right`` whether those pairs were
    never counted. ``lm_*`` are the cloze model's scores (NaN without one; see
    :meth:`~spin_detect.features.extractor.FeatureExtractor._cloze_scores`).
    """

    sent: np.ndarray
    ids: np.ndarray
    lp_left: np.ndarray
    lp_right: np.ndarray
    pmi_left: np.ndarray
    pmi_right: np.ndarray
    unseen_left: np.ndarray
    unseen_right: np.ndarray
    syn_delta: np.ndarray
    syn_pmi: np.ndarray
    syn_colloc: np.ndarray
    span: np.ndarray
    original: list[str]
    nbr_delta: np.ndarray
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
    lm_gap: np.ndarray
    lm_nll: np.ndarray
    lm_surprise: np.ndarray
