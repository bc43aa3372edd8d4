"""The Article Extraction Benchmark's score, re-implemented from ../shared/bench/aeb/SOURCE.md.

Texts become word tokens (maximal runs of Unicode word characters, case kept), then multisets of
overlapping 4-token shingles (a text of fewer than 4 tokens is one shingle, an empty text none).
Per page TP/FP/FN are shared/extra/missing shingle occurrences; per-page precision and recall are
averaged over pages (an empty prediction is skipped for precision and scores 0 recall, an empty
reference is skipped for recall) and F1 is the harmonic mean of the two means.

Pure functions, no I/O: the benchmark script and the quality-floor test both import it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

SHINGLE_SIZE = 4
_WORD = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    """Word tokens of a text (punctuation and whitespace dropped, case kept)."""
    return _WORD.findall(text or "")


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """The multiset of 4-token shingles of a text."""
    toks = tokens(text)
    if not toks:
        return Counter()
    if len(toks) < SHINGLE_SIZE:
        return Counter([tuple(toks)])
    return Counter(tuple(toks[i : i + SHINGLE_SIZE]) for i in range(len(toks) - SHINGLE_SIZE + 1))


@dataclass(frozen=True, slots=True)
class PageScore:
    """One page's precision and recall (None when the page is skipped for that figure)."""

    precision: float | None
    recall: float | None
    exact: bool

    @property
    def f1(self) -> float:
        """The page's own F1 (for ranking wins and losses; the corpus F1 is not a mean of these)."""
        p, r = self.precision or 0.0, self.recall or 0.0
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True, slots=True)
class CorpusScore:
    """Corpus figures: F1 of the mean precision and mean recall, and the exact-match share."""

    f1: float
    precision: float
    recall: float
    accuracy: float


def score_page(predicted: str, reference: str) -> PageScore:
    """Score one predicted body against its reference body."""
    pred, ref = shingles(predicted), shingles(reference)
    tp = sum((pred & ref).values())
    fp = sum(pred.values()) - tp
    fn = sum(ref.values()) - tp
    total = tp + fp + fn
    exact = tokens(predicted) == tokens(reference)
    if total == 0:
        return PageScore(None, None, exact)
    if fp == 0 and fn == 0:
        return PageScore(1.0, 1.0, exact)
    precision = tp / (tp + fp) if pred else None
    recall = (tp / (tp + fn) if pred else 0.0) if ref else None
    return PageScore(precision, recall, exact)


def score_corpus(predictions: Mapping[str, str], references: Mapping[str, str]) -> CorpusScore:
    """Score predictions (page id -> text) against references (page id -> text)."""
    pages = [score_page(predictions.get(key, ""), ref) for key, ref in references.items()]
    return aggregate(pages)


def aggregate(pages: list[PageScore]) -> CorpusScore:
    """Combine page scores the way the benchmark does."""
    precisions = [p.precision for p in pages if p.precision is not None]
    recalls = [p.recall for p in pages if p.recall is not None]
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = sum(p.exact for p in pages) / len(pages) if pages else 0.0
    return CorpusScore(f1, precision, recall, accuracy)
