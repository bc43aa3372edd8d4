"""Reports read from the archive: Cluster records (DESIGN.md), the outlet report, the copy matrix.

``cluster_records``/``cluster_record`` give the Cluster records, ``outlet_report`` the per-outlet
health and who-copies-whom figures; ``render_clusters``/``render_outlets`` turn them into
``table``, ``json``, ``csv``, ``markdown`` or ``html`` text. Nothing here prints: the report
command does.

Every query is bounded by an index of the archive (``clusters_last``, ``articles_cluster``,
``articles_outlet_time``, ``run_outlets_outlet``), so a report over a period costs what the period
holds, not what the archive holds; ``bench/report_speed.py`` measures it on a million articles.

Queries go through ``Archive.connection`` and are read-only.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from crawler import escape
from crawler.report import (
    COPY_LEGEND,
    FORMATS,
    ORIGIN_RULE,
    copy_label,
    format_lag,
    format_similarity,
    outlet_label,
)
from crawler.report.query import (
    Filters,
    article_conditions,
    describe,
    prepare,
    resolve,
    scope,
)
from crawler.store.archive import Archive
from crawler.times import parse_iso, utc_iso
from settings.registry import Outlet

# Body-length collapse alarm: the median body length of an outlet's newest articles in the period
# against the median of the articles it published before the period. Extraction that breaks on a
# template change usually keeps a teaser or a caption, i.e. a fraction of the usual length; half
# leaves room for a week of short news. Both samples are bounded so that the alarm costs two
# index range reads per outlet whatever the archive's size.
COLLAPSE_RATIO = 0.5
PERIOD_SAMPLE = 100  # newest articles of the period whose lengths are compared
HISTORY_SAMPLE = 300  # articles before the period that make the outlet's usual length
MIN_PERIOD_ARTICLES = 5  # fewer than this in the period: no verdict on a collapse
MIN_HISTORY_ARTICLES = 20  # fewer than this before the period: no history to compare with

SIMILARITY_DECIMALS = 2

_CLUSTER_COLUMNS = (
    "id, outlet, url, title, published, fetched, sort_time, language, source, copy_of, similarity"
)


@dataclass(frozen=True, slots=True)
class ClusterQuery:
    """Which clusters a report covers.

    Args:
        since: only clusters with a member at or after this UTC ISO time.
        until: only clusters with a member before this UTC ISO time.
        outlets: only clusters with a member from one of these outlets.
        countries: only clusters with a member from an outlet of these countries (registry).
        languages: only clusters with a member in one of these languages.
        min_size: the smallest cluster shown.
        query: words that must all appear (case-insensitive) in one member's title or text.
        limit: at most this many clusters, biggest first.
    """

    since: str | None = None
    until: str | None = None
    outlets: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    min_size: int = 1
    query: str | None = None
    limit: int | None = None
    countries: tuple[str, ...] = ()

    @property
    def filters(self) -> Filters:
        """The filters shared with ``export`` (crawler.report.query)."""
        return Filters(
            since=self.since,
            until=self.until,
            outlets=self.outlets,
            countries=self.countries,
            languages=self.languages,
            query=self.query,
        )


def _connection(archive: Archive) -> sqlite3.Connection:
    return archive.connection


def cluster_records(
    archive: Archive, query: ClusterQuery, registry: Iterable[Outlet] = ()
) -> list[dict[str, Any]]:
    """The Cluster records of the clusters that match ``query``, biggest first.

    A cluster is in the period when one of its members is; it matches the other filters when
    one of its members matches them all.

    Args:
        archive: the archive to read.
        query: period, outlets, countries, languages, minimum size, words, how many.
        registry: the outlets whose ``country`` and ``languages`` the filters use.

    Returns:
        One dict per cluster (see :func:`cluster_record`).

    Example:
        >>> with Archive(":memory:") as archive:
        ...     cluster_records(archive, ClusterQuery(min_size=2))
        []
    """
    db = _connection(archive)
    sql = ["SELECT id FROM clusters c WHERE size >= ?"]
    params: list[Any] = [query.min_size]
    if query.since:
        sql.append("AND last_published >= ?")
        params.append(query.since)
    if query.until:
        sql.append("AND first_published < ?")
        params.append(query.until)
    conditions, member_params = article_conditions(resolve(query.filters, registry), period=False)
    if conditions:
        prepare(db)
        sql.append(
            "AND EXISTS (SELECT 1 FROM articles a WHERE a.cluster = c.id AND "
            + " AND ".join(conditions)
            + ")"
        )
        params.extend(member_params)
    sql.append("ORDER BY size DESC, first_published, id")
    if query.limit:
        sql.append("LIMIT ?")
        params.append(query.limit)
    ids = [row[0] for row in db.execute(" ".join(sql), params)]
    records = [cluster_record(archive, cluster_id) for cluster_id in ids]
    return [record for record in records if record is not None]


def cluster_record(archive: Archive, cluster_id: str) -> dict[str, Any] | None:
    """One Cluster record, or None when no article belongs to ``cluster_id``.

    The record has DESIGN.md's fields (id, size, outlets, first_published, origin, members,
    title) plus ``origin_rule``, ``origin_time_source`` and, per member, ``time`` (UTC),
    ``time_source`` (``published`` or ``fetched``), ``lag_seconds`` behind the origin,
    ``similarity`` to the origin (estimated from the stored signatures: the larger of Jaccard
    and the containment of the shorter text; 1.0 for the origin; without signatures, the
    copy link's own similarity when the member copies the origin, else None), ``source`` (the
    agency or outlet its page credits), ``copy_of`` (the earlier-published member it most
    likely copies: ``dedup.direction``), ``copy_similarity`` (to ``copy_of``), ``copy_of_outlet``
    and ``from_source``: the credited source it shares with an earlier member instead of
    copying it ("both from AFP"), else None.
    """
    rows = (
        _connection(archive)
        .execute(f"SELECT {_CLUSTER_COLUMNS} FROM articles WHERE cluster = ?", (cluster_id,))
        .fetchall()
    )
    if not rows:
        return None
    ordered = sorted(rows, key=_origin_key)
    origin = ordered[0]
    origin_time = parse_iso(origin["sort_time"])
    to_origin = _similarities_to(archive, origin["id"], [row["id"] for row in ordered[1:]])
    outlet_of = {row["id"]: row["outlet"] for row in ordered}
    members = []
    for position, row in enumerate(ordered):
        is_origin = row["id"] == origin["id"]
        moment = parse_iso(row["sort_time"])
        members.append(
            {
                "id": row["id"],
                "outlet": row["outlet"],
                "url": row["url"],
                "title": row["title"],
                "published": row["published"],
                "fetched": row["fetched"],
                "time": row["sort_time"],
                "time_source": "published" if row["published"] else "fetched",
                "lag_seconds": None
                if moment is None or origin_time is None
                else int(moment.timestamp() - origin_time.timestamp()),
                "language": row["language"],
                "similarity": 1.0
                if is_origin
                else to_origin.get(
                    row["id"],
                    _rounded(row["similarity"]) if row["copy_of"] == origin["id"] else None,
                ),
                "source": row["source"],
                "copy_of": row["copy_of"],
                "copy_of_outlet": outlet_of.get(row["copy_of"]),
                "copy_similarity": _rounded(row["similarity"]),
                "from_source": _shared_source(row, ordered[:position]),
            }
        )
    return {
        "id": cluster_id,
        "size": len(ordered),
        "outlets": sorted({row["outlet"] for row in ordered}),
        "first_published": origin["sort_time"],
        "origin": origin["id"],
        "origin_outlet": origin["outlet"],
        "origin_rule": ORIGIN_RULE,
        "origin_time_source": members[0]["time_source"],
        "title": origin["title"],
        "members": members,
    }


def _shared_source(row: sqlite3.Row, earlier: list[sqlite3.Row]) -> str | None:
    """The source ``row`` credits, when it copies no member and an earlier one credits it too."""
    from dedup import same_source

    if row["copy_of"] or not row["source"]:
        return None
    return row["source"] if any(same_source(row["source"], e["source"]) for e in earlier) else None


def copy_matrix(records: Iterable[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Who copies whom: ``matrix[A][B]`` counts B's members whose ``copy_of`` is an A article.

    A member that copies its own outlet's article (a repost) is not counted, nor one that copies
    no member (an origin, or one sharing a credited source: "both from AFP"). A record may list
    in ``counted`` the member ids to count (all by default).
    """
    matrix: dict[str, Counter[str]] = defaultdict(Counter)
    for record in records:
        outlet_of = {m["id"]: m["outlet"] for m in record["members"]}
        counted = record.get("counted")
        for member in record["members"]:
            source = outlet_of.get(member["copy_of"])
            if (
                source is not None
                and source != member["outlet"]
                and (counted is None or member["id"] in counted)
            ):
                matrix[source][member["outlet"]] += 1
    return {source: dict(sorted(row.items())) for source, row in sorted(matrix.items())}


