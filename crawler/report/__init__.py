"""Reports: the archive's clusters and outlets as tables, JSON, CSV, Markdown and HTML.

:mod:`~crawler.report.reports` holds the queries and the text renderers, :mod:`~crawler.report.html`
the HTML page. Both read the archive read-only.
"""

from __future__ import annotations

__all__ = ["FORMATS", "ORIGIN_RULE", "format_lag"]

# The report formats (``--format``); light here so that the CLI lists them without the queries.
FORMATS = ("table", "json", "csv", "markdown", "html")

ORIGIN_RULE = ("earliest time wins: the published time, or the fetch time for a member whose "
               "page gave none; ties go to the earlier fetch, then the smaller article id")


def format_lag(seconds: int | None) -> str:
    """A lag behind the origin as ``+0``, ``+45m`` or ``+3h05m`` (``?`` when unknown)."""
    if seconds is None:
        return "?"
    if seconds == 0:
        return "+0"
    hours, rest = divmod(abs(seconds), 3600)
    sign = "+" if seconds > 0 else "-"
    return f"{sign}{hours}h{rest // 60:02d}m" if hours else f"{sign}{rest // 60}m"
