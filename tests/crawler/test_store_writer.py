"""The archive writer batches writes into one transaction and answers only after its COMMIT."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from crawler.errors import StorageError
from crawler.items import ArticleItem
from crawler.store.archive import Archive
from crawler.store.writer import StoreWriter
from tests.factories import make_article

ROOT = Path(__file__).resolve().parents[2]


def _item(n: int) -> ArticleItem:
    article = make_article(f"a{n}", "canal-news", "2026-11-10T09:00:00+00:00", cluster=f"a{n}")
    return ArticleItem(
        article=article,
        signature=b"",
        html=b"<html>%d</html>" % n,
        content_type="text/html",
        seen_urls=[article.url, f"https://canal-news.example/r/{n}"],
    )


def _stored(db: Path) -> tuple[set[str], set[str]]:
    with sqlite3.connect(db) as conn:
        ids = {row[0] for row in conn.execute("SELECT id FROM articles")}
        urls = {row[0] for row in conn.execute("SELECT url FROM seen_urls")}
    return ids, urls


def test_writes_that_queue_up_are_committed_in_one_transaction_before_they_answer(
    db_path: Path,
) -> None:
    writer = StoreWriter(str(db_path), keep_html=True, batch_size=100, linger=0.5)

    async def store_all() -> None:
        await asyncio.gather(*(writer.store(_item(n)) for n in range(20)))

    try:
        asyncio.run(store_all())
        ids, urls = _stored(db_path)  # another connection sees them: committed
    finally:
        writer.close()
    assert ids == {f"a{n}" for n in range(20)}
    assert {u for n in range(20) for u in _item(n).seen_urls} <= urls
    assert (writer.writes, writer.batches) == (20, 1)


def test_a_full_batch_is_committed_without_waiting_out_the_linger(db_path: Path) -> None:
    writer = StoreWriter(str(db_path), keep_html=False, batch_size=10, linger=30)

    async def store_all() -> float:
        start = asyncio.get_running_loop().time()
        await asyncio.wait_for(asyncio.gather(*(writer.store(_item(n)) for n in range(20))), 20)
        return asyncio.get_running_loop().time() - start

    try:
        took = asyncio.run(store_all())
    finally:
        writer.close()
    assert took < 10  # two full batches of 10, not a 30 s linger
    assert (writer.writes, writer.batches) == (20, 2)


def test_a_failed_write_fails_alone_and_the_rest_of_its_batch_is_committed(db_path: Path) -> None:
    writer = StoreWriter(str(db_path), keep_html=False, batch_size=100, linger=0.5)

    def broken(archive: Archive) -> None:
        archive.connection.execute("INSERT INTO articles (id) VALUES ('half-written')")

    async def store_three() -> list[object]:
        return await asyncio.gather(
            writer.store(_item(1)),
            writer.write(broken),
            writer.store(_item(2)),
            return_exceptions=True,
        )

    try:
        results = asyncio.run(store_three())
    finally:
        writer.close()
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], sqlite3.IntegrityError)
    assert _stored(db_path)[0] == {"a1", "a2"}
    assert writer.batches == 1


_KILLED_CHILD = textwrap.dedent("""
    import asyncio, sys
    from crawler.store.writer import StoreWriter
    from tests.crawler.test_store_writer import _item

    async def main():
        writer = StoreWriter(sys.argv[1], keep_html=True, batch_size=100, linger=0)
        await asyncio.gather(*(writer.store(_item(n)) for n in range(3)))
        writer.linger = 600  # the next batch waits for more: it is never committed
        pending = [asyncio.ensure_future(writer.store(_item(n))) for n in range(3, 6)]
        await asyncio.sleep(0.2)
        print("queued", flush=True)
        await asyncio.sleep(600)

    asyncio.run(main())
""")


@pytest.mark.slow
def test_a_process_killed_mid_batch_keeps_the_committed_batches_and_nothing_of_the_open_one(
    db_path: Path,
) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", _KILLED_CHILD, str(db_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        try:
            assert child.stdout is not None and child.stdout.readline().strip() == "queued"
        finally:
            child.kill()  # SIGKILL: no cleanup, no COMMIT
            child.wait()
    ids, urls = _stored(db_path)
    assert ids == {"a0", "a1", "a2"}
    assert urls == {u for n in range(3) for u in _item(n).seen_urls}  # none without its article


def test_a_write_after_close_fails_instead_of_waiting_for_ever(db_path: Path) -> None:
    writer = StoreWriter(str(db_path), keep_html=False, batch_size=10, linger=0.01)
    writer.close()

    async def store_one() -> None:
        await asyncio.wait_for(writer.store(_item(1)), 5)

    with pytest.raises(StorageError, match="closed"):
        asyncio.run(store_one())
