"""The bundled sample outlets and their local server (crawler/demo): what the demo and the crawl
tests rely on. Everything is fetched over real HTTP with urllib."""

from __future__ import annotations

import gzip
import re
import time
import tomllib
import urllib.request
from collections.abc import Iterator, Mapping
from datetime import datetime
from email.message import Message
from urllib.error import HTTPError
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
import pytest

from crawler.demo.content import load_expected, load_outlets
from crawler.demo.server import Request, Response, SampleOutlets, serve_sample_outlets

REGISTRY_KEYS = {
    "id",
    "name",
    "country",
    "languages",
    "homepage",
    "feeds",
    "sitemaps",
    "sections",
    "article_pattern",
    "allowed_domains",
    "interval",
    "obey_robots",
}
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
TEXT = {"Content-Type": "text/plain"}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(
    url: str, headers: Mapping[str, str] | None = None, timeout: float = 5
) -> tuple[int, Message, bytes]:
    """GET without following redirects: (status, headers, body), for error statuses too."""
    request = urllib.request.Request(url, headers=dict(headers or {}))
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


@pytest.fixture(scope="module")
def sites() -> Iterator[SampleOutlets]:
    with serve_sample_outlets() as served:
        yield served


@pytest.fixture(scope="module")
def registry(sites: SampleOutlets) -> dict[str, dict]:
    return {o["id"]: o for o in tomllib.loads(sites.registry_toml)["outlet"]}


def _xml(url: str) -> lxml.etree._Element:
    status, _, body = fetch(url)
    assert status == 200, url
    if url.endswith(".gz"):
        body = gzip.decompress(body)
    return lxml.etree.fromstring(body, parser=lxml.etree.XMLParser(resolve_entities=False))


def _discovered(entry: dict) -> set[str]:
    """Article URLs an outlet's registry entry leads to: feed and sitemap entries, section pages
    followed through their rel=next links."""
    pattern = re.compile(entry["article_pattern"])
    found: set[str] = set()
    for feed in entry["feeds"]:
        root = _xml(feed)
        found |= {e.text for e in root.iter("link") if e.text}
        found |= {e.get("href") for e in root.iter(f"{ATOM}link") if e.get("rel") == "alternate"}
    for index in entry["sitemaps"]:
        for child in _xml(index).iter(f"{SITEMAP}loc"):
            found |= {loc.text for loc in _xml(child.text).iter(f"{SITEMAP}loc")}
    for section in entry["sections"]:
        url: str | None = section
        while url:
            status, _, body = fetch(url)
            assert status == 200, url
            page = lxml.html.fromstring(body, base_url=url)
            found |= {urljoin(url, a.get("href")) for a in page.iter("a") if a.get("href")}
            nexts = page.xpath('//link[@rel="next"]/@href')
            url = nexts[0] if nexts else None
    return {u for u in found if pattern.match(u)}


def test_at_least_six_outlets_and_forty_articles(sites: SampleOutlets) -> None:
    assert len(sites.outlet_ids) >= 6
    assert len(sites.article_urls) >= 40
    hosts = {urlsplit(sites.base_url(o)).hostname for o in sites.outlet_ids}
    assert len(hosts) == len(sites.outlet_ids), "each outlet has its own loopback address"


def test_registry_is_complete_and_matches_every_article(
    sites: SampleOutlets, registry: dict[str, dict]
) -> None:
    assert set(registry) == set(sites.outlet_ids)
    for outlet_id, entry in registry.items():
        assert set(entry) == REGISTRY_KEYS, outlet_id
        assert entry["feeds"] or entry["sitemaps"] or entry["sections"], outlet_id
        assert entry["allowed_domains"] == [urlsplit(sites.base_url(outlet_id)).hostname]
        pattern = re.compile(entry["article_pattern"])
        for key, url in sites.article_urls.items():
            assert bool(pattern.match(url)) == key.startswith(f"{outlet_id}/"), (outlet_id, url)
        assert not pattern.match(entry["homepage"])


def test_discovery_kinds_cover_rss_atom_sitemap_and_sections(registry: dict[str, dict]) -> None:
    feeds = [f for e in registry.values() for f in e["feeds"]]
    roots = [_xml(f).tag for f in feeds]
    assert roots.count("rss") >= 2
    assert f"{ATOM}feed" in roots
    assert any(e["sitemaps"] for e in registry.values())
    assert sum(bool(e["sections"]) for e in registry.values()) >= 1


