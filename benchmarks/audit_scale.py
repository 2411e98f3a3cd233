"""``spin-detect audit --jobs 2`` on real text: documents/s on news articles, and memory from 1,000 to 100,000
documents.

    python benchmarks/audit_scale.py news [--n 4000] [--rounds 3] [--code DIR ...]
    python benchmarks/audit_scale.py memory [--sizes 1000,10000,100000] [--code DIR]

``news``: the first N real news articles (every BBC News article of ``../shared/corpora/bbc``, then the
Wikinews pages of at least 50 words, in file order; original text, nothing spun), as one JSONL file,
audited with ``spin-detect audit FILE --out OUT --jobs 2 --no-progress``, start-up included: wall seconds,
CPU seconds of the process tree (user + system of the audit, its forkserver and workers, sampled from
``/proc``), documents/s and sentences/s. With several ``--code DIR`` (checkouts of spin_detect, imported
through ``PYTHONPATH``) the runs alternate between them, round by round, and the best of the rounds is
reported per checkout.

``memory``: the first N documents of a corpus of distinct real documents (the news articles above, then
pages of at least 50 words of enwiki-2018, then pages of about 300 words cut from enwiki-2015 articles and
UN speeches), audited the same way: peak RSS of the largest process and of the whole process
tree (both sampled every 0.2 s from ``/proc``), and documents/s. Flat memory means the largest process
does not grow with N.

Needs ``../shared/corpora``. Prints JSON lines, one per run, and the machine's load average before each.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sources import _tree, real_pages  # the process tree and the real pages, as the source-matching benchmark has them

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpora"


def news_articles() -> list[str]:
    """BBC News articles, then Wikinews pages of at least 50 words, in file order."""
    docs = [p.read_text(encoding="utf-8", errors="replace") for p in sorted((SHARED / "bbc").rglob("*.txt"))
            if p.name != "README.TXT"]
    for path in sorted((SHARED / "wikinews").glob("*.jsonl")):
        with open(path, encoding="utf-8") as f:
            for line in f:
                text = json.loads(line).get("text", "")
                if len(text.split()) >= 50:
                    docs.append(text)
    return docs


def distinct_documents(n: int) -> list[str]:
    """``n`` distinct real documents: the news articles, then enwiki-2018 pages, then pages of about
    300 words from enwiki-2015 and UN speeches."""
    docs = news_articles()[:n]
    for _, text, _ in real_pages(SHARED):
        if len(docs) >= n:
            break
        docs.append(text)
    if len(docs) < n:
        sys.exit(f"only {len(docs)} documents found under {SHARED}")
    return docs[:n]


def write_jsonl(docs: list[str], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for i, d in enumerate(docs):
            f.write(json.dumps({"id": f"doc{i}", "text": d}, ensure_ascii=False) + "\n")


_RUN = """
import subprocess, sys, time
t = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(time.perf_counter() - t)
"""


def audit(corpus: Path, out: Path, code: str | None, jobs: int = 2) -> dict:
    """One audit run of ``corpus`` with the spin_detect of ``code`` (None: the installed one): wall seconds,
    and, sampled every 0.2 s over the process tree, the peak summed RSS, the peak RSS of its largest process
    and the CPU seconds (user + system, as last seen: a process's last 0.2 s may be missed)."""
    env = dict(os.environ)
    if code:
        env["PYTHONPATH"] = code
    cmd = [sys.executable, "-m", "spin_detect", "audit", str(corpus), "--out", str(out), "--jobs", str(jobs),
           "--no-progress", "--force"]
    load = os.getloadavg()[0]
    proc = subprocess.Popen([sys.executable, "-c", _RUN, *cmd], env=env, stdout=subprocess.PIPE, text=True,
                            cwd=tempfile.gettempdir())
    tick = os.sysconf("SC_CLK_TCK")
    peak_tree = largest = 0
    cpu: dict[int, float] = {}
    while proc.poll() is None:
        total = 0
        for pid in _tree(proc.pid)[1:]:  # not the timing wrapper itself
            try:
                with open(f"/proc/{pid}/status") as f:
                    rss = next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except (OSError, ValueError):
                continue
            cpu[pid] = (int(fields[11]) + int(fields[12])) / tick
            total += rss
            largest = max(largest, rss)
        peak_tree = max(peak_tree, total)
        time.sleep(0.2)
    stdout, _ = proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"audit failed with {code}")
    return {"code": code or "installed", "wall_s": round(float(stdout), 2), "cpu_s_tree": round(sum(cpu.values()), 2),
            "largest_process_mb": round(largest / 1024), "tree_mb": round(peak_tree / 1024),
            "load_before": round(load, 2)}


def _sentences(docs: list[str]) -> int:
    from spin_detect.text.normalize import normalize
    from spin_detect.text.segment import split_sentences

    return sum(len(split_sentences(normalize(d).text)) for d in docs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=["news", "memory"])
    ap.add_argument("--n", type=int, default=4000, help="news: number of articles")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--sizes", default="1000,10000,100000", help="memory: corpus sizes, comma-separated")
    ap.add_argument("--code", action="append", help="checkout to import spin_detect from (repeatable)")
    args = ap.parse_args()
    codes = args.code or [None]
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        if args.what == "news":
            docs = news_articles()[: args.n]
            n_sent = _sentences(docs)
            corpus = tmp_path / "news.jsonl"
            write_jsonl(docs, corpus)
            print(json.dumps({"documents": len(docs), "sentences": n_sent,
                              "sentences_per_document": round(n_sent / len(docs), 1)}), flush=True)
            best: dict[str, dict] = {}
            for r in range(args.rounds):
                for code in codes:
                    run = audit(corpus, tmp_path / "out.jsonl", code)
                    run.update(round=r + 1, documents_per_s=round(len(docs) / run["wall_s"], 1),
                               sentences_per_s=round(n_sent / run["wall_s"]),
                               documents_per_cpu_s=round(len(docs) / run["cpu_s_tree"], 1))
                    print(json.dumps(run), flush=True)
                    if run["code"] not in best or run["wall_s"] < best[run["code"]]["wall_s"]:
                        best[run["code"]] = run
            for run in best.values():
                print(json.dumps({"best_of": args.rounds, **run}), flush=True)
        else:
            sizes = [int(s) for s in args.sizes.split(",")]
            docs = distinct_documents(max(sizes))
            for n in sizes:
                corpus = tmp_path / f"docs{n}.jsonl"
                write_jsonl(docs[:n], corpus)
                for code in codes:
                    run = audit(corpus, tmp_path / "out.jsonl", code)
                    run.update(documents=n, documents_per_s=round(n / run["wall_s"], 1))
                    print(json.dumps(run), flush=True)
                corpus.unlink()


if __name__ == "__main__":
    main()
