"""The token model's document context (spin_detect.learning.context)."""

from __future__ import annotations

import numpy as np
import pytest

from spin_detect.features import TOKEN_FEATURES
from spin_detect.learning.context import (
    CONTEXT_MEANS,
    CONTEXT_OFFSETS,
    ECHO,
    context_columns,
    context_names,
    context_prior,
    echo_columns,
    token_keys,
    token_matrix,
)
from spin_detect.text.segment import Tokens, tokenize

WORDLIKE = TOKEN_FEATURES.index("wordlike")


def _tokens(rng: np.random.Generator, n: int) -> np.ndarray:
    tok = rng.normal(size=(n, len(TOKEN_FEATURES)))
    tok[:, WORDLIKE] = rng.random(n) < 0.8
    return tok


def _context(prior: list[float] | None = None, pseudo: float = 50.0) -> dict:
    return {"means": list(CONTEXT_MEANS), "offsets": list(CONTEXT_OFFSETS),
            "prior": prior if prior is not None else [0.0] * len(CONTEXT_MEANS), "pseudo_tokens": pseudo}


def test_a_documents_columns_do_not_depend_on_the_other_documents_in_the_batch():
    rng = np.random.default_rng(0)
    docs = [_tokens(rng, n) for n in (40, 7, 120, 1)]
    # one sentence per document here; tokens in document order
    sents = [np.full(len(d), i) for i, d in enumerate(docs)]
    prior = [0.3] * len(CONTEXT_MEANS)
    together = context_columns(np.vstack(docs), np.concatenate(sents), np.arange(len(docs)), prior)
    start = 0
    for d in docs:
        alone = context_columns(d, np.zeros(len(d), dtype=int), np.zeros(1, dtype=int), prior)
        assert np.array_equal(together[start : start + len(d)], alone)  # the same bits
        start += len(d)


def test_means_are_smoothed_towards_the_prior_by_pseudo_tokens():
    rng = np.random.default_rng(1)
    tok = _tokens(rng, 30)
    tok[:, WORDLIKE] = 1
    prior = [float(i) for i in range(len(CONTEXT_MEANS))]
    cols = context_columns(tok, np.zeros(30, dtype=int), np.zeros(1, dtype=int), prior, pseudo_tokens=10.0)
    for j, f in enumerate(CONTEXT_MEANS):
        x = np.nan_to_num(tok[:, TOKEN_FEATURES.index(f)])
        assert cols[0, j] == pytest.approx((x.sum() + 10.0 * prior[j]) / 40.0)
    for j, f in enumerate(CONTEXT_OFFSETS):
        own = tok[:, TOKEN_FEATURES.index(f)]
        np.testing.assert_allclose(cols[:, len(CONTEXT_MEANS) + j], own - cols[:, CONTEXT_MEANS.index(f)])
    # a document without word-like tokens is the prior itself
    tok[:, WORDLIKE] = 0
    cols = context_columns(tok, np.zeros(30, dtype=int), np.zeros(1, dtype=int), prior, pseudo_tokens=10.0)
    np.testing.assert_allclose(cols[:, : len(CONTEXT_MEANS)], np.tile(prior, (30, 1)))


def test_each_sentence_is_its_own_document_without_a_document_index():
    rng = np.random.default_rng(2)
    tok = _tokens(rng, 50)
    tok_sent = np.repeat(np.arange(5), 10)
    ctx = _context([0.1] * len(CONTEXT_MEANS))
    assert np.array_equal(token_matrix(tok, tok_sent, None, ctx), token_matrix(tok, tok_sent, np.arange(5), ctx))
    # and one document is not five
    assert not np.array_equal(token_matrix(tok, tok_sent, np.zeros(5, dtype=int), ctx),
                              token_matrix(tok, tok_sent, None, ctx))


def test_without_context_the_token_matrix_is_the_token_features():
    tok = _tokens(np.random.default_rng(3), 9)
    assert token_matrix(tok, np.zeros(9, dtype=int), None, None) is tok
    assert token_matrix(tok, np.zeros(9, dtype=int), None, _context()).shape == (
        9, len(TOKEN_FEATURES) + len(context_names()))


