"""Per-outlet boilerplate learning, tail markers and template lines."""

from __future__ import annotations

import asyncio
import pickle
from types import SimpleNamespace

import pytest

from crawler.extract.boilerplate import (
    Boilerplate,
    BoilerplateLearner,
    cut_tail,
    is_tail_marker,
    is_tail_template,
    is_template_line,
    remove_learned,
    restrip,
    strip_tail_notices,
    strip_template_lines,
)
from crawler.extract.paragraphs import paragraph_key
from crawler.fetch.first_articles import FirstArticles
from crawler.fetch.pipelines import ExtractPipeline
from crawler.fetch.pool import PoolResult
from crawler.items import Article, FetchedPage
from dedup import DedupConfig, signature

FOOTER = "Поддержите независимую редакцию: подпишитесь на нашу рассылку и расскажите друзьям."


def keys(paragraphs: list[str]) -> list[str]:
    return [paragraph_key(p) for p in paragraphs]


def article(i: int, *extra: str) -> list[str]:
    return [
        f"Уникальный абзац номер {i}.{j} о событиях дня в городе {i}." for j in range(4)
    ] + list(extra)


def test_a_line_in_many_articles_of_an_outlet_is_learned() -> None:
    learner = BoilerplateLearner()
    for i in range(12):
        learner.observe("vlast", keys(article(i, FOOTER)))
    bp = learner.boilerplate("vlast")
    assert bp is not None and bp.keys == {paragraph_key(FOOTER)}
    assert learner.boilerplate("kloop") is None


def test_nothing_is_learned_from_too_few_articles() -> None:
    learner = BoilerplateLearner()
    for i in range(3):
        learner.observe("vlast", keys(article(i, FOOTER)))
    assert learner.boilerplate("vlast") is None


def test_a_small_outlet_learns_its_footer_from_four_articles() -> None:
    learner = BoilerplateLearner()
    for i in range(4):
        learner.observe("osh", keys(article(i, FOOTER) if i != 1 else article(i)))
    assert learner.boilerplate("osh").keys == {paragraph_key(FOOTER)}


def test_early_learning_needs_half_of_the_articles() -> None:
    learner = BoilerplateLearner()
    for i in range(7):  # in 3 of 7: below half, not learned
        learner.observe("osh", keys(article(i, FOOTER) if i % 3 == 0 else article(i)))
    assert learner.boilerplate("osh").keys == frozenset()
    learner = BoilerplateLearner()
    for i in range(4):  # in 2 of 4: half, but fewer than 3 articles
        learner.observe("osh", keys(article(i, FOOTER) if i % 2 == 0 else article(i)))
    assert learner.boilerplate("osh").keys == frozenset()


def test_versions_of_one_story_among_the_first_articles_count_once() -> None:
    story = article(0)
    learner = BoilerplateLearner()
    for v in range(3):  # three updates of one story, each with a line of its own
        learner.observe("osh", keys([*story, f"Обновлено в {v + 10}:00: вода прибывает.", FOOTER]))
    learner.observe("osh", keys(article(1, FOOTER)))
    learner.observe("osh", keys(article(2, FOOTER)))
    # the footer is in three stories; the flood story's paragraphs are in one
    assert learner.boilerplate("osh").keys == {paragraph_key(FOOTER)}


def test_from_ten_articles_the_long_run_rule_applies() -> None:
    learner = BoilerplateLearner()
    for i in range(10):  # in 5 of 10: at least MIN_COUNT and MIN_SHARE
        learner.observe("osh", keys(article(i, FOOTER) if i % 2 == 0 else article(i)))
    assert learner.boilerplate("osh").keys == {paragraph_key(FOOTER)}


def test_a_line_in_a_few_articles_is_not_boilerplate() -> None:
    learner = BoilerplateLearner()
    for i in range(40):
        learner.observe("24kg", keys(article(i, FOOTER) if i % 10 == 0 else article(i)))
    assert learner.boilerplate("24kg").keys == frozenset()


def test_a_changed_footer_is_unlearned_as_the_window_rolls() -> None:
    learner = BoilerplateLearner(window=20)
    for i in range(20):
        learner.observe("cabar", keys(article(i, "Old donor line of the project A.")))
    for i in range(20, 40):
        learner.observe("cabar", keys(article(i, "New donor line of the project B.")))
    assert learner.boilerplate("cabar").keys == {paragraph_key("New donor line of the project B.")}


def test_state_round_trips_through_json_and_pickle() -> None:
    learner = BoilerplateLearner()
    for i in range(12):
        learner.observe("vlast", keys(article(i, FOOTER)))
    again = BoilerplateLearner.from_json(learner.to_json())
    assert again.boilerplate("vlast") == learner.boilerplate("vlast")
    assert again.outlets() == ["vlast"]
    bp = learner.boilerplate("vlast")
    assert pickle.loads(pickle.dumps(bp)) == bp


