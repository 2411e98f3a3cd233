"""Self-contained HTML pages for one scored document and for a corpus audit.

:func:`document_page` shows a :class:`~spin_detect.detector.DocumentReport` on its
own text: a summary (verdict, spin likelihood, threshold, flagged sentences,
model), the article with every sentence shaded by its spun probability and the
words that look substituted marked (their likely original in a tooltip), a legend
and a table of the flagged sentences with their evidence. :func:`summary_page`
shows the summary of a corpus audit (schema ``spin-detect/audit-summary/1``):
counts, a chart of verdicts, a histogram of likelihoods with the threshold, the
hosts with most spun pages and sample errors.

The pages are single files: inline CSS and SVG, no script, no external resource,
and a Content-Security-Policy that forbids both. Document text, file names, host
names and error messages are untrusted: every one goes through
``html.escape(..., quote=True)`` before it reaches the page. The frame the two
pages share (style sheet, policy, escaping) is :mod:`spin_detect.render.page`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from spin_detect import __version__
from spin_detect.render.page import as_int, esc, esc_shown, num, page, pct, pct_apart, pct_exact
from spin_detect.render.sources import source_section, summary_sources_section
from spin_detect.report import NO_SINGLE_WORD, plural

if TYPE_CHECKING:
    from spin_detect.detector import DocumentReport, Evidence, SentenceReport

__all__ = ["document_page", "summary_page", "sentence_alpha"]

SPUN_RGB = (220, 50, 47)
_BLANK_LINE_RE = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_VERDICT_LABELS = {"spun": "Spun", "original": "Original", "too_short": "Too short", "out_of_scope": "Out of scope",
                   "empty": "Empty"}
_VERDICT_COLOURS = {"spun": "#dc322f", "original": "#2e7d32", "too_short": "#8a8f98", "out_of_scope": "#5b6b7f",
                    "empty": "#b8bec7"}


def sentence_alpha(p: float) -> float:
    """Opacity of a sentence's shading: none below 0.3, then rising linearly from 0.08 to 0.38 at p = 1."""
    p = min(max(num(p), 0.0), 1.0)
    return 0.0 if p < 0.3 else round(0.08 + 0.30 * (p - 0.3) / 0.7, 3)


def _badge(verdict: str) -> str:
    cls = verdict if verdict in _VERDICT_LABELS else "other"
    return f'<span class="badge {cls}">{esc(_VERDICT_LABELS.get(verdict, verdict))}</span>'


# ---------------------------------------------------------------------------------------------------- document


def _gap_html(gap: str, paras: list[str], cur: list[str]) -> list[str]:
    """Text between sentences: blank lines end paragraphs, single line breaks become ``<br>``."""
    for k, part in enumerate(_BLANK_LINE_RE.split(gap)):
        if k:
            paras.append("".join(cur))
            cur = []
        if not cur:
            part = part.lstrip()
        if part:
            cur.append(esc_shown(part).replace("\n", "<br>\n"))
    return cur


def _original(ev: Evidence) -> str:
    """The evidence's likely original, or "" when there is none or it is the word itself."""
    orig = str(ev.likely_original or "").strip()
    return "" if orig.lower() == str(ev.word).strip().lower() else orig


