"""Item pipelines: extract (in the process pool) -> cluster -> store -> publish.

In worker mode (NEWSMON_MODE=worker) the cluster and store pipelines are off and
``SendPipeline`` sends each extracted article to ``newsmon ingest`` instead (through the outbox).

Each pipeline is a small Scrapy component: ``__init__`` takes plain values, ``from_crawler``
reads settings. Pages that are not articles are dropped with one ``DropItem`` subclass per kind of
reason, so Scrapy counts them under ``item_dropped_reasons_count/<Class>``; the exact reason is
also counted under ``newsmon/extract/skipped/<reason>``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from scrapy import signals
from scrapy.exceptions import DropItem, NotConfigured

from crawler.errors import StorageError
from crawler.extract.boilerplate import BoilerplateLearner
from crawler.fetch import exporters
from crawler.fetch.extraction import BOILERPLATE_KEY as BOILERPLATE_KEY  # re-exported
from crawler.fetch.extraction import PageExtraction
from crawler.fetch.first_articles import article_lost
from crawler.fetch.pool import WORKER_CRASHED, ExtractionPool
from crawler.items import ArticleItem, FetchedPage
from crawler.store.archive import Archive
from crawler.store.clustering import assign_cluster, restore_clusterer
from crawler.store.queue import OutboxPublisher, connect, redact_url
from crawler.store.writer import StoreWriter
from dedup import Clusterer, DedupConfig, MemoryStore

logger = logging.getLogger(__name__)
exporters.register()  # feed exports (`-O items.json`) see an ArticleItem as its Article record


class NotAnArticlePage(DropItem):
    """The page is not an article (listing, tag page, error page, empty body)."""


class UnreadablePage(DropItem):
    """The page could not be read (binary, empty, broken beyond repair, worker crash)."""


class AlreadyStored(DropItem):
    """The article's canonical URL was stored before (reached again through another URL)."""


# The skip reason of a page whose article (its canonical URL) is stored already.
ALREADY_STORED = "already-stored"


class UnclusterablePage(DropItem):
    """The article could not be clustered (dedup raised on it); counted as failed, marked seen."""


# The reason counted (``newsmon/articles/failed/<reason>``) and recorded as the seen status.
CLUSTER_FAILED = "cluster-error"

# Request meta: the article request is counted as on its way to extraction (FirstArticles).
_EXPECTED = "newsmon_expected"


class SentToIngest(DropItem):
    """Worker mode: the article went to the outbox for ``newsmon ingest``; nothing more here."""


def _worker_mode(settings: Any) -> bool:
    return bool(settings.get("NEWSMON_MODE") == "worker")


def _stop_crawl(crawler: Any, exc: StorageError) -> asyncio.Future[Any]:
    """An archive write failed: log it and close the spider (nothing more is marked seen)."""
    logger.error("%s; stopping the crawl", exc)
    return asyncio.ensure_future(crawler.engine.close_spider_async(reason="archive-error"))


def dedup_config_from_settings(settings: Any) -> DedupConfig:
    """The DedupConfig that NEWSMON_DEDUP_* settings describe (unset ones keep dedup's defaults)."""
    overrides: dict[str, Any] = {}
    if settings.get("NEWSMON_DEDUP_THRESHOLD") not in (None, ""):
        overrides["threshold"] = settings.getfloat("NEWSMON_DEDUP_THRESHOLD")
    if settings.get("NEWSMON_DEDUP_WINDOW_DAYS") not in (None, ""):
        overrides["window_days"] = settings.getfloat("NEWSMON_DEDUP_WINDOW_DAYS")
    if settings.get("NEWSMON_DEDUP_MAX_ARTICLES") not in (None, ""):
        overrides["max_articles"] = settings.getint("NEWSMON_DEDUP_MAX_ARTICLES")
    return DedupConfig(align=settings.getbool("NEWSMON_DEDUP_ALIGN"), **overrides)


