"""Reports: the archive's clusters and outlets as tables, JSON, CSV, Markdown and HTML.

:mod:`~crawler.report.reports` holds the queries and the text renderers, :mod:`~crawler.report.html`
the HTML page. Both read the archive read-only.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "COPY_LEGEND",
    "FORMATS",
    "ORIGIN_RULE",
    "copy_label",
    "format_lag",
    "format_similarity",
    "outlet_label",
]

# The report formats (``--format``); light here so that the CLI lists them without the queries.
FORMATS = ("table", "json", "csv", "markdown", "html")

COPY_LEGEND = (
    "copies X: the earlier-published member it most likely copies (by publication "
    "time); both from S: it and an earlier member credit the same source S, and "
    "copied it rather than each other; repost (same outlet): its outlet published it "
    "again (another URL)"
)
ORIGIN_RULE = (
    "earliest time wins: the published time, or the fetch time for a member whose "
    "page gave none; ties go to the earlier fetch, then the smaller article id"
)


def copy_label(member: dict[str, Any]) -> str:
    """What a member copies, in words: ``copies osh24``, ``repost (same outlet)``, ``both from
    AFP`` or, for a member that copies none and credits a source, ``from AFP``; empty
    otherwise."""
    if member["copy_of"] and member["copy_of_outlet"] == member.get("outlet"):
        return "repost (same outlet)"
    if member["copy_of"]:
        return f"copies {member['copy_of_outlet'] or member['copy_of']}"
    if member["from_source"]:
        return f"both from {member['from_source']}"
    return f"from {member['source']}" if member["source"] else ""


def format_lag(seconds: int | None) -> str:
    """A lag behind the origin: ``+0``, ``+45m``, ``+3h05m``, ``+3d04h`` (``?`` when unknown).

    Example:
        >>> [format_lag(s) for s in (0, 2700, 11100, 273600, -60, None)]
        ['+0', '+45m', '+3h05m', '+3d04h', '-1m', '?']
    """
    if seconds is None:
        return "?"
    if seconds == 0:
        return "+0"
    sign = "+" if seconds > 0 else "-"
    days, rest = divmod(abs(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        return f"{sign}{days}d{hours:02d}h"
    return f"{sign}{hours}h{rest // 60:02d}m" if hours else f"{sign}{rest // 60}m"


def format_similarity(value: float | None) -> str:
    """A similarity as text, with the 2 decimals every format uses (empty when unknown)."""
    return "" if value is None else f"{value:.2f}"


def outlet_label(outlet: str, name: str | None) -> str:
    """An outlet id with its registry name beside it: ``kabar (Kabar)``; the id alone when the
    registry has no other name for it."""
    return f"{outlet} ({name})" if name and name != outlet else outlet
