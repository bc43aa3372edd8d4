"""extract_article: the contract, the acceptance page, metadata, non-articles and bad input."""

from __future__ import annotations

import gzip
import json
import pickle

import pytest
import trafilatura

from crawler.errors import ExtractionError, NotAnArticle
from crawler.extract import article as extract_module
from crawler.extract.article import Extraction, extract_article, reset_caches
from crawler.extract.boilerplate import BoilerplateLearner
from crawler.extract.paragraphs import normalize, paragraph_key
from crawler.items import Article, Priors
from crawler.urls import article_id, canonicalize
from tests.shared import shared_path

FETCHED = "2026-10-01T00:00:00Z"

PARAS = [
    "The regional council approved a plan to rebuild the old irrigation canal that runs "
    "through four villages south of the city.",
    "Engineers say the canal loses almost half of its water through cracks in the concrete "
    "lining, which was laid more than fifty years ago.",
    "Work will start after the harvest and continue through the winter months, when the "
    "canal is normally empty.",
]


def page(body: str, head: str = "", lang: str = "en") -> bytes:
    """A small article page around the given body markup."""
    return (
        f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>"
        f"<title>Canal to be rebuilt | Example News</title>{head}</head><body>"
        f"<header><nav><a href='/'>Home</a> <a href='/news'>News</a></nav></header>"
        f"<article><h1>Canal to be rebuilt</h1>{body}</article>"
        f"<footer><p>© Example News</p></footer></body></html>"
    ).encode()


def body_of(paras: list[str]) -> str:
    return "".join(f"<p>{p}</p>" for p in paras)


# --- the contract ----------------------------------------------------------------------------


def test_extraction_carries_an_article_and_paragraph_keys() -> None:
    ex = extract_article(
        page(body_of(PARAS)),
        "https://example.com/news/canal?utm_source=x",
        outlet="example",
        fetched=FETCHED,
    )
    assert isinstance(ex, Extraction)
    assert isinstance(ex.article, Article)
    assert ex.article.text == "\n\n".join(PARAS)
    assert ex.article.canonical_url == canonicalize("https://example.com/news/canal")
    assert ex.article.id == article_id(ex.article.canonical_url)
    assert ex.article.outlet == "example"
    assert ex.article.fetched == FETCHED
    assert ex.article.title == "Canal to be rebuilt"
    assert len(ex.paragraph_keys) == len(PARAS) and all(ex.paragraph_keys)


def test_extraction_and_errors_survive_pickling() -> None:
    ex = extract_article(page(body_of(PARAS)), "https://example.com/a", fetched=FETCHED)
    assert pickle.loads(pickle.dumps(ex)).article == ex.article
    err = pickle.loads(pickle.dumps(NotAnArticle("listing")))
    assert isinstance(err, NotAnArticle) and err.reason == "listing"


def test_canonical_link_on_another_site_is_ignored() -> None:
    head = "<link rel='canonical' href='https://aggregator.example.org/copy/1'>"
    ex = extract_article(page(body_of(PARAS), head), "https://example.com/a", fetched=FETCHED)
    assert ex.article.canonical_url == "https://example.com/a"


def test_canonical_link_on_the_same_site_is_used() -> None:
    head = "<link rel='canonical' href='/news/canal-rebuilt'>"
    ex = extract_article(
        page(body_of(PARAS), head), "https://www.example.com/a?id=1", fetched=FETCHED
    )
    assert ex.article.canonical_url == "https://www.example.com/news/canal-rebuilt"


def test_reset_caches_can_be_called_between_pages() -> None:
    first = extract_article(page(body_of(PARAS)), "https://example.com/a", fetched=FETCHED)
    reset_caches()
    again = extract_article(page(body_of(PARAS)), "https://example.com/a", fetched=FETCHED)
    assert again.article.text == first.article.text
    assert again.article.text.startswith(PARAS[0][:40])


def test_a_pages_paragraphs_are_normalised_once_each_and_forgotten_after_it() -> None:
    # more lines than a bounded LRU cache holds: on a page of 70,000 lines (a timetable) each of
    # the four passes over the body missed on every line
    lines = [f"Entry {i} of a listing longer than any bounded cache" for i in range(10_000)]
    first = [normalize(line) for line in lines]
    assert all(normalize(line) is form for line, form in zip(lines, first, strict=True))
    extract_article(page(body_of(PARAS)), "https://example.com/a", fetched=FETCHED)
    again = normalize(lines[0])
    assert again == first[0] and again is not first[0]  # made anew: the page's forms are gone


