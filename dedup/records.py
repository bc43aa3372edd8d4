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
from itertools import chain, islice
from typing import Any

from dedup.clusters import Clusterer
from dedup.config import DedupConfig
from dedup.direction import Member, copy_links
from dedup.errors import DedupError, DuplicateKey
from dedup.index import Doc
from dedup.signature import Signature, signatures
from dedup.storage import Store

ErrorHandler = Callable[[int, Mapping[str, Any], DedupError], None]
WarningHandler = Callable[[int, Mapping[str, Any], str], None]

# How far after ``now`` a publication time without a fetch time may be (time zones, clocks).
FUTURE_SLACK_SECONDS = 86_400.0

# Records read ahead, at most, for the first usable time: the time of the records without one
# that come before it (the epoch would put them out of the window of the first time given).
LOOKAHEAD = 10_000

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
    on_warning: WarningHandler | None = None,
) -> Iterator[dict[str, Any]]:
    """Cluster Article-like records, lazily (``BATCH`` records at a time), results in input order.

    Each record needs ``id`` and ``text`` (``title`` stands in for a missing text); ``outlet``
    is used for boilerplate, ``published`` (else ``fetched``; ISO 8601 or epoch seconds) for the
    window and the copy direction, ``source`` (the credited agency) for the direction. A record
    without a usable time takes the previous record's (the first ones, that of the first record
    with one). A ``published`` time after the record's ``fetched`` time, or without one more than
    a day after ``now``, is no publication time (a typo's year would move the window past every
    other record): ``fetched`` stands in for it.

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
        on_warning: called with (position, record, message) for a time given but not used (not
            ISO 8601 nor epoch seconds, after the fetch time, in the future), in turn with the
            results; the record is clustered all the same.

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
    latest = (time.time() if now is None else now) + FUTURE_SLACK_SECONDS
    last_time, numbered = _first_time(enumerate(records), latest)
    newest = float("-inf")
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
                published, fetched, warning = _times(record, latest)
                if warning and on_warning is not None:
                    directions.waiting.append(
                        (on_warning, position, record, f"record {doc_id!r}: {warning}")
                    )
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
        # results, and the error and warning callbacks of records, in input order
        self.waiting: deque[dict[str, Any] | tuple[Callable[..., None], int, Any, Any]] = deque()
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
                handler, position, record, what = head
                handler(position, record, what)
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


def _first_time(
    numbered: Iterator[tuple[int, Any]], latest: float
) -> tuple[float, Iterator[tuple[int, Any]]]:
    """The first usable time, read ahead up to the first record that has one (at most
    ``LOOKAHEAD`` records; 0.0 if none has one), and the records, all of them still to be read."""
    ahead = []
    for item in islice(numbered, LOOKAHEAD):
        ahead.append(item)
        if isinstance(item[1], Mapping):
            published, fetched, _ = _times(item[1], latest)
            found = published if published is not None else fetched
            if found is not None:
                return found, chain(ahead, numbered)
    return 0.0, chain(ahead, numbered)


def _times(record: Mapping[str, Any], latest: float) -> tuple[float | None, float | None, str]:
    """The record's publication and fetch times (None where not usable), and why a time it
    gives is not used ("" when all are)."""
    given_published, given_fetched = record.get("published"), record.get("fetched")
    published, fetched = _time(given_published), _time(given_fetched)
    for name, given, read in (
        ("published", given_published, published),
        ("fetched", given_fetched, fetched),
    ):
        if read is None and given is not None and given != "":
            return published, fetched, f"{name!r} {given!r} is no ISO 8601 time nor epoch seconds"
    if published is not None and fetched is not None and published > fetched:
        why = f"'published' {given_published!r} is after its fetch time; the fetch time is used"
        return None, fetched, why
    if published is not None and fetched is None and published > latest:
        why = (
            f"'published' {given_published!r} is more than a day in the future; the previous "
            f"record's time is used"
        )
        return None, None, why
    return published, fetched, ""


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
