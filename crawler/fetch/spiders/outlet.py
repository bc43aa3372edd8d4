"""The one spider: ``outlet``. It routes responses; discovery and extraction do the work.

For every selected outlet of the registry it requests the feeds, sitemaps and section pages,
turns what they list into article requests (pattern and domain checked, canonicalised, not seen
before) and yields each fetched article page as a ``FetchedPage`` for the pipelines.

Spider arguments (``-a NAME=VALUE`` with ``scrapy crawl``):
    outlet: comma-separated outlet ids (default: every outlet of the registry).
    outlets_file: the registry file (default: NEWSMON_OUTLETS_FILE, else the bundled one).
    max_articles: at most this many new articles per outlet (default: NEWSMON_MAX_ARTICLES).

Incremental: only URLs last seen within NEWSMON_SEEN_DAYS count as seen (a URL listed again
has its ``last_seen`` moved on at the end of the crawl, so it stays seen while it is listed); a
feed or sitemap that answers 304 (see ``crawler.fetch.middlewares.ConditionalFetchMiddleware``)
counts as answered and lists nothing; news sitemap entries published more than
NEWSMON_SITEMAP_MAX_AGE_DAYS ago are not requested, and the rest are requested newest first.

Seen URLs come from a ``crawler.store.seen.SeenStore``: the archive, or in worker mode
(NEWSMON_MODE=worker) the Redis sets every worker shares as well.

Hostile outlets: a source URL is requested once per outlet and run (a sitemap index that lists
itself is refused as ``sitemap-repeat``), sitemap indexes nest at most NEWSMON_SITEMAP_MAX_DEPTH
deep (``sitemap-depth``), at most NEWSMON_SITEMAP_MAX_FILES sitemaps are requested per outlet and
run (``sitemap-limit``), links longer than ``crawler.urls.MAX_URL_LENGTH`` are not followed
(``url-too-long``), and ``crawler.fetch.domains.OutletDomainMiddleware`` refuses requests and
redirects off the outlet's domains (``offsite``, ``offsite-redirect``). Each refusal is counted
under ``newsmon/refused/<reason>`` and per outlet (``newsmon/outlet/<id>/refused/<reason>``, and
``refused`` in ``newsmon/outlets/rows``, whose ``failures`` list the first refused URLs).

Settings read: NEWSMON_DB, NEWSMON_OUTLETS, NEWSMON_OUTLETS_FILE, NEWSMON_MAX_ARTICLES,
NEWSMON_SECTION_PAGES, NEWSMON_SEEN_DAYS, NEWSMON_SITEMAP_MAX_AGE_DAYS, NEWSMON_SITEMAP_MAX_DEPTH,
NEWSMON_SITEMAP_MAX_FILES, and for the seen store NEWSMON_MODE, NEWSMON_REDIS_URL,
NEWSMON_REDIS_PREFIX. Stats written:
``newsmon/discovery/<kind>/{ok,failed}``, ``newsmon/discovery/failed_reason/<reason>``,
``newsmon/discovery/sitemap/too_old``,
``newsmon/articles/{requested,seen_before,listed_twice,over_limit}``,
``newsmon/refused/<reason>``, ``newsmon/outlets/failed`` (the outlets none of whose sources
answered).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.fetch.discovery.feeds import feed_entries
from crawler.fetch.discovery.links import DiscoveryError, LinkEntry, article_links, newest_first
from crawler.fetch.discovery.sections import parse_section
from crawler.fetch.discovery.sitemaps import parse_sitemap
from crawler.fetch.domains import OFFSITE, Refused
from crawler.fetch.first_articles import article_lost
from crawler.items import FetchedPage, Priors
from crawler.store.archive import Archive
from crawler.store.seen import SeenStore, open_seen
from crawler.times import now_iso, parse_iso
from crawler.urls import MAX_URL_LENGTH, canonicalize
from settings.registry import Outlet, load_registry, outlet_by_id

logger = logging.getLogger(__name__)

# A sitemap index of a big outlet lists hundreds of children; the newest ones hold what is new.
_MAX_SITEMAP_CHILDREN = 20
# The run_outlets row lists at most this many refused URLs per outlet (the stats count them all).
_MAX_REFUSED_LISTED = 50


@dataclass(slots=True)
class OutletProgress:
    """What happened to one outlet's sources during this crawl."""

    sources: int = 0
    ok: int = 0
    failures: list[str] = field(default_factory=list)
    links: int = 0
    requested: int = 0
    failed: int = 0
    over_limit: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    refused_urls: list[str] = field(default_factory=list)
    # failures of the files its sources led to (a sitemap index's children): counted by kind
    # in the outlet report, but not as failed sources
    child_failures: list[str] = field(default_factory=list)
    sources_requested: set[str] = field(default_factory=set)
    sitemaps_requested: int = 0

    @property
    def unreachable(self) -> bool:
        """True when the outlet had sources and none of them answered usefully."""
        return self.sources > 0 and self.ok == 0 and len(self.failures) >= self.sources


