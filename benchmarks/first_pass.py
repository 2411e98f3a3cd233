"""One core, CPU time: scoring text whose words are new to the detector's caches, as in an audit of a crawl.

    python benchmarks/first_pass.py [--pages 3000]
    PYTHONPATH=OTHER_CHECKOUT python benchmarks/first_pass.py   # other code (run it from outside the repository)

``one_core.py`` measures the steady state: it scores the same documents again and again, so every word type
is already in the per-type caches of the feature extractor. An audit sees each document once, and a crawl
keeps bringing new words. This script scores the first N distinct real pages (``real_pages`` of
``sources.py``: enwiki-2018 pages of at least 50 words, then pages cut from enwiki-2015 and UN speeches) with
one fresh detector, twice: the first pass fills the caches, the second finds them full. Pinned to one CPU;
CPU time of the process (``time.process_time``), which other work on a shared machine disturbs less than wall
time. Needs ``../shared/corpora``. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sources import real_pages

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=3000, help="number of distinct real pages")
    args = ap.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"needs the corpora at {SHARED}")
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    texts = [text for _, text, _ in itertools.islice(real_pages(SHARED), args.pages)]

    import spin_detect

    det = spin_detect.load_detector()
    det.score_document("One short sentence loads the tables before the clock starts.")
    out: dict = {"code": str(Path(spin_detect.__file__).parent), "pages": len(texts)}
    for name in ("first_pass", "second_pass"):
        t0 = time.process_time()
        n_sent = sum(r.n_sentences for r in det.score_documents(texts))
        cpu = time.process_time() - t0
        out[f"{name}_cpu_s"] = round(cpu, 2)
        out[f"{name}_sentences_per_cpu_s"] = round(n_sent / cpu)
        out["sentences"] = n_sent
    out["load_average"] = round(os.getloadavg()[0], 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
