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
from crawler.report import COPY_LEGEND, FORMATS, ORIGIN_RULE, copy_label, format_lag
from crawler.store.archive import Archive
from crawler.times import parse_iso, utc_iso

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

_CLUSTER_COLUMNS = ("id, outlet, url, title, published, fetched, sort_time, language, "
                    "source, copy_of, similarity")


@dataclass(frozen=True, slots=True)
class ClusterQuery:
    """Which clusters a report covers.

    Args:
        since: only clusters with a member at or after this UTC ISO time.
        until: only clusters with a member before this UTC ISO time.
        outlets: only clusters with a member from one of these outlets.
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


def _connection(archive: Archive) -> sqlite3.Connection:
    return archive.connection


def _contains_words(haystack: str | None, words: str) -> bool:
    """SQL function: every word of ``words`` (NUL-separated, casefolded) is in ``haystack``."""
    if not haystack:
        return False
    folded = haystack.casefold()
    return all(word in folded for word in words.split("\0"))


def cluster_records(archive: Archive, query: ClusterQuery) -> list[dict[str, Any]]:
    """The Cluster records of the clusters that match ``query``, biggest first.

    Args:
        archive: the archive to read.
        query: period, outlets, languages, minimum size, words, how many.

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
    for column, values in (("outlet", query.outlets), ("language", query.languages)):
        if values:
            sql.append(f"AND EXISTS (SELECT 1 FROM articles a WHERE a.cluster = c.id "
                       f"AND a.{column} IN ({','.join('?' * len(values))}))")
            params.extend(values)
    words = (query.query or "").casefold().split()
    if words:
        db.create_function("newsmon_contains", 2, _contains_words, deterministic=True)
        sql.append("AND EXISTS (SELECT 1 FROM articles a WHERE a.cluster = c.id AND "
                   "(newsmon_contains(a.title, ?) OR newsmon_contains(a.text, ?)))")
        params.extend(["\0".join(words)] * 2)
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
    rows = _connection(archive).execute(
        f"SELECT {_CLUSTER_COLUMNS} FROM articles WHERE cluster = ?", (cluster_id,)).fetchall()
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
        members.append({
            "id": row["id"], "outlet": row["outlet"], "url": row["url"], "title": row["title"],
            "published": row["published"], "fetched": row["fetched"], "time": row["sort_time"],
            "time_source": "published" if row["published"] else "fetched",
            "lag_seconds": None if moment is None or origin_time is None
            else int(moment.timestamp() - origin_time.timestamp()),
            "language": row["language"],
            "similarity": 1.0 if is_origin else to_origin.get(
                row["id"], _rounded(row["similarity"]) if row["copy_of"] == origin["id"]
                else None),
            "source": row["source"],
            "copy_of": row["copy_of"],
            "copy_of_outlet": outlet_of.get(row["copy_of"]),
            "copy_similarity": _rounded(row["similarity"]),
            "from_source": _shared_source(row, ordered[:position]),
        })
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
            if (source is not None and source != member["outlet"]
                    and (counted is None or member["id"] in counted)):
                matrix[source][member["outlet"]] += 1
    return {source: dict(sorted(row.items())) for source, row in sorted(matrix.items())}


# -- the outlet report ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OutletQuery:
    """Which period and outlets an outlet report covers (UTC ISO times; None: unbounded)."""

    since: str | None = None
    until: str | None = None
    outlets: tuple[str, ...] = ()


def outlet_report(archive: Archive, query: OutletQuery) -> dict[str, Any]:
    """Per-outlet health and copying over a period.

    Returns:
        ``{"since", "until", "outlets": [...], "copy_matrix": {A: {B: n}}}``; each outlet has
        ``articles`` (in the period), ``copies_published`` (its members of others' stories),
        ``copied_by_others`` (others' members of its stories), ``failures`` (by kind, over the
        runs of the period), ``runs``, ``last_run``, ``last_successful_crawl``, the median body
        lengths (``median_body_chars`` of its newest articles in the period,
        ``usual_body_chars`` before it) and ``alarms`` (``kind`` plus ``detail``).
    """
    db = _connection(archive)
    matrix = _period_copy_matrix(db, query)
    outlet_ids = list(query.outlets) or sorted(
        set(_distinct(db, "articles", "outlet")) | set(_distinct(db, "run_outlets", "outlet")))
    rows = [_outlet_row(db, outlet, query, matrix) for outlet in outlet_ids]
    shown = set(outlet_ids)
    pairs = {source: {copier: n for copier, n in row.items()
                      if source in shown or copier in shown} for source, row in matrix.items()}
    return {"since": query.since, "until": query.until, "outlets": rows,
            "copy_matrix": {source: row for source, row in pairs.items() if row}}


