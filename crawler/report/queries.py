"""Queries the web dashboard adds to :mod:`crawler.report.reports`: search, volume, listings.

The cluster and outlet views use ``cluster_records``, ``cluster_record`` and ``outlet_report``
themselves, so the command-line reports and the pages never disagree; what is here answers the
questions only the pages ask. Every query is bounded by an index (``articles_sort_time``,
``articles_outlet_time``, ``articles_cluster``, ``clusters_last``, the FTS5 index), so it costs
what the period or the matches hold; ``bench/serve_speed.py`` times them on a million articles.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from crawler.store.archive import Archive
from crawler.store.search import TABLE, has_search_index

# Marks FTS5 puts around a matched word in a snippet: private-use characters, which no page
# text carries through extraction, replaced by <mark> after the snippet is HTML-escaped.
# The marks around a matched word in search results: private-use characters around a nonce of
# this process, which no stored text can hold (a page's own U+E000 made a <mark> of its text).
_NONCE = secrets.token_hex(8)
MATCH_START = f"\ue000{_NONCE}\ue001"
MATCH_END = f"\ue001{_NONCE}\ue000"
SNIPPET_WORDS = 24
MAX_HOURS = 24 * 31  # an hourly chart covers at most a month
MAX_DAYS = 3700  # a daily chart covers at most ten years, the newest
# A word of the index: letters and digits (an underscore or an apostrophe separates words, and
# so do the Uzbek apostrophes U+02BB and U+02BC, letters to Unicode: ``crawler.store.search``).
_TOKEN = re.compile("[^\\W_\u02bb\u02bc]+")
# Latin letters that carry a diacritic (precomposed), and combining marks: only a text holding
# one of them needs decomposing to fold
_MAY_HAVE_LATIN_MARKS = re.compile("[\u00c0-\u024f\u1e00-\u1eff\u0300-\u036f]")
# a run of combining diacritics after a Latin letter (decomposed text)
_LATIN_MARKS = re.compile("(?<=[a-z])[\u0300-\u036f]+")


def outlet_known(archive: Archive, outlet: str) -> bool:
    """Whether the archive holds an article or a crawl run of ``outlet`` (at any time)."""
    return (
        archive.connection.execute(
            "SELECT 1 FROM articles WHERE outlet = ? UNION ALL "
            "SELECT 1 FROM run_outlets WHERE outlet = ? LIMIT 1",
            (outlet, outlet),
        ).fetchone()
        is not None
    )


def oldest_time(archive: Archive) -> str | None:
    """The sort time of the oldest article (one index seek), or None for an empty archive."""
    return archive.connection.execute("SELECT MIN(sort_time) FROM articles").fetchone()[0]


def outlet_ids(archive: Archive) -> list[str]:
    """Every outlet that has articles, by skip-scan of ``articles_outlet_time``."""
    db = archive.connection
    found: list[str] = []
    value = db.execute("SELECT MIN(outlet) FROM articles").fetchone()[0]
    while value is not None:
        found.append(value)
        value = db.execute(
            "SELECT MIN(outlet) FROM articles WHERE outlet > ?", (value,)
        ).fetchone()[0]
    return found


# -- search ---------------------------------------------------------------------------------


def fts_query(words: str) -> str | None:
    """The user's words as an FTS5 query: every word must occur; ``word*`` matches a prefix.

    Each word is quoted, so FTS5 syntax (``OR``, ``NEAR``, ``-``, ``:``, parentheses) in what
    the user typed is searched for as text, never run.

    Example:
        >>> fts_query('вода Toktogul* "OR"')
        '"вода" AND "toktogul"* AND "or"'
    """
    phrases = query_phrases(words)
    parts = ['"' + phrase + '"' + ("*" if prefix else "") for phrase, prefix in phrases]
    return " AND ".join(parts) or None


def query_phrases(words: str) -> list[tuple[str, bool]]:
    """The user's words as the index reads them: each whitespace-separated word a phrase of its
    index words (``e-mail``: "e mail"), and whether it ends in ``*`` (a prefix)."""
    found = []
    for raw in words.split():
        tokens = index_words(raw)
        if tokens:
            found.append((" ".join(tokens), raw.endswith("*")))
    # a word given twice asks nothing more (and each costs the index a pass: "water" 500 times
    # held the dashboard for half a minute)
    return list(dict.fromkeys(found))


def index_words(text: str) -> list[str]:
    """The words of ``text`` as the index's tokenizer (``unicode61 remove_diacritics 2``) holds
    them: runs of letters and digits, lower case, Latin letters without their diacritics
    ("São" -> "sao"; Cyrillic ё, й and қ stay as they are)."""
    return folded_words(fold_text(text))


def folded_words(folded: str) -> list[str]:
    """``index_words`` of a text already folded (``fold_text``)."""
    return _TOKEN.findall(folded)


def fold_text(text: str) -> str:
    """``text`` in lower case with the diacritics of its Latin letters removed, as the index's
    tokenizer folds it (``str.lower``: the tokenizer keeps ß, which ``casefold`` would not)."""
    lowered = text.lower()
    if _MAY_HAVE_LATIN_MARKS.search(lowered) is None:  # most texts: nothing to take off
        return lowered
    bare = _LATIN_MARKS.sub("", unicodedata.normalize("NFD", lowered))
    return unicodedata.normalize("NFC", bare)


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A full-text search: words, and the period and outlets it is limited to (UTC ISO)."""

    words: str
    since: str | None = None
    until: str | None = None
    outlets: tuple[str, ...] = ()
    limit: int = 50


