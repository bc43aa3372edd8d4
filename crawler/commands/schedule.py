"""``newsmon schedule``: crawl each outlet at its interval, for ever (or once, for cron)."""

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


@click.command("schedule")
@outlet_ids_option("Schedule only this outlet (repeatable). Default: every outlet")
@outlets_file_option
@db_option
@redis_url_option
@mode_option
@max_articles_option
@click.option(
    "--once",
    is_flag=True,
    help="Crawl the outlets that are due now, then exit (for cron and systemd timers).",
)
@click.option(
    "-s",
    "setting_pairs",
    multiple=True,
    metavar="NAME=VALUE",
    help="Setting override for the scheduler and its crawls (repeatable).",
)
def command(
    outlet_ids: tuple[str, ...],
    outlets_file: str | None,
    db: str,
    redis_url: str | None,
    mode: str | None,
    max_articles: int | None,
    once: bool,
    setting_pairs: tuple[str, ...],
) -> int:
    """Crawl each outlet when it is due: at its registry `interval`, adapted to how often it
    publishes, with jitter.

    Each batch of due outlets is crawled by a child `newsmon crawl`; the archive keeps the run
    history. Polling speeds up when most listed articles are new and slows down when most were
    seen (or the feed answered 304), within NEWSMON_SCHEDULE_MIN_INTERVAL..MAX_INTERVAL.

    Without --redis-url one scheduler runs per archive (a second one exits with status 2). With
    --redis-url, any number of schedulers on any machines share the work: each outlet is
    claimed with a Redis lease (renewed while crawling, taken over when a worker dies) and the
    plans live in Redis. Add --mode worker on every machine to crawl and extract only: the
    articles go to newsmon:extracted for the one `newsmon ingest`, and the seen URLs are shared
    in Redis, so no article is fetched twice.

    SIGTERM/SIGINT: starts nothing new, closes the running crawl gracefully (what it fetched is
    stored, the next run fetches the rest; killed after NEWSMON_SCHEDULE_STOP_TIMEOUT), releases
    its leases and exits 0. With --once the exit status
    is the worst of the crawls' (1: an outlet could not be crawled).

    \b
    Example:
      newsmon schedule --db news.db
      newsmon schedule --once --outlets my-outlets.toml
      newsmon schedule --redis-url redis://queue.internal:6379/0 --db news1.db
      newsmon schedule --redis-url redis://queue.internal:6379/0 --mode worker --db worker1.db
    """
    from crawler.commands.console import is_quiet
    from crawler.fetch.runner import check_mode, crawl_settings, select_outlets
    from crawler.run.schedule import ScheduleConfig, Scheduler
    from crawler.store.archive import Archive

    if mode:
        setting_pairs = (*setting_pairs, f"NEWSMON_MODE={mode}")  # the crawls get it too
    if max_articles is not None:
        setting_pairs = (*setting_pairs, f"NEWSMON_MAX_ARTICLES={max_articles}")
    overrides = parse_setting_overrides(setting_pairs)
    given = options_from_settings(
        overrides, db=db, outlets_file=outlets_file, outlet_ids=outlet_ids
    )
    db, outlets_file, outlet_ids = given["db"], given["outlets_file"], given["outlet_ids"]
    if redis_url:
        overrides["NEWSMON_REDIS_URL"] = redis_url
    settings = crawl_settings(overrides)
    check_mode(settings)
    config = ScheduleConfig.from_settings(settings)
    outlets = select_outlets(outlets_file, list(outlet_ids))
    with Archive(db):  # fail here, in one line, if the path is not usable
        pass
    scheduler = Scheduler(
        outlets,
        db_path=db,
        registry_path=outlets_file,
        config=config,
        redis_url=redis_url,
        redis_prefix=settings.get("NEWSMON_REDIS_PREFIX"),
        setting_pairs=setting_pairs,
        quiet=is_quiet(),
    )
    report = scheduler.run(once=once)
    for line in report.summary_lines():
        if is_quiet() and not line.startswith("error:"):
            continue  # -q: only errors (cron mails whatever is printed)
        click.echo(line, err=True)
    return report.exit_status
