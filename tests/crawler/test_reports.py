"""`newsmon report clusters|cluster|outlets` on small hand-made archives."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from crawler.report import COPY_LEGEND, ORIGIN_RULE
from crawler.store.archive import Archive
from dedup import DedupConfig, signature
from tests.factories import GRAIN, make_article
from tests.newsmon_cli import run_main

CFG = DedupConfig()


@pytest.fixture
def archive_path(db_path: Path) -> Path:
    """Two stories: water (3 outlets, one copy without a date) and grain (a tie), a single."""
    with Archive(db_path) as archive:
        for article in (
            make_article(
                "w1",
                "ala-too",
                "2026-11-09T10:00:00+06:00",
                cluster="w1",
                title="Toktogul water release agreed",
            ),
            make_article("w2", "osh24", "2026-11-09T11:05:00+06:00", cluster="w1"),
            make_article("w3", "courier", None, cluster="w1", fetched="2026-11-09T09:30:00+00:00"),
            make_article(
                "g2",
                "vestnik",
                "2026-11-08T10:00:00Z",
                cluster="g1",
                text=GRAIN,
                language="ru",
                title="Зерно ждёт вагонов",
                fetched="2026-11-08T16:30:00+06:00",
            ),
            make_article(
                "g1",
                "courier",
                "2026-11-08T10:00:00Z",
                cluster="g1",
                text=GRAIN,
                language="ru",
                title="Вагоны для зерна",
                fetched="2026-11-08T11:00:00Z",
            ),
            make_article("s1", "osh24", "2026-11-08T09:00:00Z", cluster="s1"),
        ):
            archive.store_article(article, signature=signature(article.text, CFG).to_bytes())
    return db_path


@pytest.fixture(autouse=True)
def _width(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tables of these tests are 136 columns wide (``COLUMNS``), whatever the terminal."""
    monkeypatch.setenv("COLUMNS", "136")


def _json(args: list[str], capsys: pytest.CaptureFixture[str]) -> Any:
    """A JSON report's data: the cluster list (its ``scope`` checked apart), or the outlet
    report."""
    status, out, err = run_main([*args, "--format", "json"], capsys)
    assert (status, err) == (0, "")
    data = json.loads(out)
    return data.get("clusters", data)


def _legend(lines: list[str]) -> str:
    return " ".join(lines)


