"""The HTML report: one self-contained file (inline CSS, SVG drawn here, no script, no network).

Two drawings:

- a timeline per cluster: one row per outlet, one dot per member placed by its lag behind the
  origin (``<svg class="timeline">``, dots ``<circle class="member">``, the origin's dot also has
  the ``origin`` class);
- the copy matrix: a row per outlet whose stories were copied, a column per outlet that copied,
  one ``<g class="cell">`` per pair holding a shaded ``rect`` and the count
  (``data-source``, ``data-copier``, ``data-count``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crawler.escape import html_href
from crawler.escape import html_text as escape  # every page-made string goes through it
from crawler.report import (
    COPY_LEGEND,
    ORIGIN_RULE,
    copy_label,
    format_lag,
    format_similarity,
    outlet_label,
)
from crawler.report.query import describe

# Geometry of the drawings, in SVG user units (the page scales them to its width).
TIMELINE_WIDTH = 900
TIMELINE_LABEL = 170  # room for the outlet names left of the time axis
TIMELINE_ROW = 26
TIMELINE_PAD = 30  # room under the rows for the axis labels
DOT_RADIUS = 6
CELL = 44
MATRIX_LABEL = 170  # room for the row labels (outlets copied from)
MATRIX_HEADER = 100  # room for the slanted column labels (outlets that copied)
MATRIX_RIGHT = 70  # room right of the last column, where its slanted label ends

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:960px;color:#222}
h1{font-size:1.5em}h2{font-size:1.15em;margin:1.6em 0 .3em}
.meta{color:#555;margin:.2em 0 .6em}
table{border-collapse:collapse;margin:.5em 0 1em;width:100%}
th,td{border-bottom:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
svg{max-width:100%;height:auto;display:block}
.axis{stroke:#999;stroke-width:1}.grid{stroke:#eee}
.member{fill:#3a6ea5;stroke:#fff;stroke-width:1.5}.member.origin{fill:#d9822b}
.label{font-size:12px;fill:#333}.tick{font-size:11px;fill:#777}
.cell rect{stroke:#fff}.cell text{font-size:12px;text-anchor:middle;dominant-baseline:middle}
.alarm{color:#b00020;font-weight:600}
"""


def clusters_html(
    records: list[dict[str, Any]], matrix: dict[str, dict[str, int]], scope: str | None = None
) -> str:
    """The cluster report as one HTML page: the period and filters (``scope``), the copy
    matrix, then a timeline per cluster."""
    parts = [f'<p class="meta scope">{escape(scope)}</p>'] if scope else []
    parts += [
        f'<p class="meta">{len(records)} clusters. Origin: {escape(ORIGIN_RULE)}. '
        f"{escape(COPY_LEGEND)}.</p>",
        "<h2>Who copies whom</h2>",
        matrix_svg(matrix),
    ]
    for record in records:
        parts.append(_cluster_section(record))
    return _page("newsmon clusters", parts)


def outlets_html(report: dict[str, Any]) -> str:
    """The outlet report as one HTML page: the per-outlet table, then the copy matrix."""
    rows = []
    for o in report["outlets"]:
        alarms = "".join(
            f'<div class="alarm">{escape(a["kind"])}: {escape(a["detail"])}</div>'
            for a in o["alarms"]
        )
        failures = ", ".join(f"{escape(k)}: {n}" for k, n in o["failures"].items())
        cells = [
            outlet_label(o["outlet"], o.get("name")),
            o["articles"],
            o["copies_published"],
            o["copied_by_others"],
            o["runs"],
            o["last_successful_crawl"],
            o["median_body_chars"],
            o["usual_body_chars"],
        ]
        rows.append(
            "<tr>"
            + "".join(f"<td>{_cell(c)}</td>" for c in cells)
            + f"<td>{alarms}{failures or ('' if alarms else 'none')}</td></tr>"
        )
    table = (
        '<table class="outlets"><tr><th>outlet</th><th>articles</th>'
        "<th>copies of others</th><th>copied by others</th><th>runs</th>"
        "<th>last successful crawl</th><th>median body</th><th>usual body</th>"
        "<th>failures and alarms</th></tr>" + "".join(rows) + "</table>"
    )
    return _page(
        "newsmon outlets",
        [
            f'<p class="meta scope">{escape(describe(report["scope"]))}</p>',
            table,
            "<h2>Who copies whom</h2>",
            matrix_svg(report["copy_matrix"]),
        ],
    )


