"""One BLAS thread while the detector computes: its matrix products are many small ones.

The cloze model multiplies blocks of at most 1,024 rows (:mod:`spin_detect.tables.cloze`; its LSTMs, a
block of at most 256 sentences one word at a time), too small for BLAS threads to pay off; yet with a
thread per core, OpenBLAS wakes its threads for each product and lets them spin between products. Scoring
1,000 articles in one process took 9.3-12.5 s of CPU with numpy's default
threads on two cores and 5.3-6.2 s with one, in the same wall time or less
(benchmarks/README.md, "Session 22"). The audit's worker processes already run
with one thread each; this does the same for everything that scores in the
caller's process (the Python API, ``score``, ``audit --jobs 1``, ``evaluate``,
``train``). The controller knows the BLAS libraries loaded when the first block
opens (numpy's, which the cloze model uses).

Each block sets the limit on entering and puts back what it found on leaving, as
:func:`threadpoolctl.threadpool_limits` does (one controller, made once: entering
a block costs about 20 microseconds instead of 250).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["one_blas_thread"]

_controller: Any = None


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with one BLAS thread (see the module docs); blocks nest."""
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    limiter = _controller.limit(limits=1, user_api="blas")
    try:
        yield
    finally:
        limiter.restore_original_limits()
