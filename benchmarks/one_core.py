"""Just the one-core measurement of run.py (same harness, same documents), for
comparing code versions quickly:

    python benchmarks/one_core.py            # the installed code
    PYTHONPATH=/tmp/old python benchmarks/one_core.py   # another checkout of spin_detect
    python benchmarks/one_core.py --news     # 600 real BBC News articles (needs ../shared/corpora)
    python benchmarks/one_core.py --cpu      # CPU time (time.process_time) instead of wall time

Prints sentences/s of ``Detector.score_documents`` and of ``split_sentences``
(best of 3 each) and their ratio. ``--news`` scores real, original news articles
instead of generated documents (the first 120 of each BBC category, in file order).
``--cpu`` times with the process's CPU time, which other work on a shared machine
disturbs less than wall time.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import _ONE_CORE, _one_core_env, make_documents

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "bbc"


def news_documents() -> tuple[list[str], list[str]]:
    """600 BBC News articles to time and 60 others to warm up with (real, original text)."""
    if not SHARED.is_dir():
        sys.exit(f"--news needs the BBC corpus at {SHARED}")
    docs, warm = [], []
    for cat in sorted(p for p in SHARED.iterdir() if p.is_dir()):
        files = sorted(cat.glob("*.txt"))
        docs += [f.read_text(encoding="utf-8") for f in files[:120]]
        warm += [f.read_text(encoding="utf-8") for f in files[120:132]]
    return docs, warm


def main() -> None:
    news = "--news" in sys.argv[1:]
    script = _ONE_CORE.replace("time.perf_counter()", "time.process_time()") if "--cpu" in sys.argv[1:] else _ONE_CORE
    docs, warm = news_documents() if news else (make_documents(600, seed=1), make_documents(60, seed=2))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "docs.json").write_text(json.dumps(docs))
        (tmp / "warm.json").write_text(json.dumps(warm))
        one = json.loads(subprocess.run([sys.executable, "-c", script, str(tmp / "docs.json"),
                                         str(tmp / "warm.json")], env=_one_core_env(), capture_output=True,
                                        text=True, check=True).stdout)
    sps, seg = one["sentences"] / one["score_s"], one["sentences"] / one["segment_s"]
    what = ("BBC News, " if news else "") + ("CPU time, " if "--cpu" in sys.argv[1:] else "")
    print(f"{what}{one['sentences']} sentences: score {sps:,.0f} sentences/s, split_sentences {seg:,.0f} sentences/s, "
          f"limit ratio {sps / seg:.3f}")


if __name__ == "__main__":
    main()