def search_articles(archive: Archive, query: SearchQuery) -> list[dict[str, Any]] | None:
    """Articles whose title or body hold every word, newest indexed first.

    Returns:
        None when the archive has no search index; else one dict per article with ``id``,
        ``outlet``, ``url``, ``time``, ``cluster``, ``language``, and ``title_marked`` and
        ``snippet`` where each matched word is wrapped in :data:`MATCH_START` /
        :data:`MATCH_END` (still raw page text: the page escapes it, then marks it).
    """
    db = archive.connection
    if not has_search_index(db):
        return None
    match = fts_query(query.words)
    if match is None:
        return []
    sql = [
        f"SELECT d.article_id AS id, a.outlet, a.url, a.sort_time AS time, a.cluster, "
        f"a.language, highlight({TABLE}, 0, ?, ?) AS title_marked, "
        f"snippet({TABLE}, 1, ?, ?, '…', {SNIPPET_WORDS}) AS snippet "
        f"FROM {TABLE} JOIN search_docs d ON d.rowid = {TABLE}.rowid "
        f"JOIN articles a ON a.id = d.article_id WHERE {TABLE} MATCH ?"
    ]
    params: list[Any] = [MATCH_START, MATCH_END, MATCH_START, MATCH_END, match]
    if query.since:
        sql.append("AND a.sort_time >= ?")
        params.append(query.since)
    if query.until:
        sql.append("AND a.sort_time < ?")
        params.append(query.until)
    if query.outlets:
        sql.append(f"AND a.outlet IN ({','.join('?' * len(query.outlets))})")
        params.extend(query.outlets)
    # Newest indexed first: FTS5 walks its rowids backwards and stops at the limit, where a
    # relevance order would rank every match of a common word first.
    sql.append(f"ORDER BY {TABLE}.rowid DESC LIMIT ?")
    params.append(query.limit)
    try:
        return [dict(row) for row in db.execute(" ".join(sql), params)]
    except sqlite3.OperationalError as exc:
        if "fts5" in str(exc):  # a query FTS5 refuses is "no match", not a server error
            return []
        raise


# -- volume ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Volume:
    """Counts per local day: ``days`` in order, ``series`` name -> count per day, ``clusters``
    (stories of 2+ articles that began that day) per day."""

    days: list[str]
    series: dict[str, list[int]]
    clusters: list[int]


def volume(
    archive: Archive,
    since: str,
    until: str,
    *,
    zone: tzinfo,
    outlets: tuple[str, ...] = (),
    group_of: dict[str, str] | None = None,
    hourly: bool = False,
) -> Volume:
    """Articles per day (or hour) in ``zone`` over ``[since, until)``, one series per outlet or
    group.

    Args:
        archive: the archive to read.
        since, until: the period, UTC ISO times.
        zone: the time zone whose days are counted.
        outlets: only these outlets (all when empty).
        group_of: outlet -> series name (a country); outlets missing from it go to ``?``.
            None: a series per outlet.
        hourly: count per hour (``Volume.days`` then holds local ``YYYY-MM-DD HH:MM``) instead
            of per day; at most :data:`MAX_HOURS` hours.
    """
    db = archive.connection
    if hourly:
        days, bucket, day_of = _hours(since, until, zone)
    else:
        days = _days(since, until, zone)
        bucket, day_of = _day_bucket(days, zone)
    # Every outlet named, even for all of them: one range of the covering (outlet, sort_time)
    # index per outlet reads 5x faster than the sort_time range with a row lookup per article.
    named = outlets or tuple(outlet_ids(archive))
    sql = (
        f"SELECT {bucket.format(column='sort_time')} AS bucket, outlet, COUNT(*) "
        f"FROM articles WHERE sort_time >= ? AND sort_time < ? "
        f"AND outlet IN ({','.join('?' * len(named))}) GROUP BY bucket, outlet"
    )
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for key, outlet, count in db.execute(sql, [since, until, *named]):
        name = outlet if group_of is None else group_of.get(outlet, "?")
        counts[name][day_of(key)] += count
    stories: dict[str, int] = defaultdict(int)
    for key, count in _cluster_starts(
        db, bucket.format(column="first_published"), since, until, outlets
    ):
        stories[day_of(key)] += count
    series = {
        name: [per_day.get(day, 0) for day in days]
        for name, per_day in sorted(counts.items(), key=lambda kv: -sum(kv[1].values()))
    }
    return Volume(days, series, [stories.get(day, 0) for day in days])


