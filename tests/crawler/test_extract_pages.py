"""Fixture pages in real outlets' templates (own texts) give exactly their expected JSON.

After a deliberate extractor change: ``python -m tests.regen_pages`` and review the diff.
"""

from __future__ import annotations

import json

import pytest
import trafilatura

from crawler.extract.paragraphs import normalize
from tests.regen_pages import PAGES, expected_path, manifest, page_record

ENTRIES = manifest()
# Lines of the templates' boilerplate that must never reach a body (see outlets.md §3).
NEVER_IN_BODY = [
    "© CABAR - Central Asian Bureau for Analytical Reporting",
    "From iwpr.net",
    "This publication was funded by the European Union",
    "Download",
    "If you have found a spelling error",
    "Популярные новости",
    "Лента новостей",
    "Bishkek, Sep. 18, 2026 / Kabar /.",
    "KGS/USD = 0.01144",
    "Share this",
    "Просматриваемые",
    "Поддержите журналистику, которой доверяют",
    "Бөлісу Сілтемесін көшіру",
    "Alматы время 21:36",
    "ЭТО МОЖЕТ БЫТЬ ИНТЕРЕСНО",
    "ЕЩЕ ОТ АВТОРА",
    "Load more",
    "Recommendations",
    "Ad-free site reading",
    "Читайте также",
    "Если вы нашли ошибку",
    "Follow Kun.uz on Telegram",
    "Фото: Tengrinews.kz",
    "Поделиться",
]


def test_fixture_pages_cover_at_least_ten_outlets() -> None:
    assert len({e["outlet"] for e in ENTRIES}) >= 10
    assert {e["path"] for e in ENTRIES} == {
        str(p.relative_to(PAGES)) for p in PAGES.glob("*/*.html")
    }


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["path"] for e in ENTRIES])
def test_fixture_page_matches_its_expected_json(entry: dict) -> None:
    expected = json.loads(expected_path(entry).read_text(encoding="utf-8"))
    assert page_record(entry) == expected


@pytest.mark.parametrize(
    "entry",
    [e for e in ENTRIES if "error" not in json.loads(expected_path(e).read_text(encoding="utf-8"))],
    ids=lambda e: e["path"],
)
def test_fixture_body_holds_no_template_boilerplate(entry: dict) -> None:
    record = page_record(entry)
    body = normalize(record["text"])
    for line in NEVER_IN_BODY:
        assert normalize(line) not in body, line
    assert normalize(record["title"]) not in body
    assert record["published"]
    assert record["language"] in ("en", "ru", "kk", "uz")


def test_single_byte_cyrillic_fixtures_decode_right() -> None:
    by_path = {e["path"]: e for e in ENTRIES}
    vlast = page_record(by_path["vlast/yablonevyj-sad-pavlodar.html"])
    kloop = page_record(by_path["kloop/meteostanciya-osh.html"])
    assert vlast["title"] == "Как в Павлодаре спасают старый яблоневый сад"
    assert kloop["title"] == "Как студенты из Оша собрали метеостанцию из старых деталей"


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["path"] for e in ENTRIES])
def test_the_public_trafilatura_path_gives_the_same_record(
    entry: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a trafilatura version the fast cascade is not verified on, the public call runs."""
    from crawler.extract import article as extract_module

    steps = extract_module.trafilatura_steps("0.0-unverified")
    assert steps == (trafilatura.load_html, extract_module._public_fast_extraction)
    monkeypatch.setattr(extract_module, "load_html", steps[0])
    monkeypatch.setattr(extract_module, "fast_extraction", steps[1])
    expected = json.loads(expected_path(entry).read_text(encoding="utf-8"))
    assert page_record(entry) == expected


def test_the_installed_trafilatura_is_one_the_fast_cascade_is_verified_on() -> None:
    """Fails on an upgrade: re-run tests/crawler/test_extract_cascade.py, then add the version."""
    from crawler.extract.article import VERIFIED_TRAFILATURA

    assert trafilatura.__version__ in VERIFIED_TRAFILATURA
