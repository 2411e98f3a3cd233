"""The frame every HTML report shares: style sheet, security policy, escaping, untrusted numbers.

:func:`page` wraps a body into a whole single-file page under :data:`CSS` and
:data:`CSP` (no script, no external resource); :func:`esc` escapes any value
for HTML text or a quoted attribute; :func:`num` and :func:`as_int` turn
untrusted values into finite numbers; :func:`pct` writes a share as a
percentage. The pages themselves are in :mod:`spin_detect.render.html`.
"""

from __future__ import annotations

import html
import math
import unicodedata
from typing import Any

from spin_detect.input.records import REPORT_GENERATOR
from spin_detect.report import pct_apart, pct_exact

__all__ = ["BIDI_CONTROLS", "CSP", "CSS", "GENERATOR", "as_int", "esc", "esc_shown", "num", "page", "pct", "pct_apart",
           "pct_exact"]

#: Content-Security-Policy of every page: no script, no external resource.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

#: The style sheet of every page (inline: the pages are single files).
CSS = """
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
.s, mark, .ev, h1, td, dd { unicode-bidi: isolate; }
.inv { font: 10px ui-monospace, monospace; color: #8a1f1d; background: #fde8e8; border-radius: 3px; padding: 0 2px; }
@media (max-width: 640px) {
  .page { padding: 16px 14px 32px; } .summary { padding: 14px; } h1 { font-size: 20px; }
  .doc { font-size: 17px; } .ev { white-space: normal; } .share { width: 64px; }
  table { display: block; overflow-x: auto; } th, td { padding: 6px; }
  .chart text { font-size: 22px; }
}
@media print {
  body { font-size: 11pt; } .page { padding: 0; max-width: none; }
  .summary, .card { background: #fff; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  mark[data-orig]::after, mark[data-orig]:hover::after { content: " [" attr(data-orig) "]"; position: static;
    background: none; color: #6b4e00; font: inherit; font-size: 80%; padding: 0; }
  .s.flag[data-p]::after { content: " [p=" attr(data-p) "]"; font-size: 70%; color: #8a1f1d; }
  tr, .chart { break-inside: avoid; } a { color: inherit; } h2 { break-after: avoid; }
}
"""


#: Characters that change the direction of the text after them, by name: a document (or a file name) that holds
#: them would show its words in another order, or reversed, on the page ("evil" as "live"). The page shows the
#: characters themselves, as ``[RLO]``, and the text in the order it is stored.
BIDI_CONTROLS = {"\u061c": "ALM", "\u200e": "LRM", "\u200f": "RLM", "\u202a": "LRE", "\u202b": "RLE",
                 "\u202c": "PDF", "\u202d": "LRO", "\u202e": "RLO", "\u2066": "LRI", "\u2067": "RLI",
                 "\u2068": "FSI", "\u2069": "PDI"}
_BIDI_SHOWN = str.maketrans({**{c: f"[{name}]" for c, name in BIDI_CONTROLS.items()},
                             # control characters (NUL...) are not HTML text: shown as a browser would show NUL
                             **{chr(c): "\ufffd" for c in (*range(0, 9), 11, 12, *range(14, 32), 127)}})


def esc(value: Any) -> str:
    """Escape any value for HTML text or a quoted attribute; direction controls are shown by name
    (:data:`BIDI_CONTROLS`), not obeyed, and other control characters as U+FFFD."""
    return html.escape(str(value).translate(_BIDI_SHOWN), quote=True)


def esc_shown(value: Any) -> str:
    """:func:`esc` for a document's own text on the page, with its invisible format characters (Unicode
    category Cf: zero-width spaces and joiners, soft hyphens, word joiners; what evaders put inside words to
    break them up for a detector) shown where they are, as a marked ``[U+200B]`` named on hover. The report's
    notes count them; the page shows them."""
    s = str(value)
    if s.isascii():
        return esc(s)
    out: list[str] = []
    start = 0
    for i, ch in enumerate(s):
        if ch.isascii() or ch in BIDI_CONTROLS or unicodedata.category(ch) != "Cf":
            continue
        name = unicodedata.name(ch, "").lower()
        out.append(f'{esc(s[start:i])}<span class="inv" title="invisible character U+{ord(ch):04X}'
                   f'{" " + esc(name) if name else ""}">[U+{ord(ch):04X}]</span>')
        start = i + 1
    out.append(esc(s[start:]))
    return "".join(out)


def pct(p: float, decimals: int = 0) -> str:
    """A share as a percentage, whole by default: ``0.256`` -> ``26%`` (``decimals=1``: ``25.6%``)."""
    return f"{100 * p:.{decimals}f}%" if decimals else f"{round(100 * p)}%"


def num(value: Any, default: float = 0.0) -> float:
    """A finite float from untrusted input, else ``default``."""
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):
        return default
    return x if math.isfinite(x) else default


def as_int(value: Any) -> int:
    """An int from untrusted input (0 when it is not a finite number)."""
    return int(num(value))


#: The first bytes of every page's generator tag: a page spin-detect wrote is a report, not a document to audit
#: (:func:`spin_detect.input.records.iter_records` skips it).
GENERATOR = REPORT_GENERATOR


def page(title: str, body: str) -> str:
    """A whole HTML document: ``body`` under the shared CSS and CSP, with ``title`` (escaped)."""
    from spin_detect import __version__

    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'{GENERATOR} {esc(__version__)}">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{esc(title)}</title>\n'
            f'<style>{CSS}</style>\n</head>\n<body>\n<div class="page">\n{body}\n</div>\n</body>\n</html>\n')
