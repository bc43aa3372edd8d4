"""What an empty report says: the archive's date span and the ``--since`` that would show it.

A report that finds nothing in its period would otherwise print zeros; this note tells the
user whether the archive is empty or the period misses it, and what to type instead.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from crawler import escape
from crawler.store.archive import Archive
from crawler.times import parse_iso


@dataclass(frozen=True, slots=True)
class Span:
    """How many articles the archive holds (for the outlets asked for) and their time span."""

    articles: int
    first: str | None
    last: str | None


def archive_span(archive: Archive, outlets: Iterable[str] = ()) -> Span:
    """The count and first/last ``sort_time`` (published, else fetched) of the articles."""
    wanted = list(outlets)
    where = f"WHERE outlet IN ({', '.join('?' * len(wanted))})" if wanted else ""
    row = archive.connection.execute(
        f"SELECT COUNT(*), MIN(sort_time), MAX(sort_time) FROM articles {where}", wanted
    ).fetchone()
    return Span(int(row[0]), row[1], row[2])


def unregistered_note(
    archive: Archive, registry: Iterable[Any], countries: Iterable[str]
) -> str | None:
    """With ``--country``: a sentence naming the archive's outlets that the registry does not
    know (no country is known for them, so none matched), or None."""
    if not list(countries):
        return None
    known = {outlet.id for outlet in registry}
    stored = [row[0] for row in archive.connection.execute("SELECT DISTINCT outlet FROM articles")]
    unknown = sorted(outlet for outlet in stored if outlet not in known)
    if not unknown:
        return None
    shown = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
    return (
        f"The registry does not know the archive's outlets {shown}, so --country cannot match "
        f"them: give their registry with --outlets FILE."
    )


def empty_note(
    span: Span,
    *,
    what: str,
    since: str | None,
    until: str | None,
    db: str,
    now: datetime | None = None,
) -> str:
    """One line for a report that found no ``what`` (e.g. "clusters"): the span, and the
    ``--since`` (as a date and as days back) that reaches its first article."""
    if span.articles == 0 or span.first is None or span.last is None:
        return f"No {what}: the archive {db} holds no articles yet (`newsmon crawl --db {db}`)."
    first, last = span.first[:10], span.last[:10]
    held = (
        f"The archive holds {span.articles} articles dated {first} .. {last}"
        if first != last
        else f"The archive holds {span.articles} articles of {first}"
    )
    if not period_misses(span, since, until):
        return f"No {what} match the filters. {held}."
    days = _days_back(span.first, now or datetime.now(UTC))
    hint = f"--since {first}" + (f" (or --since {days}d)" if days else "")
    if until is not None and until < span.last:
        hint += " without --until"
    return f"No {what} {period_text(since, until)}. {held}: {hint} shows them."


def period_text(since: str | None, until: str | None) -> str:
    """A period of UTC ISO times, ``until`` excluded, as a user names it: "from 2026-11-01 to
    2026-11-09 (included)", "up to 2026-11-09 12:00 UTC", "from 2026-11-01 to now"."""
    if since is None:
        return f"up to {until_text(until)}" if until else "at any time"
    return f"from {moment_text(since)} to {until_text(until) if until else 'now'}"


def moment_text(value: str) -> str:
    """A UTC ISO time as a user types it: the day alone at midnight, else with the time."""
    moment = parse_iso(value)
    if moment is None:
        return value
    moment = moment.astimezone(UTC)
    if not (moment.hour or moment.minute or moment.second):
        return moment.date().isoformat()
    clock = "%H:%M:%S" if moment.second else "%H:%M"
    return moment.strftime(f"%Y-%m-%d {clock} UTC")


def until_text(value: str) -> str:
    """An excluded end (``--until``) as a user types it: a midnight is the day before it,
    included ("2026-11-09 (included)" for 2026-11-10T00:00), any other time as it is."""
    moment = parse_iso(value)
    if moment is None:
        return value
    moment = moment.astimezone(UTC)
    if moment.hour or moment.minute or moment.second:
        return moment_text(value)
    return f"{(moment - timedelta(days=1)).date().isoformat()} (included)"


def period_misses(span: Span, since: str | None, until: str | None) -> bool:
    """Whether the period leaves out every article of the span."""
    if span.first is None or span.last is None:
        return False
    return (since is not None and since > span.last) or (until is not None and until < span.first)


def with_note(text: str, fmt: str, note: str, *, aside: bool) -> tuple[str, str | None]:
    """``text`` in format ``fmt`` with ``note`` added where the format has room for it, and what
    to write on stderr instead (JSON and CSV stay machine-readable; ``aside``: say it there)."""
    if fmt == "table":
        return text + escape.terminal(note) + "\n", None
    if fmt == "markdown":
        return text + f"\n> {escape.markdown_text(note)}\n", None
    if fmt == "html":
        paragraph = f'<p class="meta">{escape.html_text(note)}</p>\n'
        head, sep, rest = text.partition("</h1>\n")
        return (head + sep + paragraph + rest, None) if sep else (text, note if aside else None)
    return text, note if aside else None


def _days_back(first: str, now: datetime) -> int | None:
    moment = parse_iso(first)
    if moment is None:
        return None
    return max(1, math.ceil((now - moment).total_seconds() / 86400))
