"""The feature extractor over the packaged tables."""

from __future__ import annotations

from functools import lru_cache

from spin_detect.features.extractor import FeatureExtractor
from spin_detect.tables.packaged import (
    default_neighbours,
    default_reference,
    default_thesaurus,
    default_topics,
    default_trigrams,
)

__all__ = ["default_extractor"]


@lru_cache(maxsize=1)
def default_extractor() -> FeatureExtractor:
    """A :class:`FeatureExtractor` over all packaged tables, built once per process."""
    return FeatureExtractor(default_reference(), default_thesaurus(), default_neighbours(),
                            trigrams=default_trigrams(), topics=default_topics())