def test_every_article_is_reachable_through_its_outlets_discovery(
    sites: SampleOutlets, registry: dict[str, dict]
) -> None:
    for outlet_id, entry in registry.items():
        mine = {u for k, u in sites.article_urls.items() if k.startswith(f"{outlet_id}/")}
        assert _discovered(entry) == mine, outlet_id


def test_news_sitemap_is_gzipped_and_dated(registry: dict[str, dict]) -> None:
    (index,) = [s for e in registry.values() for s in e["sitemaps"]]
    children = [loc.text for loc in _xml(index).iter(f"{SITEMAP}loc")]
    news = [c for c in children if c.endswith(".gz")]
    assert news
    status, _, body = fetch(news[0])
    assert status == 200 and body[:2] == b"\x1f\x8b"
    dates = [d.text for d in _xml(news[0]).iter(f"{NEWS}publication_date")]
    assert dates and all(datetime.fromisoformat(d).year == 2026 for d in dates)


def test_every_article_page_answers_in_its_declared_charset(sites: SampleOutlets) -> None:
    outlets = {o.id: o for o in load_outlets()}
    for key, url in sites.article_urls.items():
        outlet_id, slug = key.split("/")
        status, headers, body = fetch(url)
        assert status == 200, url
        charset = headers.get_content_charset()
        assert charset == outlets[outlet_id].encoding, url
        page = lxml.html.fromstring(body.decode(charset))
        assert page.xpath('//link[@rel="canonical"]/@href') == [url]
        assert page.xpath('//meta[@property="og:title"]/@content')
        article = next(a for a in outlets[outlet_id].articles if a.slug == slug)
        text = page.text_content()
        assert article.title in text
        assert all(p in text for p in article.paragraphs), url


def test_windows_1251_outlet_is_served_and_declared_as_cp1251(sites: SampleOutlets) -> None:
    url = next(u for k, u in sites.article_urls.items() if k.startswith("stepnoy-vestnik/"))
    _, headers, body = fetch(url)
    assert headers["Content-Type"] == "text/html; charset=windows-1251"
    assert b'<meta charset="windows-1251">' in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert re.search("[а-яА-ЯёЁ]{5,}", body.decode("cp1251"))
    feed = _xml(sites.base_url("stepnoy-vestnik") + "/rss.xml")
    assert re.search("[а-я]{5,}", feed.findtext("channel/item/title"))


