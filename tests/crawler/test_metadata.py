"""Metadata helpers: dates, authors, credits, canonical URLs, language, non-article pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import trafilatura

from crawler.extract.metadata import (
    PageMeta,
    canonical_url,
    class_and_id,
    class_and_id_marks,
    clean_authors,
    dates,
    detect_language,
    marked,
    pick_date,
    read_page,
    same_site,
    split_credit,
)
from crawler.extract.pagetype import not_article_reason
from crawler.items import Priors

FETCHED = datetime(2026, 10, 1, tzinfo=UTC)


def test_pick_date_skips_future_and_unparsable_values() -> None:
    assert (
        pick_date(["garbage", "2027-01-01", "2026-09-30T10:00:00+06:00"], FETCHED)
        == "2026-09-30T10:00:00+06:00"
    )
    assert pick_date(["2026-10-01"], FETCHED) == "2026-10-01"
    assert pick_date(["2026-10-01T00:00:01Z"], FETCHED) is None
    assert pick_date(["1970-01-01"], FETCHED) is None


def test_priors_fill_in_and_refine_a_date_only_guess() -> None:
    meta = PageMeta(canonical_url="https://example.com/a")
    prior = Priors(published="2026-09-20T12:45:00+06:00", modified="2026-09-21T08:00:00Z")
    assert dates(meta, "2026-09-20", prior, FETCHED) == (
        "2026-09-20T12:45:00+06:00",
        "2026-09-21T08:00:00+00:00",
    )
    assert dates(meta, None, None, FETCHED) == (None, None)


def test_modified_before_published_is_dropped() -> None:
    meta = PageMeta(
        canonical_url="x", published=["2026-09-20T00:00:00Z"], modified=["2026-09-19T00:00:00Z"]
    )
    assert dates(meta, None, None, FETCHED) == ("2026-09-20T00:00:00+00:00", None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["By Aida Bekova, Timur Karimov"], ["Aida Bekova", "Timur Karimov"]),
        (["Автор: Асель Нурланова"], ["Асель Нурланова"]),
        (["admin", "editor@example.com", "https://twitter.com/x", "Staff"], []),
        (["Aida Bekova; aida bekova"], ["Aida Bekova"]),
        (["24.kg"], []),
        (["Kabar"], []),
        (["A name that is really a whole sentence about the news of the day"], []),
    ],
)
def test_authors_without_junk(raw: list[str], expected: list[str]) -> None:
    assert clean_authors(raw, ["Kabar"]) == expected


@pytest.mark.parametrize(
    ("caption", "expected"),
    [
        ("A farmer in the valley. © Ala-Too 24", ("A farmer in the valley.", "Ala-Too 24")),
        (
            "Protesters in Almaty (Photo: Sai Aung Main/AFP via Getty Images)",
            ("Protesters in Almaty", "Sai Aung Main/AFP via Getty Images"),
        ),
        ("Мост через реку. Фото: пресс-служба", ("Мост через реку.", "пресс-служба")),
        ("A plain caption", ("A plain caption", None)),
    ],
)
def test_caption_and_credit_are_split(caption: str, expected: tuple) -> None:
    assert split_credit(caption) == expected


def test_same_site_and_canonical() -> None:
    assert same_site("www.24.kg", "24.kg")
    assert same_site("m.akipress.com", "akipress.com")
    assert not same_site("bbc.co.uk", "other.co.uk")
    assert same_site("пример.рф", "www.xn--e1afmkfd.xn--p1ai")
    assert not same_site("a" * 64 + ".рф", "xn--p1ai")
    tree = trafilatura.load_html(
        "<html><head><meta property='og:url' content='https://kabar.kg/news/x/'>"
        "</head><body><p>x</p><p>y</p></body></html>"
    )
    assert (
        canonical_url(tree, "https://en.kabar.kg/news/x/?utm_medium=rss")
        == "https://kabar.kg/news/x/"
    )


def test_language_detection_trusts_a_plausible_declaration() -> None:
    kk = (
        "Бүгін Алматыда жаңа мектеп ашылды, оған мыңдаған оқушы барады. Мектепте заманауи "
        "зертханалар мен кітапхана бар, ал ата-аналар бұл жаңалыққа қуанып отыр. "
    ) * 2
    assert detect_language(kk, "kk") == "kk"
    assert detect_language(kk, "en") in ("kk", "ky", "ba", "tt")
    assert detect_language("short", "ru") == "ru"


def test_jsonld_graph_gives_dates_authors_and_headline() -> None:
    html = (
        '<html><head><script type=\'application/ld+json\'>{"@graph": [{"@type": '
        '"NewsArticle", "headline": "H", "datePublished": "2026-01-02", '
        '"author": [{"name": "A B"}]}]}</script></head><body><p>x</p><p>y</p></body></html>'
    )
    meta = read_page(trafilatura.load_html(html), "https://example.com/a")
    assert (meta.published, meta.authors, meta.titles[0]) == (["2026-01-02"], ["A B"], "H")
    assert "newsarticle" in meta.jsonld_types


@pytest.mark.parametrize(
    ("url", "html", "reason"),
    [
        ("https://example.com/search/?q=water", "<html><body><p>x</p></body></html>", "listing"),
        (
            "https://example.com/a",
            "<html><head><title>Страница не найдена</title></head><body><p>x</p></body></html>",
            "error-page",
        ),
        (
            "https://example.com/a",
            "<html><head><script type='application/ld+json'>{\"@type\": "
            '"CollectionPage"}</script></head><body><p>x</p></body></html>',
            "listing",
        ),
        (
            "https://example.com/tag/x",
            "<html><head><meta property='og:type' content='article'>"
            "</head><body><p>x</p></body></html>",
            None,
        ),
        (
            "https://example.com/news/flight-404-landed",
            "<html><head><title>Flight 404 landed safely"
            "</title></head><body><p>x</p></body></html>",
            None,
        ),
    ],
)
def test_not_article_reasons(url: str, html: str, reason: str | None) -> None:
    tree = trafilatura.load_html(html)
    assert not_article_reason(tree, url, read_page(tree, url)) == reason


def test_a_camel_case_lead_class_is_a_standfirst() -> None:
    html = (
        "<html><body><h1>An invented headline about a bridge</h1>"
        "<div class='articleLead'>A short invented standfirst about the bridge.</div>"
        f"<p>{'Body text of the invented story about the bridge. ' * 5}</p></body></html>"
    )
    meta = read_page(trafilatura.load_html(html), "https://example.com/a")
    assert meta.standfirst == "A short invented standfirst about the bridge."


def test_only_the_first_h1_is_a_title_and_later_ones_are_sections() -> None:
    html = (
        "<html><body><h1>How the valley grows apricots</h1><p>Intro text of the guide.</p>"
        "<h1>Picking season</h1><p>More text.</p><h1>Drying on the roofs</h1></body></html>"
    )
    meta = read_page(trafilatura.load_html(html), "https://example.com/a")
    assert meta.titles == ["How the valley grows apricots"]


def test_standfirst_is_the_classed_element_between_heading_and_body() -> None:
    lead = "Growers expect a smaller harvest after the late frost, but better prices."
    body = "The first trucks left the valley on Monday morning. " * 4
    html = (
        "<html><body><aside><div class='summary'>Other summary text of a list</div>"
        f"</aside><h1>Apricot harvest starts</h1><div class='articleLead'>{lead}</div>"
        f"<p>{body}</p><div class='summary'>A summary box after the body starts.</div>"
        "</body></html>"
    )
    meta = read_page(trafilatura.load_html(html), "https://example.com/a")
    assert meta.standfirst == lead


def test_marked_picks_matching_elements_in_document_order() -> None:
    html = (
        "<html><body><div class='author-box' id='a1'>Ann</div><p class='x'>text</p>"
        "<span id='byline'>Bob</span><div class='author-box' id='a2'>Cid</div></body></html>"
    )
    tree = trafilatura.load_html(html)
    elements = list(tree.iter("div", "p", "span"))
    marks = class_and_id_marks(elements)
    assert marks == [class_and_id(el) for el in elements]
    found = marked(elements, marks, lambda mark: "author" in mark or "byline" in mark)
    assert [el.text for el in found] == ["Ann", "Bob", "Cid"]
    assert marked(elements, marks, lambda mark: False) == []


def _page(title: str, figures: str, head: str = "") -> bytes:
    body = "".join(
        f"<p>Paragraph {n} of an invented report on the new tram line tells what the riders "
        f"said about the first week of service.</p>"
        for n in range(5)
    )
    return (
        f"<html><head><title>t</title>{head}</head><body><article><h1>{title}</h1>{figures}"
        f"{body}</article></body></html>"
    ).encode()


def test_only_web_images_are_kept() -> None:
    # javascript: "images" reached the export
    from crawler.extract.article import extract_article

    figures = (
        "<figure><img src='javascript:alert(1)'><figcaption>one</figcaption></figure>"
        "<figure><img src='/img/tram.jpg'><figcaption>The tram. Photo: AFP</figcaption></figure>"
        "<figure><img src='file:///etc/passwd'></figure>"
    )
    head = "<meta property='og:image' content='javascript:alert(3)'>"
    article = extract_article(
        _page("Tram line opens", figures, head), "https://city.example/news/1"
    ).article
    assert [image.url for image in article.images] == ["https://city.example/img/tram.jpg"]


def test_a_huge_title_is_cut() -> None:
    from crawler.extract.article import extract_article
    from crawler.extract.titles import MAX_TITLE_CHARS

    title = "Tram " * 100_000  # half a megabyte in one <h1>
    article = extract_article(_page(title, ""), "https://city.example/news/2").article
    assert article.title is not None and len(article.title) <= MAX_TITLE_CHARS
    assert article.title.endswith("Tram…")


def test_kazakh_uzbek_and_tajik_credits_and_read_also_lines() -> None:
    # "Сурет:"/"Surat:" captions kept their credit, a lone credit line stayed in the body, a
    # Tajik "Манбаъ:" credited nothing, and "Сондай-ақ оқыңыз:" stayed
    from crawler.extract.article import extract_article

    paragraphs = [
        "Облыс әкімдігі көктемгі су тасқынына дайындық жұмыстарын бастады, он екі ауылда "
        "бөгеттер нығайтылады және өзен арналары тазартылады.",
        "Сурет: Ерлан Мұқанов",
        "Төтенше жағдайлар департаментінің мәліметінше, биыл қыста қар мөлшері орташа "
        "көрсеткіштен жиырма пайызға көп болады деп күтілуде.",
        "Сондай-ақ оқыңыз: Атырауда жаңа көпір салынады",
        "Тұрғындарға құм салынған қаптар мен сорғылар таратылады, әкімдік жедел желі "
        "нөмірін жариялады.",
        "Манбаъ: Ховар",
    ]
    figure = "<figure><img src='/i/su.jpg'><figcaption>Бөгет. Сурет: Дала</figcaption></figure>"
    html = (
        "<html><head><title>Су тасқыны</title></head><body><article>"
        "<h1>Облыста су тасқынына дайындық басталды</h1>" + figure
        + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article></body></html>"
    ).encode()  # fmt: skip
    article = extract_article(html, "https://dala.example/n/1").article
    assert [(i.caption, i.credit) for i in article.images] == [("Бөгет.", "Дала")]
    assert "Сурет" not in article.text and "Сондай-ақ" not in article.text
    assert article.source == "Khovar"


@pytest.mark.parametrize(
    ("line", "where"),
    [
        ("<div class='meta'>5 ноября 2026, 09:30 · Автор: Айгуль Сыдыкова</div>", "head"),
        ("<div class='info'><span>2026-yil 4-dekabr</span> <span>Muallif: Айгуль Сыдыкова"
         "</span> <span>1245</span></div>", "head"),
        ("<p>Текст: Айгуль Сыдыкова. Фото: Ош Инфо</p>", "tail"),
    ],
)  # fmt: skip
def test_a_labelled_byline_outside_an_author_element_names_the_author(
    line: str, where: str
) -> None:
    # "Автор:", "Muallif:" and "Текст:" lines gave no author, and the last stayed in the body
    from crawler.extract.article import extract_article

    head, tail = (line, "") if where == "head" else ("", line)
    article = extract_article(
        _page("Tram line opens in the city", "", "")
        .replace(
            b"<h1>Tram line opens in the city</h1>",
            f"<h1>Tram line opens in the city</h1>{head}".encode(),
        )
        .replace(b"</article>", f"{tail}</article>".encode()),
        "https://city.example/n/3",
    ).article
    assert article.authors == ["Айгуль Сыдыкова"]
    assert "Сыдыкова" not in article.text


def test_a_live_blog_s_json_ld_gives_its_authors_and_time() -> None:
    # LiveBlogPosting was no article type: no authors, and the day only
    from crawler.extract.article import extract_article

    jsonld = (
        '<script type="application/ld+json">{"@type": "LiveBlogPosting", "headline": '
        '"Tram line opens in the city", "datePublished": "2026-11-30T02:00:00Z", '
        '"author": [{"@type": "Person", "name": "Maria Ivanova"}]}</script>'
    )
    article = extract_article(
        _page("Tram line opens in the city", "", jsonld),
        "https://city.example/live/1",
        fetched="2026-12-01T00:00:00+00:00",
    ).article
    assert (article.authors, article.published) == (["Maria Ivanova"], "2026-11-30T02:00:00+00:00")
