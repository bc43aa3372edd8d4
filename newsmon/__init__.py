"""newsmon from Python: extract a page, cluster records, read an archive.

A thin face over the crawler's libraries, for notebooks and scripts:

- :func:`extract`: page HTML -> an :class:`~crawler.items.Article` (``crawler.extract``);
- :func:`cluster`: Article-like dicts -> per record its cluster, ``copy_of`` and similarity
  (``dedup.cluster_records``);
- :func:`open_archive`: a newsmon SQLite archive, read-only: its articles and clusters as lists
  of dicts, or as pandas DataFrames (``pip install 'newsmon[pandas]'``).

Example:
    >>> import newsmon
    >>> from newsmon.examples import PAGE  # an invented article page
    >>> article = newsmon.extract(PAGE, url="https://example.org/news/bridge")
    >>> article.title, article.published, article.language
    ('Bridge over the Chui opens', '2026-11-02T08:00:00+06:00', 'en')
    >>> records = [{"id": "a", "text": article.text, "published": "2026-11-02T08:00"},
    ...            {"id": "b", "text": "BISHKEK. " + article.text,
    ...             "published": "2026-11-02T10:00"}]
    >>> [(r["id"], r["cluster"], r["copy_of"]) for r in newsmon.cluster(records)]
    [('a', 'a', None), ('b', 'a', 'a')]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from crawler.items import Article
from dedup import DedupConfig
from newsmon.archive import ArchiveReader

__all__ = ["ArchiveReader", "Article", "DedupConfig", "cluster", "extract", "open_archive"]


def extract(
    html: str | bytes,
    url: str,
    *,
    outlet: str = "",
    content_type: str | None = None,
    fetched: str | None = None,
) -> Article:
    """One page's article: title, body, dates, authors, language, images, credited source.

    Args:
        html: the page, as fetched (bytes; their charset is detected) or as text.
        url: the address it came from (resolves relative links; names the article's id).
        outlet: an outlet id copied into the Article (optional).
        content_type: the HTTP Content-Type header, whose charset is honoured.
        fetched: ISO 8601 fetch time (default now); no date of the article may be later.

    Returns:
        The :class:`~crawler.items.Article` (``.to_record()`` gives it as a dict).

    Raises:
        crawler.errors.NotAnArticle: a readable page that is no article (``.reason``: listing,
            error-page, empty-body, too-short).
        crawler.errors.ExtractionError: an unreadable page (``.reason``: empty, binary, ...).
    """
    from crawler.extract import extract_article

    if isinstance(html, str):  # a lone surrogate (no character) becomes "?"
        html = html.encode("utf-8", "replace")
        content_type = content_type or "text/html; charset=utf-8"
    return extract_article(
        html, url, outlet=outlet, content_type=content_type, fetched=fetched
    ).article


def cluster(
    records: Iterable[Mapping[str, Any] | Article], cfg: DedupConfig | None = None
) -> list[dict[str, Any]]:
    """Near-duplicate clusters of Article-like records, with who copied whom.

    Args:
        records: dicts with ``id`` and ``text`` (``title`` stands in for a missing text), and
            ``published`` (else ``fetched``; ISO 8601 or epoch seconds), ``outlet`` and
            ``source`` when known; Articles are taken as their records.
        cfg: the dedup settings (``dedup.DedupConfig()`` by default: a Jaccard ``threshold``
            of 0.5, or an excerpt whose ``containment`` in the other text reaches 0.65;
            ``DedupConfig(align=True)`` links machine-spun copies and paraphrases too).

    Returns:
        The labels, one dict per record in input order: ``id``; ``cluster``, the id of its
        cluster (records with the same value are one story; an article alone is a cluster of
        its own, named by its id); ``copy_of``, the earlier-published record it most likely
        copies (None for the first of a story, an article alone, or one that shares a credited
        source with the earlier record); ``similarity``, its estimated similarity (0..1) to
        ``copy_of`` (None without one).

    Raises:
        dedup.DedupError: a record without an id, a text that is not a string, an id twice.
        TypeError: ``cfg`` is not a ``DedupConfig``.
    """
    from dedup import cluster_records

    if cfg is not None and not isinstance(cfg, DedupConfig):
        raise TypeError(
            f"cfg must be a dedup.DedupConfig (e.g. DedupConfig(threshold=0.9)), not "
            f"{type(cfg).__name__}"
        )
    rows = (r.to_record() if isinstance(r, Article) else r for r in records)
    return list(cluster_records(rows, cfg))


def open_archive(path: str | Path, registry: str | Path | None = None) -> ArchiveReader:
    """A newsmon archive (``newsmon crawl --db PATH``), opened read-only.

    Args:
        path: the archive.
        registry: the outlet registry TOML that names its outlets and maps ``countries`` (as
            ``--outlets``); default: NEWSMON_OUTLETS_FILE, else the bundled one.

    Raises:
        crawler.errors.ConfigError: there is no archive at ``path``, or the registry is invalid.
        crawler.errors.StorageError: the file is not a readable newsmon archive.
    """
    import settings
    from settings.registry import load_registry

    return ArchiveReader(path, load_registry(registry or settings.NEWSMON_OUTLETS_FILE or None))
