"""The packaged tables, loaded once per process.

Files are found by :func:`spin_detect.tables.datafiles.data_file`; each loader
here is cached, so a process opens each packaged table once and every
consumer shares it.
"""

from __future__ import annotations

from functools import lru_cache

from spin_detect.tables.antonyms import Antonyms
from spin_detect.tables.cloze import ClozeModel
from spin_detect.tables.datafiles import data_file
from spin_detect.tables.names import NameWords
from spin_detect.tables.neighbours import Neighbours
from spin_detect.tables.reference import ReferenceStats
from spin_detect.tables.thesaurus import Thesaurus
from spin_detect.tables.topics import TopicVectors
from spin_detect.tables.trigrams import Trigrams

__all__ = ["default_antonyms", "default_cloze", "default_names", "default_neighbours", "default_reference",
           "default_thesaurus", "default_topics", "default_trigrams"]


@lru_cache(maxsize=1)
def default_reference() -> ReferenceStats:
    """The packaged :class:`~spin_detect.tables.reference.ReferenceStats`, loaded once per process."""
    return ReferenceStats.load(data_file("reference.bin"))


@lru_cache(maxsize=1)
def default_thesaurus() -> Thesaurus:
    """The packaged :class:`~spin_detect.tables.thesaurus.Thesaurus`, loaded once per process."""
    return Thesaurus.load(data_file("thesaurus.bin"))


@lru_cache(maxsize=1)
def default_neighbours() -> Neighbours:
    """The packaged :class:`~spin_detect.tables.neighbours.Neighbours`, checked against the reference."""
    return Neighbours.load(data_file("neighbors.bin"), reference=default_reference())


@lru_cache(maxsize=1)
def default_trigrams() -> Trigrams:
    """The packaged :class:`~spin_detect.tables.trigrams.Trigrams`, checked against the reference."""
    return Trigrams.load(data_file("trigrams.bin"), reference=default_reference())


@lru_cache(maxsize=1)
def default_topics() -> TopicVectors:
    """The packaged :class:`~spin_detect.tables.topics.TopicVectors`, checked against the reference."""
    return TopicVectors.load(data_file("topics.bin"), reference=default_reference())


@lru_cache(maxsize=1)
def default_cloze() -> ClozeModel:
    """The packaged :class:`~spin_detect.tables.cloze.ClozeModel`, checked against the reference."""
    return ClozeModel.load(data_file("cloze.bin"), reference=default_reference())


@lru_cache(maxsize=1)
def default_antonyms() -> Antonyms:
    """The packaged :class:`~spin_detect.tables.antonyms.Antonyms` (opposites no report offers as originals)."""
    return Antonyms.load(data_file("antonyms.bin"))


@lru_cache(maxsize=1)
def default_names() -> NameWords:
    """The packaged :class:`~spin_detect.tables.names.NameWords` (no report offers a name for a name)."""
    return NameWords.load(data_file("names.bin"))
