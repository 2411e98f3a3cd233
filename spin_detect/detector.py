"""The public detector: load a model, score sentences and documents, explain.

    >>> import spin_detect
    >>> det = spin_detect.load_detector()
    >>> det.score_sentences(["The U.N. Safety Council met.", "The U.N. Security Council met."])  # doctest: +SKIP
    array([0.93, 0.02])
    >>> report = det.score_document(open("article.txt").read())  # doctest: +SKIP
    >>> report.likelihood, report.verdict  # doctest: +SKIP

The detector runs the layers in order: sentences and tokens (:mod:`spin_detect.text`), features
(:mod:`spin_detect.features`), the token, sentence and document models (:mod:`spin_detect.learning`), then the
decisions of :class:`~spin_detect.config.DecisionConfig`; it returns :class:`~spin_detect.report.DocumentReport`
objects. Model folders are read by :mod:`spin_detect.learning.persist`, which checks them before loading.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from spin_detect import __version__
from spin_detect.config import DecisionConfig
from spin_detect.features import FeatureExtractor
from spin_detect.features.originals import (
    RANKED_ORIGINALS,
    SHOWN_ORIGINALS,
    LikelyOriginal,
    OriginalRanker,
    evidence_run,
    match_case,
)
from spin_detect.input.prepare import MAX_DOCUMENT_CHARS
from spin_detect.learning.model import FeatureSet, SpinModel, empty_features, extract
from spin_detect.learning.persist import (
    LEGACY_MODEL_FILE,
    MODEL_FILE,
    ModelError,
    check_model_tables,
    default_model_dir,
    model_reference,
    read_model,
)
from spin_detect.report import DocumentReport, Evidence, SentenceReport
from spin_detect.tables.blas import one_blas_thread
from spin_detect.text.normalize import Normalized, normalize
from spin_detect.text.segment import Sentence, Tokens, split_sentences

# DocumentReport and ModelError are re-exported: callers of the detector meet them.
__all__ = ["Detector", "DocumentReport", "ModelError", "load_detector"]


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
    def document_threshold(self) -> float:
        """The document threshold in force: the configured one, else the preset's stored in the model."""
        return self.config.document_cut(self.model.thresholds_)

    @property
    def model_id(self) -> dict:
        """Identity of the model, as written into every report (with its domain reference: ``train --reference``)."""
        out = {"name": self.manifest.get("name", "custom"), "sha256": self.manifest.get("sha256", ""),
               "spin_detect_version": __version__}
        domain = self.manifest.get("domain_reference")
        if isinstance(domain, dict):
            out["domain_reference"] = {"source": domain.get("source"), "sha256": str(domain.get("sha256", "")),
                                       "share": domain.get("share")}
        return out

    def features(self, sentences: list[str]) -> FeatureSet:
        return extract(sentences, self.extractor)  # each string one sentence

    def score_sentences(self, sentences: Iterable[str]) -> np.ndarray:
        """Spun probability of each string, each treated as one sentence, in order."""
        _not_one_string(sentences, "score_sentences", "sentences")
        texts = list(sentences)
        for t in texts:
            if not isinstance(t, str):
                raise TypeError(f"score_sentences takes strings, got {type(t).__name__}")
        if not texts:
            return np.zeros(0)
        with one_blas_thread():
            return self.model.sentence_proba(self.features([normalize(t).text for t in texts]))

    def score_document(self, text: str) -> DocumentReport:
        """Score one document: likelihood, verdict and per-sentence evidence."""
        return next(iter(self.score_documents([text])))

    def score_documents(self, texts: Iterable[str], batch_sentences: int = 2000,
                        top_evidence: int | None = None) -> Iterator[DocumentReport]:
        """Score documents lazily, batching sentences across documents for speed.

        Each text is scored as a reader sees it (:func:`~spin_detect.text.normalize.normalize`:
        invisible characters, look-alike letters and compatibility forms undone); every
        offset in the reports points into the text as given.

        ``top_evidence=N`` keeps only the document's N strongest evidence items (what a
        summary row shows: the first N of all its sentences' evidence sorted by probability,
        the same items as without it); each sentence lists those of its own. Likely
        originals are then ranked for those few words only, which is most of the work of
        evidence in a spun document. Everything else in the reports is the same.

        A text longer than :data:`~spin_detect.input.prepare.MAX_DOCUMENT_CHARS` characters is scored on
        its first that many, with a note, as the command line does: memory stays bounded.
        """
        _not_one_string(texts, "score_documents", "documents")
        batch: list[tuple[Normalized, list[Sentence]]] = []
        cuts: list[str | None] = []
        n_sent = 0
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"score_documents takes strings (the texts), got {type(text).__name__} as item {i}"
                                + (": read the file first" if isinstance(text, os.PathLike) else ""))
            cuts.append(f"document of {len(text):,} characters scored on its first {MAX_DOCUMENT_CHARS:,}"
                        if len(text) > MAX_DOCUMENT_CHARS else None)
            norm = normalize(text[:MAX_DOCUMENT_CHARS])
            sents = split_sentences(norm.text)
            batch.append((norm, sents))
            n_sent += len(sents)
            if n_sent >= batch_sentences:
                yield from _with_cuts(self._score_batch(batch, top_evidence), cuts)
                batch, cuts, n_sent = [], [], 0
        if batch:
            yield from _with_cuts(self._score_batch(batch, top_evidence), cuts)

    def _score_batch(self, batch: list[tuple[Normalized, list[Sentence]]], top: int | None = None
                     ) -> list[DocumentReport]:
        cloze = self.extractor.cloze  # small products: BLAS threads only spin; the ranking reuses the features'
        with one_blas_thread(), cloze.remembering() if cloze is not None else nullcontext():
            return self._score_batch_here(batch, top)

    def _score_batch_here(self, batch: list[tuple[Normalized, list[Sentence]]], top: int | None
                          ) -> list[DocumentReport]:
        cfg = self.config
        flat = [s for _, sents in batch for s in sents]
        fs = extract([s.text for s in flat], self.extractor, tokens=[s.tokens for s in flat]) if flat else None
        doc_index = np.repeat(np.arange(len(batch)), [len(s) for _, s in batch])
        with _few_threads(len(fs.tok) if fs is not None else 0):
            tok_prob = self.model.token_proba(fs, doc_index) if fs is not None else np.zeros(0)
            plain_prob = self.model.plain_token_proba(fs, doc_index) if fs is not None else None
            sent_prob = self.model.sentence_proba(fs, tok_prob, plain_prob) if fs is not None else np.zeros(0)
        doc_prob = self.model.document_proba(fs if fs is not None else empty_features(), tok_prob, sent_prob,
                                             doc_index, len(batch), plain_prob)
        cut = self.document_threshold
        reports = []
        tok_start = np.r_[0, np.cumsum([len(s.tokens) for s in flat])].tolist()
        # Per document: word-like tokens, known ones, common ones (all tokens at once).
        n_docs = len(batch)
        if fs is not None and len(fs.tok):
            # words for the verdict: every token with a letter, known to the reference or not (the "wordlike"
            # feature leaves out unknown words, so gibberish and other languages would count only their known ones)
            wl = _letter_tokens(fs)
            tok_doc = doc_index[fs.tok_sent]
            doc_words = np.bincount(tok_doc[wl], minlength=n_docs).tolist()
            doc_known = np.bincount(tok_doc[wl & (fs.tok[:, _OOV_COL] == 0)], minlength=n_docs).tolist()
            doc_common = np.bincount(tok_doc[wl & (fs.tok[:, _LOGFREQ_COL] >= self._common_cut)],
                                     minlength=n_docs).tolist()
            # Evidence: each token's probability given its text (SpinModel.evidence_proba).
            # Sentences that can have evidence: a token at the threshold or above (or NaN, which
            # the loop below would not stop at); the others have none.
            spun = np.maximum(doc_prob[tok_doc], sent_prob[fs.tok_sent])
            with _few_threads(len(fs.tok)):
                ev_base = self.model.evidence_token_proba(fs, doc_index, tok_prob, spun >= cfg.evidence_threshold)
            ev_prob = self.model.evidence_proba(ev_base, spun)
            ev_tok = (ev_prob >= cfg.evidence_threshold) | np.isnan(ev_prob)
            has_ev = (np.bincount(fs.tok_sent[ev_tok], minlength=len(flat)) > 0).tolist()
            ranked = self._rank_batch(flat, ev_prob, tok_start, has_ev, doc_index, top)
        else:
            doc_words = doc_known = doc_common = [0] * n_docs
            has_ev, ranked, ev_prob = [False] * len(flat), {}, tok_prob
        sent_p = sent_prob.tolist()
        k = 0
        for d, (norm, sents) in enumerate(batch):
            original = norm.original
            reports_s: list[SentenceReport] = []
            known, words, common = doc_known[d], doc_words[d], doc_common[d]
            chosen = None if top is None else self._top_evidence(
                [(k + i, s) for i, s in enumerate(sents) if has_ev[k + i]], ev_prob, tok_start, norm, ranked, top)
            flaggable = round(float(doc_prob[d]), 4) >= min(cfg.flag_document_floor, round(cut, 4))  # DecisionConfig
            for s in sents:
                p = sent_p[k]
                ev: list[Evidence] = []
                if chosen is not None:
                    ev = chosen.get(k, [])
                elif has_ev[k]:
                    ev = self._evidence(s, ev_prob[tok_start[k] : tok_start[k + 1]], norm, ranked.get(k, {}))
                s0, s1 = norm.span(s.start, s.end)
                reports_s.append(SentenceReport(len(reports_s), original[s0:s1], s0, s1, round(p, 4),
                                                flaggable and p >= cfg.sentence_threshold, ev, s.truncated))
                k += 1
            likelihood, cut4 = round(float(doc_prob[d]), 4) if sents else 0.0, round(cut, 4)  # compared as shown
            verdict, notes = cfg.document_verdict(norm.text, len(sents), words, known, common, likelihood, cut4)
            if any(s.truncated for s in sents):
                notes.append("a run-on sentence was cut into pieces of at most 2,000 characters")
            hidden = cfg.obfuscation_note(norm.obfuscation)
            if hidden:
                notes.append(hidden)
            reports.append(DocumentReport(likelihood, verdict, cut4, len(sents),
                                          sum(r.flagged for r in reports_s), reports_s, self.model_id, notes,
                                          dict(norm.obfuscation), bool(hidden)))
        return reports

    @cached_property
    def ranker(self) -> OriginalRanker:
        """Ranks the likely originals of evidence words; its candidate caches live as long as the detector."""
        return OriginalRanker(self.extractor)

    def _rank_batch(self, flat: list[Sentence], ev_prob: np.ndarray, tok_start: list[int], has_ev: list[bool],
                    doc_index: np.ndarray, top: int | None = None
                    ) -> dict[int, dict[int, list[LikelyOriginal]]]:
        """Likely originals of the words each sentence will most likely show as evidence (its
        ``max_evidence`` + 2 strongest at the threshold or above), ranked in one pass for the batch;
        with ``top``, only the ``top`` + 2 strongest of those in each document (``doc_index``: each
        sentence's document; the others a document needs are ranked when it does)."""
        cfg = self.config
        want: list[tuple[int, int]] = []
        strong: list[tuple[int, float, int, int, int]] = []  # (document, -probability, sentence, rank, token)
        for k in range(len(flat)):
            if not has_ev[k] or cfg.max_evidence <= 0:
                continue
            prob = ev_prob[tok_start[k] : tok_start[k + 1]]
            for i, j in enumerate(np.argsort(-prob, kind="stable")[: cfg.max_evidence + 2].tolist()):
                if not prob[j] >= cfg.evidence_threshold:
                    break
                if top is None:
                    want.append((k, j))
                else:
                    strong.append((int(doc_index[k]), -round(float(prob[j]), 4), k, i, j))
        if top is not None:
            strong.sort()
            last, n = -1, 0
            for d, _, k, _, j in strong:
                n = n + 1 if d == last else 1
                last = d
                if n <= top + 2:
                    want.append((k, j))
        words = {k: [t.text for t in flat[k].tokens] for k, _ in want}  # one list per sentence: ids made once
        got = self.ranker.rank([(words[k], j) for k, j in want], RANKED_ORIGINALS)
        out: dict[int, dict[int, list[LikelyOriginal]]] = {}
        for (k, j), r in zip(want, got):
            out.setdefault(k, {})[j] = r
        return out

    def _evidence(self, s: Sentence, prob: np.ndarray, norm: Normalized,
                  ranked: dict[int, list[LikelyOriginal]]) -> list[Evidence]:
        """The sentence's evidence: its most likely substituted words (``prob``: per token, given the
        document), each with up to three ranked likely originals (``ranked`` holds those of its
        strongest words; others are ranked here); a word whose best original replaces a phrase is
        shown as that phrase, once."""
        state = _EvidenceState(s, prob)
        while (j := self._next_anchor(state)) is not None:
            self._take(state, j, norm, ranked)
        return state.out

    def _top_evidence(self, sents: list[tuple[int, Sentence]], ev_prob: np.ndarray, tok_start: list[int],
                      norm: Normalized, ranked: dict[int, dict[int, list[LikelyOriginal]]], top: int
                      ) -> dict[int, list[Evidence]]:
        """The ``top`` strongest items of the evidence of a document's sentences (``(index in the batch,
        sentence)``), per sentence: the first ``top`` of all their :meth:`_evidence` lists, in sentence order,
        sorted by rounded probability (Python's sort is stable), built by merging the lists item by item so
        that only the words it takes are ranked."""
        states = [(k, _EvidenceState(s, ev_prob[tok_start[k] : tok_start[k + 1]])) for k, s in sents]
        for _ in range(top):
            best: tuple[float, int, int, _EvidenceState] | None = None
            for k, st in states:
                j = self._next_anchor(st)
                if j is None:
                    continue
                key = round(float(st.prob[j]), 4)
                if best is None or key > best[0]:
                    best = (key, k, j, st)
            if best is None:
                break
            self._take(best[3], best[2], norm, ranked.get(best[1], {}))
        return {k: st.out for k, st in states if st.out}

    def _next_anchor(self, st: _EvidenceState) -> int | None:
        """The token the sentence's next evidence item is about, or None when it has no more."""
        cfg = self.config
        while st.pos < len(st.order) and st.order[st.pos] in st.covered:
            st.pos += 1
        if len(st.out) >= cfg.max_evidence or st.pos >= len(st.order):
            return None
        j = st.order[st.pos]
        return j if st.prob[j] >= cfg.evidence_threshold else None

    def _take(self, st: _EvidenceState, j: int, norm: Normalized, ranked: dict[int, list[LikelyOriginal]]) -> None:
        """Make the evidence item of token ``j`` (ranking its likely originals unless ``ranked`` has them)."""
        s = st.sentence
        best = ranked[j] if j in ranked else self.ranker.rank([([t.text for t in s.tokens], j)], RANKED_ORIGINALS)[0]
        a = b = j
        if best and best[0].length > 1 and not st.covered & set(range(best[0].start, best[0].start + best[0].length)):
            a, b = best[0].start, best[0].start + best[0].length - 1
        # Only the shown span's originals: another span's would read as this text's ("keep on" -> "keep" under "on").
        same = [r for r in best if r.start == a and r.length == b - a + 1][:SHOWN_ORIGINALS]
        if not same:  # no original: one item for the run of adjacent evidence words without one either
            a, b = evidence_run([t.text for t in s.tokens], j, st.prob, st.covered, self.config.evidence_threshold,
                                self.ranker)
        st.covered.update(range(a, b + 1))
        w0, w1 = norm.span(s.tokens[a].start, s.tokens[b].end)
        text = norm.original[w0:w1]
        likely = [match_case(text, r.text) for r in same]
        st.out.append(Evidence(text, w0, w1, round(float(st.prob[j]), 4), likely[0] if likely else "", likely))


