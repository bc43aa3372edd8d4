"""Page bodies made to hurt: too long to extract, too big for memory, more lines than a record
counts. Shared by the hostile tests, the hostile outlets server and bench/extract_limits.py."""

from __future__ import annotations


def link_lines(count: int = 95_000) -> bytes:
    """A page of ``count`` link lines (~8 MB at 95,000): many seconds of extraction CPU."""
    lines = "\n".join(
        f'<a href="/news/item-{i}">Link line number {i} to the story of the day</a><br>'
        for i in range(count)
    )
    return (
        f"<html><head><title>Links</title></head><body><article><h1>Links</h1><div>{lines}"
        "</div></article></body></html>"
    ).encode()


def many_breaks(count: int = 500_000) -> bytes:
    """A page of ``count`` line breaks: grows an extraction worker to ~900 MB."""
    return (
        "<html><head><title>Breaks</title></head><body><article><h1>Breaks</h1><p>"
        + "<br>".join(f"x{i}" for i in range(count))
        + "</p></article></body></html>"
    ).encode()


HUGE_LINES = 70_000  # more than the 65,535 lines an index record could count


def huge_listing(lines: int = HUGE_LINES) -> bytes:
    """An article page of ``lines`` short lines (a timetable in ``<pre>``): 3 MB, extracted in a
    few CPU seconds, well inside an extraction budget."""
    listing = "\n".join(f"entry {i} of the long listing at stop w{i % 97}" for i in range(lines))
    return (
        "<html><head><title>Timetable</title></head><body><article><h1>The timetable</h1>"
        f"<pre>{listing}</pre></article></body></html>"
    ).encode()
