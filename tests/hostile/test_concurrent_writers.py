"""Two writers on one archive: they take turns (a lock), so clusters and counts stay right."""

from __future__ import annotations

import fcntl
import os
import re
from pathlib import Path

import pytest

from crawler.store.archive import Archive
from tests.hostile.outlet_server import Outlet, Page, hours_ago, serve_outlets
from tests.newsmon_cli import FAST, TIMEOUT_S, finish_newsmon, run_newsmon, start_newsmon

PAIRS = 12


def _story(n: int) -> tuple[str, ...]:
    """An invented story of its own for ``n``: three paragraphs."""
    return tuple(
        " ".join(
            f"{word}{n * 13 + p * 5 + i}"
            for i, word in enumerate(
                [
                    "council",
                    "harvest",
                    "river",
                    "school",
                    "bridge",
                    "market",
                    "budget",
                    "court",
                    "railway",
                    "museum",
                    "teachers",
                    "border",
                ]
                * 3
            )
        )
        + "."
        for p in range(3)
    )


def _outlets() -> list[Outlet]:
    """Two outlets; each story of the first is copied by the second (with a lead of its own)."""
    first = [Page(f"story-{n}", f"Story {n}", _story(n)) for n in range(PAIRS)]
    second = [
        Page(
            f"copy-{n}",
            f"Copy of story {n}",
            (f"Our correspondent reports, item {n}.", *_story(n)),
            published=hours_ago(1),
        )
        for n in range(PAIRS)
    ]
    return [Outlet("alpha", first), Outlet("beta", second)]


def _clusters(db: Path) -> list[int]:
    with Archive(db) as archive:
        sizes: dict[str, int] = {}
        for article in archive.articles():
            sizes[article.cluster or article.id] = sizes.get(article.cluster or article.id, 0) + 1
    return sorted(sizes.values())


def _stored(stderr: str) -> int:
    found = re.search(r"(\d+) new articles stored", stderr)
    assert found, stderr[-3000:]
    return int(found.group(1))


def test_two_crawls_at_once_into_one_archive_cluster_as_one_after_the_other(tmp_path: Path) -> None:
    with serve_outlets(_outlets()) as served:
        registry = served.write_registry(tmp_path / "outlets.toml")
        one_after = tmp_path / "sequential.db"
        for outlet in ("alpha", "beta"):
            run_newsmon(
                "crawl",
                "--outlets",
                str(registry),
                "--outlet",
                outlet,
                "--db",
                str(one_after),
                *FAST,
            )
        at_once = tmp_path / "concurrent.db"
        crawls = [
            start_newsmon(
                "crawl", "--outlets", str(registry), "--outlet", outlet, "--db", str(at_once), *FAST
            )
            for outlet in ("alpha", "beta")
        ]
        results = [finish_newsmon(c, TIMEOUT_S) for c in crawls]
    assert [c.returncode for c in crawls] == [0, 0], [err[-2000:] for _, err in results]
    assert _clusters(one_after) == [2] * PAIRS
    assert _clusters(at_once) == [2] * PAIRS


def test_two_crawls_of_one_outlet_at_once_count_each_article_stored_once(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with serve_outlets(_outlets()) as served:
        registry = served.write_registry(tmp_path / "outlets.toml")
        crawls = [
            start_newsmon("crawl", "--outlets", str(registry), "--db", str(db), *FAST)
            for _ in range(2)
        ]
        results = [finish_newsmon(c, TIMEOUT_S) for c in crawls]
    assert [c.returncode for c in crawls] == [0, 0], [err[-2000:] for _, err in results]
    with Archive(db) as archive:
        rows = len(list(archive.articles()))
    assert rows == 2 * PAIRS
    assert sum(_stored(err) for _, err in results) == rows


@pytest.mark.parametrize("command", [["reextract"], ["import", "empty.warc"]])
def test_a_writer_waits_a_bounded_time_for_the_lock_and_says_who_holds_it(
    tmp_path: Path, command: list[str]
) -> None:
    db = tmp_path / "a.db"
    Archive(db).close()
    (tmp_path / "empty.warc").write_bytes(b"")
    lock_file = Path(f"{db}.writer.lock")
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(fd, b"4242 newsmon crawl\n")
        done = run_newsmon(
            *command,
            "--db",
            str(db),
            check=False,
            cwd=str(tmp_path),
            env={**os.environ, "NEWSMON_WRITER_LOCK_TIMEOUT": "0.3"},
        )
    finally:
        os.close(fd)
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines()[-1] == (
        f"error: {db} is being written by another newsmon process (pid 4242: newsmon crawl); "
        "gave up after waiting 0.3 s (NEWSMON_WRITER_LOCK_TIMEOUT)"
    )
