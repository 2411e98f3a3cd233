"""Just the one-core measurement of run.py (same harness, same documents), for
comparing code versions quickly:

    python benchmarks/one_core.py            # the installed code
    PYTHONPATH=/tmp/old python benchmarks/one_core.py   # another checkout of spin_detect

Prints sentences/s of ``Detector.score_documents`` and of ``split_sentences``
(best of 3 each) and their ratio.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import _ONE_CORE, _one_core_env, make_documents


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "docs.json").write_text(json.dumps(make_documents(600, seed=1)))
        (tmp / "warm.json").write_text(json.dumps(make_documents(60, seed=2)))
        one = json.loads(subprocess.run([sys.executable, "-c", _ONE_CORE, str(tmp / "docs.json"),
                                         str(tmp / "warm.json")], env=_one_core_env(), capture_output=True,
                                        text=True, check=True).stdout)
    sps, seg = one["sentences"] / one["score_s"], one["sentences"] / one["segment_s"]
    print(f"{one['sentences']} sentences: score {sps:,.0f} sentences/s, split_sentences {seg:,.0f} sentences/s, "
          f"limit ratio {sps / seg:.3f}")


if __name__ == "__main__":
    main()
