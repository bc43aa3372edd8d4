"""The records that travel through the crawl: a fetched page, then an extracted article.

Both are dataclasses, which Scrapy accepts as items. ``Article`` carries exactly the fields of the
Article record in DESIGN.md; ``Article.to_record()`` is the JSON form that export and the queue use.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

ARTICLE_FIELDS = (
    "id", "url", "canonical_url", "outlet", "title", "subtitle", "text", "published", "modified",
    "authors", "language", "images", "source", "fetched", "cluster", "copy_of", "similarity",
)  # fmt: skip


@dataclass(slots=True)
class Priors:
    """What discovery learnt about an article before fetching it (feed or sitemap entry)."""

    published: str | None = None
    modified: str | None = None
    title: str | None = None
    source: str = ""  # "feed", "sitemap", "section" or "warc" (a newsmon export's)
    zone: str | None = None  # the outlet's time zone: what a shown clock time without one means


@dataclass(slots=True)
class FetchedPage:
    """An article page as downloaded, before extraction."""

    url: str
    outlet: str
    body: bytes
    fetched: str
    content_type: str | None = None
    priors: Priors = field(default_factory=Priors)
    redirect_urls: list[str] = field(default_factory=list)  # canonical URLs requested before


@dataclass(slots=True)
class Image:
    """An image of an article with its caption and credit."""

    url: str
    caption: str | None = None
    credit: str | None = None


@dataclass(slots=True)
class Article:
    """The Article record of DESIGN.md (what extraction gives and the queue carries)."""

    id: str
    url: str
    canonical_url: str
    outlet: str
    title: str | None
    text: str
    fetched: str
    subtitle: str | None = None
    published: str | None = None
    modified: str | None = None
    authors: list[str] = field(default_factory=list)
    language: str | None = None
    images: list[Image] = field(default_factory=list)
    source: str | None = None  # the agency or outlet the page credits for the text
    cluster: str | None = None
    copy_of: str | None = None  # the earlier-published member it most likely copies
    similarity: float | None = None  # to copy_of

    def to_record(self) -> dict[str, Any]:
        """The record as plain JSON-ready data, fields in DESIGN.md's order."""
        # dataclasses.asdict's result for these fields' types, without its deep copy of every
        # value (the writer hashes each stored record: asdict was 20 us of an article's 30)
        record = {name: getattr(self, name) for name in ARTICLE_FIELDS}
        record["authors"] = list(self.authors)
        record["images"] = [asdict(image) for image in self.images]
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Article:
        """Build an Article from its record form (unknown keys are ignored)."""
        known = {f.name for f in fields(cls)}
        data = {k: v for k, v in record.items() if k in known}
        data["images"] = [
            i if isinstance(i, Image) else Image(**i) for i in data.get("images") or []
        ]
        data["authors"] = list(data.get("authors") or [])
        return cls(**data)


@dataclass(slots=True)
class ArticleItem:
    """An extracted article on its way through the cluster and store pipelines."""

    article: Article
    signature: bytes
    html: bytes
    content_type: str | None = None
    seen_urls: list[str] = field(default_factory=list)  # requested URL, final URL, canonical
    aliases: tuple[str, ...] = ()  # cluster ids merged into article.cluster by this article
