"""The published day is the one the page shows beside its headline (bench/data/metadata-dev rules).

Invented pages: metadata in UTC with the page's local day shown in the byline, pages whose only
date is the shown one, a site header's clock, a shown "Updated" stamp, a shown day in the future.
"""

from __future__ import annotations

from datetime import date

import pytest

from crawler.extract.article import extract_article
from crawler.extract.shown_dates import ShownDate, read_shown

FETCHED = "2026-11-20T12:00:00+00:00"
URL = "https://news.example.org/2026/11/story"
BODY = "".join(
    f"<p>Paragraph {i} of the invented story tells how the river ferry across the valley kept "
    f"running through the cold week while the new bridge waited for its last inspection.</p>"
    for i in range(6)
)


def page(head: str = "", before_h1: str = "", after_h1: str = "") -> bytes:
    """An article page with ``head`` in <head>, ``before_h1`` in a site header and ``after_h1``
    between the headline and the body."""
    return (
        f"<html><head><title>The ferry keeps running</title>{head}</head><body>"
        f"<div class='site-header'>{before_h1}</div>"
        f"<article><h1>The ferry keeps running</h1>{after_h1}{BODY}</article>"
        f"</body></html>"
    ).encode()


def published(html: bytes) -> str | None:
    return extract_article(html, URL, fetched=FETCHED).article.published


def meta_time(value: str) -> str:
    return f"<meta property='article:published_time' content='{value}'>"


def test_utc_metadata_is_restated_on_the_shown_local_day() -> None:
    html = page(
        meta_time("2026-11-09T01:30:00Z"),
        after_h1="<div class='byline'>By Ann Lee | Nov. 8, 2026 8:30 pm ET</div>",
    )
    assert published(html) == "2026-11-08T20:30:00-05:00"


def test_a_page_east_of_utc_shows_the_next_day() -> None:
    html = page(
        meta_time("2026-11-08T19:30:00Z"),
        after_h1="<span class='news-date'>9 ноября 2026, 01:30</span>",
    )
    assert published(html) == "2026-11-09T01:30:00+06:00"


def test_the_page_s_own_offset_is_kept() -> None:
    html = page(
        meta_time("2026-11-09T01:30:00+06:00"),
        after_h1="<div class='date'>09.11.2026 01:30</div>",
    )
    assert published(html) == "2026-11-09T01:30:00+06:00"


def test_without_a_clock_the_shown_day_alone() -> None:
    html = page(meta_time("2026-11-19T02:24:00Z"), after_h1="<time>November 18, 2026</time>")
    assert published(html) == "2026-11-18"


def test_the_shown_day_where_metadata_gives_none_or_a_zero_date() -> None:
    shown = "<div class='publish-date'>Published 11:11 PM EST Nov 19, 2026</div>"
    assert published(page(after_h1=shown)) == "2026-11-19"
    assert published(page(meta_time("0001-01-01T00:00:00Z"), after_h1=shown)) == "2026-11-19"


def test_the_shown_day_wins_over_another_metadata_day() -> None:
    html = page(
        meta_time("2025-10-07T09:00:35-08:00"),
        after_h1="<span class='posted-on'>November 12, 2026</span>",
    )
    assert published(html) == "2026-11-12"


def test_a_site_header_clock_is_not_the_published_day() -> None:
    html = page(
        meta_time("2026-11-18T15:00:00Z"),
        before_h1="<h1>The Valley Post</h1><span class='header-date'>November 20, 2026</span>",
    )
    assert published(html) == "2026-11-18T15:00:00+00:00"


def test_an_updated_stamp_is_not_the_published_day() -> None:
    html = page(
        meta_time("2026-11-19T00:26:00Z"),
        after_h1=(
            "<span class='timestamp'>November 18, 2026 at 2:26 PM HST - Updated November 19, "
            "2026 at 4:46 PM</span><span class='date-updated'>November 19, 2026</span>"
        ),
    )
    assert published(html) == "2026-11-18T14:26:00-10:00"


