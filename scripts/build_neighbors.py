"""Build distributional neighbours: for each frequent word, the words used in the same slots.

A thesaurus only proposes the synonyms *it* knows; spinners use thesauri we do
not have. This table proposes likely originals from the reference statistics
alone: two words are neighbours when they occur between the same left and
right words ("the U.N. ___ Council": security, safety). Vectors are positive
PMI of immediate left/right contexts (the 4,000 most frequent words), reduced to
128 dimensions with a truncated SVD; neighbours are the top cosine matches.

Deterministic for a given reference (fixed SVD seed). Output:
``spin_detect/data/neighbors.bin`` (format ``spin-detect/neighbors`` v1), tied
to the reference by its SHA-256.

    python -m scripts.build neighbours [--words 60000] [--k 20]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD

from spin_detect.tables.neighbours import write_neighbors
from spin_detect.tables.reference import ReferenceStats


def context_matrix(ref: ReferenceStats, n_words: int, n_ctx: int) -> sp.csr_matrix:
    """Rows: word ids [0, n_words); columns: left contexts then right contexts."""
    a = (ref.bigram_keys >> np.uint64(32)).astype(np.int64)
    b = (ref.bigram_keys & np.uint64(0xFFFFFFFF)).astype(np.int64)
    c = ref.bigram_counts.astype(np.float64)
    right = (a < n_words) & (b < n_ctx)
    left = (b < n_words) & (a < n_ctx)
    rows = np.r_[b[left], a[right]]
    cols = np.r_[a[left], n_ctx + b[right]]
    vals = np.r_[c[left], c[right]]
    return sp.csr_matrix((vals, (rows, cols)), shape=(n_words, 2 * n_ctx))


def ppmi(m: sp.csr_matrix) -> sp.csr_matrix:
    total = m.sum()
    row = np.asarray(m.sum(axis=1)).ravel()
    col = np.asarray(m.sum(axis=0)).ravel() ** 0.75  # context smoothing (Levy et al. 2015)
    col = col / col.sum() * total
    coo = m.tocoo()
    val = np.log(coo.data * total / (row[coo.row] * col[coo.col] + 1e-12))
    keep = val > 0
    return sp.csr_matrix((val[keep], (coo.row[keep], coo.col[keep])), shape=m.shape)


def main(argv: list[str] | None = None) -> None:
    """Build the neighbours table (arguments as on the command line; None: ``sys.argv``)."""
    ap = argparse.ArgumentParser(prog="python -m scripts.build neighbours",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--reference", default="spin_detect/data/reference.bin")
    ap.add_argument("--out", default="spin_detect/data/neighbors.bin")
    ap.add_argument("--words", type=int, default=60000)
    ap.add_argument("--contexts", type=int, default=4000)
    ap.add_argument("--dims", type=int, default=128)
    ap.add_argument("--k", type=int, default=10)
    args = ap.parse_args(argv)
    t0 = time.time()
    ref = ReferenceStats.load(args.reference)
    n = min(args.words, len(ref))
    m = ppmi(context_matrix(ref, n, args.contexts))
    svd = TruncatedSVD(n_components=args.dims, algorithm="randomized", n_iter=7, random_state=0)
    u = svd.fit_transform(m)  # U * S
    vec = u / np.sqrt(svd.singular_values_)  # U * S^0.5: the usual weighting for similarity
    vec /= np.maximum(np.linalg.norm(vec, axis=1, keepdims=True), 1e-9)
    vec = vec.astype(np.float32)
    # Only word-like entries get (and are) neighbours: not punctuation, numbers or specials.
    wordlike = np.array([i >= 3 and any(ch.isalpha() for ch in w) for i, w in enumerate(ref.vocab[:n])])
    ids = np.flatnonzero(wordlike)
    sub = vec[ids]
    nbr = np.zeros((len(ids), args.k), dtype=np.uint32)
    sim = np.zeros((len(ids), args.k), dtype=np.float16)
    for lo in range(0, len(ids), 2000):
        s = sub[lo : lo + 2000] @ sub.T
        s[np.arange(len(s)), np.arange(lo, lo + len(s))] = -np.inf  # not its own neighbour
        top = np.argpartition(-s, args.k, axis=1)[:, : args.k]
        order = np.argsort(-np.take_along_axis(s, top, axis=1), axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        nbr[lo : lo + len(s)] = ids[top]
        sim[lo : lo + len(s)] = np.take_along_axis(s, top, axis=1)
    table = write_neighbors(args.out, ids.astype(np.uint32), nbr, sim,
                            {"reference_sha256": ref.sha256, "words": len(ids), "k": args.k,
                             "dims": args.dims, "contexts": args.contexts,
                             "built_by": "scripts/build_neighbors.py"})
    for w in ("security", "said", "year", "war", "food", "military", "agency", "news", "help"):
        print(w, "->", ", ".join(table.neighbours_of(ref, w)[:10]), file=sys.stderr)
    print(f"{len(ids):,} words x {args.k} neighbours in {time.time() - t0:.0f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
