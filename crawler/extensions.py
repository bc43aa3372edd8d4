"""Scrapy extensions: the progress line a terminal user sees during a crawl."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from scrapy import signals
from scrapy.exceptions import NotConfigured

_REFRESH_S = 0.5  # often enough to look alive, rare enough to cost nothing


class ProgressExtension:
    """Show one self-updating progress line on stderr when it is a terminal.

    Reads NEWSMON_PROGRESS (``auto``: only on a terminal; ``always``; ``never``).
    """

    def __init__(self, stats: Any, stream: TextIO) -> None:
        self.stats = stats
        self.stream = stream
        self._last = 0.0

    @classmethod
    def from_crawler(cls, crawler: Any) -> ProgressExtension:
        mode = crawler.settings.get("NEWSMON_PROGRESS", "auto")
        if mode == "never" or (mode == "auto" and not sys.stderr.isatty()):
            raise NotConfigured("progress is shown on a terminal only")
        ext = cls(crawler.stats, sys.stderr)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def item_scraped(self) -> None:
        self._show()

    def item_dropped(self) -> None:
        self._show()

    def spider_closed(self) -> None:
        self._show(force=True)
        self.stream.write("\n")
        self.stream.flush()

    def _show(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < _REFRESH_S:
            return
        self._last = now
        get = self.stats.get_value
        skipped = sum(v for k, v in self.stats.get_stats().items()
                      if k.startswith("newsmon/extract/skipped/"))
        self.stream.write(
            f"\r[newsmon] requested {get('newsmon/articles/requested', 0)} · "
            f"stored {get('newsmon/store/stored', 0)} · skipped {skipped} · "
            f"clusters joined {get('newsmon/dedup/joined', 0)}   "
        )
        self.stream.flush()
