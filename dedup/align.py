"""Sentence alignment: a copy that keeps a text's sentences in order, with its words swapped.

Word shingles do not see a machine-spun copy (synonym swaps, the same sentences in the same
order, names and numbers kept: 0.02-0.35 of its shingles in the source) nor a paraphrase that
follows the source sentence by sentence. Their sentences still share most of their content
words. So each text keeps, per sentence, the 16-bit hashes of its content words (numbers of
three or more digits, and words of three or more letters that are not stop words; smaller
numbers only for the figures), and a MinHash of all its content words
(the candidates: a spun copy shares 0.2-0.4 of them, bench/eval_real.py's tuning sets). The
sentences of a batch of texts come from the words ``shingles.shingle_many`` finds, in one pass
(``sentences_of``): a sentence ends at a line break or a sentence mark.

A pair *aligns* (``rule``) when, of the text with fewer content words, sentences holding most of
those words each find a sentence of the other that contains at least ``SENTENCE_MATCH`` of their
words, and those matches keep their order (the heaviest non-decreasing run of matched
positions): an independent write-up sharing a quote or a background paragraph matches a
sentence or two, out of order or in a short text. A pair that also shares much of its text
word for word (a copy with a new lead, an edited wire copy) aligns at a lower share. Another
story told with the same sentences (a template) differs in its figures (``figures_agree``).
``aligned_many`` aligns one text with all of a query's candidates in one pass. Plain data in
and out; no index here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from dedup.lsh import distinct
from dedup.shingles import Words, _hash_all, shingle_many

# A sentence of fewer words (after normalisation) is not aligned: captions, bylines, datelines.
SENTENCE_MIN_WORDS = 6
# A sentence matches one of the other text when this share of its content words is in it: a
# synonym swap keeps names, numbers and half the other words (tuning set: spun pairs' matched
# sentences share 0.5-0.9; unrelated sentences of one event 0.1-0.3).
SENTENCE_MATCH = 0.4
# A pair links when the order-keeping matched sentences hold this share of the shorter text's
# content words (tuning sets: spun, paraphrased and translated copies 0.63-1.0, a few 0.5-0.6;
# hard negatives with 8 or more sentences 0.57 at most (next-day rewrites of one wire text), but
# one condensed rewrite of one briefing in the same order at 0.94; short ones up to 0.71, hence
# the floors below).
ALIGN_SHARE = 0.6
# ... and the shorter text has at least this many content words and sentences:
# a short write-up sharing two quotes has too few sentences to tell copy from coincidence.
ALIGN_MIN_WORDS = 100
ALIGN_MIN_SENTENCES = 8
# Figures: a pair whose text with fewer distinct number words has at least FIGURES_MIN of them
# aligns only if FIGURES_SHARE of those are in the other (tuning sets: copies 0.43-1.0 but one
# edited copy with new dates; different stories written from the same sentence templates,
# bench/evalset.py's grammar, under 0.4 for 99 % of pairs).
FIGURES_MIN = 4
FIGURES_SHARE = 0.4
# A shorter text of ALIGN_FEW_SENTENCES to ALIGN_MIN_SENTENCES sentences links at this share
# (tuning sets: copies 0.71-1.0, hard negatives 0.58 at most).
ALIGN_FEW_SENTENCES = 6
ALIGN_FEW_SHARE = 0.7
# A pair that shares text as well links at a lower share: aligned and shared shares of at least
# ALIGN_TEXT_SHARE each, ALIGN_TEXT_SUM together, in ALIGN_TEXT_MIN_SENTENCES or more sentences
# (tuning sets: copies with a new lead, edited wire copies 1.0-1.3; hard negatives 0.9 at most,
# but one rewrite of one briefing in the same order).
ALIGN_TEXT_SHARE = 0.4
ALIGN_TEXT_SUM = 0.95
ALIGN_TEXT_MIN_SENTENCES = 6
# At most this many sentences are kept (a 16-bit word count each; the record stays small).
MAX_SENTENCES = 255
# The content-word MinHash: buckets (one permutation), and the LSH banding (32 bands of 2 rows:
# a pair sharing 0.2 of its content words is a candidate with probability 0.73, at 0.25 0.87,
# at 0.35 0.98; tuning sets: spun copies share 0.2-0.4).
WORD_PERM = 64
WORD_BANDS = (32, 2)

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
            sentence, sentences in text order (uint16); a number's has the top bit set, and one
            of one or two digits the next bit too (``_SMALL``: it only counts for the figures).
        sizes: how many of ``words`` each sentence has (uint8 counts, at most 255).
        minhash: ``WORD_PERM`` values (uint32) of all its content words: the least word hash of
            each of ``WORD_PERM`` buckets (one permutation).
    """

    words: np.ndarray
    sizes: np.ndarray
    minhash: np.ndarray


