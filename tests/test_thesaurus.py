import pytest

from spin_detect.tables.thesaurus import Thesaurus, write_thesaurus


@pytest.fixture
def small(tmp_path):
    entries = [
        ("said", "stated", "v", "VBD", 0, 0),
        ("said", "mentioned", "v", "VBD", 2, 0),
        ("said", "mentioned", "v", "VBN", 1, 0),  # same pair again: lowest rank kept
        ("end up", "wind up", "v", "VB", 0, 0),
        ("forces", "troops", "n", "NNS", 0, 0),
        ("forces", "compels", "v", "VBZ", 0, 0),
        ("said", "said", "v", "VBD", 0, 0),  # self-synonyms are dropped
    ]
    return write_thesaurus(tmp_path / "t.bin", entries)


def test_lookup(small):
    assert [s.text for s in small.synonyms("said")] == ["mentioned", "stated"] or [
        s.text for s in small.synonyms("said")] == ["stated", "mentioned"]
    by_text = {s.text: s for s in small.synonyms("Said")}
    assert by_text["mentioned"].rank == 1
    assert set(by_text) == {"stated", "mentioned"}
    assert [s.text for s in small.synonyms("forces", pos="n")] == ["troops"]
    assert [s.text for s in small.synonyms("forces", pos="v")] == ["compels"]
    assert small.synonyms("unknown") == []
    assert "end up" in small and "end" not in small
    assert len(small) == 3


def test_multiword_matching(small):
    words = ["they", "will", "end", "up", "there"]
    assert small.match_at(words, 2) == ["end up"]
    assert small.match_at(words, 0) == []
    assert small.max_words == 2


def test_packaged_thesaurus_inflects():
    th = Thesaurus.load()
    said = {s.text for s in th.synonyms("said")}
    assert {"stated", "told"} <= said
    assert "readed" not in {s.text for s in th.synonyms("read")}
    assert "finish up" in {s.text for s in th.synonyms("end up")}
    assert "ended up" in th and "ending up" in th
    # one surface form, two parts of speech, each inflected its own way
    forces = th.synonyms("forces")
    assert any(s.pos == "v" and s.text == "coerces" for s in forces)
    assert any(s.pos == "n" and s.tag == "NNS" for s in forces)
    assert {"offices", "bureaux"} <= {s.text for s in th.synonyms("agencies")}  # irregular plural
    assert len(th) > 100_000
