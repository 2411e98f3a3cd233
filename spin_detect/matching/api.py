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
from typing import TYPE_CHECKING, Any

import numpy as np

from spin_detect.matching.config import MatchConfig
from spin_detect.matching.index import SourceIndex, signer_of
from spin_detect.matching.pairs import (
    Doc,
    PairVerdict,
    assess_pair,
    native_means,
    orient,
    verdict_fields,
    wants_native,
)

if TYPE_CHECKING:
    from spin_detect.detector import Detector

__all__ = ["MATCH_FIELDS", "Native", "empty_fields", "match_documents", "match_sources", "resolve", "to_doc"]

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


def match_documents(docs: list[Doc], sources: SourceIndex | None = None, within: bool = True,
                    config: MatchConfig | None = None, native: Native | None = None,
                    texts: Callable[[int], str] | None = None) -> list[dict[str, Any]]:
    """The match fields of each of ``docs`` (same order), against each other (``within``) and ``sources``.

    ``texts(key)``, when given, returns a document's text (so ``docs`` may carry empty texts and the texts
    live elsewhere, e.g. on disk).
    """
    config = config or MatchConfig()
    signer = signer_of(config)
    text_of = texts or (lambda k: docs[k].text)
    failed: dict[int, str] = {}  # a document whose matching failed: why (a note in its fields, never a crash)
    hvs: list[np.ndarray | None] = []
    for d in docs:
        try:
            hvs.append(signer.hashvalues(text_of(d.key)))
        except Exception as exc:  # one bad record never stops the others
            failed[d.key] = f"no signature ({type(exc).__name__}: {exc})"
            hvs.append(None)
    local = SourceIndex(config) if within else None
    if local is not None:
        with local.lsh.insertion_session() as session:
            for d, hv in zip(docs, hvs):
                if hv is not None:
                    session.insert(d.key, signer.from_hashvalues(hv), check_duplication=False)
    table = np.zeros((len(docs), config.num_perm), dtype=np.uint32)
    for d, hv in zip(docs, hvs):
        if hv is not None:
            table[d.key] = hv
    verdicts: list[PairVerdict] = []
    for d, hv in zip(docs, hvs):
        if hv is None:
            continue
        me: Doc | None = None
        if local is not None:
            # the LSH's candidates after this document, those with an estimated Jaccard similarity high enough
            cand = np.array([j for j in local.candidates(hv) if j > d.key], dtype=np.int64)
            if len(cand):
                cand = cand[(table[cand] == hv).mean(axis=1) >= config.min_jaccard]
            for j in cand.tolist():
                me = me or Doc(d.key, d.id, text_of(d.key), d.url, d.date, d.likelihood)
                o = docs[j]
                other = Doc(o.key, o.id, text_of(j), o.url, o.date, o.likelihood)
                v = _assess(failed, me, other, hv, table[j], config)
                if v is not None and v.related:
                    verdicts.append(v)
        if sources is not None:
            for j in sources.candidates(hv):
                shv = sources.hashvalues(j)
                if shv is None or np.count_nonzero(shv == hv) < config.min_jaccard * len(hv):
                    continue
                me = me or Doc(d.key, d.id, text_of(d.key), d.url, d.date, d.likelihood)
                v = _assess(failed, me, _source_doc(sources, j), hv, shv, config, b_source=True)
                if v is not None and v.related:
                    verdicts.append(v)
    fields = resolve(docs, verdicts, sources, native)
    for key, why in failed.items():
        fields[key]["match_error"] = why
    return fields


def _assess(failed: dict[int, str], a: Doc, b: Doc, hv_a: np.ndarray, hv_b: np.ndarray, config: MatchConfig,
            b_source: bool = False) -> PairVerdict | None:
    """:func:`assess_pair`, with a failure noted against ``a`` (and b, unless a source) instead of raised."""
    try:
        return assess_pair(a, b, hv_a, hv_b, config, b_source)
    except Exception as exc:  # one bad pair never stops the others
        why = f"aligning with {b.id} failed ({type(exc).__name__}: {exc})"
        failed.setdefault(a.key, why)
        if not b_source:
            failed.setdefault(b.key, f"aligning with {a.id} failed ({type(exc).__name__}: {exc})")
        return None


def _source_doc(sources: SourceIndex, key: int) -> Doc:
    r = sources.records[key]
    return Doc(key, r["id"], sources.text(key), r.get("url"), r.get("date"))


def resolve(docs: list[Doc], verdicts: list[PairVerdict], sources: SourceIndex | None, native: Native | None
            ) -> list[dict[str, Any]]:
    """Orient every related pair and give each document its best source (see the module docs)."""
    best: dict[int, tuple[tuple[float, int, int], dict[str, Any]]] = {}
    ordered = sorted(verdicts, key=lambda v: (v.a, v.b_source, v.b))
    sides = [(docs[v.a], _meta_doc(sources, v.b) if v.b_source and sources is not None else docs[v.b])
             for v in ordered]
    asked = [i for i, (v, (a, b)) in enumerate(zip(ordered, sides)) if native is not None and wants_native(v, a, b)]
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
