import math

import numpy as np
import pytest

from spin_detect.input.corpus import TextCorpus
from spin_detect.tables.reference import BOS, EOS, UNK, ReferenceBuilder, ReferenceStats, build_reference

DOCS = [
    ("a.txt", "The Security Council met today. The Security Council voted."),
    ("b.txt", "The council met. The safety rules changed."),
    ("c.txt", "The Security Council met again."),
]


@pytest.fixture
def ref(tmp_path):
    return build_reference(DOCS, tmp_path / "ref.bin", min_count=1, min_pair_count=1)


def test_counts_are_exact(ref):
    # "the" starts every sentence: 5 sentences, 5 times.
    assert ref.count(ref.ids(["the"]))[0] == 5
    assert ref.count(ref.ids(["Security"]))[0] == 3
    a, b = ref.ids(["security", "the", "safety"]), ref.ids(["council", "security", "council"])
    assert ref.pair_count(a, b).tolist() == [3, 3, 0]
    # sentence boundaries are pairs too, the seam between sentences is not
    assert ref.pair_count(np.array([BOS]), ref.ids(["the"]))[0] == 5
    assert ref.pair_count(ref.ids(["."]), np.array([EOS]))[0] == 5
    assert ref.pair_count(np.array([EOS]), np.array([BOS]))[0] == 0
    assert ref.total == 5 * 2 + sum(len(s.split()) + 1 for s in [
        "The Security Council met today", "The Security Council voted",
        "The council met", "The safety rules changed", "The Security Council met again"])


def test_probabilities_are_normalised_and_ordered(ref):
    # P(. | w) over the whole vocabulary sums to 1 for a seen history.
    a = np.full(len(ref), ref.word_id("security"))
    p = np.exp(ref.cond_logprob(a, np.arange(len(ref))))
    assert p.sum() == pytest.approx(1.0, abs=1e-9)
    sec, saf, council = (ref.ids([w]) for w in ("security", "safety", "council"))
    assert ref.pmi(sec, council)[0] > ref.pmi(saf, council)[0]
    assert ref.cond_logprob(sec, council)[0] == pytest.approx(math.log((3 - 0.75) / 3 + 0.75 * 1 / 3 *
        (ref.preceders[council[0]] + 0.5) / (ref.bigram_types + 0.5 * len(ref))))


def test_unknown_words_and_exclusion(tmp_path):
    ref = build_reference(DOCS, tmp_path / "r.bin", exclude=["b.txt"], min_count=1, min_pair_count=1)
    assert ref.word_id("safety") == UNK
    assert ref.word_id("zebra") == UNK
    assert ref.meta["excluded_documents"] == 1
    assert ref.count(np.array([UNK]))[0] == 0
    assert np.isfinite(ref.cond_logprob(np.array([UNK]), np.array([UNK]))).all()


def test_exclusion_from_files_is_counted_in_the_metadata(tmp_path):
    """build-reference --exclude used to write excluded_documents: 0 (the files were skipped before the builder)."""
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    for name, (_, text) in zip(["a.txt", "b.txt", "sub/c.txt"], DOCS):
        (corpus / name).write_text(text)
    (corpus / "sub" / "d.txt.gz").write_bytes(b"not gzip")  # unreadable: neither counted nor excluded
    skipped = []
    docs = TextCorpus([corpus], exclude={"b.txt"}, on_skip=skipped.append)
    ref = build_reference(docs, tmp_path / "r.bin", min_count=1, min_pair_count=1)
    assert ref.meta["excluded_documents"] == 1
    assert ref.meta["documents"] == 2
    assert ref.word_id("safety") == UNK  # only b.txt has it
    assert (docs.read, docs.excluded, docs.failed) == (2, 1, 1)
    assert len(skipped) == 1 and "d.txt.gz: cannot read" in str(skipped[0])
    # ids excluded by build_reference itself count too
    ref = build_reference(TextCorpus([corpus], exclude={"b.txt"}), tmp_path / "r2.bin", exclude={"a.txt"},
                          min_count=1, min_pair_count=1)
    assert ref.meta["excluded_documents"] == 2 and ref.meta["documents"] == 1


def test_pruning_and_min_count(tmp_path):
    ref = build_reference(DOCS, tmp_path / "r.bin", min_count=2, min_pair_count=2)
    assert ref.word_id("safety") == UNK  # seen once
    assert ref.meta["unk_types"] > 0
    sec, council = ref.ids(["security"]), ref.ids(["council"])
    assert ref.pair_count(sec, council)[0] == 3
    assert ref.pair_count(ref.ids(["council"]), ref.ids(["voted"]))[0] == 0  # pruned singleton
    assert ref.bigram_types > len(ref.bigram_keys)


def test_build_is_deterministic(tmp_path):
    build_reference(DOCS, tmp_path / "1.bin", min_count=1)
    build_reference(DOCS, tmp_path / "2.bin", min_count=1)
    assert (tmp_path / "1.bin").read_bytes() == (tmp_path / "2.bin").read_bytes()


def test_nothing_to_count(tmp_path):
    with pytest.raises(ValueError, match="no text"):
        build_reference([("x", "")], tmp_path / "r.bin")


def test_builder_handles_odd_text(tmp_path):
    b = ReferenceBuilder(min_count=1, min_pair_count=1)
    b.add_text("caf\u00e9 \ufffd\ufffd na\u00efve \x00 ok.")
    b.add_text("")
    ref = b.build(tmp_path / "r.bin")
    assert ref.word_id("café") != UNK
    assert ref.meta["documents"] == 2


def test_packaged_reference_loads_and_knows_english():
    ref = ReferenceStats.load()
    assert len(ref) > 50_000
    sec, saf, council = (ref.ids([w]) for w in ("security", "safety", "council"))
    assert ref.pmi(sec, council)[0] > ref.pmi(saf, council)[0] + 1.0
    assert ref.pair_count(ref.ids(["of"]), ref.ids(["the"]))[0] > 100_000


@pytest.mark.slow
def test_builder_survives_a_fifty_megabyte_line(tmp_path):
    b = ReferenceBuilder(min_count=1, min_pair_count=1)
    b.add_text("The council met. " + "y" * 50_000_000)
    ref = b.build(tmp_path / "r.bin")
    assert ref.word_id("council") != UNK
    assert ref.meta["sentences"] == 1 + 25_000


def test_trigram_table_counts_and_reference_tie(tmp_path):
    import numpy as np

    from spin_detect.tables.store import DataFormatError
    from spin_detect.tables.trigrams import Trigrams, trigram_fingerprints, write_trigrams

    ref = build_reference(DOCS, tmp_path / "r.bin", min_count=1, min_pair_count=1)
    other = build_reference([("x", "Other text here.")], tmp_path / "o.bin", min_count=1)
    a, b, c = (ref.ids(w.split()) for w in ("the security", "security council", "council met"))
    fps = trigram_fingerprints(np.r_[a[0], a[0], a[0]], np.r_[b[0], b[0], b[0]], np.r_[c[0], c[0], c[1]], len(ref))
    tri = write_trigrams(tmp_path / "t.bin", fps, {"reference_sha256": ref.sha256, "vocab_size": len(ref),
                                                     "min_count": 1})
    # (the, security, council) twice, (the, security, met) once
    assert tri.count(a[:1], b[:1], c[:1]).tolist() == [2]
    assert tri.count(a[:1], b[:1], c[1:]).tolist() == [1]
    assert tri.count(c[:1], b[:1], a[:1]).tolist() == [0]
    with pytest.raises(DataFormatError, match="another reference"):
        Trigrams.load(tmp_path / "t.bin", reference=other)
