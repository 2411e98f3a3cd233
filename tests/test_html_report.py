"""Self-contained HTML pages for a document report and an audit summary (spin_detect.render.html)."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from spin_detect.render.html import document_page, sentence_alpha, summary_page
from spin_detect.report import DocumentReport, Evidence, SentenceReport

XSS = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
PWN = "<script>document.body.setAttribute('data-pwned','1')</script><img src=x onerror=\"document.body.setAttribute('data-pwned','2')\">"


class Collector(HTMLParser):
    """Start tags with their attributes, and the text inside <div class="doc">."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.doc_text: list[str] = []
        self._doc_depth = 0
        self.feed(page)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "div":
            if self._doc_depth:
                self._doc_depth += 1
            elif a.get("class") == "doc":
                self._doc_depth = 1

    def handle_endtag(self, tag):
        if tag == "div" and self._doc_depth:
            self._doc_depth -= 1

    def handle_data(self, data):
        if self._doc_depth:
            self.doc_text.append(data)

    def find(self, tag, **attrs):
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def make_report(text: str, spec: list[tuple[str, float, list[tuple[str, str, float]]]], verdict="spun",
                likelihood=0.93, model=None, notes=None) -> DocumentReport:
    """A report by hand: each spec entry is (sentence text, probability, [(word, likely original, prob)])."""
    sents = []
    pos = 0
    for i, (s, p, evs) in enumerate(spec):
        start = text.index(s, pos)
        end = start + len(s)
        evidence = []
        for word, orig, ep in evs:
            ws = text.index(word, start, end)
            evidence.append(Evidence(word, ws, ws + len(word), ep, orig))
        sents.append(SentenceReport(i, s, start, end, p, p >= 0.5, evidence))
        pos = end
    return DocumentReport(likelihood, verdict, 0.68, len(sents), sum(s.flagged for s in sents), sents,
                          model if model is not None else {"name": "default", "sha256": "9351e74513dafff3",
                                                           "spin_detect_version": "0.1.0"}, notes or [])


TEXT = ("North Korea warns of response to joint drills\n\n"
        "The U.N. Safety Council met on Tuesday. Officials mentioned new talks.\n"
        "A second line of the same block.\n\n"
        "Unsegmented tail & more < text")
SPEC = [
    ("North Korea warns of response to joint drills", 0.2, []),
    ("The U.N. Safety Council met on Tuesday.", 0.91, [("Safety", "security", 0.92), ("met", "", 0.61)]),
    ("Officials mentioned new talks.", 0.55, [("mentioned", "said", 0.8), ("talks", "Talks", 0.4)]),
    ("A second line of the same block.", 0.35, []),
]


def test_document_page_structure():
    page = document_page(make_report(TEXT, SPEC), TEXT, "news/korea.txt")
    c = Collector(page)
    spans = [a for t, a in c.tags if t == "span" and "data-p" in a]
    assert len(spans) == 4 and {a["class"] for a in spans} == {"s", "s flag"}
    assert sorted(float(a["data-p"]) for a in spans) == [0.2, 0.35, 0.55, 0.91]
    assert {a["title"] for a in spans} >= {"spun probability 20%", "spun probability 91% (flagged)"}
    low = next(a for a in spans if a["data-p"] == "0.20")
    high = next(a for a in spans if a["data-p"] == "0.91")
    assert "style" not in low and "rgba(220,50,47," in high["style"]
    marks = [a for t, a in c.tags if t == "mark" and a.get("title", "").startswith(("likely", "looks"))]
    assert len(marks) == 4
    assert marks[0]["title"] == "likely original: security (substitution probability 92%)"
    assert marks[0]["data-orig"] == "security?"
    assert "no likely original" in marks[1]["title"] and "data-orig" not in marks[1]
    assert "no likely original" in marks[3]["title"]  # an "original" equal to the word is no original
    # every character of the text is on the page, in order (whitespace aside), including the unsegmented tail
    assert "".join("".join(c.doc_text).split()) == "".join(TEXT.split())
    assert len(re.findall(r"<p>", page.split('<div class="doc">')[1].split("</div>")[0])) == 3  # 3 paragraphs
    assert "<br>" in page  # the single line break between sentences
    # summary and flagged table
    assert "news/korea.txt" in page and "93%" in page and "68%" in page and "2 of 4 sentences" in page
    assert "default · 9351e74513dafff3 · 0.1.0" in page
    rows = page.split('<table class="flagged">')[1].split("</table>")[0]
    assert rows.count("<tr>") == 3  # header + 2 flagged
    assert "<b>Safety</b> → security?" in rows and "<b>mentioned</b> → said?" in rows


