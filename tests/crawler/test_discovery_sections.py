"""Section (listing) pages: links, <base href>, pagination, encodings, bad bodies."""

from __future__ import annotations

import pytest

from crawler.fetch.discovery.links import DiscoveryError, LinkEntry
from crawler.fetch.discovery.sections import (
    SectionPage,
    next_page_links,
    parse_section,
    section_links,
)

PAGE_URL = "https://news.example/latest/"

LISTING = b"""<!DOCTYPE html>
<html><head>
<meta charset="utf-8"><title>Latest</title>
<link rel="stylesheet" href="/style.css">
<link rel="next" href="?page=2">
</head><body>
<nav><a href="#content">Skip</a> <a href="/">Home</a></nav>
<ul>
  <li><a href="/2026/06/yurt-makers/">Yurt makers
      train apprentices</a></li>
  <li><a href="2026/06/relative/"><img src="x.jpg" alt=""></a>
      <a href="2026/06/relative/">Relative link gets its title later</a></li>
  <li><a href="https://other.example/story#comments" title="Elsewhere">  </a></li>
  <li><a href="/2026/06/yurt-makers/#gallery">Photos</a></li>
  <li><a href="javascript:void(0)">Load more</a> <a href="mailto:desk@news.example">Mail</a>
      <a href="tel:+99800000">Call</a> <a>no href</a> <a href="   ">blank</a></li>
</ul>
<a rel="nofollow NEXT" href="/latest/page/2/">Next page</a>
</body></html>"""


def test_links_are_resolved_deduplicated_and_titled() -> None:
    assert section_links(LISTING, PAGE_URL, "text/html; charset=utf-8") == [
        LinkEntry("https://news.example/", title="Home"),
        LinkEntry("https://news.example/2026/06/yurt-makers/",
                  title="Yurt makers train apprentices"),
        LinkEntry("https://news.example/latest/2026/06/relative/",
                  title="Relative link gets its title later"),
        LinkEntry("https://other.example/story", title="Elsewhere"),
        LinkEntry("https://news.example/latest/page/2/", title="Next page"),
    ]  # fmt: skip


def test_next_page_links_from_link_and_anchor_rel() -> None:
    assert next_page_links(LISTING, PAGE_URL) == [
        "https://news.example/latest/?page=2",
        "https://news.example/latest/page/2/",
    ]


def test_parse_section_gives_both_in_one_parse() -> None:
    page = parse_section(LISTING, PAGE_URL)
    assert page == SectionPage(section_links(LISTING, PAGE_URL), next_page_links(LISTING, PAGE_URL))


def test_base_href_is_honoured() -> None:
    body = b"""<html><head><base href="/archive/2026/"></head>
<body><a href="june/story">Story</a><a href="//cdn.example/x">CDN</a></body></html>"""
    assert section_links(body, PAGE_URL) == [
        LinkEntry("https://news.example/archive/2026/june/story", title="Story"),
        LinkEntry("https://cdn.example/x", title="CDN"),
    ]


def test_charset_from_meta_and_from_the_header() -> None:
    html = (
        '<html><head><meta charset="windows-1251"></head>'
        '<body><a href="/a">Новости дня</a></body></html>'
    )
    assert section_links(html.encode("cp1251"), PAGE_URL) == [
        LinkEntry("https://news.example/a", title="Новости дня")
    ]
    bare = '<html><body><a href="/b">Погода</a></body></html>'.encode("cp1251")
    assert section_links(bare, PAGE_URL, "text/html; charset=windows-1251") == [
        LinkEntry("https://news.example/b", title="Погода")
    ]


def test_xhtml_with_an_xml_declaration() -> None:
    body = b"""<?xml version="1.0" encoding="utf-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><body><a href="/x">X</a></body></html>"""
    assert section_links(body, PAGE_URL, "application/xhtml+xml") == [
        LinkEntry("https://news.example/x", title="X")
    ]


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"", None, "empty"),
        (b"\n  \n", "text/html", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", None, "not-html"),
        (b"<html></html>", "image/png", "not-html"),
        (b'{"items": []}', "application/json", "not-html"),
    ],
)
def test_bodies_that_are_not_listing_pages(
    body: bytes, content_type: str | None, reason: str
) -> None:
    with pytest.raises(DiscoveryError) as caught:
        section_links(body, PAGE_URL, content_type)
    assert caught.value.reason == reason


def test_page_without_links() -> None:
    assert parse_section(b"<p>Nothing to see</p>", PAGE_URL) == SectionPage([], [])
