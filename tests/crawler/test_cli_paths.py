"""The paths a user takes first, run as the user runs them: the README's cron and systemd lines,
global options after the command name, quiet runs that print nothing on success.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from crawler.demo.server import SampleOutlets
from crawler.store.archive import Archive
from tests.newsmon_cli import NEWSMON, TIMEOUT_S, run_newsmon

pytestmark = pytest.mark.slow

README = Path(__file__).resolve().parents[2] / "README.md"


def _one_outlet_registry(sites: SampleOutlets, outlet: str, path: Path) -> Path:
    """A registry holding only ``outlet`` of the sample sites (a short crawl)."""
    blocks = sites.registry_toml.split("[[outlet]]\n")
    kept = [b for b in blocks[1:] if f'id = "{outlet}"' in b]
    assert kept, f"no sample outlet {outlet}"
    path.write_text("[[outlet]]\n" + kept[0], encoding="utf-8")
    return path


def _readme_schedule_commands() -> list[list[str]]:
    """The newsmon arguments of the README's cron line and systemd ExecStart line."""
    text = README.read_text(encoding="utf-8")
    cron = re.search(r"^\s*\*/10 .*?(newsmon schedule[^\n]*)$", text, re.M)
    systemd = re.search(r"^\s*ExecStart=\S*/newsmon (schedule[^\n]*)$", text, re.M)
    assert cron and systemd, "the README's cron and systemd lines are gone"
    return [shlex.split(cron.group(1))[1:], shlex.split(systemd.group(1))]


def test_readme_cron_and_systemd_lines_run_quietly(
    sample_sites: SampleOutlets, tmp_path: Path
) -> None:
    commands = _readme_schedule_commands()
    assert all(c == ["schedule", "--once", "-q"] for c in commands), commands
    registry = _one_outlet_registry(sample_sites, "osh24", tmp_path / "outlets.toml")
    db = tmp_path / "news.db"
    env = {**os.environ, "NEWSMON_DB": str(db), "NEWSMON_OUTLETS_FILE": str(registry)}
    done = run_newsmon(*commands[0], env=env, cwd=str(tmp_path))
    assert (done.stdout, done.stderr) == ("", "")  # cron mails whatever is printed
    with Archive(db) as archive:
        assert list(archive.articles())
    again = run_newsmon(*commands[1], env=env, cwd=str(tmp_path))  # nothing due: still silent
    assert (again.stdout, again.stderr) == ("", "")


@pytest.mark.parametrize(
    "args", [["-q", "report", "outlets"], ["report", "outlets", "-q"], ["report", "-q", "outlets"]]
)
def test_quiet_before_or_after_the_command_name(args: list[str], tmp_path: Path) -> None:
    done = run_newsmon(*args, "--db", str(tmp_path / "none.db"), check=False)
    assert done.returncode == 2
    assert done.stderr.startswith("error: no archive at")  # an error still shows


@pytest.mark.parametrize(
    "args",
    [
        ["-vv", "outlets", "check", "--help"],
        ["outlets", "check", "-vv", "--help"],
        ["crawl", "-v", "-v", "--help"],
    ],
)
def test_verbose_before_or_after_the_command_name(args: list[str]) -> None:
    done = run_newsmon(*args)
    assert "Usage:" in done.stdout


def test_crawl_quiet_prints_nothing_on_success(sample_sites: SampleOutlets, tmp_path: Path) -> None:
    registry = _one_outlet_registry(sample_sites, "osh24", tmp_path / "outlets.toml")
    done = run_newsmon(
        "crawl",
        "--outlets",
        str(registry),
        "--db",
        str(tmp_path / "a.db"),
        "-s",
        "DOWNLOAD_DELAY=0",
        "-s",
        "AUTOTHROTTLE_ENABLED=false",
        "-q",
    )
    assert (done.stdout, done.stderr) == ("", "")


_NOT_FETCHED = re.compile(
    r"^links not fetched: too old in sitemap: (\d+) \(over "
    r"NEWSMON_SITEMAP_MAX_AGE_DAYS=3\), listed twice: (\d+), "
    r"already seen: (\d+)$",
    re.M,
)
_CRAWLED = re.compile(r"^crawled 7/7 outlets in [0-9.]+ s: (\d+) new articles stored", re.M)


