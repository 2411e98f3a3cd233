import json
import shutil

import numpy as np
import pytest

import spin_detect
from spin_detect.config import DecisionConfig
from spin_detect.detector import ModelError, load_detector
from spin_detect.learning.persist import default_model_dir
from spin_detect.learning.spinner import spin_text

# Original text written for these tests (news and encyclopaedic registers).
ORIGINAL_NEWS = """Oil prices rose on Tuesday after the producers' group said it would keep output unchanged until the end of the year.

Brent crude was up 1.2 pct at 84.50 dlrs a barrel by midday in London, while U.S. crude gained 90 cents.

Analysts said the decision had been widely expected, but warned that weak demand in Europe and China could weigh on prices in the coming months.

The group will meet again in June to review the market, a spokesman told reporters."""

ORIGINAL_ENCYCLOPAEDIC = """The river rises in the hills north of the town and flows south for about 120 kilometres before it joins the sea.

Its valley was settled in the Bronze Age, and the remains of several hill forts can still be seen along its banks.

In the nineteenth century the river powered a number of mills, most of which closed after the Second World War."""


@pytest.fixture(scope="module")
def det():
    return load_detector()


def test_score_sentences_shape_order_and_range(det):
    sents = ["The meeting ended without agreement.", "Yes.", "", "Prices rose 5 pct last year."]
    p = det.score_sentences(sents)
    assert p.shape == (4,)
    assert ((p >= 0) & (p <= 1)).all()
    # each string is one sentence, in order: scoring one alone gives the same number
    assert det.score_sentences([sents[3]])[0] == pytest.approx(p[3])
    assert det.score_sentences([]).shape == (0,)
    with pytest.raises(TypeError):
        det.score_sentences([3])


def test_spun_sentences_score_higher_than_their_originals(det):
    originals = [s for para in (ORIGINAL_NEWS + "\n\n" + ORIGINAL_ENCYCLOPAEDIC).split("\n\n")
                 for s in [para.strip()]]
    spun = [spin_text(s, "commercial", rate=0.4, seed=1).text for s in originals]
    po, ps = det.score_sentences(originals), det.score_sentences(spun)
    assert ps.mean() > po.mean() + 0.3
    assert (ps > po).sum() >= len(originals) - 1


@pytest.mark.parametrize("text", [ORIGINAL_NEWS, ORIGINAL_ENCYCLOPAEDIC])
def test_original_documents_are_not_flagged(det, text):
    r = det.score_document(text)
    assert r.verdict == "original", [(s.text, s.probability) for s in r.sentences]


def test_heavily_spun_document_is_flagged_with_evidence(det):
    spun = spin_text(ORIGINAL_NEWS, "commercial", rate=0.5, seed=3)
    r = det.score_document(spun.text)
    assert r.verdict == "spun"
    assert r.n_flagged >= 2
    evidence = [e for s in r.sentences for e in s.evidence]
    assert evidence
    for s in r.sentences:
        assert spun.text[s.start : s.end] == s.text
        for e in s.evidence:
            assert spun.text[e.start : e.end] == e.word
    # most evidence words are words the spinner really put in
    changed = [(c.start, c.end) for c in spun.changes]
    hits = sum(any(a <= e.start < b for a, b in changed) for e in evidence)
    assert hits >= 0.6 * len(evidence)


def test_special_verdicts(det):
    assert det.score_document("").verdict == "empty"
    assert det.score_document("Hello there.").verdict == "too_short"
    german = ("Die Bundesregierung hat am Dienstag neue Maßnahmen beschlossen, um die Wirtschaft zu stärken. "
              "Der Finanzminister sagte, die Lage sei schwierig, aber beherrschbar.")
    r = det.score_document(german)
    assert r.verdict == "out_of_scope" and r.notes


def test_report_json_and_presets(det):
    r = det.score_document(ORIGINAL_NEWS)
    d = json.loads(json.dumps(r.to_dict()))
    assert d["schema"] == "spin-detect/report/1"
    assert d["model"]["name"] == "default"
    strict = load_detector(config=DecisionConfig(preset="strict"))
    sensitive = load_detector(config=DecisionConfig(preset="sensitive"))
    assert strict.score_document(ORIGINAL_NEWS).threshold >= r.threshold >= \
        sensitive.score_document(ORIGINAL_NEWS).threshold
    with pytest.raises(ValueError, match="preset"):
        DecisionConfig(preset="paranoid")


def test_lazy_documents_match_single_scoring(det):
    docs = [ORIGINAL_NEWS, spin_text(ORIGINAL_NEWS, "wordnet", rate=0.3).text, ORIGINAL_ENCYCLOPAEDIC]
    lazy = list(det.score_documents(iter(docs), batch_sentences=3))
    for text, rep in zip(docs, lazy):
        assert rep.likelihood == pytest.approx(det.score_document(text).likelihood)


