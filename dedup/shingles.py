"""Word shingles of a normalised text, hashed in bulk.

Every word is hashed once with xxhash (XXH3, 64 bits); a shingle's hash is a position-weighted
sum of its words' hashes, computed for all shingles at once with numpy and folded to the 32 bits
the ``affine32`` MinHash scheme takes. Shingles stay inside one line, so reordered paragraphs
give the same set; a line shorter than the shingle size is one shingle.

Per line, ``Shingles`` also keeps a hash of the whole line and its number of shingles: the
clusterer uses them to discount lines that one outlet repeats in many articles (boilerplate).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import xxhash

from dedup.normalize import MARK, normalized_bytes, word_lines
from dedup.xxh3 import PAD, xxh3_64

# The lead (what an excerpt copies) starts at the first line with at least this many words, so
# that short header lines (kicker, photo credit, "Source: ...") do not shift it; and it is this
# many shingles long. Set by bench/eval_quality.py (recall on the excerpt cases).
LEAD_MIN_LINE_WORDS = 8
LEAD_SHINGLES = 50
# A line of fewer words is page chrome for the exact containment of an excerpt (headline, byline,
# "date" line, menu entry, photo credit): copies add, drop and change such lines. Set by
# bench/eval_real.py (the shared dev set) and bench/eval_quality.py.
CONTENT_MIN_WORDS = 8
# Page header chrome: the lines at the top before the first with sentence punctuation (a site's
# menu or tag line, a headline, a "date" or time line), at most this many. They are not content,
# and the lead starts after them.
HEADER_MAX_LINES = 12
_SENTENCE_ENDS = ".!?…"
_WORDY = re.compile(r"[^\W_]")

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
        header: how many of those lines are the page's header chrome (``header_lines``).
    """

    hashes: np.ndarray
    lead: slice
    line_hashes: np.ndarray
    line_sizes: np.ndarray
    header: int = 0


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
        return Shingles(empty, slice(0, 0), np.zeros(0, dtype=np.uint64), empty, 0)
    lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    count = int(lengths.sum())
    word_hashes = _hash_all(chain.from_iterable(lines))
    if int(lengths.min()) >= size:  # the usual case: windows start anywhere but at a line's end
        valid = np.ones(count - size + 1, dtype=bool)
        inner_ends = np.cumsum(lengths)[:-1]  # the last line's end is past every start
        for back in range(1, size):
            valid[inner_ends - back] = False
        hashes = _combine(word_hashes, np.flatnonzero(valid), size)
    else:
        hashes, _ = _layout_lines(word_hashes, lengths, size)
    line_sizes = np.maximum(lengths - size + 1, 1).astype(np.uint32)
    line_hashes = _hash_all(map(b" ".join, lines))
    header = min(header_lines(text), len(lines))
    start = _lead_start(lengths, line_sizes, header)
    return Shingles(hashes, slice(start, start + LEAD_SHINGLES), line_hashes, line_sizes, header)


def header_lines(text: str) -> int:
    """How many non-empty lines at the top of ``text`` come before its first line with sentence
    punctuation (. ! ? …): the page's header chrome. 0 when the first line has, or none of the
    first ``HEADER_MAX_LINES + 1`` has (a text without punctuation has no header).

    Example:
        >>> header_lines("Home News Sport Weather\\nA headline\\nThe dam opened. Water ran.")
        2
    """
    # the first sentence mark (four scans in C), then the lines before its line
    found = [at for mark in _SENTENCE_ENDS if (at := text.find(mark)) >= 0]
    if not found:
        return 0
    before = text[: min(found)].split("\n")[:-1]  # the lines wholly before the mark's line
    count = sum(1 for line in before if _WORDY.search(line))  # a line of no word is no line
    return count if count <= HEADER_MAX_LINES else 0


def _combine(padded: np.ndarray, starts: np.ndarray, size: int) -> np.ndarray:
    """The 32-bit hashes of the shingles of ``size`` words starting at ``starts`` in ``padded``."""
    combined = padded[starts] * _POSITION_MULTIPLIERS[0]
    for offset in range(1, size):
        combined += padded[starts + offset] * _POSITION_MULTIPLIERS[offset]
    return ((combined >> _SHIFT_32) ^ combined).astype(np.uint32)


