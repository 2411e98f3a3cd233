"""Documentation that cannot rot (issue 17, item 10): every fenced block of README.md is run here, or is
run by CI, or says why it is not run.

README.md is cut into its fenced blocks; each block is one test case, named by the heading it sits under
and its number under that heading (``what-score-prints-1``). What a case does depends on the block:

- ```` ```bash ````: every command is run as written by ``bash`` (globs, ``\\`` continuations) in a workspace
  that holds the files the README names (``article.txt``, ``crawl/``, ``my-labelled.csv``...: see
  :func:`_fill_workspace`), with the installed ``spin-detect`` entry point of this venv first on ``PATH``.
  Each must exit 0, and the files it is told to write (``--out``, ``--sentences``, ``--html``...) must
  exist afterwards. The blocks under one heading share a workspace and run in order, so a later block can
  use what an earlier one wrote (``train`` then ``score --model``). A plain ```` ``` ```` block right after
  a bash block is the output of its last command, compared as below.
- ```` ``` ```` with ``$ spin-detect ...`` lines: a terminal session. Each command is run the same way and
  what it prints (stdout and stderr, as a terminal shows them) is compared with the lines shown under it:
  exactly, after removing trailing spaces of each line and blank lines at the start and end, and with
  run-dependent figures (times, rates, ETAs: :data:`_RUN_DEPENDENT`) replaced by ``<t>`` on both sides.
- ```` ```python ````: executed as written, top-level statement by statement, in the workspace; an
  expression statement whose comment is a Python literal (``report.verdict  # 'spun'``) is a shown result
  and is compared (floats to the decimals shown).
- a block marked ``<!-- ci:NAME -->`` (the quick start) is run by ``.ci/run``; the case checks that
  ``.ci/run`` reads it. The Dask and Spark recipes are run with their own checks in
  ``tests/test_readme_dask.py`` (:data:`RUN_ELSEWHERE`).
- a block marked ``<!-- not-run: REASON -->`` (just before it) is skipped with that reason.

Anything else fails: a command other than ``spin-detect`` in an unmarked bash block, a block in another
language, a plain block that is neither a session nor an output. So a new block cannot be added without
being run or saying why it is not. New sections (``Finding the originals``) need nothing here beyond the
files their commands name, which :func:`_fill_workspace` writes.
"""

from __future__ import annotations

import ast
import contextlib
import gzip
import io
import json
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

import pytest
from corpus_fixtures import ORIGINAL, SPUN, article_html, make_corpus, write_warc
from test_readme_dask import GERMAN  # the text of the README's `spin-detect score german.txt`

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BIN = Path(sys.executable).parent  # the venv's bin: its spin-detect is the installed entry point

# python blocks run, with checks of their own, by another test: a text found in the block -> (module, test)
RUN_ELSEWHERE = {
    "map_partitions(score_frame": ("test_readme_dask", "test_the_readme_dask_recipe_writes_parquet"),
    "mapInPandas(score_partitions": ("test_readme_dask", "test_the_readme_spark_recipe_in_local_mode"),
}
# subcommands whose runs take more than about 2 s (real worker processes, training): their heading is slow
_SLOW_COMMANDS = {"audit", "train", "evaluate", "index", "build-reference"}
# figures that differ from run to run in a shown output: "12.3 s", "850 records/s", "ETA 0:01:02", "1.2 ms"
_RUN_DEPENDENT = re.compile(r"\b\d+(?:[.,]\d+)*\s*(?:records/s|docs/s|documents/s|/s|ms|s\b|min\b)"
                            r"|\bETA\s+[\d:]+")
# options whose value is a file the command writes: it must exist after the command
_WRITES = ("--out", "--sentences", "--html", "--summary-html", "--summary-json")


# --------------------------------------------------------------------------- README.md into blocks


@dataclass
class Block:
    heading: str  # the nearest heading above the block, without its #s
    index: int  # its number among the blocks under that heading (an attached output is not counted)
    lang: str  # bash, python, "" (plain)
    text: str
    line: int  # the line of its opening fence, 1-based
    marker: str | None  # the <!-- ... --> comment just before it
    output: str | None = None  # a plain block right after a bash block: what its last command prints

    @property
    def case_id(self) -> str:
        return f"{re.sub(r'[^a-z0-9]+', '-', self.heading.lower()).strip('-')}-{self.index}"


