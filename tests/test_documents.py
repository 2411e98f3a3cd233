"""The document rule's inputs (spin_detect.learning.documents)."""

import numpy as np

from spin_detect.features import FEATURE_NAMES, TOKEN_FEATURES
from spin_detect.learning.documents import DOCUMENT_FEATURES, DOCUMENT_INPUTS, document_features, document_inputs


def _tokens(n, wordlike=1.0):
    t = np.zeros((n, len(TOKEN_FEATURES)))
    t[:, TOKEN_FEATURES.index("wordlike")] = wordlike
    t[:, TOKEN_FEATURES.index("logfreq")] = -8.0
    return t


def test_the_first_columns_are_todays_rule_features_in_sentence_order():
    sent_p = np.array([0.9, 0.1, 0.2, 0.7])
    sent_doc = np.array([1, 0, 0, 1])  # documents need not be contiguous; -1 would leave a sentence out
    sent = np.zeros((4, len(FEATURE_NAMES)))
    X = document_inputs(sent_p, sent_doc, 2, sent, np.zeros(0), _tokens(0), np.zeros(0, dtype=np.int64))
    assert X.shape == (2, len(DOCUMENT_INPUTS))
    np.testing.assert_array_equal(X[:, : len(DOCUMENT_FEATURES)],
                                  document_features(np.array([0.1, 0.2, 0.9, 0.7]), np.array([0, 0, 1, 1]), 2))


def test_token_evidence_adds_up_weak_words_and_ignores_punctuation():
    # document 0: 10 words at 0.3; document 1: 10 words at 0.05 and a punctuation token at 0.99
    tok_prob = np.r_[np.full(10, 0.3), np.full(10, 0.05), 0.99]
    tok_sent = np.r_[np.zeros(10, int), np.ones(11, int)]
    tok = _tokens(21)
    tok[20, TOKEN_FEATURES.index("wordlike")] = 0
    sent = np.zeros((2, len(FEATURE_NAMES)))
    X = document_inputs(np.array([0.2, 0.2]), np.array([0, 1]), 2, sent, tok_prob, tok, tok_sent)
    col = {name: i for i, name in enumerate(DOCUMENT_INPUTS)}
    np.testing.assert_allclose(X[:, col["tok_p_mean"]], [0.3, 0.05])
    np.testing.assert_allclose(X[:, col["tok_share_20"]], [1.0, 0.0])
    np.testing.assert_allclose(X[:, col["tok_top10_mean"]], [0.3, 0.05])
    np.testing.assert_allclose(X[:, col["mean_logfreq"]], [-8.0, -8.0])


def test_a_rule_of_an_older_model_reads_its_own_columns():
    from spin_detect.learning.model import document_model_inputs
    from spin_detect.learning.predictors import LogisticRule

    old = LogisticRule(np.zeros(8), np.ones(8), np.ones(8), 0.0, cap=8)
    assert document_model_inputs(old) == len(DOCUMENT_FEATURES)
    new = LogisticRule(np.zeros(len(DOCUMENT_INPUTS) - 1), np.ones(len(DOCUMENT_INPUTS) - 1),
                       np.ones(len(DOCUMENT_INPUTS) - 1), 0.0, cap=8)
    assert document_model_inputs(new) == len(DOCUMENT_INPUTS)
