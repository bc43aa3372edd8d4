"""The publication day a page shows a reader next to its headline or byline.

A page's metadata often gives the publication time in UTC ("2019-11-19T02:24:00Z") while the page
shows its own day ("Nov 18, 2019 at 9:24 pm ET"): the shown day is the one a reader quotes. Pure
functions over the page's lxml tree, read from its headline's neighbourhood.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import lru_cache
from itertools import chain, islice, zip_longest

from lxml import etree
from lxml.html import HtmlElement

# Class/id words of the elements that carry a shown date (a <time> element counts too); "meta"
# is a byline line's ("entry-meta", "article__meta"), which the nearest-first search keeps apart
# from other date lines farther from the headline (a quoted claim's, a related story's).
_DATE_CLASS = re.compile(r"date|time|publish|posted|byline|dateline|stamp|meta", re.I)
# ... but not a last-modified stamp, a comment's date or a related story's.
_NOT_PUBLISHED_CLASS = re.compile(r"updat|modif|comment|related|list|widget|event|footer", re.I)
_SKIP_ANCESTORS = frozenset({"footer", "nav", "aside", "form"})
# A site's header shows today's date (a clock), not the article's.
_MASTHEAD_CLASS = re.compile(r"masthead|site-?header|header-?bar|navbar|top-?bar", re.I)
# A shown date lies within this many elements (document order) of the headline: farther ones
# are another story's or a claim's.
SHOWN_DATE_MAX_DISTANCE = 80
SHOWN_DATE_MAX_CHARS = 200
# Text from one of these words on is a last-modified stamp.
_UPDATED = re.compile(
    r"\b(?:updated|modified|last edited|обновлено|изменено|жаңартылды|yangilandi)\b", re.I
)

# Month names of the region's languages, after ``_fold_letters``: a word that starts with a stem
# names its month (the longest stem: "маусым" June, not "ма..."); an abbreviation or a short
# form names it only as the whole word ("мар", not "марш"). Russian, and the Russian-derived
# names of Kyrgyz, Tajik and Uzbek in Cyrillic ("декабри", "5-декабры", "декабрда"), Kazakh,
# Uzbek and Turkmen in Latin ("dekabr", "ýanwar"), English.
_MONTH_STEMS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
    "январ": 1, "феврал": 2, "март": 3, "апрел": 4, "июн": 6, "июл": 7, "август": 8,
    "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12,
    "кантар": 1, "акпан": 2, "наурыз": 3, "сауир": 4, "мамыр": 5, "маусым": 6, "шилде": 7,
    "тамыз": 8, "кыркуйек": 9, "казан": 10, "караша": 11, "желтоксан": 12,
    "yanvar": 1, "fevral": 2, "mart": 3, "aprel": 4, "iyun": 6, "iyul": 7, "avgust": 8,
    "sentabr": 9, "sentyabr": 9, "oktabr": 10, "oktyabr": 10, "noyabr": 11, "dekabr": 12,
    "yanwar": 1, "fewral": 2, "awgust": 8,
}  # fmt: skip
_MONTH_WORDS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12, "mayda": 5,
    "янв": 1, "фев": 2, "февр": 2, "мар": 3, "апр": 4, "мая": 5, "май": 5, "майы": 5,
    "майи": 5, "майда": 5, "июн": 6, "июл": 7, "авг": 8, "сен": 9, "сент": 9, "окт": 10,
    "ноя": 11, "нояб": 11, "дек": 12,
}  # fmt: skip
# Letters that Kazakh, Kyrgyz, Tajik, Uzbek and Turkmen writers replace with look-alikes or
# plain letters (a keyboard without them): compared without them
_FOLD_LETTERS = str.maketrans("қңәəөұүіһғўҳҷӣӯýňäşçžöü", "кнааоууихгухчиуynasczou")
_MONTH = r"(?P<mon>[^\W\d_]{3,})"
# a day with an ordinal ending: "18th", "5-го", Turkmen "5-nji", Uzbek "5-chi"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th|-?(?:го|nji|njy|nçi|nçy|inji|chi|inchi))?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
# the word for "year" after a year that comes first: "2026-жылдын", "2026 жылғы", "2026-yil",
# "2026 йил", "2026-njy ýylyň", "2026 г."
_YEAR_WORD = r"(?:[\s-]*\w{0,4}\s*(?:жыл|ж\.|yil|йил|ýyl|год|г\.)\w*\.?)?"
_SHOWN = [
    re.compile(rf"\b{_MONTH}\.?\s+{_DAY},?\s+{_YEAR}\b", re.I),  # Nov. 18, 2019
    # 18 November 2019, 5-nji dekabr 2026, 5 декабри соли 2026
    re.compile(rf"\b{_DAY}\.?(?:\s+|-)(?:of\s+)?{_MONTH}\.?,?\s+(?:соли\s+)?{_YEAR}\b", re.I),
    # 2026-жылдын 5-декабры, 2026 жылғы 5 желтоқсан, 2026-yil 5-dekabr
    re.compile(rf"\b{_YEAR}{_YEAR_WORD},?\s+{_DAY}\.?(?:\s+|-){_MONTH}", re.I),
    # 2019-11-18, 2019/11/18
    re.compile(r"\b(?P<year>(?:19|20)\d\d)([-/])(?P<month>\d\d)\2(?P<day>\d\d)\b"),
    re.compile(r"\b(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>(?:19|20)\d\d)\b"),  # 18.11.2019
]
_CLOCK = re.compile(r"\b(?P<h>\d{1,2}):(?P<m>\d\d)(?!\d)\s*(?P<ampm>[ap])?\.?\s?(?:m\b\.?)?", re.I)
_LATER_H1S = etree.XPath("following::h1")


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
    found = [m for m in (_first_date(p, text) for p in _SHOWN) if m]
    if not found:
        return None
    day = _date_of(min(found, key=lambda m: m.start()))
    return ShownDate(day, _clock(text)) if day else None


def shows_day(text: str, day: date) -> bool:
    """Whether ``text`` shows the date ``day`` anywhere, in a form ``read_shown`` reads."""
    return any(_date_of(m) == day for pattern in _SHOWN for m in pattern.finditer(text))


def _first_date(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The first match of ``pattern`` in ``text`` whose month is a month."""
    return next((m for m in pattern.finditer(text) if _month(m)), None)


