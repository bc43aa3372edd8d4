"""The archive's schema v2: migration from v1, retention, re-extraction from stored HTML, the
stored pages' compression, a new archive opened by several processes at once."""

from __future__ import annotations

import multiprocessing
import sqlite3
import zlib
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from crawler.commands.reextract import reextract
from crawler.errors import StorageError
from crawler.items import Article
from crawler.store.archive import _MIGRATIONS, SCHEMA_VERSION, Archive
from dedup import DedupConfig

PARAGRAPHS = [
    "The regional parliament approved the new water budget on Tuesday after a long debate "
    "about irrigation canals in the southern districts.",
    "Farmers' associations said the money would arrive too late for the spring sowing, and "
    "asked the ministry to release the first tranche in March.",
    "The ministry replied that the tender for the canal repairs would open next week and that "
    "contractors from three provinces had already registered.",
]
PAGE = (
    "<html><head><title>Water budget approved</title>"
    '<meta property="og:title" content="Water budget approved"></head><body><article>'
    "<h1>Water budget approved</h1>"
    + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    + "</article></body></html>"
).encode()


def article(n: int, fetched: str, text: str = "An old body of the article.") -> Article:
    return Article(
        id=f"a{n}",
        url=f"http://x.test/{n}",
        canonical_url=f"http://x.test/{n}",
        outlet="x",
        title="Water budget approved",
        text=text,
        fetched=fetched,
        published=fetched,
        cluster=f"a{n}",
    )


def test_v1_archive_is_migrated_and_keeps_its_articles(db_path: Path) -> None:
    db = sqlite3.connect(db_path)
    db.executescript(_MIGRATIONS[0] + "PRAGMA user_version = 1;")
    db.execute(
        "INSERT INTO articles (id, outlet, url, canonical_url, text, fetched, sort_time) "
        "VALUES ('old', 'x', 'u', 'u', 'body', '2025-01-01', '2025-01-01')"
    )
    db.commit()
    db.close()
    with Archive(db_path) as archive:
        assert archive.get_meta("x") is None and archive.count_articles() == 1
        assert archive.store_article(article(1, "2025-01-01T00:00:00+00:00")) == 1
        version = archive._db.execute("PRAGMA user_version").fetchone()[0]
        mode = archive._db.execute("PRAGMA journal_mode").fetchone()[0]
    assert (version, mode) == (SCHEMA_VERSION, "wal")


def test_pages_are_stored_as_zstd_and_zlib_pages_of_older_archives_still_read(
    db_path: Path,
) -> None:
    with Archive(db_path) as archive:
        archive.store_article(article(1, "2025-05-01T00:00:00+00:00"), html=PAGE)
        archive.store_article(article(2, "2025-05-02T00:00:00+00:00"), html=PAGE)
        # what an archive written before zstd holds: a zlib stream
        archive._db.execute(
            "UPDATE pages SET html = ? WHERE article_id = 'a1'", (zlib.compress(PAGE, 1),)
        )
        blobs = dict(archive._db.execute("SELECT article_id, html FROM pages").fetchall())
        assert blobs["a2"][:4] == b"\x28\xb5\x2f\xfd" and len(blobs["a2"]) < len(PAGE)
        assert archive.page_html("a1") == archive.page_html("a2") == PAGE
        assert [(s.article.id, html) for s, html, _ in archive.stored_pages()] == [
            ("a1", PAGE),
            ("a2", PAGE),
        ]


def test_retention_forgets_old_pages_and_skipped_urls_only(db_path: Path) -> None:
    now = datetime(2025, 6, 1, tzinfo=UTC)
    with Archive(db_path) as archive:
        archive.store_article(
            article(1, "2025-01-01T00:00:00+00:00"),
            html=b"<p>old</p>",
            seen_urls=["http://x.test/1"],
        )
        archive.store_article(article(2, "2025-05-30T00:00:00+00:00"), html=b"<p>new</p>")
        archive.mark_seen("x", ["http://x.test/tag"], "skipped:listing", "2025-01-01T00:00:00")
        archive.mark_seen("x", ["http://x.test/new-tag"], "skipped:listing", "2025-05-31T00:00")
        assert archive.apply_retention(30, now) == (1, 1)
        assert archive.page_html("a1") is None and archive.page_html("a2") == b"<p>new</p>"
        assert archive.seen_urls("x") == {"http://x.test/1", "http://x.test/new-tag"}
        assert archive.count_articles() == 2
        assert archive.apply_retention(0, now) == (0, 0)  # 0: keep for ever


def test_reextract_stores_and_queues_only_what_changed(db_path: Path) -> None:
    with Archive(db_path) as archive:
        archive.store_article(
            article(1, "2025-05-01T00:00:00+00:00"),
            html=PAGE,
            content_type="text/html; charset=utf-8",
            outbox=True,
        )
        archive.outbox_done(10**9)
        report = reextract(archive, since=None, outlets=[], outbox=True, dedup_config=DedupConfig())
        assert (report.pages, report.changed) == (1, ["a1"])
        [stored] = list(archive.articles())
        assert stored.text.split("\n\n") == PARAGRAPHS and stored.cluster == "a1"
        assert [m.fields["id"] for m in archive.outbox_batch(10)] == ["a1:2"]
        again = reextract(archive, since=None, outlets=[], outbox=True, dedup_config=DedupConfig())
        assert (again.pages, again.changed) == (1, [])
        assert archive.outbox_size() == 1


def _open_archive_after(barrier: object, path: str) -> str:
    barrier.wait()  # type: ignore[attr-defined]
    try:
        with Archive(path) as archive:
            return archive._db.execute("PRAGMA journal_mode").fetchone()[0]
    except StorageError as exc:
        return str(exc)


def test_processes_opening_one_new_archive_at_once_all_open_it(tmp_path: Path) -> None:
    # Two schedulers started together open the same new file; switching it to WAL used to fail
    # one of them about once in eight with "database is locked".
    processes, rounds = 3, 30
    context = multiprocessing.get_context("forkserver")
    with context.Manager() as manager, ProcessPoolExecutor(processes, mp_context=context) as pool:
        outcomes = []
        for n in range(rounds):
            barrier = manager.Barrier(processes)
            path = str(tmp_path / f"new{n}.db")
            outcomes += pool.map(_open_archive_after, [barrier] * processes, [path] * processes)
    assert outcomes == ["wal"] * processes * rounds
    with Archive(tmp_path / "new0.db") as archive:
        assert archive._schema_version() == SCHEMA_VERSION


def test_reextract_refuses_a_missing_archive_and_an_unknown_outlet(
    tmp_path: Path, db_path: Path
) -> None:
    from tests.newsmon_cli import run_newsmon

    missing = tmp_path / "none.db"
    done = run_newsmon("reextract", "--db", str(missing), check=False)
    assert (done.returncode, done.stderr.strip()) == (
        2,
        f"error: no archive at {missing}; run `newsmon crawl --db {missing}` first",
    )
    assert not missing.exists()  # not created empty
    with Archive(db_path) as archive:
        archive.store_article(article(1, "2025-05-01T00:00:00+00:00"), html=PAGE)
    done = run_newsmon("reextract", "--db", str(db_path), "--outlet", "osh42", check=False)
    assert done.returncode == 2
    assert done.stderr.strip() == "error: no outlet 'osh42' in the registry or the archive"
