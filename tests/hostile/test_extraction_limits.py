"""A page that costs too much CPU or memory is skipped with a reason; its worker is replaced.

The limits are made small here and the pathological pages large, so that a page always exceeds
them whatever the machine's speed: ~8 MB of link lines need many seconds of CPU against a 0.2 s
limit; 500,000 ``<br>`` grow a worker far past 400 MB.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

from crawler.fetch.pool import EXTRACTION_MEMORY, EXTRACTION_TIMEOUT, ExtractionPool
from crawler.items import FetchedPage
from crawler.store.archive import Archive
from dedup import DedupConfig
from tests.hostile.outlet_server import Outlet, Page, serve_outlets
from tests.hostile.pages import link_lines, many_breaks
from tests.newsmon_cli import FAST, run_newsmon

# Every test is bounded: a pool that never answered would fail here, not hang.
_BOUND_S = 120.0

_STORY = (
    "The district installed four solar pumps on the old canal this week, and farmers say "
    "the water now reaches the upper fields by noon."
)


def _page(body: bytes, slug: str) -> FetchedPage:
    return FetchedPage(
        url=f"http://127.0.0.1:9/news/{slug}",
        outlet="canal-news",
        body=body,
        fetched="2026-11-09T10:00:00+00:00",
    )


def _good(n: int) -> FetchedPage:
    body = (
        f"<html><head><title>Pumps {n}</title></head><body><article><h1>Pumps {n}</h1>"
        + f"<p>{_STORY} Item {n}.</p>" * 6
        + "</article></body></html>"
    ).encode()
    return _page(body, f"pumps-{n}")


def _extract_all(pool: ExtractionPool, pages: list[FetchedPage]) -> list[object]:
    async def run() -> list[object]:
        return list(
            await asyncio.wait_for(asyncio.gather(*(pool.extract(p) for p in pages)), _BOUND_S)
        )

    return asyncio.run(run())


def test_a_page_over_the_cpu_limit_is_skipped_and_the_pages_behind_it_are_extracted() -> None:
    pool = ExtractionPool(DedupConfig(), workers=1, timeout=0.2)
    try:
        results = _extract_all(pool, [_good(1), _page(link_lines(), "links"), _good(2), _good(3)])
    finally:
        pool.close()
    assert [r.error for r in results] == [None, EXTRACTION_TIMEOUT, None, None]
    assert "0.2 s" in results[1].detail


def test_a_page_over_the_memory_limit_is_skipped_and_its_worker_replaced() -> None:
    pool = ExtractionPool(DedupConfig(), workers=1, max_memory=400 * 1024 * 1024)
    try:
        results = _extract_all(pool, [_page(many_breaks(), "breaks"), _good(1)])
    finally:
        pool.close()
    assert [r.error for r in results] == [EXTRACTION_MEMORY, None]
    assert "400 MB" in results[0].detail


def test_a_crawl_skips_a_pathological_page_with_its_reason_and_stores_the_rest(
    tmp_path: Path,
) -> None:
    pages = [
        Page("links", body=link_lines()),
        Page("pumps", "Pumps on the canal", (_STORY, _STORY.replace("noon", "dawn"))),
    ]
    db = tmp_path / "a.db"
    with serve_outlets([Outlet("alpha", pages)]) as served:
        registry = served.write_registry(tmp_path / "outlets.toml")
        done = run_newsmon(
            "crawl",
            "--outlets",
            str(registry),
            "--db",
            str(db),
            *FAST,
            "-s",
            "NEWSMON_EXTRACT_TIMEOUT=0.2",
            timeout=_BOUND_S,
        )
        assert "1 new articles stored, 1 pages skipped" in done.stderr, done.stderr[-3000:]
        again = run_newsmon(
            "crawl",
            "--outlets",
            str(registry),
            "--db",
            str(db),
            *FAST,
            "-s",
            "NEWSMON_EXTRACT_TIMEOUT=0.2",
            timeout=_BOUND_S,
        )
        assert served.outlets["alpha"].gets["/news/links"] == 1  # not fetched again
    assert "0 new articles stored, 0 pages skipped" in again.stderr
    with Archive(db) as archive:
        assert [a.title for a in archive.articles()] == ["Pumps on the canal"]


def test_extract_command_gives_up_on_a_page_over_its_cpu_limit(tmp_path: Path) -> None:
    path = tmp_path / "links.html"
    path.write_bytes(link_lines())
    good = tmp_path / "good.html"
    good.write_bytes(_good(1).body)
    done = run_newsmon(
        "extract",
        str(path),
        str(good),
        timeout=_BOUND_S,
        env={**os.environ, "NEWSMON_EXTRACT_TIMEOUT": "0.2"},
    )
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert records[0]["error"] == EXTRACTION_TIMEOUT and "0.2 s" in records[0]["detail"]
    assert records[1]["title"] == "Pumps 1"
