"""The extraction process pool: trafilatura and the dedup signature, off the reactor.

Extraction is the crawl's CPU floor, so it runs in worker processes (one per core by default)
while Scrapy keeps fetching. Workers are started with ``forkserver`` (never ``fork`` a process
that runs the reactor), which imports trafilatura once for all of them (``start_forkserver``
starts it early), compute the dedup signature of the text they extracted (so the reactor never
shingles), and reset trafilatura's caches every ``_CACHE_RESET_EVERY`` pages so their memory
stays flat. ``newsmon import`` starts its workers before it runs any other thread, as forks of
its own process, which has the extraction imported already (:meth:`ExtractionPool.start_forked`).

Each page has a budget in its worker (DESIGN: "every page has a time and memory budget"): the
pool watches its busy workers every ``_WATCH_S`` from the event loop, and kills a worker whose
page has used more than ``timeout`` seconds of CPU, or whose resident memory is over
``max_memory``; the page is answered :data:`EXTRACTION_TIMEOUT` or :data:`EXTRACTION_MEMORY`
(skipped with that reason), the pages queued behind it go to the other workers, and a new
worker takes its place. CPU time, not wall time: a busy machine does not make good pages time
out. Resident memory read by the parent (``/proc/<pid>/statm``), not ``RLIMIT_AS`` in the
worker: the address-space limit counts virtual memory (a fresh worker maps ~260 MB for
~130 MB resident) and its failed allocations surface inside lxml as another error
("unparsable: no HTML tree") or a crash, never as "memory"; the parent names the reason and
kills the worker whatever code it runs. A page may go past a limit by what it uses in one
``_WATCH_S`` before it is caught. The worker says which page it is on and its CPU time when
that page started (shared memory), so a page's budget counts neither the worker's start-up nor
the pages before it.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import fcntl
import gc
import logging
import multiprocessing
import multiprocessing.forkserver
import os
import pickle
import signal
import struct
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

from crawler.items import Article, FetchedPage

# trafilatura keeps LRU caches that grow with every distinct page; 500 pages keeps a worker
# under ~150 MB on the AEB pages while costing one cache rebuild per 500 pages.
_CACHE_RESET_EVERY = 500

logger = logging.getLogger(__name__)

# The reason given for a page whose worker died: not the page's fault, so it is fetched again.
WORKER_CRASHED = "worker-crashed"
# The reasons given for a page over its budget (skipped, and marked seen with the reason).
EXTRACTION_TIMEOUT = "extraction-timeout"
EXTRACTION_MEMORY = "extraction-memory"

# How often the pool looks at its busy workers' CPU time and memory: a page is caught within
# this much of going over (reading two /proc files per busy worker costs ~50 us).
_WATCH_S = 0.1
_MB = 1024 * 1024


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
    import crawler.extract.article  # noqa: F401  (import trafilatura once per worker)

    _state["config"] = dedup_config
    _state["pages"] = 0
    if multiprocessing.parent_process() is not None:
        # a pool worker: the ~100,000 objects of its imports (trafilatura, htmldate, the language
        # model) live as long as it does; frozen, the collector's full passes skip them (each
        # took ~45 ms, 0.1 ms per page on the AEB pages), not in the crawl's own process
        gc.freeze()
        # a page leaves little cyclic garbage (lxml trees are freed by reference counts), but its
        # allocations ran a young collection every 700 objects: 0.15 ms a page on the AEB pages,
        # 0.04 at 10,000
        gc.set_threshold(10_000, 10, 10)


def _extract_in_worker(page: FetchedPage, boilerplate: Any) -> PoolResult:
    from crawler.errors import ExtractionError, NotAnArticle
    from crawler.extract.article import extract_article, reset_caches
    from dedup import signature

    _state["pages"] = _state.get("pages", 0) + 1
    if _state["pages"] % _CACHE_RESET_EVERY == 0:
        reset_caches()
    try:
        ex = extract_article(
            page.body,
            page.url,
            outlet=page.outlet,
            content_type=page.content_type,
            fetched=page.fetched,
            priors=page.priors,
            boilerplate=boilerplate,
        )
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


def _serve_pages(
    tasks: Any, results: Any, dedup_config: Any, progress: Any, inherited: tuple[int, ...] = ()
) -> None:
    """A worker process of :class:`ExtractionPool`: extract the pages ``tasks`` brings, one at
    a time, and send each result (or the exception it raised) back on ``results``; end when
    the pool closes ``tasks``. A Ctrl-C (SIGINT to the whole process group) is the crawl's to
    handle: its graceful stop still needs the workers for the pages in flight.

    ``progress`` (shared memory) tells the pool which page this is on: the number of pages
    received, and this process's CPU seconds when the current one started (-1 between pages),
    so that a page's budget counts its own CPU time only (not the worker's start-up).

    ``inherited``: the pool's ends of the pipes (this worker's and the others'), which a worker
    forked from the pool's process holds too; closed, so that each worker sees the end of its
    task pipe when the pool closes it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for fd in inherited:
        with contextlib.suppress(OSError):
            os.close(fd)
    _init_worker(dedup_config)
    while True:
        try:
            page, boilerplate = tasks.recv()
        except EOFError:
            return
        progress[1] = time.process_time()
        progress[0] += 1
        try:
            answer: tuple[bool, Any] = (True, _extract_in_worker(page, boilerplate))
        except Exception as exc:  # handed to the awaiting coroutine, as an executor would
            answer = (False, exc)
        try:
            results.send(answer)
        except Exception as exc:  # the result or the exception does not pickle
            results.send((False, RuntimeError(f"extraction result of {page.url}: {exc!r}")))
        progress[1] = -1.0