def test_clusters_table_shows_origin_members_lags_and_the_rule(
    archive_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run_main(["report", "clusters", "--db", str(archive_path)], capsys)
    assert (status, err) == (0, "")
    lines = out.splitlines()
    end = len(lines) - lines[::-1].index("")  # the legend follows the last blank line
    assert lines[:end] == [
        "clusters: period start .. now; filters: min size 2",
        "",
        "cluster w1  size 3  outlets 3  Toktogul water release agreed",
        "  2026-11-09T04:00:00+00:00          +0  ala-too            origin    "
        "                               Toktogul water release agreed",
        "  2026-11-09T05:05:00+00:00      +1h05m  osh24              sim 1.00  "
        "copies ala-too                 Story w2",
        "  2026-11-09T09:30:00+00:00*     +5h30m  courier            sim 1.00  "
        "copies ala-too                 Story w3",
        "",
        "cluster g1  size 2  outlets 2  Зерно ждёт вагонов",
        "  2026-11-08T10:00:00+00:00          +0  vestnik            origin    "
        "                               Зерно ждёт вагонов",
        "  2026-11-08T10:00:00+00:00          +0  courier            sim 1.00  "
        "copies vestnik                 Вагоны для зерна",
        "",
    ]
    # the legend wraps at the width
    assert all(len(line) <= 136 for line in lines)
    assert _legend(lines[end:]) == (
        f"origin: {ORIGIN_RULE}; * = fetch time (no published time) {COPY_LEGEND}"
    )


def test_cluster_json_gives_design_records_with_the_origin_rule(
    archive_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = _json(["report", "clusters", "--db", str(archive_path)], capsys)
    water, grain = records
    assert {"id", "size", "outlets", "first_published", "origin", "members", "title"} <= set(water)
    assert (water["id"], water["size"], water["outlets"], water["origin"]) == (
        "w1",
        3,
        ["ala-too", "courier", "osh24"],
        "w1",
    )
    assert water["first_published"] == "2026-11-09T04:00:00+00:00"
    assert (water["origin_rule"], water["origin_time_source"]) == (ORIGIN_RULE, "published")
    assert [
        (m["id"], m["outlet"], m["lag_seconds"], m["similarity"], m["time_source"])
        for m in water["members"]
    ] == [
        ("w1", "ala-too", 0, 1.0, "published"),
        ("w2", "osh24", 3900, 1.0, "published"),
        ("w3", "courier", 19800, 1.0, "fetched"),
    ]
    # the same text: w3 (dated by its fetch time) copies the earliest of its equals, the origin
    assert [
        (m["copy_of"], m["copy_of_outlet"], m["copy_similarity"], m["source"])
        for m in water["members"]
    ] == [(None, None, None, None), ("w1", "ala-too", 1.0, None), ("w1", "ala-too", 1.0, None)]
    # g1 and g2 were published at the same time: the earlier fetch (g2, 10:30 UTC) wins
    assert (grain["origin"], grain["origin_outlet"]) == ("g2", "vestnik")


def test_a_member_without_published_time_can_be_origin_by_fetch_time(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Archive(db_path) as archive:
        archive.store_article(make_article("a", "one", "2026-11-09T10:00:00Z", cluster="a"))
        archive.store_article(
            make_article("b", "two", None, cluster="a", fetched="2026-11-09T08:00:00Z")
        )
    (record,) = _json(["report", "cluster", "a", "--db", str(db_path)], capsys)
    assert (record["origin"], record["origin_time_source"]) == ("b", "fetched")
    assert record["members"][1]["lag_seconds"] == 7200


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--outlet", "vestnik"], ["g1"]),
        (["--language", "en"], ["w1"]),
        (["--query", "TOKTOGUL winter"], ["w1"]),
        (["--query", "ВАГОНОВ"], ["g1"]),
        (["--query", "toktogul grain"], []),
        (["--since", "2026-11-09"], ["w1"]),
        (["--until", "2026-11-08"], ["g1"]),
        (["--until", "2026-11-09"], ["w1", "g1"]),  # a day: that day included
        (["--min-size", "3"], ["w1"]),
        (
            ["--min-size", "1", "--since", "2026-11-08T08:30:00Z", "--until", "2026-11-08T09:30Z"],
            ["s1"],
        ),
        (["--limit", "1"], ["w1"]),
    ],
)
def test_cluster_filters(
    archive_path: Path, capsys: pytest.CaptureFixture[str], options: list[str], expected: list[str]
) -> None:
    records = _json(["report", "clusters", "--db", str(archive_path), *options], capsys)
    assert [r["id"] for r in records] == expected


def test_cluster_by_merged_alias_and_unknown_cluster(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Archive(db_path) as archive:
        archive.store_article(make_article("old", "one", "2026-11-09T10:00:00Z", cluster="old"))
        archive.store_article(make_article("new", "two", "2026-11-09T09:00:00Z", cluster="new"))
        archive.store_article(
            make_article("x", "three", "2026-11-09T11:00:00Z", cluster="new"), aliases=["old"]
        )
    (record,) = _json(["report", "cluster", "old", "--db", str(db_path)], capsys)
    assert (record["id"], record["size"]) == ("new", 3)
    status, out, err = run_main(["report", "cluster", "nope", "--db", str(db_path)], capsys)
    assert (status, out, err) == (2, "", f"error: no cluster 'nope' in {db_path}\n")


def test_csv_has_one_row_per_member_and_markdown_a_table_per_cluster(
    archive_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run_main(
        ["report", "clusters", "--db", str(archive_path), "--format", "csv"], capsys
    )
    comment, _, table = out.partition("\n")
    assert comment == "# clusters: period start .. now; filters: min size 2"
    rows = list(csv.DictReader(io.StringIO(table)))
    assert [(r["cluster"], r["id"], r["is_origin"], r["time_source"]) for r in rows] == [
        ("w1", "w1", "1", "published"),
        ("w1", "w2", "0", "published"),
        ("w1", "w3", "0", "fetched"),
        ("g1", "g2", "1", "published"),
        ("g1", "g1", "0", "published"),
    ]
    _, out, _ = run_main(
        ["report", "cluster", "w1", "--db", str(archive_path), "--format", "markdown"], capsys
    )
    assert out.splitlines()[:8] == [
        "_Clusters: period start .. now; filters: cluster w1_",
        "",
        "## Toktogul water release agreed",
        "",
        "Cluster `w1`: 3 articles from 3 outlets; origin `w1` (ala-too, by published time).",
        "",
        "| time | lag | outlet | similarity | copies | title |",
        "|---|---|---|---|---|---|",
    ]
    assert out.splitlines()[10] == (
        "| 2026-11-09T09:30:00+00:00* | +5h30m | courier | sim 1.00 | copies ala-too "
        "| [Story w3](https://courier.example/news/w3/) |"
    )


def test_a_missing_archive_and_a_bad_time_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "none.db"
    status, out, err = run_main(["report", "outlets", "--db", str(missing)], capsys)
    assert (status, out) == (2, "")
    assert err == f"error: no archive at {missing}; run `newsmon crawl --db {missing}` first\n"
    status, _, err = run_main(
        ["report", "clusters", "--db", str(missing), "--until", "soon"], capsys
    )
    assert status == 2
    assert err.splitlines()[-1] == (
        "Error: Invalid value for '--until': 'soon' is neither a "
        "duration like 24h/7d nor an ISO date"
    )


@pytest.mark.parametrize(
    "command", [["report", "clusters"], ["report", "outlets"], ["export"], ["export", "-f", "warc"]]
)
def test_an_outlet_neither_registered_nor_archived_is_a_usage_error(
    archive: Path, registry: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    # a typo must not read as "the archive holds no articles" or as an outlet of 0 articles
    if command[-1] == "warc":
        command = ["export", "--format", "warc"]
    args = [*command, "--db", str(archive), "--outlets", str(registry), "--outlet", "osh42"]
    status, out, err = run_main(args, capsys)
    assert (status, out) == (2, "")
    assert err == "error: no outlet 'osh42' in the registry or the archive\n"


def test_a_registered_outlet_without_articles_is_no_error(
    archive: Path, registry: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = registry.read_text(encoding="utf-8").split("\n\n")[0]
    idle = re.sub(r"https://[^.]+\.", "https://idle.", first)
    idle = re.sub(r'id = "[^"]+"', 'id = "idle"', idle)
    registry.write_text(registry.read_text(encoding="utf-8") + "\n" + idle, encoding="utf-8")
    args = ["report", "outlets", "--db", str(archive), "--outlets", str(registry)]
    status, out, _ = run_main([*args, "--outlet", "idle", "--format", "json"], capsys)
    assert status == 0 and json.loads(out)["outlets"][0]["articles"] == 0


# -- the outlet report -----------------------------------------------------------------------


def _run_row(outlet: str, **counts: object) -> dict[str, object]:
    row: dict[str, object] = {
        "outlet": outlet,
        "sources": 1,
        "sources_failed": 0,
        "links": 5,
        "requested": 2,
        "stored": 2,
        "skipped": 0,
        "failed": 0,
        "failures": [],
    }
    row.update(counts)
    return row


@pytest.fixture
def health_archive(archive_path: Path) -> Path:
    """The two stories plus a history of long bodies and crawl runs with trouble."""
    long_body, short_body = "word " * 600, "Photo: a caption only."
    with Archive(archive_path) as archive:
        for day in range(1, 31):  # October: vestnik's usual 3000-character bodies
            archive.store_article(
                make_article(
                    f"h{day}",
                    "vestnik",
                    f"2026-10-{day:02d}T08:00:00Z",
                    cluster=f"h{day}",
                    text=long_body,
                )
            )
        for hour in range(6):  # November: its bodies collapsed
            archive.store_article(
                make_article(
                    f"v{hour}",
                    "vestnik",
                    f"2026-11-07T0{hour}:00:00Z",
                    cluster=f"v{hour}",
                    text=short_body,
                )
            )
        first = archive.start_run("2026-11-07T00:00:00+00:00", ["osh24", "courier"])
        archive.finish_run(first, "2026-11-07T00:10:00+00:00", "ok", "finished", {})
        archive.record_run_outlets(
            first,
            [
                _run_row("osh24"),
                _run_row(
                    "courier", failed=3, failures=["feed https://courier.example/rss: http-403"]
                ),
            ],
        )
        second = archive.start_run("2026-11-09T00:00:00+00:00", ["osh24", "courier"])
        archive.finish_run(second, "2026-11-09T00:10:00+00:00", "partial", "finished", {})
        archive.record_run_outlets(
            second,
            [
                _run_row("osh24", links=12, requested=12, stored=0, skipped=12),
                _run_row(
                    "courier",
                    sources_failed=1,
                    links=0,
                    requested=0,
                    stored=0,
                    failures=["feed https://courier.example/rss: timeout"],
                ),
            ],
        )
    return archive_path


def test_outlet_report_counts_copies_failures_and_raises_alarms(
    health_archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _json(
        [
            "report",
            "outlets",
            "--db",
            str(health_archive),
            "--since",
            "2026-11-01",
            "--until",
            "2026-11-30",
        ],
        capsys,
    )
    assert report["copy_matrix"] == {
        "ala-too": {"courier": 1, "osh24": 1},
        "vestnik": {"courier": 1},
    }
    rows = {r["outlet"]: r for r in report["outlets"]}
    assert list(rows) == ["ala-too", "courier", "osh24", "vestnik"]
    assert [
        (o, r["articles"], r["copies_published"], r["copied_by_others"]) for o, r in rows.items()
    ] == [("ala-too", 1, 0, 2), ("courier", 2, 2, 0), ("osh24", 2, 1, 0), ("vestnik", 7, 0, 1)]
    assert rows["courier"]["copied_from"] == {"ala-too": 1, "vestnik": 1}
    assert rows["courier"]["failures"] == {
        "article fetch": 3,
        "feed http-403": 1,
        "feed timeout": 1,
    }
    assert rows["courier"]["last_successful_crawl"] == "2026-11-07T00:10:00+00:00"
    assert rows["osh24"]["last_successful_crawl"] == "2026-11-09T00:10:00+00:00"
    assert [a["kind"] for a in rows["courier"]["alarms"]] == ["unreachable"]
    assert rows["osh24"]["alarms"] == [
        {
            "kind": "no-articles",
            "detail": (
                "last crawl (2026-11-09T00:10:00+00:00) found 12 links, fetched 12 pages and "
                "stored "
                "no article"
            ),
        }
    ]
    assert (rows["vestnik"]["median_body_chars"], rows["vestnik"]["usual_body_chars"]) == (22, 3000)
    assert rows["vestnik"]["alarms"] == [
        {
            "kind": "body-collapse",
            "detail": (
                "median body 22 chars over the last 7 articles, against 3000 before the period (1%)"
            ),
        }
    ]
    assert rows["ala-too"]["alarms"] == []


def test_crawls_killed_or_stopped_at_once_count_as_failures_of_their_outlets(
    health_archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # they record no row per outlet: the report said "ok" for an outlet whose crawls all died
    with Archive(health_archive) as archive:
        archive.start_run("2026-11-10T00:00:00+00:00", ["osh24", "courier"])
        archive.close_abandoned_runs(0, None, "2026-11-10T01:00:00+00:00", "killed")
        forced = archive.start_run("2026-11-11T00:00:00+00:00", ["osh24"])
        archive.finish_run(forced, "2026-11-11T00:01:00+00:00", "partial", "forced", {})
        archive.start_run("2026-11-12T00:00:00+00:00", ["osh24"])  # still running: not counted
    args = ["report", "outlets", "--db", str(health_archive), "--since", "2026-11-01"]
    rows = {r["outlet"]: r for r in _json(args, capsys)["outlets"]}
    assert rows["osh24"]["failures"] == {"crawl killed": 1, "crawl stopped at once": 1}
    assert rows["courier"]["failures"]["crawl killed"] == 1
    assert "crawl killed" not in rows["vestnik"]["failures"]
    before = _json([*args, "--until", "2026-11-10T12:00"], capsys)["outlets"]
    assert {r["outlet"]: r for r in before}["osh24"]["failures"] == {"crawl killed": 1}


def test_outlet_report_table(health_archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_main(
        [
            "report",
            "outlets",
            "--db",
            str(health_archive),
            "--outlet",
            "osh24",
            "--since",
            "2026-11-01",
            "--until",
            "2026-11-30",
        ],
        capsys,
    )
    assert (status, err) == (0, "")
    assert out.splitlines() == [
        "outlets: period 2026-11-01T00:00:00+00:00 .. 2026-12-01T00:00:00+00:00; filters: "
        "outlets osh24",
        "",
        "outlet  articles  copies  copied  runs  last ok crawl              body  usual  "
        "failures / alarms",
        "osh24   2         1       0       2     2026-11-09T00:10:00+00:00  832   -      "
        "ALARM no-articles: last crawl",
        " " * 80 + "(2026-11-09T00:10:00+00:00) found 12 links, fetched 12",
        " " * 80 + "pages and stored no article",
        "copies = its copies of others' stories, copied = others' copies of its stories",
    ]


def test_an_outlet_whose_article_requests_all_failed_is_not_said_to_have_fetched_them(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Archive(db_path) as archive:
        run = archive.start_run("2026-11-09T00:00:00+00:00", ["osh24"])
        archive.finish_run(run, "2026-11-09T00:10:00+00:00", "partial", "finished", {})
        row = _run_row("osh24", links=12, requested=6, stored=0, skipped=0, failed=6)
        archive.record_run_outlets(run, [row])
    args = ["report", "outlets", "--db", str(db_path), "--format", "json"]
    _, out, _ = run_main(args, capsys)
    alarms = json.loads(out)["outlets"][0]["alarms"]
    assert alarms[0]["detail"] == (
        "last crawl (2026-11-09T00:10:00+00:00) found 12 links, requested 6 pages, all 6 failed "
        "(see the crawl's summary or log for why), and stored no article"
    )


def test_similarity_to_the_origin_comes_from_the_stored_signatures(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dedup import DedupConfig, signature

    cfg = DedupConfig()
    paragraphs = [
        f"Paragraph {n} of the reservoir story: gauge {n * 7} read {n * 13} centimetres "
        f"above the autumn mark, said engineer number {n}."
        for n in range(12)
    ]
    story = "\n\n".join(paragraphs)
    excerpt = "\n\n".join(paragraphs[:6])
    with Archive(db_path) as archive:
        for article in (
            make_article("o", "one", "2026-11-09T04:00:00Z", cluster="o", text=story),
            make_article("c", "two", "2026-11-09T05:00:00Z", cluster="o", text=story),
            make_article("e", "three", "2026-11-09T06:00:00Z", cluster="o", text=excerpt),
        ):
            archive.store_article(article, signature=signature(article.text, cfg).to_bytes())
    (record,) = _json(["report", "clusters", "--db", str(db_path)], capsys)
    similarity = {m["id"]: m["similarity"] for m in record["members"]}
    assert similarity["o"] == 1.0
    assert similarity["c"] == 1.0  # the same text
    assert similarity["e"] >= 0.9  # an excerpt: its text is contained in the origin's


@pytest.mark.parametrize("width", [60, 80, 100])
def test_outlet_report_table_fits_the_terminal(
    health_archive: Path, capsys: pytest.CaptureFixture[str], width: int, monkeypatch
) -> None:
    # at 80 columns its rows were 84-107 characters wide: the body lengths, then the run count,
    # give way
    monkeypatch.setenv("COLUMNS", str(width))
    status, out, _ = run_main(["report", "outlets", "--db", str(health_archive)], capsys)
    assert status == 0
    assert max(map(len, out.splitlines())) <= width
    assert ("usual" in out) == (width >= 100)


def test_an_outlet_publishing_a_story_again_is_a_repost_not_a_copy() -> None:
    # the same page under two URLs (no canonical link): the report said "copies dups" of dups
    from crawler.report import copy_label

    member = {
        "outlet": "dups", "copy_of": "a1", "copy_of_outlet": "dups",
        "from_source": None, "source": None,
    }  # fmt: skip
    assert copy_label(member) == "repost (same outlet)"
    assert copy_label({**member, "outlet": "osh24"}) == "copies dups"
    assert "repost (same outlet)" in COPY_LEGEND
