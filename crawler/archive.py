"""The SQLite archive: articles, raw HTML, clusters, aliases, seen URLs, crawl runs, outlet state.

One ``Archive`` object owns one connection and is used from one thread at a time: the crawl gives
it to a single writer thread (see ``crawler.pipelines``), the CLI uses it directly. Readers in
other threads open their own ``Archive`` on the same file; WAL mode lets them read while the
writer writes.

The schema is versioned with ``PRAGMA user_version``; ``_MIGRATIONS`` holds one script per
version and an archive is brought up to date when it is opened.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler.errors import StorageError
from crawler.items import Article

# One script per schema version; never edit a released script, append a new one.
_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE articles (
        id TEXT PRIMARY KEY,
        outlet TEXT NOT NULL,
        url TEXT NOT NULL,
        canonical_url TEXT NOT NULL,
        title TEXT,
        subtitle TEXT,
        text TEXT NOT NULL,
        published TEXT,
        modified TEXT,
        authors TEXT NOT NULL DEFAULT '[]',
        language TEXT,
        images TEXT NOT NULL DEFAULT '[]',
        fetched TEXT NOT NULL,
        sort_time TEXT NOT NULL,          -- published, else fetched: the time reports sort on
        cluster TEXT,
        duplicate_of TEXT,
        similarity REAL,
        signature BLOB
    );
    CREATE INDEX articles_sort_time ON articles (sort_time);
    CREATE INDEX articles_outlet_time ON articles (outlet, sort_time);
    CREATE INDEX articles_cluster ON articles (cluster, sort_time);
    CREATE TABLE pages (
        article_id TEXT PRIMARY KEY REFERENCES articles (id),
        content_type TEXT,
        html BLOB NOT NULL                -- zlib-compressed response body, as fetched
    );
    CREATE TABLE clusters (
        id TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        first_published TEXT NOT NULL,
        last_published TEXT NOT NULL
    );
    CREATE INDEX clusters_last ON clusters (last_published);
    CREATE TABLE cluster_aliases (
        alias TEXT PRIMARY KEY,
        cluster TEXT NOT NULL,
        merged TEXT NOT NULL
    );
    CREATE TABLE seen_urls (
        outlet TEXT NOT NULL,
        url TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        status TEXT NOT NULL,             -- stored, or the reason the page was skipped
        PRIMARY KEY (outlet, url)
    ) WITHOUT ROWID;
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started TEXT NOT NULL,
        finished TEXT,
        status TEXT NOT NULL,             -- running, ok, partial, failed
        finish_reason TEXT,
        outlets TEXT NOT NULL,
        stats TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE run_outlets (
        run_id INTEGER NOT NULL REFERENCES runs (id),
        outlet TEXT NOT NULL,
        sources INTEGER NOT NULL,         -- feeds, sitemaps and sections asked for
        sources_failed INTEGER NOT NULL,
        links INTEGER NOT NULL,           -- article links found (new or seen)
        requested INTEGER NOT NULL,       -- new articles fetched
        stored INTEGER NOT NULL,
        skipped INTEGER NOT NULL,         -- fetched pages that were not articles
        failed INTEGER NOT NULL,          -- article requests that failed
        failures TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (run_id, outlet)
    ) WITHOUT ROWID;
    CREATE INDEX run_outlets_outlet ON run_outlets (outlet, run_id);
    CREATE TABLE outlet_state (
        outlet TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        updated TEXT NOT NULL,
        PRIMARY KEY (outlet, key)
    ) WITHOUT ROWID;
    """,
)

SCHEMA_VERSION = len(_MIGRATIONS)
_BUSY_TIMEOUT_S = 30.0  # a second process (report, export) may hold a read lock for a while


@dataclass(frozen=True, slots=True)
class StoredArticle:
    """An archived article with what the clusterer needs to be restored."""

    article: Article
    signature: bytes | None
    sort_time: str


