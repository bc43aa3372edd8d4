"""The extraction pool: a worker that dies costs one page, reported, and the crawl goes on."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable

import pytest

from crawler.fetch.pool import WORKER_CRASHED, ExtractionPool, PoolFeed, PoolResult
from crawler.fetch.runner import EXIT_OK, EXIT_PARTIAL, CrawlReport
from crawler.items import FetchedPage
from dedup import DedupConfig

_BODY = (
    "<html><head><title>Pumps on the canal</title></head><body><article><h1>Pumps on the "
    "canal</h1>" + "<p>The district installed four solar pumps on the old canal this week, "
    "and farmers say the water now reaches the upper fields by noon.</p>"
    * 6
    + "</article></body></html>"
).encode()


class _KillsTheWorker:
    """A stand-in config whose unpickling ends the worker process at once (as a crash would)."""

    def __reduce__(self) -> tuple[object, tuple[int]]:
        return (os._exit, (3,))


def _page() -> FetchedPage:
    return FetchedPage(
        url="http://127.0.0.1:9/news/pumps/",
        outlet="canal-news",
        body=_BODY,
        fetched="2026-11-09T10:00:00+00:00",
    )


def test_a_page_is_extracted_and_signed_in_a_worker_process() -> None:
    pool = ExtractionPool(DedupConfig(), workers=1)
    try:
        result = asyncio.run(pool.extract(_page()))
    finally:
        pool.close()
    assert result.error is None and result.article is not None
    assert result.article.title == "Pumps on the canal"
    assert result.signature


def test_a_dying_worker_is_reported_for_its_page_and_the_pool_is_rebuilt() -> None:
    pool = ExtractionPool(_KillsTheWorker(), workers=1)
    try:
        first = asyncio.run(pool.extract(_page()))
        second = asyncio.run(pool.extract(_page()))
    finally:
        pool.close()
    assert (first.error, first.article) == (WORKER_CRASHED, None)
    assert second.error == WORKER_CRASHED  # a new pool, which (here) dies again: still reported


def test_pages_lost_to_a_dead_worker_make_the_run_a_partial_failure() -> None:
    ok = CrawlReport(outlets=["a"], finish_reason="finished", stats={})
    crashed = CrawlReport(
        outlets=["a"],
        finish_reason="finished",
        stats={f"newsmon/extract/failed/{WORKER_CRASHED}": 3},
    )
    assert (ok.exit_status, crashed.exit_status) == (EXIT_OK, EXIT_PARTIAL)
    assert crashed.summary_lines()[0] == (
        "error: 3 pages were not extracted because an extraction worker died (see the log); "
        "the next crawl fetches them again"
    )


def test_pool_feed_counts_the_time_with_fewer_pages_in_flight_than_workers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = iter([0.0, 1.0, 3.0, 4.0, 10.0])
    monkeypatch.setattr(time, "monotonic", lambda: next(clock))
    feed = PoolFeed(workers=2)
    feed.change(+1)  # t=0: one page, one worker idle
    feed.change(+1)  # t=1: two pages, both busy
    feed.change(-1)  # t=3: one answered
    feed.change(+1)  # t=4: busy again
    feed.change(-1)  # t=10
    assert (feed.pages, feed.most_in_flight, feed.in_flight) == (3, 2, 1)
    assert feed.starved_s == 2.0  # 0-1 and 3-4
    assert feed.describe() == (
        "3 pages, at most 2 in flight; fewer than 2 in flight for 2.0 s of 10.0 s (20 %)"
    )


def test_many_pages_at_once_each_get_their_own_result_from_two_workers() -> None:
    def page(n: int) -> FetchedPage:
        body = _BODY.replace(b"Pumps on the canal", f"Pump {n} on the canal".encode())
        return FetchedPage(
            url=f"http://127.0.0.1:9/news/pumps-{n}/",
            outlet="canal-news",
            body=body + b"<!--" + b"x" * 300_000 + b"-->",  # over a pipe's 64 KB
            fetched="2026-11-09T10:00:00+00:00",
        )

    async def extract_all(pool: ExtractionPool) -> list[object]:
        return await asyncio.gather(*(pool.extract(page(n)) for n in range(12)))

    pool = ExtractionPool(DedupConfig(), workers=2)
    try:
        results = asyncio.run(extract_all(pool))
        again = asyncio.run(pool.extract(page(99)))  # a new event loop: the same workers
    finally:
        pool.close()
    assert [r.article.title for r in results] == [f"Pump {n} on the canal" for n in range(12)]
    assert again.article is not None and again.article.title == "Pump 99 on the canal"
    assert pool.feed.pages == 13 and pool.feed.in_flight == 0


def test_started_workers_start_beside_the_loop_and_then_extract_the_first_page() -> None:
    pool = ExtractionPool(DedupConfig(), workers=2)

    async def start_then_extract() -> tuple[int, list[bool], object]:
        pool.start()
        starting = pool._starting  # started from a thread: start() returned at once
        async with asyncio.timeout(60):
            while len(pool._pool) < 2:
                await asyncio.sleep(0.01)
        alive = [w.process.is_alive() for w in pool._pool]
        return starting, alive, await pool.extract(_page())

    try:
        starting, alive, result = asyncio.run(start_then_extract())
        assert len(pool._pool) == 2 and pool._starting == 0  # the page went to a started one
    finally:
        pool.close()
    assert starting == 2 and alive == [True, True]
    assert result.error is None and result.article is not None


def _start_and_extract(
    pool: ExtractionPool, start: Callable[[], None], pages: int = 1
) -> list[PoolResult]:
    """Start ``pool`` with ``start``, then extract ``pages`` pages at once (within 30 s)."""

    async def run() -> list[PoolResult]:
        start()
        extracts = asyncio.gather(*(pool.extract(_page()) for _ in range(pages)))
        return await asyncio.wait_for(extracts, timeout=30)

    return asyncio.run(run())


def test_pages_that_come_while_the_workers_start_wait_for_them() -> None:
    pool = ExtractionPool(DedupConfig(), workers=2)
    try:
        results = _start_and_extract(pool, pool.start, pages=5)
        assert len(pool._pool) == 2  # no third worker for the pages that came first
    finally:
        pool.close()
    assert all(r.error is None and r.article is not None for r in results)


def test_a_worker_that_fails_to_start_is_started_again_for_the_waiting_pages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import crawler.fetch.pool

    real, failures = crawler.fetch.pool._Worker, []

    def fails_once(*args: object) -> object:
        if not failures:
            failures.append("fork")
            raise OSError("cannot fork")
        return real(*args)

    monkeypatch.setattr(crawler.fetch.pool, "_Worker", fails_once)
    pool = ExtractionPool(DedupConfig(), workers=1)
    try:
        (result,) = _start_and_extract(pool, pool.start)
    finally:
        pool.close()
    assert failures == ["fork"] and result.error is None and result.article is not None


def test_pages_fail_instead_of_waiting_for_ever_when_no_worker_can_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import crawler.fetch.pool

    def cannot_start(*args: object) -> object:
        raise OSError("cannot fork")

    monkeypatch.setattr(crawler.fetch.pool, "_Worker", cannot_start)
    pool = ExtractionPool(DedupConfig(), workers=1)
    try:
        with pytest.raises(OSError, match="cannot fork"):
            _start_and_extract(pool, pool.start)
    finally:
        pool.close()


def _parent_pid(pid: int) -> int:
    with open(f"/proc/{pid}/stat", "rb") as stat:
        return int(stat.read().rsplit(b")", 1)[1].split()[1])


# A process of its own: run by pytest's, which may have threads of other tests left.
_FORKED_POOL = """
import asyncio, json, os, signal
from crawler.fetch.pool import ExtractionPool
from dedup import DedupConfig
from tests.crawler.test_pool import _page, _parent_pid

