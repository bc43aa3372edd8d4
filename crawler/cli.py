"""The ``newsmon`` command line: parses, dispatches and owns the exit status.

Each verb lives in ``crawler/commands/<verb>.py`` as a ``click.Command`` named ``command``; this
module only registers them, configures logging and turns newsmon's own errors into one line on
stderr. Heavy imports (Scrapy, trafilatura, datasketch) stay inside the commands so that
``newsmon --help`` answers at once.

Exit status: 0 success, 1 partial failure, 2 usage or configuration error.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import logging
import os
import sqlite3
import sys

import click

from crawler.commands.console import (
    QUIET_KEY,
    VERBOSE_KEY,
    environment_error,
    environment_warnings,
)

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_USAGE = 2

# verb -> (module, one-line help). The module is imported only when the verb runs.
_COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("crawler.commands.demo", "Offline end-to-end run on the bundled sample outlets."),
    "crawl": (
        "crawler.commands.crawl",
        "Crawl outlets once: discover, fetch, extract, cluster, store.",
    ),
    "extract": ("crawler.commands.extract", "Extract articles from saved HTML pages."),
    "cluster": ("crawler.commands.cluster", "Cluster Article JSON lines offline (the dedup core)."),
    "export": (
        "crawler.commands.export",
        "Write the archive's Article records (JSON lines, CSV, Parquet) or pages (WARC).",
    ),
    "import": ("crawler.commands.import_", "Import WARC files (or CC-NEWS) as a crawl would."),
    "ingest": ("crawler.commands.ingest", "Cluster what crawl workers push to Redis."),
    "reextract": ("crawler.commands.reextract", "Re-extract stored pages; republish changes."),
    "report": ("crawler.commands.report", "Cluster and outlet reports for analysts."),
    "serve": ("crawler.commands.serve", "A read-only web dashboard over the archive."),
    "schedule": ("crawler.commands.schedule", "Crawl each outlet when due, for ever (or --once)."),
    "outlets": (
        "crawler.commands.outlets",
        "Probe the registry's feeds, sitemaps and section pages.",
    ),
}


class _LazyGroup(click.Group):
    """A group whose sub-commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _COMMANDS:
            return None
        module = importlib.import_module(_COMMANDS[cmd_name][0])
        _add_global_options(module.command)
        return module.command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_) for name, (_, help_) in sorted(_COMMANDS.items())]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _configure_logging(verbose: int, quiet: bool) -> None:
    # The level goes on the handler: Scrapy sets its own loggers to DEBUG, and records that
    # propagate to the root handler are not checked against the root logger's level.
    level = logging.ERROR if quiet else max(logging.WARNING - 10 * verbose, logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(level)
    handler.setFormatter(_TerminalFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if verbose == 0:
        handler.addFilter(_only_newsmon)
    if verbose < 2:
        handler.addFilter(_drop_traceback)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


class _TerminalFormatter(logging.Formatter):
    """Log lines with control characters shown as escapes: a URL, title or server message from
    a hostile site cannot drive the terminal through the log."""

    def format(self, record: logging.LogRecord) -> str:
        from crawler.escape import terminal

        return terminal(super().format(record))


# Scrapy reports every failed download itself; newsmon counts them and says per outlet what
# failed, so the records of Scrapy and Twisted are shown from -v on (Scrapy resets its loggers'
# levels when a crawl starts, hence a filter on the handler rather than logger levels).
_LIBRARY_LOGGERS = ("scrapy", "twisted", "py.warnings", "trafilatura", "htmldate")


def _only_newsmon(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.CRITICAL or not record.name.startswith(_LIBRARY_LOGGERS)


def _drop_traceback(record: logging.LogRecord) -> bool:
    """Log filter: keep the message, drop the traceback (shown with -vv)."""
    record.exc_info = None
    record.exc_text = None
    return True


def _add_global_options(command: click.Command) -> None:
    """Give ``command`` (and a group's sub-commands) the global -v/-q, so that they work after
    the command name too (``newsmon schedule --once -q``, the cron line)."""
    if any(p.name == "global_quiet" for p in command.params):
        return
    command.params += [
        click.Option(
            ["-v", "--verbose", "global_verbose"],
            count=True,
            expose_value=False,
            callback=_late_verbosity,
            help="More log output (-vv for debug).",
        ),
        click.Option(
            ["-q", "--quiet", "global_quiet"],
            is_flag=True,
            expose_value=False,
            callback=_late_verbosity,
            help="Only errors.",
        ),
    ]
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _add_global_options(sub)


def _late_verbosity(ctx: click.Context, param: click.Parameter, value: int | bool) -> None:
    """Add a -v or -q given after the command name to the root's and reconfigure logging."""
    if not value:
        return
    meta = ctx.find_root().meta
    if param.name == "global_quiet":
        meta[QUIET_KEY] = True
    else:
        meta[VERBOSE_KEY] = meta.get(VERBOSE_KEY, 0) + int(value)
    _configure_logging(meta.get(VERBOSE_KEY, 0), meta.get(QUIET_KEY, False))


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.version_option(package_name="newsmon")
def cli(verbose: int, quiet: bool) -> None:
    """newsmon: watch news outlets, extract articles, cluster near-duplicate coverage.

    \b
    Example:
      newsmon demo
      newsmon crawl --outlets my-outlets.toml --db news.db
      newsmon report clusters --db news.db --since 24h
    """
    meta = click.get_current_context().meta
    meta[VERBOSE_KEY], meta[QUIET_KEY] = verbose, quiet
    _configure_logging(verbose, quiet)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the CLI and turn newsmon's errors into one line and exit 2/1."""
    from crawler.errors import ConfigError, NewsmonError

    _check_environment()
    try:
        status = cli.main(args=argv, prog_name="newsmon", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        # a file named on the command line that cannot be opened (-o DIR/missing/x) is usage
        usage = isinstance(exc, click.UsageError | click.FileError)
        sys.exit(EXIT_USAGE if usage else exc.exit_code)
    except ConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except NewsmonError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_PARTIAL)
    except sqlite3.Error as exc:  # the archive failed under a write newsmon does not wrap
        click.echo(f"error: the archive cannot be written: {exc}", err=True)
        sys.exit(EXIT_PARTIAL)
    except OSError as exc:  # the output cannot be written: a full disk, a reader gone (`| head`)
        _drop_stdout()
        if exc.errno != errno.EPIPE:
            where = f": {exc.filename}" if exc.filename else ""
            click.echo(f"error: {exc.strerror or exc}{where}", err=True)
        sys.exit(EXIT_PARTIAL)
    except Exception as exc:
        if _is_dedup_error(exc):
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_USAGE)
        raise
    sys.exit(status if isinstance(status, int) else EXIT_OK)


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush of what is left in its
    buffer does not fail again (a second error, printed on the way out)."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _check_environment() -> None:
    """Read every NEWSMON_* variable once, first: a bad one is one line naming it, exit 2; an
    unknown one is a warning line."""
    error = environment_error()
    if error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_USAGE)
    for line in environment_warnings():  # not refused: the variable may be another tool's
        click.echo(f"warning: {line}", err=True)


def _is_dedup_error(exc: Exception) -> bool:
    dedup = sys.modules.get("dedup")
    return dedup is not None and isinstance(exc, getattr(dedup, "DedupError", ()))