# --- the acceptance page -----------------------------------------------------------------------


def test_iwpr_seed_body_is_every_paragraph_in_order_and_nothing_else() -> None:
    iwpr = shared_path("acceptance", "iwpr-seed")
    expected = json.loads((iwpr / "expected.json").read_text(encoding="utf-8"))
    ex = extract_article(
        (iwpr / "page.html").read_bytes(), expected["url"], outlet="iwpr", fetched=FETCHED
    )
    article = ex.article
    got = [" ".join(p.split()) for p in article.text.split("\n\n")]
    assert got == [" ".join(p.split()) for p in expected["body_paragraphs"]]
    for line in expected["must_not_appear_in_body"]:
        assert normalize(line) not in normalize(article.text), line
    assert article.title == expected["title"]
    assert article.subtitle == expected["subtitle"].strip()
    assert article.published.startswith(expected["published"])
    assert article.language == expected["language"]
    captions = [f"{i.caption} © {i.credit}" if i.credit else i.caption for i in article.images]
    for caption in expected["image_captions"]:
        assert caption in captions


# --- body cleaning -----------------------------------------------------------------------------


def test_headline_block_repeated_at_the_top_is_removed_and_kept_as_fields() -> None:
    standfirst = "Four villages will get water again after fifty years of leaks."
    head = f"<meta property='og:description' content='{standfirst}'>"
    body = (
        f"<div class='standfirst'>{standfirst}</div>"
        "<p>Canal to be Rebuilt</p>"  # the title again, other case
        f"<p>{standfirst.replace('.', '')}</p>"  # the standfirst again
        "<figure><img src='/c.jpg' alt='The canal near the village of Kara-Suu'>"
        "<figcaption>The canal near the village of Kara-Suu. © Example News</figcaption>"
        "</figure>"
        "<div class='program-label'>A project of the Water Reporting Programme</div>"
        "<p class='date'>Tuesday, 11 March, 2025</p>" + body_of(PARAS)
    )
    ex = extract_article(page(body, head), "https://example.com/a", fetched=FETCHED)
    assert ex.article.text == "\n\n".join(PARAS)
    assert ex.article.subtitle == standfirst
    assert ex.article.images[0].caption == "The canal near the village of Kara-Suu."
    assert ex.article.images[0].credit == "Example News"
    assert ex.article.images[0].url == "https://example.com/c.jpg"


def test_a_paragraph_repeated_inside_the_article_is_kept_once() -> None:
    quote = (
        "“We have waited for this canal to be repaired for as long as I can remember,” "
        "said a farmer from the village."
    )
    body = body_of([PARAS[0], quote, PARAS[1], f"<strong>{quote}</strong>", PARAS[2]])
    ex = extract_article(page(body), "https://example.com/a", fetched=FETCHED)
    assert ex.article.text.split("\n\n") == [PARAS[0], quote, PARAS[1], PARAS[2]]


def test_tail_marker_near_the_end_cuts_the_related_block() -> None:
    body = body_of(
        [
            *PARAS,
            "Read also",
            "Bridge repairs finished in the north",
            "New school opens in the valley",
        ]
    )
    ex = extract_article(page(body), "https://example.com/a", fetched=FETCHED)
    assert ex.article.text == "\n\n".join(PARAS)


def test_a_cross_link_line_in_the_middle_goes_but_the_text_after_it_stays() -> None:
    body = body_of([PARAS[0], "Читайте также: Мост через реку откроют в мае", *PARAS[1:]])
    ex = extract_article(page(body), "https://example.com/a", fetched=FETCHED)
    assert ex.article.text == "\n\n".join(PARAS)


def test_funding_line_and_share_widget_are_removed() -> None:
    body = body_of(
        [
            *PARAS,
            "This publication was produced with the financial support of the European Union.",
            "Facebook Twitter Telegram",
        ]
    )
    ex = extract_article(page(body), "https://example.com/a", fetched=FETCHED)
    assert ex.article.text == "\n\n".join(PARAS)


def test_learned_boilerplate_is_removed_but_its_keys_are_reported() -> None:
    footer = "Example News is supported by the readers' club: join it to keep local news alive."
    learner = BoilerplateLearner(min_articles=3, min_count=3)
    for i in range(4):
        other = [
            f"Story {i} paragraph {j} about a different topic in town number {i}." * 2
            for j in range(3)
        ]
        ex = extract_article(
            page(body_of([*other, footer])), f"https://example.com/{i}", fetched=FETCHED
        )
        learner.observe("example", ex.paragraph_keys)
    bp = learner.boilerplate("example")
    assert bp is not None and len(bp) == 1
    bp = pickle.loads(pickle.dumps(bp))
    ex = extract_article(
        page(body_of([*PARAS, footer])), "https://example.com/new", fetched=FETCHED, boilerplate=bp
    )
    assert ex.article.text == "\n\n".join(PARAS)
    assert len(ex.paragraph_keys) == len(PARAS) + 1


