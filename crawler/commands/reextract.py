"""``newsmon reextract``: run extraction again over the archive's stored pages.

After an extractor change, each stored page is extracted again with the outlet's learned
boilerplate. An article whose record changed (text, title, dates, ...) is stored with a new
revision and a new signature; with a Redis URL its new revision is queued in the outbox and
published to ``results`` (id ``<article>:<rev>``, so consumers see it as a new version).

Clusters are not revisited: a changed article keeps its cluster (splitting a cluster that
consumers already know would rewrite history; later articles are compared with the new
signature). Its copy direction (``copy_of``, ``similarity``) is worked out again when it is
stored, since a new text or credited source can change it. Pages that no longer extract (the
new extractor calls them not-articles) are counted and left as they are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import click

from crawler.commands.options import db_option, redis_url_option, since_to_iso

if TYPE_CHECKING:
    from crawler.store.archive import Archive
    from dedup import DedupConfig


@dataclass(slots=True)
class ReextractReport:
    """What a re-extraction did."""

    pages: int = 0
    changed: list[str] = field(default_factory=list)  # article ids
    failed: Counter[str] = field(default_factory=Counter)  # reason -> pages
    published: int = 0
    left_in_outbox: int = 0

    def summary_line(self) -> str:
        """One line for the end of the run."""
        failed = ", ".join(f"{n} {reason}" for reason, n in sorted(self.failed.items()))
        line = (
            f"re-extracted {self.pages} pages: {len(self.changed)} changed, "
            f"{self.pages - len(self.changed) - sum(self.failed.values())} unchanged, "
            f"{sum(self.failed.values())} failed{f' ({failed})' if failed else ''}"
        )
        if self.published or self.left_in_outbox:
            line += (
                f"; {self.published} messages published, {self.left_in_outbox} wait in the outbox"
            )
        return line


def reextract(
    archive: Archive,
    *,
    since: str | None,
    outlets: list[str],
    outbox: bool,
    dedup_config: DedupConfig,
    on_page: Callable[[ReextractReport], None] | None = None,
) -> ReextractReport:
    """Extract every stored page of ``archive`` again and store the articles that changed;
    ``on_page`` is called after each page (progress)."""
    from crawler.errors import ExtractionError
    from crawler.extract.article import extract_article
    from crawler.extract.boilerplate import BoilerplateLearner
    from crawler.fetch.pipelines import BOILERPLATE_KEY
    from crawler.items import Priors
    from crawler.store.outbox import record_hash
    from dedup import signature

    saved = archive.get_meta(BOILERPLATE_KEY)
    learner = BoilerplateLearner.from_json(saved) if saved else BoilerplateLearner()
    report = ReextractReport()
    for stored, html, content_type in archive.stored_pages(since=since, outlets=outlets):
        if on_page is not None and report.pages:
            on_page(report)
        old = stored.article
        report.pages += 1
        try:
            fresh = extract_article(
                html,
                old.url,
                outlet=old.outlet,
                content_type=content_type,
                fetched=old.fetched,
                priors=Priors(published=old.published, modified=old.modified, title=old.title),
                boilerplate=learner.boilerplate(old.outlet),
            ).article
        except ExtractionError as exc:
            report.failed[exc.reason] += 1
            continue
        new = replace(
            fresh,
            id=old.id,
            fetched=old.fetched,
            cluster=old.cluster,
            copy_of=old.copy_of,
            similarity=old.similarity,
        )
        if record_hash(new) == record_hash(old):
            continue
        archive.store_article(
            new,
            signature=signature(new.text, dedup_config).to_bytes(),
            outbox=outbox,
            cluster_event=False,
        )
        report.changed.append(old.id)
    return report


@click.command("reextract")
@db_option
@click.option(
    "--since",
    default=None,
    metavar="WHEN",
    help="Only articles published from then on (fetched, for a page that gave no date): 24h, "
    "7d, or an ISO date.",
)
@click.option(
    "--outlet", "outlet_ids", multiple=True, metavar="ID", help="Only this outlet (repeatable)."
)
@redis_url_option
def command(db: str, since: str | None, outlet_ids: tuple[str, ...], redis_url: str | None) -> int:
    """Extract the archive's stored pages again; store and republish the articles that changed.

    Use it after an extractor change. A changed article gets a new revision; with a Redis URL
    it is republished to newsmon:results (through the outbox: if Redis is away it waits there
    for the next run). Clusters are kept as they are.

    \b
    Example:
      newsmon reextract --db news.db --since 7d
      newsmon reextract --db news.db --outlet cabar --redis-url redis://localhost:6379/0
    """
    import asyncio

    from crawler.commands.console import is_quiet
    from crawler.commands.report import open_existing_archive
    from crawler.fetch.pipelines import dedup_config_from_settings
    from crawler.fetch.runner import crawl_settings
    from crawler.report.query import check_outlets
    from crawler.store.archive import Archive
    from crawler.store.locks import writer_lock
    from crawler.store.queue import check_redis_url
    from settings.registry import load_registry

    if redis_url:
        check_redis_url(redis_url)
    settings = crawl_settings({})
    timeout = settings.getfloat("NEWSMON_WRITER_LOCK_TIMEOUT")
    since_iso = since_to_iso(since)
    with open_existing_archive(db) as reader:  # one line for a missing archive or outlet
        check_outlets(reader, outlet_ids, load_registry())
    with writer_lock(db, "newsmon reextract", timeout), Archive(db) as archive:
        show = _Progress(archive.count_stored_pages(since=since_iso, outlets=outlet_ids))
        report = reextract(
            archive,
            since=since_iso,
            outlets=list(outlet_ids),
            outbox=bool(redis_url),
            dedup_config=dedup_config_from_settings(settings),
            on_page=show,
        )
        show.close(report)
        if redis_url:
            report.published, report.left_in_outbox = asyncio.run(
                _publish(archive, redis_url, settings)
            )
    if not is_quiet():  # -q: only errors
        click.echo(report.summary_line(), err=True)
    return 0


class _Progress:
    """The bar of a re-extraction: pages done of ``total``, changed and failed so far."""

    def __init__(self, total: int) -> None:
        import sys

        from crawler.progress import ProgressLine, progress_mode

        self.total = total
        self.line = ProgressLine(sys.stderr, progress_mode(sys.stderr))

    def __call__(self, report: ReextractReport, *, force: bool = False) -> None:
        from crawler.progress import bar, format_duration

        if not (force or self.line.due()):
            return
        elapsed = self.line.elapsed
        rate = report.pages / elapsed if elapsed > 0 else 0.0
        self.line.show(
            f"{bar(report.pages, self.total)} · {report.pages}/{self.total} pages · "
            f"{len(report.changed)} changed · {sum(report.failed.values())} failed · "
            f"{format_duration(elapsed)} · {rate:.1f} pages/s",
            force=True,
        )

    def close(self, report: ReextractReport) -> None:
        """The last state, then the line ends (the summary follows)."""
        if self.line.mode == "terminal" and report.pages:
            self(report, force=True)
        self.line.close()


async def _publish(archive: Archive, url: str, s: Any) -> tuple[int, int]:
    """Send the outbox (this run's and any earlier one's); returns (sent, left)."""
    from crawler.store.queue import OutboxPublisher, connect

    client = connect(url)
    publisher = OutboxPublisher(
        client,
        url=url,
        prefix=s.get("NEWSMON_REDIS_PREFIX"),
        maxlen=s.getint("NEWSMON_REDIS_STREAM_MAXLEN"),
        batch_size=s.getint("NEWSMON_PUBLISH_BATCH"),
    )

    async def call(fn: Any) -> Any:
        return fn(archive)

    try:
        left = await publisher.finish(call, s.getfloat("NEWSMON_PUBLISH_CLOSE_TIMEOUT"))
    finally:
        await client.aclose()
    return publisher.sent, left
