"""Times as newsmon stores them: ISO 8601 text, to the second; no offset means UTC.

Example::

    from crawler.times import epoch, now_iso, parse_iso, utc_iso

    utc_iso("2026-11-09T10:00:00+06:00")   # '2026-11-09T04:00:00+00:00'
    parse_iso("2026-11-09")                # datetime(2026, 11, 9, tzinfo=UTC)
    parse_iso("yesterday")                 # None
    epoch("1970-01-01T00:01:00Z")          # 60.0
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["epoch", "now_iso", "parse_iso", "utc_iso"]


def parse_iso(value: str | None) -> datetime | None:
    """An aware datetime of an ISO 8601 date or time, or None when ``value`` is not one.

    A time without an offset, and a bare date (midnight), are taken as UTC; ``Z`` means UTC.
    """
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def utc_iso(value: str) -> str:
    """An ISO 8601 time as UTC (``...+00:00``) so that stored times sort and compare as text.

    A time without an offset is taken as UTC; a value that is not a time is returned as is.
    """
    moment = parse_iso(value)
    if moment is None:
        return value
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def epoch(value: str) -> float:
    """An ISO 8601 time as seconds since the epoch (a time without offset is UTC).

    Raises:
        ValueError: ``value`` is not an ISO 8601 date or time.
    """
    moment = parse_iso(value)
    if moment is None:
        raise ValueError(f"not an ISO 8601 time: {value!r}")
    return moment.timestamp()


def now_iso(ago: timedelta = timedelta(0)) -> str:
    """The current UTC time (less ``ago``) as ISO 8601 text, to the second."""
    return (datetime.now(UTC) - ago).isoformat(timespec="seconds")
