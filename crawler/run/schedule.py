"""The scheduler behind ``newsmon schedule``: crawl each outlet when it is due, for ever.

Every outlet has a plan: its current polling interval and the time it is next due. The loop
takes the due outlets, claims them (a Redis lease each with ``--redis-url``; the scheduler's file
lock covers them otherwise), crawls them in one child process (``newsmon crawl``: Scrapy's reactor
cannot restart inside one process, so the loop itself stays a plain process), then sets each
outlet's next due time from how much of what it listed was new (:func:`next_interval`).

The run history (start, end, status, counts, finish reason) is what the child's crawl writes in
the archive's ``runs`` and ``run_outlets``; a child that dies without closing its run gets it
closed here as ``failed``.

Plans live in the archive's ``outlet_state`` (key ``schedule``), or in Redis
(``<prefix>schedule:<outlet>``) with ``--redis-url`` so that every machine shares them.

SIGTERM or SIGINT: start nothing new, pass the signal on to the running crawl (Scrapy closes
gracefully on the first one), wait NEWSMON_SCHEDULE_STOP_TIMEOUT for it (then kill it), release
the leases and return.

Settings read: NEWSMON_SCHEDULE_{JITTER,LEASE_TTL,MIN_INTERVAL,MAX_INTERVAL,STOP_TIMEOUT,TICK},
NEWSMON_REDIS_PREFIX; every setting is also passed on to the crawls.
"""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

import redis

from crawler.errors import ConfigError, StorageError
from crawler.progress import ProgressLine, progress_mode, short_duration
from crawler.run.lease import LeaseKeeper, RedisLease
from crawler.store.archive import Archive
from crawler.store.locks import FileLock
from crawler.store.queue import check_redis_url, connect_blocking, describe
from crawler.times import now_iso
from settings.registry import Outlet

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_USAGE = 2

# Adaptive polling. A run in which at least _BUSY_SHARE of the listed links were new polls the
# outlet _FASTER times as often; a run with at most _QUIET_SHARE new (or a 304: nothing listed)
# polls it _SLOWER times less often. In between the interval stays. Chosen so that an outlet
# settles within a few runs; not tuned on traffic yet (watch `newsmon report outlets`).
_BUSY_SHARE = 0.5
_QUIET_SHARE = 0.1
_FASTER = 1.5
_SLOWER = 1.5
# A run in which every source of an outlet failed doubles its interval, up to
# NEWSMON_SCHEDULE_MAX_INTERVAL: a dead or hostile outlet is not hammered (a 1 s registry
# interval is already raised to NEWSMON_SCHEDULE_MIN_INTERVAL). Its first good run resumes the
# adaptive polling from there.
FAILURE_BACKOFF = 2.0

_REDIS_URL_SETTING = "NEWSMON_REDIS_URL"  # passed to the crawls in their environment only
_STATE_KEY = "schedule"  # outlet_state key (and Redis key part) of an outlet's plan
_CHILD_POLL_S = 0.5  # how often the loop looks at a running crawl (lost leases, signals)


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduleConfig:
    """The scheduler's tuning, from NEWSMON_SCHEDULE_* settings (seconds, jitter a fraction)."""

    min_interval: float
    max_interval: float
    jitter: float
    lease_ttl: float
    stop_timeout: float
    tick: float

    def __post_init__(self) -> None:
        if not 0 < self.min_interval <= self.max_interval:
            raise ConfigError(
                f"NEWSMON_SCHEDULE_MIN_INTERVAL={self.min_interval:g} must be > 0 "
                f"and <= NEWSMON_SCHEDULE_MAX_INTERVAL={self.max_interval:g}"
            )
        if not 0 <= self.jitter < 1:
            raise ConfigError(f"NEWSMON_SCHEDULE_JITTER={self.jitter:g} is outside 0.0-0.99")
        if self.lease_ttl <= 0 or self.tick <= 0:
            raise ConfigError("NEWSMON_SCHEDULE_LEASE_TTL and NEWSMON_SCHEDULE_TICK must be > 0")

    @classmethod
    def from_settings(cls, settings: Any) -> ScheduleConfig:
        """Read NEWSMON_SCHEDULE_* from Scrapy settings."""
        return cls(
            min_interval=settings.getfloat("NEWSMON_SCHEDULE_MIN_INTERVAL"),
            max_interval=settings.getfloat("NEWSMON_SCHEDULE_MAX_INTERVAL"),
            jitter=settings.getfloat("NEWSMON_SCHEDULE_JITTER"),
            lease_ttl=settings.getfloat("NEWSMON_SCHEDULE_LEASE_TTL"),
            stop_timeout=settings.getfloat("NEWSMON_SCHEDULE_STOP_TIMEOUT"),
            tick=settings.getfloat("NEWSMON_SCHEDULE_TICK"),
        )


