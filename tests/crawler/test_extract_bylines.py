"""Authors, titles and paragraphs on classes of news templates (issue 18).

The fixture pages in tests/pages/templates show each class in a whole page (English, Russian,
Kazakh); the cases here name the classes one by one, in the byline and title forms templates use.
"""

from __future__ import annotations

import pytest

from crawler.extract.article import extract_article
from crawler.extract.cascade import load_html
from crawler.extract.hidden import reveal_continuations
from crawler.extract.metadata import clean_authors, read_page
from crawler.extract.titles import best_title, cut_site_parts
from tests.regen_pages import manifest, page_record

SITES = ["Coastline Daily", "coastline-daily.example"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # decoration around the name: prefixes, roles, dates, handles, share and form labels
        (["By Jane Marlow"], ["Jane Marlow"]),
        (["Von Jonas Weber"], ["Jonas Weber"]),
        (["Jonas Weber Redakteur"], ["Jonas Weber"]),
        (["Jane Marlow Staff Writer"], ["Jane Marlow"]),
        (["TOM REED, AP Auto Writer"], ["TOM REED"]),
        (["Posted by Jane Marlow on 11/13/26 at 4:00 PM"], ["Jane Marlow"]),
        (["Jane Marlow News reporter @janemarlow"], ["Jane Marlow"]),
        (["Jane Marlow Share", "Twitter Facebook"], ["Jane Marlow"]),
        (["Name *"], []),
        (["Log in", "Sign in"], []),
        # photo credits are no authors, inside a byline or alone
        (["Photo: Sam Ortiz"], []),
        (["Jane Marlow", "Photograph by Sam Ortiz/Getty Images"], ["Jane Marlow"]),
        (["Текст: Ирина Соколова. Фото: Олег Ким"], ["Ирина Соколова"]),
        (["Фото: Олег Ким"], []),
        # Central Asian byline forms
        (["Автор: Ирина Соколова"], ["Ирина Соколова"]),
        (["Авторы: Ержан Сейтқали"], ["Ержан Сейтқали"]),
        (["Сурет: Айгүл Нұрова"], []),
        (["Муаллиф: Дилноза Каримова"], ["Дилноза Каримова"]),
        (["Muallif: Dilnoza Karimova"], ["Dilnoza Karimova"]),
        (["Автору: Бакыт Осмонов", "Сүрөт: Нурлан Асанов"], ["Бакыт Осмонов"]),
        # one person in several variants is one author
        (["Troy L. Smith", "Troy Smith"], ["Troy L. Smith"]),
        (["Sean Park Sean Park"], ["Sean Park"]),
        (["Jane Marlow", "Jane Marlow View More Articles"], ["Jane Marlow"]),
        (["Jane Marlow", "Jane Marlow Coastline Daily"], ["Jane Marlow"]),
        # an agency or the outlet beside a person is no author; an agency alone is the credit
        (["Jane Marlow", "Associated Press"], ["Jane Marlow"]),
        (["Jane Marlow", "Coastline Daily"], ["Jane Marlow"]),
        (["Reuters", "Washington"], ["Reuters"]),
        (["Coastline Daily"], []),
        (["Jane Marlow, Futurism"], ["Jane Marlow"]),
        # the outlet's own desk is no author; an agency by name or acronym is
        (["Coastline Staff"], []),
        (["Staff Reports"], []),
        (["Harbour News Bureau"], []),
        (["European Space Agency"], ["European Space Agency"]),
        (["PTI", "Delhi"], ["PTI"]),
        (["The Associated Press"], ["The Associated Press"]),
        # names in scripts without capitals
        (["정민호"], ["정민호"]),
    ],
)
def test_authors_are_the_people_a_byline_names(raw: list[str], expected: list[str]) -> None:
    assert clean_authors(raw, SITES) == expected


def test_a_transliterated_name_is_kept_once_as_the_page_shows_it() -> None:
    raw = ["Irina Sokolova", "Ирина Соколова"]
    assert clean_authors(raw, SITES, visible=["Автор: Ирина Соколова"]) == ["Ирина Соколова"]
    assert clean_authors(["Yerzhan Seitkali", "Ержан Сейткали"], SITES) == ["Yerzhan Seitkali"]


@pytest.mark.parametrize(
    ("title", "sites", "expected"),
    [
        (
            "Ferry adds a night sailing | DW | 28.04.2026",
            ["DW", "www.dw.com"],
            "Ferry adds a night sailing",
        ),
        ("Ferry adds a night sailing - WELT", ["", "www.welt.de"], "Ferry adds a night sailing"),
        (
            "Ақтөбеде жаңа саябақ ашылды：Дала жаңалықтары",
            ["Дала жаңалықтары"],
            "Ақтөбеде жаңа саябақ ашылды",
        ),
        ("Каток открылся — Степной вестник", ["Степной вестник"], "Каток открылся"),
        ("Talks: what comes next - Coastline Daily", SITES, "Talks: what comes next"),
        ("Who - what - where", SITES, "Who - what - where"),
        ("Opinion | Is a ferry a bus?", SITES, "Is a ferry a bus?"),
        (
            "Night boats – Harbour Cannon Works",
            ["", "harbourcannon.example", "harbourcannon"],
            "Night boats",
        ),
        (
            "Night boats - harbourcannon at the boat fair 2026",
            ["harbourcannon"],
            "Night boats - harbourcannon at the boat fair 2026",
        ),
    ],
)
def test_a_declared_title_loses_its_site_and_date_parts(
    title: str, sites: list[str], expected: str
) -> None:
    assert cut_site_parts(title, sites) == expected


