"""Metrics for sentence and document scores, overall and per group.

Every function takes labels and scores and returns plain dicts, so the same
numbers go to the terminal table, ``--json``, the model card and the notebook.
Per-style figures compare the spun items of one style against *all* original
items, which is how a user meets them: originals have no style.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    confusion_matrix,
    roc_auc_score,
    roc_curve,
)

if TYPE_CHECKING:
    from spin_detect.features import FeatureExtractor
    from spin_detect.learning.model import FeatureSet, SpinModel


class Scorer(Protocol):
    """What evaluation needs of a detector: its extractor and model."""

    extractor: FeatureExtractor
    model: SpinModel


__all__ = ["auc_interval", "binary_metrics", "evaluation_report", "evidence_figures", "grouped_metrics", "reliability",
           "wilson_interval"]

#: The two-sided 95% quantile of the normal distribution.
Z95 = 1.959964


def wilson_interval(k: int, n: int, z: float = Z95) -> list[float] | None:
    """The 95% Wilson score interval ``[low, high]`` of the share ``k / n`` (None when ``n`` is 0).

    Unlike the plain normal interval it stays inside 0-1 and is not empty at 0 or ``n``: 0 of 294
    originals flagged still allows up to 1.3%."""
    if n <= 0:
        return None
    p = k / n
    d = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / d
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return [float(max(0.0, centre - half)), float(min(1.0, centre + half))]


def auc_interval(auc: float, n_pos: int, n_neg: int, z: float = Z95) -> list[float] | None:
    """The 95% interval ``[low, high]`` of a ROC-AUC measured on ``n_pos`` spun and ``n_neg`` original
    items, by the standard error of Hanley and McNeil (1982), which takes the items as independent: right
    for documents, too narrow for sentences (those of one document move together). At an AUC of 1 the
    standard error is 0 and the interval is [1, 1]: read it as "no error seen", not as certainty."""
    if n_pos <= 0 or n_neg <= 0 or not np.isfinite(auc):
        return None
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    var = (auc * (1 - auc) + (n_pos - 1) * (q1 - auc * auc) + (n_neg - 1) * (q2 - auc * auc)) / (n_pos * n_neg)
    se = float(np.sqrt(max(var, 0.0)))
    return [float(max(0.0, auc - z * se)), float(min(1.0, auc + z * se))]


def _recall_at_fpr(y: np.ndarray, p: np.ndarray, fpr_target: float) -> float:
    fpr, tpr, _ = roc_curve(y, p)
    ok = fpr <= fpr_target
    return float(tpr[ok].max()) if ok.any() else 0.0


def binary_metrics(y: np.ndarray, p: np.ndarray, threshold: float = 0.5, intervals: bool = True) -> dict:
    """ROC-AUC, PR-AUC, F1, precision/recall at ``threshold``, recall at 1% and 5%
    false-positive rate, Brier score and the confusion matrix ``[[tn, fp], [fn, tp]]``; 95% intervals of
    the recall, the false-positive rate (:func:`wilson_interval`) and the ROC-AUC (:func:`auc_interval`)
    under ``recall_ci``, ``fpr_ci`` and ``roc_auc_ci`` unless ``intervals`` is False (sentences: they
    take items as independent, and the sentences of one document are not).

    A measure that the data cannot define is left out, not given as 0: ``fpr`` without original
    rows, ``recall`` and ``f1`` without spun ones, ``precision`` when nothing is called spun, and the
    ranking measures (ROC-AUC, PR-AUC, recall at a false-positive rate) unless both classes are there."""
    y = np.asarray(y, dtype=int)
    p = np.asarray(p, dtype=float)
    out: dict = {"n": len(y), "positives": int(y.sum())}
    pred = (p >= threshold).astype(int)
    cm = confusion_matrix(y, pred, labels=[0, 1])
    out["confusion"] = cm.tolist()
    tn, fp, fn, tp = (int(v) for v in cm.ravel())
    if tn + fp:
        out["fpr"] = fp / (tn + fp)
        if intervals:
            out["fpr_ci"] = wilson_interval(fp, tn + fp)
    if tp + fn:
        out["recall"] = tp / (tp + fn)
        if intervals:
            out["recall_ci"] = wilson_interval(tp, tp + fn)
        out["f1"] = 2 * tp / (2 * tp + fp + fn)
    if tp + fp:
        out["precision"] = tp / (tp + fp)
    if 0 < y.sum() < len(y):
        out["roc_auc"] = float(roc_auc_score(y, p))
        if intervals:
            out["roc_auc_ci"] = auc_interval(out["roc_auc"], tp + fn, tn + fp)
        out["pr_auc"] = float(average_precision_score(y, p))
        out["recall_at_1pct_fpr"] = _recall_at_fpr(y, p, 0.01)
        out["recall_at_5pct_fpr"] = _recall_at_fpr(y, p, 0.05)
    out["brier"] = float(brier_score_loss(y, p)) if len(y) else float("nan")
    return out


def reliability(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict]:
    """Calibration curve: per probability bin, mean predicted vs observed share spun."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    edges = np.arange(bins + 1) / bins  # np.linspace gives 0.6000000000000001, and 0.6 fell in 0.5-0.6
    idx = np.clip(np.digitize(p, edges) - 1, 0, bins - 1)
    out = []
    for b in range(bins):
        m = idx == b
        if m.any():
            out.append({"bin": [round(float(edges[b]), 6), round(float(edges[b + 1]), 6)], "n": int(m.sum()),
                        "predicted": float(p[m].mean()), "observed": float(y[m].mean())})
    return out