def test_alpha_scale():
    assert sentence_alpha(0.0) == sentence_alpha(0.29) == 0
    assert 0 < sentence_alpha(0.3) < sentence_alpha(0.6) < sentence_alpha(1.0) <= 0.6
    assert sentence_alpha(float("nan")) == 0 and sentence_alpha(7) == sentence_alpha(1.0)


def test_self_contained_no_script_no_external_resources():
    for page in (document_page(make_report(TEXT, SPEC), TEXT, "a.txt"), summary_page(SUMMARY)):
        c = Collector(page)
        assert not [t for t, _ in c.tags if t in ("script", "link", "img", "iframe", "object")]
        assert not re.search(r"https?://|\bsrc=|url\(", page)
        assert "Content-Security-Policy" in page


def test_document_page_escapes_everything():
    text = f"Headline {XSS}\n\nThe Safety Council met {XSS} on Tuesday."
    rep = make_report(text, [(f"Headline {XSS}", 0.4, []), (f"The Safety Council met {XSS} on Tuesday.", 0.9,
                                                               [("Safety", XSS, 0.9), ("onerror", "x", 0.7)])],
                      model={"name": XSS, "sha256": XSS, "spin_detect_version": XSS}, notes=[XSS])
    rep.verdict = XSS
    page = document_page(rep, text, f"{XSS}.txt")
    assert "<script>alert" not in page and "<img" not in page and '"><img' not in page and XSS not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    c = Collector(page)
    assert not [t for t, _ in c.tags if t in ("script", "img")]
    assert not [a for _, a in c.tags if "onerror" in a or "src" in a]
    rep.verdict = "spun"  # a verdict that judges: its marks and their titles are shown too
    c = Collector(document_page(rep, text, f"{XSS}.txt"))
    assert not [t for t, _ in c.tags if t in ("script", "img")]
    title = next(a["title"] for t, a in c.tags if t == "mark" and "title" in a)
    assert title == f"likely original: {XSS} (substitution probability 90%)"  # round-trips as plain text


def test_document_page_without_sentences_and_with_bad_offsets():
    empty = DocumentReport(0.0, "empty", 0.68, 0, 0, [], {}, [])
    page = document_page(empty, "", "empty.txt")
    assert "The document has no text." in page and "Not judged, so no sentence is flagged" in page
    text = "Too short.\n\nBut shown & escaped <b>."
    page = document_page(DocumentReport(0.0, "too_short", 0.68, 0, 0, [], {}, ["only 6 words"]), text, "s.txt")
    assert "But shown &amp; escaped &lt;b&gt;." in page and "<li>only 6 words</li>" in page
    assert "Too short" in page  # badge label
    # overlapping sentences, offsets past the end, evidence outside its sentence: no crash, text kept once
    sents = [SentenceReport(0, "Too short.", 0, 10, 0.9, True, [Evidence("x", 50, 60, 0.9, "y")]),
             SentenceReport(1, "short.", 4, 10, 0.9, True, []),
             SentenceReport(2, "???", 12, 500, 0.6, True, [Evidence("But", 12, 15, 0.7, "And"),
                                                          Evidence("Bu", 12, 14, 0.7, "overlap")])]
    page = document_page(DocumentReport(0.9, "spun", 0.68, 3, 3, sents, {}, []), text, "bad.txt")
    c = Collector(page)
    assert "".join("".join(c.doc_text).split()) == "".join(text.split())
    assert len([a for t, a in c.tags if t == "mark" and "title" in a]) == 1


SUMMARY = {
    "schema": "spin-detect/audit-summary/1",
    "inputs": ["crawl/a.jsonl.gz", "crawl/b.jsonl.gz"],
    "records": 1000,
    "by_status": {"ok": 990, "error": 10},
    "by_verdict": {"spun": 120, "original": 800, "too_short": 50, "out_of_scope": 15, "empty": 5},
    "histogram": {"edges": [i / 20 for i in range(21)], "counts": [300, 200, 100, 80, 60, 40, 30, 20, 20, 10,
                                                                   10, 10, 10, 10, 20, 20, 20, 20, 30, 30]},
    "hosts": [{"host": "spam.example", "documents": 40, "spun": 30, "share": 0.75},
              {"host": "news.example", "documents": 200, "spun": 4, "share": 0.02}],
    "threshold": 0.68,
    "model": {"name": "default", "sha256": "9351e74513dafff3", "spin_detect_version": "0.1.0"},
    "started": "2024-03-04T09:12:44+00:00",
    "elapsed_s": 12.5,
    "report": "audit/rows.jsonl",
    "errors": [{"id": "r1", "source": "crawl/a.jsonl.gz:1", "error": "binary data (NUL bytes), not text"}],
}


