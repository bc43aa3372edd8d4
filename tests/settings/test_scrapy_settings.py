"""newsmon's Scrapy settings as a crawl applies them: what runs beside the crawl, and what not."""

from __future__ import annotations

import pytest
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.extensions.remote_control import RemoteControl
from scrapy.extensions.telnet import TelnetConsole

from crawler.runner import crawl_settings
from crawler.spiders.outlet import OutletSpider


@pytest.mark.parametrize("extension", [RemoteControl, TelnetConsole])
def test_a_crawl_opens_no_remote_control_server_and_no_telnet_console(extension: type) -> None:
    with pytest.raises(NotConfigured):
        extension.from_crawler(Crawler(OutletSpider, crawl_settings({})))


def test_the_scraper_holds_a_full_archive_batch_of_pages_before_downloads_wait() -> None:
    settings = crawl_settings({})
    batch_of_pages = settings.getint("NEWSMON_STORE_BATCH") * 170 * 1024  # AEB's mean page
    assert settings.getint("SCRAPER_SLOT_MAX_ACTIVE_SIZE") >= batch_of_pages
