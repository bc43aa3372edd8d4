"""Scrapy users' path: `scrapy crawl outlet -a outlet=ID -O items.jsonl|csv|json` in the
checkout writes the Article records that `newsmon export` writes for the same archive."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.newsmon_cli import TIMEOUT_S, run_newsmon

pytestmark = pytest.mark.slow

CHECKOUT = Path(__file__).resolve().parents[2]  # scrapy.cfg makes it a Scrapy project


def _scrapy_crawl(registry: Path, db: Path, output: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "outlet",
            "-a",
            "outlet=osh24",
            "-s",
            f"NEWSMON_OUTLETS_FILE={registry}",
            "-s",
            f"NEWSMON_DB={db}",
            "-s",
            "DOWNLOAD_DELAY=0",
            "-s",
            "AUTOTHROTTLE_ENABLED=false",
            "-O",
            str(output),
        ],
        cwd=CHECKOUT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr and "ERROR" not in done.stderr, done.stderr[-3000:]
    return done


def _by_id(rows: list[dict[str, object]]) -> dict[object, dict[str, object]]:
    return {row["id"]: row for row in rows}


def test_scrapy_feed_export_jsonl_writes_the_article_records(
    sample_registry: Path, tmp_path: Path
) -> None:
    db, items = tmp_path / "news.db", tmp_path / "items.jsonl"
    _scrapy_crawl(sample_registry, db, items)
    exported = [json.loads(line) for line in items.read_text(encoding="utf-8").splitlines()]
    archive = run_newsmon("export", "--db", str(db)).stdout.splitlines()
    assert exported and _by_id(exported) == _by_id([json.loads(line) for line in archive])
    assert all(record["cluster"] for record in exported)


def test_scrapy_feed_export_csv_writes_what_newsmon_export_csv_writes(
    sample_registry: Path, tmp_path: Path
) -> None:
    db, items = tmp_path / "news.db", tmp_path / "items.csv"
    _scrapy_crawl(sample_registry, db, items)
    with items.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    archive = run_newsmon("export", "--db", str(db), "--format", "csv").stdout
    expected = list(csv.DictReader(io.StringIO(archive)))
    assert rows and _by_id(rows) == _by_id(expected)  # type: ignore[arg-type]
    assert list(rows[0]) == list(expected[0])  # the same columns in the same order


def test_scrapy_feed_export_json_array_holds_the_records(
    sample_registry: Path, tmp_path: Path
) -> None:
    db, items = tmp_path / "news.db", tmp_path / "items.json"
    _scrapy_crawl(sample_registry, db, items)
    records = json.loads(items.read_text(encoding="utf-8"))
    assert records and {"id", "title", "text", "cluster"} <= set(records[0])
    assert not {"html", "signature"} & set(records[0])
