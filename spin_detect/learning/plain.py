"""The plain token model: evidence of substitution that needs no thesaurus.

The token model's strongest features compare a word with its candidate originals (thesaurus synonyms,
distributional neighbours, function phrases). Every training spinner draws its swaps from the same
tables, so the token model learns "no candidate fits better, so the word is original", which a spinner
with its own dictionary defeats: for the held-out ``moby`` style the true original is a candidate for 8%
of swaps. The plain token model reads only what holds whatever dictionary the spinner used
(:data:`PLAIN_FEATURES`): how well the word fits its neighbours in the reference's pair and triple counts,
how rare it is, how well it fits the topic of its sentence, how surprising the cloze model finds it
against the most frequent words, and how often it recurs in its document (``echo_self``,
:mod:`spin_detect.learning.context`). It is trained on the same token labels as the token model.

Measured on the dev split's half B (``PLAIN`` in ``scripts/train_default.py``; a plain model of the token
model's size): word-level ROC-AUC of substitutions against the words of original documents, for ``moby``
swaps, 0.915 for the plain model against 0.886 for the token model (which wins on the dictionaries it
knows: WordNet swaps 0.974 against 0.916). So its probabilities are more inputs of the sentence model (summaries per
sentence, :data:`~spin_detect.learning.model.PLAIN_AGG`) and of the document rule
(:data:`~spin_detect.learning.documents.PLAIN_EVIDENCE`), both non-decreasing in them; evidence words
are still chosen by the token and evidence models.
"""

from __future__ import annotations

import numpy as np

from spin_detect.features import TOKEN_FEATURES
from spin_detect.learning.context import echo_columns

__all__ = ["PLAIN_FEATURES", "PLAIN_TOKEN_FEATURES", "plain_matrix"]

#: Token features the plain model reads: none of them looks at a candidate original.
PLAIN_TOKEN_FEATURES = ("lp_left", "lp_right", "pmi_left", "pmi_right", "unseen_left", "unseen_right",
                        "lp_outer_left", "lp_outer_right", "logfreq", "oov", "capitalised", "first", "wordlike",
                        "tri_left", "tri_center", "tri_right", "topic_fit", "lm_surprise")
#: The plain model's columns: :data:`PLAIN_TOKEN_FEATURES`, then the echo column.
PLAIN_FEATURES = PLAIN_TOKEN_FEATURES + ("echo_self",)

_PICK = np.array([TOKEN_FEATURES.index(f) for f in PLAIN_TOKEN_FEATURES])


def plain_matrix(tok: np.ndarray, tok_sent: np.ndarray, sent_doc: np.ndarray | None, keys: np.ndarray) -> np.ndarray:
    """The plain model's input (columns :data:`PLAIN_FEATURES`) from the token features ``tok``
    (:data:`~spin_detect.features.TOKEN_FEATURES`); ``sent_doc`` gives each sentence's document (None: each
    sentence its own) and ``keys`` are :func:`~spin_detect.learning.context.token_keys` of the tokens."""
    if sent_doc is None:
        sent_doc = np.arange(int(tok_sent.max()) + 1 if len(tok_sent) else 0)
    return np.hstack([tok[:, _PICK], echo_columns(tok, tok_sent, sent_doc, keys)])
