"""Seen URLs: the archive's, and the Redis sets that worker mode shares between machines."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import redis

from crawler.items import Article, ArticleItem
from crawler.store.archive import Archive
from crawler.store.outbox import EXTRACTED, extracted_message, seen_key
from crawler.store.queue import OutboxPublisher, connect
from crawler.store.seen import ArchiveSeen, RedisSeen
from tests.factories import direct
from tests.redis_server import RedisServer

_DAY_S = 86400
_NOW = datetime.now(UTC).isoformat(timespec="seconds")


def _redis_seen(archive: Archive, url: str, prefix: str) -> RedisSeen:
    return RedisSeen(
        redis.Redis.from_url(url, socket_timeout=5),
        prefix,
        ArchiveSeen(archive, seen_days=30),
        url=url,
    )


def _item(n: int) -> ArticleItem:
    url = f"http://x.test/{n}"
    article = Article(
        id=f"a{n}",
        url=url,
        canonical_url=url,
        outlet="osh24",
        title="T",
        text="Some text.",
        fetched=_NOW,
    )
    return ArticleItem(
        article=article,
        signature=b"sig",
        html=b"<p>Some text.</p>",
        content_type="text/html",
        seen_urls=[url, f"{url}?from=feed"],
    )


def test_archive_seen_loads_the_urls_of_one_outlet(db_path: Path) -> None:
    with Archive(db_path) as archive:
        seen = ArchiveSeen(archive, seen_days=30)
        seen.add("osh24", ["http://x.test/gone"], "http-404")
        seen.touch("osh24", ["http://x.test/gone"])
        assert seen.load("osh24") == {"http://x.test/gone"}
        assert seen.load("other") == set()


def test_redis_seen_is_the_union_with_the_archive_and_trims_what_is_too_old(
    db_path: Path, redis_url: str, redis_prefix: str
) -> None:
    client = redis.Redis.from_url(redis_url)
    key = seen_key(redis_prefix, "osh24")
    client.zadd(
        key,
        {
            "http://x.test/fresh": time.time() - 2 * _DAY_S,
            "http://x.test/old": time.time() - 40 * _DAY_S,
        },
    )
    with Archive(db_path) as archive:
        archive.mark_seen("osh24", ["http://x.test/mine"], "sent", _NOW)
        seen = _redis_seen(archive, redis_url, redis_prefix)
        assert seen.load("osh24") == {"http://x.test/fresh", "http://x.test/mine"}
        seen.close()
    assert client.zscore(key, "http://x.test/old") is None  # trimmed from Redis too


def test_skipped_urls_are_shared_at_close_and_relisting_never_adds_a_url(
    db_path: Path, redis_url: str, redis_prefix: str
) -> None:
    client = redis.Redis.from_url(redis_url)
    key = seen_key(redis_prefix, "osh24")
    client.zadd(key, {"http://x.test/listed": 1.0})
    with Archive(db_path) as archive:
        seen = _redis_seen(archive, redis_url, redis_prefix)
        seen.add("osh24", ["http://x.test/404"], "http-404")
        seen.share("osh24", ["http://x.test/tag-page"])
        seen.touch("osh24", ["http://x.test/listed", "http://x.test/not-sent-yet"])
        assert client.zscore(key, "http://x.test/404") is None  # one round trip, at close
        seen.close()
        assert archive.seen_urls("osh24") == {"http://x.test/404"}
    assert client.zscore(key, "http://x.test/404") is not None
    assert client.zscore(key, "http://x.test/tag-page") is not None
    assert (client.zscore(key, "http://x.test/listed") or 0) > 1.0
    assert client.zscore(key, "http://x.test/not-sent-yet") is None


def test_without_redis_the_worker_goes_on_with_its_archive(db_path: Path) -> None:
    server = RedisServer()  # its port is free: nothing answers there
    with Archive(db_path) as archive:
        archive.mark_seen("osh24", ["http://x.test/mine"], "sent", _NOW)
        seen = _redis_seen(archive, server.url, "newsmon:")
        assert seen.load("osh24") == {"http://x.test/mine"}
        seen.add("osh24", ["http://x.test/404"], "http-404")
        seen.close()  # logs, does not raise
        assert "http://x.test/404" in archive.seen_urls("osh24")


async def test_a_url_is_seen_in_redis_once_its_article_is_in_the_extracted_stream(
    db_path: Path, redis_url: str, redis_prefix: str
) -> None:
    item = _item(1)
    with Archive(db_path) as archive:
        archive.queue_extracted("osh24", extracted_message(item), item.seen_urls, _NOW)
        assert archive.outbox_size() == 1
        assert archive.seen_urls("osh24") == set(item.seen_urls)
        client = connect(redis_url)
        key = seen_key(redis_prefix, "osh24")
        assert await client.zcard(key) == 0  # only in this worker's outbox so far
        publisher = OutboxPublisher(client, url=redis_url, prefix=redis_prefix)
        assert await publisher.drain(direct(archive)) == 1
        assert archive.outbox_size() == 0
        assert await client.xlen(redis_prefix + EXTRACTED) == 1
        assert set(await client.zrange(key, 0, -1)) == {u.encode() for u in item.seen_urls}
        await client.aclose()


async def test_the_extracted_stream_is_never_trimmed_before_ingest_reads_it(
    db_path: Path, redis_url: str, redis_prefix: str
) -> None:
    # it was capped at NEWSMON_REDIS_STREAM_MAXLEN like the results: with ingest away, workers'
    # articles were trimmed unread, their URLs already seen everywhere (lost for good)
    client = connect(redis_url)
    before = (await client.config_get("stream-node-max-entries"))["stream-node-max-entries"]
    await client.config_set("stream-node-max-entries", 2)  # so that a cap of 2 bites at once
    try:
        with Archive(db_path) as archive:
            for n in range(1, 11):
                item = _item(n)
                archive.queue_extracted("osh24", extracted_message(item), item.seen_urls, _NOW)
            publisher = OutboxPublisher(client, url=redis_url, prefix=redis_prefix, maxlen=2)
            assert await publisher.drain(direct(archive)) == 10
        assert await client.xlen(redis_prefix + EXTRACTED) == 10
    finally:
        await client.config_set("stream-node-max-entries", before)
        await client.aclose()
