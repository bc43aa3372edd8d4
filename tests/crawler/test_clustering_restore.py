"""The clusterer a crawl or ``newsmon ingest`` restores from the archive: the same window as one
uninterrupted run, whenever the archive's articles were published."""

from __future__ import annotations

from pathlib import Path

from crawler.items import ArticleItem
from crawler.store.archive import Archive
from crawler.store.clustering import assign_cluster, restore_clusterer
from dedup import Clusterer, DedupConfig, MemoryStore, signature
from tests.dedup.test_copies import SOURCE_TEXT
from tests.factories import make_article

CFG = DedupConfig()


def _store(archive: Archive, article_id: str, outlet: str, published: str) -> None:
    article = make_article(
        article_id, outlet, published, cluster=article_id, text=SOURCE_TEXT,
        fetched="2026-10-02T00:00:00+00:00",
    )  # fmt: skip
    archive.store_article(article, signature=signature(article.text, CFG).to_bytes())


def test_a_crawl_resumed_weeks_after_its_articles_were_published_still_links_their_copies(
    db_path: Path,
) -> None:
    # a crawl killed after its first outlet, run again: the window counted back from now, so
    # the stored articles (published weeks ago) were not restored and their copies not linked
    with Archive(db_path) as archive:
        _store(archive, "origin", "alpha", "2026-10-01T08:00:00+00:00")
        clusterer = Clusterer(CFG, store=MemoryStore())
        assert restore_clusterer(clusterer, archive) == {"origin"}
    copy = make_article(
        "copy", "beta", "2026-10-01T10:00:00+00:00", cluster="", text="OSH. " + SOURCE_TEXT
    )
    item = ArticleItem(article=copy, html=b"", signature=signature(copy.text, CFG).to_bytes())
    assert assign_cluster(clusterer, item) == "joined"
    assert copy.cluster == "origin"


def test_the_restored_window_ends_at_the_newest_article(db_path: Path) -> None:
    with Archive(db_path) as archive:
        _store(archive, "old", "alpha", "2026-08-01T08:00:00+00:00")  # 61 days before
        _store(archive, "new", "beta", "2026-10-01T08:00:00+00:00")
        assert restore_clusterer(Clusterer(CFG, store=MemoryStore()), archive) == {"new"}
