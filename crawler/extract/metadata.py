"""Article metadata read from the page tree: canonical URL, dates, authors, language, images.

Pure functions over an lxml tree (``trafilatura.load_html``) and plain values; trafilatura's own
metadata (``Document``) comes in through :func:`crawler.extract.article.extract_article` as a
fallback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import lru_cache
from itertools import compress
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import htmldate
from lxml import etree
from lxml.html import HtmlElement

from crawler.extract import authors, language, titles
from crawler.extract.shown_dates import ShownDate, on_shown_day, shows_day
from crawler.items import Image, Priors
from crawler.times import as_utc, parse_date
from crawler.urls import canonicalize, idna_host

# Structured-data keys, in order of trust.
_PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "dc.date.issued",
    "dc.date",
    "sailthru.date",
    "parsely-pub-date",
    "date",
)
_MODIFIED_META = (
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "lastmod",
    "last-modified",
    "dc.date.modified",
)
# Below this many characters of body text the declared <html lang> is trusted over the detector.
LANGID_MIN_CHARS = 200
# The detector reads this prefix of the body (its cost grows with the length): on the AEB bodies
# and tests/pages, 500 characters give the same language as 1000 and 3000 for every page, at 60 %
# of the cost of 1000 (300 change the top three guesses of 17 pages).
LANGID_SAMPLE_CHARS = 500
# The declared language is kept when the detector ranks it among its first LANGID_TOP guesses
# (kk/ky/tt and ru/uk/be are close neighbours for the detector).
LANGID_TOP = 3
MAX_IMAGES = 20
_CREDIT = re.compile(
    r"\s*(?:\(\s*)?(?:©|\(c\)|photo(?:\s+credit)?\s*:|фото\s*:|фото\s+—|(?:сурет|сүрөт|surat|сурат)\s*:|"
    r"credit\s*:|source\s*:|"
    r"источник\s*:|illustration\s*:|иллюстрация\s*:)\s*(?P<credit>[^()]{1,120}?)\s*\)?\s*$",
    re.I,
)
_COMMENT_CLASS = re.compile(r"comment|respond|reply|discussion|forum", re.I)
_SIDEBAR_CLASS = re.compile(r"sidebar|widget|related|footer|menu", re.I)
# (BEM class names, "news__author", too)
_BYLINE_CLASS = re.compile(r"(?<![a-z])(author|byline|by-line|creator)", re.I)
# The attributes that can carry a byline, standfirst or label mark; see PageMeta.marked.
_MARK_ATTRIBUTES = frozenset(("class", "id", "itemprop", "rel"))
# Class/id strings whose verdicts (byline, standfirst, label) are remembered across pages, per test.
# A worker that takes turns among a few hundred outlets keeps them all: the 181 sites of the AEB
# pages hold 20,469 distinct class/id strings, and with 16,384 half the tests missed (0.4 ms a
# page); each entry costs about 100 bytes.
MARKS_CACHE_SIZE = 32768
BYLINE_MAX_CHARS = 100
MAX_BYLINES = 3
_CREDIT_PREFIX = re.compile(
    r"^\W*(photo|image|фото|сурет|сүрөт|surat|сурат|credit|source|источник)\s*:\s*|^\s*©\s*", re.I
)
_CREDIT_CLASS = re.compile(r"credit|copyright|photographer|image-source", re.I)
_SKIP_IMAGE_ANCESTORS = frozenset({"header", "footer", "nav", "aside"})


@dataclass(slots=True)
class PageMeta:
    """What the page's own markup says about the article."""

    canonical_url: str
    titles: list[str] = field(default_factory=list)
    h1: str | None = None  # the first <h1>'s text (also in titles)
    h1_element: HtmlElement | None = field(default=None, repr=False, compare=False)
    description: str | None = None
    standfirst: str | None = None
    published: list[str] = field(default_factory=list)
    modified: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    # the texts of the page's visible byline elements (also in authors, after the metadata's)
    bylines: list[str] = field(default_factory=list)
    site_name: str | None = None
    declared_language: str | None = None
    og_type: str | None = None
    jsonld_types: set[str] = field(default_factory=set)
    images: list[Image] = field(default_factory=list)
    # The page's elements with a class, id, itemprop or rel, in document order, and the class and
    # id of each (class_and_id): read once here, scanned for bylines and standfirsts here and for
    # labels by crawler.extract.headline.
    marked: list[HtmlElement] = field(default_factory=list, repr=False, compare=False)
    marks: list[str] = field(default_factory=list, repr=False, compare=False)