_NUMBER = 0x8000
# with _NUMBER: a number of one or two digits (a day, a count), in the figures but not aligned
_SMALL = 0x4000 | _NUMBER
# the sentences of a signature made without ``DedupConfig.align`` (none looked for)
EMPTY = Sentences(np.zeros(0, np.uint16), np.zeros(0, np.uint8), np.zeros(0, np.uint32))
_STOP_HASHES = np.sort(_hash_all(sorted(_STOP_WORDS)))
# the stop words' top 16 bits: a word whose are not among them is no stop word
_STOP_TOPS = np.zeros(1 << 16, dtype=bool)
_STOP_TOPS[(_STOP_HASHES >> np.uint64(48)).astype(np.intp)] = True
# the value of a MinHash bucket that no word fell in
_NO_WORD = 0xFFFFFFFF
# the sentences of a text in which alignment found none: a word MinHash of empty buckets, so
# that a signature tells "none found" from "not looked for" (EMPTY, which an aligning index
# refuses)
NONE_FOUND = Sentences(
    np.zeros(0, np.uint16), np.zeros(0, np.uint8), np.full(WORD_PERM, _NO_WORD, np.uint32)
)


def sentences(text: str) -> Sentences:
    """The ``Sentences`` of ``text`` (``sentences_of`` of a batch of one).

    Example:
        >>> s = sentences("Floods closed the mountain road to Naryn on Monday morning. Ok.")
        >>> s.sizes.tolist()  # floods closed mountain road naryn monday morning
        [7]
    """
    words = shingle_many([text], 1, marks=True).words
    return sentences_of(words)[0]  # type: ignore[arg-type]


