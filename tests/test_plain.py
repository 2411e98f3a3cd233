"""The plain token model (spin_detect.learning.plain): features that need no thesaurus, read by the
sentence model and the document rule, saved and read back with the model."""

import json
import shutil

import numpy as np
import pytest

from spin_detect.features import FEATURE_NAMES, TOKEN_FEATURES
from spin_detect.learning.context import echo_columns, token_keys
from spin_detect.learning.documents import DOCUMENT_INPUTS, PLAIN_EVIDENCE, SPIN_EVIDENCE, document_inputs
from spin_detect.learning.model import AGG_FEATURES, PLAIN_AGG
from spin_detect.learning.plain import PLAIN_FEATURES, PLAIN_TOKEN_FEATURES, plain_matrix
from spin_detect.text.segment import tokenize


def test_the_plain_features_never_look_at_a_candidate_original():
    candidate = {"syn_delta", "syn_pmi", "syn_colloc", "phrase", "n_candidates", "nbr_delta", "nbr_pmi",
                 "nbr_colloc", "tri_gain_syn", "tri_gain_nbr", "lm_gap", "lm_nll"}
    assert candidate <= set(TOKEN_FEATURES)
    assert not candidate & set(PLAIN_FEATURES)
    assert set(PLAIN_TOKEN_FEATURES) <= set(TOKEN_FEATURES)
    assert PLAIN_FEATURES == PLAIN_TOKEN_FEATURES + ("echo_self",)


def test_plain_matrix_picks_its_columns_and_counts_echoes_per_document():
    toks = [tokenize(t) for t in ["The war went on.", "The war ended.", "A war."]]
    n = sum(len(t) for t in toks)
    tok = np.random.default_rng(0).normal(size=(n, len(TOKEN_FEATURES)))
    tok[:, TOKEN_FEATURES.index("wordlike")] = [any(c.isalnum() for c in t.text) for s in toks for t in s]
    tok_sent = np.concatenate([np.full(len(t), i) for i, t in enumerate(toks)])
    keys = token_keys(toks)
    sent_doc = np.array([0, 0, 1])
    X = plain_matrix(tok, tok_sent, sent_doc, keys)
    assert X.shape == (n, len(PLAIN_FEATURES))
    for j, f in enumerate(PLAIN_TOKEN_FEATURES):
        np.testing.assert_array_equal(X[:, j], tok[:, TOKEN_FEATURES.index(f)])
    np.testing.assert_array_equal(X[:, -1], echo_columns(tok, tok_sent, sent_doc, keys)[:, 0])
    war = [i for i, t in enumerate(t for s in toks for t in s) if t.text == "war"]
    assert X[war, -1].tolist() == [np.log1p(1), np.log1p(1), 0.0]  # the third "war" is alone in document 1
    # without a document index each sentence is its own document
    assert plain_matrix(tok, tok_sent, None, keys)[war, -1].tolist() == [0.0, 0.0, 0.0]


def test_the_plain_evidence_columns_are_evidence_and_zero_without_plain_probabilities():
    assert set(PLAIN_EVIDENCE) <= set(SPIN_EVIDENCE)
    assert DOCUMENT_INPUTS[-len(PLAIN_EVIDENCE):] == PLAIN_EVIDENCE  # after every column an older rule reads
    toks = [tokenize(t) for t in ["The war went on.", "It ended."]]
    n = sum(len(t) for t in toks)
    tok = np.zeros((n, len(TOKEN_FEATURES)))
    tok[:, TOKEN_FEATURES.index("wordlike")] = 1
    tok_sent = np.concatenate([np.full(len(t), i) for i, t in enumerate(toks)])
    args = (np.array([0.2, 0.3]), np.array([0, 0]), 1, np.zeros((2, len(FEATURE_NAMES))), np.full(n, 0.1), tok,
            tok_sent)
    c = DOCUMENT_INPUTS.index(PLAIN_EVIDENCE[0])
    without = document_inputs(*args)
    assert not without[:, c:].any()
    p = np.full(n, 0.6)
    with_plain = document_inputs(*args, plain_prob=p)
    np.testing.assert_array_equal(with_plain[:, :c], without[:, :c])  # the other columns do not change
    cols = dict(zip(PLAIN_EVIDENCE, with_plain[0, c:]))
    assert cols["plain_p_mean"] == pytest.approx(0.6) and cols["plain_share_50"] == 1.0
    assert cols["plain_share_70"] == 0.0
    assert cols["plain_share_50_x_sqrt_words"] == pytest.approx(np.sqrt(n))


@pytest.fixture(scope="module")
def plain_model_folder(tmp_path_factory):
    """A model trained with its plain token model (the default of train_model), saved."""
    from test_train import make_data

    from spin_detect.features import default_extractor
    from spin_detect.learning.persist import save_model
    from spin_detect.learning.train import train_model

    ex = default_extractor()
    model, _ = train_model(make_data(), ex, seed=0)
    folder = tmp_path_factory.mktemp("plain") / "model"
    save_model(model, folder, ex)
    return folder