class ExtractPipeline:
    """Turn each ``FetchedPage`` into an ``ArticleItem`` in the extraction pool.

    Also learns each outlet's boilerplate from what it extracts and persists it in the archive.
    Reads NEWSMON_EXTRACT_{WORKERS,TIMEOUT,MAX_MEMORY}, NEWSMON_DEDUP_*; writes
    ``newsmon/extract/{ok,skipped/<reason>}``.
    """

    def __init__(self, pool: ExtractionPool, learner: BoilerplateLearner, stats: Any) -> None:
        self.extraction = PageExtraction(pool, learner)
        self.pool = pool
        self.stats = stats
        self.crawler: Any = None

    @property
    def learner(self) -> BoilerplateLearner:
        """The boilerplate learner (the extraction's)."""
        return self.extraction.learner

    @classmethod
    def from_crawler(cls, crawler: Any) -> ExtractPipeline:
        s = crawler.settings
        workers = s.getint("NEWSMON_EXTRACT_WORKERS") or None
        pool = ExtractionPool(
            dedup_config_from_settings(s),
            workers,
            timeout=s.getfloat("NEWSMON_EXTRACT_TIMEOUT"),
            max_memory=s.getint("NEWSMON_EXTRACT_MAX_MEMORY") * 1024 * 1024,
        )
        pipeline = cls(pool, BoilerplateLearner(), crawler.stats)
        pipeline.crawler = crawler
        # a crawl closing early (SIGTERM) drops its queued requests without a signal: the held
        # first articles then stop waiting for them (they waited out FIRST_ARTICLES_MAX_WAIT)
        pipeline.extraction.first_articles.stopping = lambda: not crawler.engine.running
        crawler.signals.connect(pipeline.request_scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(pipeline.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(pipeline.article_lost, signal=article_lost)
        return pipeline

    # An outlet's first articles wait for its pages still on their way (FirstArticles): an
    # article request counts once, when first scheduled (its redirects and retries carry the
    # mark), and stops counting when its page reaches extraction or is lost.
    def request_scheduled(self, request: Any) -> None:
        if request.meta.get("priors") is not None and not request.meta.get(_EXPECTED):
            request.meta[_EXPECTED] = True
            self.extraction.first_articles.expect(request.meta["outlet"])

    def request_dropped(self, request: Any) -> None:
        if request.meta.get(_EXPECTED):
            self.extraction.first_articles.lost(request.meta["outlet"])

    def article_lost(self, outlet: str) -> None:
        self.extraction.first_articles.lost(outlet)

    def open_spider(self) -> None:
        self.extraction.load_learner(self.crawler.spider.archive)
        self.pool.start()

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, FetchedPage):
            return item
        page = item
        result = await self.extraction.extract(page)
        spider = self.crawler.spider
        if result.error == WORKER_CRASHED:
            # Not the page's fault: counted, not marked seen, so the next crawl fetches it again.
            self.stats.inc_value(f"newsmon/extract/failed/{WORKER_CRASHED}")
            raise UnreadablePage(f"{page.url}: {WORKER_CRASHED}", log_level="DEBUG")
        if result.article is None:
            self.stats.inc_value(f"newsmon/extract/skipped/{result.error}")
            self.stats.inc_value(f"newsmon/outlet/{page.outlet}/skipped")
            urls = [page.url, *page.redirect_urls]
            await spider.store_writer.mark_seen(page.outlet, urls, f"skipped:{result.error}")
            drop = NotAnArticlePage if result.not_article else UnreadablePage
            raise drop(f"{page.url}: {result.error} {result.detail}".strip(), log_level="DEBUG")
        self.stats.inc_value("newsmon/extract/ok")
        seen = list(dict.fromkeys([page.url, *page.redirect_urls, result.article.canonical_url]))
        return ArticleItem(
            article=result.article,
            signature=result.signature or b"",
            html=page.body,
            content_type=page.content_type,
            seen_urls=seen,
        )

    def close_spider(self) -> None:
        self.pool.close()
        # The store pipeline closes before this one; a short-lived connection saves the learner.
        with Archive(self.crawler.settings.get("NEWSMON_DB")) as archive:
            self.extraction.save_learner(archive)


class ClusterPipeline:
    """Assign each article to its cluster (near-duplicates are kept and linked, never dropped).

    The clusterer is restored from the archive's articles inside the dedup window when the
    spider opens, so a restart continues the same clusters. Off in worker mode (``newsmon
    ingest`` clusters).
    Reads NEWSMON_MODE, NEWSMON_DEDUP_*; writes ``newsmon/dedup/<kind>`` (new, joined, merged).
    """

    def __init__(self, clusterer: Clusterer, stats: Any) -> None:
        self.clusterer = clusterer
        self.stats = stats
        self.crawler: Any = None
        self._known: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any) -> ClusterPipeline:
        if _worker_mode(crawler.settings):
            raise NotConfigured("NEWSMON_MODE is worker: `newsmon ingest` clusters")
        cfg = dedup_config_from_settings(crawler.settings)
        pipeline = cls(Clusterer(cfg, store=MemoryStore()), crawler.stats)
        pipeline.crawler = crawler
        return pipeline

    def open_spider(self) -> None:
        self._known |= restore_clusterer(self.clusterer, self.crawler.spider.archive)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        article = item.article
        # _known first: an article of this run may still wait in the writer's open batch, which
        # the spider's reader connection does not see.
        if article.id in self._known or self.crawler.spider.archive.has_article(article.id):
            await self.crawler.spider.store_writer.mark_seen(
                article.outlet, item.seen_urls, "stored"
            )
            # a page fetched and not stored: counted among the skipped, as its outlet's
            self.stats.inc_value(f"newsmon/extract/skipped/{ALREADY_STORED}")
            self.stats.inc_value(f"newsmon/outlet/{article.outlet}/skipped")
            raise AlreadyStored(f"{article.url}: already stored as {article.id}", log_level="DEBUG")
        try:
            kind = assign_cluster(self.clusterer, item)
        except Exception as exc:  # one page dedup cannot take never stops its outlet
            await self._failed(item, exc)
        self._known.add(article.id)
        self.stats.inc_value(f"newsmon/dedup/{kind}")
        return item

    async def _failed(self, item: ArticleItem, exc: Exception) -> None:
        """``item`` could not be clustered: count it as failed with the reason, mark its URLs
        seen with that status (so that the next runs do not extract it again; the retention
        period forgets them) and drop it."""
        article = item.article
        logger.warning(
            "article %s could not be clustered (%s: %s); counted as failed",
            article.url,
            type(exc).__name__,
            exc,
        )
        self.stats.inc_value(f"newsmon/articles/failed/{CLUSTER_FAILED}")
        progress = getattr(self.crawler.spider, "progress", {}).get(article.outlet)
        if progress is not None:
            progress.failed += 1
        await self.crawler.spider.store_writer.mark_seen(
            article.outlet, item.seen_urls, f"failed:{CLUSTER_FAILED}"
        )
        raise UnclusterablePage(
            f"{article.url}: {CLUSTER_FAILED}: {exc}", log_level="DEBUG"
        ) from exc


