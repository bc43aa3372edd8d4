"""``newsmon import``: WARC files through the crawl's extraction, clusterer and archive.

Each WARC file is read in chunks of records (in a thread, one chunk ahead); the responses whose
URL is an article of a registry outlet (``Outlet.is_article_url`` on the canonical URL, as the
crawl's link filter) go through the crawl's own extraction step
(:class:`crawler.fetch.extraction.PageExtraction`: pool, boilerplate learner; the pool's
workers are forks of this process, started first), then, in publication order, through the
crawl's clustering (:mod:`crawler.store.clustering`) and the archive's single writer
(:class:`crawler.store.writer.StoreWriter`).

Resuming: after each chunk's articles are committed, the number of records done in the file is
written to the archive's meta table (``warc-import:<file>``), in the writer's order, so a rerun
starts after them; a file read to its end is marked done and passed over. Articles of a chunk
that was cut short are found stored (by id) and counted ``already stored``, never stored twice.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO

from crawler.errors import NewsmonError, StorageError
from crawler.extract.boilerplate import BoilerplateLearner
from crawler.fetch.extraction import PageExtraction
from crawler.fetch.pool import WORKER_CRASHED, ExtractionPool
from crawler.items import ArticleItem, FetchedPage, Priors
from crawler.store.clustering import assign_cluster, restore_clusterer
from crawler.store.warc import CUT_OFF, WarcResponse, read_warc
from crawler.store.writer import StoreWriter
from crawler.times import epoch, parse_iso
from crawler.urls import article_id, canonicalize, url_host
from dedup import Clusterer, DedupConfig, MemoryStore
from settings.registry import Outlet

logger = logging.getLogger(__name__)

__all__ = [
    "ImportReport",
    "OutletMatcher",
    "RedisWork",
    "SourceError",
    "WarcSource",
    "import_warcs",
    "local_sources",
]

CHUNK_RECORDS = 2000  # records read per chunk at most: the unit of resuming
CHUNK_PAGES = 100  # pages to extract per chunk at most
_CHUNKS_IN_FLIGHT = 3  # chunks extracting while the oldest is clustered and stored
_PROGRESS_EVERY_S = 10.0
_META_PREFIX = "warc-import:"


class SourceError(NewsmonError):
    """A WARC file or index could not be opened, fetched, or was cut off."""


@dataclass(frozen=True, slots=True)
class WarcSource:
    """One WARC file to import: its name (shown), resume key and how to open it."""

    name: str
    key: str
    open: Callable[[], IO[bytes]]


def local_sources(paths: Iterable[str]) -> list[WarcSource]:
    """Sources for local files; the key is the file's name and size (a moved file is the same
    file, a file written further is not)."""
    sources = []
    for path in paths:
        size = os.path.getsize(path)
        sources.append(
            WarcSource(name=path, key=f"{os.path.basename(path)}:{size}", open=_opener(path))
        )
    return sources


def _opener(path: str) -> Callable[[], IO[bytes]]:
    def open_file() -> IO[bytes]:
        return open(path, "rb")

    return open_file


class OutletMatcher:
    """Which outlet a record's URL is an article of, by the registry's own rules.

    ``all_hosts``: hosts whose every HTML page is kept, as an outlet named after the host.
    """

    def __init__(self, outlets: Iterable[Outlet], all_hosts: Iterable[str] = ()) -> None:
        self._by_domain: dict[str, list[Outlet]] = {}
        self._zones: dict[str, str | None] = {}
        for outlet in outlets:
            self._zones[outlet.id] = outlet.timezone
            for domain in outlet.allowed_domains:
                self._by_domain.setdefault(domain, []).append(outlet)
        self._all_hosts = {h.strip().lower().rstrip(".") for h in all_hosts if h.strip()}

    def zone_of(self, outlet_id: str) -> str | None:
        """The registry's time zone of an outlet (None for a host kept by ``all_hosts``)."""
        return self._zones.get(outlet_id)

    def outlet_of(self, url: str) -> tuple[str | None, str]:
        """``(outlet id, canonical URL)``, or ``(None, reason)`` (``not-an-outlet``,
        ``not-an-article``)."""
        host = url_host(url) or ""  # the canonical URL's host too; canonicalize only if needed
        parts = host.split(".")
        suffixes = [".".join(parts[i:]) for i in range(len(parts))]
        outlets = [o for suffix in suffixes for o in self._by_domain.get(suffix, ())]
        kept_host = next((suffix for suffix in suffixes if suffix in self._all_hosts), None)
        if not outlets and kept_host is None:
            return None, "not-an-outlet"  # most records of a CC-NEWS file: cheap
        canonical = canonicalize(url)
        for outlet in outlets:
            if outlet.is_article_url(canonical):
                return outlet.id, canonical
        if kept_host is not None:
            return kept_host, canonical
        return None, "not-an-article"


