"""Machine-readable discovery documents of the sample outlets: RSS 2.0, Atom, sitemaps, robots.txt.

Each function returns the document as text; the caller encodes it in the outlet's encoding (the
windows-1251 outlet's RSS feed declares that encoding in its XML declaration).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from email.utils import format_datetime

from crawler.demo.pages import Site

SITEMAP_INDEX = "/sitemap_index.xml"
NEWS_SITEMAP = "/sitemap-news.xml.gz"
PAGES_SITEMAP = "/sitemap-pages.xml"


def _x(text: str) -> str:
    return html.escape(text, quote=True)


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def rss_feed(site: Site) -> str:
    """An RSS 2.0 feed of every article (a WordPress feed has the full body in content:encoded)."""
    outlet = site.outlet
    items = []
    for a in outlet.articles:
        url = site.article_url(a)
        extra = ""
        if site.style.full_text_feed:
            body = "".join(f"<p>{_x(p)}</p>" for p in (*a.paragraphs, *outlet.footer))
            extra = (
                f"<dc:creator>{_cdata(a.author)}</dc:creator>"
                f"<content:encoded>{_cdata(body)}</content:encoded>"
            )
        if outlet.encoding == "windows-1251":
            extra = (
                f'<enclosure url="{_x(site.url(f"/foto/{a.number}.jpg"))}" type="image/jpeg" '
                f'length="0"/>'
            )
        items.append(
            f"<item><title>{_x(a.title)}</title><link>{_x(url)}</link>"
            f'<guid isPermaLink="true">{_x(url)}</guid>'
            f"<pubDate>{format_datetime(a.published)}</pubDate>"
            f"<category>{_x(a.section)}</category><description>{_cdata(a.subtitle)}</description>"
            f"{extra}</item>"
        )
    newest = outlet.articles[0].published
    return (
        f'<?xml version="1.0" encoding="{outlet.encoding}"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">\n'
        f"<channel><title>{_x(outlet.name)}</title><link>{_x(site.url(site.style.first_root))}</link>"
        f'<atom:link href="{_x(site.url(outlet.feed))}" rel="self" type="application/rss+xml"/>'
        f"<description>{_x(outlet.tagline)}</description><language>{outlet.languages[0]}</language>"
        f"<lastBuildDate>{format_datetime(newest)}</lastBuildDate>\n"
        + "\n".join(items)
        + "\n</channel>\n</rss>\n"
    )


def atom_feed(site: Site) -> str:
    """An Atom 1.0 feed of every article (summary only, as Pangea feeds have)."""
    outlet = site.outlet
    entries = "\n".join(
        f"<entry><title>{_x(a.title)}</title>"
        f'<link rel="alternate" href="{_x(site.article_url(a))}"/>'
        f"<id>{_x(site.article_url(a))}</id><published>{a.published.isoformat()}</published>"
        f"<updated>{a.published.isoformat()}</updated><author><name>{_x(a.author)}</name></author>"
        f'<category term="{_x(a.section)}"/><summary>{_x(a.subtitle)}</summary></entry>'
        for a in outlet.articles
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{outlet.languages[0]}">\n'
        f"<title>{_x(outlet.name)} - {_x(outlet.tagline)}</title>"
        f"<id>{_x(site.url(outlet.feed))}</id>"
        f'<link rel="self" href="{_x(site.url(outlet.feed))}"/>'
        f'<link rel="alternate" href="{_x(site.url("/"))}"/>'
        f"<updated>{outlet.articles[0].published.isoformat()}</updated>\n{entries}\n</feed>\n"
    )


def sitemap_index(site: Site) -> str:
    """The sitemap index: the (gzipped) news sitemap and the sitemap of other pages."""
    newest = site.outlet.articles[0].published.isoformat()
    rows = "".join(
        f"<sitemap><loc>{_x(site.url(path))}</loc><lastmod>{newest}</lastmod></sitemap>\n"
        for path in (NEWS_SITEMAP, PAGES_SITEMAP)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{rows}</sitemapindex>\n'
    )


def news_sitemap(site: Site) -> str:
    """A Google News sitemap of every article, with ``news:publication_date``."""
    outlet = site.outlet
    rows = "".join(
        f"<url><loc>{_x(site.article_url(a))}</loc><lastmod>{a.published.isoformat()}</lastmod>"
        f"<news:news><news:publication><news:name>{_x(outlet.name)}</news:name>"
        f"<news:language>{a.language}</news:language></news:publication>"
        f"<news:publication_date>{a.published.isoformat()}</news:publication_date>"
        f"<news:title>{_x(a.title)}</news:title></news:news></url>\n"
        for a in outlet.articles
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n{rows}</urlset>\n'
    )


def pages_sitemap(site: Site, paths: Sequence[str], lastmod: datetime) -> str:
    """A plain sitemap of pages that are not articles (about, sections, tags)."""
    rows = "".join(
        f"<url><loc>{_x(site.url(p))}</loc><lastmod>{lastmod:%Y-%m-%d}</lastmod>"
        "<changefreq>daily</changefreq></url>\n"
        for p in paths
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{rows}</urlset>\n'
    )


def robots_txt(site: Site) -> str:
    """robots.txt: all allowed but the admin areas; names the sitemap index when there is one."""
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /wp-admin/", "Disallow: /search"]
    if site.outlet.discovery == "sitemap":
        lines += ["", f"Sitemap: {site.url(SITEMAP_INDEX)}"]
    return "\n".join(lines) + "\n"
