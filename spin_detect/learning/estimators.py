"""scikit-learn estimators: sentence features and the document aggregation rule.

:class:`SentenceFeatures` turns raw sentences into the named features of
:mod:`spin_detect.features.extractor`, so a sentence classifier is an ordinary
:class:`~sklearn.pipeline.Pipeline`. :func:`document_features` turns the spun
probabilities of a document's sentences into a few document-level numbers that
a document rule maps to the probability that the document was spun:
:class:`TreeDocumentScorer` (gradient-boosted trees, monotone in every column of
evidence; the default model's rule) or :class:`DocumentScorer` (a logistic
regression; the rule of models trained on few documents).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from spin_detect.features import FEATURE_GROUPS, FEATURE_NAMES, FeatureExtractor
from spin_detect.learning.documents import DOCUMENT_FEATURES, DOCUMENT_INPUTS, SPIN_EVIDENCE
from spin_detect.tables.neighbours import Neighbours
from spin_detect.tables.reference import ReferenceStats
from spin_detect.tables.thesaurus import Thesaurus
from spin_detect.text.segment import tokenize

PathLike = str | os.PathLike[str]

__all__ = ["DocumentScorer", "SentenceFeatures", "TreeDocumentScorer"]


def _load_tables(reference: PathLike | None, thesaurus: PathLike | None, neighbours: PathLike | None
                 ) -> tuple[ReferenceStats, Thesaurus, Neighbours | None]:
    from spin_detect.tables.packaged import default_neighbours, default_reference, default_thesaurus

    ref = default_reference() if reference is None else ReferenceStats.load(reference)
    th = default_thesaurus() if thesaurus is None else Thesaurus.load(thesaurus)
    if neighbours is None:
        nb = default_neighbours() if reference is None else None
    elif neighbours == "none":
        nb = None
    else:
        nb = Neighbours.load(neighbours, reference=ref)
    return ref, th, nb


def _packaged_extras(reference: PathLike | None) -> dict:
    """The packaged trigram, topic and cloze tables go with the packaged reference only."""
    if reference is not None:
        return {}
    from spin_detect.tables.packaged import default_cloze, default_topics, default_trigrams

    return {"trigrams": default_trigrams(), "topics": default_topics(), "cloze": default_cloze()}


def _cloze_sha256(extractor: FeatureExtractor) -> str:
    """The SHA-256 of the extractor's cloze table ("" without one)."""
    return extractor.cloze.sha256 if extractor.cloze is not None else ""


