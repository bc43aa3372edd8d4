"""Times as newsmon stores them: ISO 8601 text, to the second; no offset means UTC.

Example::

    from crawler.times import epoch, now_iso, parse_iso, utc_iso

    utc_iso("2026-11-09T10:00:00+06:00")   # '2026-11-09T04:00:00+00:00'
    parse_iso("2026-11-09")                # datetime(2026, 11, 9, tzinfo=UTC)
    parse_iso("yesterday")                 # None
    epoch("1970-01-01T00:01:00Z")          # 60.0
    parse_date("Tue, 03 Mar 2026 09:15:00 +0500")  # a page's or a feed's date: ISO or RFC 822
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

__all__ = ["EARLIEST_YEAR", "as_utc", "epoch", "now_iso", "parse_date", "parse_iso", "utc_iso"]

# No news page was published before this year; earlier dates are a CMS's zero date ("0001-01-01",
# "1900-01-01", "1970-01-01"), not a publication date.
EARLIEST_YEAR = 1990

_LEADING_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


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
    return as_utc(moment)


def parse_date(value: str | None) -> datetime | None:
    """The publication date or time a page, feed or sitemap gives, or None when it gives none.

    Reads ISO 8601 / W3C-DTF (a date; a date and time with ``T`` or a space; ``Z``), a leading ISO
    date followed by other text, and RFC 822 (an RSS ``pubDate``). The offset is kept as written:
    a value without one is naive (RFC 822's ``-0000`` too). A year before :data:`EARLIEST_YEAR`
    is a zero date, so None.
    """
    if not value:
        return None
    text = " ".join(value.split())
    moment = _iso_or_rfc822(text)
    if moment is None:
        match = _LEADING_DATE_RE.match(text)
        try:
            moment = datetime(*map(int, match.groups())) if match else None
        except ValueError:
            return None
    if moment is None or moment.year < EARLIEST_YEAR:
        return None
    return moment


def _iso_or_rfc822(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def as_utc(moment: datetime) -> datetime:
    """``moment`` made aware: a naive time is taken as UTC."""
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