def parse_readme(text: str) -> list[Block]:
    """README.md's fenced blocks in order; a plain block straight after a bash block becomes its ``output``."""
    lines = text.splitlines()
    blocks: list[Block] = []
    counts: dict[str, int] = {}
    heading, i, last_end = "(top)", 0, -10
    while i < len(lines):
        line = lines[i]
        fence = re.match(r"^(\s*)```(\S*)\s*$", line)
        if not fence:
            h = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
            if h:
                heading = h.group(1)
            i += 1
            continue
        indent, lang = fence.group(1), fence.group(2)
        end = i + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        body = "\n".join(ln[len(indent):] if ln.startswith(indent) else ln for ln in lines[i + 1 : end])
        above = [ln.strip() for ln in lines[:i] if ln.strip()]
        comment = re.fullmatch(r"<!--\s*(.*?)\s*-->", above[-1]) if above else None
        prev = blocks[-1] if blocks else None
        between = lines[last_end + 1 : i]
        if (lang == "" and prev is not None and prev.lang == "bash" and prev.output is None
                and not body.lstrip().startswith("$ ") and all(not ln.strip() for ln in between)):
            prev.output = body
        else:
            n = counts.get(heading, 0)
            counts[heading] = n + 1
            blocks.append(Block(heading, n, lang, body + "\n", i + 1, comment.group(1) if comment else None))
        last_end = end
        i = end + 1
    return blocks


BLOCKS = parse_readme(README.read_text(encoding="utf-8"))


def bash_commands(text: str) -> list[str]:
    """The commands of a bash block: ``\\`` continuations joined, comment and blank lines left out."""
    joined = re.sub(r"[ \t]*\\\n\s*", " ", text)
    return [ln.strip() for ln in joined.splitlines() if ln.strip() and not ln.strip().startswith("#")]


def session(text: str) -> list[tuple[str, str]]:
    """A terminal session (``$ command`` then its output) as (command, output) pairs."""
    pairs: list[tuple[str, list[str]]] = []
    for ln in text.splitlines():
        if ln.startswith("$ "):
            pairs.append((ln[2:], []))
        elif pairs:
            pairs[-1][1].append(ln)
    return [(cmd, "\n".join(out)) for cmd, out in pairs]


def _words(command: str) -> list[str]:
    return shlex.split(command, comments=True)


def _slow(block: Block) -> bool:
    """Whether the block, or one before it under its heading (which it may need), runs a slow subcommand."""
    for b in BLOCKS:
        if b.heading == block.heading and b.index <= block.index and b.marker is None:
            cmds = bash_commands(b.text) if b.lang == "bash" else [c for c, _ in session(b.text)]
            if any(len(w) > 1 and w[0] == "spin-detect" and w[1] in _SLOW_COMMANDS for w in map(_words, cmds)):
                return True
    return False


def _run_elsewhere(block: Block) -> bool:
    """Whether the block is marked (run by CI, or not run) or is run by another test."""
    return block.marker is not None or (block.lang == "python" and any(k in block.text for k in RUN_ELSEWHERE))


def _cases():
    for b in BLOCKS:
        marks = [pytest.mark.slow] if _slow(b) else []
        yield pytest.param(b, id=b.case_id, marks=marks)


# --------------------------------------------------------------------------- the files the README names


