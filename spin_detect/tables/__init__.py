"""Layer 3, tables: the statistics of original English that features are computed from.

A versioned, memory-mapped container (:mod:`.store`), the packaged files
(:mod:`.packaged`), word and word-pair counts (:mod:`.reference`), the
thesaurus (:mod:`.thesaurus`), and the tables tied to a reference's word ids:
distributional neighbours (:mod:`.neighbours`), trigrams (:mod:`.trigrams`),
topic vectors (:mod:`.topics`) and the cloze model (:mod:`.cloze`, with the
exact products of :mod:`.exact` and the BLAS thread limits of :mod:`.blas`).
"""
