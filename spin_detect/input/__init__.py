"""Layer 1, input: bytes -> text.

Finding and opening files, one suffix table and one gzip reader for every
command (:mod:`.files`); decoding with binary and encoding checks
(:mod:`.decode`); HTML main text (:mod:`.html`); one document made ready to
score (:mod:`.prepare`); crawl records from folders, JSONL and CSV
(:mod:`.records`, CSV records found by :mod:`.csvrows`) and WARC (:mod:`.warc`,
its header blocks and HTTP bodies in :mod:`.httpmsg`); the plain-text corpus that
``build-reference`` counts (:mod:`.corpus`). Nothing here knows about models
or statistics.
"""
