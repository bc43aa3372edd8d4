"""Downloader middlewares: conditional fetches of feeds and sitemaps, robots.txt Crawl-delay,
a meta-refresh check that does not decode every page on the reactor, and downloader stats that
do not render every request as text."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import signals
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.downloadermiddlewares.stats import DownloaderStats
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.httpobj import urlparse_cached

from crawler.fetch.domains import Refused, check_request, count_refusal
from crawler.store.archive import Archive
from crawler.times import now_iso

logger = logging.getLogger(__name__)

_VALIDATORS_KEY = "validators"  # outlet_state key: {url: {"etag": ..., "last_modified": ...}}
_CONDITIONAL_KINDS = frozenset({"feed", "sitemap"})


class ConditionalFetchMiddleware:
    """Fetch feeds and sitemaps with If-None-Match / If-Modified-Since; a 304 is "nothing new".

    The ETag and Last-Modified of every feed and sitemap (requests whose ``meta["kind"]`` is
    ``feed`` or ``sitemap``) are kept per outlet in the archive's ``outlet_state`` (key
    ``validators``). A 304 reaches the spider's callback (``handle_httpstatus_list``), which
    counts the source as answered and parses nothing.

    Validators are saved only when the crawl finishes (finish reason ``finished``) and only for
    the outlets the spider reports as settled (``spider.settled_outlets()``: no article failed
    or was left over the per-run limit): a crawl killed half-way, or one that left articles
    behind, asks for the full feed again next time, so a 304 never hides an unfetched article.

    Reads NEWSMON_CONDITIONAL_FETCH_ENABLED, NEWSMON_DB. Writes the stats
    ``newsmon/discovery/conditional`` (requests sent with a validator) and
    ``newsmon/discovery/not_modified`` (304 answers).
    """

    def __init__(self, db_path: str, stats: Any) -> None:
        self.db_path = db_path
        self.stats = stats
        self.known: dict[str, dict[str, dict[str, str]]] = {}
        self.fresh: dict[str, dict[str, dict[str, str]]] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> ConditionalFetchMiddleware:
        s = crawler.settings
        if not s.getbool("NEWSMON_CONDITIONAL_FETCH_ENABLED"):
            raise NotConfigured("NEWSMON_CONDITIONAL_FETCH_ENABLED is false")
        if not s.get("NEWSMON_DB"):
            raise NotConfigured("NEWSMON_DB is empty")
        middleware = cls(s.get("NEWSMON_DB"), crawler.stats)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self, spider: Any) -> None:
        """Load the validators of the spider's outlets."""
        with Archive(self.db_path) as archive:
            for outlet in getattr(spider, "outlets", {}):
                saved = archive.get_outlet_state(outlet, _VALIDATORS_KEY)
                self.known[outlet] = json.loads(saved) if saved else {}

    def process_request(self, request: Request) -> None:
        if request.meta.get("kind") not in _CONDITIONAL_KINDS:
            return
        request.meta["handle_httpstatus_list"] = [
            *request.meta.get("handle_httpstatus_list", ()),
            304,
        ]
        validators = self.known.get(request.meta.get("outlet", ""), {}).get(request.url)
        if not validators:
            return
        if validators.get("etag"):
            request.headers.setdefault(b"If-None-Match", validators["etag"])
        if validators.get("last_modified"):
            request.headers.setdefault(b"If-Modified-Since", validators["last_modified"])
        self.stats.inc_value("newsmon/discovery/conditional")

    def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get("kind") not in _CONDITIONAL_KINDS:
            return response
        if response.status == 304:
            self.stats.inc_value("newsmon/discovery/not_modified")
        elif response.status == 200:
            validators = {
                name: value.decode("latin-1")
                for name, value in (
                    ("etag", response.headers.get(b"ETag")),
                    ("last_modified", response.headers.get(b"Last-Modified")),
                )
                if value
            }
            if validators:
                self.fresh.setdefault(request.meta.get("outlet", ""), {})[request.url] = validators
        return response

    def spider_closed(self, spider: Any, reason: str) -> None:
        """Save the new validators of the settled outlets, if the crawl finished."""
        if reason != "finished" or not self.fresh:
            return
        settled = set(spider.settled_outlets())
        when = now_iso()
        with Archive(self.db_path) as archive:
            for outlet, fresh in self.fresh.items():
                if outlet in settled:
                    merged = {**self.known.get(outlet, {}), **fresh}
                    archive.set_outlet_state(outlet, _VALIDATORS_KEY, json.dumps(merged), when)


