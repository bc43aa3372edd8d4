"""XXH3-64 (seed 0) of many short byte strings at once, with numpy: the same values as
``xxhash.xxh3_64_intdigest``, without a Python call per string.

``signatures`` (dedup/signature.py) hashes every word of a batch of articles in one buffer with
it: a Python call per word (``map(xxhash.xxh3_64_digest, words)``, plus making the word's bytes
object) costs about 580 instructions a word (callgrind). Strings of 1-128 bytes (words) take
XXH3's short paths, written out below after xxhash.h (0.8); longer or empty ones are hashed
with ``xxhash`` one by one. tests/dedup/test_xxh3.py checks every length against ``xxhash``.
"""

from __future__ import annotations

import numpy as np
import xxhash

# The first 128 bytes of XXH3's default secret (kSecret), all the short paths read.
_SECRET = bytes.fromhex(
    "b8fe6c3923a44bbe7c01812cf721ad1cded46de9839097db7240a4a4b7b3671f"
    "cb79e64eccc0e578825ad07dccff7221b8084674f743248ee03590e6813a264c"
    "3c2852bb91c300cb88d0658b1b532ea371644897a20df94e3819ef46a9deacd8"
    "a8fa763fe39c343ff9dcbbc7c70b4f1d8a51e04bcdb45931c89f7ec9d9787364"
)
_U64 = np.uint64
_M32 = _U64(0xFFFFFFFF)
_PRIME64_1 = _U64(0x9E3779B185EBCA87)
_PRIME64_2 = _U64(0xC2B2AE3D27D4EB4F)
_PRIME64_3 = _U64(0x165667B19E3779F9)
_PRIME_MX1 = _U64(0x165667919E3779F9)
_PRIME_MX2 = _U64(0x9FB21C651E98DF25)
# Bytes of padding before and after the strings, so that every 8-byte read is inside the buffer.
PAD = 16


def _s32(offset: int) -> int:
    return int.from_bytes(_SECRET[offset : offset + 4], "little")


def _s64(offset: int) -> int:
    return int.from_bytes(_SECRET[offset : offset + 8], "little")


_FLIP_1TO3 = _U64(_s32(0) ^ _s32(4))
_FLIP_4TO8 = _U64(_s64(8) ^ _s64(16))
_FLIP_9TO16 = (_U64(_s64(24) ^ _s64(32)), _U64(_s64(40) ^ _s64(48)))
# The 16-byte mixes of 17-128 bytes: (length above which it applies, offset from the start or,
# if negative, from the end, secret offset).
_MIXES = ((0, 0, 0), (0, -16, 16), (32, 16, 32), (32, -32, 48), (64, 32, 64), (64, -48, 80),
          (96, 48, 96), (96, -64, 112))  # fmt: skip
_MIX_SECRETS = np.array([[_s64(s), _s64(s + 8)] for _, _, s in _MIXES], dtype=np.uint64)