def test_summary_page_structure():
    page = summary_page(SUMMARY)
    c = Collector(page)
    assert len(c.find("svg")) == 2
    rects = [a for t, a in c.tags if t == "rect"]
    assert len(rects) == 5 + 20  # verdict bars + histogram bins
    hist = rects[5:]
    assert [r["fill"] for r in hist].count("#dc322f") == 6  # bins from 70% up are on the spun side
    assert "threshold 68%" in page and "stroke-dasharray" in page
    assert "spam.example" in page and 'style="width: 75.0%"' in page and "75%" in page
    assert "binary data (NUL bytes), not text" in page and "First 1 of 10 errors." in page
    assert "1,000 records audited" in page and "13%" in page  # spun share of judged documents: 120/920
    one = summary_page({**SUMMARY, "records": 1})
    assert "<h1>1 record audited</h1>" in one
    assert "crawl/a.jsonl.gz, crawl/b.jsonl.gz" in page and "audit/rows.jsonl" in page


@pytest.mark.parametrize("summary", [
    {},
    {"records": None, "by_verdict": {"spun": "x", "weird": 3}, "histogram": {"edges": [0, 1], "counts": [1, 2, 3]},
     "hosts": [None, {"host": "h"}], "errors": "not a list", "threshold": float("nan"), "model": None},
    {"histogram": {"counts": [0] * 20}, "threshold": 2.0, "elapsed_s": "soon"},
    [],
])
def test_summary_page_tolerates_missing_and_malformed_keys(summary):
    page = summary_page(summary)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    Collector(page)


def test_summary_page_escapes_everything():
    s = dict(SUMMARY, inputs=[XSS], started=XSS, report=XSS, schema=XSS,
             by_status={"ok": 1, "error": 1, XSS: 2}, by_verdict={"spun": 1, XSS: 3},
             hosts=[{"host": XSS, "documents": 1, "spun": 1, "share": 1.0}],
             errors=[{"id": XSS, "source": XSS, "error": XSS}], model={"name": XSS})
    page = summary_page(s)
    assert "<script>alert" not in page and "<img" not in page and '"><img' not in page and XSS not in page
    assert page.count("&lt;script&gt;alert(1)") >= 8
    c = Collector(page)
    assert not [t for t, _ in c.tags if t in ("script", "img")]
    assert not [a for _, a in c.tags if "onerror" in a]


def _dump_dom(path) -> str:
    out = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", path.as_uri()],
                         capture_output=True, text=True, timeout=60, check=True)
    return out.stdout


def test_real_browser_does_not_run_payloads(tmp_path):
    if not shutil.which("chromium"):
        pytest.skip("chromium is not installed (apt-get install chromium) - real-browser test not run")
    # control: the harness does see a payload that runs
    control = tmp_path / "control.html"
    control.write_text(f"<!DOCTYPE html><html><body><p>{PWN}</p></body></html>", encoding="utf-8")
    assert [a for t, a in Collector(_dump_dom(control)).tags if t == "body" and "data-pwned" in a]

    text = f"Headline {PWN}\n\nThe Safety Council met on Tuesday {PWN}. Officials mentioned talks."
    rep = make_report(text, [(f"Headline {PWN}", 0.4, []),
                             (f"The Safety Council met on Tuesday {PWN}.", 0.9, [("Safety", PWN, 0.9)]),
                             ("Officials mentioned talks.", 0.7, [("mentioned", "said", 0.8)])], notes=[PWN])
    page = document_page(rep, text, f"{PWN}.txt")
    # test the escaping alone: without the page's Content-Security-Policy a missed escape would run
    page = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page)
    assert "Content-Security-Policy" not in page
    doc = tmp_path / "doc.html"
    doc.write_text(page, encoding="utf-8")
    dom = _dump_dom(doc)
    c = Collector(dom)
    assert c.find("body") and not [a for _, a in c.tags if "data-pwned" in a]
    assert not [t for t, _ in c.tags if t in ("script", "img")]
    assert len([a for t, a in c.tags if t == "mark" and "title" in a]) == 2
    assert sorted(a["data-p"] for t, a in c.tags if t == "span" and "data-p" in a) == ["0.40", "0.70", "0.90"]
    assert "&lt;script&gt;document.body.setAttribute" in dom  # shown as text

    summary = dict(SUMMARY, hosts=[{"host": PWN, "documents": 1, "spun": 1, "share": 1.0}],
                   errors=[{"id": PWN, "source": PWN, "error": PWN}], inputs=[PWN])
    page = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", summary_page(summary))
    path = tmp_path / "summary.html"
    path.write_text(page, encoding="utf-8")
    c = Collector(_dump_dom(path))
    assert not [t for t, _ in c.tags if t in ("script", "img")]
    assert c.find("body") and not [a for _, a in c.tags if "data-pwned" in a]
    assert len([a for t, a in c.tags if t == "rect"]) == 25


