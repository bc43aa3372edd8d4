"""``cluster_records``: the dedup core run offline over Article-like records.

The same ``signature`` and ``Clusterer`` as the pipeline; ``newsmon cluster`` is a thin wrapper.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from dedup.clusters import Clusterer
from dedup.config import DedupConfig
from dedup.errors import DedupError, DuplicateKey
from dedup.index import Doc
from dedup.signature import signatures
from dedup.storage import Store

ErrorHandler = Callable[[int, Mapping[str, Any], DedupError], None]

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
) -> Iterator[dict[str, Any]]:
    """Cluster Article-like records in the order given, lazily (``BATCH`` records at a time).

    Each record needs ``id`` and ``text`` (``title`` stands in for a missing text); ``outlet``
    is used for boilerplate, ``published`` (else ``fetched``; ISO 8601 or epoch seconds) for the
    window. A record without a usable time takes the previous record's.

    Args:
        records: the records.
        cfg: the config (``DedupConfig()`` by default).
        store: where the index lives (a fresh ``MemoryStore`` by default).
        on_error: called with (position, record, error) for a record that cannot be clustered
            (no id, a text that is not a string, an id seen before); it is then skipped. Without
            it the error is raised.
        clusterer: the clusterer to add to (made with ``cfg`` and ``store`` by default): pass
            one to look at its window afterwards (``clusterer.index.explain``).

    Yields:
        ``{"id", "cluster", "duplicate_of", "similarity"}`` per clustered record, in input order.

    Example:
        >>> text = "The bridge over the Chui river opened on Monday."
        >>> rows = [{"id": "a", "text": text}, {"id": "b", "text": "BISHKEK. " + text}]
        >>> [r["cluster"] for r in cluster_records(rows)]
        ['a', 'a']
    """
    cfg = cfg if cfg is not None else DedupConfig()
    if clusterer is None:
        clusterer = Clusterer(cfg, store)
    last_time = 0.0
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
                last_time = (_time(record.get("published")) or _time(record.get("fetched"))
                             or last_time)
                try:
                    decision = clusterer.add(Doc(doc_id, outlet, last_time), sig)
                except DuplicateKey:
                    raise DuplicateKey(f"record {doc_id!r}: this id came before") from None
            except DedupError as exc:
                if on_error is None:
                    raise
                on_error(position, record, exc)
                continue
            yield {"id": doc_id, "cluster": decision.cluster,
                   "duplicate_of": decision.duplicate_of, "similarity": decision.similarity}


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
    outlet = record.get("outlet") or ""
    return doc_id, text, outlet if isinstance(outlet, str) else str(outlet)


def _time(value: object) -> float | None:
    """Epoch seconds of an ISO 8601 string (UTC when it has no offset) or a number, else None."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
