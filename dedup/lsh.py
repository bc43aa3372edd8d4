"""LSH band tables: the ``LSH`` interface and ``MemoryLSH``, the compact in-memory one.

An LSH index files each article under one bucket per band of its MinHash and proposes as
candidates the articles that share a bucket with a query. ``RedisStore`` keeps the buckets in
datasketch's Redis layout (dedup/redis_lsh.py); ``MemoryStore`` keeps them here, in numpy:

- a band's bucket key is a 64-bit hash of the band's values and its number (so all bands share
  one table); an article is a small integer handle;
- the table is a sorted array of (key, handle) pairs, searched with ``np.searchsorted``, plus a
  small dict of the pairs added since the last merge; the dict is merged into the arrays when it
  reaches a share of their size (``MERGE_SHARE``), so that a merge's O(n) copy is paid rarely;
- removal marks the handle dead: dead pairs are skipped by queries and dropped by the next merge,
  and only then is the handle reused.

A pair costs 12 bytes in the arrays, against about 90 in the per-band dicts this replaced (a key
object and a dict slot per bucket, a set for a shared bucket, datasketch's list of each article's
bands): 58 bands (42 of the text, 16 of the lead) come to 0.7 KB per article instead of 5.2 KB
(bench/dedup_memory.py --per-article). Two different bands collide in one 64-bit key with
probability about 2**-64 per pair: a collision could only add a candidate, and every candidate is
verified.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import numpy as np

# The dict of recent pairs is merged into the sorted arrays when it holds this share of their
# size (or MERGE_MIN pairs): a merge copies the arrays once (O(n)), so a smaller share means more
# merges (CPU per article), a larger one a larger dict (about 90 bytes a pair against 12 in the
# arrays). 1/32: at 30,000 articles in the window, a merge (a ~20 MB copy) every ~900 articles,
# and the dict adds at most ~25 % to the arrays' memory (bench/dedup_memory.py --per-article).
MERGE_SHARE = 1 / 32
MERGE_MIN = 8192

_NO_HANDLES = np.zeros(0, dtype=np.uint32)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX = np.uint64(0x94D049BB133111EB)


class LSH(ABC):
    """The band tables of one LSH index, as ``NearDupIndex`` uses them.

    Keys are bytes (the article id, UTF-8). ``band_keys`` is computed once per signature and
    passed to ``candidates`` and ``add``: a query followed by an insert bands it once.
    """

    b: int  # bands
    r: int  # rows per band

    @abstractmethod
    def band_keys(self, hashvalues: np.ndarray) -> Any:
        """The bucket key of each band of a MinHash (in the form this index takes)."""

    @abstractmethod
    def candidates(self, bands: Any) -> set[bytes]:
        """The keys that share at least one bucket with ``bands``."""

    @abstractmethod
    def add(self, key: bytes, bands: Any, session: Any = None) -> None:
        """File ``key`` under its buckets (inside ``insertion_session``'s session if given)."""

    @abstractmethod
    def discard(self, keys: Sequence[bytes]) -> None:
        """Remove ``keys`` from their buckets (unknown keys are ignored)."""

    @abstractmethod
    def insertion_session(self) -> Any:
        """A context manager batching ``add`` calls; yields the session to pass to ``add``."""


class MemoryLSH(LSH):
    """The band tables of one LSH index in this process's memory, compactly (see module doc).

    Args:
        num_perm: MinHash length.
        params: ``(bands, rows)``, ``bands * rows <= num_perm``.

    Example:
        >>> lsh = MemoryLSH(128, (42, 3))
        >>> values = np.arange(128, dtype=np.uint32)
        >>> lsh.add(b"a", lsh.band_keys(values))
        >>> other = values.copy(); other[:3] = 7  # the first band differs, the others match
        >>> lsh.candidates(lsh.band_keys(other)), lsh.candidates(lsh.band_keys(values + 1))
        ({b'a'}, set())
    """

    def __init__(self, num_perm: int, params: tuple[int, int]) -> None:
        self.b, self.r = params
        if self.b * self.r > num_perm:
            raise ValueError(f"{params} bands x rows exceed num_perm={num_perm}")
        self._keys = np.zeros(0, dtype=np.uint64)  # sorted bucket keys
        self._handles = np.zeros(0, dtype=np.uint32)  # the handle of each pair
        # pairs added since the last merge: by bucket key (for queries), and as added (to merge)
        self._recent: dict[int, int | list[int]] = {}
        self._recent_bands: list[np.ndarray] = []
        self._recent_handles: list[int] = []
        self._handle_of: dict[bytes, int] = {}
        self._key_of: list[bytes | None] = []  # by handle; None: free or dead
        self._alive = np.zeros(0, dtype=bool)  # by handle
        self._dead: list[int] = []  # removed since the last merge: reusable after it
        self._free: list[int] = []

    def __len__(self) -> int:
        return len(self._handle_of)

    def band_keys(self, hashvalues: np.ndarray) -> tuple[np.ndarray, list[int]]:
        """One 64-bit key per band, a hash of the band's ``r`` values and of its number; as an
        array (for the sorted arrays) and a list (for the dict)."""
        bands = hashvalues[: self.b * self.r].reshape(self.b, self.r).astype(np.uint64)
        # a linear mix (matmul wraps modulo 2**64): two different bands of random MinHash values
        # collide with probability about 2**-64, which is all the LSH needs
        mixed = bands @ _row_multipliers(self.r)
        mixed += _band_salts(self.b)
        return mixed, mixed.tolist()

    def candidates(self, bands: tuple[np.ndarray, list[int]]) -> set[bytes]:
        """The keys sharing a bucket with ``bands`` (``band_keys``), dead ones left out."""
        key_of = self._key_of
        return {key_of[h] for h in self.candidate_handles(bands).tolist()}

    def candidate_handles(self, bands: tuple[np.ndarray, list[int]]) -> np.ndarray:
        """The live handles sharing a bucket with ``bands``, each once, ascending: what
        ``candidates`` gives, before the handles become keys (``key``)."""
        handles = self._merged_hits(bands[0])
        recent = self._recent
        extra: list[int] = []
        for band in recent.keys() & bands[1]:  # C-level lookups; hits are rare
            value = recent[band]
            if type(value) is list:
                extra.extend(value)
            else:
                extra.append(value)
        if extra:
            more = np.array(extra, dtype=np.uint32)
            handles = np.concatenate((handles, more[self._alive[more]]))
        return distinct(handles) if len(handles) > 1 else handles

    def handle(self, key: bytes) -> int | None:
        """The handle of ``key`` while it is in this index (a removed key's is reused later)."""
        return self._handle_of.get(key)

    def key(self, handle: int) -> bytes | None:
        """The key of a live handle (None for a free or dead one)."""
        return self._key_of[handle]

    def add(self, key: bytes, bands: tuple[np.ndarray, list[int]], session: Any = None) -> None:
        """File ``key`` under ``bands`` (``band_keys``). Adding a key twice is an error.

        Raises:
            ValueError: ``key`` is already in this index.
        """
        if key in self._handle_of:
            raise ValueError(f"{key!r} is already in this LSH index")
        handle = self._new_handle(key)
        recent = self._recent
        shared = {band: recent[band] for band in recent.keys() & bands[1]}
        recent.update(dict.fromkeys(bands[1], handle))
        for band, value in shared.items():  # the bucket has a recent article already: keep both
            recent[band] = [*value, handle] if type(value) is list else [value, handle]
        self._recent_bands.append(bands[0])
        self._recent_handles.append(handle)
        pairs = len(self._recent_handles) * self.b
        if pairs >= max(MERGE_MIN, int(len(self._keys) * MERGE_SHARE)):
            self._merge()

    def discard(self, keys: Sequence[bytes]) -> None:
        """Remove ``keys``: their pairs are skipped from now on and dropped at the next merge."""
        for key in keys:
            handle = self._handle_of.pop(key, None)
            if handle is not None:
                self._key_of[handle] = None
                self._alive[handle] = False
                self._dead.append(handle)
        if not self._handle_of:
            self._reset()

    @contextmanager
    def insertion_session(self) -> Iterator[None]:
        """Nothing to batch in memory: ``add`` is already cheap."""
        yield None

    def _new_handle(self, key: bytes) -> int:
        if self._free:
            handle = self._free.pop()
            self._key_of[handle] = key
        else:
            handle = len(self._key_of)
            self._key_of.append(key)
            if handle >= len(self._alive):
                grown = np.zeros(max(1024, 2 * len(self._alive)), dtype=bool)
                grown[: len(self._alive)] = self._alive
                self._alive = grown
        self._alive[handle] = True
        self._handle_of[key] = handle
        return handle

    def _merged_hits(self, bands: np.ndarray) -> np.ndarray:
        """Live handles filed under ``bands`` in the sorted arrays (with repeats)."""
        keys = self._keys
        if not len(keys):
            return _NO_HANDLES
        left = np.searchsorted(keys, bands)
        # past the end means larger than every key: keys[-1] then differs from the band
        hit = keys[np.minimum(left, len(keys) - 1)] == bands
        if not hit.any():
            return _NO_HANDLES
        left = left[hit]
        right = np.searchsorted(keys, bands[hit], side="right")
        if int((right - left).max()) == 1:
            handles = self._handles[left]
        else:  # a bucket with several articles (copies): take every pair of it
            handles = np.concatenate(
                [self._handles[i:j] for i, j in zip(left.tolist(), right.tolist(), strict=True)]
            )
        return handles[self._alive[handles]]

    def _merge(self) -> None:
        """Merge the recent pairs into the sorted arrays, dropping dead pairs; free dead handles."""
        new_keys = np.concatenate(self._recent_bands)
        new_handles = np.repeat(np.array(self._recent_handles, dtype=np.uint32), self.b)
        live = self._alive[new_handles]
        new_keys, new_handles = new_keys[live], new_handles[live]
        order = np.argsort(new_keys, kind="stable")
        new_keys, new_handles = new_keys[order], new_handles[order]
        keys, handles = self._keys, self._handles
        if self._dead:
            live = self._alive[handles]
            keys, handles = keys[live], handles[live]
        at = np.searchsorted(keys, new_keys)
        self._keys = np.insert(keys, at, new_keys)
        self._handles = np.insert(handles, at, new_handles)
        self._recent = {}
        self._recent_bands = []
        self._recent_handles = []
        self._free.extend(self._dead)
        self._dead = []

    def _reset(self) -> None:
        """Forget everything (the index is empty): no memory is kept for the dead."""
        self.__init__(self.b * self.r, (self.b, self.r))


@lru_cache(maxsize=8)
def _row_multipliers(rows: int) -> np.ndarray:
    """Odd 64-bit multipliers that mix a band's ``rows`` values into one key."""
    return _GOLDEN ** np.arange(rows, 0, -1, dtype=np.uint64) | np.uint64(1)


@lru_cache(maxsize=8)
def _band_salts(bands: int) -> np.ndarray:
    """A distinct 64-bit offset per band, so that equal values in two bands are two keys."""
    return (np.arange(1, bands + 1, dtype=np.uint64) * _MIX) ^ _GOLDEN


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct ``values``, ascending: a sort and one comparison (``np.unique`` hashes, and
    is three to five times slower on a query's few hundred handles)."""
    ordered = np.sort(values)
    keep = np.ones(len(ordered), dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]
