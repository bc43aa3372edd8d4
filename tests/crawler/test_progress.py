"""Progress of long work: a live line on a terminal (NEWSMON_PROGRESS=always stands in for one
in a test), INFO log lines elsewhere, nothing with -q or in a plain pipe; the clock injected."""

from __future__ import annotations

import io
import json
import logging
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy.crawler import Crawler
from scrapy.statscollectors import MemoryStatsCollector

from crawler.fetch.extensions import ProgressExtension
from crawler.fetch.runner import crawl_settings
from crawler.fetch.spiders.outlet import OutletProgress, OutletSpider
from crawler.progress import ProgressLine, bar, format_duration, progress_mode, short_duration
from tests.newsmon_cli import FAST, run_newsmon


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_terminal_line_is_rewritten_at_most_every_refresh() -> None:
    out, clock = io.StringIO(), Clock()
    line = ProgressLine(out, "terminal", refresh=0.5, clock=clock)
    assert line.show("first one")
    clock.now += 0.2
    assert not line.show("too soon")
    clock.now += 0.4
    assert line.show("second")
    line.say("crawling kloop")
    line.close()
    assert out.getvalue() == "\rfirst one\rsecond   \rcrawling kloop\n"


def test_log_mode_writes_info_lines_not_the_terminal(caplog: pytest.LogCaptureFixture) -> None:
    out, clock = io.StringIO(), Clock()
    line = ProgressLine(out, "log", log_every=30, clock=clock)
    with caplog.at_level(logging.INFO, logger="crawler.progress"):
        line.show("a")
        clock.now += 10
        line.show("b")
        clock.now += 25
        line.show("c")
        line.close()
    assert [r.getMessage() for r in caplog.records] == ["a", "c"]
    assert out.getvalue() == ""


def test_modes() -> None:
    pipe = io.StringIO()
    assert progress_mode(pipe, "auto") == "log"
    assert progress_mode(pipe, "always") == "terminal"
    assert progress_mode(pipe, "never") == "off"
    assert not ProgressLine(pipe, "off").show("x") and pipe.getvalue() == ""


def test_durations_and_bar() -> None:
    assert [format_duration(s) for s in (4.21, 185, 7800, 3 * 86400 + 4 * 3600)] == [
        "4.2 s",
        "3m 05s",
        "2h 10m",
        "3d 4h",
    ]
    assert [short_duration(s) for s in (45, 720, 7500)] == ["45s", "12m", "2h05m"]
    assert bar(1, 4, width=8) == "[##......]  25%"
    assert bar(0, 0) == ""


def test_crawl_line_shows_rate_share_counts_and_outlets_with_most_left() -> None:
    crawler = Crawler(OutletSpider, crawl_settings({}))
    stats, clock = MemoryStatsCollector(crawler), Clock()
    ext = ProgressExtension(stats, ProgressLine(io.StringIO(), "terminal", clock=clock))
    progress = {
        "kloop": OutletProgress(requested=40),
        "osh24": OutletProgress(requested=10),
        "akipress": OutletProgress(requested=5, failed=5),
    }
    ext.spider_opened(SimpleNamespace(progress=progress))
    for key, value in {
        "newsmon/articles/requested": 55,
        "response_received_count": 30,
        "newsmon/store/stored": 12,
        "newsmon/extract/skipped/not-article": 3,
        "newsmon/articles/failed/http-404": 5,
    }.items():
        stats.set_value(key, value)
    for _ in range(15):
        ext.item_scraped(SimpleNamespace(outlet="kloop"))
    clock.now += 10
    assert ext.text() == (
        "[newsmon] 10.0 s · 3.0 pages/s · 20/55 pages (36%) · stored 12 · "
        "skipped 3 · failed 5 · left: kloop 25, osh24 10"
    )


@pytest.mark.slow
def test_crawl_progress_on_a_terminal_and_in_the_log(sample_registry: Path, tmp_path: Path) -> None:
    live = run_newsmon(
        "crawl",
        "--outlets",
        str(sample_registry),
        "--db",
        str(tmp_path / "a.db"),
        *FAST,
        env={**os.environ, "NEWSMON_PROGRESS": "always"},
    )
    # (text mode reads the line's \r as a new line)
    assert "\n[newsmon] " in live.stderr and " pages/s · " in live.stderr
    assert "pages (100%)" in live.stderr
    piped = run_newsmon(
        "-v", "crawl", "--outlets", str(sample_registry), "--db", str(tmp_path / "b.db"), *FAST
    )
    shown = [line for line in piped.stderr.splitlines() if "[newsmon] " in line]
    assert shown and all(" INFO crawler.progress: [newsmon] " in line for line in shown)
    quiet = run_newsmon(
        "crawl", "--outlets", str(sample_registry), "--db", str(tmp_path / "c.db"), *FAST
    )
    assert "[newsmon]" not in quiet.stderr  # a pipe at the default level: the summary only


@pytest.mark.slow
def test_schedule_says_what_it_crawls_and_what_is_due_next(
    sample_registry: Path, tmp_path: Path
) -> None:
    done = run_newsmon(
        "schedule",
        "--once",
        "--outlets",
        str(sample_registry),
        "--db",
        str(tmp_path / "a.db"),
        *FAST,
        env={**os.environ, "NEWSMON_PROGRESS": "always"},
    )
    assert "schedule: crawling " in done.stderr
    last = done.stderr.splitlines()[-1]
    assert last.startswith("schedule: 1 crawls") and "; next: " in last and " in " in last


@pytest.mark.slow
def test_reextract_and_cluster_show_a_bar(tmp_path: Path, sample_registry: Path) -> None:
    db = tmp_path / "a.db"
    run_newsmon("crawl", "--outlets", str(sample_registry), "--db", str(db), *FAST)
    env = {**os.environ, "NEWSMON_PROGRESS": "always"}
    again = run_newsmon("reextract", "--db", str(db), env=env)
    assert "] 100% · " in again.stderr and " pages/s" in again.stderr
    records = run_newsmon("export", "--db", str(db)).stdout.splitlines()
    many = tmp_path / "many.jsonl"  # enough lines for the bar to be looked at
    many.write_text(
        "".join(
            json.dumps({**json.loads(r), "id": f"{i}"}) + "\n" for i, r in enumerate(records * 5)
        ),
        encoding="utf-8",
    )
    clustered = run_newsmon("cluster", str(many), "--output", str(tmp_path / "out.jsonl"), env=env)
    assert "records clustered" in clustered.stderr and "%" in clustered.stderr
    assert clustered.stderr.rstrip().endswith("clusters")