def test_top_level_api():
    assert spin_detect.load_detector is load_detector
    with pytest.raises(AttributeError):
        spin_detect.no_such_thing  # noqa: B018


def test_altered_or_foreign_models_are_refused(tmp_path):
    folder = tmp_path / "m"
    shutil.copytree(default_model_dir(), folder)
    load_detector(folder)  # an intact copy loads
    data = bytearray((folder / "model.npz").read_bytes())
    data[-10] ^= 0xFF
    (folder / "model.npz").write_bytes(bytes(data))
    with pytest.raises(ModelError, match="checksum"):
        load_detector(folder)
    shutil.copy(default_model_dir() / "model.npz", folder / "model.npz")
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps({**manifest, "version": 99}))
    with pytest.raises(ModelError, match="cannot be read"):
        load_detector(folder)
    # a model made by another version with other features is refused with a reason, not a shape error
    old = {**manifest, "spin_detect_version": "0.1.0", "token_features": manifest["token_features"][:-1]}
    (folder / "manifest.json").write_text(json.dumps(old))
    with pytest.raises(ModelError, match=r"other token features .* retrain .* spin-detect 0\.1\.0"):
        load_detector(folder)
    # --trust-model: a model file that no longer matches its manifest's checksum loads (it is data)
    (folder / "manifest.json").write_text(json.dumps({**manifest, "sha256": "0" * 64}))
    with pytest.raises(ModelError, match="checksum"):
        load_detector(folder)
    assert np.isfinite(load_detector(folder, trust_unverified=True).score_sentences(["A test."])).all()
    (folder / "manifest.json").unlink()
    with pytest.raises(ModelError, match="no manifest"):
        load_detector(folder, trust_unverified=True)
    with pytest.raises(ModelError, match="no model.npz"):
        load_detector(tmp_path)
    with pytest.raises(ModelError, match="no such model folder"):
        load_detector(tmp_path / "nowhere")
    (tmp_path / "notes.txt").write_text("not a model")
    with pytest.raises(ModelError, match=r"notes\.txt: a file, not a model folder"):
        load_detector(tmp_path / "notes.txt")


@pytest.mark.parametrize("content", ["[1, 2]", '"text"', "{not json", "\udcff".encode("utf-8", "surrogatepass")])
def test_malformed_manifests_are_refused_cleanly(tmp_path, content):
    folder = tmp_path / "m"
    shutil.copytree(default_model_dir(), folder)
    path = folder / "manifest.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(ModelError, match="manifest"):
        load_detector(folder)


def test_text_in_an_encoding_not_recognised_is_out_of_scope(det):
    from spin_detect.input.prepare import prepare_document

    japanese = "日本の首相は月曜日、来週ジュネーブで協議を再開すると述べた。代表団は朝に短時間会合し、議題に合意した。" * 3
    doc = prepare_document(japanese.encode("shift_jis"), "ja.txt")  # no charset anywhere: read as Windows-1252
    assert doc.encoding in ("cp1252", "utf-8+cp1252")
    report = det.score_document(doc.text)
    assert report.verdict == "out_of_scope" and "characters are not English letters" in report.notes[0]
    assert det.score_document(ORIGINAL_NEWS.replace("said", "said \u201cthat\u201d \u2014")).verdict == "original"


def test_words_the_reference_does_not_know_count_towards_the_english_check(det):
    """Unknown words are words: gibberish and Latin with a few English words among them are not judged
    (they were, when only known words were counted and every one of them was "known")."""
    import random

    rng = random.Random(1)
    syll = ["ka", "lo", "mi", "tru", "zen", "pof", "dra", "vu", "xe", "qil"]
    words = ["".join(rng.choice(syll) for _ in range(3)) for _ in range(200)]
    for i in range(0, 200, 10):
        words[i] = rng.choice(["the", "of", "and", "to", "in"])
    gibberish = " ".join(words[:100]) + ". " + " ".join(words[100:]) + "."
    lorem = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et "
             "dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut "
             "aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse.")
    for text in (gibberish, lorem):
        r = det.score_document(text)
        assert r.verdict == "out_of_scope" and "spin-detect judges English text only" in r.notes[0]
    short_chinese = "北京是中华人民共和国的首都，也是全国的政治、文化和科技创新中心。"
    assert det.score_document(short_chinese).verdict == "out_of_scope"  # not "too short" for want of English words
    r = det.score_document("Hello")
    assert r.verdict == "too_short" and r.notes[0].startswith("only 1 word;")