def test_the_prior_is_the_mean_over_word_like_tokens():
    tok = _tokens(np.random.default_rng(4), 200)
    words = tok[:, WORDLIKE] > 0
    prior = context_prior(tok)
    for j, f in enumerate(CONTEXT_MEANS):
        assert prior[j] == pytest.approx(tok[words, TOKEN_FEATURES.index(f)].mean(), abs=1e-6)


@pytest.mark.slow
def test_a_trained_model_reads_the_document_and_says_so():
    """train_model gives the token model the context, records it, and a document's token
    probabilities then depend on the rest of that document (not on other documents)."""
    from test_train import make_data

    from spin_detect.features import default_extractor
    from spin_detect.learning.model import extract
    from spin_detect.learning.train import train_model

    df = make_data()
    ex = default_extractor()
    model, _ = train_model(df, ex, seed=0, token_context=True)
    ctx = model.info_["token_context"]
    assert ctx["means"] == list(CONTEXT_MEANS) and len(ctx["prior"]) == len(CONTEXT_MEANS)
    assert ctx["echo"] == list(ECHO)
    assert model.token_model_.n_features_in_ == len(TOKEN_FEATURES) + len(context_names(echo=ECHO))
    # the same sentence, alone and inside a document of other sentences
    texts = df["text"].tolist()[:6]
    f = extract(texts, ex)
    first = f.tok_sent == 0
    alone = model.token_proba(f)  # each sentence its own document
    together = model.token_proba(f, np.zeros(len(texts), dtype=int))
    assert not np.allclose(alone[first], together[first])
    off = model.__class__(model.token_model_, model.sentence_model_, model.document_model_, model.thresholds_,
                          {**model.info_, "token_context": None})
    with pytest.raises(ValueError):
        off.token_proba(f)  # the model needs its context columns


@pytest.mark.slow
def test_a_model_without_echo_columns_trains_saves_and_scores_as_before(tmp_path):
    """echo=False (and every model saved before echo columns existed) records no token context: its
    token model reads the token features alone, and a saved copy scores the same."""
    from test_train import make_data

    from spin_detect.features import default_extractor
    from spin_detect.learning.model import extract
    from spin_detect.learning.persist import read_model, save_model
    from spin_detect.learning.train import train_model

    df = make_data()
    ex = default_extractor()
    model, _ = train_model(df, ex, seed=0, echo=False)
    assert "token_context" not in model.info_
    assert model.token_model_.n_features_in_ == len(TOKEN_FEATURES)
    f = extract(df["text"].tolist()[:6], ex)
    alone, together = model.token_proba(f), model.token_proba(f, np.zeros(6, dtype=int))
    np.testing.assert_array_equal(alone, together)  # nothing read from the rest of the document
    save_model(model, tmp_path / "m", ex)
    loaded, manifest = read_model(tmp_path / "m")
    assert "token_context" not in manifest["training"]
    np.testing.assert_allclose(loaded.token_proba(f), alone, rtol=0, atol=1e-9)
    with_echo, _ = train_model(df, ex, seed=0)  # the default reads the echo column
    assert with_echo.info_["token_context"]["echo"] == list(ECHO)
    assert with_echo.token_model_.n_features_in_ == len(TOKEN_FEATURES) + len(ECHO)


