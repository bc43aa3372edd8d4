from __future__ import annotations

import pytest

from dedup import bcubed, pairwise

GOLD = {"a": "x", "b": "x", "c": "x", "d": "y", "e": "z"}


def test_perfect_clustering_scores_one():
    assert bcubed(GOLD, GOLD) == (1.0, 1.0, 1.0)
    assert pairwise(GOLD, GOLD) == (1.0, 1.0, 1.0)


def test_split_cluster_loses_recall_only():
    predicted = {"a": 1, "b": 1, "c": 2, "d": 3, "e": 4}
    b = bcubed(predicted, GOLD)
    assert b.precision == 1.0
    assert b.recall == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1 + 1) / 5)
    assert pairwise(predicted, GOLD) == (1.0, pytest.approx(1 / 3), pytest.approx(0.5))


def test_merged_clusters_lose_precision_only():
    predicted = {"a": 1, "b": 1, "c": 1, "d": 1, "e": 2}
    b = bcubed(predicted, GOLD)
    assert b.recall == 1.0
    assert b.precision == pytest.approx((3 * 3 / 4 + 1 / 4 + 1) / 5)
    assert pairwise(predicted, GOLD).precision == pytest.approx(3 / 6)


def test_items_must_match():
    with pytest.raises(ValueError, match="differ in 1 items"):
        bcubed({"a": 1}, {"a": 1, "b": 1})
