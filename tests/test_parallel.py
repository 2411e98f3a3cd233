"""spin_detect.parallel.ordered_map: results in order, and a dead worker ends the map instead of hanging it."""

from __future__ import annotations

import ast
import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
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


_SLEEPER = textwrap.dedent("""
    import os, signal, sys, time
    from pathlib import Path
    import spin_detect.parallel as par

    par.POLL = 0.2
    # Ctrl-C as a terminal gives it: a process started in the background of a script (CI) inherits SIGINT ignored
    signal.signal(signal.SIGINT, signal.default_int_handler)

    def task(x, folder):
        (Path(folder) / f"worker-{os.getpid()}").write_text("")
        time.sleep(120)
        return x

    if __name__ == "__main__":
        list(par.ordered_map(task, range(8), 2, sys.argv[1]))
""")


def _workers_started(folder: Path, proc: subprocess.Popen, timeout: float = 60) -> list[int]:
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        pids = [int(p.name.split("-")[1]) for p in folder.glob("worker-*")]
        if len(pids) == 2:
            return pids
        time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"the workers did not start: {list(folder.iterdir())}; the script said: "
                         f"{proc.communicate()[1].decode(errors='replace')[-2000:]}")


def _gone(pid: int, timeout: float = 15) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state == "Z":  # ended, not yet reaped by its parent
            return True
        time.sleep(0.1)
    return False


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
@pytest.mark.parametrize("how", ["SIGKILL", "SIGINT"])
def test_workers_do_not_outlive_the_main_process(tmp_path: Path, how: str) -> None:
    script = tmp_path / "sleeper.py"
    script.write_text(_SLEEPER, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), str(tmp_path)], cwd=ROOT, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        pids = _workers_started(tmp_path, proc)
        proc.send_signal(getattr(signal, how))  # the main process only, not its process group
        proc.wait(timeout=30)  # with SIGINT: no wait for the running tasks (two minutes each)
        assert all(_gone(pid) for pid in pids), f"workers {pids} still run after the main process ended ({how})"
    finally:
        proc.kill()
        for p in tmp_path.glob("worker-*"):
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(p.name.split("-")[1]), signal.SIGKILL)