# -- the outlet report ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OutletQuery:
    """Which period and outlets an outlet report covers (UTC ISO times; None: unbounded;
    ``countries``: the registry's outlets of these countries)."""

    since: str | None = None
    until: str | None = None
    outlets: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()


def outlet_report(
    archive: Archive, query: OutletQuery, registry: Iterable[Outlet] = ()
) -> dict[str, Any]:
    """Per-outlet health and copying over a period.

    Returns:
        ``{"since", "until", "scope", "outlets": [...], "copy_matrix": {A: {B: n}}}``
        (``scope``: the period and filters); each outlet has ``name`` (from ``registry``),
        ``articles`` (in the period), ``copies_published`` (its members of others' stories),
        ``copied_by_others`` (others' members of its stories), ``failures`` (by kind, over the
        runs of the period), ``runs``, ``last_run``, ``last_successful_crawl``, the median body
        lengths (``median_body_chars`` of its newest articles in the period,
        ``usual_body_chars`` before it) and ``alarms`` (``kind`` plus ``detail``).
    """
    registry = list(registry)
    filters = Filters(
        since=query.since, until=query.until, outlets=query.outlets, countries=query.countries
    )
    chosen = resolve(filters, registry).outlet_ids
    db = _connection(archive)
    matrix = _period_copy_matrix(db, query)
    outlet_ids = (
        list(chosen)
        if chosen is not None
        else sorted(
            set(_distinct(db, "articles", "outlet")) | set(_distinct(db, "run_outlets", "outlet"))
        )
    )
    names = {o.id: o.name for o in registry}
    interrupted = _interrupted_runs(db, query)
    rows = [
        {"name": names.get(outlet), **_outlet_row(db, outlet, query, matrix, interrupted)}
        for outlet in outlet_ids
    ]
    shown = set(outlet_ids)
    pairs = {
        source: {copier: n for copier, n in row.items() if source in shown or copier in shown}
        for source, row in matrix.items()
    }
    return {
        "since": query.since,
        "until": query.until,
        "scope": scope(filters),
        "outlets": rows,
        "copy_matrix": {source: row for source, row in pairs.items() if row},
    }


