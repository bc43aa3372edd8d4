"""The evidence of a copy: the passages two texts share, found by runs of common words.

A passage counts as shared when a run of at least :data:`RUN_WORDS` consecutive words
(casefolded) occurs in both texts; overlapping runs join into one passage. That is what a reader
checks by eye, and it is independent of the MinHash estimate that clustered the two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

RUN_WORDS = 6  # shorter runs are set phrases ("the president of the republic"), not copying
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Marked:
    """A text cut into pieces, each ``(text, shared)``, and the share of its words shared."""

    pieces: list[tuple[str, bool]]
    shared_share: float


def shared_passages(origin: str, copy: str, run: int = RUN_WORDS) -> tuple[Marked, Marked]:
    """``origin`` and ``copy`` each cut into shared and own pieces.

    Example:
        >>> a, b = shared_passages("one two three four", "zero one two three four", run=3)
        >>> b.pieces
        [('zero ', False), ('one two three four', True)]
    """
    words_a = [(m.start(), m.end(), m.group().casefold()) for m in _WORD.finditer(origin)]
    words_b = [(m.start(), m.end(), m.group().casefold()) for m in _WORD.finditer(copy)]
    grams_a = _grams(words_a, run)
    grams_b = _grams(words_b, run)
    common = set(grams_a) & set(grams_b)
    return (
        _marked(origin, words_a, grams_a, common, run),
        _marked(copy, words_b, grams_b, common, run),
    )


def _grams(words: list[tuple[int, int, str]], run: int) -> list[tuple[str, ...]]:
    return [tuple(w[2] for w in words[i : i + run]) for i in range(len(words) - run + 1)]


def _marked(
    text: str,
    words: list[tuple[int, int, str]],
    grams: list[tuple[str, ...]],
    common: set[tuple[str, ...]],
    run: int,
) -> Marked:
    covered = [False] * len(words)
    for i, gram in enumerate(grams):
        if gram in common:
            for k in range(i, i + run):
                covered[k] = True
    pieces: list[tuple[str, bool]] = []
    cursor = 0
    i = 0
    while i < len(words):
        if not covered[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(words) and covered[j + 1]:
            j += 1
        start, end = words[i][0], words[j][1]
        if start > cursor:
            pieces.append((text[cursor:start], False))
        pieces.append((text[start:end], True))
        cursor = end
        i = j + 1
    if cursor < len(text):
        pieces.append((text[cursor:], False))
    share = sum(covered) / len(words) if words else 0.0
    return Marked(pieces, round(share, 3))
