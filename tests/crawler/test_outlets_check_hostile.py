"""`newsmon outlets check` on hostile sources: a redirect off the outlet's domains is not
followed, and a URL with a non-ASCII path or host is fetched, not a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from crawler.demo.server import Response
from tests.newsmon_cli import run_main

_RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}
_EMPTY_FEED = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
    b"<title>Nothing yet</title><link>http://example.test/</link></channel></rss>"
)
_UNICODE_PATH = "/новости/rss"


def _outlet_toml(outlet_id: str, host: str, feed: str) -> str:
    return (
        f'[[outlet]]\nid = "{outlet_id}"\nname = "{outlet_id}"\ncountry = "KG"\n'
        f'languages = ["ru"]\nhomepage = "http://{host}/"\nfeeds = ["{feed}"]\n'
        "article_pattern = '^http://127\\.0\\.0\\.\\d+:\\d+/news/\\d+$'\n"
        f'allowed_domains = ["{host}"]\n'
    )


@pytest.fixture(scope="module")
def registry(sample_sites: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = sample_sites.base_url("osh24")
    host = urlsplit(base).hostname
    elsewhere = sample_sites.base_url("ala-too-wire") + "/internal/export.xml?token=s3cr3t"
    sample_sites.add_route("osh24", "/hostile/away.xml", Response(302, {"Location": elsewhere}))
    sample_sites.add_route(
        "osh24", "/hostile/home.xml", Response(302, {"Location": base + "/hostile/empty.xml"})
    )
    sample_sites.add_route("osh24", "/hostile/empty.xml", Response(200, _RSS, _EMPTY_FEED))
    sample_sites.add_route("osh24", quote(_UNICODE_PATH), Response(200, _RSS, _EMPTY_FEED))
    text = "\n".join(
        [
            _outlet_toml("away", host, base + "/hostile/away.xml"),
            _outlet_toml("home", host, base + "/hostile/home.xml"),
            _outlet_toml("cyrillic-path", host, base + _UNICODE_PATH),
        ]
    )
    path = tmp_path_factory.mktemp("probe-hostile") / "outlets.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _check(
    registry: Path, capsys: pytest.CaptureFixture[str], outlet: str
) -> tuple[int, dict[str, Any]]:
    status, out, _ = run_main(
        [
            "outlets",
            "check",
            "--outlets",
            str(registry),
            "--outlet",
            outlet,
            "--format",
            "json",
            "--timeout",
            "5",
        ],
        capsys,
    )
    return status, json.loads(out)[0]


def test_a_redirect_off_the_outlets_domains_is_not_followed(
    registry: Path, counted_sites: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    status, record = _check(registry, capsys, "away")
    elsewhere = counted_sites.base_url("ala-too-wire") + "/internal/export.xml?token=s3cr3t"
    assert status == 1
    assert record["status"] == "invalid"
    assert record["sources"][0]["detail"] == (
        f"redirected to {elsewhere}, outside the outlet's allowed_domains"
    )
    assert not counted_sites.gets("ala-too-wire")["/internal/export.xml"]


def test_a_redirect_inside_the_outlets_domains_is_followed(
    registry: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, record = _check(registry, capsys, "home")
    assert record["sources"][0]["status"] == "empty"


def test_a_feed_url_with_a_cyrillic_path_is_fetched(
    registry: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, record = _check(registry, capsys, "cyrillic-path")
    assert (record["status"], record["sources"][0]["detail"]) == ("empty", "feed with no items")
