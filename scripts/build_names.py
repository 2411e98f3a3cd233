"""Build the packaged table of name words (``spin_detect/data/names.bin``) from ``../shared/corpora``.

Counted over the documents of the reference statistics (never the labelled pool): each word that
follows a lower-case letter, a comma or a semicolon and a space, so that it stands inside a sentence,
is counted as written with a capital or not. A word is a name when it is capitalised at least
``--share`` of the time in at least ``--min-count`` such places ("africa", "sunday", "john",
"council"; not "security", "president" or "may"). Deterministic.

    python -m scripts.build names [--out spin_detect/data/names.bin]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from pathlib import Path

from scripts.corpora import SHARED, pool_of, read_all
from spin_detect.tables.names import write_names

#: A word inside a sentence: after a lower-case letter, comma or semicolon and one space.
_INSIDE = re.compile(r"(?<=[a-z,;] )([A-Za-z][a-z]+(?:-[A-Za-z][a-z]+)*)\b")


def main(argv: list[str] | None = None) -> None:
    """Build the name table (arguments as on the command line; None: ``sys.argv``)."""
    ap = argparse.ArgumentParser(prog="python -m scripts.build names", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="spin_detect/data/names.bin")
    ap.add_argument("--root", default=str(SHARED))
    ap.add_argument("--share", type=float, default=0.9)
    ap.add_argument("--min-count", type=int, default=10)
    args = ap.parse_args(argv)
    t0 = time.time()
    capital: Counter[str] = Counter()
    total: Counter[str] = Counter()
    docs = 0
    for doc_id, text in read_all(Path(args.root)):
        if pool_of(doc_id) != "reference":
            continue
        docs += 1
        for w in _INSIDE.findall(text):
            low = w.lower()
            total[low] += 1
            capital[low] += w[0].isupper()
    names = [w for w, n in total.items() if n >= args.min_count and capital[w] >= args.share * n]
    table = write_names(args.out, names, {
        "source": "the reference documents of ../shared/corpora", "built_by": "scripts/build_names.py",
        "share": args.share, "min_count": args.min_count, "documents": docs})
    print(f"{len(table)} names from {docs} documents, {time.time() - t0:.0f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