def test_a_shown_day_after_the_fetch_is_no_date() -> None:
    html = page(meta_time("2026-11-18T15:00:00Z"), after_h1="<time>December 1, 2026</time>")
    assert published(html) == "2026-11-18T15:00:00+00:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nov. 19, 2019 5:50 PM", ShownDate(date(2019, 11, 19), (17, 50))),
        ("on Monday, November 18th, 2019 at 11:08 a.m.", ShownDate(date(2019, 11, 18), (11, 8))),
        ("11:26 pm EST, Tuesday, November 19, 2019", ShownDate(date(2019, 11, 19), (23, 26))),
        ("18 марта 2024, 12:00", ShownDate(date(2024, 3, 18), (12, 0))),
        ("2024-05-07", ShownDate(date(2024, 5, 7))),
        # the region's languages: Kazakh, Kyrgyz, Tajik, Uzbek (Latin, Cyrillic), Turkmen, and
        # Russian abbreviations (each gave 1 January: htmldate's lone-year guess)
        ("5 желтоқсан 2026 ж., 14:30", ShownDate(date(2026, 12, 5), (14, 30))),
        ("2026 жылғы 3 маусым", ShownDate(date(2026, 6, 3))),
        ("4 сəуір 2026", ShownDate(date(2026, 4, 4))),  # a Latin schwa for the Cyrillic one
        ("2026-жылдын 5-декабры", ShownDate(date(2026, 12, 5))),
        ("5 декабри соли 2026, 09:15", ShownDate(date(2026, 12, 5), (9, 15))),
        ("2026-yil 7-noyabr", ShownDate(date(2026, 11, 7))),
        ("7 ноябр 2026", ShownDate(date(2026, 11, 7))),
        ("5-nji dekabr 2026", ShownDate(date(2026, 12, 5))),
        ("12 maý 2025", ShownDate(date(2025, 5, 12))),
        ("5 дек. 2026", ShownDate(date(2026, 12, 5))),
        ("5 марш 2026", None),  # a word that starts like a month is none
        ("Updated Nov 19, 2019", None),
        ("Posted 4h ago", None),
        ("February 30, 2019", None),
    ],
)
def test_read_shown(text: str, expected: ShownDate | None) -> None:
    assert read_shown(text) == expected


def test_the_byline_s_date_not_a_quoted_claim_s() -> None:
    claim = (
        "<div class='claim'><p class='statement__meta'>— A council member on Sunday, "
        "October 13th, 2026 in a letter to the editor</p></div>"
    )
    html = (
        f"<html><head><title>Checking the ferry claim</title></head><body>{claim}"
        "<section><div><span>Fact check</span><span>Transport</span></div></section><article>"
        "<h1>Checking the ferry claim</h1>"
        "<p class='article__meta'>By Ann Lee on Wednesday, November 18th, 2026 at 11:08 a.m.</p>"
        f"{BODY}</article></body></html>"
    ).encode()
    assert published(html) == "2026-11-18"


def test_a_lone_year_is_no_publication_date() -> None:
    # htmldate's last resort, a year anywhere in the page, gave 1 January of it
    assert published(page(after_h1="<div class='byline'>Ann Lee, winter 2026</div>")) is None
    assert published(page(after_h1="<div class='byline'>Ann Lee, 2026/10</div>")) is None
    on_new_year = page(after_h1="<div class='post-info'>posted 2026/01/01 by Ann Lee</div>")
    assert published(on_new_year) == "2026-01-01"


def test_a_date_line_in_kazakh_is_the_published_day() -> None:
    html = page(after_h1="<div class='byline'>Айгүл Сейітова, 5 желтоқсан 2026 ж.</div>")
    fetched = "2026-12-06T00:00:00+00:00"
    assert extract_article(html, URL, fetched=fetched).article.published == "2026-12-05"


def test_a_date_in_the_text_does_not_beat_the_feed_s_date() -> None:
    # htmldate's search of the text found "14.05.2003" in a page without a date of its own: the
    # copy that mentioned it became the origin of a story published today
    from crawler.items import Priors

    html = page(after_h1="<p>Our archive runs since 14.05.2003 and the treaty was signed on "
                "12 March 2019.</p>")  # fmt: skip
    feed = Priors(published="2026-11-20T09:15:00+06:00", source="feed")
    extracted = extract_article(html, URL, fetched=FETCHED, priors=feed).article
    assert extracted.published == "2026-11-20T09:15:00+06:00"
    # a date the page's markup gives still wins over the feed's
    html = page(meta_time("2026-11-19T22:00:00Z"), after_h1="<p>Since 14.05.2003.</p>")
    extracted = extract_article(html, URL, fetched=FETCHED, priors=feed).article
    assert extracted.published == "2026-11-19T22:00:00+00:00"


def test_a_shown_clock_without_metadata_is_read_in_the_outlet_s_zone() -> None:
    # "5 декабря 2026, 14:30" and no date metadata gave the day only: same-day copies then
    # could not be told apart by time
    from crawler.items import Priors

    html = page(after_h1="<span class='news-date'>19 ноября 2026, 14:30</span>")
    bishkek = Priors(zone="Asia/Bishkek")
    extracted = extract_article(html, URL, fetched=FETCHED, priors=bishkek).article
    assert extracted.published == "2026-11-19T14:30:00+06:00"
    assert published(html) == "2026-11-19"  # no zone known: the day
