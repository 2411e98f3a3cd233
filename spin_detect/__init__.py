"""spin-detect: find spun web content.

Data flow, one module per step: :mod:`~spin_detect.text.segment` (text -> sentences
and tokens), :mod:`~spin_detect.tables.reference`, :mod:`~spin_detect.tables.thesaurus` and
:mod:`~spin_detect.tables.neighbours` (the statistics features are computed from),
:mod:`~spin_detect.features.extractor` (per-token and per-sentence scores),
:mod:`~spin_detect.learning.model` (token, sentence and document models),
:mod:`~spin_detect.config` (thresholds), :mod:`~spin_detect.detector`
(reports with evidence), :mod:`~spin_detect.cli.app`.

Python API::

    import spin_detect
    det = spin_detect.load_detector()            # packaged default model
    det.score_sentences(["He mentioned the U.N. Safety Council met."])
    report = det.score_document(text)            # likelihood, verdict, evidence
    spin_detect.match_sources(records)           # the original of each spun or copied record, with swaps
"""

__version__ = "0.3.0"

__all__ = ["DecisionConfig", "Detector", "DocumentReport", "ModelError", "__version__", "load_detector",
           "match_sources"]


def __getattr__(name: str) -> object:
    # Lazy, so that 'spin-detect --help' does not pay for importing scikit-learn.
    if name in ("load_detector", "Detector", "DocumentReport", "ModelError"):
        from spin_detect import detector

        return getattr(detector, name)
    if name == "match_sources":
        from spin_detect.matching.api import match_sources

        return match_sources
    if name == "DecisionConfig":
        from spin_detect.config import DecisionConfig

        return DecisionConfig
    raise AttributeError(f"module 'spin_detect' has no attribute {name!r}")


def __dir__() -> list[str]:
    # the lazy names too, so that dir() and help() list the API
    return sorted({*globals(), *__all__})
