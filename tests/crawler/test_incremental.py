"""Scheduled, incremental and distributed crawling, end to end: real processes, real Redis,
the sample outlets on loopback, fetches counted on the server side.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.archive import Archive
from crawler.demo.server import Request, Response, SampleOutlets, serve_sample_outlets
from crawler.schedule import ArchivePlans, Plan
from settings.registry import load_registry

pytestmark = pytest.mark.slow

_FAST = ["-s", "AUTOTHROTTLE_ENABLED=false", "-s", "DOWNLOAD_DELAY=0", "-s", "RETRY_TIMES=0",
         "-s", "NEWSMON_SITEMAP_MAX_AGE_DAYS=0", "-s", "NEWSMON_EXTRACT_WORKERS=1"]
_NEWSMON = [sys.executable, "-c", "from crawler.cli import main; main()"]
_TIMEOUT_S = 180


class _Counted:
    """The sample outlets with every article page's GETs counted by path."""

    def __init__(self, sites: SampleOutlets, registry: Path) -> None:
        self.sites = sites
        self.registry = registry
        self.fetches: Counter[str] = Counter()
        self.conditional: Counter[str] = Counter()
        self._lock = threading.Lock()

    def count(self, page: Response, conditional: bool = False) -> Callable[[Request], Response]:
        def route(request: Request) -> Response:
            path = urlsplit(request.path).path
            with self._lock:
                self.fetches[path] += 1
                if conditional and ("If-None-Match" in request.headers
                                    or "If-Modified-Since" in request.headers):
                    self.conditional[path] += 1
            return page
        return route


def _fetch(url: str) -> Response:
    with urllib.request.urlopen(url, timeout=10) as answer:
        keep = ("Content-Type", "ETag", "Last-Modified")
        headers = {k: answer.headers[k] for k in keep if answer.headers.get(k)}
        return Response(200, headers, answer.read())


@pytest.fixture(scope="module")
def counted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Counted]:
    with serve_sample_outlets() as sites:
        registry = sites.write_registry(tmp_path_factory.mktemp("registry") / "outlets.toml")
        counted = _Counted(sites, registry)
        for key, url in sites.article_urls.items():
            sites.add_route(key.split("/")[0], urlsplit(url).path, counted.count(_fetch(url)))
        for outlet in load_registry(registry):  # feeds: count the conditional GETs too
            for feed in outlet.feeds:
                sites.add_route(outlet.id, urlsplit(feed).path,
                                counted.count(_fetch(feed), conditional=True))
        yield counted


@pytest.fixture
def server(counted: _Counted) -> _Counted:
    counted.fetches.clear()
    counted.conditional.clear()
    return counted


