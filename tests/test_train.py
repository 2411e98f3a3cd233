"""Training and evaluation end to end, on a small labelled set made in the test."""

import json

import numpy as np
import pandas as pd
import pytest
from test_detector import ORIGINAL_ENCYCLOPAEDIC, ORIGINAL_NEWS

from spin_detect.detector import Detector, load_detector
from spin_detect.features import default_extractor
from spin_detect.learning.evaluate import (
    auc_interval,
    binary_metrics,
    evaluation_report,
    reliability,
    score_frame_for_evaluation,
    wilson_interval,
)
from spin_detect.learning.persist import save_model
from spin_detect.learning.spinner import spin_text
from spin_detect.learning.train import document_groups, token_fold_groups, train_model

PARAS = [p.strip() for p in (ORIGINAL_NEWS + "\n\n" + ORIGINAL_ENCYCLOPAEDIC).split("\n\n")]


def make_data(n_docs=24):
    rows = []
    for d in range(n_docs):
        text = "\n\n".join(PARAS[(d + k) % len(PARAS)] for k in range(3))
        split = "train" if d < n_docs * 2 // 3 else "dev"
        for variant in ("original", "spun"):
            if variant == "original":
                sents, changes = [text[s:e] for s, e in _spans(text)], None
            else:
                r = spin_text(text, "mixed", rate=0.4, seed=d)
                sents = [r.text[s["start"] : s["end"]] for s in r.sentences]
                changes = [[[c.start - s["start"], c.end - s["start"], c.original, c.replacement]
                            for c in r.changes if c.sentence == k] for k, s in enumerate(r.sentences)]
            for k, s in enumerate(sents):
                ch = changes[k] if changes else []
                rows.append({"doc_id": f"d{d}", "variant": variant, "split": split, "text": s,
                             "label": int(bool(ch)), "changes": json.dumps(ch), "source": "test"})
    return pd.DataFrame(rows)


def _spans(text):
    from spin_detect.text.segment import split_sentences

    return [(s.start, s.end) for s in split_sentences(text)]


@pytest.mark.slow
def test_train_save_load_evaluate(tmp_path):
    df = make_data()
    ex = default_extractor()
    model, fs = train_model(df, ex, seed=0)
    assert set(model.thresholds_) == {"strict", "balanced", "sensitive"}
    assert model.info_["token_level"] == "trained"
    save_model(model, tmp_path / "m", ex, {"name": "tiny"})
    det = load_detector(tmp_path / "m")
    assert det.model_id["name"] == "tiny"
    # saved and loaded, the model scores as the one in memory
    texts = df["text"].tolist()[:12]
    np.testing.assert_allclose(det.score_sentences(texts), Detector(model, {}, ex).score_sentences(texts))
    sent, docs = score_frame_for_evaluation(det, df)
    assert len(docs) == df.groupby(["doc_id", "variant"]).ngroups
    rep = evaluation_report(sent, docs, 0.5, 0.5)
    # trained and scored on the same tiny set: it must at least separate it
    assert rep["sentence"]["overall"]["roc_auc"] > 0.8
    # same data and seed give the same model
    again, _ = train_model(df, ex, seed=0, features=fs)
    np.testing.assert_allclose(again.sentence_proba(fs), model.sentence_proba(fs))


@pytest.mark.slow
def test_user_data_without_token_labels_reuses_base_token_model():
    df = make_data().drop(columns=["changes", "split"])
    base = load_detector()
    model, _ = train_model(df, base.extractor, seed=1, base=base.model)
    assert model.info_["token_level"] == "from base model"
    assert model.token_model_ is base.model.token_model_
    assert model.prior_ is base.model  # the base's sentence probability is an input
    fs = base.features(df["text"].tolist()[:5])
    assert model.sentence_inputs(fs).shape[1] == base.model.sentence_inputs(fs).shape[1] + 1
    assert np.isfinite(model.sentence_proba(fs)).all()
    with pytest.raises(ValueError, match="base model"):
        train_model(df, base.extractor)


def test_training_needs_both_classes():
    df = make_data()
    df["label"] = 0
    with pytest.raises(ValueError, match="both original and spun"):
        train_model(df, default_extractor())


