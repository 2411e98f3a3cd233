"""Figures for the packaged reference statistics and thesaurus.

Prints: size on disk, load time in a fresh process (checksum verified), peak
resident memory after loading, batch lookup throughput (pairs/second) for
pair counts and smoothed PMI, and the number of entries.

    python benchmarks/data_tables.py
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time

import numpy as np

LOAD = """
import time, resource
t = time.perf_counter()
from spin_detect.tables.packaged import default_reference, default_thesaurus, default_neighbours, default_trigrams
ref = default_reference(); th = default_thesaurus(); nb = default_neighbours(); tri = default_trigrams()
ref.vocab; ref._index; th.strings
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def main() -> None:
    from spin_detect.tables.datafiles import data_file
    from spin_detect.tables.reference import ReferenceStats
    from spin_detect.tables.thesaurus import Thesaurus

    for name in ("reference.bin", "thesaurus.bin", "neighbors.bin", "trigrams.bin", "moby.bin", "phrases.bin",
                 "antonyms.bin", "names.bin"):
        print(f"{name}: {data_file(name).stat().st_size / 1e6:.1f} MB on disk")
    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", LOAD], capture_output=True, text=True, check=True).stdout
        runs.append([float(x) for x in out.split()])
    best = min(runs)
    print(f"load reference, thesaurus, neighbours, trigrams in a fresh process (incl. indexes, checksums): "
          f"{best[0]:.2f} s "
          f"(best of 3); peak RSS {best[1]:.0f} MB")
    ref = ReferenceStats.load()
    th = Thesaurus.load()
    print(f"reference: {len(ref):,} words, {len(ref.bigram_keys):,} word pairs, {ref.total:,} tokens")
    print(f"thesaurus: {len(th):,} headwords, {th.meta['entries']:,} entries")
    from spin_detect.tables.packaged import default_trigrams

    tri = default_trigrams()
    print(f"trigrams: {len(tri):,} fingerprints")
    rng = np.random.default_rng(0)
    n = 1_000_000
    # Zipf-like ids, as in real text.
    a = np.minimum(rng.zipf(1.3, n), len(ref) - 1)
    b = np.minimum(rng.zipf(1.3, n), len(ref) - 1)
    c = np.minimum(rng.zipf(1.3, n), len(ref) - 1)
    for label, fn, args in (("pair_count", ref.pair_count, (a, b)), ("pmi", ref.pmi, (a, b)),
                            ("cond_logprob", ref.cond_logprob, (a, b)), ("trigram count", tri.count, (a, b, c))):
        t = time.perf_counter()
        fn(*args)
        dt = time.perf_counter() - t
        print(f"{label}: {n / dt / 1e6:.2f} M lookups/s (batch of {n:,})")
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