def sentences_of(words: Words) -> list[Sentences]:
    """The ``Sentences`` of each text of a batch, from its words (``shingle_many(...,
    marks=True)``): numpy calls per batch, none per word or sentence."""
    count = len(words.offsets) - 1
    hashes, sentence = words.hashes, words.sentences
    if not len(hashes):
        return [NONE_FOUND] * count
    # content words of the sentences of SENTENCE_MIN_WORDS words: numbers, and words that are
    # not stop words nor of one or two letters (bytes: a Cyrillic letter is two)
    keep = (np.bincount(sentence)[sentence] >= SENTENCE_MIN_WORDS) & (
        (words.sizes > 2) | words.digits
    )
    maybe_stop = np.flatnonzero(_STOP_TOPS[(hashes >> np.uint64(48)).astype(np.intp)])
    if len(maybe_stop):
        at = np.minimum(np.searchsorted(_STOP_HASHES, hashes[maybe_stop]), len(_STOP_HASHES) - 1)
        keep[maybe_stop[_STOP_HASHES[at] == hashes[maybe_stop]]] = False
    index = np.flatnonzero(keep)
    if not len(index):
        return [NONE_FOUND] * count
    text = np.repeat(np.arange(count), np.diff(words.offsets))[index]
    sentence = sentence[index]
    first = np.ones(len(index), dtype=bool)
    np.not_equal(sentence[1:], sentence[:-1], out=first[1:])
    ordinal = np.cumsum(first) - 1  # the kept sentences, numbered across the batch
    starts = np.flatnonzero(first)
    text_first = np.searchsorted(text[starts], np.arange(count + 1))
    # at most MAX_SENTENCES sentences a text and 255 words a sentence (uint8 counts)
    fits = (ordinal - text_first[text] < MAX_SENTENCES) & (
        np.arange(len(index)) - starts[ordinal] < 255
    )
    if not fits.all():
        index, text, ordinal = index[fits], text[fits], ordinal[fits]
    hashes = hashes[index]
    # a number's 16-bit value has the top bit set, any other word's is clear (``aligned``); a
    # number of one or two digits has the next bit set too: it counts for the figures only
    top = (hashes >> np.uint64(49)).astype(np.uint32)
    digits = words.digits[index]
    top[digits] = (top[digits] & np.uint32(0x3FFF)) | np.uint32(_NUMBER)
    top[digits & (words.sizes[index] <= 2)] |= np.uint32(_SMALL)
    # each sentence's distinct values, sorted: (sentence, value) as one 32-bit key (at most
    # 65,536 sentences a batch), whose stable sort is quick as the sentences are in order
    keys = np.sort((ordinal.astype(np.uint32) << np.uint32(16)) | top, kind="stable")
    distinct = np.ones(len(keys), dtype=bool)
    np.not_equal(keys[1:], keys[:-1], out=distinct[1:])
    keys = keys[distinct]
    sizes = np.bincount(keys >> np.uint32(16), minlength=int(ordinal[-1]) + 1)
    values = (keys & np.uint32(0xFFFF)).astype(np.uint16)
    word_ends = np.concatenate(([0], np.cumsum(sizes)))
    # the MinHash of each text's content words, for all texts at once: one permutation (the
    # hash), WORD_PERM buckets by its low bits, the least value of each
    minima = np.full(count * WORD_PERM, _NO_WORD, dtype=np.uint32)
    np.minimum.at(
        minima,
        text * WORD_PERM + (hashes & np.uint64(WORD_PERM - 1)).astype(np.intp),
        (hashes >> np.uint64(32)).astype(np.uint32),
    )
    minima = minima.reshape(count, WORD_PERM)
    has = np.flatnonzero(text_first[1:] > text_first[:-1])
    found = [NONE_FOUND] * count
    for i in has.tolist():
        lo, hi = int(text_first[i]), int(text_first[i + 1])
        hi = min(hi, lo + MAX_SENTENCES)
        found[i] = Sentences(
            values[word_ends[lo] : word_ends[hi]], sizes[lo:hi].astype(np.uint8), minima[i]
        )
    return found


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
    return aligned_many(a_words, a_sizes, [(b_words, b_sizes)])[0]


def aligned_many(
    a_words: np.ndarray,
    a_sizes: np.ndarray,
    others: Sequence[tuple[np.ndarray, np.ndarray]],
    cutoff: float = 0.0,
) -> list[tuple[float, int, int]]:
    """``aligned`` of one text (``a_words``, ``a_sizes``) with each of ``others`` (their words
    and sizes), with the sentence overlaps of all of them counted in one pass.

    A pair whose matched sentences, in order or not, hold under ``cutoff`` of the shorter text's
    content words cannot align at ``cutoff``: its share is that upper bound, and the order of its
    matches is not looked at (most candidates of a query stop there).
    """
    agree = figures_agree(a_words, [words for words, _ in others]).tolist()
    kept = [other for other, ok in zip(others, agree, strict=True) if ok]
    found = iter(_aligned_all(a_words, a_sizes, kept, cutoff) if kept else [])
    results = []
    for (words, sizes), ok in zip(others, agree, strict=True):
        if ok:
            results.append(next(found))
        else:  # figures differ: no alignment
            fewer = (a_sizes, a_words) if len(a_words) <= len(words) else (sizes, words)
            results.append((0.0, len(fewer[1]), len(fewer[0])))
    return results


