"""The card ``spin-detect train`` writes beside a model it trains: what was trained, on what, and how to measure it.

A folder people share should say what is in it. The card holds only what training knows for certain: the data
files (with their SHA-256, so a reader can tell whether they have the same ones), the rows each step used, where
the word level came from, the reference statistics, the thresholds and the seed. It gives no quality figures:
training measures nothing on rows it did not see, so the card names the command that does. Nothing in it depends
on the clock, so the same data and seed give the same folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from spin_detect import __version__

__all__ = ["CARD_FILE", "STALE_FILES", "retrained_card"]

CARD_FILE = "MODEL_CARD.md"
#: Files a model folder may hold that describe one particular model: a retrain into the folder (``--force``)
#: removes those it does not write itself, so that no card, figure or table of the model it replaced is left
#: beside the new one.
STALE_FILES = ("MODEL_CARD.md", "metrics.json", "ABLATION.md", "domain_reference.bin", "model.joblib")


def _count(n: int, what: str) -> str:
    return f"{n:,} {what}{'' if n == 1 else 's'}"


def retrained_card(folder: str, manifest: dict, df: pd.DataFrame, data: Sequence[tuple[str, str, int]],
                   base: str) -> str:
    """Markdown for the card of the model folder ``folder`` (as the user named it). ``data``: ``(path, sha256,
    rows)`` per file, as given to ``train``; ``df``: the rows as loaded; ``base``: the ``--base`` argument."""
    name = Path(folder).name
    info: dict[str, Any] = manifest.get("training") or {}
    rows = info.get("rows") or {}
    labels = df["label"].value_counts()
    lines = [f"# Model card: {name}", "",
             f"Trained by `spin-detect train` (spin-detect {__version__}, seed {info.get('seed', 0)}). "
             f"Model file `model.npz`, SHA-256 `{manifest.get('sha256', '')}`.", "", "## Data", ""]
    lines += [f"- `{path}`: {_count(n, 'row')}, SHA-256 `{sha}`" for path, sha, n in data]
    lines.append(f"- {_count(int(labels.get(0, 0)), 'original sentence')}, "
                 f"{_count(int(labels.get(1, 0)), 'spun sentence')}, {_count(int(df['doc_id'].nunique()), 'document')}")
    if "split" in df.columns:
        counts = df["split"].value_counts()
        lines.append("- split column: " + ", ".join(f"{k} {int(counts.get(k, 0)):,}" for k in ("train", "dev", "test"))
                     + " rows; test rows are left out of training")
    else:
        lines.append("- no split column: documents were set apart for calibration by a hash of their doc_id "
                     "(about 20%)")
    lines += ["", "## Training", "",
              f"- Sentences fitted on: {int(rows.get('train', 0)):,}; calibrated on: "
              f"{int(rows.get('calibration', 0)):,}; "
              f"the document rule and thresholds were fitted on {int(info.get('documents_rule', 0)):,} documents "
              f"({int(info.get('original_documents_thresholds', 0)):,} of them original).",
              "- Word level (token, evidence and plain models): "
              + ("trained on the data's `changes` column"
                 + (f" ({float(info['token_substituted_share']):.1%} of its training tokens substituted)"
                    if info.get("token_substituted_share") is not None else "")
                 if info.get("token_level") == "trained" else
                 f"taken from the base model `{base}` (the data has no `changes` column)") + ".",
              "- Reference statistics: " + (
                  f"the packaged ones mixed with `{manifest['domain_reference'].get('source')}` at a share of "
                  f"{manifest['domain_reference'].get('share')} (copied here as `domain_reference.bin`)"
                  if manifest.get("domain_reference") else "the packaged ones") + ".",
              f"- Document rule: {info.get('document_rule', '?')}.",
              "", "## Thresholds", "", "| preset | document threshold |", "|---|---|"]
    lines += [f"| {k} | {float(v):.4f} |" for k, v in (manifest.get("thresholds") or {}).items()]
    folder = folder.rstrip("/") + "/"
    files = " ".join(f"`{Path(p).name}`" for p, _, _ in data)
    lines += ["", "## How good is it?", "",
              "Training measures nothing on rows it did not use, so this card gives no figures. Measure the model on "
              "labelled text it never saw:", "", "```bash",
              (f"spin-detect evaluate {folder} {' '.join(p for p, _, _ in data)} --split test"
               if "split" in df.columns and (df["split"] == "test").any() else
               f"spin-detect evaluate {folder} OTHER_DATA.csv   # not {files}: it was trained on those"),
              "```", ""]
    return "\n".join(lines)