def test_the_api_refuses_one_string_for_a_list_and_caps_a_huge_text(det, monkeypatch):
    with pytest.raises(TypeError, match=r"takes a list of sentences, not one str: pass \[text\]"):
        det.score_sentences("He stated the plan would cost more.")
    with pytest.raises(TypeError, match="takes a list of documents"):
        list(det.score_documents("just one string"))
    from pathlib import Path
    with pytest.raises(TypeError, match="got PosixPath as item 0: read the file first"):
        list(det.score_documents([Path("article.txt")]))
    with pytest.raises(TypeError, match="got bytes"):
        det.score_document(b"The council met.")
    import spin_detect.detector as detector_module

    monkeypatch.setattr(detector_module, "MAX_DOCUMENT_CHARS", 60)
    text = "The council met on Monday to discuss the budget. " * 4
    r = det.score_document(text)
    assert r.notes[0] == f"document of {len(text):,} characters scored on its first 60"
    assert r.sentences[-1].end <= 60


def test_a_report_that_is_not_judged_has_no_judgement_in_its_dict(det):
    r = det.score_document("Hello there.")
    assert r.verdict == "too_short" and not r.judged
    d = r.to_dict()
    assert d["likelihood"] is None and d["n_flagged"] is None
    assert all(s["probability"] is None and s["flagged"] is None and s["evidence"] == [] for s in d["sentences"])
    judged = det.score_document("The council met on Monday to discuss the budget for the coming year.").to_dict()
    assert isinstance(judged["likelihood"], float)


def test_the_verdict_follows_the_numbers_the_report_shows(det):
    from pathlib import Path

    text = (Path(spin_detect.__file__).parent / "examples" / "spun_article.txt").read_text()
    p = det.score_document(text).likelihood
    for t in (p + 0.00004, p - 0.00004, p + 0.0001, 0.99999, 0.00001):
        d = load_detector(config=DecisionConfig(document_threshold=min(max(t, 0.0), 1.0))).score_document(text)
        assert (d.verdict == "spun") == (d.likelihood >= d.threshold), (t, d.likelihood, d.threshold)
    from spin_detect.report import pct_apart

    assert pct_apart(0.99996, 1.0) == (">99.99%", "100%") and pct_apart(0.00004, 0.5) == ("<0.01%", "50%")
    assert pct_apart(0.835, 0.842) == ("83.5%", "84.2%") and pct_apart(0.9, 0.9) == ("90%", "90%")


def test_a_text_that_reads_as_original_flags_no_sentence(det):
    # The bundled example reads as original (1%), though one of its sentences scores 78% on its own: a
    # sentence is spun only if its document is, so below DecisionConfig.flag_document_floor none is flagged.
    from pathlib import Path

    text = (Path(spin_detect.__file__).parent / "examples" / "spun_article.txt").read_text()
    report = det.score_document(text)
    assert report.likelihood < DecisionConfig().flag_document_floor
    over = [s for s in report.sentences if s.probability >= 0.5]
    assert over and not any(s.flagged for s in report.sentences) and report.n_flagged == 0
    every = load_detector(config=DecisionConfig(flag_document_floor=0.0)).score_document(text)
    assert [s.index for s in every.sentences if s.flagged] == [s.index for s in over]
    with pytest.raises(ValueError, match="flag_document_floor"):
        DecisionConfig(flag_document_floor=1.5)
    # A document threshold under the floor: the document is spun, so its sentences over 0.5 are flagged.
    low = load_detector(config=DecisionConfig(document_threshold=report.likelihood / 2)).score_document(text)
    assert low.verdict == "spun" and [s.index for s in low.sentences if s.flagged] == [s.index for s in over]


def test_what_score_shows_of_a_text_that_reads_as_original(tmp_path):
    from pathlib import Path

    from typer.testing import CliRunner

    from spin_detect.cli import app

    example = str(Path(spin_detect.__file__).parent / "examples" / "spun_article.txt")
    note = "not flagged: the text as a whole reads as original"
    res = CliRunner().invoke(app, ["score", example, "--html", str(tmp_path / "a.html")])
    assert res.exit_code == 0 and "0 of 7 sentences flagged" in res.output and note in res.output
    page = (tmp_path / "a.html").read_text()
    assert "background-color: rgba" not in page.split("<h2>Text</h2>")[1].split("</div>")[0]  # no shading
    # a threshold under the example's likelihood (1%): the document is spun and its sentence over 50% flagged
    res = CliRunner().invoke(app, ["score", example, "--threshold", "0.005", "--html", str(tmp_path / "b.html")])
    assert "SPUN" in res.output and "1 of 7 sentences flagged" in res.output and note not in res.output
    assert "background-color: rgba" in (tmp_path / "b.html").read_text().split("<h2>Text</h2>")[1]
