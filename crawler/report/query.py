"""The filters that ``report`` and ``export`` share: one place turns them into SQL.

A :class:`Filters` holds what the user asked for (period, outlets, countries, languages, words);
:func:`resolve` checks it against the outlet registry (``--country KG`` becomes the registry's
Kyrgyz outlets) and :func:`article_conditions` gives the SQL conditions over the ``articles``
table that both the cluster report (a cluster matches when one member does) and the export
(every matching article) use. :func:`scope` states the period and filters at the top of a report;
:func:`period_bound` reads a bound of a period as the CLI and the Python API take it.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from crawler.errors import ConfigError
from crawler.report.queries import fold_text, folded_words, outlet_known, query_phrases
from crawler.store.archive import Archive
from crawler.times import now_iso, parse_iso, utc_iso
from settings.registry import Outlet, is_country_code, is_language_code, parse_duration

# How many candidates an ambiguous cluster id prefix lists.
MAX_CANDIDATES = 8


def period_bound(value: str) -> str:
    """A bound of a period as a UTC ISO time: an ISO 8601 date or time (UTC when it has no
    offset), or a duration counted back from now (``24h``, ``7d``, ``1h30m``).

    Raises:
        ValueError: neither, or a time outside the calendar (the message says which).
    """
    text = value.strip()
    if parse_iso(text) is not None:
        try:
            return utc_iso(text)
        except OverflowError:  # its offset moves it past the year 1 or 9999 in UTC
            raise ValueError(
                f"{value!r} is out of range: UTC times run from the year 1 to 9999"
            ) from None
    try:
        seconds = parse_duration(text)
    except ValueError:
        raise ValueError(f"{value!r} is neither a duration like 24h/7d nor an ISO date") from None
    try:
        return now_iso(timedelta(seconds=seconds))
    except OverflowError:  # further back than year 1
        raise ValueError(f"{value!r} reaches back before the year 1") from None


def period_end(value: str) -> str:
    """The end of a period as a UTC ISO time: as :func:`period_bound`, but a bare day includes
    that day (``2026-11-09`` ends at 2026-11-10T00:00 UTC), as ``--until`` reads it.

    Raises:
        ValueError: as :func:`period_bound`.
    """
    found = period_bound(value)
    if not _DAY.match(value):
        return found
    day = parse_iso(found)
    try:
        return (day + timedelta(days=1)).isoformat()  # type: ignore[operator]
    except OverflowError:  # 9999-12-31: the calendar's last day, to its last second
        return datetime.max.replace(tzinfo=UTC).isoformat(timespec="seconds")


_DAY = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s*$")


@dataclass(frozen=True, slots=True)
class Filters:
    """What a report or an export covers (times are UTC ISO; None or empty: unbounded).

    Args:
        since: from this time on.
        until: before this time.
        outlets: these outlet ids.
        countries: outlets of these countries (registry ``country``).
        languages: articles in these languages (an article without a detected language counts
            when its outlet's registry ``languages`` hold one of them).
        query: words that must all appear, each in the title or the text, as whole words as the
            dashboard's search finds them (case and Latin diacritics folded; ``word*``: a
            prefix).
    """

    since: str | None = None
    until: str | None = None
    outlets: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    query: str | None = None

    def __post_init__(self) -> None:
        # language codes are stored in lower case ("EN" is "en")
        object.__setattr__(self, "languages", tuple(code.lower() for code in self.languages))


@dataclass(frozen=True, slots=True)
class Resolved:
    """Filters checked against the registry: the outlet ids they allow (None: any), and the
    outlets whose registry languages hold an asked language."""

    filters: Filters
    outlet_ids: tuple[str, ...] | None
    language_outlets: tuple[str, ...] = ()


def check_codes(languages: Iterable[str], countries: Iterable[str] = ()) -> None:
    """Refuse a language that is no ISO 639-1 code or a country that is no ISO 3166 one (the
    registry's lists; either case): it would match nothing.

    Raises:
        ConfigError: names the first such code.
    """
    for code in languages:
        if not is_language_code(code.lower()):
            raise ConfigError(f"language {code!r} is no ISO 639-1 code (such as en, ru, kk)")
    for code in countries:
        if not is_country_code(code.upper()):
            raise ConfigError(f"country {code!r} is no ISO 3166 code (such as KG, KZ, UZ)")


def resolve(filters: Filters, registry: Iterable[Outlet]) -> Resolved:
    """``filters`` with ``countries`` turned into the registry's outlets of those countries.

    Raises:
        ConfigError: a language or country that is no code, or no outlet of the registry (or of
            ``--outlet``) is in those countries.
    """
    check_codes(filters.languages, filters.countries)
    registry = list(registry)
    outlet_ids: tuple[str, ...] | None = filters.outlets or None
    if filters.countries:
        wanted = {c.upper() for c in filters.countries}
        of_country = [o.id for o in registry if o.country in wanted]
        outlet_ids = tuple(o for o in of_country if not filters.outlets or o in filters.outlets)
        if not outlet_ids:
            raise ConfigError(
                f"no outlet of country {', '.join(sorted(wanted))} in the registry"
                + (" among --outlet " + ", ".join(filters.outlets) if filters.outlets else "")
            )
    languages = set(filters.languages)
    speaking = tuple(o.id for o in registry if languages & set(o.languages))
    return Resolved(filters, outlet_ids, speaking)


def article_conditions(
    resolved: Resolved, *, period: bool = True, alias: str = "a"
) -> tuple[list[str], list[Any]]:
    """SQL conditions (ANDed) and their parameters over ``articles AS alias``.

    ``period`` false leaves out the time bounds (the cluster report bounds clusters, not
    members). Call :func:`prepare` on the connection first (the word filter is a function).
    """
    f, a = resolved.filters, alias
    conditions: list[str] = []
    params: list[Any] = []
    if period and f.since:
        conditions.append(f"{a}.sort_time >= ?")
        params.append(f.since)
    if period and f.until:
        conditions.append(f"{a}.sort_time < ?")
        params.append(f.until)
    if resolved.outlet_ids is not None:
        conditions.append(f"{a}.outlet IN ({_marks(resolved.outlet_ids)})")
        params.extend(resolved.outlet_ids)
    if f.languages:
        spoken = (
            f" OR ({a}.language IS NULL AND {a}.outlet IN ({_marks(resolved.language_outlets)}))"
            if resolved.language_outlets
            else ""
        )
        conditions.append(f"({a}.language IN ({_marks(f.languages)}){spoken})")
        params.extend([*f.languages, *resolved.language_outlets])
    phrases = query_phrases(f.query or "")
    if phrases:
        conditions.append(f"newsmon_contains({a}.title, {a}.text, ?)")
        params.append("\0".join(phrase + ("*" if prefix else "") for phrase, prefix in phrases))
    return conditions, params


def prepare(db: sqlite3.Connection) -> None:
    """Register the SQL function the word filter uses on ``db``."""
    db.create_function("newsmon_contains", 3, _contains_words, deterministic=True)


def check_outlets(archive: Archive, outlets: Iterable[str], registry: Iterable[Outlet]) -> None:
    """Refuse an ``--outlet`` that neither the registry nor the archive knows: a typo would
    otherwise read as an outlet without articles.

    Raises:
        ConfigError: names the first such outlet.
    """
    registered = {outlet.id for outlet in registry}
    for outlet in outlets:
        if outlet not in registered and not outlet_known(archive, outlet):
            raise ConfigError(f"no outlet {outlet!r} in the registry or the archive")


def articles(archive: Archive, resolved: Resolved) -> Iterable[Any]:
    """The Articles that match, oldest first (``export`` and the Python API)."""
    prepare(archive.connection)
    conditions, params = article_conditions(resolved)
    where = ("WHERE " + " AND ".join(conditions)) if conditions else ""
    return archive.select_articles(f"FROM articles a {where} ORDER BY a.sort_time, a.id", params)


def scope(filters: Filters, **extra: Any) -> dict[str, Any]:
    """The period and filters of a report as data (what JSON reports carry as ``scope``)."""
    shown = {
        "outlets": list(filters.outlets),
        "countries": list(filters.countries),
        "languages": list(filters.languages),
        "query": filters.query,
        **extra,
    }
    return {
        "since": filters.since,
        "until": filters.until,
        "filters": {k: v for k, v in shown.items() if v not in (None, [], ())},
    }


def describe(scope_data: Mapping[str, Any]) -> str:
    """A scope in one line: ``period 2026-11-01T00:00:00+00:00 .. now; filters: country KG``."""
    period = f"period {scope_data['since'] or 'start'} .. {scope_data['until'] or 'now'}"
    parts = []
    for key, value in scope_data["filters"].items():
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(f"{key.replace('_', ' ')} {text}")
    return f"{period}; filters: {'; '.join(parts) if parts else 'none'}"


def find_cluster(archive: Archive, wanted: str) -> str | None:
    """The cluster ``wanted`` names: a cluster id, a merged cluster's old id, any member's
    article id, or a unique prefix of one of them; None when nothing matches.

    Raises:
        ConfigError: the prefix matches several clusters (the message lists them).
    """
    db = archive.connection
    exact = (
        [archive.resolve_cluster(wanted)]
        if db.execute(
            "SELECT 1 FROM clusters WHERE id = ? UNION ALL SELECT 1 FROM cluster_aliases "
            "WHERE alias = ?",
            (wanted, wanted),
        ).fetchone()
        else []
    )
    if not exact:
        exact = [
            row[0] for row in db.execute("SELECT cluster FROM articles WHERE id = ?", (wanted,))
        ]
    if exact:
        return exact[0]
    if not wanted:
        return None
    # a prefix: an index range on each id column (no LIKE, whose wildcards ids may contain)
    upper = wanted + "\U0010ffff"
    found: set[str] = set()
    for sql in (
        "SELECT id FROM clusters WHERE id >= ? AND id < ? LIMIT 50",
        "SELECT cluster FROM cluster_aliases WHERE alias >= ? AND alias < ? LIMIT 50",
        "SELECT cluster FROM articles WHERE id >= ? AND id < ? LIMIT 50",
    ):
        found.update(archive.resolve_cluster(row[0]) for row in db.execute(sql, (wanted, upper)))
    if len(found) > 1:
        shown = sorted(found)[:MAX_CANDIDATES]
        more = f" and {len(found) - len(shown)} more" if len(found) > len(shown) else ""
        raise ConfigError(f"cluster id prefix '{wanted}' is ambiguous: {', '.join(shown)}{more}")
    return found.pop() if found else None


def with_names(records: list[dict[str, Any]], names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Cluster records with the registry's outlet names: ``origin_outlet_name`` and, per
    member, ``outlet_name`` (None for an outlet the registry does not hold)."""
    for record in records:
        record["origin_outlet_name"] = names.get(record["origin_outlet"])
        for member in record["members"]:
            member["outlet_name"] = names.get(member["outlet"])
    return records


def _marks(values: tuple[str, ...] | list[str]) -> str:
    return ",".join("?" * len(values))


def _contains_words(title: str | None, text: str | None, phrases: str) -> bool:
    """SQL function: every phrase of ``phrases`` (``query_phrases``, NUL-separated; a trailing
    ``*``: a prefix) is whole words of the title or of the text, as the dashboard's search index
    finds them (``crawler.report.queries``): "ash" is not in "cash", "Astana release" matches an
    article with "Astana" in its title and "release" in its text."""
    fields = [fold_text(field) for field in (title, text) if field]
    words: list[str | None] = [None] * len(fields)  # each field's words, made when needed
    for wanted in phrases.split("\0"):
        prefix = wanted.endswith("*")
        phrase = wanted.rstrip("*")
        for i, folded in enumerate(fields):
            if phrase.split(" ", 1)[0] not in folded:  # a cheap test first: most fields fail it
                continue
            if words[i] is None:
                words[i] = " " + " ".join(folded_words(folded)) + " "
            if (" " + phrase + ("" if prefix else " ")) in words[i]:  # type: ignore[operator]
                break
        else:
            return False
    return True