@dataclass
class ImportReport:
    """What one import did: files, records, articles, and why records were left out."""

    files: int = 0
    files_done_before: int = 0
    records: int = 0
    pages: int = 0  # responses extracted
    stored: int = 0
    already_stored: int = 0
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> records
    per_outlet: Counter[str] = field(default_factory=Counter)  # outlet -> stored
    failed: list[str] = field(default_factory=list)  # files that could not be read to the end
    held_elsewhere: int = 0  # worker mode: files another worker is importing
    left_in_outbox: int = 0  # worker mode: messages Redis has not taken yet
    seconds: float = 0.0
    sent_to_ingest: bool = False

    @property
    def exit_status(self) -> int:
        """0, or 1 when a file could not be read (it is taken up again by the next run)."""
        return 1 if self.failed else 0

    def summary_lines(self) -> list[str]:
        """The lines printed at the end of the import."""
        rate = self.pages / self.seconds if self.seconds else 0.0
        verb = "sent to ingest" if self.sent_to_ingest else "imported"
        lines = [
            f"{verb} {self.stored} articles from {self.files} WARC files "
            f"({self.files_done_before} done before): {self.records} records read, "
            f"{self.pages} pages extracted ({rate:.1f}/s), "
            f"{self.already_stored} already stored"
        ]
        if self.per_outlet:
            lines.append(
                "stored per outlet: "
                + ", ".join(f"{o} {n}" for o, n in sorted(self.per_outlet.items()))
            )
        if self.skipped:
            lines.append(
                "left out: "
                + ", ".join(f"{reason} {n}" for reason, n in self.skipped.most_common())
            )
        if self.held_elsewhere:
            lines.append(f"{self.held_elsewhere} files being imported by another worker")
        if self.left_in_outbox:
            lines.append(f"{self.left_in_outbox} messages wait in the outbox for the next run")
        lines.extend(f"not finished (the next run goes on): {f}" for f in self.failed)
        return lines


@dataclass(slots=True)
class _Chunk:
    """Records of one file read in one go: pages to extract and where the file stands after."""

    pages: list[FetchedPage]
    reasons: Counter[str]
    records: int  # records read in this chunk
    next_index: int
    finished: bool
    # the last chunk of a file that ends inside its last record (a download cut off): that
    # record's index; the file is not done, and the next run reads that record again
    cut: int | None = None


