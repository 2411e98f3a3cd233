"""Find the original of each record: candidate pairs from the LSH, aligned and oriented, best source chosen.

:func:`match_sources` is the Python API: records in, one dict of match fields per record out, in order.
:func:`match_documents` is what it and the audit run on :class:`~spin_detect.matching.pairs.Doc` lists:

1. signatures of every record (:mod:`.signature`);
2. candidate pairs: records sharing an LSH band with each other (``within``) and with a trusted
   :class:`~spin_detect.matching.index.SourceIndex` (``sources``);
3. each pair aligned and judged (:func:`~spin_detect.matching.pairs.assess_pair`), then oriented
   (:func:`~spin_detect.matching.pairs.orient`);
4. per record, the best source it is a copy of: the highest ``source_similarity``, then a trusted source
   before another record, then the first in order.

:func:`resolve` (steps 3b-4) is shared with the Dask path (:mod:`.distributed`), which finds and judges the
pairs on a cluster: both give the same fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from spin_detect.matching.config import MatchConfig
from spin_detect.matching.index import SourceIndex, new_lsh, signer_of
from spin_detect.matching.pairs import (
    Doc,
    PairVerdict,
    assess_pair,
    native_means,
    orient,
    verdict_fields,
    wants_native,
)
from spin_detect.matching.signature import Word, words

if TYPE_CHECKING:
    from spin_detect.detector import Detector

__all__ = ["MATCH_FIELDS", "Matcher", "Native", "empty_fields", "match_documents", "match_pair", "match_sources",
           "resolve", "to_doc"]

#: The fields matching adds to a record (and to an audit row).
MATCH_FIELDS = ("source_id", "source_relation", "source_similarity", "swaps")
#: Sentence probabilities of a list of sentences (lower: more native); the detector's ``score_sentences``.
Native = Callable[[Sequence[str]], Sequence[float]]


def empty_fields() -> dict[str, Any]:
    """The match fields of a record with no source: every field null, no note."""
    return {"source_id": None, "source_relation": None, "source_similarity": None, "swaps": None,
            "source_note": None}


def to_doc(record: Any, key: int) -> Doc:
    """A record as a :class:`Doc`: a string is a text (id: its position), a mapping has ``text`` and may have
    ``id``, ``url``, ``date`` and ``likelihood``."""
    if isinstance(record, str):
        return Doc(key, str(key), record)
    if isinstance(record, Doc):
        return record
    if not hasattr(record, "get") or not isinstance(record.get("text"), str):
        raise TypeError(f"record {key}: a string or a mapping with a 'text' string, not {type(record).__name__}")
    rid = record.get("id")
    lik = record.get("likelihood")
    return Doc(key, str(rid) if rid is not None else str(key), record["text"], record.get("url"),
               record.get("date"), float(lik) if isinstance(lik, int | float) else None)


def match_sources(records: Iterable[Any], sources: Iterable[Any] | SourceIndex | str | None = None, *,
                  within: bool | None = None, config: MatchConfig | None = None,
                  detector: Detector | None = None) -> Iterator[dict[str, Any]]:
    """Find the original of each record; yield one dict per record, in order.

    ``records``: strings (the texts; ids are their positions) or mappings with ``text`` and optionally ``id``,
    ``url``, ``date`` (ISO 8601) and ``likelihood`` (the detector's, if already scored). ``sources``: trusted
    originals, as the same kind of records, a :class:`~spin_detect.matching.index.SourceIndex`, or the path of
    a saved index folder. ``within``: also match the records with each other (default: when no sources are
    given). ``detector`` decides which of two records is the original when no date does (default: the
    packaged model, loaded only if needed).

    Each dict has ``id``, ``source_id`` (the id of the original found, or None), ``source_relation`` (``copy``,
    ``spun_copy``, ``rewrite`` or None), ``source_similarity`` (share of the record's words equal to the
    original's in the alignment, 0-1), ``swaps`` (for a spun copy: ``{start, end, word, original}`` with
    offsets into the record's text) and ``source_note`` (why that one is the original); a record whose
    matching failed has ``match_error`` too. Everything is held in memory; for a corpus use
    ``spin-detect audit --match-sources``.
    """
    config = config or MatchConfig()
    docs = [to_doc(r, i) for i, r in enumerate(records)]
    index: SourceIndex | None
    if sources is None or isinstance(sources, SourceIndex):
        index = sources
    elif isinstance(sources, str):
        index = SourceIndex.load(sources, config)
    else:
        index = SourceIndex(config)
        for i, r in enumerate(sources):
            d = to_doc(r, i)
            index.add(d.text, d.id, d.url, d.date)
    state: dict[str, Detector] = {}

    def native(sentences: Sequence[str]) -> Sequence[float]:
        if "det" not in state:
            from spin_detect.detector import load_detector

            state["det"] = detector or load_detector()
        return list(state["det"].score_sentences(sentences))

    fields = match_documents(docs, index, within=index is None if within is None else within, config=config,
                             native=native)
    for d, f in zip(docs, fields):
        yield {"id": d.id, **f}


def match_pair(original: Any, other: Any, config: MatchConfig | None = None,
               native: Native | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The match fields of two records aligned with each other directly: ``(original's, other's)``.

    For a pair a person names (``score --source``): no signature or similarity filter decides whether the two
    are compared, and when nothing tells which is the original (no dates, the same words, the same wording),
    ``original`` is, as the first record in input order. Records as for :func:`match_sources`; ``native`` as
    for :func:`resolve` (None: no native-fit test).
    """
    c = config or MatchConfig()
    a, b = to_doc(original, 0), to_doc(other, 1)
    a, b = replace(a, key=0), replace(b, key=1)
    try:
        v = assess_pair(a, b, np.zeros(1, dtype=np.uint32), np.zeros(1, dtype=np.uint32), replace(c, min_jaccard=0.0))
    except Exception as exc:  # a pair that fails is a note, as in match_sources, never a crash
        why = f"failed ({type(exc).__name__}: {exc})"
        return ({**empty_fields(), "match_error": f"aligning with {b.id} {why}"},
                {**empty_fields(), "match_error": f"aligning with {a.id} {why}"})
    fields = resolve([a, b], [v] if v is not None and v.related else [], None, native)
    return fields[0], fields[1]


def match_documents(docs: list[Doc], sources: SourceIndex | None = None, within: bool = True,
                    config: MatchConfig | None = None, native: Native | None = None,
                    texts: Callable[[int], str] | None = None) -> list[dict[str, Any]]:
    """The match fields of each of ``docs`` (same order), against each other (``within``) and ``sources``.

    ``texts(key)``, when given, returns a document's text (so ``docs`` may carry empty texts and the texts
    live elsewhere, e.g. on disk). The same as feeding a :class:`Matcher` every document, in order.
    """
    text_of = texts or (lambda k: docs[k].text)
    matcher = Matcher(config, within=within, texts=text_of)
    for d in docs:
        matcher.add(d.key, text_of(d.key))
    return matcher.fields(docs, [d.key for d in docs], sources, native)


#: A failure noted against a document: (order, key, why). ``order`` sorts the failures as one pass over the
#: documents in order would meet them: (0, key, 0, 0) for its signature, then (1, a, 1 if b is a source, b) for
#: a pair; ``why(ids)`` is the note, given the documents' ids by key (known only at the end).
_Failure = tuple[tuple[int, int, int, int], int, Callable[[Callable[[int], str]], str]]


class Matcher:
    """Source matching fed one document at a time, in input order: what :func:`match_documents` and the audit
    run (the audit while its workers score, so that matching and scoring share the cores).

    :meth:`add` takes a document's text under a key larger than any before (its position in the input): it
    computes the signature and, with ``within``, asks the LSH of the documents before it for candidates,
    aligns those whose estimated Jaccard similarity is high enough (:func:`assess_pair`, the earlier document
    as ``a``) and keeps the related pairs; with ``sources`` (a trusted index, known from the start), the same
    against it. :meth:`fields` then matches against ``sources`` (if they were not given at the start), orients
    every pair and picks each document's best source (:func:`resolve`), for the documents asked (a subset of
    those added: an audit leaves out records its scoring rejected). Pairs depend on the two texts alone, so the
    fields are those of matching the documents asked all at once. ``texts(key)`` returns the text of a
    document added before (the audit reads it back from disk).
    """

    def __init__(self, config: MatchConfig | None = None, within: bool = True,
                 texts: Callable[[int], str] | None = None, sources: SourceIndex | None = None) -> None:
        self.config = config or MatchConfig()
        self.signer = signer_of(self.config)
        self.within = within
        self.sources = sources
        self._texts = texts
        self._source_verdicts: list[PairVerdict] = []
        self._lsh = new_lsh(self.config) if within else None
        self._table = np.zeros((1024, self.config.num_perm), dtype=np.uint32)
        self._signed: set[int] = set()
        self._last = -1
        self._verdicts: list[PairVerdict] = []
        self._failures: list[_Failure] = []

    def hashvalues(self, key: int) -> np.ndarray | None:
        """The signature of document ``key`` (None: too short, or its signature failed)."""
        return self._table[key] if key in self._signed else None

    def add(self, key: int, text: str) -> None:
        """Add a document (see the class docs); a failure becomes a note in its fields, never an exception."""
        if key <= self._last:
            raise ValueError(f"keys must grow: {key} after {self._last}")
        self._last = key
        try:
            toks = words(text)  # the signature's words, and the alignments' of this document
            hv = self.signer.hashvalues(text, toks)
        except Exception as exc:  # one bad record never stops the others
            why = f"no signature ({type(exc).__name__}: {exc})"
            self._failures.append(((0, key, 0, 0), key, lambda _ids: why))
            return
        if hv is None:
            return
        if key >= len(self._table):
            grown = np.zeros((max(key + 1, 2 * len(self._table)), self.config.num_perm), dtype=np.uint32)
            grown[: len(self._table)] = self._table
            self._table = grown
        self._table[key] = hv
        self._signed.add(key)
        if self._lsh is not None:
            self._add_within(key, text, hv, toks)
        if self.sources is not None:
            self._source_verdicts += self._against(self.sources, key, text, hv, self._failures, toks)

    def _add_within(self, key: int, text: str, hv: np.ndarray, toks: list[Word]) -> None:
        assert self._lsh is not None
        minhash = self.signer.from_hashvalues(hv)
        # the LSH's candidates among the documents before this one, those with an estimated Jaccard similarity
        # high enough
        cand = np.array(sorted(self._lsh.query(minhash)), dtype=np.int64)
        if len(cand):
            cand = cand[(self._table[cand] == hv).mean(axis=1) >= self.config.min_jaccard]
        me: Doc | None = None
        for i in cand.tolist():
            me = me or Doc(key, "", text, words=toks)
            other = Doc(i, "", self._text(i))
            v = self._assess(other, me, self._table[i], hv, False, self._failures)
            if v is not None and v.related:
                self._verdicts.append(v)
        self._lsh.insert(key, minhash, check_duplication=False)

    def _against(self, sources: SourceIndex, key: int, text: str | None, hv: np.ndarray,
                 failures: list[_Failure], toks: list[Word] | None = None) -> list[PairVerdict]:
        """The related pairs of document ``key`` (``text``: its text, or None to read it when needed; ``toks``:
        its words, if made already) with the trusted ``sources``, as ``a`` (its key)."""
        out: list[PairVerdict] = []
        me: Doc | None = None
        for j in sources.candidates(hv):
            shv = sources.hashvalues(j)
            if shv is None or np.count_nonzero(shv == hv) < self.config.min_jaccard * len(hv):
                continue
            me = me or Doc(key, "", self._text(key) if text is None else text, words=toks)
            v = self._assess(me, _source_doc(sources, j), hv, shv, True, failures)
            if v is not None and v.related:
                out.append(v)
        return out

    def _text(self, key: int) -> str:
        if self._texts is None:
            raise ValueError("a Matcher aligning documents needs texts(key)")
        return self._texts(key)

    def _assess(self, a: Doc, b: Doc, hv_a: np.ndarray, hv_b: np.ndarray, b_source: bool,
                failures: list[_Failure]) -> PairVerdict | None:
        """:func:`assess_pair`, with a failure noted in ``failures`` against ``a`` (and b, unless a source)
        instead of raised."""
        try:
            return assess_pair(a, b, hv_a, hv_b, self.config, b_source, sentences=False, compiled=True)
        except Exception as exc:  # one bad pair never stops the others
            err = f"({type(exc).__name__}: {exc})"
            ka, kb = a.key, b.key
            order = (1, ka, int(b_source), kb)
            if b_source:
                bid = b.id
                failures.append((order, ka, lambda _ids: f"aligning with {bid} failed {err}"))
            else:
                failures.append((order, ka, lambda ids: f"aligning with {ids(kb)} failed {err}"))
                failures.append((order, kb, lambda ids: f"aligning with {ids(ka)} failed {err}"))
            return None

    def fields(self, docs: list[Doc], keys: Sequence[int], sources: SourceIndex | None = None,
               native: Native | None = None) -> list[dict[str, Any]]:
        """The match fields of ``docs`` (same order; ``keys[i]``: the key ``docs[i]`` was added under, in
        growing order; ``docs[i].key`` must be ``i``), against each other and ``sources``."""
        pos = {k: i for i, k in enumerate(keys)}
        verdicts = [replace(v, a=pos[v.a], b=pos[v.b]) for v in self._verdicts if v.a in pos and v.b in pos]
        # a failure counts when its documents are asked: the signature's, both of a pair's, a source pair's
        failures = [f for f in self._failures if f[1] in pos and (f[0][0] == 0 or (
            f[0][1] in pos and (f[0][3] in pos if f[0][2] == 0 else sources is self.sources)))]
        if sources is not None and sources is self.sources:  # matched as the documents came
            verdicts += [replace(v, a=pos[v.a]) for v in self._source_verdicts if v.a in pos]
        elif sources is not None:
            for i, k in enumerate(keys):
                hv = self.hashvalues(k)
                if hv is not None:
                    verdicts += [replace(v, a=i) for v in self._against(sources, k, None, hv, failures)]
        fields = resolve(docs, verdicts, sources, native, texts=lambda i: self._text(keys[i]))
        ids = {k: docs[i].id for k, i in pos.items()}.__getitem__
        failed: dict[int, str] = {}
        for _order, k, why in sorted(failures, key=lambda f: f[0]):  # the first failure of a document is its note
            failed.setdefault(pos[k], why(ids))
        for i, note in failed.items():
            fields[i]["match_error"] = note
        return fields


def _source_doc(sources: SourceIndex, key: int) -> Doc:
    r = sources.records[key]
    return Doc(key, r["id"], sources.text(key), r.get("url"), r.get("date"))


def resolve(docs: list[Doc], verdicts: list[PairVerdict], sources: SourceIndex | None, native: Native | None,
            texts: Callable[[int], str] | None = None) -> list[dict[str, Any]]:
    """Orient every related pair and give each document its best source (see the module docs). ``texts(key)``:
    the text of ``docs[key]``, for pairs whose sentences were left for later (:func:`assess_pair`)."""
    best: dict[int, tuple[tuple[float, int, int], dict[str, Any]]] = {}
    ordered = sorted(verdicts, key=lambda v: (v.a, v.b_source, v.b))
    sides = [(docs[v.a], _meta_doc(sources, v.b) if v.b_source and sources is not None else docs[v.b])
             for v in ordered]
    asked = [i for i, (v, (a, b)) in enumerate(zip(ordered, sides))
             if native is not None and wants_native(v, a, b, texts)]
    means = dict(zip(asked, native_means([ordered[i] for i in asked], native))) if native is not None else {}
    for i, (v, (a, b)) in enumerate(zip(ordered, sides)):
        side = orient(v, a, b, means.get(i))
        if side is None:
            continue
        copy, why = side
        cp, orig = (a, b) if copy == "a" else (b, a)
        fields = verdict_fields(v, copy, orig.id, why)
        rank = (-fields["source_similarity"], 0 if v.b_source else 1, orig.key)
        if cp.key not in best or rank < best[cp.key][0]:
            best[cp.key] = (rank, fields)
    return [best[d.key][1] if d.key in best else empty_fields() for d in docs]


def _meta_doc(sources: SourceIndex, key: int) -> Doc:
    r = sources.records[key]
    return Doc(key, r["id"], "", r.get("url"), r.get("date"))
