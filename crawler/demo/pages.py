"""HTML templates of the sample outlets: one style per outlet, modelled on real regional templates.

Each style knows its URL layout (article, section, tag and listing paths) and renders article and
listing pages with the chrome real pages carry: navigation, cookie banners, share widgets, bylines,
related-news blocks, news rivers, currency tickers and footers. The styles imitate the shapes
described in shared/research/outlets.md; the texts are the project's own.

All paths are site-relative; ``Site.url`` makes them absolute on the live base URL.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from crawler.demo.content import SampleArticle, SampleOutlet

_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")  # fmt: skip
_RU_MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
              "сентября", "октября", "ноября", "декабря")  # fmt: skip
_TRANSLIT = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяңөүқғұүһәі",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r",
     "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya", "n", "o",
     "u", "k", "g", "u", "u", "h", "a", "i"],
    strict=True,
))  # fmt: skip


def slugify(text: str) -> str:
    """An ASCII URL slug for a tag or section name (Cyrillic is transliterated)."""
    out = []
    for char in text.lower():
        char = _TRANSLIT.get(char, char)
        out.append(char if char.isascii() and char.isalnum() else "-")
    return "-".join(part for part in "".join(out).split("-") if part)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


@dataclass(frozen=True, slots=True)
class Site:
    """One live outlet: its content, its base URL and its template style."""

    outlet: SampleOutlet
    base: str
    style: Style

    def url(self, path: str) -> str:
        """The absolute URL of a site-relative path."""
        return self.base + path

    def article_url(self, article: SampleArticle) -> str:
        """The live URL of one of this outlet's articles."""
        return self.url(self.style.article_path(article))

    def others(self, article: SampleArticle, count: int) -> list[SampleArticle]:
        """Up to ``count`` other articles of the outlet in the same language, newest first."""
        same = [
            a for a in self.outlet.articles if a is not article and a.language == article.language
        ]
        return same[:count]

    @property
    def clock(self) -> datetime:
        """The time the pages pretend to be rendered at: the newest article's publication."""
        return self.outlet.articles[0].published


@dataclass(frozen=True, slots=True)
class Listing:
    """One page of a listing (home, section, tag): its items and its neighbours."""

    path: str
    heading: str
    language: str
    items: Sequence[SampleArticle]
    page: int = 1
    prev_path: str | None = None
    next_path: str | None = None
    page_paths: Sequence[str] = ()
    total: int = 0


