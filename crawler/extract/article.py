"""Article extraction: the body and only the body, with full metadata.

:func:`extract_article` is the one entry point. It runs in the crawl's process-pool workers, so it
is a plain top-level function with picklable arguments and result, and trafilatura is imported
once, here, at module import. The stages:

1. refuse unreadable input (empty, binary, too large) with :class:`ExtractionError`;
2. decide the encoding ourselves (:mod:`crawler.extract.encoding`) and parse once
   (:func:`load_html`: trafilatura's parse, with lxml's C class lookup);
3. read the page's metadata (:mod:`crawler.extract.metadata`) and skip non-articles
   (:mod:`crawler.extract.pagetype`) with :class:`NotAnArticle`;
4. trafilatura finds the main content, in its fast mode (:func:`fast_extraction`: the result of
   ``bare_extraction``, from its parts, without the work our settings never use), with its full
   cascade only when that result looks poor; a body split into containers of one class is read
   whole; link lines that are navigation are dropped;
5. read the credited source (:mod:`crawler.extract.credits`: "(Reuters)", "Источник: Kabar")
   from the body's first and last paragraphs and the page metadata, then clean the body: the
   repeated headline block (:mod:`crawler.extract.headline`), template lines, tail markers and
   tail notices (reprint terms, "Ctrl+Enter" requests; :mod:`crawler.extract.boilerplate`),
   repeated paragraphs (:mod:`crawler.extract.paragraphs`), a last line repeating the author's
   name, then the outlet's learned boilerplate;
6. build the :class:`~crawler.items.Article`.

Nothing but :class:`ExtractionError` (and its subclass :class:`NotAnArticle`) leaves
:func:`extract_article`: anything unexpected becomes ``ExtractionError("internal", detail)``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

import trafilatura
from lxml.etree import XPath, _Element, strip_tags
from lxml.html import HtmlElement
from trafilatura.meta import reset_caches as _reset_trafilatura_caches
from trafilatura.xml import xmltotxt

from crawler.errors import ExtractionError, NotAnArticle
from crawler.extract import boilerplate as bp
from crawler.extract import headline, titles
from crawler.extract.authors import labelled_bylines
from crawler.extract.boilerplate import Boilerplate
from crawler.extract.credits import credited_source
from crawler.extract.encoding import decode_html
from crawler.extract.hidden import reveal_continuations
from crawler.extract.metadata import (
    PageMeta,
    author_links,
    best_title,
    class_and_id,
    clean_authors,
    dates,
    detect_language,
    guess_date,
    load_language_model,
    now_utc,
    pick_date,
    read_page,
)
from crawler.extract.pagetype import not_article_reason
from crawler.extract.paragraphs import (
    dedupe,
    forget_normalized,
    normalize,
    paragraph_key,
    split_paragraphs,
)
from crawler.extract.shown_dates import headline_lines, shown_date
from crawler.items import Article, Priors
from crawler.times import parse_iso
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
    # crawler.extract.metadata reads what we need, at a fraction of the cost
    "with_metadata": False,
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
# Below this many characters the body may be the part of an article shown before a "read more"
# control (crawler.extract.hidden): the scan for the hidden rest costs ~1 ms a page, so it runs on
# short bodies only (the truncated ones end after the first block, ~800 characters).
REVEAL_BELOW_CHARS = 2000
# A body line (paragraph, list item, heading, cell) whose text is at least LINK_LINE_SHARE link
# text and shorter than LINK_LINE_MAX_CHARS is a link line, navigation unless it stands inside the
# text and reads as content (see _body_text). Set by bench/extract_aeb.py: F1 +0.004 at 0.7 (0.9:
# +0.003); keeping linked sentences and lone bare addresses: recall +0.001, precision unchanged.
LINK_LINE_SHARE = 0.7
LINK_LINE_MAX_CHARS = 200


# crawler.extract.cascade runs trafilatura's cascade from trafilatura's internals. It runs only on
# the trafilatura versions its equivalence tests (tests/crawler/test_extract_cascade.py) verified;
# on any other version the public bare_extraction runs, with the same options.
VERIFIED_TRAFILATURA = frozenset({"2.3.1"})


def _public_fast_extraction(
    tree: HtmlElement, marked: object = None, marks: object = None
) -> tuple[_Element | None, str]:
    """``bare_extraction(tree, fast=True)``'s body and text: the fast cascade's public form."""
    doc = trafilatura.bare_extraction(tree, fast=True, **TRAFILATURA_OPTIONS)
    if doc is None or doc.body is None:
        return None, ""
    return doc.body, doc.raw_text


def trafilatura_steps(version: str = trafilatura.__version__) -> tuple[Callable, Callable]:
    """``(load_html, fast_extraction)`` for this trafilatura: newsmon's on a verified version."""
    if version in VERIFIED_TRAFILATURA:
        from crawler.extract import cascade

        return cascade.load_html, cascade.fast_extraction
    logger.warning(
        "trafilatura %s is not a version newsmon's fast cascade is verified on (%s); "
        "extracting with its public bare_extraction",
        version,
        ", ".join(sorted(VERIFIED_TRAFILATURA)),
    )
    return trafilatura.load_html, _public_fast_extraction


