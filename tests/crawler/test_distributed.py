"""The distributed mode end to end, as users run it: crawl workers on two machines (two archives)
share one Redis, one `newsmon ingest` clusters what they send, and the outcome is the one a
local `newsmon crawl` gives. Real processes, real Redis, the sample outlets on loopback with
every article GET counted on the server side.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis

from crawler.archive import Archive
from crawler.demo.server import Request, Response, SampleOutlets, serve_sample_outlets
from crawler.outbox import EXTRACTED, RESULTS, seen_key
from tests.redis_server import RedisServer

pytestmark = pytest.mark.slow

_NEWSMON = [sys.executable, "-c", "from crawler.cli import main; main()"]
_FAST = ["-s", "AUTOTHROTTLE_ENABLED=false", "-s", "DOWNLOAD_DELAY=0", "-s", "RETRY_TIMES=0",
         "-s", "NEWSMON_SITEMAP_MAX_AGE_DAYS=0", "-s", "NEWSMON_EXTRACT_WORKERS=1"]
_TIMEOUT_S = 180


class _Sites:
    """The sample outlets with every article page's GETs counted by path."""

    def __init__(self, sites: SampleOutlets, registry: Path) -> None:
        self.sites = sites
        self.registry = registry
        self.fetches: Counter[str] = Counter()
        self._lock = threading.Lock()
        for key, url in sites.article_urls.items():
            sites.add_route(key.split("/")[0], urlsplit(url).path, self._counted(url))

    def _counted(self, url: str) -> Callable[[Request], Response]:
        with urllib.request.urlopen(url, timeout=10) as answer:
            page = Response(200, {"Content-Type": answer.headers["Content-Type"]}, answer.read())

        def route(request: Request) -> Response:
            with self._lock:
                self.fetches[urlsplit(request.path).path] += 1
            return page
        return route


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Sites]:
    with serve_sample_outlets() as served:
        yield _Sites(served, served.write_registry(
            tmp_path_factory.mktemp("registry") / "outlets.toml"))


def _start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([*_NEWSMON, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, **(env or {})})


def _run(*args: str, env: dict[str, str] | None = None) -> str:
    """Run a newsmon command to its end; returns its stderr (it must exit 0)."""
    with _start(*args, env=env) as process:
        _, stderr = process.communicate(timeout=_TIMEOUT_S)
    assert process.returncode == 0, stderr[-3000:]
    return stderr


def _clusters(db: Path) -> set[frozenset[str]]:
    """Cluster membership as sets of canonical URLs."""
    groups: dict[str, set[str]] = {}
    with Archive(db) as archive:
        for article in archive.articles():
            groups.setdefault(article.cluster or article.id, set()).add(article.canonical_url)
    return {frozenset(g) for g in groups.values()}


def _urls(db: Path) -> list[str]:
    with Archive(db) as archive:
        return [a.canonical_url for a in archive.articles()]


def test_two_workers_and_one_ingest_fetch_and_store_each_article_once_as_a_local_crawl(
        sites: _Sites, tmp_path: Path, redis_url: str, redis_prefix: str) -> None:
    local = tmp_path / "local.db"
    _run("crawl", "--outlets", str(sites.registry), "--db", str(local), *_FAST)
    sites.fetches.clear()

    shared = ["--outlets", str(sites.registry), "--redis-url", redis_url, "--mode", "worker",
              "-s", f"NEWSMON_REDIS_PREFIX={redis_prefix}", *_FAST]
    workers = [tmp_path / "worker1.db", tmp_path / "worker2.db"]
    schedulers = [_start("schedule", "--once", "--db", str(db), *shared) for db in workers]
    for scheduler in schedulers:
        _, stderr = scheduler.communicate(timeout=_TIMEOUT_S)
        assert scheduler.returncode == 0, stderr[-3000:]
    # Each worker crawls every outlet again: its own archive knows only the outlets it
    # crawled, the seen sets in Redis know the rest, so nothing is fetched a second time.
    for db in workers:
        assert "0 new articles sent to ingest" in _run("crawl", "--db", str(db), *shared)
    ingest = tmp_path / "ingest.db"
    _run("ingest", "--redis-url", redis_url, "--db", str(ingest), "--drain",
         env={"NEWSMON_REDIS_PREFIX": redis_prefix})

    article_paths = {urlsplit(u).path for u in sites.sites.article_urls.values()}
    fetched = {path: n for path, n in sites.fetches.items() if path in article_paths}
    assert {urlsplit(u).path for u in _urls(local)} <= set(fetched)
    assert set(fetched.values()) == {1}  # every article fetched once across both workers
    stored = _urls(ingest)
    assert len(stored) == len(set(stored))
    assert set(stored) == set(_urls(local))
    assert _clusters(ingest) == _clusters(local)
    for db in workers:  # a worker's archive: seen URLs, an empty outbox, runs; no articles
        with Archive(db) as archive:
            assert archive.count_articles() == 0 and archive.outbox_size() == 0
    client = redis.Redis.from_url(redis_url)
    # At-least-once: a batch in flight when a crawl stops is sent again, with the same ids.
    sent = {f[b"id"] for _, f in client.xrange(redis_prefix + EXTRACTED)}
    assert len(sent) == len(stored)
    results = {f[b"id"]: json.loads(f[b"record"])
               for _, f in client.xrange(redis_prefix + RESULTS)}
    assert sorted(r["canonical_url"] for r in results.values()) == sorted(stored)


def test_a_worker_without_redis_keeps_its_articles_and_sends_them_when_redis_is_back(
        sites: _Sites, tmp_path: Path) -> None:
    server = RedisServer()  # its port is free: nothing answers there yet
    db, ingest = tmp_path / "worker.db", tmp_path / "ingest.db"
    outlet = sites.sites.outlet_ids[0]
    crawl = ["crawl", "--outlet", outlet, "--outlets", str(sites.registry), "--db", str(db),
             "--mode", "worker", "--redis-url", server.url, *_FAST,
             "-s", "NEWSMON_PUBLISH_CLOSE_TIMEOUT=1"]
    sites.fetches.clear()
    stderr = _run(*crawl)
    assert "messages wait in the archive's outbox" in stderr
    with Archive(db) as archive:
        waiting = archive.outbox_size()
    assert waiting > 0 and sum(sites.fetches.values()) == waiting
    with server:
        assert "0 new articles sent to ingest" in _run(*crawl)  # seen in its own archive
        client = redis.Redis.from_url(server.url)
        assert len({f[b"id"] for _, f in client.xrange("newsmon:" + EXTRACTED)}) == waiting
        assert client.zcard(seen_key("newsmon:", outlet)) >= waiting
        _run("ingest", "--redis-url", server.url, "--db", str(ingest), "--drain")
        with Archive(ingest) as archive:
            assert archive.count_articles() == waiting
    assert sum(sites.fetches.values()) == waiting  # nothing fetched twice


def test_worker_mode_without_a_redis_url_is_refused(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NEWSMON_REDIS_URL"}
    done = subprocess.run([*_NEWSMON, "schedule", "--once", "--mode", "worker", "--db",
                           str(tmp_path / "worker.db")], capture_output=True, text=True, env=env,
                          timeout=_TIMEOUT_S)
    assert done.returncode == 2
    assert done.stderr == ("error: worker mode sends articles to Redis: give --redis-url "
                           "(or NEWSMON_REDIS_URL)\n")
