"""Who may crawl an outlet now: Redis leases between machines, a file lock on one machine.

A Redis lease is the key ``<prefix>lease:<outlet>`` set with ``SET key token NX PX ttl``: only
one holder at a time, and a holder that dies loses it when the ttl runs out. The holder renews it
while it works (:class:`LeaseKeeper`) and deletes it at the end; both are compare-and-act Lua
scripts, so a holder whose lease expired and was taken over never renews or deletes the new
holder's lease.

Without Redis, :class:`crawler.store.locks.FileLock` (``flock`` on ``<archive>.schedule.lock``)
keeps a second scheduler on the same archive from starting at all.

Example::

    lease = RedisLease(client, "newsmon:lease:cabar", ttl=60.0)
    if lease.acquire():
        with LeaseKeeper([lease]):
            crawl("cabar")
        lease.release()
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from types import TracebackType

import redis

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
            self.renew_all()

    def renew_all(self) -> None:
        """One round: renew every lease not lost yet; list the ones found lost in :attr:`lost`."""
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

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