def test_crawl_summary_says_what_it_did_not_fetch_and_why(
    sample_registry: Path, tmp_path: Path
) -> None:
    db = str(tmp_path / "news.db")
    polite_off = [
        "-s",
        "AUTOTHROTTLE_ENABLED=false",
        "-s",
        "DOWNLOAD_DELAY=0",
        "-s",
        "NEWSMON_EXTRACT_WORKERS=1",
    ]  # the sitemap age limit stays at 3 days
    first = run_newsmon("crawl", "--outlets", str(sample_registry), "--db", db, *polite_off)
    stored, not_fetched = _CRAWLED.search(first.stderr), _NOT_FETCHED.search(first.stderr)
    assert stored and not_fetched, first.stderr
    too_old, twice, seen = (int(n) for n in not_fetched.groups())
    assert too_old > 0 and twice > 0  # the sample sitemap's old entries; feed + section links
    assert seen == 0  # a fresh archive has seen nothing
    everything = run_newsmon(
        "crawl",
        "--outlets",
        str(sample_registry),
        "--db",
        str(tmp_path / "all.db"),
        *polite_off,
        "-s",
        "NEWSMON_SITEMAP_MAX_AGE_DAYS=0",
    )
    assert "too old in sitemap" not in everything.stderr
    all_stored = _CRAWLED.search(everything.stderr)
    assert all_stored and int(all_stored.group(1)) > int(stored.group(1))
    again = run_newsmon("crawl", "--outlets", str(sample_registry), "--db", db, *polite_off)
    second = _NOT_FETCHED.search(again.stderr)
    assert second and int(second.group(3)) > 0, again.stderr  # now seen by the first run


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The archive `newsmon demo --db` keeps (the sample articles are weeks old)."""
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    done = run_newsmon("-q", "demo", "--db", str(db))
    # -q: the report only (the summary, check and dashboard lines are left out)
    assert done.stderr == "" and done.stdout.startswith("cluster "), done.stderr
    return db


def test_quiet_export_and_cluster_print_only_errors(demo_db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    done = run_newsmon("-q", "export", "--db", str(demo_db), "--output-dir", str(folder))
    assert done.stderr == "" and len(list(folder.iterdir())) > 1
    warc = subprocess.run(
        [*NEWSMON, "-q", "export", "--db", str(demo_db), "--format", "warc"],
        capture_output=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert (warc.returncode, warc.stderr) == (0, b"") and warc.stdout.startswith(b"\x1f\x8b")
    lines = '{"id": "a", "text": "One short text."}\nnot json\n'
    done = run_newsmon("-q", "cluster", "-", stdin=lines, check=False)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "error: <stdin>:2: not JSON (Expecting value: line 1 column 1 (char 0)); skipped"
    ]


def test_report_outlets_and_clusters_default_to_the_same_period(demo_db: Path) -> None:
    outlets = run_newsmon("report", "outlets", "--db", str(demo_db), "--format", "json")
    articles = sum(o["articles"] for o in json.loads(outlets.stdout)["outlets"])
    clusters = json.loads(
        run_newsmon(
            "report", "clusters", "--db", str(demo_db), "--min-size", "1", "--format", "json"
        ).stdout
    )
    assert articles == sum(c["size"] for c in clusters["clusters"]) > 0  # all time, both of them


_HINT = re.compile(
    r"No clusters from \d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)? UTC to now\. "
    r"The archive holds (\d+) articles "
    r"dated (\d{4}-\d\d-\d\d) \.\. \d{4}-\d\d-\d\d: --since (\S+) \(or --since "
    r"(\d+d)\) shows them\."
)


def test_an_empty_report_says_what_the_archive_holds_and_which_since_shows_it(
    demo_db: Path,
) -> None:
    table = run_newsmon("report", "clusters", "--db", str(demo_db), "--since", "1d")
    hint = _HINT.search(table.stdout)
    assert hint, table.stdout
    assert hint.group(3) == hint.group(2)
    for since in hint.group(3, 4):  # what it says to type works
        shown = run_newsmon(
            "report", "clusters", "--db", str(demo_db), "--since", since, "--format", "json"
        )
        assert json.loads(shown.stdout)["clusters"]
    html = run_newsmon(
        "report", "clusters", "--db", str(demo_db), "--since", "1d", "--format", "html"
    )
    assert _HINT.search(html.stdout)
    as_json = run_newsmon(
        "report", "clusters", "--db", str(demo_db), "--since", "1d", "--format", "json"
    )
    assert json.loads(as_json.stdout)["clusters"] == []  # JSON stays JSON; the note: stderr
    assert _HINT.search(as_json.stderr)
    outlets = run_newsmon(
        "report", "outlets", "--db", str(demo_db), "--since", "1d", "--format", "markdown"
    )
    assert "> No articles from" in outlets.stdout and "--since" in outlets.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["report", "clusters", "--since", "0001-01-01T00:00+05:00"],  # before year 1 in UTC
        ["export", "--since", "0001-01-01T00:00+05:00"],
        ["report", "outlets", "--until", "9999-12-31T23:00-02:00"],  # after year 9999 in UTC
        ["import", "none.warc.gz", "--since", "9999-12-31T23:00-02:00"],
    ],
)
def test_a_time_past_the_calendar_is_a_usage_error(demo_db: Path, args: list[str]) -> None:
    done = run_newsmon(*args, "--db", str(demo_db), check=False)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "out of range" in done.stderr, done.stderr


def test_the_last_day_of_the_calendar_is_a_day_like_another(demo_db: Path) -> None:
    done = run_newsmon(
        "report", "clusters", "--db", str(demo_db), "--until", "9999-12-31", "--format", "json"
    )
    assert json.loads(done.stdout)["clusters"]


@pytest.mark.parametrize("command", [["report", "clusters"], ["report", "outlets"], ["export"]])
def test_a_period_that_ends_before_it_starts_is_a_usage_error(
    demo_db: Path, command: list[str]
) -> None:
    period = ("--since", "2026-11-10", "--until", "2026-11-01")
    done = run_newsmon(*command, "--db", str(demo_db), *period, check=False)
    assert done.returncode == 2
    assert "--since 2026-11-10 is after --until 2026-11-01" in done.stderr, done.stderr


def test_an_empty_period_is_named_as_typed(demo_db: Path) -> None:
    until = run_newsmon("report", "clusters", "--db", str(demo_db), "--until", "2026-11-01")
    assert "No clusters up to 2026-11-01 (included). The archive holds" in until.stdout
    both = run_newsmon(
        "report", "clusters", "--db", str(demo_db), "--since", "2026-10-01", "--until",
        "2026-10-31T12:00",
    )  # fmt: skip
    assert "No clusters from 2026-10-01 to 2026-10-31 12:00 UTC. The archive holds" in both.stdout


@pytest.mark.parametrize(
    "args",
    [["export"], ["report", "clusters", "--format", "csv"], ["export", "--format", "warc"]],
)
def test_a_full_disk_under_the_output_is_one_line(demo_db: Path, args: list[str]) -> None:
    with open("/dev/full", "w") as full:  # every write fails: no space left on device
        done = subprocess.run(
            [*NEWSMON, *args, "--db", str(demo_db)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    assert done.returncode == 1
    assert done.stderr.splitlines() == ["error: No space left on device"], done.stderr


def test_a_reader_that_goes_away_ends_the_output_quietly(demo_db: Path) -> None:
    child = subprocess.Popen(
        [*NEWSMON, "export", "--db", str(demo_db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    child.stdout.close()  # `| head` that stopped reading before the first line was written
    try:
        _, errors = child.communicate(timeout=TIMEOUT_S)
    finally:
        child.kill()
    assert child.returncode == 1 and errors == ""


def test_an_output_file_that_cannot_be_opened_is_a_usage_error(tmp_path: Path) -> None:
    records = tmp_path / "in.jsonl"
    records.write_text('{"id": "a", "text": "one two three four"}\n', encoding="utf-8")
    done = run_newsmon("cluster", str(records), "-o", str(tmp_path / "no" / "x"), check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_the_demo_refuses_an_archive_that_holds_articles(demo_db: Path) -> None:
    # its sample sites get new ports, so a second run would store every article again under
    # new URLs and its check would count the old ones as wrong joins
    with Archive(demo_db) as archive:
        before = len(list(archive.articles()))
    done = run_newsmon("demo", "--db", str(demo_db), check=False)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (
        f"error: {demo_db} already holds {before} articles; the demo fills a new archive "
        "(another --db, or none)\n"
    )
    with Archive(demo_db) as archive:
        assert len(list(archive.articles())) == before


def test_quiet_reextract_prints_nothing_on_success(demo_db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    shutil.copy(demo_db, copy)
    done = run_newsmon("-q", "reextract", "--db", str(copy))
    assert (done.stdout, done.stderr) == ("", "")


def test_schedule_takes_max_articles_as_crawl_does(
    sample_sites: SampleOutlets, tmp_path: Path
) -> None:
    registry = _one_outlet_registry(sample_sites, "osh24", tmp_path / "outlets.toml")
    db = tmp_path / "news.db"
    run_newsmon(
        "schedule", "--once", "--outlets", str(registry), "--db", str(db), "--max-articles", "1",
        cwd=str(tmp_path),
    )  # fmt: skip
    with Archive(db) as archive:
        assert len(list(archive.articles())) == 1


def test_a_country_the_registry_cannot_give_the_archive_s_outlets_says_so(demo_db: Path) -> None:
    # the demo's outlets are not in the bundled registry: --country KG matched nothing, silently
    hint = "The registry does not know the archive's outlets ala-too-wire,"
    done = run_newsmon("report", "clusters", "--db", str(demo_db), "--country", "KG")
    assert hint in done.stdout
    done = run_newsmon("export", "--db", str(demo_db), "--country", "KG")
    assert done.stdout == "" and done.stderr.startswith(f"note: {hint}")
    done = run_newsmon("export", "--db", str(demo_db), "--language", "english", check=False)
    assert (done.returncode, done.stderr) == (
        2,
        "error: language 'english' is no ISO 639-1 code (such as en, ru, kk)\n",
    )


def test_every_command_s_help_has_an_example() -> None:
    # the README says so; report clusters/cluster/outlets and outlets check had none
    import click

    from crawler.cli import cli

    ctx = click.Context(cli)
    missing = []
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        subcommands = (
            [(f"{name} {sub}", c) for sub, c in command.commands.items()]
            if isinstance(command, click.Group)
            else [(name, command)]
        )
        missing += [path for path, c in subcommands if "Example:" not in (c.help or "")]
    assert missing == []