def _writer(settings: Any, *, keep_html: bool) -> StoreWriter:
    """The crawl's archive writer: NEWSMON_DB, batched by NEWSMON_STORE_{BATCH,LINGER}."""
    return StoreWriter(
        settings.get("NEWSMON_DB"),
        keep_html,
        batch_size=settings.getint("NEWSMON_STORE_BATCH"),
        linger=settings.getfloat("NEWSMON_STORE_LINGER"),
    )


class _WriterPipeline:
    """What the store and send pipelines share: an archive writer, lent to the spider (which
    marks skipped URLs seen through it) and closed at the end of the crawl."""

    def __init__(self, writer: StoreWriter, stats: Any) -> None:
        self.writer = writer
        self.stats = stats
        self.crawler: Any = None
        self._stopping: asyncio.Future[Any] | None = None

    def open_spider(self) -> None:
        self.crawler.spider.store_writer = self.writer

    def close_spider(self) -> None:
        self.writer.close()
        self.stats.set_value("newsmon/store/transactions", self.writer.batches)

    async def _write(self, item: ArticleItem, write: Any, failed: str) -> None:
        """``await write(item)``; a failed write is counted under ``failed``, stops the crawl
        (said once; the summary counts the rest) and drops the item."""
        try:
            await write(item)
        except StorageError as exc:
            self.stats.inc_value(failed)
            if self._stopping is None:
                self._stopping = _stop_crawl(self.crawler, exc)
            raise DropItem(str(exc)) from exc


class StorePipeline(_WriterPipeline):
    """Write each clustered article to the SQLite archive (raw HTML kept compressed).

    Reads NEWSMON_MODE, NEWSMON_DB, NEWSMON_KEEP_HTML, NEWSMON_STORE_{BATCH,LINGER}; writes
    ``newsmon/store/{stored,failed,transactions}``.
    A failed write stops the crawl (nothing is marked seen that was not stored). Off in worker
    mode (``newsmon ingest`` stores).
    """

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        s = crawler.settings
        if _worker_mode(s):
            raise NotConfigured("NEWSMON_MODE is worker: `newsmon ingest` stores")
        if not s.get("NEWSMON_DB"):
            raise NotConfigured("NEWSMON_DB is empty")
        pipeline = cls(_writer(s, keep_html=s.getbool("NEWSMON_KEEP_HTML")), crawler.stats)
        pipeline.crawler = crawler
        return pipeline

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        await self._write(item, self.writer.store, "newsmon/store/failed")
        self.stats.inc_value("newsmon/store/stored")
        self.stats.inc_value(f"newsmon/outlet/{item.article.outlet}/stored")
        self.crawler.spider.remember(item.article.outlet, item.seen_urls)
        return item


