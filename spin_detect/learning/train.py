"""Train a :class:`~spin_detect.learning.model.SpinModel` from labelled sentences.

Data: the frame of :func:`spin_detect.learning.labelled.load_labelled` (``text``,
``label``, ``doc_id``; optional ``split``, ``variant``, ``changes``). Rows with
``split == "test"`` are never used. Without a ``split`` column the documents are
split 80/20 into fitting and calibration sets by a hash of ``doc_id``.

* Token labels come from the ``changes`` column (exact substitutions recorded by
  the spinner). Data without it (a user's own labelled sentences) keeps the
  token model of a base model (the packaged default) and retrains the sentence
  and document levels on top of it, with the base model's sentence probability
  as an extra input (a small model that learns corrections).
* Token probabilities fed to the sentence model during training are
  out-of-fold (3 folds by source when there are 3 or more sources and none holds
  most of the rows, otherwise by document), so the sentence model learns from
  token scores as noisy as the ones it will see on new text from a source it
  never saw.
* The sentence model is calibrated (isotonic) on half of the calibration
  documents, which neither token nor sentence model saw. The document rule and
  its thresholds are fitted on documents scored by models that never saw them:
  the training documents out of fold (3 folds, each fold model calibrated the
  same way) and the other half of the calibration documents.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.base import clone as sklearn_clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GroupKFold

from spin_detect.features import FEATURE_NAMES, FeatureExtractor
from spin_detect.learning.context import (
    CONTEXT_MEANS,
    CONTEXT_OFFSETS,
    ECHO,
    PSEUDO_TOKENS,
    context_prior,
    token_matrix,
)
from spin_detect.learning.documents import document_inputs
from spin_detect.learning.estimators import DocumentScorer, TreeDocumentScorer
from spin_detect.learning.model import AGG_FEATURES, PLAIN_AGG, FeatureSet, SpinModel, extract, token_labels
from spin_detect.learning.plain import PLAIN_FEATURES, plain_matrix
from spin_detect.learning.thresholds import MIN_THRESHOLD_DOCS, PRESET_FPR, preset_thresholds

__all__ = ["train_model", "PRESET_FPR", "TOKEN_MODEL", "document_groups", "preset_thresholds"]

#: Rule documents (and of each class) from which the document rule is a tree ensemble
#: (:class:`TreeDocumentScorer`); with fewer, the logistic :class:`DocumentScorer`, which needs
#: fewer examples. The trees' thresholds are set on out-of-fold probabilities (:data:`RULE_FOLDS`
#: folds, each document's original and spun versions in one fold): trees fit their training
#: documents closely, so thresholds set on those would flag more originals than promised.
MIN_TREE_RULE_DOCS = 2000
MIN_TREE_RULE_CLASS_DOCS = 200
RULE_FOLDS = 5


def fit_document_rule(D: np.ndarray, y_doc: np.ndarray, doc_key: np.ndarray, seed: int = 0
                      ) -> tuple[DocumentScorer | TreeDocumentScorer, np.ndarray]:
    """The document rule fitted on document inputs ``D`` and labels ``y_doc``, and the probabilities
    of those documents that thresholds are set on: out of fold for trees (folds grouped by
    ``doc_key``), in sample for the logistic rule (a model of a few dozen coefficients)."""
    counts = np.bincount(y_doc, minlength=2)
    if len(y_doc) < MIN_TREE_RULE_DOCS or counts.min() < MIN_TREE_RULE_CLASS_DOCS:
        rule = DocumentScorer().fit(D, y_doc)
        return rule, rule.predict_proba(D)[:, 1]
    trees = TreeDocumentScorer(random_state=seed)
    oof = np.zeros(len(y_doc))
    for a, b in GroupKFold(n_splits=RULE_FOLDS).split(D, y_doc, groups=doc_key):
        oof[b] = sklearn_clone(trees).fit(D[a], y_doc[a]).predict_proba(D[b])[:, 1]
    return trees.fit(D, y_doc), oof


def _hash01(s: str) -> float:
    return int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "big") / 2**64


def document_groups(df: pd.DataFrame) -> np.ndarray:
    """Document index of each row: ``doc_id`` (plus ``variant`` when present, since
    the generated data holds an original and a spun version of each document)."""
    key = df["doc_id"].astype(str)
    if "variant" in df.columns:
        key = key + "\x1f" + df["variant"].astype(str)
    return pd.factorize(key)[0]


def _sentence_monotone(with_prior: bool, plain: bool = False) -> list[int]:
    """More token evidence never lowers a sentence's probability: the sentence model is
    constrained to be non-decreasing in the token summaries (the plain model's too, when
    there is one, and in the base model's log-odds, for a model retrained on a user's data);
    free in the other features."""
    return ([0] * len(FEATURE_NAMES) + [1] * len(AGG_FEATURES) + ([1] * len(PLAIN_AGG) if plain else [])
            + ([1] if with_prior else []))


def _hgb(seed: int, max_iter: int = 300, plain: bool = False) -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(max_iter=max_iter, learning_rate=0.1, max_leaf_nodes=31,
                                          l2_regularization=1.0, random_state=seed,
                                          monotonic_cst=_sentence_monotone(False, plain))


#: The token model scores every token of every sentence, so its size decides
#: throughput: few, larger trees (see benchmarks/README.md for the trade-off).
TOKEN_MODEL = {"max_iter": 40, "learning_rate": 0.3, "max_leaf_nodes": 127}


#: The plain token model's size (:mod:`spin_detect.learning.plain`); it is walked for every token too, so it
#: is half the token model's: on dev (nineteenth session) 20 trees of 63 leaves ranked documents and
#: sentences as well as 40 of 127 (ROC-AUC documents 0.9897 / 0.9895, moby 0.9866 / 0.9830, sentences 0.9419
#: both) for under half the walk (see ``scripts/train_default.py``, ``PLAIN``).
PLAIN_MODEL = {"max_iter": 20, "learning_rate": 0.45, "max_leaf_nodes": 63}


def token_classifier(seed: int, params: dict | None = None) -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(l2_regularization=1.0, random_state=seed, **(params or TOKEN_MODEL))


def fit_token_classifier(seed: int, X: np.ndarray, y: np.ndarray, params: dict | None = None
                         ) -> HistGradientBoostingClassifier:
    """:func:`token_classifier` fitted on ``X``, ``y``. A column with no value at all (NaN in every row:
    a table the extractor was not given, such as the cloze model with a custom reference) is fitted as a
    constant, which the trees never split on; scikit-learn cannot bin a column of NaN alone."""
    empty = np.isnan(X).all(axis=0) if len(X) else np.zeros(X.shape[1], dtype=bool)
    if empty.any():
        X = X.copy()
        X[:, empty] = 0.0
    return token_classifier(seed, params).fit(X, y)


#: Token folds are by source when the training rows come from at least this many
#: sources and none of them holds more than this share of the rows (otherwise the
#: fold without it would train on too little).
MIN_FOLD_SOURCES = 3
MAX_FOLD_SOURCE_SHARE = 0.5


def token_fold_groups(df: pd.DataFrame, groups: np.ndarray, fit_rows: np.ndarray) -> np.ndarray:
    """Groups of the folds that make the sentence model's token probabilities out of fold.

    By source when the training rows come from :data:`MIN_FOLD_SOURCES` or more
    sources (``source`` column), none over :data:`MAX_FOLD_SOURCE_SHARE` of the
    rows; otherwise by document. Out of fold by source, the sentence model learns
    what token evidence is worth on text of a source the token model never saw,
    which is what a user's text is (measured: ``models/default/ABLATION.md``,
    "Token folds").
    """
    if "source" in df.columns:
        codes, _ = pd.factorize(df["source"].astype(str))
        counts = np.bincount(codes[fit_rows])
        counts = counts[counts > 0]
        if len(counts) >= MIN_FOLD_SOURCES and counts.max() <= MAX_FOLD_SOURCE_SHARE * counts.sum():
            return codes
    return groups


def train_model(
    df: pd.DataFrame,
    extractor: FeatureExtractor,
    seed: int = 0,
    base: SpinModel | None = None,
    log: Callable[[str], None] = lambda s: None,
    progress: Callable[[int], None] | None = None,
    features: FeatureSet | None = None,
    rule_features: FeatureSet | None = None,
    token_context: bool = False,
    evidence_context: bool = False,
    evidence_features: FeatureSet | None = None,
    echo: bool = True,
    plain: bool = True,
) -> tuple[SpinModel, FeatureSet]:
    """Fit token, sentence and document models on ``df``; return the model and
    the features computed (callers may reuse them for evaluation).

    ``rule_features``, if given, are the features of the same sentences as the
    extractor computes them at scoring time, when ``features`` were altered for
    training (thesaurus dropout): the models learn from ``features``, but
    calibration, the document rule and the thresholds see what scoring will see.
    ``token_context``: the token model also reads what the rest of each token's
    document looks like (:mod:`spin_detect.learning.context`); a retrained model
    without token labels keeps its base model's setting.
    ``evidence_context``: also fit the evidence model, a token model that reads the
    context and only chooses the words evidence shows
    (:meth:`~spin_detect.learning.model.SpinModel.evidence_token_proba`), on the
    training tokens of ``evidence_features`` (default ``features``: the same sentences,
    possibly featurised otherwise, e.g. with tables that never saw their source). A
    retrained model without token labels keeps its base model's evidence model.
    ``echo``: the token and evidence models also read how often each word recurs in its
    document (:data:`~spin_detect.learning.context.ECHO`), with or without ``token_context``.
    ``plain``: also fit the plain token model (:mod:`spin_detect.learning.plain`: features that need no
    thesaurus), whose probabilities the sentence model and the document rule read, out of fold on the
    training rows as the token model's are. A retrained model without token labels keeps its base
    model's plain model, if any.
    """
    t0 = time.time()
    df = df.reset_index(drop=True)
    if "split" in df.columns:
        split = df["split"].astype(str).to_numpy()
    else:
        split = np.where(df["doc_id"].astype(str).map(lambda d: _hash01(f"{seed}:{d}") < 0.8), "train", "dev")
    fit_rows = np.flatnonzero(split == "train")
    cal_rows = np.flatnonzero(split == "dev")
    if len(fit_rows) == 0 or len(cal_rows) == 0:
        if "split" in df.columns:
            raise ValueError("the 'split' column needs both 'train' rows (to fit) and 'dev' rows (to calibrate)")
        n = df["doc_id"].nunique()
        raise ValueError(f"too few documents to set calibration documents apart: {n} documents, of which about "
                         "20% (chosen by a hash of doc_id) calibrate; add documents (dozens at least), or a "
                         "'split' column with 'train' and 'dev' rows")
    n_fit_docs = df["doc_id"].to_numpy()[fit_rows]
    if len(np.unique(n_fit_docs.astype(str))) < 3:
        raise ValueError(f"training needs at least 3 documents in the training rows, got "
                         f"{len(np.unique(n_fit_docs.astype(str)))}; add documents (doc_id says which sentences "
                         "belong together)")
    for name, rows in (("training", fit_rows), ("calibration", cal_rows)):
        if len(np.unique(df["label"].to_numpy()[rows])) < 2:
            have = "spun" if df["label"].to_numpy()[rows].any() else "original"
            which = (f"split={'train' if name == 'training' else 'dev'}" if "split" in df.columns else
                     f"about {'80' if name == 'training' else '20'}% of the documents, by a hash of doc_id")
            raise ValueError(f"the {name} rows ({which}) hold only {have} sentences: they need both original and "
                             f"spun ones; add {'original' if have == 'spun' else 'spun'} sentences")
    if features is None:
        features = extract(df["text"].tolist(), extractor, progress=progress)
    fs = features
    rf = fs if rule_features is None else rule_features
    if len(rf.tok_sent) != len(fs.tok_sent) or len(rf) != len(fs):
        raise ValueError("rule_features must hold the same sentences and tokens as features")
    log(f"features for {len(df):,} sentences in {time.time() - t0:.0f}s")
    y = df["label"].to_numpy()
    groups = document_groups(df)
    tok_rows = np.isin(fs.tok_sent, fit_rows)
    have_tokens = "changes" in df.columns
    context = None
    if not have_tokens:
        if base is None:
            raise ValueError("data without a 'changes' column needs a base model for the token level")
        context = base.info_.get("token_context")
    elif token_context or echo:
        context = _context_spec(rf, fit_rows, y, means=token_context, echo=echo)
    # the same sentences' tokens (checked above), so the same keys
    keys = fs.keys if context and context.get("echo") else None
    X_tok = token_matrix(fs.tok, fs.tok_sent, groups, context, keys)
    X_rule = X_tok if rf is fs else token_matrix(rf.tok, rf.tok_sent, groups, context, keys)
    if have_tokens:
        y_tok = token_labels(fs, df["changes"].fillna("[]").astype(str).tolist())
        tok_groups = token_fold_groups(df, groups, fit_rows)[fs.tok_sent]
        # Out-of-fold token probabilities for the sentence model's training rows.
        idx = np.flatnonzero(tok_rows)
        folds = list(GroupKFold(n_splits=3).split(idx, groups=tok_groups[idx]))
        token_model, tok_prob, tok_prob_rule = _fit_out_of_fold(seed, X_tok, X_rule, y_tok, idx, folds)
        log(f"token model on {len(idx):,} tokens ({int(y_tok[idx].sum()):,} substituted), "
            f"{time.time() - t0:.0f}s")
        plain_model, plain_prob, plain_prob_rule = None, None, None
        if plain:
            P = plain_matrix(fs.tok, fs.tok_sent, groups, fs.keys)
            P_rule = P if rf is fs else plain_matrix(rf.tok, rf.tok_sent, groups, fs.keys)
            plain_model, plain_prob, plain_prob_rule = _fit_out_of_fold(seed, P, P_rule, y_tok, idx, folds,
                                                                        PLAIN_MODEL)
            log(f"plain token model, {time.time() - t0:.0f}s")
        evidence_model, evidence_spec = None, None
        if evidence_context:
            ef = fs if evidence_features is None else evidence_features
            if len(ef.tok_sent) != len(fs.tok_sent) or len(ef) != len(fs):
                raise ValueError("evidence_features must hold the same sentences and tokens as features")
            evidence_spec = (context if token_context and context is not None
                             else _context_spec(rf, fit_rows, y, echo=echo))
            ev_keys = fs.keys if evidence_spec.get("echo") else None
            X_ev = token_matrix(ef.tok, ef.tok_sent, groups, evidence_spec, ev_keys)
            evidence_model = fit_token_classifier(seed, X_ev[idx], y_tok[idx])
            log(f"evidence model on {len(idx):,} tokens, {time.time() - t0:.0f}s")
    else:
        assert base is not None  # checked above
        token_model = base.token_model_
        evidence_model = getattr(base, "evidence_model_", None)
        evidence_spec = base.info_.get("evidence_context") if evidence_model is not None else None
        tok_prob = token_model.predict_proba(X_tok)[:, 1] if len(fs.tok) else np.zeros(0)
        tok_prob_rule = tok_prob if rf is fs else (
            token_model.predict_proba(X_rule)[:, 1] if len(rf.tok) else np.zeros(0))
        plain_model = getattr(base, "plain_model_", None)
        plain_prob = base.plain_token_proba(fs, groups)
        plain_prob_rule = plain_prob if rf is fs else base.plain_token_proba(rf, groups)
    # Without token labels the data is a user's own: the base model's sentence
    # probability becomes an input and the sentence model learns corrections to it.
    prior = None if have_tokens else base
    shell = SpinModel(token_model, None, None, {}, {}, prior=prior, plain_model=plain_model)
    Z = shell.sentence_inputs(fs, tok_prob, plain_prob)
    Zr = Z if rf is fs else shell.sentence_inputs(rf, tok_prob_rule, plain_prob_rule)  # what scoring will see
    has_plain = plain_model is not None
    sentence = _hgb(seed, plain=has_plain) if prior is None else HistGradientBoostingClassifier(
        max_iter=100, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=40, l2_regularization=1.0,
        random_state=seed, monotonic_cst=_sentence_monotone(True, has_plain))
    sentence.fit(Z[fit_rows], y[fit_rows])
    # Calibration documents are halved: one half calibrates the sentence model, the
    # other fits the document rule and its thresholds on probabilities the
    # calibration never saw (otherwise the thresholds come out too low).
    doc_key = df["doc_id"].astype(str).to_numpy()
    half = np.array([_hash01(f"half:{seed}:{d}") < 0.5 for d in doc_key[cal_rows]])
    cal_a, cal_b = cal_rows[half], cal_rows[~half]
    for name, rows in (("calibration", cal_a), ("document-rule", cal_b)):
        if len(np.unique(y[rows])) < 2:
            what = "calibrates the sentence probabilities" if name == "calibration" else "fits the document rule"
            raise ValueError(f"too few calibration documents: {len(np.unique(doc_key[cal_rows])):,} documents are "
                             f"split in two halves, and the half that {what} holds "
                             f"{'no' if not len(rows) else 'only spun' if y[rows].any() else 'only original'} "
                             "sentences; add documents of both kinds "
                             "(a hundred or more)" + (", or more rows with split=dev" if "split" in df.columns
                                                      else ""))
    calibrated = CalibratedClassifierCV(FrozenEstimator(sentence), method="isotonic")
    calibrated.fit(Zr[cal_a], y[cal_a])
    log(f"sentence model on {len(fit_rows):,} sentences, calibrated on {len(cal_a):,}, "
        f"{time.time() - t0:.0f}s")
    # The document rule and its thresholds need many documents scored by a model
    # that never saw them: the training documents, scored out of fold (each fold
    # model calibrated like the final one), plus the other calibration half.
    p_rule = np.zeros(len(df))
    folds = GroupKFold(n_splits=3).split(fit_rows, groups=groups[fit_rows])
    for k, (a, b) in enumerate(folds):
        m = sklearn_clone(sentence).set_params(random_state=seed + 10 + k).fit(Z[fit_rows[a]], y[fit_rows[a]])
        c = CalibratedClassifierCV(FrozenEstimator(m), method="isotonic").fit(Zr[cal_a], y[cal_a])
        p_rule[fit_rows[b]] = c.predict_proba(Zr[fit_rows[b]])[:, 1]
    p_rule[cal_b] = calibrated.predict_proba(Zr[cal_b])[:, 1]
    rule_rows = np.sort(np.r_[fit_rows, cal_b])
    g_rule, _ = pd.factorize(groups[rule_rows])
    n_docs = int(g_rule.max()) + 1
    sent_doc = np.full(len(df), -1, dtype=np.int64)
    sent_doc[rule_rows] = g_rule
    # what scoring will see: the rule features' sentences and tokens, token probabilities out of fold
    D = document_inputs(p_rule, sent_doc, n_docs, rf.sent, tok_prob_rule, rf.tok, rf.tok_sent, plain_prob_rule)
    y_doc = np.zeros(n_docs, dtype=int)
    np.maximum.at(y_doc, g_rule, y[rule_rows])
    if len(np.unique(y_doc)) < 2:
        raise ValueError("the documents need both original and spun documents")
    rule_doc_id = np.empty(n_docs, dtype=object)
    rule_doc_id[g_rule] = doc_key[rule_rows]
    doc_model, p_doc = fit_document_rule(D, y_doc, rule_doc_id, seed)
    doc_source = None
    if "source" in df.columns:
        doc_source = np.empty(n_docs, dtype=object)
        doc_source[g_rule] = df["source"].astype(str).to_numpy()[rule_rows]
    thresholds = preset_thresholds(p_doc, y_doc, doc_source)
    rule_kind = "trees" if isinstance(doc_model, TreeDocumentScorer) else "logistic"
    log(f"document rule ({rule_kind}) on {n_docs:,} documents; thresholds {thresholds}")
    n_orig = int((y_doc == 0).sum())
    few = [f"{name} needs {need:,}" for name, need in MIN_THRESHOLD_DOCS.items() if n_orig < need]
    if few:
        log(f"warning: the document thresholds rest on {n_orig:,} original documents ({', '.join(few)} "
            "to flag its share of originals as promised); add original documents")
    sizes = np.bincount(g_rule, minlength=n_docs)
    if n_docs and sizes.max() == 1:
        log("warning: every document is one sentence (no doc_id column?): document verdicts and thresholds "
            "are then about single sentences; give each row the id of its document in doc_id")
    info = {
        "seed": seed,
        "rows": {"train": len(fit_rows), "calibration": len(cal_a), "document_rule": len(cal_b)},
        "documents_rule": n_docs,
        "document_rule": rule_kind,
        "original_documents_thresholds": n_orig,
        "token_level": "trained" if have_tokens else "from base model",
        **({"token_context": context} if context else {}),
        **({"evidence_context": evidence_spec} if evidence_spec else {}),
        **({"plain_features": list(PLAIN_FEATURES)} if has_plain else {}),
        # the training mix's share of substituted words, which evidence probabilities correct for
        "token_substituted_share": round(float(y_tok[idx].mean()), 4) if have_tokens and len(idx) else
        (base.info_.get("token_substituted_share") if base is not None else None),
        "seconds": round(time.time() - t0, 1),
    }
    return SpinModel(token_model, calibrated, doc_model, thresholds, info, prior=prior,
                     evidence_model=evidence_model, plain_model=plain_model), fs


def _fit_out_of_fold(seed: int, X: np.ndarray, X_rule: np.ndarray, y: np.ndarray, idx: np.ndarray,
                     folds: list, params: dict | None = None
                     ) -> tuple[HistGradientBoostingClassifier, np.ndarray, np.ndarray]:
    """A token classifier fitted on rows ``idx`` of ``X``, and its probabilities for every row of ``X`` and
    of ``X_rule`` (the same tokens as scoring will featurise them), out of fold (``folds`` over ``idx``) on
    the rows it was fitted on."""
    oof = np.zeros(len(X))
    oof_rule = oof if X_rule is X else np.zeros(len(X))
    for k, (a, b) in enumerate(folds):
        m = fit_token_classifier(seed + k, X[idx[a]], y[idx[a]], params)
        oof[idx[b]] = m.predict_proba(X[idx[b]])[:, 1]
        if X_rule is not X:
            oof_rule[idx[b]] = m.predict_proba(X_rule[idx[b]])[:, 1]
    model = fit_token_classifier(seed, X[idx], y[idx], params)
    prob = model.predict_proba(X)[:, 1]
    prob[idx] = oof[idx]
    prob_rule = prob
    if X_rule is not X:
        prob_rule = model.predict_proba(X_rule)[:, 1]
        prob_rule[idx] = oof_rule[idx]
    return model, prob, prob_rule


def _context_spec(rf: FeatureSet, fit_rows: np.ndarray, y: np.ndarray, means: bool = True, echo: bool = True
                  ) -> dict:
    """The context a token model reads (:func:`~spin_detect.learning.context.token_matrix`): document means
    smoothed towards those of the original training documents' words, as scoring computes them (``means``),
    and the echo columns (``echo``)."""
    spec = {"means": [], "offsets": [], "prior": [], "pseudo_tokens": PSEUDO_TOKENS, "echo": list(ECHO) if echo else []}
    if means:
        orig_fit = np.zeros(len(y), dtype=bool)
        orig_fit[fit_rows] = y[fit_rows] == 0
        spec.update(means=list(CONTEXT_MEANS), offsets=list(CONTEXT_OFFSETS),
                    prior=context_prior(rf.tok[orig_fit[rf.tok_sent]], CONTEXT_MEANS))
    return spec
