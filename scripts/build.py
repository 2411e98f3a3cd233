"""Build the packaged data, the labelled datasets and the default model: one command per product.

Run from the repository root::

    python -m scripts.build COMMAND [OPTIONS]     # python -m scripts.build COMMAND --help for its options

Each command is the ``main`` of a module of :mod:`scripts`, with that module's options and defaults.
Most read ``../shared/corpora`` (and WordNet from ``/usr/share/wordnet``) and write into
``spin_detect/data``, ``work-data`` or ``models/default``; see each command's ``--help``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

#: command -> (module of scripts/, what it builds): the products in the order a full rebuild runs them (reference ..
#: default-model), then measurements and the feed-forward cloze model of earlier sessions.
COMMANDS: dict[str, tuple[str, str]] = {
    "reference": ("build_reference", "reference statistics (spin_detect/data/reference.bin), ~4 min"),
    "thesaurus": ("build_thesaurus", "WordNet thesaurus (spin_detect/data/thesaurus.bin), ~6 s"),
    "antonyms": ("build_antonyms", "WordNet opposites for likely originals (spin_detect/data/antonyms.bin), ~2 s"),
    "names": ("build_names", "words written as names, for likely originals (spin_detect/data/names.bin), ~3.5 min"),
    "neighbours": ("build_neighbors", "distributional neighbours (spin_detect/data/neighbors.bin), ~70 s"),
    "trigrams": ("build_trigrams", "trigram counts (spin_detect/data/trigrams.bin), ~4.5 min"),
    "topics": ("build_topics", "topic vectors (spin_detect/data/topics.bin), ~5 min"),
    "cloze": ("seq_cloze", "cloze model, a bidirectional LSTM (spin_detect/data/cloze.bin; needs PyTorch), ~65-90 min"),
    "spinner-tables": ("build_spinner_tables", "phrase and Moby tables (spin_detect/data/phrases.bin, moby.bin)"),
    "datasets": ("build_datasets", "labelled sentence/document datasets (work-data/datasets), ~3 min"),
    "default-model": ("train_default", "the default model, its metrics and card (models/default), ~6 min"),
    "domain-reference": ("domain_reference", "train --reference measured: bbc as a user's domain (stdout), ~20 min"),
    "unseen-source": ("unseen_source", "scores with tables that never saw each source (stdout), ~25 min"),
    "ablation": ("ablation", "feature ablation tables on stdout (models/default/ABLATION.md)"),
    "cloze-ff": ("build_cloze", "the feed-forward cloze model shipped before the LSTM (work-data/cloze/cloze-ff.bin; "
                 "needs PyTorch), ~80 min"),
}


def main(argv: list[str] | None = None) -> None:
    """Run one build command: ``argv`` is ``[COMMAND, *its arguments]`` (None: ``sys.argv[1:]``)."""
    ap = argparse.ArgumentParser(
        prog="python -m scripts.build", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="commands:\n" + "\n".join(f"  {name:<15} {what}" for name, (_, what) in COMMANDS.items()))
    ap.add_argument("command", choices=COMMANDS, metavar="COMMAND", help="what to build (see below)")
    ap.add_argument("args", nargs=argparse.REMAINDER, help="the command's options (COMMAND --help lists them)")
    args = ap.parse_args(sys.argv[1:] if argv is None else argv)
    module = importlib.import_module(f"scripts.{COMMANDS[args.command][0]}")
    module.main(args.args)


if __name__ == "__main__":
    main()