@dataclass(frozen=True, slots=True)
class Plan:
    """When an outlet is due (epoch seconds) and the interval it is polled at now."""

    due: float
    interval: float

    def to_json(self) -> str:
        return json.dumps({"due": self.due, "interval": self.interval})

    @classmethod
    def from_json(cls, text: str) -> Plan:
        data = json.loads(text)
        return cls(float(data["due"]), float(data["interval"]))


def next_interval(
    current: float, *, links: int, requested: int, lower: float, upper: float
) -> float:
    """The polling interval after a run that listed ``links`` article links, ``requested`` new.

    Faster when most links were new, slower when most were seen (or nothing was listed, as after
    a 304), unchanged in between; always within ``lower``..``upper``.

    Example:
        >>> next_interval(600, links=20, requested=0, lower=60, upper=3600)
        900.0
    """
    share = requested / links if links else 0.0
    if share >= _BUSY_SHARE:
        current /= _FASTER
    elif share <= _QUIET_SHARE:
        current *= _SLOWER
    return float(min(max(current, lower), upper))


class PlanStore(Protocol):
    """Where outlet plans are kept."""

    def get(self, outlet: str) -> Plan | None: ...

    def put(self, outlet: str, plan: Plan) -> None: ...


class ArchivePlans:
    """Plans in the archive's ``outlet_state`` (one machine)."""

    def __init__(self, db_path: str | Path) -> None:
        self.db_path = db_path

    def get(self, outlet: str) -> Plan | None:
        with Archive(self.db_path) as archive:
            value = archive.get_outlet_state(outlet, _STATE_KEY)
        return Plan.from_json(value) if value else None

    def put(self, outlet: str, plan: Plan) -> None:
        with Archive(self.db_path) as archive:
            archive.set_outlet_state(outlet, _STATE_KEY, plan.to_json(), now_iso())


class RedisPlans:
    """Plans in Redis, ``<prefix>schedule:<outlet>``, shared by every machine."""

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.client = client
        self.prefix = prefix

    def get(self, outlet: str) -> Plan | None:
        value = self.client.get(f"{self.prefix}{_STATE_KEY}:{outlet}")
        return Plan.from_json(value.decode()) if value else None

    def put(self, outlet: str, plan: Plan) -> None:
        self.client.set(f"{self.prefix}{_STATE_KEY}:{outlet}", plan.to_json())


@dataclass(slots=True)
class ScheduleReport:
    """What a scheduler did: crawls run, outlets crawled, outlets another worker held."""

    crawls: int = 0
    crawled: list[str] = field(default_factory=list)
    held_elsewhere: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    exit_status: int = EXIT_OK
    next_due: str = ""  # "next: kloop in 12m"

    def summary_lines(self) -> list[str]:
        """Problems first, then one line of counts."""
        lines = [f"error: {p}" for p in self.problems]
        lines.append(
            f"schedule: {self.crawls} crawls, {len(self.crawled)} outlet runs, "
            f"{len(self.held_elsewhere)} skipped (held by another worker)"
            + (f"; {self.next_due}" if self.next_due else "")
        )
        return lines