class Style:
    """A template style: URL layout plus page rendering. Subclasses fill in the outlet's look."""

    #: Site-relative roots of the main listings, by language ("" = every language).
    roots: ClassVar[dict[str, str]] = {"": "/"}
    #: Items per page of the main listings.
    page_size = 10
    #: Paths that answer with a redirect to the first root (e.g. "/" -> "/en/").
    redirects: tuple[str, ...] = ()
    #: Labels of the previous and next links of a paginated listing.
    pager_labels = ("« Previous", "Next »")
    #: Whether the outlet's RSS feed carries the full body (content:encoded), as WordPress does.
    full_text_feed = False
    #: Regular expression of an article path (the registry anchors it on the live base URL).
    article_regex = ""
    #: The "about us" page, which is not an article.
    about_path = "/about/"

    # URL layout --------------------------------------------------------------------------------

    def article_path(self, article: SampleArticle) -> str:
        """Where an article lives."""
        raise NotImplementedError

    def section_path(self, section: str) -> str:
        """Where a section (rubric, category) listing lives."""
        return f"/section/{slugify(section)}/"

    def tag_path(self, tag: str) -> str:
        """Where a tag listing lives."""
        return f"/tag/{slugify(tag)}/"

    def page_path(self, root: str, page: int) -> str:
        """Page ``page`` (from 1) of the main listing at ``root``."""
        return root if page == 1 else f"{root}page/{page}/"

    # Rendering -----------------------------------------------------------------------------------

    def article_page(self, site: Site, article: SampleArticle) -> str:
        """The full HTML of an article page."""
        head = _head(
            site,
            title=article.title,
            description=article.subtitle,
            canonical=site.article_url(article),
            og_type="article",
            image=site.url(f"/media/{article.slug}.jpg"),
        )
        return self.document(
            site,
            article.language,
            f"{article.title} | {site.outlet.name}",
            head + self.article_head(site, article),
            self.article_body(site, article),
        )

    def listing_page(self, site: Site, listing: Listing) -> str:
        """The full HTML of a listing page (home, section or tag), with pagination links."""
        head = _head(
            site,
            title=listing.heading,
            description=site.outlet.tagline,
            canonical=site.url(listing.path),
        )
        if listing.prev_path:
            head += f'<link rel="prev" href="{_e(site.url(listing.prev_path))}">\n'
        if listing.next_path:
            head += f'<link rel="next" href="{_e(site.url(listing.next_path))}">\n'
        return self.document(
            site,
            listing.language,
            f"{listing.heading} | {site.outlet.name}",
            head,
            self.listing_body(site, listing),
        )

    def about_page(self, site: Site) -> str:
        """The outlet's "about us" page (a page that is not an article)."""
        head = _head(
            site,
            title="About us",
            description=site.outlet.tagline,
            canonical=site.url(self.about_path),
        )
        body = (
            f'<main class="page"><h1>About us</h1><p>{_e(site.outlet.name)} is a fictional '
            "outlet that newsmon's offline demo serves from bundled sample pages. Its stories "
            "are invented.</p><p>Contact the editors through the form below.</p></main>"
        )
        return self.document(
            site, site.outlet.languages[0], f"About us | {site.outlet.name}", head, body
        )

    def not_found_page(self, site: Site) -> str:
        """The outlet's 404 page."""
        head = _head(site, title="Page not found", description="", canonical=None)
        body = (
            '<main class="error-404"><h1>Page not found</h1><p>The page you requested does '
            f'not exist. <a href="{self.first_root}">Back to the front page</a></p></main>'
        )
        return self.document(
            site, site.outlet.languages[0], f"404 | {site.outlet.name}", head, body
        )

    @property
    def first_root(self) -> str:
        """The first main listing (the home page of the outlet)."""
        return next(iter(self.roots.values()))

    def article_head(self, site: Site, article: SampleArticle) -> str:
        """Extra <head> lines for an article page (dates, JSON-LD); none by default."""
        return ""

    def document(self, site: Site, lang: str, title: str, head: str, main: str) -> str:
        """Wrap the page's main part in the outlet's chrome (header, navigation, footer)."""
        raise NotImplementedError

    def article_body(self, site: Site, article: SampleArticle) -> str:
        """The main part of an article page."""
        raise NotImplementedError

    def listing_body(self, site: Site, listing: Listing) -> str:
        """The main part of a listing page: a plain list of linked headlines with standfirsts."""
        rows = "".join(
            f'<li class="item"><a href="{_e(site.article_url(a))}">{_e(a.title)}</a>'
            f'<span class="date">{a.published:%d.%m.%Y %H:%M}</span><p>{_e(a.subtitle)}</p></li>\n'
            for a in listing.items
        )
        return (
            f'<main class="listing"><h1>{_e(listing.heading)}</h1>\n<ul class="news-list">\n'
            f"{rows}</ul>\n{_pager(site, listing)}</main>"
        )


def _head(
    site: Site,
    *,
    title: str,
    description: str,
    canonical: str | None,
    og_type: str = "website",
    image: str | None = None,
) -> str:
    charset = "windows-1251" if site.outlet.encoding == "windows-1251" else "utf-8"
    lines = [
        f'<meta charset="{charset}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="description" content="{_e(description)}">',
        f'<meta property="og:site_name" content="{_e(site.outlet.name)}">',
        f'<meta property="og:type" content="{og_type}">',
        f'<meta property="og:title" content="{_e(title)}">',
        f'<meta property="og:description" content="{_e(description)}">',
    ]
    if canonical:
        lines += [
            f'<meta property="og:url" content="{_e(canonical)}">',
            f'<link rel="canonical" href="{_e(canonical)}">',
        ]
    if image:
        lines.append(f'<meta property="og:image" content="{_e(image)}">')
    if site.outlet.feed:
        kind = _FEED_TYPES[site.outlet.discovery]
        lines.append(
            f'<link rel="alternate" type="{kind}" title="{_e(site.outlet.name)}" '
            f'href="{_e(site.url(site.outlet.feed))}">'
        )
    return "\n".join(lines) + "\n"


_FEED_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml"}


def _published_meta(article: SampleArticle) -> str:
    return (
        f'<meta property="article:published_time" content="{article.published.isoformat()}">\n'
        f'<meta property="article:section" content="{_e(article.section)}">\n'
        + "".join(f'<meta property="article:tag" content="{_e(t)}">\n' for t in article.tags)
    )


def _json_ld(site: Site, article: SampleArticle) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.subtitle,
        "datePublished": article.published.isoformat(),
        "dateModified": article.published.isoformat(),
        "inLanguage": article.language,
        "author": [{"@type": "Person", "name": article.author}],
        "publisher": {"@type": "Organization", "name": site.outlet.name},
        "image": [site.url(f"/media/{article.slug}.jpg")],
        "mainEntityOfPage": site.article_url(article),
    }
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>\n'


