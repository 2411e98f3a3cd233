"""Layer 1, input: bytes -> text.

Decoding with binary and encoding checks (:mod:`.decode`), HTML main text
(:mod:`.html`), and crawl records from folders, JSONL, CSV and WARC
(:mod:`.records`). Nothing here knows about models or statistics.
"""
