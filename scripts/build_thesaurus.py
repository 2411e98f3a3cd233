"""Build the packaged thesaurus table from WordNet 3.0 (Debian ``wordnet-base``).

For every lemma and each of its senses, the other lemmas of the synset (and, for
adjectives, of "similar to" synsets) become synonym candidates; both sides are
then inflected alike (say/mention -> said/mentioned, year/twelvemonth ->
years/twelvemonths). Regular forms whose spelling is uncertain, and plurals
of nouns that may be uncountable, are checked against the reference vocabulary.

WordNet has no entries for function words and their phrases, the material most
rewritten by commercial spinners ("due to the fact that", "is able to",
"didn't"). So the table also holds, as part of speech ``x``, the general English
alternations of :mod:`spin_detect.learning.rewrites` read backwards: each wordy
or alternative form is a headword whose candidates are the forms it may stand
for ("due to the fact that" -> "because"), written as the tokenizer splits them
("do n't"). The detector then compares such a phrase with its shorter or more
usual alternative as one unit. The training spinner's ``wordnet`` source does
not use these entries (they are the ``grammar`` source's, see
:mod:`spin_detect.learning.spinner`).

    python -m scripts.build thesaurus [--reference spin_detect/data/reference.bin]
"""

from __future__ import annotations

import argparse
import itertools
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


def function_phrase_entries():
    """``(head, candidate, "x", "X", 0, 0)`` for every rewrite of :data:`spin_detect.learning.rewrites.REWRITES`
    and negative contraction, read backwards (the rewritten form is the headword), tokenised."""
    from spin_detect.learning.rewrites import rule_table
    from spin_detect.text.segment import tokenize

    def tok(s: str) -> str:
        return " ".join(t.text.lower() for t in tokenize(s))

    for key, values in sorted(rule_table().items()):
        for value in values:
            yield tok(value), tok(key), "x", "X", 0, 0


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
        itertools.chain(entries(known, Path(args.wordnet)), function_phrase_entries()),
        {"source": "WordNet 3.0 (Princeton University), see spin_detect/data/WORDNET_LICENSE; function-word "
                   "alternations of spin_detect/learning/rewrites.py (part of speech x)",
         "built_by": "scripts/build_thesaurus.py", "reference_sha256": ref.sha256},
    )
    print(f"{len(th)} headwords, {th.meta['entries']} entries, {time.time() - t0:.0f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