def _sentence_html(s: SentenceReport, text: str, lo: int, hi: int, cut: float | None, shade: bool = True) -> str:
    """One sentence, shaded by its probability and with its evidence marked; ``cut``: the sentence threshold,
    None when the document is not judged (the sentence is shown plain: its numbers would be a guess)."""
    if cut is None:
        return f'<span class="s" id="s{as_int(s.index)}">{esc_shown(text[lo:hi])}</span>'
    p = min(max(num(s.probability), 0.0), 1.0)
    flagged = bool(getattr(s, "flagged", False))
    alpha = sentence_alpha(p) if shade else 0.0  # not in a text that reads clearly as original (no flag there)
    style = f' style="background-color: rgba({SPUN_RGB[0]},{SPUN_RGB[1]},{SPUN_RGB[2]},{alpha})"' if alpha else ""
    title = f"spun probability {pct_apart(p, cut)[0]}" + (" (flagged)" if flagged else "")
    out = [f'<span class="s{" flag" if flagged else ""}" id="s{as_int(s.index)}" data-p="{p:.2f}" '
           f'title="{esc(title)}"{style}>']
    pos = lo
    for ev in sorted(getattr(s, "evidence", None) or [], key=lambda ev: as_int(ev.start)):
        a, b = as_int(ev.start), as_int(ev.end)
        if a < pos or b > hi or a >= b:
            continue  # overlapping or outside the sentence: listed in the table only
        orig = _original(ev)
        sp = pct(min(max(num(ev.probability), 0.0), 1.0))
        others = [str(o) for o in (getattr(ev, "likely_originals", None) or [])[1:] if str(o).strip()]
        tip = (f"likely original: {orig}" + (f" (or: {', '.join(others)})" if others else "")
               + f" (substitution probability {sp})" if orig
               else f"looks substituted (substitution probability {sp}); no likely original known")
        data = f' data-orig="{esc(orig)}?"' if orig else ""
        out.append(f'{esc_shown(text[pos:a])}<mark title="{esc(tip)}"{data}>{esc_shown(text[a:b])}</mark>')
        pos = b
    out.append(f"{esc_shown(text[pos:hi])}</span>")
    return "".join(out)


def _model_text(model: dict) -> str:
    """Name, checksum (its first 16 digits: the reports hold all of it) and version of the model, for a footer."""
    return " · ".join(esc(str(model[k])[:16] if k == "sha256" else model[k])
                      for k in ("name", "sha256", "spin_detect_version") if model.get(k))


def _article_html(report: DocumentReport, text: str, cut: float | None, shade: bool = True) -> str:
    paras: list[str] = []
    cur: list[str] = []
    pos, n = 0, len(text)
    for s in sorted(report.sentences or [], key=lambda s: as_int(s.start)):
        lo, hi = max(as_int(s.start), pos), min(as_int(s.end), n)
        if lo >= hi:
            continue  # overlaps the previous sentence or lies outside the text
        cur = _gap_html(text[pos:lo], paras, cur)
        cur.append(_sentence_html(s, text, lo, hi, cut, shade))
        pos = hi
    cur = _gap_html(text[pos:], paras, cur)
    paras.append("".join(cur))
    body = "\n".join(f"<p>{p}</p>" for p in paras if p.strip())
    return body or '<p class="empty-note">The document has no text.</p>'


def _evidence_chips(evidence: Iterable[Evidence]) -> str:
    chips = []
    for ev in evidence:
        orig = _original(ev)
        sp = pct(min(max(num(ev.probability), 0.0), 1.0))
        arrow = f" → {esc(orig)}?" if orig else ""
        chips.append(f'<span class="ev"><b>{esc_shown(ev.word)}</b>{arrow} <i>{sp}</i></span>')
    return "".join(chips) or f'<span class="muted">{esc(NO_SINGLE_WORD)}</span>'


def _flagged_table(report: DocumentReport, cut: float) -> str:
    if not report.judged:
        return '<p class="empty-note">Not judged, so no sentence is flagged: see the notes.</p>'
    rows = []
    for s in report.sentences or []:
        if not getattr(s, "flagged", False):
            continue
        sent = str(s.text)
        sent = sent if len(sent) <= 400 else sent[:400] + "…"
        rows.append(f'<tr><td class="num"><a href="#s{as_int(s.index)}">{as_int(s.index)}</a></td>'
                    f'<td class="num">{pct_apart(min(max(num(s.probability), 0.0), 1.0), cut)[0]}</td>'
                    f'<td class="wrap">{esc_shown(sent)}</td><td>{_evidence_chips(s.evidence or [])}</td></tr>')
    if not rows:
        return '<p class="empty-note">No sentence was flagged.</p>'
    return ('<table class="flagged"><thead><tr><th class="num">#</th><th class="num">Spun</th><th>Sentence</th>'
            '<th>Suspicious words → likely original</th></tr></thead><tbody>\n' + "\n".join(rows)
            + "\n</tbody></table>")


