"""Sitemap parsing (urlset, index, news, gzip, text, hostile bodies) and robots.txt sitemaps."""

from __future__ import annotations

import gzip
import zlib

import pytest

from crawler.fetch.discovery import sitemaps
from crawler.fetch.discovery.links import DiscoveryError, LinkEntry
from crawler.fetch.discovery.safexml import MAX_DECOMPRESSED_SIZE
from crawler.fetch.discovery.sitemaps import Sitemap, parse_sitemap, sitemap_urls_from_robots

SITEMAP_URL = "https://news.example/sitemap.xml"

URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url>
    <loc>https://news.example/2026/03/melon-festival/</loc>
    <lastmod>2026-03-04T11:20:00+05:00</lastmod>
    <image:image><image:loc>https://cdn.example/melon.jpg</image:loc></image:image>
  </url>
  <url><loc> /2026/03/relative-loc/ </loc><lastmod>2026-03-03</lastmod></url>
  <url><loc>ftp://news.example/file</loc></url>
  <url><lastmod>2026-03-01</lastmod></url>
  <url><loc>https://news.example/2026/03/bad-date/</loc><lastmod>yesterday</lastmod></url>
</urlset>"""

NEWS = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url>
    <loc>https://news.example/2026/03/caravan-route/</loc>
    <news:news>
      <news:publication><news:name>Example News</news:name><news:language>ru</news:language>
      </news:publication>
      <news:publication_date>2026-03-05T06:45:00+06:00</news:publication_date>
      <news:title>Old caravan route <![CDATA[&amp;]]> new road</news:title>
    </news:news>
  </url>
</urlset>"""

INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://news.example/sitemap-news.xml</loc><lastmod>2026-03-05T07:00:00Z</lastmod></sitemap>
  <sitemap><loc>https://news.example/sitemap-2026-02.xml.gz</loc></sitemap>
