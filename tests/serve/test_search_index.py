"""The FTS5 search index: built for an existing archive, then kept in step by the archive."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from crawler.report.queries import SearchQuery, fts_query, search_articles
from crawler.report.query import Filters, articles, resolve
from crawler.store.archive import Archive
from crawler.store.search import build_search_index, has_search_index
from tests.factories import make_article


def _ids(archive: Archive, words: str) -> list[str] | None:
    hits = search_articles(archive, SearchQuery(words))
    return None if hits is None else [h["id"] for h in hits]


def test_an_archive_without_the_index_says_so_then_builds_it(db_path: Path) -> None:
    with Archive(db_path) as archive:
        archive.store_article(
            make_article(
                "a1", "ala-too", "2026-11-09T04:00:00Z", cluster="a1", title="Toktogul release"
            )
        )
        assert _ids(archive, "toktogul") is None
        assert build_search_index(archive) == 1
        assert build_search_index(archive) == 0  # there already
        assert has_search_index(archive.connection)
        assert _ids(archive, "toktogul") == ["a1"]
    with Archive.open_reader(db_path) as reader:  # what the dashboard opens
        assert _ids(reader, "Toktogul") == ["a1"]


def test_every_write_keeps_the_index_in_step(db_path: Path) -> None:
    with Archive(db_path) as archive:
        build_search_index(archive)
        first = make_article(
            "a1",
            "ala-too",
            "2026-11-09T04:00:00Z",
            cluster="a1",
            title="Spillway opened",
            text="The upper dam released water. " * 5,
        )
        archive.store_article(first)
        assert _ids(archive, "spillway") == ["a1"]
        # a new revision replaces the row (INSERT OR REPLACE): old words go, new words come
        archive.store_article(dataclasses.replace(first, title="Sluice gates closed"))
        assert _ids(archive, "spillway") == []
        assert _ids(archive, "sluice") == ["a1"]
        assert _ids(archive, "dam") == ["a1"]  # one index row per article, not two
        archive.connection.execute(
            "UPDATE articles SET text = 'Кырк күндүк жамгыр' WHERE id = 'a1'"
        )
        assert _ids(archive, "жамгыр") == ["a1"] and _ids(archive, "dam") == []
        archive.connection.execute("DELETE FROM articles WHERE id = 'a1'")
        assert _ids(archive, "sluice") == []
        count = archive.connection.execute("SELECT COUNT(*) FROM search_docs").fetchone()[0]
        assert count == 0


def test_the_index_survives_vacuum(db_path: Path) -> None:
    with Archive(db_path) as archive:
        for n in range(5):
            archive.store_article(
                make_article(
                    f"a{n}",
                    "osh24",
                    f"2026-11-0{n + 1}T04:00:00Z",
                    cluster=f"a{n}",
                    title=f"Word{n} story",
                )
            )
        build_search_index(archive)
        archive.connection.execute("DELETE FROM articles WHERE id IN ('a0', 'a2')")
        archive.connection.execute("VACUUM")  # may renumber the articles' hidden rowids
        assert [_ids(archive, f"word{n}") for n in range(5)] == [[], ["a1"], [], ["a3"], ["a4"]]


def test_user_words_become_quoted_fts_terms() -> None:
    assert fts_query("Вода  toktogul*") == '"вода" AND "toktogul"*'
    assert fts_query('NEAR(a b) OR "x') == '"near a" AND "b" AND "or" AND "x"'
    assert fts_query("e-mail") == '"e mail"'
    assert fts_query(" * () ") is None


def test_central_asian_letters_fold_case(db_path: Path) -> None:
    with Archive(db_path) as archive:
        build_search_index(archive)
        archive.store_article(
            make_article(
                "k1",
                "steppe",
                "2026-11-09T04:00:00Z",
                cluster="k1",
                title="ҚАЗАҚСТАН МЕН ӨЗБЕКСТАН",
                text="Тоҷикистон ва Ғарм. Oʻzbekiston café.",
            )
        )
        for word in ("қазақстан", "Өзбекстан", "тоҷикистон", "ғарм", "oʻzbekiston", "cafe"):
            assert _ids(archive, word) == ["k1"], word
        assert _ids(archive, "казакстан") == []  # қ and к are different letters


_AGREE = [
    ("c1", "Cash for the Tashkent ash cleanup", "Crews cleared volcanic ash near the river."),
    ("c2", "Astana signs the water deal", "The winter release washed the dam's spillway."),
    ("c3", "Kazakhstan’s harvest", "São Paulo traders bought the grain; the wheat stays cheap."),
    ("c4", "Вода в Токтогуле", "Выпуск воды зимой увеличат, сообщили в Бишкеке."),
    ("c5", "Toktogul reservoir", "Levels at the Toktogul reservoir fell below the winter mark."),
    # Uzbek oʻ and gʻ as they are typed: a turned comma, a modifier apostrophe, an ASCII one
    ("u1", "Qoʻshni viloyat", "Fargʻona vodiysida suv koʻpaydi."),
    ("u2", "Qoʼshni viloyat", "Fargʼona vodiysida suv koʼpaydi."),
    ("u3", "Qo'shni viloyat", "Farg'ona vodiysida suv ko'paydi."),
]


@pytest.mark.parametrize(
    "words",
    [
        "ash",  # a whole word: not "cash" nor "Tashkent"
        "Astana release",  # one word in the title, the other in the text
        "Kazakhstan's",  # an ASCII apostrophe finds the curly one
        "sao paulo",  # diacritics folded, as the index folds them
        "toktog*",  # a prefix
        "воды зимой",
        "winter",
        "toktogul grain",  # no article holds both
        '"OR" NEAR',
        "qoʻshni",
        "Farg'ona",
        "koʼp*",
    ],
)
def test_export_query_and_dashboard_search_find_the_same_articles(
    db_path: Path, words: str
) -> None:
    with Archive(db_path) as archive:
        for number, (key, title, text) in enumerate(_AGREE):
            when = f"2026-11-0{number + 1}T04:00:00Z"
            archive.store_article(
                make_article(key, "ala-too", when, cluster=key, title=title, text=text * 3)
            )
        build_search_index(archive)
        searched = sorted(_ids(archive, words) or [])
        exported = sorted(a.id for a in articles(archive, resolve(Filters(query=words), [])))
    assert exported == searched, words


@pytest.mark.parametrize("words", ["qoʻshni", "qoʼshni", "qo'shni", "qo‘shni", "Fargʻona"])
def test_an_uzbek_word_is_found_however_its_apostrophe_is_typed(db_path: Path, words: str) -> None:
    with Archive(db_path) as archive:
        for key, title, text in _AGREE[-3:]:
            archive.store_article(
                make_article(
                    key, "kun", "2026-11-01T04:00:00Z", cluster=key, title=title, text=text
                )
            )
        build_search_index(archive)
        assert sorted(_ids(archive, words) or []) == ["u1", "u2", "u3"]
        exported = sorted(a.id for a in articles(archive, resolve(Filters(query=words), [])))
    assert exported == ["u1", "u2", "u3"]


def test_an_index_built_with_the_earlier_tokenizer_is_built_again(db_path: Path) -> None:
    with Archive(db_path) as archive:
        key, title, text = _AGREE[-3]
        archive.store_article(
            make_article(key, "kun", "2026-11-01T04:00:00Z", cluster=key, title=title, text=text)
        )
        build_search_index(archive)
        db = archive.connection
        with archive.transaction():  # as an earlier newsmon made it: ʻ inside the words
            db.execute("DROP TABLE search_fts")
            db.execute(
                "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, "
                "tokenize = 'unicode61 remove_diacritics 2')"
            )
            db.execute(
                "INSERT INTO search_fts (rowid, title, body) VALUES (1, ?, ?)", (title, text)
            )
        assert not has_search_index(db)  # search is off until it is built again...
        assert _ids(archive, "qo'shni") is None
        assert build_search_index(archive) == 1  # ... as `newsmon serve` does when it starts
        assert _ids(archive, "qo'shni") == ["u1"]
