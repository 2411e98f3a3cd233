"""Markdown files are read as a reader reads them (spin_detect.input.markdown): prose without markup."""

from __future__ import annotations

import pytest
from corpus_fixtures import ORIGINAL

from spin_detect.input.markdown import is_markdown, markdown_text
from spin_detect.input.prepare import prepare_document
from spin_detect.input.records import InputOptions, iter_records, prepare_record


@pytest.mark.parametrize("markdown, text", [
    ("# Talks to resume #\n\nThe talks resume.", "Talks to resume\n\nThe talks resume."),
    ("Talks to resume\n===\nThe talks resume.", "Talks to resume\n\nThe talks resume."),
    ("The **talks** resume *next* week, __officials__ said.", "The talks resume next week, officials said."),
    ("See [the report](https://x.org/a_(b) \"t\") and [this][1].\n\n[1]: https://x.org", "See the report and this."),
    ("A photo: ![troops](a.png) here.", "A photo:  here."),
    ("Call `resume()` now, or see <https://x.org>.", "Call resume() now, or see https://x.org."),
    ("> The talks\n> resume.", "The talks\nresume."),
    ("Items:\n- one item\n* two items\n1. three items", "Items:\n\none item\n\ntwo items\n\nthree items"),
    ("Before.\n\n```\ncode = 1\n# not a heading\n```\n\nAfter.", "Before.\n\nAfter."),
    ("---\ntitle: x\n---\nBody text.", "Body text."),
    ("Above.\n\n***\n\nBelow.", "Above.\n\nBelow."),
    ("| a | b |\n|---|:-:|\n| 1 | 2 |", "a; b\n\n1; 2"),
    ("Not #hashtag, 5 * 3 * 2, snake_case_name, 2*x*y stay.", "Not #hashtag, 5 * 3 * 2, snake_case_name, 2*x*y stay."),
    (r"Escaped \*stars\* and \_under\_ stay.", "Escaped *stars* and _under_ stay."),
    ("Text <!-- hidden\ncomment --> on.", "Text  on."),
    ("An *unclosed mark\n\non another* line.", "An *unclosed mark\n\non another* line."),
])
def test_markdown_text(markdown, text):
    assert markdown_text(markdown) == text


def test_is_markdown():
    assert is_markdown("a/b.md") and is_markdown("B.MARKDOWN.gz") and not is_markdown("a.txt")
    assert not is_markdown(None) and not is_markdown("a.md.txt")


def test_a_markdown_file_is_scored_and_audited_as_its_prose(tmp_path):
    p = tmp_path / "story.md"
    p.write_text("# Talks to resume\n\n" + ORIGINAL.replace("Geneva", "**Geneva**"))
    scored = prepare_document(p.read_text(), str(p))
    (rec,) = iter_records([str(p)])
    audited = prepare_record(rec)
    assert scored.kind == audited.kind == "markdown" and scored.text == audited.text
    assert scored.text.startswith("Talks to resume\n\n") and "**" not in scored.text and "Geneva" in scored.text
    assert prepare_document(p.read_text(), str(p), "yes").kind == "html"  # --html-input yes still wins
    plain = tmp_path / "story.txt"
    plain.write_text(p.read_text())
    assert prepare_record(next(iter_records([str(plain)], InputOptions()))).text.startswith("# Talks")