def _forkserver_context() -> Any:
    """The multiprocessing context of the workers: ``forkserver``, preloading the extraction.

    The forkserver imports trafilatura and loads the language model once, and each worker forks
    from it with them: not an import per worker (~0.4 CPU-s each, on the cores the crawl is
    starting on), and the memory pages of those modules are shared between the workers.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["crawler.extract.article"])
    return context


def start_forkserver() -> None:
    """Start the workers' forkserver now, so that it imports the extraction while the caller
    goes on (a crawl imports and sets up Scrapy meanwhile). Starting a worker waits for that
    import: without this, the first one would block the reactor for it at spider open."""
    _forkserver_context()
    multiprocessing.forkserver.ensure_running()


_HEADER = struct.Struct("!i")  # multiprocessing.Connection's framing: a length, then the bytes
_READ_SIZE = 1 << 20
_PAGES_PER_WORKER = 3  # one extracting, two waiting in its pipe: no gap, even on a busy machine
_PIPE_SIZE = 1 << 20  # the default of /proc/sys/fs/pipe-max-size; 64 KB otherwise


class _Worker:
    """One worker process and the parent's non-blocking ends of its two pipes."""

    def __init__(self, context: Any, dedup_config: Any, others: tuple[int, ...] = ()) -> None:
        task_r, task_w = context.Pipe(duplex=False)
        result_r, result_w = context.Pipe(duplex=False)
        # a forked child has this process's fds: the pool's ends of the pipes are not its own
        inherited: tuple[int, ...] = ()
        if context.get_start_method() == "fork":
            inherited = (*others, task_w.fileno(), result_r.fileno())
        # pages received, CPU seconds at the start of the current one (see _serve_pages)
        self.progress = context.RawArray("d", [0.0, -1.0])
        self.process = context.Process(
            target=_serve_pages,
            args=(task_r, result_w, dedup_config, self.progress, inherited),
            name="newsmon-extract",
            daemon=True,
        )
        try:
            self.process.start()
        finally:
            task_r.close()  # the child has its own copies now
            result_w.close()
        self.tasks = task_w  # kept so the ends close with the worker
        self.results = result_r
        self.task_fd = task_w.fileno()
        self.result_fd = result_r.fileno()
        os.set_blocking(self.task_fd, False)
        os.set_blocking(self.result_fd, False)
        with contextlib.suppress(OSError, AttributeError):  # Linux: a page in one write
            fcntl.fcntl(self.task_fd, fcntl.F_SETPIPE_SZ, _PIPE_SIZE)
        self.writing = False  # the loop watches task_fd for room
        self.out: collections.deque[memoryview] = collections.deque()  # bytes not yet written
        self.inbox = bytearray()  # bytes read, not yet a whole result
        self.pages: collections.deque[tuple[FetchedPage, Any, asyncio.Future[PoolResult]]] = (
            collections.deque()
        )  # sent, in order; answers come back in the same order
        self.alive = True
        self.answered = 0  # answers read from its pipe
        # why the pool killed it: the reason, its detail, and the page it was on
        self.verdict: tuple[str, str, FetchedPage] | None = None

    def close(self) -> None:
        self.alive = False
        self.tasks.close()  # the worker reads EOF and ends
        self.results.close()


