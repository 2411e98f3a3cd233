"""Labelled data that users bring for training and evaluation, validated up front.

Format (CSV, TSV, JSONL or a .json array of objects, each optionally .gz; UTF-8, UTF-16 with a byte-order
mark or Windows-1252; one row per sentence):

=========== ======== =====================================================
column      required meaning
=========== ======== =====================================================
``text``    yes      the sentence (non-empty)
``label``   yes      ``original``/``spun``, or ``0``/``1`` (also true/false)
``doc_id``  no       document the sentence belongs to: enables document-level
                     evaluation and keeps a document's sentences in one split
                     (never empty; a document in two splits is refused)
``split``   no       ``train``, ``dev`` or ``test`` (any case; nothing else): rows
                     to fit on, to calibrate on, and that training leaves out
``id``      no       unique row id, never empty; duplicates are refused
``source``  no       where the text comes from, for per-source metrics
``style``   no       spinner style, for per-style metrics
``changes`` no       the words a spinner replaced in a spun sentence: a JSON list
                     of ``[start, end, original, replacement]``, character
                     offsets into ``text`` (a JSON string in CSV, a string or a
                     list in JSONL; empty or ``[]`` for none); the replacement
                     must be the text at its offsets. With it the word
                     models are trained too; without it, a base model's are
                     reused
=========== ======== =====================================================

Other columns are kept as they are. Every problem found is reported at once,
with row numbers, before any training starts.
"""

from __future__ import annotations

import gzip
import io
import json
import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

__all__ = ["LABELS", "SPLITS", "LabelledDataError", "check_documents", "drop_repeated_sentences", "load_labelled",
           "normalise_labels"]

#: The values of a ``split`` column (any case): rows to fit on, to calibrate on, and to measure on.
SPLITS = ("train", "dev", "test")
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
    not_list, outside, elsewhere, in_original = [], [], [], []
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
        elif any(len(c) >= 4 and isinstance(c[3], str) and text[c[0]:c[1]] != c[3] for c in spans):
            elsewhere.append(i)  # offsets that miss their words would label the wrong words
        if spans and label == 0:
            in_original.append(i)
        out.append(value if isinstance(value, str) and value else json.dumps(spans, ensure_ascii=False))
    problems = []
    if not_list:
        problems.append(f"changes is not a JSON list of [start, end, original, replacement] in rows {_rows(not_list)}")
    if outside:
        problems.append(f"a change's [start, end] lies outside its text in rows {_rows(outside)}")
    if elsewhere:
        problems.append(f"a change's replacement is not the text at its [start, end] (offsets count characters of "
                        f"the row's own text, from 0) in rows {_rows(elsewhere)}")
    if in_original:
        problems.append(f"changes in a sentence labelled original in rows {_rows(in_original)}")
    return out, problems


