"""NEWSMON_DEDUP_ALIGN: the crawl and the commands that cluster stored articles link spun copies
by aligned sentences, and an archive stored without it is signed again once. The texts are the
invented ones of tests/dedup/test_align.py."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from scrapy.settings import Settings

from crawler.fetch.pipelines import dedup_config_from_settings
from crawler.items import ArticleItem
from crawler.store.archive import Archive
from crawler.store.clustering import assign_cluster, restore_clusterer
from dedup import Clusterer, DedupConfig, Doc, MemoryStore, signature
from dedup.signature import Signature
from tests.dedup.test_align import SPUN
from tests.dedup.test_copies import SOURCE, SOURCE_TEXT
from tests.factories import make_article
from tests.hostile.outlet_server import Outlet, Page, hours_ago, serve_outlets
from tests.newsmon_cli import FAST, run_newsmon

SPUN_TEXT = "\n\n".join(SPUN)


def test_the_setting_turns_alignment_on() -> None:
    assert dedup_config_from_settings(Settings()).align is False
    assert dedup_config_from_settings(Settings({"NEWSMON_DEDUP_ALIGN": "true"})).align is True


def _clusters(db: Path) -> dict[str, str]:
    with Archive(db) as archive:
        return {a.outlet: a.cluster for a in archive.articles()}


def test_a_crawl_with_dedup_align_clusters_a_spun_copy_that_a_plain_crawl_leaves_apart(
    tmp_path: Path,
) -> None:
    source = Page("reservoir", "Reservoir filling delayed", tuple(SOURCE), hours_ago(5))
    spun = Page("reservoir-late", "Reservoir to fill late", tuple(SPUN), hours_ago(3))
    with serve_outlets([Outlet("alpha", [source]), Outlet("beta", [spun])]) as served:
        registry = served.write_registry(tmp_path / "outlets.toml")
        for name, more in (("plain", []), ("align", ["-s", "NEWSMON_DEDUP_ALIGN=true"])):
            done = run_newsmon(
                "crawl", "--outlets", str(registry), "--db", str(tmp_path / f"{name}.db"),
                *FAST, *more,
            )  # fmt: skip
            assert "2 new articles stored" in done.stderr, done.stderr[-3000:]
        # the plain archive crawled again with the setting: its stored articles signed again
        again = run_newsmon(
            "crawl", "--outlets", str(registry), "--db", str(tmp_path / "plain.db"),
            *FAST, "-s", "NEWSMON_DEDUP_ALIGN=true",
        )  # fmt: skip
        assert again.returncode == 0, again.stderr[-3000:]
    with Archive(tmp_path / "plain.db") as archive:
        blobs = [b for (b,) in archive.connection.execute("SELECT signature FROM articles")]
    cfg = DedupConfig(align=True)
    assert len(blobs) == 2
    assert all(len(Signature.from_bytes(b, cfg).sentences.minhash) for b in blobs)
    plain, aligned = _clusters(tmp_path / "plain.db"), _clusters(tmp_path / "align.db")
    assert plain["alpha"] != plain["beta"]
    assert aligned["alpha"] == aligned["beta"]
    with Archive(tmp_path / "align.db") as archive:
        copy = next(a for a in archive.articles() if a.outlet == "beta")
        origin = next(a for a in archive.articles() if a.outlet == "alpha")
    assert copy.copy_of == origin.id


def _store(archive: Archive, article_id: str, text: str) -> None:
    article = make_article(article_id, "alpha", hours_ago(4), cluster=article_id, text=text)
    archive.store_article(article, signature=signature(text, DedupConfig()).to_bytes())


def test_turned_on_for_an_archive_stored_without_it_the_window_is_signed_again_once(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="crawler.store.clustering")
    with Archive(db_path) as archive:
        _store(archive, "source", SOURCE_TEXT)
        _store(archive, "brief", "Too short to align: a brief of one sentence.")
    cfg = DedupConfig(align=True)
    clusterer = Clusterer(cfg, store=MemoryStore())
    select = "SELECT signature FROM articles WHERE id = 'source'"
    with Archive(db_path) as archive:
        assert restore_clusterer(clusterer, archive) == {"source", "brief"}
        stored = archive.connection.execute(select).fetchone()[0]
    assert len(Signature.from_bytes(stored, cfg).sentences.minhash)  # kept for the next run
    # the brief too (it has no sentence to align, but its signature did not look): once
    assert "(2 re-signed)" in caplog.text
    decision = clusterer.add(Doc("spun", "beta", time.time()), signature(SPUN_TEXT, cfg))
    assert decision.cluster == "source"
    with Archive(db_path) as archive:
        restore_clusterer(Clusterer(cfg, store=MemoryStore()), archive)
        again = archive.connection.execute(select).fetchone()[0]
    assert again == stored  # and not again
    assert "(0 re-signed)" in caplog.messages[-1]


def test_an_article_signed_without_sentences_is_signed_again_when_it_arrives() -> None:
    """``newsmon ingest`` with the setting, fed by workers without it."""
    cfg = DedupConfig(align=True)
    clusterer = Clusterer(cfg, store=MemoryStore())
    clusterer.add(Doc("source", "alpha", time.time()), signature(SOURCE_TEXT, cfg))
    article = make_article("spun", "beta", hours_ago(1), cluster="", text=SPUN_TEXT)
    item = ArticleItem(
        article=article, html=b"", signature=signature(SPUN_TEXT, DedupConfig()).to_bytes()
    )
    assert assign_cluster(clusterer, item) == "joined"
    assert article.cluster == "source"
    assert len(Signature.from_bytes(item.signature, cfg).sentences.minhash)
