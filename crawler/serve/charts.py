"""The volume chart, drawn on the server as SVG: no script, no library, nothing to download.

A stacked bar per day or hour (one colour per outlet or country, the biggest :data:`MAX_SERIES`
named, the rest as ``other``) and a line for the stories (clusters of 2+) that began then. Every
bar is ``<rect class="bar">`` with ``data-day``, ``data-series`` and ``data-count``; the line's
points are ``<circle class="story">`` with ``data-day`` and ``data-count``.
"""

from __future__ import annotations

from crawler.escape import html_text as escape
from crawler.report.queries import Volume

WIDTH = 900
HEIGHT = 260
LEFT = 44  # room for the count labels
BOTTOM = 34  # room for the day labels
TOP = 10
MAX_SERIES = 8
# Colour-blind-safe palette (Okabe-Ito), then grey for "other".
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
OTHER = "#bbbbbb"


def legend(vol: Volume) -> list[tuple[str, str]]:
    """(series name, colour) in drawing order, ``other`` last when there is one."""
    names = list(vol.series)
    shown = [(name, COLOURS[i]) for i, name in enumerate(names[:MAX_SERIES])]
    return shown + ([("other", OTHER)] if len(names) > MAX_SERIES else [])


def volume_svg(vol: Volume) -> str:
    """The chart of ``vol`` as one ``<svg class="volume">`` element."""
    stacks = _stacks(vol)
    top = max([sum(n for _, n, _ in day) for day in stacks] + vol.clusters + [1])
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(vol.days), 1)
    bar = max(step * 0.8, 1.0)
    out = [
        f'<svg class="volume" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" xmlns="http://www.w3.org/2000/svg" role="img" '
        'aria-label="articles and stories per day">'
    ]
    for fraction in (0, 0.5, 1) if top >= 2 else (0, 1):  # no half articles on the axis
        y = TOP + plot_h * (1 - fraction)
        out.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - 8}" y1="{y:.1f}" '
            f'y2="{y:.1f}"/><text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" '
            f'text-anchor="end">{round(top * fraction)}</text>'
        )
    label_every = max(1, len(vol.days) // 10)
    for i, (day, stack) in enumerate(zip(vol.days, stacks, strict=True)):
        x = LEFT + i * step + (step - bar) / 2
        base = TOP + plot_h
        for name, count, colour in stack:
            h = plot_h * count / top
            base -= h
            out.append(
                f'<rect class="bar" x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{colour}" data-day="{day}" '
                f'data-series="{escape(name)}" data-count="{count}">'
                f"<title>{day} {escape(name)}: {count} articles</title></rect>"
            )
        if i % label_every == 0:
            out.append(
                f'<text class="tick" x="{x + bar / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                f'text-anchor="middle">{_tick(day)}</text>'
            )
    out.append(_story_line(vol, top, step, plot_h))
    out.append("</svg>")
    return "".join(out)


def _tick(slot: str) -> str:
    """A day ``2026-11-09`` as ``11-09``; an hour ``2026-11-09 14:00`` as ``09 14h``."""
    return slot[5:] if len(slot) == 10 else f"{slot[8:10]} {slot[11:13]}h"


def _stacks(vol: Volume) -> list[list[tuple[str, int, str]]]:
    """Per day, the non-zero (series, count, colour) from the bottom up."""
    colours = dict(legend(vol))
    stacks: list[list[tuple[str, int, str]]] = [[] for _ in vol.days]
    other = [0] * len(vol.days)
    for name, counts in vol.series.items():
        for i, count in enumerate(counts):
            if name in colours:
                if count:
                    stacks[i].append((name, count, colours[name]))
            else:
                other[i] += count
    for i, count in enumerate(other):
        if count:
            stacks[i].append(("other", count, OTHER))
    return stacks


def _story_line(vol: Volume, top: int, step: float, plot_h: float) -> str:
    points = [
        (LEFT + (i + 0.5) * step, TOP + plot_h * (1 - n / top), day, n)
        for i, (day, n) in enumerate(zip(vol.days, vol.clusters, strict=True))
    ]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points)
    dots = "".join(
        f'<circle class="story" cx="{x:.1f}" cy="{y:.1f}" r="3" '
        f'data-day="{day}" data-count="{n}"><title>{day}: {n} stories '
        "(clusters of 2+) began</title></circle>"
        for x, y, day, n in points
    )
    return f'<polyline class="stories" points="{line}"/>{dots}'
