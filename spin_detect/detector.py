"""The public detector: load a model, score sentences and documents, explain.

    >>> import spin_detect
    >>> det = spin_detect.load_detector()
    >>> det.score_sentences(["The U.N. Safety Council met.", "The U.N. Security Council met."])  # doctest: +SKIP
    array([0.93, 0.02])
    >>> report = det.score_document(open("article.txt").read())  # doctest: +SKIP
    >>> report.likelihood, report.verdict  # doctest: +SKIP

A model is a folder with ``model.joblib``, ``manifest.json`` and a card.
Loading a joblib file runs code, so :func:`load_detector` first checks the
manifest (format version, SHA-256 of the model file, tables the model was
trained with) and refuses anything that does not match unless
``trust_unverified=True``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from spin_detect import __version__
from spin_detect.config import DecisionConfig
from spin_detect.features.extractor import FeatureExtractor
from spin_detect.learning.model import FeatureSet, SpinModel, extract
from spin_detect.tables.store import DataFormatError
from spin_detect.text.segment import split_sentences

__all__ = ["Detector", "DocumentReport", "SentenceReport", "Evidence", "load_detector", "save_model",
           "ModelError", "MODEL_FORMAT", "MODEL_VERSION", "REPORT_SCHEMA"]

MODEL_FORMAT = "spin-detect/model"
MODEL_VERSION = 1
#: Version of the JSON report schema (``DocumentReport.to_dict``).
REPORT_SCHEMA = "spin-detect/report/1"


class ModelError(DataFormatError):
    """A model folder is missing, altered, or made for another spin-detect."""


@dataclass
class Evidence:
    """A word that looks substituted: where it is, how likely, and what it likely replaced."""

    word: str
    start: int
    end: int
    probability: float
    likely_original: str


@dataclass
class SentenceReport:
    """One sentence: offsets in the document, spun probability, flag and evidence."""

    index: int
    text: str
    start: int
    end: int
    probability: float
    flagged: bool
    evidence: list[Evidence] = field(default_factory=list)
    truncated: bool = False


@dataclass
class DocumentReport:
    """A scored document: spin likelihood, verdict and the sentences behind it.

    ``verdict`` is ``spun``, ``original``, ``too_short``, ``out_of_scope`` (not
    enough known English words to judge) or ``empty``.
    """

    likelihood: float
    verdict: str
    threshold: float
    n_sentences: int
    n_flagged: int
    sentences: list[SentenceReport]
    model: dict
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON-ready form, schema :data:`REPORT_SCHEMA`."""
        return {"schema": REPORT_SCHEMA, **asdict(self)}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def save_model(model: SpinModel, folder: str | os.PathLike[str], extractor: FeatureExtractor,
               extra: dict | None = None) -> dict:
    """Write ``model.joblib`` and ``manifest.json`` to ``folder``; return the manifest."""
    import joblib

    from spin_detect.features.extractor import FEATURE_NAMES, TOKEN_FEATURES
    from spin_detect.learning.model import AGG_FEATURES

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / "model.joblib.tmp"
    joblib.dump(model, tmp, compress=3)
    os.replace(tmp, folder / "model.joblib")
    manifest = {
        "format": MODEL_FORMAT,
        "version": MODEL_VERSION,
        "spin_detect_version": __version__,
        "sha256": _sha256(folder / "model.joblib"),
        "reference_sha256": extractor.ref.sha256,
        "thesaurus_sha256": extractor.th.sha256,
        "neighbours": extractor.neighbours is not None,
        "trigrams": extractor.trigrams is not None,
        "topics": extractor.topics is not None,
        "sentence_features": list(FEATURE_NAMES) + list(AGG_FEATURES),
        "token_features": list(TOKEN_FEATURES),
        "thresholds": model.thresholds_,
        "training": model.info_,
        **(extra or {}),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def _default_model_dir() -> Path:
    """``models/default`` of the repository, installed as ``spin_detect.default_model``."""
    from importlib import resources

    try:
        return Path(str(resources.files("spin_detect.default_model")))
    except ModuleNotFoundError:  # running from a source checkout that is not installed
        return Path(__file__).resolve().parents[1] / "models" / "default"


def _require_same_features(folder: Path, manifest: dict) -> None:
    """Refuse a model whose features are not the ones this version computes."""
    from spin_detect.features.extractor import FEATURE_NAMES, TOKEN_FEATURES
    from spin_detect.learning.model import AGG_FEATURES

    for key, names in (("token_features", TOKEN_FEATURES), ("sentence_features", FEATURE_NAMES + AGG_FEATURES)):
        if key in manifest and list(manifest[key]) != list(names):
            made_by = manifest.get("spin_detect_version")
            other = f" (or use spin-detect {made_by}, which made it)" if made_by and made_by != __version__ else ""
            raise ModelError(f"{folder}: this model was trained on other {key.replace('_', ' ')} than "
                             f"spin-detect {__version__} computes; retrain it with this version{other}")


def _read_model(folder: Path, trust_unverified: bool) -> tuple[SpinModel, dict]:
    import joblib

    mpath, fpath = folder / "manifest.json", folder / "model.joblib"
    if not fpath.is_file():
        raise ModelError(f"{folder}: no model.joblib in this folder")
    try:
        data = fpath.read_bytes()
    except OSError as exc:
        raise ModelError(f"{fpath}: cannot read ({exc.strerror or exc})") from exc
    manifest: dict = {}
    if mpath.is_file():
        try:
            manifest = json.loads(mpath.read_text())
        except (ValueError, UnicodeDecodeError) as exc:
            raise ModelError(f"{mpath}: unreadable manifest ({exc})") from exc
        if not isinstance(manifest, dict):
            raise ModelError(f"{mpath}: not a spin-detect manifest (a JSON {type(manifest).__name__}, not an object)")
    if not trust_unverified:
        if not manifest:
            raise ModelError(f"{folder}: no manifest.json; refusing to load an unverified model "
                             "(loading runs code; pass --trust-model if you made it yourself)")
        if manifest.get("format") != MODEL_FORMAT or manifest.get("version") != MODEL_VERSION:
            raise ModelError(f"{folder}: model format {manifest.get('format')} v{manifest.get('version')} "
                             f"cannot be read by spin-detect {__version__} (it reads {MODEL_FORMAT} "
                             f"v{MODEL_VERSION}); retrain it or use spin-detect "
                             f"{manifest.get('spin_detect_version', '?')}")
        if hashlib.sha256(data).hexdigest() != manifest.get("sha256"):
            raise ModelError(f"{fpath}: checksum does not match the manifest; the file was altered "
                             "(pass --trust-model only if you know why)")
        _require_same_features(folder, manifest)
    # Unpickle the very bytes that were checked: the file cannot be swapped in between.
    model = joblib.load(io.BytesIO(data))
    if not isinstance(model, SpinModel):
        raise ModelError(f"{fpath}: not a spin-detect model")
    return model, manifest


class Detector:
    """Scores text with a :class:`~spin_detect.learning.model.SpinModel`; see the module docs."""

    def __init__(self, model: SpinModel, manifest: dict, extractor: FeatureExtractor,
                 config: DecisionConfig | None = None):
        self.model = model
        self.manifest = manifest
        self.extractor = extractor
        self.config = config or DecisionConfig()
        # log-probability of the 150th most frequent word: "common English word" cut-off
        self._common_cut = float(extractor.ref.logprob(np.array([min(150, len(extractor.ref) - 1)]))[0])

    @property
    def model_id(self) -> dict:
        """Identity of the model, as written into every report."""
        return {"name": self.manifest.get("name", "custom"), "sha256": self.manifest.get("sha256", "")[:16],
                "spin_detect_version": __version__}

    def features(self, sentences: list[str]) -> FeatureSet:
        """Features of sentences (each string one sentence)."""
        return extract(sentences, self.extractor)

    def score_sentences(self, sentences: Iterable[str]) -> np.ndarray:
        """Spun probability of each string, each treated as one sentence, in order."""
        texts = list(sentences)
        for t in texts:
            if not isinstance(t, str):
                raise TypeError(f"score_sentences takes strings, got {type(t).__name__}")
        if not texts:
            return np.zeros(0)
        return self.model.sentence_proba(self.features(texts))

    def score_document(self, text: str) -> DocumentReport:
        """Score one document: likelihood, verdict and per-sentence evidence."""
        return next(iter(self.score_documents([text])))

    def score_documents(self, texts: Iterable[str], batch_sentences: int = 2000) -> Iterator[DocumentReport]:
        """Score documents lazily, batching sentences across documents for speed."""
        batch: list[tuple[str, list]] = []
        n_sent = 0
        for text in texts:
            sents = split_sentences(text)
            batch.append((text, sents))
            n_sent += len(sents)
            if n_sent >= batch_sentences:
                yield from self._score_batch(batch)
                batch, n_sent = [], 0
        if batch:
            yield from self._score_batch(batch)

    def _score_batch(self, batch) -> list[DocumentReport]:
        cfg = self.config
        flat = [s for _, sents in batch for s in sents]
        fs = extract([s.text for s in flat], self.extractor, tokens=[s.tokens for s in flat]) if flat else None
        with _few_threads(len(fs.tok) if fs is not None else 0):
            tok_prob = self.model.token_proba(fs) if fs is not None else np.zeros(0)
            sent_prob = self.model.sentence_proba(fs, tok_prob) if fs is not None else np.zeros(0)
        doc_index = np.repeat(np.arange(len(batch)), [len(s) for _, s in batch])
        doc_prob = self.model.document_proba(sent_prob, doc_index, len(batch))
        cut = cfg.document_cut(self.model.thresholds_)
        reports = []
        tok_start = np.r_[0, np.cumsum([len(s.tokens) for s in flat])].tolist()
        # Per document: word-like tokens, known ones, common ones (all tokens at once).
        n_docs = len(batch)
        if fs is not None and len(fs.tok):
            wl = fs.tok[:, _WORDLIKE_COL] > 0
            tok_doc = doc_index[fs.tok_sent]
            doc_words = np.bincount(tok_doc[wl], minlength=n_docs).tolist()
            doc_known = np.bincount(tok_doc[wl & (fs.tok[:, _OOV_COL] == 0)], minlength=n_docs).tolist()
            doc_common = np.bincount(tok_doc[wl & (fs.tok[:, _LOGFREQ_COL] >= self._common_cut)],
                                     minlength=n_docs).tolist()
            # Sentences that can have evidence: a token at the threshold or above (or NaN, which
            # the loop below would not stop at); the others have none.
            ev_tok = (tok_prob >= cfg.evidence_threshold) | np.isnan(tok_prob)
            has_ev = (np.bincount(fs.tok_sent[ev_tok], minlength=len(flat)) > 0).tolist()
        else:
            doc_words = doc_known = doc_common = [0] * n_docs
            has_ev = [False] * len(flat)
        sent_p = sent_prob.tolist()
        k = 0
        for d, (_text, sents) in enumerate(batch):
            reports_s = []
            known, words, common = doc_known[d], doc_words[d], doc_common[d]
            for s in sents:
                p = sent_p[k]
                ev = []
                if has_ev[k]:
                    lo, hi = tok_start[k], tok_start[k + 1]
                    tp = tok_prob[lo:hi]
                    for j in np.argsort(-tp, kind="stable")[: cfg.max_evidence]:
                        if tp[j] < cfg.evidence_threshold:
                            break
                        tok = s.tokens[j]
                        orig = fs.originals[lo + j] or fs.nbr_originals[lo + j]
                        if orig.lower() == tok.text.lower():
                            orig = ""  # "months -> months?" says nothing
                        ev.append(Evidence(tok.text, tok.start, tok.end, round(float(tp[j]), 4), orig))
                reports_s.append(SentenceReport(len(reports_s), s.text, s.start, s.end, round(p, 4),
                                                p >= cfg.sentence_threshold, ev, s.truncated))
                k += 1
            notes = []
            likelihood = float(doc_prob[d]) if sents else 0.0
            if not sents:
                verdict = "empty"
            elif words < cfg.min_words and _has_words(_text, cfg.min_words):
                # words of other scripts (Cyrillic, CJK...) are not "wordlike" English tokens
                verdict = "out_of_scope"
                notes.append(f"this does not look like English (fewer than {cfg.min_words} of its words are "
                             "known English words); spin-detect judges English text only")
            elif words < cfg.min_words:
                verdict = "too_short"
                notes.append(f"only {words} words; at least {cfg.min_words} are needed for a verdict")
            elif known < cfg.min_known_share * words or common < cfg.min_common_share * words:
                verdict = "out_of_scope"
                notes.append(f"this does not look like English ({known} of {words} words known, {common} "
                             "among the most common English words); spin-detect judges English text only")
            else:
                verdict = "spun" if likelihood >= cut else "original"
            if any(s.truncated for s in sents):
                notes.append("a run-on sentence was cut into pieces of at most 2,000 characters")
            reports.append(DocumentReport(round(likelihood, 4), verdict, round(cut, 4), len(sents),
                                          sum(r.flagged for r in reports_s), reports_s, self.model_id, notes))
        return reports


def _few_threads(n_rows: int):
    """One OpenMP thread for small batches: the classifiers' per-tree parallel
    sections cost more than they save on a few thousand rows, and on a busy
    machine each one waits for a descheduled thread (seconds per document)."""
    from contextlib import nullcontext

    if n_rows >= 20_000:
        return nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="openmp")