_STANDFIRST_CLASS = re.compile(
    r"(sub-?title|subhead|standfirst|stand-first|\blead\b|lede|\bdek\b|\bdeck\b|summary|excerpt|"
    r"\bintro\b|anons|annotation|article-description|post-description)",
    re.I,
)
# camelCase class names ("articleLead", "newsSubtitle") are split into words before matching.
_CAMEL = re.compile(r"([a-z])([A-Z])")
STANDFIRST_MAX_CHARS = 600
_STANDFIRST_TAGS = frozenset({"div", "p", "h2", "h3", "h4", "span", "section"})
# XPath does the page scans of _standfirst in C: the first <h1>, the paragraphs after it, and an
# element's position (the elements before it plus its ancestors).
_FIRST_H1 = etree.XPath("(//h1)[1]")
_FOLLOWING_PARAGRAPHS = etree.XPath("following::p")
_POSITION = etree.XPath("count(preceding::*) + count(ancestor::*)")
STANDFIRST_MIN_CHARS = 20
# A standfirst element lies within this many elements (document order) of an <h1>.
STANDFIRST_MAX_DISTANCE = 40
# ... and before the first paragraph of at least this many characters (the body's start).
BODY_PARAGRAPH_MIN_CHARS = 150


def text_of(el: HtmlElement) -> str:
    """The whitespace-collapsed text content of an element."""
    return " ".join(el.text_content().split())


def keyword_gated(pattern: re.Pattern[str], keywords: tuple[str, ...]) -> Callable[[str], bool]:
    """A test for ``pattern`` on class strings that runs the regex only when it can match.

    ``keywords`` are lower-case substrings one of which every match contains: most class strings
    contain none, and a plain alternation on the lower-cased string costs a fraction of a long
    case-insensitive pattern.
    """
    gate = re.compile("|".join(map(re.escape, keywords)))

    # outlets reuse their class strings on every page (and frameworks across outlets): the
    # verdicts are kept across pages, bounded so a worker's memory stays flat
    @lru_cache(maxsize=MARKS_CACHE_SIZE)
    def test(marks: str) -> bool:
        return gate.search(marks.lower()) is not None and pattern.search(marks) is not None

    return test


def marked(
    elements: list[HtmlElement], marks: list[str], matches: Callable[[str], bool]
) -> list[HtmlElement]:
    """The elements whose marks (``marks[i]`` is the string of ``elements[i]``) satisfy ``matches``.

    A page repeats the same class strings on many elements: each distinct string is tested once,
    and the elements are picked by C loops (compress, map), not a Python loop over the page.
    """
    hits = {mark for mark in set(marks) if matches(mark)}
    if not hits:
        return []
    return list(compress(elements, map(hits.__contains__, marks)))


def marked_elements(tree: HtmlElement) -> list[HtmlElement]:
    """The elements with a class, id, itemprop or rel attribute, in document order.

    (A set test of each element's attribute names: 30 % cheaper than the XPath union of the
    four attributes' parents, whose node sets libxml2 merges in document order.)
    """
    return [el for el in tree.iter(etree.Element) if not _MARK_ATTRIBUTES.isdisjoint(el.keys())]


def class_and_id_marks(elements: list[HtmlElement]) -> list[str]:
    """:func:`class_and_id` of each element (a comprehension: faster than a call per element)."""
    return [f"{el.get('class') or ''} {el.get('id') or ''}" for el in elements]


def class_and_id(el: HtmlElement) -> str:
    """An element's class and id attributes, joined by a space (the string marks are read from)."""
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def _metas(tree: HtmlElement) -> dict[str, str]:
    metas: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        content = (el.get("content") or "").strip()
        if key and content and key not in metas:
            metas[key] = content
    return metas


def _jsonld(tree: HtmlElement) -> list[dict]:
    objects: list[dict] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                objects.append(item)
                if isinstance(item.get("@graph"), list):
                    stack.extend(item["@graph"])
    return objects


# JSON-LD types of an article besides the *Article ones (NewsArticle, ReportageNewsArticle, ...)
_ARTICLE_TYPES = frozenset({"report", "blogposting", "liveblogposting"})


def is_article_type(kind: str) -> bool:
    """Whether a JSON-LD ``@type`` (lower case) is an article's: ``NewsArticle``,
    ``BlogPosting``, a live blog's ``LiveBlogPosting``, a ``Report``."""
    return "article" in kind or kind in _ARTICLE_TYPES


