"""The outlet registry loader: a good file, each kind of bad file (exact messages), the bundle."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.errors import ConfigError, RegistryError
from settings.registry import (
    DEFAULT_INTERVAL,
    Outlet,
    UrlPattern,
    bundled_registry_path,
    load_registry,
    load_registry_text,
    outlet_by_id,
    parse_duration,
)

GOOD = """\
# a registry written for these tests
[[outlet]]
id = "alpha"
name = "Alpha News"
country = "KZ"
languages = ["ru", "kk"]
homepage = "https://www.alpha.example/"
feeds = ["https://www.alpha.example/rss"]
article_pattern = '^https://www\\.alpha\\.example/news/\\d+/$'
interval = "2h"

[[outlet]]
id = "beta"
name = "Beta Daily"
country = "XA"
languages = ["en"]
homepage = "https://beta.example/"
sitemaps = [
    "https://beta.example/sitemap.xml",
    "https://beta.example/news-sitemap.xml",
]
sections = ["https://beta.example/latest"]
article_pattern = '^https://beta\\.example/\\d{4}/[a-z0-9-]+$'
allowed_domains = ["beta.example", "M.Beta.example"]
obey_robots = false
"""


def _edit(old: str, new: str, text: str = GOOD) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def test_good_registry_loads_with_values_and_defaults() -> None:
    alpha, beta = load_registry_text(GOOD, "reg.toml")
    assert alpha == Outlet(
        id="alpha", name="Alpha News", country="KZ", languages=("ru", "kk"),
        homepage="https://www.alpha.example/", feeds=("https://www.alpha.example/rss",),
        sitemaps=(), sections=(), article_pattern=UrlPattern.compile(r"^https://www\.alpha\.example/news/\d+/$"),
        allowed_domains=("alpha.example",), interval=7200.0, obey_robots=True,
        timezone="Asia/Almaty",  # its country's
    )  # fmt: skip
    assert beta.sitemaps == (
        "https://beta.example/sitemap.xml",
        "https://beta.example/news-sitemap.xml",
    )
    assert beta.sections == ("https://beta.example/latest",)
    assert beta.allowed_domains == ("beta.example", "m.beta.example")
    assert beta.interval == DEFAULT_INTERVAL
    assert beta.obey_robots is False


def test_load_registry_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "outlets.toml"
    path.write_text(GOOD, encoding="utf-8")
    assert [o.id for o in load_registry(path)] == ["alpha", "beta"]
    assert [o.id for o in load_registry(str(path))] == ["alpha", "beta"]


def test_a_file_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    path = tmp_path / "outlets.toml"
    path.write_text(GOOD, encoding="utf-8-sig")  # as Windows editors save UTF-8
    assert [o.id for o in load_registry(path)] == ["alpha", "beta"]


def test_is_article_url_needs_the_pattern_and_an_allowed_host() -> None:
    alpha, beta = load_registry_text(GOOD)
    assert alpha.is_article_url("https://www.alpha.example/news/12/")
    assert not alpha.is_article_url("https://www.alpha.example/news/latest/")
    assert beta.is_article_url("https://beta.example/2026/a-story")
    # The pattern alone is not enough: the host must be an allowed domain or a subdomain of one.
    loose = load_registry_text(_edit("'^https://beta\\.example/", "'^https://[^/]+/"))[1]
    assert loose.is_article_url("https://news.beta.example/2026/a-story")
    assert not loose.is_article_url("https://beta.example.evil.test/2026/a-story")
    assert not loose.is_article_url("https://notbeta.example/2026/a-story")
    assert not loose.is_article_url("https://[broken/2026/a-story")


def test_a_host_is_allowed_only_on_the_ports_its_outlet_names() -> None:
    # a redirect to another port of the outlet's host (an admin service) was followed
    alpha, beta = load_registry_text(
        _edit(
            'feeds = ["https://www.alpha.example/rss"]', 'feeds = ["http://alpha.example:8080/rss"]'
        )
    )
    assert alpha.allows_host("https://www.alpha.example/news/1/")
    assert alpha.allows_host("http://alpha.example:80/news/1/")
    assert alpha.allows_host("http://alpha.example:8080/rss")
    assert not alpha.allows_host("http://alpha.example:9/admin")
    assert not alpha.allows_host("http://alpha.example:99999/x")  # no port at all
    assert not beta.allows_host("https://beta.example:8080/2026/a-story")


def test_a_timezone_is_the_country_s_or_the_one_given() -> None:
    alpha, beta = load_registry_text(
        _edit('interval = "2h"', 'interval = "2h"\ntimezone = "Asia/Oral"')
    )
    assert (alpha.timezone, beta.timezone) == ("Asia/Oral", None)  # XA: a region, no zone
    with pytest.raises(RegistryError, match="timezone 'Mars/Olympus' is no IANA time zone"):
        load_registry_text(_edit('interval = "2h"', 'interval = "2h"\ntimezone = "Mars/Olympus"'))


BAD_CASES = [
    pytest.param(
        _edit('interval = "2h"', 'feedurl = "https://www.alpha.example/rss"'),
        "reg.toml:10: outlet 'alpha': unknown key 'feedurl' (did you mean 'feeds'?)",
        id="unknown-key",
    ),
    pytest.param(
        _edit('interval = "2h"', 'weight = "heavy"'),
        "reg.toml:10: outlet 'alpha': unknown key 'weight'",
        id="unknown-key-no-suggestion",
    ),
    pytest.param(
        _edit('name = "Beta Daily"\n', ""),
        "reg.toml:12: outlet 'beta': missing key 'name'",
        id="missing-key",
    ),
    pytest.param(
        _edit('id = "alpha"\n', ""),
        "reg.toml:2: outlet #1: missing key 'id'",
        id="missing-id",
    ),
    pytest.param(
        _edit('id = "alpha"', "id = 7"),
        "reg.toml:3: outlet #1: id must be a non-empty string",
        id="id-not-a-string",
    ),
    pytest.param(
        _edit('id = "alpha"', 'id = "Alpha News"'),
        "reg.toml:3: outlet 'Alpha News': id 'Alpha News' may only use a-z, 0-9, '_' and '-'",
        id="bad-id",
    ),
    pytest.param(
        _edit('id = "beta"', 'id = "alpha"'),
        "reg.toml:13: outlet 'alpha': duplicate id (first defined at line 2)",
        id="duplicate-id",
    ),
    pytest.param(
        _edit('name = "Alpha News"', 'name = "  "'),
        "reg.toml:4: outlet 'alpha': name must be a non-empty string",
        id="blank-name",
    ),
    pytest.param(
        _edit('country = "KZ"', 'country = "kz"'),
        "reg.toml:5: outlet 'alpha': country 'kz' is not an ISO 3166 alpha-2 code in upper case "
        "(e.g. 'KZ'), or 'XA' for a regional outlet",
        id="country-lower-case",
    ),
    pytest.param(
        _edit('country = "KZ"', 'country = "UK"'),
        "reg.toml:5: outlet 'alpha': country 'UK' is not an ISO 3166 alpha-2 code in upper case "
        "(e.g. 'KZ'), or 'XA' for a regional outlet",
        id="country-not-iso",
    ),
    pytest.param(
        _edit('languages = ["ru", "kk"]', 'languages = ["ru", "rus"]'),
        "reg.toml:6: outlet 'alpha': languages: 'rus' is not an ISO 639-1 code "
        "(two lower-case letters, e.g. 'ru')",
        id="language-not-iso-639-1",
    ),
    pytest.param(
        _edit('languages = ["ru", "kk"]', "languages = []"),
        "reg.toml:6: outlet 'alpha': languages must list at least one ISO 639-1 code",
        id="no-languages",
    ),
    pytest.param(
        _edit('homepage = "https://www.alpha.example/"', 'homepage = "www.alpha.example"'),
        "reg.toml:7: outlet 'alpha': homepage: 'www.alpha.example' is not an absolute http(s) URL",
        id="relative-homepage",
    ),
    pytest.param(
        _edit('"https://beta.example/news-sitemap.xml"', '"ftp://beta.example/news-sitemap.xml"'),
        "reg.toml:20: outlet 'beta': sitemaps: 'ftp://beta.example/news-sitemap.xml' is not an "
        "absolute http(s) URL",
        id="bad-url-in-a-multi-line-list",
    ),
    pytest.param(
        _edit(
            'feeds = ["https://www.alpha.example/rss"]', 'feeds = "https://www.alpha.example/rss"'
        ),
        "reg.toml:8: outlet 'alpha': feeds must be a list of strings, e.g. feeds = [\"...\"]",
        id="feeds-not-a-list",
    ),
    pytest.param(
        _edit('feeds = ["https://www.alpha.example/rss"]\n', ""),
        "reg.toml:2: outlet 'alpha': needs at least one of feeds, sitemaps, sections",
        id="nothing-to-discover",
    ),
    pytest.param(
        _edit("'^https://www\\.alpha\\.example/news/\\d+/$'", "'^https://(www'"),
        "reg.toml:9: outlet 'alpha': article_pattern does not compile: "
        "missing ), unterminated subpattern at position 9",
        id="pattern-does-not-compile",
    ),
    pytest.param(
        _edit('"M.Beta.example"', '"https://m.beta.example/"'),
        "reg.toml:24: outlet 'beta': allowed_domains: 'https://m.beta.example/' is not a host name "
        "(write 'example.com', no scheme or path)",
        id="domain-with-scheme",
    ),
    pytest.param(
        _edit('allowed_domains = ["beta.example", "M.Beta.example"]', "allowed_domains = []"),
        "reg.toml:24: outlet 'beta': allowed_domains must list at least one host name",
        id="no-domains",
    ),
    pytest.param(
        _edit('interval = "2h"', 'interval = "fortnight"'),
        "reg.toml:10: outlet 'alpha': interval 'fortnight' is not a duration like '90s', '30m', "
        "'2h', '1d' or '1h30m'",
        id="bad-interval",
    ),
    pytest.param(
        _edit('interval = "2h"', 'interval = "0m"'),
        "reg.toml:10: outlet 'alpha': interval '0m' must be longer than zero",
        id="zero-interval",
    ),
    pytest.param(
        _edit('interval = "2h"', "interval = 7200"),
        "reg.toml:10: outlet 'alpha': interval must be a string such as '30m', '2h' or '90s'",
        id="interval-not-a-string",
    ),
    pytest.param(
        _edit("obey_robots = false", 'obey_robots = "no"'),
        "reg.toml:25: outlet 'beta': obey_robots must be true or false",
        id="obey-robots-not-a-bool",
    ),
    pytest.param(
        _edit("[[outlet]]", "[[outlets]]"),
        "reg.toml:2: unknown table or key 'outlets' (did you mean 'outlet'?)",
        id="unknown-table",
    ),
    pytest.param(
        "# nothing here yet\n",
        "reg.toml: no outlets: add at least one [[outlet]] table",
        id="no-outlets",
    ),
    pytest.param(
        GOOD.split("\n\n[[outlet]]")[0].replace("[[outlet]]", "[outlet]"),
        "reg.toml:2: 'outlet' must be an array of tables: write [[outlet]]",
        id="single-table",
    ),
    pytest.param(
        _edit('name = "Alpha News"', 'name = "Alpha News'),
        "reg.toml:4:19: invalid TOML: Illegal character '\\n'",
        id="toml-syntax-error",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD_CASES)
def test_bad_registry_is_refused_with_one_line(text: str, message: str) -> None:
    with pytest.raises(RegistryError) as caught:
        load_registry_text(text, "reg.toml")
    assert str(caught.value) == message
    assert "\n" not in str(caught.value)


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    with pytest.raises(RegistryError) as caught:
        load_registry(path)
    message = f"{path}: cannot read the outlet registry: No such file or directory"
    assert str(caught.value) == message


def test_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cp1251.toml"
    path.write_bytes(GOOD.replace("Alpha News", "Новости").encode("cp1251"))
    with pytest.raises(RegistryError) as caught:
        load_registry(path)
    offset = GOOD.index("Alpha News")
    assert str(caught.value) == f"{path}: not UTF-8 text (byte 0xcd at offset {offset})"


def test_file_errors_name_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "outlets.toml"
    path.write_text(_edit('interval = "2h"', 'feedurl = "x"'), encoding="utf-8")
    with pytest.raises(RegistryError) as caught:
        load_registry(path)
    message = f"{path}:10: outlet 'alpha': unknown key 'feedurl' (did you mean 'feeds'?)"
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90.0), ("30m", 1800.0), ("2h", 7200.0), ("1d", 86400.0), ("1h30m", 5400.0),
     ("2w", 1209600.0), ("1.5h", 5400.0), (" 45 M ", 2700.0)],
)  # fmt: skip
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "30", "m30", "30 minutes", "1h-5m", "0s"])
def test_parse_duration_refuses_non_durations(text: str) -> None:
    with pytest.raises(ValueError, match=r"duration|longer than zero"):
        parse_duration(text)


def test_outlet_by_id() -> None:
    outlets = load_registry_text(GOOD)
    assert outlet_by_id(outlets, "beta").name == "Beta Daily"
    with pytest.raises(ConfigError) as caught:
        outlet_by_id(outlets, "alpah")
    assert str(caught.value) == "unknown outlet 'alpah' (did you mean 'alpha'?); known: alpha, beta"
    with pytest.raises(ConfigError) as caught:
        outlet_by_id(outlets, "zzz")
    assert str(caught.value) == "unknown outlet 'zzz'; known: alpha, beta"


# -- the bundled registry ---------------------------------------------------------------------

# Article URLs seen on the outlets (shared/research/outlets.md), one or more per outlet.
SEEN_ARTICLES = {
    "cabar": "https://cabar.asia/en/2021-the-new-global-concern",
    "eurasianet": "https://eurasianet.org/turkmen-labor-migrants-turning-elsewhere-as-turkey-is-less-welcoming",
    "rferl": "https://www.rferl.org/a/tajikistan-bozor-sobir-story/29204740.html",
    "timesca": "https://timesca.com/tajik-migrants-facing-xenophobia-in-russia-after-moscow-terrorist-attack/",
    "thediplomat-ca": "https://thediplomat.com/2024/02/kloop-will-continue-its-work/",
    "trend-casia": "https://en.trend.az/casia/kazakhstan/4229949.html",
    "tengrinews": "https://kaz.tengrinews.kz/kazakhstan_news/aral-tenizi-364674/",
    "vlast": "https://vlast.kz/novosti/58000-story.html",
    "orda": "https://orda.kz/neftjanoe-pjatno-v-kaspii-417627/",
    "kursiv": "https://kz.kursiv.media/2026-01-15/story-slug/",
    "astanatimes": "https://astanatimes.com/2026/01/a-story/",
    "zakon": "https://www.zakon.kz/novosti/6012345-story-slug.html",
    "azattyq": "https://rus.azattyq.org/a/33012345.html",
    "sputnik-kz": "https://ru.sputnik.kz/20260115/story-slug-12345.html",
    "24kg": "https://24.kg/english/116774_Kyrgyzstan_runs_campaign/",
    "akipress": "https://akipress.com/news:730887:Kyrgyz_organization_receives_JIAPICH_award/",
    "kaktus": "https://kaktus.media/doc/516955_kibermoshenniki_kak_byt.html",
    "kloop": "https://kloop.kg/blog/2026/01/15/story-slug/",
    "kabar": "https://en.kabar.kg/news/nationalization-of-kumtor-brings-16-billion-to-the-budget/",
    "azattyk": "https://rus.azattyk.org/a/28670707.html",
    "sputnik-kg": "https://sputnik.kg/20260115/story-slug-1081234567.html",
    "kunuz": "https://kun.uz/news/2026/01/15/story-slug-6e034c",
    "gazetauz": "https://www.gazeta.uz/ru/2026/01/15/story-slug/",
    "ozodlik": "https://www.ozodlik.org/a/33012345.html",
    "asiaplus": "https://asiaplustj.info/en/news/tajikistan/society/20240923/story-slug",
    "sputnik-tj": "https://tj.sputniknews.ru/20260115/story-slug-1234.html",
    "azathabar": "https://www.azathabar.com/a/33012345.html",
}


@pytest.fixture(scope="module")
def bundled() -> list[Outlet]:
    return load_registry()


def test_bundled_registry_loads_with_enough_outlets(bundled: list[Outlet]) -> None:
    assert load_registry(bundled_registry_path()) == bundled
    assert len(bundled) >= 20
    ids = [o.id for o in bundled]
    assert len(ids) == len(set(ids))
    assert {"KZ", "KG", "UZ", "TJ", "TM", "XA"} <= {o.country for o in bundled}


def test_bundled_patterns_match_seen_articles_and_not_listings(bundled: list[Outlet]) -> None:
    assert sorted(SEEN_ARTICLES) == sorted(o.id for o in bundled)
    for outlet in bundled:
        assert outlet.is_article_url(SEEN_ARTICLES[outlet.id]), outlet.id
        for listing in (outlet.homepage, *outlet.feeds, *outlet.sitemaps, *outlet.sections):
            assert not outlet.is_article_url(listing), (outlet.id, listing)


@pytest.mark.parametrize(("text", "seconds"), [("7d", 604800), ("2w", 1209600), ("1h30m", 5400)])
def test_since_takes_the_registry_durations(text: str, seconds: int) -> None:
    from datetime import UTC, datetime

    from crawler.commands.options import since_to_iso

    before = datetime.now(UTC).timestamp()
    moment = datetime.fromisoformat(since_to_iso(text)).timestamp()
    assert before - seconds - 5 <= moment <= datetime.now(UTC).timestamp() - seconds + 1


def test_since_refuses_what_is_neither_a_duration_nor_a_date() -> None:
    import click

    from crawler.commands.options import since_to_iso

    with pytest.raises(click.BadParameter, match="neither a duration"):
        since_to_iso("fortnight")