@dataclass(frozen=True, slots=True)
class ShingleBatch:
    """The shingles of several texts (``shingle_many``), concatenated in text order.

    Attributes:
        hashes: the 32-bit hash of every shingle of every text.
        offsets: text ``i``'s shingles are ``hashes[offsets[i] : offsets[i + 1]]``.
        leads: where text ``i``'s lead starts, relative to its first shingle.
        headers: the header chrome lines of text ``i`` (``header_lines``).
        line_hashes: the 64-bit hash of every non-empty line of every text.
        line_sizes: shingles per line.
        line_offsets: text ``i``'s lines are ``line_offsets[i] : line_offsets[i + 1]``.
        words: with ``shingle_many(..., marks=True)``, the words of every text (``Words``).
    """

    hashes: np.ndarray
    offsets: np.ndarray
    leads: np.ndarray
    line_hashes: np.ndarray
    line_sizes: np.ndarray
    line_offsets: np.ndarray
    headers: np.ndarray
    words: Words | None = None

    def __getitem__(self, i: int) -> Shingles:
        """Text ``i``'s ``Shingles``, as ``shingle`` gives them."""
        start, stop = int(self.offsets[i]), int(self.offsets[i + 1])
        lines = slice(int(self.line_offsets[i]), int(self.line_offsets[i + 1]))
        lead = int(self.leads[i]) if stop > start else 0
        return Shingles(
            self.hashes[start:stop],
            slice(lead, lead + LEAD_SHINGLES),
            self.line_hashes[lines],
            self.line_sizes[lines],
            int(self.headers[i]),
        )


@dataclass(frozen=True, slots=True)
class Words:
    """The words of a ``ShingleBatch``'s texts, in text order, for sentence alignment
    (``dedup.align``).

    Attributes:
        hashes: the 64-bit XXH3 of every word (as ``shingle`` hashes them).
        sizes: each word's length in bytes.
        digits: whether each word has a digit.
        sentences: each word's sentence, numbered across the batch in order, not
            consecutively (a line break or a sentence mark ends a sentence; a text starts a new
            one).
        offsets: text ``i``'s words are ``offsets[i] : offsets[i + 1]``.
    """

    hashes: np.ndarray
    sizes: np.ndarray
    digits: np.ndarray
    sentences: np.ndarray
    offsets: np.ndarray


_PADDING = b" " * PAD


def _single_spaces(data: bytes) -> bytes:
    """``data`` with every run of spaces one space (a regular expression is ten times slower)."""
    while b"  " in data:
        data = data.replace(b"  ", b" ")
    return data


def shingle_many(texts: Sequence[str], size: int, marks: bool = False) -> ShingleBatch:
    """``shingle`` of many texts at once: the same values, with numpy calls per batch instead of
    per text and no Python object per word.

    The texts are normalised one by one, then laid end to end in one buffer (a line break
    between two); words are the runs of bytes above the space, hashed in place (``xxh3_64``,
    the same XXH3 as ``shingle``'s); a line's hash is the XXH3 of its words joined by single
    spaces, which the buffer holds once runs of spaces are one. With ``marks``, the texts are
    normalised once with their sentence marks (``normalized_bytes(marks=True)``) and the batch
    also has its ``Words``.

    Example:
        >>> batch = shingle_many(["One two three four.\\n\\nFive", "", "ONE two, three"], 3)
        >>> [len(batch[i].hashes) for i in range(3)], batch[0].line_sizes.tolist()
        ([3, 0, 1], [2, 1])
        >>> bool(batch[2].hashes[0] == batch[0].hashes[0])
        True
    """
    if marks:
        marked = [normalized_bytes(text, marks=True) for text in texts]
        datas = [_single_spaces(data.replace(MARK, b" ")) for data in marked]
    else:
        datas = [_single_spaces(normalized_bytes(text)) for text in texts]
    count = len(datas)
    padded = b"".join((_PADDING, b"\n".join(datas), _PADDING))
    text_starts = np.cumsum([PAD] + [len(d) + 1 for d in datas[:-1]], dtype=np.int64)
    u8 = np.frombuffer(padded, dtype=np.uint8)
    is_word = u8 > 32  # after normalisation, only spaces and line breaks are at or below it
    edges = np.flatnonzero(is_word[1:] != is_word[:-1]) + 1
    starts, ends = edges[0::2], edges[1::2]
    lengths = ends - starts
    word_hashes = xxh3_64(padded, starts, lengths)
    # the words that start a line: the first, and the first after each line break
    starts_line = np.zeros(len(starts) + 1, dtype=bool)
    starts_line[0] = True
    starts_line[np.searchsorted(starts, np.flatnonzero(u8 == 10))] = True
    first_words = np.flatnonzero(starts_line[:-1])
    line_lengths = np.diff(np.append(first_words, len(starts)))
    last_words = first_words + line_lengths - 1
    line_text = np.searchsorted(text_starts, starts[first_words], side="right") - 1
    line_offsets = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(line_text, minlength=count), out=line_offsets[1:])
    line_hashes = _hash_all(
        [
            padded[a:b]
            for a, b in zip(starts[first_words].tolist(), ends[last_words].tolist(), strict=True)
        ]
    )
    if len(line_lengths):
        hashes, line_sizes = _layout_lines(word_hashes, line_lengths, size)
    else:
        hashes, line_sizes = np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.uint32)
    line_ends = np.cumsum(line_sizes, dtype=np.int64)
    line_firsts = line_ends - line_sizes
    offsets = np.zeros(count + 1, dtype=np.int64)
    offsets[1:] = np.append(0, line_ends)[line_offsets[1:]]
    # the lead starts at each text's first line of LEAD_MIN_LINE_WORDS words, else at its start
    long_lines = np.flatnonzero(line_lengths >= LEAD_MIN_LINE_WORDS)
    firsts = line_offsets[:-1]
    headers = np.minimum(
        np.fromiter(map(header_lines, texts), dtype=np.int64, count=count), np.diff(line_offsets)
    )
    at = np.searchsorted(long_lines, firsts + headers)
    candidate = np.append(long_lines, np.iinfo(np.int64).max)[at]
    lead_lines = np.where(candidate < line_offsets[1:], candidate, firsts)
    leads = np.append(line_firsts, 0)[lead_lines] - offsets[:-1]
    words = None
    if marks:
        word_text = np.repeat(line_text, line_lengths)
        word_offsets = np.zeros(count + 1, dtype=np.int64)
        np.cumsum(np.bincount(word_text, minlength=count), out=word_offsets[1:])
        words = Words(
            word_hashes,
            lengths,
            _with_digit(u8, starts),
            _sentence_of_words(marked, len(starts)),
            word_offsets,
        )
    return ShingleBatch(
        hashes,
        offsets,
        leads,
        line_hashes,
        line_sizes.astype(np.uint32),
        line_offsets,
        headers,
        words,
    )


