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
``html.escape(..., quote=True)`` before it reaches the page.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable
from typing import Any

from spin_detect import __version__

__all__ = ["document_page", "summary_page", "sentence_alpha"]

SPUN_RGB = (220, 50, 47)
_BLANK_LINE_RE = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_VERDICT_LABELS = {"spun": "Spun", "original": "Original", "too_short": "Too short", "out_of_scope": "Out of scope",
                   "empty": "Empty"}
_VERDICT_COLOURS = {"spun": "#dc322f", "original": "#2e7d32", "too_short": "#8a8f98", "out_of_scope": "#5b6b7f",
                    "empty": "#b8bec7"}
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

_CSS = """
:root { --ink: #1d2330; --muted: #5d6675; --line: #e3e6eb; --panel: #f6f7f9; --spun: #dc322f; --ok: #2e7d32; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: var(--ink);
  font: 16px/1.6 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "DejaVu Sans", Arial, sans-serif; }
.page { max-width: 1000px; margin: 0 auto; padding: 32px 40px 48px; }
.kicker { font-size: 12px; letter-spacing: .12em; text-transform: uppercase; color: var(--muted); font-weight: 600; }
h1 { font-size: 24px; line-height: 1.3; margin: 4px 0 16px; overflow-wrap: anywhere; }
h2 { font-size: 17px; margin: 32px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
.muted { color: var(--muted); }
.summary { border: 1px solid var(--line); border-radius: 10px; padding: 20px 24px; background: var(--panel); }
.headline { display: flex; align-items: center; gap: 16px; flex-wrap: wrap; }
.badge { display: inline-block; padding: 4px 12px; border-radius: 999px; color: #fff; font-weight: 700;
  font-size: 13px; letter-spacing: .08em; text-transform: uppercase; background: #8a8f98; }
.badge.spun { background: var(--spun); } .badge.original { background: var(--ok); }
.big { font-size: 30px; font-weight: 700; font-variant-numeric: tabular-nums; }
.meter { position: relative; height: 10px; background: #e6e8ec; border-radius: 5px; margin: 14px 0 4px;
  max-width: 520px; }
.meter .fill { position: absolute; left: 0; top: 0; bottom: 0; border-radius: 5px; background: var(--spun); }
.meter .fill.low { background: #6c7a89; }
.meter .tick { position: absolute; top: -5px; bottom: -5px; width: 2px; background: var(--ink); }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 14px 0 0; font-size: 14px; }
.facts dt { color: var(--muted); } .facts dd { margin: 0; overflow-wrap: anywhere; }
.notes { margin: 12px 0 0; padding-left: 20px; font-size: 14px; color: #6b4e00; }
.legend { display: flex; flex-wrap: wrap; gap: 8px 22px; align-items: center; font-size: 13px; color: var(--muted);
  margin: 20px 0 0; }
.swatch { display: inline-block; width: 34px; height: 14px; border-radius: 3px; vertical-align: -2px;
  border: 1px solid var(--line); margin-right: 4px; }
.doc { font-family: Georgia, "Times New Roman", "DejaVu Serif", serif; font-size: 18px; line-height: 1.75;
  margin-top: 8px; overflow-wrap: break-word; }
.doc p { margin: 0 0 1em; }
.s { border-radius: 3px; padding: 1px 0; box-decoration-break: clone; -webkit-box-decoration-break: clone; }
.s.flag { border-bottom: 2px solid rgba(220, 50, 47, .7); }
mark { position: relative; background: rgba(255, 200, 0, .55); color: inherit; border-radius: 2px; padding: 0 2px;
  border-bottom: 2px solid #b07800; }
mark[data-orig]:hover::after { content: "\\2192\\00a0" attr(data-orig); position: absolute; left: 0; bottom: 125%;
  white-space: nowrap; background: var(--ink); color: #fff; font: 600 13px/1.4 -apple-system, "Segoe UI", Roboto,
  "DejaVu Sans", Arial, sans-serif; padding: 3px 8px; border-radius: 4px; z-index: 2; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; vertical-align: top; padding: 8px 10px; border-bottom: 1px solid var(--line); }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.wrap { overflow-wrap: anywhere; }
.ev { display: inline-block; margin: 0 6px 4px 0; padding: 1px 8px; border-radius: 999px; background: #fff4cc;
  border: 1px solid #ecd27a; white-space: nowrap; font-size: 13px; }
.ev b { font-weight: 600; } .ev i { font-style: normal; color: var(--muted); }
a { color: #1f5fbf; text-decoration: none; } a:hover { text-decoration: underline; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(112px, 1fr)); gap: 12px; margin: 18px 0 0; }
.card { border: 1px solid var(--line); border-radius: 10px; padding: 12px 16px; background: #fff; }
.card .v { font-size: 24px; font-weight: 700; font-variant-numeric: tabular-nums; }
.card .k { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .06em; }
.card.spun .v { color: var(--spun); }
.chart { width: 100%; height: auto; display: block; }
.chart text { font: 13px -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif; fill: #3a4250; }
.share { position: relative; height: 12px; width: 180px; background: #eceef1; border-radius: 6px;
  display: inline-block; vertical-align: -1px; margin-right: 8px; overflow: hidden; }
.pct { display: inline-block; min-width: 3.2em; text-align: right; }
.share span { position: absolute; left: 0; top: 0; bottom: 0; background: var(--spun); }
.empty-note { color: var(--muted); font-style: italic; font-size: 14px; }
footer { margin-top: 36px; font-size: 12px; color: var(--muted); border-top: 1px solid var(--line); padding-top: 10px;
  overflow-wrap: anywhere; }
@media print {
  body { font-size: 11pt; } .page { padding: 0; max-width: none; }
  .summary, .card { background: #fff; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  mark[data-orig]::after, mark[data-orig]:hover::after { content: " [" attr(data-orig) "]"; position: static;
    background: none; color: #6b4e00; font: inherit; font-size: 80%; padding: 0; }
  tr, .chart { break-inside: avoid; } a { color: inherit; }
}
"""