def test_foreign_state_version_is_refused() -> None:
    with pytest.raises(ValueError, match="version"):
        BoilerplateLearner.from_json('{"version": 99}')


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match=r"min_share=1\.5"):
        BoilerplateLearner(min_share=1.5)


def test_remove_learned_drops_only_known_keys() -> None:
    paras = article(1, FOOTER)
    bp = Boilerplate("vlast", frozenset({paragraph_key(FOOTER)}))
    assert remove_learned(paras, keys(paras), bp) == paras[:-1]
    assert remove_learned(paras, keys(paras), None) == paras


def test_tail_marker_in_the_middle_of_a_long_text_does_not_truncate() -> None:
    body = ["A long paragraph of the article body with many words in it. " * 4] * 3
    paras = [*body, "Related", *body, *body]
    assert cut_tail(paras) == paras


def test_tail_marker_followed_by_a_headline_river_is_cut_anywhere() -> None:
    body = ["A long paragraph of the article body with many words in it. " * 4] * 2
    river = [f"12:0{i} Short headline number {i}" for i in range(8)]
    assert cut_tail([*body, "Лента новостей", *river]) == body


@pytest.mark.parametrize(
    "line",
    [
        "Read also",
        "Читайте также:",
        "ЭТО МОЖЕТ БЫТЬ ИНТЕРЕСНО",
        "Популярные новости",
        "Most Read",
        "Related Stories",
    ],
)
def test_tail_markers(line: str) -> None:
    assert is_tail_marker(line)


@pytest.mark.parametrize(
    "line",
    [
        "Facebook Twitter WhatsApp Email",
        "Бөлісу Сілтемесін көшіру Facebook X (Twitter) WhatsApp Email",
        "Читайте также: В Оше открыли новый мост",
        "Lire aussi sur Novastan : Le Kirghizstan et l'eau",
        "‘This publication was funded by the European Union.",
        "If you have found a spelling error, please, notify us by selecting that text and "
        "pressing Ctrl+Enter .",
        "Если вы нашли ошибку в тексте, выделите ее мышью и нажмите Ctrl+Enter",
    ],
)
def test_template_lines(line: str) -> None:
    assert is_template_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "Related talks between the two ministries continued on Tuesday.",
        "The publication was funded by a grant, the minister said, and will continue next year.",
        "Facebook said on Monday it would open an office in Almaty.",
    ],
)
def test_prose_is_not_a_template_line(line: str) -> None:
    assert not is_template_line(line)
    assert not is_tail_marker(line)


BODY = [
    "The district council approved a plan to repair the old bridge over the river before spring.",
    "Residents said the crossing had been closed to lorries for two winters in a row.",
]


@pytest.mark.parametrize(
    "line",
    [
        "Reprinting of Example Wire materials is allowed only with an active hyperlink.",
        "Materials may be republished free of charge with an active link to the original.",
        "Перепечатка материалов Примера разрешена только с активной ссылкой на источник.",
        "При использовании материалов сайта гиперссылка на источник обязательна.",
        "Материалдарды пайдаланған кезде сілтеме міндетті.",
        "Materiallardan foydalanilganda manbaga havola berish shart.",
        "© 2031 Example Daily. All rights reserved.",
        "Все права защищены.",
        "If you notice a mistake in the text, select it and press Ctrl+Enter .",
        "Нашли ошибку? Выделите её и нажмите Ctrl+Enter.",
        "Found a typo? Let the editors know.",
    ],
)
def test_tail_templates_are_dropped_from_the_end(line: str) -> None:
    assert is_tail_template(line)
    assert strip_tail_notices([*BODY, line]) == BODY


def test_tail_templates_stay_in_the_middle_of_the_body() -> None:
    line = "Reprinting of Example Wire materials is allowed only with an active hyperlink."
    body = [BODY[0], line, *BODY[1:], "The work will start in March and should take four months."]
    assert strip_tail_notices(body) == body


@pytest.mark.parametrize(
    "line",
    [
        "The publisher said the reprint of the atlas would cost twice as much as a link road.",
        "The auditor found a mistake in the ministry's figures for the second quarter.",
        "Officials reproduced the old map, an engineer told us, without asking for permission.",
    ],
)
def test_prose_about_reprints_and_mistakes_is_kept(line: str) -> None:
    assert not is_tail_template(line)
    assert strip_tail_notices([*BODY, line]) == [*BODY, line]


def test_restrip_removes_what_was_learned_after_extraction() -> None:
    paragraphs = article(1, FOOTER)
    text = "\n\n".join(paragraphs)
    learned = Boilerplate("vlast", frozenset({paragraph_key(FOOTER)}))
    assert restrip(text, keys(paragraphs), None, learned) == "\n\n".join(paragraphs[:-1])
    assert restrip(text, keys(paragraphs), None, None) is None
    # already removed at extraction: nothing more to do
    body = "\n\n".join(paragraphs[:-1])
    assert restrip(body, keys(paragraphs), learned, learned) is None


