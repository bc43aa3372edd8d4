"""The dashboard's pages through Starlette's HTTP test client: filters, search, escaping."""

from __future__ import annotations

import lxml.html
import pytest
from starlette.testclient import TestClient

from tests.serve.conftest import HOSTILE

PAGES = [
    "/",
    "/?min_size=1&split=country",
    "/search?q=spillway",
    "/cluster/d1",
    "/cluster/g1",
    "/outlets",
    "/outlet/osh24",
    "/outlet/ala-too",
]


def _dom(client: TestClient, url: str, status: int = 200) -> lxml.html.HtmlElement:
    response = client.get(url)
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return lxml.html.fromstring(response.text)


def _clusters(client: TestClient, query: str) -> list[str]:
    dom = _dom(client, "/?" + query)
    return [row.get("data-cluster") for row in dom.xpath("//table[@class='clusters']//tbody/tr")]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_answers_and_escapes_page_text(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert HOSTILE not in response.text and "<script" not in response.text
    assert "default-src 'none'" in response.headers["content-security-policy"]
    dom = lxml.html.fromstring(response.text)
    assert dom.xpath("//script | //*[@onerror] | //*[@onload]") == []
    for ref in dom.xpath("//link/@href | //*[@src]/@src"):
        assert ref.startswith("/static/")  # nothing from another host: works offline


def test_the_hostile_title_author_and_caption_are_shown_as_text(client: TestClient) -> None:
    dom = _dom(client, "/cluster/d1")
    assert dom.xpath("string(//h1)") == f"Spillway opened {HOSTILE}"
    origin = dom.xpath("//tr[@data-id='d1']")[0]
    assert origin.xpath("string(.//td[@class='authors'])") == f"Reporter {HOSTILE}"
    assert origin.xpath("string(.//div[@class='caption'])") == f"Caption {HOSTILE} (Photo desk)"


def test_only_http_urls_become_links(client: TestClient) -> None:
    dom = _dom(client, "/outlet/courier?since=2026-11-01&until=2026-11-10")
    cells = dom.xpath("//table[@class='articles']//td[3]")
    assert [c.text_content() for c in cells] == [
        "Reservoir above its mark",
        "Chess club wins the cup",
    ]
    assert [c.xpath("./a/@href") for c in cells] == [["https://courier.example/news/d3/"], []]
    page = lxml.html.fromstring(client.get("/cluster/s1").text)
    assert page.xpath("//tr[@data-id='s1']//a/@href") == ["/outlet/courier"]


def test_the_cluster_list_is_biggest_first_and_filters_by_size(client: TestClient) -> None:
    assert _clusters(client, "") == ["d1", "g1"]
    assert _clusters(client, "min_size=1") == ["d1", "g1", "s1"]
    assert _clusters(client, "min_size=3") == ["d1"]


def test_filters_by_outlet_country_and_language(client: TestClient) -> None:
    assert _clusters(client, "outlet=steppe") == ["g1"]
    assert _clusters(client, "outlet=steppe&outlet=ala-too") == ["d1", "g1"]
    assert _clusters(client, "country=KZ&min_size=1") == ["d1", "g1", "s1"]
    assert _clusters(client, "country=KG&outlet=steppe") == []
    assert _clusters(client, "lang=ru") == ["g1"]


def test_the_period_is_read_in_the_servers_time_zone(client: TestClient) -> None:
    # g1's last member is 2026-11-08 12:00 UTC, 18:00 in Bishkek (UTC+6)
    assert _clusters(client, "since=2026-11-09") == ["d1"]
    assert _clusters(client, "since=2026-11-08T18:00") == ["d1", "g1"]
    assert _clusters(client, "since=2026-11-08T18:01") == ["d1"]
    assert _clusters(client, "since=2026-11-01&until=2026-11-08") == ["g1"]
    assert _clusters(client, "since=2026-11-01&until=2026-11-07&min_size=1") == ["s1"]
    dom = _dom(client, "/?since=2026-11-01&until=2026-11-08")
    assert dom.xpath("string(//h1)") == "Stories 2026-11-01 – 2026-11-08"  # until's day included


def test_the_url_holds_the_filters(client: TestClient) -> None:
    dom = _dom(client, "/?outlet=osh24&min_size=2&split=outlet&limit=1")
    assert dom.xpath("//select[@name='outlet']/option[@selected]/@value") == ["osh24"]
    assert dom.xpath("//input[@name='min_size']/@value") == ["2"]
    more = dom.xpath("//a[@class='more']/@href")[0]
    assert more == "/?outlet=osh24&min_size=2&split=outlet&limit=51"
    legend = dom.xpath("//ul[@class='legend']//a/@href")
    assert legend and all(h.startswith("/outlet/") and "outlet=osh24" in h for h in legend)


def test_the_volume_chart_counts_articles_per_local_day(client: TestClient) -> None:
    dom = _dom(client, "/?since=2026-11-07&until=2026-11-09")
    bars = {
        (b.get("data-day"), b.get("data-series")): int(b.get("data-count"))
        for b in dom.xpath("//svg[@class='volume']//rect[@class='bar']")
    }
    # osh24: g2 at 2026-11-08 18:00 local, d2 at 2026-11-09 11:30 local
    assert bars == {
        ("2026-11-07", "courier"): 1,
        ("2026-11-08", "steppe"): 1,
        ("2026-11-08", "osh24"): 1,
        ("2026-11-09", "osh24"): 1,
        ("2026-11-09", "ala-too"): 1,
        ("2026-11-09", "courier"): 1,
    }
    stories = {
        c.get("data-day"): int(c.get("data-count"))
        for c in dom.xpath("//svg[@class='volume']//circle[@class='story']")
    }
    assert stories == {"2026-11-07": 0, "2026-11-08": 1, "2026-11-09": 1}


def _volume_total(dom: lxml.html.HtmlElement) -> int:
    return sum(int(b.get("data-count")) for b in dom.xpath("//rect[@class='bar']"))


@pytest.mark.parametrize(
    "query",
    ["since=2026-11-01&until=9999-12-31", "until=9999-12-31", "since=3700d", "since=1980-01-01"],
)
@pytest.mark.parametrize("page", ["/", "/outlets", "/outlet/osh24", "/search?q=toktogul&"])
def test_a_period_reaching_past_the_archive_shows_what_the_archive_holds(
    client: TestClient, page: str, query: str
) -> None:
    url = page + ("" if page.endswith("&") else "?") + query
    dom = _dom(client, url)  # 200: never a server error
    if page == "/" and "since" in query:  # every article is counted, on a chart of its days
        everything = _volume_total(_dom(client, "/?since=2026-11-01&until=2026-11-30"))
        assert _volume_total(dom) == everything > 0
        assert len(dom.xpath("//svg[@class='volume']//circle[@class='story']")) < 60


def test_the_volume_chart_splits_by_country(client: TestClient) -> None:
    dom = _dom(client, "/?since=2026-11-07&until=2026-11-09&split=country")
    bars = {
        (b.get("data-day"), b.get("data-series")): int(b.get("data-count"))
        for b in dom.xpath("//svg[@class='volume']//rect[@class='bar']")
    }
    assert bars == {
        ("2026-11-07", "KZ"): 1,
        ("2026-11-08", "KZ"): 1,
        ("2026-11-08", "KG"): 1,
        ("2026-11-09", "KG"): 2,
        ("2026-11-09", "KZ"): 1,
    }


def _hits(client: TestClient, query: str) -> list[tuple[str, str, str]]:
    dom = _dom(client, "/search?" + query)
    return [
        (
            li.get("data-id"),
            lxml.html.tostring(li.xpath(".//div[@class='hit-title']")[0], encoding="unicode"),
            lxml.html.tostring(li.xpath(".//div[@class='snippet']")[0], encoding="unicode"),
        )
        for li in dom.xpath("//ol[@class='hits']/li")
    ]


def test_search_finds_latin_words_in_titles_and_bodies_with_marks(client: TestClient) -> None:
    hits = _hits(client, "q=SPILLWAY")
    assert [h[0] for h in hits] == ["d3", "d2", "d1"]  # newest indexed first
    assert "<mark>spillway</mark>" in hits[0][2]
    assert "Dam <mark>spillway</mark> opened" in hits[1][1]
    assert [h[0] for h in _hits(client, "q=farmers+herds")] == ["d3", "d2"]
    assert _hits(client, "q=farmers+chess") == []


def test_search_finds_cyrillic_words_and_prefixes(client: TestClient) -> None:
    assert [h[0] for h in _hits(client, "q=ВАГОНОВ")] == ["g2"]  # the title's form only
    prefixed = _hits(client, "q=вагон*")
    assert [h[0] for h in prefixed] == ["g2", "g1"]
    assert "<mark>вагоны</mark>" in prefixed[0][2]


def test_search_escapes_hostile_titles_and_filters(client: TestClient) -> None:
    hits = _hits(client, "q=script+alert")
    assert [h[0] for h in hits] == ["d1"]
    assert "&lt;<mark>script</mark>&gt;<mark>alert</mark>(1)" in hits[0][1]
    assert [h[0] for h in _hits(client, "q=spillway&outlet=courier")] == ["d3"]
    assert [h[0] for h in _hits(client, "q=spillway&country=KG")] == ["d2", "d1"]
    assert _hits(client, "q=spillway&until=2026-11-08") == []


@pytest.mark.parametrize("words", ['"', "NEAR(a b", "a OR -b:c", "*", "^x", "(", "'; DROP"])
def test_search_syntax_in_the_words_is_text_never_an_error(client: TestClient, words: str) -> None:
    response = client.get("/search", params={"q": words})
    assert response.status_code == 200


def test_the_cluster_page_shows_the_shared_passages_side_by_side(client: TestClient) -> None:
    dom = _dom(client, "/cluster/d1")
    sections = dom.xpath("//section[@class='evidence']")
    assert [(s.get("data-id"), s.get("data-against")) for s in sections] == [
        ("d2", "d1"),
        ("d3", "d1"),
    ]
    origin_side, copy_side = sections[0].xpath(".//div[@class='text']")
    assert "regional water authority" in origin_side.xpath("string(./mark)")
    marked = " ".join(copy_side.xpath("./mark/text()"))
    assert "regional water authority" in marked and "Farmers" not in marked
    assert "Farmers downstream" in copy_side.text_content()
    rows = dom.xpath("//table[@class='members']/tbody/tr")
    assert [r.get("data-id") for r in rows] == ["d1", "d2", "d3"]
    assert rows[0].xpath("string(./td[1])") == "2026-11-09 10:00"  # 04:00 UTC in Bishkek
    assert rows[1].xpath("string(./td[2])") == "+1h30m"
    assert rows[1].xpath("string(./td[5])") == "copies ala-too"
    assert rows[1].xpath(".//a[@rel]/@href") == ["https://osh24.example/news/d2/"]


def test_the_outlet_page_lists_articles_copies_and_health(client: TestClient) -> None:
    dom = _dom(client, "/outlet/ala-too?since=2026-11-01&until=2026-11-10")
    assert dom.xpath("string(//h1)").split() == ["ala-too", "(KG)"]
    copied_by = dom.xpath("//h2[.='Copied by']/following-sibling::ul[1]/li/a/text()")
    assert copied_by == ["courier", "osh24"]
    titles = [t.text_content() for t in dom.xpath("//table[@class='articles']//td[3]")]
    assert titles == [f"Spillway opened {HOSTILE}"]
    assert dom.xpath("//svg[@class='volume']//rect[@class='bar']/@data-count") == ["1"]
    outlets = _dom(client, "/outlets?since=2026-11-01&until=2026-11-10")
    assert outlets.xpath("//table[@class='outlets']//td[1]/a/text()") == [
        "ala-too",
        "courier",
        "osh24",
        "steppe",
    ]
    assert outlets.xpath("//svg[@class='matrix']")


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/cluster/nope", 404, "no cluster nope"),
        ("/outlet/nobody", 404, "no outlet nobody"),
        ("/nothing/here", 404, "no such page"),
        ("/?since=yesterday", 400, "'yesterday' is neither a date"),
        ("/?min_size=0", 400, "min_size must be between 1 and"),
        ("/?limit=x", 400, "limit must be a whole number, not 'x'"),
        ("/?split=weekday", 400, "split must be one of outlet, country"),
        # each gave a 500
        ("/?lang=en-US", 400, "lang: language 'en-US' is no ISO 639-1 code (such as en, ru, kk)"),
        ("/?lang=ru,%3Cb%3E", 400, "lang: language '<b>' is no ISO 639-1 code"),
    ],
)
def test_bad_urls_get_one_line(client: TestClient, url: str, status: int, message: str) -> None:
    dom = _dom(client, url, status)
    assert dom.xpath("string(//p[@class='error'])").startswith(message)