def document_page(report: DocumentReport, text: str, name: str, match: dict[str, Any] | None = None,
                  source_name: str = "", source_text: str | None = None, reverse: dict[str, Any] | None = None,
                  sentence_threshold: float = 0.5, floor: float = 0.1) -> str:
    """One scored document as a self-contained HTML page (see the module docs).

    ``report`` is a :class:`~spin_detect.detector.DocumentReport` whose sentence and evidence offsets point
    into ``text``; ``name`` is shown as the file name. ``match`` (``score --source``): the document's match
    with the candidate original ``source_name`` (text ``source_text``), shown with its swaps side by side
    (:func:`spin_detect.render.sources.source_section`); ``reverse``: the candidate's own match with the
    document, when it is the candidate that looks like the copy. ``sentence_threshold``: the probability at
    which a sentence is flagged in a document whose likelihood is ``floor`` or more. A document that is not
    judged is shown without likelihood or sentence probabilities. Returns the page as a string.
    """
    likelihood = min(max(num(report.likelihood), 0.0), 1.0)
    threshold = min(max(num(report.threshold), 0.0), 1.0)
    shown_l, shown_t = pct_apart(likelihood, threshold)
    cut = min(max(num(sentence_threshold, 0.5), 0.0), 1.0)
    verdict = str(report.verdict)
    model = report.model if isinstance(report.model, dict) else {}
    model_txt = _model_text(model)
    notes = "".join(f"<li>{esc(n)}</li>" for n in report.notes or [])
    judged = report.judged
    if judged:
        headline = f"""<div class="headline">{_badge(verdict)}<span class="big">{shown_l}</span>
<span class="muted">spin likelihood</span></div>
<div class="meter" title="spin likelihood {shown_l}, threshold {shown_t}">\
<div class="fill{"" if likelihood >= threshold else " low"}" style="width: {100 * likelihood:.1f}%"></div>\
<div class="tick" style="left: {100 * threshold:.1f}%"></div></div>"""
    else:  # no judgement: the verdict and its reason (the notes), no likelihood
        headline = (f'<div class="headline">{_badge(verdict)}'
                    '<span class="muted">not judged: see the notes</span></div>')
    flagged_txt = (f"{as_int(report.n_flagged)} of {plural(as_int(report.n_sentences), 'sentence')} (a sentence is "
                   f"flagged at {pct_exact(cut)} or more in a document of {pct_exact(min(floor, threshold))} or more; "
                   "the verdict rests on the document's likelihood)"
                   if judged else f"not judged ({plural(as_int(report.n_sentences), 'sentence')})")
    summary = f"""<header class="summary">
<div class="kicker">spin-detect · document report</div>
<h1>{esc(name)}</h1>
{headline}
<dl class="facts">
<dt>Threshold</dt><dd>{shown_t} (a document at or above it is called spun)</dd>
<dt>Flagged</dt><dd>{flagged_txt}</dd>
<dt>Model</dt><dd>{model_txt or "unknown"}</dd>
</dl>
{f'<ul class="notes">{notes}</ul>' if notes else ""}
</header>"""
    swatches = "".join(f'<span><span class="swatch" style="background-color: rgba({SPUN_RGB[0]},{SPUN_RGB[1]},'
                       f'{SPUN_RGB[2]},{sentence_alpha(p)})"></span>{pct(p)}</span>' for p in (0.3, 0.5, 0.7, 0.9))
    legend = f"""<div class="legend"><span><b>Sentence shading</b> = spun probability:</span>{swatches}
<span><mark data-orig="original?">word</mark> looks substituted (likely original: on hover; printed: in [ ])</span>
<span><span class="s flag">underlined</span> = flagged sentence ({pct_exact(cut)} or more; none, nor any shading, in a
document under {pct_exact(min(floor, threshold))})</span></div>"""
    against = source_section(match, text, source_name, source_text, reverse) + "\n" if match is not None else ""
    body = (f'{summary}\n{legend if judged else ""}\n<h2>Text</h2>\n<div class="doc">\n'
            f'{_article_html(report, text, cut if judged else None, likelihood >= min(floor, threshold))}\n</div>\n'
            f'{against}<h2>Flagged sentences</h2>\n{_flagged_table(report, cut)}\n'
            f"<footer>spin-detect {esc(__version__)}. Probabilities are model estimates, not proof: read the "
            "marked words in context.</footer>")
    return page(f"spin-detect: {name}", body)


