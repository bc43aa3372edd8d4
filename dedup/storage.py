"""Where the index lives: ``Store`` and its two back ends, ``MemoryStore`` and ``RedisStore``.

A store holds the datasketch LSH indexes (in memory: datasketch's dict storage with compact
buckets; in Redis: datasketch's Redis storage) and a few small keyed tables, counters and
time-ordered queues for the clusterer. The clusterer talks to the store only through the six
abstract methods below, so the same stream of articles gives the same clusters whichever store
holds it.

Redis layout under ``prefix`` (default ``newsmon:lsh:v1:``): ``<prefix>t:<table>`` hashes,
``<prefix>q:<queue>`` sorted sets, and datasketch's keys under ``<prefix>lsh:<name>``.
"""

from __future__ import annotations

import heapq
from abc import ABC, abstractmethod
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import redis
from datasketch import MinHashLSH
from datasketch.storage import UnorderedStorage

from dedup.errors import DedupError

DEFAULT_PREFIX = "newsmon:lsh:v1:"


class Store(ABC):
    """Storage behind a ``Clusterer``: keyed tables of bytes, counters, queues and the LSH tables.

    Subclasses implement the six abstract methods; values are bytes, keys are strings. A counter
    is an ASCII integer in a table (``get`` reads it as ``b"3"``), as in a Redis hash.
    """

    @abstractmethod
    def lsh(self, name: str, num_perm: int, params: tuple[int, int]) -> LSH:
        """The datasketch LSH index called ``name`` with ``params`` (bands, rows) on this store."""

    @abstractmethod
    def get(self, table: str, keys: Sequence[str]) -> list[bytes | None]:
        """The values of ``keys`` in ``table`` (``None`` for a missing key)."""

    @abstractmethod
    def put(self, table: str, items: Mapping[str, bytes | None]) -> None:
        """Set keys of ``table``; a ``None`` value deletes the key."""

    @abstractmethod
    def incr(self, table: str, deltas: Mapping[str, int]) -> list[int]:
        """Add to integer counters of ``table``; returns the new values. Zero deletes a counter."""

    @abstractmethod
    def schedule(self, queue: str, items: Mapping[str, float]) -> None:
        """Add members to ``queue`` with a time each (a member added again moves)."""

    @abstractmethod
    def due(self, queue: str, until: float) -> list[str]:
        """Remove and return the members of ``queue`` timed at or before ``until``, oldest first."""


class MemoryStore(Store):
    """A store in this process's memory (the default; nothing survives the process).

    Example:
        >>> store = MemoryStore()
        >>> store.put("doc", {"a": b"1"}); store.get("doc", ["a", "b"])
        [b'1', None]
    """

    def __init__(self) -> None:
        self._tables: dict[str, dict[str, bytes]] = {}
        self._queues: dict[str, list[tuple[float, str]]] = {}
        self._queued: dict[str, dict[str, float]] = {}

    def lsh(self, name: str, num_perm: int, params: tuple[int, int]) -> LSH:
        lsh = LSH(num_perm=num_perm, params=params, prepickle=False,
                  storage_config={"type": "dict"})
        lsh.hashtables = [_CompactSetStorage() for _ in range(lsh.b)]
        lsh.compact = True
        return lsh

    def get(self, table: str, keys: Sequence[str]) -> list[bytes | None]:
        values = self._tables.get(table, {})
        return [values.get(key) for key in keys]

    def put(self, table: str, items: Mapping[str, bytes | None]) -> None:
        values = self._tables.setdefault(table, {})
        for key, value in items.items():
            if value is None:
                values.pop(key, None)
            else:
                values[key] = value

    def incr(self, table: str, deltas: Mapping[str, int]) -> list[int]:
        values = self._tables.setdefault(table, {})
        result = []
        for key, delta in deltas.items():
            value = int(values.get(key, 0)) + delta
            if value:
                values[key] = b"%d" % value
            else:
                values.pop(key, None)
            result.append(value)
        return result

    def schedule(self, queue: str, items: Mapping[str, float]) -> None:
        heap = self._queues.setdefault(queue, [])
        queued = self._queued.setdefault(queue, {})
        for member, when in items.items():
            queued[member] = when
            heapq.heappush(heap, (when, member))

    def due(self, queue: str, until: float) -> list[str]:
        heap = self._queues.get(queue, [])
        queued = self._queued.get(queue, {})
        members = []
        while heap and heap[0][0] <= until:
            when, member = heapq.heappop(heap)
            if queued.get(member) == when:  # else it was moved: a later entry stands
                del queued[member]
                members.append(member)
        return members


