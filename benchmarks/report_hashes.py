"""Hashes of the reports and sentences of varied documents, to show that a speed-up changed no output.

    PYTHONPATH=CHECKOUT python benchmarks/report_hashes.py [--data work-data/datasets/documents.csv.gz]
                                                        [--split test] [--out HASHES.txt]
    PYTHONPATH=CHECKOUT python benchmarks/report_hashes.py --real-pages 6000 [--out HASHES.txt]

Run it once per checkout (from outside the repository, so ``PYTHONPATH`` decides which code runs) and
compare the printed hashes (or ``--out`` files, one line per document, with ``diff``).

Documents: every document of the split (the dataset's ``text`` column: originals and spun copies of every
source and style), then variants of its first 100: read as cp1252 (mojibake), as HTML-derived text
(paragraphs in tags, entities, no-break spaces), all on one line, and upper case; then odd ones: empty,
blank, punctuation, a 30,000-character run-on sentence, non-Latin scripts. For each: the full report
(``report_dict``, the JSON of ``spin-detect score --json``, keys sorted) and the sentences of its
normalised text (text, offsets, tokens with offsets, ``truncated``).

``--real-pages N`` hashes instead the first N distinct real pages of ``../shared/corpora`` (``real_pages`` of
``sources.py``: enwiki-2018 pages of at least 50 words, then pages cut from enwiki-2015 and UN speeches), in
one detector: most of their words are new to its caches, as in an audit of a crawl, so the code that fills
the caches runs all the time.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

ODD = ["", " ", "\n\n\n", ".", "!?…", "— “ ” ( )", "word " * 6000,
       "Москва является столицей России. Париж - столица Франции.", "東京は日本の首都です。人口は多いです。",
       "Zoë Saldaña visited São Paulo; the café served crème brûlée.", "a@b.com www.x.org http://y.com/z?q=1"]


def documents(data: Path, split: str) -> list[str]:
    """The split's documents, their variants and the odd cases (see the module docs)."""
    import pandas as pd

    df = pd.read_csv(data)
    texts = [str(t) for t in df.loc[df["split"] == split, "text"].fillna("")]
    base = texts[:100]
    texts += [t.encode("utf-8").decode("cp1252", errors="replace") for t in base]
    texts += ["<html><body>" + "".join(f"<p>{html.escape(p)}&nbsp;</p>\n" for p in t.split("\n\n")) + "</body>"
              for t in base]
    texts += [" ".join(t.split()) for t in base]
    texts += [t.upper() for t in base]
    return texts + ODD


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT / "work-data" / "datasets" / "documents.csv.gz")
    ap.add_argument("--split", default="test")
    ap.add_argument("--out", type=Path, help="also write one line per document: its two hashes")
    ap.add_argument("--real-pages", type=int, metavar="N", help="the first N distinct real pages instead")
    args = ap.parse_args()

    import spin_detect
    from spin_detect.cli.console import report_dict
    from spin_detect.text.normalize import normalize
    from spin_detect.text.segment import split_sentences

    if args.real_pages:
        import itertools

        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from sources import real_pages

        pages = real_pages(ROOT.parent / "shared" / "corpora")
        texts = [text for _, text, _ in itertools.islice(pages, args.real_pages)]
    else:
        texts = documents(args.data, args.split)
    det = spin_detect.load_detector()
    all_reports, all_sents = hashlib.sha256(), hashlib.sha256()
    lines = []
    for text, report in zip(texts, det.score_documents(texts)):
        r = json.dumps(report_dict(report), sort_keys=True, ensure_ascii=True).encode()
        sents = [(s.text, s.start, s.end, [tuple(t) for t in s.tokens], s.truncated)
                 for s in split_sentences(normalize(text).text)]
        s = json.dumps(sents, ensure_ascii=True).encode()
        all_reports.update(hashlib.sha256(r).digest())
        all_sents.update(hashlib.sha256(s).digest())
        lines.append(f"{hashlib.sha256(r).hexdigest()[:16]} {hashlib.sha256(s).hexdigest()[:16]}")
    if args.out:
        args.out.write_text("\n".join(lines) + "\n")
    print(json.dumps({"code": spin_detect.__file__, "documents": len(texts),
                      "reports_sha256": all_reports.hexdigest(), "sentences_sha256": all_sents.hexdigest()}))


if __name__ == "__main__":
    sys.exit(main())
