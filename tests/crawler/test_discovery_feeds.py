"""Feed parsing: RSS 2.0, RSS 1.0, Atom, broken and hostile bodies. All feeds are invented."""

from __future__ import annotations

import gzip

import pytest

from crawler.fetch.discovery.feeds import feed_entries, looks_like_feed
from crawler.fetch.discovery.links import DiscoveryError, LinkEntry

FEED_URL = "https://news.example/rss/"

RSS2 = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>Example News</title>
    <link>https://news.example/</link>
    <item>
      <title>Steppe orchard harvest doubles</title>
      <link>https://news.example/2026/03/orchard-harvest/</link>
      <pubDate>Tue, 03 Mar 2026 09:15:00 +0500</pubDate>
    </item>
    <item>
      <title>  River   port reopens </title>
      <link>/2026/03/river-port/</link>
      <dc:date>2026-03-02T18:00:00Z</dc:date>
    </item>
    <item>
      <title>Guid only</title>
      <guid>https://news.example/2026/03/guid-only/</guid>
    </item>
    <item>
      <title>Atom link only</title>
      <atom:link rel="alternate" href="https://news.example/2026/03/atom-link/"/>
      <atom:updated>2026-03-01T08:00:00+06:00</atom:updated>
    </item>
    <item>
      <title>Not a link: a numeric guid</title>
      <guid isPermaLink="false">https://news.example/not-a-permalink</guid>
      <guid>48213</guid>
    </item>
  </channel>
</rss>
"""


def test_rss2_items_links_titles_and_dates() -> None:
    assert feed_entries(RSS2, FEED_URL) == [
        LinkEntry("https://news.example/2026/03/orchard-harvest/", "2026-03-03T09:15:00+05:00",
                  None, "Steppe orchard harvest doubles"),
        LinkEntry("https://news.example/2026/03/river-port/", "2026-03-02T18:00:00Z", None,
                  "River port reopens"),
        LinkEntry("https://news.example/2026/03/guid-only/", None, None, "Guid only"),
        LinkEntry("https://news.example/2026/03/atom-link/", None, "2026-03-01T08:00:00+06:00",
                  "Atom link only"),
    ]  # fmt: skip


def test_rss1_rdf_feed() -> None:
    body = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://rdf.example/"><title>RDF</title><link>https://rdf.example/</link></channel>
  <item rdf:about="https://rdf.example/a/1">
    <title>Wool prices</title><link>https://rdf.example/a/1</link>
    <dc:date>2026-02-10T12:00:00+05:00</dc:date>
  </item>
  <item rdf:about="https://rdf.example/a/2"><title>About only</title></item>
</rdf:RDF>"""
    assert feed_entries(body, "https://rdf.example/index.rdf") == [
        LinkEntry("https://rdf.example/a/1", "2026-02-10T12:00:00+05:00", None, "Wool prices"),
        LinkEntry("https://rdf.example/a/2", None, None, "About only"),
    ]


def test_atom_relative_links_resolve_against_xml_base_and_feed_url() -> None:
    body = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://atom.example/blog/">
  <title>Atom Example</title>
  <entry>
    <title type="html">Glacier &lt;em&gt;survey&lt;/em&gt; ends</title>
    <link rel="alternate" type="text/html" href="2026/01/glacier-survey"/>
    <link rel="enclosure" href="/media/glacier.jpg"/>
    <id>tag:atom.example,2026:1</id>
    <published>2026-01-05T10:00:00+06:00</published>
    <updated>2026-01-06T00:00:00Z</updated>
  </entry>
  <entry xml:base="/other/">
    <title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">New <b>bridge</b></div></title>
    <link href="bridge"/>
    <issued>2026-01-04T09:00:00Z</issued>
  </entry>
  <entry>
    <title>Id only</title>
    <id>https://atom.example/blog/id-only</id>
  </entry>
  <entry><title>No link at all</title><id>urn:uuid:1234</id></entry>
</feed>"""
    assert feed_entries(body, "https://atom.example/feed.atom") == [
        LinkEntry("https://atom.example/blog/2026/01/glacier-survey", "2026-01-05T10:00:00+06:00",
                  "2026-01-06T00:00:00Z", "Glacier survey ends"),
        LinkEntry("https://atom.example/other/bridge", "2026-01-04T09:00:00Z", None, "New bridge"),
        LinkEntry("https://atom.example/blog/id-only", None, None, "Id only"),
    ]  # fmt: skip


def test_atom_without_xml_base_resolves_against_the_feed_url() -> None:
    body = b"""<feed xmlns="http://www.w3.org/2005/Atom">
<entry><title>T</title><link href="../posts/7"/></entry></feed>"""
    assert feed_entries(body, "https://atom.example/feeds/all.atom") == [
        LinkEntry("https://atom.example/posts/7", title="T")
    ]


def test_cp1251_feed_declared_in_the_prolog() -> None:
    body = """<?xml version="1.0" encoding="windows-1251"?>
