"""End-to-end speed and memory of spin-detect, on documents generated on the fly.

Prints one table: scoring throughput (sentences/s, documents/s) on one core
and on all cores, the LIMIT RATIO (scoring throughput / throughput of just
segmenting and tokenising the same text, measured in the same run), time from
process start to the first result of ``spin-detect score``, peak resident
memory of ``score`` and of ``audit``, and the training time of the default model.

    python benchmarks/run.py [--quick] [--train-time]

Needs only the installed package. Documents are news-like articles sampled
from the packaged reference bigram counts (seeded, so every run scores the
same text), half of them passed through the package's own spinner. One-core figures run in
a child process pinned to one CPU with ``OMP_NUM_THREADS=1``; every
subprocess is measured separately (peak RSS from ``wait4``, i.e. the largest
single process; for multi-process runs the summed RSS of the process tree is
sampled as well).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "spin_detect" / "examples" / "spun_article.txt"

# ------------------------------------------------------------ documents
_ATTACH = re.compile(r" (?=[,.;:!?%)]|'s\b|n't\b|'re\b|'ve\b|'ll\b|'d\b|'m\b)|(?<=[($]) ")


class _Chain:
    """Sentences sampled from the packaged reference bigram counts (a Markov chain
    over original English word pairs): news-like local statistics and a realistic
    spread of vocabulary, with nothing to ship."""

    def __init__(self, seed: int):
        import numpy as np

        from spin_detect.tables.packaged import default_reference

        ref = default_reference()
        self.np = np
        self.vocab = ref.vocab
        self.keys_a = (ref.bigram_keys >> np.uint64(32)).astype(np.int64)
        self.keys_b = (ref.bigram_keys & np.uint64(0xFFFFFFFF)).astype(np.int64)
        self.cum = np.cumsum(ref.bigram_counts.astype(np.int64))
        self.start = np.searchsorted(self.keys_a, np.arange(len(ref) + 1))
        self.rng = np.random.default_rng(seed)

    def sentence(self, max_tokens: int = 40) -> str:
        words, cur = [], 0  # 0 = <s>
        while len(words) < max_tokens:
            lo, hi = self.start[cur], self.start[cur + 1]
            if lo == hi:
                break
            base = self.cum[lo - 1] if lo else 0
            j = lo + int(self.np.searchsorted(self.cum[lo:hi], base + self.rng.integers(self.cum[hi - 1] - base),
                                              side="right"))
            cur = int(self.keys_b[j])
            if cur == 1:  # </s>
                break
            if cur != 2:  # skip <unk>
                words.append(self.vocab[cur])
        text = _ATTACH.sub("", " ".join(words))
        text = re.sub(r"0", lambda _: str(self.rng.integers(10)), text)
        return text[:1].upper() + text[1:]


def make_documents(n: int, seed: int = 0) -> list[str]:
    """``n`` news-like documents (a headline and 4-20 sentences); half of them spun.

    The same ``n`` and ``seed`` always give the same documents. Sentences are
    sampled from the reference bigram counts (see :class:`_Chain`); every tenth
    document is the bundled example article. Spinning runs on a pool of at most
    300 documents; larger sets reuse the pool with the sentence order shuffled,
    so generating 20,000 documents takes seconds.
    """
    from spin_detect.learning.spinner import spin_text

    rng = random.Random(seed)
    chain = _Chain(seed)
    example = EXAMPLE.read_text(encoding="utf-8")
    pool = []
    for i in range(min(n, 300)):
        sents = []
        while len(sents) < rng.randint(4, 20):
            s = chain.sentence()
            if len(s.split()) >= 5:
                sents.append(s if s[-1] in ".!?\"" else s + ".")
        text = chain.sentence(10).rstrip(".") + "\n\n" + " ".join(sents)
        if i % 10 == 9:
            text = example
        if i % 2:
            text = spin_text(text, style=rng.choice(["commercial", "wordnet", "mixed"]), seed=i).text
        pool.append(text)
    docs = []
    for i in range(n):
        base = pool[i % len(pool)]
        if i >= len(pool):
            head, _, body = base.partition("\n\n")
            parts = body.split(". ")
            random.Random(seed * 1_000_003 + i).shuffle(parts)
            base = head + "\n\n" + ". ".join(parts)
        docs.append(base)
    return docs


# ------------------------------------------------------------ measurements
_ONE_CORE = """
import json, os, sys, time
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
docs = json.load(open(sys.argv[1]))
warm = json.load(open(sys.argv[2]))
import spin_detect
from spin_detect.text.normalize import normalize
from spin_detect.text.segment import split_sentences
det = spin_detect.load_detector()
seen = [normalize(d).text for d in docs]  # what the detector segments: the text as a reader sees it
list(det.score_documents(warm))  # caches and lookup tables warm, as in a long run
seg = score = 1e9
for _ in range(3):
    t = time.perf_counter()
    n_sent = sum(len(split_sentences(d)) for d in seen)
    seg = min(seg, time.perf_counter() - t)
    t = time.perf_counter()
    reports = list(det.score_documents(docs))
    score = min(score, time.perf_counter() - t)