def _e(value: Any) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return html.escape(str(value), quote=True)


def _pct(p: float) -> str:
    return f"{round(100 * p)}%"


def _num(value: Any, default: float = 0.0) -> float:
    """A finite float from untrusted input, else ``default``."""
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):
        return default
    return x if math.isfinite(x) else default


def _int(value: Any) -> int:
    return int(_num(value))


def sentence_alpha(p: float) -> float:
    """Opacity of a sentence's shading: none below 0.3, then rising linearly from 0.08 to 0.38 at p = 1."""
    p = min(max(_num(p), 0.0), 1.0)
    return 0.0 if p < 0.3 else round(0.08 + 0.30 * (p - 0.3) / 0.7, 3)


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{_e(title)}</title>\n'
            f'<style>{_CSS}</style>\n</head>\n<body>\n<div class="page">\n{body}\n</div>\n</body>\n</html>\n')


def _badge(verdict: str) -> str:
    cls = verdict if verdict in _VERDICT_LABELS else "other"
    return f'<span class="badge {cls}">{_e(_VERDICT_LABELS.get(verdict, verdict))}</span>'


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
            cur.append(_e(part).replace("\n", "<br>\n"))
    return cur


def _original(ev: Any) -> str:
    """The evidence's likely original, or "" when there is none or it is the word itself."""
    orig = str(ev.likely_original or "").strip()
    return "" if orig.lower() == str(ev.word).strip().lower() else orig


