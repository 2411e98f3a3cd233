"""Layer 4, features: per-token context scores and per-sentence features.

Data flow inside: :mod:`.candidates` (which words or phrases could replace each
token) -> :mod:`.extractor` (:class:`FeatureExtractor`: how well each token and
each candidate fits its context, per token, :mod:`.tokens`) -> :mod:`.sentence`
(sentence features, aggregates of token scores); :mod:`.groups` holds the
per-group numpy reductions. :func:`default_extractor` builds an extractor over
the packaged tables.
"""

from spin_detect.features.default import default_extractor, extractor_with_reference
from spin_detect.features.extractor import FeatureExtractor
from spin_detect.features.groups import csr_gather, group_first_max, group_top_k_sum
from spin_detect.features.sentence import FEATURE_GROUPS, FEATURE_NAMES
from spin_detect.features.tokens import TOKEN_FEATURES, TokenScores

__all__ = ["FEATURE_GROUPS", "FEATURE_NAMES", "TOKEN_FEATURES", "FeatureExtractor", "TokenScores", "csr_gather",
           "default_extractor", "extractor_with_reference", "group_first_max", "group_top_k_sum"]
