"""Corpus audit: one row per record, identical reports however it is run, resume, atomic writes."""

from __future__ import annotations

import errno
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from corpus_fixtures import ORIGINAL, SPUN, article_html, make_corpus
from typer.testing import CliRunner

import spin_detect.audit.reportfile as reportfile
from spin_detect.audit import ROW_FIELDS, AuditError, AuditOptions, AuditRefused, frame_meta, run_audit, score_frame
from spin_detect.audit.matchpass import MatchOptions
from spin_detect.cli.app import app
from spin_detect.input.records import InputOptions


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return make_corpus(tmp_path_factory.mktemp("corpus"))


def _run(corpus, out, **kw):
    opts = AuditOptions(inputs=[str(corpus["folder"])], out=str(out), fmt=reportfile.report_format(str(out)),
                        chunk_size=kw.pop("chunk_size", 3), sentences=kw.pop("sentences", None))
    return run_audit(opts, **kw)


def _rows(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_every_record_appears_exactly_once(corpus, tmp_path):
    out = tmp_path / "r.jsonl"
    summary = _run(corpus, out)
    rows = _rows(out)
    assert [r["seq"] for r in rows] == list(range(corpus["records"]))
    assert all(set(r) == set(ROW_FIELDS) for r in rows)
    assert summary["records"] == len(rows)
    assert summary["by_status"] == {"ok": 11, "error": 5, "skipped": 1}
    assert sum(summary["by_verdict"].values()) == 11
    assert not list(tmp_path.glob("*.partial")) and not list(tmp_path.glob("*.state.json"))
    by_id = {r["id"]: r for r in rows}
    assert by_id["empty.txt"]["verdict"] == "empty" and by_id["empty.txt"]["notes"] == "no text to judge"
    assert by_id["binary.txt"]["status"] == "error" and "binary" in by_id["binary.txt"]["error"]
    assert by_id["news/page.html"]["title"] == "Talks to resume"
    assert by_id["j1"]["url"] == "https://spam.example.com/1"
    ok = [r for r in rows if r["status"] == "ok" and r["verdict"] in ("spun", "original")]
    assert ok and all(0 <= r["likelihood"] <= 1 and r["n_sentences"] >= 1 for r in ok)


def test_report_is_the_same_with_worker_processes_and_chunk_sizes(corpus, tmp_path):
    _run(corpus, tmp_path / "one.jsonl", jobs=1, chunk_size=100)
    _run(corpus, tmp_path / "two.jsonl", jobs=2, chunk_size=2)
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()


def test_csv_and_parquet_reports_hold_the_same_rows(corpus, tmp_path):
    _run(corpus, tmp_path / "r.jsonl")
    _run(corpus, tmp_path / "r.csv")
    want = pd.read_json(tmp_path / "r.jsonl", lines=True, precise_float=True)
    got = pd.read_csv(tmp_path / "r.csv")
    assert list(got.columns) == list(ROW_FIELDS)
    assert got["id"].tolist() == want["id"].tolist()
    assert got["likelihood"].fillna(-1).tolist() == want["likelihood"].fillna(-1).tolist()
    pytest.importorskip("pyarrow")
    _run(corpus, tmp_path / "r.parquet")
    pq = pd.read_parquet(tmp_path / "r.parquet")
    assert pq["verdict"].fillna("").tolist() == want["verdict"].fillna("").tolist()


def test_sentence_rows_match_the_document_rows(corpus, tmp_path):
    _run(corpus, tmp_path / "r.jsonl", sentences=str(tmp_path / "s.jsonl"))
    docs = {r["seq"]: r for r in _rows(tmp_path / "r.jsonl")}
    sents = _rows(tmp_path / "s.jsonl")
    for seq, doc in docs.items():
        mine = [s for s in sents if s["seq"] == seq]
        assert len(mine) == (doc["n_sentences"] or 0)
        assert sum(bool(s["flagged"]) for s in mine) == (doc["n_flagged"] or 0)


class _Stop(Exception):
    pass


def _stop_after_first_chunk(corpus, out):
    """Start an audit into ``out`` and stop it after its first chunk, as a crash would (a .partial stays)."""
    def stop(done, _n):
        raise _Stop

    with pytest.raises(_Stop):
        _run(corpus, out, progress=stop)


def test_interrupted_audit_resumes_to_the_same_report(corpus, tmp_path):
    _run(corpus, tmp_path / "full.jsonl", sentences=str(tmp_path / "full-s.jsonl"))
    out, sents = tmp_path / "r.jsonl", tmp_path / "s.jsonl"

    def stop_after_two_chunks(done, _n):
        if done >= 6:
            raise _Stop

    with pytest.raises(_Stop):
        _run(corpus, out, sentences=str(sents), progress=stop_after_two_chunks)
    assert not out.exists()  # no half-written report under the real name
    partial = tmp_path / "r.jsonl.partial"
    assert len(_rows(partial)) == 6
    with open(partial, "ab") as f:  # a torn line, as a kill in the middle of a write leaves
        f.write(b'{"seq": 6, "id": "tor')
    _run(corpus, out, sentences=str(sents), resume=True)
    assert out.read_bytes() == (tmp_path / "full.jsonl").read_bytes()
    assert sents.read_bytes() == (tmp_path / "full-s.jsonl").read_bytes()


def test_resume_refuses_other_inputs(corpus, tmp_path):
    out = tmp_path / "r.jsonl"

    _stop_after_first_chunk(corpus, out)
    opts = AuditOptions(inputs=[str(corpus["folder"] / "news")], out=str(out))
    with pytest.raises(AuditRefused, match="run with other options: the inputs: .*crawl then, .*news now"):
        run_audit(opts, resume=True)


def _small_folder(folder, n=8):
    folder.mkdir()
    for i in range(n):
        (folder / f"{i:02d}.txt").write_text(f"{ORIGINAL}\n\nNote {i}.", encoding="utf-8")
    return folder


def _stop_folder_audit_after_one_chunk(folder, out):
    opts = AuditOptions(inputs=[str(folder)], out=str(out), chunk_size=3)

    def stop(done, _n):
        raise _Stop

    with pytest.raises(_Stop):
        run_audit(opts, progress=stop)
    assert len(_rows(out.with_name(out.name + ".partial"))) == 3
    return opts


def test_resume_refuses_inputs_whose_records_done_changed(tmp_path):
    # A file added before the point the unfinished audit reached would shift every later record by one:
    # without the check the resumed report dropped one record and held another twice.
    folder = _small_folder(tmp_path / "crawl")
    out = tmp_path / "r.jsonl"
    opts = _stop_folder_audit_after_one_chunk(folder, out)
    (folder / "00a.txt").write_text(SPUN, encoding="utf-8")
    with pytest.raises(AuditRefused, match=r"inputs changed.*record 1 is now 00a\.txt .*it was 01\.txt"):
        run_audit(opts, resume=True)
    (folder / "00a.txt").unlink()  # as it was: the resume goes on, to the report of an uninterrupted run
    run_audit(opts, resume=True)
    rows = _rows(out)
    assert [r["id"] for r in rows] == [f"{i:02d}.txt" for i in range(8)]
    again = AuditOptions(inputs=[str(folder)], out=str(tmp_path / "once.jsonl"), chunk_size=3)
    run_audit(again)
    assert out.read_bytes() == (tmp_path / "once.jsonl").read_bytes()


def test_a_resume_from_another_folder_says_how_to_resume(tmp_path, monkeypatch):
    _small_folder(tmp_path / "crawl")
    monkeypatch.chdir(tmp_path)
    _stop_folder_audit_after_one_chunk(Path("crawl"), tmp_path / "r.jsonl")
    monkeypatch.chdir(tmp_path.parent)  # the same folder, named from its parent
    there = AuditOptions(inputs=[f"{tmp_path.name}/crawl"], out=str(tmp_path / "r.jsonl"), chunk_size=3)
    with pytest.raises(AuditRefused, match="from the folder it was started in, with the inputs named as then"):
        run_audit(there, resume=True)


def test_resume_refuses_inputs_that_lost_records_done(tmp_path):
    folder = _small_folder(tmp_path / "crawl")
    out = tmp_path / "r.jsonl"
    opts = _stop_folder_audit_after_one_chunk(folder, out)
    for name in ("01.txt", "02.txt", "03.txt", "04.txt", "05.txt", "06.txt", "07.txt"):
        (folder / name).unlink()
    with pytest.raises(AuditRefused, match="had done 3 records, the inputs now hold 1;"):
        run_audit(opts, resume=True)


def test_an_audit_does_not_read_its_own_files_in_the_folder_it_audits(tmp_path):
    folder = _small_folder(tmp_path / "crawl", n=3)
    out, summary = folder / "report.jsonl", folder / "summary.html"
    opts = AuditOptions(inputs=[str(folder)], out=str(out), sentences=str(folder / "sentences.csv"),
                        summaries=(str(summary),))
    said: list[str] = []
    run_audit(opts)
    first = out.read_bytes()
    summary.write_text("<html><body><p>A summary page of the last audit.</p></body></html>", encoding="utf-8")
    run_audit(opts, force=True, log=said.append)  # the old report, sentences and summary are in the folder now
    assert out.read_bytes() == first
    assert [r["id"] for r in _rows(out)] == ["00.txt", "01.txt", "02.txt"]
    assert any("report.jsonl is inside a folder of the inputs" in m for m in said)
    assert any("summary.html is inside a folder of the inputs" in m for m in said)
    with pytest.raises(AuditRefused, match="this audit writes .*report.jsonl; it cannot also be an input"):
        run_audit(AuditOptions(inputs=[str(out)], out=str(out)), force=True)


def test_files_of_one_name_in_two_folders_get_ids_that_tell_them_apart(tmp_path):
    # With one folder a file's id is its path in the folder; with several, the folder as given comes first, so
    # that a spun copy's source_id says which story.txt is its original.
    (tmp_path / "siteA").mkdir()
    (tmp_path / "siteB" / "news").mkdir(parents=True)
    (tmp_path / "siteA" / "story.txt").write_text(ORIGINAL, encoding="utf-8")
    (tmp_path / "siteB" / "news" / "story.txt").write_text(SPUN, encoding="utf-8")
    (tmp_path / "siteB" / "story.txt").write_text(SPUN, encoding="utf-8")
    one = AuditOptions(inputs=[str(tmp_path / "siteB")], out=str(tmp_path / "one.jsonl"))
    run_audit(one)
    assert [r["id"] for r in _rows(tmp_path / "one.jsonl")] == ["story.txt", "news/story.txt"]
    both = AuditOptions(inputs=[str(tmp_path / "siteA") + "/", str(tmp_path / "siteB")], out=str(tmp_path / "two.jsonl"))
    both.match = MatchOptions(within=True)
    run_audit(both)
    rows = _rows(tmp_path / "two.jsonl")
    a, b = f"{tmp_path.as_posix()}/siteA/story.txt", f"{tmp_path.as_posix()}/siteB/story.txt"
    assert [r["id"] for r in rows] == [a, b, f"{tmp_path.as_posix()}/siteB/news/story.txt"]
    assert rows[1]["source_relation"] == "spun_copy" and rows[1]["source_id"] == a


def test_full_disk_gives_an_error_and_no_report(corpus, tmp_path, monkeypatch):
    def full(self, rows):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(reportfile.PartialFile, "write", full)
    out = tmp_path / "r.jsonl"
    with pytest.raises(AuditError, match="No space left on device.*--resume"):
        _run(corpus, out)
    assert not out.exists()


def test_missing_output_folder_is_an_error(corpus, tmp_path):
    with pytest.raises(AuditError, match="does not exist"):
        _run(corpus, tmp_path / "nope" / "r.jsonl")


def test_score_frame_rows_follow_the_input_rows():
    df = pd.DataFrame({"id": ["a", "b", "c"], "text": [ORIGINAL, None, article_html(SPUN)],
                       "url": ["https://x.example/a", None, None]}, index=[10, 11, 12])
    out = score_frame(df)
    assert list(out.index) == [10, 11, 12] and list(out.columns) == list(ROW_FIELDS)
    assert out["status"].tolist() == ["ok", "error", "ok"]
    assert out.loc[12, "title"] == "Talks to resume"
    from spin_detect import load_detector

    want = load_detector().score_document(ORIGINAL).likelihood
    assert out.loc[10, "likelihood"] == want
    assert score_frame(df.iloc[:0]).empty


@pytest.mark.slow
def test_dask_local_cluster_gives_the_local_report(corpus, tmp_path):
    distributed = pytest.importorskip("distributed")
    _run(corpus, tmp_path / "local.jsonl")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl, \
            distributed.Client(cl) as client:
        opts = AuditOptions(inputs=[str(corpus["folder"])], out=str(tmp_path / "dask.jsonl"), chunk_size=3)
        run_audit(opts, scheduler=client)
        # and the pandas route: score_frame on a Dask DataFrame
        import dask.dataframe as dd

        frame = pd.DataFrame({"id": ["a", "b"], "text": [ORIGINAL, SPUN]})
        ddf = dd.from_pandas(frame, npartitions=2)
        got = ddf.map_partitions(score_frame, meta=frame_meta()).compute(scheduler=client)
    assert (tmp_path / "dask.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()
    local = score_frame(frame)
    assert got["likelihood"].tolist() == local["likelihood"].tolist()


def test_cli_audit_writes_report_and_summaries(corpus, tmp_path):
    out = tmp_path / "r.csv"
    res = CliRunner().invoke(app, ["audit", str(corpus["folder"]), "--out", str(out), "--jobs", "1",
                                   "--summary-json", str(tmp_path / "s.json"), "--no-progress"])
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(out)) == corpus["records"]
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["schema"] == "spin-detect/audit-summary/1" and summary["records"] == corpus["records"]
    assert "records:" in res.stderr and "first errors" in res.stderr


def test_cli_audit_reads_jsonl_on_stdin(tmp_path):
    lines = "\n".join(json.dumps({"id": f"d{i}", "text": t}) for i, t in enumerate([ORIGINAL, SPUN])) + "\n"
    res = CliRunner().invoke(app, ["audit", "-", "--out", str(tmp_path / "r.jsonl"), "-j", "1"], input=lines)
    assert res.exit_code == 0, res.output
    assert [r["id"] for r in _rows(tmp_path / "r.jsonl")] == ["d0", "d1"]


def test_cli_audit_bad_model_fails_cleanly(tmp_path):
    res = CliRunner().invoke(app, ["audit", str(tmp_path), "--out", str(tmp_path / "r.jsonl"), "--model",
                                   str(tmp_path / "nope")])
    assert res.exit_code == 2 and "error" in res.stderr


def test_input_options_reach_the_reader(tmp_path):
    p = tmp_path / "t.jsonl"
    p.write_text(json.dumps({"k": "x1", "body": ORIGINAL}) + "\n")
    opts = AuditOptions(inputs=[str(p)], out=str(tmp_path / "r.jsonl"),
                        input=InputOptions(text_field="body", id_field="k"))
    run_audit(opts)
    (row,) = _rows(tmp_path / "r.jsonl")
    assert row["id"] == "x1" and row["status"] == "ok"


def test_ids_and_urls_never_name_output_files(tmp_path):
    feed = tmp_path / "in" / "feed.jsonl"
    feed.parent.mkdir()
    feed.write_text("\n".join(json.dumps({"id": i, "url": u, "text": ORIGINAL}) for i, u in [
        ("../../escape.txt", "https://x.example/../../etc/passwd"), ("/tmp/abs", "file:///etc/shadow")]) + "\n")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    before = set(tmp_path.rglob("*"))
    run_audit(AuditOptions(inputs=[str(feed)], out=str(out_dir / "r.jsonl"), sentences=str(out_dir / "s.jsonl")))
    assert set(tmp_path.rglob("*")) - before == {out_dir / "r.jsonl", out_dir / "s.jsonl"}
    assert [r["id"] for r in _rows(out_dir / "r.jsonl")] == ["../../escape.txt", "/tmp/abs"]


def test_score_partitions_is_score_frame_per_batch():
    from spin_detect.audit import score_partitions

    batches = [pd.DataFrame({"id": ["a"], "text": [ORIGINAL]}), pd.DataFrame({"id": ["b", "c"], "text": [SPUN, ""]})]
    out = list(score_partitions(iter(batches), preset="strict"))
    assert [len(o) for o in out] == [1, 2]
    assert out[1]["verdict"].tolist()[1] == "empty"
    assert out[0]["likelihood"].iloc[0] == score_frame(batches[0], preset="strict")["likelihood"].iloc[0]


# --------------------------------------------------------------------------- issue 17: what rows show, what a rerun may overwrite

GERMAN = ("Der Rat der Stadt hat am Montag beschlossen, dass die Schulen in der nächsten Woche wieder öffnen. "
          "Die Eltern sind darüber sehr froh, und die Lehrer auch. Der Bürgermeister bat aber um Vorsicht in den "
          "ersten Tagen, weil noch nicht alle Fragen geklärt sind.")


def test_unjudged_records_show_the_verdict_and_its_reason_only(tmp_path):
    feed = tmp_path / "f.jsonl"
    feed.write_text("".join(json.dumps({"id": i, "text": t}) + "\n"
                            for i, t in [("de", GERMAN), ("en", SPUN), ("short", "He agreed."), ("orig", ORIGINAL)]))
    run_audit(AuditOptions(inputs=[str(feed)], out=str(tmp_path / "r.jsonl"), sentences=str(tmp_path / "s.jsonl")))
    rows = {r["id"]: r for r in _rows(tmp_path / "r.jsonl")}
    sents = _rows(tmp_path / "s.jsonl")
    assert (rows["de"]["verdict"], rows["short"]["verdict"]) == ("out_of_scope", "too_short")
    for rid in ("de", "short"):
        row = rows[rid]
        assert (row["likelihood"], row["n_flagged"], row["top_evidence"]) == (None, None, None), row
        assert row["notes"] and row["n_sentences"] >= 1  # the reason, and what was found
        mine = [s for s in sents if s["id"] == rid]
        assert len(mine) == row["n_sentences"]
        assert all((s["probability"], s["flagged"], s["evidence"]) == (None, None, None) for s in mine)
    assert "English" in rows["de"]["notes"]
    assert rows["en"]["likelihood"] is not None and rows["en"]["top_evidence"]
    assert all(s["probability"] is not None for s in sents if s["id"] == "en")
    # judged without evidence: "" (nothing stands out), not null (not judged)
    assert all(isinstance(s["evidence"], str) for s in sents if s["id"] in ("en", "orig"))
    assert rows["orig"]["top_evidence"] == "" and any(s["evidence"] == "" for s in sents if s["id"] == "orig")
    frame = score_frame(pd.DataFrame({"id": ["de", "en"], "text": [GERMAN, SPUN]}))
    assert frame["likelihood"].isna().tolist() == [True, False]
    assert frame["n_flagged"].isna().tolist() == [True, False]


def test_score_frame_has_real_dtypes():
    df = pd.DataFrame({"id": ["a", "b"], "text": [ORIGINAL, None]})
    out = score_frame(df)
    assert out.dtypes.to_dict() == frame_meta().dtypes.to_dict()
    assert str(out["id"].dtype) == "string" and str(out["n_sentences"].dtype) == "Int64"
    assert out["error"].isna().tolist() == [True, False]
    assert str(out["likelihood"].dtype) == "float64" and out["seq"].tolist() == [0, 1]


def test_a_finished_report_is_overwritten_only_with_force(corpus, tmp_path):
    out = tmp_path / "r.jsonl"
    _run(corpus, out)
    first = out.read_bytes()
    with pytest.raises(AuditRefused, match=r"r\.jsonl: exists; use --force to overwrite it"):
        _run(corpus, out)
    with pytest.raises(AuditRefused, match="already complete, nothing to resume; use --force"):
        _run(corpus, out, resume=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.jsonl"] and out.read_bytes() == first
    _run(corpus, out, force=True)
    assert out.read_bytes() == first
    sents = tmp_path / "s.jsonl"
    sents.write_text("mine\n")
    with pytest.raises(AuditRefused, match=r"s\.jsonl: exists; use --force"):
        _run(corpus, tmp_path / "other.jsonl", sentences=str(sents))
    assert sents.read_text() == "mine\n"


def test_an_unfinished_audit_is_discarded_only_with_force(corpus, tmp_path):
    out = tmp_path / "r.jsonl"

    _stop_after_first_chunk(corpus, out)
    partial = tmp_path / "r.jsonl.partial"
    kept = partial.read_bytes()
    assert kept
    with pytest.raises(AuditRefused, match=r"unfinished audit left its rows in r\.jsonl\.partial; use --resume to "
                                           "continue it or --force to start over"):
        _run(corpus, out)
    with pytest.raises(AuditRefused, match="contradict"):
        _run(corpus, out, resume=True, force=True)
    assert partial.read_bytes() == kept and not out.exists()
    _run(corpus, out, force=True)
    _run(corpus, tmp_path / "want.jsonl")
    assert out.read_bytes() == (tmp_path / "want.jsonl").read_bytes() and not partial.exists()


def test_a_refused_resume_names_the_option_that_differs(corpus, tmp_path):
    from spin_detect.audit import DetectorSpec

    out = tmp_path / "r.jsonl"

    _stop_after_first_chunk(corpus, out)
    opts = AuditOptions(inputs=[str(corpus["folder"])], out=str(out), detector=DetectorSpec(preset="strict"),
                        input=InputOptions(text_field="body"))
    with pytest.raises(AuditRefused) as err:
        run_audit(opts, resume=True)
    assert "--text-field: text then, body now" in str(err.value)
    assert "--preset: balanced then, strict now" in str(err.value)
    assert "inputs" not in str(err.value)


def test_unknown_suffixes_and_missing_inputs_are_refused_before_any_work(corpus, tmp_path):
    folder = str(corpus["folder"])
    with pytest.raises(AuditRefused, match=r"r\.xlsx: unknown report format '\.xlsx'; name it with one of "
                                           r"\.jsonl, \.ndjson, \.csv, \.parquet, \.pq"):
        run_audit(AuditOptions(inputs=[folder], out=str(tmp_path / "r.xlsx")))
    with pytest.raises(AuditRefused, match="no suffix"):
        run_audit(AuditOptions(inputs=[folder], out=str(tmp_path / "report")))
    with pytest.raises(AuditRefused, match=r"s\.txt: unknown report format"):
        run_audit(AuditOptions(inputs=[folder], out=str(tmp_path / "r.jsonl"), sentences=str(tmp_path / "s.txt")))
    missing = tmp_path / "nosuch.jsonl"
    with pytest.raises(AuditRefused, match=r"nosuch\.jsonl: no such file or folder$"):
        run_audit(AuditOptions(inputs=[folder, str(missing)], out=str(tmp_path / "r.jsonl")))
    (tmp_path / "gone.jsonl").symlink_to(missing)
    with pytest.raises(AuditRefused, match="broken symbolic link"):
        run_audit(AuditOptions(inputs=[str(tmp_path / "gone.jsonl")], out=str(tmp_path / "r.jsonl")))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gone.jsonl"]  # nothing written
    assert reportfile.report_format("R.NDJSON") == "jsonl" and reportfile.report_format("r.pq") == "parquet"


def test_summary_of_one_record_says_record():
    from spin_detect.audit.summary import Summary, format_summary

    s = Summary(threshold=0.5)
    s.add({"seq": 0, "status": "ok", "verdict": "original", "likelihood": 0.1, "url": None, "error": None,
           "id": "a", "n_sentences": 2, "n_flagged": 0})
    assert format_summary(s.to_dict()).splitlines()[0] == "1 record: 1 ok"
    s.add({"seq": 1, "status": "error", "verdict": None, "likelihood": None, "url": None, "error": "x: empty", "source": "x",
           "id": "b", "n_sentences": None, "n_flagged": None})
    assert format_summary(s.to_dict()).splitlines()[0] == "2 records: 1 error, 1 ok"


def test_resume_refuses_an_audit_begun_with_another_model_or_version(corpus, tmp_path):
    """The rows of one report come from one model and one spin-detect: an unfinished audit begun with another
    model (its manifest differs) or another version, or by a version that did not record them, is not resumed."""
    out = tmp_path / "r.jsonl"
    _stop_after_first_chunk(corpus, out)
    state = reportfile._state_path(out)
    kept = json.loads(state.read_text())
    assert kept["identity"]["model_manifest"] and kept["identity"]["spin_detect"]
    for key, shown in (("model_manifest", "the model (SHA-256 of its manifest)"),
                       ("spin_detect", "the spin-detect version")):
        altered = json.loads(json.dumps(kept))
        altered["identity"][key] = "0" * 8
        state.write_text(json.dumps(altered))
        with pytest.raises(AuditRefused, match=re.escape(f"{shown}: 00000000 then, ")):
            _run(corpus, out, resume=True)
        del altered["identity"][key]  # an unfinished audit of a version that did not record it
        state.write_text(json.dumps(altered))
        with pytest.raises(AuditRefused, match=re.escape(f"{shown}: not given then, ")):
            _run(corpus, out, resume=True)
    state.write_text(json.dumps(kept))
    _run(corpus, out, resume=True)
    _run(corpus, tmp_path / "want.jsonl")
    assert out.read_bytes() == (tmp_path / "want.jsonl").read_bytes()


def test_a_worker_scores_with_one_blas_and_one_openmp_thread(monkeypatch):
    """Workers are the parallelism: N workers x N BLAS threads (the cloze model's products) spin on N cores."""
    import numpy  # noqa: F401  (loads the BLAS library threadpoolctl reports)
    from threadpoolctl import threadpool_info

    from spin_detect.audit import worker

    seen: list[list[tuple[str, int]]] = []

    def fake_score_records(records, det, sentences):
        seen.append([(i["user_api"], i["num_threads"]) for i in threadpool_info()])
        return [], []

    monkeypatch.setattr(worker, "score_records", fake_score_records)
    monkeypatch.setattr(worker, "load_spec", lambda spec: None)
    monkeypatch.setattr(worker, "freeze_once", lambda: None)
    worker.score_chunk([], worker.DetectorSpec(), False)
    assert seen and any(api == "blas" for api, _ in seen[0])
    assert all(n == 1 for _, n in seen[0]), seen[0]


def test_audit_whose_worker_process_dies_says_so_and_resumes(corpus, tmp_path, monkeypatch):
    from concurrent.futures.process import BrokenProcessPool

    import spin_detect.audit.run as run

    def args(out):
        return ["audit", str(corpus["folder"]), "--out", str(out), "--jobs", "1", "--chunk-size", "3", "--no-progress"]

    full = tmp_path / "full.jsonl"
    assert CliRunner().invoke(app, args(full)).exit_code == 0
    real = run._map_chunks

    def dies_after_two_chunks(chunks, *rest):  # what the pool raises when a worker is killed (out of memory)
        results = real(chunks, *rest)
        yield next(results)
        yield next(results)
        raise BrokenProcessPool("A child process terminated abruptly")

    monkeypatch.setattr(run, "_map_chunks", dies_after_two_chunks)
    out = tmp_path / "r.jsonl"
    res = CliRunner().invoke(app, args(out))
    assert res.exit_code == 1 and "a worker process stopped" in res.stderr and "--resume" in res.stderr
    assert "Traceback" not in res.output and not out.exists()
    assert len(_rows(tmp_path / "r.jsonl.partial")) == 6
    monkeypatch.setattr(run, "_map_chunks", real)
    assert CliRunner().invoke(app, args(out) + ["--resume"]).exit_code == 0
    assert out.read_bytes() == full.read_bytes()


def test_a_report_page_of_an_earlier_run_is_skipped_not_scored(tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "story.html").write_text(article_html(ORIGINAL))
    first = CliRunner().invoke(app, ["audit", str(folder), "--out", str(tmp_path / "r1.jsonl"),
                                     "--summary-html", str(folder / "summary.html"), "--no-progress"])
    assert first.exit_code == 0, first.output
    CliRunner().invoke(app, ["score", str(folder / "story.html"), "--html", str(folder / "page.html")])
    again = CliRunner().invoke(app, ["audit", str(folder), "--out", str(tmp_path / "r2.jsonl"), "--no-progress"])
    assert again.exit_code == 0, again.output
    rows = {r["id"]: r for r in _rows(tmp_path / "r2.jsonl")}
    assert rows["story.html"]["status"] == "ok"
    for page in ("summary.html", "page.html"):
        assert rows[page]["status"] == "skipped" and "a report page spin-detect wrote" in rows[page]["error"]


def test_reports_of_an_earlier_run_among_the_inputs_are_skipped_whole(tmp_path):
    from spin_detect.audit.worker import SENTENCE_FIELDS
    from spin_detect.input.records import REPORT_ROW_FIELDS, SENTENCE_ROW_FIELDS

    assert set(ROW_FIELDS) >= REPORT_ROW_FIELDS and set(SENTENCE_FIELDS) == SENTENCE_ROW_FIELDS  # in step
    folder = tmp_path / "own"
    folder.mkdir()
    (folder / "feed.jsonl").write_text("".join(json.dumps({"id": f"d{i}", "text": t}) + "\n"
                                               for i, t in enumerate([ORIGINAL, SPUN])))
    run_audit(AuditOptions(inputs=[str(folder)], out=str(folder / "rep.jsonl"), sentences=str(folder / "sent.jsonl")))
    run_audit(AuditOptions(inputs=[str(folder)], out=str(folder / "rep.csv"), sentences=str(folder / "sent.csv")))
    run_audit(AuditOptions(inputs=[str(folder)], out=str(tmp_path / "again.jsonl")))
    rows = _rows(tmp_path / "again.jsonl")
    assert sorted(r["id"] for r in rows if r["status"] == "ok") == ["d0", "d1"]
    skipped = sorted(r["id"].rsplit("/", 1)[-1] for r in rows if r["status"] == "skipped")
    assert skipped == ["rep.csv", "rep.jsonl", "sent.csv", "sent.jsonl"]
    assert all("rows of a spin-detect report" in r["error"] for r in rows if r["status"] == "skipped")
    assert len(rows) == 6


def test_an_audit_with_no_document_file_says_so_and_a_broken_link_is_named(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.json").write_text("{}")
    res = CliRunner().invoke(app, ["audit", str(folder), "--out", str(tmp_path / "r.jsonl"), "--no-progress"])
    assert res.exit_code == 0 and "0 records\n" in res.stderr and "no records in the inputs" in res.stderr
    (folder / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    res = CliRunner().invoke(app, ["audit", str(folder), "--out", str(tmp_path / "r2.jsonl"), "--no-progress"])
    (row,) = _rows(tmp_path / "r2.jsonl")
    assert row["error"].endswith("gone.txt: no such file or folder (broken symbolic link)")


def test_a_second_run_on_a_report_being_written_is_refused_and_the_first_goes_on(corpus, tmp_path):
    # A resume started while the first run still goes would interleave rows and rename its files away.
    out = tmp_path / "r.jsonl"
    second: dict[str, object] = {}

    def start_another(done, _n):
        if done >= 3 and not second:
            with pytest.raises(AuditRefused, match="another audit is writing this report now") as info:
                _run(corpus, out, resume=True)
            second["refused"] = str(info.value)
            with pytest.raises(AuditRefused, match="another audit is writing"):  # told first, not "use --resume"
                _run(corpus, out)

    _run(corpus, out, progress=start_another)
    assert second and not (tmp_path / "r.jsonl.lock").exists()  # the lock goes with the run
    _run(corpus, tmp_path / "full.jsonl")
    assert out.read_bytes() == (tmp_path / "full.jsonl").read_bytes()
    _run(corpus, out, force=True)  # a run that ended (however) leaves nothing that refuses the next
    with pytest.raises(AuditRefused, match="exists; use --force"):  # no run holds it: the files on disk speak
        _run(corpus, out)
    assert not (tmp_path / "r.jsonl.lock").exists()  # the check before the run creates no lock file