def test_metrics_values():
    y = np.array([0, 0, 0, 1, 1, 1])
    p = np.array([0.1, 0.2, 0.6, 0.4, 0.8, 0.9])
    m = binary_metrics(y, p, 0.5)
    assert m["confusion"] == [[2, 1], [1, 2]]
    assert m["roc_auc"] == pytest.approx(8 / 9)
    assert m["fpr"] == pytest.approx(1 / 3) and m["recall"] == pytest.approx(2 / 3)
    bins = reliability(y, p, bins=2)
    assert bins[0]["n"] == 3 and bins[0]["observed"] == pytest.approx(1 / 3)
    assert m["f1"] == pytest.approx(2 / 3) and m["precision"] == pytest.approx(2 / 3)
    # bin edges as a reader writes them (0.3, not 0.30000000000000004 of np.linspace)
    assert [b["bin"] for b in reliability(y, p, bins=10)] == [[0.1, 0.2], [0.2, 0.3], [0.4, 0.5], [0.6, 0.7],
                                                              [0.8, 0.9], [0.9, 1.0]]


def test_metrics_of_one_class_leave_out_what_it_cannot_define():
    spun = binary_metrics(np.array([1, 1, 1, 1]), np.array([0.9, 0.8, 0.7, 0.2]), 0.5)
    assert spun["recall"] == pytest.approx(0.75) and spun["f1"] == pytest.approx(6 / 7) and spun["precision"] == 1
    assert not {"fpr", "roc_auc", "pr_auc", "recall_at_1pct_fpr"} & set(spun)  # not 0: no original to measure
    original = binary_metrics(np.array([0, 0, 0]), np.array([0.1, 0.6, 0.2]), 0.5)
    assert original["fpr"] == pytest.approx(1 / 3)
    assert not {"recall", "f1", "roc_auc"} & set(original) and original["precision"] == 0
    assert "precision" not in binary_metrics(np.array([0, 1]), np.array([0.1, 0.2]), 0.5)


def test_intervals_match_hand_computed_values():
    # Wilson, 5 of 10: centre 0.5, half-width 1.96 * sqrt(0.025 + 3.8415 / 400) / 1.38415 = 0.26341.
    assert wilson_interval(5, 10) == pytest.approx([0.23659, 0.76341], abs=1e-4)
    low, high = wilson_interval(0, 294)  # none flagged still allows up to 1.3%
    assert low == 0 and high == pytest.approx(0.012898, abs=1e-5)
    assert wilson_interval(0, 0) is None
    # Hanley-McNeil, AUC 0.9 on 100 + 100: Q1 = 0.81818, Q2 = 0.85263, SE = 0.022628.
    assert auc_interval(0.9, 100, 100) == pytest.approx([0.85565, 0.94435], abs=1e-4)
    assert auc_interval(0.9, 1000, 1000)[1] - auc_interval(0.9, 1000, 1000)[0] < 0.03
    assert auc_interval(0.9, 0, 10) is None


def test_metrics_carry_their_intervals():
    y = np.array([0] * 50 + [1] * 50)
    p = np.r_[np.linspace(0, 0.6, 50), np.linspace(0.3, 1, 50)]
    m = binary_metrics(y, p, 0.5)
    tn, fp = m["confusion"][0]
    fn, tp = m["confusion"][1]
    assert m["recall_ci"] == pytest.approx(wilson_interval(tp, tp + fn))
    assert m["fpr_ci"] == pytest.approx(wilson_interval(fp, tn + fp))
    assert m["roc_auc_ci"][0] < m["roc_auc"] < m["roc_auc_ci"][1]
    assert "roc_auc_ci" not in binary_metrics(np.array([1, 1]), np.array([0.2, 0.9]), 0.5)


def test_document_groups_split_variants():
    df = pd.DataFrame({"doc_id": ["a", "a", "a", "b"], "variant": ["original", "original", "spun", "spun"]})
    assert document_groups(df).tolist() == [0, 0, 1, 2]
    assert document_groups(df.drop(columns="variant")).tolist() == [0, 0, 0, 1]