def _types(obj: dict) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower() for k in kinds if k}


def _names(value: object, nodes: dict[str, dict] | None = None) -> list[str]:
    """The names in a JSON-LD author value; a reference ({"@id": ...}, as in @graph
    documents) is resolved among ``nodes``."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        if not value.get("name") and nodes and isinstance(value.get("@id"), str):
            value = nodes.get(value["@id"], value)
        return _names(value.get("name"))
    if isinstance(value, list):
        return [n for v in value for n in _names(v, nodes)]
    return []


def same_site(host_a: str, host_b: str) -> bool:
    """True when two hosts are one site (equal, or one a subdomain of the other, www ignored),
    compared in IDNA form (a page on ``xn--e1afmkfd.xn--p1ai`` may link ``пример.рф``)."""
    try:
        a = idna_host(host_a).removeprefix("www.")
        b = idna_host(host_b).removeprefix("www.")
    except ValueError:
        return False
    return bool(a and b) and (a == b or a.endswith("." + b) or b.endswith("." + a))


def canonical_url(tree: HtmlElement, url: str, metas: dict[str, str] | None = None) -> str:
    """<link rel=canonical> or og:url when it is on the page's own site, else the page URL."""
    metas = _metas(tree) if metas is None else metas
    candidates = [
        el.get("href")
        for el in tree.iter("link")
        if "canonical" in (el.get("rel") or "").lower().split()
    ]
    candidates.append(metas.get("og:url"))
    page_host = urlsplit(url).hostname or ""
    for candidate in candidates:
        if not candidate or not candidate.strip():
            continue
        try:
            absolute = urljoin(url, candidate.strip())
            parts = urlsplit(absolute)
            if parts.scheme in ("http", "https") and same_site(parts.hostname or "", page_host):
                return canonicalize(absolute)
        except ValueError:
            continue
    return canonicalize(url)


def read_page(tree: HtmlElement, url: str) -> PageMeta:
    """Collect the article metadata that the page's markup declares."""
    metas = _metas(tree)
    objects = _jsonld(tree)
    meta = PageMeta(canonical_url=canonical_url(tree, url, metas))
    articles = [o for o in objects if any(map(is_article_type, _types(o)))]
    for obj in objects:
        meta.jsonld_types |= _types(obj)
    people = {o["@id"]: o for o in objects if isinstance(o.get("@id"), str) and o.get("name")}
    for obj in articles:
        for key, target in (
            ("datePublished", meta.published),
            ("dateCreated", meta.published),
            ("dateModified", meta.modified),
        ):
            if isinstance(obj.get(key), str):
                target.append(obj[key])
        meta.authors += _names(obj.get("author"), people)
        if isinstance(obj.get("headline"), str):
            meta.titles.append(obj["headline"])
    meta.published += [metas[k] for k in _PUBLISHED_META if k in metas]
    meta.modified += [metas[k] for k in _MODIFIED_META if k in metas]
    meta.published += [
        t.get("datetime")
        for t in tree.iter("time")
        if t.get("datetime")
        and ("published" in (t.get("itemprop") or "").lower() or t.get("pubdate") is not None)
    ]
    for key in ("author", "article:author", "sailthru.author", "parsely-author", "dc.creator"):
        if key in metas:
            meta.authors.append(metas[key])
    meta.titles[:0] = [metas[k] for k in ("og:title", "twitter:title") if k in metas]
    # only the first <h1> is the headline: pages that use more set their sections in them
    first_h1 = _FIRST_H1(tree)
    meta.h1_element = first_h1[0] if first_h1 else None
    h1s = [text_of(h) for h in first_h1]
    meta.h1 = h1s[0] if h1s else None
    meta.titles += h1s
    title_el = tree.find(".//title")
    if title_el is not None and title_el.text:
        meta.titles.append(" ".join(title_el.text.split()))
    meta.site_name = metas.get("og:site_name") or metas.get("application-name") or None
    meta.marked = marked_elements(tree)
    meta.marks = class_and_id_marks(meta.marked)
    meta.bylines = _bylines(meta.marked)
    meta.authors += meta.bylines
    meta.description = metas.get("og:description") or metas.get("description") or None
    meta.standfirst = _standfirst(tree, meta.marked, meta.marks)
    meta.og_type = (metas.get("og:type") or "").lower() or None
    meta.declared_language = _declared_language(tree, metas)
    meta.images = _images(tree, url, metas)
    return meta


