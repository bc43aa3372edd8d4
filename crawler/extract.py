"""Article extraction: the body and only the body, with full metadata.

:func:`extract_article` is the one entry point. It runs in the crawl's process-pool workers, so it
is a plain top-level function with picklable arguments and result, and trafilatura is imported
once, here, at module import. The stages:

1. refuse unreadable input (empty, binary, too large) with :class:`ExtractionError`;
2. decide the encoding ourselves (:mod:`crawler.encoding`) and parse once (:func:`load_html`:
   trafilatura's parse, with lxml's C class lookup);
3. read the page's metadata (:mod:`crawler.metadata`) and skip non-articles
   (:mod:`crawler.pagetype`) with :class:`NotAnArticle`;
4. trafilatura finds the main content, in its fast mode (:func:`fast_extraction`: the result of
   ``bare_extraction``, from its parts, without the work our settings never use), with its full
   cascade only when that result looks poor; a body split into containers of one class is read
   whole; link lines that are navigation are dropped;
5. clean the body: the repeated headline block (:mod:`crawler.headline`), template lines, tail
   markers and tail notices (reprint terms, "Ctrl+Enter" requests; :mod:`crawler.boilerplate`),
   repeated paragraphs (:mod:`crawler.paragraphs`), a last line repeating the author's name, then
   the outlet's learned boilerplate;
6. build the :class:`~crawler.items.Article`.

Nothing but :class:`ExtractionError` (and its subclass :class:`NotAnArticle`) leaves
:func:`extract_article`: anything unexpected becomes ``ExtractionError("internal", detail)``.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
from copy import copy
from dataclasses import dataclass, field
from datetime import datetime

import trafilatura
import trafilatura.core as _tcore
from lxml import etree
from lxml import html as lxml_html
from lxml.etree import XPath, _Element, strip_tags
from lxml.html import HtmlElement
from trafilatura.baseline import baseline as _baseline
from trafilatura.baseline import html2txt as _html2txt
from trafilatura.htmlprocessing import convert_tags, prune_unwanted_nodes, tree_cleaning
from trafilatura.main_extractor import extract_content
from trafilatura.meta import reset_caches as _reset_trafilatura_caches
from trafilatura.settings import Extractor
from trafilatura.utils import DOCTYPE_TAG, FAULTY_HTML, is_dubious_html
from trafilatura.xml import delete_element, xmltotxt
from trafilatura.xpaths import RAW_TREE_PRUNE_XPATH, REMOVE_COMMENTS_AND_LISTS_XPATH

from crawler import boilerplate as bp
from crawler import headline
from crawler.boilerplate import Boilerplate
from crawler.encoding import decode_html
from crawler.errors import ExtractionError, NotAnArticle
from crawler.items import Article, Priors
from crawler.metadata import (
    PageMeta,
    best_title,
    class_and_id,
    class_and_id_marks,
    clean_authors,
    dates,
    detect_language,
    guess_date,
    load_language_model,
    now_utc,
    parse_date,
    read_page,
)
from crawler.pagetype import not_article_reason
from crawler.paragraphs import dedupe, normalize, paragraph_key, split_paragraphs
from crawler.urls import article_id

__all__ = ["Extraction", "extract_article", "reset_caches"]

logger = logging.getLogger(__name__)

# Like trafilatura, the language model is loaded once per (worker) process, at import.
load_language_model()

# Pages larger than this are refused ("too-large"); Scrapy's DOWNLOAD_MAXSIZE normally stops them
# earlier. trafilatura's own limit (MAX_FILE_SIZE, 20 MB) is higher.
MAX_BODY_BYTES = 8 * 1024 * 1024
# Control bytes (other than tab/newline/CR/FF) in the first BINARY_SNIFF_BYTES mark a binary file.
BINARY_SNIFF_BYTES = 4096
BINARY_CONTROL_SHARE = 0.02
# Control bytes other than tab, newline, form feed and carriage return (counted in C by translate).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))
_BINARY_MAGIC = (
    b"%PDF",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"RIFF",
    b"ID3",
    b"OggS",
    b"fLaC",
    b"\x7fELF",
    b"Rar!",
    b"7z\xbc\xaf",
    b"\x00\x00\x00",
)
# A body shorter than this (characters, after cleaning) is "too-short": a stub, a photo or video
# page, a teaser. Set on tests/pages; no AEB page falls below it (bench/extract_aeb.py).
MIN_BODY_CHARS = 100
# trafilatura settings: comments are not part of the body, tables are; links are kept only to
# measure link density (see _body_text). favor_precision loses whole bodies on some pages, and our
# own cleaning does better on precision (bench/extract_aeb.py: 0.965 with it off vs 0.959 on).
# Comments on (trafilatura's default) cost 5 % more CPU and improve no AEB page.
TRAFILATURA_OPTIONS = {
    "include_comments": False,
    "include_tables": True,
    "include_links": True,
    "favor_precision": False,
    "with_metadata": False,  # crawler.metadata reads what we need, at a fraction of the cost
    "output_format": "xml",  # the body tree only: "python" would also render it as text
}
# trafilatura's fast mode skips its comparison with readability and jusText (about a third of its
# cost). The full cascade runs only when the fast result looks poor: shorter than
# FULL_CASCADE_BELOW_CHARS, or one element holding at least DUMP_MIN_LINES lines (its last resort,
# the whole page's text). Set by bench/extract_aeb.py: 4 of the 181 AEB pages take the full cascade
# (at 1000 characters, 16, and F1 0.972 instead of 0.974), two of them rescued by it.
FULL_CASCADE_BELOW_CHARS = 500
DUMP_MIN_LINES = 40
# A later container of the body's own class is read when it holds at least
# CONTINUATION_MIN_PARAGRAPHS paragraphs of CONTINUATION_MIN_CHARS or more that the body lacks
# (see _continuation). Set by bench/extract_aeb.py: two split pages go from recall 0.35 and 0.45
# to 1.0 and 0.99, no page loses.
CONTINUATION_MIN_PARAGRAPHS = 2
CONTINUATION_MIN_CHARS = 80
CONTINUATION_SNIPPET_CHARS = 60
# A continuation container's class names the body; none of its ancestors is comments or a sidebar.
_BODY_CLASS = re.compile(r"body|article|content|story|entry|text", re.I)
_NOT_BODY_CLASS = re.compile(r"comment|repl|respon|sidebar|related|footer|recommend", re.I)
_PARAGRAPHS_CONTAINING = XPath("//p[contains(normalize-space(.), $snippet)]")
_FOLLOWING_SAME_CLASS = XPath("following::*[name() = $tag and @class = $cls]")
# A body line (paragraph, list item, heading, cell) whose text is at least LINK_LINE_SHARE link
# text and shorter than LINK_LINE_MAX_CHARS is a link line, navigation unless it stands inside the
# text and reads as content (see _body_text). Set by bench/extract_aeb.py: F1 +0.004 at 0.7 (0.9:
# +0.003); keeping linked sentences and lone bare addresses: recall +0.001, precision unchanged.
LINK_LINE_SHARE = 0.7
LINK_LINE_MAX_CHARS = 200


@dataclass(slots=True)
class Extraction:
    """The result of :func:`extract_article`.

    ``paragraph_keys`` are the keys of the body's paragraphs before the learned boilerplate was
    removed: feed them to :meth:`crawler.boilerplate.BoilerplateLearner.observe`.
    """

    article: Article
    paragraph_keys: list[str] = field(default_factory=list)


def reset_caches() -> None:
    """Release trafilatura's module caches (call every few hundred pages in long-lived workers)."""
    _reset_trafilatura_caches()


