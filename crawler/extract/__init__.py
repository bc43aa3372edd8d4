"""Extraction: page bytes -> :class:`~crawler.items.Article`. A library, like ``dedup``: no Scrapy,
no Twisted, no asyncio (tests/test_layout.py holds it to that).

:func:`extract_article` (in :mod:`crawler.extract.article`) is the entry point. Its stages, one
module each: :mod:`~crawler.extract.encoding` (the page's encoding), :mod:`~crawler.extract.cascade`
(trafilatura's fast cascade), :mod:`~crawler.extract.metadata` (title, authors, dates, images),
:mod:`~crawler.extract.pagetype` (pages that are not articles), :mod:`~crawler.extract.headline`
(the headline block templates repeat around the body), :mod:`~crawler.extract.paragraphs`,
:mod:`~crawler.extract.boilerplate` (tail markers and each outlet's learned boilerplate) and
:mod:`~crawler.extract.language`.

Example::

    from crawler.extract import extract_article

    extraction = extract_article(html_bytes, "https://24.kg/news/1/", outlet="24kg")
    extraction.article.title
"""

from crawler.extract.article import Extraction, extract_article, reset_caches

__all__ = ["Extraction", "extract_article", "reset_caches"]
