"""The feature extractor over the packaged tables."""

from __future__ import annotations

from functools import lru_cache

from spin_detect.features.extractor import CLOZE_FROM, FeatureExtractor
from spin_detect.tables.packaged import (
    default_cloze,
    default_neighbours,
    default_reference,
    default_thesaurus,
    default_topics,
    default_trigrams,
)
from spin_detect.tables.reference import ReferenceStats

__all__ = ["default_extractor", "extractor_with_reference"]


def default_extractor(cloze_from: int = CLOZE_FROM) -> FeatureExtractor:
    """A :class:`FeatureExtractor` over all packaged tables, built once per process (per ``cloze_from``:
    the model's setting, :data:`~spin_detect.features.extractor.CLOZE_FROM`)."""
    return _default_extractor(int(cloze_from))


@lru_cache(maxsize=4)
def _default_extractor(cloze_from: int) -> FeatureExtractor:
    return FeatureExtractor(default_reference(), default_thesaurus(), default_neighbours(),
                            trigrams=default_trigrams(), topics=default_topics(), cloze=default_cloze(),
                            cloze_from=cloze_from)


def extractor_with_reference(reference: ReferenceStats, cloze_from: int = CLOZE_FROM) -> FeatureExtractor:
    """A :class:`FeatureExtractor` over the packaged tables but ``reference``'s counts.

    ``reference`` must share the packaged reference's word ids (a table made by
    :func:`~spin_detect.tables.adapt.adapt_reference`), since the neighbour, trigram
    and topic tables store those ids; the packaged reference itself gives
    :func:`default_extractor`.
    """
    if reference is default_reference():
        return default_extractor(cloze_from)
    if reference.vocab is not default_reference().vocab:  # an adapted table shares the packaged word list
        raise ValueError("this reference has its own vocabulary; mix it into the packaged one with "
                         "spin_detect.tables.adapt.adapt_reference")
    return FeatureExtractor(reference, default_thesaurus(), default_neighbours(),
                            trigrams=default_trigrams(), topics=default_topics(), cloze=default_cloze(),
                            cloze_from=cloze_from)
