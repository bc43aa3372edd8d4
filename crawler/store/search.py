"""The archive's full-text search index: SQLite FTS5 over article titles and bodies.

The index lives in the archive file beside the articles but outside the versioned schema: an
archive without it is complete, and :func:`build_search_index` adds it at any time (``newsmon
serve`` does on first start, ``newsmon serve --build-index`` on its own). Once built, triggers
on ``articles`` keep it in step with every writer (crawl, ingest, reextract, retention) in the
writer's own transaction, so it is never stale and no writer needs to know it exists.

- ``search_fts(title, body)``: the FTS5 table, ``unicode61`` tokenizer with diacritics removed,
  which folds case and splits words in Cyrillic (Russian, Kazakh, Kyrgyz, Uzbek, Tajik) and Latin
  alike, at every form of the Uzbek apostrophe too. It keeps its own copy of the text, so
  snippets need no second read.
- ``search_docs(rowid, article_id)``: which article each index row is. ``articles`` has a text
  key, whose hidden rowid ``VACUUM`` may renumber; this table's integer key does not move.

A stored article is written with ``INSERT OR REPLACE``, which removes the old row without a
delete trigger; the insert trigger therefore drops the article's previous index row itself.
"""

from __future__ import annotations

import sqlite3

from crawler.errors import StorageError
from crawler.store.archive import Archive

TABLE = "search_fts"
# Uzbek writes oʻ and gʻ with a turned comma (U+02BB) or a modifier apostrophe (U+02BC), which
# unicode61 takes for letters, as often as with an ASCII or curly apostrophe, which it does not:
# all of them separate words, so that "qoʻshni" and "qo'shni" are the same phrase "qo shni"
# (``crawler.report.queries.index_words`` splits words as this tokenizer does).
_TABLE_SQL = (
    f"CREATE VIRTUAL TABLE {TABLE} USING fts5("
    "title, body, tokenize = \"unicode61 remove_diacritics 2 separators '\u02bb\u02bc'\")"
)
_TRIGGERS = ("search_articles_insert", "search_articles_update", "search_articles_delete")
_SCHEMA = (
    _TABLE_SQL,
    "CREATE TABLE IF NOT EXISTS search_docs ("
    "rowid INTEGER PRIMARY KEY, article_id TEXT NOT NULL UNIQUE)",
    # The index row goes first, the link second: the insert trigger finds the article's old row
    # through search_docs before it is replaced.
    "CREATE TRIGGER IF NOT EXISTS search_articles_insert AFTER INSERT ON articles BEGIN "
    f"DELETE FROM {TABLE} WHERE rowid = "
    "(SELECT rowid FROM search_docs WHERE article_id = new.id); "
    "DELETE FROM search_docs WHERE article_id = new.id; "
    "INSERT INTO search_docs (article_id) VALUES (new.id); "
    f"INSERT INTO {TABLE} (rowid, title, body) VALUES (last_insert_rowid(), "
    "coalesce(new.title, ''), new.text); END",
    "CREATE TRIGGER IF NOT EXISTS search_articles_update AFTER UPDATE OF title, text "
    f"ON articles BEGIN UPDATE {TABLE} SET title = coalesce(new.title, ''), body = new.text "
    "WHERE rowid = (SELECT rowid FROM search_docs WHERE article_id = new.id); END",
    "CREATE TRIGGER IF NOT EXISTS search_articles_delete AFTER DELETE ON articles BEGIN "
    f"DELETE FROM {TABLE} WHERE rowid = "
    "(SELECT rowid FROM search_docs WHERE article_id = old.id); "
    "DELETE FROM search_docs WHERE article_id = old.id; END",
)
_BATCH = 5000  # articles copied into the index per statement while building it


def has_search_index(db: sqlite3.Connection) -> bool:
    """Whether the archive on ``db`` holds the search index (its triggers included) as this
    newsmon builds it (one built with another tokenizer is rebuilt by ``build_search_index``)."""
    found = dict(
        db.execute(
            "SELECT name, sql FROM sqlite_master WHERE name IN (?, 'search_articles_delete')",
            (TABLE,),
        ).fetchall()
    )
    return len(found) == 2 and found[TABLE] == _TABLE_SQL


def build_search_index(archive: Archive) -> int:
    """Create the search index and its triggers and fill it with every stored article.

    Idempotent: an archive that has the index is left as it is. One write transaction, so a
    crawl writing at the same time waits, and a build that fails leaves no half index.

    Returns:
        The number of articles indexed now (0 when the index was there already).

    Raises:
        StorageError: the archive cannot be written, or this SQLite has no FTS5.
    """
    db = archive.connection
    try:
        if has_search_index(db):
            return 0
        with archive.transaction():
            _drop_search_index(db)  # one an older newsmon built, if any
            for statement in _SCHEMA:
                db.execute(statement)
            db.execute(
                "INSERT INTO search_docs (article_id) SELECT id FROM articles "
                "WHERE id NOT IN (SELECT article_id FROM search_docs) ORDER BY sort_time"
            )
            last = 0
            while True:
                rows = db.execute(
                    "SELECT d.rowid, coalesce(a.title, ''), a.text FROM search_docs d "
                    "JOIN articles a ON a.id = d.article_id WHERE d.rowid > ? "
                    "ORDER BY d.rowid LIMIT ?",
                    (last, _BATCH),
                ).fetchall()
                if not rows:
                    break
                db.executemany(
                    f"INSERT INTO {TABLE} (rowid, title, body) VALUES (?, ?, ?)",
                    [tuple(row) for row in rows],
                )
                last = rows[-1][0]
            return int(db.execute("SELECT COUNT(*) FROM search_docs").fetchone()[0])
    except sqlite3.Error as exc:
        raise StorageError(f"cannot build the search index of {archive.path}: {exc}") from None


def _drop_search_index(db: sqlite3.Connection) -> None:
    """Remove the search index, its triggers and its links, where they are."""
    for trigger in _TRIGGERS:
        db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    db.execute(f"DROP TABLE IF EXISTS {TABLE}")
    db.execute("DROP TABLE IF EXISTS search_docs")