def _paragraphs(article: SampleArticle) -> str:
    return "\n".join(f"<p>{_e(p)}</p>" for p in article.paragraphs)


def _pager(site: Site, listing: Listing) -> str:
    prev_label, next_label = site.style.pager_labels
    if len(listing.page_paths) < 2:
        return ""
    parts = []
    if listing.prev_path:
        href = _e(site.url(listing.prev_path))
        parts.append(f'<a class="prev page-numbers" rel="prev" href="{href}">{prev_label}</a>')
    for number, path in enumerate(listing.page_paths, start=1):
        if number == listing.page:
            parts.append(f'<span class="page-numbers current">{number}</span>')
        else:
            parts.append(f'<a class="page-numbers" href="{_e(site.url(path))}">{number}</a>')
    if listing.next_path:
        href = _e(site.url(listing.next_path))
        parts.append(f'<a class="next page-numbers" rel="next" href="{href}">{next_label}</a>')
    return f'<nav class="pagination">{" ".join(parts)}</nav>\n'


def _links(site: Site, articles: Sequence[SampleArticle], *, with_date: str | None = None) -> str:
    rows = []
    for a in articles:
        date = f'<span class="date">{a.published.strftime(with_date)}</span> ' if with_date else ""
        rows.append(f'<li>{date}<a href="{_e(site.article_url(a))}">{_e(a.title)}</a></li>')
    return "<ul>" + "".join(rows) + "</ul>"


def _tags(site: Site, article: SampleArticle, label: str) -> str:
    links = " ".join(
        f'<a rel="tag" href="{_e(site.url(site.style.tag_path(t)))}">{_e(t)}</a>'
        for t in article.tags
    )
    return f'<div class="tags">{label} {links}</div>\n'


def _sections(site: Site) -> list[str]:
    return sorted({a.section for a in site.outlet.articles})


def _nav(site: Site, lang: str | None = None) -> str:
    items = sorted({a.section for a in site.outlet.articles if lang in (None, a.language)})
    links = "".join(
        f'<li><a href="{_e(site.style.section_path(s))}">{_e(s)}</a></li>' for s in items
    )
    home = f'<li><a href="{site.style.first_root}">Home</a></li>'
    return f'<nav class="main-nav"><ul>{home}{links}</ul></nav>'


def _html(lang: str, title: str, head: str, body: str, *, doctype: str = "<!DOCTYPE html>") -> str:
    return (
        f'{doctype}\n<html lang="{lang}">\n<head>\n{head}<title>{_e(title)}</title>\n</head>\n'
        f"<body>\n{body}\n</body>\n</html>\n"
    )


# -- the styles ------------------------------------------------------------------------------------


