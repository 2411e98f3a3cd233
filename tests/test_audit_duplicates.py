"""Exact duplicates in an audit reuse the earlier record's row: the same report as scoring them again."""

from __future__ import annotations

import json
import re

import pytest
from corpus_fixtures import ORIGINAL, SPUN, article_html

import spin_detect.audit.dedup as dedup
import spin_detect.audit.run as run
from spin_detect.audit import AuditOptions, run_audit
from spin_detect.audit.dedup import DuplicateRows
from spin_detect.input.records import Record

OTHER = "The minister of finance presented the budget to parliament on Tuesday and answered questions."


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    root = tmp_path_factory.mktemp("dups") / "crawl"
    root.mkdir()
    (root / "a.txt").write_text(ORIGINAL)
    (root / "b.html").write_text(article_html(SPUN))
    (root / "c.txt").write_text(ORIGINAL)  # byte for byte a.txt
    (root / "d.html").write_text(article_html(SPUN))
    (root / "e.txt").write_bytes(bytes(range(256)) * 4)  # binary: an error naming e.txt
    (root / "f.txt").write_bytes(bytes(range(256)) * 4)  # the same bytes: its own error, naming f.txt
    feed = [{"id": "j1", "url": "https://spam.example.com/1", "text": SPUN},
            {"id": "j2", "text": OTHER},
            {"id": "j3", "url": "https://spam.example.com/3", "date": "2026-01-02", "text": SPUN},
            {"id": "j4", "text": ORIGINAL},
            {"id": "j5", "text": SPUN + " "},  # not the same payload
            {"id": "j6", "url": "https://spam.example.com/6", "text": SPUN}]
    (root / "feed.jsonl").write_text("\n".join(json.dumps(r) for r in feed) + "\n")
    return root


def _audit(crawl, out, monkeypatch, reuse=True, jobs=1, chunk_size=2):
    """Audit ``crawl``; returns (report bytes, sentence report bytes, records handed to the scorer, log)."""
    scored = []
    real = run.score_records

    def counting(records, det, sentences=False):
        scored.extend(r.seq for r in records)
        return real(records, det, sentences)

    with monkeypatch.context() as m:
        m.setattr(run, "score_records", counting)
        if not reuse:
            m.setattr(dedup, "payload_key", lambda rec: None)
        news = []
        opts = AuditOptions(inputs=[str(crawl)], out=str(out / "r.jsonl"), sentences=str(out / "s.jsonl"),
                            chunk_size=chunk_size)
        run_audit(opts, jobs=jobs, log=news.append)
    return (out / "r.jsonl").read_bytes(), (out / "s.jsonl").read_bytes(), scored, news


def test_duplicates_reuse_rows_and_the_report_is_unchanged(crawl, tmp_path, monkeypatch):
    (tmp_path / "on").mkdir()
    (tmp_path / "off").mkdir()
    rows_on, sents_on, scored_on, news_on = _audit(crawl, tmp_path / "on", monkeypatch)
    rows_off, sents_off, scored_off, news_off = _audit(crawl, tmp_path / "off", monkeypatch, reuse=False)
    assert rows_on == rows_off and sents_on == sents_off
    rows = [json.loads(x) for x in rows_on.decode().splitlines()]
    assert len(scored_off) == len(rows) == 12
    by_id = {r["id"]: r for r in rows}
    # reused (chunks of 2, in order): c.txt (a.txt), d.html (b.html), j3 and j6 (j1)
    assert len(scored_on) == len(rows) - 4
    for seq in (by_id[k]["seq"] for k in ("c.txt", "d.html", "j3", "j6")):
        assert seq not in scored_on
    assert any("4 records were exact copies" in n for n in news_on) and not any("exact" in n for n in news_off)
    # each row keeps its own identity; the judgement is the first copy's
    assert by_id["j3"]["url"] == "https://spam.example.com/3" and by_id["j3"]["date"] == "2026-01-02"
    assert by_id["j3"]["likelihood"] == by_id["j1"]["likelihood"] and by_id["j3"]["verdict"] == "spun"
    assert by_id["d.html"]["title"] == by_id["b.html"]["title"] == "Talks to resume"
    # an error names its own record: never reused
    assert "f.txt" in by_id["f.txt"]["error"] and "e.txt" in by_id["e.txt"]["error"]
    sents = [json.loads(x) for x in sents_on.decode().splitlines()]
    j3 = [s for s in sents if s["seq"] == by_id["j3"]["seq"]]
    j1 = [s for s in sents if s["seq"] == by_id["j1"]["seq"]]
    assert j3 and all(s["id"] == "j3" for s in j3)
    assert [(s["text"], s["probability"]) for s in j3] == [(s["text"], s["probability"]) for s in j1]


def test_duplicates_with_worker_processes_give_the_same_report(crawl, tmp_path, monkeypatch):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    one = _audit(crawl, tmp_path / "one", monkeypatch, reuse=False, chunk_size=100)
    two = _audit(crawl, tmp_path / "two", monkeypatch, jobs=2, chunk_size=2)
    assert one[:2] == two[:2]


