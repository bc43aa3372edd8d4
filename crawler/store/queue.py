"""The Redis side of the result queue: URLs, connections and the outbox publisher.

Results never go to Redis directly. The archive transaction that stores an article also queues
its messages in the archive's outbox (see :mod:`crawler.store.outbox`); :class:`OutboxPublisher`
sends them in order with pipelined ``XADD ... MAXLEN ~ N`` and removes them only once Redis has
acknowledged them. While Redis is away the publisher backs off (bounded, jittered) and the crawl
goes on; the outbox keeps what waits, across runs.

Redis URLs may carry a password: anything this package logs or raises names a URL only through
:func:`redact_url`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import redis
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from crawler.errors import ConfigError, StorageError
from crawler.store.archive import Archive
from crawler.store.outbox import EXTRACTED, seen_key, sent_urls

logger = logging.getLogger(__name__)

T = TypeVar("T")
ArchiveCall = Callable[[Callable[[Archive], T]], Awaitable[T]]
"""Runs a function of the archive where the archive may be used (the single writer thread)."""

SCHEMES = ("redis", "rediss", "unix")
_MASK = "***"
# A password in the query (redis-py reads ?password=): its value runs to the next & (a raw #
# or ? in it is still the password's).
_QUERY_PASSWORD = re.compile(r"([?&]password=)[^&]*", re.IGNORECASE)
# What urllib may give as a host: a name, IPv4, or IPv6 in brackets (hostname drops them), or
# nothing (unix:// sockets, redis://:pw@/path).
_HOST = re.compile(r"\[[0-9a-f:.]+\]|[a-z0-9._~%!$'()*+,;=-]*", re.IGNORECASE)

# Network timeouts of every Redis call: long enough for a busy server, short enough that a dead
# one is noticed within a few seconds (the publisher then backs off; the crawl never waits).
SOCKET_TIMEOUT_S = 5.0
# After a wake-up the publisher waits this long so that a burst of stored articles goes out in
# one pipelined batch instead of one round trip each.
_LINGER_S = 0.05
# With nothing to wake it, the publisher looks at the outbox this often (rows written by another
# process, e.g. a `newsmon reextract` run, are sent too).
_POLL_S = 2.0
_BACKOFF_FIRST_S = 0.5


def redact_url(url: str) -> str:
    """``url`` with its password (user-info or ``?password=``) replaced by ``***``.

    Any password is hidden, even one that holds unescaped ``@``, ``/``, ``?``, ``#`` or ``:``
    (which make the URL invalid): a ``password=`` query value runs to the next ``&``, and the
    user-info ends at the last ``@`` after which urllib reads a plain host. This is the one
    function that masks Redis URLs: logs, errors and summaries all go through it.

    Example:
        >>> redact_url("rediss://default:s3cret@cache.example:6380/0")
        'rediss://default:***@cache.example:6380/0'
        >>> redact_url("redis://:pa?ss#w@rd@cache.example/0")
        'redis://:***@cache.example/0'
    """
    url = _QUERY_PASSWORD.sub(rf"\1{_MASK}", url)
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    at = _userinfo_end(rest)
    user, colon, _ = rest[: max(at, 0)].partition(":")
    if colon:
        rest = f"{user}:{_MASK}{rest[at:]}"
    return f"{scheme}{sep}{rest}"


def _userinfo_end(rest: str) -> int:
    """The index of the ``@`` that ends the user-info of ``rest`` (the URL after ``://``), or
    -1: the last ``@`` after which urllib reads a plain host (the port is not checked here)."""
    at = rest.rfind("@")
    while at >= 0:
        try:
            netloc = urlsplit("x://" + rest[at + 1 :]).netloc
        except ValueError:  # e.g. an unbalanced [ ]
            netloc = "@"
        if "@" not in netloc and _HOST.fullmatch(netloc.rpartition(":")[0] or netloc):
            return at
        at = rest.rfind("@", 0, at)
    return -1


def check_redis_url(url: str) -> str:
    """Return ``url`` if newsmon can use it (redis://, rediss:// or unix://).

    Raises:
        ConfigError: another scheme, or a URL that does not parse (the message is redacted).
    """
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme not in SCHEMES:
        raise ConfigError(
            f"unsupported Redis URL {redact_url(url)!r}: expected redis://, "
            "rediss:// (TLS) or unix://"
        )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError as exc:
        raise ConfigError(f"bad Redis URL {redact_url(url)!r}: {exc}") from None
    database = parts.path.strip("/")
    if scheme != "unix" and database and not database.isdigit():
        # not echoed: a password with an unencoded "/" or "@" ends up in the path
        raise ConfigError(
            f"bad Redis URL {redact_url(url)!r}: the path must be a database number "
            "(percent-encode a '/' or '@' in the password)"
        )
    return url


def connect(url: str) -> aioredis.Redis:
    """An asyncio Redis client for ``url`` with newsmon's timeouts and no hidden retries.

    The client does not retry on its own: callers decide (the publisher backs off, ``ingest``
    stops with one line). ``rediss://`` URLs get TLS; their query may set ``ssl_cert_reqs``,
    ``ssl_ca_certs`` and the like, as redis-py reads them.

    Raises:
        ConfigError: the URL is not usable (see :func:`check_redis_url`).
    """
    check_redis_url(url)
    try:
        return aioredis.Redis.from_url(
            url,
            socket_timeout=SOCKET_TIMEOUT_S,
            socket_connect_timeout=SOCKET_TIMEOUT_S,
            retry=Retry(NoBackoff(), 0),
            health_check_interval=30,
        )
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"bad Redis URL {redact_url(url)!r}: {scrub(str(exc), url)}") from None


def connect_blocking(url: str) -> redis.Redis:
    """A blocking Redis client for ``url`` with newsmon's timeouts (scheduler, seen store).

    The URL is not checked here: callers that take it from the user call
    :func:`check_redis_url` first.
    """
    return redis.Redis.from_url(
        url, socket_timeout=SOCKET_TIMEOUT_S, socket_connect_timeout=SOCKET_TIMEOUT_S
    )


def scrub(text: str, url: str) -> str:
    """``text`` (an error message) with ``url`` and its passwords replaced by their redaction."""
    text = text.replace(url, redact_url(url))
    for secret in sorted(_passwords(url), key=len, reverse=True):
        text = text.replace(secret, _MASK)
    return text


def _passwords(url: str) -> list[str]:
    """The passwords ``url`` holds (user-info and ``password=`` values), as written in it,
    found by the same reading as :func:`redact_url`."""
    found = [m.group(0).partition("=")[2] for m in _QUERY_PASSWORD.finditer(url)]
    rest = _QUERY_PASSWORD.sub("", url).partition("://")[2] or url
    at = _userinfo_end(rest)
    found.append(rest[: max(at, 0)].partition(":")[2])
    found += [unquote(secret) for secret in found]
    return [secret for secret in found if secret]


def describe(exc: BaseException, url: str) -> str:
    """A one-line description of a Redis error, safe to log.

    Example:
        >>> describe(TimeoutError(), "rediss://cache.example:6379/0")
        'TimeoutError: no answer in time (rediss:// needs a server that speaks TLS)'
    """
    text = str(exc)
    if not text and isinstance(exc, TimeoutError | redis.TimeoutError):
        # a plain server never answers a TLS handshake: the timeout is all there is to say
        text = "no answer in time" + (
            " (rediss:// needs a server that speaks TLS)" if url.startswith("rediss:") else ""
        )
    return scrub(f"{type(exc).__name__}: {text}", url)


# Redis error replies that no retry cures: a wrong password or user, missing rights, a database
# number the server does not have. They fail the run instead of waiting in a backoff loop.
_PERMANENT_REPLIES = (
    "WRONGPASS",
    "NOAUTH",
    "NOPERM",
    "DB index is out of range",
    "invalid DB index",
    "invalid password",
    "without any password configured",
)


def is_permanent(exc: BaseException) -> bool:
    """Whether a Redis error is a configuration error (auth, rights, database number) rather
    than Redis being away for a while."""
    if isinstance(exc, redis.AuthenticationError | redis.exceptions.NoPermissionError):
        return True
    return isinstance(exc, redis.ResponseError) and any(
        reply.lower() in str(exc).lower() for reply in _PERMANENT_REPLIES
    )


def backoff_delays(maximum: float) -> Any:
    """Jittered exponential delays: 0.5 s, 1 s, 2 s, ... capped at ``maximum`` ("full jitter")."""
    delay = _BACKOFF_FIRST_S
    while True:
        yield random.uniform(delay / 2, delay)
        delay = min(delay * 2, maximum)


class OutboxPublisher:
    """Send the archive's outbox to Redis streams, in order, and remove what Redis acknowledged.

    Args:
        client: an asyncio Redis client (see :func:`connect`).
        url: the Redis URL, only to name it (redacted) in the log.
        prefix: key prefix of the streams (``newsmon:`` makes ``newsmon:results``).
        maxlen: approximate cap of the results and clusters streams' length (``XADD ... MAXLEN ~
            maxlen``); the ``extracted`` work queue is not capped (``newsmon ingest`` deletes
            what it stored).
        batch_size: messages per pipelined round trip.
        backoff_max: longest wait between two attempts while Redis is away (seconds).
        stats: a Scrapy stats collector or None; writes ``newsmon/publish/{sent,batches,
            redis_errors}``.

    Example:
        >>> publisher = OutboxPublisher(connect(url), url=url)  # doctest: +SKIP
        >>> publisher.start(writer.call)                       # doctest: +SKIP
    """

    def __init__(
        self,
        client: aioredis.Redis,
        *,
        url: str,
        prefix: str = "newsmon:",
        maxlen: int = 1_000_000,
        batch_size: int = 500,
        backoff_max: float = 30.0,
        stats: Any = None,
    ) -> None:
        if batch_size < 1 or maxlen < 1:
            raise ConfigError(f"publish batch_size={batch_size} and maxlen={maxlen} must be >= 1")
        self.client = client
        self.url = url
        self.prefix = prefix
        self.maxlen = maxlen
        self.batch_size = batch_size
        self.backoff_max = backoff_max
        self.stats = stats
        self.sent = 0
        self.refused: str | None = None  # a permanent error: why Redis refused newsmon
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False  # besides the cancellation, which some awaits can swallow

    def _inc(self, key: str, count: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"newsmon/publish/{key}", count)

    async def drain(self, archive_call: ArchiveCall[Any]) -> int:
        """Send everything the outbox holds; returns how many messages were sent.

        Sending an ``extracted`` message also marks its URLs seen for every worker
        (``<prefix>seen:<outlet>``, see :mod:`crawler.store.seen`), in the same round trip.

        ``archive_call`` runs a function of the archive where the archive may be used (in the
        crawl, the single writer thread: ``StoreWriter.call``).

        Raises:
            redis.RedisError: Redis failed; what was sent before is removed from the outbox,
                the failed batch stays (it is sent again, with the same ids, next time).
        """
        sent = 0
        while True:
            batch = await archive_call(lambda a: a.outbox_batch(self.batch_size))
            if not batch:
                return sent
            now = time.time()
            async with self.client.pipeline(transaction=False) as pipe:
                for message in batch:
                    # newsmon:extracted is a work queue: its messages are trimmed by ingest once
                    # stored, never by a cap (their URLs are seen: one trimmed unread is lost)
                    work = message.stream == EXTRACTED
                    pipe.xadd(
                        self.prefix + message.stream,
                        message.fields,  # type: ignore[arg-type]
                        maxlen=None if work else self.maxlen,
                        approximate=not work,
                    )
                    if message.stream == EXTRACTED:
                        self._mark_sent(pipe, message.fields, now)
                await pipe.execute()
            await archive_call(lambda a, last=batch[-1].seq: a.outbox_done(last))
            sent += len(batch)
            self.sent += len(batch)
            self._inc("sent", len(batch))
            self._inc("batches")

    def _mark_sent(self, pipe: Any, fields: dict[str, str], now: float) -> None:
        """Queue the ZADD that marks an ``extracted`` message's URLs seen, after its XADD:
        a URL is never seen in Redis without its article."""
        outlet, urls = sent_urls(fields)
        if urls:
            pipe.zadd(seen_key(self.prefix, outlet), dict.fromkeys(urls, now), gt=True)

    def start(self, archive_call: ArchiveCall[Any]) -> None:
        """Start publishing in the background (an asyncio task on the running loop)."""
        self._stopping = False
        self._task = asyncio.get_running_loop().create_task(
            self._run(archive_call), name="outbox-publisher"
        )

    def wake(self) -> None:
        """Say that new messages wait (the publisher sends them after a short linger)."""
        self._wake.set()

    async def _run(self, archive_call: ArchiveCall[Any]) -> None:
        delays = None
        while not self._stopping:
            try:
                await self.drain(archive_call)
            except Exception as exc:  # the publisher must outlive any failure
                if self._stopping:  # the run ends (its writer closing under the call): no fault
                    return
                self._inc("redis_errors")
                if is_permanent(exc):  # no retry cures it: the run fails, results stay queued
                    self.refused = describe(exc, self.url)
                    logger.warning(
                        "Redis at %s refused newsmon: %s; nothing more is sent in this run",
                        redact_url(self.url),
                        self.refused,
                    )
                    return
                if delays is None:
                    unexpected = not isinstance(exc, redis.RedisError | StorageError)
                    logger.warning(
                        "cannot publish to Redis at %s (%s); results wait in the "
                        "archive's outbox and are sent when it answers again",
                        redact_url(self.url),
                        describe(exc, self.url),
                        exc_info=unexpected,
                    )
                    delays = backoff_delays(self.backoff_max)
                await asyncio.sleep(next(delays))
                continue
            if delays is not None:
                logger.warning(
                    "Redis at %s answers again; the outbox is sent", redact_url(self.url)
                )
                delays = None
            try:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for drops a cancellation
                # that arrives as the wait ends, and the publisher then outlived the crawl
                async with asyncio.timeout(_POLL_S):
                    await self._wake.wait()
            except TimeoutError:
                continue
            self._wake.clear()
            await asyncio.sleep(_LINGER_S)

    def cancel(self) -> None:
        """Cancel the background task now (a batch in flight stays in the outbox)."""
        self._stopping = True
        if self._task is not None:
            self._task.cancel()

    async def stop(self) -> None:
        """Stop the background task and wait for it to end."""
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def finish(self, archive_call: ArchiveCall[Any], timeout: float) -> int:
        """Stop, then one last attempt (at most ``timeout`` s) to send the rest.

        Returns how many messages still wait in the outbox; they are sent first by the next
        run that has a Redis URL.
        """
        await self.stop()
        try:
            if self.refused is None:
                await asyncio.wait_for(self.drain(archive_call), timeout)
        except (redis.RedisError, StorageError, TimeoutError) as exc:
            if is_permanent(exc):
                self.refused = describe(exc, self.url)
            else:
                logger.warning(
                    "last attempt to publish to Redis at %s failed: %s",
                    redact_url(self.url),
                    describe(exc, self.url),
                )
        left: int = await archive_call(lambda a: a.outbox_size())
        if left:
            logger.warning(
                "%d messages wait in the archive's outbox; the next run with a Redis "
                "URL sends them first",
                left,
            )
        return left
