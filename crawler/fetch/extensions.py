"""Scrapy extensions: the progress a user sees during a crawl, and cheaper
per-page bookkeeping (stats, log records nobody emits, the garbage collector's passes)."""

from __future__ import annotations

import gc
import logging
import sys
from collections import Counter
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.logformatter import LogFormatter

from crawler.progress import ProgressLine, format_duration, progress_mode

_REFRESH_S = 0.5  # often enough to look alive, rare enough to cost nothing
_OUTLETS_SHOWN = 3  # the outlets with the most pages left, on the progress line


class CollectorTuning:
    """Fewer, cheaper passes of Python's cyclic garbage collector in the crawl process.

    When the spider is open, the objects of start-up (Scrapy's and newsmon's modules, the
    crawler, the dedup window restored from the archive), which live as long as the crawl, are
    moved out of the collector's reach (``gc.freeze()``), and the youngest generation's
    threshold goes from 700 allocations to NEWSMON_GC_THRESHOLD (0: Python's default). A page's
    objects live for the seconds until its article is stored, ~200 pages at a time in a fast
    crawl, so at 700 the young passes ran every few pages and went over all of them: in the
    bench/throughput.py crawl the collector took 1.1 s of 19 (0.55 ms a page on the reactor),
    0.08 s with this. Garbage in reference cycles waits longer to be freed: a few MB at most.
    """

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold

    @classmethod
    def from_crawler(cls, crawler: Any) -> CollectorTuning:
        ext = cls(crawler.settings.getint("NEWSMON_GC_THRESHOLD"))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        return ext

    def spider_opened(self) -> None:
        gc.collect()  # what start-up left as garbage is freed, not frozen
        gc.freeze()
        if self.threshold > 0:
            gc.set_threshold(self.threshold, *gc.get_threshold()[1:])


class ProgressExtension:
    """Show how the crawl is going: elapsed time, pages/s, stored/skipped/failed, the share of
    requested pages done and, with several outlets, those with the most pages left.

    On a terminal one self-updating line on stderr; elsewhere a plain INFO log line every 30 s
    and one at the end (see :mod:`crawler.progress`). Reads NEWSMON_PROGRESS (``auto``,
    ``always``, ``never``).
    """

    def __init__(self, stats: Any, line: ProgressLine) -> None:
        self.stats = stats
        self.line = line
        self.spider: Any = None
        self.done: Counter[str] = Counter()  # outlet -> pages stored, skipped or dropped

    @classmethod
    def from_crawler(cls, crawler: Any) -> ProgressExtension:
        mode = progress_mode(sys.stderr, crawler.settings.get("NEWSMON_PROGRESS"))
        if mode == "off":
            raise NotConfigured("NEWSMON_PROGRESS is never")
        ext = cls(crawler.stats, ProgressLine(sys.stderr, mode, refresh=_REFRESH_S))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        self.spider = spider
        self.line.restart()  # as Scrapy's elapsed_time_seconds, which the summary gives

    def item_scraped(self, item: Any) -> None:
        self._count(item)

    def item_dropped(self, item: Any) -> None:
        self._count(item)

    def spider_closed(self) -> None:
        self.line.show(self.text(), force=True)
        self.line.close()

    def _count(self, item: Any) -> None:
        outlet = getattr(item, "outlet", None) or getattr(
            getattr(item, "article", None), "outlet", None
        )
        if outlet:
            self.done[outlet] += 1
        if self.line.due():
            self.line.show(self.text(), force=True)

    def text(self) -> str:
        """The progress line as it stands."""
        get = self.stats.get_value
        stats = self.stats.get_stats()
        skipped = sum(v for k, v in stats.items() if k.startswith("newsmon/extract/skipped/"))
        failed = sum(v for k, v in stats.items() if k.startswith("newsmon/articles/failed/"))
        requested = int(get("newsmon/articles/requested", 0))
        finished = sum(self.done.values()) + failed
        elapsed = self.line.elapsed
        rate = int(get("response_received_count", 0)) / elapsed if elapsed > 0 else 0.0
        stored = get("newsmon/send/sent", 0) or get("newsmon/store/stored", 0)
        share = f" ({finished / requested:.0%})" if requested else ""
        text = (
            f"[newsmon] {format_duration(elapsed)} · {rate:.1f} pages/s · "
            f"{finished}/{requested} pages{share} · stored {stored} · skipped {skipped} · "
            f"failed {failed}"
        )
        return text + self._outlets_left()

    def _outlets_left(self) -> str:
        """`` · left: kloop 40, osh24 12``: the outlets with the most pages still to come."""
        progress = getattr(self.spider, "progress", None) or {}
        if len(progress) < 2:
            return ""
        left = {o: p.requested - p.failed - self.done[o] for o, p in progress.items()}
        busiest = sorted((n, o) for o, n in left.items() if n > 0)[::-1][:_OUTLETS_SHOWN]
        return (" · left: " + ", ".join(f"{o} {n}" for n, o in busiest)) if busiest else ""


