"""Build the labelled sentence and document datasets from ``../shared/corpora``.

Only documents of the *labelled pool* (never counted in the packaged reference
statistics, see :mod:`scripts.corpora`) are used. Each document appears twice:
as written (every sentence labelled original) and spun by one spinner style at
one rate, sometimes only partly (sentences the spinner did not change are
labelled original). Splits are by document:

* ``train`` / ``dev`` / ``test`` = 70 / 15 / 15 % of documents by a hash of the id;
* the held-out **source** (``bbc``) has no training documents (dev/test only);
* the held-out **style** (``moby``, a thesaurus no other style uses) is used
  for dev/test documents only.

Outputs (not committed; rebuilt by this script, deterministic):
``work-data/datasets/sentences.csv.gz`` and ``documents.csv.gz``, plus
``datasets/sample_sentences.csv`` (a small committed sample) and figures for
the data card on stderr.

    python -m scripts.build datasets [--max-sentences 60]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pandas as pd

from scripts.corpora import SHARED, SOURCES, pool_of, read_source, unit_hash
from spin_detect.learning.spinner import STYLES, Spinner
from spin_detect.text.segment import split_sentences

HELD_OUT_SOURCE = "bbc"
HELD_OUT_STYLE = "moby"
TRAIN_STYLES = [s for s in STYLES if s != HELD_OUT_STYLE]
RATES = {"light": 0.1, "medium": 0.25, "heavy": 0.5}
#: Light spinning is drawn from this range of word rates (the nominal rate above is its middle): commercial
#: "light" settings change 5-15% of words.
LIGHT_RANGE = (0.05, 0.15)
PARTIAL_SHARE = 0.3  # of spun documents, spun only in part


def split_of(doc_id: str) -> str:
    u = unit_hash("split:" + doc_id)
    if doc_id.startswith(HELD_OUT_SOURCE + "/"):
        return "dev" if u < 0.5 else "test"
    return "train" if u < 0.70 else ("dev" if u < 0.85 else "test")


def truncate(text: str, max_sentences: int) -> str:
    sents = split_sentences(text)
    if len(sents) <= max_sentences:
        return text
    return text[: sents[max_sentences - 1].end]


def main(argv: list[str] | None = None) -> None:
    """Build the labelled datasets (arguments as on the command line; None: ``sys.argv``)."""
    ap = argparse.ArgumentParser(prog="python -m scripts.build datasets",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", default=str(SHARED))
    ap.add_argument("--out", default="work-data/datasets")
    ap.add_argument("--max-sentences", type=int, default=60, help="sentences kept per document")
    ap.add_argument("--seed", type=int, default=20261128)
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    spinners = {name: Spinner(cfg) for name, cfg in STYLES.items()}
    sent_rows: list[dict] = []
    doc_rows: list[dict] = []
    spin_words = 0
    spin_seconds = 0.0
    t0 = time.time()
    for source in SOURCES:
        n_docs = 0
        for doc_id, text in read_source(source, Path(args.root)):
            if pool_of(doc_id) != "labelled":
                continue
            text = truncate(text, args.max_sentences)
            if not text.strip():
                continue
            rng = random.Random(f"{args.seed}:{doc_id}")
            split = split_of(doc_id)
            style = rng.choice(TRAIN_STYLES if split == "train" else list(STYLES))
            rate_name = rng.choice(list(RATES))
            partial = rng.random() < PARTIAL_SHARE
            share = round(rng.uniform(0.2, 0.6), 2) if partial else 1.0
            rate = round(rng.uniform(*LIGHT_RANGE), 3) if rate_name == "light" else RATES[rate_name]
            spinner = spinners[style]
            spinner.config = replace(STYLES[style], rate=rate, sentence_share=share)
            t = time.perf_counter()
            result = spinner.spin(text, seed=rng.randrange(2**31))
            spin_seconds += time.perf_counter() - t
            spin_words += sum(s["word_tokens"] for s in result.sentences)
            base = {"doc_id": doc_id, "source": source, "split": split}
            meta = {"style": style, "rate_name": rate_name, "rate": rate, "partial": partial,
                    "sentence_share": share}
            by_sentence: dict[int, list] = {}
            for c in result.changes:
                by_sentence.setdefault(c.sentence, []).append(c)
            n_spun = 0
            for k, s in enumerate(result.sentences):
                orig = text[s["orig_start"] : s["orig_end"]]
                sent_rows.append({**base, "variant": "original", "sent_id": k, "text": orig, "label": 0,
                                  "style": "", "rate_name": "", "rate": 0.0, "partial": False,
                                  "sentence_share": 0.0, "n_changed": 0, "n_words": s["word_tokens"],
                                  "changes": "[]"})
                changes = by_sentence.get(k, [])
                spans = [[c.start - s["start"], c.end - s["start"], c.original, c.replacement] for c in changes]
                n_changed = sum(c.n_tokens for c in changes)
                n_spun += n_changed > 0
                sent_rows.append({**base, "variant": "spun", "sent_id": k,
                                  "text": result.text[s["start"] : s["end"]], "label": int(n_changed > 0),
                                  **meta, "n_changed": n_changed, "n_words": s["word_tokens"],
                                  "changes": json.dumps(spans, ensure_ascii=False)})
            n = len(result.sentences)
            doc_rows.append({**base, "variant": "original", "label": 0, "style": "", "rate_name": "", "rate": 0.0,
                             "partial": False, "sentence_share": 0.0, "n_sentences": n, "n_spun_sentences": 0,
                             "text": text})
            doc_rows.append({**base, "variant": "spun", "label": int(n_spun > 0), **meta, "n_sentences": n,
                             "n_spun_sentences": n_spun, "text": result.text})
            n_docs += 1
        print(f"{source}: {n_docs} documents ({time.time() - t0:.0f}s)", file=sys.stderr)
    sents = pd.DataFrame(sent_rows)
    docs = pd.DataFrame(doc_rows)
    # mtime=0 in the gzip header keeps the files byte-identical across rebuilds.
    sents.to_csv(out / "sentences.csv.gz", index=False, compression={"method": "gzip", "mtime": 0})
    docs.to_csv(out / "documents.csv.gz", index=False, compression={"method": "gzip", "mtime": 0})
    write_sample(sents)
    report(sents, docs, spin_words, spin_seconds)


def write_sample(sents: pd.DataFrame, path: str = "datasets/sample_sentences.csv") -> None:
    """A small committed sample: 8 changed sentences per style and 40 originals."""
    changed = sents[(sents["variant"] == "spun") & (sents["label"] == 1)]
    sample = changed.groupby("style").sample(n=8, random_state=0)
    originals = sents[sents["variant"] == "original"].sample(40, random_state=0)
    Path(path).parent.mkdir(exist_ok=True)
    pd.concat([sample, originals]).to_csv(path, index=False)


def report(sents: pd.DataFrame, docs: pd.DataFrame, words: int, seconds: float) -> None:
    p = print
    p("\n## Rows per split and source (sentences / documents)")
    p(pd.crosstab([sents["split"]], sents["source"], margins=True).to_string())
    p(pd.crosstab([docs["split"]], docs["source"], margins=True).to_string())
    spun = sents[sents["variant"] == "spun"]
    p("\n## Spun-variant sentences per split and style")
    p(pd.crosstab(spun["split"], spun["style"], margins=True).to_string())
    p("\n## Labels per split (sentences)")
    p(pd.crosstab(sents["split"], sents["label"], margins=True).to_string())
    full = spun[~spun["partial"]]
    p("\n## Fully spun documents: share of sentences changed and of words changed, per rate")
    g = full.groupby("rate_name").agg(sentences=("label", "size"), changed_share=("label", "mean"),
                                      words=("n_words", "sum"), changed_words=("n_changed", "sum"))
    g["word_rate"] = g["changed_words"] / g["words"]
    p(g.to_string())
    p("\n## Word rate achieved per style (fully spun documents)")
    g = full.groupby("style").agg(words=("n_words", "sum"), changed=("n_changed", "sum"))
    g["word_rate"] = g["changed"] / g["words"]
    p(g.to_string())
    p(f"\nspinner throughput: {words / seconds:,.0f} words/s ({words:,} words in {seconds:.1f} s, one core)")
    c = Counter(docs["split"])
    p(f"documents: {dict(c)}")


if __name__ == "__main__":
    main()