class _EvidenceState:
    """Where :meth:`Detector._evidence` is in a sentence: its tokens by probability, the next, those covered, items."""

    def __init__(self, sentence: Sentence, prob: np.ndarray) -> None:
        self.sentence, self.prob = sentence, prob
        self.order: list[int] = np.argsort(-prob, kind="stable").tolist()
        self.pos = 0
        self.covered: set[int] = set()
        self.out: list[Evidence] = []


def _few_threads(n_rows: int) -> AbstractContextManager[object]:
    """One OpenMP thread for small batches scored by scikit-learn models (a model trained in this
    process; loaded models predict in numpy): their per-tree parallel sections cost more than they
    save on a few thousand rows, and on a busy machine each one waits for a descheduled thread."""
    import sys
    from contextlib import nullcontext

    if n_rows >= 20_000 or "sklearn" not in sys.modules:
        return nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="openmp")


def _col(name: str) -> int:
    from spin_detect.features import TOKEN_FEATURES

    return TOKEN_FEATURES.index(name)


def _not_one_string(values: object, method: str, what: str) -> None:
    """A bare string (or bytes) where a list of them belongs would be scored character by character: refused."""
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{method} takes a list of {what}, not one {type(values).__name__}: pass [text]")


def _with_cuts(reports: list[DocumentReport], cuts: list[str | None]) -> list[DocumentReport]:
    for r, cut in ((r, c) for r, c in zip(reports, cuts) if c):
        r.notes.insert(0, cut)
    return reports