class LSH(MinHashLSH):
    """datasketch's ``MinHashLSH`` and its storage, fed with the band keys of a signature made in
    one numpy call (datasketch makes them band by band), and on Redis with each query, insert and
    removal sent as a few pipelines instead of several round trips per band.

    The keys and the data layout are datasketch's own: an index written here answers a plain
    ``MinHashLSH`` with the same storage config, and the other way round.
    """

    compact = False  # bucket keys: datasketch's bytes, or (in memory) a 60-bit hash of them

    def band_keys(self, hashvalues: np.ndarray) -> list[Hashable]:
        """The bucket key of each band: what ``MinHashLSH`` computes for it, or in a compact
        index a 60-bit hash of it (a small int costs 32 bytes, the bytes 45)."""
        bands = hashvalues[: self.b * self.r].reshape(self.b, self.r)
        if self.compact:
            mixed = (bands.astype(np.uint64) * _band_powers(self.r)).sum(axis=1, dtype=np.uint64)
            return (mixed >> np.uint64(4)).tolist()
        raw = bands.byteswap().tobytes()
        width = 4 * self.r
        return [raw[i * width : (i + 1) * width] for i in range(self.b)]

    def candidates(self, bands: list[Hashable]) -> set[bytes]:
        """The keys sharing a band (``band_keys``) with a signature (``MinHashLSH.query``)."""
        found: set[bytes] = set()
        if self.compact:
            for band, table in zip(bands, self.hashtables, strict=True):
                table.collect(band, found)
            return found
        if self._redis is None:
            for key, table in zip(bands, self.hashtables, strict=True):
                found.update(table.get(key))
            return found
        pipe = self._redis.pipeline(transaction=False)
        for key, table in zip(bands, self.hashtables, strict=True):
            pipe.smembers(table.redis_key(key))
        for members in pipe.execute():
            found.update(members)
        return found

    def add(self, key: bytes, bands: list[Hashable], session: Any = None) -> None:
        """Insert ``key`` with its ``band_keys`` (``MinHashLSH.insert`` without its duplicate
        check, or into an insertion ``session``)."""
        if self.compact:
            self.keys.insert(key, *bands)
            for band, table in zip(bands, self.hashtables, strict=True):
                table.add(band, key)
            return
        if session is not None or self._redis is None:
            buffer = session is not None
            self.keys.insert(key, *bands, buffer=buffer)
            for band, table in zip(bands, self.hashtables, strict=True):
                table.insert(band, key, buffer=buffer)
            return
        pipe = self._redis.pipeline(transaction=True)
        self.keys._insert(pipe, key, *bands)
        for band, table in zip(bands, self.hashtables, strict=True):
            table._insert(pipe, band, key)
        pipe.execute()

    def discard(self, keys: Sequence[bytes]) -> None:
        """Remove ``keys`` and their emptied buckets (``MinHashLSH.remove``)."""
        if self._redis is None:
            for key in keys:
                self.remove(key)
            return
        bands_of = self.keys.getmany(*keys)
        pipe = self._redis.pipeline(transaction=True)
        touched = []
        for key, bands in zip(keys, bands_of, strict=True):
            for band, table in zip(bands, self.hashtables, strict=True):
                pipe.srem(table.redis_key(band), key)
                touched.append((table, band))
        pipe.execute()
        for table, band in touched:
            pipe.exists(table.redis_key(band))
        emptied = [t for t, alive in zip(touched, pipe.execute(), strict=True) if not alive]
        for table, band in emptied:
            pipe.hdel(table._name, band)
        self.keys._remove(pipe, *keys)
        pipe.execute()

    @property
    def _redis(self) -> redis.Redis | None:
        # datasketch's Redis storages each hold a client of the same server
        return getattr(self.keys, "_redis", None)


class _CompactSetStorage(UnorderedStorage):
    """datasketch's in-memory bucket storage (``DictSetStorage``) with a bucket of one key kept
    bare, not in a set: most buckets hold one article, and a set costs 216 bytes."""

    def __init__(self) -> None:
        self._dict: dict[Hashable, Any] = {}

    def keys(self) -> Iterable[Hashable]:
        return self._dict.keys()

    def get(self, key: Hashable) -> Collection[Hashable]:
        value = self._dict.get(key, _NONE)
        if value is _NONE:
            return ()
        return value if type(value) is set else (value,)

    def insert(self, key: Hashable, *vals: Hashable, **kwargs: Any) -> None:
        for val in vals:
            self.add(key, val)

    def add(self, key: Hashable, val: Hashable) -> None:
        """``insert`` of one value (the hot path)."""
        value = self._dict.get(key, _NONE)
        if value is _NONE:
            self._dict[key] = val
        elif type(value) is set:
            value.add(val)
        elif value != val:
            self._dict[key] = {value, val}

    def collect(self, key: Hashable, into: set[Hashable]) -> None:
        """Add the values of ``key`` to ``into`` (the hot path of ``get``)."""
        value = self._dict.get(key, _NONE)
        if value is _NONE:
            return
        if type(value) is set:
            into.update(value)
        else:
            into.add(value)

    def remove(self, *keys: Hashable, **kwargs: Any) -> None:
        for key in keys:
            self._dict.pop(key, None)

    def remove_val(self, key: Hashable, val: Hashable, **kwargs: Any) -> None:
        value = self._dict[key]
        if type(value) is set:
            value.discard(val)
            if len(value) == 1:
                self._dict[key] = next(iter(value))
        elif value == val:
            del self._dict[key]

    def size(self) -> int:
        return len(self._dict)

    def itemcounts(self, **kwargs: Any) -> dict[Hashable, int]:
        return {key: len(self.get(key)) for key in self._dict}

    def has_key(self, key: Hashable) -> bool:
        return key in self._dict


