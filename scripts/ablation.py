"""Feature ablation on the dev split: what each feature group adds, per spinner style.

For a fast, comparable picture this fits only the sentence level (gradient
boosting over sentence features, no token model) on the training split, once
with every group and once without each group, and reports dev ROC-AUC of
spun sentences of each style and rate against all original dev sentences.
A second table does the same for the token model and families of token
features. The held-out source and style never train; their dev rows are
scored, as everywhere in evaluation.

    python -m scripts.build ablation > models/default/ABLATION.md
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

from spin_detect.features import FEATURE_GROUPS, FEATURE_NAMES, TOKEN_FEATURES, default_extractor
from spin_detect.learning.model import extract, token_labels
from spin_detect.learning.train import TOKEN_MODEL, token_classifier

STYLES = ["wordnet", "wordnet-rare", "commercial", "phrasal", "mixed", "fluent", "distributional", "moby"]


def main(argv: list[str] | None = None) -> None:
    """Print the ablation tables (Markdown) to stdout (arguments as on the command line; None: ``sys.argv``)."""
    ap = argparse.ArgumentParser(prog="python -m scripts.build ablation", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="work-data/datasets/sentences.csv.gz",
                    help="the sentence dataset of 'python -m scripts.build datasets'")
    args = ap.parse_args(argv)
    df = pd.read_csv(args.data, keep_default_na=False, dtype={"text": str})
    df = df[df["split"].isin(["train", "dev"])].reset_index(drop=True)
    fs = extract(df["text"].tolist(), default_extractor())
    X = fs.sent
    y = df["label"].to_numpy()
    held = set(df.loc[df["style"] == "moby", "doc_id"]) | set(df.loc[df["source"] == "bbc", "doc_id"])
    dv = (df["split"] == "dev").to_numpy()
    tr = ~dv & ~df["doc_id"].isin(held).to_numpy()  # the held-out style and source never train
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
    print("Written by `python -m scripts.build ablation`. ROC-AUC of spun dev sentences of each style and rate")
    print("against all original dev sentences; `moby` and `bbc` are held out of training.\n")
    print("| features | " + " | ".join(cols_out) + " |")
    print("|---" * (len(cols_out) + 1) + "|")
    for name, res in rows:
        print(f"| {name} | " + " | ".join(f"{v:.3f}" for v in res) + " |")
    token_ablation(df, fs, tr, dv)


def token_ablation(df, fs, tr, dv) -> None:
    """Token model (as trained for the default model) with all token features and without each
    family; ROC-AUC of substituted dev words of each style against the words of original dev sentences."""
    families = {
        "topic fit": ("topic_fit",),
        "thesaurus": ("syn_delta", "syn_pmi", "syn_colloc", "phrase", "n_candidates", "tri_gain_syn"),
        "neighbours": ("nbr_delta", "nbr_pmi", "nbr_colloc", "tri_gain_nbr"),
        "trigrams": ("tri_left", "tri_center", "tri_right", "tri_gain_syn", "tri_gain_nbr"),
    }
    y_tok = token_labels(fs, df["changes"].astype(str).tolist())
    t_tr, t_dv = tr[fs.tok_sent], dv[fs.tok_sent]
    words = fs.tok[:, TOKEN_FEATURES.index("wordlike")] > 0
    label = df["label"].to_numpy()[fs.tok_sent]
    style = df["style"].to_numpy()[fs.tok_sent]
    styles = ["all"] + STYLES
    print("\n## Token model (word level)\n")
    print("ROC-AUC of substituted dev words against all words of original dev sentences (word-like tokens);")
    print(f"token model {TOKEN_MODEL} trained on the training split without the held-out style and source.\n")
    print("| token features | " + " | ".join(styles) + " |")
    print("|---" * (len(styles) + 1) + "|")
    for name, drop in [("all", ())] + [(f"without {k}", v) for k, v in families.items()]:
        cols = [i for i, f in enumerate(TOKEN_FEATURES) if f not in drop]
        m = token_classifier(0).fit(fs.tok[t_tr][:, cols], y_tok[t_tr])
        p = m.predict_proba(fs.tok[t_dv][:, cols])[:, 1]
        res = []
        for s in styles:
            keep = (words[t_dv] & ((label[t_dv] == 0) | (style[t_dv] == s))) if s != "all" else words[t_dv]
            res.append(roc_auc_score(y_tok[t_dv][keep], p[keep]))
        print(f"| {name} | " + " | ".join(f"{v:.3f}" for v in res) + " |")
        print(name, " ".join(f"{v:.3f}" for v in res), file=sys.stderr)


if __name__ == "__main__":
    main()
