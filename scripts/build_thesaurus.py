"""Build the packaged thesaurus table from WordNet 3.0 (Debian ``wordnet-base``).

For every lemma and each of its senses, the other lemmas of the synset (and, for
adjectives, of "similar to" synsets) become synonym candidates; both sides are
then inflected alike (say/mention -> said/mentioned, year/twelvemonth ->
years/twelvemonths). Regular forms whose spelling is uncertain, and plurals
of nouns that may be uncountable, are checked against the reference vocabulary.

    python -m scripts.build thesaurus [--reference spin_detect/data/reference.bin]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from scripts.wordnet import WORDNET, inflections, read_exceptions, read_index, read_synsets
from spin_detect.tables.reference import ReferenceStats
from spin_detect.tables.thesaurus import FLAG_SIMILAR, write_thesaurus


def entries(known, root: Path):
    synsets = read_synsets(root)
    index = read_index(root)
    exc = read_exceptions(root)
    cache: dict[tuple[str, str], dict[str, str]] = {}

    def forms(lemma: str, pos: str) -> dict[str, str]:
        key = (lemma, pos)
        if key not in cache:
            cache[key] = inflections(lemma, pos, exc, known)
        return cache[key]

    for (lemma, pos), offsets in sorted(index.items()):
        head_forms = forms(lemma, pos)
        for rank, off in enumerate(offsets):
            ss = synsets[(pos, off)]
            # Names are neither spun nor proposed: skip the senses in which the lemma is
            # a name ("Nation" = Carry Nation) and names among the synonyms.
            if lemma in ss.proper:
                continue
            cands = [(w, 0) for w in ss.words if w != lemma and w not in ss.proper]
            for sim in ss.similar:
                other = synsets[(pos, sim)]
                cands += [(w, FLAG_SIMILAR) for w in other.words if w != lemma and w not in other.proper]
            for syn, flags in cands:
                syn_forms = forms(syn, pos)
                for tag, head in head_forms.items():
                    if tag in syn_forms:
                        yield head, syn_forms[tag], pos, tag, rank, flags


def main(argv: list[str] | None = None) -> None:
    """Build the thesaurus table (arguments as on the command line; None: ``sys.argv``)."""
    ap = argparse.ArgumentParser(prog="python -m scripts.build thesaurus", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="spin_detect/data/thesaurus.bin")
    ap.add_argument("--reference", default="spin_detect/data/reference.bin",
                    help="reference table whose vocabulary checks uncertain inflections")
    ap.add_argument("--wordnet", default=str(WORDNET))
    args = ap.parse_args(argv)
    t0 = time.time()
    ref = ReferenceStats.load(args.reference)
    vocab = set(ref.vocab)

    def known(word: str) -> bool:
        return word in vocab

    th = write_thesaurus(
        args.out,
        entries(known, Path(args.wordnet)),
        {"source": "WordNet 3.0 (Princeton University), see spin_detect/data/WORDNET_LICENSE",
         "built_by": "scripts/build_thesaurus.py", "reference_sha256": ref.sha256},
    )
    print(f"{len(th)} headwords, {th.meta['entries']} entries, {time.time() - t0:.0f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
