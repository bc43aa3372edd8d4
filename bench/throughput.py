"""Crawl throughput and memory against the extraction floor (issue #8).

Serves N unique article pages made from the AEB pages (../shared/bench/aeb/html) on K local
outlets (127.0.0.2, 127.0.0.3, ...; one RSS feed each that lists all of that outlet's pages), then
measures in the same run:

- the floor: plain ``trafilatura.extract`` over the same pages, in this process and in a pool of
  one process per core (what the issue calls the floor);
- newsmon's own worker job (``extract_article`` + the dedup signature, ``crawler.fetch.pool``) in
  the same kind of pool: the floor that newsmon's extraction itself sets;
- ``newsmon crawl`` over the outlets (a child process, politeness off through ``-s``), with its
  stored articles per second, the ratios against both floors, the CPU time per stored page of
  the crawl process (reactor and threads) and of its whole tree, how well the extraction pool
  was fed, the peak RSS of the crawl process and of its whole process tree (the extraction
  workers and the forkserver included), and the RSS curve: both RSS figures at every 1,000
  stored pages, with the tree's growth from 5,000 pages on (the issue wants it within 10 %).

On a shared machine wall-clock figures swing with the other load; the CPU time per page of the
crawl process moves much less, so compare changes of the crawl side with it. The machine's speed
also drifts by itself, so the pool floor is measured again after the crawl and the crawl's ratio
to it uses the mean of the two. ``--rounds N`` repeats the crawl and the floor after it N times
(each crawl into a new archive) and prints each round's ratio and their median: one run's ratio
can move by 0.1 when the machine is busy.

Each copy of a page is made unique: its own <title> and a sentence of its own in its first
paragraph. Copies of one AEB page are near-duplicates, so the clusterer joins them (every copy is
still stored). A page is kept as pieces, the AEB page's shared bytes around the copy's own title
and sentence, so the bench process stays small and serving a page only joins them.

Usage::

    /tmp/venv/bin/python bench/throughput.py [--pages 2000] [--outlets 4] [--floor-pages N]
        [--skip-floor | --skip-crawl] [--rounds N] [--workers W] [--profile OUT.txt]
        [--json OUT.json]
        [--keep DIR] [-s NAME=VALUE ...]

Timings are wall-clock (the crawl's figure is wall-clock too). The outlets' HTTP server (one
asyncio loop in a thread of this process: keep-alive, no per-request rendering) runs on the same
cores while the crawl runs; its CPU time per stored page is printed beside the crawl's, and so is
the whole bench process's (the server and the sampling), which the floors do not pay for.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# A script run as bench/x.py gets bench/ as sys.path[0]; bench/queue.py must not shadow `queue`.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_AEB = ROOT / ".." / "shared" / "bench" / "aeb" / "html"
FIRST_HOST = 2  # outlet i on 127.0.0.(i + 2)

# Politeness off for local outlets; everything else keeps newsmon's defaults.
FAST = {
    "AUTOTHROTTLE_ENABLED": "false",
    "DOWNLOAD_DELAY": "0",
    "RETRY_TIMES": "0",
    "NEWSMON_SITEMAP_MAX_AGE_DAYS": "0",
    "NEWSMON_CRAWL_DELAY_ENABLED": "false",
    "CONCURRENT_REQUESTS": "64",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
}

_TITLE = re.compile(rb"<title[^>]*>.*?</title\s*>", re.I | re.S)
_FIRST_P_END = re.compile(rb"</p\s*>", re.I)
_WORDS = (
    "amber",
    "basalt",
    "cobalt",
    "delta",
    "ember",
    "fjord",
    "garnet",
    "harbor",
    "indigo",
    "jasper",
    "kestrel",
    "lagoon",
    "meadow",
    "nectar",
    "onyx",
    "prairie",
    "quartz",
    "raven",
    "saffron",
    "tundra",
    "umber",
    "violet",
    "willow",
    "yarrow",
    "zephyr",
)


# -- pages ------------------------------------------------------------------------------------


class PageMaker:
    """Unique copies of the AEB pages: copy ``n`` is AEB page ``n % 181`` with its own title and
    its own sentence."""

    def __init__(self, aeb_dir: Path) -> None:
        self.templates: list[tuple[bytes, bytes | None, bytes]] = []  # before/after title, tail
        for path in sorted(aeb_dir.glob("*.html.gz")):
            html = gzip.decompress(path.read_bytes())
            html = _TITLE.sub(b"<title>@@TITLE@@</title>", html, count=1)
            if b"@@TITLE@@" not in html:
                html = re.sub(
                    rb"(<head[^>]*>)", rb"\1<title>@@TITLE@@</title>", html, count=1, flags=re.I
                )
            end = _FIRST_P_END.search(html)
            if end is None:
                continue
            before, marker, after = html[: end.start()].partition(b"@@TITLE@@")
            # (a page whose title comes after its first paragraph keeps its own: no marker)
            self.templates.append((before, after if marker else None, html[end.start() :]))
        if not self.templates:
            raise SystemExit(f"error: no AEB pages in {aeb_dir}")

    def title(self, n: int) -> str:
        return f"Bench story {n}: {' '.join(self._words(n, 4))}"

    def _words(self, n: int, k: int) -> list[str]:
        out, x = [], n + 1
        for _ in range(k):
            out.append(_WORDS[x % len(_WORDS)])
            x = x // len(_WORDS) + 7 * (x % 13) + 1
        return out

    def page(self, n: int) -> bytes:
        return b"".join(self.parts(n))

    def parts(self, n: int) -> list[bytes]:
        """Page ``n`` in pieces (joined, they are :meth:`page`): the template's shared bytes
        around the copy's own title and sentence, so serving a page renders nothing."""
        before, after, tail = self.templates[n % len(self.templates)]
        sentence = (
            f" Bench copy number {n} reports {' '.join(self._words(n, 8))} "
            f"in dispatch {n * 7919 % 100003}."
        ).encode()
        if after is None:
            return [before, sentence, tail]
        return [before, self.title(n).encode(), after, sentence, tail]


