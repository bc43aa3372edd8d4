"""The rest of an article that a "read more" control hides until the reader clicks it.

Some templates print the whole article but hide all after its first block in a container shown
by a "Read more" / "Читать далее" / "Толығырақ" / "Batafsil" button (``style="display:none"``,
a ``hidden`` class, ``aria-hidden``). trafilatura drops hidden elements, so the body stopped
after the first block, or, with too little left, became the page's whole text in one paragraph.
:func:`reveal_continuations` un-hides such containers before extraction: hidden elements that
a class name or the control before them marks as the article's rest, and that hold prose.
"""

from __future__ import annotations

import re
from itertools import chain

from lxml import etree
from lxml.html import HtmlElement

from crawler.extract.metadata import keyword_gated, marked

# A hidden continuation holds at least this many paragraphs of this many characters or more.
CONTINUATION_MIN_PARAGRAPHS = 2
CONTINUATION_MIN_CHARS = 80
# The class or id of a container holding the article's rest.
_REST_CLASS = re.compile(
    r"more|rest|full|expand|continu|collaps|truncat|spoiler|hidden-text|remaining", re.I
)
_is_rest_marks = keyword_gated(
    _REST_CLASS,
    (
        "more",
        "rest",
        "full",
        "expand",
        "continu",
        "collaps",
        "truncat",
        "spoiler",
        "hidden-text",
        "remaining",
    ),
)
# The label of a control that shows the rest (English, Russian, Kazakh, Kyrgyz, Uzbek).
_READ_MORE = re.compile(
    r"^\W*(read|show|see|view)\s+(more|all|the\s+full|full)|^\W*continue\s+reading|"
    r"^\W*читать\s+(далее|дальше|полностью|ещё|еще)|^\W*показать\s+(полностью|ещё|еще|всё)|"
    r"^\W*(толығырақ|толық\s+оқу|кененирээк|толук\s+окуу|batafsil|to'liq\s+o'qish|батафсил)",
    re.I,
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_HIDDEN_CLASS = re.compile(r"(?<![\w-])(hidden|hide|is-hidden|d-none|collapse)(?![\w-])", re.I)
# Hidden comments, related lists and menus are not the article's rest.
_NOT_REST = re.compile(r"comment|related|recommend|menu|nav|modal|popup|subscribe|cookie", re.I)
CONTROL_MAX_CHARS = 40
CONTROL_MAX_CHILDREN = 2
# The elements that may be hidden (_hidden decides): by an attribute (found in C) or by a class
# holding one of these words (found among the page's marked elements, which XPath's contains()
# on every element's class would cost twice the attribute search).
_HIDING_ATTRIBUTE = etree.XPath("//*[@style or @hidden or @aria-hidden]")
_HIDING_CLASS = re.compile("hid|collapse|d-none")


def _hidden(el: HtmlElement) -> bool:
    return bool(
        _HIDDEN_STYLE.search(el.get("style") or "")
        or _HIDDEN_CLASS.search(el.get("class") or "")
        or el.get("aria-hidden") == "true"
        or el.get("hidden") is not None
    )


def _after_read_more(el: HtmlElement) -> bool:
    """True when the element just before it is a short "read more" control."""
    prev = el.getprevious()
    # a control is a button, a link or a line holding one, not a block with its own parts
    if prev is None or len(prev) > CONTROL_MAX_CHILDREN:
        return False
    text = " ".join(prev.text_content().split())
    return len(text) <= CONTROL_MAX_CHARS and _READ_MORE.match(text) is not None


def _holds_prose(el: HtmlElement) -> bool:
    long = [p for p in el.iter("p") if len(p.text_content().strip()) >= CONTINUATION_MIN_CHARS]
    return len(long) >= CONTINUATION_MIN_PARAGRAPHS


def _unhide(el: HtmlElement) -> None:
    style = _HIDDEN_STYLE.sub("", el.get("style") or "").strip(" ;")
    if style:
        el.set("style", style)
    elif "style" in el.attrib:
        del el.attrib["style"]
    if el.get("class"):
        el.set("class", _HIDDEN_CLASS.sub(" ", el.get("class")).strip())
    for attr in ("aria-hidden", "hidden"):
        el.attrib.pop(attr, None)


def reveal_continuations(tree: HtmlElement, elements: list[HtmlElement], marks: list[str]) -> int:
    """Un-hide the page's hidden article continuations; return how many.

    ``elements`` are the page's marked elements (every element with a class among them) and
    ``marks`` their class-and-id strings (:class:`crawler.extract.metadata.PageMeta`); a
    continuation is hidden, not a comment or a related list, holds prose, and is named as the
    rest by its class or by a "read more" control just before it.
    """
    named = marked(elements, marks, _is_rest_marks)
    by_class = [
        el
        for el in marked(elements, marks, _HIDING_CLASS.search)
        if _HIDING_CLASS.search(el.get("class") or "")  # (the marks hold the id too)
    ]
    named_set = set(named)
    # each candidate is judged by its own attributes and text, so their order does not matter
    candidates = dict.fromkeys(chain(named, _HIDING_ATTRIBUTE(tree), by_class))
    revealed = 0
    for el in candidates:
        if not _hidden(el) or _NOT_REST.search(f"{el.get('class') or ''} {el.get('id') or ''}"):
            continue
        if (el in named_set or _after_read_more(el)) and _holds_prose(el):
            _unhide(el)
            revealed += 1
    return revealed
