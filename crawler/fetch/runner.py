"""Run one crawl in this process and say how it went (what ``newsmon crawl`` and ``demo`` call).

Scrapy can exit cleanly after a start-up crash, so the outcome is read from the finish reason
and the stats, never from Scrapy's return alone.
"""

from __future__ import annotations

import difflib
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.errors import ConfigError, StorageError
from crawler.fetch.pool import WORKER_CRASHED, start_forkserver
from crawler.progress import format_duration
from crawler.store.archive import Archive
from crawler.store.locks import writer_lock
from crawler.times import now_iso
from settings.registry import Outlet, load_registry, outlet_by_id

EXIT_OK = 0
EXIT_PARTIAL = 1

MODES = ("local", "worker")

# Scrapy imports every component of its base lists before the component finds its *_ENABLED
# setting off, and listing one as None in EXTENSIONS still imports it (to resolve the name).
# Off, these are left out of the base lists instead: the remote control's module imports aiohttp
# and the cookies middleware's tldextract, 0.23 s of every crawl's start-up together.
_LEFT_OUT_WHEN_OFF = {
    "EXTENSIONS_BASE": {
        "REMOTE_CONTROL_ENABLED": "scrapy.extensions.remote_control.RemoteControl",
        "TELNETCONSOLE_ENABLED": "scrapy.extensions.telnet.TelnetConsole",
    },
    "DOWNLOADER_MIDDLEWARES_BASE": {
        "COOKIES_ENABLED": "scrapy.downloadermiddlewares.cookies.CookiesMiddleware",
    },
}


# The finish reason of a crawl whose spider opened and never closed (a second Ctrl-C or SIGTERM
# stops the reactor at once).
FORCED = "forced"


