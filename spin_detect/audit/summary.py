"""The summary of an audit: counts gathered row by row, and their text for people.

:class:`Summary` counts rows per status and verdict, a histogram of
likelihoods (and, per bin, the documents called spun), the hosts with the highest share of spun pages, the
documents most likely spun, and the first errors and skipped records;
after source matching, the copies, spun copies and rewrites found and the sites that copy most;
its ``to_dict`` is the schema :data:`SUMMARY_SCHEMA`, which
:func:`format_summary` and :func:`spin_detect.render.html.summary_page` show.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from spin_detect.report import plural

__all__ = ["SUMMARY_SCHEMA", "Summary", "format_summary"]

SUMMARY_SCHEMA = "spin-detect/audit-summary/1"


@dataclass
class Summary:
    """Counts gathered row by row; ``to_dict`` gives the schema ``spin-detect/audit-summary/1``."""

    threshold: float | None = None
    records: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_verdict: dict[str, int] = field(default_factory=dict)
    counts: list[int] = field(default_factory=lambda: [0] * 20)
    #: of ``counts``, the documents called spun (a bin can straddle the threshold)
    spun_counts: list[int] = field(default_factory=lambda: [0] * 20)
    hosts: dict[str, list[int]] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    max_errors: int = 20
    #: rows with source matching fields (``--match-sources``/``--sources``): per relation, and per host
    #: [documents, copies, spun copies]
    matched: bool = False
    relations: dict[str, int] = field(default_factory=dict)
    copy_hosts: dict[str, list[int]] = field(default_factory=dict)
    #: the documents called spun with the highest likelihood, as (likelihood, -record number, row fields): a heap
    top_spun: list[tuple[float, int, dict[str, Any]]] = field(default_factory=list)
    max_top: int = 20

    def add(self, row: dict[str, Any]) -> None:
        """Count one report row (its status, verdict, likelihood and host; the first errors are kept)."""
        self.records += 1
        self.by_status[row["status"]] = self.by_status.get(row["status"], 0) + 1
        if "source_relation" in row:
            self._add_match(row)
        if row["status"] != "ok":  # errors and skipped records: the first of each are kept
            kept = self.errors if row["status"] == "error" else self.skipped
            if len(kept) < self.max_errors:
                kept.append({"id": row["id"], "source": row["source"], "error": row["error"]})
            return
        v = row["verdict"]
        self.by_verdict[v] = self.by_verdict.get(v, 0) + 1
        if v in ("spun", "original"):
            b = min(int(row["likelihood"] * 20), 19)
            self.counts[b] += 1
            self.spun_counts[b] += v == "spun"
        if v == "spun":  # the first to read: highest likelihood, then the earliest record
            item = (float(row["likelihood"]), -self.records,
                    {k: row.get(k) for k in ("id", "source", "url", "likelihood", "top_evidence")})
            if len(self.top_spun) < self.max_top:
                heapq.heappush(self.top_spun, item)
            elif item[:2] > self.top_spun[0][:2]:
                heapq.heapreplace(self.top_spun, item)
        if row.get("url"):
            host = (urlsplit(row["url"]).hostname or "").lower()
            if host:
                n = self.hosts.setdefault(host, [0, 0])
                n[0] += 1
                n[1] += v == "spun"

    def _add_match(self, row: dict[str, Any]) -> None:
        self.matched = True
        rel = row["source_relation"]
        if rel:
            self.relations[rel] = self.relations.get(rel, 0) + 1
        host = (urlsplit(row["url"]).hostname or "").lower() if row.get("url") else ""
        if host and row["status"] == "ok":
            n = self.copy_hosts.setdefault(host, [0, 0, 0])
            n[0] += 1
            n[1] += rel in ("copy", "spun_copy")
            n[2] += rel == "spun_copy"

    def top_copiers(self, k: int = 20) -> list[dict[str, Any]]:
        """The ``k`` hosts with the most copied pages (copies and spun copies of another document)."""
        rows: list[dict[str, Any]] = [
            {"host": h, "documents": n, "copies": c, "spun_copies": sc, "share": round(c / n, 4)}
                for h, (n, c, sc) in self.copy_hosts.items() if c]
        rows.sort(key=lambda r: (-r["copies"], -r["share"], r["host"]))
        return rows[:k]

    def top_hosts(self, k: int = 20, min_documents: int = 2) -> list[dict[str, Any]]:
        """The ``k`` hosts with the highest share of spun pages (of those with at least ``min_documents``)."""
        rows: list[dict[str, Any]] = [{"host": h, "documents": n, "spun": s, "share": round(s / n, 4)}
                for h, (n, s) in self.hosts.items() if n >= min_documents or len(self.hosts) <= k]
        rows.sort(key=lambda r: (-r["share"], -r["documents"], r["host"]))
        return rows[:k]

    def to_dict(self, **extra: Any) -> dict[str, Any]:
        """The summary as data (schema ``spin-detect/audit-summary/1``), with ``extra`` fields added."""
        out = {"schema": SUMMARY_SCHEMA, "records": self.records, "by_status": self.by_status,
               "by_verdict": self.by_verdict,
               "histogram": {"edges": [round(i / 20, 2) for i in range(21)], "counts": self.counts,
                             "spun_counts": self.spun_counts},
               "hosts": self.top_hosts(), "threshold": self.threshold, "errors": self.errors,
               "skipped": self.skipped,
               "most_likely_spun": [d for *_, d in sorted(self.top_spun, key=lambda t: t[:2], reverse=True)]}
        if self.matched:
            out["sources"] = {"copy": self.relations.get("copy", 0), "spun_copy": self.relations.get("spun_copy", 0),
                              "rewrite": self.relations.get("rewrite", 0), "copying_hosts": self.top_copiers()}
        return {**out, **extra}


def format_summary(s: dict[str, Any]) -> str:
    """The summary (``Summary.to_dict``) for people: counts, a text histogram, top hosts, first errors."""
    statuses = ", ".join(f"{v:,} {k}" for k, v in sorted(s["by_status"].items()))
    lines = [f"{plural(s['records'], 'record')}" + (f": {statuses}" if statuses else "")]
    if s["by_verdict"]:
        lines.append("verdicts: " + ", ".join(f"{v:,} {k}" for k, v in sorted(s["by_verdict"].items(),
                                                                             key=lambda kv: -kv[1])))
    counts = s["histogram"]["counts"]
    if any(counts):
        pairs = [counts[i] + counts[i + 1] for i in range(0, 20, 2)]
        top = max(pairs)
        lines.append("spin likelihood of judged documents:")
        for i, c in enumerate(pairs):
            bar = "#" * round(40 * c / top) or ("." if c else "")
            lines.append(f"  {i * 10:3d}-{i * 10 + 10:3d}%  {c:>8,}  {bar}")
    src = s.get("sources")
    if src:
        lines.append(f"originals found: {plural(src['copy'], 'copy', 'copies')}, "
                     f"{plural(src['spun_copy'], 'spun copy', 'spun copies')}, {plural(src['rewrite'], 'rewrite')}")
        if src["copying_hosts"]:
            lines.append("sites that copy most:")
            lines += [f"  {plural(h['copies'], 'copy', 'copies')} ({h['spun_copies']:,} spun) of "
                      f"{plural(h['documents'], 'page')}  {h['host']}" for h in src["copying_hosts"][:10]]
    if s.get("most_likely_spun"):
        lines.append("most likely spun (spin-detect score FILE --html PAGE for a closer look):")
        lines += [f"  {d['likelihood']:6.1%}  {d['source']}" for d in s["most_likely_spun"][:5]]
    if s["hosts"]:
        lines.append("hosts with the highest share of spun pages:")
        lines += [f"  {h['share']:6.1%}  {h['spun']:,}/{h['documents']:,}  {h['host']}" for h in s["hosts"][:10]]
    if s["errors"]:
        lines.append("first errors:")
        lines += [f"  {e['error']}" for e in s["errors"][:5]]
    if s.get("skipped"):
        lines.append("first records skipped:")
        lines += [f"  {e['error']}" for e in s["skipped"][:5]]
    return "\n".join(lines)
