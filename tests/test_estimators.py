import pickle

import numpy as np
import pytest
from sklearn.base import clone

from spin_detect.features import FEATURE_GROUPS, FEATURE_NAMES
from spin_detect.learning.documents import DOCUMENT_FEATURES, document_features
from spin_detect.learning.estimators import DocumentScorer, SentenceFeatures
from spin_detect.tables.store import DataFormatError

SENTS = ["The U.N. Security Council met on Monday.", "The U.N. Safety Council met on Monday.", "Yes."]


def test_sentence_features_contract():
    sf = SentenceFeatures()
    assert clone(sf).get_params() == sf.get_params()
    X = sf.fit(SENTS).transform(SENTS)
    assert X.shape == (3, len(FEATURE_NAMES))
    assert list(sf.get_feature_names_out()) == list(FEATURE_NAMES)
    assert np.isfinite(X).all()
    # the spun sentence has a word whose distributional neighbour fits much better
    col = FEATURE_NAMES.index("nbr_delta_max")
    assert X[1, col] > X[0, col] + 5
    # pickling drops the memory-mapped tables and gets them back
    again = pickle.loads(pickle.dumps(sf))
    assert "extractor_" not in again.__dict__
    np.testing.assert_allclose(again.transform(SENTS), X)


def test_a_pickled_transformer_refuses_another_cloze_table():
    sf = SentenceFeatures().fit()
    assert sf.cloze_sha256_ and sf.cloze_sha256_ == sf.extractor.cloze.sha256
    state = sf.__getstate__()
    other = SentenceFeatures()
    other.__setstate__({**state, "cloze_sha256_": "0" * 64})  # fitted where another cloze table was installed
    with pytest.raises(DataFormatError, match="cloze model 000000000000"):
        other.transform(SENTS)
    elsewhere = SentenceFeatures()
    elsewhere.__setstate__({**state, "reference_sha256_": "0" * 64})
    with pytest.raises(DataFormatError, match="reference 000000000000.*installed one is [0-9a-f]{12}"):
        elsewhere.transform(SENTS)
    older = SentenceFeatures()
    older.__setstate__({k: v for k, v in state.items() if k != "cloze_sha256_"})  # fitted before the field
    np.testing.assert_allclose(older.transform(SENTS), sf.transform(SENTS))


def test_feature_groups_and_errors():
    sf = SentenceFeatures(groups=("context",)).fit()
    assert list(sf.get_feature_names_out()) == list(FEATURE_GROUPS["context"])
    with pytest.raises(ValueError, match="unknown feature group"):
        SentenceFeatures(groups=("magic",)).fit()
    with pytest.raises(TypeError, match="strings"):
        SentenceFeatures().fit().transform([1.5])
    assert SentenceFeatures().fit().transform([]).shape == (0, len(FEATURE_NAMES))
    assert SentenceFeatures().__sklearn_tags__().input_tags.string


def test_document_features_are_length_independent_for_long_documents():
    # 40 and 400 sentences with the same mix of probabilities
    mix = [0.1, 0.9, 0.1, 0.1]
    p = np.r_[np.tile(mix, 10), np.tile(mix, 100)]
    d = np.r_[np.zeros(40, int), np.ones(400, int)]
    F = document_features(p, d, 2)
    names = list(DOCUMENT_FEATURES)
    for col in ("p_mean", "share_over_50", "share_over_80", "logit_mean", "p_max"):
        assert F[0, names.index(col)] == pytest.approx(F[1, names.index(col)], rel=0.06, abs=0.01)
    assert F[1, names.index("share_over_50")] == pytest.approx(0.25, abs=0.01)
    assert F[1, names.index("p_top3")] == pytest.approx(0.9)


def test_short_documents_are_not_judged_on_one_sentence():
    # a one-sentence document at 0.7 looks less spun than 20 sentences all at 0.7
    p = np.r_[[0.7], np.full(20, 0.7)]
    d = np.r_[[0], np.ones(20, int)]
    F = document_features(p, d, 2)
    names = list(DOCUMENT_FEATURES)
    for col in ("p_mean", "share_over_50", "logit_mean", "p_top3", "longest_run_share"):
        assert F[0, names.index(col)] < F[1, names.index(col)]
    assert F[0, names.index("p_max")] == F[1, names.index("p_max")] == 0.7
    assert F[0, names.index("p_top3")] == pytest.approx((0.7 + 0.1 + 0.1) / 3)


