"""Run one crawl in this process and say how it went (what ``newsmon crawl`` and ``demo`` call).

Scrapy can exit cleanly after a start-up crash, so the outcome is read from the finish reason
and the stats, never from Scrapy's return alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.archive import Archive
from crawler.errors import ConfigError
from settings.registry import Outlet, load_registry, outlet_by_id

EXIT_OK = 0
EXIT_PARTIAL = 1


@dataclass(slots=True)
class CrawlReport:
    """What one crawl did: counts, the outlets that failed, the finish reason, the exit status."""

    outlets: list[str]
    finish_reason: str | None
    stats: dict[str, Any]
    failed_outlets: dict[str, list[str]] = field(default_factory=dict)

    @property
    def stored(self) -> int:
        """Articles written to the archive."""
        return int(self.stats.get("newsmon/store/stored", 0))

    @property
    def skipped(self) -> int:
        """Pages fetched that were not articles or could not be read."""
        return sum(v for k, v in self.stats.items() if k.startswith("newsmon/extract/skipped/"))

    @property
    def exit_status(self) -> int:
        """0 when the crawl finished and every outlet answered; 1 otherwise."""
        if self.finish_reason != "finished" or self.failed_outlets:
            return EXIT_PARTIAL
        return EXIT_OK

    def summary_lines(self) -> list[str]:
        """A short human summary, problems first."""
        lines: list[str] = []
        if self.finish_reason is None:
            lines.append("error: the crawl did not start (see the log above)")
        elif self.finish_reason != "finished":
            lines.append(f"error: the crawl stopped early: {self.finish_reason}")
        for outlet, failures in sorted(self.failed_outlets.items()):
            lines.append(f"error: outlet '{outlet}' could not be crawled: {'; '.join(failures)}")
        failed_pages = sum(v for k, v in self.stats.items()
                           if k.startswith("newsmon/articles/failed/"))
        lines.append(
            f"crawled {len(self.outlets) - len(self.failed_outlets)}/{len(self.outlets)} outlets: "
            f"{self.stored} new articles stored, {self.skipped} pages skipped, "
            f"{failed_pages} failed, "
            f"{int(self.stats.get('newsmon/articles/seen_before', 0))} already seen"
        )
        return lines


def select_outlets(registry_path: str | Path | None, ids: list[str]) -> list[Outlet]:
    """Load the registry and pick the outlets asked for (all when none are)."""
    registry = load_registry(registry_path)
    if not registry:
        raise ConfigError(f"no outlets in {registry_path or 'the bundled registry'}")
    return [outlet_by_id(registry, i) for i in ids] if ids else registry


def crawl_settings(overrides: dict[str, Any]) -> Any:
    """newsmon's Scrapy settings with ``overrides`` applied at command-line priority."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("settings", priority="project")
    settings.update(overrides, priority="cmdline")
    return settings


def run_crawl(*, registry_path: str | Path | None, outlet_ids: list[str], db_path: str | Path,
              overrides: dict[str, Any] | None = None) -> CrawlReport:
    """Crawl the selected outlets once into the archive at ``db_path``; blocks until done.

    Raises:
        ConfigError: the registry is invalid or an outlet id is unknown.
        StorageError: the archive cannot be opened or written.
    """
    from scrapy.crawler import CrawlerProcess

    from crawler.spiders.outlet import OutletSpider

    outlets = select_outlets(registry_path, outlet_ids)
    with Archive(db_path):  # fail here, in one line, if the path is not usable
        pass
    settings = crawl_settings({
        **(overrides or {}),
        "NEWSMON_DB": str(db_path),
        "NEWSMON_OUTLETS_FILE": str(registry_path) if registry_path else None,
    })
    process = CrawlerProcess(settings, install_root_handler=False)
    crawler = process.create_crawler(OutletSpider)
    ids = [o.id for o in outlets]
    with Archive(db_path) as archive:
        run_id = archive.start_run(_now(), ids)
    process.crawl(crawler, outlet=",".join(ids))
    process.start()
    stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
    report = CrawlReport(outlets=ids, finish_reason=stats.get("finish_reason"),
                         stats=stats, failed_outlets=stats.get("newsmon/outlets/failed") or {})
    with Archive(db_path) as archive:
        status = "ok" if report.exit_status == EXIT_OK else "partial"
        archive.finish_run(run_id, _now(), status, report.finish_reason or "not-started",
                           _plain_stats(stats))
        archive.record_run_outlets(run_id, stats.get("newsmon/outlets/rows") or [])
    return report


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="seconds")


def _plain_stats(stats: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in stats.items()
            if isinstance(v, int | float | str | dict) and k != "newsmon/outlets/rows"}
