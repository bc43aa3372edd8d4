"""What discovery finds: links to (maybe) articles, with the dates and titles seen beside them.

Feeds, sitemaps and section pages all turn into :class:`LinkEntry` lists; :func:`article_links`
keeps the entries that are articles of an outlet, canonicalised and de-duplicated, and
:func:`newest_first` orders them for crawling.

Dates are normalised to ISO 8601: ``2026-09-20T10:00:00+06:00`` keeps the source's UTC offset,
UTC is written ``Z``, a date without an offset stays without one, and a bare date
(``2026-09-20``) stays a date: no time or zone is invented.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from crawler.times import parse_date, parse_iso
from crawler.urls import canonicalize

if TYPE_CHECKING:
    from settings.registry import Outlet

_DATE_ONLY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_URL_NOISE_RE = re.compile(r"[\t\r\n]")
_ABSOLUTE_HTTP_RE = re.compile(r"https?://[^/]", re.IGNORECASE)


class DiscoveryError(ValueError):
    """A feed, sitemap or listing page could not be read; ``reason`` is a short stats-friendly key.

    Reasons: ``empty``, ``not-a-feed``, ``not-a-sitemap``, ``not-html``, ``unparsable``,
    ``too-large``, ``bad-gzip``.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


@dataclass(frozen=True, slots=True)
class LinkEntry:
    """A discovered link: an absolute URL plus what the feed, sitemap or listing said about it."""

    url: str
    published: str | None = None
    modified: str | None = None
    title: str | None = None


def normalize_date(value: str | None) -> str | None:
    """ISO 8601 form of a feed or sitemap date, or ``None`` if it is not a date.

    Reads ISO 8601 / W3C-DTF (sitemaps, Atom, ``dc:date``) and RFC 822 (RSS ``pubDate``).

    .. code-block:: python

        normalize_date("Sun, 20 Sep 2026 10:00:00 +0600")  # '2026-09-20T10:00:00+06:00'
        normalize_date("2026-09-20T04:00:00+00:00")        # '2026-09-20T04:00:00Z'
        normalize_date("2026-09-20")                       # '2026-09-20'
    """
    parsed = parse_date(value)
    if parsed is None:
        return None
    text = " ".join(value.split())
    if _DATE_ONLY_RE.match(text):
        return text
    rendered = parsed.isoformat(timespec="seconds")
    return rendered[: -len("+00:00")] + "Z" if rendered.endswith("+00:00") else rendered


def absolute_url(link: str | None, base_url: str) -> str | None:
    """``link`` resolved against ``base_url``, or ``None`` unless the result is an http(s) URL.

    Tabs and line breaks are removed and surrounding white space stripped, as browsers do.

    .. code-block:: python

        absolute_url("../b.html", "https://example.com/a/c")   # 'https://example.com/b.html'
        absolute_url("mailto:desk@example.com", "https://example.com/")   # None
    """
    if not link:
        return None
    cleaned = _URL_NOISE_RE.sub("", link).strip()
    if not cleaned:
        return None
    try:
        # urljoin costs more than the rest; big sitemaps hold tens of thousands of absolute URLs.
        url = cleaned if _ABSOLUTE_HTTP_RE.match(cleaned) else urljoin(base_url, cleaned)
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and host else None


def article_links(entries: Iterable[LinkEntry], outlet: Outlet) -> list[LinkEntry]:
    """The entries that are articles of ``outlet``, canonicalised, one per canonical URL.

    The canonical URL (``crawler.urls.canonicalize``) is what ``outlet.is_article_url`` checks,
    so tracking parameters do not hide an article. The first entry of a URL wins; later ones only
    fill the dates or title it lacks. Malformed URLs are skipped.
    """
    kept: dict[str, LinkEntry] = {}
    for entry in entries:
        try:
            url = canonicalize(entry.url)
        except ValueError:
            continue
        if not outlet.is_article_url(url):
            continue
        first = kept.get(url)
        if first is None:
            kept[url] = replace(entry, url=url)
        else:
            kept[url] = replace(
                first,
                published=first.published or entry.published,
                modified=first.modified or entry.modified,
                title=first.title or entry.title,
            )
    return list(kept.values())


def newest_first(entries: Iterable[LinkEntry]) -> list[LinkEntry]:
    """Entries sorted by their latest date (published or modified), newest first.

    Undated entries keep their order after the dated ones. Dates without an offset count as UTC,
    bare dates as midnight UTC.
    """
    dated: list[tuple[datetime, int, LinkEntry]] = []
    undated: list[LinkEntry] = []
    for position, entry in enumerate(entries):
        moments = [m for m in (parse_iso(entry.published), parse_iso(entry.modified)) if m]
        if moments:
            dated.append((max(moments), -position, entry))
        else:
            undated.append(entry)
    dated.sort(key=lambda item: item[:2], reverse=True)
    return [entry for _, _, entry in dated] + undated
