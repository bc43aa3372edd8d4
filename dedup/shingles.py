"""Word shingles of a normalised text, hashed in bulk.

Every word is hashed once with xxhash (XXH3, 64 bits); a shingle's hash is a position-weighted
sum of its words' hashes, computed for all shingles at once with numpy and folded to the 32 bits
the ``affine32`` MinHash scheme takes. Shingles stay inside one line, so reordered paragraphs
give the same set; a line shorter than the shingle size is one shingle.

Per line, ``Shingles`` also keeps a hash of the whole line and its number of shingles: the
clusterer uses them to discount lines that one outlet repeats in many articles (boilerplate).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain

import numpy as np
import xxhash

from dedup.normalize import word_lines

# The lead (what an excerpt copies) starts at the first line with at least this many words, so
# that short header lines (kicker, photo credit, "Source: ...") do not shift it; and it is this
# many shingles long. Set by bench/eval_quality.py (recall on the excerpt cases).
LEAD_MIN_LINE_WORDS = 8
LEAD_SHINGLES = 50

# Odd 64-bit multipliers, one per position in a shingle (fixed: changing them changes every
# signature; bump TOKENIZER_VERSION in dedup/normalize.py then).
_POSITION_MULTIPLIERS = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
     0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9],
    dtype=np.uint64,
)  # fmt: skip
_SHIFT_32 = np.uint64(32)


@dataclass(frozen=True, slots=True)
class Shingles:
    """The hashed shingles of one text.

    Attributes:
        hashes: 32-bit hash of every shingle, in text order (repeats included).
        lead: where the lead's shingles are in ``hashes`` (see ``LEAD_SHINGLES``).
        line_hashes: 64-bit hash of each non-empty normalised line, in text order.
        line_sizes: number of shingles of each of those lines.
    """

    hashes: np.ndarray
    lead: slice
    line_hashes: np.ndarray
    line_sizes: np.ndarray


def shingle(text: str, size: int) -> Shingles:
    """Normalise ``text`` and hash its word shingles of ``size`` words.

    Args:
        text: the article body; lines or paragraphs separated by line breaks.
        size: words per shingle.

    Returns:
        The hashed shingles, the lead and the per-line hashes and sizes.

    Example:
        >>> s = shingle("One two three four.\\n\\nFive", 3)
        >>> len(s.hashes), s.line_sizes.tolist()
        (3, [2, 1])
        >>> bool(shingle("ONE two, three", 3).hashes[0] == s.hashes[0])
        True
    """
    lines = word_lines(text)
    if not lines:
        empty = np.zeros(0, dtype=np.uint32)
        return Shingles(empty, slice(0, 0), np.zeros(0, dtype=np.uint64), empty)
    lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    count = int(lengths.sum())
    word_hashes = _hash_all(chain.from_iterable(lines))
    if int(lengths.min()) >= size:  # the usual case: windows start anywhere but at a line's end
        padded = word_hashes
        valid = np.ones(count - size + 1, dtype=bool)
        inner_ends = np.cumsum(lengths)[:-1]  # the last line's end is past every start
        for back in range(1, size):
            valid[inner_ends - back] = False
        starts = np.flatnonzero(valid)
    else:
        # Lay the lines out with size-1 zeros after each, so that a window never mixes two lines
        # and a line shorter than `size` gives one (shorter) shingle.
        line_starts = np.cumsum(lengths) - lengths
        in_line = np.arange(count) - np.repeat(line_starts, lengths)
        slot = np.arange(count) + np.repeat(np.arange(len(lines)) * (size - 1), lengths)
        padded = np.zeros(count + len(lines) * (size - 1), dtype=np.uint64)
        padded[slot] = word_hashes
        starts = slot[in_line <= np.repeat(np.maximum(lengths - size, 0), lengths)]
    combined = padded[starts] * _POSITION_MULTIPLIERS[0]
    for offset in range(1, size):
        combined += padded[starts + offset] * _POSITION_MULTIPLIERS[offset]
    hashes = ((combined >> _SHIFT_32) ^ combined).astype(np.uint32)
    line_sizes = np.maximum(lengths - size + 1, 1).astype(np.uint32)
    line_hashes = _hash_all(map(b" ".join, lines))
    start = _lead_start(lengths, line_sizes)
    return Shingles(hashes, slice(start, start + LEAD_SHINGLES), line_hashes, line_sizes)


def _lead_start(lengths: np.ndarray, line_sizes: np.ndarray) -> int:
    """Index of the first shingle of the first line long enough to start the lead."""
    long_lines = np.flatnonzero(lengths >= LEAD_MIN_LINE_WORDS)
    first = int(long_lines[0]) if len(long_lines) else 0
    return int(line_sizes[:first].sum())


def _hash_all(items: Iterable[bytes]) -> np.ndarray:
    """xxh3_64 of each item, as uint64 (joining digests avoids numpy's slow big-int conversion)."""
    return np.frombuffer(b"".join(map(xxhash.xxh3_64_digest, items)), dtype=">u8").astype(np.uint64)
