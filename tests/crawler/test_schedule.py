"""The scheduler's pieces: adaptive intervals, Redis leases, the file lock, plans."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from crawler.errors import ConfigError
from crawler.run.lease import LeaseKeeper, RedisLease
from crawler.run.schedule import (
    ArchivePlans,
    Plan,
    RedisPlans,
    ScheduleConfig,
    next_interval,
)
from crawler.store.locks import FileLock


def test_mostly_new_links_poll_faster_and_mostly_seen_slower() -> None:
    assert next_interval(900, links=10, requested=8, lower=60, upper=3600) < 900
    assert next_interval(900, links=10, requested=0, lower=60, upper=3600) > 900
    assert next_interval(900, links=10, requested=3, lower=60, upper=3600) == 900


def test_nothing_listed_as_after_a_304_polls_slower() -> None:
    assert next_interval(900, links=0, requested=0, lower=60, upper=3600) > 900


def test_interval_stays_within_bounds() -> None:
    assert next_interval(3500, links=5, requested=0, lower=60, upper=3600) == 3600
    assert next_interval(70, links=5, requested=5, lower=60, upper=3600) == 60


def test_config_refuses_min_above_max() -> None:
    with pytest.raises(ConfigError, match="NEWSMON_SCHEDULE_MIN_INTERVAL=600"):
        ScheduleConfig(
            min_interval=600, max_interval=60, jitter=0.1, lease_ttl=60, stop_timeout=60, tick=30
        )


def test_lease_is_exclusive_and_released_by_its_holder_only(
    redis_url: str, redis_prefix: str
) -> None:
    client = redis.Redis.from_url(redis_url)
    key = f"{redis_prefix}lease:osh24"
    first, second = RedisLease(client, key, ttl=30), RedisLease(client, key, ttl=30)
    assert first.acquire()
    assert not second.acquire()
    assert not second.renew()
    assert not second.release()
    assert client.get(key) == first.token.encode()
    assert first.renew()
    assert first.release()
    assert second.acquire()
    second.release()


def test_expired_lease_is_taken_over_and_the_old_holder_cannot_touch_it(
    redis_url: str, redis_prefix: str
) -> None:
    client = redis.Redis.from_url(redis_url)
    key = f"{redis_prefix}lease:osh24"
    crashed = RedisLease(client, key, ttl=20)
    assert crashed.acquire()
    assert 0 < client.pttl(key) <= 20_000  # Redis ends it by itself
    taker = RedisLease(client, key, ttl=30)
    assert not taker.acquire()
    client.delete(key)  # what the ttl does when the holder stops renewing
    assert taker.acquire()
    assert not crashed.renew()
    assert not crashed.release()
    assert client.get(key) == taker.token.encode()


def test_keeper_renews_and_reports_a_lost_lease(redis_url: str, redis_prefix: str) -> None:
    client = redis.Redis.from_url(redis_url)
    kept = RedisLease(client, f"{redis_prefix}lease:a", ttl=30)
    stolen = RedisLease(client, f"{redis_prefix}lease:b", ttl=30)
    assert kept.acquire() and stolen.acquire()
    client.pexpire(kept.key, 1000)  # nearly run out
    client.set(stolen.key, "someone-else")
    keeper = LeaseKeeper([kept, stolen])
    keeper.renew_all()
    assert client.pttl(kept.key) > 1000
    assert client.get(kept.key) == kept.token.encode()
    assert keeper.lost == [stolen]
    keeper.renew_all()  # a lost lease is not tried again
    assert keeper.lost == [stolen]


def test_keeper_thread_stops_with_the_block(redis_url: str, redis_prefix: str) -> None:
    client = redis.Redis.from_url(redis_url)
    lease = RedisLease(client, f"{redis_prefix}lease:c", ttl=30)
    assert lease.acquire()
    with LeaseKeeper([lease]) as keeper:
        assert keeper._thread.is_alive()
    assert not keeper._thread.is_alive()
    assert keeper.lost == []


def test_file_lock_keeps_a_second_holder_out(tmp_path: Path) -> None:
    path = tmp_path / "news.db.schedule.lock"
    first, second = FileLock(path), FileLock(path)
    assert first.acquire()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


def test_plans_round_trip_in_archive_and_redis(
    db_path: Path, redis_url: str, redis_prefix: str
) -> None:
    plan = Plan(due=1700000000.5, interval=600.0)
    for store in (ArchivePlans(db_path), RedisPlans(redis.Redis.from_url(redis_url), redis_prefix)):
        assert store.get("osh24") is None
        store.put("osh24", plan)
        assert store.get("osh24") == plan
