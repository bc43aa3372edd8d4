"""Locks on an archive's files: who may write it now, on one machine.

Every writer of an archive (crawl, ingest, reextract) holds :func:`writer_lock` (``flock`` on
``<archive>.writer.lock``) while it writes, so two writers take turns: each one's clusterer
starts from everything the other stored. A second writer waits for the lock, up to a bound.
:class:`FileLock` is the ``flock`` itself (the scheduler holds one on ``<archive>.schedule.lock``).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

from crawler.errors import StorageError

__all__ = ["FileLock", "writer_lock"]

logger = logging.getLogger(__name__)


class FileLock:
    """An exclusive, non-blocking ``flock`` on a file, held until :meth:`release` or exit.

    The kernel drops the lock when the process dies, so a crash never leaves it stuck.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def acquire(self, note: str = "") -> bool:
        """Take the lock; False when another process holds it. The file then says who holds
        it: the process id, and ``note`` (what it does)."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {note}".rstrip().encode() + b"\n")
        self._fd = fd
        return True

    def holder(self) -> str:
        """Who holds the lock, as its file says (``pid 123: newsmon crawl``), or ``unknown``."""
        try:
            pid, _, note = self.path.read_text(encoding="utf-8").strip().partition(" ")
        except (OSError, UnicodeDecodeError):
            return "unknown"
        if not pid.isdigit():
            return "unknown"
        return f"pid {pid}: {note}" if note else f"pid {pid}"

    def release(self) -> None:
        """Give the lock up (idempotent)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


# How often a waiting writer tries the lock again.
_WRITER_LOCK_POLL_S = 0.2


@contextlib.contextmanager
def writer_lock(db_path: str | Path, what: str, timeout: float) -> Iterator[None]:
    """Hold the archive's writer lock (``<archive>.writer.lock``) while the block runs.

    When another process holds it, say so once (a warning naming it) and wait for it, up to
    ``timeout`` seconds (NEWSMON_WRITER_LOCK_TIMEOUT).

    Args:
        db_path: the archive.
        what: what this process does, for the message of a process waiting for it.
        timeout: seconds to wait for another writer.

    Raises:
        StorageError: another writer still holds the lock after ``timeout`` seconds.
    """
    lock = FileLock(f"{db_path}.writer.lock")
    try:
        taken: bool | None = lock.acquire(what)
    except OSError:
        taken = None
    if taken is None:
        # No lock file where the archive is (a missing or read-only folder): nothing can write
        # the archive there either (SQLite's journal lives beside it), and opening the archive
        # says why in its own words.
        yield
        return
    if not taken:
        logger.warning(
            "%s is being written by another newsmon process (%s); waiting for it, up to %g s",
            db_path,
            lock.holder(),
            timeout,
        )
        deadline = time.monotonic() + timeout
        while not (taken := lock.acquire(what)) and time.monotonic() < deadline:
            time.sleep(min(_WRITER_LOCK_POLL_S, max(deadline - time.monotonic(), 0)))
    if not taken:
        raise StorageError(
            f"{db_path} is being written by another newsmon process "
            f"({lock.holder()}); gave up after waiting {timeout:g} s "
            f"(NEWSMON_WRITER_LOCK_TIMEOUT)"
        )
    try:
        yield
    finally:
        lock.release()
