"""``newsmon report``: cluster and outlet reports for analysts, read from the archive."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from crawler.commands.options import (
    SQLITE_MAX_INT,
    db_option,
    outlets_file_option,
    since_to_iso,
)
from crawler.report import FORMATS

if TYPE_CHECKING:
    from crawler.report.query import Filters
    from crawler.store.archive import Archive
    from settings.registry import Outlet

_F = TypeVar("_F", bound=Callable[..., object])


format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="html is one self-contained page with timelines and the copy matrix.",
)


def _time(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Option callback: a duration before now (24h, 7d) or an ISO date -> UTC ISO time."""
    try:
        return since_to_iso(value)
    except click.BadParameter as exc:
        exc.param, exc.param_hint = param, None
        raise


def _until(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Option callback for ``--until``: as :func:`_time`, but a bare day includes that day
    (``--until 2026-11-09`` ends at 2026-11-10T00:00 UTC: ``period_end``)."""
    from crawler.report.query import period_end

    if not value:
        return None
    try:
        return period_end(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param=param) from None


def _refuse_reversed_period(function: _F) -> _F:
    """``function`` refusing a --since at or after its --until (no time is in that period)."""

    @functools.wraps(function)
    def run(*args: object, **kwargs: object) -> object:
        since, until = kwargs.get("since"), kwargs.get("until")
        if isinstance(since, str) and isinstance(until, str) and since >= until:
            from crawler.report.empty import moment_text, until_text

            raise click.UsageError(
                f"--since {moment_text(since)} is after --until {until_text(until)}: no time "
                "is in that period"
            )
        return function(*args, **kwargs)

    return run  # type: ignore[return-value]


def _period_options(default_since: str | None) -> Callable[[_F], _F]:
    """The --outlet, --since and --until options (``--since`` defaults to ``default_since``)."""

    def decorate(function: _F) -> _F:
        function = _refuse_reversed_period(function)
        function = click.option(
            "--until",
            callback=_until,
            metavar="WHEN",
            help="Only up to this time: a duration before now (2h), an ISO time, or a day "
            "(that day included).",
        )(function)
        function = click.option(
            "--since",
            callback=_time,
            metavar="WHEN",
            default=default_since,
            show_default=bool(default_since),
            help="Only from this time: a duration before now (24h, 7d) or an ISO date.",
        )(function)
        function = click.option(
            "--country",
            "countries",
            multiple=True,
            metavar="CC",
            help="Only outlets of this country (the registry's ISO code, e.g. KG; repeatable).",
        )(function)
        function = outlets_file_option(function)
        return click.option(
            "--outlet",
            "outlets",
            multiple=True,
            metavar="ID",
            help="Only these outlets (repeatable).",
        )(function)

    return decorate


def article_filter_options(function: _F) -> _F:
    """``--language`` and ``--query``: the member filters ``report clusters`` and ``export``
    share."""
    function = click.option(
        "--query",
        metavar="WORDS",
        help="Only articles whose title or text holds all these words (whole words; word* for a "
        "prefix).",
    )(function)
    return click.option(
        "--language",
        "languages",
        multiple=True,
        metavar="CODE",
        help="Only articles in this language (ISO 639-1, repeatable).",
    )(function)


def load_registry_for(outlets_file: str | None) -> list[Outlet]:
    """The outlet registry that names outlets and maps countries (bundled, or ``--outlets``)."""
    from settings.registry import load_registry

    return load_registry(outlets_file)


@contextmanager
def open_existing_archive(db: str) -> Iterator[Archive]:
    """Open an archive that must already exist, read-only (a report never creates or changes
    one); an archive that turns out unreadable halfway is one error line, not a traceback."""
    import sqlite3

    from crawler.errors import ConfigError, StorageError
    from crawler.store.archive import Archive

    if db != ":memory:" and not Path(db).is_file():
        raise ConfigError(f"no archive at {db}; run `newsmon crawl --db {db}` first")
    if db != ":memory:" and Path(db).stat().st_size == 0:
        raise ConfigError(
            f"{db} is empty, not a newsmon archive; run `newsmon crawl --db {db}` first"
        )
    with Archive.open_reader(db) as archive:
        try:
            yield archive
        except sqlite3.Error as exc:
            raise StorageError(f"cannot read archive {db}: {exc}") from None


@click.group("report")
def command() -> None:
    """Cluster and outlet reports, from the archive.

    \b
    Example:
      newsmon report clusters --db news.db --since 24h --min-size 3 --query "water Toktogul"
      newsmon report cluster 3f2a9c0d1e4b5a69 --format json
      newsmon report outlets --since 7d --format html > outlets.html
    """


@command.command("clusters")
@db_option
@_period_options(default_since=None)
@article_filter_options
@click.option(
    "--min-size",
    type=click.IntRange(min=1, max=SQLITE_MAX_INT),
    default=2,
    show_default=True,
    help="Smallest cluster shown (1 includes single articles).",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1, max=SQLITE_MAX_INT),
    default=None,
    help="At most N clusters.",
)
@format_option
def clusters(
    db: str,
    since: str | None,
    until: str | None,
    outlets: tuple[str, ...],
    countries: tuple[str, ...],
    outlets_file: str | None,
    languages: tuple[str, ...],
    min_size: int,
    query: str | None,
    limit: int | None,
    fmt: str,
) -> int:
    """Clusters of near-duplicate coverage, biggest first: origin, members, lags, outlets.

    A cluster is in the period when one of its members is; it matches the other filters
    (outlet, country, language, words) when one of its members matches them all.

    \b
    Example:
      newsmon report clusters --db news.db --since 24h
      newsmon report clusters --db news.db --country KG --query "Toktogul" --format html
    """
    from crawler.report.query import check_outlets, scope, with_names
    from crawler.report.reports import ClusterQuery, cluster_records, render_clusters

    registry = load_registry_for(outlets_file)
    cluster_query = ClusterQuery(
        since=since,
        until=until,
        outlets=outlets,
        countries=countries,
        languages=languages,
        min_size=min_size,
        query=query,
        limit=limit,
    )
    with open_existing_archive(db) as archive:
        check_outlets(archive, outlets, registry)
        records = cluster_records(archive, cluster_query, registry)
        note = (
            None
            if records
            else _empty_note(archive, "clusters", cluster_query.filters, db, registry)
        )
    with_names(records, {o.id: o.name for o in registry})
    extra = {"min_size": min_size, "limit": limit}
    _echo_report(render_clusters(records, fmt, scope(cluster_query.filters, **extra)), fmt, note)
    return 0


@command.command("cluster")
@click.argument("cluster_id")
@db_option
@outlets_file_option
@format_option
def cluster(cluster_id: str, db: str, outlets_file: str | None, fmt: str) -> int:
    """One cluster, named by its id, any member's article id, a merged cluster's old id, or
    a unique prefix of one of them.

    \b
    Example:
      newsmon report cluster 312db4a8 --db news.db
      newsmon report cluster 312db4a8 --db news.db --format json
    """
    from crawler.errors import ConfigError
    from crawler.report.query import Filters, find_cluster, scope, with_names
    from crawler.report.reports import cluster_record, render_clusters

    registry = load_registry_for(outlets_file)
    with open_existing_archive(db) as archive:
        found = find_cluster(archive, cluster_id)
        record = None if found is None else cluster_record(archive, found)
    if record is None:
        raise ConfigError(f"no cluster '{cluster_id}' in {db}")
    with_names([record], {o.id: o.name for o in registry})
    shown = scope(Filters(), cluster=record["id"])
    click.echo(render_clusters([record], fmt, shown), nl=False)
    return 0


@command.command("outlets")
@db_option
@_period_options(default_since=None)
@format_option
def outlets_report(
    db: str,
    since: str | None,
    until: str | None,
    outlets: tuple[str, ...],
    countries: tuple[str, ...],
    outlets_file: str | None,
    fmt: str,
) -> int:
    """Per outlet: articles, who copies whom, failures by kind, last good crawl, alarms.

    The period is all time unless --since/--until narrow it (as `report clusters`). An alarm
    is raised when the last crawl found links but stored no article, when all its sources
    failed, or (with --since) when the median body length in the period fell below half of
    the outlet's own median before it.

    \b
    Example:
      newsmon report outlets --db news.db --since 7d
      newsmon report outlets --db news.db --country KZ --format csv
    """
    from crawler.report.query import Filters, check_outlets
    from crawler.report.reports import OutletQuery, outlet_report, render_outlets

    registry = load_registry_for(outlets_file)
    with open_existing_archive(db) as archive:
        check_outlets(archive, outlets, registry)
        report = outlet_report(
            archive,
            OutletQuery(since=since, until=until, outlets=outlets, countries=countries),
            registry,
        )
        empty = not any(row["articles"] for row in report["outlets"])
        filters = Filters(since=since, until=until, outlets=outlets, countries=countries)
        note = _empty_note(archive, "articles", filters, db, registry) if empty else None
    _echo_report(render_outlets(report, fmt), fmt, note)
    return 0


def _empty_note(
    archive: Archive, what: str, filters: Filters, db: str, registry: list[Outlet]
) -> tuple[str, bool]:
    """The note of an empty report, and whether it goes to stderr too (JSON, CSV): its period
    misses the archive, or ``--country`` cannot match outlets the registry does not know."""
    from crawler.report.empty import archive_span, empty_note, period_misses, unregistered_note

    span = archive_span(archive, filters.outlets)
    since, until = filters.since, filters.until
    note = empty_note(span, what=what, since=since, until=until, db=db)
    unregistered = unregistered_note(archive, registry, filters.countries)
    if unregistered:
        return f"{note} {unregistered}", True
    return note, period_misses(span, since, until)


def _echo_report(text: str, fmt: str, note: tuple[str, bool] | None) -> None:
    """Write a report; an empty one says what the archive holds (for JSON and CSV on stderr,
    when the period misses the archive)."""
    from crawler.report.empty import with_note

    if note is None:
        click.echo(text, nl=False)
        return
    text, aside = with_note(text, fmt, note[0], aside=note[1])
    click.echo(text, nl=False)
    if aside:
        click.echo(f"note: {aside}", err=True)