def test_the_h1_headline_wins_over_the_search_engine_title() -> None:
    declared = ["Prison guards charged over logbook records - Coastline Daily"]
    h1 = "Two prison officers charged with falsifying the night logbook records"
    assert best_title(h1, declared, SITES) == h1


def test_an_h1_in_another_form_of_the_declared_words_is_the_headline() -> None:
    declared = ["Самые известные фудблогеры города по версии читателей — Степной вестник"]
    h1 = "Мастера вкуса: десять фудблогеров города по версии наших читателей"
    assert best_title(h1, declared, ["Степной вестник"]) == h1


def test_an_h1_beside_a_declared_title_without_words_is_the_headline() -> None:
    h1 = "Harbour ferry adds a night sailing"
    assert best_title(h1, ["x"], SITES) == h1


@pytest.mark.parametrize("declared", ["Дала жаңалықтары", "Версия для печати"])
def test_a_long_h1_beats_a_short_title_it_shares_nothing_with(declared: str) -> None:
    # a page whose <title> is the site's name (unknown as such) got that name as its title
    h1 = "Ақтөбе облысында су тасқынына дайындық басталды"
    assert best_title(h1, [declared], SITES) == h1


@pytest.mark.parametrize(
    "h1", ["Coastline Daily", "Games", "The Harbour Blog of Gardening and Weather Notes"]
)
def test_an_h1_that_is_a_logo_a_section_or_another_text_is_no_headline(h1: str) -> None:
    declared = ["Ferry adds a night sailing | Coastline Daily"]
    assert best_title(h1, declared, SITES) == "Ferry adds a night sailing"


LONG = (
    "The harbour ferry company will run a new sailing at eleven in the evening from next month, "
    "so that late-shift workers no longer wait an hour for the last bus around the bay."
)


def test_a_paragraph_with_inline_links_on_their_own_source_lines_stays_one() -> None:
    html = (
        "<html lang=en><head><title>Ferry</title></head><body><article>"
        "<h1>Harbour ferry adds a night sailing for workers</h1><div class='story-body'>"
        f"<p>{LONG}</p><p>The operator\n<a href='/a'>said on Tuesday</a>\nthat fares cost 3 euro "
        f"pro\n<a href='/b'>trip</a>\nand less with a pass.<br>A second line.</p>"
        f"<p>{LONG} Again.</p>"
        "</div></article></body></html>"
    )
    url = "https://coastline-daily.example/news/ferry"
    ex = extract_article(html.encode(), url, fetched="2026-05-01T00:00:00Z")
    # a <br> is a line the page shows: newsmon's bodies keep one paragraph a line
    assert ex.article.text.split("\n\n") == [
        LONG,
        "The operator said on Tuesday that fares cost 3 euro pro trip and less with a pass.",
        "A second line.",
        f"{LONG} Again.",
    ]


@pytest.mark.parametrize(
    "path",
    [
        "templates/byline-decorated-en.html",
        "templates/byline-decorated-ru.html",
        "templates/byline-decorated-kk.html",
    ],
)
def test_template_pages_show_one_headline_clean_authors_and_whole_paragraphs(path: str) -> None:
    entry = next(e for e in manifest() if e["path"] == path)
    record = page_record(entry)
    expected = {
        "templates/byline-decorated-en.html": (
            "Harbour ferry adds a night sailing for late-shift workers",
            ["Jane Marlow"],
            "pro trip",
        ),
        "templates/byline-decorated-ru.html": (
            "В Актобе залили первый городской каток этой зимы",
            ["Ирина Соколова"],
            "за час катания",
        ),
        "templates/byline-decorated-kk.html": (
            "Ақтөбеде өзен жағасында жаңа саябақ ашылды",
            ["Ержан Сейтқали"],
            "жолы да салынады",
        ),
    }[path]
    title, authors, across_links = expected
    assert record["title"] == title
    assert record["authors"] == authors
    assert across_links in record["text"]
    assert len(record["text"].split("\n\n")) == 4


def _river_page(rest: str) -> bytes:
    """A page whose article goes on in ``rest`` after its first two paragraphs."""
    first = "".join(f"<p>{LONG} Part {i}.</p>" for i in (1, 2))
    return (
        "<html lang=en><head><title>Ferry</title></head><body><header><nav><a href='/'>Home</a>"
        "</nav></header><main><article><h1>Harbour ferry adds a night sailing for workers</h1>"
        f"<div class='article__body'>{first}{rest}</div></article></main></body></html>"
    ).encode()


