"""``newsmon export``: the archive's Article records as JSON lines, CSV, Parquet or a JSON file
per article, with the filters of ``report``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from crawler.commands.console import say
from crawler.commands.options import db_option
from crawler.commands.report import (
    _period_options,
    article_filter_options,
    load_registry_for,
    open_existing_archive,
)

if TYPE_CHECKING:
    from crawler.report.query import Resolved
    from settings.registry import Outlet

# the formats `crawler.report.exports.WRITERS` holds, and warc (listed here so that --help
# stays light)
EXPORT_FORMATS = ("jsonl", "csv", "parquet", "warc")


@click.command("export")
@db_option
@_period_options(default_since=None)
@article_filter_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS),
    default=None,
    show_default="jsonl",
    help="parquet needs the extra: pip install 'newsmon[parquet]'; warc: the stored "
    "pages as gzipped WARC response records.",
)
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False),
    default=None,
    metavar="DIR",
    help="Write one JSON file per article, DIR/<article id>.json, instead of stdout.",
)
def command(
    db: str,
    since: str | None,
    until: str | None,
    outlets: tuple[str, ...],
    countries: tuple[str, ...],
    outlets_file: str | None,
    languages: tuple[str, ...],
    query: str | None,
    fmt: str | None,
    output_dir: str | None,
) -> int:
    """Write the archive's Article records (cluster included), oldest first, to stdout.

    The filters are those of `report clusters`, applied to each article.

    \b
    Example:
      newsmon export --db news.db --since 24h > today.jsonl
      newsmon export --country KG --language ky --until 2026-11-30 --format csv > kg.csv
      newsmon export --query "Toktogul water" --format parquet > water.parquet
      newsmon export --outlet kabar --output-dir kabar/
      newsmon export --format warc > pages.warc.gz
    """
    from crawler.errors import ConfigError
    from crawler.report import exports
    from crawler.report.empty import unregistered_note
    from crawler.report.query import Filters, articles, check_outlets, resolve

    if output_dir is not None and fmt is not None:
        raise ConfigError("--output-dir writes JSON files; leave out --format")
    fmt = fmt or "jsonl"
    if fmt == "parquet":
        exports.require_pyarrow()
    if fmt in ("parquet", "warc") and sys.stdout.isatty():
        suffix = "parquet" if fmt == "parquet" else "warc.gz"
        raise ConfigError(f"--format {fmt} is binary: redirect it to a file (> articles.{suffix})")
    registry = load_registry_for(outlets_file)
    filters = resolve(
        Filters(
            since=since,
            until=until,
            outlets=outlets,
            countries=countries,
            languages=languages,
            query=query,
        ),
        registry,
    )
    if fmt == "warc":
        return _export_warc(db, filters, registry)
    with open_existing_archive(db) as archive:
        check_outlets(archive, filters.filters.outlets, registry)
        found = articles(archive, filters)
        if output_dir is not None:
            count = exports.write_directory(found, output_dir)
            say(f"wrote {count} articles to {output_dir}")
        else:
            count = exports.WRITERS[fmt](found, sys.stdout.buffer)
        unregistered = unregistered_note(archive, registry, countries) if not count else None
    if unregistered:
        say(f"note: {unregistered}")
    return 0


def _export_warc(db: str, filters: Resolved, registry: list[Outlet]) -> int:
    """``--format warc``: the stored pages of the matching articles, binary, to stdout."""
    from crawler.report.query import articles, check_outlets
    from crawler.store.warc import export_warc

    with open_existing_archive(db) as archive:
        check_outlets(archive, filters.filters.outlets, registry)
        wanted = {article.id for article in articles(archive, filters)}
        count = export_warc(
            archive,
            sys.stdout.buffer,
            since=filters.filters.since,
            outlets=filters.outlet_ids or (),
            only=wanted,
        )
    sys.stdout.buffer.flush()
    say(f"exported {count} pages as WARC response records")
    return 0