def _sentence_html(s: Any, text: str, lo: int, hi: int) -> str:
    p = min(max(_num(s.probability), 0.0), 1.0)
    alpha = sentence_alpha(p)
    style = f' style="background-color: rgba({SPUN_RGB[0]},{SPUN_RGB[1]},{SPUN_RGB[2]},{alpha})"' if alpha else ""
    flagged = bool(getattr(s, "flagged", False))
    title = f"spun probability {_pct(p)}" + (" (flagged)" if flagged else "")
    out = [f'<span class="s{" flag" if flagged else ""}" id="s{_int(s.index)}" data-p="{p:.2f}" '
           f'title="{_e(title)}"{style}>']
    pos = lo
    for ev in sorted(getattr(s, "evidence", None) or [], key=lambda ev: _int(ev.start)):
        a, b = _int(ev.start), _int(ev.end)
        if a < pos or b > hi or a >= b:
            continue  # overlapping or outside the sentence: listed in the table only
        orig = _original(ev)
        sp = _pct(min(max(_num(ev.probability), 0.0), 1.0))
        tip = (f"likely original: {orig} (substitution probability {sp})" if orig
               else f"looks substituted (substitution probability {sp}); no likely original known")
        data = f' data-orig="{_e(orig)}?"' if orig else ""
        out.append(f'{_e(text[pos:a])}<mark title="{_e(tip)}"{data}>{_e(text[a:b])}</mark>')
        pos = b
    out.append(f"{_e(text[pos:hi])}</span>")
    return "".join(out)


def _article_html(report: Any, text: str) -> str:
    paras: list[str] = []
    cur: list[str] = []
    pos = 0
    n = len(text)
    for s in sorted(report.sentences or [], key=lambda s: _int(s.start)):
        lo, hi = max(_int(s.start), pos), min(_int(s.end), n)
        if lo >= hi:
            continue  # overlaps the previous sentence or lies outside the text
        cur = _gap_html(text[pos:lo], paras, cur)
        cur.append(_sentence_html(s, text, lo, hi))
        pos = hi
    cur = _gap_html(text[pos:], paras, cur)
    paras.append("".join(cur))
    body = "\n".join(f"<p>{p}</p>" for p in paras if p.strip())
    return body or '<p class="empty-note">The document has no text.</p>'


def _evidence_chips(evidence: Iterable[Any]) -> str:
    chips = []
    for ev in evidence:
        orig = _original(ev)
        sp = _pct(min(max(_num(ev.probability), 0.0), 1.0))
        arrow = f" → {_e(orig)}?" if orig else ""
        chips.append(f'<span class="ev"><b>{_e(ev.word)}</b>{arrow} <i>{sp}</i></span>')
    return "".join(chips) or '<span class="muted">–</span>'


def _flagged_table(report: Any) -> str:
    rows = []
    for s in report.sentences or []:
        if not getattr(s, "flagged", False):
            continue
        sent = str(s.text)
        sent = sent if len(sent) <= 400 else sent[:400] + "…"
        rows.append(f'<tr><td class="num"><a href="#s{_int(s.index)}">{_int(s.index)}</a></td>'
                    f'<td class="num">{_pct(min(max(_num(s.probability), 0.0), 1.0))}</td>'
                    f'<td class="wrap">{_e(sent)}</td><td>{_evidence_chips(s.evidence or [])}</td></tr>')
    if not rows:
        return '<p class="empty-note">No sentence was flagged.</p>'
    return ('<table class="flagged"><thead><tr><th class="num">#</th><th class="num">Spun</th><th>Sentence</th>'
            '<th>Suspicious words → likely original</th></tr></thead><tbody>\n' + "\n".join(rows)
            + "\n</tbody></table>")


