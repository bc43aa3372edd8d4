"""Downloader middlewares: conditional fetches of feeds and sitemaps, robots.txt Crawl-delay."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from crawler.demo.server import Response as Page
from crawler.demo.server import serve_sample_outlets
from crawler.fetch.middlewares import ConditionalFetchMiddleware, HeadMetaRefreshMiddleware
from crawler.store.archive import Archive

_FEED = "https://example.kz/rss"


class _Spider:
    """What the middleware asks of the spider: its outlets and which of them settled."""

    def __init__(self, settled: list[str]) -> None:
        self.outlets = {"kz": None, "kg": None}
        self._settled = settled

    def settled_outlets(self) -> list[str]:
        return self._settled


def _middleware(db_path: Path) -> ConditionalFetchMiddleware:
    return ConditionalFetchMiddleware(str(db_path), get_crawler().stats)


def _feed_request(outlet: str = "kz") -> Request:
    return Request(_FEED, meta={"kind": "feed", "outlet": outlet})


def test_validators_of_a_settled_outlet_are_sent_next_time(db_path: Path) -> None:
    first = _middleware(db_path)
    first.spider_opened(_Spider([]))
    request = _feed_request()
    first.process_request(request)
    assert b"If-None-Match" not in request.headers
    first.process_response(
        request,
        Response(
            _FEED,
            status=200,
            headers={"ETag": '"v1"', "Last-Modified": "Wed, 11 Nov 2026 08:30:00 GMT"},
        ),
    )
    first.spider_closed(_Spider(["kz"]), "finished")

    second = _middleware(db_path)
    second.spider_opened(_Spider([]))
    request = _feed_request()
    second.process_request(request)
    assert request.headers[b"If-None-Match"] == b'"v1"'
    assert request.headers[b"If-Modified-Since"] == b"Wed, 11 Nov 2026 08:30:00 GMT"
    assert 304 in request.meta["handle_httpstatus_list"]
    second.process_response(request, Response(_FEED, status=304))
    assert second.stats.get_value("newsmon/discovery/not_modified") == 1


def test_validators_are_not_saved_when_the_crawl_or_the_outlet_left_work_behind(
    db_path: Path,
) -> None:
    for reason, settled in (("shutdown", ["kz"]), ("finished", [])):
        middleware = _middleware(db_path)
        middleware.spider_opened(_Spider([]))
        request = _feed_request()
        middleware.process_request(request)
        middleware.process_response(request, Response(_FEED, status=200, headers={"ETag": '"v1"'}))
        middleware.spider_closed(_Spider(settled), reason)
    with Archive(db_path) as archive:
        assert archive.get_outlet_state("kz", "validators") is None


def test_article_requests_are_left_alone(db_path: Path) -> None:
    middleware = _middleware(db_path)
    request = Request("https://example.kz/news/1", meta={"outlet": "kz"})
    middleware.process_request(request)
    assert "handle_httpstatus_list" not in request.meta


def _crawl_osh24_with_robots(
    tmp_path: Path, robots: bytes, *args: str
) -> tuple[subprocess.CompletedProcess[str], dict]:
    """Crawl the sample outlet osh24 serving ``robots`` as its robots.txt: the finished
    process, and the stats its run recorded."""
    db = tmp_path / "robots.db"
    with serve_sample_outlets(["osh24"]) as sites:
        sites.add_route("osh24", "/robots.txt", Page(200, {"Content-Type": "text/plain"}, robots))
        registry = sites.write_registry(tmp_path / "outlets.toml")
        done = subprocess.run(
            [sys.executable, "-m", "crawler", "crawl", "--outlets", str(registry), "--db", str(db),
             *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )  # fmt: skip
    with Archive(db) as archive:
        return done, json.loads(archive.runs(1)[0]["stats"])


def test_robots_crawl_delay_raises_the_outlets_download_delay(tmp_path: Path) -> None:
    done, stats = _crawl_osh24_with_robots(
        tmp_path,
        b"User-agent: *\nCrawl-delay: 0.2\n",
        "--max-articles", "2", "-s", "AUTOTHROTTLE_ENABLED=false", "-s", "DOWNLOAD_DELAY=0",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert stats["newsmon/politeness/crawl_delay_hosts"] == 1


def test_a_crawl_delay_over_the_maximum_refuses_the_host_instead_of_waiting(
    tmp_path: Path,
) -> None:
    # Crawl-delay: 86400 held the crawl for a day after robots.txt, SIGTERM included
    done, stats = _crawl_osh24_with_robots(tmp_path, b"User-agent: *\nCrawl-delay: 86400\n")
    assert done.returncode == 1, done.stderr[-2000:]
    assert "refused" in done.stderr and "crawl-delay" in done.stderr, done.stderr[-2000:]
    assert stats["newsmon/refused/crawl-delay"] >= 1


def _refresh_middleware() -> HeadMetaRefreshMiddleware:
    crawler = get_crawler(settings_dict={"METAREFRESH_ENABLED": True})
    return HeadMetaRefreshMiddleware.from_crawler(crawler)


def _html(url: str, head: str, body: str = "") -> HtmlResponse:
    page = f"<html><head>{head}</head><body>{body}</body></html>"
    return HtmlResponse(
        url, body=page.encode("utf-8"), headers={"Content-Type": "text/html; charset=utf-8"}
    )


def test_a_meta_refresh_in_the_head_is_followed() -> None:
    url = "https://example.kz/news/1/"
    response = _html(
        url, '<META HTTP-EQUIV="Refresh" content="0; url=/news/1/amp/">', "Ж" * 3000
    )  # two bytes a character: still within Scrapy's 4,096
    followed = _refresh_middleware().process_response(Request(url), response)
    assert isinstance(followed, Request)
    assert followed.url == "https://example.kz/news/1/amp/"


@pytest.mark.parametrize(
    "head",
    [
        '<meta http-equiv="X-UA-Compatible" content="IE=edge">',
        "<script>setInterval(refreshAds, 30000)</script>",
    ],
)
def test_a_page_without_meta_refresh_is_passed_on_undecoded(head: str) -> None:
    url = "https://example.kz/news/2/"
    response = _html(url, head, "<p>Wagons are short again.</p>" * 500)
    assert _refresh_middleware().process_response(Request(url), response) is response
    assert response._cached_ubody is None  # never decoded to text


def test_downloader_stats_keep_every_count_but_the_request_bytes() -> None:
    import logging

    from scrapy.statscollectors import MemoryStatsCollector

    from crawler.fetch.extensions import QuietLogFormatter
    from crawler.fetch.middlewares import RequestCountStats

    stats = MemoryStatsCollector(get_crawler())
    middleware = RequestCountStats(stats)
    request = Request("http://127.0.0.1:9/news/pumps/")
    response = HtmlResponse(request.url, body=b"<html></html>", request=request)
    middleware.process_request(request)
    assert middleware.process_response(request, response) is response
    stats.inc_value("x")
    got = stats.get_stats()
    assert got["downloader/request_count"] == got["downloader/response_count"] == 1
    assert got["downloader/response_status_count/200"] == 1
    assert got["downloader/response_bytes"] > len(response.body)
    assert "downloader/request_bytes" not in got and got["x"] == 1

    formatter = QuietLogFormatter()
    scrapy_logger = logging.getLogger("scrapy")
    saved = scrapy_logger.level
    try:
        scrapy_logger.setLevel(logging.INFO)  # what LogLevelExtension does at -v
        assert formatter.crawled(request, response, None) is None
        scrapy_logger.setLevel(logging.DEBUG)
        assert formatter.crawled(request, response, None)["level"] == logging.DEBUG
    finally:
        scrapy_logger.setLevel(saved)


def test_a_broken_child_sitemap_is_among_its_outlet_s_failures(tmp_path: Path) -> None:
    # "bad-gzip" was logged, but the outlet report showed no failure
    db = tmp_path / "broken.db"
    with serve_sample_outlets(["silk-road-times"]) as sites:
        base = sites.base_url("silk-road-times")
        index = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{base}/broken.xml.gz</loc></sitemap></sitemapindex>"
        ).encode()
        sites.add_route(
            "silk-road-times",
            "/sitemap_index.xml",
            Page(200, {"Content-Type": "application/xml"}, index),
        )
        sites.add_route(
            "silk-road-times",
            "/broken.xml.gz",
            Page(200, {"Content-Type": "application/x-gzip"}, b"\x1f\x8b\x08\x00not gzip at all"),
        )
        registry = sites.write_registry(tmp_path / "outlets.toml")
        subprocess.run(
            [sys.executable, "-m", "crawler", "crawl", "--outlets", str(registry), "--db", str(db)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    done = subprocess.run(
        [sys.executable, "-m", "crawler", "report", "outlets", "--db", str(db), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    (row,) = json.loads(done.stdout)["outlets"]
    assert row["failures"].get("sitemap bad-gzip") == 1, row["failures"]


def test_a_long_retry_after_is_not_retried_in_this_run() -> None:
    # a 503 with Retry-After: 3600 was asked for again at once, twice
    from datetime import UTC, datetime

    from scrapy import Spider
    from scrapy.downloadermiddlewares.retry import RetryMiddleware

    from crawler.fetch.middlewares import RetryAfterMiddleware, retry_after_seconds

    crawler = get_crawler(settings_dict={"NEWSMON_RETRY_AFTER_MAX": 60.0, "RETRY_TIMES": 2})
    crawler.spider = Spider.from_crawler(crawler, name="polite")
    polite = RetryAfterMiddleware.from_crawler(crawler)
    retry = RetryMiddleware.from_crawler(crawler)
    for header, retried in ((b"3600", False), (b"5", True), (None, True)):
        request = Request("https://example.kz/news/1")
        headers = {"Retry-After": header} if header else {}
        response = Response(request.url, status=503, headers=headers, request=request)
        after = retry.process_response(request, polite.process_response(request, response))
        assert isinstance(after, Request) is retried, header
    assert crawler.stats.get_value("newsmon/politeness/retry_after") == 1
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    assert retry_after_seconds(b"Mon, 07 Dec 2026 13:00:00 GMT", now) == 3600.0
