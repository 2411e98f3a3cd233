"""Source matching, measured: how often a spun copy is matched to its true original, how exact its swaps
are, how often the original is told from the copy, and how fast ``audit --match-sources`` runs.

    python benchmarks/sources.py [--limit N] [--throughput 100000] [--real-pages N [--real-skip K]] [--json OUT]

Test corpus, from the TEST split of ``work-data/datasets/documents.csv.gz`` (build it with
``python -m scripts.build datasets``): every original of at least 50 words; for each, a spun copy by every
spinner style of ``spin_detect.learning.spinner.STYLES`` (``moby`` included, which no model trained on) at a
light (0.1) and a heavy (0.35) rate, an exact copy, and two partial copies: paragraphs picked at random
(sentences, when it has fewer than 3 paragraphs) until they hold half (``partial``), or a quarter
(``partial-quarter``), of its words, spun lightly by one style in turn. The other originals of the same
source and topic (e.g. ``bbc/business``) are the unrelated documents.

* **Source mode** (``--sources``): the originals are the trusted set, every copy is matched against them.
  Match rate: the copy's ``source_id`` is its own original. False pairs: a copy matched to another original.
  Swaps: the spinner's ``SpinResult.changes`` are the truth; a listed swap is real when it overlaps a change,
  and right when the original it names equals the change's (with the unchanged words it took along).
* **Within mode** (``--match-sources``): all originals plus one copy of each (styles and rates in turn), with
  no dates: direction accuracy (the copy is the one given a source, and the source is its original) and false
  pairs between originals.
* **Real pages** (``--real-pages N``): N real documents and nothing planted (the pages of the throughput
  corpus below, without the spun copies, from the ``--real-skip``-th on), matched with each other by
  ``match_sources`` (no scoring): every ``spun_copy`` among them is false (pages of one template, revisions
  of one story, overlapping cuts of one article). Counts per relation.
* **Throughput** (``--throughput N``): N documents (originals from ``../shared/corpora``: wikinews pages and
  enwiki-2018 articles of at least 50 words, then pages of about 300 words cut from enwiki-2015 articles and
  UN speeches; a fifth of them replaced by spun copies of others, light and heavy, every style in turn),
  written as JSONL and audited with ``spin-detect audit --match-sources --jobs 2``; wall time, documents/s,
  the time until the scoring ends (``scoring_s``; signatures, candidate pairs and alignments run in the main
  process meanwhile) and of the matching pass after it (``matching_s``: directions and the amended report),
  peak RSS and CPU seconds of the process tree (the main process, its forkserver and the worker processes);
  and the memory of a ``SourceIndex`` of the same documents.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "work-data" / "datasets" / "documents.csv.gz"
LIGHT, HEAVY = 0.1, 0.35


def _partial(text: str, rng: random.Random, share: float = 0.5) -> str:
    """Some paragraphs of ``text`` (sentences, when it has fewer than 3 paragraphs), picked at random until
    they hold ``share`` of its words, in their order."""
    units = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    sep = "\n\n"
    if len(units) < 3:
        from spin_detect.text.segment import split_sentences

        units, sep = [s.text for s in split_sentences(text)], " "
    total = sum(len(u.split()) for u in units)
    order = list(range(len(units)))
    rng.shuffle(order)
    keep, words = [], 0
    for i in order:
        if words >= share * total:
            break
        keep.append(i)
        words += len(units[i].split())
    return sep.join(units[i] for i in sorted(keep))


def build_corpus(limit: int | None) -> tuple[list[dict], list[dict]]:
    """Originals and copies (with the spinner's changes) of the test split."""
    import pandas as pd

    from spin_detect.learning.spinner import STYLES, spin_text

    if not DATA.exists():
        sys.exit(f"{DATA} is missing: build it with `python -m scripts.build datasets` (needs ../shared/corpora)")
    d = pd.read_csv(DATA)
    t = d[(d.split == "test") & (d.variant == "original")]
    t = t[t.text.str.split().str.len() >= 50].sort_values("doc_id")
    if limit:
        t = t.sample(min(limit, len(t)), random_state=0).sort_values("doc_id")
    originals = [{"id": r.doc_id, "text": r.text, "topic": r.doc_id.rsplit("/", 1)[0]} for r in t.itertuples()]
    copies: list[dict] = []
    styles = list(STYLES)
    for n, o in enumerate(originals):
        rng = random.Random(n)
        for style in styles:
            for kind, rate in (("light", LIGHT), ("heavy", HEAVY)):
                r = spin_text(o["text"], style, rate=rate, seed=n)
                copies.append({"id": f"{o['id']}#{style}-{kind}", "text": r.text, "of": o["id"], "kind": kind,
                               "style": style, "changes": [(c.start, c.end, c.original) for c in r.changes]})
        copies.append({"id": f"{o['id']}#exact", "text": o["text"], "of": o["id"], "kind": "exact", "style": None,
                       "changes": []})
        style = styles[n % len(styles)]
        for kind, share in (("partial", 0.5), ("partial-quarter", 0.25)):
            r = spin_text(_partial(o["text"], rng, share), style, rate=LIGHT, seed=n)
            copies.append({"id": f"{o['id']}#{kind}", "text": r.text, "of": o["id"], "kind": kind, "style": style,
                           "changes": [(c.start, c.end, c.original) for c in r.changes]})
    return originals, copies


def _norm(s: str) -> str:
    return " ".join(re.findall(r"[^\W_]+(?:['’.\-][^\W_]+)*", s.lower().replace("’", "'")))


def swap_scores(text: str, swaps: list[dict], changes: list[tuple[int, int, str]]) -> tuple[int, int, int, int]:
    """(listed, not real, changes, changes found with the right original) for one matched copy."""
    found: set[int] = set()
    not_real = 0
    for s in swaps:
        hit = [k for k, (a, b, _) in enumerate(changes) if a < s["end"] and s["start"] < b]
        if not hit:
            not_real += 1
            continue
        expect, pos = [], s["start"]
        for k in hit:
            a, b, orig = changes[k]
            expect += [text[pos:a] if a > pos else "", orig]
            pos = max(pos, b)
        lo = min(changes[k][0] for k in hit)
        hi = max(changes[k][1] for k in hit)
        expect.append(text[pos : s["end"]] if s["end"] > pos else "")
        # the swap may hold less than the changes (a change whose replacement keeps a word of the original)
        inside = lo <= s["start"] and s["end"] <= hi
        if _norm("".join(expect)) == _norm(s["original"]) or (
                inside and _norm(s["original"]) in _norm(" ".join(changes[k][2] for k in hit))):
            found.update(hit)
    return len(swaps), not_real, len(changes), len(found)


def _related(texts: dict[str, str], a: str, b: str) -> str | None:
    """The relation of two originals of the data set to each other (some are duplicates or rewrites)."""
    from spin_detect.matching.align import align

    al = align(texts[a], texts[b])
    return al.relation("a") or al.relation("b")


def source_mode(originals: list[dict], copies: list[dict], config: object = None) -> dict:
    from spin_detect.matching import SourceIndex, match_sources

    index = SourceIndex(config)  # type: ignore[arg-type]
    t0 = time.time()
    for o in originals:
        index.add(o["text"], o["id"])
    t1 = time.time()
    rows = list(match_sources(copies, sources=index, config=index.config))
    t2 = time.time()
    stats: dict[str, list[int]] = {}
    styles: dict[str, list[int]] = {}
    false_pairs = []
    twins = []  # matched to another original that is a duplicate or rewrite of its own, in the data set
    texts = {o["id"]: o["text"] for o in originals}
    listed = not_real = n_changes = n_found = 0
    for c, r in zip(copies, rows):
        ok = r["source_id"] == c["of"]
        s = stats.setdefault(c["kind"], [0, 0])
        s[0] += ok
        s[1] += 1
        if c["style"] and c["kind"] in ("light", "heavy"):
            st = styles.setdefault(f"{c['style']} {c['kind']}", [0, 0])
            st[0] += ok
            st[1] += 1
        if r["source_id"] is not None and not ok:
            rel = _related(texts, c["of"], r["source_id"])
            (twins if rel else false_pairs).append((c["id"], r["source_id"], r["source_relation"], rel))
        if ok and c["changes"] and r["source_relation"] == "spun_copy":
            a, b, n, f = swap_scores(c["text"], r["swaps"], c["changes"])
            listed, not_real, n_changes, n_found = listed + a, not_real + b, n_changes + n, n_found + f
        elif ok and c["changes"]:
            n_changes += len(c["changes"])
    relations: dict[str, int] = {}
    for c, r in zip(copies, rows):
        key = f"{c['kind']}:{r['source_relation']}"
        relations[key] = relations.get(key, 0) + 1
    return {"originals": len(originals), "copies": len(copies), "index_s": round(t1 - t0, 1),
            "match_s": round(t2 - t1, 1),
            "match_rate": {k: {"matched": v[0], "of": v[1], "rate": round(v[0] / v[1], 4)} for k, v in stats.items()},
            "by_style": {k: round(v[0] / v[1], 4) for k, v in sorted(styles.items())},
            "relations": relations, "false_pairs": len(false_pairs), "false_pair_examples": false_pairs[:10],
            "matched_a_duplicate_of_the_original": len(twins),
            "duplicate_examples": sorted({(t[0].split("#")[0], t[1], t[3]) for t in twins})[:10],
            "swaps": {"listed": listed, "not_real": not_real, "not_real_share": round(not_real / max(1, listed), 4),
                      "changes": n_changes, "found_right_original": n_found,
                      "recall": round(n_found / max(1, n_changes), 4)}}


def tradeoff(originals: list[dict], copies: list[dict]) -> list[dict]:
    """Match rates, false pairs and pairs aligned for other LSH shapes (bands x rows) on the same corpus."""
    import spin_detect.matching.api as api
    from spin_detect.matching import MatchConfig, SourceIndex

    real, real_candidates = api.assess_pair, SourceIndex.candidates
    calls = [0, 0]

    def counted(*a: object, **kw: object) -> object:
        calls[0] += 1
        return real(*a, **kw)  # type: ignore[arg-type]

    def candidates(self: SourceIndex, hv: object) -> list[int]:
        got = real_candidates(self, hv)  # type: ignore[arg-type]
        calls[1] += len(got)
        return got

    out = []
    for bands, rows in ((64, 2), (32, 2), (42, 3), (32, 4)):
        calls[:] = [0, 0]
        api.assess_pair = counted  # type: ignore[assignment]
        SourceIndex.candidates = candidates  # type: ignore[method-assign]
        try:
            got = source_mode(originals, copies, MatchConfig(bands=bands, rows=rows))
        finally:
            api.assess_pair = real
            SourceIndex.candidates = real_candidates  # type: ignore[method-assign]
        out.append({"bands": bands, "rows": rows, "lsh_candidates": calls[1], "aligned_pairs": calls[0],
                    "match_s": got["match_s"],
                     **{k: v["rate"] for k, v in got["match_rate"].items()}, "false_pairs": got["false_pairs"]})
    return out


def within_mode(originals: list[dict], copies: list[dict]) -> dict:
    from spin_detect.matching import match_sources

    spun = [c for c in copies if c["kind"] in ("light", "heavy")]
    per = len(spun) // max(1, len(originals))
    chosen = [spun[i * per + (i % per)] for i in range(len(originals))]
    records = [{"id": o["id"], "text": o["text"]} for o in originals] + chosen
    random.Random(1).shuffle(records)
    t0 = time.time()
    rows = {r["id"]: r for r in match_sources(records)}
    elapsed = time.time() - t0
    right = wrong_direction = missed = 0
    for c in chosen:
        r, o = rows[c["id"]], rows[c["of"]]
        if r["source_id"] == c["of"] and o["source_id"] != c["id"]:
            right += 1
        elif o["source_id"] == c["id"]:
            wrong_direction += 1
        else:
            missed += 1
    orig_ids = {o["id"] for o in originals}
    texts = {o["id"]: o["text"] for o in originals}
    between = [(i, r["source_id"], r["source_relation"]) for i, r in rows.items()
               if i in orig_ids and r["source_id"] in orig_ids]
    # the data set's own duplicates and rewrites (BBC has some) are true pairs; only the others are false
    false_pairs = [p for p in between if not _related(texts, p[0], p[1])]
    return {"records": len(records), "pairs": len(chosen), "seconds": round(elapsed, 1),
            "direction_right": right, "direction_wrong": wrong_direction, "not_matched": missed,
            "direction_accuracy_of_matched": round(right / max(1, right + wrong_direction), 4),
            "pairs_between_originals": len(between), "pairs_between_originals_examples": between[:10],
            "false_pairs_between_originals": len(false_pairs), "false_pair_examples": false_pairs[:10]}


def real_pages(shared: Path) -> Iterator[tuple[str, str, bool]]:
    """Distinct real documents, lazily, as ``(id, text, cut)``: enwiki-2018 pages of at least 50 words
    (``enwiki/ID``), then pages of about 300 words cut from the long articles of enwiki-2015 and the UN
    speeches (``DIR/FILE/ARTICLE``; ``cut`` True). Shared with ``audit_scale.py``."""
    for path in sorted((shared / "enwiki-2018").rglob("wiki_*")):
        text = path.read_text(encoding="utf-8", errors="replace")
        for m in re.finditer(r'<doc id="(\d+)"[^>]*>\n(.*?)</doc>', text, re.S):
            if len(m.group(2).split()) >= 50:
                yield f"enwiki/{m.group(1)}", m.group(2), False
    for path in sorted((shared / "enwiki-2015").rglob("wiki_*.txt.gz")) + sorted((shared / "ungd").rglob("*.txt")):
        if path.suffix == ".gz":
            with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
                raw = f.read()
        else:
            raw = path.read_text(encoding="utf-8", errors="replace")
        bodies = [m.group(1) for m in re.finditer(r"<doc [^>]*>\n(.*?)</doc>", raw, re.S)] or [raw]
        for b, body in enumerate(bodies):
            page: list[str] = []
            for para in re.split(r"\n\s*\n|\n", body):
                page.append(para)
                if sum(len(p.split()) for p in page) >= 300:
                    yield f"{path.parent.name}/{path.stem}/{b}", "\n\n".join(page), True
                    page = []


def real_documents(n: int, skip: int = 0) -> list[dict]:
    """The real documents of the throughput corpus (wikinews pages of at least 50 words, then
    :func:`real_pages`), from the ``skip``-th, ``n`` of them."""
    docs: list[dict] = []
    shared = ROOT.parent / "shared" / "corpora"
    for path in sorted((shared / "wikinews").glob("*.jsonl")):
        with open(path, encoding="utf-8") as f:
            for line in f:
                obj = json.loads(line)
                if len(obj.get("text", "").split()) >= 50:
                    docs.append({"id": f"wikinews/{obj['id']}", "text": obj["text"]})
    for page_id, text, cut in real_pages(shared):
        if len(docs) >= skip + n:
            break
        docs.append({"id": f"{page_id}/{len(docs)}" if cut else page_id, "text": text})
    return docs[skip : skip + n]


def real_mode(n: int, skip: int) -> dict:
    """Relations found among ``n`` real documents (:func:`real_documents`) matched with each other."""
    from spin_detect.matching import match_sources

    docs = real_documents(n, skip)
    t0 = time.time()
    rows = list(match_sources(docs))
    relations: dict[str, int] = {}
    by_source: dict[str, int] = {}
    for d, r in zip(docs, rows):
        rel = str(r["source_relation"])
        relations[rel] = relations.get(rel, 0) + 1
        if rel == "spun_copy":
            key = d["id"].split("/")[0]
            by_source[key] = by_source.get(key, 0) + 1
    return {"documents": len(docs), "skip": skip, "seconds": round(time.time() - t0, 1), "relations": relations,
            "false_spun_copies_by_id_prefix": by_source}


def throughput_corpus(n: int, corpus: Path) -> list[dict]:
    """The throughput corpus of ``n`` documents (see the module docs), written to ``corpus`` as JSONL; its
    documents are returned too."""
    from spin_detect.learning.spinner import STYLES, spin_text

    docs = real_documents(n)
    rng = random.Random(0)
    n_spun = len(docs) // 5
    styles = list(STYLES)
    for k in range(n_spun):
        src = docs[rng.randrange(len(docs) - n_spun)]
        r = spin_text(src["text"], styles[k % len(styles)], rate=LIGHT if k % 2 else HEAVY, seed=k)
        docs[len(docs) - n_spun + k] = {"id": f"spun/{k}", "text": r.text}
    with open(corpus, "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    return docs


def audit_run(corpus: Path, out_dir: Path, jobs: int = 2) -> dict:
    """``spin-detect audit CORPUS --match-sources --jobs JOBS``, timed: wall time, the scoring and the matching
    pass (from the time of the "matching N records" line on stderr), peak RSS and CPU seconds of the process
    tree."""
    corpus, out_dir = corpus.resolve(), out_dir.resolve()
    report = out_dir / "report.jsonl"
    cmd = [sys.executable, "-m", "spin_detect", "audit", str(corpus), "--out", str(report), "--match-sources",
           "--jobs", str(jobs), "--no-progress", "--force", "--summary-json", str(out_dir / "summary.json")]
    import threading

    t0 = time.time()
    # run outside the checkout: `python -m` puts the working folder first on sys.path (and the worker processes
    # inherit it), which would shadow a PYTHONPATH naming another version of spin_detect to compare with
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, cwd=out_dir)
    lines: list[tuple[float, str]] = []

    def read() -> None:  # stderr with the time each line came: "matching N records" starts the matching pass
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append((time.time() - t0, line))

    reader = threading.Thread(target=read)
    reader.start()
    peak, cpu = _watch_rss(proc)
    reader.join()
    elapsed = time.time() - t0
    err = "".join(line for _, line in lines)
    match_start = next((t for t, line in lines if "matching" in line), None)
    summary = json.loads((out_dir / "summary.json").read_text()) if proc.returncode == 0 else {}
    return {"seconds": round(elapsed, 1), "peak_rss_tree_mb": round(peak / 2**20), "cpu_s_tree": round(cpu, 1),
            "scoring_s": round(match_start, 1) if match_start else None,
            "matching_s": round(elapsed - match_start, 1) if match_start else None,
            "returncode": proc.returncode, "sources": summary.get("sources"), "stderr_tail": err[-2000:]}


def throughput(n: int, out_dir: Path) -> dict:
    """Audit ``n`` documents with --match-sources on 2 cores; wall time, documents/s, peak RSS."""
    corpus = out_dir / "corpus.jsonl"
    docs = throughput_corpus(n, corpus)
    n_spun = len(docs) // 5
    memory = index_memory([d["text"] for d in docs])
    del docs[:]
    run = audit_run(corpus, out_dir)
    n = memory["documents"]
    return {"documents": n, "spun_copies_planted": n_spun, "index_memory": memory,
            "documents_per_s": round(n / run["seconds"], 1), **run}


def index_memory(texts: list[str]) -> dict:
    """Memory of a SourceIndex of ``texts`` (LSH, signatures and compressed texts), from the growth of this
    process's resident size, per million documents."""
    import gc

    from spin_detect.matching import SourceIndex

    gc.collect()
    before = _rss(os.getpid())
    index = SourceIndex()
    t0 = time.time()
    for i, text in enumerate(texts):
        index.add(text, f"d{i}")
    elapsed = time.time() - t0
    gc.collect()
    grown = _rss(os.getpid()) - before
    texts_bytes = sum(len(b) for b in index._texts)
    per_m = 1e6 / len(texts) / 2**30
    return {"documents": len(texts), "seconds": round(elapsed, 1), "rss_growth_mb": round(grown / 2**20),
            "compressed_texts_mb": round(texts_bytes / 2**20),
            "gb_per_million_documents": round(grown * per_m, 2),
            "gb_per_million_without_texts": round((grown - texts_bytes) * per_m, 2)}


def _rss(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (the audit's workers are children of its forkserver)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        with contextlib.suppress(OSError):
            todo += [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
    return out


def _watch_rss(proc: subprocess.Popen) -> tuple[int, float]:
    """Peak of the summed RSS of ``proc`` and all its descendants, sampled every 0.5 s until it ends, and the
    CPU seconds (user + system) they used, as last seen (a process's last half second may be missed)."""
    peak = 0
    cpu: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    while proc.poll() is None:
        total = 0
        for pid in _tree(proc.pid):
            try:
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1]) * 1024
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                cpu[pid] = (int(fields[11]) + int(fields[12])) / tick
            except (OSError, ValueError, IndexError):
                pass
        peak = max(peak, total)
        time.sleep(0.5)
    return peak, sum(cpu.values())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="only this many originals (a sample)")
    ap.add_argument("--throughput", type=int, default=0, metavar="N", help="also audit N documents (slow)")
    ap.add_argument("--skip-quality", action="store_true", help="only the throughput run")
    ap.add_argument("--tradeoff", action="store_true", help="also other LSH shapes (bands x rows): recall and cost")
    ap.add_argument("--real-pages", type=int, default=0, metavar="N",
                    help="also match N real documents with each other: the false spun copies among them")
    ap.add_argument("--real-skip", type=int, default=0, metavar="K", help="the real documents from the K-th on")
    ap.add_argument("--json", type=Path, default=None, help="write the figures here too")
    ap.add_argument("--cache", type=Path, default=None, help="keep the spun test corpus in this JSON file (reused)")
    args = ap.parse_args()
    figures: dict = {}
    if not args.skip_quality:
        t0 = time.time()
        if args.cache and args.cache.exists():
            originals, copies = json.loads(args.cache.read_text())
        else:
            originals, copies = build_corpus(args.limit)
            if args.cache:
                args.cache.write_text(json.dumps([originals, copies]))
        figures["corpus_s"] = round(time.time() - t0, 1)
        figures["source_mode"] = source_mode(originals, copies)
        print(json.dumps(figures["source_mode"], indent=1), flush=True)
        figures["within_mode"] = within_mode(originals, copies)
        print(json.dumps(figures["within_mode"], indent=1), flush=True)
        if args.tradeoff:
            figures["tradeoff"] = tradeoff(originals, copies)
            print(json.dumps(figures["tradeoff"], indent=1), flush=True)
    if args.real_pages:
        figures["real_pages"] = real_mode(args.real_pages, args.real_skip)
        print(json.dumps(figures["real_pages"], indent=1), flush=True)
    if args.throughput:
        with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as tmp:
            figures["throughput"] = throughput(args.throughput, Path(tmp))
        print(json.dumps(figures["throughput"], indent=1), flush=True)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")


if __name__ == "__main__":
    main()