class _Stats:
    def inc_value(self, key: str) -> None:
        pass


class _ConcurrentPool:
    """Extracts an outlet's pages all at once, like a crawl's first pages: every page is held
    until all of them were submitted, so each is extracted before any was observed."""

    def __init__(self, pages: int) -> None:
        self.dedup_config = DedupConfig()
        self.used: list[Boilerplate | None] = []
        self._pages = pages
        self._all_in = asyncio.Event()

    async def extract(self, page: FetchedPage, boilerplate: Boilerplate | None) -> PoolResult:
        self.used.append(boilerplate)
        if len(self.used) == self._pages:
            self._all_in.set()
        await self._all_in.wait()
        paragraphs = page.body.decode().split("\n")
        all_keys = keys(paragraphs)
        text = "\n\n".join(remove_learned(paragraphs, all_keys, boilerplate))
        article = Article(
            id=page.url,
            url=page.url,
            canonical_url=page.url,
            outlet=page.outlet,
            title="t",
            text=text,
            fetched=page.fetched,
        )
        sig = signature(text, self.dedup_config).to_bytes()
        return PoolResult(article=article, signature=sig, paragraph_keys=all_keys)


async def test_an_outlets_first_articles_lose_the_footer_learned_from_them() -> None:
    pool = _ConcurrentPool(pages=6)
    pipeline = ExtractPipeline(pool, BoilerplateLearner(), _Stats())  # type: ignore[arg-type]
    pipeline.crawler = SimpleNamespace(spider=None)  # only skipped pages use the spider
    pages = [
        FetchedPage(
            url=f"https://vlast.example/{i}",
            outlet="vlast",
            body="\n".join(article(i, FOOTER)).encode(),
            fetched="2026-11-10T12:00:00Z",
        )
        for i in range(6)
    ]
    items = await asyncio.gather(*(pipeline.process_item(page) for page in pages))
    assert pool.used == [None] * 6  # all extracted before anything was learned
    for item in items:
        assert FOOTER not in item.article.text
        assert item.article.text.startswith("Уникальный абзац")
        assert item.signature == signature(item.article.text, pool.dedup_config).to_bytes()


async def test_a_first_article_waits_for_its_outlets_page_on_its_way_not_for_a_lost_one() -> None:
    first = FirstArticles(max_wait=3600)  # only events end this wait, never the clock
    first.expect("vlast")
    first.expect("vlast")
    async with first.extracting("vlast"):  # one page arrived and was extracted
        pass
    waiter = asyncio.create_task(first.settle("vlast", lambda: False))
    for _ in range(20):
        await asyncio.sleep(0)
    assert not waiter.done()  # the other page is still on its way
    first.lost("vlast")  # ... and failed
    await asyncio.wait_for(waiter, 10)
    first.lost("vlast")  # one too many (a page the crawl did not count) changes nothing
    await asyncio.wait_for(first.settle("vlast", lambda: False), 10)


async def test_a_first_article_stops_waiting_for_pages_a_stopping_crawl_will_not_fetch() -> None:
    # a SIGTERM dropped the outlet's queued requests without a signal: the article waited 30 s
    stopping = False
    first = FirstArticles(max_wait=3600, stopping=lambda: stopping)
    first.expect("vlast")
    waiter = asyncio.create_task(first.settle("vlast", lambda: False))
    for _ in range(20):
        await asyncio.sleep(0)
    assert not waiter.done()
    stopping = True
    async with first.extracting("other"):  # any change, or the next look, ends the wait
        pass
    await asyncio.wait_for(waiter, 10)
    # a page in extraction is still waited for: it is coming
    first.expect("kloop")
    async with first.extracting("kloop"):
        waiter = asyncio.create_task(first.settle("kloop", lambda: False))
        for _ in range(20):
            await asyncio.sleep(0)
        assert not waiter.done()
    await asyncio.wait_for(waiter, 10)


def test_a_bare_address_between_text_lines_stays_and_one_at_the_end_goes() -> None:
    lines = [
        "Three kettles we tried this winter, with the shop for each.",
        "Copper kettle, two litres",
        "https://shop.example/kettle-copper",
        "Enamel kettle, one litre",
        "https://shop.example/kettle-enamel",
        "Both boiled water faster than the old stove-top model.",
        "www.kettle-review.example",
    ]
    kept = strip_template_lines(lines)
    assert "https://shop.example/kettle-copper" in kept
    assert "https://shop.example/kettle-enamel" in kept
    assert "www.kettle-review.example" not in kept
    assert strip_template_lines(
        ["Intro line.", "https://a.example/1", "https://a.example/2", "Closing line."]
    ) == ["Intro line.", "Closing line."]