def test_token_folds_are_by_source_when_there_are_enough_sources():
    from sklearn.model_selection import GroupKFold

    df = pd.DataFrame({"doc_id": [f"d{i}" for i in range(12)],
                       "source": ["a", "a", "b", "b", "c", "c", "d", "d", "e", "e", "f", "f"]})
    groups = document_groups(df)
    fit = np.arange(10)  # the training rows hold five sources
    g = token_fold_groups(df, groups, fit)
    for a, b in GroupKFold(n_splits=3).split(fit, groups=g[fit]):
        assert not set(df["source"].iloc[fit[a]]) & set(df["source"].iloc[fit[b]])
    # Two sources among the training rows, no source column, or one source with most
    # of the rows: folds by document.
    assert token_fold_groups(df, groups, np.arange(4)) is groups
    assert token_fold_groups(df.drop(columns="source"), groups, fit) is groups
    lopsided = df.assign(source=["a"] * 7 + ["b", "c", "d", "e", "f"])
    assert token_fold_groups(lopsided, groups, fit) is groups


def test_blind_extractor_and_feature_set_concat():
    from spin_detect.features import FEATURE_NAMES, FeatureExtractor
    from spin_detect.learning.model import concat, extract, subset

    ex = default_extractor()
    blind = FeatureExtractor(ex.ref, ex.th, ex.neighbours, trigrams=ex.trigrams, use_thesaurus=False,
                             topics=ex.topics)
    sents = ["Prices rose sharply last twelvemonth.", "He will end up paying more.", "Yes."]
    seeing, not_seeing = extract(sents, ex), extract(sents, blind)
    col = FEATURE_NAMES.index("syn_delta_max")
    assert seeing.sent[0, col] > 0 and not_seeing.sent[:, col].tolist() == [0.0, 0.0, 0.0]
    # context features do not depend on the thesaurus
    ctx = FEATURE_NAMES.index("lp_mean")
    np.testing.assert_allclose(seeing.sent[:, ctx], not_seeing.sent[:, ctx])
    joined = concat([subset(seeing, [0, 1]), subset(seeing, [2])])
    np.testing.assert_allclose(joined.sent, seeing.sent)
    np.testing.assert_allclose(joined.tok, seeing.tok)
    assert joined.tok_sent.tolist() == seeing.tok_sent.tolist()
    back = subset(concat([subset(seeing, [2]), subset(seeing, [0, 1])]), [1, 2, 0])
    np.testing.assert_allclose(back.tok, seeing.tok)


def test_preset_thresholds_hold_in_the_worst_source():
    from spin_detect.learning.thresholds import POOLED_MARGIN
    from spin_detect.learning.train import PRESET_FPR, preset_thresholds

    rng = np.random.default_rng(0)
    p = np.r_[rng.uniform(0, 0.5, 400), rng.uniform(0.2, 0.9, 100), rng.uniform(0.5, 1, 300)]
    y = np.r_[np.zeros(500, int), np.ones(300, int)]
    src = np.array(["news"] * 400 + ["wiki"] * 100 + ["news"] * 300, dtype=object)
    pooled = preset_thresholds(p, y)
    per_source = preset_thresholds(p, y, src)
    for name, fpr in PRESET_FPR.items():
        assert per_source[name] >= pooled[name]
        assert (p[y == 0] >= per_source[name]).mean() <= fpr * POOLED_MARGIN  # the margin over all sources
        assert (p[y == 0] >= pooled[name]).mean() <= fpr * POOLED_MARGIN  # and without sources
        for s in ("news", "wiki"):
            o = p[(y == 0) & (src == s)]
            assert (o > per_source[name]).mean() <= fpr + 1 / len(o)  # quantile granularity
    assert (p[400:500] > pooled["balanced"]).mean() > 0.01  # pooled would over-flag the odd source