pool = ExtractionPool(DedupConfig(), workers=2)

async def run():
    pool.start_forked()
    forked = [_parent_pid(w.process.pid) == os.getpid() for w in pool._pool]
    pages = await asyncio.gather(*(pool.extract(_page()) for _ in range(6)))
    killed = pool._pool[0]
    os.kill(killed.process.pid, signal.SIGKILL)
    async with asyncio.timeout(60):
        while killed in pool._pool:  # the end of its pipe tells the pool
            await asyncio.sleep(0.01)
    after = await asyncio.gather(*(pool.extract(_page()) for _ in range(4)))
    replaced = [_parent_pid(w.process.pid) == os.getpid() for w in pool._pool]
    return forked, pages, after, replaced

forked, pages, after, replaced = asyncio.run(run())
workers = list(pool._pool)
pool.close()
print(json.dumps({
    "forked": forked,
    "titles": [r.article.title for r in pages + after if r.article],
    "replaced": replaced,
    "exit_codes": [w.process.exitcode for w in workers],
}))
"""


def test_workers_forked_from_a_process_without_threads_extract_and_end_when_closed() -> None:
    import json
    import subprocess
    import sys
    from pathlib import Path

    done = subprocess.run(
        [sys.executable, "-c", _FORKED_POOL],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["forked"] == [True, True]  # children of the pool's process, not the forkserver's
    assert out["titles"] == ["Pumps on the canal"] * 10
    # the killed worker's successor comes from the forkserver; the forked one is still there
    assert sorted(out["replaced"]) == [False, True]
    # each worker read the end of its task pipe and ended by itself: none holds another's pipe
    assert out["exit_codes"] == [0, 0]


def test_workers_come_from_the_forkserver_when_the_process_has_other_threads() -> None:
    import threading

    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    pool = ExtractionPool(DedupConfig(), workers=1)
    try:
        (result,) = _start_and_extract(pool, pool.start_forked)
        parents = [_parent_pid(w.process.pid) for w in pool._pool]
    finally:
        stop.set()
        pool.close()
    assert result.error is None and result.article is not None
    assert parents and os.getpid() not in parents


def test_the_summary_says_why_article_requests_failed() -> None:
    report = CrawlReport(
        outlets=["a"],
        finish_reason="finished",
        stats={"newsmon/articles/failed/robots": 6, "newsmon/articles/failed/http-404": 1},
    )
    line = next(line for line in report.summary_lines() if line.startswith("crawled "))
    assert line.endswith("0 pages skipped, 7 failed (robots 6, http-404 1)")
