"""Build the packaged table of opposite words (``spin_detect/data/antonyms.bin``) from WordNet 3.0.

WordNet's direct antonyms (``!`` pointers, names left out), both words inflected alike as the
thesaurus inflects its synonyms ("increase" / "decrease" -> "increased" / "decreased"; adjectives
also "higher" / "lower"); uncertain regular spellings are kept only when the reference vocabulary
has them. Only the likely-original
ranker reads the table: a report does not offer a word's opposite as what a spinner replaced.
Measured on the dev split (72,203 real substitutions shown as evidence, the shipped model): the
true original first 64.17% -> 64.32%, among three 73.77% -> 73.76%, and 258 opposites no longer
shown first (147 of them "inside" -> "outside" where "in" was written). Also pairing the
adjectives "similar to" either word gave 64.24% and 64.20%: more pairs, more true originals lost.

    python -m scripts.build antonyms [--reference spin_detect/data/reference.bin]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from scripts.wordnet import _VOWELS, WORDNET, _cvc, inflections, read_antonyms, read_exceptions
from spin_detect.tables.antonyms import write_antonyms
from spin_detect.tables.reference import ReferenceStats


def graded(adjective: str, exceptions: dict[str, list[str]], known) -> dict[str, str]:
    """Comparative and superlative of a one-word adjective (``JJR``, ``JJS``): WordNet's irregular forms
    ("good" -> "better", "best"), else the regular spelling if the vocabulary has it ("low" -> "lower")."""
    irregular = exceptions.get(adjective, [])
    if irregular:
        return {("JJS" if f.endswith("st") else "JJR"): f for f in irregular}
    if " " in adjective or "-" in adjective:
        return {}
    w = adjective
    if w.endswith("e"):
        stems = [w[:-1]]
    elif len(w) > 1 and w.endswith("y") and w[-2] not in _VOWELS:
        stems = [w[:-1] + "i"]
    elif _cvc(w) and len(w) <= 4:
        stems = [w + w[-1]]
    else:
        stems = [w]
    return {tag: stems[0] + end for tag, end in (("JJR", "er"), ("JJS", "est")) if known(stems[0] + end)}


def pairs(known, root: Path):
    """Inflected pairs of opposites: ``(form, opposite form)`` for each inflection both lemmas have (for
    adjectives also the comparative and superlative: "higher" / "lower")."""
    exc = read_exceptions(root)
    for a, b, pos in sorted(read_antonyms(root)):
        fa, fb = inflections(a, pos, exc, known), inflections(b, pos, exc, known)
        if pos == "a":
            fa.update(graded(a, exc["a"], known))
            fb.update(graded(b, exc["a"], known))
        for tag, form in fa.items():
            if tag in fb:
                yield form, fb[tag]


def main(argv: list[str] | None = None) -> None:
    """Build the antonym table (arguments as on the command line; None: ``sys.argv``)."""
    ap = argparse.ArgumentParser(prog="python -m scripts.build antonyms", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="spin_detect/data/antonyms.bin")
    ap.add_argument("--reference", default="spin_detect/data/reference.bin",
                    help="reference table whose vocabulary checks uncertain inflections")
    ap.add_argument("--wordnet", default=str(WORDNET))
    args = ap.parse_args(argv)
    t0 = time.time()
    vocab = set(ReferenceStats.load(args.reference).vocab)
    table = write_antonyms(args.out, pairs(vocab.__contains__, Path(args.wordnet)),
                           {"source": "WordNet 3.0 (Princeton University) direct antonyms, see "
                                      "spin_detect/data/WORDNET_LICENSE", "built_by": "scripts/build_antonyms.py"})
    print(f"{len(table)} pairs, {time.time() - t0:.0f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
