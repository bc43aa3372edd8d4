"""The credited source of an article: the agency or outlet a page names as the source of its text.

Two outlets that both reprint AFP did not copy each other; the record says so through the
Article's ``source`` (DESIGN: "AFP", "Kazinform", or None), which the copy direction reads
(``dedup.direction``). :func:`credited_source` reads, in this order:

1. the dateline of one of the first paragraphs: ``CITY, date (Reuters) -``, ``(AP) —`` or
   ``(CNN)`` at its start, ``Бишкек, 12-ноябрь /Кабар/.``, and the Russian
   ``ГОРОД, 13 фев – РИА Новости.`` (a listed agency, or a name in «quotes»);
2. explicit credit lines among the first and last paragraphs: ``Source: X``, ``Источник: X``
   (and the Kazakh, Kyrgyz and Uzbek words for "source"), ``по материалам X``, ``with files
   from X``;
3. looser forms, for the agencies of ``settings/agencies.toml`` only: ``сообщает X``,
   ``передает X``, ``X хабарлайт`` / ``хабарлайды`` / ``xabar beradi``, a closing ``— X``, a
   line holding only the name;
4. page metadata: ``<meta name="syndication-source|original-source|dc.source|source">``.

Photo, video and image credits ("Photo: AFP", "Фото: Kabar", "Image Source: ...", "© Reuters")
are not sources. The rules are general (no outlet has its own); the agency list is data.
Pure: text and an lxml tree in, a name out.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from urllib.parse import urlsplit

from lxml.html import HtmlElement

import settings

AGENCIES_FILE = Path(settings.__file__).with_name("agencies.toml")

# Paragraphs read at each end of the body: a credit sits in the dateline, under the headline or
# at the foot; further in, "source" and agency names are part of the story.
HEAD_PARAGRAPHS = 3
TAIL_PARAGRAPHS = 3
# A credit line is short; a longer paragraph mentioning "source:" is text.
MAX_CREDIT_LINE = 160
# Longest credited name kept from an explicit form (words); more is a sentence, not a name.
MAX_NAME_WORDS = 5

_DASH = r"\-–—"  # for character classes (the hyphen escaped)
_NAME = r"[^\s()\[\]:;,.!?\"«»][^()\[\]:;!?\"«»\n]{0,58}?"
_PHOTO_LINE = re.compile(
    r"^\W*(?:(?:photo|photos|фото|фотография|сурет|сүрөт|surat|rasm|image|images|picture|"
    r"illustration|иллюстрация|video|видео|graphic|infographic|инфографика|cover)\b|©|\(c\))",
    re.I,
)
_PHOTO_WORDS = re.compile(r"\b(?:photo|фото|getty|shutterstock|image|picture)\b", re.I)
_PAREN_START = re.compile(rf"^\(\s*(?P<src>{_NAME})\s*\)\s*[{_DASH}.:]*\s*\S")
_PAREN_DATELINE = re.compile(
    rf"^(?P<place>[A-ZА-ЯЁ][^\n()]{{0,70}}?)\s*\(\s*(?P<src>{_NAME})\s*\)\s*\.?\s*[{_DASH}:]"
)
# An agency dateline with the name between slashes: "Бишкек, 12-ноябрь /Кабар/." (Kabar's form).
_SLASH_DATELINE = re.compile(rf"^[A-ZА-ЯЁ][^\n/]{{0,50}}?\s*/\s*(?P<src>{_NAME})\s*/\s*[.{_DASH}]")
# A dateline's place: a city in capitals ("ULKEN, Almaty region"), or "Moscow, July 10".
_PLACE = re.compile(r"^(?:[A-ZА-ЯЁ]{2,}\b|[A-ZА-ЯЁ][a-zа-яё]+, [^\W\d]+\.? \d{1,2}$)")
_RU_DATELINE = re.compile(
    rf"^[A-ZА-ЯЁ][A-ZА-ЯЁ\-]{{2,}}(?:[ ,][^\n{_DASH}]{{0,30}})?\s*[{_DASH}]\s*"
    r"(?P<src>[^.\n]{2,40}?)\.\s"
)
_SOURCE_LINE = re.compile(
    r"^\W*(?:source|sources|источник|источники|дереккөз|дерек көзі|булак|булагы|manba|manbaa"
    r"|манба|манбаъ)"
    r"\s*:\s*(?P<src>.+?)\s*$",
    re.I,
)
_BASED_ON = re.compile(
    rf"(?:по материалам|по данным агентства|with (?:files|reporting|inputs?) from|compiled from"
    rf"|based on (?:a )?reports? (?:by|from))\s+(?P<src>{_NAME})\s*(?:[.,;)]|$)",
    re.I,
)
_NAME_NOISE = re.compile(
    r"^(?:the|агентства|агентство|информагентства|информагентство|ИА|МИА|news agency|"
    r"agency)\s+|\s+(?:and|и)\s+(?:agencies|агентства|другие)$|\s+(?:news agency|агентство)$",
    re.I,
)
# First words of a parenthesised label that is not a credit: "(Updated)", "(LEAD)", "(Видео)".
_NOT_NAMES = {
    "photo",
    "фото",
    "video",
    "видео",
    "file",
    "files",
    "archive",
    "архив",
    "updated",
    "update",
    "обновлено",
    "дополнено",
    "illustrative",
    "illustration",
    "translated",
    "перевод",
    "lead",
    "urgent",
    "breaking",
    "срочно",
    "opinion",
    "analysis",
    "interview",
    "интервью",
    "exclusive",
    "эксклюзив",
    "infographic",
    "инфографика",
    "corrected",
    "correction",
    "исправлено",
    "live",
    "онлайн",
}
# Credits that name no one: "Source: agencies", "Источник: СМИ".
_GENERIC = {
    "agencies",
    "news agencies",
    "agency",
    "wires",
    "wire services",
    "staff",
    "media",
    "media reports",
    "social media",
    "internet",
    "сми",
    "агентства",
    "соцсети",
    "интернет",
    "открытые источники",
    "open sources",
}
_META_NAMES = ("syndication-source", "original-source", "dc.source", "source")


@dataclass(frozen=True)
class Agencies:
    """Known agencies: each recorded name and the spellings that mean it.

    Example:
        >>> agencies = Agencies({"Kabar": ["Kabar", "Кабар", "kabar.kg"]})
        >>> agencies.name("КАБАР"), agencies.name("www.kabar.kg"), agencies.name("Akorda")
        ('Kabar', 'Kabar', 'Akorda')
    """

    names: Mapping[str, Sequence[str]]

    def name(self, raw: str) -> str:
        """The recorded name for a credited name: the listed key, or the name as written."""
        folded = _fold(raw)
        by_name, by_spelling = self._index
        found = [by_name.get(folded), by_spelling.get(folded.removeprefix("www."))]
        return min((f for f in found if f), default=(0, raw))[1]

    @cached_property
    def _index(self) -> tuple[dict[str, tuple[int, str]], dict[str, tuple[int, str]]]:
        """For :meth:`name`: (list position, name) by case-folded name and by folded spelling,
        the first listed name kept where two share one (the list is tried in order)."""
        by_name: dict[str, tuple[int, str]] = {}
        by_spelling: dict[str, tuple[int, str]] = {}
        for i, (name, spellings) in enumerate(self.names.items()):
            by_name.setdefault(name.casefold(), (i, name))
            for spelling in spellings:
                by_spelling.setdefault(_fold(spelling), (i, name))
        return by_name, by_spelling

    @cached_property
    def loose_forms(self) -> tuple[re.Pattern[str], ...] | None:
        """The looser credit forms for the listed spellings (as written, longest first):
        "сообщает X", "X хабарлайт", a closing "— X", a line holding only X; None without
        agencies."""
        spellings = sorted(
            {s for names in self.names.values() for s in names}, key=len, reverse=True
        )
        if not spellings:
            return None
        name = rf"(?<![\w.])(?P<src>{'|'.join(re.escape(s) for s in spellings)})(?![\w])"
        reports = re.compile(
            r"(?:сообщает|сообщают|передает|передаёт|пишет|со ссылкой на)\s+"
            r"(?:корреспондент(?:а)?\s+|агентство\s+|агентства\s+|ИА\s+|МИА\s+|издание\s+)?"
            rf"[«\"]?{name}"
        )
        local = re.compile(
            rf"{name}[»\"]?\s+(?:агенттиги\s+|агенттігі\s+|агентлиги\s+)?"
            r"(?:хабарлайт|хабарлады|хабарлайды|хабарлаган|xabar beradi|xabar qildi|"
            r"xabar qiladi|хабар беради|хабар берди)",
            re.I,
        )
        closing = re.compile(rf"[{_DASH}]\s*{name}\s*\.?\s*$")
        alone = re.compile(rf"^\W*{name}\W*$")
        return reports, local, closing, alone


@cache
def default_agencies() -> Agencies:
    """The agencies of ``settings/agencies.toml``."""
    data = tomllib.loads(AGENCIES_FILE.read_text(encoding="utf-8"))
    return Agencies({name: list(spellings) for name, spellings in data["agencies"].items()})


def credited_source(
    paragraphs: Sequence[str],
    tree: HtmlElement | None = None,
    agencies: Agencies | None = None,
    own: Sequence[str] = (),
) -> str | None:
    """The agency or outlet the page credits for its text, or None.

    Args:
        paragraphs: the body's paragraphs, before boilerplate removal (a credit line repeated on
            every page of an outlet is boilerplate to the body, but still a credit).
        tree: the parsed page, for its metadata (optional).
        agencies: the known agencies (``settings/agencies.toml`` by default).
        own: the page's own names (outlet id, site name, host): a credit naming one of them is
            an agency's or outlet's own dateline, and the text is its own: None.

    Example:
        >>> credited_source(["TASHKENT, May 3 (Reuters) - The rail link opened on Sunday."])
        'Reuters'
        >>> credited_source(["Текст новости.", "Фото: AFP", "Источник: Kabar"])
        'Kabar'
    """
    agencies = agencies if agencies is not None else default_agencies()
    paras = [p.strip() for p in paragraphs if p.strip()]
    if not paras:
        return _from_meta(tree, agencies)
    head = paras[:HEAD_PARAGRAPHS]
    tail = paras[-TAIL_PARAGRAPHS:] if len(paras) > HEAD_PARAGRAPHS else []
    ends = head + [p for p in tail if p not in head]
    datelines = (_dateline(p, agencies) for p in head)
    found = (
        next((d for d in datelines if d), None)
        or _explicit(ends, agencies)
        or _loose(paras[0], ends, agencies)
        or _from_meta(tree, agencies)
    )
    if found and _squeeze(found) in {_squeeze(agencies.name(name)) for name in own if name}:
        return None
    return found


def _dateline(first: str, agencies: Agencies) -> str | None:
    """``CITY (X) -``, ``(X) text`` or the Russian ``ГОРОД, date — X.`` at the body's start."""
    if _PHOTO_LINE.match(first):
        return None
    for pattern in (_PAREN_START, _PAREN_DATELINE):
        match = pattern.match(first)
        if (
            match
            and ("place" not in match.groupdict() or _PLACE.match(match["place"]))
            and (name := _clean(match["src"]))
        ):
            return agencies.name(name)
    match = _SLASH_DATELINE.match(first)
    if match and (name := _clean(match["src"])):
        return agencies.name(name)
    match = _RU_DATELINE.match(first)
    if match and match["src"].startswith("«") and match["src"].endswith("»"):
        return _clean(match["src"])  # a quoted name: «Степной вестник»
    if match and (known := _known(match["src"], agencies)):
        return known
    return None


