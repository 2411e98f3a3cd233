"""Fuzz the input layer: mutated JSONL, CSV, WARC, HTML and gzip files through the audit's reading and scoring.

    python benchmarks/fuzz_inputs.py [--seconds 300] [--seed 0] [--keep DIR]

Not part of the test suite (issue 18, item 4). Starts from small valid files of
every format the audit reads, mutates them (byte flips, deletions, cuts,
duplicated slices, inserted hostile tokens: deep brackets, huge digit runs,
quotes, line ends, WARC headers with lying lengths, thousands of tags; for
``.gz`` files the compressed bytes or the content before compressing), and runs
each through what ``spin-detect audit`` runs: ``iter_records`` (with a small
per-document cap, so the caps are hit often) and ``score_records`` (decoding,
HTML extraction, sentences, the detector). A finding is any exception, records
whose ``seq`` do not count up from 0, an error message that is not one line,
or an input that takes over 10 s; each is saved under ``--keep`` and printed.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import random
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from corpus_fixtures import ORIGINAL, SPUN, article_html, write_warc  # noqa: E402

from spin_detect.audit.worker import DetectorSpec, load_spec, score_records  # noqa: E402
from spin_detect.input.records import InputOptions, iter_records  # noqa: E402

TOKENS = [b"[" * 5000, b"{\"a\":" * 300, b"]" * 50, b"9" * 5000, b"1e999999", b"\"", b"\"\"", b",", b"\t", b"\r\n",
          b"\n" * 50, b"\r", b"\0", b"\\u0000", b"\\ud800", b"\xff\xfe", b"\xe9", b"<div>" * 3000, b"</p>" * 100,
          b"<!--", b"<![CDATA[", b"<script>", b"&amp;" * 50, b"WARC/1.0\r\n", b"Content-Length: 99999999\r\n",
          b"Content-Length: -1\r\n", b"Content-Length: 0\r\n", b"Transfer-Encoding: chunked\r\n",
          b"Content-Encoding: gzip\r\n", b"ffffffffff\r\n", b"charset=undefined", b"\r\n\r\n", b"x" * 70_000]


def seeds() -> dict[str, bytes]:
    """Small valid files of every format, by suffix."""
    lines = [json.dumps({"id": f"j{i}", "url": f"https://x.example/{i}", "text": t})
             for i, t in enumerate([ORIGINAL, SPUN, article_html(SPUN), "short", ORIGINAL[:80]])]
    jsonl = ("\n".join(lines) + "\n").encode()
    buf = io.StringIO(newline="")
    import csv

    csv.writer(buf).writerows([["id", "url", "text"], ["c1", "", ORIGINAL.replace(". ", ".\n")],
                               ["c2", "https://x.example/c2", 'He said "no", twice.'], ["c3", "", SPUN]])
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "s.warc"
        write_warc(p, [("https://news.example.org/a", article_html(ORIGINAL).encode(), "text/html; charset=utf-8"),
                       ("https://x.example/logo.png", b"\x89PNG\r\n\x1a\n....", "image/png"),
                       ("https://spam.example.com/b", article_html(SPUN).encode("cp1252"),
                        "text/html; charset=windows-1252")])
        warc = p.read_bytes()
    return {".jsonl": jsonl, ".csv": buf.getvalue().encode(), ".warc": warc, ".html": article_html(ORIGINAL).encode(),
            ".txt": ORIGINAL.encode(), ".jsonl.gz": jsonl, ".csv.gz": buf.getvalue().encode(), ".warc.gz": warc,
            ".txt.gz": (SPUN + "\n").encode() * 3}


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to four random edits."""
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.random()
        pos = rng.randint(0, len(b))
        if op < 0.25 and b:  # flip bytes
            for _ in range(rng.randint(1, 8)):
                b[rng.randrange(len(b))] = rng.randrange(256)
        elif op < 0.55:  # insert a hostile token
            b[pos:pos] = rng.choice(TOKENS)
        elif op < 0.7:  # delete a slice
            del b[pos: pos + rng.randint(1, 200)]
        elif op < 0.8:  # cut the file
            del b[pos:]
        elif op < 0.9 and b:  # duplicate a slice
            a = rng.randrange(len(b))
            b[pos:pos] = b[a: a + rng.randint(1, 2000)]
        else:  # change a number (Content-Length, chunk sizes, digits in text)
            digits = [i for i, c in enumerate(b) if 48 <= c <= 57]
            if digits:
                i = rng.choice(digits)
                b[i: i + 1] = str(rng.choice([0, 1, 9, 99999, 10 ** 12, rng.randint(0, 5000)])).encode()
    return bytes(b)