_is_byline_marks = keyword_gated(_BYLINE_CLASS, ("author", "byline", "by-line", "creator"))


def _bylines(elements: list[HtmlElement]) -> list[str]:
    """Texts of the first few byline/author elements outside headers, footers and sidebars."""
    found: list[str] = []
    marks = [
        f"{el.get('class') or ''} {el.get('itemprop') or ''} {el.get('rel') or ''}"
        for el in elements
    ]
    for el in marked(elements, marks, _is_byline_marks):
        if el.tag in ("meta", "link", "body", "html", "a") or _inside(
            el, _SKIP_IMAGE_ANCESTORS - {"header"}
        ):
            continue
        # a comment's or a comment form's "author" is a reader
        if any(
            a.tag == "form" or _COMMENT_CLASS.search(class_and_id(a)) for a in el.iterancestors()
        ):
            continue
        # the parts of a byline are separate words ("<span>Name</span><span>Staff Writer</span>")
        text = " ".join(" ".join(el.itertext()).split())
        if text and len(text) <= BYLINE_MAX_CHARS:
            found.append(text)
            if len(found) >= MAX_BYLINES:
                break
    return found


# Links to an author's page: a byline drawn as a bare link, outside any byline-classed element.
_AUTHOR_LINKS = etree.XPath(
    "//a[@rel='author' or contains(@href, '/author/') or contains(@href, '/authors/')"
    " or contains(@href, '/autor/') or contains(@href, '/avtor/') or contains(@href, '/staff/')]"
)
_AUTHOR_LINK_SKIP = frozenset({"nav", "footer", "aside", "form"})


def author_links(tree: HtmlElement) -> list[str]:
    """The texts of the first few links to authors' pages outside menus, sidebars, footers and
    comments (read when the page has no other byline)."""
    found: list[str] = []
    for link in _AUTHOR_LINKS(tree):
        if _inside(link, _AUTHOR_LINK_SKIP) or any(
            _COMMENT_CLASS.search(class_and_id(a)) or _SIDEBAR_CLASS.search(class_and_id(a))
            for a in link.iterancestors()
        ):
            continue
        text = text_of(link)
        if text and len(text) <= BYLINE_MAX_CHARS and text not in found:
            found.append(text)
            if len(found) >= MAX_BYLINES:
                break
    return found


def best_title(meta: PageMeta) -> str | None:
    """The headline a reader sees (see crawler.extract.titles)."""
    declared = [t for t in meta.titles if t is not meta.h1]
    host = urlsplit(meta.canonical_url).hostname or ""
    # the host's name part: "welt" of www.welt.de, "vortexcannon" of vortexcannon.org
    label = max(host.split(".")[:-1] or [""], key=len)
    return titles.best_title(meta.h1, declared, [meta.site_name or "", host, label])


# A dateless page whose text has a date in words: htmldate's extensive search then builds its month
# names of every dateparser locale and dateparser its parsers, once per process (seconds).
_DATE_WARM_UP_PAGE = "<html><body><p>Опубликовано 5 марта в 10:00</p></body></html>"


def warm_up_dates() -> None:
    """Pay now, once per process, what htmldate's extensive search costs on its first text date.

    A long-lived worker pays it on its first dateless page anyway; a benchmark of per-page cost
    must not count it (bench/extract_aeb.py calls this in its warm-up).
    """
    htmldate.find_date(_DATE_WARM_UP_PAGE, extensive_search=True, original_date=True)


def guess_date(
    tree: HtmlElement, url: str, fetched: datetime, *, search_text: bool = True
) -> str | None:
    """htmldate's guess of the original publication date (YYYY-MM-DD), or None; with
    ``search_text`` false, from the page's markup and URL only (not its text).

    A guess of the first of a month stands only where the page shows that day: htmldate's
    last resorts (a lone year, a copyright year, a year and month) give the first of the month,
    and a made-up date would make the page the origin of every copy published that month.
    """
    guessed = htmldate.find_date(
        tree,
        extensive_search=search_text,
        original_date=True,
        url=url,
        max_date=fetched.date().isoformat(),
    )
    if guessed and guessed.endswith("-01"):
        day = date.fromisoformat(guessed)
        if not shows_day(f"{url}\n{tree.text_content()}", day):
            return None
    return guessed