</sitemapindex>"""


def test_urlset_with_lastmod_and_relative_loc() -> None:
    assert parse_sitemap(URLSET, SITEMAP_URL) == Sitemap("urlset", [
        LinkEntry("https://news.example/2026/03/melon-festival/",
                  modified="2026-03-04T11:20:00+05:00"),
        LinkEntry("https://news.example/2026/03/relative-loc/", modified="2026-03-03"),
        LinkEntry("https://news.example/2026/03/bad-date/"),
    ])  # fmt: skip


def test_news_sitemap_publication_date_and_title() -> None:
    assert parse_sitemap(NEWS, SITEMAP_URL).entries == [
        LinkEntry("https://news.example/2026/03/caravan-route/",
                  published="2026-03-05T06:45:00+06:00", title="Old caravan route & new road")
    ]  # fmt: skip


def test_sitemap_index() -> None:
    assert parse_sitemap(INDEX, SITEMAP_URL) == Sitemap("index", [
        LinkEntry("https://news.example/sitemap-news.xml", modified="2026-03-05T07:00:00Z"),
        LinkEntry("https://news.example/sitemap-2026-02.xml.gz"),
    ])  # fmt: skip


def test_gzip_sitemap_by_magic_bytes() -> None:
    gzipped = gzip.compress(NEWS)
    assert parse_sitemap(gzipped, SITEMAP_URL + ".gz") == parse_sitemap(NEWS, SITEMAP_URL)


def test_multi_member_and_truncated_gzip() -> None:
    half = len(URLSET) // 2
    members = gzip.compress(URLSET[:half]) + gzip.compress(URLSET[half:])
    assert parse_sitemap(members, SITEMAP_URL) == parse_sitemap(URLSET, SITEMAP_URL)
    truncated = gzip.compress(URLSET)[:-60]
    assert parse_sitemap(truncated, SITEMAP_URL).entries[0].url == (
        "https://news.example/2026/03/melon-festival/"
    )


def test_corrupt_gzip() -> None:
    corrupt = bytearray(gzip.compress(URLSET))
    corrupt[12:40] = b"\xff" * 28
    with pytest.raises(DiscoveryError) as caught:
        parse_sitemap(bytes(corrupt), SITEMAP_URL)
    assert caught.value.reason == "bad-gzip"


def _gzip_of_zeros(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * (1024 * 1024)
    return b"".join(packer.compress(block) for _ in range(size // len(block))) + packer.flush()


def test_gzip_bomb_stops_at_the_default_cap() -> None:
    bomb = _gzip_of_zeros(MAX_DECOMPRESSED_SIZE + 8 * 1024 * 1024)
    assert len(bomb) < 200_000
    with pytest.raises(DiscoveryError) as caught:
        parse_sitemap(bomb, SITEMAP_URL)
    assert caught.value.reason == "too-large"


def test_size_cap_applies_to_plain_and_gzip_bodies() -> None:
    for body in (URLSET, gzip.compress(URLSET)):
        with pytest.raises(DiscoveryError) as caught:
            parse_sitemap(body, SITEMAP_URL, max_size=len(URLSET) - 1)
        assert caught.value.reason == "too-large"
        assert parse_sitemap(body, SITEMAP_URL, max_size=len(URLSET)).kind == "urlset"


def test_entries_past_the_limit_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sitemaps, "MAX_SITEMAP_ENTRIES", 2)
    body = (
        b"<urlset>"
        + b"".join(b"<url><loc>https://news.example/%d</loc></url>" % n for n in range(10))
        + b"</urlset>"
    )
    assert [e.url for e in parse_sitemap(body, SITEMAP_URL).entries] == [
        "https://news.example/0",
        "https://news.example/1",
    ]


def test_broken_xml_is_recovered() -> None:
    body = (
        b"<urlset>\n<url><loc>https://news.example/search?q=a&page=2</loc></url>\n"
        b"<url><loc>https://news.example/x\x01y</loc><lastmod>2026-03-01</lastmod></url>\n"
        b"<url><loc>https://news.example/after?a=1&amp;b=2</loc></url>\n"
    )
    assert [e.url for e in parse_sitemap(body, SITEMAP_URL).entries] == [
        "https://news.example/search?q=a&page=2",
        "https://news.example/xy",
        "https://news.example/after?a=1&b=2",
    ]


def test_text_sitemap_and_feed_as_sitemap() -> None:
    text = b"\xef\xbb\xbfhttps://news.example/a\n\n  https://news.example/b  \nnot a url\n"
    assert parse_sitemap(text, SITEMAP_URL) == Sitemap(
        "urlset", [LinkEntry("https://news.example/a"), LinkEntry("https://news.example/b")]
    )
    feed = b"<rss><channel><item><title>T</title><link>/c</link></item></channel></rss>"
    assert parse_sitemap(feed, SITEMAP_URL) == Sitemap(
        "urlset", [LinkEntry("https://news.example/c", title="T")]
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty"),
        (gzip.compress(b"   "), "empty"),
        (b"<!doctype html><html><body>Not found</body></html>", "not-a-sitemap"),
        (b"<error><message>quota</message></error>", "not-a-sitemap"),
        (b"Service temporarily unavailable", "not-a-sitemap"),
        (b"<<<>>>", "unparsable"),
    ],
)
def test_bodies_that_are_not_sitemaps(body: bytes, reason: str) -> None:
    with pytest.raises(DiscoveryError) as caught:
        parse_sitemap(body, SITEMAP_URL)
    assert caught.value.reason == reason


def test_billion_laughs_sitemap_is_refused() -> None:
    entities = b'<!ENTITY lol0 "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (n, b"&lol%d;" % (n - 1) * 10) for n in range(1, 10)
    )
    body = (
        b'<?xml version="1.0"?><!DOCTYPE urlset [' + entities + b"]>"
        b"<urlset><url><loc>https://news.example/&lol9;</loc></url></urlset>"
    )
    with pytest.raises(DiscoveryError) as caught:
        parse_sitemap(body, SITEMAP_URL)
    assert caught.value.reason == "unparsable"


def test_external_entity_in_sitemap_is_not_read(tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    body = (
        b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM "'
        + secret.as_uri().encode()
        + b'">]>'
        b"<urlset><url><loc>https://news.example/leak/&xxe;</loc></url></urlset>"
    )
    assert parse_sitemap(body, SITEMAP_URL).entries == [LinkEntry("https://news.example/leak/")]


def test_sitemap_urls_from_robots() -> None:
    robots = (
        b"\xef\xbb\xbfUser-agent: *\nDisallow: /search\n"
        b"Sitemap: https://news.example/sitemap-index.xml\n"
        b"sitemap:/news-sitemap.xml   # the news one\n"
        b"  SITEMAP: https://news.example/sitemap-index.xml\n"
        b"Sitemap: ftp://news.example/old.xml\n"
        b"Sitemap:\n"
    )
    assert sitemap_urls_from_robots(robots, "https://news.example/robots.txt") == [
        "https://news.example/sitemap-index.xml",
        "https://news.example/news-sitemap.xml",
    ]
    no_sitemaps = b"User-agent: *\nDisallow:\n"
    assert sitemap_urls_from_robots(no_sitemaps, "https://x.example/robots.txt") == []
