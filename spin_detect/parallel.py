"""Work spread over local worker processes, the results in input order (the audit's scoring, the index's
signatures)."""

from __future__ import annotations

import functools
import multiprocessing as mp
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import wait
from typing import Any, TypeVar

__all__ = ["WORKER_STOPPED", "ordered_map"]

R = TypeVar("R")

#: What the commands say when a worker process dies (``BrokenExecutor``), before what it means for their output.
WORKER_STOPPED = "a worker process stopped (out of memory, or killed)"

#: How often (seconds) a wait for a result looks at the workers, and how long a dead worker may go unnoticed by
#: the pool before the watchdog breaks it.
POLL = 1.0
GRACE = 10.0


def ordered_map(fn: Callable[..., R], tasks: Iterable[Any], jobs: int, *args: Any,
                initializer: Callable[[], object] | None = None) -> Iterator[R]:
    """``fn(task, *args)`` for each of ``tasks``, in order, computed in ``jobs`` worker processes with at most
    two tasks per worker in flight (a long input is read as its results are used, not all at once).

    The processes are started by forkserver (spawn where there is none), never by fork: a forked child of a
    process that ran OpenMP (the classifier) can deadlock. A worker that dies (killed, out of memory) raises
    ``concurrent.futures.process.BrokenProcessPool``, also when it died halfway through sending a result,
    which leaves the standard pool waiting forever (see :func:`_result`); the tasks not yet started are
    cancelled when the caller stops early.
    """
    ctx = mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx,
                               initializer=functools.partial(_start_worker, os.getpid(), initializer))
    window: deque[Future[R]] = deque()
    finished = False
    try:
        for task in tasks:
            window.append(pool.submit(fn, task, *args))
            if len(window) >= 2 * jobs:
                yield _result(window.popleft(), pool)
        while window:
            yield _result(window.popleft(), pool)
        finished = True
    finally:
        for f in window:
            f.cancel()
        try:
            if not finished:  # Ctrl-C, an error, a caller that stops early: the tasks running are not wanted
                _break(pool, list((getattr(pool, "_processes", None) or {}).values()))
            pool.shutdown(wait=True, cancel_futures=True)
        except BaseException:  # a second Ctrl-C while the pool shuts down: its workers must not outlive us
            _break(pool, list((getattr(pool, "_processes", None) or {}).values()))
            raise


def _start_worker(main: int, initializer: Callable[[], object] | None) -> None:
    """Initializer of every worker: watch the main process (pid ``main``), then run ``initializer``.

    A worker's parent is the fork server, not the main process, and it holds pipes that keep the fork server
    alive: when the main process is killed (SIGKILL, the out-of-memory killer, a scheduler), nothing would end
    the workers, each holding a model in memory. A daemon thread ends the worker when the main process is gone.
    """
    threading.Thread(target=_watch_main, args=(main,), daemon=True, name="watch-main").start()
    if initializer is not None:
        initializer()


def _watch_main(main: int) -> None:
    while True:
        time.sleep(POLL)
        try:
            os.kill(main, 0)
        except ProcessLookupError:
            os._exit(1)
        except OSError:  # it exists (another user's process would be EPERM): keep watching
            pass


def _result(future: Future[R], pool: ProcessPoolExecutor) -> R:
    """The future's result, with a watchdog on the pool's workers.

    CPython's pool notices a dead worker and fails its futures, except when the worker was killed while it wrote
    a result: the pool's reader then waits for the rest of the message, forever, and every later result with it
    (seen with SIGKILL). So while waiting, every :data:`POLL` seconds, look whether a worker has ended; if one
    has and the future is still not done :data:`GRACE` seconds later, break the pool (:func:`_break`).
    """
    dead_since: float | None = None
    while True:
        try:
            return future.result(timeout=POLL)
        except FutureTimeout:
            pass
        procs = list((getattr(pool, "_processes", None) or {}).values())
        if not wait([p.sentinel for p in procs], timeout=0):
            dead_since = None
            continue
        now = time.monotonic()
        if dead_since is None:
            dead_since = now
        elif now - dead_since >= GRACE:
            _break(pool, procs)
            raise BrokenProcessPool("a worker process ended abruptly and the pool did not recover")


def _break(pool: ProcessPoolExecutor, procs: list[Any]) -> None:
    """End a pool whose result reader waits for a message a dead worker never finished: kill the other workers,
    then close this process's end of the result pipe, so that the reader sees the pipe's end, fails the pool's
    futures and lets ``shutdown`` and the interpreter's exit go on."""
    for p in procs:
        p.kill()
    wait([p.sentinel for p in procs], timeout=10)
    queue = getattr(pool, "_result_queue", None)
    writer = getattr(queue, "_writer", None)
    if writer is not None:
        writer.close()
