"""crawler.extract.cascade runs trafilatura's fast cascade from its parts (load_html,
fast_extraction): these tests hold it to trafilatura's own result, to the byte, and pin the
internals it relies on.

When trafilatura changes, a pin below fails first: re-read the named trafilatura function, bring
crawler.extract.cascade's copy in line (or drop it for the plain call), then update the pin.
"""

from __future__ import annotations

import gzip
import hashlib
import inspect
import re
import sys
from copy import copy
from pathlib import Path

import pytest
import trafilatura
import trafilatura.core as tcore
from lxml import etree
from trafilatura.baseline import html2txt
from trafilatura.htmlprocessing import prune_unwanted_nodes
from trafilatura.settings import BASIC_CLEAN_XPATH
from trafilatura.utils import repair_faulty_html
from trafilatura.xpaths import RAW_TREE_PRUNE_XPATH, REMOVE_COMMENTS_AND_LISTS_XPATH

import crawler.extract.cascade as ex
from crawler.extract.article import TRAFILATURA_OPTIONS
from crawler.extract.metadata import read_page
from tests.shared import SHARED, shared_path

ROOT = Path(__file__).resolve().parents[2]
AEB = SHARED / "bench" / "aeb"

# sha256 of the source of the trafilatura 2.3.1 functions whose steps crawler.extract.cascade
# repeats (fast_extraction: trafilatura_sequence, _prepare_tree, _recall_retry, bare_extraction;
# load_html: load_html, repair_faulty_html; _covers_little: html2txt, _spaced_text, basic_cleaning,
# delete_element).
PINNED_SOURCES = {
    "trafilatura.core.trafilatura_sequence": "f03dc4d2946dacbd",
    "trafilatura.core._prepare_tree": "9595f0642825c2c7",
    "trafilatura.core._recall_retry": "59594c39714f57be",
    "trafilatura.core._extract_and_compare": "f7d056c2118222e8",
    "trafilatura.core.bare_extraction": "2e57adb3062086f9",
    "trafilatura.utils.load_html": "bc0039c89805dea3",
    "trafilatura.utils.repair_faulty_html": "7e68c7a3cb24910c",
    "trafilatura.baseline.html2txt": "a8c97eab2097c57d",
    "trafilatura.baseline._spaced_text": "d04314f988c6afae",
    "trafilatura.baseline.basic_cleaning": "80877b2ccdefda2d",
    "trafilatura.xml.delete_element": "76e448c154eb43ba",
}
# sha256 of trafilatura's raw-tree prune expressions (RAW_TREE_PRUNE_XPATH and
# REMOVE_COMMENTS_AND_LISTS_XPATH), whose regexes crawler.extract.cascade._RAW_PRUNES and
# _COMMENT_PRUNES name the words of
PINNED_EXPRESSIONS = "4e3eb29f3355001b"
PINNED_BASIC_CLEAN = (
    ".//aside|.//div[contains(@class|@id, 'footer')]|.//fencedframe|.//footer|.//script|.//style|"
    ".//svg|.//template|.//*[re:test(@class, 'cookie[-_]?(?:banner|bar|consent|law|notice|policy|"
    "description)|notice[-_]{0,2}cookie|consent[-_]?(?:banner|manager|sdk)|borlabs|cookiebot|cmpl"
    "z|onetrust|moove[-_]?gdpr', 'i') or re:test(@id, 'cookie[-_]?(?:banner|bar|consent|law|notic"
    "e|policy|description)|notice[-_]{0,2}cookie|consent[-_]?(?:banner|manager|sdk)|borlabs|cooki"
    "ebot|cmplz|onetrust|moove[-_]?gdpr', 'i')]"
)

PARAS = [
    "The regional council approved the reconstruction of the old irrigation canal on Tuesday, "
    "after two years of debate about its cost and the route it should take through the valley.",
    "Engineers say the works will start in spring and take eighteen months, during which the "
    "villages downstream will receive water from temporary pumps paid for by the district.",
    "Farmers welcomed the decision but asked that the schedule leave the canal open during the "
    "sowing season, when most of the fields depend on it for their first watering of the year.",
]
LONG_MENU = "".join(
    f"<li><a href='/s/{i}'>Section number {i} of the site</a></li>" for i in range(90)
)


