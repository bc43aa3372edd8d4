"""How fast each page of `newsmon serve` answers on a big archive.

Fills an archive the way ``bench/report_speed.py`` does (N synthetic articles, default
1,000,000, over a year and 40 outlets, a third in clusters of 2-6), builds the FTS5 search
index (timed), then requests every page through the ASGI app in this process (Starlette's test
client: HTTP parsing and template rendering included, no network) and prints the best of three
per page. It also prints the query plans of the SQL the pages ran; a plan that scans the
articles table is an error (exit 1).

    python bench/serve_speed.py                          # 1,000,000 articles, temporary file
    python bench/serve_speed.py --articles 200000 --db /tmp/serve.db --keep
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report_speed import add_archive_options, filled_archive
from starlette.testclient import TestClient

from crawler.serve.app import Config, create_app
from crawler.store.archive import Archive
from crawler.store.search import build_search_index

LIMIT_S = 0.3  # what the issue asks of every page


def _pages(db: Path) -> list[str]:
    with Archive.open_reader(db) as archive:
        cluster = archive.connection.execute(
            "SELECT id FROM clusters WHERE last_published >= '2026-11-14' AND size >= 5 LIMIT 1"
        ).fetchone()[0]
    return [
        "/",
        "/?split=country",
        "/?by=hour&split=country",
        "/?outlet=outlet-03&min_size=3",
        "/?lang=en&limit=500",
        "/?since=2026-10-15&until=2026-11-15",
        "/search?q=reservoir",
        "/search?q=reservoir+summit+wheat&outlet=outlet-07",
        "/search?q=story+1234*",
        "/search?q=reservoir&since=2026-11-10",
        f"/cluster/{cluster}",
        "/outlet/outlet-01",
        "/outlets",
    ]


def _traced(statements: set[str]) -> None:
    """Make every reader the app opens record the SQL it runs (for the plans)."""
    opener = Archive.open_reader.__func__  # type: ignore[attr-defined]

    def open_reader(cls: type[Archive], path: str | Path) -> Archive:
        archive = opener(cls, path)
        archive.connection.set_trace_callback(statements.add)
        return archive

    Archive.open_reader = classmethod(open_reader)  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> int:
    """Fill, index, time each page, check the plans."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_archive_options(parser)
    args = parser.parse_args(argv)
    with filled_archive(args) as db:
        return _time_pages(db)


def _time_pages(db: Path) -> int:
    began = time.perf_counter()
    with Archive(db) as archive:
        indexed = build_search_index(archive)
    print(
        f"search index: {indexed:,} articles in {time.perf_counter() - began:.0f} s; "
        f"archive {db.stat().st_size / 2**20:.0f} MiB"
    )
    statements: set[str] = set()
    _traced(statements)
    app = create_app(Config(db=str(db), zone=ZoneInfo("Asia/Almaty")))
    slow = []
    with TestClient(app) as client:
        for url in _pages(db):
            best = float("inf")
            for _ in range(3):
                start = time.perf_counter()
                response = client.get(url)
                best = min(best, time.perf_counter() - start)
                assert response.status_code == 200, (url, response.status_code)
            slow += [url] if best > LIMIT_S else []
            print(f"{best * 1000:8.1f} ms  {len(response.content) / 1024:7.0f} KiB  {url}")
    plans = _plans(db, statements)
    scans = [plan for plan in plans if "SCAN articles" in plan or "SCAN a " in plan]
    for plan, example in plans.items():
        print(f"plan: {plan}\n    e.g. {example[:140]}")
    print(f"pages over {LIMIT_S} s: {slow or 'none'}")
    if scans:
        print(f"error: full scans of articles: {scans}", file=sys.stderr)
        return 1
    return 0


def _plans(db: Path, statements: set[str]) -> dict[str, str]:
    """Query plan -> one statement that has it."""
    found: dict[str, str] = {}
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    for sql in sorted(statements):
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        plan = " | ".join(row[3] for row in connection.execute("EXPLAIN QUERY PLAN " + sql))
        found.setdefault(plan, sql)
    connection.close()
    return found


if __name__ == "__main__":
    sys.exit(main())
