"""The distributed mode's clustering consumer: ``newsmon:extracted`` -> clusters -> archive.

Crawl workers push extracted articles to the ``extracted`` stream. One :class:`IngestConsumer`
(consumer group ``newsmon-ingest``) reads them, clusters them with the crawl's own code
(:mod:`crawler.store.clustering`), stores them through the archive's single writer (idempotent by
article id; the same transaction queues the ``results`` and ``clusters`` messages in the
outbox) and only then acknowledges them (``XACK``). Messages a dead consumer left pending are
taken over with ``XAUTOCLAIM`` once they have been idle for ``claim_idle`` seconds.

One bad message never blocks the group: a message that cannot be read, or whose ingestion
raises ``max_tries`` times (tries counted by Redis's delivery count, so a consumer killed on it
counts too), is copied to the ``extracted-dead`` stream with the reason (``error``) and the
number of tries (``tries``) and its id in ``extracted`` (``stream_id``), and acknowledged;
the consumer goes on with the next.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import redis
import redis.asyncio as aioredis

from crawler.errors import StorageError
from crawler.store.clustering import assign_cluster
from crawler.store.outbox import EXTRACTED, BadMessage, item_from_extracted
from crawler.store.queue import OutboxPublisher, backoff_delays, describe, redact_url
from dedup import Clusterer

logger = logging.getLogger(__name__)

GROUP = "newsmon-ingest"
DEAD_LETTER = "extracted-dead"
# How long one XREADGROUP waits for new messages before the loop looks again (claims, SIGTERM).
_BLOCK_MS = 1000
# Redis going away during a run: wait up to this long between attempts.
_BACKOFF_MAX_S = 10.0
# The reason kept with a dead-lettered message (an exception's text can be long).
_REASON_CHARS = 500


@dataclass(slots=True)
class IngestReport:
    """What one ``newsmon ingest`` run did."""

    stored: int = 0
    already_stored: int = 0
    claimed: int = 0
    bad: int = 0  # moved to the dead-letter stream
    left_in_outbox: int = 0
    pending_elsewhere: int = 0  # --drain: messages another consumer holds, not yet idle enough

    def summary_line(self) -> str:
        """One line for the end of the run."""
        line = (
            f"ingested {self.stored} articles ({self.already_stored} already stored, "
            f"{self.claimed} claimed from dead consumers, {self.bad} moved to the dead-letter "
            f"stream)"
        )
        if self.left_in_outbox:
            line += f"; {self.left_in_outbox} messages wait in the outbox"
        if self.pending_elsewhere:
            line += (
                f"; {self.pending_elsewhere} messages wait pending with another consumer: taken "
                "over once idle for --claim-idle seconds (--claim-idle 0: now)"
            )
        return line


async def ensure_group(client: aioredis.Redis, prefix: str, url: str) -> None:
    """Check that Redis answers and that the ``extracted`` stream has the ingest group.

    Raises:
        StorageError: Redis cannot be reached (the message names the URL, redacted).
    """
    try:
        await client.ping()
        await client.xgroup_create(prefix + EXTRACTED, GROUP, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise StorageError(f"Redis at {redact_url(url)}: {describe(exc, url)}") from None
    except redis.RedisError as exc:
        raise StorageError(
            f"cannot reach Redis at {redact_url(url)}: {describe(exc, url)}"
        ) from None


class IngestConsumer:
    """Consume ``extracted`` messages into the archive and the result streams.

    Args:
        client: an asyncio Redis client (``crawler.store.queue.connect``).
        writer: the archive's single writer (``crawler.store.writer.StoreWriter``).
        clusterer: a clusterer restored from the archive (``restore_clusterer``).
        known: ids of the articles the clusterer was restored with.
        publisher: sends the outbox to the result streams.
        url: the Redis URL, only to name it (redacted).
        prefix: stream key prefix (``newsmon:``).
        consumer: this consumer's name in the group (unique per process).
        batch_size: messages per read.
        claim_idle: seconds after which a pending message of another consumer is claimed.
        max_tries: deliveries of one message before it goes to the dead-letter stream.
    """

    def __init__(
        self,
        client: aioredis.Redis,
        writer: Any,
        clusterer: Clusterer,
        known: set[str],
        publisher: OutboxPublisher,
        *,
        url: str,
        prefix: str,
        consumer: str,
        batch_size: int = 100,
        claim_idle: float = 60.0,
        max_tries: int = 3,
    ) -> None:
        self.client = client
        self.writer = writer
        self.clusterer = clusterer
        self.known = known
        self.publisher = publisher
        self.url = url
        self.stream = prefix + EXTRACTED
        self.dead_letter = prefix + DEAD_LETTER
        self.consumer = consumer
        self.batch_size = batch_size
        self.claim_idle_ms = int(claim_idle * 1000)
        self.max_tries = max(1, max_tries)
        self.report = IngestReport()
        self._claim_cursor = "0-0"

    async def run(self, stop: asyncio.Event, *, drain: bool = False) -> IngestReport:
        """Consume until ``stop`` is set (or, with ``drain``, until nothing is left to take).

        The batch in hand is always finished before stopping. Redis going away during the run
        is waited out with a bounded backoff.
        """
        self.writer.outbox = True
        self.publisher.start(self.writer.call)
        own_pending = True  # a consumer restarted under the same name first rereads its own
        delays = None
        while not stop.is_set():
            try:
                messages, redelivered = await self._next_batch(own_pending, block=not drain)
                delays = None
                if messages:
                    await self._handle(messages, redelivered=redelivered)
                elif own_pending:
                    own_pending = False
                elif drain:
                    self.report.pending_elsewhere = await self._pending_elsewhere()
                    break
            except redis.RedisError as exc:
                if "NOGROUP" in str(exc) and await self._group_made_again():
                    own_pending, delays = False, None
                    continue
                if delays is None:
                    logger.warning(
                        "Redis at %s failed: %s; retrying",
                        redact_url(self.url),
                        describe(exc, self.url),
                    )
                    delays = backoff_delays(_BACKOFF_MAX_S)
                await asyncio.sleep(next(delays))
        return self.report

    async def _pending_elsewhere(self) -> int:
        """How many messages of the group other consumers have taken and not acknowledged."""
        summary = await self.client.xpending(self.stream, GROUP)
        consumers = summary.get("consumers") or []
        return sum(
            int(c["pending"])
            for c in consumers
            if (c["name"].decode() if isinstance(c["name"], bytes) else c["name"]) != self.consumer
        )

    async def _group_made_again(self) -> bool:
        """Make the consumer group again, after Redis lost it (``FLUSHALL``, a restart without
        its data): retrying would never see it come back. Whether it exists now."""
        try:
            await self.client.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):  # another consumer made it first: as good
                return False
        except redis.RedisError:
            return False
        logger.warning(
            "the stream %s had lost its ingest group (Redis lost its data?); made its consumer "
            "group again",
            self.stream,
        )
        self._claim_cursor = "0-0"
        return True

    async def _next_batch(
        self, own_pending: bool, *, block: bool
    ) -> tuple[list[tuple[Any, Any]], bool]:
        """The next messages, and whether they were delivered before (own pending, claimed)."""
        if own_pending:
            return await self._read("0", block=False), True
        claimed = await self._claim()
        if claimed:
            return claimed, True
        return await self._read(">", block=block), False

    async def _read(self, start: str, *, block: bool) -> list[tuple[Any, Any]]:
        reply = await self.client.xreadgroup(
            GROUP,
            self.consumer,
            {self.stream: start},
            count=self.batch_size,
            block=_BLOCK_MS if block else None,
        )
        return [entry for _, entries in reply or [] for entry in entries]

    async def _claim(self) -> list[tuple[Any, Any]]:
        """Take over messages another consumer left pending for longer than claim_idle."""
        reply = await self.client.xautoclaim(
            self.stream,
            GROUP,
            self.consumer,
            self.claim_idle_ms,
            start_id=self._claim_cursor,
            count=self.batch_size,
        )
        cursor, entries = reply[0], reply[1]
        self._claim_cursor = cursor.decode() if isinstance(cursor, bytes) else cursor
        if entries:
            logger.info("claimed %d pending messages of a dead consumer", len(entries))
            self.report.claimed += len(entries)
        return list(entries)

    async def _handle(self, messages: list[tuple[Any, Any]], *, redelivered: bool) -> None:
        """Store every message of a batch, then acknowledge them all.

        A redelivered batch (pending since an earlier read) first looks up how often each
        message was delivered: one delivered more than ``max_tries`` times (its consumers died
        on it) goes to the dead-letter stream unread.
        """
        tries = await self._deliveries(messages) if redelivered else {}
        for message_id, fields in messages:
            if not fields:
                continue  # trimmed from the stream while it was pending
            delivered = tries.get(message_id, 1)
            if delivered > self.max_tries:
                await self._dead_letter(
                    message_id,
                    fields,
                    delivered,
                    f"delivered {delivered} times without being ingested",
                )
                continue
            await self._ingest(message_id, fields, delivered)
        self.publisher.wake()
        await self._done([message_id for message_id, _ in messages])

    async def _ingest(self, message_id: Any, fields: Any, delivered: int) -> None:
        """Store one message, trying again up to ``max_tries`` deliveries in all; a message
        that cannot be read, or still fails, goes to the dead-letter stream. Archive and
        Redis errors are not the message's fault: they propagate (the message stays pending)."""
        attempt = delivered
        while True:
            try:
                await self._store(fields)
                return
            except BadMessage as exc:
                await self._dead_letter(message_id, fields, attempt, str(exc))
                return
            except (StorageError, redis.RedisError):
                raise
            except Exception as exc:  # this message's own failure: bounded tries, then dead
                reason = f"{type(exc).__name__}: {exc}"
                if attempt >= self.max_tries:
                    await self._dead_letter(message_id, fields, attempt, reason)
                    return
                logger.warning(
                    "message %s of %s failed (try %d of %d): %s",
                    _text(message_id),
                    self.stream,
                    attempt,
                    self.max_tries,
                    reason,
                )
                attempt += 1
                # counted in Redis too, so that a consumer killed on the next try counts it
                await self.client.xclaim(
                    self.stream,
                    GROUP,
                    self.consumer,
                    0,
                    [message_id],
                    retrycount=attempt,
                    justid=True,
                )

    async def _store(self, fields: Any) -> None:
        item = item_from_extracted(fields)
        article_id = item.article.id
        if article_id in self.known or await self.writer.call(
            lambda a, i=article_id: a.has_article(i)
        ):
            self.report.already_stored += 1  # stored before its ack was lost
            return
        assign_cluster(self.clusterer, item)
        await self.writer.store(item)
        self.known.add(article_id)  # once stored: a retry must not take it for stored
        self.report.stored += 1

    async def _deliveries(self, messages: list[tuple[Any, Any]]) -> dict[Any, int]:
        """How many times each of ``messages`` was delivered (this delivery included)."""
        async with self.client.pipeline(transaction=False) as pipe:  # one round trip
            for message_id, _ in messages:
                pipe.xpending_range(self.stream, GROUP, min=message_id, max=message_id, count=1)
            replies = await pipe.execute()
        return {
            message_id: int(rows[0]["times_delivered"])
            for (message_id, _), rows in zip(messages, replies, strict=True)
            if rows
        }

    async def _dead_letter(self, message_id: Any, fields: Any, tries: int, reason: str) -> None:
        """Copy a message to the dead-letter stream with why and how often it failed; ack it."""
        logger.error(
            "message %s of %s: %s; moved to %s after %d tries",
            _text(message_id),
            self.stream,
            reason,
            self.dead_letter,
            tries,
        )
        dead = {
            **fields,
            "error": reason[:_REASON_CHARS],
            "tries": str(tries),
            "stream_id": message_id,
        }
        await self.client.xadd(self.dead_letter, dead)
        await self._done([message_id])
        self.report.bad += 1

    async def _done(self, message_ids: list[Any]) -> None:
        """Acknowledge messages stored (or dead-lettered) and delete them: the stream is a work
        queue that no cap trims (``OutboxPublisher``), so what is done leaves it here."""
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.xack(self.stream, GROUP, *message_ids)
            pipe.xdel(self.stream, *message_ids)
            await pipe.execute()


