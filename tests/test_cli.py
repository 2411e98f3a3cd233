"""The command line, through Typer's CliRunner (in this process), and through real processes where the
process itself is what is tested: the installed entry point, and --help not importing scikit-learn."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from spin_detect import __version__
from spin_detect.cli import app

EXAMPLE = Path(__file__).resolve().parents[1] / "spin_detect" / "examples" / "spun_article.txt"


def run(*args, stdin=None):
    """``spin-detect ARGS`` in this process: exit code, stdout and stderr apart (click >= 8.2)."""
    return CliRunner().invoke(app, list(args), input=stdin)


# --------------------------------------------------------------------------- real processes

_HELP_IMPORTS = """
import sys
from spin_detect.cli import main
sys.argv = ["spin-detect", "--help"]
try:
    main()
except SystemExit as exc:
    print("exit", exc.code, sorted(m for m in ("sklearn", "scipy", "pandas") if m in sys.modules), file=sys.stderr)
"""


def test_help_lists_commands_without_importing_scikit_learn():
    r = subprocess.run([sys.executable, "-c", _HELP_IMPORTS], capture_output=True, text=True, timeout=120)
    assert r.stderr.strip().splitlines()[-1] == "exit 0 []", r.stderr
    for cmd in ("score", "audit", "spin", "train", "evaluate", "build-reference", "synonyms", "info"):
        assert re.search(rf"^\W*{cmd}\s", r.stdout, re.M), cmd


def test_installed_entry_point():
    exe = Path(sys.executable).with_name("spin-detect")
    if not exe.exists():
        pytest.skip(f"no installed spin-detect script next to {sys.executable}")
    r = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=120)
    assert (r.returncode, r.stdout) == (0, f"spin-detect {__version__}\n"), r.stderr
    r = subprocess.run([str(exe), "synonyms", "said"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "stated" in r.stdout.split(), r.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (a device that is always full)")
def test_an_output_that_cannot_be_written_is_one_line_and_exit_1():
    for args in (["synonyms", "said"], ["info"]):
        with open("/dev/full", "w") as full:
            r = subprocess.run([sys.executable, "-m", "spin_detect", *args], stdout=full, stderr=subprocess.PIPE,
                               text=True, timeout=120)
        assert r.returncode == 1 and r.stderr == "spin-detect: error: cannot write the output (No space left on " \
                                                 "device)\n", r.stderr


# --------------------------------------------------------------------------- in process


def test_help_lists_commands():
    r = run("--help")
    assert r.exit_code == 0
    for cmd in ("score", "audit", "spin", "train", "evaluate", "build-reference", "synonyms", "info"):
        assert re.search(rf"^\W*{cmd}\s", r.stdout, re.M), cmd
    assert run("--version").stdout == f"spin-detect {__version__}\n"


def test_score_example_human_and_json():
    r = run("score", str(EXAMPLE), "--all")
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert "Safety Council" in out  # --all prints every sentence
    r = run("score", str(EXAMPLE), "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    text = EXAMPLE.read_text()
    assert data["schema"] == "spin-detect/report/1"
    assert data["input"] == str(EXAMPLE)
    # the verdict is the document rule applied to the likelihood (the example scores under the threshold:
    # tests/test_known_failures.py), and the human report says the same
    assert data["verdict"] == ("spun" if data["likelihood"] >= data["threshold"] else "original")
    assert 0 <= data["likelihood"] <= 1
    assert out.splitlines()[0] == (
        f"{EXAMPLE}: {data['verdict'].upper()}  spin likelihood {data['likelihood']:.0%} (threshold "
        f"{data['threshold']:.0%}); {data['n_flagged']} of {data['n_sentences']} sentences flagged")
    assert len(data["sentences"]) == data["n_sentences"] == 7
    for s in data["sentences"]:
        assert text[s["start"] : s["end"]] == s["text"]
        for e in s["evidence"]:
            assert text[e["start"] : e["end"]] == e["word"]
    # the spun "financial assist" is the word the token level finds most suspicious in its sentence; as
    # evidence (given the text, which reads as original: 7%) it is shown only if it reaches 50%
    import numpy as np

    from spin_detect.detector import load_detector

    det = load_detector()
    fs = det.features([data["sentences"][3]["text"]])
    tp = det.model.token_proba(fs)
    assert fs.tokens[0][int(np.argmax(tp))].text == "assist"
    ev3 = data["sentences"][3]["evidence"]
    assert not ev3 or ev3[0]["word"] == "assist"
    # without --all, the strongest words of unflagged sentences are still named (what the JSON says)
    strong = sorted(((e["probability"], s["index"], e["word"]) for s in data["sentences"] if not s["flagged"]
                     for e in s["evidence"] if e["probability"] >= 0.5), reverse=True)[:3]
    out = run("score", str(EXAMPLE)).stdout
    if strong:
        line = next(x for x in out.splitlines() if x.startswith("strongest words in sentences not flagged:"))
        assert [(int(i), w) for i, w in re.findall(r"\[(\d+)\] (\S+)", line)] == [(i, w) for _, i, w in strong]
    else:
        assert "strongest words" not in out


def test_score_presets_and_threshold():
    strict = json.loads(run("score", str(EXAMPLE), "--json", "--preset", "strict").stdout)
    sensitive = json.loads(run("score", str(EXAMPLE), "--json", "--preset", "sensitive").stdout)
    assert strict["threshold"] > sensitive["threshold"]
    forced = json.loads(run("score", str(EXAMPLE), "--json", "--threshold", "0.0").stdout)
    assert forced["verdict"] == "spun"
    r = run("score", str(EXAMPLE), "--preset", "paranoid")
    assert r.exit_code == 2 and "preset" in r.stderr


def test_score_source_that_is_the_article_itself_is_a_usage_error(tmp_path):
    link = tmp_path / "link.txt"
    link.symlink_to(EXAMPLE)
    for other in (str(EXAMPLE), str(link)):
        r = run("score", str(EXAMPLE), "--source", other)
        assert r.exit_code == 2 and "--source names the article itself" in r.stderr and r.stdout == ""


def test_score_stdin():
    r = run("score", "-", "--json", stdin=b"The council met on Monday. It agreed.")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert len(data["sentences"]) == 2 and data["input"] == "<stdin>"
    assert [s["text"] for s in data["sentences"]] == ["The council met on Monday.", "It agreed."]


@pytest.mark.parametrize(
    "content, message",
    [(b"", "empty document"), (b"   \n\n ", "empty document"), (b"\x00\x01binary\x00", "binary data")],
)
def test_score_bad_input_fails_with_one_line(tmp_path, content, message):
    p = tmp_path / "in.txt"
    p.write_bytes(content)
    r = run("score", str(p))
    assert r.exit_code == 2
    err = r.stderr.strip()
    assert message in err and "\n" not in err and "Traceback" not in err
    assert r.stdout == ""


def test_score_missing_file():
    r = run("score", "/nonexistent/file.txt")
    assert r.exit_code == 2
    assert "cannot read" in r.stderr


def test_build_reference_from_a_folder(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "a.txt").write_text("The Security Council met today. The council voted.")
    (corpus / "sub" / "b.txt").write_text("The Security Council met again.")
    (corpus / "sub" / "c.txt").write_bytes(b"\x00binary")
    (tmp_path / "exclude.txt").write_text("sub/b.txt\n")
    out = tmp_path / "ref.bin"
    r = run("build-reference", str(corpus), "--out", str(out), "--exclude", str(tmp_path / "exclude.txt"),
            "--min-count", "1", "--min-pair-count", "1")
    assert r.exit_code == 0, r.output
    assert "1 document read, 1 excluded, 1 unreadable" in r.stderr
    from spin_detect.tables.reference import ReferenceStats

    ref = ReferenceStats.load(out)
    assert ref.count(ref.ids(["council"]))[0] == 2
    assert ref.meta["documents"] == 1
    # the same file twice (named, and inside its folder): counted once, and the user is told
    r = run("build-reference", str(corpus), str(corpus / "a.txt"), "--out", str(tmp_path / "twice.bin"),
            "--min-count", "1", "--min-pair-count", "1")
    assert r.exit_code == 0 and "1 met again under another path" in r.stderr, r.output
    again = ReferenceStats.load(tmp_path / "twice.bin")
    assert again.count(again.ids(["council"]))[0] == 3 and again.meta["documents"] == 2
    # a file excluded under one name is excluded under the other, in either order of the paths
    for k, order in enumerate(((corpus, corpus / "sub"), (corpus / "sub", corpus))):
        r = run("build-reference", *map(str, order), "--out", str(tmp_path / f"x{k}.bin"), "--exclude",
                str(tmp_path / "exclude.txt"), "--min-count", "1", "--min-pair-count", "1")
        assert r.exit_code == 0 and "1 document read, 1 excluded, 1 unreadable, 2 met again" in r.stderr, r.output


def test_build_reference_with_nothing_to_count(tmp_path):
    (tmp_path / "empty").mkdir()
    r = run("build-reference", str(tmp_path / "empty"), "--out", str(tmp_path / "r.bin"))
    assert r.exit_code == 2
    assert "no text to count" in r.stderr
    assert not (tmp_path / "r.bin").exists()


def test_synonyms_and_info():
    r = run("synonyms", "said")
    assert r.exit_code == 0 and "stated" in r.stdout
    r = run("synonyms", "qwzx")
    assert r.exit_code == 1 and "'qwzx' is not in the thesaurus" in r.stderr
    info = json.loads(run("info", "--json").stdout)
    assert info["version"] == __version__
    assert info["reference"]["vocabulary"] > 50_000
    assert info["thesaurus"]["headwords"] > 100_000
    assert info["topics"]["with_vector"] > 50_000 and info["topics"]["dims"] == 64
    assert info["trigrams"]["trigrams"] > 1_000_000 and info["neighbours"]["words"] > 50_000
    assert info["antonyms"]["pairs"] > 5_000 and info["names"]["words"] > 10_000
    assert set(info["spinner"]) == {"phrases.bin", "moby.bin"}
    tables = ("reference", "thesaurus", "neighbours", "trigrams", "topics", "cloze")
    assert all(len(info[t]["sha256"]) == 64 and info[t]["bytes"] > 0 for t in tables)  # every table, every size
    assert info["model"]["name"] == "default" and 0 < info["model"]["thresholds"]["balanced"] < 1
    text = run("info").stdout
    assert text.startswith(f"spin-detect {__version__}\nmodel:\n  name: default\n")
    assert re.search(r"^  thresholds: balanced \d+\.\d%, sensitive \d+\.\d%, strict \d+\.\d%$", text, re.M)


@pytest.mark.slow
def test_train_and_evaluate_commands(tmp_path):
    from test_train import make_data

    df = make_data()
    data = tmp_path / "data.csv"
    df.to_csv(data, index=False)
    r = run("train", str(data), "--out", str(tmp_path / "m"), "--seed", "3")
    assert r.exit_code == 0, r.output
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert manifest["training"]["evidence_context"]["means"]  # token labels: an evidence model too, as the default
    r = run("evaluate", str(tmp_path / "m"), str(data), "--json")
    assert r.exit_code == 0, r.output
    rep = json.loads(r.stdout)
    assert rep["sentence"]["overall"]["n"] == len(df)
    # token labels in the data: the evidence figures, consistent with each other
    ev = rep["evidence"]
    assert ev["original_sentences"] == int((df["variant"] == "original").sum())
    assert ev["threshold"] == 0.5 and ev["ranked"] <= ev["evidence_tokens"]
    assert 0 <= ev["true_original_top1"] <= ev["true_original_top3"] <= ev["original_shown"] <= 1
    assert ev["evidence_tokens"] == sum(v["evidence_tokens"] for v in ev["by_rate"].values()) or not ev["by_rate"]
    assert rep["schema"] == "spin-detect/evaluation/1" and rep["model"]["name"] == "m" and rep["rows"] == len(df)
    assert rep["data"] == [str(data)] and rep["preset"] == "balanced"
    r = run("evaluate", str(tmp_path / "m"), str(data))
    assert "sentence level" in r.stdout and "document level" in r.stdout
    assert "evidence (words at 50% or more)" in r.stdout
    assert "the model was trained on this file" in r.stderr
    # the folder has a card that says what was trained on what, and no figures it cannot have
    card = (tmp_path / "m" / "MODEL_CARD.md").read_text()
    assert f"`{data}`: {len(df):,} rows" in card and "trained on the data's `changes` column" in card
    assert manifest["sha256"] in card and f"spin-detect evaluate {tmp_path / 'm'}/" in card
    # retrained over another model's folder: its card is replaced, its figures removed, not left beside it
    (tmp_path / "m" / "metrics.json").write_text("{}")
    (tmp_path / "m" / "notes.txt").write_text("mine")
    r = run("train", str(data), "--out", str(tmp_path / "m"), "--seed", "4", "--force")
    assert r.exit_code == 0 and "removed metrics.json" in r.stderr
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["MODEL_CARD.md", "manifest.json", "model.npz",
                                                                    "notes.txt"]
    assert "seed 4" in (tmp_path / "m" / "MODEL_CARD.md").read_text()
    r = run("train", str(data), str(data), "--out", str(tmp_path / "twice"))
    assert r.exit_code == 2 and "given twice" in r.stderr
    none = tmp_path / "none.csv"
    df.assign(changes="").to_csv(none, index=False)
    r = run("train", str(none), "--out", str(tmp_path / "none"))
    assert r.exit_code == 2 and "names no replaced word in any spun row" in r.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\nfine,maybe\n")
    r = run("train", str(bad), "--out", str(tmp_path / "x"))
    assert r.exit_code == 2 and "unknown label" in r.stderr


def test_spin_command(tmp_path):
    p = tmp_path / "a.txt"
    original = "The company said on Monday that profits rose sharply in the third quarter."
    p.write_text(original)
    r = run("spin", str(p), "--rate", "0.5", "--json", "--seed", "1")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["changes"] and data["text"] != original
    for c in data["changes"]:
        assert data["text"][c["start"] : c["end"]] == c["replacement"]
    assert run("spin", str(p), "--rate", "0.5", "--json", "--seed", "1").stdout == r.stdout  # same seed, same text
    assert run("spin", str(p), "--style", "nonsense").exit_code == 2
    # --labelled: rows that train reads as they are, both versions of the text in one document
    p.write_text(original + "\n\nThe board met again on Friday. Shares fell after the report was published.")
    r = run("spin", str(p), "--rate", "0.5", "--labelled", "--seed", "2")
    assert r.exit_code == 0, r.output
    rows = tmp_path / "rows.jsonl"
    rows.write_text(r.stdout)
    from spin_detect.learning.labelled import load_labelled

    df = load_labelled(rows)  # checks that every change points at its replacement
    spun = "spun:commercial:rate=0.5:seed=2"  # each run its own variant: several runs in one file stay apart
    assert df["variant"].tolist() == ["original"] * 3 + [spun] * 3 and set(df["doc_id"]) == {str(p)}
    first = json.loads(r.stdout.splitlines()[0])
    assert (first["style"], first["rate"], first["partial"]) == ("commercial", 0.5, False)
    part = json.loads(run("spin", str(p), "--labelled", "--sentence-share", "0.5").stdout.splitlines()[0])
    assert (part["rate"], part["partial"]) == (0.3, True)  # the style's default rate, as the help says
    again = run("spin", str(p), "--rate", "0.5", "--labelled", "--seed", "3", "--style", "phrasal").stdout
    rows.write_text(r.stdout + again)
    both = load_labelled(rows)
    assert both.attrs["repeated"] == 3 and both["variant"].nunique() == 3 and len(both) == 9
    assert df["label"].tolist()[:3] == [0, 0, 0] and sum(df["label"]) >= 1
    assert " ".join(df["text"][:3]) == " ".join(p.read_text().split())
    assert run("spin", str(p), "--labelled", "--json").exit_code == 2
    german = tmp_path / "de.txt"
    german.write_text("Der Rat der Stadt hat am Montag beschlossen, dass die Schulen in der nächsten Woche wieder "
                      "öffnen. Die Eltern sind darüber sehr froh, und die Lehrer auch.")
    r = run("spin", str(german))
    assert r.exit_code == 2 and "does not look like English" in r.stderr and "spins English text only" in r.stderr
    assert r.stdout == ""


def test_score_html_input_and_html_report(tmp_path):
    page = tmp_path / "page.html"
    body = EXAMPLE.read_text().replace("\n\n", "</p><p>")
    page.write_text("<html><head><title>Drills</title><script>var tracker = 1;</script></head><body>"
                    "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
                    f"<article><p>{body}</p></article><footer>Copyright</footer></body></html>")
    out = tmp_path / "report.html"
    r = run("score", str(page), "--json", "--html", str(out))
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    texts = " ".join(s["text"] for s in data["sentences"])
    assert "Safety Council" in texts and "tracker" not in texts and "Home" not in texts
    # the offsets index the prose scored, which the report carries (the page's own offsets would be markup)
    assert data["input_kind"] == "html"
    for s in data["sentences"]:
        assert data["scored_text"][s["start"] : s["end"]] == s["text"]
        for e in s["evidence"]:
            assert data["scored_text"][e["start"] : e["end"]] == e["word"]
    plain = json.loads(run("score", str(EXAMPLE), "--json").stdout)
    assert plain["input_kind"] == "text" and "scored_text" not in plain
    assert plain["preset"] == "balanced" and len(plain["model"]["sha256"]) == 64  # all of it, as `info` prints
    assert json.loads(run("score", str(EXAMPLE), "--json", "--threshold", "0.5").stdout)["preset"] is None
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>") and "Safety Council" in re.sub(r"<[^>]+>", "", html)
    assert html.count("<mark title=") == sum(len(s["evidence"]) for s in data["sentences"])  # + 1 in the legend
    assert not list(tmp_path.glob(".*.tmp"))


# --------------------------------------------------------------------------- issue 17: help, synonyms, thresholds, verdicts

COMMANDS = ("score", "audit", "spin", "train", "evaluate", "convert-model", "build-reference", "synonyms", "info")


@pytest.mark.parametrize("command", [(), *((c,) for c in COMMANDS)], ids=["app", *COMMANDS])
def test_help_reads_like_other_command_line_tools(command):
    r = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert CliRunner().invoke(app, [*command, "-h"], env={"COLUMNS": "200"}).stdout == r.stdout  # -h is --help
    out = r.stdout
    assert not re.search(r"<(bool|str|int|float|path|list|int range|float range)\b", out), out
    assert not re.search(r"\{[a-z_]+\}", out), out  # no {file}
    assert max(len(line) for line in out.splitlines()) <= 80, out  # readable at 80 columns, however wide
    usage = out.splitlines()[0]
    assert usage.startswith("Usage: spin-detect"), usage


def test_help_names_arguments_and_values_plainly():
    out = run("score", "--help").stdout
    assert out.splitlines()[0] == "Usage: spin-detect score [OPTIONS] FILE"
    assert re.search(r"^  --html FILE\s", out, re.M) and re.search(r"^  --json\s+Print", out, re.M)
    out = run("audit", "--help").stdout
    assert out.splitlines()[0] == "Usage: spin-detect audit [OPTIONS] INPUT..."
    assert re.search(r"^  -o, --out FILE\s", out, re.M) and "--force" in out
    assert "spin-detect[dask]" in re.sub(r"-\n\s+", "-", out)  # not eaten as markup
    assert run("synonyms", "--help").stdout.splitlines()[0] == "Usage: spin-detect synonyms [OPTIONS] WORD..."


def test_synonyms_looks_up_each_argument():
    r = run("synonyms", "said", "end up")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert "said:" in lines and "end up:" in lines
    block = lines[lines.index("end up:") + 1 :]
    assert block and block[0].startswith("  ") and "finish" in r.stdout
    data = json.loads(run("synonyms", "said", "end up", "--json").stdout)
    assert list(data) == ["said", "end up"] and all(data.values())
    assert any(s["text"] == "stated" for s in data["said"])
    r = run("synonyms", "said", "qwzx")
    assert r.exit_code == 1 and "stated" in r.stdout and "'qwzx' is not in the thesaurus" in r.stderr
    one = run("synonyms", "said").stdout.splitlines()
    assert one[0].startswith("stated\t")  # one argument: no heading, as before


@pytest.mark.parametrize("given, want", [("0.8", 0.8), ("80%", 0.8), ("80 %", 0.8), ("0", 0.0), ("100%", 1.0)])
def test_threshold_as_a_probability_or_a_percentage(given, want):
    r = run("score", str(EXAMPLE), "--json", "--threshold", given)
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["threshold"] == pytest.approx(want)


@pytest.mark.parametrize("given, shown", [("0.5%", "0.5%"), ("0.0012", "0.12%"), ("0.9999", "99.99%"), ("80%", "80%"),
                                          ("0", "0%")])
def test_a_threshold_is_shown_as_given_not_rounded_to_0_or_100(given, shown):
    out = run("score", str(EXAMPLE), "--threshold", given).stdout
    assert f"(threshold {shown});" in out.splitlines()[0]


@pytest.mark.parametrize("given", ["180%", "1.5", "-0.1", "high", "%"])
def test_threshold_out_of_range_is_a_usage_error(given):
    r = run("score", str(EXAMPLE), "--threshold", given)
    assert r.exit_code == 2 and "--threshold" in r.stderr and "Traceback" not in r.stderr


GERMAN = ("Der Rat der Stadt hat am Montag beschlossen, dass die Schulen in der nächsten Woche wieder öffnen. "
          "Die Eltern sind darüber sehr froh, und die Lehrer auch. Der Bürgermeister bat aber um Vorsicht in den "
          "ersten Tagen, weil noch nicht alle Fragen geklärt sind.")


@pytest.mark.parametrize("text, verdict", [(GERMAN, "out_of_scope"), ("He agreed.", "too_short")])
def test_an_unjudged_document_shows_its_verdict_and_reason_only(tmp_path, text, verdict):
    p = tmp_path / "doc.txt"
    p.write_text(text)
    r = run("score", str(p), "--all")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0] == f"{p}: {verdict.upper().replace('_', ' ')}  not judged (no spin likelihood)"
    assert lines[1:] and all(line.startswith("  note: ") for line in lines[1:])  # the reason, nothing else
    assert "%" not in lines[0] and "flagged" not in r.stdout and "suspicious" not in r.stdout
    data = json.loads(run("score", str(p), "--json").stdout)
    assert data["verdict"] == verdict and data["notes"]
    assert data["likelihood"] is None and data["n_flagged"] is None
    assert len(data["sentences"]) == data["n_sentences"] >= 1
    for s in data["sentences"]:
        assert (s["probability"], s["flagged"], s["evidence"]) == (None, None, [])
        assert text[s["start"] : s["end"]] == s["text"]


def test_counts_agree_with_their_nouns(capsys):
    from spin_detect.cli.console import print_report
    from spin_detect.report import DocumentReport, SentenceReport

    sents = [SentenceReport(0, "One.", 0, 4, 0.9, True), SentenceReport(1, "Two.", 5, 9, 0.1, False)]
    print_report("doc", DocumentReport(0.95, "spun", 0.9, 2, 1, sents, {}), all_sentences=False)
    out = capsys.readouterr().out
    assert "1 of 2 sentences flagged" in out and "(1 sentence not flagged; --all shows it)" in out
    print_report("doc", DocumentReport(0.1, "original", 0.9, 1, 0, sents[1:], {}), all_sentences=False)
    out = capsys.readouterr().out
    assert "0 of 1 sentence flagged" in out and "(1 sentence not flagged; --all shows it)" in out


def test_a_flagged_sentence_without_evidence_says_why(capsys):
    """A flagged sentence none of whose words is shown (light spinning: each word weak, the sentence strong)
    says that it is flagged on its words together; a flagged sentence with evidence, or one not flagged, does
    not."""
    from spin_detect.cli.console import print_report
    from spin_detect.report import NO_SINGLE_WORD, DocumentReport, Evidence, SentenceReport

    sents = [SentenceReport(0, "One here.", 0, 9, 0.9, True),
             SentenceReport(1, "Two here.", 10, 19, 0.8, True, [Evidence("Two", 10, 13, 0.7, "Three")]),
             SentenceReport(2, "Six here.", 20, 29, 0.1, False)]
    print_report("doc", DocumentReport(0.95, "spun", 0.9, 3, 2, sents, {}), all_sentences=True)
    out = capsys.readouterr().out
    assert out.count(NO_SINGLE_WORD) == 1
    lines = out.splitlines()
    assert lines[lines.index(next(x for x in lines if x.startswith("[0]"))) + 1].strip() == f"({NO_SINGLE_WORD})"
    assert "suspicious: Two -> Three? (70%)" in out


def test_evaluate_on_spun_rows_only_says_which_measures_it_cannot_give(tmp_path):
    data = tmp_path / "spun.csv"
    data.write_text("doc_id,text,label\n"
                    "a,The officers mentioned on Monday that the talks would resume following week.,spun\n"
                    "a,The minister stated the plan would find yourself costing more than expected.,spun\n")
    r = run("evaluate", "default", str(data))
    assert r.exit_code == 0, r.output
    head, overall = r.stdout.splitlines()[2:4]
    assert head.split()[:7] == ["n", "positives", "roc_auc", "pr_auc", "f1", "recall", "R@1%"]
    assert overall.split()[:3] == ["overall", "2", "2"] and len(overall.split()) == 6  # f1, recall, brier only
    assert "(only spun sentences: the blank measures need both original and spun ones)" in r.stdout
    rep = json.loads(run("evaluate", "default", str(data), "--json").stdout)
    assert "fpr" not in rep["sentence"]["overall"] and "recall" in rep["sentence"]["overall"]


def test_evaluate_names_the_splits_there_are(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("doc_id,text,label,split\na,The talks would resume next week in Geneva.,original,dev\n"
                    "b,The officers mentioned the talks would resume next week.,spun,test\n")
    r = run("evaluate", "default", str(data), "--split", "tst")
    assert r.exit_code == 2 and "no rows with split=tst; the data has split dev, test" in r.stderr


def test_a_failed_train_leaves_no_empty_model_folder_behind(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("text,label\nThe talks will resume next week in Geneva.,original\n"
                    "The talks shall resume following week in Geneva.,spun\n")
    r = run("train", str(data), "--out", str(tmp_path / "new" / "m"), "--base", str(tmp_path / "nowhere"))
    assert r.exit_code == 2 and "no such model folder" in r.stderr
    assert not (tmp_path / "new" / "m").exists()
    assert not (tmp_path / "new").exists()  # nor the folder made above it
    (tmp_path / "mine").mkdir()  # a folder the user made stays
    r = run("train", str(data), "--out", str(tmp_path / "mine"), "--reference", str(tmp_path / "none.bin"))
    assert r.exit_code == 2 and (tmp_path / "mine").is_dir()


def test_a_train_stopped_by_sigterm_leaves_no_empty_model_folder_behind(tmp_path, monkeypatch):
    import signal

    import spin_detect.cli.training as training

    data = tmp_path / "d.csv"
    data.write_text("text,label\nThe talks will resume next week in Geneva.,original\n"
                    "The talks shall resume following week in Geneva.,spun\n")
    reached = []

    def killed(*args, **kwargs):  # what `kill` or a job scheduler does to a long training
        reached.append(True)
        signal.raise_signal(signal.SIGTERM)  # to this thread: handled before the next line
        raise AssertionError("SIGTERM did not stop the training")

    def ignored(signum, frame):  # this test's own handler: without the command's, SIGTERM must not end pytest
        pass

    monkeypatch.setattr(training, "_train_into", killed)
    before = signal.signal(signal.SIGTERM, ignored)
    try:
        r = run("train", str(data), "--out", str(tmp_path / "new" / "m"))
        assert reached and r.exit_code == 128 + signal.SIGTERM
        assert not (tmp_path / "new").exists()  # the folders the command made are gone
        assert signal.getsignal(signal.SIGTERM) is ignored  # and the handler before it is put back
    finally:
        signal.signal(signal.SIGTERM, before)


def test_score_html_never_overwrites_its_own_inputs(tmp_path):
    art, src = tmp_path / "a.txt", tmp_path / "b.txt"
    art.write_text(EXAMPLE.read_text())
    src.write_text(EXAMPLE.read_text())
    for args, what in (([str(art), "--html", str(art)], "the article"),
                       ([str(art), "--source", str(src), "--html", str(src)], "the --source file")):
        r = run("score", *args, "--force")
        assert r.exit_code == 2 and f"--html would overwrite {what}" in r.stderr
    assert art.read_text() == src.read_text() == EXAMPLE.read_text()


def test_score_source_says_when_the_candidate_is_the_copy(tmp_path):
    from corpus_fixtures import ORIGINAL, SPUN

    art, src = tmp_path / "a.txt", tmp_path / "b.txt"
    art.write_text(ORIGINAL)
    src.write_text(SPUN)
    data = json.loads(run("score", str(art), "--source", str(src), "--json").stdout)
    assert data["source_relation"] is None
    assert data["source_note"].startswith(f"the other way round: {src} looks like the spun copy of {art}")
    # two files of the same words: the one given as the original is the original
    src.write_text(ORIGINAL)
    data = json.loads(run("score", str(art), "--source", str(src), "--json").stdout)
    assert data["source_relation"] == "copy" and data["source_id"] == str(src)


def test_the_progress_rate_counts_this_runs_records_only(monkeypatch):
    from spin_detect.cli import console

    now = [100.0]
    monkeypatch.setattr(console.time, "monotonic", lambda: now[0])
    bar = console.ProgressBar("audit", 1000, "records")
    bar(400)  # bytes read: the records done before are passed over in no time
    now[0] = 101.0
    bar.items(1664 + 100, 100)  # a resumed run: 1,664 records were done before; the clock starts here
    now[0] = 111.0
    bar.items(1664 + 300, 200)
    desc = bar._progress.tasks[0].description
    assert desc == "audit: 1,964 records, 30.0/s"  # this run's 300 records in 10 s, not 1,964 in 11 s


@pytest.mark.slow
def test_score_html_to_stdout_in_a_pipe_or_a_file(tmp_path):
    """--html /dev/stdout writes the page through the process's own stdout (on a pipe the path resolves to
    nothing a file can be opened as) and moves the report to stderr, so that the output is the page alone."""
    exe = [sys.executable, "-m", "spin_detect", "score", str(EXAMPLE), "--html", "/dev/stdout"]
    r = subprocess.run(exe, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("<!DOCTYPE html>") and r.stdout.rstrip().endswith("</html>")
    assert "spin likelihood" in r.stderr and "HTML report: /dev/stdout" in r.stderr
    out = tmp_path / "page.html"
    out.write_text("an earlier page")
    with open(out, "w") as f:  # the shell's "> page.html": the file is stdout, it exists, no --force needed
        r = subprocess.run(exe, stdout=f, stderr=subprocess.PIPE, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and page.count("<html") == 1 and "HTML report:" not in page


def test_spin_reads_the_prose_of_an_html_page_never_its_markup(tmp_path):
    page = tmp_path / "p.html"
    page.write_text('<html><head><title>News</title><style>body { color: black }</style></head><body>'
                    '<p class="main content">The government said on Monday that it would raise taxes on fuel next '
                    'year, and critics warned of high prices.</p><a href="/about/contact-us">Contact us</a></body>'
                    '</html>')
    res = run("spin", str(page), "--seed", "1", "--rate", "0.5", "--json")
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)["text"]
    assert "<" not in out and "class" not in out and "contact-us" not in out and "spinning its main text" in res.stderr
    feed = tmp_path / "f.jsonl"
    feed.write_text('{"text": "The government said on Monday that it would raise taxes."}\n')
    res = run("spin", str(feed))
    assert res.exit_code == 2 and "a JSONL file holds many records and 'spin' reads one article" in res.stderr


def test_build_reference_refuses_a_folder_as_out_and_counts_below_one(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("The talks resume next week in Geneva after a long pause, officials said.")
    (tmp_path / "folder").mkdir()
    res = run("build-reference", str(corpus), "--out", str(tmp_path / "folder"))
    assert res.exit_code == 2 and "is a folder; --out names the table file to write" in res.stderr
    res = run("build-reference", str(corpus), "--out", str(tmp_path / "r.bin"), "--min-count", "-5")
    assert res.exit_code == 2 and "--min-count" in res.stderr and not (tmp_path / "r.bin").exists()


def test_evaluate_reads_split_in_any_case_and_a_threshold_given_is_no_preset(tmp_path):
    rows = tmp_path / "rows.jsonl"
    out = run("spin", str(EXAMPLE), "--labelled", "--seed", "1").stdout
    rows.write_text("".join(json.dumps({**json.loads(line), "split": "test"}) + "\n" for line in out.splitlines()))
    r = run("evaluate", "default", str(rows), "--split", "TEST", "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["split"] == "test" and json.loads(r.stdout)["preset"] == "balanced"
    got = json.loads(run("evaluate", "default", str(rows), "--preset", "strict", "--threshold", "0.5",
                         "--json").stdout)
    assert got["preset"] is None and got["threshold"] == 0.5


def test_synonyms_reads_words_as_a_scored_text_does_and_refuses_an_empty_one():
    r = run("synonyms", "\uff33\uff21\uff29\uff24")  # full-width letters, as a page may write them
    assert r.exit_code == 0 and "stated" in r.stdout.split()
    r = run("synonyms", "said", " ")
    assert r.exit_code == 2 and "an empty word" in r.stderr