def grouped_metrics(frame: pd.DataFrame, by: str, threshold: float = 0.5, intervals: bool = True) -> dict:
    """Metrics per value of column ``by``: the positives of that value against all
    negatives (for ``style``/``rate_name``, which originals lack), or the rows of
    that value (for ``source``, which every row has)."""
    out = {}
    negatives = frame[frame["label"] == 0]
    for value in sorted(v for v in frame[by].dropna().unique() if v != ""):
        if by in ("style", "rate_name", "partial"):
            part = pd.concat([negatives, frame[(frame["label"] == 1) & (frame[by] == value)]])
        else:
            part = frame[frame[by] == value]
        out[str(value)] = binary_metrics(part["label"], part["p"], threshold, intervals)
    return out


def evaluation_report(sent: pd.DataFrame, docs: pd.DataFrame, sentence_threshold: float,
                      document_threshold: float) -> dict:
    """Full report: sentence and document metrics, overall and per source, style,
    rate and (documents) partial spinning; reliability curves.

    ``sent`` and ``docs`` need ``label`` and ``p`` columns and may carry
    ``source``, ``style``, ``rate_name`` (and ``partial`` for documents).
    """
    report: dict = {"thresholds": {"sentence": sentence_threshold, "document": document_threshold}}
    for level, frame, thr in (("sentence", sent, sentence_threshold), ("document", docs, document_threshold)):
        per_doc = level == "document"  # intervals for documents only (binary_metrics)
        r = {"overall": binary_metrics(frame["label"], frame["p"], thr, per_doc),
             "reliability": reliability(frame["label"], frame["p"])}
        for col in ("source", "style", "rate_name", "partial"):
            if col in frame.columns and frame[col].astype(str).str.len().gt(0).any():
                r[f"by_{col}"] = grouped_metrics(frame.assign(**{col: frame[col].astype(str)}), col, thr, per_doc)
        if level == "document" and "source" in frame.columns:
            orig = frame[frame["label"] == 0]
            flagged = {str(s): (int((g["p"] >= thr).sum()), len(g)) for s, g in orig.groupby("source")}
            r["original_flagged_by_source"] = {s: k / n for s, (k, n) in flagged.items()}
            r["original_flagged_counts_by_source"] = {s: [k, n] for s, (k, n) in flagged.items()}
        report[level] = r
    return report


