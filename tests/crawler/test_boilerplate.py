"""Per-outlet boilerplate learning, tail markers and template lines."""

from __future__ import annotations

import pickle

import pytest

from crawler.boilerplate import (
    Boilerplate,
    BoilerplateLearner,
    cut_tail,
    is_tail_marker,
    is_template_line,
    remove_learned,
)
from crawler.paragraphs import paragraph_key

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
    for i in range(5):
        learner.observe("vlast", keys(article(i, FOOTER)))
    assert learner.boilerplate("vlast") is None


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
