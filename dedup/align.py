"""Sentence alignment: a copy that keeps a text's sentences in order, with its words swapped.

Word shingles do not see a machine-spun copy (synonym swaps, the same sentences in the same
order, names and numbers kept: 0.02-0.35 of its shingles in the source) nor a paraphrase that
follows the source sentence by sentence. Their sentences still share most of their content
words. So each text keeps, per sentence, the 16-bit hashes of its content words (stop words and
words of one or two letters out), and a small MinHash of all its content words (the candidates:
a spun copy shares 0.2-0.7 of them, bench/eval_real.py's tuning set).

A pair *aligns* when, of the text with fewer content words, sentences holding most of those
words each find a sentence of the other that contains at least ``SENTENCE_MATCH`` of their
words, and those matches keep their order (the longest non-decreasing run of matched
positions): an independent write-up sharing a quote or a background paragraph matches a
sentence or two, out of order or in a short text. Plain data in and out; no index here.
"""

from __future__ import annotations

from itertools import chain
from typing import NamedTuple

import numpy as np

from dedup.normalize import normalized_bytes
from dedup.shingles import _hash_all

# A sentence of fewer words (after normalisation) is not aligned: captions, bylines, datelines.
SENTENCE_MIN_WORDS = 6
# A sentence matches one of the other text when this share of its content words is in it: a
# synonym swap keeps names, numbers and half the other words (tuning set: spun pairs' matched
# sentences share 0.5-0.9; unrelated sentences of one event 0.1-0.3).
SENTENCE_MATCH = 0.4
# A pair links when the order-keeping matched sentences hold this share of the shorter text's
# content words (tuning set: spun and paraphrased copies 0.6-0.7; hard negatives with 8 or more
# sentences 0.49 at most; short ones up to 0.71, hence the two floors below).
ALIGN_SHARE = 0.58
# ... and the shorter text has at least this many content words and sentences:
# a short write-up sharing two quotes has too few sentences to tell copy from coincidence.
ALIGN_MIN_WORDS = 100
ALIGN_MIN_SENTENCES = 8
# At most this many sentences are kept (a 16-bit word count each; the record stays small).
MAX_SENTENCES = 255
# The content-word MinHash: permutations, and the LSH banding (16 bands of 2 rows: a pair
# sharing 0.25 of its content words is a candidate with probability 0.64, at 0.35 0.88).
WORD_PERM = 32
WORD_BANDS = (16, 2)
_SEED = 0x5EED

_BREAKS = ".!?…;"
_STOP_WORDS = frozenset(
    "the and for with from that this its has have had will would not but his her their our "
    "than which who also after over into about said says more are was were been they she you "
    "его она они это что как так для при или его ее уже был была были было будет также этом "
    "этот эти того чем где когда после через который которые которая года году".encode().split()
)  # fmt: skip


class Sentences(NamedTuple):
    """The content words of a text's sentences.

    Attributes:
        words: the distinct 16-bit hashes of each sentence's content words, sorted within a
            sentence, sentences in text order (uint16); a number's has the top bit set.
        sizes: how many of ``words`` each sentence has (uint8 counts, at most 255).
        minhash: ``WORD_PERM`` MinHash values (uint32) of the set of all content words.
    """

    words: np.ndarray
    sizes: np.ndarray
    minhash: np.ndarray


_NUMBER = 0x8000
# a text without aligned sentences, or a signature made without ``DedupConfig.align``
EMPTY = Sentences(np.zeros(0, np.uint16), np.zeros(0, np.uint8), np.zeros(0, np.uint32))
_STOP_HASHES = np.sort(_hash_all(sorted(_STOP_WORDS)))
_rng = np.random.RandomState(_SEED)
_A = (_rng.randint(0, 1 << 31, WORD_PERM).astype(np.uint64) * 2 + 1)[:, None]
_B = _rng.randint(0, 1 << 31, WORD_PERM).astype(np.uint64)[:, None]