class Scheduler:
    """Crawl outlets when due, one child crawl per batch of due outlets.

    Args:
        outlets: the outlets to schedule.
        db_path: the archive the crawls write.
        registry_path: the registry file given to the crawls (None: the bundled one).
        config: intervals, jitter, lease ttl, timeouts.
        redis_url: share plans and take leases in Redis (the distributed mode).
        redis_prefix: the key prefix in Redis (NEWSMON_REDIS_PREFIX).
        setting_pairs: ``NAME=VALUE`` settings passed on to every crawl (``-s``).
        quiet: run the crawls with ``-q`` (only errors).

    Raises:
        ConfigError: another scheduler holds the archive's lock (without Redis).
    """

    def __init__(
        self,
        outlets: list[Outlet],
        *,
        db_path: str | Path,
        registry_path: str | Path | None,
        config: ScheduleConfig,
        redis_url: str | None = None,
        redis_prefix: str = "newsmon:",
        setting_pairs: Iterable[str] = (),
        quiet: bool = False,
    ) -> None:
        self.outlets = outlets
        self.db_path = str(db_path)
        self.registry_path = registry_path
        self.config = config
        self.redis_url = redis_url
        self.redis_prefix = redis_prefix
        self.setting_pairs = list(setting_pairs)
        self.quiet = quiet
        # what it is doing and what is due next: a line on a terminal, INFO lines in a log
        self.status = ProgressLine(
            sys.stderr, "off" if quiet else progress_mode(sys.stderr), refresh=1.0
        )
        self.report = ScheduleReport()
        self._stop = threading.Event()
        self._child: subprocess.Popen[bytes] | None = None
        self._client: redis.Redis | None = None
        self._plans: PlanStore
        if redis_url:
            check_redis_url(redis_url)
            self._client = connect_blocking(redis_url)
            self._plans = RedisPlans(self._client, redis_prefix)
        else:
            self._plans = ArchivePlans(self.db_path)

    # -- the loop ----------------------------------------------------------------------------

    def run(self, *, once: bool = False) -> ScheduleReport:
        """Run until stopped (SIGTERM, SIGINT, :meth:`stop`), or one pass with ``once``.

        With ``once``, every outlet due now is crawled (unless another worker holds it) and the
        call returns; the exit status is the worst of the crawls'.
        """
        lock = None if self._client else FileLock(f"{self.db_path}.schedule.lock")
        if lock is not None and not lock.acquire():
            raise ConfigError(
                f"another `newsmon schedule` is running on {self.db_path} "
                f"(lock {lock.path}); stop it or use --redis-url"
            )
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            while not self._stop.is_set():
                self._run_due()
                if once or self.report.exit_status == EXIT_USAGE:
                    break
                self.status.show(
                    f"schedule: {self.report.crawls} crawls · waiting · {self.next_due()}"
                )
                self._stop.wait(self._sleep_time())
            self.report.next_due = self.next_due()
            self.status.close()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            if lock is not None:
                lock.release()
            if self._client is not None:
                self._client.close()
        return self.report

    def stop(self) -> None:
        """Start nothing new and ask a running crawl to close gracefully (what SIGTERM does)."""
        self._stop.set()
        child = self._child
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        logger.info("signal %d: stopping (the running crawl closes gracefully)", signum)
        self.stop()

    def next_due(self) -> str:
        """``next: kloop in 12m`` (``now`` when overdue); empty when the plans cannot be read."""
        now = time.time()
        try:
            dues = sorted((self._plan(o).due, o.id) for o in self.outlets)
        except StorageError:
            return ""
        if not dues:
            return ""
        due, outlet = dues[0]
        return f"next: {outlet} {'now' if due <= now else 'in ' + short_duration(due - now)}"

    def _sleep_time(self) -> float:
        """Seconds until the next outlet is due, at most NEWSMON_SCHEDULE_TICK."""
        now = time.time()
        try:
            dues = [self._plan(o).due for o in self.outlets]
        except StorageError:
            return self.config.tick  # logged by the next pass
        return max(0.0, min([self.config.tick, *(d - now for d in dues)]))

    def _plan(self, outlet: Outlet) -> Plan:
        try:
            plan = self._plans.get(outlet.id)
        except redis.RedisError as exc:
            raise StorageError(
                f"cannot read the schedule: {describe(exc, self.redis_url or '')}"
            ) from None
        return plan or Plan(due=0.0, interval=self._clamp(outlet.interval))

    def _clamp(self, interval: float) -> float:
        """``interval`` within NEWSMON_SCHEDULE_MIN_INTERVAL..MAX_INTERVAL."""
        return float(min(max(interval, self.config.min_interval), self.config.max_interval))

    def _run_due(self) -> None:
        now = time.time()
        try:
            due = [o for o in self.outlets if self._plan(o).due <= now]
        except StorageError as exc:
            self._problem(str(exc), EXIT_PARTIAL)
            return
        if not due:
            return
        claimed, leases = self._claim(due, now)
        if not claimed:
            return
        try:
            self._crawl(claimed, leases)
        finally:
            for lease in leases:
                try:
                    lease.release()
                except redis.RedisError as exc:  # it runs out by itself
                    logger.warning("cannot release %s: %s", lease.key, type(exc).__name__)

    def _claim(self, due: list[Outlet], now: float) -> tuple[list[Outlet], list[RedisLease]]:
        """The due outlets this worker may crawl now, with their leases (none without Redis)."""
        if self._client is None:
            return due, []
        claimed: list[Outlet] = []
        leases: list[RedisLease] = []
        for outlet in due:
            lease = RedisLease(
                self._client, f"{self.redis_prefix}lease:{outlet.id}", self.config.lease_ttl
            )
            try:
                if not lease.acquire():
                    self.report.held_elsewhere.append(outlet.id)
                    continue
                # Another worker may have crawled it between our look and our lease.
                if self._plan(outlet).due > now:
                    lease.release()
                    continue
            except (redis.RedisError, StorageError) as exc:
                self._problem(
                    f"cannot claim outlet '{outlet.id}': {describe(exc, self.redis_url or '')}",
                    EXIT_PARTIAL,
                )
                continue
            claimed.append(outlet)
            leases.append(lease)
        return claimed, leases

    # -- one crawl -----------------------------------------------------------------------------

    def _crawl(self, outlets: list[Outlet], leases: list[RedisLease]) -> None:
        ids = [o.id for o in outlets]
        with Archive(self.db_path) as archive:
            before = archive.latest_run_id()
        if self.status.mode == "terminal":
            self.status.say(f"schedule: crawling {', '.join(ids)}")
        else:
            logger.info("crawling %s", ", ".join(ids))
        self._child = subprocess.Popen(
            self._crawl_command(ids), env=self._crawl_env(), start_new_session=True
        )
        with LeaseKeeper(leases) as keeper:
            returncode = self._wait(self._child, keeper)
        self._child = None
        self.report.crawls += 1
        self.report.crawled.extend(ids)
        if returncode == EXIT_USAGE:
            self._problem(f"the crawl of {', '.join(ids)} refused its configuration", EXIT_USAGE)
        elif returncode != EXIT_OK and not self._stop.is_set():  # a stop we asked for is fine
            self.report.exit_status = max(self.report.exit_status, EXIT_PARTIAL)
        with Archive(self.db_path) as archive:
            if archive.close_abandoned_runs(before, ids, now_iso(), f"exit-{returncode}"):
                logger.warning(
                    "the crawl of %s ended without closing its run (exit %s)",
                    ", ".join(ids),
                    returncode,
                )
            rows = {oid: archive.run_outlet(oid, after_run_id=before) for oid in ids}
        if self._stop.is_set():
            return  # an interrupted crawl: leave the outlets due for whoever runs next
        for outlet in outlets:
            self._replan(outlet, rows[outlet.id])

    def _crawl_command(self, ids: list[str]) -> list[str]:
        command = [
            sys.executable,
            "-c",
            "from crawler.cli import main; main()",
            *(["-q"] if self.quiet else []),
            "crawl",
            "--db",
            self.db_path,
        ]
        for oid in ids:
            command += ["--outlet", oid]
        if self.registry_path:
            command += ["--outlets", str(self.registry_path)]
        for pair in self.setting_pairs:
            if not pair.startswith(f"{_REDIS_URL_SETTING}="):  # in the environment instead
                command += ["-s", pair]
        return command

    def _crawl_env(self) -> dict[str, str]:
        """The crawl's environment: this one, with the Redis URL, which must never be on a
        command line (``ps`` shows command lines to every user of the machine)."""
        env = dict(os.environ)
        for pair in self.setting_pairs:
            name, _, value = pair.partition("=")
            if name == _REDIS_URL_SETTING:
                env[_REDIS_URL_SETTING] = value
        if self.redis_url:
            env[_REDIS_URL_SETTING] = self.redis_url
        return env

    def _wait(self, child: subprocess.Popen[bytes], keeper: LeaseKeeper) -> int:
        """Wait for the crawl; stop it when a lease is lost, kill it when it ignores a stop."""
        stopped_at: float | None = None
        while True:
            try:
                return child.wait(_CHILD_POLL_S)
            except subprocess.TimeoutExpired:
                pass
            if keeper.lost and stopped_at is None:
                logger.error(
                    "a lease was lost: stopping the crawl so that no outlet is "
                    "crawled twice at once"
                )
                child.send_signal(signal.SIGTERM)
            if (self._stop.is_set() or keeper.lost) and stopped_at is None:
                stopped_at = time.monotonic()
            if stopped_at is not None and time.monotonic() - stopped_at > self.config.stop_timeout:
                logger.error(
                    "the crawl did not stop within %gs: killing it", self.config.stop_timeout
                )
                child.kill()
                return child.wait()

    def _replan(self, outlet: Outlet, row: Any) -> None:
        plan = self._plan(outlet)
        interval = self._clamp(plan.interval)
        if row is not None and row["sources_failed"] < row["sources"]:
            interval = next_interval(
                interval,
                links=row["links"],
                requested=row["requested"],
                lower=self.config.min_interval,
                upper=self.config.max_interval,
            )
        else:  # every source failed, or the crawl wrote no row: back off
            interval = self._clamp(interval * FAILURE_BACKOFF)
        spread = interval * self.config.jitter
        due = time.time() + interval + random.uniform(-spread, spread)
        try:
            self._plans.put(outlet.id, Plan(due=due, interval=interval))
        except redis.RedisError as exc:
            self._problem(
                f"cannot save the plan of '{outlet.id}': {describe(exc, self.redis_url or '')}",
                EXIT_PARTIAL,
            )
        logger.info(
            "outlet %s: next crawl in %.0fs (interval %.0fs)",
            outlet.id,
            due - time.time(),
            interval,
        )

    def _problem(self, message: str, status: int) -> None:
        logger.error("%s", message)
        self.report.problems.append(message)
        self.report.exit_status = max(self.report.exit_status, status)
