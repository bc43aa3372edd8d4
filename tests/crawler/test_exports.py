"""`newsmon export` as researchers run it: the report's filters, Parquet, a JSON file each."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from crawler.items import ARTICLE_FIELDS, Image
from crawler.store.archive import Archive
from tests.factories import make_article
from tests.newsmon_cli import NEWSMON, run_main, run_newsmon


def _ids(args: list[str], capsys: pytest.CaptureFixture[str]) -> list[str]:
    status, out, err = run_main(["export", *args], capsys)
    assert (status, err) == (0, ""), err
    return [json.loads(line)["id"] for line in out.splitlines()]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ([], ["s1f", "g1d", "g2e", "w1a", "w3c", "w2b"]),
        (["--since", "2026-11-09"], ["w1a", "w3c", "w2b"]),
        (["--until", "2026-11-08"], ["s1f", "g1d", "g2e"]),  # a day: that day included
        (["--until", "2026-11-08T11:00Z"], ["s1f", "g1d"]),
        (["--language", "ru"], ["g1d", "g2e"]),
        # no detected language: the registry's languages of its outlet count
        (["--language", "en"], ["s1f", "w1a", "w3c", "w2b"]),
        (["--query", "TOKTOGUL winter"], ["w1a", "w3c", "w2b"]),
        (["--country", "KG"], ["s1f", "w1a", "w2b"]),
        (["--country", "kz", "--country", "UZ"], ["g1d", "g2e", "w3c"]),
        (["--country", "KG", "--outlet", "osh24", "--since", "2026-11-08"], ["w2b"]),
        (["--outlet", "courier", "--language", "ru"], ["g2e"]),
    ],
)
def test_export_takes_the_report_filters(
    archive: Path,
    registry: Path,
    capsys: pytest.CaptureFixture[str],
    options: list[str],
    expected: list[str],
) -> None:
    assert _ids(["--db", str(archive), "--outlets", str(registry), *options], capsys) == expected


def test_a_country_without_outlets_is_a_one_line_error(
    archive: Path, registry: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run_main(
        ["export", "--db", str(archive), "--outlets", str(registry), "--country", "TJ"], capsys
    )
    assert (status, out, err) == (2, "", "error: no outlet of country TJ in the registry\n")


def test_parquet_holds_every_record_with_page_text_escaped(archive: Path, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    with Archive(archive) as writer:
        writer.store_article(
            make_article(
                "x9",
                "osh24",
                "2026-11-11T09:00:00Z",
                cluster="x9",
                title="Breaking\x1b]0;pwned\x07 \u202egnp.exe",
                text="First line.\n\nSecond line.",
            )
        )
    target = tmp_path / "articles.parquet"
    with target.open("wb") as out:
        done = subprocess.run(
            [
                *NEWSMON,
                "export",
                "--db",
                str(archive),
                "--format",
                "parquet",
                "--since",
                "2026-11-09",
            ],
            stdout=out,
            stderr=subprocess.PIPE,
            text=False,
            timeout=120,
            check=False,
        )
    assert (done.returncode, done.stderr) == (0, b"")
    table = pq.read_table(target)
    rows = table.to_pylist()
    assert [r["id"] for r in rows] == ["w1a", "w3c", "w2b", "x9"]
    assert table.schema.field("authors").type.value_type == "string"
    assert rows[0]["title"] == "Toktogul water release agreed"
    assert rows[0]["cluster"] == "w1a"
    assert rows[-1]["title"] == "Breaking\\x1b]0;pwned\\x07 \\u202egnp.exe"
    assert rows[-1]["text"] == "First line.\n\nSecond line."


def test_parquet_without_pyarrow_is_one_line_saying_what_to_install(archive: Path) -> None:
    code = (
        "import sys; sys.modules['pyarrow'] = None\n"  # as if pyarrow were not installed
        "from crawler.cli import main\n"
        f"main(['export', '--db', {str(archive)!r}, '--format', 'parquet'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "error: --format parquet needs pyarrow: pip install 'newsmon[parquet]'\n"
    )


def test_output_dir_writes_one_json_file_per_article(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Archive(archive) as writer:
        writer.store_article(
            make_article(
                "../../escape", "osh24", "2026-11-11T09:00:00Z", cluster="e", title="\u202eevil"
            )
        )
    folder = tmp_path / "out" / "articles"
    status, out, err = run_main(
        ["export", "--db", str(archive), "--since", "2026-11-09", "--output-dir", str(folder)],
        capsys,
    )
    assert (status, out, err) == (0, "", f"wrote 4 articles to {folder}\n")
    files = sorted(p.name for p in folder.iterdir())
    assert files[1:] == ["w1a.json", "w2b.json", "w3c.json"]
    assert files[0].startswith("id-") and files[0].endswith(".json")  # not a path
    assert not (tmp_path / "escape").exists()
    record = json.loads((folder / "w1a.json").read_text(encoding="utf-8"))
    assert (record["id"], record["outlet"], record["cluster"]) == ("w1a", "ala-too", "w1a")
    hostile = (folder / files[0]).read_text(encoding="utf-8")
    assert "\u202e" not in hostile and "\\u202e" in hostile
    assert json.loads(hostile)["title"] == "\u202eevil"


def test_output_dir_and_format_together_are_refused(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run_main(
        ["export", "--db", str(archive), "--output-dir", str(tmp_path / "o"), "--format", "csv"],
        capsys,
    )
    assert (status, out, err) == (
        2,
        "",
        "error: --output-dir writes JSON files; leave out --format\n",
    )


def _readme_export_commands() -> list[str]:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Exports\n", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]


def test_the_readme_export_commands_run_on_the_demo_archive(tmp_path: Path) -> None:
    import os

    import pyarrow.parquet as pq

    commands = _readme_export_commands()
    assert len(commands) == 4
    # the newsmon of this environment first on PATH, as after `pip install -e .`
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    run_newsmon("demo", "--db", str(tmp_path / "demo.db"))
    for command in commands:
        done = subprocess.run(
            command,
            shell=True,
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"{command}\n{done.stderr[-2000:]}"
    english = [json.loads(line) for line in (tmp_path / "english.jsonl").read_text().splitlines()]
    assert english and {a["language"] for a in english} == {"en"}
    water = (tmp_path / "water.csv").read_text(encoding="utf-8").splitlines()
    assert water[0].startswith("id,url,") and len(water) >= 3
    assert pq.read_table(tmp_path / "articles.parquet").num_rows >= len(english)
    files = list((tmp_path / "osh24").iterdir())
    assert files and all(json.loads(f.read_text())["outlet"] == "osh24" for f in files)


def test_an_articles_record_is_its_fields_in_order_with_copies_of_its_lists() -> None:
    article = make_article("a1", "osh24", "2026-11-09T09:00:00+00:00", cluster="a1")
    article.authors = ["Aida Sultanova"]
    article.images = [Image("https://osh24.example/bridge.jpg", "The new bridge", "Osh24")]
    article.copy_of, article.similarity = "a0", 0.93
    record = article.to_record()
    assert list(record) == list(ARTICLE_FIELDS)
    assert record == asdict(article)
    assert record["images"] == [
        {"url": "https://osh24.example/bridge.jpg", "caption": "The new bridge", "credit": "Osh24"}
    ]
    record["authors"].append("Someone Else")
    record["images"][0]["caption"] = "changed"
    assert article.authors == ["Aida Sultanova"]
    assert article.images[0].caption == "The new bridge"