load_html, fast_extraction = trafilatura_steps()


@dataclass(slots=True)
class Extraction:
    """The result of :func:`extract_article`.

    ``paragraph_keys`` are the keys of the body's paragraphs before the learned boilerplate was
    removed: feed them to :meth:`crawler.extract.boilerplate.BoilerplateLearner.observe`.
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
        parsed = parse_iso(fetched)
        if parsed is not None:
            return fetched, parsed
    now = now_utc()
    return now.isoformat(timespec="seconds"), now


def _own_names(outlet: str, meta: PageMeta, url: str) -> list[str]:
    """The names a page's own outlet goes by: a credit to one of them is no credited source."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return [outlet, meta.site_name or "", host]


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
    _join_source_lines(body)
    return xmltotxt(body, False)


# Runs of white space that hold a line break: the page's source lines, not the page's lines.
_SOURCE_BREAK = re.compile(r"\s*\n\s*")
# trafilatura's elements that start a line of the text.
_BLOCKS = frozenset(("p", "item", "head", "cell", "quote", "list", "row", "table", "div"))
# trafilatura's elements for <pre>: their source lines are the lines the page shows.
_PREFORMATTED = frozenset(("code", "quote"))


def _join_source_lines(body: _Element) -> None:
    """Turn the line breaks of the HTML source inside a paragraph's text into spaces.

    A browser shows "The airline\n<a>said</a>\nthat" as one line; the text keeps a break at
    each link's edge, and each would start a new paragraph. Breaks the page shows (<br>, read
    as <lb/>) and preformatted text keep theirs: trafilatura reads ``<pre>`` as code or as a
    quote, so the lines of both stay (a blockquote's source lines stay too: the rarer loss).
    """
    for el in body.iter():
        if el.tag in _PREFORMATTED or any(a.tag in _PREFORMATTED for a in el.iterancestors()):
            continue
        if el.text and "\n" in el.text:
            el.text = _SOURCE_BREAK.sub(" ", el.text)
            if el.tag in _BLOCKS:
                el.text = el.text.lstrip()  # a line's leading white space is not shown
        parent = el.getparent()
        if el.tail and "\n" in el.tail and parent is not None and parent.tag not in _PREFORMATTED:
            el.tail = _SOURCE_BREAK.sub(" ", el.tail)


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


# A labelled byline ("Текст: X. Фото: Y") is looked for in this many first and last paragraphs,
# and in the elements near the headline classed as one of these (date and info lines).
BYLINE_EDGE = 3
_BYLINE_LINE_CLASS = re.compile(r"author|byline|meta|info|date|time|publish|posted|details", re.I)


def _byline_classed(tag: str, mark: str) -> bool:
    return _BYLINE_LINE_CLASS.search(mark) is not None


def _without_byline_lines(paragraphs: list[str], authors: list[str]) -> list[str]:
    """``paragraphs`` without a short first or last line that only gives the authors with a
    label ("Текст: Бакыт Асанов. Фото: Ош Инфо"): the names are in ``authors``."""
    known = {normalize(a) for a in authors}
    edge = set(range(BYLINE_EDGE)) | set(range(len(paragraphs) - BYLINE_EDGE, len(paragraphs)))
    return [
        p
        for n, p in enumerate(paragraphs)
        if not (
            n in edge
            and len(p) <= headline.CREDIT_LINE_MAX_CHARS
            and (names := labelled_bylines([p]))
            and {normalize(name) for name in names} <= known
        )
    ]


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
    finally:
        forget_normalized()  # a worker's memory stays flat between pages


