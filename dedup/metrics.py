"""Clustering quality against labelled data: BCubed and pairwise precision, recall and F1.

Both take the predicted and the true cluster of every item as ``{item: cluster}`` mappings over
the same items, and count from the contingency table, so a million items are fine.

BCubed (Bagga and Baldwin 1998; Amigó et al. 2009): per item, precision is the share of its
predicted cluster that truly belongs with it, recall the share of its true cluster that was put
with it; both averaged over items. Pairwise: precision and recall of the set of item pairs put in
one cluster.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from typing import NamedTuple


class Scores(NamedTuple):
    """Precision, recall and their harmonic mean F1."""

    precision: float
    recall: float
    f1: float


def bcubed(predicted: Mapping[str, Hashable], gold: Mapping[str, Hashable]) -> Scores:
    """BCubed precision, recall and F1 of a clustering.

    Args:
        predicted: item -> predicted cluster.
        gold: item -> true cluster, for the same items.

    Raises:
        ValueError: the two do not cover the same items.

    Example:
        >>> bcubed({"a": 1, "b": 1, "c": 1}, {"a": "x", "b": "x", "c": "y"})  # doctest: +ELLIPSIS
        Scores(precision=0.555..., recall=1.0, f1=0.714...)
    """
    joint, pred_sizes, gold_sizes = _contingency(predicted, gold)
    if not joint:
        return Scores(1.0, 1.0, 1.0)
    total = len(predicted)
    precision = sum(n * n / pred_sizes[p] for (p, _), n in joint.items()) / total
    recall = sum(n * n / gold_sizes[g] for (_, g), n in joint.items()) / total
    return Scores(precision, recall, _f1(precision, recall))


def pairwise(predicted: Mapping[str, Hashable], gold: Mapping[str, Hashable]) -> Scores:
    """Pairwise precision, recall and F1: of the pairs of items put in one cluster.

    A clustering without any pair has precision 1; a gold standard without pairs, recall 1.

    Example:
        >>> pairwise({"a": 1, "b": 1, "c": 1}, {"a": "x", "b": "x", "c": "y"})
        Scores(precision=0.3333333333333333, recall=1.0, f1=0.5)
    """
    joint, pred_sizes, gold_sizes = _contingency(predicted, gold)
    together = sum(_pairs(n) for n in joint.values())
    predicted_pairs = sum(_pairs(n) for n in pred_sizes.values())
    gold_pairs = sum(_pairs(n) for n in gold_sizes.values())
    precision = together / predicted_pairs if predicted_pairs else 1.0
    recall = together / gold_pairs if gold_pairs else 1.0
    return Scores(precision, recall, _f1(precision, recall))


def _contingency(predicted: Mapping[str, Hashable], gold: Mapping[str, Hashable]) -> tuple[
        Counter, Counter, Counter]:  # fmt: skip
    if predicted.keys() != gold.keys():
        missing = len(gold.keys() - predicted.keys()) + len(predicted.keys() - gold.keys())
        raise ValueError(
            f"predicted and gold clusterings differ in {missing} items; give both "
            f"for the same items"
        )
    joint = Counter((predicted[item], gold[item]) for item in predicted)
    return joint, Counter(predicted.values()), Counter(gold.values())


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0
