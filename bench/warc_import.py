"""WARC import throughput against plain trafilatura over the same pages (issue #21).

Writes N unique article pages (bench/throughput.py's copies of the AEB pages,
../shared/bench/aeb/html) as a gzip WARC file of response records, one outlet, then measures:

- the readers: FastWARC (what ``newsmon import`` uses) and warcio over the same file, records
  per second and microseconds per record (the URL, the HTTP headers and the body of each), and
  the import's own read pass when no record is of an outlet (header and URL match only: what
  most records of a CC-NEWS file cost);
- the floor: plain ``trafilatura.extract`` over the same pages in a pool of W processes
  (bench/throughput.py's ``floor("plain", ...)``), before and after the import;
- ``import_warcs`` (what ``newsmon import`` runs) into a new archive with W extraction workers:
  stored pages per second in all (the workers' start-up included, which the floor leaves out)
  and after the first chunk of 100 pages, their ratios to the mean of the two floors (the
  issue's target is >= 0.9), and when the first chunk was stored. As in a new ``newsmon
  import`` process, no forkserver runs when the import starts (the floor's is stopped) and no
  other thread: the import forks its workers from this process.

Usage::

    python bench/warc_import.py [--pages 1000] [--workers W] [--aeb DIR] [--keep DIR]
        [--rounds N]

Wall-clock figures on a shared machine swing with the other load: compare ratios of one run.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import multiprocessing.forkserver
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

from bench.throughput import DEFAULT_AEB, PageMaker, floor  # noqa: E402

HOST = "bench.example"
REGISTRY = f"""
[[outlet]]
id = "bench"
name = "Bench"
country = "XA"
languages = ["en"]
homepage = "https://{HOST}/"
feeds = ["https://{HOST}/feed.xml"]
article_pattern = '^https://bench\\.example/a/\\d+\\.html$'
"""


def write_warc(path: Path, maker: PageMaker, numbers: list[int]) -> None:
    """One gzip member per response record, as crawlers write them."""
    with path.open("wb") as f:
        for n in numbers:
            body = maker.page(n)
            http = (
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
            )
            block = http + body
            head = (
                f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:bench-{n}>"
                f"\r\nWARC-Date: 2025-01-10T08:00:00Z\r\n"
                f"WARC-Target-URI: https://{HOST}/a/{n}.html\r\n"
                f"Content-Type: application/http; msgtype=response\r\n"
                f"Content-Length: {len(block)}\r\n\r\n"
            ).encode()
            f.write(gzip.compress(head + block + b"\r\n\r\n", compresslevel=6))


def read_fastwarc(path: Path) -> int:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    count = 0
    with path.open("rb") as f:
        for record in ArchiveIterator(f, record_types=WarcRecordType.response, parse_http=True):
            record.headers.get("WARC-Target-URI")
            record.http_headers.get("Content-Type")
            record.reader.read()
            count += 1
    return count


def read_warcio(path: Path) -> int:
    from warcio.archiveiterator import ArchiveIterator

    count = 0
    with path.open("rb") as f:
        for record in ArchiveIterator(f):
            if record.rec_type != "response":
                continue
            record.rec_headers.get_header("WARC-Target-URI")
            record.http_headers.get_header("Content-Type")
            record.content_stream().read()
            count += 1
    return count


def read_unwanted(path: Path) -> int:
    """What ``newsmon import`` pays for a record of no registry outlet (most of CC-NEWS): the
    WARC header is read and the URL matched; the HTTP message is never parsed."""
    from crawler.run.warc_import import OutletMatcher
    from crawler.store.warc import read_warc
    from settings.registry import load_registry_text

    matcher = OutletMatcher(load_registry_text(REGISTRY.replace("bench\\.example", "x\\.example")))
    with path.open("rb") as f:
        return sum(1 for _ in read_warc(f, lambda url, date: matcher.outlet_of(url)[0] or "no"))


def reader_rate(reader: object, path: Path, rounds: int = 3) -> tuple[float, float]:
    """(records per second, microseconds per record), best of ``rounds``."""
    best = float("inf")
    count = 0
    for _ in range(rounds):
        start = time.perf_counter()
        count = reader(path)  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return count / best, best / count * 1e6


def run_import(path: Path, db: Path, workers: int) -> tuple[int, float, float, float]:
    """(pages stored, seconds in all, pages/s after the first chunk: the steady rate, seconds
    until the first chunk was stored)."""
    import crawler.run.warc_import as warc_import
    from settings.registry import load_registry_text

    warc_import._PROGRESS_EVERY_S = 0.0  # a line per chunk: the time of the first one
    marks: list[tuple[float, int]] = []

    def progress(line: str) -> None:
        stored = int(line.rsplit(", ", 1)[1].split()[0])
        marks.append((time.perf_counter(), stored))

    # as in a new `newsmon import` process, no forkserver runs (the floor's pool started one):
    # were the import's workers to come from it, its start-up would not be counted
    multiprocessing.forkserver._forkserver._stop()
    if threading.active_count() > 1:
        print(f"warning: {threading.active_count()} threads: the import's workers will not fork")
    start = time.perf_counter()
    matcher = warc_import.OutletMatcher(load_registry_text(REGISTRY))
    report = asyncio.run(
        warc_import.import_warcs(
            warc_import.local_sources([str(path)]),
            matcher,
            str(db),
            workers=workers,
            progress=progress,
        )
    )
    end = time.perf_counter()
    (t0, n0), (t1, n1) = marks[0], marks[-1]
    steady = (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0
    return report.stored, end - start, steady, t0 - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--aeb", type=Path, default=DEFAULT_AEB)
    parser.add_argument("--keep", type=Path, default=None, help="write the WARC and archive here")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="repeat floor, import, floor; print each round and the median",
    )
    args = parser.parse_args()

    maker = PageMaker(args.aeb)
    numbers = list(range(args.pages))
    with tempfile.TemporaryDirectory() as tmp:
        where = args.keep or Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        warc = where / "bench.warc.gz"
        write_warc(warc, maker, numbers)
        size = warc.stat().st_size
        print(f"{args.pages} pages, {size / 1e6:.1f} MB gzip WARC, {args.workers} workers")
        for name, reader in (
            ("fastwarc", read_fastwarc),
            ("warcio", read_warcio),
            ("import, no record wanted", read_unwanted),
        ):
            rate, micros = reader_rate(reader, warc)
            print(f"reader {name:25s} {rate:9.0f} records/s  {micros:7.1f} us/record")
        totals, steadies = [], []
        for round_ in range(1, args.rounds + 1):
            before = floor("plain", maker, numbers, args.workers)
            db = where / f"bench-{round_}.db"
            stored, seconds, steady, first = run_import(warc, db, args.workers)
            after = floor("plain", maker, numbers, args.workers)
            mean = (before + after) / 2
            rate = stored / seconds
            totals.append(rate / mean)
            steadies.append(steady / mean)
            print(
                f"round {round_}: floor (plain trafilatura pool) {before:.1f} / {after:.1f} "
                f"pages/s; import {stored} pages in {seconds:.1f} s = {rate:.1f} pages/s "
                f"(start-up included), {steady:.1f} after the first chunk (stored at "
                f"{first:.2f} s); ratio "
                f"{rate / mean:.2f} in all, {steady / mean:.2f} after the first chunk"
            )
        print(
            f"ratio import / plain trafilatura pool floor, median of {args.rounds}: "
            f"{statistics.median(totals):.2f} in all, {statistics.median(steadies):.2f} "
            f"after the first chunk (target >= 0.9)"
        )


if __name__ == "__main__":
    main()