@pytest.mark.parametrize("bad", [
    "yes", {"means": ["no_such_feature"], "offsets": [], "prior": [0.0], "pseudo_tokens": 50},
    {"means": ["logfreq"], "offsets": ["lp_left"], "prior": [0.0], "pseudo_tokens": 50},
    {"means": ["logfreq"], "offsets": [], "prior": [], "pseudo_tokens": 50},
    {"means": ["logfreq"], "offsets": [], "prior": ["0"], "pseudo_tokens": 50},
    {"means": ["logfreq"], "offsets": [], "prior": [0.0], "pseudo_tokens": 0},
    # well formed, wrong width (the packaged token model reads one echo column)
    {"means": ["logfreq", "oov"], "offsets": [], "prior": [0.0, 0.0], "pseudo_tokens": 50},
    {"means": ["logfreq"], "offsets": [], "prior": [0.0], "pseudo_tokens": 50, "echo": ["no_such_column"]},
    {"means": ["logfreq"], "offsets": [], "prior": [0.0], "pseudo_tokens": 50, "echo": "echo_self"},
])
def test_a_manifest_with_a_bad_token_context_is_refused(tmp_path, bad):
    import json
    import shutil

    from spin_detect.learning.persist import ModelError, default_model_dir, read_model

    folder = tmp_path / "m"
    shutil.copytree(default_model_dir(), folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["training"]["token_context"] = bad
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="token_context|context columns"):
        read_model(folder)


@pytest.mark.parametrize("key", ["token_context", "evidence_context"])
def test_a_manifest_context_of_either_token_model_that_is_malformed_is_refused(tmp_path, key):
    import json
    import shutil

    from spin_detect.learning.persist import ModelError, default_model_dir, read_model

    folder = tmp_path / "m"
    shutil.copytree(default_model_dir(), folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["training"][key] = {"means": ["no_such_feature"], "offsets": [], "prior": [0.0], "pseudo_tokens": 50}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match=key):
        read_model(folder)


@pytest.fixture(scope="module")
def evidence_model_folder(tmp_path_factory):
    """A model trained with an evidence model (train_model(evidence_context=True)), saved."""
    from test_train import make_data

    from spin_detect.features import default_extractor
    from spin_detect.learning.persist import save_model
    from spin_detect.learning.train import train_model

    ex = default_extractor()
    model, _ = train_model(make_data(), ex, seed=0, evidence_context=True)
    folder = tmp_path_factory.mktemp("evidence") / "model"
    save_model(model, folder, ex)
    return folder


@pytest.mark.slow
def test_the_evidence_model_chooses_evidence_and_never_changes_a_score(evidence_model_folder):
    """The evidence model reads each token's document and is saved and read back with its context; the
    likelihoods and sentence probabilities are those of the same model without it; a token's evidence
    probability does not depend on which other tokens were asked for, nor on the batch."""
    from test_train import make_data

    from spin_detect.detector import Detector
    from spin_detect.features import default_extractor
    from spin_detect.learning.model import SpinModel, extract
    from spin_detect.learning.persist import read_model

    model, manifest = read_model(evidence_model_folder)
    ctx = manifest["training"]["evidence_context"]
    assert ctx["means"] == list(CONTEXT_MEANS)
    # the token model reads the echo columns only, not the document means
    assert manifest["training"]["token_context"]["means"] == [] and manifest["training"]["token_context"]["echo"] == [
        "echo_self"]
    assert ctx["echo"] == list(ECHO)
    assert model.evidence_model_.n_features == len(TOKEN_FEATURES) + len(context_names(echo=ECHO))
    no_ev = SpinModel(model.token_model_, model.sentence_model_, model.document_model_, model.thresholds_,
                      {k: v for k, v in model.info_.items() if k != "evidence_context"},
                      plain_model=model.plain_model_)
    ex = default_extractor()
    df = make_data()
    texts = [" ".join(df["text"].tolist()[i : i + 5]) for i in range(0, 40, 5)]
    f = extract(df["text"].tolist()[:12], ex)
    sent_doc = np.repeat(np.arange(4), 3)
    tok_prob = model.token_proba(f, sent_doc)
    every = model.evidence_token_proba(f, sent_doc, tok_prob)
    assert not np.allclose(every, tok_prob)  # another model's probabilities
    assert np.array_equal(no_ev.evidence_token_proba(f, sent_doc, tok_prob), tok_prob)
    some = np.random.default_rng(0).random(len(tok_prob)) < 0.3
    part = model.evidence_token_proba(f, sent_doc, tok_prob, some)
    assert np.array_equal(part[some], every[some]) and np.array_equal(part[~some], tok_prob[~some])
    with_ev, without = Detector(model, manifest, ex), Detector(no_ev, manifest, ex)
    a, b = list(with_ev.score_documents(texts)), list(without.score_documents(texts))
    assert [r.likelihood for r in a] == [r.likelihood for r in b]
    assert [[s.probability for s in r.sentences] for r in a] == [[s.probability for s in r.sentences] for r in b]
    # evidence is a function of the document alone
    alone = [next(iter(with_ev.score_documents([t]))) for t in texts]
    assert [r.to_dict() for r in alone] == [r.to_dict() for r in a]


