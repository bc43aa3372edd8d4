"""Hostile input to the command line: secrets kept off command lines, one error line instead of
a traceback, readers that never write, permanent Redis errors that fail the run, a failing
outlet that is not hammered. Each runs the real ``newsmon`` command as a user would."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import redis

from crawler.run.schedule import ArchivePlans, Plan
from crawler.store.archive import Archive
from crawler.times import now_iso
from tests.factories import make_article
from tests.newsmon_cli import (
    FAST,
    TIMEOUT_S,
    _descendants,
    finish_newsmon,
    run_newsmon,
    start_newsmon,
    wait_for,
)
from tests.redis_server import free_port

# A password with every character that ends a URL part: redis-py needs it percent-encoded.
PASSWORD = "pa?ss#w@rd/s3cret&x"


@pytest.fixture
def redis_user(redis_url: str) -> Iterator[tuple[str, str]]:
    """A Redis ACL user with PASSWORD and every right: (its URL, the encoded password)."""
    client = redis.Redis.from_url(redis_url)
    name = f"newsmon-test-{uuid.uuid4().hex[:8]}"
    client.acl_setuser(
        name,
        enabled=True,
        passwords=[f"+{PASSWORD}"],
        keys=["*"],
        channels=["*"],
        commands=["+@all"],
    )
    encoded = quote(PASSWORD, safe="")
    parts = urlsplit(redis_url)
    yield f"redis://{name}:{encoded}@{parts.hostname}:{parts.port}{parts.path}", encoded
    client.acl_deluser(name)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_schedule_passes_the_redis_url_to_its_crawls_in_the_environment_only(
    sample_registry: Path, tmp_path: Path, redis_user: tuple[str, str], redis_prefix: str
) -> None:
    url, encoded = redis_user
    env = {**os.environ, "NEWSMON_REDIS_URL": url}
    scheduler = start_newsmon(
        "schedule",
        "--once",
        "--outlet",
        "osh24",
        "--outlets",
        str(sample_registry),
        "--db",
        str(tmp_path / "a.db"),
        "-s",
        f"NEWSMON_REDIS_PREFIX={redis_prefix}",
        *FAST,
        "-s",
        "DOWNLOAD_DELAY=0.2",
        "-s",
        "CONCURRENT_REQUESTS_PER_DOMAIN=1",
        env=env,
    )
    command_lines: list[str] = []

    def crawl_running() -> bool:
        command_lines.extend(_cmdline(pid) for pid in _descendants(scheduler.pid))
        return any(" crawl " in line for line in command_lines)

    wait_for(crawl_running, "the scheduler's crawl")
    _, err = finish_newsmon(scheduler, TIMEOUT_S)
    assert scheduler.returncode == 0, err[-2000:]
    assert not [line for line in command_lines if encoded in line or "s3cret" in line]
    # the crawl did get the URL: it published its articles to that Redis
    assert redis.Redis.from_url(url).xlen(f"{redis_prefix}results") > 0


def _corrupt(db: Path) -> None:
    """Overwrite the leaf pages of an archive's articles table (its indexes stay readable)."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode=DELETE")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    leaves = [
        n
        for (n,) in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = 'articles' AND pagetype = 'leaf'"
        )
    ]
    conn.close()
    assert leaves
    with db.open("r+b") as handle:
        for page in leaves:
            handle.seek((page - 1) * page_size)
            handle.write(b"\xff" * page_size)


@pytest.fixture
def corrupt_archive(tmp_path: Path) -> Path:
    """An archive of recent articles whose second half is overwritten."""
    db = tmp_path / "corrupt.db"
    with Archive(db) as archive:
        for n in range(300):
            archive.store_article(
                make_article(f"a{n}", "osh24", now_iso(), cluster=f"c{n // 2}", fetched=now_iso())
            )
    _corrupt(db)
    return db


@pytest.mark.parametrize("args", [("report", "clusters"), ("report", "outlets"), ("export",)])
def test_a_corrupt_archive_is_one_error_line_for_readers(
    corrupt_archive: Path, args: tuple[str, ...]
) -> None:
    done = run_newsmon(*args, "--db", str(corrupt_archive), check=False)
    assert done.returncode == 1
    assert done.stderr == (
        f"error: cannot read archive {corrupt_archive}: database disk image is malformed\n"
    )


