"""The crawl's extraction step, shared by the crawl's ``ExtractPipeline`` and ``newsmon import``.

One :class:`PageExtraction` holds the extraction pool, the boilerplate learner and the hold of
each outlet's first articles (:class:`~crawler.fetch.first_articles.FirstArticles`): a page in,
the pool's result out, learned from and cleaned of what was learned while it was extracted.
"""

from __future__ import annotations

from typing import Any

from crawler.extract.boilerplate import BoilerplateLearner, restrip_article
from crawler.fetch.first_articles import FirstArticles
from crawler.fetch.pool import ExtractionPool, PoolResult
from crawler.items import FetchedPage
from dedup import signature

__all__ = ["BOILERPLATE_KEY", "PageExtraction"]

BOILERPLATE_KEY = "boilerplate"  # archive meta key of the persisted BoilerplateLearner


class PageExtraction:
    """Extract pages in ``pool``, learning each outlet's boilerplate from its articles.

    Example::

        extraction = PageExtraction(ExtractionPool(DedupConfig()), BoilerplateLearner())
        result = await extraction.extract(page)   # a PoolResult
    """

    def __init__(self, pool: ExtractionPool, learner: BoilerplateLearner) -> None:
        self.pool = pool
        self.learner = learner
        self.first_articles = FirstArticles()

    def load_learner(self, archive: Any) -> None:
        """Continue with the learner the archive saved, if any."""
        saved = archive.get_meta(BOILERPLATE_KEY)
        if saved:
            self.learner = BoilerplateLearner.from_json(saved)

    def save_learner(self, archive: Any) -> None:
        """Save the learner in the archive for the next run."""
        archive.set_meta(BOILERPLATE_KEY, self.learner.to_json())

    async def extract(self, page: FetchedPage) -> PoolResult:
        """Extract ``page`` with its outlet's learned boilerplate removed; learn from it."""
        used = self.learner.boilerplate(page.outlet)
        async with self.first_articles.extracting(page.outlet):
            result = await self.pool.extract(page, used)
            if result.article is not None:  # learnt inside: the outlet's waiters count on it
                self.learner.observe(page.outlet, result.paragraph_keys or [])
        if result.article is not None:
            await self._strip_learned_since(page.outlet, result, used)
        return result

    async def _strip_learned_since(self, outlet: str, result: PoolResult, used: Any) -> None:
        """An outlet's first articles: remove the boilerplate learned while they were extracted.

        They wait for the outlet's other pages in extraction (``FirstArticles``); body and
        dedup signature are then both computed without the learned lines.
        """
        if used is not None:
            return  # a learned outlet: lines it learns now apply from its next pages
        await self.first_articles.settle(
            outlet, lambda: self.learner.boilerplate(outlet) is not None
        )
        cleaned = restrip_article(
            result.article, result.paragraph_keys or [], used, self.learner.boilerplate(outlet)
        )
        if cleaned is not None:
            result.article = cleaned
            result.signature = signature(cleaned.text, self.pool.dedup_config).to_bytes()
