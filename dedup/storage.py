"""Where the index lives: ``Store`` and its two back ends, ``MemoryStore`` and ``RedisStore``.

A store holds the LSH band tables (in memory: ``dedup.lsh.MemoryLSH``, sorted numpy arrays; in
Redis: datasketch's Redis storage, ``dedup.redis_lsh``) and a few small keyed tables, counters and
time-ordered queues for the clusterer. The clusterer talks to the store only through the six
abstract methods below, so the same stream of articles gives the same clusters whichever store
holds it.

Redis layout under ``prefix`` (default ``newsmon:lsh:v3:``): ``<prefix>t:<table>`` hashes,
``<prefix>q:<queue>`` sorted sets, and datasketch's keys under ``<prefix>lsh:<name>``.
"""

from __future__ import annotations

import heapq
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from itertools import repeat
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode, urlsplit

import numpy as np
import xxhash

from dedup.errors import DedupError
from dedup.lsh import LSH, MemoryLSH

if TYPE_CHECKING:  # redis is imported when a RedisStore is opened: newsmon cluster needs none
    import redis

DEFAULT_PREFIX = "newsmon:lsh:v3:"
# The table of per-outlet line counts (``Store.line_counts``), keyed by ``line_key``.
LINE_TABLE = "line"


class Store(ABC):
    """Storage behind a ``Clusterer``: keyed tables of bytes, counters, queues and the LSH tables.

    Subclasses implement the six abstract methods; values are bytes, keys are strings. A counter
    is an ASCII integer in a table (``get`` reads it as ``b"3"``), as in a Redis hash.
    """

    @abstractmethod
    def lsh(self, name: str, num_perm: int, params: tuple[int, int]) -> LSH:
        """The LSH band tables called ``name`` with ``params`` (bands, rows) on this store."""

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
    def due(self, queue: str, until: float, keep: int | None = None) -> list[str]:
        """Remove and return the members of ``queue`` timed at or before ``until``, oldest first;
        with ``keep``, also the oldest of the others beyond the newest ``keep``."""

    def line_counts(self, requests: Sequence[tuple[str, np.ndarray]]) -> np.ndarray:
        """For each ``(outlet, line hashes)``, in how many of the outlet's articles each line is;
        the counts of all requests one after the other, as one int64 array.

        The counts live in the ``LINE_TABLE`` counters, one per outlet and line (its key is
        ``line_key``); a store may keep them in a faster form (``MemoryStore`` does).
        """
        keys = [line_key(outlet, h) for outlet, lines in requests for h in lines.tolist()]
        values = self.get(LINE_TABLE, keys) if keys else []
        return np.array([int(v) if v is not None else 0 for v in values], dtype=np.int64)

    def count_lines(self, changes: Sequence[tuple[str, np.ndarray, int]]) -> None:
        """Add ``delta`` to the count of each of the distinct ``lines`` of ``outlet``, for each
        ``(outlet, lines, delta)``; a count that reaches zero goes."""
        deltas: dict[str, int] = {}
        for outlet, lines, delta in changes:
            for h in lines.tolist():
                key = line_key(outlet, h)
                deltas[key] = deltas.get(key, 0) + delta
        if deltas:
            self.incr(LINE_TABLE, deltas)

    def count_story_lines(self, outlet: str, story: int, lines: np.ndarray, delta: int) -> None:
        """Count one article of ``story`` in (``delta`` 1) or out of (-1) the counts of its
        distinct ``lines``, so that ``line_counts`` gives in how many stories of ``outlet`` (not
        articles) each line is.

        The article's lines are counted per story too, under the line hash XOR ``story`` (a
        64-bit key of the story); the outlet's count of a line moves only with its first article
        of the story in, or its last one out.
        """
        story_lines = lines ^ np.uint64(story)
        before = self.line_counts([(outlet, story_lines)])
        moved = lines[before == (0 if delta > 0 else 1)]
        self.count_lines([(outlet, story_lines, delta), (outlet, moved, delta)])