# --- metadata ----------------------------------------------------------------------------------


def test_dates_after_the_fetch_time_are_refused_and_priors_fill_in() -> None:
    head = "<meta property='article:published_time' content='2031-01-01T00:00:00Z'>"
    priors = Priors(published="2026-09-30T08:00:00+00:00", source="feed")
    ex = extract_article(
        page(body_of(PARAS), head), "https://example.com/a", fetched=FETCHED, priors=priors
    )
    assert ex.article.published == "2026-09-30T08:00:00+00:00"


def test_page_dates_win_over_priors_and_modified_is_read() -> None:
    head = (
        "<meta property='article:published_time' content='2026-09-29T10:00:00+06:00'>"
        "<meta property='article:modified_time' content='2026-09-29T12:00:00+06:00'>"
    )
    priors = Priors(published="2026-09-30T08:00:00+00:00", source="sitemap")
    ex = extract_article(
        page(body_of(PARAS), head), "https://example.com/a", fetched=FETCHED, priors=priors
    )
    assert ex.article.published == "2026-09-29T10:00:00+06:00"
    assert ex.article.modified == "2026-09-29T12:00:00+06:00"


def test_prior_title_is_used_when_the_page_has_none() -> None:
    html = (
        "<html><head><meta charset='utf-8'></head><body><div>"
        + body_of(PARAS)
        + "</div></body></html>"
    ).encode()
    ex = extract_article(
        html,
        "https://example.com/a",
        fetched=FETCHED,
        priors=Priors(title="Canal plan approved", source="feed"),
    )
    assert ex.article.title == "Canal plan approved"
    assert ex.article.text == "\n\n".join(PARAS)


def test_authors_are_split_and_junk_is_dropped() -> None:
    head = (
        "<meta name='author' content='By Aida Bekova and Timur Karimov'>"
        "<meta property='article:author' content='https://facebook.com/examplenews'>"
    )
    ex = extract_article(page(body_of(PARAS), head), "https://example.com/a", fetched=FETCHED)
    assert ex.article.authors == ["Aida Bekova", "Timur Karimov"]


def test_language_comes_from_the_text_when_the_template_declares_another() -> None:
    ru = [
        "Городской совет утвердил план реконструкции старого оросительного канала, который "
        "проходит через четыре села к югу от города.",
        "Инженеры говорят, что канал теряет почти половину воды через трещины в бетоне, "
        "уложенном более пятидесяти лет назад.",
    ]
    ex = extract_article(page(body_of(ru), lang="en"), "https://example.com/a", fetched=FETCHED)
    assert ex.article.language == "ru"


# --- not articles ------------------------------------------------------------------------------


def test_error_page_is_not_an_article() -> None:
    html = (
        b"<html><head><title>404 Not Found</title></head><body><h1>Page not found</h1>"
        b"<p>Sorry, the page you are looking for does not exist.</p></body></html>"
    )
    with pytest.raises(NotAnArticle) as info:
        extract_article(html, "https://example.com/gone", fetched=FETCHED)
    assert info.value.reason == "error-page"


def test_tag_page_is_a_listing() -> None:
    with pytest.raises(NotAnArticle) as info:
        extract_article(page(body_of(PARAS)), "https://example.com/tag/water/", fetched=FETCHED)
    assert info.value.reason == "listing"


def test_page_of_teasers_is_a_listing() -> None:
    teasers = "".join(
        f"<article><h2><a href='/n{i}'>Headline {i}</a></h2><p>Teaser {i}.</p></article>"
        for i in range(10)
    )
    html = f"<html><body><main>{teasers}</main></body></html>".encode()
    with pytest.raises(NotAnArticle) as info:
        extract_article(html, "https://example.com/news", fetched=FETCHED)
    assert info.value.reason == "listing"