# -- cheaper bookkeeping per page ----------------------------------------------------------


def _lowest_handled_level(logger: logging.Logger) -> int:
    """The lowest level a record of ``logger`` can be emitted at: the lowest level of the
    handlers it reaches (``logging.lastResort``'s when there are none)."""
    levels: list[int] = []
    current: logging.Logger | None = logger
    while current is not None:
        levels.extend(h.level for h in current.handlers)
        current = current.parent if current.propagate else None  # type: ignore[assignment]
    if not levels:
        return logging.lastResort.level if logging.lastResort else logging.WARNING
    return min(levels)


class LogLevelExtension:
    """Do not build Scrapy's log records that no handler emits.

    Scrapy sets its loggers to DEBUG (``scrapy.utils.log.DEFAULT_LOGGING``) and leaves the
    filtering to the handlers, so every page builds its "Crawled (200)" and "Scraped from"
    records, and every dropped page its "Dropped" one, for nothing at the INFO level. When the
    spider opens (Scrapy's own handlers are installed by then) this raises the ``scrapy``
    logger's level to the lowest level of the handlers its records reach: a handler at DEBUG
    (``newsmon -vv``, pytest's ``caplog``) still gets them all. The level is put back when the
    spider closes. With :class:`QuietLogFormatter` the records are not even described.
    """

    def __init__(self) -> None:
        self._saved: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> LogLevelExtension:
        ext = cls()
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self) -> None:
        logger = logging.getLogger("scrapy")
        floor = _lowest_handled_level(logger)
        if logger.getEffectiveLevel() < floor:
            self._saved = logger.level
            logger.setLevel(floor)

    def spider_closed(self) -> None:
        if self._saved is not None:
            logging.getLogger("scrapy").setLevel(self._saved)
            self._saved = None


class QuietLogFormatter(LogFormatter):
    """Scrapy's ``LogFormatter`` that skips describing a page or item whose record would not be
    logged (its logger is not enabled for the level): no flags, referer or dict per page.
    Set as ``LOG_FORMATTER``."""

    def crawled(self, request: Any, response: Any, spider: Any) -> Any:
        if not _ENGINE_LOG.isEnabledFor(logging.DEBUG):
            return None
        return super().crawled(request, response, spider)

    def scraped(self, item: Any, response: Any, spider: Any) -> Any:
        if not _SCRAPER_LOG.isEnabledFor(logging.DEBUG):
            return None
        return super().scraped(item, response, spider)

    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any) -> Any:
        level = getattr(exception, "log_level", None)
        if isinstance(level, str):
            level = logging.getLevelName(level)
        if isinstance(level, int) and not _SCRAPER_LOG.isEnabledFor(level):
            return None
        return super().dropped(item, exception, response, spider)


_ENGINE_LOG = logging.getLogger("scrapy.core.engine")
_SCRAPER_LOG = logging.getLogger("scrapy.core.scraper")