async def run_ingest(
    url: str, db_path: str, *, consumer: str, claim_idle: float | None = None, drain: bool = False
) -> IngestReport:
    """Run one ingest consumer until SIGTERM/SIGINT (or, with ``drain``, until idle).

    Reads NEWSMON_DEDUP_*, NEWSMON_KEEP_HTML, NEWSMON_REDIS_PREFIX, NEWSMON_REDIS_STREAM_MAXLEN,
    NEWSMON_INGEST_{BATCH,CLAIM_IDLE,MAX_TRIES}, NEWSMON_PUBLISH_{BATCH,BACKOFF_MAX,CLOSE_TIMEOUT}
    from newsmon's settings (and so from the environment). Runs on plain asyncio: no Scrapy reactor.

    Raises:
        ConfigError: the URL is not a Redis URL.
        StorageError: Redis cannot be reached at the start, the archive cannot be written, or
            another writer kept it longer than NEWSMON_WRITER_LOCK_TIMEOUT.
    """
    import signal

    from crawler.fetch.pipelines import dedup_config_from_settings
    from crawler.fetch.runner import crawl_settings
    from crawler.store.clustering import restore_clusterer
    from crawler.store.locks import writer_lock
    from crawler.store.queue import connect
    from crawler.store.writer import StoreWriter
    from dedup import MemoryStore

    s = crawl_settings({})
    client = connect(url)
    prefix = s.get("NEWSMON_REDIS_PREFIX")
    publisher = OutboxPublisher(
        client,
        url=url,
        prefix=prefix,
        maxlen=s.getint("NEWSMON_REDIS_STREAM_MAXLEN"),
        batch_size=s.getint("NEWSMON_PUBLISH_BATCH"),
        backoff_max=s.getfloat("NEWSMON_PUBLISH_BACKOFF_MAX"),
    )
    writer = None
    locked = False
    lock = writer_lock(db_path, "newsmon ingest", s.getfloat("NEWSMON_WRITER_LOCK_TIMEOUT"))
    try:
        await ensure_group(client, prefix, url)
        await asyncio.to_thread(lock.__enter__)  # waits for another writer of the archive
        locked = True
        writer = StoreWriter(db_path, keep_html=s.getbool("NEWSMON_KEEP_HTML"))
        clusterer = Clusterer(dedup_config_from_settings(s), store=MemoryStore())
        known = await writer.call(lambda a: restore_clusterer(clusterer, a))
        ingest = IngestConsumer(
            client,
            writer,
            clusterer,
            known,
            publisher,
            url=url,
            prefix=prefix,
            consumer=consumer,
            batch_size=s.getint("NEWSMON_INGEST_BATCH"),
            max_tries=s.getint("NEWSMON_INGEST_MAX_TRIES"),
            claim_idle=s.getfloat("NEWSMON_INGEST_CLAIM_IDLE")
            if claim_idle is None
            else claim_idle,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        logger.info("ingest %s: reading %s at %s", consumer, ingest.stream, redact_url(url))
        report = await ingest.run(stop, drain=drain)
        report.left_in_outbox = await publisher.finish(
            writer.call, s.getfloat("NEWSMON_PUBLISH_CLOSE_TIMEOUT")
        )
        return report
    finally:
        if writer is not None:
            writer.close()
        if locked:
            lock.__exit__(None, None, None)
        await client.aclose()


def _text(message_id: Any) -> str:
    """A stream message id as Redis writes it (redis-py gives bytes)."""
    return message_id.decode() if isinstance(message_id, bytes) else str(message_id)