@dataclass(slots=True)
class CrawlReport:
    """What one crawl did: counts, the outlets that failed, the finish reason, the exit status."""

    outlets: list[str]
    finish_reason: str | None
    stats: dict[str, Any]
    failed_outlets: dict[str, list[str]] = field(default_factory=dict)
    mode: str = "local"
    sitemap_max_age_days: float = 0

    @property
    def stored(self) -> int:
        """Articles written to the archive."""
        return int(self.stats.get("newsmon/store/stored", 0))

    @property
    def sent(self) -> int:
        """Articles sent to ``newsmon ingest`` (worker mode)."""
        return int(self.stats.get("newsmon/send/sent", 0))

    @property
    def skipped(self) -> int:
        """Pages fetched that were not articles or could not be read."""
        return sum(v for k, v in self.stats.items() if k.startswith("newsmon/extract/skipped/"))

    @property
    def crashed(self) -> int:
        """Pages lost to a dying extraction worker (they are fetched again next run)."""
        return int(self.stats.get(f"newsmon/extract/failed/{WORKER_CRASHED}", 0))

    @property
    def exit_status(self) -> int:
        """0 when the crawl finished, every outlet answered and every page was extracted."""
        if self.finish_reason != "finished" or self.failed_outlets or self.crashed:
            return EXIT_PARTIAL
        if self.stats.get("newsmon/publish/refused"):  # a wrong password is not "Redis away"
            return EXIT_PARTIAL
        if self.stats.get("newsmon/run/unrecorded"):
            return EXIT_PARTIAL
        return EXIT_OK

    def refused_lines(self) -> list[str]:
        """One line per outlet that had requests refused (off its domains, over a limit)."""
        lines = []
        for row in self.stats.get("newsmon/outlets/rows") or []:
            refused = row.get("refused") or {}
            if refused:
                reasons = ", ".join(f"{n} {reason}" for reason, n in refused.items())
                lines.append(
                    f"outlet '{row['outlet']}': refused {sum(refused.values())} requests: {reasons}"
                )
        return lines

    def _duration(self) -> str:
        elapsed = self.stats.get("elapsed_time_seconds")
        return f" in {format_duration(elapsed)}" if isinstance(elapsed, int | float) else ""

    def not_fetched_line(self) -> str:
        """The links listed but not fetched, by kind: each kind a different remedy."""
        get = self.stats.get
        parts = []
        too_old = int(get("newsmon/discovery/sitemap/too_old", 0))
        if too_old or self.sitemap_max_age_days:
            parts.append(
                f"too old in sitemap: {too_old} (over NEWSMON_SITEMAP_MAX_AGE_DAYS="
                f"{self.sitemap_max_age_days:g})"
            )
        parts.append(f"listed twice: {int(get('newsmon/articles/listed_twice', 0))}")
        parts.append(f"already seen: {int(get('newsmon/articles/seen_before', 0))}")
        over = int(get("newsmon/articles/over_limit", 0))
        if over:
            parts.append(f"over --max-articles: {over}")
        return "links not fetched: " + ", ".join(parts)

    def summary_lines(self) -> list[str]:
        """A short human summary, problems first."""
        lines: list[str] = []
        if self.finish_reason is None:
            lines.append("error: the crawl did not start (see the log above)")
        elif self.finish_reason == FORCED:
            lines.append(
                "error: the crawl was stopped at once (a second Ctrl-C or SIGTERM), before it "
                "closed: what it stored is kept, and the next crawl fetches the rest"
            )
        elif self.finish_reason != "finished":
            lines.append(f"error: the crawl stopped early: {self.finish_reason}")
        if self.crashed:
            lines.append(
                f"error: {self.crashed} pages were not extracted because an extraction "
                "worker died (see the log); the next crawl fetches them again"
            )
        unwritten = int(
            self.stats.get("newsmon/store/failed", 0) + self.stats.get("newsmon/send/failed", 0)
        )
        if unwritten:
            lines.append(
                f"error: {unwritten} articles could not be written to the archive (see "
                "the first error above); the next crawl fetches them again"
            )
        if self.stats.get("newsmon/run/unrecorded"):
            lines.append(f"error: {self.stats['newsmon/run/unrecorded']}")
        if self.stats.get("newsmon/publish/refused"):
            lines.append(
                f"error: {self.stats['newsmon/publish/refused']}; the results wait in "
                "the archive's outbox"
            )
        for outlet, failures in sorted(self.failed_outlets.items()):
            lines.append(f"error: outlet '{outlet}' could not be crawled: {'; '.join(failures)}")
        failures = {
            k.removeprefix("newsmon/articles/failed/"): int(v)
            for k, v in self.stats.items()
            if k.startswith("newsmon/articles/failed/") and v
        }
        failed_pages = sum(failures.values())
        why = ", ".join(f"{r} {n}" for r, n in sorted(failures.items(), key=lambda rn: -rn[1]))
        done = (
            f"{self.sent} new articles sent to ingest"
            if self.mode == "worker"
            else f"{self.stored} new articles stored"
        )
        crawled = (
            f"crawled {len(self.outlets) - len(self.failed_outlets)}/{len(self.outlets)} outlets"
            if self.finish_reason == "finished"
            else f"stopped early ({len(self.outlets)} outlets)"  # not all of them crawled
        )
        lines.append(
            f"{crawled}{self._duration()}: {done}, {self.skipped} pages skipped, "
            f"{failed_pages} failed" + (f" ({why})" if why else "")
        )
        lines.append(self.not_fetched_line())
        lines.extend(self.refused_lines())
        left = int(self.stats.get("newsmon/publish/left_in_outbox", 0))
        if left:
            lines.append(
                f"{left} results wait in the archive's outbox for Redis; "
                "the next run with a Redis URL sends them"
            )
        return lines


def select_outlets(registry_path: str | Path | None, ids: list[str]) -> list[Outlet]:
    """Load the registry and pick the outlets asked for (all when none are)."""
    registry = load_registry(registry_path)
    if not registry:
        raise ConfigError(f"no outlets in {registry_path or 'the bundled registry'}")
    return [outlet_by_id(registry, i) for i in ids] if ids else registry


