"""Model folders are data: saving, loading, hostile folders, and the exported predictors'
equivalence with the scikit-learn models they were exported from (issue 14)."""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import re
import shutil
import zipfile

import numpy as np
import pytest
from test_train import make_data

import spin_detect
from spin_detect.detector import Detector, ModelError, load_detector
from spin_detect.features import default_extractor
from spin_detect.learning import predictors
from spin_detect.learning.persist import (
    MODEL_FILE,
    _npz_bytes,
    convert_legacy_model,
    default_model_dir,
    model_arrays,
    read_model,
    save_model,
)
from spin_detect.learning.predictors import CappedTrees, IsotonicCalibrated, TreeEnsemble
from spin_detect.learning.spinner import STYLES, spin_text
from spin_detect.learning.train import train_model
from spin_detect.text.segment import split_sentences


class Plant:
    """Unpickling this creates the file ``path``: the proof that loading ran code."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def _manifest(folder, name, data, **fields):
    base = json.loads((default_model_dir() / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps({**base, **fields, "sha256": hashlib.sha256(data).hexdigest(),
                                                      "file": name}))


def test_a_hostile_pickle_with_a_matching_manifest_runs_nothing(tmp_path):
    folder, marker = tmp_path / "m", tmp_path / "planted"
    folder.mkdir()
    data = pickle.dumps(Plant(marker))
    (folder / "model.joblib").write_bytes(data)
    _manifest(folder, "model.joblib", data, version=1)
    for trust in (False, True):
        with pytest.raises(ModelError, match="convert-model .* --trust-model"):
            load_detector(folder, trust_unverified=trust)
    # the same pickle beside a manifest of the new format: still only data files are read
    _manifest(folder, "model.joblib", data)
    with pytest.raises(ModelError, match="pickle format"):
        load_detector(folder)
    assert not marker.exists()


def test_a_hostile_npz_that_needs_pickling_runs_nothing(tmp_path):
    folder, marker = tmp_path / "m", tmp_path / "planted"
    folder.mkdir()
    arrays = dict(np.load(default_model_dir() / MODEL_FILE))
    arrays["token/kind"] = np.array([Plant(marker)], dtype=object)
    buf = io.BytesIO()
    np.savez(buf, **arrays)  # object arrays are pickled into the archive
    data = buf.getvalue()
    (folder / MODEL_FILE).write_bytes(data)
    _manifest(folder, MODEL_FILE, data)
    for trust in (False, True):
        with pytest.raises(ModelError, match="pickling"):
            load_detector(folder, trust_unverified=trust)
    assert not marker.exists()


def _member_with_header(shape, payload: bytes) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f8", "fortran_order": False, "shape": shape})
    return buf.getvalue() + payload


@pytest.mark.parametrize("member", [
    _member_with_header((10**11,), b"\0" * 8),  # claims 800 GB: refused before any allocation
    _member_with_header((2,), b"\0" * 8),  # claims 16 bytes, holds 8
    b"not an npy file at all",
])
def test_malformed_arrays_are_refused(tmp_path, member):
    folder = tmp_path / "m"
    shutil.copytree(default_model_dir(), folder)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf, zipfile.ZipFile(folder / MODEL_FILE) as old:
        for name in old.namelist():
            zf.writestr(name, member if name == "token/value.npy" else old.read(name))
    data = buf.getvalue()
    (folder / MODEL_FILE).write_bytes(data)
    _manifest(folder, MODEL_FILE, data)
    with pytest.raises(ModelError, match="not a spin-detect model"):
        load_detector(folder)


def test_tree_arrays_that_point_backwards_are_refused():
    trees = read_model(default_model_dir())[0].token_model_
    a = trees.to_arrays("")
    a["left"] = a["left"].copy()
    inner = np.flatnonzero(a["left"] >= 0)
    a["left"][inner[3]] = 0  # a loop back to the root
    with pytest.raises(ValueError, match="backwards"):
        TreeEnsemble._from(a, "")


def test_the_shipped_model_is_the_new_format_and_loads_without_scikit_learn():
    folder = default_model_dir()
    assert (folder / MODEL_FILE).is_file() and not (folder / "model.joblib").exists()
    model, manifest = read_model(folder)
    assert manifest["version"] == 2 and manifest["file"] == MODEL_FILE
    assert isinstance(model.token_model_, TreeEnsemble)
    assert isinstance(model.sentence_model_, IsotonicCalibrated)
    assert isinstance(model.document_model_, CappedTrees)
    # saving it again gives the same bytes: a rebuilt model is recommitted only when it changed
    assert _npz_bytes(model_arrays(model)) == (folder / MODEL_FILE).read_bytes()


def _varied_sentences() -> list[str]:
    from test_detector import ORIGINAL_ENCYCLOPAEDIC, ORIGINAL_NEWS

    texts = [ORIGINAL_NEWS, ORIGINAL_ENCYCLOPAEDIC]
    for seed, style in enumerate(list(STYLES) * 6):  # every training style, rates 0.05 to 0.75
        texts.append(spin_text(texts[seed % 2], style=style, rate=0.05 + 0.7 * seed / 41, seed=seed).text)
    odd = ["", "!!!", "Москва является столицей России.", "word " * 300, "3.5 1,200 10:30 1980s", "A", "I can't."]
    return [s.text for t in texts for s in split_sentences(t)] + odd


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    df = make_data()
    ex = default_extractor()
    model, _ = train_model(df, ex, seed=0)
    folder = tmp_path_factory.mktemp("models") / "tiny"
    save_model(model, folder, ex, {"name": "tiny"})
    return model, folder


@pytest.mark.slow
def test_exported_predictors_equal_the_scikit_learn_models(trained, monkeypatch):
    # the export itself, bit for bit: the trees walked without the rounding that makes scores the same on
    # every processor (predictors.portable; test_the_portable_walk_moves_few_words below)
    monkeypatch.setattr(predictors, "portable", lambda X: np.asarray(X, dtype=np.float64))
    fitted, folder = trained
    loaded, _ = read_model(folder)
    det = spin_detect.load_detector()
    sentences = _varied_sentences()
    fs = det.features(sentences)
    assert len(fs.tok) > 3000
    tok_a, tok_b = fitted.token_proba(fs), loaded.token_proba(fs)
    np.testing.assert_allclose(tok_b, tok_a, rtol=0, atol=1e-9)
    np.testing.assert_allclose(loaded.sentence_proba(fs, tok_a), fitted.sentence_proba(fs, tok_a), rtol=0, atol=1e-9)
    rng = np.random.default_rng(0)
    sent_p = rng.random(len(fs))
    doc_index = np.sort(rng.integers(0, 40, len(fs)))
    np.testing.assert_allclose(loaded.document_proba(fs, tok_a, sent_p, doc_index, 40),
                               fitted.document_proba(fs, tok_a, sent_p, doc_index, 40), rtol=0, atol=1e-9)
    # and the reports people read are the same
    docs = [" ".join(sentences[i : i + 6]) for i in range(0, len(sentences), 6)]
    a = [r.to_dict() for r in Detector(fitted, {"name": "tiny"}, det.extractor).score_documents(docs)]
    b = [r.to_dict() for r in Detector(loaded, {"name": "tiny"}, det.extractor).score_documents(docs)]
    assert a == b


def test_the_portable_walk_moves_few_words(trained):
    """Features and thresholds rounded to 32 significant bits (predictors.portable) change the side of a
    threshold only for values within 2e-10 (relative) of it, not on it: few words, by little."""
    fitted, folder = trained
    loaded, _ = read_model(folder)
    fs = spin_detect.load_detector().features(_varied_sentences())
    moved = np.abs(loaded.token_proba(fs) - fitted.token_proba(fs)) > 1e-9
    assert moved.mean() < 0.01, moved.mean()


@pytest.mark.slow
def test_a_model_retrained_on_a_base_model_keeps_its_prior(tmp_path):
    base = load_detector()
    df = make_data().drop(columns=["changes", "split"])
    model, _ = train_model(df, base.extractor, seed=1, base=base.model)
    save_model(model, tmp_path / "m", base.extractor)
    loaded, _ = read_model(tmp_path / "m")
    assert loaded.prior_ is not None
    fs = base.features(_varied_sentences()[:200])
    np.testing.assert_allclose(loaded.sentence_proba(fs), model.sentence_proba(fs), rtol=0, atol=1e-9)


@pytest.mark.slow
def test_a_legacy_pickled_model_converts_only_when_trusted(trained, tmp_path):
    import joblib

    fitted, _ = trained
    old = tmp_path / "old"
    old.mkdir()
    joblib.dump(fitted, old / "model.joblib")
    with pytest.raises(ModelError, match="convert-model"):
        load_detector(old)
    with pytest.raises(ModelError, match="--trust-model"):
        convert_legacy_model(old, tmp_path / "new")
    convert_legacy_model(old, tmp_path / "new", trust=True)
    loaded, manifest = read_model(tmp_path / "new")
    assert manifest["converted_from"]["version"] == 1
    fs = load_detector().features(_varied_sentences()[:100])
    np.testing.assert_allclose(loaded.sentence_proba(fs), fitted.sentence_proba(fs), rtol=0, atol=1e-9)
    with pytest.raises(ModelError, match="already holds a model"):
        convert_legacy_model(old, tmp_path / "new", trust=True)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    with pytest.raises(ModelError, match="not empty"):  # never written beside a user's files
        convert_legacy_model(old, busy, trust=True)
    assert [p.name for p in busy.iterdir()] == ["notes.txt"]
    with pytest.raises(ModelError, match="no such folder"):
        convert_legacy_model(tmp_path / "missing", tmp_path / "n2", trust=True)
    with pytest.raises(ModelError, match="in today's format already"):
        convert_legacy_model(tmp_path / "new", tmp_path / "n3", trust=True)


@pytest.mark.parametrize("field, name", [("cloze_sha256", "cloze model"), ("thesaurus_sha256", "thesaurus")])
def test_a_model_trained_with_other_tables_is_refused(trained, tmp_path, field, name):
    _, folder = trained
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["cloze_sha256"] == default_extractor().cloze.sha256
    load_detector(folder)  # the tables it was trained with: loads
    other = tmp_path / "other"
    shutil.copytree(folder, other)
    (other / "manifest.json").write_text(json.dumps({**manifest, field: "0" * 64}))
    with pytest.raises(ModelError, match=f"trained with the {name} 000000000000.*retrain the model"):
        load_detector(other)
    del manifest[field]  # a model saved before the field existed is not checked
    (other / "manifest.json").write_text(json.dumps(manifest))
    load_detector(other)


def test_a_model_scores_with_the_cloze_slots_it_was_trained_with(trained, tmp_path):
    """The manifest records ``cloze_from`` (the most frequent words the cloze model skips; none for the
    packaged LSTM); a model loads with that setting, and one saved before the field existed with every slot
    read (0)."""
    _, folder = trained
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["cloze_from"] == default_extractor().cloze_from
    assert load_detector(folder).extractor.cloze_from == manifest["cloze_from"]
    other = tmp_path / "other"
    shutil.copytree(folder, other)
    (other / "manifest.json").write_text(json.dumps({**manifest, "cloze_from": 7}))
    assert load_detector(other).extractor.cloze_from == 7
    for bad in (-1, "100", 2.5, True):
        (other / "manifest.json").write_text(json.dumps({**manifest, "cloze_from": bad}))
        with pytest.raises(ModelError, match="cloze_from must be a whole number"):
            load_detector(other)
    del manifest["cloze_from"]
    (other / "manifest.json").write_text(json.dumps(manifest))
    assert load_detector(other).extractor.cloze_from == 0


def test_a_tree_document_rule_exports_to_arrays_and_back():
    from spin_detect.learning.documents import DOCUMENT_INPUTS
    from spin_detect.learning.estimators import TreeDocumentScorer
    from spin_detect.learning.model import document_model_inputs
    from spin_detect.learning.predictors import CappedTrees, export_estimator, from_arrays

    rng = np.random.default_rng(3)
    y = (rng.random(600) < 0.5).astype(int)
    X = rng.normal(0, 1, (600, len(DOCUMENT_INPUTS))) + 0.7 * y[:, None]
    X[:, DOCUMENT_INPUTS.index("p_any")] = rng.uniform(0.2, 1.0, 600)
    fitted = TreeDocumentScorer(max_iter=40).fit(X, y)
    exported = export_estimator(fitted)
    assert isinstance(exported, CappedTrees)
    again = from_arrays(dict(np.load(io.BytesIO(_npz_bytes(exported.to_arrays("document/"))),
                                     allow_pickle=False)), "document/")
    np.testing.assert_allclose(again.predict_proba(X), fitted.predict_proba(X), rtol=0, atol=1e-12)
    assert document_model_inputs(again) == document_model_inputs(fitted) == len(DOCUMENT_INPUTS)
    a = exported.to_arrays("")
    a["cap"] = np.array(len(DOCUMENT_INPUTS) + 5)
    with pytest.raises(ValueError, match="cap column"):
        from_arrays(a, "")


@pytest.mark.parametrize("thresholds, message", [
    ({"strict": 0.9, "balanced": -3, "sensitive": 0.2}, "numbers from 0 to 1, got balanced = -3"),
    ({"strict": 0.9, "balanced": float("inf"), "sensitive": 0.2}, "numbers from 0 to 1, got balanced = inf"),
    ({"strict": 0.9, "balanced": "0.5", "sensitive": 0.2}, "numbers from 0 to 1, got balanced = '0.5'"),
    ({"balanced": 0.5, "sensitive": 0.2}, "no document threshold for preset strict"),
    ([0.5], "no document thresholds"),
])
def test_a_manifest_with_thresholds_that_cannot_be_used_is_refused(trained, tmp_path, thresholds, message):
    _, folder = trained
    manifest = json.loads((folder / "manifest.json").read_text())
    other = tmp_path / "other"
    shutil.copytree(folder, other)
    (other / "manifest.json").write_text(json.dumps({**manifest, "thresholds": thresholds}))
    with pytest.raises(ModelError, match=re.escape(message)):
        load_detector(other)
