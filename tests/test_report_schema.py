"""The JSON report (``score --json``, schema ``spin-detect/report/1``) against its published JSON Schema
(``spin_detect/schemas/report-1.schema.json``), checked by the reference validator: every kind of report a
user can get (judged, not judged, HTML input, a threshold given, a candidate original), and a report the
schema must refuse."""

import copy
import json
from pathlib import Path

import jsonschema  # a [test] dependency: a missing one fails here, it does not skip the file
import pytest
from typer.testing import CliRunner

from spin_detect.cli import app
from spin_detect.report import report_schema

EXAMPLE = Path(__file__).resolve().parents[1] / "spin_detect" / "examples" / "spun_article.txt"
GERMAN = ("Der Rat der Stadt hat am Montag beschlossen, dass die Schulen in der nächsten Woche wieder öffnen. "
          "Die Eltern wurden am Abend informiert, und viele von ihnen zeigten sich erleichtert über die Nachricht.")


@pytest.fixture(scope="module")
def validator():
    schema = report_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _score(*args):
    res = CliRunner().invoke(app, ["score", *map(str, args), "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_every_kind_of_report_follows_the_schema(validator, tmp_path):
    spun = tmp_path / "spun.txt"
    spun.write_text(CliRunner().invoke(app, ["spin", str(EXAMPLE), "--rate", "0.3", "--seed", "3"]).stdout)
    german = tmp_path / "de.txt"
    german.write_text(GERMAN)
    page = tmp_path / "page.html"
    page.write_text(f"<html><head><title>t</title></head><body><article><p>{EXAMPLE.read_text()}</p></article>"
                    "</body></html>")
    reports = {
        "example": _score(EXAMPLE),
        "spun, with evidence": _score(spun),
        "not English": _score(german),
        "HTML": _score(page),
        "a threshold given": _score(EXAMPLE, "--threshold", "0.5"),
        "a candidate original": _score(spun, "--source", EXAMPLE),
    }
    assert any(s["evidence"] for s in reports["spun, with evidence"]["sentences"])  # evidence is checked too
    assert reports["not English"]["likelihood"] is None and reports["HTML"]["input_kind"] == "html"
    assert reports["a threshold given"]["preset"] is None and reports["a candidate original"]["swaps"]
    for what, report in reports.items():
        errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(report)]
        assert not errors, (what, errors)


def test_the_schema_refuses_what_a_report_never_is(validator):
    report = _score(EXAMPLE)
    for broken in ({"verdict": "maybe"}, {"likelihood": 1.5}, {"unknown_field": 1}, {"likelihood": None},
                   {"verdict": "out_of_scope"}):  # judged with no likelihood; not judged with one
        assert not validator.is_valid({**report, **broken}), broken
    missing = copy.deepcopy(report)
    del missing["sentences"][0]["start"]
    assert not validator.is_valid(missing)