def crawl_settings(overrides: dict[str, Any]) -> Any:
    """newsmon's Scrapy settings with ``overrides`` applied at command-line priority, and
    Scrapy's components that a setting switches off left out of its base lists (never
    imported)."""
    from scrapy.settings import Settings

    from settings import SettingError, check_overrides, user_agent

    try:
        overrides = check_overrides(overrides)
    except SettingError as exc:
        raise ConfigError(str(exc)) from None
    settings = Settings()
    settings.setmodule("settings", priority="project")
    # The CLI owns logging (its -v/-q); Scrapy's records go through the root handler it set.
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="project")
    settings.update(overrides, priority="cmdline")
    _check_scrapy_types(settings, overrides)
    if "NEWSMON_CONTACT_URL" in overrides and "USER_AGENT" not in overrides:
        settings.set("USER_AGENT", user_agent(overrides["NEWSMON_CONTACT_URL"]), "cmdline")
    _leave_out_components_switched_off(settings)
    return settings


def _check_scrapy_types(settings: Any, overrides: dict[str, Any]) -> None:
    """Refuse a ``-s`` value that Scrapy could not read as its setting's type (the crawl would
    stop on it after it began, with a traceback): the type of Scrapy's own default decides. An
    int default may be read as a number (DOWNLOAD_DELAY = 0) or as a switch (TELNETCONSOLE_ENABLED
    = 1), so either passes there.

    Raises:
        ConfigError: names the setting, the value and what Scrapy reads there.
    """
    from scrapy.settings import default_settings

    known = [n for n in dir(default_settings) if n.isupper()]
    for name, value in overrides.items():
        if not name.startswith("NEWSMON_") and not hasattr(default_settings, name):
            # a setting of the user's own components passes, one a letter off Scrapy's does not
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.85)
            if close:
                raise ConfigError(f"unknown setting {name}; did you mean {close[0]}?")
        default = getattr(default_settings, name, None)
        if not isinstance(value, str) or not isinstance(default, bool | int | float):
            continue
        if isinstance(default, bool):
            try:
                settings.getbool(name)
            except ValueError:
                raise ConfigError(
                    f"-s {name}={value!r}: Scrapy reads true or false (or 1 or 0) here"
                ) from None
        elif value.strip().lower() not in ("true", "false"):
            try:
                float(value)
            except ValueError:
                raise ConfigError(f"-s {name}={value!r}: Scrapy reads a number here") from None


def _leave_out_components_switched_off(settings: Any) -> None:
    for base, switches in _LEFT_OUT_WHEN_OFF.items():
        off = {path for switch, path in switches.items() if not settings.getbool(switch)}
        components = settings.getdict(base)
        settings.set(
            base, {k: v for k, v in components.items() if k not in off}, priority="project"
        )


def check_mode(settings: Any) -> str:
    """NEWSMON_MODE if it is usable: ``local``, or ``worker`` with NEWSMON_REDIS_URL set.

    Raises:
        ConfigError: an unknown mode, or worker mode without a Redis URL.
    """
    mode = settings.get("NEWSMON_MODE")
    if mode not in MODES:
        raise ConfigError(f"NEWSMON_MODE={mode!r} is unknown; expected one of {', '.join(MODES)}")
    if mode == "worker" and not settings.get("NEWSMON_REDIS_URL"):
        raise ConfigError(
            "worker mode sends articles to Redis: give --redis-url (or NEWSMON_REDIS_URL)"
        )
    return str(mode)