def sentences(text: str) -> Sentences:
    """The ``Sentences`` of ``text``.

    Example:
        >>> s = sentences("Floods closed the mountain road to Naryn on Monday morning. Ok.")
        >>> s.sizes.tolist()  # floods closed mountain road naryn monday morning
        [7]
    """
    # sentence marks become line breaks before normalisation (which makes them spaces); a
    # decimal point or an abbreviation splits a sentence too, the same way in every copy
    for mark in _BREAKS:  # str.replace: a fast scan each (str.translate is ten times slower)
        if mark in text:
            text = text.replace(mark, "\n")
    lines = [line.split() for line in normalized_bytes(text).split(b"\n")]
    counts = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    flat = list(chain.from_iterable(lines))
    if not flat:
        return EMPTY
    hashes = _hash_all(flat)
    sentence = np.repeat(np.arange(len(lines)), counts)
    # content words of the sentences of SENTENCE_MIN_WORDS words: not stop words, nor of one
    # or two letters (bytes: a Cyrillic letter is two), at most 255 a sentence (uint8 counts)
    keep = (
        (counts >= SENTENCE_MIN_WORDS)[sentence]
        & (np.fromiter(map(len, flat), dtype=np.int64, count=len(flat)) > 2)
        & ~np.isin(hashes, _STOP_HASHES)
    )
    kept_lines = np.unique(sentence[keep])[:MAX_SENTENCES]
    keep &= np.isin(sentence, kept_lines)
    if not keep.any():
        return EMPTY
    index = np.flatnonzero(keep)
    rank = np.arange(len(index)) - np.repeat(
        np.searchsorted(sentence[index], kept_lines), np.bincount(sentence[index])[kept_lines]
    )
    index = index[rank < 255]
    # a number's 16-bit value has the top bit set, any other word's is clear (``aligned``):
    # the words with a digit, found on their bytes laid end to end
    joined = np.frombuffer(b" ".join(flat), dtype=np.uint8)
    digit = (joined >= 48) & (joined <= 57)
    top = (hashes >> np.uint64(49)).astype(np.uint32)
    if digit.any():
        owner = np.cumsum(joined == 32)
        top[np.bincount(owner[digit], minlength=len(flat)) > 0] |= _NUMBER
    # each sentence's distinct values, sorted, in one sort: (sentence, value) as one key
    renumbered = np.searchsorted(kept_lines, sentence[index]).astype(np.uint32)
    keys = np.unique(top[index] | (renumbered << 16))
    sizes = np.bincount(keys >> 16, minlength=len(kept_lines)).astype(np.uint8)
    hashes = hashes[index]
    distinct = np.unique(hashes & np.uint64(0xFFFFFFFF))
    permuted = (_A * distinct[None, :] + _B) & np.uint64(0xFFFFFFFF)
    return Sentences(
        (keys & 0xFFFF).astype(np.uint16), sizes, permuted.min(axis=1).astype(np.uint32)
    )


def word_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """The estimated Jaccard similarity of two texts' content words (their ``minhash``)."""
    return float(np.count_nonzero(a == b)) / len(a) if len(a) else 0.0


def aligned(
    a_words: np.ndarray, a_sizes: np.ndarray, b_words: np.ndarray, b_sizes: np.ndarray
) -> tuple[float, int, int]:
    """How well the text with fewer content words aligns with the other, sentence by sentence.

    Returns:
        The share of its content words in order-keeping matched sentences, its content words
        and its sentences.

    Example:
        >>> a = sentences("One river rose two metres near Osh on Monday night.")
        >>> aligned(a.words, a.sizes, a.words, a.sizes)
        (1.0, 9, 1)
    """
    if len(a_words) > len(b_words):
        a_words, a_sizes, b_words, b_sizes = b_words, b_sizes, a_words, a_sizes
    total = len(a_words)
    if not total or not len(b_words):
        return 0.0, total, 0
    # overlap[i, j]: words of a's sentence i found in b's sentence j (one search per a word)
    rows_a, rows_b = len(a_sizes), len(b_sizes)
    b_owner = np.repeat(np.arange(rows_b), b_sizes.astype(np.int64))
    a_owner = np.repeat(np.arange(rows_a), a_sizes.astype(np.int64))
    order = np.argsort(b_words, kind="stable")
    sorted_b = b_words[order]
    lo = np.searchsorted(sorted_b, a_words, side="left")
    hits = np.searchsorted(sorted_b, a_words, side="right") - lo
    found = int(hits.sum())
    if not found:
        return 0.0, total, rows_a
    at = np.repeat(lo - np.cumsum(hits) + hits, hits) + np.arange(found)
    cells = np.repeat(a_owner, hits) * rows_b + b_owner[order[at]]
    overlap = np.bincount(cells, minlength=rows_a * rows_b).reshape(rows_a, rows_b)
    best = overlap.argmax(axis=1)
    matched = overlap[np.arange(rows_a), best] >= SENTENCE_MATCH * a_sizes
    # a sentence with numbers matches only one that shares one of them: a template sentence of
    # another story (the same words, other figures) is not a copy of it
    number = a_words >= _NUMBER
    if number.any():
        has_numbers = np.bincount(a_owner[number], minlength=rows_a) > 0
        shared = np.bincount(cells[np.repeat(number, hits)], minlength=rows_a * rows_b)
        matched &= ~has_numbers | (shared.reshape(rows_a, rows_b)[np.arange(rows_a), best] > 0)
    weights, positions = a_sizes[matched].tolist(), best[matched].tolist()
    return _heaviest_run(positions, weights, rows_b) / total, total, rows_a


def _heaviest_run(positions: list[int], weights: list[int], size: int) -> int:
    """The largest total weight of a non-decreasing subsequence of ``positions`` (each in
    ``range(size)``): one pass with a Fenwick tree of the best total ending at each position."""
    tree = [0] * (size + 1)
    best = 0
    for pos, weight in zip(positions, weights, strict=True):
        prior, i = 0, pos + 1
        while i > 0:  # the best run ending at a position <= pos
            prior = max(prior, tree[i])
            i -= i & -i
        total = prior + weight
        best = max(best, total)
        i = pos + 1
        while i <= size:
            tree[i] = max(tree[i], total)
            i += i & -i
    return best


def aligns(share: float, words: int, count: int) -> bool:
    """Whether ``aligned``'s result (share, words, sentences) links the pair."""
    return share >= ALIGN_SHARE and words >= ALIGN_MIN_WORDS and count >= ALIGN_MIN_SENTENCES