def _period_copy_matrix(db: sqlite3.Connection, query: OutletQuery) -> dict[str, dict[str, int]]:
    """The copy matrix over the clusters active in the period (members inside it counted)."""
    period, params = _period_clause(query, "last_published", "first_published")
    sql = (
        "SELECT cluster, id, outlet, sort_time, fetched, copy_of FROM articles "
        f"WHERE cluster IN (SELECT id FROM clusters WHERE size >= 2{period})"
    )
    clusters: dict[str, list[sqlite3.Row]] = defaultdict(list)
    for row in db.execute(sql, params):
        clusters[row["cluster"]].append(row)
    records = [
        {
            "members": members,
            "counted": {m["id"] for m in members if _in_period(m["sort_time"], query)},
        }
        for members in clusters.values()
    ]
    return copy_matrix(records)


def _outlet_row(
    db: sqlite3.Connection,
    outlet: str,
    query: OutletQuery,
    matrix: dict[str, dict[str, int]],
    interrupted: dict[str, Counter[str]],
) -> dict[str, Any]:
    period, params = _period_clause(query)
    articles = db.execute(
        f"SELECT COUNT(*) FROM articles WHERE outlet = ? {period}", (outlet, *params)
    ).fetchone()[0]
    recent = _lengths(db, f"WHERE outlet = ? {period}", (outlet, *params), PERIOD_SAMPLE)
    usual = (
        _lengths(db, "WHERE outlet = ? AND sort_time < ?", (outlet, query.since), HISTORY_SAMPLE)
        if query.since
        else []
    )
    runs = _runs(db, outlet, query)
    last = _last_run(db, outlet, query, "")
    last_ok = _last_run(db, outlet, query, "AND ro.sources_failed < ro.sources")
    copied_from = {source: row[outlet] for source, row in matrix.items() if outlet in row}
    copied_by = dict(matrix.get(outlet, {}))
    row = {
        "outlet": outlet,
        "articles": articles,
        "copies_published": sum(copied_from.values()),
        "copied_by_others": sum(copied_by.values()),
        "copied_from": copied_from,
        "copied_by": copied_by,
        "failures": dict(sorted((_failures(runs) | interrupted.get(outlet, {})).items())),
        "runs": len(runs),
        "last_run": _run_time(last),
        "last_successful_crawl": _run_time(last_ok),
        "median_body_chars": _median(recent),
        "usual_body_chars": _median(usual),
    }
    row["alarms"] = _alarms(last, recent, usual)
    return row


