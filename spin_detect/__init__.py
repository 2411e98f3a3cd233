"""spin-detect: find spun web content.

Data flow, one module per step: :mod:`~spin_detect.segment` (text -> sentences
and tokens), :mod:`~spin_detect.reference` and :mod:`~spin_detect.thesaurus`
(the statistics and synonyms features are computed from),
:mod:`~spin_detect.features` (per-token and per-sentence scores),
:mod:`~spin_detect.report` (document report), :mod:`~spin_detect.cli`.
"""

__version__ = "0.1.0"
