"""What the per-page extraction budget saves: CPU and memory of pathological pages, bounded.

    python bench/extract_limits.py [--links 95000] [--breaks 500000] [--listing 70000]
                                   [--timeout 1] [--memory 400]

For each page: the extraction alone, in a process of its own (CPU seconds, peak resident MB),
then the same page through an ExtractionPool with the CPU limit alone and with the memory limit
alone (reason, wall seconds until the page was answered). The pages are the ones
tests/hostile/test_extraction_limits.py and test_huge_article.py use.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.fetch.pool import ExtractionPool
from crawler.items import FetchedPage
from dedup import DedupConfig
from tests.hostile.pages import HUGE_LINES, huge_listing, link_lines, many_breaks


def _alone(body: bytes, out: multiprocessing.Queue) -> None:
    from crawler.errors import ExtractionError
    from crawler.extract import extract_article

    start = time.process_time()
    try:
        extract_article(body, "http://bench.test/page", outlet="bench")
        outcome = "extracted"
    except ExtractionError as exc:
        outcome = exc.reason
    out.put(
        (
            outcome,
            time.process_time() - start,
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        )
    )


def alone(body: bytes) -> tuple[str, float, float]:
    """Extract ``body`` in a fresh process: outcome, CPU seconds, peak resident MB."""
    context = multiprocessing.get_context("forkserver")
    out = context.Queue()
    process = context.Process(target=_alone, args=(body, out))
    process.start()
    result = out.get()
    process.join()
    return result


def budgeted(body: bytes, timeout: float, memory_mb: int) -> tuple[str, float]:
    """Extract ``body`` in a pool with the budget: the reason (or ok) and the wall seconds."""
    pool = ExtractionPool(
        DedupConfig(), workers=1, timeout=timeout, max_memory=memory_mb * 1024 * 1024
    )
    pool.start()
    page = FetchedPage(
        url="http://bench.test/page", outlet="bench", body=body, fetched="2026-11-09T10:00:00+00:00"
    )
    try:
        asyncio.run(
            pool.extract(
                FetchedPage(
                    url="http://bench.test/warm",
                    outlet="bench",
                    body=b"<p>warm</p>",
                    fetched=page.fetched,
                )
            )
        )
        start = time.monotonic()
        result = asyncio.run(pool.extract(page))
        return result.error or "ok", time.monotonic() - start
    finally:
        pool.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=95_000)
    parser.add_argument("--breaks", type=int, default=500_000)
    parser.add_argument("--listing", type=int, default=HUGE_LINES, help="lines of a timetable")
    parser.add_argument("--timeout", type=float, default=1.0)
    parser.add_argument("--memory", type=int, default=400)
    args = parser.parse_args()
    for name, body in (
        (f"{args.links} link lines", link_lines(args.links)),
        (f"{args.breaks} <br>", many_breaks(args.breaks)),
        (f"a timetable of {args.listing} lines", huge_listing(args.listing)),
    ):
        outcome, cpu, peak = alone(body)
        timed, timed_wall = budgeted(body, args.timeout, 0)
        capped, capped_wall = budgeted(body, 0, args.memory)
        print(
            f"{name} ({len(body) / 1e6:.1f} MB): alone {outcome} in {cpu:.1f} CPU-s, peak "
            f"{peak:.0f} MB; at {args.timeout:g} CPU-s: {timed} after {timed_wall:.2f} s; at "
            f"{args.memory} MB: {capped} after {capped_wall:.2f} s"
        )


if __name__ == "__main__":
    main()