def test_page_without_a_body_is_not_an_article() -> None:
    html = b"<html><head><title>Video</title></head><body><h1>Video</h1><p>Watch.</p></body></html>"
    with pytest.raises(NotAnArticle) as info:
        extract_article(html, "https://example.com/v", fetched=FETCHED)
    assert info.value.reason in ("empty-body", "too-short")


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty"),
        (b"   \n\t ", "empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10, "binary"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "binary"),
        (gzip.compress(b"<html><body><p>zipped</p></body></html>"), "binary"),
        (bytes(range(32)) * 100, "binary"),
        (b"<html><body>" + b"<p>" + b"x" * (9 * 1024 * 1024) + b"</p></body></html>", "too-large"),
    ],
)
def test_unreadable_input_gives_an_error_with_a_reason(body: bytes, reason: str) -> None:
    with pytest.raises(ExtractionError) as info:
        extract_article(body, "https://example.com/a", fetched=FETCHED)
    assert info.value.reason == reason
    assert not isinstance(info.value, NotAnArticle)


@pytest.mark.parametrize(
    "body",
    [
        page(body_of(PARAS))[:300],  # truncated
        b"<html><body>" + b"<div>" * 5000 + b"<p>deep</p>" + b"</div>" * 5000 + b"</body></html>",
        b"<html><body><p>unclosed <b><i>tags <table><tr><td>cell</p></div></span></body>",
        b"<<<>>><html<<body>>&&&&#x0;&#xD800;</html>",
        "<html><body><p>\ud800 lone surrogate</p></body></html>".encode("utf-8", "surrogatepass"),
        b"not html at all, just a line of text",
    ],
)
def test_malformed_input_never_raises_anything_but_extraction_errors(body: bytes) -> None:
    try:
        ex = extract_article(body, "https://example.com/a", fetched=FETCHED)
    except ExtractionError as exc:
        # every exception is wrapped as ExtractionError: "internal" is the one that means a bug
        assert exc.reason and exc.reason != "internal", exc.detail
    else:
        assert isinstance(ex.article.text, str)