def _alarms(last: sqlite3.Row | None, recent: list[int], usual: list[int]) -> list[dict[str, str]]:
    alarms = []
    if last is not None and last["links"] > 0 and last["requested"] > 0 and last["stored"] == 0:
        found = f"last crawl ({_run_time(last)}) found {last['links']} links"
        failed = last["failed"]
        if not failed:
            detail = f"{found}, fetched {last['requested']} pages and stored no article"
        else:  # robots.txt, HTTP errors, timeouts: the pages never came
            share = f"all {failed}" if failed >= last["requested"] else str(failed)
            detail = (
                f"{found}, requested {last['requested']} pages, {share} failed (see the "
                "crawl's summary or log for why), and stored no article"
            )
        alarms.append({"kind": "no-articles", "detail": detail})
    if last is not None and last["sources"] > 0 and last["sources_failed"] >= last["sources"]:
        alarms.append(
            {
                "kind": "unreachable",
                "detail": (f"last crawl ({_run_time(last)}): all {last['sources']} sources failed"),
            }
        )
    now, before = _median(recent), _median(usual)
    if (
        len(recent) >= MIN_PERIOD_ARTICLES
        and len(usual) >= MIN_HISTORY_ARTICLES
        and now is not None
        and before
        and now < COLLAPSE_RATIO * before
    ):
        alarms.append(
            {
                "kind": "body-collapse",
                "detail": (
                    f"median body {now} chars over the last {len(recent)} articles, against "
                    f"{before} before the period ({now / before:.0%})"
                ),
            }
        )
    return alarms


# Runs that ended without recording what each outlet gave: the crawl's process was killed
# (closed as such by the next crawl), or stopped at once by a second Ctrl-C.
_INTERRUPTED = {"killed": "crawl killed", "forced": "crawl stopped at once"}


def _interrupted_runs(db: sqlite3.Connection, query: OutletQuery) -> dict[str, Counter[str]]:
    """Per outlet, the runs of the period that were interrupted, by kind (``_INTERRUPTED``)."""
    period, params = _period_clause(query, "started", "started")
    sql = f"SELECT outlets, finish_reason FROM runs WHERE finish_reason IN (?, ?){period}"
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for outlets, reason in db.execute(sql, [*_INTERRUPTED, *params]):
        for outlet in json.loads(outlets):
            counts[outlet][_INTERRUPTED[reason]] += 1
    return counts


def _failures(runs: list[sqlite3.Row]) -> dict[str, int]:
    """Failures by kind: ``feed http-403``, ``sitemap timeout``, ... and ``article fetch``."""
    counts: Counter[str] = Counter()
    for run in runs:
        for failure in json.loads(run["failures"]):
            source, _, reason = failure.partition(": ")
            counts[f"{source.split(' ', 1)[0]} {reason or 'failed'}"] += 1
        if run["failed"]:
            counts["article fetch"] += run["failed"]
    return dict(sorted(counts.items()))


