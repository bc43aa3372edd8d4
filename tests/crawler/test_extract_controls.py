"""Character references to characters XML cannot hold (``&#8;``, ``&#x1b;``, ``&#xFFFE;``) are
dropped before parsing: the page is extracted, not failed as ``internal``."""

from __future__ import annotations

import pytest

from crawler.extract.article import _drop_unxml_references, extract_article

PARAGRAPH = "An invented report on a mountain school that opened a new library wing. " * 5


@pytest.mark.parametrize(
    "reference", ["&#8;", "&#x1b;", "&#X1B;", "&#0011;", "&#xFFFE;", "&#xffff;", "&#31"]
)
def test_a_control_character_reference_does_not_fail_extraction(reference: str) -> None:
    page = (
        f"<html><head><title>Library{reference} wing</title></head><body><article>"
        f"<h1>Library{reference} wing opens</h1><p>{PARAGRAPH}</p>"
        f"<p>Second{reference} part. {PARAGRAPH}</p></article></body></html>"
    )
    article = extract_article(page.encode(), "https://school.example/news/library/").article
    assert article.title == "Library wing opens"
    assert "Second part." in article.text


def test_allowed_references_stay() -> None:
    page = (
        f"<html><body><article><h1>Tabs&#9;and &#x41;&#13;</h1><p>{PARAGRAPH} &#x9b;</p>"
        f"<p>{PARAGRAPH}</p></article></body></html>"
    )
    article = extract_article(page.encode(), "https://school.example/news/tabs/").article
    assert article.title == "Tabs and A"
    assert "\u203a" in article.text  # &#x9b; is windows-1252's › in HTML


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("a&#x0000FFFE;b", "ab"),
        ("a&#65535b", "ab"),
        ("a&#0000000032;b", "a&#0000000032;b"),
        ("a&#8217;b &#x2019;", "a&#8217;b &#x2019;"),
        # more digits than a reference holds: the first eight (ten) are read, all zeros here
        ("a&#x000000001b;b", "a1b;b"),
        ("a&#00000000008;b", "a8;b"),
        ("a&#x00000000201;b", "a201;b"),
    ],
)
def test_padded_and_overlong_references(text: str, kept: str) -> None:
    assert _drop_unxml_references(text) == kept
