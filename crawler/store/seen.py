"""Which article URLs of an outlet need not be fetched again: the archive's, or Redis's.

One machine keeps its seen URLs in the archive (``seen_urls``). In worker mode
(NEWSMON_MODE=worker) several machines crawl, so the seen URLs live in Redis too: one sorted
set per outlet, ``<prefix>seen:<outlet>``, each URL scored with the epoch it was last seen,
trimmed to NEWSMON_SEEN_DAYS (``ZREMRANGEBYSCORE``) whenever a crawl loads it.

What a URL marked seen in Redis promises: its article is in the ``extracted`` stream. A worker
therefore never adds the URL of an article itself: the outbox publisher (``crawler.store.queue``)
adds it in the same pipelined round trip as the ``XADD`` that sends the article, after it (a
failure between the two can only leave an article sent and its URL unmarked: fetched twice,
stored once by ``newsmon ingest``). A page that gives no article (not an article, a 4xx) has
nothing to lose and is added directly, at the end of the crawl.

Example::

    seen = RedisSeen(redis.Redis.from_url(url), "newsmon:", ArchiveSeen(archive, 90))
    urls = seen.load("osh24")               # this worker's archive and every worker's sends
    seen.touch("osh24", listed_again)       # still listed: stays seen
    seen.close()
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Collection
from datetime import timedelta
from typing import Any

import redis

from crawler.store.archive import Archive
from crawler.store.outbox import seen_key
from crawler.store.queue import connect_blocking, describe, redact_url
from crawler.times import now_iso

logger = logging.getLogger(__name__)

_DAY_S = 86400.0


class SeenStore(ABC):
    """Where a crawl learns which URLs were seen, and tells what it saw.

    The URLs of stored or sent articles are marked by the pipelines' transactions, not here.
    """

    @abstractmethod
    def load(self, outlet: str) -> set[str]:
        """The URLs of ``outlet`` seen within the window (NEWSMON_SEEN_DAYS)."""

    @abstractmethod
    def touch(self, outlet: str, urls: Collection[str]) -> None:
        """Known URLs listed again: their last-seen time moves to now, so they stay seen."""

    @abstractmethod
    def add(self, outlet: str, urls: Collection[str], status: str) -> None:
        """URLs fetched that give no article (``status``: why), so nobody fetches them again."""

    @abstractmethod
    def share(self, outlet: str, urls: Collection[str]) -> None:
        """URLs this crawl already recorded in its archive that other machines should know."""

    def close(self) -> None:  # noqa: B027  (nothing to close by default)
        """Send what waits and release connections (the archive stays open)."""


class ArchiveSeen(SeenStore):
    """Seen URLs in the archive's ``seen_urls`` table (one machine).

    Args:
        archive: the crawl's archive (its reader connection).
        seen_days: the window; 0 keeps every URL.
    """

    def __init__(self, archive: Archive, seen_days: float) -> None:
        self.archive = archive
        self.seen_days = seen_days

    def load(self, outlet: str) -> set[str]:
        since = now_iso(timedelta(days=self.seen_days)) if self.seen_days else None
        return self.archive.seen_urls(outlet, since)

    def touch(self, outlet: str, urls: Collection[str]) -> None:
        if urls:
            self.archive.touch_seen(outlet, urls, now_iso())

    def add(self, outlet: str, urls: Collection[str], status: str) -> None:
        self.archive.mark_seen(outlet, urls, status, now_iso())

    def share(self, outlet: str, urls: Collection[str]) -> None:
        """Nothing to do: the archive is the only one that needs to know."""


class RedisSeen(SeenStore):
    """Seen URLs shared by every worker in Redis, on top of this worker's archive.

    ``load`` is the union of the Redis set (every worker's sent articles and skipped pages) and
    the local archive (this worker's sends that still wait in its outbox). Writes go to the
    archive at once and to Redis in one round trip at :meth:`close`, so a Redis that is away
    never stalls the crawl; when Redis does not answer, the crawl goes on with the archive alone
    (some articles may be fetched twice; ``newsmon ingest`` stores each once).

    Args:
        client: a synchronous Redis client.
        prefix: the key prefix (NEWSMON_REDIS_PREFIX).
        local: this worker's archive store; its ``seen_days`` is the window here too.
        url: the Redis URL, only to name it (redacted) in the log.
    """

    def __init__(
        self, client: redis.Redis, prefix: str, local: ArchiveSeen, *, url: str = ""
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.local = local
        self.url = url
        self._pending: dict[str, dict[str, float]] = defaultdict(dict)
        self._touched: dict[str, dict[str, float]] = defaultdict(dict)
        self._down = False  # Redis failed a load: the other outlets do not wait for it again

    def load(self, outlet: str) -> set[str]:
        urls = self.local.load(outlet)
        if self._down:
            return urls
        key = seen_key(self.prefix, outlet)
        try:
            with self.client.pipeline(transaction=False) as pipe:
                if self.local.seen_days:
                    cutoff = time.time() - self.local.seen_days * _DAY_S
                    pipe.zremrangebyscore(key, "-inf", f"({cutoff}")
                    pipe.zrangebyscore(key, cutoff, "+inf")
                else:
                    pipe.zrange(key, 0, -1)
                shared = pipe.execute()[-1]
        except redis.RedisError as exc:
            self._failed(f"cannot read the seen URLs of '{outlet}'", exc)
            self._down = True
            return urls
        return urls | {u.decode() for u in shared}

    def touch(self, outlet: str, urls: Collection[str]) -> None:
        self.local.touch(outlet, urls)
        if urls:
            self._touched[outlet].update(dict.fromkeys(urls, time.time()))

    def add(self, outlet: str, urls: Collection[str], status: str) -> None:
        self.local.add(outlet, urls, status)
        self.share(outlet, urls)

    def share(self, outlet: str, urls: Collection[str]) -> None:
        if urls:
            self._pending[outlet].update(dict.fromkeys(urls, time.time()))

    def close(self) -> None:
        """Send the URLs of this crawl's skipped pages and relisted articles in one round trip."""
        try:
            with self.client.pipeline(transaction=False) as pipe:
                for outlet, scores in self._pending.items():
                    pipe.zadd(seen_key(self.prefix, outlet), scores, gt=True)
                for outlet, scores in self._touched.items():  # only URLs Redis knows stay
                    pipe.zadd(seen_key(self.prefix, outlet), scores, xx=True, gt=True)
                if len(pipe):
                    pipe.execute()
        except redis.RedisError as exc:
            self._failed("cannot share this crawl's seen URLs", exc)
        finally:
            self._pending.clear()
            self._touched.clear()
            self.client.close()

    def _failed(self, what: str, exc: redis.RedisError) -> None:
        logger.warning(
            "%s at %s: %s; going on with this worker's archive",
            what,
            redact_url(self.url),
            describe(exc, self.url),
        )


def open_seen(settings: Any, archive: Archive) -> SeenStore:
    """The seen store a crawl uses: Redis with the archive in worker mode, else the archive.

    Reads NEWSMON_MODE, NEWSMON_REDIS_URL, NEWSMON_REDIS_PREFIX, NEWSMON_SEEN_DAYS.
    """
    local = ArchiveSeen(archive, settings.getfloat("NEWSMON_SEEN_DAYS"))
    if settings.get("NEWSMON_MODE") != "worker":
        return local
    url = settings.get("NEWSMON_REDIS_URL")
    return RedisSeen(connect_blocking(url), settings.get("NEWSMON_REDIS_PREFIX"), local, url=url)
