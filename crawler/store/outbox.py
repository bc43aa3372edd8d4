"""The messages newsmon sends to Redis, and how they wait in the archive's outbox.

A message is a flat mapping of strings (a Redis stream entry). Every message carries:

- ``v``: the schema version (:data:`SCHEMA_VERSION`); a consumer refuses versions it does not know;
- ``id``: the idempotency id. A message may be delivered more than once (at-least-once: a
  publish whose acknowledgement was lost is sent again), always with the same ``id``, so
  consumers dedupe on it; a changed article gets a new revision and therefore a new ``id``.

Streams (the key is ``NEWSMON_REDIS_PREFIX`` + the name below; the outbox stores the name only):

``results``   one message per stored article revision: ``type=article``, ``id=<article>:<rev>``,
              ``article``, ``rev``, ``cluster``, ``record`` (the Article record as JSON).
``clusters``  one cluster event per stored article: ``type`` ``created``, ``grew`` or ``merged``,
              ``id=<cluster>:<article>:<rev>``, ``cluster``, ``article``, ``size``, ``aliases``
              (JSON list of the cluster ids merged into ``cluster``: map them to ``cluster`` from
              now on), ``time``. And ``type=updated`` when an article published before members
              of its cluster that came earlier changed what they copy (``copy_of`` is by
              publication time): ``id=<cluster>:<article>:<rev>:copy_of``, ``cluster``,
              ``article`` (the one that arrived), ``copy_of`` (JSON: member id -> its new
              ``copy_of``, null for none), ``time``; each changed member also gets a new
              revision, so a new ``results`` message.
``extracted`` (distributed mode) an extracted, not yet clustered article from a crawl worker:
              ``type=extracted``, ``id=<article>:<record hash>``, ``record``, ``signature`` and
              ``html`` (base64; html is zlib-compressed), ``content_type``, ``seen_urls`` (JSON).
              Sending one also marks its ``seen_urls`` in the sorted set ``seen:<outlet>``
              (score: the epoch it was sent), so every worker skips them (``crawler.store.seen``).

This module is pure (no Redis, no SQLite): the archive writes outbox rows with it inside the
transaction that stores the article, and ``crawler.store.queue`` sends them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from dataclasses import dataclass
from typing import Any

from crawler.items import Article, ArticleItem
from crawler.times import parse_iso

SCHEMA_VERSION = 1
RESULTS = "results"
CLUSTERS = "clusters"
EXTRACTED = "extracted"

# zlib level of the html in `extracted` messages: they cross the network (6 % smaller than at 1)
_HTML_LEVEL = 3


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One outbox row: a message waiting to be added to ``stream``."""

    seq: int
    stream: str
    fields: dict[str, str]


class BadMessage(ValueError):
    """A stream message that newsmon cannot read (unknown schema version, missing field)."""