def _read(path: Path) -> pd.DataFrame:
    """The rows of one file. Bytes are decoded as every other input is (UTF-8 with or without a byte-order
    mark, UTF-16 with one, Windows-1252 where a spreadsheet saved it so:
    :func:`~spin_detect.input.decode.decode_bytes`)."""
    from spin_detect.input.decode import decode_bytes
    from spin_detect.input.errors import InputError

    name = path.name.lower()
    if not name.endswith((".jsonl", ".jsonl.gz", ".json", ".json.gz", ".ndjson", ".ndjson.gz", ".csv", ".csv.gz",
                          ".tsv", ".tsv.gz")):
        raise LabelledDataError(f"{path}: unknown file type; use .csv, .tsv or .jsonl (optionally .gz)")
    try:
        data = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
        text, _ = decode_bytes(data, str(path))
        if name.endswith((".csv", ".csv.gz", ".tsv", ".tsv.gz")):
            sep = "\t" if ".tsv" in name else ","
            return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    except InputError as exc:
        raise LabelledDataError(str(exc)) from exc
    except pd.errors.EmptyDataError as exc:
        raise LabelledDataError(f"{path}: empty file (no header, no rows)") from exc
    except (OSError, EOFError, gzip.BadGzipFile, pd.errors.ParserError) as exc:
        raise LabelledDataError(f"{path}: cannot read ({exc})") from exc
    if name.endswith((".json", ".json.gz")) and text.lstrip().startswith("["):
        try:  # a .json file may hold one array of row objects
            rows = json.loads(text)
        except ValueError as exc:
            raise LabelledDataError(f"{path}: not valid JSON ({exc})") from exc
        odd = [i for i, r in enumerate(rows) if not isinstance(r, dict)]
        if odd:
            raise LabelledDataError(f"{path}: item {odd[0] + 1} of the array is not a JSON object")
        return pd.DataFrame(rows)
    rows = []
    for n, line in enumerate(text.split("\n"), 1):  # not splitlines(): JSON strings may hold U+2028
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
        ids = df["id"].map(_key)
        if (ids == "").any():
            problems.append(f"empty id in rows {_rows(df.index[ids == ''])}")
        dup = ids.duplicated(keep=False) & (ids != "")
        if dup.any():
            problems.append(f"duplicated id in rows {_rows(df.index[dup])}")
    if "doc_id" in df.columns:
        empty_doc = df["doc_id"].map(_key) == ""
        if empty_doc.any():
            problems.append(f"empty doc_id in rows {_rows(df.index[empty_doc])}; give every row the id of its "
                            "document, or leave the column out (each row is then its own document)")
    if "split" in df.columns:
        splits = df["split"].map(lambda v: _key(v).lower())
        odd = ~splits.isin(SPLITS)
        if odd.any():
            shown = sorted({repr(_key(v)) for v in df.loc[odd, "split"]})
            problems.append(f"unknown split value(s) {', '.join(shown[:5])} in rows {_rows(df.index[odd])}; "
                            f"use {', '.join(SPLITS)}")
        else:
            df["split"] = splits
    if "changes" in df.columns:
        changes, change_problems = _changes(df["changes"], df["text"], labels)
        problems += change_problems
        df["changes"] = changes
    if problems:
        raise LabelledDataError(f"{where}: " + "; ".join(problems))
    df["label"] = labels
    df = drop_repeated_sentences(df, where)
    if "doc_id" not in df.columns:
        df["doc_id"] = df.index.astype(str)
        df.attrs["doc_id_from_rows"] = True  # callers joining several files keep these apart
    df["doc_id"] = df["doc_id"].map(_key)
    check_documents(df, where)
    return df


def _sentence_keys(df: pd.DataFrame) -> pd.Series | None:
    """Per row, its document and sentence number (``doc_id``, ``variant``, ``sent_id``); None without those."""
    if "sent_id" not in df.columns or "doc_id" not in df.columns:
        return None
    key = df["doc_id"].map(_key) + "\x1f" + df["sent_id"].map(_key)
    key = key + "\x1f" + df["variant"].map(_key) if "variant" in df.columns else key
    return key.where(df["sent_id"].map(_key) != "")  # a row without a sentence number is nobody's repeat


def drop_repeated_sentences(df: pd.DataFrame, where: str) -> pd.DataFrame:
    """Rows that repeat an earlier row's sentence of the same document word for word (the original rows of
    several ``spin --labelled`` runs appended to one file) are dropped, counted in ``df.attrs["repeated"]``;
    two different texts as one sentence of one document are refused (:class:`LabelledDataError`)."""
    keys = _sentence_keys(df)
    if keys is None:
        return df
    same = keys.notna() & keys.duplicated(keep=False)
    if not same.any():
        return df
    # a repeat that differs in what training reads (text, label, split, changes, id) is not a repeat; a tag such
    # as the spinner's style of the run it came from may differ
    fields = [c for c in ("text", "label", "split", "changes", "id") if c in df.columns]
    texts = keys + "\x1f" + df[fields].astype(str).agg("\x1f".join, axis=1)
    clash = same & ~texts.groupby(keys).transform("nunique").eq(1)
    if clash.any():
        raise LabelledDataError(f"{where}: rows {_rows(df.index[clash])} are one sentence (doc_id, variant, "
                                "sent_id) of one document with different text, label, split, changes or id; give each "
                                "document its own doc_id or variant")
    repeated = same & texts.duplicated()
    out = df.loc[~repeated].reset_index(drop=True)
    out.attrs = {**df.attrs, "repeated": int(repeated.sum())}
    return out


def check_documents(df: pd.DataFrame, where: str = "data") -> None:
    """Refuse a document whose sentences are in more than one split: the model would be measured (or
    calibrated) on a document it was trained on."""
    if "split" not in df.columns or df.empty:
        return
    per_doc = df.groupby("doc_id", sort=True)["split"].nunique()
    mixed = per_doc.index[per_doc > 1]
    if len(mixed):
        shown = ", ".join(repr(str(d)) for d in mixed[:5]) + (f" and {len(mixed) - 5} more" if len(mixed) > 5 else "")
        raise LabelledDataError(f"{where}: documents in more than one split: {shown}; every sentence of a document "
                                "must have the document's split")


def _key(value: object) -> str:
    """A cell as text, stripped; "" for an empty or missing one (JSON null, NaN)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()