def test_unexpected_failure_is_wrapped_as_internal(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise KeyError("surprise")

    monkeypatch.setattr(extract_module, "fast_extraction", boom)  # every page goes through it
    with pytest.raises(ExtractionError) as info:
        extract_article(page(body_of(PARAS)), "https://example.com/a", fetched=FETCHED)
    assert info.value.reason == "internal"
    assert "KeyError" in info.value.detail


def test_non_bytes_body_is_refused() -> None:
    with pytest.raises(ExtractionError) as info:
        extract_article("<html></html>", "https://example.com/a")  # type: ignore[arg-type]
    assert info.value.reason == "unparsable"


def test_extraction_runs_in_a_spawned_worker_with_learned_boilerplate() -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    footer = "Support Example News: become a member of the readers' club today and every day."
    learner = BoilerplateLearner(min_articles=1, min_count=1)
    learner.observe("example", [paragraph_key(footer)])
    body = page(body_of([*PARAS, footer]))
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        ex = pool.submit(
            extract_article,
            body,
            "https://example.com/a",
            outlet="example",
            fetched=FETCHED,
            boilerplate=learner.boilerplate("example"),
        ).result()
        pool.submit(reset_caches).result()
    assert ex.article.text == "\n\n".join(PARAS)


# --- generic tail and standfirst rules (before the outlet's boilerplate is learned) -----------


def test_reprint_and_error_report_lines_are_cut_from_the_end() -> None:
    tail = [
        "Reprinting of Example News materials is allowed only with an active hyperlink to the "
        "source.",
        "Нашли ошибку? Выделите текст и нажмите Ctrl+Enter.",
    ]
    ex = extract_article(
        page(body_of(PARAS + tail)), "https://example.com/news/canal", fetched=FETCHED
    )
    assert normalize(ex.article.text) == normalize(" ".join(PARAS))


def test_a_closing_author_line_goes_to_authors() -> None:
    head = '<meta name="author" content="Lola Example">'
    ex = extract_article(
        page(body_of([*PARAS, "Lola Example"]), head),
        "https://example.com/news/canal",
        fetched=FETCHED,
    )
    assert ex.article.authors == ["Lola Example"]
    assert normalize(ex.article.text) == normalize(" ".join(PARAS))


def test_a_camel_case_lead_that_is_also_the_description_becomes_the_subtitle() -> None:
    lead = "The canal has lost half of its water every summer for a decade."
    head = f'<meta property="og:description" content="{lead}">'
    body = (
        f'<div class="articleLead">{lead}</div>'
        f'<div class="articleContent">{body_of([lead, *PARAS])}</div>'
    )
    ex = extract_article(page(body, head), "https://example.com/news/canal", fetched=FETCHED)
    assert ex.article.subtitle == lead
    assert normalize(ex.article.text) == normalize(" ".join(PARAS))


def test_a_lead_shown_once_as_the_first_paragraph_stays_in_the_body() -> None:
    lead = "The canal has lost half of its water every summer for a decade."
    head = f'<meta property="og:description" content="{lead}">'
    ex = extract_article(
        page(body_of([lead, *PARAS]), head), "https://example.com/news/canal", fetched=FETCHED
    )
    assert normalize(ex.article.text).startswith(normalize(lead))
    assert ex.article.subtitle is None


# --- link lines, split bodies, repeated rows ------------------------------------------------------

MORE = [
    "Farmers along the canal have asked for the work to be finished before the spring sowing, "
    "when the water is needed most.",
    "The council will publish the schedule of the works on its notice board next month, with "
    "the names of the contractors.",
]


def test_a_bare_address_in_running_text_stays_and_a_related_list_goes() -> None:
    body = (
        body_of(PARAS[:2])
        + "<p>The plan, with maps of each section of the canal:<br>"
        + "<a href='https://canal.example/plan'>https://canal.example/plan</a><br>"
        + "and the council's answers to the villages' questions.</p>"
        + body_of(PARAS[2:])
        + "<ul><li><a href='/a'>Bridge repairs delayed again</a></li>"
        + "<li><a href='/b'>New bus route to the market</a></li>"
        + "<li><a href='/c'>School roof fixed before winter</a></li></ul>"
    )
    text = extract_article(page(body), "https://example.com/n/1", fetched=FETCHED).article.text
    assert "https://canal.example/plan" in text
    assert all(p in text for p in PARAS)
    assert "Bridge repairs delayed again" not in text
    assert "New bus route" not in text


def test_a_linked_headline_between_paragraphs_goes_and_a_linked_sentence_stays() -> None:
    body = (
        body_of(PARAS[:1])
        + "<p><a href='/other'>Mayor opens the new covered market</a></p>"
        + body_of(PARAS[1:2])
        + "<p><a href='/plan'>The full plan of the works can be read on the council site.</a></p>"
        + body_of(PARAS[2:])
    )
    text = extract_article(page(body), "https://example.com/n/2", fetched=FETCHED).article.text
    assert "Mayor opens the new covered market" not in text
    assert "The full plan of the works can be read on the council site." in text


def test_the_later_containers_of_a_split_body_are_read() -> None:
    # trafilatura keeps the first of such containers on some templates (two AEB pages): the
    # helper that reads the rest is tested on its own
    part = "grid-item body body__container article__body"
    tree = trafilatura.load_html(
        "<html><body><main><h1>Canal to be rebuilt</h1>"
        f"<div class='grid'><div class='{part}'>{body_of(PARAS)}</div></div>"
        "<div class='ad-slot'><p>Advertisement</p></div>"
        f"<div class='grid'><div class='{part}'>{body_of(MORE)}</div></div>"
        f"<div class='comments'><div class='{part}'>"
        "<p>A reader wrote that the canal was already repaired once in the nineties, badly.</p>"
        "<p>Another reader asked whether the village wells will also be checked this year.</p>"
        "</div></div></main></body></html>"
    )
    assert extract_module._continuation(tree, PARAS) == MORE
    assert extract_module._continuation(tree, PARAS + MORE) == []


def test_a_generic_layout_class_is_not_read_as_a_continuation() -> None:
    tree = trafilatura.load_html(
        "<html><body><main>"
        f"<div class='widget-container'>{body_of(PARAS)}</div>"
        f"<div class='widget-container'>{body_of(MORE)}</div>"
        "</main></body></html>"
    )
    assert extract_module._continuation(tree, PARAS) == []


def test_rows_repeated_three_times_are_content_and_a_repeated_quote_is_not() -> None:
    row = "Breakfast: two boiled eggs, one slice of rye bread, half a cup of berries and tea"
    quote = "The canal is the lifeline of these villages and we cannot wait another year for it."
    body = body_of([PARAS[0], quote, row, PARAS[1], row, PARAS[2], row, quote, MORE[0]])
    text = extract_article(page(body), "https://example.com/n/4", fetched=FETCHED).article.text
    assert text.count(row) == 3
    assert text.count(quote) == 1


def test_the_lines_of_a_preformatted_block_stay_lines() -> None:
    table = "Line one of the timetable\nLine two with <b>a bold stop</b>\nLine three at noon"
    html = page(body_of(PARAS) + f"<pre>{table}</pre>")
    text = extract_article(html, "https://example.com/a", fetched=FETCHED).article.text
    assert "Line one of the timetable\n\nLine two with a bold stop\n\nLine three at noon" in text