_LETTER = re.compile(r"[^\W\d_]")
_WORDLIKE_COL, _OOV_COL, _LOGFREQ_COL = _col("wordlike"), _col("oov"), _col("logfreq")


def _letter_tokens(fs: FeatureSet) -> np.ndarray:
    """Per token: does it hold a letter of any script? Known words by their feature (a-z), unknown ones by text."""
    out = fs.tok[:, _WORDLIKE_COL] > 0
    start = np.r_[0, np.cumsum([len(s) for s in fs.tokens])].tolist()
    for k in np.flatnonzero(fs.tok[:, _OOV_COL] > 0).tolist():
        s, j = fs.tokens[si := int(fs.tok_sent[k])], k - start[si]
        out[k] = _LETTER.search(s.texts[j] if type(s) is Tokens else s[j].text) is not None
    return out


def load_detector(model: str | os.PathLike[str] | None = None, config: DecisionConfig | None = None,
                  trust_unverified: bool = False) -> Detector:
    """Load a detector: the packaged default model, or the model folder ``model``.

    Raises :class:`ModelError` when the folder, manifest or checksum is wrong,
    or the model was trained with another reference, thesaurus or cloze table.
    """
    if model is None:
        return Detector(*_default_parts(), config=config)
    folder = Path(model)
    if not folder.exists():
        raise ModelError(f"{model}: no such model folder")
    if folder.is_file():  # a model folder's own file stands for the folder
        if folder.name not in (MODEL_FILE, LEGACY_MODEL_FILE, "manifest.json"):
            raise ModelError(f"{model}: a file, not a model folder (give the folder that holds {MODEL_FILE})")
        folder = folder.parent
    spin, manifest = read_model(folder, trust_unverified)
    return Detector(spin, manifest, _extractor_for(manifest, folder), config)


@lru_cache(maxsize=1)
def _default_parts() -> tuple[SpinModel, dict, FeatureExtractor]:
    folder = default_model_dir()
    spin, manifest = read_model(folder)
    return spin, manifest, _extractor_for(manifest, folder)


def _extractor_for(manifest: dict, folder: Path) -> FeatureExtractor:
    """The feature extractor a model was trained with: the packaged tables, with the
    model's own domain reference mixed in when it carries one (``train --reference``), and the
    cloze model reading the slots the model's did (``cloze_from``; 0 for models saved without it)."""
    from spin_detect.features import extractor_with_reference
    from spin_detect.tables.packaged import default_reference

    cloze_from = manifest.get("cloze_from", 0)
    if type(cloze_from) is not int or cloze_from < 0:
        raise ModelError(f"{folder}: the manifest's cloze_from must be a whole number of 0 or more, "
                         f"not {cloze_from!r}")
    extractor = extractor_with_reference(model_reference(folder, manifest, default_reference()),
                                         cloze_from=cloze_from)
    check_model_tables(manifest, extractor)
    return extractor
