"""Cluster reports: Cluster records of DESIGN.md built from the archive, and their renderings.

``cluster_records`` gives plain data; ``render_*`` functions turn it into a table, JSON, ...
Nothing here prints: the report command does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from crawler.archive import Archive
from crawler.items import Article


@dataclass(frozen=True, slots=True)
class ClusterQuery:
    """Which clusters a report covers."""

    since: str | None = None
    min_size: int = 1
    limit: int | None = None


def cluster_records(archive: Archive, query: ClusterQuery,
                    similarity: Callable[[str, str], float | None] | None = None
                    ) -> list[dict[str, Any]]:
    """The Cluster records of the clusters that match ``query``, biggest first.

    Args:
        archive: the archive to read.
        query: period, minimum size, how many.
        similarity: ``f(origin_id, member_id)`` giving a member's similarity to the origin when
            the member was not linked to the origin directly; None leaves such members with the
            similarity to the member they were linked to.

    Returns:
        One dict per cluster: id, size, outlets, first_published, origin, title, members (each
        with id, outlet, url, title, published, lag_seconds, duplicate_of, similarity).
    """
    records = []
    for row in archive.cluster_rows(since=query.since, min_size=query.min_size,
                                    limit=query.limit):
        members = list(archive.articles(cluster=row["id"]))
        if members:
            records.append(cluster_record(row["id"], members, similarity))
    return records


def cluster_record(cluster_id: str, members: list[Article],
                   similarity: Callable[[str, str], float | None] | None = None
                   ) -> dict[str, Any]:
    """One Cluster record from its member articles (any order)."""
    ordered = sorted(members, key=_publication_key)
    origin = ordered[0]
    origin_time = _timestamp(origin.published or origin.fetched)
    member_rows = []
    for article in ordered:
        if article.id == origin.id:
            sim: float | None = 1.0
        elif article.duplicate_of == origin.id or similarity is None:
            sim = article.similarity
        else:
            sim = similarity(origin.id, article.id)
        moment = _timestamp(article.published or article.fetched)
        member_rows.append({
            "id": article.id, "outlet": article.outlet, "url": article.url,
            "title": article.title, "published": article.published,
            "lag_seconds": None if moment is None or origin_time is None
            else int(moment - origin_time),
            "duplicate_of": article.duplicate_of,
            "similarity": None if sim is None else round(sim, 3),
        })
    return {
        "id": cluster_id,
        "size": len(ordered),
        "outlets": sorted({a.outlet for a in ordered}),
        "first_published": origin.published or origin.fetched,
        "origin": origin.id,
        "origin_rule": "earliest published time; fetch time where a page gives none",
        "title": origin.title,
        "members": member_rows,
    }


def render(records: list[dict[str, Any]], fmt: str) -> str:
    """Render cluster records in one of the report formats (``table``, ``json``)."""
    renderers = {"table": render_table, "json": lambda r: render_json(r) + "\n"}
    if fmt not in renderers:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(renderers)}")
    return renderers[fmt](records)


def render_json(records: Iterable[dict[str, Any]]) -> str:
    """Cluster records as a JSON array."""
    return json.dumps(list(records), ensure_ascii=False, indent=2)


def render_table(records: Iterable[dict[str, Any]], width: int = 100) -> str:
    """Cluster records as a plain-text table, one block per cluster."""
    lines: list[str] = []
    for record in records:
        title = _clip(record["title"] or "(no title)", width - 20)
        lines.append(f"cluster {record['id']}  size {record['size']}  "
                     f"outlets {len(record['outlets'])}  {title}")
        for member in record["members"]:
            lag = _format_lag(member["lag_seconds"])
            sim = "origin" if member["id"] == record["origin"] else (
                f"sim {member['similarity']:.2f}" if member["similarity"] is not None else "")
            lines.append(f"  {member['published'] or '':25} {lag:>9}  {member['outlet']:18} "
                         f"{sim:9} {_clip(member['title'] or member['url'], width - 70)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n" if lines else "no clusters\n"


def _publication_key(article: Article) -> tuple[float, str]:
    moment = _timestamp(article.published or article.fetched)
    return (moment if moment is not None else float("inf"), article.id)


def _timestamp(value: str | None) -> float | None:
    from datetime import UTC, datetime

    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _format_lag(seconds: int | None) -> str:
    if seconds is None:
        return "?"
    if seconds == 0:
        return "+0"
    hours, rest = divmod(abs(seconds), 3600)
    sign = "+" if seconds > 0 else "-"
    return f"{sign}{hours}h{rest // 60:02d}m" if hours else f"{sign}{rest // 60}m"


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(width - 1, 1)] + "…"