# ----------------------------------------------------------------------------------------------------- summary


def _verdict_chart(by_verdict: dict[str, Any]) -> str:
    items = [(k, as_int(by_verdict.get(k))) for k in _VERDICT_LABELS]
    items += [(str(k), as_int(v)) for k, v in by_verdict.items() if k not in _VERDICT_LABELS]
    top = max([v for _, v in items] + [1])
    row, left, width = 30, 120, 920
    bars = []
    for i, (k, v) in enumerate(items):
        y = 10 + i * row
        w = (width - left - 90) * v / top if v > 0 else 0.0
        w = max(w, 2.0) if v > 0 else 0.0
        bars.append(f'<text x="{left - 10}" y="{y + 15}" text-anchor="end">{esc(_VERDICT_LABELS.get(k, k))}</text>'
                    f'<rect x="{left}" y="{y + 2}" width="{w:.1f}" height="18" rx="3" '
                    f'fill="{_VERDICT_COLOURS.get(k, "#8a8f98")}"/>'
                    f'<text x="{left + w + 8:.1f}" y="{y + 15}">{v:,}</text>')
    h = 20 + row * len(items)
    return (f'<svg class="chart" viewBox="0 0 {width} {h}" width="{width}" height="{h}" role="img" '
            f'aria-label="documents by verdict">{"".join(bars)}</svg>')


