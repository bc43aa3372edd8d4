"""Quality floors: a small run of bench/eval_quality.py's evaluation against bench/baseline.json.

Lowering a floor needs an explicit reason in the change (STYLE 5.18).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dedup import DedupConfig

FLOORS = json.loads((Path(__file__).parents[2] / "bench" / "baseline.json").read_text())["quality"]


@pytest.fixture(scope="module")
def result(evalset):
    return evalset.evaluate(evalset.generate(stories=150, seed=11), DedupConfig())


def test_bcubed_f1_meets_its_floor(result):
    assert result["bcubed"]["f1"] >= FLOORS["bcubed_f1"]


def test_pairwise_precision_meets_its_floor(result):
    assert result["pairwise"]["precision"] >= FLOORS["pairwise_precision"]


def test_hard_negatives_stay_apart(result):
    for case in ("footer", "topic", "short"):
        assert result["cases"][case]["precision"] >= FLOORS["hard_negative_precision"], case


def test_lsh_recall_meets_its_floor(evalset):
    from dedup.config import band_layout

    # the banding's candidate probability at the threshold, the floor bench/eval_lsh.py measures
    threshold = DedupConfig().threshold
    bands, rows = band_layout(threshold, DedupConfig().num_perm)
    assert 1 - (1 - threshold**rows) ** bands >= FLOORS["lsh_recall"]