class WordPressStyle(Style):
    """An analysis site on WordPress (CABAR-like): copyright lines before the headline, the
    headline and standfirst printed twice, "(Photo: ...)" credits, and a long donor footer inside
    the entry content. Listings print each standfirst twice."""

    roots: ClassVar[dict[str, str]] = {"": "/en/"}
    redirects = ("/",)
    full_text_feed = True
    article_regex = r"/en/[a-z0-9]+(?:-[a-z0-9]+)+/"
    about_path = "/en/about-us/"

    def article_path(self, article: SampleArticle) -> str:
        return f"/en/{article.slug}/"

    def section_path(self, section: str) -> str:
        return f"/en/category/{slugify(section)}/"

    def tag_path(self, tag: str) -> str:
        return f"/en/tag/{slugify(tag)}/"

    def article_head(self, site: Site, article: SampleArticle) -> str:
        return _published_meta(article)

    def document(self, site: Site, lang: str, title: str, head: str, main: str) -> str:
        body = f"""<div id="cookie-notice" class="cookie-notice" role="dialog">We use cookies \
to keep this site working and to count visits. <a href="/en/privacy/">Privacy policy</a> \
<button type="button">Accept</button></div>
<header id="masthead" class="site-header">
<div class="site-branding"><a href="/en/" rel="home"><img src="/wp-content/uploads/logo.png" \
alt="{_e(site.outlet.name)}"></a><p class="site-description">{_e(site.outlet.tagline)}</p></div>
{_nav(site)}
<div class="lang-switcher"><a href="/ru/">Русский</a>  <a href="/kg/">Кыргызча</a></div>
</header>
<div class="copyright-lines"><p>© {_e(site.outlet.name)} – {_e(site.outlet.tagline)}</p>
<p>Please make an active link to the source when using materials from this website</p></div>
{main}
<aside id="secondary" class="widget-area"><section class="widget"><p>Follow us on LinkedIn!</p>\
</section>
<section class="widget"><h3>Newsletter</h3><p>Get our analysis every Friday.</p>
<form action="/en/subscribe/"><input type="email" name="email"><button>Subscribe</button></form>\
</section></aside>
<footer class="site-footer"><p>© 2016–2026 {_e(site.outlet.name)}. All rights reserved.</p>
<a href="{self.about_path}">About us</a> <a href="/wp-admin/">Log in</a></footer>"""
        return _html(lang, title, head, body)

    def article_body(self, site: Site, article: SampleArticle) -> str:
        footer = "\n".join(
            f'<p><a href="/wp-content/uploads/{article.slug}.pdf">{_e(p)}</a></p>'
            if p == "Download PDF"
            else f"<p>{_e(p)}</p>"
            for p in site.outlet.footer
        )
        related = "".join(
            f'<article class="related-post"><h4><a href="{_e(site.article_url(a))}">'
            f"{_e(a.title)}</a></h4><p>{_e(a.subtitle)}</p></article>"
            for a in site.others(article, 3)
        )
        return f"""<div class="page-title-block"><h2 class="page-title">{_e(article.title)}</h2>
<div class="page-subtitle">{_e(article.subtitle)}</div></div>
<main id="main" class="site-main">
<article class="post type-post status-publish format-standard">
<header class="entry-header"><h1 class="entry-title">{_e(article.title)}</h1>
<p class="standfirst">{_e(article.subtitle)}</p>
<div class="entry-meta"><span class="byline author vcard">{_e(article.author)}</span> \
<time class="entry-date published" datetime="{article.published.isoformat()}">\
{article.published:%d.%m.%y}</time></div></header>
<figure class="wp-block-image"><img src="/wp-content/uploads/{article.slug}.jpg" \
alt="{_e(article.image_caption)}"><figcaption>{_e(article.image_caption)} \
(Photo: {_e(article.image_credit)})</figcaption></figure>
<div class="program-label"><a href="{self.section_path(article.section)}">{_e(article.section)}\
</a></div>
<div class="entry-content">
{_paragraphs(article)}
{footer}
</div>
<footer class="entry-footer">{_tags(site, article, "Tags:")}</footer>
</article>
<section class="related-posts"><h3>Read also</h3>{related}</section>
</main>"""

    def listing_body(self, site: Site, listing: Listing) -> str:
        items = "".join(
            f'<article class="post-preview"><h2 class="entry-title">'
            f'<a href="{_e(site.article_url(a))}">{_e(a.title)}</a></h2><p>{_e(a.subtitle)}</p>'
            f"<p>Follow us on LinkedIn!</p><p>{_e(a.subtitle)} "
            f'<a class="more-link" href="{_e(site.article_url(a))}">(more…)</a></p>'
            f'<div class="byline">{_e(a.author)} {a.published:%d.%m.%y}</div></article>\n'
            for a in listing.items
        )
        return (
            f'<main id="main" class="site-main archive"><header class="page-header">'
            f'<h1 class="page-title">{_e(listing.heading)}</h1>'
            '<div class="archive-description">'
            f"<p>{_e(site.outlet.name)} publishes analysis and reporting by authors from the "
            "five countries of the region.</p></div></header>\n"
            f"{items}{_pager(site, listing)}</main>"
        )


class AgencyStyle(Style):
    """A state news agency (Kabar-like): dateline-led items, a language bar, related news."""

    article_regex = r"/news/[a-z0-9-]+/"

    def article_path(self, article: SampleArticle) -> str:
        return f"/news/{article.slug}/"

    def page_path(self, root: str, page: int) -> str:
        return root if page == 1 else f"{root}?page={page}"

    def article_head(self, site: Site, article: SampleArticle) -> str:
        return _published_meta(article)

    def document(self, site: Site, lang: str, title: str, head: str, main: str) -> str:
        body = f"""<div class="topline"><span class="today">{site.clock:%d.%m.%Y}</span>
<a href="/">English</a> <a href="/section/obshchestvo/">Русский</a> \
<a href="/section/koom/">Кыргызча</a></div>
<header class="header"><a class="logo" href="/">{_e(site.outlet.name)}</a>
<span class="slogan">{_e(site.outlet.tagline)}</span></header>
{_nav(site)}
{main}
<footer class="footer"><p>© 2026 {_e(site.outlet.name)}. When using materials of the agency, a \
hyperlink to {_e(site.outlet.name)} is required.</p><p>Editorial office: Bishkek, Erkindik \
boulevard. Phone: +996 312 000 000.</p></footer>"""
        return _html(lang, title, head, body)

    def article_body(self, site: Site, article: SampleArticle) -> str:
        return f"""<main class="news-page">
<div class="breadcrumbs"><a href="/">Home</a> / <a href="{self.section_path(article.section)}">\
{_e(article.section)}</a></div>
<h1 class="news-title">{_e(article.title)}</h1>
<div class="news-date">{article.published:%d.%m.%Y, %H:%M}</div>
<div class="news-lead">{_e(article.subtitle)}</div>
<figure class="news-img"><img src="/media/{article.slug}.jpg" alt=""><figcaption>\
{_e(article.image_caption)} Photo: {_e(article.image_credit)}</figcaption></figure>
<div class="news-text">
{_paragraphs(article)}
</div>
<div class="news-author">{_e(article.author)}</div>
<div class="share">Share: <a href="#">Facebook</a> <a href="#">X</a> <a href="#">Telegram</a> \
<a href="#">WhatsApp</a></div>
{_tags(site, article, "Tags:")}
<div class="related"><h3>Related news\
</h3>{_links(site, site.others(article, 4), with_date="%d.%m.%Y")}</div>
</main>"""