class SentenceFeatures(TransformerMixin, BaseEstimator):
    """Sentences (strings) in, named spin features out.

    Parameters
    ----------
    reference, thesaurus, neighbours : path or None
        Tables to compute features from; ``None`` uses the packaged ones
        (``neighbours="none"`` switches distributional neighbours off; with a
        custom reference and no neighbour table they are off too).
    groups : tuple of str or None
        Feature groups to output (see :data:`~spin_detect.features.extractor.FEATURE_GROUPS`);
        ``None`` outputs all. Used for ablation studies.
    batch_size : int
        Sentences scored per vectorised batch; bounds memory.

    Each input string is treated as one sentence. The transformer is stateless
    apart from the tables it loads in :meth:`fit`, which are not pickled: a
    saved model records their SHA-256 and reloads the same packaged tables.

    Not run through ``parametrize_with_checks``'s numeric checks: its input is
    text, not a numeric matrix (``__sklearn_tags__`` says so), which is why
    those generic checks do not apply; ``tests/test_estimators.py`` checks the
    contract that does (clone, fit/transform, feature names, pickling).
    """

    def __init__(self, reference: PathLike | None = None, thesaurus: PathLike | None = None,
                 neighbours: PathLike | None = None, groups: Iterable[str] | None = None,
                 batch_size: int = 2000) -> None:
        self.reference = reference
        self.thesaurus = thesaurus
        self.neighbours = neighbours
        self.groups = groups
        self.batch_size = batch_size

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = True
        return tags

    def _columns(self) -> list[int]:
        if self.groups is None:
            return list(range(len(FEATURE_NAMES)))
        unknown = set(self.groups) - set(FEATURE_GROUPS)
        if unknown:
            raise ValueError(f"unknown feature group(s) {sorted(unknown)}; known: {sorted(FEATURE_GROUPS)}")
        wanted = {f for g in self.groups for f in FEATURE_GROUPS[g]}
        return [i for i, f in enumerate(FEATURE_NAMES) if f in wanted]

    def fit(self, X: Any = None, y: Any = None) -> SentenceFeatures:
        """Load the tables; ``X`` and ``y`` are ignored."""
        ref, th, nb = _load_tables(self.reference, self.thesaurus, self.neighbours)
        self.extractor_ = FeatureExtractor(ref, th, nb, **_packaged_extras(self.reference))
        self.cloze_from_ = self.extractor_.cloze_from
        self.columns_ = self._columns()
        self.reference_sha256_ = ref.sha256
        self.thesaurus_sha256_ = th.sha256
        self.cloze_sha256_ = _cloze_sha256(self.extractor_)
        self.n_features_out_ = len(self.columns_)
        return self

    def transform(self, X: Iterable[str]) -> np.ndarray:
        """Feature matrix, one row per sentence, columns :meth:`get_feature_names_out`."""
        check_is_fitted(self, "columns_")
        texts = list(X)
        for t in texts:
            if not isinstance(t, str):
                raise TypeError(f"SentenceFeatures takes strings, got {type(t).__name__}")
        out = np.zeros((len(texts), len(FEATURE_NAMES)))
        for lo in range(0, len(texts), self.batch_size):
            toks = [[t.text for t in tokenize(s)] for s in texts[lo : lo + self.batch_size]]
            out[lo : lo + len(toks)] = self.extractor.transform(toks)
        return out[:, self.columns_]

    @property
    def extractor(self) -> FeatureExtractor:
        """The feature extractor (reloaded with the same tables after unpickling)."""
        if "extractor_" not in self.__dict__:
            from spin_detect.tables.store import DataFormatError

            ref, th, nb = _load_tables(self.reference, self.thesaurus, self.neighbours)
            # fitted before cloze_from_ existed: the cloze model read every slot
            extractor = FeatureExtractor(ref, th, nb, **_packaged_extras(self.reference),
                                         cloze_from=self.__dict__.get("cloze_from_", 0))
            # a transformer fitted before cloze_sha256_ existed: its cloze table is not checked
            why = extractor.table_mismatch({"reference": self.reference_sha256_, "thesaurus": self.thesaurus_sha256_,
                                            "cloze": self.__dict__.get("cloze_sha256_")})
            if why:
                raise DataFormatError(why)
            self.extractor_ = extractor
        return self.extractor_

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the output columns."""
        check_is_fitted(self, "columns_")
        return np.array([FEATURE_NAMES[i] for i in self.columns_], dtype=object)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("extractor_", None)  # tables are memory-mapped files, never pickled
        return state


class _CappedRule(ClassifierMixin, BaseEstimator):
    """A document rule whose probability is capped at its ``p_any`` input column (the noisy-or of the
    sentence probabilities), which is a ceiling and not an input. Subclasses fit ``model_`` on
    :meth:`_inputs`."""

    _CAP = DOCUMENT_FEATURES.index("p_any")

    def _inputs(self, X: Any) -> np.ndarray:
        return np.delete(np.asarray(X, dtype=float), self._CAP, axis=1)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probability of each class; column 1 is "spun"."""
        check_is_fitted(self, "model_")
        p = self.model_.predict_proba(self._inputs(X))[:, 1]
        p = np.minimum(p, np.asarray(X, dtype=float)[:, self._CAP])
        return np.column_stack([1 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        """Labels at probability 0.5."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


class DocumentScorer(_CappedRule):
    """Logistic regression over :func:`document_features`: the document rule.

    Small, documented and monotone in every feature that signals spinning, so
    its verdicts can be explained ("12 of 30 sentences over 0.5"). Features are
    standardised first, so that the regularisation weighs them alike (a share of
    sentences and a log length are on different scales).

    The regression's probability is capped at ``p_any``, the noisy-or of the
    sentence probabilities. A document counts as spun when any of its sentences
    is, and spinning makes a document's sentences positively associated, so
    P(some sentence spun) <= 1 - prod(1 - p_i): a bound, not a tuned rule. It
    matters only for documents of one to three sentences, where a linear model
    over length-normalised summaries would otherwise extrapolate ("one sentence
    at 0.8" must not make a page 0.99 spun); for longer documents the bound is
    close to 1.
    """

    def __init__(self, C: float = 1.0):
        self.C = C

    def fit(self, X: Any, y: Any) -> DocumentScorer:
        """Fit on document features ``X`` (columns :data:`DOCUMENT_FEATURES`) and labels ``y`` (1 = spun)."""
        self.model_ = make_pipeline(StandardScaler(), LogisticRegression(C=self.C, max_iter=1000)).fit(
            self._inputs(X), y)
        self.classes_ = self.model_.classes_
        return self


class TreeDocumentScorer(_CappedRule):
    """Gradient-boosted trees over :func:`~spin_detect.learning.documents.document_inputs`: the document
    rule of models trained on thousands of documents.

    Trees weigh evidence against what the document is: the same share of odd words means more in a long
    newswire story than in a short list of names, and sentences spun in a block (a partially spun page)
    look otherwise than the same number spread thinly. On dev documents (5-fold cross-validation over the
    8,224 rule documents of the fourteenth session's dev harness, two fold draws) it found 81-82% of
    partially spun documents at 1% of originals flagged in the worst source, where the logistic rule
    found 78%, with the same share of light spin and no more originals flagged.

    Still a rule a person can reason about: the probability never falls when any column of
    :data:`~spin_detect.learning.documents.SPIN_EVIDENCE` rises (monotone constraints), and it is capped
    at ``p_any``, the noisy-or of the sentence probabilities, as :class:`DocumentScorer` is. ``X`` has
    the columns of :data:`~spin_detect.learning.documents.DOCUMENT_INPUTS`; ``p_any`` is the cap, not an
    input. Hyperparameters are scikit-learn's usual ones, fixed before the comparison, not searched.
    """

    def __init__(self, learning_rate: float = 0.05, max_iter: int = 300, max_leaf_nodes: int = 15,
                 min_samples_leaf: int = 40, l2_regularization: float = 1.0, random_state: int = 0):
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.random_state = random_state

    def _inputs(self, X: Any) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != len(DOCUMENT_INPUTS):
            raise ValueError(f"the tree document rule reads all {len(DOCUMENT_INPUTS)} columns of DOCUMENT_INPUTS, "
                             f"got an array of shape {X.shape}")
        return super()._inputs(X)

    def fit(self, X: Any, y: Any) -> TreeDocumentScorer:
        """Fit on document inputs ``X`` (columns :data:`DOCUMENT_INPUTS`) and labels ``y`` (1 = spun)."""
        names = [c for c in DOCUMENT_INPUTS if c != "p_any"]
        monotone = [1 if c in SPIN_EVIDENCE else 0 for c in names]
        self.model_ = HistGradientBoostingClassifier(
            learning_rate=self.learning_rate, max_iter=self.max_iter, max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf, l2_regularization=self.l2_regularization,
            early_stopping=False, monotonic_cst=monotone, random_state=self.random_state,
        ).fit(self._inputs(X), y)
        self.classes_ = self.model_.classes_
        return self
