"""Item pipelines: extract (in the process pool) -> cluster -> store.

Each pipeline is a small Scrapy component: ``__init__`` takes plain values, ``from_crawler``
reads settings. Pages that are not articles are dropped with one ``DropItem`` subclass per kind of
reason, so Scrapy counts them under ``item_dropped_reasons_count/<Class>``; the exact reason is
also counted under ``newsmon/extract/skipped/<reason>``.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from scrapy.exceptions import DropItem, NotConfigured

from crawler.archive import Archive
from crawler.boilerplate import BoilerplateLearner
from crawler.errors import StorageError
from crawler.items import ArticleItem, FetchedPage
from crawler.pool import ExtractionPool
from dedup import Clusterer, DedupConfig, Doc, IncompatibleSignature, MemoryStore, Signature, signature

logger = logging.getLogger(__name__)

_BOILERPLATE_KEY = "boilerplate"  # archive meta key of the persisted BoilerplateLearner


class NotAnArticlePage(DropItem):
    """The page is not an article (listing, tag page, error page, empty body)."""


class UnreadablePage(DropItem):
    """The page could not be read (binary, empty, broken beyond repair, worker crash)."""


class AlreadyStored(DropItem):
    """The article's canonical URL was stored before (reached again through another URL)."""


def dedup_config_from_settings(settings: Any) -> DedupConfig:
    """The DedupConfig that NEWSMON_DEDUP_* settings describe (unset ones keep dedup's defaults)."""
    overrides: dict[str, Any] = {}
    if settings.get("NEWSMON_DEDUP_THRESHOLD") not in (None, ""):
        overrides["threshold"] = settings.getfloat("NEWSMON_DEDUP_THRESHOLD")
    if settings.get("NEWSMON_DEDUP_WINDOW_DAYS") not in (None, ""):
        overrides["window_days"] = settings.getfloat("NEWSMON_DEDUP_WINDOW_DAYS")
    return DedupConfig(**overrides)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


class ExtractPipeline:
    """Turn each ``FetchedPage`` into an ``ArticleItem`` in the extraction pool.

    Also learns each outlet's boilerplate from what it extracts and persists it in the archive.
    Reads NEWSMON_EXTRACT_WORKERS, NEWSMON_DEDUP_*; writes ``newsmon/extract/{ok,skipped/<reason>}``.
    """

    def __init__(self, pool: ExtractionPool, learner: BoilerplateLearner, stats: Any) -> None:
        self.pool = pool
        self.learner = learner
        self.stats = stats
        self.crawler: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> ExtractPipeline:
        s = crawler.settings
        workers = s.getint("NEWSMON_EXTRACT_WORKERS") or None
        pipeline = cls(ExtractionPool(dedup_config_from_settings(s), workers),
                       BoilerplateLearner(), crawler.stats)
        pipeline.crawler = crawler
        return pipeline

    def open_spider(self) -> None:
        saved = self.crawler.spider.archive.get_meta(_BOILERPLATE_KEY)
        if saved:
            self.learner = BoilerplateLearner.from_json(saved)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, FetchedPage):
            return item
        page = item
        result = await self.pool.extract(page, self.learner.boilerplate(page.outlet))
        spider = self.crawler.spider
        if result.article is None:
            self.stats.inc_value(f"newsmon/extract/skipped/{result.error}")
            self.stats.inc_value(f"newsmon/outlet/{page.outlet}/skipped")
            urls = [page.url, *page.redirect_urls]
            await spider.store_writer.mark_seen(page.outlet, urls, f"skipped:{result.error}")
            drop = NotAnArticlePage if result.not_article else UnreadablePage
            raise drop(f"{page.url}: {result.error} {result.detail}".strip(), log_level="DEBUG")
        self.stats.inc_value("newsmon/extract/ok")
        self.learner.observe(page.outlet, result.paragraph_keys or [])
        seen = list(dict.fromkeys([page.url, *page.redirect_urls, result.article.canonical_url]))
        return ArticleItem(article=result.article, signature=result.signature or b"",
                           html=page.body, content_type=page.content_type, seen_urls=seen)

    def close_spider(self) -> None:
        self.pool.close()
        # The store pipeline closes before this one; a short-lived connection saves the learner.
        with Archive(self.crawler.settings.get("NEWSMON_DB")) as archive:
            archive.set_meta(_BOILERPLATE_KEY, self.learner.to_json())


