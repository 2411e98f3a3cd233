"""The installed command line, run the way a user runs it (in a subprocess)."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "spin_detect" / "examples" / "spun_article.txt"


def run(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "spin_detect", *args], input=stdin,
                          capture_output=True, timeout=300)


def test_help_lists_commands():
    r = run("--help")
    assert r.returncode == 0
    out = r.stdout.decode()
    for cmd in ("score", "audit", "spin", "train", "evaluate", "build-reference", "synonyms", "info"):
        assert cmd in out


def test_score_example_human_and_json():
    r = run("score", str(EXAMPLE), "--all")
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert "spin likelihood" in out and ("ORIGINAL" in out or "SPUN" in out)
    assert "Safety Council" in out  # --all prints every sentence
    r = run("score", str(EXAMPLE), "--json")
    data = json.loads(r.stdout)
    text = EXAMPLE.read_text()
    assert data["schema"] == "spin-detect/report/1"
    assert data["verdict"] in ("spun", "original")
    assert 0 <= data["likelihood"] <= 1
    assert len(data["sentences"]) == 7
    for s in data["sentences"]:
        assert text[s["start"] : s["end"]] == s["text"]
        for e in s["evidence"]:
            assert text[e["start"] : e["end"]] == e["word"]
    # the spun "financial assist" is the strongest evidence in its sentence
    assert data["sentences"][3]["evidence"][0]["word"] == "assist"
    # without --all, the strongest words of unflagged sentences are still named (what the JSON says)
    strong = sorted(((e["probability"], s["index"], e["word"]) for s in data["sentences"] if not s["flagged"]
                     for e in s["evidence"] if e["probability"] >= 0.5), reverse=True)[:3]
    out = run("score", str(EXAMPLE)).stdout.decode()
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
    assert r.returncode == 2 and "preset" in r.stderr.decode()


def test_score_stdin():
    r = run("score", "-", "--json", stdin=b"The council met on Monday. It agreed.")
    assert r.returncode == 0
    data = json.loads(r.stdout)
    assert len(data["sentences"]) == 2 and data["input"] == "<stdin>"


@pytest.mark.parametrize(
    "content, message",
    [(b"", "empty document"), (b"   \n\n ", "empty document"), (b"\x00\x01binary\x00", "binary data")],
)
def test_score_bad_input_fails_with_one_line(tmp_path, content, message):
    p = tmp_path / "in.txt"
    p.write_bytes(content)
    r = run("score", str(p))
    assert r.returncode == 2
    err = r.stderr.decode().strip()
    assert message in err and "\n" not in err and "Traceback" not in err


def test_score_missing_file():
    r = run("score", "/nonexistent/file.txt")
    assert r.returncode == 2
    assert "cannot read" in r.stderr.decode()


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
    assert r.returncode == 0, r.stderr
    err = r.stderr.decode()
    assert "1 documents read, 1 excluded, 1 unreadable" in err
    from spin_detect.tables.reference import ReferenceStats

    ref = ReferenceStats.load(out)
    assert ref.count(ref.ids(["council"]))[0] == 2
    assert ref.meta["documents"] == 1


def test_build_reference_with_nothing_to_count(tmp_path):
    (tmp_path / "empty").mkdir()
    r = run("build-reference", str(tmp_path / "empty"), "--out", str(tmp_path / "r.bin"))
    assert r.returncode == 2
    assert "no text to count" in r.stderr.decode()


def test_synonyms_and_info():
    r = run("synonyms", "said")
    assert r.returncode == 0 and "stated" in r.stdout.decode()
    assert run("synonyms", "qwzx").returncode == 1
    info = json.loads(run("info", "--json").stdout)
    assert info["reference"]["vocabulary"] > 50_000
    assert info["thesaurus"]["headwords"] > 100_000
    assert info["topics"]["with_vector"] > 50_000 and info["topics"]["dims"] == 64
    assert info["trigrams"]["trigrams"] > 1_000_000 and info["neighbours"]["words"] > 50_000


def test_train_and_evaluate_commands(tmp_path):
    from test_train import make_data

    df = make_data()
    data = tmp_path / "data.csv"
    df.to_csv(data, index=False)
    r = run("train", str(data), "--out", str(tmp_path / "m"), "--seed", "3")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "m" / "manifest.json").is_file()
    r = run("evaluate", str(tmp_path / "m"), str(data), "--json")
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep["sentence"]["overall"]["n"] == len(df)
    r = run("evaluate", str(tmp_path / "m"), str(data))
    assert "sentence level" in r.stdout.decode() and "document level" in r.stdout.decode()
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\nfine,maybe\n")
    r = run("train", str(bad), "--out", str(tmp_path / "x"))
    assert r.returncode == 2 and "unknown label" in r.stderr.decode()


def test_spin_command(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("The company said on Monday that profits rose sharply in the third quarter.")
    r = run("spin", str(p), "--rate", "0.5", "--json", "--seed", "1")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    for c in data["changes"]:
        assert data["text"][c["start"] : c["end"]] == c["replacement"]
    assert run("spin", str(p), "--style", "nonsense").returncode == 2


def test_score_html_input_and_html_report(tmp_path):
    page = tmp_path / "page.html"
    body = EXAMPLE.read_text().replace("\n\n", "</p><p>")
    page.write_text("<html><head><title>Drills</title><script>var tracker = 1;</script></head><body>"
                    "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
                    f"<article><p>{body}</p></article><footer>Copyright</footer></body></html>")
    out = tmp_path / "report.html"
    r = run("score", str(page), "--json", "--html", str(out))
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    texts = " ".join(s["text"] for s in data["sentences"])
    assert "Safety Council" in texts and "tracker" not in texts and "Home" not in texts
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>") and "Safety Council" in re.sub(r"<[^>]+>", "", html)
    assert html.count("<mark title=") == sum(len(s["evidence"]) for s in data["sentences"])  # + 1 in the legend
    assert not list(tmp_path.glob(".*.tmp"))
