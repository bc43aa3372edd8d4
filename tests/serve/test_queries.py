"""The dashboard's volume query: local days in zones with and without daylight saving."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from crawler.report.queries import volume
from crawler.store.archive import Archive
from tests.factories import make_article


def _archive(db_path: Path, times: list[str]) -> Archive:
    archive = Archive(db_path)
    for n, moment in enumerate(times):
        archive.store_article(make_article(f"a{n}", "osh24", moment, cluster=f"a{n}"))
    return archive


def test_days_across_a_daylight_saving_change(db_path: Path) -> None:
    # Berlin leaves summer time (UTC+2 -> UTC+1) on 2026-10-25 at 01:00 UTC
    with _archive(db_path, ["2026-10-24T22:30:00Z", "2026-10-25T22:30:00Z"]) as archive:
        vol = volume(
            archive,
            "2026-10-23T22:00:00+00:00",
            "2026-10-26T23:00:00+00:00",
            zone=ZoneInfo("Europe/Berlin"),
        )
    assert vol.days == ["2026-10-24", "2026-10-25", "2026-10-26"]
    assert vol.series == {"osh24": [0, 2, 0]}  # 00:30 CEST and 23:30 CET, both on the 25th


def test_days_in_a_fixed_offset_zone(db_path: Path) -> None:
    with _archive(db_path, ["2026-11-08T17:59:59Z", "2026-11-08T18:00:00Z"]) as archive:
        vol = volume(
            archive,
            "2026-11-07T18:00:00+00:00",
            "2026-11-09T18:00:00+00:00",
            zone=ZoneInfo("Asia/Bishkek"),
            group_of={"osh24": "KG"},
        )
    assert vol.days == ["2026-11-08", "2026-11-09"]
    assert vol.series == {"KG": [1, 1]}  # 23:59:59 and 00:00 in Bishkek (UTC+6)
    assert vol.clusters == [0, 0]  # single articles are no stories