class ClusterPipeline:
    """Assign each article to its cluster (near-duplicates are kept and linked, never dropped).

    The clusterer is restored from the archive's articles inside the dedup window when the
    spider opens, so a restart continues the same clusters.
    Reads NEWSMON_DEDUP_*; writes ``newsmon/dedup/<kind>`` (new, joined, merged).
    """

    def __init__(self, clusterer: Clusterer, stats: Any) -> None:
        self.clusterer = clusterer
        self.stats = stats
        self.crawler: Any = None
        self._known: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any) -> ClusterPipeline:
        cfg = dedup_config_from_settings(crawler.settings)
        pipeline = cls(Clusterer(cfg, store=MemoryStore()), crawler.stats)
        pipeline.crawler = crawler
        return pipeline

    def open_spider(self) -> None:
        archive: Archive = self.crawler.spider.archive
        cfg = self.clusterer.config
        since = (datetime.now(UTC) - timedelta(days=cfg.window_days)).isoformat(timespec="seconds")
        restored = resigned = 0
        for stored in archive.stored_for_restore(since):
            article = stored.article
            try:
                sig = Signature.from_bytes(stored.signature or b"", cfg)
            except IncompatibleSignature:
                sig = signature(article.text, cfg)  # parameters changed since it was stored
                resigned += 1
            doc = Doc(id=article.id, outlet=article.outlet, time=_epoch(stored.sort_time))
            self.clusterer.restore(doc, sig, cluster=article.cluster or article.id)
            self._known.add(article.id)
            restored += 1
        if restored:
            logger.info("restored %d articles into the clusterer (%d re-signed)", restored,
                        resigned)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        article = item.article
        if article.id in self._known:
            await self.crawler.spider.store_writer.mark_seen(article.outlet, item.seen_urls,
                                                             "stored")
            raise AlreadyStored(f"{article.url}: already stored as {article.id}",
                                log_level="DEBUG")
        sig = Signature.from_bytes(item.signature, self.clusterer.config)
        time = _epoch(article.published or article.fetched)
        decision = self.clusterer.add(Doc(id=article.id, outlet=article.outlet, time=time), sig)
        self._known.add(article.id)
        article.cluster = decision.cluster
        article.duplicate_of = decision.duplicate_of
        article.similarity = decision.similarity
        item.aliases = tuple(decision.aliases)
        self.stats.inc_value(f"newsmon/dedup/{decision.kind}")
        return item


class StoreWriter:
    """The archive's single writer: one thread owns the write connection, in order.

    Writes are queued to the thread in the order the pipelines make them, so the archive applies
    cluster merges in the order the clusterer decided them.
    """

    def __init__(self, archive_path: str, keep_html: bool) -> None:
        self.keep_html = keep_html
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive")
        self._archive: Archive = self._executor.submit(Archive, archive_path).result()

    async def _run(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(*args, **kwargs))

    async def store(self, item: ArticleItem) -> None:
        """Store an article, its page and its cluster change; mark its URLs seen."""
        await self._run(self._archive.store_article, item.article,
                        html=item.html if self.keep_html else None,
                        content_type=item.content_type, signature=item.signature,
                        aliases=item.aliases, seen_urls=item.seen_urls)

    async def mark_seen(self, outlet: str, urls: list[str], status: str) -> None:
        """Record URLs that will not be stored so that they are not fetched again."""
        await self._run(self._archive.mark_seen, outlet, urls, status, _now())

    def close(self) -> None:
        """Finish queued writes and close the connection."""
        self._executor.submit(self._archive.close).result()
        self._executor.shutdown(wait=True)


class StorePipeline:
    """Write each clustered article to the SQLite archive (raw HTML kept compressed).

    Reads NEWSMON_DB, NEWSMON_KEEP_HTML; writes ``newsmon/store/{stored,failed}``. A failed
    write stops the crawl (nothing is marked seen that was not stored).
    """

    def __init__(self, writer: StoreWriter, stats: Any) -> None:
        self.writer = writer
        self.stats = stats
        self.crawler: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        s = crawler.settings
        if not s.get("NEWSMON_DB"):
            raise NotConfigured("NEWSMON_DB is empty")
        pipeline = cls(StoreWriter(s.get("NEWSMON_DB"), s.getbool("NEWSMON_KEEP_HTML")),
                       crawler.stats)
        pipeline.crawler = crawler
        return pipeline

    def open_spider(self) -> None:
        self.crawler.spider.store_writer = self.writer

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        try:
            await self.writer.store(item)
        except StorageError as exc:
            self.stats.inc_value("newsmon/store/failed")
            logger.error("%s; stopping the crawl", exc)
            asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="archive-error"))
            raise DropItem(str(exc)) from exc
        self.stats.inc_value("newsmon/store/stored")
        self.stats.inc_value(f"newsmon/outlet/{item.article.outlet}/stored")
        self.crawler.spider.remember(item.article.outlet, item.seen_urls)
        return item

    def close_spider(self) -> None:
        self.writer.close()
