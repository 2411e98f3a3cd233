"""What the rest of a token's document looks like: the token model's context columns.

A word's own features say how well it fits its slot, measured against the
reference statistics. How much a poor fit means depends on the document: in a
register the reference knows well (its sources, their house style) most words fit
and a poor fit stands out; in one it knows less (another outlet's abbreviations, an
older wire style) many original words fit poorly, and a spun document has many words
with a better-fitting candidate. So the token model also reads, for each token,
the mean of a few token features over the word-like tokens of its document
(:data:`CONTEXT_MEANS`), and the token's own value minus that mean for the fit
features (:data:`CONTEXT_OFFSETS`). The echo columns (:data:`ECHO`) say how often the token's own
word recurs in its document.

The means are smoothed towards those of original training text as if each
document also had ``pseudo_tokens`` typical words, so that a one-sentence
document is judged much as any sentence, and a long one by its own wording. A
token's columns depend only on its own document: a score stays a function of the
text and the model, whatever else is scored in the same batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from spin_detect.features import TOKEN_FEATURES
from spin_detect.text.segment import Tokens

__all__ = ["CONTEXT_MEANS", "CONTEXT_OFFSETS", "ECHO", "PSEUDO_TOKENS", "context_columns", "context_names",
           "context_prior", "echo_columns", "token_keys", "token_matrix"]

#: Token features whose document means describe the register (how often the reference saw the document's
#: word pairs and triples, how rare and how associated its words are) and how much of it has better-fitting
#: candidates (the mean thesaurus and neighbour gain).
CONTEXT_MEANS = ("unseen_left", "unseen_right", "tri_center", "logfreq", "lp_left", "pmi_left", "oov", "syn_delta",
                 "nbr_delta")
#: Features also given as the token's value minus its document's mean.
CONTEXT_OFFSETS = ("unseen_left", "unseen_right", "tri_center", "logfreq", "lp_left", "pmi_left")
#: Weight of the prior (original training text) in each document mean, in word-like tokens.
PSEUDO_TOKENS = 50.0
#: Echo columns: ``echo_self``, log(1 + how often the token's word, lower-cased, occurs elsewhere in its
#: document). A writer repeats the words of the story; a spinner replaces each occurrence on its own, so a
#: substituted word is mostly alone in its document while the original it replaced is not ("war" five
#: times, "battle" once). It needs no thesaurus, so it holds for unknown dictionaries too. A model's
#: context lists the echo columns it reads (``echo``); models saved before they existed read none.
ECHO = ("echo_self",)

_COL = {name: i for i, name in enumerate(TOKEN_FEATURES)}


def context_names(means: Sequence[str] = CONTEXT_MEANS, offsets: Sequence[str] = CONTEXT_OFFSETS,
                  echo: Sequence[str] = ()) -> list[str]:
    """Names of the context columns, in order: ``doc_mean_<f>``, ``minus_doc_<f>``, then the echo columns."""
    return [f"doc_mean_{f}" for f in means] + [f"minus_doc_{f}" for f in offsets] + list(echo)


def token_keys(tokens: Sequence[Sequence[Any]]) -> np.ndarray:
    """One integer per token of ``tokens`` (sentences of :class:`~spin_detect.text.segment.Token` or
    :class:`~spin_detect.text.segment.Tokens`), equal for tokens whose lower-cased text is equal."""
    code: dict[str, int] = {}
    keys = [code.setdefault(w.lower(), len(code))
            for s in tokens for w in (s.texts if isinstance(s, Tokens) else (t.text for t in s))]
    return np.array(keys, dtype=np.int64)


def echo_columns(tok: np.ndarray, tok_sent: np.ndarray, sent_doc: np.ndarray, keys: np.ndarray,
                 echo: Sequence[str] = ECHO) -> np.ndarray:
    """The echo columns (:data:`ECHO`) of each token, one row per token; 0 for tokens that are not word-like.

    ``keys`` are :func:`token_keys` of the tokens; ``tok_sent`` and ``sent_doc`` as in :func:`context_columns`.
    """
    unknown = set(echo) - set(ECHO)
    if unknown:
        raise ValueError(f"unknown echo columns: {', '.join(sorted(unknown))}")
    out = np.zeros((len(tok), len(echo)))
    if len(tok) == 0:
        return out
    keys = np.asarray(keys, dtype=np.int64)
    if len(keys) != len(tok):
        raise ValueError(f"token_keys gave {len(keys)} keys for {len(tok)} tokens")
    _, doc = np.unique(np.asarray(sent_doc)[np.asarray(tok_sent)], return_inverse=True)
    words = tok[:, _COL["wordlike"]] > 0
    _, pair = np.unique(doc.astype(np.int64) * (int(keys.max()) + 1) + keys, return_inverse=True)
    count = np.bincount(pair[words], minlength=int(pair.max()) + 1)
    for j, name in enumerate(echo):
        if name == "echo_self":
            out[words, j] = np.log1p(count[pair[words]] - 1)
    return out


def _values(tok: np.ndarray, name: str) -> np.ndarray:
    return np.nan_to_num(tok[:, _COL[name]].astype(np.float64))


def context_prior(tok: np.ndarray, means: Sequence[str] = CONTEXT_MEANS) -> list[float]:
    """Mean of each of ``means`` over the word-like tokens of ``tok`` (original text): the prior."""
    words = tok[:, _COL["wordlike"]] > 0
    if not words.any():
        return [0.0] * len(means)
    return [round(float(_values(tok[words], f).mean()), 6) for f in means]


def context_columns(tok: np.ndarray, tok_sent: np.ndarray, sent_doc: np.ndarray, prior: Sequence[float],
                    pseudo_tokens: float = PSEUDO_TOKENS, means: Sequence[str] = CONTEXT_MEANS,
                    offsets: Sequence[str] = CONTEXT_OFFSETS) -> np.ndarray:
    """Context columns (:func:`context_names`) of each token, one row per token.

    ``tok`` are token features (:data:`~spin_detect.features.TOKEN_FEATURES`),
    ``tok_sent`` each token's sentence and ``sent_doc`` each sentence's document
    (any integers; sentences with the same value form one document).
    """
    n_tok = len(tok)
    out = np.zeros((n_tok, len(means) + len(offsets)))
    if n_tok == 0:
        return out
    _, doc = np.unique(np.asarray(sent_doc)[np.asarray(tok_sent)], return_inverse=True)
    n_docs = int(doc.max()) + 1
    words = tok[:, _COL["wordlike"]] > 0
    n = np.bincount(doc[words], minlength=n_docs).astype(np.float64)
    mean_of = {}
    for j, f in enumerate(means):
        x = _values(tok, f)
        m = (np.bincount(doc[words], weights=x[words], minlength=n_docs) + pseudo_tokens * prior[j]) / (
            n + pseudo_tokens)
        mean_of[f] = m[doc]
        out[:, j] = mean_of[f]
    for j, f in enumerate(offsets):
        out[:, len(means) + j] = _values(tok, f) - mean_of[f]
    return out


def token_matrix(tok: np.ndarray, tok_sent: np.ndarray, sent_doc: np.ndarray | None, context: dict | None,
                 keys: np.ndarray | None = None) -> np.ndarray:
    """The token model's input: token features, plus the context columns when ``context`` (a model's
    ``info_["token_context"]``: ``means``, ``offsets``, ``prior``, ``pseudo_tokens`` and, optionally,
    ``echo``) is given. ``sent_doc`` None: each sentence is its own document. ``keys``
    (:func:`token_keys`) are needed when the context has echo columns."""
    if not context:
        return tok
    if sent_doc is None:
        sent_doc = np.arange(int(tok_sent.max()) + 1 if len(tok_sent) else 0)
    cols = context_columns(tok, tok_sent, sent_doc, context["prior"], float(context["pseudo_tokens"]),
                           context["means"], context["offsets"])
    echo = context.get("echo") or ()
    if not echo:
        return np.hstack([tok, cols])
    if keys is None:
        raise ValueError("this token model reads echo columns: pass the tokens' keys (token_keys)")
    return np.hstack([tok, cols, echo_columns(tok, tok_sent, sent_doc, keys, echo)])
