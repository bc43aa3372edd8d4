"""newsmon's Scrapy settings module (``scrapy.cfg`` and the CLI both load it).

Scrapy's own settings come first, then newsmon's defaults in one alphabetical block. Every
``NEWSMON_*`` default can be overridden from the environment (a variable of the same name), and
every setting can be overridden on the command line with ``-s NAME=VALUE``.
"""

from __future__ import annotations

import os

BOT_NAME = "newsmon"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Scrapy's coroutine API (async def start, async process_item) needs the asyncio reactor.
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

# Politeness: obey robots.txt, name the tool and a contact, let AutoThrottle follow the server.
ROBOTSTXT_OBEY = True
USER_AGENT = "newsmon/0.1 (media monitoring; +https://github.com/newsmon/newsmon)"
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25

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

ITEM_PIPELINES = {
    "crawler.pipelines.ExtractPipeline": 100,
    "crawler.pipelines.ClusterPipeline": 200,
    "crawler.pipelines.StorePipeline": 300,
}
EXTENSIONS = {
    "crawler.extensions.ProgressExtension": 500,
}

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"

# -- newsmon defaults (alphabetical); each can be set in the environment too ---------------


def _env(name: str, default: str | None) -> str | None:
    return os.environ.get(name, default)


NEWSMON_DB = _env("NEWSMON_DB", "newsmon.db")
NEWSMON_DEDUP_THRESHOLD = _env("NEWSMON_DEDUP_THRESHOLD", None)  # None: dedup's tuned default
NEWSMON_DEDUP_WINDOW_DAYS = _env("NEWSMON_DEDUP_WINDOW_DAYS", None)
NEWSMON_EXTRACT_WORKERS = int(_env("NEWSMON_EXTRACT_WORKERS", "0") or 0)  # 0: one per core
NEWSMON_KEEP_HTML = _env("NEWSMON_KEEP_HTML", "true")
NEWSMON_MAX_ARTICLES = int(_env("NEWSMON_MAX_ARTICLES", "0") or 0)  # per outlet and run; 0: all
NEWSMON_OUTLETS = [s for s in (_env("NEWSMON_OUTLET_IDS", "") or "").split(",") if s]
NEWSMON_OUTLETS_FILE = _env("NEWSMON_OUTLETS_FILE", None)  # None: settings/outlets.toml
NEWSMON_PROGRESS = _env("NEWSMON_PROGRESS", "auto")  # auto: only when stderr is a terminal
NEWSMON_REDIS_URL = _env("NEWSMON_REDIS_URL", None)
NEWSMON_SECTION_PAGES = int(_env("NEWSMON_SECTION_PAGES", "3") or 3)  # listing pages followed
