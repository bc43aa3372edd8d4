from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dedup.normalize import (
    _APOSTROPHE,
    _APOSTROPHES,
    _BREAK,
    _DATELINE,
    _DELETE_TABLE,
    _EDGE_APOSTROPHES,
    MARK,
    normalize,
    normalized_bytes,
    word_lines,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # Russian: quotes, dashes, ё, no-break spaces, case
        ("«Газпром» — ещё 5\u00a0000 тонн", '"ГАЗПРОМ" - еще 5 000 тонн'),
        # Kazakh and Kyrgyz letters survive case folding
        ("ҚАЗАҚСТАН ӨҢІРЛЕРІ", "қазақстан өңірлері"),
        ("Кыргызстандын түштүгүндө", "КЫРГЫЗСТАНДЫН ТҮШТҮГҮНДӨ"),
        # Uzbek Latin: every apostrophe of oʻ and gʻ is one letter
        ("Oʻzbekiston gʻalla", "O'zbekiston g‘alla"),
        ("O`zbekiston", "O’ZBEKISTON"),
        # Uzbek Cyrillic and Tajik
        ("Ўзбекистон ҳукумати", "ўзбекистон Ҳукумати"),
        ("Ҷумҳурии Тоҷикистон ӣ", "ҷумҳурии тоҷикистон и\u0304"),
        # English: typographic apostrophes and quotes, dashes, soft hyphens, zero-width spaces
        ("Kazakhstan’s “new” plan – 2025", 'Kazakhstan\'s "new" plan - 2025'),
        ("co\u00adoperation in\u200b Almaty", "cooperation in Almaty"),
        # stress marks and full-width letters
        ("до\u0301ма ＡＢＣ", "дома abc"),
    ],
)
def test_typographic_variants_normalise_alike(a, b):
    assert normalize(a) == normalize(b)


def test_punctuation_breaks_words_and_lines_are_kept():
    text = "Итог:9,5 млн./сом/.\n\n\nВторая  строка!"
    assert normalize(text) == "итог 9 5 млн сом\nвторая строка"


@pytest.mark.parametrize(
    "dateline",
    [
        "BISHKEK, 9 Jan /Kabar/.",
        "БИШКЕК, 9 янв — Кабар.",
        "BISHKEK, Jan 9 (Kabar) -",
        "Бишкек, 9 января /Кабар/.",
        "Tashkent, March 3, 2025 -",
        "Ош, 5 мая.",
    ],
)
def test_datelines_go(dateline):
    assert normalize(f"Kabar\n\n{dateline} The bridge opened.") == "kabar\nthe bridge opened"


def test_a_sentence_that_looks_like_a_dateline_stays():
    assert normalize("Hello, 9 people came - great.") == "hello 9 people came great"


def test_quotation_apostrophes_are_not_letters():
    assert normalize("'Kabar' reported, 'the bridge'") == "kabar reported the bridge"
    assert normalize("don't") == "donʼt"


def test_word_lines_are_utf8_bytes():
    assert word_lines("Ош — город\nOsh") == [["ош".encode(), "город".encode()], [b"osh"]]


def _slow(text: str) -> list[list[bytes]]:
    """The regular-expression path alone, for comparison."""
    text = unicodedata.normalize("NFKC", text)
    text = "\n".join(_DATELINE.sub(" ", line) for line in text[:300].split("\n")) + text[300:]
    for char in _APOSTROPHES:
        text = text.replace(char, _APOSTROPHE)
    text = _BREAK.sub(" ", text.casefold().replace("ё", "е").translate(_DELETE_TABLE))
    text = _EDGE_APOSTROPHES.sub(" ", text)
    return [words for line in text.encode().split(b"\n") if (words := line.split())]


@given(
    st.text(
        alphabet="абвёЁқӨўҷәABCxyz019 \n\t.,;:!?«»—–-'’ʻ\"()/_\u00a0\u00ad\u0301é×№…", max_size=80
    )
)
def test_fast_path_gives_what_the_regular_expression_gives(text):
    assert word_lines(text) == _slow(text)


@given(
    st.text(
        alphabet=st.sampled_from(list("ab Zя1. !?;,'’ʼ\n«»—…ё\u0301\u00a0_-:\x1f")),
        max_size=80,
    )
)
def test_sentence_marks_leave_the_words_as_they_are(text: str) -> None:
    # with marks, the same words on the same lines: MARK is a separator like a space
    marked = normalized_bytes(text, marks=True)
    assert [line.split() for line in marked.replace(MARK, b" ").split(b"\n")] == [
        line.split() for line in normalized_bytes(text).split(b"\n")
    ]


def test_sentence_marks_are_kept_as_mark_bytes() -> None:
    assert normalized_bytes("Floods. Roads closed! Why? Yes; no", marks=True).count(MARK) == 4
    assert normalized_bytes("Floods. Roads closed! Why? Yes; no").count(MARK) == 0
