"""Measure ``train --reference``: does mixing a domain's own text into the reference help on that domain?

The held-out source (``bbc``: no training documents, only calibration and
test documents) stands for a user's domain. Its documents of the *reference
pool* (never labelled, see :mod:`scripts.corpora`) are counted into a domain
table, as ``spin-detect build-reference`` would; two models are then trained on
the same labelled rows (the default model's: train/dev, without the held-out
style and source), one with the packaged reference and one with the domain table
mixed in (:func:`spin_detect.tables.adapt.adapt_reference`). Both are scored on
the test documents; the table printed compares them on the domain and on the
other sources.

    python -m scripts.build domain-reference [--share 0.5] [--doc-share 1.0]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from scripts.corpora import pool_of, read_source, unit_hash
from spin_detect.detector import Detector
from spin_detect.features import default_extractor, extractor_with_reference
from spin_detect.learning.evaluate import binary_metrics, score_frame_for_evaluation
from spin_detect.learning.labelled import load_labelled
from spin_detect.learning.model import extract, subset
from spin_detect.learning.train import train_model
from spin_detect.tables.adapt import adapt_reference
from spin_detect.tables.packaged import default_reference
from spin_detect.tables.reference import build_reference

HELD_OUT_SOURCE, HELD_OUT_STYLE = "bbc", "moby"


def _figures(docs: pd.DataFrame, threshold: float) -> dict[str, float]:
    orig = docs[docs["label"] == 0]
    out = {"docs": len(docs), "originals": len(orig),
           "flagged originals %": 100 * float((orig["p"] >= threshold).mean()),
           "doc ROC-AUC": binary_metrics(docs["label"], docs["p"], threshold)["roc_auc"]}
    for name, part in (("light", docs["rate_name"] == "light"), ("partial", docs["partial"].astype(str) == "True")):
        spun = docs[(docs["label"] == 1) & part]
        out[f"recall {name} %"] = 100 * float((spun["p"] >= threshold).mean()) if len(spun) else float("nan")
    spun = docs[docs["label"] == 1]
    out["recall all %"] = 100 * float((spun["p"] >= threshold).mean())
    return out


def main(argv: list[str] | None = None) -> None:
    """Run the comparison and print a Markdown table (arguments as on the command line)."""
    ap = argparse.ArgumentParser(prog="python -m scripts.build domain-reference",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="work-data/datasets/sentences.csv.gz")
    ap.add_argument("--out", default="work-data/domain-reference")
    ap.add_argument("--share", type=float, default=0.5, help="domain share of the mixed counts")
    ap.add_argument("--doc-share", type=float, default=1.0,
                    help="share of the labelled documents used (by a hash of doc_id), for a quicker run")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    t0 = time.time()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table = out / f"{HELD_OUT_SOURCE}-reference.bin"
    domain_docs = ((d, t) for d, t in read_source(HELD_OUT_SOURCE) if pool_of(d) == "reference")
    domain = build_reference(domain_docs, table, meta={"built_by": "scripts/domain_reference.py"})
    mixed = adapt_reference(default_reference(), domain, args.share)
    print(f"domain table: {domain.meta.get('documents')} documents, {domain.total:,} tokens, {len(domain):,} words; "
          f"coverage {mixed.coverage:.1%}; {time.time() - t0:.0f}s", file=sys.stderr)
    df = load_labelled(pd.read_csv(args.data, keep_default_na=False, dtype={"text": str}))
    if args.doc_share < 1.0:
        df = df[df["doc_id"].map(lambda d: unit_hash(f"domain:{d}") < args.doc_share)].reset_index(drop=True)
    held_docs = set(df.loc[df["style"] == HELD_OUT_STYLE, "doc_id"]) | set(
        df.loc[df["source"] == HELD_OUT_SOURCE, "doc_id"])
    rows = (df["split"].isin(["train", "dev"]) & ~df["doc_id"].isin(held_docs)).to_numpy().nonzero()[0]
    # The calibration rows of the domain stay in: the thresholds are set per source, as for the default.
    rows = np.union1d(rows, ((df["split"] == "dev") & (df["source"] == HELD_OUT_SOURCE)
                             & (df["style"] != HELD_OUT_STYLE)).to_numpy().nonzero()[0])
    test_rows = (df["split"] == "test").to_numpy().nonzero()[0]
    results = {}
    extractors = (("packaged reference", default_extractor()), ("+ domain reference", extractor_with_reference(mixed)))
    for name, ex in extractors:
        t1 = time.time()
        fs = extract(df["text"].tolist(), ex)
        model, _ = train_model(df.iloc[rows].reset_index(drop=True), ex, seed=args.seed, features=subset(fs, rows))
        det = Detector(model, {"name": name}, ex)
        _, docs = score_frame_for_evaluation(det, df.iloc[test_rows], features=subset(fs, test_rows))
        th = model.thresholds_["balanced"]
        results[name] = {"domain (bbc)": _figures(docs[docs["source"] == HELD_OUT_SOURCE], th),
                         "other sources": _figures(docs[docs["source"] != HELD_OUT_SOURCE], th)}
        print(f"{name}: {time.time() - t1:.0f}s", file=sys.stderr)
    keys = list(next(iter(next(iter(results.values())).values())))
    print("| model | test documents | " + " | ".join(keys) + " |")
    print("|---|---|" + "---|" * len(keys))
    for name, parts in results.items():
        for part, fig in parts.items():
            print(f"| {name} | {part} | " + " | ".join(
                f"{fig[k]:.3f}" if k == "doc ROC-AUC" else f"{fig[k]:.1f}" if "%" in k else f"{fig[k]:,}"
                for k in keys) + " |")
    print(f"done in {time.time() - t0:.0f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