assert sum(r.n_sentences for r in reports) == n_sent
print(json.dumps({"sentences": n_sent, "documents": len(docs), "score_s": score, "segment_s": seg,
                  "tokens": sum(len(s.tokens) for d in seen for s in split_sentences(d))}))
"""

_POOL = """
import json, os, sys, time
from multiprocessing import Pool
docs = json.load(open(sys.argv[1]))
jobs = int(sys.argv[2])

def work(chunk):
    import spin_detect
    return sum(r.n_sentences for r in spin_detect.load_detector().score_documents(chunk))

chunks = [docs[i::jobs] for i in range(jobs)]
t = time.perf_counter()
with Pool(jobs) as pool:
    n = sum(pool.map(work, chunks))
print(json.dumps({"seconds": time.perf_counter() - t, "sentences": n}))
"""

_MEASURE = """
import resource, subprocess, sys, time
t = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def _one_core_env() -> dict:
    return {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _cli() -> list[str]:
    return [sys.executable, "-m", "spin_detect"]


def _tree_rss(pid: int) -> int:
    """Summed VmRSS (kB) of ``pid`` and all its descendants."""
    kids: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(d))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(kids.get(p, []))
        try:
            with open(f"/proc/{p}/status") as f:
                total += next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
        except OSError:
            pass
    return total


def run_measured(cmd: list[str], env: dict | None = None) -> tuple[float, float, float]:
    """Run ``cmd``; return (wall seconds, peak RSS MB of its largest process, peak summed RSS MB of its tree)."""
    proc = subprocess.Popen([sys.executable, "-c", _MEASURE, *cmd], env=env, stdout=subprocess.PIPE, text=True)
    peak_tree = 0
    while proc.poll() is None:
        peak_tree = max(peak_tree, _tree_rss(proc.pid))
        time.sleep(0.2)
    out, _ = proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed")
    seconds, maxrss = out.split()
    return float(seconds), int(maxrss) / 1024, peak_tree / 1024


def first_result_time(article: Path) -> float:
    """Seconds from starting ``spin-detect score ARTICLE`` to its first line of output."""
    t = time.perf_counter()
    proc = subprocess.Popen([*_cli(), "score", str(article)], stdout=subprocess.PIPE, text=True)
    proc.stdout.readline()
    elapsed = time.perf_counter() - t
    proc.communicate()
    return elapsed


def audit_available() -> bool:
    """Whether this spin-detect has ``audit ... --out ... --jobs N``."""
    r = subprocess.run([*_cli(), "audit", "--help"], capture_output=True, text=True)
    return r.returncode == 0 and "--jobs" in r.stdout


