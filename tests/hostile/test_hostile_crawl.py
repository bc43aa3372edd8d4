"""One crawl of good and hostile outlets together (``tests/hostile/server.py``): every good
article is stored once under its own outlet, every hostile outlet stores only what it should and
has what it tried counted as refused, with the reason, in the stats, the run's per-outlet record
and the crawl's summary."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.urls import canonicalize
from settings.registry import load_registry
from tests.hostile.server import GOOD_OUTLETS, HOSTILE, Net, serve_hostile_outlets
from tests.newsmon_cli import FAST, run_newsmon

pytestmark = pytest.mark.slow

_REPO = Path(__file__).resolve().parents[2]
_CRAWL_TIMEOUT_S = 180  # the crawl takes seconds; an endless sitemap or a ReDoS would not end


@dataclass
class _Crawl:
    net: Net
    registry: Path
    done: subprocess.CompletedProcess[str]
    articles: list[tuple[str, str]]  # (outlet, canonical_url)
    refused: dict[str, Counter[str]]  # per outlet, from the run's stats
    listed: dict[str, Counter[str]]  # per outlet, the refused URLs of its run_outlets record
    stats: dict[str, object]


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> _Crawl:
    tmp = tmp_path_factory.mktemp("hostile")
    with serve_hostile_outlets() as net:
        registry = net.write_registry(tmp / "outlets.toml")
        db = tmp / "archive.db"
        done = run_newsmon(
            "crawl",
            "--outlets",
            str(registry),
            "--db",
            str(db),
            *FAST,
            *net.crawl_settings(),
            check=False,
            timeout=_CRAWL_TIMEOUT_S,
            cwd=str(_REPO),
        )
        with sqlite3.connect(db) as conn:
            articles = list(conn.execute("SELECT outlet, canonical_url FROM articles"))
            listed: dict[str, Counter[str]] = {}
            for outlet, failures in conn.execute("SELECT outlet, failures FROM run_outlets"):
                listed[outlet] = Counter(
                    f.rpartition(": ")[2] for f in json.loads(failures) if f.startswith("refused ")
                )
            stats = json.loads(conn.execute("SELECT stats FROM runs").fetchone()[0])
        refused: dict[str, Counter[str]] = {}
        for key, value in stats.items():
            outlet, found, reason = key.removeprefix("newsmon/outlet/").partition("/refused/")
            if key.startswith("newsmon/outlet/") and found:
                refused.setdefault(outlet, Counter())[reason] = value
        return _Crawl(net, registry, done, articles, refused, listed, stats)


def test_the_crawl_ends_and_succeeds(crawl: _Crawl) -> None:
    assert crawl.done.returncode == 0, crawl.done.stderr[-3000:]


def test_every_good_article_is_stored_once_under_its_own_outlet(crawl: _Crawl) -> None:
    stored = Counter(crawl.articles)
    for key, url in crawl.net.samples.article_urls.items():
        outlet = key.split("/")[0]
        assert stored[(outlet, canonicalize(url))] == 1, key
    good = [a for a in crawl.articles if a[0] in GOOD_OUTLETS]
    assert len(good) == len(crawl.net.samples.article_urls)


@pytest.mark.parametrize("hostile", [h for h in HOSTILE if h.listed], ids=lambda h: h.id)
def test_a_hostile_outlet_stores_only_what_it_should(crawl: _Crawl, hostile: object) -> None:
    stored = [url for outlet, url in crawl.articles if outlet == hostile.id]  # type: ignore[attr-defined]
    assert len(stored) == hostile.stored, stored  # type: ignore[attr-defined]


@pytest.mark.parametrize("hostile", [h for h in HOSTILE if h.listed], ids=lambda h: h.id)
def test_what_a_hostile_outlet_tried_is_refused_and_counted_with_its_reason(
    crawl: _Crawl, hostile: object
) -> None:
    expected = Counter(hostile.refused)  # type: ignore[attr-defined]
    assert crawl.refused.get(hostile.id, Counter()) == expected  # type: ignore[attr-defined]
    # the run's per-outlet record lists the first 50 refused URLs with their reasons
    listed = crawl.listed.get(hostile.id, Counter())  # type: ignore[attr-defined]
    assert sum(listed.values()) == min(50, sum(expected.values()))
    assert set(listed) == set(expected)
    if expected:
        total = sum(expected.values())
        reasons = ", ".join(f"{n} {r}" for r, n in sorted(expected.items()))
        line = f"outlet '{hostile.id}': refused {total} requests: {reasons}"  # type: ignore[attr-defined]
        assert line in crawl.done.stderr.splitlines()


def test_refusals_are_in_the_stats_by_reason(crawl: _Crawl) -> None:
    expected: Counter[str] = Counter()
    for hostile in HOSTILE:
        expected.update(hostile.refused)
    got = {
        k.removeprefix("newsmon/refused/"): v
        for k, v in crawl.stats.items()
        if k.startswith("newsmon/refused/")
    }
    assert got == dict(expected)


def test_pages_over_the_extraction_budget_are_skipped_with_the_reason(crawl: _Crawl) -> None:
    expected: Counter[str] = Counter()
    for hostile in HOSTILE:
        expected.update(hostile.skipped)
    for reason, count in expected.items():
        assert crawl.stats.get(f"newsmon/extract/skipped/{reason}") == count, reason


def test_good_outlets_have_nothing_refused(crawl: _Crawl) -> None:
    for outlet in GOOD_OUTLETS:
        assert not crawl.refused.get(outlet), outlet


def test_every_stored_article_is_under_the_outlet_whose_domains_hold_its_url(crawl: _Crawl) -> None:
    outlets = {o.id: o for o in load_registry(crawl.registry)}
    for outlet, url in crawl.articles:
        assert outlets[outlet].allows_host(url), (outlet, url)


def test_a_host_that_is_no_outlet_is_never_asked(crawl: _Crawl) -> None:
    for hostile in HOSTILE:
        if hostile.never_asked:
            assert not crawl.net.gets(hostile.id), hostile.id


def test_an_endless_chain_of_sitemap_indexes_is_followed_to_the_depth_limit_only(
    crawl: _Crawl,
) -> None:
    sitemaps = [p for p in crawl.net.gets("endless-index") if p.endswith(".xml")]
    assert sorted(sitemaps) == [f"/s/{n}.xml" for n in range(4)]  # depths 0..3


def test_a_self_listing_sitemap_index_is_fetched_once(crawl: _Crawl) -> None:
    assert crawl.net.gets("self-index")["/sitemap.xml"] == 1


def test_a_wide_tree_of_sitemaps_is_cut_at_the_per_outlet_limit(crawl: _Crawl) -> None:
    sitemaps = [p for p in crawl.net.gets("wide-index") if p.endswith(".xml")]
    assert len(sitemaps) == 100
    assert max(crawl.net.gets("wide-index").values()) == 1


def test_a_redos_bait_link_is_not_requested(crawl: _Crawl) -> None:
    asked = set(crawl.net.gets("redos"))
    assert "/u/a-good-story/" in asked
    assert not [p for p in asked if p.startswith("/u/a") and p != "/u/a-good-story/"]
