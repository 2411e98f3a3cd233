"""The one place that finds files shipped inside the package.

Packaged tables live in ``spin_detect/data/`` and are reached through
:mod:`importlib.resources`, so they are found the same way from a source
checkout, an installed wheel or a zip import. The loaders are cached: a process
opens each packaged table once.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

__all__ = ["data_file", "default_neighbours", "default_reference", "default_thesaurus", "default_topics",
           "default_trigrams"]


def data_file(name: str) -> Path:
    """Path of a packaged data file; ``FileNotFoundError`` names the file if it is missing."""
    ref = resources.files("spin_detect") / "data" / name
    if not ref.is_file():
        raise FileNotFoundError(
            f"packaged data file {name!r} is missing from spin_detect/data; "
            "reinstall spin-detect or rebuild the file (see scripts/)"
        )
    # Installed packages are plain directories, so this path is real and can be mmapped.
    return Path(str(ref))


@lru_cache(maxsize=1)
def default_reference():
    """The packaged :class:`~spin_detect.tables.reference.ReferenceStats`, loaded once per process."""
    from spin_detect.tables.reference import ReferenceStats

    return ReferenceStats.load(data_file("reference.bin"))


@lru_cache(maxsize=1)
def default_thesaurus():
    """The packaged :class:`~spin_detect.tables.thesaurus.Thesaurus`, loaded once per process."""
    from spin_detect.tables.thesaurus import Thesaurus

    return Thesaurus.load(data_file("thesaurus.bin"))


@lru_cache(maxsize=1)
def default_neighbours():
    """The packaged :class:`~spin_detect.tables.neighbours.Neighbours`, checked against the reference."""
    from spin_detect.tables.neighbours import Neighbours

    return Neighbours.load(data_file("neighbors.bin"), reference=default_reference())


@lru_cache(maxsize=1)
def default_trigrams():
    """The packaged :class:`~spin_detect.tables.trigrams.Trigrams`, checked against the reference."""
    from spin_detect.tables.trigrams import Trigrams

    return Trigrams.load(data_file("trigrams.bin"), reference=default_reference())


@lru_cache(maxsize=1)
def default_topics():
    """The packaged :class:`~spin_detect.tables.topics.TopicVectors`, checked against the reference."""
    from spin_detect.tables.topics import TopicVectors

    return TopicVectors.load(data_file("topics.bin"), reference=default_reference())