class PangeaStyle(Style):
    """An international broadcaster's regional service (Pangea-like): accessibility links, a clock
    line, the body in ``div.wsw``, the share widget twice, "Most Popular"."""

    article_regex = r"/a/[a-z0-9-]+/\d+\.html"

    def article_path(self, article: SampleArticle) -> str:
        return f"/a/{article.slug}/{article.number}.html"

    def section_path(self, section: str) -> str:
        return f"/z/{slugify(section)}"

    def tag_path(self, tag: str) -> str:
        return f"/z/topic-{slugify(tag)}"

    def article_head(self, site: Site, article: SampleArticle) -> str:
        return _json_ld(site, article)

    def document(self, site: Site, lang: str, title: str, head: str, main: str) -> str:
        clock = site.clock
        popular = _links(site, site.outlet.articles[:5])
        body = f"""<div class="skip-links"><p>Accessibility links</p><ul>
<li><a href="#content">Skip to main content</a></li><li><a href="#navigation">Skip to main \
Navigation</a></li><li><a href="#search">Skip to Search</a></li></ul></div>
<div class="clock">{clock:%A, %B %d, %Y} {_e(site.outlet.city)} time {clock:%H:%M}</div>
<header class="hdr"><a class="logo" href="/">{_e(site.outlet.name)}</a>
<span class="service">{_e(site.outlet.tagline)}</span></header>
<div id="navigation">{_nav(site)}</div>
<div id="content">
{main}
</div>
<div class="most-popular"><h2 class="section-head">Most Popular</h2>{popular}</div>
<footer class="footer"><p>Follow us</p><ul><li>Facebook</li><li>X (Twitter)</li><li>YouTube</li>\
<li>Telegram</li></ul><p><a href="/p/privacy.html">Privacy policy</a> \
<a href="/p/vpn.html">Read without VPN</a></p><p>© 2026 {_e(site.outlet.name)}</p></footer>"""
        return _html(lang, title, head, body)

    @staticmethod
    def _share() -> str:
        return (
            '<div class="share--box"><span>Share</span><ul><li>Copy link</li><li>Facebook</li>'
            "<li>X (Twitter)</li><li>WhatsApp</li><li>Email</li></ul></div>"
        )

    def article_body(self, site: Site, article: SampleArticle) -> str:
        when = article.published
        return f"""<div class="article-header">
<div class="category"><a href="{self.section_path(article.section)}">{_e(article.section)}</a></div>
<h1 class="title pg-title">{_e(article.title)}</h1>
<div class="links"><ul class="links__list"><li>By <a href="/author/{slugify(article.author)}">\
{_e(article.author)}</a></li></ul></div>
<div class="published"><span class="date"><time pubdate="pubdate" datetime="{when.isoformat()}">\
{when:%B %d, %Y} {when:%H:%M}</time></span></div>
{self._share()}
</div>
<div class="cover-media"><figure class="media-image"><div class="img-wrap"><img \
src="/media/{article.slug}.jpg" alt="{_e(article.image_caption)}"></div><figcaption>\
<span class="caption">{_e(article.image_caption)}</span> <span class="credit">\
{_e(article.image_credit)}</span></figcaption></figure></div>
<div class="intro m-t-md"><p>{_e(article.subtitle)}</p></div>
<div id="article-content" class="content-floated-wrap"><div class="wsw">
{_paragraphs(article)}
</div></div>
{self._share()}
<div class="media-block-wrap"><h2 class="section-head">Related\
</h2>{_links(site, site.others(article, 3))}</div>"""


