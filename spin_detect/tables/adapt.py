"""Reference statistics adapted to a user's domain: the packaged counts mixed with a domain's own.

``spin-detect build-reference`` counts words and word pairs of a user's trusted
text (a domain: court rulings, product pages, a newsroom's archive). Used alone,
such a table would be small and sparse (the packaged one counts about 42 M words),
and its word ids would mean nothing to the neighbour, trigram and topic tables,
which store the packaged reference's ids. So a domain table is *mixed into* the
packaged one instead: every domain word and pair is mapped onto the packaged
vocabulary (a domain word the packaged reference does not know counts as
``<unk>``) and its count added with a weight, so that the domain text makes up
``share`` of the mixture whatever its size:

    count(x) = general(x) + s * domain(x),  s = share / (1 - share) * general_total / domain_total

Word ids stay the packaged ones, so every packaged table still applies; what
changes is which words and pairs count as usual. The mixture is built in memory
from the two tables (about a second), never written: a model folder carries the
domain table and its share (:mod:`spin_detect.learning.persist`), and the
mixture is rebuilt from them when the model is loaded.
"""

from __future__ import annotations

import hashlib

import numpy as np

from spin_detect.tables.reference import FORMAT, UNK, VERSION, ReferenceStats
from spin_detect.tables.store import StoredArrays

__all__ = ["DEFAULT_SHARE", "AdaptedReference", "adapt_reference"]

#: Share of the mixture that comes from the domain table, unless the user says otherwise.
DEFAULT_SHARE = 0.5
_U32 = 2**32 - 1


class AdaptedReference(ReferenceStats):
    """A :class:`ReferenceStats` mixed from a general and a domain table; it keeps both
    (``general``, ``domain``) and the ``share``, so that a model trained on it can say what it was."""

    general: ReferenceStats
    domain: ReferenceStats
    share: float
    coverage: float

    @property
    def vocab(self) -> list[str]:
        """The general table's words (the same ids): shared, not decoded again."""
        return self.general.vocab

    @property
    def _index(self) -> dict[str, int]:
        return self.general._index


def _domain_to_general(general: ReferenceStats, domain: ReferenceStats) -> np.ndarray:
    """General-vocabulary id of every domain id (``UNK`` for words the general table does not know)."""
    out = general.ids(domain.vocab, normalised=True)
    out[:3] = np.arange(3)  # <s>, </s>, <unk> are the same ids in every table
    return out


def adapt_reference(general: ReferenceStats, domain: ReferenceStats, share: float = DEFAULT_SHARE
                    ) -> AdaptedReference:
    """Mix ``domain`` into ``general`` so that it makes up ``share`` (0 < share < 1) of the counts.

    Returns a table with ``general``'s vocabulary and word ids. Its ``coverage``
    is the share of the domain's running words that the general vocabulary knows
    (the rest are ``<unk>`` in the mixture). Raises ``ValueError`` for a share
    outside (0, 1) or an empty domain table.
    """
    if not 0.0 < share < 1.0:
        raise ValueError(f"the domain share must be between 0 and 1 (exclusive), got {share}")
    if domain.total <= 0:
        raise ValueError("the domain reference counts no words")
    scale = share / (1.0 - share) * general.total / domain.total
    to_gen = _domain_to_general(general, domain)
    n = len(general)
    # words
    dom_uni = np.bincount(to_gen, weights=domain.unigram.astype(np.float64), minlength=n)
    unigram = np.minimum(np.rint(general.unigram + scale * dom_uni), _U32).astype(np.uint32)
    known = domain.unigram[3:][to_gen[3:] != UNK].sum()
    coverage = float(known / max(1, domain.unigram[3:].sum() + domain.unigram[UNK]))
    # word pairs: the domain's keys in general ids (several domain words may map to <unk>), then the union
    a = to_gen[(domain.bigram_keys >> np.uint64(32)).astype(np.int64)]
    b = to_gen[(domain.bigram_keys & np.uint64(0xFFFFFFFF)).astype(np.int64)]
    dom_keys = (a.astype(np.uint64) << np.uint64(32)) | b.astype(np.uint64)
    keys = np.concatenate([general.bigram_keys, dom_keys])
    counts = np.concatenate([general.bigram_counts.astype(np.float64),
                             scale * domain.bigram_counts.astype(np.float64)])
    ukeys, inverse = np.unique(keys, return_inverse=True)
    merged = np.minimum(np.rint(np.bincount(inverse, weights=counts, minlength=len(ukeys))), _U32)
    new_types = len(ukeys) - len(general.bigram_keys)
    # Distinct followers/preceders (Kneser-Ney): the larger of the two tables' figures, a lower bound
    # of the mixture's, since the tables store no lists of types.
    followers = general.followers.astype(np.int64).copy()
    preceders = general.preceders.astype(np.int64).copy()
    np.maximum.at(followers, to_gen, domain.followers.astype(np.int64))
    np.maximum.at(preceders, to_gen, domain.preceders.astype(np.int64))
    arrays = {
        "vocab": general._vocab_blob,
        "unigram": unigram,
        "bigram_keys": ukeys,
        "bigram_counts": merged.astype(np.uint32),
        "followers": np.minimum(followers, _U32).astype(np.uint32),
        "preceders": np.minimum(preceders, _U32).astype(np.uint32),
    }
    meta = {**general.meta, "total_tokens": int(unigram.sum()),
            "bigram_types": int(general.bigram_types + max(0, new_types)),
            "domain_sha256": domain.sha256, "domain_share": share}
    sha = hashlib.sha256(f"{general.sha256}+{domain.sha256}@{share!r}".encode()).hexdigest()
    out = AdaptedReference(StoredArrays(FORMAT, VERSION, meta, arrays, sha))
    out.general, out.domain, out.share, out.coverage = general, domain, share, coverage
    return out
