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

import re
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

_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])[\"'»”)]*\s+|\n+|(?<=\w[.!?])(?=[A-ZА-ЯЁ])")
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


_DIGITS = b"0123456789"
_NUMBER = 0x8000
_EMPTY_MINHASH = np.full(WORD_PERM, 0xFFFFFFFF, dtype=np.uint32)
_rng = np.random.RandomState(_SEED)
_A = (_rng.randint(0, 1 << 31, WORD_PERM).astype(np.uint64) * 2 + 1)[:, None]
_B = _rng.randint(0, 1 << 31, WORD_PERM).astype(np.uint64)[:, None]


def sentences(text: str) -> Sentences:
    """The ``Sentences`` of ``text``.

    Example:
        >>> s = sentences("Floods closed the mountain road to Naryn on Monday morning. Ok.")
        >>> s.sizes.tolist()
        [6]
    """
    data = normalized_bytes(_SENTENCE_BREAK.sub("\n", text))
    kept: list[list[bytes]] = []
    for line in data.split(b"\n"):
        words = line.split()
        if len(words) >= SENTENCE_MIN_WORDS:
            # at most 255 words a sentence (a uint8 count): a "sentence" that long is a list
            content = [w for w in words if len(w) > 2 and w not in _STOP_WORDS][:255]
            if content:
                kept.append(content)
                if len(kept) == MAX_SENTENCES:
                    break
    if not kept:
        return Sentences(np.zeros(0, np.uint16), np.zeros(0, np.uint8), _EMPTY_MINHASH)
    flat = [w for s in kept for w in s]
    hashes = _hash_all(flat)
    # a number's 16-bit value has the top bit set, any other word's is clear (``aligned``)
    top = (hashes >> np.uint64(49)).astype(np.uint16)
    numeric = np.fromiter((w.translate(None, _DIGITS) != w for w in flat), dtype=bool,
                          count=len(flat))
    top[numeric] |= np.uint16(_NUMBER)
    groups = np.split(top, np.cumsum([len(s) for s in kept])[:-1])
    per = [np.unique(g) for g in groups]
    words = np.concatenate(per)
    sizes = np.fromiter(map(len, per), dtype=np.uint8, count=len(per))
    distinct = np.unique(hashes & np.uint64(0xFFFFFFFF))
    permuted = (_A * distinct[None, :] + _B) & np.uint64(0xFFFFFFFF)
    return Sentences(words, sizes, permuted.min(axis=1).astype(np.uint32))


def word_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """The estimated Jaccard similarity of two texts' content words (their ``minhash``)."""
    return float(np.count_nonzero(a == b)) / len(a) if len(a) else 0.0


def aligned(a_words: np.ndarray, a_sizes: np.ndarray, b_words: np.ndarray,
            b_sizes: np.ndarray) -> tuple[float, int, int]:
    """How well the text with fewer content words aligns with the other, sentence by sentence.

    Returns:
        The share of its content words in order-keeping matched sentences, its content words
        and its sentences.

    Example:
        >>> a = sentences("One river rose two metres near Osh on Monday night.")
        >>> aligned(a.words, a.sizes, a.words, a.sizes)
        (1.0, 8, 1)
    """
    if len(a_words) > len(b_words):
        a_words, a_sizes, b_words, b_sizes = b_words, b_sizes, a_words, a_sizes
    total = len(a_words)
    if not total or not len(b_words):
        return 0.0, total, 0
    # overlap[i, j]: words of a's sentence i found in b's sentence j, from one table per b word
    b_owner = np.repeat(np.arange(len(b_sizes)), b_sizes.astype(np.int64))
    a_owner = np.repeat(np.arange(len(a_sizes)), a_sizes.astype(np.int64))
    order = np.argsort(b_words, kind="stable")
    sorted_b = b_words[order]
    lo = np.searchsorted(sorted_b, a_words, side="left")
    hi = np.searchsorted(sorted_b, a_words, side="right")
    hits = hi - lo
    overlap = np.zeros((len(a_sizes), len(b_sizes)), dtype=np.int32)
    if hits.any():
        rows = np.repeat(a_owner, hits)
        starts = np.repeat(lo - np.cumsum(hits) + hits, hits) + np.arange(int(hits.sum()))
        np.add.at(overlap, (rows, b_owner[order[starts]]), 1)
    share = overlap / np.maximum(a_sizes.astype(np.int32), 1)[:, None]
    best = share.argmax(axis=1)
    matched = share[np.arange(len(a_sizes)), best] >= SENTENCE_MATCH
    # a sentence with numbers matches only one that shares one of them: a template sentence of
    # another story (the same words, other figures) is not a copy of it
    numbers = np.bincount(a_owner, weights=a_words >= _NUMBER, minlength=len(a_sizes)) > 0
    if numbers.any() and hits.any():
        number_rows = rows[np.repeat(a_words >= _NUMBER, hits)]
        number_cols = b_owner[order[starts]][np.repeat(a_words >= _NUMBER, hits)]
        shared = np.zeros_like(overlap, dtype=bool)
        shared[number_rows, number_cols] = True
        matched &= ~numbers | shared[np.arange(len(a_sizes)), best]
    elif numbers.any():
        matched &= ~numbers
    weights, positions = a_sizes[matched].astype(int).tolist(), best[matched].tolist()
    return _heaviest_run(positions, weights) / total, total, len(a_sizes)


def _heaviest_run(positions: list[int], weights: list[int]) -> int:
    """The largest total weight of a non-decreasing subsequence of ``positions`` (quadratic:
    a text has tens of sentences)."""
    best: list[int] = []
    for i, (pos, weight) in enumerate(zip(positions, weights, strict=True)):
        best.append(weight + max((best[k] for k in range(i) if positions[k] <= pos), default=0))
    return max(best, default=0)


def aligns(share: float, words: int, count: int) -> bool:
    """Whether ``aligned``'s result (share, words, sentences) links the pair."""
    return share >= ALIGN_SHARE and words >= ALIGN_MIN_WORDS and count >= ALIGN_MIN_SENTENCES
