"""One sample outlet as a table of HTTP responses, rendered in memory.

``build_routes`` renders every page of an outlet for its live base URL: articles, the paginated main
listings, section and tag listings, the about page, robots.txt, redirects, and the outlet's feed or
sitemaps. Feeds and sitemaps carry an ETag and Last-Modified so that conditional requests get 304.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime

from crawler.demo import feeds
from crawler.demo.content import SampleArticle
from crawler.demo.pages import Listing, Site


@dataclass(frozen=True, slots=True)
class Request:
    """What a route handler sees of a request."""

    method: str
    path: str
    headers: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Response:
    """A canned HTTP response.

    Args:
        status: the HTTP status code.
        headers: response headers (Content-Length is added by the server).
        body: the body, already encoded.
        delay: seconds to wait before answering (to simulate a slow server).
    """

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0


Route = Response | Callable[[Request], Response]
"""A route answers with a fixed response or computes one from the request."""


def _charset(site: Site) -> str:
    return site.outlet.encoding


def _page(site: Site, text: str, content_type: str = "text/html") -> Response:
    charset = _charset(site)
    return Response(
        headers={"Content-Type": f"{content_type}; charset={charset}"}, body=text.encode(charset)
    )


def _document(body: bytes, content_type: str, modified: datetime) -> Response:
    """A feed or sitemap: validators for conditional GET and a short cache lifetime."""
    etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
    last_modified = format_datetime(modified.astimezone(UTC), usegmt=True)
    return Response(
        headers={
            "Content-Type": content_type,
            "ETag": etag,
            "Last-Modified": last_modified,
            "Cache-Control": "max-age=300",
        },
        body=body,
    )


def _listings(
    site: Site,
    path_of: Callable[[int], str],
    heading: str,
    language: str,
    articles: list[SampleArticle],
    page_size: int,
) -> dict[str, Listing]:
    chunks = [articles[i : i + page_size] for i in range(0, len(articles), page_size)] or [[]]
    paths = [path_of(n) for n in range(1, len(chunks) + 1)]
    return {
        path: Listing(
            path=path,
            heading=heading,
            language=language,
            items=chunk,
            page=n,
            prev_path=paths[n - 2] if n > 1 else None,
            next_path=paths[n] if n < len(paths) else None,
            page_paths=paths,
            total=len(articles),
        )
        for n, (path, chunk) in enumerate(zip(paths, chunks, strict=True), start=1)
    }


def build_routes(site: Site) -> tuple[dict[str, Response], Response]:
    """Render every page of one outlet.

    Returns:
        The routes (site-relative path, query included, to response) and the 404 response.
    """
    outlet, style = site.outlet, site.style
    articles = list(outlet.articles)
    language = outlet.languages[0]
    routes: dict[str, Response] = {}

    listings: dict[str, Listing] = {}
    for lang, root in style.roots.items():
        mine = [a for a in articles if lang in ("", a.language)]
        listings |= _listings(
            site,
            lambda n, root=root: style.page_path(root, n),
            outlet.tagline,
            lang or language,
            mine,
            style.page_size,
        )
    for section in sorted({a.section for a in articles}):
        mine = [a for a in articles if a.section == section]
        listings |= _listings(
            site,
            lambda _n, s=section: style.section_path(s),
            section,
            mine[0].language,
            mine,
            len(mine),
        )
    for tag in sorted({t for a in articles for t in a.tags}):
        mine = [a for a in articles if tag in a.tags]
        listings |= _listings(
            site, lambda _n, t=tag: style.tag_path(t), tag, mine[0].language, mine, len(mine)
        )
    for path, listing in listings.items():
        routes[path] = _page(site, style.listing_page(site, listing))
    for article in articles:
        routes[style.article_path(article)] = _page(site, style.article_page(site, article))
    routes[style.about_path] = _page(site, style.about_page(site))
    for path in style.redirects:
        routes[path] = Response(301, {"Location": site.url(style.first_root)})
    routes["/robots.txt"] = _page(site, feeds.robots_txt(site), "text/plain")

    newest = articles[0].published
    charset = _charset(site)
    if outlet.discovery == "rss":
        routes[outlet.feed] = _document(
            feeds.rss_feed(site).encode(charset), f"application/rss+xml; charset={charset}", newest
        )
    elif outlet.discovery == "atom":
        routes[outlet.feed] = _document(
            feeds.atom_feed(site).encode(charset),
            f"application/atom+xml; charset={charset}",
            newest,
        )
    elif outlet.discovery == "sitemap":
        other = [style.about_path, *sorted(p for p in listings if p not in _main_pages(site))]
        routes[feeds.SITEMAP_INDEX] = _document(
            feeds.sitemap_index(site).encode(), "application/xml; charset=utf-8", newest
        )
        routes[feeds.NEWS_SITEMAP] = _document(
            gzip.compress(feeds.news_sitemap(site).encode(), mtime=0), "application/x-gzip", newest
        )
        routes[feeds.PAGES_SITEMAP] = _document(
            feeds.pages_sitemap(site, other, newest).encode(),
            "application/xml; charset=utf-8",
            newest,
        )
    not_found = _page(site, style.not_found_page(site))
    return routes, Response(404, not_found.headers, not_found.body)


def _main_pages(site: Site) -> set[str]:
    return {site.style.page_path(root, 1) for root in site.style.roots.values()}