def test_the_outlet_page_shows_crawl_health_up_to_now(archive_path, client: TestClient) -> None:
    from crawler.store.archive import Archive

    with Archive(archive_path) as archive:  # a crawl after the newest article: all sources fail
        run = archive.start_run("2026-12-01T00:00:00+00:00", ["osh24"])
        archive.finish_run(run, "2026-12-01T00:05:00+00:00", "failed", "finished", {})
        archive.record_run_outlets(
            run,
            [
                {
                    "outlet": "osh24",
                    "sources": 2,
                    "sources_failed": 2,
                    "links": 0,
                    "requested": 0,
                    "stored": 0,
                    "skipped": 0,
                    "failed": 0,
                    "failures": [
                        "feed https://osh24.example/rss: http-403",
                        f"sitemap https://osh24.example/{HOSTILE}: timeout",
                    ],
                }
            ],
        )
    dom = _dom(client, "/outlet/osh24")  # default period: the week up to the newest article
    assert dom.xpath("string(//p[@class='alarm'])") == (
        "ALARM unreachable: last crawl (2026-12-01T00:05:00+00:00): all 2 sources failed"
    )
    assert "feed http-403 ×1" in dom.xpath("string(//main)")
    listing = _dom(client, "/outlets")
    assert listing.xpath("//span[@class='alarm']/text()") == ["unreachable"]
    assert HOSTILE not in client.get("/outlets").text