def _period_copy_matrix(db: sqlite3.Connection, query: OutletQuery) -> dict[str, dict[str, int]]:
    """The copy matrix over the clusters active in the period (members inside it counted)."""
    sql = ("SELECT cluster, id, outlet, sort_time, fetched, copy_of FROM articles "
           "WHERE cluster IN (SELECT id FROM clusters WHERE size >= 2")
    params: list[Any] = []
    if query.since:
        sql += " AND last_published >= ?"
        params.append(query.since)
    if query.until:
        sql += " AND first_published < ?"
        params.append(query.until)
    clusters: dict[str, list[sqlite3.Row]] = defaultdict(list)
    for row in db.execute(sql + ")", params):
        clusters[row["cluster"]].append(row)
    records = [{"members": members,
                "counted": {m["id"] for m in members if _in_period(m["sort_time"], query)}}
               for members in clusters.values()]
    return copy_matrix(records)


def _outlet_row(db: sqlite3.Connection, outlet: str, query: OutletQuery,
                matrix: dict[str, dict[str, int]]) -> dict[str, Any]:
    period, params = _period_clause(query)
    articles = db.execute(f"SELECT COUNT(*) FROM articles WHERE outlet = ? {period}",
                          (outlet, *params)).fetchone()[0]
    recent = _lengths(db, f"WHERE outlet = ? {period}", (outlet, *params), PERIOD_SAMPLE)
    usual = (_lengths(db, "WHERE outlet = ? AND sort_time < ?", (outlet, query.since),
                      HISTORY_SAMPLE) if query.since else [])
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
        "failures": _failures(runs),
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
        alarms.append({"kind": "no-articles", "detail": (
            f"last crawl ({_run_time(last)}) found {last['links']} links, fetched "
            f"{last['requested']} pages and stored no article")})
    if last is not None and last["sources"] > 0 and last["sources_failed"] >= last["sources"]:
        alarms.append({"kind": "unreachable", "detail": (
            f"last crawl ({_run_time(last)}): all {last['sources']} sources failed")})
    now, before = _median(recent), _median(usual)
    if (len(recent) >= MIN_PERIOD_ARTICLES and len(usual) >= MIN_HISTORY_ARTICLES
            and now is not None and before and now < COLLAPSE_RATIO * before):
        alarms.append({"kind": "body-collapse", "detail": (
            f"median body {now} chars over the last {len(recent)} articles, against "
            f"{before} before the period ({now / before:.0%})")})
    return alarms


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
    sql = ("SELECT ro.*, r.started, r.finished FROM run_outlets ro JOIN runs r ON r.id = ro.run_id "
           "WHERE ro.outlet = ?")
    params: list[Any] = [outlet]
    if query.since:
        # run ids grow with their start time: bound the (outlet, run_id) index range by the first
        # run of the period (one pass over the small runs table) instead of reading every run
        sql += (" AND ro.run_id >= (SELECT IFNULL(MIN(id), 1 << 62) FROM runs WHERE started >= ?)"
                " AND r.started >= ?")
        params += [query.since, query.since]
    if query.until:
        sql += " AND r.started < ?"
        params.append(query.until)
    return db.execute(sql, params).fetchall()


def _last_run(db: sqlite3.Connection, outlet: str, query: OutletQuery,
              condition: str) -> sqlite3.Row | None:
    """The outlet's newest run (started before ``until``) that meets ``condition``."""
    until = "AND r.started < ?" if query.until else ""
    params = (outlet, query.until) if query.until else (outlet,)
    return db.execute(
        "SELECT ro.*, r.started, r.finished FROM run_outlets ro JOIN runs r ON r.id = ro.run_id "
        f"WHERE ro.outlet = ? {until} {condition} ORDER BY ro.run_id DESC LIMIT 1",
        params).fetchone()


def _run_time(run: sqlite3.Row | None) -> str | None:
    return None if run is None else (run["finished"] or run["started"])


