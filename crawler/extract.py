"""Article extraction: the body and only the body, with full metadata.

:func:`extract_article` is the one entry point. It runs in the crawl's process-pool workers, so it
is a plain top-level function with picklable arguments and result, and trafilatura is imported
once, here, at module import. The stages:

1. refuse unreadable input (empty, binary, too large) with :class:`ExtractionError`;
2. decide the encoding ourselves (:mod:`crawler.encoding`) and parse once;
3. read the page's metadata (:mod:`crawler.metadata`) and skip non-articles
   (:mod:`crawler.pagetype`) with :class:`NotAnArticle`;
4. trafilatura's ``bare_extraction`` finds the main content;
5. clean the body: the repeated headline block (:mod:`crawler.headline`), template lines, tail
   markers and tail notices (reprint terms, "Ctrl+Enter" requests; :mod:`crawler.boilerplate`),
   repeated paragraphs (:mod:`crawler.paragraphs`), a last line repeating the author's name, then
   the outlet's learned boilerplate;
6. build the :class:`~crawler.items.Article`.

Nothing but :class:`ExtractionError` (and its subclass :class:`NotAnArticle`) leaves
:func:`extract_article`: anything unexpected becomes ``ExtractionError("internal", detail)``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

import trafilatura
from lxml.etree import _Element, strip_tags
from trafilatura.meta import reset_caches as _reset_trafilatura_caches
from trafilatura.xml import xmltotxt

from crawler import boilerplate as bp
from crawler import headline
from crawler.boilerplate import Boilerplate
from crawler.encoding import decode_html
from crawler.errors import ExtractionError, NotAnArticle
from crawler.items import Article, Priors
from crawler.metadata import (
    PageMeta,
    best_title,
    clean_authors,
    dates,
    detect_language,
    guess_date,
    now_utc,
    parse_date,
    read_page,
)
from crawler.pagetype import not_article_reason
from crawler.paragraphs import dedupe, normalize, paragraph_key, split_paragraphs
from crawler.urls import article_id

__all__ = ["Extraction", "extract_article", "reset_caches"]

logger = logging.getLogger(__name__)

# Pages larger than this are refused ("too-large"); Scrapy's DOWNLOAD_MAXSIZE normally stops them
# earlier. trafilatura's own limit (MAX_FILE_SIZE, 20 MB) is higher.
MAX_BODY_BYTES = 8 * 1024 * 1024
# Control bytes (other than tab/newline/CR/FF) in the first BINARY_SNIFF_BYTES mark a binary file.
BINARY_SNIFF_BYTES = 4096
BINARY_CONTROL_SHARE = 0.02
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
TRAFILATURA_OPTIONS = {
    "include_comments": False,
    "include_tables": True,
    "include_links": True,
    "favor_precision": False,
    "with_metadata": False,  # crawler.metadata reads what we need, at a fraction of the cost
}
# A body line (paragraph, list item, heading, cell) whose text is at least LINK_LINE_SHARE link
# text and shorter than LINK_LINE_MAX_CHARS is navigation ("related" lists, teasers). Set by
# bench/extract_aeb.py: F1 +0.004 at 0.7 (0.9: +0.003).
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
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
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


def _body_text(body: _Element) -> str:
    """The text of trafilatura's body tree without its link lines (navigation, related lists)."""
    for el in list(body.iter("p", "item", "head", "cell")):
        text = "".join(el.itertext()).strip()
        parent = el.getparent()
        if not text or parent is None or len(text) >= LINK_LINE_MAX_CHARS:
            continue
        if any(a.tag == "quote" for a in el.iterancestors()):
            continue  # embedded posts (tweets) are quoted content, links and all
        linked = sum(len("".join(ref.itertext())) for ref in el.iter("ref"))
        if linked >= LINK_LINE_SHARE * len(text):
            parent.remove(el)
    strip_tags(body, "ref")
    return xmltotxt(body, False)


def _clean_body(paragraphs: list[str], block: headline.HeadlineBlock) -> list[str]:
    paragraphs = headline.strip(paragraphs, block)
    paragraphs = [p for p in paragraphs if not bp.is_template_line(p)]
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
        tree = trafilatura.load_html(decoded.text)
    except (ValueError, TypeError) as exc:
        raise ExtractionError("unparsable", str(exc)[:200]) from exc
    if tree is None or len(tree) == 0:
        raise ExtractionError("unparsable", "no HTML tree")
    meta = read_page(tree, url)
    reason = not_article_reason(tree, url, meta)
    if reason:
        raise NotAnArticle(reason)
    doc = trafilatura.bare_extraction(tree, url=url, **TRAFILATURA_OPTIONS)
    body_text = _body_text(doc.body) if doc is not None and doc.body is not None else ""
    if not body_text.strip():
        raise NotAnArticle("empty-body")
    title = best_title(meta) or (priors.title if priors else None)
    paragraphs = split_paragraphs(body_text)
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
