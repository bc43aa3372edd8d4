"""Link entries: date normalisation, absolute URLs, the outlet filter and newest-first order."""

from __future__ import annotations

import pytest

from crawler.fetch.discovery.links import (
    DiscoveryError,
    LinkEntry,
    absolute_url,
    article_links,
    newest_first,
    normalize_date,
)
from settings.registry import Outlet, load_registry_text

REGISTRY = """
[[outlet]]
id = "steppe"
name = "Steppe Herald"
country = "KZ"
languages = ["ru"]
homepage = "https://www.steppe.example/"
feeds = ["https://www.steppe.example/rss"]
article_pattern = '^https://(?:www\\.)?steppe\\.example/news/\\d+-[a-z0-9-]+/$'
"""


@pytest.fixture
def outlet() -> Outlet:
    return load_registry_text(REGISTRY)[0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Tue, 03 Mar 2026 09:15:00 +0500", "2026-03-03T09:15:00+05:00"),
        ("Tue, 03 Mar 2026 09:15:00 GMT", "2026-03-03T09:15:00Z"),
        ("03 Mar 2026 09:15 +0000", "2026-03-03T09:15:00Z"),
        ("Tue, 03 Mar 2026 09:15:00 -0000", "2026-03-03T09:15:00"),
        ("2026-03-03T09:15:00+05:00", "2026-03-03T09:15:00+05:00"),
        ("2026-03-03T04:15:00.250+00:00", "2026-03-03T04:15:00Z"),
        ("2026-03-03T04:15Z", "2026-03-03T04:15:00Z"),
        ("2026-03-03 09:15:00", "2026-03-03T09:15:00"),
        ("  2026-03-03\n", "2026-03-03"),
        ("2026-02-30", None),
        ("0001-01-01T00:00:00Z", None),
        ("1900-01-01", None),
        ("1970-01-01T00:00:00Z", None),
        ("2026-03-03 at noon", "2026-03-03T00:00:00"),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_date(raw: str | None, expected: str | None) -> None:
    assert normalize_date(raw) == expected


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("../b.html", "https://x.example/b.html"),
        ("  /c\n/d\t ", "https://x.example/c/d"),
        ("//cdn.example/e", "https://cdn.example/e"),
        ("HTTP://X.example/F", "HTTP://X.example/F"),
        ("mailto:desk@x.example", None),
        ("javascript:void(0)", None),
        ("http://[broken/", None),
        ("", None),
        (None, None),
    ],
)
def test_absolute_url(link: str | None, expected: str | None) -> None:
    assert absolute_url(link, "https://x.example/a/page") == expected


def test_article_links_keep_articles_canonicalised_once(outlet: Outlet) -> None:
    entries = [
        LinkEntry("https://www.steppe.example/news/12-grain-prices/?utm_source=rss", title="Grain"),
        LinkEntry("https://www.steppe.example/about/", title="About us"),
        LinkEntry("https://steppe.example.evil.test/news/13-fake/", title="Elsewhere"),
        LinkEntry("https://WWW.Steppe.example/news/12-grain-prices/#comments",
                  "2026-03-01T10:00:00+05:00", "2026-03-02", "Other title"),
        LinkEntry("https://steppe.example/news/14-wool/", modified="2026-03-03"),
        LinkEntry("https://www.steppe.example:99999/news/15-bad-port/"),
    ]  # fmt: skip
    assert article_links(entries, outlet) == [
        LinkEntry("https://www.steppe.example/news/12-grain-prices/",
                  "2026-03-01T10:00:00+05:00", "2026-03-02", "Grain"),
        LinkEntry("https://steppe.example/news/14-wool/", modified="2026-03-03"),
    ]  # fmt: skip


def test_newest_first_uses_the_latest_date_and_keeps_undated_last() -> None:
    entries = [
        LinkEntry("https://x.example/undated-1"),
        LinkEntry("https://x.example/old", published="2026-01-01T00:00:00Z"),
        LinkEntry("https://x.example/updated", "2025-12-01", "2026-03-01T12:00:00+05:00"),
        LinkEntry("https://x.example/new", published="2026-03-01T08:00:00Z"),
        LinkEntry("https://x.example/naive", published="2026-02-01T00:00:00"),
        LinkEntry("https://x.example/undated-2"),
        LinkEntry("https://x.example/same-as-new", published="2026-03-01T13:00:00+05:00"),
    ]
    assert [e.url.rsplit("/", 1)[1] for e in newest_first(entries)] == [
        "new", "same-as-new", "updated", "naive", "old", "undated-1", "undated-2",
    ]  # fmt: skip


def test_discovery_error_is_a_value_error_with_a_reason() -> None:
    error = DiscoveryError("not-a-feed", "an HTML page")
    assert isinstance(error, ValueError)
    assert (error.reason, error.detail) == ("not-a-feed", "an HTML page")
    assert str(error) == "not-a-feed: an HTML page"
    assert str(DiscoveryError("empty")) == "empty"