_NONE = object()


@lru_cache(maxsize=4)
def _band_powers(rows: int) -> np.ndarray:
    """Odd multipliers that mix a band's ``rows`` values into one 64-bit key."""
    return np.uint64(0x9E3779B97F4A7C15) ** np.arange(rows - 1, -1, -1, dtype=np.uint64)


class RedisStore(Store):
    """A store in Redis, for several processes or a restart: datasketch's Redis LSH storage plus
    a few hashes and sorted sets, all under one key prefix.

    Args:
        client: a ``redis.Redis`` client (``decode_responses=False``).
        prefix: key prefix of this index; keep a version in it (``newsmon:lsh:v1:``).

    Raises:
        DedupError: the client decodes responses, or the prefix is empty.

    Example:
        .. code-block:: python

            store = RedisStore(redis.Redis.from_url("redis://localhost:6379/0"))
            clusterer = Clusterer(DedupConfig(), store=store)
    """

    def __init__(self, client: redis.Redis, prefix: str = DEFAULT_PREFIX) -> None:
        kwargs = client.get_connection_kwargs()
        if kwargs.get("decode_responses"):
            raise DedupError("RedisStore needs a client made with decode_responses=False")
        if not prefix:
            raise DedupError("RedisStore needs a key prefix, such as 'newsmon:lsh:v1:'")
        self.client = client
        self.prefix = prefix

    def __repr__(self) -> str:
        return f"RedisStore(prefix={self.prefix!r})"

    def lsh(self, name: str, num_perm: int, params: tuple[int, int]) -> LSH:
        # datasketch makes a client per band from these arguments: all share this client's pool
        return LSH(num_perm=num_perm, params=params, prepickle=False, storage_config={
            "type": "redis", "redis": {"connection_pool": self.client.connection_pool},
            "basename": f"{self.prefix}lsh:{name}".encode()})

    def get(self, table: str, keys: Sequence[str]) -> list[bytes | None]:
        if not keys:
            return []
        return self.client.hmget(f"{self.prefix}t:{table}", list(keys))

    def put(self, table: str, items: Mapping[str, bytes | None]) -> None:
        name = f"{self.prefix}t:{table}"
        deleted = [key for key, value in items.items() if value is None]
        kept = {key: value for key, value in items.items() if value is not None}
        pipe = self.client.pipeline(transaction=True)
        if kept:
            pipe.hset(name, mapping=kept)
        if deleted:
            pipe.hdel(name, *deleted)
        pipe.execute()

    def incr(self, table: str, deltas: Mapping[str, int]) -> list[int]:
        if not deltas:
            return []
        name = f"{self.prefix}t:{table}"
        pipe = self.client.pipeline(transaction=True)
        for key, delta in deltas.items():
            pipe.hincrby(name, key, delta)
        values = pipe.execute()
        zeros = [key for key, value in zip(deltas, values, strict=True) if value == 0]
        if zeros:
            self.client.hdel(name, *zeros)
        return values

    def schedule(self, queue: str, items: Mapping[str, float]) -> None:
        if items:
            self.client.zadd(f"{self.prefix}q:{queue}", dict(items))

    def due(self, queue: str, until: float) -> list[str]:
        name = f"{self.prefix}q:{queue}"
        pipe = self.client.pipeline(transaction=True)
        pipe.zrangebyscore(name, "-inf", until)
        pipe.zremrangebyscore(name, "-inf", until)
        members, _ = pipe.execute()
        return [member.decode() for member in members]

    def keys(self) -> list[bytes]:
        """Every Redis key of this index (for inspection and clean-up)."""
        return list(self.client.scan_iter(match=_glob_escape(self.prefix) + "*", count=1000))


def open_store(url: str, prefix: str = DEFAULT_PREFIX) -> Store:
    """Open a store from a URL: ``memory://`` or ``redis://host:port/db`` (``rediss://``,
    ``unix://`` too). A ``prefix`` query parameter overrides ``prefix``.

    Raises:
        DedupError: the URL's scheme is neither.

    Example:
        >>> open_store("memory://")  # doctest: +ELLIPSIS
        <dedup.storage.MemoryStore object at ...>
        >>> open_store("redis://localhost:6379/0?prefix=test:lsh:v1:")
        RedisStore(prefix='test:lsh:v1:')
    """
    parts = urlsplit(url)
    if parts.scheme == "memory":
        return MemoryStore()
    if parts.scheme in ("redis", "rediss", "unix"):
        query = parse_qs(parts.query)
        prefix = query.pop("prefix", [prefix])[0]
        rest = "&".join(f"{k}={v}" for k, values in query.items() for v in values)
        client = redis.Redis.from_url(parts._replace(query=rest).geturl())
        return RedisStore(client, prefix=prefix)
    raise DedupError(f"unknown store {parts.scheme + '://'!r}; expected memory:// or redis://")


def _glob_escape(text: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


