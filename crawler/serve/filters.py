"""The filters of a page, read from and written to its URL (so a view can be bookmarked).

``since`` and ``until`` take a local date (``2026-11-09``) or time (``2026-11-09T14:00``) in the
server's time zone, or a duration counted back from now (``24h``, ``7d``); ``until`` as a date
means the end of that day. Without either, a page shows the week up to the newest article.
``outlet``, ``country`` and ``lang`` repeat; ``min_size`` is the smallest cluster listed;
``split`` (``outlet`` or ``country``) and ``by`` (``day`` or ``hour``) shape the volume chart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import urlencode

from crawler.errors import ConfigError
from crawler.report.query import check_codes
from crawler.report.reports import ClusterQuery
from settings.registry import parse_duration

DEFAULT_DAYS = 7
DEFAULT_MIN_SIZE = 2
PAGE = 50  # clusters per page step
MAX_LIMIT = 1000
SPLITS = ("outlet", "country")
STEPS = ("day", "hour")
MAX_HOURLY = timedelta(days=31)
_FIRST = datetime.min.replace(tzinfo=UTC) + timedelta(days=2)  # room for any zone's offset


class FilterError(ValueError):
    """A filter value in the URL that cannot be read (shown to the user as one line)."""


@dataclass(frozen=True, slots=True)
class Filters:
    """What a page shows; ``since``/``until`` are the resolved UTC ISO bounds."""

    raw: dict[str, list[str]]
    since: str
    until: str
    outlets: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    min_size: int = DEFAULT_MIN_SIZE
    split: str = "outlet"
    step: str = "day"
    limit: int = PAGE
    words: str = ""
    chosen_outlets: tuple[str, ...] = field(default=())

    def url(self, path: str, **changes: Any) -> str:
        """``path`` with these filters in its query string, some changed (None drops one)."""
        params = {k: list(v) for k, v in self.raw.items()}
        for key, value in changes.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = (
                    [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
                )
        pairs = [(k, v) for k, values in params.items() for v in values if v != ""]
        return path + ("?" + urlencode(pairs) if pairs else "")

    def cluster_query(self) -> ClusterQuery:
        """The report query of the cluster list (``reports.cluster_records``)."""
        return ClusterQuery(
            since=self.since,
            until=self.until,
            outlets=self.chosen_outlets,
            languages=self.languages,
            min_size=self.min_size,
            limit=self.limit,
        )


def read_filters(
    params: dict[str, list[str]],
    *,
    zone: tzinfo,
    newest: str | None,
    country_of: dict[str, str],
    now: datetime | None = None,
) -> Filters:
    """Filters from a URL's query parameters.

    Raises:
        FilterError: a value that is not a date, duration, number or known choice.
    """
    now = now or datetime.now(UTC)
    until = _bound(_one(params, "until"), zone, now, end=True)
    since = _bound(_one(params, "since"), zone, now, end=False)
    anchor = datetime.fromisoformat(newest) + timedelta(seconds=1) if newest else now
    if until is None:
        until = anchor if since is None else max(anchor, since + timedelta(seconds=1))
    # A period reaching past what the archive can hold ends where it can: after a day past the
    # newest article (or now) nothing is stored (``until=9999-12-31``).
    limit = max(anchor, now) + timedelta(days=1)
    until = min(until, limit if since is None else max(limit, since + timedelta(seconds=1)))
    if since is None:
        try:
            since = until - timedelta(days=DEFAULT_DAYS)
        except OverflowError:  # until=0001-01-01: the calendar's first days
            since = _FIRST
    outlets = _many(params, "outlet")
    countries = tuple(c.upper() for c in _many(params, "country"))
    chosen = outlets
    if countries:
        in_countries = tuple(o for o, c in sorted(country_of.items()) if c in countries)
        chosen = tuple(o for o in outlets if o in in_countries) if outlets else in_countries
        # No outlet of those countries: a name no outlet has, so the list is empty, not all.
        chosen = chosen or ("\0none",)
    split = _one(params, "split") or "outlet"
    if split not in SPLITS:
        raise FilterError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    step = _one(params, "by") or "day"
    if step not in STEPS:
        raise FilterError(f"by must be one of {', '.join(STEPS)}, not {step!r}")
    if step == "hour" and until - since > MAX_HOURLY:
        raise FilterError("by=hour takes a period of at most 31 days")
    return Filters(
        raw={k: list(v) for k, v in params.items()},
        since=_iso(since),
        until=_iso(until),
        outlets=outlets,
        countries=countries,
        languages=_languages(_many(params, "lang")),
        min_size=_number(params, "min_size", DEFAULT_MIN_SIZE, 1, 10**6),
        split=split,
        step=step,
        limit=_number(params, "limit", PAGE, 1, MAX_LIMIT),
        words=(_one(params, "q") or "").strip(),
        chosen_outlets=chosen,
    )


def _bound(value: str | None, zone: tzinfo, now: datetime, *, end: bool) -> datetime | None:
    if not value:
        return None
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            return now - timedelta(seconds=parse_duration(text))
        except (ValueError, OverflowError):
            raise FilterError(
                f"{value!r} is neither a date (2026-11-09), a time "
                "(2026-11-09T14:00) nor a duration (24h, 7d)"
            ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    try:
        if end and len(text) == 10:  # a date: up to the end of that day
            moment += timedelta(days=1)
        return moment.astimezone(UTC)
    except OverflowError:  # past the calendar's last day (9999-12-31) or before its first
        return datetime.max.replace(tzinfo=UTC) if moment.year > 1 else _FIRST


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _one(params: dict[str, list[str]], key: str) -> str | None:
    values = params.get(key) or []
    return values[-1] if values else None


def _many(params: dict[str, list[str]], key: str) -> tuple[str, ...]:
    found: list[str] = []
    for value in params.get(key) or []:
        found.extend(part.strip() for part in value.split(",") if part.strip())
    return tuple(dict.fromkeys(found))


def _languages(codes: tuple[str, ...]) -> tuple[str, ...]:
    """``lang`` values: ISO 639-1 codes, in lower case."""
    try:
        check_codes(codes)
    except ConfigError as exc:
        raise FilterError(f"lang: {exc}") from None
    return tuple(code.lower() for code in codes)


def _number(params: dict[str, list[str]], key: str, default: int, low: int, high: int) -> int:
    value = _one(params, key)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise FilterError(f"{key} must be a whole number, not {value!r}") from None
    if not low <= number <= high:
        raise FilterError(f"{key} must be between {low} and {high}, not {number}")
    return number
