"""Source matching: find the original of a spun or copied document, and the words that were swapped.

Layer 6b, between the detector and the applications: :mod:`.signature` (immutables, shingles, MinHash),
:mod:`.index` (:class:`SourceIndex`: datasketch's MinHash LSH with the texts, saved as data),
:mod:`.align` (word alignment, relation, swaps), :mod:`.pairs` (one pair judged and oriented),
:mod:`.api` (:func:`match_sources`, :func:`match_documents`, :func:`match_pair`), :mod:`.distributed` (the same on Dask:
a band join), :mod:`.config` (:class:`MatchConfig`, every threshold). Nothing here prints.
"""

from spin_detect.matching.api import MATCH_FIELDS, match_documents, match_pair, match_sources
from spin_detect.matching.config import MatchConfig
from spin_detect.matching.index import SourceIndex, SourceIndexError, is_index

__all__ = ["MATCH_FIELDS", "MatchConfig", "SourceIndex", "SourceIndexError", "is_index", "match_documents",
           "match_pair", "match_sources"]
