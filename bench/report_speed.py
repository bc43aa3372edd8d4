"""How fast `newsmon report` answers on a big archive, against a naive full-scan query.

Fills an archive with N synthetic articles (default 1,000,000) spread over a year and 40 outlets,
about a third of them in clusters of 2-6 members across outlets, plus a crawl run every 6 hours,
all in one ``executemany`` transaction. Then it times, in this process:

- ``report clusters --since 24h``  (``cluster_records``, rendered as a table),
- ``report outlets --since 7d``    (``outlet_report``, rendered as a table),
- ``report cluster ID``            (``cluster_record`` of a cluster from the last day),

and, as the baseline, a naive query that answers "what happened in the last 24 h" by reading
every article (``NOT INDEXED``). It prints each time, the ratio baseline / report, and the query
plans, which must show index searches only (no ``SCAN articles``).

    python bench/report_speed.py                       # 1,000,000 articles in a temporary file
    python bench/report_speed.py --articles 200000 --db /tmp/bench.db --keep
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.report.reports import (
    ClusterQuery,
    OutletQuery,
    cluster_record,
    cluster_records,
    outlet_report,
    render_clusters,
    render_outlets,
)
from crawler.store.archive import Archive

OUTLETS = 40
DAYS = 365
CLUSTERED_SHARE = 0.33  # share of stories that get copies
RUN_EVERY_HOURS = 6
SEED = 7
_WORDS = [
    "water",
    "energy",
    "grain",
    "border",
    "tariff",
    "election",
    "court",
    "railway",
    "protest",
    "school",
    "hospital",
    "reservoir",
    "parliament",
    "minister",
    "budget",
    "wheat",
    "cotton",
    "gold",
    "customs",
    "summit",
]


def fill(db_path: Path, articles: int, now: datetime) -> None:
    """Write ``articles`` synthetic articles, their clusters and crawl runs in one transaction."""
    Archive(db_path).close()  # creates the schema
    rng = random.Random(SEED)
    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("PRAGMA synchronous=OFF")
    start = now - timedelta(days=DAYS)
    span = DAYS * 86400
    rows, clusters = [], []
    made = 0
    while made < articles:
        size = (
            rng.randint(2, min(6, articles - made))
            if (articles - made >= 2 and rng.random() < CLUSTERED_SHARE)
            else 1
        )
        origin = start + timedelta(seconds=rng.random() * span)
        outlets = rng.sample(range(OUTLETS), size)
        cluster = f"{made:012x}"
        times = []
        for k, outlet in enumerate(outlets):
            moment = origin + timedelta(minutes=0 if k == 0 else rng.randint(5, 600))
            iso = moment.isoformat(timespec="seconds")
            times.append(iso)
            words = " ".join(rng.choices(_WORDS, k=rng.randint(40, 120)))
            url = f"https://o{outlet}.example/{made + k}"
            rows.append(
                (
                    f"{made + k:016x}",
                    f"outlet-{outlet:02d}",
                    url,
                    url,
                    f"Story {made} {words[:40]}",
                    words,
                    iso,
                    "en",
                    iso,
                    iso,
                    cluster,
                    None if k == 0 else cluster,
                    None if k == 0 else 0.9,
                )
            )
        clusters.append((cluster, size, min(times), max(times)))
        made += size
    runs, run_outlets = [], []
    for number in range(DAYS * 24 // RUN_EVERY_HOURS):
        started = (start + timedelta(hours=number * RUN_EVERY_HOURS)).isoformat(timespec="seconds")
        runs.append((number + 1, started, started, "ok", "finished", "[]"))
        run_outlets.extend(
            (number + 1, f"outlet-{o:02d}", 1, 0, 20, 5, 5, 0, 0, "[]") for o in range(OUTLETS)
        )
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO articles (id, outlet, url, canonical_url, title, text, published, language, "
        "fetched, sort_time, cluster, copy_of, similarity) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    db.executemany(
        "INSERT INTO clusters (id, size, first_published, last_published) VALUES (?,?,?,?)",
        clusters,
    )
    db.executemany(
        "INSERT INTO runs (id, started, finished, status, finish_reason, outlets) "
        "VALUES (?,?,?,?,?,?)",
        runs,
    )
    db.executemany("INSERT INTO run_outlets VALUES (?,?,?,?,?,?,?,?,?,?)", run_outlets)
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.close()


def _timed(function: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        began = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - began)
    return best, result


NOW = datetime(2026, 11, 15, tzinfo=UTC)  # the end of the filled year


def add_archive_options(parser: argparse.ArgumentParser) -> None:
    """The options of a bench over a filled archive: its size, path, reuse and keeping."""
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=None, help="archive path (default: temp)")
    parser.add_argument("--reuse", action="store_true", help="time an archive --db holds")
    parser.add_argument("--keep", action="store_true", help="keep the archive afterwards")


@contextmanager
def filled_archive(args: argparse.Namespace) -> Iterator[Path]:
    """The archive of ``args`` (:func:`add_archive_options`), filled unless reused; a temporary
    one is removed at the end unless kept."""
    tmp = tempfile.TemporaryDirectory(prefix="newsmon-bench-")
    db_path = args.db or Path(tmp.name) / "bench.db"
    if not (args.reuse and db_path.exists()):
        db_path.unlink(missing_ok=True)
        began = time.perf_counter()
        fill(db_path, args.articles, NOW)
        print(
            f"filled {args.articles:,} articles in {time.perf_counter() - began:.0f} s "
            f"({db_path.stat().st_size / 2**20:.0f} MiB)"
        )
    try:
        yield db_path
    finally:
        if args.keep or args.db:
            print(f"archive kept at {db_path}")
        else:
            tmp.cleanup()


def main(argv: list[str] | None = None) -> int:
    """Fill (unless --db exists and --reuse), time the reports and the baseline, print ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_archive_options(parser)
    args = parser.parse_args(argv)
    with filled_archive(args) as db_path:
        return _time_reports(db_path)


