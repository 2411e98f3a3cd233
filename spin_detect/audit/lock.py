"""One audit at a time per report: a lock file beside the report, held while the audit runs.

Two runs writing one report (an audit started again with ``--resume`` while the first is still going) would
interleave their rows and rename each other's files away. :func:`report_lock` takes an exclusive
``flock`` on ``REPORT.lock`` for the whole run and refuses (:class:`~spin_detect.audit.reportfile.AuditRefused`)
when another process holds it. The operating system drops the lock when its process ends, however it
ends, so a run that was killed leaves no stale lock; the file itself is removed when the run ends. On a
system without ``fcntl`` (Windows) no lock is taken.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from spin_detect.audit.reportfile import AuditError, AuditRefused

__all__ = ["lock_path", "refuse_if_locked", "report_lock"]


def lock_path(report: Path) -> Path:
    """The lock file of the audit writing ``report``."""
    return report.with_name(report.name + ".lock")


def _held_message(report: Path) -> str:
    return (f"{report}: another audit is writing this report now (it holds {lock_path(report).name}); wait for it "
            "to end, or give another --out")


def refuse_if_locked(report: Path) -> None:
    """:class:`AuditRefused` when another run holds the lock of ``report`` now. Creates nothing: the check
    before any work, so that a second run is told first that the report is in use (not how to resume it)."""
    try:
        import fcntl
        fd = os.open(lock_path(report), os.O_RDONLY | os.O_NONBLOCK)  # never waits (a FIFO in its place)
    except PermissionError:  # another user's run may hold it: say so rather than how to resume
        raise AuditRefused(f"{report}: {lock_path(report).name} exists and cannot be opened; another user's audit "
                           "may be writing this report: wait for it to end, or give another --out") from None
    except (ImportError, OSError):  # not POSIX, or no lock file: nobody holds it
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        raise AuditRefused(_held_message(report)) from None
    except OSError:  # a file system without locks: report_lock says so when the run starts
        pass
    finally:
        os.close(fd)


@contextmanager
def report_lock(report: Path) -> Iterator[None]:
    """Hold the lock of ``report`` for the ``with`` block; :class:`AuditRefused` when another run holds it."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        fcntl = None  # type: ignore[assignment]
    if fcntl is None:  # pragma: no cover
        yield
        return
    path = lock_path(report)
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise AuditError(f"cannot write the report next to {report}: {exc.strerror or exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise AuditRefused(_held_message(report)) from None
        except OSError as exc:  # a file system without locks (some network mounts)
            os.close(fd)
            raise AuditError(f"{path}: cannot lock the report ({exc.strerror or exc})") from exc
        try:  # the file may have been removed by the run that held it just before: lock the one at the path
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        yield
    finally:
        with suppress(OSError):
            os.unlink(path)
        os.close(fd)
