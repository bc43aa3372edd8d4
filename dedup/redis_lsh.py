"""``RedisLSH``: datasketch's ``MinHashLSH`` on its Redis storage, driven in pipelines.

Imported only by ``RedisStore.lsh``: datasketch imports scipy, which costs most of a second of
start-up that ``newsmon cluster`` and the in-memory store do not need.

The pipelined writes call the insert and remove steps of datasketch's Redis storages, which are
not public: :data:`VERIFIED_DATASKETCH` lists the versions tests/dedup/test_storage.py checked
(a test fails on any other, and pyproject.toml keeps datasketch below 3).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from datasketch import MinHashLSH

from dedup.lsh import LSH

VERIFIED_DATASKETCH = frozenset({"2.0.0"})


class RedisLSH(MinHashLSH, LSH):
    """datasketch's ``MinHashLSH`` on Redis, fed with the band keys of a signature made in one
    numpy call (datasketch makes them band by band), with each query, insert and removal sent as
    a few pipelines instead of several round trips per band.

    The keys and the data layout are datasketch's own: an index written here answers a plain
    ``MinHashLSH`` with the same storage config, and the other way round.
    """

    def band_keys(self, hashvalues: np.ndarray) -> list[bytes]:
        """The bucket key of each band: what ``MinHashLSH`` computes for it."""
        raw = hashvalues[: self.b * self.r].reshape(self.b, self.r).byteswap().tobytes()
        width = 4 * self.r
        return [raw[i * width : (i + 1) * width] for i in range(self.b)]

    def candidates(self, bands: list[bytes]) -> set[bytes]:
        """The keys sharing a band (``band_keys``) with a signature (``MinHashLSH.query``)."""
        found: set[bytes] = set()
        pipe = self._redis.pipeline(transaction=False)
        for key, table in zip(bands, self.hashtables, strict=True):
            pipe.smembers(table.redis_key(key))
        for members in pipe.execute():
            found.update(members)
        return found

    def add(self, key: bytes, bands: list[bytes], session: Any = None) -> None:
        """Insert ``key`` with its ``band_keys`` (``MinHashLSH.insert`` without its duplicate
        check, or into an insertion ``session``)."""
        if session is not None:
            self.keys.insert(key, *bands, buffer=True)
            for band, table in zip(bands, self.hashtables, strict=True):
                table.insert(band, key, buffer=True)
            return
        pipe = self._redis.pipeline(transaction=True)
        self.keys._insert(pipe, key, *bands)
        for band, table in zip(bands, self.hashtables, strict=True):
            table._insert(pipe, band, key)
        pipe.execute()

    def discard(self, keys: Sequence[bytes]) -> None:
        """Remove ``keys`` and their emptied buckets (``MinHashLSH.remove``)."""
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
    def _redis(self) -> Any:
        # datasketch's Redis storages each hold a client of the same server
        return self.keys._redis
