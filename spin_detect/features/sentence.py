"""Sentence features: plain aggregates (max, mean, counts over thresholds, shares) of token scores."""

from __future__ import annotations

import numpy as np

from spin_detect.features.groups import group_quantile, group_top2
from spin_detect.features.tokens import TokenScores
from spin_detect.tables.reference import UNK

__all__ = ["FEATURE_GROUPS", "FEATURE_NAMES", "TOPIC_LOW", "sentence_features"]

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

#: A word whose topic fit is under this is counted as off-topic (``topic_low_count``);
#: cosines of content words with their sentence average about 0.45 in original text.
TOPIC_LOW = 0.15


def sentence_features(ts: TokenScores, n_sent: int, has_trigrams: bool) -> np.ndarray:
    """The sentence feature matrix (columns :data:`FEATURE_NAMES`) aggregated from token scores.

    ``has_trigrams`` says whether the token scores include trigram counts (else the
    trigram features that need them are 0).
    """
    out = np.zeros((n_sent, len(FEATURE_NAMES)))
    if n_sent == 0:
        return out
    sent = ts.sent
    n_tok = np.bincount(sent, minlength=n_sent).astype(float)
    safe = np.maximum(n_tok, 1)

    def mean(x: np.ndarray) -> np.ndarray:
        return np.bincount(sent, weights=x, minlength=n_sent) / safe

    def smax(x: np.ndarray, empty: float = 0.0) -> np.ndarray:
        m = np.full(n_sent, -np.inf)
        np.maximum.at(m, sent, x)
        return np.where(np.isfinite(m), m, empty)

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(sent, weights=mask.astype(float), minlength=n_sent)

    def smin(x: np.ndarray, empty: float = 0.0) -> np.ndarray:
        return -smax(-x, -empty)

    lp_tok = 0.5 * (ts.lp_left + ts.lp_right)
    pmi_tok = 0.5 * (ts.pmi_left + ts.pmi_right)
    unseen = ts.unseen_left.astype(float) + ts.unseen_right
    oov = (ts.ids == UNK).astype(float)
    has_cand = np.array(ts.original, dtype=object) != "" if len(ts.original) else np.zeros(0, dtype=bool)
    # A centre trigram never seen although both of its pairs were.
    tri_unseen = ((ts.tri_center == 0) & ~ts.unseen_left & ~ts.unseen_right
                  & (ts.ids != UNK)).astype(float) if has_trigrams else np.zeros(len(ts.ids))
    susp = ts.syn_delta
    topic = ts.topic_fit
    has_topic = ~np.isnan(topic)
    topic0 = np.where(has_topic, topic, 0.0)
    n_topic = np.bincount(sent, weights=has_topic.astype(float), minlength=n_sent)
    f = {
        "n_tokens_log": np.log1p(n_tok),
        "oov_share": mean(oov),
        "lp_mean": mean(lp_tok),
        "lp_min": smin(np.minimum(ts.lp_left, ts.lp_right)),
        "lp_p10": group_quantile(sent, lp_tok, n_sent, 0.1),
        "pmi_mean": mean(pmi_tok),
        "pmi_min": smin(np.minimum(ts.pmi_left, ts.pmi_right)),
        "unseen_pair_share": mean(unseen) / 2,
        "unseen_pairs": np.bincount(sent, weights=unseen, minlength=n_sent) / 2,
        "isolated_share": mean((ts.unseen_left & ts.unseen_right).astype(float)),
        "rarity_max": smax(-ts.logfreq),
        "rarity_mean": mean(-ts.logfreq),
        "syn_delta_max": smax(susp),
        "syn_delta_top2": group_top2(sent, susp, n_sent),
        "syn_delta_mean_pos": mean(np.maximum(susp, 0)),
        "syn_count_over_2": np.bincount(sent, weights=(susp > 2).astype(float), minlength=n_sent),
        "syn_count_over_4": np.bincount(sent, weights=(susp > 4).astype(float), minlength=n_sent),
        "syn_share_over_2": mean((susp > 2).astype(float)),
        "syn_pmi_max": smax(ts.syn_pmi),
        "syn_pmi_count_over_2": np.bincount(sent, weights=(ts.syn_pmi > 2).astype(float),
                                            minlength=n_sent),
        "candidates_share": mean(has_cand.astype(float)),
        "colloc_gain_max": smax(ts.syn_colloc),
        "colloc_break_count": np.bincount(sent, weights=((ts.syn_colloc > 3) & (susp > 0)).astype(float),
                                          minlength=n_sent),
        "phrase_delta_max": smax(np.where(ts.span > 1, susp, 0.0)),
        "nbr_delta_max": smax(ts.nbr_delta),
        "nbr_delta_top2": group_top2(sent, ts.nbr_delta, n_sent),
        "nbr_count_over_2": count(ts.nbr_delta > 2),
        "nbr_count_over_4": count(ts.nbr_delta > 4),
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