def test_a_model_with_a_plain_model_reads_it_saves_it_and_scores_the_same_after_loading(plain_model_folder):
    from test_train import make_data

    from spin_detect.detector import Detector
    from spin_detect.features import default_extractor
    from spin_detect.learning.model import extract
    from spin_detect.learning.persist import read_model

    model, manifest = read_model(plain_model_folder)
    assert manifest["training"]["plain_features"] == list(PLAIN_FEATURES)
    assert manifest["sentence_features"] == list(FEATURE_NAMES) + list(AGG_FEATURES) + list(PLAIN_AGG)
    assert model.plain_model_.n_features == len(PLAIN_FEATURES)
    ex = default_extractor()
    df = make_data()
    f = extract(df["text"].tolist()[:12], ex)
    sent_doc = np.repeat(np.arange(4), 3)
    tok_prob, plain_prob = model.token_proba(f, sent_doc), model.plain_token_proba(f, sent_doc)
    assert plain_prob.shape == tok_prob.shape and not np.allclose(plain_prob, tok_prob)
    Z = model.sentence_inputs(f, tok_prob, plain_prob)
    assert Z.shape[1] == len(FEATURE_NAMES) + len(AGG_FEATURES) + len(PLAIN_AGG)
    # more plain evidence never lowers a sentence's probability or a document's likelihood
    more = np.minimum(plain_prob + 0.3, 1.0)
    s0, s1 = model.sentence_proba(f, tok_prob, plain_prob), model.sentence_proba(f, tok_prob, more)
    assert (s1 >= s0 - 1e-12).all()
    d0 = model.document_proba(f, tok_prob, s0, sent_doc, 4, plain_prob)
    d1 = model.document_proba(f, tok_prob, s0, sent_doc, 4, more)
    assert (d1 >= d0 - 1e-12).all()
    # what the Detector reports is a function of the document alone, and the same after saving
    texts = [" ".join(df["text"].tolist()[i: i + 5]) for i in range(0, 40, 5)]
    det = Detector(model, manifest, ex)
    together = [r.to_dict() for r in det.score_documents(texts)]
    alone = [next(iter(det.score_documents([t]))).to_dict() for t in texts]
    assert together == alone


def test_the_fitted_plain_model_is_what_is_saved(plain_model_folder, tmp_path):
    from test_train import make_data

    from spin_detect.features import default_extractor
    from spin_detect.learning.model import extract
    from spin_detect.learning.persist import read_model, save_model
    from spin_detect.learning.train import train_model

    ex = default_extractor()
    df = make_data()
    model, _ = train_model(df, ex, seed=0)
    save_model(model, tmp_path / "again", ex)
    loaded, _ = read_model(tmp_path / "again")
    f = extract(df["text"].tolist()[:9], ex)
    g = np.repeat(np.arange(3), 3)
    np.testing.assert_allclose(loaded.plain_token_proba(f, g), model.plain_token_proba(f, g), rtol=0, atol=1e-9)
    tp = model.token_proba(f, g)
    np.testing.assert_allclose(loaded.sentence_proba(f, tp, loaded.plain_token_proba(f, g)),
                               model.sentence_proba(f, tp, model.plain_token_proba(f, g)), rtol=0, atol=1e-9)
    # the same data, seed and code give the same model file
    save_model(model, tmp_path / "twice", ex)
    assert (tmp_path / "again" / "model.npz").read_bytes() == (tmp_path / "twice" / "model.npz").read_bytes()


def test_a_model_without_a_plain_model_reads_none(tmp_path):
    from test_train import make_data

    from spin_detect.features import default_extractor
    from spin_detect.learning.model import extract
    from spin_detect.learning.persist import read_model, save_model
    from spin_detect.learning.train import train_model

    ex = default_extractor()
    df = make_data()
    model, _ = train_model(df, ex, seed=0, plain=False)
    assert model.plain_model_ is None and "plain_features" not in model.info_
    f = extract(df["text"].tolist()[:6], ex)
    assert model.plain_token_proba(f) is None
    assert model.sentence_inputs(f).shape[1] == len(FEATURE_NAMES) + len(AGG_FEATURES)
    save_model(model, tmp_path / "m", ex)
    loaded, manifest = read_model(tmp_path / "m")
    assert loaded.plain_model_ is None
    assert manifest["sentence_features"] == list(FEATURE_NAMES) + list(AGG_FEATURES)
    np.testing.assert_allclose(loaded.sentence_proba(f), model.sentence_proba(f), rtol=0, atol=1e-9)


def test_a_plain_model_and_its_manifest_entry_come_together(plain_model_folder, tmp_path):
    from spin_detect.learning.persist import ModelError, read_model

    def altered(change):
        folder = tmp_path / f"m{len(list(tmp_path.iterdir()))}"
        shutil.copytree(plain_model_folder, folder)
        manifest = json.loads((folder / "manifest.json").read_text())
        change(manifest)
        (folder / "manifest.json").write_text(json.dumps(manifest))
        return folder

    def drop(m):
        del m["training"]["plain_features"]
        m["sentence_features"] = list(FEATURE_NAMES) + list(AGG_FEATURES)

    with pytest.raises(ModelError, match="plain"):
        read_model(altered(drop))

    def other(m):
        m["training"]["plain_features"] = list(PLAIN_FEATURES[:-1]) + ["echo_other"]

    with pytest.raises(ModelError, match="plain"):
        read_model(altered(other))

    def fewer_sentence_features(m):
        m["sentence_features"] = list(FEATURE_NAMES) + list(AGG_FEATURES)

    with pytest.raises(ModelError, match="sentence features"):
        read_model(altered(fewer_sentence_features))
