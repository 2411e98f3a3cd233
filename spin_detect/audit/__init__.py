"""Application: corpus audits and dataframe scoring.

:func:`run_audit` scores every record of a crawl into a report file;
:func:`score_records` is what each worker runs; :func:`score_frame` and
:func:`score_partitions` score pandas frames for Dask and Spark.
"""

from spin_detect.audit.run import (
    MAX_DOCUMENT_CHARS,
    ROW_FIELDS,
    ROW_SCHEMA,
    SENTENCE_FIELDS,
    SUMMARY_SCHEMA,
    AuditError,
    AuditOptions,
    DetectorSpec,
    Summary,
    frame_meta,
    run_audit,
    score_frame,
    score_partitions,
    score_records,
)

__all__ = ["MAX_DOCUMENT_CHARS", "ROW_FIELDS", "ROW_SCHEMA", "SENTENCE_FIELDS", "SUMMARY_SCHEMA", "AuditError",
           "AuditOptions", "DetectorSpec", "Summary", "frame_meta", "run_audit", "score_frame", "score_partitions",
           "score_records"]
