"""Source matching while the audit scores: the same rows with one or two worker processes, the matching done
during the scoring, a Matcher asked for some of its documents, and the compact LSH storage."""

from __future__ import annotations

import json

import numpy as np
import pytest
from corpus_fixtures import ORIGINAL, SPUN

from spin_detect.audit import AuditOptions, run_audit
from spin_detect.audit.matchpass import MatchOptions
from spin_detect.learning.spinner import spin_text
from spin_detect.matching.api import Matcher, match_documents, to_doc

UNRELATED = ("Negotiators from both countries arrived in Vienna on Sunday evening for a new round of discussions. "
             "Diplomats expect the meeting to focus on sanctions relief and the timetable for inspections. "
             "No statement was issued by either government before the sessions began behind closed doors.")
STORY = ("The city council voted on Tuesday to close the old bridge over the river for repairs that will take "
         "most of the summer. Engineers found cracks in two of its supports during an inspection in March. "
         "Drivers will be sent through the northern ring road, which the council says can take the traffic. "
         "Shops near the bridge fear that they will lose customers while it is closed.")


def _feed(path):
    """Originals, spun copies of them (several styles and rates), verbatim copies, a partial copy, unrelated
    text and broken records, in one JSONL file."""
    recs = [{"id": "story", "text": STORY}, {"id": "orig", "text": ORIGINAL}]
    for k, (style, rate) in enumerate((("wordnet", 0.1), ("moby", 0.35), ("commercial", 0.3), ("fluent", 0.2))):
        recs.append({"id": f"story-{style}", "text": spin_text(STORY, style, rate=rate, seed=k).text})
        recs.append({"id": f"orig-{style}", "text": spin_text(ORIGINAL, style, rate=rate, seed=k).text})
    recs += [{"id": "broken", "text": None}, {"id": "spun", "text": SPUN}, {"id": "same", "text": STORY},
             {"id": "other", "text": UNRELATED}, {"id": "half", "text": STORY.split(". Drivers")[0] + "."},
             {"id": "both", "text": ORIGINAL + "\n\n" + STORY}]
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    return path


@pytest.mark.slow
def test_matching_rows_are_the_same_with_one_and_two_worker_processes(tmp_path):
    feed = _feed(tmp_path / "feed.jsonl")
    (tmp_path / "originals").mkdir()
    (tmp_path / "originals" / "wire.txt").write_text(ORIGINAL)
    for name, jobs, chunk in (("one", 1, 100), ("two", 2, 2), ("three", 2, 5)):
        opts = AuditOptions(inputs=[str(feed)], out=str(tmp_path / f"{name}.jsonl"), chunk_size=chunk,
                            match=MatchOptions(within=True, sources=[str(tmp_path / "originals")]))
        run_audit(opts, jobs=jobs)
    one = (tmp_path / "one.jsonl").read_bytes()
    assert one == (tmp_path / "two.jsonl").read_bytes() == (tmp_path / "three.jsonl").read_bytes()
    rows = {r["id"]: r for r in map(json.loads, one.decode().splitlines())}
    assert rows["story-moby"]["source_id"] == "story" and rows["story-moby"]["source_relation"] == "spun_copy"
    assert rows["orig-wordnet"]["source_id"] == "wire.txt"  # a trusted source before a record of the same text
    assert rows["same"]["source_relation"] == "copy" and rows["broken"]["source_id"] is None


