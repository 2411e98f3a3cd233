"""What one document of the throughput corpus costs on one core, and how much of it the cloze model's exact
products take (issue 16's budget: 500 documents/s on 2 cores is 4.0 ms of CPU a document for everything).

    python benchmarks/cloze_floor.py [--documents 2000]

Builds the documents of ``sources.py``'s throughput corpus (needs ``../shared/corpora``), warms one detector
on 200 of them, then scores the next N pinned to one CPU and prints CPU milliseconds per document: in all, in
the cloze features (``ClozeModel.token_scores``) and in their exact products (``ExactProduct.__call__``,
with its multiply-adds per document and rate). CPU time of the process (``time.process_time``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--documents", type=int, default=2000)
    args = ap.parse_args()
    from sources import throughput_corpus

    with tempfile.TemporaryDirectory() as tmp:
        docs = [d["text"] for d in throughput_corpus(10_000, Path(tmp) / "corpus.jsonl")]
    warm, docs = docs[4800:5000], docs[5000:5000 + args.documents]
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    import spin_detect
    from spin_detect.tables import cloze, exact

    det = spin_detect.load_detector()
    list(det.score_documents(warm))
    spent = {"cloze": 0.0, "products": 0.0, "macs": 0}
    token_scores, product = cloze.ClozeModel.token_scores, exact.ExactProduct.__call__

    def timed_scores(self, *a, **k):
        t = time.process_time()
        try:
            return token_scores(self, *a, **k)
        finally:
            spent["cloze"] += time.process_time() - t

    def timed_product(self, x):
        t = time.process_time()
        try:
            return product(self, x)
        finally:
            spent["products"] += time.process_time() - t
            spent["macs"] += x.shape[0] * self._w.shape[0] * self._w.shape[1]

    cloze.ClozeModel.token_scores, exact.ExactProduct.__call__ = timed_scores, timed_product
    t0 = time.process_time()
    n = sum(1 for _ in det.score_documents(docs))
    total = time.process_time() - t0
    words = sum(len(d.split()) for d in docs) / n
    print(f"{n:,} documents of {words:.0f} words, one core, CPU ms per document: all {1000 * total / n:.2f}, "
          f"cloze features {1000 * spent['cloze'] / n:.2f}, of which exact products {1000 * spent['products'] / n:.2f} "
          f"({spent['macs'] / n / 1e6:.1f} M multiply-adds a document, {spent['macs'] / spent['products'] / 1e9:.1f} "
          "G/s)")


if __name__ == "__main__":
    main()
