"""A crawl publishing to a Redis that goes away mid-crawl: nothing is lost, archive == stream."""

from __future__ import annotations

import contextlib
import json
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import redis

from crawler.store.archive import Archive
from tests.newsmon_cli import run_newsmon, start_newsmon, wait_for
from tests.redis_server import RedisServer

pytestmark = pytest.mark.slow


def stream_messages(client: redis.Redis, key: str) -> list[dict[str, str]]:
    return [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in client.xrange(key)]


def check_stream_matches_archive(client: redis.Redis, db: Path) -> int:
    """Every archived article revision is in newsmon:results, and the newest records agree.

    An article comes again with a new revision when an earlier-published member of its cluster,
    crawled after it, changes its copy_of: every revision from 1 on must be there.
    """
    results = stream_messages(client, "newsmon:results")
    events = stream_messages(client, "newsmon:clusters")
    by_id = {m["id"]: m for m in results}  # consumers dedupe on id
    revisions: dict[str, set[int]] = {}
    newest: dict[str, dict[str, Any]] = {}
    for message in by_id.values():
        article_id, revision = message["article"], int(message["rev"])
        revisions.setdefault(article_id, set()).add(revision)
        if revision == max(revisions[article_id]):
            newest[article_id] = json.loads(message["record"])
    aliases = {
        alias: e["cluster"]
        for e in events
        if e["type"] == "merged"
        for alias in json.loads(e["aliases"])
    }

    def resolve(cluster: str) -> str:
        while cluster in aliases:
            cluster = aliases[cluster]
        return cluster

    with Archive(db) as archive:
        assert archive.outbox_size() == 0
        stored = {a.id: a for a in archive.articles()}
    assert stored, "the crawl stored nothing"
    assert set(newest) == set(stored), "stream and archive hold different articles"
    assert all(revs == set(range(1, max(revs) + 1)) for revs in revisions.values())
    for article_id, record in newest.items():
        article = stored[article_id].to_record()
        assert resolve(record.pop("cluster")) == article.pop("cluster")
        assert record == article
    assert {e["article"] for e in events} == set(stored)
    return len(stored)


def test_redis_down_mid_crawl_loses_nothing(sample_sites: Any, tmp_path: Path) -> None:
    registry = sample_sites.write_registry(tmp_path / "outlets.toml")
    db = tmp_path / "archive.db"
    log = tmp_path / "crawl.log"  # a file, not a pipe: nobody reads the log until the end
    with RedisServer() as server, log.open("w") as log_file:
        client = redis.Redis.from_url(server.url, socket_timeout=5)
        crawl = start_newsmon(
            "crawl",
            "--outlets",
            str(registry),
            "--db",
            str(db),
            "--redis-url",
            server.url,
            "-s",
            "AUTOTHROTTLE_ENABLED=0",
            "-s",
            "DOWNLOAD_DELAY=1",
            "-s",
            "NEWSMON_PUBLISH_BACKOFF_MAX=0.5",
            stdout=subprocess.DEVNULL,
            stderr=log_file,
        )
        try:
            wait_for(lambda: client.exists("newsmon:results"), "the first published result")
            # A clean shutdown keeps what Redis had acknowledged (as AOF/RDB do in production);
            # what the crawl stores from now on must wait in the outbox.
            with contextlib.suppress(redis.ConnectionError):
                client.shutdown(save=True)
            server.stop()
            with Archive(db) as archive:
                before = archive.count_articles()
                wait_for(lambda: archive.count_articles() > before + 2, "stores during the outage")
                # Redis comes back only once the crawl has met the outage, however its pages
                # were timed (an outlet's first articles are stored together)
                wait_for(lambda: "cannot publish to Redis" in log.read_text(), "the outage met")
                assert archive.outbox_size() > 0
            server.start()
            crawl.wait(timeout=120)
        finally:
            crawl.kill()
        stderr = log.read_text()
        assert crawl.returncode == 0, stderr
        assert "cannot publish to Redis" in stderr
        assert check_stream_matches_archive(client, db) >= 10


def test_crawl_without_redis_keeps_results_for_the_next_run(
    sample_sites: Any, tmp_path: Path
) -> None:
    registry = sample_sites.write_registry(tmp_path / "outlets.toml")
    db = tmp_path / "archive.db"
    server = RedisServer()  # its port is free: nothing answers there yet
    secret_url = server.url.replace("redis://", "redis://:hunter2@")
    crawl = run_newsmon(
        "crawl",
        "--outlets",
        str(registry),
        "--db",
        str(db),
        "--redis-url",
        secret_url,
        "-s",
        "AUTOTHROTTLE_ENABLED=0",
        "-s",
        "DOWNLOAD_DELAY=0",
        "-s",
        "NEWSMON_PUBLISH_CLOSE_TIMEOUT=1",
        timeout=120,
    )
    assert "hunter2" not in crawl.stderr + crawl.stdout
    assert "messages wait in the archive's outbox" in crawl.stderr
    with Archive(db) as archive:
        stored = archive.count_articles()
        revisions = sum(
            row[0] for row in archive.connection.execute("SELECT revision FROM articles")
        )
        waiting = Counter((m.stream, m.fields["type"]) for m in archive.outbox_batch(10_000))
    # a result per article revision (a member relinked to a later-crawled, earlier-published one
    # has two), a cluster event per article, and an `updated` event per relinking arrival
    assert waiting[("results", "article")] == revisions
    assert (
        sum(
            n for (stream, kind), n in waiting.items() if stream == "clusters" and kind != "updated"
        )
        == stored
    )
    assert (waiting[("clusters", "updated")] > 0) == (revisions > stored)
    with server:
        run_newsmon(
            "crawl",
            "--outlets",
            str(registry),
            "--db",
            str(db),
            "--redis-url",
            server.url,
            "-s",
            "AUTOTHROTTLE_ENABLED=0",
            timeout=120,
        )
        client = redis.Redis.from_url(server.url)
        assert check_stream_matches_archive(client, db) == stored
