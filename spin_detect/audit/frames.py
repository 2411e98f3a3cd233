"""Audit rows for dataframes: pandas in, pandas out, for Dask and Spark.

:func:`score_frame` scores a pandas DataFrame of documents into one report row
per input row (columns :data:`~spin_detect.audit.worker.ROW_FIELDS`); it suits
Dask ``ddf.map_partitions(score_frame, meta=frame_meta())`` and, through
:func:`score_partitions`, Spark ``mapInPandas``. The detector is loaded once
per worker process. pandas is imported only when a frame is scored.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from spin_detect.audit.worker import FRAME_DTYPES, ROW_FIELDS, DetectorSpec, load_spec, score_records
from spin_detect.input.records import Record

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["frame_meta", "score_frame", "score_partitions"]


def score_frame(df: pd.DataFrame, text_column: str = "text", id_column: str | None = "id",
                url_column: str | None = "url", model: str | None = None, preset: str = "balanced",
                threshold: float | None = None, html: str = "auto", trust_model: bool = False) -> pd.DataFrame:
    """Score a pandas DataFrame of documents; return one report row per input row, same order and index.

    The columns are :data:`~spin_detect.audit.worker.ROW_FIELDS`, with the
    dtypes of :data:`~spin_detect.audit.worker.FRAME_DTYPES` (nullable
    ``string`` and ``Int64``), so that every partition of a Dask frame has one
    Parquet schema. ``seq`` is the row's position in the frame given: under
    Dask or Spark, its position in its partition or batch, which restarts at 0
    in each; the index (kept) or ``id`` identify a row across partitions.
    Suitable for Dask ``ddf.map_partitions(score_frame, meta=frame_meta())``
    and, through :func:`score_partitions`, Spark ``mapInPandas``; the detector
    is loaded once per process and cached.
    """
    import pandas as pd

    spec = DetectorSpec(model, preset, threshold, trust_model)
    kind = {"yes": "html", "no": "text"}.get(html, "auto")
    records = []
    ids = df[id_column] if id_column and id_column in df.columns else None
    urls = df[url_column] if url_column and url_column in df.columns else None
    for i, text in enumerate(df[text_column].tolist()):
        rid = str(ids.iloc[i]) if ids is not None and not pd.isna(ids.iloc[i]) else str(df.index[i])
        url = urls.iloc[i] if urls is not None and isinstance(urls.iloc[i], str) else None
        where = f"row {df.index[i]}"
        if not isinstance(text, str):
            records.append(Record(i, rid, where, url, status="error",
                                  error=f"{where}: {text_column!r} is {type(text).__name__}, not a string"))
        else:
            records.append(Record(i, rid, where, url, payload=text, kind=kind))
    rows, _ = score_records(records, load_spec(spec)) if records else ([], [])
    return pd.DataFrame(rows, columns=list(ROW_FIELDS), index=df.index).astype(FRAME_DTYPES)


def frame_meta() -> pd.DataFrame:
    """An empty frame with the columns and dtypes of :func:`score_frame`: Dask's ``meta`` for ``map_partitions``."""
    import pandas as pd

    return pd.DataFrame({k: pd.Series(dtype=v) for k, v in FRAME_DTYPES.items()})


def score_partitions(batches: Iterable[pd.DataFrame], **kwargs: Any) -> Iterator[pd.DataFrame]:
    """Spark ``mapInPandas`` adapter: yield :func:`score_frame` of each pandas batch (``kwargs`` passed on)."""
    for pdf in batches:
        yield score_frame(pdf, **kwargs)