def test_feeds_and_sitemaps_answer_conditional_requests_with_304(registry: dict[str, dict]) -> None:
    documents = [u for e in registry.values() for u in (*e["feeds"], *e["sitemaps"])]
    for url in documents:
        status, headers, _ = fetch(url)
        assert status == 200 and headers["ETag"] and headers["Last-Modified"], url
        assert fetch(url, {"If-None-Match": headers["ETag"]})[:1] == (304,)
        assert fetch(url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
        assert fetch(url, {"If-Modified-Since": "Mon, 01 Jun 2026 00:00:00 GMT"})[0] == 200
        assert fetch(url, {"If-None-Match": '"stale"'})[0] == 200


def test_the_server_counts_gets_and_conditional_gets_per_path_until_reset() -> None:
    with serve_sample_outlets(["ala-too-wire"]) as served:
        feed = tomllib.loads(served.registry_toml)["outlet"][0]["feeds"][0]
        path = urlsplit(feed).path
        _, headers, _ = fetch(feed + "?x=1")
        fetch(feed, {"If-None-Match": headers["ETag"]})
        fetch(feed, {"If-Modified-Since": headers["Last-Modified"]})
        assert served.gets("ala-too-wire")[path] == 3  # query strings dropped
        assert served.conditional_gets("ala-too-wire")[path] == 2
        served.reset_counts()
        assert not served.gets("ala-too-wire") and not served.conditional_gets("ala-too-wire")


def test_listing_and_tag_pages_exist_and_link_articles(sites: SampleOutlets) -> None:
    for outlet_id in sites.outlet_ids:
        base = sites.base_url(outlet_id)
        url = next(u for k, u in sites.article_urls.items() if k.startswith(f"{outlet_id}/"))
        _, headers, body = fetch(url)
        page = lxml.html.fromstring(body.decode(headers.get_content_charset()), base_url=url)
        tags = page.xpath('//a[@rel="tag"]/@href') + page.xpath('//a[contains(@href,"/z/")]/@href')
        sections = page.xpath('//nav//a/@href | //td[@class="menu"]//a/@href')
        for link in (tags + sections)[:3]:
            assert fetch(urljoin(url, link))[0] == 200, (outlet_id, link)
        status, _, robots = fetch(base + "/robots.txt")
        assert status == 200 and b"User-agent: *" in robots


def test_root_redirects_and_unknown_paths_are_404(
    sites: SampleOutlets, registry: dict[str, dict]
) -> None:
    for outlet_id, entry in registry.items():
        base = sites.base_url(outlet_id)
        status, headers, _ = fetch(base + "/")
        if entry["homepage"] != base + "/":
            assert (status, headers["Location"]) == (301, entry["homepage"])
        else:
            assert status == 200
        assert fetch(base + "/no-such-page/")[0] == 404


def test_expected_groups_name_existing_articles_with_the_origin_first() -> None:
    expected = load_expected()
    articles = {a.key: a for o in load_outlets() for a in o.articles}
    groups = expected["clusters"]
    keys = [k for g in groups for k in g]
    assert set(keys) <= set(articles) and len(keys) == len(set(keys))
    assert len(expected["kinds"]) == len(groups)
    for group in groups:
        origin, *copies = group
        assert all(articles[origin].published < articles[c].published for c in copies), group
        assert len({articles[k].outlet for k in group}) == len(group), "one member per outlet"
        assert all(articles[c].copy_of in (None, origin) for c in copies)
    for keys_apart in expected["must_not_link"].values():
        assert set(keys_apart) <= set(articles)
        assert all(sum(k in g for k in keys_apart) <= 1 for g in groups)
    copies = {a.key for a in articles.values() if a.copy_of}
    assert copies <= set(keys), "every copy belongs to a designed group"


def test_expected_clusters_are_live_urls(sites: SampleOutlets) -> None:
    urls = set(sites.article_urls.values())
    assert len(sites.expected_clusters) == len(load_expected()["clusters"])
    assert all(set(group) <= urls for group in sites.expected_clusters)


def test_extra_routes_for_failure_cases(sites: SampleOutlets) -> None:
    base = sites.base_url("osh24")
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        return Response(200, TEXT, request.headers.get("X-Test", "").encode())

    sites.add_route("osh24", "/error/", Response(500, TEXT, b"<h1>oops</h1>"))
    sites.add_route("osh24", "/loop/", Response(302, {"Location": base + "/loop/"}))
    sites.add_route("osh24", "/slow/", Response(200, TEXT, b"late", delay=0.3))
    sites.add_route("osh24", "/echo/", handler)
    sites.add_route("osh24", "/huge.bin", Response(200, TEXT, bytes(3_000_000)))

    assert fetch(base + "/error/")[::2] == (500, b"<h1>oops</h1>")
    assert fetch(base + "/loop/")[0] == 302
    started = time.monotonic()
    assert fetch(base + "/slow/")[2] == b"late"
    assert time.monotonic() - started >= 0.3
    assert fetch(base + "/echo/?q=1", {"X-Test": "hello"})[2] == b"hello"
    assert seen[0].path == "/echo/?q=1"
    assert len(fetch(base + "/huge.bin")[2]) == 3_000_000
    with pytest.raises(TimeoutError):
        sites.add_route("osh24", "/stuck/", Response(200, {}, b"", delay=2))
        fetch(base + "/stuck/", timeout=0.2)


def test_a_subset_of_outlets_can_be_served_and_unknown_ids_are_refused() -> None:
    with serve_sample_outlets(["osh24", "silk-road-times"]) as sites:
        assert sites.outlet_ids == ["osh24", "silk-road-times"]
        assert len(sites.expected_clusters) == 2  # the Toktogul copies and the harvest rewrite
        assert len(tomllib.loads(sites.registry_toml)["outlet"]) == 2
    with pytest.raises(ValueError, match="unknown sample outlet"), serve_sample_outlets(["nope"]):
        pass