def _fill_workspace(ws: Path) -> None:
    """Write every file a README command or snippet names, from the test fixtures (no downloads).

    A new README block that names a file not made here fails until the file is added here.
    """
    from test_train import make_data

    examples = ws / "spin_detect" / "examples"
    examples.mkdir(parents=True)
    shutil.copy(ROOT / "spin_detect" / "examples" / "spun_article.txt", examples)  # its path is in the output
    (ws / "article.txt").write_text(SPUN + "\n", encoding="utf-8")
    (ws / "article.html").write_text(article_html(SPUN), encoding="utf-8")
    (ws / "german.txt").write_text(GERMAN + "\n", encoding="utf-8")
    # an original and its spun copy, for the commands that match copies with their originals
    (ws / "original.txt").write_text(ORIGINAL + "\n", encoding="utf-8")
    (ws / "copy.txt").write_text(SPUN + "\n", encoding="utf-8")
    (ws / "originals").mkdir()
    (ws / "originals" / "talks.txt").write_text(ORIGINAL + "\n", encoding="utf-8")
    (ws / "articles").mkdir()
    (ws / "articles" / "original.txt").write_text(ORIGINAL + "\n", encoding="utf-8")
    (ws / "articles" / "spun.txt").write_text(SPUN + "\n", encoding="utf-8")
    make_corpus(ws)  # crawl/: every input format, with broken records
    (ws / "my-domain").mkdir()  # trusted text of a user's own domain, for build-reference / train --reference
    for i, text in enumerate((ORIGINAL, ORIGINAL.replace("North Korea", "Pyongyang"), GERMAN)):
        (ws / "my-domain" / f"{i}.txt").write_text(text + "\n", encoding="utf-8")
    (ws / "feeds").mkdir()
    with gzip.open(ws / "feeds" / "news.jsonl.gz", "wt", encoding="utf-8") as f:
        for i, text in enumerate((ORIGINAL, SPUN, GERMAN)):
            f.write(json.dumps({"id": f"f{i}", "url": f"https://feed.example.org/{i}", "text": text}) + "\n")
    (ws / "warcs").mkdir()
    write_warc(ws / "warcs" / "crawl.warc.gz", [
        ("https://news.example.org/talks", article_html(ORIGINAL).encode(), "text/html; charset=utf-8"),
        ("https://spam.example.com/talks", article_html(SPUN).encode(), "text/html; charset=utf-8"),
    ])
    (ws / "pages").mkdir()
    import pandas as pd

    pd.DataFrame({"id": ["a", "b", "c"], "url": ["https://x.example/a", None, None],
                  "text": [ORIGINAL, SPUN, GERMAN]}).to_parquet(ws / "pages" / "part-0.parquet", index=False)
    # labelled sentences as a user has them (no token-level `changes`): 24 originals and their spun copies,
    # each its own document, split train/dev; a test file of 6 more
    for name, n_docs, drop in (("my-labelled.csv", 24, []), ("my-test.csv", 6, ["split"])):
        df = make_data(n_docs=n_docs)
        df["doc_id"] = df["doc_id"] + "-" + df["variant"]
        df.drop(columns=["changes", "variant", *drop]).to_csv(ws / name, index=False)


@pytest.fixture(scope="module")
def base_workspace(tmp_path_factory) -> Path:
    ws = tmp_path_factory.mktemp("readme-files")
    _fill_workspace(ws)
    return ws


class _Workspaces:
    """One workspace per heading, where the blocks under it run in README order (each once)."""

    def __init__(self, base: Path, root: Path):
        self.base, self.root = base, root
        self.done: dict[str, int] = {}  # heading -> blocks run so far

    def before(self, block: Block, monkeypatch) -> Path:
        ws = self.root / block.case_id.rsplit("-", 1)[0]
        if block.heading not in self.done:
            shutil.copytree(self.base, ws)
            self.done[block.heading] = 0
        # run the earlier blocks under this heading first when this case runs alone (-k); one that fails is
        # reported by its own case, so this one goes on and reports its own outcome
        for b in BLOCKS:
            if b.heading == block.heading and self.done[block.heading] <= b.index < block.index:
                if not _run_elsewhere(b):
                    with contextlib.suppress(AssertionError, pytest.fail.Exception, pytest.skip.Exception):
                        _run_block(b, ws, monkeypatch)
                self.done[block.heading] = b.index + 1
        return ws

    def after(self, block: Block) -> None:
        self.done[block.heading] = block.index + 1


@pytest.fixture(scope="module")
def workspaces(base_workspace, tmp_path_factory) -> _Workspaces:
    return _Workspaces(base_workspace, tmp_path_factory.mktemp("readme-runs"))


# --------------------------------------------------------------------------- running a block