def figures_agree(a_words: np.ndarray, others: Sequence[np.ndarray]) -> np.ndarray:
    """For each of ``others`` (a text's content words), whether its figures agree with those
    of ``a_words``: of the text with fewer distinct number words, if it has ``FIGURES_MIN`` or
    more, at least ``FIGURES_SHARE`` are in the other. Another story told with the same
    sentences (a template, a regular report) has other figures; a copy keeps them."""
    if np.count_nonzero(a_words >= _NUMBER) < FIGURES_MIN:
        return np.ones(len(others), dtype=bool)
    shared, fewer = figures(a_words, others)
    return (fewer < FIGURES_MIN) | (shared >= FIGURES_SHARE * fewer)


def figures(a_words: np.ndarray, others: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``others``, how many distinct number words it shares with ``a_words``, and
    the fewer distinct number words of the two."""
    own = a_words[a_words >= _NUMBER]
    if not len(own) or not len(others):
        return np.zeros(len(others), np.intp), np.zeros(len(others), np.intp)
    own_count = len(distinct(own))
    sizes = np.fromiter(map(len, others), dtype=np.intp, count=len(others))
    words = np.concatenate(others)
    number = words >= _NUMBER
    owner = np.repeat(np.arange(len(others), dtype=np.uint32), sizes)[number]
    # each other's distinct numbers: (other, value) as one 32-bit key, sorted (a stable sort of
    # 32-bit keys is a radix sort)
    keys = np.sort((owner << np.uint32(16)) | words[number], kind="stable")
    first = np.ones(len(keys), dtype=bool)
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    keys = keys[first]
    owner = (keys >> np.uint32(16)).astype(np.intp)
    _FIGURES[own] = True
    try:
        found = _FIGURES[keys & np.uint32(0xFFFF)]
    finally:
        _FIGURES[own] = False
    shared = np.bincount(owner[found], minlength=len(others))
    return shared, np.minimum(np.bincount(owner, minlength=len(others)), own_count)


_FIGURES = np.zeros(1 << 16, dtype=bool)


def _aligned_all(
    a_words: np.ndarray,
    a_sizes: np.ndarray,
    others: Sequence[tuple[np.ndarray, np.ndarray]],
    cutoff: float,
) -> list[tuple[float, int, int]]:
    """``aligned_many`` of the pairs whose figures agree."""
    rows_a = len(a_sizes)
    b_words = np.concatenate([words for words, _ in others])
    b_sizes = np.concatenate([sizes for _, sizes in others])
    cols = len(b_sizes)
    # overlap[i, j]: words of a's sentence i in sentence j of the others laid end to end (each
    # sentence's words are distinct, so it is the size of their intersection either way); one
    # lookup per word of the others. Small numbers are left out (``_SMALL``).
    a_owner = np.repeat(np.arange(rows_a), a_sizes.astype(np.intp))
    b_owner = np.repeat(np.arange(cols), b_sizes.astype(np.intp))
    a_counted, b_counted = a_words < _SMALL, b_words < _SMALL
    a_sizes = np.bincount(a_owner[a_counted], minlength=rows_a)
    b_sizes = np.bincount(b_owner[b_counted], minlength=cols)
    order = np.argsort(a_words, kind="stable")
    sorted_a = a_words[order]
    # where each 16-bit value's run is in sorted_a, by table lookup (a search costs ten times
    # more); the table is cleared after use
    first = np.ones(len(sorted_a), dtype=bool)
    np.not_equal(sorted_a[1:], sorted_a[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    values = sorted_a[starts]
    _RUN_START[values] = starts
    _RUN_SIZE[values] = np.diff(np.append(starts, len(sorted_a)))
    try:
        lo, hits = _RUN_START[b_words], _RUN_SIZE[b_words] * b_counted
    finally:
        _RUN_SIZE[values] = 0
    found = int(hits.sum())
    at = np.repeat(lo - np.cumsum(hits) + hits, hits) + np.arange(found)
    cells = a_owner[order[at]] * cols + np.repeat(b_owner, hits)
    overlap = np.bincount(cells, minlength=rows_a * cols).reshape(rows_a, cols)
    # a sentence with numbers matches only one that shares one of them: a template sentence of
    # another story (the same words, other figures) is not a copy of it
    number = (b_words >= _NUMBER) & b_counted
    numbers = np.bincount(cells[np.repeat(number, hits)], minlength=rows_a * cols).reshape(
        rows_a, cols
    )
    a_numbers = np.bincount(a_owner[(a_words >= _NUMBER) & a_counted], minlength=rows_a) > 0
    b_numbers = np.bincount(b_owner[number], minlength=cols) > 0
    a_total = int(a_sizes.sum())
    results = []
    start = 0
    for _, sizes in others:
        stop = start + len(sizes)
        block, shared = overlap[:, start:stop], numbers[:, start:stop]
        own_sizes, own_numbers, size = a_sizes, a_numbers, len(sizes)
        other_sizes = b_sizes[start:stop]
        if a_total > int(other_sizes.sum()):  # the other has fewer content words
            block, shared, own_numbers = block.T, shared.T, b_numbers[start:stop]
            own_sizes, size = other_sizes, rows_a
        start = stop
        total, count = int(own_sizes.sum()), len(own_sizes)
        if not total or not size:
            results.append((0.0, total, 0))
            continue
        best = block.argmax(axis=1)
        rows = np.arange(len(best))
        matched = block[rows, best] >= SENTENCE_MATCH * own_sizes
        matched &= ~own_numbers | (shared[rows, best] > 0)
        weights = own_sizes[matched].astype(np.int64)
        weight = int(weights.sum())
        if weight < cutoff * total:
            results.append((weight / total, total, count))
            continue
        run = heaviest_run(best[matched].tolist(), weights.tolist(), size)
        results.append((run / total, total, count))
    return results


_RUN_START = np.zeros(1 << 16, dtype=np.intp)
_RUN_SIZE = np.zeros(1 << 16, dtype=np.intp)


def heaviest_run(positions: list[int], weights: list[int], size: int) -> int:
    """The largest total weight of a non-decreasing subsequence of ``positions`` (each in
    ``range(size)``): one pass, keeping the best total of a run ending at each position (a
    text has a few dozen sentences, so a slice's ``max`` beats a tree)."""
    ending = [0] * size
    for pos, weight in zip(positions, weights, strict=True):
        total = max(ending[: pos + 1]) + weight
        if total > ending[pos]:
            ending[pos] = total
    return max(ending, default=0)


def aligns(share: float, words: int, count: int, shared: float = 0.0) -> bool:
    """Whether ``aligned``'s result (share, words, sentences) links the pair (``rule``)."""
    return rule(share, words, count, shared) is not None


def needed(count: int) -> float:
    """The aligned share that links a pair whose shorter text has ``count`` sentences by
    "aligned sentences" (``rule``), or 1.0+ when it has too few sentences for that rule."""
    if count >= ALIGN_MIN_SENTENCES:
        return ALIGN_SHARE
    return ALIGN_FEW_SHARE if count >= ALIGN_FEW_SENTENCES else 1.01


def rule(share: float, words: int, count: int, shared: float = 0.0) -> str | None:
    """The rule by which ``aligned``'s result (share, words, sentences) links the pair, or None:
    "aligned sentences": ``ALIGN_SHARE`` of ``ALIGN_MIN_SENTENCES`` or more, or
    ``ALIGN_FEW_SHARE`` of ``ALIGN_FEW_SENTENCES`` or more; "aligned sentences and shared text"
    (a copy with a new lead, an edited or translated passage): ``ALIGN_TEXT_SHARE`` with
    ``shared`` (the share of the shorter text's content shingles found in the other) making
    ``ALIGN_TEXT_SUM`` together."""
    if words < ALIGN_MIN_WORDS:
        return None
    if share >= needed(count):
        return "aligned sentences"
    if (
        count >= ALIGN_TEXT_MIN_SENTENCES
        and share >= ALIGN_TEXT_SHARE
        and shared >= ALIGN_TEXT_SHARE
        and share + shared >= ALIGN_TEXT_SUM
    ):
        return "aligned sentences and shared text"
    return None