def document_page(report: Any, text: str, name: str) -> str:
    """One scored document as a self-contained HTML page (see the module docs).

    ``report`` is a :class:`~spin_detect.detector.DocumentReport` whose sentence and evidence offsets point
    into ``text``; ``name`` is shown as the file name. Returns the page as a string.
    """
    likelihood = min(max(_num(report.likelihood), 0.0), 1.0)
    threshold = min(max(_num(report.threshold), 0.0), 1.0)
    verdict = str(report.verdict)
    model = report.model if isinstance(report.model, dict) else {}
    model_txt = " · ".join(_e(model[k]) for k in ("name", "sha256", "spin_detect_version") if model.get(k))
    notes = "".join(f"<li>{_e(n)}</li>" for n in report.notes or [])
    judged = verdict in ("spun", "original")
    summary = f"""<header class="summary">
<div class="kicker">spin-detect · document report</div>
<h1>{_e(name)}</h1>
<div class="headline">{_badge(verdict)}<span class="big">{_pct(likelihood)}</span>
<span class="muted">spin likelihood{"" if judged else " (no verdict: see notes)"}</span></div>
<div class="meter" title="spin likelihood {_pct(likelihood)}, threshold {_pct(threshold)}">\
<div class="fill{"" if likelihood >= threshold else " low"}" style="width: {100 * likelihood:.1f}%"></div>\
<div class="tick" style="left: {100 * threshold:.1f}%"></div></div>
<dl class="facts">
<dt>Threshold</dt><dd>{_pct(threshold)} (a document at or above it is called spun)</dd>
<dt>Flagged</dt><dd>{_int(report.n_flagged)} of {_int(report.n_sentences)} sentences</dd>
<dt>Model</dt><dd>{model_txt or "unknown"}</dd>
</dl>
{f'<ul class="notes">{notes}</ul>' if notes else ""}
</header>"""
    swatches = "".join(f'<span><span class="swatch" style="background-color: rgba({SPUN_RGB[0]},{SPUN_RGB[1]},'
                       f'{SPUN_RGB[2]},{sentence_alpha(p)})"></span>{_pct(p)}</span>' for p in (0.3, 0.5, 0.7, 0.9))
    legend = f"""<div class="legend"><span><b>Sentence shading</b> = spun probability:</span>{swatches}
<span><mark data-orig="original?">word</mark> looks substituted (hover: likely original)</span>
<span><span class="s flag">underlined</span> = flagged sentence</span></div>"""
    body = (f'{summary}\n{legend}\n<h2>Text</h2>\n<div class="doc">\n{_article_html(report, text)}\n</div>\n'
            f'<h2>Flagged sentences</h2>\n{_flagged_table(report)}\n'
            f"<footer>spin-detect {_e(__version__)}. Probabilities are model estimates, not proof: read the "
            "marked words in context.</footer>")
    return _page(f"spin-detect: {name}", body)


# ----------------------------------------------------------------------------------------------------- summary


def _verdict_chart(by_verdict: dict) -> str:
    items = [(k, _int(by_verdict.get(k))) for k in _VERDICT_LABELS]
    items += [(str(k), _int(v)) for k, v in by_verdict.items() if k not in _VERDICT_LABELS]
    top = max([v for _, v in items] + [1])
    row, left, width = 30, 120, 920
    bars = []
    for i, (k, v) in enumerate(items):
        y = 10 + i * row
        w = (width - left - 90) * v / top if v > 0 else 0.0
        w = max(w, 2.0) if v > 0 else 0.0
        bars.append(f'<text x="{left - 10}" y="{y + 15}" text-anchor="end">{_e(_VERDICT_LABELS.get(k, k))}</text>'
                    f'<rect x="{left}" y="{y + 2}" width="{w:.1f}" height="18" rx="3" '
                    f'fill="{_VERDICT_COLOURS.get(k, "#8a8f98")}"/>'
                    f'<text x="{left + w + 8:.1f}" y="{y + 15}">{v:,}</text>')
    h = 20 + row * len(items)
    return (f'<svg class="chart" viewBox="0 0 {width} {h}" width="{width}" height="{h}" role="img" '
            f'aria-label="documents by verdict">{"".join(bars)}</svg>')


