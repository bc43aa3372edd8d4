"""One huge article (more lines than an index record counted) must not stop anything.

The crawl stores it with the others, ``newsmon cluster`` clusters it, ``newsmon ingest`` ingests
it and goes on; a message that cannot be ingested goes to the dead-letter stream with its reason
after a bounded number of tries, and the messages behind it are ingested.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import redis

from crawler.items import Article, ArticleItem
from crawler.store.archive import Archive
from crawler.store.outbox import EXTRACTED, extracted_message
from dedup import Clusterer, DedupConfig, Doc, signature
from dedup.signature import MAX_LINES, MAX_TEXT_CHARS
from tests.hostile.outlet_server import Outlet, Page, serve_outlets
from tests.hostile.pages import HUGE_LINES, huge_listing
from tests.newsmon_cli import FAST, finish_newsmon, run_newsmon, start_newsmon


def huge_text(lines: int = HUGE_LINES) -> str:
    """An invented listing of ``lines`` short paragraphs."""
    return "\n\n".join(f"entry {i} of the long listing at stop w{i % 97}" for i in range(lines))


def story(n: int) -> str:
    """A short invented story of its own for ``n``."""
    words = [f"harvest{n}", f"river{n * 3}", "bridge", f"council{n * 7}", "school", "budget"]
    return " ".join(f"{w} {i}" for i in range(12) for w in words) + "."


def test_a_text_of_more_lines_than_a_record_counts_is_clustered_and_found_again() -> None:
    cfg = DedupConfig()
    clusterer = Clusterer(cfg)
    text = huge_text()
    first = clusterer.add(Doc(id="a", outlet="x", time=0.0), signature(text, cfg))
    again = clusterer.add(Doc(id="b", outlet="y", time=60.0), signature(text, cfg))
    assert first.kind == "new" and again.cluster == first.cluster


def test_signature_reads_a_bounded_part_of_any_text() -> None:
    cfg = DedupConfig()
    text = huge_text()
    sig = signature(text, cfg)
    assert len(sig.line_hashes) == MAX_LINES
    long_line = "word " * (MAX_TEXT_CHARS // 5) + "tail " * 1000
    assert signature(long_line, cfg) == signature(long_line[:MAX_TEXT_CHARS], cfg)


def test_cluster_command_clusters_a_huge_text(tmp_path: Path) -> None:
    records = [
        {"id": "big", "outlet": "x", "text": huge_text()},
        {"id": "small", "outlet": "y", "text": story(1)},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    done = run_newsmon("cluster", str(path))
    assert done.stderr == ""
    assert [json.loads(line)["id"] for line in done.stdout.splitlines()] == ["big", "small"]


def test_a_crawl_stores_a_huge_article_beside_the_others(tmp_path: Path) -> None:
    big = huge_listing()
    pages = [
        Page("big-timetable", body=big),
        Page("small-story", "A small story", (story(1), story(2))),
    ]
    db = tmp_path / "a.db"
    with serve_outlets([Outlet("alpha", pages)]) as served:
        registry = served.write_registry(tmp_path / "outlets.toml")
        done = run_newsmon("crawl", "--outlets", str(registry), "--db", str(db), *FAST)
    assert "2 new articles stored" in done.stderr, done.stderr[-3000:]
    with Archive(db) as archive:
        texts = sorted(len(a.text.splitlines()) for a in archive.articles())
    assert texts[-1] >= HUGE_LINES  # the text itself is stored whole


def _push(client: redis.Redis, stream: str, n: int, text: str, **fields: str | None) -> str:
    article = Article(
        id=f"art{n}",
        url=f"http://x.test/{n}",
        canonical_url=f"http://x.test/{n}",
        outlet="x",
        title=f"Story {n}",
        text=text,
        fetched=fields.get("fetched") or "2026-03-02T10:00:00+00:00",
        published=fields.get("published", "2026-03-02T09:00:00+00:00"),
    )
    item = ArticleItem(
        article=article,
        signature=signature(text, DedupConfig()).to_bytes(),
        html=b"<html></html>",
        content_type="text/html",
        seen_urls=[article.url],
    )
    client.xadd(stream, extracted_message(item))
    return article.id


def test_ingest_stores_a_huge_article_and_dead_letters_a_message_it_cannot_ingest(
    redis_url: str, redis_prefix: str, db_path: Path
) -> None:
    client = redis.Redis.from_url(redis_url)
    stream = redis_prefix + EXTRACTED
    _push(client, stream, 1, story(1))
    _push(client, stream, 2, huge_text())
    # cannot be read as an Article: dead-lettered at once, not after its tries
    _push(client, stream, 3, story(3), fetched="not a time", published=None)
    _push(client, stream, 4, story(4))
    env = {**os.environ, "NEWSMON_REDIS_PREFIX": redis_prefix, "NEWSMON_INGEST_MAX_TRIES": "2"}
    for _ in range(2):  # a second start finds nothing stuck
        child = start_newsmon(
            "ingest", "--redis-url", redis_url, "--db", str(db_path), "--drain", env=env
        )
        _, stderr = finish_newsmon(child)
        assert child.returncode == 0, stderr[-3000:]
    assert "ingested 0 articles" in stderr
    with Archive(db_path) as archive:
        assert sorted(a.id for a in archive.articles()) == ["art1", "art2", "art4"]
    assert client.xpending(stream, "newsmon-ingest")["pending"] == 0
    dead = client.xrange(redis_prefix + "extracted-dead")
    assert len(dead) == 1
    fields = dead[0][1]
    assert json.loads(fields[b"record"])["id"] == "art3"
    assert b"not an ISO 8601 time" in fields[b"error"] and fields[b"tries"] == b"1"


def test_ingest_dead_letters_a_message_delivered_too_often_without_processing_it(
    redis_url: str, redis_prefix: str, db_path: Path
) -> None:
    client = redis.Redis.from_url(redis_url)
    stream = redis_prefix + EXTRACTED
    client.xgroup_create(stream, "newsmon-ingest", id="0", mkstream=True)
    stuck = _push(client, stream, 1, story(1))
    ((message_id, _),) = client.xreadgroup("newsmon-ingest", "crashed", {stream: ">"})[0][1]
    # a consumer that died on it three times (killed mid-message: nothing else records that)
    client.xclaim(stream, "newsmon-ingest", "crashed", 0, [message_id], retrycount=3)
    _push(client, stream, 2, story(2))
    env = {**os.environ, "NEWSMON_REDIS_PREFIX": redis_prefix, "NEWSMON_INGEST_MAX_TRIES": "3"}
    child = start_newsmon(
        "ingest",
        "--redis-url",
        redis_url,
        "--db",
        str(db_path),
        "--drain",
        "--claim-idle",
        "0",
        env=env,
    )
    _, stderr = finish_newsmon(child)
    assert child.returncode == 0, stderr[-3000:]
    with Archive(db_path) as archive:
        assert [a.id for a in archive.articles()] == ["art2"]
    dead = client.xrange(redis_prefix + "extracted-dead")
    assert [json.loads(f[b"record"])["id"] for _, f in dead] == [stuck]
    assert b"delivered 4 times" in dead[0][1][b"error"]
    assert client.xpending(stream, "newsmon-ingest")["pending"] == 0
