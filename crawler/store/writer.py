"""The archive's single writer thread: batched transactions, answers after COMMIT.

The crawl's pipelines and ``newsmon ingest`` hand every archive write to one
:class:`StoreWriter`, which owns the SQLite write connection in its own thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crawler.errors import StorageError
from crawler.items import ArticleItem
from crawler.store.archive import Archive
from crawler.store.outbox import extracted_message
from crawler.times import now_iso

__all__ = ["StoreWriter"]


@dataclass(slots=True)
class _Write:
    """One job for the writer thread: ``fn(archive)``, and where its outcome goes."""

    fn: Callable[[Archive], Any]
    batched: bool  # part of a batch transaction (else run alone, as ``fn`` does it)
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop


class StoreWriter:
    """The archive's single writer: one thread owns the write connection, in order.

    Writes are queued to the thread in the order the pipelines make them, so the archive applies
    cluster merges in the order the clusterer decided them. The thread commits the writes that
    queue up within ``linger`` seconds of the first (at most ``batch_size``) in one transaction,
    each write in a savepoint of its own (a failed write fails alone). A write's awaitable
    completes only after that COMMIT: whatever the caller does next (marking the URLs seen for
    the rest of the run, acknowledging a Redis message) follows a durable write, and a process
    killed before the COMMIT loses the whole batch, articles and seen URLs together, to be
    fetched again. Completions of a batch reach the event loop in one wake-up.

    With ``outbox`` set (the ``PublishPipeline`` sets it), each stored article also queues its
    Redis messages.

    Args:
        archive_path: the archive file.
        keep_html: store the raw HTML of each article.
        batch_size: most writes per transaction.
        linger: seconds the thread waits for more writes after the first one of a batch (0:
            only what is already queued, which suits callers that await one write at a time).
    """

    def __init__(
        self, archive_path: str, keep_html: bool, *, batch_size: int = 100, linger: float = 0.0
    ) -> None:
        self.keep_html = keep_html
        self.outbox = False
        self.batch_size = max(1, batch_size)
        self.linger = max(0.0, linger)
        self.batches = 0  # transactions committed (for the stats and the tests)
        self.writes = 0
        self._archive = Archive(archive_path)
        self._queue: queue.SimpleQueue[_Write | None] = queue.SimpleQueue()
        self._full = threading.Event()  # a batch_size of writes waits: stop lingering
        self._closed = False
        self._thread = threading.Thread(target=self._serve, name="archive-writer", daemon=True)
        self._thread.start()

    # -- the asyncio side ---------------------------------------------------------------------

    def _submit(self, fn: Callable[[Archive], Any], *, batched: bool) -> asyncio.Future[Any]:
        if self._closed:  # a job queued now would wait for a thread that is gone, for ever
            raise StorageError("the archive writer is closed")
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queue.put(_Write(fn, batched, future, loop))
        if self._queue.qsize() >= self.batch_size:  # a full batch: no need to linger
            self._full.set()
        return future

    async def write(self, fn: Callable[[Archive], Any]) -> Any:
        """Run ``fn(archive)`` in the next batch transaction; returns once it is committed."""
        return await self._submit(fn, batched=True)

    async def store(self, item: ArticleItem) -> None:
        """Store an article, its page and its cluster change; mark its URLs seen."""
        html = item.html if self.keep_html else None
        outbox = self.outbox
        await self.write(
            lambda a: a.store_article(
                item.article,
                html=html,
                content_type=item.content_type,
                signature=item.signature,
                aliases=item.aliases,
                seen_urls=item.seen_urls,
                outbox=outbox,
            )
        )

    async def call(self, fn: Any) -> Any:
        """Run ``fn(archive)`` on the writer thread, in turn with the other writes, on its own
        (outside any batch: ``fn`` commits as it does)."""
        return await self._submit(fn, batched=False)

    async def send(self, item: ArticleItem) -> None:
        """Worker mode: queue the article's ``extracted`` message and mark its URLs seen."""
        message = extracted_message(item)
        when = now_iso()
        await self.write(
            lambda a: a.queue_extracted(item.article.outlet, message, item.seen_urls, when)
        )

    async def mark_seen(self, outlet: str, urls: list[str], status: str) -> None:
        """Record URLs that will not be stored so that they are not fetched again."""
        when = now_iso()
        await self.write(lambda a: a.mark_seen(outlet, urls, status, when))

    def close(self) -> None:
        """Finish queued writes and close the connection; later writes raise ``StorageError``."""
        self._closed = True
        if self._thread.is_alive():
            self._queue.put(None)
            self._full.set()
            self._thread.join()
        self._archive.close()

    # -- the writer thread --------------------------------------------------------------------

    def _serve(self) -> None:
        stopping = False
        while not stopping:
            jobs, stopping = self._gather()
            batch: list[_Write] = []
            for job in jobs:
                if job.batched:
                    batch.append(job)
                    continue
                self._commit(batch)
                batch = []
                _settle([self._run_alone(job)])
            self._commit(batch)

    def _gather(self) -> tuple[list[_Write], bool]:
        """The next jobs: the first one queued, then what follows within the linger time.

        The thread sleeps through the linger time (woken early only when a full batch waits)
        and then takes what was queued, rather than waking up for every write.
        """
        first = self._queue.get()
        if first is None:
            return [], True
        jobs = [first]
        if self.linger and self._queue.qsize() < self.batch_size - 1:
            self._full.wait(self.linger)
        self._full.clear()
        while len(jobs) < self.batch_size:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is None:
                return jobs, True
            jobs.append(job)
        return jobs, False

    def _run_alone(self, job: _Write) -> tuple[_Write, Any, BaseException | None]:
        try:
            return job, job.fn(self._archive), None
        except Exception as exc:  # handed to the awaiting coroutine
            return job, None, exc

    def _commit(self, batch: list[_Write]) -> None:
        """Run ``batch`` in one transaction, each write in a savepoint; settle after COMMIT."""
        if not batch:
            return
        outcomes: list[tuple[_Write, Any, BaseException | None]] = []
        try:
            with self._archive.transaction():
                for job in batch:
                    try:
                        with self._archive.transaction():  # a savepoint: fails alone
                            outcomes.append((job, job.fn(self._archive), None))
                    except Exception as exc:
                        outcomes.append((job, None, exc))
            self.batches += 1
            self.writes += len(batch)
        except sqlite3.Error as exc:  # BEGIN or COMMIT failed: nothing of the batch is written
            error = StorageError(f"cannot write archive {self._archive.path}: {exc}")
            outcomes = [(job, None, error) for job in batch]
        _settle(outcomes)


def _settle(outcomes: list[tuple[_Write, Any, BaseException | None]]) -> None:
    """Hand outcomes to their event loops: one wake-up per loop, not one per write."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Write, Any, BaseException | None]]] = {}
    for outcome in outcomes:
        by_loop.setdefault(outcome[0].loop, []).append(outcome)
    for loop, part in by_loop.items():
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
            loop.call_soon_threadsafe(_set_outcomes, part)


def _set_outcomes(outcomes: list[tuple[_Write, Any, BaseException | None]]) -> None:
    for job, result, exc in outcomes:
        if job.future.done():  # cancelled meanwhile
            continue
        if exc is None:
            job.future.set_result(result)
        else:
            job.future.set_exception(exc)