def _histogram(hist: dict[str, Any], threshold: float | None) -> str:
    raw_counts = hist.get("counts")
    counts = [as_int(c) for c in raw_counts] if isinstance(raw_counts, list) else []
    if not counts or not sum(counts):
        return '<p class="empty-note">No spin likelihoods recorded.</p>'
    raw_edges = hist.get("edges")
    edges = [num(x) for x in raw_edges] if isinstance(raw_edges, list) else []
    if len(edges) != len(counts) + 1:
        edges = [i / len(counts) for i in range(len(counts) + 1)]
    lo, hi = edges[0], edges[-1] if edges[-1] > edges[0] else edges[0] + 1
    raw_spun = hist.get("spun_counts")
    spun_counts = [min(as_int(c), n) for c, n in zip(raw_spun, counts)] if isinstance(raw_spun, list) and len(
        raw_spun) == len(counts) else None
    W, H, L, R, T, B = 920, 296, 64, 20, 26, 48
    pw, ph = W - L - R, H - T - B
    top = max(counts)
    step = max(1, -(-top // 4))  # whole-number gridlines, at most five

    def x(v: float) -> float:
        return L + pw * (v - lo) / (hi - lo)

    parts = []
    for tick in range(0, top + 1, step):  # y grid
        y = T + ph * (1 - tick / top)
        parts.append(f'<line x1="{L}" y1="{y:.1f}" x2="{W - R}" y2="{y:.1f}" stroke="#e3e6eb"/>'
                     f'<text x="{L - 6}" y="{y + 4:.1f}" text-anchor="end">{tick:,}</text>')
    for i, (c, a, b) in enumerate(zip(counts, edges, edges[1:])):
        if not c:
            continue
        h = max(ph * c / top, 2.0)  # a bin of one document among thousands still shows
        if spun_counts is None:  # a summary without them: the bin by where it starts
            n_spun = c if threshold is not None and a >= threshold - 1e-9 else 0
        else:
            n_spun = spun_counts[i]
        hs = h * n_spun / c
        tip = f"{pct(a)}–{pct(b)}: {plural(c, 'document')}" + (f", {n_spun:,} called spun" if n_spun else "")
        xa, wb = x(a) + 1, max(0.0, x(b) - x(a) - 2)
        if c > n_spun:
            parts.append(f'<rect x="{xa:.1f}" y="{T + ph - h:.1f}" width="{wb:.1f}" height="{h - hs:.1f}" '
                         f'fill="#7d8ea3"><title>{tip}</title></rect>')
        if n_spun:
            parts.append(f'<rect x="{xa:.1f}" y="{T + ph - hs:.1f}" width="{wb:.1f}" height="{hs:.1f}" '
                         f'fill="#dc322f"><title>{tip}</title></rect>')
    for v in (0.0, 0.25, 0.5, 0.75, 1.0):
        if lo <= v <= hi:
            parts.append(f'<text x="{x(v):.1f}" y="{H - B + 18}" text-anchor="middle">{pct(v)}</text>')
    parts.append(f'<line x1="{L}" y1="{T + ph}" x2="{W - R}" y2="{T + ph}" stroke="#3a4250"/>'
                 f'<text x="{L + pw / 2:.1f}" y="{H - 1}" text-anchor="middle">spin likelihood</text>'
                 f'<text x="14" y="{T + ph / 2:.1f}" text-anchor="middle" transform="rotate(-90 14 {T + ph / 2:.1f})">'
                 "documents</text>")
    if threshold is not None and lo <= threshold <= hi:
        tx = x(threshold)
        left = tx - L > 0.3 * pw  # the label on the side of the line where it fits
        parts.append(f'<line x1="{tx:.1f}" y1="{T - 8}" x2="{tx:.1f}" y2="{T + ph}" stroke="#1d2330" '
                     f'stroke-width="2" stroke-dasharray="5 4"/><text x="{tx - 6 if left else tx + 6:.1f}" '
                     f'y="{T - 10}" text-anchor="{"end" if left else "start"}">threshold {pct_exact(threshold)}'
                     "</text>")
    return (f'<svg class="chart" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" '
            f'aria-label="histogram of spin likelihoods">{"".join(parts)}</svg>')


def _hosts_table(hosts: list[Any]) -> str:
    rows = []
    for h in hosts:
        if not isinstance(h, dict):
            continue
        share = min(max(num(h.get("share")), 0.0), 1.0)
        rows.append(f'<tr><td class="wrap">{esc(h.get("host", ""))}</td><td class="num">{as_int(h.get("documents")):,}'
                    f'</td><td class="num">{as_int(h.get("spun")):,}</td><td class="num"><span class="share">'
                    f'<span style="width: {100 * share:.1f}%"></span></span><span class="pct">{pct(share)}</span>'
                    "</td></tr>")
    if not rows:
        return '<p class="empty-note">No host information.</p>'
    return ('<table><thead><tr><th>Host</th><th class="num">Documents</th><th class="num">Spun</th>'
            '<th class="num">Share spun</th></tr></thead><tbody>\n' + "\n".join(rows) + "\n</tbody></table>")


def _top_spun_table(docs: list[Any]) -> str:
    rows = []
    for doc in docs:
        if not isinstance(doc, dict):
            continue
        where = str(doc.get("source") or doc.get("id") or "")
        url = str(doc.get("url") or "")
        url_html = f'<br><span class="muted">{esc(url)}</span>' if url else ""
        rows.append(f'<tr><td class="num">{pct_exact(min(max(num(doc.get("likelihood")), 0.0), 1.0))}</td>'
                    f'<td class="wrap">{esc(where)}{url_html}</td>'
                    f'<td class="wrap">{esc(doc.get("top_evidence") or "")}</td></tr>')
    if not rows:
        return '<p class="empty-note">No document was called spun.</p>'
    return ('<p class="muted">For a closer look at one: <code>spin-detect score FILE --html PAGE</code> (a record of a '
            "JSONL, CSV or WARC file: its text saved to a file).</p>\n"
            '<table><thead><tr><th class="num">Likelihood</th><th style="min-width: 12em">Record</th>'
            "<th>Evidence</th></tr></thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table>")


def _errors_table(errors: list[Any], n_errors: int, what: str = "error") -> str:
    rows = []
    for err in errors:
        if not isinstance(err, dict):
            continue
        msg = str(err.get("error", ""))
        msg = msg if len(msg) <= 1000 else msg[:1000] + "…"
        rows.append(f'<tr><td class="wrap">{esc(err.get("id", ""))}</td><td class="wrap">{esc(err.get("source", ""))}'
                    f'</td><td class="wrap">{esc(msg)}</td></tr>')
    if not rows:
        return f'<p class="empty-note">No {what}s.</p>' if not n_errors else '<p class="empty-note">No samples.</p>'
    more = f'<p class="muted">First {len(rows)} of {n_errors:,} {what}s.</p>' if n_errors > len(rows) else ""
    head = "Error" if what == "error" else "Why"
    return (f'<table><thead><tr><th>ID</th><th>Source</th><th>{head}</th></tr></thead><tbody>\n' + "\n".join(rows)
            + f"\n</tbody></table>{more}")


def summary_page(summary: dict[str, Any]) -> str:
    """A corpus audit summary (schema ``spin-detect/audit-summary/1``) as a self-contained HTML page.

    Missing or malformed keys are tolerated (shown as zero, "unknown" or an empty section).
    """
    summary = summary if isinstance(summary, dict) else {}

    def d(key: str) -> dict[str, Any]:
        v = summary.get(key)
        return v if isinstance(v, dict) else {}

    def lst(key: str) -> list[Any]:
        v = summary.get(key)
        return v if isinstance(v, list) else []

    by_status, by_verdict, model = d("by_status"), d("by_verdict"), d("model")
    threshold = num(summary.get("threshold"), -1.0)
    thr = threshold if 0.0 <= threshold <= 1.0 else None
    records = as_int(summary.get("records"))
    spun, original = as_int(by_verdict.get("spun")), as_int(by_verdict.get("original"))
    n_errors, n_skipped, n_ok = (as_int(by_status.get(k)) for k in ("error", "skipped", "ok"))
    share = f"{pct(spun / (spun + original))}" if spun + original else "–"
    cards = [("Records", f"{records:,}", ""), ("Scored", f"{n_ok:,}", ""),
             ("Errors", f"{n_errors:,}", ""), ("Spun", f"{spun:,}", " spun"), ("Original", f"{original:,}", ""),
             ("Spun share of judged", share, " spun"), ("Threshold", pct_exact(thr) if thr is not None else "–",
                                                        "")]
    if n_skipped:
        cards.insert(3, ("Skipped", f"{n_skipped:,}", ""))
    cards_html = "".join(f'<div class="card{c}"><div class="v">{v}</div><div class="k">{k}</div></div>'
                         for k, v, c in cards)
    inputs = [str(x) for x in lst("inputs")]
    inputs_txt = (", ".join(esc(x) for x in inputs[:10])
                  + (f" and {len(inputs) - 10:,} more" if len(inputs) > 10 else ""))
    model_txt = _model_text(model)
    other_status = ", ".join(f"{esc(k)}: {as_int(v):,}" for k, v in by_status.items()
                             if k not in ("ok", "error", "skipped"))
    facts = [("Inputs", inputs_txt or "unknown"), ("Model", model_txt or "unknown"),
             ("Started", esc(summary.get("started", "unknown"))),
             ("Elapsed", f"{num(summary.get('elapsed_s')):,.1f} s"), ("Row report", esc(summary.get("report", "–")))]
    if other_status:
        facts.append(("Other statuses", other_status))
    facts_html = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
    top_spun = (f'<h2>Most likely spun</h2>\n{_top_spun_table(lst("most_likely_spun"))}'
                if "most_likely_spun" in summary else "")  # summaries of older versions have no such list
    nothing = ('<ul class="notes"><li>No record could be scored: see the errors and skipped records below.</li>'
               "</ul>\n" if records and not n_ok else "")
    body = f"""<header class="summary">
<div class="kicker">spin-detect · corpus audit</div>
<h1>{plural(records, 'record')} audited</h1>
<dl class="facts">{facts_html}</dl>
{nothing}</header>
<div class="cards">{cards_html}</div>
<h2>Verdicts</h2>
{_verdict_chart(by_verdict)}
<h2>Spin likelihood</h2>
<p class="muted">Judged documents per likelihood bin of 5 points; red: called spun (at or above the threshold,
dashed).</p>
{_histogram(d("histogram"), thr)}
{summary_sources_section(summary)}
{top_spun}
<h2>Hosts by share of spun pages (the first 20)</h2>
{_hosts_table(lst("hosts"))}
<h2>Errors</h2>
{_errors_table(lst("errors"), n_errors)}
{f'<h2>Skipped records</h2>{chr(10)}{_errors_table(lst("skipped"), n_skipped, "skipped record")}' if n_skipped else ""}
<footer>spin-detect {esc(__version__)} · {esc(summary.get("schema", "spin-detect/audit-summary/1"))}</footer>"""
    return page("spin-detect audit summary", body)
