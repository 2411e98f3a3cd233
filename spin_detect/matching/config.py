"""The settings of source matching, in one frozen record with documented defaults.

Scores and decisions are kept apart (STYLE habit 3): signatures, the LSH and the
alignment return numbers; which pairs are aligned and what relation a pair has is
decided here, from :class:`MatchConfig`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["MatchConfig"]


@dataclass(frozen=True)
class MatchConfig:
    """Every threshold of source matching, with its default (measured in ``benchmarks/sources.py``).

    Signatures: ``num_perm`` MinHash permutations from ``seed`` over shingles of ``shingle_size`` immutables;
    a document needs ``min_shingles`` shingles to be matched. Candidates: the LSH has ``bands`` bands of
    ``rows`` values (``bands * rows <= num_perm``); a pair sharing one band is a candidate, and it is aligned
    only when its estimated Jaccard similarity is at least ``min_jaccard``. With 64 bands of 2, a pair of
    Jaccard similarity 0.2 is a candidate with probability 0.93, 0.3 with 0.997, 0.05 with 0.15.

    Relations (:meth:`~spin_detect.matching.align.Alignment.relation`): ``copy`` when at least ``copy_share``
    of the copy's words are aligned to equal words; ``spun_copy`` when at least ``spun_share`` are equal and
    ``spun_cover`` equal or in short swapped spans, and at most ``spun_indel`` of them only added or dropped
    (on 25 test documents spun at rate 0.35 by every style: at least 0.50 equal, at most 0.14 added or
    dropped; a hand-made rewrite sharing 44% of its words in order adds or drops 20%), and at least
    ``spun_plain`` of them in swaps without a name or number. Pages made from one template (Wikipedia stubs of
    villages, athletes, championships) align like spun copies but differ in names and numbers: when
    ``template_share`` of the short differing spans hold one, the pair is not related at all. Measured on
    the 17,680 test copies of ``benchmarks/sources.py`` and on 4,000 enwiki-2018 pages (which are all
    different articles): with ``template_share`` 0.7 the share of light / heavy / half-partial copies
    that align as no relation goes from 0.14 / 0.26 / 0.48% (without the two rules) to 0.36 / 0.40 / 0.77%,
    and the pairs of enwiki pages taken for spun copies from 181 to 99, for rewrites from 195 to 147; 0.6
    leaves 63 and 108 but loses 0.91% of light copies. ``rewrite`` when ``rewrite_long`` of them are in
    shared runs of 5 or more words; texts under ``min_words`` words are never related.

    The fit test (:mod:`spin_detect.matching.fit`): revisions of one story and template pages that keep under
    ``template_share`` of names and numbers still align like spun copies, but a spinner's words fit their
    context worse than the original's at almost every swap, while an editor's or a template's changes are
    native on both sides. When at least ``fit_factual`` of the short differing spans hold a name or number
    and the fit asymmetry of the swaps (:attr:`~spin_detect.matching.align.Alignment.fit_asymmetry`) is under
    ``fit_min``, the pair is not a spun copy (a ``rewrite`` when it shares enough long runs). Chosen on copies
    of 300 DEV-split originals (every style, light and heavy, partial) and on the 429 pairs taken for spun
    copies without the test among the 32,000 real pages (Wikinews, enwiki-2018) of a 40,000-document
    throughput corpus of ``benchmarks/sources.py``: it keeps 117 of those 429, and
    leaves light / heavy / half-partial spun copies spun copies in 99.2 / 100 / 98.3% of cases (the others
    become rewrites of the same original); test figures in ``benchmarks/README.md``.

    Verdicts: a ``spun_copy`` gets the verdict ``spun`` and a likelihood of at least ``spun_likelihood``.
    """

    num_perm: int = 128
    seed: int = 1
    shingle_size: int = 3
    min_shingles: int = 5
    bands: int = 64
    rows: int = 2
    min_jaccard: float = 0.1
    copy_share: float = 0.97
    spun_share: float = 0.4
    spun_cover: float = 0.85
    spun_indel: float = 0.15
    spun_plain: float = 0.02
    template_share: float = 0.7
    rewrite_long: float = 0.2
    min_words: int = 20
    fit_factual: float = 0.4
    fit_min: float = 1.5
    spun_likelihood: float = 0.99

    def __post_init__(self) -> None:
        if self.bands * self.rows > self.num_perm or self.bands < 2 or self.rows < 1:
            raise ValueError(f"bands x rows ({self.bands} x {self.rows}) must be at most num_perm ({self.num_perm}),"
                             " with at least 2 bands")
        if self.fit_min < 0:
            raise ValueError(f"fit_min must be at least 0, got {self.fit_min}")
        for name in ("min_jaccard", "copy_share", "spun_share", "spun_cover", "spun_indel", "spun_plain",
                     "template_share", "rewrite_long", "fit_factual", "spun_likelihood"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {getattr(self, name)}")

    def signature_params(self) -> dict[str, Any]:
        """What a stored signature depends on: an index built with other values cannot be queried."""
        return {"num_perm": self.num_perm, "seed": self.seed, "shingle_size": self.shingle_size,
                "min_shingles": self.min_shingles, "bands": self.bands, "rows": self.rows,
                "scheme": "affine32", "hash": "crc32", "shingles": "stable-immutables-2"}

    def to_dict(self) -> dict[str, Any]:
        """All settings as data."""
        return asdict(self)