def _spin_detect(command: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run a README command line as a shell would, with this venv's ``spin-detect`` first on PATH."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(["bash", "-c", command], cwd=cwd, env=env, text=True, timeout=900,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _normalise(output: str) -> str:
    lines = [_RUN_DEPENDENT.sub("<t>", ln).rstrip() for ln in output.splitlines()]
    return "\n".join(lines).strip("\n")


def _refuse(block: Block, what: str) -> None:
    pytest.fail(f"README.md:{block.line} ({block.heading!r} block {block.index}): {what}. Run it in "
                "tests/test_readme.py, or put `<!-- not-run: REASON -->` just before the block.", pytrace=False)


def _runnable(block: Block, command: str) -> None:
    words = _words(command)
    if not words or words[0] != "spin-detect":
        _refuse(block, f"`{command}` is not a spin-detect command that this test can run")


def _run_command(block: Block, command: str, ws: Path) -> str:
    r = _spin_detect(command, ws)
    assert r.returncode == 0, f"README.md:{block.line}: `{command}` exited {r.returncode}:\n{r.stdout}"
    words = _words(command)
    for opt, value in zip(words, words[1:]):
        if opt in _WRITES:
            assert (ws / value).exists(), f"README.md:{block.line}: `{command}` did not write {value}"
    return r.stdout


def _run_session(block: Block, ws: Path) -> None:
    pairs = session(block.text)
    if not pairs:
        _refuse(block, "a plain ``` block that is neither a terminal session (`$ spin-detect ...`) nor the "
                       "output of the bash block just before it")
    for command, shown in pairs:
        _runnable(block, command)
        got = _spin_detect(command, ws).stdout  # the exit code is part of what is shown, not checked here
        assert _normalise(got) == _normalise(shown), (
            f"README.md:{block.line}: the output shown for `$ {command}` is not today's output; it is now:\n{got}")


def _shown_result(comment: str | None) -> tuple[bool, object]:
    if comment is None:
        return False, None
    try:
        return True, ast.literal_eval(comment.lstrip("#").strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None


def _same(got: object, shown: object) -> bool:
    """``got`` as it would be shown: floats to the decimals of ``shown``; tuples and lists item by item."""
    if isinstance(shown, tuple | list):
        return (isinstance(got, tuple | list) and len(got) == len(shown)
                and all(_same(g, s) for g, s in zip(got, shown)))
    if isinstance(shown, float) and isinstance(got, int | float):
        decimals = len(repr(shown).partition(".")[2])
        return math.isclose(float(got), shown, abs_tol=0.5 * 10**-decimals)
    return got == shown


def _run_python(block: Block, ws: Path, monkeypatch) -> None:
    """Execute the block statement by statement in ``ws``; compare the results shown in comments."""
    source = "\n" * block.line + block.text  # line numbers in tracebacks are README.md's
    filename = str(README)
    comments = {tok.start[0]: tok.string for tok in tokenize.generate_tokens(io.StringIO(source).readline)
                if tok.type == tokenize.COMMENT}
    namespace: dict = {"__name__": "__readme__"}
    monkeypatch.chdir(ws)
    for stmt in ast.parse(source, filename).body:
        shown, value = _shown_result(comments.get(stmt.end_lineno or stmt.lineno))
        if isinstance(stmt, ast.Expr) and shown:
            got = eval(compile(ast.Expression(stmt.value), filename, "eval"), namespace)
            assert _same(got, value), f"README.md:{stmt.lineno}: shown {value!r}, today {got!r}"
        else:
            exec(compile(ast.Module([stmt], type_ignores=[]), filename, "exec"), namespace)


def _run_block(block: Block, ws: Path, monkeypatch) -> None:
    if block.lang == "bash":
        commands = bash_commands(block.text)
        for command in commands:
            _runnable(block, command)
        out = ""
        for command in commands:
            out = _run_command(block, command, ws)
        if block.output is not None:
            assert _normalise(out) == _normalise(block.output), (
                f"README.md:{block.line}: the output shown after the block is not today's output; it is now:\n{out}")
    elif block.lang == "python":
        _run_python(block, ws, monkeypatch)
    elif block.lang == "":
        _run_session(block, ws)
    else:
        _refuse(block, f"a ```{block.lang} block, which this test does not know how to run")


# --------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("block", list(_cases()))
def test_readme_block(block: Block, workspaces, monkeypatch):
    marker = block.marker or ""
    if marker.startswith("ci:"):
        ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
        name = marker[3:]
        assert f"readme_command {name})" in ci, f".ci/run does not run the README block marked {marker}"
        return
    if marker.startswith("not-run:"):
        reason = marker.removeprefix("not-run:").strip()
        assert reason, f"README.md:{block.line}: a not-run marker needs its reason"
        pytest.skip(f"README.md:{block.line} not run: {reason}")
    elsewhere = [v for k, v in RUN_ELSEWHERE.items() if block.lang == "python" and k in block.text]
    if elsewhere:
        (module, test), = elsewhere
        assert callable(getattr(__import__(module), test, None)), f"{module}.{test} (which runs this block) is gone"
        return
    if not BIN.joinpath("spin-detect").exists():
        pytest.skip(f"no installed spin-detect entry point in {BIN}")
    ws = workspaces.before(block, monkeypatch)
    try:
        _run_block(block, ws, monkeypatch)
    finally:
        workspaces.after(block)


def test_every_fence_is_a_block():
    """The parser misses no block: every ``` line of README.md opens or closes one it found."""
    fences = [ln for ln in README.read_text(encoding="utf-8").splitlines() if ln.lstrip().startswith("```")]
    assert len(fences) == 2 * (len(BLOCKS) + sum(b.output is not None for b in BLOCKS))
    ids = [b.case_id for b in BLOCKS]
    assert len(ids) == len(set(ids)), "two README blocks would have the same test id"
    assert {"quick-start-0", "what-score-prints-0", "python-api-0"} <= set(ids)


def test_every_marker_is_known():
    """A ``<!-- ... -->`` just before a block is one this test reads: a typo must not skip a block silently."""
    for b in BLOCKS:
        if b.marker is not None:
            assert re.fullmatch(r"ci:[\w-]+|not-run:.*\S.*", b.marker), f"README.md:{b.line}: marker {b.marker!r}"


def test_the_build_commands_exist():
    """The not-run block of build commands names only commands that ``python -m scripts.build`` has."""
    (block,) = [b for b in BLOCKS if "python -m scripts.build" in b.text]
    names = {_words(c)[3] for c in bash_commands(block.text)}
    r = subprocess.run([sys.executable, "-m", "scripts.build", "--help"], cwd=ROOT, capture_output=True,
                       text=True, timeout=120)
    listed = set(re.findall(r"^  (\S+)\s", r.stdout.split("commands:", 1)[1], re.M))
    assert names and names <= listed, names - listed


def test_the_parser_on_a_small_readme():
    """Blocks, headings, markers, sessions and attached outputs, on a README made here."""
    text = ("# t\n## One\n<!-- not-run: remote -->\n```bash\nspin-detect audit a \\\n  --out r.jsonl  # c\n```\n\n"
            "```\nout\n```\n### `Two`\n```\n$ spin-detect score x\nline 1\n\n$ spin-detect info\n```\n"
            "```python\n# ## not a heading\nx = 1\n```\n")
    blocks = parse_readme(text)
    assert [(b.heading, b.index, b.lang, b.marker) for b in blocks] == [
        ("One", 0, "bash", "not-run: remote"), ("`Two`", 0, "", None), ("`Two`", 1, "python", None)]
    assert blocks[0].output == "out" and bash_commands(blocks[0].text) == ["spin-detect audit a --out r.jsonl  # c"]
    assert session(blocks[1].text) == [("spin-detect score x", "line 1\n"), ("spin-detect info", "")]
    assert [b.case_id for b in blocks] == ["one-0", "two-0", "two-1"]
    assert _normalise("done in 12.5 s, 850 records/s  \n") == "done in <t>, <t>"
    assert _same((0.99984, "spun"), (0.9998, "spun")) and not _same((0.9997, "spun"), (0.9998, "spun"))


@pytest.mark.parametrize(("lang", "text"), [
    ("bash", "pip install 'spin-detect[dask]'\n"),  # not a spin-detect command
    ("bash", "spin-detect info\ngit clone https://example.org/x\n"),  # one command of the block is not
    ("json", '{"a": 1}\n'),  # a language this test does not run
    ("", "some text that is neither a session nor an output\n"),
])
def test_an_unmarked_block_that_cannot_run_fails(lang, text, tmp_path, monkeypatch):
    """A new README block that this test cannot run, and that does not say why, fails (before running)."""
    block = Block("New section", 0, lang, text, 1, None)
    with pytest.raises(pytest.fail.Exception, match="not-run: REASON"):
        _run_block(block, tmp_path, monkeypatch)


def test_a_stale_shown_output_fails(base_workspace, monkeypatch):
    """A session whose shown output is not today's output fails, and so does a shown Python result."""
    stale = Block("What `score` prints", 9, "", "$ spin-detect score german.txt\ngerman.txt: SPUN\n", 1, None)
    with pytest.raises(AssertionError, match="not today's output"):
        _run_block(stale, base_workspace, monkeypatch)
    wrong = Block("Python API", 9, "python", "x = 0.21\nx, 'spun'  # 0.3, 'spun'\n", 1, None)
    with pytest.raises(AssertionError, match=r"shown \(0.3, 'spun'\), today \(0.21, 'spun'\)"):
        _run_block(wrong, base_workspace, monkeypatch)
