"""``newsmon import``: WARC files (or a CC-NEWS period) into the archive, as a crawl would."""

from __future__ import annotations

import glob
import os
from datetime import datetime, timedelta

import click

from crawler.commands.options import (
    db_option,
    mode_option,
    outlets_file_option,
    redis_url_option,
    since_to_iso,
)

DEFAULT_CC_NEWS_URL = "https://data.commoncrawl.org"


def _files(patterns: tuple[str, ...]) -> list[str]:
    """The files the arguments name, globs expanded, each once, in name order."""
    from crawler.errors import ConfigError

    files: list[str] = []
    for pattern in patterns:
        found = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        found = [f for f in found if os.path.isfile(f)]
        if not found:
            raise ConfigError(f"no WARC file at {pattern}")
        files.extend(found)
    return list(dict.fromkeys(files))


def _until_iso(value: str | None) -> str | None:
    """--until: a bare date means the end of that day."""
    iso = since_to_iso(value, "--until")
    if iso and value and len(value.strip()) == 10:
        end = datetime.fromisoformat(iso) + timedelta(days=1, seconds=-1)
        return end.isoformat(timespec="seconds")
    return iso


@click.command("import")
@click.argument("paths", nargs=-1, metavar="FILE_OR_GLOB...")
@outlets_file_option
@click.option(
    "--outlet",
    "outlet_ids",
    multiple=True,
    metavar="ID",
    help="Keep only this outlet's articles (repeatable). Default: every outlet.",
)
@click.option(
    "--all-hosts",
    default=None,
    metavar="HOSTS",
    help="Also keep every HTML page of these hosts (comma-separated), each host "
    "as an outlet of its own name.",
)
@click.option("--since", help="Only records fetched (WARC-Date) from then: ISO date or 7d.")
@click.option("--until", help="Only records fetched until then: ISO date (the whole day) or 7d.")
@click.option(
    "--cc-news",
    is_flag=True,
    help="Read Common Crawl's CC-NEWS files of --since..--until (needs both) from "
    "NEWSMON_CC_NEWS_URL [default: https://data.commoncrawl.org].",
)
@db_option
@redis_url_option
@mode_option
def command(
    paths: tuple[str, ...],
    outlets_file: str | None,
    outlet_ids: tuple[str, ...],
    all_hosts: str | None,
    since: str | None,
    until: str | None,
    cc_news: bool,
    db: str,
    redis_url: str | None,
    mode: str | None,
) -> int:
    """Import WARC files: the responses whose URL is an article of a registry outlet go through
    the crawl's extraction, boilerplate learner, clusterer and archive, in publication order.

    Gzip and plain WARC files are read; request, metadata and revisit records, non-HTML pages,
    other status codes and broken records are counted with their reason. A file (or its first
    records) imported before is not imported again: the archive records how far each got.
    Exit status 1 when a file could not be read to its end (the next run goes on with it).
    Waits for another writer of the archive (NEWSMON_WRITER_LOCK_TIMEOUT).

    With --mode worker (several machines), each file is claimed with a Redis lease and done files
    are shared in Redis, so machines given the same files split them; the articles go to
    `newsmon ingest` through newsmon:extracted instead of being clustered here.

    \b
    Example:
      newsmon import crawl-*.warc.gz --db news.db
      newsmon import site.warc --all-hosts example.org --db news.db
      newsmon import --cc-news --since 2025-01-01 --until 2025-01-31 --db news.db
      newsmon import --cc-news --since 2025-01-01 --until 2025-01-31 --mode worker \\
          --redis-url redis://queue.internal:6379/0 --db worker1.db
    """
    import asyncio

    from crawler import escape
    from crawler.commands.console import is_quiet
    from crawler.errors import ConfigError
    from crawler.fetch.pipelines import dedup_config_from_settings
    from crawler.fetch.runner import crawl_settings
    from crawler.run.warc_import import OutletMatcher, RedisWork, import_warcs, local_sources
    from crawler.store.locks import writer_lock
    from settings.registry import load_registry, outlet_by_id

    outlets = load_registry(outlets_file)
    if outlet_ids:
        outlets = [outlet_by_id(outlets, i) for i in outlet_ids]
    since_iso, until_iso = since_to_iso(since), _until_iso(until)
    if since_iso and until_iso and since_iso > until_iso:
        raise click.UsageError(
            f"--since {since} is after --until {until}: no time is in that period"
        )
    if cc_news:
        if paths:
            raise ConfigError("give either --cc-news or WARC files, not both")
        if not (since_iso and until_iso):
            raise ConfigError("--cc-news needs --since and --until (e.g. 2025-01-01 2025-01-31)")
        from crawler.run.ccnews import cc_news_sources, month_paths

        base = (
            os.environ.get("NEWSMON_CC_NEWS_URL")
            or crawl_settings({}).get("NEWSMON_CC_NEWS_URL")
            or DEFAULT_CC_NEWS_URL
        )
        found = month_paths(
            base, datetime.fromisoformat(since_iso), datetime.fromisoformat(until_iso)
        )
        sources = cc_news_sources(base, found)
        click.echo(f"CC-NEWS: {len(sources)} WARC files from {base}", err=True)
    elif paths:
        sources = local_sources(_files(paths))
    else:
        raise ConfigError("name WARC files to import, or --cc-news with --since and --until")
    s = crawl_settings({})
    work = None
    if (mode or s.get("NEWSMON_MODE")) == "worker":
        from crawler.store.queue import check_redis_url

        if not redis_url:
            raise ConfigError("--mode worker needs --redis-url (or NEWSMON_REDIS_URL)")
        work = RedisWork(
            check_redis_url(redis_url),
            prefix=s.get("NEWSMON_REDIS_PREFIX"),
            lease_ttl=s.getfloat("NEWSMON_SCHEDULE_LEASE_TTL"),
            maxlen=s.getint("NEWSMON_REDIS_STREAM_MAXLEN"),
            batch_size=s.getint("NEWSMON_PUBLISH_BATCH"),
            backoff_max=s.getfloat("NEWSMON_PUBLISH_BACKOFF_MAX"),
            close_timeout=s.getfloat("NEWSMON_PUBLISH_CLOSE_TIMEOUT"),
        )

    def progress(line: str) -> None:
        click.echo(escape.terminal(line, keep_newlines=False), err=True)

    # one writer at a time, as crawl, ingest and reextract: the clusterer is restored from what
    # is stored when the import starts
    with writer_lock(db, "newsmon import", s.getfloat("NEWSMON_WRITER_LOCK_TIMEOUT")):
        report = asyncio.run(
            import_warcs(
                sources,
                OutletMatcher(outlets, (all_hosts or "").split(",")),
                db,
                dedup_config=dedup_config_from_settings(s),
                workers=s.getint("NEWSMON_EXTRACT_WORKERS") or None,
                since=since_iso,
                until=until_iso,
                keep_html=s.getbool("NEWSMON_KEEP_HTML"),
                redis=work,
                progress=None if is_quiet() else progress,  # -q: only errors
            )
        )
    for line in report.summary_lines():
        if is_quiet() and not line.startswith(("error:", "not finished")):
            continue  # -q: only errors
        progress(line)
    return report.exit_status