def _html(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html><html><head><title>T</title>{head}</head><body>{body}</body></html>"


SYNTHETIC = {
    "article": _html("<article>" + "".join(f"<p>{p}</p>" for p in PARAS) + "</article>"),
    "comments": _html(
        "<article>" + "".join(f"<p>{p}</p>" for p in PARAS) + "</article>"
        "<div class='comments'><p>A reader wrote that the canal was repaired badly once.</p></div>"
        "<div id='comment-7'><p>Another reader asked about the wells in the village.</p></div>"
        "<ul class='comment-list'><li>One more voice from the comments</li></ul>"
    ),
    "forum": _html(
        "<div class='comment'><p>" + PARAS[0] + "</p></div>"
        "<div class='comment'><p>" + PARAS[1] + "</p></div>",
        head='<script type=\'application/ld+json\'>{"@type": "DiscussionForumPosting"}</script>',
    ),
    "scroll": _html(
        "<main><h1>Canal</h1>" + "".join(f"<p>{p}</p>" for p in PARAS) + "</main>"
        "<div class='mvp-post-add-box'><p>" + PARAS[2] + " Appended.</p></div>"
        "<section class='infinite-scroll'><p>" + PARAS[1] + " Appended too.</p></section>"
        "<div class='elementor-share-buttons'><a href='#'>Share</a></div>"
    ),
    # short body among much page text: the recall escalation measures the page
    "escalation": _html(
        "<nav><ul>" + LONG_MENU + "</ul></nav><div class='post'><p>" + PARAS[0] + "</p></div>"
        "<div class='site-footer'><p>" + " ".join(PARAS) + "</p></div>"
        "<div id='cookie-banner'><p>" + " ".join(PARAS) + "</p></div>"
        "<aside><p>" + " ".join(PARAS * 3) + "</p></aside>"
        "<div><p>" + " ".join(PARAS * 4) + "</p><p>x\u200b y\u200b z</p></div>"
    ),
    "baseline": _html("<div>" + PARAS[0][:120] + "</div>"),
    # basic_cleaning reads contains(@class|@id, 'footer') on the first of the two attributes
    "footer-attribute-order": _html(
        "<div class='post'><p>" + PARAS[0] + "</p></div>"
        "<div id='x-footer' class='a'><p>" + " ".join(PARAS * 3) + "</p></div>"
        "<div class='a' id='x-footer'><p>" + " ".join(PARAS * 2) + "</p></div>"
        "<div class='cookieBar'><p>" + " ".join(PARAS) + "</p></div>"
    ),
    # a prefixed tag on the way to a pruned element: its path does not resolve, the plain prune runs
    "prefixed-tags": _html(
        "<article>" + "".join(f"<p>{p}</p>" for p in PARAS) + "</article>"
        "<fb:root><o:p>x</o:p><div class='comments'><p>A reader wrote twice.</p></div></fb:root>"
    ),
    "no-body": "<html><p>" + PARAS[0] + "</p><p>" + PARAS[1] + "</p></html>",
    "control-chars": _html("<p>" + PARAS[0] + "\x01\x0b</p><p>\ufffe" + PARAS[1] + "</p>"),
    "xml-declaration": "<?xml version='1.0' encoding='utf-8'?>" + _html("<p>" + PARAS[0] + "</p>"),
    "self-closing-html": "<!DOCTYPE html/>\n<html/>\n<body><p>" + PARAS[0] + "</p></body>",
    "fragment": "<div><p>" + PARAS[0] + "</p><p>" + PARAS[1] + "</p></div>",
    "text": "just a line of text",
}


def _documents() -> list[tuple[str, str]]:
    docs = list(SYNTHETIC.items())
    for path in sorted((ROOT / "tests" / "pages").glob("*/*.html")):
        docs.append((path.name, path.read_bytes().decode("utf-8", "replace")))
    if (AEB / "html").is_dir():
        for path in sorted((AEB / "html").glob("*.html.gz")):
            docs.append((path.name, gzip.decompress(path.read_bytes()).decode("utf-8", "replace")))
    return docs


DOCUMENTS = _documents()
# The documents that parse (the ones the cascade runs on), and of them those parsed as a whole
# page (a root element: the raw-tree prunes and the page measure apply to a page).
PARSED = [(name, html) for name, html in DOCUMENTS if ex.load_html(html) is not None]
PAGES = [(name, html) for name, html in PARSED if ex.load_html(html).getparent() is None]


def _serialized(tree: etree._Element | None) -> bytes | None:
    return None if tree is None else etree.tostring(tree)


def _source_hash(name: str) -> str:
    module, _, attr = name.rpartition(".")
    return hashlib.sha256(
        inspect.getsource(getattr(sys.modules[module], attr)).encode()
    ).hexdigest()


@pytest.mark.parametrize("name", sorted(PINNED_SOURCES))
def test_the_trafilatura_steps_repeated_here_are_unchanged(name: str) -> None:
    import trafilatura.baseline
    import trafilatura.xml  # noqa: F401

    assert _source_hash(name)[:16] == PINNED_SOURCES[name], (
        f"{name} changed: re-check crawler.extract.cascade against it, then update the pin"
    )


def test_the_trafilatura_expressions_relied_on_are_unchanged() -> None:
    paths = "\n--\n".join(e.path for e in (*RAW_TREE_PRUNE_XPATH, *REMOVE_COMMENTS_AND_LISTS_XPATH))
    assert hashlib.sha256(paths.encode()).hexdigest()[:16] == PINNED_EXPRESSIONS
    assert BASIC_CLEAN_XPATH.path == PINNED_BASIC_CLEAN
    assert ex._BANNER.pattern in PINNED_BASIC_CLEAN
    assert sorted(ex._CLEANED_TAGS) == sorted(
        t
        for t in ("aside", "fencedframe", "footer", "script", "style", "svg", "template")
        if f".//{t}|" in PINNED_BASIC_CLEAN + "|"
    )


@pytest.mark.parametrize(("name", "html"), DOCUMENTS, ids=[name for name, _ in DOCUMENTS])
def test_parse_and_fast_extraction_equal_trafilatura(name: str, html: str) -> None:
    beginning = html[:50].lower()
    invalid = bool(ex._INVALID_XML_CHARS.search(html))
    assert ex._repair(html, beginning, invalid) == repair_faulty_html(html, beginning)
    theirs, ours = trafilatura.load_html(html), ex.load_html(html)
    assert _serialized(ours) == _serialized(theirs)


def test_the_aeb_pages_are_among_the_documents() -> None:
    pages = list(shared_path("bench", "aeb", "html").glob("*.html.gz"))
    assert len(pages) >= 181
    assert {path.name for path in pages} <= {name for name, _ in DOCUMENTS}


def test_only_the_synthetic_non_pages_are_left_out_of_the_cascade_checks() -> None:
    assert {name for name, _ in DOCUMENTS} - {name for name, _ in PARSED} == {"text"}
    assert {name for name, _ in PARSED} - {name for name, _ in PAGES} == {"fragment"}


@pytest.mark.parametrize(("name", "html"), PARSED, ids=[name for name, _ in PARSED])
def test_fast_extraction_equals_trafilatura(name: str, html: str) -> None:
    ours = ex.load_html(html)
    doc = trafilatura.bare_extraction(trafilatura.load_html(html), fast=True, **TRAFILATURA_OPTIONS)
    expected = (_serialized(doc.body), doc.raw_text) if doc is not None else (None, "")
    meta = read_page(ours, "https://example.com/a")
    body, text = ex.fast_extraction(ours, meta.marked, meta.marks)
    assert (_serialized(body), text) == expected
    if not name.endswith(".gz"):  # marks read by fast_extraction itself
        body, text = ex.fast_extraction(ex.load_html(html))
        assert (_serialized(body), text) == expected


@pytest.mark.parametrize(("name", "html"), PAGES, ids=[name for name, _ in PAGES])
def test_pruning_and_the_page_measure_agree_with_trafilatura(name: str, html: str) -> None:
    tree = ex.load_html(html)
    meta = read_page(tree, "https://example.com/a")
    for is_forum in (False, True):
        targets = ex._prune_targets(tree, meta.marked, meta.marks, is_forum)
        raw = prune_unwanted_nodes(copy(tree), RAW_TREE_PRUNE_XPATH)
        if not is_forum:
            raw = prune_unwanted_nodes(raw, REMOVE_COMMENTS_AND_LISTS_XPATH)
        assert etree.tostring(ex._raw_tree(tree, targets, is_forum)) == etree.tostring(raw)
    measure = len(html2txt(raw))
    for extracted in sorted({1, 50, 250, 1000, 2999, measure // 5, measure // 5 + 1}):
        decided = ex._covers_little(tree, targets, meta.marked, meta.marks, extracted)
        assert decided in (None, extracted < tcore.ESCALATION_PAGE_SHARE * measure)


def test_the_page_measure_is_mostly_decided_without_html2txt() -> None:
    decided = total = 0
    for _, html in PAGES:
        tree = ex.load_html(html)
        meta = read_page(tree, "https://example.com/a")
        targets = ex._prune_targets(tree, meta.marked, meta.marks, False)
        measure = len(html2txt(ex._raw_tree(tree, targets, False)))
        for extracted in (measure // 10, measure // 2):  # clearly below, clearly above a fifth
            total += 1
            decided += (
                ex._covers_little(tree, targets, meta.marked, meta.marks, extracted) is not None
            )
    assert decided >= 0.9 * total


def test_the_parser_gives_lxml_html_classes() -> None:
    tree = ex.load_html(_html("<form><input name='q'><div>x</div></form>"))
    assert [type(el).__name__ for el in tree.iter()] == [
        "HtmlElement", "HtmlElement", "HtmlElement", "HtmlElement", "FormElement",
        "InputElement", "HtmlElement",
    ]  # fmt: skip
    assert type(copy(tree).find(".//form")).__name__ == "FormElement"


def test_marks_holding_finds_each_mark_holding_a_word_once() -> None:
    marks = [
        "nav ",
        "post-comment comment-list ",
        "x\ncomments ",
        " ",
        "nocomment",
        "disqus_thread",
    ]
    joined = "\n".join(marks)
    assert ex._marks_holding(("omment", "disqus_thread"), marks, joined) == [1, 2, 4, 5]
    assert ex._marks_holding(("absent",), marks, joined) == []


def _top_level_branches(pattern: str) -> list[str]:
    branches, depth, start = [], 0, 0
    for i, char in enumerate(pattern):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "|" and depth == 0:
            branches.append(pattern[start:i])
            start = i + 1
    return [*branches, pattern[start:]]


def test_every_banner_match_holds_a_banner_word() -> None:
    branches = _top_level_branches(ex._BANNER.pattern)
    assert len(branches) == 8
    # the branches' mandatory literal text: character classes, groups and "?" set apart
    literal = [re.sub(r"\[[^]]*\]|\{[^}]*\}|\([^)]*\)|\?", " ", b).lower() for b in branches]
    assert all(any(word in text for word in ex._BANNER_WORDS) for text in literal)


def test_classed_candidates_find_footers_and_banners_in_any_case() -> None:
    marks = ["site-Footer x", "nav ", "CookieBar ", " cmp-Consent-Banner", "main ", "footer"]
    assert ex._classed_candidates(marks) == [0, 2, 3, 5]
    # non-ASCII marks: IGNORECASE matches the Kelvin sign as "k"
    assert ex._classed_candidates(["coo\u212aie-banner", "ёлка ", "page-footer"]) == [0, 2]