def test_a_flagged_sentence_without_evidence_says_why_in_the_table():
    from spin_detect.report import NO_SINGLE_WORD

    spec = [(s, p, []) if i == 2 else (s, p, e) for i, (s, p, e) in enumerate(SPEC)]
    rows = document_page(make_report(TEXT, spec), TEXT, "k.txt").split('<table class="flagged">')[1]
    rows = rows.split("</table>")[0].split("<tr>")[2:]
    assert len(rows) == 2 and NO_SINGLE_WORD not in rows[0] and NO_SINGLE_WORD in rows[1]


def test_summary_histogram_splits_a_bin_at_the_threshold_and_counts_in_whole_documents():
    counts = [0] * 20
    counts[16] = 3  # 80-85%: two below a threshold of 0.842, one above
    spun = [0] * 20
    spun[16] = 1
    page = summary_page({**SUMMARY, "histogram": {"edges": [i / 20 for i in range(21)], "counts": counts,
                                                  "spun_counts": spun}, "threshold": 0.842})
    rects = [a for t, a in Collector(page).tags if t == "rect"][5:]
    assert [r["fill"] for r in rects] == ["#7d8ea3", "#dc322f"]  # one bin, two parts
    assert float(rects[0]["height"]) == pytest.approx(2 * float(rects[1]["height"]))
    ticks = re.findall(r'text-anchor="end">(\d+)</text>', page)
    assert ticks == ["0", "1", "2", "3"]  # whole documents, not 0, 0, 1 or 1.5 shown as 2
    assert "threshold 84%" in page
    low = summary_page({**SUMMARY, "threshold": 0.02})
    assert re.search(r'text-anchor="start">threshold 2%', low)  # the label sits right of the line, on the chart


def test_summary_page_keeps_skipped_records_apart_from_errors():
    page = summary_page({**SUMMARY, "records": 3, "by_status": {"ok": 1, "skipped": 2}, "errors": [],
                         "skipped": [{"id": "w1", "source": "t.warc@0", "error": "content type image/png is not a document"}]})
    assert "<h2>Errors</h2>" in page and "No errors." in page
    assert "<h2>Skipped records</h2>" in page and "image/png" in page and "First 1 of 2 skipped records." in page
    none = summary_page({**SUMMARY, "records": 2, "by_status": {"error": 2}, "by_verdict": {}})
    assert "No record could be scored" in none


def test_a_document_not_judged_shows_no_probabilities():
    text = "Der Rat hat beschlossen. Die Schulen öffnen wieder."
    sents = [SentenceReport(0, "Der Rat hat beschlossen.", 0, 24, 0.58, True, [Evidence("Rat", 4, 7, 0.9, "rat")]),
             SentenceReport(1, "Die Schulen öffnen wieder.", 25, 51, 0.1, False, [])]
    page = document_page(DocumentReport(0.7, "out_of_scope", 0.84, 2, 1, sents, {}, ["not English"]), text, "de.txt")
    c = Collector(page)
    assert not [a for t, a in c.tags if t == "mark" or "data-p" in a or ("style" in a and t == "span")]
    body = page.split("</style>")[1]
    assert "58%" not in body and "70%" not in body and "flagged sentence" not in body
    assert "not judged (2 sentences)" in page and "Not judged, so no sentence is flagged" in page
    assert "Der Rat hat beschlossen." in "".join(c.doc_text)