def _with_digit(u8: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Whether each word (starting at ``starts`` in the bytes ``u8``) has an ASCII digit."""
    found = np.zeros(len(starts), dtype=bool)
    digits = np.flatnonzero((u8 >= 48) & (u8 <= 57))
    found[np.searchsorted(starts, digits, side="right") - 1] = True
    return found


def _sentence_of_words(marked: list[bytes], words: int) -> np.ndarray:
    """The sentence of each word of the texts ``marked`` (``normalized_bytes(marks=True)``),
    numbered across them: a line break, a ``MARK`` and a text's start each begin a sentence.
    The words are those of the texts made one buffer, as ``shingle_many`` finds them."""
    u8 = np.frombuffer(b"".join((b"\n", b"\n".join(marked), b"\n")), dtype=np.uint8)
    is_word = u8 > 32
    starts = np.flatnonzero(is_word[1:] & ~is_word[:-1]) + 1
    if len(starts) != words:  # the two normalisations split words alike (tests/dedup)
        raise AssertionError("sentence marks moved word boundaries")
    return np.searchsorted(np.flatnonzero((u8 == 10) | (u8 == MARK[0])), starts)


def _layout_lines(
    word_hashes: np.ndarray, lengths: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """The shingle hashes of words in lines of ``lengths`` words (each > 0), and the number of
    shingles of each line (a line shorter than ``size`` is one shingle)."""
    count = len(word_hashes)
    line_starts = np.cumsum(lengths) - lengths
    in_line = np.arange(count) - np.repeat(line_starts, lengths)
    slot = np.arange(count) + np.repeat(np.arange(len(lengths)) * (size - 1), lengths)
    padded = np.zeros(count + len(lengths) * (size - 1), dtype=np.uint64)
    padded[slot] = word_hashes
    starts = slot[in_line <= np.repeat(np.maximum(lengths - size, 0), lengths)]
    return _combine(padded, starts, size), np.maximum(lengths - size + 1, 1)


def _lead_start(lengths: np.ndarray, line_sizes: np.ndarray, header: int = 0) -> int:
    """Index of the first shingle of the first line after the ``header`` lines long enough to
    start the lead (else 0)."""
    long_lines = np.flatnonzero(lengths >= LEAD_MIN_LINE_WORDS)
    after = long_lines[long_lines >= header]
    return int(line_sizes[: int(after[0])].sum()) if len(after) else 0


def _hash_all(items: Iterable[bytes]) -> np.ndarray:
    """xxh3_64 of each item, as uint64 (joining digests avoids numpy's slow big-int conversion)."""
    return np.frombuffer(b"".join(map(xxhash.xxh3_64_digest, items)), dtype=">u8").astype(np.uint64)
