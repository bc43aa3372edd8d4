"""Scheduled, incremental and distributed crawling, end to end: real processes, real Redis,
the sample outlets on loopback, fetches counted on the server side.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from crawler.demo.server import SampleOutlets
from crawler.run.schedule import ArchivePlans, Plan
from crawler.store.archive import Archive
from crawler.urls import canonicalize
from settings.registry import load_registry
from tests.factories import count_articles
from tests.newsmon_cli import FAST, TIMEOUT_S, finish_newsmon, run_newsmon, start_newsmon

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def baseline(sample_registry: Path, tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The canonical URLs one clean, uninterrupted crawl stores."""
    db = tmp_path_factory.mktemp("baseline") / "baseline.db"
    run_newsmon("crawl", "--outlets", str(sample_registry), "--db", str(db), *FAST)
    with Archive(db) as archive:
        urls = {a.canonical_url for a in archive.articles()}
    assert urls
    return urls


def _stored(db: Path, *more: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            f"SELECT {', '.join(['canonical_url', 'revision', *more])} FROM articles"
        ).fetchall()


def test_two_schedulers_on_one_redis_crawl_every_outlet_and_fetch_every_article_once(
    counted_sites: SampleOutlets,
    sample_registry: Path,
    baseline: set[str],
    tmp_path: Path,
    redis_url: str,
    redis_prefix: str,
) -> None:
    db = tmp_path / "shared.db"
    command = [
        "schedule",
        "--once",
        "--outlets",
        str(sample_registry),
        "--db",
        str(db),
        "--redis-url",
        redis_url,
        "-s",
        f"NEWSMON_REDIS_PREFIX={redis_prefix}",
        *FAST,
    ]
    workers = [start_newsmon(*command) for _ in range(2)]
    outputs = [finish_newsmon(w, TIMEOUT_S) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], [err[-2000:] for _, err in outputs]

    with sqlite3.connect(db) as conn:
        crawled = [row[0] for row in conn.execute("SELECT outlet FROM run_outlets")]
    assert sorted(crawled) == sorted(counted_sites.outlet_ids)  # each exactly once
    fetched = {key: n for key, n in counted_sites.article_gets().items() if n}
    assert fetched and set(fetched.values()) == {1}
    stored = _stored(db)
    assert {url for url, _ in stored} == baseline
    assert len(stored) == len(baseline)


def test_a_crawl_killed_mid_way_resumes_without_loss_or_duplicates(
    counted_sites: SampleOutlets, sample_registry: Path, baseline: set[str], tmp_path: Path
) -> None:
    db = tmp_path / "killed.db"
    slow = [*FAST, "-s", "DOWNLOAD_DELAY=0.2", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"]
    child = start_newsmon(
        "crawl",
        "--outlets",
        str(sample_registry),
        "--db",
        str(db),
        *slow,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + TIMEOUT_S
    while not (db.exists() and count_articles(db) >= 5):
        assert child.poll() is None, "the crawl ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    first = {url for url, _ in _stored(db)}
    assert 0 < len(first) < len(baseline)

    run_newsmon("crawl", "--outlets", str(sample_registry), "--db", str(db), *FAST)

    stored = _stored(db)
    assert {url for url, _ in stored} == baseline  # nothing lost
    assert len(stored) == len(baseline)  # nothing stored twice
    # nor rewritten: a second revision comes only from a copy link that an earlier-published
    # member crawled later changed (the record then names what it copies)
    assert all(copy_of for _, revision, copy_of in _stored(db, "copy_of") if revision > 1)
    urls = counted_sites.article_urls
    fetched = {canonicalize(urls[key]): n for key, n in counted_sites.article_gets().items()}
    assert all(fetched[url] == 1 for url in first)  # stored ones are not fetched again
    # the killed run is recorded as such, not as running for ever
    with sqlite3.connect(db) as conn:
        runs = conn.execute("SELECT status, finish_reason FROM runs ORDER BY id").fetchall()
    assert runs == [("failed", "killed"), ("ok", "finished")]


def test_a_feed_that_answers_304_is_not_parsed(
    counted_sites: SampleOutlets, sample_registry: Path, tmp_path: Path
) -> None:
    db = tmp_path / "cond.db"
    run_newsmon("crawl", "--outlets", str(sample_registry), "--db", str(db), *FAST)
    run_newsmon("crawl", "--outlets", str(sample_registry), "--db", str(db), *FAST)

    with Archive(db) as archive:
        second = json.loads(archive.runs(1)[0]["stats"])
    feeds = [
        (outlet.id, urlsplit(feed).path)
        for outlet in load_registry(sample_registry)
        for feed in outlet.feeds
    ]
    # Asked twice, the second time with a validator.
    feeds = [
        (outlet, path) for outlet, path in feeds if counted_sites.conditional_gets(outlet)[path]
    ]
    assert feeds and all(counted_sites.gets(outlet)[path] == 2 for outlet, path in feeds)
    assert second["newsmon/discovery/not_modified"] >= len(feeds)  # with a validator: 304
    assert "newsmon/discovery/feed/ok" not in second  # and nothing was parsed
    assert second.get("newsmon/articles/requested", 0) == 0


def test_an_outlet_whose_feed_lists_only_old_items_is_polled_less_often(
    sample_registry: Path, tmp_path: Path
) -> None:
    db = tmp_path / "adaptive.db"
    outlet = "ala-too-wire"
    args = [
        "schedule",
        "--once",
        "--outlet",
        outlet,
        "--outlets",
        str(sample_registry),
        "--db",
        str(db),
        "-s",
        "NEWSMON_SCHEDULE_MIN_INTERVAL=60",
        "-s",
        "NEWSMON_CONDITIONAL_FETCH_ENABLED=false",
        *FAST,
    ]
    run_newsmon(*args)
    plans = ArchivePlans(db)
    first = plans.get(outlet)
    assert first is not None
    plans.put(outlet, Plan(due=0.0, interval=first.interval))  # due again now

    run_newsmon(*args)

    second = plans.get(outlet)
    assert second is not None and second.interval > first.interval
    with Archive(db) as archive:
        row = archive.run_outlet(outlet)
    assert row is not None and row["links"] > 0 and row["requested"] == 0


def test_sigterm_stops_the_scheduler_cleanly_and_releases_its_leases(
    sample_registry: Path, tmp_path: Path, redis_url: str, redis_prefix: str
) -> None:
    import redis

    db = tmp_path / "term.db"
    scheduler = start_newsmon(
        "schedule",
        "--outlets",
        str(sample_registry),
        "--db",
        str(db),
        "--redis-url",
        redis_url,
        "-s",
        f"NEWSMON_REDIS_PREFIX={redis_prefix}",
        *FAST,
        "-s",
        "DOWNLOAD_DELAY=0.3",
        "-s",
        "CONCURRENT_REQUESTS_PER_DOMAIN=1",
    )
    deadline = time.monotonic() + TIMEOUT_S
    while count_articles(db) < 1:
        assert scheduler.poll() is None, scheduler.communicate()[1][-2000:]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    scheduler.send_signal(signal.SIGTERM)
    _, err = finish_newsmon(scheduler, TIMEOUT_S)

    assert scheduler.returncode == 0, err[-2000:]
    client = redis.Redis.from_url(redis_url)
    assert list(client.scan_iter(match=f"{redis_prefix}lease:*")) == []
    with Archive(db) as archive:
        run = archive.runs(1)[0]
    assert run["status"] != "running" and run["finish_reason"] == "shutdown"
