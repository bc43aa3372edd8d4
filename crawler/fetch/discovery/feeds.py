"""RSS 2.0, RSS 1.0 (RDF) and Atom feeds -> :class:`LinkEntry` lists.

Parsed with lxml through :mod:`crawler.fetch.discovery.safexml`, not with feedparser. feedparser is
not unsafe (it strips unsafe ``<!ENTITY>`` declarations before its expat pass, and expat 2.4+
limits amplification), but it runs a pure-Python SAX pass plus an HTML sanitiser over every
body, falls back to a regex "loose" parser on broken XML, and we need only links, titles and
dates. One hardened lxml parser for feeds and sitemaps keeps a single security story, is much
faster, and its recover mode reads the broken feeds we meet (kun.uz's Russian feed).

What is read:

- RSS: ``item/link`` (then ``atom:link``, a permalink ``guid``, ``rdf:about``), ``title``,
  ``pubDate`` or ``dc:date`` as published, ``atom:updated``/``dcterms:modified`` as modified;
- Atom: the ``alternate`` ``link`` resolved against ``xml:base`` and the feed URL, ``title``,
  ``published`` (Atom 0.3 ``issued``) and ``updated`` (``modified``).

Titles lose markup and HTML entities (gazeta.uz escapes entities inside CDATA).
"""

from __future__ import annotations

import re

from lxml import etree

from crawler.fetch.discovery.links import DiscoveryError, LinkEntry, normalize_date
from crawler.fetch.discovery.safexml import (
    check_limits,
    clean_text,
    element_text,
    inflate,
    local_name,
    looks_like_html,
    repair,
    strip_bom,
    xml_link,
    xml_parser,
)

FEED_CONTENT_TYPES = frozenset({
    "application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml",
    "text/xml", "application/x-rss+xml",
})  # fmt: skip

_FEED_ROOTS = frozenset({"rss", "RDF", "feed"})
_SNIFF_BYTES = 2048
_FEED_ROOT_RE = re.compile(rb"<(?:[A-Za-z0-9_-]+:)?(?:rss|RDF|feed)[\s>/]")
_ABSOLUTE_RE = re.compile(r"^\s*https?://", re.IGNORECASE)
_PUBLISHED = frozenset({"pubDate", "date", "published", "issued", "created"})  # RSS and Atom 0.3
_MODIFIED = frozenset({"updated", "modified"})


def feed_entries(body: bytes, base_url: str) -> list[LinkEntry]:
    """The entries of an RSS or Atom feed, in feed order.

    Args:
        body: the raw response body (gzip is inflated; the XML prolog's encoding is honoured).
        base_url: the feed's URL; relative links are resolved against it (and ``xml:base``).

    Returns:
        One :class:`LinkEntry` per item with an http(s) link; a feed without items gives ``[]``.

    Raises:
        DiscoveryError: ``empty``, ``not-a-feed`` (an HTML page or another XML document),
            ``unparsable``, ``too-large`` or ``bad-gzip``.

    .. code-block:: python

        for entry in feed_entries(response.body, response.url):
            yield Request(entry.url, ...)
    """
    root = _feed_root(inflate(body), base_url)
    item_tag = "{*}entry" if local_name(root.tag) == "feed" else "{*}item"
    entries = []
    for item in root.iter(item_tag):
        entry = _atom_entry(item, base_url) if item_tag == "{*}entry" else _rss_item(item, base_url)
        if entry is not None:
            entries.append(entry)
    return entries


def looks_like_feed(body: bytes, content_type: str | None = None) -> bool:
    """A cheap guess whether a body is a feed: the start of the body first, then the type.

    An HTML page is never a feed whatever its ``Content-Type`` (some outlets answer 200 with
    HTML at their feed URL), and a body that starts with ``<rss``, ``<rdf:RDF`` or ``<feed`` is
    one whatever the server says.
    """
    if looks_like_html(body):
        return False
    if _FEED_ROOT_RE.search(strip_bom(body)[:_SNIFF_BYTES]):
        return True
    mime = (content_type or "").partition(";")[0].strip().lower()
    return mime in FEED_CONTENT_TYPES


def _feed_root(body: bytes, base_url: str) -> etree._Element:
    if not strip_bom(body):
        raise DiscoveryError("empty")
    body = body.lstrip(b" \t\r\n")  # libxml2 refuses white space before the XML declaration
    if looks_like_html(body):
        raise DiscoveryError("not-a-feed", "an HTML page")
    parser = xml_parser()
    try:
        root = etree.fromstring(repair(body), parser, base_url=base_url)
    except etree.XMLSyntaxError as exc:
        raise DiscoveryError("unparsable", str(exc)) from exc
    check_limits(parser.error_log)
    if root is None:
        raise DiscoveryError("unparsable", "no XML element found")
    name = local_name(root.tag)
    if name not in _FEED_ROOTS:
        raise DiscoveryError("not-a-feed", f"root element <{name or root.tag}>")
    return root


def _rss_item(item: etree._Element, base_url: str) -> LinkEntry | None:
    link = alternate = guid = title = published = modified = None
    for child in item:
        name = local_name(child.tag)
        if name == "link":
            text = element_text(child).strip()
            if text and link is None:
                link = text
            elif child.get("href") and child.get("rel", "alternate") == "alternate":
                alternate = alternate or child.get("href")
        elif name == "guid" and child.get("isPermaLink", "true").lower() != "false":
            guid = guid or element_text(child).strip()
        elif name == "title":
            title = title or clean_text(element_text(child))
        elif name in _PUBLISHED:
            published = published or normalize_date(element_text(child))
        elif name in _MODIFIED:
            modified = modified or normalize_date(element_text(child))
    if link is None:  # recovered broken markup can bury the link in a sibling (kun.uz)
        link = next((t for el in item.iter("{*}link") if (t := element_text(el).strip())), None)
    about = item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")
    # A guid or rdf:about is only a link when absolute: "12345" is an id, not a relative URL.
    candidates = (link, alternate, *(u for u in (guid, about) if u and _ABSOLUTE_RE.match(u)))
    for candidate in candidates:
        url = xml_link(candidate, base_url)
        if url:
            return LinkEntry(url, published, modified, title)
    return None


def _atom_entry(entry: etree._Element, base_url: str) -> LinkEntry | None:
    link = title = published = modified = entry_id = None
    for child in entry:
        name = local_name(child.tag)
        if name == "link":
            if child.get("rel", "alternate") == "alternate" and child.get("href") and link is None:
                link = xml_link(child.get("href"), child.base or base_url)
        elif name == "title":
            title = title or clean_text(element_text(child))
        elif name in _PUBLISHED:
            published = published or normalize_date(element_text(child))
        elif name in _MODIFIED:
            modified = modified or normalize_date(element_text(child))
        elif name == "id" and _ABSOLUTE_RE.match(text := element_text(child)):
            entry_id = entry_id or xml_link(text, base_url)
    url = link or entry_id
    return LinkEntry(url, published, modified, title) if url else None
