"""``newsmon ingest``: the distributed mode's single clustering consumer."""

from __future__ import annotations

import os
import socket

import click

from crawler.commands.options import db_option, redis_url_option


@click.command("ingest")
@redis_url_option
@db_option
@click.option(
    "--consumer",
    default=lambda: f"{socket.gethostname()}-{os.getpid()}",
    show_default="HOST-PID",
    help="This consumer's name in the group newsmon-ingest.",
)
@click.option(
    "--claim-idle",
    type=click.FloatRange(min=0),
    default=None,
    metavar="SECONDS",
    help="Take over messages another consumer left pending this long "
    "[default: NEWSMON_INGEST_CLAIM_IDLE, 60].",
)
@click.option(
    "--drain",
    is_flag=True,
    help="Stop when no message is left to take, instead of waiting for more.",
)
def command(
    redis_url: str | None, db: str, consumer: str, claim_idle: float | None, drain: bool
) -> int:
    """Cluster the articles crawl workers push to newsmon:extracted into the archive.

    Reads the stream through the consumer group newsmon-ingest, takes over what a dead consumer
    left pending (XAUTOCLAIM), stores each article once (by id) and publishes it to
    newsmon:results and its cluster change to newsmon:clusters; a message is acknowledged only
    once stored. SIGTERM stops after the current batch. Run one ingest per archive.

    \b
    Example:
      newsmon ingest --redis-url redis://queue.internal:6379/0 --db news.db
      newsmon ingest --redis-url rediss://:PASSWORD@queue.internal:6380/0 --drain
    """
    import asyncio

    from crawler.errors import ConfigError
    from crawler.store.queue import check_redis_url

    if not redis_url:
        raise ConfigError("ingest needs --redis-url (or NEWSMON_REDIS_URL)")
    check_redis_url(redis_url)
    from crawler.commands.console import is_quiet
    from crawler.run.ingest import run_ingest

    report = asyncio.run(
        run_ingest(redis_url, db, consumer=consumer, claim_idle=claim_idle, drain=drain)
    )
    if not is_quiet():  # -q: only errors
        click.echo(report.summary_line(), err=True)
    return 0