def test_a_corrupt_archive_stops_a_crawl_with_one_error_line(
    corrupt_archive: Path, sample_registry: Path
) -> None:
    done = run_newsmon(
        "crawl",
        "--outlet",
        "osh24",
        "--outlets",
        str(sample_registry),
        "--db",
        str(corrupt_archive),
        *FAST,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr == (
        f"error: cannot read archive {corrupt_archive}: database disk image is malformed\n"
    )


def test_invalid_utf8_in_cluster_input_skips_that_line_only(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": f"x{n}", "text": f"Invented story number {n} " * 20}).encode()
        for n in range(3)
    ]
    source = tmp_path / "in.jsonl"
    source.write_bytes(lines[0] + b"\n" + lines[1] + b"\n\xff\xfe broken \xc3\n" + lines[2] + b"\n")
    done = run_newsmon("cluster", str(source), check=False)
    assert done.returncode == 1
    assert [json.loads(line)["id"] for line in done.stdout.splitlines()] == ["x0", "x1", "x2"]
    assert done.stderr.splitlines() == [
        f"error: {source}:3: not UTF-8 (byte 0xff at column 1); skipped",
        "3 records in 3 clusters; 1 lines skipped",
    ]


@pytest.mark.parametrize(("args", "option"), [
    (("report", "clusters", "--since", "99999999999d"), "--since"),
    (("report", "outlets", "--until", "99999999999w"), "--until"),
    (("export", "--since", "99999999999d"), "--since"),
    (("report", "clusters", "--min-size", str(10**30)), "--min-size"),
    (("report", "clusters", "--limit", str(10**30)), "--limit"),
])  # fmt: skip
def test_out_of_range_numbers_are_usage_errors(
    db_path: Path, args: tuple[str, ...], option: str
) -> None:
    with Archive(db_path):
        pass
    done = run_newsmon(*args, "--db", str(db_path), check=False)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert f"Invalid value for '{option}'" in done.stderr.splitlines()[-1]


def test_report_on_an_empty_file_writes_nothing(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    done = run_newsmon("report", "clusters", "--db", str(empty), check=False)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"error: {empty} is empty, not a newsmon archive; run `newsmon crawl --db {empty}` first\n"
    )
    assert empty.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.db"]


def _without_root_file_rights() -> None:
    """In the child before exec: drop the capabilities that let root write any file
    (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so that file modes hold for it as for a user."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.fixture
def read_only_archive(tmp_path: Path) -> Iterator[Path]:
    """An archive (WAL mode, closed) in a folder of mode 555, the file 444."""
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "ro.db"
    with Archive(db) as archive:
        archive.store_article(make_article("w1", "osh24", "2026-11-09T10:00:00Z", cluster="w1"))
        archive.store_article(make_article("w2", "ala", "2026-11-09T11:00:00Z", cluster="w1"))
    db.chmod(0o444)
    folder.chmod(0o555)
    yield db
    folder.chmod(stat.S_IRWXU)


def test_a_read_only_archive_can_be_reported_on(read_only_archive: Path) -> None:
    import subprocess
    import sys

    db = read_only_archive
    before = sorted(p.name for p in db.parent.iterdir())
    for args in (["report", "clusters"], ["export"]):
        done = subprocess.run(
            [sys.executable, "-m", "crawler", *args, "--db", str(db)],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            cwd=db.parent,
            preexec_fn=_without_root_file_rights if os.geteuid() == 0 else None,
        )
        assert (done.returncode, done.stderr) == (0, ""), done.stderr[-2000:]
        assert "w2" in done.stdout
    assert sorted(p.name for p in db.parent.iterdir()) == before


def test_a_wrong_redis_password_fails_the_crawl_in_one_line(
    sample_registry: Path, tmp_path: Path, redis_user: tuple[str, str], redis_prefix: str
) -> None:
    url, encoded = redis_user
    wrong = url.replace(encoded, "wrong-password")
    db = tmp_path / "a.db"
    done = run_newsmon(
        "crawl",
        "--outlet",
        "osh24",
        "--outlets",
        str(sample_registry),
        "--db",
        str(db),
        "--redis-url",
        wrong,
        "-s",
        f"NEWSMON_REDIS_PREFIX={redis_prefix}",
        *FAST,
        check=False,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        f"error: Redis at {wrong.replace('wrong-password', '***')} refused "
        "newsmon: AuthenticationError: invalid username-password pair or user is "
        "disabled.; the results wait in the archive's outbox"
    ]
    assert "wrong-password" not in done.stderr
    with Archive(db) as archive:  # nothing lost: stored, and queued for Redis
        assert archive.count_articles() > 0 and archive.outbox_size() > 0


def test_a_redis_db_that_does_not_exist_fails_the_crawl(
    sample_registry: Path, tmp_path: Path, redis_url: str, redis_prefix: str
) -> None:
    parts = urlsplit(redis_url)
    url = f"redis://{parts.hostname}:{parts.port}/99999"
    done = run_newsmon(
        "crawl",
        "--outlet",
        "osh24",
        "--outlets",
        str(sample_registry),
        "--db",
        str(tmp_path / "a.db"),
        "--redis-url",
        url,
        "-s",
        f"NEWSMON_REDIS_PREFIX={redis_prefix}",
        *FAST,
        check=False,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and errors[0].startswith(f"error: Redis at {url} refused newsmon: ")
    assert "DB index is out of range" in errors[0]


def test_a_failing_outlet_with_a_tiny_interval_is_clamped_then_backs_off(tmp_path: Path) -> None:
    registry = tmp_path / "outlets.toml"
    registry.write_text(
        '[[outlet]]\nid = "down"\nname = "Down"\ncountry = "KG"\nlanguages = ["en"]\n'
        f'homepage = "http://127.0.0.1:{free_port()}/"\n'
        f'feeds = ["http://127.0.0.1:{free_port()}/feed.xml"]\n'
        "article_pattern = '^http://127\\.0\\.0\\.1:\\d+/news/.+$'\n"
        'allowed_domains = ["127.0.0.1"]\ninterval = "1s"\n',
        encoding="utf-8",
    )
    db = tmp_path / "a.db"
    args = [
        "schedule",
        "--once",
        "--outlets",
        str(registry),
        "--db",
        str(db),
        "-s",
        "NEWSMON_SCHEDULE_MIN_INTERVAL=60",
        "-s",
        "NEWSMON_SCHEDULE_MAX_INTERVAL=200",
        "-s",
        "NEWSMON_SCHEDULE_JITTER=0",
        *FAST,
    ]
    intervals = []
    for _ in range(3):
        assert run_newsmon(*args, check=False).returncode == 1
        plan = ArchivePlans(db).get("down")
        assert plan is not None
        intervals.append(plan.interval)
        ArchivePlans(db).put("down", Plan(due=0.0, interval=plan.interval))  # due again now
    assert intervals == [120.0, 200.0, 200.0]  # 60 s (clamped from 1 s) doubled, capped


def _no_file_over(size: int) -> None:
    """In the child before exec: no file may grow past ``size`` bytes (writes fail with EFBIG,
    as on a full disk), and the signal that would kill the process is ignored."""
    import resource
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))


def _on_a_full_disk(*args: str, size: int = 200_000) -> subprocess.CompletedProcess[str]:
    """``newsmon ARGS`` with no file allowed to grow past ``size`` bytes."""
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        preexec_fn=lambda: _no_file_over(size),
    )


def test_a_full_disk_is_said_once_then_counted(sample_registry: Path, tmp_path: Path) -> None:
    db = tmp_path / "full.db"
    with Archive(db):
        pass
    done = _on_a_full_disk("crawl", "--outlets", str(sample_registry), "--db", str(db), *FAST)
    assert done.returncode == 1
    said = [line for line in done.stderr.splitlines() if "cannot write archive" in line]
    assert len(said) == 1, done.stderr[-3000:]
    failed = [
        line
        for line in done.stderr.splitlines()
        if line.startswith("error: ") and "could not be written" in line
    ]
    assert len(failed) == 1 and failed[0].endswith(
        "articles could not be written to the archive (see the first error above); the next "
        "crawl fetches them again"
    )


def test_a_disk_still_full_is_one_line_for_the_next_crawl_and_an_import(
    sample_registry: Path, tmp_path: Path
) -> None:
    # the second crawl on a full disk, and an import, gave tracebacks (start_run, set_meta)
    full, pages = tmp_path / "full.db", tmp_path / "pages.warc.gz"
    whole = tmp_path / "whole.db"
    run_newsmon("crawl", "--outlets", str(sample_registry), "--db", str(whole), *FAST)
    with pages.open("wb") as out:
        subprocess.run(
            [sys.executable, "-m", "crawler", "export", "--db", str(whole), "--format", "warc"],
            stdout=out,
            check=True,
            timeout=TIMEOUT_S,
        )
    with Archive(full):
        pass
    crawl = ("crawl", "--outlets", str(sample_registry), "--db", str(full), *FAST)
    _on_a_full_disk(*crawl)  # fills it
    load = ("import", str(pages), "--outlets", str(sample_registry), "--db", str(full))
    for args in (crawl, load):
        done = _on_a_full_disk(*args)
        assert "Traceback" not in done.stderr, done.stderr[-3000:]
        assert done.returncode in (1, 2), args
        assert any(line.startswith("error: ") for line in done.stderr.splitlines()), args
