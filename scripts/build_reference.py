"""Build the packaged reference statistics from ``../shared/corpora``.

Deterministic: the same corpora give byte-identical output. Documents that
:func:`scripts.corpora.pool_of` assigns to the labelled pool (classifier train/dev/test)
are left out, and their ids are written beside the table so that anyone can
check that no labelled document was counted.

    python -m scripts.build reference [--out spin_detect/data/reference.bin]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from scripts.corpora import SHARED, SOURCES, pool_of, read_source
from spin_detect.tables.reference import ReferenceBuilder


def main(argv: list[str] | None = None) -> None:
    """Build the reference table (arguments as on the command line; None: ``sys.argv``)."""
    ap = argparse.ArgumentParser(prog="python -m scripts.build reference", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="spin_detect/data/reference.bin")
    ap.add_argument("--excluded", default="datasets/labelled_pool_docs.txt",
                    help="where to write the ids of the documents left out")
    ap.add_argument("--root", default=str(SHARED))
    ap.add_argument("--min-count", type=int, default=3)
    ap.add_argument("--min-pair-count", type=int, default=2)
    args = ap.parse_args(argv)
    builder = ReferenceBuilder(min_count=args.min_count, min_pair_count=args.min_pair_count)
    excluded: list[str] = []
    per_source: dict[str, int] = {}
    t0 = time.time()
    for source in SOURCES:
        n = 0
        for doc_id, text in read_source(source, Path(args.root)):
            if pool_of(doc_id) == "labelled":
                excluded.append(doc_id)
                continue
            builder.add_text(text)
            n += 1
        per_source[source] = n
        print(f"{source}: {n} documents counted, {time.time() - t0:.0f}s", file=sys.stderr)
    meta = {
        "sources": ",".join(f"{s}:{n}" for s, n in per_source.items()),
        "excluded_documents": len(excluded),
        "built_by": "scripts/build_reference.py",
    }
    ref = builder.build(args.out, meta)
    Path(args.excluded).parent.mkdir(parents=True, exist_ok=True)
    Path(args.excluded).write_text("\n".join(excluded) + "\n", encoding="utf-8")
    print(ref.describe(), file=sys.stderr)
    print(f"done in {time.time() - t0:.0f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