class SendPipeline(_WriterPipeline):
    """Worker mode: send each extracted article to ``newsmon ingest``, then drop it here.

    One transaction of the worker's archive queues the article's ``extracted`` message in the
    outbox and marks its URLs seen (status ``sent``); the :class:`PublishPipeline` sends the
    outbox to Redis, and marks the URLs seen for every worker in the same round trip. So a
    worker killed at any point, or a Redis that goes away, loses nothing: what waits in the
    outbox is sent by the next run. The item is then dropped with :class:`SentToIngest`
    (counted under ``item_dropped_reasons_count/SentToIngest``). The worker's archive thus holds
    seen URLs, the outbox, learned boilerplate and the run history; no articles.

    Reads NEWSMON_MODE, NEWSMON_DB, NEWSMON_STORE_{BATCH,LINGER}; writes
    ``newsmon/send/{sent,failed}``, ``newsmon/store/transactions`` and
    ``newsmon/outlet/<id>/sent``. A failed write stops the crawl. Off (``NotConfigured``) in
    local mode.
    """

    @classmethod
    def from_crawler(cls, crawler: Any) -> SendPipeline:
        s = crawler.settings
        if not _worker_mode(s):
            raise NotConfigured("NEWSMON_MODE is not worker: articles are stored here")
        pipeline = cls(_writer(s, keep_html=False), crawler.stats)
        pipeline.crawler = crawler
        return pipeline

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        outlet = item.article.outlet
        await self._write(item, self.writer.send, "newsmon/send/failed")
        self.stats.inc_value("newsmon/send/sent")
        self.stats.inc_value(f"newsmon/outlet/{outlet}/sent")
        self.crawler.spider.remember(outlet, item.seen_urls)
        raise SentToIngest(
            f"{item.article.url}: sent to ingest as {item.article.id}", log_level="DEBUG"
        )


class PublishPipeline:
    """Publish each stored article and its cluster change to Redis streams, through the outbox.

    The store pipeline's transaction queues the messages in the archive's outbox; this pipeline
    runs an :class:`~crawler.store.queue.OutboxPublisher` that sends them in the background, so a
    slow or absent Redis never slows the crawl. At the end one bounded attempt sends the rest; what
    Redis did not take waits in the outbox for the next run. Off (``NotConfigured``) without
    NEWSMON_REDIS_URL: no outbox rows are written then. In worker mode it sends the ``extracted``
    messages that :class:`SendPipeline` queues (woken by their drop).

    Reads NEWSMON_DB, NEWSMON_REDIS_URL, NEWSMON_REDIS_PREFIX, NEWSMON_REDIS_STREAM_MAXLEN,
    NEWSMON_PUBLISH_{BATCH,BACKOFF_MAX,CLOSE_TIMEOUT}; writes ``newsmon/publish/{sent,batches,
    redis_errors,left_in_outbox}``.
    """

    def __init__(
        self, publisher: OutboxPublisher, db_path: str, close_timeout: float, stats: Any
    ) -> None:
        self.publisher = publisher
        self.db_path = db_path
        self.close_timeout = close_timeout
        self.stats = stats
        self.crawler: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> PublishPipeline:
        s = crawler.settings
        url = s.get("NEWSMON_REDIS_URL")
        if not url:
            raise NotConfigured("NEWSMON_REDIS_URL is not set")
        publisher = OutboxPublisher(
            connect(url),
            url=url,
            prefix=s.get("NEWSMON_REDIS_PREFIX"),
            maxlen=s.getint("NEWSMON_REDIS_STREAM_MAXLEN"),
            batch_size=s.getint("NEWSMON_PUBLISH_BATCH"),
            backoff_max=s.getfloat("NEWSMON_PUBLISH_BACKOFF_MAX"),
            stats=crawler.stats,
        )
        pipeline = cls(
            publisher,
            s.get("NEWSMON_DB"),
            s.getfloat("NEWSMON_PUBLISH_CLOSE_TIMEOUT"),
            crawler.stats,
        )
        pipeline.crawler = crawler
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        return pipeline

    def open_spider(self) -> None:
        writer: StoreWriter = self.crawler.spider.store_writer
        writer.outbox = True
        self.publisher.start(writer.call)

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleItem):
            self.publisher.wake()
        return item

    def item_dropped(self, exception: BaseException) -> None:
        """An article sent to ingest never reaches this pipeline: its drop wakes the publisher."""
        if isinstance(exception, SentToIngest):
            self.publisher.wake()

    def close_spider(self) -> Coroutine[Any, Any, None]:
        # Pipelines close in reverse order: stop using the store writer now, before the store
        # pipeline closes it; the last attempt uses a connection of its own.
        self.publisher.cancel()
        return self._finish()

    async def _finish(self) -> None:
        archive = await asyncio.to_thread(Archive, self.db_path)
        try:
            left = await self.publisher.finish(
                lambda fn: asyncio.to_thread(fn, archive), self.close_timeout
            )
        finally:
            await asyncio.to_thread(archive.close)
            await self.publisher.client.aclose()
        self.stats.set_value("newsmon/publish/left_in_outbox", left)
        if self.publisher.refused:
            self.stats.set_value(
                "newsmon/publish/refused",
                f"Redis at {redact_url(self.publisher.url)} refused newsmon: "
                f"{self.publisher.refused}",
            )