class MemoryStore(Store):
    """A store in this process's memory (the default; nothing survives the process).

    Memory per article counts here (a crawl keeps its window in one): table keys are kept as
    their 64-bit ``hash()`` (an int of 32-40 bytes, not the key string of 60-80: most keys are
    the line keys, about 30 an article by outlet and by story), and counters as ints. Two keys of
    one table would share a value only if their hashes collided, with probability about 2**-64
    per pair.

    Example:
        >>> store = MemoryStore()
        >>> store.put("doc", {"a": b"1"}); store.get("doc", ["a", "b"])
        [b'1', None]
    """

    def __init__(self) -> None:
        self._tables: dict[str, dict[int, bytes | int]] = {}
        self._queues: dict[str, list[tuple[float, str]]] = {}
        self._queued: dict[str, dict[str, float]] = {}
        # per-outlet line counts: by line hash XOR a 64-bit hash of the outlet (one int key a
        # line, computed for a whole article in one numpy operation); XOR a story key too for
        # the per-story counts (count_story_lines)
        self._lines: dict[int, int] = {}
        self._outlet_salts: dict[str, np.uint64] = {}

    def lsh(self, name: str, num_perm: int, params: tuple[int, int]) -> LSH:
        return MemoryLSH(num_perm, params)

    def get(self, table: str, keys: Sequence[str]) -> list[bytes | None]:
        values = self._tables.get(table, {})
        found = [values.get(hash(key)) for key in keys]
        return [b"%d" % v if type(v) is int else v for v in found]

    def put(self, table: str, items: Mapping[str, bytes | None]) -> None:
        values = self._tables.setdefault(table, {})
        for key, value in items.items():
            if value is None:
                values.pop(hash(key), None)
            else:
                values[hash(key)] = value

    def incr(self, table: str, deltas: Mapping[str, int]) -> list[int]:
        values = self._tables.setdefault(table, {})
        result = []
        for key, delta in deltas.items():
            slot = hash(key)
            value = int(values.get(slot, 0)) + delta
            if value:
                values[slot] = value
            else:
                values.pop(slot, None)
            result.append(value)
        return result

    def line_counts(self, requests: Sequence[tuple[str, np.ndarray]]) -> np.ndarray:
        if not requests:
            return np.zeros(0, dtype=np.int64)
        outlets = {outlet for outlet, _ in requests}
        if len(outlets) == 1:  # the usual case: one XOR and one pass of lookups for all
            keys = np.concatenate([lines for _, lines in requests]) ^ self._salt(outlets.pop())
        else:
            keys = np.concatenate([lines ^ self._salt(outlet) for outlet, lines in requests])
        get = self._lines.get
        return np.fromiter(map(get, keys.tolist(), repeat(0)), dtype=np.int64, count=len(keys))

    def count_lines(self, changes: Sequence[tuple[str, np.ndarray, int]]) -> None:
        counts = self._lines
        for outlet, lines, delta in changes:
            for key in (lines ^ self._salt(outlet)).tolist():
                value = counts.get(key, 0) + delta
                if value:
                    counts[key] = value
                else:
                    counts.pop(key, None)

    def count_story_lines(self, outlet: str, story: int, lines: np.ndarray, delta: int) -> None:
        counts = self._lines
        salt = int(self._salt(outlet))
        for line in lines.tolist():
            key = line ^ salt
            story_key = key ^ story
            value = counts.get(story_key, 0) + delta
            if value:
                counts[story_key] = value
            else:
                counts.pop(story_key, None)
            if value == (1 if delta > 0 else 0):  # the story's first article in, or last out
                value = counts.get(key, 0) + delta
                if value:
                    counts[key] = value
                else:
                    counts.pop(key, None)

    def _salt(self, outlet: str) -> np.uint64:
        salt = self._outlet_salts.get(outlet)
        if salt is None:
            salt = np.uint64(xxhash.xxh3_64_intdigest(outlet.encode()))
            if len(self._outlet_salts) < 100_000:
                self._outlet_salts[outlet] = salt
        return salt

    def schedule(self, queue: str, items: Mapping[str, float]) -> None:
        heap = self._queues.setdefault(queue, [])
        queued = self._queued.setdefault(queue, {})
        for member, when in items.items():
            queued[member] = when
            heapq.heappush(heap, (when, member))

    def due(self, queue: str, until: float, keep: int | None = None) -> list[str]:
        heap = self._queues.get(queue, [])
        queued = self._queued.get(queue, {})
        members = []
        while heap and (heap[0][0] <= until or (keep is not None and len(queued) > keep)):
            when, member = heapq.heappop(heap)
            if queued.get(member) == when:  # else it was moved: a later entry stands
                del queued[member]
                members.append(member)
        return members


class RedisStore(Store):
    """A store in Redis, for several processes or a restart: datasketch's Redis LSH storage plus
    a few hashes and sorted sets, all under one key prefix.

    Args:
        client: a ``redis.Redis`` client (``decode_responses=False``).
        prefix: key prefix of this index; keep a version in it (``newsmon:lsh:v3:``).

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
            raise DedupError("RedisStore needs a key prefix, such as 'newsmon:lsh:v3:'")
        self.client = client
        self.prefix = prefix

    def __repr__(self) -> str:
        return f"RedisStore(prefix={self.prefix!r})"

    def lsh(self, name: str, num_perm: int, params: tuple[int, int]) -> LSH:
        from dedup.redis_lsh import RedisLSH

        # datasketch makes a client per band from these arguments: all share this client's pool
        return RedisLSH(
            num_perm=num_perm,
            params=params,
            prepickle=False,
            storage_config={
                "type": "redis",
                "redis": {"connection_pool": self.client.connection_pool},
                "basename": f"{self.prefix}lsh:{name}".encode(),
            },
        )

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

    def due(self, queue: str, until: float, keep: int | None = None) -> list[str]:
        name = f"{self.prefix}q:{queue}"
        pipe = self.client.pipeline(transaction=True)
        pipe.zrangebyscore(name, "-inf", until)
        pipe.zremrangebyscore(name, "-inf", until)
        if keep is not None:  # then all but the newest `keep` of the rest, by rank
            pipe.zrange(name, 0, -keep - 1)
            pipe.zremrangebyrank(name, 0, -keep - 1)
        members, *rest = pipe.execute()
        if keep is not None:
            members += rest[1]
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
        >>> open_store("redis://localhost:6379/0?prefix=test:lsh:v3:")
        RedisStore(prefix='test:lsh:v3:')
    """
    parts = urlsplit(url)
    if parts.scheme == "memory":
        return MemoryStore()
    if parts.scheme in ("redis", "rediss", "unix"):
        # the URL is cut as text: urlsplit's geturl() would turn unix:///path into unix:/path
        base, _, query_text = url.partition("?")
        query = parse_qs(query_text, keep_blank_values=True)
        prefix = query.pop("prefix", [prefix])[0]
        rest = urlencode([(key, value) for key, values in query.items() for value in values])
        import redis

        client = redis.Redis.from_url(base + (f"?{rest}" if rest else ""))
        return RedisStore(client, prefix=prefix)
    raise DedupError(f"unknown store {parts.scheme + '://'!r}; expected memory:// or redis://")


def line_key(outlet: str, line: int) -> str:
    """The key of a line's count in ``LINE_TABLE``: the outlet, then the line hash in hex.

    Example:
        >>> line_key("kabar", 255)
        'kabar\\x1f00000000000000ff'
    """
    return f"{outlet}\x1f{line:016x}"


def _glob_escape(text: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)
