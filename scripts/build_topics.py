"""Build the packaged topic vectors from ``../shared/corpora`` (see ``spin_detect/tables/topics.py``).

Counts how often two content words occur within ``--window`` content words of
each other in the documents of the reference pool (the same documents as the
reference statistics: never a labelled one), weighs the counts by positive PMI
(context counts smoothed with exponent 0.75), and reduces each word's row to
``--dims`` dimensions with a truncated SVD (fixed seed). Words are reference
ids: the ``--stop`` most frequent carry no topic; targets are the ``--words``
most frequent, contexts the ``--contexts`` most frequent after the stop words.
Rows of words seen fewer than 5 times in such pairs are left empty.

    python -m scripts.build topics [--out spin_detect/data/topics.bin]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.utils.extmath import randomized_svd

from scripts.corpora import SHARED, SOURCES, pool_of, read_source
from spin_detect.tables.reference import UNK, ReferenceStats
from spin_detect.tables.topics import write_topics
from spin_detect.text.segment import norm, tokenize


def cooccurrence(root: Path, index: dict[str, int], n_stop: int, n_words: int, n_ctx: int, window: int
                 ) -> sp.csr_matrix:
    """Symmetric window counts of content words in the reference pool, rows: targets."""
    shape = (n_words, n_ctx)
    counts = sp.csr_matrix(shape, dtype=np.float64)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    pending = 0
    t0 = time.time()

    def flush():
        nonlocal counts, rows, cols, pending
        if rows:
            r, c = np.concatenate(rows), np.concatenate(cols)
            counts = counts + sp.coo_matrix((np.ones(len(r)), (r, c)), shape=shape).tocsr()
        rows, cols, pending = [], [], 0

    for source in SOURCES:
        n_docs = 0
        for doc_id, text in read_source(source, root):
            if pool_of(doc_id) == "labelled":
                continue
            n_docs += 1
            ids = np.fromiter((index.get(norm(t.text), UNK) for t in tokenize(text)), dtype=np.int64)
            ids = ids[(ids >= n_stop) & (ids < n_words)]
            for k in range(1, window + 1):
                a, b = ids[:-k], ids[k:]
                for x, y in ((a, b), (b, a)):
                    m = y - n_stop < n_ctx
                    rows.append(x[m])
                    cols.append(y[m] - n_stop)
                    pending += int(m.sum())
            if pending > 30_000_000:
                flush()
        print(f"{source}: {n_docs} documents, {time.time() - t0:.0f}s", file=sys.stderr)
    flush()
    return counts


def ppmi_svd(counts: sp.csr_matrix, dims: int, min_count: float = 5.0) -> np.ndarray:
    """Unit row vectors of the truncated SVD of the positive PMI matrix (zero rows for rare words)."""
    row_sum = np.asarray(counts.sum(1)).ravel()
    ctx = np.asarray(counts.sum(0)).ravel() ** 0.75
    coo = counts.tocoo()
    with np.errstate(divide="ignore"):
        pmi = np.log(coo.data * ctx.sum() / (row_sum[coo.row] * ctx[coo.col]))
    keep = pmi > 0
    ppmi = sp.csr_matrix((pmi[keep], (coo.row[keep], coo.col[keep])), shape=counts.shape)
    u, s, _ = randomized_svd(ppmi, dims, n_iter=5, random_state=0)
    vec = u * np.sqrt(s)
    vec /= np.maximum(np.linalg.norm(vec, axis=1, keepdims=True), 1e-12)
    vec[row_sum < min_count] = 0.0
    return vec


def main(argv: list[str] | None = None) -> None:
    """Build the topic vectors (arguments as on the command line; None: ``sys.argv``)."""
    ap = argparse.ArgumentParser(prog="python -m scripts.build topics",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="spin_detect/data/topics.bin")
    ap.add_argument("--reference", default="spin_detect/data/reference.bin")
    ap.add_argument("--root", default=str(SHARED))
    ap.add_argument("--stop", type=int, default=100)
    ap.add_argument("--words", type=int, default=60000)
    ap.add_argument("--contexts", type=int, default=20000)
    ap.add_argument("--window", type=int, default=5)
    ap.add_argument("--dims", type=int, default=64)
    args = ap.parse_args(argv)
    t0 = time.time()
    ref = ReferenceStats.load(args.reference)
    index = {w: i for i, w in enumerate(ref.vocab)}
    counts = cooccurrence(Path(args.root), index, args.stop, min(args.words, len(ref)), args.contexts, args.window)
    vec = ppmi_svd(counts, args.dims)
    vec[: args.stop] = 0.0
    meta = {"reference_sha256": ref.sha256, "stop": args.stop, "contexts": args.contexts, "window": args.window,
            "built_by": "scripts/build_topics.py"}
    table = write_topics(args.out, vec, meta)
    print(f"{len(table):,} words x {vec.shape[1]} dims, {int(table.has_vector.sum()):,} with a vector; "
          f"done in {time.time() - t0:.0f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