def test_the_volume_chart_counts_per_local_hour(client: TestClient) -> None:
    dom = _dom(client, "/?since=2026-11-09&until=2026-11-09&by=hour")
    bars = {
        (b.get("data-day"), b.get("data-series")): int(b.get("data-count"))
        for b in dom.xpath("//svg[@class='volume']//rect[@class='bar']")
    }
    assert bars == {
        ("2026-11-09 10:00", "ala-too"): 1,
        ("2026-11-09 11:00", "osh24"): 1,
        ("2026-11-09 13:00", "courier"): 1,
    }
    stories = [c.get("data-day") for c in dom.xpath("//circle[@class='story']")]
    assert len(stories) == 24 and stories[0] == "2026-11-09 00:00"
    assert "per hour" in dom.xpath("string(//section[@class='chart']/h2)")
    axis = dom.xpath("//svg[@class='volume']/text[@text-anchor='end']/text()")
    assert axis == ["0", "1"]  # no half article on the axis
    error = _dom(client, "/?since=2026-01-01&until=2026-11-09&by=hour", 400)
    assert error.xpath("string(//p[@class='error'])") == (
        "by=hour takes a period of at most 31 days"
    )


def test_an_empty_archive_without_search_index_has_pages_too(db_path) -> None:
    from zoneinfo import ZoneInfo

    from crawler.serve.app import Config, create_app
    from crawler.store.archive import Archive

    Archive(db_path).close()
    with TestClient(create_app(Config(db=str(db_path), zone=ZoneInfo("UTC")))) as empty:
        for url in ["/", "/?split=country&by=hour", "/outlets", "/search"]:
            assert empty.get(url).status_code == 200, url
        page = lxml.html.fromstring(empty.get("/search?q=water").text)
        assert page.xpath("string(//p[@class='error'])").startswith(
            "This archive has no search index yet"
        )
        assert empty.get("/outlet/osh24").status_code == 404


