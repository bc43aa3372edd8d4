"""The extraction process pool: trafilatura and the dedup signature, off the reactor.

Extraction is the crawl's CPU floor, so it runs in worker processes (one per core by default)
while Scrapy keeps fetching. Workers are started with ``forkserver`` (never ``fork`` a process
that runs the reactor), import trafilatura once, compute the dedup signature of the text they
extracted (so the reactor never shingles), and reset trafilatura's caches every
``_CACHE_RESET_EVERY`` pages so their memory stays flat.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from crawler.items import Article, FetchedPage

# trafilatura keeps LRU caches that grow with every distinct page; 500 pages keeps a worker
# under ~150 MB on the AEB pages while costing one cache rebuild per 500 pages.
_CACHE_RESET_EVERY = 500

logger = logging.getLogger(__name__)

# The reason given for a page whose worker died: not the page's fault, so it is fetched again.
WORKER_CRASHED = "worker-crashed"


@dataclass(slots=True)
class PoolResult:
    """What a worker returns for one page: an article with its signature, or why not."""

    article: Article | None = None
    signature: bytes | None = None
    paragraph_keys: list[str] | None = None
    error: str | None = None  # short reason slug
    detail: str = ""
    not_article: bool = False


_state: dict[str, Any] = {}


def _init_worker(dedup_config: Any) -> None:
    import crawler.extract  # noqa: F401  (import trafilatura once per worker)

    _state["config"] = dedup_config
    _state["pages"] = 0


def _extract_in_worker(page: FetchedPage, boilerplate: Any) -> PoolResult:
    from crawler.errors import ExtractionError, NotAnArticle
    from crawler.extract import extract_article, reset_caches
    from dedup import signature

    _state["pages"] = _state.get("pages", 0) + 1
    if _state["pages"] % _CACHE_RESET_EVERY == 0:
        reset_caches()
    try:
        ex = extract_article(page.body, page.url, outlet=page.outlet,
                             content_type=page.content_type, fetched=page.fetched,
                             priors=page.priors, boilerplate=boilerplate)
    except NotAnArticle as exc:
        return PoolResult(error=exc.reason, detail=exc.detail, not_article=True)
    except ExtractionError as exc:
        return PoolResult(error=exc.reason, detail=exc.detail)
    sig = signature(ex.article.text, _state["config"]).to_bytes()
    return PoolResult(article=ex.article, signature=sig, paragraph_keys=ex.paragraph_keys)


def extract_here(page: FetchedPage, boilerplate: Any, dedup_config: Any) -> PoolResult:
    """Do a worker's job in this process (for ``workers=0`` pools and tests)."""
    if _state.get("config") is not dedup_config:
        _init_worker(dedup_config)
    return _extract_in_worker(page, boilerplate)


class ExtractionPool:
    """A pool of extraction workers usable from asyncio code.

    Args:
        dedup_config: the ``dedup.DedupConfig`` whose signature the workers compute.
        workers: number of processes; ``None`` for one per core, ``0`` to work in-process.

    Example:
        >>> pool = ExtractionPool(DedupConfig(), workers=2)       # doctest: +SKIP
        >>> result = await pool.extract(page, boilerplate=None)   # doctest: +SKIP
        >>> pool.close()                                          # doctest: +SKIP
    """

    def __init__(self, dedup_config: Any, workers: int | None = None) -> None:
        self.dedup_config = dedup_config
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        self._executor = self._new_executor() if self.workers > 0 else None
        self.feed = PoolFeed(self.workers)

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("forkserver"),
            initializer=_init_worker, initargs=(self.dedup_config,),
        )

    async def extract(self, page: FetchedPage, boilerplate: Any = None) -> PoolResult:
        """Extract ``page`` in a worker and return the result (never raises for bad pages)."""
        if self._executor is None:
            return extract_here(page, boilerplate, self.dedup_config)
        self.feed.change(+1)
        try:
            future = self._executor.submit(_extract_in_worker, page, boilerplate)
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            # A worker died (out of memory, a crash in a C library on a pathological page):
            # the page is reported, the pool is rebuilt and the crawl goes on.
            logger.warning("extraction worker died on %s; restarting the pool", page.url)
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = self._new_executor()
            return PoolResult(error=WORKER_CRASHED, detail=page.url)
        finally:
            self.feed.change(-1)

    def close(self) -> None:
        """Stop the workers (pending pages are cancelled); log how well they were fed."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
            if self.feed.pages:
                logger.info("extraction pool: %s", self.feed.describe())


class PoolFeed:
    """How well the crawl keeps the workers busy: pages in flight, over time.

    A worker idles while fewer pages than workers are in flight; ``starved_s`` adds up that
    time from the first page to the last answer (the crawl's start and end included, when
    there is simply nothing to extract yet or any more).
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.in_flight = 0
        self.most_in_flight = 0
        self.pages = 0
        self.starved_s = 0.0
        self.first = self.last = 0.0

    def change(self, delta: int) -> None:
        """A page was handed to the pool (+1) or answered (-1)."""
        now = time.monotonic()
        if self.pages and self.in_flight < self.workers:
            self.starved_s += now - self.last
        if delta > 0:
            if not self.pages:
                self.first = now
            self.pages += 1
        self.last = now
        self.in_flight += delta
        self.most_in_flight = max(self.most_in_flight, self.in_flight)

    def describe(self) -> str:
        """One line for the log."""
        span = max(self.last - self.first, 1e-9)
        return (f"{self.pages} pages, at most {self.most_in_flight} in flight; fewer than "
                f"{self.workers} in flight for {self.starved_s:.1f} s of {span:.1f} s "
                f"({100 * self.starved_s / span:.0f} %)")