def test_an_evidence_model_without_its_context_or_a_context_without_its_model_is_refused(
        evidence_model_folder, tmp_path):
    import json
    import shutil

    from spin_detect.features import default_extractor
    from spin_detect.learning.persist import ModelError, default_model_dir, read_model, save_model

    folder = tmp_path / "m"
    shutil.copytree(evidence_model_folder, folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["training"]["evidence_context"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="evidence"):
        read_model(folder)
    shutil.rmtree(folder)
    model, _ = read_model(default_model_dir())
    model.evidence_model_ = None
    model.info_ = {k: v for k, v in model.info_.items() if k != "evidence_context"}
    save_model(model, folder, default_extractor())  # a model without an evidence model
    read_model(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["training"]["evidence_context"] = _context()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="evidence"):
        read_model(folder)


def _echo_input(sentences: list[str]) -> tuple[np.ndarray, np.ndarray, list]:
    toks = [tokenize(t) for t in sentences]
    tok = np.zeros((sum(len(t) for t in toks), len(TOKEN_FEATURES)))
    tok[:, WORDLIKE] = [any(c.isalnum() for c in t.text) for s in toks for t in s]
    return tok, np.concatenate([np.full(len(t), i) for i, t in enumerate(toks)]), toks


def test_echo_counts_the_other_occurrences_of_a_word_in_its_document_only():
    tok, tok_sent, toks = _echo_input(["The war went on.", "The War ended, the battle too.", "The war is old."])
    keys = token_keys(toks)
    words = [t.text for s in toks for t in s]
    # sentences 0 and 1 form one document, sentence 2 another
    col = echo_columns(tok, tok_sent, np.array([0, 0, 1]), keys)[:, 0]
    got = dict(zip(zip(tok_sent.tolist(), words), np.round(np.expm1(col)).astype(int).tolist()))
    assert got[(0, "war")] == 1 and got[(1, "War")] == 1  # case does not matter
    assert got[(1, "battle")] == 0 and got[(0, "went")] == 0
    assert got[(0, "The")] == 2 and got[(2, "The")] == 0 and got[(2, "war")] == 0  # another document
    assert got[(0, ".")] == 0 and got[(1, ",")] == 0  # not word-like: no echo
    # a document's columns are the same whatever else is in the batch, and whatever the key codes
    alone = echo_columns(tok[tok_sent == 2], np.zeros(int((tok_sent == 2).sum()), dtype=int), np.array([0]),
                         token_keys(toks[2:]))
    np.testing.assert_array_equal(alone[:, 0], col[tok_sent == 2])
    assert np.array_equal(token_keys([Tokens.of(s) for s in toks]), keys)  # either kind of token sequence


def test_a_context_with_echo_columns_needs_the_keys_and_known_names():
    tok, tok_sent, toks = _echo_input(["A war and a war."])
    ctx = {**_context(), "echo": list(ECHO)}
    X = token_matrix(tok, tok_sent, None, ctx, token_keys(toks))
    assert X.shape[1] == len(TOKEN_FEATURES) + len(context_names(echo=ECHO))
    with pytest.raises(ValueError, match="token_keys"):
        token_matrix(tok, tok_sent, None, ctx)
    with pytest.raises(ValueError, match="unknown echo"):
        echo_columns(tok, tok_sent, np.array([0]), token_keys(toks), ["echo_other"])