def test_the_matching_is_done_while_the_records_are_read(tmp_path, monkeypatch):
    """By the time the scoring is over, the signatures and the aligned pairs are there: the pass after it
    aligns no pair of records again."""
    import spin_detect.audit.matchpass as matchpass
    import spin_detect.matching.api as api

    feed = _feed(tmp_path / "feed.jsonl")
    real_rows, real_assess = matchpass.match_rows, api.assess_pair
    seen: dict[str, int] = {"during": 0, "after": 0}
    phase = ["during"]

    def counted(*a, **kw):
        seen[phase[0]] += 1
        return real_assess(*a, **kw)

    def after(rows, spool, *a, **kw):
        assert spool.matcher is not None and len(spool.matcher._verdicts) >= 8
        phase[0] = "after"
        return real_rows(rows, spool, *a, **kw)

    monkeypatch.setattr(api, "assess_pair", counted)
    monkeypatch.setattr(matchpass, "match_rows", after)
    run_audit(AuditOptions(inputs=[str(feed)], out=str(tmp_path / "r.jsonl"), chunk_size=3,
                           match=MatchOptions(within=True)))
    assert seen["during"] >= 8 and seen["after"] == 0
    rows = [json.loads(line) for line in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert sum(r["source_relation"] == "spun_copy" for r in rows) >= 6
    # trusted sources too: matched as the records are read
    (tmp_path / "originals").mkdir()
    (tmp_path / "originals" / "wire.txt").write_text(STORY)
    seen.update(during=0, after=0)
    phase[0] = "during"
    run_audit(AuditOptions(inputs=[str(feed)], out=str(tmp_path / "s.jsonl"), chunk_size=3,
                           match=MatchOptions(within=True, sources=[str(tmp_path / "originals")])))
    assert seen["during"] >= 14 and seen["after"] == 0
    rows = [json.loads(line) for line in (tmp_path / "s.jsonl").read_text().splitlines()]
    assert sum(r["source_id"] == "wire.txt" for r in rows) >= 5


def test_trusted_sources_that_cannot_be_used_are_refused_before_any_work(tmp_path):
    from typer.testing import CliRunner

    from spin_detect.audit import AuditRefused
    from spin_detect.cli.app import app

    feed = _feed(tmp_path / "feed.jsonl")
    (tmp_path / "originals").mkdir()
    (tmp_path / "originals" / "wire.txt").write_text(STORY)
    index = tmp_path / "ix"
    assert CliRunner().invoke(app, ["index", str(tmp_path / "originals"), "--out", str(index)]).exit_code == 0
    (index / "texts.bin").write_bytes((index / "texts.bin").read_bytes()[:-3] + b"xyz")  # checksum no longer fits
    out = tmp_path / "r.jsonl"
    with pytest.raises(AuditRefused, match="does not match its checksum"):
        run_audit(AuditOptions(inputs=[str(feed)], out=str(out), match=MatchOptions(sources=[str(index)])))
    assert not list(tmp_path.glob("r.jsonl*"))  # refused before the scoring: no partial report either


def test_a_matcher_asked_for_some_documents_matches_those_alone():
    """The audit feeds every readable record to the Matcher and then asks for the records its scoring kept:
    the fields must be those of matching the kept ones alone (pairs with the others forgotten)."""
    texts = [STORY, ORIGINAL, spin_text(STORY, "moby", rate=0.3, seed=1).text, SPUN, STORY, UNRELATED,
             spin_text(ORIGINAL, "wordnet", rate=0.1, seed=2).text, STORY + " " + ORIGINAL]
    matcher = Matcher(texts=texts.__getitem__)
    for key, text in enumerate(texts):
        matcher.add(key, text)
    for keep in ([0, 1, 2, 3, 4, 5, 6, 7], [1, 2, 3, 4, 6], [2, 4, 7], [3, 6]):
        docs = [to_doc({"id": f"d{k}", "text": texts[k]}, i) for i, k in enumerate(keep)]
        want = match_documents(docs)
        got = matcher.fields([to_doc({"id": f"d{k}", "text": ""}, i) for i, k in enumerate(keep)], keep)
        assert got == want, keep
    assert any(f["source_relation"] == "spun_copy" for f in match_documents(
        [to_doc({"id": f"d{k}", "text": texts[k]}, i) for i, k in enumerate([2, 4, 7])]))
    with pytest.raises(ValueError, match="keys must grow"):
        matcher.add(3, STORY)
    # trusted sources known from the start (matched as documents come) or given at the end: the same fields
    from spin_detect.matching import SourceIndex

    index = SourceIndex()
    index.add(STORY, "wire/story")
    index.add(ORIGINAL, "wire/orig")
    early = Matcher(texts=texts.__getitem__, sources=index)
    for key, text in enumerate(texts):
        early.add(key, text)
    for keep in ([0, 1, 2, 3, 4, 5, 6, 7], [2, 3, 6]):
        docs = [to_doc({"id": f"d{k}", "text": texts[k]}, i) for i, k in enumerate(keep)]
        want = match_documents(docs, index)
        assert sum(f["source_id"] in ("wire/story", "wire/orig") for f in want) >= 2
        blank = [to_doc({"id": f"d{k}", "text": ""}, i) for i, k in enumerate(keep)]
        assert early.fields(blank, keep, index) == want == matcher.fields(blank, keep, index), keep


def test_compact_lsh_storage_finds_what_datasketch_storage_finds():
    from datasketch import MinHashLSH

    from spin_detect.matching import MatchConfig
    from spin_detect.matching.index import new_lsh, signer_of

    config = MatchConfig()
    signer = signer_of(config)
    rng = np.random.default_rng(3)
    values = rng.integers(0, 2**32, size=(600, config.num_perm), dtype=np.uint32)
    for i in range(300, 600):  # near-duplicates of earlier ones, sharing some bands (some several times)
        src = values[rng.integers(0, 300)]
        same = rng.random(config.num_perm) < rng.choice([0.02, 0.1, 0.5])
        values[i, same] = src[same]
    plain = MinHashLSH(num_perm=config.num_perm, params=(config.bands, config.rows))
    compact = new_lsh(config)
    for i, hv in enumerate(values):
        plain.insert(i, signer.from_hashvalues(hv), check_duplication=False)
        compact.insert(i, signer.from_hashvalues(hv), check_duplication=False)
    found = 0
    for hv in values:
        m = signer.from_hashvalues(hv)
        want = sorted(plain.query(m))
        assert sorted(compact.query(m)) == want
        found += len(want) > 1
    assert found > 100 and 5 in compact and 600 not in compact
    with pytest.raises(NotImplementedError):
        compact.remove(5)
