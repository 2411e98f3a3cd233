"""Dates of JSONL and CSV records (a ``date`` field or column, ISO 8601): read into the records and the report,
and deciding which text is the original in source matching, as WARC dates do."""

from __future__ import annotations

import json

from corpus_fixtures import ORIGINAL, SPUN

from spin_detect.audit import AuditOptions, run_audit
from spin_detect.audit.matchpass import MatchOptions
from spin_detect.input.records import InputOptions, iso_date, iter_records


def test_iso_dates_are_kept_and_anything_else_left_out():
    assert iso_date("2024-05-01") == "2024-05-01"
    assert iso_date(" 2024-05-01T10:00:00Z ") == "2024-05-01T10:00:00Z"
    assert iso_date("2024-05-01T10:00:00+02:00") == "2024-05-01T10:00:00+02:00"
    for bad in ("2024-13-01", "yesterday", "", "1 May 2024", 20240501, None, ["2024-05-01"], "2" * 100):
        assert iso_date(bad) is None, bad


def test_jsonl_and_csv_records_carry_their_date(tmp_path):
    (tmp_path / "a.jsonl").write_text(
        json.dumps({"id": "x", "text": "One.", "date": "2024-05-01"}) + "\n"
        + json.dumps({"id": "y", "text": "Two.", "date": "last week"}) + "\n"
        + json.dumps({"id": "z", "text": "Three.", "published": "2023-01-02T03:04:05Z"}) + "\n")
    (tmp_path / "b.csv").write_text("id,date,text\nc1,2024-06-01T08:00:00Z,Four.\nc2,,Five.\n")
    got = {r.id: (r.status, r.date) for r in iter_records([str(tmp_path)])}
    assert got == {"x": ("ok", "2024-05-01"), "y": ("ok", None), "z": ("ok", None),
                   "c1": ("ok", "2024-06-01T08:00:00Z"), "c2": ("ok", None)}
    other = {r.id: r.date for r in iter_records([str(tmp_path / "a.jsonl")], InputOptions(date_field="published"))}
    assert other == {"x": None, "y": None, "z": "2023-01-02T03:04:05Z"}


def _audit(tmp_path, name, records):
    path = tmp_path / name
    if name.endswith(".csv"):
        lines = ["id,date,text"] + [f'{r["id"]},{r.get("date", "")},"{r["text"]}"' for r in records]
        path.write_text("\n".join(lines) + "\n")
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
    out = tmp_path / (name + ".report.jsonl")
    run_audit(AuditOptions(inputs=[str(path)], out=str(out), match=MatchOptions(within=True)))
    return {r["id"]: r for r in map(json.loads, out.read_text().splitlines())}


def test_dates_decide_which_record_is_the_original(tmp_path):
    # undated, the wording decides: the spun text is the copy
    rows = _audit(tmp_path, "plain.jsonl", [{"id": "orig", "text": ORIGINAL}, {"id": "spun", "text": SPUN}])
    assert rows["spun"]["source_id"] == "orig" and rows["orig"]["source_id"] is None
    assert "fits native English better" in rows["spun"]["notes"]
    # dated, the earlier one is the original, whatever its wording (here the spun text, on purpose)
    for name in ("dated.jsonl", "dated.csv"):
        rows = _audit(tmp_path, name, [{"id": "orig", "text": ORIGINAL, "date": "2024-05-02"},
                                       {"id": "spun", "text": SPUN, "date": "2024-05-01T10:00:00Z"}])
        assert rows["orig"]["date"] == "2024-05-02" and rows["spun"]["date"] == "2024-05-01T10:00:00Z"
        assert rows["orig"]["source_id"] == "spun" and rows["spun"]["source_id"] is None, name
        assert "spun is dated earlier (2024-05-01T10:00:00Z)" in rows["orig"]["notes"]
    # one date only: the wording decides again
    rows = _audit(tmp_path, "one.jsonl", [{"id": "orig", "text": ORIGINAL, "date": "2024-05-02"},
                                          {"id": "spun", "text": SPUN}])
    assert rows["spun"]["source_id"] == "orig" and rows["spun"]["date"] is None