class Archive:
    """A newsmon archive file.

    Args:
        path: the SQLite file; created with its folder's permission, migrated when opened.

    Raises:
        StorageError: the file cannot be opened or is not a newsmon archive.

    Example:
        >>> with Archive(":memory:") as archive:
        ...     archive.count_articles()
        0
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        try:
            self._db = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S,
                                       isolation_level=None, check_same_thread=False)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open archive {self.path}: {exc}") from exc

    # -- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StorageError(
                f"archive {self.path} has schema version {version}, newer than this newsmon "
                f"({SCHEMA_VERSION}); upgrade newsmon"
            )
        for number in range(version, SCHEMA_VERSION):
            with self._transaction():
                for statement in _split_sql(_MIGRATIONS[number]):
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {number + 1}")

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)

    # -- meta ------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        """The value stored under ``key`` in the archive's meta table, or None."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Store ``value`` under ``key`` in the meta table."""
        self._db.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))

    # -- writing ---------------------------------------------------------------------------

    def store_article(self, article: Article, *, html: bytes | None = None,
                      content_type: str | None = None, signature: bytes | None = None,
                      aliases: Iterable[str] = (), seen_urls: Iterable[str] = ()) -> None:
        """Store one clustered article, its page and the cluster change, in one transaction.

        Storing an article id again replaces it (idempotent). ``aliases`` are cluster ids that
        this article's arrival merged into ``article.cluster``; their members move over.
        ``seen_urls`` are marked seen for the article's outlet in the same transaction, so a
        crawl killed at any point never marks a URL seen without its article.
        """
        sort_time = utc_iso(article.published or article.fetched)
        try:
            with self._transaction():
                self._db.execute(
                    "INSERT OR REPLACE INTO articles (id, outlet, url, canonical_url, title, "
                    "subtitle, text, published, modified, authors, language, images, fetched, "
                    "sort_time, cluster, duplicate_of, similarity, signature) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (article.id, article.outlet, article.url, article.canonical_url,
                     article.title, article.subtitle, article.text, article.published,
                     article.modified, json.dumps(article.authors, ensure_ascii=False),
                     article.language, _images_json(article), article.fetched, sort_time,
                     article.cluster, article.duplicate_of, article.similarity, signature),
                )
                if html is not None:
                    self._db.execute(
                        "INSERT OR REPLACE INTO pages (article_id, content_type, html) "
                        "VALUES (?,?,?)", (article.id, content_type, zlib.compress(html, 6)))
                for alias in aliases:
                    self._merge_cluster(alias, article.cluster or article.id, article.fetched)
                if article.cluster:
                    self._refresh_cluster(article.cluster)
                self._mark_seen(article.outlet, seen_urls, "stored", article.fetched)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot write archive {self.path}: {exc}") from exc

    def mark_seen(self, outlet: str, urls: Iterable[str], status: str, when: str) -> None:
        """Record URLs of ``outlet`` as seen with ``status`` (why they were not stored)."""
        try:
            with self._transaction():
                self._mark_seen(outlet, urls, status, when)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot write archive {self.path}: {exc}") from exc

    def _mark_seen(self, outlet: str, urls: Iterable[str], status: str, when: str) -> None:
        self._db.executemany(
            "INSERT INTO seen_urls (outlet, url, first_seen, last_seen, status) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (outlet, url) DO UPDATE SET "
            "last_seen = excluded.last_seen, status = excluded.status",
            [(outlet, url, when, when, status) for url in dict.fromkeys(urls)],
        )

    def _merge_cluster(self, alias: str, cluster: str, when: str) -> None:
        if alias == cluster:
            return
        self._db.execute("UPDATE articles SET cluster = ? WHERE cluster = ?", (cluster, alias))
        self._db.execute("UPDATE cluster_aliases SET cluster = ? WHERE cluster = ?",
                         (cluster, alias))
        self._db.execute("INSERT OR REPLACE INTO cluster_aliases (alias, cluster, merged) "
                         "VALUES (?, ?, ?)", (alias, cluster, when))
        self._db.execute("DELETE FROM clusters WHERE id = ?", (alias,))

    def _refresh_cluster(self, cluster: str) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO clusters (id, size, first_published, last_published) "
            "SELECT cluster, COUNT(*), MIN(sort_time), MAX(sort_time) FROM articles "
            "WHERE cluster = ? GROUP BY cluster", (cluster,))

    def set_outlet_state(self, outlet: str, key: str, value: str, when: str) -> None:
        """Store a piece of per-outlet state (learned boilerplate, feed validators, ...)."""
        self._db.execute(
            "INSERT INTO outlet_state (outlet, key, value, updated) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (outlet, key) DO UPDATE SET value = excluded.value, "
            "updated = excluded.updated", (outlet, key, value, when))

    def start_run(self, started: str, outlets: Iterable[str]) -> int:
        """Record the start of a crawl run; returns its id."""
        cur = self._db.execute("INSERT INTO runs (started, status, outlets) VALUES (?, ?, ?)",
                               (started, "running", json.dumps(sorted(outlets))))
        return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, finished: str, status: str, finish_reason: str,
                   stats: dict[str, Any]) -> None:
        """Record how a crawl run ended."""
        self._db.execute(
            "UPDATE runs SET finished = ?, status = ?, finish_reason = ?, stats = ? WHERE id = ?",
            (finished, status, finish_reason, json.dumps(stats, default=str), run_id))

    def record_run_outlets(self, run_id: int, rows: Iterable[dict[str, Any]]) -> None:
        """Record what each outlet gave in a run (keys: the run_outlets columns)."""
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO run_outlets (run_id, outlet, sources, sources_failed, "
                "links, requested, stored, skipped, failed, failures) "
                "VALUES (?,?,?,?,?,?,?,?,?,?)",
                [(run_id, r["outlet"], r["sources"], r["sources_failed"], r["links"],
                  r["requested"], r["stored"], r["skipped"], r["failed"],
                  json.dumps(r["failures"], ensure_ascii=False)) for r in rows])

    # -- reading ---------------------------------------------------------------------------

    def count_articles(self) -> int:
        """How many articles the archive holds."""
        return int(self._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    def seen_urls(self, outlet: str) -> set[str]:
        """The URLs of ``outlet`` that need not be fetched again."""
        rows = self._db.execute("SELECT url FROM seen_urls WHERE outlet = ?", (outlet,))
        return {row[0] for row in rows}

    def get_outlet_state(self, outlet: str, key: str) -> str | None:
        """A piece of per-outlet state, or None."""
        row = self._db.execute("SELECT value FROM outlet_state WHERE outlet = ? AND key = ?",
                               (outlet, key)).fetchone()
        return row[0] if row else None

    def articles(self, *, since: str | None = None, outlets: Iterable[str] = (),
                 cluster: str | None = None) -> Iterator[Article]:
        """Articles oldest first, optionally from ``since`` (ISO time), some outlets, a cluster."""
        where, params = _filters(since=since, outlets=outlets, cluster=cluster)
        query = f"SELECT * FROM articles {where} ORDER BY sort_time, id"
        for row in self._db.execute(query, params):
            yield _article_from_row(row)

    def stored_for_restore(self, since: str) -> Iterator[StoredArticle]:
        """Articles from ``since`` on, oldest first, with their signatures (clusterer restore)."""
        rows = self._db.execute(
            "SELECT * FROM articles WHERE sort_time >= ? ORDER BY sort_time, id", (since,))
        for row in rows:
            yield StoredArticle(_article_from_row(row), row["signature"], row["sort_time"])

    def aliases(self) -> dict[str, str]:
        """Merged cluster ids and the cluster each now belongs to."""
        return dict(self._db.execute("SELECT alias, cluster FROM cluster_aliases").fetchall())

    def resolve_cluster(self, cluster_id: str) -> str:
        """The current id of a cluster, following its alias if it was merged away."""
        row = self._db.execute("SELECT cluster FROM cluster_aliases WHERE alias = ?",
                               (cluster_id,)).fetchone()
        return row[0] if row else cluster_id

    def page_html(self, article_id: str) -> bytes | None:
        """The raw HTML fetched for an article, decompressed, or None."""
        row = self._db.execute("SELECT html FROM pages WHERE article_id = ?",
                               (article_id,)).fetchone()
        return zlib.decompress(row[0]) if row else None

    def cluster_rows(self, *, since: str | None = None, min_size: int = 1,
                     limit: int | None = None) -> list[sqlite3.Row]:
        """Clusters (id, size, first and last published), most recently active first."""
        query = "SELECT * FROM clusters WHERE size >= ?"
        params: list[Any] = [min_size]
        if since:
            query += " AND last_published >= ?"
            params.append(since)
        query += " ORDER BY size DESC, first_published, id"
        if limit:
            query += " LIMIT ?"
            params.append(limit)
        return self._db.execute(query, params).fetchall()

    def runs(self, limit: int = 20) -> list[sqlite3.Row]:
        """The most recent crawl runs, newest first."""
        return self._db.execute("SELECT * FROM runs ORDER BY id DESC LIMIT ?",
                                (limit,)).fetchall()


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on error (the connection is in autocommit)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")


def utc_iso(value: str) -> str:
    """An ISO 8601 time as UTC (``...+00:00``) so that stored times sort and compare as text.

    A time without an offset is taken as UTC; a value that is not a time is returned as is.
    """
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _split_sql(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def _filters(*, since: str | None, outlets: Iterable[str],
             cluster: str | None) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if since:
        clauses.append("sort_time >= ?")
        params.append(since)
    outlet_list = list(outlets)
    if outlet_list:
        clauses.append(f"outlet IN ({','.join('?' * len(outlet_list))})")
        params.extend(outlet_list)
    if cluster:
        clauses.append("cluster = ?")
        params.append(cluster)
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


def _images_json(article: Article) -> str:
    images = [{"url": i.url, "caption": i.caption, "credit": i.credit} for i in article.images]
    return json.dumps(images, ensure_ascii=False)


def _article_from_row(row: sqlite3.Row) -> Article:
    record = {key: row[key] for key in row.keys() if key not in ("signature", "sort_time")}
    record["authors"] = json.loads(record["authors"])
    record["images"] = json.loads(record["images"])
    return Article.from_record(record)