class _Importer:
    """One import run: the extraction, the clusterer and the writer, over many files."""

    def __init__(
        self,
        extraction: PageExtraction,
        clusterer: Clusterer,
        known: set[str],
        writer: StoreWriter,
        matcher: OutletMatcher,
        *,
        since: str | None,
        until: str | None,
        progress: Callable[[str], None] | None,
        clock: Callable[[], float],
        send: bool = False,
    ) -> None:
        self.send = send  # worker mode: articles go to `newsmon ingest`, not clustered here
        self.extraction = extraction
        self.clusterer = clusterer
        self.known = known
        self.writer = writer
        self.matcher = matcher
        self.since = parse_iso(since) if since else None
        self.until = parse_iso(until) if until else None
        self.progress = progress
        self.clock = clock
        self.report = ImportReport()
        self._last_progress = clock()
        self.started = clock()

    def _wanted(self, url: str, date: datetime) -> str | None:
        if self.since and date < self.since:
            return "before-since"
        if self.until and date > self.until:
            return "after-until"
        outlet, reason = self.matcher.outlet_of(url)
        return None if outlet else reason

    def _page(self, response: WarcResponse) -> FetchedPage:
        outlet, canonical = self.matcher.outlet_of(response.url)
        return FetchedPage(
            url=canonical,
            outlet=outlet or "",
            body=response.body,
            fetched=response.date.isoformat(timespec="seconds"),
            content_type=response.content_type,
            # the time a newsmon export carries (a feed's, where the page shows none), and the
            # zone of a clock the page shows without one
            priors=Priors(
                published=response.published,
                source="warc" if response.published else "",
                zone=self.matcher.zone_of(outlet or ""),
            ),
        )

    def _read_chunks(
        self, records: Iterator[tuple[int, WarcResponse | str]], start: int
    ) -> Iterator[_Chunk]:
        """Group the records into chunks of CHUNK_RECORDS."""
        pages: list[FetchedPage] = []
        reasons: Counter[str] = Counter()
        count, next_index = 0, start
        last: str | WarcResponse | None = None
        for index, outcome in records:
            count += 1
            next_index = index + 1
            last = outcome
            if isinstance(outcome, str):
                reasons[outcome] += 1
            else:
                pages.append(self._page(outcome))
            if count == CHUNK_RECORDS or len(pages) == CHUNK_PAGES:
                yield _Chunk(pages, reasons, count, next_index, finished=False)
                pages, reasons, count = [], Counter(), 0
        if isinstance(last, str) and last in CUT_OFF:
            yield _Chunk(pages, reasons, count, next_index - 1, finished=True, cut=next_index - 1)
        else:
            yield _Chunk(pages, reasons, count, next_index, finished=True)

    async def import_file(self, source: WarcSource) -> None:
        """Import one file from where the archive says it stands."""
        key = _META_PREFIX + source.key
        state = json.loads(await self.writer.call(lambda a: a.get_meta(key)) or "{}")
        self.report.files += 1
        if state.get("done"):
            self.report.files_done_before += 1
            logger.info("%s: imported before, passed over", source.name)
            return
        start = int(state.get("records", 0))
        stream = await asyncio.to_thread(source.open)
        extracting: collections.deque[tuple[_Chunk, asyncio.Future[list[ArticleItem]]]] = (
            collections.deque()
        )
        try:
            chunks = self._read_chunks(read_warc(stream, self._wanted, start=start), start)
            finished = False
            while not finished:
                chunk = await asyncio.to_thread(next, chunks)
                finished = chunk.finished
                # the next chunks extract while the oldest is clustered and stored: the pool
                # never waits for the archive
                extracting.append((chunk, asyncio.ensure_future(self._extract_chunk(chunk))))
                while extracting and (len(extracting) >= _CHUNKS_IN_FLIGHT or finished):
                    done_chunk, items = extracting.popleft()
                    await self._store_chunk(await items)
                    ended = done_chunk.finished and done_chunk.cut is None
                    done = json.dumps({"records": done_chunk.next_index, "done": ended})
                    await self.writer.write(lambda a, d=done: a.set_meta(key, d))
                    self._tell(source.name)
                    if done_chunk.cut is not None:
                        raise SourceError(
                            f"cut off inside record {done_chunk.cut + 1}: the next run reads it "
                            "again"
                        )
        finally:
            for _, items in extracting:
                items.cancel()
            await asyncio.gather(*(items for _, items in extracting), return_exceptions=True)
            await asyncio.to_thread(stream.close)

    async def _extract_chunk(self, chunk: _Chunk) -> list[ArticleItem]:
        """Extract a chunk's pages not stored before; its articles, ready to cluster."""
        self.report.records += chunk.records
        self.report.skipped.update(chunk.reasons)
        ids = [article_id(p.url) for p in chunk.pages]
        stored = await self.writer.call(
            lambda a: {i for i in ids if i in self.known or a.has_article(i)}
        )
        todo = [p for p, i in zip(chunk.pages, ids, strict=True) if i not in stored]
        self.report.already_stored += len(chunk.pages) - len(todo)
        results = await asyncio.gather(*(self.extraction.extract(p) for p in todo))
        self.report.pages += len(todo)
        items = []
        for page, result in zip(todo, results, strict=True):
            if result.article is None:
                self.report.skipped[result.error or WORKER_CRASHED] += 1
                continue
            items.append(
                ArticleItem(
                    article=result.article,
                    signature=result.signature or b"",
                    html=page.body,
                    content_type=page.content_type,
                    seen_urls=list(dict.fromkeys([page.url, result.article.canonical_url])),
                )
            )
        return items

    async def _store_chunk(self, items: list[ArticleItem]) -> None:
        """Cluster and store (or send) a chunk's articles in publication order."""
        # publication order (per outlet, and across outlets): clusters and copy direction as a
        # crawl that had fetched each page when it appeared would make them
        items.sort(
            key=lambda it: (
                epoch(it.article.published or it.article.fetched),
                it.article.outlet,
                it.article.id,
            )
        )
        writes = []
        for item in items:
            if item.article.id in self.known:  # another URL of an article stored in this run
                self.report.already_stored += 1
                continue
            self.known.add(item.article.id)
            self.report.per_outlet[item.article.outlet] += 1
            if self.send:
                writes.append(self.writer.send(item))
                continue
            assign_cluster(self.clusterer, item)
            writes.append(self.writer.store(item))
        await asyncio.gather(*writes)
        self.report.stored += len(writes)

    def _tell(self, name: str) -> None:
        now = self.clock()
        if self.progress is None or now - self._last_progress < _PROGRESS_EVERY_S:
            return
        self._last_progress = now
        r = self.report
        rate = r.pages / max(now - self.started, 1e-9)
        self.progress(
            f"{name}: {r.records} records, {r.pages} pages ({rate:.1f}/s), {r.stored} stored"
        )