# The refusal of a request to a host whose robots.txt asks for a Crawl-delay over the maximum.
CRAWL_DELAY = "crawl-delay"


class CrawlDelayMiddleware:
    """Keep each host's download delay at least its robots.txt ``Crawl-delay``.

    Runs after Scrapy's ``RobotsTxtMiddleware`` and asks it for the host's parsed robots.txt
    (fetched once per host). When the file sets a Crawl-delay for our user agent, the host's
    download slot gets that delay and AutoThrottle is told not to lower it.

    Reads NEWSMON_CRAWL_DELAY_ENABLED, ROBOTSTXT_OBEY, ROBOTSTXT_USER_AGENT, USER_AGENT. Writes
    ``newsmon/politeness/crawl_delay_hosts`` (hosts whose delay was raised).
    """

    def __init__(self, crawler: Any, user_agent: str, max_delay: float = 60.0) -> None:
        self.crawler = crawler
        self.user_agent = user_agent
        self.max_delay = max_delay
        self.delays: dict[str, float | None] = {}
        self._robots: RobotsTxtMiddleware | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlDelayMiddleware:
        s = crawler.settings
        if not s.getbool("NEWSMON_CRAWL_DELAY_ENABLED"):
            raise NotConfigured("NEWSMON_CRAWL_DELAY_ENABLED is false")
        if not s.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured("ROBOTSTXT_OBEY is false")
        return cls(
            crawler,
            s.get("ROBOTSTXT_USER_AGENT") or s.get("USER_AGENT"),
            s.getfloat("NEWSMON_CRAWL_DELAY_MAX"),
        )

    def _robots_middleware(self) -> RobotsTxtMiddleware | None:
        if self._robots is None:
            self._robots = next(
                (
                    m
                    for m in self.crawler.engine.downloader.middleware.middlewares
                    if isinstance(m, RobotsTxtMiddleware)
                ),
                None,
            )
        return self._robots

    async def process_request(self, request: Request) -> None:
        if request.meta.get("dont_obey_robotstxt") or not request.url.startswith("http"):
            return
        netloc = urlparse_cached(request).netloc
        if netloc not in self.delays:
            robots = self._robots_middleware()
            parser = await robots.robot_parser(request) if robots else None
            self.delays[netloc] = parser.crawl_delay(self.user_agent) if parser else None
        delay = self.delays[netloc]
        if not delay:
            return
        if delay > self.max_delay:
            # a crawl at that pace would wait for hours (Crawl-delay: 86400 held the whole
            # crawl, SIGTERM included); crawling faster than asked would not be polite
            count_refusal(self.crawler, request.meta.get("outlet"), CRAWL_DELAY, request.url)
            raise Refused(
                CRAWL_DELAY,
                f"{netloc} asks for a Crawl-delay of {delay:g} s, over "
                f"NEWSMON_CRAWL_DELAY_MAX={self.max_delay:g}",
            )
        request.meta["autothrottle_dont_adjust_delay"] = True
        downloader = self.crawler.engine.downloader
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is not None and slot.delay < delay:
            logger.info("%s asks for a Crawl-delay of %gs", netloc, delay)
            slot.delay = delay
            self.crawler.stats.inc_value("newsmon/politeness/crawl_delay_hosts")


