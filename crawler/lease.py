"""Who may crawl an outlet now: Redis leases between machines, a file lock on one machine.

A Redis lease is the key ``<prefix>lease:<outlet>`` set with ``SET key token NX PX ttl``: only
one holder at a time, and a holder that dies loses it when the ttl runs out. The holder renews it
while it works (:class:`LeaseKeeper`) and deletes it at the end; both are compare-and-act Lua
scripts, so a holder whose lease expired and was taken over never renews or deletes the new
holder's lease.

Without Redis, :class:`FileLock` (``flock`` on ``<archive>.schedule.lock``) keeps a second
scheduler on the same archive from starting at all.

Every writer of an archive (crawl, ingest, reextract) holds :func:`writer_lock` (``flock`` on
``<archive>.writer.lock``) while it writes, so two writers take turns: each one's clusterer
starts from everything the other stored. A second writer waits for the lock, up to a bound.

Example::

    lease = RedisLease(client, "newsmon:lease:cabar", ttl=60.0)
    if lease.acquire():
        with LeaseKeeper([lease]):
            crawl("cabar")
        lease.release()
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import redis

from crawler.errors import StorageError

logger = logging.getLogger(__name__)

# Renew this many times per ttl: a lease survives two missed renewals (a slow Redis, a GC pause).
_RENEWALS_PER_TTL = 3

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisLease:
    """A lease on one key: acquired with ``SET NX PX``, renewed and released only by its holder.

    Args:
        client: a synchronous Redis client.
        key: the lease key, e.g. ``newsmon:lease:cabar``.
        ttl: seconds the lease lasts without a renewal.
        token: what identifies the holder (a random one by default).
    """

    def __init__(self, client: redis.Redis, key: str, ttl: float, token: str | None = None) -> None:
        self.client = client
        self.key = key
        self.ttl_ms = max(1, int(ttl * 1000))
        self.token = token or f"{os.uname().nodename}:{os.getpid()}:{uuid.uuid4().hex}"
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)

    def acquire(self) -> bool:
        """Take the lease if nobody holds it; True when this holder has it now."""
        return bool(self.client.set(self.key, self.token, nx=True, px=self.ttl_ms))

    def renew(self) -> bool:
        """Extend the lease by its ttl; False when it is no longer this holder's."""
        return bool(self._renew(keys=[self.key], args=[self.token, self.ttl_ms]))

    def release(self) -> bool:
        """Give the lease up; False when it was no longer this holder's (expired, taken over)."""
        return bool(self._release(keys=[self.key], args=[self.token]))

    def __repr__(self) -> str:
        return f"RedisLease({self.key!r}, ttl={self.ttl_ms / 1000:g}s)"


class LeaseKeeper:
    """A background thread that renews leases every ttl/3 while the ``with`` block runs.

    A lease that cannot be renewed (lost, or Redis unreachable) is logged and listed in
    :attr:`lost`; the others are still renewed.
    """

    def __init__(self, leases: list[RedisLease]) -> None:
        self.leases = leases
        self.lost: list[RedisLease] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lease-keeper", daemon=True)

    def _run(self) -> None:
        if not self.leases:
            return
        period = min(lease.ttl_ms for lease in self.leases) / 1000 / _RENEWALS_PER_TTL
        while not self._stop.wait(period):
            for lease in [x for x in self.leases if x not in self.lost]:
                try:
                    kept = lease.renew()
                except redis.RedisError as exc:
                    logger.warning("cannot renew %s: %s", lease.key, type(exc).__name__)
                    continue  # try again next period; the ttl leaves room for two misses
                if not kept:
                    logger.error("lease %s was lost (expired or taken over)", lease.key)
                    self.lost.append(lease)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()


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
        logger.warning("%s is being written by another newsmon process (%s); waiting for it, "
                       "up to %g s", db_path, lock.holder(), timeout)
        deadline = time.monotonic() + timeout
        while not (taken := lock.acquire(what)) and time.monotonic() < deadline:
            time.sleep(min(_WRITER_LOCK_POLL_S, max(deadline - time.monotonic(), 0)))
    if not taken:
        raise StorageError(f"{db_path} is being written by another newsmon process "
                           f"({lock.holder()}); gave up after waiting {timeout:g} s "
                           f"(NEWSMON_WRITER_LOCK_TIMEOUT)")
    try:
        yield
    finally:
        lock.release()
