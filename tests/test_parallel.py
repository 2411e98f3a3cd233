"""spin_detect.parallel.ordered_map: results in order, and a dead worker ends the map instead of hanging it."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from spin_detect.parallel import ordered_map

ROOT = Path(__file__).resolve().parents[1]


def _square(x: int) -> int:
    return x * x


def test_results_come_in_input_order() -> None:
    assert list(ordered_map(_square, range(23), 2)) == [x * x for x in range(23)]


# Each script runs in its own interpreter: a regression would hang, and the timeout turns that into a failure.
# The task kills its own worker with SIGKILL, as the kernel's out-of-memory killer would.
_SCRIPT = textwrap.dedent("""
    import gc, os, signal, struct, sys, time
    from concurrent.futures.process import BrokenProcessPool
    from multiprocessing.queues import SimpleQueue
    import spin_detect.parallel as par

    par.POLL, par.GRACE = 0.2, 1.0
    MODE = sys.argv[1]

    def task(x):
        if x == 3:
            if MODE == "half-sent":  # the worker dies in the middle of sending its result
                (queue,) = [o for o in gc.get_objects() if isinstance(o, SimpleQueue)]
                os.write(queue._writer.fileno(), struct.pack("!i", 1000) + b"x" * 10)
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(0.05)
        return x

    if __name__ == "__main__":
        got = []
        try:
            for r in par.ordered_map(task, range(40), 2):
                got.append(r)
        except BrokenProcessPool:
            print("broken after", got)
            sys.exit(3)
        print("no error", got)
""")


@pytest.mark.parametrize("mode", ["killed", "half-sent"])
def test_a_killed_worker_ends_the_map(tmp_path: Path, mode: str) -> None:
    script = tmp_path / "kill_worker.py"
    script.write_text(_SCRIPT, encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script), mode], capture_output=True, text=True, timeout=120,
                          cwd=ROOT)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert proc.stdout.startswith("broken after "), proc.stdout
    got = ast.literal_eval(proc.stdout.removeprefix("broken after "))  # the results before the dead task, in order
    assert got == list(range(len(got))) and len(got) <= 3, proc.stdout
