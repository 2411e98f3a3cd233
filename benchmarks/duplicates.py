"""Exact duplicates in an audit: the rows of byte-identical records reused (``spin_detect/audit/dedup.py``),
against scoring every record, on the same corpus; the reports must be identical.

    python benchmarks/duplicates.py [--documents 3000] [--share 0.25] [--jobs 2] [--rounds 2] [--match-sources]

Corpus: ``--documents`` real documents of the throughput corpus of ``sources.py`` (needs ``../shared``), and
after the first 300 of them each following record is, with probability ``--share``, an exact copy (a new id,
the same text) of a random earlier one, as mirrors and syndicated copies are in a crawl. Each round audits it
twice in fresh processes, alternating: reuse on (the shipped audit) and off (``payload_key`` patched to
None, so every record is scored). Prints wall time and CPU seconds of the process tree per run, and whether
the two reports are byte-identical.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sources import _watch_rss, real_documents

_RUN = """
import sys
import spin_detect.audit.dedup as dedup
from spin_detect.audit import AuditOptions, run_audit
from spin_detect.audit.matchpass import MatchOptions
if sys.argv[1] == "off":
    dedup.payload_key = lambda rec: None
news = []
run_audit(AuditOptions(inputs=[sys.argv[2]], out=sys.argv[3],
                       match=MatchOptions(within=True) if sys.argv[5] == "1" else None),
          jobs=int(sys.argv[4]), log=news.append)
print("\\n".join(news))
"""


def corpus(n: int, share: float, path: Path) -> dict:
    """Write the corpus (module docs); its record and duplicate counts."""
    docs = real_documents(n)
    rng = random.Random(0)
    rows, seen, copies = [], [], 0
    for doc in docs:
        while len(seen) >= 300 and rng.random() < share:
            rows.append({"id": f"copy/{copies}", "text": rng.choice(seen)["text"]})
            copies += 1
        rows.append(doc)
        seen.append(doc)
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return {"records": len(rows), "exact_copies": copies}


def audit(arm: str, src: Path, out: Path, jobs: int, match: bool) -> dict:
    """One audit in a fresh process (started outside the checkout): wall and tree CPU seconds, the report's
    digest, what it logged."""
    out.unlink(missing_ok=True)
    t0 = time.time()
    proc = subprocess.Popen([sys.executable, "-c", _RUN, arm, str(src), str(out), str(jobs), "1" if match else "0"],
                            cwd=out.parent, stdout=subprocess.PIPE, text=True)
    _peak, cpu = _watch_rss(proc)
    news = proc.stdout.read().strip() if proc.stdout else ""
    if proc.wait() != 0:
        raise SystemExit(f"the audit ({arm}) failed")
    return {"seconds": round(time.time() - t0, 1), "cpu_s_tree": round(cpu, 1),
            "report_sha256": hashlib.sha256(out.read_bytes()).hexdigest()[:16], "log": news}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--documents", type=int, default=3000, help="distinct real documents")
    ap.add_argument("--share", type=float, default=0.25, help="chance that a record is an exact copy")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--match-sources", action="store_true", help="audit with --match-sources")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "corpus.jsonl"
        print(json.dumps(corpus(args.documents, args.share, src)), flush=True)
        runs: dict[str, list[dict]] = {"on": [], "off": []}
        for i in range(args.rounds):
            for arm in ("on", "off") if i % 2 == 0 else ("off", "on"):
                r = audit(arm, src, Path(tmp) / f"{arm}.jsonl", args.jobs, args.match_sources)
                runs[arm].append(r)
                print(arm, i, json.dumps(r), flush=True)
        digests = {r["report_sha256"] for arm in runs.values() for r in arm}
        print(json.dumps({"reports_identical": len(digests) == 1,
                          **{f"cpu_s_{arm}": [r["cpu_s_tree"] for r in rs] for arm, rs in runs.items()},
                          **{f"seconds_{arm}": [r["seconds"] for r in rs] for arm, rs in runs.items()}}))


if __name__ == "__main__":
    main()