class OutletSpider(scrapy.Spider):
    """Crawl outlets of the registry: discover new article links, fetch the articles."""

    name = "outlet"

    def __init__(
        self,
        outlets: list[Outlet],
        archive: Archive,
        seen: SeenStore,
        *,
        max_articles: int = 0,
        section_pages: int = 3,
        sitemap_max_age_days: float = 0,
        sitemap_max_depth: int = 3,
        sitemap_max_files: int = 100,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.outlets = {o.id: o for o in outlets}
        self.archive = archive
        self.max_articles = max_articles
        self.section_pages = section_pages
        self.sitemap_max_age = (
            timedelta(days=sitemap_max_age_days) if sitemap_max_age_days else None
        )
        self.sitemap_max_depth = sitemap_max_depth
        self.sitemap_max_files = sitemap_max_files
        self.progress = {o.id: OutletProgress() for o in outlets}
        self.seen = seen
        self._seen = {o.id: seen.load(o.id) for o in outlets}
        self._listed_again: dict[str, set[str]] = {o.id: set() for o in outlets}
        # URLs requested (or stored under) in this run: listed again, they are "listed twice",
        # not "already seen" by an earlier run
        self._this_run: dict[str, set[str]] = {o.id: set() for o in outlets}

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> OutletSpider:
        s = crawler.settings
        registry = load_registry(kwargs.pop("outlets_file", None) or s.get("NEWSMON_OUTLETS_FILE"))
        wanted = _split_ids(kwargs.pop("outlet", None)) or list(s.getlist("NEWSMON_OUTLETS"))
        outlets = [outlet_by_id(registry, i) for i in wanted] if wanted else list(registry)
        archive = Archive(s.get("NEWSMON_DB"))
        max_articles = int(kwargs.pop("max_articles", 0) or s.getint("NEWSMON_MAX_ARTICLES"))
        spider = cls(
            outlets,
            archive,
            open_seen(s, archive),
            max_articles=max_articles,
            section_pages=s.getint("NEWSMON_SECTION_PAGES"),
            sitemap_max_age_days=s.getfloat("NEWSMON_SITEMAP_MAX_AGE_DAYS"),
            sitemap_max_depth=s.getint("NEWSMON_SITEMAP_MAX_DEPTH"),
            sitemap_max_files=s.getint("NEWSMON_SITEMAP_MAX_FILES"),
            **kwargs,
        )
        spider._set_crawler(crawler)
        crawler.signals.connect(spider.spider_closed, signal=scrapy.signals.spider_closed)
        crawler.signals.connect(spider.item_dropped, signal=scrapy.signals.item_dropped)
        return spider

    # -- start ---------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        """Request every source (feed, sitemap, section page) of every selected outlet."""
        for outlet in self.outlets.values():
            sources = (
                [("feed", u) for u in outlet.feeds]
                + [("sitemap", u) for u in outlet.sitemaps]
                + [("section", u) for u in outlet.sections]
            )
            self.progress[outlet.id].sources = len(sources)
            for kind, url in sources:
                yield self._source_request(outlet, kind, url, depth=0)

    def _follow(self, outlet: Outlet, kind: str, url: str, depth: int) -> scrapy.Request | None:
        """A request for a source that a source listed, unless a limit refuses it."""
        progress = self.progress[outlet.id]
        reason = None
        if len(url) > MAX_URL_LENGTH:
            reason = "url-too-long"
        elif _source_key(url) in progress.sources_requested:
            reason = f"{kind}-repeat"
        elif kind == "sitemap" and depth > self.sitemap_max_depth:
            reason = "sitemap-depth"
        elif kind == "sitemap" and progress.sitemaps_requested >= self.sitemap_max_files:
            reason = "sitemap-limit"
        if reason is not None:
            self.count_refusal(outlet.id, reason, url)
            return None
        return self._source_request(outlet, kind, url, depth)

    def _source_request(self, outlet: Outlet, kind: str, url: str, depth: int) -> scrapy.Request:
        callback = {
            "feed": self.parse_feed,
            "sitemap": self.parse_sitemap,
            "section": self.parse_section,
        }[kind]
        progress = self.progress[outlet.id]
        progress.sources_requested.add(_source_key(url))
        if kind == "sitemap":
            progress.sitemaps_requested += 1
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.source_failed,
            priority=10,
            dont_filter=True,
            meta={
                "outlet": outlet.id,
                "kind": kind,
                "depth": depth,
                "top": depth == 0,
                "dont_obey_robotstxt": not outlet.obey_robots,
            },
        )

    # -- discovery callbacks -------------------------------------------------------------

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        """A feed: its items become article requests."""
        entries = self._discover(response, lambda: feed_entries(response.body, response.url))
        yield from self._article_requests(response.meta["outlet"], entries or [], "feed")

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        """A sitemap index (children, newest first) or a urlset (articles)."""
        sitemap = self._discover(response, lambda: parse_sitemap(response.body, response.url))
        if sitemap is None:
            return
        outlet = self.outlets[response.meta["outlet"]]
        if sitemap.kind == "index":
            # where a redirect led counts as requested too: an index may list its final URL
            self.progress[outlet.id].sources_requested.add(_source_key(response.url))
            children = sorted(
                sitemap.entries, key=lambda e: e.modified or e.published or "", reverse=True
            )[:_MAX_SITEMAP_CHILDREN]
            for child in children:
                request = self._follow(outlet, "sitemap", child.url, response.meta["depth"] + 1)
                if request is not None:
                    yield request
        else:
            entries = newest_first(sitemap.entries)
            if self.sitemap_max_age is not None:
                cutoff = datetime.now(UTC) - self.sitemap_max_age
                fresh = [e for e in entries if not _published_before(e, cutoff)]
                self.crawler.stats.inc_value(
                    "newsmon/discovery/sitemap/too_old", len(entries) - len(fresh)
                )
                entries = fresh
            yield from self._article_requests(outlet.id, entries, "sitemap")

    def parse_section(self, response: Response) -> Iterator[scrapy.Request]:
        """A listing page: article links, then its next pages up to NEWSMON_SECTION_PAGES."""
        page = self._discover(
            response, lambda: parse_section(response.body, response.url, _content_type(response))
        )
        if page is None:
            return
        outlet = self.outlets[response.meta["outlet"]]
        yield from self._article_requests(outlet.id, page.links, "section")
        depth = response.meta["depth"] + 1
        if depth < self.section_pages:
            for url in page.next_pages:
                request = self._follow(outlet, "section", url, depth)
                if request is not None:
                    yield request

    def _discover(self, response: Response, parse: Any) -> Any:
        """Run one discovery parser; count the outcome, record failures, never raise."""
        kind, outlet = response.meta["kind"], response.meta["outlet"]
        if response.status == 304:  # not modified since the last crawl: nothing new
            if response.meta["top"]:
                self.progress[outlet].ok += 1
            return None
        try:
            result = parse()
        except DiscoveryError as exc:
            self._record_failure(outlet, kind, exc.reason, response.url, response.meta["top"])
            return None
        self.crawler.stats.inc_value(f"newsmon/discovery/{kind}/ok")
        if response.meta["top"]:
            self.progress[outlet].ok += 1
        return result

    def source_failed(self, failure: Failure) -> None:
        """A feed, sitemap or section request failed (HTTP error, DNS, timeout, robots) or was
        refused (off the outlet's domains): a registry source that fails is a failure of the
        outlet, a listed one that is refused only a refusal."""
        request = failure.request  # type: ignore[attr-defined]
        self.crawler.signals.send_catch_log(article_lost, outlet=request.meta["outlet"])
        reason = _failure_reason(failure)
        if isinstance(failure.value, Refused) and not request.meta["top"]:
            return  # counted where it was refused
        self._record_failure(
            request.meta["outlet"], request.meta["kind"], reason, request.url, request.meta["top"]
        )

    def count_refusal(self, outlet: str, reason: str, url: str) -> None:
        """Count a request of ``outlet`` refused for ``reason`` (here, or by a middleware)."""
        self.crawler.stats.inc_value(f"newsmon/refused/{reason}")
        self.crawler.stats.inc_value(f"newsmon/outlet/{outlet}/refused/{reason}")
        progress = self.progress[outlet]
        progress.refused[reason] += 1
        if len(progress.refused_urls) < _MAX_REFUSED_LISTED:
            progress.refused_urls.append(f"refused {url[:200]}: {reason}")
        logger.info("outlet %s: refused %s: %s", outlet, url[:200], reason)

    def _record_failure(self, outlet: str, kind: str, reason: str, url: str, top: bool) -> None:
        stats = self.crawler.stats
        stats.inc_value(f"newsmon/discovery/{kind}/failed")
        stats.inc_value(f"newsmon/discovery/failed_reason/{reason}")
        progress = self.progress[outlet]
        if top:
            progress.failures.append(f"{kind} {url}: {reason}")
        elif len(progress.child_failures) < _MAX_REFUSED_LISTED:
            progress.child_failures.append(f"{kind} {url}: {reason}")
        logger.warning("outlet %s: %s %s failed: %s", outlet, kind, url, reason)

    # -- articles ------------------------------------------------------------------------

    def _article_requests(
        self, outlet_id: str, entries: Iterable[LinkEntry], source: str
    ) -> Iterator[scrapy.Request]:
        outlet = self.outlets[outlet_id]
        progress = self.progress[outlet_id]
        seen = self._seen[outlet_id]
        short = []
        for entry in entries:
            if len(entry.url) > MAX_URL_LENGTH:
                self.count_refusal(outlet_id, "url-too-long", entry.url)
            else:
                short.append(entry)
        for entry in article_links(short, outlet):
            progress.links += 1
            if entry.url in seen:
                twice = entry.url in self._this_run[outlet_id]
                self.crawler.stats.inc_value(
                    "newsmon/articles/listed_twice" if twice else "newsmon/articles/seen_before"
                )
                self._listed_again[outlet_id].add(entry.url)
                continue
            if self.max_articles and progress.requested >= self.max_articles:
                self.crawler.stats.inc_value("newsmon/articles/over_limit")
                progress.over_limit += 1
                continue
            seen.add(entry.url)  # one request per URL per run, whatever lists it
            self._this_run[outlet_id].add(entry.url)
            progress.requested += 1
            self.crawler.stats.inc_value("newsmon/articles/requested")
            priors = Priors(
                published=entry.published,
                modified=entry.modified,
                title=entry.title,
                source=source,
                zone=outlet.timezone,
            )
            yield scrapy.Request(
                entry.url,
                callback=self.parse_article,
                errback=self.article_failed,
                meta={
                    "outlet": outlet_id,
                    "priors": priors,
                    "dont_obey_robotstxt": not outlet.obey_robots,
                },
            )

    def parse_article(self, response: Response) -> Iterator[FetchedPage]:
        """An article page: hand it to the pipelines (extraction runs in the pool).

        A page is stored under the outlet whose domains hold its final URL or not at all: the
        domain middleware refuses redirects off the outlet, and this holds if it is switched off.
        """
        outlet = response.meta["outlet"]
        if not self.outlets[outlet].allows_host(response.url):
            self.count_refusal(outlet, OFFSITE, response.url)
            self.crawler.signals.send_catch_log(article_lost, outlet=outlet)
            return
        yield FetchedPage(
            url=response.url,
            outlet=response.meta["outlet"],
            body=response.body,
            fetched=now_iso(),
            content_type=_content_type(response),
            priors=response.meta["priors"],
            redirect_urls=[canonicalize(u) for u in response.meta.get("redirect_urls", ())],
        )

    def article_failed(self, failure: Failure) -> None:
        """An article request failed: counted per reason; a 4xx page is not asked for again."""
        request = failure.request  # type: ignore[attr-defined]
        self.crawler.signals.send_catch_log(article_lost, outlet=request.meta["outlet"])
        reason = _failure_reason(failure)
        if isinstance(failure.value, Refused):
            # counted where it was refused; the listed URL (first of a redirect chain) is not
            # asked for again until its seen entry expires
            chain = [*request.meta.get("redirect_urls", ()), request.url]
            self.seen.add(request.meta["outlet"], [canonicalize(u) for u in chain], reason)
            return
        self.progress[request.meta["outlet"]].failed += 1
        self.crawler.stats.inc_value(f"newsmon/articles/failed/{reason}")
        if reason.startswith("http-4"):
            self.seen.add(request.meta["outlet"], [canonicalize(request.url)], reason)
        logger.info("article %s failed: %s", request.url, reason)

    def remember(self, outlet: str, urls: Iterable[str]) -> None:
        """Mark URLs as seen for the rest of this run (the pipelines call it)."""
        urls = list(urls)
        self._seen[outlet].update(urls)
        self._this_run[outlet].update(urls)

    def item_dropped(self, item: Any) -> None:
        """A page extraction skipped (recorded in the archive): other workers skip it too."""
        if isinstance(item, FetchedPage):
            self.seen.share(item.outlet, [item.url, *item.redirect_urls])

    # -- end -----------------------------------------------------------------------------

    def settled_outlets(self) -> list[str]:
        """Outlets whose run left no article behind (none failed, none over the limit)."""
        return [
            oid
            for oid, p in self.progress.items()
            if not p.failures and not p.failed and not p.over_limit
        ]

    def unreachable_outlets(self) -> dict[str, list[str]]:
        """Outlets none of whose sources could be read, with what failed."""
        return {oid: p.failures for oid, p in self.progress.items() if p.unreachable}

    def outlet_rows(self) -> list[dict[str, Any]]:
        """Per-outlet counts of this run, as the archive's run_outlets rows."""
        get = self.crawler.stats.get_value
        return [
            {
                "outlet": oid,
                "sources": p.sources,
                "sources_failed": len(p.failures),
                "links": p.links,
                "requested": p.requested,
                "stored": get(f"newsmon/outlet/{oid}/stored", 0)
                + get(f"newsmon/outlet/{oid}/sent", 0),
                "skipped": get(f"newsmon/outlet/{oid}/skipped", 0),
                "failed": p.failed,
                "failures": p.failures + p.child_failures + p.refused_urls,
                "refused": dict(sorted(p.refused.items())),
            }
            for oid, p in self.progress.items()
        ]

    def spider_closed(self, spider: scrapy.Spider, reason: str) -> None:
        """Put the per-outlet outcome in the stats, keep relisted URLs seen, close the stores."""
        failed = self.unreachable_outlets()
        self.crawler.stats.set_value("newsmon/outlets/failed", failed)
        self.crawler.stats.set_value("newsmon/outlets/crawled", len(self.outlets) - len(failed))
        self.crawler.stats.set_value("newsmon/outlets/rows", self.outlet_rows())
        for oid, urls in self._listed_again.items():
            self.seen.touch(oid, urls)
        self.seen.close()
        self.archive.close()