def _check_bytes(body: bytes) -> None:
    if not isinstance(body, bytes | bytearray | memoryview):
        raise ExtractionError("unparsable", f"body is {type(body).__name__}, not bytes")
    if not body.strip():
        raise ExtractionError("empty")
    if len(body) > MAX_BODY_BYTES:
        raise ExtractionError("too-large", f"{len(body)} bytes > {MAX_BODY_BYTES}")
    head = bytes(body[:BINARY_SNIFF_BYTES])
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text legitimately holds NUL bytes
        return
    if head.lstrip().startswith(_BINARY_MAGIC):
        raise ExtractionError("binary", "file signature")
    control = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if control > BINARY_CONTROL_SHARE * len(head):
        raise ExtractionError("binary", f"{control} control bytes in the first {len(head)}")


def _fetch_time(fetched: str | None) -> tuple[str, datetime]:
    if fetched:
        parsed = parse_date(fetched)
        if parsed is not None:
            return fetched, parsed
    now = now_utc()
    return now.isoformat(timespec="seconds"), now


def _subtitle(meta: PageMeta, title: str | None, body_start: str) -> str | None:
    for candidate in (meta.standfirst, meta.description):
        if not candidate:
            continue
        norm = normalize(candidate)
        if not norm or (title and norm == normalize(title)):
            continue
        # a description that is only the body's own opening (a teaser) is not a subtitle
        if body_start.startswith(norm):
            continue
        return " ".join(candidate.split())
    return None


def _is_link_line(el: _Element, text: str) -> bool:
    """A short line that is mostly link text (outside embedded posts, which keep their links)."""
    if len(text) >= LINK_LINE_MAX_CHARS or any(a.tag == "quote" for a in el.iterancestors()):
        return False
    linked = sum(len("".join(ref.itertext())) for ref in el.iter("ref"))
    return linked >= LINK_LINE_SHARE * len(text)