def _time_reports(db_path: Path) -> int:
    now = NOW
    day = (now - timedelta(hours=24)).isoformat(timespec="seconds")
    week = (now - timedelta(days=7)).isoformat(timespec="seconds")
    with Archive(db_path) as archive:
        t_clusters, records = _timed(
            lambda: render_clusters(
                cluster_records(archive, ClusterQuery(since=day, min_size=2)), "table"
            )
        )
        t_outlets, _ = _timed(
            lambda: render_outlets(outlet_report(archive, OutletQuery(since=week)), "table")
        )
        some = cluster_records(archive, ClusterQuery(since=day, min_size=3, limit=1))[0]["id"]
        t_cluster, _ = _timed(lambda: cluster_record(archive, some))
        db = archive.connection  # the bench reads plans and the baseline on the same connection
        t_naive, _ = _timed(
            lambda: db.execute(
                "SELECT cluster, COUNT(*), MIN(sort_time), MAX(sort_time) "
                "FROM articles NOT INDEXED "
                "WHERE sort_time >= ? GROUP BY cluster HAVING COUNT(*) >= 2",
                (day,),
            ).fetchall(),
            1,
        )
        statements: set[str] = set()
        db.set_trace_callback(statements.add)  # the SQL the reports ran, values bound
        cluster_records(archive, ClusterQuery(since=day, min_size=2))
        outlet_report(archive, OutletQuery(since=week))
        db.set_trace_callback(None)
        plans: dict[str, list[str]] = {}
        for sql in sorted(statements):
            plan = " | ".join(row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql))
            plans.setdefault(plan, []).append(sql)
        full_scans = [plan for plan in plans if "SCAN articles" in plan]
        for plan, sqls in plans.items():
            print(f"plan ({len(sqls)} statements): {plan}\n    e.g. {sqls[0][:120]}")
    print(
        f"report clusters --since 24h: {t_clusters * 1000:8.1f} ms  "
        f"({records.count('cluster ')} clusters)  baseline/report {t_naive / t_clusters:6.1f}x"
    )
    print(
        f"report outlets --since 7d:   {t_outlets * 1000:8.1f} ms  "
        f"baseline/report {t_naive / t_outlets:6.1f}x"
    )
    print(
        f"report cluster ID:           {t_cluster * 1000:8.1f} ms  "
        f"baseline/report {t_naive / t_cluster:6.1f}x"
    )
    print(f"baseline (full scan, NOT INDEXED, last 24h grouped): {t_naive * 1000:8.1f} ms")
    if full_scans:
        print(f"error: full scans of articles: {full_scans}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
