"""Document reports: sentences, their scores and the evidence behind them.

This is the last step of the data flow (text -> sentences -> features ->
report). Until the sentence classifier exists the report carries the raw
feature scores; the structure (sentences with offsets and evidence) is the one
the classifier's report will extend.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from .features import FEATURE_NAMES, FeatureExtractor
from .segment import split_sentences

__all__ = ["analyse_text", "default_extractor"]


@lru_cache(maxsize=1)
def default_extractor() -> FeatureExtractor:
    """A :class:`FeatureExtractor` over the packaged reference and thesaurus (cached)."""
    from .resources import default_neighbours, default_reference, default_thesaurus, default_trigrams

    return FeatureExtractor(default_reference(), default_thesaurus(), default_neighbours(),
                            trigrams=default_trigrams())


def analyse_text(text: str, top: int = 3, extractor: FeatureExtractor | None = None) -> dict[str, Any]:
    """Split ``text`` into sentences and score each one.

    Returns a dict with ``sentences``: for each, its index, text, character
    offsets, feature values by name and ``evidence``: up to ``top`` tokens whose
    best synonym fits the context better than the word itself, as
    ``{word, start, end, likely_original, score}`` (score = gain in
    log-probability, in nats), strongest first.
    """
    ex = extractor or default_extractor()
    sents = split_sentences(text)
    tokens = [[t.text for t in s.tokens] for s in sents]
    ts = ex.score_tokens(tokens)
    feats = ex.features(ts, len(sents))
    out = []
    offset = 0
    for i, s in enumerate(sents):
        n = len(s.tokens)
        susp = ts.suspicion[offset : offset + n]
        evidence = []
        for j in np.argsort(-susp, kind="stable")[:top]:
            if susp[j] <= 0:
                break
            tok = s.tokens[j]
            evidence.append({"word": tok.text, "start": tok.start, "end": tok.end,
                             "likely_original": ts.original[offset + j], "score": round(float(susp[j]), 3)})
        out.append({
            "index": i, "text": s.text, "start": s.start, "end": s.end, "truncated": s.truncated,
            "features": {k: round(float(v), 4) for k, v in zip(FEATURE_NAMES, feats[i])},
            "evidence": evidence,
        })
        offset += n
    return {"sentences": out}
