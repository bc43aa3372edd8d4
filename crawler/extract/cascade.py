"""trafilatura's fast cascade, run from its parts without the work newsmon's settings never use.

``crawler.extract.article`` calls :func:`load_html` and :func:`fast_extraction`: the same tree and
the same ``(body, raw_text)`` as ``trafilatura.load_html`` and ``bare_extraction(tree, fast=True,
**crawler.extract.article.TRAFILATURA_OPTIONS)``, for less CPU: fewer page copies, prunes tested
only where they can match, the escalation's page measure bounded without a copy. The steps follow
trafilatura 2.3.1's ``trafilatura_sequence``; tests/crawler/test_extract_cascade.py pins the source
of every function followed here and compares both on every fixture and AEB page, so a trafilatura
upgrade fails loudly until this module is re-checked. ``crawler.extract.article`` imports this
module only on the versions it lists as verified; on others it runs the public calls.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
from bisect import bisect_right
from copy import copy
from itertools import accumulate

import trafilatura
import trafilatura.core as _tcore
from lxml import etree
from lxml import html as lxml_html
from lxml.etree import XPath, _Element
from lxml.html import HtmlElement
from trafilatura.baseline import baseline as _baseline
from trafilatura.baseline import html2txt as _html2txt
from trafilatura.htmlprocessing import convert_tags, prune_unwanted_nodes, tree_cleaning
from trafilatura.main_extractor import extract_content
from trafilatura.settings import Extractor
from trafilatura.utils import DOCTYPE_TAG, FAULTY_HTML, is_dubious_html
from trafilatura.xml import delete_element
from trafilatura.xpaths import RAW_TREE_PRUNE_XPATH, REMOVE_COMMENTS_AND_LISTS_XPATH

from crawler.extract.metadata import class_and_id_marks, marked_elements

__all__ = ["fast_extraction", "load_html"]

logger = logging.getLogger(__name__)


# trafilatura.load_html parses with lxml.html's parser, whose element class lookup is a Python
# callback run for every element proxy (thousands per page, in our code and trafilatura's alike).
# This parser has the same options and gives the same classes (HtmlElement, FormElement, ...)
# through lxml's C lookups. tests/crawler/test_extract_cascade.py checks both parse alike.
_PARSER = lxml_html.HTMLParser(
    collect_ids=False,
    default_doctype=False,
    encoding="utf-8",
    remove_comments=True,
    remove_pis=True,
)
_CLASS_LOOKUP = etree.ElementNamespaceClassLookup(
    etree.ElementDefaultClassLookup(
        element=HtmlElement,
        comment=lxml_html.HtmlComment,
        pi=lxml_html.HtmlProcessingInstruction,
        entity=lxml_html.HtmlEntity,
    )
)
_CLASS_LOOKUP.get_namespace(None).update(lxml_html.HtmlElementClassLookup._default_element_classes)
_PARSER.set_element_class_lookup(_CLASS_LOOKUP)


# What trafilatura.utils.repair_faulty_html removes from the whole text (INVALID_XML_CHARS): its
# regex costs a third of the parse; these C scans find that there is nothing to remove.
_INVALID_XML_BYTES = bytes([*range(0, 9), 11, 12, *range(14, 32)])
_INVALID_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _repair(text: str, beginning: str, invalid: bool) -> str:
    """trafilatura.utils.repair_faulty_html, its character filter run only when ``invalid``."""
    if invalid:
        text = _INVALID_XML_CHARS.sub("", text)
    if "doctype" in beginning:
        firstline, newline, rest = text.partition("\n")
        kept = DOCTYPE_TAG.sub("", firstline, count=1)
        if kept != firstline or not newline:  # else the same text: no copy
            text = kept + "\n" + rest
    for line in text[:4096].splitlines()[:4]:
        if "<html" in line and line.endswith("/>"):
            return FAULTY_HTML.sub(r"\1>", text, count=1)
    return text


def _parse_bytes(data: bytes) -> HtmlElement | None:
    try:
        return lxml_html.fromstring(data, parser=_PARSER)
    except Exception:  # as trafilatura.utils.fromstring_bytes
        return None


def load_html(text: str) -> HtmlElement | None:
    """``trafilatura.load_html(text)`` for a decoded page, with this module's parser.

    trafilatura repairs the text (repair_faulty_html), parses the string and, when that fails or
    gives nothing, its UTF-8 bytes; here the bytes are parsed first (the same tree, a little
    cheaper), and the repair's character filter runs only when there is a character to remove.
    tests/crawler/test_extract_cascade.py checks that both parse alike.
    """
    beginning = text[:50].lower()
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates (never from decode_html): trafilatura's way
        return trafilatura.load_html(text)
    invalid = (
        len(data.translate(None, _INVALID_XML_BYTES)) != len(data)
        or "\ufffe" in text
        or "\uffff" in text
    )
    repaired = _repair(text, beginning, invalid)
    if repaired is not text:
        data = repaired.encode("utf-8")
    tree = _parse_bytes(data)
    if tree is not None and is_dubious_html(beginning) and len(tree) < 2:
        return None
    return tree


# bare_extraction's Extractor for crawler.extract.article's TRAFILATURA_OPTIONS in fast mode (no
# URL).
_FAST_OPTIONS = Extractor(
    output_format="xml",
    fast=True,
    comments=False,
    tables=True,
    links=True,
    precision=False,
)
_RE_NS = {"re": "http://exslt.org/regular-expressions"}


def _on_one_element(expression: XPath) -> XPath:
    """``.//*[predicates]`` as ``self::*[predicates]``: whether one element is a match."""
    path = expression.path.strip()
    if not path.startswith(".//*["):
        raise ValueError(f"unexpected trafilatura prune expression: {path[:60]}")
    return XPath("self::*" + path[len(".//*") :], namespaces=_RE_NS)