<rss version="2.0"><channel><item>
<title>Урожай яблок в долине вырос</title>
<link>https://kz.example/news/2026/04/apples/</link>
<pubDate>Wed, 01 Apr 2026 07:30:00 GMT</pubDate>
</item></channel></rss>""".encode("cp1251")
    assert feed_entries(body, "https://kz.example/rss") == [
        LinkEntry("https://kz.example/news/2026/04/apples/", "2026-04-01T07:30:00Z", None,
                  "Урожай яблок в долине вырос")
    ]  # fmt: skip


def test_entities_inside_cdata_are_decoded() -> None:
    body = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><item>
<title><![CDATA[Mayor says &laquo;yes&raquo; to the &quot;green&quot; plan & more]]></title>
<link><![CDATA[https://uz.example/ru/2026/05/01/plan/?a=1&amp;b=2]]></link>
<enclosure url="https://uz.example/img/plan.jpg"/>
</item></channel></rss>"""
    assert feed_entries(body, "https://uz.example/ru/rss/") == [
        LinkEntry("https://uz.example/ru/2026/05/01/plan/?a=1&b=2",
                  title='Mayor says «yes» to the "green" plan & more')
    ]  # fmt: skip


def test_invalid_xml_is_recovered() -> None:
    # Bare ampersands, a control character, an undeclared HTML entity and an unclosed tag.
    body = (
        b'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>\n'
        b"<item><title>Tea & sugar\x0b prices&nbsp;rise</title>"
        b"<link>https://uz.example/news/2026/05/02/tea?x=1&y=2</link></item>\n"
        b"<item><title>Dam <b>repairs</title><link>https://uz.example/news/2026/05/02/dam</link></item>\n"
        b"<item><title>After the damage</title>"
        b"<link>https://uz.example/news/2026/05/02/after?p=1&amp;q=2</link></item>\n"
        b"</channel></rss>"
    )
    entries = feed_entries(body, "https://uz.example/ru/news/rss")
    assert [e.url for e in entries] == [
        "https://uz.example/news/2026/05/02/tea?x=1&y=2",
        "https://uz.example/news/2026/05/02/dam",
        "https://uz.example/news/2026/05/02/after?p=1&q=2",
    ]
    assert entries[0].title == "Tea & sugar prices rise"


def test_gzipped_feed_and_leading_bom_and_white_space() -> None:
    body = b"\xef\xbb\xbf\n  " + RSS2
    assert feed_entries(body, FEED_URL) == feed_entries(RSS2, FEED_URL)
    assert feed_entries(gzip.compress(RSS2), FEED_URL) == feed_entries(RSS2, FEED_URL)


def test_feed_without_items_is_an_empty_list() -> None:
    body = b'<rss version="2.0"><channel><title>Quiet</title></channel></rss>'
    assert feed_entries(body, FEED_URL) == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty"),
        (b" \n\t", "empty"),
        (b"<!DOCTYPE html>\n<html><head><title>Feed</title></head><body>Hello</body></html>",
         "not-a-feed"),
        (b"<html><body><p>Our feed moved</p></body></html>", "not-a-feed"),
        (b"<!-- cached --><html lang='en'><body>x</body></html>", "not-a-feed"),
        (b'<?xml version="1.0"?><urlset><url><loc>https://x.example/</loc></url></urlset>',
         "not-a-feed"),
        (b"this is not xml at all", "unparsable"),
        (b"\x00\x01\x02\x03", "unparsable"),
    ],
)  # fmt: skip
def test_bodies_that_are_not_feeds(body: bytes, reason: str) -> None:
    with pytest.raises(DiscoveryError) as caught:
        feed_entries(body, FEED_URL)
    assert caught.value.reason == reason


def _billion_laughs(root: bytes) -> bytes:
    entities = b'<!ENTITY lol0 "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (n, b"&lol%d;" % (n - 1) * 10) for n in range(1, 10)
    )
    return b'<?xml version="1.0"?>\n<!DOCTYPE lolz [' + entities + b"]>\n" + root


BILLION_LAUGHS = _billion_laughs(
    b"<rss><channel><item><title>&lol9;</title><link>https://x.example/a</link></item>"
    b"</channel></rss>"
)
QUADRATIC_BLOWUP = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY big "' + b"B" * 100_000 + b'">]>'
    b"<rss><channel><item><title>" + b"&big;" * 50_000 + b"</title>"
    b"<link>https://x.example/b</link></item></channel></rss>"
)


@pytest.mark.parametrize(
    "body", [BILLION_LAUGHS, QUADRATIC_BLOWUP], ids=["billion-laughs", "quadratic-blowup"]
)
def test_entity_bombs_are_refused_without_expansion(body: bytes) -> None:
    with pytest.raises(DiscoveryError) as caught:
        feed_entries(body, FEED_URL)
    assert caught.value.reason == "unparsable"
    assert "amplification" in caught.value.detail


def test_external_entities_are_not_read(tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    body = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "'
        + secret.as_uri().encode()
        + b'"><!ENTITY net SYSTEM "http://127.0.0.1:9/x">]>'
        b"<rss><channel><item><title>Leak: &xxe;&net;</title>"
        b"<link>https://x.example/c</link></item></channel></rss>"
    )
    assert feed_entries(body, FEED_URL) == [LinkEntry("https://x.example/c", title="Leak:")]


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (RSS2, None, True),
        (RSS2, "text/html; charset=utf-8", True),
        (b"<feed xmlns='http://www.w3.org/2005/Atom'/>", None, True),
        (b"<!DOCTYPE html><html><body/></html>", "application/rss+xml", False),
        (b"<?xml version='1.0'?><!-- generator -->", "application/atom+xml; charset=utf-8", True),
        (b'{"items": []}', "application/json", False),
        (b"<urlset/>", None, False),
    ],
)  # fmt: skip
def test_looks_like_feed(body: bytes, content_type: str | None, expected: bool) -> None:
    assert looks_like_feed(body, content_type) is expected