_LETTERS_RE = re.compile(r"[^\W\d_]+")


def _has_words(text: str, n: int) -> bool:
    """Whether ``text`` has at least ``n`` runs of letters, in any script."""
    return any(i >= n for i, _ in enumerate(_LETTERS_RE.finditer(text), 1))


def _col(name: str) -> int:
    from spin_detect.features.extractor import TOKEN_FEATURES

    return TOKEN_FEATURES.index(name)


_WORDLIKE_COL = _col("wordlike")
_OOV_COL = _col("oov")
_LOGFREQ_COL = _col("logfreq")


def load_detector(model: str | os.PathLike[str] | None = None, config: DecisionConfig | None = None,
                  trust_unverified: bool = False) -> Detector:
    """Load a detector: the packaged default model, or the model folder ``model``.

    Raises :class:`ModelError` when the folder, manifest or checksum is wrong,
    or the model was trained with other reference/thesaurus tables.
    """
    if model is None:
        return Detector(*_default_parts(), config=config)
    folder = Path(model)
    if folder.is_file():
        folder = folder.parent
    spin, manifest = _read_model(folder, trust_unverified)
    return Detector(spin, manifest, _extractor_for(manifest), config)


@lru_cache(maxsize=1)
def _default_parts() -> tuple[SpinModel, dict, FeatureExtractor]:
    spin, manifest = _read_model(_default_model_dir(), trust_unverified=False)
    return spin, manifest, _extractor_for(manifest)


def _extractor_for(manifest: dict) -> FeatureExtractor:
    from spin_detect.features import default_extractor

    ex = default_extractor()
    want = manifest.get("reference_sha256")
    if want and want != ex.ref.sha256:
        raise ModelError(f"this model was trained with reference statistics {want[:12]}, but the installed "
                         f"ones are {ex.ref.sha256[:12]}; retrain it or install the matching spin-detect")
    return ex
