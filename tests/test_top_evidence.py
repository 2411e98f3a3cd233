"""``score_documents(top_evidence=N)``: the document's N strongest evidence items, the very ones the full
evidence gives, with likely originals ranked for those words only (what an audit row shows)."""

from __future__ import annotations

import pytest

import spin_detect
from spin_detect.audit.worker import score_records
from spin_detect.config import DecisionConfig
from spin_detect.input.records import Record
from spin_detect.learning.spinner import STYLES, spin_text

ARTICLE = (
    "North Korea on Tuesday warned of a powerful response to joint military drills by South Korea and the "
    "United States, the Korean Central News Agency said. Analysts said Pyongyang would probably end up "
    "returning to talks if it could secure food and economic aid. The statement accused Washington of "
    "preparing for war and said the exercises in the second year of the standoff were a rehearsal for an "
    "invasion. The president stated that the government would take into account the needs of the people. "
    "Shares of the company rose 3.5% to $41.20 in New York after it reported higher quarterly profits. "
    "The International Atomic Energy Agency said its inspectors would return to the site next week."
)


@pytest.fixture(scope="module", params=[3, 1], ids=["max_evidence=3", "max_evidence=1"])
def detector(request):
    return spin_detect.load_detector(config=DecisionConfig(max_evidence=request.param))


@pytest.fixture(scope="module")
def texts():
    out = [ARTICLE, ""]
    for i, style in enumerate(sorted(STYLES)):
        out.append(spin_text(ARTICLE, style, rate=0.15 + 0.1 * (i % 3), seed=i).text)
    return out


def _items(report):
    return sorted((e for s in report.sentences for e in s.evidence), key=lambda e: -e.probability)


def test_the_spun_texts_have_more_evidence_than_two_items(detector, texts):
    assert sum(len(_items(r)) > 2 for r in detector.score_documents(texts)) >= 3


@pytest.mark.parametrize("n", [1, 2, 5, 12])
def test_the_top_items_are_those_of_the_full_evidence(detector, texts, n):
    full = list(detector.score_documents(texts))
    top = list(detector.score_documents(texts, top_evidence=n))
    for f, t in zip(full, top):
        assert _items(t) == _items(f)[:n]
        for fs, ts in zip(f.sentences, t.sentences):  # each sentence keeps its own, in its own order
            assert ts.evidence == [e for e in fs.evidence if e in _items(t)]
            assert (ts.probability, ts.flagged, ts.text) == (fs.probability, fs.flagged, fs.text)
        assert (t.likelihood, t.verdict, t.n_flagged, t.notes) == (f.likelihood, f.verdict, f.n_flagged, f.notes)


def test_audit_rows_are_the_same_with_and_without_sentence_rows(detector, texts):
    records = [Record(seq=i, id=f"d{i}", source="test", payload=t) for i, t in enumerate(texts)]
    rows_top, none = score_records(records, detector, sentences=False)
    rows_full, sentence_rows = score_records(records, detector, sentences=True)
    assert none == [] and sentence_rows
    assert rows_top == rows_full
    assert sum(bool(r["top_evidence"]) for r in rows_top) >= 3
