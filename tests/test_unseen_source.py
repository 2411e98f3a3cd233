"""Tables that never saw a source (scripts/unseen_source.py), counted from texts the test writes."""

from __future__ import annotations

import numpy as np

from scripts.unseen_source import count_tables
from spin_detect.features import default_extractor
from spin_detect.features.extractor import FeatureExtractor
from spin_detect.learning.model import extract
from spin_detect.tables.packaged import default_reference
from spin_detect.tables.reference import UNK, ReferenceStats
from spin_detect.tables.trigrams import Trigrams

TEXTS = ["The council met on Monday. The council said the vote would come later."] * 3 + [
    "A rare aardvark crossed the road on Monday."]


def test_tables_keep_the_packaged_ids_and_make_rare_words_unknown(tmp_path):
    info = count_tables(iter(TEXTS), tmp_path / "r.bin", tmp_path / "t.bin", {"without_source": "test"})
    ref, packaged = ReferenceStats.load(tmp_path / "r.bin"), default_reference()
    assert info["documents"] == 4 and info["without_source"] == "test"
    assert len(ref.vocab) == len(packaged.vocab)
    index = {w: i for i, w in enumerate(packaged.vocab)}
    council, aardvark = index["council"], index["aardvark"]
    assert ref.vocab[council] == "council" and ref.unigram[council] == 6
    # seen once: <unk> now, its id kept but its vocabulary line unreachable
    assert ref.unigram[aardvark] == 0 and ref.vocab[aardvark] != "aardvark"
    assert ref.unigram[UNK] >= 1
    # pairs seen twice or more are kept ("the council" 6 times); once-seen pairs are not
    keys = set(ref.bigram_keys.tolist())
    assert (index["the"] << 32 | council) in keys
    assert (index["rare"] << 32 | aardvark) not in keys
    tri = Trigrams.load(tmp_path / "t.bin")
    assert len(tri) > 0 and tri.vocab_size == len(packaged.vocab)


def test_an_extractor_over_them_scores_text(tmp_path):
    count_tables(iter(TEXTS * 2), tmp_path / "r.bin", tmp_path / "t.bin", {})
    ex = default_extractor()
    unseen = FeatureExtractor(ReferenceStats.load(tmp_path / "r.bin"), ex.th, ex.neighbours,
                              trigrams=Trigrams.load(tmp_path / "t.bin"), topics=ex.topics)
    text = ["The council met on Monday in the capital."]
    a, b = extract(text, ex), extract(text, unseen)
    assert a.tok.shape == b.tok.shape and np.isfinite(b.sent).all()
    assert not np.array_equal(a.tok, b.tok)  # other counts, other features