def _runs(db: sqlite3.Connection, outlet: str, query: OutletQuery) -> list[sqlite3.Row]:
    sql = (
        "SELECT ro.*, r.started, r.finished FROM run_outlets ro JOIN runs r ON r.id = ro.run_id "
        "WHERE ro.outlet = ?"
    )
    params: list[Any] = [outlet]
    if query.since:
        # run ids grow with their start time: bound the (outlet, run_id) index range by the first
        # run of the period (one pass over the small runs table) instead of reading every run
        sql += (
            " AND ro.run_id >= (SELECT IFNULL(MIN(id), 1 << 62) FROM runs WHERE started >= ?)"
            " AND r.started >= ?"
        )
        params += [query.since, query.since]
    if query.until:
        sql += " AND r.started < ?"
        params.append(query.until)
    return db.execute(sql, params).fetchall()


def _last_run(
    db: sqlite3.Connection, outlet: str, query: OutletQuery, condition: str
) -> sqlite3.Row | None:
    """The outlet's newest run (started before ``until``) that meets ``condition``."""
    until = "AND r.started < ?" if query.until else ""
    params = (outlet, query.until) if query.until else (outlet,)
    return db.execute(
        "SELECT ro.*, r.started, r.finished FROM run_outlets ro JOIN runs r ON r.id = ro.run_id "
        f"WHERE ro.outlet = ? {until} {condition} ORDER BY ro.run_id DESC LIMIT 1",
        params,
    ).fetchone()


def _run_time(run: sqlite3.Row | None) -> str | None:
    return None if run is None else (run["finished"] or run["started"])


def _lengths(db: sqlite3.Connection, where: str, params: tuple[Any, ...], limit: int) -> list[int]:
    """Body lengths of the newest ``limit`` articles matching ``where`` (an index range)."""
    rows = db.execute(
        f"SELECT length(text) FROM articles {where} ORDER BY sort_time DESC LIMIT ?",
        (*params, limit),
    )
    return [row[0] for row in rows]


def _distinct(db: sqlite3.Connection, table: str, column: str) -> Iterator[str]:
    """Distinct values of an indexed leading column, by skip-scan (one seek per value)."""
    value = db.execute(f"SELECT MIN({column}) FROM {table}").fetchone()[0]
    while value is not None:
        yield value
        value = db.execute(
            f"SELECT MIN({column}) FROM {table} WHERE {column} > ?", (value,)
        ).fetchone()[0]


def _period_clause(
    query: OutletQuery, start: str = "sort_time", end: str = "sort_time"
) -> tuple[str, tuple[str, ...]]:
    """`` AND start >= since AND end < until`` for the bounds ``query`` has, and their values."""
    clause, params = "", []
    if query.since:
        clause += f" AND {start} >= ?"
        params.append(query.since)
    if query.until:
        clause += f" AND {end} < ?"
        params.append(query.until)
    return clause, tuple(params)


def _in_period(sort_time: str, query: OutletQuery) -> bool:
    return (query.since is None or sort_time >= query.since) and (
        query.until is None or sort_time < query.until
    )


def _median(values: list[int]) -> int | None:
    return int(statistics.median(values)) if values else None


# -- rendering ------------------------------------------------------------------------------


def render_clusters(
    records: list[dict[str, Any]],
    fmt: str,
    scope: dict[str, Any] | None = None,
    width: int | None = None,
) -> str:
    """Cluster records as ``table``, ``json``, ``csv``, ``markdown`` or ``html`` text.

    With ``scope`` (:func:`crawler.report.query.scope`) the period and filters head every
    format (JSON: ``{"scope": ..., "clusters": [...]}``); ``width`` is the table's (default:
    :func:`table_width`).
    """
    if fmt == "html":
        from crawler.report.html import clusters_html

        return clusters_html(
            records, copy_matrix(records), describe(scope) if scope is not None else None
        )
    if fmt == "json":
        return _json(records if scope is None else {"scope": scope, "clusters": records})
    if fmt == "table":
        return _clusters_table(records, width or table_width(), scope)
    renderers = {"csv": _clusters_csv, "markdown": _clusters_markdown}
    return _pick(renderers, fmt)(records, scope)


def render(records: list[dict[str, Any]], fmt: str) -> str:
    """Cluster records in one of :data:`FORMATS` (the name the demo command uses)."""
    return render_clusters(records, fmt)


