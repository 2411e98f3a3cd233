"""Application: corpus audits and dataframe scoring.

:func:`run_audit` (:mod:`.run`, checked first by :func:`check_audit`) scores every record of a crawl into a report
file (:mod:`.reportfile`: partial rows, resume state, conversion) and returns
its :class:`Summary` (:mod:`.summary`), after the source-matching pass of :mod:`.matchpass` when asked
(``AuditOptions.match``), exact duplicates reusing earlier rows (:mod:`.dedup`); :func:`score_records` (:mod:`.worker`)
is what each worker runs; :func:`score_frame` and :func:`score_partitions`
(:mod:`.frames`) score pandas frames for Dask and Spark. Nothing here prints:
progress and news go to callbacks.
"""

from spin_detect.audit.frames import frame_meta, score_frame, score_partitions
from spin_detect.audit.reportfile import AuditError, AuditRefused
from spin_detect.audit.run import AuditOptions, check_audit, run_audit
from spin_detect.audit.summary import SUMMARY_SCHEMA, Summary
from spin_detect.audit.worker import (
    BATCH_CHARS,
    MAX_DOCUMENT_CHARS,
    ROW_FIELDS,
    ROW_SCHEMA,
    SENTENCE_FIELDS,
    DetectorSpec,
    score_records,
)

__all__ = ["BATCH_CHARS", "MAX_DOCUMENT_CHARS", "ROW_FIELDS", "ROW_SCHEMA", "SENTENCE_FIELDS", "SUMMARY_SCHEMA",
           "AuditError", "AuditOptions", "AuditRefused", "DetectorSpec", "Summary", "check_audit", "frame_meta",
           "run_audit", "score_frame", "score_partitions", "score_records"]