# trafilatura_sequence's raw-tree prunes (comments off): each expression, its test on one element
# and words one of which the class or id of every match contains (its regexes and contains()
# need them; tests/crawler/test_extract_cascade.py pins the expressions' text). The words pick
# the few candidates among the page's class and id strings (read once by read_page), so the
# expressions' EXSLT regex callbacks run on those only, not on every div of the page.
_SCROLL_PRUNE, _SHARE_PRUNE = RAW_TREE_PRUNE_XPATH
(_COMMENTS_PRUNE,) = REMOVE_COMMENTS_AND_LISTS_XPATH
_RAW_PRUNES = (
    (_on_one_element(_SCROLL_PRUNE), ("mvp-post-add-", "infinite")),
    (_on_one_element(_SHARE_PRUNE), ("elementor-share-buttons",)),
)
_COMMENT_PRUNES = ((_on_one_element(_COMMENTS_PRUNE), ("omment", "comol", "disqus_thread")),)


def _prune_targets(
    tree: HtmlElement, marked: list[HtmlElement], marks: list[str], is_forum: bool
) -> list[HtmlElement]:
    """The elements trafilatura's raw-tree prunes delete, in their order (``marks[i]`` holds the
    class and id of ``marked[i]``, the page's elements with either, in document order)."""
    joined = "\n".join(marks)
    targets: list[HtmlElement] = []
    for test, words in _RAW_PRUNES if is_forum else _RAW_PRUNES + _COMMENT_PRUNES:
        targets += [marked[i] for i in _marks_holding(words, marks, joined) if test(marked[i])]
    return targets


def _marks_holding(words: tuple[str, ...], marks: list[str], joined: str) -> list[int]:
    """The indices of the marks that hold one of ``words``, in order.

    ``joined`` is ``"\\n".join(marks)`` (or its lower-case form, when the marks are ASCII) and no
    word holds a line break, so none spans two marks: C searches of ``joined`` find them, not a
    test of each of the page's hundreds of marks in Python.
    """
    found: set[int] = set()
    starts = None
    for word in words:
        at = joined.find(word)
        while at >= 0:
            if starts is None:  # where each mark starts in ``joined`` (one may hold a line break)
                starts = list(accumulate(map((1).__add__, map(len, marks)), initial=0))
            index = bisect_right(starts, at) - 1
            found.add(index)
            at = joined.find(word, starts[index + 1])  # on from the next mark
    return sorted(found)


def _pruned_copy(tree: HtmlElement, targets: list[HtmlElement]) -> HtmlElement:
    """A copy of the page without ``targets`` (their tails kept, as trafilatura deletes)."""
    page = copy(tree)
    if targets:
        where = tree.getroottree()
        twins = [page.xpath(where.getpath(el)) for el in targets]  # all found before any goes
        if any(len(twin) != 1 for twin in twins):
            raise ValueError("element paths do not resolve in the copy")
        for (twin,) in twins:
            delete_element(twin)
    return page