# Every match of _STANDFIRST_CLASS contains one of these (lower case).
_STANDFIRST_GATE = re.compile(
    "title|subhead|standfirst|stand-first|lead|lede|dek|deck|summary|excerpt|intro|anons"
    "|annotation|description"
)


@lru_cache(maxsize=MARKS_CACHE_SIZE)  # see keyword_gated
def _standfirst_classed(marks: str) -> bool:
    """True for class/id strings that name a standfirst (camelCase split into words first)."""
    return _STANDFIRST_GATE.search(marks.lower()) is not None and (
        _STANDFIRST_CLASS.search(_CAMEL.sub(r"\1-\2", marks)) is not None
    )


def _position(el: HtmlElement) -> int:
    """The element's index among the page's elements in document order (counted by lxml)."""
    return int(_POSITION(el))


def _body_start(heading: HtmlElement) -> int | None:
    """The position of the first paragraph after ``heading`` long enough to start the body."""
    for para in _FOLLOWING_PARAGRAPHS(heading):
        if len(text_of(para)) >= BODY_PARAGRAPH_MIN_CHARS:
            return _position(para)
    return None


def _standfirst(tree: HtmlElement, elements: list[HtmlElement], marks: list[str]) -> str | None:
    """The text of a standfirst element between the page heading and the body's first paragraph.

    ``elements`` are the page's elements with a class or id (others are skipped), in order, and
    ``marks`` their :func:`class_and_id`.
    """
    headings = _FIRST_H1(tree)
    if not headings:
        return None
    first_heading = _position(headings[0])
    body_start = None
    for el in marked(elements, marks, _standfirst_classed):
        if el.tag not in _STANDFIRST_TAGS or _inside(el, _SKIP_IMAGE_ANCESTORS):
            continue
        if body_start is None:
            body_start = _body_start(headings[0]) or -1
        index = _position(el)
        if abs(index - first_heading) > STANDFIRST_MAX_DISTANCE or (
            body_start >= 0 and index > body_start
        ):
            continue
        if el.find(".//a") is not None or _inside(el, frozenset({"a"})):
            continue
        text = text_of(el)
        if (
            STANDFIRST_MIN_CHARS <= len(text) <= STANDFIRST_MAX_CHARS
            and len(el.findall(".//p")) <= 1
        ):
            return text
    return None


def _inside(el: HtmlElement, tags: frozenset[str]) -> bool:
    return any(a.tag in tags for a in el.iterancestors())


def _declared_language(tree: HtmlElement, metas: dict[str, str]) -> str | None:
    for value in (
        tree.get("lang"),
        tree.get("xml:lang"),
        metas.get("content-language"),
        metas.get("og:locale"),
        metas.get("language"),
    ):
        if value:
            code = re.split(r"[-_]", value.strip().lower())[0]
            if re.fullmatch(r"[a-z]{2}", code):
                return code
    return None


def load_language_model() -> None:
    """Load the language detector's model now, once per process, instead of on the first page."""
    language.identifier()


def detect_language(text: str, declared: str | None) -> str | None:
    """ISO 639-1 language: the declared one if the detector agrees roughly, else the detected."""
    if len(text) < LANGID_MIN_CHARS:
        return declared
    ranked = [code for code, _ in language.rank(text[:LANGID_SAMPLE_CHARS])[:LANGID_TOP]]
    if declared and declared in ranked:
        return declared
    best = ranked[0]
    best = {"uzs": "uz"}.get(best, best)
    return best if len(best) == 2 else declared


def _iso(value: str, parsed: datetime) -> str:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        return value.strip()
    return parsed.isoformat()


def pick_date(candidates: list[str | None], fetched: datetime) -> str | None:
    """The first candidate that parses and is not after the fetch time, as ISO 8601."""
    for value in candidates:
        if not value:
            continue
        parsed = parse_date(value)
        if parsed is None:
            continue
        parsed = as_utc(parsed)
        if len(value.strip()) == 10:
            if date.fromisoformat(value.strip()) > fetched.date():
                continue
        elif parsed > fetched:
            continue
        return _iso(value, parsed)
    return None