class NewsfeedStyle(Style):
    """A fast news site (24.kg-like): every page ends with a "Popular" list and a timestamped news
    feed river; the main section is paginated."""

    roots: ClassVar[dict[str, str]] = {"": "/english/"}
    page_size = 3
    redirects = ("/",)
    article_regex = r"/english/\d+_[A-Za-z0-9_]+/"
    about_path = "/english/about/"

    def article_path(self, article: SampleArticle) -> str:
        words = "_".join(article.slug.split("-"))
        return f"/english/{article.number}_{words[:1].upper()}{words[1:]}/"

    def section_path(self, section: str) -> str:
        return f"/english/{slugify(section)}/"

    def article_head(self, site: Site, article: SampleArticle) -> str:
        return _json_ld(site, article)

    def document(self, site: Site, lang: str, title: str, head: str, main: str) -> str:
        articles = site.outlet.articles
        popular = "".join(
            f'<li><a href="{_e(site.article_url(a))}">{_e(a.title)}</a></li>' for a in articles[:5]
        )
        first = articles[0]
        river = [
            f'<div class="one"><span class="time">{first.published:%H:%M}</span> '
            f'<a href="{_e(site.article_url(first))}">{_e(first.title[:40])}...</a></div>'
        ]
        day = None
        for a in articles:
            if a.published.date() != day:
                day = a.published.date()
                river.append(
                    f'<div class="date-line">{a.published.day} '
                    f"{_EN_MONTHS[a.published.month - 1]}, {a.published:%A}</div>"
                )
            river.append(
                f'<div class="one"><span class="time">{a.published:%H:%M}</span> '
                f'<a href="{_e(site.article_url(a))}">{_e(a.title)}</a></div>'
            )
        body = f"""<header class="header">\
<a class="logo" href="/english/">{_e(site.outlet.name)}</a>
<div class="langs"><a href="/">Русский</a> <a href="/kyrgyzcha/">Кыргызча</a> \
<a href="/english/">English</a></div>
{_nav(site)}</header>
<div class="container"><div class="row">
<div class="col-md-8">{main}</div>
<div class="col-md-4 sidebar">
<div class="popular"><div class="title">Popular</div><ol>{popular}</ol></div>
<div class="newsfeed"><div class="title">News feed</div>
{"".join(river)}
</div></div>
</div></div>
<footer class="footer"><p>© 2026 {_e(site.outlet.name)}. News agency.</p>\
<p><a href="{self.about_path}">About</a> <a href="/english/advertising/">Advertising</a></p>\
</footer>"""
        return _html(lang, title, head, body)

    def article_body(self, site: Site, article: SampleArticle) -> str:
        when = article.published
        return f"""<div class="one-news">
<div class="breadcrumbs"><a href="/english/">English</a> » \
<a href="{self.section_path(article.section)}">\
{_e(article.section)}</a></div>
<h1 class="newsTitle">{_e(article.title)}</h1>
<div class="newsInfo"><span class="date">{when:%H:%M}, {when.day:02d} {_EN_MONTHS[when.month - 1]} \
{when.year}</span> <span class="author">Author: {_e(article.author)}</span></div>
<div class="lead">{_e(article.subtitle)}</div>
<div class="cont">
<div class="photo"><img src="/media/{article.slug}.jpg" alt=""><p class="photo-caption">\
Photo {_e(article.image_credit)}. {_e(article.image_caption)}</p></div>
{_paragraphs(article)}
<p class="copyright-note">Reprinting of {_e(site.outlet.name)} materials is allowed only with an \
active hyperlink to the source.</p>
</div>
<div class="share">Share: <a href="#">Facebook</a> <a href="#">Telegram</a> <a href="#">X</a></div>
</div>"""


