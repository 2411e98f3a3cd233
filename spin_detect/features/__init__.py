"""Layer 4, features: per-token context scores and per-sentence features.

:class:`FeatureExtractor` (in :mod:`.extractor`) computes them in batches from
the tables; :func:`default_extractor` builds one over the packaged tables.
"""

from spin_detect.features.default import default_extractor
from spin_detect.features.extractor import (
    FEATURE_GROUPS,
    FEATURE_NAMES,
    TOKEN_FEATURES,
    FeatureExtractor,
    TokenScores,
    csr_gather,
    group_first_max,
    group_top_k_sum,
)

__all__ = ["FEATURE_GROUPS", "FEATURE_NAMES", "TOKEN_FEATURES", "FeatureExtractor", "TokenScores", "csr_gather",
           "default_extractor", "group_first_max", "group_top_k_sum"]
