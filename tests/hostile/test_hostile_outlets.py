"""Each hostile outlet of ``tests/hostile/server.py`` crawled alone (then the good outlets its
row names, into the same archive): it stores only what it should, what it tried is refused with
the reason, and the crawl ends."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.urls import canonicalize
from tests.hostile.server import HOSTILE, Hostile, Net, serve_hostile_outlets
from tests.newsmon_cli import FAST, run_newsmon

pytestmark = pytest.mark.slow

_REPO = Path(__file__).resolve().parents[2]
_CRAWL_TIMEOUT_S = 60  # seconds each; an endless sitemap or a ReDoS would not end


@pytest.fixture(scope="module")
def net() -> Iterator[Net]:
    with serve_hostile_outlets() as served:
        yield served


def _crawl(net: Net, registry: Path, db: Path, outlet: str) -> None:
    done = run_newsmon(
        "crawl",
        "--outlets",
        str(registry),
        "--db",
        str(db),
        "--outlet",
        outlet,
        *FAST,
        *net.crawl_settings(),
        check=False,
        timeout=_CRAWL_TIMEOUT_S,
        cwd=str(_REPO),
    )
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.mark.parametrize("hostile", [h for h in HOSTILE if h.listed], ids=lambda h: h.id)
def test_a_hostile_outlet_alone_stores_what_it_should_and_refuses_the_rest(
    net: Net, hostile: Hostile, tmp_path: Path
) -> None:
    registry = net.write_registry(tmp_path / "outlets.toml")
    db = tmp_path / "archive.db"
    _crawl(net, registry, db, hostile.id)
    with sqlite3.connect(db) as conn:
        stats = json.loads(conn.execute("SELECT stats FROM runs").fetchone()[0])
    for outlet in hostile.then:
        _crawl(net, registry, db, outlet)
    with sqlite3.connect(db) as conn:
        articles = Counter(conn.execute("SELECT outlet, canonical_url FROM articles"))
    assert sum(n for (outlet, _), n in articles.items() if outlet == hostile.id) == hostile.stored
    prefix = f"newsmon/outlet/{hostile.id}/refused/"
    assert {k.removeprefix(prefix): v for k, v in stats.items() if k.startswith(prefix)} == dict(
        hostile.refused
    )
    for key, url in net.samples.article_urls.items():
        outlet = key.split("/")[0]
        if outlet in hostile.then:
            assert articles[(outlet, canonicalize(url))] == 1, key


def test_an_article_whose_redirect_was_refused_is_not_asked_for_again(
    net: Net, tmp_path: Path
) -> None:
    registry = net.write_registry(tmp_path / "outlets.toml")
    db = tmp_path / "archive.db"
    _crawl(net, registry, db, "redirector")
    asked = net.gets("redirector")["/a/stolen"]
    _crawl(net, registry, db, "redirector")
    assert asked >= 1
    assert net.gets("redirector")["/a/stolen"] == asked
