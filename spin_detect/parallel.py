"""Work spread over local worker processes, the results in input order (the audit's scoring, the index's
signatures)."""

from __future__ import annotations

import multiprocessing as mp
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

__all__ = ["ordered_map"]

R = TypeVar("R")


def ordered_map(fn: Callable[..., R], tasks: Iterable[Any], jobs: int, *args: Any,
                initializer: Callable[[], object] | None = None) -> Iterator[R]:
    """``fn(task, *args)`` for each of ``tasks``, in order, computed in ``jobs`` worker processes with at most
    two tasks per worker in flight (a long input is read as its results are used, not all at once).

    The processes are started by forkserver (spawn where there is none), never by fork: a forked child of a
    process that ran OpenMP (the classifier) can deadlock. A worker that dies raises
    ``concurrent.futures.BrokenExecutor``; the tasks not yet started are cancelled when the caller stops early.
    """
    ctx = mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=initializer)
    window: deque[Future[R]] = deque()
    try:
        for task in tasks:
            window.append(pool.submit(fn, task, *args))
            if len(window) >= 2 * jobs:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()
    finally:
        for f in window:
            f.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
