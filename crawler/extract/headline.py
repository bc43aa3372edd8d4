"""The headline block that news templates repeat around the body, and its removal.

Templates put the title, the standfirst, a kicker or programme label, the photo with its caption
and credit, a byline and a date line above the body, and trafilatura often takes some of them in
as the first "paragraphs". :func:`collect` reads those strings from the page; :func:`strip`
removes them from the body: the title and captions wherever they repeat, the standfirst, labels,
date lines, bylines and credits only before the first real paragraph. All comparisons are on
:func:`crawler.extract.paragraphs.normalize` forms (quotes, apostrophes, dashes, spaces and case
ignored).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree
from lxml.html import HtmlElement

from crawler.extract.metadata import (
    PageMeta,
    class_and_id_marks,
    keyword_gated,
    marked,
    marked_elements,
    text_of,
)
from crawler.extract.paragraphs import normalize

# Thresholds below were set on tests/pages (the outlets' headline blocks) and checked with
# bench/extract_aeb.py (AEB precision up, recall unchanged); re-run both after a change.
# Elements whose class or id names one of these hold headline-block text, not body text.
_LABEL_CLASS = re.compile(
    r"(kicker|eyebrow|overline|rubric|program|programme|project-label|label|badge|category|"
    r"breadcrumb|byline|author|credit|caption|dateline|date|time|posted|published|meta|"
    r"source-line|tags?\b|share|social|views|counter)",
    re.I,
)
# Every match of _LABEL_CLASS contains one of these (lower case).
_LABEL_KEYWORDS = (
    "kicker", "eyebrow", "overline", "rubric", "program", "label", "badge", "category",
    "breadcrumb", "byline", "author", "credit", "caption", "date", "time", "posted", "published",
    "meta", "source-line", "tag", "share", "social", "views", "counter",
)  # fmt: skip
_is_label_marks = keyword_gated(_LABEL_CLASS, _LABEL_KEYWORDS)
# Elements whose text may show a standfirst (see _shown_as_standfirst): paragraphs, sub-headings,
# and divs and spans without paragraphs, with a text length between $shortest and $longest.
# (A union of paths: libxml2 tests "self::p or self::h2 or ..." on every element at several
# times the cost; the union comes back in document order all the same.)
_SHOWN_NEAR_LENGTH = etree.XPath(
    "(//p | //h2 | //h3 | //h4 | //h5 | //h6 | //div[not(.//p)] | //span[not(.//p)])"
    "[string-length(normalize-space(.)) >= $shortest]"
    "[string-length(normalize-space(.)) <= $longest]"
)
# A label element with more text than this is a container, not a label.
LABEL_MAX_CHARS = 250
# Only this many leading paragraphs are examined for labels, date lines and bylines.
HEADLINE_SCAN = 12
# A top line that contains a known headline string may add this many characters (a credit, a date)
# and still count as that string.
CONTAINS_SLACK = 40
# Known strings shorter than this (normalised) are only matched exactly.
MIN_MATCH_CHARS = 12
# Title parts shorter than this are not used (site abbreviations, section names).
MIN_TITLE_PART_CHARS = 10
IMAGE_ALT_MIN_CHARS = 15
# A paragraph followed by a sibling paragraph this long is the body's lead, not a standfirst.
LEAD_SIBLING_MIN_CHARS = 80
DATE_LINE_MAX_CHARS = 80
# A short top line with at least this many numbers, making this share of its words, is a date line
# in any language.
DATE_LINE_MIN_NUMBERS = 3
DATE_LINE_NUMBER_SHARE = 0.5
CREDIT_LINE_MAX_CHARS = 100

_TITLE_SEPARATORS = re.compile(r"\s+[|–—·»:-]\s+|\s*::\s*")
_DATE_TEXT = (
    "ago am apr aprel april at aug august avgust dec december dekabr edited feb february fevral "
    "fri friday gmt hour hours iyul iyun jan january jul july jun june last mar march mart may "
    "min mins mon monday nov november noyabr oct october oktabr on pm posted published sat "
    "saturday sentabr sep sept september sun sunday thu thursday today tue tuesday updated utc "
    "wed wednesday yanvar yesterday авг август августа апр апрель апреля ақпан в воскресенье "
    "вторник вчера г год года дек декабрь декабря желтоқсан июл июль июля июн июнь июня май мамыр "
    "мар март марта маусым мая наурыз ноя ноябрь ноября обновлено окт октябрь октября "
    "опубликовано понедельник пятница пятницу сегодня сен сентябрь сентября среда среду суббота "
    "субботу сәуір тамыз фев февраль февраля четверг шілде янв январь января қазан қараша қаңтар "
    "қыркүйек"
)
_DATE_WORDS = frozenset(_DATE_TEXT.split())
_CREDIT_LINE = re.compile(
    r"^\W{0,2}(photo|photos|фото|фотография|снимок|сурет|сүрөт|surat|сурат|illustration|"
    r"иллюстрация|image|credit|"
    r"source|источник|video|видео|collage|коллаж)\b\s*(by\b|:|—|-|©)|^\W{0,2}©",
    re.I,
)
_SOURCE_LINE = re.compile(
    r"^(from|source|via|источник|по\s+материалам|manba)\s*:?\s+[\w.-]+\.[a-z]{2,}\s*$", re.I
)
# "Bishkek, Jan. 19, 2018 / Kabar /." and "Алматы, 5 марта 2024 / Kazinform /": agency datelines.
_DATELINE = re.compile(
    r"^[^\W\d][\w .'-]{1,40},\s*[\w .,]{3,30}?\d{4}"  # place, date
    r"\s*[/|]\s*[\w .«»\"'-]{1,40}?\s*[/|]\s*[.—–-]?\s*"  # / Agency /.
)
_BYLINE = re.compile(r"^(by|автор|текст|author)\s*:?\s+(?P<name>\S.*)$", re.I)


@dataclass(frozen=True, slots=True)
class HeadlineBlock:
    """Normalised strings of a page's headline block."""

    titles: frozenset[str]
    standfirsts: frozenset[str]
    captions: frozenset[str]
    labels: frozenset[str]

    @property
    def anywhere(self) -> frozenset[str]:
        """Strings removed wherever they repeat in the body."""
        return self.titles | self.captions

    @property
    def everything(self) -> frozenset[str]:
        """Every known string of the block."""
        return self.anywhere | self.standfirsts | self.labels