# -- the outlets' HTTP servers ----------------------------------------------------------------

_REASONS = {200: b"OK", 400: b"Bad Request", 404: b"Not Found"}


class _OutletProtocol(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection to an outlet: GET (and HEAD) of the robots.txt, the
    feed and the article pages, answered from pre-rendered parts (no per-request rendering
    beyond joining a page's pieces)."""

    def __init__(self, outlet: OutletServer) -> None:
        self.outlet = outlet
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > 65536:  # no end of headers in sight: not a client of ours
                    self.transport.close()
                return
            head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            self._answer(head)

    def _answer(self, head: bytes) -> None:
        assert self.transport is not None
        lines = head.split(b"\r\n")
        parts = lines[0].split(b" ")
        close = any(line.lower().replace(b" ", b"") == b"connection:close" for line in lines[1:])
        if len(parts) != 3:
            status, ctype, body = 400, b"text/plain", [b"bad request"]
            close = True
        else:
            close = close or parts[2] == b"HTTP/1.0"
            status, ctype, body = self.outlet.resource(parts[1].split(b"?", 1)[0])
        size = sum(len(b) for b in body)
        header = b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n%s\r\n" % (
            status,
            _REASONS[status],
            ctype,
            size,
            b"Connection: close\r\n" if close else b"",
        )
        if parts[0] == b"HEAD":
            body = []
        self.transport.write(b"".join([header, *body]))
        if close:
            self.transport.close()
            self.transport = None

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


class OutletServer:
    """One local outlet (its own 127.0.0.x address): robots.txt, one RSS feed that lists all its
    pages, and the pages. Runs on a :class:`ServerThread`'s event loop."""

    def __init__(
        self,
        host: str,
        maker: PageMaker,
        numbers: range | list[int],
        clock: ArticleClock,
        loop_thread: ServerThread,
    ) -> None:
        self.maker = maker
        self.numbers = set(numbers)
        self.clock = clock
        self.host = host
        self._server = loop_thread.call(
            lambda: asyncio.get_running_loop().create_server(
                lambda: _OutletProtocol(self), host, 0, backlog=256
            )
        )
        self.server_address = (host, self._server.sockets[0].getsockname()[1])
        self.base = f"http://{host}:{self.server_address[1]}"
        self.feed = self._feed(sorted(numbers))

    def resource(self, path: bytes) -> tuple[int, bytes, list[bytes]]:
        """(status, content type, body parts) of ``path``."""
        if path == b"/robots.txt":
            return 200, b"text/plain", [b"User-agent: *\nAllow: /\n"]
        if path == b"/feed.xml":
            return 200, b"application/rss+xml", [self.feed]
        if path.startswith(b"/a/") and path.endswith(b".html"):
            try:
                n = int(path[3:-5])
            except ValueError:
                n = -1
            if n in self.numbers:
                self.clock.tick()
                return 200, b"text/html", self.maker.parts(n)
        return 404, b"text/plain", [b"not found"]

    def _feed(self, numbers: list[int]) -> bytes:
        now = datetime.now(UTC)
        items = []
        for i, n in enumerate(numbers):
            when = format_datetime(now - timedelta(minutes=i), usegmt=True)
            items.append(
                f"<item><title>{escape(self.maker.title(n))}</title>"
                f"<link>{self.base}/a/{n}.html</link><pubDate>{when}</pubDate></item>"
            )
        return (
            "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
            f"<title>bench</title><link>{self.base}/</link><description>bench</description>"
            + "".join(items)
            + "</channel></rss>"
        ).encode()


class ServerThread:
    """The outlets' event loop, in a thread of its own whose CPU time :meth:`cpu` reads."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="bench-http", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def call(self, factory: Any) -> Any:
        """Run the coroutine ``factory()`` makes on the loop and return its result."""

        async def run() -> Any:
            return await factory()

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result()

    def cpu(self) -> float:
        """CPU seconds the loop's thread has used so far."""

        async def read() -> float:
            return time.thread_time()

        return float(self.call(read))

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()


class ArticleClock:
    """When the first and the last article page were served."""

    def __init__(self) -> None:
        self.first: float | None = None
        self.last: float | None = None
        self.count = 0

    def tick(self) -> None:
        now = time.monotonic()
        self.count += 1
        self.first = self.first or now
        self.last = now

    def reset(self) -> None:
        """Forget the last crawl's pages (before the next round)."""
        self.first = self.last = None
        self.count = 0


def registry_toml(servers: list[OutletServer]) -> str:
    blocks = []
    for i, server in enumerate(servers):
        host = server.server_address[0]
        pattern = "^" + re.escape(server.base) + r"/a/\d+\.html$"
        blocks.append(
            "[[outlet]]\n"
            f'id = "bench{i}"\nname = "Bench outlet {i}"\ncountry = "XA"\nlanguages = ["en"]\n'
            f'homepage = "{server.base}/"\nfeeds = ["{server.base}/feed.xml"]\n'
            f"sitemaps = []\nsections = []\narticle_pattern = '{pattern}'\n"
            f'allowed_domains = ["{host}"]\ninterval = "1h"\nobey_robots = true\n'
        )
    return "\n".join(blocks)


# -- floors -----------------------------------------------------------------------------------

_floor_state: dict[str, object] = {}


def _init_floor() -> None:
    import trafilatura  # noqa: F401

    import crawler.extract.article  # noqa: F401
    from dedup import DedupConfig

    _floor_state["config"] = DedupConfig()


def _plain(html: bytes) -> int:
    import trafilatura

    return len(trafilatura.extract(html.decode("utf-8", "replace")) or "")


def _newsmon(html: bytes, n: int) -> int:
    from crawler.fetch.pool import extract_here
    from crawler.items import FetchedPage

    page = FetchedPage(
        url=f"http://bench.invalid/a/{n}.html",
        outlet="bench",
        body=html,
        fetched="2100-01-01T00:00:00Z",
        content_type="text/html",
    )
    result = extract_here(page, None, _floor_state["config"])
    return len(result.article.text) if result.article else 0


def floor(kind: str, maker: PageMaker, numbers: list[int], workers: int) -> float:
    """Pages per second of ``kind`` ("plain" or "newsmon") over ``numbers``; 0 workers: here."""
    from concurrent.futures import ProcessPoolExecutor  # after the sys.path fix above
    from multiprocessing import get_context

    pages = [maker.page(n) for n in numbers]
    if workers == 0:
        _init_floor()
        start = time.perf_counter()
        for n, html in zip(numbers, pages, strict=True):
            _plain(html) if kind == "plain" else _newsmon(html, n)
        return len(pages) / (time.perf_counter() - start)
    with ProcessPoolExecutor(
        workers, mp_context=get_context("forkserver"), initializer=_init_floor
    ) as pool:
        list(pool.map(_plain, pages[: workers * 2]))  # start the workers before timing
        start = time.perf_counter()
        if kind == "plain":
            list(pool.map(_plain, pages, chunksize=1))
        else:
            list(pool.map(_newsmon, pages, numbers, chunksize=1))
        return len(pages) / (time.perf_counter() - start)


# -- the crawl --------------------------------------------------------------------------------


def _tree_usage(pid: int, *, pss: bool) -> tuple[int, int, int, float, float, float]:
    """(RSS of ``pid``, RSS and, with ``pss``, PSS of ``pid`` and all its descendants (bytes),
    CPU seconds of ``pid``, of its main thread (the reactor), and of ``pid`` with its live
    descendants).

    The tree's RSS counts a page shared by several processes once in each (the workers share
    what the forkserver imported); its PSS splits such a page between them: the memory used.
    Reading PSS walks each process's page tables (milliseconds, on the crawl's cores): the
    caller asks for it once per 1,000 stored pages."""
    import psutil

    try:
        proc = psutil.Process(pid)
        own = proc.memory_info().rss
        shared = proc.memory_full_info().pss if pss else 0
        times = proc.cpu_times()
        cpu = times.user + times.system
        main = sum(t.user_time + t.system_time for t in proc.threads() if t.id == pid)
        total, tree_cpu = own, cpu
        for child in proc.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
                shared += child.memory_full_info().pss if pss else 0
                times = child.cpu_times()
                tree_cpu += times.user + times.system
        return own, total, shared, cpu, main, tree_cpu
    except psutil.Error:
        return 0, 0, 0, 0.0, 0.0, 0.0


def _crawl_pid(child: subprocess.Popen[str], profiled: bool) -> int:
    """The crawl process: ``child`` itself, or under py-spy the python process it started."""
    if not profiled:
        return child.pid
    import psutil

    with contextlib.suppress(psutil.Error):
        for proc in psutil.Process(child.pid).children():
            if "crawler" in proc.cmdline():
                return proc.pid
    return child.pid


def _stored_now(db: Path) -> int:
    """Articles stored so far (a reader beside the crawl's writer; 0 before the schema)."""
    import sqlite3

    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)) as conn:
            return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
    except sqlite3.Error:
        return 0


