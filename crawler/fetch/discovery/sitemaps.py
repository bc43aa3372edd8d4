"""Sitemaps (urlset, sitemap index, news sitemaps, plain text) and the sitemaps in robots.txt.

Why not ``scrapy.utils.sitemap.Sitemap``: it keeps only the direct children of ``<url>``, so the
Google News ``<news:publication_date>`` and ``<news:title>`` (one level deeper, inside
``<news:news>``) are lost, and it is documented as subject to change without notice. This module
streams the document with the same kind of hardened lxml ``iterparse`` (see
:mod:`crawler.fetch.discovery.safexml`), clearing each ``<url>`` once read so a 50 MB sitemap does
not become a 500 MB tree.

What is read: ``loc`` (resolved against the sitemap URL), ``lastmod`` as ``modified``,
``news:publication_date`` as ``published``, ``news:title`` as ``title``. As search engines do, an
RSS or Atom feed and a plain-text list of URLs are accepted as sitemaps too (robots.txt files
sometimes point at a feed).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Literal

from lxml import etree

from crawler.fetch.discovery.feeds import feed_entries
from crawler.fetch.discovery.links import DiscoveryError, LinkEntry, absolute_url, normalize_date
from crawler.fetch.discovery.safexml import (
    MAX_DECOMPRESSED_SIZE,
    PARSER_OPTIONS,
    check_limits,
    clean_text,
    element_text,
    inflate,
    local_name,
    looks_like_html,
    repair,
    strip_bom,
    xml_link,
)

# The sitemaps.org limit of URLs in one sitemap; entries past it are ignored, which bounds memory
# for a body full of tiny <url> elements.
MAX_SITEMAP_ENTRIES = 50_000

_FEED_ROOTS = frozenset({"rss", "RDF", "feed"})
_KINDS: dict[str, Literal["urlset", "index"]] = {"urlset": "urlset", "sitemapindex": "index"}
_ENTRY_TAGS = frozenset({"url", "sitemap"})


@dataclass(slots=True)
class Sitemap:
    """A parsed sitemap: ``index`` entries are child sitemaps, ``urlset`` entries are pages."""

    kind: Literal["urlset", "index"]
    entries: list[LinkEntry] = field(default_factory=list)


def parse_sitemap(body: bytes, base_url: str, *, max_size: int = MAX_DECOMPRESSED_SIZE) -> Sitemap:
    """Parse a sitemap, a sitemap index or a news sitemap, gzipped or not.

    Args:
        body: the raw body; gzip (by its magic bytes) is inflated up to ``max_size`` bytes.
        base_url: the sitemap's URL, for relative ``loc`` values.
        max_size: the largest (inflated) body accepted.

    Returns:
        The kind and the entries in document order (sort them with
        :func:`~crawler.fetch.discovery.links.newest_first`), at most :data:`MAX_SITEMAP_ENTRIES`;
        only http(s) locations are kept.

    Raises:
        DiscoveryError: ``empty``, ``not-a-sitemap``, ``unparsable``, ``too-large``, ``bad-gzip``.

    .. code-block:: python

        sitemap = parse_sitemap(response.body, response.url)
        if sitemap.kind == "index":
            follow = [e.url for e in sitemap.entries]
    """
    data = inflate(body, max_size)
    head = strip_bom(data)
    if not head:
        raise DiscoveryError("empty")
    if looks_like_html(data):
        raise DiscoveryError("not-a-sitemap", "an HTML page")
    if not head.startswith(b"<"):
        return _text_sitemap(head, base_url)
    return _xml_sitemap(repair(data.lstrip(b" \t\r\n")), base_url)


def sitemap_urls_from_robots(body: bytes, base_url: str) -> list[str]:
    """The ``Sitemap:`` URLs of a robots.txt, resolved against its URL, without duplicates.

    .. code-block:: python

        sitemap_urls_from_robots(b"Sitemap: /sitemap.xml", "https://example.com/robots.txt")
        # ['https://example.com/sitemap.xml']
    """
    urls: list[str] = []
    for line in strip_bom(body).decode("utf-8", "replace").splitlines():
        name, _, value = line.partition(":")
        if name.strip().lower() != "sitemap" or not value.split():
            continue
        url = absolute_url(value.split()[0], base_url)
        if url and url not in urls:
            urls.append(url)
    return urls


def _xml_sitemap(data: bytes, base_url: str) -> Sitemap:
    events = etree.iterparse(io.BytesIO(data), events=("start", "end"), **PARSER_OPTIONS)
    try:
        _, root = next(events)
    except (StopIteration, etree.XMLSyntaxError) as exc:
        raise DiscoveryError("unparsable", str(exc) or "no XML element found") from exc
    name = local_name(root.tag)
    if name in _FEED_ROOTS:
        return Sitemap("urlset", feed_entries(data, base_url))
    if name not in _KINDS:
        raise DiscoveryError("not-a-sitemap", f"root element <{name or root.tag}>")
    sitemap = Sitemap(_KINDS[name])
    try:
        for event, element in events:
            if event != "end" or element.getparent() is not root:
                continue
            if local_name(element.tag) in _ENTRY_TAGS:
                entry = _entry(element, base_url)
                if entry is not None:
                    sitemap.entries.append(entry)
                    if len(sitemap.entries) >= MAX_SITEMAP_ENTRIES:
                        break
            element.clear()
            while element.getprevious() is not None:
                del root[0]
    except etree.XMLSyntaxError as exc:
        if not sitemap.entries:
            raise DiscoveryError("unparsable", str(exc)) from exc
    check_limits(events.error_log)
    return sitemap


def _entry(element: etree._Element, base_url: str) -> LinkEntry | None:
    loc = lastmod = published = title = None
    for child in element:
        name = local_name(child.tag)
        if name == "loc":
            loc = loc or xml_link(element_text(child), base_url)
        elif name == "lastmod":
            lastmod = lastmod or normalize_date(element_text(child))
        elif name == "news":
            for item in child:
                item_name = local_name(item.tag)
                if item_name == "publication_date":
                    published = published or normalize_date(element_text(item))
                elif item_name == "title":
                    title = title or clean_text(element_text(item))
    return LinkEntry(loc, published, lastmod, title) if loc else None


def _text_sitemap(head: bytes, base_url: str) -> Sitemap:
    """A sitemaps.org text sitemap: one absolute URL per line."""
    entries = []
    for line in head.decode("utf-8", "replace").splitlines():
        url = absolute_url(line.strip(), base_url) if "://" in line else None
        if url:
            entries.append(LinkEntry(url))
            if len(entries) >= MAX_SITEMAP_ENTRIES:
                break
    if not entries:
        raise DiscoveryError("not-a-sitemap", "neither XML nor a list of URLs")
    return Sitemap("urlset", entries)