class TickerStyle(Style):
    """A regional English-language outlet (Times of Central Asia-like): a currency ticker repeated
    several times at the top of every page, "Viewing results" on listings."""

    _RATES = (
        ("KGS", "0.01144", "0%"),
        ("KZT", "0.00193", "-0.12%"),
        ("TJS", "0.0937", "0%"),
        ("TMT", "0.2857", "0%"),
        ("UZS", "0.0000791", "+0.05%"),
    )
    _TICKER_REPEATS = 8
    article_regex = r"/\d{4}/\d{2}/\d{2}/[a-z0-9-]+/"

    def article_path(self, article: SampleArticle) -> str:
        return f"/{article.published:%Y/%m/%d}/{article.slug}/"

    def section_path(self, section: str) -> str:
        return f"/category/{slugify(section)}/"

    def article_head(self, site: Site, article: SampleArticle) -> str:
        return _published_meta(article)

    def document(self, site: Site, lang: str, title: str, head: str, main: str) -> str:
        one = "".join(
            f'<span class="ticker-item">• {c}/USD = {rate} {change}</span>\n'
            for c, rate, change in self._RATES
        )
        body = f"""<div class="ticker-wrap"><div class="ticker">
{one * self._TICKER_REPEATS}</div></div>
<header class="site-header"><a class="logo" href="/">{_e(site.outlet.name)}</a>
<p class="tagline">{_e(site.outlet.tagline)}</p>
{_nav(site)}
<form class="search" action="/"><input name="s" placeholder="Search"></form></header>
{main}
<footer class="site-footer"><p>© 2026 {_e(site.outlet.name)}</p><p>\
<a href="{self.about_path}">About us</a> \
<a href="/contact/">Contact</a></p></footer>
<div class="cookie-consent">This website uses cookies to improve your experience. \
<button type="button">Accept</button></div>"""
        return _html(lang, title, head, body)

    def article_body(self, site: Site, article: SampleArticle) -> str:
        when = article.published
        return f"""<main class="site-main"><article class="post">
<div class="category-label"><a href="{self.section_path(article.section)}">{_e(article.section)}\
</a></div>
<h1 class="entry-title">{_e(article.title)}</h1>
<div class="entry-excerpt">{_e(article.subtitle)}</div>
<div class="post-meta">By <a class="author" href="/author/{slugify(article.author)}/">\
{_e(article.author)}</a> · <time datetime="{when.isoformat()}">{_EN_MONTHS[when.month - 1]} \
{when.day}, {when.year}</time></div>
<figure class="featured-image">\
<img src="/media/{article.slug}.jpg" alt="{_e(article.image_caption)}">\
<figcaption>{_e(article.image_caption)} Image: {_e(article.image_credit)}</figcaption></figure>
<div class="entry-content">
{_paragraphs(article)}
</div>
{_tags(site, article, "Tags:")}
<div class="newsletter-box"><h3>Sign up for our newsletter</h3>\
<p>The week’s news from Central Asia, \
every Monday.</p></div>
</article>
<section class="related"><h3>Related stories</h3>{_links(site, site.others(article, 3))}</section>
</main>"""

    def listing_body(self, site: Site, listing: Listing) -> str:
        count = len(listing.items)
        results = f'<p class="results">Viewing results 1 - {count} of {listing.total}</p>'
        return super().listing_body(site, listing).replace("</h1>", f"</h1>\n{results}", 1)


class RegionalStyle(Style):
    """An old-fashioned Russian-language regional newspaper site: table layout, windows-1251,
    "Читайте также", a view counter; the date is only in the page text and the feed."""

    pager_labels = ("« Назад", "Вперёд »")
    _DOCTYPE = '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">'
    article_regex = r"/novosti/\d+-[a-z0-9-]+\.html"

    def article_path(self, article: SampleArticle) -> str:
        return f"/novosti/{article.number}-{article.slug}.html"

    def section_path(self, section: str) -> str:
        return f"/rubric/{slugify(section)}/"

    def page_path(self, root: str, page: int) -> str:
        return root if page == 1 else f"{root}?page={page}"

    def document(self, site: Site, lang: str, title: str, head: str, main: str) -> str:
        menu = "".join(
            f'<a href="{self.section_path(s)}">{_e(s)}</a><br>\n' for s in _sections(site)
        )
        clock = site.clock
        body = f"""<table width="100%" class="main" cellpadding="0" cellspacing="0">
<tr><td colspan="2" class="top"><a href="/">\
<img src="/img/logo.gif" alt="{_e(site.outlet.name)}"></a> \
{_e(site.outlet.tagline)} | {clock.day} {_RU_MONTHS[clock.month - 1]} {clock.year}</td></tr>
<tr><td class="menu" width="200" valign="top"><a href="/">Главная</a><br>
{menu}<a href="/archive/">Архив</a><br><a href="/reklama/">Реклама</a><br></td>
<td class="content" valign="top">
{main}
</td></tr>
<tr><td colspan="2" class="bottom">© 2003–2026 «{_e(site.outlet.name)}». \
При перепечатке материалов ссылка на «{_e(site.outlet.name)}» обязательна.<br>\
Адрес редакции: г. Шымкент, ул. Тауке хана. \
Телефон редакции: +7 7252 00 00 00.</td></tr></table>"""
        return _html(lang, title, head, body, doctype=self._DOCTYPE)

    def article_body(self, site: Site, article: SampleArticle) -> str:
        views = 300 + (article.number or 0) % 2000
        return f"""<div class="path"><a href="/">Главная</a> » \
<a href="{self.section_path(article.section)}">\
{_e(article.section)}</a></div>
<h1>{_e(article.title)}</h1>
<div class="date">{article.published:%d.%m.%Y %H:%M} | Автор: {_e(article.author)}</div>
<div class="anons"><b>{_e(article.subtitle)}</b></div>
<div class="foto"><img src="/foto/{article.number}.jpg" alt=""><br><i>{_e(article.image_caption)} \
Фото: {_e(article.image_credit)}</i></div>
<div class="text">
{_paragraphs(article)}
</div>
<div class="readmore"><b>Читайте также:</b>{_links(site, site.others(article, 3))}</div>
<div class="counter">Просмотров: {views}</div>"""