def _histogram(hist: dict, threshold: float | None) -> str:
    counts = [_int(c) for c in hist.get("counts") or []] if isinstance(hist.get("counts"), list) else []
    if not counts or not sum(counts):
        return '<p class="empty-note">No spin likelihoods recorded.</p>'
    edges = hist.get("edges") if isinstance(hist.get("edges"), list) else []
    edges = [_num(x) for x in edges]
    if len(edges) != len(counts) + 1:
        edges = [i / len(counts) for i in range(len(counts) + 1)]
    lo, hi = edges[0], edges[-1] if edges[-1] > edges[0] else edges[0] + 1
    W, H, L, R, T, B = 920, 280, 56, 20, 26, 34
    pw, ph = W - L - R, H - T - B
    top = max(counts)

    def x(v: float) -> float:
        return L + pw * (v - lo) / (hi - lo)

    parts = []
    for frac in (0.0, 0.5, 1.0):  # y grid
        y = T + ph * (1 - frac)
        parts.append(f'<line x1="{L}" y1="{y:.1f}" x2="{W - R}" y2="{y:.1f}" stroke="#e3e6eb"/>'
                     f'<text x="{L - 6}" y="{y + 4:.1f}" text-anchor="end">{round(top * frac):,}</text>')
    for c, a, b in zip(counts, edges, edges[1:]):
        h = ph * c / top
        spun = threshold is not None and a >= threshold - 1e-9
        parts.append(f'<rect x="{x(a) + 1:.1f}" y="{T + ph - h:.1f}" width="{max(0.0, x(b) - x(a) - 2):.1f}" '
                     f'height="{h:.1f}" fill="{"#dc322f" if spun else "#7d8ea3"}"><title>{_pct(a)}–{_pct(b)}: '
                     f"{c:,} documents</title></rect>")
    for v in (0.0, 0.25, 0.5, 0.75, 1.0):
        if lo <= v <= hi:
            parts.append(f'<text x="{x(v):.1f}" y="{H - B + 18}" text-anchor="middle">{_pct(v)}</text>')
    parts.append(f'<line x1="{L}" y1="{T + ph}" x2="{W - R}" y2="{T + ph}" stroke="#3a4250"/>')
    if threshold is not None and lo <= threshold <= hi:
        tx = x(threshold)
        parts.append(f'<line x1="{tx:.1f}" y1="{T - 8}" x2="{tx:.1f}" y2="{T + ph}" stroke="#1d2330" '
                     f'stroke-width="2" stroke-dasharray="5 4"/><text x="{tx - 6:.1f}" y="{T - 10}" '
                     f'text-anchor="end">threshold {_pct(threshold)}</text>')
    return (f'<svg class="chart" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" '
            f'aria-label="histogram of spin likelihoods">{"".join(parts)}</svg>')


def _hosts_table(hosts: list) -> str:
    rows = []
    for h in hosts:
        if not isinstance(h, dict):
            continue
        share = min(max(_num(h.get("share")), 0.0), 1.0)
        rows.append(f'<tr><td class="wrap">{_e(h.get("host", ""))}</td><td class="num">{_int(h.get("documents")):,}'
                    f'</td><td class="num">{_int(h.get("spun")):,}</td><td class="num"><span class="share">'
                    f'<span style="width: {100 * share:.1f}%"></span></span><span class="pct">{_pct(share)}</span>'
                    "</td></tr>")
    if not rows:
        return '<p class="empty-note">No host information.</p>'
    return ('<table><thead><tr><th>Host</th><th class="num">Documents</th><th class="num">Spun</th>'
            '<th class="num">Share spun</th></tr></thead><tbody>\n' + "\n".join(rows) + "\n</tbody></table>")


