"""Every NEWSMON_* setting is declared once, read the same way (empty: default), refused in
one line when bad, and documented in the README from the same table."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import settings
from settings.reference import END, START, markdown_table
from settings.spec import SettingError, parse
from tests.newsmon_cli import run_newsmon

ROOT = Path(__file__).resolve().parents[2]
_NAME = re.compile(r"\bNEWSMON_[A-Z0-9_]*[A-Z0-9]\b")


def _names_in_code() -> set[str]:
    names: set[str] = set()
    for package in ("crawler", "dedup", "settings"):
        for path in (ROOT / package).rglob("*.py"):
            names |= set(_NAME.findall(path.read_text(encoding="utf-8")))
    return names


def test_every_newsmon_name_in_the_code_is_declared() -> None:
    declared = {s.name for s in settings.declared} | {s.variable for s in settings.declared}
    assert _names_in_code() - declared == set()


def test_every_setting_has_a_doc_and_a_typed_default() -> None:
    for s in settings.declared:
        assert s.doc.strip() and "\n" not in s.doc, s.name
        assert getattr(settings, s.name) == s.default or os.environ.get(s.variable), s.name


def test_the_readme_settings_table_is_the_generated_one() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert START in readme and END in readme, "README lacks the settings-reference markers"
    between = readme.split(START, 1)[1].split(END, 1)[0]
    assert between.strip() == markdown_table().strip(), (
        "README's settings table is stale: paste `python -m settings.reference` there"
    )
    assert readme.index("## Settings") < readme.index(START)


def test_python_m_settings_reference_prints_the_table() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "settings.reference"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=ROOT,
    )
    assert "| `NEWSMON_SEEN_DAYS` | float | `90` |" in done.stdout


@pytest.mark.parametrize(
    ("variable", "value", "why"),
    [
        ("NEWSMON_SEEN_DAYS", "abc", "is not a number"),
        ("NEWSMON_EXTRACT_WORKERS", "2.5", "is not a whole number"),
        ("NEWSMON_KEEP_HTML", "maybe", "is not true or false"),
        ("NEWSMON_MODE", "both", "is not one of local, worker"),
        ("NEWSMON_RETENTION_DAYS", "-1", "is below 0"),
        # past what dates, timers and Redis can hold: a traceback or a hang once running
        ("NEWSMON_RETENTION_DAYS", "1e6", "is above 36500"),
        ("NEWSMON_SEEN_DAYS", "1e6", "is above 36500"),
        ("NEWSMON_DEDUP_WINDOW_DAYS", "1e23", "is above 3650"),
        ("NEWSMON_EXTRACT_TIMEOUT", "99999999999999999999999", "is above 1e+09"),
        ("NEWSMON_INGEST_BATCH", "99999999999999999999999", "is above 9223372036854775807"),
        ("NEWSMON_REDIS_STREAM_MAXLEN", "99999999999999999999999", "is above 9223372036854775807"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it_and_exit_2(
    variable: str, value: str, why: str, tmp_path: Path
) -> None:
    env = {**os.environ, variable: value}
    done = run_newsmon("report", "clusters", "--db", str(tmp_path / "a.db"), env=env, check=False)
    assert done.returncode == 2
    assert done.stderr == f"error: {variable}={value!r} {why}\n"


def test_a_bad_dash_s_setting_is_one_line_naming_it(tmp_path: Path) -> None:
    done = run_newsmon(
        "crawl", "--db", str(tmp_path / "a.db"), "-s", "NEWSMON_SEEN_DAYS=ten", check=False
    )
    assert (done.returncode, done.stderr) == (2, "error: NEWSMON_SEEN_DAYS='ten' is not a number\n")


@pytest.mark.parametrize("variable", [s.variable for s in settings.declared])
def test_an_empty_value_means_the_default(variable: str) -> None:
    script = (
        "import settings; s = settings.by_name[{!r}]; print(getattr(settings, s.name) == s.default)"
    )
    name = next(s.name for s in settings.declared if s.variable == variable)
    done = subprocess.run(
        [sys.executable, "-c", script.format(name)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=ROOT,
        env={**os.environ, variable: ""},
    )
    assert done.stdout.strip() == "True"


def test_empty_retention_keeps_the_default_and_zero_keeps_for_ever() -> None:
    retention = settings.by_name["NEWSMON_RETENTION_DAYS"]
    assert parse(retention, "") == 90
    assert parse(retention, "0") == 0
    with pytest.raises(SettingError, match="NEWSMON_RETENTION_DAYS"):
        parse(retention, "forever")


# One outlet on a closed local port: a crawl that is not refused stays on this machine.
_LOCAL_OUTLET = (
    '[[outlet]]\nid = "local"\nname = "Local"\ncountry = "KG"\nlanguages = ["en"]\n'
    'homepage = "http://127.0.0.1:1/"\nfeeds = ["http://127.0.0.1:1/rss"]\n'
    "article_pattern = '^http://127\\.0\\.0\\.1:1/news/'\n"
)


def _crawl(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    registry = tmp_path / "outlets.toml"
    registry.write_text(_LOCAL_OUTLET, encoding="utf-8")
    # in tmp_path: a crawl that took no --db writes ./newsmon.db
    return run_newsmon("crawl", "--outlets", str(registry), *args, check=False, cwd=str(tmp_path))


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        (
            "NEWSMON_SEEN_DAY=5",
            "error: unknown setting NEWSMON_SEEN_DAY; did you mean NEWSMON_SEEN_DAYS?",
        ),
        ("NEWSMON_WHATEVER=5", "error: unknown setting NEWSMON_WHATEVER"),
        ("DOWNLAOD_DELAY=2", "error: unknown setting DOWNLAOD_DELAY; did you mean DOWNLOAD_DELAY?"),
    ],
)
def test_a_misspelt_dash_s_setting_is_refused(tmp_path: Path, pair: str, message: str) -> None:
    done = _crawl(tmp_path, "--db", str(tmp_path / "a.db"), "-s", pair)
    assert (done.returncode, done.stderr.strip()) == (2, message)


def test_dash_s_gives_what_the_options_give(tmp_path: Path) -> None:
    # -s NEWSMON_DB and -s NEWSMON_OUTLETS were ignored: the crawl wrote ./newsmon.db, all outlets
    missing = tmp_path / "no" / "x.db"
    done = _crawl(tmp_path, "-s", f"NEWSMON_DB={missing}", "-s", "NEWSMON_OUTLETS=local")
    expected = f"error: cannot open archive {missing}: unable to open database file"
    assert done.stderr.strip() == expected
    done = _crawl(tmp_path, "--db", str(tmp_path / "a.db"), "-s", "NEWSMON_OUTLETS=nosuch")
    assert done.returncode == 2 and done.stderr.startswith("error: unknown outlet 'nosuch'")
    done = _crawl(tmp_path, "--db", str(tmp_path / "a.db"), "-s", "NEWSMON_DB=b.db")
    assert (done.returncode, done.stderr.strip()) == (
        2,
        "error: give --db or -s NEWSMON_DB, not both",
    )


def test_a_misspelt_environment_variable_is_named_with_the_nearest_setting(
    tmp_path: Path,
) -> None:
    # not refused (the environment may hold another tool's NEWSMON_ variable), but not silent
    env = {**os.environ, "NEWSMON_SEEN_DAY": "5", "NEWSMON_SEEN_DAYS": "7"}
    done = run_newsmon("report", "outlets", "--db", str(tmp_path / "none.db"), check=False, env=env)
    assert done.stderr.splitlines()[0] == (
        "warning: NEWSMON_SEEN_DAY is no newsmon setting and is ignored; "
        "did you mean NEWSMON_SEEN_DAYS?"
    )
    assert settings.unknown_variables({"NEWSMON_SEEN_DAYS": "7", "PATH": "/bin"}) == []
    assert settings.unknown_variables({"NEWSMON_ZZZ": "1"}) == [
        "NEWSMON_ZZZ is no newsmon setting and is ignored"
    ]


def test_the_outlet_ids_variable_picks_the_outlets_of_crawl_and_schedule(tmp_path: Path) -> None:
    # NEWSMON_OUTLET_IDS was taken for a misspelling and ignored: every outlet was crawled
    env = {**os.environ, "NEWSMON_OUTLET_IDS": "nosuch"}
    registry = tmp_path / "outlets.toml"
    registry.write_text(_LOCAL_OUTLET, encoding="utf-8")
    for command in (["crawl"], ["schedule", "--once"]):
        done = run_newsmon(
            *command, "--outlets", str(registry), "--db", str(tmp_path / "a.db"),
            check=False, env=env, cwd=str(tmp_path),
        )  # fmt: skip
        assert (done.returncode, done.stderr.strip()) == (
            2,
            "error: unknown outlet 'nosuch'; known: local",
        ), command
    env = {**os.environ, "NEWSMON_OUTLETS": "local"}  # the -s name, not the variable's
    done = run_newsmon("report", "outlets", "--db", str(tmp_path / "no.db"), check=False, env=env)
    assert done.stderr.splitlines()[0] == (
        "warning: NEWSMON_OUTLETS is no newsmon setting and is ignored; "
        "did you mean NEWSMON_OUTLET_IDS?"
    )
