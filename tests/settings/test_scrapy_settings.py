"""newsmon's Scrapy settings as a crawl applies them: what runs beside it, what it holds."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.extensions.remote_control import RemoteControl
from scrapy.extensions.telnet import TelnetConsole

from crawler.errors import ConfigError
from crawler.fetch.runner import crawl_settings
from crawler.fetch.spiders.outlet import OutletSpider


@pytest.mark.parametrize("extension", [RemoteControl, TelnetConsole])
def test_a_crawl_opens_no_remote_control_server_and_no_telnet_console(extension: type) -> None:
    with pytest.raises(NotConfigured):
        extension.from_crawler(Crawler(OutletSpider, crawl_settings({})))


SWITCHED_OFF = {
    "REMOTE_CONTROL_ENABLED": ("EXTENSIONS", "scrapy.extensions.remote_control.RemoteControl"),
    "TELNETCONSOLE_ENABLED": ("EXTENSIONS", "scrapy.extensions.telnet.TelnetConsole"),
    "COOKIES_ENABLED": (
        "DOWNLOADER_MIDDLEWARES",
        "scrapy.downloadermiddlewares.cookies.CookiesMiddleware",
    ),
}


@pytest.mark.parametrize("switch", sorted(SWITCHED_OFF))
def test_a_component_switched_off_is_left_out_and_comes_back_when_switched_on(switch: str) -> None:
    components, path = SWITCHED_OFF[switch]
    assert path not in crawl_settings({}).getwithbase(components)
    assert path in crawl_settings({switch: "true"}).getwithbase(components)


def test_building_a_crawls_components_imports_neither_aiohttp_nor_tldextract() -> None:
    # what the left-out components' modules import: 0.23 s of every crawl's start-up
    script = (
        "import sys\n"
        "from scrapy.utils.conf import build_component_list\n"
        "from scrapy.utils.misc import load_object\n"
        "from crawler.fetch.runner import crawl_settings\n"
        "settings = crawl_settings({})\n"
        "for name in ('EXTENSIONS', 'DOWNLOADER_MIDDLEWARES', 'SPIDER_MIDDLEWARES'):\n"
        "    for path in build_component_list(settings.getwithbase(name)):\n"
        "        load_object(path)\n"
        "print(sorted({'aiohttp', 'tldextract'} & set(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["[]"], done.stderr[-2000:]


def test_the_scraper_holds_a_full_archive_batch_of_pages_before_downloads_wait() -> None:
    settings = crawl_settings({})
    batch_of_pages = settings.getint("NEWSMON_STORE_BATCH") * 170 * 1024  # AEB's mean page
    assert settings.getint("SCRAPER_SLOT_MAX_ACTIVE_SIZE") >= batch_of_pages


def test_the_crawl_freezes_its_start_up_objects_and_collects_young_garbage_less_often() -> None:
    from crawler.fetch.extensions import CollectorTuning

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


@pytest.mark.parametrize(
    ("pair", "expected"),
    [
        (("DOWNLOAD_DELAY", "abc"), "-s DOWNLOAD_DELAY='abc': Scrapy reads a number here"),
        (("DOWNLOAD_TIMEOUT", "soon"), "-s DOWNLOAD_TIMEOUT='soon': Scrapy reads a number here"),
        (("CONCURRENT_REQUESTS", "many"), "-s CONCURRENT_REQUESTS='many': Scrapy reads a number"),
        (("AUTOTHROTTLE_ENABLED", "maybe"), "-s AUTOTHROTTLE_ENABLED='maybe': Scrapy reads true"),
    ],
)
def test_a_scrapy_setting_of_the_wrong_type_is_refused_before_the_crawl(
    pair: tuple[str, str], expected: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        crawl_settings(dict([pair]))
    assert str(refused.value).startswith(expected)


def test_scrapy_settings_of_the_right_type_pass() -> None:
    settings = crawl_settings(
        {"DOWNLOAD_DELAY": "0.5", "CONCURRENT_REQUESTS": "4", "AUTOTHROTTLE_ENABLED": "false"}
    )
    assert settings.getfloat("DOWNLOAD_DELAY") == 0.5
    assert settings.getint("CONCURRENT_REQUESTS") == 4
    assert not settings.getbool("AUTOTHROTTLE_ENABLED")
