"""The SQLite archive: articles, raw HTML, clusters, aliases, seen URLs, crawl runs, outlet state.

One ``Archive`` object owns one connection and is used from one thread at a time: the crawl gives
it to a single writer thread (see ``crawler.fetch.pipelines``), the CLI uses it directly. Readers in
other threads open their own ``Archive`` on the same file; WAL mode lets them read while the
writer writes.

The schema is versioned with ``PRAGMA user_version``; ``_MIGRATIONS`` holds one script per
version and an archive is brought up to date when it is opened.
"""

from __future__ import annotations

import json
import sqlite3
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crawler import zstd
from crawler.errors import StorageError
from crawler.items import ARTICLE_FIELDS, Article
from crawler.store.outbox import (
    CLUSTERS,
    EXTRACTED,
    RESULTS,
    OutboxMessage,
    cluster_event,
    copies_event,
    record_hash,
    result_message,
)
from crawler.times import epoch, utc_iso
from dedup import DedupConfig, DedupError, Link, Member, Signature, copy_links

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
    # 2: the Redis outbox, article revisions (the queue's idempotency ids), retention indexes.
    """
    ALTER TABLE articles ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE articles ADD COLUMN record_hash TEXT;  -- of the record minus `fetched`
    CREATE INDEX articles_fetched ON articles (fetched);
    CREATE INDEX seen_urls_last_seen ON seen_urls (last_seen);
    CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        stream TEXT NOT NULL,             -- results, clusters, extracted (after the key prefix)
        fields TEXT NOT NULL,             -- the message: a JSON object of strings
        created TEXT NOT NULL
    );
    """,
    # 3: copy direction by publication time (copy_of replaces the arrival-order duplicate_of; the
    # data step relinks every cluster) and the credited source.
    """
    ALTER TABLE articles RENAME COLUMN duplicate_of TO copy_of;
    ALTER TABLE articles ADD COLUMN source TEXT;
    """,
)

