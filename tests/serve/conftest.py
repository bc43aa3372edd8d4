"""An archive of invented stories (some with hostile markup) and the dashboard over it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from crawler.items import Image
from crawler.serve.app import Config, create_app
from crawler.store.archive import Archive
from crawler.store.search import build_search_index
from tests.factories import GRAIN, make_article

HOSTILE = "<script>alert(1)</script>"
DAM = (
    "The regional water authority opened the spillway of the upper dam on Monday morning "
    "after three days of heavy rain filled the reservoir above its seasonal mark. "
)
DAM_COPY_OWN = "Farmers downstream were told to move their herds to higher pastures. "
COUNTRIES = {"ala-too": "KG", "osh24": "KG", "courier": "KZ", "steppe": "KZ"}


def _stories() -> list:
    """Two clusters (dam: 3 members, grain: 2) and a single, with hostile fields."""
    dam = make_article(
        "d1",
        "ala-too",
        "2026-11-09T04:00:00Z",
        cluster="d1",
        title=f"Spillway opened {HOSTILE}",
        text=DAM * 4,
    )
    dam = dataclasses.replace(
        dam,
        authors=[f"Reporter {HOSTILE}"],
        images=[
            Image(
                url="https://ala-too.example/a.jpg",
                caption=f"Caption {HOSTILE}",
                credit="Photo desk",
            )
        ],
    )
    return [
        dam,
        make_article(
            "d2",
            "osh24",
            "2026-11-09T05:30:00Z",
            cluster="d1",
            title="Dam spillway opened",
            text=DAM * 3 + DAM_COPY_OWN,
        ),
        make_article(
            "d3",
            "courier",
            "2026-11-09T07:00:00Z",
            cluster="d1",
            title="Reservoir above its mark",
            text=DAM * 2 + DAM_COPY_OWN * 2,
        ),
        make_article(
            "g1",
            "steppe",
            "2026-11-08T10:00:00Z",
            cluster="g1",
            language="ru",
            title="Зерновые вагоны в дефиците",
            text=GRAIN,
        ),
        make_article(
            "g2",
            "osh24",
            "2026-11-08T12:00:00Z",
            cluster="g1",
            language="ru",
            title="Дефицит вагонов для зерна",
            text=GRAIN,
        ),
        dataclasses.replace(
            make_article(
                "s1",
                "courier",
                "2026-11-07T09:00:00Z",
                cluster="s1",
                title="Chess club wins the cup",
                text="The city chess club won the regional cup on Sunday. " * 10,
            ),
            url="javascript:alert(document.cookie)",
        ),
    ]


@pytest.fixture
def archive_path(tmp_path: Path) -> Path:
    """The stories' archive, with its search index."""
    path = tmp_path / "serve.db"
    with Archive(path) as archive:
        for article in _stories():
            archive.store_article(article)
        build_search_index(archive)
    return path


@pytest.fixture
def client(archive_path: Path) -> Iterator[TestClient]:
    """The dashboard over the stories' archive, times in UTC+6 (Asia/Bishkek)."""
    from zoneinfo import ZoneInfo

    config = Config(db=str(archive_path), zone=ZoneInfo("Asia/Bishkek"), country_of=COUNTRIES)
    with TestClient(create_app(config)) as test_client:
        yield test_client