def _body_text(body: _Element) -> str:
    """The text of trafilatura's body tree without its navigation link lines.

    Link lines are navigation ("related" lists, teasers, menus) except content: a linked sentence
    inside the text ("Pro tip: more ideas here!"; not the first or last line) and a bare address
    standing alone between two lines that are not links (a product link in a list). Headlines
    linked in between paragraphs ("related" teasers) still go.
    """
    lines = [(el, text) for el in body.iter("p", "item", "head", "cell") if (text := _text(el))]
    links = [_is_link_line(el, text) for el, text in lines]
    for i, (el, _) in enumerate(lines):
        parent = el.getparent()
        if not links[i] or parent is None:
            continue
        inside = 0 < i < len(lines) - 1
        alone = inside and not links[i - 1] and not links[i + 1]
        text = lines[i][1]
        if not ((inside and bp.ends_like_sentence(text)) or (alone and bp.is_bare_url(text))):
            parent.remove(el)
    strip_tags(body, "ref")
    return xmltotxt(body, False)


def _text(el: _Element) -> str:
    return "".join(el.itertext()).strip()


def _continuation(tree: HtmlElement, paragraphs: list[str]) -> list[str]:
    """Paragraphs of the article's next parts, when the page splits its body into containers.

    Some templates cut the body into several containers of one class with ads between them, and
    trafilatura keeps the first. The containers after the one holding the body's last paragraph,
    with the same tag and class, are read too: their paragraphs of prose that the body lacks.
    """
    if not paragraphs:
        return []
    # an XPath variable, not text pasted into the expression: quotes in the snippet are safe
    holders = _PARAGRAPHS_CONTAINING(tree, snippet=paragraphs[-1][:CONTINUATION_SNIPPET_CHARS])
    container = holders[0].getparent() if holders else None
    classes = container.get("class") if container is not None else None
    if not classes or not _BODY_CLASS.search(classes):
        return []  # generic layout classes (grid cells, widgets) also hold comments and menus
    known = {normalize(p) for p in paragraphs}
    found: list[str] = []
    for part in _FOLLOWING_SAME_CLASS(container, tag=container.tag, cls=classes):
        if any(_NOT_BODY_CLASS.search(class_and_id(a)) for a in (part, *part.iterancestors())):
            continue
        texts = [" ".join(p.text_content().split()) for p in part.iter("p")]
        prose = [t for t in texts if len(t) >= CONTINUATION_MIN_CHARS and normalize(t) not in known]
        if len(prose) >= CONTINUATION_MIN_PARAGRAPHS:
            found += prose
    return found


def _looks_poor(body: _Element | None, text: str) -> bool:
    """True when a fast extraction is too short or is the whole page's text in one element."""
    if body is None or len(text) < FULL_CASCADE_BELOW_CHARS:
        return True
    return len(body) == 1 and text.count("\n") >= DUMP_MIN_LINES


def _main_content(tree: HtmlElement, meta: PageMeta) -> _Element | None:
    """trafilatura's body tree of the page: fast mode, the full cascade when that looks poor.

    No URL is passed: it only serves to resolve link targets, and only link text is used here.
    """
    # bare_extraction(tree, fast=True, **TRAFILATURA_OPTIONS), without its needless work
    body, text = fast_extraction(tree, meta.marked, meta.marks)
    if not _looks_poor(body, text):
        return body
    full = trafilatura.bare_extraction(tree, fast=False, **TRAFILATURA_OPTIONS)
    return full.body if full is not None and full.body is not None else body


# -- parsing and trafilatura's fast cascade, without the work our settings never use ----------
#
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


# bare_extraction's Extractor for TRAFILATURA_OPTIONS in fast mode (no URL; see _main_content).
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
_CLASSED = XPath("//@class/.. | //@id/..")  # as crawler.metadata's _MARKED


def _prune_targets(
    tree: HtmlElement, marked: list[HtmlElement], marks: list[str], is_forum: bool
) -> list[HtmlElement]:
    """The elements trafilatura's raw-tree prunes delete, in their order (``marks[i]`` holds the
    class and id of ``marked[i]``, the page's elements with either, in document order)."""
    joined = "\n".join(marks)
    targets: list[HtmlElement] = []
    for test, words in _RAW_PRUNES if is_forum else _RAW_PRUNES + _COMMENT_PRUNES:
        if any(word in joined for word in words):
            targets += [
                el
                for el, mark in zip(marked, marks, strict=True)
                if any(word in mark for word in words) and test(el)
            ]
    return targets


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
            marked = _CLASSED(tree)
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
    # a banner's regex cannot match across marks (no line break in it): one scan of them all
    banners = _BANNER.search("\n".join(marks)) is not None
    removed += [
        el
        for el, mark in zip(marked, marks, strict=True)
        if ("footer" in mark or (banners and _BANNER.search(mark))) and _cleaned_by_class(el)
    ]
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


