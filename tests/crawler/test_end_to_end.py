"""The spine end to end, as a user runs it: ``newsmon crawl`` of the sample outlets (served on
loopback) twice, then the archive, the clusters, ``export`` and ``report`` checked; the demo; the
one-line errors of bad input; ``scrapy crawl outlet`` from the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from crawler.commands.demo import clusters_by_url, copies_by_url
from crawler.demo.server import SampleOutlets, serve_sample_outlets
from crawler.store.archive import Archive
from crawler.urls import canonicalize
from tests.newsmon_cli import FAST, run_newsmon

pytestmark = pytest.mark.slow

_REPO = Path(__file__).resolve().parents[2]
_CLUSTER_FIELDS = {"id", "size", "outlets", "first_published", "origin", "members", "title"}
_ARTICLE_FIELDS = [
    "id",
    "url",
    "canonical_url",
    "outlet",
    "title",
    "subtitle",
    "text",
    "published",
    "modified",
    "authors",
    "language",
    "images",
    "source",
    "fetched",
    "cluster",
    "copy_of",
    "similarity",
]


class _TwoCrawls:
    """The sample outlets crawled twice into one archive, with what each crawl fetched."""

    def __init__(self, sites: SampleOutlets, db: Path, registry: Path) -> None:
        self.sites = sites
        self.db = db
        self.registry = registry
        self.first = run_newsmon("crawl", "--outlets", str(registry), "--db", str(db), *FAST)
        self.first_gets = Counter(sites.article_gets())
        sites.reset_counts()
        self.second = run_newsmon("crawl", "--outlets", str(registry), "--db", str(db), *FAST)
        self.second_gets = Counter(sites.article_gets())


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> _TwoCrawls:
    tmp = tmp_path_factory.mktemp("e2e")
    with serve_sample_outlets() as sites:
        registry = sites.write_registry(tmp / "outlets.toml")
        return _TwoCrawls(sites, tmp / "archive.db", registry)


def test_first_crawl_fetches_every_sample_article_once_and_second_crawl_fetches_none(
    crawled: _TwoCrawls,
) -> None:
    assert set(crawled.first_gets) == set(crawled.sites.article_urls)
    assert set(crawled.first_gets.values()) == {1}
    assert sum(crawled.second_gets.values()) == 0
    assert "0 new articles stored" in crawled.second.stderr


def test_archive_holds_every_article_with_its_fields_and_page(crawled: _TwoCrawls) -> None:
    expected_urls = {canonicalize(u) for u in crawled.sites.article_urls.values()}
    with Archive(crawled.db) as archive:
        articles = list(archive.articles())
        assert {a.canonical_url for a in articles} == expected_urls
        assert len({a.id for a in articles}) == len(articles)
        for article in articles:
            assert article.title and article.text and article.outlet, article.url
            assert "\n\n\n" not in article.text
            assert article.fetched and article.cluster
            assert archive.page_html(article.id), article.url
        assert sum(1 for a in articles if a.published) >= len(articles) - 2
        assert {a.language for a in articles} >= {"en", "ru"}


def test_an_outlets_footer_is_learned_from_its_first_articles_and_left_out_of_all(
    crawled: _TwoCrawls,
) -> None:
    # steppe-bureau's pages are all extracted at once in the first crawl, before its footer is
    # learned: crawler.fetch.first_articles.FirstArticles has them wait and cleans them all
    site = tomllib.loads((_REPO / "crawler/demo/sites/steppe-bureau.toml").read_text("utf-8"))
    footer = [line for line in site["outlet"]["footer"] if len(line) > 60]
    with Archive(crawled.db) as archive:
        texts = [a.text for a in archive.articles() if a.outlet == "steppe-bureau"]
    assert len(texts) >= 5
    assert not [line[:40] for line in footer for text in texts if line in text]


def test_known_copies_share_a_cluster_and_unrelated_articles_stay_apart(
    crawled: _TwoCrawls,
) -> None:
    with Archive(crawled.db) as archive:
        clusters = clusters_by_url(archive)
    grouped: set[str] = set()
    for group in crawled.sites.expected_clusters:
        urls = [canonicalize(u) for u in group]
        assert len({clusters[u] for u in urls}) == 1, group
        grouped.update(urls)
    sizes = Counter(clusters.values())
    joined_wrongly = [u for u, c in clusters.items() if u not in grouped and sizes[c] > 1]
    assert joined_wrongly == []


def test_each_known_groups_origin_copies_none_whatever_the_crawl_order(crawled: _TwoCrawls) -> None:
    with Archive(crawled.db) as archive:
        copies = copies_by_url(archive)
    for group in crawled.sites.expected_clusters:  # origin first, in publication order
        urls = [canonicalize(u) for u in group]
        assert copies[urls[0]][0] is None, group
        for i, url in enumerate(urls[1:], 1):
            copy_of, source = copies[url]
            assert copy_of in urls[:i] or (
                copy_of is None and source in {copies[u][1] for u in urls[:i]}
            ), group


def test_report_clusters_json_gives_design_cluster_records(crawled: _TwoCrawls) -> None:
    done = run_newsmon("report", "clusters", "--db", str(crawled.db), "--format", "json")
    records = json.loads(done.stdout)["clusters"]
    assert len(records) == len(crawled.sites.expected_clusters)
    for record in records:
        assert set(record) >= _CLUSTER_FIELDS
        assert record["size"] == len(record["members"]) >= 2
        assert record["origin"] == record["members"][0]["id"]
        assert sorted({m["outlet"] for m in record["members"]}) == record["outlets"]
        for member in record["members"]:
            assert {"id", "outlet", "published", "similarity"} <= set(member)


def test_export_writes_every_article_record_with_its_cluster(crawled: _TwoCrawls) -> None:
    done = run_newsmon("export", "--db", str(crawled.db))
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(records) == len(crawled.sites.article_urls)
    assert all(list(r) == _ARTICLE_FIELDS for r in records)
    assert all(r["cluster"] for r in records)


def test_demo_prints_the_clusters_of_the_known_copies(tmp_path: Path) -> None:
    done = run_newsmon("demo", "--db", str(tmp_path / "demo.db"))
    groups = len(
        json.loads(
            run_newsmon(
                "report", "clusters", "--db", str(tmp_path / "demo.db"), "--format", "json"
            ).stdout
        )["clusters"]
    )
    assert done.stdout.count("cluster ") == groups >= 4
    assert (
        f"demo check: {groups}/{groups} known copy groups found whole, {groups}/{groups} "
        "with the origin copying none and every other member copying an earlier one "
        "(or its credited source), "
        "0 unrelated articles wrongly joined" in done.stderr
    )


# -- bad input: one line on stderr, the right exit status, no traceback ------------------------


def _registry(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "outlets.toml"
    path.write_text(text, encoding="utf-8")
    return path


_ONE_OUTLET = """\
[[outlet]]
id = "nowhere"
name = "Nowhere News"
country = "KG"
languages = ["en"]
homepage = "http://127.0.0.1:{port}/"
feeds = ["http://127.0.0.1:{port}/rss"]
article_pattern = '^http://127\\.0\\.0\\.1:{port}/news/'
"""


def _closed_port() -> int:
    from tests.redis_server import free_port

    return free_port()


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["--outlets", "{tmp}/missing.toml"],
            "error: {tmp}/missing.toml: cannot read the outlet registry: No such file or directory",
        ),
        (
            ["--outlets", "{registry}", "--outlet", "nope"],
            "error: unknown outlet 'nope'; known: nowhere",
        ),
        (
            ["--outlets", "{registry}", "--db", "{tmp}/no/such/dir/a.db"],
            "error: cannot open archive {tmp}/no/such/dir/a.db: unable to open database file",
        ),
    ],
)
def test_bad_input_ends_in_one_clear_line(tmp_path: Path, args: list[str], line: str) -> None:
    registry = _registry(tmp_path, _ONE_OUTLET.format(port=_closed_port()))
    fill = {"tmp": str(tmp_path), "registry": str(registry)}
    argv = [a.format(**fill) for a in args]
    if "--db" not in argv:
        argv += ["--db", str(tmp_path / "a.db")]
    done = run_newsmon("crawl", *argv, check=False)
    assert done.returncode == 2 if "archive" not in line else done.returncode == 1
    assert done.stderr.strip().splitlines() == [line.format(**fill)]


def test_an_invalid_outlet_file_names_the_line_the_outlet_and_the_key(tmp_path: Path) -> None:
    text = _ONE_OUTLET.format(port=1).replace("feeds = ", 'feedurl = "x"\nfeeds = ')
    registry = _registry(tmp_path, text)
    done = run_newsmon(
        "crawl", "--outlets", str(registry), "--db", str(tmp_path / "a.db"), check=False
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"error: {registry}:7: outlet 'nowhere': unknown key 'feedurl' (did you mean 'feeds'?)"
    ]


def test_an_unreachable_outlet_is_a_partial_failure_named_in_the_summary(tmp_path: Path) -> None:
    port = _closed_port()
    registry = _registry(tmp_path, _ONE_OUTLET.format(port=port))
    done = run_newsmon(
        "crawl", "--outlets", str(registry), "--db", str(tmp_path / "a.db"), *FAST, check=False
    )
    assert done.returncode == 1
    assert (
        f"error: outlet 'nowhere' could not be crawled: feed http://127.0.0.1:{port}/rss: "
        "connection-refused"
    ) in done.stderr.splitlines()
    assert "Traceback" not in done.stderr
    with Archive(tmp_path / "a.db") as archive:
        run = archive.runs(1)[0]
        assert (run["status"], run["finish_reason"]) == ("partial", "finished")


# -- the checkout is a Scrapy project ----------------------------------------------------------


def test_scrapy_crawl_outlet_works_from_the_checkout(tmp_path: Path) -> None:
    scrapy = shutil.which("scrapy", path=os.path.dirname(sys.executable))
    assert scrapy, "the scrapy command is installed with newsmon"
    db = tmp_path / "scrapy.db"
    with serve_sample_outlets(["ala-too-wire"]) as sites:
        registry = sites.write_registry(tmp_path / "outlets.toml")
        done = subprocess.run(
            [
                scrapy,
                "crawl",
                "outlet",
                "-a",
                "outlet=ala-too-wire",
                "-s",
                f"NEWSMON_OUTLETS_FILE={registry}",
                "-s",
                f"NEWSMON_DB={db}",
                *FAST,
            ],
            cwd=_REPO,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        expected = len(sites.article_urls)
    assert done.returncode == 0, done.stderr[-3000:]
    with Archive(db) as archive:
        assert archive.count_articles() == expected


def test_a_polite_crawl_still_learns_the_footer_before_storing_an_outlets_first_articles(
    tmp_path: Path,
) -> None:
    # One page at a time: each first page is extracted before the next is downloaded, so the
    # pages the spider has asked for but not received must hold it too, not only those in the pool
    site = tomllib.loads((_REPO / "crawler/demo/sites/steppe-bureau.toml").read_text("utf-8"))
    footer = [line for line in site["outlet"]["footer"] if len(line) > 60]
    polite = ["-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "-s", "NEWSMON_EXTRACT_WORKERS=1"]
    with serve_sample_outlets() as sites:
        registry = sites.write_registry(tmp_path / "outlets.toml")
        db = tmp_path / "archive.db"
        run_newsmon(
            "crawl", "--outlets", str(registry), "--outlet", "steppe-bureau", "--db", str(db),
            *FAST, *polite, "-s", "DOWNLOAD_DELAY=0.2",
        )  # fmt: skip
    with Archive(db) as archive:
        texts = [a.text for a in archive.articles()]
    assert len(texts) >= 5
    assert not [line[:40] for line in footer for text in texts if line in text]


def test_a_page_whose_canonical_article_is_stored_is_counted_as_skipped(tmp_path: Path) -> None:
    import urllib.request

    from crawler.demo.server import Response

    with serve_sample_outlets(["osh24"]) as sites:
        section = sites.base_url("osh24") + "/english/"
        original = next(u for k, u in sites.article_urls.items() if k.startswith("osh24/"))
        copy = original.rstrip("/") + "_print/"  # a print version: its canonical is the article
        with urllib.request.urlopen(original, timeout=10) as page:
            html = page.read()
        with urllib.request.urlopen(section, timeout=10) as page:
            listing = page.read().replace(b"</body>", f'<a href="{copy}">Print</a></body>'.encode())
        html_type = {"Content-Type": "text/html; charset=utf-8"}
        sites.add_route(
            "osh24", copy.removeprefix(sites.base_url("osh24")), Response(200, html_type, html)
        )
        sites.add_route("osh24", "/english/", Response(200, html_type, listing))
        registry = sites.write_registry(tmp_path / "outlets.toml")
        done = run_newsmon(
            "crawl", "--outlets", str(registry), "--db", str(tmp_path / "n.db"), *FAST
        )
    with Archive(tmp_path / "n.db") as archive:
        stats = json.loads(archive.runs(1)[0]["stats"])
        stored = len(list(archive.articles()))
    assert stats["newsmon/extract/skipped/already-stored"] == 1
    assert f"{stored} new articles stored, 1 pages skipped, 0 failed" in done.stderr