@pytest.fixture(scope="module")
def baseline(counted: _Counted, tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The canonical URLs one clean, uninterrupted crawl stores."""
    db = tmp_path_factory.mktemp("baseline") / "baseline.db"
    _newsmon("crawl", "--outlets", str(counted.registry), "--db", str(db), *_FAST)
    with Archive(db) as archive:
        urls = {a.canonical_url for a in archive.articles()}
    assert urls
    return urls


def _newsmon(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([*_NEWSMON, *args], capture_output=True, text=True,
                          timeout=_TIMEOUT_S, check=False)
    if check:
        assert done.returncode == 0, done.stderr[-3000:]
    return done


def _article_paths(counted: _Counted) -> set[str]:
    return {urlsplit(u).path for u in counted.sites.article_urls.values()}


def _stored(db: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT canonical_url, revision FROM articles").fetchall()


def test_two_schedulers_on_one_redis_crawl_every_outlet_and_fetch_every_article_once(
        server: _Counted, baseline: set[str], tmp_path: Path, redis_url: str,
        redis_prefix: str) -> None:
    db = tmp_path / "shared.db"
    command = [*_NEWSMON, "schedule", "--once", "--outlets", str(server.registry), "--db",
               str(db), "--redis-url", redis_url, "-s", f"NEWSMON_REDIS_PREFIX={redis_prefix}",
               *_FAST]
    workers = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for _ in range(2)]
    outputs = [w.communicate(timeout=_TIMEOUT_S) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], [err[-2000:] for _, err in outputs]

    with sqlite3.connect(db) as conn:
        crawled = [row[0] for row in conn.execute("SELECT outlet FROM run_outlets")]
    assert sorted(crawled) == sorted(server.sites.outlet_ids)  # each exactly once
    fetched = {p: n for p, n in server.fetches.items() if p in _article_paths(server)}
    assert fetched and set(fetched.values()) == {1}
    stored = _stored(db)
    assert {url for url, _ in stored} == baseline
    assert len(stored) == len(baseline)


def test_a_crawl_killed_mid_way_resumes_without_loss_or_duplicates(
        server: _Counted, baseline: set[str], tmp_path: Path) -> None:
    db = tmp_path / "killed.db"
    slow = [*_FAST, "-s", "DOWNLOAD_DELAY=0.2", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"]
    child = subprocess.Popen([*_NEWSMON, "crawl", "--outlets", str(server.registry), "--db",
                              str(db), *slow], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + _TIMEOUT_S
    while not (db.exists() and _count_quietly(db) >= 5):
        assert child.poll() is None, "the crawl ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    first = {url for url, _ in _stored(db)}
    assert 0 < len(first) < len(baseline)

    _newsmon("crawl", "--outlets", str(server.registry), "--db", str(db), *_FAST)

    stored = _stored(db)
    assert {url for url, _ in stored} == baseline  # nothing lost
    assert len(stored) == len(baseline)  # nothing stored twice
    assert {revision for _, revision in stored} == {1}  # nor rewritten
    refetched = [urlsplit(u).path for u in first]
    assert all(server.fetches[p] == 1 for p in refetched)  # stored ones are not fetched again


def _count_quietly(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0


def test_a_feed_that_answers_304_is_not_parsed(server: _Counted, tmp_path: Path) -> None:
    db = tmp_path / "cond.db"
    _newsmon("crawl", "--outlets", str(server.registry), "--db", str(db), *_FAST)
    _newsmon("crawl", "--outlets", str(server.registry), "--db", str(db), *_FAST)

    with Archive(db) as archive:
        second = json.loads(archive.runs(1)[0]["stats"])
    feeds = list(server.conditional)
    assert feeds and all(server.fetches[p] == 2 for p in feeds)  # asked twice, second time
    assert second["newsmon/discovery/not_modified"] >= len(feeds)  # with a validator: 304
    assert "newsmon/discovery/feed/ok" not in second  # and nothing was parsed
    assert second.get("newsmon/articles/requested", 0) == 0


def test_an_outlet_whose_feed_lists_only_old_items_is_polled_less_often(
        server: _Counted, tmp_path: Path) -> None:
    db = tmp_path / "adaptive.db"
    outlet = "ala-too-wire"
    args = ["schedule", "--once", "--outlet", outlet, "--outlets", str(server.registry),
            "--db", str(db), "-s", "NEWSMON_SCHEDULE_MIN_INTERVAL=60",
            "-s", "NEWSMON_CONDITIONAL_FETCH_ENABLED=false", *_FAST]
    _newsmon(*args)
    plans = ArchivePlans(db)
    first = plans.get(outlet)
    assert first is not None
    plans.put(outlet, Plan(due=0.0, interval=first.interval))  # due again now

    _newsmon(*args)

    second = plans.get(outlet)
    assert second is not None and second.interval > first.interval
    with Archive(db) as archive:
        row = archive.run_outlet(outlet)
    assert row is not None and row["links"] > 0 and row["requested"] == 0


def test_sigterm_stops_the_scheduler_cleanly_and_releases_its_leases(
        server: _Counted, tmp_path: Path, redis_url: str, redis_prefix: str) -> None:
    import redis

    db = tmp_path / "term.db"
    scheduler = subprocess.Popen(
        [*_NEWSMON, "schedule", "--outlets", str(server.registry), "--db", str(db),
         "--redis-url", redis_url, "-s", f"NEWSMON_REDIS_PREFIX={redis_prefix}", *_FAST,
         "-s", "DOWNLOAD_DELAY=0.3", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + _TIMEOUT_S
    while _count_quietly(db) < 1:
        assert scheduler.poll() is None, scheduler.communicate()[1][-2000:]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    scheduler.send_signal(signal.SIGTERM)
    _, err = scheduler.communicate(timeout=_TIMEOUT_S)

    assert scheduler.returncode == 0, err[-2000:]
    client = redis.Redis.from_url(redis_url)
    assert list(client.scan_iter(match=f"{redis_prefix}lease:*")) == []
    with Archive(db) as archive:
        run = archive.runs(1)[0]
    assert run["status"] != "running" and run["finish_reason"] == "shutdown"