def _clean_body(paragraphs: list[str], block: headline.HeadlineBlock) -> list[str]:
    paragraphs = headline.strip(paragraphs, block)
    paragraphs = bp.strip_template_lines(paragraphs)
    paragraphs = bp.strip_tail_notices(bp.cut_tail(paragraphs))
    return dedupe(paragraphs)


def extract_article(
    body: bytes,
    url: str,
    *,
    outlet: str = "",
    content_type: str | None = None,
    fetched: str | None = None,
    priors: Priors | None = None,
    boilerplate: Boilerplate | None = None,
) -> Extraction:
    """Extract a page's article: the body (paragraphs joined by a blank line) and metadata.

    Args:
        body: the page as fetched (raw bytes).
        url: the address it was fetched from.
        outlet: the outlet id (copied into the Article).
        content_type: the HTTP Content-Type header value (its charset is honoured).
        fetched: ISO 8601 fetch time (default now, UTC); no date of the article may be later.
        priors: feed or sitemap hints (dates, title) used when the page has none.
        boilerplate: the outlet's learned boilerplate, removed from the body.

    Returns:
        An :class:`Extraction`.

    Raises:
        NotAnArticle: the page is readable but is not an article (``.reason``: "listing",
            "error-page", "empty-body", "too-short").
        ExtractionError: the page is unreadable (``.reason``: "empty", "binary", "too-large",
            "unparsable", "internal").

    Example::

        ex = extract_article(html_bytes, "https://24.kg/obschestvo/1_x/", outlet="24kg")
        print(ex.article.title, ex.article.text)
    """
    try:
        return _extract(body, url, outlet, content_type, fetched, priors, boilerplate)
    except ExtractionError:
        raise
    except Exception as exc:  # the one error boundary: nothing else may reach the pipeline
        logger.debug("extraction failed on %s", url, exc_info=True)
        raise ExtractionError("internal", f"{type(exc).__name__}: {exc}"[:300]) from exc


def _extract(
    body: bytes,
    url: str,
    outlet: str,
    content_type: str | None,
    fetched: str | None,
    priors: Priors | None,
    boilerplate: Boilerplate | None,
) -> Extraction:
    _check_bytes(body)
    fetched_iso, fetched_at = _fetch_time(fetched)
    decoded = decode_html(bytes(body), content_type)
    try:
        tree = load_html(decoded.text)
    except (ValueError, TypeError) as exc:
        raise ExtractionError("unparsable", str(exc)[:200]) from exc
    if tree is None or len(tree) == 0:
        raise ExtractionError("unparsable", "no HTML tree")
    meta = read_page(tree, url)
    reason = not_article_reason(tree, url, meta)
    if reason:
        raise NotAnArticle(reason)
    main = _main_content(tree, meta)
    body_text = _body_text(main) if main is not None else ""
    if not body_text.strip():
        raise NotAnArticle("empty-body")
    title = best_title(meta) or (priors.title if priors else None)
    paragraphs = split_paragraphs(body_text)
    paragraphs += _continuation(tree, paragraphs)
    block = headline.collect(tree, meta, [title, priors.title if priors else None], paragraphs)
    paragraphs = _clean_body(paragraphs, block)
    authors = clean_authors(meta.authors, [meta.site_name or "", outlet])
    paragraphs = headline.strip_tail_byline(paragraphs, authors)
    keys = [paragraph_key(p) for p in paragraphs]
    paragraphs = bp.remove_learned(paragraphs, keys, boilerplate)
    text = "\n\n".join(paragraphs)
    if not text:
        raise NotAnArticle("empty-body")
    if len(text) < MIN_BODY_CHARS:
        raise NotAnArticle("too-short", f"{len(text)} characters")
    guessed = None if meta.published else guess_date(tree, url, fetched_at)
    published, modified = dates(meta, guessed, priors, fetched_at)
    canonical = meta.canonical_url
    article = Article(
        id=article_id(canonical),
        url=url,
        canonical_url=canonical,
        outlet=outlet,
        title=" ".join(title.split()) if title else None,
        subtitle=_subtitle(meta, title, normalize(text[:2000])),
        text=text,
        fetched=fetched_iso,
        published=published,
        modified=modified,
        authors=authors,
        language=detect_language(text, meta.declared_language),
        images=meta.images,
    )
    return Extraction(article, keys)