def _lengths(db: sqlite3.Connection, where: str, params: tuple[Any, ...], limit: int) -> list[int]:
    """Body lengths of the newest ``limit`` articles matching ``where`` (an index range)."""
    rows = db.execute(f"SELECT length(text) FROM articles {where} "
                      "ORDER BY sort_time DESC LIMIT ?", (*params, limit))
    return [row[0] for row in rows]


def _distinct(db: sqlite3.Connection, table: str, column: str) -> Iterator[str]:
    """Distinct values of an indexed leading column, by skip-scan (one seek per value)."""
    value = db.execute(f"SELECT MIN({column}) FROM {table}").fetchone()[0]
    while value is not None:
        yield value
        value = db.execute(f"SELECT MIN({column}) FROM {table} WHERE {column} > ?",
                           (value,)).fetchone()[0]


def _period_clause(query: OutletQuery) -> tuple[str, tuple[str, ...]]:
    clause, params = "", []
    if query.since:
        clause += " AND sort_time >= ?"
        params.append(query.since)
    if query.until:
        clause += " AND sort_time < ?"
        params.append(query.until)
    return clause, tuple(params)


def _in_period(sort_time: str, query: OutletQuery) -> bool:
    return ((query.since is None or sort_time >= query.since)
            and (query.until is None or sort_time < query.until))


def _median(values: list[int]) -> int | None:
    return int(statistics.median(values)) if values else None


# -- rendering ------------------------------------------------------------------------------


def render_clusters(records: list[dict[str, Any]], fmt: str) -> str:
    """Cluster records as ``table``, ``json``, ``csv``, ``markdown`` or ``html`` text."""
    if fmt == "html":
        from crawler.report.html import clusters_html

        return clusters_html(records, copy_matrix(records))
    renderers = {"table": _clusters_table, "json": _json, "csv": _clusters_csv,
                 "markdown": _clusters_markdown}
    return _pick(renderers, fmt)(records)


def render(records: list[dict[str, Any]], fmt: str) -> str:
    """Cluster records in one of :data:`FORMATS` (the name the demo command uses)."""
    return render_clusters(records, fmt)


def render_outlets(report: dict[str, Any], fmt: str) -> str:
    """An :func:`outlet_report` as ``table``, ``json``, ``csv``, ``markdown`` or ``html`` text."""
    if fmt == "html":
        from crawler.report.html import outlets_html

        return outlets_html(report)
    renderers = {"table": _outlets_table, "json": _json, "csv": _outlets_csv,
                 "markdown": _outlets_markdown}
    return _pick(renderers, fmt)(report)


def _pick(renderers: dict[str, Any], fmt: str) -> Any:
    if fmt not in renderers:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return renderers[fmt]


def _json(data: Any) -> str:
    return escape.json_text(json.dumps(data, ensure_ascii=False, indent=2)) + "\n"


def _clusters_table(records: list[dict[str, Any]], width: int = 136) -> str:
    lines: list[str] = []
    for record in records:
        title = _clip(record["title"] or "(no title)", width - 40)
        lines.append(f"cluster {record['id']}  size {record['size']}  "
                     f"outlets {len(record['outlets'])}  {title}")
        for member in record["members"]:
            sim = "origin" if member["id"] == record["origin"] else _similarity(member)
            lines.append(f"  {_time_label(member):27} {format_lag(member['lag_seconds']):>9}  "
                         f"{member['outlet']:18} {sim:9} {_clip(copy_label(member), 30):30} "
                         f"{_clip(member['title'] or member['url'], width - 101)}")
        lines.append("")
    if not lines:
        return "no clusters\n"
    lines.append(f"origin: {ORIGIN_RULE}; * = fetch time (no published time)")
    lines.append(COPY_LEGEND)
    return "\n".join(lines) + "\n"


def _clusters_csv(records: list[dict[str, Any]]) -> str:
    columns = ["cluster", "cluster_size", "origin", "is_origin", "id", "outlet", "time",
               "time_source", "lag_seconds", "similarity", "copy_of", "copy_similarity",
               "source", "from_source", "url", "title"]
    rows = ({"cluster": r["id"], "cluster_size": r["size"], "origin": r["origin"],
             "is_origin": int(m["id"] == r["origin"]), **{c: m[c] for c in columns[4:]}}
            for r in records for m in r["members"])
    return _csv(columns, rows)