def _is_lead_paragraph(el: HtmlElement) -> bool:
    """A <p> followed by more paragraphs of body text: the body's own first paragraph."""
    return el.tag == "p" and any(
        sib.tag == "p" and len(text_of(sib)) >= LEAD_SIBLING_MIN_CHARS
        for sib in el.itersiblings()
        if isinstance(sib.tag, str)
    )


def _is_bold(el: HtmlElement) -> bool:
    children = list(el)
    return (
        len(children) == 1
        and children[0].tag in ("strong", "b")
        and not (el.text or "").strip()
        and not (children[0].tail or "").strip()
    )


def _shown_as_standfirst(tree: HtmlElement, norm: str, *, classed: bool = False) -> bool:
    """True when the page shows this text (its description) as a standfirst.

    A standfirst is a sub-heading, text in the article's ``<header>``, a paragraph set entirely in
    bold, or text shown twice (title block and article hero, or standfirst and body); with
    ``classed``, the text of a standfirst-classed element. Shown only as the body's first
    paragraph, it is the lead and stays in the body.
    """
    # normalising keeps the words and drops the rest, so a text of a very different length cannot
    # normalise to ``norm``: lxml selects the elements of a near length, the rest never reach Python
    near = _SHOWN_NEAR_LENGTH(tree, shortest=len(norm) // 2, longest=3 * len(norm) + 20)
    shown = [el for el in near if normalize(text_of(el)) == norm]
    if all(_is_lead_paragraph(el) and not _is_bold(el) for el in shown):
        return False
    return (
        classed
        or len(shown) >= 2
        or any(
            (el.tag != "p" and el.tag not in ("div", "span"))
            or any(a.tag == "header" for a in el.iterancestors())
            or (el.tag == "p" and _is_bold(el))
            for el in shown
        )
    )


def _title_parts(titles: list[str]) -> set[str]:
    parts = set()
    for title in titles:
        parts.add(normalize(title))
        for part in _TITLE_SEPARATORS.split(title):
            if len(part.strip()) >= MIN_TITLE_PART_CHARS:
                parts.add(normalize(part))
    return parts


def collect(
    tree: HtmlElement,
    meta: PageMeta,
    extra_titles: list[str | None] = (),
    body: list[str] | None = None,
) -> HeadlineBlock:
    """Read the headline-block strings of a page (title, standfirst, captions, labels).

    Given the ``body`` paragraphs, the (costly) standfirst check runs only for a candidate that
    the body contains.
    """
    titles = _title_parts([t for t in [*meta.titles, *extra_titles] if t])
    in_body = None if body is None else [normalize(p) for p in body]
    standfirsts = set()
    for candidate, classed in ((meta.standfirst, True), (meta.description, False)):
        desc = normalize(candidate or "")
        if not desc or (in_body is not None and not _matches_any(desc, in_body)):
            continue
        # a standfirst shown once as the lead paragraph stays in the body; repeated, it goes
        if _shown_as_standfirst(tree, desc, classed=classed):
            standfirsts.add(desc)
    captions = set()
    for image in meta.images:
        if image.caption:
            captions.add(normalize(image.caption))
            if image.credit:
                captions.add(normalize(f"{image.caption} {image.credit}"))
    for cap in tree.iter("figcaption"):
        captions.add(normalize(text_of(cap)))
    for img in tree.iter("img"):
        alt = (img.get("alt") or "").strip()
        if len(alt) >= IMAGE_ALT_MIN_CHARS:
            captions.add(normalize(alt))
    labels = set()
    candidates = meta.marked or marked_elements(tree)  # (a PageMeta not made by read_page)
    marks = meta.marks or class_and_id_marks(candidates)
    for el in [*marked(candidates, marks, _is_label_marks), *tree.iter("time")]:
        if el.tag in ("body", "html", "article", "main"):
            continue
        text = text_of(el)
        if text and len(text) <= LABEL_MAX_CHARS:
            labels.add(normalize(text))
    drop = {""}
    return HeadlineBlock(
        frozenset(titles - drop),
        frozenset(standfirsts - drop),
        frozenset(captions - drop),
        frozenset(labels - drop),
    )


def is_date_line(line: str) -> bool:
    """True for a line made only of a date and time (weekday, month names, digits)."""
    if len(line) > DATE_LINE_MAX_CHARS:
        return False
    words = normalize(line).split()
    digits = sum(w.isdigit() for w in words)
    if digits >= DATE_LINE_MIN_NUMBERS and digits >= DATE_LINE_NUMBER_SHARE * len(words):
        return (
            True  # "기사입력 :[ 2018-08-25 15:24 ]", "segunda-feira, 22 de janeiro de 2018 às 0:13"
        )
    return bool(digits) and all(w.isdigit() or w in _DATE_WORDS for w in words)


def is_credit_line(line: str) -> bool:
    """True for a short "Photo: ...", "Фото: ...", "© ..." credit line."""
    return len(line) <= CREDIT_LINE_MAX_CHARS and bool(_CREDIT_LINE.match(line))


def is_photo_credit_line(line: str) -> bool:
    """True for a short "Фото: ...", "Сурет: ...", "Photo by ..." line (not a "Source:" one,
    which credits the text)."""
    match = _CREDIT_LINE.match(line) if len(line) <= CREDIT_LINE_MAX_CHARS else None
    return match is not None and (match.group(1) or "").lower() not in _TEXT_CREDITS


# The credit-line words that credit the text, not a photo.
_TEXT_CREDITS = frozenset({"source", "источник", "credit"})


def is_byline(line: str) -> bool:
    """True for "By Name Surname" / "Автор: Имя Фамилия" (a few capitalised words)."""
    match = _BYLINE.match(line.strip())
    if not match:
        return False
    words = match.group("name").replace(",", " ").split()
    return 0 < len(words) <= 6 and all(w[0].isupper() or w.lower() in ("and", "и") for w in words)


def is_source_line(line: str) -> bool:
    """True for a "From iwpr.net" / "Источник: kabar.kg" line."""
    return bool(_SOURCE_LINE.match(line.strip()))


def strip_dateline(paragraph: str) -> str:
    """Remove an agency dateline ("Bishkek, Jan. 19, 2018 / Kabar /.") from a paragraph's start."""
    match = _DATELINE.match(paragraph)
    return paragraph[match.end() :] if match and match.end() < len(paragraph) else paragraph


def _matches_any(norm: str, paragraphs: list[str]) -> bool:
    return any(_matches_known(p, frozenset((norm,))) for p in paragraphs)


def _matches_known(norm: str, known: frozenset[str]) -> bool:
    if norm in known:
        return True
    if len(norm) < MIN_MATCH_CHARS:
        return False
    for item in known:
        if len(item) < MIN_MATCH_CHARS:
            continue
        if norm in item or (item in norm and len(norm) <= len(item) + CONTAINS_SLACK):
            return True
    return False


def strip(paragraphs: list[str], block: HeadlineBlock) -> list[str]:
    """Remove the headline block from the body's paragraphs (see the module docstring)."""
    kept: list[str] = []
    anywhere = block.anywhere
    everything = block.everything
    for index, para in enumerate(paragraphs):
        norm = normalize(para)
        if (norm and norm in anywhere) or is_photo_credit_line(para):
            continue  # a photo's credit is no body text, wherever its photo stood
        at_top = not kept and index < HEADLINE_SCAN
        if at_top and (
            not norm
            or _matches_known(norm, everything)
            or is_date_line(para)
            or is_credit_line(para)
            or is_byline(para)
            or is_source_line(para)
        ):
            continue
        kept.append(strip_dateline(para) if not kept else para)
    return kept


def strip_tail_byline(paragraphs: list[str], authors: list[str]) -> list[str]:
    """Drop a last short line that only repeats one of the page's authors (a byline at the end).

    "Шахзод Рахимов", "By Jasur Toshmatov" and "Автор: Имя Фамилия" go when the name is one of
    ``authors`` (or all of them, joined); the author stays in the Article's ``authors``.
    """
    if len(paragraphs) < 2 or not authors:
        return paragraphs
    last = paragraphs[-1].strip()
    if len(last) > CREDIT_LINE_MAX_CHARS:
        return paragraphs
    match = _BYLINE.match(last)
    names = {normalize(last)} | ({normalize(match.group("name"))} if match else set())
    known = {normalize(a) for a in authors} | {normalize(" ".join(authors))}
    return paragraphs[:-1] if names & (known - {""}) else paragraphs
