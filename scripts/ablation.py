"""Feature ablation on the dev split: what each feature group adds, per spinner style.

For a fast, comparable picture this fits only the sentence level (gradient
boosting over sentence features, no token model) on the training split, once
with every group and once without each group, and reports dev ROC-AUC of
spun sentences of each style and rate against all original dev sentences.
Held-out source and style rows are in dev, as everywhere in evaluation.

    python scripts/ablation.py > models/default/ABLATION.md
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

from spin_detect.features import FEATURE_GROUPS, FEATURE_NAMES
from spin_detect.model import extract
from spin_detect.resources import default_extractor

STYLES = ["wordnet", "wordnet-rare", "commercial", "mixed", "fluent", "moby"]


def main() -> None:
    df = pd.read_csv("work-data/datasets/sentences.csv.gz", keep_default_na=False, dtype={"text": str})
    df = df[df["split"].isin(["train", "dev"])].reset_index(drop=True)
    X = extract(df["text"].tolist(), default_extractor()).sent
    y = df["label"].to_numpy()
    tr = (df["split"] == "train").to_numpy()
    dv = ~tr
    configs = {"all features": list(FEATURE_GROUPS)}
    configs.update({f"without {g}": [h for h in FEATURE_GROUPS if h != g] for g in FEATURE_GROUPS})
    configs.update({f"only {g}": [g] for g in FEATURE_GROUPS})
    cols_out = ["all"] + [f"{s} {r}" for s in STYLES for r in ("light", "heavy")]
    rows = []
    for name, groups in configs.items():
        cols = [i for i, f in enumerate(FEATURE_NAMES) if any(f in FEATURE_GROUPS[g] for g in groups)]
        m = HistGradientBoostingClassifier(max_iter=300, random_state=0).fit(X[tr][:, cols], y[tr])
        p = m.predict_proba(X[dv][:, cols])[:, 1]
        d = df[dv].assign(p=p)
        neg = d[d["label"] == 0]["p"].to_numpy()
        res = [roc_auc_score(d["label"], d["p"])]
        for s in STYLES:
            for r in ("light", "heavy"):
                pos = d[(d["label"] == 1) & (d["style"] == s) & (d["rate_name"] == r)]["p"].to_numpy()
                res.append(roc_auc_score(np.r_[np.zeros(len(neg)), np.ones(len(pos))], np.r_[neg, pos]))
        rows.append((name, res))
        print(name, " ".join(f"{v:.3f}" for v in res), file=sys.stderr)
    print("# Feature ablation (dev split, sentence level only, no token model)\n")
    print("Written by `python scripts/ablation.py`. ROC-AUC of spun dev sentences of each style and rate")
    print("against all original dev sentences; `moby` is the style held out of training.\n")
    print("| features | " + " | ".join(cols_out) + " |")
    print("|---" * (len(cols_out) + 1) + "|")
    for name, res in rows:
        print(f"| {name} | " + " | ".join(f"{v:.3f}" for v in res) + " |")


if __name__ == "__main__":
    main()