def _clusters_markdown(records: list[dict[str, Any]]) -> str:
    if not records:
        return "No clusters.\n"
    parts = []
    for record in records:
        parts.append(f"## {_md(record['title'] or '(no title)')}\n\n"
                     f"Cluster `{record['id']}`: {record['size']} articles from "
                     f"{len(record['outlets'])} outlets; origin `{record['origin']}` "
                     f"({record['origin_outlet']}, by {record['origin_time_source']} time).\n\n"
                     "| time | lag | outlet | similarity | copies | title |\n"
                     "|---|---|---|---|---|---|")
        for m in record["members"]:
            sim = "origin" if m["id"] == record["origin"] else _similarity(m)
            parts.append(f"| {_time_label(m)} | {format_lag(m['lag_seconds'])} | {m['outlet']} "
                         f"| {sim} | {_md(copy_label(m))} "
                         f"| {escape.markdown_link(m['title'] or m['url'], m['url'])} |")
        parts.append("")
    parts.append(f"Origin: {ORIGIN_RULE}. `*`: fetch time, the page gave no published time. "
                 f"{COPY_LEGEND}")
    return "\n".join(parts) + "\n"


_OUTLET_COLUMNS = ("outlet", "articles", "copies_published", "copied_by_others", "runs",
                   "last_successful_crawl", "median_body_chars", "usual_body_chars")


def _outlets_table(report: dict[str, Any]) -> str:
    if not report["outlets"]:
        return "no outlets\n"
    head = ["outlet", "articles", "copies", "copied", "runs", "last ok crawl", "body",
            "usual", "failures / alarms"]
    body = [[str(v) if v is not None else "-" for v in (o[c] for c in _OUTLET_COLUMNS)]
            + [escape.terminal(_failure_text(o), keep_newlines=False)] for o in report["outlets"]]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head) - 1)]
    lines = ["  ".join(c.ljust(w) for c, w in zip([*row[:-1]], widths, strict=True)) + "  "
             + row[-1] for row in [head, *body]]
    period = f"{report['since'] or 'start'} .. {report['until'] or 'now'}"
    lines.append(f"period {period}; copies = its copies of others' stories, "
                 "copied = others' copies of its stories")
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _outlets_csv(report: dict[str, Any]) -> str:
    columns = [*_OUTLET_COLUMNS, "failures", "alarms"]
    rows = ({**{c: o[c] for c in _OUTLET_COLUMNS},
             "failures": "; ".join(f"{k}={n}" for k, n in o["failures"].items()),
             "alarms": "; ".join(f"{a['kind']}: {a['detail']}" for a in o["alarms"])}
            for o in report["outlets"])
    return _csv(columns, rows)


def _outlets_markdown(report: dict[str, Any]) -> str:
    lines = [f"# Outlets, {report['since'] or 'start'} .. {report['until'] or 'now'}", "",
             "| outlet | articles | copies of others | copied by others | runs | "
             "last successful crawl | median body | usual body | failures / alarms |",
             "|---|---|---|---|---|---|---|---|---|"]
    for o in report["outlets"]:
        cells = ["-" if o[c] is None else str(o[c]) for c in _OUTLET_COLUMNS]
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
    blobs = dict(_connection(archive).execute(
        f"SELECT id, signature FROM articles WHERE id IN ({marks})", [origin_id, *member_ids]))
    cfg = DedupConfig()
    try:
        origin = Signature.from_bytes(blobs.get(origin_id) or b"", cfg)
    except DedupError:
        return {}
    found: dict[str, float] = {}
    for member_id in member_ids:
        try:
            found[member_id] = origin.similarity(Signature.from_bytes(blobs[member_id] or b"", cfg))
        except DedupError:
            continue
    return found


def _similarity(member: dict[str, Any]) -> str:
    if member["similarity"] is None:
        return ""
    return f"sim {member['similarity']:.2f}"


def _time_label(member: dict[str, Any]) -> str:
    return member["time"] + ("*" if member["time_source"] == "fetched" else "")


def _md(text: str) -> str:
    return escape.markdown_text(text)


def _origin_key(row: sqlite3.Row) -> tuple[str, str, str]:
    return (row["sort_time"], utc_iso(row["fetched"]), row["id"])


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _clip(text: str, width: int) -> str:
    text = escape.terminal(" ".join(text.split()), keep_newlines=False)
    return text if len(text) <= width else text[: max(width - 1, 1)] + "…"
