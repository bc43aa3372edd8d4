"""Section (listing) pages -> the links on them, and their pagination.

The page is decoded the way browsers do (BOM, then the ``Content-Type`` charset, then
``<meta charset>``, via ``w3lib.encoding.html_to_unicode``) and parsed with lxml's HTML parser.
Links are resolved against ``<base href>`` when the page has one, else against the page URL;
fragments are dropped and only http(s) links are kept (no ``javascript:``, ``mailto:``,
``tel:``). Which of them are articles is decided later by
:func:`crawler.fetch.discovery.links.article_links`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urldefrag

import lxml.html
from lxml import etree
from w3lib.encoding import html_to_unicode

from crawler.fetch.discovery.links import DiscoveryError, LinkEntry, absolute_url
from crawler.fetch.discovery.safexml import strip_bom

_SNIFF_BYTES = 1024
_MARKUP_TYPES = ("html", "xml")
_NEXT_REL = "next"


@dataclass(slots=True)
class SectionPage:
    """What a listing page offers: its links (in page order) and its next-page URLs."""

    links: list[LinkEntry] = field(default_factory=list)
    next_pages: list[str] = field(default_factory=list)


def parse_section(body: bytes, base_url: str, content_type: str | None = None) -> SectionPage:
    """Links and ``rel="next"`` pagination of an HTML listing page, in one parse.

    Args:
        body: the raw page.
        base_url: the page's URL.
        content_type: the ``Content-Type`` header, for its charset.

    Returns:
        A :class:`SectionPage`. Each link appears once (the first time, with its anchor text or
        ``title`` attribute as ``title``; a later occurrence supplies a missing title).

    Raises:
        DiscoveryError: ``empty``, ``not-html`` (a declared non-markup type or a binary body),
            ``unparsable``.

    .. code-block:: python

        page = parse_section(response.body, response.url, response.headers.get("Content-Type"))
        for entry in article_links(page.links, outlet): ...
    """
    document = _document(body, base_url, content_type)
    base = base_url
    for element in document.iter("base"):
        base = absolute_url(element.get("href"), base_url) or base_url
        break

    titles: dict[str, str | None] = {}
    for anchor in document.iter("a", "area"):
        url = _page_link(anchor.get("href"), base)
        if url is None:
            continue
        text = " ".join(anchor.text_content().split()) or (anchor.get("title") or "").strip()
        if not titles.get(url):
            titles[url] = text or None

    next_pages: list[str] = []
    for element in document.iter("a", "link"):
        rels = (element.get("rel") or "").lower().split()
        url = _page_link(element.get("href"), base) if _NEXT_REL in rels else None
        if url and url not in next_pages:
            next_pages.append(url)
    return SectionPage([LinkEntry(url, title=t) for url, t in titles.items()], next_pages)


def section_links(body: bytes, base_url: str, content_type: str | None = None) -> list[LinkEntry]:
    """The links of a listing page; see :func:`parse_section`."""
    return parse_section(body, base_url, content_type).links


def next_page_links(body: bytes, base_url: str, content_type: str | None = None) -> list[str]:
    """The ``rel="next"`` URLs (``<link>`` or ``<a>``) of a listing page.

    See :func:`parse_section`, which gives links and pagination in one parse.
    """
    return parse_section(body, base_url, content_type).next_pages


def _document(body: bytes, base_url: str, content_type: str | None) -> lxml.html.HtmlElement:
    mime = (content_type or "").partition(";")[0].strip().lower()
    if mime and not any(kind in mime for kind in _MARKUP_TYPES):
        raise DiscoveryError("not-html", f"Content-Type {mime}")
    if not strip_bom(body):
        raise DiscoveryError("empty")
    if b"\x00" in body[:_SNIFF_BYTES] and not body.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DiscoveryError("not-html", "binary body")
    _, text = html_to_unicode(content_type, body)
    # Re-encoded as UTF-8 so that an XML declaration in the text cannot upset lxml.
    parser = lxml.html.HTMLParser(encoding="utf-8", no_network=True, remove_comments=True)
    try:
        return lxml.html.document_fromstring(text.encode("utf-8"), parser=parser, base_url=base_url)
    except (etree.ParserError, etree.XMLSyntaxError) as exc:
        raise DiscoveryError("unparsable", str(exc)) from exc


def _page_link(href: str | None, base: str) -> str | None:
    """An http(s) link without its fragment; ``None`` for in-page anchors and other schemes."""
    if not href or href.strip().startswith("#"):
        return None
    url = absolute_url(href, base)
    return urldefrag(url).url if url else None