def score_frame_for_evaluation(detector: Scorer, df: pd.DataFrame, features: FeatureSet | None = None,
                               progress: Callable[[int], None] | None = None
                               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sentence and document scores of a labelled frame, with its grouping columns.

    Documents are the groups of :func:`spin_detect.learning.train.document_groups`; a
    document is spun if any of its sentences is. Returns ``(sentences, documents)``
    frames with ``label`` and ``p`` columns, ready for :func:`evaluation_report`.
    """
    from spin_detect.learning.model import extract
    from spin_detect.learning.train import document_groups

    df = df.reset_index(drop=True)
    fs = features if features is not None else extract(df["text"].tolist(), detector.extractor, progress=progress)
    sent = df.copy()
    g = document_groups(sent)
    tok_prob = detector.model.token_proba(fs, g)
    plain_prob = detector.model.plain_token_proba(fs, g)
    sent["p"] = detector.model.sentence_proba(fs, tok_prob, plain_prob)
    n_docs = int(g.max()) + 1 if len(g) else 0
    d_prob = detector.model.document_proba(fs, tok_prob, sent["p"].to_numpy(), g, n_docs, plain_prob)
    cols = {"label": ("label", "max")}
    for c in ("source", "style", "rate_name", "partial", "doc_id"):
        if c in sent.columns:
            cols[c] = (c, "first")
    docs = sent.groupby(g).agg(**cols)
    docs["p"] = d_prob
    if "partial" in docs.columns:
        docs["partial"] = docs["partial"].astype(str).where(docs["label"] == 1, "")
    return sent, docs


def evidence_figures(detector: Scorer, df: pd.DataFrame, features: FeatureSet | None = None,
                     threshold: float = 0.5, max_ranked: int | None = 20_000) -> dict:
    """How far a person can trust the evidence, on labelled data with token labels (a ``changes`` column).

    Per token, the evidence probability the detector shows
    (:meth:`~spin_detect.learning.model.SpinModel.evidence_proba` of
    :meth:`~spin_detect.learning.model.SpinModel.evidence_token_proba`, given the larger of
    the document's likelihood and the sentence's probability). Returns:
    ``false_per_100_original_sentences`` (evidence tokens at ``threshold`` or above in
    documents that are originals, per 100 of their sentences); ``precision`` and
    ``recall`` overall and ``by_rate`` (evidence tokens in spun documents that are real
    substitutions; real substitutions that are evidence); ``true_original_top1`` /
    ``_top3`` (real substitutions shown as evidence whose true original is the first /
    among the (up to three) originals of the first one's span, as a report lists them; at most
    ``max_ranked`` of them are ranked, chosen evenly) and ``original_shown``.
    Documents are original when ``variant`` is ``original`` (else: label 0 documents).
    """
    import json

    from spin_detect.features.originals import RANKED_ORIGINALS, SHOWN_ORIGINALS, OriginalRanker
    from spin_detect.learning.model import extract, token_labels
    from spin_detect.learning.train import document_groups

    df = df.reset_index(drop=True)
    fs = features if features is not None else extract(df["text"].tolist(), detector.extractor)
    model = detector.model
    g = document_groups(df)
    tok_prob = model.token_proba(fs, g)
    plain_prob = model.plain_token_proba(fs, g)
    sent_p = model.sentence_proba(fs, tok_prob, plain_prob)
    doc_p = model.document_proba(fs, tok_prob, sent_p, g, int(g.max()) + 1 if len(g) else 0, plain_prob)
    ts = fs.tok_sent
    spun = np.maximum(doc_p[g][ts], sent_p[ts])
    ev = model.evidence_proba(model.evidence_token_proba(fs, g, tok_prob, spun >= threshold), spun) >= threshold
    changes = df["changes"].fillna("[]").astype(str).tolist()
    y = token_labels(fs, changes).astype(bool)
    if "variant" in df.columns:
        orig_doc = (df["variant"].astype(str) == "original").to_numpy()
    else:
        orig_doc = (df.groupby(g)["label"].transform("max") == 0).to_numpy()
    rate = df["rate_name"].astype(str).to_numpy() if "rate_name" in df.columns else np.full(len(df), "")
    out: dict = {"threshold": threshold, "original_sentences": int(orig_doc.sum()),
                 "false_per_100_original_sentences": round(100 * float(ev[orig_doc[ts]].sum()) /
                                                           max(1, int(orig_doc.sum())), 2)}
    spun_tok = ~orig_doc[ts]

    def _pr(mask: np.ndarray) -> dict:
        shown = ev & mask
        return {"evidence_tokens": int(shown.sum()), "precision": float(y[shown].mean()) if shown.any() else None,
                "recall": float(ev[mask & y].mean()) if (mask & y).any() else None}

    out.update(_pr(spun_tok))
    out["by_rate"] = {r: _pr(spun_tok & (rate[ts] == r)) for r in sorted(set(rate[~orig_doc])) if r}
    real = np.flatnonzero(ev & y)
    if max_ranked is not None and len(real) > max_ranked:
        real = real[np.linspace(0, len(real) - 1, max_ranked).astype(np.int64)]
    starts = np.r_[0, np.cumsum([len(t) for t in fs.tokens])]
    words: dict[int, list[str]] = {}
    requests, wants = [], []
    for k in real.tolist():
        i = int(ts[k])
        toks = fs.tokens[i]
        j = k - int(starts[i])
        truth = [c for c in json.loads(changes[i] or "[]") if toks[j].start < c[1] and c[0] < toks[j].end]
        wants.append(" ".join(str(truth[0][2]).lower().split()) if truth else "")
        requests.append((words.setdefault(i, [t.text for t in toks]), j))
    top1 = top3 = shown_any = 0
    for got, want in zip(OriginalRanker(detector.extractor).rank(requests, RANKED_ORIGINALS), wants):
        # as a report lists them: the first original's span, and up to three originals of that span
        ranked = [r.text for r in got if (r.start, r.length) == (got[0].start, got[0].length)][:SHOWN_ORIGINALS]
        shown_any += bool(ranked)
        top1 += bool(ranked) and ranked[0] == want
        top3 += want in ranked
    n = max(1, len(real))
    out.update({"ranked": len(real), "original_shown": shown_any / n, "true_original_top1": top1 / n,
                "true_original_top3": top3 / n})
    return out