def record_hash(article: Article) -> str:
    """A short hash of the article's record without ``fetched`` (what makes a new revision)."""
    record = article.to_record()
    del record["fetched"]
    blob = json.dumps(record, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def result_message(article: Article, revision: int) -> dict[str, str]:
    """The ``results`` message of one article revision."""
    return {
        "v": str(SCHEMA_VERSION),
        "type": "article",
        "id": f"{article.id}:{revision}",
        "article": article.id,
        "rev": str(revision),
        "cluster": article.cluster or "",
        "record": json.dumps(article.to_record(), ensure_ascii=False),
    }


def cluster_event(
    kind: str,
    *,
    cluster: str,
    article_id: str,
    revision: int,
    size: int,
    aliases: list[str],
    time: str,
) -> dict[str, str]:
    """The ``clusters`` message: ``article_id`` made ``cluster`` appear, grow or merge."""
    return {
        "v": str(SCHEMA_VERSION),
        "type": kind,
        "id": f"{cluster}:{article_id}:{revision}",
        "cluster": cluster,
        "article": article_id,
        "size": str(size),
        "aliases": json.dumps(aliases),
        "time": time,
    }


def copies_event(
    *, cluster: str, article_id: str, revision: int, copies: dict[str, str | None], time: str
) -> dict[str, str]:
    """The ``clusters`` message ``updated``: storing revision ``revision`` of ``article_id``
    changed the ``copy_of`` of other members (``copies``: member id -> its new ``copy_of``)."""
    return {
        "v": str(SCHEMA_VERSION),
        "type": "updated",
        "id": f"{cluster}:{article_id}:{revision}:copy_of",
        "cluster": cluster,
        "article": article_id,
        "copy_of": json.dumps(copies, sort_keys=True),
        "time": time,
    }


def extracted_message(item: ArticleItem) -> dict[str, str]:
    """The ``extracted`` message a crawl worker sends for ``newsmon ingest`` to cluster."""
    article = item.article
    return {
        "v": str(SCHEMA_VERSION),
        "type": "extracted",
        "id": f"{article.id}:{record_hash(article)}",
        "record": json.dumps(article.to_record(), ensure_ascii=False),
        "signature": base64.b64encode(item.signature).decode("ascii"),
        "html": base64.b64encode(zlib.compress(item.html, _HTML_LEVEL)).decode("ascii"),
        "content_type": item.content_type or "",
        "seen_urls": json.dumps(item.seen_urls),
    }


def seen_key(prefix: str, outlet: str) -> str:
    """The Redis key of an outlet's seen URLs (a sorted set), e.g. ``newsmon:seen:osh24``."""
    return f"{prefix}seen:{outlet}"


def sent_urls(fields: dict[str, str]) -> tuple[str, list[str]]:
    """The outlet and the seen URLs of an ``extracted`` message (what sending it marks seen)."""
    return json.loads(fields["record"])["outlet"], list(json.loads(fields.get("seen_urls") or "[]"))


def item_from_extracted(fields: dict[Any, Any]) -> ArticleItem:
    """The ArticleItem an ``extracted`` message carries (keys and values as str or bytes).

    Raises:
        BadMessage: the schema version is unknown or a field is missing or unreadable.
    """
    data = {_text(k): _text(v) for k, v in fields.items()}
    if data.get("v") != str(SCHEMA_VERSION):
        raise BadMessage(f"schema version {data.get('v')!r}; this newsmon reads {SCHEMA_VERSION}")
    try:
        return ArticleItem(
            article=Article.from_record(_checked_record(json.loads(data["record"]))),
            signature=base64.b64decode(data["signature"]),
            html=zlib.decompress(base64.b64decode(data["html"])),
            content_type=data.get("content_type") or None,
            seen_urls=list(json.loads(data.get("seen_urls") or "[]")),
        )
    except BadMessage:
        raise
    except (KeyError, TypeError, ValueError, zlib.error) as exc:
        raise BadMessage(f"unreadable extracted message: {type(exc).__name__}: {exc}") from exc


# The record fields a message must give as non-empty strings, and those that may be null.
_REQUIRED_TEXT = ("id", "url", "canonical_url", "outlet", "text", "fetched")
_OPTIONAL_TEXT = (
    "title", "subtitle", "published", "modified", "language", "source", "cluster", "copy_of",
)  # fmt: skip
_TIMES = ("fetched", "published", "modified")


def _checked_record(record: Any) -> dict[str, Any]:
    """``record`` if the archive can store it as an Article, else ``BadMessage`` naming the
    field: a message the archive refuses would fail its whole batch, again at every try."""
    if not isinstance(record, dict):
        raise BadMessage(f"the record must be a JSON object, not {type(record).__name__}")
    for name in _REQUIRED_TEXT:
        if not isinstance(record.get(name), str) or not record[name]:
            raise BadMessage(f"record {name!r} must be a non-empty string")
    for name in _OPTIONAL_TEXT:
        if record.get(name) is not None and not isinstance(record[name], str):
            raise BadMessage(f"record {name!r} must be a string or null")
    for name in _TIMES:
        if record.get(name) and parse_iso(record[name]) is None:
            raise BadMessage(f"record {name!r} is not an ISO 8601 time: {record[name]!r}")
    authors = record.get("authors") or []
    if not isinstance(authors, list) or not all(isinstance(a, str) for a in authors):
        raise BadMessage("record 'authors' must be a list of strings")
    images = record.get("images") or []
    if not isinstance(images, list) or not all(
        isinstance(i, dict) and isinstance(i.get("url"), str) for i in images
    ):
        raise BadMessage("record 'images' must be a list of objects with a 'url'")
    similarity = record.get("similarity")
    if similarity is not None and (
        isinstance(similarity, bool) or not isinstance(similarity, int | float)
    ):
        raise BadMessage("record 'similarity' must be a number or null")
    return record


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value
