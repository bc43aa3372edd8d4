"""``newsmon crawl``: crawl outlets once into the archive."""

from __future__ import annotations

import click

from crawler.commands.options import (
    db_option,
    max_articles_option,
    mode_option,
    options_from_settings,
    outlet_ids_option,
    outlets_file_option,
    parse_setting_overrides,
    redis_url_option,
)


@click.command("crawl")
@outlet_ids_option("Crawl only this outlet (repeatable). Default: every outlet")
@outlets_file_option
@db_option
@redis_url_option
@mode_option
@max_articles_option
@click.option(
    "-s",
    "setting_pairs",
    multiple=True,
    metavar="NAME=VALUE",
    help="Scrapy setting override, as `scrapy crawl -s` takes it (repeatable).",
)
def command(
    outlet_ids: tuple[str, ...],
    outlets_file: str | None,
    db: str,
    redis_url: str | None,
    mode: str | None,
    max_articles: int | None,
    setting_pairs: tuple[str, ...],
) -> int:
    """Crawl outlets once: discover new articles, extract, cluster and store them.

    Only articles not seen by an earlier crawl are fetched. Exit status 0 when every outlet
    answered, 1 when an outlet could not be crawled at all (the summary says which).

    With --redis-url, stored articles and cluster changes are also published to Redis streams;
    while Redis is away they wait in the archive's outbox and the crawl goes on.

    With --mode worker (several machines), nothing is clustered or stored here: each extracted
    article goes to the stream newsmon:extracted for `newsmon ingest`, through this archive's
    outbox (which keeps only seen URLs, the outbox and the run history), and the seen URLs are
    shared in Redis so that no two workers fetch the same article.

    \b
    Example:
      newsmon crawl --outlet cabar --db news.db
      newsmon crawl --outlets my-outlets.toml -s DOWNLOAD_DELAY=2
      newsmon crawl --redis-url redis://localhost:6379/0
      newsmon crawl --mode worker --redis-url redis://queue.internal:6379/0 --db worker.db
    """
    from crawler import escape
    from crawler.commands.console import is_quiet
    from crawler.fetch.runner import run_crawl
    from crawler.store.queue import check_redis_url

    overrides = parse_setting_overrides(setting_pairs)
    given = options_from_settings(
        overrides, db=db, outlets_file=outlets_file, outlet_ids=outlet_ids
    )
    db, outlets_file, outlet_ids = given["db"], given["outlets_file"], given["outlet_ids"]
    if redis_url:
        overrides["NEWSMON_REDIS_URL"] = check_redis_url(redis_url)
    if mode:
        overrides["NEWSMON_MODE"] = mode
    if max_articles is not None:
        overrides["NEWSMON_MAX_ARTICLES"] = max_articles
    report = run_crawl(
        registry_path=outlets_file, outlet_ids=list(outlet_ids), db_path=db, overrides=overrides
    )
    for line in report.summary_lines():
        if is_quiet() and not line.startswith("error:"):
            continue  # -q: only errors (cron mails whatever is printed)
        click.echo(escape.terminal(line, keep_newlines=False), err=True)  # failures quote sites
    return report.exit_status
