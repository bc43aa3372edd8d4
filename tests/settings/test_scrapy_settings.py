"""newsmon's Scrapy settings as a crawl applies them: what runs beside it, what it holds."""

from __future__ import annotations

import gc

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


def test_the_crawl_freezes_its_start_up_objects_and_collects_young_garbage_less_often() -> None:
    from crawler.extensions import CollectorTuning

    crawler = Crawler(OutletSpider, crawl_settings({"NEWSMON_GC_THRESHOLD": 12345}))
    before = gc.get_threshold()
    try:
        tuning = CollectorTuning.from_crawler(crawler)
        start_up_object = {"restored": ["a dedup window"]}
        assert any(obj is start_up_object for obj in gc.get_objects())
        tuning.spider_opened()
        assert gc.get_threshold() == (12345, *before[1:])
        assert gc.get_freeze_count() > 0
        assert all(obj is not start_up_object for obj in gc.get_objects())  # frozen: not scanned
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
