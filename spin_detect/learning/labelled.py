"""Labelled data that users bring for training and evaluation, validated up front.

Format (CSV, CSV.gz, JSONL or JSONL.gz; one row per sentence):

=========== ======== =====================================================
column      required meaning
=========== ======== =====================================================
``text``    yes      the sentence (non-empty)
``label``   yes      ``original``/``spun``, or ``0``/``1`` (also true/false)
``doc_id``  no       document the sentence belongs to: enables document-level
                     evaluation and keeps a document's sentences in one split
``id``      no       unique row id; duplicates are refused
``source``  no       where the text comes from, for per-source metrics
``style``   no       spinner style, for per-style metrics
``changes`` no       the words a spinner replaced in a spun sentence: a JSON list
                     of ``[start, end, original, replacement]``, character
                     offsets into ``text`` (a JSON string in CSV, a string or a
                     list in JSONL; empty or ``[]`` for none). With it the word
                     models are trained too; without it, a base model's are
                     reused
=========== ======== =====================================================

Other columns are kept as they are. Every problem found is reported at once,
with row numbers, before any training starts.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

__all__ = ["LABELS", "LabelledDataError", "load_labelled", "normalise_labels"]

LABELS = {"original": 0, "spun": 1, "0": 0, "1": 1, "false": 0, "true": 1, "0.0": 0, "1.0": 1}


class LabelledDataError(ValueError):
    """The labelled data is not usable; the message lists every problem found."""


def _rows(ix: Iterable[int], limit: int = 5) -> str:
    # Row numbers as a user counts them in the file: 1-based, after the CSV header.
    ix = list(ix)
    nums = [str(int(i) + 1) for i in ix[:limit]]
    more = f" and {len(ix) - limit} more" if len(ix) > limit else ""
    return ", ".join(nums) + more


def _changes(column: pd.Series, texts: pd.Series, labels: pd.Series) -> tuple[list[str], list[str]]:
    """The ``changes`` column as JSON strings (``[]`` for none), and what is wrong with it, by rows: not a list
    of ``[start, end, ...]``, a span outside its text, changes in a row labelled original."""
    out: list[str] = []
    not_list, outside, in_original = [], [], []
    for i, (value, text, label) in enumerate(zip(column, texts, labels)):
        spans = value
        if value is None or (isinstance(value, float) and value != value) or value == "":
            spans = []
        elif isinstance(value, str):
            try:
                spans = json.loads(value)
            except ValueError:
                spans = None
        ok = isinstance(spans, list) and all(
            isinstance(c, list) and len(c) >= 2 and all(isinstance(x, int) and not isinstance(x, bool)
                                                         for x in c[:2]) for c in spans)
        if not ok:
            not_list.append(i)
            out.append("[]")
            continue
        if any(not 0 <= c[0] <= c[1] <= len(text) for c in spans):
            outside.append(i)
        if spans and label == 0:
            in_original.append(i)
        out.append(value if isinstance(value, str) and value else json.dumps(spans, ensure_ascii=False))
    problems = []
    if not_list:
        problems.append(f"changes is not a JSON list of [start, end, original, replacement] in rows {_rows(not_list)}")
    if outside:
        problems.append(f"a change's [start, end] lies outside its text in rows {_rows(outside)}")
    if in_original:
        problems.append(f"changes in a sentence labelled original in rows {_rows(in_original)}")
    return out, problems


def _read(path: Path) -> pd.DataFrame:
    name = path.name.lower()
    try:
        if name.endswith((".jsonl", ".jsonl.gz", ".json", ".ndjson")):
            rows = []
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rt", encoding="utf-8") as f:
                for n, line in enumerate(f, 1):
                    if not line.strip():
                        continue
                    try:
                        obj = json.loads(line)
                    except ValueError as exc:
                        raise LabelledDataError(f"{path}: line {n} is not valid JSON ({exc})") from exc
                    if not isinstance(obj, dict):
                        raise LabelledDataError(f"{path}: line {n} is not a JSON object")
                    rows.append(obj)
            return pd.DataFrame(rows)
        if name.endswith((".csv", ".csv.gz", ".tsv", ".tsv.gz")):
            sep = "\t" if ".tsv" in name else ","
            return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8")
    except LabelledDataError:
        raise
    except pd.errors.EmptyDataError as exc:
        raise LabelledDataError(f"{path}: empty file (no header, no rows)") from exc
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, EOFError) as exc:
        raise LabelledDataError(f"{path}: cannot read ({exc})") from exc
    raise LabelledDataError(f"{path}: unknown file type; use .csv, .tsv or .jsonl (optionally .gz)")


def normalise_labels(values: pd.Series) -> pd.Series:
    """Map label values to 0/1; unknown values become -1."""
    return values.map(lambda v: LABELS.get(str(v).strip().lower(), -1)).astype("int64")


def load_labelled(path: str | os.PathLike[str] | pd.DataFrame) -> pd.DataFrame:
    """Load and validate labelled sentences; return a frame with ``text``, integer
    ``label`` (0 original, 1 spun) and ``doc_id`` (the row number when absent).

    Raises :class:`LabelledDataError` listing every problem: missing columns,
    unknown labels, empty texts, duplicated ids. (Training also needs both
    classes; the trainer checks that.)
    """
    if isinstance(path, pd.DataFrame):
        df, where = path.copy(), "data"
    else:
        where = str(path)
        df = _read(Path(path))
    if df.empty:
        raise LabelledDataError(f"{where}: no rows")
    problems = []
    missing = [c for c in ("text", "label") if c not in df.columns]
    if missing:
        found = ", ".join(map(str, df.columns))
        raise LabelledDataError(f"{where}: missing column(s) {', '.join(missing)}; found {found}")
    df = df.reset_index(drop=True)
    text_ok = df["text"].map(lambda t: isinstance(t, str))
    if (~text_ok).any():
        problems.append(f"text is not a string in rows {_rows(df.index[~text_ok])}")
    df["text"] = df["text"].where(text_ok, "")
    empty = df["text"].str.strip() == ""
    if (empty & text_ok).any():
        problems.append(f"empty text in rows {_rows(df.index[empty & text_ok])}")
    labels = normalise_labels(df["label"])
    bad = labels < 0
    if bad.any():
        shown = sorted({str(v) for v in df.loc[bad, "label"]})[:5]
        problems.append(f"unknown label(s) {', '.join(map(repr, shown))} in rows {_rows(df.index[bad])}; "
                        "use original/spun or 0/1")
    if "id" in df.columns:
        dup = df["id"].astype(str).duplicated(keep=False)
        if dup.any():
            problems.append(f"duplicated id in rows {_rows(df.index[dup])}")
    if "changes" in df.columns:
        changes, change_problems = _changes(df["changes"], df["text"], labels)
        problems += change_problems
        df["changes"] = changes
    if problems:
        raise LabelledDataError(f"{where}: " + "; ".join(problems))
    df["label"] = labels
    if "doc_id" not in df.columns:
        df["doc_id"] = df.index.astype(str)
        df.attrs["doc_id_from_rows"] = True  # callers joining several files keep these apart
    df["doc_id"] = df["doc_id"].astype(str)
    return df
