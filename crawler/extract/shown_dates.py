"""The publication day a page shows a reader next to its headline or byline.

A page's metadata often gives the publication time in UTC ("2019-11-19T02:24:00Z") while the page
shows its own day ("Nov 18, 2019 at 9:24 pm ET"): the shown day is the one a reader quotes. Pure
functions over an lxml tree and the marked elements of :class:`crawler.extract.metadata.PageMeta`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

from lxml import etree
from lxml.html import HtmlElement

# Class/id words of the elements that carry a shown date (a <time> element counts too).
_DATE_CLASS = re.compile(r"date|time|publish|posted|byline|dateline|stamp", re.I)
# ... but not a last-modified stamp, a comment's date or a related story's.
_NOT_PUBLISHED_CLASS = re.compile(r"updat|modif|comment|related|list|widget|event|footer", re.I)
_SKIP_ANCESTORS = frozenset({"footer", "nav", "aside", "form"})
# A site's header shows today's date (a clock), not the article's.
_MASTHEAD_CLASS = re.compile(r"masthead|site-?header|header-?bar|navbar|top-?bar", re.I)
# A shown date lies within this many elements (document order) of the first <h1>: farther ones
# are a masthead's clock or another story's.
SHOWN_DATE_MAX_DISTANCE = 80
SHOWN_DATE_MAX_CHARS = 200
# Text from one of these words on is a last-modified stamp.
_UPDATED = re.compile(r"\b(?:updated|modified|last edited|обновлено|изменено)\b", re.I)

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
    "январ": 1, "феврал": 2, "март": 3, "апрел": 4, "ма": 5, "июн": 6,
    "июл": 7, "август": 8, "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12,
}  # fmt: skip
_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|"
    r"январ[яь]|феврал[яь]|марта?|апрел[яь]|ма[яй]|июн[яь]|июл[яь]|августа?|сентябр[яь]|"
    r"октябр[яь]|ноябр[яь]|декабр[яь])"
)
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_SHOWN = [
    re.compile(rf"\b{_MONTH}\.?\s+{_DAY},?\s+{_YEAR}\b", re.I),  # Nov. 18, 2019
    re.compile(rf"\b{_DAY}\.?\s+(?:of\s+)?{_MONTH}\.?,?\s+{_YEAR}\b", re.I),  # 18 November 2019
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>\d\d)-(?P<day>\d\d)\b"),  # 2019-11-18
    re.compile(r"\b(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>(?:19|20)\d\d)\b"),  # 18.11.2019
]
_CLOCK = re.compile(r"\b(?P<h>\d{1,2}):(?P<m>\d\d)(?!\d)\s*(?P<ampm>[ap])?\.?\s?(?:m\b\.?)?", re.I)
_TIMES = etree.XPath("//time")
_H1S = etree.XPath("//h1")
_POSITION = etree.XPath("count(preceding::*) + count(ancestor::*)")


@dataclass(frozen=True, slots=True)
class ShownDate:
    """A day as the page shows it, and the clock time shown with it (hours, minutes), if any."""

    day: date
    clock: tuple[int, int] | None = None


def read_shown(text: str) -> ShownDate | None:
    """The first full date (with a year) in a date line, before any "Updated" part, or None."""
    updated = _UPDATED.search(text)
    if updated:
        text = text[: updated.start()]
    found = [m for m in (p.search(text) for p in _SHOWN) if m]
    if not found:
        return None
    match = min(found, key=lambda m: m.start())
    parts = match.groupdict()
    month = parts.get("month")
    if month is None:
        name = parts["mon"].lower()
        month = next(v for k, v in _MONTHS.items() if name.startswith(k))
    try:
        day = date(int(parts["year"]), int(month), int(parts["day"]))
    except ValueError:
        return None
    return ShownDate(day, _clock(text))


def _clock(text: str) -> tuple[int, int] | None:
    """The first clock time in ``text`` as 24-hour (hours, minutes), or None."""
    match = _CLOCK.search(text)
    if not match:
        return None
    hours, minutes = int(match["h"]), int(match["m"])
    ampm = (match["ampm"] or "").lower()
    if ampm == "p" and hours < 12:
        hours += 12
    elif ampm == "a" and hours == 12:
        hours = 0
    return (hours, minutes) if hours < 24 and minutes < 60 else None


def shown_date(
    tree: HtmlElement, elements: list[HtmlElement], marks: list[str]
) -> ShownDate | None:
    """The shown date nearest the page's headline (its first <h1> outside the site's header).

    Read from a <time>, or an element whose class or id names a date, time, byline or dateline
    (``elements`` are the page's marked elements and ``marks`` their class-and-id strings, as in
    PageMeta).
    """
    # the headline's <h1>: the first outside the site's header (which may set the site's name
    # in an <h1>)
    heading_el = next((h for h in _H1S(tree) if not _in_masthead(h)), None)
    if heading_el is None:
        return None
    heading = int(_POSITION(heading_el))
    candidates = [el for el, mark in zip(elements, marks, strict=True) if _date_classed(mark)] + [
        el for el in _TIMES(tree) if not _NOT_PUBLISHED_CLASS.search(el.get("class") or "")
    ]
    best: tuple[int, ShownDate] | None = None
    for el in candidates:
        distance = abs(int(_POSITION(el)) - heading)
        if distance > SHOWN_DATE_MAX_DISTANCE or (best and distance >= best[0]):
            continue
        if _in_masthead(el) or any(a.tag in _SKIP_ANCESTORS for a in el.iterancestors()):
            continue
        text = " ".join(el.text_content().split())
        if not text or len(text) > SHOWN_DATE_MAX_CHARS or _UPDATED.match(text):
            continue
        shown = read_shown(text)
        if shown:
            best = (distance, shown)
    return best[1] if best else None


def _in_masthead(el: HtmlElement) -> bool:
    return any(_MASTHEAD_CLASS.search(a.get("class") or "") for a in el.iterancestors())


def _date_classed(mark: str) -> bool:
    return _DATE_CLASS.search(mark) is not None and not _NOT_PUBLISHED_CLASS.search(mark)


def on_shown_day(published: datetime, shown: ShownDate) -> str:
    """``published`` (aware) restated on the page's shown day: in the offset that the shown clock
    implies, or the shown day alone when the page shows no clock or the two do not fit."""
    if shown.clock:
        local = datetime.combine(shown.day, time(*shown.clock))
        offset = local - published.astimezone(UTC).replace(tzinfo=None)
        # time zones are whole quarter hours; the shown clock drops the seconds
        quarters = round(offset / timedelta(minutes=15))
        if abs(quarters) <= 14 * 4:
            restated = published.astimezone(timezone(timedelta(minutes=15 * quarters)))
            if restated.date() == shown.day:
                return restated.isoformat()
    return shown.day.isoformat()