@pytest.mark.slow
def test_rule_features_are_what_calibration_and_thresholds_see(monkeypatch):
    """With thesaurus dropout, models learn from altered features but calibration, the document
    rule and the thresholds must use the features scoring will compute."""
    from spin_detect.features import FeatureExtractor
    from spin_detect.learning.model import extract

    df = make_data()
    ex = default_extractor()
    blind = FeatureExtractor(ex.ref, ex.th, ex.neighbours, trigrams=ex.trigrams, use_thesaurus=False,
                             topics=ex.topics)
    real, altered = extract(df["text"].tolist(), ex), extract(df["text"].tolist(), blind)
    plain, _ = train_model(df, ex, seed=0, features=real)
    same, _ = train_model(df, ex, seed=0, features=real, rule_features=real)
    assert same.thresholds_ == plain.thresholds_  # the same features twice change nothing
    # Record what calibration is fitted on: blind features have no synonym evidence at all.
    import spin_detect.learning.train as train_mod
    from spin_detect.features import FEATURE_NAMES

    seen = []

    class Recording(train_mod.CalibratedClassifierCV):
        def fit(self, X, y, **kw):
            seen.append(np.asarray(X))
            return super().fit(X, y, **kw)

    monkeypatch.setattr(train_mod, "CalibratedClassifierCV", Recording)
    col = FEATURE_NAMES.index("syn_delta_max")
    train_model(df, ex, seed=0, features=altered)
    assert seen and all(not x[:, col].any() for x in seen)  # without rule_features: blind calibration
    seen.clear()
    train_model(df, ex, seed=0, features=altered, rule_features=real)
    assert seen and all(x[:, col].any() for x in seen)  # with them: the real features
    with pytest.raises(ValueError, match="same sentences"):
        train_model(df, ex, seed=0, features=real, rule_features=extract(df["text"].tolist()[:-1], ex))


def test_thresholds_flag_at_most_the_presets_share_even_with_ties():
    from spin_detect.learning.train import PRESET_FPR, preset_thresholds

    p = np.r_[np.zeros(995), np.linspace(0.1, 0.9, 5), np.full(300, 0.95)]  # 99.5% of originals tie at 0
    y = np.r_[np.zeros(1000, int), np.ones(300, int)]
    th = preset_thresholds(p, y)
    for name, fpr in PRESET_FPR.items():
        assert th[name] > 0.0  # a threshold of 0 would call every document spun
        assert (p[y == 0] >= th[name]).mean() <= fpr
    assert th["balanced"] < 0.9  # and it is not needlessly high: spun documents at 0.95 are found
    assert (p[y == 1] >= th["balanced"]).all()


def test_too_few_documents_say_what_to_do():
    df = make_data(n_docs=3).drop(columns=["split"])
    with pytest.raises(ValueError, match="too few documents to set calibration documents apart.*split"):
        train_model(df, default_extractor())


@pytest.mark.slow
def test_thresholds_on_few_or_one_sentence_documents_come_with_warnings():
    df = make_data()
    df["doc_id"] = [f"row{i}" for i in range(len(df))]  # no real documents: every row its own
    df = df.drop(columns=["variant"])
    said: list[str] = []
    model, _ = train_model(df, default_extractor(), log=said.append)
    warnings = [s for s in said if s.startswith("warning:")]
    assert any("strict needs 1,000" in w for w in warnings)  # one original at half the 0.2% share
    assert any("every document is one sentence" in w for w in warnings)
    assert model.info_["original_documents_thresholds"] < 1000


def test_a_token_column_without_any_value_is_fitted_as_a_constant():
    """A table the extractor was not given (the cloze model under a custom reference) leaves its token columns
    NaN in every row; scikit-learn cannot bin such a column alone, so training must still work and ignore it."""
    from spin_detect.learning.train import fit_token_classifier

    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=400), np.full(400, np.nan)])
    y = (X[:, 0] > 0).astype(int)
    m = fit_token_classifier(0, X, y)
    assert np.isnan(X[:, 1]).all()  # the caller's matrix is left as it was
    p = m.predict_proba(X)[:, 1]
    assert ((p > 0.5) == y.astype(bool)).mean() > 0.95
    np.testing.assert_array_equal(p, m.predict_proba(np.column_stack([X[:, 0], np.zeros(400)]))[:, 1])