def _explicit(paragraphs: list[str], agencies: Agencies) -> str | None:
    """``Source: X`` lines and ``по материалам X`` phrases."""
    for line in _lines(paragraphs):
        match = _SOURCE_LINE.match(line)
        if match and not _PHOTO_WORDS.search(match["src"]):
            src = match["src"]
            host = _host(src)
            name = host or _clean(src)
            if name:
                return agencies.name(name)
        match = _BASED_ON.search(line)
        if match and (name := _clean(match["src"])):
            return agencies.name(name)
    return None


def _loose(first: str, paragraphs: list[str], agencies: Agencies) -> str | None:
    """The looser forms, for listed agencies only (matched as spelled in the list)."""
    forms = agencies.loose_forms
    if forms is None:
        return None
    reports, local, closing, alone = forms
    for line in _lines(paragraphs):
        for pattern in (reports, local, alone):
            match = pattern.search(line)
            if match:
                return agencies.name(match["src"])
    for line in _lines([first, paragraphs[-1]]):
        match = closing.search(line)
        if match:
            return agencies.name(match["src"])
    return None


def _from_meta(tree: HtmlElement | None, agencies: Agencies) -> str | None:
    """A source named in the page's metadata, unless it names the site itself."""
    if tree is None:
        return None
    found: list[str] = []
    own: set[str] = set()
    for meta in tree.iter("meta"):
        key = (meta.get("name") or meta.get("property") or "").strip().casefold()
        value = (meta.get("content") or "").strip()
        if key in ("og:site_name", "application-name") and value:
            own.add(_squeeze(value))
        if key in _META_NAMES and value and not _PHOTO_WORDS.search(value):
            name = _host(value) or _clean(value)
            if name:
                found.append(agencies.name(name))
    return next((name for name in found if _squeeze(name) not in own), None)


