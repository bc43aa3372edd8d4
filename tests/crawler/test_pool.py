"""The extraction pool: a worker that dies costs one page, reported, and the crawl goes on."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from crawler.items import FetchedPage
from crawler.pool import WORKER_CRASHED, ExtractionPool, PoolFeed
from crawler.runner import EXIT_OK, EXIT_PARTIAL, CrawlReport
from dedup import DedupConfig

_BODY = ("<html><head><title>Pumps on the canal</title></head><body><article><h1>Pumps on the "
         "canal</h1>" + "<p>The district installed four solar pumps on the old canal this week, "
         "and farmers say the water now reaches the upper fields by noon.</p>" * 6
         + "</article></body></html>").encode()


class _KillsTheWorker:
    """A stand-in config whose unpickling ends the worker process at once (as a crash would)."""

    def __reduce__(self) -> tuple[object, tuple[int]]:
        return (os._exit, (3,))


def _page() -> FetchedPage:
    return FetchedPage(url="http://127.0.0.1:9/news/pumps/", outlet="canal-news", body=_BODY,
                       fetched="2026-11-09T10:00:00+00:00")


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
    crashed = CrawlReport(outlets=["a"], finish_reason="finished",
                          stats={f"newsmon/extract/failed/{WORKER_CRASHED}": 3})
    assert (ok.exit_status, crashed.exit_status) == (EXIT_OK, EXIT_PARTIAL)
    assert crashed.summary_lines()[0] == (
        "error: 3 pages were not extracted because an extraction worker died (see the log); "
        "the next crawl fetches them again")


def test_pool_feed_counts_the_time_with_fewer_pages_in_flight_than_workers(
        monkeypatch: pytest.MonkeyPatch) -> None:
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
    assert feed.describe() == ("3 pages, at most 2 in flight; fewer than 2 in flight for 2.0 s "
                               "of 10.0 s (20 %)")
