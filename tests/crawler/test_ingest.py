"""``newsmon ingest``: stores newsmon:extracted once each; a dead consumer's work is claimed."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
from pathlib import Path

import redis

from crawler.items import Article, ArticleItem
from crawler.store.archive import Archive
from crawler.store.outbox import EXTRACTED, RESULTS, extracted_message
from dedup import DedupConfig, signature
from tests.factories import count_articles
from tests.newsmon_cli import WAIT_S, finish_newsmon, start_newsmon, wait_for

_WORDS = [
    "parliament",
    "budget",
    "river",
    "harvest",
    "election",
    "school",
    "bridge",
    "court",
    "drought",
    "railway",
    "festival",
    "border",
    "energy",
    "museum",
    "vaccine",
    "market",
    "teachers",
    "airport",
    "mountain",
    "wheat",
]


def story(n: int) -> str:
    """A text of its own for article ``n`` (different stories share few shingles)."""
    words = [
        _WORDS[(n * 7 + i * (n % 5 + 1)) % len(_WORDS)] + str((n * 31 + i) % 97) for i in range(80)
    ]
    return " ".join(words) + "."


def push_articles(client: redis.Redis, prefix: str, count: int) -> list[str]:
    cfg = DedupConfig()
    ids = []
    for n in range(count):
        text = story(n // 2) if n % 10 == 1 else story(n)  # every tenth is a copy of another
        article = Article(
            id=f"art{n:03d}",
            url=f"http://x.test/{n}",
            canonical_url=f"http://x.test/{n}",
            outlet=f"outlet{n % 3}",
            title=f"Story {n}",
            text=text,
            fetched="2025-03-01T10:00:00+00:00",
            published=f"2025-03-01T09:{n % 60:02d}:00+00:00",
        )
        item = ArticleItem(
            article=article,
            signature=signature(text, cfg).to_bytes(),
            html=f"<html><p>{text}</p></html>".encode(),
            content_type="text/html",
            seen_urls=[article.url],
        )
        client.xadd(prefix + EXTRACTED, extracted_message(item))
        ids.append(article.id)
    return ids


def has_pending(client: redis.Redis, prefix: str, consumer: str) -> bool:
    try:
        rows = client.xpending_range(prefix + EXTRACTED, "newsmon-ingest", "-", "+", 1000)
    except redis.ResponseError:  # NOGROUP: ingest has not created its group yet
        return False
    return any(row["consumer"].decode() == consumer for row in rows)


def ingest(redis_url: str, prefix: str, db: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "NEWSMON_REDIS_PREFIX": prefix, "NEWSMON_INGEST_BATCH": "10"}
    return start_newsmon("ingest", "--redis-url", redis_url, "--db", str(db), *args, env=env)


def test_killed_ingest_pending_messages_are_finished_by_a_second_consumer(
    redis_url: str, redis_prefix: str, db_path: Path
) -> None:
    client = redis.Redis.from_url(redis_url)
    ids = push_articles(client, redis_prefix, 30)
    Archive(db_path).close()
    lock = sqlite3.connect(db_path, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")  # the first consumer reads a batch, then blocks storing it
    with ingest(redis_url, redis_prefix, db_path, "--consumer", "first") as first:
        try:
            wait_for(lambda: has_pending(client, redis_prefix, "first"), "pending on first")
        finally:
            first.kill()  # SIGKILL: no cleanup, its batch stays pending in the group
            lock.execute("ROLLBACK")
            lock.close()
    assert has_pending(client, redis_prefix, "first")
    second = ingest(
        redis_url, redis_prefix, db_path, "--consumer", "second", "--claim-idle", "0", "--drain"
    )
    _, stderr = finish_newsmon(second)
    assert second.returncode == 0, stderr
    assert "ingested 30 articles (0 already stored, 10 claimed from dead consumers" in stderr
    summary = client.xpending(redis_prefix + EXTRACTED, "newsmon-ingest")
    assert summary["pending"] == 0
    with Archive(db_path) as archive:
        stored = {a.id: a for a in archive.articles()}
        assert archive.outbox_size() == 0
    assert sorted(stored) == ids
    copy = stored["art011"]  # a copy of story 5, stored as art005
    assert copy.cluster == stored["art005"].cluster and copy.copy_of == "art005"
    published = [f[b"id"].decode() for _, f in client.xrange(redis_prefix + RESULTS)]
    assert sorted(published) == [f"{i}:1" for i in ids]


def test_redelivered_messages_are_stored_once_and_sigterm_stops_cleanly(
    redis_url: str, redis_prefix: str, db_path: Path
) -> None:
    client = redis.Redis.from_url(redis_url)
    push_articles(client, redis_prefix, 5)
    with ingest(redis_url, redis_prefix, db_path, "--drain") as done:
        assert done.wait(timeout=WAIT_S) == 0
    push_articles(client, redis_prefix, 5)  # the same articles again: at-least-once delivery
    running = ingest(redis_url, redis_prefix, db_path)
    wait_for(
        lambda: (
            client.xpending(redis_prefix + EXTRACTED, "newsmon-ingest")["pending"] == 0
            and client.xinfo_groups(redis_prefix + EXTRACTED)[0]["lag"] == 0
        ),
        "second batch",
    )
    running.send_signal(signal.SIGTERM)
    _, stderr = finish_newsmon(running)
    assert running.returncode == 0, stderr
    assert "ingested 0 articles (5 already stored" in stderr
    assert client.xlen(redis_prefix + RESULTS) == 5


def test_a_running_ingest_makes_its_group_again_when_redis_lost_it(
    redis_url: str, redis_prefix: str, db_path: Path
) -> None:
    client = redis.Redis.from_url(redis_url)
    push_articles(client, redis_prefix, 2)
    running = ingest(redis_url, redis_prefix, db_path)
    try:
        wait_for(lambda: count_articles(db_path) == 2, "the first articles")
        client.delete(redis_prefix + EXTRACTED)  # FLUSHALL, or a Redis restarted without data
        push_articles(client, redis_prefix, 4)  # the stream anew, without the ingest group
        wait_for(lambda: count_articles(db_path) == 4, "the articles after the group was lost")
    finally:
        running.send_signal(signal.SIGTERM)
        _, stderr = finish_newsmon(running)
    assert "made its consumer group again" in stderr, stderr


def test_quiet_ingest_prints_nothing_on_success(
    redis_url: str, redis_prefix: str, db_path: Path
) -> None:
    client = redis.Redis.from_url(redis_url)
    push_articles(client, redis_prefix, 2)
    with ingest(redis_url, redis_prefix, db_path, "--drain", "-q") as done:
        _, stderr = done.communicate(timeout=WAIT_S)
    assert (done.returncode, stderr) == (0, "")
    assert count_articles(db_path) == 2


def test_a_drain_says_what_other_consumers_still_hold(
    redis_url: str, redis_prefix: str, db_path: Path
) -> None:
    client = redis.Redis.from_url(redis_url)
    push_articles(client, redis_prefix, 3)
    stream = redis_prefix + EXTRACTED
    client.xgroup_create(stream, "newsmon-ingest", id="0")
    client.xreadgroup("newsmon-ingest", "crashed", {stream: ">"}, count=2)  # never acknowledged
    with ingest(redis_url, redis_prefix, db_path, "--drain") as done:
        _, stderr = done.communicate(timeout=WAIT_S)
    assert done.returncode == 0
    assert "ingested 1 articles" in stderr
    assert (
        "2 messages wait pending with another consumer: taken over once idle for "
        "--claim-idle seconds (--claim-idle 0: now)"
    ) in stderr