def _raw_tree(tree: HtmlElement, targets: list[HtmlElement] | None, is_forum: bool) -> HtmlElement:
    """trafilatura_sequence's pruned copy of the page."""
    if targets is not None:
        with contextlib.suppress(ValueError, etree.XPathError):
            return _pruned_copy(tree, targets)
    raw = prune_unwanted_nodes(copy(tree), RAW_TREE_PRUNE_XPATH)
    return raw if is_forum else prune_unwanted_nodes(raw, REMOVE_COMMENTS_AND_LISTS_XPATH)


def fast_extraction(
    tree: HtmlElement,
    marked: list[HtmlElement] | None = None,
    marks: list[str] | None = None,
) -> tuple[_Element | None, str]:
    """``bare_extraction(tree, fast=True, **TRAFILATURA_OPTIONS)``: (body, raw_text).

    trafilatura 2.3's ``trafilatura_sequence`` for these options (comments off, balanced, fast),
    run from its own parts, without what it does for nothing here: the backup tree of the
    comparison with readability and jusText (skipped in fast mode), a second copy of the page,
    regex prunes over every element (_prune_targets) and, most of the time, its measure of the
    page's text for the recall escalation (_covers_little). ``marked`` and ``marks`` are
    :attr:`PageMeta.marked` and :attr:`PageMeta.marks` (read here when not given). The same
    body, to the byte: tests/crawler/test_extract_cascade.py compares both on every fixture and
    AEB page.
    """
    options = _FAST_OPTIONS
    is_forum = _tcore._forum_thread_page(tree)
    targets = None
    if tree.getparent() is None:  # the document's root: element paths lead to the copy's twins
        if marked is None or marks is None:
            marked = marked_elements(tree)
            marks = class_and_id_marks(marked)
        targets = _prune_targets(tree, marked, marks, is_forum)
    cleaned = _raw_tree(tree, targets, is_forum)
    cleaned = convert_tags(tree_cleaning(cleaned, options), options, None)
    body, text = extract_content(cleaned, options)
    raw = None
    # 3. rescue: baseline on the pruned page, accepted only if it adds text
    if len(text) < options.min_extracted_size:
        raw = _raw_tree(tree, targets, is_forum)
        b_body, b_text, b_len = _baseline(raw)
        if b_len > len(text):
            body, text = b_body, b_text
    # 4. recall escalation: a short extraction covering little of the page
    if 0 < len(text) < _tcore.ESCALATION_MAX_LENGTH:
        covers_little = None
        if targets is not None:
            covers_little = _covers_little(tree, targets, marked, marks, len(text))
        if covers_little is None:
            raw = raw if raw is not None else _raw_tree(tree, targets, is_forum)
            covers_little = len(text) < _tcore.ESCALATION_PAGE_SHARE * len(_html2txt(raw))
        if covers_little:
            raw = raw if raw is not None else _raw_tree(tree, targets, is_forum)
            r_options = copy(options)
            r_options.focus = "recall"
            r_text = ""
            try:
                r_cleaned = convert_tags(tree_cleaning(copy(raw), r_options), r_options, None)
                r_body, r_text = extract_content(r_cleaned, r_options)
            except Exception:  # as trafilatura: the retry's failure keeps the first result
                logger.debug("recall retry failed", exc_info=True)
            if len(r_text) >= options.min_extracted_size and len(
                r_text
            ) > _tcore.ESCALATION_ACCEPT_RATIO * len(text):
                body, text = r_body, r_text
    if len(text) < options.min_output_size:
        return None, ""  # bare_extraction returns no document
    return body, text


