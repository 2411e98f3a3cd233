"""Small crawled-corpus fixtures written by the tests themselves (no downloads)."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

ORIGINAL = ("Officials said on Monday that the talks would resume next week in Geneva after a pause of several "
            "months. The delegations met briefly in the morning and agreed on an agenda for the first session. "
            "A spokesman for the foreign ministry declined to comment on the details of the proposal.")
SPUN = ("Officers mentioned on Monday that the negotiations would resume following week in Geneva after a "
        "break of a number of months. The delegations met temporarily in the morning and concurred on an "
        "schedule for the primary session. A representative for the overseas ministry declined to remark on "
        "the particulars of the proposition.")


def article_html(body: str, title: str = "Talks to resume") -> str:
    paras = "".join(f"<p>{p}.</p>" for p in body.rstrip(".").split(". "))
    return (f"<!DOCTYPE html><html><head><title>{title}</title><script>var tracking = 1;</script>"
            "<style>p {color: black}</style></head><body><nav><a href='/'>Home</a> <a href='/w'>World</a></nav>"
            f"<article><h1>{title}</h1>{paras}</article><footer>Copyright 2026 Example News</footer></body></html>")


def write_warc(path: Path, pages: list[tuple[str, bytes, str]], with_requests: bool = True) -> None:
    """A WARC(.gz) with a response record per (url, body, content type) and, optionally, request records."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as f:
        w = WARCWriter(f, gzip=str(path).endswith(".gz"))
        for url, body, ctype in pages:
            if with_requests:
                w.write_record(w.create_warc_record(url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))
            hh = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=hh))


def make_corpus(root: Path) -> dict:
    """A folder with every input format and some broken records; returns what a reader must find."""
    docs = root / "crawl"
    (docs / "news" / "deep").mkdir(parents=True)
    (docs / "news" / "a.txt").write_text(ORIGINAL + "\n")
    (docs / "news" / "deep" / "b.txt.gz").write_bytes(gzip.compress(SPUN.encode()))
    (docs / "news" / "page.html").write_text(article_html(SPUN))
    (docs / "news" / "ignored.bin").write_bytes(b"\0\1\2")  # not a record format: not read
    (docs / "empty.txt").write_text("")
    (docs / "binary.txt").write_bytes(bytes(range(256)) * 4)
    lines = [json.dumps({"id": "j1", "url": "https://spam.example.com/1", "text": SPUN}),
             "{not json",
             json.dumps({"id": "j3", "text": None}),
             "",
             json.dumps(["a", "list"]),
             json.dumps({"id": "j6", "url": "https://news.example.org/6", "text": ORIGINAL}),
             json.dumps({"id": "j7", "url": "https://spam.example.com/7", "text": article_html(SPUN)})]
    with gzip.open(docs / "feed.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    (docs / "table.csv").write_text('id,url,text\nc1,,"' + ORIGINAL.replace(". ", ".\n") + '"\nc2,,short,extra\n'
                                    'c3,https://news.example.org/c3,"He said ""no"" twice, then left the room."\n')
    write_warc(docs / "crawl.warc.gz", [
        ("https://news.example.org/talks", article_html(ORIGINAL).encode(), "text/html; charset=utf-8"),
        ("https://news.example.org/logo.png", b"\x89PNG\r\n\x1a\n....", "image/png"),
        ("https://spam.example.com/talks", article_html(SPUN).encode("cp1252"), "text/html; charset=windows-1252"),
    ])
    # records: a.txt, b.txt.gz, page.html, binary.txt, crawl.warc.gz (3), empty.txt, feed (6 non-blank lines),
    # table.csv (3 rows)
    return {"folder": docs, "records": 3 + 1 + 3 + 1 + 6 + 3}
