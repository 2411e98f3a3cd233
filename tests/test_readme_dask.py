"""The README's Dask recipe runs as written (issue 17): ``score_frame`` over a Dask DataFrame read from Parquet,
written back to Parquet, with partitions whose columns are all null in one and filled in another; and the
README's Spark schema is the one of ``frame_meta()``."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from corpus_fixtures import ORIGINAL, SPUN

from spin_detect.audit import ROW_FIELDS, frame_meta, score_frame

README = Path(__file__).resolve().parents[1] / "README.md"
GERMAN = ("Der Rat der Stadt hat am Montag beschlossen, dass die Schulen in der nächsten Woche wieder öffnen. "
          "Die Eltern sind darüber sehr froh, und die Lehrer auch. Der Bürgermeister bat aber um Vorsicht in den "
          "ersten Tagen, weil noch nicht alle Fragen geklärt sind.")


def _python_block(marker: str) -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    (block,) = [b for b in blocks if marker in b]
    return block


@pytest.mark.slow
def test_the_readme_dask_recipe_writes_parquet(tmp_path, monkeypatch):
    dask = pytest.importorskip("dask")
    pytest.importorskip("dask.dataframe")
    pytest.importorskip("pyarrow")
    pages = tmp_path / "pages"
    pages.mkdir()
    # partition 0: two English pages, no errors (error, notes: all null); partition 1: German (not judged),
    # a page without text (an error row), and one without a URL
    first = pd.DataFrame({"id": ["a", "b"], "url": ["https://x.example/a", "https://x.example/b"],
                          "text": [ORIGINAL, SPUN]})
    second = pd.DataFrame({"id": ["c", "d", "e"], "url": ["https://y.example/c", None, None],
                           "text": [GERMAN, None, ORIGINAL]})
    first.to_parquet(pages / "part-0.parquet")
    second.to_parquet(pages / "part-1.parquet")
    monkeypatch.chdir(tmp_path)
    with dask.config.set(scheduler="synchronous"):
        exec(compile(_python_block("map_partitions(score_frame"), str(README), "exec"), {})
    got = pd.read_parquet(tmp_path / "spin-scores").reset_index(drop=True)
    assert list(got.columns)[-len(ROW_FIELDS):] == list(ROW_FIELDS)
    assert got["id"].tolist() == ["a", "b", "c", "d", "e"]
    assert got["status"].tolist() == ["ok", "ok", "ok", "error", "ok"]
    assert got.loc[2, "verdict"] == "out_of_scope" and pd.isna(got.loc[2, "likelihood"])
    assert got["seq"].tolist() == [0, 1, 0, 1, 2]  # the position in its partition, as the README says
    want = pd.concat([score_frame(first), score_frame(second)], ignore_index=True)
    assert got["likelihood"].tolist() == pytest.approx(want["likelihood"].tolist(), nan_ok=True)
    assert got["n_sentences"].tolist() == want["n_sentences"].tolist()


_SPARK_TYPES = {"int64": "long", "Int64": "long", "float64": "double", "string": "string", "boolean": "boolean"}


def test_the_readme_spark_schema_is_the_frame_schema():
    block = _python_block("mapInPandas")
    schema = "".join(re.findall(r'"([^"]*)"', block.split("schema = (", 1)[1].split(")", 1)[0]))
    columns = [tuple(c.split()) for c in schema.split(",")]
    meta = frame_meta()
    assert columns == [(k, _SPARK_TYPES[str(t)]) for k, t in meta.dtypes.items()]
    assert list(meta.columns) == list(ROW_FIELDS)
