"""A page the crawl cannot cluster is counted as failed with its reason and marked seen; the
pages after it are clustered as usual."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy.utils.test import get_crawler

from crawler.fetch.pipelines import CLUSTER_FAILED, ClusterPipeline, UnclusterablePage
from crawler.fetch.spiders.outlet import OutletProgress
from crawler.items import Article, ArticleItem
from crawler.store.archive import Archive
from crawler.store.writer import StoreWriter
from dedup import Clusterer, DedupConfig, signature


def _item(n: int, sig: bytes | None = None) -> ArticleItem:
    text = f"The district council met on the {n}th and agreed a budget for its {n} schools."
    article = Article(
        id=f"a{n}",
        url=f"http://x.test/{n}",
        canonical_url=f"http://x.test/{n}",
        outlet="x",
        title=f"Story {n}",
        text=text,
        fetched="2026-11-09T10:00:00+00:00",
    )
    return ArticleItem(
        article=article,
        html=b"<html></html>",
        seen_urls=[article.url],
        signature=signature(text, DedupConfig()).to_bytes() if sig is None else sig,
    )


def test_an_article_dedup_refuses_is_counted_failed_and_marked_seen(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    crawler = get_crawler()
    crawler.stats.open_spider()
    writer = StoreWriter(str(db), keep_html=False)
    archive = Archive(db)
    progress = OutletProgress()
    pipeline = ClusterPipeline(Clusterer(DedupConfig()), crawler.stats)
    pipeline.crawler = SimpleNamespace(
        spider=SimpleNamespace(archive=archive, store_writer=writer, progress={"x": progress})
    )

    async def run() -> None:
        with pytest.raises(UnclusterablePage, match=CLUSTER_FAILED):
            await pipeline.process_item(_item(1, sig=b"not a signature"))
        assert (await pipeline.process_item(_item(2))).article.cluster == "a2"

    try:
        asyncio.run(run())
    finally:
        writer.close()
    assert crawler.stats.get_value(f"newsmon/articles/failed/{CLUSTER_FAILED}") == 1
    assert progress.failed == 1
    assert archive.seen_urls("x") == {"http://x.test/1"}
    archive.close()