def _py_spy() -> str:
    """py-spy beside this interpreter (a venv's bin/), else the one on PATH."""
    import shutil

    here = Path(sys.executable).parent / "py-spy"
    return str(here) if here.exists() else (shutil.which("py-spy") or "py-spy")


def _steady(first: tuple[int, float, float] | None, stored: int, cpu: float, which: int) -> float:
    """CPU ms per page stored after the first stored one (``which``: 1 process, 2 reactor)."""
    if first is None or stored <= first[0]:
        return 0.0
    return 1000 * (cpu - first[which]) / (stored - first[0])


def rss_curve(
    samples: list[tuple[float, int, int, int, int]], every: int
) -> list[tuple[int, int, int, int]]:
    """(stored, own RSS MB, tree RSS MB, tree PSS MB) at the first sample past each multiple of
    ``every`` stored."""
    curve, mark = [], every
    for _, stored, own, tree, pss in samples:
        if stored >= mark:
            curve.append((mark, own // 2**20, tree // 2**20, pss // 2**20))
            mark = (stored // every + 1) * every
    return curve


def run_crawl(
    registry: Path,
    db: Path,
    overrides: dict[str, str],
    clock: ArticleClock,
    log: Path,
    profile: Path | None = None,
    server: ServerThread | None = None,
) -> dict[str, Any]:
    # -v: the INFO line of the extraction pool (how well its workers were fed) goes to the log
    args = [
        sys.executable,
        "-m",
        "crawler",
        "-v",
        "crawl",
        "--outlets",
        str(registry),
        "--db",
        str(db),
    ]
    for name, value in overrides.items():
        args += ["-s", f"{name}={value}"]
    if profile is not None:  # py-spy (pip install py-spy) samples the crawl and its workers
        args = [
            _py_spy(),
            "record",
            "--subprocesses",
            "--format",
            "raw",
            "--rate",
            "50",
            "-o",
            str(profile),
            "--",
            *args,
        ]
    samples: list[tuple[float, int, int, int, int]] = []  # (s, stored, own RSS, tree RSS, PSS)
    pss_mark, last_pss = 1000, 0
    cpu = reactor_cpu = tree_cpu = 0.0
    first: tuple[int, float, float] | None = None  # (stored, process CPU, reactor CPU) then
    start = time.monotonic()
    server_cpu0 = server.cpu() if server else 0.0
    bench_cpu0 = time.process_time()
    with log.open("w") as err:
        child = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True)
        pid = 0
        while child.poll() is None:
            pid = pid if pid and pid != child.pid else _crawl_pid(child, profile is not None)
            stored = _stored_now(db)
            read_pss = stored >= pss_mark  # at the points of the RSS curve (rss_curve)
            own, total, pss, own_cpu, main_cpu, all_cpu = _tree_usage(pid, pss=read_pss)
            if own:  # the last reading of a live process: its CPU up to the end
                cpu, reactor_cpu, tree_cpu = own_cpu, main_cpu, max(tree_cpu, all_cpu)
                if read_pss:
                    last_pss, pss_mark = pss, (stored // 1000 + 1) * 1000
                samples.append((time.monotonic() - start, stored, own, total, last_pss))
                if first is None and samples[-1][1]:  # start-up (imports, feeds) is over
                    first = (samples[-1][1], own_cpu, main_cpu)
            with contextlib.suppress(subprocess.TimeoutExpired):  # (the wall ends at the exit)
                child.wait(0.5)
        out = child.stdout.read() if child.stdout else ""
    wall = time.monotonic() - start
    server_cpu = (server.cpu() - server_cpu0) if server else 0.0
    bench_cpu = time.process_time() - bench_cpu0
    stored = _stored_now(db)
    feed = [
        line.split("extraction pool: ", 1)[1].strip()
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines()
        if "extraction pool: " in line
    ]
    steady = (clock.last or 0) - (clock.first or 0)
    return {
        "command": " ".join(args),
        "exit": child.returncode,
        "summary": out.strip(),
        "wall_s": wall,
        "stored": stored,
        "fetched": clock.count,
        "startup_s": (clock.first - start) if clock.first else None,
        "pages_per_s": stored / wall,
        "pages_per_s_after_startup": stored / (start + wall - clock.first) if clock.first else 0,
        "fetch_span_s": steady,
        # CPU of the crawl process itself (reactor, writer thread; not the workers), last sample
        "crawl_process_cpu_ms_per_page": 1000 * cpu / max(stored, 1),
        "reactor_cpu_ms_per_page": 1000 * reactor_cpu / max(stored, 1),  # its main thread
        # the same two from the first stored article on: per-page costs without the start-up
        "steady_process_cpu_ms_per_page": _steady(first, stored, cpu, 1),
        "steady_reactor_cpu_ms_per_page": _steady(first, stored, reactor_cpu, 2),
        # ... and of the whole tree (workers included; a recycled worker's CPU is not counted)
        "tree_cpu_ms_per_page": 1000 * tree_cpu / max(stored, 1),
        # this process while the crawl ran: the outlets' HTTP server (its thread), and all of
        # it (the server, and the sampling loop above); the floors pay for neither
        "server_cpu_ms_per_page": 1000 * server_cpu / max(stored, 1),
        "bench_process_cpu_ms_per_page": 1000 * bench_cpu / max(stored, 1),
        "peak_rss_mb": max((s[2] for s in samples), default=0) / 2**20,
        "peak_tree_rss_mb": max((s[3] for s in samples), default=0) / 2**20,
        "peak_tree_pss_mb": max((s[4] for s in samples), default=0) / 2**20,
        "rss_samples": [
            (round(t, 1), n, own // 2**20, total // 2**20, pss // 2**20)
            for t, n, own, total, pss in samples
        ],
        "rss_curve": rss_curve(samples, 1000),
        "pool_feed": feed[-1] if feed else None,
    }


def print_crawl(crawl: dict[str, Any], number: int, rounds: int) -> None:
    """The figures of one crawl (round ``number`` of ``rounds``)."""
    tag = "crawl:" if rounds == 1 else f"crawl {number}/{rounds}:"
    print(f"{tag} {crawl['command']}")
    print(f"{tag} exit {crawl['exit']}; {crawl['summary']}")
    print(
        f"{tag} {crawl['stored']} stored of {crawl['fetched']} pages fetched in "
        f"{crawl['wall_s']:.1f} s (start-up {crawl['startup_s'] or 0:.1f} s)"
    )
    print(
        f"{tag} {crawl['pages_per_s']:.1f} stored pages/s overall, "
        f"{crawl['pages_per_s_after_startup']:.1f} after start-up"
    )
    print(
        f"{tag} {crawl['crawl_process_cpu_ms_per_page']:.1f} CPU ms per stored page in the "
        "crawl process (reactor and threads; the workers not included)"
    )
    print(
        f"{tag} peak RSS {crawl['peak_rss_mb']:.0f} MB (crawl process), "
        f"{crawl['peak_tree_rss_mb']:.0f} MB (with its workers; PSS "
        f"{crawl['peak_tree_pss_mb']:.0f} MB)"
    )
    print(
        f"{tag} {crawl['reactor_cpu_ms_per_page']:.1f} CPU ms per stored page on the reactor "
        "(the crawl process's main thread; start-up included)"
    )
    print(
        f"{tag} after start-up: {crawl['steady_process_cpu_ms_per_page']:.1f} CPU ms per "
        f"stored page in the crawl process, {crawl['steady_reactor_cpu_ms_per_page']:.1f} on "
        "the reactor"
    )
    print(
        f"{tag} {crawl['tree_cpu_ms_per_page']:.1f} CPU ms per stored page in the whole "
        "tree (crawl process, workers, forkserver)"
    )
    print(
        f"{tag} {crawl['server_cpu_ms_per_page']:.2f} CPU ms per stored page in the bench's "
        f"page server, {crawl['bench_process_cpu_ms_per_page']:.2f} in the whole bench process "
        "(server and sampling; same cores as the crawl, not paid by the floors)"
    )
    print(f"{tag} extraction pool: {crawl['pool_feed']}")
    for stored, own, tree, pss in crawl["rss_curve"]:
        print(
            f"{tag} RSS at {stored:6d} stored: {own:5d} MB crawl process, {tree:5d} MB tree "
            f"(PSS {pss} MB)"
        )
    _print_flatness(crawl["rss_curve"], tag)
    sys.stdout.flush()


def _print_flatness(curve: list[tuple[int, int, int, int]], tag: str) -> None:
    """The issue's test: the tree's RSS (and PSS) from 5,000 stored pages on stays within 10 %."""
    for name, column in (("RSS", 2), ("PSS", 3)):
        after = [point[column] for point in curve if point[0] >= 5000]
        if len(after) > 1:
            print(
                f"{tag} tree {name} from 5,000 stored on: {after[0]} -> max {max(after)} MB "
                f"({100 * (max(after) / after[0] - 1):+.1f} %, target within 10 %)"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000, help="article pages served")
    parser.add_argument("--outlets", type=int, default=4, help="local outlets serving them")
    parser.add_argument("--aeb", type=Path, default=DEFAULT_AEB, help="AEB html directory")
    parser.add_argument(
        "--floor-pages",
        type=int,
        default=None,
        help="pages each floor runs over (default: all, at most 2000)",
    )
    parser.add_argument("--skip-floor", action="store_true", help="measure the crawl only")
    parser.add_argument("--skip-crawl", action="store_true", help="measure the floors only")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes of the floor pools (default: one per core)",
    )
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--keep", type=Path, help="keep the archive and log in this directory")
    parser.add_argument(
        "--profile",
        type=Path,
        help="run the crawl under `py-spy record` and write its samples here "
        "(collapsed stacks; with --rounds, the last round's; the crawl's "
        "pages/s then include py-spy's cost)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="crawls, each followed by the pool floor again; the ratios of "
        "each round and their median are printed",
    )
    parser.add_argument(
        "-s",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra setting for the crawl (repeatable)",
    )
    args = parser.parse_args(argv)

    maker = PageMaker(args.aeb)
    numbers = list(range(args.pages))
    figures: dict[str, Any] = {
        "pages": args.pages,
        "outlets": args.outlets,
        "cores": os.cpu_count(),
    }
    if not args.skip_floor:
        sample = numbers[: args.floor_pages or min(args.pages, 2000)]
        figures["floor_pages"] = len(sample)
        for key, kind, workers in (
            ("plain_1proc", "plain", 0),
            ("plain_pool", "plain", args.workers),
            ("newsmon_pool", "newsmon", args.workers),
        ):
            rate = floor(kind, maker, sample, workers)
            figures[f"floor_{key}"] = rate
            print(f"floor {key:<14} {rate:7.1f} pages/s  ({len(sample)} pages)", flush=True)

    if args.skip_crawl:
        if args.json:
            args.json.write_text(json.dumps(figures, indent=1), encoding="utf-8")
        return 0
    clock = ArticleClock()
    loop_thread = ServerThread()
    servers = [
        OutletServer(
            f"127.0.0.{FIRST_HOST + i}", maker, numbers[i :: args.outlets], clock, loop_thread
        )
        for i in range(args.outlets)
    ]
    overrides = dict(FAST)
    for pair in args.settings:
        name, _, value = pair.partition("=")
        overrides[name] = value
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="newsmon-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    registry = work / "outlets.toml"
    registry.write_text(registry_toml(servers), encoding="utf-8")
    db = work / "bench.db"
    rounds: list[dict[str, Any]] = []
    try:
        for number in range(1, args.rounds + 1):
            for suffix in ("", "-wal", "-shm"):  # every round crawls a new archive
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            clock.reset()
            crawl = run_crawl(
                registry, db, overrides, clock, work / "crawl.log", args.profile, loop_thread
            )
            print_crawl(crawl, number, args.rounds)
            if not args.skip_floor:
                # The machine's speed drifts (a few percent within a minute, on a shared host):
                # the floor is measured again after each crawl, and the crawl is
                # compared with the mean of the two measurements around it.
                before = rounds[-1]["floor_after"] if rounds else figures["floor_plain_pool"]
                after = floor("plain", maker, sample, args.workers)
                crawl["floor_before"], crawl["floor_after"] = before, after
                crawl["floor"] = (before + after) / 2
                print(
                    f"floor plain_pool_after {after:7.1f} pages/s  (the same, after the "
                    f"crawl; mean {(before + after) / 2:.1f}, "
                    f"{100 * (after / before - 1):+.1f} % from before)"
                )
            rounds.append(crawl)
    finally:
        loop_thread.stop()
    figures["crawl"] = rounds[-1]
    figures["rounds"] = rounds
    for key in ("plain_pool", "newsmon_pool", "plain_1proc"):
        rate = figures.get(f"floor_{key}")
        if not rate:
            continue
        overall, steady = [], []
        for crawl in rounds:
            base = crawl["floor"] if key == "plain_pool" else rate
            overall.append(crawl["pages_per_s"] / base)
            steady.append(crawl["pages_per_s_after_startup"] / base)
        figures[f"ratio_{key}"] = {"overall": overall, "after_startup": steady}
        each = ", ".join(f"{a:.2f} ({b:.2f})" for a, b in zip(overall, steady, strict=True))
        median = (
            f"; median {statistics.median(overall):.2f} ({statistics.median(steady):.2f})"
            if len(rounds) > 1
            else ""
        )
        print(f"ratio crawl/floor_{key}, overall (after start-up): {each}{median}")
    print(f"archive and log: {work}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 0 if all(crawl["exit"] in (0, 1) for crawl in rounds) else 1


if __name__ == "__main__":
    sys.exit(main())
