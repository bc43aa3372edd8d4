"""``newsmon report``: cluster reports for analysts, read from the archive."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.commands.options import db_option, since_to_iso

_FORMATS = ["table", "json"]


def open_existing_archive(db: str):  # noqa: ANN201  (crawler.archive.Archive, imported lazily)
    """Open an archive that must already exist (a report never creates an empty one)."""
    from crawler.archive import Archive
    from crawler.errors import ConfigError

    if db != ":memory:" and not Path(db).is_file():
        raise ConfigError(f"no archive at {db}; run `newsmon crawl --db {db}` first")
    return Archive(db)


@click.group("report")
def command() -> None:
    """Cluster and outlet reports, from the archive.

    \b
    Example:
      newsmon report clusters --db news.db --since 24h --min-size 2
      newsmon report cluster 3f2a9c0d1e4b5a69 --format json
    """


@command.command("clusters")
@db_option
@click.option("--since", help="Only clusters active in this period: 24h, 7d, or an ISO date.")
@click.option("--min-size", type=click.IntRange(min=1), default=2, show_default=True,
              help="Smallest cluster shown (1 includes single articles).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most N clusters.")
@click.option("--format", "fmt", type=click.Choice(_FORMATS), default="table", show_default=True)
def clusters(db: str, since: str | None, min_size: int, limit: int | None, fmt: str) -> int:
    """Clusters of near-duplicate coverage, biggest first, with origin and members."""
    from crawler.reports import ClusterQuery, cluster_records, render

    with open_existing_archive(db) as archive:
        query = ClusterQuery(since=since_to_iso(since), min_size=min_size, limit=limit)
        records = cluster_records(archive, query)
    click.echo(render(records, fmt), nl=False)
    return 0


@command.command("cluster")
@click.argument("cluster_id")
@db_option
@click.option("--format", "fmt", type=click.Choice(_FORMATS), default="table", show_default=True)
def cluster(cluster_id: str, db: str, fmt: str) -> int:
    """One cluster by id (a merged cluster's old id finds the cluster it joined)."""
    from crawler.errors import ConfigError
    from crawler.reports import cluster_record, render

    with open_existing_archive(db) as archive:
        current = archive.resolve_cluster(cluster_id)
        members = list(archive.articles(cluster=current))
    if not members:
        raise ConfigError(f"no cluster '{cluster_id}' in {db}")
    click.echo(render([cluster_record(current, members)], fmt), nl=False)
    return 0