def _split_ids(value: str | list[str] | None) -> list[str]:
    if not value:
        return []
    if isinstance(value, list):
        return value
    return [v.strip() for v in value.split(",") if v.strip()]


def _source_key(url: str) -> str:
    """The form in which a source URL is remembered as requested (canonical, when it parses)."""
    try:
        return canonicalize(url)
    except ValueError:
        return url


def _published_before(entry: LinkEntry, cutoff: datetime) -> bool:
    """True when a sitemap entry's publication (else modification) date is before ``cutoff``."""
    moment = parse_iso(entry.published or entry.modified)
    return moment is not None and moment < cutoff


def _content_type(response: Response) -> str | None:
    value = response.headers.get(b"Content-Type")
    return value.decode("latin-1") if value else None


def _failure_reason(failure: Failure) -> str:
    """A short slug for why a request failed: http-404, timeout, dns, connection-refused,
    robots, too-large, ..."""
    from scrapy import exceptions as scrapy_errors
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.internet import error as twisted_errors

    exc = failure.value
    if isinstance(exc, Refused):
        return exc.reason
    if isinstance(exc, HttpError):
        return f"http-{exc.response.status}"
    kinds: tuple[tuple[str, tuple[type[BaseException], ...]], ...] = (
        ("dns", (scrapy_errors.CannotResolveHostError, twisted_errors.DNSLookupError)),
        (
            "timeout",
            (
                scrapy_errors.DownloadTimeoutError,
                twisted_errors.TimeoutError,
                twisted_errors.TCPTimedOutError,
            ),
        ),
        (
            # not "refused", the word of newsmon's own refusals (offsite, crawl-delay, ...)
            "connection-refused",
            (scrapy_errors.DownloadConnectionRefusedError, twisted_errors.ConnectionRefusedError),
        ),
        ("data-loss", (scrapy_errors.ResponseDataLossError,)),
        ("cancelled", (scrapy_errors.DownloadCancelledError,)),  # too large, among others
        ("connection", (scrapy_errors.DownloadFailedError, twisted_errors.ConnectionLost)),
    )
    for slug, types in kinds:
        if isinstance(exc, types):
            return slug
    if isinstance(exc, scrapy_errors.IgnoreRequest):
        text = str(exc)
        if "DOWNLOAD_MAXSIZE" in text:  # a body inflated past the cap (a gzip bomb)
            return "too-large"
        return "robots" if "robots" in text.lower() else "ignored"
    return type(exc).__name__.lower()