def shown_published(
    meta: PageMeta, shown: ShownDate | None, fetched: datetime, zone: str | None = None
) -> str | None:
    """The published time of the page's metadata, on the day the page shows (see shown_dates).

    Metadata in UTC ("2019-11-19T02:24:00Z") is a day off the page's own ("Nov 18, 2019 9:24 pm
    ET") around midnight, and some templates declare another day than the one they show: where
    the days differ the shown day wins (the metadata's time restated in the offset the shown
    clock implies, when it fits), and with no metadata date the shown day is the date. A shown
    day after the fetch is no date.
    """
    declared = pick_date(meta.published, fetched)
    if shown is None or shown.day > fetched.date():
        return declared
    if declared is None:
        return _shown_moment(shown, zone) or shown.day.isoformat()
    moment = as_utc(parse_date(declared))
    if moment.date() != shown.day:
        return on_shown_day(moment, shown)
    return declared


def _shown_moment(shown: ShownDate, zone: str | None) -> str | None:
    """The shown day and clock time in the outlet's ``zone`` (ISO, with its offset), or None
    without a clock or a zone."""
    if shown.clock is None or not zone:
        return None
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    moment = datetime.combine(shown.day, time(*shown.clock), tzinfo=tz)
    return moment.isoformat(timespec="seconds")


def dates(
    meta: PageMeta,
    extracted: str | None,
    priors: Priors | None,
    fetched: datetime,
    shown: ShownDate | None = None,
) -> tuple[str | None, str | None]:
    """(published, modified): page metadata (on the page's shown day) first, then the shown day,
    then trafilatura's date, then the priors."""
    prior = priors.published if priors else None
    zone = priors.zone if priors else None
    published = pick_date([shown_published(meta, shown, fetched, zone), extracted, prior], fetched)
    # a date-only guess from the page is refined by a prior with a time on the same day
    if (
        published
        and len(published) == 10
        and prior
        and prior.strip().startswith(published)
        and pick_date([prior], fetched)
    ):
        published = pick_date([prior], fetched)
    modified = pick_date([*meta.modified, priors.modified if priors else None], fetched)
    if published and modified and as_utc(parse_date(modified)) < as_utc(parse_date(published)):
        modified = None
    return published, modified


def clean_authors(
    raw: list[str | None], site_names: list[str] = (), visible: list[str] = ()
) -> list[str]:
    """The authors' names from the page's author strings (see crawler.extract.authors)."""
    return authors.clean_authors(raw, site_names, visible)


def split_credit(caption: str) -> tuple[str, str | None]:
    """Split "Caption text. © Agency" / "... (Photo: X)" / "Фото: X" into (caption, credit)."""
    match = _CREDIT.search(caption)
    if not match:
        return caption, None
    return caption[: match.start()].strip(), match.group("credit").strip() or None


def _image_src(img: HtmlElement) -> str | None:
    for attr in ("src", "data-src", "data-lazy-src", "data-original"):
        value = (img.get(attr) or "").strip()
        if value and not value.startswith("data:"):
            return value
    return None


def _images(tree: HtmlElement, url: str, metas: dict[str, str]) -> list[Image]:
    found: dict[str, Image] = {}
    for fig in tree.iter("figure"):
        if _inside(fig, _SKIP_IMAGE_ANCESTORS):
            continue
        img = next(fig.iter("img"), None)
        src = _image_src(img) if img is not None else None
        if not src:
            continue
        cap_el = next(fig.iter("figcaption"), None)
        caption_text = text_of(cap_el) if cap_el is not None else (img.get("alt") or "").strip()
        caption, credit = split_credit(caption_text) if caption_text else ("", None)
        credit_el = next(
            (
                el
                for el in fig.iter()
                if isinstance(el.tag, str) and _CREDIT_CLASS.search(el.get("class") or "")
            ),
            None,
        )
        if credit_el is not None and not credit:
            credit_text = text_of(credit_el)
            if credit_text and caption.endswith(credit_text):
                caption = caption[: -len(credit_text)].strip()
            credit = _CREDIT_PREFIX.sub("", credit_text) or None
        absolute = _web_url(url, src)
        if absolute:
            found.setdefault(absolute, Image(absolute, caption or None, credit))
    lead = metas.get("og:image") or metas.get("twitter:image")
    absolute = _web_url(url, lead) if lead else None
    if absolute and absolute not in found:
        found = {absolute: Image(absolute), **found}
    return list(found.values())[:MAX_IMAGES]


def _web_url(base: str, value: str) -> str | None:
    """``value`` made absolute against ``base``, if that is an http(s) URL (a ``javascript:``
    or ``file:`` "image" is no image)."""
    try:
        absolute = urljoin(base, value.strip())
        return absolute if urlsplit(absolute).scheme in ("http", "https") else None
    except ValueError:  # an invalid IPv6 host or port
        return None


def now_utc() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)
