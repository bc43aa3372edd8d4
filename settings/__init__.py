"""newsmon's Scrapy settings module (``scrapy.cfg`` and the CLI both load it).

Scrapy's own settings come first, then newsmon's defaults in one alphabetical block. Every
``NEWSMON_*`` default can be overridden from the environment (a variable of the same name), and
every setting can be overridden on the command line with ``-s NAME=VALUE``. The ``NEWSMON_*``
settings are declared once, in ``declared`` (name, type, default, one-line doc): the README's
settings table is generated from it (``python -m settings.reference``). A bad value raises
:class:`SettingError` naming it; the CLI checks the environment first and prints one line.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Mapping

from settings.spec import Setting, from_environment, parse
from settings.spec import SettingError as SettingError  # re-exported

BOT_NAME = "newsmon"
SPIDER_MODULES = ["crawler.fetch.spiders"]
NEWSPIDER_MODULE = "crawler.fetch.spiders"

# Scrapy's coroutine API (async def start, async process_item) needs the asyncio reactor.
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

# Politeness: obey robots.txt, name the tool and a contact, let AutoThrottle follow the server.
ROBOTSTXT_OBEY = True
_DEFAULT_CONTACT_URL = "https://github.com/newsmon/newsmon"


def user_agent(contact_url: str) -> str:
    """The User-Agent newsmon sends: its name and where to reach its operator."""
    return f"newsmon/0.1 (media monitoring; +{contact_url})"


AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25
# Scrapy starts CONCURRENT_ITEMS asyncio tasks (and a queue) for the output of every response
# (default 100); an article response yields one item, so all but one of them idle (15 % of the
# reactor's time at 100 in the bench/throughput.py profile). Items still run concurrently across
# responses, each response in a task of its own; a feed's requests only go to the scheduler.
CONCURRENT_ITEMS = 1
# Scrapy stops downloading while the responses it is scraping add up to more than this (default
# 5 MB). A response is being scraped until its article is committed to the archive, in a batch
# of up to NEWSMON_STORE_BATCH: at 5 MB (~30 pages of 170 KB) the downloads stalled until each
# batch committed and the extraction workers idled 11 % of the bench/throughput.py crawl. 24 MB
# holds a full batch of such pages and the workers' backlog.
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 24 * 1024 * 1024

# Every network call has a timeout and every body a cap. cabar.asia needs about 35 s.
DOWNLOAD_TIMEOUT = 40
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
DNS_TIMEOUT = 20
RETRY_ENABLED = True
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote control: an HTTP server on localhost that runs Python code sent to it (with
# a token written to a job file in the home directory) and imports aiohttp at start. A scheduled
# crawler has no use for it, as for the telnet console.
REMOTE_CONTROL_ENABLED = False

ITEM_PIPELINES = {
    "crawler.fetch.pipelines.ExtractPipeline": 100,
    "crawler.fetch.pipelines.SendPipeline": 150,  # worker mode only: to `newsmon ingest`, then drop
    "crawler.fetch.pipelines.ClusterPipeline": 200,  # local mode only
    "crawler.fetch.pipelines.StorePipeline": 300,  # local mode only
    "crawler.fetch.pipelines.PublishPipeline": 400,  # off without NEWSMON_REDIS_URL
}
DOWNLOADER_MIDDLEWARES = {
    # After RobotsTxtMiddleware (100): applies robots.txt Crawl-delay to the outlet's slot.
    "crawler.fetch.middlewares.CrawlDelayMiddleware": 110,
    # Feeds and sitemaps: If-None-Match / If-Modified-Since; a 304 is "nothing new".
    "crawler.fetch.middlewares.ConditionalFetchMiddleware": 120,
    # Before Scrapy's RetryMiddleware (550): no retry now of what asks for a long Retry-After.
    "crawler.fetch.middlewares.RetryAfterMiddleware": 560,
    # Scrapy's meta-refresh check decodes every page on the reactor; this one looks at bytes.
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.fetch.middlewares.HeadMetaRefreshMiddleware": 580,
    # Scrapy's renders every request as raw HTTP text for downloader/request_bytes (~45 us per
    # request on the reactor); this one keeps every other downloader/* stat.
    "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
    "crawler.fetch.middlewares.RequestCountStats": 850,
    # Scrapy's lets dont_filter requests and their redirects go anywhere; newsmon's keeps every
    # request of an outlet, after every redirect, inside the outlet's allowed_domains (before
    # robots.txt, so a refused host is not asked for its robots.txt either).
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.fetch.domains.OutletDomainMiddleware": 50,
    # Scrapy's, with redirects off the outlet's domains refused before they are scheduled.
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.fetch.domains.OutletRedirectMiddleware": 600,
    # newsmon never sets http_user/http_pass.
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
}
SPIDER_MIDDLEWARES = {
    # Only counts depth stats here (DEPTH_LIMIT is 0): the spider sets the depth of its sources
    # itself; 3 % of the reactor's time in the bench/throughput.py profile.
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    # A developer aid (warns once if a spider copies response.meta into a request; newsmon's
    # spider builds every meta itself) that wraps the output of every response.
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}
EXTENSIONS = {
    "crawler.fetch.extensions.CollectorTuning": 0,
    "crawler.fetch.extensions.ProgressExtension": 500,
    "crawler.fetch.extensions.LogLevelExtension": 510,  # after LogCount installed its handler
}
# Skips describing pages and items whose DEBUG records no handler would emit.
LOG_FORMATTER = "crawler.fetch.extensions.QuietLogFormatter"

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
# `scrapy crawl outlet -O items.jsonl|csv|json` writes Article records, as `newsmon export` does
# (the exporters' module makes itemadapter show an ArticleItem as its record).
FEED_EXPORTERS = {
    "jsonlines": "crawler.fetch.exporters.ArticleJsonLinesExporter",
    "jsonl": "crawler.fetch.exporters.ArticleJsonLinesExporter",
    "csv": "crawler.fetch.exporters.ArticleCsvExporter",
}

# -- newsmon's settings (alphabetical); each can be set in the environment too ------------

# Lower-case names: Scrapy takes every upper-case name of this module as a setting.
_S = Setting
declared: tuple[Setting, ...] = (
    _S(
        "NEWSMON_CACHE_DIR",
        "str",
        None,
        "Folder for the language model's fast-loading copy; empty: $XDG_CACHE_HOME/newsmon, "
        "else ~/.cache/newsmon.",
    ),
    _S(
        "NEWSMON_CC_NEWS_URL",
        "str",
        "https://data.commoncrawl.org",
        "Where `newsmon import --cc-news` reads crawl-data/CC-NEWS/YYYY/MM/warc.paths.gz and the "
        "files.",
    ),
    _S(
        "NEWSMON_CONDITIONAL_FETCH_ENABLED",
        "bool",
        True,
        "Fetch feeds and sitemaps with If-None-Match/If-Modified-Since (a 304 is nothing new).",
    ),
    _S(
        "NEWSMON_CONTACT_URL",
        "str",
        _DEFAULT_CONTACT_URL,
        "A page saying who runs the crawler; it goes in the User-Agent.",
    ),
    _S("NEWSMON_CRAWL_DELAY_ENABLED", "bool", True, "Apply robots.txt Crawl-delay to an outlet."),
    _S(
        "NEWSMON_CRAWL_DELAY_MAX",
        "float",
        60.0,
        "Longest robots.txt Crawl-delay followed (seconds); a host asking for more is not "
        "crawled (refused: crawl-delay).",
        minimum=0,
    ),
    _S("NEWSMON_DB", "str", "newsmon.db", "The SQLite archive (`--db`)."),
    _S(
        "NEWSMON_DEDUP_ALIGN",
        "bool",
        False,
        "Also link copies whose sentences align (machine-spun copies, close paraphrases, other "
        "versions of one agency story): more real copies found, at a cost in crawl speed.",
    ),
    _S(
        "NEWSMON_DEDUP_MAX_ARTICLES",
        "int",
        None,
        "Most articles the in-memory dedup index keeps (the oldest leave first); "
        "empty: dedup's default.",
    ),
    _S(
        "NEWSMON_DEDUP_THRESHOLD",
        "float",
        None,
        "Jaccard similarity at which two articles join; empty: dedup's tuned default.",
    ),
    _S(
        "NEWSMON_DEDUP_WINDOW_DAYS",
        "float",
        None,
        "Days an article stays in the dedup window; empty: dedup's default (14).",
        maximum=3650,
    ),
    _S(
        "NEWSMON_EXTRACT_MAX_MEMORY",
        "int",
        1024,
        "MB of resident memory an extraction worker may reach on one page before the page is "
        "skipped (extraction-memory) and the worker replaced; 0: no limit.",
    ),
    _S(
        "NEWSMON_EXTRACT_TIMEOUT",
        "float",
        30.0,
        "CPU seconds one page may take to extract before it is skipped (extraction-timeout) and "
        "its worker replaced; 0: no limit.",
    ),
    _S("NEWSMON_EXTRACT_WORKERS", "int", 0, "Extraction processes; 0: one per core."),
    _S(
        "NEWSMON_GC_THRESHOLD",
        "int",
        50000,
        "The crawl process's young-generation garbage-collector threshold; 0: Python's (700).",
    ),
    _S("NEWSMON_INGEST_BATCH", "int", 100, "Messages `newsmon ingest` reads at a time.", minimum=1),
    _S(
        "NEWSMON_INGEST_CLAIM_IDLE",
        "float",
        60.0,
        "Seconds after which `ingest` takes over a dead consumer's pending message.",
    ),
    _S(
        "NEWSMON_INGEST_MAX_TRIES",
        "int",
        3,
        "Deliveries of one `extracted` message before `ingest` moves it to the dead-letter stream.",
        minimum=1,
    ),
    _S("NEWSMON_KEEP_HTML", "bool", True, "Keep each page's raw HTML (compressed) in the archive."),
    _S("NEWSMON_MAX_ARTICLES", "int", 0, "New articles per outlet and run; 0: all."),
    _S(
        "NEWSMON_MODE",
        "choice",
        "local",
        "local: cluster and store here; worker: crawl and extract, send to `newsmon ingest`.",
        choices=("local", "worker"),
    ),
    _S(
        "NEWSMON_OUTLETS",
        "list",
        [],
        "Outlet ids to crawl, comma-separated; empty: every outlet.",
        env="NEWSMON_OUTLET_IDS",
    ),
    _S(
        "NEWSMON_OUTLETS_FILE",
        "str",
        None,
        "The outlet registry (`--outlets`); empty: settings/outlets.toml.",
    ),
    _S(
        "NEWSMON_PROGRESS",
        "choice",
        "auto",
        "Progress display: auto (on a terminal only), always, never.",
        choices=("auto", "always", "never"),
    ),
    _S(
        "NEWSMON_PUBLISH_BACKOFF_MAX",
        "float",
        30.0,
        "Longest wait (s) between attempts to publish while Redis is away.",
    ),
    _S("NEWSMON_PUBLISH_BATCH", "int", 500, "Messages published per Redis round trip.", minimum=1),
    _S(
        "NEWSMON_PUBLISH_CLOSE_TIMEOUT",
        "float",
        10.0,
        "Seconds the last attempt to empty the outbox may take at the end of a crawl.",
    ),
    _S("NEWSMON_REDIS_PREFIX", "str", "newsmon:", "Prefix of newsmon's Redis keys and streams."),
    _S(
        "NEWSMON_REDIS_STREAM_MAXLEN",
        "int",
        1000000,
        "Approximate length at which the results and clusters streams are capped (the "
        "extracted work queue is not: ingest deletes what it stored).",
        minimum=1,
    ),
    _S("NEWSMON_REDIS_URL", "str", None, "Redis for results and workers (`--redis-url`)."),
    _S(
        "NEWSMON_RETENTION_DAYS",
        "float",
        90.0,
        "Days raw HTML and skipped URLs are kept; 0: for ever (articles always stay).",
        maximum=36500,
    ),
    _S(
        "NEWSMON_RETRY_AFTER_MAX",
        "float",
        60.0,
        "Longest Retry-After (seconds) a failed request is retried after in the same run; a "
        "longer one is not retried until the next run.",
        minimum=0,
    ),
    _S("NEWSMON_SCHEDULE_JITTER", "float", 0.1, "Random share (+-) added to each interval."),
    _S(
        "NEWSMON_SCHEDULE_LEASE_TTL",
        "float",
        60.0,
        "Seconds an outlet's Redis lease lasts (renewed every third of it).",
        minimum=1,
    ),
    _S("NEWSMON_SCHEDULE_MAX_INTERVAL", "float", 21600.0, "Longest polling interval (s)."),
    _S("NEWSMON_SCHEDULE_MIN_INTERVAL", "float", 300.0, "Shortest polling interval (s)."),
    _S(
        "NEWSMON_SCHEDULE_STOP_TIMEOUT",
        "float",
        60.0,
        "Seconds a stopping crawl may take before it is killed.",
    ),
    _S("NEWSMON_SCHEDULE_TICK", "float", 30.0, "The scheduler's longest nap (s).", minimum=0.01),
    _S("NEWSMON_SECTION_PAGES", "int", 3, "Listing pages followed per section."),
    _S(
        "NEWSMON_SERVE_TOKEN",
        "str",
        None,
        "The token `newsmon serve` asks for (`--token`); needed when it binds beyond loopback.",
    ),
    _S(
        "NEWSMON_SEEN_DAYS",
        "float",
        90.0,
        "Days a seen URL is remembered after it was last listed.",
        maximum=36500,
    ),
    _S(
        "NEWSMON_SITEMAP_MAX_AGE_DAYS",
        "float",
        3.0,
        "News-sitemap entries older than this are not fetched; 0: no limit.",
        maximum=36500,
    ),
    _S("NEWSMON_SITEMAP_MAX_DEPTH", "int", 3, "How deep sitemap indexes may nest."),
    _S("NEWSMON_SITEMAP_MAX_FILES", "int", 100, "Sitemaps requested per outlet and run."),
    _S("NEWSMON_STORE_BATCH", "int", 100, "Most writes committed in one transaction.", minimum=1),
    _S(
        "NEWSMON_STORE_LINGER",
        "float",
        0.1,
        "Seconds the archive writer waits for more writes to commit together.",
    ),
    _S(
        "NEWSMON_WRITER_LOCK_TIMEOUT",
        "float",
        600.0,
        "Seconds a writer of an archive (crawl, ingest, import, reextract) waits for another one.",
    ),
)
by_name: dict[str, Setting] = {s.name: s for s in declared}

# Read at import: a bad value raises SettingError naming it (the CLI checks first, in one line).
globals().update(from_environment(declared))
# NEWSMON_CONTACT_URL (environment, or -s with `newsmon crawl`/`schedule`) sets the contact.
USER_AGENT = user_agent(globals()["NEWSMON_CONTACT_URL"])


def check_overrides(overrides: dict[str, object]) -> dict[str, object]:
    """``-s NAME=VALUE`` overrides with newsmon's own settings parsed to their types.

    Raises:
        SettingError: a bad value, or a ``NEWSMON_*`` name that is no setting (with the nearest
            one), naming the setting.
    """
    for name in overrides:
        if name.startswith("NEWSMON_") and name not in by_name:
            raise SettingError(f"unknown setting {name}{_nearest_setting(name)}")
    return {
        name: parse(by_name[name], value) if name in by_name else value
        for name, value in overrides.items()
    }


def unknown_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """A line for each ``NEWSMON_*`` variable of ``environ`` (default: ``os.environ``) that is no
    setting, with the nearest one: a misspelt name is otherwise silently without effect."""
    env = os.environ if environ is None else environ
    variables = [s.variable for s in declared]
    return [
        f"{name} is no newsmon setting and is ignored{_nearest_setting(name, variables)}"
        for name in sorted(env)
        if name.startswith("NEWSMON_") and name not in variables
    ]


def _nearest_setting(name: str, names: Iterable[str] = by_name) -> str:
    """The "; did you mean ...?" hint naming the one of ``names`` nearest ``name``, or ""."""
    # compared without the prefix that every name shares
    close = difflib.get_close_matches(
        name.removeprefix("NEWSMON_"), [n.removeprefix("NEWSMON_") for n in names], n=1
    )
    return f"; did you mean NEWSMON_{close[0]}?" if close else ""
