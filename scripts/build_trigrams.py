"""Build the packaged trigram table over the same documents as the reference.

Reads ``../shared/corpora`` exactly as ``python -m scripts.build reference`` does
(same cleaning, same labelled pool left out), maps tokens to the reference's
word ids and counts 32-bit fingerprints of every trigram, sentence boundaries
included. Deterministic.

    python -m scripts.build trigrams [--min-count 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from scripts.corpora import SHARED, SOURCES, pool_of, read_source
from spin_detect.tables.reference import BOS, EOS, UNK, ReferenceStats
from spin_detect.tables.trigrams import trigram_fingerprints, write_trigrams
from spin_detect.text.segment import norm, split_sentences


def main(argv: list[str] | None = None) -> None:
    """Build the trigram table (arguments as on the command line; None: ``sys.argv``)."""
    ap = argparse.ArgumentParser(prog="python -m scripts.build trigrams",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--reference", default="spin_detect/data/reference.bin")
    ap.add_argument("--out", default="spin_detect/data/trigrams.bin")
    ap.add_argument("--root", default=str(SHARED))
    ap.add_argument("--min-count", type=int, default=2)
    args = ap.parse_args(argv)
    t0 = time.time()
    ref = ReferenceStats.load(args.reference)
    index = {w: i for i, w in enumerate(ref.vocab)}
    parts = []
    buf: list[int] = []
    for source in SOURCES:
        for doc_id, text in read_source(source, Path(args.root)):
            if pool_of(doc_id) == "labelled":
                continue
            for s in split_sentences(text):
                buf.append(BOS)
                buf.extend(index.get(norm(t.text), UNK) for t in s.tokens)
                buf.append(EOS)
            if len(buf) > 5_000_000:
                parts.append(sentence_fingerprints(np.array(buf, dtype=np.int64), len(ref)))
                buf = []
        print(f"{source}: {time.time() - t0:.0f}s", file=sys.stderr)
    parts.append(sentence_fingerprints(np.array(buf, dtype=np.int64), len(ref)))
    fps = np.concatenate(parts)
    table = write_trigrams(args.out, fps, {"reference_sha256": ref.sha256, "vocab_size": len(ref),
                                           "min_count": args.min_count, "built_by": "scripts/build_trigrams.py"})
    print(f"{len(table):,} trigrams kept of {table.meta['trigram_types']:,} ({time.time() - t0:.0f}s)",
          file=sys.stderr)


def sentence_fingerprints(ids: np.ndarray, vocab_size: int) -> np.ndarray:
    """Fingerprints of all trigrams inside sentences (none across the </s> <s> seam)."""
    a, b, c = ids[:-2], ids[1:-1], ids[2:]
    ok = (a != EOS) & (b != EOS)
    return trigram_fingerprints(a[ok], b[ok], c[ok], vocab_size)


if __name__ == "__main__":
    main()
