"""Source matching on a Dask cluster: signatures per partition, candidate pairs by a band join, alignment per
pair; the same fields as the local run.

:func:`match_documents_dask` does on a cluster what :func:`~spin_detect.matching.api.match_documents` does in
one process:

1. the documents (and the trusted sources) go into a Dask DataFrame; each partition computes its MinHash
   signatures and emits one row per LSH band: ``(key, source, band, value)``, where ``value`` is the band's
   values themselves (``rows <= 2``: two 32-bit values in one 64-bit integer, so equal values mean an equal
   band, exactly as in ``datasketch.MinHashLSH``) or their 64-bit BLAKE2b hash;
2. a self-merge on ``(band, value)`` (a shuffle on band hashes) gives the pairs that share a band: the LSH's
   candidates, record-record (each once) and record-source;
3. the pairs are merged with the documents' texts and signatures and judged per partition
   (:func:`~spin_detect.matching.pairs.assess_pair`);
4. the related pairs come back to the client, which orients them and picks each record's best source with
   :func:`~spin_detect.matching.api.resolve`, as the local run does.

Needs ``spin-detect[dask]``; imported only when used.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from spin_detect.matching.config import MatchConfig
from spin_detect.matching.index import SourceIndex, signer_of
from spin_detect.matching.pairs import Doc, PairVerdict, assess_pair

if TYPE_CHECKING:
    import pandas as pd

    from spin_detect.matching.api import Native

__all__ = ["band_values", "match_documents_dask"]


def band_values(hv: np.ndarray, config: MatchConfig) -> list[int]:
    """One signed 64-bit value per LSH band of signature ``hv``: equal exactly when the bands are equal for
    ``rows <= 2``; a BLAKE2b hash of the band's bytes otherwise."""
    out = []
    r = config.rows
    for b in range(config.bands):
        part = hv[b * r : (b + 1) * r].astype(np.uint64)
        if r == 1:
            v = int(part[0])
        elif r == 2:
            v = (int(part[0]) << 32) | int(part[1])
        else:
            v = int.from_bytes(hashlib.blake2b(part.astype("<u4").tobytes(), digest_size=8).digest(), "little")
        out.append(v - (1 << 64) if v >= 1 << 63 else v)
    return out


def _bands(part: pd.DataFrame, config: MatchConfig) -> pd.DataFrame:
    """Band rows of one partition of documents (``key``, ``source``, ``text``): its signatures, banded."""
    import pandas as pd

    signer = signer_of(config)
    keys, srcs, bands, values, sigs = [], [], [], [], []
    for key, src, text in zip(part["key"], part["source"], part["text"]):
        hv = signer.hashvalues(text)
        if hv is None:
            continue
        for b, v in enumerate(band_values(hv, config)):
            keys.append(key)
            srcs.append(src)
            bands.append(b)
            values.append(v)
            sigs.append(hv.tobytes() if b == 0 else b"")
    return pd.DataFrame({"key": pd.Series(keys, dtype="int64"), "source": pd.Series(srcs, dtype="bool"),
                         "band": pd.Series(bands, dtype="int64"), "value": pd.Series(values, dtype="int64"),
                         "sig": pd.Series(sigs, dtype="object")})


def _assess(part: pd.DataFrame, config: MatchConfig) -> pd.DataFrame:
    """Judge the candidate pairs of one partition (texts and signatures merged in); the related ones, as
    one-element lists of :class:`PairVerdict` in an object column."""
    import pandas as pd

    out: list[Any] = []
    for row in part.itertuples(index=False):
        a = Doc(int(row.key_a), "", row.text_a)
        b = Doc(int(row.key_b), "", row.text_b)
        hv_a = np.frombuffer(row.sig_a, dtype=np.uint32)
        hv_b = np.frombuffer(row.sig_b, dtype=np.uint32)
        v = assess_pair(a, b, hv_a, hv_b, config, b_source=bool(row.source_b), compiled=True)
        if v is not None and v.related:
            out.append([v])
    return pd.DataFrame({"verdict": pd.Series(out, dtype="object")})


def match_documents_dask(docs: list[Doc], client: Any, sources: SourceIndex | None = None, within: bool = True,
                         config: MatchConfig | None = None, native: Native | None = None,
                         texts: Callable[[int], str] | None = None, npartitions: int | None = None
                         ) -> list[dict[str, Any]]:
    """The match fields of each of ``docs`` computed on the Dask cluster of ``client``; the same as
    :func:`~spin_detect.matching.api.match_documents` with the same arguments (see the module docs)."""
    try:
        import dask.dataframe as dd
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - the extra is installed with the tests
        raise ImportError("source matching on Dask needs dask: pip install 'spin-detect[dask]'") from exc
    from spin_detect.matching.api import resolve

    config = config or MatchConfig()
    text_of = texts or (lambda k: docs[k].text)
    frame = pd.DataFrame({"key": pd.Series([d.key for d in docs], dtype="int64"),
                          "source": pd.Series([False] * len(docs), dtype="bool"),
                          "text": pd.Series([text_of(d.key) for d in docs], dtype="object")})
    if sources is not None:
        frame = pd.concat([frame, pd.DataFrame({
            "key": pd.Series(list(sources), dtype="int64"),
            "source": pd.Series([True] * len(sources), dtype="bool"),
            "text": pd.Series([sources.text(k) for k in sources], dtype="object")})], ignore_index=True)
    if frame.empty:
        return resolve(docs, [], sources, native)
    n = npartitions or max(1, min(len(frame) // 500 + 1, 64))
    ddf = dd.from_pandas(frame, npartitions=n, sort=False)
    meta = pd.DataFrame({"key": pd.Series(dtype="int64"), "source": pd.Series(dtype="bool"),
                         "band": pd.Series(dtype="int64"), "value": pd.Series(dtype="int64"),
                         "sig": pd.Series(dtype="object")})
    bands = ddf.map_partitions(_bands, config, meta=meta)
    left = bands[~bands["source"]][["key", "band", "value"]]
    right = bands[["key", "source", "band", "value"]]
    if not within:
        right = right[right["source"]]
    elif sources is None:
        right = right[~right["source"]]
    pairs = left.merge(right, on=["band", "value"], suffixes=("_a", "_b"))
    pairs = pairs[pairs["source"] | (pairs["key_b"] > pairs["key_a"])]
    pairs = pairs[["key_a", "key_b", "source"]].drop_duplicates(subset=["key_a", "key_b", "source"])
    sigs = bands[bands["band"] == 0][["key", "source", "sig"]]
    texts_f = ddf[["key", "source", "text"]]
    a_side = texts_f[~texts_f["source"]].merge(sigs[~sigs["source"]], on=["key", "source"])[["key", "text", "sig"]]
    a_side = a_side.rename(columns={"key": "key_a", "text": "text_a", "sig": "sig_a"})
    b_side = texts_f.merge(sigs, on=["key", "source"]).rename(
        columns={"key": "key_b", "text": "text_b", "sig": "sig_b", "source": "source_b"})
    pairs = pairs.rename(columns={"source": "source_b"})
    full = pairs.merge(a_side, on="key_a").merge(b_side, on=["key_b", "source_b"])
    judged = full.map_partitions(_assess, config, meta=pd.DataFrame({"verdict": pd.Series(dtype="object")}))
    # the workers saw keys and texts only: ids, dates and likelihoods are the client's, in resolve
    verdicts: list[PairVerdict] = [v[0] for v in judged.compute(scheduler=client)["verdict"]]
    return resolve(docs, verdicts, sources, native)
