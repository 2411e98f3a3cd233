"""Text from a source the reference statistics never saw: tables without a source, and what they do to scores.

Every labelled document comes from a source whose other documents were counted
into the packaged reference and trigram tables, so the test split never shows
the detector text of an outlet, house style or era it has not read. A user's
text often is that. This module rebuilds the two count tables without one source
(:func:`unseen_tables`; same word ids as the packaged tables, so the thesaurus,
neighbour and topic tables still apply; words the rest of the corpus saw fewer than
3 times become ``<unk>``, as the real build makes them) and scores that source's
test documents with the full tables and with the tables that never saw it.

The same tables serve training (``python -m scripts.build default-model
--evidence-unseen-share``, default 0.5, and ``--unseen-source-share``, default 0):
a share of the training documents is featurised with the tables that never saw
their source, so the evidence model (or the token model) learns what original and
spun text look like when the register is not the reference's own.

    python -m scripts.build unseen-source [--model models/default] [--sources reuters wikinews]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from scripts.build_trigrams import sentence_fingerprints
from scripts.corpora import SHARED, SOURCES, pool_of, read_source
from spin_detect.detector import Detector
from spin_detect.features import default_extractor
from spin_detect.features.extractor import FeatureExtractor
from spin_detect.tables.packaged import default_reference
from spin_detect.tables.reference import BOS, EOS, FORMAT, UNK, VERSION, ReferenceStats, count_arrays
from spin_detect.tables.store import write_arrays
from spin_detect.tables.trigrams import Trigrams, write_trigrams
from spin_detect.text.segment import norm, split_sentences

TABLES = Path("work-data/unseen-source")
#: Sources with training documents, whose tables without them the default model's training uses.
TRAINING_SOURCES = ("reuters", "ungd", "wikinews", "enwiki2018", "enwiki2015")


def unseen_tables(source: str, folder: Path = TABLES, root: Path = SHARED) -> tuple[Path, Path]:
    """Reference and trigram tables of the reference pool of every source but ``source`` (built once,
    then read from ``folder``); return their paths. About 3 minutes and 2 GB of memory per source."""
    ref_path, tri_path = folder / f"without-{source}-reference.bin", folder / f"without-{source}-trigrams.bin"
    if ref_path.is_file() and tri_path.is_file():
        return ref_path, tri_path
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; sources: {', '.join(SOURCES)}")
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    texts = (text for other in SOURCES if other != source for doc_id, text in read_source(other, root)
             if pool_of(doc_id) != "labelled")
    info = count_tables(texts, ref_path, tri_path, {"without_source": source})
    print(f"tables without {source}: {info['documents']:,} documents, {info['total_tokens']:,} tokens, "
          f"{info['unk_types']:,} words now <unk>; {time.time() - t0:.0f}s", file=sys.stderr)
    return ref_path, tri_path


def count_tables(texts: Iterable[str], ref_path: Path, tri_path: Path, meta: dict[str, str]) -> dict:
    """Count ``texts`` into a reference and a trigram table keyed by the packaged word ids; return the
    reference table's metadata. Words seen fewer than 3 times are ``<unk>``, as the packaged build makes
    them; their ids stay (the thesaurus, neighbour and topic tables store ids) and their vocabulary line
    becomes a string no text can produce. Word pairs and triples seen fewer than 2 times are left out."""
    packaged = default_reference()
    index = {w: i for i, w in enumerate(packaged.vocab)}
    stream: list[int] = []
    docs = sentences = 0
    for text in texts:
        docs += 1
        for s in split_sentences(text):
            stream.append(BOS)
            stream.extend(index.get(norm(t.text), UNK) for t in s.tokens)
            stream.append(EOS)
            sentences += 1
    ids = np.array(stream, dtype=np.int64)
    del stream
    size = len(packaged.vocab)
    dropped = np.bincount(ids, minlength=size) < 3
    dropped[:3] = False
    ids[dropped[ids]] = UNK
    vocab = [f"\x00dropped{i}" if dropped[i] else w for i, w in enumerate(packaged.vocab)]
    arrays, bigram_types = count_arrays(vocab, ids, 2)
    info: dict = {"total_tokens": int(arrays["unigram"].sum()), "bigram_types": bigram_types,
                  "unk_types": int(dropped.sum()), "documents": docs, "sentences": sentences, "min_count": 3,
                  "min_pair_count": 2, "built_by": "scripts/unseen_source.py", **meta}
    write_arrays(ref_path, FORMAT, VERSION, arrays, info)
    write_trigrams(tri_path, sentence_fingerprints(ids, size),
                   {"reference_sha256": packaged.sha256, "vocab_size": size, "min_count": 2,
                    "built_by": "scripts/unseen_source.py", **meta})
    return info


def unseen_extractor(source: str, folder: Path = TABLES) -> FeatureExtractor:
    """The packaged extractor with the reference and trigram tables that never saw ``source``."""
    ref_path, tri_path = unseen_tables(source, folder)
    ex = default_extractor()
    return FeatureExtractor(ReferenceStats.load(ref_path), ex.th, ex.neighbours, trigrams=Trigrams.load(tri_path),
                            topics=ex.topics, cloze=ex.cloze)


def unseen_source_rows(det: Detector, df: pd.DataFrame, sources: list[str], split: str = "test") -> list[dict]:
    """Per source of ``df``'s ``split``: the detector's document figures at its default threshold and the
    false evidence on original text, with the full tables and with tables that never saw the source."""
    from spin_detect.learning.evaluate import binary_metrics, evidence_figures, score_frame_for_evaluation
    from spin_detect.learning.model import extract

    thr = det.document_threshold
    rows = []
    for source in sources:
        sub = df[(df["source"] == source) & (df["split"] == split)].reset_index(drop=True)
        if sub.empty:
            continue
        for tables, ex in (("full", det.extractor), ("without the source", unseen_extractor(source))):
            fs = extract(sub["text"].tolist(), ex)
            _, docs = score_frame_for_evaluation(det, sub, features=fs)
            ev = evidence_figures(det, sub, fs, max_ranked=0)
            orig = docs[docs["label"] == 0]
            full = docs["partial"].astype(str) == "False"
            light = docs[(docs["label"] == 1) & (docs["rate_name"] == "light") & full]
            partial = docs[(docs["label"] == 1) & ~full]
            rows.append({"source": source, "tables": tables, "documents": len(docs),
                         "originals": len(orig), "originals_flagged": int((orig["p"] >= thr).sum()),
                         "light_called_spun": float((light["p"] >= thr).mean()) if len(light) else None,
                         "partial_called_spun": float((partial["p"] >= thr).mean()) if len(partial) else None,
                         "roc_auc": binary_metrics(docs["label"], docs["p"], thr)["roc_auc"],
                         "false_evidence_per_100": ev["false_per_100_original_sentences"]})
    return rows


def markdown(rows: list[dict]) -> str:
    """The rows of :func:`unseen_source_rows` as a Markdown table."""
    out = ["| source | tables | documents | originals flagged | light called spun | partial called spun | "
           "document ROC-AUC | false evidence per 100 original sentences |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        pct = [("" if r[k] is None else f"{r[k]:.1%}") for k in ("light_called_spun", "partial_called_spun")]
        out.append(f"| {r['source']} | {r['tables']} | {r['documents']:,} | "
                   f"{r['originals_flagged'] / max(1, r['originals']):.1%} ({r['originals_flagged']} of "
                   f"{r['originals']}) | {pct[0]} | {pct[1]} | {r['roc_auc']:.3f} | "
                   f"{r['false_evidence_per_100']:.1f} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    """Print, per source, the test figures with the full tables and with tables that never saw it."""
    from spin_detect.detector import load_detector
    from spin_detect.learning.labelled import load_labelled

    ap = argparse.ArgumentParser(prog="python -m scripts.build unseen-source", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="work-data/datasets/sentences.csv.gz")
    ap.add_argument("--model", default=None, help="model folder (default: the packaged model)")
    ap.add_argument("--split", default="test")
    ap.add_argument("--sources", nargs="*", default=["bbc", *TRAINING_SOURCES])
    args = ap.parse_args(argv)
    det = load_detector(args.model)
    df = load_labelled(pd.read_csv(args.data, keep_default_na=False, dtype={"text": str}))
    print(f"model {args.model or 'packaged default'}, document threshold {det.document_threshold:.3f}, "
          f"{args.split} split", file=sys.stderr)
    print(markdown(unseen_source_rows(det, df, args.sources, args.split)))


if __name__ == "__main__":
    main()