def _rec(seq, text, status="ok"):
    return Record(seq, f"id{seq}", "src", payload=text, status=status)


def _fake_scorer(chunk):
    """Rows as a scorer would make them: a judgement from the text, one sentence row each."""
    rows = [{"seq": r.seq, "id": r.id, "source": r.source, "url": r.url, "date": r.date,
             "status": "error" if r.payload == "binary" else r.status, "likelihood": len(r.payload or "") / 100}
            for r in chunk]
    return rows, [{"seq": r.seq, "id": r.id, "text": r.payload} for r in chunk if r.status == "ok"]


def test_a_duplicate_of_a_record_still_being_scored_is_scored_again():
    d = DuplicateRows()
    first = d.plan([_rec(0, "x"), _rec(1, "x")])  # in one chunk: neither is known yet
    second = d.plan([_rec(2, "x")])  # planned before the first chunk's rows came back
    assert [r.seq for r in first] == [0, 1] and [r.seq for r in second] == [2]
    d.merge(_fake_scorer(first))
    d.merge(_fake_scorer(second))
    third = d.plan([_rec(3, "x"), _rec(4, "y")])
    assert [r.seq for r in third] == [4]
    rows, sents = d.merge(_fake_scorer(third))
    assert [r["seq"] for r in rows] == [3, 4] and rows[0]["id"] == "id3" and rows[0]["likelihood"] == 0.01
    assert sents == [{"seq": 3, "id": "id3", "text": "x"}, {"seq": 4, "id": "id4", "text": "y"}]
    assert d.reused == 1


def test_rows_of_unreadable_records_are_not_reused():
    d = DuplicateRows()
    d.merge(_fake_scorer(d.plan([_rec(0, "x", status="error")])))
    assert [r.seq for r in d.plan([_rec(1, "x", status="error")])] == [1]
    d = DuplicateRows()
    d.merge(_fake_scorer(d.plan([_rec(0, "binary")])))  # read, but the scorer could not prepare it
    assert [r.seq for r in d.plan([_rec(1, "binary")])] == [1]


def test_the_cache_is_bounded_oldest_first():
    d = DuplicateRows(max_chars=2000)
    texts = [f"text {k} " * 20 for k in range(10)]  # about 550 characters of cache each
    d.merge(_fake_scorer(d.plan([_rec(k, t) for k, t in enumerate(texts)])))
    again = [r.seq - 10 for r in d.plan([_rec(10 + k, t) for k, t in enumerate(texts)])]
    assert 0 in again and 9 not in again and len(again) >= 7  # the oldest went, the newest stayed
    assert d._chars <= 2000


def test_payload_key_tells_kind_charset_and_type_apart():
    key = dedup.payload_key
    base = Record(0, "a", "s", payload="text")
    assert key(base) == key(Record(1, "b", "t", url="u", date="d", payload="text"))
    assert key(base) != key(Record(0, "a", "s", payload=b"text"))
    assert key(base) != key(Record(0, "a", "s", payload="text", kind="html"))
    assert key(Record(0, "a", "s", payload=b"t", charset="latin-1")) != key(Record(0, "a", "s", payload=b"t"))
    assert key(Record(0, "a", "s", status="error", error="x")) is None


def test_duplicates_on_dask_give_the_same_report(crawl, tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    (tmp_path / "local").mkdir()
    local = _audit(crawl, tmp_path / "local", monkeypatch, reuse=False, chunk_size=100)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cl, \
            distributed.Client(cl) as client:
        opts = AuditOptions(inputs=[str(crawl)], out=str(tmp_path / "dask.jsonl"), sentences=str(tmp_path / "s.jsonl"),
                            chunk_size=2)
        news = []
        run_audit(opts, scheduler=client, log=news.append)
    assert (tmp_path / "dask.jsonl").read_bytes() == local[0] and (tmp_path / "s.jsonl").read_bytes() == local[1]
    assert any(re.search(r"\d+ records? (were|was an) exact cop", n) for n in news)


def test_a_kept_back_record_keeps_its_row_when_the_cache_turns_over_meanwhile():
    d = DuplicateRows(max_chars=1200)  # room for one row of these
    d.merge(_fake_scorer(d.plan([_rec(0, "x" * 300)])))
    earlier = d.plan([_rec(1, "y" * 300), _rec(2, "z" * 300)])  # in flight
    kept = d.plan([_rec(3, "x" * 300)])  # kept back: record 0's row is cached
    d.merge(_fake_scorer(earlier))  # their rows push record 0's out of the cache
    rows = d.merge(_fake_scorer(kept))[0]
    assert kept == [] and rows[0]["seq"] == 3 and rows[0]["likelihood"] == 3.0
    assert [r.seq for r in d.plan([_rec(4, "x" * 300)])] == [4]  # it was pushed out indeed
