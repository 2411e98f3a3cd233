"""Writes notebooks/evaluation.ipynb from the cells below (keeps the notebook reviewable as code).

    python notebooks/make_evaluation_notebook.py
"""

from pathlib import Path

import nbformat as nbf

CELLS = [
    ("md", """# spin-detect: evaluation of the default model

Runs top to bottom from a clean checkout (CI executes it). It reads the test metrics that
`python -m scripts.build default-model` wrote (`models/default/metrics.json`) and, for error analysis and the
new-domain experiment, original text from `../shared/corpora` (present on developer machines and in
CI, not on users' machines). Nothing here is trained on the documents it is evaluated on."""),
    ("code", """import json, sys
from pathlib import Path
import numpy as np, pandas as pd
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

ROOT = Path.cwd().parent if Path.cwd().name == "notebooks" else Path.cwd()
sys.path.insert(0, str(ROOT / "scripts"))
metrics = json.loads((ROOT / "models/default/metrics.json").read_text())
pd.set_option("display.width", 160)"""),
    ("md", "## Test metrics (documents and sentences never trained on; `bbc` and `moby` held out)"),
    ("code", """def table(level):
    rows = {"overall": metrics[level]["overall"]}
    for key in ("by_source", "by_style", "by_rate_name", "by_partial"):
        rows.update({f"{key[3:]}={k}": v for k, v in metrics[level].get(key, {}).items()})
    cols = ["n", "positives", "roc_auc", "pr_auc", "f1", "recall_at_1pct_fpr", "recall_at_5pct_fpr", "brier"]
    return pd.DataFrame(rows).T[cols]
table("sentence").round(3)"""),
    ("code", 'table("document").round(3)'),
    ("code", """pd.Series(metrics["document"]["original_flagged_by_source"], name="original documents flagged").map("{:.1%}".format)"""),
    ("md", "## Calibration (reliability of sentence and document probabilities)"),
    ("code", """fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for ax, level in zip(axes, ("sentence", "document")):
    rel = pd.DataFrame(metrics[level]["reliability"])
    ax.plot([0, 1], [0, 1], "k--", lw=1)
    ax.plot(rel["predicted"], rel["observed"], "o-")
    ax.set(title=f"{level} level (Brier {metrics[level]['overall']['brier']:.3f})",
           xlabel="mean predicted probability", ylabel="observed share spun")
fig.tight_layout()
fig.savefig(ROOT / "notebooks" / "calibration.png", dpi=80)"""),
    ("md", """## Error analysis on fresh text

Documents of the labelled pool (never in the reference statistics), from the held-out `bbc` source,
spun here with two styles. We look at the original sentences scored highest (false positives) and
the spun sentences scored lowest (misses), with the evidence the detector gives."""),
    ("code", """from corpora import pool_of, read_source
import spin_detect
from spin_detect.learning.spinner import spin_text

det = spin_detect.load_detector()
docs = [(d, t) for d, t in read_source("bbc") if pool_of(d) == "labelled"][:120]
rows = []
for i, (doc_id, text) in enumerate(docs):
    style = ("commercial", "moby")[i % 2]
    spun = spin_text(text, style, rate=0.25, seed=i)
    for variant, t in (("original", text), ("spun", spun.text)):
        rep = det.score_document(t)
        changed = {c.sentence for c in spun.changes} if variant == "spun" else set()
        for k, s in enumerate(rep.sentences):
            rows.append({"doc_id": doc_id, "variant": variant, "style": style if variant == "spun" else "",
                         "text": s.text, "p": s.probability, "doc_p": rep.likelihood,
                         "label": int(variant == "spun" and k in changed),
                         "evidence": ", ".join(f"{e.word}->{e.likely_original}" if e.likely_original else e.word
                                                      for e in s.evidence)})
ea = pd.DataFrame(rows)
from sklearn.metrics import roc_auc_score
print("sentence ROC-AUC on this sample:", round(roc_auc_score(ea["label"], ea["p"]), 3))
print(ea.groupby("style")["p"].describe().round(3))"""),
    ("code", """fp = ea[ea["label"] == 0].nlargest(8, "p")[["p", "text", "evidence"]]
fp"""),
    ("code", """misses = ea[ea["label"] == 1].nsmallest(8, "p")[["style", "p", "text", "evidence"]]
misses"""),
    ("md", """## Retraining on a new domain

A user with a few thousand labelled sentences of their own retrains the sentence and document levels;
the word-level model of the default is kept and the default's sentence probability becomes an input,
so the small set teaches corrections. Two "new domains", both BBC news (a source the default never
trained on): (a) spun by styles like the training ones, (b) spun by a spinner the default never saw
(the Moby thesaurus), as a user facing a particular spam network would have. About 3,000 labelled
sentences from 100 BBC documents to retrain, 100 other BBC documents to test, before and after."""),
    ("code", """from spin_detect.learning.evaluate import binary_metrics, score_frame_for_evaluation
from spin_detect.learning.train import train_model
from spin_detect.text.segment import split_sentences

def labelled(docs, seed0, styles):
    out = []
    for i, (doc_id, text) in enumerate(docs):
        spun = spin_text(text, styles[i % len(styles)], rate=(0.1, 0.25, 0.5)[i % 3], seed=seed0 + i)
        changed = {c.sentence for c in spun.changes}
        for s in split_sentences(text):
            out.append({"doc_id": doc_id, "variant": "original", "text": s.text, "label": 0})
        for k, s in enumerate(spun.sentences):
            out.append({"doc_id": doc_id, "variant": "spun", "text": spun.text[s["start"]:s["end"]],
                        "label": int(k in changed)})
    return pd.DataFrame(out)

pool = [(d, t) for d, t in read_source("bbc") if pool_of(d) == "labelled"]
train_docs, test_docs = pool[::2][:100], pool[1::2][:100]
res = {}
for domain, styles in (("(a) BBC, familiar spinners", ["commercial", "fluent", "wordnet"]),
                       ("(b) BBC, unseen spinner (moby)", ["moby"])):
    user, held = labelled(train_docs, 1000, styles), labelled(test_docs, 5000, styles)
    model, _ = train_model(user, det.extractor, seed=0, base=det.model)
    after = spin_detect.Detector(model, {"name": "retrained"}, det.extractor)
    for name, d in (("default", det), ("retrained", after)):
        sent, docs_ = score_frame_for_evaluation(d, held)
        res[(domain, name)] = {"train sentences": len(user), "test sentences": len(held),
                               "sentence ROC-AUC": binary_metrics(sent["label"], sent["p"])["roc_auc"],
                               "document ROC-AUC": binary_metrics(docs_["label"], docs_["p"])["roc_auc"]}
pd.DataFrame(res).T.round(3)"""),
    ("md", """The table above is measured, not asserted: if retraining does not help on some run, it shows here.
Feature importance by group is in `models/default/ABLATION.md` (`python -m scripts.build ablation`)."""),
]


def main() -> None:
    nb = nbf.v4.new_notebook()
    nb.cells = [nbf.v4.new_markdown_cell(src) if kind == "md" else nbf.v4.new_code_cell(src) for kind, src in CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbf.write(nb, Path(__file__).with_name("evaluation.ipynb"))


if __name__ == "__main__":
    main()
