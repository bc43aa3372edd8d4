"""``xxh3_64``: numpy XXH3 of many strings, equal to ``xxhash`` for every length."""

from __future__ import annotations

import random

import numpy as np
import xxhash
from hypothesis import given
from hypothesis import strategies as st

from dedup.xxh3 import PAD, xxh3_64


def _hash(strings: list[bytes], fill: bytes = b"\xff") -> list[int]:
    padded = fill * PAD + b"".join(strings) + fill * PAD
    lengths = np.array([len(s) for s in strings], dtype=np.int64)
    starts = PAD + np.cumsum(lengths) - lengths
    return xxh3_64(padded, starts, lengths).tolist()


def test_every_length_up_to_300_equals_xxhash():
    rng = random.Random(1)
    strings = [bytes(rng.randrange(256) for _ in range(n)) for n in range(301) for _ in range(8)]
    assert _hash(strings) == [xxhash.xxh3_64_intdigest(s) for s in strings]
    assert _hash(strings, fill=b"\x00") == [xxhash.xxh3_64_intdigest(s) for s in strings]


@given(st.lists(st.binary(max_size=140), max_size=40))
def test_any_strings_equal_xxhash(strings):
    assert _hash(strings) == [xxhash.xxh3_64_intdigest(s) for s in strings]


def test_no_strings():
    assert _hash([]) == []
