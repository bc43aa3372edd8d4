"""`newsmon outlets check` against the local sample outlets plus broken routes added for it."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from crawler.demo.server import Response
from crawler.fetch.probe import Answer, classify
from settings.registry import load_registry_text
from tests.newsmon_cli import run_main

_RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}
_HTML = {"Content-Type": "text/html; charset=utf-8"}
_EMPTY_FEED = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
    b"<title>Nothing yet</title><link>http://example.test/</link></channel></rss>"
)
_CHALLENGE = (
    b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
    b'<div id="cf-chl-widget">Checking your browser</div></body></html>'
)
_HOME = b"<!DOCTYPE html><html><head><title>Home</title></head><body><p>Front</p></body></html>"
_ROUTES = {
    "/probe/forbidden.xml": Response(403, _HTML, b"<html><body>Forbidden</body></html>"),
    "/probe/broken.xml": Response(500, _HTML, b"<html><body>Internal error</body></html>"),
    "/probe/html-feed.xml": Response(200, _RSS, _HOME),
    "/probe/empty-feed.xml": Response(200, _RSS, _EMPTY_FEED),
    "/probe/challenge.xml": Response(200, _HTML, _CHALLENGE),
    "/probe/missing.xml": Response(404, _HTML, b"<html><body>Not found</body></html>"),
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _outlet_toml(outlet_id: str, feeds: list[str]) -> str:
    """An outlet of ``feeds``, whose hosts are its allowed_domains (all but ``localhost``)."""
    hosts = sorted({urlsplit(feed).hostname for feed in feeds} - {"localhost"} | {"127.0.0.1"})
    return (
        f'[[outlet]]\nid = "{outlet_id}"\nname = "{outlet_id}"\ncountry = "KG"\n'
        f'languages = ["en"]\nhomepage = "http://127.0.0.1/"\nfeeds = {json.dumps(feeds)}\n'
        "article_pattern = '^http://127\\.0\\.0\\.1/news/[a-z-]+/$'\n"
        f"allowed_domains = {json.dumps(hosts)}\n"
    )


@pytest.fixture(scope="module")
def registry(sample_sites: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample outlets (all readable) plus one outlet per kind of broken feed."""
    base = sample_sites.base_url("osh24")
    for path, response in _ROUTES.items():
        sample_sites.add_route("osh24", path, response)
    broken = {
        "forbidden": [base + "/probe/forbidden.xml"],
        "server-error": [base + "/probe/broken.xml"],
        "html-feed": [base + "/probe/html-feed.xml"],
        "empty-feed": [base + "/probe/empty-feed.xml"],
        "challenge": [base + "/probe/challenge.xml"],
        "missing": [base + "/probe/missing.xml"],
        "refused": [f"http://127.0.0.1:{_free_port()}/rss"],
        "offsite": [f"http://localhost:{_free_port()}/rss"],  # allowed_domains: 127.0.0.1
        "half-broken": [
            sample_sites.base_url("ala-too-wire") + "/rss/",
            base + "/probe/broken.xml",
        ],
    }
    text = (
        sample_sites.registry_toml
        + "\n"
        + "\n".join(_outlet_toml(outlet_id, feeds) for outlet_id, feeds in broken.items())
    )
    path = tmp_path_factory.mktemp("probe") / "outlets.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _check(
    registry: Path, capsys: pytest.CaptureFixture[str], *outlets: str
) -> tuple[int, dict[str, dict[str, Any]], str]:
    args = ["outlets", "check", "--outlets", str(registry), "--format", "json", "--timeout", "5"]
    for outlet in outlets:
        args += ["--outlet", outlet]
    status, out, err = run_main(args, capsys)
    return status, {record["outlet"]: record for record in json.loads(out)}, err


def test_every_sample_outlet_reads_ok_and_the_check_exits_0(
    registry: Path, sample_sites: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    status, records, err = _check(registry, capsys, *sample_sites.outlet_ids)
    assert (status, err) == (0, "")
    assert {r["status"] for r in records.values()} == {"ok"}
    feed = records["ala-too-wire"]["sources"][0]
    assert feed["kind"] == "feed" and feed["articles"] > 0 and feed["newest"]
    assert feed["detail"] == (
        f"feed with {feed['articles']} article links, newest {feed['newest']}"
    )
    sitemap = records["silk-road-times"]["sources"][0]
    assert (sitemap["kind"], sitemap["detail"]) == ("sitemap", "sitemap index of 2 sitemaps")


@pytest.mark.parametrize(
    ("outlet", "status", "detail"),
    [
        ("forbidden", "blocked", "HTTP 403"),
        ("challenge", "blocked", "HTTP 200 with a bot-protection challenge page"),
        ("server-error", "unreachable", "HTTP 500"),
        ("refused", "unreachable", "connection refused"),
        ("html-feed", "invalid", "not-a-feed: an HTML page"),
        ("missing", "invalid", "HTTP 404: the URL is wrong or gone"),
        ("empty-feed", "empty", "feed with no items"),
        ("offsite", "invalid", "offsite: localhost is not in allowed_domains, the crawl"),
    ],
)
def test_a_broken_feed_gets_its_status_and_detail(
    registry: Path, capsys: pytest.CaptureFixture[str], outlet: str, status: str, detail: str
) -> None:
    exit_status, records, err = _check(registry, capsys, outlet)
    assert records[outlet]["status"] == status
    assert records[outlet]["sources"][0]["detail"].startswith(detail)
    assert exit_status == 1
    assert err == f"1 of 1 outlets not ok: {outlet} ({status})\n"


def test_an_outlet_takes_the_worst_status_of_its_sources(
    registry: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, records, _ = _check(registry, capsys, "half-broken")
    assert [s["status"] for s in records["half-broken"]["sources"]] == ["empty", "unreachable"]
    assert records["half-broken"]["status"] == "unreachable"


def test_the_table_names_each_outlet_then_each_source(
    registry: Path, sample_sites: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run_main(
        [
            "outlets",
            "check",
            "--outlets",
            str(registry),
            "--outlet",
            "forbidden",
            "--outlet",
            "osh24",
        ],
        capsys,
    )
    base = sample_sites.base_url("osh24")
    assert status == 1
    assert out.splitlines()[:2] == [
        "forbidden  blocked",
        f"  feed     blocked      {base}/probe/forbidden.xml  HTTP 403",
    ]
    assert out.splitlines()[2] == "osh24  ok"
    assert err == "1 of 2 outlets not ok: forbidden (blocked)\n"


def test_an_unknown_outlet_is_a_usage_error(
    registry: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run_main(
        ["outlets", "check", "--outlets", str(registry), "--outlet", "forbiden"], capsys
    )
    assert (status, out) == (2, "")
    assert err.startswith("error: unknown outlet 'forbiden' (did you mean 'forbidden'?)")


def test_a_feed_whose_items_are_not_articles_is_empty() -> None:
    outlet = load_registry_text(_outlet_toml("x", ["http://127.0.0.1/rss"]))[0]
    body = (
        b'<rss version="2.0"><channel><item><title>Ad</title>'
        b"<link>http://127.0.0.1/promo/offer</link></item></channel></rss>"
    )
    check = classify(outlet, "feed", Answer("http://127.0.0.1/rss", 200, body))
    assert (check.status, check.detail) == (
        "empty",
        "feed with 1 links, none matches article_pattern",
    )