def make_input(suffix: str, data: bytes, rng: random.Random) -> bytes:
    if not suffix.endswith(".gz"):
        return mutate(data, rng)
    if rng.random() < 0.5:
        return gzip.compress(mutate(data, rng), mtime=0)
    return mutate(gzip.compress(data, mtime=0), rng)


class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout


def check(path: Path, detector, max_bytes: int, counts: dict[str, int]) -> str | None:
    """Run one input the way an audit does; what went wrong, or None. ``counts`` adds up the rows by status."""
    recs = list(iter_records([str(path)], InputOptions(max_bytes=max_bytes)))
    if [r.seq for r in recs] != list(range(len(recs))):
        return "seq does not count up from 0"
    for r in recs:
        if r.status != "ok" and (not r.error or "\n" in r.error):
            return f"bad error message: {r.error!r}"
    rows, _ = score_records(recs, detector, sentences=True)
    if len(rows) != len(recs):
        return "not one row per record"
    for row in rows:
        if row["status"] == "error" and (not row["error"] or "\n" in row["error"]):
            return f"bad error row: {row['error']!r}"
        json.dumps(row, ensure_ascii=False).encode("utf-8")  # writable as the report writes it
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", default="fuzz-findings")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    detector = load_spec(DetectorSpec())
    base = seeds()
    keep = Path(args.keep)
    signal.signal(signal.SIGALRM, _alarm)
    n = findings = 0
    by_suffix: dict[str, int] = {}
    rows: dict[str, int] = {}
    slowest = (0.0, "")
    t_end = time.time() + args.seconds
    started = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        while time.time() < t_end:
            suffix = rng.choice(list(base))
            data = make_input(suffix, base[suffix], rng)
            path = Path(tmp) / f"in{suffix}"
            path.write_bytes(data)
            max_bytes = rng.choice([300, 4_000, 1 << 20])
            t0 = time.perf_counter()
            signal.alarm(10)
            try:
                problem = check(path, detector, max_bytes, rows)
            except Timeout:
                problem = "over 10 s"
            except BaseException as exc:  # a finding
                problem = "".join(traceback.format_exception_only(exc)).strip()[:300] + "\n" + \
                    "".join(traceback.format_tb(exc.__traceback__)[-3:])
            finally:
                signal.alarm(0)
            took = time.perf_counter() - t0
            slowest = max(slowest, (took, suffix))
            n += 1
            by_suffix[suffix] = by_suffix.get(suffix, 0) + 1
            if problem is None:
                continue
            findings += 1
            keep.mkdir(exist_ok=True)
            saved = keep / f"finding-{findings}{suffix}"
            saved.write_bytes(data)
            print(f"FINDING {findings} ({suffix}, max_bytes={max_bytes}, saved as {saved}): {problem}", flush=True)
    elapsed = time.time() - started
    print(json.dumps({"seconds": round(elapsed, 1), "inputs": n, "per_suffix": by_suffix, "rows": rows,
                      "findings": findings,
                      "slowest_input_s": round(slowest[0], 2), "slowest_suffix": slowest[1]}, indent=1))


if __name__ == "__main__":
    main()
