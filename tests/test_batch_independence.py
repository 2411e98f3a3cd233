"""A score is a function of the text and the model only: never of what else is scored with it.

Issue 17: the same document scored alone, with others, in another order or with another batch
size must get the same bits. The features are checked too, since a last-bit difference in a
feature can flip a tree split and move a probability by 0.1.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spin_detect
from spin_detect.learning.spinner import spin_text
from spin_detect.text.segment import split_sentences

BASE = [
    "North Korea on Tuesday warned of a powerful response to joint military drills by South Korea and the "
    "United States, the Korean Central News Agency said.",
    "Analysts said Pyongyang would probably end up returning to talks if it could secure food and economic aid.",
    "The statement accused Washington of preparing for war and said the exercises in the second year of the "
    "standoff were a rehearsal for an invasion.",
    "As a matter of fact, on the other hand, in order to make up for it they set up a new deal in spite of that.",
    "The president stated that the government would take into account the needs of the people at the end of "
    "the day.",
    "He ended up finding himself at the end of the day in spite of the fact that nobody came to the meeting.",
    "Shares of the company rose 3.5% to $41.20 in New York after it reported higher quarterly profits.",
    "The International Atomic Energy Agency said its inspectors would return to the site for example next week.",
]


@pytest.fixture(scope="module")
def detector():
    return spin_detect.load_detector()


@pytest.fixture(scope="module")
def pool(detector):
    docs = []
    for i, text in enumerate(BASE):
        docs.append(text)
        for style, rate in (("commercial", 0.5), ("wordnet", 0.3), ("mixed", 0.6)):
            docs.append(spin_text(text, style=style, seed=10 * i + len(docs), rate=rate).text)
    # multi-sentence documents, so that documents share batches in different ways
    docs += [" ".join(docs[j : j + 3]) for j in range(0, len(docs) - 3, 5)]
    alone = [detector.score_document(d).to_dict() for d in docs]
    return docs, alone


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_document_reports_do_not_depend_on_the_batch(detector, pool, data):
    docs, alone = pool
    picks = data.draw(st.lists(st.integers(0, len(docs) - 1), min_size=1, max_size=12), label="documents")
    batch = data.draw(st.integers(1, 60), label="batch_sentences")
    got = [r.to_dict() for r in detector.score_documents([docs[i] for i in picks], batch_sentences=batch)]
    assert got == [alone[i] for i in picks]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_sentence_features_do_not_depend_on_the_batch(detector, pool, data):
    docs, _ = pool
    sentences = [s.text for d in docs for s in split_sentences(d)]
    picks = data.draw(st.lists(st.integers(0, len(sentences) - 1), min_size=2, max_size=25), label="sentences")
    texts = [sentences[i] for i in picks]
    together = detector.features(texts)
    for k, text in enumerate(texts):
        one = detector.features([text])
        rows = np.flatnonzero(together.tok_sent == k)
        np.testing.assert_array_equal(together.sent[k], one.sent[0])
        np.testing.assert_array_equal(together.tok[rows], one.tok)
        assert [together.originals[r] for r in rows] == one.originals


def test_the_property_can_fail(detector, pool):
    # The comparison above is exact: a report from another document is told apart.
    docs, alone = pool
    assert detector.score_document(docs[1]).to_dict() != alone[0]
