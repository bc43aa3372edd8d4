"""Reports readable at any width and as a user names things: the terminal's width, lags in
days, one similarity precision, the period and filters on top of every format, clusters found by
any member's id or a prefix, outlet names and countries from the registry."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from tests.newsmon_cli import run_main, run_newsmon


def _report(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    status, out, err = run_main(["report", *args], capsys)
    assert (status, err) == (0, ""), err
    return out


@pytest.mark.parametrize("columns", [60, 80, 100, 136, 200])
def test_the_table_fits_the_terminal_width(
    archive: Path,
    registry: Path,
    columns: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    out = _report(["clusters", "--db", str(archive), "--outlets", str(registry)], capsys)
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= columns
    assert len(max(lines, key=len)) > columns - 15  # and uses it
    # every member is shown with its outlet (and its name where there is room) and its lag
    for outlet in ("ala-too (Ala-Too", "osh24 (Osh 24)", "vestnik (Stepnoy"):
        assert outlet in out
    if columns >= 100:
        assert "ala-too (Ala-Too Wire)" in out
    assert "+1d02h" in out


def test_the_table_is_as_wide_as_the_terminal_when_run_as_a_user(archive: Path) -> None:
    import os

    env = {**os.environ, "COLUMNS": "72"}
    done = run_newsmon("report", "clusters", "--db", str(archive), env=env)
    assert max(len(line) for line in done.stdout.splitlines()) <= 72
    without = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    done = run_newsmon("report", "clusters", "--db", str(archive), env=without)
    assert 120 < max(len(line) for line in done.stdout.splitlines()) <= 136  # a pipe: 136


def test_lags_of_a_day_and_more_are_in_days(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (water,) = json.loads(
        _report(["cluster", "w1a", "--db", str(archive), "--format", "json"], capsys)
    )["clusters"]
    assert [m["lag_seconds"] for m in water["members"]] == [0, 19800, 93900]
    out = _report(["cluster", "w1a", "--db", str(archive), "--format", "markdown"], capsys)
    assert "| +5h30m |" in out and "| +1d02h |" in out


def test_similarity_has_two_decimals_in_every_format(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["cluster", "g1d", "--db", str(archive)]
    (grain,) = json.loads(_report([*base, "--format", "json"], capsys))["clusters"]
    values = [m["similarity"] for m in grain["members"]]
    values += [m["copy_similarity"] for m in grain["members"] if m["copy_similarity"]]
    assert values and all(round(v, 2) == v for v in values)
    rows = list(
        csv.DictReader(io.StringIO(_report([*base, "--format", "csv"], capsys).partition("\n")[2]))
    )
    assert [r["similarity"] for r in rows] == ["1.00", "1.00"]
    assert [r["copy_similarity"] for r in rows] == ["", "1.00"]
    for fmt, pattern in (
        ("table", r"sim (\d\.\d+)"),
        ("markdown", r"\| sim (\d\.\d+) \|"),
        ("html", r"<td>(\d\.\d+)</td>"),
    ):
        found = re.findall(pattern, _report([*base, "--format", fmt], capsys))
        assert found and all(re.fullmatch(r"\d\.\d\d", v) for v in found), fmt


@pytest.mark.parametrize(
    ("fmt", "first"),
    [
        (
            "table",
            "clusters: period 2026-11-08T00:00:00+00:00 .. 2026-11-10T00:00:00+00:00; "
            "filters: countries KG; languages en; query water; min size 2",
        ),
        (
            "csv",
            "# clusters: period 2026-11-08T00:00:00+00:00 .. 2026-11-10T00:00:00+00:00; "
            "filters: countries KG; languages en; query water; min size 2",
        ),
        (
            "markdown",
            "_Clusters: period 2026-11-08T00:00:00+00:00 .. "
            "2026-11-10T00:00:00+00:00; filters: countries KG; languages en; "
            "query water; min size 2_",
        ),
    ],
)
def test_every_format_states_the_period_and_filters_on_top(
    archive: Path, registry: Path, capsys: pytest.CaptureFixture[str], fmt: str, first: str
) -> None:
    out = _report(
        [
            "clusters",
            "--db",
            str(archive),
            "--outlets",
            str(registry),
            "--since",
            "2026-11-08",
            "--until",
            "2026-11-09",
            "--country",
            "KG",
            "--language",
            "en",
            "--query",
            "water",
            "--format",
            fmt,
        ],
        capsys,
    )
    assert out.splitlines()[0] == first


def test_json_and_html_state_the_period_and_filters_too(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["clusters", "--db", str(archive), "--since", "2026-11-08", "--outlet", "osh24"]
    data = json.loads(_report([*args, "--format", "json"], capsys))
    assert list(data) == ["scope", "clusters"]
    assert data["scope"] == {
        "since": "2026-11-08T00:00:00+00:00",
        "until": None,
        "filters": {"outlets": ["osh24"], "min_size": 2},
    }
    page = _report([*args, "--format", "html"], capsys)
    body = page.split("<body>", 1)[1]
    assert body.index(
        '<p class="meta scope">period 2026-11-08T00:00:00+00:00 .. now; '
        "filters: outlets osh24; min size 2</p>"
    ) < body.index("<h2>")
    outlets = json.loads(
        _report(
            ["outlets", "--db", str(archive), "--since", "2026-11-01", "--format", "json"], capsys
        )
    )
    assert outlets["scope"] == {"since": "2026-11-01T00:00:00+00:00", "until": None, "filters": {}}
    for fmt, first in (
        ("csv", "# outlets: period 2026-11-01T00:00:00+00:00 .. now; filters: none"),
        ("table", "outlets: period 2026-11-01T00:00:00+00:00 .. now; filters: none"),
    ):
        out = _report(
            ["outlets", "--db", str(archive), "--since", "2026-11-01", "--format", fmt], capsys
        )
        assert out.splitlines()[0] == first


@pytest.mark.parametrize("name", ["w1a", "w2b", "w3c", "w3", "w2"])
def test_report_cluster_takes_any_member_id_or_a_unique_prefix(
    archive: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    (record,) = json.loads(
        _report(["cluster", name, "--db", str(archive), "--format", "json"], capsys)
    )["clusters"]
    assert record["id"] == "w1a"


def test_a_prefix_of_one_cluster_s_members_is_not_ambiguous(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for prefix, cluster in (("g", "g1d"), ("w", "w1a"), ("s", "s1f")):
        (record,) = json.loads(
            _report(["cluster", prefix, "--db", str(archive), "--format", "json"], capsys)
        )["clusters"]
        assert record["id"] == cluster
    status, out, err = run_main(["report", "cluster", "", "--db", str(archive)], capsys)
    assert (status, out, err) == (2, "", f"error: no cluster '' in {archive}\n")


def test_a_prefix_of_several_clusters_is_a_one_line_error(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from crawler.store.archive import Archive
    from tests.factories import make_article

    with Archive(db_path) as archive:
        for n in range(3):
            archive.store_article(
                make_article(
                    f"ab{n}",
                    "osh24",
                    f"2026-11-0{n + 1}T09:00:00Z",
                    cluster=f"ab{n}",
                    text=f"Story {n}. " * 30,
                )
            )
    status, out, err = run_main(["report", "cluster", "ab", "--db", str(db_path)], capsys)
    assert (status, out) == (2, "")
    assert err == "error: cluster id prefix 'ab' is ambiguous: ab0, ab1, ab2\n"
    assert run_main(["report", "cluster", "ab1", "--db", str(db_path)], capsys)[0] == 0


def test_outlet_names_and_countries_come_from_the_registry(
    archive: Path,
    registry: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("NEWSMON_OUTLETS_FILE", str(registry))
    (water,) = json.loads(
        _report(
            [
                "clusters",
                "--db",
                str(archive),
                "--country",
                "UZ",
                "--language",
                "en",
                "--format",
                "json",
            ],
            capsys,
        )
    )["clusters"]
    assert [(m["outlet"], m["outlet_name"]) for m in water["members"]] == [
        ("ala-too", "Ala-Too Wire"),
        ("courier", "Tashkent Courier"),
        ("osh24", "Osh 24"),
    ]
    assert water["origin_outlet_name"] == "Ala-Too Wire"
    report = json.loads(
        _report(
            [
                "outlets",
                "--db",
                str(archive),
                "--since",
                "2026-11-01",
                "--country",
                "KG",
                "--format",
                "json",
            ],
            capsys,
        )
    )
    assert [(o["outlet"], o["name"]) for o in report["outlets"]] == [
        ("ala-too", "Ala-Too Wire"),
        ("osh24", "Osh 24"),
    ]
    table = _report(
        ["outlets", "--db", str(archive), "--since", "2026-11-01", "--country", "KG"], capsys
    )
    assert [line.split("  ")[0] for line in table.splitlines()[3:5]] == [
        "ala-too (Ala-Too Wire)",
        "osh24 (Osh 24)",
    ]