def write_jsonl(docs: list[str], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for i, d in enumerate(docs):
            f.write(json.dumps({"id": f"doc{i}", "text": d}) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer documents (about a minute in all)")
    ap.add_argument("--train-time", action="store_true",
                    help="also time python -m scripts.build default-model (needs ../shared/corpora; takes minutes)")
    args = ap.parse_args()
    n_docs = 150 if args.quick else 600
    audit_sizes = (200, 2000) if args.quick else (1000, 20000)
    cores = len(os.sched_getaffinity(0))
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        docs = make_documents(n_docs, seed=1)
        (tmp / "docs.json").write_text(json.dumps(docs))
        (tmp / "warm.json").write_text(json.dumps(make_documents(60, seed=2)))
        out = subprocess.run([sys.executable, "-c", _ONE_CORE, str(tmp / "docs.json"), str(tmp / "warm.json")],
                             env=_one_core_env(), capture_output=True, text=True, check=True).stdout
        one = json.loads(out)
        sps, dps = one["sentences"] / one["score_s"], one["documents"] / one["score_s"]
        seg_sps = one["sentences"] / one["segment_s"]
        rows += [
            ("documents / sentences / tokens scored",
             f"{one['documents']} / {one['sentences']} / {one['tokens']} "
             f"({one['tokens'] / one['sentences']:.1f} tokens per sentence)"),
            ("score, 1 core: sentences/s", f"{sps:,.0f}"),
            ("score, 1 core: documents/s", f"{dps:,.1f}"),
            ("segment+tokenise only, 1 core: sentences/s", f"{seg_sps:,.0f}"),
            ("LIMIT RATIO (score / segment throughput)", f"{sps / seg_sps:.3f}"),
        ]
        has_audit = audit_available()
        if has_audit:
            write_jsonl(docs, tmp / "docs.jsonl")
            secs, _, _ = run_measured([*_cli(), "audit", str(tmp / "docs.jsonl"), "--out", str(tmp / "r.jsonl"),
                                       "--jobs", str(cores), "--no-progress"])
            how = f"spin-detect audit --jobs {cores}, incl. start-up"
        else:
            secs = json.loads(subprocess.run([sys.executable, "-c", _POOL, str(tmp / "docs.json"), str(cores)],
                                             capture_output=True, text=True, check=True).stdout)["seconds"]
            how = f"multiprocessing.Pool({cores}) around Detector.score_documents, incl. model loading"
        rows += [(f"score, {cores} cores: sentences/s ({how})", f"{one['sentences'] / secs:,.0f}"),
                 (f"score, {cores} cores: documents/s", f"{one['documents'] / secs:,.1f}")]
        article = tmp / "article.txt"
        article.write_text(EXAMPLE.read_text(encoding="utf-8"))
        cold = first_result_time(article)
        warm = min(first_result_time(article) for _ in range(3))
        rows += [("score ARTICLE: start to first result, best of 3", f"{warm:.2f} s"),
                 ("score ARTICLE: start to first result, first run (cold-ish)", f"{cold:.2f} s")]
        rss = run_measured([*_cli(), "score", str(EXAMPLE)])[1]
        rows.append(("score ARTICLE: peak RSS", f"{rss:.0f} MB"))
        for n in audit_sizes:
            if not has_audit:
                rows.append((f"audit {n:,} documents: peak RSS", "audit command not available"))
                continue
            write_jsonl(make_documents(n, seed=3), tmp / f"a{n}.jsonl")
            secs, largest, tree = run_measured([*_cli(), "audit", str(tmp / f"a{n}.jsonl"), "--out",
                                                str(tmp / f"a{n}.out.jsonl"), "--jobs", str(cores), "--no-progress"])
            rows.append((f"audit {n:,} documents, --jobs {cores}: peak RSS",
                         f"{largest:.0f} MB largest process, {tree:.0f} MB whole tree (sampled); {secs:.1f} s, "
                         f"{n / secs:,.1f} documents/s"))
    if args.train_time:
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "scripts.build", "default-model"], check=True, cwd=ROOT)
        rows.append(("train default model (python -m scripts.build default-model)", f"{time.perf_counter() - t:.0f} s"))
    else:
        manifest = json.loads((ROOT / "models" / "default" / "manifest.json").read_text())
        secs = manifest.get("training", {}).get("seconds")
        rows.append(("train default model", f"{secs} s (recorded in the model manifest; --train-time to measure)"
                     if secs is not None else "not recorded; --train-time to measure"))
    width = max(len(k) for k, _ in rows)
    print(f"spin-detect benchmark ({'quick' if args.quick else 'full'}; {cores} cores, Python "
          f"{sys.version.split()[0]})")
    for k, v in rows:
        print(f"  {k:<{width}}  {v}")


if __name__ == "__main__":
    main()
