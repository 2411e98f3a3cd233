"""HTML for source matching: a document's swaps side by side with its original, and the audit summary's
copies and copying sites.

:func:`source_section` is the part of ``score FILE --source ORIGINAL --html`` that shows the match: the
relation, the similarity, why that text is the original, and a table with, per swap, the copy's sentence
with its word marked beside the original's words in the same context. :func:`summary_sources_section` is the
part of the audit summary page that counts copies and spun copies and lists the sites that copy most.
Every piece of text is escaped (:func:`~spin_detect.render.page.esc`).
"""

from __future__ import annotations

from typing import Any

from spin_detect.render.page import as_int, esc, num, pct

__all__ = ["source_section", "summary_sources_section"]

_CONTEXT = 60
_MAX_ROWS = 500
#: the original's words: green where the copy's are yellow
_ORIG_STYLE = "background: rgba(46, 125, 50, .18); border-bottom-color: #2e7d32"


def _context(text: str, start: int, end: int) -> tuple[str, str]:
    """Up to :data:`_CONTEXT` characters before and after ``text[start:end]``, cut at spaces."""
    before = text[max(0, start - _CONTEXT) : start]
    after = text[end : end + _CONTEXT]
    if start > _CONTEXT and " " in before:
        before = "…" + before[before.index(" ") + 1 :]
    if end + _CONTEXT < len(text) and " " in after:
        after = after[: after.rindex(" ")] + "…"
    return before, after


def source_section(match: dict[str, Any], text: str, source_name: str, source_text: str | None = None,
                   reverse: dict[str, Any] | None = None) -> str:
    """The match of a document with a candidate original (``match``: the fields of
    :func:`~spin_detect.matching.match_sources`, swaps with offsets into ``text``) as an HTML section.

    With ``source_text`` (the original's text), each swap's original is shown in the original's own context;
    without it, in the copy's context. ``reverse``: the candidate's own match, which says when it is the
    candidate that looks like the copy of the document.
    """
    rel = match.get("source_relation")
    title = f"<h2>Against {esc(source_name)}</h2>"
    rev = reverse if isinstance(reverse, dict) else {}
    back = rev.get("source_relation")
    if not rel and back:
        facts = [("Relation", f"the other way round: {esc(source_name)} looks like the "
                              f"{esc(str(back).replace('_', ' '))} of this text"),
                 ("Similarity", f"{pct(min(max(num(rev.get('source_similarity')), 0.0), 1.0))} of the words equal, "
                                "in order"),
                 ("Why", esc(rev.get("source_note") or ""))]
        return title + '<dl class="facts">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>"
    if not rel:
        return title + ('<p class="empty-note">No relation found: the two texts do not align as a copy, a spun '
                        "copy or a rewrite.</p>")
    facts = [("Relation", esc(str(rel).replace("_", " "))),
             ("Similarity", f"{pct(min(max(num(match.get('source_similarity')), 0.0), 1.0))} of the words equal, "
                            "in order"),
             ("Why", esc(match.get("source_note") or ""))]
    facts_html = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
    swaps = [s for s in match.get("swaps") or [] if isinstance(s, dict)]
    spans = _original_spans(swaps, text, source_text)
    rows = []
    for s, span in zip(swaps[:_MAX_ROWS], spans):
        start, end = as_int(s.get("start")), as_int(s.get("end"))
        before, after = _context(text, start, end)
        o_before, o_after = _context(source_text, *span) if source_text is not None and span else (before, after)
        rows.append(f'<tr><td class="wrap">{esc(before)}<mark>{esc(text[start:end])}</mark>{esc(after)}</td>'
                    f'<td class="wrap">{esc(o_before)}<mark class="orig" style="{_ORIG_STYLE}">'
                    f'{esc(s.get("original", ""))}</mark>'
                    f"{esc(o_after)}</td></tr>")
    more = (f'<p class="muted">First {_MAX_ROWS:,} of {len(swaps):,} swaps.</p>' if len(swaps) > _MAX_ROWS else "")
    table = ('<table><thead><tr><th>This text</th><th>The original</th></tr></thead><tbody>\n' + "\n".join(rows)
             + f"\n</tbody></table>{more}") if rows else '<p class="empty-note">No swapped words.</p>'
    return f'{title}<dl class="facts">{facts_html}</dl>\n<h2>Swaps, side by side ({len(swaps):,})</h2>\n{table}'


def _original_spans(swaps: list[dict[str, Any]], text: str, source_text: str | None) -> list[tuple[int, int] | None]:
    """Where each swap's original is in ``source_text`` (None each when it is not given or not found)."""
    if source_text is None:
        return [None] * len(swaps)
    from spin_detect.matching.align import align

    found = {(s.start, s.end): (s.original_start, s.original_end) for s in align(source_text, text).swaps("b")}
    return [found.get((as_int(s.get("start")), as_int(s.get("end")))) for s in swaps]


def summary_sources_section(summary: dict[str, Any]) -> str:
    """The summary's source matching (``summary["sources"]``) as an HTML section; empty without matching."""
    src = summary.get("sources")
    if not isinstance(src, dict):
        return ""
    counts = "".join(f'<div class="card{c}"><div class="v">{as_int(src.get(k)):,}</div><div class="k">{label}</div>'
                     "</div>" for k, label, c in (("copy", "Copies", ""), ("spun_copy", "Spun copies", " spun"),
                                                  ("rewrite", "Rewrites", "")))
    rows = []
    for h in src.get("copying_hosts") or []:
        if not isinstance(h, dict):
            continue
        rows.append(f'<tr><td class="wrap">{esc(h.get("host", ""))}</td><td class="num">{as_int(h.get("documents")):,}'
                    f'</td><td class="num">{as_int(h.get("copies")):,}</td><td class="num">'
                    f'{as_int(h.get("spun_copies")):,}</td></tr>')
    # "copied pages" counts exact and spun copies alike; the cards above count them apart
    table = ('<table><thead><tr><th>Host</th><th class="num">Documents</th><th class="num">Copied pages</th>'
             '<th class="num">of them spun</th></tr></thead><tbody>\n' + "\n".join(rows) + "\n</tbody></table>"
             ) if rows else '<p class="empty-note">No copies from hosts with URLs.</p>'
    return (f'<h2>Originals found</h2>\n<div class="cards">{counts}</div>\n<h2>Sites that copy most</h2>\n{table}')