class GazetaStyle(Style):
    """A bilingual national news site (Gazeta.uz-like): Russian (/ru/) and Uzbek Latin (/oz/)
    editions, each with its own paginated front page and "other news" block."""

    roots: ClassVar[dict[str, str]] = {"ru": "/ru/", "uz": "/oz/"}
    page_size = 3
    pager_labels = ("«", "»")
    article_regex = r"/(?:ru|oz)/\d{4}/\d{2}/\d{2}/[a-z0-9-]+/"
    redirects = ("/",)
    _LABELS: ClassVar[dict[str, dict[str, str]]] = {
        "ru": {
            "share": "Поделиться:",
            "other": "Другие новости",
            "tags": "Теги:",
            "rights": "Все права защищены. Использование материалов допускается при наличии "
            "гиперссылки на источник.",
        },
        "uz": {
            "share": "Ulashish:",
            "other": "Boshqa yangiliklar",
            "tags": "Teglar:",
            "rights": "Barcha huquqlar himoyalangan. Materiallardan foydalanishda manbaga "
            "havola berilishi shart.",
        },
    }

    def article_path(self, article: SampleArticle) -> str:
        return f"{self.roots[article.language]}{article.published:%Y/%m/%d}/{article.slug}/"

    def section_path(self, section: str) -> str:
        return f"/section/{slugify(section)}/"

    def tag_path(self, tag: str) -> str:
        return f"/tag/{slugify(tag)}/"

    def page_path(self, root: str, page: int) -> str:
        return root if page == 1 else f"{root}?page={page}"

    def article_head(self, site: Site, article: SampleArticle) -> str:
        return _json_ld(site, article)

    def document(self, site: Site, lang: str, title: str, head: str, main: str) -> str:
        labels = self._LABELS.get(lang, self._LABELS["ru"])
        body = f"""<header class="header"><a class="logo" href="{self.roots.get(lang, "/ru/")}">\
{_e(site.outlet.name)}</a>
<div class="lang"><a href="/ru/">Русский</a> | <a href="/oz/">Oʻzbekcha</a></div>
{_nav(site, lang if lang in self.roots else None)}</header>
<main class="content">
{main}
</main>
<footer class="footer"><p>© 2026 «{_e(site.outlet.name)}». {_e(labels["rights"])}</p></footer>"""
        return _html(lang, title, head, body)

    def article_body(self, site: Site, article: SampleArticle) -> str:
        labels = self._LABELS[article.language]
        return f"""<article class="article">
<div class="articleDateTime">{article.published:%d.%m.%Y, %H:%M}</div>
<h1 id="article_title">{_e(article.title)}</h1>
<div class="articleLead">{_e(article.subtitle)}</div>
<figure class="articleImg"><img src="/media/{article.slug}.jpg" alt=""><figcaption>\
{_e(article.image_caption)} Фото: {_e(article.image_credit)}</figcaption></figure>
<div class="js-mediator-article articleContent">
{_paragraphs(article)}
</div>
<div class="articleAuthor">{_e(article.author)}</div>
<div class="articleShare">{labels["share"]} <a href="#">Telegram</a> <a href="#">Facebook</a> \
<a href="#">X</a></div>
{_tags(site, article, labels["tags"])}
</article>
<section class="otherNews"><h3>{labels["other"]}</h3>\
{_links(site, site.others(article, 5), with_date="%d.%m.%Y %H:%M")}</section>"""


STYLES: dict[str, Style] = {
    "wordpress": WordPressStyle(),
    "agency": AgencyStyle(),
    "pangea": PangeaStyle(),
    "newsfeed": NewsfeedStyle(),
    "ticker": TickerStyle(),
    "regional": RegionalStyle(),
    "gazeta": GazetaStyle(),
}
"""Template styles by the ``template`` name used in the site files."""
