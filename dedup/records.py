"""``cluster_records``: the dedup core run offline over Article-like records.

The same ``signature``, ``Clusterer`` and copy direction (``dedup.direction``) as the pipeline;
``newsmon cluster`` is a thin wrapper.

A record's ``copy_of`` is by publication time, so a later record published earlier can change
it: results are held (in input order) until their record has left the dedup window, or the input
ends, and are final when they come out.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from dedup.clusters import Clusterer
from dedup.config import DedupConfig
from dedup.direction import Member, copy_links
from dedup.errors import DedupError, DuplicateKey
from dedup.index import Doc
from dedup.signature import Signature, signatures
from dedup.storage import Store

ErrorHandler = Callable[[int, Mapping[str, Any], DedupError], None]

# How far after ``now`` a publication time without a fetch time may be (time zones, clocks).
FUTURE_SLACK_SECONDS = 86_400.0

# Records read ahead and signed together (``signatures``: about half the instructions per
# article of signing them one by one; 16-64 are about as fast, larger batches slower).
BATCH = 32


def cluster_records(
    records: Iterable[Mapping[str, Any]],
    cfg: DedupConfig | None = None,
    *,
    store: Store | None = None,
    on_error: ErrorHandler | None = None,
    clusterer: Clusterer | None = None,
    now: float | None = None,
) -> Iterator[dict[str, Any]]:
    """Cluster Article-like records, lazily (``BATCH`` records at a time), results in input order.

    Each record needs ``id`` and ``text`` (``title`` stands in for a missing text); ``outlet``
    is used for boilerplate, ``published`` (else ``fetched``; ISO 8601 or epoch seconds) for the
    window and the copy direction, ``source`` (the credited agency) for the direction. A record
    without a usable time takes the previous record's. A ``published`` time after the record's
    ``fetched`` time, or without one more than a day after ``now``, is no publication time (a
    typo's year would move the window past every other record): ``fetched`` stands in for it.

    Args:
        records: the records, in any order (publication order keeps fewer results waiting).
        cfg: the config (``DedupConfig()`` by default).
        store: where the index lives (a fresh ``MemoryStore`` by default).
        on_error: called with (position, record, error) for a record that cannot be clustered
            (no id, no text nor title, a text that is not a string, an id seen before), in
            turn with the results of the records around it; it is then skipped. Without it the
            error is raised.
        clusterer: the clusterer to add to (made with ``cfg`` and ``store`` by default): pass
            one to look at its window afterwards (``clusterer.index.explain``).
        now: epoch seconds of the clock a publication time is checked against (this machine's
            by default).

    Yields:
        ``{"id", "cluster", "copy_of", "similarity"}`` per clustered record, in input order:
        ``copy_of`` is the earlier-published member it most likely copies (None for an origin,
        an article alone, or a member that shares its credited source with that member).

    Example:
        >>> text = "The bridge over the Chui river opened on Monday."
        >>> rows = [{"id": "b", "text": "BISHKEK. " + text, "published": "2026-11-02T10:00"},
        ...         {"id": "a", "text": text, "published": "2026-11-02T08:00"}]
        >>> [(r["id"], r["cluster"], r["copy_of"]) for r in cluster_records(rows)]
        [('b', 'b', 'a'), ('a', 'b', None)]
    """
    cfg = cfg if cfg is not None else DedupConfig()
    if clusterer is None:
        clusterer = Clusterer(cfg, store)
    directions = _Directions()
    last_time, newest = 0.0, float("-inf")
    latest = (time.time() if now is None else now) + FUTURE_SLACK_SECONDS
    numbered = enumerate(records)
    while batch := list(islice(numbered, BATCH)):
        fields: list[tuple[str, str, str] | DedupError] = []
        for _, record in batch:
            try:
                fields.append(_fields(record))
            except DedupError as exc:
                fields.append(exc)
        sigs = iter(signatures([f[1] for f in fields if not isinstance(f, DedupError)], cfg))
        for (position, record), field in zip(batch, fields, strict=True):
            try:
                if isinstance(field, DedupError):
                    raise field
                doc_id, _, outlet = field
                sig = next(sigs)
                published = _time(record.get("published"))
                fetched = _time(record.get("fetched"))
                if published is not None and published > (latest if fetched is None else fetched):
                    published = None  # after the fetch, or in the future: not a publication
                last_time = next(t for t in (published, fetched, last_time) if t is not None)
                try:
                    decision = clusterer.add(Doc(doc_id, outlet, last_time), sig)
                except DuplicateKey:
                    raise DuplicateKey(f"record {doc_id!r}: this id came before") from None
            except DedupError as exc:
                if on_error is None:
                    raise
                directions.waiting.append((on_error, position, record, exc))
                continue
            source = record.get("source")
            member = Member(
                doc_id,
                last_time,
                fetched if fetched is not None else last_time,
                source if isinstance(source, str) and source else None,
            )
            directions.add(member, sig, decision.cluster, decision.aliases)
            newest = max(newest, last_time)
        yield from directions.settled(newest - cfg.window_seconds)
    yield from directions.settled(float("inf"))


class _Directions:
    """The results not yet given out, and the members and signatures their links need."""

    def __init__(self) -> None:
        # results, and the error callbacks of skipped records, in input order
        self.waiting: deque[dict[str, Any] | tuple[ErrorHandler, int, Any, DedupError]] = deque()
        self.results: dict[str, dict[str, Any]] = {}
        self.members: dict[str, list[Member]] = {}  # cluster -> its waiting members
        self.times: dict[str, float] = {}
        self.sigs: dict[str, Signature] = {}

    def add(self, member: Member, sig: Signature, cluster: str, aliases: tuple[str, ...]) -> None:
        """Record a clustered member and relink the members its arrival can change."""
        result = {"id": member.id, "cluster": cluster, "copy_of": None, "similarity": None}
        self.waiting.append(result)
        self.results[member.id] = result
        self.times[member.id] = member.time
        self.sigs[member.id] = sig
        group = self.members.setdefault(cluster, [])
        for alias in aliases:
            for moved in self.members.pop(alias, []):
                self.results[moved.id]["cluster"] = cluster
                group.append(moved)
        group.append(member)
        if len(group) == 1:
            return
        # Only a member published after the newcomer can gain it as a closer earlier member
        # (a merge can relink everyone).
        affected = (
            {m.id for m in group} if aliases else {m.id for m in group if m.key >= member.key}
        )
        for doc_id, link in copy_links(group, self._similarity, only=affected).items():
            self.results[doc_id]["copy_of"] = link.copy_of
            self.results[doc_id]["similarity"] = link.similarity

    def settled(self, before: float) -> Iterator[dict[str, Any]]:
        """Give out, in input order, the results whose record is older than ``before`` (and
        report the skipped records among them)."""
        while self.waiting:
            head = self.waiting[0]
            if isinstance(head, tuple):
                self.waiting.popleft()
                on_error, position, record, exc = head
                on_error(position, record, exc)
                continue
            if self.times[head["id"]] >= before:
                return
            result = self.waiting.popleft()
            doc_id = result["id"]
            group = self.members.get(result["cluster"], [])
            group[:] = [m for m in group if m.id != doc_id]
            if not group:
                self.members.pop(result["cluster"], None)
            del self.results[doc_id], self.times[doc_id], self.sigs[doc_id]
            yield result

    def _similarity(self, a: str, b: str) -> float:
        return self.sigs[a].similarity(self.sigs[b])


def _fields(record: Mapping[str, Any]) -> tuple[str, str, str]:
    if not isinstance(record, Mapping):
        raise DedupError(f"a record must be a JSON object, not {type(record).__name__}")
    doc_id = record.get("id")
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    if not isinstance(doc_id, str) or not doc_id:
        raise DedupError("record has no 'id' (a non-empty string)")
    text = record.get("text") or record.get("title") or ""
    if not isinstance(text, str):
        raise DedupError(f"record {doc_id!r}: 'text' must be a string, not {type(text).__name__}")
    if not text.strip():
        raise DedupError(f"record {doc_id!r} has no 'text' (nor 'title')")
    try:
        text.encode()
    except UnicodeEncodeError as exc:  # JSON's "\ud800" decodes to a lone surrogate
        raise DedupError(
            f"record {doc_id!r}: 'text' is not valid Unicode (a lone surrogate at {exc.start})"
        ) from None
    outlet = record.get("outlet") or ""
    return doc_id, text, outlet if isinstance(outlet, str) else str(outlet)


def _time(value: object) -> float | None:
    """Epoch seconds of an ISO 8601 string (UTC when it has no offset) or a finite number, else
    None (NaN, infinities and numbers past a float are no time)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            seconds = float(value)
        except OverflowError:
            return None
        return seconds if math.isfinite(seconds) else None
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
