"""Document thresholds of the presets: the likelihood above which each preset calls a document spun.

Each preset (:data:`PRESET_FPR`) may flag at most its share of the original documents the thresholds are
set on, in the worst of their sources when the sources are known (:func:`preset_thresholds`), so that no
register is flagged more than the preset allows; and at most :data:`POOLED_MARGIN` of that share of all of
them together: a margin for new documents, on which a source's share is a new draw.
"""

from __future__ import annotations

import numpy as np

__all__ = ["MIN_SOURCE_DOCS", "MIN_THRESHOLD_DOCS", "POOLED_MARGIN", "PRESET_FPR", "preset_thresholds",
           "threshold_problem"]

#: Share of original documents that each preset may flag, on calibration data
#: (in every source with at least MIN_SOURCE_DOCS original documents, when sources are known).
PRESET_FPR = {"strict": 0.002, "balanced": 0.01, "sensitive": 0.05}
MIN_SOURCE_DOCS = 50
#: Share of a preset's allowance that all original documents together may use (with sources known or not).
#: A threshold set to flag exactly 1% of a source's calibration originals flags about 1% of its new ones,
#: and a source of 200-340 new originals then shows more than 1% 32-56% of the time (binomial draws; one
#: of the test split's four large sources, 91% of the time). At 0.5% it is 8-18% (one of the four, 40%).
#: Decided before it was measured (thirty-sixth session); the measured cost is in ABLATION.md.
POOLED_MARGIN = 0.5


def preset_thresholds(p_doc: np.ndarray, y_doc: np.ndarray, doc_source: np.ndarray | None = None
                      ) -> dict[str, float]:
    """Document threshold of each preset: the lowest that flags (likelihood >= threshold) at most
    the preset's share of the original documents, taken in the worst source, so that no register
    (newswire, speeches, encyclopaedic text) is flagged more than the preset allows; all originals
    together may use only :data:`POOLED_MARGIN` of the share (the margin does not depend on whether the
    sources are known). Ties count: when most originals score exactly 0, the threshold is above 0, not 0
    (which would flag all)."""
    orig = y_doc == 0
    out = {}
    for name, fpr in PRESET_FPR.items():
        t = _flagging_at_most(p_doc[orig], fpr * POOLED_MARGIN)
        if doc_source is not None:
            for src in np.unique(doc_source[orig]):
                o = p_doc[orig & (doc_source == src)]
                if len(o) >= MIN_SOURCE_DOCS:
                    t = max(t, _flagging_at_most(o, fpr))
        out[name] = t
    return out


def _flagging_at_most(scores: np.ndarray, share: float) -> float:
    """The lowest threshold ``t`` with at most ``share`` of ``scores`` at or above it."""
    s = np.sort(np.asarray(scores, dtype=float))[::-1]
    allowed = int(np.floor(share * len(s)))
    if allowed >= len(s):
        return 0.0
    return float(np.nextafter(s[allowed], np.inf))  # just above the first score that must not be flagged


#: Original documents the rule's thresholds need for each preset to mean anything: at least one
#: original document the preset may flag with the margin, as :func:`_flagging_at_most` counts (the floor of the
#: share times the documents): strict 1,000, balanced 200, sensitive 40.
MIN_THRESHOLD_DOCS = {name: int(np.ceil(1 / (fpr * POOLED_MARGIN))) for name, fpr in PRESET_FPR.items()}


def threshold_problem(thresholds: object) -> str | None:
    """What is wrong with a model's document thresholds (a manifest's ``thresholds``), or None: it needs one
    number from 0 to 1 for every preset of :data:`PRESET_FPR`."""
    if not isinstance(thresholds, dict):
        return "no document thresholds"
    missing = [p for p in PRESET_FPR if p not in thresholds]
    if missing:
        return f"no document threshold for preset {', '.join(missing)}"
    bad = [f"{k} = {v!r}" for k, v in thresholds.items()
           if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.0 <= v <= 1.0]
    if bad:
        return f"document thresholds must be numbers from 0 to 1, got {', '.join(bad)}"
    return None
