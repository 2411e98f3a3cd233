import numpy as np
import pytest

from spin_detect.tables.neighbours import Neighbours, write_neighbors
from spin_detect.tables.packaged import default_neighbours, default_reference
from spin_detect.tables.reference import build_reference
from spin_detect.tables.store import DataFormatError


def test_round_trip_and_reference_check(tmp_path):
    ref = build_reference([("d", "the security council met . the safety council met .")], tmp_path / "r.bin",
                          min_count=1)
    other = build_reference([("d", "something else entirely")], tmp_path / "o.bin", min_count=1)
    sec, saf = ref.word_id("security"), ref.word_id("safety")
    path = tmp_path / "n.bin"
    write_neighbors(path, np.array([sec, saf], dtype=np.uint32), np.array([[saf], [sec]], dtype=np.uint32),
                    np.array([[0.9], [0.2]], dtype=np.float16), {"reference_sha256": ref.sha256})
    nb = Neighbours.load(path, reference=ref)
    assert nb.neighbours_of(ref, "security") == ["safety"]
    assert nb.of(saf, min_sim=0.5).tolist() == []
    assert nb.of(ref.word_id("met")).tolist() == []
    with pytest.raises(DataFormatError, match="another reference"):
        Neighbours.load(path, reference=other)


def test_packaged_neighbours_are_substitutes():
    ref = default_reference()
    nb = default_neighbours()
    assert len(nb) > 40_000
    assert "stated" in nb.neighbours_of(ref, "said")
    assert "month" in nb.neighbours_of(ref, "year")
    assert "navy" in nb.neighbours_of(ref, "military")
