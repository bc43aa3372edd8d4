"""Recognise pages that are not articles: listings, tag and author pages, search and error pages.

:func:`not_article_reason` looks at the URL and the page markup before extraction; the body-based
checks (empty or too short) are made by :func:`crawler.extract.article.extract_article` afterwards.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from crawler.extract.metadata import PageMeta, is_article_type, text_of

_LISTING_PATH = re.compile(
    r"/(tag|tags|category|categories|author|authors|search|archive|archives|rubric|topics)(/|$)"
    r"|/page/\d+/?$",
    re.I,
)
_LISTING_QUERY = re.compile(r"(^|&)(s|q|search|query)=", re.I)
_ERROR_TITLE = re.compile(
    r"^\W*(404|410|403|500)\W*$|\b404\b.*\b(not\s+found|error|ошибка|страница|page)\b"
    r"|\b(not\s+found|error|ошибка)\b.*\b404\b|page\s+not\s+found|страница\s+не\s+найдена"
    r"|запрашиваемая\s+страница\s+не|page\s+(does\s+not|doesn.t)\s+exist|access\s+denied"
    r"|sahifa\s+topilmadi|бет\s+табылмады|бет\s+табылган\s+жок",
    re.I,
)
_LISTING_TYPES = frozenset({"collectionpage", "itemlist", "searchresultspage", "profilepage"})
_TEASER_CLASS = re.compile(
    r"(teaser|card|news-?item|post-?item|list-?item|entry-?item|story-?item)", re.I
)
# A page with at least this many teaser blocks (each a heading or link) and no article markup is a
# listing. Set on tests/pages (listing fixtures) with bench/extract_aeb.py showing no AEB page lost.
LISTING_MIN_TEASERS = 8


def _is_article_markup(meta: PageMeta) -> bool:
    return meta.og_type == "article" or any(map(is_article_type, meta.jsonld_types))


def _teasers(tree: HtmlElement) -> int:
    count = 0
    for el in tree.iter("article", "li", "div"):
        if el.tag != "article" and not _TEASER_CLASS.search(el.get("class") or ""):
            continue
        if el.find(".//a") is not None and (
            el.tag == "article" or el.find(".//h2") is not None or el.find(".//h3") is not None
        ):
            count += 1
    return count


def not_article_reason(tree: HtmlElement, url: str, meta: PageMeta) -> str | None:
    """Why the page is not an article ("error-page", "listing"), or None if it may be one."""
    heads = [text_of(h) for h in tree.iter("h1")][:2]
    title_el = tree.find(".//title")
    if title_el is not None and title_el.text:
        heads.append(title_el.text)
    if any(_ERROR_TITLE.search(h) for h in heads if h):
        return "error-page"
    article_markup = _is_article_markup(meta)
    parts = urlsplit(url)
    if not article_markup and (
        _LISTING_PATH.search(parts.path) or _LISTING_QUERY.search(parts.query)
    ):
        return "listing"
    if meta.jsonld_types & _LISTING_TYPES and not article_markup:
        return "listing"
    if not article_markup and _teasers(tree) >= LISTING_MIN_TEASERS:
        return "listing"
    return None