# Scrapy's meta-refresh check reads the first 4,096 characters of the page: at most 4 bytes each
# in UTF-8 and the single-byte encodings. UTF-16 and UTF-32 pages (a BOM) are left to Scrapy.
_REFRESH_HEAD_BYTES = 4 * 4096
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff")


class HeadMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's ``MetaRefreshMiddleware``, which first looks for ``http-equiv`` and ``refresh``
    in the page's head bytes and decodes the page only when both are there (13 of the 181 AEB
    pages).

    Scrapy's own decodes every HTML page to text (``response.text``, encoding detection
    included) to look for ``<meta http-equiv="refresh">``: 7 % of the reactor's time in the
    bench/throughput.py profile, for pages that hardly ever have one. Same settings as Scrapy's
    (METAREFRESH_ENABLED, METAREFRESH_IGNORE_TAGS, METAREFRESH_MAXDELAY). A refresh to a URL
    off the outlet's ``allowed_domains`` is refused (``crawler.fetch.domains.check_request``).
    """

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if isinstance(response, HtmlResponse) and not _may_refresh(response.body):
            return response
        result = super().process_response(request, response)
        if isinstance(result, Request):  # a refresh off the outlet's domains is refused
            check_request(self.crawler, result)
        return result


def _may_refresh(body: bytes) -> bool:
    """False when ``body`` surely has no meta refresh within Scrapy's look-ahead: a refresh is
    a ``<meta http-equiv="refresh">`` (pages often have one or the other word, rarely both)."""
    if body.startswith(_WIDE_BOMS):
        return True
    head = body[:_REFRESH_HEAD_BYTES].lower()
    return b"http-equiv" in head and b"refresh" in head


class RetryAfterMiddleware:
    """Do not retry, in this run, a response whose ``Retry-After`` asks for a longer wait than
    ``NEWSMON_RETRY_AFTER_MAX`` (a 503 with ``Retry-After: 3600`` was asked for again at once,
    twice): the next run asks again. Runs before Scrapy's ``RetryMiddleware`` (it sets
    ``dont_retry``); counted in ``newsmon/politeness/retry_after``."""

    def __init__(self, stats: Any, longest: float) -> None:
        self.stats = stats
        self.longest = longest

    @classmethod
    def from_crawler(cls, crawler: Any) -> RetryAfterMiddleware:
        s = crawler.settings
        if not s.getbool("RETRY_ENABLED"):
            raise NotConfigured("RETRY_ENABLED is false")
        return cls(crawler.stats, s.getfloat("NEWSMON_RETRY_AFTER_MAX"))

    def process_response(self, request: Request, response: Response) -> Response:
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is not None and wait > self.longest:
            request.meta["dont_retry"] = True
            self.stats.inc_value("newsmon/politeness/retry_after")
        return response


def retry_after_seconds(value: bytes | None, now: datetime | None = None) -> float | None:
    """The wait a ``Retry-After`` header asks for, in seconds (delay-seconds or an HTTP date),
    or None for no header or one that cannot be read.

    Example:
        >>> retry_after_seconds(b"3600"), retry_after_seconds(b"soon"), retry_after_seconds(None)
        (3600.0, None, None)
    """
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - (now or datetime.now(UTC))).total_seconds()


class RequestCountStats(DownloaderStats):
    """Scrapy's ``DownloaderStats`` without ``downloader/request_bytes``.

    That one stat rebuilds every request as raw HTTP text (``request_httprepr``) only to take
    its length: ~45 µs per request on the reactor. Every other ``downloader/*`` stat is kept
    (request and response counts, status counts, response bytes, exceptions). Takes the place
    of Scrapy's in ``DOWNLOADER_MIDDLEWARES``; off with ``DOWNLOADER_STATS`` as Scrapy's is.
    """

    def process_request(self, request: Request) -> None:
        self.stats.inc_value("downloader/request_count")
        self.stats.inc_value(f"downloader/request_method_count/{request.method}")