def test_document_scorer_is_monotone_in_spun_share():
    rng = np.random.default_rng(0)
    share = rng.uniform(0, 1, 400)
    y = (share + rng.normal(0, 0.1, 400) > 0.5).astype(int)
    X = np.zeros((400, len(DOCUMENT_FEATURES)))
    X[:, DOCUMENT_FEATURES.index("share_over_50")] = share
    X[:, DOCUMENT_FEATURES.index("p_any")] = 1.0  # no ceiling
    m = DocumentScorer().fit(X, y)
    p = m.predict_proba(X)[:, 1]
    assert np.all(np.diff(p[np.argsort(share)]) >= -1e-12)
    assert set(m.predict(X)) == {0, 1}
    assert np.allclose(m.predict_proba(X).sum(1), 1)


def test_document_likelihood_never_exceeds_the_noisy_or_of_its_sentences():
    rng = np.random.default_rng(1)
    # training documents: originals with low sentence probabilities, spun ones with high
    docs = [rng.uniform(0, 0.3, rng.integers(1, 30)) for _ in range(300)]
    docs += [rng.uniform(0.5, 1.0, rng.integers(1, 30)) for _ in range(300)]
    y = np.r_[np.zeros(300, int), np.ones(300, int)]
    probs = np.concatenate(docs)
    index = np.repeat(np.arange(len(docs)), [len(d) for d in docs])
    F = document_features(probs, index, len(docs))
    cap = F[:, DOCUMENT_FEATURES.index("p_any")]
    assert np.allclose(cap, [1 - np.prod(1 - d) for d in docs])
    m = DocumentScorer().fit(F, y)
    p = m.predict_proba(F)[:, 1]
    assert np.all(p <= cap + 1e-12)
    # one sentence at 0.8 cannot make a page more than 0.8 spun; 20 such sentences can
    one = document_features(np.r_[[0.8], np.full(20, 0.8)], np.r_[[0], np.ones(20, int)], 2)
    p1, p20 = m.predict_proba(one)[:, 1]
    assert p1 <= 0.8 < p20


def _document_inputs_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Rows of DOCUMENT_INPUTS where spun documents have more evidence, and length that matters."""
    from spin_detect.learning.documents import DOCUMENT_INPUTS, SPIN_EVIDENCE

    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.5).astype(int)
    X = rng.normal(0, 1, (n, len(DOCUMENT_INPUTS)))
    for c in SPIN_EVIDENCE:
        X[:, DOCUMENT_INPUTS.index(c)] += 0.8 * y
    X[:, DOCUMENT_INPUTS.index("p_any")] = 1.0
    return X, y


def test_the_tree_rule_never_lowers_a_document_for_more_evidence_and_keeps_the_ceiling():
    from spin_detect.learning.documents import DOCUMENT_INPUTS, SPIN_EVIDENCE
    from spin_detect.learning.estimators import TreeDocumentScorer

    X, y = _document_inputs_data(1500)
    m = TreeDocumentScorer(max_iter=60).fit(X, y)
    assert clone(m).get_params() == m.get_params()
    p = m.predict_proba(X)[:, 1]
    assert np.allclose(m.predict_proba(X).sum(1), 1)
    assert roc_auc(y, p) > 0.9
    for c in SPIN_EVIDENCE:  # raising any column of evidence never lowers a probability
        more = X.copy()
        more[:, DOCUMENT_INPUTS.index(c)] += 1.5
        assert np.all(m.predict_proba(more)[:, 1] >= p - 1e-12), c
    # the noisy-or of the sentence probabilities (p_any) stays a ceiling
    capped = X.copy()
    capped[:, DOCUMENT_INPUTS.index("p_any")] = 0.3
    assert np.all(m.predict_proba(capped)[:, 1] <= 0.3)
    with pytest.raises(ValueError, match="all .* columns"):
        m.predict_proba(X[:, :10])


def test_the_rule_is_trees_only_with_thousands_of_documents_and_then_thresholds_are_out_of_fold():
    from spin_detect.learning.estimators import TreeDocumentScorer
    from spin_detect.learning.train import MIN_TREE_RULE_DOCS, fit_document_rule

    X, y = _document_inputs_data(MIN_TREE_RULE_DOCS)
    keys = np.array([f"d{i // 2}" for i in range(len(y))], dtype=object)
    rule, p = fit_document_rule(X, y, keys)
    assert isinstance(rule, TreeDocumentScorer)
    in_sample = rule.predict_proba(X)[:, 1]
    # out-of-fold probabilities of the trees' own documents are less certain than in-sample ones
    assert not np.allclose(p, in_sample)
    assert roc_auc(y, in_sample) > roc_auc(y, p) > 0.85
    small, p_small = fit_document_rule(X[:300], y[:300], keys[:300])
    assert isinstance(small, DocumentScorer)
    np.testing.assert_array_equal(p_small, small.predict_proba(X[:300])[:, 1])


def roc_auc(y: np.ndarray, p: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p))