def render_outlets(report: dict[str, Any], fmt: str, width: int | None = None) -> str:
    """An :func:`outlet_report` as ``table``, ``json``, ``csv``, ``markdown`` or ``html`` text."""
    if fmt == "html":
        from crawler.report.html import outlets_html

        return outlets_html(report)
    if fmt == "table":
        return _outlets_table(report, width or table_width())
    renderers = {"json": _json, "csv": _outlets_csv, "markdown": _outlets_markdown}
    return _pick(renderers, fmt)(report)


def table_width() -> int:
    """The table's width: ``COLUMNS``, else the terminal's, else (not a terminal)
    ``DEFAULT_WIDTH``; never below ``MIN_WIDTH``."""
    import os
    import shutil
    import sys

    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        width = int(columns)
    elif sys.stdout.isatty():
        width = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    else:
        width = DEFAULT_WIDTH
    return max(width, MIN_WIDTH)


def _pick(renderers: dict[str, Any], fmt: str) -> Any:
    if fmt not in renderers:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return renderers[fmt]


def _json(data: Any) -> str:
    return escape.json_text(json.dumps(data, ensure_ascii=False, indent=2)) + "\n"


# The member line's columns in the table: time, lag, outlet (as wide as the longest label, within
# bounds), similarity, copies; the title takes what is left. Below WIDE (with the narrowest outlet
# column), a member takes two lines: time, lag and outlet, then similarity, copies and title.
_TIME, _LAG, _SIM, _COPIES = 27, 9, 9, 30
_OUTLET_MIN, _OUTLET_MAX = 18, 30
_TITLE_MIN = 20
DEFAULT_WIDTH = 136  # not a terminal (a pipe, a file): room for the one-line layout
MIN_WIDTH = 40


def _fixed(outlet_width: int) -> int:
    """The width of a member line without its title."""
    return 2 + _TIME + 1 + _LAG + 2 + outlet_width + 1 + _SIM + 1 + _COPIES + 1


def _clusters_table(
    records: list[dict[str, Any]], width: int = DEFAULT_WIDTH, scope: dict[str, Any] | None = None
) -> str:
    lines: list[str] = [*_wrap(f"clusters: {describe(scope)}", width), ""] if scope else []
    if not records:
        return "\n".join([*lines, "no clusters"]) + "\n"
    labels = [len(_outlet(m)) for r in records for m in r["members"]]
    outlet_width = min(max([_OUTLET_MIN, *labels]), _OUTLET_MAX)
    while outlet_width > _OUTLET_MIN and _fixed(outlet_width) + _TITLE_MIN > width:
        outlet_width -= 1
    for record in records:
        head = f"cluster {record['id']}  size {record['size']}  outlets {len(record['outlets'])}  "
        title = _clip(record["title"] or "(no title)", max(width - len(head), 10))
        lines.append(escape.terminal(head, keep_newlines=False) + title)
        for member in record["members"]:
            lines.extend(_member_lines(record, member, width, outlet_width))
        lines.append("")
    lines += _wrap(f"origin: {ORIGIN_RULE}; * = fetch time (no published time)", width)
    lines += _wrap(COPY_LEGEND, width)
    return "\n".join(lines) + "\n"


def _outlet(member: dict[str, Any]) -> str:
    return escape.terminal(
        outlet_label(member["outlet"], member.get("outlet_name")), keep_newlines=False
    )


def _member_lines(
    record: dict[str, Any], member: dict[str, Any], width: int, outlet_width: int = _OUTLET_MIN
) -> list[str]:
    """A member's table row: one line when the width allows, else two."""
    sim = "origin" if member["id"] == record["origin"] else _similarity(member)
    lag = format_lag(member["lag_seconds"])
    title = member["title"] or member["url"]
    fixed = _fixed(outlet_width)
    if width >= fixed + _TITLE_MIN:
        return [
            f"  {_time_label(member):{_TIME}} {lag:>{_LAG}}  "
            f"{_clip(_outlet(member), outlet_width):{outlet_width}} {sim:{_SIM}} "
            f"{_clip(copy_label(member), _COPIES):{_COPIES}} {_clip(title, width - fixed)}"
        ]
    figures = f"  {_time_label(member)} {lag:>7}  "
    copies = copy_label(member)
    second = f"{sim}  {copies}: {title}" if copies else f"{sim}  {title}"
    return [
        figures + _clip(_outlet(member), max(width - len(figures), 1)),
        "      " + _clip(second, max(width - 6, 1)),
    ]


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(
        escape.terminal(text, keep_newlines=False), width, break_on_hyphens=False
    ) or [""]


