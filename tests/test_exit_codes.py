"""One table of exit codes (issue 17): the README's table is the code's, ``--help`` shows it, and every kind of
failure of every command ends with the code of its row and one line on stderr."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from corpus_fixtures import ORIGINAL
from typer.testing import CliRunner

from spin_detect.cli.app import app
from spin_detect.cli.helpformat import EXIT_CODES, EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE

README = Path(__file__).resolve().parents[1] / "README.md"


def _run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(app, list(args), input=stdin)


def _one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert lines and "Traceback" not in stderr, stderr
    assert lines[-1].startswith("spin-detect: error: "), stderr
    return lines[-1]


def test_the_readme_table_is_the_table_of_the_code():
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Exit codes\n", 1)[1].split("\n## ", 1)[0]
    codes = [int(m) for m in re.findall(r"^\| (\d+) \|", section, re.M)]
    assert codes == list(EXIT_CODES)
    assert (EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED) == (0, 1, 2, 130)


def test_help_shows_the_table():
    out = _run("--help").stdout
    listed = out.split("Exit codes:", 1)[1]
    assert [int(c) for c in re.findall(r"^  (\d+) ", listed, re.M)] == list(EXIT_CODES)


@pytest.fixture
def inp(tmp_path: Path) -> Path:
    p = tmp_path / "in.jsonl"
    p.write_text(json.dumps({"id": "a", "text": ORIGINAL}) + "\n")
    return p


def _audit(inp: Path, out: Path, *extra: str):
    return _run("audit", str(inp), "--out", str(out), "-j", "1", "--no-progress", *extra)


# ---------------------------------------------------------------------------------------------------- 0


def test_done_is_0(inp, tmp_path):
    assert _run("score", "-", stdin=ORIGINAL).exit_code == EXIT_OK
    assert _audit(inp, tmp_path / "r.jsonl").exit_code == EXIT_OK
    assert _run("synonyms", "said").exit_code == EXIT_OK


# ---------------------------------------------------------------------------------------------------- 2


@pytest.mark.parametrize("args", [["score", "--no-such-option", "x"], ["score", "-", "--threshold", "2"],
                                  ["score", "-", "--preset", "paranoid"], ["audit", "x.jsonl"],
                                  ["nosuchcommand"]])
def test_usage_errors_are_2(args):
    r = _run(*args, stdin=ORIGINAL)
    assert r.exit_code == EXIT_USAGE, r.output
    assert "Traceback" not in r.stderr
    # one line, like every other error, saying where help is (click alone prints its usage and "Error: ...")
    assert r.stderr.count("\n") == 1 and " -h')" in _one_error_line(r.stderr)


def test_a_usage_error_names_the_option_and_the_command_alone_still_shows_the_help():
    err = _one_error_line(_run("score", "-", "--preset", "paranoid", stdin=ORIGINAL).stderr)
    assert err == ("spin-detect: error: Invalid value for '--preset': 'paranoid' is not one of 'strict', 'balanced', "
                   "'sensitive'. (see 'spin-detect score -h')")
    r = _run()
    assert r.exit_code == EXIT_USAGE and "Usage: spin-detect" in r.output and "Commands:" in r.output


def test_bad_input_is_2(tmp_path):
    r = _run("score", str(tmp_path / "missing.txt"))
    assert r.exit_code == EXIT_USAGE and "missing.txt" in _one_error_line(r.stderr)
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\nfine,maybe\n")
    r = _run("evaluate", "default", str(bad))
    assert r.exit_code == EXIT_USAGE and "unknown label" in _one_error_line(r.stderr)
    r = _run("score", "-", "--model", str(tmp_path / "no-model"), stdin=ORIGINAL)
    assert r.exit_code == EXIT_USAGE, r.output


def test_audit_of_a_path_that_does_not_exist_is_2_before_any_work(inp, tmp_path):
    before = sorted(p.name for p in tmp_path.iterdir())
    r = _audit(tmp_path / "nosuch.jsonl", tmp_path / "r.jsonl")
    assert r.exit_code == EXIT_USAGE
    assert _one_error_line(r.stderr) == f"spin-detect: error: {tmp_path / 'nosuch.jsonl'}: no such file or folder"
    r = _run("audit", str(inp), str(tmp_path / "nosuch.jsonl"), "--out", str(tmp_path / "r.jsonl"))
    assert r.exit_code == EXIT_USAGE
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no report, no .partial, no .state.json


def test_audit_to_an_unknown_format_is_2(inp, tmp_path):
    r = _audit(inp, tmp_path / "report.xlsx")
    assert r.exit_code == EXIT_USAGE
    err = _one_error_line(r.stderr)
    assert "report.xlsx: unknown report format '.xlsx'" in err and ".jsonl, .ndjson, .csv, .parquet, .pq" in err
    r = _audit(inp, tmp_path / "r.jsonl", "--sentences", str(tmp_path / "s.xlsx"))
    assert r.exit_code == EXIT_USAGE and "s.xlsx" in _one_error_line(r.stderr)
    r = _audit(inp, tmp_path / "r.jsonl", "--sentences", str(tmp_path / "r.jsonl"))
    assert r.exit_code == EXIT_USAGE and "different files" in _one_error_line(r.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


def test_audit_refuses_to_overwrite_and_says_what_to_use(inp, tmp_path, monkeypatch):
    out = tmp_path / "r.jsonl"
    assert _audit(inp, out).exit_code == EXIT_OK
    done = out.read_bytes()
    r = _audit(inp, out)
    assert r.exit_code == EXIT_USAGE and "use --force" in _one_error_line(r.stderr)
    r = _audit(inp, out, "--resume")
    assert r.exit_code == EXIT_USAGE and "already complete" in _one_error_line(r.stderr)
    assert _audit(inp, out, "--force").exit_code == EXIT_OK and out.read_bytes() == done

    import spin_detect.audit.reportfile as reportfile

    def full(self, rows):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(reportfile.PartialFile, "write", full)
    out2 = tmp_path / "r2.jsonl"
    assert _audit(inp, out2).exit_code == EXIT_FAILURE  # an unfinished audit, its state kept
    monkeypatch.undo()
    r = _audit(inp, out2)
    assert r.exit_code == EXIT_USAGE
    assert "use --resume to continue it or --force to start over" in _one_error_line(r.stderr)
    r = _audit(inp, out2, "--resume", "--preset", "strict")
    assert r.exit_code == EXIT_USAGE and "--preset: balanced then, strict now" in _one_error_line(r.stderr)
    r = _audit(inp, out2, "--resume", "--force")
    assert r.exit_code == EXIT_USAGE and "contradict" in _one_error_line(r.stderr)
    assert _audit(inp, out2, "--resume").exit_code == EXIT_OK and out2.read_bytes() == done


def test_bad_training_data_model_files_and_sources_are_one_line_errors(tmp_path):
    # Found by a user-eye review: each of these ended in a traceback, trained first, or was no error at all.
    rows = "id,text,label\na1,The council met on Monday.,0\na2,The councillors assembled on Monday.,1\n"
    (tmp_path / "l1.csv").write_text(rows, encoding="utf-8")
    (tmp_path / "l2.csv").write_text(rows, encoding="utf-8")
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "afile.txt").write_text("x", encoding="utf-8")
    old = tmp_path / "old"
    old.mkdir()
    (old / "model.joblib").write_text("junk, not a pickle", encoding="utf-8")
    article = tmp_path / "a.txt"
    article.write_text(ORIGINAL, encoding="utf-8")
    for args, code, message in [
        (("train", str(tmp_path / "empty.csv"), "--out", str(tmp_path / "m")), EXIT_USAGE, "empty file"),
        (("evaluate", "default", str(tmp_path / "empty.csv")), EXIT_USAGE, "empty file"),
        (("train", str(tmp_path / "l1.csv"), str(tmp_path / "l2.csv"), "--out", str(tmp_path / "m")), EXIT_USAGE,
         "duplicated id across files"),
        (("train", str(tmp_path / "l1.csv"), "--out", str(tmp_path / "afile.txt")), EXIT_FAILURE,
         "cannot make the model folder"),
        (("convert-model", str(old), "--out", str(tmp_path / "new"), "--trust-model"), EXIT_USAGE,
         "cannot be read as a pickled model"),
        (("score", str(article), "--source", str(tmp_path / "empty.txt")), EXIT_USAGE, "empty document"),
    ]:
        r = _run(*args)
        assert r.exit_code == code, (args, r.output)
        assert message in _one_error_line(r.stderr), (args, r.stderr)
    assert not (tmp_path / "m").exists() and not (tmp_path / "new").exists()


def test_no_command_overwrites_a_file_without_force(inp, tmp_path):
    # Every file a command writes is refused when it exists (exit 2, before any work, the file untouched),
    # and written with --force: the summaries of an audit, the page of score --html, a reference table, and
    # a model folder that is not empty.
    article = tmp_path / "a.txt"
    article.write_text(ORIGINAL, encoding="utf-8")
    old = tmp_path / "old.html"
    old.write_text("mine", encoding="utf-8")
    for args in (("score", str(article), "--html", str(old)),
                 ("audit", str(inp), "--out", str(tmp_path / "r1.jsonl"), "--summary-html", str(old)),
                 ("audit", str(inp), "--out", str(tmp_path / "r2.jsonl"), "--summary-json", str(old)),
                 ("build-reference", str(article), "--out", str(old))):
        r = _run(*args)
        assert r.exit_code == EXIT_USAGE, (args, r.output)
        assert f"{old}: exists; use --force to overwrite it" in _one_error_line(r.stderr)
        assert old.read_text(encoding="utf-8") == "mine"
    assert not list(tmp_path.glob("r?.jsonl*"))  # refused before the audit began
    model = tmp_path / "model"
    model.mkdir()
    (model / "notes.txt").write_text("mine", encoding="utf-8")
    r = _run("train", str(tmp_path / "labelled.csv"), "--out", str(model))
    assert r.exit_code == EXIT_USAGE and "folder is not empty; use --force" in _one_error_line(r.stderr)
    r = _run("score", str(article), "--html", str(old), "--force")
    assert r.exit_code == EXIT_OK and "<html" in old.read_text(encoding="utf-8").lower()
    r = _run("audit", str(inp), "--out", str(tmp_path / "r3.jsonl"), "--summary-json", str(old), "--force")
    assert r.exit_code == EXIT_OK and json.loads(old.read_text(encoding="utf-8"))["records"] >= 1


# ---------------------------------------------------------------------------------------------------- 1


def test_an_output_that_cannot_be_written_is_1(inp, tmp_path):
    r = _audit(inp, tmp_path / "nope" / "r.jsonl")
    assert r.exit_code == EXIT_FAILURE and "does not exist" in _one_error_line(r.stderr)
    r = _run("score", "-", "--html", "/dev/full", stdin=ORIGINAL)
    assert r.exit_code == EXIT_FAILURE and "/dev/full" in _one_error_line(r.stderr)


@pytest.mark.parametrize("module, args, message", [
    ("pyarrow", ["--out", "{tmp}/r.parquet"], "Parquet output needs pyarrow: pip install 'spin-detect[parquet]'"),
    ("pyarrow", ["--out", "{tmp}/r.jsonl", "--sentences", "{tmp}/s.parquet"], "needs pyarrow"),
    ("distributed", ["--out", "{tmp}/r.jsonl", "--dask-scheduler", "tcp://127.0.0.1:1"],
     "--dask-scheduler needs dask.distributed: pip install 'spin-detect[dask]'"),
])
def test_a_missing_optional_package_is_1_before_any_work(inp, tmp_path, monkeypatch, module, args, message):
    monkeypatch.setitem(sys.modules, module, None)  # import fails
    r = _run("audit", str(inp), "-j", "1", *(a.format(tmp=tmp_path) for a in args))
    assert r.exit_code == EXIT_FAILURE
    assert message in _one_error_line(r.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


def test_a_word_not_in_the_thesaurus_is_1():
    r = _run("synonyms", "qwzx")
    assert r.exit_code == EXIT_FAILURE and "'qwzx' is not in the thesaurus" in r.stderr


# ---------------------------------------------------------------------------------------------------- 130


def test_ctrl_c_in_any_command_is_130(monkeypatch):
    import spin_detect.tables.packaged as packaged

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(packaged, "default_thesaurus", interrupted)
    r = _run("synonyms", "said")
    assert r.exit_code == EXIT_INTERRUPTED
    assert r.stderr.strip() == "spin-detect: interrupted"


def test_convert_model_usage_errors_are_2_and_write_failures_are_1(tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    (old / "model.joblib").write_bytes(b"not read without --trust-model")
    res = _run("convert-model", str(old), "--out", str(tmp_path / "new"))
    assert res.exit_code == EXIT_USAGE and "--trust-model" in _one_error_line(res.stderr)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    import pickle

    from spin_detect.learning.model import SpinModel

    # a 0.2 model folder (a pickled SpinModel), converted into a folder that cannot be made (under a file)
    (old / "model.joblib").write_bytes(pickle.dumps(SpinModel(None, None, None, {}, {})))
    res = _run("convert-model", str(old), "--out", str(blocker / "new"), "--trust-model")
    assert res.exit_code == EXIT_FAILURE and "cannot write the converted model" in _one_error_line(res.stderr)