def run_crawl(
    *,
    registry_path: str | Path | None,
    outlet_ids: list[str],
    db_path: str | Path,
    overrides: dict[str, Any] | None = None,
) -> CrawlReport:
    """Crawl the selected outlets once into the archive at ``db_path``; blocks until done.

    In worker mode (NEWSMON_MODE) the archive keeps only seen URLs, the outbox and the run
    history; the articles go to ``newsmon ingest``.

    Waits for another writer of the archive (NEWSMON_WRITER_LOCK_TIMEOUT).

    Raises:
        ConfigError: the registry is invalid, an outlet id is unknown, or the mode is unusable.
        StorageError: the archive cannot be opened or written, or another writer kept it.
    """
    outlets = select_outlets(registry_path, outlet_ids)
    start_forkserver()  # the extraction workers' imports, beside Scrapy's
    from scrapy.crawler import CrawlerProcess

    from crawler.fetch.spiders.outlet import OutletSpider

    settings = crawl_settings(
        {
            **(overrides or {}),
            "NEWSMON_DB": str(db_path),
            "NEWSMON_OUTLETS_FILE": str(registry_path) if registry_path else None,
        }
    )
    mode = check_mode(settings)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(OutletSpider)
    ids = [o.id for o in outlets]
    # Writers take turns on an archive: a crawl's clusterer is restored from what is stored when
    # it starts, so a crawl beside another would miss the other's articles.
    with writer_lock(db_path, "newsmon crawl", settings.getfloat("NEWSMON_WRITER_LOCK_TIMEOUT")):
        return _crawl(process, crawler, ids, db_path, settings, mode)


def _crawl(
    process: Any, crawler: Any, ids: list[str], db_path: str | Path, settings: Any, mode: str
) -> CrawlReport:
    """The crawl itself, once the archive is this process's to write."""
    with Archive(db_path) as archive:
        # Skipped pages' seen URLs and old raw HTML expire here (indexed, cheap).
        archive.apply_retention(settings.getfloat("NEWSMON_RETENTION_DAYS"))
        # a run still "running" ended without saying so (killed): under the writer lock no
        # other crawl runs now
        archive.close_abandoned_runs(0, None, now_iso(), "killed")
        run_id = archive.start_run(now_iso(), ids)
    failures: list[BaseException] = []  # the crawl's start-up error, if any
    process.crawl(crawler, outlet=",".join(ids)).addErrback(lambda f: failures.append(f.value))
    process.start()
    if failures:
        _close_failed_run(db_path, run_id)
        raise _startup_error(failures[0], db_path)
    stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
    # a spider opened and never closed: the reactor was stopped at once (a second Ctrl-C)
    forced = FORCED if stats.get("start_time") else None
    report = CrawlReport(
        outlets=ids,
        finish_reason=stats.get("finish_reason") or forced,
        stats=stats,
        failed_outlets=stats.get("newsmon/outlets/failed") or {},
        mode=mode,
        sitemap_max_age_days=settings.getfloat("NEWSMON_SITEMAP_MAX_AGE_DAYS"),
    )
    try:
        with Archive(db_path) as archive:
            status = "ok" if report.exit_status == EXIT_OK else "partial"
            archive.finish_run(
                run_id,
                now_iso(),
                status,
                report.finish_reason or "not-started",
                _plain_stats(stats),
            )
            archive.record_run_outlets(run_id, stats.get("newsmon/outlets/rows") or [])
    except (StorageError, sqlite3.Error) as exc:  # e.g. the disk filled up during the crawl
        report.stats["newsmon/run/unrecorded"] = f"cannot record the run in {db_path}: {exc}"
    return report


def _startup_error(exc: BaseException, db_path: str | Path) -> BaseException:
    """What a crawl that failed to start raises: newsmon's own errors as they are, an archive
    that cannot be read as a StorageError (one line); anything else keeps its traceback."""
    if isinstance(exc, sqlite3.Error):
        return StorageError(f"cannot read archive {db_path}: {exc}")
    return exc


def _close_failed_run(db_path: str | Path, run_id: int) -> None:
    """Record a crawl that never started as failed, where the archive still takes a write."""
    try:
        with Archive(db_path) as archive:
            archive.finish_run(run_id, now_iso(), "failed", "not-started", {})
    except (StorageError, sqlite3.Error):
        pass  # the start-up error says what is wrong with the archive


def _plain_stats(stats: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v
        for k, v in stats.items()
        if isinstance(v, int | float | str | dict) and k != "newsmon/outlets/rows"
    }
