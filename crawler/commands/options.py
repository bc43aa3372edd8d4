"""Options and parsing shared by several commands."""

from __future__ import annotations

import importlib
import os
import re
from typing import Any

import click

from crawler.fetch.runner import MODES

db_option = click.option(
    "--db",
    default=lambda: os.environ.get("NEWSMON_DB") or "newsmon.db",
    show_default="newsmon.db",
    metavar="PATH",
    help="The SQLite archive (env NEWSMON_DB).",
)
outlets_file_option = click.option(
    "--outlets",
    "outlets_file",
    default=lambda: os.environ.get("NEWSMON_OUTLETS_FILE") or None,
    metavar="FILE",
    help="Outlet registry TOML replacing the bundled one (env NEWSMON_OUTLETS_FILE).",
)
redis_url_option = click.option(
    "--redis-url",
    default=lambda: os.environ.get("NEWSMON_REDIS_URL") or None,
    metavar="URL",
    help="Redis for the result streams: redis://[:PASSWORD@]HOST:PORT/DB, rediss:// for TLS "
    "(env NEWSMON_REDIS_URL).",
)
mode_option = click.option(
    "--mode",
    type=click.Choice(MODES),
    default=lambda: os.environ.get("NEWSMON_MODE") or None,
    show_default="local",
    help="local: cluster and store here. worker: crawl and extract only, and send each article to "
    "`newsmon ingest` through Redis (needs --redis-url; seen URLs shared in Redis) "
    "(env NEWSMON_MODE).",
)


def outlet_ids_option(help_text: str) -> Any:
    """``--outlet ID`` (repeatable), by default the ids of NEWSMON_OUTLET_IDS (comma-separated)."""
    return click.option(
        "--outlet",
        "outlet_ids",
        multiple=True,
        metavar="ID",
        default=lambda: tuple(importlib.import_module("settings").NEWSMON_OUTLETS),
        show_default=False,
        help=f"{help_text} (env NEWSMON_OUTLET_IDS, comma-separated).",
    )


# The largest integer SQLite stores: counts and limits given on the command line stay below it.
SQLITE_MAX_INT = 2**63 - 1

max_articles_option = click.option(
    "--max-articles",
    type=click.IntRange(min=0, max=SQLITE_MAX_INT),
    default=None,
    help="At most N new articles per outlet in a crawl (NEWSMON_MAX_ARTICLES).",
)

_SETTING_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def parse_setting_overrides(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``["NAME=VALUE", ...]`` -> ``{"NAME": "VALUE"}``, as ``scrapy crawl -s`` takes them."""
    overrides: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not _SETTING_NAME.match(name.strip()):
            raise click.BadParameter(
                f"{pair!r} is not NAME=VALUE (e.g. DOWNLOAD_DELAY=2)", param_hint="'-s'"
            )
        overrides[name.strip()] = value
    return overrides


# The settings that a command-line option gives (``-s NEWSMON_DB=...`` is ``--db ...``), by the
# option's parameter name, and the option as typed.
_OPTION_SETTINGS = {
    "db": ("NEWSMON_DB", "--db"),
    "outlets_file": ("NEWSMON_OUTLETS_FILE", "--outlets"),
    "outlet_ids": ("NEWSMON_OUTLETS", "--outlet"),
}


def options_from_settings(overrides: dict[str, str], **values: Any) -> dict[str, Any]:
    """``values`` of the current command's options with what ``-s`` gives for them: ``-s
    NEWSMON_DB=x`` stands for ``--db x`` (and wins over the environment, which only gives the
    option's default).

    Raises:
        ConfigError: the option and its setting are both given, or the setting's value is bad.
    """
    from crawler.errors import ConfigError
    from settings import SettingError, check_overrides

    ctx = click.get_current_context()
    found = dict(values)
    for option, (name, flag) in _OPTION_SETTINGS.items():
        if name not in overrides or option not in found:
            continue
        if ctx.get_parameter_source(option) is click.core.ParameterSource.COMMANDLINE:
            raise ConfigError(f"give {flag} or -s {name}, not both")
        try:
            value = check_overrides({name: overrides[name]})[name]
        except SettingError as exc:
            raise ConfigError(str(exc)) from None
        found[option] = tuple(value) if isinstance(value, list) else value
    return found


def since_to_iso(value: str | None, option: str = "--since") -> str | None:
    """``24h``/``7d``/``1h30m`` (before now) or an ISO date/time -> an ISO 8601 UTC time
    (``option``: the option named in an error)."""
    from crawler.report.query import period_bound

    if not value:
        return None
    try:
        return period_bound(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=f"'{option}'") from None