def test_likelihood_and_thresholds_are_shown_apart_and_the_sentence_threshold_is_named():
    text = "The Safety Council met."
    sents = [SentenceReport(0, text, 0, len(text), 0.4951, False, [])]
    page = document_page(DocumentReport(0.8391, "original", 0.8423, 1, 0, sents, {}, []), text, "a.txt")
    assert '<span class="big">83.9%</span>' in page and "84.2% (a document at or above it" in page
    assert "spun probability 49.5%" in page and "flagged at 50% or more" in page
    same = document_page(DocumentReport(0.9, "spun", 0.9, 1, 0, sents, {}, []), text, "a.txt")
    assert '<span class="big">90%</span>' in same


def test_direction_controls_are_shown_not_obeyed():
    text = "The Safety \u202eCouncil met.\u202c Next sentence."
    sents = [SentenceReport(0, "x", 0, 30, 0.9, True, [Evidence("Safety", 4, 10, 0.9, "Security")]),
             SentenceReport(1, "Next sentence.", 31, 45, 0.1, False, [])]
    page = document_page(DocumentReport(0.9, "spun", 0.84, 2, 1, sents, {}, []), text, "a\u202egnp.txt")
    assert "\u202e" not in page and "\u202c" not in page
    assert "[RLO]Council met.[PDF]" in page and "<h1>a[RLO]gnp.txt</h1>" in page
    assert "unicode-bidi: isolate" in page


def test_the_other_way_round_is_said_when_the_candidate_is_the_copy():
    text = "The talks resume."
    rep = DocumentReport(0.1, "original", 0.84, 1, 0, [SentenceReport(0, text, 0, 17, 0.1, False, [])], {}, [])
    page = document_page(rep, text, "a.txt", {"source_relation": None, "swaps": []}, "b.txt", text,
                         {"source_relation": "copy", "source_similarity": 1.0, "source_note": "same words"})
    assert "No relation found" not in page and "the other way round: b.txt looks like the copy of this text" in page


def test_summary_lists_the_documents_most_likely_spun_first():
    from spin_detect.audit.summary import Summary, format_summary

    summary = Summary(threshold=0.84, max_top=2)
    for seq, (lik, verdict) in enumerate([(0.9, "spun"), (0.99, "spun"), (0.3, "original"), (0.95, "spun"),
                                          (0.99, "spun")]):
        summary.add({"seq": seq, "id": f"d{seq}", "source": f"f{seq}.txt", "url": None, "status": "ok",
                     "verdict": verdict, "likelihood": lik, "top_evidence": "Safety -> security?"})
    top = summary.to_dict()["most_likely_spun"]
    assert [d["id"] for d in top] == ["d1", "d4"]  # highest first; of equals, the earlier record
    assert "most likely spun" in format_summary(summary.to_dict()) and "f1.txt" in format_summary(summary.to_dict())
    page = summary_page(summary.to_dict())
    assert "<h2>Most likely spun</h2>" in page and "f1.txt" in page and "Safety -&gt; security?" in page
    assert "Most likely spun" not in summary_page(SUMMARY)  # a summary of an older version: no such section


def test_invisible_characters_inside_words_are_shown_where_they_are():
    text = "The Saf\u200bety Council met on Mon\u00adday."
    sents = [SentenceReport(0, text, 0, len(text), 0.9, True, [Evidence("Saf\u200bety", 4, 11, 0.9, "Security")])]
    page = document_page(DocumentReport(0.9, "spun", 0.84, 1, 1, sents, {}, []), text, "a.txt")
    assert "\u200b" not in page.split("<body", 1)[1] and "\u00ad" not in page.split("<body", 1)[1]
    assert '<mark title="likely original: Security' in page
    assert ('Saf<span class="inv" title="invisible character U+200B zero width space">[U+200B]</span>ety</mark>'
            in page)
    assert 'Mon<span class="inv" title="invisible character U+00AD soft hyphen">[U+00AD]</span>day.' in page


def test_control_characters_never_reach_the_page():
    text = "The council met.\x00 It agreed\x07 on the budget."
    sents = [SentenceReport(0, text, 0, len(text), 0.1, False, [])]
    page = document_page(DocumentReport(0.1, "original", 0.84, 1, 0, sents, {}, []), text, "a\x01.txt")
    assert not any(ord(c) < 32 and c not in "\t\n\r" for c in page)
    assert "met.\ufffd It agreed\ufffd on" in page
