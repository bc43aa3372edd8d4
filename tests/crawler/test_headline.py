"""Headline-block collection and stripping, and paragraph normalisation."""

from __future__ import annotations

import trafilatura

from crawler.extract import headline
from crawler.extract.metadata import read_page
from crawler.extract.paragraphs import dedupe, normalize, paragraph_key

BODY = "The first real paragraph of the article, long enough to be body text without doubt."


def block_for(html: str) -> headline.HeadlineBlock:
    tree = trafilatura.load_html(html)
    return headline.collect(tree, read_page(tree, "https://example.com/a"))


def test_normalisation_ignores_quotes_dashes_spaces_and_case() -> None:
    assert normalize("Kazakstan’s  “New” Law — Part 1") == normalize(
        'kazakstan\'s "new" law - part 1'
    )
    assert paragraph_key("Kazakstan’s law") == paragraph_key("KAZAKSTAN'S LAW")
    assert paragraph_key("...") == ""


def test_dedupe_keeps_short_repeats_and_the_first_long_one() -> None:
    long = "A sentence that is long enough to count as a paragraph of the article body."
    assert dedupe(["* * *", long, "* * *", long.upper()]) == ["* * *", long, "* * *"]


def test_title_standfirst_caption_label_and_date_are_stripped_from_the_top() -> None:
    html = (
        "<html><head><title>Title of the story | Site</title>"
        "<meta name='description' content='The standfirst of the story.'></head><body>"
        "<h1>Title of the story</h1><div class='subtitle'>The standfirst of the story.</div>"
        "<figure><img src='a.jpg'><figcaption>A caption of the photo. © Agency</figcaption>"
        "</figure>"
        "<div class='kicker'>Special project</div><p>" + BODY + "</p></body></html>"
    )
    block = block_for(html)
    paras = [
        "Title of the Story",
        "The standfirst of the story",
        "A caption of the photo.",
        "A caption of the photo. © Agency",
        "Special project",
        "Tuesday, 11 January, 2022",
        "By Aida Bekova",
        "From iwpr.net",
        "Фото: пресс-служба",
        BODY,
        "Title of the story",
    ]
    assert headline.strip(paras, block) == [BODY]


def test_labels_are_kept_after_the_body_starts() -> None:
    block = block_for(
        "<html><body><div class='kicker'>Special project</div><p>" + BODY + "</p></body></html>"
    )
    assert headline.strip([BODY, "Special project"], block) == [BODY, "Special project"]


def test_agency_dateline_is_cut_from_the_first_paragraph() -> None:
    assert (
        headline.strip_dateline("Bishkek, Jan. 19, 2018 / Kabar /. The cabinet met.")
        == "The cabinet met."
    )
    assert (
        headline.strip_dateline("Бишкек, 5 марта 2024 / Kabar /. Кабмин собрался.")
        == "Кабмин собрался."
    )
    assert headline.strip_dateline("Bishkek is a city.") == "Bishkek is a city."


def test_date_lines_and_bylines() -> None:
    assert headline.is_date_line("14:35, 12 марта 2024")
    assert headline.is_date_line("Updated: November 19, 2019 at 10:02 am")
    assert not headline.is_date_line("In 2019 the plant produced 12 tonnes")
    assert headline.is_byline("By John Smith and Jane Doe")
    assert not headline.is_byline("By the end of the year the road will be finished")


def test_a_last_line_repeating_the_author_is_dropped() -> None:
    body = ["The first paragraph of an invented story about a small bakery.", "Second one."]
    assert headline.strip_tail_byline([*body, "Ойгул Каримова"], ["Ойгул Каримова"]) == body
    assert headline.strip_tail_byline([*body, "By Tom Example"], ["Tom Example"]) == body
    assert headline.strip_tail_byline([*body, "Автор: Ойгул Каримова"], ["Ойгул Каримова"]) == body
    assert headline.strip_tail_byline([*body, "Ann Bee, Cy Dee"], ["Ann Bee", "Cy Dee"]) == body


def test_a_last_line_that_is_not_the_author_stays() -> None:
    body = ["The first paragraph of an invented story about a small bakery.", "Tom Example"]
    assert headline.strip_tail_byline(body, ["Ann Bee"]) == body
    assert headline.strip_tail_byline(body, []) == body
    assert headline.strip_tail_byline(["Tom Example"], ["Tom Example"]) == ["Tom Example"]
    long_line = "Tom Example said the bakery would open a second shop next to the station in May."
    assert headline.strip_tail_byline([body[0], long_line], ["Tom Example"]) == [body[0], long_line]