def test_a_period_in_the_future_stays_a_period() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from crawler.serve.filters import read_filters

    f = read_filters(
        {"since": ["2030-01-01"]},
        zone=ZoneInfo("UTC"),
        newest="2026-11-09T00:00:00+00:00",
        country_of={},
        now=datetime(2026, 12, 6, tzinfo=UTC),
    )
    assert f.since < f.until  # the cut to what the archive holds never turns a period around


@pytest.mark.parametrize(
    "url", ["/?until=0001-01-01", "/search?q=water&until=0001-01-01", "/outlets?until=0001-01-01"]
)
def test_a_period_at_the_calendar_s_start_is_no_error(client: TestClient, url: str) -> None:
    # until=0001-01-01 gave a 500: its week before fell off the calendar
    assert client.get(url).status_code == 200


def test_a_cluster_is_found_by_a_member_or_a_prefix_as_in_the_report(client: TestClient) -> None:
    # /cluster/<member id> and /cluster/<prefix> were 404 where `report cluster` found them
    dom = _dom(client, "/cluster/d2")
    rows = dom.xpath("//table[@class='members']/tbody/tr")
    assert [r.get("data-id") for r in rows] == ["d1", "d2", "d3"]


def test_a_repeated_word_is_searched_once(client: TestClient) -> None:
    # "water" 500 times held a core for half a minute
    once = [h[0] for h in _hits(client, "q=spillway")]
    assert once and [h[0] for h in _hits(client, "q=" + "+".join(["spillway"] * 500))] == once


def test_the_cluster_timeline_shows_times_in_the_dashboard_s_zone(client: TestClient) -> None:
    # its ticks and tooltips said UTC beside a table in Asia/Bishkek
    dom = _dom(client, "/cluster/d1")
    svg = dom.xpath("//svg[@class='timeline']")[0]
    assert svg.xpath("string(.//text[@class='tick'][1])") == "2026-11-09 10:00"
    assert "2026-11-09 10:00" in svg.xpath("string(.//circle[@data-id='d1']/title)")


def test_search_and_an_outlet_s_articles_show_more_on_request(client: TestClient) -> None:
    # "50+" hits and an outlet's newest 100 articles had no way to see the rest
    dom = _dom(client, "/search?q=spillway&limit=1")
    assert len(dom.xpath("//li[@data-id]")) == 1
    more = dom.xpath("string(//a[@class='more']/@href)")
    assert "limit=51" in more and len(_dom(client, more).xpath("//li[@data-id]")) == 3
    dom = _dom(client, "/outlet/osh24?since=2026-11-01&until=2026-11-10&limit=1")
    assert len(dom.xpath("//table[@class='articles']/tbody/tr")) == 1
    assert "limit=101" in dom.xpath("string(//a[@class='more']/@href)")