def _month(match: re.Match[str]) -> int | None:
    parts = match.groupdict()
    return int(parts["month"]) if "month" in parts else month_of(parts["mon"])


def _date_of(match: re.Match[str]) -> date | None:
    """The date a match of ``_SHOWN`` gives, or None (no month, or no such day)."""
    month = _month(match)
    try:
        return date(int(match["year"]), month, int(match["day"])) if month else None
    except ValueError:  # February 30
        return None


def month_of(word: str) -> int | None:
    """The month a month name or abbreviation names, in any of the region's languages, or None.

    Example:
        >>> month_of("желтоқсан"), month_of("Dekabr"), month_of("марта"), month_of("марш")
        (12, 12, 3, None)
    """
    folded = word.lower().translate(_FOLD_LETTERS)
    if folded in _MONTH_WORDS:
        return _MONTH_WORDS[folded]
    stems = [stem for stem in _MONTH_STEMS if folded.startswith(stem)]
    return _MONTH_STEMS[max(stems, key=len)] if stems else None


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


def shown_date(first_h1: HtmlElement | None) -> ShownDate | None:
    """The shown date nearest the page's headline: its first <h1> outside the site's header
    (``first_h1`` is the page's first <h1>, as PageMeta keeps it).

    Read from a <time>, or an element whose class or id names a date, time, byline or dateline,
    among the SHOWN_DATE_MAX_DISTANCE elements on either side of the headline (document order).
    """
    for text in headline_lines(first_h1, _date_classed):
        if _UPDATED.match(text):
            continue
        shown = read_shown(text)
        if shown:
            return shown
    return None


def headline_lines(
    first_h1: HtmlElement | None, classed: Callable[[str, str], bool]
) -> Iterator[str]:
    """The texts (whitespace collapsed, at most SHOWN_DATE_MAX_CHARS) of the elements near the
    page's headline, nearest first, whose tag and class-and-id ``classed`` takes: the lines
    around a headline that carry its date and byline.

    The headline is the first <h1> outside the site's header; elements in the site's header, a
    footer, a menu, an aside or a form are left out.
    """
    heading = first_h1
    # a site's header may set the site's name in an <h1>: the headline is a later one
    if heading is not None and _in_masthead(heading):
        heading = next((h for h in _LATER_H1S(heading) if not _in_masthead(h)), None)
    if heading is None:
        return
    # lazy walks: the date line is most often a few elements from the headline
    after, before = _following(heading), _preceding(heading)
    for el in chain.from_iterable(zip_longest(after, before)):
        if el is None:
            continue
        mark_class, mark_id = el.get("class"), el.get("id")
        # (most elements have neither: no date class, and no string to build)
        if el.tag != "time" and mark_class is None and mark_id is None:
            continue
        if not classed(el.tag, f"{mark_class or ''} {mark_id or ''}"):
            continue
        if any(
            a.tag in _SKIP_ANCESTORS or _masthead_class(a.get("class") or "")
            for a in el.iterancestors()
        ):
            continue  # in the site's header, a footer, a menu, an aside or a form
        text = " ".join(el.text_content().split())
        if text and len(text) <= SHOWN_DATE_MAX_CHARS:
            yield text


# XPath's following and preceding axes, walked here: libxml2 evaluates a whole axis before its
# position predicate, and the walk makes Python objects of the window's elements only.
def _following(el: HtmlElement, limit: int = SHOWN_DATE_MAX_DISTANCE) -> Iterator[HtmlElement]:
    """The first ``limit`` elements after ``el`` and its subtree, in document order."""
    return islice(_after(el), limit)


def _after(el: HtmlElement) -> Iterator[HtmlElement]:
    node = el
    while node is not None:
        for sibling in node.itersiblings(etree.Element):
            yield from sibling.iter(etree.Element)
        node = node.getparent()


def _preceding(el: HtmlElement, limit: int = SHOWN_DATE_MAX_DISTANCE) -> Iterator[HtmlElement]:
    """The ``limit`` elements before ``el``, nearest first, its ancestors left out."""
    ancestors = set(el.iterancestors())
    found = 0
    node = el
    while found < limit:
        previous = node.getprevious()
        if previous is not None:  # the previous sibling's last descendant comes first
            node = previous
            while len(node):
                node = node[-1]
        else:
            node = node.getparent()
            if node is None:
                break
            if node in ancestors:
                continue
        if isinstance(node.tag, str):  # (not a comment)
            found += 1
            yield node


def _in_masthead(el: HtmlElement) -> bool:
    return any(_masthead_class(a.get("class") or "") for a in el.iterancestors())


@lru_cache(maxsize=4096)  # a page's ancestors repeat their class strings
def _masthead_class(classes: str) -> bool:
    return _MASTHEAD_CLASS.search(classes) is not None


@lru_cache(maxsize=4096)  # outlets repeat their class strings on every page
def _date_classed(tag: str, mark: str) -> bool:
    """True for a <time> or a date-classed element that is not a modified stamp or a list's."""
    return (tag == "time" or _DATE_CLASS.search(mark) is not None) and not (
        _NOT_PUBLISHED_CLASS.search(mark)
    )


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
