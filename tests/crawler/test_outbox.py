"""The outbox: messages queued in the archive transaction, sent in order, removed when acked."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from pathlib import Path
from typing import Any

import pytest
import redis

from crawler.errors import StorageError
from crawler.items import Article, ArticleItem
from crawler.store.archive import Archive
from crawler.store.outbox import (
    CLUSTERS,
    RESULTS,
    BadMessage,
    extracted_message,
    item_from_extracted,
    record_hash,
)
from crawler.store.queue import OutboxPublisher, connect
from tests.factories import direct
from tests.redis_server import RedisServer


def make_article(n: int, *, cluster: str | None = None, text: str = "") -> Article:
    article_id = f"a{n:04d}"
    return Article(
        id=article_id,
        url=f"http://x.test/{n}",
        canonical_url=f"http://x.test/{n}",
        outlet="x",
        title=f"Title {n}",
        text=text or f"Body of article {n}.",
        fetched="2025-01-01T00:00:00+00:00",
        published="2025-01-01T00:00:00+00:00",
        cluster=cluster or article_id,
    )


def test_stored_article_queues_result_and_cluster_event_in_order(db_path: Path) -> None:
    with Archive(db_path) as archive:
        archive.store_article(make_article(1), outbox=True)
        archive.store_article(make_article(2, cluster="a0001"), outbox=True)
        archive.store_article(make_article(3, cluster="a0003"), outbox=True)
        archive.store_article(make_article(4, cluster="a0001"), aliases=["a0003"], outbox=True)
        rows = archive.outbox_batch(100)
    assert [(r.stream, r.fields["type"]) for r in rows] == [
        (RESULTS, "article"),
        (CLUSTERS, "created"),
        (RESULTS, "article"),
        (CLUSTERS, "grew"),
        (RESULTS, "article"),
        (CLUSTERS, "created"),
        (RESULTS, "article"),
        (CLUSTERS, "merged"),
        # the merge gave a0003 (alone until then) a copy_of: a new revision and an update event
        (RESULTS, "article"),
        (CLUSTERS, "updated"),
    ]
    assert rows[0].fields["id"] == "a0001:1"
    assert json.loads(rows[0].fields["record"])["cluster"] == "a0001"
    merged = rows[-3].fields
    assert merged["cluster"] == "a0001" and json.loads(merged["aliases"]) == ["a0003"]
    assert merged["size"] == "4" and merged["id"] == "a0001:a0004:1"
    assert rows[-2].fields["id"] == "a0003:2"
    assert json.loads(rows[-1].fields["copy_of"]) == {"a0003": "a0001"}


def test_same_record_again_keeps_revision_and_queues_nothing(db_path: Path) -> None:
    with Archive(db_path) as archive:
        assert archive.store_article(make_article(1), outbox=True) == 1
        again = make_article(1)
        again.fetched = "2025-01-02T00:00:00+00:00"  # a refetch alone is not a new revision
        assert archive.store_article(again, outbox=True) == 1
        assert archive.outbox_size() == 2
        changed = make_article(1, text="A corrected body.")
        assert archive.store_article(changed, outbox=True, cluster_event=False) == 2
        rows = archive.outbox_batch(100)
    assert [r.fields["id"] for r in rows] == ["a0001:1", "a0001:a0001:1", "a0001:2"]


def test_without_outbox_nothing_is_queued(db_path: Path) -> None:
    with Archive(db_path) as archive:
        archive.store_article(make_article(1))
        assert archive.outbox_size() == 0


def test_extracted_message_round_trip() -> None:
    item = ArticleItem(
        article=make_article(7),
        signature=b"\x00\x01sig",
        html=b"<p>hi</p>",
        content_type="text/html",
        seen_urls=["http://x.test/7"],
    )
    fields = extracted_message(item)
    assert fields["id"] == f"a0007:{record_hash(item.article)}"
    encoded = {k.encode(): v.encode() for k, v in fields.items()}  # as Redis returns them
    assert item_from_extracted(encoded) == item
    with pytest.raises(BadMessage, match="schema version '99'"):
        item_from_extracted({**fields, "v": "99"})
    with pytest.raises(BadMessage, match="unreadable"):
        item_from_extracted({**fields, "html": "!!"})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"text": None}, "'text' must be a non-empty string"),
        ({"text": ""}, "'text' must be a non-empty string"),
        ({"id": 7}, "'id' must be a non-empty string"),
        ({"title": 5}, "'title' must be a string or null"),
        ({"authors": "abc"}, "'authors' must be a list of strings"),
        ({"images": [{"caption": "x"}]}, "'images' must be a list of objects with a 'url'"),
        ({"published": "last Tuesday"}, "'published' is not an ISO 8601 time"),
        ({"fetched": None}, "'fetched' must be a non-empty string"),
        ({"similarity": "high"}, "'similarity' must be a number or null"),
    ],
)
def test_a_message_whose_record_the_archive_could_not_take_is_bad(
    change: dict[str, Any], message: str
) -> None:
    # one such message made the archive refuse its whole batch, which was then dead-lettered
    item = ArticleItem(article=make_article(7), signature=b"s", html=b"<p>hi</p>")
    fields = extracted_message(item)
    record = {**json.loads(fields["record"]), **change}
    with pytest.raises(BadMessage, match=message):
        item_from_extracted({**fields, "record": json.dumps(record)})
    with pytest.raises(BadMessage, match="the record must be a JSON object, not list"):
        item_from_extracted({**fields, "record": "[1, 2]"})


async def test_publisher_sends_in_order_and_empties_the_outbox(
    db_path: Path, redis_url: str, redis_prefix: str
) -> None:
    with Archive(db_path) as archive:
        for n in range(1, 8):
            archive.store_article(make_article(n), outbox=True)
        client = connect(redis_url)
        publisher = OutboxPublisher(client, url=redis_url, prefix=redis_prefix, batch_size=3)
        assert await publisher.drain(direct(archive)) == 14
        assert archive.outbox_size() == 0
        entries = await client.xrange(redis_prefix + RESULTS)
        await client.aclose()
    ids = [fields[b"id"].decode() for _, fields in entries]
    assert ids == [f"a{n:04d}:1" for n in range(1, 8)]
    assert {fields[b"v"] for _, fields in entries} == {b"1"}


async def test_unreachable_redis_keeps_messages_until_it_answers(db_path: Path) -> None:
    server = RedisServer()  # not started yet: nothing listens on its port
    with Archive(db_path) as archive:
        archive.store_article(make_article(1), outbox=True)
        publisher = OutboxPublisher(connect(server.url), url=server.url)
        with pytest.raises(redis.ConnectionError):
            await publisher.drain(direct(archive))
        assert archive.outbox_size() == 2
        with server:
            assert await publisher.drain(direct(archive)) == 2
            assert archive.outbox_size() == 0
            assert await publisher.client.xlen("newsmon:results") == 1
            await publisher.client.aclose()


async def test_publisher_stops_even_when_an_await_swallows_its_cancellation(
    db_path: Path, redis_url: str, redis_prefix: str
) -> None:
    # Python 3.11's wait_for (and some libraries) can drop a cancellation that arrives as the
    # awaited thing completes; the crawl's close then waited for the publisher for ever.
    with Archive(db_path) as archive:
        calls = 0

        async def swallowing_call(fn: Any) -> Any:
            nonlocal calls
            calls += 1
            with contextlib.suppress(asyncio.CancelledError):  # the cancellation is lost here
                await asyncio.sleep(0.05)
            return fn(archive)

        client = connect(redis_url)
        publisher = OutboxPublisher(client, url=redis_url, prefix=redis_prefix)
        publisher.start(swallowing_call)
        await asyncio.sleep(0.01)  # inside the first call
        try:
            await asyncio.wait_for(publisher.stop(), 5)
        finally:
            await client.aclose()
        assert calls == 1


async def test_a_publisher_stopping_says_nothing_of_the_writer_closing_under_it(
    redis_url: str, redis_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    # At the end of a crawl the store pipeline closes the writer while the publisher's call
    # may still be on its way: that is the run ending, not Redis failing.
    client = connect(redis_url)
    publisher = OutboxPublisher(client, url=redis_url, prefix=redis_prefix)

    async def closing_call(fn: Any) -> Any:
        publisher.cancel()  # the crawl closes: the pipeline stops the publisher...
        raise StorageError("the archive writer is closed")  # ...as the writer goes

    publisher.start(closing_call)
    try:
        with caplog.at_level(logging.WARNING, logger="crawler.store.queue"):
            await asyncio.wait_for(publisher.stop(), 5)
    finally:
        await client.aclose()
    assert not [r for r in caplog.records if "cannot publish" in r.getMessage()]
