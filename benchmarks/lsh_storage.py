"""Memory, insert and query time of the LSH's storage (``spin_detect/matching/lshstore.py``).

    python benchmarks/lsh_storage.py [--documents 300000] [--storage sorted|compact]

Inserts ``--documents`` random signatures (128 ``uint32`` values; in the second half, 30% of the documents
share 30% of their values with an earlier one) into a ``datasketch.MinHashLSH`` of 64 bands of 2 values, with
the storage named (``sorted``: :class:`SortedBuckets`, what the package uses; ``compact``: the dict per band of
:class:`CompactBuckets`), then asks 5,000 new signatures (a third of them near-duplicates). Prints the growth of
the process's resident size per document and per million documents, the insert time, the mean query time and
a hash of the answers (the same for both storages). Run each storage in a fresh process.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import time

import numpy as np
from datasketch import MinHashLSH

from spin_detect.matching.lshstore import CompactBuckets, KeysOnly, SortedBuckets
from spin_detect.matching.signature import Signer


def _rss() -> int:
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--documents", type=int, default=300_000)
    ap.add_argument("--storage", choices=("sorted", "compact"), default="sorted")
    args = ap.parse_args()
    n = args.documents
    rng = np.random.default_rng(0)
    values = rng.integers(0, 2**32, size=(n, 128), dtype=np.uint32)
    for i in range(n // 2, n):
        if rng.random() < 0.3:
            same = rng.random(128) < 0.3
            values[i, same] = values[rng.integers(0, n // 2), same]
    queries = rng.integers(0, 2**32, size=(5000, 128), dtype=np.uint32)
    for j in range(0, 5000, 3):
        same = rng.random(128) < 0.3
        queries[j, same] = values[rng.integers(0, n), same]
    signer = Signer()
    lsh = MinHashLSH(num_perm=128, params=(64, 2))
    lsh.keys = KeysOnly()
    lsh.hashtables = [SortedBuckets() if args.storage == "sorted" else CompactBuckets() for _ in range(64)]
    gc.collect()
    before = _rss()
    t0 = time.process_time()
    for i in range(n):
        lsh.insert(i, signer.from_hashvalues(values[i]), check_duplication=False)
    insert_s = time.process_time() - t0
    gc.collect()
    grown = _rss() - before
    t0 = time.process_time()
    answers = [sorted(lsh.query(signer.from_hashvalues(q))) for q in queries]
    query_ms = 1e3 * (time.process_time() - t0) / len(queries)
    digest = hashlib.sha256(repr(answers).encode()).hexdigest()[:12]
    print(f"{args.storage}: {n:,} documents; {grown / n:,.0f} bytes a document ({grown / n / 1e3:.2f} GB per million); "
          f"insert {insert_s:.1f} CPU s; query {query_ms:.3f} ms; answers {digest} "
          f"({sum(len(a) > 0 for a in answers)} of {len(answers)} found something)")


if __name__ == "__main__":
    main()