def _day_bucket(days: list[str], zone: tzinfo) -> tuple[str, Callable[[str], str]]:
    """The SQL expression (``{column}`` to fill in) that buckets a UTC ISO time, and the
    function from a bucket to its local day.

    When the zone keeps one UTC offset over the whole period (always in Central Asia, which has
    no daylight saving), SQLite shifts each time and cuts out the local day itself; otherwise
    it groups by UTC hour and each hour is placed on its local day here, once per hour.
    """
    offsets = {zone.utcoffset(datetime.fromisoformat(day + "T12:00")) for day in days}
    if len(offsets) == 1 and (offset := offsets.pop()) is not None:
        minutes = int(offset.total_seconds() // 60)
        return f"substr(datetime({{column}}, '{minutes:+d} minutes'), 1, 10)", str
    cache: dict[str, str] = {}

    def day_of(hour: str) -> str:
        if hour not in cache:
            cache[hour] = _local_day(hour, zone)
        return cache[hour]

    return "substr({column}, 1, 13)", day_of


def _cluster_starts(
    db: sqlite3.Connection, bucket: str, since: str, until: str, outlets: tuple[str, ...]
) -> Iterable[tuple[str, int]]:
    """(bucket, how many clusters of 2+ began in it) over the period (``clusters_last``)."""
    sql = (
        f"SELECT {bucket} AS bucket, COUNT(*) FROM clusters c "
        "WHERE last_published >= ? AND first_published >= ? AND first_published < ? "
        "AND size >= 2"
    )
    params: list[Any] = [since, since, until]
    if outlets:
        sql += (
            " AND EXISTS (SELECT 1 FROM articles a WHERE a.cluster = c.id AND a.outlet IN "
            f"({','.join('?' * len(outlets))}))"
        )
        params.extend(outlets)
    return db.execute(sql + " GROUP BY bucket", params).fetchall()


def _hours(since: str, until: str, zone: tzinfo) -> tuple[list[str], str, Callable[[str], str]]:
    """The local start of every UTC hour of the period, the SQL bucket (the UTC hour) and the
    function from a bucket to its label."""
    first = datetime.fromisoformat(since).astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    end = datetime.fromisoformat(until).astimezone(UTC)
    label_of: dict[str, str] = {}
    moment = first
    while moment < end and len(label_of) < MAX_HOURS:
        label_of[moment.strftime("%Y-%m-%dT%H")] = moment.astimezone(zone).strftime(
            "%Y-%m-%d %H:%M"
        )
        moment += timedelta(hours=1)
    labels = list(dict.fromkeys(label_of.values()))
    return labels, "substr({column}, 1, 13)", lambda hour: label_of.get(hour, "")


def _local_day(utc_hour: str, zone: tzinfo) -> str:
    """``2026-11-09T22`` (a UTC hour) -> the day it falls on in ``zone`` (``2026-11-10``)."""
    moment = datetime.fromisoformat(utc_hour + ":00:00").replace(tzinfo=UTC)
    return moment.astimezone(zone).date().isoformat()


def _days(since: str, until: str, zone: tzinfo) -> list[str]:
    """Every local day the period ``[since, until)`` touches, in order."""
    first = datetime.fromisoformat(since).astimezone(zone).date()
    last = (datetime.fromisoformat(until) - timedelta(microseconds=1)).astimezone(zone).date()
    # at most MAX_DAYS, the newest: the end of a long period is where the articles are
    start = max(first.toordinal(), last.toordinal() - MAX_DAYS + 1)
    return [date.fromordinal(n).isoformat() for n in range(start, last.toordinal() + 1)]


# -- listings -------------------------------------------------------------------------------


def outlet_articles(
    archive: Archive, outlet: str, since: str | None, until: str | None, limit: int = 100
) -> list[dict[str, Any]]:
    """An outlet's newest articles in the period (``articles_outlet_time``), newest first."""
    sql = (
        "SELECT id, url, title, sort_time AS time, published, cluster, language, copy_of "
        "FROM articles WHERE outlet = ?"
    )
    params: list[Any] = [outlet]
    if since:
        sql += " AND sort_time >= ?"
        params.append(since)
    if until:
        sql += " AND sort_time < ?"
        params.append(until)
    sql += " ORDER BY sort_time DESC LIMIT ?"
    params.append(limit)
    return [dict(row) for row in archive.connection.execute(sql, params)]


def member_details(archive: Archive, cluster_id: str) -> dict[str, dict[str, Any]]:
    """Body, authors and image captions/credits of a cluster's members (``articles_cluster``)."""
    rows = archive.connection.execute(
        "SELECT id, text, authors, images FROM articles WHERE cluster = ?", (cluster_id,)
    )
    return {
        row["id"]: {
            "text": row["text"],
            "authors": json.loads(row["authors"] or "[]"),
            "images": json.loads(row["images"] or "[]"),
        }
        for row in rows
    }
