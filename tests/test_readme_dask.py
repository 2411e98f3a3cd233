"""The README's Dask and Spark recipes run as written (issue 17): ``score_frame`` over a Dask DataFrame read
from Parquet, written back to Parquet, with partitions whose columns are all null in one and filled in another;
``score_partitions`` through Spark's ``mapInPandas`` in local mode, to Parquet, row for row what ``score_frame``
gives; and the README's Spark schema is the one of ``frame_meta()``."""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest
from corpus_fixtures import ORIGINAL, SPUN

from spin_detect.audit import ROW_FIELDS, frame_meta, score_frame
from spin_detect.audit.worker import FRAME_DTYPES

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


@pytest.fixture
def spark_here(tmp_path, monkeypatch):
    """A Spark session in local mode, started in ``tmp_path`` (the JVM resolves relative paths against the
    folder it starts in), light (one core, no UI, one shuffle partition), stopped at the end."""
    pytest.importorskip("pyspark", reason="no pyspark: pip install 'spin-detect[spark]'")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java runtime (pyspark needs one: apt-get install default-jre-headless)")
    from pyspark.sql import SparkSession

    monkeypatch.chdir(tmp_path)
    # Spark starts its Python workers with PYSPARK_PYTHON (default: python3 on PATH); here, the interpreter
    # that has spin_detect, as a cluster's workers have it installed
    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)
    monkeypatch.setenv("SPARK_LOCAL_IP", "127.0.0.1")  # local mode: no other network interface
    spark = (SparkSession.builder.master("local[1]").appName("spin-detect-readme")
             .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "1")
             .config("spark.ui.showConsoleProgress", "false").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    try:
        yield spark
    finally:
        spark.stop()


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")
def test_the_readme_spark_recipe_in_local_mode(spark_here, tmp_path):
    pytest.importorskip("pyarrow")
    # an English original, its spun copy, a German text (not judged), a page without text (an error row)
    pages = pd.DataFrame({"id": ["a", "b", "c", "d"],
                          "url": ["https://x.example/a", "https://spam.example/b", None, None],
                          "text": [ORIGINAL, SPUN, GERMAN, None]})
    (tmp_path / "pages").mkdir()
    pages.to_parquet(tmp_path / "pages" / "part-0.parquet", index=False)
    exec(compile(_python_block("mapInPandas(score_partitions"), str(README), "exec"), {})
    got = pd.read_parquet(tmp_path / "spin-scores").reset_index(drop=True)
    assert list(got.columns) == list(ROW_FIELDS)
    got = got.astype(FRAME_DTYPES)
    # one small file is one partition and one Arrow batch: the rows of score_frame on the same frame, seq too
    want = score_frame(pages)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got["verdict"].tolist()[:3] == ["original", "spun", "out_of_scope"] and pd.isna(got.loc[3, "verdict"])
    assert got["status"].tolist() == ["ok", "ok", "ok", "error"]
    assert got["likelihood"].isna().tolist() == [False, False, True, True]