@pytest.mark.parametrize(
    "rest",
    [
        "<a class='more-link' href='#'>Read more</a><div class='article__more' "
        "style='display:none'>{paras}</div>",
        "<button>Continue reading</button><div hidden>{paras}</div>",
        "<p><a href='#'>Читать далее</a></p><div aria-hidden='true'>{paras}</div>",
    ],
)
def test_the_rest_behind_a_read_more_control_is_part_of_the_body(rest: str) -> None:
    paras = "".join(f"<p>{LONG} Part {i}.</p>" for i in (3, 4, 5))
    url = "https://coastline-daily.example/news/ferry"
    text = extract_article(
        _river_page(rest.format(paras=paras)), url, fetched="2026-05-01T00:00:00Z"
    ).article.text
    assert text.split("\n\n") == [f"{LONG} Part {i}." for i in range(1, 6)]


@pytest.mark.parametrize("hiding", ["class='story d-none'", "class='hide' id='x'", "hidden"])
def test_a_container_hidden_after_a_read_more_control_is_shown(hiding: str) -> None:
    paras = "".join(f"<p>{LONG} Part {i}.</p>" for i in (3, 4, 5))
    page = _river_page(f"<button>Show more</button><div {hiding}>{paras}</div>")
    tree = load_html(page.decode())
    meta = read_page(tree, "https://coastline-daily.example/news/ferry")
    assert reveal_continuations(tree, meta.marked, meta.marks) == 1
    (rest,) = tree.xpath("//button/following-sibling::div")
    assert rest.get("class") in (None, "story", "") and rest.get("hidden") is None


def test_hidden_comments_and_menus_stay_out_of_the_body() -> None:
    hidden = "".join(f"<p>{LONG} Hidden {i}.</p>" for i in (1, 2))
    rest = (
        f"<div class='comments-more' style='display:none'>{hidden}</div>"
        f"<div class='related-full hidden'>{hidden}</div>"
    )
    url = "https://coastline-daily.example/news/ferry"
    text = extract_article(_river_page(rest), url, fetched="2026-05-01T00:00:00Z").article.text
    assert "Hidden" not in text


@pytest.mark.parametrize("path", ["templates/read-more-uz.html", "templates/read-more-ru.html"])
def test_read_more_template_pages_keep_the_whole_article(path: str) -> None:
    record = page_record(next(e for e in manifest() if e["path"] == path))
    assert len(record["text"].split("\n\n")) == 5
    assert (
        record["authors"]
        == {
            "templates/read-more-uz.html": ["Dilnoza Karimova"],
            "templates/read-more-ru.html": ["Бакыт Осмонов"],
        }[path]
    )


def _bylined_page(head: str, byline: str) -> bytes:
    paras = "".join(f"<p>{LONG} Part {i}.</p>" for i in (1, 2, 3))
    return (
        f"<html lang=en><head><title>Ferry</title>{head}</head><body><main><article>"
        f"<h1>Harbour ferry adds a night sailing for workers</h1>{byline}"
        f"<div class='story-body'>{paras}</div></article></main>"
        "<footer><a href='/authors/'>All our authors</a></footer></body></html>"
    ).encode()


def test_a_json_ld_author_given_by_reference_is_read() -> None:
    graph = (
        '<script type="application/ld+json">{"@context":"https://schema.org","@graph":['
        '{"@type":"NewsArticle","headline":"Ferry","author":{"@id":"https://c.example/#/p/1"}},'
        '{"@type":"Person","@id":"https://c.example/#/p/1","name":"Jane Marlow"}]}</script>'
    )
    url = "https://coastline-daily.example/news/ferry"
    article = extract_article(_bylined_page(graph, ""), url, fetched="2026-05-01T00:00:00Z").article
    assert article.authors == ["Jane Marlow"]


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        (
            "<p class='article__meta'>By <a href='/news/staff/jane-marlow/'>Jane Marlow</a>, "
            "<a href='/news/staff/sam-ortiz/'>Sam Ortiz</a></p>",
            ["Jane Marlow", "Sam Ortiz"],
        ),
        ("<p>Автор: <a href='/avtor/irina-sokolova'>Ирина Соколова</a></p>", ["Ирина Соколова"]),
        ("<p><a rel='author' href='/u/42'>Ержан Сейтқали</a></p>", ["Ержан Сейтқали"]),
        ("", []),
    ],
)
def test_a_byline_drawn_as_links_to_author_pages_is_read(byline: str, expected: list[str]) -> None:
    url = "https://coastline-daily.example/news/ferry"
    page = _bylined_page("", byline)
    assert extract_article(page, url, fetched="2026-05-01T00:00:00Z").article.authors == expected
