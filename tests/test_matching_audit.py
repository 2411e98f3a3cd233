"""Source matching in the audit and the CLI: audit --match-sources / --sources DIR / --sources INDEX, the index
command, score --source (terminal, --json, --html), resume, and Dask equal to the local run."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from corpus_fixtures import ORIGINAL, SPUN, make_corpus
from typer.testing import CliRunner

from spin_detect.audit import ROW_FIELDS, AuditOptions, AuditRefused, run_audit
from spin_detect.audit.matchpass import MatchOptions
from spin_detect.cli.app import app
from spin_detect.learning.spinner import spin_text
from spin_detect.matching import MATCH_FIELDS

UNRELATED = ("Negotiators from both countries arrived in Vienna on Sunday evening for a new round of discussions. "
             "Diplomats expect the meeting to focus on sanctions relief and the timetable for inspections. "
             "No statement was issued by either government before the sessions began behind closed doors.")


class _Stop(Exception):
    pass


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return make_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def feed(tmp_path_factory):
    """JSONL records: an original, two spun copies, a verbatim copy, unrelated text, a broken record, all undated
    (dates of JSONL and CSV records: test_sources_dates.py)."""
    root = tmp_path_factory.mktemp("feed")
    heavy = spin_text(ORIGINAL, "moby", rate=0.3, seed=4).text
    recs = [{"id": "orig", "url": "https://news.example.org/a", "text": ORIGINAL},
            {"id": "spun", "url": "https://spam.example.com/1", "text": SPUN},
            {"id": "heavy", "url": "https://spam.example.com/2", "text": heavy},
            {"id": "same", "url": "https://copy.example.net/x", "text": ORIGINAL},
            {"id": "other", "url": "https://news.example.org/b", "text": UNRELATED},
            {"id": "broken", "text": None}]
    path = root / "feed.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    originals = root / "originals"
    originals.mkdir()
    (originals / "wire-1.txt").write_text(ORIGINAL)
    (originals / "wire-2.txt").write_text(UNRELATED)
    return {"path": path, "originals": originals, "heavy": heavy}


def _rows(path):
    return {r["id"]: r for r in map(json.loads, path.read_text().splitlines())}


def _audit(args, tmp_path):
    res = CliRunner().invoke(app, ["audit", *args, "--jobs", "1", "--no-progress"])
    assert res.exit_code == 0, res.output
    return res


def test_audit_match_sources_finds_originals_and_keeps_every_record(feed, tmp_path):
    out = tmp_path / "r.jsonl"
    res = _audit([str(feed["path"]), "--out", str(out), "--match-sources", "--summary-json", str(tmp_path / "s.json"),
                  "--summary-html", str(tmp_path / "s.html")], tmp_path)
    rows = _rows(out)
    assert list(rows) == ["orig", "spun", "heavy", "same", "other", "broken"]
    assert all(set(r) == set(ROW_FIELDS) | set(MATCH_FIELDS) for r in rows.values())
    spun, heavy, same = rows["spun"], rows["heavy"], rows["same"]
    assert (spun["source_id"], spun["source_relation"]) == ("orig", "spun_copy")
    assert spun["verdict"] == "spun" and spun["likelihood"] >= 0.99
    assert "orig's wording fits native English better" in spun["notes"] and "14 swaps" in spun["notes"]
    assert [s["word"] for s in spun["swaps"][:2]] == ["Officers mentioned", "negotiations"]
    assert all(SPUN[s["start"] : s["end"]] == s["word"] for s in spun["swaps"])
    assert (heavy["source_id"], heavy["source_relation"]) == ("orig", "spun_copy") and heavy["verdict"] == "spun"
    assert (same["source_id"], same["source_relation"], same["source_similarity"]) == ("orig", "copy", 1.0)
    assert same["swaps"] == []
    for rid in ("orig", "other", "broken"):
        assert rows[rid]["source_id"] is None and rows[rid]["swaps"] is None
    assert rows["broken"]["status"] == "error"
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["sources"]["spun_copy"] == 2 and summary["sources"]["copy"] == 1
    assert summary["sources"]["copying_hosts"][0] == {"host": "spam.example.com", "documents": 2, "copies": 2,
                                                      "spun_copies": 2, "share": 1.0}
    assert summary["by_verdict"]["spun"] >= 2
    assert "2 spun copies" in res.stderr and "sites that copy most" in res.stderr
    page = (tmp_path / "s.html").read_text()
    assert "Sites that copy most" in page and "spam.example.com" in page


def test_audit_without_matching_has_no_match_fields(feed, tmp_path):
    _audit([str(feed["path"]), "--out", str(tmp_path / "r.jsonl")], tmp_path)
    assert all(set(r) == set(ROW_FIELDS) for r in _rows(tmp_path / "r.jsonl").values())


def test_audit_against_a_folder_of_originals_and_an_index(feed, tmp_path):
    out = tmp_path / "dir.jsonl"
    _audit([str(feed["path"]), "--out", str(out), "--sources", str(feed["originals"])], tmp_path)
    by_dir = _rows(out)
    assert by_dir["spun"]["source_id"] == "wire-1.txt" and by_dir["orig"]["source_relation"] == "copy"
    assert by_dir["other"]["source_id"] == "wire-2.txt"  # the unrelated record is a copy of the second original
    assert "a trusted source" in by_dir["spun"]["notes"]
    index = tmp_path / "ix"
    res = CliRunner().invoke(app, ["index", str(feed["originals"]), "--out", str(index), "--no-progress"])
    assert res.exit_code == 0, res.output
    assert "indexed 2 documents" in res.stdout
    assert sorted(p.name for p in index.iterdir()) == ["index.json", "records.jsonl.gz", "signatures.npz",
                                                        "texts.bin"]
    out2 = tmp_path / "ix.jsonl"
    _audit([str(feed["path"]), "--out", str(out2), "--sources", str(index)], tmp_path)
    assert _rows(out2) == by_dir
    # an index is not overwritten by accident
    again = CliRunner().invoke(app, ["index", str(feed["originals"]), "--out", str(index)])
    assert again.exit_code == 2 and "--force" in again.stderr


def test_index_is_the_same_with_one_and_two_worker_processes(tmp_path, monkeypatch):
    import spin_detect.matching.build as build

    monkeypatch.setattr(build, "CHUNK", 7)  # many chunks, so that two workers each have several in flight
    recs = []
    for i in range(40):
        if i % 9 == 4:
            recs.append(f'{{"id": "broken-{i}", "text": ')  # malformed JSON: counted, left out
        elif i % 5 == 0:
            recs.append(json.dumps({"id": f"short-{i}", "text": "Too short to sign."}))
        else:
            text = spin_text(ORIGINAL if i % 2 else UNRELATED, "wordnet", rate=0.2, seed=i).text
            recs.append(json.dumps({"id": f"doc-{i}", "url": f"https://site{i % 3}.example/{i}", "text": text}))
    path = tmp_path / "originals.jsonl"
    path.write_text("\n".join(recs) + "\n")
    folders = {}
    for jobs in ("1", "2"):
        folders[jobs] = tmp_path / f"ix{jobs}"
        res = CliRunner().invoke(app, ["index", str(path), "--out", str(folders[jobs]), "--jobs", jobs,
                                       "--no-progress"])
        assert res.exit_code == 0, res.output
        assert "indexed 36 documents" in res.stdout and "8 too short" in res.stdout
        assert "4 records could not be read" in res.stderr
    for name in ("index.json", "records.jsonl.gz", "signatures.npz", "texts.bin"):
        assert (folders["1"] / name).read_bytes() == (folders["2"] / name).read_bytes(), name


def test_index_whose_worker_process_dies_says_so_and_writes_nothing(feed, tmp_path, monkeypatch):
    from concurrent.futures.process import BrokenProcessPool

    import spin_detect.matching.build as build

    def broken(chunks, config, jobs):  # what the pool raises when a worker is killed (out of memory)
        next(chunks)
        raise BrokenProcessPool("A child process terminated abruptly")
        yield

    monkeypatch.setattr(build, "_signed_chunks", broken)
    res = CliRunner().invoke(app, ["index", str(feed["originals"]), "--out", str(tmp_path / "ix"), "--jobs", "2"])
    assert res.exit_code == 1 and "a worker process stopped" in res.stderr and "--jobs 1" in res.stderr
    assert "Traceback" not in res.output and not (tmp_path / "ix").exists()


def test_a_bad_index_is_refused_before_any_work(feed, tmp_path):
    index = tmp_path / "ix"
    assert CliRunner().invoke(app, ["index", str(feed["originals"]), "--out", str(index)]).exit_code == 0
    header = json.loads((index / "index.json").read_text())
    (index / "index.json").write_text(json.dumps({**header, "version": 0}))
    out = tmp_path / "r.jsonl"
    res = CliRunner().invoke(app, ["audit", str(feed["path"]), "--out", str(out), "--sources", str(index)])
    assert res.exit_code == 2 and "index version 0" in res.stderr
    assert not out.exists() and not list(tmp_path.glob("*.partial"))
    res = CliRunner().invoke(app, ["audit", str(feed["path"]), "--out", str(out), "--sources", str(tmp_path / "no")])
    assert res.exit_code == 2 and "no such file" in res.stderr


def test_csv_report_holds_the_swaps_as_json(feed, tmp_path):
    _audit([str(feed["path"]), "--out", str(tmp_path / "r.csv"), "--match-sources"], tmp_path)
    got = pd.read_csv(tmp_path / "r.csv")
    assert list(got.columns) == list(ROW_FIELDS) + list(MATCH_FIELDS)
    swaps = json.loads(got.set_index("id").loc["spun", "swaps"])
    assert swaps[0] == {"start": 0, "end": 18, "word": "Officers mentioned", "original": "Officials said"}
    pytest.importorskip("pyarrow")
    _audit([str(feed["path"]), "--out", str(tmp_path / "r.parquet"), "--match-sources"], tmp_path)
    pq = pd.read_parquet(tmp_path / "r.parquet").set_index("id")
    assert list(pq.loc["spun", "swaps"][0].values()) == [0, 18, "Officers mentioned", "Officials said"]


def _opts(corpus, out, **kw):
    return AuditOptions(inputs=[str(corpus["folder"])], out=str(out), chunk_size=3,
                        match=MatchOptions(within=True), **kw)


def test_matching_across_input_formats_every_record_present(corpus, tmp_path):
    out = tmp_path / "r.jsonl"
    summary = run_audit(_opts(corpus, out))
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["seq"] for r in rows] == list(range(corpus["records"]))
    by_id = {r["id"]: r for r in rows}
    # the walk meets the WARC first: its news page (seq 1) is ORIGINAL, its spam page (seq 3) SPUN
    first, spam = rows[1], rows[3]
    assert first["source_id"] is None and first["verdict"] == "original"
    assert (spam["source_id"], spam["source_relation"], spam["verdict"]) == (first["id"], "spun_copy", "spun")
    # every later copy points to the first text it copies word for word: ORIGINAL's to seq 1, SPUN's to seq 3
    for rid in ("j6", "c1", "news/a.txt"):
        assert (by_id[rid]["source_id"], by_id[rid]["source_relation"]) == (first["id"], "copy")
    for rid in ("j1", "j7", "news/page.html", "news/deep/b.txt.gz"):
        assert (by_id[rid]["source_id"], by_id[rid]["source_relation"]) == (spam["id"], "copy")
    assert all(r["source_id"] is None for r in rows if r["status"] != "ok")
    assert summary["sources"] == {"copy": 7, "spun_copy": 1, "rewrite": 0, "copying_hosts": [
        {"host": "spam.example.com", "documents": 3, "copies": 3, "spun_copies": 1, "share": 1.0},
        {"host": "news.example.org", "documents": 3, "copies": 1, "spun_copies": 0, "share": 0.3333}]}


def test_resume_of_a_matching_audit_gives_the_same_report(corpus, tmp_path):
    run_audit(_opts(corpus, tmp_path / "full.jsonl"))
    out = tmp_path / "r.jsonl"

    def stop(done, _n):
        if done >= 6:
            raise _Stop

    with pytest.raises(_Stop):
        run_audit(_opts(corpus, out), progress=stop)
    assert not out.exists() and len((tmp_path / "r.jsonl.partial").read_text().splitlines()) == 6
    # the matching options are part of what a resume must repeat
    with pytest.raises(AuditRefused, match="--match-sources: True then, False now"):
        run_audit(AuditOptions(inputs=[str(corpus["folder"])], out=str(out), chunk_size=3,
                               match=MatchOptions(within=False, sources=[str(corpus["folder"] / "news")])),
                  resume=True)
    run_audit(_opts(corpus, out), resume=True)
    assert out.read_bytes() == (tmp_path / "full.jsonl").read_bytes()
    assert not list(tmp_path.glob("r.jsonl.*"))


def test_killed_while_matching_resumes_to_the_same_report(corpus, tmp_path, monkeypatch):
    run_audit(_opts(corpus, tmp_path / "full.jsonl"))
    out = tmp_path / "r.jsonl"
    import spin_detect.audit.matchpass as matchpass

    real = matchpass.match_rows

    def boom(*a, **kw):
        raise _Stop

    monkeypatch.setattr(matchpass, "match_rows", boom)
    with pytest.raises(_Stop):
        run_audit(_opts(corpus, out))
    assert not out.exists() and len((tmp_path / "r.jsonl.partial").read_text().splitlines()) == corpus["records"]
    monkeypatch.setattr(matchpass, "match_rows", real)
    run_audit(_opts(corpus, out), resume=True)
    assert out.read_bytes() == (tmp_path / "full.jsonl").read_bytes()


def test_score_source_shows_the_swaps(tmp_path):
    orig, copy = tmp_path / "original.txt", tmp_path / "copy.txt"
    orig.write_text(ORIGINAL)
    copy.write_text(SPUN)
    res = CliRunner().invoke(app, ["score", str(copy), "--source", str(orig), "--html", str(tmp_path / "p.html")])
    assert res.exit_code == 0, res.output
    assert f"against {orig}: SPUN COPY" in res.stdout
    assert "Officers mentioned | Officials said" in res.stdout and "14 swaps" in res.stdout
    assert res.stdout.startswith(f"{copy}: SPUN")
    page = (tmp_path / "p.html").read_text()
    assert "Swaps, side by side (14)" in page and ">Officials said</mark> on Monday that the talks would resume next week" in page
    res = CliRunner().invoke(app, ["score", str(copy), "--source", str(orig), "--json"])
    got = json.loads(res.stdout)
    assert got["source_id"] == str(orig) and got["source_relation"] == "spun_copy" and len(got["swaps"]) == 14
    assert got["verdict"] == "spun" and got["likelihood"] >= 0.99
    # the other way round: the article is the original, the "source" its copy
    res = CliRunner().invoke(app, ["score", str(orig), "--source", str(copy), "--json"])
    got = json.loads(res.stdout)
    assert got["source_id"] is None and got["verdict"] == "original"
    res = CliRunner().invoke(app, ["score", str(orig), "--source", str(copy)])
    assert f"against {copy}: it looks like the spun copy of {orig}" in res.stdout  # the relation, not "copy"
    res = CliRunner().invoke(app, ["score", str(orig), "--source", str(tmp_path / "missing.txt")])
    assert res.exit_code == 2


#: A long story of its own (no sentence of ORIGINAL), to bury an excerpt of ORIGINAL in.
UNRELATED_LONG = " ".join(
    f"Negotiators from the {n} delegation arrived in Vienna on {d} evening for another round of discussions about "
    f"the {t}. Diplomats expect the meeting to focus on the timetable, and no statement was issued by either side "
    f"before the sessions began behind closed doors."
    for n, d, t in (("northern", "Sunday", "pipeline"), ("southern", "Friday", "river treaty"),
                    ("eastern", "Saturday", "fishing quotas"), ("western", "Thursday", "border crossings"),
                    ("coastal", "Wednesday", "port fees"), ("island", "Tuesday", "shipping lanes")))


def test_score_source_the_named_original_wins_a_tie_and_the_pair_is_always_aligned(tmp_path):
    # Verbatim copies: nothing but the order tells them apart, and the file named as the original is it, whichever
    # way round the two are given. An excerpt of one paragraph has too few shingles in common with a long original
    # for the signature filter of a corpus audit; a pair named by the user is aligned whatever its similarity.
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(ORIGINAL)
    b.write_text(ORIGINAL)
    for art, src in ((a, b), (b, a)):
        got = json.loads(CliRunner().invoke(app, ["score", str(art), "--source", str(src), "--json"]).stdout)
        assert got["source_id"] == str(src) and got["source_relation"] == "copy"
    long_orig = tmp_path / "long.txt"
    long_orig.write_text("\n\n".join([UNRELATED_LONG, ORIGINAL, UNRELATED_LONG.replace("Vienna", "Oslo")]))
    excerpt = tmp_path / "excerpt.txt"
    excerpt.write_text(ORIGINAL.split(". ")[0] + ". " + ORIGINAL.split(". ")[1] + ".")
    got = json.loads(CliRunner().invoke(app, ["score", str(excerpt), "--source", str(long_orig), "--json"]).stdout)
    assert got["source_id"] == str(long_orig) and got["source_relation"] == "copy"


@pytest.mark.slow
def test_dask_matching_gives_the_local_report(corpus, feed, tmp_path):
    distributed = pytest.importorskip("distributed")
    run_audit(_opts(corpus, tmp_path / "local.jsonl"))
    both = MatchOptions(within=True, sources=[str(feed["originals"])])
    run_audit(AuditOptions(inputs=[str(feed["path"])], out=str(tmp_path / "local2.jsonl"), match=both))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl, \
            distributed.Client(cl) as client:
        run_audit(_opts(corpus, tmp_path / "dask.jsonl"), scheduler=client)
        run_audit(AuditOptions(inputs=[str(feed["path"])], out=str(tmp_path / "dask2.jsonl"), match=both),
                  scheduler=client)
    assert (tmp_path / "dask.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()
    assert (tmp_path / "dask2.jsonl").read_bytes() == (tmp_path / "local2.jsonl").read_bytes()
    assert "spun_copy" in (tmp_path / "dask.jsonl").read_text()


def test_index_of_nothing_readable_is_refused_and_writes_nothing(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    res = CliRunner().invoke(app, ["index", str(empty), "--out", str(tmp_path / "ix"), "--no-progress"])
    assert res.exit_code == 2 and "no record; nothing to index" in res.stderr and not (tmp_path / "ix").exists()
    (empty / "b.txt").write_bytes(b"\x00\x01\x02\x03binary")
    res = CliRunner().invoke(app, ["index", str(empty), "--out", str(tmp_path / "ix"), "--no-progress"])
    assert res.exit_code == 2 and "1 record, none readable" in res.stderr and not (tmp_path / "ix").exists()


def test_index_names_what_it_could_not_read_takes_stdin_and_never_writes_into_a_folder_of_other_files(tmp_path):
    folder = tmp_path / "originals"
    folder.mkdir()
    (folder / "a.txt").write_text(ORIGINAL)
    (folder / "b.txt").write_bytes(b"\x00\x01\x02\x03binary")
    res = CliRunner().invoke(app, ["index", str(folder), "--out", str(tmp_path / "ix"), "--no-progress"])
    assert res.exit_code == 0 and "1 record could not be read and is not in the index: b.txt" in res.stderr
    res = CliRunner().invoke(app, ["index", "-", "--out", str(tmp_path / "ix2"), "--no-progress"],
                             input=json.dumps({"id": "wire-1", "text": ORIGINAL}) + "\n")
    assert res.exit_code == 0 and "indexed 1 document" in res.stdout
    res = CliRunner().invoke(app, ["index", "-", "--out", str(tmp_path / "ix3"), "--no-progress"], input=ORIGINAL)
    assert res.exit_code == 2 and "- reads JSONL" in res.stderr and not (tmp_path / "ix3").exists()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("my own file")
    res = CliRunner().invoke(app, ["index", str(folder), "--out", str(mine), "--force", "--no-progress"])
    assert res.exit_code == 2 and "not an index" in res.stderr
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]


def test_sources_with_nothing_readable_are_refused_before_any_work(corpus, tmp_path):
    # Matching against no source would find nothing and say nothing; `index` refuses the same.
    empty, binary = tmp_path / "empty", tmp_path / "binary"
    empty.mkdir()
    binary.mkdir()
    (binary / "a.txt").write_bytes(bytes(range(256)) * 8)
    for folder, why in ((empty, "no record"), (binary, "1 record, none readable")):
        out = tmp_path / f"{folder.name}.jsonl"
        with pytest.raises(AuditRefused, match=f"{why}; nothing to match against"):
            run_audit(AuditOptions(inputs=[str(corpus["folder"])], out=str(out),
                                   match=MatchOptions(within=False, sources=[str(folder)])))
        assert not out.exists() and not out.with_name(out.name + ".partial").exists()


def test_score_source_says_when_the_original_it_was_given_reads_as_spun_itself(tmp_path):
    light, heavy, orig = tmp_path / "light.txt", tmp_path / "heavy.txt", tmp_path / "orig.txt"
    orig.write_text(ORIGINAL)
    light.write_text(spin_text(ORIGINAL, "mixed", rate=0.3, seed=3).text)
    heavy.write_text(spin_text(light.read_text(), "mixed", rate=0.1, seed=4).text)
    for source, warned in ((light, True), (orig, False)):
        got = json.loads(CliRunner().invoke(app, ["score", str(heavy), "--source", str(source), "--json"]).stdout)
        assert got["source_id"] == str(source), got
        assert any("taken as the original, reads as spun itself" in n for n in got["notes"]) == warned