def _errors_table(errors: list, n_errors: int) -> str:
    rows = []
    for err in errors:
        if not isinstance(err, dict):
            continue
        msg = str(err.get("error", ""))
        msg = msg if len(msg) <= 1000 else msg[:1000] + "…"
        rows.append(f'<tr><td class="wrap">{_e(err.get("id", ""))}</td><td class="wrap">{_e(err.get("source", ""))}'
                    f'</td><td class="wrap">{_e(msg)}</td></tr>')
    if not rows:
        return '<p class="empty-note">No errors.</p>' if not n_errors else '<p class="empty-note">No samples.</p>'
    more = f'<p class="muted">First {len(rows)} of {n_errors:,} errors.</p>' if n_errors > len(rows) else ""
    return ('<table><thead><tr><th>ID</th><th>Source</th><th>Error</th></tr></thead><tbody>\n' + "\n".join(rows)
            + f"\n</tbody></table>{more}")


def summary_page(summary: dict) -> str:
    """A corpus audit summary (schema ``spin-detect/audit-summary/1``) as a self-contained HTML page.

    Missing or malformed keys are tolerated (shown as zero, "unknown" or an empty section).
    """
    summary = summary if isinstance(summary, dict) else {}

    def d(key: str) -> dict:
        v = summary.get(key)
        return v if isinstance(v, dict) else {}

    def lst(key: str) -> list:
        v = summary.get(key)
        return v if isinstance(v, list) else []

    by_status, by_verdict, model = d("by_status"), d("by_verdict"), d("model")
    threshold = _num(summary.get("threshold"), -1.0)
    thr = threshold if 0.0 <= threshold <= 1.0 else None
    records = _int(summary.get("records"))
    spun, original = _int(by_verdict.get("spun")), _int(by_verdict.get("original"))
    n_errors = _int(by_status.get("error"))
    share = f"{_pct(spun / (spun + original))}" if spun + original else "–"
    cards = [("Records", f"{records:,}", ""), ("Scored", f"{_int(by_status.get('ok')):,}", ""),
             ("Errors", f"{n_errors:,}", ""), ("Spun", f"{spun:,}", " spun"), ("Original", f"{original:,}", ""),
             ("Spun share", share, " spun"), ("Threshold", _pct(thr) if thr is not None else "–", "")]
    cards_html = "".join(f'<div class="card{c}"><div class="v">{v}</div><div class="k">{k}</div></div>'
                         for k, v, c in cards)
    inputs = [str(x) for x in lst("inputs")]
    inputs_txt = ", ".join(_e(x) for x in inputs[:10]) + (f" and {len(inputs) - 10:,} more" if len(inputs) > 10 else "")
    model_txt = " · ".join(_e(model[k]) for k in ("name", "sha256", "spin_detect_version") if model.get(k))
    other_status = ", ".join(f"{_e(k)}: {_int(v):,}" for k, v in by_status.items() if k not in ("ok", "error"))
    facts = [("Inputs", inputs_txt or "unknown"), ("Model", model_txt or "unknown"),
             ("Started", _e(summary.get("started", "unknown"))),
             ("Elapsed", f"{_num(summary.get('elapsed_s')):,.1f} s"), ("Row report", _e(summary.get("report", "–")))]
    if other_status:
        facts.append(("Other statuses", other_status))
    facts_html = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
    body = f"""<header class="summary">
<div class="kicker">spin-detect · corpus audit</div>
<h1>{records:,} documents audited</h1>
<dl class="facts">{facts_html}</dl>
</header>
<div class="cards">{cards_html}</div>
<h2>Verdicts</h2>
{_verdict_chart(by_verdict)}
<h2>Spin likelihood</h2>
<p class="muted">Documents per likelihood bin; bins at or above the threshold (dashed) count as spun.</p>
{_histogram(d("histogram"), thr)}
<h2>Hosts with the most spun pages</h2>
{_hosts_table(lst("hosts"))}
<h2>Errors</h2>
{_errors_table(lst("errors"), n_errors)}
<footer>spin-detect {_e(__version__)} · {_e(summary.get("schema", "spin-detect/audit-summary/1"))}</footer>"""
    return _page("spin-detect audit summary", body)