SCHEMA_VERSION = len(_MIGRATIONS)
# Schema version -> the data step run right after its script (what SQL alone cannot compute).
_DATA_MIGRATIONS: dict[int, Callable[[Archive], None]] = {
    3: lambda archive: archive._relink_all(),
}
_BUSY_TIMEOUT_S = 30.0  # a second process (report, export) may hold a read lock for a while
_WAL_RETRY_S = 0.01
# Decoded signatures kept for the copy direction: the recent arrivals, whose clusters the next
# arrivals join (a few KB each, with the bytes they were decoded from).
SIGNATURE_CACHE_SIZE = 2048


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
            self._db = sqlite3.connect(
                self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
            self._db.row_factory = sqlite3.Row
            self._signatures = _SignatureCache(SIGNATURE_CACHE_SIZE)
            self._enable_wal()
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

    def _enable_wal(self) -> None:
        # Switching a new file to WAL takes its lock from a read lock up to an exclusive one. When
        # two processes open the same new file at once, both hold the read lock and SQLite fails
        # one of them at once, without its busy handler, to avoid a deadlock; that process lets go
        # and tries again, and by then the file is usually in WAL mode already.
        deadline = time.monotonic() + _BUSY_TIMEOUT_S
        while True:
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                    raise
                time.sleep(_WAL_RETRY_S)

    def _migrate(self) -> None:
        if self._schema_version() == SCHEMA_VERSION:
            return
        # Two processes may open a new archive at once: the version is read again inside the
        # write transaction, so only one of them runs each migration.
        with self.transaction():
            version = self._schema_version()
            if version > SCHEMA_VERSION:
                raise StorageError(
                    f"archive {self.path} has schema version {version}, newer than this "
                    f"newsmon ({SCHEMA_VERSION}); upgrade newsmon"
                )
            for number in range(version, SCHEMA_VERSION):
                for statement in _split_sql(_MIGRATIONS[number]):
                    self._db.execute(statement)
                if number + 1 in _DATA_MIGRATIONS:
                    _DATA_MIGRATIONS[number + 1](self)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def transaction(self) -> _Transaction:
        """A write transaction (``with archive.transaction(): ...``): committed at the end, or
        rolled back on error. The writes made inside it, ``store_article`` included, become
        durable together at its COMMIT (their own transactions turn into savepoints), so the
        crawl's writer commits a batch of articles at once and a crash loses the whole batch or
        nothing of it. A nested one is a savepoint: its error rolls back itself only.
        """
        return _Transaction(self._db)

    @property
    def connection(self) -> sqlite3.Connection:
        """The underlying connection, for read-only report queries (rows are ``sqlite3.Row``)."""
        return self._db

    # -- meta ------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        """The value stored under ``key`` in the archive's meta table, or None."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Store ``value`` under ``key`` in the meta table."""
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # -- writing ---------------------------------------------------------------------------

    def store_article(
        self,
        article: Article,
        *,
        html: bytes | None = None,
        content_type: str | None = None,
        signature: bytes | None = None,
        aliases: Iterable[str] = (),
        seen_urls: Iterable[str] = (),
        outbox: bool = False,
        cluster_event: bool = True,
    ) -> int:
        """Store one clustered article, its page and the cluster change, in one transaction.

        Storing an article id again replaces it (idempotent). ``aliases`` are cluster ids that
        this article's arrival merged into ``article.cluster``; their members move over.
        ``seen_urls`` are marked seen for the article's outlet in the same transaction, so a
        crawl killed at any point never marks a URL seen without its article.

        The copy direction is set here, by publication time over the whole cluster
        (``dedup.copy_links``): ``article.copy_of`` and ``similarity``, and those of the members
        published after it, which may now copy it instead (each changed member gets a new
        revision and, with ``outbox``, its ``results`` message and one ``updated`` event).

        The article's revision goes up when its record (``fetched`` aside) differs from the
        stored one. With ``outbox``, a new revision also queues its ``results`` message and,
        with ``cluster_event``, its ``clusters`` event in the same transaction, so the archive
        and what Redis gets never disagree. Returns the revision stored.
        """
        sort_time = utc_iso(article.published or article.fetched)
        aliases = list(aliases)
        try:
            with self.transaction():
                relinked = self._link_article(article, sort_time, signature, aliases)
                digest = record_hash(article)
                old = self._db.execute(
                    "SELECT revision, record_hash FROM articles WHERE id = ?", (article.id,)
                ).fetchone()
                changed = old is None or old["record_hash"] != digest
                revision = (old["revision"] + changed) if old else 1
                self._db.execute(
                    "INSERT OR REPLACE INTO articles (id, outlet, url, canonical_url, title, "
                    "subtitle, text, published, modified, authors, language, images, fetched, "
                    "sort_time, cluster, copy_of, similarity, signature, revision, "
                    "record_hash, source) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        article.id,
                        article.outlet,
                        article.url,
                        article.canonical_url,
                        article.title,
                        article.subtitle,
                        article.text,
                        article.published,
                        article.modified,
                        json.dumps(article.authors, ensure_ascii=False),
                        article.language,
                        _images_json(article),
                        article.fetched,
                        sort_time,
                        article.cluster,
                        article.copy_of,
                        article.similarity,
                        signature,
                        revision,
                        digest,
                        article.source,
                    ),
                )
                if html is not None:
                    self._db.execute(
                        "INSERT OR REPLACE INTO pages (article_id, content_type, html) "
                        "VALUES (?,?,?)",
                        (article.id, content_type, pack_html(html)),
                    )
                for alias in aliases:
                    self._merge_cluster(alias, article.cluster or article.id, article.fetched)
                if article.cluster:
                    self._refresh_cluster(article.cluster)
                self._mark_seen(article.outlet, seen_urls, "stored", article.fetched)
                if outbox and changed:
                    self._queue_messages(article, revision, aliases, cluster_event)
                moved = self._apply_links(relinked, outbox=outbox)
                if outbox and moved and article.cluster:
                    self._add_outbox(
                        CLUSTERS,
                        copies_event(
                            cluster=article.cluster,
                            article_id=article.id,
                            revision=revision,
                            copies=moved,
                            time=article.fetched,
                        ),
                        article.fetched,
                    )
        except sqlite3.Error as exc:
            raise StorageError(f"cannot write archive {self.path}: {exc}") from exc
        return revision

    def _queue_messages(
        self, article: Article, revision: int, aliases: list[str], with_event: bool
    ) -> None:
        self._add_outbox(RESULTS, result_message(article, revision), article.fetched)
        if not with_event or not article.cluster:
            return
        size = self._db.execute(
            "SELECT size FROM clusters WHERE id = ?", (article.cluster,)
        ).fetchone()
        size = int(size[0]) if size else 1
        kind = "merged" if aliases else ("created" if size == 1 else "grew")
        event = cluster_event(
            kind,
            cluster=article.cluster,
            article_id=article.id,
            revision=revision,
            size=size,
            aliases=aliases,
            time=article.fetched,
        )
        self._add_outbox(CLUSTERS, event, article.fetched)

    def _add_outbox(self, stream: str, fields: dict[str, str], when: str) -> None:
        self._db.execute(
            "INSERT INTO outbox (stream, fields, created) VALUES (?, ?, ?)",
            (stream, json.dumps(fields, ensure_ascii=False), when),
        )

    def add_outbox(self, stream: str, fields: dict[str, str], when: str) -> None:
        """Queue one message for ``stream`` (a name such as ``extracted``, without prefix)."""
        try:
            self._add_outbox(stream, fields, when)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot write archive {self.path}: {exc}") from exc

    def queue_extracted(
        self, outlet: str, message: dict[str, str], seen_urls: Iterable[str], when: str
    ) -> None:
        """Worker mode: queue an ``extracted`` message and mark its URLs seen (status ``sent``)
        in one transaction, so a crawl killed at any point never marks a URL seen whose article
        is neither sent nor waiting in the outbox."""
        try:
            with self.transaction():
                self._add_outbox(EXTRACTED, message, when)
                self._mark_seen(outlet, seen_urls, "sent", when)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot write archive {self.path}: {exc}") from exc

    def outbox_batch(self, limit: int) -> list[OutboxMessage]:
        """The oldest ``limit`` messages waiting in the outbox, in the order they were queued."""
        rows = self._db.execute(
            "SELECT seq, stream, fields FROM outbox ORDER BY seq LIMIT ?", (limit,)
        )
        return [OutboxMessage(row[0], row[1], json.loads(row[2])) for row in rows]

    def outbox_done(self, upto_seq: int) -> None:
        """Remove the outbox messages up to ``upto_seq`` (Redis has acknowledged them)."""
        try:
            self._db.execute("DELETE FROM outbox WHERE seq <= ?", (upto_seq,))
        except sqlite3.Error as exc:
            raise StorageError(f"cannot write archive {self.path}: {exc}") from exc

    def outbox_size(self) -> int:
        """How many messages wait in the outbox."""
        return int(self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])

    def apply_retention(self, days: float, now: datetime | None = None) -> tuple[int, int]:
        """Forget raw HTML and skipped URLs older than ``days``; returns (pages, urls) removed.

        Articles and their clusters are kept for ever, and so are the seen URLs of stored
        articles (a URL forgotten would be fetched and stored again). Pages are aged by their
        article's ``fetched`` time, URLs by their ``last_seen``; both are indexed, so this is
        cheap enough to run at the start of every crawl.
        """
        if days <= 0:
            return 0, 0
        cutoff = ((now or datetime.now(UTC)) - timedelta(days=days)).isoformat(timespec="seconds")
        try:
            with self.transaction():
                pages = self._db.execute(
                    "DELETE FROM pages WHERE article_id IN "
                    "(SELECT id FROM articles WHERE fetched < ?)",
                    (cutoff,),
                ).rowcount
                urls = self._db.execute(
                    "DELETE FROM seen_urls WHERE last_seen < ? AND status != 'stored'", (cutoff,)
                ).rowcount
        except sqlite3.Error as exc:
            raise StorageError(f"cannot write archive {self.path}: {exc}") from exc
        return pages, urls

    def mark_seen(self, outlet: str, urls: Iterable[str], status: str, when: str) -> None:
        """Record URLs of ``outlet`` as seen with ``status`` (why they were not stored)."""
        try:
            with self.transaction():
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

    # -- copy direction ----------------------------------------------------------------------

    def _link_article(
        self, article: Article, sort_time: str, signature: bytes | None, aliases: list[str]
    ) -> dict[str, Link]:
        """Set ``article``'s copy link; return the new links of the other members it changes.

        The members are the cluster's (and its merged aliases') as stored, with ``article`` in
        its new form. Only the members published after it can change, unless clusters merge or
        the article was stored before (its time or text may have changed: all are relinked).
        """
        if not article.cluster:
            return {}
        clusters = [article.cluster, *aliases]
        rows = self._db.execute(
            f"SELECT id, sort_time, fetched, source, signature FROM articles "
            f"WHERE cluster IN ({','.join('?' * len(clusters))}) AND id != ?",
            (*clusters, article.id),
        ).fetchall()
        new = Member(article.id, epoch(sort_time), epoch(article.fetched), article.source)
        members = [new, *(_member(row) for row in rows)]
        blobs = {row["id"]: row["signature"] for row in rows}
        blobs[article.id] = signature
        again = (
            self._db.execute("SELECT 1 FROM articles WHERE id = ?", (article.id,)).fetchone()
            is not None
        )
        affected = None if aliases or again else {m.id for m in members if m.key >= new.key}
        links = copy_links(members, _Similarities(blobs, self._signatures), only=affected)
        article.copy_of, article.similarity, _ = links.pop(article.id)
        return links

    def _apply_links(self, links: dict[str, Link], *, outbox: bool) -> dict[str, str | None]:
        """Store the members' new links where they changed (a new revision each); returns the
        changed members and their ``copy_of``."""
        moved: dict[str, str | None] = {}
        for member_id, link in links.items():
            row = self._db.execute("SELECT * FROM articles WHERE id = ?", (member_id,)).fetchone()
            if row is None or (row["copy_of"], row["similarity"]) == link[:2]:
                continue
            member = _article_from_row(row)
            member.copy_of, member.similarity = link.copy_of, link.similarity
            revision = row["revision"] + 1
            self._db.execute(
                "UPDATE articles SET copy_of = ?, similarity = ?, revision = ?, "
                "record_hash = ? WHERE id = ?",
                (link.copy_of, link.similarity, revision, record_hash(member), member_id),
            )
            if outbox:
                self._add_outbox(RESULTS, result_message(member, revision), member.fetched)
            moved[member_id] = link.copy_of
        return moved

    def _relink_all(self) -> None:
        """Work out every cluster's copy links again (the schema 3 migration's data step)."""
        self._db.execute("UPDATE articles SET copy_of = NULL, similarity = NULL")
        for (cluster,) in self._db.execute("SELECT id FROM clusters WHERE size >= 2").fetchall():
            rows = self._db.execute(
                "SELECT id, sort_time, fetched, source, signature FROM articles WHERE cluster = ?",
                (cluster,),
            ).fetchall()
            links = copy_links(
                [_member(row) for row in rows],
                _Similarities({row["id"]: row["signature"] for row in rows}, self._signatures),
            )
            for member_id, link in links.items():
                self._db.execute(
                    "UPDATE articles SET copy_of = ?, similarity = ? WHERE id = ?",
                    (link.copy_of, link.similarity, member_id),
                )
        for row in self._db.execute("SELECT * FROM articles").fetchall():
            self._db.execute(
                "UPDATE articles SET record_hash = ? WHERE id = ?",
                (record_hash(_article_from_row(row)), row["id"]),
            )

    def _merge_cluster(self, alias: str, cluster: str, when: str) -> None:
        if alias == cluster:
            return
        self._db.execute("UPDATE articles SET cluster = ? WHERE cluster = ?", (cluster, alias))
        self._db.execute(
            "UPDATE cluster_aliases SET cluster = ? WHERE cluster = ?", (cluster, alias)
        )
        self._db.execute(
            "INSERT OR REPLACE INTO cluster_aliases (alias, cluster, merged) VALUES (?, ?, ?)",
            (alias, cluster, when),
        )
        self._db.execute("DELETE FROM clusters WHERE id = ?", (alias,))

    def _refresh_cluster(self, cluster: str) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO clusters (id, size, first_published, last_published) "
            "SELECT cluster, COUNT(*), MIN(sort_time), MAX(sort_time) FROM articles "
            "WHERE cluster = ? GROUP BY cluster",
            (cluster,),
        )

    def set_outlet_state(self, outlet: str, key: str, value: str, when: str) -> None:
        """Store a piece of per-outlet state (learned boilerplate, feed validators, ...)."""
        self._db.execute(
            "INSERT INTO outlet_state (outlet, key, value, updated) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (outlet, key) DO UPDATE SET value = excluded.value, "
            "updated = excluded.updated",
            (outlet, key, value, when),
        )

    def start_run(self, started: str, outlets: Iterable[str]) -> int:
        """Record the start of a crawl run; returns its id."""
        cur = self._db.execute(
            "INSERT INTO runs (started, status, outlets) VALUES (?, ?, ?)",
            (started, "running", json.dumps(sorted(outlets))),
        )
        return int(cur.lastrowid or 0)

    def finish_run(
        self, run_id: int, finished: str, status: str, finish_reason: str, stats: dict[str, Any]
    ) -> None:
        """Record how a crawl run ended."""
        self._db.execute(
            "UPDATE runs SET finished = ?, status = ?, finish_reason = ?, stats = ? WHERE id = ?",
            (finished, status, finish_reason, json.dumps(stats, default=str), run_id),
        )

    def record_run_outlets(self, run_id: int, rows: Iterable[dict[str, Any]]) -> None:
        """Record what each outlet gave in a run (keys: the run_outlets columns)."""
        with self.transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO run_outlets (run_id, outlet, sources, sources_failed, "
                "links, requested, stored, skipped, failed, failures) "
                "VALUES (?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        run_id,
                        r["outlet"],
                        r["sources"],
                        r["sources_failed"],
                        r["links"],
                        r["requested"],
                        r["stored"],
                        r["skipped"],
                        r["failed"],
                        json.dumps(r["failures"], ensure_ascii=False),
                    )
                    for r in rows
                ],
            )

    # -- reading ---------------------------------------------------------------------------

    def count_articles(self) -> int:
        """How many articles the archive holds."""
        return int(self._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    def newest_time(self) -> str | None:
        """The sort time (published, else fetched; UTC ISO) of the newest article (one index
        seek), or None for an empty archive."""
        return self._db.execute("SELECT MAX(sort_time) FROM articles").fetchone()[0]

    def seen_urls(self, outlet: str, since: str | None = None) -> set[str]:
        """The URLs of ``outlet`` that need not be fetched again (last seen from ``since`` on)."""
        rows = self._db.execute(
            "SELECT url FROM seen_urls WHERE outlet = ? AND last_seen >= ?", (outlet, since or "")
        )
        return {row[0] for row in rows}

    def seen_rows(self, outlet: str, since: str) -> list[tuple[str, str]]:
        """``(url, last_seen)`` of the URLs of ``outlet`` last seen from ``since`` on."""
        rows = self._db.execute(
            "SELECT url, last_seen FROM seen_urls WHERE outlet = ? AND last_seen >= ?",
            (outlet, since),
        )
        return [(row[0], row[1]) for row in rows]

    def touch_seen(self, outlet: str, urls: Iterable[str], when: str) -> None:
        """Move ``last_seen`` of known URLs to ``when`` (they were listed again)."""
        try:
            with self.transaction():
                self._db.executemany(
                    "UPDATE seen_urls SET last_seen = ? WHERE outlet = ? AND url = ? "
                    "AND last_seen < ?",
                    [(when, outlet, url, when) for url in set(urls)],
                )
        except sqlite3.Error as exc:
            raise StorageError(f"cannot write archive {self.path}: {exc}") from exc

    def get_outlet_state(self, outlet: str, key: str) -> str | None:
        """A piece of per-outlet state, or None."""
        row = self._db.execute(
            "SELECT value FROM outlet_state WHERE outlet = ? AND key = ?", (outlet, key)
        ).fetchone()
        return row[0] if row else None

    def articles(
        self, *, since: str | None = None, outlets: Iterable[str] = (), cluster: str | None = None
    ) -> Iterator[Article]:
        """Articles oldest first, optionally from ``since`` (ISO time), some outlets, a cluster."""
        where, params = _filters(since=since, outlets=outlets, cluster=cluster)
        query = f"SELECT * FROM articles {where} ORDER BY sort_time, id"
        for row in self._db.execute(query, params):
            yield _article_from_row(row)

    def select_articles(self, query: str, params: Iterable[Any] = ()) -> Iterator[Article]:
        """Articles of ``SELECT a.* <query>`` (``query`` starts at ``FROM articles a``): the
        reports' shared filters (crawler.report.query) build it."""
        for row in self._db.execute(f"SELECT a.* {query}", list(params)):
            yield _article_from_row(row)

    def stored_for_restore(self, since: str) -> Iterator[StoredArticle]:
        """Articles from ``since`` on, oldest first, with their signatures (clusterer restore)."""
        rows = self._db.execute(
            "SELECT * FROM articles WHERE sort_time >= ? ORDER BY sort_time, id", (since,)
        )
        for row in rows:
            yield StoredArticle(_article_from_row(row), row["signature"], row["sort_time"])

    def set_signatures(self, signatures: dict[str, bytes]) -> None:
        """Replace the stored dedup signatures of these articles (signed again for a new config)."""
        with self.transaction():
            self._db.executemany(
                "UPDATE articles SET signature = ? WHERE id = ?",
                [(blob, article_id) for article_id, blob in signatures.items()],
            )

    def aliases(self) -> dict[str, str]:
        """Merged cluster ids and the cluster each now belongs to."""
        return dict(self._db.execute("SELECT alias, cluster FROM cluster_aliases").fetchall())

    def resolve_cluster(self, cluster_id: str) -> str:
        """The current id of a cluster, following its alias if it was merged away."""
        row = self._db.execute(
            "SELECT cluster FROM cluster_aliases WHERE alias = ?", (cluster_id,)
        ).fetchone()
        return row[0] if row else cluster_id

    def has_article(self, article_id: str) -> bool:
        """Whether the archive holds an article with this id."""
        return (
            self._db.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone()
            is not None
        )

    def stored_pages(
        self, *, since: str | None = None, outlets: Iterable[str] = ()
    ) -> Iterator[tuple[StoredArticle, bytes, str | None]]:
        """Articles that still have their raw HTML, oldest first: (stored, html, content type)."""
        where, params = _filters(since=since, outlets=outlets, cluster=None)
        query = (
            f"SELECT articles.*, pages.html, pages.content_type FROM articles "
            f"JOIN pages ON pages.article_id = articles.id {where} ORDER BY sort_time, id"
        )
        for row in self._db.execute(query, params).fetchall():
            stored = StoredArticle(_article_from_row(row), row["signature"], row["sort_time"])
            yield stored, unpack_html(row["html"]), row["content_type"]

    def count_stored_pages(self, *, since: str | None = None, outlets: Iterable[str] = ()) -> int:
        """How many pages :meth:`stored_pages` gives (for a progress bar)."""
        where, params = _filters(since=since, outlets=outlets, cluster=None)
        return int(
            self._db.execute(
                "SELECT COUNT(*) FROM articles JOIN pages ON pages.article_id = articles.id "
                f"{where}",
                params,
            ).fetchone()[0]
        )

    def page_html(self, article_id: str) -> bytes | None:
        """The raw HTML fetched for an article, decompressed, or None."""
        row = self._db.execute(
            "SELECT html FROM pages WHERE article_id = ?", (article_id,)
        ).fetchone()
        return unpack_html(row[0]) if row else None

    def cluster_rows(
        self, *, since: str | None = None, min_size: int = 1, limit: int | None = None
    ) -> list[sqlite3.Row]:
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
        return self._db.execute("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,)).fetchall()

    def latest_run_id(self) -> int:
        """The id of the newest crawl run (0 when there is none)."""
        return int(self._db.execute("SELECT COALESCE(MAX(id), 0) FROM runs").fetchone()[0])

    def run_outlet(self, outlet: str, *, after_run_id: int = 0) -> sqlite3.Row | None:
        """The newest ``run_outlets`` row of ``outlet`` from a run after ``after_run_id``."""
        return self._db.execute(
            "SELECT * FROM run_outlets WHERE outlet = ? AND run_id > ? ORDER BY run_id DESC "
            "LIMIT 1",
            (outlet, after_run_id),
        ).fetchone()

    def close_abandoned_runs(
        self, after_run_id: int, outlets: Iterable[str] | None, finished: str, reason: str
    ) -> int:
        """Mark as ``failed`` the runs after ``after_run_id`` still ``running`` (their process
        died), of exactly ``outlets`` (None: of any); returns how many."""
        sql = (
            "UPDATE runs SET status = 'failed', finished = ?, finish_reason = ? "
            "WHERE id > ? AND status = 'running'"
        )
        params: list[Any] = [finished, reason, after_run_id]
        if outlets is not None:
            sql += " AND outlets = ?"
            params.append(json.dumps(sorted(outlets)))
        return self._db.execute(sql, params).rowcount

    # -- reading only ------------------------------------------------------------------------

    @classmethod
    def open_reader(cls, path: str | Path) -> Archive:
        """Open an existing archive read-only, for reports and exports: never written, never
        migrated, and usable on a read-only file or folder.

        Raises:
            StorageError: the file cannot be read, is not a newsmon archive, or has another
                schema version than this newsmon.
        """
        archive = cls.__new__(cls)
        archive.path = str(path)
        archive._db = _connect_reader(archive.path)
        return archive


# Stored raw HTML is a zstd frame at level 1: on the AEB pages (170 KB on average) it costs
# 0.27 ms a page for 20.9 % of the bytes, where zlib's cheapest level took 0.92 ms for 23.5 %.
# It runs on the crawl's writer thread, on the cores the extraction workers need. Archives
# written before hold zlib streams: the first bytes tell the two apart (a zstd frame starts with
# its magic number, a zlib stream with 0x78), so old pages stay readable.
_HTML_ZSTD_LEVEL = 1
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def pack_html(html: bytes) -> bytes:
    """A page's raw HTML as the archive stores it (a zstd frame)."""
    return zstd.compress(html, level=_HTML_ZSTD_LEVEL)


def unpack_html(blob: bytes) -> bytes:
    """The raw HTML of a stored page, from a zstd frame or (older archives) a zlib stream."""
    return zstd.decompress(blob) if blob[:4] == _ZSTD_MAGIC else zlib.decompress(blob)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on error (the connection is in autocommit).

    Inside an open transaction (the writer's batch, see :meth:`Archive.transaction`) it is a
    SAVEPOINT instead: an error rolls back this part only, and nothing is durable before the
    outer COMMIT.
    """

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._nested = False

    def __enter__(self) -> None:
        self._nested = self._db.in_transaction
        self._db.execute("SAVEPOINT part" if self._nested else "BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if not self._nested:
            self._db.execute("ROLLBACK" if exc_type else "COMMIT")
        elif exc_type:
            self._db.execute("ROLLBACK TO part")
            self._db.execute("RELEASE part")
        else:
            self._db.execute("RELEASE part")


def _split_sql(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def _filters(
    *, since: str | None, outlets: Iterable[str], cluster: str | None
) -> tuple[str, list[Any]]:
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


def _member(row: sqlite3.Row) -> Member:
    """A stored article as ``dedup.direction`` sees it (published, else fetched, time)."""
    return Member(row["id"], epoch(row["sort_time"]), epoch(row["fetched"]), row["source"])


class _Similarities:
    """Pairwise similarity of stored articles from their signatures (None where a signature is
    missing or was made with other dedup parameters), each signature decoded once."""

    def __init__(self, blobs: dict[str, bytes | None], decoded: _SignatureCache) -> None:
        self._blobs = blobs
        self._decoded = decoded
        self._sigs: dict[str, Signature | None] = {}

    def __call__(self, a: str, b: str) -> float | None:
        first, second = self._signature(a), self._signature(b)
        if first is None or second is None:
            return None
        return first.similarity(second)

    def _signature(self, article_id: str) -> Signature | None:
        if article_id not in self._sigs:
            self._sigs[article_id] = self._decoded.get(article_id, self._blobs.get(article_id))
        return self._sigs[article_id]


class _SignatureCache:
    """Decoded signatures by article id, the least recently used dropped past ``size``.

    Each arrival in a cluster is compared with its earlier members: kept decoded, a member's
    signature is decoded once, not at every arrival. Each is kept with the bytes it was
    decoded from, so an article stored again with another signature is decoded again.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[str, tuple[bytes, Signature | None]] = OrderedDict()
        self._cfg = DedupConfig()

    def get(self, article_id: str, blob: bytes | None) -> Signature | None:
        """The signature that ``blob`` holds (None: none, or other dedup parameters)."""
        blob = blob or b""
        hit = self._items.get(article_id)
        if hit is not None and hit[0] == blob:
            self._items.move_to_end(article_id)
            return hit[1]
        try:
            sig: Signature | None = Signature.from_bytes(blob, self._cfg)
        except DedupError:
            sig = None
        self._items[article_id] = (blob, sig)
        self._items.move_to_end(article_id)
        if len(self._items) > self._size:
            self._items.popitem(last=False)
        return sig


def _article_from_row(row: sqlite3.Row) -> Article:
    record = {key: row[key] for key in ARTICLE_FIELDS}
    record["authors"] = json.loads(record["authors"])
    record["images"] = json.loads(record["images"])
    return Article.from_record(record)


def _connect_reader(path: str) -> sqlite3.Connection:
    """A read-only connection (``file:...?mode=ro``) to the newsmon archive at ``path``."""
    uri = Path(path).absolute().as_uri()
    try:
        try:
            db = _checked_reader(f"{uri}?mode=ro", path)
        except sqlite3.OperationalError:
            # A WAL archive needs its -shm file, which a read-only folder cannot hold. With no
            # -wal file beside it no write can be pending, so the file alone is the archive.
            if Path(f"{path}-wal").exists():
                raise
            db = _checked_reader(f"{uri}?mode=ro&immutable=1", path)
    except sqlite3.Error as exc:
        raise StorageError(f"cannot read archive {path}: {exc}") from None
    return db


def _checked_reader(uri: str, path: str) -> sqlite3.Connection:
    db = sqlite3.connect(
        uri, uri=True, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
    )
    try:
        db.row_factory = sqlite3.Row
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except BaseException:
        db.close()
        raise
    if version != SCHEMA_VERSION:
        db.close()
        if version == 0:
            raise StorageError(f"{path} is not a newsmon archive")
        newer = version > SCHEMA_VERSION
        raise StorageError(
            f"archive {path} has schema version {version}, {'newer' if newer else 'older'} than "
            f"this newsmon ({SCHEMA_VERSION}); "
            + ("upgrade newsmon" if newer else "run `newsmon crawl` on it once to upgrade it")
        )
    return db