class ExtractionPool:
    """A pool of extraction workers usable from asyncio code.

    The pool talks to its workers over pipes from the event loop itself (non-blocking writes
    and reads, pickled pages and results in ``multiprocessing.Connection``'s framing): no
    threads in this process, where ``ProcessPoolExecutor`` needs two (its manager and its
    queue feeder) and a thread hand-over for every page each way. Each worker gets at most three
    pages at a time, the rest wait here. A worker that dies costs the pages it was given (they
    are answered ``worker-crashed``) and is replaced when there is work for it.

    Args:
        dedup_config: the ``dedup.DedupConfig`` whose signature the workers compute.
        workers: number of processes; ``None`` for one per core, ``0`` to work in-process.
        timeout: CPU seconds one page may take (``None``: no limit; not with ``workers=0``).
        max_memory: bytes of resident memory a worker may use (``None``: no limit).

    Example:
        >>> pool = ExtractionPool(DedupConfig(), workers=2)       # doctest: +SKIP
        >>> result = await pool.extract(page, boilerplate=None)   # doctest: +SKIP
        >>> pool.close()                                          # doctest: +SKIP
    """

    def __init__(
        self,
        dedup_config: Any,
        workers: int | None = None,
        *,
        timeout: float | None = None,
        max_memory: int | None = None,
    ) -> None:
        self.dedup_config = dedup_config
        self.timeout = timeout or None
        self.max_memory = max_memory or None
        self._watching: asyncio.TimerHandle | None = None
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        self.feed = PoolFeed(self.workers)
        self._context = _forkserver_context()
        self._pool: list[_Worker] = []  # started on demand
        self._waiting: collections.deque[tuple[FetchedPage, Any, asyncio.Future[PoolResult]]] = (
            collections.deque()
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._starting = 0  # workers being started by start(), in a thread
        self._closed = False

    async def extract(self, page: FetchedPage, boilerplate: Any = None) -> PoolResult:
        """Extract ``page`` in a worker and return the result (never raises for bad pages)."""
        if self.workers <= 0:
            return extract_here(page, boilerplate, self.dedup_config)
        if self._closed:
            raise RuntimeError("the extraction pool is closed")
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._attach(loop)
        future: asyncio.Future[PoolResult] = loop.create_future()
        self.feed.change(+1)
        try:
            self._waiting.append((page, boilerplate, future))
            self._dispatch()
            return await future
        finally:
            self.feed.change(-1)

    def start(self) -> None:
        """Start every worker now, so that they are ready when the first pages come (the crawl
        fetches its robots.txt files and feeds meanwhile). Optional: ``extract`` starts the
        workers it needs.

        In a running event loop the workers are started from a thread: a worker forks from the
        forkserver only once that has imported the extraction, and the loop goes on meanwhile.
        """
        if self.workers <= 0 or self._closed:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no running loop: start them here; the first page attaches
            while len(self._pool) < self.workers:
                self._start_worker()
            return
        if loop is not self._loop:
            self._attach(loop)
        while len(self._pool) + self._starting < self.workers:
            self._starting += 1
            started = loop.run_in_executor(None, _Worker, self._context, self.dedup_config)
            started.add_done_callback(self._adopt)

    def start_forked(self) -> None:
        """Start every worker now as a fork of this process when it runs no other (Python)
        thread, on Linux; else :meth:`start`. The extraction is imported here first (``newsmon
        import`` has it already), so a worker is ready in milliseconds, where one from the
        forkserver waits for that process to import it (~1 s, much of a short import). Not for
        a process that runs Scrapy's reactor. A worker that replaces one that died comes from
        the forkserver.
        """
        if self.workers <= 0 or self._closed:
            return
        # Linux only: macOS's system libraries are not safe to use in a forked child
        if threading.active_count() > 1 or not sys.platform.startswith("linux"):
            self.start()
            return
        import crawler.extract.article  # noqa: F401  (imported here once, for every worker)

        with contextlib.suppress(RuntimeError):  # no running loop: the first page attaches
            loop = asyncio.get_running_loop()
            if loop is not self._loop:
                self._attach(loop)
        context = multiprocessing.get_context("fork")
        while len(self._pool) + self._starting < self.workers:
            others = tuple(fd for w in self._pool for fd in (w.task_fd, w.result_fd))
            self._start_worker(_Worker(context, self.dedup_config, others))

    def _adopt(self, started: asyncio.Future[_Worker]) -> None:
        """A worker started by :meth:`start` is ready: it joins the pool and gets pages."""
        self._starting -= 1
        failure = None if started.cancelled() else started.exception()
        if started.cancelled() or failure is not None:
            if self._closed:
                return
            logger.warning("an extraction worker did not start (%r); starting one again", failure)
            try:
                self._dispatch()  # with pages waiting, starts a worker here
            except Exception as exc:  # no worker at all: the waiting pages fail, as extract's do
                while self._waiting:
                    _, _, future = self._waiting.popleft()
                    if not future.done():
                        future.set_exception(exc)
            return
        worker = started.result()
        if self._closed:
            worker.close()
            worker.process.join(timeout=10)
            return
        self._pool.append(worker)
        assert self._loop is not None
        self._loop.add_reader(worker.result_fd, self._readable, worker)
        logger.debug("extraction worker %s ready", worker.process.pid)
        self._dispatch()

    def close(self) -> None:
        """Stop the workers (pages not yet answered are cancelled); log how well they were fed."""
        if self._closed:
            return
        self._closed = True
        for _, _, future in self._waiting:
            future.cancel()
        self._waiting.clear()
        workers, self._pool = self._pool, []
        if self._watching is not None:
            self._watching.cancel()
            self._watching = None
        for worker in workers:
            self._forget(worker)
            for _, _, future in worker.pages:
                future.cancel()
            worker.close()
        for worker in workers:
            worker.process.join(timeout=10)
            if worker.process.exitcode is None:
                worker.process.terminate()
                worker.process.join(timeout=5)
        if self.feed.pages:
            logger.info("extraction pool: %s", self.feed.describe())

    # -- the event loop side --------------------------------------------------------------

    def _attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Watch the workers' pipes from ``loop`` (a pool can outlive an event loop)."""
        old, self._loop = self._loop, loop
        if self._watching is not None:  # a timer of the old loop
            self._watching.cancel()
            self._watching = None
        for worker in self._pool:
            if old is not None and not old.is_closed():
                with contextlib.suppress(Exception):
                    old.remove_reader(worker.result_fd)
                    old.remove_writer(worker.task_fd)
            loop.add_reader(worker.result_fd, self._readable, worker)
            if worker.writing:
                loop.add_writer(worker.task_fd, self._writable, worker)

    def _forget(self, worker: _Worker) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(worker.result_fd)
            self._loop.remove_writer(worker.task_fd)

    def _dispatch(self) -> None:
        """Hand waiting pages to the workers with room, starting workers up to ``workers``."""
        while self._waiting:
            worker = min(
                (w for w in self._pool if w.alive), key=lambda w: len(w.pages), default=None
            )
            room = len(self._pool) + self._starting < self.workers
            if room and (worker is None or len(worker.pages) >= 1):
                worker = self._start_worker()
            if worker is None:  # the workers are still starting: they take the pages then
                return
            if len(worker.pages) >= _PAGES_PER_WORKER:
                return
            page, boilerplate, future = self._waiting.popleft()
            if future.done():  # cancelled while it waited
                continue
            payload = pickle.dumps((page, boilerplate), pickle.HIGHEST_PROTOCOL)
            worker.pages.append((page, boilerplate, future))
            worker.out.append(memoryview(_HEADER.pack(len(payload))))
            worker.out.append(memoryview(payload))
            self._writable(worker)
            self._watch_soon()

    def _start_worker(self, worker: _Worker | None = None) -> _Worker:
        worker = worker or _Worker(self._context, self.dedup_config)
        self._pool.append(worker)
        if self._loop is not None:  # else _attach watches it
            self._loop.add_reader(worker.result_fd, self._readable, worker)
        return worker

    def _writable(self, worker: _Worker) -> None:
        """Write what waits for ``worker`` until its pipe is full; then wait to be writable."""
        try:
            while worker.out:
                chunk = worker.out[0]
                written = os.write(worker.task_fd, chunk)
                if written < len(chunk):
                    worker.out[0] = chunk[written:]
                    break
                worker.out.popleft()
        except BlockingIOError:
            pass
        except OSError:  # the worker is gone: reading its pipe's end tells the rest
            worker.out.clear()
        assert self._loop is not None
        if worker.out and not worker.writing:
            self._loop.add_writer(worker.task_fd, self._writable, worker)
            worker.writing = True
        elif not worker.out and worker.writing:
            self._loop.remove_writer(worker.task_fd)
            worker.writing = False

    def _readable(self, worker: _Worker) -> None:
        """Read ``worker``'s answers; the end of its pipe means it died."""
        try:
            data = os.read(worker.result_fd, _READ_SIZE)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._died(worker)
            return
        inbox = worker.inbox
        inbox += data
        while len(inbox) >= 4:
            (size,) = _HEADER.unpack_from(inbox)
            start = 4
            if size == -1:  # over 2 GiB: a 64-bit length follows
                if len(inbox) < 12:
                    return
                (size,) = struct.unpack_from("!Q", inbox, 4)
                start = 12
            if len(inbox) < start + size:
                return
            ok, value = pickle.loads(inbox[start : start + size])
            del inbox[: start + size]
            _, _, future = worker.pages.popleft()
            worker.answered += 1
            if not future.done():
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)
            self._dispatch()

    def _died(self, worker: _Worker) -> None:
        """``worker`` ended: the page it was extracting is answered (over its budget, or
        ``worker-crashed``), the pages queued behind it go to other workers."""
        self._forget(worker)
        worker.close()
        self._pool.remove(worker)
        worker.process.join(timeout=1)
        culprit = None  # the page the worker was on: it answers for the worker's death
        if worker.verdict is not None:
            culprit = next((entry for entry in worker.pages if entry[0] is worker.verdict[2]), None)
        elif worker.pages:
            culprit = worker.pages[0]
        if culprit is not None:
            worker.pages = collections.deque(e for e in worker.pages if e is not culprit)
            page, _, future = culprit
            if worker.verdict is not None:
                reason, detail, _ = worker.verdict
                logger.warning(
                    "extraction of %s stopped: %s; starting a new worker", page.url, detail
                )
                result = PoolResult(error=reason, detail=detail)
            else:
                # A worker died (out of memory, a crash in a C library on a pathological page):
                # the page is reported, a new worker takes the next pages and the crawl goes on.
                logger.warning(
                    "extraction worker died on %s (exit code %s); starting a new one",
                    page.url,
                    worker.process.exitcode,
                )
                result = PoolResult(error=WORKER_CRASHED, detail=page.url)
            if not future.done():
                future.set_result(result)
        # not started yet: they wait first in line for the next worker
        self._waiting.extendleft(reversed(worker.pages))
        worker.pages.clear()
        if not self._closed:
            self._dispatch()

    # -- the per-page budget ----------------------------------------------------------------

    def _watch_soon(self) -> None:
        """Look at the busy workers in ``_WATCH_S`` (when there is a limit to watch)."""
        if self._watching is None and (self.timeout or self.max_memory) and self._loop:
            self._watching = self._loop.call_later(_WATCH_S, self._watch)

    def _watch(self) -> None:
        """Kill a busy worker whose page is over its CPU time or whose memory is over its cap."""
        self._watching = None
        for worker in [w for w in self._pool if w.alive and w.pages and w.verdict is None]:
            usage = _usage(worker.process.pid)
            if usage is None:  # it is ending: its pipe says so
                continue
            cpu, resident = usage
            received, started = worker.progress[0], worker.progress[1]
            # the page it is on: answers come in order, some may still wait in the pipe
            at = int(received) - worker.answered - 1
            page = worker.pages[at][0] if started >= 0 and 0 <= at < len(worker.pages) else None
            if page is None:  # starting, or between two pages: nothing to blame
                continue
            if self.timeout and cpu - started > self.timeout:
                self._kill(
                    worker,
                    EXTRACTION_TIMEOUT,
                    f"over {self.timeout:g} s of CPU (NEWSMON_EXTRACT_TIMEOUT)",
                    page,
                )
            elif self.max_memory and resident > self.max_memory:
                self._kill(
                    worker,
                    EXTRACTION_MEMORY,
                    f"worker over {self.max_memory / _MB:g} MB of memory "
                    f"(NEWSMON_EXTRACT_MAX_MEMORY)",
                    page,
                )
        if any(w.pages for w in self._pool):
            self._watch_soon()

    def _kill(self, worker: _Worker, reason: str, detail: str, page: FetchedPage) -> None:
        """End ``worker`` now; its pipe's end then answers ``page`` with ``reason``."""
        worker.verdict = (reason, detail, page)
        with contextlib.suppress(ProcessLookupError, TypeError):
            os.kill(worker.process.pid, signal.SIGKILL)


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _usage(pid: int | None) -> tuple[float, int] | None:
    """CPU seconds and resident bytes of process ``pid`` (Linux ``/proc``); None if gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        with open(f"/proc/{pid}/statm", "rb") as statm:
            resident = int(statm.read().split()[1]) * _PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return None
    # after the name: state is field 3 of stat(5), utime 14 and stime 15
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS, resident


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
        return (
            f"{self.pages} pages, at most {self.most_in_flight} in flight; fewer than "
            f"{self.workers} in flight for {self.starved_s:.1f} s of {span:.1f} s "
            f"({100 * self.starved_s / span:.0f} %)"
        )
