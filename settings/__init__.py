"""newsmon's Scrapy settings module (``scrapy.cfg`` and the CLI both load it).

Scrapy's own settings come first, then newsmon's defaults in one alphabetical block. Every
``NEWSMON_*`` default can be overridden from the environment (a variable of the same name), and
every setting can be overridden on the command line with ``-s NAME=VALUE``.
"""

from __future__ import annotations

import os

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


# NEWSMON_CONTACT_URL (environment, or -s with `newsmon crawl`/`schedule`) sets the contact.
USER_AGENT = user_agent(os.environ.get("NEWSMON_CONTACT_URL", _DEFAULT_CONTACT_URL))
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

# -- newsmon defaults (alphabetical); each can be set in the environment too ---------------


def _env(name: str, default: str | None) -> str | None:
    return os.environ.get(name, default)


# `newsmon import --cc-news` reads crawl-data/CC-NEWS/YYYY/MM/warc.paths.gz and the files from here.
NEWSMON_CC_NEWS_URL = _env("NEWSMON_CC_NEWS_URL", "https://data.commoncrawl.org")
NEWSMON_CONDITIONAL_FETCH_ENABLED = _env("NEWSMON_CONDITIONAL_FETCH_ENABLED", "true")
NEWSMON_CONTACT_URL = _env("NEWSMON_CONTACT_URL", _DEFAULT_CONTACT_URL)
NEWSMON_CRAWL_DELAY_ENABLED = _env("NEWSMON_CRAWL_DELAY_ENABLED", "true")  # robots Crawl-delay
NEWSMON_DB = _env("NEWSMON_DB", "newsmon.db")
# Most articles the in-memory dedup index keeps (the oldest leave first); None: dedup's default.
NEWSMON_DEDUP_MAX_ARTICLES = _env("NEWSMON_DEDUP_MAX_ARTICLES", None)
NEWSMON_DEDUP_THRESHOLD = _env("NEWSMON_DEDUP_THRESHOLD", None)  # None: dedup's tuned default
NEWSMON_DEDUP_WINDOW_DAYS = _env("NEWSMON_DEDUP_WINDOW_DAYS", None)
NEWSMON_EXTRACT_WORKERS = int(_env("NEWSMON_EXTRACT_WORKERS", "0") or 0)  # 0: one per core
# The crawl process's young-generation threshold of the garbage collector (crawler.fetch.extensions.
# CollectorTuning; Python's default is 700, 0 keeps it).
NEWSMON_GC_THRESHOLD = int(_env("NEWSMON_GC_THRESHOLD", "50000") or 0)
NEWSMON_INGEST_BATCH = int(_env("NEWSMON_INGEST_BATCH", "100") or 100)  # messages per read
# A pending `extracted` message idle this long belongs to a dead consumer: `ingest` claims it.
NEWSMON_INGEST_CLAIM_IDLE = float(_env("NEWSMON_INGEST_CLAIM_IDLE", "60") or 60)  # seconds
NEWSMON_KEEP_HTML = _env("NEWSMON_KEEP_HTML", "true")
NEWSMON_MAX_ARTICLES = int(_env("NEWSMON_MAX_ARTICLES", "0") or 0)  # per outlet and run; 0: all
# local: this process clusters and stores. worker: it crawls and extracts, and sends each article
# to the `extracted` stream for `newsmon ingest` (needs NEWSMON_REDIS_URL; seen URLs in Redis).
NEWSMON_MODE = _env("NEWSMON_MODE", "local")
NEWSMON_OUTLETS = [s for s in (_env("NEWSMON_OUTLET_IDS", "") or "").split(",") if s]
NEWSMON_OUTLETS_FILE = _env("NEWSMON_OUTLETS_FILE", None)  # None: settings/outlets.toml
NEWSMON_PROGRESS = _env("NEWSMON_PROGRESS", "auto")  # auto: only when stderr is a terminal
NEWSMON_PUBLISH_BACKOFF_MAX = float(_env("NEWSMON_PUBLISH_BACKOFF_MAX", "30") or 30)  # seconds
NEWSMON_PUBLISH_BATCH = int(_env("NEWSMON_PUBLISH_BATCH", "500") or 500)  # XADDs per round trip
# At the end of a crawl, how long the last attempt to empty the outbox may take (seconds).
NEWSMON_PUBLISH_CLOSE_TIMEOUT = float(_env("NEWSMON_PUBLISH_CLOSE_TIMEOUT", "10") or 10)
NEWSMON_REDIS_PREFIX = _env("NEWSMON_REDIS_PREFIX", "newsmon:")  # stream and key prefix
NEWSMON_REDIS_STREAM_MAXLEN = int(_env("NEWSMON_REDIS_STREAM_MAXLEN", "1000000") or 1000000)
NEWSMON_REDIS_URL = _env("NEWSMON_REDIS_URL", None)
# Raw HTML and skipped URLs older than this are forgotten (0: keep for ever); articles stay.
NEWSMON_RETENTION_DAYS = float(_env("NEWSMON_RETENTION_DAYS", "90") or 0)
# The scheduler: adaptive polling bounds (seconds), +-jitter share of the interval, the Redis
# lease ttl (renewed every third of it), how long a stopping crawl may take, the loop's longest nap.
NEWSMON_SCHEDULE_JITTER = float(_env("NEWSMON_SCHEDULE_JITTER", "0.1") or 0)
NEWSMON_SCHEDULE_LEASE_TTL = float(_env("NEWSMON_SCHEDULE_LEASE_TTL", "60") or 60)
NEWSMON_SCHEDULE_MAX_INTERVAL = float(_env("NEWSMON_SCHEDULE_MAX_INTERVAL", "21600") or 21600)
NEWSMON_SCHEDULE_MIN_INTERVAL = float(_env("NEWSMON_SCHEDULE_MIN_INTERVAL", "300") or 300)
NEWSMON_SCHEDULE_STOP_TIMEOUT = float(_env("NEWSMON_SCHEDULE_STOP_TIMEOUT", "60") or 60)
NEWSMON_SCHEDULE_TICK = float(_env("NEWSMON_SCHEDULE_TICK", "30") or 30)
NEWSMON_SECTION_PAGES = int(_env("NEWSMON_SECTION_PAGES", "3") or 3)  # listing pages followed
# Seen URLs last listed longer ago than this are forgotten (the spider loads only newer ones).
NEWSMON_SEEN_DAYS = float(_env("NEWSMON_SEEN_DAYS", "90") or 90)
# News sitemap entries published longer ago than this are not fetched (0: no limit).
NEWSMON_SITEMAP_MAX_AGE_DAYS = float(_env("NEWSMON_SITEMAP_MAX_AGE_DAYS", "3") or 0)
# Sitemap indexes may nest this deep (the registry's sitemaps are depth 0, their children 1, ...);
# deeper children are refused, as is a sitemap already requested in the run (an index that lists
# itself). At most NEWSMON_SITEMAP_MAX_FILES sitemaps are requested per outlet and run.
NEWSMON_SITEMAP_MAX_DEPTH = int(_env("NEWSMON_SITEMAP_MAX_DEPTH", "3") or 0)
NEWSMON_SITEMAP_MAX_FILES = int(_env("NEWSMON_SITEMAP_MAX_FILES", "100") or 0)
# The archive writer commits the writes that arrive within NEWSMON_STORE_LINGER seconds of the
# first (at most NEWSMON_STORE_BATCH) in one transaction: a crash loses such a batch whole (its
# URLs are not marked seen either, so they are fetched again).
NEWSMON_STORE_BATCH = int(_env("NEWSMON_STORE_BATCH", "100") or 100)
NEWSMON_STORE_LINGER = float(_env("NEWSMON_STORE_LINGER", "0.1") or 0)