# The blocks whose start html2txt spaces (each adds at most two characters to its measure), and
# the elements its basic_cleaning removes by tag (trafilatura 2.3's BASIC_CLEAN_XPATH, pinned by
# the tests); by class or id it removes divs naming a footer and cookie banners (_BANNER).
_BLOCK_TAGS = tuple(sorted(sys.modules["trafilatura.baseline"]._BLOCK_ELEMS))
_CLEANED_TAGS = ("aside", "fencedframe", "footer", "script", "style", "svg", "template")
_BANNER = re.compile(
    "cookie[-_]?(?:banner|bar|consent|law|notice|policy|description)|notice[-_]{0,2}cookie"
    "|consent[-_]?(?:banner|manager|sdk)|borlabs|cookiebot|cmplz|onetrust|moove[-_]?gdpr",
    re.I,
)
# Every match of _BANNER holds one of these, in lower case (_BANNER ignores case).
_BANNER_WORDS = ("cookie", "consent", "borlabs", "cmplz", "onetrust", "moove")
# A superset of the characters html2txt may drop (not printable, not space).
_NOT_PRINTABLE = re.compile(r"[^\w\s!-/:-@\[-`{-~]")


def _cleaned_by_class(el: HtmlElement) -> bool:
    """basic_cleaning's ``div[contains(@class|@id, 'footer')]`` and banner tests on one element."""
    if el.tag == "div":
        # @class|@id as a string: the first of the two in the element's attribute order
        first = next((v for k, v in el.attrib.items() if k in ("class", "id")), "")
        if "footer" in first:
            return True
    return bool(_BANNER.search(el.get("class") or "") or _BANNER.search(el.get("id") or ""))


def _classed_candidates(marks: list[str]) -> list[int]:
    """The indices of the marks of the elements :func:`_cleaned_by_class` may remove (a superset).

    ASCII marks (nearly all pages') are searched in lower case for "footer" and the words every
    banner match holds: C searches, where _BANNER's case-insensitive scan of the whole page's
    marks costs more than the rest of the page measure. In other marks re.IGNORECASE may match
    letters that lower() leaves alone (the Kelvin sign as "k"): those are tested one by one.
    """
    joined = "\n".join(marks)
    if joined.isascii():
        return _marks_holding(("footer", *_BANNER_WORDS), marks, joined.lower())
    banners = _BANNER.search(joined) is not None  # (no match spans two marks)
    return [
        i for i, mark in enumerate(marks) if "footer" in mark or (banners and _BANNER.search(mark))
    ]


def _words(text: str) -> tuple[int, int]:
    """(non-space characters, words) of a text."""
    words = text.split()
    return len("".join(words)), len(words)


def _covers_little(
    tree: HtmlElement,
    targets: list[HtmlElement],
    marked: list[HtmlElement],
    marks: list[str],
    extracted: int,
) -> bool | None:
    """trafilatura's escalation test ``extracted < ESCALATION_PAGE_SHARE * len(html2txt(raw))``
    when bounds decide it, else None; ``raw`` is the page without ``targets``.

    html2txt copies the page, removes some elements (basic_cleaning, a regex over every
    element), puts a space at the start of every block's text and tail, drops non-printable
    characters from those and collapses whitespace: as costly as the extraction itself. Here the
    text is measured on the page itself, by lxml, less the text of the elements html2txt and the
    prunes remove. Characters outside spaces add up exactly; words do within two per removed
    element, and the block spaces add at most two characters per block, a dropped character takes
    at most two away (the word it stood for and a space).
    """
    body = tree.find(".//body")
    if body is None:
        body = tree
    removed = [*targets, *body.iter(*_CLEANED_TAGS)]
    removed += [marked[i] for i in _classed_candidates(marks) if _cleaned_by_class(marked[i])]
    gone = set(removed)
    if body in gone or any(a in gone for a in body.iterancestors()):
        return None  # html2txt would find another body in the pruned page
    text = etree.tostring(body, method="text", encoding="unicode", with_tail=False)
    chars, words = _words(text)
    for el in gone:  # each once (a script may go by its tag and by its class)
        ancestor = None
        for ancestor in el.iterancestors():
            if ancestor in gone or ancestor is body:
                break
        if ancestor is not body:
            continue  # outside the body, or counted with an ancestor that goes
        el_chars, el_words = _words(
            etree.tostring(el, method="text", encoding="unicode", with_tail=False)
        )
        chars -= el_chars
        words -= el_words - 2
    share = _tcore.ESCALATION_PAGE_SHARE
    blocks = sum(1 for _ in body.iter(*_BLOCK_TAGS))
    if extracted >= share * (chars + max(words, 0) + 2 * blocks):
        return False
    if extracted < share * (chars - len(_NOT_PRINTABLE.findall(text))):
        return True
    return None
