"""The sample outlets' content: outlet descriptions and articles, loaded from ``sites/*.toml``.

Each file holds one ``[outlet]`` table and its ``[[article]]`` entries. An article that is a copy of
another (syndication or an excerpt) names its source with ``copy_of = "outlet/slug"`` and takes the
source's paragraphs (optionally only the first ``keep`` of them, plus ``append``ed ones) under its
own dateline. ``expected.json`` lists the designed story groups (the ground truth of the demo).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

DISCOVERY_KINDS = ("rss", "atom", "sitemap", "sections")

_MONTHS = {
    "en": ("Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.",
           "Nov.", "Dec."),
    "ru": ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
           "октября", "ноября", "декабря"),
    "ky": ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
           "октябрь", "ноябрь", "декабрь"),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SampleArticle:
    """One article of a sample outlet, with its body paragraphs resolved (datelines included)."""

    outlet: str
    slug: str
    title: str
    subtitle: str
    published: datetime
    author: str
    language: str
    section: str
    tags: tuple[str, ...]
    image_caption: str
    image_credit: str
    paragraphs: tuple[str, ...]
    number: int | None = None
    copy_of: str | None = None

    @property
    def key(self) -> str:
        """The article's key in ``expected.json``: ``"outlet/slug"``."""
        return f"{self.outlet}/{self.slug}"


@dataclass(frozen=True, slots=True)
class SampleOutlet:
    """A fictional outlet: registry fields, template style, feed path, articles (newest first)."""

    id: str
    name: str
    country: str
    languages: tuple[str, ...]
    template: str
    discovery: str
    interval: str
    tagline: str
    articles: tuple[SampleArticle, ...]
    encoding: str = "utf-8"
    footer: tuple[str, ...] = ()
    city: str = ""
    feed: str = ""


def format_dateline_date(when: datetime, language: str) -> str:
    """The date as an agency writes it in a dateline ("Nov. 9, 2026", "7 ноября", "9-ноябрь")."""
    month = _MONTHS[language][when.month - 1]
    if language == "en":
        return f"{month} {when.day}, {when.year}"
    if language == "ky":
        return f"{when.day}-{month}"
    return f"{when.day} {month}"


def _read_site_files() -> list[dict[str, Any]]:
    folder = resources.files("crawler.demo").joinpath("sites")
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)
    return [tomllib.loads(f.read_text(encoding="utf-8")) for f in files]


def _dateline(raw_outlet: dict[str, Any], raw: dict[str, Any], published: datetime) -> str | None:
    if "dateline" in raw:
        return raw["dateline"]
    template = raw_outlet.get("dateline", {}).get(raw["language"])
    if template is None:
        return None
    return template.format(date=format_dateline_date(published, raw["language"]))


def _body(raw: dict[str, Any], sources: dict[str, dict[str, Any]]) -> list[str]:
    if "copy_of" not in raw:
        return list(raw["paragraphs"])
    source = sources[raw["copy_of"]]
    kept = source["paragraphs"][: raw.get("keep", len(source["paragraphs"]))]
    return [*kept, *raw.get("append", [])]


def load_outlets() -> list[SampleOutlet]:
    """Load every sample outlet, sorted by id, each with its articles newest first.

    Raises:
        ValueError: a site file names an unknown discovery kind, lacks the feed path its
            discovery needs, or copies an unknown article.
    """
    site_files = _read_site_files()
    sources = {f"{s['outlet']['id']}/{a['slug']}": a for s in site_files for a in s["article"]}
    outlets = []
    for site in site_files:
        raw_outlet = site["outlet"]
        if raw_outlet["discovery"] not in DISCOVERY_KINDS:
            raise ValueError(
                f"outlet {raw_outlet['id']!r}: unknown discovery "
                f"{raw_outlet['discovery']!r}; expected one of {DISCOVERY_KINDS}"
            )
        if raw_outlet["discovery"] in ("rss", "atom") and not raw_outlet.get("feed"):
            raise ValueError(
                f"outlet {raw_outlet['id']!r}: a {raw_outlet['discovery']} outlet needs a feed path"
            )
        articles = []
        for raw in site["article"]:
            if raw.get("copy_of") is not None and raw["copy_of"] not in sources:
                raise ValueError(
                    f"{raw_outlet['id']}/{raw['slug']}: copy_of names an unknown "
                    f"article {raw['copy_of']!r}"
                )
            published = datetime.fromisoformat(raw["published"])
            paragraphs = _body(raw, sources)
            dateline = _dateline(raw_outlet, raw, published)
            if dateline:
                paragraphs[0] = f"{dateline} {paragraphs[0]}"
            articles.append(
                SampleArticle(
                    outlet=raw_outlet["id"],
                    slug=raw["slug"],
                    title=raw["title"],
                    subtitle=raw["subtitle"],
                    published=published,
                    author=raw["author"],
                    language=raw["language"],
                    section=raw["section"],
                    tags=tuple(raw["tags"]),
                    image_caption=raw["image"]["caption"],
                    image_credit=raw["image"]["credit"],
                    paragraphs=tuple(paragraphs),
                    number=raw.get("number"),
                    copy_of=raw.get("copy_of"),
                )
            )
        articles.sort(key=lambda a: a.published, reverse=True)
        outlets.append(
            SampleOutlet(
                id=raw_outlet["id"],
                name=raw_outlet["name"],
                country=raw_outlet["country"],
                languages=tuple(raw_outlet["languages"]),
                template=raw_outlet["template"],
                discovery=raw_outlet["discovery"],
                interval=raw_outlet["interval"],
                tagline=raw_outlet["tagline"],
                articles=tuple(articles),
                encoding=raw_outlet.get("encoding", "utf-8"),
                footer=tuple(raw_outlet.get("footer", ())),
                city=raw_outlet.get("city", ""),
                feed=raw_outlet.get("feed", ""),
            )
        )
    return sorted(outlets, key=lambda o: o.id)


def load_expected() -> dict[str, Any]:
    """The story groups (``expected.json``): clusters, origin first, and must-not-link sets."""
    text = resources.files("crawler.demo").joinpath("expected.json").read_text(encoding="utf-8")
    return json.loads(text)
