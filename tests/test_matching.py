"""Source matching: signatures that survive synonym swaps, alignment and its swaps, relations, the index folder,
and match_sources (spin_detect/matching/)."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
from corpus_fixtures import ORIGINAL, SPUN

from spin_detect.learning.spinner import spin_text
from spin_detect.matching import MatchConfig, SourceIndex, SourceIndexError, match_sources
from spin_detect.matching.align import align
from spin_detect.matching.index import signer_of
from spin_detect.matching.pairs import estimated_jaccard
from spin_detect.matching.signature import immutables, shingles, words

#: A story on the same topic as ORIGINAL, in words of its own: must never be paired with it.
UNRELATED = ("Negotiators from both countries arrived in Vienna on Sunday evening for a new round of discussions. "
             "Diplomats expect the meeting to focus on sanctions relief and the timetable for inspections. "
             "No statement was issued by either government before the sessions began behind closed doors.")
#: ORIGINAL told again in other words, sharing one sentence word for word.
REWRITE = ("Negotiations are set to restart in Geneva within days, following a break that lasted several months, "
           "according to government sources speaking at the start of the week. Delegates held a short morning "
           "meeting to fix the order of business. A spokesman for the foreign ministry declined to comment on the "
           "details of the proposal.")


def _jaccard(a: str, b: str) -> float:
    sa, sb = set(shingles(a)), set(shingles(b))
    return len(sa & sb) / len(sa | sb)


def test_immutables_are_function_words_numbers_and_names_not_sentence_starts():
    text = "The talks in Geneva began on 12 May. Officials said the talks of the UN would go on."
    keys = [k for _, k in immutables(text)]
    # "The" is a function word wherever it stands; "Officials" opens a sentence, so its capital says nothing;
    # "talks", "began", "said" are content words, and spinners rewrite "in", "on" and "would"
    assert keys == ["the", "geneva", "12", "may", "the", "of", "the", "un"]


def test_signatures_survive_synonym_swaps_and_not_unrelated_text():
    assert _jaccard(ORIGINAL, SPUN) > 0.7  # the fixture swaps content words only
    heavy = spin_text(ORIGINAL, "mixed", rate=0.35, seed=1).text
    assert _jaccard(ORIGINAL, heavy) > 0.2
    assert _jaccard(ORIGINAL, UNRELATED) < 0.1
    signer = signer_of(MatchConfig())
    h0, h1, h2 = (signer.hashvalues(t) for t in (ORIGINAL, SPUN, UNRELATED))
    assert h0 is not None and h0.dtype == np.uint32 and len(h0) == 128
    assert estimated_jaccard(h0, h1) > 0.5 > 0.1 > estimated_jaccard(h0, h2)
    assert signer.hashvalues("Too short to sign.") is None


def test_alignment_lists_the_exact_swaps_of_a_hand_made_pair():
    original = "Officials said on Monday that the talks would resume in order to end the crisis and help."
    copy = "Officers mentioned on Monday that the negotiations would resume to end the crisis and also help."
    swaps = align(original, copy).swaps("b")
    got = [(s.word, s.original, copy[s.start : s.end]) for s in swaps]
    assert got == [("Officers mentioned", "Officials said", "Officers mentioned"),
                   ("negotiations", "talks", "negotiations"),
                   ("to", "in order to", "to"),          # words dropped join the word after them
                   ("and also", "and", "and also")]      # words added join the word before them
    assert [(s.start, s.end) for s in swaps] == [(0, 18), (38, 50), (64, 66), (82, 90)]
    back = align(copy, original).swaps("a")  # the same from the other side
    assert [(s.word, s.original) for s in back] == [(w, o) for w, o, _ in got]


@pytest.mark.parametrize(("copy", "relation"), [
    (ORIGINAL, "copy"),
    (ORIGINAL + " It was the third round this year, and more are planned before the summer.", "copy"),
    (SPUN, "spun_copy"),
    (REWRITE, "rewrite"),
    (UNRELATED, None),
])
def test_relations(copy, relation):
    assert align(ORIGINAL, copy).relation("b") == relation


def test_short_texts_are_never_related():
    assert align("The talks resume next week.", "The talks resume next week.").relation("b") is None


def test_match_sources_finds_the_original_and_which_is_which():
    rows = list(match_sources([{"id": "copy", "text": SPUN}, {"id": "orig", "text": ORIGINAL},
                               {"id": "other", "text": UNRELATED}]))
    assert [r["id"] for r in rows] == ["copy", "orig", "other"]
    copy, orig, other = rows
    assert copy["source_id"] == "orig" and copy["source_relation"] == "spun_copy"
    assert 0.6 < copy["source_similarity"] < 0.7
    assert len(copy["swaps"]) == 14 and {"start", "end", "word", "original"} == set(copy["swaps"][0])
    assert all(SPUN[s["start"] : s["end"]] == s["word"] for s in copy["swaps"])
    assert "fits native English better" in copy["source_note"]
    assert orig["source_id"] is None and other["source_id"] is None and other["swaps"] is None


def test_dates_decide_before_the_wording():
    rows = list(match_sources([{"id": "a", "text": ORIGINAL, "date": "2024-05-02"},
                               {"id": "b", "text": SPUN, "date": "2024-05-01T10:00:00Z"}]))
    # the spun text is dated earlier: it is taken as the original, and the date is the reason given
    assert rows[0]["source_id"] == "b" and "dated earlier" in rows[0]["source_note"]
    assert rows[1]["source_id"] is None


#: Text of its own that a spam page adds around a copy (no sentence of ORIGINAL).
EXTRA = ("In other news, the city council voted on Tuesday to extend the opening hours of public libraries through "
         "the winter, citing strong demand from students preparing for examinations. The measure passed by a wide "
         "margin after a short debate, and the new hours take effect at the start of next month across all branches.")


@pytest.mark.parametrize("order", [0, 1])
def test_a_spun_copy_with_text_of_its_own_is_the_copy_not_its_original(order):
    # The original aligns as a spun copy of the padded page (all its words equal or swapped), not the reverse:
    # containment cannot tell this from a partial spun copy, so the wording decides, whatever the input order.
    recs = [{"id": "orig", "text": ORIGINAL}, {"id": "spam", "text": SPUN + " " + EXTRA}][:: 1 if order else -1]
    rows = {r["id"]: r for r in match_sources(recs)}
    assert rows["orig"]["source_id"] is None
    spam = rows["spam"]
    assert spam["source_id"] == "orig" and spam["source_relation"] == "spun_copy"
    assert "fits native English better" in spam["source_note"] and len(spam["swaps"]) == 13
    assert {"word": "Officers mentioned", "original": "Officials said"}.items() <= spam["swaps"][0].items()


def test_a_verbatim_excerpt_is_the_copy_of_the_longer_text():
    # The longer text is a rewrite of the excerpt (long shared runs), the excerpt a copy of it: both related, and
    # the verbatim one is the copy, in either input order.
    excerpt = ORIGINAL[: ORIGINAL.index("A spokesman")].strip()
    full = ORIGINAL + " " + EXTRA
    assert align(excerpt, full).relation("b") == "rewrite"
    for recs in ([{"id": "exc", "text": excerpt}, {"id": "full", "text": full}],
                 [{"id": "full", "text": full}, {"id": "exc", "text": excerpt}]):
        rows = {r["id"]: r for r in match_sources(recs)}
        assert rows["exc"]["source_id"] == "full" and rows["exc"]["source_relation"] == "copy"
        assert "contained" in rows["exc"]["source_note"] and rows["full"]["source_id"] is None


def test_plain_strings_and_trusted_sources():
    rows = list(match_sources([SPUN, UNRELATED], sources=[{"id": "wire/1", "text": ORIGINAL}]))
    assert rows[0]["id"] == "0" and rows[0]["source_id"] == "wire/1"
    assert rows[0]["source_note"].endswith("a trusted source")
    assert rows[1]["source_id"] is None
    with pytest.raises(TypeError):
        list(match_sources([{"body": ORIGINAL}]))


def test_index_round_trip(tmp_path):
    idx = SourceIndex()
    idx.add(ORIGINAL, "o", "https://news.example/o", "2024-01-01")
    idx.add(UNRELATED, "u")
    idx.add("Too short.", "s")
    idx.save(tmp_path / "ix")
    header = json.loads((tmp_path / "ix" / "index.json").read_text())
    assert header["format"] == "spin-detect/source-index" and header["documents"] == 3 and header["signed"] == 2
    back = SourceIndex.load(tmp_path / "ix")
    assert [back.text(k) for k in back] == [ORIGINAL, UNRELATED, "Too short."]
    assert back.records[0] == {"id": "o", "url": "https://news.example/o", "date": "2024-01-01", "source": None}
    assert back.hashvalues(2) is None
    assert np.array_equal(back.hashvalues(0), idx.hashvalues(0))
    hv = signer_of(MatchConfig()).hashvalues(SPUN)
    assert back.candidates(hv) == idx.candidates(hv) == [0]
    rows = list(match_sources([SPUN], sources=str(tmp_path / "ix")))
    assert rows[0]["source_id"] == "o" and rows[0]["source_relation"] == "spun_copy"


def test_an_index_loaded_and_added_to_keeps_every_text(tmp_path):
    idx = SourceIndex()
    idx.add(UNRELATED, "u")
    idx.save(tmp_path / "ix")
    back = SourceIndex.load(tmp_path / "ix")
    assert back.add(ORIGINAL, "o") == 1
    assert [back.text(k) for k in back] == [UNRELATED, ORIGINAL]
    hv = signer_of(MatchConfig()).hashvalues(SPUN)
    assert back.candidates(hv) == [1]
    back.save(tmp_path / "ix2")
    again = SourceIndex.load(tmp_path / "ix2")
    assert [again.text(k) for k in again] == [UNRELATED, ORIGINAL] and again.candidates(hv) == [1]


def _saved(tmp_path):
    idx = SourceIndex()
    idx.add(ORIGINAL, "o")
    idx.save(tmp_path / "ix")
    return tmp_path / "ix"


def test_a_tampered_index_is_refused(tmp_path):
    folder = _saved(tmp_path)
    data = bytearray((folder / "texts.bin").read_bytes())
    data[5] ^= 0xFF
    (folder / "texts.bin").write_bytes(bytes(data))
    with pytest.raises(SourceIndexError, match="texts.bin does not match its checksum"):
        SourceIndex.load(folder)


def test_a_pickled_index_is_refused_and_never_unpickled(tmp_path):
    folder = _saved(tmp_path)
    marker = tmp_path / "ran"

    class Boom:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    # an archive whose arrays need pickling, with a header whose checksum matches it
    with open(folder / "signatures.npz", "wb") as f:
        np.savez(f, hashvalues=np.array([Boom()], dtype=object), signed=np.ones(1, bool),
                 offsets=np.zeros(2, np.int64))
    header = json.loads((folder / "index.json").read_text())
    from spin_detect.tables.store import file_sha256

    header["sha256"]["signatures.npz"] = file_sha256(folder / "signatures.npz")
    (folder / "index.json").write_text(json.dumps(header))
    with pytest.raises(SourceIndexError, match="not a plain numeric archive|expected"):
        SourceIndex.load(folder)
    assert not marker.exists()
    # a pickle posing as the header is not an index at all
    (folder / "index.json").write_bytes(pickle.dumps({"format": "spin-detect/source-index"}))
    with pytest.raises(SourceIndexError, match="cannot be read|not a"):
        SourceIndex.load(folder)


def test_an_index_of_another_version_or_settings_is_refused(tmp_path):
    folder = _saved(tmp_path)
    header = json.loads((folder / "index.json").read_text())
    (folder / "index.json").write_text(json.dumps({**header, "version": 99}))
    with pytest.raises(SourceIndexError, match="version 99"):
        SourceIndex.load(folder)
    (folder / "index.json").write_text(json.dumps(header))
    with pytest.raises(SourceIndexError, match="other signature settings"):
        SourceIndex.load(folder, MatchConfig(num_perm=64, bands=32))
    with pytest.raises(SourceIndexError, match="no index.json"):
        SourceIndex.load(tmp_path)


def test_words_have_offsets_into_the_text():
    text = "U.S. officials’ talks—in Geneva, don’t."
    assert [(w.key, text[w.start : w.end]) for w in words(text)] == [
        ("u.s", "U.S"), ("officials", "officials"), ("talks", "talks"), ("in", "in"), ("geneva", "Geneva"),
        ("don't", "don’t")]


def test_a_copy_that_hides_characters_is_the_copy_it_looks_like():
    # Zero-width spaces and soft hyphens inside words, and Cyrillic look-alike letters, hide a copy from a
    # duplicate check; a reader sees the original. Matching reads words as the detector does (normalised), so
    # both are copies of the original with similarity 1, with no swaps (they were 'spun copies' with a swap
    # at every hidden character, their likelihood raised to 99%, or not matched at all).
    hidden = ORIGINAL.replace("officials", "offi\u200bcials").replace("delegations", "dele\u00adgations")
    lookalike = ORIGINAL.replace("a", "\u0430").replace("o", "\u043e")
    for text in (hidden, lookalike):
        rows = list(match_sources([{"id": "copy", "text": text}], sources=[{"id": "wire/1", "text": ORIGINAL}]))
        assert rows[0]["source_id"] == "wire/1" and rows[0]["source_relation"] == "copy", rows[0]
        assert rows[0]["source_similarity"] == 1.0 and not rows[0]["swaps"]
    spun = SPUN.replace("negotiations", "nego\u200btiations")
    row = next(iter(match_sources([{"id": "copy", "text": spun}], sources=[{"id": "wire/1", "text": ORIGINAL}])))
    assert row["source_relation"] == "spun_copy"
    assert all(spun[s["start"] : s["end"]] == s["word"] for s in row["swaps"])  # offsets into the text as given
    assert any(s["word"] == "nego\u200btiations" and s["original"] == "talks" for s in row["swaps"])


def test_a_pair_that_fails_is_a_note_not_a_crash(monkeypatch):
    import spin_detect.matching.api as api

    real = api.assess_pair

    def fragile(a, b, *args, **kw):
        if "Negotiators" in b.text or "Negotiators" in a.text:
            raise RuntimeError("boom")
        return real(a, b, *args, **kw)

    monkeypatch.setattr(api, "assess_pair", fragile)
    hybrid = ORIGINAL + " " + UNRELATED  # a candidate of both
    rows = list(match_sources([ORIGINAL, SPUN, UNRELATED, hybrid]))
    assert rows[1]["source_id"] == "0" and rows[1]["source_relation"] == "spun_copy"  # the others go on
    assert rows[3]["match_error"].startswith("aligning with") and "RuntimeError: boom" in rows[3]["match_error"]


def test_a_copy_whose_original_aligns_as_its_spun_copy_is_a_spun_copy_with_text_of_its_own():
    # The page holds a spun version of the original and a paragraph of its own: only a rewrite of it by its own
    # share of long runs, but the original aligns as a spun copy of it, and the wording says which one is spun.
    from spin_detect.matching.pairs import Doc, PairVerdict, orient, verdict_fields

    v = PairVerdict(0, 1, False, 0.3, relation_a="spun_copy", relation_b="rewrite", share_a=0.7, share_b=0.5)
    a, b = Doc(0, "orig", "", likelihood=0.01), Doc(1, "page", "", likelihood=0.99)
    copy, why = orient(v, a, b)
    assert copy == "b" and "fits native English better" in why
    assert verdict_fields(v, copy, "orig", why)["source_relation"] == "spun_copy"
    # with nothing to tell them apart, the side that aligns as a spun copy is the one contained in the other
    a, b = Doc(0, "orig", ""), Doc(1, "page", "")
    assert orient(v, a, b) == ("a", "its text is contained in page's, not the reverse")
    # a rewrite one way only is contained in the other, whatever the likelihoods (which differ by length alone)
    v = PairVerdict(0, 1, False, 0.3, relation_a="rewrite", relation_b=None, share_a=0.3)
    a, b = Doc(0, "short", "", likelihood=0.30), Doc(1, "long", "", likelihood=0.45)
    assert orient(v, a, b) == ("a", "its text is contained in long's, not the reverse")