def _lines(paragraphs: list[str]) -> list[str]:
    """The short lines of ``paragraphs`` that are not photo or video credits."""
    lines = [line.strip() for p in paragraphs for line in p.splitlines()]
    return [
        line
        for line in lines
        if line and len(line) <= MAX_CREDIT_LINE and not _PHOTO_LINE.match(line)
    ]


def _known(raw: str, agencies: Agencies) -> str | None:
    """The listed name for ``raw`` if it is a listed spelling, else None."""
    name = agencies.name(_clean(raw) or "")
    return name if name in agencies.names else None


def _clean(raw: str) -> str | None:
    """A credited name without quotes, "the", "agency" words and trailing punctuation; None when
    what is left is not a name (empty, a sentence, a photo word, a number)."""
    name = _unquote(raw.strip().strip(" .,;:-–—/"))
    for _ in range(2):
        name = _unquote(_NAME_NOISE.sub("", name).strip().strip(" .,;:"))
    words = name.split()
    if (
        not words
        or len(words) > MAX_NAME_WORDS
        or words[0].casefold() in _NOT_NAMES
        or _fold(name) in _GENERIC
        or not any(ch.isalpha() for ch in name)
        or _PHOTO_WORDS.search(name)
    ):
        return None
    if not (name[0].isupper() or name[0].isdigit()):
        return None  # "(updated)", "(see below)": credits are proper names
    return name


def _unquote(name: str) -> str:
    """``«Kabar»`` -> ``Kabar``; a quote inside a name (``Газета «Слово»``) stays."""
    pairs = {"«": "»", '"': '"', "“": "”", "„": "“", "'": "'"}
    if len(name) > 1 and name[0] in pairs and name.endswith(pairs[name[0]]):
        return name[1:-1].strip()
    if name and name[0] in pairs and pairs[name[0]] not in name[1:]:
        return name[1:].strip()  # an opening quote whose closing one fell outside the match
    return name


def _host(value: str) -> str | None:
    """The host of a URL-looking credit (``https://kabar.kg/...`` -> ``kabar.kg``), else None."""
    if not re.match(r"^(?:https?://|www\.)\S+$", value.strip(), re.I):
        return None
    host = urlsplit(value if "://" in value else f"http://{value}").hostname or ""
    return host.removeprefix("www.") or None


def _squeeze(text: str) -> str:
    """A name without spaces, punctuation or case ("Fox Business", "FOXBusiness" and
    "fox-business" are one)."""
    return re.sub(r"[\W_]+", "", text).casefold()


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()
