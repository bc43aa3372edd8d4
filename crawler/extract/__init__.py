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

__all__ = ["Extraction", "extract_article", "reset_caches"]


def __getattr__(name: str) -> object:
    """The entry point, imported on first use: a process that needs only a stage (the crawl's
    own process imports :mod:`~crawler.extract.boilerplate`) does not import trafilatura."""
    if name in __all__:
        from crawler.extract import article

        return getattr(article, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
