from __future__ import annotations

import random

import numpy as np
import pytest

from dedup import lsh as lsh_module
from dedup.lsh import MemoryLSH


def _values(rng: np.random.Generator) -> np.ndarray:
    return rng.integers(0, 2**32, 128, dtype=np.uint64).astype(np.uint32)


def test_shared_band_makes_a_candidate_and_no_shared_band_none():
    lsh = MemoryLSH(128, (42, 3))
    values = _values(np.random.default_rng(1))
    lsh.add(b"a", lsh.band_keys(values))
    one_band = values.copy()
    one_band[3:] += 1  # only the first band (rows 0-2) stays
    assert lsh.candidates(lsh.band_keys(one_band)) == {b"a"}
    assert lsh.candidates(lsh.band_keys(values + 1)) == set()


def test_equal_values_in_different_bands_are_different_buckets():
    lsh = MemoryLSH(128, (42, 3))
    values = np.zeros(128, dtype=np.uint32)
    values[:3] = [1, 2, 3]
    lsh.add(b"a", lsh.band_keys(values))
    moved = np.zeros(128, dtype=np.uint32) + 9
    moved[3:6] = [1, 2, 3]  # band 1 holds what band 0 held
    assert lsh.candidates(lsh.band_keys(moved)) == set()


@pytest.mark.parametrize("merge_min", [8, 100_000])
def test_random_adds_and_discards_answer_as_a_plain_bucket_index(monkeypatch, merge_min):
    """Merged or still recent, copies or not, removed or re-added: the same candidates as a
    dict of sets of band tuples (what datasketch keeps)."""
    monkeypatch.setattr(lsh_module, "MERGE_MIN", merge_min)
    rng, pick = np.random.default_rng(7), random.Random(7)
    lsh = MemoryLSH(128, (42, 3))
    buckets: dict[tuple, set[bytes]] = {}
    bands_of: dict[bytes, list[tuple]] = {}
    pool = [_values(rng) for _ in range(40)]
    for step in range(600):
        if bands_of and pick.random() < 0.4:
            gone = pick.sample(sorted(bands_of), k=min(len(bands_of), pick.randint(1, 3)))
            lsh.discard(gone)
            for key in gone:
                for band in bands_of.pop(key):
                    buckets[band].discard(key)
            continue
        values = pick.choice(pool).copy()
        values[pick.randrange(128)] ^= 1  # most bands copied: full buckets
        key = f"k{step}".encode()
        lsh.add(key, lsh.band_keys(values))
        bands_of[key] = [(i, *values[3 * i : 3 * i + 3].tolist()) for i in range(42)]
        for band in bands_of[key]:
            buckets.setdefault(band, set()).add(key)
        probe = pick.choice(pool)
        expected = set().union(
            *(buckets.get((i, *probe[3 * i : 3 * i + 3].tolist()), set()) for i in range(42))
        )
        assert lsh.candidates(lsh.band_keys(probe)) == expected
        handles = lsh.candidate_handles(lsh.band_keys(probe)).tolist()
        assert handles == sorted(set(handles))
        assert {lsh.key(h) for h in handles} == expected
        assert all(lsh.handle(lsh.key(h)) == h for h in handles)
    assert len(lsh) == len(bands_of)


def test_discarding_everything_frees_the_tables():
    lsh = MemoryLSH(128, (42, 3))
    values = _values(np.random.default_rng(3))
    lsh.add(b"a", lsh.band_keys(values))
    lsh.discard([b"a", b"unknown"])
    assert len(lsh) == 0 and lsh.candidates(lsh.band_keys(values)) == set()
    lsh.add(b"a", lsh.band_keys(values))  # the same key may come back
    assert lsh.candidates(lsh.band_keys(values)) == {b"a"}


def test_handles_name_the_live_keys_and_are_reused_only_after_a_merge(monkeypatch):
    monkeypatch.setattr(lsh_module, "MERGE_MIN", 1)
    lsh = MemoryLSH(128, (42, 3))
    values = _values(np.random.default_rng(4))
    lsh.add(b"a", lsh.band_keys(values))
    lsh.add(b"b", lsh.band_keys(values))
    a = lsh.handle(b"a")
    lsh.discard([b"a"])
    assert lsh.handle(b"a") is None and lsh.key(a) is None
    assert lsh.candidate_handles(lsh.band_keys(values)).tolist() == [lsh.handle(b"b")]
    lsh.add(b"c", lsh.band_keys(values + 1))  # merges: a's handle is free for the next add
    lsh.add(b"d", lsh.band_keys(values + 1))
    assert lsh.handle(b"d") == a and lsh.key(a) == b"d"
    assert lsh.candidates(lsh.band_keys(values)) == {b"b"}
