"""What every command shares about the console: the global -v/-q given anywhere on the line,
and the check of the NEWSMON_* environment before anything runs."""

from __future__ import annotations

import importlib
import sys

import click

# The root context's meta keys where the verbosity given anywhere on the line is kept.
VERBOSE_KEY = "newsmon.verbose"
QUIET_KEY = "newsmon.quiet"


def is_quiet() -> bool:
    """Whether -q was given, before or after the command name (summaries are left out)."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.find_root().meta.get(QUIET_KEY))


def say(line: str) -> None:
    """Write a summary line to stderr, unless -q was given (only errors)."""
    if not is_quiet():
        click.echo(line, err=True)


def environment_error() -> str | None:
    """The first bad NEWSMON_* variable as one line, or None when every one reads."""
    try:
        importlib.import_module("settings")  # parses the environment at import
    except ValueError as exc:
        spec = sys.modules.get("settings.spec")
        if spec is None or not isinstance(exc, spec.SettingError):
            raise
        return str(exc)
    return None


def environment_warnings() -> list[str]:
    """A line for each NEWSMON_* variable that is no setting (``settings.unknown_variables``)."""
    return importlib.import_module("settings").unknown_variables()