# A numeric character reference (``&#8;``, ``&#x1B``; the ``;`` is optional in HTML).
_CHAR_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));?")
# A reference that may name a character XML cannot hold, found by the regex engine alone: a
# value under 0x20 (tab, LF and CR too), FFFE, FFFF, or more digits than _CHAR_REFERENCE reads
# (its first ones may be zeros). Most pages hold references (&#8217;, &#39;) but none of these,
# and pay no Python call per reference (nor a str "in", which scans slower than this search).
_MAYBE_UNXML = re.compile(
    r"&#(?:[xX](?:0*(?:[01]?[0-9a-fA-F]|[fF]{3}[eEfF])(?![0-9a-fA-F])|[0-9a-fA-F]{9})"
    r"|0*(?:[12]?[0-9]|3[01]|6553[45])(?![0-9])|[0-9]{11})"
)


def _drop_unxml_references(text: str) -> str:
    """``text`` without references to characters XML cannot hold (C0 controls but tab, LF and
    CR; U+FFFE, U+FFFF): lxml resolves them into the tree, and trafilatura's output tree then
    refuses the text. Raw control characters are dropped by the HTML parser itself."""

    def keep(match: re.Match[str]) -> str:
        code = int(match.group(1), 16) if match.group(1) else int(match.group(2))
        if (code < 0x20 and code not in (0x09, 0x0A, 0x0D)) or code in (0xFFFE, 0xFFFF):
            return ""
        return match.group(0)

    return text if _MAYBE_UNXML.search(text) is None else _CHAR_REFERENCE.sub(keep, text)


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
        tree = load_html(_drop_unxml_references(decoded.text))
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
    # a short body may be the first block of an article whose rest a "read more" control hides
    # (trafilatura drops hidden elements): shown, the article is extracted again
    if len(body_text) < REVEAL_BELOW_CHARS and reveal_continuations(tree, meta.marked, meta.marks):
        main = _main_content(tree, meta)
        body_text = _body_text(main) if main is not None else ""
    if not body_text.strip():
        raise NotAnArticle("empty-body")
    title = best_title(meta) or (priors.title if priors else None)
    paragraphs = split_paragraphs(body_text)
    paragraphs += _continuation(tree, paragraphs)
    edges = paragraphs[:BYLINE_EDGE] + paragraphs[-BYLINE_EDGE:]  # before cleaning drops them
    # before cleaning: a credit line repeated on every page is boilerplate, but still a credit
    source = credited_source(paragraphs, tree, own=_own_names(outlet, meta, url))
    block = headline.collect(tree, meta, [title, priors.title if priors else None], paragraphs)
    paragraphs = _clean_body(paragraphs, block)
    authors = clean_authors(meta.authors, _own_names(outlet, meta, url), meta.bylines)
    if not authors:  # a byline drawn as bare links to the authors' pages
        authors = clean_authors(author_links(tree), _own_names(outlet, meta, url))
    if not authors:  # "Автор: X" in a date line, or a body's first or last lines
        lines = [*headline_lines(meta.h1_element, _byline_classed), *edges]
        authors = clean_authors(labelled_bylines(lines), _own_names(outlet, meta, url))
    paragraphs = _without_byline_lines(headline.strip_tail_byline(paragraphs, authors), authors)
    keys = [paragraph_key(p) for p in paragraphs]
    paragraphs = bp.remove_learned(paragraphs, keys, boilerplate)
    text = "\n\n".join(paragraphs)
    if not text:
        raise NotAnArticle("empty-body")
    if len(text) < MIN_BODY_CHARS:
        raise NotAnArticle("too-short", f"{len(text)} characters")
    shown = shown_date(meta.h1_element)
    # htmldate only for pages that give no date of their own; its search of the text (the
    # costly part, and a guess: "archive since 14.05.2003") only without the feed's date
    listed = priors is not None and pick_date([priors.published], fetched_at) is not None
    guessed = (
        None
        if shown or pick_date(meta.published, fetched_at)
        else guess_date(tree, url, fetched_at, search_text=not listed)
    )
    published, modified = dates(meta, guessed, priors, fetched_at, shown)
    canonical = meta.canonical_url
    article = Article(
        id=article_id(canonical),
        url=url,
        canonical_url=canonical,
        outlet=outlet,
        title=titles.bounded_title(title) if title else None,
        subtitle=_subtitle(meta, title, normalize(text[:2000])),
        text=text,
        fetched=fetched_iso,
        published=published,
        modified=modified,
        authors=authors,
        language=detect_language(text, meta.declared_language),
        images=meta.images,
        source=source,
    )
    return Extraction(article, keys)