def xxh3_64(padded: bytes, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """XXH3-64 of the strings ``padded[start : start + length]``.

    Args:
        padded: the bytes, with ``PAD`` bytes (any) before the first string and after the last.
        starts: where each string starts in ``padded`` (int64).
        lengths: the length of each (int64).

    Returns:
        One uint64 hash per string.

    Example:
        >>> data = b" " * PAD + b"one two" + b" " * PAD
        >>> hashes = xxh3_64(data, np.array([PAD, PAD + 4]), np.array([3, 3]))
        >>> hashes.tolist() == [xxhash.xxh3_64_intdigest(w) for w in (b"one", b"two")]
        True
    """
    u8 = np.frombuffer(padded, dtype=np.uint8)
    # an unaligned little-endian 64-bit read at every byte offset (a view, no copy)
    words = np.ndarray(shape=(len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))
    out = np.empty(len(starts), dtype=np.uint64)
    lengths_u = lengths.astype(np.uint64)

    small = np.flatnonzero((lengths >= 1) & (lengths <= 3))
    if len(small):
        s, n = starts[small], lengths[small]
        c1 = u8[s].astype(np.uint64)
        c2 = u8[s + (n >> 1)].astype(np.uint64)
        c3 = u8[s + n - 1].astype(np.uint64)
        combined = (c1 << _U64(16)) | (c2 << _U64(24)) | c3 | (lengths_u[small] << _U64(8))
        out[small] = _xxh64_avalanche(combined ^ _FLIP_1TO3)

    mid = np.flatnonzero((lengths >= 4) & (lengths <= 8))
    if len(mid):
        s, n = starts[mid], lengths[mid]
        low = words[s] & _M32
        high = words[s + n - 4] & _M32
        out[mid] = _rrmxmx((high + (low << _U64(32))) ^ _FLIP_4TO8, lengths_u[mid])

    nine = np.flatnonzero((lengths >= 9) & (lengths <= 16))
    if len(nine):
        s, n = starts[nine], lengths[nine]
        low = words[s] ^ _FLIP_9TO16[0]
        high = words[s + n - 8] ^ _FLIP_9TO16[1]
        acc = lengths_u[nine] + low.byteswap() + high + _mul128_fold64(low, high)
        out[nine] = _avalanche(acc)

    long = np.flatnonzero((lengths >= 17) & (lengths <= 128))
    if len(long):
        s, n = starts[long], lengths[long]
        owner, positions, mix = [], [], []
        for number, (above, offset, _) in enumerate(_MIXES):
            chosen = np.flatnonzero(n > above) if above else np.arange(len(long))
            owner.append(chosen)
            positions.append(s[chosen] + (offset if offset >= 0 else n[chosen] + offset))
            mix.append(np.full(len(chosen), number))
        owner_all, position, mix_all = map(np.concatenate, (owner, positions, mix))
        secrets = _MIX_SECRETS[mix_all]
        mixed = _mul128_fold64(words[position] ^ secrets[:, 0], words[position + 8] ^ secrets[:, 1])
        acc = lengths_u[long] * _PRIME64_1
        np.add.at(acc, owner_all, mixed)
        out[long] = _avalanche(acc)

    rest = np.flatnonzero((lengths < 1) | (lengths > 128))
    for i in rest.tolist():
        start = int(starts[i])
        out[i] = xxhash.xxh3_64_intdigest(padded[start : start + int(lengths[i])])
    return out


def _xxh64_avalanche(h: np.ndarray) -> np.ndarray:
    h ^= h >> _U64(33)
    h *= _PRIME64_2
    h ^= h >> _U64(29)
    h *= _PRIME64_3
    h ^= h >> _U64(32)
    return h


def _rrmxmx(h: np.ndarray, length: np.ndarray) -> np.ndarray:
    h ^= ((h << _U64(49)) | (h >> _U64(15))) ^ ((h << _U64(24)) | (h >> _U64(40)))
    h *= _PRIME_MX2
    h ^= (h >> _U64(35)) + length
    h *= _PRIME_MX2
    h ^= h >> _U64(28)
    return h


def _avalanche(h: np.ndarray) -> np.ndarray:
    h ^= h >> _U64(37)
    h *= _PRIME_MX1
    h ^= h >> _U64(32)
    return h


def _mul128_fold64(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The 128-bit product of ``a`` and ``b``, its two halves XORed (in 32-bit pieces)."""
    a_lo, a_hi = a & _M32, a >> _U64(32)
    b_lo, b_hi = b & _M32, b >> _U64(32)
    lo_lo = a_lo * b_lo
    hi_lo = a_hi * b_lo
    lo_hi = a_lo * b_hi
    cross = (lo_lo >> _U64(32)) + (hi_lo & _M32) + lo_hi
    upper = (hi_lo >> _U64(32)) + (cross >> _U64(32)) + a_hi * b_hi
    lower = (cross << _U64(32)) | (lo_lo & _M32)
    return lower ^ upper
