"""The distributed mode end to end, as users run it: crawl workers on two machines (two archives)
share one Redis, one `newsmon ingest` clusters what they send, and the outcome is the one a
local `newsmon crawl` gives. Real processes, real Redis, the sample outlets on loopback with
every article GET counted on the server side.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import redis

from crawler.demo.server import SampleOutlets
from crawler.store.archive import Archive
from crawler.store.outbox import EXTRACTED, RESULTS, seen_key
from crawler.urls import canonicalize
from tests.newsmon_cli import FAST, TIMEOUT_S, finish_newsmon, run_newsmon, start_newsmon
from tests.redis_server import RedisServer

pytestmark = pytest.mark.slow


def _clusters(db: Path) -> set[frozenset[str]]:
    """Cluster membership as sets of canonical URLs."""
    groups: dict[str, set[str]] = {}
    with Archive(db) as archive:
        for article in archive.articles():
            groups.setdefault(article.cluster or article.id, set()).add(article.canonical_url)
    return {frozenset(g) for g in groups.values()}


def _copies(db: Path) -> dict[str, str | None]:
    """Each article's canonical URL and that of its copy_of (the copy direction)."""
    with Archive(db) as archive:
        articles = list(archive.articles())
    url_of = {a.id: a.canonical_url for a in articles}
    return {a.canonical_url: url_of.get(a.copy_of) if a.copy_of else None for a in articles}


def _urls(db: Path) -> list[str]:
    with Archive(db) as archive:
        return [a.canonical_url for a in archive.articles()]


def test_two_workers_and_one_ingest_fetch_and_store_each_article_once_as_a_local_crawl(
    counted_sites: SampleOutlets,
    sample_registry: Path,
    tmp_path: Path,
    redis_url: str,
    redis_prefix: str,
) -> None:
    local = tmp_path / "local.db"
    run_newsmon("crawl", "--outlets", str(sample_registry), "--db", str(local), *FAST)
    counted_sites.reset_counts()

    shared = [
        "--outlets",
        str(sample_registry),
        "--redis-url",
        redis_url,
        "--mode",
        "worker",
        "-s",
        f"NEWSMON_REDIS_PREFIX={redis_prefix}",
        *FAST,
    ]
    workers = [tmp_path / "worker1.db", tmp_path / "worker2.db"]
    schedulers = [start_newsmon("schedule", "--once", "--db", str(db), *shared) for db in workers]
    for scheduler in schedulers:
        _, stderr = finish_newsmon(scheduler, TIMEOUT_S)
        assert scheduler.returncode == 0, stderr[-3000:]
    # Each worker crawls every outlet again: its own archive knows only the outlets it
    # crawled, the seen sets in Redis know the rest, so nothing is fetched a second time.
    for db in workers:
        crawl = run_newsmon("crawl", "--db", str(db), *shared)
        assert "0 new articles sent to ingest" in crawl.stderr
    ingest = tmp_path / "ingest.db"
    run_newsmon(
        "ingest",
        "--redis-url",
        redis_url,
        "--db",
        str(ingest),
        "--drain",
        env={**os.environ, "NEWSMON_REDIS_PREFIX": redis_prefix},
    )

    urls = counted_sites.article_urls
    fetched = {canonicalize(urls[key]): n for key, n in counted_sites.article_gets().items() if n}
    assert set(_urls(local)) <= set(fetched)
    assert set(fetched.values()) == {1}  # every article fetched once across both workers
    stored = _urls(ingest)
    assert len(stored) == len(set(stored))
    assert set(stored) == set(_urls(local))
    assert _clusters(ingest) == _clusters(local)
    assert _copies(ingest) == _copies(local)  # whichever order each clustered them in
    for db in workers:  # a worker's archive: seen URLs, an empty outbox, runs; no articles
        with Archive(db) as archive:
            assert archive.count_articles() == 0 and archive.outbox_size() == 0
    client = redis.Redis.from_url(redis_url)
    # the work queue is emptied by ingest as it stores (no cap trims it: nothing read is left,
    # nothing unread is lost)
    assert client.xlen(redis_prefix + EXTRACTED) == 0
    # one message per article revision: a member relinked to an earlier-published member that
    # came later (copy_of) comes again with a new revision; the newest agrees with the archive
    latest: dict[str, tuple[int, dict]] = {}
    for _, f in client.xrange(redis_prefix + RESULTS):
        article_id, revision = f[b"article"].decode(), int(f[b"rev"])
        if revision > latest.get(article_id, (0, {}))[0]:
            latest[article_id] = (revision, json.loads(f[b"record"]))
    assert sorted(r["canonical_url"] for _, r in latest.values()) == sorted(stored)
    with Archive(ingest) as archive:
        assert {a.id: a.copy_of for a in archive.articles()} == {
            i: r["copy_of"] for i, (_, r) in latest.items()
        }


def test_a_worker_without_redis_keeps_its_articles_and_sends_them_when_redis_is_back(
    counted_sites: SampleOutlets, sample_registry: Path, tmp_path: Path
) -> None:
    server = RedisServer()  # its port is free: nothing answers there yet
    db, ingest = tmp_path / "worker.db", tmp_path / "ingest.db"
    outlet = counted_sites.outlet_ids[0]
    crawl = [
        "crawl",
        "--outlet",
        outlet,
        "--outlets",
        str(sample_registry),
        "--db",
        str(db),
        "--mode",
        "worker",
        "--redis-url",
        server.url,
        *FAST,
        "-s",
        "NEWSMON_PUBLISH_CLOSE_TIMEOUT=1",
    ]
    stderr = run_newsmon(*crawl).stderr
    assert "messages wait in the archive's outbox" in stderr
    with Archive(db) as archive:
        waiting = archive.outbox_size()
    assert waiting > 0 and sum(counted_sites.article_gets().values()) == waiting
    with server:
        again = run_newsmon(*crawl).stderr
        assert "0 new articles sent to ingest" in again  # seen in its own archive
        client = redis.Redis.from_url(server.url)
        assert len({f[b"id"] for _, f in client.xrange("newsmon:" + EXTRACTED)}) == waiting
        assert client.zcard(seen_key("newsmon:", outlet)) >= waiting
        run_newsmon("ingest", "--redis-url", server.url, "--db", str(ingest), "--drain")
        with Archive(ingest) as archive:
            assert archive.count_articles() == waiting
    assert sum(counted_sites.article_gets().values()) == waiting  # nothing fetched twice


def test_worker_mode_without_a_redis_url_is_refused(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NEWSMON_REDIS_URL"}
    done = run_newsmon(
        "schedule",
        "--once",
        "--mode",
        "worker",
        "--db",
        str(tmp_path / "worker.db"),
        check=False,
        env=env,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "error: worker mode sends articles to Redis: give --redis-url (or NEWSMON_REDIS_URL)\n"
    )
