"""``newsmon demo``: the whole pipeline, offline, on the bundled sample outlets."""

from __future__ import annotations

import shlex
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from crawler.commands.console import say

if TYPE_CHECKING:
    from crawler.store.archive import Archive

# The sample sites are local: no politeness delay is needed to be fast and kind to them.
_DEMO_OVERRIDES = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "RETRY_TIMES": 0,
    "NEWSMON_SITEMAP_MAX_AGE_DAYS": 0,  # the sample articles carry fixed dates
}


@click.command("demo")
@click.option(
    "--db",
    default=None,
    metavar="PATH",
    help="Keep the archive here (default: a temporary file, removed afterwards).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Format of the cluster report.",
)
def command(db: str | None, fmt: str) -> int:
    """Serve the bundled sample outlets locally, crawl them, cluster, and print the report.

    Needs no internet and no Redis. The sample outlets hold known copies (syndicated stories,
    an excerpt, a rewrite) and known look-alikes that are not copies; the last line says
    whether the clusters found match them.

    \b
    Example:
      newsmon demo
      newsmon demo --db demo.db && newsmon report clusters --db demo.db --format json
    """
    from crawler.demo.server import serve_sample_outlets
    from crawler.fetch.runner import run_crawl
    from crawler.report.reports import ClusterQuery, cluster_records, render
    from crawler.store.archive import Archive

    if db is not None:
        _refuse_a_filled_archive(db)
    with (
        tempfile.TemporaryDirectory(prefix="newsmon-demo-") as tmp,
        serve_sample_outlets() as sites,
    ):
        registry = sites.write_registry(Path(tmp) / "outlets.toml")
        db_path = db or str(Path(tmp) / "demo.db")
        report = run_crawl(
            registry_path=registry, outlet_ids=[], db_path=db_path, overrides=_DEMO_OVERRIDES
        )
        for line in report.summary_lines():
            if line.startswith("error:"):
                click.echo(line, err=True)
            else:
                say(line)
        with Archive(db_path) as archive:
            records = cluster_records(archive, ClusterQuery(min_size=2))
            found = clusters_by_url(archive)
            copies = copies_by_url(archive)
        click.echo(render(records, fmt), nl=False)
        check = compare_with_expected(found, sites.expected_clusters, copies)
        if check.ok:
            say(check.summary())
        else:  # what the demo is for: with -q too
            click.echo(check.summary(), err=True)
    say(_serve_hint(db))
    return report.exit_status or (0 if check.ok else 1)


def _refuse_a_filled_archive(db: str) -> None:
    """The demo fills a new archive: its sample sites get new ports each run, so a second run
    into the same archive would store every article again under new URLs.

    Raises:
        ConfigError: ``db`` already holds articles.
    """
    from crawler.errors import ConfigError
    from crawler.store.archive import Archive

    path = Path(db)
    if not path.is_file() or path.stat().st_size == 0:
        return
    with Archive.open_reader(db) as archive:
        held = archive.count_articles()
    if held:
        raise ConfigError(
            f"{db} already holds {held} articles; the demo fills a new archive (another --db, "
            "or none)"
        )


def _serve_hint(db: str | None) -> str:
    """How to open the demo's archive in the web dashboard (the demo's last line)."""
    if db:
        return (
            f"browse it: newsmon serve --db {shlex.quote(db)}  (then open http://127.0.0.1:8080/)"
        )
    return (
        "browse it: newsmon demo --db demo.db && newsmon serve --db demo.db  "
        "(then open http://127.0.0.1:8080/)"
    )


def clusters_by_url(archive: Archive) -> dict[str, str]:
    """Each archived article's canonical URL and its cluster id."""
    return {a.canonical_url: a.cluster or a.id for a in archive.articles()}


def copies_by_url(archive: Archive) -> dict[str, tuple[str | None, str | None]]:
    """Each archived article's canonical URL: the canonical URL of its ``copy_of``, and the
    source it credits."""
    articles = list(archive.articles())
    url_of = {a.id: a.canonical_url for a in articles}
    return {
        a.canonical_url: (url_of.get(a.copy_of) if a.copy_of else None, a.source) for a in articles
    }


@dataclass(frozen=True, slots=True)
class DemoCheck:
    """How the clusters found compare with the demo's known copy groups."""

    groups_total: int
    groups_whole: int
    intruders: list[str]
    missing: list[str]
    groups_directed: int = 0

    @property
    def ok(self) -> bool:
        """True when every known group is one cluster, copies point from its origin onwards,
        and nothing else joined one."""
        return (
            self.groups_whole == self.groups_directed == self.groups_total
            and not self.intruders
            and not self.missing
        )

    def summary(self) -> str:
        """One line for the terminal."""
        line = (
            f"demo check: {self.groups_whole}/{self.groups_total} known copy groups found "
            f"whole, {self.groups_directed}/{self.groups_total} with the origin copying none "
            f"and every other member copying an earlier one (or its credited source), "
            f"{len(self.intruders)} unrelated articles wrongly joined"
        )
        if self.missing:
            line += f", {len(self.missing)} sample articles not crawled"
        return line


def compare_with_expected(
    found: dict[str, str],
    expected: list[list[str]],
    copies: dict[str, tuple[str | None, str | None]] | None = None,
) -> DemoCheck:
    """Compare ``found`` (canonical URL -> cluster id) and ``copies`` (``copies_by_url``) with the
    known groups of URLs, each listed origin first and in publication order."""
    from crawler.urls import canonicalize

    missing: list[str] = []
    whole = directed = 0
    expected_cluster_ids: set[str] = set()
    for group in expected:
        urls = [canonicalize(u) for u in group]
        missing.extend(u for u in urls if u not in found)
        ids = {found[u] for u in urls if u in found}
        if len(ids) == 1 and not any(u not in found for u in urls):
            whole += 1
        if copies is not None and _directed(urls, copies):
            directed += 1
        expected_cluster_ids.update(ids)
    in_groups = {canonicalize(u) for group in expected for u in group}
    counts: dict[str, int] = {}
    for cluster_id in found.values():
        counts[cluster_id] = counts.get(cluster_id, 0) + 1
    intruders = [u for u, c in found.items() if u not in in_groups and counts[c] > 1]
    return DemoCheck(len(expected), whole, intruders, missing, directed)


def _directed(urls: list[str], copies: dict[str, tuple[str | None, str | None]]) -> bool:
    """The origin (first) copies none; every other member copies one listed before it, or
    credits the same source as one of them (both took it from there)."""
    if any(u not in copies for u in urls) or copies[urls[0]][0] is not None:
        return False
    for i, url in enumerate(urls[1:], 1):
        copy_of, source = copies[url]
        shared = source is not None and any(copies[u][1] == source for u in urls[:i])
        if not (copy_of in urls[:i] or (copy_of is None and shared)):
            return False
    return True