def timeline_svg(record: dict[str, Any], shown: Callable[[str], str] = str) -> str:
    """One cluster's members over time: a row per outlet, a dot per member; ``shown`` writes a
    time (UTC ISO) as the page shows times (the dashboard: in its zone)."""
    outlets = list(dict.fromkeys(m["outlet"] for m in record["members"]))
    lags = [m["lag_seconds"] or 0 for m in record["members"]]
    span = max(max(lags), 1)
    plot = TIMELINE_WIDTH - TIMELINE_LABEL - 2 * DOT_RADIUS
    height = len(outlets) * TIMELINE_ROW + TIMELINE_PAD
    out = [
        f'<svg class="timeline" data-cluster="{escape(record["id"])}" '
        f'viewBox="0 0 {TIMELINE_WIDTH} {height}" width="{TIMELINE_WIDTH}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg" role="img">'
    ]
    for row, outlet in enumerate(outlets):
        y = row * TIMELINE_ROW + TIMELINE_ROW / 2
        out.append(
            f'<text class="label" x="{TIMELINE_LABEL - 8}" y="{y + 4}" '
            f'text-anchor="end">{escape(outlet)}</text>'
            f'<line class="grid" x1="{TIMELINE_LABEL}" x2="{TIMELINE_WIDTH}" '
            f'y1="{y}" y2="{y}"/>'
        )
    axis_y = len(outlets) * TIMELINE_ROW + 4
    out.append(
        f'<line class="axis" x1="{TIMELINE_LABEL}" x2="{TIMELINE_WIDTH}" '
        f'y1="{axis_y}" y2="{axis_y}"/>'
        f'<text class="tick" x="{TIMELINE_LABEL}" y="{axis_y + 16}">'
        f"{escape(shown(record['first_published']))}</text>"
        f'<text class="tick" x="{TIMELINE_WIDTH}" y="{axis_y + 16}" '
        f'text-anchor="end">{escape(format_lag(span))}</text>'
    )
    for member, lag in zip(record["members"], lags, strict=True):
        x = TIMELINE_LABEL + DOT_RADIUS + plot * lag / span
        y = outlets.index(member["outlet"]) * TIMELINE_ROW + TIMELINE_ROW / 2
        kind = "member origin" if member["id"] == record["origin"] else "member"
        tip = (
            f"{member['outlet']} {shown(member['time'])} ({member['time_source']}) "
            f"{format_lag(member['lag_seconds'])}: {member['title'] or member['url']}"
        )
        out.append(
            f'<circle class="{kind}" data-id="{escape(member["id"])}" '
            f'data-outlet="{escape(member["outlet"])}" cx="{x:.1f}" cy="{y}" '
            f'r="{DOT_RADIUS}"><title>{escape(tip)}</title></circle>'
        )
    out.append("</svg>")
    return "".join(out)


def matrix_svg(matrix: dict[str, dict[str, int]]) -> str:
    """The copy matrix: rows are the outlets copied from, columns the outlets that copied."""
    sources = sorted(matrix)
    copiers = sorted({c for row in matrix.values() for c in row})
    if not sources:
        return '<p class="meta">No copies in this report.</p>'
    top = max(n for row in matrix.values() for n in row.values())
    width = MATRIX_LABEL + CELL * len(copiers) + MATRIX_RIGHT
    height = MATRIX_HEADER + CELL * len(sources)
    out = [
        f'<svg class="matrix" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg" role="img">'
        f'<text class="tick" x="4" y="{MATRIX_HEADER - 6}">story from \u2193 / '
        "copied by \u2192</text>"
    ]
    for col, copier in enumerate(copiers):
        x = MATRIX_LABEL + CELL * col + CELL / 2
        out.append(
            f'<text class="label" transform="translate({x + 4},{MATRIX_HEADER - 8}) '
            f'rotate(-60)">{escape(copier)}</text>'
        )
    for row, source in enumerate(sources):
        y = MATRIX_HEADER + CELL * row
        out.append(
            f'<text class="label" x="{MATRIX_LABEL - 8}" y="{y + CELL / 2 + 4}" '
            f'text-anchor="end">{escape(source)}</text>'
        )
        for col, copier in enumerate(copiers):
            count = matrix[source].get(copier, 0)
            shade = 0.08 + 0.92 * count / top if count else 0.0
            x = MATRIX_LABEL + CELL * col
            out.append(
                f'<g class="cell" data-source="{escape(source)}" '
                f'data-copier="{escape(copier)}" data-count="{count}">'
                f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" '
                f'fill="rgba(58,110,165,{shade:.2f})"/>'
                + (f'<text x="{x + CELL / 2}" y="{y + CELL / 2}">{count}</text>' if count else "")
                + f"<title>{escape(copier)} copied {count} of {escape(source)}'s "
                "stories</title></g>"
            )
    out.append("</svg>")
    return "".join(out)


def _cluster_section(record: dict[str, Any]) -> str:
    members = "".join(
        f"<tr><td>{escape(m['time'])}{'*' if m['time_source'] == 'fetched' else ''}</td>"
        f"<td>{escape(format_lag(m['lag_seconds']))}</td>"
        f"<td>{escape(outlet_label(m['outlet'], m.get('outlet_name')))}</td>"
        f"<td>{'origin' if m['id'] == record['origin'] else _sim(m['similarity'])}</td>"
        f"<td>{escape(copy_label(m))}</td>"
        f"<td>{_link(m['title'] or m['url'], m['url'])}</td></tr>"
        for m in record["members"]
    )
    return (
        f'<section class="cluster" id="cluster-{escape(record["id"])}">'
        f"<h2>{escape(record['title'] or '(no title)')}</h2>"
        f'<p class="meta">Cluster {escape(record["id"])}: {record["size"]} articles, '
        f"{len(record['outlets'])} outlets; origin {escape(record['origin_outlet'])} "
        f"(by {escape(record['origin_time_source'])} time).</p>"
        + timeline_svg(record)
        + "<table><tr><th>time (UTC)</th><th>lag</th><th>outlet</th><th>similarity</th>"
        f"<th>copies</th><th>title</th></tr>{members}</table></section>"
    )


def _link(text: str, url: str) -> str:
    """A link to ``url`` (``http(s)`` only; another scheme is shown as text beside the title)."""
    href = html_href(url)
    if href is None:
        return escape(text if text == url else f"{text} ({url})")
    return f'<a href="{href}">{escape(text)}</a>'


def _sim(value: float | None) -> str:
    return escape(format_similarity(value)) or "-"


def _cell(value: object) -> str:
    return "-" if value is None else escape(str(value))


def _page(title: str, parts: list[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>"
        f"<body><h1>{escape(title)}</h1>\n" + "\n".join(parts) + "\n</body></html>\n"
    )
