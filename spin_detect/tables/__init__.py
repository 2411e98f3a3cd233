"""Layer 3, tables: the statistics of original English that features are computed from.

A versioned, memory-mapped container (:mod:`.store`), the packaged files
(:mod:`.packaged`), word and word-pair counts (:mod:`.reference`), the
thesaurus (:mod:`.thesaurus`), and the tables tied to a reference's word ids:
distributional neighbours (:mod:`.neighbours`), trigrams (:mod:`.trigrams`)
and topic vectors (:mod:`.topics`).
"""