def _scope_comment(scope: dict[str, Any] | None, what: str) -> str:
    """The CSV's first line: ``# clusters: period ...; filters: ...`` (pandas: comment="#")."""
    if scope is None:
        return ""
    return "# " + escape.terminal(f"{what}: {describe(scope)}", keep_newlines=False) + "\n"


def _clusters_csv(records: list[dict[str, Any]], scope: dict[str, Any] | None = None) -> str:
    columns = [
        "cluster",
        "cluster_size",
        "origin",
        "is_origin",
        "id",
        "outlet",
        "outlet_name",
        "time",
        "time_source",
        "lag_seconds",
        "similarity",
        "copy_of",
        "copy_similarity",
        "source",
        "from_source",
        "url",
        "title",
    ]
    rows = (
        {
            "cluster": r["id"],
            "cluster_size": r["size"],
            "origin": r["origin"],
            "is_origin": int(m["id"] == r["origin"]),
            **{c: m.get(c) for c in columns[4:]},
            "similarity": format_similarity(m["similarity"]),
            "copy_similarity": format_similarity(m["copy_similarity"]),
        }
        for r in records
        for m in r["members"]
    )
    return _scope_comment(scope, "clusters") + _csv(columns, rows)


def _clusters_markdown(records: list[dict[str, Any]], scope: dict[str, Any] | None = None) -> str:
    parts = [f"_Clusters: {_md(describe(scope))}_\n"] if scope is not None else []
    if not records:
        return "\n".join([*parts, "No clusters."]) + "\n"
    for record in records:
        origin = outlet_label(record["origin_outlet"], record.get("origin_outlet_name"))
        parts.append(
            f"## {_md(record['title'] or '(no title)')}\n\n"
            f"Cluster `{record['id']}`: {record['size']} articles from "
            f"{len(record['outlets'])} outlets; origin `{record['origin']}` "
            f"({_md(origin)}, by {record['origin_time_source']} time).\n\n"
            "| time | lag | outlet | similarity | copies | title |\n"
            "|---|---|---|---|---|---|"
        )
        for m in record["members"]:
            sim = "origin" if m["id"] == record["origin"] else _similarity(m)
            outlet = _md(outlet_label(m["outlet"], m.get("outlet_name")))
            parts.append(
                f"| {_time_label(m)} | {format_lag(m['lag_seconds'])} | {outlet} "
                f"| {sim} | {_md(copy_label(m))} "
                f"| {escape.markdown_link(m['title'] or m['url'], m['url'])} |"
            )
        parts.append("")
    parts.append(
        f"Origin: {ORIGIN_RULE}. `*`: fetch time, the page gave no published time. {COPY_LEGEND}"
    )
    return "\n".join(parts) + "\n"


_OUTLET_COLUMNS = (
    "outlet",
    "articles",
    "copies_published",
    "copied_by_others",
    "runs",
    "last_successful_crawl",
    "median_body_chars",
    "usual_body_chars",
)