async def import_warcs(
    sources: Iterable[WarcSource],
    matcher: OutletMatcher,
    db_path: str,
    *,
    dedup_config: DedupConfig | None = None,
    workers: int | None = None,
    since: str | None = None,
    until: str | None = None,
    keep_html: bool = True,
    redis: RedisWork | None = None,
    progress: Callable[[str], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> ImportReport:
    """Import WARC files into the archive at ``db_path``, file after file; returns the report.

    ``since``/``until`` (ISO) keep only records fetched (WARC-Date) in that period. With
    ``redis`` (worker mode) each file is claimed with a Redis lease, done files are shared in
    Redis, and the articles go to ``newsmon ingest`` through the ``extracted`` stream (this
    archive keeps the outbox and each file's progress, no articles).

    Raises:
        StorageError: the archive cannot be written.
    """
    cfg = dedup_config or DedupConfig()
    pool = ExtractionPool(cfg, workers)
    # first, while this process runs no other thread (the writer's is next): the workers are
    # forks of it, ready at once, and extract while the archive opens and the file is read
    pool.start_forked()
    try:
        writer = StoreWriter(db_path, keep_html and redis is None, batch_size=200)
    except BaseException:
        pool.close()
        raise
    extraction = PageExtraction(pool, BoilerplateLearner())
    clusterer = Clusterer(cfg, store=MemoryStore())
    try:
        await writer.call(extraction.load_learner)
        known: set[str] = set()
        if redis is None:
            known = await writer.call(lambda a: restore_clusterer(clusterer, a))
        importer = _Importer(
            extraction,
            clusterer,
            known,
            writer,
            matcher,
            since=since,
            until=until,
            progress=progress,
            clock=clock,
            send=redis is not None,
        )
        importer.report.sent_to_ingest = redis is not None
        try:
            if redis is None:
                await _import_all(importer, sources)
            else:
                await redis.run(importer, sources)
        finally:
            importer.report.seconds = clock() - importer.started
            try:
                await writer.call(extraction.save_learner)
            except (StorageError, sqlite3.Error) as exc:  # a full disk: said by the import too
                logger.warning("the learned boilerplate was not saved: %s", exc)
        return importer.report
    finally:
        extraction.pool.close()
        writer.close()


async def _import_one(importer: _Importer, source: WarcSource) -> bool:
    """Import one file; False (logged and reported) when it could not be read to its end."""
    try:
        await importer.import_file(source)
        return True
    except (SourceError, OSError) as exc:
        logger.error("%s: %s", source.name, exc)
        importer.report.failed.append(f"{source.name}: {exc}")
        return False


async def _import_all(importer: _Importer, sources: Iterable[WarcSource]) -> None:
    for source in sources:
        await _import_one(importer, source)


class RedisWork:
    """Worker mode: WARC files shared out between machines through Redis.

    Each file is a unit of work: a worker claims it with a lease
    (``<prefix>lease:warc:<file>``, as the scheduler leases an outlet; renewed while it reads,
    taken over after a crash when it runs out) and, once the file is read to its end, adds it
    to the set ``<prefix>warc-done``, which every worker passes over. The articles go to the
    ``extracted`` stream through the worker archive's outbox, for ``newsmon ingest``.
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "newsmon:",
        lease_ttl: float = 60.0,
        maxlen: int = 1_000_000,
        batch_size: int = 500,
        backoff_max: float = 30.0,
        close_timeout: float = 10.0,
    ) -> None:
        self.url = url
        self.prefix = prefix
        self.lease_ttl = lease_ttl
        self.maxlen = maxlen
        self.batch_size = batch_size
        self.backoff_max = backoff_max
        self.close_timeout = close_timeout

    async def run(self, importer: _Importer, sources: Iterable[WarcSource]) -> None:
        """Import every file no other worker holds or has done; publish the outbox."""
        import redis

        from crawler.run.lease import LeaseKeeper, RedisLease
        from crawler.store.queue import OutboxPublisher, connect, connect_blocking, redact_url

        blocking = connect_blocking(self.url)
        try:
            await asyncio.to_thread(blocking.ping)
        except redis.RedisError as exc:
            blocking.close()
            raise StorageError(f"cannot reach Redis at {redact_url(self.url)}: {exc}") from None
        client = connect(self.url)
        publisher = OutboxPublisher(
            client,
            url=self.url,
            prefix=self.prefix,
            maxlen=self.maxlen,
            batch_size=self.batch_size,
            backoff_max=self.backoff_max,
        )
        done_key = self.prefix + "warc-done"
        publisher.start(importer.writer.call)
        try:
            for source in sources:
                if await asyncio.to_thread(blocking.sismember, done_key, source.key):
                    importer.report.files += 1
                    importer.report.files_done_before += 1
                    continue
                lease = RedisLease(
                    blocking, f"{self.prefix}lease:warc:{source.key}", self.lease_ttl
                )
                if not await asyncio.to_thread(lease.acquire):
                    importer.report.held_elsewhere += 1
                    continue
                with LeaseKeeper([lease]):
                    finished = await _import_one(importer, source)
                    publisher.wake()
                if finished:
                    await asyncio.to_thread(blocking.sadd, done_key, source.key)
                await asyncio.to_thread(lease.release)
            importer.report.left_in_outbox = await publisher.finish(
                importer.writer.call, self.close_timeout
            )
        finally:
            publisher.cancel()
            await client.aclose()
            blocking.close()
