"""Hand-made records for tests that need an archive without a crawl."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from crawler.items import Article
from crawler.store.archive import Archive

WATER = (
    "Kyrgyzstan and Kazakhstan signed a protocol on the winter release of water from the "
    "Toktogul reservoir. "
) * 8
GRAIN = "Грузовые вагоны для зерна снова в дефиците на северных станциях. " * 8


def make_article(
    article_id: str,
    outlet: str,
    published: str | None,
    *,
    cluster: str,
    title: str = "",
    text: str = WATER,
    fetched: str = "2026-11-10T12:00:00+00:00",
    language: str = "en",
    source: str | None = None,
) -> Article:
    """A hand-made archived Article (one of the tests' own invented stories)."""
    url = f"https://{outlet}.example/news/{article_id}/"
    return Article(
        id=article_id,
        url=url,
        canonical_url=url,
        outlet=outlet,
        title=title or f"Story {article_id}",
        text=text,
        fetched=fetched,
        published=published,
        language=language,
        cluster=cluster,
        source=source,
    )


def direct(archive: Archive) -> Callable[[Callable[[Archive], Any]], Awaitable[Any]]:
    """The archive writer's ``call`` without its thread: runs ``fn(archive)`` when awaited."""

    async def call(fn: Callable[[Archive], Any]) -> Any:
        return fn(archive)

    return call


def count_articles(db: Path) -> int:
    """How many articles the archive at ``db`` holds, read while a writer may hold it (another
    process's crawl or ingest); 0 before it exists."""
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0