def _outlets_table(report: dict[str, Any], width: int = DEFAULT_WIDTH) -> str:
    lines = [*_wrap(f"outlets: {describe(report['scope'])}", width), ""]
    if not report["outlets"]:
        return "\n".join([*lines, "no outlets"]) + "\n"
    head = ["outlet", "articles", "copies", "copied", "runs", "last ok crawl", "body", "usual"]
    columns = [
        [head[0], *(outlet_label(o["outlet"], o.get("name")) for o in report["outlets"])],
        *(
            [title, *(str(o[c]) if o[c] is not None else "-" for o in report["outlets"])]
            for title, c in zip(head[1:], _OUTLET_COLUMNS[1:], strict=True)
        ),
    ]
    widths = [max(map(len, column)) for column in columns]
    # a narrow terminal: the body lengths go first, then the run count (the alarms say what
    # matters of them), so that a row fits
    for dropped in ("usual", "body", "runs"):
        if sum(widths) + 2 * len(widths) <= width:
            break
        at = [column[0] for column in columns].index(dropped)
        del columns[at], widths[at]
    failures = ["failures / alarms"] + [
        escape.terminal(_failure_text(o), keep_newlines=False) for o in report["outlets"]
    ]
    for n, last in enumerate(failures):
        row = [column[n] for column in columns]
        line = "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + "  "
        # the failures wrap in their column, or under the row when the width leaves no room
        room = width - len(line)
        indent = len(line) if room >= 30 else 4
        parts = _wrap(last, width - indent)
        first = parts.pop(0) if room >= 30 else ""
        lines.append(escape.terminal(line, keep_newlines=False) + first)
        lines += [" " * indent + part for part in parts]
    lines += _wrap(
        "copies = its copies of others' stories, copied = others' copies of its stories", width
    )
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _outlets_csv(report: dict[str, Any]) -> str:
    columns = ["outlet", "name", *_OUTLET_COLUMNS[1:], "failures", "alarms"]
    rows = (
        {
            **{c: o.get(c) for c in columns[:-2]},
            "failures": "; ".join(f"{k}={n}" for k, n in o["failures"].items()),
            "alarms": "; ".join(f"{a['kind']}: {a['detail']}" for a in o["alarms"]),
        }
        for o in report["outlets"]
    )
    return _scope_comment(report["scope"], "outlets") + _csv(columns, rows)


def _outlets_markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Outlets, {report['since'] or 'start'} .. {report['until'] or 'now'}",
        "",
        f"_{_md(describe(report['scope']))}_",
        "",
        "| outlet | articles | copies of others | copied by others | runs | "
        "last successful crawl | median body | usual body | failures / alarms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for o in report["outlets"]:
        cells = [
            _md(outlet_label(o["outlet"], o.get("name"))),
            *["-" if o[c] is None else str(o[c]) for c in _OUTLET_COLUMNS[1:]],
        ]
        lines.append("| " + " | ".join([*cells, _md(_failure_text(o))]) + " |")
    return "\n".join(lines) + "\n"


def _failure_text(outlet: dict[str, Any]) -> str:
    alarms = [f"ALARM {a['kind']}: {a['detail']}" for a in outlet["alarms"]]
    failures = [f"{k}={n}" for k, n in outlet["failures"].items()]
    return "; ".join(alarms + failures) or "ok"


def _csv(columns: list[str], rows: Iterable[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: escape.csv_cell(v) for k, v in row.items()} for row in rows)
    return buffer.getvalue()


def _similarities_to(archive: Archive, origin_id: str, member_ids: list[str]) -> dict[str, float]:
    """Each member's similarity to the origin, from the signatures stored with the articles.

    A signature made with other dedup parameters (an archive from an older newsmon) is left out.
    """
    from dedup import DedupConfig, DedupError, Signature

    if not member_ids:
        return {}
    marks = ",".join("?" * (len(member_ids) + 1))
    blobs = dict(
        _connection(archive).execute(
            f"SELECT id, signature FROM articles WHERE id IN ({marks})", [origin_id, *member_ids]
        )
    )
    cfg = DedupConfig()
    try:
        origin = Signature.from_bytes(blobs.get(origin_id) or b"", cfg)
    except DedupError:
        return {}
    found: dict[str, float] = {}
    for member_id in member_ids:
        try:
            found[member_id] = _rounded(
                origin.similarity(Signature.from_bytes(blobs[member_id] or b"", cfg))
            )
        except DedupError:
            continue
    return found


def _similarity(member: dict[str, Any]) -> str:
    text = format_similarity(member["similarity"])
    return f"sim {text}" if text else ""


def _time_label(member: dict[str, Any]) -> str:
    return member["time"] + ("*" if member["time_source"] == "fetched" else "")


def _md(text: str) -> str:
    return escape.markdown_text(text)


def _origin_key(row: sqlite3.Row) -> tuple[str, str, str]:
    return (row["sort_time"], utc_iso(row["fetched"]), row["id"])


def _rounded(value: float | None) -> float | None:
    """Similarities carry 2 decimals in every format (SIMILARITY_DECIMALS)."""
    return None if value is None else round(value, SIMILARITY_DECIMALS)


def _clip(text: str, width: int) -> str:
    text = escape.terminal(" ".join(text.split()), keep_newlines=False)
    return text if len(text) <= width else text[: max(width - 1, 1)] + "…"
